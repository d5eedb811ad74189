/*
 * tests/test_dql.c - dynamic queue limits against traces computed by hand
 * from lib/dynamic_queue_limits.c (each step's arithmetic in the comment).
 */
#include <check.h>

#include "models/lib/dql.h"

struct dql_step {
	char op;	/* 'q': dql_queued(n); 'c': dql_completed(n) at jiffy t */
	uint32_t n;	/* bytes */
	uint64_t t;	/* jiffies (completions) */
	uint32_t limit; /* expected dql->limit afterwards */
	int32_t avail;	/* expected dql_avail() afterwards */
};

/* limit_min 0, limit_max DQL_MAX_LIMIT, hold_time 100 jiffies */
static const struct dql_step adaptive[] = {
	/* empty queue, limit 0: the first frame already stops the stack */
	{ 'q', 1000, 0, 0, -1000 },
	/* ovlimit 1000, nothing in progress: starved, limit += 1000 - 0 */
	{ 'c', 1000, 0, 1000, 1000 },
	{ 'q', 1500, 0, 1000, -500 },
	/* ovlimit 500, empty again: starved, limit += 2500 - 1000 */
	{ 'c', 1500, 1, 2500, 2500 },
	{ 'q', 1000, 1, 2500, 1500 },
	{ 'q', 1000, 1, 2500, 500 },
	{ 'q', 1000, 1, 2500, -500 },
	/* ovlimit 500 but 2000 in progress, nothing in progress before: no change */
	{ 'c', 1000, 2, 2500, 500 },
	/* busy: slack = max(2500 + 500 - 2 * 1000, 1000 - 500) = 1000, held (t 3 <= 1 + 100) */
	{ 'c', 1000, 3, 2500, 1500 },
	/* busy: slack 2500 - 2 * 500 = 1500, lowest 1000; t 200 > 101: limit -= 1000 */
	{ 'c', 500, 200, 1500, 1000 },
};

/* limit_min = limit_max = 3000: a fixed limit, as bql_limit */
static const struct dql_step fixed[] = {
	{ 'q', 1500, 0, 3000, -1500 }, /* adj_limit is still 0 */
	{ 'c', 1500, 0, 3000, 3000 },  /* not over the limit: adj_limit = 3000 + 1500 */
	{ 'q', 1500, 0, 3000, 1500 },
	{ 'q', 1500, 0, 3000, 0 },
	{ 'q', 1, 0, 3000, -1 }, /* one byte over: the stack stops */
	/* ovlimit 1, 1501 in progress, none before: no change; adj_limit 3000 + 3000 */
	{ 'c', 1500, 1, 3000, 1499 },
};

static void run_trace(struct dql *d, const struct dql_step *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i].op == 'q')
			dql_queued(d, s[i].n, s[i].t);
		else
			dql_completed(d, s[i].n, s[i].t);
		ck_assert_msg(d->limit == s[i].limit, "step %zu: limit %u, want %u", i, d->limit,
			      s[i].limit);
		ck_assert_msg(dql_avail(d) == s[i].avail, "step %zu: avail %d, want %d", i,
			      dql_avail(d), s[i].avail);
	}
}

START_TEST(test_dql_adaptive)
{
	struct dql d;

	dql_init(&d, 0, DQL_MAX_LIMIT, 100, 0);
	run_trace(&d, adaptive, sizeof(adaptive) / sizeof(adaptive[0]));
}
END_TEST

START_TEST(test_dql_fixed)
{
	struct dql d;

	dql_init(&d, 3000, 3000, 100, 0);
	run_trace(&d, fixed, sizeof(fixed) / sizeof(fixed[0]));
}
END_TEST

/* Stall detection with stall_thrs 4 jiffies: each completion's stall_cnt and stall_max after it. */
static const struct {
	char op;	    /* 'q' or 'c', 1000 bytes at jiffy t */
	uint64_t t;	    /* jiffies */
	uint64_t cnt;	    /* expected stall_cnt afterwards */
	uint16_t max;	    /* expected stall_max afterwards, jiffies */
	uint64_t last_reap; /* expected last_reap afterwards */
} stalls[] = {
	{ 'q', 10, 0, 0, 0 },
	/* 20 >= 0 + 4: search [1, min(63, 20 - 2)]: bit 10 -> stall of 20 - 10 */
	{ 'c', 20, 1, 10, 20 },
	{ 'q', 21, 1, 10, 20 },
	/* 23 < 20 + 4: no search */
	{ 'c', 23, 1, 10, 23 },
	{ 'q', 30, 1, 10, 23 },
	/* 33 >= 27: search [24, 31]: bit 30 -> counted, 3 < 10 keeps the max */
	{ 'c', 33, 2, 10, 33 },
	/* queued in the next history word (head 1): word 2 is cleared */
	{ 'q', 70, 2, 10, 33 },
	/* 71 >= 37: end = min(127, 71 - 2) = 69, [34, 69] holds nothing (70 is too recent) */
	{ 'c', 71, 2, 10, 71 },
	/* a long gap, queued at 300 (head 4: words 2, 3, 0 cleared, 4 is word 0) */
	{ 'q', 300, 2, 10, 71 },
	/* 330 >= 75: start = max((4 - 3) * 64 = 64, 72) = 72, end = min(319, 328): bit 300 */
	{ 'c', 330, 3, 30, 330 },
};

START_TEST(test_dql_stall)
{
	struct dql d;

	dql_init(&d, 0, DQL_MAX_LIMIT, 100, 0);
	dql_set_stall_thrs(&d, 4, 0);
	for (size_t i = 0; i < sizeof(stalls) / sizeof(stalls[0]); i++) {
		if (stalls[i].op == 'q')
			dql_queued(&d, 1000, stalls[i].t);
		else
			dql_completed(&d, 1000, stalls[i].t);
		ck_assert_msg(d.stall_cnt == stalls[i].cnt && d.stall_max == stalls[i].max &&
				      d.last_reap == stalls[i].last_reap,
			      "step %zu: stall_cnt %llu stall_max %u last_reap %llu", i,
			      (unsigned long long)d.stall_cnt, d.stall_max,
			      (unsigned long long)d.last_reap);
	}
}
END_TEST

/* Without stall_thrs nothing is recorded or counted. */
START_TEST(test_dql_stall_off)
{
	struct dql d;

	dql_init(&d, 0, DQL_MAX_LIMIT, 100, 0);
	dql_queued(&d, 1000, 10);
	dql_completed(&d, 1000, 500);
	ck_assert_uint_eq(d.stall_cnt, 0);
	ck_assert_uint_eq(d.history[0], 0);
}
END_TEST

Suite *dql_suite(void);
Suite *dql_suite(void)
{
	Suite *s = suite_create("dql");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_dql_adaptive);
	tcase_add_test(tc, test_dql_fixed);
	tcase_add_test(tc, test_dql_stall);
	tcase_add_test(tc, test_dql_stall_off);
	suite_add_tcase(s, tc);
	return s;
}
