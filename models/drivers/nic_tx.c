/*
 * models/drivers/nic_tx.c - NIC transmit (T15, T16), links between hosts, loopback.
 *
 * References: ixgbe_main.c (ixgbe_xmit_frame_ring, ixgbe_maybe_stop_tx with
 * DESC_NEEDED = MAX_SKB_FRAGS + 4, ixgbe_clean_tx_irq with TX_WAKE_THRESHOLD
 * = 2 * DESC_NEEDED and IXGBE_DEFAULT_TX_WORK 256), drivers/net/loopback.c
 * (loopback_xmit), kernel-facts §8 "TX completion".
 *
 * A descriptor posted by ndo_start_xmit holds the skb's send-buffer charge.
 * The NIC fetches the frame by DMA (PCIe latency + bytes / DMA bandwidth)
 * and serialises it on the link at line rate after the frames before it;
 * when its last bit is out the descriptor is complete, the frame travels the
 * link (propagation delay, optional loss) to the peer NIC's receive side,
 * and the queue pair's vector is armed per tx-usecs / tx-frames. The NAPI
 * poll cleans up to tx_work_limit completed descriptors first (releasing
 * send-buffer charges: sock_wfree, which wakes blocked senders), stops the
 * queue when fewer than DESC_NEEDED descriptors are free and wakes it (and
 * the qdisc) past TX_WAKE_THRESHOLD. A poll that leaves completions uncleaned
 * returns its budget and stays scheduled, as ixgbe does.
 *
 * Optional BQL (models/lib/dql.h): netdev_tx_sent_queue adds each posted frame
 * to the queue's dql and stops the queue for the stack when dql_avail() < 0;
 * netdev_tx_completed_queue gives dql the bytes each clean freed and restarts
 * the queue when dql_avail() >= 0 again. `bql: true` is the kernel's adaptive
 * limit (limit_min 0, limit_max DQL_MAX_LIMIT, hold_time 1 s, or
 * `bql_limit_min`, `bql_limit_max`, `bql_hold_time`); `bql_limit: N` fixes
 * it (limit_min = limit_max = N); `bql_stall_thrs` turns on stall detection.
 *
 * A qdisc with `parent: root` on a multi-queue NIC is the single root of all
 * its TX queues (nic_tx_shared_root); otherwise each queue has its own.
 *
 * Simplified: TX and RX of queue i share one vector and one NAPI (combined
 * channels); the transmitter serves queues in posting order; no TSO, no
 * pause frames, no TX taps.
 */
#include <stdlib.h>
#include <string.h>

#include "models/core/observe.h"
#include "models/core/neigh.h"
#include "models/drivers/nic.h"
#include "models/sched/sch_generic.h"
#include "models/ipv4/sock.h"
#include "models/core/xmit.h"
#include "sim/error.h"

enum { NIC_TX_PRIO = 12 };

#define DESC_NEEDED 21 /* MAX_SKB_FRAGS + 4 */

static uint32_t tx_free_desc(const struct nic_tx_queue *q)
{
	return q->size - (uint32_t)(q->tail - q->head);
}

static uint32_t tx_stop_threshold(const struct nic_tx_queue *q)
{
	return q->size > 4 * DESC_NEEDED ? DESC_NEEDED : q->size / 4 + 1;
}

/* ---- the transmitter ---- */

/* The queue pair's vector: a TX completion while armed (tx-usecs, tx-frames). */
static void nic_tx_coal_note(struct nic_tx_queue *q, sim_time_t t)
{
	struct net_device *dev = q->dev;
	struct nic_rx_queue *rq = &dev->rxq[q->index];
	sim_time_t fire = t;

	if (rq->masked)
		return;
	if (dev->tx_usecs) {
		if (q->coal_frames++ == 0)
			q->coal_first = t;
		fire = q->coal_first + (sim_time_t)dev->tx_usecs * SIM_US;
		if (dev->tx_frames && q->coal_frames >= dev->tx_frames && t < fire)
			fire = t;
	}
	nic_vector_arm(rq, fire);
}

/* A frame's last bit left: the descriptor completes, the frame goes on the link. */
static void nic_tx_done(struct nic_tx_queue *q, struct sk_buff *skb)
{
	struct net_device *dev = q->dev;
	struct world *w = dev->host->w;

	q->done++;
	skb_set_stage(dev->host, skb, STAGE_WIRE);
	skb_lat_next(dev->host, skb, LAT_WIRE, w->q.now);
	if (!dev->peer) {
		skb_transmitted(dev->host, skb);
	} else if (dev->link_loss > 0 && sim_rng_bernoulli(&dev->link_rng, dev->link_loss)) {
		kfree_skb_reason(dev->host, skb, SKB_DROP_REASON_LINK_LOSS);
	} else {
		nic_wire_deliver(dev->peer, skb, w->q.now + dev->link_delay);
	}
	nic_tx_coal_note(q, w->q.now);
}

static void nic_tx_fire(struct sim_event *ev)
{
	struct nic_tx_queue *q = container_of(ev, struct nic_tx_queue, tx_ev);
	struct world *w = q->dev->host->w;

	while (q->inflight.head && q->inflight.head->t_ready <= w->q.now)
		nic_tx_done(q, __skb_dequeue(&q->inflight));
	if (q->inflight.head)
		sim_event_schedule(&w->q, &q->tx_ev, q->inflight.head->t_ready);
}

/* ndo_start_xmit for a NIC (T15): post a descriptor, ring the doorbell. */
static int nic_start_xmit(struct cpu *c, struct net_device *dev, struct sk_buff *skb, uint16_t i)
{
	struct nic_tx_queue *q = &dev->txq[i];
	struct world *w = dev->host->w;
	struct nic_tx_desc *d;
	sim_time_t fetch, start;

	(void)c;
	if (q->stopped || q->stack_xoff || !tx_free_desc(q)) {
		q->busy++;
		return NETDEV_TX_BUSY;
	}
	d = &q->desc[q->tail++ % q->size];
	d->sk = skb->flags & SKB_F_WMEM ? skb->sk : NULL;
	d->truesize = skb->truesize;
	d->len = skb->len;
	skb->sk = NULL;
	skb->flags &= (uint8_t)~SKB_F_WMEM;
	skb_set_stage(dev->host, skb, STAGE_T15);
	fetch = w->q.now + dev->pcie_latency +
		(sim_time_t)((double)skb->len * 8.0 * 1e12 / dev->dma_bps);
	start = fetch > dev->tx_wire_free ? fetch : dev->tx_wire_free;
	skb->t_ready = start + nic_wire_time(dev, skb->len);
	dev->tx_wire_free = skb->t_ready;
	__skb_queue_tail(&q->inflight, skb);
	if (!sim_event_pending(&q->tx_ev))
		sim_event_schedule(&w->q, &q->tx_ev, skb->t_ready);
	if (tx_free_desc(q) < tx_stop_threshold(q)) {
		q->stopped = true;
		q->stops++;
	}
	/* netdev_tx_sent_queue: BQL stops the stack above its byte limit */
	q->bql_inflight += skb->len;
	if (dev->bql) {
		dql_queued(&q->dql, skb->len, host_jiffies(dev->host, w->q.now));
		if (dql_avail(&q->dql) < 0)
			q->stack_xoff = true;
	}
	return NETDEV_TX_OK;
}

static const struct net_device_ops nic_netdev_ops = {
	.ndo_start_xmit = nic_start_xmit,
};

/* ---- cleaning in the NAPI poll (T16) ---- */

bool nic_tx_clean(struct nic_rx_queue *rq, uint64_t *cycles)
{
	struct net_device *dev = rq->dev;
	struct nic_tx_queue *q;
	uint32_t n = 0, bytes = 0;

	if (rq->index >= dev->ntxq)
		return false;
	q = &dev->txq[rq->index];
	while (q->head < q->done && n < dev->tx_work_limit) {
		struct nic_tx_desc *d = &q->desc[q->head++ % q->size];

		sock_wfree(d->sk, d->truesize);
		q->bql_inflight -= d->len;
		bytes += d->len;
		q->packets++;
		q->bytes += d->len;
		dev->tx_packets++;
		dev->tx_bytes += d->len;
		n++;
	}
	*cycles += n * dev->host->costs.tx_clean;
	if (q->stopped && tx_free_desc(q) >= 2 * tx_stop_threshold(q)) {
		q->stopped = false;
		q->wakes++;
		netif_schedule_qdisc(rq->cpu, q->qdisc);
	}
	/* netdev_tx_completed_queue: below the limit again, the stack may send */
	if (dev->bql && bytes) {
		dql_completed(&q->dql, bytes, host_jiffies(dev->host, dev->host->w->q.now));
		if (q->stack_xoff && dql_avail(&q->dql) >= 0) {
			q->stack_xoff = false;
			netif_schedule_qdisc(rq->cpu, q->qdisc);
		}
	}
	return q->head < q->done;
}

void nic_tx_rearm(struct nic_rx_queue *rq)
{
	struct net_device *dev = rq->dev;

	if (rq->index < dev->ntxq && dev->txq[rq->index].head < dev->txq[rq->index].done) {
		dev->txq[rq->index].coal_frames = 0;
		nic_tx_coal_note(&dev->txq[rq->index], dev->host->w->q.now);
	}
}

/* ---- qdiscs ---- */

/* qdisc_watchdog expiry (tbf): __netif_schedule on the CPU that ran the queue. */
static void nic_qdisc_wake(struct Qdisc *q)
{
	struct nic_tx_queue *txq = q->wake_arg;
	struct cpu *c = txq->sched_cpu ? txq->sched_cpu : &txq->dev->host->cpus[0];

	netif_schedule_qdisc(c, q);
	local_bh_enable(c);
	cpu_kick(c);
}

/* `parent:` of a configured qdisc on a multi-queue NIC */
static const char *const qdisc_parent_names[] = { "mq", "root", NULL };

/*
 * tc qdisc replace dev DEV root KIND on a multi-queue NIC: one discipline is
 * the root of every TX queue (handle 8001:). qdisc_restart dequeues any skb
 * and sends it to its own TX queue; a stopped one requeues it and stalls
 * the root until that queue wakes (head-of-line blocking, as in Linux).
 */
static int nic_tx_shared_root(struct net_device *dev, const struct cfg_node *qn,
			      struct sim_error *err)
{
	struct Qdisc *q = qdisc_create(dev->host->w, dev, qn, NULL, 0x8001u << 16, err);

	if (!q)
		return -1;
	q->wake = nic_qdisc_wake;
	q->wake_arg = &dev->txq[0];
	q->multi_txq = true;
	for (uint32_t i = 0; i < dev->ntxq; i++)
		dev->txq[i].qdisc = q;
	return 0;
}

/*
 * One qdisc per TX queue: a single-queue device's root, or on a multi-queue
 * NIC the children of the root mq (`qdisc:` then configures every child, as
 * `tc qdisc replace dev eth0 parent :N ...` would), unless `parent: root`
 * makes it the one root of all queues. Defaults: pfifo_fast, noqueue for
 * loopback and veth.
 */
static int nic_tx_qdiscs(struct net_device *dev, const struct cfg_node *n, struct sim_error *err)
{
	const struct cfg_node *qn = NULL;
	const char *kind = dev->loopback || dev->drv->virt ? "noqueue" : "pfifo_fast", *k = NULL;
	struct world *w = dev->host->w;
	int parent = 0;

	qn = n ? cfg_get(n, "qdisc") : NULL;
	if (qn && qn->type == CFG_SEQ)
		return cfg_error(qn, err, "'qdisc' must be a kind or a mapping");
	if (qn && qn->type == CFG_SCALAR)
		k = qn->str; /* `qdisc: fq_codel` */
	else if (qn && (cfg_get_str(qn, "kind", &k, NULL, err) ||
			cfg_get_enum(qn, "parent", qdisc_parent_names, &parent, 0, err)))
		return -1;
	if (k && !strcmp(k, "noqueue") && !dev->loopback && !dev->drv->virt)
		return cfg_error(qn, err,
				 "qdisc 'noqueue' needs a device without a TX ring (lo, veth), not "
				 "nic '%s'",
				 dev->name);
	if (k && !strcmp(k, "mq")) {
		if (dev->ntxq < 2)
			return cfg_error(qn->type == CFG_SCALAR ? qn : cfg_get(qn, "kind"), err,
					 "qdisc 'mq' needs a multi-queue device (rx_queues > 1)");
		if (parent)
			return cfg_error(cfg_get(qn, "parent"), err,
					 "qdisc 'mq' is always the root: drop 'parent'");
		qn = NULL; /* mq with its default children */
	}
	if (parent && dev->ntxq > 1)
		return nic_tx_shared_root(dev, qn, err);
	dev->mq = dev->ntxq > 1;
	for (uint32_t i = 0; i < dev->ntxq; i++) {
		/* a configured qdisc gets handle 8001: (8001+i: under mq), defaults 0: */
		uint32_t handle = qn ? (0x8001u + (dev->mq ? i : 0)) << 16 : 0;
		struct Qdisc *q = qdisc_create(w, dev, qn, kind, handle, err);

		if (!q)
			return -1;
		q->wake = nic_qdisc_wake;
		q->wake_arg = &dev->txq[i];
		dev->txq[i].qdisc = q;
	}
	return 0;
}

static int nic_tx_alloc(struct net_device *dev)
{
	dev->txq = calloc(dev->ntxq, sizeof(*dev->txq));
	if (!dev->txq)
		return -1;
	for (uint32_t i = 0; i < dev->ntxq; i++) {
		struct nic_tx_queue *q = &dev->txq[i];

		q->dev = dev;
		q->index = (uint16_t)i;
		q->size = dev->tx_ring;
		q->desc = calloc(q->size ? q->size : 1, sizeof(*q->desc));
		if (!q->desc)
			return -1;
		skb_queue_head_init(&q->inflight);
		sim_event_init(&q->tx_ev, nic_tx_fire, NIC_TX_PRIO);
		/* dql_init, then the byte_queue_limits writes of the scenario */
		if (dev->bql) {
			dql_init(&q->dql, dev->bql_limit_min, dev->bql_limit_max, dev->bql_hold, 0);
			dql_set_stall_thrs(&q->dql, dev->bql_stall_thrs, 0);
		}
	}
	return 0;
}

/* xps_cpus: one hex CPU mask per TX queue, as /sys/class/net/DEV/queues/tx-N/xps_cpus. */
static int nic_tx_parse_xps(struct net_device *dev, const struct cfg_node *n, struct sim_error *err)
{
	const struct cfg_node *l;

	if (cfg_get_seq(n, "xps_cpus", &l, err))
		return -1;
	if (!l)
		return 0;
	if (l->n != dev->ntxq)
		return cfg_error(l, err, "'xps_cpus' needs one mask per TX queue (%u), got %u",
				 dev->ntxq, l->n);
	for (uint32_t i = 0; i < l->n; i++) {
		const char *s = NULL;
		char *end;
		unsigned long long m;

		if (cfg_node_str(l->items[i], "xps_cpus", &s, err))
			return -1;
		m = strtoull(!strncmp(s, "0x", 2) ? s + 2 : s, &end, 16);
		if (!*s || *end || (dev->host->ncpus < 64 && m >> dev->host->ncpus))
			return cfg_error(
				l->items[i], err,
				"'xps_cpus' must be hex CPU masks like 'f' within the host's "
				"%u CPUs, got '%s'",
				dev->host->ncpus, s);
		dev->txq[i].xps_mask = m;
		dev->xps = dev->xps || m;
	}
	return 0;
}

/* A time in jiffies, rounded up (msecs_to_jiffies of what sysfs takes in ms). */
static uint64_t time_to_jiffies(const struct host *h, sim_time_t t)
{
	return (uint64_t)((t * h->hz + SIM_SEC - 1) / SIM_SEC);
}

/*
 * /sys/class/net/DEV/queues/tx-N/byte_queue_limits: limit_min, limit_max and
 * hold_time tune the adaptive limit (`bql: true`); stall_thrs turns on stall
 * detection with either kind of BQL.
 */
static int nic_tx_parse_bql(struct net_device *dev, const struct cfg_node *n, bool adaptive,
			    struct sim_error *err)
{
	static const char *const tuning[] = { "bql_limit_min", "bql_limit_max", "bql_hold_time" };
	uint64_t lmin, lmax, stall;
	sim_time_t hold, thrs;

	for (size_t i = 0; i < sizeof(tuning) / sizeof(tuning[0]); i++)
		if (!adaptive && cfg_get(n, tuning[i]))
			return cfg_error(cfg_get(n, tuning[i]), err,
					 "'%s' tunes the adaptive limit: it needs 'bql: true'",
					 tuning[i]);
	if (!dev->bql && cfg_get(n, "bql_stall_thrs"))
		return cfg_error(cfg_get(n, "bql_stall_thrs"), err,
				 "'bql_stall_thrs' needs BQL ('bql: true' or 'bql_limit')");
	if (cfg_get_size(n, "bql_limit_min", &lmin, 0, 0, DQL_MAX_LIMIT, err) ||
	    cfg_get_size(n, "bql_limit_max", &lmax, DQL_MAX_LIMIT, 0, DQL_MAX_LIMIT, err) ||
	    cfg_get_time(n, "bql_hold_time", &hold, SIM_SEC, SIM_MS, 3600 * SIM_SEC, err) ||
	    cfg_get_time(n, "bql_stall_thrs", &thrs, 0, 0, 1000 * SIM_SEC, err))
		return -1;
	if (lmin > lmax)
		return cfg_error(cfg_get(n, "bql_limit_min"), err,
				 "'bql_limit_min' must not exceed 'bql_limit_max'");
	stall = time_to_jiffies(dev->host, thrs);
	if (stall > UINT16_MAX) /* bql_set_stall_thrs: -ERANGE */
		return cfg_error(
			cfg_get(n, "bql_stall_thrs"), err,
			"'bql_stall_thrs' must be at most 65535 jiffies (%llu ms at HZ %u)",
			(unsigned long long)(65535ull * 1000 / dev->host->hz), dev->host->hz);
	dev->bql_limit_min = dev->bql_limit ? dev->bql_limit : (uint32_t)lmin;
	dev->bql_limit_max = dev->bql_limit ? dev->bql_limit : (uint32_t)lmax;
	dev->bql_hold = (uint32_t)time_to_jiffies(dev->host, hold);
	dev->bql_stall_thrs = (uint16_t)stall;
	return 0;
}

int nic_tx_create(struct net_device *dev, const struct cfg_node *n, struct sim_error *err)
{
	uint64_t ring, usecs, frames, work, qlen, mtu, bql;
	bool adaptive;
	char stream[64];

	if (cfg_get_u64(n, "tx_ring", &ring, dev->drv->rx_ring_default, dev->drv->rx_ring_min,
			dev->drv->rx_ring_max, err) ||
	    cfg_get_u64(n, "tx_usecs", &usecs, dev->drv->rx_usecs_default, 0, 10000, err) ||
	    cfg_get_u64(n, "tx_frames", &frames, dev->drv->rx_frames_default, 0, 65535, err) ||
	    cfg_get_u64(n, "tx_work_limit", &work, 256, 1, 65536, err) ||
	    cfg_get_u64(n, "txqueuelen", &qlen, 1000, 0, 1u << 20, err) ||
	    cfg_get_u64(n, "mtu", &mtu, 1500, 68, 1500, err) ||
	    cfg_get_size(n, "bql_limit", &bql, 0, 0, 1u << 30, err) ||
	    cfg_get_bool(n, "bql", &adaptive, false, err))
		return -1;
	if (adaptive && bql)
		return cfg_error(cfg_get(n, "bql"), err,
				 "'bql: true' adapts the limit; 'bql_limit' fixes it: give one");
	dev->bql_limit = (uint32_t)bql;
	dev->bql = adaptive || bql;
	if (nic_tx_parse_bql(dev, n, adaptive, err))
		return -1;
	dev->netdev_ops = &nic_netdev_ops;
	dev->tx_ring = (uint32_t)ring;
	dev->tx_usecs = (uint32_t)usecs;
	dev->tx_frames = (uint32_t)frames;
	dev->tx_work_limit = (uint32_t)work;
	dev->txqueuelen = (uint32_t)qlen;
	dev->mtu = (uint32_t)mtu;
	dev->ntxq = dev->nrxq;
	snprintf(stream, sizeof(stream), "link/%s/%s", dev->host->name, dev->name);
	sim_rng_init(&dev->link_rng, dev->host->w->seed, stream);
	if (nic_tx_alloc(dev))
		return sim_error_set(err, "out of memory");
	if (nic_tx_parse_xps(dev, n, err))
		return -1;
	return nic_tx_qdiscs(dev, n, err);
}

/* ---- loopback ---- */

/*
 * loopback_xmit: skb_orphan (the sender's charge is released here), count,
 * then __netif_rx onto this CPU's backlog; the softirq runs when the sender
 * re-enables bottom halves.
 */
static int loopback_xmit(struct cpu *c, struct net_device *dev, struct sk_buff *skb, uint16_t txq)
{
	struct world *w = dev->host->w;

	(void)txq;
	skb_orphan(skb);
	uint32_t len = skb->len - 14; /* lo has no Ethernet header */

	skb->pkt_type = PACKET_HOST;
	skb->t_wire = w->q.now;
	skb_lat_next(dev->host, skb, LAT_SOFTIRQ, w->q.now);
	if (enqueue_to_backlog(c, skb, c->sd) == NET_RX_SUCCESS) {
		/* counted only when netif_rx accepted it, as loopback_xmit does */
		dev->tx_packets++;
		dev->tx_bytes += len;
		dev->rx_packets++;
		dev->rx_bytes += len;
	}
	return NETDEV_TX_OK;
}

static const struct net_device_ops loopback_netdev_ops = {
	.ndo_start_xmit = loopback_xmit,
};

int nic_tx_setup_virtual(struct net_device *dev, const struct cfg_node *n,
			 const struct net_device_ops *ops, uint32_t ntxq, struct sim_error *err)
{
	dev->netdev_ops = ops;
	dev->ntxq = ntxq;
	dev->tx_ring = 1;
	if (nic_tx_alloc(dev))
		return sim_error_set(err, "out of memory");
	return nic_tx_qdiscs(dev, n, err);
}

struct net_device *loopback_create(struct host *h, struct sim_error *err)
{
	struct net_device *dev = calloc(1, sizeof(*dev));

	if (!dev) {
		sim_error_set(err, "out of memory");
		return NULL;
	}
	snprintf(dev->name, sizeof(dev->name), "lo");
	dev->host = h;
	dev->loopback = true;
	dev->addr = 0x7f000001;
	dev->prefix_len = 8;
	dev->mtu = 65536;
	dev->drv = nic_driver_find("generic");
	dev->netdev_ops = &loopback_netdev_ops;
	dev->ntxq = 1;
	dev->tx_ring = 1;
	skb_queue_head_init(&dev->wire);
	if (nic_tx_alloc(dev) || nic_tx_qdiscs(dev, NULL, err)) {
		sim_error_set(err, "out of memory");
		return dev;
	}
	return dev;
}
