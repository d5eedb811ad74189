/*
 * tests/check_main.c - the one Check runner for every unit suite.
 *
 * Suites are listed in suites.def as SUITE(name), each defined in its own
 * tests/test_<module>.c as "Suite *name_suite(void)". CK_FORK stays on (the
 * default), so a crashing test fails alone. Run from tests/ so that fixtures
 * are found by relative path. Optional argument: a suite name to run alone.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#define SUITE(name) Suite *name##_suite(void);
#include "suites.def"
#undef SUITE

int main(int argc, char **argv)
{
	SRunner *sr = srunner_create(NULL);
	int failed;

#define SUITE(name)                                                                                \
	if (argc < 2 || strcmp(argv[1], #name) == 0)                                               \
		srunner_add_suite(sr, name##_suite());
#include "suites.def"
#undef SUITE
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
