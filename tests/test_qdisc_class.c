/*
 * tests/test_qdisc_class.c - prio, netem, htb and the u32 filters against
 * trivial reference models and the kernel's measurements.
 *
 *  - Every configuration error of the three disciplines and of filters, with
 *    its exact text.
 *  - u32: each `match ip` form against a reference predicate on random skbs.
 *  - prio: random sequences (skb->priority 0..15, "1:N" priorities, dport
 *    filters) against an array per band built from prio_classify's rules;
 *    dequeue lowest band first; child limits; the dump and `tc -s class`.
 *  - netem: a fixed delay releases each packet exactly `delay` later (the
 *    watchdog fires then); jitter keeps delays in [delay - jitter, delay +
 *    jitter) with the mean within 4 standard errors and releases in
 *    time_to_send order; loss within 4 standard errors of the probability;
 *    reorder with gap sends every gap-th packet at once (requeues); rate
 *    spaces packets by (len + packetoverhead) / rate exactly; the limit.
 *  - htb: one class sends at its rate within 0.5 %; two classes share by
 *    rate when the parent is full, a lone class reaches its ceil, the excess
 *    goes to the lower prio and at equal prio in the ratio of the quanta;
 *    unclassified traffic goes to `default`, or with default 0 unshaped to
 *    the direct queue; the quantum from r2q; drops in the leaf.
 *  - Against tests/kernel-ref (measure_htb.py on this VM's 6.18 kernel): the
 *    `tc -s class show` text of a fresh htb tree byte for byte (burst,
 *    cburst, tokens, ctokens, the class hash order), and the measured
 *    rates of htb_rate.csv within 1 % (the kernel measured its own Sent
 *    bytes over 2 s; its rates are within 0.3 % of the configured ones).
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cfg.h"
#include "models/core/observe.h"
#include "models/core/netdevice.h"
#include "models/sched/sch_generic.h"
#include "models/core/skb.h"
#include "tests/test_qdisc.h"
#include "models/ipv4/sock.h"
#include "models/ipv4/udp.h"

#define TC_PRIO_CONTROL_ 7 /* include/uapi/linux/pkt_sched.h TC_PRIO_CONTROL */

/* ---- the tiny world is tests/test_qdisc.h's ---- */

static struct sk_buff *mkskb(uint32_t len, uint16_t dport, uint32_t prio)
{
	struct sk_buff *skb = skb_alloc(T.w);

	CHECK(skb);
	skb->len = len;
	skb->truesize = len + 768;
	skb->dport = dport;
	skb->sport = 40000;
	skb->saddr = 0x0a000001;
	skb->daddr = 0x0a000002;
	skb->priority = prio;
	skb->protocol = IPPROTO_UDP_;
	skb->stage = STAGE_T13;
	return skb;
}

static char *dump_with(const struct Qdisc *q, bool classes)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	if (classes)
		qdisc_dump_classes(q, "eth0", f);
	else
		qdisc_dump(q, "eth0", "root", f);
	fclose(f);
	return buf;
}

/* ---- configuration errors ---- */

struct ecase {
	const char *yaml; /* scenario text */
	const char *msg;  /* the error, exactly */
};

static const struct ecase ecases[] = {
	{ "qdisc: {kind: prio, bands: 1}\n",
	  "t.yaml:1:28: 'bands' must be between 2 and 16, got '1'" },
	{ "qdisc: {kind: prio, priomap: [0, 1]}\n",
	  "t.yaml:1:30: 'priomap' must list 16 bands, got 2" },
	{ "qdisc: {kind: prio, bands: 2, priomap: [0,1,2,0,0,0,0,0,0,0,0,0,0,0,0,0]}\n",
	  "t.yaml:1:45: 'priomap' must be between 0 and 1, got '2'" },
	{ "qdisc: {kind: prio, handle: '1:5'}\n",
	  "t.yaml:1:29: 'handle' must be a qdisc handle like '1:', got '1:5'" },
	{ "qdisc: {kind: prio, handle: one}\n",
	  "t.yaml:1:29: 'handle' must be a class id like '1:10' (hex), got 'one'" },
	{ "qdisc: {kind: prio, handle: '1:', classes: [{classid: '1:4'}]}\n",
	  "t.yaml:1:55: 'classid' must be a band of qdisc '1:' (1:1 to 1:3), got '1:4'" },
	{ "qdisc: {kind: prio, handle: '1:', classes: [{classid: '1:1'}, {classid: '1:1'}]}\n",
	  "t.yaml:1:73: class '1:1' is given twice" },
	{ "qdisc: {kind: prio, handle: '1:', classes: [{classid: '1:1', qdisc: {kind: sfqq}}]}\n",
	  "t.yaml:1:76: unknown qdisc 'sfqq' (did you mean 'sfq'?)" },
	{ "qdisc: {kind: prio, bnds: 3}\n",
	  "t.yaml:1:21: unknown key 'bnds' in qdisc 'prio' (did you mean 'bands'?)" },
	{ "qdisc: {kind: prio, handle: '1:', filters: [{match: ip dport 80, flowid: '1:1'}]}\n",
	  "t.yaml:1:53: 'match' must be like 'ip dport 5001 0xffff' or 'ip src 10.0.0.0/24', got "
	  "'ip dport 80'" },
	{ "qdisc: {kind: prio, handle: '1:', filters: [{match: ip src 10.0.0.300, flowid: "
	  "'1:1'}]}\n",
	  "t.yaml:1:53: 'match' must be like 'ip dport 5001 0xffff' or 'ip src 10.0.0.0/24', got "
	  "'ip src 10.0.0.300'" },
	{ "qdisc: {kind: prio, handle: '1:', filters: [{match: ip dport 80 0xffff, flowid: "
	  "'2:1'}]}\n",
	  "t.yaml:1:81: 'flowid' must be a class of qdisc '1:', got '2:1'" },
	{ "qdisc: {kind: prio, handle: '1:', filters: [{match: ip dport 80 0xffff}]}\n",
	  "t.yaml:1:45: filter needs 'flowid'" },
	{ "qdisc: {kind: netem, delay: 10 ms}\n",
	  "t.yaml:1:29: 'delay' must be like '10ms 2ms 25%', got '10 ms'" },
	{ "qdisc: {kind: netem, delay: 10ms 3s}\n",
	  "t.yaml:1:29: 'delay' jitter must be at most 2.1s, got '3s'" },
	{ "qdisc: {kind: netem, loss: 120%}\n",
	  "t.yaml:1:28: 'loss' must be like '1% 25%', got '120%'" },
	{ "qdisc: {kind: netem, reorder: 25%}\n",
	  "t.yaml:1:31: qdisc 'netem' cannot reorder without 'delay'" },
	{ "qdisc: {kind: netem, delay: 1ms, gap: 5}\n",
	  "t.yaml:1:39: qdisc 'netem' with 'gap' needs 'reorder'" },
	{ "qdisc: {kind: netem, rate: fast}\n",
	  "t.yaml:1:28: 'rate' must be like '10Mbit 20', got 'fast'" },
	{ "qdisc: {kind: netem, jitter: 1ms}\n",
	  "t.yaml:1:22: unknown key 'jitter' in qdisc 'netem' (known: kind, limit, delay, "
	  "distribution, loss, reorder, gap, rate)" },
	{ "qdisc: {kind: htb, classes: [{classid: '1:10', rate: 1Mbit}]}\n",
	  "t.yaml:1:40: 'classid' must be a class of qdisc '8001:', got '1:10'" },
	{ "qdisc: {kind: htb, handle: '1:', classes: [{classid: '1:10'}]}\n",
	  "t.yaml:1:44: htb class needs 'rate'" },
	{ "qdisc: {kind: htb, handle: '1:', classes: [{classid: '1:10', rate: 2Mbit, ceil: "
	  "1Mbit}]}\n",
	  "t.yaml:1:81: 'ceil' must be at least 'rate' (2Mbit), got '1Mbit'" },
	{ "qdisc: {kind: htb, handle: '1:', classes: [{classid: '1:10', parent: '1:1', rate: "
	  "1Mbit}]}\n",
	  "t.yaml:1:70: 'parent' must be a class listed before, got '1:1'" },
	{ "qdisc: {kind: htb, handle: '1:', classes: [{classid: '1:10', rate: 1Mbit, prio: 8}]}\n",
	  "t.yaml:1:81: 'prio' must be between 0 and 7, got '8'" },
	{ "qdisc: {kind: htb, handle: '1:', default: 1g}\n",
	  "t.yaml:1:43: 'default' must be a class minor in hex like '20', got '1g'" },
	{ "qdisc: {kind: htb, handle: '1:', classes: [{classid: '1:1', rate: 1Mbit, qdisc: "
	  "pfifo},\n"
	  "  {classid: '1:2', parent: '1:1', rate: 1Mbit}]}\n",
	  "t.yaml:1:81: class '1:1' has classes under it: no 'qdisc'" },
	{ "qdisc: {kind: netem, delay: 10ms, distribution: normal}\n",
	  "t.yaml:1:49: qdisc 'netem' with 'distribution' needs a jitter in 'delay'" },
	{ "qdisc: {kind: netem, delay: 10ms 1ms, distribution: pareto}\n",
	  "t.yaml:1:53: 'distribution' must be one of uniform, normal, got 'pareto'" },
	{ "qdisc: {kind: sfq, divisor: 1000}\n",
	  "t.yaml:1:29: 'divisor' must be a power of 2, got '1000'" },
	{ "qdisc: {kind: sfq, depth: 128}\n",
	  "t.yaml:1:27: 'depth' must be between 1 and 127, got '128'" },
	{ "qdisc: {kind: fq, maxrate: 1}\n",
	  "t.yaml:1:28: 'maxrate' must be a bit rate like '10Gbit' (units: bit, kbit, Mbit, Gbit, "
	  "Tbit, bps, Mbps, Gbps), got '1'" },
	{ "qdisc: {kind: fq, flow_limt: 5}\n",
	  "t.yaml:1:19: unknown key 'flow_limt' in qdisc 'fq' (did you mean 'flow_limit'?)" },
	{ "qdisc: {kind: cake, overhead: atm}\n", "t.yaml:1:31: 'overhead' must be bytes (-64 to "
						  "256) or raw, ethernet, docsis, got 'atm'" },
	{ "qdisc: {kind: cake, flow_mode: triple}\n",
	  "t.yaml:1:32: 'flow_mode' must be one of flowblind, srchost, dsthost, hosts, flows, "
	  "dual-srchost, dual-dsthost, triple-isolate, got 'triple'" },
	{ "qdisc: {kind: htb, handle: '1:', classes: [{classid: '1:1', rate: 1Mbit, cel: "
	  "2Mbit}]}\n",
	  "t.yaml:1:74: unknown key 'cel' in htb class (did you mean 'ceil'?)" },
};

START_TEST(test_config_errors)
{
	const struct ecase *c = &ecases[_i];
	struct sim_error err = { 0 };

	ck_assert_ptr_null(tq_qcreate(c->yaml, "pfifo_fast", TQ_HANDLE, &err));
	ck_assert_str_eq(err.msg, c->msg);
}
END_TEST

/* ---- u32 ---- */

struct ucase {
	const char *match; /* the filter's match */
	uint32_t field;	   /* 0 saddr, 1 daddr, 2 sport, 3 dport, 4 protocol, 5 tos */
	uint32_t val;	   /* reference: (field & mask) == val */
	uint32_t mask;	   /* its mask */
};

static const struct ucase ucases[] = {
	{ "ip dport 5001 0xffff", 3, 5001, 0xffff },
	{ "ip sport 0x9c00 0xff00", 2, 0x9c00, 0xff00 },
	{ "ip src 10.0.0.0/24", 0, 0x0a000000, 0xffffff00 },
	{ "ip dst 10.0.0.2", 1, 0x0a000002, 0xffffffff },
	{ "ip protocol 17 0xff", 4, 17, 0xff },
	{ "ip tos 0x10 0xfc", 5, 0x10, 0xfc },
	{ "ip dsfield 0xb8 0xfc", 5, 0xb8, 0xfc },
	{ "ip src 0.0.0.0/0", 0, 0, 0 },
};

static uint32_t ufield(const struct sk_buff *skb, uint32_t f)
{
	const uint32_t v[] = { skb->saddr, skb->daddr,	  skb->sport,
			       skb->dport, skb->protocol, skb->tos };

	return v[f];
}

/* A prio whose only filter is @match -> 1:1; band 1 (priority 0) otherwise. */
START_TEST(test_u32_match)
{
	const struct ucase *c = &ucases[_i];
	char yaml[256];
	struct Qdisc *q;
	uint32_t nmatch = 0;

	snprintf(yaml, sizeof(yaml),
		 "qdisc: {kind: prio, handle: '1:', filters: [{match: %s, flowid: '1:1'}]}\n",
		 c->match);
	q = tq_mkq(yaml);
	/* the classification itself: a filled queue splits into 1:1 and 1:2 */
	for (int i = 0; i < 200; i++) {
		struct sk_buff *skb = mkskb(100, (uint16_t)(5000 + i % 8), 0);

		skb->saddr = 0x0a000000 | (uint32_t)(i * 3);
		skb->tos = (uint8_t)(i * 7);
		skb->sport = (uint16_t)(0x9b00 + i * 5);
		skb->protocol = i % 3 ? 17 : 6;
		skb->daddr = i % 2 ? 0x0a000002 : 0x0a000003;
		skb->priority = (ufield(skb, c->field) & c->mask) == c->val; /* the reference */
		nmatch += skb->priority;
		tq_enq(q, skb);
	}
	ck_assert_uint_gt(nmatch, 0);
	if (c->mask)
		ck_assert_uint_lt(nmatch, 200); /* the test can tell them apart */
	/* all that matched come out before all that did not */
	for (bool seen_miss = false; q->stats.qlen;) {
		struct sk_buff *skb = tq_deq(q);

		if (!skb->priority)
			seen_miss = true;
		else
			CHECK(!seen_miss);
		consume_skb(T.h, skb);
	}
	qdisc_destroy(q);
}
END_TEST

/* ---- prio against arrays ---- */

static const uint8_t ref_priomap[16] = { 1, 2, 2, 2, 1, 2, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1 };

/* prio_classify()'s rules, written out: 4 bands, dport 7000 -> 1:4, child limit 5. */
static uint32_t ref_band(const struct sk_buff *skb)
{
	uint32_t band = skb->priority;

	if (band >> 16 != 1) {
		if (skb->dport == 7000)
			return 3;
		return ref_priomap[(band >> 16 ? 0 : band) & 15];
	}
	band = (band & 0xffff) - 1;
	return band >= 4 ? ref_priomap[0] : band;
}

START_TEST(test_prio_vs_arrays)
{
	struct Qdisc *q = tq_mkq("qdisc: {kind: prio, handle: '1:', bands: 4,\n"
				 "  priomap: [1, 2, 2, 2, 1, 2, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1],\n"
				 "  classes: [{classid: '1:1', qdisc: {kind: pfifo, limit: 5}},\n"
				 "            {classid: '1:2', qdisc: {kind: pfifo, limit: 5}},\n"
				 "            {classid: '1:3', qdisc: {kind: pfifo, limit: 5}},\n"
				 "            {classid: '1:4', qdisc: {kind: pfifo, limit: 5}}],\n"
				 "  filters: [{match: ip dport 7000 0xffff, flowid: '1:4'}]}\n");
	uint64_t ref[4][5], ids = 0, drops = 0;
	uint32_t n[4] = { 0 };
	struct sim_rng r;

	sim_rng_init(&r, 3, "prio");
	for (int step = 0; step < 20000; step++) {
		if (sim_rng_below(&r, 2)) {
			uint32_t pick = (uint32_t)sim_rng_below(&r, 20), prio;
			struct sk_buff *skb;
			uint32_t b;

			prio = pick < 16    ? pick
			       : pick == 16 ? 0x10003
			       : pick == 17 ? 0x10009
			       : pick == 18 ? 0x20001
					    : 0;
			skb = mkskb(100, pick == 19 ? 7000 : 5000, prio);
			skb->id = ++ids;
			b = ref_band(skb);
			if (n[b] < 5) {
				ref[b][n[b]++] = skb->id;
				ck_assert_int_eq(tq_enq(q, skb), NET_XMIT_SUCCESS);
			} else {
				ck_assert_int_eq(tq_enq(q, skb), NET_XMIT_DROP);
				drops++;
			}
		} else {
			struct sk_buff *skb = tq_deq(q);
			int b = 0;

			while (b < 4 && !n[b])
				b++;
			if (b == 4) {
				CHECK(!skb);
				continue;
			}
			CHECK(skb && skb->id == ref[b][0]);
			memmove(&ref[b][0], &ref[b][1], --n[b] * sizeof(ref[b][0]));
			consume_skb(T.h, skb);
		}
		CHECK(q->stats.qlen == n[0] + n[1] + n[2] + n[3]);
	}
	ck_assert_uint_eq(q->stats.drops, drops);
	ck_assert_uint_gt(drops, 0);
	tq_drain_destroy(q);
}
END_TEST

START_TEST(test_prio_dump)
{
	struct Qdisc *q =
		tq_mkq("qdisc: {kind: prio, handle: '1:', classes: [{classid: '1:2', qdisc: "
		       "{kind: pfifo, limit: 7}}]}\n");
	char *text;

	tq_enq(q, mkskb(100, 5000, 0)); /* band 1 */
	tq_enq(q, mkskb(200, 5000, 6)); /* band 0 */
	tq_enq(q, mkskb(300, 5000, 1)); /* band 2 */
	consume_skb(T.h, tq_deq(q));	/* the 200 */
	text = dump_with(q, false);
	ck_assert_str_eq(text, "qdisc prio 1: dev eth0 root refcnt 2 bands 3 priomap 1 2 2 2 1 2 "
			       "0 0 1 1 1 1 1 1 1 1\n"
			       " Sent 200 bytes 1 pkt (dropped 0, overlimits 0 requeues 0) \n"
			       " backlog 400b 2p requeues 0\n"
			       "qdisc pfifo 8001: dev eth0 parent 1:2 limit 7p\n"
			       " Sent 0 bytes 0 pkt (dropped 0, overlimits 0 requeues 0) \n"
			       " backlog 100b 1p requeues 0\n");
	free(text);
	text = dump_with(q, true);
	ck_assert_str_eq(text, "class prio 1:1 parent 1: \n"
			       " Sent 200 bytes 1 pkt (dropped 0, overlimits 0 requeues 0) \n"
			       " backlog 0b 0p requeues 0\n"
			       "class prio 1:2 parent 1: leaf 8001: \n"
			       " Sent 0 bytes 0 pkt (dropped 0, overlimits 0 requeues 0) \n"
			       " backlog 100b 1p requeues 0\n"
			       "class prio 1:3 parent 1: \n"
			       " Sent 0 bytes 0 pkt (dropped 0, overlimits 0 requeues 0) \n"
			       " backlog 300b 1p requeues 0\n");
	free(text);
	tq_drain_destroy(q);
}
END_TEST

/* A child that drops inside dequeue (fq_codel) is forgotten by prio too. */
START_TEST(test_prio_child_dequeue_drop)
{
	struct Qdisc *q =
		tq_mkq("qdisc: {kind: prio, handle: '1:', classes: [{classid: '1:2', qdisc: "
		       "{kind: fq_codel, target: 1ms, interval: 10ms}}]}\n");
	uint64_t sent = 0;

	for (int i = 0; i < 200; i++)
		tq_enq(q, mkskb(1000, 5000, 0));
	for (int i = 0; i < 400 && q->stats.qlen; i++) {
		struct sk_buff *skb;

		T.w->q.now += SIM_MS;
		skb = tq_deq(q);
		if (skb) {
			sent++;
			consume_skb(T.h, skb);
		}
	}
	ck_assert_uint_gt(q->stats.drops, 0); /* CoDel dropped at dequeue */
	ck_assert_uint_eq(q->stats.drops + sent, 200);
	ck_assert_uint_eq(q->stats.qlen, 0);
	tq_drain_destroy(q);
}
END_TEST

/* ---- netem ---- */

START_TEST(test_netem_fixed_delay)
{
	struct Qdisc *q = tq_mkq("qdisc: {kind: netem, delay: 10ms}\n");

	for (int i = 0; i < 10; i++) {
		T.w->q.now = i * SIM_MS;
		tq_enq(q, mkskb(100, 5000, 0));
		CHECK(!tq_deq(q));
	}
	for (int i = 0; i < 10; i++) {
		struct sk_buff *skb;

		ck_assert(tq_run_next_event());
		ck_assert_int_eq(T.w->q.now, (10 + i) * SIM_MS);
		skb = tq_deq(q);
		ck_assert_ptr_nonnull(skb);
		consume_skb(T.h, skb);
		CHECK(!tq_deq(q));
	}
	ck_assert_uint_eq(T.wakes, 10);
	tq_drain_destroy(q);
}
END_TEST

/* Release what is due at @q; add the delays seen to the sums. */
struct jit {
	double sum, lo, hi; /* ms */
	sim_time_t last;    /* ps: the previous time_to_send */
	int n;		    /* released */
};

static void jitter_release(struct Qdisc *q, struct jit *j)
{
	for (struct sk_buff *skb; (skb = tq_deq(q));) {
		double d = (double)(skb->t_netem - skb->t_born) / SIM_MS;

		CHECK(skb->t_netem >= j->last); /* released in time_to_send order */
		CHECK(T.w->q.now >= skb->t_netem);
		j->last = skb->t_netem;
		j->sum += d;
		j->lo = d < j->lo ? d : j->lo;
		j->hi = d > j->hi ? d : j->hi;
		j->n++;
		consume_skb(T.h, skb);
	}
}

START_TEST(test_netem_jitter)
{
	struct Qdisc *q = tq_mkq("qdisc: {kind: netem, delay: 10ms 4ms}\n");
	struct jit j = { 0, 1e18, 0, 0, 0 };
	const int n = 20000;

	for (int i = 0; i < n; i++) {
		struct sk_buff *skb = mkskb(100, 5000, 0);

		sim_eventq_run(&T.w->q, i * 100 * SIM_US);
		jitter_release(q, &j);
		skb->t_born = T.w->q.now;
		tq_enq(q, skb);
	}
	while (q->stats.qlen) {
		jitter_release(q, &j);
		if (!tq_run_next_event())
			break;
	}
	jitter_release(q, &j);
	ck_assert_int_eq(j.n, n);
	/* uniform on [6, 14) ms: mean 10, sd 4/sqrt(3); 4 standard errors */
	ck_assert_double_ge(j.lo, 6.0);
	ck_assert_double_lt(j.hi, 14.0);
	ck_assert_double_lt(j.lo, 6.01);
	ck_assert_double_gt(j.hi, 13.99);
	ck_assert_double_lt(fabs(j.sum / n - 10.0), 4 * (4 / sqrt(3.0)) / sqrt(n));
	qdisc_destroy(q);
}
END_TEST

/* distribution normal: mean delay, standard deviation jitter (iproute2's table). */
START_TEST(test_netem_normal)
{
	struct Qdisc *q = tq_mkq(
		"qdisc: {kind: netem, delay: 20ms 5ms, distribution: normal, limit: 20000}\n");
	const int n = 10000;
	double sum = 0, sum2 = 0, mean, sd;

	/* each packet's time to send, read as it is queued at time 0 */
	for (int i = 0; i < n; i++) {
		struct sk_buff *skb = mkskb(100, 5000, 0);
		double d;

		tq_enq(q, skb);
		d = (double)skb->t_netem / SIM_MS;
		sum += d;
		sum2 += d * d;
	}
	mean = sum / n;
	sd = sqrt(sum2 / n - mean * mean);
	ck_assert_double_lt(fabs(mean - 20.0), 4 * 5.0 / sqrt(n));
	ck_assert_double_lt(fabs(sd / 5.0 - 1), 0.03); /* 4 standard errors of sd: 2.8 % */
	tq_drain_destroy(q);
}
END_TEST

struct losscase {
	const char *yaml; /* the netem */
	double p;	  /* expected loss */
};

static const struct losscase losscases[] = {
	{ "qdisc: {kind: netem, loss: 1%}\n", 0.01 },
	{ "qdisc: {kind: netem, loss: random 10%}\n", 0.10 },
	{ "qdisc: {kind: netem, loss: 50%}\n", 0.50 },
};

START_TEST(test_netem_loss)
{
	const struct losscase *c = &losscases[_i];
	struct Qdisc *q = tq_mkq(c->yaml);
	const int n = 100000;
	int lost = 0;

	for (int i = 0; i < n; i++) {
		uint64_t d = q->stats.drops;
		struct sk_buff *skb;

		ck_assert_int_eq(tq_enq(q, mkskb(100, 5000, 0)), NET_XMIT_SUCCESS); /* bypass */
		lost += q->stats.drops != d;
		skb = tq_deq(q);
		if (skb)
			consume_skb(T.h, skb);
		CHECK(!skb == (q->stats.drops != d));
	}
	ck_assert_double_lt(fabs((double)lost / n - c->p), 4 * sqrt(c->p * (1 - c->p) / n));
	ck_assert_uint_eq(T.h->drops[drop_point_find(SKB_DROP_REASON_QDISC_DROP, STAGE_T13)],
			  (uint64_t)lost);
	qdisc_destroy(q);
}
END_TEST

/* reorder 100% gap 5: packets 5, 10, ... go at once (requeues), the rest 10 ms later. */
START_TEST(test_netem_reorder_gap)
{
	struct Qdisc *q = tq_mkq("qdisc: {kind: netem, delay: 10ms, reorder: 100%, gap: 5}\n");
	uint64_t got[20];
	int ngot = 0;

	for (int i = 1; i <= 20; i++) {
		struct sk_buff *skb = mkskb(100, 5000, 0);

		skb->id = (uint64_t)i;
		tq_enq(q, skb);
	}
	ck_assert_uint_eq(q->stats.requeues, 4);
	for (struct sk_buff *skb; (skb = tq_deq(q));) {
		got[ngot++] = skb->id;
		consume_skb(T.h, skb);
	}
	ck_assert_int_eq(ngot, 4);
	/* each went to the head of the queue: the newest first */
	ck_assert_uint_eq(got[0], 20);
	ck_assert_uint_eq(got[3], 5);
	ck_assert(tq_run_next_event());
	ck_assert_int_eq(T.w->q.now, 10 * SIM_MS);
	for (int i = 1; i <= 20; i++) {
		struct sk_buff *skb;

		if (i % 5 == 0)
			continue;
		skb = tq_deq(q);
		ck_assert_uint_eq(skb->id, (uint64_t)i);
		consume_skb(T.h, skb);
	}
	tq_drain_destroy(q);
}
END_TEST

struct ratecase {
	const char *yaml; /* the netem */
	uint32_t len;	  /* bytes per packet */
	sim_time_t gap;	  /* expected spacing */
	sim_time_t first; /* expected release of the first */
};

static const struct ratecase ratecases[] = {
	{ "qdisc: {kind: netem, rate: 10Mbit}\n", 1250, 1000 * SIM_US, 1000 * SIM_US },
	{ "qdisc: {kind: netem, rate: 10Mbit 250}\n", 1250, 1200 * SIM_US, 1200 * SIM_US },
	{ "qdisc: {kind: netem, delay: 5ms, rate: 100Mbit}\n", 1000, 80 * SIM_US, 5080 * SIM_US },
};

START_TEST(test_netem_rate)
{
	const struct ratecase *c = &ratecases[_i];
	struct Qdisc *q = tq_mkq(c->yaml);

	for (int i = 0; i < 50; i++)
		tq_enq(q, mkskb(c->len, 5000, 0));
	for (int i = 0; i < 50; i++) {
		struct sk_buff *skb;

		while (!(skb = tq_deq(q)))
			ck_assert(tq_run_next_event());
		ck_assert_int_eq(T.w->q.now, c->first + i * c->gap);
		consume_skb(T.h, skb);
	}
	qdisc_destroy(q);
}
END_TEST

START_TEST(test_netem_limit)
{
	struct Qdisc *q = tq_mkq("qdisc: {kind: netem, limit: 3, delay: 10ms}\n");

	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(tq_enq(q, mkskb(100, 5000, 0)), NET_XMIT_SUCCESS);
	ck_assert_int_eq(tq_enq(q, mkskb(100, 5000, 0)), NET_XMIT_DROP);
	ck_assert_uint_eq(q->stats.drops, 1);
	ck_assert_uint_eq(q->stats.qlen, 3);
	tq_drain_destroy(q);
}
END_TEST

START_TEST(test_netem_dump)
{
	struct Qdisc *q =
		tq_mkq("qdisc: {kind: netem, limit: 3, delay: 10ms 2ms 25%, loss: 1% 30%, "
		       "reorder: 25% 50%, gap: 5, rate: 10Mbit 20}\n");
	char *text = dump_with(q, false);

	ck_assert_str_eq(text,
			 "qdisc netem 8001: dev eth0 root refcnt 2 limit 3 delay 10ms  2ms 25% "
			 "loss 1% 30% reorder 25% 50% rate 10Mbit packetoverhead 20 gap 5\n"
			 " Sent 0 bytes 0 pkt (dropped 0, overlimits 0 requeues 0) \n"
			 " backlog 0b 0p requeues 0\n");
	free(text);
	qdisc_destroy(q);
}
END_TEST

/* ---- htb ---- */

#define HTB_FLOWS 4

struct htb_flow {
	uint16_t dport;	 /* classifies the flow */
	uint32_t len;	 /* bytes per packet */
	double want_bps; /* expected rate, bit/s (0: not checked) */
};

/* Keep every flow backlogged for @dur from now, counting what leaves after @warm; bit/s. */
static void htb_saturate(struct Qdisc *q, const struct htb_flow *fl, int nfl, sim_time_t warm,
			 sim_time_t dur, double *bps)
{
	uint64_t bytes[HTB_FLOWS] = { 0 };
	int inq[HTB_FLOWS] = { 0 };

	warm += T.w->q.now;
	dur += T.w->q.now;

	while (T.w->q.now < dur) {
		struct sk_buff *skb;

		for (int i = 0; i < nfl; i++)
			for (; inq[i] < 20; inq[i]++)
				CHECK(tq_enq(q, mkskb(fl[i].len, fl[i].dport, 0)) ==
				      NET_XMIT_SUCCESS);
		skb = tq_deq(q);
		if (!skb) {
			CHECK(tq_run_next_event());
			continue;
		}
		for (int i = 0; i < nfl; i++)
			if (skb->dport == fl[i].dport) {
				inq[i]--;
				if (T.w->q.now >= warm)
					bytes[i] += skb->len;
			}
		consume_skb(T.h, skb);
	}
	for (int i = 0; i < nfl; i++)
		bps[i] = (double)bytes[i] * 8 / ((double)(dur - warm) / SIM_SEC);
}

struct htbcase {
	const char *yaml;	       /* the htb */
	struct htb_flow fl[HTB_FLOWS]; /* saturating flows */
	int nfl;		       /* entries in fl[] */
	double tol;		       /* relative */
};

#define HTB_TWO(c10, c20)                                                                          \
	"qdisc: {kind: htb, handle: '1:', classes: [{classid: '1:1', rate: 20Mbit},\n"             \
	"  {classid: '1:10', parent: '1:1', " c10 "}, {classid: '1:20', parent: '1:1', " c20       \
	"}],\n"                                                                                    \
	"  filters: [{match: ip dport 5001 0xffff, flowid: '1:10'},\n"                             \
	"            {match: ip dport 5002 0xffff, flowid: '1:20'}]}\n"

static const struct htbcase htbcases[] = {
	/* one class: its rate */
	{ "qdisc: {kind: htb, handle: '1:', default: 10, classes: [{classid: '1:10', rate: "
	  "10Mbit}]}\n",
	  { { 5001, 1042, 10e6 } },
	  1,
	  0.005 },
	/* the parent is full: each its rate */
	{ HTB_TWO("rate: 12Mbit, ceil: 20Mbit", "rate: 8Mbit, ceil: 20Mbit"),
	  { { 5001, 1042, 12e6 }, { 5002, 1042, 8e6 } },
	  2,
	  0.01 },
	/* alone: up to its ceil */
	{ HTB_TWO("rate: 2Mbit, ceil: 15Mbit", "rate: 2Mbit, ceil: 20Mbit"),
	  { { 5001, 1042, 15e6 } },
	  1,
	  0.01 },
	/* the excess goes to prio 0 */
	{ HTB_TWO("rate: 2Mbit, ceil: 20Mbit, prio: 0", "rate: 2Mbit, ceil: 20Mbit, prio: 1"),
	  { { 5001, 1042, 18e6 }, { 5002, 1042, 2e6 } },
	  2,
	  0.01 },
	/* equal prio: the excess (16 Mbit) in the ratio of the quanta, 1:3 */
	{ HTB_TWO("rate: 2Mbit, ceil: 20Mbit, quantum: 1500",
		  "rate: 2Mbit, ceil: 20Mbit, quantum: 4500"),
	  { { 5001, 1500, 6e6 }, { 5002, 1500, 14e6 } },
	  2,
	  0.02 },
	/* unclassified (dport 6000) to the default class 1:20 */
	{ "qdisc: {kind: htb, handle: '1:', default: 20, classes: [{classid: '1:1', rate: "
	  "20Mbit},\n"
	  "  {classid: '1:10', parent: '1:1', rate: 2Mbit, ceil: 2Mbit},\n"
	  "  {classid: '1:20', parent: '1:1', rate: 3Mbit, ceil: 3Mbit}],\n"
	  "  filters: [{match: ip dport 5001 0xffff, flowid: '1:10'}]}\n",
	  { { 5001, 1000, 2e6 }, { 6000, 1000, 3e6 } },
	  2,
	  0.01 },
};

START_TEST(test_htb_rates)
{
	const struct htbcase *c = &htbcases[_i];
	struct Qdisc *q = tq_mkq(c->yaml);
	double bps[HTB_FLOWS];

	htb_saturate(q, c->fl, c->nfl, 500 * SIM_MS, 3 * SIM_SEC, bps);
	for (int i = 0; i < c->nfl; i++)
		ck_assert_msg(fabs(bps[i] / c->fl[i].want_bps - 1) < c->tol,
			      "flow %d: %.0f bit/s, want %.0f", i, bps[i], c->fl[i].want_bps);
	tq_drain_destroy(q);
}
END_TEST

/* default 0: unclassified packets skip the classes, unshaped (direct_packets_stat). */
START_TEST(test_htb_direct)
{
	struct Qdisc *q = tq_mkq("qdisc: {kind: htb, handle: '1:', direct_qlen: 5, classes: "
				 "[{classid: '1:10', rate: 8kbit}]}\n");
	char *text;

	for (int i = 0; i < 7; i++)
		ck_assert_int_eq(tq_enq(q, mkskb(1000, 6000, 0)),
				 i < 5 ? NET_XMIT_SUCCESS : NET_XMIT_DROP);
	for (int i = 0; i < 5; i++)
		consume_skb(T.h, tq_deq(q)); /* no waiting: 8 kbit/s would take a second each */
	ck_assert_int_eq(T.w->q.now, 0);
	/* skb->priority naming a leaf picks it without filters */
	tq_enq(q, mkskb(1000, 6000, 0x10010));
	ck_assert_uint_eq(q->stats.qlen, 1);
	text = dump_with(q, false);
	ck_assert_str_eq(text, "qdisc htb 1: dev eth0 root refcnt 2 r2q 10 default 0 "
			       "direct_packets_stat 5 direct_qlen 5\n"
			       " Sent 5000 bytes 5 pkt (dropped 2, overlimits 0 requeues 0) \n"
			       " backlog 1000b 1p requeues 0\n");
	free(text);
	tq_drain_destroy(q);
}
END_TEST

/* A leaf qdisc's drops count in the class and the htb; its watchdog (netem) wakes the root. */
START_TEST(test_htb_leaf_qdiscs)
{
	struct Qdisc *q =
		tq_mkq("qdisc: {kind: htb, handle: '1:', default: 10, classes: [\n"
		       "  {classid: '1:10', rate: 100Mbit, qdisc: {kind: netem, delay: 1ms, "
		       "limit: 4}}]}\n");
	char *text;

	for (int i = 0; i < 6; i++)
		tq_enq(q, mkskb(1000, 5000, 0));
	ck_assert_uint_eq(q->stats.drops, 2);
	ck_assert_uint_eq(q->stats.qlen, 4);
	CHECK(!tq_deq(q));
	T.wakes = 0;
	ck_assert(tq_run_next_event());
	ck_assert_uint_eq(T.wakes, 1);
	ck_assert_int_eq(T.w->q.now, SIM_MS);
	consume_skb(T.h, tq_deq(q));
	text = dump_with(q, true);
	ck_assert_ptr_nonnull(
		strstr(text, "class htb 1:10 root leaf 8001: prio 0 rate 100Mbit ceil 100Mbit "
			     "burst 1600b cburst 1600b \n"
			     " Sent 1000 bytes 1 pkt (dropped 2, overlimits 0 requeues 0) \n"
			     " backlog 3000b 3p requeues 0\n"
			     " lended: 1 borrowed: 0 giants: 0\n"));
	free(text);
	tq_drain_destroy(q);
}
END_TEST

/* ---- sfq ---- */

/* An skb of flow @f: skb->priority 8001:f+1 picks bucket f (sfq_classify). */
static struct sk_buff *sfq_skb(uint32_t f, uint32_t len, uint64_t id)
{
	struct sk_buff *skb = mkskb(len, 5000, TQ_HANDLE | (f + 1));

	skb->id = id;
	return skb;
}

/*
 * Random enqueues on 6 flows and dequeues against a reference round robin:
 * an active list in activation order (a new flow joins at the tail), each
 * flow sending `quantum` bytes (here 2 packets of 500) per turn and moving
 * to the tail at the next dequeue (so a flow that joins in between goes
 * before it, as in sfq_dequeue), a flow that empties leaving the list.
 */
START_TEST(test_sfq_vs_round_robin)
{
	struct Qdisc *q = tq_mkq("qdisc: {kind: sfq, quantum: 1000, limit: 10000}\n");
	uint64_t fifo[6][512], ids = 0;
	uint32_t n[6] = { 0 }, act[6], nact = 0, sent_turn = 0;
	struct sim_rng r;

	sim_rng_init(&r, 11, "sfq");
	for (int step = 0; step < 50000; step++) {
		if (sim_rng_below(&r, 100) < 52) {
			uint32_t f = (uint32_t)sim_rng_below(&r, 6);

			if (n[f] >= 100)
				continue;
			fifo[f][n[f]++] = ++ids;
			if (n[f] == 1) { /* a new flow joins at the tail of the round */
				act[nact++] = f;
				if (nact == 1)
					sent_turn = 0;
			}
			CHECK(tq_enq(q, sfq_skb(f, 500, ids)) == NET_XMIT_SUCCESS);
		} else {
			struct sk_buff *skb = tq_deq(q);
			uint32_t f;

			if (!nact) {
				CHECK(!skb);
				continue;
			}
			if (sent_turn == 2) { /* quantum spent: to the tail, at this dequeue */
				f = act[0];
				memmove(&act[0], &act[1], (nact - 1) * sizeof(act[0]));
				act[nact - 1] = f;
				sent_turn = 0;
			}
			f = act[0];
			CHECK(skb && skb->id == fifo[f][0]);
			memmove(&fifo[f][0], &fifo[f][1], --n[f] * sizeof(fifo[f][0]));
			consume_skb(T.h, skb);
			sent_turn++;
			if (!n[f]) { /* leaves the round */
				memmove(&act[0], &act[1], --nact * sizeof(act[0]));
				sent_turn = 0;
			}
		}
	}
	tq_drain_destroy(q);
}
END_TEST

/* depth per flow, then the limit: the longest flow loses its tail. */
START_TEST(test_sfq_depth_and_limit)
{
	struct Qdisc *q = tq_mkq("qdisc: {kind: sfq, depth: 4, limit: 6}\n");

	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(tq_enq(q, sfq_skb(0, 100, (uint64_t)i)), NET_XMIT_SUCCESS);
	ck_assert_int_eq(tq_enq(q, sfq_skb(0, 100, 99)), NET_XMIT_DROP); /* depth */
	ck_assert_int_eq(tq_enq(q, sfq_skb(1, 100, 10)), NET_XMIT_SUCCESS);
	ck_assert_int_eq(tq_enq(q, sfq_skb(1, 100, 11)), NET_XMIT_SUCCESS);
	/* 7 > limit 6: flow 0 (4 packets) loses its tail; not this flow: success */
	ck_assert_int_eq(tq_enq(q, sfq_skb(2, 100, 20)), NET_XMIT_SUCCESS);
	ck_assert_uint_eq(q->stats.qlen, 6);
	ck_assert_uint_eq(q->stats.drops, 2);
	/* flow 1 grows to 3 = flow 0's 3, reached last: its own tail goes, NET_XMIT_CN */
	ck_assert_int_eq(tq_enq(q, sfq_skb(1, 100, 12)), NET_XMIT_CN);
	ck_assert_uint_eq(q->stats.drops, 3);
	ck_assert_uint_eq(T.h->drops[drop_point_find(SKB_DROP_REASON_QDISC_DROP, STAGE_T13)], 3);
	tq_drain_destroy(q);
}
END_TEST

/* perturb: the key changes every period, the packets are rehashed, none is lost. */
START_TEST(test_sfq_perturb)
{
	struct Qdisc *q = tq_mkq("qdisc: {kind: sfq, perturb: 1}\n");
	const struct sim_event *ev;
	uint64_t sent = 0;

	for (uint32_t i = 0; i < 100; i++) {
		struct sk_buff *skb = mkskb(100, 5000, 0);

		skb->hash = i * 2654435761u;
		tq_enq(q, skb);
	}
	ev = sim_eventq_peek(&T.w->q);
	ck_assert_ptr_nonnull(ev);
	ck_assert_int_eq(ev->time, SIM_SEC);
	sim_eventq_run(&T.w->q, SIM_SEC);
	ck_assert_uint_eq(q->stats.qlen, 100);
	for (struct sk_buff *skb; (skb = tq_deq(q)); sent++)
		consume_skb(T.h, skb);
	ck_assert_uint_eq(sent, 100);
	ck_assert_int_eq(sim_eventq_peek(&T.w->q)->time, 2 * SIM_SEC);
	qdisc_destroy(q);
}
END_TEST

START_TEST(test_sfq_dump)
{
	struct Qdisc *q = tq_mkq("qdisc: {kind: sfq, perturb: 10, headdrop: true}\n");
	char *text = dump_with(q, false);

	ck_assert_str_eq(text,
			 "qdisc sfq 8001: dev eth0 root refcnt 2 limit 127p quantum 1514b depth "
			 "127 headdrop divisor 1024 perturb 10sec \n"
			 " Sent 0 bytes 0 pkt (dropped 0, overlimits 0 requeues 0) \n"
			 " backlog 0b 0p requeues 0\n");
	free(text);
	qdisc_destroy(q);
}
END_TEST

/* ---- fq ---- */

static struct sock fq_socks[4]; /* flow keys: fq tells flows by skb->sk */

static struct sk_buff *fq_skb(int sk, uint32_t len, uint64_t id)
{
	struct sk_buff *skb = mkskb(len, 5000, 0);

	skb->sk = sk >= 0 ? &fq_socks[sk] : NULL;
	skb->id = id;
	return skb;
}

/* A new (sparse) flow goes before a backlogged one; the old one then gets its credit back. */
START_TEST(test_fq_new_flow_first)
{
	struct Qdisc *q = tq_mkq("qdisc: {kind: fq}\n");
	struct sk_buff *skb;

	for (int i = 0; i < 50; i++)
		tq_enq(q, fq_skb(0, 1514, 0));
	for (int i = 0; i < 20; i++) /* initial_quantum 15140: 10 packets, then quantum 3028 */
		consume_skb(T.h, tq_deq(q));
	tq_enq(q, fq_skb(1, 100, 42));
	skb = tq_deq(q);
	ck_assert_uint_eq(skb->id, 42);
	consume_skb(T.h, skb);
	tq_drain_destroy(q);
}
END_TEST

/* Two backlogged sockets with 500- and 1500-byte packets: equal bytes (DRR). */
START_TEST(test_fq_byte_fairness)
{
	struct Qdisc *q = tq_mkq("qdisc: {kind: fq, flow_limit: 1000, limit: 100000}\n");
	uint64_t bytes[2] = { 0 };

	for (int i = 0; i < 900; i++)
		tq_enq(q, fq_skb(0, 500, 0));
	for (int i = 0; i < 300; i++)
		tq_enq(q, fq_skb(1, 1500, 0));
	for (int i = 0; i < 600; i++) {
		struct sk_buff *skb = tq_deq(q);

		bytes[skb->sk == &fq_socks[1]] += skb->len;
		consume_skb(T.h, skb);
	}
	/* both sent within one quantum plus the initial burst of each other */
	ck_assert_int_lt(llabs((long long)bytes[0] - (long long)bytes[1]), 2 * 15140 + 3028);
	tq_drain_destroy(q);
}
END_TEST

START_TEST(test_fq_limits)
{
	struct Qdisc *q = tq_mkq("qdisc: {kind: fq, flow_limit: 3, limit: 5}\n");
	char *text;

	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(tq_enq(q, fq_skb(0, 100, 0)), NET_XMIT_SUCCESS);
	ck_assert_int_eq(tq_enq(q, fq_skb(0, 100, 0)), NET_XMIT_DROP);
	ck_assert_uint_eq(T.h->drops[drop_point_find(SKB_DROP_REASON_FQ_FLOW_LIMIT, STAGE_T13)], 1);
	ck_assert_int_eq(tq_enq(q, fq_skb(1, 100, 0)), NET_XMIT_SUCCESS);
	ck_assert_int_eq(tq_enq(q, fq_skb(2, 100, 0)), NET_XMIT_SUCCESS);
	ck_assert_int_eq(tq_enq(q, fq_skb(3, 100, 0)), NET_XMIT_DROP);
	ck_assert_uint_eq(T.h->drops[drop_point_find(SKB_DROP_REASON_QDISC_OVERLIMIT, STAGE_T13)],
			  1);
	text = dump_with(q, false);
	ck_assert_str_eq(
		text, "qdisc fq 8001: dev eth0 root refcnt 2 limit 5p flow_limit 3p buckets 1024 "
		      "orphan_mask 1023 quantum 3028b initial_quantum 15140b "
		      "low_rate_threshold 550Kbit refill_delay 40ms \n"
		      " Sent 0 bytes 0 pkt (dropped 2, overlimits 0 requeues 0) \n"
		      " backlog 500b 5p requeues 0\n"
		      "  flows 3 (inactive 0 throttled 0)\n"
		      "  gc 0 highprio 0 throttled 0 flows_plimit 1\n");
	free(text);
	tq_drain_destroy(q);
}
END_TEST

/* TC_PRIO_CONTROL goes to the internal flow, first; sk-less packets are keyed by hash & orphan_mask. */
START_TEST(test_fq_internal_and_orphans)
{
	struct Qdisc *q = tq_mkq("qdisc: {kind: fq, flow_limit: 2}\n");
	struct sk_buff *skb;

	for (int i = 0; i < 2; i++) {
		skb = fq_skb(-1, 100, 0);
		skb->hash = 5 + 1024u * (uint32_t)i; /* the same orphan flow */
		ck_assert_int_eq(tq_enq(q, skb), NET_XMIT_SUCCESS);
	}
	skb = fq_skb(-1, 100, 0);
	skb->hash = 5 + 4096;
	ck_assert_int_eq(tq_enq(q, skb), NET_XMIT_DROP); /* flow_limit of that flow */
	skb = fq_skb(-1, 100, 0);
	skb->hash = 6;
	ck_assert_int_eq(tq_enq(q, skb), NET_XMIT_SUCCESS); /* another flow */
	skb = fq_skb(0, 100, 77);
	skb->priority = TC_PRIO_CONTROL_;
	tq_enq(q, skb);
	skb = tq_deq(q);
	ck_assert_uint_eq(skb->id, 77);
	consume_skb(T.h, skb);
	tq_drain_destroy(q);
}
END_TEST

struct fqratecase {
	const char *yaml; /* the fq */
	uint32_t len;	  /* bytes per packet */
	double want_bps;  /* long-run rate */
	sim_time_t gap;	  /* exact spacing of packets once paced, 0: not checked */
};

static const struct fqratecase fqratecases[] = {
	{ "qdisc: {kind: fq, maxrate: 8Mbit}\n", 1000, 8e6, 0 },
	{ "qdisc: {kind: fq, maxrate: 80Mbit, quantum: 1000}\n", 1000, 80e6, 100 * SIM_US },
	/* below low_rate_threshold: each packet paced by its own length */
	{ "qdisc: {kind: fq, maxrate: 400kbit}\n", 1000, 400e3, 20 * SIM_MS },
};

START_TEST(test_fq_maxrate)
{
	const struct fqratecase *c = &fqratecases[_i];
	struct Qdisc *q = tq_mkq(c->yaml);
	sim_time_t warm = 200 * SIM_MS, end = 2200 * SIM_MS, last = -1;
	uint64_t bytes = 0;

	while (T.w->q.now < end) {
		struct sk_buff *skb;

		while (q->stats.qlen < 50)
			tq_enq(q, fq_skb(0, c->len, 0));
		skb = tq_deq(q);
		if (!skb) {
			ck_assert(tq_run_next_event());
			continue;
		}
		if (T.w->q.now >= warm) {
			bytes += skb->len;
			if (c->gap && last >= 0)
				ck_assert_int_eq(T.w->q.now - last, c->gap);
			last = T.w->q.now;
		}
		consume_skb(T.h, skb);
	}
	ck_assert_double_lt(fabs((double)bytes * 8 / 2.0 / c->want_bps - 1), 0.01);
	tq_drain_destroy(q);
}
END_TEST

/* ---- cake ---- */

struct cakeratecase {
	const char *yaml; /* the cake */
	uint32_t len;	  /* frame bytes */
	uint32_t charged; /* bytes the shaper charges per packet */
};

static const struct cakeratecase cakeratecases[] = {
	{ "qdisc: {kind: cake, bandwidth: 10Mbit}\n", 1042, 1042 }, /* raw */
	{ "qdisc: {kind: cake, bandwidth: 10Mbit, overhead: ethernet}\n", 1042,
	  1066 }, /* -14 + 38 */
	{ "qdisc: {kind: cake, bandwidth: 10Mbit, overhead: 18, mpu: 200}\n", 100, 200 },
};

/* One backlogged flow: packets leave exactly charged * 8 / bandwidth apart. */
START_TEST(test_cake_shaper)
{
	const struct cakeratecase *c = &cakeratecases[_i];
	struct Qdisc *q = tq_mkq(c->yaml);
	sim_time_t last = -1, gap = (sim_time_t)c->charged * 800 * SIM_NS; /* 10 Mbit/s: 800 ns/B */

	for (int i = 0; i < 300; i++) {
		struct sk_buff *skb;

		while (q->stats.qlen < 10)
			tq_enq(q, mkskb(c->len, 5000, 0));
		while (!(skb = tq_deq(q)))
			ck_assert(tq_run_next_event());
		if (last >= 0)
			ck_assert_int_le(llabs(T.w->q.now - last - gap), SIM_NS);
		last = T.w->q.now;
		consume_skb(T.h, skb);
	}
	ck_assert_uint_gt(q->stats.overlimits, 0);
	tq_drain_destroy(q);
}
END_TEST

struct isocase {
	const char *mode; /* flow_mode */
	double share_a;	  /* host A's share (4 flows) against host B's (1 flow) */
};

static const struct isocase isocases[] = {
	{ "triple-isolate", 0.5 }, /* per host, then per flow */
	{ "flows", 0.8 },	   /* per flow */
	{ "dual-srchost", 0.5 },   /* per source host */
};

/* Host A sends 4 flows to 4 destinations, host B 1 flow: the isolation mode decides the split. */
START_TEST(test_cake_isolation)
{
	const struct isocase *c = &isocases[_i];
	char yaml[128];
	struct Qdisc *q;
	uint64_t bytes[2] = { 0 };
	int inq[5] = { 0 };

	snprintf(yaml, sizeof(yaml), "qdisc: {kind: cake, bandwidth: 100Mbit, flow_mode: %s}\n",
		 c->mode);
	q = tq_mkq(yaml);
	for (int n = 0; n < 20000;) {
		struct sk_buff *skb;

		for (int f = 0; f < 5; f++)
			for (; inq[f] < 8; inq[f]++) {
				skb = mkskb(1000, (uint16_t)(6000 + f), 0);
				skb->saddr = f < 4 ? 0x0a000001 : 0x0a000009;
				skb->daddr = 0x0a010000 + (uint32_t)f;
				skb->src = (uint32_t)f;
				tq_enq(q, skb);
			}
		skb = tq_deq(q);
		if (!skb) {
			ck_assert(tq_run_next_event());
			continue;
		}
		inq[skb->src]--;
		if (n++ >= 2000)
			bytes[skb->src == 4] += skb->len;
		consume_skb(T.h, skb);
	}
	ck_assert_double_lt(fabs((double)bytes[0] / (double)(bytes[0] + bytes[1]) - c->share_a),
			    0.02);
	tq_drain_destroy(q);
}
END_TEST

/* Over memlimit, the fattest flow loses its head (QDISC_OVERLIMIT). */
START_TEST(test_cake_overflow)
{
	struct Qdisc *q = tq_mkq("qdisc: {kind: cake, bandwidth: 1Mbit, memlimit: 20000}\n");
	struct sk_buff *skb;
	char *text;

	for (int i = 0; i < 2; i++) {
		skb = mkskb(200, 7000, 0);
		skb->id = 1000 + (uint64_t)i;
		tq_enq(q, skb);
	}
	for (int i = 0; i < 20; i++) { /* truesize 968 each: 22 > 20000 bytes */
		skb = mkskb(200, 7001, 0);
		skb->id = (uint64_t)i;
		tq_enq(q, skb);
	}
	ck_assert_uint_eq(q->stats.drops, 2);
	ck_assert_uint_eq(T.h->drops[drop_point_find(SKB_DROP_REASON_QDISC_OVERLIMIT, STAGE_T13)],
			  2);
	text = dump_with(q, false);
	ck_assert_str_eq(text, "qdisc cake 8001: dev eth0 root refcnt 2 bandwidth 1Mbit besteffort "
			       "triple-isolate nonat nowash no-ack-filter split-gso rtt 100ms raw "
			       "overhead 0 memlimit 20000b \n"
			       " Sent 0 bytes 0 pkt (dropped 2, overlimits 0 requeues 0) \n"
			       " backlog 4000b 20p requeues 0\n");
	free(text);
	/* the sparse flow (2 packets) first, then the bulk one from its third packet */
	skb = tq_deq(q);
	ck_assert_uint_eq(skb->id, 1000);
	consume_skb(T.h, skb);
	tq_drain_destroy(q);
}
END_TEST

/* A root of four TX queues holds five references (measured on a 4-queue veth). */
START_TEST(test_refcnt_multi_txq)
{
	struct Qdisc *q = tq_mkq("qdisc: {kind: htb, handle: '1:'}\n");
	char *text;

	T.dev->ntxq = 4;
	q->multi_txq = true;
	text = dump_with(q, false);
	ck_assert_ptr_nonnull(
		strstr(text, "qdisc htb 1: dev eth0 root refcnt 5 r2q 10 default 0 "));
	free(text);
	qdisc_destroy(q);
}
END_TEST

/* ---- against the kernel (tests/kernel-ref/measure_htb.py) ---- */

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	ck_assert_msg(f, "cannot read %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

START_TEST(test_htb_kernel_dump)
{
	struct Qdisc *q =
		tq_mkq("qdisc: {kind: htb, handle: '1:', default: 20, classes: [\n"
		       "  {classid: '1:1', rate: 10Mbit},\n"
		       "  {classid: '1:10', parent: '1:1', rate: 6Mbit, ceil: 10Mbit, prio: 1},\n"
		       "  {classid: '1:20', parent: '1:1', rate: 4Mbit, ceil: 8Mbit}]}\n");
	char *want = slurp("kernel-ref/htb_class_dump.txt"), *got = dump_with(q, true);

	ck_assert_str_eq(got, want);
	free(got);
	free(want);
	qdisc_destroy(q);
}
END_TEST

/* Each row of htb_rate.csv: the same classes, the measured rate within 1 %. */
START_TEST(test_htb_kernel_rates)
{
	FILE *f = fopen("kernel-ref/htb_rate.csv", "r");
	char line[256], cas[32], cls[16], rate[16], ceil[16];
	int rows = 0;
	double sent;

	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), f)); /* header */
	while (fgets(line, sizeof(line), f)) {
		struct htb_flow fl[2] = { { 5001, 1042, 0 }, { 5002, 1042, 0 } };
		char yaml[1024], c10[96], c20[96];
		double bps[2];
		struct Qdisc *q;
		int k;

		ck_assert_int_eq(sscanf(line, "%31[^,],%15[^,],%15[^,],%15[^,],%lf", cas, cls, rate,
					ceil, &sent),
				 5);
		if (!strcmp(cas, "rate")) {
			snprintf(yaml, sizeof(yaml),
				 "qdisc: {kind: htb, handle: '1:', default: 10, classes: "
				 "[{classid: '1:10', rate: %.*sMbit}]}\n",
				 (int)strlen(rate) - 4, rate);
			q = tq_mkq(yaml);
			htb_saturate(q, fl, 1, 500 * SIM_MS, 2500 * SIM_MS, bps);
			ck_assert_msg(fabs(bps[0] / sent - 1) < 0.01, "%s %s: %.0f vs kernel %.0f",
				      cas, cls, bps[0], sent);
			tq_drain_destroy(q);
			rows++;
			continue;
		}
		/* share / prio: two rows per case, the first is 1:10 */
		ck_assert_str_eq(cls, "1:10");
		snprintf(c10, sizeof(c10), "rate: %.*sMbit, ceil: %.*sMbit%s",
			 (int)strlen(rate) - 4, rate, (int)strlen(ceil) - 4, ceil,
			 strcmp(cas, "prio") ? "" : ", prio: 0");
		fl[0].want_bps = sent;
		ck_assert_ptr_nonnull(fgets(line, sizeof(line), f));
		ck_assert_int_eq(sscanf(line, "%31[^,],%15[^,],%15[^,],%15[^,],%lf", cas, cls, rate,
					ceil, &sent),
				 5);
		snprintf(c20, sizeof(c20), "rate: %.*sMbit, ceil: %.*sMbit%s",
			 (int)strlen(rate) - 4, rate, (int)strlen(ceil) - 4, ceil,
			 strcmp(cas, "prio") ? "" : ", prio: 1");
		fl[1].want_bps = sent;
		k = snprintf(yaml, sizeof(yaml),
			     "qdisc: {kind: htb, handle: '1:', classes: [{classid: '1:1', rate: "
			     "20Mbit},\n"
			     "  {classid: '1:10', parent: '1:1', %s}, {classid: '1:20', parent: "
			     "'1:1', %s}],\n"
			     "  filters: [{match: ip dport 5001 0xffff, flowid: '1:10'},\n"
			     "            {match: ip dport 5002 0xffff, flowid: '1:20'}]}\n",
			     c10, c20);
		ck_assert_int_lt(k, (int)sizeof(yaml));
		q = tq_mkq(yaml);
		htb_saturate(q, fl, 2, 500 * SIM_MS, 2500 * SIM_MS, bps);
		for (int i = 0; i < 2; i++)
			ck_assert_msg(fabs(bps[i] / fl[i].want_bps - 1) < 0.01,
				      "%s flow %d: %.0f vs kernel %.0f", cas, i, bps[i],
				      fl[i].want_bps);
		tq_drain_destroy(q);
		rows += 2;
	}
	fclose(f);
	ck_assert_int_eq(rows, 6);
}
END_TEST

Suite *qdisc_class_suite(void);

Suite *qdisc_class_suite(void)
{
	Suite *s = suite_create("qdisc_class");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, tq_setup, tq_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_config_errors, 0, (int)(sizeof(ecases) / sizeof(ecases[0])));
	tcase_add_loop_test(tc, test_u32_match, 0, (int)(sizeof(ucases) / sizeof(ucases[0])));
	tcase_add_test(tc, test_prio_vs_arrays);
	tcase_add_test(tc, test_prio_dump);
	tcase_add_test(tc, test_prio_child_dequeue_drop);
	tcase_add_test(tc, test_netem_fixed_delay);
	tcase_add_test(tc, test_netem_jitter);
	tcase_add_test(tc, test_netem_normal);
	tcase_add_loop_test(tc, test_netem_loss, 0,
			    (int)(sizeof(losscases) / sizeof(losscases[0])));
	tcase_add_test(tc, test_netem_reorder_gap);
	tcase_add_loop_test(tc, test_netem_rate, 0,
			    (int)(sizeof(ratecases) / sizeof(ratecases[0])));
	tcase_add_test(tc, test_netem_limit);
	tcase_add_test(tc, test_netem_dump);
	tcase_add_loop_test(tc, test_htb_rates, 0, (int)(sizeof(htbcases) / sizeof(htbcases[0])));
	tcase_add_test(tc, test_htb_direct);
	tcase_add_test(tc, test_htb_leaf_qdiscs);
	tcase_add_test(tc, test_sfq_vs_round_robin);
	tcase_add_test(tc, test_sfq_depth_and_limit);
	tcase_add_test(tc, test_sfq_perturb);
	tcase_add_test(tc, test_sfq_dump);
	tcase_add_test(tc, test_fq_new_flow_first);
	tcase_add_test(tc, test_fq_byte_fairness);
	tcase_add_test(tc, test_fq_limits);
	tcase_add_test(tc, test_fq_internal_and_orphans);
	tcase_add_loop_test(tc, test_fq_maxrate, 0,
			    (int)(sizeof(fqratecases) / sizeof(fqratecases[0])));
	tcase_add_loop_test(tc, test_cake_shaper, 0,
			    (int)(sizeof(cakeratecases) / sizeof(cakeratecases[0])));
	tcase_add_loop_test(tc, test_cake_isolation, 0,
			    (int)(sizeof(isocases) / sizeof(isocases[0])));
	tcase_add_test(tc, test_cake_overflow);
	tcase_add_test(tc, test_refcnt_multi_txq);
	tcase_add_test(tc, test_htb_kernel_dump);
	tcase_add_test(tc, test_htb_kernel_rates);
	suite_add_tcase(s, tc);
	return s;
}
