/*
 * tests/test_xmit.c - transmit-side behaviours: TX taps, XPS, forwarding order.
 */
#include <check.h>
#include <stdio.h>

#include "models/apps/app.h"
#include "models/kernel/cpu.h"
#include "models/drivers/hw_nic.h"
#include "models/scenario.h"
#include "models/sched/sch_generic.h"
#include "models/ipv4/sock.h"
#include "models/ipv4/udp.h"
#include "sim/cfg.h"
#include "tests/test_world.h"

static struct world *run(const char *yaml)
{
	return test_world_run("x.yaml", yaml);
}

#define SENDER_HOST(extra_nic, cpu)                                                                \
	"name: x\n"                                                                                \
	"duration: 5ms\n"                                                                          \
	"hosts:\n"                                                                                 \
	"  - name: a\n"                                                                            \
	"    cpus: 2\n"                                                                            \
	"    nics:\n"                                                                              \
	"      - {name: eth0, address: 10.0.0.1/24, rx_queues: 2" extra_nic "}\n"                  \
	"    neigh:\n"                                                                             \
	"      - {ip: 10.0.0.2, dev: eth0}\n"                                                      \
	"    sockets:\n"                                                                           \
	"      - {name: s}\n"                                                                      \
	"    taps:\n"                                                                              \
	"      - {name: cap, dev: eth0, rcvbuf: 4MiB}\n"                                           \
	"    apps:\n"                                                                              \
	"      - {name: tx, socket: s, cpu: " cpu ", batch: 16,\n"                                 \
	"         send: {to: '10.0.0.2:9', size: 100, syscall: sendmmsg, count: 100}}\n"

/* dev_queue_xmit_nit: a tap on the egress device sees every frame sent. */
START_TEST(test_tx_tap)
{
	struct world *w = run(SENDER_HOST("", "1"));
	struct sock *tap = w->hosts[0]->socks[1];

	ck_assert_uint_eq(pkt_sk(tap)->tp_packets, 100);
	ck_assert_uint_eq(pkt_sk(tap)->tp_drops, 0);
	ck_assert_uint_eq(w->transmitted, 100);
	world_free(w);
}
END_TEST

/* XPS: a sender on CPU 1 uses the queue whose xps_cpus mask holds CPU 1. */
START_TEST(test_xps)
{
	static const char *const cpu[] = { "0", "1" };
	char yaml[2048];
	struct world *w;
	struct net_device *dev;

	snprintf(yaml, sizeof(yaml), SENDER_HOST(", xps_cpus: ['1', '2']", "%s"), cpu[_i]);
	w = run(yaml);
	dev = w->hosts[0]->devs[0];
	ck_assert_uint_eq(nic_priv(dev)->tx[_i].packets, 100);
	ck_assert_uint_eq(nic_priv(dev)->tx[1 - _i].packets, 0);
	world_free(w);
}
END_TEST

/*
 * Four senders on four CPUs, four flows spread over a 4-queue NIC by hash,
 * through a tbf of 100 Mbit/s: `parent: root` is one shaper for the device
 * (tc qdisc replace dev eth0 root tbf ...), `parent: mq` one per TX queue.
 */
static const char shaper_fmt[] =
	"name: shaper\n"
	"duration: 50ms\n"
	"hosts:\n"
	"  - name: a\n"
	"    cpus: 4\n"
	"    nics:\n"
	"      - {name: eth0, address: 10.0.0.1/24, rx_queues: 4,\n"
	"         qdisc: {kind: tbf, rate: 100Mbit, burst: 10KiB, limit: 30KiB, parent: %s}}\n"
	"    neigh:\n"
	"      - {ip: 10.0.0.2, dev: eth0}\n"
	"    sockets:\n"
	"      - {name: s0, bind: '10.0.0.1:1000'}\n"
	"      - {name: s1, bind: '10.0.0.1:1001'}\n"
	"      - {name: s2, bind: '10.0.0.1:1002'}\n"
	"      - {name: s3, bind: '10.0.0.1:1003'}\n"
	"    apps:\n"
	"      - {name: t0, socket: s0, cpu: 0, send: {to: '10.0.0.2:9', size: 958}}\n"
	"      - {name: t1, socket: s1, cpu: 1, send: {to: '10.0.0.2:9', size: 958}}\n"
	"      - {name: t2, socket: s2, cpu: 2, send: {to: '10.0.0.2:9', size: 958}}\n"
	"      - {name: t3, socket: s3, cpu: 3, send: {to: '10.0.0.2:9', size: 958}}\n";

static uint64_t shaped_bytes(const char *parent, uint32_t *queues_used, bool *shared)
{
	char yaml[2048];
	struct world *w;
	struct net_device *dev;
	uint64_t bytes = 0;

	snprintf(yaml, sizeof(yaml), shaper_fmt, parent);
	w = run(yaml);
	dev = w->hosts[0]->devs[0];
	*queues_used = 0;
	*shared = dev->txq[1].qdisc == dev->txq[0].qdisc;
	for (uint32_t i = 0; i < dev->ntxq; i++) {
		*queues_used += nic_priv(dev)->tx[i].packets > 0;
		if (!i || dev->txq[i].qdisc != dev->txq[0].qdisc)
			bytes += dev->txq[i].qdisc->stats.bytes;
	}
	world_free(w);
	return bytes;
}

START_TEST(test_shared_root_shapes_the_device)
{
	/* rate x duration + burst, in bytes; frames of 958 + 42 = 1000 bytes */
	const double budget = 100e6 / 8 * 0.050 + 10 * 1024;
	uint32_t used;
	bool shared;
	uint64_t root = shaped_bytes("root", &used, &shared);

	ck_assert(shared);
	ck_assert_uint_ge(used, 2); /* the flows really use several TX queues */
	ck_assert_msg(root <= budget + 1000 && root >= 0.95 * (budget - 10 * 1024),
		      "root tbf sent %llu bytes, budget %.0f", (unsigned long long)root, budget);
	root = shaped_bytes("mq", &used, &shared);
	ck_assert(!shared);
	ck_assert_msg(root >= 0.95 * used * (budget - 10 * 1024),
		      "per-queue tbf sent %llu bytes over %u queues", (unsigned long long)root,
		      used);
}
END_TEST

/*
 * A shared root sends each skb to its own TX queue: when that queue is
 * stopped (a small ring on a slow link), the skb is requeued and the root
 * waits for that queue, whatever the others' state (head-of-line blocking).
 */
START_TEST(test_shared_root_requeues_on_stopped_queue)
{
	static const char yaml[] =
		"name: hol\n"
		"duration: 20ms\n"
		"hosts:\n"
		"  - name: a\n"
		"    cpus: 2\n"
		"    nics:\n"
		"      - {name: eth0, address: 10.0.0.1/24, rx_queues: 2, speed: 100Mbit,\n"
		"         tx_ring: 64, qdisc: {kind: pfifo, limit: 50, parent: root}}\n"
		"    neigh:\n"
		"      - {ip: 10.0.0.2, dev: eth0}\n"
		"    sockets:\n"
		"      - {name: s0, bind: '10.0.0.1:1000'}\n"
		"      - {name: s1, bind: '10.0.0.1:1001'}\n"
		"    apps:\n"
		"      - {name: t0, socket: s0, cpu: 0, send: {to: '10.0.0.2:9', size: 958}}\n"
		"      - {name: t1, socket: s1, cpu: 1, send: {to: '10.0.0.2:9', size: 958}}\n";
	struct world *w = run(yaml);
	struct net_device *dev = w->hosts[0]->devs[0];
	const struct Qdisc *q = dev->txq[0].qdisc;
	const struct nic_tx_ring *r = nic_priv(dev)->tx;

	ck_assert_ptr_eq(dev->txq[1].qdisc, q);
	ck_assert_uint_gt(r[0].packets, 0);
	ck_assert_uint_gt(r[1].packets, 0);
	ck_assert_uint_gt(q->stats.requeues, 0);
	ck_assert_uint_gt(q->stats.drops, 0);
	/* sch_direct_xmit checks the skb's queue first: the driver never sees a stopped one */
	ck_assert_uint_eq(dev->txq[0].busy + dev->txq[1].busy, 0);
	/* everything the root dequeued is in one of the two rings, or requeued */
	ck_assert_uint_eq(q->stats.packets, r[0].packets + r[1].packets + (r[0].tail - r[0].head) +
						    (r[1].tail - r[1].head) + (q->gso_skb != NULL));
	world_free(w);
}
END_TEST

/*
 * BQL stall detection: with tx-usecs 10 ms a completion comes 10 ms after
 * the frame was posted, beyond stall_thrs 8 ms (2 jiffies at HZ 250); with
 * 50 us nothing stalls. Either way the adaptive limit stays within
 * [limit_min, limit_max].
 */
START_TEST(test_bql_stalls)
{
	static const char fmt[] =
		"name: bql\n"
		"duration: 200ms\n"
		"hosts:\n"
		"  - name: a\n"
		"    cpus: 1\n"
		"    nics:\n"
		"      - {name: eth0, address: 10.0.0.1/24, bql: true, bql_stall_thrs: 8ms,\n"
		"         bql_limit_min: 3000, bql_limit_max: 20000, tx_usecs: %d, tx_frames: 0}\n"
		"    neigh:\n"
		"      - {ip: 10.0.0.2, dev: eth0}\n"
		"    sockets:\n"
		"      - {name: s}\n"
		"    apps:\n"
		"      - {name: t, socket: s, cpu: 0, send: {to: '10.0.0.2:9', size: 100, rate: "
		"50pps}}\n";
	static const int usecs[] = { 10000, 50 };
	char yaml[1024];

	for (int i = 0; i < 2; i++) {
		struct world *w;
		const struct dql *d;

		snprintf(yaml, sizeof(yaml), fmt, usecs[i]);
		w = run(yaml);
		d = &w->hosts[0]->devs[0]->txq[0].dql;
		ck_assert_uint_eq(d->stall_thrs, 2);
		ck_assert_uint_eq(d->min_limit, 3000);
		ck_assert_uint_eq(d->max_limit, 20000);
		ck_assert(d->limit >= 3000 && d->limit <= 20000);
		if (i == 0) {
			ck_assert_uint_ge(d->stall_cnt, 8); /* most of the 10 frames */
			ck_assert_uint_ge(d->stall_max, 2);
		} else {
			ck_assert_uint_eq(d->stall_cnt, 0);
		}
		world_free(w);
	}
}
END_TEST

/* ip_route_input comes before ip_forward: a TTL-1 packet with no route is InNoRoutes. */
START_TEST(test_forward_order)
{
	static const char yaml[] =
		"name: x\n"
		"duration: 5ms\n"
		"hosts:\n"
		"  - name: r\n"
		"    sysctl: {net.ipv4.ip_forward: 1}\n"
		"    nics:\n"
		"      - {name: eth0, address: 10.0.0.1/24}\n"
		"traffic:\n"
		"  - {name: t, to: r/eth0, rate: 10kpps, count: 10, ttl: 1, dst: '10.9.0.1:9'}\n";
	struct world *w = run(yaml);
	struct host *h = w->hosts[0];

	ck_assert_uint_eq(h->ip.InNoRoutes, 10);
	ck_assert_uint_eq(h->ip.InHdrErrors, 0);
	world_free(w);
}
END_TEST

/* inet_autobind: with two ports in the range the third unbound socket gets EAGAIN. */
START_TEST(test_autobind_exhausted)
{
	static const char yaml[] =
		"name: x\n"
		"duration: 5ms\n"
		"hosts:\n"
		"  - name: a\n"
		"    sysctl: {net.ipv4.ip_local_port_range: '40000 40001'}\n"
		"    sockets: [{name: s1}, {name: s2}, {name: s3}]\n"
		"    apps:\n"
		"      - {name: t1, socket: s1, send: {to: '127.0.0.1:9', count: 1}}\n"
		"      - {name: t2, socket: s2, send: {to: '127.0.0.1:9', count: 1}}\n"
		"      - {name: t3, socket: s3, send: {to: '127.0.0.1:9', count: 1}}\n";
	struct world *w = run(yaml);
	struct host *h = w->hosts[0];
	uint64_t eagain = 0, ports = 0;

	for (uint32_t i = 0; i < 3; i++) {
		eagain += h->apps[i]->errors[APP_EAGAIN];
		ports |= 1ull << (h->socks[i]->num - 40000) % 64;
	}
	ck_assert_uint_eq(eagain, 1);
	ck_assert_uint_eq(ports, 3);
	world_free(w);
}
END_TEST

/* A connected sender pays for the route lookup once, an unconnected one per datagram. */
START_TEST(test_connect_caches_route)
{
	static const char *const fmt =
		"name: x\n"
		"duration: 5ms\n"
		"costs: {ip_route_output: 1000000}\n"
		"hosts:\n"
		"  - name: a\n"
		"    sockets: [{name: s}, {name: sink, bind: '127.0.0.1:9', rcvbuf: 1MiB}]\n"
		"    apps:\n"
		"      - {name: t, socket: s, send: {to: '127.0.0.1:9', count: 10, connect: %s}}\n";
	char yaml[1024];
	double sys[2];

	for (int k = 0; k < 2; k++) {
		struct world *w;

		snprintf(yaml, sizeof(yaml), fmt, k ? "true" : "false");
		w = run(yaml);
		sys[k] = (double)w->hosts[0]->cpus[0].acct[ACCT_SYS];
		world_free(w);
	}
	/* 10 lookups against 1, each 1e6 cycles (333 us at 3 GHz) */
	ck_assert_msg(sys[0] - sys[1] > 8.5 * 333e6, "unconnected %g ps, connected %g ps", sys[0],
		      sys[1]);
}
END_TEST

/* ---- sender pacing: constant gaps, bursts, one datagram per call or sendmmsg ---- */

static const char pace_fmt[] = "name: pace\n"
			       "duration: 15500us\n"
			       "hosts:\n"
			       "  - name: a\n"
			       "    cpus: 2\n"
			       "    nics:\n"
			       "      - {name: eth0, address: 10.0.0.1/24}\n"
			       "    neigh:\n"
			       "      - {ip: 10.0.0.2, dev: eth0}\n"
			       "    sockets:\n"
			       "      - {name: s}\n"
			       "    apps:\n"
			       "      - {name: tx, socket: s, cpu: 1, batch: 16,\n"
			       "         send: {to: '10.0.0.2:9', size: 100, rate: 1kpps%s}}\n";

static const struct {
	const char *opts;     /* extra `send:` keys */
	uint64_t msgs, calls; /* datagrams and system calls in 15.5 ms at 1000/s */
} pace_rows[] = {
	/* due at 0, 1, ..., 15 ms: 16 datagrams, one per call */
	{ "", 16, 16 },
	{ ", syscall: sendmsg", 16, 16 },
	{ ", syscall: sendmmsg", 16, 16 },
	/* bursts of 10 at 0 and 10 ms */
	{ ", pattern: burst, burst: 10", 20, 20 },
	{ ", pattern: burst, burst: 10, syscall: sendmmsg", 20, 2 },
	/* bursts of 4 at 0, 4, 8, 12 ms */
	{ ", pattern: burst, burst: 4, syscall: sendmmsg", 16, 4 },
	/* a burst larger than the batch takes two calls */
	{ ", pattern: burst, burst: 20, syscall: sendmmsg", 20, 2 },
};

START_TEST(test_sender_pacing)
{
	char yaml[2048];
	struct world *w;
	struct app *a;

	snprintf(yaml, sizeof(yaml), pace_fmt, pace_rows[_i].opts);
	w = run(yaml);
	a = w->hosts[0]->apps[0];
	ck_assert_msg(a->msgs == pace_rows[_i].msgs, "row %d: %llu datagrams", _i,
		      (unsigned long long)a->msgs);
	ck_assert_msg(a->calls == pace_rows[_i].calls, "row %d: %llu calls", _i,
		      (unsigned long long)a->calls);
	world_free(w);
}
END_TEST

Suite *xmit_suite(void);

Suite *xmit_suite(void)
{
	Suite *s = suite_create("xmit");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_tx_tap);
	tcase_add_loop_test(tc, test_xps, 0, 2);
	tcase_add_test(tc, test_forward_order);
	tcase_add_test(tc, test_autobind_exhausted);
	tcase_add_test(tc, test_shared_root_shapes_the_device);
	tcase_add_test(tc, test_bql_stalls);
	tcase_add_test(tc, test_shared_root_requeues_on_stopped_queue);
	tcase_add_test(tc, test_connect_caches_route);
	tcase_add_loop_test(tc, test_sender_pacing, 0,
			    (int)(sizeof(pace_rows) / sizeof(pace_rows[0])));
	suite_add_tcase(s, tc);
	return s;
}
