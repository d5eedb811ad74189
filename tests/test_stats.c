/*
 * tests/test_stats.c - histograms against exact percentiles of a sorted copy; levels.
 *
 * The reference is the nearest-rank definition computed in integers: the
 * sample at rank ceil(num * count / den) of the sorted samples. Histogram
 * quantiles must be within 1 % of it, and min, max and mean exact.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/stats.h"

#define NSAMP 100000 /* samples per distribution */

static uint64_t trand_state;

/* Test-local generator (splitmix64), independent of sim/rng.c. */
static uint64_t trand(void)
{
	uint64_t z = (trand_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in (0, 1]. */
static double tunit(void)
{
	return (double)((trand() >> 11) + 1) * 0x1.0p-53;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank quantile num/den of sorted @v (n entries), in integer arithmetic. */
static uint64_t ref_quantile(const uint64_t *v, uint64_t n, uint64_t num, uint64_t den)
{
	uint64_t rank = (num * n + den - 1) / den;

	if (rank < 1)
		rank = 1;
	return v[rank - 1];
}

enum gen { GEN_UNIFORM, GEN_EXPONENTIAL, GEN_LOGUNIFORM, GEN_PARETO, GEN_SMALL };

/* One sample in ps. */
static uint64_t gen_sample(enum gen g)
{
	switch (g) {
	case GEN_UNIFORM: /* 0 .. 10 us */
		return trand() % 10000001;
	case GEN_EXPONENTIAL: /* mean 50 us */
		return (uint64_t)(-50e6 * log(tunit()));
	case GEN_LOGUNIFORM: /* 1 ns .. 1 s, equal weight per decade */
		return (uint64_t)(1e3 * pow(10.0, 9.0 * tunit()));
	case GEN_PARETO: /* scale 1 ns, shape 1.2: heavy tail, capped at 1 s */
	{
		double v = 1e3 / pow(tunit(), 1 / 1.2);

		return (uint64_t)(v > 1e12 ? 1e12 : v);
	}
	case GEN_SMALL:
		return trand() % 300;
	}
	return 0;
}

static void check_against_sorted(enum gen g, uint64_t seed)
{
	static uint64_t v[NSAMP];
	static struct sim_hist h;
	static const uint64_t qs[][2] = {
		{ 1, 2 }, { 9, 10 }, { 99, 100 }, { 999, 1000 }, { 1, 1 }, { 1, 4 }, { 1, 100 },
	};
	double sum = 0;

	trand_state = seed;
	sim_hist_init(&h);
	for (uint32_t i = 0; i < NSAMP; i++) {
		v[i] = gen_sample(g);
		sum += (double)v[i];
		sim_hist_record(&h, v[i]);
	}
	qsort(v, NSAMP, sizeof(v[0]), cmp_u64);
	ck_assert_uint_eq(h.count, NSAMP);
	ck_assert_uint_eq(h.min, v[0]);
	ck_assert_uint_eq(h.max, v[NSAMP - 1]);
	ck_assert(sim_hist_mean(&h) == sum / NSAMP);
	ck_assert_uint_eq(sim_hist_quantile(&h, 0), v[0]);
	ck_assert_uint_eq(sim_hist_quantile(&h, 1), v[NSAMP - 1]);
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		uint64_t want = ref_quantile(v, NSAMP, qs[i][0], qs[i][1]);
		uint64_t got = sim_hist_quantile(&h, (double)qs[i][0] / (double)qs[i][1]);
		double err = fabs((double)got - (double)want);

		ck_assert_msg(err <= 0.01 * (double)want, "gen %d q %llu/%llu: got %llu want %llu",
			      (int)g, (unsigned long long)qs[i][0], (unsigned long long)qs[i][1],
			      (unsigned long long)got, (unsigned long long)want);
		/* A bucket midpoint is within half a bucket: 1 / (2 * SUB) of the value. */
		ck_assert(err <= (double)want / (2 * SIM_HIST_SUB));
		if (want < 2 * SIM_HIST_SUB)
			ck_assert_uint_eq(got, want);
	}
	sim_hist_release(&h);
}

START_TEST(test_quantiles_vs_sorted)
{
	static const enum gen gens[] = { GEN_UNIFORM, GEN_EXPONENTIAL, GEN_LOGUNIFORM, GEN_PARETO,
					 GEN_SMALL };

	for (size_t i = 0; i < sizeof(gens) / sizeof(gens[0]); i++)
		for (uint64_t seed = 1; seed <= 3; seed++)
			check_against_sorted(gens[i], seed * 31 + i);
}
END_TEST

/* Rank boundaries: with 100 samples 1..100, p99 is 99 (not 100: 0.99 * 100 is 99). */
START_TEST(test_nearest_rank_boundaries)
{
	static struct sim_hist h;

	sim_hist_init(&h);
	for (uint64_t v = 1; v <= 100; v++)
		sim_hist_record(&h, v);
	ck_assert_uint_eq(sim_hist_quantile(&h, 0.5), 50);
	ck_assert_uint_eq(sim_hist_quantile(&h, 0.9), 90);
	ck_assert_uint_eq(sim_hist_quantile(&h, 0.99), 99);
	/* 0.07 * 100 and 0.14 * 100 come out a hair above 7 and 14 in binary. */
	ck_assert_uint_eq(sim_hist_quantile(&h, 0.07), 7);
	ck_assert_uint_eq(sim_hist_quantile(&h, 0.14), 14);
	ck_assert_uint_eq(sim_hist_quantile(&h, 0.995), 100);
	ck_assert_uint_eq(sim_hist_quantile(&h, 0.001), 1);
	ck_assert_uint_eq(sim_hist_quantile(&h, 0.011), 2);
	ck_assert_uint_eq(sim_hist_quantile(&h, -1), 1);
	ck_assert_uint_eq(sim_hist_quantile(&h, 2), 100);
	ck_assert(sim_hist_mean(&h) == 50.5);
	sim_hist_release(&h);
}
END_TEST

START_TEST(test_single_and_empty)
{
	static struct sim_hist h;

	sim_hist_init(&h);
	ck_assert_uint_eq(h.min, UINT64_MAX);
	ck_assert_uint_eq(sim_hist_quantile(&h, 0.5), 0);
	ck_assert(sim_hist_mean(&h) == 0);
	/* One large value: clamping to [min, max] makes every quantile exact. */
	sim_hist_record(&h, 123456789);
	ck_assert_uint_eq(sim_hist_quantile(&h, 0), 123456789);
	ck_assert_uint_eq(sim_hist_quantile(&h, 0.5), 123456789);
	ck_assert_uint_eq(sim_hist_quantile(&h, 1), 123456789);
	sim_hist_record(&h, UINT64_MAX);
	ck_assert_uint_eq(sim_hist_quantile(&h, 1), UINT64_MAX);
	ck_assert_uint_eq(sim_hist_bucket_count(&h, SIM_HIST_BUCKETS - 1), 1);
	sim_hist_release(&h);
}
END_TEST

START_TEST(test_bucket_layout)
{
	uint64_t lo, hi, prev_hi = 0;

	/* Buckets tile [0, 2^64) in order, exact below 2 * SUB, relative width <= 1 / SUB. */
	for (uint32_t ix = 0; ix < SIM_HIST_BUCKETS; ix++) {
		sim_hist_bucket_range(ix, &lo, &hi);
		if (ix == 0)
			ck_assert_uint_eq(lo, 0);
		else
			ck_assert_uint_eq(lo, prev_hi + 1);
		ck_assert_uint_ge(hi, lo);
		ck_assert_uint_eq(sim_hist_bucket_of(lo), ix);
		ck_assert_uint_eq(sim_hist_bucket_of(hi), ix);
		if (ix < 2 * SIM_HIST_SUB)
			ck_assert_uint_eq(hi, lo);
		else
			ck_assert_uint_le((hi - lo + 1) * SIM_HIST_SUB, lo);
		prev_hi = hi;
	}
	ck_assert_uint_eq(prev_hi, UINT64_MAX);
	/* An inner rank reports its bucket's midpoint. */
	{
		static struct sim_hist h;

		sim_hist_bucket_range(1000, &lo, &hi);
		sim_hist_init(&h);
		sim_hist_record(&h, lo);
		sim_hist_record(&h, lo + 1);
		sim_hist_record(&h, hi);
		ck_assert_uint_eq(sim_hist_quantile(&h, 0.5), lo + (hi - lo) / 2);
		sim_hist_release(&h);
	}
	trand_state = 3;
	for (int i = 0; i < 100000; i++) {
		uint64_t v = trand() >> (trand() % 64);
		uint32_t ix = sim_hist_bucket_of(v);

		ck_assert_uint_lt(ix, SIM_HIST_BUCKETS);
		sim_hist_bucket_range(ix, &lo, &hi);
		ck_assert(lo <= v && v <= hi);
	}
}
END_TEST

START_TEST(test_merge)
{
	static struct sim_hist a, b, all;

	sim_hist_init(&a);
	sim_hist_init(&b);
	sim_hist_init(&all);
	trand_state = 11;
	for (int i = 0; i < 10000; i++) {
		uint64_t v = gen_sample(GEN_LOGUNIFORM);

		sim_hist_record(i % 3 ? &a : &b, v);
		sim_hist_record(&all, v);
	}
	sim_hist_merge(&a, &b);
	ck_assert_uint_eq(a.count, all.count);
	ck_assert_uint_eq(a.min, all.min);
	ck_assert_uint_eq(a.max, all.max);
	for (uint32_t ix = 0; ix < SIM_HIST_BUCKETS; ix++)
		ck_assert_uint_eq(sim_hist_bucket_count(&a, ix), sim_hist_bucket_count(&all, ix));
	ck_assert_double_eq_tol(sim_hist_mean(&a), sim_hist_mean(&all), 1e-9 * sim_hist_mean(&all));
	sim_hist_release(&b);
	sim_hist_merge(&a, &b); /* empty source: no change */
	ck_assert_uint_eq(a.min, all.min);
	sim_hist_merge(&b, &all); /* into empty */
	ck_assert_uint_eq(b.min, all.min);
	ck_assert_uint_eq(sim_hist_quantile(&b, 0.99), sim_hist_quantile(&all, 0.99));
	sim_hist_release(&a);
	sim_hist_release(&b);
	sim_hist_release(&all);
}
END_TEST

START_TEST(test_level)
{
	struct sim_level l;

	sim_level_init(&l, 1000);
	ck_assert(sim_level_mean(&l, 1000) == 0);
	sim_level_set(&l, 1000, 4);  /* 4 over [1000, 1010) */
	sim_level_add(&l, 1010, -3); /* 1 over [1010, 1030) */
	sim_level_set(&l, 1030, 10); /* 10 over [1030, 1040) */
	ck_assert_int_eq(l.max, 10);
	ck_assert_int_eq(l.cur, 10);
	ck_assert_double_eq_tol(sim_level_mean(&l, 1040), (4.0 * 10 + 20 + 100) / 40, 1e-12);
	/* Mean keeps integrating the current value up to @now. */
	ck_assert_double_eq_tol(sim_level_mean(&l, 1080), (4.0 * 10 + 20 + 500) / 80, 1e-12);
	/* Reset: the window restarts, the value and max carry over the current value. */
	sim_level_reset(&l, 1100);
	ck_assert_int_eq(l.max, 10);
	ck_assert(sim_level_mean(&l, 1100) == 10);
	sim_level_set(&l, 1110, 0);
	ck_assert_int_eq(l.max, 10);
	ck_assert_double_eq_tol(sim_level_mean(&l, 1200), 100.0 / 100, 1e-12);
	sim_level_reset(&l, 1200);
	ck_assert_int_eq(l.max, 0);
	sim_level_set(&l, 1200, -5);
	ck_assert_int_eq(l.max, 0);
	ck_assert_double_eq_tol(sim_level_mean(&l, 1300), -5, 1e-12);
}
END_TEST

/*
 * Several changes at one time (a batch dequeued by one call): only the last
 * value counts for the time after, every one for the maximum, and the area
 * is bit-for-bit the one of the plain formula (cur * 0 adds nothing).
 */
START_TEST(test_level_same_time)
{
	static const struct {
		sim_time_t t; /* ps */
		int64_t v;    /* value set */
	} steps[] = { { 0, 5 }, { 10, 3 }, { 10, 7 }, { 10, -2 }, { 20, 4 }, { 20, 4 }, { 25, 1 } };
	struct sim_level l;
	double area = 0; /* the reference, every step through the formula */
	int64_t cur = 0;
	sim_time_t last = 0;

	sim_level_init(&l, 0);
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		area += (double)cur * (double)(steps[i].t - last);
		last = steps[i].t;
		cur = steps[i].v;
		sim_level_set(&l, steps[i].t, steps[i].v);
		ck_assert(l.area == area);
		ck_assert_int_eq(l.cur, cur);
	}
	ck_assert_int_eq(l.max, 7);
	ck_assert_double_eq_tol(sim_level_mean(&l, 30), (5.0 * 10 - 2 * 10 + 4 * 5 + 1 * 5) / 30,
				1e-12);
}
END_TEST

Suite *stats_suite(void);

Suite *stats_suite(void)
{
	Suite *s = suite_create("stats");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_quantiles_vs_sorted);
	tcase_add_test(tc, test_nearest_rank_boundaries);
	tcase_add_test(tc, test_single_and_empty);
	tcase_add_test(tc, test_bucket_layout);
	tcase_add_test(tc, test_merge);
	tcase_add_test(tc, test_level);
	tcase_add_test(tc, test_level_same_time);
	suite_add_tcase(s, tc);
	return s;
}
