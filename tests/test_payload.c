/*
 * tests/test_payload.c - the truesize of every UDP payload size, loopback and veth.
 *
 * Against the real kernel: tests/kernel-ref/payload.csv, measured on Linux
 * 6.18 by tests/kernel-ref/measure_payload.py: one datagram of each payload
 * 0..65507 into a socket nobody reads, its SO_MEMINFO rmem_alloc (the queued
 * skb's truesize) read, the datagram drained. Here the same sweep runs
 * through the model's own code: udp_sendmsg and udp_send_commit build and
 * hand off the datagram (ip_make_skb's truesize, ip_do_fragment above the
 * MTU), the event queue runs the softirq that the send raised (loopback_xmit
 * or veth_xmit, netif_rx, ip_rcv, ip_defrag's reassembly, the socket's
 * admission), and the receiving socket's sk_rmem_alloc is compared with the
 * kernel's, for all 2 x 65508 sizes. Then the socket is drained as recvmsg
 * does and the run must conserve every packet.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/core/observe.h"
#include "models/ipv4/ip.h"
#include "models/ipv4/ip_fragment.h"
#include "models/scenario.h"
#include "models/ipv4/sock.h"
#include "models/ipv4/udp.h"
#include "sim/cfg.h"
#include "tests/test_world.h"

#define PAYLOAD_CSV "kernel-ref/payload.csv"
#define NPAYLOADS   (UDP_MAX_PAYLOAD + 1)

/* The two paths of measure_payload.py, as scenarios without applications. */
static const char lo_yaml[] = "name: payload-lo\n"
			      "duration: 1ms\n"
			      "hosts:\n"
			      "  - name: box\n"
			      "    cpus: 1\n"
			      "    sockets:\n"
			      "      - {name: rx, bind: '127.0.0.1:9999'}\n"
			      "      - {name: tx}\n";

static const char veth_yaml[] =
	"name: payload-veth\n"
	"duration: 1ms\n"
	"hosts:\n"
	"  - name: A\n"
	"    cpus: 1\n"
	"    nics:\n"
	"      - {name: va, driver: veth, peer: B/vb, address: 10.202.0.1/24}\n"
	"    neigh:\n"
	"      - {ip: 10.202.0.2, dev: va}\n"
	"    sockets:\n"
	"      - {name: tx}\n"
	"  - name: B\n"
	"    machine: A\n"
	"    nics:\n"
	"      - {name: vb, driver: veth, peer: A/va, address: 10.202.0.2/24}\n"
	"    neigh:\n"
	"      - {ip: 10.202.0.1, dev: vb}\n"
	"    sockets:\n"
	"      - {name: rx, bind: '0.0.0.0:9999'}\n";

static const struct payload_path {
	const char *name;    /* path column of payload.csv */
	const char *yaml;    /* the scenario */
	const char *tx_host; /* the sender's host */
	const char *rx_host; /* the receiver's host */
	const char *daddr;   /* the receiver's address */
} paths[] = {
	{ "loopback", lo_yaml, "box", "box", "127.0.0.1" },
	{ "veth", veth_yaml, "A", "B", "10.202.0.2" },
};

/* The kernel's truesize of every payload on @path, expanded from payload.csv's runs. */
static void ref_load(const char *path, uint32_t *ts)
{
	FILE *f = test_ref_open(PAYLOAD_CSV);
	char line[256], p[16];
	unsigned from, to, t, per_byte;
	unsigned next = 0;

	ck_assert_msg(fgets(line, sizeof(line), f) != NULL, "%s is empty", PAYLOAD_CSV);
	ck_assert_str_eq(line, "path,payload_from,payload_to,truesize,per_byte\n");
	while (fgets(line, sizeof(line), f)) {
		ck_assert_msg(sscanf(line, "%15[^,],%u,%u,%u,%u", p, &from, &to, &t, &per_byte) ==
				      5,
			      "%s: bad line '%s'", PAYLOAD_CSV, line);
		if (strcmp(p, path))
			continue;
		ck_assert_msg(from == next && to >= from && to < NPAYLOADS,
			      "%s: %s runs not contiguous at %u", PAYLOAD_CSV, path, from);
		for (unsigned n = from; n <= to; n++)
			ts[n] = t + per_byte * (n - from);
		next = to + 1;
	}
	fclose(f);
	ck_assert_msg(next == NPAYLOADS, "%s: %s covers 0..%u only", PAYLOAD_CSV, path, next - 1);
}

static struct world *build(const char *yaml)
{
	struct sim_error err = { 0 };
	struct cfg c = { 0 };
	struct world *w;

	ck_assert_msg(cfg_load_string(&c, "payload.yaml", yaml, &err) == 0, "%s", err.msg);
	w = world_create(&c, -1, &err);
	cfg_release(&c);
	ck_assert_msg(w != NULL, "%s", err.msg);
	return w;
}

/*
 * One sendto() of @payload bytes as the application's send does it, then the
 * softirq it raised; the truesize left queued on @rx, which is then drained.
 */
static uint32_t send_one(struct world *w, struct sock *tx, struct sock *rx, uint32_t daddr,
			 uint32_t payload)
{
	struct cpu *c = &tx->host->cpus[0];
	struct udp_tx t = { 0 };
	uint64_t cycles = 0;
	struct sk_buff *skb;
	uint32_t ts;
	int rc;

	rc = udp_sendmsg(tx, daddr, 9999, payload, &t, &cycles);
	ck_assert_msg(rc == 0, "payload %u: udp_sendmsg %d", payload, rc);
	rc = udp_send_commit(c, tx, &t, &cycles);
	ck_assert_msg(rc == 0, "payload %u: udp_send_commit %d", payload, rc);
	local_bh_enable(c);
	cpu_kick(c);
	sim_eventq_run(&w->q, w->q.now + SIM_MS);
	ts = rx->sk_rmem_alloc;
	skb = sock_dequeue(rx);
	ck_assert_msg(skb != NULL, "payload %u: nothing queued", payload);
	ck_assert_msg(skb->len == payload + UDP_FRAME_HDRS, "payload %u: len %u", payload,
		      skb->len);
	ck_assert_msg(!sock_readable(rx) && rx->sk_rmem_alloc == 0,
		      "payload %u: more than one skb queued", payload);
	consume_skb(rx->host, skb);
	return ts;
}

START_TEST(test_payload_sweep)
{
	const struct payload_path *pp = &paths[_i];
	uint32_t *want = calloc(NPAYLOADS, sizeof(*want));
	struct world *w = build(pp->yaml);
	struct sock *tx = test_world_sock(test_world_host(w, pp->tx_host), "tx");
	struct sock *rx = test_world_sock(test_world_host(w, pp->rx_host), "rx");
	uint32_t daddr, bad = 0, first = 0, first_got = 0;

	ck_assert_ptr_nonnull(want);
	ck_assert(!inet_parse_addr(pp->daddr, &daddr));
	ref_load(pp->name, want);
	for (uint32_t n = 0; n < NPAYLOADS; n++) {
		uint32_t got = send_one(w, tx, rx, daddr, n);

		if (got != want[n] && !bad++) {
			first = n;
			first_got = got;
		}
	}
	ck_assert_msg(!bad, "%s: %u of %u payloads differ from the kernel; first %u: %u, kernel %u",
		      pp->name, bad, NPAYLOADS, first, first_got, want[first]);
	ck_assert(world_conserved(w));
	ck_assert_uint_eq(world_in_flight(w), 0);
	world_free(w);
	free(want);
}
END_TEST

Suite *payload_suite(void);

Suite *payload_suite(void)
{
	Suite *s = suite_create("payload");
	TCase *tc = tcase_create("sweep");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_payload_sweep, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}
