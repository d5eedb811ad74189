/*
 * tests/test_subsys.c - the subsystem registry (models/subsys.h): every
 * entry named and unique, report ranks that do not collide with report.c's
 * own parts, every file a run writes in a host directory listed by its
 * subsystem; and a fake subsystem added to the table has its hooks called
 * in the documented order, its report parts placed by rank, without
 * changing what the others report.
 */
#include <check.h>
#include <dirent.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/report/report.h"
#include "models/scenario.h"
#include "models/subsys.h"
#include "tests/test_world.h"
#include "sim/cfg.h"

START_TEST(test_registry_names_unique)
{
	size_t n = subsys_count(host_subsys);

	ck_assert_uint_gt(n, 0);
	ck_assert_uint_le(n, SUBSYS_MAX);
	for (size_t i = 0; i < n; i++) {
		ck_assert_ptr_nonnull(host_subsys[i]->name);
		ck_assert_uint_gt(strlen(host_subsys[i]->name), 0);
		for (size_t j = 0; j < i; j++)
			ck_assert_msg(strcmp(host_subsys[i]->name, host_subsys[j]->name),
				      "two subsystems named '%s'", host_subsys[i]->name);
	}
}
END_TEST

/* A subsystem that writes files lists them; one that reports has a rank that is not report.c's. */
START_TEST(test_registry_hooks_consistent)
{
	for (size_t i = 0; host_subsys[i]; i++) {
		const struct host_subsys_ops *o = host_subsys[i];

		ck_assert_msg(!o->files || o->file_names || o->file_prefixes,
			      "'%s' writes files it does not list", o->name);
		ck_assert_msg(!(o->file_names || o->file_prefixes) || o->files,
			      "'%s' lists files it never writes", o->name);
		if (o->world_text || o->world_json)
			ck_assert_msg(o->world_rank != SUBSYS_RANK_HOSTS,
				      "'%s' ranks with the hosts", o->name);
		if (o->text)
			ck_assert_msg(o->text_rank != SUBSYS_RANK_LOCKS,
				      "'%s' text ranks with the locks", o->name);
		if (o->json)
			ck_assert_msg(o->json_rank != SUBSYS_RANK_LOCKS,
				      "'%s' json ranks with the locks", o->name);
		ck_assert_msg(!o->init || o->release || o->world_release,
			      "'%s' builds a host part it never frees", o->name);
		ck_assert_msg(!(o->world_init || o->world_late_init) || o->world_release ||
				      o->release,
			      "'%s' builds a world part it never frees", o->name);
	}
}
END_TEST

/* The shipped entries the report's layout depends on, in initialisation order. */
START_TEST(test_registry_init_order)
{
	static const char *const order[] = { "pcap",	  "cpu",  "inet", "netdev", "route",
					     "netfilter", "sock", "app",  "traffic" };
	size_t k = 0;

	for (size_t i = 0; host_subsys[i] && k < sizeof(order) / sizeof(order[0]); i++)
		if (!strcmp(host_subsys[i]->name, order[k]))
			k++;
	ck_assert_uint_eq(k, sizeof(order) / sizeof(order[0]));
}
END_TEST

static struct world *load(const char *path, const struct host_subsys_ops *const *t)
{
	struct sim_error err = { 0 };
	struct cfg c = { 0 };
	struct world *w;

	ck_assert_msg(cfg_load_file(&c, path, &err) == 0, "%s", err.msg);
	w = world_create_subsys(&c, -1, t, &err);
	cfg_release(&c);
	ck_assert_msg(w != NULL, "%s", err.msg);
	return w;
}

/* Every file of every host directory of a run is one its subsystems list. */
static const char *const file_scenarios[] = {
	"../scenarios/default.yaml",  "../scenarios/conntrack.yaml",
	"../scenarios/bridge.yaml",   "../scenarios/two-hosts.yaml",
	"../scenarios/xdp-drop.yaml", "../scenarios/containers.yaml",
};

START_TEST(test_host_files_listed)
{
	char dir[] = "/tmp/skbsim-subsys-XXXXXX", p[512];
	struct sim_error err = { 0 };
	struct world *w = load(file_scenarios[_i], NULL);
	uint32_t files = 0;

	world_run(w);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_msg(!report_write_files(w, dir, &err), "%s", err.msg);
	for (uint32_t i = 0; i < w->nhosts; i++) {
		DIR *d;
		struct dirent *e;

		snprintf(p, sizeof(p), "%s/%s", dir, w->hosts[i]->name);
		d = opendir(p);
		ck_assert_ptr_nonnull(d);
		while ((e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			files++;
			ck_assert_msg(report_host_file_known(e->d_name), "%s: '%s' is not listed",
				      file_scenarios[_i], e->d_name);
		}
		closedir(d);
	}
	ck_assert_uint_ge(files, 10 * w->nhosts);
	ck_assert(!report_host_file_known("report.json"));
	ck_assert(!report_host_file_known("notes.txt"));
	test_rm_tree(dir);
	world_free(w);
}
END_TEST

/* ---- a fake subsystem ---- */

#define LOG_MAX 64

static char fake_log[LOG_MAX][32]; /* the hooks called, in order */
static unsigned fake_n;

static void fake_note(const char *what)
{
	if (fake_n < LOG_MAX)
		snprintf(fake_log[fake_n++], sizeof(fake_log[0]), "%s", what);
}

static void fake_boot(void)
{
	fake_note("boot");
}

static int fake_init(struct host *h, const struct cfg_node *n, struct sim_error *err)
{
	(void)n;
	(void)err;
	fake_note(h->name[0] == 't' ? "init tx" : "init rx");
	return 0;
}

static int fake_world_init(struct world *w, const struct cfg_node *root, struct sim_error *err)
{
	(void)w, (void)root, (void)err;
	fake_note("world_init");
	return 0;
}

static int fake_world_link(struct world *w, const struct cfg_node *root, struct sim_error *err)
{
	(void)w, (void)root, (void)err;
	fake_note("world_link");
	return 0;
}

static int fake_world_late_init(struct world *w, const struct cfg_node *root, struct sim_error *err)
{
	(void)root, (void)err;
	/* every host is built and the pool is not: the table's skb entry comes after this one */
	ck_assert_uint_eq(w->nhosts, 2);
	ck_assert_uint_gt(w->skb_pool_need, 4096);
	fake_note("world_late_init");
	return 0;
}

static void fake_start(struct host *h)
{
	(void)h;
	fake_note("start");
}

static void fake_world_start(struct world *w)
{
	(void)w;
	fake_note("world_start");
}

static void fake_warmup_reset(struct host *h, sim_time_t now)
{
	ck_assert_int_eq(now, h->w->warmup);
	fake_note("warmup_reset");
}

static void fake_finish(struct host *h, sim_time_t end)
{
	ck_assert_int_eq(end, h->w->duration);
	fake_note("finish");
}

static void fake_release(struct host *h)
{
	(void)h;
	fake_note("release");
}

static void fake_world_release(struct world *w)
{
	(void)w;
	fake_note("world_release");
}

static void fake_world_text(const struct world *w, FILE *f)
{
	(void)w;
	fake_note("world_text");
	fprintf(f, "FAKE WORLD\n");
}

static void fake_world_json(const struct world *w, cJSON *r)
{
	(void)w;
	fake_note("world_json");
	cJSON_AddStringToObject(r, "fake", "world");
}

static void fake_text(const struct host *h, FILE *f)
{
	fake_note("text");
	fprintf(f, "  FAKE %s\n", h->name);
}

static void fake_json(const struct host *h, cJSON *o)
{
	fake_note("json");
	cJSON_AddStringToObject(o, "fake", h->name);
}

static void fake_write(const void *arg, FILE *f)
{
	fake_note("write first");
	fprintf(f, "%s\n", ((const struct host *)arg)->name);
}

static void fake_write_last(const void *arg, FILE *f)
{
	(void)arg;
	fake_note("write last");
	fputs("last\n", f);
}

/* Asks for the last file first: files are written by rank, not in the order asked. */
static int fake_files(const struct host *h, struct host_files *out, struct sim_error *err)
{
	fake_note("files");
	return out->emit(out, 1000, "fake_last", fake_write_last, h, err) ||
			       out->emit(out, 5, "fake_file", fake_write, h, err)
		       ? -1
		       : 0;
}

static const char *const fake_file_names[] = { "fake_file", "fake_last", NULL };

static const struct host_subsys_ops fake_subsys = {
	.name = "fake",
	.boot = fake_boot,
	.init = fake_init,
	.world_init = fake_world_init,
	.world_link = fake_world_link,
	.world_late_init = fake_world_late_init,
	.start = fake_start,
	.world_start = fake_world_start,
	.warmup_reset = fake_warmup_reset,
	.finish = fake_finish,
	.release = fake_release,
	.world_release = fake_world_release,
	.world_rank = 15, /* between the packet sections (10) and the CPUs (20) */
	.world_text = fake_world_text,
	.world_json = fake_world_json,
	.text_rank = 35, /* after softnet_stat (30), before the devices (40) */
	.text = fake_text,
	.json_rank = 55, /* after the locks (50), before the apps (60) */
	.json = fake_json,
	.files = fake_files,
	.file_names = fake_file_names,
};

/* host_subsys[] with the fake entry inserted before the traffic sources. */
static void fake_table(const struct host_subsys_ops **t)
{
	size_t k = 0;

	for (size_t i = 0; host_subsys[i]; i++) {
		if (!strcmp(host_subsys[i]->name, "traffic"))
			t[k++] = &fake_subsys;
		t[k++] = host_subsys[i];
	}
	t[k] = NULL;
}

/* @a occurs in @s, and before @b (which occurs too). */
static void before(const char *s, const char *a, const char *b)
{
	const char *pa = strstr(s, a), *pb = strstr(s, b);

	ck_assert_msg(pa && pb, "'%s' or '%s' missing", a, b);
	ck_assert_msg(pa < pb, "'%s' is not before '%s'", a, b);
}

static void expect_log(const char *const *want, size_t n)
{
	ck_assert_uint_eq(fake_n, n);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(!strcmp(fake_log[i], want[i]), "hook %zu: '%s', expected '%s'", i,
			      fake_log[i], want[i]);
}

static char *report_string(const struct world *w, bool json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	cJSON *j;
	char *s;

	ck_assert_ptr_nonnull(f);
	if (json) {
		j = report_json(w);
		s = cJSON_Print(j);
		fputs(s, f);
		cJSON_free(s);
		cJSON_Delete(j);
	} else {
		report_text(w, f);
	}
	fclose(f);
	return buf;
}

START_TEST(test_fake_hooks_in_order)
{
	static const char *const build[] = { "boot",	   "init tx",	 "init rx",
					     "world_init", "world_link", "world_late_init" };
	static const char *const run[] = { "start",	   "start",  "world_start", "warmup_reset",
					   "warmup_reset", "finish", "finish" };
	static const char *const text[] = { "world_text", "text", "text" };
	static const char *const json[] = { "world_json", "json", "json" };
	/* report.json, report.txt, then each host's directory */
	static const char *const files[] = { "world_json", "json",  "json",	   "world_text",
					     "text",	   "text",  "files",	   "write first",
					     "write last", "files", "write first", "write last" };
	static const char *const release[] = { "release", "release", "world_release" };
	const struct host_subsys_ops *t[SUBSYS_MAX + 1];
	char dir[] = "/tmp/skbsim-subsys-XXXXXX", p[512], line[64];
	struct sim_error err = { 0 };
	struct world *w;
	FILE *f;
	char *s;

	fake_table(t);
	fake_n = 0;
	w = load("../scenarios/two-hosts.yaml", t);
	expect_log(build, sizeof(build) / sizeof(build[0]));
	fake_n = 0;
	world_run(w);
	expect_log(run, sizeof(run) / sizeof(run[0]));
	fake_n = 0;
	s = report_string(w, false);
	expect_log(text, sizeof(text) / sizeof(text[0]));
	/* by rank: after the latency table, before the CPUs; in a host after softnet_stat */
	before(s, "Latency in ns", "FAKE WORLD");
	before(s, "FAKE WORLD", "CPU utilisation");
	before(s, "Host tx", "  FAKE tx");
	before(s, "  softnet_stat", "  FAKE tx");
	before(s, "  FAKE tx", "  lock eth0");
	free(s);
	fake_n = 0;
	s = report_string(w, true);
	expect_log(json, sizeof(json) / sizeof(json[0]));
	before(s, "\"latency_ns\"", "\"fake\":\t\"world\"");
	before(s, "\"fake\":\t\"world\"", "\"cpus\"");
	before(s, "\"locks\"", "\"fake\":\t\"tx\"");
	before(s, "\"fake\":\t\"tx\"", "\"apps\"");
	free(s);
	fake_n = 0;
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_msg(!report_write_files(w, dir, &err), "%s", err.msg);
	expect_log(files, sizeof(files) / sizeof(files[0]));
	snprintf(p, sizeof(p), "%s/rx/fake_file", dir);
	f = fopen(p, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), f));
	ck_assert_str_eq(line, "rx\n");
	fclose(f);
	test_rm_tree(dir);
	fake_n = 0;
	world_free(w);
	expect_log(release, sizeof(release) / sizeof(release[0]));
}
END_TEST

/* The fake reads nothing and draws nothing: the rest of report.json is unchanged by it. */
START_TEST(test_fake_changes_no_result)
{
	const struct host_subsys_ops *t[SUBSYS_MAX + 1];
	struct world *a, *b;
	cJSON *ja, *jb, *host;
	char *sa, *sb;

	fake_table(t);
	a = load("../scenarios/two-hosts.yaml", NULL);
	b = load("../scenarios/two-hosts.yaml", t);
	world_run(a);
	world_run(b);
	ja = report_json(a);
	jb = report_json(b);
	cJSON_DeleteItemFromObject(jb, "fake");
	cJSON_ArrayForEach(host, cJSON_GetObjectItem(jb, "hosts"))
		cJSON_DeleteItemFromObject(host, "fake");
	sa = cJSON_Print(ja);
	sb = cJSON_Print(jb);
	ck_assert_str_eq(sa, sb);
	cJSON_free(sa);
	cJSON_free(sb);
	cJSON_Delete(ja);
	cJSON_Delete(jb);
	world_free(a);
	world_free(b);
}
END_TEST

/* An init hook's error is the world's, located at the host, and every part built is freed. */
static int fail_init(struct host *h, const struct cfg_node *n, struct sim_error *err)
{
	(void)n;
	fake_note("fail");
	return h->name[0] == 'r' ? sim_error_set(err, "fake failure on '%s'", h->name) : 0;
}

static const struct host_subsys_ops fail_subsys = {
	.name = "fail",
	.init = fail_init,
	.release = fake_release,
};

START_TEST(test_init_error_located)
{
	const struct host_subsys_ops *t[SUBSYS_MAX + 1];
	struct sim_error err = { 0 };
	struct cfg c = { 0 };
	size_t k = 0;

	for (size_t i = 0; host_subsys[i]; i++) {
		t[k++] = host_subsys[i];
		if (!strcmp(host_subsys[i]->name, "app"))
			t[k++] = &fail_subsys;
	}
	t[k] = NULL;
	ck_assert_int_eq(cfg_load_file(&c, "../scenarios/two-hosts.yaml", &err), 0);
	fake_n = 0;
	ck_assert_ptr_null(world_create_subsys(&c, -1, t, &err));
	cfg_release(&c);
	ck_assert_msg(strstr(err.msg, "two-hosts.yaml:") && strstr(err.msg, "fake failure on 'rx'"),
		      "%s", err.msg);
	/* tx built and rx failed; both freed by world_free */
	ck_assert_uint_eq(fake_n, 4);
	ck_assert_str_eq(fake_log[0], "fail");
	ck_assert_str_eq(fake_log[1], "fail");
	ck_assert_str_eq(fake_log[2], "release");
	ck_assert_str_eq(fake_log[3], "release");
}
END_TEST

Suite *subsys_suite(void);

Suite *subsys_suite(void)
{
	Suite *s = suite_create("subsys");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_registry_names_unique);
	tcase_add_test(tc, test_registry_hooks_consistent);
	tcase_add_test(tc, test_registry_init_order);
	tcase_add_loop_test(tc, test_host_files_listed, 0,
			    sizeof(file_scenarios) / sizeof(file_scenarios[0]));
	tcase_add_test(tc, test_fake_hooks_in_order);
	tcase_add_test(tc, test_fake_changes_no_result);
	tcase_add_test(tc, test_init_error_located);
	suite_add_tcase(s, tc);
	return s;
}
