/*
 * models/sched/sch_fifo.c - the simplest FIFO disciplines: pfifo (a limit in
 * packets) and bfifo (a limit in bytes).
 *
 * Kernel reference: net/sched/sch_fifo.c (pfifo_enqueue, bfifo_enqueue,
 * __fifo_init, fifo_dump) and include/net/sch_generic.h
 * (qdisc_enqueue_tail, qdisc_dequeue_head); iproute2 tc/q_fifo.c
 * fifo_print_limit ("limit 1000p", "limit 1514000b", no trailing space).
 *
 * Tail drop: a packet that does not fit is dropped (qdisc_drop,
 * NET_XMIT_DROP) and the queue is left as it was. Without options the limit
 * is dev->tx_queue_len packets (pfifo) or tx_queue_len * psched_mtu bytes
 * (bfifo), as __fifo_init does.
 *
 * Simplified: no pfifo_head_drop; the `limit` key replaces the netlink
 * option.
 */
#include <inttypes.h>
#include <stdint.h>

#include "models/sched/sch_generic.h"

struct fifo_priv {
	struct sk_buff_head q; /* the queue, oldest first */
};

static int fifo_init(struct Qdisc *q, const struct cfg_node *opts, bool bytes,
		     struct sim_error *err)
{
	struct fifo_priv *priv = qdisc_priv(q);
	uint64_t def = qdisc_dev_tx_queue_len(q), limit;
	int rc;

	if (bytes)
		rc = cfg_get_size(opts, "limit", &limit, def * qdisc_psched_mtu(q), 1,
				  QDISC_SIZE_MAX, err);
	else
		rc = cfg_get_u64(opts, "limit", &limit, def, 1, UINT32_MAX, err);
	if (rc)
		return -1;
	if (cfg_check_unknown(opts, bytes ? "qdisc 'bfifo'" : "qdisc 'pfifo'", err))
		return -1;
	q->limit = (uint32_t)limit;
	skb_queue_head_init(&priv->q);
	return 0;
}

static int pfifo_init(struct Qdisc *q, const struct cfg_node *opts, struct sim_error *err)
{
	return fifo_init(q, opts, false, err);
}

static int bfifo_init(struct Qdisc *q, const struct cfg_node *opts, struct sim_error *err)
{
	return fifo_init(q, opts, true, err);
}

/* qdisc_enqueue_tail(). */
static int fifo_enqueue_tail(struct sk_buff *skb, struct Qdisc *q)
{
	struct fifo_priv *priv = qdisc_priv(q);

	__skb_queue_tail(&priv->q, skb);
	qdisc_qstats_add(q, skb);
	return NET_XMIT_SUCCESS;
}

static int pfifo_enqueue(struct sk_buff *skb, struct Qdisc *q, struct sk_buff **to_free)
{
	if (q->stats.qlen < q->limit)
		return fifo_enqueue_tail(skb, q);
	return qdisc_drop_reason(skb, q, to_free, SKB_DROP_REASON_QDISC_DROP);
}

static int bfifo_enqueue(struct sk_buff *skb, struct Qdisc *q, struct sk_buff **to_free)
{
	if (q->stats.backlog + skb->len <= q->limit)
		return fifo_enqueue_tail(skb, q);
	return qdisc_drop_reason(skb, q, to_free, SKB_DROP_REASON_QDISC_DROP);
}

/* qdisc_dequeue_head(). */
static struct sk_buff *fifo_dequeue(struct Qdisc *q)
{
	struct fifo_priv *priv = qdisc_priv(q);
	struct sk_buff *skb = __skb_dequeue(&priv->q);

	if (skb) {
		qdisc_qstats_sub(q, skb);
		qdisc_bstats_update(q, skb);
	}
	return skb;
}

static void pfifo_dump_opts(const struct Qdisc *q, FILE *f)
{
	fprintf(f, "limit %" PRIu32 "p", q->limit);
}

static void bfifo_dump_opts(const struct Qdisc *q, FILE *f)
{
	char b[64];

	fprintf(f, "limit %s", tc_sprint_size(b, sizeof(b), q->limit));
}

const struct Qdisc_ops pfifo_ops = {
	.id = "pfifo",
	.static_flags = TCQ_F_CAN_BYPASS,
	.priv_size = sizeof(struct fifo_priv),
	.init = pfifo_init,
	.enqueue = pfifo_enqueue,
	.dequeue = fifo_dequeue,
	.dump_opts = pfifo_dump_opts,
};

const struct Qdisc_ops bfifo_ops = {
	.id = "bfifo",
	.static_flags = TCQ_F_CAN_BYPASS,
	.priv_size = sizeof(struct fifo_priv),
	.init = bfifo_init,
	.enqueue = bfifo_enqueue,
	.dequeue = fifo_dequeue,
	.dump_opts = bfifo_dump_opts,
};
