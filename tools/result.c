/*
 * tools/result.c - report.json back into numbers (see docs/report.md for the schema).
 */
#include "tools/result.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

void named_add(struct named_list *l, const char *name, double value)
{
	for (uint32_t i = 0; i < l->n; i++) {
		if (!strcmp(l->v[i].name, name)) {
			l->v[i].value += value;
			return;
		}
	}
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		SIM_BUG_ON(!l->v);
	}
	snprintf(l->v[l->n].name, sizeof(l->v[l->n].name), "%s", name);
	l->v[l->n++].value = value;
}

double named_get(const struct named_list *l, const char *name, double def)
{
	for (uint32_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].name, name))
			return l->v[i].value;
	return def;
}

static double num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static const char *str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : "";
}

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0;

	if (!f)
		return NULL;
	for (;;) {
		if (len + 4096 + 1 > cap) {
			cap = cap ? 2 * cap : 65536;
			buf = realloc(buf, cap);
			SIM_BUG_ON(!buf);
		}
		size_t n = fread(buf + len, 1, 4096, f);

		len += n;
		if (n < 4096)
			break;
	}
	fclose(f);
	buf[len] = 0;
	return buf;
}

static void load_drops(struct run_result *r, const cJSON *drops)
{
	const cJSON *d;
	char name[96];

	cJSON_ArrayForEach(d, drops)
	{
		named_add(&r->reasons, str(d, "reason"), num(d, "count"));
		snprintf(name, sizeof(name), "%s/%s/%s", str(d, "host"), str(d, "stage"),
			 str(d, "reason"));
		named_add(&r->drop_points, name, num(d, "count"));
	}
}

static void load_cpus(struct run_result *r, const cJSON *cpus)
{
	const cJSON *c;
	char name[96];

	r->cpu_max_busy = -1;
	cJSON_ArrayForEach(c, cpus)
	{
		double busy = 100 - num(c, "idle");

		snprintf(name, sizeof(name), "%s/cpu%d", str(c, "host"), (int)num(c, "cpu"));
		named_add(&r->cpus, name, busy);
		if (busy > r->cpu_max_busy) {
			r->cpu_max_busy = busy;
			snprintf(r->cpu_max_name, sizeof(r->cpu_max_name), "%s", name);
		}
	}
	if (r->cpu_max_busy < 0)
		r->cpu_max_busy = 0;
}

static void load_queues(struct run_result *r, const cJSON *queues)
{
	const cJSON *q;
	char name[96];

	cJSON_ArrayForEach(q, queues)
	{
		snprintf(name, sizeof(name), "%s/%s/%s", str(q, "host"), str(q, "kind"),
			 str(q, "name"));
		named_add(&r->queues, name, num(q, "max_len"));
	}
}

/* Every number under @o, named by its path below @prefix (arrays by index or "name"). */
static void load_counters(struct run_result *r, const cJSON *o, const char *prefix)
{
	const cJSON *c;
	char name[96];
	int i = 0;

	cJSON_ArrayForEach(c, o)
	{
		const char *id = c->string;
		char idx[32];

		if (!id) {
			const cJSON *nm = cJSON_GetObjectItemCaseSensitive(c, "name");

			snprintf(idx, sizeof(idx), "%d", i);
			id = cJSON_IsString(nm) ? nm->valuestring : idx;
		}
		i++;
		snprintf(name, sizeof(name), "%s/%s", prefix, id);
		if (cJSON_IsNumber(c))
			named_add(&r->counters, name, c->valuedouble);
		else if (cJSON_IsObject(c) || cJSON_IsArray(c))
			load_counters(r, c, name);
	}
}

static void load_headroom(struct run_result *r, const cJSON *h)
{
	const cJSON *k;
	char name[96];

	cJSON_ArrayForEach(k, cJSON_GetObjectItemCaseSensitive(h, "knobs"))
	{
		snprintf(name, sizeof(name), "%s %s/%s", str(k, "knob"), str(k, "host"),
			 str(k, "where"));
		named_add(&r->knobs, name, strcmp(str(k, "state"), "unused") ? 1 : 0);
	}
}

static void load_provenance(struct run_result *r, const cJSON *p)
{
	const cJSON *o;
	size_t len = 0;

	snprintf(r->sha256, sizeof(r->sha256), "%s", str(p, "scenario_sha256"));
	r->overrides[0] = 0;
	cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(p, "overrides"))
	{
		if (cJSON_IsString(o) && len < sizeof(r->overrides))
			len += (size_t)snprintf(r->overrides + len, sizeof(r->overrides) - len,
						"%s%s", len ? " " : "", o->valuestring);
	}
}

int result_load(struct run_result *r, const char *dir, struct sim_error *err)
{
	char path[4200];
	cJSON *j, *p, *lat, *h;
	char *text;

	memset(r, 0, sizeof(*r));
	snprintf(path, sizeof(path), "%s/report.json", dir);
	text = read_text(path);
	if (!text)
		return sim_error_set(err, "cannot read '%s': %s", path, strerror(errno));
	j = cJSON_Parse(text);
	free(text);
	p = cJSON_GetObjectItemCaseSensitive(j, "packets");
	if (!j || !cJSON_IsObject(p)) {
		cJSON_Delete(j);
		return sim_error_set(err, "'%s' is not an skbsim report", path);
	}
	r->seed = (uint64_t)num(j, "seed");
	r->complete = !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(j, "complete"));
	r->offered = (uint64_t)num(p, "offered");
	r->delivered = (uint64_t)num(p, "delivered");
	r->dropped = (uint64_t)num(p, "dropped");
	lat = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "latency_ns"),
					       "end_to_end");
	r->lat_p50 = num(lat, "p50");
	r->lat_p99 = num(lat, "p99");
	r->lat_p999 = num(lat, "p999");
	r->lat_mean = num(lat, "mean");
	r->lat_max = num(lat, "max");
	r->lat_count = (uint64_t)num(lat, "count");
	load_drops(r, cJSON_GetObjectItemCaseSensitive(j, "drops"));
	load_cpus(r, cJSON_GetObjectItemCaseSensitive(j, "cpus"));
	load_queues(r, cJSON_GetObjectItemCaseSensitive(j, "queues"));
	load_headroom(r, cJSON_GetObjectItemCaseSensitive(j, "headroom"));
	cJSON_ArrayForEach(h, cJSON_GetObjectItemCaseSensitive(j, "hosts"))
		load_counters(r, h, str(h, "name"));
	load_provenance(r, cJSON_GetObjectItemCaseSensitive(j, "provenance"));
	cJSON_Delete(j);
	return 0;
}

void result_release(struct run_result *r)
{
	free(r->reasons.v);
	free(r->drop_points.v);
	free(r->cpus.v);
	free(r->queues.v);
	free(r->counters.v);
	free(r->knobs.v);
	memset(r, 0, sizeof(*r));
}

double result_drop_frac(const struct run_result *r)
{
	return r->offered ? (double)r->dropped / (double)r->offered : 0;
}

double result_lat_p50(const struct run_result *r)
{
	return r->lat_p50;
}

double result_lat_p99(const struct run_result *r)
{
	return r->lat_p99;
}

double result_lat_p999(const struct run_result *r)
{
	return r->lat_p999;
}

double result_lat_mean(const struct run_result *r)
{
	return r->lat_mean;
}

double result_cpu_max(const struct run_result *r)
{
	return r->cpu_max_busy;
}

void point_summarize(const struct run_result *r, uint32_t n, double level, struct point_summary *ps)
{
	memset(ps, 0, sizeof(*ps));
	for (uint32_t i = 0; i < n; i++) {
		ps->offered += r[i].offered;
		ps->delivered += r[i].delivered;
		ps->dropped += r[i].dropped;
	}
	ps->drop_frac = ps->offered ? (double)ps->dropped / (double)ps->offered : 0;
	ps->wilson = ps->offered ? ci_wilson(ps->dropped, ps->offered, level) : (struct ci){ 0, 1 };
	ps->cp = ps->offered ? ci_clopper_pearson(ps->dropped, ps->offered, level)
			     : (struct ci){ 0, 1 };
}
