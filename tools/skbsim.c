/*
 * tools/skbsim.c - the command line: run or check a scenario.
 *
 *   skbsim run FILE [-o DIR] [--seed N] [--set KEY=VALUE]... [--quiet]
 *   skbsim check FILE [--set KEY=VALUE]...
 *   skbsim calibrate [--quick] [-o PROFILE.yaml] [--name NAME]   (tools/calibrate.py)
 *   skbsim --help | --version
 *
 * Exit codes: 0 success; 1 bad scenario or option value; 2 usage error;
 * 3 results could not be written. A run writes into a temporary directory
 * beside DIR and renames it into place only when every file is complete, so
 * a failed run leaves nothing half-written.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "models/report.h"
#include "models/scenario.h"
#include "sim/cfg.h"
#include "sim/error.h"
#include "tools/calibrate_cmd.h"

enum { EXIT_INPUT = 1, EXIT_USAGE = 2, EXIT_OUTPUT = 3 };

#define MAX_SETS 256

struct options {
	const char *cmd;	    /* "run" or "check" */
	const char *file;	    /* scenario */
	const char *out;	    /* -o DIR, or NULL */
	int64_t seed;		    /* --seed, -1 when absent */
	const char *sets[MAX_SETS]; /* --set arguments in order */
	int nsets;		    /* entries */
	int quiet;		    /* --quiet: no text report on stdout */
	int perf;		    /* --perf: wall-clock figures on stderr */
};

static const char usage[] =
	"usage: skbsim run FILE [-o DIR] [--seed N] [--set KEY=VALUE]... [--quiet] [--perf]\n"
	"       skbsim check FILE [--set KEY=VALUE]...\n"
	"       skbsim calibrate [--quick] [-o PROFILE.yaml] [--name NAME]\n"
	"       skbsim --help | --version\n"
	"\n"
	"  run      simulate the scenario, print the report and write DIR/report.json,\n"
	"           DIR/report.txt and per-host Linux counter files (default DIR:\n"
	"           results/<scenario name>)\n"
	"  check    validate the scenario only\n"
	"  calibrate\n"
	"           measure this machine's kernel (Linux, root) and write a profile\n"
	"  -o DIR   where to write the results\n"
	"  --seed N replace the scenario's seed\n"
	"  --set KEY=VALUE\n"
	"           override a scenario value; KEY is a path of mapping keys separated\n"
	"           by '/', list items chosen by index or by name, e.g.\n"
	"           --set hosts/rx/sysctl/net.core.netdev_max_backlog=300\n"
	"  --quiet  do not print the report (files are still written)\n"
	"  --perf   print wall-clock speed and peak memory to stderr (never in the files)\n"
	"\n"
	"exit codes: 0 success, 1 bad scenario or value, 2 usage, 3 cannot write results\n";

static int usage_error(const char *what, const char *arg)
{
	fprintf(stderr, "skbsim: %s%s%s%s\n%s", what, arg ? " '" : "", arg ? arg : "",
		arg ? "'" : "", usage);
	return EXIT_USAGE;
}

static int parse_seed(const char *s, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (!*s || *end || errno || v < 0)
		return -1;
	*out = v;
	return 0;
}

static int parse_option(struct options *o, int argc, char **argv, int *i)
{
	const char *a = argv[*i];

	if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
		o->quiet = 1;
		return 0;
	}
	if (!strcmp(a, "--perf")) {
		o->perf = 1;
		return 0;
	}
	if (strcmp(a, "-o") && strcmp(a, "--seed") && strcmp(a, "--set"))
		return usage_error("unknown option", a);
	if (*i + 1 >= argc)
		return usage_error("missing value for option", a);
	(*i)++;
	if (!strcmp(a, "-o")) {
		o->out = argv[*i];
	} else if (!strcmp(a, "--seed")) {
		if (parse_seed(argv[*i], &o->seed)) {
			fprintf(stderr,
				"skbsim: '--seed' must be a non-negative integer, got '%s'\n",
				argv[*i]);
			return EXIT_INPUT;
		}
	} else {
		if (o->nsets >= MAX_SETS)
			return usage_error("too many --set options (at most 256)", NULL);
		o->sets[o->nsets++] = argv[*i];
	}
	return 0;
}

static int parse_args(struct options *o, int argc, char **argv)
{
	o->seed = -1;
	if (argc < 2)
		return usage_error("missing command (run or check)", NULL);
	o->cmd = argv[1];
	if (strcmp(o->cmd, "run") && strcmp(o->cmd, "check"))
		return usage_error("unknown command (known: run, check):", o->cmd);
	for (int i = 2; i < argc; i++) {
		int rc;

		if (argv[i][0] != '-' || !argv[i][1]) {
			if (o->file)
				return usage_error("unexpected argument", argv[i]);
			o->file = argv[i];
			continue;
		}
		rc = parse_option(o, argc, argv, &i);
		if (rc)
			return rc;
	}
	if (!o->file)
		return usage_error("missing scenario file for", o->cmd);
	if (!strcmp(o->cmd, "check") && (o->out || o->seed >= 0 || o->quiet || o->perf))
		return usage_error("'check' takes only FILE and --set", NULL);
	return 0;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void rm_tree(const char *path)
{
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int mkdir_p(const char *dir)
{
	char buf[4096];

	snprintf(buf, sizeof(buf), "%s", dir);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, 0777) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(buf, 0777) && errno != EEXIST ? -1 : 0;
}

/* Write into DIR.tmp.PID, then swap it into place. */
static int write_results(const struct world *w, const char *out, struct sim_error *err)
{
	char tmp[4200], old[4200], parent[4096];
	char *slash;

	snprintf(parent, sizeof(parent), "%s", out);
	slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = 0;
		if (mkdir_p(parent))
			return sim_error_set(err, "cannot create '%s': %s", parent,
					     strerror(errno));
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", out, (long)getpid());
	snprintf(old, sizeof(old), "%s.old.%ld", out, (long)getpid());
	rm_tree(tmp);
	if (mkdir(tmp, 0777))
		return sim_error_set(err, "cannot create '%s': %s", tmp, strerror(errno));
	if (report_write_files(w, tmp, err))
		goto out_rm_tmp;
	if (rename(out, old) && errno != ENOENT) {
		sim_error_set(err, "cannot replace '%s': %s", out, strerror(errno));
		goto out_rm_tmp;
	}
	if (rename(tmp, out)) {
		sim_error_set(err, "cannot create '%s': %s", out, strerror(errno));
		rename(old, out);
		goto out_rm_tmp;
	}
	rm_tree(old);
	return 0;
out_rm_tmp:
	rm_tree(tmp);
	return -1;
}

static int load(const struct options *o, struct cfg *c, struct sim_error *err)
{
	if (cfg_load_file(c, o->file, err))
		return -1;
	for (int i = 0; i < o->nsets; i++)
		if (cfg_apply_set(c, o->sets[i], err))
			return -1;
	return 0;
}

static double wall_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* --perf: how fast the simulator ran; wall-clock figures stay out of the results. */
static void print_perf(const struct world *w, double sec)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	fprintf(stderr,
		"perf: %llu packets, %llu events in %.3f s wall: %.2f M packets/s, %.2f M "
		"events/s, peak RSS %.1f MiB\n",
		(unsigned long long)w->offered, (unsigned long long)w->q.fired, sec,
		(double)w->offered / sec / 1e6, (double)w->q.fired / sec / 1e6,
		(double)ru.ru_maxrss / 1024.0);
}

static int cmd_run(const struct options *o, struct world *w)
{
	struct sim_error err = { 0 };
	char out[4096];
	double t0 = wall_sec();

	world_run(w);
	if (o->perf)
		print_perf(w, wall_sec() - t0);
	if (o->out)
		snprintf(out, sizeof(out), "%s", o->out);
	else
		snprintf(out, sizeof(out), "results/%s", w->name);
	if (write_results(w, out, &err)) {
		fprintf(stderr, "skbsim: %s\n", err.msg);
		return EXIT_OUTPUT;
	}
	if (!o->quiet) {
		report_text(w, stdout);
		printf("Results: %s/ (report.json, report.txt, per-host counter files)\n", out);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct options o = { 0 };
	struct sim_error err = { 0 };
	struct cfg c = { 0 };
	struct world *w = NULL;
	int rc;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(usage, stdout);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "--version")) {
		printf("skbsim %s\n", SKBSIM_VERSION);
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "calibrate"))
		return calibrate_cmd(argc, argv);
	rc = parse_args(&o, argc, argv);
	if (rc)
		return rc;
	if (!load(&o, &c, &err))
		w = world_create(&c, o.seed, &err);
	if (!w) {
		fprintf(stderr, "%s\n", err.msg);
		cfg_release(&c);
		return EXIT_INPUT;
	}
	cfg_release(&c);
	if (!strcmp(o.cmd, "check")) {
		printf("%s: ok\n", o.file);
		world_free(w);
		return 0;
	}
	rc = cmd_run(&o, w);
	world_free(w);
	return rc;
}
