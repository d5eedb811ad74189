/*
 * models/sched/sch_generic.c - the built-in disciplines: noqueue and pfifo_fast.
 *
 * Kernel reference: net/sched/sch_generic.c (noqueue_init, noqueue_qdisc_ops,
 * prio2band, pfifo_fast_enqueue, pfifo_fast_dequeue, pfifo_fast_init,
 * pfifo_fast_dump), iproute2 tc/q_prio.c prio_print_opt (tc prints
 * pfifo_fast with prio's printer), kernel-facts §9.
 *
 * noqueue has no enqueue: the device layer sends straight to the driver, as
 * __dev_queue_xmit does when q->enqueue is NULL.
 *
 * pfifo_fast: three bands chosen by prio2band[skb->priority & TC_PRIO_MAX],
 * dequeued band 0, then 1, then 2. Since 4.16 each band is an skb_array ring
 * of dev->tx_queue_len entries, so the limit is per band; a full band drops
 * the new packet (qdisc_drop, NET_XMIT_DROP).
 *
 * The `limit` key (packets per band) overrides the device's tx_queue_len
 * (qdisc_dev_tx_queue_len).
 *
 * Simplified: a band holds exactly `limit` packets, without
 * ptr_ring's batched consumer zeroing (up to 16 freed slots are not reusable
 * at once in the kernel). One lock-free ring per band, no per-CPU stats.
 */
#include <inttypes.h>
#include <stdint.h>

#include "models/sched/sch_generic.h"
#include "models/core/netdevice.h"

/* The device's txqueuelen, the default limit of pfifo_fast, pfifo and htb's direct queue. */
uint32_t qdisc_dev_tx_queue_len(const struct Qdisc *q)
{
	return q->dev && q->dev->txqueuelen ? q->dev->txqueuelen : DEFAULT_TX_QUEUE_LEN;
}

/* ---- noqueue ---- */

/* noqueue_init(): nothing to configure. */
static int noqueue_init(struct Qdisc *q, const struct cfg_node *opts, struct sim_error *err)
{
	q->limit = 0;
	return cfg_check_unknown(opts, "qdisc 'noqueue'", err);
}

const struct Qdisc_ops noqueue_ops = {
	.id = "noqueue",
	.init = noqueue_init,
};

/* ---- pfifo_fast ---- */

#define PFIFO_FAST_BANDS 3
#define TC_PRIO_MAX	 15

static const uint8_t prio2band[TC_PRIO_MAX + 1] = {
	1, 2, 2, 2, 1, 2, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1
};

struct pfifo_fast_priv {
	struct sk_buff_head q[PFIFO_FAST_BANDS]; /* the bands, 0 dequeued first */
};

static int pfifo_fast_init(struct Qdisc *q, const struct cfg_node *opts, struct sim_error *err)
{
	struct pfifo_fast_priv *priv = qdisc_priv(q);
	uint64_t limit;

	if (cfg_get_u64(opts, "limit", &limit, qdisc_dev_tx_queue_len(q), 1, UINT32_MAX, err))
		return -1;
	if (cfg_check_unknown(opts, "qdisc 'pfifo_fast'", err))
		return -1;
	q->limit = (uint32_t)limit;
	for (int band = 0; band < PFIFO_FAST_BANDS; band++)
		skb_queue_head_init(&priv->q[band]);
	return 0;
}

static int pfifo_fast_enqueue(struct sk_buff *skb, struct Qdisc *q, struct sk_buff **to_free)
{
	struct pfifo_fast_priv *priv = qdisc_priv(q);
	struct sk_buff_head *band = &priv->q[prio2band[skb->priority & TC_PRIO_MAX]];

	if (band->qlen >= q->limit) /* skb_array_produce() fails: ring full */
		return qdisc_drop_reason(skb, q, to_free, SKB_DROP_REASON_QDISC_DROP);
	__skb_queue_tail(band, skb);
	qdisc_qstats_add(q, skb);
	return NET_XMIT_SUCCESS;
}

static struct sk_buff *pfifo_fast_dequeue(struct Qdisc *q)
{
	struct pfifo_fast_priv *priv = qdisc_priv(q);

	for (int band = 0; band < PFIFO_FAST_BANDS; band++) {
		struct sk_buff *skb = __skb_dequeue(&priv->q[band]);

		if (skb) {
			qdisc_qstats_sub(q, skb);
			qdisc_bstats_update(q, skb);
			return skb;
		}
	}
	return NULL;
}

/* pfifo_fast_dump() + iproute2 6.1 prio_print_opt(): "bands 3 priomap 1 2 2 ...". */
static void pfifo_fast_dump_opts(const struct Qdisc *q, FILE *f)
{
	(void)q;
	fprintf(f, "bands %u priomap", PFIFO_FAST_BANDS);
	for (int i = 0; i <= TC_PRIO_MAX; i++)
		fprintf(f, " %d", prio2band[i]);
}

const struct Qdisc_ops pfifo_fast_ops = {
	.id = "pfifo_fast",
	.static_flags = TCQ_F_CAN_BYPASS,
	.priv_size = sizeof(struct pfifo_fast_priv),
	.init = pfifo_fast_init,
	.enqueue = pfifo_fast_enqueue,
	.dequeue = pfifo_fast_dequeue,
	.dump_opts = pfifo_fast_dump_opts,
};
