/*
 * tests/test_vary.c - "--vary KEY=VALUES": lists, ranges and their messages.
 *
 * Each row: the argument, then either the values expected (joined by ' ')
 * or the exact error message.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "tools/vary.h"

static const struct {
	const char *arg;  /* the --vary argument */
	const char *key;  /* the key expected, or NULL on error */
	const char *want; /* values joined by ' ', or the message */
} cases[] = {
	{ "a/b=1,2,3", "a/b", "1 2 3" },
	{ "rcvbuf=64KiB..1MiB*2", "rcvbuf", "64KiB 128KiB 256KiB 512KiB 1MiB" },
	{ "rcvbuf=64KiB..16MiB*4", "rcvbuf", "64KiB 256KiB 1MiB 4MiB 16MiB" },
	{ "b=100..1000+100", "b", "100 200 300 400 500 600 700 800 900 1000" },
	{ "b=100..950+300", "b", "100 400 700" },
	{ "b=0.1..0.5+0.1", "b", "0.1 0.2 0.3 0.4 0.5" },
	{ "b=1..10*3", "b", "1 3 9" },
	{ "t=50us..200us+50us", "t", "50us 100us 150us 200us" },
	{ "t=500ns..2us+500ns", "t", "500ns 1us 1500ns 2us" },
	{ "r=1Mpps..2Mpps+250kpps", "r", "1Mpps 1250kpps 1500kpps 1750kpps 2Mpps" },
	{ "s=1000B..3000B+1000B", "s", "1000B 2000B 3000B" },
	{ "s=1500..4500+1500", "s", "1500 3000 4500" },
	{ "m=1,4..16*2,100", "m", "1 4 8 16 100" },
	{ "irq=[0,1],[0, 2],[3]", "irq", "[0,1] [0, 2] [3]" },
	{ "q=pfifo,fq_codel", "q", "pfifo fq_codel" },
	{ "x=5..5+1", "x", "5" },
	{ "nokey", NULL, "expected KEY=VALUES, got 'nokey'" },
	{ "=1,2", NULL, "expected KEY=VALUES, got '=1,2'" },
	{ "k=", NULL, "expected KEY=VALUES, got 'k='" },
	{ "k=1,,2", NULL, "empty value in 'k=1,,2'" },
	{ "k=1,", NULL, "empty value in 'k=1,'" },
	{ "k=1..5", NULL, "range '1..5' needs a step: A..B*FACTOR or A..B+STEP" },
	{ "k=1..*2", NULL, "range '1..*2' needs a step: A..B*FACTOR or A..B+STEP" },
	{ "k=1..5+", NULL, "range '1..5+' needs a step: A..B*FACTOR or A..B+STEP" },
	{ "k=x..5+1", NULL, "'x' in range 'x..5+1' is not a number, size, time or packet rate" },
	{ "k=1KiB..5us+1KiB", NULL, "'5us' in range '1KiB..5us+1KiB' must be a size like '1KiB'" },
	{ "k=1KiB..5KiB+1s", NULL, "'1s' in range '1KiB..5KiB+1s' must be a size like '1KiB'" },
	{ "k=1..5*1", NULL, "the factor in range '1..5*1' must be a number above 1, got '1'" },
	{ "k=1..5*x", NULL, "the factor in range '1..5*x' must be a number above 1, got 'x'" },
	{ "k=1..5+0", NULL, "the step in range '1..5+0' must be above 0, got '0'" },
	{ "k=5..1+1", NULL, "range '5..1+1' is empty: its start is above its end" },
	{ "k=1..20000+1", NULL, "range '1..20000+1' has more than 10000 values" },
};

START_TEST(test_vary)
{
	struct sim_error err = { 0 };
	struct vary v;
	char got[1024] = "";
	size_t n = 0;
	int rc = vary_parse(&v, cases[_i].arg, &err);

	if (!cases[_i].key) {
		ck_assert_int_eq(rc, -1);
		ck_assert_str_eq(err.msg, cases[_i].want);
		vary_release(&v);
		return;
	}
	ck_assert_msg(rc == 0, "'%s': %s", cases[_i].arg, err.msg);
	ck_assert_str_eq(v.key, cases[_i].key);
	for (uint32_t i = 0; i < v.n; i++)
		n += (size_t)snprintf(got + n, sizeof(got) - n, "%s%s", i ? " " : "", v.values[i]);
	ck_assert_str_eq(got, cases[_i].want);
	vary_release(&v);
}
END_TEST

Suite *vary_suite(void);
Suite *vary_suite(void)
{
	Suite *s = suite_create("vary");
	TCase *tc = tcase_create("vary");

	tcase_add_loop_test(tc, test_vary, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	suite_add_tcase(s, tc);
	return s;
}
