/*
 * tools/guard.c - signal handlers and run limits (see tools/guard.h).
 *
 * Only async-signal-safe work in the handlers: they assign volatile
 * sig_atomic_t flags. The SIGALRM handler blocks SIGINT and SIGTERM while it
 * runs (sa_mask), and guard_check() blocks all three while it decides, so a
 * signal is never lost when a timer tick is cleared.
 */
#define _GNU_SOURCE
#include "tools/guard.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

volatile sig_atomic_t guard_stop;
static volatile sig_atomic_t guard_signal; /* SIGINT or SIGTERM received */
static volatile sig_atomic_t guard_tick;   /* the limit timer fired */

static double guard_wall_limit;	 /* s, 0: none */
static uint64_t guard_mem_limit; /* bytes, 0: none */
static double guard_t0;		 /* s: CLOCK_MONOTONIC at guard_install() */

static void on_signal(int sig)
{
	guard_signal = sig;
	guard_stop = 1;
}

static void on_tick(int sig)
{
	(void)sig;
	guard_tick = 1;
	guard_stop = 1;
}

static double mono_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int install(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGINT);
	sigaddset(&sa.sa_mask, SIGTERM);
	sigaddset(&sa.sa_mask, SIGALRM);
	return sigaction(sig, &sa, NULL);
}

int guard_install(double max_wall_s, uint64_t max_mem_bytes)
{
	struct itimerval it = { { 0, GUARD_TICK_MS * 1000 }, { 0, GUARD_TICK_MS * 1000 } };

	guard_wall_limit = max_wall_s;
	guard_mem_limit = max_mem_bytes;
	guard_t0 = mono_sec();
	if (install(SIGINT, on_signal, SA_RESETHAND | SA_RESTART) ||
	    install(SIGTERM, on_signal, SA_RESETHAND | SA_RESTART))
		return -1;
	if (!max_wall_s && !max_mem_bytes)
		return 0;
	if (install(SIGALRM, on_tick, SA_RESTART) || setitimer(ITIMER_REAL, &it, NULL))
		return -1;
	return 0;
}

void guard_disarm(void)
{
	struct itimerval off = { { 0, 0 }, { 0, 0 } };

	setitimer(ITIMER_REAL, &off, NULL);
}

uint64_t guard_rss(void)
{
	char buf[128];
	unsigned long long size, rss;
	int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	if (sscanf(buf, "%llu %llu", &size, &rss) != 2)
		return 0;
	return (uint64_t)rss * (uint64_t)sysconf(_SC_PAGESIZE);
}

const char *guard_check(void)
{
	sigset_t all, old;
	const char *why = NULL;

	sigemptyset(&all);
	sigaddset(&all, SIGINT);
	sigaddset(&all, SIGTERM);
	sigaddset(&all, SIGALRM);
	sigprocmask(SIG_BLOCK, &all, &old);
	if (guard_signal)
		why = guard_signal == SIGINT ? "SIGINT" : "SIGTERM";
	else if (guard_wall_limit && mono_sec() - guard_t0 >= guard_wall_limit)
		why = "max-wall";
	else if (guard_mem_limit && guard_rss() > guard_mem_limit)
		why = "max-memory";
	if (!why) { /* a tick within the limits: go on */
		guard_tick = 0;
		guard_stop = 0;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return why;
}
