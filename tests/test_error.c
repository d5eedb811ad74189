/*
 * tests/test_error.c - the error record, "did you mean" suggestions and bug aborts.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/error.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

START_TEST(test_first_error_wins)
{
	struct sim_error e = { 0 };

	ck_assert_int_eq(
		sim_error_at(&e, "a.yaml", 3, 14, "'%s' must be a time, got '%s'", "delay", "5"),
		-1);
	ck_assert(e.set);
	ck_assert_str_eq(e.msg, "a.yaml:3:14: 'delay' must be a time, got '5'");
	ck_assert_int_eq(sim_error_set(&e, "second %d", 2), -1);
	ck_assert_int_eq(sim_error_at(&e, "b.yaml", 1, 1, "third"), -1);
	ck_assert_str_eq(e.msg, "a.yaml:3:14: 'delay' must be a time, got '5'");
	sim_error_clear(&e);
	ck_assert(!e.set);
	ck_assert_str_eq(e.msg, "");
	ck_assert_int_eq(sim_error_set(&e, "cannot open '%s': %s", "x", "No such file"), -1);
	ck_assert_str_eq(e.msg, "cannot open 'x': No such file");
	sim_error_clear(&e);
	sim_error_at(&e, "--set", 2, 7, "no key '%s' in '%s'", "mtu", "nic");
	ck_assert_str_eq(e.msg, "--set:2:7: no key 'mtu' in 'nic'");
}
END_TEST

/* Control characters are shown as \xNN; a position makes the error "located". */
START_TEST(test_escape_and_located)
{
	struct sim_error e = { 0 };

	sim_error_set(&e, "got '%s'", "a\tb\x1b[2J\x7f");
	ck_assert_str_eq(e.msg, "got 'a\\x09b\\x1b[2J\\x7f'");
	ck_assert_int_eq(e.located, 0);
	sim_error_clear(&e);
	sim_error_at(&e, "t.yaml", 3, 4, "bad '%s'", "\n");
	ck_assert_str_eq(e.msg, "t.yaml:3:4: bad '\\x0a'");
	ck_assert_int_eq(e.located, 1);
	sim_error_clear(&e);
	ck_assert_int_eq(e.located, 0);
}
END_TEST

START_TEST(test_long_message_truncated)
{
	static char big[3 * SIM_ERROR_MSG];
	struct sim_error e = { 0 };

	memset(big, 'x', sizeof(big) - 1);
	sim_error_at(&e, "f", 1, 2, "%s", big);
	ck_assert_uint_eq(strlen(e.msg), SIM_ERROR_MSG - 1);
	ck_assert(strncmp(e.msg, "f:1:2: xxx", 10) == 0);
	sim_error_clear(&e);
	sim_error_at(&e, big, 1, 2, "tail");
	ck_assert_uint_eq(strlen(e.msg), SIM_ERROR_MSG - 1);
}
END_TEST

START_TEST(test_nearest)
{
	static const char *const keys[] = { "timeout", "rate",	"burst",  "queue_len",
					    "prio",    "rates", "Latency" };
	static const struct {
		const char *word; /* input */
		const char *want; /* suggestion, NULL for none */
	} t[] = {
		{ "timeout", "timeout" },
		{ "tiemout", "timeout" },  /* one transposition */
		{ "timout", "timeout" },   /* deletion */
		{ "timeoutt", "timeout" }, /* insertion */
		{ "rate", "rate" },
		{ "rat", "rate" }, /* "rates" is 2 away */
		{ "rte", "rate" },
		{ "brust", "burst" },
		{ "qeueu_len", "queue_len" }, /* two transpositions: 2 <= max(2, 9/3) */
		{ "queue_length", "queue_len" },
		{ "latency", "Latency" }, /* case counts as one edit */
		{ "LATENCY", NULL },	  /* 6 edits */
		{ "xyz", NULL },
		{ "", NULL }, /* every key is more than 2 edits away */
		{ "pri", "prio" },
		{ "ratess", "rates" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		const char *got = sim_nearest(t[i].word, keys, ARRAY_SIZE(keys));

		if (!t[i].want)
			ck_assert_msg(got == NULL, "'%s' -> '%s'", t[i].word, got);
		else
			ck_assert_msg(got && strcmp(got, t[i].want) == 0, "'%s' -> '%s', want '%s'",
				      t[i].word, got ? got : "(null)", t[i].want);
	}
	ck_assert_ptr_null(sim_nearest("rate", keys, 0));
}
END_TEST

START_TEST(test_nearest_ties_and_threshold)
{
	static const char *const ab[] = { "abcx", "abcy", "abc" };
	static const char *const far[] = { "aaaaaa", "bbbbbb" };
	static const char *const long_keys[] = { "receive_buffer_size", "send_buffer_size" };

	/* Ties go to the earliest candidate. */
	ck_assert_str_eq(sim_nearest("abcz", ab, 2), "abcx");
	ck_assert_str_eq(sim_nearest("abcz", ab, 3), "abcx");
	/* Threshold max(2, len/3): 2 edits accepted for short words, 3 rejected. */
	ck_assert_ptr_null(sim_nearest("aaabbb", far, 2));
	ck_assert_str_eq(sim_nearest("aaaabb", far, 2), "aaaaaa");
	/* 19 chars: 6 edits allowed. */
	ck_assert_str_eq(sim_nearest("recv_buffer_size", long_keys, 2), "receive_buffer_size");
	ck_assert_ptr_null(sim_nearest("rx_size", long_keys, 2));
}
END_TEST

/* sim_bug prints the documented line and aborts; run it in a child to see both. */
START_TEST(test_bug_message)
{
	int fd[2], status;
	char buf[256] = { 0 };
	ssize_t n;
	pid_t pid;

	ck_assert_int_eq(pipe(fd), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(fd[0]);
		dup2(fd[1], 2);
		SIM_BUG_ON(1 + 1 == 2);
		_exit(0);
	}
	close(fd[1]);
	n = read(fd[0], buf, sizeof(buf) - 1);
	close(fd[0]);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status));
	ck_assert_int_eq(WTERMSIG(status), SIGABRT);
	ck_assert_msg(strncmp(buf, "skbsim: bug at ", 15) == 0, "%s", buf);
	ck_assert_msg(strstr(buf, "test_error.c:") != NULL, "%s", buf);
	ck_assert_msg(strstr(buf, ": 1 + 1 == 2\n") != NULL, "%s", buf);
}
END_TEST

Suite *error_suite(void);

Suite *error_suite(void)
{
	Suite *s = suite_create("error");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_first_error_wins);
	tcase_add_test(tc, test_long_message_truncated);
	tcase_add_test(tc, test_escape_and_located);
	tcase_add_test(tc, test_nearest);
	tcase_add_test(tc, test_nearest_ties_and_threshold);
	tcase_add_test(tc, test_bug_message);
	suite_add_tcase(s, tc);
	return s;
}
