/*
 * tests/test_rfs.c - Receive Flow Steering (get_rps_cpu with flow tables,
 * sock_rps_record_flow; net/core/dev.c, include/net/rps.h).
 *
 * Reference model, by hand: three request/response clients on CPUs 1-3 of a
 * 4-CPU host whose one NIC queue interrupts CPU 0. Each reply's stack work
 * (softnet "processed") runs where the table sends it:
 * - no RFS, or RFS with unconnected sockets (sock_rps_record_flow records
 *   only sockets in TCP_ESTABLISHED: connected ones), or no flow table on the
 *   queue, or no rps_sock_flow_entries: every reply on CPU 0;
 * - RFS with connected clients: every reply but each client's first (its
 *   socket has no rxhash before it) on its client's CPU, through the backlog
 *   (received_rps counts the IPIs), none left on CPU 0 but those three;
 * - RPS alone (rps_cpus 1-3): replies leave CPU 0, spread by hash.
 * And against the real kernel (tests/kernel-ref/rfs.csv, measure_rfs.py: a
 * veth in netif_rx mode, the sender on CPU 0, the reader on CPU 1): the
 * share of the reader's datagrams whose receive ran on the reader's CPU is
 * the kernel's for RFS off, on, and on with an unconnected reader.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "models/apps/app.h"
#include "models/core/dev.h"
#include "test_world.h"

static const char rfs_fmt[] =
	"name: rfs\n"
	"duration: 20ms\n"
	"warmup: 0s\n"
	"hosts:\n"
	"  - name: client\n"
	"    cpus: 4\n"
	"    sysctl: {net.core.rps_sock_flow_entries: %u}\n"
	"    nics:\n"
	"      - {name: eth0, driver: mlx5, address: 10.0.0.1/24, rx_queues: 1,\n"
	"         irq_affinity: [0], rps_flow_cnt: %u, rps_cpus: '%s'}\n"
	"    sockets: [{name: c1}, {name: c2}, {name: c3}]\n"
	"    apps:\n"
	"      - {name: a1, socket: c1, cpu: 1, send: {to: 10.0.0.2:7, size: 200,\n"
	"         await_reply: true, timeout: 10ms, connect: %s}}\n"
	"      - {name: a2, socket: c2, cpu: 2, send: {to: 10.0.0.2:7, size: 200,\n"
	"         await_reply: true, timeout: 10ms, connect: %s}}\n"
	"      - {name: a3, socket: c3, cpu: 3, send: {to: 10.0.0.2:7, size: 200,\n"
	"         await_reply: true, timeout: 10ms, connect: %s}}\n"
	"  - name: server\n"
	"    cpus: 2\n"
	"    nics:\n"
	"      - {name: eth0, driver: mlx5, address: 10.0.0.2/24, rx_queues: 1, irq_affinity: "
	"[0]}\n"
	"    sockets: [{name: echo, bind: 0.0.0.0:7}]\n"
	"    apps: [{name: server, socket: echo, cpu: 1, echo: true}]\n"
	"links: [{a: client/eth0, b: server/eth0, delay: 2us}]\n";

enum steer { ALL_ON_0, TO_READER, SPREAD };

static const struct rfs_case {
	const char *what;
	unsigned entries;  /* net.core.rps_sock_flow_entries */
	unsigned flow_cnt; /* rps_flow_cnt */
	const char *rps;   /* rps_cpus */
	bool connect;	   /* the clients' sockets are connected */
	enum steer want;
} cases[] = {
	{ "no RFS, no RPS", 0, 0, "", true, ALL_ON_0 },
	{ "RFS, connected readers", 4096, 256, "", true, TO_READER },
	{ "RFS, unconnected readers (not TCP_ESTABLISHED)", 4096, 256, "", false, ALL_ON_0 },
	{ "rps_sock_flow_entries without a flow table", 4096, 0, "", true, ALL_ON_0 },
	{ "a flow table without rps_sock_flow_entries", 0, 256, "", true, ALL_ON_0 },
	{ "RFS wins over the rps map", 4096, 256, "1-3", true, TO_READER },
	{ "RPS alone", 0, 0, "1-3", true, SPREAD },
};

START_TEST(test_rfs_steering)
{
	const struct rfs_case *t = &cases[_i];
	const char *cn = t->connect ? "true" : "false";
	char yaml[4096];
	struct world *w;
	struct host *h;
	uint64_t replies = 0, processed = 0;

	snprintf(yaml, sizeof(yaml), rfs_fmt, t->entries, t->flow_cnt, t->rps, cn, cn, cn);
	w = test_world_run("rfs.yaml", yaml);
	h = test_world_host(w, "client");
	for (uint32_t a = 0; a < h->napps; a++)
		replies += h->apps[a]->rtt.count; /* replies read */
	for (uint32_t c = 0; c < h->ncpus; c++)
		processed += h->cpus[c].sd->processed;
	ck_assert_msg(replies > 100, "%s: %llu replies", t->what, (unsigned long long)replies);
	ck_assert_uint_ge(processed + 3, replies); /* up to one reply each still queued */
	switch (t->want) {
	case ALL_ON_0:
		for (uint32_t c = 1; c < h->ncpus; c++)
			ck_assert_msg(h->cpus[c].sd->processed == 0, "%s: cpu%u processed %llu",
				      t->what, c, (unsigned long long)h->cpus[c].sd->processed);
		break;
	case TO_READER:
		for (uint32_t a = 0; a < h->napps; a++) {
			const struct app *ap = h->apps[a];
			const struct softnet_data *sd = ap->thread.cpu->sd;

			/* all but its first reply (one more may be queued, unread, at the end;
			   with an rps map the first replies land by hash, here or elsewhere),
			   each through the backlog after an IPI */
			ck_assert_msg(sd->processed + 1 >= ap->rtt.count &&
					      sd->processed <= ap->rtt.count + 2,
				      "%s: %s on cpu%u: %llu of %llu", t->what, ap->name,
				      ap->thread.cpu->id, (unsigned long long)sd->processed,
				      (unsigned long long)ap->rtt.count);
			/* every backlog run but a coalesced one came with its IPI */
			ck_assert_uint_ge(sd->received_rps + 2, sd->processed);
			ck_assert_uint_le(sd->received_rps, sd->processed);
		}
		ck_assert_uint_le(h->cpus[0].sd->processed, 3 + 2); /* first replies, ARP */
		break;
	case SPREAD:
		ck_assert_uint_le(h->cpus[0].sd->processed, 5);
		ck_assert_uint_gt(h->cpus[1].sd->processed + h->cpus[2].sd->processed +
					  h->cpus[3].sd->processed,
				  replies - 3);
		break;
	}
	world_free(w);
}
END_TEST

/*
 * The kernel-ref cases in skbsim: namespaces a (an echo server on CPU 0) and
 * b (a client on CPU 1 whose replies are the measured datagrams) on one
 * machine joined by a veth; the replies enter b through netif_rx on CPU 0.
 */
static const char veth_fmt[] =
	"name: rfsveth\n"
	"duration: 20ms\n"
	"warmup: 0s\n"
	"hosts:\n"
	"  - name: m\n"
	"    cpus: 2\n"
	"    sysctl: {net.core.rps_sock_flow_entries: %u}\n"
	"  - name: a\n"
	"    machine: m\n"
	"    nics: [{name: a0, driver: veth, peer: b/b0, address: 10.79.0.1/24}]\n"
	"    sockets: [{name: echo, bind: 0.0.0.0:40001}]\n"
	"    apps: [{name: server, socket: echo, cpu: 0, echo: true}]\n"
	"  - name: b\n"
	"    machine: m\n"
	"    nics: [{name: b0, driver: veth, peer: a/a0, address: 10.79.0.2/24,\n"
	"            rps_flow_cnt: %u}]\n"
	"    sockets: [{name: rx}]\n"
	"    apps:\n"
	"      - {name: reader, socket: rx, cpu: 1, send: {to: 10.79.0.1:40001, size: 64,\n"
	"         await_reply: true, timeout: 10ms, connect: %s}}\n";

START_TEST(test_rfs_kernel_ref)
{
	FILE *f = fopen("kernel-ref/rfs.csv", "r");
	char line[128], cas[32];
	int rows = 0, cpu;
	double per;

	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), f)); /* header */
	while (fgets(line, sizeof(line), f)) {
		bool rfs, connect;
		char yaml[2048];
		struct world *w;
		struct host *m;
		const struct app *rd;
		double share;

		ck_assert_int_eq(sscanf(line, "%31[^,],%d,%lf", cas, &cpu, &per), 3);
		if (cpu != 1) /* the reader's CPU: steered there or not */
			continue;
		rfs = strcmp(cas, "off") != 0;
		connect = strcmp(cas, "unconnected") != 0;
		snprintf(yaml, sizeof(yaml), veth_fmt, rfs ? 4096u : 0u, rfs ? 256u : 0u,
			 connect ? "true" : "false");
		w = test_world_run("rfsveth.yaml", yaml);
		m = test_world_host(w, "m");
		rd = test_world_host(w, "b")->apps[0];
		ck_assert_uint_gt(rd->rtt.count, 100);
		/* the reader CPU's backlog took the replies that RFS sent there with an IPI */
		share = (double)m->cpus[1].sd->received_rps / (double)rd->rtt.count;
		ck_assert_msg(fabs(share - per) < 0.05,
			      "%s: %.3f of the replies on the reader's CPU, "
			      "kernel %.2f",
			      cas, share, per);
		world_free(w);
		rows++;
	}
	fclose(f);
	ck_assert_int_eq(rows, 3);
}
END_TEST

/*
 * aRFS: four RX queues, one per CPU, but RSS puts every flow on queue 0
 * (rss_equal 1). With RFS alone the replies come in on CPU 0 and reach each
 * client's CPU through the backlog and an IPI; with ntuple on, the first
 * steering installs a NIC filter, so the later replies come in on the queue
 * whose interrupt goes to the client's CPU and need no IPI.
 */
static const char arfs_fmt[] =
	"name: arfs\n"
	"duration: 20ms\n"
	"warmup: 0s\n"
	"hosts:\n"
	"  - name: client\n"
	"    cpus: 4\n"
	"    sysctl: {net.core.rps_sock_flow_entries: 4096}\n"
	"    nics:\n"
	"      - {name: eth0, driver: mlx5, address: 10.0.0.1/24, rx_queues: 4, rss_equal: 1,\n"
	"         irq_affinity: [0, 1, 2, 3], rps_flow_cnt: 256, ntuple: %s}\n"
	"    sockets: [{name: c1}, {name: c2}, {name: c3}]\n"
	"    apps:\n"
	"      - {name: a1, socket: c1, cpu: 1, send: {to: 10.0.0.2:7, size: 200,\n"
	"         await_reply: true, timeout: 10ms, connect: true}}\n"
	"      - {name: a2, socket: c2, cpu: 2, send: {to: 10.0.0.2:7, size: 200,\n"
	"         await_reply: true, timeout: 10ms, connect: true}}\n"
	"      - {name: a3, socket: c3, cpu: 3, send: {to: 10.0.0.2:7, size: 200,\n"
	"         await_reply: true, timeout: 10ms, connect: true}}\n"
	"  - name: server\n"
	"    cpus: 2\n"
	"    nics:\n"
	"      - {name: eth0, driver: mlx5, address: 10.0.0.2/24, rx_queues: 1, irq_affinity: "
	"[0]}\n"
	"    sockets: [{name: echo, bind: 0.0.0.0:7}]\n"
	"    apps: [{name: server, socket: echo, cpu: 1, echo: true}]\n"
	"links: [{a: client/eth0, b: server/eth0, delay: 2us}]\n";

START_TEST(test_arfs_moves_the_interrupt)
{
	for (int ntuple = 0; ntuple < 2; ntuple++) {
		char yaml[4096];
		struct world *w;
		struct host *h;

		snprintf(yaml, sizeof(yaml), arfs_fmt, ntuple ? "true" : "false");
		w = test_world_run("arfs.yaml", yaml);
		h = test_world_host(w, "client");
		for (uint32_t a = 0; a < h->napps; a++) {
			const struct app *ap = h->apps[a];
			const struct softnet_data *sd = ap->thread.cpu->sd;

			ck_assert_uint_gt(ap->rtt.count, 30);
			/* RFS either way: the reader's CPU runs its replies' stack */
			ck_assert_uint_ge(sd->processed + 1, ap->rtt.count);
			if (ntuple) /* the filter: in on the reader's own queue, no IPI after the first */
				ck_assert_msg(sd->received_rps <= 1, "%s: %llu RPS IPIs", ap->name,
					      (unsigned long long)sd->received_rps);
			else
				ck_assert_uint_ge(sd->received_rps + 1, ap->rtt.count);
		}
		world_free(w);
	}
}
END_TEST

Suite *rfs_suite(void);
Suite *rfs_suite(void)
{
	Suite *s = suite_create("rfs");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_rfs_steering, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, test_rfs_kernel_ref);
	tcase_add_test(tc, test_arfs_moves_the_interrupt);
	suite_add_tcase(s, tc);
	return s;
}
