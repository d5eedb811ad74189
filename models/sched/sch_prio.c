/*
 * models/sched/sch_prio.c - the prio discipline: N bands, each a child qdisc,
 * always dequeued lowest band first.
 *
 * Kernel reference: net/sched/sch_prio.c (prio_classify, prio_enqueue,
 * prio_dequeue, prio_tune, prio_dump, prio_dump_class,
 * prio_dump_class_stats); iproute2 tc/q_prio.c (prio_parse_opt,
 * prio_print_opt), tc/tc_class.c print_class.
 *
 * Classification (prio_classify): an skb whose skb->priority has the
 * qdisc's major ("1:2" set through SO_PRIORITY) goes to band minor - 1;
 * otherwise the filters (models/sched/cls_u32.h) choose a class 1:N, and with no
 * filter matching, priomap[skb->priority & TC_PRIO_MAX] picks the band
 * (band 0's priomap entry for a priority with a major). A class past the
 * bands goes to priomap[0]'s band. Each band's child is a pfifo of
 * tx_queue_len packets unless the scenario gives the class a `qdisc:`.
 *
 * Keys: bands (2..16, default 3), priomap (16 band numbers, default
 * 1 2 2 2 1 2 0 0 1 1 1 1 1 1 1 1), handle, classes (each {classid, qdisc}),
 * filters.
 *
 * Simplified: no multiqueue option; `tc -s class` shows no "leaf" for the
 * default (handle 0:) children, as the kernel does.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "models/sched/cls_u32.h"
#include "models/sched/sch_generic.h"

#define TCQ_PRIO_BANDS 16
#define TC_PRIO_MAX    15
#define PRIO_WHAT      "qdisc 'prio'"

static const uint8_t prio_default_priomap[TC_PRIO_MAX + 1] = { 1, 2, 2, 2, 1, 2, 0, 0,
							       1, 1, 1, 1, 1, 1, 1, 1 };

struct prio_sched_data {
	uint32_t bands;			      /* bands in use */
	uint8_t prio2band[TC_PRIO_MAX + 1];   /* priomap */
	struct Qdisc *queues[TCQ_PRIO_BANDS]; /* band i = class MAJ:i+1 */
	struct tcf_block block;		      /* the filters */
};

/* prio_classify(): the child for @skb. */
static struct Qdisc *prio_classify(const struct sk_buff *skb, const struct Qdisc *sch)
{
	const struct prio_sched_data *q = qdisc_priv(sch);
	uint32_t band = skb->priority;

	if (band >> 16 != sch->handle >> 16) {
		uint32_t classid = tcf_classify(&q->block, skb);

		if (!classid) {
			if (band >> 16)
				band = 0;
			return q->queues[q->prio2band[band & TC_PRIO_MAX]];
		}
		band = classid;
	}
	band = (band & 0xffff) - 1;
	if (band >= q->bands)
		return q->queues[q->prio2band[0]];
	return q->queues[band];
}

static int prio_enqueue(struct sk_buff *skb, struct Qdisc *sch, struct sk_buff **to_free)
{
	return qdisc_enqueue_child(skb, prio_classify(skb, sch), sch, to_free);
}

static struct sk_buff *prio_dequeue(struct Qdisc *sch)
{
	struct prio_sched_data *q = qdisc_priv(sch);

	for (uint32_t prio = 0; prio < q->bands; prio++) {
		struct Qdisc *child = q->queues[prio];
		struct sk_buff *skb = child->stats.qlen ? child->ops->dequeue(child) : NULL;

		if (skb) {
			qdisc_qstats_sub(sch, skb);
			qdisc_bstats_update(sch, skb);
			return skb;
		}
	}
	return NULL;
}

/* ---- configuration ---- */

static int prio_parse_priomap(const struct cfg_node *opts, struct prio_sched_data *q,
			      struct sim_error *err)
{
	const struct cfg_node *seq;
	uint64_t v;

	if (cfg_get_seq(opts, "priomap", &seq, err))
		return -1;
	if (!seq)
		return 0;
	if (seq->n != TC_PRIO_MAX + 1)
		return cfg_error(seq, err, "'priomap' must list 16 bands, got %" PRIu32, seq->n);
	for (uint32_t i = 0; i < seq->n; i++) {
		if (cfg_node_u64(seq->items[i], "priomap", &v, 0, q->bands - 1, err))
			return -1;
		q->prio2band[i] = (uint8_t)v;
	}
	return 0;
}

/* The `classes:` list: the child qdisc of some bands. */
static int prio_parse_classes(struct Qdisc *sch, const struct cfg_node *opts, uint32_t *next,
			      struct sim_error *err)
{
	struct prio_sched_data *q = qdisc_priv(sch);
	const struct cfg_node *seq, *c, *id;
	uint32_t classid;

	if (cfg_get_seq(opts, "classes", &seq, err))
		return -1;
	for (uint32_t i = 0; seq && i < seq->n; i++) {
		c = seq->items[i];
		if (cfg_node_map(c, "class", err) || cfg_require(c, "classid", "class", err))
			return -1;
		id = cfg_get(c, "classid");
		if (tc_parse_classid(id, "classid", &classid, err))
			return -1;
		if (classid >> 16 != sch->handle >> 16 || !(classid & 0xffff) ||
		    (classid & 0xffff) > q->bands)
			return cfg_error(
				id, err,
				"'classid' must be a band of qdisc '%x:' (%x:1 to %x:%x), got '%s'",
				sch->handle >> 16, sch->handle >> 16, sch->handle >> 16, q->bands,
				id->str);
		if (q->queues[(classid & 0xffff) - 1])
			return cfg_error(id, err, "class '%s' is given twice", id->str);
		q->queues[(classid & 0xffff) - 1] =
			qdisc_create_child(sch, cfg_get(c, "qdisc"), classid, next, err);
		if (!q->queues[(classid & 0xffff) - 1] || cfg_check_unknown(c, "class", err))
			return -1;
	}
	return 0;
}

static int prio_init(struct Qdisc *sch, const struct cfg_node *opts, struct sim_error *err)
{
	struct prio_sched_data *q = qdisc_priv(sch);
	uint32_t next;
	uint64_t bands;

	memcpy(q->prio2band, prio_default_priomap, sizeof(q->prio2band));
	if (qdisc_parse_handle(sch, opts, &next, err) ||
	    cfg_get_u64(opts, "bands", &bands, 3, 2, TCQ_PRIO_BANDS, err))
		return -1;
	q->bands = (uint32_t)bands;
	if (prio_parse_priomap(opts, q, err) || prio_parse_classes(sch, opts, &next, err) ||
	    tcf_block_parse(opts, sch->handle >> 16, &q->block, err) ||
	    cfg_check_unknown(opts, PRIO_WHAT, err))
		return -1;
	for (uint32_t i = 0; i < q->bands; i++) {
		if (q->queues[i])
			continue;
		q->queues[i] = qdisc_create_child(sch, NULL, sch->handle | (i + 1), &next, err);
		if (!q->queues[i])
			return -1;
	}
	sch->limit = 0;
	for (uint32_t i = 0; i < q->bands; i++)
		sch->limit += q->queues[i]->limit;
	return 0;
}

static void prio_destroy(struct Qdisc *sch)
{
	struct prio_sched_data *q = qdisc_priv(sch);

	for (uint32_t i = 0; i < TCQ_PRIO_BANDS; i++)
		qdisc_destroy(q->queues[i]);
}

/* ---- tc -s qdisc / class show ---- */

/* iproute2 6.1 prio_print_opt(): "bands 3 priomap 1 2 2 2 1 2 0 0 1 1 1 1 1 1 1 1". */
static void prio_dump_opts(const struct Qdisc *sch, FILE *f)
{
	const struct prio_sched_data *q = qdisc_priv(sch);

	fprintf(f, "bands %" PRIu32 " priomap", q->bands);
	for (int i = 0; i <= TC_PRIO_MAX; i++)
		fprintf(f, " %d", q->prio2band[i]);
}

static void prio_dump_children(const struct Qdisc *sch, const char *devname, FILE *f)
{
	const struct prio_sched_data *q = qdisc_priv(sch);
	char parent[32], b[32];

	for (uint32_t i = 0; i < q->bands; i++) {
		if (!qdisc_visible(q->queues[i]))
			continue;
		snprintf(parent, sizeof(parent), "parent %s",
			 tc_sprint_classid(b, sizeof(b), q->queues[i]->parent_classid));
		qdisc_dump(q->queues[i], devname, parent, f);
	}
}

/* print_class() of prio_dump_class + prio_dump_class_stats: the band's child's counters. */
static void prio_dump_class(const struct Qdisc *sch, const char *devname, FILE *f)
{
	const struct prio_sched_data *q = qdisc_priv(sch);
	char b[32];

	(void)devname;
	for (uint32_t i = 0; i < q->bands; i++) {
		const struct Qdisc *child = q->queues[i];

		fprintf(f, "class prio %s parent %" PRIx32 ": ",
			tc_sprint_classid(b, sizeof(b), child->parent_classid), sch->handle >> 16);
		if (child->handle)
			fprintf(f, "leaf %" PRIx32 ": ", child->handle >> 16);
		fputc('\n', f);
		qdisc_dump_stats(&child->stats, f);
	}
	for (uint32_t i = 0; i < q->bands; i++)
		qdisc_dump_classes(q->queues[i], devname, f);
}

const struct Qdisc_ops prio_ops = {
	.id = "prio",
	.priv_size = sizeof(struct prio_sched_data),
	.init = prio_init,
	.enqueue = prio_enqueue,
	.dequeue = prio_dequeue,
	.destroy = prio_destroy,
	.dump_opts = prio_dump_opts,
	.dump_children = prio_dump_children,
	.dump_class = prio_dump_class,
};
