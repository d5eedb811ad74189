/*
 * models/core/xmit.c - dev_queue_xmit, qdisc_run, net_tx_action.
 *
 * See models/core/xmit.h for the kernel references and simplifications. Work of
 * net_tx_action happens when its unit starts (the dequeues and driver calls
 * are computed, then charged), one unit per qdisc run.
 */
#include <string.h>

#include "models/core/gso.h"
#include "models/core/observe.h"
#include "models/core/dev.h"
#include "models/core/neigh.h"
#include "models/core/netdevice.h"
#include "models/sched/sch_generic.h"
#include "models/core/af_packet.h"
#include "models/ipv4/sock.h"
#include "models/core/xmit.h"
#include "sim/error.h"

static uint32_t reciprocal_scale(uint32_t val, uint32_t n)
{
	return (uint32_t)(((uint64_t)val * n) >> 32);
}

/* get_xps_queue: the queues mapped to CPU @c, one chosen by hash; -1 when none. */
static int get_xps_queue(const struct cpu *c, const struct net_device *dev,
			 const struct sk_buff *skb)
{
	uint16_t map[NETDEV_MAX_QUEUES];
	uint32_t n = 0;

	for (uint32_t i = 0; i < dev->ntxq && c->id < 64; i++)
		if (dev->txq[i].xps_mask >> c->id & 1)
			map[n++] = (uint16_t)i;
	return n ? map[reciprocal_scale(skb->hash, n)] : -1;
}

/* netdev_core_pick_tx: XPS for the sending CPU, else skb_tx_hash. */
static uint16_t netdev_pick_tx(const struct cpu *c, const struct net_device *dev,
			       const struct sk_buff *skb)
{
	int q = dev->xps ? get_xps_queue(c, dev, skb) : -1;

	if (q >= 0)
		return (uint16_t)q;
	return dev->ntxq > 1 ? (uint16_t)reciprocal_scale(skb->hash, dev->ntxq) : 0;
}

/* TCQ_F_CAN_BYPASS: the kind's Qdisc_ops static_flags (pfifo_fast, pfifo, bfifo, fq_codel, sfq). */
static bool qdisc_can_bypass(const struct Qdisc *q)
{
	return q->flags & TCQ_F_CAN_BYPASS;
}

/* dev_hard_start_xmit -> ndo_start_xmit (T14, T15). */
/*
 * dev_hard_start_xmit -> xmit_one (T14, T15): dev_queue_xmit_nit gives every
 * packet socket on the device a copy (after the qdisc, as tcpdump sees it),
 * then the driver's ndo_start_xmit.
 */
static int xmit_one(struct cpu *c, struct net_device *dev, struct sk_buff *skb, uint16_t txq,
		    uint64_t *cycles)
{
	skb_set_stage(dev->host, skb, STAGE_T14);
	for (uint32_t i = 0; i < dev->ntaps; i++)
		*cycles += packet_rcv(dev->taps[i], skb);
	*cycles +=
		*dev->xmit_cost; /* the driver's: a ring post, or veth_xmit + __dev_forward_skb */
	return dev->netdev_ops->ndo_start_xmit(c, dev, skb, txq, cycles);
}

/* The GSO half of dev_hard_start_xmit: cut @skb, the segments one by one. */
static int dev_hard_start_xmit_gso(struct cpu *c, struct net_device *dev, struct sk_buff *skb,
				   uint16_t txq, uint64_t *cycles, struct sk_buff **rest)
{
	uint16_t gso = skb->gso_size;
	struct sk_buff *next;
	int rc = NETDEV_TX_OK;

	for (skb = skb_gso_segment(dev->host, skb, cycles); skb; skb = next) {
		next = skb->next;
		skb->next = NULL;
		rc = xmit_one(c, dev, skb, txq, cycles);
		if (rc == NETDEV_TX_BUSY) {
			skb->next = next;
			*rest = skb_gso_rechain(skb, gso);
			return rc;
		}
	}
	return rc;
}

/*
 * validate_xmit_skb + dev_hard_start_xmit: a GSO skb @dev cannot take whole
 * is cut here (skb_gso_segment) and its segments go to the driver one by
 * one. A segment the driver refuses (NETDEV_TX_BUSY) comes back in *@rest
 * with those after it, as one GSO skb to requeue (skb_gso_rechain: the
 * kernel requeues the list; here the rest is cut again, and charged again,
 * when it is sent). Returns the last driver's code.
 */
static inline int dev_hard_start_xmit(struct cpu *c, struct net_device *dev, struct sk_buff *skb,
				      uint16_t txq, uint64_t *cycles, struct sk_buff **rest)
{
	*rest = skb;
	if (!skb_is_gso(skb) || !netif_needs_gso(skb, dev))
		return xmit_one(c, dev, skb, txq, cycles);
	return dev_hard_start_xmit_gso(c, dev, skb, txq, cycles, rest);
}

static bool txq_frozen(const struct netdev_queue *txq)
{
	return txq->stopped || txq->stack_xoff; /* netif_xmit_frozen_or_stopped */
}

/*
 * Next skb for qdisc_restart (dequeue_skb): a requeued one first, once its
 * own TX queue runs again. A qdisc that feeds one TX queue
 * (TCQ_F_ONETXQUEUE: the root of a single-queue device, or a child of mq)
 * dequeues nothing while that queue is stopped by the driver or by BQL; a
 * root shared by several queues (`parent: root`) dequeues, and
 * qdisc_run() checks the skb's own queue.
 */
static struct sk_buff *qdisc_next(struct Qdisc *q, const struct netdev_queue *txq)
{
	struct sk_buff *skb = q->gso_skb;

	if (skb) {
		if (txq_frozen(&txq->dev->txq[skb->queue_mapping]))
			return NULL;
		q->gso_skb = NULL;
		qdisc_qstats_sub(q, skb);
		return skb;
	}
	if (!q->multi_txq && txq_frozen(txq))
		return NULL;
	return q->ops->dequeue(q);
}

/* dev_requeue_skb: the driver is busy; qlen and backlog still count the skb. */
static void dev_requeue_skb(struct Qdisc *q, struct sk_buff *skb)
{
	q->gso_skb = skb;
	q->stats.requeues++;
	qdisc_qstats_add(q, skb);
}

/* When CPU @c's work that has cost *cycles so far reaches the next step (ps). */
static sim_time_t xmit_at(const struct cpu *c, uint64_t cycles)
{
	return c->host->w->q.now + cycles_to_ps(c->host, cycles);
}

/* qdisc_restart's dequeue under qdisc_lock(q), held qdisc_dequeue: the cycles @c waits. */
static uint64_t qdisc_lock_dequeue(struct cpu *c, struct Qdisc *q, uint64_t cycles)
{
	sim_time_t hold = cycles_to_ps(c->host, q->dev->host->costs.qdisc_dequeue);

	return spin_ps_to_cycles(c, spin_lock_hold(&q->root_lock, c, xmit_at(c, cycles), hold));
}

/*
 * __dev_xmit_skb's locks: a CPU that finds the qdisc running on another CPU
 * (qdisc_is_running) first serializes on q->busylock, which it keeps until it
 * has enqueued under qdisc_lock(q) (held qdisc_enqueue). The cycles @c waits.
 */
static uint64_t qdisc_lock_enqueue(struct cpu *c, struct Qdisc *q, uint64_t cycles)
{
	sim_time_t t = xmit_at(c, cycles), start = t, rstart;
	sim_time_t hold = cycles_to_ps(c->host, q->dev->host->costs.qdisc_enqueue);
	bool contended = q->running_cpu && q->running_cpu != c && t < q->running_until;

	if (contended)
		start = spin_lock_start(&q->busylock, c, t, hold);
	rstart = spin_lock_start(&q->root_lock, c, start, hold);
	spin_lock_reserve(&q->root_lock, c, start, rstart, rstart + hold);
	if (contended)
		spin_lock_reserve(&q->busylock, c, t, start, rstart + hold);
	return spin_ps_to_cycles(c, rstart - t);
}

/* __qdisc_run: up to dev_tx_weight (dev_weight * dev_weight_tx_bias) packets, then NET_TX. */
static void qdisc_run(struct cpu *c, struct netdev_queue *txq, uint64_t *cycles)
{
	struct Qdisc *q = txq->qdisc;
	struct net_device *dev = txq->dev;
	const struct costs *k = &dev->host->costs;
	int quota = (int)(dev->host->sysctl.dev_weight * dev->host->sysctl.dev_tx_weight);
	struct netdev_queue *tq;
	struct sk_buff *skb, *rest;

	txq->sched_cpu = c;
	q->running_cpu = c;
	for (;;) {
		q->running_until = xmit_at(c, *cycles);
		if (quota <= 0) {
			netif_schedule_qdisc(c, q);
			return;
		}
		*cycles += qdisc_lock_dequeue(c, q, *cycles) + k->qdisc_dequeue;
		q->running_until = xmit_at(c, *cycles);
		skb = qdisc_next(q, txq);
		if (!skb)
			return;
		/* sch_direct_xmit: the skb's own queue (a shared root's skbs differ) */
		tq = &dev->txq[skb->queue_mapping];
		tq->sched_cpu = c;
		if (txq_frozen(tq)) {
			dev_requeue_skb(q, skb);
			return;
		}
		skb_lat_next(dev->host, skb, LAT_TX_RING, dev->host->w->q.now);
		if (dev_hard_start_xmit(c, dev, skb, tq->index, cycles, &rest) == NETDEV_TX_BUSY) {
			skb_lat_next(dev->host, rest, LAT_QDISC, dev->host->w->q.now);
			dev_requeue_skb(q, rest);
			return;
		}
		quota--;
	}
}

/* noqueue (loopback, veth): straight to the driver. */
static int dev_xmit_noqueue(struct cpu *c, struct sk_buff *skb, struct net_device *dev,
			    struct netdev_queue *txq, uint64_t *cycles)
{
	struct sk_buff *rest;
	int rc;

	SIM_BUG_ON(txq->stopped);
	skb_lat_next(dev->host, skb, LAT_TX_RING, dev->host->w->q.now);
	rc = dev_hard_start_xmit(c, dev, skb, txq->index, cycles, &rest);
	if (rc == NETDEV_TX_BUSY)
		sim_bug(__FILE__, __LINE__, "Virtual device asks to queue packet");
	return rc; /* dev_xmit_complete: NET_XMIT_SUCCESS or the driver's NET_XMIT_DROP */
}

int dev_queue_xmit(struct cpu *c, struct sk_buff *skb, struct net_device *dev, uint64_t *cycles)
{
	uint16_t i = netdev_pick_tx(c, dev, skb);
	struct netdev_queue *txq = &dev->txq[i];
	struct Qdisc *q = txq->qdisc;
	struct world *w = dev->host->w;
	struct sk_buff *to_free = NULL, *rest;
	int rc;

	skb->dev = dev;
	skb->queue_mapping = i;
	skb_set_stage(dev->host, skb, STAGE_T13);
	if (!q->ops->enqueue)
		return dev_xmit_noqueue(c, skb, dev, txq, cycles);
	*cycles += qdisc_lock_enqueue(c, q, *cycles) + dev->host->costs.qdisc_enqueue;
	if (qdisc_can_bypass(q) && !q->stats.qlen && !q->gso_skb && !txq->stopped &&
	    !txq->stack_xoff) {
		/* __dev_xmit_skb bypass: qdisc_run_begin, qdisc_bstats_update, sch_direct_xmit */
		qdisc_bstats_update(q, skb);
		skb_lat_next(dev->host, skb, LAT_TX_RING, w->q.now);
		q->running_cpu = c;
		if (dev_hard_start_xmit(c, dev, skb, i, cycles, &rest) == NETDEV_TX_BUSY)
			dev_requeue_skb(q, rest);
		q->running_until = xmit_at(c, *cycles); /* qdisc_run_end */
		return NET_XMIT_SUCCESS;
	}
	skb->t_qdisc = w->q.now;
	skb_lat_next(dev->host, skb, LAT_QDISC, w->q.now);
	rc = q->ops->enqueue(skb, q, &to_free);
	qdisc_kfree_skb_list(q, to_free);
	qdisc_run(c, txq, cycles);
	return rc;
}

/* ---- NET_TX_SOFTIRQ ---- */

void netif_schedule_qdisc(struct cpu *c, struct Qdisc *q)
{
	struct softnet_data *sd = c->sd;
	struct netdev_queue *txq = q->wake_arg;

	if (txq->on_output_queue)
		return;
	SIM_BUG_ON(sd->noutq >= SOFTNET_MAX_OUTQ);
	txq->on_output_queue = true;
	sd->outq[sd->noutq++] = txq;
	raise_softirq_irqoff(c, NET_TX_SOFTIRQ);
}

/* net_tx_action: take this CPU's output queue; each qdisc runs as one unit. */
static void net_tx_action_begin(struct cpu *c)
{
	struct softnet_data *sd = c->sd;

	memcpy(sd->tx_local, sd->outq, sd->noutq * sizeof(sd->outq[0]));
	sd->ntx_local = sd->noutq;
	sd->tx_pos = 0;
	sd->noutq = 0;
}

static bool net_tx_action_step(struct cpu *c, sim_time_t *ps)
{
	struct softnet_data *sd = c->sd;
	uint64_t cycles = 0;

	if (sd->tx_pos >= sd->ntx_local)
		return false;
	{
		struct netdev_queue *txq = sd->tx_local[sd->tx_pos++];

		txq->on_output_queue = false;
		qdisc_run(c, txq, &cycles);
	}
	*ps = cycles_to_ps(c->host, cycles);
	return true;
}

static void net_tx_action_commit(struct cpu *c)
{
	(void)c;
}

static const struct softirq_ops net_tx_softirq = {
	.begin = net_tx_action_begin,
	.step = net_tx_action_step,
	.commit = net_tx_action_commit,
};

void net_tx_init(void)
{
	softirq_vec[NET_TX_SOFTIRQ] = &net_tx_softirq;
}
