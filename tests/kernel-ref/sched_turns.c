/*
 * tests/kernel-ref/sched_turns.c - how long two CPU-bound processes on one CPU
 * run before the scheduler switches to the other (the model's turns:
 * tests/test_cpu.c test_eevdf_turns, test_eevdf_kernel_turns).
 *
 * Usage: sched_turns CPU SECONDS. Two children pinned to CPU spin on
 * clock_gettime(CLOCK_MONOTONIC); a gap of more than 20 us between two reads
 * means the child was switched out, and the time since the previous gap is one
 * turn. Prints "turns N", "p50_us X", "p90_us X", "max_us X" over both
 * children's turns. No root, no namespaces; other load on CPU shortens turns
 * (the other task takes part of them), so the undisturbed turn is the p90.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define MAX_TURNS 20000
#define GAP_NS	  20000

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* One child: spin for @secs on @cpu, recording turn lengths (ns) into @turns. */
static int spin(int cpu, double secs, long long *turns)
{
	long long start = now_ns(), end = start + (long long)(secs * 1e9);
	long long last = start, seg = start;
	cpu_set_t s;
	int n = 0;

	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	if (sched_setaffinity(0, sizeof(s), &s))
		return -1;
	for (;;) {
		long long t = now_ns();

		if (t - last > GAP_NS) {
			if (n < MAX_TURNS)
				turns[n++] = last - seg;
			seg = t;
		}
		last = t;
		if (t > end)
			break;
	}
	return n;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	int cpu = argc > 1 ? atoi(argv[1]) : 1;
	double secs = argc > 2 ? atof(argv[2]) : 1.0;
	size_t sz = sizeof(long long) * (2 * MAX_TURNS + 2);
	long long *shm = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	long long all[2 * MAX_TURNS];
	int n = 0;

	if (shm == MAP_FAILED)
		return 1;
	memset(shm, 0, sz);
	for (int k = 0; k < 2; k++)
		if (fork() == 0) {
			shm[k] = spin(cpu, secs, shm + 2 + k * MAX_TURNS);
			_exit(shm[k] < 0);
		}
	while (wait(NULL) > 0)
		;
	/* the first turn of each child started with the child, not at a switch */
	for (int k = 0; k < 2; k++)
		for (long long i = 1; i < shm[k]; i++)
			all[n++] = shm[2 + k * MAX_TURNS + i];
	if (!n)
		return 1;
	qsort(all, (size_t)n, sizeof(all[0]), cmp_ll);
	printf("turns %d\np50_us %.1f\np90_us %.1f\nmax_us %.1f\n", n, all[n / 2] / 1e3,
	       all[n * 9 / 10] / 1e3, all[n - 1] / 1e3);
	return 0;
}
