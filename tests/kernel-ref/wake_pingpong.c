/*
 * tests/kernel-ref/wake_pingpong.c - the cost of waking a thread on another CPU.
 *
 * Two threads pass a byte back and forth through two pipes, ROUNDS times:
 * each blocks in read() until the other writes. Pinned to the same CPU, a
 * round trip is two wake-ups of a thread on the waker's own CPU (syscalls
 * and context switches only); pinned to two CPUs, each wake-up also sends
 * the reschedule IPI and the target leaves its idle state. Half the
 * difference of the two round trips is what a remote wake-up adds: what
 * skbsim calls ipi_latency (plus the idle state's exit latency). Prints
 * "same_cpu_rtt_ns <median>" and "cross_cpu_rtt_ns <median>" over TRIALS.
 *
 *   cc -O2 -pthread -o wake_pingpong wake_pingpong.c && ./wake_pingpong [rounds] [trials]
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static int ab[2], ba[2]; /* pipes: a -> b, b -> a */
static long rounds = 20000;

static void pin(int cpu)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	pthread_setaffinity_np(pthread_self(), sizeof(s), &s);
}

static void *echo(void *arg)
{
	char c;

	pin(*(int *)arg);
	for (long i = 0; i < rounds; i++)
		if (read(ab[0], &c, 1) != 1 || write(ba[1], &c, 1) != 1)
			exit(1);
	return NULL;
}

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

/* One trial: the mean round trip in ns with the echo thread on @other. */
static double trial(int other)
{
	pthread_t t;
	double t0;
	char c = 'x';

	if (pipe(ab) || pipe(ba))
		exit(1);
	pin(0);
	pthread_create(&t, NULL, echo, &other);
	usleep(10000);
	t0 = now_ns();
	for (long i = 0; i < rounds; i++)
		if (write(ab[1], &c, 1) != 1 || read(ba[0], &c, 1) != 1)
			exit(1);
	t0 = (now_ns() - t0) / (double)rounds;
	pthread_join(t, NULL);
	close(ab[0]), close(ab[1]), close(ba[0]), close(ba[1]);
	return t0;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	int trials = argc > 2 ? atoi(argv[2]) : 7;
	double same[64], cross[64];

	if (argc > 1)
		rounds = atol(argv[1]);
	if (trials < 1 || trials > 64)
		return 2;
	for (int i = 0; i < trials; i++) {
		same[i] = trial(0);
		cross[i] = trial(1);
	}
	qsort(same, (size_t)trials, sizeof(double), cmp);
	qsort(cross, (size_t)trials, sizeof(double), cmp);
	printf("same_cpu_rtt_ns %.0f min %.0f max %.0f\n", same[trials / 2], same[0],
	       same[trials - 1]);
	printf("cross_cpu_rtt_ns %.0f min %.0f max %.0f\n", cross[trials / 2], cross[0],
	       cross[trials - 1]);
	return 0;
}
