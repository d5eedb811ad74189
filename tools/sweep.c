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
	s->rn.scenario = sweep_own(s, buf);
	if (!realpath(s->out, buf))
		return sim_error_set(err, "cannot open '%s': %s", s->out, strerror(errno));
	s->out = sweep_own(s, buf);
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
