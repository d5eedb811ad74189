/*
 * models/sched/sch_htb.c - the hierarchical token bucket: a tree of classes, each
 * with a rate bucket (what it is guaranteed) and a ceil bucket (what it may
 * reach by borrowing from its ancestors), leaves served by priority and, at
 * equal priority, by deficit round robin with a quantum.
 *
 * Kernel reference: net/sched/sch_htb.c (htb_classify, htb_enqueue,
 * htb_activate/deactivate(_prios), htb_class_mode, htb_change_class_mode,
 * htb_add_to_wait_tree, htb_charge_class, htb_do_events, htb_lookup_leaf,
 * htb_dequeue_tree, htb_dequeue, htb_change_class (quantum from r2q,
 * levels, mbuffer), htb_dump, htb_dump_class(_stats), htb_walk),
 * net/sched/sch_api.c (qdisc_class_hash_insert/_grow: the walk order of
 * `tc class show`); iproute2 tc/q_htb.c (htb_parse_opt, htb_parse_class_opt:
 * mtu 1600, burst = rate / HZ + mtu with HZ from /proc/net/psched, ceil =
 * rate; htb_print_opt, htb_print_xstats), tc/tc_core.c tc_calc_xmittime.
 *
 * Tokens are ns of transmission time, as in the kernel: tokens/ctokens fill
 * with the time since t_c up to buffer/cbuffer (and mbuffer = 60 s of
 * debt at most) and a sent packet costs l2t(len) at rate/ceil. A class's
 * mode is CAN_SEND while tokens >= 0, MAY_BORROW while only ctokens >= 0,
 * CANT_SEND otherwise (htb_hysteresis off, the default). Leaves with packets
 * are active at their prio; a CAN_SEND class is in the row of its level, a
 * MAY_BORROW one in its parent's feed, so htb_dequeue serves level 0 (own
 * rate) before level 1.. (borrowed), each level prio 0 first, DRR among the
 * classes of a row or feed (the deficit per level, quantum =
 * rate / r2q clamped to 1000..200000 unless given). The bytes are charged to
 * the leaf's and every ancestor's ceil and to the rate of the classes at or
 * above the level served (lends there, borrows below). The next mode change
 * of a waiting class is kept in a per-level wait queue; when nothing can be
 * sent, the watchdog is armed for the earliest one (5 s at most, as in the
 * kernel). Packets no filter or skb->priority classifies go to `default`;
 * with no such leaf (default 0) they go to the direct queue, sent at once,
 * unshaped (direct_packets_stat), up to direct_qlen (tx_queue_len) packets.
 *
 * The rb-trees (rows, feeds, the wait queues) are bitmaps over the classes
 * sorted by classid, which gives the same order; ties in a wait queue are
 * broken by insertion order as rb-tree insertion does.
 *
 * Keys (tc's): handle, default (hex minor, as tc reads it), r2q,
 * direct_qlen, classes (each classid, parent, rate (required), ceil, burst,
 * cburst, prio, quantum, qdisc), filters (models/sched/cls_u32.h).
 *
 * Simplified: no offload, no htb_hysteresis, no inner-class filters, no
 * overhead/mpu/linklayer, no rate estimator; the classes are fixed for the
 * run (no tc class change), at most 64.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "models/sched/cls_u32.h"
#include "models/sched/sch_generic.h"

#define TC_HTB_MAXDEPTH 8
#define TC_HTB_NUMPRIO	8
#define HTB_MAX_CLASSES 64
#define HTB_MTU		1600	      /* tc's default mtu */
#define HTB_PSCHED_HZ	1000000000ULL /* get_hz(): /proc/net/psched's 4th field */
#define HTB_RATE_MAX	1e15
#define HTB_WHAT	"qdisc 'htb'"
#define NSEC_PER_SEC	1000000000LL
#define HTB_NONE	(-1) /* a NULL rb_node pointer */

enum htb_cmode {
	HTB_CANT_SEND,	/* class can't send and can't borrow */
	HTB_MAY_BORROW, /* class can't send but may borrow */
	HTB_CAN_SEND	/* class can send */
};

/* One feed or row: the classes in it and the DRR pointer (struct htb_prio). */
struct htb_prio {
	uint64_t tree;	      /* the classes, a bit per index (sorted by classid) */
	int ptr;	      /* the current class, HTB_NONE for NULL */
	uint32_t last_ptr_id; /* classid to resume from when ptr was lost, 0 none */
};

struct htb_class {
	uint32_t classid;	  /* MAJ:min */
	int idx;		  /* index in htb_sched.cl[] */
	struct htb_class *parent; /* NULL for a root class */
	int level;		  /* 0 for a leaf, 7 for a root inner class */
	uint32_t nchildren;	  /* classes under this one */
	/* leaf */
	struct Qdisc *leaf_q;		  /* the leaf's qdisc, NULL for an inner class */
	int prio;			  /* 0 (first) .. 7 */
	int32_t quantum;		  /* bytes per DRR round */
	int32_t deficit[TC_HTB_MAXDEPTH]; /* bytes, per level served at */
	/* inner */
	struct htb_prio clprio[TC_HTB_NUMPRIO]; /* the feeds of MAY_BORROW children */
	/* state */
	int prio_activity;    /* bit per prio this class is active at */
	enum htb_cmode cmode; /* current mode */
	int64_t pq_key;	      /* ns: when the mode may change (wait queue) */
	uint64_t pq_seq;      /* insertion order in the wait queue */
	/* token buckets */
	struct psched_ratecfg rate; /* guaranteed rate */
	struct psched_ratecfg ceil; /* ceiling rate */
	int64_t buffer, cbuffer;    /* ns: bucket depths */
	int64_t mbuffer;	    /* ns: max debt / max elapsed (60 s) */
	int64_t tokens, ctokens;    /* ns of credit */
	int64_t t_c;		    /* ns: checkpoint */
	/* statistics (tc -s class) */
	uint64_t bytes, packets; /* Sent */
	uint64_t drops;		 /* dropped by the leaf qdisc */
	uint64_t overlimits;	 /* changes to CANT_SEND */
	uint32_t lends, borrows; /* htb xstats */
};

struct htb_level {
	struct htb_prio hprio[TC_HTB_NUMPRIO]; /* the self-feeding rows */
	uint64_t wait_pq;		       /* classes of this level waiting for a mode change */
};

struct htb_sched {
	struct htb_class cl[HTB_MAX_CLASSES];	  /* sorted by classid */
	uint32_t ncl;				  /* entries in cl[] */
	uint32_t dump_order[HTB_MAX_CLASSES];	  /* htb_walk's order (class hash) */
	struct htb_level hlevel[TC_HTB_MAXDEPTH]; /* rows and wait queues per level */
	int row_mask[TC_HTB_MAXDEPTH];		  /* prios with a non-empty row */
	int64_t near_ev_cache[TC_HTB_MAXDEPTH];	  /* ns: next event per level */
	uint64_t pq_seq;			  /* wait queue insertions */
	uint32_t defcls;			  /* minor of the default class */
	uint32_t rate2quantum;			  /* r2q */
	int64_t now;				  /* ns: cached dequeue time */
	struct sk_buff_head direct_queue;	  /* unclassified, unshaped */
	uint32_t direct_qlen;			  /* its limit, packets */
	uint64_t direct_pkts;			  /* direct_packets_stat */
	struct tcf_block block;			  /* the filters */
};

static int64_t htb_now_ns(const struct Qdisc *sch)
{
	return qdisc_now(sch) / SIM_NS;
}

static struct htb_class *htb_find(uint32_t handle, struct htb_sched *q)
{
	for (uint32_t i = 0; i < q->ncl; i++)
		if (q->cl[i].classid == handle)
			return &q->cl[i];
	return NULL;
}

/* ---- the id trees as bitmaps ---- */

static int tree_first(uint64_t tree)
{
	return tree ? __builtin_ctzll(tree) : HTB_NONE;
}

/* rb_next(): the next class in classid order, HTB_NONE past the last. */
static int tree_next(uint64_t tree, int idx)
{
	uint64_t above = idx >= 63 ? 0 : tree & ~((2ULL << idx) - 1);

	return tree_first(above);
}

static void htb_next_rb_node(const struct htb_prio *hp, int *ptr)
{
	(void)hp;
	*ptr = tree_next(hp->tree, *ptr);
}

/* htb_id_find_next_upper(): the first class with classid >= id. */
static int htb_id_find_next_upper(const struct htb_sched *q, uint64_t tree, uint32_t id)
{
	for (int i = tree_first(tree); i != HTB_NONE; i = tree_next(tree, i))
		if (q->cl[i].classid >= id)
			return i;
	return HTB_NONE;
}

/* ---- activation ---- */

/* htb_add_to_wait_tree(): the class changes mode in @delay ns. */
static void htb_add_to_wait_tree(struct htb_sched *q, struct htb_class *cl, int64_t delay)
{
	cl->pq_key = q->now + delay;
	if (cl->pq_key == q->now)
		cl->pq_key++;
	if (q->near_ev_cache[cl->level] > cl->pq_key)
		q->near_ev_cache[cl->level] = cl->pq_key;
	cl->pq_seq = ++q->pq_seq;
	q->hlevel[cl->level].wait_pq |= 1ULL << cl->idx;
}

static void htb_add_class_to_row(struct htb_sched *q, struct htb_class *cl, int mask)
{
	q->row_mask[cl->level] |= mask;
	for (int prio = 0; prio < TC_HTB_NUMPRIO; prio++)
		if (mask & 1 << prio)
			q->hlevel[cl->level].hprio[prio].tree |= 1ULL << cl->idx;
}

static void htb_remove_class_from_row(struct htb_sched *q, struct htb_class *cl, int mask)
{
	int m = 0;

	for (int prio = 0; prio < TC_HTB_NUMPRIO; prio++) {
		struct htb_prio *hp = &q->hlevel[cl->level].hprio[prio];

		if (!(mask & 1 << prio))
			continue;
		if (hp->ptr == cl->idx)
			htb_next_rb_node(hp, &hp->ptr);
		hp->tree &= ~(1ULL << cl->idx);
		if (!hp->tree)
			m |= 1 << prio;
	}
	q->row_mask[cl->level] &= ~m;
}

/* htb_activate_prios(): connect @cl to its ancestors' feeds and/or its row. */
static void htb_activate_prios(struct htb_sched *q, struct htb_class *cl)
{
	struct htb_class *p = cl->parent;
	int mask = cl->prio_activity;

	while (cl->cmode == HTB_MAY_BORROW && p && mask) {
		for (int prio = 0; prio < TC_HTB_NUMPRIO; prio++) {
			if (!(mask & 1 << prio))
				continue;
			if (p->clprio[prio].tree)
				mask &= ~(1 << prio); /* the parent's feed is already in use */
			p->clprio[prio].tree |= 1ULL << cl->idx;
		}
		p->prio_activity |= mask;
		cl = p;
		p = cl->parent;
	}
	if (cl->cmode == HTB_CAN_SEND && mask)
		htb_add_class_to_row(q, cl, mask);
}

static void htb_deactivate_prios(struct htb_sched *q, struct htb_class *cl)
{
	struct htb_class *p = cl->parent;
	int mask = cl->prio_activity;

	while (cl->cmode == HTB_MAY_BORROW && p && mask) {
		int m = mask;

		mask = 0;
		for (int prio = 0; prio < TC_HTB_NUMPRIO; prio++) {
			struct htb_prio *hp = &p->clprio[prio];

			if (!(m & 1 << prio))
				continue;
			if (hp->ptr == cl->idx) {
				hp->last_ptr_id = cl->classid;
				hp->ptr = HTB_NONE;
			}
			hp->tree &= ~(1ULL << cl->idx);
			if (!hp->tree)
				mask |= 1 << prio;
		}
		p->prio_activity &= ~mask;
		cl = p;
		p = cl->parent;
	}
	if (cl->cmode == HTB_CAN_SEND && mask)
		htb_remove_class_from_row(q, cl, mask);
}

/* htb_class_mode(): the mode at t_c + *diff; *diff becomes the wait for a change. */
static enum htb_cmode htb_class_mode(const struct htb_class *cl, int64_t *diff)
{
	int64_t toks = cl->ctokens + *diff;

	if (toks < 0) { /* htb_lowater() without hysteresis */
		*diff = -toks;
		return HTB_CANT_SEND;
	}
	toks = cl->tokens + *diff;
	if (toks >= 0) /* htb_hiwater() */
		return HTB_CAN_SEND;
	*diff = -toks;
	return HTB_MAY_BORROW;
}

static void htb_change_class_mode(struct Qdisc *sch, struct htb_sched *q, struct htb_class *cl,
				  int64_t *diff)
{
	enum htb_cmode new_mode = htb_class_mode(cl, diff);

	if (new_mode == cl->cmode)
		return;
	if (new_mode == HTB_CANT_SEND) {
		cl->overlimits++;
		sch->stats.overlimits++;
	}
	if (cl->prio_activity) { /* not necessary: speed optimization */
		if (cl->cmode != HTB_CANT_SEND)
			htb_deactivate_prios(q, cl);
		cl->cmode = new_mode;
		if (new_mode != HTB_CANT_SEND)
			htb_activate_prios(q, cl);
	} else {
		cl->cmode = new_mode;
	}
}

static void htb_activate(struct htb_sched *q, struct htb_class *cl)
{
	if (!cl->prio_activity) {
		cl->prio_activity = 1 << cl->prio;
		htb_activate_prios(q, cl);
	}
}

static void htb_deactivate(struct htb_sched *q, struct htb_class *cl)
{
	htb_deactivate_prios(q, cl);
	cl->prio_activity = 0;
}

/* ---- enqueue ---- */

#define HTB_DIRECT ((struct htb_class *)-1)

/* htb_classify(): a leaf, or HTB_DIRECT. */
static struct htb_class *htb_classify(const struct sk_buff *skb, struct Qdisc *sch)
{
	struct htb_sched *q = qdisc_priv(sch);
	struct htb_class *cl;
	uint32_t classid;

	if (skb->priority == sch->handle)
		return HTB_DIRECT; /* X:0 (direct flow) selected */
	cl = htb_find(skb->priority, q);
	if (cl && cl->level == 0)
		return cl;
	if (!cl) { /* inner classes have no filters here */
		classid = tcf_classify(&q->block, skb);
		if (classid == sch->handle)
			return HTB_DIRECT;
		cl = classid ? htb_find(classid, q) : NULL;
		if (cl && !cl->level)
			return cl;
	}
	cl = htb_find(sch->handle | q->defcls, q);
	if (!cl || cl->level)
		return HTB_DIRECT; /* bad default .. this is safe bet */
	return cl;
}

static int htb_enqueue(struct sk_buff *skb, struct Qdisc *sch, struct sk_buff **to_free)
{
	struct htb_sched *q = qdisc_priv(sch);
	struct htb_class *cl = htb_classify(skb, sch);
	uint64_t drops = sch->stats.drops;
	int ret;

	if (cl == HTB_DIRECT) {
		if (q->direct_queue.qlen >= q->direct_qlen)
			return qdisc_drop_reason(skb, sch, to_free, SKB_DROP_REASON_QDISC_DROP);
		__skb_queue_tail(&q->direct_queue, skb);
		q->direct_pkts++;
		qdisc_qstats_add(sch, skb);
		return NET_XMIT_SUCCESS;
	}
	ret = qdisc_enqueue_child(skb, cl->leaf_q, sch, to_free);
	cl->drops += sch->stats.drops - drops;
	if (cl->leaf_q->stats.qlen)
		htb_activate(q, cl);
	return ret;
}

/* ---- charging and events ---- */

static int64_t htb_min(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

static void htb_accnt_tokens(struct htb_class *cl, uint32_t bytes, int64_t diff)
{
	int64_t toks = htb_min(diff + cl->tokens, cl->buffer);

	toks -= psched_l2t_ns(&cl->rate, bytes);
	if (toks <= -cl->mbuffer)
		toks = 1 - cl->mbuffer;
	cl->tokens = toks;
}

static void htb_accnt_ctokens(struct htb_class *cl, uint32_t bytes, int64_t diff)
{
	int64_t toks = htb_min(diff + cl->ctokens, cl->cbuffer);

	toks -= psched_l2t_ns(&cl->ceil, bytes);
	if (toks <= -cl->mbuffer)
		toks = 1 - cl->mbuffer;
	cl->ctokens = toks;
}

/* htb_charge_class(): @bytes sent by leaf @cl served at @level. */
static void htb_charge_class(struct Qdisc *sch, struct htb_sched *q, struct htb_class *cl,
			     int level, const struct sk_buff *skb)
{
	while (cl) {
		int64_t diff = htb_min(q->now - cl->t_c, cl->mbuffer);
		enum htb_cmode old_mode;

		if (cl->level >= level) {
			if (cl->level == level)
				cl->lends++;
			htb_accnt_tokens(cl, skb->len, diff);
		} else {
			cl->borrows++;
			cl->tokens += diff; /* we moved t_c; update tokens */
		}
		htb_accnt_ctokens(cl, skb->len, diff);
		cl->t_c = q->now;
		old_mode = cl->cmode;
		diff = 0;
		htb_change_class_mode(sch, q, cl, &diff);
		if (old_mode != cl->cmode) {
			if (old_mode != HTB_CAN_SEND)
				q->hlevel[cl->level].wait_pq &= ~(1ULL << cl->idx);
			if (cl->cmode != HTB_CAN_SEND)
				htb_add_to_wait_tree(q, cl, diff);
		}
		if (cl->level) { /* leaves are counted at dequeue */
			cl->bytes += skb->len;
			cl->packets++;
		}
		cl = cl->parent;
	}
}

/* rb_first() of a wait queue: the smallest (pq_key, insertion). */
static struct htb_class *htb_wait_first(struct htb_sched *q, int level)
{
	uint64_t pq = q->hlevel[level].wait_pq;
	struct htb_class *best = NULL;

	for (int i = tree_first(pq); i != HTB_NONE; i = tree_next(pq, i)) {
		struct htb_class *cl = &q->cl[i];

		if (!best || cl->pq_key < best->pq_key ||
		    (cl->pq_key == best->pq_key && cl->pq_seq < best->pq_seq))
			best = cl;
	}
	return best;
}

/* htb_do_events(): apply the mode changes due at @level; the next one, 0 for none. */
static int64_t htb_do_events(struct Qdisc *sch, struct htb_sched *q, int level)
{
	for (;;) {
		struct htb_class *cl = htb_wait_first(q, level);
		int64_t diff;

		if (!cl)
			return 0;
		if (cl->pq_key > q->now)
			return cl->pq_key;
		q->hlevel[level].wait_pq &= ~(1ULL << cl->idx);
		diff = htb_min(q->now - cl->t_c, cl->mbuffer);
		htb_change_class_mode(sch, q, cl, &diff);
		if (cl->cmode != HTB_CAN_SEND)
			htb_add_to_wait_tree(q, cl, diff);
	}
}

/* ---- dequeue ---- */

struct htb_stk {
	const struct htb_prio *hp; /* the tree being walked */
	int *pptr;		   /* its pointer */
	uint32_t *pid;		   /* its last_ptr_id */
};

/* htb_lookup_leaf(): the leaf the DRR pointers of @hprio point to. */
static struct htb_class *htb_lookup_leaf(struct htb_sched *q, struct htb_prio *hprio, int prio)
{
	struct htb_stk stk[TC_HTB_MAXDEPTH], *sp = stk;

	sp->hp = hprio;
	sp->pptr = &hprio->ptr;
	sp->pid = &hprio->last_ptr_id;
	for (int i = 0; i < 65535; i++) {
		if (*sp->pptr == HTB_NONE && *sp->pid)
			*sp->pptr = htb_id_find_next_upper(q, sp->hp->tree, *sp->pid);
		*sp->pid = 0;
		if (*sp->pptr == HTB_NONE) { /* at the right end; rewind and go up */
			*sp->pptr = tree_first(sp->hp->tree);
			if (sp > stk) {
				sp--;
				if (*sp->pptr == HTB_NONE)
					return NULL;
				htb_next_rb_node(sp->hp, sp->pptr);
			}
		} else {
			struct htb_class *cl = &q->cl[*sp->pptr];
			struct htb_prio *clp;

			if (!cl->level)
				return cl;
			clp = &cl->clprio[prio];
			(++sp)->hp = clp;
			sp->pptr = &clp->ptr;
			sp->pid = &clp->last_ptr_id;
		}
	}
	return NULL;
}

/* The DRR pointer that moves on past @cl served at @level. */
static void htb_next_ptr(struct htb_sched *q, struct htb_class *cl, int prio, int level)
{
	struct htb_prio *hp = level ? &cl->parent->clprio[prio] : &q->hlevel[0].hprio[prio];

	htb_next_rb_node(hp, &hp->ptr);
}

static struct sk_buff *htb_dequeue_tree(struct Qdisc *sch, struct htb_sched *q, int prio, int level)
{
	struct htb_prio *hprio = &q->hlevel[level].hprio[prio];
	struct htb_class *cl, *start;
	struct sk_buff *skb = NULL;

	start = cl = htb_lookup_leaf(q, hprio, prio);
	do {
	next:
		if (!cl)
			return NULL;
		if (cl->leaf_q->stats.qlen == 0) {
			struct htb_class *nx;

			htb_deactivate(q, cl);
			if ((q->row_mask[level] & (1 << prio)) == 0)
				return NULL;
			nx = htb_lookup_leaf(q, hprio, prio);
			if (cl == start)
				start = nx;
			cl = nx;
			goto next;
		}
		skb = cl->leaf_q->ops->dequeue(cl->leaf_q);
		if (skb)
			break;
		/* a non-work-conserving leaf (netem, tbf) */
		htb_next_ptr(q, cl, prio, level);
		cl = htb_lookup_leaf(q, hprio, prio);
	} while (cl != start);

	if (skb) {
		cl->bytes += skb->len;
		cl->packets++;
		cl->deficit[level] -= (int32_t)skb->len;
		if (cl->deficit[level] < 0) {
			cl->deficit[level] += cl->quantum;
			htb_next_ptr(q, cl, prio, level);
		}
		if (!cl->leaf_q->stats.qlen)
			htb_deactivate(q, cl);
		htb_charge_class(sch, q, cl, level, skb);
	}
	return skb;
}

static struct sk_buff *htb_dequeue_ok(struct Qdisc *sch, struct sk_buff *skb)
{
	qdisc_qstats_sub(sch, skb);
	qdisc_bstats_update(sch, skb);
	return skb;
}

static struct sk_buff *htb_dequeue(struct Qdisc *sch)
{
	struct htb_sched *q = qdisc_priv(sch);
	struct sk_buff *skb = __skb_dequeue(&q->direct_queue);
	int64_t next_event;

	if (skb)
		return htb_dequeue_ok(sch, skb);
	if (!sch->stats.qlen)
		return NULL;
	q->now = htb_now_ns(sch);
	next_event = q->now + 5 * NSEC_PER_SEC;
	for (int level = 0; level < TC_HTB_MAXDEPTH; level++) {
		int64_t event = q->near_ev_cache[level];
		int m;

		if (q->now >= event) {
			event = htb_do_events(sch, q, level);
			if (!event)
				event = q->now + NSEC_PER_SEC;
			q->near_ev_cache[level] = event;
		}
		if (next_event > event)
			next_event = event;
		m = ~q->row_mask[level];
		while (m != -1) {
			int prio = __builtin_ctz((unsigned)~m); /* ffz(m) */

			m |= 1 << prio;
			skb = htb_dequeue_tree(sch, q, prio, level);
			if (skb)
				return htb_dequeue_ok(sch, skb);
		}
	}
	/* next_event <= now: the kernel's schedule_work, i.e. run again at once */
	qdisc_watchdog_schedule(sch, next_event * SIM_NS);
	return NULL;
}

/* ---- configuration ---- */

/* htb_parse_class_opt() + htb_change_class(): one class from the scenario. */
static int htb_class_rates(const struct Qdisc *sch, const struct htb_sched *q,
			   const struct cfg_node *c, struct htb_class *cl, struct sim_error *err)
{
	double rate, ceil;
	uint64_t burst, cburst, prio, quantum, rate64, ceil64;

	if (cfg_require(c, "rate", "htb class", err) ||
	    cfg_get_bitrate(c, "rate", &rate, 0, 8, HTB_RATE_MAX, err))
		return -1;
	rate64 = (uint64_t)(rate / 8);
	if (cfg_get_bitrate(c, "ceil", &ceil, rate, 8, HTB_RATE_MAX, err))
		return -1;
	ceil64 = (uint64_t)(ceil / 8);
	if (cfg_get_size(c, "burst", &burst, rate64 / HTB_PSCHED_HZ + HTB_MTU, 1, QDISC_SIZE_MAX,
			 err) ||
	    cfg_get_size(c, "cburst", &cburst, ceil64 / HTB_PSCHED_HZ + HTB_MTU, 1, QDISC_SIZE_MAX,
			 err) ||
	    cfg_get_u64(c, "prio", &prio, 0, 0, TC_HTB_NUMPRIO - 1, err) ||
	    cfg_get_u64(c, "quantum", &quantum, 0, 1, INT32_MAX, err))
		return -1;
	if (ceil64 < rate64)
		return cfg_error(cfg_get(c, "ceil"), err,
				 "'ceil' must be at least 'rate' (%s), got '%s'",
				 cfg_get(c, "rate")->str, cfg_get(c, "ceil")->str);
	(void)sch;
	psched_ratecfg_precompute(&cl->rate, rate64);
	psched_ratecfg_precompute(&cl->ceil, ceil64);
	cl->buffer = tc_calc_xmittime_ns(rate64, burst);
	cl->cbuffer = tc_calc_xmittime_ns(ceil64, cburst);
	cl->prio = (int)prio;
	if (quantum) {
		cl->quantum = (int32_t)quantum;
	} else {
		uint64_t qt = rate64 / q->rate2quantum;

		cl->quantum = qt < 1000 ? 1000 : qt > 200000 ? 200000 : (int32_t)qt;
	}
	return 0;
}

/* The classes, before sorting: parse order is the scenario's (tc's) order. */
struct htb_class_cfg {
	uint32_t classid;	     /* MAJ:min */
	uint32_t parentid;	     /* 0 for a root class */
	const struct cfg_node *node; /* the class's mapping */
};

static int htb_read_classes(struct Qdisc *sch, struct htb_sched *q, const struct cfg_node *seq,
			    struct htb_class_cfg *cc, struct sim_error *err)
{
	for (uint32_t i = 0; i < seq->n; i++) {
		const struct cfg_node *c = seq->items[i], *id, *par;

		if (cfg_node_map(c, "htb class", err) ||
		    cfg_require(c, "classid", "htb class", err))
			return -1;
		id = cfg_get(c, "classid");
		if (tc_parse_classid(id, "classid", &cc[i].classid, err))
			return -1;
		if (cc[i].classid >> 16 != sch->handle >> 16 || !(cc[i].classid & 0xffff))
			return cfg_error(id, err,
					 "'classid' must be a class of qdisc '%x:', got '%s'",
					 sch->handle >> 16, id->str);
		for (uint32_t j = 0; j < i; j++)
			if (cc[j].classid == cc[i].classid)
				return cfg_error(id, err, "class '%s' is given twice", id->str);
		cc[i].node = c;
		cc[i].parentid = 0;
		par = cfg_get(c, "parent");
		if (par && (tc_parse_classid(par, "parent", &cc[i].parentid, err)))
			return -1;
		if (par && cc[i].parentid == sch->handle)
			cc[i].parentid = 0; /* parent 1: is the root */
		if (par && cc[i].parentid) {
			uint32_t j;

			for (j = 0; j < i && cc[j].classid != cc[i].parentid; j++)
				;
			if (j == i)
				return cfg_error(par, err,
						 "'parent' must be a class listed before, got '%s'",
						 par->str);
		}
	}
	(void)q;
	return 0;
}

static int cmp_classid(const void *a, const void *b)
{
	const struct htb_class_cfg *x = a, *y = b;

	return x->classid < y->classid ? -1 : x->classid > y->classid;
}

/* Levels: a leaf is 0, an inner class one below its parent (a root one is 7). */
static int htb_set_levels(struct htb_sched *q, const struct cfg_node *seq, struct sim_error *err)
{
	for (uint32_t i = 0; i < q->ncl; i++) {
		struct htb_class *cl = &q->cl[i];
		int depth = 0;

		for (struct htb_class *p = cl; p->parent; p = p->parent)
			depth++;
		if (depth >= TC_HTB_MAXDEPTH - 1)
			return cfg_error(seq, err, "htb classes nest at most %d deep",
					 TC_HTB_MAXDEPTH - 1);
		cl->level = cl->nchildren ? TC_HTB_MAXDEPTH - 1 - depth : 0;
	}
	return 0;
}

/* qdisc_class_hash(): the bucket of @id. */
static uint32_t htb_class_hash(uint32_t id, uint32_t mask)
{
	id ^= id >> 8;
	id ^= id >> 4;
	return id & mask;
}

/*
 * htb_walk()'s order: the class hash starts with 4 buckets, doubles when
 * more than 3/4 full (qdisc_class_hash_grow rehashes bucket by bucket), and
 * each insertion goes to the head of its bucket.
 */
static void htb_dump_order(struct htb_sched *q, const uint32_t *ids, uint32_t n)
{
	uint32_t bucket[HTB_MAX_CLASSES * 2][HTB_MAX_CLASSES], len[HTB_MAX_CLASSES * 2] = { 0 };
	uint32_t size = 4, k = 0;

	for (uint32_t i = 0; i < n; i++) {
		uint32_t h = htb_class_hash(ids[i], size - 1);

		memmove(&bucket[h][1], &bucket[h][0], len[h] * sizeof(bucket[h][0]));
		bucket[h][0] = ids[i];
		len[h]++;
		if ((i + 1) * 4 > size * 3 && size * 2 <= HTB_MAX_CLASSES * 2) {
			uint32_t nb[HTB_MAX_CLASSES * 2][HTB_MAX_CLASSES],
				nl[HTB_MAX_CLASSES * 2] = { 0 };

			for (uint32_t b = 0; b < size; b++)
				for (uint32_t j = 0; j < len[b]; j++) {
					uint32_t nh = htb_class_hash(bucket[b][j], size * 2 - 1);

					memmove(&nb[nh][1], &nb[nh][0], nl[nh] * sizeof(nb[nh][0]));
					nb[nh][0] = bucket[b][j];
					nl[nh]++;
				}
			size *= 2;
			memcpy(bucket, nb, sizeof(nb));
			memcpy(len, nl, sizeof(nl));
		}
	}
	for (uint32_t b = 0; b < size; b++)
		for (uint32_t j = 0; j < len[b]; j++)
			q->dump_order[k++] = (uint32_t)(htb_find(bucket[b][j], q) - q->cl);
}

static int htb_build_classes(struct Qdisc *sch, struct htb_sched *q, const struct cfg_node *seq,
			     struct htb_class_cfg *cc, uint32_t *next, struct sim_error *err)
{
	int64_t now = htb_now_ns(sch);

	qsort(cc, seq->n, sizeof(cc[0]), cmp_classid);
	q->ncl = seq->n;
	for (uint32_t i = 0; i < q->ncl; i++) {
		struct htb_class *cl = &q->cl[i];

		cl->classid = cc[i].classid;
		cl->idx = (int)i;
		for (int p = 0; p < TC_HTB_NUMPRIO; p++)
			cl->clprio[p].ptr = HTB_NONE;
	}
	for (uint32_t i = 0; i < q->ncl; i++) {
		struct htb_class *cl = &q->cl[i];

		cl->parent = cc[i].parentid ? htb_find(cc[i].parentid, q) : NULL;
		if (cl->parent)
			cl->parent->nchildren++;
		if (htb_class_rates(sch, q, cc[i].node, cl, err))
			return -1;
		cl->tokens = cl->buffer;
		cl->ctokens = cl->cbuffer;
		cl->mbuffer = 60 * NSEC_PER_SEC;
		cl->t_c = now;
		cl->cmode = HTB_CAN_SEND;
	}
	if (htb_set_levels(q, seq, err))
		return -1;
	for (uint32_t i = 0; i < q->ncl; i++) {
		struct htb_class *cl = &q->cl[i];
		const struct cfg_node *qn = cfg_get(cc[i].node, "qdisc");

		if (cl->level && qn)
			return cfg_error(qn, err, "class '%x:%x' has classes under it: no 'qdisc'",
					 cl->classid >> 16, cl->classid & 0xffff);
		if (!cl->level) {
			cl->leaf_q = qdisc_create_child(sch, qn, cl->classid, next, err);
			if (!cl->leaf_q)
				return -1;
		}
		if (cfg_check_unknown(cc[i].node, "htb class", err))
			return -1;
	}
	return 0;
}

static int htb_parse_classes(struct Qdisc *sch, const struct cfg_node *opts, uint32_t *next,
			     struct sim_error *err)
{
	struct htb_sched *q = qdisc_priv(sch);
	struct htb_class_cfg cc[HTB_MAX_CLASSES];
	uint32_t ids[HTB_MAX_CLASSES];
	const struct cfg_node *seq;

	if (cfg_get_seq(opts, "classes", &seq, err))
		return -1;
	if (!seq)
		return 0;
	if (seq->n > HTB_MAX_CLASSES)
		return cfg_error(seq, err, "at most %d htb classes", HTB_MAX_CLASSES);
	if (htb_read_classes(sch, q, seq, cc, err))
		return -1;
	for (uint32_t i = 0; i < seq->n; i++)
		ids[i] = cc[i].classid; /* tc's order of `class add` */
	if (htb_build_classes(sch, q, seq, cc, next, err))
		return -1;
	htb_dump_order(q, ids, seq->n);
	return 0;
}

/* `default: 20` is a hex minor, as tc's get_u32(&defcls, *argv, 16). */
static int htb_parse_default(const struct cfg_node *opts, uint32_t *defcls, struct sim_error *err)
{
	const char *s;
	char *end;
	unsigned long v;

	if (cfg_get_str(opts, "default", &s, NULL, err))
		return -1;
	*defcls = 0;
	if (!s)
		return 0;
	v = strtoul(s, &end, 16);
	if (!*s || *end || v > 0xffff)
		return cfg_error(cfg_get(opts, "default"), err,
				 "'default' must be a class minor in hex like '20', got '%s'", s);
	*defcls = (uint32_t)v;
	return 0;
}

static int htb_init(struct Qdisc *sch, const struct cfg_node *opts, struct sim_error *err)
{
	struct htb_sched *q = qdisc_priv(sch);
	uint64_t r2q, dql;
	uint32_t next;

	skb_queue_head_init(&q->direct_queue);
	for (int l = 0; l < TC_HTB_MAXDEPTH; l++)
		for (int p = 0; p < TC_HTB_NUMPRIO; p++)
			q->hlevel[l].hprio[p].ptr = HTB_NONE;
	if (qdisc_parse_handle(sch, opts, &next, err) || htb_parse_default(opts, &q->defcls, err) ||
	    cfg_get_u64(opts, "r2q", &r2q, 10, 1, UINT32_MAX, err) ||
	    cfg_get_u64(opts, "direct_qlen", &dql, qdisc_dev_tx_queue_len(sch), 1, UINT32_MAX, err))
		return -1;
	q->rate2quantum = (uint32_t)r2q;
	q->direct_qlen = (uint32_t)dql;
	if (htb_parse_classes(sch, opts, &next, err) ||
	    tcf_block_parse(opts, sch->handle >> 16, &q->block, err) ||
	    cfg_check_unknown(opts, HTB_WHAT, err))
		return -1;
	sch->limit = q->direct_qlen;
	return 0;
}

static void htb_destroy(struct Qdisc *sch)
{
	struct htb_sched *q = qdisc_priv(sch);

	for (uint32_t i = 0; i < q->ncl; i++)
		qdisc_destroy(q->cl[i].leaf_q);
}

/* ---- tc -s qdisc / class show ---- */

/* htb_print_opt() of the qdisc: "r2q 10 default 0x20 direct_packets_stat 0 direct_qlen 1000". */
static void htb_dump_opts(const struct Qdisc *sch, FILE *f)
{
	const struct htb_sched *q = qdisc_priv(sch);

	fprintf(f,
		"r2q %" PRIu32 " default %#" PRIx32 " direct_packets_stat %" PRIu64
		" direct_qlen %" PRIu32,
		q->rate2quantum, q->defcls, q->direct_pkts, q->direct_qlen);
}

static void htb_dump_children(const struct Qdisc *sch, const char *devname, FILE *f)
{
	const struct htb_sched *q = qdisc_priv(sch);
	char parent[32], b[32];

	for (uint32_t i = 0; i < q->ncl; i++) {
		const struct Qdisc *leaf = q->cl[q->dump_order[i]].leaf_q;

		if (!leaf || !qdisc_visible(leaf))
			continue;
		snprintf(parent, sizeof(parent), "parent %s",
			 tc_sprint_classid(b, sizeof(b), leaf->parent_classid));
		qdisc_dump(leaf, devname, parent, f);
	}
}

/* PSCHED_NS2TICKS clamped to an int, as htb_dump_class_stats reports tokens. */
static int32_t htb_ticks(int64_t ns)
{
	int64_t t = ns >> PSCHED_SHIFT;

	return t > INT32_MAX ? INT32_MAX : t < INT32_MIN ? INT32_MIN : (int32_t)t;
}

static void htb_dump_one_class(const struct Qdisc *sch, const struct htb_class *cl, FILE *f)
{
	struct qdisc_stats s = { 0 };
	char b[64];

	fprintf(f, "class htb %s ", tc_sprint_classid(b, sizeof(b), cl->classid));
	if (cl->parent)
		fprintf(f, "parent %s ", tc_sprint_classid(b, sizeof(b), cl->parent->classid));
	else
		fprintf(f, "root ");
	if (cl->leaf_q && cl->leaf_q->handle)
		fprintf(f, "leaf %" PRIx32 ": ", cl->leaf_q->handle >> 16);
	if (!cl->level)
		fprintf(f, "prio %d ", cl->prio);
	fprintf(f, "rate %s ", tc_sprint_rate(b, sizeof(b), cl->rate.rate_bytes_ps));
	fprintf(f, "ceil %s ", tc_sprint_rate(b, sizeof(b), cl->ceil.rate_bytes_ps));
	fprintf(f, "burst %s ",
		tc_sprint_size(b, sizeof(b), tc_calc_xmitsize(cl->rate.rate_bytes_ps, cl->buffer)));
	fprintf(f, "cburst %s \n",
		tc_sprint_size(b, sizeof(b),
			       tc_calc_xmitsize(cl->ceil.rate_bytes_ps, cl->cbuffer)));
	s.bytes = cl->bytes;
	s.packets = cl->packets;
	s.drops = cl->drops;
	s.overlimits = cl->overlimits;
	if (cl->leaf_q) {
		s.qlen = cl->leaf_q->stats.qlen;
		s.backlog = cl->leaf_q->stats.backlog;
	}
	qdisc_dump_stats(&s, f);
	fprintf(f, " lended: %" PRIu32 " borrowed: %" PRIu32 " giants: 0\n", cl->lends,
		cl->borrows);
	fprintf(f, " tokens: %" PRId32 " ctokens: %" PRId32 "\n\n", htb_ticks(cl->tokens),
		htb_ticks(cl->ctokens));
	(void)sch;
}

static void htb_dump_class(const struct Qdisc *sch, const char *devname, FILE *f)
{
	const struct htb_sched *q = qdisc_priv(sch);

	for (uint32_t i = 0; i < q->ncl; i++)
		htb_dump_one_class(sch, &q->cl[q->dump_order[i]], f);
	for (uint32_t i = 0; i < q->ncl; i++)
		if (q->cl[q->dump_order[i]].leaf_q)
			qdisc_dump_classes(q->cl[q->dump_order[i]].leaf_q, devname, f);
}

const struct Qdisc_ops htb_ops = {
	.id = "htb",
	.priv_size = sizeof(struct htb_sched),
	.init = htb_init,
	.enqueue = htb_enqueue,
	.dequeue = htb_dequeue,
	.destroy = htb_destroy,
	.dump_opts = htb_dump_opts,
	.dump_children = htb_dump_children,
	.dump_class = htb_dump_class,
};
