/*
 * tests/kernel-ref/vm_costs.c - what a VM exit costs on this machine, and the
 * two kernel paths of skbsim's cost table that exit: sending an IPI to a
 * halted CPU (the x2APIC ICR write) and arming a timer to sleep on (the
 * TSC-deadline MSR write).
 *
 * Prints one "name value" line per figure, each the median over TRIALS:
 *   cpuid_ns          a CPUID instruction from user space: always a VM exit
 *                     under KVM, so its round trip is the price of one exit
 *                     (a few hundred ns on bare metal, where it is no exit);
 *   nanosleep_cpu_ns  thread CPU time of nanosleep(0) (syscall, hrtimer
 *                     armed, schedule out and back in): what a paced sender
 *                     pays per sleep;
 *   write_nowake_ns   thread CPU time of a 1-byte pipe write() whose reader
 *                     spins (never sleeps): the syscall and pipe path alone;
 *   write_wake_local_ns   ... whose reader is blocked on the same CPU (a
 *                     local wake-up: no IPI);
 *   write_wake_remote_ns  ... whose reader is blocked on the other CPU,
 *                     idle in a halting state (a remote wake-up: the
 *                     reschedule/call-function IPI is sent).
 * write_wake_remote_ns - write_wake_local_ns is the cost of the IPI on the
 * waker's side (plus the small difference of a remote and a local wake-up),
 * which skbsim's ipi_send stands for. The writer waits GAP_US between writes
 * (spinning) so the reader is asleep again before each one.
 *
 *   cc -O2 -pthread -o vm_costs vm_costs.c && ./vm_costs [n] [trials]
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define GAP_US 300 /* us between writes: the reader is back in read() and its CPU idle */

static long n = 4000;
static int trials = 7;
static int pfd[2];
static volatile int stop_reader;

static void pin(int cpu)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	if (sched_setaffinity(0, sizeof(s), &s)) {
		perror("sched_setaffinity");
		exit(1);
	}
}

static double now_ns(clockid_t c)
{
	struct timespec t;

	clock_gettime(c, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int k)
{
	qsort(v, (size_t)k, sizeof(*v), cmp);
	return v[k / 2];
}

static double cpuid_ns(void)
{
	unsigned a, b, c, d;
	double t0 = now_ns(CLOCK_MONOTONIC);

	for (long i = 0; i < n * 10; i++) {
		__cpuid(0, a, b, c, d);
		__asm__ volatile("" ::"r"(a), "r"(b), "r"(c), "r"(d));
	}
	return (now_ns(CLOCK_MONOTONIC) - t0) / (double)(n * 10);
}

static double nanosleep_cpu_ns(void)
{
	struct timespec z = { 0, 0 };
	double t0 = now_ns(CLOCK_THREAD_CPUTIME_ID);

	for (long i = 0; i < n; i++)
		nanosleep(&z, NULL);
	return (now_ns(CLOCK_THREAD_CPUTIME_ID) - t0) / (double)n;
}

struct reader {
	int cpu;  /* where it runs */
	int spin; /* 1: non-blocking reads in a loop; 0: blocking read() */
};

static void *reader_main(void *arg)
{
	const struct reader *r = arg;
	char c;

	pin(r->cpu);
	if (r->spin)
		fcntl(pfd[0], F_SETFL, O_NONBLOCK);
	while (!stop_reader)
		if (read(pfd[0], &c, 1) < 0 && !r->spin)
			break;
	return NULL;
}

static void spin_us(double us)
{
	double end = now_ns(CLOCK_MONOTONIC) + us * 1000;

	while (now_ns(CLOCK_MONOTONIC) < end)
		;
}

/* Thread CPU of the writer's write() with a reader on @cpu, spinning or blocked. */
static double write_cost(int cpu, int spin)
{
	struct reader r = { cpu, spin };
	pthread_t th;
	double sum = 0;
	char c = 'x';

	if (pipe(pfd)) {
		perror("pipe");
		exit(1);
	}
	stop_reader = 0;
	pthread_create(&th, NULL, reader_main, &r);
	spin_us(20000);
	for (long i = 0; i < n / 4; i++) {
		double t0;

		if (cpu == 0 && !spin)
			usleep(GAP_US); /* same CPU: let the reader run and block again */
		else
			spin_us(GAP_US);
		t0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
		if (write(pfd[1], &c, 1) != 1) {
			perror("write");
			exit(1);
		}
		sum += now_ns(CLOCK_THREAD_CPUTIME_ID) - t0;
	}
	stop_reader = 1;
	if (write(pfd[1], &c, 1) != 1)
		perror("write");
	pthread_join(th, NULL);
	close(pfd[0]);
	close(pfd[1]);
	return sum / (double)(n / 4);
}

int main(int argc, char **argv)
{
	double v[5][64];

	if (argc > 1)
		n = atol(argv[1]);
	if (argc > 2)
		trials = atoi(argv[2]);
	if (trials < 1 || trials > 64 || n < 4) {
		fprintf(stderr, "usage: vm_costs [n >= 4] [trials 1..64]\n");
		return 2;
	}
	pin(0);
	for (int t = 0; t < trials; t++) {
		v[0][t] = cpuid_ns();
		v[1][t] = nanosleep_cpu_ns();
		v[2][t] = write_cost(1, 1);
		v[3][t] = write_cost(0, 0);
		v[4][t] = write_cost(1, 0);
	}
	printf("cpuid_ns %.0f\n", median(v[0], trials));
	printf("nanosleep_cpu_ns %.0f\n", median(v[1], trials));
	printf("write_nowake_ns %.0f\n", median(v[2], trials));
	printf("write_wake_local_ns %.0f\n", median(v[3], trials));
	printf("write_wake_remote_ns %.0f\n", median(v[4], trials));
	return 0;
}
