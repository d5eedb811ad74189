/*
 * tests/test_qdisc.h - the tiny world the qdisc suites share (test_qdisc.c,
 * test_qdisc_class.c): an event queue, an skb pool, one host and one device.
 *
 * tq_setup() builds it before each test and tq_teardown() checks that every
 * skb went back to the pool. The clock is moved by hand, or by running the
 * event queue to the next watchdog.
 */
#ifndef TESTS_TEST_QDISC_H
#define TESTS_TEST_QDISC_H

#include <check.h>
#include <stdbool.h>
#include <stdint.h>

#include "models/sched/sch_generic.h"
#include "models/core/skb.h"
#include "sim/error.h"
#include "models/world.h"

#define TQ_POOL	  16384	      /* skbs in the test pool */
#define TQ_HANDLE 0x80010000u /* "8001:", the handle of a root without `handle:` */

/*
 * ck_assert() writes a record per call (Check's mark point), which dominates
 * loops of a million packets: these only do work when they fail.
 */
#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			ck_abort_msg("Assertion '%s' failed", #cond);                              \
	} while (0)
#define CHECK_EQ(a, b)                                                                             \
	do {                                                                                       \
		long long a_ = (long long)(a), b_ = (long long)(b);                                \
		if (a_ != b_)                                                                      \
			ck_abort_msg("Assertion '%s == %s' failed: %lld != %lld", #a, #b, a_, b_); \
	} while (0)

struct tq {
	struct world *w;	/* clock, pool */
	struct host *h;		/* drop counters */
	struct net_device *dev; /* "eth0", MTU 1500, txqueuelen 1000 */
	uint32_t wakes;		/* watchdog expiries that reached the root (tq_wake) */
	sim_time_t t_wake;	/* ps: the last one */
};

extern struct tq T; /* the world of the running test */

/* Check fixture: build the world / check the pool is empty and free it. */
void tq_setup(void);
void tq_teardown(void);
/* A root's wake-up (qdisc->wake): counts it in T.wakes at T.t_wake. */
void tq_wake(struct Qdisc *q);
/*
 * The qdisc the `qdisc:` key of @yaml describes (@yaml NULL: discipline @def
 * with its defaults), handle @handle, woken through tq_wake; NULL with @err.
 */
struct Qdisc *tq_qcreate(const char *yaml, const char *def, uint32_t handle, struct sim_error *err);
/* tq_qcreate(@yaml, "pfifo_fast", TQ_HANDLE), failing the test on an error. */
struct Qdisc *tq_mkq(const char *yaml);
/* Enqueue as __dev_xmit_skb does: drops are freed with the discipline's reason. */
int tq_enq(struct Qdisc *q, struct sk_buff *skb);
struct sk_buff *tq_deq(struct Qdisc *q);
/* Run the clock to the next pending event (a watchdog); false when there is none. */
bool tq_run_next_event(void);
/* Send what is left (waiting for watchdogs), check the qdisc is empty, destroy it. */
void tq_drain_destroy(struct Qdisc *q);

#endif
