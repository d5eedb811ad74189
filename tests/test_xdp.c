/*
 * tests/test_xdp.c - XDP programs (models/core/xdp.c), the NIC's native hook
 * (models/drivers/nic.c, nic_tx.c) and AF_XDP sockets (models/core/xsk.c).
 *
 *  - bpf_prog_run_xdp against a table of packets whose verdict, rule and
 *    cost were worked out by hand from the rules (first match wins, every
 *    rule tried costs its cycles, ARP matches no rule, redirect without an
 *    XSK is XDP_PASS as bpf_redirect_map(..., XDP_PASS) returns).
 *  - `fraction`: the share taken is binomial; the check allows 4 standard
 *    deviations, and a packet not taken falls through to the next rule.
 *  - Whole runs: a native and a generic XDP_DROP flood against the cost
 *    arithmetic (native: driver_rx + rx_refill + xdp_prog, no skb), the
 *    counters mlx5 reports (rx_xdp_drop equals the drops at R8), XDP_TX
 *    out of the same NIC and its ring-full drop, redirect to an XSK with
 *    either ring limiting (rx_ring_full vs rx_dropped with
 *    rx_fill_ring_empty_descs), a saturated reader's rate, and veth running
 *    the same program.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "models/apps/app.h"
#include "models/core/neigh.h"
#include "models/core/xdp.h"
#include "models/core/xsk.h"
#include "models/drivers/hw_nic.h"
#include "models/drivers/veth.h"
#include "models/sched/sch_generic.h"
#include "models/scenario.h"
#include "tests/test_world.h"

#define A(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

/* One host with an mlx5 NIC eth0 at 4 GHz; %s: the NIC's extra lines, the host's, the traffic. */
static const char host_fmt[] = "name: xdp\n"
			       "duration: %s\n"
			       "warmup: %s\n"
			       "profile: brouer-i7-6700k-mlx5\n"
			       "hosts:\n"
			       "  - name: rx\n"
			       "    cpus: 2\n"
			       "    clock: 4GHz\n"
			       "    nics:\n"
			       "      - name: eth0\n"
			       "        driver: mlx5\n"
			       "        speed: 100Gbit\n"
			       "        address: 10.0.0.1/24\n"
			       "        irq_affinity: [0]\n"
			       "%s"
			       "%s"
			       "%s";

static struct world *run_host(const char *dur, const char *warm, const char *nic, const char *host,
			      const char *traffic)
{
	char yaml[4096];

	snprintf(yaml, sizeof(yaml), host_fmt, dur, warm, nic, host, traffic);
	return test_world_run("xdp.yaml", yaml);
}

static struct net_device *eth0(struct world *w)
{
	struct host *h = test_world_host(w, "rx");

	for (uint32_t i = 0; i < h->ndevs; i++)
		if (!strcmp(h->devs[i]->name, "eth0"))
			return h->devs[i];
	ck_abort_msg("no eth0");
	return NULL;
}

static uint64_t drops_at(struct world *w, enum skb_drop_reason r, enum stage_id st)
{
	int ix = drop_point_find(r, st);

	ck_assert_int_ge(ix, 0);
	return test_world_host(w, "rx")->drops[ix];
}

/* ---- rule matching ---- */

static const char rules_nic[] =
	"        xdp:\n"
	"          default: drop\n"
	"          rules:\n"
	"            - {src: 10.1.0.0/16, dport: 9, action: drop, cost: 10}\n"
	"            - {dst: 10.0.0.1, dport: '5000:5999', proto: udp, action: tx,"
	" cost: 20}\n"
	"            - {proto: icmp, action: aborted, cost: 5}\n"
	"            - {sport: 53, action: pass, cost: 1}\n"
	"            - {sport: 99, action: redirect}\n";

struct match_row {
	uint32_t saddr, daddr;
	uint16_t sport, dport;
	uint8_t proto;
	bool arp;
	bool xsk;	      /* the queue has an XSK */
	enum xdp_action want; /* verdict */
	int rule;	      /* index of the rule that took it, -1 = default */
	uint64_t cycles;      /* rule costs: every rule tried */
};

static const struct match_row match_rows[] = {
	/* rule 0: first match */
	{ A(10, 1, 2, 3), A(10, 0, 0, 1), 1000, 9, IPPROTO_UDP_, false, false, XDP_DROP, 0, 10 },
	/* the prefix edge: 10.1.255.255 is inside 10.1/16, 10.2.0.0 is not */
	{ A(10, 1, 255, 255), A(10, 0, 0, 1), 1, 9, IPPROTO_UDP_, false, false, XDP_DROP, 0, 10 },
	{ A(10, 2, 0, 0), A(10, 0, 0, 1), 1, 9, IPPROTO_UDP_, false, false, XDP_DROP, -1, 36 },
	/* rule 1: the port range is inclusive */
	{ A(10, 2, 0, 1), A(10, 0, 0, 1), 1, 5000, IPPROTO_UDP_, false, false, XDP_TX, 1, 30 },
	{ A(10, 2, 0, 1), A(10, 0, 0, 1), 1, 5999, IPPROTO_UDP_, false, false, XDP_TX, 1, 30 },
	{ A(10, 2, 0, 1), A(10, 0, 0, 1), 1, 6000, IPPROTO_UDP_, false, false, XDP_DROP, -1, 36 },
	/* rule 1 needs dst 10.0.0.1 exactly */
	{ A(10, 2, 0, 1), A(10, 0, 0, 2), 1, 5000, IPPROTO_UDP_, false, false, XDP_DROP, -1, 36 },
	/* rule 2: ICMP to a port range rule 1 would take is rule 1's only for UDP */
	{ A(10, 2, 0, 1), A(10, 0, 0, 1), 0, 5000, IPPROTO_ICMP_, false, false, XDP_ABORTED, 2,
	  35 },
	/* rule 3 */
	{ A(10, 2, 0, 1), A(10, 0, 0, 1), 53, 7, IPPROTO_UDP_, false, false, XDP_PASS, 3, 36 },
	/* rule 4: redirect, to the queue's XSK or XDP_PASS without one */
	{ A(10, 2, 0, 1), A(10, 0, 0, 1), 99, 7, IPPROTO_UDP_, false, true, XDP_REDIRECT, 4, 36 },
	{ A(10, 2, 0, 1), A(10, 0, 0, 1), 99, 7, IPPROTO_UDP_, false, false, XDP_PASS, 4, 36 },
	/* ARP has no IPv4 header: only the default */
	{ A(10, 1, 2, 3), A(10, 0, 0, 1), 1000, 9, 0, true, false, XDP_DROP, -1, 36 },
};

START_TEST(test_rule_match)
{
	const struct match_row *r = &match_rows[_i];
	struct world *w = run_host("1ms", "0ms", rules_nic, "", "");
	struct xdp_prog *p = nic_priv(eth0(w))->xdp;
	struct sk_buff skb = { 0 };
	const struct xdp_rule *hit = NULL;
	uint64_t cycles = 0;
	enum xdp_action act;

	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(p->nrules, 5);
	skb.saddr = r->saddr;
	skb.daddr = r->daddr;
	skb.sport = r->sport;
	skb.dport = r->dport;
	skb.protocol = r->proto;
	skb.eth_proto = r->arp ? ETH_P_ARP : 0;
	act = bpf_prog_run_xdp(p, &skb, r->xsk, &cycles, &hit);
	ck_assert_msg(act == r->want, "row %d: verdict %s, want %s", _i, xdp_action_name[act],
		      xdp_action_name[r->want]);
	ck_assert_msg(hit == (r->rule < 0 ? NULL : &p->rules[r->rule]), "row %d: rule", _i);
	ck_assert_uint_eq(cycles, r->cycles);
	ck_assert_uint_eq(p->verdicts[act], 1);
	world_free(w);
}
END_TEST

/* Fractions: 1/4 of all packets dropped, half of the rest sent back (3/8 of all). */
START_TEST(test_fraction_falls_through)
{
	static const char nic[] = "        xdp:\n"
				  "          rules:\n"
				  "            - {fraction: 0.25, action: drop}\n"
				  "            - {fraction: 0.5, action: tx}\n";
	struct world *w = run_host("1ms", "0ms", nic, "", "");
	struct xdp_prog *p = nic_priv(eth0(w))->xdp;
	struct sk_buff skb = { .saddr = A(10, 2, 0, 1), .daddr = A(10, 0, 0, 1), .dport = 9 };
	const double n = 40000, share[3] = { 0.25, 0.375, 0.375 };
	const enum xdp_action act[3] = { XDP_DROP, XDP_TX, XDP_PASS };
	uint64_t cycles = 0;

	ck_assert(p->random);
	for (int i = 0; i < (int)n; i++)
		bpf_prog_run_xdp(p, &skb, false, &cycles, NULL);
	for (int k = 0; k < 3; k++) {
		double sd = sqrt(n * share[k] * (1 - share[k]));

		ck_assert_msg(fabs((double)p->verdicts[act[k]] - n * share[k]) < 4 * sd,
			      "%s: %llu of %.0f, want %.0f +- %.0f", xdp_action_name[act[k]],
			      (unsigned long long)p->verdicts[act[k]], n, n * share[k], 4 * sd);
	}
	ck_assert_uint_eq(p->rules[0].hits, p->verdicts[XDP_DROP]);
	ck_assert_uint_eq(p->rules[1].hits, p->verdicts[XDP_TX]);
	world_free(w);
}
END_TEST

/* ---- whole runs ---- */

static const char flood14[] = "traffic:\n"
			      "  - {name: flood, to: rx/eth0, rate: 14Mpps, pattern: constant, "
			      "size: 64, dst: '10.0.0.1:9'}\n";

/*
 * XDP_DROP at saturation, 20 ms (the start, before the first interrupt, and
 * cost_cv's noise are in it), rates within 2 % of the cost arithmetic:
 *  - native: per frame driver_rx 182 + rx_refill 24 + xdp_prog 125 cycles
 *    and nothing else (no skb, no GRO, no free), plus the poll and softirq
 *    overhead shared by 64 frames (napi_poll 80 per poll, softirq_entry 100
 *    per pass of netdev_budget 300): 4e9 / 332.6 = 12.03 Mpps;
 *  - generic (do_xdp_generic on the skb): build_skb 97, gro_receive 20,
 *    netif_receive 25 and kfree_skb 64 as well: 4e9 / 538.6 = 7.43 Mpps.
 */
struct drop_row {
	const char *nic;     /* the NIC's xdp keys */
	enum stage_id stage; /* where the drop is counted */
	double cycles;	     /* per frame, as above */
};

static const struct drop_row drop_rows[] = {
	{ "        xdp: drop\n", STAGE_R8, 182 + 24 + 125 },
	{ "        xdp: drop\n        xdp_mode: generic\n", STAGE_R13,
	  182 + 24 + 125 + 97 + 20 + 25 + 64 },
};

START_TEST(test_drop_rate)
{
	const struct drop_row *r = &drop_rows[_i];
	struct world *w = run_host("20ms", "1ms", r->nic, "", flood14);
	struct net_device *dev = eth0(w);
	const struct nic_rx_queue *q = &nic_priv(dev)->rxq[0];
	uint64_t n = drops_at(w, SKB_DROP_REASON_XDP, r->stage);
	double want = 4e9 / (r->cycles + 80.0 / 64 + 100.0 / 300);
	double rate = (double)n / 20e-3;

	ck_assert_msg(fabs(rate / want - 1) < 0.02, "%.3g pps, want %.3g", rate, want);
	/* every frame taken counts in rx_packets; generic: a few are still in GRO's rx_list */
	ck_assert_uint_ge(q->packets, n);
	ck_assert_uint_le(q->packets - n, r->stage == STAGE_R8 ? 0 : world_in_flight(w));
	ck_assert_uint_eq(test_snmp_counter(test_world_host(w, "rx"), "Ip.InReceives"), 0);
	if (r->stage == STAGE_R8) { /* native: mlx5's counter, no skb, nothing to the stack */
		ck_assert_uint_eq(q->xdp_drop, n);
		ck_assert_uint_eq(q->xdp_pass + q->xdp_tx_xmit + q->xdp_redirect, 0);
	} else { /* generic: the driver saw no program */
		ck_assert_ptr_null(q->xdp);
		ck_assert_uint_eq(dev->xdp_generic->verdicts[XDP_DROP], n);
	}
	world_free(w);
}
END_TEST

/* XDP_TX: every frame leaves through the same NIC; with a slow DMA the XDP TX ring fills. */
struct tx_row {
	const char *nic; /* extra NIC keys */
	bool full;	 /* ring-full drops expected */
};

static const struct tx_row tx_rows[] = {
	{ "        xdp: tx\n", false },
	{ "        xdp: tx\n        tx_ring: 64\n        pcie_latency: 100us\n", true },
};

START_TEST(test_xdp_tx)
{
	static const char traffic[] = "traffic:\n"
				      "  - {name: t, to: rx/eth0, rate: 2Mpps, pattern: constant, "
				      "size: 64, dst: '10.0.0.1:9'}\n";
	const struct tx_row *r = &tx_rows[_i];
	struct world *w = run_host("2ms", "0ms", r->nic, "", traffic);
	struct net_device *dev = eth0(w);
	const struct nic_rx_queue *q = &nic_priv(dev)->rxq[0];
	uint64_t t15 = drops_at(w, SKB_DROP_REASON_XDP, STAGE_T15);

	ck_assert_uint_eq(q->xdp_tx_full, t15);
	ck_assert_uint_eq(q->xdp_drop, t15); /* a failed XDP_TX is xdp_abort: rx_xdp_drop */
	ck_assert_uint_eq(q->xdp_tx_xmit + q->xdp_tx_full, q->xdp->verdicts[XDP_TX]);
	/* sent frames: on the wire (transmitted) or still in the XDP TX ring */
	ck_assert_uint_eq(w->transmitted + q->xdp_tx->inflight.qlen, q->xdp_tx_xmit);
	ck_assert_uint_eq(dev->txq[0].qdisc->stats.packets, 0); /* never through the qdisc */
	if (r->full)
		ck_assert_uint_gt(t15, 0);
	else
		ck_assert_uint_eq(t15, 0);
	world_free(w);
}
END_TEST

/* ---- AF_XDP ---- */

struct xsk_row {
	uint32_t rx_ring, fill_ring; /* entries */
	const char *work;	     /* the reader's user work per frame */
	uint32_t batch;		     /* descriptors per pass */
	int limit;		     /* 0: no drops; 1: RX ring full; 2: fill ring empty */
};

static const struct xsk_row xsk_rows[] = {
	{ 512, 1024, "0ns", 64, 0 },
	{ 256, 1024, "5us", 64, 1 },
	{ 1024, 256, "5us", 64, 2 },
	{ 256, 1024, "5us", 1, 1 },
};

static const char redirect_nic[] = "        xdp:\n"
				   "          rules:\n"
				   "            - {dport: '5000:5999', action: redirect}\n";

static struct world *run_xsk(const struct xsk_row *r)
{
	static const char traffic[] = "traffic:\n"
				      "  - {name: t, to: rx/eth0, rate: 1Mpps, pattern: constant, "
				      "size: 64, dst: '10.0.0.1:5000'}\n";
	char host[512];

	snprintf(host, sizeof(host),
		 "    costs: {idle: poll}\n" /* no idle exit before the first read */
		 "    xsks:\n"
		 "      - {name: x, dev: eth0, queue: 0, rx_ring: %u, fill_ring: %u}\n"
		 "    apps:\n"
		 "      - {name: reader, socket: x, cpu: 1, batch: %u, work: %s}\n",
		 r->rx_ring, r->fill_ring, r->batch, r->work);
	return run_host("4ms", "1ms", redirect_nic, host, traffic);
}

static struct app *reader(struct world *w)
{
	return test_world_host(w, "rx")->apps[0];
}

START_TEST(test_xsk_rings)
{
	const struct xsk_row *r = &xsk_rows[_i];
	struct world *w = run_xsk(r);
	struct net_device *dev = eth0(w);
	const struct nic_rx_queue *q = &nic_priv(dev)->rxq[0];
	const struct xdp_sock *xs = dev->rxq[0].xsk;
	const struct app *a = reader(w);
	uint64_t r22 = drops_at(w, SKB_DROP_REASON_XDP, STAGE_R22);
	uint64_t r23 = drops_at(w, SKB_DROP_REASON_XDP, STAGE_R23);

	ck_assert_ptr_nonnull(xs);
	ck_assert_uint_eq(xs->rx_dropped, r22);
	ck_assert_uint_eq(xs->rx_fill_ring_empty_descs, r22);
	ck_assert_uint_eq(xs->rx_ring_full, r23);
	ck_assert_uint_eq(q->xdp_drop, r22 + r23);
	ck_assert_uint_eq(q->xdp_redirect, xs->rx_packets);
	/* a frame is on the RX ring (or about to be), with the reader, or delivered */
	ck_assert_uint_eq(xs->rx_packets,
			  a->msgs + xs->sk.sk_receive_queue.qlen + xs->pending.qlen + a->ninflight);
	ck_assert_uint_eq(w->delivered, a->msgs);
	/* UMEM frames: on the fill ring, on the RX ring, or with the reader */
	ck_assert_uint_eq(xs->fill + xs->sk.sk_receive_queue.qlen + xs->pending.qlen + a->ninflight,
			  r->fill_ring);
	ck_assert_uint_eq(r->limit == 0, r22 + r23 == 0);
	ck_assert_uint_eq(r->limit == 1, r23 > 0);
	ck_assert_uint_eq(r->limit == 2, r22 > 0);
	world_free(w);
}
END_TEST

/*
 * A saturated reader taking one descriptor per pass: per frame 5 us of
 * user work, the frame's line copied in on the softirq's CPU
 * (cacheline_remote, 32 cycles at 4 GHz) and a pass's xsk_batch (200
 * cycles): one frame per 5.058 us, 790.8 frames in the 4 ms run, within
 * 1 % (a frame is counted when its pass ends; the first comes after 1 us).
 */
START_TEST(test_xsk_reader_rate)
{
	struct world *w = run_xsk(&xsk_rows[3]);
	const struct app *a = reader(w);
	double per = 5e-6 + (32 + 200.0) / 4e9, want = 4e-3 / per, got = (double)a->msgs;

	ck_assert_msg(fabs(got / want - 1) < 0.01, "%.0f frames, want %.0f", got, want);
	world_free(w);
}
END_TEST

/* bpf_redirect_map(..., XDP_PASS) without an XSK on the queue: the stack gets it (NoPorts). */
START_TEST(test_redirect_without_xsk_passes)
{
	static const char traffic[] =
		"traffic:\n"
		"  - {name: t, to: rx/eth0, rate: 100kpps, pattern: constant, "
		"size: 64, dst: '10.0.0.1:5000'}\n";
	struct world *w = run_host("2ms", "0ms", redirect_nic, "", traffic);
	const struct nic_rx_queue *q = &nic_priv(eth0(w))->rxq[0];
	struct host *h = test_world_host(w, "rx");

	ck_assert_uint_gt(q->xdp_pass, 150);
	ck_assert_uint_eq(q->xdp_redirect, 0);
	ck_assert_uint_eq(q->xdp->verdicts[XDP_REDIRECT], 0);
	ck_assert_uint_le(test_snmp_counter(h, "Udp.NoPorts"), q->xdp_pass);
	ck_assert_uint_le(q->xdp_pass - test_snmp_counter(h, "Udp.NoPorts"), world_in_flight(w));
	world_free(w);
}
END_TEST

/*
 * veth runs the same program (after its page_pool copy): 100 datagrams to
 * port 5000 are dropped by the rule (rx_queue_0_xdp_drops, NOT_SPECIFIED at
 * R9 as veth counts them), 100 to port 6000 take the default and are read.
 */
START_TEST(test_veth_rules)
{
	static const char yaml[] =
		"name: veth-xdp\n"
		"duration: 20ms\n"
		"hosts:\n"
		"  - name: A\n"
		"    cpus: 2\n"
		"    nics:\n"
		"      - {name: a0, driver: veth, peer: B/b0, address: 10.79.0.1/24}\n"
		"    neigh:\n"
		"      - {ip: 10.79.0.2, dev: a0}\n"
		"    sockets:\n"
		"      - {name: c1}\n"
		"      - {name: c2}\n"
		"    apps:\n"
		"      - {name: t1, socket: c1, cpu: 0, send: {to: '10.79.0.2:5000', size: 100, "
		"count: 100}}\n"
		"      - {name: t2, socket: c2, cpu: 0, send: {to: '10.79.0.2:6000', size: 100, "
		"count: 100}}\n"
		"  - name: B\n"
		"    machine: A\n"
		"    nics:\n"
		"      - name: b0\n"
		"        driver: veth\n"
		"        peer: A/a0\n"
		"        address: 10.79.0.2/24\n"
		"        xdp:\n"
		"          rules:\n"
		"            - {dport: 5000, proto: udp, action: drop}\n"
		"    sockets:\n"
		"      - {name: s5, bind: '10.79.0.2:5000', rcvbuf: 4MiB}\n"
		"      - {name: s6, bind: '10.79.0.2:6000', rcvbuf: 4MiB}\n"
		"    apps:\n"
		"      - {name: r5, socket: s5, cpu: 1}\n"
		"      - {name: r6, socket: s6, cpu: 1}\n";
	struct world *w = test_world_run("veth-xdp.yaml", yaml);
	struct host *b = test_world_host(w, "B");
	const struct veth_priv *v = NULL;

	for (uint32_t i = 0; i < b->ndevs; i++)
		if (!strcmp(b->devs[i]->name, "b0"))
			v = netdev_priv(b->devs[i]);
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(v->rq[0].xdp_drops, 100);
	ck_assert_uint_eq(v->xdp->rules[0].hits, 100);
	ck_assert_uint_eq(v->xdp->verdicts[XDP_PASS], 100);
	ck_assert_uint_eq(b->apps[0]->msgs, 0);
	ck_assert_uint_eq(b->apps[1]->msgs, 100);
	ck_assert_uint_eq(b->drops[drop_point_find(SKB_DROP_REASON_NOT_SPECIFIED, STAGE_R9)], 100);
	world_free(w);
}
END_TEST

Suite *xdp_suite(void);

Suite *xdp_suite(void)
{
	Suite *s = suite_create("xdp");
	TCase *tc = tcase_create("xdp");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_rule_match, 0,
			    (int)(sizeof(match_rows) / sizeof(match_rows[0])));
	tcase_add_test(tc, test_fraction_falls_through);
	tcase_add_loop_test(tc, test_drop_rate, 0, (int)(sizeof(drop_rows) / sizeof(drop_rows[0])));
	tcase_add_loop_test(tc, test_xdp_tx, 0, (int)(sizeof(tx_rows) / sizeof(tx_rows[0])));
	tcase_add_loop_test(tc, test_xsk_rings, 0, (int)(sizeof(xsk_rows) / sizeof(xsk_rows[0])));
	tcase_add_test(tc, test_xsk_reader_rate);
	tcase_add_test(tc, test_redirect_without_xsk_passes);
	tcase_add_test(tc, test_veth_rules);
	suite_add_tcase(s, tc);
	return s;
}
