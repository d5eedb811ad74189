/*
 * tests/test_nicmech.c - cost mechanisms of the NIC and the cores: adaptive
 * interrupt moderation (models/lib/net_dim.c), cache locality and contention.
 *
 *  - net_dim() against tables of sample windows whose expected profile and
 *    tune state after each decision were worked out by hand from
 *    lib/dim/net_dim.c and lib/dim/dim.c (each row says which rule fires).
 *  - ixgbe_set_itr() against a table worked out from ixgbe_update_itr().
 *  - Whole runs: under a bulk flood the moderation rises to the top of the
 *    profile table, under a closed-loop request/response it falls to the
 *    bottom (net_dim) or to the latency-mode interval (ixgbe).
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "models/apps/app.h"
#include "models/kernel/cpu.h"
#include "models/lib/net_dim.h"
#include "models/drivers/hw_nic.h"
#include "models/ipv4/udp.h"
#include "models/sched/sch_generic.h"
#include "models/scenario.h"
#include "tests/test_world.h"

/* ---- net_dim state machine ---- */

/* One window of DIM_NEVENTS interrupts and what net_dim must decide at its end. */
struct dim_row {
	uint32_t dt_us;	 /* window length */
	uint32_t pkts;	 /* packets in it */
	uint32_t bytes;	 /* bytes in it */
	uint16_t events; /* interrupts in it (DIM_NEVENTS unless testing the count) */
	bool changed;	 /* net_dim asks for a new profile */
	uint8_t ix;	 /* profile after the decision */
	uint8_t tune;	 /* tune state after the decision */
	const char *why; /* the kernel rule that applies */
};

#define R  DIM_GOING_RIGHT
#define L  DIM_GOING_LEFT
#define PT DIM_PARKING_ON_TOP
#define TI DIM_PARKING_TIRED

/*
 * A bulk flood: same bytes and packets per ms at every profile, fewer
 * interrupts per ms the more moderation (windows of 64 interrupts get
 * longer); then the load halves.
 */
static const struct dim_row bulk_rows[] = {
	{ 1000, 1000, 1000000, 64, true, 0, L, "parked, prev 0: better, exit parking left (ix 1)" },
	{ 1000, 1000, 1000000, 64, true, 1, R, "same: turn right; steps_left 1 is not on top" },
	{ 2000, 2000, 2000000, 64, true, 2, R, "epms 32 < 64: better, keep right" },
	{ 4000, 4000, 4000000, 64, true, 3, R, "epms 16: better" },
	{ 8000, 8000, 8000000, 64, true, 4, R, "epms 8: better" },
	{ 16000, 16000, 16000000, 64, false, 4, PT, "better, but ix 4 is the edge: park on top" },
	{ 16000, 16000, 16000000, 64, false, 4, PT, "parked, same: stay" },
	{ 16000, 8000, 8000000, 64, true, 3, L, "bpms halves: worse, exit parking left" },
};

/* Every window alike: turning at each decision until tired, then parked for 10. */
static const struct dim_row same_rows[] = {
	{ 1000, 1000, 1000000, 64, true, 0, L, "parked, prev 0: exit parking left (tired 1)" },
	{ 1000, 1000, 1000000, 64, true, 1, R, "same: turn right, step (tired 2)" },
	{ 1000, 1000, 1000000, 64, true, 0, L, "same: turn left (tired 3)" },
	{ 1000, 1000, 1000000, 64, true, 1, R, "tired 4" },
	{ 1000, 1000, 1000000, 64, true, 0, L, "tired 5" },
	{ 1000, 1000, 1000000, 64, true, 1, R, "tired 6" },
	{ 1000, 1000, 1000000, 64, true, 0, L, "tired 7" },
	{ 1000, 1000, 1000000, 64, true, 1, R, "tired 8" },
	{ 1000, 1000, 1000000, 64, true, 0, L, "tired 9" },
	{ 1000, 1000, 1000000, 64, true, 1, R, "tired 10" },
	{ 1000, 1000, 1000000, 64, false, 1, TI, "tired == 2 * 5: park tired" },
	{ 1000, 1000, 1000000, 64, false, 1, TI, "tired 9" },
	{ 1000, 1000, 1000000, 64, false, 1, TI, "tired 8" },
	{ 1000, 1000, 1000000, 64, false, 1, TI, "tired 7" },
	{ 1000, 1000, 1000000, 64, false, 1, TI, "tired 6" },
	{ 1000, 1000, 1000000, 64, false, 1, TI, "tired 5" },
	{ 1000, 1000, 1000000, 64, false, 1, TI, "tired 4" },
	{ 1000, 1000, 1000000, 64, false, 1, TI, "tired 3" },
	{ 1000, 1000, 1000000, 64, false, 1, TI, "tired 2" },
	{ 1000, 1000, 1000000, 64, false, 1, TI, "tired 1" },
	{ 1000, 1000, 1000000, 64, true, 0, L, "tired 0: exit parking left" },
};

/*
 * Thresholds and order: 10 % is not significant, 11 % is; fewer than 64
 * interrupts make no decision; bytes decide before packets, packets before
 * interrupts; going left after two steps right, a better window parks on top.
 */
static const struct dim_row edge_rows[] = {
	{ 1000, 1000, 1000000, 64, true, 0, L, "exit parking left, prev {1e6 B, 1000 p, 64 e}/ms" },
	{ 1000, 1000, 1000000, 63, false, 0, L, "63 interrupts: still measuring" },
	{ 1000, 1000, 1000000, 1, false, 0, PT,
	  "64 in 2 ms: epms 32 better; ix 0 is the edge: park" },
	{ 1000, 1100, 1100000, 64, true, 1, R,
	  "bytes, packets +10 %: same; epms 64 worse: exit right" },
	{ 1000, 1221, 1221000, 64, true, 2, R, "bytes +11 %: better, keep right" },
	{ 1000, 1831, 610500, 64, true, 1, L,
	  "bytes -50 % (packets +50 % ignored): worse, turn left" },
	{ 1000, 1831, 732600, 64, false, 1, PT,
	  "bytes +20 %: better; steps right 2, left 1: on top" },
	{ 1000, 2200, 732600, 64, true, 0, L,
	  "bytes same, packets +20 %: not same, exit parking left" },
};

/* Feed @rows to a fresh EQE-mode DIM; check each decision. */
static void run_dim_rows(const struct dim_row *rows, size_t n)
{
	struct dim dim;
	struct dim_sample s = { 0 };

	dim_init(&dim, DIM_CQ_PERIOD_MODE_START_FROM_EQE);
	ck_assert_uint_eq(dim.profile_ix, 1);
	ck_assert_uint_eq(dim.tune_state, DIM_PARKING_ON_TOP);
	ck_assert(!net_dim(&dim, &s)); /* the first sample starts the window */
	for (size_t i = 0; i < n; i++) {
		const struct dim_row *r = &rows[i];
		bool changed;

		s.time += (sim_time_t)r->dt_us * SIM_US;
		s.pkt_ctr += r->pkts;
		s.byte_ctr += r->bytes;
		s.event_ctr = (uint16_t)(s.event_ctr + r->events);
		changed = net_dim(&dim, &s);
		ck_assert_msg(changed == r->changed && dim.profile_ix == r->ix &&
				      dim.tune_state == r->tune,
			      "row %zu (%s): changed %d ix %u tune %u, expected %d %u %u", i,
			      r->why, changed, dim.profile_ix, dim.tune_state, r->changed, r->ix,
			      r->tune);
		if (changed) { /* mlx5e_rx_dim_work; the next poll starts a window */
			ck_assert_uint_eq(dim.state, DIM_APPLY_NEW_PROFILE);
			ck_assert(!net_dim(&dim, &s));
			dim_work_done(&dim);
			ck_assert(!net_dim(&dim, &s));
		}
	}
}

START_TEST(test_dim_bulk)
{
	run_dim_rows(bulk_rows, sizeof(bulk_rows) / sizeof(bulk_rows[0]));
}
END_TEST

START_TEST(test_dim_tired)
{
	run_dim_rows(same_rows, sizeof(same_rows) / sizeof(same_rows[0]));
}
END_TEST

START_TEST(test_dim_edges)
{
	run_dim_rows(edge_rows, sizeof(edge_rows) / sizeof(edge_rows[0]));
}
END_TEST

/* The profile tables of lib/dim/net_dim.c and the default index. */
START_TEST(test_dim_profiles)
{
	static const uint16_t eqe[5][2] = {
		{ 1, 256 }, { 8, 256 }, { 64, 256 }, { 128, 256 }, { 256, 256 }
	};
	static const uint16_t cqe[5][2] = {
		{ 2, 256 }, { 8, 128 }, { 16, 64 }, { 32, 64 }, { 64, 64 }
	};

	for (int i = 0; i < NET_DIM_PARAMS_NUM_PROFILES; i++) {
		struct dim_cq_moder e =
			net_dim_get_rx_moderation(DIM_CQ_PERIOD_MODE_START_FROM_EQE, i);
		struct dim_cq_moder c =
			net_dim_get_rx_moderation(DIM_CQ_PERIOD_MODE_START_FROM_CQE, i);

		ck_assert_uint_eq(e.usec, eqe[i][0]);
		ck_assert_uint_eq(e.pkts, eqe[i][1]);
		ck_assert_uint_eq(c.usec, cqe[i][0]);
		ck_assert_uint_eq(c.pkts, cqe[i][1]);
	}
	ck_assert_uint_eq(net_dim_def_profile_ix(DIM_CQ_PERIOD_MODE_START_FROM_EQE), 1);
	ck_assert_uint_eq(net_dim_def_profile_ix(DIM_CQ_PERIOD_MODE_START_FROM_CQE), 1);
}
END_TEST

/* ---- ixgbe adaptive ITR ---- */

struct itr_row {
	uint32_t q_itr;	  /* q_vector->itr before (us << 2) */
	uint8_t rc_itr;	  /* ring_container->itr before */
	uint32_t packets; /* total_packets */
	uint32_t bytes;	  /* total_bytes */
	uint64_t jiffies; /* now */
	uint64_t next;	  /* ring_container->next_update */
	double speed;	  /* link speed, bit/s */
	uint8_t want_rc;  /* ring_container->itr after */
	uint32_t want_q;  /* q_vector->itr after */
	const char *why;  /* the branch of ixgbe_update_itr */
};

#define LAT IXGBE_ITR_ADAPTIVE_LATENCY
static const struct itr_row itr_rows[] = {
	{ 200, LAT | 50, 500, 500000, 5, 3, 10e9, LAT | 10, 40,
	  "stale (> next_update): 10 us latency" },
	{ 200, LAT | 50, 0, 0, 5, 5, 10e9, LAT | 52, 208,
	  "no packets: +2 us, keeps the latency flag" },
	{ 200, 50, 0, 0, 5, 5, 10e9, 52, 208, "no packets, bulk flag kept" },
	{ 200, 50, 2, 1000, 5, 5, 10e9, LAT | 38, 152,
	  "latency: avg 500: (500 * 15 + 11452) / 2 = 9476, ceil(/512) * 2 = 38" },
	{ 200, 50, 2, 120, 5, 5, 10e9, LAT | 10, 40,
	  "latency, avg <= 60: 5120 / 2 / 512 * 2 = 10" },
	{ 200, 50, 3, 9000, 5, 5, 10e9, 52, 208, "3 packets but 9000 bytes: < 48, +2 us" },
	{ 200, 50, 10, 10000, 5, 5, 10e9, 52, 208, "< 48 packets: +2 us" },
	{ 504, 50, 10, 10000, 5, 5, 10e9, 126, 504, "< 48 packets at 126 us: capped at MAX_USECS" },
	{ 200, 50, 60, 60000, 5, 5, 10e9, 50, 200, "48-95: goldilocks, keep 50 us" },
	{ 200, 50, 100, 100000, 5, 5, 10e9, 25, 100, "96-255: halve" },
	{ 40, 50, 100, 100000, 5, 5, 10e9, 10, 40, "96-255: halve, at least MIN_USECS" },
	{ 200, 50, 300, 450000, 5, 5, 10e9, 118, 472,
	  "bulk: avg 1500: 1500 * 5 + 22420 = 29920, ceil(/512) * 2 = 118" },
	{ 200, 50, 300, 19200, 5, 5, 10e9, 22, 88, "bulk: avg 64: 64 * 40 + 2720 = 5280 -> 22" },
	{ 200, 50, 300, 600000, 5, 5, 10e9, 126, 504, "bulk: avg 2000: plateau 32256 -> 126" },
	{ 200, 50, 300, 450000, 5, 5, 1e9, 126, 504, "bulk at 1G: min(29920, 8064) / 128 * 2" },
};

START_TEST(test_ixgbe_itr)
{
	const struct itr_row *r = &itr_rows[_i];
	struct ixgbe_ring_container rc = {
		.itr = r->rc_itr,
		.total_packets = r->packets,
		.total_bytes = r->bytes,
		.next_update = r->next,
	};
	uint32_t q = ixgbe_set_itr(&rc, r->q_itr, r->jiffies, r->speed);

	ck_assert_msg(rc.itr == r->want_rc && q == r->want_q, "row %d (%s): rc %u q %u, want %u %u",
		      _i, r->why, rc.itr, q, r->want_rc, r->want_q);
	ck_assert_uint_eq(rc.total_packets, 0);
	ck_assert_uint_eq(rc.next_update, r->jiffies + 1);
}
END_TEST

/* ---- whole runs ---- */

/* A 1-queue receiver under a Poisson flood. Arguments: driver, rate. */
static const char flood_fmt[] =
	"name: dim-flood\n"
	"duration: 100ms\n"
	"warmup: 10ms\n"
	"hosts:\n"
	"  - name: rx\n"
	"    cpus: 2\n"
	"    nics:\n"
	"      - {name: eth0, driver: %s, address: 10.0.0.1/24, rx_queues: 1, rx_ring: 1024,\n"
	"         irq_affinity: [0], adaptive_rx: true}\n"
	"    sockets:\n"
	"      - {name: srv, bind: 0.0.0.0:5000, rcvbuf: 4MiB}\n"
	"    apps:\n"
	"      - {name: reader, socket: srv, cpu: 1, syscall: recvmmsg, batch: 64}\n"
	"traffic:\n"
	"  - {name: load, to: rx/eth0, rate: %s, pattern: poisson, size: 256, flows: 32,\n"
	"     dst: 10.0.0.1:5000}\n";

/* A closed-loop client and an echo server, both NICs adaptive. Argument: driver (twice). */
static const char rr_fmt[] =
	"name: dim-rr\n"
	"duration: 100ms\n"
	"warmup: 10ms\n"
	"costs: {idle: poll}\n" /* DIM's walk alone: no idle-state exits in the round trips */
	"hosts:\n"
	"  - name: client\n"
	"    cpus: 2\n"
	"    nics:\n"
	"      - {name: eth0, driver: %s, speed: 25Gbit, address: 10.0.0.1/24, rx_queues: 1,\n"
	"         irq_affinity: [0], adaptive_rx: true}\n"
	"    sockets:\n"
	"      - {name: c}\n"
	"    apps:\n"
	"      - {name: client, socket: c, cpu: 1,\n"
	"         send: {to: '10.0.0.2:7', size: 200, await_reply: true, timeout: 10ms}}\n"
	"  - name: server\n"
	"    cpus: 2\n"
	"    nics:\n"
	"      - {name: eth0, driver: %s, speed: 25Gbit, address: 10.0.0.2/24, rx_queues: 1,\n"
	"         irq_affinity: [0], adaptive_rx: true}\n"
	"    sockets:\n"
	"      - {name: echo, bind: '0.0.0.0:7'}\n"
	"    apps:\n"
	"      - {name: server, socket: echo, cpu: 1, echo: true}\n"
	"links:\n"
	"  - {a: client/eth0, b: server/eth0, delay: 2us}\n";

static const struct nic_rx_queue *rxq0(struct world *w, const char *host)
{
	return &nic_priv(test_world_host(w, host)->devs[0])->rxq[0];
}

/*
 * Bulk: net_dim climbs to profile 4 (256 us) and parks there. ixgbe's ITR
 * leaves its 50 us start for bulk mode, sized from the ~300-byte frames
 * (300 * 40 + 2720 = 14720, ceil(/512) * 2 = 58 us) and up to MAX_USECS when
 * fewer than 48 packets come per interrupt; it keeps moving between them, so
 * its time-weighted mean is checked.
 */
START_TEST(test_dim_rises_under_bulk)
{
	static const struct {
		const char *drv;
		uint32_t start;	 /* us before any update */
		uint32_t final;	 /* us at the end, 0 = not fixed */
		double min_mean; /* us, time-weighted after warm-up */
	} d[] = { { "mlx5", 8, 256, 0.9 * 256 }, { "ixgbe", 50, 0, 1.5 * 50 } };
	char yaml[2048];
	struct world *w;
	const struct nic_rx_queue *q;

	snprintf(yaml, sizeof(yaml), flood_fmt, d[_i].drv, "500kpps");
	w = test_world_run("dim-flood.yaml", yaml);
	q = rxq0(w, "rx");
	if (d[_i].final)
		ck_assert_uint_eq(q->rx_usecs, d[_i].final);
	ck_assert(q->moder_changes >= 1);
	ck_assert_double_gt(sim_level_mean(&q->usecs_level, w->duration), d[_i].min_mean);
	world_free(w);
}
END_TEST

/*
 * Latency-bound: every request is one packet, and each microsecond of
 * moderation lowers the transaction rate. net_dim walks left to profile 0
 * (1 us); ixgbe's latency mode sizes the interval from the 242-byte frames:
 * (242 * 40 + 2720) / 2 = 6200, ceil(/512) * 2 = 26 us, below its 50 us start.
 */
START_TEST(test_dim_falls_when_latency_bound)
{
	static const struct {
		const char *drv;
		uint32_t want;
	} d[] = { { "mlx5", 1 }, { "ixgbe", 26 } };
	char yaml[2048];
	struct world *w;

	snprintf(yaml, sizeof(yaml), rr_fmt, d[_i].drv, d[_i].drv);
	w = test_world_run("dim-rr.yaml", yaml);
	ck_assert_uint_eq(rxq0(w, "server")->rx_usecs, d[_i].want);
	ck_assert_uint_eq(rxq0(w, "client")->rx_usecs, d[_i].want);
	world_free(w);
}
END_TEST

/* ---- cache locality ---- */

/*
 * 20 kpps of 64-byte datagrams into one queue whose IRQ is on CPU 0; every
 * datagram wakes the reader. Arguments: the nic's extra keys (rps_cpus), the
 * reader's CPU, the costs mapping.
 */
static const char cache_fmt[] =
	"name: cache\n"
	"duration: 50ms\n"
	"warmup: 0s\n"
	"profile: legacy-0.1\n"
	"costs: {%s}\n"
	"hosts:\n"
	"  - name: rx\n"
	"    cpus: 2\n"
	"    nics:\n"
	"      - {name: eth0, driver: mlx5, address: 10.0.0.1/24, rx_queues: 1,\n"
	"         irq_affinity: [0]%s}\n"
	"    sockets:\n"
	"      - {name: srv, bind: '0.0.0.0:5000', rcvbuf: 4MiB}\n"
	"    apps:\n"
	"      - {name: reader, socket: srv, cpu: %d}\n"
	"traffic:\n"
	"  - {name: load, to: rx/eth0, rate: 20kpps, size: 64, flows: 4,\n"
	"     dst: 10.0.0.1:5000}\n";

/*
 * On legacy-0.1's table (3 GHz, fixed costs, no idle states): lines at 24
 * cycles, a remote wake-up 300 cycles dearer for the waker than a local one
 * (wakeup 1500), and the same with neither.
 */
#define CACHE_ON "cacheline_remote: 24, wakeup_remote: 1800"
#define NO_CACHE "cacheline_remote: 0, wakeup_remote: 1500"
#define CYCLE_PS (1e12 / 3e9) /* legacy-0.1's 3 GHz clock */

struct cache_run {
	double busy_ps;	 /* CPU time of both CPUs, whole run */
	uint64_t msgs;	 /* datagrams read */
	uint64_t sleeps; /* times the reader slept */
};

static struct cache_run run_cache(const char *nic, int reader_cpu, const char *costs)
{
	char yaml[2048];
	struct world *w;
	struct cache_run r = { 0 };
	struct host *h;

	snprintf(yaml, sizeof(yaml), cache_fmt, *costs ? costs : CACHE_ON, nic, reader_cpu);
	w = test_world_run("cache.yaml", yaml);
	h = test_world_host(w, "rx");
	for (uint32_t c = 0; c < h->ncpus; c++)
		for (int a = 0; a < ACCT_NR; a++)
			if (a != ACCT_IDLE)
				r.busy_ps += (double)h->cpus[c].acct[a];
	r.msgs = h->apps[0]->msgs;
	r.sleeps = h->apps[0]->sleeps;
	world_free(w);
	return r;
}

/*
 * A reader on another CPU than the softirq: each datagram's 6 lines cost
 * 24 cycles each in recvmsg, and each wake-up 300 more (remote); the same
 * flow with the reader on the softirq's CPU pays neither. The difference to
 * the run with those costs at 0 is exactly that (within one datagram, for
 * the work in progress at the end).
 */
START_TEST(test_cache_remote_reader)
{
	struct cache_run local = run_cache("", 0, ""), remote = run_cache("", 1, "");
	struct cache_run zero = run_cache("", 1, NO_CACHE);
	double want = ((double)remote.msgs * 6 * 24 + (double)(remote.sleeps - 1) * 300) * CYCLE_PS;
	double got = remote.busy_ps - zero.busy_ps;

	ck_assert_uint_eq(remote.msgs, zero.msgs);
	ck_assert_uint_gt(remote.msgs, 900);
	ck_assert_double_gt(remote.busy_ps / (double)remote.msgs,
			    local.busy_ps / (double)local.msgs);
	ck_assert_msg(fabs(got - want) <= (6 * 24 + 300) * CYCLE_PS,
		      "remote reader: %.0f ps more than without cache costs, want %.0f", got, want);
}
END_TEST

/*
 * A remote wake-up sends its IPI (ipi_send, on the waker's side) only to a
 * CPU that does not poll: with the reader's CPU halting in an HLT-like state
 * every wake-up pays it; idle in POLL (a flag write wakes it) none does.
 */
#define HLT_IDLE                                                                                   \
	"idle: [{name: POLL, latency: 0, residency: 0, polling: true},"                            \
	" {name: HLT, latency: 1us, residency: 1us, polling: false}]"

START_TEST(test_wake_ipi_only_to_halted)
{
	struct cache_run halt0 = run_cache("", 1, HLT_IDLE ", ipi_send: 0");
	struct cache_run halt = run_cache("", 1, HLT_IDLE ", ipi_send: 5000");
	struct cache_run poll0 = run_cache("", 1, "idle: poll, ipi_send: 0");
	struct cache_run poll = run_cache("", 1, "idle: poll, ipi_send: 5000");
	double want = (double)(halt.sleeps - 1) * 5000 * CYCLE_PS;
	double got = halt.busy_ps - halt0.busy_ps;

	ck_assert_uint_eq(halt.msgs, halt0.msgs);
	ck_assert_uint_gt(halt.sleeps, 500);
	/* menu_select polls instead when the next tick is closer than HLT's 1 us: a few wake-ups */
	ck_assert_msg(fabs(got - want) <= 3 * 5000 * CYCLE_PS,
		      "halted reader: %.0f ps more with the IPI, want %.0f", got, want);
	ck_assert_uint_gt(poll.sleeps, 500);
	ck_assert_double_eq(poll.busy_ps, poll0.busy_ps);
}
END_TEST

/*
 * RPS to CPU 1 with the reader there: process_backlog pays for the lines
 * the polling CPU 0 wrote, recvmsg finds them warm, and the wake-up is
 * local.
 */
START_TEST(test_cache_rps_target)
{
	struct cache_run rps = run_cache(", rps_cpus: '2'", 1, "");
	struct cache_run zero = run_cache(", rps_cpus: '2'", 1, NO_CACHE);
	double want = (double)rps.msgs * 6 * 24 * CYCLE_PS;
	double got = rps.busy_ps - zero.busy_ps;

	ck_assert_uint_eq(rps.msgs, zero.msgs);
	ck_assert_msg(fabs(got - want) <= 6 * 24 * CYCLE_PS,
		      "RPS target: %.0f ps more than without cache costs, want %.0f", got, want);
}
END_TEST

/* ---- contention between cores ---- */

/*
 * Senders @first..@first+@n-1 of a host, sender i on CPU i + 1 with
 * datagrams of 64 + 30 * i bytes (different periods, so they do not run in
 * lock step), each sendto() as fast as it can through eth0's single TX queue
 * (one pfifo_fast root) onto a fast link; eth0's IRQ on CPU 0.
 */
static struct world *run_senders(int first, int n)
{
	char yaml[4096];
	int len;

	len = snprintf(
		yaml, sizeof(yaml),
		"name: lock\n"
		"duration: 20ms\n"
		"warmup: 0s\n"
		"costs: {mem_bandwidth: 0bit}\n"
		"hosts:\n"
		"  - name: tx\n"
		"    cpus: 5\n"
		"    nics:\n"
		"      - {name: eth0, driver: mlx5, speed: 400Gbit, dma_bandwidth: 400Gbit,\n"
		"         address: 10.0.0.1/24, rx_queues: 1, irq_affinity: [0], tx_ring: 4096}\n"
		"    neigh:\n"
		"      - {ip: 10.0.0.2, dev: eth0}\n"
		"    sockets:\n");
	for (int i = first; i < first + n; i++)
		len += snprintf(yaml + len, sizeof(yaml) - (size_t)len,
				"      - {name: s%d, sndbuf: 4MiB}\n", i);
	len += snprintf(yaml + len, sizeof(yaml) - (size_t)len, "    apps:\n");
	for (int i = first; i < first + n; i++)
		len += snprintf(yaml + len, sizeof(yaml) - (size_t)len,
				"      - {name: a%d, socket: s%d, cpu: %d,\n"
				"         send: {to: '10.0.0.2:5000', size: %d}}\n",
				i, i, i + 1, 64 + 30 * i);
	return test_world_run("lock.yaml", yaml);
}

/* Datagrams sender @i (app @ix of @w) sent, and the CPU time of its CPU. */
static void sender_cpu(struct world *w, int ix, int i, double *sent, double *busy_ps)
{
	struct host *h = test_world_host(w, "tx");

	*sent = (double)h->apps[ix]->sent;
	*busy_ps = 0;
	for (int a = 0; a < ACCT_NR; a++)
		if (a != ACCT_IDLE)
			*busy_ps += (double)h->cpus[i + 1].acct[a];
}

/*
 * Four senders into one qdisc root scale sub-linearly: each spins on the
 * root lock (and the busylock) while another holds it, and the lock's line
 * bounces between them. The CPU time each spends beyond what it needs per
 * datagram alone is what the locks recorded: spin and bounces (TX cleaning
 * on CPU 0 takes the lock for a few reschedules of its own).
 */
START_TEST(test_qdisc_lock_scaling)
{
	struct world *w4 = run_senders(0, 4);
	struct host *h = test_world_host(w4, "tx");
	const struct Qdisc *q = h->devs[0]->txq[0].qdisc;
	double bounce = (double)cycles_to_ps(h, h->costs.lock_bounce);
	double wait = (double)(q->root_lock.spin_ps + q->busylock.spin_ps) +
		      (double)(q->root_lock.bounced + q->busylock.bounced) * bounce;
	double extra = 0, alone = 0, together = 0;

	for (int i = 0; i < 4; i++) {
		struct world *w1 = run_senders(i, 1);
		double sent1, busy1, sent4, busy4;

		sender_cpu(w1, 0, i, &sent1, &busy1);
		sender_cpu(w4, i, i, &sent4, &busy4);
		extra += busy4 - sent4 * busy1 / sent1;
		alone += sent1;
		together += sent4;
		world_free(w1);
	}
	ck_assert_double_lt(together, 0.97 * alone);
	ck_assert_uint_gt(q->root_lock.contended, 1000);
	ck_assert_msg(fabs(extra - wait) <= 0.05 * wait,
		      "4 senders: %.0f ps more CPU than alone, the locks waited %.0f ps", extra,
		      wait);
	world_free(w4);
}
END_TEST

/*
 * Four RX queues on CPUs 0-3 feed one socket that nobody reads: the four
 * softirqs take its sk_receive_queue.lock for every datagram. @costs: the
 * costs mapping. Returns the CPU time of CPUs 0-3; *wait the lock's spin and
 * bounces.
 */
static double run_producers(const char *costs, double *wait, uint64_t *contended)
{
	char yaml[2048];
	struct world *w;
	struct host *h;
	const struct sock *sk;
	double busy = 0;

	snprintf(
		yaml, sizeof(yaml),
		"name: sklock\nduration: 20ms\nwarmup: 0s\ncosts: {%s}\n"
		"hosts:\n  - name: rx\n    cpus: 4\n    nics:\n"
		"      - {name: eth0, driver: mlx5, address: 10.0.0.1/24, rx_queues: 4}\n"
		"    sockets:\n      - {name: srv, bind: '0.0.0.0:5000', rcvbuf: 64KiB}\n"
		"traffic:\n  - {name: load, to: rx/eth0, rate: 2Mpps, pattern: poisson, size: 64,\n"
		"     flows: 64, dst: 10.0.0.1:5000}\n",
		costs);
	w = test_world_run("sklock.yaml", yaml);
	h = test_world_host(w, "rx");
	sk = h->socks[0];
	for (uint32_t c = 0; c < 4; c++)
		for (int a = 0; a < ACCT_NR; a++)
			if (a != ACCT_IDLE)
				busy += (double)h->cpus[c].acct[a];
	*wait = (double)sk->rq_lock.spin_ps +
		(double)sk->rq_lock.bounced * (double)cycles_to_ps(h, h->costs.lock_bounce);
	*contended = sk->rq_lock.contended;
	world_free(w);
	return busy;
}

/*
 * Several softirqs into one socket: each waits for sk_receive_queue.lock
 * while another CPU holds it, and its line moves between them. The CPU time
 * over the same run with free locks (no hold, no bounce) is that waiting.
 */
START_TEST(test_socket_lock_contention)
{
	double wait, wait0;
	uint64_t contended, contended0;
	double busy = run_producers("", &wait, &contended);
	double busy0 = run_producers("udp_queue_hold: 0, lock_bounce: 0", &wait0, &contended0);

	ck_assert_uint_gt(contended, 100);
	ck_assert_uint_eq(contended0, 0);
	ck_assert_double_eq(wait0, 0);
	ck_assert_msg(fabs(busy - busy0 - wait) <= 0.05 * wait,
		      "4 producers: %.0f ps more CPU than with free locks, the lock waited %.0f ps",
		      busy - busy0, wait);
}
END_TEST

/*
 * Readers of one socket: @n readers on CPUs 1..n take reader_queue.lock per
 * datagram and contend for it; a lone reader never waits for it, so it is
 * not taken. Returns the lock's contended acquisitions; *acquired its
 * acquisitions.
 */
static uint64_t run_readers(int n, uint64_t *acquired)
{
	char yaml[2048];
	int len;
	struct world *w;
	const struct sock *sk;
	uint64_t contended;

	len = snprintf(
		yaml, sizeof(yaml),
		"name: readers\nduration: 20ms\nwarmup: 0s\n"
		"hosts:\n  - name: rx\n    cpus: 3\n    nics:\n"
		"      - {name: eth0, driver: mlx5, address: 10.0.0.1/24, irq_affinity: [0]}\n"
		"    sockets:\n      - {name: srv, bind: '0.0.0.0:5000', rcvbuf: 4MiB}\n"
		"    apps:\n");
	for (int i = 0; i < n; i++)
		len += snprintf(yaml + len, sizeof(yaml) - (size_t)len,
				"      - {name: r%d, socket: srv, cpu: %d}\n", i, i + 1);
	snprintf(yaml + len, sizeof(yaml) - (size_t)len,
		 "traffic:\n  - {name: load, to: rx/eth0, rate: 800kpps, pattern: poisson,\n"
		 "     size: 64, flows: 16, dst: 10.0.0.1:5000}\n");
	w = test_world_run("readers.yaml", yaml);
	sk = test_world_host(w, "rx")->socks[0];
	*acquired = udp_sk(sk)->reader_lock.acquired;
	contended = udp_sk(sk)->reader_lock.contended + udp_sk(sk)->reader_lock.bounced;
	world_free(w);
	return contended;
}

START_TEST(test_socket_readers_contend)
{
	uint64_t acq1, acq2;

	ck_assert_uint_eq(run_readers(1, &acq1), 0);
	ck_assert_uint_eq(acq1, 0);
	ck_assert_uint_gt(run_readers(2, &acq2), 100);
	ck_assert_uint_gt(acq2, 1000);
}
END_TEST

/*
 * @n independent senders on CPUs 0..n-1, each sendto() of 1400 bytes as fast
 * as it can through lo to its own socket (which nobody reads: full, it drops),
 * so every CPU does the same work alone. @bw: mem_bandwidth.
 */
static double copy_rate(int n, const char *bw)
{
	char yaml[4096];
	int len;
	struct world *w;
	struct host *h;
	double sent = 0;

	len = snprintf(yaml, sizeof(yaml),
		       "name: membw\nduration: 20ms\nwarmup: 0s\nprofile: legacy-0.1\n"
		       "costs: {mem_bandwidth: %s}\n"
		       "hosts:\n  - name: h\n    cpus: 4\n    sockets:\n",
		       bw);
	for (int i = 0; i < n; i++)
		len += snprintf(yaml + len, sizeof(yaml) - (size_t)len,
				"      - {name: r%d, bind: '127.0.0.1:%d', rcvbuf: 64KiB}\n"
				"      - {name: s%d, sndbuf: 4MiB}\n",
				i, 6000 + i, i);
	len += snprintf(yaml + len, sizeof(yaml) - (size_t)len, "    apps:\n");
	for (int i = 0; i < n; i++)
		len += snprintf(yaml + len, sizeof(yaml) - (size_t)len,
				"      - {name: a%d, socket: s%d, cpu: %d,\n"
				"         send: {to: '127.0.0.1:%d', size: 1400}}\n",
				i, i, i, 6000 + i);
	w = test_world_run("membw.yaml", yaml);
	h = test_world_host(w, "h");
	for (int i = 0; i < n; i++)
		sent += (double)h->apps[i]->sent;
	world_free(w);
	return sent / n / 0.020; /* datagrams per second per sender */
}

/*
 * The bandwidth term's fixed point: a datagram costs C0 cycles with no
 * limit, of which 1400 * 0.34 are the copy; with the limit the copy costs
 * 1 / (1 - u) as much, u = n * rate * 1400 / bandwidth, rate = 3 GHz / C.
 */
static double membw_predict(double rate0, int n, double bw)
{
	double c0 = 3e9 / rate0, copy = 1400 * 0.34, rate = rate0;

	for (int i = 0; i < 200; i++) {
		double u = n * rate * 1400 / bw;

		rate = 3e9 / (c0 + copy * (1 / (1 - u) - 1));
	}
	return rate;
}

/*
 * Independent flows on independent CPUs scale by the bandwidth term as
 * configured: with 10 GB/s (80Gbit) one sender loses a little, four lose
 * more, each as the fixed point says (within 1 %: the first window and the
 * windows' lag).
 */
START_TEST(test_membw_scaling)
{
	double r0 = copy_rate(1, "0bit");
	double r1 = copy_rate(1, "80Gbit"), r4 = copy_rate(4, "80Gbit");
	double p1 = membw_predict(r0, 1, 10e9), p4 = membw_predict(r0, 4, 10e9);

	ck_assert_double_eq_tol(copy_rate(4, "0bit"), r0, r0 * 1e-9); /* no limit: linear */
	ck_assert_double_lt(r4, 0.9 * r0);
	ck_assert_msg(fabs(r1 - p1) <= 0.01 * p1, "1 sender: %.0f/s, predicted %.0f/s", r1, p1);
	ck_assert_msg(fabs(r4 - p4) <= 0.01 * p4, "4 senders: %.0f/s each, predicted %.0f/s", r4,
		      p4);
}
END_TEST

Suite *nicmech_suite(void);

Suite *nicmech_suite(void)
{
	Suite *s = suite_create("nicmech");
	TCase *tc = tcase_create("nicmech");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_dim_bulk);
	tcase_add_test(tc, test_dim_tired);
	tcase_add_test(tc, test_dim_edges);
	tcase_add_test(tc, test_dim_profiles);
	tcase_add_loop_test(tc, test_ixgbe_itr, 0, (int)(sizeof(itr_rows) / sizeof(itr_rows[0])));
	tcase_add_loop_test(tc, test_dim_rises_under_bulk, 0, 2);
	tcase_add_loop_test(tc, test_dim_falls_when_latency_bound, 0, 2);
	tcase_add_test(tc, test_cache_remote_reader);
	tcase_add_test(tc, test_cache_rps_target);
	tcase_add_test(tc, test_wake_ipi_only_to_halted);
	tcase_add_test(tc, test_qdisc_lock_scaling);
	tcase_add_test(tc, test_membw_scaling);
	tcase_add_test(tc, test_socket_lock_contention);
	tcase_add_test(tc, test_socket_readers_contend);
	suite_add_tcase(s, tc);
	return s;
}
