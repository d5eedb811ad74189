/*
 * tests/test_napi.c - threaded NAPI (models/core/dev.c napi_set_threaded,
 * the napi kthread; `threaded:` on veth and NIC devices).
 *
 * The kthread's behaviour is checked against hand-counted references (one
 * wake-up, one loop and one voluntary switch per packet of a paced sender,
 * its time in %sys and none in %soft) and against the real kernel
 * (tests/kernel-ref/napi_threaded.csv, measured on 6.18 by
 * measure_napi_threaded.py): where the poll runs and how its time is
 * accounted, and the kthread's voluntary context switches within a factor
 * of two of the measured runs.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/core/dev.h"
#include "models/core/netdevice.h"
#include "models/scenario.h"
#include "models/drivers/hw_nic.h"
#include "models/drivers/veth.h"
#include "models/ipv4/sock.h"
#include "tests/test_world.h"

/*
 * The kernel-ref setup: A sends COUNT 64-byte datagrams with sendmmsg (64
 * per call) from CPU 0 through a0 (TSO off) to b0 (GRO on: NAPI mode),
 * threaded or not, its kthread on CPU 1; B's socket is not read.
 * Arguments: the sender's extra send keys, b0's extra keys.
 */
static const char ref_fmt[] =
	"name: napi-threaded\n"
	"duration: %s\n"
	"profile: epyc-vm-6.18\n"
	"hosts:\n"
	"  - name: A\n"
	"    cpus: 2\n"
	"    nics:\n"
	"      - {name: a0, driver: veth, peer: B/b0, address: 10.79.0.1/24,\n"
	"         tso: false}\n"
	"    neigh:\n"
	"      - {ip: 10.79.0.2, dev: a0}\n"
	"    sockets:\n"
	"      - {name: cli}\n"
	"    apps:\n"
	"      - {name: tx, socket: cli, cpu: 0, %s\n"
	"         send: {to: '10.79.0.2:5000', size: 64, %s}}\n"
	"  - name: B\n"
	"    machine: A\n"
	"    nics:\n"
	"      - {name: b0, driver: veth, peer: A/a0, address: 10.79.0.2/24,\n"
	"         gro: true%s}\n"
	"    sockets:\n"
	"      - {name: srv, bind: '10.79.0.2:5000', rcvbuf: 64MiB}\n";

static struct world *run_pair(const char *duration, const char *app, const char *send,
			      const char *b0)
{
	static char yaml[4096];

	snprintf(yaml, sizeof(yaml), ref_fmt, duration, app, send, b0);
	return test_world_run("napi-threaded.yaml", yaml);
}

static const struct napi_thread *b0_thread(struct world *w)
{
	struct net_device *b0 = netdev_find(w, "B/b0");

	ck_assert_ptr_nonnull(b0);
	ck_assert_ptr_nonnull(veth_priv(b0)->rq);
	return veth_priv(b0)->rq[0].napi.thread;
}

/* ---- hand-counted: a paced sender, one packet per wake-up ---- */

struct paced_case {
	const char *b0;	    /* b0's extra keys */
	bool threaded;	    /* a kthread exists */
	uint32_t cpu;	    /* its CPU */
	uint64_t wakeups;   /* ____napi_schedule wake-ups: one per packet (it sleeps between) */
	uint64_t loops;	    /* napi_threaded_poll_loop iterations: one poll per packet */
	uint64_t nvcsw;	    /* voluntary switches: one napi_thread_wait sleep per packet */
	bool cpu1_sys_busy; /* CPU 1 has %sys time (the kthread) */
};

/*
 * 20 datagrams 100 us apart (far more than a poll takes): each wakes the
 * sleeping kthread once, which polls once (1 packet < weight 64, the NAPI
 * completes) and sleeps again. Unthreaded, nothing runs on CPU 1.
 */
static const struct paced_case paced_cases[] = {
	{ "", false, 0, 0, 0, 0, false },
	{ ", threaded: true, threaded_cpu: 1", true, 1, 20, 20, 20, true },
	{ ", threaded: true", true, 0, 20, 20, 20, false },
};

START_TEST(test_paced_threaded)
{
	const struct paced_case *pc = &paced_cases[_i];
	struct world *w = run_pair("5ms", "", "count: 20, rate: 10kpps", pc->b0);
	const struct napi_thread *nt = b0_thread(w);
	struct host *a = test_world_host(w, "A");

	ck_assert_int_eq(nt != NULL, pc->threaded);
	ck_assert_uint_eq(a->cpus[0].acct[ACCT_KSOFTIRQD] + a->cpus[1].acct[ACCT_SOFTIRQ], 0);
	if (nt) {
		ck_assert_uint_eq(nt->thread.cpu->id, pc->cpu);
		ck_assert_str_eq(nt->thread.name, "napi/b0-8193");
		ck_assert_uint_eq(nt->wakeups, pc->wakeups);
		ck_assert_uint_eq(nt->loops, pc->loops);
		ck_assert_uint_eq(nt->thread.nvcsw, pc->nvcsw);
		ck_assert_uint_eq(nt->napi->polls, pc->loops);
		/* its work is %sys of its CPU, never %soft: BH disabled is not serving softirq */
		ck_assert(nt->busy_ps > 0);
		ck_assert(nt->thread.cpu->acct[ACCT_SYS] >= nt->busy_ps);
	} else {
		/* the poll ran as NET_RX softirq on the sender's CPU */
		ck_assert(a->cpus[0].acct[ACCT_SOFTIRQ] > 0);
	}
	ck_assert_int_eq(a->cpus[1].acct[ACCT_SYS] > 0, pc->cpu1_sys_busy);
	/* nobody reads: all 20 wait in the socket (InDatagrams counts at recvmsg) */
	ck_assert_uint_eq((uint64_t)test_world_host(w, "B")->socks[0]->qlen.cur, 20);
	world_free(w);
}
END_TEST

/* ---- the real kernel (napi_threaded.csv) ---- */

struct kref {
	uint64_t min, max; /* over the runs */
	int n;		   /* runs seen */
};

static void kref_add(struct kref *r, uint64_t v)
{
	if (!r->n || v < r->min)
		r->min = v;
	if (!r->n || v > r->max)
		r->max = v;
	r->n++;
}

/* min and max over the runs of counter @k of case @c. */
static struct kref kref_get(const char *c, const char *k)
{
	FILE *f = test_ref_open("kernel-ref/napi_threaded.csv");
	struct kref r = { 0, 0, 0 };
	struct ref_row row;

	while (test_ref_next(f, true, &row))
		if (!strcmp(row.c, c) && !strcmp(row.k, k))
			kref_add(&r, strtoull(row.val, NULL, 10));
	fclose(f);
	ck_assert_msg(r.n > 0, "no %s/%s in napi_threaded.csv", c, k);
	return r;
}

/*
 * Unthreaded, the kernel polls the veth in softirq on the sender's CPU
 * (cpu0_softirq > 0, cpu1_softirq 0) and drops nothing; threaded, no CPU
 * has softirq time and the kthread's time is system time. The kthread's
 * voluntary switches (one per sleep in napi_thread_wait) must be within a
 * factor of two of the measured range (1046-2118 for 50000 datagrams): the
 * VM's wake-up latency sets how many datagrams each poll finds.
 */
START_TEST(test_kernel_ref_threaded)
{
	struct world *w0 = run_pair("400ms", "batch: 64,", "count: 50000, syscall: sendmmsg", "");
	struct world *w1 = run_pair("400ms", "batch: 64,", "count: 50000, syscall: sendmmsg",
				    ", threaded: true, threaded_cpu: 1");
	struct host *a0 = test_world_host(w0, "A"), *a1 = test_world_host(w1, "A");
	const struct napi_thread *nt = b0_thread(w1);
	struct kref k;

	/* threaded0 */
	k = kref_get("threaded0", "tx_dropped");
	ck_assert_uint_eq(netdev_find(w0, "A/a0")->tx_dropped, k.max);
	ck_assert(kref_get("threaded0", "cpu0_softirq").min > 0);
	ck_assert(a0->cpus[0].acct[ACCT_SOFTIRQ] > 0);
	ck_assert_uint_eq(kref_get("threaded0", "cpu1_softirq").max, 0);
	ck_assert_uint_eq(a0->cpus[1].acct[ACCT_SOFTIRQ], 0);
	ck_assert_ptr_null(b0_thread(w0));
	/* threaded1 */
	ck_assert_uint_eq(kref_get("threaded1", "cpu0_softirq").max, 0);
	ck_assert_uint_eq(kref_get("threaded1", "cpu1_softirq").max, 0);
	ck_assert_uint_eq(a1->cpus[0].acct[ACCT_SOFTIRQ] + a1->cpus[1].acct[ACCT_SOFTIRQ], 0);
	ck_assert(kref_get("threaded1", "kthread_stime").min > 0);
	ck_assert_ptr_nonnull(nt);
	ck_assert(nt->busy_ps > 0 && a1->cpus[1].acct[ACCT_SYS] >= nt->busy_ps);
	k = kref_get("threaded1", "kthread_nvcsw");
	ck_assert_msg(nt->thread.nvcsw * 2 >= k.min && nt->thread.nvcsw <= 2 * k.max,
		      "kthread nvcsw %llu, kernel %llu-%llu", (unsigned long long)nt->thread.nvcsw,
		      (unsigned long long)k.min, (unsigned long long)k.max);
	world_free(w0);
	world_free(w1);
}
END_TEST

/* ---- a NIC: the kthread on the queue's interrupt CPU ---- */

static const char nic_yaml[] = "name: nic-threaded\n"
			       "duration: 5ms\n"
			       "hosts:\n"
			       "  - name: rx\n"
			       "    cpus: 2\n"
			       "    nics:\n"
			       "      - {name: eth0, driver: ixgbe, address: 10.0.0.1/24,\n"
			       "         irq_affinity: [1], threaded: true, rx_usecs: 0}\n"
			       "    sockets:\n"
			       "      - {name: srv, bind: 0.0.0.0:5000}\n"
			       "traffic:\n"
			       "  - {name: t, to: rx/eth0, dst: 10.0.0.1:5000, rate: 10kpps,\n"
			       "     pattern: constant}\n";

/*
 * Packets arrive 100 us apart, far more than a poll takes: every interrupt
 * wakes the sleeping kthread once, on the vector's CPU 1, which polls once
 * and sleeps again; that CPU's softirq never runs NET_RX for it.
 */
START_TEST(test_nic_threaded)
{
	struct world *w = test_world_run("nic-threaded.yaml", nic_yaml);
	struct host *h = test_world_host(w, "rx");
	const struct softnet_data *sd = h->cpus[1].sd;
	const struct napi_thread *nt;

	ck_assert_uint_eq(sd->nnapi_threads, 1);
	ck_assert_uint_eq(h->cpus[0].sd->nnapi_threads, 0);
	nt = sd->napi_threads[0];
	ck_assert_str_eq(nt->thread.name, "napi/eth0-8193");
	ck_assert_uint_eq(h->cpus[1].acct[ACCT_SOFTIRQ], 0);
	ck_assert_uint_eq((uint64_t)h->socks[0]->qlen.cur, 50);
	ck_assert_uint_eq(nt->wakeups, nic_priv(netdev_find(w, "rx/eth0"))->rxq[0].irqs);
	ck_assert_uint_eq(nt->wakeups, nt->loops);
	ck_assert_uint_eq(nt->wakeups, nt->thread.nvcsw);
	world_free(w);
}
END_TEST

Suite *napi_suite(void);

Suite *napi_suite(void)
{
	Suite *s = suite_create("napi");
	TCase *tc = tcase_create("threaded");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_paced_threaded, 0,
			    (int)(sizeof(paced_cases) / sizeof(paced_cases[0])));
	tcase_add_test(tc, test_kernel_ref_threaded);
	tcase_add_test(tc, test_nic_threaded);
	suite_add_tcase(s, tc);
	return s;
}
