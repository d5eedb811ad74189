/*
 * tests/test_target.c - planner targets: parsing, messages, and decisions on
 * hand-made runs whose intervals are known.
 */
#include <check.h>
#include <string.h>

#include "tools/target.h"

static const struct {
	const char *text;  /* the --target argument */
	const char *want;  /* NULL, or the exact message */
	int metric, below; /* expected metric and side */
	double threshold;  /* expected, fraction or ns */
	double level;	   /* expected */
} parses[] = {
	{ "drop < 0.1% @ 95%", NULL, TARGET_DROP, 1, 0.001, 0.95 },
	{ "drop<0.1%", NULL, TARGET_DROP, 1, 0.001, 0.95 },
	{ "drop[SOCKET_RCVBUFF] <= 0.0001 @ 99%", NULL, TARGET_DROP_REASON, 1, 0.0001, 0.99 },
	{ "p99 < 200us", NULL, TARGET_P99, 1, 200000, 0.95 },
	{ "mean < 1.5ms @ 90%", NULL, TARGET_MEAN, 1, 1.5e6, 0.90 },
	{ "cpu >= 50%", NULL, TARGET_CPU, 0, 0.5, 0.95 },
	{ "drops < 1%",
	  "unknown metric 'drops' (known: drop, drop[REASON], p50, p99, p999, mean, cpu)", 0, 0, 0,
	  0 },
	{ "drop < 1ms", "'1ms' must be a fraction like '0.1%' for 'drop'", 0, 0, 0, 0 },
	{ "p99 < 1%", "'1%' must be a time like '200us' for 'p99'", 0, 0, 0, 0 },
	{ "drop < 1% @ 20%", "the confidence level must be between 50% and 99.99%, got '20%'", 0, 0,
	  0, 0 },
	{ "drop 1%", "expected a target like 'drop < 0.1% @ 95%', got 'drop 1%'", 0, 0, 0, 0 },
	{ "drop == 1%", "expected a target like 'drop < 0.1% @ 95%', got 'drop == 1%'", 0, 0, 0,
	  0 },
	{ "drop < 1% junk", "expected a target like 'drop < 0.1% @ 95%', got 'drop < 1% junk'", 0,
	  0, 0, 0 },
	{ "", "expected a target like 'drop < 0.1% @ 95%', got ''", 0, 0, 0, 0 },
};

START_TEST(test_parse)
{
	struct sim_error err = { 0 };
	struct target t;
	int rc = target_parse(&t, parses[_i].text, &err);

	if (parses[_i].want) {
		ck_assert_int_eq(rc, -1);
		ck_assert_str_eq(err.msg, parses[_i].want);
		return;
	}
	ck_assert_msg(rc == 0, "%s", err.msg);
	ck_assert_int_eq(t.metric, parses[_i].metric);
	ck_assert_int_eq(t.below, parses[_i].below);
	ck_assert_double_eq_tol(t.threshold, parses[_i].threshold, 1e-12);
	ck_assert_double_eq_tol(t.level, parses[_i].level, 1e-12);
}
END_TEST

/* Runs of 10000 frames with the given drop counts. */
static void runs(struct run_result *r, const unsigned *drops, unsigned n)
{
	memset(r, 0, n * sizeof(*r));
	for (unsigned i = 0; i < n; i++) {
		r[i].offered = 10000;
		r[i].dropped = drops[i];
		r[i].lat_p99 = 1000.0 * (100 + 10 * i); /* 100us, 110us, ... */
	}
}

START_TEST(test_decide)
{
	static const unsigned none[] = { 0, 0, 0 }, few[] = { 5, 6, 4 }, many[] = { 50, 60, 40 };
	struct sim_error err = { 0 };
	struct run_result r[3];
	struct target t;
	struct target_eval e;

	ck_assert_int_eq(target_parse(&t, "drop < 0.1%", &err), 0);
	/* 0 of 30000: Clopper-Pearson upper 1 - 0.025^(1/30000) = 0.0123 % */
	runs(r, none, 3);
	target_decide(&t, r, 3, &e);
	ck_assert_int_eq(e.decision, TARGET_MEETS);
	ck_assert_double_eq_tol(e.ci.hi, 1.22955e-4, 1e-8);
	/* 15 of 30000 = 0.05 %: pooled CP upper 0.082 %, t upper 0.05 % + 4.303 * 0.0001 / sqrt 3 */
	runs(r, few, 3);
	target_decide(&t, r, 3, &e);
	ck_assert_double_eq_tol(e.estimate, 0.0005, 1e-12);
	ck_assert_int_eq(e.decision, TARGET_MEETS);
	/* 150 of 30000 = 0.5 %: the whole interval is above 0.1 % */
	runs(r, many, 3);
	target_decide(&t, r, 3, &e);
	ck_assert_int_eq(e.decision, TARGET_FAILS);
	/* one seed with few drops: CP alone, [0.0162 %, 0.117 %] straddles 0.1 % */
	runs(r, few + 1, 1);
	target_decide(&t, r, 1, &e);
	ck_assert_int_eq(e.decision, TARGET_UNCERTAIN);
	/* latency: mean 110us, t interval 110 -+ 4.303 * 10 / sqrt 3 = [85.2us, 134.8us] */
	ck_assert_int_eq(target_parse(&t, "p99 < 150us", &err), 0);
	runs(r, none, 3);
	target_decide(&t, r, 3, &e);
	ck_assert_int_eq(e.decision, TARGET_MEETS);
	ck_assert_double_eq_tol(e.ci.hi, 110000 + 4302.65272975 * 10 / 1.7320508075688772, 1e-3);
	ck_assert_int_eq(target_parse(&t, "p99 < 120us", &err), 0);
	target_decide(&t, r, 3, &e);
	ck_assert_int_eq(e.decision, TARGET_UNCERTAIN);
	ck_assert_int_eq(target_parse(&t, "p99 < 80us", &err), 0);
	target_decide(&t, r, 3, &e);
	ck_assert_int_eq(e.decision, TARGET_FAILS);
	ck_assert_int_eq(target_parse(&t, "p99 > 80us", &err), 0);
	target_decide(&t, r, 3, &e);
	ck_assert_int_eq(e.decision, TARGET_MEETS);
	/* one seed never decides a latency */
	target_decide(&t, r, 1, &e);
	ck_assert_int_eq(e.decision, TARGET_UNCERTAIN);
}
END_TEST

Suite *target_suite(void);
Suite *target_suite(void)
{
	Suite *s = suite_create("target");
	TCase *tc = tcase_create("target");

	tcase_add_loop_test(tc, test_parse, 0, (int)(sizeof(parses) / sizeof(parses[0])));
	tcase_add_test(tc, test_decide);
	suite_add_tcase(s, tc);
	return s;
}
