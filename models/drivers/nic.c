/*
 * models/drivers/nic.c - NIC receive: MAC filter, RSS, RX rings, DMA, MSI-X, NAPI poll.
 *
 * See models/drivers/hw_nic.h for the model, references and simplifications.
 */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "models/core/observe.h"
#include "models/core/neigh.h"
#include "models/core/netdevice.h"
#include "models/core/xdp.h"
#include "models/core/xsk.h"
#include "models/drivers/nic.h"
#include "models/drivers/nic_tx.h"
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

/* The 32 key bits from input bit position @bit (MSB first): what a set input bit XORs in. */
static uint32_t toeplitz_window(const uint8_t *key, int bit)
{
	uint32_t window = 0;

	for (int k = 0; k < 32; k++)
		window = window << 1 | ((key[(bit + k) / 8] >> (7 - (bit + k) % 8)) & 1u);
	return window;
}

/*
 * Byte i of the input with value v contributes the key window at bit 8i for
 * each set bit: the entry of v is that of v without its lowest set bit b,
 * XOR the window of input bit 8i + 7 - b.
 */
void toeplitz_table_init(uint32_t tbl[12][256], const uint8_t *key)
{
	uint32_t win[96];

	for (int bit = 0; bit < 96; bit++)
		win[bit] = toeplitz_window(key, bit);
	for (int i = 0; i < 12; i++) {
		tbl[i][0] = 0;
		for (int v = 1; v < 256; v++)
			tbl[i][v] =
				tbl[i][v & (v - 1)] ^ win[8 * i + 7 - __builtin_ctz((unsigned)v)];
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
		nic_priv(q->dev)->tx[q->index].coal_frames = 0;
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

/* A completion while the vector is armed: when will it interrupt? */
static void nic_coal_note(struct nic_rx_queue *q, sim_time_t t_ready)
{
	nic_vector_arm(q, nic_priv(q->dev)->drv->coalesce(q, t_ready));
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

/* The flow's aRFS filter slot (direct-mapped by hash). */
static struct nic_arfs_filter *nic_arfs_slot(const struct nic_priv *p, uint32_t hash)
{
	return &p->arfs[hash & (p->drv->arfs_filters - 1)];
}

/* The RX queue of a frame: its aRFS filter's, else RSS's indirection table. */
static uint16_t nic_rss_queue(const struct net_device *dev, const struct sk_buff *skb)
{
	const struct nic_priv *p = nic_priv(dev);

	if (p->arfs) {
		const struct nic_arfs_filter *f = nic_arfs_slot(p, skb->hash);

		if (f->used && f->hash == skb->hash)
			return f->rxq;
	}
	return p->indir[skb->hash & (RSS_INDIR_SIZE - 1)];
}

/*
 * ndo_rx_flow_steer (mlx5e_rx_flow_steer): a filter for @skb's flow to
 * @rxq_index, replacing what held its slot; the slot is the filter's id.
 */
static int nic_rx_flow_steer(struct net_device *dev, const struct sk_buff *skb, uint16_t rxq_index,
			     uint32_t flow_id)
{
	struct nic_priv *p = nic_priv(dev);
	struct nic_arfs_filter *f;

	(void)flow_id;
	if (!p->arfs)
		return -1; /* -EOPNOTSUPP */
	f = nic_arfs_slot(p, skb->hash);
	*f = (struct nic_arfs_filter){ skb->hash, rxq_index, true };
	p->arfs_steered++;
	return (int)(f - p->arfs);
}

static void nic_receive(struct net_device *dev, struct sk_buff *skb);

static void nic_wire_fire(struct sim_event *ev)
{
	struct nic_priv *p = container_of(ev, struct nic_priv, wire_ev);
	struct net_device *dev = p->netdev;
	sim_time_t now = nic_now(dev);

	while (p->wire.head && p->wire.head->t_wire <= now)
		nic_receive(dev, __skb_dequeue(&p->wire));
	if (p->wire.head)
		sim_event_schedule(&dev->host->w->q, &p->wire_ev, p->wire.head->t_wire);
}

/* ndo_wire_deliver: a frame from the linked NIC. */
static void nic_wire_deliver(struct net_device *dev, struct sk_buff *skb, sim_time_t t_arrival)
{
	struct nic_priv *p = nic_priv(dev);

	/* the wire stage ends when the last bit arrives */
	skb_lat_next(dev->host, skb, LAT_DMA, t_arrival);
	/* the receiving NIC's RSS hash (2-tuple for a fragment) and a fresh receive context */
	if (skb->eth_proto == ETH_P_ARP)
		skb->hash = 0;
	else if (skb->flags & SKB_F_FRAG)
		skb->hash = toeplitz_hash_tbl(p->rss_tbl, skb->saddr, skb->daddr, 0, 0);
	else
		skb->hash = toeplitz_hash_tbl(p->rss_tbl, skb->saddr, skb->daddr, skb->sport,
					      skb->dport);
	skb->flags &= (uint8_t)~SKB_F_OTHER_MAC;
	skb->touch_cpu = NULL; /* a fresh DMA on this machine: in no core's cache */
	skb->t_wire = t_arrival;
	__skb_queue_tail(&p->wire, skb);
	if (!sim_event_pending(&p->wire_ev))
		sim_event_schedule(&dev->host->w->q, &p->wire_ev, t_arrival);
}

/* ndo_wire_send: a frame generated now, after the frames before it on the wire. */
static void nic_wire_send(struct net_device *dev, struct sk_buff *skb)
{
	struct nic_priv *p = nic_priv(dev);
	sim_time_t now = nic_now(dev);
	sim_time_t start = now > dev->wire_free ? now : dev->wire_free;

	skb->t_wire = skb->t_born = start + nic_wire_time(dev, skb->len);
	dev->wire_free = skb->t_wire;
	__skb_queue_tail(&p->wire, skb);
	if (!sim_event_pending(&p->wire_ev))
		sim_event_schedule(&dev->host->w->q, &p->wire_ev, skb->t_wire);
}

/* ndo_wire_receive: the frame's last bit reached the NIC (R1, R2). */
static void nic_receive(struct net_device *dev, struct sk_buff *skb)
{
	bool for_us = !(skb->flags & SKB_F_OTHER_MAC);
	struct nic_priv *p = nic_priv(dev);
	struct host *h = dev->host;
	struct world *w = h->w;
	sim_time_t now = w->q.now, start;
	struct nic_rx_queue *q;

	skb->dev = dev;
	skb_set_stage(h, skb, STAGE_R1);
	if (!for_us && !p->promisc) {
		dev->rx_mac_filtered++;
		kfree_skb_reason(h, skb, SKB_DROP_REASON_NIC_MAC_FILTER);
		return;
	}
	skb->pkt_type = for_us ? PACKET_HOST : PACKET_OTHERHOST;
	skb->queue_mapping = nic_rss_queue(dev, skb);
	q = &p->rxq[skb->queue_mapping];
	skb_set_stage(h, skb, STAGE_R2);
	if (!q->free_desc) {
		q->missed++;
		dev->rx_missed_errors++;
		kfree_skb_reason(h, skb, SKB_DROP_REASON_NIC_RX_MISSED);
		return;
	}
	q->free_desc--;
	start = now > p->dma_free ? now : p->dma_free;
	p->dma_free = start + (sim_time_t)((double)skb->len * 8.0 * 1e12 / p->dma_bps);
	skb->t_ready = p->dma_free + p->pcie_latency;
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

/*
 * The native XDP hook (mlx5e_xdp_handle, ixgbe_run_xdp): after the RX
 * descriptor work, before build_skb. True when the frame goes on to the
 * stack (XDP_PASS); otherwise it has left the poll: posted on the XDP TX
 * ring, or dropped (the page recycled: no skb was built, none is freed).
 */
static bool nic_xdp_run(struct nic_rx_queue *q, struct sk_buff *skb, uint64_t *cycles)
{
	struct host *h = q->dev->host;
	struct xdp_sock *xs = q->dev->rxq[q->index].xsk;

	skb_set_stage(h, skb, STAGE_R8);
	*cycles += h->costs.xdp_prog;
	switch (bpf_prog_run_xdp(q->xdp, skb, xs != NULL, cycles, NULL)) {
	case XDP_PASS:
		q->xdp_pass++;
		return true;
	case XDP_TX:
		*cycles += h->costs.xdp_tx;
		if (nic_xdp_xmit(q, skb, cycles_to_ps(h, *cycles))) {
			q->xdp_tx_xmit++;
			return false;
		}
		q->xdp_tx_full++; /* mlx5e_xmit_xdp_frame: no room, then xdp_abort */
		skb_set_stage(h, skb, STAGE_T15);
		break;
	case XDP_REDIRECT: /* xdp_do_redirect to the queue's XSK; a failure is xdp_abort */
		*cycles += h->costs.xsk_rcv;
		if (xsk_rcv(xs, skb, cycles, cycles_to_ps(h, *cycles)))
			q->xdp_redirect++;
		else
			q->xdp_drop++; /* freed by xsk_rcv, counted in its XDP_STATISTICS */
		return false;
	case XDP_ABORTED: /* trace_xdp_exception, then as XDP_DROP */
	case XDP_DROP:
	case XDP_ACTION_NR:
		break;
	}
	q->xdp_drop++;
	kfree_skb_reason(h, skb, SKB_DROP_REASON_XDP);
	return false;
}

/* The next completed frame of the ring, its descriptor taken (R8), or NULL. */
static struct sk_buff *nic_rx_take(struct nic_rx_queue *q, uint64_t *cycles)
{
	struct net_device *dev = q->dev;
	const struct nic_priv *p = nic_priv(dev);
	struct world *w = dev->host->w;
	sim_time_t now = w->q.now;
	struct sk_buff *skb = q->ring.head;

	if (!skb || skb->t_ready > now)
		return NULL;
	__skb_dequeue(&q->ring);
	sim_level_add(&q->ring_level, now, -1);
	q->to_refill++;
	*cycles += dev->host->costs.driver_rx;
	if (q->to_refill >= p->drv->refill_batch)
		*cycles += nic_refill(q);
	q->packets++;
	q->bytes += skb->len;
	dev->rx_packets++;
	dev->rx_bytes += skb->len;
	if (w->measuring && skb->t_wire >= w->warmup) {
		q->wait_sum += (double)(now - skb->t_wire);
		q->wait_n++;
	}
	return skb;
}

/* The frame leaves the ring (done at its DMA completion) for the softirq. */
static void nic_rx_lat(struct net_device *dev, struct sk_buff *skb)
{
	skb_lat_next(dev->host, skb, LAT_RING, skb->t_ready);
	skb_lat_next(dev->host, skb, LAT_SOFTIRQ, dev->host->w->q.now);
}

/* napi_build_skb on the polling CPU (R9). */
static void nic_build_skb(struct nic_rx_queue *q, struct cpu *c, struct sk_buff *skb,
			  uint64_t *cycles)
{
	*cycles += q->dev->host->costs.build_skb;
	skb_set_stage(q->dev->host, skb, STAGE_R9);
	skb->touch_cpu = c; /* napi_build_skb writes the skb on the polling CPU */
	skb->truesize = nic_priv(q->dev)->truesize;
}

static struct sk_buff *nic_poll_one(struct napi_struct *n, struct cpu *c, uint64_t *cycles)
{
	struct nic_rx_queue *q = n->priv;
	struct sk_buff *skb;

	if (!q->xdp) { /* the hot path without XDP */
		skb = nic_rx_take(q, cycles);
		if (skb) {
			nic_build_skb(q, c, skb, cycles);
			nic_rx_lat(q->dev, skb);
		}
		return skb;
	}
	while ((skb = nic_rx_take(q, cycles))) {
		nic_rx_lat(q->dev, skb);
		if (nic_xdp_run(q, skb, cycles)) {
			nic_build_skb(q, c, skb, cycles);
			return skb;
		}
		/*
		 * A frame the program consumed still counts against the poll's
		 * weight (the driver's work), though the caller counts only the
		 * skbs returned; at the weight the poll stops.
		 */
		if (++n->run->work >= n->run->weight)
			return NULL;
	}
	return NULL;
}

static uint64_t nic_poll_end(struct napi_struct *n, struct cpu *c, int work, int weight)
{
	struct nic_rx_queue *q = n->priv;
	uint64_t cycles = nic_refill(q);

	q->polls++;
	if (work < weight && !q->tx_more && napi_complete_done(n, c, work)) {
		const struct nic_priv *p = nic_priv(q->dev);

		if (p->adaptive_rx)
			p->drv->dim->update(q, work);
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

static void nic_stats_reset(struct net_device *dev, sim_time_t now)
{
	struct nic_priv *p = nic_priv(dev);

	for (uint32_t i = 0; i < p->nrxq; i++) {
		sim_level_reset(&p->rxq[i].ring_level, now);
		sim_level_reset(&p->rxq[i].usecs_level, now);
		p->rxq[i].ring_in = 0;
		p->rxq[i].wait_sum = 0;
		p->rxq[i].wait_n = 0;
	}
}

/* ndo_rx_hash: the Toeplitz hash with the device's RSS key. */
static uint32_t nic_rx_hash(const struct net_device *dev, uint32_t saddr, uint32_t daddr,
			    uint16_t sport, uint16_t dport)
{
	return toeplitz_hash(nic_priv(dev)->rss_key, saddr, daddr, sport, dport);
}

static void nic_uninit(struct net_device *dev)
{
	for (uint32_t i = 0; nic_priv(dev)->rxq && i < nic_priv(dev)->nrxq; i++)
		napi_thread_free(&nic_priv(dev)->rxq[i].napi);
	nic_tx_free(dev);
	xdp_prog_free(nic_priv(dev)->xdp);
	nic_priv(dev)->xdp = NULL;
	xdp_prog_free(dev->xdp_generic);
	dev->xdp_generic = NULL;
	free(nic_priv(dev)->rxq);
	nic_priv(dev)->rxq = NULL;
	free(nic_priv(dev)->arfs);
	nic_priv(dev)->arfs = NULL;
}

static const struct net_device_ops nic_netdev_ops = {
	.ndo_start_xmit = nic_start_xmit,
	.ndo_uninit = nic_uninit,
	.ndo_stats_reset = nic_stats_reset,
	.ndo_wire_time = nic_wire_time,
	.ndo_wire_send = nic_wire_send,
	.ndo_wire_receive = nic_receive,
	.ndo_wire_deliver = nic_wire_deliver,
	.ndo_rx_hash = nic_rx_hash,
	.ndo_rx_flow_steer = nic_rx_flow_steer,
};

/* ---- construction ---- */

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
		nic_priv(dev)->rxq[i].cpu = &h->cpus[cpu];
		dev->rxq[i].irq_cpu = &h->cpus[cpu];
	}
	return 0;
}

static void nic_init_queue(struct net_device *dev, struct nic_rx_queue *q, uint16_t i)
{
	const struct nic_priv *p = nic_priv(dev);

	q->dev = dev;
	q->index = i;
	q->free_desc = p->rx_ring;
	skb_queue_head_init(&q->ring);
	snprintf(q->irq_name, sizeof(q->irq_name), "%s-rx-%u", dev->name, i);
	irq_desc_init(&q->irq, q->irq_name, q->cpu, nic_irq_handler);
	sim_event_init(&q->coal_ev, nic_coal_fire, NIC_COAL_PRIO);
	q->napi.ops = &nic_napi_ops;
	snprintf(q->napi.name, sizeof(q->napi.name), "%s rx-%u", dev->name, i);
	q->napi.priv = q;
	q->napi.weight = p->napi_weight; /* NAPI_POLL_WEIGHT (64) unless set */
	q->napi.gro_off = !dev->gro;
	skb_queue_head_init(&q->napi.rx_list);
	napi_timer_init(&q->napi, p->defer_hard_irqs, p->gro_flush_timeout);
	sim_level_init(&q->ring_level, 0);
	q->rx_usecs = p->rx_usecs;
	q->rx_frames = p->rx_frames;
	if (p->adaptive_rx)
		p->drv->dim->init(q);
	sim_level_init(&q->usecs_level, 0);
	sim_level_set(&q->usecs_level, 0, q->rx_usecs);
}

static int nic_parse_ethtool(struct net_device *dev, const struct cfg_node *n,
			     struct sim_error *err)
{
	struct nic_priv *p = nic_priv(dev);
	const struct nic_driver *d = p->drv;
	uint64_t ring, usecs, frames, truesize, queues, equal, weight, defer;

	if (cfg_get_u64(n, "rx_queues", &queues, 1, 1, NIC_MAX_QUEUES, err) ||
	    cfg_get_u64(n, "rx_ring", &ring, d->rx_ring_default, d->rx_ring_min, d->rx_ring_max,
			err) ||
	    cfg_get_u64(n, "rx_usecs", &usecs, d->rx_usecs_default, 0, 10000, err) ||
	    cfg_get_u64(n, "rx_frames", &frames, d->rx_frames_default, 0, 65535, err) ||
	    cfg_get_u64(n, "rx_truesize", &truesize, d->rx_truesize, 256, 65536, err) ||
	    cfg_get_bool(n, "promisc", &p->promisc, false, err) ||
	    cfg_get_bool(n, "threaded", &p->threaded, false, err) ||
	    cfg_get_u64(n, "napi_defer_hard_irqs", &defer, 0, 0, INT32_MAX, err) ||
	    cfg_get_time(n, "gro_flush_timeout", &p->gro_flush_timeout, 0, 0, SIM_SEC, err) ||
	    cfg_get_bitrate(n, "speed", &p->speed_bps, 10e9, 1e6, 1e13, err) ||
	    cfg_get_bitrate(n, "dma_bandwidth", &p->dma_bps, 64e9, 1e6, 1e13, err) ||
	    cfg_get_time(n, "pcie_latency", &p->pcie_latency, dev->host->costs.pcie_latency, 0,
			 SIM_MS, err) ||
	    cfg_get_u64(n, "rss_equal", &equal, queues, 1, queues, err) ||
	    cfg_get_u64(n, "napi_weight", &weight, 64, 1, 256, err) ||
	    cfg_get_bool(n, "gro", &dev->gro, true, err) ||
	    cfg_get_bool(n, "adaptive_rx", &p->adaptive_rx, false, err) ||
	    cfg_get_bool(n, "ntuple", &dev->ntuple, false, err))
		return -1;
	if (dev->ntuple && !d->arfs_filters)
		return cfg_error(cfg_get(n, "ntuple"), err,
				 "driver '%s' has no aRFS (ntuple needs a driver with "
				 "ndo_rx_flow_steer: mlx5)",
				 d->name);
	if (dev->ntuple && !(p->arfs = calloc(d->arfs_filters, sizeof(*p->arfs))))
		return sim_error_set(err, "out of memory");
	if (p->adaptive_rx && !d->dim)
		return cfg_error(cfg_get(n, "adaptive_rx"), err,
				 "driver '%s' has no adaptive moderation (adaptive_rx needs ixgbe "
				 "or mlx5)",
				 d->name);
	p->napi_weight = (int)weight;
	p->defer_hard_irqs = (uint32_t)defer;
	p->nrxq = (uint32_t)queues;
	p->rx_ring = (uint32_t)ring;
	p->rx_usecs = (uint32_t)usecs;
	p->rx_frames = (uint32_t)frames;
	p->truesize = (uint32_t)truesize;
	for (uint32_t i = 0; i < RSS_INDIR_SIZE; i++)
		p->indir[i] = (uint16_t)(i % equal); /* ethtool_rxfh_indir_default */
	return 0;
}

/*
 * dev_set_threaded: queue i's NAPI gets its kthread "napi/DEV-ID", pinned to
 * `threaded_cpu` or else to the queue's interrupt CPU (the model does not
 * migrate threads; the kernel's scheduler places it).
 */
static int nic_set_threaded(struct net_device *dev, const struct cfg_node *n, struct sim_error *err)
{
	struct nic_priv *p = nic_priv(dev);
	struct host *h = dev->host;
	uint64_t cpu;

	for (uint32_t i = 0; p->threaded && i < p->nrxq; i++) {
		struct cpu *c = p->rxq[i].cpu;

		if (cfg_has(n, "threaded_cpu")) {
			if (cfg_get_u64(n, "threaded_cpu", &cpu, 0, 0, h->ncpus - 1, err))
				return -1;
			c = &h->cpus[cpu];
		}
		if (!napi_thread_fits(c))
			return cfg_error(cfg_get(n, "threaded"), err,
					 "too many threads on cpu %u for the napi kthreads of '%s'",
					 c->id, dev->name);
		if (napi_set_threaded(&p->rxq[i].napi, c, dev->name, MIN_NAPI_ID + i, err))
			return -1;
	}
	if (!p->threaded && cfg_has(n, "threaded_cpu"))
		return cfg_error(cfg_get(n, "threaded_cpu"), err,
				 "'threaded_cpu' needs 'threaded: true' on '%s'", dev->name);
	return 0;
}

/*
 * `xdp:` attaches a native program (ip link set DEV xdp ...) to every RX
 * queue, with an XDP TX ring per queue; `xdp_mode: generic` runs it on the
 * skb instead (do_xdp_generic in models/core/dev.c: pass, drop, aborted). XDP_REDIRECT goes to the AF_XDP
 * socket bound to the receiving queue (`xsks:`, models/core/xsk.h).
 */
static int nic_xdp_attach(struct net_device *dev, const struct cfg_node *n, struct sim_error *err)
{
	static const char *const modes[] = { "native", "generic", NULL };
	struct nic_priv *p = nic_priv(dev);
	unsigned allowed = XDP_ALLOW(XDP_ABORTED) | XDP_ALLOW(XDP_DROP) | XDP_ALLOW(XDP_PASS);
	int mode;

	if (cfg_get_enum(n, "xdp_mode", modes, &mode, 0, err))
		return -1;
	if (mode == 1) /* ip link set DEV xdpgeneric: do_xdp_generic on the skb */
		return xdp_prog_parse(dev->host, dev->name, n, allowed, "generic XDP",
				      &dev->xdp_generic, err);
	allowed |= XDP_ALLOW(XDP_TX) | XDP_ALLOW(XDP_REDIRECT);
	if (xdp_prog_parse(dev->host, dev->name, n, allowed, "a nic", &p->xdp, err))
		return -1;
	if (!p->xdp)
		return 0;
	if (nic_xdp_tx_alloc(dev))
		return sim_error_set(err, "out of memory");
	for (uint32_t i = 0; i < p->nrxq; i++)
		p->rxq[i].xdp = p->xdp;
	return 0;
}

/*
 * The setup of every NIC driver: ethtool keys, address, RX rings and their
 * vectors, RPS, then the TX side (nic_tx_create). Combined channels: as
 * many TX as RX queues.
 */
int nic_setup(struct net_device *dev, const struct cfg_node *n, struct sim_error *err)
{
	struct nic_priv *p = nic_priv(dev);
	uint16_t map[64];
	uint32_t len;

	p->netdev = dev;
	p->drv = dev->driver->hw;
	dev->netdev_ops = &nic_netdev_ops;
	dev->ethtool_ops = &nic_ethtool_ops;
	dev->xmit_cost = &dev->host->costs.driver_xmit;
	skb_queue_head_init(&p->wire);
	sim_event_init(&p->wire_ev, nic_wire_fire, NIC_COAL_PRIO);
	memcpy(p->rss_key, rss_default_key, RSS_KEY_LEN);
	toeplitz_table_init(p->rss_tbl, p->rss_key);
	if (nic_parse_ethtool(dev, n, err) || netdev_parse_addr(dev, n, err))
		return -1;
	p->rxq = calloc(p->nrxq, sizeof(*p->rxq));
	if (!p->rxq || netif_alloc_queues(dev, p->nrxq, p->nrxq))
		return sim_error_set(err, "out of memory");
	if (nic_parse_affinity(dev, n, err))
		return -1;
	for (uint32_t i = 0; i < p->nrxq; i++)
		nic_init_queue(dev, &p->rxq[i], (uint16_t)i);
	if (nic_set_threaded(dev, n, err))
		return -1;
	if (netif_parse_rps_cpus(dev->host, n, map, &len, err) ||
	    netif_parse_rps_flow_cnt(dev, n, err))
		return -1;
	netif_set_rps_map(dev, map, len);
	if (nic_tx_create(dev, n, err))
		return -1;
	return nic_xdp_attach(dev, n, err);
}
