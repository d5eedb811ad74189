/*
 * tools/kbench.c - UDP microbenchmarks of the real kernel for `skbsim calibrate`.
 *
 *   kbench send ADDR PORT [--size S] [--batch B] [--seconds T] [--count N]
 *                         [--cpu C] [--gap-us G] [--spin-us G] [--sndbuf BYTES]
 *   kbench recv PORT [--batch B] [--seconds T] [--cpu C] [--rcvbuf BYTES]
 *                    [--drain] [--count N]
 *
 * send: a UDP socket sends datagrams of S bytes to ADDR:PORT with sendmmsg()
 * (B per call; B = 1 uses sendto()) for T seconds or N datagrams. With
 * --gap-us it sleeps G microseconds (nanosleep, plus the timer slack) after
 * every call: a paced sender whose CPU time includes its own sleeps and
 * wake-ups, as a paced sender in skbsim does. With --spin-us it busy-waits G
 * microseconds instead (CLOCK_MONOTONIC): a paced sender whose CPU never
 * sleeps, so the spacing of its datagrams is G plus the send itself.
 * recv: binds 0.0.0.0:PORT and reads with recvmmsg() (B per call,
 * MSG_WAITFORONE; B = 1 uses recvmsg()), blocking, until T seconds have passed
 * since the first datagram, N datagrams were read or nothing came for 0.2 s
 * (the sender stopped; that last wait is not counted in cpu_ns). --drain: print "ready",
 * wait for a line on stdin (the caller fills the socket meanwhile), then read
 * with MSG_DONTWAIT until the queue is empty: the CPU time of reading alone.
 *
 * Each prints one line of key=value pairs: packets, bytes, calls, errors,
 * cpu_ns (CLOCK_THREAD_CPUTIME_ID over the measured part: with tick-based
 * accounting this includes softirq work done in the thread's context),
 * wall_ns, nvcsw and nivcsw (getrusage). Linux only; the caller enters the
 * network namespace (ip netns exec).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MAX_BATCH 1024
#define MAX_SIZE  65507

struct bench_opts {
	const char *mode; /* "send" or "recv" */
	const char *addr; /* send: destination IPv4 address */
	int port;	  /* destination (send) or bound (recv) UDP port */
	int size;	  /* send: payload bytes per datagram */
	int batch;	  /* datagrams per sendmmsg/recvmmsg call */
	double seconds;	  /* run length, s */
	uint64_t count;	  /* datagrams to send or read; 0 = by time */
	int cpu;	  /* CPU to pin to, -1 = none */
	double gap_us;	  /* send: nanosleep between calls, us; 0 = none */
	double spin_us;	  /* send: busy-wait between calls, us; 0 = none */
	int bufsize;	  /* SO_SNDBUFFORCE / SO_RCVBUFFORCE bytes, 0 = default */
	int drain;	  /* recv: fill-then-drain mode */
};

struct bench_result {
	uint64_t packets; /* datagrams sent or read */
	uint64_t bytes;	  /* payload bytes */
	uint64_t calls;	  /* system calls made */
	uint64_t errors;  /* calls that failed */
	uint64_t cpu_ns;  /* thread CPU time in the measured part, ns */
	uint64_t wall_ns; /* wall time of the measured part, ns */
};

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "kbench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void usage(void)
{
	fprintf(stderr, "usage: kbench send ADDR PORT [--size S] [--batch B] [--seconds T] "
			"[--count N] [--cpu C] [--gap-us G] [--spin-us G] [--sndbuf BYTES]\n"
			"       kbench recv PORT [--batch B] [--seconds T] [--count N] [--cpu C] "
			"[--rcvbuf BYTES] [--drain]\n");
	exit(2);
}

static int parse_opts(int argc, char **argv, struct bench_opts *o)
{
	int i, pos = 0;

	*o = (struct bench_opts){ .size = 64, .batch = 32, .seconds = 1.0, .cpu = -1 };
	if (argc < 2)
		usage();
	o->mode = argv[1];
	for (i = 2; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--drain")) {
			o->drain = 1;
			continue;
		}
		if (a[0] == '-' && a[1] == '-') {
			if (!v)
				usage();
			i++;
			if (!strcmp(a, "--size"))
				o->size = atoi(v);
			else if (!strcmp(a, "--batch"))
				o->batch = atoi(v);
			else if (!strcmp(a, "--seconds"))
				o->seconds = atof(v);
			else if (!strcmp(a, "--count"))
				o->count = strtoull(v, NULL, 10);
			else if (!strcmp(a, "--cpu"))
				o->cpu = atoi(v);
			else if (!strcmp(a, "--gap-us"))
				o->gap_us = atof(v);
			else if (!strcmp(a, "--spin-us"))
				o->spin_us = atof(v);
			else if (!strcmp(a, "--sndbuf") || !strcmp(a, "--rcvbuf"))
				o->bufsize = atoi(v);
			else
				usage();
			continue;
		}
		if (!strcmp(o->mode, "send") && pos == 0)
			o->addr = a;
		else if ((!strcmp(o->mode, "send") && pos == 1) ||
			 (!strcmp(o->mode, "recv") && pos == 0))
			o->port = atoi(a);
		else
			usage();
		pos++;
	}
	if (o->batch < 1 || o->batch > MAX_BATCH || o->size < 0 || o->size > MAX_SIZE ||
	    o->port < 1 || o->port > 65535 || (!strcmp(o->mode, "send") && !o->addr))
		usage();
	return 0;
}

static void pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity");
}

static void sleep_us(double us)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = (long)(us * 1000.0) };

	nanosleep(&ts, NULL);
}

static void spin_us(double us)
{
	uint64_t end = clock_ns(CLOCK_MONOTONIC) + (uint64_t)(us * 1000.0);

	while (clock_ns(CLOCK_MONOTONIC) < end)
		;
}

static int run_send(const struct bench_opts *o, struct bench_result *r)
{
	static char buf[MAX_SIZE];
	static struct mmsghdr msgs[MAX_BATCH];
	static struct iovec iov[MAX_BATCH];
	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons((uint16_t)o->port) };
	uint64_t t0, c0, end;
	int fd, i;

	if (inet_pton(AF_INET, o->addr, &dst.sin_addr) != 1)
		usage();
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		die("socket");
	if (o->bufsize && setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &o->bufsize, sizeof(int)))
		die("SO_SNDBUFFORCE");
	if (connect(fd, (struct sockaddr *)&dst, sizeof(dst)))
		die("connect");
	for (i = 0; i < o->batch; i++) {
		iov[i] = (struct iovec){ .iov_base = buf, .iov_len = (size_t)o->size };
		msgs[i].msg_hdr = (struct msghdr){ .msg_iov = &iov[i], .msg_iovlen = 1 };
	}
	t0 = clock_ns(CLOCK_MONOTONIC);
	c0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	end = t0 + (uint64_t)(o->seconds * 1e9);
	while (o->count ? r->packets < o->count : clock_ns(CLOCK_MONOTONIC) < end) {
		uint64_t n = o->batch;
		long k;

		if (o->count && o->count - r->packets < n)
			n = o->count - r->packets;
		if (n == 1)
			k = send(fd, buf, (size_t)o->size, 0) < 0 ? -1 : 1;
		else
			k = sendmmsg(fd, msgs, (unsigned)n, 0);
		r->calls++;
		if (k < 0)
			r->errors++;
		else
			r->packets += (uint64_t)k, r->bytes += (uint64_t)k * (uint64_t)o->size;
		if (o->gap_us > 0)
			sleep_us(o->gap_us);
		if (o->spin_us > 0)
			spin_us(o->spin_us);
	}
	r->cpu_ns = clock_ns(CLOCK_THREAD_CPUTIME_ID) - c0;
	r->wall_ns = clock_ns(CLOCK_MONOTONIC) - t0;
	return 0;
}

static long recv_call(int fd, struct mmsghdr *msgs, int batch, int flags)
{
	if (batch == 1) {
		long n = recvmsg(fd, &msgs[0].msg_hdr, flags);

		if (n >= 0)
			msgs[0].msg_len = (unsigned)n;
		return n < 0 ? -1 : 1;
	}
	return recvmmsg(fd, msgs, (unsigned)batch, flags, NULL);
}

static int run_recv(const struct bench_opts *o, struct bench_result *r)
{
	static char bufs[MAX_BATCH][2048];
	static struct mmsghdr msgs[MAX_BATCH];
	static struct iovec iov[MAX_BATCH];
	struct sockaddr_in me = { .sin_family = AF_INET, .sin_port = htons((uint16_t)o->port) };
	int fd, i, flags = o->drain ? MSG_DONTWAIT : (o->batch > 1 ? MSG_WAITFORONE : 0);
	struct timeval idle_tv = { .tv_sec = 0, .tv_usec = 500000 };
	uint64_t t0 = 0, c0 = 0, end = 0, last = 0;
	int idle = 0;
	char line[16];

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		die("socket");
	if (o->bufsize && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &o->bufsize, sizeof(int)))
		die("SO_RCVBUFFORCE");
	if (bind(fd, (struct sockaddr *)&me, sizeof(me)))
		die("bind");
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &idle_tv, sizeof(idle_tv)))
		die("SO_RCVTIMEO");
	for (i = 0; i < o->batch; i++) {
		iov[i] = (struct iovec){ .iov_base = bufs[i], .iov_len = sizeof(bufs[i]) };
		msgs[i].msg_hdr = (struct msghdr){ .msg_iov = &iov[i], .msg_iovlen = 1 };
	}
	if (o->drain) {
		printf("ready\n");
		fflush(stdout);
		if (!fgets(line, sizeof(line), stdin))
			die("stdin");
		t0 = clock_ns(CLOCK_MONOTONIC);
		c0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	}
	for (;;) {
		long k = recv_call(fd, msgs, o->batch, flags);

		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (o->drain || t0 || ++idle > 20)
				break; /* drained, or the sender stopped 0.2 s ago */
			continue;
		}
		r->calls++;
		if (k < 0) {
			r->errors++;
			continue;
		}
		if (!t0) { /* the clock starts with the first datagram */
			t0 = clock_ns(CLOCK_MONOTONIC);
			c0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
			end = t0 + (uint64_t)(o->seconds * 1e9);
			k--;
			r->calls--;
		}
		for (i = 0; i < k; i++)
			r->bytes += msgs[i].msg_len;
		r->packets += (uint64_t)k;
		last = clock_ns(CLOCK_MONOTONIC);
		if (o->count && r->packets >= o->count)
			break;
		if (!o->drain && clock_ns(CLOCK_MONOTONIC) >= end)
			break;
	}
	r->cpu_ns = clock_ns(CLOCK_THREAD_CPUTIME_ID) - c0;
	/* up to the last datagram: the final idle wait is not part of the measurement */
	r->wall_ns = (o->drain ? clock_ns(CLOCK_MONOTONIC) : last) - t0;
	return 0;
}

int main(int argc, char **argv)
{
	struct bench_opts o;
	struct bench_result r = { 0 };
	struct rusage ru0, ru1;

	parse_opts(argc, argv, &o);
	pin(o.cpu);
	getrusage(RUSAGE_SELF, &ru0);
	if (!strcmp(o.mode, "send"))
		run_send(&o, &r);
	else if (!strcmp(o.mode, "recv"))
		run_recv(&o, &r);
	else
		usage();
	getrusage(RUSAGE_SELF, &ru1);
	printf("packets=%llu bytes=%llu calls=%llu errors=%llu cpu_ns=%llu wall_ns=%llu "
	       "nvcsw=%ld nivcsw=%ld\n",
	       (unsigned long long)r.packets, (unsigned long long)r.bytes,
	       (unsigned long long)r.calls, (unsigned long long)r.errors,
	       (unsigned long long)r.cpu_ns, (unsigned long long)r.wall_ns,
	       ru1.ru_nvcsw - ru0.ru_nvcsw, ru1.ru_nivcsw - ru0.ru_nivcsw);
	return 0;
}
