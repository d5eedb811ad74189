/*
 * tests/test_rng.c - random streams: known answers, determinism, uniformity, distribution means.
 *
 * Statistical checks use thresholds derived from the distribution under test,
 * never tuned numbers: chi-square critical values at p = 0.999 (Wilson-Hilferty
 * approximation) and 99.9 % confidence intervals for means (z = 3.2905). The
 * seeds are fixed, so every run draws the same numbers.
 */
#include <check.h>
#include <math.h>
#include <string.h>

#include "sim/rng.h"

#define NDRAW	 200000	  /* draws per distribution-mean test */
#define Z_999_2S 3.290527 /* two-sided 99.9 % normal quantile */
#define Z_999_1S 3.090232 /* one-sided 99.9 % normal quantile */

#define REQUIRE(cond)                                                                              \
	do {                                                                                       \
		if (!(cond))                                                                       \
			ck_abort_msg("%s:%d: %s", __FILE__, __LINE__, #cond);                      \
	} while (0)

/* Chi-square critical value at p = 0.999 for @df degrees of freedom (Wilson-Hilferty). */
static double chi2_crit(double df)
{
	double a = 2.0 / (9.0 * df), c = 1.0 - a + Z_999_1S * sqrt(a);

	return df * c * c * c;
}

START_TEST(test_known_answers)
{
	struct sim_rng r = { .s = { 1, 2, 3, 4 } };

	/* xoshiro256** reference outputs for state {1, 2, 3, 4}. */
	ck_assert_uint_eq(sim_rng_u64(&r), 11520);
	ck_assert_uint_eq(sim_rng_u64(&r), 0);
	ck_assert_uint_eq(sim_rng_u64(&r), 1509978240);
	ck_assert_uint_eq(sim_rng_u64(&r), 1215971899390074240ull);
	/* FNV-1a 64 reference values. */
	ck_assert_uint_eq(sim_hash_str(""), 0xcbf29ce484222325ull);
	ck_assert_uint_eq(sim_hash_str("a"), 0xaf63dc4c8601ec8cull);
	ck_assert_uint_eq(sim_hash_str("foobar"), 0x85944171f73967e8ull);
	/* splitmix64 seeding of (42, "nic0"), computed independently. */
	sim_rng_init(&r, 42, "nic0");
	ck_assert_uint_eq(r.s[0], 0xaa38b4ed1598e61dull);
	ck_assert_uint_eq(r.s[1], 0x8cc20cc930c25011ull);
	ck_assert_uint_eq(r.s[2], 0x37e9fc424cba888aull);
	ck_assert_uint_eq(r.s[3], 0x8c24022811f76e91ull);
	ck_assert_uint_eq(sim_rng_u64(&r), 0x0e1faec9140981d7ull);
}
END_TEST

START_TEST(test_determinism)
{
	struct sim_rng a, b, c, d;
	int same_c = 0, same_d = 0;

	sim_rng_init(&a, 7, "cpu0");
	sim_rng_init(&b, 7, "cpu0");
	sim_rng_init(&c, 7, "cpu1");
	sim_rng_init(&d, 8, "cpu0");
	for (int i = 0; i < 10000; i++) {
		uint64_t x = sim_rng_u64(&a);

		REQUIRE(x == sim_rng_u64(&b));
		same_c += x == sim_rng_u64(&c);
		same_d += x == sim_rng_u64(&d);
	}
	ck_assert_int_eq(same_c, 0);
	ck_assert_int_eq(same_d, 0);
	/* Streams are independent objects: drawing from one leaves another alone. */
	sim_rng_init(&a, 7, "cpu0");
	sim_rng_init(&b, 7, "cpu0");
	sim_rng_init(&c, 7, "cpu1");
	for (int i = 0; i < 100; i++)
		sim_rng_u64(&c);
	ck_assert_uint_eq(sim_rng_u64(&a), sim_rng_u64(&b));
}
END_TEST

START_TEST(test_double_ranges)
{
	struct sim_rng r;
	double sum = 0;

	sim_rng_init(&r, 1, "double");
	for (int i = 0; i < NDRAW; i++) {
		double x = sim_rng_double(&r), y = sim_rng_double_open0(&r);

		REQUIRE(x >= 0 && x < 1);
		REQUIRE(y > 0 && y <= 1);
		sum += x;
	}
	/* Mean 1/2, variance 1/12. */
	ck_assert_double_le(fabs(sum / NDRAW - 0.5), Z_999_2S * sqrt(1.0 / 12 / NDRAW));
}
END_TEST

/* Draw @n_draws from below(@n), bin into @k equal ranges, and chi-square test. */
static void check_below_uniform(uint64_t seed, uint64_t n, uint32_t k, uint64_t n_draws)
{
	uint64_t obs[64] = { 0 };
	uint64_t width = n / k + (n % k != 0);
	struct sim_rng r;
	double x;

	sim_rng_init(&r, seed, "below");
	for (uint64_t i = 0; i < n_draws; i++) {
		uint64_t v = sim_rng_below(&r, n);

		REQUIRE(v < n);
		obs[v / width]++;
	}
	/* Unequal last bin when k does not divide n: use the exact expected counts. */
	x = 0;
	for (uint32_t i = 0; i < k; i++) {
		uint64_t lo = i * width, hi = i + 1 == k ? n : (i + 1) * width;
		double e = (double)n_draws * ((double)(hi - lo) / (double)n);

		x += ((double)obs[i] - e) * ((double)obs[i] - e) / e;
	}
	ck_assert_msg(x < chi2_crit(k - 1), "n %llu: chi2 %g >= %g", (unsigned long long)n, x,
		      chi2_crit(k - 1));
}

START_TEST(test_below_uniform)
{
	static const struct {
		uint64_t n; /* bound */
		uint32_t k; /* bins */
	} cases[] = {
		{ 2, 2 },
		{ 3, 3 },
		{ 10, 10 },
		{ 17, 17 },
		{ 1000, 50 },
		{ 1ull << 32, 64 },
		{ (1ull << 63) + 1, 2 },
		/* About 2/3 of 2^64: plain modulo would make the low half twice as likely. */
		{ UINT64_MAX / 3 * 2 + 1, 3 },
		{ UINT64_MAX / 3 * 2 + 1, 6 },
		{ UINT64_MAX, 64 },
	};
	struct sim_rng r;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_below_uniform(100 + i, cases[i].n, cases[i].k, 100000);
	sim_rng_init(&r, 1, "one");
	for (int i = 0; i < 1000; i++)
		REQUIRE(sim_rng_below(&r, 1) == 0);
}
END_TEST

START_TEST(test_bernoulli)
{
	static const double ps[] = { 0.0, 0.001, 0.3, 0.5, 0.999, 1.0 };
	struct sim_rng r;

	sim_rng_init(&r, 3, "coin");
	for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
		double p = ps[i], ones = 0;

		for (int j = 0; j < NDRAW; j++)
			ones += sim_rng_bernoulli(&r, p);
		if (p == 0 || p == 1)
			ck_assert(ones == p * NDRAW);
		else
			ck_assert_double_le(fabs(ones / NDRAW - p),
					    Z_999_2S * sqrt(p * (1 - p) / NDRAW));
	}
}
END_TEST

/* Sample mean of @d within the 99.9 % confidence interval around sim_dist_mean(). */
static void check_mean(const struct sim_dist *d, const char *name)
{
	struct sim_rng r;
	double sum = 0, sum2 = 0, mean, var, want = sim_dist_mean(d);

	sim_rng_init(&r, 2024, name);
	for (int i = 0; i < NDRAW; i++) {
		double x = sim_dist_sample(d, &r);

		REQUIRE(x >= 0 && isfinite(x));
		sum += x;
		sum2 += x * x;
	}
	mean = sum / NDRAW;
	var = (sum2 - sum * mean) / (NDRAW - 1);
	if (var < 0)
		var = 0;
	ck_assert_msg(fabs(mean - want) <= Z_999_2S * sqrt(var / NDRAW) + 1e-12 * fabs(want),
		      "%s (%s): sample mean %g, analytic %g, half-width %g", name,
		      sim_dist_kind_name(d->kind), mean, want, Z_999_2S * sqrt(var / NDRAW));
}

START_TEST(test_distribution_means)
{
	static const double ev[] = { 1, 2, 10, 64 }, ew[] = { 1, 1, 2, 0.5 };
	struct sim_dist d;

	sim_dist_constant(&d, 5);
	check_mean(&d, "constant");
	ck_assert(sim_dist_mean(&d) == 5);
	sim_dist_uniform(&d, 2, 10);
	check_mean(&d, "uniform");
	ck_assert(sim_dist_mean(&d) == 6);
	sim_dist_exponential(&d, 1000);
	check_mean(&d, "exponential");
	sim_dist_normal(&d, 100, 15);
	check_mean(&d, "normal");
	ck_assert_double_eq_tol(sim_dist_mean(&d), 100, 1e-9);
	/* Heavily truncated: the mean is that of max(0, X), here Phi(1) + phi(1). */
	sim_dist_normal(&d, 1, 1);
	check_mean(&d, "normal-truncated");
	ck_assert_double_eq_tol(sim_dist_mean(&d), 0.8413447460685429 + 0.2419707245191434, 1e-9);
	sim_dist_lognormal(&d, 50, 30);
	check_mean(&d, "lognormal");
	ck_assert_double_eq_tol(d.sigma, sqrt(log(1 + 0.36)), 1e-12);
	ck_assert_double_eq_tol(d.mu, log(50) - log(1 + 0.36) / 2, 1e-12);
	sim_dist_pareto(&d, 10, 4.5);
	check_mean(&d, "pareto");
	ck_assert_double_eq_tol(sim_dist_mean(&d), 10 * 4.5 / 3.5, 1e-9);
	ck_assert_int_eq(sim_dist_empirical(&d, ev, ew, 4), 0);
	check_mean(&d, "empirical");
	ck_assert_double_eq_tol(sim_dist_mean(&d), (1 + 2 + 20 + 32) / 4.5, 1e-9);
}
END_TEST

START_TEST(test_distribution_shapes)
{
	static const double ev[] = { 3, 1, 7 }, ew[] = { 2, 1, 1 };
	struct sim_dist d;
	struct sim_rng r;
	uint64_t obs[3] = { 0 };
	double sum2 = 0, x, chi = 0;

	/* Lognormal: the stddev of the variable itself is the one asked for. */
	sim_dist_lognormal(&d, 50, 30);
	sim_rng_init(&r, 5, "lognormal-sd");
	for (int i = 0; i < NDRAW; i++) {
		x = sim_dist_sample(&d, &r) - 50;
		sum2 += x * x;
	}
	ck_assert_double_le(fabs(sqrt(sum2 / NDRAW) - 30), 0.05 * 30);
	/* Pareto never draws below its scale. */
	sim_dist_pareto(&d, 10, 1.5);
	for (int i = 0; i < 10000; i++)
		REQUIRE(sim_dist_sample(&d, &r) >= 10);
	ck_assert(isinf(sim_dist_mean(&d)) == 0);
	sim_dist_pareto(&d, 10, 1);
	ck_assert(isinf(sim_dist_mean(&d)));
	/* Empirical: frequencies follow the weights (chi-square, 2 degrees of freedom). */
	ck_assert_int_eq(sim_dist_empirical(&d, ev, ew, 3), 0);
	ck_assert(d.cdf[2] == 1.0);
	for (int i = 0; i < NDRAW; i++) {
		x = sim_dist_sample(&d, &r);
		obs[x == 3 ? 0 : x == 1 ? 1 : 2]++;
	}
	for (int i = 0; i < 3; i++) {
		double e = NDRAW * ew[i] / 4;

		chi += ((double)obs[i] - e) * ((double)obs[i] - e) / e;
	}
	ck_assert_double_lt(chi, chi2_crit(2));
	/* Normal with zero stddev is exact; a negative mean is truncated to 0. */
	sim_dist_normal(&d, 7, 0);
	ck_assert(sim_dist_sample(&d, &r) == 7);
	sim_dist_normal(&d, -50, 1);
	for (int i = 0; i < 1000; i++)
		REQUIRE(sim_dist_sample(&d, &r) == 0);
	ck_assert(sim_dist_mean(&d) < 1e-100);
}
END_TEST

START_TEST(test_empirical_invalid)
{
	static const double v[] = { 1, 2 }, w_ok[] = { 1, 1 }, w_zero[] = { 1, 0 },
			    w_neg[] = { 1, -1 }, v_neg[] = { -1, 2 };
	double many_v[SIM_DIST_MAX_POINTS + 1], many_w[SIM_DIST_MAX_POINTS + 1];
	struct sim_dist d;

	for (int i = 0; i <= SIM_DIST_MAX_POINTS; i++) {
		many_v[i] = i;
		many_w[i] = 1;
	}
	ck_assert_int_eq(sim_dist_empirical(&d, v, w_ok, 0), -1);
	ck_assert_int_eq(sim_dist_empirical(&d, v, w_zero, 2), -1);
	ck_assert_int_eq(sim_dist_empirical(&d, v, w_neg, 2), -1);
	ck_assert_int_eq(sim_dist_empirical(&d, v_neg, w_ok, 2), -1);
	ck_assert_int_eq(sim_dist_empirical(&d, many_v, many_w, SIM_DIST_MAX_POINTS + 1), -1);
	ck_assert_int_eq(sim_dist_empirical(&d, many_v, many_w, SIM_DIST_MAX_POINTS), 0);
	ck_assert_uint_eq(d.npoints, SIM_DIST_MAX_POINTS);
	ck_assert_int_eq(sim_dist_empirical(&d, v, w_ok, 1), 0);
	ck_assert_str_eq(sim_dist_kind_name(d.kind), "empirical");
	ck_assert_str_eq(sim_dist_kind_name(SIM_DIST_LOGNORMAL), "lognormal");
	ck_assert_str_eq(sim_dist_kind_name(SIM_DIST_CONSTANT), "constant");
}
END_TEST

Suite *rng_suite(void);

Suite *rng_suite(void)
{
	Suite *s = suite_create("rng");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_known_answers);
	tcase_add_test(tc, test_determinism);
	tcase_add_test(tc, test_double_ranges);
	tcase_add_test(tc, test_below_uniform);
	tcase_add_test(tc, test_bernoulli);
	tcase_add_test(tc, test_distribution_means);
	tcase_add_test(tc, test_distribution_shapes);
	tcase_add_test(tc, test_empirical_invalid);
	suite_add_tcase(s, tc);
	return s;
}
