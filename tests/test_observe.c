/*
 * tests/test_observe.c - the observation point (models/core/observe.h).
 *
 * An observer that counts every packet event is attached to shipped
 * scenarios; its counts must equal the world's own accounting (a trivial
 * reference: the conservation counters and the per-drop-point table), and a
 * run with the observer must give the same results as one without.
 */
#include <check.h>
#include <stddef.h>
#include <string.h>

#include "models/core/observe.h"
#include "models/scenario.h"
#include "sim/cfg.h"
#include "sim/error.h"

struct counting {
	struct skb_observer obs;	 /* embedded */
	uint64_t ev[SKB_EV_NR];		 /* packets (chain segments counted) per event */
	uint64_t drops[DROP_POINTS_MAX]; /* per drop_points[] entry */
	uint64_t null_born;		 /* BORN with no skb (must stay 0) */
};

static uint64_t chain_len(const struct sk_buff *skb)
{
	uint64_t n = 0;

	for (; skb; skb = skb->frag_next)
		n++;
	return n;
}

static void counting_event(struct skb_observer *o, const struct host *h, const struct sk_buff *skb,
			   enum skb_ev ev, uint32_t arg)
{
	struct counting *c = (struct counting *)((char *)o - offsetof(struct counting, obs));
	uint64_t n = skb ? chain_len(skb) : 1;

	(void)h;
	ck_assert_int_lt(ev, SKB_EV_NR);
	c->ev[ev] += n;
	if (ev == SKB_EV_BORN && !skb)
		c->null_born++;
	if (ev == SKB_EV_DROP) {
		ck_assert_uint_lt(arg, DROP_POINTS_MAX);
		c->drops[arg] += n;
	}
	if (ev == SKB_EV_STAGE)
		ck_assert_uint_lt(arg, STAGE_NR);
}

static const struct skb_observer_ops counting_ops = {
	.name = "counting",
	.event = counting_event,
};

static struct world *load(const char *path)
{
	struct sim_error err = { 0 };
	struct cfg c = { 0 };
	struct world *w;

	ck_assert_msg(cfg_load_file(&c, path, &err) == 0, "%s", err.msg);
	w = world_create(&c, -1, &err);
	cfg_release(&c);
	ck_assert_msg(w != NULL, "%s", err.msg);
	return w;
}

/* Drops at many points, forwarding, fragments and ARP (consumed), a GRO reader (kept short: each runs twice). */
static const char *const scenario_files[] = {
	"../scenarios/router.yaml",
	"../scenarios/fragments.yaml",
	"../scenarios/arp-fail.yaml",
	"../scenarios/socket-buffer.yaml",
};

START_TEST(test_observer_counts_match_accounting)
{
	struct world *w = load(scenario_files[_i]), *ref = load(scenario_files[_i]);
	struct counting c = { .obs = { .ops = &counting_ops } };
	uint64_t drops[DROP_POINTS_MAX] = { 0 };

	skb_observer_add(w, &c.obs);
	world_run(w);
	world_run(ref);
	ck_assert(world_conserved(w));
	/* the observer only reads: same results */
	ck_assert_uint_eq(w->offered, ref->offered);
	ck_assert_uint_eq(w->delivered, ref->delivered);
	ck_assert_uint_eq(w->dropped, ref->dropped);
	ck_assert_uint_eq(w->q.fired, ref->q.fired);
	/* every packet that entered was born (a pool-exhausted frame is a drop with no skb) */
	ck_assert_uint_eq(c.null_born, 0);
	ck_assert_uint_le(c.ev[SKB_EV_BORN], w->offered);
	ck_assert_uint_eq(c.ev[SKB_EV_DELIVER], w->delivered);
	ck_assert_uint_eq(c.ev[SKB_EV_CONSUME], w->consumed);
	ck_assert_uint_eq(c.ev[SKB_EV_XMIT], w->transmitted);
	ck_assert_uint_eq(c.ev[SKB_EV_DROP], w->dropped);
	for (uint32_t i = 0; i < w->nhosts; i++)
		for (uint32_t d = 0; d < DROP_POINTS_MAX; d++)
			drops[d] += w->hosts[i]->drops[d];
	for (uint32_t d = 0; d < DROP_POINTS_MAX; d++)
		ck_assert_msg(c.drops[d] == drops[d],
			      "%s: drop point %u: observed %llu, counted %llu", scenario_files[_i],
			      d, (unsigned long long)c.drops[d], (unsigned long long)drops[d]);
	ck_assert_uint_gt(c.ev[SKB_EV_STAGE], 0);
	ck_assert_uint_gt(c.ev[SKB_EV_LAT], 0);
	world_free(w);
	world_free(ref);
}
END_TEST

START_TEST(test_observers_called_in_order)
{
	struct world *w = load("../scenarios/default.yaml");
	struct counting a = { .obs = { .ops = &counting_ops } }, b = a;

	skb_observer_add(w, &a.obs);
	skb_observer_add(w, &b.obs);
	ck_assert_ptr_eq(w->observers, &a.obs);
	ck_assert_ptr_eq(a.obs.next, &b.obs);
	ck_assert_ptr_null(b.obs.next);
	world_run(w);
	ck_assert_mem_eq(a.ev, b.ev, sizeof(a.ev));
	world_free(w);
}
END_TEST

/*
 * Taking an observer off: the list keeps the others in order, the global
 * count follows (an observer taken off twice counts once), and with every
 * observer gone a run sees none of its events.
 */
START_TEST(test_observer_del)
{
	struct world *w = load("../scenarios/default.yaml");
	struct counting a = { .obs = { .ops = &counting_ops } }, b = a, c = a;
	uint32_t n0 = skb_observers_attached;

	skb_observer_add(w, &a.obs);
	skb_observer_add(w, &b.obs);
	skb_observer_add(w, &c.obs);
	ck_assert_uint_eq(skb_observers_attached, n0 + 3);
	skb_observer_del(w, &b.obs);
	skb_observer_del(w, &b.obs);
	ck_assert_uint_eq(skb_observers_attached, n0 + 2);
	ck_assert_ptr_eq(w->observers, &a.obs);
	ck_assert_ptr_eq(a.obs.next, &c.obs);
	skb_observer_del(w, &a.obs);
	ck_assert_ptr_eq(w->observers, &c.obs);
	skb_observer_del(w, &c.obs);
	ck_assert_ptr_null(w->observers);
	ck_assert_uint_eq(skb_observers_attached, n0);
	world_run(w);
	for (int e = 0; e < SKB_EV_NR; e++)
		ck_assert_uint_eq(a.ev[e] + b.ev[e] + c.ev[e], 0);
	ck_assert_uint_gt(w->delivered, 0);
	world_free(w);
}
END_TEST

Suite *observe_suite(void);
Suite *observe_suite(void)
{
	Suite *s = suite_create("observe");
	TCase *t = tcase_create("observe");

	tcase_set_timeout(t, 120);
	tcase_add_loop_test(t, test_observer_counts_match_accounting, 0,
			    (int)(sizeof(scenario_files) / sizeof(scenario_files[0])));
	tcase_add_test(t, test_observers_called_in_order);
	tcase_add_test(t, test_observer_del);
	suite_add_tcase(s, t);
	return s;
}
