/*
 * tests/test_udp_gso.c - UDP GSO (UDP_SEGMENT) with and without UDP_GRO
 * (models/core/gso.c, models/ipv4/udp.c, models/core/xmit.c,
 * models/drivers/nic_tx.c).
 *
 * 1. Against the real kernel: tests/kernel-ref/udp_gso.csv (6.18, made by
 *    measure_udp_gso.py): one sendto() of TOTAL bytes from a socket with
 *    UDP_SEGMENT GSO, over loopback or a veth pair, to a socket with UDP_GRO
 *    off or on that nobody reads. Every row is compared: the errno, the
 *    receiver's rmem_alloc, the datagrams queued and their lengths, the Udp
 *    and Ip counters of both sides, the devices' packets and bytes.
 * 2. A NIC: the same frames leave with tx-udp-segmentation on (the NIC
 *    cuts the skb) and off (validate_xmit_skb cuts it in software); the
 *    software cut costs the sender CPU time, and a sender without
 *    UDP_SEGMENT costs more still.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/apps/app.h"
#include "models/core/netdevice.h"
#include "models/ipv4/sock.h"
#include "models/kernel/cpu.h"
#include "models/world.h"
#include "tests/test_world.h"

#define REF "kernel-ref/udp_gso.csv"

/* One host, a sender and a receiver on loopback. Args: rcvbuf's socket gro, gso, size. */
static const char lo_fmt[] =
	"name: gso-lo\n"
	"duration: 1ms\n"
	"hosts:\n"
	"  - name: A\n"
	"    cpus: 2\n"
	"    sockets:\n"
	"      - {name: srv, bind: '127.0.0.1:5000', rcvbuf: 4MiB, udp_gro: %s}\n"
	"      - {name: cli, udp_segment: %u}\n"
	"    apps:\n"
	"      - {name: tx, socket: cli, cpu: 0,\n"
	"         send: {to: '127.0.0.1:5000', size: %u, count: 1}}\n";

/* Two namespaces on one machine joined by a veth pair (as the script's). */
static const char veth_fmt[] =
	"name: gso-veth\n"
	"duration: 1ms\n"
	"hosts:\n"
	"  - name: A\n"
	"    cpus: 2\n"
	"    nics:\n"
	"      - {name: veth0, driver: veth, peer: B/veth1, address: 10.9.0.1/24}\n"
	"    neigh:\n"
	"      - {ip: 10.9.0.2, dev: veth0}\n"
	"    sockets:\n"
	"      - {name: cli, udp_segment: %u}\n"
	"    apps:\n"
	"      - {name: tx, socket: cli, cpu: 0,\n"
	"         send: {to: '10.9.0.2:5000', size: %u, count: 1}}\n"
	"  - name: B\n"
	"    machine: A\n"
	"    nics:\n"
	"      - {name: veth1, driver: veth, peer: A/veth0, address: 10.9.0.2/24}\n"
	"    sockets:\n"
	"      - {name: srv, bind: '10.9.0.2:5000', rcvbuf: 4MiB, udp_gro: %s}\n";

/* A measured case: the rows of one case name of udp_gso.csv. */
struct gso_case {
	char name[64];	   /* "lo-1000-10000-gro0" */
	char path[8];	   /* "lo" or "veth" */
	unsigned gso;	   /* UDP_SEGMENT, bytes */
	unsigned total;	   /* bytes sent in one call */
	unsigned gro;	   /* the receiver's UDP_GRO */
	unsigned nrows;	   /* counters */
	char k[48][96];	   /* counter names */
	char val[48][256]; /* their values */
};

static unsigned load_cases(struct gso_case *cs, unsigned max)
{
	FILE *f = test_ref_open(REF);
	struct ref_row r;
	unsigned n = 0;

	while (test_ref_next(f, true, &r)) {
		struct gso_case *c = n ? &cs[n - 1] : NULL;

		if (!strcmp(r.c, "case"))
			continue; /* the header */
		if (!c || strcmp(c->name, r.c)) {
			ck_assert_uint_lt(n, max);
			c = &cs[n++];
			memset(c, 0, sizeof(*c));
			snprintf(c->name, sizeof(c->name), "%s", r.c);
			ck_assert_int_eq(sscanf(r.c, "%7[a-z]-%u-%u-gro%u", c->path, &c->gso,
						&c->total, &c->gro),
					 4);
		}
		ck_assert_uint_lt(c->nrows, 48);
		snprintf(c->k[c->nrows], sizeof(c->k[0]), "%s", r.k);
		snprintf(c->val[c->nrows], sizeof(c->val[0]), "%s", r.val);
		c->nrows++;
	}
	fclose(f);
	return n;
}

/* The model's value of counter @k of case @c in world @w. */
static uint64_t model_value(const struct gso_case *c, struct world *w, const char *k)
{
	bool lo = !strcmp(c->path, "lo");
	struct host *tx = test_world_host(w, "A"), *rx = lo ? tx : test_world_host(w, "B");
	struct sock *srv = test_world_sock(rx, "srv");
	const struct sk_buff_head *q = &srv->sk_receive_queue;

	if (!strcmp(k, "rmem_alloc"))
		return srv->sk_rmem_alloc;
	if (!strcmp(k, "datagrams_read"))
		return q->qlen;
	if (!strcmp(k, "first_len"))
		return q->head ? q->head->len - UDP_FRAME_HDRS : 0;
	if (!strcmp(k, "last_len"))
		return q->tail ? q->tail->len - UDP_FRAME_HDRS : 0;
	if (!strncmp(k, "tx_dev_", 7) || !strncmp(k, "rx_dev_", 7)) {
		struct rtnl_link_stats64 st;

		dev_get_stats(k[0] == 't' ? test_world_dev(tx, lo ? "lo" : "veth0")
					  : test_world_dev(rx, lo ? "lo" : "veth1"),
			      &st);
		if (!strcmp(k + 7, "tx_packets"))
			return st.tx_packets;
		if (!strcmp(k + 7, "tx_bytes"))
			return st.tx_bytes;
		if (!strcmp(k + 7, "rx_packets"))
			return st.rx_packets;
		if (!strcmp(k + 7, "rx_bytes"))
			return st.rx_bytes;
	}
	/* Udp.InDatagrams counts at recvmsg: the script read everything, here it is queued */
	if (!strcmp(k + 3, "Udp.InDatagrams"))
		return !strncmp(k, "tx.", 3) && !lo ? 0 : q->qlen;
	if (!strncmp(k, "tx.", 3) || !strncmp(k, "rx.", 3))
		return test_snmp_counter(!strncmp(k, "tx.", 3) ? tx : rx, k + 3);
	ck_abort_msg("%s: unknown counter %s", c->name, k);
	return 0;
}

/* The errno row: "0", or the name of the send error the application counted. */
static void check_errno(const struct gso_case *c, struct world *w, const char *want)
{
	const struct app *a = test_world_host(w, "A")->apps[0];

	for (int e = 0; e < APP_ERR_NR; e++) {
		bool measured = !strcmp(want, app_err_name[e]);

		ck_assert_msg(a->errors[e] == (measured ? 1u : 0u),
			      "%s: %s counted %llu, kernel %s", c->name, app_err_name[e],
			      (unsigned long long)a->errors[e], want);
	}
}

START_TEST(test_udp_gso_kernel_ref)
{
	static struct gso_case cs[64];
	unsigned n = load_cases(cs, 64);
	char yaml[4096];

	ck_assert_uint_ge(n, 24);
	for (unsigned i = 0; i < n; i++) {
		const struct gso_case *c = &cs[i];
		const char *gro = c->gro ? "true" : "false";
		struct world *w;

		if (!strcmp(c->path, "lo"))
			snprintf(yaml, sizeof(yaml), lo_fmt, gro, c->gso, c->total);
		else
			snprintf(yaml, sizeof(yaml), veth_fmt, c->gso, c->total, gro);
		w = test_world_run("gso.yaml", yaml);
		for (unsigned r = 0; r < c->nrows; r++) {
			if (!strcmp(c->k[r], "errno")) {
				check_errno(c, w, c->val[r]);
				continue;
			}
			ck_assert_msg(model_value(c, w, c->k[r]) == strtoull(c->val[r], NULL, 10),
				      "%s: %s is %llu, the kernel's %s", c->name, c->k[r],
				      (unsigned long long)model_value(c, w, c->k[r]), c->val[r]);
		}
		world_free(w);
	}
}
END_TEST

/* ---- 2. a NIC: hardware or software segmentation, or none ---- */

static const char nic_fmt[] =
	"name: gso-nic\n"
	"duration: 5ms\n"
	"hosts:\n"
	"  - name: tx\n"
	"    cpus: 2\n"
	"    nics:\n"
	"      - {name: eth0, driver: ixgbe, address: 10.0.0.1/24, tx_udp_segmentation: %s}\n"
	"    neigh:\n"
	"      - {ip: 10.0.0.2, dev: eth0}\n"
	"    sockets:\n"
	"      - {name: a, udp_segment: %u}\n"
	"    apps:\n"
	"      - {name: s, socket: a, cpu: 1, send: {to: '10.0.0.2:443', size: %u, count: %u}}\n"
	"  - name: rx\n"
	"    cpus: 2\n"
	"    nics:\n"
	"      - {name: eth0, driver: ixgbe, address: 10.0.0.2/24}\n"
	"    sockets:\n"
	"      - {name: s0, bind: '0.0.0.0:443', rcvbuf: 8MiB}\n"
	"links:\n"
	"  - {a: tx/eth0, b: rx/eth0}\n";

/* Busy picoseconds of the sender's CPU 1 over the whole run. */
static uint64_t sender_busy(struct world *w)
{
	const struct cpu *c = &test_world_host(w, "tx")->cpus[1];
	uint64_t ps = 0;

	for (int a = 0; a < ACCT_NR; a++)
		if (a != ACCT_IDLE)
			ps += (uint64_t)c->acct[a];
	return ps;
}

START_TEST(test_udp_gso_nic)
{
	static const struct {
		const char *uso; /* tx_udp_segmentation */
		unsigned gso, size, count;
	} runs[] = {
		{ "true", 1200, 12000, 20 },  /* the NIC cuts: 200 frames */
		{ "false", 1200, 12000, 20 }, /* validate_xmit_skb cuts them */
		{ "true", 0, 1200, 200 },     /* 200 plain sendto() calls */
	};
	uint64_t busy[3];
	char yaml[4096];

	for (int i = 0; i < 3; i++) {
		struct world *w;
		struct host *rx, *tx;

		snprintf(yaml, sizeof(yaml), nic_fmt, runs[i].uso, runs[i].gso, runs[i].size,
			 runs[i].count);
		w = test_world_run("gso-nic.yaml", yaml);
		tx = test_world_host(w, "tx");
		rx = test_world_host(w, "rx");
		ck_assert_uint_eq(test_world_dev(tx, "eth0")->tx_packets, 200);
		ck_assert_uint_eq(test_world_dev(tx, "eth0")->tx_bytes, 200 * (1200 + 42));
		ck_assert_uint_eq(tx->udp.OutDatagrams, runs[i].count);
		ck_assert_uint_eq(tx->ip.OutRequests, runs[i].count);
		/* the wire carries frames: the receiver sees 200 datagrams of 1200 bytes */
		ck_assert_uint_eq(rx->ip.InReceives, 200);
		ck_assert_uint_eq(test_world_sock(rx, "s0")->sk_receive_queue.qlen, 200);
		ck_assert_uint_eq(test_world_sock(rx, "s0")->sk_rmem_alloc, 200 * 2304);
		/* everything completed: the send buffer is empty again */
		ck_assert_uint_eq(test_world_sock(tx, "a")->sk_wmem_alloc, 0);
		busy[i] = sender_busy(w);
		world_free(w);
	}
	ck_assert_uint_lt(busy[0], busy[1]); /* software GSO costs the sender */
	ck_assert_uint_lt(busy[1], busy[2]); /* one pass through the stack, not ten */
}
END_TEST

Suite *udp_gso_suite(void);

Suite *udp_gso_suite(void)
{
	Suite *s = suite_create("udp_gso");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_udp_gso_kernel_ref);
	tcase_add_test(tc, test_udp_gso_nic);
	suite_add_tcase(s, tc);
	return s;
}
