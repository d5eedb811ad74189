/*
 * tests/test_kernel_tx.c - the send path against the real kernel.
 *
 * The reference data was measured on Linux 6.18 in network namespaces by
 * tests/kernel-ref/measure.py and measure_tx.py (see tests/kernel-ref/README.md):
 *  - udp_rcvbuf.csv, loopback and veth rows: a sender over lo (or a veth
 *    pair between two namespaces) into a socket nobody reads, for 18 payload
 *    sizes over lo and 12 over veth, each with 7 SO_RCVBUF settings: the truesize of a locally built
 *    datagram, how many are admitted, RcvbufErrors;
 *  - udp_tx_qdisc.csv, tbf rows with 1000-byte payloads: 200 datagrams sent
 *    back to back into `tbf rate 1mbit burst 1540 limit L`, with and without
 *    IP_RECVERR: what send() returns and what Udp/Ip count;
 *  - noports.csv: 50 datagrams to a closed port over loopback (ICMP not
 *    rate-limited) and over veth (6 sent, 44 limited per peer).
 * The simulator runs the same experiment and must give the same counts.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/apps/app.h"
#include "models/core/netdevice.h"
#include "models/scenario.h"
#include "models/sched/sch_generic.h"
#include "models/ipv4/sock.h"
#include "models/ipv4/udp.h"
#include "sim/cfg.h"
#include "tests/test_world.h"

static struct world *build(const char *yaml)
{
	return test_world_run("ktx.yaml", yaml);
}

/* Column @name's index in the header line @hdr (comma separated). */
static int csv_col(const char *hdr, const char *name)
{
	char buf[4096], *save = NULL, *tok;
	int i = 0;

	snprintf(buf, sizeof(buf), "%s", hdr);
	for (tok = strtok_r(buf, ",\n", &save); tok; tok = strtok_r(NULL, ",\n", &save), i++)
		if (!strcmp(tok, name))
			return i;
	ck_abort_msg("no column '%s'", name);
	return -1;
}

/* Field @ix of a CSV line (empty fields kept) into @out. */
static void csv_field(const char *line, int ix, char *out, size_t len)
{
	const char *p = line;

	for (int i = 0; i < ix && p; i++) {
		p = strchr(p, ',');
		if (p)
			p++;
	}
	ck_assert(p != NULL);
	snprintf(out, len, "%.*s", (int)strcspn(p, ",\n"), p);
}

static long csv_long(const char *line, int ix)
{
	char f[64];

	csv_field(line, ix, f, sizeof(f));
	return strtol(f, NULL, 10);
}

/* ---- loopback admission ---- */

static const char lo_fmt[] =
	"name: ktx-lo\n"
	"duration: 50ms\n"
	"hosts:\n"
	"  - name: box\n"
	"    cpus: 2\n"
	"    sockets:\n"
	"      - {name: srv, bind: '127.0.0.1:5000'%s}\n"
	"      - {name: cli}\n"
	"    apps:\n"
	"      - {name: tx, socket: cli, cpu: 0, batch: 64,\n"
	"         send: {to: '127.0.0.1:5000', size: %ld, syscall: sendmmsg, count: %ld}}\n";

static const char veth_fmt[] =
	"name: ktx-veth\n"
	"duration: 50ms\n"
	"hosts:\n"
	"  - name: a\n"
	"    cpus: 2\n"
	"    nics:\n"
	"      - {name: a0, driver: veth, peer: b/b0, address: 10.77.0.1/24}\n"
	"    sockets:\n"
	"      - {name: cli}\n"
	"    apps:\n"
	"      - {name: tx, socket: cli, cpu: 0, batch: 64,\n"
	"         send: {to: '10.77.0.2:5000', size: %ld, syscall: sendmmsg, count: %ld}}\n"
	"  - name: b\n"
	"    machine: a\n"
	"    nics:\n"
	"      - {name: b0, driver: veth, peer: a/a0, address: 10.77.0.2/24}\n"
	"    sockets:\n"
	"      - {name: srv, bind: '10.77.0.2:5000'%s}\n";

/* Every row of udp_rcvbuf.csv for @path ("loopback" or "veth"). */
static void admission_rows(const char *path_want)
{
	FILE *f = fopen("kernel-ref/udp_rcvbuf.csv", "r");
	char hdr[4096], line[4096], set[64], rcvbuf[96], yaml[2048];
	int c_path, c_pay, c_set, c_sent, c_read, c_err, c_T, rows = 0;

	ck_assert_msg(f != NULL, "kernel-ref/udp_rcvbuf.csv is missing");
	ck_assert(fgets(hdr, sizeof(hdr), f));
	c_path = csv_col(hdr, "path");
	c_pay = csv_col(hdr, "payload");
	c_set = csv_col(hdr, "so_rcvbuf_set");
	c_sent = csv_col(hdr, "sent");
	c_read = csv_col(hdr, "read_back");
	c_err = csv_col(hdr, "rcvbuf_errors");
	c_T = csv_col(hdr, "truesize");
	while (fgets(line, sizeof(line), f)) {
		char path[32];
		long payload = csv_long(line, c_pay), sent = csv_long(line, c_sent);
		struct world *w;
		struct host *h;
		struct sock *sk;

		csv_field(line, c_path, path, sizeof(path));
		if (strcmp(path, path_want))
			continue;
		ck_assert_msg(udp_tx_truesize((uint32_t)payload) == csv_long(line, c_T),
			      "payload %ld: truesize %u, kernel %ld", payload,
			      udp_tx_truesize((uint32_t)payload), csv_long(line, c_T));
		csv_field(line, c_set, set, sizeof(set));
		snprintf(rcvbuf, sizeof(rcvbuf), *set ? ", rcvbuf: %s" : "%s", set);
		if (!strcmp(path, "veth"))
			snprintf(yaml, sizeof(yaml), veth_fmt, payload, sent, rcvbuf);
		else
			snprintf(yaml, sizeof(yaml), lo_fmt, rcvbuf, payload, sent);
		w = build(yaml);
		h = w->hosts[w->nhosts - 1];
		sk = h->socks[0];
		ck_assert_msg(
			sk->sk_receive_queue.qlen == (uint32_t)csv_long(line, c_read) &&
				h->udp.RcvbufErrors == (uint64_t)csv_long(line, c_err),
			"%s payload %ld SO_RCVBUF '%s': queued %u refused %llu, kernel %ld %ld",
			path, payload, set, sk->sk_receive_queue.qlen,
			(unsigned long long)h->udp.RcvbufErrors, csv_long(line, c_read),
			csv_long(line, c_err));
		ck_assert_uint_eq(w->hosts[0]->udp.OutDatagrams, (uint64_t)sent);
		world_free(w);
		rows++;
	}
	fclose(f);
	ck_assert_int_ge(rows, 80);
}

START_TEST(test_loopback_admission)
{
	admission_rows("loopback");
}
END_TEST

START_TEST(test_veth_admission)
{
	admission_rows("veth");
}
END_TEST

/* ---- a qdisc drop as a UDP sender sees it ---- */

static const char tbf_fmt[] =
	"name: ktx-tbf\n"
	"duration: 50ms\n"
	"hosts:\n"
	"  - name: a\n"
	"    cpus: 2\n"
	"    nics:\n"
	"      - {name: eth0, driver: ixgbe, address: 10.77.0.1/24,\n"
	"         qdisc: {kind: tbf, rate: 1Mbit, burst: 1540, limit: %ld}}\n"
	"    neigh:\n"
	"      - {ip: 10.77.0.2, dev: eth0}\n"
	"    sockets:\n"
	"      - {name: s, sndbuf: 4MiB, recverr: %s}\n"
	"    apps:\n"
	"      - {name: tx, socket: s, cpu: 1, batch: 64,\n"
	"         send: {to: '10.77.0.2:5000', size: 1000, syscall: sendmmsg, count: %ld}}\n";

static void tbf_row(const char *hdr, const char *line)
{
	long limit = csv_long(line, csv_col(hdr, "limit_bytes"));
	long recverr = csv_long(line, csv_col(hdr, "recverr"));
	long sent = csv_long(line, csv_col(hdr, "sent_attempts"));
	char yaml[2048];
	struct world *w;
	struct host *h;
	struct app *a;
	struct Qdisc *q;

	snprintf(yaml, sizeof(yaml), tbf_fmt, limit, recverr ? "true" : "false", sent);
	w = build(yaml);
	h = w->hosts[0];
	a = h->apps[0];
	q = h->devs[0]->txq[0].qdisc;
#define CHECK(sim, col)                                                                            \
	ck_assert_msg((long)(sim) == csv_long(line, csv_col(hdr, col)),                            \
		      "tbf limit %ld recverr %ld: %s %ld, kernel %ld", limit, recverr, col,        \
		      (long)(sim), csv_long(line, csv_col(hdr, col)))
	CHECK(a->sent - a->errors[APP_ENOBUFS], "send_ok");
	CHECK(a->errors[APP_ENOBUFS], "send_errors");
	CHECK(h->udp.OutDatagrams, "out_datagrams");
	CHECK(h->udp.SndbufErrors, "sndbuf_errors");
	CHECK(h->ip.OutRequests, "ip_out_requests");
	CHECK(h->ip.OutDiscards, "ip_out_discards");
	CHECK(h->ip.OutTransmits, "ip_out_transmits");
	CHECK(q->stats.drops, "qdisc_dropped");
#undef CHECK
	world_free(w);
}

START_TEST(test_tbf_sender_view)
{
	FILE *f = fopen("kernel-ref/udp_tx_qdisc.csv", "r");
	char hdr[8192], line[8192], kind[32];
	int rows = 0;

	ck_assert_msg(f != NULL, "kernel-ref/udp_tx_qdisc.csv is missing");
	ck_assert(fgets(hdr, sizeof(hdr), f));
	while (fgets(line, sizeof(line), f)) {
		csv_field(line, csv_col(hdr, "case"), kind, sizeof(kind));
		/* 100-byte rows depend on token refills during the burst (README) */
		if (strcmp(kind, "tbf") || csv_long(line, csv_col(hdr, "payload")) != 1000)
			continue;
		tbf_row(hdr, line);
		rows++;
	}
	fclose(f);
	ck_assert_int_ge(rows, 6);
}
END_TEST

/* ---- NoPorts and ICMP over loopback and veth ---- */

static void noports_row(const char *path, const char *yaml)
{
	FILE *f = fopen("kernel-ref/noports.csv", "r");
	char hdr[256], line[256], want[32];
	struct world *w = build(yaml);
	struct host *h = w->hosts[w->nhosts - 1];
	int rows = 0;

	snprintf(want, sizeof(want), "%s,", path);
	ck_assert(f != NULL);
	ck_assert(fgets(hdr, sizeof(hdr), f));
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, want, strlen(want)))
			continue;
		rows++;
		ck_assert_uint_eq(h->udp.NoPorts,
				  (uint64_t)csv_long(line, csv_col(hdr, "noports")));
		ck_assert_uint_eq(h->icmp.OutDestUnreachs,
				  (uint64_t)csv_long(line, csv_col(hdr, "out_dest_unreachs")));
		ck_assert_uint_eq(h->icmp.OutRateLimitHost,
				  (uint64_t)csv_long(line, csv_col(hdr, "ratelimit_host")));
		ck_assert_uint_eq(h->icmp.OutRateLimitGlobal,
				  (uint64_t)csv_long(line, csv_col(hdr, "ratelimit_global")));
	}
	fclose(f);
	ck_assert_int_eq(rows, 1);
	world_free(w);
}

START_TEST(test_noports_loopback)
{
	noports_row("loopback", "name: ktx-noports\n"
				"duration: 20ms\n"
				"hosts:\n"
				"  - name: box\n"
				"    sockets:\n"
				"      - {name: cli}\n"
				"    apps:\n"
				"      - {name: tx, socket: cli, batch: 64,\n"
				"         send: {to: '127.0.0.1:7', size: 100, syscall: sendmmsg, "
				"count: 50}}\n");
}
END_TEST

START_TEST(test_noports_veth)
{
	noports_row("veth",
		    "name: ktx-noports-veth\n"
		    "duration: 20ms\n"
		    "hosts:\n"
		    "  - name: a\n"
		    "    nics:\n"
		    "      - {name: a0, driver: veth, peer: b/b0, address: 10.77.0.1/24}\n"
		    "    sockets:\n"
		    "      - {name: cli}\n"
		    "    apps:\n"
		    "      - {name: tx, socket: cli, batch: 64,\n"
		    "         send: {to: '10.77.0.2:7', size: 100, syscall: sendmmsg, "
		    "count: 50}}\n"
		    "  - name: b\n"
		    "    machine: a\n"
		    "    nics:\n"
		    "      - {name: b0, driver: veth, peer: a/a0, address: 10.77.0.2/24}\n");
}
END_TEST

Suite *kernel_tx_suite(void);

Suite *kernel_tx_suite(void)
{
	Suite *s = suite_create("kernel_tx");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_loopback_admission);
	tcase_add_test(tc, test_veth_admission);
	tcase_add_test(tc, test_noports_veth);
	tcase_add_test(tc, test_tbf_sender_view);
	tcase_add_test(tc, test_noports_loopback);
	suite_add_tcase(s, tc);
	return s;
}
