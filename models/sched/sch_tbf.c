/*
 * models/sched/sch_tbf.c - the token bucket filter: a byte FIFO released at `rate`
 * with bursts of up to `burst` bytes (and optionally at most `peakrate` with
 * bursts of `mtu` bytes).
 *
 * Kernel reference: net/sched/sch_tbf.c (tbf_enqueue, tbf_dequeue,
 * tbf_change, tbf_init, tbf_dump, psched_ns_t2l), net/sched/sch_generic.c
 * (psched_ratecfg_precompute__), include/net/sch_generic.h (psched_l2t_ns),
 * include/net/pkt_sched.h (PSCHED_NS2TICKS); iproute2 tc/q_tbf.c
 * (tbf_parse_opt: the rules on rate/burst/limit/latency/peakrate/mtu and the
 * latency -> limit formula; tbf_print_opt), tc/tc_core.c (tc_calc_xmitsize,
 * tc_core_tick2time). Kernel-facts §9.
 *
 * Tokens are nanoseconds of transmission time: the bucket holds at most
 * buffer = l2t(burst) ns and fills with elapsed time. The head packet leaves
 * when toks = min(now - t_c + tokens, buffer) - l2t(len) (and the same for
 * the peak bucket) is not negative; otherwise the qdisc arms its watchdog for
 * now + max(-toks, -ptoks) ns and counts one overlimit. Packets wait in a
 * child bfifo of `limit` bytes; a packet larger than max_size (burst, or mtu
 * with peakrate) is dropped at enqueue.
 *
 * Keys (tc's): rate and burst are required, and exactly one of limit (bytes)
 * and latency (then limit = rate * latency + burst, or the smaller
 * peakrate * latency + mtu); mtu is required with peakrate, which must exceed
 * rate. Rates are converted to bytes per second as tc does (truncated).
 *
 * Simplified: no GSO segmentation (tbf_segment), no overhead/mpu/linklayer,
 * no grafting of another child (the bfifo is built in and, like the kernel's
 * TCQ_F_INVISIBLE default child, not dumped). The dump uses iproute2's
 * floating-point tc_core_tick2time (2025 rounding fix); older iproute2
 * truncated to whole microseconds, printing e.g. "burst 32750b" for 32Kb at
 * 1Gbit.
 */
#include <inttypes.h>
#include <stdint.h>

#include "models/sched/sch_generic.h"

#define TBF_TIME_MAX (1000 * SIM_SEC) /* tc's u32 of microseconds is 4294 s */
#define TBF_RATE_MAX 1e15	      /* bit/s */
#define TBF_WHAT     "qdisc 'tbf'"

struct tbf_sched_data {
	uint32_t limit;		    /* bytes: the child bfifo's limit */
	uint32_t max_size;	    /* bytes: larger packets are dropped */
	int64_t buffer;		    /* ns: rate bucket depth (burst at rate) */
	int64_t mtu;		    /* ns: peak bucket depth (mtu at peakrate), 0 without */
	struct psched_ratecfg rate; /* the long-run rate */
	struct psched_ratecfg peak; /* the peak rate, rate_bytes_ps 0 when absent */
	int64_t tokens;		    /* ns of credit in the rate bucket */
	int64_t ptokens;	    /* ns of credit in the peak bucket */
	int64_t t_c;		    /* ns: time of the last update */
	struct sk_buff_head q;	    /* the child bfifo, oldest first */
};

/* The scenario's keys, before tbf_change() turns them into the above. */
struct tbf_opts {
	uint64_t rate64;     /* bytes per second */
	uint64_t prate64;    /* bytes per second, 0 without peakrate */
	uint64_t burst;	     /* bytes */
	uint64_t mtu;	     /* bytes, 0 when not given */
	uint64_t limit;	     /* bytes, 0 when not given */
	uint64_t latency_us; /* microseconds, 0 when not given */
};

static int64_t tbf_now_ns(const struct Qdisc *sch)
{
	return qdisc_now(sch) / SIM_NS;
}

/* ---- enqueue / dequeue ---- */

static int tbf_enqueue(struct sk_buff *skb, struct Qdisc *sch, struct sk_buff **to_free)
{
	struct tbf_sched_data *q = qdisc_priv(sch);

	if (skb->len > q->max_size)
		return qdisc_drop_reason(skb, sch, to_free, SKB_DROP_REASON_QDISC_DROP);
	/* bfifo_enqueue() of the child; its drop counts in tbf's drops too */
	if (sch->stats.backlog + skb->len > q->limit)
		return qdisc_drop_reason(skb, sch, to_free, SKB_DROP_REASON_QDISC_DROP);
	__skb_queue_tail(&q->q, skb);
	qdisc_qstats_add(sch, skb);
	return NET_XMIT_SUCCESS;
}

static struct sk_buff *tbf_dequeue(struct Qdisc *sch)
{
	struct tbf_sched_data *q = qdisc_priv(sch);
	struct sk_buff *skb = q->q.head; /* q->qdisc->ops->peek() */
	int64_t now, toks, ptoks = 0;

	if (!skb)
		return NULL;
	now = tbf_now_ns(sch);
	toks = now - q->t_c < q->buffer ? now - q->t_c : q->buffer;
	if (q->peak.rate_bytes_ps) {
		ptoks = toks + q->ptokens;
		if (ptoks > q->mtu)
			ptoks = q->mtu;
		ptoks -= psched_l2t_ns(&q->peak, skb->len);
	}
	toks += q->tokens;
	if (toks > q->buffer)
		toks = q->buffer;
	toks -= psched_l2t_ns(&q->rate, skb->len);

	if ((toks | ptoks) >= 0) {
		__skb_dequeue(&q->q); /* qdisc_dequeue_peeked() */
		q->t_c = now;
		q->tokens = toks;
		q->ptokens = ptoks;
		qdisc_qstats_sub(sch, skb);
		qdisc_bstats_update(sch, skb);
		return skb;
	}
	qdisc_watchdog_schedule(sch, (now + (-toks > -ptoks ? -toks : -ptoks)) * SIM_NS);
	sch->stats.overlimits++;
	return NULL;
}

/* ---- configuration ---- */

static uint64_t tbf_bytes_ps(double bps)
{
	return (uint64_t)(bps / 8); /* tc get_rate64(): bits to bytes, truncated */
}

/* Read every key (so unknown ones are reported first), then tc's rules. */
static int tbf_read_opts(const struct cfg_node *opts, struct tbf_opts *o, struct sim_error *err)
{
	double rate = 0, prate = 0;
	sim_time_t latency = 0;

	if (cfg_get_bitrate(opts, "rate", &rate, 0, 8, TBF_RATE_MAX, err) ||
	    cfg_get_size(opts, "burst", &o->burst, 0, 1, QDISC_SIZE_MAX, err) ||
	    cfg_get_size(opts, "limit", &o->limit, 0, 1, QDISC_SIZE_MAX, err) ||
	    cfg_get_time(opts, "latency", &latency, 0, SIM_US, TBF_TIME_MAX, err) ||
	    cfg_get_bitrate(opts, "peakrate", &prate, 0, 8, TBF_RATE_MAX, err) ||
	    cfg_get_size(opts, "mtu", &o->mtu, 0, 1, QDISC_SIZE_MAX, err))
		return -1;
	if (cfg_check_unknown(opts, TBF_WHAT, err))
		return -1;
	o->rate64 = tbf_bytes_ps(rate);
	o->prate64 = tbf_bytes_ps(prate);
	o->latency_us = (uint64_t)(latency / SIM_US);
	return 0;
}

static int tbf_check_opts(const struct cfg_node *opts, const struct tbf_opts *o,
			  struct sim_error *err)
{
	if (cfg_require(opts, "rate", TBF_WHAT, err) || cfg_require(opts, "burst", TBF_WHAT, err))
		return -1;
	if (o->prate64 && cfg_require(opts, "mtu", TBF_WHAT " with 'peakrate'", err))
		return -1;
	if (o->limit && o->latency_us)
		return cfg_error(cfg_get(opts, "latency"), err,
				 TBF_WHAT " takes 'limit' or 'latency', not both");
	if (!o->limit && !o->latency_us)
		return opts ? cfg_error(opts, err, TBF_WHAT " needs 'limit' or 'latency'")
			    : sim_error_set(err, TBF_WHAT " needs 'limit' or 'latency'");
	if (o->prate64 && o->prate64 <= o->rate64)
		return cfg_error(cfg_get(opts, "peakrate"), err,
				 "'peakrate' must be above 'rate' (%s), got '%s'",
				 cfg_get(opts, "rate")->str, cfg_get(opts, "peakrate")->str);
	return 0;
}

/* tbf_parse_opt(): limit from latency, the smaller of the two buckets' bounds. */
static uint32_t tbf_limit(const struct tbf_opts *o)
{
	double lim;

	if (o->limit)
		return (uint32_t)o->limit;
	lim = (double)o->rate64 * (double)o->latency_us / 1e6 + (double)o->burst;
	if (o->prate64) {
		double lim2 = (double)o->prate64 * (double)o->latency_us / 1e6 + (double)o->mtu;

		if (lim2 < lim)
			lim = lim2;
	}
	return lim >= UINT32_MAX ? UINT32_MAX : (uint32_t)lim;
}

/* tbf_change() with TCA_TBF_BURST and TCA_TBF_PBURST, as current tc sends them. */
static void tbf_change(struct Qdisc *sch, const struct tbf_opts *o)
{
	struct tbf_sched_data *q = qdisc_priv(sch);

	psched_ratecfg_precompute(&q->rate, o->rate64);
	q->max_size = (uint32_t)o->burst;
	q->buffer = psched_l2t_ns(&q->rate, q->max_size);
	psched_ratecfg_precompute(&q->peak, o->prate64);
	q->mtu = 0;
	if (o->prate64) {
		if (o->mtu < q->max_size)
			q->max_size = (uint32_t)o->mtu;
		q->mtu = psched_l2t_ns(&q->peak, (uint32_t)o->mtu);
	}
	q->limit = tbf_limit(o);
	sch->limit = q->limit;
	q->tokens = q->buffer;
	q->ptokens = q->mtu;
}

static int tbf_init(struct Qdisc *sch, const struct cfg_node *opts, struct sim_error *err)
{
	struct tbf_sched_data *q = qdisc_priv(sch);
	struct tbf_opts o = { 0 };

	skb_queue_head_init(&q->q);
	if (tbf_read_opts(opts, &o, err) || tbf_check_opts(opts, &o, err))
		return -1;
	q->t_c = tbf_now_ns(sch);
	tbf_change(sch, &o);
	return 0;
}

/* ---- tc -s qdisc show ---- */

/* tbf_print_opt(): the latency a full child queue means, in microseconds. */
static double tbf_latency_us(const struct tbf_sched_data *q)
{
	double lat = 1e6 * (q->limit / (double)q->rate.rate_bytes_ps) -
		     (uint32_t)(q->buffer >> PSCHED_SHIFT) / TICK_IN_USEC;

	if (q->peak.rate_bytes_ps) {
		double lat2 = 1e6 * (q->limit / (double)q->peak.rate_bytes_ps) -
			      (uint32_t)(q->mtu >> PSCHED_SHIFT) / TICK_IN_USEC;

		if (lat2 > lat)
			lat = lat2;
	}
	return lat;
}

static void tbf_dump_opts(const struct Qdisc *sch, FILE *f)
{
	const struct tbf_sched_data *q = qdisc_priv(sch);
	double lat = tbf_latency_us(q);
	char b[64];

	fprintf(f, "rate %s ", tc_sprint_rate(b, sizeof(b), q->rate.rate_bytes_ps));
	fprintf(f, "burst %s ",
		tc_sprint_size(b, sizeof(b), tc_calc_xmitsize(q->rate.rate_bytes_ps, q->buffer)));
	if (q->peak.rate_bytes_ps) {
		fprintf(f, "peakrate %s ", tc_sprint_rate(b, sizeof(b), q->peak.rate_bytes_ps));
		if (q->mtu >> PSCHED_SHIFT)
			fprintf(f, "minburst %s ",
				tc_sprint_size(b, sizeof(b),
					       tc_calc_xmitsize(q->peak.rate_bytes_ps, q->mtu)));
	}
	if (lat >= 0)
		fprintf(f, "lat %s ",
			tc_sprint_time(b, sizeof(b),
				       lat >= UINT32_MAX ? UINT32_MAX : (uint32_t)lat));
	else
		fprintf(f, "limit %s ", tc_sprint_size(b, sizeof(b), q->limit));
}

const struct Qdisc_ops tbf_ops = {
	.id = "tbf",
	.priv_size = sizeof(struct tbf_sched_data),
	.init = tbf_init,
	.enqueue = tbf_enqueue,
	.dequeue = tbf_dequeue,
	.dump_opts = tbf_dump_opts,
};
