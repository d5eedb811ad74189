/*
 * models/drivers/nic_report.c - what a NIC reports: ethtool -S / -c / -g, its
 * /proc/interrupts lines, its report.json object and the report's view of its RX rings.
 *
 * Kernel references: the drivers' ethtool_ops (ixgbe_get_ethtool_stats,
 * ixgbe_get_coalesce, mlx5e_get_coalesce), ethtool 6.x's coalesce output,
 * kernel/irq/proc.c show_interrupts. See models/drivers/hw_nic.h for the model.
 */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "models/core/netdevice.h"
#include "models/core/xdp.h"
#include "models/drivers/hw_nic.h"

#define U(x)	      ((unsigned long long)(x))
#define JNUM(o, s, f) cJSON_AddNumberToObject(o, #f, (double)(s)->f)

/*
 * With a program attached: mlx5's software counters (mlx5e_sw_stats_desc,
 * the sums of its rings' rx%u_xdp_* counters), printed for every driver.
 */
static void nic_xdp_ethtool_stats(const struct nic_priv *p, FILE *f)
{
	uint64_t drop = 0, redirect = 0, xmit = 0, full = 0;

	for (uint32_t i = 0; i < p->nrxq; i++) {
		drop += p->rxq[i].xdp_drop;
		redirect += p->rxq[i].xdp_redirect;
		xmit += p->rxq[i].xdp_tx_xmit;
		full += p->rxq[i].xdp_tx_full;
	}
	fprintf(f, "     rx_xdp_drop: %llu\n", U(drop));
	fprintf(f, "     rx_xdp_redirect: %llu\n", U(redirect));
	fprintf(f, "     rx_xdp_tx_xmit: %llu\n", U(xmit));
	fprintf(f, "     rx_xdp_tx_full: %llu\n", U(full));
}

/* ixgbe_get_ethtool_stats-like: device, TX restart/busy, then per-queue counters. */
static void nic_get_ethtool_stats(const struct net_device *v, FILE *f)
{
	const struct nic_priv *p = nic_priv(v);
	uint64_t restart = 0, busy = 0;
	struct rtnl_link_stats64 s;

	dev_get_stats(v, &s);
	fprintf(f, "NIC statistics:\n");
	fprintf(f, "     rx_packets: %llu\n", U(s.rx_packets));
	fprintf(f, "     rx_bytes: %llu\n", U(s.rx_bytes));
	fprintf(f, "     rx_dropped: %llu\n", U(s.rx_dropped));
	fprintf(f, "     %s: %llu\n", p->drv->missed_stat, U(s.rx_missed_errors));
	if (strcmp(p->drv->missed_stat, "rx_missed_errors"))
		fprintf(f, "     rx_missed_errors: %llu\n", U(s.rx_missed_errors));
	fprintf(f, "     tx_packets: %llu\n", U(s.tx_packets));
	fprintf(f, "     tx_bytes: %llu\n", U(s.tx_bytes));
	for (uint32_t i = 0; i < v->ntxq; i++) {
		restart += v->txq[i].wakes;
		busy += v->txq[i].busy;
	}
	fprintf(f, "     tx_restart_queue: %llu\n", U(restart));
	fprintf(f, "     tx_busy: %llu\n", U(busy));
	for (uint32_t i = 0; i < v->ntxq; i++) {
		fprintf(f, "     tx_queue_%u_packets: %llu\n", i, U(p->tx[i].packets));
		fprintf(f, "     tx_queue_%u_bytes: %llu\n", i, U(p->tx[i].bytes));
	}
	for (uint32_t i = 0; i < p->nrxq; i++) {
		fprintf(f, "     rx_queue_%u_packets: %llu\n", i, U(p->rxq[i].packets));
		fprintf(f, "     rx_queue_%u_bytes: %llu\n", i, U(p->rxq[i].bytes));
	}
	if (p->xdp)
		nic_xdp_ethtool_stats(p, f);
}

/*
 * ethtool -c (netlink coalesce reply as ethtool 6.x prints it): the values
 * the driver reports. Like the real drivers, adaptive mode reports the
 * configured values, not the moderation in force (see the report for that):
 * ixgbe reports rx-usecs 1 (its "adaptive" setting), mlx5 the configured
 * rx-usecs/rx-frames with Adaptive RX on.
 */
static void nic_get_coalesce(const struct net_device *dev, FILE *f)
{
	const struct nic_priv *p = nic_priv(dev);
	bool itr = !strcmp(p->drv->coalesce_kind, "itr");
	unsigned rx_usecs = itr && p->adaptive_rx ? 1 : p->rx_usecs;

	fprintf(f, "Coalesce parameters for %s:\n", dev->name);
	fprintf(f, "Adaptive RX: %s  TX: n/a\n", !itr && p->adaptive_rx ? "on" : "off");
	fprintf(f, "stats-block-usecs:\tn/a\nsample-interval:\tn/a\npkt-rate-low:\t\tn/a\n"
		   "pkt-rate-high:\t\tn/a\n\n");
	fprintf(f, "rx-usecs:\t%u\n", rx_usecs);
	if (itr)
		fprintf(f, "rx-frames:\tn/a\n");
	else
		fprintf(f, "rx-frames:\t%u\n", p->rx_frames);
	fprintf(f, "rx-usecs-irq:\tn/a\nrx-frames-irq:\tn/a\n\n");
	fprintf(f, "tx-usecs:\t%u\n", p->tx_usecs);
	if (itr)
		fprintf(f, "tx-frames:\tn/a\n");
	else
		fprintf(f, "tx-frames:\t%u\n", p->tx_frames);
	fprintf(f, "tx-usecs-irq:\tn/a\ntx-frames-irq:\tn/a\n");
}

static void nic_get_ringparam(const struct net_device *dev, struct ethtool_ringparam *r)
{
	const struct nic_priv *p = nic_priv(dev);

	r->rx_queues = p->nrxq;
	r->rx_pending = p->rx_ring;
	r->tx_pending = p->tx_ring;
	r->xdp_tx_pending = p->xdp ? p->tx_ring : 0;
}

static cJSON *nic_report_json(const struct net_device *dev)
{
	const struct nic_priv *p = nic_priv(dev);
	cJSON *o = cJSON_CreateObject(), *qs = cJSON_CreateArray();

	cJSON_AddStringToObject(o, "name", dev->name);
	cJSON_AddStringToObject(o, "driver", p->drv->name);
	if (p->adaptive_rx)
		cJSON_AddStringToObject(o, "adaptive_rx", p->drv->dim->name);
	netdev_json_stats(dev, o);
	for (uint32_t i = 0; i < p->nrxq; i++) {
		const struct nic_rx_queue *q = &p->rxq[i];
		cJSON *qo = cJSON_CreateObject();

		cJSON_AddNumberToObject(qo, "queue", i);
		cJSON_AddNumberToObject(qo, "cpu", q->cpu->id);
		JNUM(qo, q, packets);
		JNUM(qo, q, bytes);
		JNUM(qo, q, missed);
		JNUM(qo, q, irqs);
		JNUM(qo, q, polls);
		JNUM(qo, q, rx_usecs);
		JNUM(qo, q, rx_frames);
		if (p->xdp) {
			JNUM(qo, q, xdp_pass);
			JNUM(qo, q, xdp_drop);
			JNUM(qo, q, xdp_redirect);
			JNUM(qo, q, xdp_tx_xmit);
			JNUM(qo, q, xdp_tx_full);
		}
		if (p->adaptive_rx) {
			cJSON_AddNumberToObject(
				qo, "mean_rx_usecs",
				sim_level_mean(&q->usecs_level, dev->host->w->duration));
			JNUM(qo, q, moder_changes);
		}
		cJSON_AddItemToArray(qs, qo);
	}
	cJSON_AddItemToObject(o, "rx_queues", qs);
	if (p->xdp)
		cJSON_AddItemToObject(o, "xdp", xdp_prog_json(p->xdp));
	if (dev->bql)
		cJSON_AddItemToObject(o, "byte_queue_limits", netdev_json_bql(dev));
	return o;
}

/* Adaptive moderation (adaptive-rx on): each queue's rx-usecs/rx-frames in force at the end. */
static void nic_report_text(const struct net_device *dev, FILE *f)
{
	const struct nic_priv *p = nic_priv(dev);

	if (!p->adaptive_rx)
		return;
	fprintf(f,
		"  nic %s adaptive-rx on (%s): queue rx-usecs rx-frames mean-rx-usecs "
		"changes\n",
		dev->name, p->drv->dim->name);
	for (uint32_t i = 0; i < p->nrxq; i++) {
		const struct nic_rx_queue *q = &p->rxq[i];

		fprintf(f, "    %u %u %u %.1f %llu\n", i, q->rx_usecs, q->rx_frames,
			sim_level_mean(&q->usecs_level, dev->host->w->duration),
			U(q->moder_changes));
	}
}

static uint32_t nic_report_queues(const struct net_device *dev, struct netdev_queue_obs *out,
				  uint32_t max)
{
	const struct nic_priv *p = nic_priv(dev);
	uint32_t n = 0;

	for (uint32_t i = 0; i < p->nrxq && n < max; i++, n++) {
		const struct nic_rx_queue *q = &p->rxq[i];

		out[n] = (struct netdev_queue_obs){ "rx_ring",	i,	     &q->ring_level,
						    q->ring_in, q->wait_sum, q->wait_n };
	}
	return n;
}

static bool nic_get_ring_usage(const struct net_device *dev, struct netdev_ring_usage *u)
{
	const struct nic_priv *p = nic_priv(dev);

	*u = (struct netdev_ring_usage){ 0 };
	for (uint32_t i = 0; i < p->nrxq; i++) {
		if (!i || p->rxq[i].ring_level.max > u->max) {
			u->max = p->rxq[i].ring_level.max;
			u->queue = i;
		}
		u->drops += p->rxq[i].missed;
	}
	u->limit = p->rx_ring;
	return p->nrxq > 0;
}

/* kernel/irq/proc.c show_interrupts: one MSI-X vector per queue pair. */
static void nic_show_interrupts(const struct net_device *dev, uint32_t slot, uint32_t *irq, FILE *f)
{
	const struct nic_priv *p = nic_priv(dev);
	const struct host *h = dev->host;

	for (uint32_t i = 0; i < p->nrxq; i++, (*irq)++) {
		const struct nic_rx_queue *q = &p->rxq[i];

		fprintf(f, "%3u: ", *irq);
		for (uint32_t c = 0; c < h->ncpus; c++)
			fprintf(f, "%10llu ", U(c == q->cpu->id ? q->irq.count : 0));
		fprintf(f, " IR-PCI-MSIX-0000:%02x:00.0 %5u-edge      %s\n", 1 + slot, i + 1,
			q->irq_name);
	}
}

const struct ethtool_ops nic_ethtool_ops = {
	.get_ethtool_stats = nic_get_ethtool_stats,
	.get_coalesce = nic_get_coalesce,
	.get_ringparam = nic_get_ringparam,
	.report_json = nic_report_json,
	.report_text = nic_report_text,
	.report_queues = nic_report_queues,
	.get_ring_usage = nic_get_ring_usage,
	.show_interrupts = nic_show_interrupts,
};
