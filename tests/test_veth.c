/*
 * tests/test_veth.c - veth's two receive modes (netif_rx and NAPI), the ring
 * and its backpressure, and the XDP verdicts (models/drivers/veth.c).
 *
 * Mode selection and socket admission per mode are compared with the real
 * kernel (tests/kernel-ref/veth_napi.csv, measured on 6.18 by
 * measure_veth_napi.py); what a full ring does with and without a qdisc
 * (veth_xmit after Linux 6.16) and XDP_DROP are checked against the
 * kernel's rule written out in each test.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/core/netdevice.h"
#include "models/sched/sch_generic.h"
#include "models/scenario.h"
#include "models/ipv4/sock.h"
#include "models/ipv4/udp.h"
#include "models/drivers/veth.h"
#include "tests/test_world.h"

/*
 * A sends datagrams to B's socket, one sendto() each, no ARP. Arguments: a0's
 * extra keys, payload, count, b0's extra keys, B's SO_RCVBUF, B's apps.
 */
static const char pair_fmt[] =
	"name: veth-pair\n"
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
	"         send: {to: '10.79.0.2:5000', size: %d, count: %llu}}\n"
	"  - name: B\n"
	"    machine: A\n"
	"    nics:\n"
	"      - {name: b0, driver: veth, peer: A/a0, address: 10.79.0.2/24%s}\n"
	"    sockets:\n"
	"      - {name: srv, bind: '10.79.0.2:5000', rcvbuf: %s}\n"
	"%s";

/* B's reader, for the cases where B reads everything. */
static const char reader[] = "    apps:\n      - {name: rx, socket: srv, cpu: 1}\n";

/* 100 datagrams of 100 bytes into a 4 MiB buffer that B reads. */
static struct world *run_hundred(const char *a0, const char *b0)
{
	char yaml[2048];

	snprintf(yaml, sizeof(yaml), pair_fmt, a0, 100, 100ull, b0, "4MiB", reader);
	return test_world_run("veth-pair.yaml", yaml);
}

/* veth_napi.csv (measure_veth_napi.py): case,counter,value. */
static const char *ref_path = "kernel-ref/veth_napi.csv";

/* The value of @counter in @case_name, or -1 when the CSV has no such row. */
static double ref_value(const char *case_name, const char *counter)
{
	FILE *f = test_ref_open(ref_path);
	struct ref_row r;
	double v = -1;

	while (v < 0 && test_ref_next(f, false, &r))
		if (!strcmp(r.c, case_name) && !strcmp(r.k, counter))
			v = atof(r.val);
	fclose(f);
	return v;
}

static uint64_t ref_u64(const char *case_name, const char *counter)
{
	double v = ref_value(case_name, counter);

	ck_assert_msg(v >= 0, "%s: no row %s,%s", ref_path, case_name, counter);
	return (uint64_t)v;
}

/* The measured configurations and their scenario keys (a0's, b0's). */
static const struct {
	const char *name;    /* case name in veth_napi.csv ("mode.NAME") */
	const char *a0, *b0; /* extra keys of the sender's and receiver's veth */
} mode_rows[] = {
	{ "a_default", "", "" },
	{ "b_gro", "", ", gro: true" }, /* TSO on the sender: UDP not eligible */
	{ "c_gro_udpfwd", "", ", gro: true, rx_udp_gro_forwarding: true" },
	{ "d_gro_grolist", "", ", gro: true, rx_gro_list: true" },
	{ "e_gro_tsooff", ", tso: false", ", gro: true" },
	{ "f_xdp", "", ", xdp: pass" },
	{ "g_xdp_gro", "", ", xdp: pass, gro: true" },
};

static const struct veth_rq *rq_of(struct host *h)
{
	return veth_priv(h->devs[0])->rq;
}

/* Which path 100 datagrams take, against the kernel's rx_queue_0_xdp_packets. */
START_TEST(test_mode_selection)
{
	char c[64];
	struct world *w;
	struct host *a, *b;
	const struct veth_rq *rq;
	struct rtnl_link_stats64 as, bs;
	uint64_t xdp_packets, bytes;

	snprintf(c, sizeof(c), "mode.%s", mode_rows[_i].name);
	w = run_hundred(mode_rows[_i].a0, mode_rows[_i].b0);
	a = test_world_host(w, "A");
	b = test_world_host(w, "B");
	rq = rq_of(b);
	dev_get_stats(a->devs[0], &as);
	dev_get_stats(b->devs[0], &bs);
	xdp_packets = rq ? rq->xdp_packets : 0;
	ck_assert_msg(xdp_packets == ref_u64(c, "xdp_packets"), "%s: xdp_packets %llu, kernel %llu",
		      c, (unsigned long long)xdp_packets,
		      (unsigned long long)ref_u64(c, "xdp_packets"));
	ck_assert_uint_eq(b->udp.InDatagrams, ref_u64(c, "udp_in_datagrams"));
	ck_assert_uint_eq(bs.rx_packets, ref_u64(c, "b0_rx_packets"));
	ck_assert_uint_eq(as.tx_packets, ref_u64(c, "a0_tx_packets"));
	ck_assert_uint_eq(as.tx_dropped, ref_u64(c, "a0_tx_dropped"));
	if (ref_value(c, "b0_ethtool.rx_queue_0_xdp_bytes") >= 0)
		ck_assert_uint_eq(rq->xdp_bytes, ref_u64(c, "b0_ethtool.rx_queue_0_xdp_bytes"));
	/* NAPI mode counts bytes after eth_type_trans, netif_rx mode before */
	bytes = xdp_packets ? 100 * (100 + 28) : 100 * (100 + 28 + ETH_HLEN);
	ck_assert_uint_eq(bs.rx_bytes, bytes);
	world_free(w);
}
END_TEST

/* Not measured, from the rule: without GRO or XDP the rq has no NAPI at all. */
START_TEST(test_gro_list_without_gro)
{
	struct world *w;

	w = run_hundred("", ", rx_gro_list: true");
	ck_assert_ptr_null(rq_of(test_world_host(w, "B")));
	ck_assert_uint_eq(test_world_host(w, "B")->udp.InDatagrams, 100);
	world_free(w);
}
END_TEST

/* A socket nobody reads, per mode, payload and SO_RCVBUF: admitted and rmem_alloc. */
static const struct {
	const char *mode;    /* "admit.MODE..." in veth_napi.csv */
	const char *a0, *b0; /* veth keys */
} adm_modes[] = {
	{ "backlog", "", "" },
	{ "napi_grolist", "", ", gro: true, rx_gro_list: true" },
	{ "napi_tsooff", ", tso: false", ", gro: true" },
	{ "napi_xdp", "", ", xdp: pass" },
};
static const int adm_payloads[] = { 1, 100, 1000, 1472 };
static const int adm_rcvbufs[] = { 2304, 10000, 100000 };

START_TEST(test_admission_by_mode)
{
	int rows = 0;

	for (size_t p = 0; p < sizeof(adm_payloads) / sizeof(adm_payloads[0]); p++)
		for (size_t r = 0; r < sizeof(adm_rcvbufs) / sizeof(adm_rcvbufs[0]); r++) {
			char c[96], yaml[2048], rcvbuf[16];
			struct world *w;
			const struct sock *sk;
			uint64_t sent;

			snprintf(c, sizeof(c), "admit.%s.p%d.rb%d", adm_modes[_i].mode,
				 adm_payloads[p], adm_rcvbufs[r]);
			sent = ref_u64(c, "sent");
			snprintf(rcvbuf, sizeof(rcvbuf), "%d", adm_rcvbufs[r]);
			snprintf(yaml, sizeof(yaml), pair_fmt, adm_modes[_i].a0, adm_payloads[p],
				 (unsigned long long)sent, adm_modes[_i].b0, rcvbuf, "");
			w = test_world_run("veth-pair.yaml", yaml);
			sk = test_world_host(w, "B")->socks[0];
			ck_assert_msg(sk->sk_receive_queue.qlen == ref_u64(c, "admitted") &&
					      sk->sk_rmem_alloc == ref_u64(c, "rmem_alloc"),
				      "%s: admitted %u rmem %u, kernel %llu %llu", c,
				      sk->sk_receive_queue.qlen, sk->sk_rmem_alloc,
				      (unsigned long long)ref_u64(c, "admitted"),
				      (unsigned long long)ref_u64(c, "rmem_alloc"));
			world_free(w);
			rows++;
		}
	ck_assert_int_eq(rows, 12);
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
	const struct netdev_queue *q;

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

/*
 * RPS on the receiving veth (rps_cpus mask 2: CPU 1; the sender runs on CPU 0):
 * netif_rx_internal puts every datagram on CPU 1's backlog in netif_rx
 * mode, and so does the NAPI poll's netif_receive_skb in NAPI mode.
 */
START_TEST(test_veth_rps)
{
	static const char *const b0[] = { ", rps_cpus: '2'",
					  ", rps_cpus: '2', gro: true, rx_gro_list: true" };
	struct world *w = run_hundred("", b0[_i]);
	struct host *a = test_world_host(w, "A");

	ck_assert_uint_eq(test_world_host(w, "B")->udp.InDatagrams, 100);
	ck_assert_uint_eq(a->cpus[0].sd->processed, 0);
	ck_assert_uint_eq(a->cpus[1].sd->processed, 100);
	ck_assert_uint_gt(a->cpus[1].sd->received_rps, 0);
	world_free(w);
}
END_TEST

/*
 * Multi-queue veth (`queues: 4` on both ends, NAPI on B): 8 flows spread
 * over the TX queues by hash, and each lands on the peer's rq of the same
 * index. When B has fewer queues than A, the packets of A's higher queues
 * have no rq and take netif_rx (veth_xmit's rxq < real_num_rx_queues).
 */
static const char mq_fmt[] =
	"name: veth-mq\n"
	"duration: 20ms\n"
	"hosts:\n"
	"  - name: A\n"
	"    cpus: 2\n"
	"    nics:\n"
	"      - {name: a0, driver: veth, peer: B/b0, address: 10.79.0.1/24, queues: 4}\n"
	"    neigh:\n"
	"      - {ip: 10.79.0.2, dev: a0}\n"
	"    sockets:\n"
	"%s"
	"    apps:\n"
	"%s"
	"  - name: B\n"
	"    machine: A\n"
	"    nics:\n"
	"      - {name: b0, driver: veth, peer: A/a0, address: 10.79.0.2/24, queues: %d,\n"
	"         gro: true, rx_gro_list: true}\n"
	"    sockets:\n"
	"      - {name: srv, bind: '10.79.0.2:5000', rcvbuf: 16MiB}\n";

START_TEST(test_veth_multiqueue)
{
	char socks[1024] = "", apps[2048] = "", yaml[4096];
	struct world *w;
	const struct veth_priv *v;
	const struct net_device *a0;
	uint64_t napi = 0, used = 0;
	int bq = _i ? 1 : 4;

	for (int f = 0; f < 8; f++) {
		char l[256];

		snprintf(l, sizeof(l), "      - {name: s%d, bind: '10.79.0.1:%d'}\n", f, 4000 + f);
		strcat(socks, l);
		snprintf(l, sizeof(l),
			 "      - {name: t%d, socket: s%d, cpu: %d,\n"
			 "         send: {to: '10.79.0.2:5000', size: 100, count: 50}}\n",
			 f, f, f % 2);
		strcat(apps, l);
	}
	snprintf(yaml, sizeof(yaml), mq_fmt, socks, apps, bq);
	w = test_world_run("veth-mq.yaml", yaml);
	v = veth_priv(test_world_host(w, "B")->devs[0]);
	a0 = test_world_host(w, "A")->devs[0];
	ck_assert_uint_eq(v->nq, (uint32_t)bq);
	for (uint32_t i = 0; i < v->nq; i++) {
		napi += v->rq[i].xdp_packets;
		used += v->rq[i].xdp_packets > 0;
	}
	ck_assert_uint_eq(a0->ntxq, 4);
	ck_assert_uint_eq(test_world_host(w, "B")->socks[0]->sk_receive_queue.qlen, 400);
	if (bq == 4) {
		ck_assert_uint_eq(napi, 400); /* every queue has its rq */
		ck_assert_uint_eq(used, 4);   /* the 8 flows spread over all 4 */
	} else {
		ck_assert_uint_gt(napi, 0);   /* queue 0's flows */
		ck_assert_uint_lt(napi, 400); /* the others took netif_rx */
	}
	world_free(w);
}
END_TEST

/* XDP_DROP on the receiver: every datagram counted in xdp_packets and xdp_drops. */
START_TEST(test_xdp_drop)
{
	struct world *w;
	struct host *b;

	w = run_hundred("", ", xdp: drop");
	b = test_world_host(w, "B");
	ck_assert_uint_eq(b->udp.InDatagrams, 0);
	ck_assert_uint_eq(rq_of(b)->xdp_packets, 100);
	ck_assert_uint_eq(rq_of(b)->xdp_drops, 100);
	ck_assert_uint_eq(drops_at(b, SKB_DROP_REASON_NOT_SPECIFIED, STAGE_R9), 100);
	ck_assert_uint_eq(b->ip.InReceives, 0);
	world_free(w);
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
	tcase_add_loop_test(tc, test_veth_multiqueue, 0, 2);
	tcase_add_loop_test(tc, test_veth_rps, 0, 2);
	tcase_add_test(tc, test_gro_list_without_gro);
	tcase_add_loop_test(tc, test_admission_by_mode, 0,
			    (int)(sizeof(adm_modes) / sizeof(adm_modes[0])));
	suite_add_tcase(s, tc);
	return s;
}
