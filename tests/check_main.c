/*
 * tests/check_main.c - the one Check runner for every unit suite.
 *
 * Suites are listed in suites.def as SUITE(name), each defined in its own
 * tests/test_<module>.c as "Suite *name_suite(void)". CK_FORK stays on (the
 * default), so a crashing test fails alone. Run from tests/ so that fixtures
 * are found by relative path. Optional argument: a suite name to run alone,
 * or --shard=I/N to run the suites whose position in suites.def is I modulo N
 * (tests/run-shards.sh runs N shards at once).
 */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SUITE(name) Suite *name##_suite(void);
#include "suites.def"
#undef SUITE

/* "--shard=I/N" into @i and @n; 0 on success, -1 when @arg is no valid shard. */
static int parse_shard(const char *arg, unsigned *i, unsigned *n)
{
	char end;

	if (sscanf(arg, "--shard=%u/%u%c", i, n, &end) != 2 || *n == 0 || *i >= *n)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	const char *arg = argc > 1 ? argv[1] : NULL;
	bool shard = arg && !strncmp(arg, "--shard=", 8);
	unsigned ix = 0, si = 0, sn = 1;
	SRunner *sr;
	int failed;

	if (shard && parse_shard(arg, &si, &sn)) {
		fprintf(stderr, "check_all: bad shard '%s' (want --shard=I/N with I < N)\n",
			arg + 8);
		return 2;
	}
	sr = srunner_create(NULL);
#define SUITE(name)                                                                                \
	if (!arg || (shard ? ix % sn == si : !strcmp(arg, #name)))                                 \
		srunner_add_suite(sr, name##_suite());                                             \
	ix++;
#include "suites.def"
#undef SUITE
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
