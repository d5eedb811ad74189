/*
 * models/sched/sch_cake.c - CAKE (common applications kept enhanced): a shaper at
 * `bandwidth` with per-packet overhead compensation, in front of per-flow
 * queues with set-associative hashing and triple isolation (fairness among
 * hosts, then among each host's flows) by DRR++.
 *
 * Kernel reference: net/sched/sch_cake.c (cake_hash: 1024 queues, 8-way
 * set-associative tags for flows and for source/destination hosts;
 * cake_enqueue, cake_drop (the fattest flow's head, on buffer_limit),
 * cake_dequeue (new/sparse flows before old/bulk ones, deficits refilled
 * with cake_get_flow_quantum: flow_quantum / host_load with dithering),
 * cake_advance_shaper, cake_overhead, cake_reconfigure (buffer_limit =
 * max(rate * rtt * 4, 4 MiB), bounded by limit * psched_mtu), cake_set_rate
 * (flow_quantum = rate / 4096 within 300..1514)); iproute2 tc/q_cake.c
 * (keywords bandwidth, overhead, mpu, raw, ethernet, docsis, flow modes;
 * cake_print_opt).
 *
 * The shaper: each dequeued packet advances time_next_packet by
 * (len + overhead) / bandwidth (len - 14 + overhead when an overhead is
 * given, at least mpu; raw: the frame length); nothing leaves before it
 * (overlimits, watchdog). Flow isolation: the flow's 5-tuple hash picks a
 * queue in its set of 8 (a way hit, a miss taking a free queue, or a
 * collision sharing one); hosts likewise by source and destination
 * address. A flow that becomes active is sparse (new_flows) with one
 * quantum; one that spends its deficit becomes bulk (old_flows) and counts
 * in its hosts' bulk flow counts, which divide the quantum it is refilled
 * with (triple-isolate: the larger of its source's and destination's
 * count; srchost/dsthost/dual-*: one of them; flows: 1). Drops: past
 * buffer_limit bytes of truesize, the head of the flow with the largest
 * backlog (QDISC_OVERLIMIT).
 *
 * Simplified: one tin (besteffort; the kernel's default is diffserv3), no
 * COBALT AQM (no CoDel/BLUE drops or ECN marks: only overflow drops), no
 * ATM/PTM cell framing, NAT lookup, ack-filter, wash, GSO splitting or
 * ingress mode, no cake xstats. Not in this VM's kernel (CONFIG_NET_SCH_CAKE
 * off): not compared with a measurement.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "models/sched/sch_generic.h"

#define CAKE_QUEUES   1024
#define CAKE_SET_WAYS 8
#define CAKE_NONE     (-1)
#define CAKE_WHAT     "qdisc 'cake'"
#define NSEC_PER_SEC  1000000000LL

enum cake_set { CAKE_SET_NONE, CAKE_SET_SPARSE, CAKE_SET_SPARSE_WAIT, CAKE_SET_BULK };

/* flow modes: bit 0 source host, bit 1 destination host, bit 2 flows (CAKE_FLOW_*) */
enum {
	CAKE_FLOW_SRC_IP = 1,
	CAKE_FLOW_DST_IP = 2,
	CAKE_FLOW_FLOWS = 4,
	CAKE_FLOW_DUAL_SRC = CAKE_FLOW_SRC_IP | CAKE_FLOW_FLOWS | 8,
	CAKE_FLOW_DUAL_DST = CAKE_FLOW_DST_IP | CAKE_FLOW_FLOWS | 8,
	CAKE_FLOW_TRIPLE = CAKE_FLOW_SRC_IP | CAKE_FLOW_DST_IP | CAKE_FLOW_FLOWS | 8,
};

static const char *const cake_mode_names[] = { "flowblind",    "srchost",	 "dsthost",
					       "hosts",	       "flows",		 "dual-srchost",
					       "dual-dsthost", "triple-isolate", NULL };
static const int cake_modes[] = { 0,
				  CAKE_FLOW_SRC_IP,
				  CAKE_FLOW_DST_IP,
				  CAKE_FLOW_SRC_IP | CAKE_FLOW_DST_IP,
				  CAKE_FLOW_FLOWS,
				  CAKE_FLOW_DUAL_SRC,
				  CAKE_FLOW_DUAL_DST,
				  CAKE_FLOW_TRIPLE };

struct cake_flow {
	struct sk_buff_head q; /* packets */
	int32_t deficit;       /* bytes */
	uint32_t backlog;      /* bytes (adjusted lengths) */
	int next;	       /* next on its list */
	uint8_t set;	       /* enum cake_set */
	uint16_t srchost;      /* index in hosts[] */
	uint16_t dsthost;      /* index in hosts[] */
};

struct cake_host {
	uint32_t srchost_tag;		  /* source address hash owning this slot */
	uint32_t dsthost_tag;		  /* destination address hash owning this slot */
	uint16_t srchost_bulk_flow_count; /* bulk flows from this source */
	uint16_t dsthost_bulk_flow_count; /* bulk flows to this destination */
};

struct cake_list {
	int first, last; /* flow indices, CAKE_NONE when empty */
};

struct cake_sched_data {
	struct cake_flow flows[CAKE_QUEUES]; /* the queues */
	uint32_t tags[CAKE_QUEUES];	     /* flow hash owning each queue */
	struct cake_host hosts[CAKE_QUEUES]; /* host slots */
	struct cake_list new_flows;	     /* sparse */
	struct cake_list old_flows;	     /* bulk */
	int flow_mode;			     /* CAKE_FLOW_* */
	int mode_ix;			     /* index in cake_mode_names */
	struct psched_ratecfg rate;	     /* bandwidth, rate_bytes_ps 0: unlimited */
	int32_t rate_overhead;		     /* bytes */
	uint32_t rate_mpu;		     /* bytes */
	bool overhead_flag;		     /* an overhead was given (not raw) */
	uint16_t flow_quantum;		     /* bytes */
	int64_t time_next_packet;	     /* ns: the shaper */
	int64_t failsafe_next_packet;	     /* ns */
	uint64_t buffer_used;		     /* bytes of truesize */
	uint64_t buffer_limit;		     /* bytes */
	uint32_t rtt_us;		     /* rtt (interval), us */
	/* statistics */
	uint32_t way_hits, way_misses, way_collisions, drop_overlimit;
};

static int64_t cake_now_ns(const struct Qdisc *sch)
{
	return qdisc_now(sch) / SIM_NS;
}

static uint32_t cake_mix(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x7feb352du;
	h ^= h >> 15;
	h *= 0x846ca68bu;
	h ^= h >> 16;
	return h;
}

static bool cake_dsrc(int mode)
{
	return (mode & CAKE_FLOW_DUAL_SRC) == CAKE_FLOW_DUAL_SRC;
}

static bool cake_ddst(int mode)
{
	return (mode & CAKE_FLOW_DUAL_DST) == CAKE_FLOW_DUAL_DST;
}

/* ---- hosts and flows (cake_hash) ---- */

static void cake_bulk(struct cake_sched_data *q, const struct cake_flow *f, int delta)
{
	if (cake_dsrc(q->flow_mode))
		q->hosts[f->srchost].srchost_bulk_flow_count =
			(uint16_t)(q->hosts[f->srchost].srchost_bulk_flow_count + delta);
	if (cake_ddst(q->flow_mode))
		q->hosts[f->dsthost].dsthost_bulk_flow_count =
			(uint16_t)(q->hosts[f->dsthost].dsthost_bulk_flow_count + delta);
}

/* The host slot of @hash in its set (a tagged one, else one with no bulk flows). */
static uint16_t cake_host_slot(struct cake_sched_data *q, uint32_t hash, bool src)
{
	uint32_t idx = hash % CAKE_QUEUES, inner = idx % CAKE_SET_WAYS, outer = idx - inner,
		 k = inner;
	uint32_t i;

	for (i = 0; i < CAKE_SET_WAYS; i++, k = (k + 1) % CAKE_SET_WAYS)
		if ((src ? q->hosts[outer + k].srchost_tag : q->hosts[outer + k].dsthost_tag) ==
		    hash)
			return (uint16_t)(outer + k);
	for (i = 0; i < CAKE_SET_WAYS; i++, k = (k + 1) % CAKE_SET_WAYS)
		if (!(src ? q->hosts[outer + k].srchost_bulk_flow_count
			  : q->hosts[outer + k].dsthost_bulk_flow_count))
			break;
	if (src)
		q->hosts[outer + k].srchost_tag = hash;
	else
		q->hosts[outer + k].dsthost_tag = hash;
	return (uint16_t)(outer + k);
}

static uint32_t cake_flow_hash(const struct cake_sched_data *q, const struct sk_buff *skb)
{
	uint32_t h = 0;

	if (q->flow_mode & CAKE_FLOW_FLOWS)
		h = cake_mix(skb->saddr ^
			     cake_mix(skb->daddr ^
				      cake_mix((uint32_t)skb->sport << 16 | skb->dport) ^
				      skb->protocol));
	else {
		if (q->flow_mode & CAKE_FLOW_SRC_IP)
			h ^= cake_mix(skb->saddr);
		if (q->flow_mode & CAKE_FLOW_DST_IP)
			h ^= cake_mix(skb->daddr + 1);
	}
	return h;
}

/* cake_hash(): the queue of @skb. */
static int cake_hash(struct cake_sched_data *q, const struct sk_buff *skb)
{
	uint32_t flow_hash = cake_flow_hash(q, skb), reduced = flow_hash % CAKE_QUEUES;
	uint32_t inner = reduced % CAKE_SET_WAYS, outer = reduced - inner, i, k;
	bool alloc = false;

	if (q->tags[reduced] == flow_hash && q->flows[reduced].set)
		return (int)reduced; /* way_directs */
	for (i = 0, k = inner; i < CAKE_SET_WAYS; i++, k = (k + 1) % CAKE_SET_WAYS) {
		if (q->tags[outer + k] == flow_hash) {
			if (i)
				q->way_hits++;
			alloc = !q->flows[outer + k].set;
			goto found;
		}
	}
	for (i = 0; i < CAKE_SET_WAYS; i++, k = (k + 1) % CAKE_SET_WAYS) {
		if (!q->flows[outer + k].set) {
			q->way_misses++;
			alloc = true;
			goto found;
		}
	}
	q->way_collisions++;
	alloc = true;
	if (q->flows[outer + k].set == CAKE_SET_BULK)
		cake_bulk(q, &q->flows[outer + k], -1);
found:
	reduced = outer + k;
	q->tags[reduced] = flow_hash;
	if (alloc) {
		struct cake_flow *f = &q->flows[reduced];

		f->srchost = cake_host_slot(q, cake_mix(skb->saddr), true);
		f->dsthost = cake_host_slot(q, cake_mix(skb->daddr + 1), false);
		if (f->set == CAKE_SET_BULK)
			cake_bulk(q, f, +1);
	}
	return (int)reduced;
}

/* cake_get_flow_quantum(): the quantum divided by the host load, dithered. */
static int32_t cake_get_flow_quantum(struct Qdisc *sch, const struct cake_flow *f)
{
	struct cake_sched_data *q = qdisc_priv(sch);
	uint32_t host_load = 1, div;

	if (cake_dsrc(q->flow_mode) && q->hosts[f->srchost].srchost_bulk_flow_count > host_load)
		host_load = q->hosts[f->srchost].srchost_bulk_flow_count;
	if (cake_ddst(q->flow_mode) && q->hosts[f->dsthost].dsthost_bulk_flow_count > host_load)
		host_load = q->hosts[f->dsthost].dsthost_bulk_flow_count;
	div = 65535 / host_load; /* quantum_div[] */
	return (int32_t)((q->flow_quantum * div + (uint32_t)(sim_rng_u64(&sch->rng) >> 48)) >> 16);
}

/* ---- lists ---- */

static void cake_add_tail(struct cake_sched_data *q, struct cake_list *l, int i)
{
	q->flows[i].next = CAKE_NONE;
	if (l->first == CAKE_NONE)
		l->first = i;
	else
		q->flows[l->last].next = i;
	l->last = i;
}

static void cake_pop(struct cake_sched_data *q, struct cake_list *l)
{
	l->first = q->flows[l->first].next;
}

/* ---- the shaper ---- */

/* cake_overhead(): the length the shaper charges. */
static uint32_t cake_overhead(const struct cake_sched_data *q, const struct sk_buff *skb)
{
	int64_t len = skb->len;

	if (q->overhead_flag)
		len = len - 14 + q->rate_overhead;
	if (len < (int64_t)q->rate_mpu)
		len = q->rate_mpu;
	return len < 1 ? 1 : (uint32_t)len;
}

static void cake_advance_shaper(struct cake_sched_data *q, const struct sk_buff *skb)
{
	int64_t dur;

	if (!q->rate.rate_bytes_ps)
		return;
	dur = psched_l2t_ns(&q->rate, cake_overhead(q, skb));
	q->time_next_packet += dur;
	q->failsafe_next_packet += dur + (dur >> 1);
}

/* ---- enqueue / dequeue ---- */

/* cake_drop(): the head of the flow with the largest backlog. */
static void cake_drop(struct Qdisc *sch, struct sk_buff **to_free)
{
	struct cake_sched_data *q = qdisc_priv(sch);
	struct cake_flow *fat = NULL;
	struct sk_buff *skb;

	for (int i = 0; i < CAKE_QUEUES; i++)
		if (q->flows[i].q.qlen && (!fat || q->flows[i].backlog > fat->backlog))
			fat = &q->flows[i];
	skb = __skb_dequeue(&fat->q);
	fat->backlog -= cake_overhead(q, skb);
	q->buffer_used -= skb->truesize;
	qdisc_qstats_sub(sch, skb);
	q->drop_overlimit++;
	qdisc_drop_reason(skb, sch, to_free, SKB_DROP_REASON_QDISC_OVERLIMIT);
}

static int cake_enqueue(struct sk_buff *skb, struct Qdisc *sch, struct sk_buff **to_free)
{
	struct cake_sched_data *q = qdisc_priv(sch);
	int64_t now = cake_now_ns(sch);
	int idx = cake_hash(q, skb);
	struct cake_flow *f = &q->flows[idx];

	if (!sch->stats.qlen && q->time_next_packet < now) /* the shaper is not stale */
		q->time_next_packet = q->failsafe_next_packet = now;
	__skb_queue_tail(&f->q, skb);
	f->backlog += cake_overhead(q, skb);
	qdisc_qstats_add(sch, skb);
	q->buffer_used += skb->truesize;
	if (f->set == CAKE_SET_NONE) {
		cake_add_tail(q, &q->new_flows, idx);
		f->set = CAKE_SET_SPARSE;
		f->deficit = cake_get_flow_quantum(sch, f);
	} else if (f->set == CAKE_SET_SPARSE_WAIT) {
		f->set = CAKE_SET_BULK;
		cake_bulk(q, f, +1);
	}
	while (q->buffer_used > q->buffer_limit)
		cake_drop(sch, to_free);
	return NET_XMIT_SUCCESS;
}

static struct sk_buff *cake_dequeue(struct Qdisc *sch)
{
	struct cake_sched_data *q = qdisc_priv(sch);
	int64_t now = cake_now_ns(sch);
	struct cake_list *head;
	struct cake_flow *f;
	struct sk_buff *skb;
	int i;

	if (!sch->stats.qlen)
		return NULL;
	if (q->time_next_packet > now && q->failsafe_next_packet > now) {
		int64_t next = q->time_next_packet < q->failsafe_next_packet
				       ? q->time_next_packet
				       : q->failsafe_next_packet;

		sch->stats.overlimits++;
		qdisc_watchdog_schedule(sch, next * SIM_NS);
		return NULL;
	}
	for (;;) {
		head = q->new_flows.first != CAKE_NONE ? &q->new_flows : &q->old_flows;
		i = head->first;
		SIM_BUG_ON(i == CAKE_NONE);
		f = &q->flows[i];
		if (f->deficit <= 0) {
			if (f->set == CAKE_SET_SPARSE) {
				if (f->q.qlen) {
					f->set = CAKE_SET_BULK;
					cake_bulk(q, f, +1);
				} else {
					f->set = CAKE_SET_SPARSE_WAIT;
				}
			}
			f->deficit += cake_get_flow_quantum(sch, f);
			cake_pop(q, head);
			cake_add_tail(q, &q->old_flows, i);
			continue;
		}
		skb = __skb_dequeue(&f->q);
		if (skb)
			break;
		/* empty: leaves the rotation (no COBALT state to decay) */
		cake_pop(q, head);
		if (f->set == CAKE_SET_BULK)
			cake_bulk(q, f, -1);
		f->set = CAKE_SET_NONE;
	}
	f->backlog -= cake_overhead(q, skb);
	q->buffer_used -= skb->truesize;
	qdisc_qstats_sub(sch, skb);
	qdisc_bstats_update(sch, skb);
	f->deficit -= (int32_t)cake_overhead(q, skb);
	cake_advance_shaper(q, skb);
	return skb;
}

/* ---- configuration ---- */

/* `overhead` keywords of tc: raw, ethernet (38, mpu 84), docsis (18, mpu 64). */
static int cake_parse_overhead(struct cake_sched_data *q, const struct cfg_node *opts,
			       struct sim_error *err)
{
	static const char *const presets[] = { "raw", "ethernet", "docsis", NULL };
	const struct cfg_node *n = opts ? cfg_get(opts, "overhead") : NULL;
	uint64_t mpu;
	int preset = -1;

	if (n && n->type == CFG_SCALAR) {
		char *end;
		long v = strtol(n->str, &end, 10);

		if (*n->str && !*end && v >= -64 && v <= 256) {
			q->rate_overhead = (int32_t)v;
			q->overhead_flag = true;
		} else if (cfg_get_enum(opts, "overhead", presets, &preset, 0, err)) {
			sim_error_clear(err);
			return cfg_error(n, err,
					 "'overhead' must be bytes (-64 to 256) or raw, ethernet, "
					 "docsis, got '%s'",
					 n->str);
		}
	} else if (n) {
		return cfg_error(n, err, "'overhead' must be bytes or a keyword");
	}
	if (preset == 1) {
		q->rate_overhead = 38;
		q->rate_mpu = 84;
		q->overhead_flag = true;
	} else if (preset == 2) {
		q->rate_overhead = 18;
		q->rate_mpu = 64;
		q->overhead_flag = true;
	}
	if (cfg_get_u64(opts, "mpu", &mpu, q->rate_mpu, 0, 256, err))
		return -1;
	q->rate_mpu = (uint32_t)mpu;
	return 0;
}

static int cake_init(struct Qdisc *sch, const struct cfg_node *opts, struct sim_error *err)
{
	struct cake_sched_data *q = qdisc_priv(sch);
	sim_time_t rtt;
	uint64_t limit, memlimit;
	double bw;

	q->new_flows.first = q->new_flows.last = CAKE_NONE;
	q->old_flows.first = q->old_flows.last = CAKE_NONE;
	for (int i = 0; i < CAKE_QUEUES; i++)
		skb_queue_head_init(&q->flows[i].q);
	if (cfg_get_bitrate(opts, "bandwidth", &bw, 0, 0, 1e15, err) ||
	    cfg_get_enum(opts, "flow_mode", cake_mode_names, &q->mode_ix, 7, err) ||
	    cfg_get_time(opts, "rtt", &rtt, 100 * SIM_MS, SIM_US, 3600 * SIM_SEC, err) ||
	    cfg_get_u64(opts, "limit", &limit, 10240, 1, UINT32_MAX, err) ||
	    cfg_get_size(opts, "memlimit", &memlimit, 0, 0, QDISC_SIZE_MAX, err) ||
	    cake_parse_overhead(q, opts, err) || cfg_check_unknown(opts, CAKE_WHAT, err))
		return -1;
	q->flow_mode = cake_modes[q->mode_ix];
	psched_ratecfg_precompute(&q->rate, (uint64_t)(bw / 8));
	q->rtt_us = (uint32_t)(rtt / SIM_US);
	/* cake_set_rate(): flow_quantum = rate >> 12 within 300..1514 */
	{
		uint64_t fq = q->rate.rate_bytes_ps ? q->rate.rate_bytes_ps >> 12 : 1514;

		q->flow_quantum = (uint16_t)(fq > 1514 ? 1514 : fq < 300 ? 300 : fq);
	}
	/* cake_reconfigure(): buffer_limit */
	if (memlimit)
		q->buffer_limit = memlimit;
	else if (q->rate.rate_bytes_ps) {
		uint64_t t = q->rate.rate_bytes_ps * q->rtt_us / (1000000 / 4);

		q->buffer_limit = t > (4U << 20) ? t : (4U << 20);
	} else
		q->buffer_limit = UINT32_MAX;
	{
		uint64_t cap = limit * qdisc_psched_mtu(sch);

		if (cap < memlimit)
			cap = memlimit;
		if (q->buffer_limit > cap)
			q->buffer_limit = cap;
	}
	sch->limit = (uint32_t)limit;
	return 0;
}

/* cake_print_opt() for the modelled options. */
static void cake_dump_opts(const struct Qdisc *sch, FILE *f)
{
	const struct cake_sched_data *q = qdisc_priv(sch);
	char b[64];

	if (q->rate.rate_bytes_ps)
		fprintf(f, "bandwidth %s ", tc_sprint_rate(b, sizeof(b), q->rate.rate_bytes_ps));
	else
		fprintf(f, "bandwidth unlimited ");
	fprintf(f, "besteffort %s nonat nowash no-ack-filter split-gso rtt %s ",
		cake_mode_names[q->mode_ix], tc_sprint_time(b, sizeof(b), q->rtt_us));
	if (!q->overhead_flag)
		fprintf(f, "raw ");
	else
		fprintf(f, "noatm ");
	fprintf(f, "overhead %" PRId32 " ", q->rate_overhead);
	if (q->rate_mpu)
		fprintf(f, "mpu %" PRIu32 " ", q->rate_mpu);
	if (q->buffer_limit != UINT32_MAX)
		fprintf(f, "memlimit %s ", tc_sprint_size(b, sizeof(b), q->buffer_limit));
}

const struct Qdisc_ops cake_ops = {
	.id = "cake",
	.priv_size = sizeof(struct cake_sched_data),
	.init = cake_init,
	.enqueue = cake_enqueue,
	.dequeue = cake_dequeue,
	.dump_opts = cake_dump_opts,
};
