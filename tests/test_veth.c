/*
 * tests/test_veth.c - veth's two receive modes (netif_rx and NAPI), the ring
 * and its backpressure, and the XDP verdicts (models/veth.c).
 *
 * The reference model of each row is the kernel rule written out in the
 * table: which configurations take the NAPI path (veth_xmit's use_napi), and
 * what a full ring does with and without a qdisc (veth_xmit after Linux 6.16).
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "models/nic.h"
#include "models/sch_generic.h"
#include "models/scenario.h"
#include "models/sock.h"
#include "models/veth.h"
#include "tests/test_world.h"

/* A sends 100 datagrams of 100 bytes to B's socket, one sendto() each; no ARP. */
static const char mode_fmt[] =
	"name: veth-mode\n"
	"duration: 20ms\n"
	"hosts:\n"
	"  - name: A\n"
	"    cpus: 2\n"
	"    nics:\n"
	"      - {name: a0, driver: veth, peer: B/b0, address: 10.79.0.1/24%s}\n"
	"    neigh:\n"
	"      - {ip: 10.79.0.2, dev: a0}\n"
	"    sockets:\n"
	"      - {name: cli}\n"
	"    apps:\n"
	"      - {name: tx, socket: cli, cpu: 0,\n"
	"         send: {to: '10.79.0.2:5000', size: 100, count: 100}}\n"
	"  - name: B\n"
	"    machine: A\n"
	"    nics:\n"
	"      - {name: b0, driver: veth, peer: A/a0, address: 10.79.0.2/24%s}\n"
	"    sockets:\n"
	"      - {name: srv, bind: '10.79.0.2:5000', rcvbuf: 4MiB}\n"
	"    apps:\n"
	"      - {name: rx, socket: srv, cpu: 1}\n";

static const struct {
	const char *name;    /* configuration */
	const char *a0, *b0; /* extra keys of the sender's and receiver's veth */
	bool napi;	     /* veth_xmit's use_napi for these datagrams */
} mode_rows[] = {
	{ "default", "", "", false },
	/* GRO gives the rq a NAPI, but TSO on the sender makes UDP ineligible */
	{ "gro", "", ", gro: true", false },
	{ "gro + rx-udp-gro-forwarding", "", ", gro: true, rx_udp_gro_forwarding: true", true },
	{ "gro + rx-gro-list", "", ", gro: true, rx_gro_list: true", true },
	{ "gro + sender tso off", ", tso: false", ", gro: true", true },
	{ "rx-gro-list without gro", "", ", rx_gro_list: true", false },
	{ "xdp pass", "", ", xdp: pass", true },
	{ "xdp pass + gro", "", ", xdp: pass, gro: true", true },
};

static const struct veth_rq *rq_of(struct host *h)
{
	return h->devs[0]->veth->rq;
}

START_TEST(test_mode_selection)
{
	char yaml[2048];
	struct world *w;
	struct host *a, *b;
	const struct veth_rq *rq;

	snprintf(yaml, sizeof(yaml), mode_fmt, mode_rows[_i].a0, mode_rows[_i].b0);
	w = test_world_run("veth-mode.yaml", yaml);
	a = test_world_host(w, "A");
	b = test_world_host(w, "B");
	rq = rq_of(b);
	ck_assert_msg(b->udp.InDatagrams == 100, "%s: %llu received", mode_rows[_i].name,
		      (unsigned long long)b->udp.InDatagrams);
	ck_assert_msg((rq && rq->xdp_packets == 100) == mode_rows[_i].napi,
		      "%s: xdp_packets %llu, want NAPI %d", mode_rows[_i].name,
		      (unsigned long long)(rq ? rq->xdp_packets : 0), mode_rows[_i].napi);
	/* both ends count every datagram whichever way it went (veth_get_stats64) */
	ck_assert_uint_eq(a->devs[0]->tx_packets, 100);
	ck_assert_uint_eq(b->devs[0]->rx_packets, 100);
	ck_assert_uint_eq(b->devs[0]->rx_bytes, 100 * (100 + 28 + 14));
	world_free(w);
}
END_TEST

/*
 * Two senders on CPUs 1 and 2 as fast as they can into a receiver whose UDP
 * path costs 2 us: the NAPI scheduled on one CPU cannot drain what the other
 * adds, and the 256-entry ring fills.
 */
static const char ring_fmt[] =
	"name: veth-ring\n"
	"duration: 5ms\n"
	"costs: {udp_rcv: 6000}\n"
	"hosts:\n"
	"  - name: A\n"
	"    cpus: 4\n"
	"    nics:\n"
	"      - {name: a0, driver: veth, peer: B/b0, address: 10.79.0.1/24%s}\n"
	"    sockets:\n"
	"      - {name: s1, sndbuf: 4MiB}\n"
	"      - {name: s2, sndbuf: 4MiB}\n"
	"    apps:\n"
	"      - {name: t1, socket: s1, cpu: 1, batch: 64,\n"
	"         send: {to: '10.79.0.2:5000', size: 64, syscall: sendmmsg}}\n"
	"      - {name: t2, socket: s2, cpu: 2, batch: 64,\n"
	"         send: {to: '10.79.0.2:5000', size: 64, syscall: sendmmsg}}\n"
	"  - name: B\n"
	"    machine: A\n"
	"    nics:\n"
	"      - {name: b0, driver: veth, peer: A/a0, address: 10.79.0.2/24,\n"
	"         gro: true, rx_gro_list: true}\n"
	"    sockets:\n"
	"      - {name: srv, bind: '10.79.0.2:5000', rcvbuf: 64MiB}\n"
	"    apps:\n"
	"      - {name: rx, socket: srv, cpu: 3, syscall: recvmmsg, batch: 64}\n";

static uint64_t drops_at(const struct host *h, enum skb_drop_reason reason, enum stage_id stage)
{
	int d = drop_point_find(reason, stage);

	return d < 0 ? 0 : h->drops[d];
}

/* noqueue (veth's default): a full ring drops, the sender sees silent success. */
START_TEST(test_ring_full_noqueue)
{
	char yaml[2048];
	struct world *w;
	struct host *a;
	uint64_t ring_drops;

	snprintf(yaml, sizeof(yaml), ring_fmt, "");
	w = test_world_run("veth-ring.yaml", yaml);
	a = test_world_host(w, "A");
	ring_drops = drops_at(a, SKB_DROP_REASON_NOT_SPECIFIED, STAGE_T15);
	ck_assert_uint_gt(ring_drops, 1000);
	ck_assert_uint_eq(a->devs[0]->tx_dropped, ring_drops);
	/* veth_xmit returns NET_XMIT_DROP: udp_send_skb's ENOBUFS without IP_RECVERR */
	ck_assert_uint_eq(a->udp.SndbufErrors, ring_drops);
	ck_assert_uint_eq(a->ip.OutDiscards, ring_drops);
	ck_assert_uint_eq(a->devs[0]->txq[0].qdisc->stats.requeues, 0);
	world_free(w);
}
END_TEST

/* With a qdisc the full ring stops the queue: requeues, no driver drops, the qdisc holds. */
START_TEST(test_ring_full_backpressure)
{
	char yaml[2048];
	struct world *w;
	struct host *a;
	const struct nic_tx_queue *q;

	snprintf(yaml, sizeof(yaml), ring_fmt, ", qdisc: {kind: pfifo, limit: 100}");
	w = test_world_run("veth-ring.yaml", yaml);
	a = test_world_host(w, "A");
	q = &a->devs[0]->txq[0];
	ck_assert_uint_eq(drops_at(a, SKB_DROP_REASON_NOT_SPECIFIED, STAGE_T15), 0);
	ck_assert_uint_eq(a->devs[0]->tx_dropped, 0);
	ck_assert_uint_gt(q->qdisc->stats.requeues, 10);
	ck_assert_uint_eq(q->stops, q->qdisc->stats.requeues);
	ck_assert_uint_ge(q->wakes + 1, q->stops);
	ck_assert_uint_gt(q->qdisc->stats.drops, 1000); /* the overload now lands in the qdisc */
	ck_assert_uint_eq(drops_at(a, SKB_DROP_REASON_QDISC_DROP, STAGE_T13),
			  q->qdisc->stats.drops);
	world_free(w);
}
END_TEST

/* XDP_DROP on the receiver: every datagram counted in xdp_packets and xdp_drops. */
START_TEST(test_xdp_drop)
{
	char yaml[2048];
	struct world *w;
	struct host *b;

	snprintf(yaml, sizeof(yaml), mode_fmt, "", ", xdp: drop");
	w = test_world_run("veth-mode.yaml", yaml);
	b = test_world_host(w, "B");
	ck_assert_uint_eq(b->udp.InDatagrams, 0);
	ck_assert_uint_eq(rq_of(b)->xdp_packets, 100);
	ck_assert_uint_eq(rq_of(b)->xdp_drops, 100);
	ck_assert_uint_eq(drops_at(b, SKB_DROP_REASON_NOT_SPECIFIED, STAGE_R9), 100);
	ck_assert_uint_eq(b->ip.InReceives, 0);
	world_free(w);
}
END_TEST

/* NAPI mode changes where the packets wait, not the socket's admission rule. */
START_TEST(test_napi_admission_matches_backlog)
{
	static const char fmt[] =
		"name: veth-adm\n"
		"duration: 20ms\n"
		"hosts:\n"
		"  - name: A\n"
		"    cpus: 2\n"
		"    nics:\n"
		"      - {name: a0, driver: veth, peer: B/b0, address: 10.79.0.1/24}\n"
		"    sockets:\n"
		"      - {name: cli}\n"
		"    apps:\n"
		"      - {name: tx, socket: cli, cpu: 0,\n"
		"         send: {to: '10.79.0.2:5000', size: 1000, count: 200}}\n"
		"  - name: B\n"
		"    machine: A\n"
		"    nics:\n"
		"      - {name: b0, driver: veth, peer: A/a0, address: 10.79.0.2/24%s}\n"
		"    sockets:\n"
		"      - {name: srv, bind: '10.79.0.2:5000', rcvbuf: 100000}\n";
	char yaml[2048];
	uint32_t queued[2];

	for (int i = 0; i < 2; i++) {
		struct world *w;

		snprintf(yaml, sizeof(yaml), fmt, i ? ", gro: true, rx_gro_list: true" : "");
		w = test_world_run("veth-adm.yaml", yaml);
		queued[i] = test_world_host(w, "B")->socks[0]->sk_receive_queue.qlen;
		world_free(w);
	}
	ck_assert_uint_gt(queued[0], 0);
	ck_assert_uint_eq(queued[0], queued[1]);
}
END_TEST

Suite *veth_suite(void);

Suite *veth_suite(void)
{
	Suite *s = suite_create("veth");
	TCase *tc = tcase_create("veth");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_mode_selection, 0,
			    (int)(sizeof(mode_rows) / sizeof(mode_rows[0])));
	tcase_add_test(tc, test_ring_full_noqueue);
	tcase_add_test(tc, test_ring_full_backpressure);
	tcase_add_test(tc, test_xdp_drop);
	tcase_add_test(tc, test_napi_admission_matches_backlog);
	suite_add_tcase(s, tc);
	return s;
}
