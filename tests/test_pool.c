/*
 * tests/test_pool.c - object pools: exhaustion, get/put cycles, high-water mark, misuse.
 */
#include <check.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>

#include "sim/pool.h"

#define CAP 64 /* objects in the test pool */

struct obj {
	uint64_t id;  /* a label written by the test */
	char pad[40]; /* make the object size not a power of two */
};

START_TEST(test_exhaustion)
{
	struct sim_pool p;
	struct obj *o[CAP];

	ck_assert_int_eq(sim_pool_init(&p, sizeof(struct obj), CAP), 0);
	ck_assert_uint_eq(sim_pool_in_use(&p), 0);
	for (int i = 0; i < CAP; i++) {
		o[i] = sim_pool_get(&p);
		ck_assert_ptr_nonnull(o[i]);
		/* Zeroed at start-up, distinct, inside the block, aligned to the object size. */
		ck_assert_uint_eq(o[i]->id, 0);
		ck_assert(memcmp(o[i]->pad, (char[40]){ 0 }, 40) == 0);
		ck_assert_uint_eq(((unsigned char *)o[i] - p.mem) % sizeof(struct obj), 0);
		for (int j = 0; j < i; j++)
			ck_assert_ptr_ne(o[i], o[j]);
		o[i]->id = (uint64_t)i;
	}
	ck_assert_uint_eq(sim_pool_in_use(&p), CAP);
	ck_assert_ptr_null(sim_pool_get(&p));
	ck_assert_ptr_null(sim_pool_get(&p));
	ck_assert_uint_eq(p.in_use_max, CAP);
	/* One back, one out again: the same object, contents as put back. */
	sim_pool_put(&p, o[10]);
	ck_assert_uint_eq(sim_pool_in_use(&p), CAP - 1);
	ck_assert_ptr_eq(sim_pool_get(&p), o[10]);
	ck_assert_uint_eq(o[10]->id, 10);
	ck_assert_ptr_null(sim_pool_get(&p));
	for (int i = 0; i < CAP; i++)
		sim_pool_put(&p, o[i]);
	ck_assert_uint_eq(sim_pool_in_use(&p), 0);
	sim_pool_release(&p);
	ck_assert_ptr_null(p.mem);
}
END_TEST

START_TEST(test_cycle_and_high_water)
{
	struct sim_pool p;
	void *held[CAP];
	uint32_t n = 0, max = 0;
	uint64_t x = 12345;

	ck_assert_int_eq(sim_pool_init(&p, 24, CAP), 0);
	/* A random walk of gets and puts against a counter of objects out. */
	for (int step = 0; step < 100000; step++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		if (x % 2 && n < CAP) {
			held[n] = sim_pool_get(&p);
			if (!held[n])
				ck_abort_msg("get failed with %u of %u out", n, CAP);
			n++;
		} else if (n) {
			uint32_t k = (uint32_t)(x % n);

			sim_pool_put(&p, held[k]);
			held[k] = held[--n];
		}
		if (n > max)
			max = n;
		if (sim_pool_in_use(&p) != n || p.in_use_max != max)
			ck_abort_msg("step %d: in use %u/%u, max %u/%u", step, sim_pool_in_use(&p),
				     n, p.in_use_max, max);
	}
	sim_pool_release(&p);
}
END_TEST

START_TEST(test_empty_pool)
{
	struct sim_pool p;

	ck_assert_int_eq(sim_pool_init(&p, 8, 0), 0);
	ck_assert_ptr_null(sim_pool_get(&p));
	ck_assert_uint_eq(sim_pool_in_use(&p), 0);
	sim_pool_release(&p);
}
END_TEST

START_TEST(test_too_large)
{
	struct sim_pool p;

	ck_assert_int_eq(sim_pool_init(&p, SIZE_MAX / 2, 4), -1);
	ck_assert_ptr_null(p.mem);
}
END_TEST

START_TEST(test_foreign_put_is_bug)
{
	struct sim_pool p;
	struct obj other;

	sim_pool_init(&p, sizeof(struct obj), 4);
	sim_pool_get(&p);
	sim_pool_put(&p, &other);
}
END_TEST

START_TEST(test_double_put_is_bug)
{
	struct sim_pool p;
	void *o;

	sim_pool_init(&p, sizeof(struct obj), 4);
	o = sim_pool_get(&p);
	sim_pool_put(&p, o);
	sim_pool_put(&p, o);
}
END_TEST

Suite *pool_suite(void);

Suite *pool_suite(void)
{
	Suite *s = suite_create("pool");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_exhaustion);
	tcase_add_test(tc, test_cycle_and_high_water);
	tcase_add_test(tc, test_empty_pool);
	tcase_add_test(tc, test_too_large);
	tcase_add_test_raise_signal(tc, test_foreign_put_is_bug, SIGABRT);
	tcase_add_test_raise_signal(tc, test_double_put_is_bug, SIGABRT);
	suite_add_tcase(s, tc);
	return s;
}
