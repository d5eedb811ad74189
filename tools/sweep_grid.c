/*
 * tools/sweep_grid.c - a sweep's grid (tools/sweep.h): the value of each
 * --vary key at a point, the run requests of every point and seed, the
 * check that every point loads, and the manifest (DIR/sweep.json) written by
 * `skbsim sweep` and read back by `skbsim collect`. The commands are
 * tools/sweep.c and tools/collect.c.
 */
#define _XOPEN_SOURCE 700
#include "tools/sweep.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "models/scenario.h"
#include "sim/cfg.h"
#include "tools/results.h"
#include "tools/tools.h"

const char *sweep_value(const struct sweep *s, uint32_t point, uint32_t k)
{
	uint32_t stride = 1;

	for (uint32_t i = s->nvary; i-- > k + 1;)
		stride *= s->vary[i].n;
	return s->vary[k].values[point / stride % s->vary[k].n];
}

static char *point_set(const struct sweep *s, uint32_t point, uint32_t k)
{
	const char *v = sweep_value(s, point, k);
	size_t len = strlen(s->vary[k].key) + strlen(v) + 2;
	char *set = malloc(len);

	SIM_BUG_ON(!set);
	snprintf(set, len, "%s=%s", s->vary[k].key, v);
	return set;
}

void sweep_point_reqs(const struct sweep *s, uint32_t point, uint32_t nseeds, char **sets,
		      struct run_req *reqs)
{
	for (uint32_t k = 0; k < s->nvary; k++)
		sets[k] = point_set(s, point, k);
	for (uint32_t i = 0; i < nseeds; i++) {
		struct run_req *q = &reqs[i];

		q->seed = s->seed0 + i;
		q->sets = (const char *const *)sets;
		q->nsets = s->nvary;
		snprintf(q->dir, sizeof(q->dir), "%s/runs/p%04u-s%llu", s->out, point,
			 (unsigned long long)q->seed);
	}
}

uint32_t sweep_all_reqs(const struct sweep *s, struct run_req **reqs, char ***sets)
{
	uint32_t n = s->npoints * s->nseeds;

	*reqs = calloc(n ? n : 1, sizeof(**reqs));
	*sets = calloc((size_t)s->npoints * s->nvary + 1, sizeof(**sets));
	SIM_BUG_ON(!*reqs || !*sets);
	for (uint32_t p = 0; p < s->npoints; p++)
		sweep_point_reqs(s, p, s->nseeds, *sets + (size_t)p * s->nvary,
				 *reqs + (size_t)p * s->nseeds);
	return n;
}

void sweep_reqs_free(const struct sweep *s, struct run_req *reqs, char **sets)
{
	for (size_t i = 0; i < (size_t)s->npoints * s->nvary; i++)
		free(sets[i]);
	free(sets);
	free(reqs);
}

/* Load the scenario with the base overrides and @sets, and build it. */
static int validate_one(const struct sweep *s, char **sets, struct sim_error *err)
{
	struct cfg c;
	struct world *w = NULL;
	int rc = cfg_load_file(&c, s->rn.scenario, err);

	for (uint32_t i = 0; !rc && i + 1 < s->rn.nbase; i += 2)
		rc = (!strcmp(s->rn.base[i], "--unset") ? cfg_apply_unset : cfg_apply_set)(
			&c, s->rn.base[i + 1], err);
	for (uint32_t k = 0; !rc && k < s->nvary; k++)
		rc = cfg_apply_set(&c, sets[k], err);
	if (!rc)
		w = world_create(&c, 1, err);
	world_free(w);
	cfg_release(&c);
	return w ? 0 : -1;
}

int sweep_validate(const struct sweep *s, struct sim_error *err)
{
	char *sets[SWEEP_MAX_VARY];
	int rc = 0;

	for (uint32_t p = 0; p < s->npoints && !rc; p++) {
		for (uint32_t k = 0; k < s->nvary; k++)
			sets[k] = point_set(s, p, k);
		rc = validate_one(s, sets, err);
		for (uint32_t k = 0; k < s->nvary; k++)
			free(sets[k]);
	}
	return rc;
}

int sweep_write_atomic(const char *path, const char *text, struct sim_error *err)
{
	char tmp[4200];
	FILE *f;
	int bad;

	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	f = fopen(tmp, "w");
	if (!f)
		return sim_error_set(err, "cannot create '%s': %s", tmp, strerror(errno));
	bad = fputs(text, f) < 0;
	bad |= fclose(f) != 0;
	if (bad || rename(tmp, path)) {
		unlink(tmp);
		return sim_error_set(err, "cannot write '%s': %s", path, strerror(errno));
	}
	return 0;
}

int sweep_write_manifest(const struct sweep *s, struct sim_error *err)
{
	cJSON *m = cJSON_CreateObject(), *base = cJSON_CreateArray(), *va = cJSON_CreateArray();
	char path[4200], *text;
	int rc;

	cJSON_AddStringToObject(m, "scenario", s->rn.scenario);
	cJSON_AddStringToObject(m, "scenario_sha256", s->rn.sha256);
	for (uint32_t i = 0; i < s->rn.nbase; i++)
		cJSON_AddItemToArray(base, cJSON_CreateString(s->rn.base[i]));
	cJSON_AddItemToObject(m, "base", base);
	for (uint32_t k = 0; k < s->nvary; k++) {
		cJSON *o = cJSON_CreateObject(), *vals = cJSON_CreateArray();

		cJSON_AddStringToObject(o, "key", s->vary[k].key);
		for (uint32_t i = 0; i < s->vary[k].n; i++)
			cJSON_AddItemToArray(vals, cJSON_CreateString(s->vary[k].values[i]));
		cJSON_AddItemToObject(o, "values", vals);
		cJSON_AddItemToArray(va, o);
	}
	cJSON_AddItemToObject(m, "vary", va);
	cJSON_AddNumberToObject(m, "seeds", s->nseeds);
	cJSON_AddNumberToObject(m, "seed0", (double)s->seed0);
	text = cJSON_Print(m);
	cJSON_Delete(m);
	if (results_mkdir_p(s->out)) {
		cJSON_free(text);
		return sim_error_set(err, "cannot create '%s': %s", s->out, strerror(errno));
	}
	snprintf(path, sizeof(path), "%s/sweep.json", s->out);
	rc = sweep_write_atomic(path, text, err);
	cJSON_free(text);
	return rc;
}

char *sweep_own(struct sweep *s, const char *str)
{
	char *d = strdup(str);

	SIM_BUG_ON(!d || s->nowned >= RUNNER_MAX_ARGS);
	s->owned[s->nowned++] = d;
	return d;
}

static int manifest_vary(struct sweep *s, const cJSON *va, const char *path, struct sim_error *err)
{
	const cJSON *o, *v;

	cJSON_ArrayForEach(o, va)
	{
		struct vary *x = &s->vary[s->nvary];
		const cJSON *key = cJSON_GetObjectItemCaseSensitive(o, "key");

		if (s->nvary == SWEEP_MAX_VARY || !cJSON_IsString(key))
			return sim_error_set(err, "'%s' is not a sweep manifest", path);
		memset(x, 0, sizeof(*x));
		x->key = strdup(key->valuestring);
		cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(o, "values"))
		{
			if (!cJSON_IsString(v))
				return sim_error_set(err, "'%s' is not a sweep manifest", path);
			x->values = realloc(x->values, (x->n + 1) * sizeof(*x->values));
			SIM_BUG_ON(!x->values || !x->key);
			x->values[x->n++] = strdup(v->valuestring);
		}
		s->nvary++;
	}
	return 0;
}

int sweep_load_manifest(struct sweep *s, const char *dir, struct sim_error *err)
{
	char path[4200], *text = NULL;
	size_t len = 0;
	FILE *f, *m;
	cJSON *j, *o;
	int c, rc = 0;

	memset(s, 0, sizeof(*s));
	snprintf(path, sizeof(path), "%s/sweep.json", dir);
	f = fopen(path, "r");
	if (!f)
		return sim_error_set(err, "cannot read '%s': %s", path, strerror(errno));
	m = open_memstream(&text, &len);
	while ((c = fgetc(f)) != EOF)
		fputc(c, m);
	fclose(f);
	fclose(m);
	j = cJSON_Parse(text);
	free(text);
	o = cJSON_GetObjectItemCaseSensitive(j, "scenario");
	if (!cJSON_IsString(o)) {
		cJSON_Delete(j);
		return sim_error_set(err, "'%s' is not a sweep manifest", path);
	}
	s->rn.scenario = sweep_own(s, o->valuestring);
	s->rn.jobs = 1;
	s->rn.what = "collect";
	o = cJSON_GetObjectItemCaseSensitive(j, "scenario_sha256");
	snprintf(s->rn.sha256, sizeof(s->rn.sha256), "%s", cJSON_IsString(o) ? o->valuestring : "");
	cJSON_ArrayForEach(
		o, cJSON_GetObjectItemCaseSensitive(j, "base")) if (cJSON_IsString(o) &&
								    s->rn.nbase < RUNNER_MAX_ARGS)
		s->rn.base[s->rn.nbase++] = sweep_own(s, o->valuestring);
	rc = manifest_vary(s, cJSON_GetObjectItemCaseSensitive(j, "vary"), path, err);
	s->nseeds = (uint32_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(j, "seeds"));
	s->seed0 = (uint64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(j, "seed0"));
	cJSON_Delete(j);
	s->out = sweep_own(s, dir);
	s->npoints = 1;
	for (uint32_t k = 0; k < s->nvary; k++)
		s->npoints *= s->vary[k].n;
	if (!rc && (!s->nvary || !s->nseeds || !s->npoints))
		rc = sim_error_set(err, "'%s' is not a sweep manifest", path);
	return rc;
}

void sweep_release(struct sweep *s)
{
	for (uint32_t k = 0; k < s->nvary; k++)
		vary_release(&s->vary[k]);
	for (uint32_t i = 0; i < s->nowned; i++)
		free(s->owned[i]);
	memset(s, 0, sizeof(*s));
}
