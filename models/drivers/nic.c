/*
 * models/drivers/nic.c - NIC receive: MAC filter, RSS, RX rings, DMA, MSI-X, NAPI poll.
 *
 * See models/drivers/nic.h for the model, references and simplifications.
 */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "models/core/observe.h"
#include "models/ipv4/ip.h"
#include "models/core/neigh.h"
#include "models/drivers/nic.h"
#include "models/drivers/veth.h"
#include "models/sched/sch_generic.h"
#include "sim/error.h"
#include "sim/units.h"

enum { NIC_COAL_PRIO = 10 };

/* Microsoft RSS default key (also Linux's netdev_rss_key for many drivers' tests). */
const uint8_t rss_default_key[RSS_KEY_LEN] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
	0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
	0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

uint32_t toeplitz_hash(const uint8_t *key, uint32_t saddr, uint32_t daddr, uint16_t sport,
		       uint16_t dport)
{
	uint8_t in[12] = {
		(uint8_t)(saddr >> 24), (uint8_t)(saddr >> 16), (uint8_t)(saddr >> 8),
		(uint8_t)saddr,		(uint8_t)(daddr >> 24), (uint8_t)(daddr >> 16),
		(uint8_t)(daddr >> 8),	(uint8_t)daddr,		(uint8_t)(sport >> 8),
		(uint8_t)sport,		(uint8_t)(dport >> 8),	(uint8_t)dport,
	};
	uint32_t result = 0;
	uint32_t window =
		(uint32_t)key[0] << 24 | (uint32_t)key[1] << 16 | (uint32_t)key[2] << 8 | key[3];

	for (int i = 0; i < 12; i++) {
		for (int b = 7; b >= 0; b--) {
			if (in[i] & (1u << b))
				result ^= window;
			window = window << 1 | ((key[i + 4] >> b) & 1u);
		}
	}
	return result;
}

/* Byte i of the input with value v contributes the key window at bit 8i for each set bit. */
void toeplitz_table_init(uint32_t tbl[12][256], const uint8_t *key)
{
	for (int i = 0; i < 12; i++)
		for (int v = 0; v < 256; v++) {
			uint32_t h = 0;

			for (int b = 0; b < 8; b++) {
				int bit = 8 * i + (7 - b); /* input bit position, MSB first */
				uint32_t window = 0;

				if (!(v & (1 << b)))
					continue;
				for (int k = 0; k < 32; k++)
					window = window << 1 |
						 ((key[(bit + k) / 8] >> (7 - (bit + k) % 8)) & 1u);
				h ^= window;
			}
			tbl[i][v] = h;
		}
}

uint32_t toeplitz_hash_tbl(const uint32_t tbl[12][256], uint32_t saddr, uint32_t daddr,
			   uint16_t sport, uint16_t dport)
{
	return tbl[0][saddr >> 24] ^ tbl[1][(saddr >> 16) & 255] ^ tbl[2][(saddr >> 8) & 255] ^
	       tbl[3][saddr & 255] ^ tbl[4][daddr >> 24] ^ tbl[5][(daddr >> 16) & 255] ^
	       tbl[6][(daddr >> 8) & 255] ^ tbl[7][daddr & 255] ^ tbl[8][sport >> 8] ^
	       tbl[9][sport & 255] ^ tbl[10][dport >> 8] ^ tbl[11][dport & 255];
}

sim_time_t nic_wire_time(const struct net_device *dev, uint32_t len)
{
	return (sim_time_t)((double)(len + 4 + 20) * 8.0 * 1e12 / dev->speed_bps + 0.5);
}

static sim_time_t nic_now(const struct net_device *dev)
{
	return dev->host->w->q.now;
}

/* ---- interrupts (R3-R6, R16) ---- */

/* The vector fires: masked until napi_complete_done (R3, R5). */
static void nic_coal_fire(struct sim_event *ev)
{
	struct nic_rx_queue *q = container_of(ev, struct nic_rx_queue, coal_ev);

	q->masked = true;
	q->coal_frames = 0;
	if (q->index < q->dev->ntxq)
		q->dev->txq[q->index].coal_frames = 0;
	q->irqs++;
	q->last_irq = nic_now(q->dev);
	irq_raise(&q->irq);
}

/* The driver's hardirq handler (R4): napi_schedule raises NET_RX (R6). */
static void nic_irq_handler(struct irq_desc *d)
{
	struct nic_rx_queue *q = container_of(d, struct nic_rx_queue, irq);

	napi_schedule(d->cpu, &q->napi);
}

void nic_vector_arm(struct nic_rx_queue *q, sim_time_t t)
{
	struct world *w = q->dev->host->w;

	if (q->masked)
		return;
	if (t < w->q.now)
		t = w->q.now;
	if (!sim_event_pending(&q->coal_ev) || t < q->coal_ev.time)
		sim_event_schedule(&w->q, &q->coal_ev, t);
}

/* A completion while the vector is armed: when will it interrupt? */
static void nic_coal_note(struct nic_rx_queue *q, sim_time_t t_ready)
{
	nic_vector_arm(q, q->dev->drv->coalesce(q, t_ready));
}

/* napi_complete_done() in the driver: re-arm the vector (R16). */
static void nic_irq_enable(struct nic_rx_queue *q)
{
	sim_time_t now = nic_now(q->dev);

	q->masked = false;
	q->coal_frames = 0;
	for (struct sk_buff *skb = q->ring.head; skb; skb = skb->next)
		nic_coal_note(q, skb->t_ready > now ? skb->t_ready : now);
	nic_tx_rearm(q);
}

/* ---- receive (R1, R2) ---- */

static uint16_t nic_rss_queue(const struct net_device *dev, const struct sk_buff *skb)
{
	return dev->indir[skb->hash & (RSS_INDIR_SIZE - 1)];
}

static void nic_wire_fire(struct sim_event *ev)
{
	struct net_device *dev = container_of(ev, struct net_device, wire_ev);
	sim_time_t now = nic_now(dev);

	while (dev->wire.head && dev->wire.head->t_wire <= now)
		nic_receive(dev, __skb_dequeue(&dev->wire));
	if (dev->wire.head)
		sim_event_schedule(&dev->host->w->q, &dev->wire_ev, dev->wire.head->t_wire);
}

void nic_wire_deliver(struct net_device *dev, struct sk_buff *skb, sim_time_t t_arrival)
{
	/* the wire stage ends when the last bit arrives */
	skb_lat_next(dev->host, skb, LAT_DMA, t_arrival);
	/* the receiving NIC's RSS hash (2-tuple for a fragment) and a fresh receive context */
	if (skb->eth_proto == ETH_P_ARP)
		skb->hash = 0;
	else if (skb->flags & SKB_F_FRAG)
		skb->hash = toeplitz_hash_tbl(dev->rss_tbl, skb->saddr, skb->daddr, 0, 0);
	else
		skb->hash = toeplitz_hash_tbl(dev->rss_tbl, skb->saddr, skb->daddr, skb->sport,
					      skb->dport);
	skb->flags &= (uint8_t)~SKB_F_OTHER_MAC;
	skb->touch_cpu = NULL; /* a fresh DMA on this machine: in no core's cache */
	skb->t_wire = t_arrival;
	__skb_queue_tail(&dev->wire, skb);
	if (!sim_event_pending(&dev->wire_ev))
		sim_event_schedule(&dev->host->w->q, &dev->wire_ev, t_arrival);
}

void nic_wire_send(struct net_device *dev, struct sk_buff *skb)
{
	sim_time_t now = nic_now(dev);
	sim_time_t start = now > dev->wire_free ? now : dev->wire_free;

	skb->t_wire = skb->t_born = start + nic_wire_time(dev, skb->len);
	dev->wire_free = skb->t_wire;
	__skb_queue_tail(&dev->wire, skb);
	if (!sim_event_pending(&dev->wire_ev))
		sim_event_schedule(&dev->host->w->q, &dev->wire_ev, skb->t_wire);
}

void nic_receive(struct net_device *dev, struct sk_buff *skb)
{
	bool for_us = !(skb->flags & SKB_F_OTHER_MAC);

	struct host *h = dev->host;
	struct world *w = h->w;
	sim_time_t now = w->q.now, start;
	struct nic_rx_queue *q;

	skb->dev = dev;
	skb_set_stage(h, skb, STAGE_R1);
	if (!for_us && !dev->promisc) {
		dev->rx_mac_filtered++;
		kfree_skb_reason(h, skb, SKB_DROP_REASON_NIC_MAC_FILTER);
		return;
	}
	skb->pkt_type = for_us ? PACKET_HOST : PACKET_OTHERHOST;
	skb->queue_mapping = nic_rss_queue(dev, skb);
	q = &dev->rxq[skb->queue_mapping];
	skb_set_stage(h, skb, STAGE_R2);
	if (!q->free_desc) {
		q->missed++;
		dev->rx_missed_errors++;
		kfree_skb_reason(h, skb, SKB_DROP_REASON_NIC_RX_MISSED);
		return;
	}
	q->free_desc--;
	start = now > dev->dma_free ? now : dev->dma_free;
	dev->dma_free = start + (sim_time_t)((double)skb->len * 8.0 * 1e12 / dev->dma_bps);
	skb->t_ready = dev->dma_free + dev->pcie_latency;
	skb->lat = LAT_DMA;
	skb->t_mark = skb->t_wire;
	__skb_queue_tail(&q->ring, skb);
	sim_level_add(&q->ring_level, now, 1);
	if (w->measuring)
		q->ring_in++;
	if (!q->masked)
		nic_coal_note(q, skb->t_ready);
}

/* ---- the driver's NAPI poll (R8, R9, R16) ---- */

static uint64_t nic_refill(struct nic_rx_queue *q)
{
	uint64_t n = q->to_refill;

	q->free_desc += q->to_refill;
	q->to_refill = 0;
	return n * q->dev->host->costs.rx_refill;
}

static struct sk_buff *nic_poll_one(struct napi_struct *n, struct cpu *c, uint64_t *cycles)
{
	struct nic_rx_queue *q = n->priv;
	struct net_device *dev = q->dev;
	struct world *w = dev->host->w;
	sim_time_t now = w->q.now;
	struct sk_buff *skb = q->ring.head;

	if (!skb || skb->t_ready > now)
		return NULL;
	__skb_dequeue(&q->ring);
	sim_level_add(&q->ring_level, now, -1);
	q->to_refill++;
	*cycles += dev->host->costs.driver_rx + dev->host->costs.build_skb;
	if (q->to_refill >= dev->drv->refill_batch)
		*cycles += nic_refill(q);
	skb_set_stage(dev->host, skb, STAGE_R9);
	skb->touch_cpu = c; /* napi_build_skb writes the skb on the polling CPU */
	skb->truesize = dev->truesize;
	q->packets++;
	q->bytes += skb->len;
	dev->rx_packets++;
	dev->rx_bytes += skb->len;
	if (w->measuring && skb->t_wire >= w->warmup) {
		q->wait_sum += (double)(now - skb->t_wire);
		q->wait_n++;
	}
	skb_lat_next(dev->host, skb, LAT_RING, skb->t_ready);
	skb_lat_next(dev->host, skb, LAT_SOFTIRQ, now);
	return skb;
}

static uint64_t nic_poll_end(struct napi_struct *n, struct cpu *c, int work, int weight)
{
	struct nic_rx_queue *q = n->priv;
	uint64_t cycles = nic_refill(q);

	(void)c;
	q->polls++;
	if (work < weight && !q->tx_more) {
		n->state &= ~NAPIF_STATE_SCHED;
		if (q->dev->adaptive_rx)
			q->dev->drv->dim->update(q, work);
		nic_irq_enable(q);
	}
	return cycles;
}

/* ixgbe_poll: clean the TX ring first; an unfinished clean keeps the NAPI polling. */
static uint64_t nic_poll_begin(struct napi_struct *n, struct cpu *c)
{
	struct nic_rx_queue *q = n->priv;
	uint64_t cycles = 0;

	(void)c;
	q->tx_more = nic_tx_clean(q, &cycles);
	return cycles;
}

static const struct napi_ops nic_napi_ops = {
	.poll_begin = nic_poll_begin,
	.poll_one = nic_poll_one,
	.poll_end = nic_poll_end,
	.gro = true,
};

void nic_stats_reset(struct net_device *dev, sim_time_t now)
{
	veth_stats_reset(dev, now);
	for (uint32_t i = 0; i < dev->nrxq; i++) {
		sim_level_reset(&dev->rxq[i].ring_level, now);
		sim_level_reset(&dev->rxq[i].usecs_level, now);
		dev->rxq[i].ring_in = 0;
		dev->rxq[i].wait_sum = 0;
		dev->rxq[i].wait_n = 0;
	}
}

/* ---- construction ---- */

/* A CPU list "0-3,6" or a hex mask "0xf" / "f" (sysfs rps_cpus style). */
static int parse_cpu_set(const char *s, uint32_t ncpus, uint16_t *out, uint32_t *n)
{
	char *end;

	*n = 0;
	if (!strncmp(s, "0x", 2) || strspn(s, "0123456789abcdefABCDEF") == strlen(s)) {
		unsigned long mask = strtoul(!strncmp(s, "0x", 2) ? s + 2 : s, &end, 16);

		/* a shift by >= the width of unsigned long is undefined */
		if (*end || (ncpus < 64 && mask >> ncpus))
			return -1;
		for (uint32_t i = 0; i < ncpus && i < 64; i++)
			if (mask >> i & 1)
				out[(*n)++] = (uint16_t)i;
		return 0;
	}
	return -1;
}

static int parse_cpu_list(const char *s, uint32_t ncpus, uint16_t *out, uint32_t *n)
{
	const char *p = s;

	*n = 0;
	while (*p) {
		char *end;
		unsigned long a = strtoul(p, &end, 10), b;

		if (end == p)
			return -1;
		b = a;
		if (*end == '-') {
			p = end + 1;
			b = strtoul(p, &end, 10);
			if (end == p)
				return -1;
		}
		if (a > b || b >= ncpus)
			return -1;
		for (unsigned long i = a; i <= b && *n < 64; i++)
			out[(*n)++] = (uint16_t)i;
		if (*end == ',')
			end++;
		else if (*end)
			return -1;
		p = end;
	}
	return *n ? 0 : -1;
}

/*
 * rps_cpus: a hex mask as sysfs takes it ("e", "0xe"), or a CPU list when it
 * has '-' or ',' ("1-3", "1,3"); "" or omitted for off.
 */
int nic_parse_rps_cpus(const struct host *h, const struct cfg_node *n, uint16_t map[64],
		       uint32_t *len, struct sim_error *err)
{
	const struct cfg_node *v = cfg_get(n, "rps_cpus");
	const char *s;

	*len = 0;
	if (!v)
		return 0;
	if (cfg_get_str(n, "rps_cpus", &s, "", err))
		return -1;
	if (!*s)
		return 0;
	if (strchr(s, '-') || strchr(s, ',') ? !parse_cpu_list(s, h->ncpus, map, len)
					     : !parse_cpu_set(s, h->ncpus, map, len))
		return 0;
	return cfg_error(v, err,
			 "'rps_cpus' must be a CPU list like '0-3' or a mask like '0xf' within "
			 "the host's %u CPUs, got '%s'",
			 h->ncpus, s);
}

static int nic_parse_rps(struct net_device *dev, const struct cfg_node *n, struct sim_error *err)
{
	uint16_t map[64];
	uint32_t len;

	if (nic_parse_rps_cpus(dev->host, n, map, &len, err))
		return -1;
	for (uint32_t i = 0; len && i < dev->nrxq; i++) {
		memcpy(dev->rxq[i].rps_map, map, len * sizeof(map[0]));
		dev->rxq[i].rps_len = len;
	}
	return 0;
}

/* irq_affinity: a list with one CPU per queue; default queue i -> CPU i mod ncpus. */
static int nic_parse_affinity(struct net_device *dev, const struct cfg_node *n,
			      struct sim_error *err)
{
	const struct cfg_node *l;
	struct host *h = dev->host;

	if (cfg_get_seq(n, "irq_affinity", &l, err))
		return -1;
	if (l && l->n != dev->nrxq)
		return cfg_error(l, err, "'irq_affinity' needs one CPU per RX queue (%u), got %u",
				 dev->nrxq, l->n);
	for (uint32_t i = 0; i < dev->nrxq; i++) {
		uint64_t cpu = i % h->ncpus;

		if (l && cfg_node_u64(l->items[i], "irq_affinity", &cpu, 0, h->ncpus - 1, err))
			return -1;
		dev->rxq[i].cpu = &h->cpus[cpu];
	}
	return 0;
}

static void nic_init_queue(struct net_device *dev, struct nic_rx_queue *q, uint16_t i)
{
	q->dev = dev;
	q->index = i;
	q->free_desc = dev->rx_ring;
	skb_queue_head_init(&q->ring);
	snprintf(q->irq_name, sizeof(q->irq_name), "%s-rx-%u", dev->name, i);
	irq_desc_init(&q->irq, q->irq_name, q->cpu, nic_irq_handler);
	sim_event_init(&q->coal_ev, nic_coal_fire, NIC_COAL_PRIO);
	q->napi.ops = &nic_napi_ops;
	q->napi.priv = q;
	q->napi.weight = dev->napi_weight; /* NAPI_POLL_WEIGHT (64) unless set */
	q->napi.gro_off = !dev->gro;
	skb_queue_head_init(&q->napi.rx_list);
	sim_level_init(&q->ring_level, 0);
	q->rx_usecs = dev->rx_usecs;
	q->rx_frames = dev->rx_frames;
	if (dev->adaptive_rx)
		dev->drv->dim->init(q);
	sim_level_init(&q->usecs_level, 0);
	sim_level_set(&q->usecs_level, 0, q->rx_usecs);
}

static int nic_parse_addr(struct net_device *dev, const struct cfg_node *n, struct sim_error *err)
{
	const char *a = NULL;

	if (cfg_get_str(n, "address", &a, NULL, err))
		return -1;
	if (!a)
		return 0;
	if (inet_parse_addr(strchr(a, '/') ? "x" : a, &dev->addr) == 0) {
		dev->prefix_len = 32;
		return 0;
	}
	{
		char buf[32];
		const char *slash = strchr(a, '/');
		unsigned len;
		char tail;

		if (slash && (size_t)(slash - a) < sizeof(buf)) {
			memcpy(buf, a, (size_t)(slash - a));
			buf[slash - a] = 0;
			if (!inet_parse_addr(buf, &dev->addr) &&
			    sscanf(slash + 1, "%2u%c", &len, &tail) == 1 && len <= 32) {
				dev->prefix_len = len;
				return 0;
			}
		}
	}
	return cfg_error(cfg_get(n, "address"), err,
			 "'address' must be an IPv4 address like '10.0.0.1/24', got '%s'", a);
}

static int nic_parse_ethtool(struct net_device *dev, const struct cfg_node *n,
			     struct sim_error *err)
{
	const struct nic_driver *d = dev->drv;
	uint64_t ring, usecs, frames, truesize, queues, equal, weight;

	if (cfg_get_u64(n, "rx_queues", &queues, 1, 1, NIC_MAX_QUEUES, err) ||
	    cfg_get_u64(n, "rx_ring", &ring, d->rx_ring_default, d->rx_ring_min, d->rx_ring_max,
			err) ||
	    cfg_get_u64(n, "rx_usecs", &usecs, d->rx_usecs_default, 0, 10000, err) ||
	    cfg_get_u64(n, "rx_frames", &frames, d->rx_frames_default, 0, 65535, err) ||
	    cfg_get_u64(n, "rx_truesize", &truesize, d->rx_truesize, 256, 65536, err) ||
	    cfg_get_bool(n, "promisc", &dev->promisc, false, err) ||
	    cfg_get_bitrate(n, "speed", &dev->speed_bps, 10e9, 1e6, 1e13, err) ||
	    cfg_get_bitrate(n, "dma_bandwidth", &dev->dma_bps, 64e9, 1e6, 1e13, err) ||
	    cfg_get_time(n, "pcie_latency", &dev->pcie_latency, dev->host->costs.pcie_latency, 0,
			 SIM_MS, err) ||
	    cfg_get_u64(n, "rss_equal", &equal, queues, 1, queues, err) ||
	    cfg_get_u64(n, "napi_weight", &weight, 64, 1, 256, err) ||
	    cfg_get_bool(n, "gro", &dev->gro, true, err) ||
	    cfg_get_bool(n, "adaptive_rx", &dev->adaptive_rx, false, err))
		return -1;
	if (dev->adaptive_rx && !d->dim)
		return cfg_error(cfg_get(n, "adaptive_rx"), err,
				 "driver '%s' has no adaptive moderation (adaptive_rx needs ixgbe "
				 "or mlx5)",
				 d->name);
	dev->napi_weight = (int)weight;
	dev->nrxq = (uint32_t)queues;
	dev->rx_ring = (uint32_t)ring;
	dev->rx_usecs = (uint32_t)usecs;
	dev->rx_frames = (uint32_t)frames;
	dev->truesize = (uint32_t)truesize;
	for (uint32_t i = 0; i < RSS_INDIR_SIZE; i++)
		dev->indir[i] = (uint16_t)(i % equal); /* ethtool_rxfh_indir_default */
	return 0;
}

int nic_create(struct host *h, const struct cfg_node *n, struct net_device **out,
	       struct sim_error *err)
{
	struct net_device *dev = calloc(1, sizeof(*dev));
	const char *name = NULL, *drv = NULL;
	char what[48];

	if (!dev)
		return sim_error_set(err, "out of memory");
	*out = dev;
	dev->host = h;
	skb_queue_head_init(&dev->wire);
	sim_event_init(&dev->wire_ev, nic_wire_fire, NIC_COAL_PRIO);
	memcpy(dev->rss_key, rss_default_key, RSS_KEY_LEN);
	toeplitz_table_init(dev->rss_tbl, dev->rss_key);
	if (cfg_require(n, "name", "nic", err) ||
	    cfg_get_name(n, "name", &name, sizeof(dev->name) - 1, err) ||
	    cfg_get_str(n, "driver", &drv, "ixgbe", err))
		return -1;
	snprintf(dev->name, sizeof(dev->name), "%s", name);
	dev->drv = nic_driver_find(drv);
	if (!dev->drv)
		return nic_driver_unknown(cfg_get(n, "driver"), drv, err);
	if (dev->drv->virt) {
		if (nic_parse_addr(dev, n, err) || veth_setup(dev, n, err))
			return -1;
		snprintf(what, sizeof(what), "nic '%s'", dev->name);
		return cfg_check_unknown(n, what, err);
	}
	if (nic_parse_ethtool(dev, n, err) || nic_parse_addr(dev, n, err))
		return -1;
	dev->rxq = calloc(dev->nrxq, sizeof(*dev->rxq));
	if (!dev->rxq)
		return sim_error_set(err, "out of memory");
	if (nic_parse_affinity(dev, n, err))
		return -1;
	for (uint32_t i = 0; i < dev->nrxq; i++)
		nic_init_queue(dev, &dev->rxq[i], (uint16_t)i);
	if (nic_parse_rps(dev, n, err) || nic_tx_create(dev, n, err))
		return -1;
	snprintf(what, sizeof(what), "nic '%s'", dev->name);
	return cfg_check_unknown(n, what, err);
}

void nic_free(struct net_device *dev)
{
	if (!dev)
		return;
	for (uint32_t i = 0; dev->txq && i < dev->ntxq; i++) {
		if (!i || dev->txq[i].qdisc != dev->txq[0].qdisc) /* a shared root once */
			qdisc_destroy(dev->txq[i].qdisc);
		free(dev->txq[i].desc);
	}
	free(dev->txq);
	free(dev->rxq);
	veth_free(dev);
	free(dev);
}
