/*
 * models/sched/sch_fq.c - fair queue packet scheduler: one queue per socket,
 * deficit round robin with new flows first, and per-flow pacing.
 *
 * Kernel reference: net/sched/sch_fq.c (fq_classify, fq_enqueue,
 * fq_check_throttled, fq_dequeue, fq_flow_set_throttled, fq_gc, fq_init
 * defaults: limit 10000, flow_limit 100, quantum 2 * psched_mtu,
 * initial_quantum 10 * psched_mtu, low_rate_threshold 550 kbit/s,
 * flow_refill_delay 40 ms, orphan_mask 1023, no maxrate); iproute2
 * tc/q_fq.c (fq_print_opt, fq_print_xstats).
 *
 * Flows: a packet's flow is its socket (skb->sk); a packet without one
 * (forwarded) is keyed by its hash & orphan_mask. Priority TC_PRIO_CONTROL
 * (7) goes to the internal high-priority flow, dequeued before all others.
 * Enqueue drops when the qdisc holds `limit` packets (QDISC_OVERLIMIT) or
 * the flow `flow_limit` (FQ_FLOW_LIMIT, flows_plimit). A flow that was
 * detached joins new_flows; a brand-new one starts with initial_quantum
 * credit, one idle for more than refill_delay gets at least quantum.
 * Dequeue: new_flows before old_flows; a flow out of credit gets quantum
 * more and goes to the tail of old_flows; an emptied new flow passes
 * through old_flows once, an emptied old one is detached. Pacing: with a
 * rate (the flow's socket's sk_pacing_rate, which is unlimited for UDP, or
 * `maxrate`), each packet (at least `quantum` bytes' worth above
 * low_rate_threshold; below it every packet) sets time_next_packet = now +
 * len / rate (less half of a late start); a flow whose next packet is not
 * due is throttled and unthrottled to old_flows in time order, the watchdog
 * armed for the earliest (the kernel's rb-tree of throttled flows).
 *
 * Simplified: one band (the 3-band priomap/weights scheduler of 6.7+ is not
 * modelled), no EDT (skb->tstamp) timestamps, horizon or ce_threshold, no
 * timer slack; flows live in a fixed table of FQ_MAX_FLOWS, detached ones
 * older than 3 s are collected when it fills (fq_gc's age), and when it is
 * full of live flows a packet goes to the internal flow. Not in this VM's
 * kernel (CONFIG_NET_SCH_FQ off): not compared with a measurement.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "models/sched/sch_generic.h"

#define FQ_MAX_FLOWS	4096 /* flows in the table (the kernel's are allocated) */
#define FQ_MAP_SIZE	8192 /* hash slots, a power of 2 */
#define FQ_NONE		(-1)
#define FQ_INTERNAL	FQ_MAX_FLOWS	   /* index of the high-priority flow */
#define FQ_GC_AGE	(3 * 1000000000LL) /* ns */
#define TC_PRIO_CONTROL 7
#define NSEC_PER_SEC	1000000000LL
#define FQ_WHAT		"qdisc 'fq'"

enum fq_state {
	FQ_DETACHED,  /* on no list */
	FQ_LISTED,    /* on new_flows or old_flows */
	FQ_THROTTLED, /* waiting for time_next_packet */
};

struct fq_flow {
	struct sk_buff_head q;	  /* packets */
	uintptr_t key;		  /* socket, or (hash << 1) | 1; 0: free */
	int32_t credit;		  /* bytes */
	int64_t time_next_packet; /* ns, 0 when never paced */
	int64_t age;		  /* ns: when it was detached */
	int next;		  /* next on its list, FQ_NONE */
	uint8_t state;		  /* enum fq_state */
};

struct fq_flow_head {
	int first, last; /* flow indices, FQ_NONE when empty */
};

struct fq_sched_data {
	struct fq_flow flows[FQ_MAX_FLOWS + 1]; /* the table, then the internal flow */
	int16_t map[FQ_MAP_SIZE];		/* hash slot -> flow index, -1 empty */
	uint32_t nflows;			/* flows in use in the table */
	struct fq_flow_head new_flows;		/* recently active */
	struct fq_flow_head old_flows;		/* the rest */
	int throttled[FQ_MAX_FLOWS + 1];	/* throttled flows (unordered) */
	uint32_t nthrottled;			/* entries in throttled[] */
	uint32_t flow_plimit;			/* packets per flow */
	uint32_t quantum;			/* bytes */
	uint32_t initial_quantum;		/* bytes */
	uint64_t flow_max_rate;			/* bytes per second, UINT64_MAX: none */
	uint64_t low_rate_threshold;		/* bytes per second */
	int64_t flow_refill_delay;		/* ns */
	uint32_t orphan_mask;			/* hash bits of sk-less flows */
	bool rate_enable;			/* pacing (not `nopacing`) */
	uint32_t inactive_flows;		/* detached flows */
	/* xstats */
	uint64_t stat_gc_flows, stat_internal_packets, stat_throttled, stat_flows_plimit,
		stat_pkts_too_long;
};

static int64_t fq_now_ns(const struct Qdisc *sch)
{
	return qdisc_now(sch) / SIM_NS;
}

/* ---- the flow table ---- */

static uint32_t fq_slot(uintptr_t key)
{
	uint64_t h = (uint64_t)key * 0x9e3779b97f4a7c15ULL;

	return (uint32_t)(h >> 51) & (FQ_MAP_SIZE - 1);
}

/* fq_gc(): free the detached flows idle for FQ_GC_AGE and rebuild the map. */
static void fq_gc(struct fq_sched_data *q, int64_t now)
{
	memset(q->map, 0xff, sizeof(q->map));
	for (int i = 0; i < FQ_MAX_FLOWS; i++) {
		struct fq_flow *f = &q->flows[i];
		uint32_t s;

		if (!f->key)
			continue;
		if (f->state == FQ_DETACHED && !f->q.qlen && now - f->age > FQ_GC_AGE) {
			f->key = 0;
			q->nflows--;
			q->inactive_flows--;
			q->stat_gc_flows++;
			continue;
		}
		for (s = fq_slot(f->key); q->map[s] >= 0; s = (s + 1) & (FQ_MAP_SIZE - 1))
			;
		q->map[s] = (int16_t)i;
	}
}

/* fq_classify(): the flow of @skb, created if new. */
static int fq_classify(struct Qdisc *sch, const struct sk_buff *skb)
{
	struct fq_sched_data *q = qdisc_priv(sch);
	uintptr_t key;
	uint32_t s;
	int i;

	if ((skb->priority & 15) == TC_PRIO_CONTROL)
		return FQ_INTERNAL;
	key = skb->sk ? (uintptr_t)skb->sk : (((uintptr_t)(skb->hash & q->orphan_mask)) << 1) | 1;
	for (s = fq_slot(key); q->map[s] >= 0; s = (s + 1) & (FQ_MAP_SIZE - 1))
		if (q->flows[q->map[s]].key == key)
			return q->map[s];
	if (q->nflows >= FQ_MAX_FLOWS * 3 / 4) {
		fq_gc(q, fq_now_ns(sch));
		if (q->nflows >= FQ_MAX_FLOWS * 3 / 4)
			return FQ_INTERNAL; /* the kernel's allocation failure path */
		for (s = fq_slot(key); q->map[s] >= 0; s = (s + 1) & (FQ_MAP_SIZE - 1))
			;
	}
	for (i = 0; q->flows[i].key; i++)
		;
	q->map[s] = (int16_t)i;
	q->flows[i].key = key;
	q->flows[i].credit = (int32_t)q->initial_quantum;
	q->flows[i].time_next_packet = 0;
	q->flows[i].state = FQ_DETACHED;
	q->flows[i].age = fq_now_ns(sch);
	q->nflows++;
	q->inactive_flows++;
	return i;
}

/* ---- lists ---- */

static void fq_flow_add_tail(struct fq_sched_data *q, struct fq_flow_head *head, int i)
{
	q->flows[i].next = FQ_NONE;
	q->flows[i].state = FQ_LISTED;
	if (head->first == FQ_NONE)
		head->first = i;
	else
		q->flows[head->last].next = i;
	head->last = i;
}

/* head->first = f->next */
static void fq_flow_pop(struct fq_sched_data *q, struct fq_flow_head *head)
{
	head->first = q->flows[head->first].next;
}

static void fq_flow_set_throttled(struct fq_sched_data *q, int i)
{
	q->flows[i].state = FQ_THROTTLED;
	q->throttled[q->nthrottled++] = i;
	q->stat_throttled++;
}

/* The throttled flow due first, its position in throttled[]; -1 when none. */
static int fq_first_throttled(const struct fq_sched_data *q)
{
	int best = -1;

	for (uint32_t k = 0; k < q->nthrottled; k++)
		if (best < 0 || q->flows[q->throttled[k]].time_next_packet <
					q->flows[q->throttled[best]].time_next_packet)
			best = (int)k;
	return best;
}

/* fq_check_throttled(): the flows now due go to old_flows, in time order. */
static void fq_check_throttled(struct fq_sched_data *q, int64_t now)
{
	for (;;) {
		int k = fq_first_throttled(q);
		int i;

		if (k < 0 || q->flows[q->throttled[k]].time_next_packet > now)
			return;
		i = q->throttled[k];
		q->throttled[k] = q->throttled[--q->nthrottled];
		fq_flow_add_tail(q, &q->old_flows, i);
	}
}

/* ---- enqueue / dequeue ---- */

static int fq_enqueue(struct sk_buff *skb, struct Qdisc *sch, struct sk_buff **to_free)
{
	struct fq_sched_data *q = qdisc_priv(sch);
	struct fq_flow *f;
	int i;

	if (sch->stats.qlen >= sch->limit)
		return qdisc_drop_reason(skb, sch, to_free, SKB_DROP_REASON_QDISC_OVERLIMIT);
	i = fq_classify(sch, skb);
	f = &q->flows[i];
	if (f->q.qlen >= q->flow_plimit && i != FQ_INTERNAL) {
		q->stat_flows_plimit++;
		return qdisc_drop_reason(skb, sch, to_free, SKB_DROP_REASON_FQ_FLOW_LIMIT);
	}
	if (i == FQ_INTERNAL) {
		q->stat_internal_packets++;
	} else if (f->state == FQ_DETACHED) {
		fq_flow_add_tail(q, &q->new_flows, i);
		if (fq_now_ns(sch) - f->age > q->flow_refill_delay &&
		    f->credit < (int32_t)q->quantum)
			f->credit = (int32_t)q->quantum;
		q->inactive_flows--;
	}
	__skb_queue_tail(&f->q, skb);
	qdisc_qstats_add(sch, skb);
	return NET_XMIT_SUCCESS;
}

static struct sk_buff *fq_dequeue_skb(struct Qdisc *sch, struct fq_flow *f)
{
	struct sk_buff *skb = __skb_dequeue(&f->q);

	qdisc_qstats_sub(sch, skb);
	qdisc_bstats_update(sch, skb);
	return skb;
}

/* Pacing after @skb of flow @f left at @now. */
static void fq_pace(struct fq_sched_data *q, struct fq_flow *f, const struct sk_buff *skb,
		    int64_t now)
{
	uint64_t rate = q->flow_max_rate; /* min with sk_pacing_rate: unlimited for UDP */
	uint64_t plen = skb->len;
	int64_t len;

	if (rate <= q->low_rate_threshold) {
		f->credit = 0;
	} else {
		if (plen < q->quantum)
			plen = q->quantum;
		if (f->credit > 0)
			return;
	}
	if (rate == UINT64_MAX)
		return;
	len = (int64_t)(plen * NSEC_PER_SEC / (rate ? rate : 1));
	if (len > NSEC_PER_SEC) {
		len = NSEC_PER_SEC;
		q->stat_pkts_too_long++;
	}
	if (f->time_next_packet) {
		int64_t late = now - f->time_next_packet;

		len -= len / 2 < late ? len / 2 : late;
	}
	f->time_next_packet = now + len;
}

static struct sk_buff *fq_dequeue(struct Qdisc *sch)
{
	struct fq_sched_data *q = qdisc_priv(sch);
	struct fq_flow_head *head;
	struct sk_buff *skb;
	struct fq_flow *f;
	int64_t now;

	if (!sch->stats.qlen)
		return NULL;
	if (q->flows[FQ_INTERNAL].q.qlen)
		return fq_dequeue_skb(sch, &q->flows[FQ_INTERNAL]);
	now = fq_now_ns(sch);
	fq_check_throttled(q, now);
	for (;;) {
		head = &q->new_flows;
		if (head->first == FQ_NONE) {
			head = &q->old_flows;
			if (head->first == FQ_NONE) {
				int k = fq_first_throttled(q);

				if (k >= 0)
					qdisc_watchdog_schedule(
						sch, q->flows[q->throttled[k]].time_next_packet *
							     SIM_NS);
				return NULL;
			}
		}
		f = &q->flows[head->first];
		if (f->credit <= 0) {
			int i = head->first;

			f->credit += (int32_t)q->quantum;
			fq_flow_pop(q, head);
			fq_flow_add_tail(q, &q->old_flows, i);
			continue;
		}
		if (f->q.qlen) {
			if (now < f->time_next_packet) {
				int i = head->first;

				fq_flow_pop(q, head);
				fq_flow_set_throttled(q, i);
				continue;
			}
			break;
		}
		/* empty: force a pass through old_flows to prevent starvation */
		{
			int i = head->first;

			fq_flow_pop(q, head);
			if (head == &q->new_flows) {
				fq_flow_add_tail(q, &q->old_flows, i);
			} else {
				f->state = FQ_DETACHED;
				f->age = now;
				q->inactive_flows++;
			}
		}
	}
	skb = fq_dequeue_skb(sch, f);
	f->credit -= (int32_t)skb->len;
	if (q->rate_enable)
		fq_pace(q, f, skb, now);
	return skb;
}

/* ---- configuration ---- */

static int fq_read_opts(struct Qdisc *sch, const struct cfg_node *opts, struct sim_error *err)
{
	struct fq_sched_data *q = qdisc_priv(sch);
	uint64_t limit, plimit, quantum, iq, omask;
	double maxrate, lowrate;
	sim_time_t refill;
	bool nopacing;

	if (cfg_get_u64(opts, "limit", &limit, 10000, 1, UINT32_MAX, err) ||
	    cfg_get_u64(opts, "flow_limit", &plimit, 100, 1, UINT32_MAX, err) ||
	    cfg_get_size(opts, "quantum", &quantum, 2 * qdisc_psched_mtu(sch), 1, 1 << 20, err) ||
	    cfg_get_size(opts, "initial_quantum", &iq, 10 * qdisc_psched_mtu(sch), 0, 1 << 20,
			 err) ||
	    cfg_get_bitrate(opts, "maxrate", &maxrate, 0, 8, 1e15, err) ||
	    cfg_get_bitrate(opts, "low_rate_threshold", &lowrate, 550000, 0, 1e15, err) ||
	    cfg_get_time(opts, "refill_delay", &refill, 40 * SIM_MS, 0, 3600 * SIM_SEC, err) ||
	    cfg_get_u64(opts, "orphan_mask", &omask, 1023, 0, UINT32_MAX, err) ||
	    cfg_get_bool(opts, "nopacing", &nopacing, false, err) ||
	    cfg_check_unknown(opts, FQ_WHAT, err))
		return -1;
	sch->limit = (uint32_t)limit;
	q->flow_plimit = (uint32_t)plimit;
	q->quantum = (uint32_t)quantum;
	q->initial_quantum = (uint32_t)iq;
	q->flow_max_rate = maxrate > 0 ? (uint64_t)(maxrate / 8) : UINT64_MAX;
	q->low_rate_threshold = (uint64_t)(lowrate / 8);
	q->flow_refill_delay = (int64_t)(refill / SIM_NS);
	q->orphan_mask = (uint32_t)omask;
	q->rate_enable = !nopacing;
	return 0;
}

static int fq_init(struct Qdisc *sch, const struct cfg_node *opts, struct sim_error *err)
{
	struct fq_sched_data *q = qdisc_priv(sch);

	memset(q->map, 0xff, sizeof(q->map));
	for (int i = 0; i <= FQ_MAX_FLOWS; i++)
		skb_queue_head_init(&q->flows[i].q);
	q->new_flows.first = q->old_flows.first = FQ_NONE;
	q->new_flows.last = q->old_flows.last = FQ_NONE;
	q->flows[FQ_INTERNAL].state = FQ_LISTED; /* never in the map, never detached */
	return fq_read_opts(sch, opts, err);
}

/* ---- tc -s qdisc show ---- */

/* fq_print_opt(). */
static void fq_dump_opts(const struct Qdisc *sch, FILE *f)
{
	const struct fq_sched_data *q = qdisc_priv(sch);
	char b[64];

	fprintf(f,
		"limit %" PRIu32 "p flow_limit %" PRIu32 "p buckets 1024 orphan_mask %" PRIu32 " ",
		sch->limit, q->flow_plimit, q->orphan_mask);
	if (!q->rate_enable)
		fprintf(f, "nopacing ");
	if (q->flow_max_rate != UINT64_MAX)
		fprintf(f, "maxrate %s ", tc_sprint_rate(b, sizeof(b), q->flow_max_rate));
	fprintf(f, "quantum %s ", tc_sprint_size(b, sizeof(b), q->quantum));
	fprintf(f, "initial_quantum %s ", tc_sprint_size(b, sizeof(b), q->initial_quantum));
	fprintf(f, "low_rate_threshold %s ", tc_sprint_rate(b, sizeof(b), q->low_rate_threshold));
	fprintf(f, "refill_delay %s ",
		tc_sprint_time(b, sizeof(b), (uint32_t)(q->flow_refill_delay / 1000)));
}

/* fq_print_xstats(). */
static void fq_dump_xstats(const struct Qdisc *sch, FILE *f)
{
	const struct fq_sched_data *q = qdisc_priv(sch);

	fprintf(f, "  flows %" PRIu32 " (inactive %" PRIu32 " throttled %" PRIu32 ")\n", q->nflows,
		q->inactive_flows, q->nthrottled);
	fprintf(f, "  gc %" PRIu64 " highprio %" PRIu64 " throttled %" PRIu64, q->stat_gc_flows,
		q->stat_internal_packets, q->stat_throttled);
	if (q->stat_flows_plimit)
		fprintf(f, " flows_plimit %" PRIu64, q->stat_flows_plimit);
	if (q->stat_pkts_too_long)
		fprintf(f, " pkts_too_long %" PRIu64, q->stat_pkts_too_long);
}

const struct Qdisc_ops fq_ops = {
	.id = "fq",
	.priv_size = sizeof(struct fq_sched_data),
	.init = fq_init,
	.enqueue = fq_enqueue,
	.dequeue = fq_dequeue,
	.dump_opts = fq_dump_opts,
	.dump_xstats = fq_dump_xstats,
};
