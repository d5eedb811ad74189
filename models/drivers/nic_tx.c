/*
 * models/drivers/nic_tx.c - NIC transmit (T15, T16), links between hosts, the queue pair's vector.
 *
 * References: ixgbe_main.c (ixgbe_xmit_frame_ring, ixgbe_maybe_stop_tx with
 * DESC_NEEDED = MAX_SKB_FRAGS + 4, ixgbe_clean_tx_irq with TX_WAKE_THRESHOLD
 * = 2 * DESC_NEEDED and IXGBE_DEFAULT_TX_WORK 256), kernel-facts §8 "TX
 * completion".
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
 * The stack's side of each TX queue (qdisc, stop bits, BQL, XPS) is the
 * generic struct netdev_queue (dev->txq[i]); the descriptor ring is the
 * NIC's (struct nic_tx_ring). The qdiscs are attached by dev_activate
 * (models/core/net_device.c): mq on a multi-queue NIC.
 *
 * XDP_TX (drivers/net/ethernet/mellanox/mlx5/core/en/xdp.c
 * mlx5e_xmit_xdp_frame, mlx5e_poll_xdpsq_cq): each RX queue of a NIC with a
 * program has its own XDP TX ring of tx_ring descriptors, fed by the poll
 * past the qdisc, BQL and the stack's stop bits, full = the frame dropped;
 * it shares the transmitter and the queue pair's vector, and is cleaned at
 * the start of the next poll.
 *
 * Simplified: TX and RX of queue i share one vector and one NAPI (combined
 * channels); the transmitter serves queues in posting order; no TSO, no
 * pause frames, no TX taps.
 */
#include <stdlib.h>
#include <string.h>

#include "models/core/gso.h"
#include "models/core/observe.h"
#include "models/core/netdevice.h"
#include "models/drivers/nic_tx.h"
#include "models/sched/sch_generic.h"
#include "models/ipv4/sock.h"
#include "models/core/xmit.h"
#include "sim/error.h"

enum { NIC_TX_PRIO = 12 };

#define DESC_NEEDED 21 /* MAX_SKB_FRAGS + 4 */

static uint32_t tx_free_desc(const struct nic_tx_ring *r)
{
	return r->size - (uint32_t)(r->tail - r->head);
}

static uint32_t tx_stop_threshold(const struct nic_tx_ring *r)
{
	return r->size > 4 * DESC_NEEDED ? DESC_NEEDED : r->size / 4 + 1;
}

sim_time_t nic_wire_time(const struct net_device *dev, uint32_t len)
{
	return (sim_time_t)((double)(len + 4 + 20) * 8.0 * 1e12 / nic_priv(dev)->speed_bps + 0.5);
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

/* ---- the transmitter ---- */

/* The queue pair's vector: a TX completion while armed (tx-usecs, tx-frames). */
static void nic_tx_coal_note(struct nic_tx_ring *r, sim_time_t t)
{
	struct net_device *dev = r->txq->dev;
	struct nic_priv *p = nic_priv(dev);
	struct nic_rx_queue *rq = &p->rxq[r->txq->index];
	sim_time_t fire = t;

	if (rq->masked)
		return;
	if (p->tx_usecs) {
		if (r->coal_frames++ == 0)
			r->coal_first = t;
		fire = r->coal_first + (sim_time_t)p->tx_usecs * SIM_US;
		if (p->tx_frames && r->coal_frames >= p->tx_frames && t < fire)
			fire = t;
	}
	nic_vector_arm(rq, fire);
}

/* A frame's last bit left: the descriptor completes, the frame goes on the link. */
static void nic_tx_done(struct nic_tx_ring *r, struct sk_buff *skb)
{
	struct net_device *dev = r->txq->dev;
	struct world *w = dev->host->w;

	r->done++;
	skb_set_stage(dev->host, skb, STAGE_WIRE);
	skb_lat_next(dev->host, skb, LAT_WIRE, w->q.now);
	if (!dev->peer) {
		skb_transmitted(dev->host, skb);
	} else if (dev->link_loss > 0 && sim_rng_bernoulli(&dev->link_rng, dev->link_loss)) {
		kfree_skb_reason(dev->host, skb, SKB_DROP_REASON_LINK_LOSS);
	} else {
		dev->peer->netdev_ops->ndo_wire_deliver(dev->peer, skb, w->q.now + dev->link_delay);
	}
	nic_tx_coal_note(r, w->q.now);
}

static void nic_tx_fire(struct sim_event *ev)
{
	struct nic_tx_ring *r = container_of(ev, struct nic_tx_ring, tx_ev);
	struct world *w = r->txq->dev->host->w;

	while (r->inflight.head && r->inflight.head->t_ready <= w->q.now)
		nic_tx_done(r, __skb_dequeue(&r->inflight));
	if (r->inflight.head)
		sim_event_schedule(&w->q, &r->tx_ev, r->inflight.head->t_ready);
}

/*
 * Post @skb on ring @r (T15): the descriptor holds its send-buffer charge;
 * the NIC fetches it by DMA and serialises it after the frames before it.
 */
static void nic_tx_post(struct net_device *dev, struct nic_tx_ring *r, struct sk_buff *skb,
			sim_time_t doorbell)
{
	struct nic_priv *p = nic_priv(dev);
	struct world *w = dev->host->w;
	struct nic_tx_desc *d = &r->desc[r->tail++ % r->size];
	sim_time_t fetch, start;

	d->sk = skb->flags & SKB_F_WMEM ? skb->sk : NULL;
	d->truesize = skb->truesize;
	d->len = skb->len;
	skb->sk = NULL;
	skb->flags &= (uint8_t)~SKB_F_WMEM;
	skb_set_stage(dev->host, skb, STAGE_T15);
	fetch = w->q.now + doorbell + p->pcie_latency +
		(sim_time_t)((double)skb->len * 8.0 * 1e12 / p->dma_bps);
	start = fetch > p->tx_wire_free ? fetch : p->tx_wire_free;
	skb->t_ready = start + nic_wire_time(dev, skb->len + (skb->vlan_present ? VLAN_HLEN : 0));
	p->tx_wire_free = skb->t_ready;
	__skb_queue_tail(&r->inflight, skb);
	if (!sim_event_pending(&r->tx_ev))
		sim_event_schedule(&w->q, &r->tx_ev, skb->t_ready);
}

/*
 * XDP_TX (mlx5e_xmit_xdp_frame, ixgbe_xmit_xdp_ring): the frame goes on the
 * RX queue's own XDP TX ring, past the qdisc, BQL and the stack's stop bits;
 * it shares the transmitter with the stack's rings. The doorbell rings
 * @doorbell after now (the poll's work up to and with this frame). False
 * when the ring is full (the caller drops it).
 */
bool nic_xdp_xmit(struct nic_rx_queue *rq, struct sk_buff *skb, sim_time_t doorbell)
{
	struct nic_tx_ring *r = rq->xdp_tx;

	if (!tx_free_desc(r))
		return false;
	skb_lat_next(rq->dev->host, skb, LAT_TX_RING, rq->dev->host->w->q.now + doorbell);
	nic_tx_post(rq->dev, r, skb, doorbell);
	return true;
}

/*
 * UDP segmentation offload (NETIF_F_GSO_UDP_L4, `tx_udp_segmentation`): the
 * NIC cuts the GSO skb @skb into frames on the wire, at no CPU cost. Here
 * each segment takes a descriptor (a real driver takes 1 + nr_frags for
 * the whole skb) and the skb's send-buffer charge rides on the last one,
 * released when the whole skb has gone (the driver frees it then). Returns
 * the bytes posted (netdev_tx_sent_queue's: every segment's headers).
 */
static uint32_t nic_tx_post_gso(struct net_device *dev, struct nic_tx_ring *r, struct sk_buff *skb)
{
	struct sock *sk = skb->flags & SKB_F_WMEM ? skb->sk : NULL;
	uint32_t truesize = skb->truesize, bytes = 0;
	struct nic_tx_desc *last;
	struct sk_buff *s, *n;

	skb->flags &= (uint8_t)~SKB_F_WMEM; /* the segments take no charge of their own */
	skb->sk = NULL;
	for (s = skb_gso_cut(skb); s; s = n) {
		n = s->next;
		s->next = NULL;
		bytes += s->len;
		nic_tx_post(dev, r, s, 0);
	}
	last = &r->desc[(r->tail - 1) % r->size];
	last->sk = sk;
	last->truesize = truesize;
	return bytes;
}

/* ndo_start_xmit for a NIC (T15): post a descriptor, ring the doorbell. */
int nic_start_xmit(struct cpu *c, struct net_device *dev, struct sk_buff *skb, uint16_t i,
		   uint64_t *cycles)
{
	struct nic_priv *p = nic_priv(dev);
	struct netdev_queue *q = &dev->txq[i];
	struct nic_tx_ring *r = &p->tx[i];
	struct world *w = dev->host->w;
	uint32_t len = skb->len;

	(void)c;
	(void)cycles;
	if (q->stopped || q->stack_xoff ||
	    tx_free_desc(r) < (skb_is_gso(skb) ? skb->gso_segs : 1u)) {
		q->busy++;
		return NETDEV_TX_BUSY;
	}
	if (skb_is_gso(skb))
		len = nic_tx_post_gso(dev, r, skb);
	else
		nic_tx_post(dev, r, skb, 0);
	if (tx_free_desc(r) < tx_stop_threshold(r)) {
		q->stopped = true;
		q->stops++;
	}
	/* netdev_tx_sent_queue: BQL stops the stack above its byte limit */
	q->bql_inflight += len;
	if (dev->bql) {
		dql_queued(&q->dql, len, host_jiffies(dev->host, w->q.now));
		if (dql_avail(&q->dql) < 0)
			q->stack_xoff = true;
	}
	return NETDEV_TX_OK;
}

/* ---- cleaning in the NAPI poll (T16) ---- */

/*
 * mlx5e_poll_xdpsq_cq: every completed XDP TX descriptor is released (its
 * page recycled); no socket, no BQL, no stack queue to wake. Returns cycles.
 */
static uint64_t nic_xdp_tx_clean(struct nic_rx_queue *rq)
{
	struct nic_tx_ring *r = rq->xdp_tx;
	uint64_t n = r->done - r->head;

	for (uint64_t i = 0; i < n; i++) {
		r->packets++;
		r->bytes += r->desc[r->head++ % r->size].len;
	}
	return n * rq->dev->host->costs.tx_clean;
}

bool nic_tx_clean(struct nic_rx_queue *rq, uint64_t *cycles)
{
	struct net_device *dev = rq->dev;
	struct nic_priv *p = nic_priv(dev);
	struct netdev_queue *q;
	struct nic_tx_ring *r;
	uint32_t n = 0, bytes = 0;

	if (rq->xdp_tx)
		*cycles += nic_xdp_tx_clean(rq);
	if (rq->index >= dev->ntxq)
		return false;
	q = &dev->txq[rq->index];
	r = &p->tx[rq->index];
	while (r->head < r->done && n < p->tx_work_limit) {
		struct nic_tx_desc *d = &r->desc[r->head++ % r->size];

		sock_wfree(d->sk, d->truesize);
		q->bql_inflight -= d->len;
		bytes += d->len;
		r->packets++;
		r->bytes += d->len;
		dev->tx_packets++;
		dev->tx_bytes += d->len;
		n++;
	}
	*cycles += n * dev->host->costs.tx_clean;
	if (q->stopped && tx_free_desc(r) >= 2 * tx_stop_threshold(r)) {
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
	return r->head < r->done;
}

void nic_tx_rearm(struct nic_rx_queue *rq)
{
	struct net_device *dev = rq->dev;
	struct nic_tx_ring *r = &nic_priv(dev)->tx[rq->index];

	if (rq->index < dev->ntxq && r->head < r->done) {
		r->coal_frames = 0;
		nic_tx_coal_note(r, dev->host->w->q.now);
	}
	if (rq->xdp_tx && rq->xdp_tx->head < rq->xdp_tx->done) {
		rq->xdp_tx->coal_frames = 0;
		nic_tx_coal_note(rq->xdp_tx, dev->host->w->q.now);
	}
}

/* ---- construction ---- */

static int nic_tx_alloc(struct net_device *dev)
{
	struct nic_priv *p = nic_priv(dev);

	p->tx = calloc(dev->ntxq, sizeof(*p->tx));
	if (!p->tx)
		return -1;
	for (uint32_t i = 0; i < dev->ntxq; i++) {
		struct nic_tx_ring *r = &p->tx[i];
		struct netdev_queue *q = &dev->txq[i];

		r->txq = q;
		r->size = p->tx_ring;
		r->desc = calloc(r->size ? r->size : 1, sizeof(*r->desc));
		if (!r->desc)
			return -1;
		skb_queue_head_init(&r->inflight);
		sim_event_init(&r->tx_ev, nic_tx_fire, NIC_TX_PRIO);
		/* dql_init, then the byte_queue_limits writes of the scenario */
		if (dev->bql) {
			dql_init(&q->dql, p->bql_limit_min, p->bql_limit_max, p->bql_hold, 0);
			dql_set_stall_thrs(&q->dql, p->bql_stall_thrs, 0);
		}
	}
	return 0;
}

/* The XDP TX rings, one per RX queue (the XDPSQ of each channel), as large as a TX ring. */
int nic_xdp_tx_alloc(struct net_device *dev)
{
	struct nic_priv *p = nic_priv(dev);

	p->xdp_tx = calloc(p->nrxq, sizeof(*p->xdp_tx));
	if (!p->xdp_tx)
		return -1;
	for (uint32_t i = 0; i < p->nrxq; i++) {
		struct nic_tx_ring *r = &p->xdp_tx[i];

		r->txq = &dev->txq[i < dev->ntxq ? i : 0]; /* its device and vector */
		r->size = p->tx_ring;
		r->desc = calloc(r->size ? r->size : 1, sizeof(*r->desc));
		if (!r->desc)
			return -1;
		skb_queue_head_init(&r->inflight);
		sim_event_init(&r->tx_ev, nic_tx_fire, NIC_TX_PRIO);
		p->rxq[i].xdp_tx = r;
	}
	return 0;
}

void nic_tx_free(struct net_device *dev)
{
	struct nic_priv *p = nic_priv(dev);

	for (uint32_t i = 0; p->xdp_tx && i < p->nrxq; i++)
		free(p->xdp_tx[i].desc);
	free(p->xdp_tx);
	p->xdp_tx = NULL;

	for (uint32_t i = 0; p->tx && i < dev->ntxq; i++)
		free(p->tx[i].desc);
	free(p->tx);
	p->tx = NULL;
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
	struct nic_priv *p = nic_priv(dev);
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
	p->bql_limit_min = p->bql_limit ? p->bql_limit : (uint32_t)lmin;
	p->bql_limit_max = p->bql_limit ? p->bql_limit : (uint32_t)lmax;
	p->bql_hold = (uint32_t)time_to_jiffies(dev->host, hold);
	p->bql_stall_thrs = (uint16_t)stall;
	return 0;
}

int nic_tx_create(struct net_device *dev, const struct cfg_node *n, struct sim_error *err)
{
	uint64_t ring, usecs, frames, work, qlen, mtu, bql;
	struct nic_priv *p = nic_priv(dev);
	const struct nic_driver *drv = p->drv;
	bool adaptive;
	char stream[64];

	if (cfg_get_u64(n, "tx_ring", &ring, drv->rx_ring_default, drv->rx_ring_min,
			drv->rx_ring_max, err) ||
	    cfg_get_u64(n, "tx_usecs", &usecs, drv->rx_usecs_default, 0, 10000, err) ||
	    cfg_get_u64(n, "tx_frames", &frames, drv->rx_frames_default, 0, 65535, err) ||
	    cfg_get_u64(n, "tx_work_limit", &work, 256, 1, 65536, err) ||
	    cfg_get_u64(n, "txqueuelen", &qlen, 1000, 0, 1u << 20, err) ||
	    cfg_get_u64(n, "mtu", &mtu, 1500, 68, 1500, err) ||
	    cfg_get_size(n, "bql_limit", &bql, 0, 0, 1u << 30, err) ||
	    cfg_get_bool(n, "bql", &adaptive, false, err) ||
	    cfg_get_bool(n, "tx_udp_segmentation", &dev->gso_udp_l4, drv->tx_udp_segmentation, err))
		return -1;
	if (adaptive && bql)
		return cfg_error(cfg_get(n, "bql"), err,
				 "'bql: true' adapts the limit; 'bql_limit' fixes it: give one");
	p->bql_limit = (uint32_t)bql;
	dev->bql = adaptive || bql;
	if (nic_tx_parse_bql(dev, n, adaptive, err))
		return -1;
	p->tx_ring = (uint32_t)ring;
	p->tx_usecs = (uint32_t)usecs;
	p->tx_frames = (uint32_t)frames;
	p->tx_work_limit = (uint32_t)work;
	dev->txqueuelen = (uint32_t)qlen;
	dev->mtu = (uint32_t)mtu;
	snprintf(stream, sizeof(stream), "link/%s/%s", dev->host->name, dev->name);
	sim_rng_init(&dev->link_rng, dev->host->w->seed, stream);
	if (nic_tx_alloc(dev))
		return sim_error_set(err, "out of memory");
	if (nic_tx_parse_xps(dev, n, err))
		return -1;
	return dev_activate(dev, n, "pfifo_fast", err);
}
