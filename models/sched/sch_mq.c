/*
 * models/sched/sch_mq.c - mq: the root of a multi-queue device, one class per TX queue.
 *
 * Kernel reference: net/sched/sch_mq.c (mq_init, mq_attach, mq_destroy,
 * mq_dump, mq_graft, mq_leaf, mq_dump_class), net/sched/sch_generic.c
 * (attach_default_qdiscs: a multi-queue device gets mq), iproute2
 * tc/tc_qdisc.c.
 *
 * mq never queues: each TX queue's own qdisc (class :N, N = queue + 1) is
 * what dev_queue_xmit enqueues to and qdisc_run dequeues from
 * (dev->txq[i].qdisc). dev_activate (models/core/net_device.c) creates mq
 * with handle 0: and grafts one child per queue: the configured `qdisc:`
 * (handle 8001+i:) or the default. mq's counters are the sums of its
 * children's, taken when dumped (mq_dump), printed as tc prints mq.
 *
 * Simplified: the children are grafted once at setup (no `tc qdisc replace
 * parent :N` later); `tc -s class show` shows the children's classes, not
 * mq's own ":N" classes.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>

#include "models/core/netdevice.h"
#include "models/sched/sch_generic.h"

struct mq_sched {
	struct Qdisc **qdiscs; /* [n] the TX queues' qdiscs, NULL until grafted */
	uint32_t n;	       /* classes: the device's TX queues */
};

/* mq_init: a class per TX queue of a multi-queue device. */
static int mq_init(struct Qdisc *q, const struct cfg_node *opts, struct sim_error *err)
{
	struct mq_sched *m = qdisc_priv(q);

	(void)opts;
	if (!q->dev || q->dev->ntxq < 2)
		return sim_error_set(err, "qdisc 'mq' needs a multi-queue device");
	m->n = q->dev->ntxq;
	m->qdiscs = calloc(m->n, sizeof(*m->qdiscs));
	return m->qdiscs ? 0 : sim_error_set(err, "out of memory");
}

static void mq_destroy(struct Qdisc *q)
{
	struct mq_sched *m = qdisc_priv(q);

	for (uint32_t i = 0; m->qdiscs && i < m->n; i++)
		qdisc_destroy(m->qdiscs[i]);
	free(m->qdiscs);
}

static int mq_graft(struct Qdisc *q, uint32_t cl, struct Qdisc *child)
{
	struct mq_sched *m = qdisc_priv(q);

	if (cl < 1 || cl > m->n)
		return -1;
	m->qdiscs[cl - 1] = child;
	return 0;
}

static struct Qdisc *mq_leaf(const struct Qdisc *q, uint32_t cl)
{
	const struct mq_sched *m = qdisc_priv(q);

	return cl >= 1 && cl <= m->n ? m->qdiscs[cl - 1] : NULL;
}

/* mq_dump: the children's counters summed, then each child as "parent :N". */
static void mq_dump(const struct Qdisc *q, const char *devname, const char *parent, FILE *f)
{
	const struct mq_sched *m = qdisc_priv(q);
	struct qdisc_stats sum = { 0 };
	char child_parent[32];

	for (uint32_t i = 0; i < m->n; i++) {
		const struct qdisc_stats *s = &m->qdiscs[i]->stats;

		sum.bytes += s->bytes;
		sum.packets += s->packets;
		sum.drops += s->drops;
		sum.overlimits += s->overlimits;
		sum.requeues += s->requeues;
		sum.backlog += s->backlog;
		sum.qlen += s->qlen;
	}
	fprintf(f, "qdisc mq %" PRIx32 ": dev %s %s \n", q->handle >> 16, devname, parent);
	fprintf(f,
		" Sent %" PRIu64 " bytes %" PRIu64 " pkt (dropped %" PRIu64 ", overlimits %" PRIu64
		" requeues %" PRIu64 ") \n",
		sum.bytes, sum.packets, sum.drops, sum.overlimits, sum.requeues);
	fprintf(f, " backlog %" PRIu64 "b %" PRIu32 "p requeues %" PRIu64 "\n", sum.backlog,
		sum.qlen, sum.requeues);
	for (uint32_t i = 0; i < m->n; i++) {
		snprintf(child_parent, sizeof(child_parent), "parent :%" PRIx32, i + 1);
		qdisc_dump(m->qdiscs[i], devname, child_parent, f);
	}
}

/* The classes of the children (each TX queue's classful qdisc), in queue order. */
static void mq_dump_class(const struct Qdisc *q, const char *devname, FILE *f)
{
	const struct mq_sched *m = qdisc_priv(q);

	for (uint32_t i = 0; i < m->n; i++)
		qdisc_dump_classes(m->qdiscs[i], devname, f);
}

static const struct Qdisc_class_ops mq_class_ops = {
	.graft = mq_graft,
	.leaf = mq_leaf,
};

const struct Qdisc_ops mq_qdisc_ops = {
	.id = "mq",
	.cl_ops = &mq_class_ops,
	.priv_size = sizeof(struct mq_sched),
	.init = mq_init,
	.destroy = mq_destroy,
	.dump = mq_dump,
	.dump_class = mq_dump_class,
};
