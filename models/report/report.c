/*
 * models/report/report.c - text report, report.json and the Linux-format counter files.
 *
 * Only the orchestration: the header and provenance, the walks of the
 * subsystem table (models/subsys.h) in rank order for the world's sections,
 * each host's section and object (with the locks every subsystem reports at
 * SUBSYS_RANK_LOCKS), and the files, each created new and never through a
 * symlink. What each part prints, and the formats it follows (kernel-facts
 * §10: net/core/net-procfs.c softnet_seq_show and dev_seq_printf_stats,
 * net/ipv4/proc.c snmp_seq_show_ipstats / icmp / udp, ethtool -S's "NIC
 * statistics:" layout, iproute2 ss.c print_skmeminfo), lives with its
 * subsystem.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "models/report/report.h"
#include "models/report/report_util.h"
#include "models/subsys.h"
#include "sim/units.h"

/* ---- the walks ---- */

/* Whether an entry has a part of a host's section, a host's object, the world's sections. */
static bool has_text(const struct host_subsys_ops *o)
{
	return o->text;
}

static bool has_json(const struct host_subsys_ops *o)
{
	return o->json;
}

static bool has_world_text(const struct host_subsys_ops *o)
{
	return o->world_text;
}

static bool has_world_json(const struct host_subsys_ops *o)
{
	return o->world_json;
}

/* Every lock of @h that was taken, subsystem by subsystem in table order. */
static void host_for_each_lock(const struct world *w, const struct host *h, lock_report_fn fn,
			       void *arg)
{
	for (const struct host_subsys_ops *const *t = world_subsys(w); *t; t++)
		if ((*t)->locks)
			(*t)->locks(h, fn, arg);
}

/* ---- report.txt ---- */

static void text_lock(const struct lock_report *l, void *arg)
{
	if (!l->contended && !l->bounced)
		return;
	fprintf(arg, "  lock %s %s: acquired %llu contended %llu bounced %llu spin %.1f us\n",
		l->owner, l->lock, U(l->acquired), U(l->contended), U(l->bounced),
		sim_time_sec(l->spin_ps) * 1e6);
}

static void text_host(const struct world *w, const struct host *h, FILE *f)
{
	const struct host_subsys_ops *v[SUBSYS_MAX];
	size_t n = subsys_by_rank(world_subsys(w), offsetof(struct host_subsys_ops, text_rank),
				  has_text, v);
	bool locks = false;

	fprintf(f, "Host %s (profile %s, %.3g GHz)\n", h->name, h->profile, h->clock_hz / 1e9);
	for (size_t i = 0; i <= n; i++) {
		if (!locks && (i == n || v[i]->text_rank > SUBSYS_RANK_LOCKS)) {
			host_for_each_lock(w, h, text_lock, f);
			locks = true;
		}
		if (i < n)
			v[i]->text(h, f);
	}
	fprintf(f, "\n");
}

/* What made the run: the file and its hash, the overrides, each host's profile. */
static void text_provenance(const struct world *w, FILE *f)
{
	fprintf(f, "  file %s, sha256 %s\n", w->scenario_file, w->scenario_sha256);
	fprintf(f, "  overrides:%s", w->noverrides ? "" : " none");
	for (uint32_t i = 0; i < w->noverrides; i++)
		fprintf(f, " %s", w->overrides[i]);
	fprintf(f, "\n  profiles:");
	for (uint32_t i = 0; i < w->nhosts; i++)
		fprintf(f, "%s %s %s", i ? "," : "", w->hosts[i]->name, w->hosts[i]->profile);
	fprintf(f, "\n\n");
}

void report_text(const struct world *w, FILE *f)
{
	const struct host_subsys_ops *v[SUBSYS_MAX];
	size_t n = subsys_by_rank(world_subsys(w), offsetof(struct host_subsys_ops, world_rank),
				  has_world_text, v);
	char dur[32], warm[32], end[32];
	bool hosts = false;

	sim_fmt_time(dur, sizeof(dur), w->duration);
	sim_fmt_time(warm, sizeof(warm), w->warmup);
	fprintf(f, "skbsim %s: scenario '%s', seed %llu, %s simulated (%s warm-up)\n",
		SKBSIM_VERSION, w->name, (unsigned long long)w->seed, dur, warm);
	if (!w->complete) {
		sim_fmt_time(end, sizeof(end), w->end);
		fprintf(f, "PARTIAL: stopped by %s at %s of simulated time\n", w->stop_reason, end);
	}
	text_provenance(w, f);
	for (size_t i = 0; i <= n; i++) {
		if (!hosts && (i == n || v[i]->world_rank > SUBSYS_RANK_HOSTS)) {
			for (uint32_t k = 0; k < w->nhosts; k++)
				text_host(w, w->hosts[k], f);
			hosts = true;
		}
		if (i < n)
			v[i]->world_text(w, f);
	}
}

/* ---- report.json ---- */

static void json_lock(const struct lock_report *l, void *arg)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "owner", l->owner);
	cJSON_AddStringToObject(o, "lock", l->lock);
	cJSON_AddNumberToObject(o, "acquired", (double)l->acquired);
	cJSON_AddNumberToObject(o, "contended", (double)l->contended);
	cJSON_AddNumberToObject(o, "bounced", (double)l->bounced);
	cJSON_AddNumberToObject(o, "spin_ns", (double)l->spin_ps / 1000.0);
	cJSON_AddItemToArray(arg, o);
}

static cJSON *json_host(const struct world *w, const struct host *h)
{
	const struct host_subsys_ops *v[SUBSYS_MAX];
	size_t n = subsys_by_rank(world_subsys(w), offsetof(struct host_subsys_ops, json_rank),
				  has_json, v);
	cJSON *o = cJSON_CreateObject(), *locks;
	bool done = false;

	cJSON_AddStringToObject(o, "name", h->name);
	cJSON_AddStringToObject(o, "profile", h->profile);
	cJSON_AddNumberToObject(o, "clock_hz", h->clock_hz);
	for (size_t i = 0; i <= n; i++) {
		if (!done && (i == n || v[i]->json_rank > SUBSYS_RANK_LOCKS)) {
			locks = cJSON_AddArrayToObject(o, "locks");
			host_for_each_lock(w, h, json_lock, locks);
			done = true;
		}
		if (i < n)
			v[i]->json(h, o);
	}
	return o;
}

static cJSON *json_hosts(const struct world *w)
{
	cJSON *a = cJSON_CreateArray();

	for (uint32_t i = 0; i < w->nhosts; i++)
		cJSON_AddItemToArray(a, json_host(w, w->hosts[i]));
	return a;
}

static cJSON *json_provenance(const struct world *w)
{
	cJSON *o = cJSON_CreateObject(), *ov = cJSON_CreateArray(), *pr = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "skbsim_version", SKBSIM_VERSION);
	cJSON_AddStringToObject(o, "scenario_file", w->scenario_file);
	cJSON_AddStringToObject(o, "scenario_sha256", w->scenario_sha256);
	cJSON_AddNumberToObject(o, "seed", (double)w->seed);
	for (uint32_t i = 0; i < w->noverrides; i++)
		cJSON_AddItemToArray(ov, cJSON_CreateString(w->overrides[i]));
	cJSON_AddItemToObject(o, "overrides", ov);
	for (uint32_t i = 0; i < w->nhosts; i++)
		cJSON_AddStringToObject(pr, w->hosts[i]->name, w->hosts[i]->profile);
	cJSON_AddItemToObject(o, "profiles", pr);
	return o;
}

cJSON *report_json(const struct world *w)
{
	const struct host_subsys_ops *v[SUBSYS_MAX];
	size_t n = subsys_by_rank(world_subsys(w), offsetof(struct host_subsys_ops, world_rank),
				  has_world_json, v);
	cJSON *r = cJSON_CreateObject();
	bool hosts = false;

	cJSON_AddStringToObject(r, "skbsim_version", SKBSIM_VERSION);
	cJSON_AddStringToObject(r, "scenario", w->name);
	cJSON_AddNumberToObject(r, "seed", (double)w->seed);
	cJSON_AddNumberToObject(r, "duration_s", sim_time_sec(w->duration));
	cJSON_AddNumberToObject(r, "warmup_s", sim_time_sec(w->warmup));
	cJSON_AddBoolToObject(r, "complete", w->complete);
	cJSON_AddNumberToObject(r, "time_reached_s", sim_time_sec(w->end));
	if (w->complete)
		cJSON_AddNullToObject(r, "stopped_by");
	else
		cJSON_AddStringToObject(r, "stopped_by", w->stop_reason);
	cJSON_AddItemToObject(r, "provenance", json_provenance(w));
	for (size_t i = 0; i <= n; i++) {
		if (!hosts && (i == n || v[i]->world_rank > SUBSYS_RANK_HOSTS)) {
			cJSON_AddItemToObject(r, "hosts", json_hosts(w));
			hosts = true;
		}
		if (i < n)
			v[i]->world_json(w, r);
	}
	cJSON_AddNumberToObject(r, "events", (double)w->q.fired);
	return r;
}

/* A file or directory name under the results directory: one safe path component. */
static bool safe_component(const char *s)
{
	return cfg_name_check(s, 255) == CFG_NAME_OK;
}

/*
 * Create @dir/[@host/]@name: new (O_EXCL), never through a symlink
 * (O_NOFOLLOW), and only from names that cannot leave @dir.
 */
static int write_file(const char *dir, const char *host, const char *name,
		      void (*fn)(const void *arg, FILE *f), const void *arg, struct sim_error *err)
{
	char path[4096];
	FILE *f = NULL;
	int fd = -1;

	snprintf(path, sizeof(path), "%s/%s%s%s", dir, host ? host : "", host ? "/" : "", name);
	SIM_BUG_ON((host && !safe_component(host)) || !safe_component(name));
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
	if (fd >= 0)
		f = fdopen(fd, "w");
	if (!f) {
		if (fd >= 0)
			close(fd);
		return sim_error_set(err, "cannot write '%s': %s", path, strerror(errno));
	}
	fn(arg, f);
	if (fclose(f))
		return sim_error_set(err, "cannot write '%s': %s", path, strerror(errno));
	return 0;
}

/* One file a files hook asked for (struct host_files, models/subsys.h). */
struct host_file_req {
	int rank;		  /* the order it is written in */
	char name[256];		  /* one path component */
	host_file_write_fn write; /* its writer */
	const void *arg;	  /* the writer's argument */
};

/* The files of one host directory, collected from the hooks, then written by rank. */
struct host_dir {
	struct host_files files;   /* first: the hooks see this */
	struct host_file_req *req; /* [n], grown by doubling */
	size_t n, cap;		   /* entries, room */
};

static int host_dir_emit(struct host_files *ctx, int rank, const char *name,
			 host_file_write_fn write, const void *arg, struct sim_error *err)
{
	struct host_dir *d = (struct host_dir *)ctx;
	struct host_file_req *r;

	SIM_BUG_ON(strlen(name) >= sizeof(r->name));
	if (d->n == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 32;
		struct host_file_req *q = realloc(d->req, cap * sizeof(*q));

		if (!q)
			return sim_error_set(err, "out of memory");
		d->req = q;
		d->cap = cap;
	}
	r = &d->req[d->n++];
	r->rank = rank;
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->write = write;
	r->arg = arg;
	return 0;
}

/* Stable: files of one rank keep the order their hooks asked for them in. */
static void host_dir_sort(struct host_dir *d)
{
	for (size_t i = 1; i < d->n; i++) {
		struct host_file_req r = d->req[i];
		size_t j = i;

		for (; j && d->req[j - 1].rank > r.rank; j--)
			d->req[j] = d->req[j - 1];
		d->req[j] = r;
	}
}

/* The host's directory and every subsystem's files in it, by rank. */
static int write_host_files(const struct world *w, const struct host *h, const char *dir,
			    struct sim_error *err)
{
	struct host_dir d = { { host_dir_emit }, NULL, 0, 0 };
	char path[4096];
	int rc = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, h->name);
	SIM_BUG_ON(!safe_component(h->name));
	if (mkdir(path, 0777))
		return sim_error_set(err, "cannot create '%s': %s", path, strerror(errno));
	for (const struct host_subsys_ops *const *t = world_subsys(w); *t && !rc; t++)
		if ((*t)->files)
			rc = (*t)->files(h, &d.files, err);
	host_dir_sort(&d);
	for (size_t i = 0; i < d.n && !rc; i++)
		rc = write_file(dir, h->name, d.req[i].name, d.req[i].write, d.req[i].arg, err);
	free(d.req);
	return rc;
}

bool report_host_file_known(const char *name)
{
	return subsys_host_file_known(host_subsys, name);
}

static void fn_text(const void *a, FILE *f)
{
	report_text(a, f);
}
static void fn_json(const void *a, FILE *f)
{
	cJSON *j = report_json(a);
	char *s = cJSON_Print(j);

	fputs(s, f);
	fputc('\n', f);
	cJSON_free(s);
	cJSON_Delete(j);
}

const char *const report_top_suffixes[] = { ".pcap", ".pcapng", ".csv", ".html", NULL };

int report_write_files(const struct world *w, const char *dir, struct sim_error *err)
{
	if (write_file(dir, NULL, "report.json", fn_json, w, err) ||
	    write_file(dir, NULL, "report.txt", fn_text, w, err))
		return -1;
	for (uint32_t i = 0; i < w->nhosts; i++)
		if (write_host_files(w, w->hosts[i], dir, err))
			return -1;
	return 0;
}
