/*
 * tests/test_trace.c - the CPU timeline (models/report/trace.h) and packet
 * journeys (models/report/follow.h).
 *
 * Reference model: one 64-byte frame to an idle receiver that polls in idle
 * (no exit latency) and has no cost variability. By hand, its interrupt CPU
 * runs, in this nesting: "hardirq eth0-rx-0" lasting exactly irq_entry +
 * irq_exit cycles, then "softirq" holding "net_rx_action" (1 packet)
 * holding "napi_poll eth0 rx-0" (1 packet of a 64 budget); the reader's CPU
 * runs the application "reader". The packet's journey goes R1, R2, R9 ...
 * R24 in increasing order and ends delivered to "srv". And a trace cut by
 * its size limit is still valid JSON that says it is truncated.
 */
#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/report/follow.h"
#include "models/report/trace.h"
#include "models/scenario.h"
#include "sim/cfg.h"
#include "sim/error.h"

static const char one_frame[] =
	"name: one\n"
	"duration: 1500us\n"
	"warmup: 0s\n"
	"costs: {cost_cv: 0, idle: poll}\n"
	"hosts:\n"
	"  - name: rx\n"
	"    cpus: 2\n"
	"    nics:\n"
	"      - {name: eth0, driver: ixgbe, address: 10.0.0.1/24, rx_queues: 1,\n"
	"         irq_affinity: [0]}\n"
	"    sockets:\n"
	"      - {name: srv, bind: '0.0.0.0:5000'}\n"
	"    apps:\n"
	"      - {name: reader, socket: srv, cpu: 1}\n"
	"traffic:\n"
	"  - {name: t, to: rx/eth0, rate: 1kpps, size: 64, dst: '10.0.0.1:5000'}\n";

static struct world *load(const char *yaml)
{
	struct sim_error err = { 0 };
	struct cfg c = { 0 };
	struct world *w;

	ck_assert_msg(cfg_load_string(&c, "one.yaml", yaml, &err) == 0, "%s", err.msg);
	w = world_create(&c, -1, &err);
	cfg_release(&c);
	ck_assert_msg(w != NULL, "%s", err.msg);
	return w;
}

static cJSON *read_json(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;
	cJSON *j;

	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = 0;
	fclose(f);
	j = cJSON_Parse(buf);
	free(buf);
	ck_assert_msg(j != NULL, "%s is not JSON", path);
	return j;
}

/* A complete slice as read back. */
struct slice {
	const char *name; /* "hardirq eth0-rx-0" */
	int tid;	  /* CPU */
	double ts, dur;	  /* us */
	int packets;	  /* args.packets, -1 for none */
	int budget;	  /* args.budget, -1 for none */
};

static int slices_of(const cJSON *root, struct slice *out, int max)
{
	const cJSON *e;
	int n = 0;

	cJSON_ArrayForEach(e, cJSON_GetObjectItem(root, "traceEvents"))
	{
		const cJSON *args = cJSON_GetObjectItem(e, "args");
		const cJSON *pk = cJSON_GetObjectItem(args, "packets");
		const cJSON *bu = cJSON_GetObjectItem(args, "budget");

		if (strcmp(cJSON_GetObjectItem(e, "ph")->valuestring, "X") || n >= max)
			continue;
		out[n++] = (struct slice){ cJSON_GetObjectItem(e, "name")->valuestring,
					   cJSON_GetObjectItem(e, "tid")->valueint,
					   cJSON_GetObjectItem(e, "ts")->valuedouble,
					   cJSON_GetObjectItem(e, "dur")->valuedouble,
					   pk ? pk->valueint : -1,
					   bu ? bu->valueint : -1 };
	}
	return n;
}

static const struct slice *find(const struct slice *s, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(s[i].name, name))
			return &s[i];
	ck_abort_msg("no slice '%s'", name);
	return NULL;
}

static bool inside(const struct slice *in, const struct slice *out)
{
	return in->tid == out->tid && in->ts >= out->ts - 1e-6 &&
	       in->ts + in->dur <= out->ts + out->dur + 1e-6;
}

static void run_traced(struct world *w, const char *path, uint64_t max_bytes, sim_time_t *full)
{
	struct sim_error err = { 0 };
	struct trace_opts o = { 0, SIM_NEVER, TRACE_SAMPLE_DEFAULT, max_bytes };
	struct trace *t = trace_open(w, path, &o, &err);

	ck_assert_msg(t != NULL, "%s", err.msg);
	world_run(w);
	ck_assert_msg(trace_close(t, full, &err) == 0, "%s", err.msg);
}

START_TEST(test_trace_one_frame_nesting)
{
	char path[] = "/tmp/skbsim-trace-XXXXXX";
	int fd = mkstemp(path);
	struct world *w = load(one_frame);
	const struct host *h = w->hosts[0];
	struct slice s[64];
	sim_time_t full;
	cJSON *root;
	int n;

	ck_assert_int_ge(fd, 0);
	close(fd);
	run_traced(w, path, TRACE_MAX_BYTES, &full);
	ck_assert(full == SIM_NEVER);
	root = read_json(path);
	n = slices_of(root, s, 64);
	{
		const struct slice *irq = find(s, n, "hardirq eth0-rx-0");
		const struct slice *soft = find(s, n, "softirq");
		const struct slice *rx = find(s, n, "net_rx_action");
		const struct slice *poll = find(s, n, "napi_poll eth0 rx-0");
		const struct slice *app = find(s, n, "reader");
		double want = (double)cycles_to_ps(h, h->costs.irq_entry + h->costs.irq_exit) /
			      (double)SIM_US;

		ck_assert_int_eq(irq->tid, 0);
		ck_assert_msg(irq->dur > want - 1e-6 && irq->dur < want + 1e-6,
			      "hardirq lasted %.6f us, irq_entry + irq_exit are %.6f us", irq->dur,
			      want);
		ck_assert(soft->ts >= irq->ts + irq->dur - 1e-6); /* softirq on irq exit */
		ck_assert(inside(rx, soft));
		ck_assert(inside(poll, rx));
		ck_assert_int_eq(poll->packets, 1);
		ck_assert_int_eq(poll->budget, 64);
		ck_assert_int_eq(rx->packets, 1);
		ck_assert_int_eq(app->tid, 1);
		ck_assert(app->ts >= poll->ts);
	}
	cJSON_Delete(root);
	world_free(w);
	unlink(path);
}
END_TEST

START_TEST(test_trace_truncated_is_valid)
{
	char path[] = "/tmp/skbsim-trace-XXXXXX";
	int fd = mkstemp(path);
	struct world *w = load(one_frame);
	const cJSON *od;
	sim_time_t full;
	cJSON *root;
	long size;
	FILE *f;

	ck_assert_int_ge(fd, 0);
	close(fd);
	run_traced(w, path, 2048, &full);
	ck_assert(full != SIM_NEVER);
	root = read_json(path);
	od = cJSON_GetObjectItem(root, "otherData");
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(od, "truncated")));
	f = fopen(path, "r");
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fclose(f);
	ck_assert_int_lt(size, 2048 + 1024); /* the limit, one event and the footer */
	cJSON_Delete(root);
	world_free(w);
	unlink(path);
}
END_TEST

START_TEST(test_follow_one_frame_journey)
{
	struct sim_error err = { 0 };
	struct world *w = load(one_frame);
	struct follow *f = follow_open(w, 1, 1, &err);
	char *text = NULL, *p;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	int last = 0, nstages = 0;

	ck_assert_msg(f != NULL, "%s", err.msg);
	world_run(w);
	ck_assert_int_eq(follow_write(f, out), 0);
	fclose(out);
	ck_assert_msg(strstr(text, "packet 0: udp ") != NULL, "%s", text);
	for (p = text; (p = strstr(p, " R")) != NULL; p++) {
		int r;

		if (sscanf(p, " R%d ", &r) != 1 || p[-1] == '(')
			continue;
		ck_assert_msg(r > last, "R%d after R%d:\n%s", r, last, text);
		last = r;
		nstages++;
	}
	ck_assert_int_eq(last, 24);
	ck_assert_int_ge(nstages, 10);
	ck_assert_msg(strstr(text, "DELIVERED to socket srv") != NULL, "%s", text);
	ck_assert_msg(strstr(text, "(in flight") == NULL, "%s", text);
	free(text);
	follow_free(f);
	world_free(w);
}
END_TEST

Suite *trace_suite(void);
Suite *trace_suite(void)
{
	Suite *s = suite_create("trace");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_trace_one_frame_nesting);
	tcase_add_test(tc, test_trace_truncated_is_valid);
	tcase_add_test(tc, test_follow_one_frame_journey);
	suite_add_tcase(s, tc);
	return s;
}
