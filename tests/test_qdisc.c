/*
 * tests/test_qdisc.c - the queueing disciplines against trivial reference models.
 *
 *  - The registry and every configuration error, with its exact text.
 *  - pfifo and bfifo against a plain array with the limit rule, pfifo_fast
 *    against three arrays (band order, per-band limit), on random sequences.
 *  - fq_codel: a new (sparse) flow goes before an old (bulk) one, the DRR
 *    order and byte fairness, overflow head-drops from the fattest flow
 *    against a reference of fq_codel_drop's rule (with NET_XMIT_CN), the
 *    memory limit, CoDel's first drop one interval after the sojourn time
 *    went above target, the control law's spacing interval / sqrt(count)
 *    within the kernel's Newton-step error, ECN marking, ce_threshold.
 *  - tbf: a burst passes at once, the watchdog fires when the next packet's
 *    tokens are there, the long-run rate is `rate` within 1 %, overlimits,
 *    peakrate spacing, drops.
 *  - The `tc -s qdisc show` text of each discipline, exactly.
 *
 * Each test runs in a tiny world: an event queue, an skb pool, one host and
 * one device; the clock is moved by hand, or by running the event queue for
 * the watchdog. The teardown checks that every skb went back to the pool.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cfg.h"
#include "sim/rng.h"
#include "models/core/observe.h"
#include "models/core/netdevice.h"
#include "models/sched/sch_generic.h"
#include "models/core/skb.h"
#include "tests/test_qdisc.h"

#define HANDLE	   TQ_HANDLE		 /* "8001:" */
#define FLOW(i)	   ((uint32_t)(i) << 22) /* a hash that fq_codel puts in bucket i of 1024 */
#define CODEL_TICK (1024 * SIM_NS)	 /* CoDel's clock unit */
#define INTERVAL   (100 * SIM_MS)	 /* CoDel's default interval */

/* ---- the tiny world is tests/test_qdisc.h's ---- */

static struct sk_buff *mkskb(uint32_t len, uint32_t hash, uint32_t prio)
{
	struct sk_buff *skb = skb_alloc(T.w);

	CHECK(skb);
	skb->len = len;
	skb->truesize = len + 768;
	skb->hash = hash;
	skb->priority = prio;
	skb->protocol = IPPROTO_UDP_;
	skb->stage = STAGE_T13;
	return skb;
}

/* Run the clock to the watchdog; false when it is not armed. */
static bool run_watchdog(struct Qdisc *q)
{
	if (!sim_event_pending(&q->watchdog))
		return false;
	sim_eventq_run(&T.w->q, q->watchdog.time);
	return true;
}

static uint64_t drops_at(enum skb_drop_reason r)
{
	int ix = drop_point_find(r, STAGE_T13);

	ck_assert_int_ge(ix, 0);
	return T.h->drops[ix];
}

/* `tc -s qdisc show` of @q, malloc'ed. */
static char *dump(const struct Qdisc *q, const char *dev, const char *parent)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	qdisc_dump(q, dev, parent, f);
	fclose(f);
	return buf;
}

/* A counter of fq_codel's xstats, read back from the dump ("ecn_mark 3"). */
static uint32_t xstat(const struct Qdisc *q, const char *name)
{
	char *text = dump(q, "eth0", "root"), key[64];
	const char *p;
	unsigned v = 0;

	snprintf(key, sizeof(key), " %s ", name);
	p = strstr(text, key);
	if (p)
		ck_assert_int_eq(sscanf(p + strlen(key), "%u", &v), 1);
	free(text);
	return v;
}

/* ---- registry and errors ---- */

START_TEST(test_registry)
{
	static const char *const kinds[] = { "pfifo_fast", "pfifo", "bfifo", "fq_codel", "tbf",
					     "noqueue",	   "prio",  "netem", "htb",	 "sfq" };
	struct sim_error err = { 0 };
	struct Qdisc *q;

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		const struct Qdisc_ops *ops = qdisc_lookup_ops(kinds[i]);

		ck_assert_ptr_nonnull(ops);
		ck_assert_str_eq(ops->id, kinds[i]);
		ck_assert_ptr_nonnull(ops->init);
		ck_assert_int_eq(!ops->enqueue, !ops->dequeue);
	}
	ck_assert_ptr_null(qdisc_lookup_ops("hfsc"));
	ck_assert_ptr_null(noqueue_ops.enqueue);
	/* No scenario node: the default kind with its defaults. */
	q = tq_qcreate(NULL, "fq_codel", 0, &err);
	ck_assert_ptr_nonnull(q);
	ck_assert_ptr_eq(q->ops, &fq_codel_ops);
	ck_assert_uint_eq(q->limit, 10240);
	ck_assert_ptr_eq(q->dev, T.dev);
	qdisc_destroy(q);
	/* A mapping without `kind`: the default kind with the given keys. */
	q = tq_mkq("qdisc: {limit: 3}\n");
	ck_assert_ptr_eq(q->ops, &pfifo_fast_ops);
	ck_assert_uint_eq(q->limit, 3);
	qdisc_destroy(q);
	/* The device's tx_queue_len and MTU are the FIFOs' defaults. */
	T.dev->txqueuelen = 10;
	T.dev->mtu = 9000;
	q = tq_mkq("qdisc: bfifo\n");
	ck_assert_uint_eq(q->limit, 10 * 9014);
	qdisc_destroy(q);
	T.dev->txqueuelen = 0; /* not set: Ethernet's 1000 */
	q = tq_mkq("qdisc: pfifo\n");
	ck_assert_uint_eq(q->limit, 1000);
	qdisc_destroy(q);
}
END_TEST

struct ecase {
	const char *yaml; /* scenario text, NULL for no node */
	const char *def;  /* default kind */
	const char *msg;  /* the error, exactly */
};

static const struct ecase ecases[] = {
	{ "qdisc: {kind: fq_codle}\n", "pfifo_fast",
	  "t.yaml:1:15: unknown qdisc 'fq_codle' (did you mean 'fq_codel'?)" },
	{ "qdisc: {kind: hbt}\n", "pfifo_fast",
	  "t.yaml:1:15: unknown qdisc 'hbt' (did you mean 'htb'?)" },
	{ "qdisc: pfifo_fats\n", "pfifo_fast",
	  "t.yaml:1:8: unknown qdisc 'pfifo_fats' (did you mean 'pfifo_fast'?)" },
	{ NULL, "sfb", "unknown qdisc 'sfb' (did you mean 'sfq'?)" },
	{ NULL, "drr",
	  "unknown qdisc 'drr' (known: pfifo_fast, pfifo, bfifo, fq_codel, tbf, "
	  "noqueue, prio, netem, htb, sfq, fq, cake)" },
	{ "qdisc: [pfifo]\n", "pfifo_fast", "t.yaml:1:8: 'qdisc' must be a mapping" },
	{ "qdisc: {kind: pfifo, limt: 5}\n", "pfifo_fast",
	  "t.yaml:1:22: unknown key 'limt' in qdisc 'pfifo' (did you mean 'limit'?)" },
	{ "qdisc: {kind: pfifo, limit: 0}\n", "pfifo_fast",
	  "t.yaml:1:29: 'limit' must be between 1 and 4294967295, got '0'" },
	{ "qdisc: {kind: bfifo, limit: 1.5 pkts}\n", "pfifo_fast",
	  "t.yaml:1:29: 'limit' must be a size like '256KiB' (units: B, KB, KiB, MB, MiB, GB, "
	  "GiB), got '1.5 pkts'" },
	{ "qdisc: {kind: pfifo_fast, bands: 4}\n", "pfifo_fast",
	  "t.yaml:1:27: unknown key 'bands' in qdisc 'pfifo_fast' (known: kind, limit)" },
	{ "qdisc: {kind: noqueue, limit: 5}\n", "pfifo_fast",
	  "t.yaml:1:24: unknown key 'limit' in qdisc 'noqueue' (known: kind)" },
	{ "qdisc: {kind: fq_codel, flows: 0}\n", "pfifo_fast",
	  "t.yaml:1:32: 'flows' must be between 1 and 65536, got '0'" },
	{ "qdisc: {kind: fq_codel, quantum: 2MiB}\n", "pfifo_fast",
	  "t.yaml:1:34: 'quantum' must be between 1B and 1MiB, got '2MiB'" },
	{ "qdisc: {kind: fq_codel, target: 5}\n", "pfifo_fast",
	  "t.yaml:1:33: 'target' must be a time like '50us' (units: ps, ns, us, ms, s), got '5'" },
	{ "qdisc: {kind: fq_codel, ecn: maybe}\n", "pfifo_fast",
	  "t.yaml:1:30: 'ecn' must be true or false, got 'maybe'" },
	{ "qdisc: {kind: fq_codel, intervall: 10ms}\n", "pfifo_fast",
	  "t.yaml:1:25: unknown key 'intervall' in qdisc 'fq_codel' (did you mean 'interval'?)" },
	{ "qdisc: {kind: tbf, burst: 10KB, limit: 100KB}\n", "pfifo_fast",
	  "t.yaml:1:8: qdisc 'tbf' needs 'rate'" },
	{ "qdisc: {kind: tbf, rate: 1Gbit, limit: 100KB}\n", "pfifo_fast",
	  "t.yaml:1:8: qdisc 'tbf' needs 'burst'" },
	{ "qdisc: {kind: tbf, rate: 1Gbit, burst: 10KB}\n", "pfifo_fast",
	  "t.yaml:1:8: qdisc 'tbf' needs 'limit' or 'latency'" },
	{ "qdisc: {kind: tbf, rate: 1Gbit, burst: 10KB, limit: 1MB, latency: 5ms}\n", "pfifo_fast",
	  "t.yaml:1:67: qdisc 'tbf' takes 'limit' or 'latency', not both" },
	{ "qdisc: {kind: tbf, rate: 1Gbit, burst: 10KB, limit: 1MB, peakrate: 2Gbit}\n",
	  "pfifo_fast", "t.yaml:1:8: qdisc 'tbf' with 'peakrate' needs 'mtu'" },
	{ "qdisc: {kind: tbf, rate: 1Gbit, burst: 10KB, limit: 1MB, peakrate: 1Gbit, mtu: 1514}\n",
	  "pfifo_fast", "t.yaml:1:68: 'peakrate' must be above 'rate' (1Gbit), got '1Gbit'" },
	{ "qdisc: {kind: tbf, rate: 1Gbit, burst: 0, limit: 1MB}\n", "pfifo_fast",
	  "t.yaml:1:40: 'burst' must be between 1B and 2GiB, got '0'" },
	{ "qdisc: {kind: tbf, rate: 1Gbit, brust: 10KB, limit: 1MB}\n", "pfifo_fast",
	  "t.yaml:1:33: unknown key 'brust' in qdisc 'tbf' (did you mean 'burst'?)" },
	{ "qdisc: {kind: tbf, rate: 1Gbit, bucket: 10KB, limit: 1MB}\n", "pfifo_fast",
	  "t.yaml:1:33: unknown key 'bucket' in qdisc 'tbf' (known: kind, rate, burst, limit, "
	  "latency, peakrate, mtu)" },
	{ "qdisc: {kind: fq_codel, memory_limit: 3GiB}\n", "pfifo_fast",
	  "t.yaml:1:39: 'memory_limit' must be between 1B and 2GiB, got '3GiB'" },
	{ NULL, "tbf", "qdisc 'tbf' needs 'rate'" },
};

START_TEST(test_config_errors)
{
	const struct ecase *c = &ecases[_i];
	struct sim_error err = { 0 };

	ck_assert_ptr_null(tq_qcreate(c->yaml, c->def, HANDLE, &err));
	ck_assert_str_eq(err.msg, c->msg);
}
END_TEST

/* ---- pfifo, bfifo, pfifo_fast against arrays ---- */

#define REF_CAP 4096

/* A FIFO of (id, len) pairs. */
struct ref_fifo {
	uint64_t id[REF_CAP];  /* skb ids, oldest at head */
	uint32_t len[REF_CAP]; /* their lengths */
	uint32_t head, n;      /* ring position, entries */
	uint64_t bytes;	       /* summed lengths */
};

static void ref_push(struct ref_fifo *r, const struct sk_buff *skb)
{
	CHECK(r->n < REF_CAP);
	r->id[(r->head + r->n) % REF_CAP] = skb->id;
	r->len[(r->head + r->n) % REF_CAP] = skb->len;
	r->n++;
	r->bytes += skb->len;
}

/* Pop the head and check @skb is it. */
static void ref_pop(struct ref_fifo *r, const struct sk_buff *skb)
{
	CHECK(r->n > 0);
	CHECK(skb);
	CHECK_EQ(skb->id, r->id[r->head]);
	r->bytes -= r->len[r->head];
	r->head = (r->head + 1) % REF_CAP;
	r->n--;
}

struct fcase {
	const char *yaml; /* the qdisc */
	bool bytes;	  /* bfifo's rule (backlog + len <= limit), else qlen < limit */
	uint32_t limit;	  /* packets or bytes */
};

static const struct fcase fcases[] = {
	{ "qdisc: {kind: pfifo, limit: 1}\n", false, 1 },
	{ "qdisc: {kind: pfifo, limit: 7}\n", false, 7 },
	{ "qdisc: pfifo\n", false, 1000 },
	{ "qdisc: {kind: bfifo, limit: 1514}\n", true, 1514 },
	{ "qdisc: {kind: bfifo, limit: 10KB}\n", true, 10000 },
	{ "qdisc: {kind: bfifo, limit: 4KiB}\n", true, 4096 },
};

/* Mostly enqueues for 3000 steps (past a limit of 1000), then mostly dequeues, and so on. */
static bool pick_enqueue(struct sim_rng *r, int step)
{
	return sim_rng_double(r) < ((step / 3000) % 2 ? 0.2 : 0.8);
}

START_TEST(test_fifo_vs_array)
{
	const struct fcase *c = &fcases[_i];
	struct ref_fifo *ref = calloc(1, sizeof(*ref));
	struct Qdisc *q = tq_mkq(c->yaml);
	uint64_t drops = 0, sent = 0, sent_bytes = 0;
	struct sim_rng r;

	ck_assert_uint_eq(q->limit, c->limit);
	sim_rng_init(&r, 7, c->yaml);
	for (int step = 0; step < 20000; step++) {
		if (pick_enqueue(&r, step)) {
			struct sk_buff *skb = mkskb(60 + (uint32_t)sim_rng_below(&r, 1455), 0, 0);
			bool fits =
				c->bytes ? ref->bytes + skb->len <= c->limit : ref->n < c->limit;

			if (fits)
				ref_push(ref, skb);
			else
				drops++;
			CHECK_EQ(tq_enq(q, skb), fits ? NET_XMIT_SUCCESS : NET_XMIT_DROP);
		} else {
			struct sk_buff *skb = tq_deq(q);

			if (!ref->n) {
				CHECK(!skb);
				continue;
			}
			ref_pop(ref, skb);
			sent++;
			sent_bytes += skb->len;
			consume_skb(T.h, skb);
		}
		CHECK_EQ(q->stats.qlen, ref->n);
		CHECK_EQ(q->stats.backlog, ref->bytes);
	}
	ck_assert_uint_gt(drops, 0);
	ck_assert_uint_eq(q->stats.drops, drops);
	ck_assert_uint_eq(drops_at(SKB_DROP_REASON_QDISC_DROP), drops);
	ck_assert_uint_eq(q->stats.packets, sent);
	ck_assert_uint_eq(q->stats.bytes, sent_bytes);
	tq_drain_destroy(q);
	free(ref);
}
END_TEST

static const uint8_t ref_prio2band[16] = { 1, 2, 2, 2, 1, 2, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1 };

static const struct fcase pfcases[] = {
	{ "qdisc: {kind: pfifo_fast, limit: 1}\n", false, 1 },
	{ "qdisc: {kind: pfifo_fast, limit: 4}\n", false, 4 },
	{ "qdisc: {kind: pfifo_fast, limit: 60}\n", false, 60 },
};

START_TEST(test_pfifo_fast_vs_arrays)
{
	const struct fcase *c = &pfcases[_i];
	struct ref_fifo *band = calloc(3, sizeof(*band));
	struct Qdisc *q = tq_mkq(c->yaml);
	uint64_t drops = 0;
	struct sim_rng r;

	sim_rng_init(&r, 11, c->yaml);
	for (int step = 0; step < 20000; step++) {
		if (pick_enqueue(&r, step)) {
			/* priorities past 15 too: only priority & TC_PRIO_MAX counts */
			uint32_t prio = (uint32_t)sim_rng_below(&r, 40);
			struct sk_buff *skb = mkskb(100, 0, prio);
			struct ref_fifo *b = &band[ref_prio2band[prio & 15]];
			bool fits = b->n < c->limit;

			if (fits)
				ref_push(b, skb);
			else
				drops++;
			CHECK_EQ(tq_enq(q, skb), fits ? NET_XMIT_SUCCESS : NET_XMIT_DROP);
		} else {
			struct sk_buff *skb = tq_deq(q);
			int k = band[0].n ? 0 : band[1].n ? 1 : band[2].n ? 2 : -1;

			if (k < 0) {
				CHECK(!skb);
				continue;
			}
			ref_pop(&band[k], skb);
			consume_skb(T.h, skb);
		}
		CHECK_EQ(q->stats.qlen, band[0].n + band[1].n + band[2].n);
	}
	ck_assert_uint_gt(drops, 0);
	ck_assert_uint_eq(q->stats.drops, drops);
	tq_drain_destroy(q);
	free(band);
}
END_TEST

START_TEST(test_noqueue)
{
	struct sim_error err = { 0 };
	struct Qdisc *q = tq_qcreate(NULL, "noqueue", 0, &err);

	ck_assert_ptr_nonnull(q);
	ck_assert_ptr_null(q->ops->enqueue);
	ck_assert_ptr_null(q->ops->dequeue);
	qdisc_destroy(q);
}
END_TEST

/* Drops leave through the host's drop table with the discipline's reason. */
START_TEST(test_drop_reasons)
{
	struct Qdisc *q = tq_mkq("qdisc: {kind: pfifo, limit: 1}\n");
	struct sk_buff *to_free = NULL;

	ck_assert_int_eq(tq_enq(q, mkskb(100, 0, 0)), NET_XMIT_SUCCESS);
	ck_assert_int_eq(q->ops->enqueue(mkskb(100, 0, 0), q, &to_free), NET_XMIT_DROP);
	ck_assert_ptr_nonnull(to_free);
	ck_assert_ptr_null(to_free->next);
	ck_assert_int_eq(q->drop_reason, SKB_DROP_REASON_QDISC_DROP);
	qdisc_kfree_skb_list(q, to_free);
	ck_assert_uint_eq(drops_at(SKB_DROP_REASON_QDISC_DROP), 1);
	ck_assert_uint_eq(T.w->dropped, 1);
	qdisc_kfree_skb_list(q, NULL);
	ck_assert_uint_eq(T.w->dropped, 1);
	tq_drain_destroy(q);
}
END_TEST

START_TEST(test_watchdog)
{
	struct Qdisc *q = tq_mkq("qdisc: pfifo\n");

	qdisc_watchdog_schedule(q, 5 * SIM_US);
	ck_assert(sim_event_pending(&q->watchdog));
	ck_assert_int_eq(q->watchdog.time, 5 * SIM_US);
	qdisc_watchdog_schedule(q, 3 * SIM_US); /* re-armed earlier */
	ck_assert_int_eq(q->watchdog.time, 3 * SIM_US);
	sim_eventq_run(&T.w->q, 4 * SIM_US);
	ck_assert_uint_eq(T.wakes, 1);
	ck_assert_int_eq(T.t_wake, 3 * SIM_US);
	T.w->q.now = 10 * SIM_US;
	qdisc_watchdog_schedule(q, 1 * SIM_US); /* in the past: fires now */
	ck_assert_int_eq(q->watchdog.time, 10 * SIM_US);
	sim_eventq_run(&T.w->q, 20 * SIM_US);
	ck_assert_uint_eq(T.wakes, 2);
	ck_assert_int_eq(T.t_wake, 10 * SIM_US);
	qdisc_watchdog_schedule(q, 30 * SIM_US);
	qdisc_destroy(q); /* cancels it */
	ck_assert_uint_eq(T.w->q.len, 0);
}
END_TEST

/* ---- fq_codel: DRR ---- */

/* A bulk flow has used its quantum: a new sparse flow's packet leaves next. */
START_TEST(test_fq_codel_sparse_first)
{
	struct Qdisc *q = tq_mkq("qdisc: fq_codel\n");
	struct sk_buff *skb, *sparse;

	for (int i = 0; i < 10; i++)
		ck_assert_int_eq(tq_enq(q, mkskb(1514, FLOW(1), 0)), NET_XMIT_SUCCESS);
	skb = tq_deq(q);
	ck_assert_uint_eq(skb->hash, FLOW(1));
	consume_skb(T.h, skb);
	sparse = mkskb(100, FLOW(2), 0);
	tq_enq(q, sparse);
	skb = tq_deq(q);
	ck_assert_ptr_eq(skb, sparse);
	consume_skb(T.h, skb);
	skb = tq_deq(q);
	ck_assert_uint_eq(skb->hash, FLOW(1));
	consume_skb(T.h, skb);
	ck_assert_uint_eq(xstat(q, "new_flow_count"), 2);
	ck_assert_uint_eq(xstat(q, "maxpacket"), 1514);
	tq_drain_destroy(q);
}
END_TEST

struct drrcase {
	const char *yaml;    /* the qdisc */
	uint32_t len_a, n_a; /* flow A: bytes per packet, packets (enqueued first) */
	uint32_t len_b, n_b; /* flow B */
	const char *order;   /* the flows of the dequeued packets */
};

static const struct drrcase drrcases[] = {
	{ "qdisc: fq_codel\n", 1514, 3, 757, 6, "ABBABBABB" },
	{ "qdisc: {kind: fq_codel, quantum: 300}\n", 1000, 2, 200, 6, "ABBBBBAB" },
	{ "qdisc: {kind: fq_codel, quantum: 100}\n", 300, 3, 300, 3, "ABABAB" }, /* 256 */
};

START_TEST(test_fq_codel_drr_order)
{
	const struct drrcase *c = &drrcases[_i];
	struct Qdisc *q = tq_mkq(c->yaml);
	char got[64] = "";
	struct sk_buff *skb;

	for (uint32_t i = 0; i < c->n_a; i++)
		tq_enq(q, mkskb(c->len_a, FLOW(1), 0));
	for (uint32_t i = 0; i < c->n_b; i++)
		tq_enq(q, mkskb(c->len_b, FLOW(2), 0));
	while ((skb = tq_deq(q))) {
		strcat(got, skb->hash == FLOW(1) ? "A" : "B");
		consume_skb(T.h, skb);
	}
	ck_assert_str_eq(got, c->order);
	ck_assert_uint_eq(xstat(q, "new_flows_len"), 0);
	ck_assert_uint_eq(xstat(q, "old_flows_len"), 0);
	qdisc_destroy(q);
}
END_TEST

/* Two backlogged flows get the same bytes, within one quantum and one packet. */
START_TEST(test_fq_codel_byte_fairness)
{
	struct Qdisc *q = tq_mkq("qdisc: fq_codel\n");
	uint64_t bytes[2] = { 0, 0 };
	uint32_t left[2] = { 400, 9000 };
	struct sk_buff *skb;

	for (uint32_t i = 0; i < left[0]; i++)
		tq_enq(q, mkskb(1514, FLOW(1), 0));
	for (uint32_t i = 0; i < left[1]; i++)
		tq_enq(q, mkskb(64, FLOW(2), 0));
	while (left[0] && left[1]) {
		int f;

		skb = tq_deq(q);
		f = skb->hash == FLOW(2);
		bytes[f] += skb->len;
		left[f]--;
		consume_skb(T.h, skb);
		CHECK((bytes[0] > bytes[1] ? bytes[0] - bytes[1] : bytes[1] - bytes[0]) <=
		      1514 + 1514);
	}
	tq_drain_destroy(q);
}
END_TEST

/* ---- fq_codel: overflow ---- */

struct ocase {
	const char *yaml; /* the qdisc */
	uint32_t n[3];	  /* packets queued per flow before */
	uint32_t len[3];  /* their length per flow */
	uint32_t newflow; /* flow of the packet that may overflow */
	uint32_t newlen;  /* its length */
	uint32_t limit;	  /* packets */
	uint32_t batch;	  /* drop_batch */
};

static const struct ocase ocases[] = {
	{ "qdisc: {kind: fq_codel, limit: 20}\n", { 15, 5, 0 }, { 1000, 100, 0 }, 1, 100, 20, 64 },
	{ "qdisc: {kind: fq_codel, limit: 20}\n", { 15, 5, 0 }, { 1000, 100, 0 }, 0, 1000, 20, 64 },
	{ "qdisc: {kind: fq_codel, limit: 20, drop_batch: 4}\n",
	  { 15, 5, 0 },
	  { 1000, 100, 0 },
	  1,
	  100,
	  20,
	  4 },
	/* the new packet's flow is the fattest and it is its only packet: it goes */
	{ "qdisc: {kind: fq_codel, limit: 2}\n", { 1, 1, 0 }, { 1000, 200, 0 }, 2, 1500, 2, 64 },
	/* a tie: the first flow */
	{ "qdisc: {kind: fq_codel, limit: 10}\n", { 5, 5, 0 }, { 1000, 1000, 0 }, 2, 100, 10, 64 },
	/* no overflow */
	{ "qdisc: {kind: fq_codel, limit: 100}\n", { 10, 0, 0 }, { 100, 0, 0 }, 1, 100, 100, 64 },
	/* half the backlog is more than drop_batch packets */
	{ "qdisc: {kind: fq_codel, limit: 200}\n", { 200, 0, 0 }, { 100, 0, 0 }, 1, 100, 200, 64 },
};

/* fq_codel_drop()'s rule on per-flow lists of lengths: flow and count dropped. */
static void ref_fq_drop(uint32_t (*lens)[256], const uint32_t *n, uint32_t batch, uint32_t *flow,
			uint32_t *count)
{
	uint32_t best = 0, idx = 0, len = 0, i = 0;

	for (uint32_t f = 0; f < 3; f++) {
		uint32_t b = 0;

		for (uint32_t k = 0; k < n[f]; k++)
			b += lens[f][k];
		if (b > best) {
			best = b;
			idx = f;
		}
	}
	do
		len += lens[idx][i];
	while (++i < batch && len < best / 2);
	*flow = idx;
	*count = i;
}

START_TEST(test_fq_codel_overflow)
{
	const struct ocase *c = &ocases[_i];
	struct Qdisc *q = tq_mkq(c->yaml);
	uint32_t lens[3][256], n[3], total = 0, dflow = 0, dcount = 0, left[3] = { 0, 0, 0 };
	uint64_t ids[3][256];
	struct sk_buff *to_free = NULL, *skb;
	bool overflow;
	int rc;

	for (uint32_t f = 0; f < 3; f++) {
		n[f] = c->n[f];
		for (uint32_t k = 0; k < n[f]; k++) {
			skb = mkskb(c->len[f], FLOW(f + 1), 0);
			lens[f][k] = skb->len;
			ids[f][k] = skb->id;
			ck_assert_int_eq(tq_enq(q, skb), NET_XMIT_SUCCESS);
		}
		total += n[f];
	}
	skb = mkskb(c->newlen, FLOW(c->newflow + 1), 0);
	lens[c->newflow][n[c->newflow]] = skb->len;
	ids[c->newflow][n[c->newflow]++] = skb->id;
	overflow = total + 1 > c->limit;
	if (overflow)
		ref_fq_drop(lens, n, c->batch, &dflow, &dcount);

	rc = q->ops->enqueue(skb, q, &to_free);
	ck_assert_int_eq(rc, overflow && dflow == c->newflow ? NET_XMIT_CN : NET_XMIT_SUCCESS);
	/* to_free holds the head of the fattest flow, the last dropped first */
	skb = to_free;
	for (uint32_t k = dcount; k-- > 0; skb = skb->next) {
		ck_assert_ptr_nonnull(skb);
		ck_assert_uint_eq(skb->id, ids[dflow][k]);
	}
	ck_assert_ptr_null(skb);
	ck_assert_int_eq(q->drop_reason,
			 dcount ? SKB_DROP_REASON_QDISC_OVERLIMIT : SKB_DROP_REASON_QDISC_DROP);
	qdisc_kfree_skb_list(q, to_free);
	ck_assert_uint_eq(drops_at(SKB_DROP_REASON_QDISC_OVERLIMIT), dcount);
	ck_assert_int_eq(q->drop_reason, SKB_DROP_REASON_QDISC_DROP);
	ck_assert_uint_eq(q->stats.drops, dcount);
	ck_assert_uint_eq(q->stats.qlen, total + 1 - dcount);
	ck_assert_uint_eq(xstat(q, "drop_overlimit"), dcount);
	ck_assert_uint_eq(xstat(q, "drop_overmemory"), 0);
	/* the survivors, oldest first per flow */
	while ((skb = tq_deq(q))) {
		uint32_t f = (skb->hash >> 22) - 1;

		ck_assert_uint_eq(skb->id, ids[f][(f == dflow ? dcount : 0) + left[f]]);
		left[f]++;
		consume_skb(T.h, skb);
	}
	for (uint32_t f = 0; f < 3; f++)
		ck_assert_uint_eq(left[f], n[f] - (f == dflow ? dcount : 0));
	qdisc_destroy(q);
}
END_TEST

/* Over memory_limit (truesize): the same head drops, counted as drop_overmemory too. */
START_TEST(test_fq_codel_memory_limit)
{
	struct Qdisc *q = tq_mkq("qdisc: {kind: fq_codel, memory_limit: 10000}\n");

	for (int i = 0; i < 5; i++) /* truesize 2000 each: 10000 is not over */
		ck_assert_int_eq(tq_enq(q, mkskb(1232, FLOW(3), 0)), NET_XMIT_SUCCESS);
	ck_assert_uint_eq(q->stats.drops, 0);
	/* 12000 > 10000: half of 6 * 1232 bytes is 3 packets, from this flow */
	ck_assert_int_eq(tq_enq(q, mkskb(1232, FLOW(3), 0)), NET_XMIT_CN);
	ck_assert_uint_eq(q->stats.drops, 3);
	ck_assert_uint_eq(xstat(q, "drop_overlimit"), 3);
	ck_assert_uint_eq(xstat(q, "drop_overmemory"), 3);
	ck_assert_uint_eq(xstat(q, "memory_used"), 6000);
	ck_assert_uint_eq(drops_at(SKB_DROP_REASON_QDISC_OVERLIMIT), 3);
	tq_drain_destroy(q);
}
END_TEST

/* ---- fq_codel: CoDel on one flow ---- */

/*
 * One flow, @standing packets queued one @step apart, then one packet in and
 * one out every @step: the head's sojourn time is standing * step throughout
 * (less one step per CoDel drop). Records when packets were dropped (or
 * marked CE, seen as a TOS change).
 */
struct drip {
	sim_time_t step;     /* ps between arrivals (and departures) */
	uint32_t standing;   /* packets queued before the first departure */
	uint8_t tos;	     /* TOS byte of every packet */
	sim_time_t until;    /* ps: end of the run */
	sim_time_t t_first;  /* ps: the first departure */
	uint32_t sent;	     /* packets dequeued */
	uint32_t changed;    /* of which with a changed TOS byte (CE marked) */
	uint32_t nev;	     /* drops or marks recorded */
	sim_time_t t_ev[64]; /* ps: when */
};

static void drip_enq(struct Qdisc *q, const struct drip *d)
{
	struct sk_buff *skb = mkskb(1000, FLOW(5), 0);

	skb->tos = d->tos;
	CHECK_EQ(tq_enq(q, skb), NET_XMIT_SUCCESS);
}

static void drip_run(struct Qdisc *q, struct drip *d)
{
	for (uint32_t i = 0; i < d->standing; i++) {
		T.w->q.now = i * d->step;
		drip_enq(q, d);
	}
	d->t_first = d->standing * d->step;
	for (sim_time_t t = d->t_first; t < d->until; t += d->step) {
		uint64_t drops = q->stats.drops;
		struct sk_buff *skb;

		T.w->q.now = t;
		drip_enq(q, d);
		skb = tq_deq(q);
		CHECK(skb);
		CHECK(q->stats.drops - drops <= 1);
		if ((q->stats.drops > drops || skb->tos != d->tos) && d->nev < 64)
			d->t_ev[d->nev++] = t;
		d->changed += skb->tos != d->tos;
		d->sent++;
		consume_skb(T.h, skb);
	}
}

/* Above target: the first drop comes one interval after, not before. */
START_TEST(test_codel_first_drop)
{
	struct Qdisc *q = tq_mkq("qdisc: fq_codel\n");
	struct drip d = { .step = 100 * SIM_US, .standing = 200, .until = 1200 * SIM_MS };

	drip_run(q, &d);
	ck_assert_uint_ge(d.nev, 20);
	/* went above target at the first departure; drop when now > that + interval */
	ck_assert_int_ge(d.t_ev[0], d.t_first + INTERVAL - 2 * CODEL_TICK);
	ck_assert_int_le(d.t_ev[0], d.t_first + INTERVAL + d.step);
	ck_assert_uint_eq(q->stats.drops, d.nev);
	ck_assert_uint_eq(drops_at(SKB_DROP_REASON_QDISC_CONGESTED), d.nev);
	ck_assert_uint_eq(xstat(q, "ecn_mark"), 0);
	tq_drain_destroy(q);
}
END_TEST

/* Below target: never a drop, however long. */
START_TEST(test_codel_below_target)
{
	struct Qdisc *q = tq_mkq("qdisc: fq_codel\n");
	struct drip d = { .step = 100 * SIM_US, .standing = 49, .until = 2 * SIM_SEC };

	drip_run(q, &d); /* 4.9 ms standing */
	ck_assert_uint_eq(d.nev, 0);
	ck_assert_uint_eq(q->stats.drops, 0);
	tq_drain_destroy(q);
}
END_TEST

/*
 * In the dropping state the k-th gap between drops is interval / sqrt(k) by
 * the control law, with 1/sqrt(k) from the kernel's Newton step on a Q0.16
 * value: exact for k = 1, 0.5 for k = 2 (the first step from 1.0), within
 * 2.6 % for 3 <= k < 8 and 0.6 % from k = 8 on (worked out from
 * codel_Newton_step). Each gap is also off by less than one step, as drops
 * happen at departures, plus CoDel's clock tick.
 */
START_TEST(test_codel_control_law)
{
	struct Qdisc *q = tq_mkq("qdisc: fq_codel\n");
	struct drip d = { .step = 100 * SIM_US, .standing = 200, .until = 1200 * SIM_MS };

	drip_run(q, &d);
	ck_assert_uint_ge(d.nev, 20);
	for (uint32_t k = 1; k < d.nev; k++) {
		double gap = (double)(d.t_ev[k] - d.t_ev[k - 1]);
		double law = (double)INTERVAL / sqrt((double)k);
		double newton = k == 1 ? 1e-4 : k == 2 ? 0.293 : k < 8 ? 0.026 : 0.006;
		double want = k == 2 ? (double)INTERVAL * 0.5 : law;
		double tol = (k == 2 ? 1e-4 : newton) * law + (double)(d.step + 2 * CODEL_TICK);

		ck_assert_msg(fabs(gap - want) <= tol, "gap %u: %.0f ps, want %.0f +- %.0f", k, gap,
			      want, tol);
		if (k >= 8) /* and the law itself, within 0.6 % and one step */
			ck_assert_msg(fabs(gap - law) <= 0.006 * law + (double)d.step,
				      "gap %u: %.0f ps, law %.0f", k, gap, law);
	}
	tq_drain_destroy(q);
}
END_TEST

struct ecncase {
	const char *yaml; /* the qdisc */
	uint8_t tos;	  /* of every packet */
	bool marks;	  /* CE marks instead of drops */
};

static const struct ecncase ecncases[] = {
	{ "qdisc: fq_codel\n", 0x00, false },	    /* Not-ECT: dropped */
	{ "qdisc: fq_codel\n", 0x01, true },	    /* ECT(1) */
	{ "qdisc: fq_codel\n", 0x02, true },	    /* ECT(0) */
	{ "qdisc: fq_codel\n", 0xb8 | 0x02, true }, /* EF + ECT(0): DSCP kept */
	{ "qdisc: fq_codel\n", 0x03, true },	    /* already CE: counted as marked */
	{ "qdisc: {kind: fq_codel, ecn: false}\n", 0x02, false }, /* ecn off: dropped */
};

/* ECN: the same schedule as the drops, but packets leave with CE set. */
START_TEST(test_codel_ecn)
{
	const struct ecncase *c = &ecncases[_i];
	struct drip ref = { .step = 100 * SIM_US, .standing = 200, .until = 1200 * SIM_MS };
	struct drip d = ref;
	struct Qdisc *q;
	uint32_t marks;

	q = tq_mkq("qdisc: fq_codel\n"); /* the schedule of drops, Not-ECT */
	drip_run(q, &ref);
	tq_drain_destroy(q);

	q = tq_mkq(c->yaml);
	d.tos = c->tos;
	drip_run(q, &d);
	marks = xstat(q, "ecn_mark");
	if (c->marks) {
		ck_assert_uint_eq(q->stats.drops, 0);
		ck_assert_uint_ge(marks, 20);
		if (c->tos != 0x03) { /* a CE packet shows no change */
			ck_assert_uint_eq(d.changed, marks);
			for (uint32_t k = 0; k < d.nev && k < ref.nev; k++)
				ck_assert_int_eq(d.t_ev[k], ref.t_ev[k]);
		}
	} else {
		ck_assert_uint_eq(marks, 0);
		ck_assert_uint_eq(q->stats.drops, ref.nev);
	}
	tq_drain_destroy(q);
}
END_TEST

/* ce_threshold: every packet above it leaves with CE, below target too. */
START_TEST(test_codel_ce_threshold)
{
	struct Qdisc *q = tq_mkq("qdisc: {kind: fq_codel, ce_threshold: 1ms}\n");
	struct drip d = {
		.step = 100 * SIM_US, .standing = 20, .tos = 0x02, .until = 300 * SIM_MS
	};
	char *text;

	drip_run(q, &d); /* 2 ms standing: above 1 ms, below target */
	ck_assert_uint_eq(d.changed, d.sent);
	ck_assert_uint_eq(xstat(q, "ce_mark"), d.sent);
	ck_assert_uint_eq(xstat(q, "ecn_mark"), 0);
	ck_assert_uint_eq(q->stats.drops, 0);
	text = dump(q, "eth0", "root");
	ck_assert_msg(strstr(text, " target 5ms ce_threshold 999us interval 100ms "), "%s", text);
	free(text);
	tq_drain_destroy(q);
}
END_TEST

/* ---- tbf ---- */

/* A full bucket lets burst bytes through at once; the next waits for its tokens. */
START_TEST(test_tbf_burst_and_watchdog)
{
	struct Qdisc *q = tq_mkq("qdisc: {kind: tbf, rate: 100Mbit, burst: 15140, limit: 100KB}\n");
	const sim_time_t l2t = 121120 * SIM_NS; /* 1514 bytes at 12.5 MB/s */
	struct sk_buff *skb;

	for (int i = 0; i < 20; i++)
		ck_assert_int_eq(tq_enq(q, mkskb(1514, 0, 0)), NET_XMIT_SUCCESS);
	for (int i = 0; i < 10; i++) {
		skb = tq_deq(q);
		ck_assert_ptr_nonnull(skb);
		consume_skb(T.h, skb);
	}
	ck_assert_uint_eq(q->stats.overlimits, 0);
	ck_assert_ptr_null(tq_deq(q));
	ck_assert_uint_eq(q->stats.overlimits, 1);
	ck_assert(sim_event_pending(&q->watchdog));
	ck_assert_int_le(llabs(q->watchdog.time - l2t), 20 * SIM_NS);
	/* before its time: still nothing (and one more overlimit) */
	T.w->q.now = l2t / 2;
	ck_assert_ptr_null(tq_deq(q));
	ck_assert_uint_eq(q->stats.overlimits, 2);
	ck_assert(run_watchdog(q));
	ck_assert_uint_eq(T.wakes, 1);
	ck_assert_int_le(llabs(T.t_wake - l2t), 20 * SIM_NS);
	skb = tq_deq(q);
	ck_assert_ptr_nonnull(skb);
	consume_skb(T.h, skb);
	ck_assert_ptr_null(tq_deq(q)); /* one packet time later again */
	ck_assert_int_le(llabs(q->watchdog.time - 2 * l2t), 40 * SIM_NS);
	ck_assert_uint_eq(q->stats.packets, 11);
	ck_assert_uint_eq(q->stats.bytes, 11 * 1514);
	tq_drain_destroy(q);
}
END_TEST

/* However long the bucket fills (idle from creation, then after a busy spell), it holds burst. */
START_TEST(test_tbf_bucket_cap)
{
	struct Qdisc *q = tq_mkq("qdisc: {kind: tbf, rate: 100Mbit, burst: 15140, limit: 100KB}\n");

	for (int round = 0; round < 2; round++) {
		struct sk_buff *skb;

		T.w->q.now += 10 * SIM_SEC;
		for (int i = 0; i < 20; i++)
			tq_enq(q, mkskb(1514, 0, 0));
		for (int i = 0; i < 10; i++) {
			skb = tq_deq(q);
			ck_assert_ptr_nonnull(skb);
			consume_skb(T.h, skb);
		}
		ck_assert_ptr_null(tq_deq(q));
		while (q->stats.qlen)
			if ((skb = tq_deq(q)))
				consume_skb(T.h, skb);
			else
				ck_assert(run_watchdog(q));
	}
	tq_drain_destroy(q);
}
END_TEST

struct ratecase {
	const char *yaml; /* the qdisc */
	double rate;	  /* bytes per second */
	uint32_t burst;	  /* bytes */
	uint32_t len;	  /* bytes per packet */
};

static const struct ratecase ratecases[] = {
	{ "qdisc: {kind: tbf, rate: 100Mbit, burst: 3028, limit: 1MB}\n", 12.5e6, 3028, 1514 },
	{ "qdisc: {kind: tbf, rate: 1Gbit, burst: 32KiB, latency: 5ms}\n", 125e6, 32768, 1514 },
	{ "qdisc: {kind: tbf, rate: 1Mbit, burst: 2000, limit: 10000}\n", 125000, 2000, 100 },
	{ "qdisc: {kind: tbf, rate: 9.5Gbit, burst: 64KiB, limit: 1MB}\n", 1.1875e9, 65536, 1514 },
};

/*
 * Kept busy for a simulated second, tbf sends burst + rate * t bytes, within
 * a packet or two and the kernel's own error: psched_l2t_ns() rounds each
 * packet's time down to a whole ns (0.07 % fast for 1514 bytes at 9.5Gbit).
 */
START_TEST(test_tbf_long_run_rate)
{
	const struct ratecase *c = &ratecases[_i];
	struct Qdisc *q = tq_mkq(c->yaml);
	uint64_t bytes = 0;
	double t, want;

	while (T.w->q.now < SIM_SEC) {
		struct sk_buff *skb;

		while (q->stats.qlen < 8)
			CHECK_EQ(tq_enq(q, mkskb(c->len, 0, 0)), NET_XMIT_SUCCESS);
		skb = tq_deq(q);
		if (skb) {
			bytes += skb->len;
			consume_skb(T.h, skb);
			continue;
		}
		CHECK(q->watchdog.time > T.w->q.now);
		CHECK(run_watchdog(q));
	}
	t = sim_time_sec(T.w->q.now);
	want = c->burst + c->rate * t;
	ck_assert_msg(fabs((double)(bytes - c->burst) / t - c->rate) < 0.01 * c->rate,
		      "%.0f bytes/s, want %.0f", (double)(bytes - c->burst) / t, c->rate);
	ck_assert_msg(fabs((double)bytes - want) <=
			      2.0 * c->len + (double)bytes / c->len * c->rate / 1e9,
		      "%lu bytes, want %.0f", (unsigned long)bytes, want);
	ck_assert_uint_eq(T.wakes, q->stats.overlimits);
	ck_assert_uint_gt(q->stats.overlimits, 0);
	tq_drain_destroy(q);
}
END_TEST

/* peakrate: even with a full bucket, packets leave mtu / peakrate apart. */
START_TEST(test_tbf_peakrate)
{
	struct Qdisc *q = tq_mkq("qdisc: {kind: tbf, rate: 10Mbit, burst: 15140, limit: 100000, "
				 "peakrate: 100Mbit, mtu: 1514}\n");
	const sim_time_t l2t = 121120 * SIM_NS; /* 1514 bytes at the peak rate */
	sim_time_t last = 0;

	for (int i = 0; i < 5; i++)
		tq_enq(q, mkskb(1514, 0, 0));
	for (int i = 0; i < 5; i++) {
		struct sk_buff *skb;

		while (!(skb = tq_deq(q)))
			ck_assert(run_watchdog(q));
		if (i)
			ck_assert_int_le(llabs(T.w->q.now - last - l2t), 20 * SIM_NS);
		last = T.w->q.now;
		consume_skb(T.h, skb);
	}
	ck_assert_uint_eq(q->stats.overlimits, 4);
	tq_drain_destroy(q);
}
END_TEST

/* A packet over max_size (burst, or mtu with peakrate) and child overflow drop. */
START_TEST(test_tbf_drops)
{
	struct Qdisc *q = tq_mkq("qdisc: {kind: tbf, rate: 1Mbit, burst: 1000, limit: 3000}\n");

	ck_assert_int_eq(tq_enq(q, mkskb(1001, 0, 0)), NET_XMIT_DROP);
	ck_assert_int_eq(tq_enq(q, mkskb(1000, 0, 0)), NET_XMIT_SUCCESS);
	ck_assert_int_eq(tq_enq(q, mkskb(1000, 0, 0)), NET_XMIT_SUCCESS);
	ck_assert_int_eq(tq_enq(q, mkskb(1000, 0, 0)), NET_XMIT_SUCCESS);
	ck_assert_int_eq(tq_enq(q, mkskb(60, 0, 0)), NET_XMIT_DROP); /* bfifo: 3060 > 3000 */
	ck_assert_uint_eq(q->stats.drops, 2);
	ck_assert_uint_eq(q->stats.qlen, 3);
	ck_assert_uint_eq(q->stats.backlog, 3000);
	ck_assert_uint_eq(drops_at(SKB_DROP_REASON_QDISC_DROP), 2);
	tq_drain_destroy(q);

	q = tq_mkq("qdisc: {kind: tbf, rate: 1Mbit, burst: 10000, limit: 30000, peakrate: 2Mbit, "
		   "mtu: 1500}\n");
	ck_assert_int_eq(tq_enq(q, mkskb(1501, 0, 0)), NET_XMIT_DROP);
	ck_assert_int_eq(tq_enq(q, mkskb(1500, 0, 0)), NET_XMIT_SUCCESS);
	tq_drain_destroy(q);
}
END_TEST

START_TEST(test_tbf_latency_limit)
{
	struct Qdisc *q = tq_mkq("qdisc: {kind: tbf, rate: 1Gbit, burst: 32KiB, latency: 50ms}\n");

	ck_assert_uint_eq(q->limit, 125000000 / 20 + 32768); /* rate * latency + burst */
	qdisc_destroy(q);
	q = tq_mkq(
		"qdisc: {kind: tbf, rate: 10Mbit, burst: 20000, latency: 10ms, peakrate: 20Mbit, "
		"mtu: 1514}\n");
	ck_assert_uint_eq(q->limit, 2500000 / 100 + 1514); /* the peak bound is smaller */
	qdisc_destroy(q);
}
END_TEST

/* ---- tc -s qdisc show ---- */

#define STATS0                                                                                     \
	" Sent 0 bytes 0 pkt (dropped 0, overlimits 0 requeues 0) \n"                              \
	" backlog 0b 0p requeues 0\n"

struct dcase {
	const char *yaml;   /* the qdisc, NULL for the default kind */
	const char *def;    /* default kind */
	uint32_t handle;    /* major:minor */
	const char *dev;    /* device name */
	const char *parent; /* "root" or "parent X:Y" */
	const char *text;   /* the dump, exactly */
};

static const struct dcase dcases[] = {
	{ NULL, "pfifo_fast", 0, "eth0", "root",
	  "qdisc pfifo_fast 0: dev eth0 root refcnt 2 bands 3 priomap 1 2 2 2 1 2 0 0 1 1 1 1 1 1 "
	  "1 1\n" STATS0 },
	{ NULL, "noqueue", 0, "lo", "root", "qdisc noqueue 0: dev lo root refcnt 2 \n" STATS0 },
	{ "qdisc: pfifo\n", NULL, HANDLE, "eth0", "root",
	  "qdisc pfifo 8001: dev eth0 root refcnt 2 limit 1000p\n" STATS0 },
	{ "qdisc: bfifo\n", NULL, HANDLE, "eth0", "root",
	  "qdisc bfifo 8001: dev eth0 root refcnt 2 limit 1514000b\n" STATS0 },
	{ "qdisc: {kind: bfifo, limit: 64KiB}\n", NULL, HANDLE, "eth0", "root",
	  "qdisc bfifo 8001: dev eth0 root refcnt 2 limit 64Kb\n" STATS0 },
	{ "qdisc: fq_codel\n", NULL, HANDLE, "eth0", "root",
	  "qdisc fq_codel 8001: dev eth0 root refcnt 2 limit 10240p flows 1024 quantum 1514 "
	  "target 5ms interval 100ms memory_limit 32Mb ecn drop_batch 64 \n" STATS0
	  "  maxpacket 0 drop_overlimit 0 new_flow_count 0 ecn_mark 0\n"
	  "  new_flows_len 0 old_flows_len 0\n" },
	{ "qdisc: fq_codel\n", NULL, 0, "eth0", "parent 8001:1",
	  "qdisc fq_codel 0: dev eth0 parent 8001:1 limit 10240p flows 1024 quantum 1514 "
	  "target 5ms interval 100ms memory_limit 32Mb ecn drop_batch 64 \n" STATS0
	  "  maxpacket 0 drop_overlimit 0 new_flow_count 0 ecn_mark 0\n"
	  "  new_flows_len 0 old_flows_len 0\n" },
	{ "qdisc: {kind: fq_codel, limit: 1000, flows: 64, quantum: 300, target: 2ms, "
	  "interval: 40ms, memory_limit: 4MiB, ecn: false, drop_batch: 8, ce_threshold: 250us}\n",
	  NULL, HANDLE, "eth1", "root",
	  "qdisc fq_codel 8001: dev eth1 root refcnt 2 limit 1000p flows 64 quantum 300 "
	  "target 2ms ce_threshold 249us interval 40ms memory_limit 4Mb drop_batch 8 \n" STATS0
	  "  maxpacket 0 drop_overlimit 0 new_flow_count 0 ecn_mark 0\n"
	  "  new_flows_len 0 old_flows_len 0\n" },
	{ "qdisc: {kind: tbf, rate: 1Gbit, burst: 32KiB, latency: 50ms}\n", NULL, HANDLE, "eth0",
	  "root",
	  "qdisc tbf 8001: dev eth0 root refcnt 2 rate 1Gbit burst 32Kb lat 50ms \n" STATS0 },
	{ "qdisc: {kind: tbf, rate: 10Mbit, burst: 15140, limit: 100000, peakrate: 100Mbit, "
	  "mtu: 1514}\n",
	  NULL, HANDLE, "eth0", "root",
	  "qdisc tbf 8001: dev eth0 root refcnt 2 rate 10Mbit burst 15140b peakrate 100Mbit "
	  "minburst 1513b lat 67.9ms \n" STATS0 },
	{ "qdisc: {kind: tbf, rate: 1Mbit, burst: 10KiB, limit: 5000}\n", NULL, HANDLE, "eth0",
	  "root",
	  "qdisc tbf 8001: dev eth0 root refcnt 2 rate 1Mbit burst 10Kb limit 5000b \n" STATS0 },
	{ "qdisc: {kind: tbf, rate: 1500Mbit, burst: 1MiB, latency: 1s}\n", NULL, 0x10000, "eth0",
	  "root",
	  "qdisc tbf 1: dev eth0 root refcnt 2 rate 1500Mbit burst 1024Kb lat 1s \n" STATS0 },
};

START_TEST(test_dump)
{
	const struct dcase *c = &dcases[_i];
	struct sim_error err = { 0 };
	struct Qdisc *q = tq_qcreate(c->yaml, c->def, c->handle, &err);
	char *text;

	ck_assert_msg(q, "%s", err.msg);
	text = dump(q, c->dev, c->parent);
	ck_assert_str_eq(text, c->text);
	free(text);
	qdisc_destroy(q);
}
END_TEST

/* The counters after some traffic, and backlog in tc's size units. */
START_TEST(test_dump_traffic)
{
	struct Qdisc *q = tq_mkq("qdisc: {kind: bfifo, limit: 3KiB}\n");
	char *text;

	for (int i = 0; i < 4; i++)
		tq_enq(q, mkskb(1024, 0, 0));
	consume_skb(T.h, tq_deq(q));
	q->stats.requeues = 1; /* the device layer's */
	text = dump(q, "eth0", "root");
	ck_assert_str_eq(text, "qdisc bfifo 8001: dev eth0 root refcnt 2 limit 3Kb\n"
			       " Sent 1024 bytes 1 pkt (dropped 1, overlimits 0 requeues 1) \n"
			       " backlog 2Kb 2p requeues 1\n");
	free(text);
	tq_drain_destroy(q);

	q = tq_mkq("qdisc: fq_codel\n");
	tq_enq(q, mkskb(1000, FLOW(1), 0));
	tq_enq(q, mkskb(1000, FLOW(2), 0));
	tq_enq(q, mkskb(300, FLOW(2), 0));
	consume_skb(T.h, tq_deq(q));
	text = dump(q, "eth0", "root");
	ck_assert_str_eq(text,
			 "qdisc fq_codel 8001: dev eth0 root refcnt 2 limit 10240p flows 1024 "
			 "quantum 1514 target 5ms interval 100ms memory_limit 32Mb ecn "
			 "drop_batch 64 \n"
			 " Sent 1000 bytes 1 pkt (dropped 0, overlimits 0 requeues 0) \n"
			 " backlog 1300b 2p requeues 0\n"
			 "  maxpacket 1000 drop_overlimit 0 new_flow_count 2 ecn_mark 0 "
			 "memory_used 2836\n"
			 "  new_flows_len 2 old_flows_len 0\n");
	free(text);
	tq_drain_destroy(q);
}
END_TEST

Suite *qdisc_suite(void);

Suite *qdisc_suite(void)
{
	Suite *s = suite_create("qdisc");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, tq_setup, tq_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_registry);
	tcase_add_loop_test(tc, test_config_errors, 0, (int)(sizeof(ecases) / sizeof(ecases[0])));
	tcase_add_loop_test(tc, test_fifo_vs_array, 0, (int)(sizeof(fcases) / sizeof(fcases[0])));
	tcase_add_loop_test(tc, test_pfifo_fast_vs_arrays, 0,
			    (int)(sizeof(pfcases) / sizeof(pfcases[0])));
	tcase_add_test(tc, test_noqueue);
	tcase_add_test(tc, test_drop_reasons);
	tcase_add_test(tc, test_watchdog);
	tcase_add_test(tc, test_fq_codel_sparse_first);
	tcase_add_loop_test(tc, test_fq_codel_drr_order, 0,
			    (int)(sizeof(drrcases) / sizeof(drrcases[0])));
	tcase_add_test(tc, test_fq_codel_byte_fairness);
	tcase_add_loop_test(tc, test_fq_codel_overflow, 0,
			    (int)(sizeof(ocases) / sizeof(ocases[0])));
	tcase_add_test(tc, test_fq_codel_memory_limit);
	tcase_add_test(tc, test_codel_first_drop);
	tcase_add_test(tc, test_codel_below_target);
	tcase_add_test(tc, test_codel_control_law);
	tcase_add_loop_test(tc, test_codel_ecn, 0, (int)(sizeof(ecncases) / sizeof(ecncases[0])));
	tcase_add_test(tc, test_codel_ce_threshold);
	tcase_add_test(tc, test_tbf_burst_and_watchdog);
	tcase_add_test(tc, test_tbf_bucket_cap);
	tcase_add_loop_test(tc, test_tbf_long_run_rate, 0,
			    (int)(sizeof(ratecases) / sizeof(ratecases[0])));
	tcase_add_test(tc, test_tbf_peakrate);
	tcase_add_test(tc, test_tbf_drops);
	tcase_add_test(tc, test_tbf_latency_limit);
	tcase_add_loop_test(tc, test_dump, 0, (int)(sizeof(dcases) / sizeof(dcases[0])));
	tcase_add_test(tc, test_dump_traffic);
	suite_add_tcase(s, tc);
	return s;
}
