/*
 * tests/test_route_err.c - route types, path MTU discovery and ICMP errors
 * reported to UDP sockets, against the real kernel.
 *
 * tests/kernel-ref/route_err.csv (measure_route_err.py, Linux 6.18) holds,
 * per case and namespace, the counter deltas and the errno of every send.
 * Each test builds the same namespaces (veth pairs on one machine, static
 * neighbours, datagrams 50 ms apart) and requires: the errnos of the sends
 * as a multiset (the app counts errors by errno), and every compared
 * Ip/IpExt/Icmp/Udp counter of every namespace equal to the CSV (a counter
 * the CSV does not list must be 0). Receive-side rows (recv, error queue
 * reads, IP_MTU) are not compared: a sending app does not read.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/apps/app.h"
#include "models/ipv4/route.h"
#include "models/scenario.h"
#include "models/ipv4/sock.h"
#include "models/ipv4/udp.h"
#include "tests/test_world.h"

static const char *ref_path = "kernel-ref/route_err.csv"; /* the CSV ref_sum reads */

/* Row @r is of case @c or of its per-datagram cases "@c.dN". */
static bool ref_case(const struct ref_row *r, const char *c)
{
	size_t n = strlen(c);

	return !strncmp(r->c, c, n) && (!r->c[n] || !strncmp(r->c + n, ".d", 2));
}

/*
 * Sum of @counter in namespace @ns over the rows of case @c and of its
 * per-datagram cases "@c.dN"; *found says whether any row matched.
 */
static long ref_sum(const char *c, const char *ns, const char *counter, bool *found)
{
	FILE *f = test_ref_open(ref_path);
	struct ref_row r;
	long v = 0;

	if (found)
		*found = false;
	while (test_ref_next(f, true, &r)) {
		if (!ref_case(&r, c) || strcmp(r.ns, ns) || strcmp(r.k, counter))
			continue;
		if (found)
			*found = true;
		v += atol(r.val);
	}
	fclose(f);
	return v;
}

/* How many of case @c's send errno rows (`errno.@key`, also in its .dN cases) say @name. */
static uint64_t ref_errno_count(const char *c, const char *key, const char *name)
{
	FILE *f = test_ref_open(ref_path);
	struct ref_row r;
	uint64_t count = 0;

	while (test_ref_next(f, true, &r))
		if (ref_case(&r, c) && !strncmp(r.k, "errno.", 6) &&
		    !strncmp(r.k + 6, key, strlen(key)) && !strcmp(r.val, name))
			count++;
	fclose(f);
	return count;
}

static const char *const compared[] = {
	"Ip.InReceives",	"Ip.ForwDatagrams", "Ip.InDelivers",	   "Ip.OutRequests",
	"Ip.OutDiscards",	"Ip.OutNoRoutes",   "Ip.ReasmReqds",	   "Ip.ReasmOKs",
	"Ip.FragOKs",		"Ip.FragFails",	    "Ip.FragCreates",	   "Ip.OutTransmits",
	"IpExt.InNoRoutes",	"Icmp.InMsgs",	    "Icmp.InDestUnreachs", "Icmp.OutMsgs",
	"Icmp.OutDestUnreachs", "Udp.InDatagrams",  "Udp.OutDatagrams",	   "Udp.NoPorts",
	"Udp.InErrors",		"Udp.SndbufErrors",
};

static void compare_counters(struct world *w, const char *c, const char *const *ns, int nns)
{
	for (int i = 0; i < nns; i++) {
		struct host *h = test_world_host(w, ns[i]);

		for (size_t k = 0; k < sizeof(compared) / sizeof(compared[0]); k++) {
			uint64_t got = test_snmp_counter(h, compared[k]);
			long want = ref_sum(c, ns[i], compared[k], NULL);

			ck_assert_msg(got == (uint64_t)want, "%s: %s %s = %llu, kernel %ld", c,
				      ns[i], compared[k], (unsigned long long)got, want);
		}
	}
}

/* The sender's errors and successes against the CSV's errno rows. */
static void compare_errnos(const struct app *a, const char *c, const char *key)
{
	for (int e = 0; e < APP_ERR_NR; e++)
		ck_assert_msg(a->errors[e] == ref_errno_count(c, key, app_err_name[e]),
			      "%s: %s %llu times, kernel %llu", c, app_err_name[e],
			      (unsigned long long)a->errors[e],
			      (unsigned long long)ref_errno_count(c, key, app_err_name[e]));
	ck_assert_msg(a->sent == ref_errno_count(c, key, "0"),
		      "%s: %llu sends succeeded, kernel %llu", c, (unsigned long long)a->sent,
		      (unsigned long long)ref_errno_count(c, key, "0"));
}

static struct app *app_named(struct host *h, const char *name)
{
	for (uint32_t i = 0; i < h->napps; i++)
		if (!strcmp(h->apps[i]->name, name))
			return h->apps[i];
	ck_abort_msg("no app '%s'", name);
	return NULL;
}

/*
 * Run @yaml (named @file) and compare it with case @c: the errnos of A's
 * app "s" (rows errno.@key*) and the counters of the namespaces @ns.
 */
static struct world *run_case(const char *file, const char *yaml, const char *c, const char *key,
			      const char *const *ns, int nns)
{
	struct world *w = test_world_run(file, yaml);

	compare_errnos(app_named(test_world_host(w, "A"), "s"), c, key);
	compare_counters(w, c, ns, nns);
	return w;
}

/* ---- A: route types on the sender ---- */

static const char local_fmt[] = "name: re-local\n"
				"duration: 10ms\n"
				"hosts:\n"
				"  - name: A\n"
				"    cpus: 1\n"
				"    nics:\n"
				"      - {name: a0, driver: ixgbe, address: 10.80.0.1/24}\n"
				"    routes:\n"
				"      - {dst: 10.90.0.0/16, type: unreachable}\n"
				"      - {dst: 10.91.0.0/16, type: prohibit}\n"
				"      - {dst: 10.92.0.0/16, type: blackhole}\n"
				"    sockets:\n"
				"      - {name: tx}\n"
				"    apps:\n"
				"      - {name: s, socket: tx, cpu: 0,\n"
				"         send: {to: '%s:5000', size: 100, count: 1%s}}\n";

static const struct {
	const char *c;	  /* case in route_err.csv */
	const char *dest; /* destination */
	const char *send; /* extra send keys */
	const char *key;  /* the errno rows: errno.KEY */
} local_rows[] = {
	{ "A-unreachable-sendto", "10.90.0.1", "", "sendto" },
	{ "A-prohibit-sendto", "10.91.0.1", "", "sendto" },
	{ "A-blackhole-sendto", "10.92.0.1", "", "sendto" },
	{ "A-noroute-sendto", "10.93.0.1", "", "sendto" },
	/* connect() fails the same way: the app gives up before sending */
	{ "A-unreachable-connect", "10.90.0.1", ", connect: true", "connect" },
	{ "A-prohibit-connect", "10.91.0.1", ", connect: true", "connect" },
	{ "A-blackhole-connect", "10.92.0.1", ", connect: true", "connect" },
	{ "A-noroute-connect", "10.93.0.1", ", connect: true", "connect" },
};

START_TEST(test_local_route_types)
{
	static const char *const ns[] = { "A" };
	char yaml[2048];
	struct world *w;

	snprintf(yaml, sizeof(yaml), local_fmt, local_rows[_i].dest, local_rows[_i].send);
	w = run_case("re-local.yaml", yaml, local_rows[_i].c, local_rows[_i].key, ns, 1);
	world_free(w);
}
END_TEST

/* ---- B, C: a router; D: two hosts ---- */

/* A -- R -- B; A's socket keys, A's send keys, R's r1 and B's MTU, B's socket. */
static const char fwd_fmt[] =
	"name: re-fwd\n"
	"duration: %s\n"
	"hosts:\n"
	"  - name: A\n"
	"    cpus: 2\n"
	"    nics:\n"
	"      - {name: a0, driver: veth, peer: R/r0, address: 10.82.0.1/24}\n"
	"    routes:\n"
	"      - {dst: default, via: 10.82.0.254}\n"
	"    neigh:\n"
	"      - {ip: 10.82.0.254, dev: a0}\n"
	"    sockets:\n"
	"      - {name: tx%s}\n"
	"    apps:\n"
	"      - {name: s, socket: tx, cpu: 0,\n"
	"         send: {to: '%s'%s}}\n"
	"  - name: R\n"
	"    machine: A\n"
	"    sysctl: {net.ipv4.ip_forward: 1}\n"
	"    nics:\n"
	"      - {name: r0, driver: veth, peer: A/a0, address: 10.82.0.254/24}\n"
	"      - {name: r1, driver: veth, peer: B/b0, address: 10.82.1.254/24, "
	"mtu: %d}\n"
	"    routes:\n"
	"      - {dst: 10.90.0.0/16, type: unreachable}\n"
	"      - {dst: 10.91.0.0/16, type: prohibit}\n"
	"      - {dst: 10.92.0.0/16, type: blackhole}\n"
	"    neigh:\n"
	"      - {ip: 10.82.0.1, dev: r0}\n"
	"      - {ip: 10.82.1.2, dev: r1}\n"
	"  - name: B\n"
	"    machine: A\n"
	"    nics:\n"
	"      - {name: b0, driver: veth, peer: R/r1, address: 10.82.1.2/24, "
	"mtu: %d}\n"
	"    routes:\n"
	"      - {dst: default, via: 10.82.1.254}\n"
	"    neigh:\n"
	"      - {ip: 10.82.1.254, dev: b0}\n"
	"    sockets:\n"
	"      - {name: rx, bind: '0.0.0.0:5000', rcvbuf: 4MiB}\n"
	"    apps:\n"
	"      - {name: reader, socket: rx, cpu: 1}\n";

static const struct {
	const char *c;	  /* case */
	const char *dest; /* A's destination */
} fwd_rows[] = {
	{ "B-unreachable", "10.90.0.1:5000" },
	{ "B-prohibit", "10.91.0.1:5000" },
	{ "B-blackhole", "10.92.0.1:5000" },
	{ "B-noroute", "10.93.0.1:5000" },
};

START_TEST(test_forward_route_types)
{
	static const char *const ns[] = { "A", "R" };
	char yaml[4096];
	struct world *w;

	/* measure_route_err.py: a connected socket, two datagrams of 100 bytes */
	snprintf(yaml, sizeof(yaml), fwd_fmt, "200ms", "", fwd_rows[_i].dest,
		 ", rate: 20pps, size: 100, count: 2, connect: true", 1500, 1500);
	w = run_case("re-fwd.yaml", yaml, fwd_rows[_i].c, "send", ns, 2);
	world_free(w);
}
END_TEST

static const struct {
	const char *c;	     /* case */
	const char *sockopt; /* A's socket keys */
	const char *sendopt; /* A's send keys */
} pmtu_rows[] = {
	{ "C-want_unconn", "", "" },
	{ "C-want_conn", "", ", connect: true" },
	{ "C-do_conn", ", mtu_discover: do", ", connect: true" },
	{ "C-dont_unconn", ", mtu_discover: dont", "" },
	{ "C-dont_conn", ", mtu_discover: dont", ", connect: true" },
	{ "C-probe_unconn", ", mtu_discover: probe", "" },
	{ "C-probe_conn", ", mtu_discover: probe", ", connect: true" },
};

/* Three 1400-byte datagrams to B behind a 1000-byte link: PMTU learnt from ICMP. */
START_TEST(test_pmtu)
{
	static const char *const ns[] = { "A", "R", "B" };
	char yaml[4096], send[128];
	struct world *w;

	snprintf(send, sizeof(send), ", rate: 20pps, size: 1400, count: 3%s",
		 pmtu_rows[_i].sendopt);
	snprintf(yaml, sizeof(yaml), fwd_fmt, "200ms", pmtu_rows[_i].sockopt, "10.82.1.2:5000",
		 send, 1000, 1000);
	w = run_case("re-fwd.yaml", yaml, pmtu_rows[_i].c, "send", ns, 3);
	world_free(w);
}
END_TEST

/*
 * ip_error's own limit and icmp_send's per-peer limit share the source's
 * tokens: a steady stream to an unreachable (or unrouted) prefix gets only a
 * few ICMPs (ip_error.csv: R's OutDestUnreachs and OutRateLimitHost).
 */
static const struct {
	const char *c;	      /* case in ip_error.csv */
	const char *dest;     /* destination */
	const char *send;     /* rate and count */
	const char *duration; /* long enough for every datagram and its ICMP */
} ipe_rows[] = {
	{ "unreachable-100pps", "10.90.0.1:5000", ", rate: 100pps, size: 100, count: 300",
	  "3100ms" },
	{ "noroute-100pps", "10.93.0.1:5000", ", rate: 100pps, size: 100, count: 300", "3100ms" },
	{ "unreachable-2pps", "10.90.0.1:5000", ", rate: 2pps, size: 100, count: 12", "5600ms" },
};

/* The CSV's value of @counter for case @c in @ns (ip_error.csv). */
static long ipe_value(const char *c, const char *ns, const char *counter)
{
	const char *saved = ref_path;
	bool found;
	long v;

	ref_path = "kernel-ref/ip_error.csv";
	v = ref_sum(c, ns, counter, &found);
	ref_path = saved;
	ck_assert_msg(found, "ip_error.csv: no %s %s %s", c, ns, counter);
	return v;
}

START_TEST(test_ip_error_rate_limit)
{
	static const char *const counters[][2] = {
		{ "R", "Icmp.OutDestUnreachs" },    { "R", "Icmp.OutRateLimitHost" },
		{ "R", "Icmp.OutRateLimitGlobal" }, { "R", "Ip.InReceives" },
		{ "A", "Icmp.InDestUnreachs" },	    { "A", "Udp.OutDatagrams" },
	};
	char yaml[4096];
	struct world *w;

	snprintf(yaml, sizeof(yaml), fwd_fmt, ipe_rows[_i].duration, "", ipe_rows[_i].dest,
		 ipe_rows[_i].send, 1500, 1500);
	w = test_world_run("re-ipe.yaml", yaml);
	for (size_t k = 0; k < sizeof(counters) / sizeof(counters[0]); k++) {
		uint64_t got =
			test_snmp_counter(test_world_host(w, counters[k][0]), counters[k][1]);
		long want = ipe_value(ipe_rows[_i].c, counters[k][0], counters[k][1]);

		ck_assert_msg(got == (uint64_t)want, "%s: %s %s = %llu, kernel %ld", ipe_rows[_i].c,
			      counters[k][0], counters[k][1], (unsigned long long)got, want);
	}
	world_free(w);
}
END_TEST

/* A -- B, nobody on B:6000: ICMP port unreachable back to A's socket. */
static const char port_fmt[] =
	"name: re-port\n"
	"duration: 200ms\n"
	"hosts:\n"
	"  - name: A\n"
	"    cpus: 2\n"
	"    nics:\n"
	"      - {name: a0, driver: veth, peer: B/b0, address: 10.83.0.1/24}\n"
	"    neigh:\n"
	"      - {ip: 10.83.0.2, dev: a0}\n"
	"    sockets:\n"
	"      - {name: tx%s}\n"
	"    apps:\n"
	"      - {name: s, socket: tx, cpu: 0,\n"
	"         send: {to: '10.83.0.2:6000', size: 100, count: 2, rate: 20pps%s}}\n"
	"  - name: B\n"
	"    machine: A\n"
	"    nics:\n"
	"      - {name: b0, driver: veth, peer: A/a0, address: 10.83.0.2/24}\n"
	"    neigh:\n"
	"      - {ip: 10.83.0.1, dev: b0}\n";

static const struct {
	const char *c;	     /* case */
	const char *sockopt; /* A's socket keys */
	const char *sendopt; /* A's send keys */
} port_rows[] = {
	{ "D-conn", "", ", connect: true" },
	{ "D-unconn", "", "" },
	{ "D-conn_recverr", ", recverr: true", ", connect: true" },
	{ "D-unconn_recverr", ", recverr: true", "" },
};

START_TEST(test_port_unreachable)
{
	static const char *const ns[] = { "A", "B" };
	char yaml[4096];
	struct world *w;
	struct host *a;
	bool found;
	long queued;

	snprintf(yaml, sizeof(yaml), port_fmt, port_rows[_i].sockopt, port_rows[_i].sendopt);
	w = run_case("re-port.yaml", yaml, port_rows[_i].c, "send", ns, 2);
	a = test_world_host(w, "A");
	/* IP_RECVERR queues one sock_extended_err per ICMP error */
	queued = ref_sum(port_rows[_i].c, "A", "errq.count", &found);
	ck_assert(found);
	ck_assert_uint_eq(a->socks[0]->err_queued, (uint64_t)queued);
	/* ... charged to the receive buffer until read (the app never reads it) */
	ck_assert_uint_eq(
		a->socks[0]->sk_rmem_alloc,
		(uint64_t)ref_sum(port_rows[_i].c, "A", "rmem_alloc.before_errq", &found));
	ck_assert(found);
	world_free(w);
}
END_TEST

/* The learnt PMTU expires after net.ipv4.route.mtu_expires; min_pmtu is the floor. */
START_TEST(test_pmtu_expiry_and_floor)
{
	struct world *w;
	struct host *h;
	char yaml[2048];

	snprintf(yaml, sizeof(yaml), local_fmt, "10.80.0.9", "");
	w = test_world_run("re-local.yaml", yaml);
	h = test_world_host(w, "A");
	ck_assert_uint_eq(ip_dev_pmtu(h, h->devs[0], 0x0a500009), 1500);
	ip_rt_update_pmtu(h, 0x0a500009, 1000);
	ck_assert_uint_eq(ip_dev_pmtu(h, h->devs[0], 0x0a500009), 1000);
	ck_assert_uint_eq(ip_dev_pmtu(h, h->devs[0], 0x0a50000a), 1500); /* per destination */
	ip_rt_update_pmtu(h, 0x0a500009, 300);				 /* below min_pmtu */
	ck_assert_uint_eq(ip_dev_pmtu(h, h->devs[0], 0x0a500009), 552);
	ip_rt_update_pmtu(h, 0x0a500009, 1200); /* never raised by an ICMP */
	ck_assert_uint_eq(ip_dev_pmtu(h, h->devs[0], 0x0a500009), 552);
	w->q.now += 600 * SIM_SEC; /* mtu_expires */
	ck_assert_uint_eq(ip_dev_pmtu(h, h->devs[0], 0x0a500009), 1500);
	world_free(w);
}
END_TEST

Suite *route_err_suite(void);

Suite *route_err_suite(void)
{
	Suite *s = suite_create("route_err");
	TCase *tc = tcase_create("route_err");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_local_route_types, 0,
			    (int)(sizeof(local_rows) / sizeof(local_rows[0])));
	tcase_add_loop_test(tc, test_forward_route_types, 0,
			    (int)(sizeof(fwd_rows) / sizeof(fwd_rows[0])));
	tcase_add_loop_test(tc, test_pmtu, 0, (int)(sizeof(pmtu_rows) / sizeof(pmtu_rows[0])));
	tcase_add_loop_test(tc, test_ip_error_rate_limit, 0,
			    (int)(sizeof(ipe_rows) / sizeof(ipe_rows[0])));
	tcase_add_loop_test(tc, test_port_unreachable, 0,
			    (int)(sizeof(port_rows) / sizeof(port_rows[0])));
	tcase_add_test(tc, test_pmtu_expiry_and_floor);
	suite_add_tcase(s, tc);
	return s;
}
