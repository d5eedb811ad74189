/*
 * tests/test_stats_ci.c - the sweep's confidence intervals against published values.
 *
 * Wilson and Clopper-Pearson: the four examples of Newcombe, "Two-sided
 * confidence intervals for the single proportion: comparison of seven
 * methods", Statistics in Medicine 17 (1998), Table I (methods 3 and 5, to 4
 * decimals), plus two R binom.test results to 9 digits (5/10 and 1/10,
 * re-derived here with mpmath's betainc at 40 digits). Student t: the usual
 * table values, to the 11 digits mpmath gives, and the closed forms for 1
 * and 2 degrees of freedom.
 */
#include <check.h>
#include <math.h>

#include "tools/stats_ci.h"

#define PI 3.14159265358979323846

static const struct {
	uint64_t k, n;			 /* successes, trials */
	double w_lo, w_hi, cp_lo, cp_hi; /* Wilson, Clopper-Pearson (95 %) */
	double tol;			 /* as published */
} props[] = {
	{ 81, 263, 0.2553, 0.3662, 0.2527, 0.3676, 5e-5 },
	{ 15, 148, 0.0624, 0.1605, 0.0578, 0.1617, 5e-5 },
	{ 0, 20, 0.0000, 0.1611, 0.0000, 0.1684, 5e-5 },
	{ 1, 29, 0.0061, 0.1718, 0.0009, 0.1776, 5e-5 },
	{ 5, 10, 0.236593091, 0.763406909, 0.187086028, 0.812913972, 1e-9 },
	{ 1, 10, 0.017876213, 0.404150027, 0.002528579, 0.445016117, 1e-9 },
};

START_TEST(test_proportions)
{
	struct ci w = ci_wilson(props[_i].k, props[_i].n, 0.95);
	struct ci cp = ci_clopper_pearson(props[_i].k, props[_i].n, 0.95);
	double tol = props[_i].tol;

	ck_assert_double_eq_tol(w.lo, props[_i].w_lo, tol);
	ck_assert_double_eq_tol(w.hi, props[_i].w_hi, tol);
	ck_assert_double_eq_tol(cp.lo, props[_i].cp_lo, tol);
	ck_assert_double_eq_tol(cp.hi, props[_i].cp_hi, tol);
	ck_assert(w.lo >= 0 && cp.lo >= 0 && w.hi <= 1 && cp.hi <= 1);
}
END_TEST

/* The edges in closed form: 0/n has CP upper 1 - (alpha/2)^(1/n), n/n lower (alpha/2)^(1/n). */
START_TEST(test_edges)
{
	for (uint64_t n = 1; n <= 100000; n *= 7) {
		struct ci z = ci_clopper_pearson(0, n, 0.95), f = ci_clopper_pearson(n, n, 0.95);
		struct ci wz = ci_wilson(0, n, 0.95);

		ck_assert_double_eq(z.lo, 0);
		ck_assert_double_eq_tol(z.hi, 1 - pow(0.025, 1.0 / (double)n), 1e-12);
		ck_assert_double_eq_tol(f.lo, pow(0.025, 1.0 / (double)n), 1e-12);
		ck_assert_double_eq(f.hi, 1);
		ck_assert_double_eq(wz.lo, 0);
		/* Wilson's 0/n upper bound is z^2 / (n + z^2) */
		ck_assert_double_eq_tol(wz.hi, 3.84145882069412 / ((double)n + 3.84145882069412),
					1e-12);
	}
}
END_TEST

static const struct {
	double p, df, t; /* P(T <= t) = p with df degrees of freedom */
} tq[] = {
	{ 0.975, 1, 12.7062047362 },   { 0.975, 2, 4.30265272975 },  { 0.975, 4, 2.7764451052 },
	{ 0.975, 9, 2.2621571628 },    { 0.975, 29, 2.04522964213 }, { 0.995, 5, 4.03214298356 },
	{ 0.975, 100, 1.98397151852 },
};

START_TEST(test_t_table)
{
	ck_assert_double_eq_tol(ci_t_quantile(tq[_i].p, tq[_i].df), tq[_i].t, 1e-9);
	ck_assert_double_eq_tol(ci_t_quantile(1 - tq[_i].p, tq[_i].df), -tq[_i].t, 1e-9);
}
END_TEST

START_TEST(test_t_closed_forms)
{
	for (double p = 0.55; p < 0.9999; p += 0.0173) {
		double q = 2 * p - 1;

		ck_assert_double_eq_tol(ci_t_quantile(p, 1), tan(PI * (p - 0.5)),
					1e-9 * tan(PI * (p - 0.5)));
		ck_assert_double_eq_tol(ci_t_quantile(p, 2), q * sqrt(2 / (1 - q * q)), 1e-9);
	}
	ck_assert_double_eq_tol(ci_norm_quantile(0.975), 1.95996398454005, 1e-12);
	ck_assert_double_eq_tol(ci_norm_quantile(0.5), 0, 1e-13);
}
END_TEST

/* The t interval of a small sample by hand: mean 2, s = 1, n = 3: 2 -+ 4.3027 / sqrt(3). */
START_TEST(test_mean_t)
{
	static const double x[] = { 1, 2, 3 };
	double m = 0;
	struct ci c = ci_mean_t(x, 3, 0.95, &m);

	ck_assert_double_eq(m, 2);
	ck_assert_double_eq_tol(c.lo, 2 - 4.30265272975 / sqrt(3), 1e-9);
	ck_assert_double_eq_tol(c.hi, 2 + 4.30265272975 / sqrt(3), 1e-9);
	c = ci_mean_t(x, 1, 0.95, &m);
	ck_assert_double_eq(m, 1);
	ck_assert_double_eq(c.lo, 1);
	ck_assert_double_eq(c.hi, 1);
}
END_TEST

START_TEST(test_beta)
{
	/* I_x(1, 1) = x; I_x(a, 1) = x^a; I_x(1, b) = 1 - (1-x)^b */
	for (double x = 0.01; x < 1; x += 0.07) {
		ck_assert_double_eq_tol(ci_beta_inc(x, 1, 1), x, 1e-13);
		ck_assert_double_eq_tol(ci_beta_inc(x, 3.5, 1), pow(x, 3.5), 1e-13);
		ck_assert_double_eq_tol(ci_beta_inc(x, 1, 7), 1 - pow(1 - x, 7), 1e-13);
		ck_assert_double_eq_tol(ci_beta_quantile(ci_beta_inc(x, 2.5, 4), 2.5, 4), x, 1e-10);
	}
}
END_TEST

Suite *stats_ci_suite(void);
Suite *stats_ci_suite(void)
{
	Suite *s = suite_create("stats_ci");
	TCase *tc = tcase_create("stats_ci");

	tcase_add_loop_test(tc, test_proportions, 0, (int)(sizeof(props) / sizeof(props[0])));
	tcase_add_test(tc, test_edges);
	tcase_add_loop_test(tc, test_t_table, 0, (int)(sizeof(tq) / sizeof(tq[0])));
	tcase_add_test(tc, test_t_closed_forms);
	tcase_add_test(tc, test_mean_t);
	tcase_add_test(tc, test_beta);
	suite_add_tcase(s, tc);
	return s;
}
