/*
 * tools/sweep.c - `skbsim sweep`: a grid of --vary values x seeds, run J at a time.
 *
 *   skbsim sweep FILE --vary KEY=VALUES [--vary ...] [--seeds N] [-j J] -o DIR
 *                [--set KEY=VALUE]... [--unset KEY]... [--emit parallel|slurm]
 *
 * Every grid point is loaded and built in-process first, so a bad value is
 * reported before anything is run or written. Then the manifest, the runs
 * (tools/runner.c) and the CSVs (sweep_collect). With --emit the runs are
 * not made here: DIR/jobs.txt (and DIR/sweep.sbatch) are written for GNU
 * parallel or Slurm, and `skbsim collect DIR` makes the CSVs afterwards.
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

static char *own(struct sweep *s, const char *str)
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
	s->rn.scenario = own(s, o->valuestring);
	s->rn.jobs = 1;
	s->rn.what = "collect";
	o = cJSON_GetObjectItemCaseSensitive(j, "scenario_sha256");
	snprintf(s->rn.sha256, sizeof(s->rn.sha256), "%s", cJSON_IsString(o) ? o->valuestring : "");
	cJSON_ArrayForEach(
		o, cJSON_GetObjectItemCaseSensitive(j, "base")) if (cJSON_IsString(o) &&
								    s->rn.nbase < RUNNER_MAX_ARGS)
		s->rn.base[s->rn.nbase++] = own(s, o->valuestring);
	rc = manifest_vary(s, cJSON_GetObjectItemCaseSensitive(j, "vary"), path, err);
	s->nseeds = (uint32_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(j, "seeds"));
	s->seed0 = (uint64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(j, "seed0"));
	cJSON_Delete(j);
	s->out = own(s, dir);
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

/* ---- the command ---- */

static int usage(const char *what, const char *arg)
{
	fprintf(stderr, "skbsim: %s%s%s%s\n%s", what, arg ? " '" : "", arg ? arg : "",
		arg ? "'" : "", "usage:\n" TOOL_USAGE);
	return TOOL_EXIT_USAGE;
}

/* A positive integer option value; -1 after printing the message. */
static int parse_count(const char *opt, const char *s, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (!*s || *end || errno || v < 1 || v > max || s[0] == '-') {
		fprintf(stderr, "skbsim: '%s' must be an integer between 1 and %u, got '%s'\n", opt,
			max, s);
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

struct sweep_opts {
	const char *emit; /* "parallel", "slurm" or NULL */
	uint32_t jobs;	  /* -j */
};

static int sweep_option(struct sweep *s, struct sweep_opts *o, int argc, char **argv, int *i)
{
	const char *a = argv[*i], *v;
	struct sim_error err = { 0 };

	if (*i + 1 >= argc)
		return usage("missing value for option", a);
	v = argv[++*i];
	if (!strcmp(a, "--vary")) {
		if (s->nvary == SWEEP_MAX_VARY)
			return usage("too many --vary options (at most 8)", NULL);
		if (vary_parse(&s->vary[s->nvary++], v, &err)) {
			fprintf(stderr, "skbsim: --vary: %s\n", err.msg);
			return TOOL_EXIT_INPUT;
		}
	} else if (!strcmp(a, "--seeds")) {
		return parse_count(a, v, 100000, &s->nseeds) ? TOOL_EXIT_INPUT : 0;
	} else if (!strcmp(a, "-j")) {
		return parse_count(a, v, 256, &o->jobs) ? TOOL_EXIT_INPUT : 0;
	} else if (!strcmp(a, "-o")) {
		s->out = v;
	} else if (!strcmp(a, "--set") || !strcmp(a, "--unset")) {
		if (s->rn.nbase + 2 > RUNNER_MAX_ARGS)
			return usage("too many --set options (at most 256)", NULL);
		runner_add_base(&s->rn, a, v);
	} else if (!strcmp(a, "--emit")) {
		if (strcmp(v, "parallel") && strcmp(v, "slurm"))
			return usage("--emit takes parallel or slurm, got", v);
		o->emit = v;
	} else {
		return usage("unknown option", a);
	}
	return 0;
}

static int sweep_args(struct sweep *s, struct sweep_opts *o, int argc, char **argv)
{
	const char *file = NULL;
	struct sim_error err = { 0 };

	for (int i = 1; i < argc; i++) {
		int rc;

		if (argv[i][0] != '-') {
			if (file)
				return usage("unexpected argument", argv[i]);
			file = argv[i];
			continue;
		}
		rc = sweep_option(s, o, argc, argv, &i);
		if (rc)
			return rc;
	}
	if (!file)
		return usage("missing scenario file for", argv[0]);
	if (!s->nvary)
		return usage("missing --vary for", argv[0]);
	if (!s->out)
		return usage("missing -o DIR for", argv[0]);
	if (runner_init(&s->rn, file, &err)) {
		fprintf(stderr, "%s\n", err.msg);
		return TOOL_EXIT_INPUT;
	}
	return 0;
}

/* @s single-quoted for a POSIX shell. */
static void shell_quote(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++) {
		if (*s == '\'')
			fputs("'\\''", f);
		else
			fputc(*s, f);
	}
	fputc('\'', f);
}

static void job_line(FILE *f, const char *exe, const struct sweep *s, const struct run_req *q)
{
	char seed[32];

	snprintf(seed, sizeof(seed), "%llu", (unsigned long long)q->seed);
	shell_quote(f, exe);
	fputs(" run ", f);
	shell_quote(f, s->rn.scenario);
	fputs(" --quiet -o ", f);
	shell_quote(f, q->dir);
	fprintf(f, " --seed %s", seed);
	for (uint32_t i = 0; i < s->rn.nbase; i++) {
		fputc(' ', f);
		shell_quote(f, s->rn.base[i]);
	}
	for (uint32_t i = 0; i < q->nsets; i++) {
		fputs(" --set ", f);
		shell_quote(f, q->sets[i]);
	}
	fputc('\n', f);
}

static const char sbatch_fmt[] =
	"#!/bin/sh\n"
	"# A Slurm job array: task N runs line N of jobs.txt (one skbsim run).\n"
	"# Submit with: sbatch %s/sweep.sbatch; then: skbsim collect %s\n"
	"#SBATCH --job-name=skbsim-sweep\n"
	"#SBATCH --array=1-%u\n"
	"#SBATCH --ntasks=1\n"
	"#SBATCH --cpus-per-task=1\n"
	"#SBATCH --output=%s/slurm-%%A_%%a.out\n"
	"line=$(sed -n \"${SLURM_ARRAY_TASK_ID}p\" '%s/jobs.txt')\n"
	"eval \"$line\"\n";

/* --emit: DIR/jobs.txt (and DIR/sweep.sbatch) with absolute paths. */
static int sweep_emit(const struct sweep *s, const char *kind, const struct run_req *reqs,
		      uint32_t n, struct sim_error *err)
{
	char exe[PATH_MAX], path[4200], *text = NULL;
	size_t len = 0;
	ssize_t el = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	FILE *f;
	int rc;

	if (el < 0)
		return sim_error_set(err, "cannot find this program: %s", strerror(errno));
	exe[el] = 0;
	f = open_memstream(&text, &len);
	for (uint32_t i = 0; i < n; i++)
		job_line(f, exe, s, &reqs[i]);
	fclose(f);
	snprintf(path, sizeof(path), "%s/jobs.txt", s->out);
	rc = sweep_write_atomic(path, text, err);
	free(text);
	if (rc || strcmp(kind, "slurm"))
		return rc;
	text = NULL;
	f = open_memstream(&text, &len);
	fprintf(f, sbatch_fmt, s->out, s->out, n, s->out, s->out);
	fclose(f);
	snprintf(path, sizeof(path), "%s/sweep.sbatch", s->out);
	rc = sweep_write_atomic(path, text, err);
	free(text);
	return rc;
}

/* Absolute paths for the scenario and DIR, so that job lists run from anywhere. */
static int sweep_absolute(struct sweep *s, struct sim_error *err)
{
	char buf[PATH_MAX];

	if (!realpath(s->rn.scenario, buf))
		return sim_error_set(err, "cannot open '%s': %s", s->rn.scenario, strerror(errno));
	s->rn.scenario = own(s, buf);
	if (!realpath(s->out, buf))
		return sim_error_set(err, "cannot open '%s': %s", s->out, strerror(errno));
	s->out = own(s, buf);
	return 0;
}

static int sweep_execute(struct sweep *s, const struct sweep_opts *o)
{
	struct sim_error err = { 0 };
	struct run_req *reqs;
	char **sets;
	uint32_t n;
	int rc;

	if (sweep_validate(s, &err)) {
		fprintf(stderr, "%s\n", err.msg);
		return TOOL_EXIT_INPUT;
	}
	if (sweep_write_manifest(s, &err) || (o->emit && sweep_absolute(s, &err)) ||
	    (o->emit && sweep_write_manifest(s, &err))) {
		fprintf(stderr, "skbsim: %s\n", err.msg);
		return TOOL_EXIT_OUTPUT;
	}
	n = sweep_all_reqs(s, &reqs, &sets);
	if (o->emit) {
		rc = sweep_emit(s, o->emit, reqs, n, &err) ? TOOL_EXIT_OUTPUT : 0;
		if (!rc)
			printf("%s/jobs.txt: %u runs; then: skbsim collect %s\n", s->out, n,
			       s->out);
	} else {
		s->rn.jobs = (int)o->jobs;
		s->rn.progress = isatty(2);
		rc = runner_run(&s->rn, reqs, n, &err);
		if (!rc && sweep_collect(s, &err))
			rc = TOOL_EXIT_OUTPUT;
		if (!rc)
			printf("%s: %u runs (%u reused), sweep.csv, summary.csv\n", s->out, n,
			       s->rn.reused);
	}
	if (rc)
		fprintf(stderr, "skbsim: %s\n", err.msg);
	sweep_reqs_free(s, reqs, sets);
	return rc;
}

int sweep_main(int argc, char **argv)
{
	struct sweep s = { .nseeds = 1, .seed0 = 1 };
	struct sweep_opts o = { .jobs = 1 };
	int rc = sweep_args(&s, &o, argc, argv);

	uint64_t points = 1;

	for (uint32_t k = 0; k < s.nvary && points <= 1000000; k++)
		points *= s.vary[k].n;
	s.npoints = (uint32_t)(points <= 1000000 ? points : 1000001);
	if (!rc && points * s.nseeds > 1000000) {
		fprintf(stderr, "skbsim: the sweep has more than 1000000 runs\n");
		rc = TOOL_EXIT_INPUT;
	}
	if (!rc)
		rc = sweep_execute(&s, &o);
	sweep_release(&s);
	return rc;
}
