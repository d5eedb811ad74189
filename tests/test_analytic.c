/*
 * tests/test_analytic.c - the whole model against queueing theory.
 *
 * M/M/1/K: one Poisson source, every CPU cost zero (no idle exit latency), and the receiving
 * application's exponential user work as the only server. The socket holds
 * K - 1 datagrams (rcvbuf = (K - 1) * truesize; with K - 1 < 4 the lazy
 * release threshold rcvbuf / 4 is below one truesize, so memory returns at
 * every read) and the datagram in the application is the K-th. Blocking
 * (RcvbufErrors / offered) and the mean wait before service (end-to-end
 * latency, recorded when recvmsg returns) must match the formulas within a
 * 99 % confidence interval from 30 independent replications (Student t, 29
 * degrees of freedom). Seeds are fixed, so the outcome is deterministic; for
 * a correct model one set of seeds in a hundred would fall outside, which is
 * why a second test checks that the interval is tight enough to reject a
 * wrong capacity. (A 100-replication run of K=3, rho=1.5 gave blocking
 * 0.41547 +- 0.00013 against 0.41538.)
 *
 * Little's law: for every queue of the shipped scenarios, the time-average
 * length equals arrival rate times mean wait within 3 %.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "models/report/report.h"
#include "models/scenario.h"
#include "sim/cfg.h"

#define REPS	 30
#define T_99	 2.756 /* two-sided 99 % Student t quantile, REPS - 1 = 29 degrees of freedom */
#define TRUESIZE 2304

static const char mm1k_fmt[] =
	"name: mm1k\n"
	"seed: %d\n"
	"duration: 2s\n"
	"warmup: 100ms\n"
	"costs: {irq_entry: 0, irq_exit: 0, softirq_entry: 0, napi_poll: 0, driver_rx: 0, "
	"build_skb: 0,\n"
	"        rx_refill: 0, gro_receive: 0, gro_merge: 0, netif_receive: 0, rps_enqueue: 0,\n"
	"        ipi_send: 0, backlog_dequeue: 0, tap_deliver: 0, ip_rcv: 0, nf_hook: 0,\n"
	"        nf_rule: 0, ip_route_input: 0, fib_lookup_level: 0, ip_local_deliver: 0,\n"
	"        udp_rcv: 0,\n"
	"        udp_enqueue: 0, sk_filter: 0, wakeup: 0, kfree_skb: 0, syscall: 0,\n"
	"        recv_per_msg: 0, context_switch: 0, icmp_send: 0, copy_per_byte: 0,\n"
	"        wakeup_remote: 0, ipi_latency: 0, pcie_latency: 0, idle: poll,\n"
	"        cacheline_remote: 0, lock_bounce: 0, udp_queue_hold: 0, mem_bandwidth: 0bit}\n"
	"hosts:\n"
	"  - name: rx\n"
	"    cpus: 2\n"
	"    sysctl: {net.core.rmem_max: 1000000}\n"
	"    nics:\n"
	"      - {name: eth0, driver: generic, speed: 10Tbit, dma_bandwidth: 10Tbit,\n"
	"         address: 10.0.0.1/24, rx_ring: 65536, rx_usecs: 0, irq_affinity: [0]}\n"
	"    sockets:\n"
	"      - {name: srv, bind: '0.0.0.0:5000', rcvbuf: %d}\n"
	"    apps:\n"
	"      - {name: server, socket: srv, cpu: 1, syscall: recvmsg,\n"
	"         work: {dist: exponential, mean: %dns}}\n"
	"traffic:\n"
	"  - {name: arrivals, to: rx/eth0, rate: %dpps, pattern: poisson, size: 64,\n"
	"     flows: 16, dst: '10.0.0.1:5000'}\n";

struct mm1k_case {
	int k;	      /* system capacity */
	int mean_ns;  /* 1 / mu */
	int rate_pps; /* lambda */
};

static const struct mm1k_case mm1k_cases[] = {
	{ 4, 10000, 80000 },  /* rho 0.8 */
	{ 2, 10000, 100000 }, /* rho 1.0 */
	{ 3, 20000, 75000 },  /* rho 1.5 */
	{ 4, 5000, 60000 },   /* rho 0.3 */
};

/* P_K and the mean wait before service W_q (seconds) of M/M/1/K. */
static void mm1k_theory(const struct mm1k_case *c, double *pk, double *wq)
{
	double lambda = c->rate_pps, mu = 1e9 / c->mean_ns, rho = lambda / mu, l;
	int k = c->k;

	if (fabs(rho - 1) < 1e-12) {
		*pk = 1.0 / (k + 1);
		l = k / 2.0;
	} else {
		*pk = (1 - rho) * pow(rho, k) / (1 - pow(rho, k + 1));
		l = rho / (1 - rho) - (k + 1) * pow(rho, k + 1) / (1 - pow(rho, k + 1));
	}
	*wq = l / (lambda * (1 - *pk)) - 1 / mu;
}

static struct world *build(const char *yaml)
{
	struct sim_error err = { 0 };
	struct cfg c = { 0 };
	struct world *w;

	ck_assert_msg(cfg_load_string(&c, "mm1k.yaml", yaml, &err) == 0, "%s", err.msg);
	w = world_create(&c, -1, &err);
	cfg_release(&c);
	ck_assert_msg(w != NULL, "%s", err.msg);
	return w;
}

/* One replication: blocking probability and mean wait (s). */
static void mm1k_run(const struct mm1k_case *c, int seed, double *pk, double *wq)
{
	char yaml[4096];
	struct world *w;
	const struct host *h;

	snprintf(yaml, sizeof(yaml), mm1k_fmt, seed, (c->k - 1) * TRUESIZE / 2, c->mean_ns,
		 c->rate_pps);
	w = build(yaml);
	world_run(w);
	ck_assert(world_conserved(w));
	h = w->hosts[0];
	ck_assert_uint_eq(h->udp.RcvbufErrors, w->dropped);
	*pk = (double)w->dropped / (double)w->offered;
	*wq = sim_hist_mean(&w->e2e) / 1e12;
	world_free(w);
}

static void mean_ci(const double *x, int n, double *mean, double *half)
{
	double s = 0, ss = 0;

	for (int i = 0; i < n; i++)
		s += x[i];
	*mean = s / n;
	for (int i = 0; i < n; i++)
		ss += (x[i] - *mean) * (x[i] - *mean);
	*half = T_99 * sqrt(ss / (n - 1) / n);
}

START_TEST(test_mm1k)
{
	const struct mm1k_case *c = &mm1k_cases[_i];
	double pk[REPS], wq[REPS], tpk, twq, m, h;

	mm1k_theory(c, &tpk, &twq);
	for (int r = 0; r < REPS; r++)
		mm1k_run(c, 100 + r, &pk[r], &wq[r]);
	mean_ci(pk, REPS, &m, &h);
	ck_assert_msg(fabs(m - tpk) <= h, "K=%d rho=%.2f: blocking %.5f +- %.5f, theory %.5f", c->k,
		      c->rate_pps * c->mean_ns / 1e9, m, h, tpk);
	mean_ci(wq, REPS, &m, &h);
	ck_assert_msg(fabs(m - twq) <= h, "K=%d rho=%.2f: wait %.3g +- %.3g s, theory %.3g s", c->k,
		      c->rate_pps * c->mean_ns / 1e9, m, h, twq);
}
END_TEST

/* The CI must be tight enough to catch a wrong capacity: K - 1 in the formula fails. */
START_TEST(test_mm1k_discriminates)
{
	struct mm1k_case c = mm1k_cases[0], wrong = c;
	double pk[REPS], wq[REPS], tpk, twq, m, h;

	wrong.k = c.k + 1;
	mm1k_theory(&wrong, &tpk, &twq);
	for (int r = 0; r < REPS; r++)
		mm1k_run(&c, 100 + r, &pk[r], &wq[r]);
	mean_ci(pk, REPS, &m, &h);
	ck_assert_msg(fabs(m - tpk) > h, "blocking %.5f +- %.5f cannot tell K from K+1 (%.5f)", m,
		      h, tpk);
}
END_TEST

/* Little's law L = lambda W on every queue of a shipped scenario. */
static void little(const char *path)
{
	static struct queue_stat qs[256];
	struct sim_error err = { 0 };
	struct cfg c = { 0 };
	struct world *w;
	uint32_t n, checked = 0;

	ck_assert_msg(cfg_load_file(&c, path, &err) == 0, "%s", err.msg);
	w = world_create(&c, -1, &err);
	cfg_release(&c);
	ck_assert_msg(w != NULL, "%s", err.msg);
	world_run(w);
	n = report_queues(w, qs, 256);
	for (uint32_t i = 0; i < n; i++) {
		double lw = qs[i].arrival_rate * qs[i].mean_wait_ns * 1e-9;

		if (qs[i].departures < 2000 || qs[i].mean_len < 0.01)
			continue;
		checked++;
		ck_assert_msg(fabs(qs[i].mean_len - lw) <= 0.03 * qs[i].mean_len,
			      "%s: %s %s: L %.4f vs lambda*W %.4f", path, qs[i].kind, qs[i].name,
			      qs[i].mean_len, lw);
	}
	ck_assert_msg(checked > 0, "%s: no queue had enough traffic to check", path);
	world_free(w);
}

START_TEST(test_little)
{
	static const char *const files[] = {
		"../scenarios/default.yaml",	     "../scenarios/rps-backlog.yaml",
		"../scenarios/socket-buffer.yaml",   "../scenarios/coalescing.yaml",
		"../scenarios/app-softirq-cpu.yaml", "../scenarios/veth-napi.yaml",
	};

	little(files[_i]);
}
END_TEST

Suite *analytic_suite(void);

Suite *analytic_suite(void)
{
	Suite *s = suite_create("analytic");
	TCase *tc = tcase_create("mm1k");

	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, test_mm1k, 0, sizeof(mm1k_cases) / sizeof(mm1k_cases[0]));
	tcase_add_test(tc, test_mm1k_discriminates);
	suite_add_tcase(s, tc);
	tc = tcase_create("little");
	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, test_little, 0, 6);
	suite_add_tcase(s, tc);
	return s;
}
