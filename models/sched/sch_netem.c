/*
 * models/sched/sch_netem.c - the network emulator: delay with jitter and
 * correlation, random loss with correlation, reordering with a gap, and a
 * rate limit with per-packet overhead.
 *
 * Kernel reference: net/sched/sch_netem.c (netem_enqueue, tfifo_enqueue,
 * netem_dequeue, get_crandom, tabledist, loss_event, packet_time_ns,
 * netem_change, get_correlation); iproute2 tc/q_netem.c (netem_parse_opt:
 * `delay TIME [JITTER [CORRELATION]]`, `loss [random] PERCENT
 * [CORRELATION]`, `reorder PERCENT [CORRELATION]`, `gap DISTANCE` (gap 1
 * when reorder is given without it), `rate RATE [PACKETOVERHEAD]`, `limit
 * PACKETS`; netem_print_opt).
 *
 * Each packet gets time_to_send = now + tabledist(latency, jitter): with
 * jitter, uniform in [latency - jitter, latency + jitter) from a correlated
 * u32 (get_crandom: next = (rnd * (2^32 - rho) + last * rho) >> 32).
 * With a rate, the delay is measured from the last queued packet's
 * time_to_send and the packet's serialisation time (len + packetoverhead)
 * * 1e9 / rate ns is added (the kernel's `delay -= last - now` bonus).
 * Packets wait in the tfifo ordered by time_to_send (so jitter reorders
 * them, as in the kernel); dequeue releases the head when its time has come
 * and otherwise arms the watchdog for it. Reordering: when counter >=
 * gap - 1 and a correlated draw falls below `reorder`, the packet goes to
 * the head of the plain queue (sent at once, counted in requeues) and the
 * counter restarts. Loss: a correlated draw below `loss` drops the packet at
 * enqueue (qdisc_drop, SKB_DROP_REASON_QDISC_DROP; the sender sees success,
 * as with __NET_XMIT_BYPASS). A full queue (`limit`, default 1000) drops the
 * new packet with NET_XMIT_DROP.
 *
 * Random draws come from the qdisc's seeded stream (qdisc/<dev>/<handle>)
 * in place of prandom_u32_state; the correlation state starts at 0 (the
 * kernel seeds it with a random value).
 *
 * `distribution normal` uses the table iproute2's normal.c generates (built
 * here the same way at init) through the kernel's tabledist arithmetic.
 *
 * Simplified: no pareto/paretonormal/experimental tables, no duplicate, corrupt, ECN marking, slot or
 * Gilbert-Elliott / 4-state loss models, no cell size for rate, no child
 * qdisc. This VM's kernel is built without sch_netem, so neither the model
 * nor the dump was compared with a real one.
 */
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "models/sched/sch_generic.h"
#include "sim/units.h"

#define NETEM_WHAT	 "qdisc 'netem'"
#define NETEM_DIST_SCALE 8192 /* include/uapi/linux/pkt_sched.h */
#define NETEM_DIST_SIZE	 4096 /* entries of iproute2's normal.dist */
#define NETEM_WORDS	 4    /* words of one key's value */
#define NSEC_PER_SEC	 1000000000ULL

struct crndstate {
	uint32_t last; /* the previous correlated draw */
	uint32_t rho;  /* correlation, scaled to 2^32 - 1 */
};

struct netem_sched_data {
	struct sk_buff_head tfifo;    /* waiting, ordered by time_to_send */
	struct sk_buff_head q;	      /* reordered: sent first (sch->q) */
	int64_t latency;	      /* ns */
	int64_t jitter;		      /* ns */
	uint32_t loss;		      /* probability scaled to 2^32 - 1 */
	uint32_t reorder;	      /* probability scaled to 2^32 - 1 */
	uint32_t gap;		      /* reorder one packet of every gap, 0: no reordering */
	uint32_t counter;	      /* packets since the last reordered one */
	uint64_t rate;		      /* bytes per second, 0 without */
	int32_t packet_overhead;      /* bytes added to each packet for the rate */
	struct crndstate delay_cor;   /* jitter correlation */
	struct crndstate loss_cor;    /* loss correlation */
	struct crndstate reorder_cor; /* reorder correlation */
	int16_t *delay_dist;	      /* `distribution normal`: NETEM_DIST_SIZE entries, or NULL */
};

static int64_t netem_now_ns(const struct Qdisc *sch)
{
	return qdisc_now(sch) / SIM_NS;
}

static uint32_t prandom_u32(struct Qdisc *sch)
{
	return (uint32_t)(sim_rng_u64(&sch->rng) >> 32);
}

/* get_crandom(): a u32 that depends on the last one by rho. */
static uint32_t get_crandom(struct crndstate *state, struct Qdisc *sch)
{
	uint64_t value, rho;
	uint32_t answer;

	if (!state->rho)
		return prandom_u32(sch);
	value = prandom_u32(sch);
	rho = (uint64_t)state->rho + 1;
	answer = (uint32_t)((value * ((1ULL << 32) - rho) + state->last * rho) >> 32);
	state->last = answer;
	return answer;
}

/*
 * tabledist(): uniform in [mu - sigma, mu + sigma) without a table, else
 * mu + sigma * table[rnd % size] / NETEM_DIST_SCALE, rounded as the kernel does.
 */
static int64_t tabledist(int64_t mu, int64_t sigma, struct crndstate *state, struct Qdisc *sch,
			 const int16_t *dist)
{
	int64_t x, t;
	uint32_t rnd;

	if (sigma == 0)
		return mu;
	rnd = get_crandom(state, sch);
	if (!dist)
		return (int64_t)(rnd % (2 * (uint32_t)sigma)) + mu - sigma;
	t = dist[rnd % NETEM_DIST_SIZE];
	x = (sigma % NETEM_DIST_SCALE) * t;
	x += x >= 0 ? NETEM_DIST_SCALE / 2 : -NETEM_DIST_SCALE / 2;
	return x / NETEM_DIST_SCALE + (sigma / NETEM_DIST_SCALE) * t + mu;
}

/*
 * iproute2 netem/normal.c, which makes normal.dist: table[i] is the largest
 * x on a 0.00005 grid of [-10, 10.05) with rint(16384 * Phi(x)) == i, every
 * fourth entry kept, scaled by NETEM_DIST_SCALE and clamped to a short.
 */
static void netem_normal_table(int16_t *out)
{
	static double table[16384 + 1];

	for (int k = 0; k <= 401000; k++) {
		double x = -10.0 + k * 0.00005;
		int i;

		if (x >= 10.05)
			break;
		i = (int)rint(16384 * (.5 + .5 * erf(x / sqrt(2.0))));
		table[i] = x;
	}
	for (int i = 0, n = 0; i < 16384; i += 4, n++) {
		double v = rint(table[i] * NETEM_DIST_SCALE);

		out[n] = (int16_t)(v < SHRT_MIN ? SHRT_MIN : v > SHRT_MAX ? SHRT_MAX : v);
	}
}

/* packet_time_ns(): serialisation time of @len bytes plus overhead at q->rate. */
static int64_t packet_time_ns(uint64_t len, const struct netem_sched_data *q)
{
	len += (uint64_t)(int64_t)q->packet_overhead;
	return (int64_t)(len * NSEC_PER_SEC / q->rate);
}

/* tfifo_enqueue(): insert by time_to_send, after packets with the same time. */
static void tfifo_enqueue(struct sk_buff *nskb, struct netem_sched_data *q)
{
	struct sk_buff **pp;

	if (!q->tfifo.tail || q->tfifo.tail->t_netem <= nskb->t_netem) {
		__skb_queue_tail(&q->tfifo, nskb);
		return;
	}
	for (pp = &q->tfifo.head; (*pp)->t_netem <= nskb->t_netem; pp = &(*pp)->next)
		;
	nskb->next = *pp;
	*pp = nskb;
	q->tfifo.qlen++;
}

/* The latest time_to_send queued (rate: the reference point). */
static struct sk_buff *netem_last(const struct netem_sched_data *q)
{
	return q->tfifo.tail;
}

static void netem_enqueue_head(struct sk_buff_head *h, struct sk_buff *skb)
{
	skb->next = h->head;
	h->head = skb;
	if (!h->tail)
		h->tail = skb;
	h->qlen++;
}

static int netem_enqueue(struct sk_buff *skb, struct Qdisc *sch, struct sk_buff **to_free)
{
	struct netem_sched_data *q = qdisc_priv(sch);
	int64_t now = netem_now_ns(sch), delay;

	/* loss_event(), CLG_RANDOM */
	if (q->loss && q->loss >= get_crandom(&q->loss_cor, sch)) {
		qdisc_drop_reason(skb, sch, to_free, SKB_DROP_REASON_QDISC_DROP);
		return NET_XMIT_SUCCESS; /* NET_XMIT_SUCCESS | __NET_XMIT_BYPASS */
	}
	if (sch->stats.qlen >= sch->limit)
		return qdisc_drop_reason(skb, sch, to_free, SKB_DROP_REASON_QDISC_DROP);
	qdisc_qstats_add(sch, skb);
	if (q->gap == 0 || q->counter < q->gap - 1 ||
	    q->reorder < get_crandom(&q->reorder_cor, sch)) {
		delay = tabledist(q->latency, q->jitter, &q->delay_cor, sch, q->delay_dist);
		if (q->rate) {
			const struct sk_buff *last = netem_last(q);

			if (last) {
				int64_t t_last = last->t_netem / SIM_NS;

				delay -= t_last - now;
				if (delay < 0)
					delay = 0;
				now = t_last;
			}
			delay += packet_time_ns(skb->len, q);
		}
		skb->t_netem = (now + delay) * SIM_NS;
		++q->counter;
		tfifo_enqueue(skb, q);
	} else {
		/* one out of N packets to the front of the queue */
		skb->t_netem = now * SIM_NS;
		q->counter = 0;
		netem_enqueue_head(&q->q, skb);
		sch->stats.requeues++;
	}
	return NET_XMIT_SUCCESS;
}

static struct sk_buff *netem_deliver(struct Qdisc *sch, struct sk_buff *skb)
{
	qdisc_qstats_sub(sch, skb);
	qdisc_bstats_update(sch, skb);
	return skb;
}

static struct sk_buff *netem_dequeue(struct Qdisc *sch)
{
	struct netem_sched_data *q = qdisc_priv(sch);
	struct sk_buff *skb = __skb_dequeue(&q->q);

	if (skb)
		return netem_deliver(sch, skb);
	skb = q->tfifo.head;
	if (!skb)
		return NULL;
	if (skb->t_netem <= qdisc_now(sch))
		return netem_deliver(sch, __skb_dequeue(&q->tfifo));
	qdisc_watchdog_schedule(sch, skb->t_netem);
	return NULL;
}

/* ---- configuration: tc's words ---- */

/* Split the scalar @n into at most NETEM_WORDS words; their count, -1 if more. */
static int netem_words(const struct cfg_node *n, char w[NETEM_WORDS][32])
{
	const char *p = n->str;
	int nw = 0;

	for (;;) {
		size_t len;

		while (*p == ' ')
			p++;
		len = strcspn(p, " ");
		if (!len)
			return nw;
		if (nw == NETEM_WORDS || len >= 32)
			return -1;
		memcpy(w[nw], p, len);
		w[nw++][len] = 0;
		p += len;
	}
}

/* get_percent(): "25%" (or a fraction) scaled to 2^32 - 1. */
static int netem_percent(const char *s, uint32_t *out)
{
	double v;

	if (sim_parse_fraction(s, &v))
		return -1;
	*out = (uint32_t)(v * 4294967295.0 + 0.5);
	return 0;
}

static int netem_time(const char *s, int64_t *ns)
{
	sim_time_t t;

	if (sim_parse_time(s, &t) || t < 0 || t > 1000 * SIM_SEC)
		return -1;
	*ns = t / SIM_NS;
	return 0;
}

static int netem_bad(const struct cfg_node *n, const char *key, const char *want,
		     struct sim_error *err)
{
	return cfg_error(n, err, "'%s' must be like '%s', got '%s'", key, want, n->str);
}

/* The scalar under @key, or NULL; -1 on a non-scalar. */
static int netem_key(const struct cfg_node *opts, const char *key, const struct cfg_node **n,
		     char w[NETEM_WORDS][32], int *nw, struct sim_error *err)
{
	const char *s;

	*nw = 0;
	*n = NULL;
	if (cfg_get_str(opts, key, &s, NULL, err))
		return -1;
	if (!s)
		return 0;
	*n = cfg_get(opts, key);
	*nw = netem_words(*n, w);
	return 0;
}

static int netem_parse_delay(const struct cfg_node *opts, struct netem_sched_data *q,
			     struct sim_error *err)
{
	static const char want[] = "10ms 2ms 25%";
	const struct cfg_node *n;
	char w[NETEM_WORDS][32];
	int nw;

	if (netem_key(opts, "delay", &n, w, &nw, err))
		return -1;
	if (!n)
		return 0;
	if (nw < 1 || nw > 3 || netem_time(w[0], &q->latency) ||
	    (nw > 1 && netem_time(w[1], &q->jitter)) ||
	    (nw > 2 && netem_percent(w[2], &q->delay_cor.rho)))
		return netem_bad(n, "delay", want, err);
	if (q->jitter > UINT32_MAX / 2)
		return cfg_error(n, err, "'delay' jitter must be at most 2.1s, got '%s'", w[1]);
	return 0;
}

/* `loss [random] PERCENT [CORRELATION]`. */
static int netem_parse_loss(const struct cfg_node *opts, struct netem_sched_data *q,
			    struct sim_error *err)
{
	static const char want[] = "1% 25%";
	const struct cfg_node *n;
	char w[NETEM_WORDS][32];
	int nw, i = 0;

	if (netem_key(opts, "loss", &n, w, &nw, err))
		return -1;
	if (!n)
		return 0;
	if (nw > 0 && !strcmp(w[0], "random"))
		i = 1;
	if (nw - i < 1 || nw - i > 2 || netem_percent(w[i], &q->loss) ||
	    (nw - i > 1 && netem_percent(w[i + 1], &q->loss_cor.rho)))
		return netem_bad(n, "loss", want, err);
	return 0;
}

static int netem_parse_reorder(const struct cfg_node *opts, struct netem_sched_data *q,
			       struct sim_error *err)
{
	static const char want[] = "25% 50%";
	const struct cfg_node *n;
	char w[NETEM_WORDS][32];
	uint64_t gap;
	int nw;

	if (netem_key(opts, "reorder", &n, w, &nw, err) ||
	    cfg_get_u64(opts, "gap", &gap, 0, 1, UINT32_MAX, err))
		return -1;
	q->gap = (uint32_t)gap;
	if (!n)
		return q->gap ? cfg_error(cfg_get(opts, "gap"), err,
					  NETEM_WHAT " with 'gap' needs 'reorder'")
			      : 0;
	if (nw < 1 || nw > 2 || netem_percent(w[0], &q->reorder) ||
	    (nw > 1 && netem_percent(w[1], &q->reorder_cor.rho)))
		return netem_bad(n, "reorder", want, err);
	if (!q->latency)
		return cfg_error(n, err, NETEM_WHAT " cannot reorder without 'delay'");
	if (!q->gap)
		q->gap = 1;
	return 0;
}

/* `rate RATE [PACKETOVERHEAD]`. */
static int netem_parse_rate(const struct cfg_node *opts, struct netem_sched_data *q,
			    struct sim_error *err)
{
	static const char want[] = "10Mbit 20";
	const struct cfg_node *n;
	char w[NETEM_WORDS][32];
	double bps;
	char *end;
	long oh = 0;
	int nw;

	if (netem_key(opts, "rate", &n, w, &nw, err))
		return -1;
	if (!n)
		return 0;
	if (nw < 1 || nw > 2 || sim_parse_bitrate(w[0], &bps) || bps < 8 || bps > 1e15)
		return netem_bad(n, "rate", want, err);
	if (nw > 1) {
		oh = strtol(w[1], &end, 10);
		if (*end || oh < -65535 || oh > 65535)
			return netem_bad(n, "rate", want, err);
	}
	q->rate = (uint64_t)(bps / 8);
	q->packet_overhead = (int32_t)oh;
	return 0;
}

/* `distribution normal` (iproute2's table; pareto and paretonormal are not modelled). */
static int netem_parse_dist(const struct cfg_node *opts, struct netem_sched_data *q,
			    struct sim_error *err)
{
	static const char *const dists[] = { "uniform", "normal", NULL };
	int d;

	if (cfg_get_enum(opts, "distribution", dists, &d, 0, err))
		return -1;
	if (d == 1 && !q->jitter)
		return cfg_error(cfg_get(opts, "distribution"), err,
				 NETEM_WHAT " with 'distribution' needs a jitter in 'delay'");
	if (d != 1)
		return 0;
	q->delay_dist = malloc(NETEM_DIST_SIZE * sizeof(q->delay_dist[0]));
	if (!q->delay_dist)
		return sim_error_set(err, "out of memory");
	netem_normal_table(q->delay_dist);
	return 0;
}

static void netem_destroy(struct Qdisc *sch)
{
	struct netem_sched_data *q = qdisc_priv(sch);

	free(q->delay_dist);
}

static int netem_init(struct Qdisc *sch, const struct cfg_node *opts, struct sim_error *err)
{
	struct netem_sched_data *q = qdisc_priv(sch);
	uint64_t limit;

	skb_queue_head_init(&q->tfifo);
	skb_queue_head_init(&q->q);
	if (cfg_get_u64(opts, "limit", &limit, 1000, 1, UINT32_MAX, err) ||
	    netem_parse_delay(opts, q, err) || netem_parse_dist(opts, q, err) ||
	    netem_parse_loss(opts, q, err) || netem_parse_reorder(opts, q, err) ||
	    netem_parse_rate(opts, q, err) || cfg_check_unknown(opts, NETEM_WHAT, err))
		return -1;
	sch->limit = (uint32_t)limit;
	return 0;
}

/* ---- tc -s qdisc show ---- */

/* sprint_percent(): "%g%%" of the value as tc sent it. */
static void netem_print_pct(FILE *f, uint32_t scaled)
{
	fprintf(f, " %g%%", 100.0 * scaled / 4294967295.0);
}

/* netem_print_opt(): "limit 1000 delay 10ms  2ms 25% loss 1% reorder 25% gap 5 rate 10Mbit". */
static void netem_dump_opts(const struct Qdisc *sch, FILE *f)
{
	const struct netem_sched_data *q = qdisc_priv(sch);
	char b[64];

	fprintf(f, "limit %" PRIu32, sch->limit);
	if (q->latency) {
		fprintf(f, " delay %s",
			tc_sprint_time(b, sizeof(b), (uint32_t)(q->latency / 1000)));
		if (q->jitter) {
			fprintf(f, "  %s",
				tc_sprint_time(b, sizeof(b), (uint32_t)(q->jitter / 1000)));
			if (q->delay_cor.rho)
				netem_print_pct(f, q->delay_cor.rho);
		}
	}
	if (q->loss) {
		fprintf(f, " loss");
		netem_print_pct(f, q->loss);
		if (q->loss_cor.rho)
			netem_print_pct(f, q->loss_cor.rho);
	}
	if (q->reorder) {
		fprintf(f, " reorder");
		netem_print_pct(f, q->reorder);
		if (q->reorder_cor.rho)
			netem_print_pct(f, q->reorder_cor.rho);
	}
	if (q->rate) {
		fprintf(f, " rate %s", tc_sprint_rate(b, sizeof(b), q->rate));
		if (q->packet_overhead)
			fprintf(f, " packetoverhead %" PRId32, q->packet_overhead);
	}
	if (q->gap)
		fprintf(f, " gap %" PRIu32, q->gap);
}

const struct Qdisc_ops netem_ops = {
	.id = "netem",
	.priv_size = sizeof(struct netem_sched_data),
	.init = netem_init,
	.enqueue = netem_enqueue,
	.dequeue = netem_dequeue,
	.destroy = netem_destroy,
	.dump_opts = netem_dump_opts,
};
