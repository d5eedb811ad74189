/*
 * tests/test_event.c - the event queue against a sorted-array reference model.
 *
 * Random schedule / reschedule / cancel / pop sequences are mirrored on a
 * plain array kept sorted by (time, prio, seq); every pop must return the
 * reference's first entry, so FIFO ties and priorities are checked exactly.
 */
#include <check.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "sim/event.h"

#define NEV 512 /* events in the random tests */

struct tev {
	struct sim_event ev; /* the embedded event */
	uint32_t id;	     /* index in the test's array */
};

/* A reference entry: the key the queue must order by. */
struct ref {
	sim_time_t time; /* ps */
	int32_t prio;	 /* lower first */
	uint64_t seq;	 /* reference insertion counter */
	uint32_t id;	 /* event index */
};

struct model {
	struct ref r[NEV]; /* pending events, sorted */
	uint32_t n;	   /* entries in r[] */
	uint64_t seq;	   /* next sequence */
	bool in[NEV];	   /* pending, by event index */
};

/*
 * Check's ck_assert reports every passing check to the parent process, which
 * is slow in loops of millions: inner loops use this instead.
 */
#define REQUIRE(cond)                                                                              \
	do {                                                                                       \
		if (!(cond))                                                                       \
			ck_abort_msg("%s:%d: %s", __FILE__, __LINE__, #cond);                      \
	} while (0)

/* Test-local generator (splitmix64) so this suite does not depend on sim/rng.c. */
static uint64_t trand_state;

static uint64_t trand(void)
{
	uint64_t z = (trand_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t trand_below(uint32_t n)
{
	return (uint32_t)(trand() % n);
}

static void noop_fn(struct sim_event *ev)
{
	(void)ev;
}

static int ref_less(const struct ref *a, const struct ref *b)
{
	if (a->time != b->time)
		return a->time < b->time;
	if (a->prio != b->prio)
		return a->prio < b->prio;
	return a->seq < b->seq;
}

static int model_find(const struct model *m, uint32_t id)
{
	for (uint32_t i = 0; i < m->n; i++)
		if (m->r[i].id == id)
			return (int)i;
	return -1;
}

static void model_remove(struct model *m, uint32_t id)
{
	int i;

	if (!m->in[id])
		return;
	i = model_find(m, id);
	m->in[id] = false;
	memmove(&m->r[i], &m->r[i + 1], (m->n - (uint32_t)i - 1) * sizeof(m->r[0]));
	m->n--;
}

static void model_schedule(struct model *m, uint32_t id, sim_time_t t, int32_t prio)
{
	struct ref e = { .time = t, .prio = prio, .seq = m->seq++, .id = id };
	uint32_t i;

	model_remove(m, id);
	for (i = m->n; i > 0 && ref_less(&e, &m->r[i - 1]); i--)
		m->r[i] = m->r[i - 1];
	m->r[i] = e;
	m->n++;
	m->in[id] = true;
}

static struct tev evs[NEV];

static void init_events(struct sim_eventq *q, uint32_t cap_hint)
{
	ck_assert_int_eq(sim_eventq_init(q, cap_hint), 0);
	for (uint32_t i = 0; i < NEV; i++) {
		sim_event_init(&evs[i].ev, noop_fn, (int32_t)trand_below(3) - 1);
		evs[i].id = i;
	}
}

/* Pop one event from both and check they agree. */
static void pop_and_check(struct sim_eventq *q, struct model *m)
{
	struct sim_event *ev = sim_eventq_pop(q);
	struct tev *t;

	if (!m->n) {
		REQUIRE(ev == NULL);
		return;
	}
	REQUIRE(ev != NULL);
	t = container_of(ev, struct tev, ev);
	REQUIRE(t->id == m->r[0].id);
	REQUIRE(ev->time == m->r[0].time);
	REQUIRE(q->now == m->r[0].time);
	REQUIRE(!sim_event_pending(ev));
	model_remove(m, t->id);
}

/* Peek first: inside a callback it fills the vacant root, so q->len counts events again. */
static void check_pending(struct sim_eventq *q, const struct model *m)
{
	struct sim_event *first = sim_eventq_peek(q);

	REQUIRE(first == (m->n ? &evs[m->r[0].id].ev : NULL));
	REQUIRE(q->len == m->n);
	for (uint32_t i = 0; i < NEV; i++)
		REQUIRE(sim_event_pending(&evs[i].ev) == m->in[i]);
}

/* Random operations; @spread is the time range ahead of now (small = many ties). */
static void random_ops(uint64_t seed, sim_time_t spread, uint32_t nops, uint32_t cap_hint)
{
	static struct model m;
	struct sim_eventq q;
	sim_time_t last_now = 0;

	trand_state = seed;
	memset(&m, 0, sizeof(m));
	init_events(&q, cap_hint);
	for (uint32_t op = 0; op < nops; op++) {
		uint32_t r = trand_below(100), id = trand_below(NEV);
		struct sim_event *ev = &evs[id].ev;

		if (r < 50) {
			sim_time_t t = q.now + (sim_time_t)trand_below((uint32_t)spread + 1);

			sim_event_schedule(&q, ev, t);
			model_schedule(&m, id, t, ev->prio);
		} else if (r < 65) {
			sim_event_cancel(&q, ev);
			model_remove(&m, id);
		} else {
			pop_and_check(&q, &m);
		}
		REQUIRE(q.now >= last_now);
		last_now = q.now;
		if (op % 16 == 0)
			check_pending(&q, &m);
	}
	while (m.n)
		pop_and_check(&q, &m);
	ck_assert_ptr_null(sim_eventq_pop(&q));
	ck_assert_uint_eq(q.fired, 0); /* pop does not run events */
	sim_eventq_release(&q);
}

START_TEST(test_random_vs_reference)
{
	static const struct {
		sim_time_t spread; /* ps */
		uint32_t cap_hint; /* initial heap capacity */
	} cases[] = {
		{ 0, 1 }, { 1, 4 }, { 3, 16 }, { 100, 64 }, { 1000000, 1024 }, { 7, NEV },
	};

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++)
		for (uint64_t seed = 1; seed <= 4; seed++)
			random_ops(seed * 7919 + c, cases[c].spread, 20000, cases[c].cap_hint);
}
END_TEST

/*
 * Operations made from inside callbacks, where sim_eventq_run() leaves the
 * root vacant: each callback checks it is the reference's first event,
 * reschedules itself, then does 0-3 random schedules (of itself, of pending events, of idle ones),
 * cancels and peeks, mirrored on the reference.
 */
static struct {
	struct sim_eventq *q; /* queue being run */
	struct model *m;      /* its reference */
	sim_time_t spread;    /* ps: times are now + [0, spread] */
	uint64_t fired;	      /* callbacks run */
	uint64_t max_fired;   /* callbacks schedule nothing after this many */
} cb;

static void cb_ops_fn(struct sim_event *ev)
{
	struct tev *t = container_of(ev, struct tev, ev);
	struct sim_eventq *q = cb.q;
	uint32_t nops = trand_below(4);

	REQUIRE(cb.m->n > 0 && t->id == cb.m->r[0].id);
	REQUIRE(ev->time == cb.m->r[0].time && q->now == ev->time);
	REQUIRE(!sim_event_pending(ev));
	model_remove(cb.m, t->id);
	cb.fired++;
	if (cb.fired >= cb.max_fired)
		return;
	sim_event_schedule(q, ev, q->now + (sim_time_t)trand_below((uint32_t)cb.spread + 1));
	model_schedule(cb.m, t->id, ev->time, ev->prio);
	for (uint32_t i = 0; i < nops; i++) {
		uint32_t r = trand_below(100), id = r < 40 ? t->id : trand_below(NEV);
		struct sim_event *e = &evs[id].ev;

		if (r < 75) {
			sim_time_t at = q->now + (sim_time_t)trand_below((uint32_t)cb.spread + 1);

			sim_event_schedule(q, e, at);
			model_schedule(cb.m, id, at, e->prio);
		} else if (r < 90) {
			sim_event_cancel(q, e);
			model_remove(cb.m, id);
		} else {
			check_pending(q, cb.m);
		}
	}
}

START_TEST(test_ops_inside_callbacks)
{
	static const sim_time_t spreads[] = { 0, 2, 50, 100000 };
	static struct model m;

	for (size_t c = 0; c < sizeof(spreads) / sizeof(spreads[0]); c++) {
		struct sim_eventq q;

		trand_state = 4242 + c;
		memset(&m, 0, sizeof(m));
		init_events(&q, 4);
		for (uint32_t i = 0; i < NEV; i++)
			evs[i].ev.fn = cb_ops_fn;
		cb.q = &q;
		cb.m = &m;
		cb.spread = spreads[c];
		cb.fired = 0;
		cb.max_fired = 20000;
		for (uint32_t i = 0; i < 8; i++) {
			sim_event_schedule(&q, &evs[i].ev, (sim_time_t)i);
			model_schedule(&m, i, (sim_time_t)i, evs[i].ev.prio);
		}
		/* In slices, so that run returns and restarts with events pending. */
		for (sim_time_t until = 0; m.n; until += spreads[c] + 1) {
			sim_eventq_run(&q, until);
			check_pending(&q, &m);
		}
		ck_assert_uint_eq(q.len, 0);
		ck_assert_uint_eq(q.fired, cb.fired);
		ck_assert_uint_ge(cb.fired, cb.max_fired);
		sim_eventq_release(&q);
	}
}
END_TEST

START_TEST(test_fifo_and_prio_ties)
{
	struct sim_eventq q;
	struct tev t[6];
	static const int32_t prio[6] = { 0, 1, -1, 0, 1, -1 };
	static const uint32_t want[6] = { 2, 5, 0, 3, 1, 4 };

	ck_assert_int_eq(sim_eventq_init(&q, 0), 0);
	for (uint32_t i = 0; i < 6; i++) {
		sim_event_init(&t[i].ev, noop_fn, prio[i]);
		t[i].id = i;
		sim_event_schedule(&q, &t[i].ev, 10);
	}
	for (uint32_t i = 0; i < 6; i++) {
		struct sim_event *ev = sim_eventq_pop(&q);

		ck_assert_uint_eq(container_of(ev, struct tev, ev)->id, want[i]);
	}
	/* Rescheduling at the same time moves an event behind its equals. */
	for (uint32_t i = 0; i < 3; i++) {
		sim_event_init(&t[i].ev, noop_fn, 0);
		sim_event_schedule(&q, &t[i].ev, 20);
	}
	sim_event_schedule(&q, &t[0].ev, 20);
	ck_assert_uint_eq(container_of(sim_eventq_pop(&q), struct tev, ev)->id, 1);
	ck_assert_uint_eq(container_of(sim_eventq_pop(&q), struct tev, ev)->id, 2);
	ck_assert_uint_eq(container_of(sim_eventq_pop(&q), struct tev, ev)->id, 0);
	sim_eventq_release(&q);
}
END_TEST

START_TEST(test_cancel_arbitrary)
{
	static struct model m;
	struct sim_eventq q;
	struct sim_event *last;
	uint32_t order[NEV];

	trand_state = 99;
	memset(&m, 0, sizeof(m));
	init_events(&q, 8);
	for (uint32_t i = 0; i < NEV; i++) {
		sim_time_t t = (sim_time_t)trand_below(50);

		sim_event_schedule(&q, &evs[i].ev, t);
		model_schedule(&m, i, t, evs[i].ev.prio);
		order[i] = i;
	}
	/* Cancel a random half, in random order, including the root and the last slot. */
	for (uint32_t i = NEV - 1; i > 0; i--) {
		uint32_t j = trand_below(i + 1), x = order[i];

		order[i] = order[j];
		order[j] = x;
	}
	sim_event_cancel(&q, sim_eventq_peek(&q));
	model_remove(&m, m.r[0].id);
	last = q.heap[q.len - 1];
	sim_event_cancel(&q, last);
	model_remove(&m, container_of(last, struct tev, ev)->id);
	for (uint32_t i = 0; i < NEV / 2; i++) {
		sim_event_cancel(&q, &evs[order[i]].ev);
		sim_event_cancel(&q, &evs[order[i]].ev); /* twice: no-op */
		model_remove(&m, order[i]);
	}
	check_pending(&q, &m);
	while (m.n)
		pop_and_check(&q, &m);
	ck_assert_uint_eq(q.len, 0);
	sim_eventq_release(&q);
}
END_TEST

START_TEST(test_reschedule_earlier_later)
{
	struct sim_eventq q;
	struct tev t[4];

	ck_assert_int_eq(sim_eventq_init(&q, 4), 0);
	for (uint32_t i = 0; i < 4; i++) {
		sim_event_init(&t[i].ev, noop_fn, 0);
		t[i].id = i;
		sim_event_schedule(&q, &t[i].ev, 100 * (i + 1));
	}
	sim_event_schedule(&q, &t[3].ev, 50);  /* earlier: becomes first */
	sim_event_schedule(&q, &t[0].ev, 500); /* later: becomes last */
	ck_assert_uint_eq(q.len, 4);
	ck_assert_uint_eq(container_of(sim_eventq_pop(&q), struct tev, ev)->id, 3);
	ck_assert_uint_eq(container_of(sim_eventq_pop(&q), struct tev, ev)->id, 1);
	ck_assert_uint_eq(container_of(sim_eventq_pop(&q), struct tev, ev)->id, 2);
	ck_assert_uint_eq(container_of(sim_eventq_pop(&q), struct tev, ev)->id, 0);
	ck_assert_int_eq(q.now, 500);
	sim_eventq_release(&q);
}
END_TEST

/* run() test fixture: a log of (id, now) as events fire, and chained events. */
struct rev {
	struct sim_event ev;  /* the embedded event */
	struct sim_eventq *q; /* the queue it lives in */
	uint32_t id;	      /* label */
	sim_time_t again;     /* ps: reschedule itself this far ahead, 0 = no */
	uint32_t left;	      /* reschedules left */
};

static uint32_t log_id[64];
static sim_time_t log_now[64];
static uint32_t log_n;

static void rev_fn(struct sim_event *ev)
{
	struct rev *r = container_of(ev, struct rev, ev);

	ck_assert_uint_lt(log_n, 64);
	ck_assert(!sim_event_pending(ev));
	ck_assert_int_eq(r->q->now, ev->time);
	log_id[log_n] = r->id;
	log_now[log_n++] = r->q->now;
	if (r->left) {
		r->left--;
		sim_event_schedule(r->q, ev, r->q->now + r->again);
	}
}

START_TEST(test_run_until)
{
	struct sim_eventq q;
	struct rev r[4];
	static const sim_time_t at[4] = { 10, 20, 30, 40 };

	log_n = 0;
	ck_assert_int_eq(sim_eventq_init(&q, 2), 0);
	for (uint32_t i = 0; i < 4; i++) {
		r[i] = (struct rev){ .q = &q, .id = i };
		sim_event_init(&r[i].ev, rev_fn, 0);
		sim_event_schedule(&q, &r[i].ev, at[i]);
	}
	/* Nothing before 10; now does not move because the queue is not dry. */
	ck_assert_uint_eq(sim_eventq_run(&q, 9), 0);
	ck_assert_int_eq(q.now, 0);
	/* Events at exactly @until run; now stays at the last event run. */
	ck_assert_uint_eq(sim_eventq_run(&q, 20), 2);
	ck_assert_int_eq(q.now, 20);
	ck_assert_uint_eq(q.fired, 2);
	ck_assert_uint_eq(log_n, 2);
	ck_assert_uint_eq(log_id[0], 0);
	ck_assert_uint_eq(log_id[1], 1);
	ck_assert_int_eq(log_now[1], 20);
	/* Event 2 reschedules itself at +5 twice (35, 40 ties with 3 and comes after it). */
	r[2].again = 5;
	r[2].left = 2;
	ck_assert_uint_eq(sim_eventq_run(&q, 40), 4);
	ck_assert_uint_eq(log_id[2], 2);
	ck_assert_int_eq(log_now[2], 30);
	ck_assert_uint_eq(log_id[3], 2);
	ck_assert_int_eq(log_now[3], 35);
	ck_assert_uint_eq(log_id[4], 3);
	ck_assert_uint_eq(log_id[5], 2);
	ck_assert_int_eq(log_now[5], 40);
	/* Dry queue: now moves to until. */
	ck_assert_int_eq(q.now, 40);
	ck_assert_uint_eq(sim_eventq_run(&q, 1000), 0);
	ck_assert_int_eq(q.now, 1000);
	ck_assert_uint_eq(q.fired, 6);
	/* until in the past: nothing happens and the clock does not go back. */
	ck_assert_uint_eq(sim_eventq_run(&q, 5), 0);
	ck_assert_int_eq(q.now, 1000);
	for (uint32_t i = 1; i < log_n; i++)
		ck_assert_int_ge(log_now[i], log_now[i - 1]);
	sim_eventq_release(&q);
}
END_TEST

START_TEST(test_zero_delay_chain)
{
	struct sim_eventq q;
	struct rev r = { .q = &q, .id = 7, .again = 0, .left = 0 };
	struct rev s = { .q = &q, .id = 8, .again = 0, .left = 0 };

	log_n = 0;
	ck_assert_int_eq(sim_eventq_init(&q, 0), 0);
	sim_event_init(&r.ev, rev_fn, 0);
	sim_event_init(&s.ev, rev_fn, 0);
	sim_event_schedule(&q, &r.ev, 100);
	sim_event_schedule(&q, &s.ev, 100);
	/* An event scheduled at now from a callback runs in the same call. */
	r.again = 0;
	r.left = 3;
	ck_assert_uint_eq(sim_eventq_run(&q, 100), 5);
	ck_assert_uint_eq(log_id[0], 7);
	ck_assert_uint_eq(log_id[1], 8);
	ck_assert_uint_eq(log_id[2], 7);
	ck_assert_uint_eq(log_id[4], 7);
	ck_assert_int_eq(q.now, 100);
	sim_eventq_release(&q);
}
END_TEST

START_TEST(test_growth_and_release)
{
	struct sim_eventq q;

	trand_state = 5;
	init_events(&q, 1);
	for (uint32_t i = 0; i < NEV; i++)
		sim_event_schedule(&q, &evs[i].ev, (sim_time_t)(NEV - i));
	ck_assert_uint_ge(q.cap, NEV);
	ck_assert_uint_eq(q.len, NEV);
	ck_assert_int_eq(sim_eventq_peek(&q)->time, 1);
	sim_eventq_release(&q);
	/* Events still pending at release are no longer pending. */
	for (uint32_t i = 0; i < NEV; i++)
		ck_assert(!sim_event_pending(&evs[i].ev));
}
END_TEST

/* A set stop flag ends sim_eventq_run() between two events; clearing it resumes in order. */
static volatile sig_atomic_t stop_flag;
static int stop_fired;

static void stop_fn(struct sim_event *ev)
{
	(void)ev;
	if (++stop_fired == 3)
		stop_flag = 1; /* as a signal handler would, during the third event */
}

START_TEST(test_stop_flag)
{
	struct sim_eventq q;
	struct sim_event ev[6];

	ck_assert_int_eq(sim_eventq_init(&q, 8), 0);
	q.stop = &stop_flag;
	for (int i = 0; i < 6; i++) {
		sim_event_init(&ev[i], stop_fn, 0);
		sim_event_schedule(&q, &ev[i], (sim_time_t)(10 * (i + 1)));
	}
	ck_assert_uint_eq(sim_eventq_run(&q, 1000), 3);
	ck_assert_int_eq(q.now, 30);
	ck_assert_uint_eq(q.len, 3);
	ck_assert_uint_eq(sim_eventq_run(&q, 1000), 0); /* still set: nothing runs */
	stop_flag = 0;
	ck_assert_uint_eq(sim_eventq_run(&q, 1000), 3);
	ck_assert_int_eq(q.now, 1000);
	ck_assert_int_eq(stop_fired, 6);
	sim_eventq_release(&q);
}
END_TEST

START_TEST(test_schedule_in_past_is_bug)
{
	struct sim_eventq q;
	struct sim_event ev;

	sim_eventq_init(&q, 0);
	sim_event_init(&ev, noop_fn, 0);
	sim_event_schedule(&q, &ev, 100);
	sim_eventq_run(&q, 100);
	sim_event_schedule(&q, &ev, 99);
}
END_TEST

/*
 * sim_eventq_first_at() against a table: pending events, then a probe event
 * at time 0 (prio -100, so it runs first) asks whether anything comes before
 * (t, prio), with the root vacant (as a callback sees it) or refilled by a
 * schedule first.
 */
#define FA_MAX 8 /* pending events of a case */

struct fa_case {
	const char *what;      /* the case, for the failure message */
	uint32_t n;	       /* events in ev[] */
	sim_time_t at[FA_MAX]; /* ps: their times */
	int32_t prio[FA_MAX];  /* their priorities */
	sim_time_t t;	       /* ps: the query's time */
	int32_t qprio;	       /* the query's priority */
	sim_time_t until;      /* the run's bound */
	bool stop;	       /* the stop flag is set during the probe */
	bool expect;	       /* something comes first */
};

static const struct fa_case fa_cases[] = {
	{ "empty queue", 0, { 0 }, { 0 }, 50, 30, 100, false, false },
	{ "past the run's end", 0, { 0 }, { 0 }, 101, 30, 100, false, true },
	{ "at the run's end", 0, { 0 }, { 0 }, 100, 30, 100, false, false },
	{ "stop requested", 0, { 0 }, { 0 }, 50, 30, 100, true, true },
	{ "earlier event", 1, { 40 }, { 99 }, 50, 30, 100, false, true },
	{ "later event", 1, { 60 }, { -5 }, 50, 30, 100, false, false },
	{ "same time, lower prio", 1, { 50 }, { 29 }, 50, 30, 100, false, true },
	{ "same time, same prio: older seq first", 1, { 50 }, { 30 }, 50, 30, 100, false, true },
	{ "same time, higher prio", 1, { 50 }, { 31 }, 50, 30, 100, false, false },
	{ "min among four", 4, { 90, 80, 51, 70 }, { 0, 0, 0, 0 }, 50, 30, 100, false, false },
	{ "min is the fourth", 4, { 90, 80, 70, 49 }, { 0, 0, 0, 0 }, 50, 30, 100, false, true },
	{ "deeper heap, none first",
	  8,
	  { 60, 61, 62, 63, 64, 65, 66, 67 },
	  { 0 },
	  59,
	  30,
	  100,
	  false,
	  false },
	{ "deeper heap, tie first",
	  8,
	  { 67, 66, 65, 64, 63, 62, 61, 60 },
	  { 0 },
	  60,
	  30,
	  100,
	  false,
	  true },
};

static const struct fa_case *fa_cur;  /* the case being probed */
static bool fa_refill;		      /* the probe schedules one event first */
static bool fa_got;		      /* the probe's answer */
static struct sim_eventq *fa_q;	      /* the queue of the probe */
static volatile sig_atomic_t fa_stop; /* the case's stop flag */
static struct sim_event fa_extra;     /* scheduled by the probe to refill the root */

static void fa_probe(struct sim_event *ev)
{
	(void)ev;
	if (fa_refill)
		sim_event_schedule(fa_q, &fa_extra, 1000);
	fa_stop = fa_cur->stop;
	fa_got = sim_eventq_first_at(fa_q, fa_cur->t, fa_cur->qprio);
	fa_stop = 0;
}

START_TEST(test_first_at_table)
{
	for (uint32_t refill = 0; refill < 2; refill++) {
		for (size_t k = 0; k < sizeof(fa_cases) / sizeof(fa_cases[0]); k++) {
			const struct fa_case *c = &fa_cases[k];
			struct sim_event ev[FA_MAX], probe;
			struct sim_eventq q;

			ck_assert_int_eq(sim_eventq_init(&q, 4), 0);
			q.stop = &fa_stop;
			fa_q = &q;
			fa_cur = c;
			fa_refill = refill;
			sim_event_init(&fa_extra, noop_fn, 0);
			sim_event_init(&probe, fa_probe, -100);
			for (uint32_t i = 0; i < c->n; i++) {
				sim_event_init(&ev[i], noop_fn, c->prio[i]);
				sim_event_schedule(&q, &ev[i], c->at[i]);
			}
			sim_event_schedule(&q, &probe, 0);
			/* outside sim_eventq_run() something always comes first */
			ck_assert(sim_eventq_first_at(&q, 1, 30));
			sim_eventq_run(&q, c->until);
			ck_assert_msg(fa_got == c->expect, "%s (refill %u): got %d", c->what,
				      refill, fa_got);
			ck_assert_int_eq(q.until, -1);
			sim_eventq_release(&q);
		}
	}
}
END_TEST

/*
 * Running in place is the same as scheduling: a worker with a chain of
 * steps either schedules its event at each step's end, or goes on in place
 * (sim_eventq_first_at(), sim_eventq_skip_to()) while nothing comes first,
 * among noise events that reschedule themselves at random times and
 * priorities (ties included). Both runs must log the same (id, time) order
 * and end with the same counts and sequence numbers, for several run bounds.
 */
#define SK_NOISE 3    /* noise events */
#define SK_STEPS 400  /* worker steps */
#define SK_LOG	 4096 /* log entries */

struct sk_run {
	struct sim_eventq q;		  /* the queue */
	struct sim_event worker;	  /* the worker's event */
	struct sim_event noise[SK_NOISE]; /* the noise events */
	uint64_t noise_state;		  /* the noise's own generator */
	uint32_t step;			  /* worker steps done */
	bool in_place;			  /* the variant */
	uint32_t n;			  /* log entries */
	uint32_t id[SK_LOG];		  /* who ran: SK_NOISE for the worker */
	sim_time_t at[SK_LOG];		  /* ps: when */
	uint64_t skipped;		  /* steps run in place */
};

static struct sk_run *sk_cur; /* the run whose callbacks fire */

static uint64_t sk_rand(struct sk_run *r)
{
	uint64_t z = (r->noise_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	return z ^ (z >> 27);
}

static void sk_log(struct sk_run *r, uint32_t id)
{
	REQUIRE(r->n < SK_LOG);
	r->id[r->n] = id;
	r->at[r->n++] = r->q.now;
}

/* Step @i's length: a fixed pattern, short and long, ps. */
static sim_time_t sk_len(uint32_t i)
{
	return (sim_time_t)(1 + (i * 7) % 13);
}

static void sk_worker_fn(struct sim_event *ev)
{
	struct sk_run *r = sk_cur;

	(void)ev;
	for (;;) {
		sim_time_t end;

		sk_log(r, SK_NOISE);
		if (++r->step == SK_STEPS)
			return;
		end = r->q.now + sk_len(r->step);
		if (!r->in_place || sim_eventq_first_at(&r->q, end, 30)) {
			sim_event_schedule(&r->q, &r->worker, end);
			return;
		}
		sim_eventq_skip_to(&r->q, end);
		r->skipped++;
	}
}

static void sk_noise_fn(struct sim_event *ev)
{
	struct sk_run *r = sk_cur;
	uint32_t id = (uint32_t)(ev - r->noise);

	sk_log(r, id);
	ev->prio = 29 + (int32_t)(sk_rand(r) % 3); /* before, with or after the worker */
	sim_event_schedule(&r->q, ev, r->q.now + (sim_time_t)(sk_rand(r) % 60));
}

static void sk_run_variant(struct sk_run *r, bool in_place, uint64_t seed, sim_time_t bound)
{
	memset(r, 0, sizeof(*r));
	r->in_place = in_place;
	r->noise_state = seed;
	sk_cur = r;
	ck_assert_int_eq(sim_eventq_init(&r->q, 4), 0);
	sim_event_init(&r->worker, sk_worker_fn, 30);
	sim_event_schedule(&r->q, &r->worker, 0);
	for (uint32_t i = 0; i < SK_NOISE; i++) {
		sim_event_init(&r->noise[i], sk_noise_fn, 30);
		sim_event_schedule(&r->q, &r->noise[i], (sim_time_t)(sk_rand(r) % 40));
	}
	/* in slices, so that steps meet the run's bound */
	for (sim_time_t t = bound; t < 4000; t += bound)
		sim_eventq_run(&r->q, t);
}

START_TEST(test_skip_to_same_as_schedule)
{
	static const struct {
		uint64_t seed;	  /* the noise's generator */
		sim_time_t bound; /* ps: the length of each sim_eventq_run() */
	} cases[] = { { 1, 4000 }, { 2, 7 }, { 3, 1 }, { 4, 100 }, { 5, 13 } };
	static struct sk_run a, b;
	uint64_t skipped = 0;

	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		sk_run_variant(&a, false, cases[k].seed, cases[k].bound);
		sk_run_variant(&b, true, cases[k].seed, cases[k].bound);
		ck_assert_uint_eq(a.n, b.n);
		for (uint32_t i = 0; i < a.n; i++) {
			REQUIRE(a.id[i] == b.id[i]);
			REQUIRE(a.at[i] == b.at[i]);
		}
		ck_assert_uint_eq(a.q.fired, b.q.fired);
		ck_assert_uint_eq(a.q.next_seq, b.q.next_seq);
		ck_assert_int_eq(a.q.now, b.q.now);
		ck_assert_uint_eq(a.step, b.step);
		skipped += b.skipped;
		sim_eventq_release(&a.q);
		sim_eventq_release(&b.q);
	}
	ck_assert_uint_gt(skipped, 100); /* the test runs in place at all */
}
END_TEST

START_TEST(test_skip_past_until_is_bug)
{
	struct sim_eventq q;

	sim_eventq_init(&q, 0);
	sim_eventq_skip_to(&q, 1); /* outside sim_eventq_run(): until is -1 */
}
END_TEST

Suite *event_suite(void);

Suite *event_suite(void)
{
	Suite *s = suite_create("event");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_random_vs_reference);
	tcase_add_test(tc, test_fifo_and_prio_ties);
	tcase_add_test(tc, test_ops_inside_callbacks);
	tcase_add_test(tc, test_cancel_arbitrary);
	tcase_add_test(tc, test_reschedule_earlier_later);
	tcase_add_test(tc, test_run_until);
	tcase_add_test(tc, test_zero_delay_chain);
	tcase_add_test(tc, test_growth_and_release);
	tcase_add_test(tc, test_stop_flag);
	tcase_add_test(tc, test_first_at_table);
	tcase_add_test(tc, test_skip_to_same_as_schedule);
	tcase_add_test_raise_signal(tc, test_schedule_in_past_is_bug, SIGABRT);
	tcase_add_test_raise_signal(tc, test_skip_past_until_is_bug, SIGABRT);
	suite_add_tcase(s, tc);
	return s;
}
