/*
 * tests/test_frag.c - IPv4 fragmentation and reassembly.
 *
 * Against the real kernel: tests/kernel-ref/frag.csv, measured on Linux 6.18
 * by tests/kernel-ref/measure_frag.py (three namespaces A - R - B joined by
 * veth pairs, R forwarding): for each case the simulator runs the same
 * experiment and every counter below must equal the measured delta (a
 * counter the CSV does not list moved by 0). Then table tests of the
 * fragment sizes, the socket's IP_MTU_DISCOVER, the reassembly timeout and
 * ipfrag_high_thresh against hand-computed expectations.
 */
#include <check.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/apps/app.h"
#include "models/ipv4/ip_fragment.h"
#include "models/scenario.h"
#include "models/ipv4/sock.h"
#include "models/ipv4/udp.h"
#include "sim/cfg.h"
#include "tests/test_world.h"

static struct world *build(const char *yaml)
{
	return test_world_run("frag.yaml", yaml);
}

/* The three namespaces of measure_frag.py: A's socket options, payload, count, r1/b0 mtu, B's apps. */
static const char ref_fmt[] =
	"name: frag-ref\n"
	"duration: 300ms\n"
	"hosts:\n"
	"  - name: A\n"
	"    cpus: 2\n"
	"    nics:\n"
	"      - {name: a0, driver: veth, peer: R/r0, address: 10.78.0.1/24}\n"
	"    routes:\n"
	"      - {dst: default, via: 10.78.0.254}\n"
	"    neigh:\n"
	"      - {ip: 10.78.0.254, dev: a0}\n"
	"    sockets:\n"
	"      - {name: tx%s}\n"
	"    apps:\n"
	"      - {name: sender, socket: tx, cpu: 0,\n"
	"         send: {to: '10.78.1.2:5000', size: %u, count: %u}}\n"
	"  - name: R\n"
	"    machine: A\n"
	"    sysctl: {net.ipv4.ip_forward: 1}\n"
	"    nics:\n"
	"      - {name: r0, driver: veth, peer: A/a0, address: 10.78.0.254/24}\n"
	"      - {name: r1, driver: veth, peer: B/b0, address: 10.78.1.254/24, mtu: %u}\n"
	"    neigh:\n"
	"      - {ip: 10.78.0.1, dev: r0}\n"
	"      - {ip: 10.78.1.2, dev: r1}\n"
	"  - name: B\n"
	"    machine: A\n"
	"    nics:\n"
	"      - {name: b0, driver: veth, peer: R/r1, address: 10.78.1.2/24, mtu: %u}\n"
	"    routes:\n"
	"      - {dst: default, via: 10.78.1.254}\n"
	"    neigh:\n"
	"      - {ip: 10.78.1.254, dev: b0}\n"
	"    sockets:\n"
	"      - {name: rx, bind: '0.0.0.0:5000', rcvbuf: 4MiB}\n"
	"%s";

/* B's reader (the truesize experiment has none: the datagram stays queued). */
static const char ref_reader[] = "    apps:\n"
				 "      - {name: reader, socket: rx, cpu: 1}\n";

struct ref_case {
	const char *name;     /* case column of frag.csv */
	unsigned mtu;	      /* r1 and b0 */
	unsigned payload;     /* bytes per datagram */
	unsigned count;	      /* datagrams */
	const char *sockopts; /* extra keys of A's socket */
};

static const struct ref_case ref_cases[] = {
	{ "local", 1500, 4000, 20, "" },
	{ "forward", 1000, 1400, 20, ", mtu_discover: dont" },
	{ "df", 1000, 1400, 1, "" },
};

static const char *const compared[] = {
	"Ip.InReceives",  "Ip.InHdrErrors",	  "Ip.ForwDatagrams", "Ip.InDelivers",
	"Ip.OutRequests", "Ip.OutDiscards",	  "Ip.ReasmTimeout",  "Ip.ReasmReqds",
	"Ip.ReasmOKs",	  "Ip.ReasmFails",	  "Ip.FragOKs",	      "Ip.FragFails",
	"Ip.FragCreates", "Ip.OutTransmits",	  "Icmp.InMsgs",      "Icmp.InDestUnreachs",
	"Icmp.OutMsgs",	  "Icmp.OutDestUnreachs", "Udp.InDatagrams",  "Udp.OutDatagrams",
	"Udp.NoPorts",	  "Udp.InErrors",
};

/* The measured delta of @counter in namespace @ns for @case_name (0 when not listed). */
static long ref_value(const char *case_name, const char *ns, const char *name)
{
	FILE *f = test_ref_open("kernel-ref/frag.csv");
	struct ref_row r;
	long v = 0;

	while (test_ref_next(f, true, &r))
		if (!strcmp(r.c, case_name) && !strcmp(r.ns, ns) && !strcmp(r.k, name))
			v = atol(r.val);
	fclose(f);
	return v;
}

START_TEST(test_kernel_reference)
{
	const struct ref_case *rc = &ref_cases[_i];
	static const char *const ns[] = { "A", "R", "B" };
	char yaml[4096];
	struct world *w;

	snprintf(yaml, sizeof(yaml), ref_fmt, rc->sockopts, rc->payload, rc->count, rc->mtu,
		 rc->mtu, ref_reader);
	w = build(yaml);
	for (size_t n = 0; n < 3; n++) {
		struct host *h = test_world_host(w, ns[n]);

		for (size_t i = 0; i < sizeof(compared) / sizeof(compared[0]); i++) {
			long want = ref_value(rc->name, ns[n], compared[i]);
			uint64_t got = test_snmp_counter(h, compared[i]);

			ck_assert_msg(got == (uint64_t)want, "%s: %s %s = %llu, kernel %ld",
				      rc->name, ns[n], compared[i], (unsigned long long)got, want);
		}
	}
	{
		struct host *b = test_world_host(w, "B");

		ck_assert_uint_eq(b->apps[0]->msgs, (uint64_t)ref_value(rc->name, "B", "recv"));
	}
	ck_assert_uint_eq(world_in_flight(w), 0);
	world_free(w);
}
END_TEST

/* ---- the reassembled skb's truesize (sk_rmem_alloc with nobody reading) ---- */

/*
 * Through a router (R forwards A's fragments as they are). 1473 bytes is a
 * 1480-byte and a 1-byte fragment: ip_frag_reasm's skb_try_coalesce copies
 * the second into the first's tailroom, so only the first's truesize
 * counts. tests/test_payload.c covers every size without the router.
 */
START_TEST(test_reasm_truesize)
{
	static const unsigned payloads[] = { 1000, 1472, 1473, 2000,  2952,
					     2953, 4000, 8000, 20000, 65507 };
	unsigned payload = payloads[_i];
	char yaml[4096], key[32];
	struct world *w;
	struct host *b;
	long want;

	snprintf(key, sizeof(key), "truesize.%u", payload);
	want = ref_value("truesize", "B", key);
	ck_assert_msg(want > 0, "frag.csv has no %s", key);
	snprintf(yaml, sizeof(yaml), ref_fmt, "", payload, 1u, 1500u, 1500u, "");
	w = build(yaml);
	b = test_world_host(w, "B");
	ck_assert_msg((long)b->socks[0]->sk_rmem_alloc == want,
		      "payload %u: sk_rmem_alloc %u, kernel %ld", payload,
		      (unsigned)b->socks[0]->sk_rmem_alloc, want);
	world_free(w);
}
END_TEST

/* ---- fragment sizes ---- */

START_TEST(test_frag_size)
{
	static const struct {
		uint32_t mtu, size;
	} rows[] = {
		{ 1500, 1480 }, { 1000, 976 }, { 576, 552 }, { 68, 48 }, { 1492, 1472 },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		ck_assert_uint_eq(ip_frag_size(rows[i].mtu), rows[i].size);
}
END_TEST

/* ---- sending over one link: fragments per datagram and IP_MTU_DISCOVER ---- */

static const char link_fmt[] =
	"name: frag-link\n"
	"duration: 100ms\n"
	"hosts:\n"
	"  - name: A\n"
	"    cpus: 2\n"
	"    nics:\n"
	"      - {name: a0, driver: veth, peer: B/b0, address: 10.9.0.1/24, mtu: %u}\n"
	"    neigh:\n"
	"      - {ip: 10.9.0.2, dev: a0}\n"
	"    sockets:\n"
	"      - {name: tx, mtu_discover: %s}\n"
	"    apps:\n"
	"      - {name: sender, socket: tx, cpu: 0,\n"
	"         send: {to: '10.9.0.2:5000', size: %u, count: 10}}\n"
	"  - name: B\n"
	"    machine: A\n"
	"    nics:\n"
	"      - {name: b0, driver: veth, peer: A/a0, address: 10.9.0.2/24, mtu: %u}\n"
	"    neigh:\n"
	"      - {ip: 10.9.0.1, dev: b0}\n"
	"    sockets:\n"
	"      - {name: rx, bind: '0.0.0.0:5000', rcvbuf: 4MiB}\n"
	"    apps:\n"
	"      - {name: reader, socket: rx, cpu: 1}\n";

static const struct {
	unsigned mtu, payload;
	const char *pmtudisc;
	unsigned frags;	   /* fragments per datagram (0: not fragmented) */
	unsigned emsgsize; /* send() calls failing with EMSGSIZE */
} link_rows[] = {
	/* (payload + 8) / ((mtu - 20) & ~7), rounded up */
	{ 1500, 1472, "want", 0, 0 }, { 1500, 1473, "want", 2, 0 }, { 1500, 2952, "want", 2, 0 },
	{ 1500, 2953, "want", 3, 0 }, { 1000, 4000, "dont", 5, 0 }, { 576, 8000, "want", 15, 0 },
	{ 1500, 1473, "do", 0, 10 },  { 1500, 1472, "do", 0, 0 },   { 1500, 65507, "want", 45, 0 },
};

START_TEST(test_link_fragments)
{
	char yaml[4096];
	struct world *w;
	struct host *a, *b;

	snprintf(yaml, sizeof(yaml), link_fmt, link_rows[_i].mtu, link_rows[_i].pmtudisc,
		 link_rows[_i].payload, link_rows[_i].mtu);
	w = build(yaml);
	a = test_world_host(w, "A");
	b = test_world_host(w, "B");
	if (link_rows[_i].emsgsize) {
		ck_assert_uint_eq(a->apps[0]->errors[APP_EMSGSIZE], link_rows[_i].emsgsize);
		ck_assert_uint_eq(a->ip.OutRequests, 0);
		ck_assert_uint_eq(b->udp.InDatagrams, 0);
	} else {
		unsigned n = link_rows[_i].frags;

		ck_assert_uint_eq(a->ip.FragOKs, n ? 10 : 0);
		ck_assert_uint_eq(a->ip.FragCreates, 10 * n);
		ck_assert_uint_eq(a->ip.OutTransmits, n ? 10 * n : 10);
		ck_assert_uint_eq(b->ip.InReceives, n ? 10 * n : 10);
		ck_assert_uint_eq(b->ip.ReasmReqds, 10 * n);
		ck_assert_uint_eq(b->ip.ReasmOKs, n ? 10 : 0);
		ck_assert_uint_eq(b->udp.InDatagrams, 10);
		ck_assert_uint_eq(b->apps[0]->msgs, 10);
	}
	/* every send-buffer charge is released once the fragments have gone */
	ck_assert_uint_eq(a->socks[0]->sk_wmem_alloc, 0);
	ck_assert_uint_eq(world_in_flight(w), 0);
	world_free(w);
}
END_TEST

/* ---- reassembly failures: timeout and ipfrag_high_thresh ---- */

static const char fail_fmt[] =
	"name: frag-fail\n"
	"duration: 1500ms\n"
	"hosts:\n"
	"  - name: A\n"
	"    cpus: 2\n"
	"    nics:\n"
	"      - {name: a0, driver: veth, peer: B/b0, address: 10.9.0.1/24}\n"
	"    neigh:\n"
	"      - {ip: 10.9.0.2, dev: a0}\n"
	"    sockets:\n"
	"      - {name: tx}\n"
	"    apps:\n"
	"      - {name: sender, socket: tx, cpu: 0,\n"
	"         send: {to: '10.9.0.2:5000', size: 4000, count: 10}}\n"
	"  - name: B\n"
	"    machine: A\n"
	"    sysctl: {net.ipv4.ipfrag_time: 1, net.ipv4.ipfrag_high_thresh: %s}\n"
	"    nics:\n"
	"      - {name: b0, driver: veth, peer: A/a0, address: 10.9.0.2/24}\n"
	"    neigh:\n"
	"      - {ip: 10.9.0.1, dev: b0}\n"
	"    iptables:\n"
	"      - '-t raw -A PREROUTING %s -j DROP'\n"
	"    sockets:\n"
	"      - {name: rx, bind: '0.0.0.0:5000', rcvbuf: 4MiB}\n"
	"    apps:\n"
	"      - {name: reader, socket: rx, cpu: 1}\n";

static uint64_t drops_of(const struct host *h, enum skb_drop_reason reason)
{
	uint64_t n = 0;

	for (unsigned d = 0; d < drop_points_nr; d++)
		if (drop_points[d].reason == reason)
			n += h->drops[d];
	return n;
}

static const struct {
	const char *thresh, *rule; /* ipfrag_high_thresh, PREROUTING match */
	uint64_t reqds, oks, fails, timeouts, nf_drops, timeout_drops, mem_drops;
	uint64_t icmp_sent, icmp_limited; /* Icmp OutTimeExcds, OutRateLimitHost */
} fail_rows[] = {
	/* later fragments dropped: 10 queues with the first fragment time out;
	 * ICMP time exceeded is per-peer limited (burst 6, icmp_ratemask has 11) */
	{ "4194304", "-f", 10, 0, 10, 10, 20, 10, 0, 6, 4 },
	/* first fragments dropped: no ICMP (nothing to quote) */
	{ "4194304", "-p udp --dport 5000", 20, 0, 10, 10, 10, 20, 0, 0, 0 },
	/* nothing dropped: all reassembled */
	{ "4194304", "-p tcp", 30, 10, 0, 0, 0, 0, 0, 0, 0 },
	/* ipfrag_high_thresh 0: reassembly off, every fragment fails */
	{ "0", "-p tcp", 30, 0, 30, 0, 0, 0, 30, 0, 0 },
};

START_TEST(test_reasm_failures)
{
	char yaml[4096];
	struct world *w;
	struct host *a, *b;

	snprintf(yaml, sizeof(yaml), fail_fmt, fail_rows[_i].thresh, fail_rows[_i].rule);
	w = build(yaml);
	a = test_world_host(w, "A");
	b = test_world_host(w, "B");
	ck_assert_uint_eq(a->ip.FragCreates, 30);
	ck_assert_uint_eq(b->ip.ReasmReqds, fail_rows[_i].reqds);
	ck_assert_uint_eq(b->ip.ReasmOKs, fail_rows[_i].oks);
	ck_assert_uint_eq(b->ip.ReasmFails, fail_rows[_i].fails);
	ck_assert_uint_eq(b->ip.ReasmTimeout, fail_rows[_i].timeouts);
	ck_assert_uint_eq(b->udp.InDatagrams, fail_rows[_i].oks);
	ck_assert_uint_eq(drops_of(b, SKB_DROP_REASON_NETFILTER_DROP), fail_rows[_i].nf_drops);
	ck_assert_uint_eq(drops_of(b, SKB_DROP_REASON_FRAG_REASM_TIMEOUT),
			  fail_rows[_i].timeout_drops);
	ck_assert_uint_eq(drops_of(b, SKB_DROP_REASON_NOT_SPECIFIED), fail_rows[_i].mem_drops);
	ck_assert_uint_eq(b->icmp.OutTimeExcds, fail_rows[_i].icmp_sent);
	ck_assert_uint_eq(b->icmp.OutRateLimitHost, fail_rows[_i].icmp_limited);
	ck_assert_uint_eq(a->icmp.InTimeExcds, fail_rows[_i].icmp_sent);
	ck_assert_uint_eq(world_in_flight(w), 0);
	world_free(w);
}
END_TEST

Suite *frag_suite(void);
Suite *frag_suite(void)
{
	Suite *s = suite_create("frag");
	TCase *tc = tcase_create("kernel");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_kernel_reference, 0,
			    (int)(sizeof(ref_cases) / sizeof(ref_cases[0])));
	tcase_add_loop_test(tc, test_reasm_truesize, 0, 10);
	suite_add_tcase(s, tc);
	tc = tcase_create("sizes");
	tcase_add_test(tc, test_frag_size);
	tcase_add_loop_test(tc, test_link_fragments, 0,
			    (int)(sizeof(link_rows) / sizeof(link_rows[0])));
	tcase_add_loop_test(tc, test_reasm_failures, 0,
			    (int)(sizeof(fail_rows) / sizeof(fail_rows[0])));
	suite_add_tcase(s, tc);
	return s;
}
