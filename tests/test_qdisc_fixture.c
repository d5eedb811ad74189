/*
 * tests/test_qdisc_fixture.c - the tiny world of tests/test_qdisc.h.
 */
#include "tests/test_qdisc.h"

#include <stdlib.h>
#include <string.h>

#include "sim/cfg.h"
#include "sim/event.h"
#include "sim/pool.h"
#include "models/core/observe.h"
#include "models/core/netdevice.h"

struct tq T;

void tq_setup(void)
{
	memset(&T, 0, sizeof(T));
	T.w = calloc(1, sizeof(*T.w));
	T.h = calloc(1, sizeof(*T.h));
	T.dev = calloc(1, sizeof(*T.dev));
	ck_assert(T.w && T.h && T.dev);
	T.w->seed = 42;
	ck_assert_int_eq(sim_eventq_init(&T.w->q, 16), 0);
	ck_assert_int_eq(sim_pool_init(&T.w->skb_pool, sizeof(struct sk_buff), TQ_POOL), 0);
	strcpy(T.h->name, "tx");
	T.h->w = T.w;
	T.w->hosts = &T.h;
	T.w->nhosts = 1;
	strcpy(T.dev->name, "eth0");
	T.dev->host = T.h;
	T.dev->mtu = 1500;
	T.dev->txqueuelen = 1000;
}

void tq_teardown(void)
{
	ck_assert_uint_eq(sim_pool_in_use(&T.w->skb_pool), 0);
	sim_eventq_release(&T.w->q);
	sim_pool_release(&T.w->skb_pool);
	free(T.dev);
	free(T.h);
	free(T.w);
}

void tq_wake(struct Qdisc *q)
{
	(void)q;
	T.wakes++;
	T.t_wake = T.w->q.now;
}

struct Qdisc *tq_qcreate(const char *yaml, const char *def, uint32_t handle, struct sim_error *err)
{
	struct cfg c;
	struct Qdisc *q;

	memset(&c, 0, sizeof(c));
	if (!yaml)
		return qdisc_create(T.w, T.dev, NULL, def, handle, err);
	ck_assert_msg(!cfg_load_string(&c, "t.yaml", yaml, err), "%s", err->msg);
	q = qdisc_create(T.w, T.dev, cfg_get(c.root, "qdisc"), def, handle, err);
	cfg_release(&c);
	if (q)
		q->wake = tq_wake;
	return q;
}

struct Qdisc *tq_mkq(const char *yaml)
{
	struct sim_error err = { 0 };
	struct Qdisc *q = tq_qcreate(yaml, "pfifo_fast", TQ_HANDLE, &err);

	ck_assert_msg(q, "%s\n--- yaml:\n%s", err.msg, yaml);
	return q;
}

int tq_enq(struct Qdisc *q, struct sk_buff *skb)
{
	struct sk_buff *to_free = NULL;
	int rc = q->ops->enqueue(skb, q, &to_free);

	qdisc_kfree_skb_list(q, to_free);
	return rc;
}

struct sk_buff *tq_deq(struct Qdisc *q)
{
	return q->ops->dequeue(q);
}

bool tq_run_next_event(void)
{
	const struct sim_event *ev = sim_eventq_peek(&T.w->q);

	if (!ev)
		return false;
	sim_eventq_run(&T.w->q, ev->time);
	return true;
}

void tq_drain_destroy(struct Qdisc *q)
{
	for (;;) {
		struct sk_buff *skb = tq_deq(q);

		if (skb)
			consume_skb(T.h, skb);
		else if (!tq_run_next_event())
			break;
	}
	ck_assert_uint_eq(q->stats.qlen, 0);
	ck_assert_uint_eq(q->stats.backlog, 0);
	qdisc_destroy(q);
}
