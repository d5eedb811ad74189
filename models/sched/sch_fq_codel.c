/*
 * models/sched/sch_fq_codel.c - Fair Queue CoDel: flows served by deficit round
 * robin, each flow a CoDel-managed FIFO.
 *
 * Kernel reference: net/sched/sch_fq_codel.c (fq_codel_classify,
 * fq_codel_hash, fq_codel_enqueue, fq_codel_drop, __fq_codel_dequeue,
 * dequeue_func, drop_func, fq_codel_init, fq_codel_change, fq_codel_dump,
 * fq_codel_dump_stats), include/net/codel.h (codel_time_t, struct
 * codel_params/vars/stats), include/net/codel_impl.h (codel_Newton_step,
 * codel_control_law, codel_should_drop, codel_dequeue), include/net/
 * inet_ecn.h (IP_ECN_set_ce); iproute2 tc/q_fq_codel.c fq_codel_print_opt
 * and fq_codel_print_xstats. Kernel-facts §9.
 *
 * Enqueue: the skb goes to the tail of flow reciprocal_scale(hash, flows)
 * (or the flow named by skb->priority when its major is this qdisc's handle,
 * as fq_codel_classify does), stamped with the CoDel clock in t_qdisc; an
 * idle flow joins new_flows with a quantum of credit. When qlen passes
 * `limit` or the summed truesize passes `memory_limit`, fq_codel_drop()
 * head-drops from the flow with the largest byte backlog until half of it
 * is gone or drop_batch packets are (QDISC_OVERLIMIT); the return is
 * NET_XMIT_CN when that flow is the new packet's own.
 * Dequeue: DRR over new_flows, then old_flows; a flow without credit gets a
 * quantum more and moves to the tail of old_flows; an empty new flow moves to
 * old_flows once (anti-starvation), an empty old flow leaves the lists. Each
 * flow runs CoDel at dequeue: after the sojourn time has stayed above
 * `target` for `interval` (and more than an MTU is queued) it drops
 * (QDISC_CONGESTED) or, for ECT packets with `ecn`, marks CE, then again at
 * interval / sqrt(count) spacing by the kernel's fixed-point Newton step.
 *
 * CoDel time is the kernel's: nanoseconds >> 10 in a wrapping u32, so target
 * and interval take the tc round trip (microseconds, then * 1000 >> 10).
 *
 * Simplified: no tc filters (classification is the hash or skb->priority);
 * an skb without a hash gets a flow hash of its 5-tuple computed here (not
 * jhash over flow_keys, and not stored back in skb->hash); every skb is
 * IPv4, so ECN marking only sets the TOS bits; no ce_threshold_selector/mask;
 * no CODEL_MAX_DROPS_PER_DEQUEUE cap (newest kernels); no fq_codel_change
 * at run time; TCQ_F_CAN_BYPASS is the device layer's business.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>

#include "models/world.h"
#include "models/sched/sch_generic.h"

/* ---- CoDel (include/net/codel.h, codel_impl.h) ---- */

typedef uint32_t codel_time_t; /* ns >> CODEL_SHIFT, wrapping */

#define CODEL_SHIFT		 10
#define CODEL_DISABLED_THRESHOLD INT32_MAX
#define REC_INV_SQRT_BITS	 16
#define REC_INV_SQRT_SHIFT	 (32 - REC_INV_SQRT_BITS)
#define FQ_CODEL_QUANTUM_MAX	 (1 << 20)
#define INET_ECN_MASK		 3
#define INET_ECN_CE		 3

struct codel_params {
	codel_time_t target;	   /* 1024 ns units: acceptable standing sojourn time */
	codel_time_t ce_threshold; /* 1024 ns units: CE-mark above this sojourn time */
	codel_time_t interval;	   /* 1024 ns units: width of the moving window */
	uint32_t mtu;		   /* bytes: no drop while at most this much is queued */
	bool ecn;		   /* mark ECT packets instead of dropping them */
};

struct codel_vars {
	uint32_t count;		       /* drops since entering the dropping state */
	uint32_t lastcount;	       /* count when the dropping state was entered */
	bool dropping;		       /* in the dropping state */
	uint16_t rec_inv_sqrt;	       /* Q0.16: 1 / sqrt(count) */
	codel_time_t first_above_time; /* 1024 ns units: above target until then: drop */
	codel_time_t drop_next;	       /* 1024 ns units: time of the next drop */
	codel_time_t ldelay;	       /* 1024 ns units: sojourn time of the last packet */
};

struct codel_stats {
	uint32_t maxpacket;  /* bytes: largest packet seen */
	uint32_t drop_count; /* packets dropped during one dequeue */
	uint32_t drop_len;   /* bytes dropped during one dequeue */
	uint32_t ecn_mark;   /* packets CE-marked instead of dropped */
	uint32_t ce_mark;    /* packets CE-marked above ce_threshold */
};

static bool codel_time_after(codel_time_t a, codel_time_t b)
{
	return (int32_t)(a - b) > 0;
}

static bool codel_time_after_eq(codel_time_t a, codel_time_t b)
{
	return (int32_t)(a - b) >= 0;
}

static bool codel_time_before(codel_time_t a, codel_time_t b)
{
	return codel_time_after(b, a);
}

static codel_time_t codel_time(sim_time_t t)
{
	return (codel_time_t)((uint64_t)(t / SIM_NS) >> CODEL_SHIFT);
}

static uint32_t codel_time_to_us(codel_time_t val)
{
	return (uint32_t)(((uint64_t)val << CODEL_SHIFT) / 1000);
}

/* fq_codel_change(): tc passes microseconds, the kernel keeps ns >> 10. */
static codel_time_t codel_us_to_time(uint64_t us)
{
	return (codel_time_t)((us * 1000) >> CODEL_SHIFT);
}

static uint32_t reciprocal_scale(uint32_t val, uint32_t ep_ro)
{
	return (uint32_t)(((uint64_t)val * ep_ro) >> 32);
}

/* new_invsqrt = (invsqrt / 2) * (3 - count * invsqrt^2), in Q0.32. */
static void codel_Newton_step(struct codel_vars *vars)
{
	uint32_t invsqrt = (uint32_t)vars->rec_inv_sqrt << REC_INV_SQRT_SHIFT;
	uint32_t invsqrt2 = (uint32_t)(((uint64_t)invsqrt * invsqrt) >> 32);
	uint64_t val = (3ULL << 32) - ((uint64_t)vars->count * invsqrt2);

	val >>= 2; /* avoid overflow in the following multiply */
	val = (val * invsqrt) >> (32 - 2 + 1);
	vars->rec_inv_sqrt = (uint16_t)(val >> REC_INV_SQRT_SHIFT);
}

/* t + interval / sqrt(count). */
static codel_time_t codel_control_law(codel_time_t t, codel_time_t interval, uint32_t rec_inv_sqrt)
{
	return t + reciprocal_scale(interval, rec_inv_sqrt << REC_INV_SQRT_SHIFT);
}

/* IP_ECN_set_ce(): ECT(0), ECT(1) become CE; CE stays; Not-ECT cannot be marked. */
static bool inet_ecn_set_ce(struct sk_buff *skb)
{
	uint32_t ecn = (skb->tos + 1u) & INET_ECN_MASK;

	if (!(ecn & 2))
		return !ecn;
	skb->tos |= INET_ECN_CE;
	return true;
}

/* ---- fq_codel state ---- */

struct list_head {
	struct list_head *next, *prev; /* circular, the head is a sentinel */
};

struct fq_codel_flow {
	struct sk_buff *head;	    /* oldest packet, linked by skb->next */
	struct sk_buff *tail;	    /* newest packet */
	struct list_head flowchain; /* link in new_flows or old_flows, self when in neither */
	int32_t deficit;	    /* bytes of DRR credit */
	struct codel_vars cvars;    /* this flow's CoDel state */
};

struct fq_codel_sched_data {
	struct fq_codel_flow *flows; /* [flows_cnt] */
	uint32_t *backlogs;	     /* [flows_cnt] bytes queued per flow */
	uint32_t flows_cnt;	     /* flows (hash buckets) */
	uint32_t quantum;	     /* bytes of credit per round */
	uint32_t drop_batch_size;    /* packets: most head drops per overflow */
	uint32_t memory_limit;	     /* bytes of truesize */
	struct codel_params cparams; /* shared by every flow */
	struct codel_stats cstats;   /* summed over flows */
	uint32_t memory_usage;	     /* bytes of truesize queued */
	uint32_t drop_overmemory;    /* packets dropped while over memory_limit */
	uint32_t drop_overlimit;     /* packets dropped by fq_codel_drop */
	uint32_t new_flow_count;     /* times a flow joined new_flows */
	struct list_head new_flows;  /* flows that just became active */
	struct list_head old_flows;  /* the rest of the active flows */
};

static void INIT_LIST_HEAD(struct list_head *l)
{
	l->next = l;
	l->prev = l;
}

static bool list_empty(const struct list_head *head)
{
	return head->next == head;
}

static void list_add_tail(struct list_head *entry, struct list_head *head)
{
	entry->prev = head->prev;
	entry->next = head;
	head->prev->next = entry;
	head->prev = entry;
}

static void __list_del_entry(struct list_head *entry)
{
	entry->prev->next = entry->next;
	entry->next->prev = entry->prev;
}

static void list_del_init(struct list_head *entry)
{
	__list_del_entry(entry);
	INIT_LIST_HEAD(entry);
}

static void list_move_tail(struct list_head *entry, struct list_head *head)
{
	__list_del_entry(entry);
	list_add_tail(entry, head);
}

static uint32_t list_count(const struct list_head *head)
{
	uint32_t n = 0;

	for (const struct list_head *p = head->next; p != head; p = p->next)
		n++;
	return n;
}

static struct fq_codel_flow *list_first_flow(const struct list_head *head)
{
	return container_of(head->next, struct fq_codel_flow, flowchain);
}

/* ---- classification ---- */

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* skb_get_hash(): the skb's hash, else a flow hash of its 5-tuple (never 0). */
static uint32_t skb_get_hash(const struct Qdisc *sch, const struct sk_buff *skb)
{
	uint64_t h;
	uint32_t hash;

	if (skb->hash)
		return skb->hash;
	h = mix64(sch->w->seed ^ ((uint64_t)skb->saddr << 32 | skb->daddr));
	h = mix64(h ^ ((uint64_t)skb->sport << 24 | (uint64_t)skb->dport << 8 | skb->protocol));
	hash = (uint32_t)(h >> 32);
	return hash ? hash : 1;
}

/* fq_codel_classify() without filters: 0-based flow index. */
static uint32_t fq_codel_classify(const struct Qdisc *sch, const struct sk_buff *skb)
{
	const struct fq_codel_sched_data *q = qdisc_priv(sch);
	uint32_t minor = skb->priority & 0xffff;

	if ((skb->priority & 0xffff0000u) == sch->handle && minor > 0 && minor <= q->flows_cnt)
		return minor - 1;
	return reciprocal_scale(skb_get_hash(sch, skb), q->flows_cnt);
}

/* ---- per-flow queues ---- */

static struct sk_buff *dequeue_head(struct fq_codel_flow *flow)
{
	struct sk_buff *skb = flow->head;

	flow->head = skb->next;
	skb->next = NULL;
	return skb;
}

static void flow_queue_add(struct fq_codel_flow *flow, struct sk_buff *skb)
{
	if (!flow->head)
		flow->head = skb;
	else
		flow->tail->next = skb;
	flow->tail = skb;
	skb->next = NULL;
}

/* __qdisc_drop(): onto to_free, counted by the caller. */
static void __qdisc_drop(struct sk_buff *skb, struct sk_buff **to_free)
{
	skb->next = *to_free;
	*to_free = skb;
}

/* fq_codel_drop(): head-drop half of the fattest flow, at most @max_packets. */
static uint32_t fq_codel_drop(struct Qdisc *sch, uint32_t max_packets, struct sk_buff **to_free)
{
	struct fq_codel_sched_data *q = qdisc_priv(sch);
	uint32_t maxbacklog = 0, idx = 0, threshold, len = 0, mem = 0, i;
	struct fq_codel_flow *flow;

	for (i = 0; i < q->flows_cnt; i++) {
		if (q->backlogs[i] > maxbacklog) {
			maxbacklog = q->backlogs[i];
			idx = i;
		}
	}
	threshold = maxbacklog >> 1;
	flow = &q->flows[idx];
	i = 0;
	do {
		struct sk_buff *skb = dequeue_head(flow);

		len += skb->len;
		mem += skb->truesize;
		__qdisc_drop(skb, to_free);
	} while (++i < max_packets && len < threshold);

	flow->cvars.count += i; /* tell CoDel to increase its signal strength */
	q->backlogs[idx] -= len;
	q->memory_usage -= mem;
	sch->drop_reason = SKB_DROP_REASON_QDISC_OVERLIMIT;
	sch->stats.drops += i;
	sch->stats.backlog -= len;
	sch->stats.qlen -= i;
	return idx;
}

static int fq_codel_enqueue(struct sk_buff *skb, struct Qdisc *sch, struct sk_buff **to_free)
{
	struct fq_codel_sched_data *q = qdisc_priv(sch);
	uint32_t idx = fq_codel_classify(sch, skb), prev_qlen, dropped;
	struct fq_codel_flow *flow = &q->flows[idx];
	bool memory_limited, own_flow;

	skb->t_qdisc = qdisc_now(sch); /* codel_set_enqueue_time() */
	flow_queue_add(flow, skb);
	q->backlogs[idx] += skb->len;
	if (list_empty(&flow->flowchain)) {
		list_add_tail(&flow->flowchain, &q->new_flows);
		q->new_flow_count++;
		flow->deficit = (int32_t)q->quantum;
	}
	q->memory_usage += skb->truesize;
	memory_limited = q->memory_usage > q->memory_limit;
	qdisc_qstats_add(sch, skb);
	if (sch->stats.qlen <= sch->limit && !memory_limited)
		return NET_XMIT_SUCCESS;

	prev_qlen = sch->stats.qlen;
	/* the new skb itself may go when its flow is the fattest: NET_XMIT_CN then too */
	own_flow = fq_codel_drop(sch, q->drop_batch_size, to_free) == idx;
	dropped = prev_qlen - sch->stats.qlen;
	q->drop_overlimit += dropped;
	if (memory_limited)
		q->drop_overmemory += dropped;
	return own_flow ? NET_XMIT_CN : NET_XMIT_SUCCESS;
}

/* ---- dequeue: CoDel on one flow ---- */

/* dequeue_func(): the flow's head, accounted out of the qdisc. */
static struct sk_buff *dequeue_func(struct Qdisc *sch, struct fq_codel_flow *flow)
{
	struct fq_codel_sched_data *q = qdisc_priv(sch);
	struct sk_buff *skb;

	if (!flow->head)
		return NULL;
	skb = dequeue_head(flow);
	q->backlogs[flow - q->flows] -= skb->len;
	q->memory_usage -= skb->truesize;
	qdisc_qstats_sub(sch, skb);
	return skb;
}

/* drop_func(): a CoDel drop. */
static void drop_func(struct Qdisc *sch, struct sk_buff *skb)
{
	struct fq_codel_sched_data *q = qdisc_priv(sch);

	q->cstats.drop_len += skb->len;
	q->cstats.drop_count++;
	qdisc_drop_dequeued(sch, skb, SKB_DROP_REASON_QDISC_CONGESTED);
}

static bool codel_should_drop(const struct sk_buff *skb, struct Qdisc *sch, struct codel_vars *vars,
			      codel_time_t now)
{
	struct fq_codel_sched_data *q = qdisc_priv(sch);
	const struct codel_params *params = &q->cparams;

	if (!skb) {
		vars->first_above_time = 0;
		return false;
	}
	vars->ldelay = now - codel_time(skb->t_qdisc);
	if (skb->len > q->cstats.maxpacket)
		q->cstats.maxpacket = skb->len;
	if (codel_time_before(vars->ldelay, params->target) || sch->stats.backlog <= params->mtu) {
		/* went below: stay below for at least interval */
		vars->first_above_time = 0;
		return false;
	}
	if (vars->first_above_time == 0) {
		/* just went above: ok to drop if it stays above for interval */
		vars->first_above_time = now + params->interval;
		return false;
	}
	return codel_time_after(now, vars->first_above_time);
}

/* In the dropping state and past drop_next: drop (or mark) until on schedule. */
static struct sk_buff *codel_drop_due(struct Qdisc *sch, struct fq_codel_flow *flow,
				      struct sk_buff *skb, codel_time_t now)
{
	struct fq_codel_sched_data *q = qdisc_priv(sch);
	const struct codel_params *params = &q->cparams;
	struct codel_vars *vars = &flow->cvars;

	while (vars->dropping && codel_time_after_eq(now, vars->drop_next)) {
		vars->count++;
		codel_Newton_step(vars);
		if (params->ecn && inet_ecn_set_ce(skb)) {
			q->cstats.ecn_mark++;
			vars->drop_next = codel_control_law(vars->drop_next, params->interval,
							    vars->rec_inv_sqrt);
			return skb;
		}
		drop_func(sch, skb);
		skb = dequeue_func(sch, flow);
		if (!codel_should_drop(skb, sch, vars, now))
			vars->dropping = false; /* leave the dropping state */
		else
			vars->drop_next = codel_control_law(vars->drop_next, params->interval,
							    vars->rec_inv_sqrt);
	}
	return skb;
}

/* Above target for an interval: drop (or mark) once and enter the dropping state. */
static struct sk_buff *codel_enter_dropping(struct Qdisc *sch, struct fq_codel_flow *flow,
					    struct sk_buff *skb, codel_time_t now)
{
	struct fq_codel_sched_data *q = qdisc_priv(sch);
	const struct codel_params *params = &q->cparams;
	struct codel_vars *vars = &flow->cvars;
	uint32_t delta;

	if (params->ecn && inet_ecn_set_ce(skb)) {
		q->cstats.ecn_mark++;
	} else {
		drop_func(sch, skb);
		skb = dequeue_func(sch, flow);
		codel_should_drop(skb, sch, vars, now);
	}
	vars->dropping = true;
	/*
	 * If min went above target close to when it last went below, the drop
	 * rate that controlled the queue last time is a good starting point.
	 */
	delta = vars->count - vars->lastcount;
	if (delta > 1 && codel_time_before(now - vars->drop_next, 16 * params->interval)) {
		vars->count = delta;
		codel_Newton_step(vars);
	} else {
		vars->count = 1;
		vars->rec_inv_sqrt = ~0U >> REC_INV_SQRT_SHIFT;
	}
	vars->lastcount = vars->count;
	vars->drop_next = codel_control_law(now, params->interval, vars->rec_inv_sqrt);
	return skb;
}

/* codel_dequeue(). */
static struct sk_buff *codel_dequeue(struct Qdisc *sch, struct fq_codel_flow *flow)
{
	struct fq_codel_sched_data *q = qdisc_priv(sch);
	struct codel_vars *vars = &flow->cvars;
	struct sk_buff *skb = dequeue_func(sch, flow);
	codel_time_t now;
	bool drop;

	if (!skb) {
		vars->dropping = false;
		return NULL;
	}
	now = codel_time(qdisc_now(sch));
	drop = codel_should_drop(skb, sch, vars, now);
	if (vars->dropping) {
		if (!drop)
			vars->dropping = false; /* sojourn time below target */
		else if (codel_time_after_eq(now, vars->drop_next))
			skb = codel_drop_due(sch, flow, skb, now);
	} else if (drop) {
		skb = codel_enter_dropping(sch, flow, skb, now);
	}
	if (skb && codel_time_after(vars->ldelay, q->cparams.ce_threshold) && inet_ecn_set_ce(skb))
		q->cstats.ce_mark++;
	return skb;
}

/* __fq_codel_dequeue(): DRR over new_flows then old_flows. */
static struct sk_buff *__fq_codel_dequeue(struct Qdisc *sch)
{
	struct fq_codel_sched_data *q = qdisc_priv(sch);
	struct fq_codel_flow *flow;
	struct list_head *head;
	struct sk_buff *skb;

	for (;;) {
		head = &q->new_flows;
		if (list_empty(head)) {
			head = &q->old_flows;
			if (list_empty(head))
				return NULL;
		}
		flow = list_first_flow(head);
		if (flow->deficit <= 0) {
			flow->deficit += (int32_t)q->quantum;
			list_move_tail(&flow->flowchain, &q->old_flows);
			continue;
		}
		skb = codel_dequeue(sch, flow);
		if (skb)
			break;
		/* force a pass through old_flows to prevent starvation */
		if (head == &q->new_flows && !list_empty(&q->old_flows))
			list_move_tail(&flow->flowchain, &q->old_flows);
		else
			list_del_init(&flow->flowchain);
	}
	qdisc_bstats_update(sch, skb);
	flow->deficit -= (int32_t)skb->len;
	return skb;
}

static struct sk_buff *fq_codel_dequeue(struct Qdisc *sch)
{
	struct fq_codel_sched_data *q = qdisc_priv(sch);
	struct sk_buff *skb = __fq_codel_dequeue(sch);

	/* fq_codel_dequeue_drop(): no parent to reduce the backlog of */
	q->cstats.drop_count = 0;
	q->cstats.drop_len = 0;
	return skb;
}

/* ---- configuration ---- */

#define CODEL_TIME_MAX (1000 * SIM_SEC) /* well inside CoDel's signed 2^31 * 1024 ns */

/* fq_codel_init() defaults, then fq_codel_change() with the scenario's keys. */
static int fq_codel_read_opts(struct Qdisc *sch, const struct cfg_node *opts, struct sim_error *err)
{
	struct fq_codel_sched_data *q = qdisc_priv(sch);
	uint32_t mtu = qdisc_psched_mtu(sch);
	uint64_t limit, flows, quantum, mem, batch;
	sim_time_t target, interval, ce;
	bool ecn;

	/* clamp_t(u32, psched_mtu(qdisc_dev(sch)), 256, FQ_CODEL_QUANTUM_MAX) */
	mtu = mtu < 256 ? 256 : mtu > FQ_CODEL_QUANTUM_MAX ? FQ_CODEL_QUANTUM_MAX : mtu;

	if (cfg_get_u64(opts, "limit", &limit, 10240, 1, UINT32_MAX, err) ||
	    cfg_get_u64(opts, "flows", &flows, 1024, 1, 65536, err) ||
	    cfg_get_size(opts, "quantum", &quantum, mtu, 1, FQ_CODEL_QUANTUM_MAX, err) ||
	    cfg_get_time(opts, "target", &target, 5 * SIM_MS, SIM_US, CODEL_TIME_MAX, err) ||
	    cfg_get_time(opts, "interval", &interval, 100 * SIM_MS, SIM_US, CODEL_TIME_MAX, err) ||
	    cfg_get_size(opts, "memory_limit", &mem, 32u << 20, 1, QDISC_SIZE_MAX, err) ||
	    cfg_get_bool(opts, "ecn", &ecn, true, err) ||
	    cfg_get_u64(opts, "drop_batch", &batch, 64, 1, UINT32_MAX, err) ||
	    cfg_get_time(opts, "ce_threshold", &ce, -1, 0, CODEL_TIME_MAX, err))
		return -1;
	sch->limit = (uint32_t)limit;
	q->flows_cnt = (uint32_t)flows;
	q->quantum = quantum < 256 ? 256 : (uint32_t)quantum;
	q->cparams.target = codel_us_to_time((uint64_t)(target / SIM_US));
	q->cparams.interval = codel_us_to_time((uint64_t)(interval / SIM_US));
	q->cparams.ce_threshold =
		ce < 0 ? CODEL_DISABLED_THRESHOLD : codel_us_to_time((uint64_t)(ce / SIM_US));
	q->cparams.mtu = mtu;
	q->cparams.ecn = ecn;
	q->memory_limit = (uint32_t)mem; /* the kernel's min(1U << 31, ...) is the range */
	q->drop_batch_size = (uint32_t)batch;
	return cfg_check_unknown(opts, "qdisc 'fq_codel'", err);
}

static int fq_codel_init(struct Qdisc *sch, const struct cfg_node *opts, struct sim_error *err)
{
	struct fq_codel_sched_data *q = qdisc_priv(sch);

	INIT_LIST_HEAD(&q->new_flows);
	INIT_LIST_HEAD(&q->old_flows);
	if (fq_codel_read_opts(sch, opts, err) ||
	    world_charge(sch->w, opts ? cfg_get(opts, "flows") : NULL,
			 (uint64_t)q->flows_cnt * (sizeof(*q->flows) + sizeof(*q->backlogs)), err))
		return -1;
	q->flows = calloc(q->flows_cnt, sizeof(*q->flows));
	q->backlogs = calloc(q->flows_cnt, sizeof(*q->backlogs));
	if (!q->flows || !q->backlogs)
		return sim_error_set(err, "out of memory");
	for (uint32_t i = 0; i < q->flows_cnt; i++)
		INIT_LIST_HEAD(&q->flows[i].flowchain);
	return 0;
}

static void fq_codel_destroy(struct Qdisc *sch)
{
	struct fq_codel_sched_data *q = qdisc_priv(sch);

	free(q->backlogs);
	free(q->flows);
}

/* ---- tc -s qdisc show ---- */

static void fq_codel_dump_opts(const struct Qdisc *sch, FILE *f)
{
	const struct fq_codel_sched_data *q = qdisc_priv(sch);
	const struct codel_params *p = &q->cparams;
	char b[64];

	fprintf(f, "limit %" PRIu32 "p flows %" PRIu32 " quantum %" PRIu32 " ", sch->limit,
		q->flows_cnt, q->quantum);
	fprintf(f, "target %s ", tc_sprint_time(b, sizeof(b), codel_time_to_us(p->target)));
	if (p->ce_threshold != CODEL_DISABLED_THRESHOLD)
		fprintf(f, "ce_threshold %s ",
			tc_sprint_time(b, sizeof(b), codel_time_to_us(p->ce_threshold)));
	fprintf(f, "interval %s ", tc_sprint_time(b, sizeof(b), codel_time_to_us(p->interval)));
	fprintf(f, "memory_limit %s ", tc_sprint_size(b, sizeof(b), q->memory_limit));
	if (p->ecn)
		fprintf(f, "ecn ");
	fprintf(f, "drop_batch %" PRIu32 " ", q->drop_batch_size);
}

static void fq_codel_dump_xstats(const struct Qdisc *sch, FILE *f)
{
	const struct fq_codel_sched_data *q = qdisc_priv(sch);
	const struct codel_stats *st = &q->cstats;

	fprintf(f,
		"  maxpacket %" PRIu32 " drop_overlimit %" PRIu32 " new_flow_count %" PRIu32
		" ecn_mark %" PRIu32,
		st->maxpacket, q->drop_overlimit, q->new_flow_count, st->ecn_mark);
	if (st->ce_mark)
		fprintf(f, " ce_mark %" PRIu32, st->ce_mark);
	if (q->memory_usage)
		fprintf(f, " memory_used %" PRIu32, q->memory_usage);
	if (q->drop_overmemory)
		fprintf(f, " drop_overmemory %" PRIu32, q->drop_overmemory);
	fprintf(f, "\n  new_flows_len %" PRIu32 " old_flows_len %" PRIu32,
		list_count(&q->new_flows), list_count(&q->old_flows));
}

const struct Qdisc_ops fq_codel_ops = {
	.id = "fq_codel",
	.static_flags = TCQ_F_CAN_BYPASS,
	.priv_size = sizeof(struct fq_codel_sched_data),
	.init = fq_codel_init,
	.enqueue = fq_codel_enqueue,
	.dequeue = fq_codel_dequeue,
	.destroy = fq_codel_destroy,
	.dump_opts = fq_codel_dump_opts,
	.dump_xstats = fq_codel_dump_xstats,
};
