/*
 * tools/skbsim.c - the command line: run or check a scenario.
 *
 *   skbsim run FILE [-o DIR] [--force] [--seed N] [--set KEY=VALUE]... [--unset KEY]...
 *              [--quiet] [--perf] [--no-partial] [--max-wall TIME] [--max-memory SIZE]
 *   skbsim check FILE [--set KEY=VALUE]... [--unset KEY]... [--dump]
 *   skbsim profiles|profile|calibrate|sweep|plan|compare|collect ...  (tools/tools.c)
 *   skbsim --help | --version
 *
 * Exit codes: 0 success; 1 bad scenario or option value; 2 usage error;
 * 3 results could not be written (or DIR may not be replaced); 4 the run
 * stopped before its end (SIGINT, SIGTERM, --max-wall, --max-memory) and
 * its partial report was written (nothing with --no-partial). Results go
 * through tools/results.c: whole or not at all, never over someone else's
 * data.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "models/report/follow.h"
#include "models/report/html.h"
#include "models/report/pcap_out.h"
#include "models/report/report.h"
#include "models/report/timeseries.h"
#include "models/report/trace.h"
#include "models/scenario.h"
#include "sim/cfg.h"
#include "sim/error.h"
#include "sim/units.h"
#include "tools/guard.h"
#include "tools/results.h"
#include "tools/tools.h"

enum { EXIT_INPUT = 1, EXIT_USAGE = 2, EXIT_OUTPUT = 3, EXIT_STOPPED = 4 };

#define MAX_SETS 256

/* --interval, --html*, --trace*, --follow*: what a run shows besides its report. */
struct view_options {
	sim_time_t interval;   /* --interval: ps between time-series rows, 0: none */
	const char *trace_out; /* --trace FILE.json: write the CPU timeline, or NULL */
	sim_time_t tr_start;   /* --trace-window START+LEN: ps */
	sim_time_t tr_len;     /* ps */
	bool tr_win_set;       /* --trace-window given */
	sim_time_t tr_sample;  /* --trace-sample: ps between counter samples, 0: default */
	uint32_t follow;       /* --follow N: packets to follow, 0: none */
	uint64_t follow_every; /* --follow-every K: one in K born, 0: not given */
	int html;	       /* --html: write report.html */
	const char *trace;     /* --html-trace: Chrome trace JSON drawn in report.html */
	sim_time_t win_start;  /* --html-window START+LEN: ps */
	sim_time_t win_len;    /* ps */
	bool win_set;	       /* --html-window given */
};

struct options {
	const char *cmd;	    /* "run" or "check" */
	const char *file;	    /* scenario */
	const char *out;	    /* -o DIR, or NULL */
	int64_t seed;		    /* --seed, -1 when absent */
	const char *sets[MAX_SETS]; /* --set and --unset arguments in order */
	bool unset[MAX_SETS];	    /* sets[i] came from --unset */
	int nsets;		    /* entries */
	int dump;		    /* check --dump: print the effective scenario */
	int quiet;		    /* --quiet: no text report on stdout */
	int perf;		    /* --perf: wall-clock figures on stderr */
	int force;		    /* --force: replace DIR even if it is not a result */
	int no_partial;		    /* --no-partial: write nothing when stopped early */
	double max_wall;	    /* --max-wall, s; 0: none */
	uint64_t max_mem;	    /* --max-memory, bytes; 0: none */
	struct view_options view;   /* time series and report.html */
};

static const char usage[] =
	"usage: skbsim run FILE [-o DIR] [--force] [--seed N] [--set KEY=VALUE]... [--unset "
	"KEY]...\n"
	"                  [--quiet] [--perf] [--no-partial] [--max-wall TIME] [--max-memory "
	"SIZE]\n"
	"                  [--interval TIME] [--html [--html-trace FILE.json] [--html-window "
	"START+LEN]]\n"
	"                  [--trace FILE.json [--trace-window START+LEN] [--trace-sample TIME]]\n"
	"                  [--follow N [--follow-every K]]\n"
	"       skbsim check FILE [--set KEY=VALUE]... [--unset KEY]... [--dump]\n" TOOL_USAGE
	"       skbsim --help | --version\n"
	"\n"
	"  run      simulate the scenario, print the report and write DIR/report.json,\n"
	"           DIR/report.txt and per-host Linux counter files (default DIR:\n"
	"           results/<scenario name>)\n"
	"  check    validate the scenario only; --dump prints it as YAML after the\n"
	"           --set and --unset options\n"
	"  profiles list the built-in cost profiles\n"
	"  profile  print one profile: every cost, its unit and its source\n"
	"  -o DIR   where to write the results; DIR is replaced only when it is absent,\n"
	"           empty or a previous result (it holds .skbsim-result)\n"
	"  --force  replace DIR whatever it is\n"
	"  --seed N replace the scenario's seed\n"
	"  --set KEY=VALUE\n"
	"           override a scenario value; KEY is a path of mapping keys separated\n"
	"           by '/', list items chosen by index or by name, e.g.\n"
	"           --set hosts/rx/sysctl/net.core.netdev_max_backlog=300; a VALUE in\n"
	"           brackets is a list: --set hosts/rx/nics/eth0/irq_affinity=[0,1]\n"
	"  --unset KEY\n"
	"           remove a scenario value (its default applies)\n"
	"  --quiet  do not print the report (files are still written)\n"
	"  --perf   print wall-clock speed and peak memory to stderr (never in the files)\n"
	"  --max-wall TIME, --max-memory SIZE\n"
	"           stop the run after TIME of wall-clock time (like '30s') or when it\n"
	"           holds more than SIZE of memory (like '2GiB'); SIGINT and SIGTERM\n"
	"           stop it too; a partial report is written (\"complete\": false)\n"
	"  --no-partial\n"
	"           write nothing when the run is stopped early\n"
	"  --interval TIME\n"
	"           also write time series every TIME of simulated time (1us to 1000s):\n"
	"           DIR/ts_packets.csv, ts_queues.csv, ts_cpus.csv, ts_drops.csv\n"
	"  --html   also write DIR/report.html, the report as charts (self-contained)\n"
	"  --html-trace FILE.json\n"
	"           draw a window of this Chrome trace-event file in report.html\n"
	"  --html-window START+LEN\n"
	"           the trace's window, like '10ms+500us' (default: 1ms around the\n"
	"           first drop, or the trace's start)\n"
	"  --trace FILE.json\n"
	"           write the CPU timeline as a Chrome trace-event / Perfetto JSON file\n"
	"           (open it in ui.perfetto.dev or chrome://tracing): hardirq, softirq,\n"
	"           NAPI poll, ksoftirqd and application slices per CPU, IPIs, drops and\n"
	"           every queue's length; with --html, report.html draws it\n"
	"  --trace-window START+LEN\n"
	"           write only this part of the run, like '10ms+500us'\n"
	"  --trace-sample TIME\n"
	"           sample the queue counters every TIME (100ns to 1s, default 1us)\n"
	"  --follow N\n"
	"           follow N packets (1 to 1000) stage by stage, from birth to delivery\n"
	"           or drop: printed after the report and written to DIR/follow.txt\n"
	"  --follow-every K\n"
	"           follow one packet in every K born instead of the first N\n"
	"\n"
	"exit codes: 0 success, 1 bad scenario or value, 2 usage, 3 cannot write results,\n"
	"4 stopped early (partial report written unless --no-partial)\n";

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

static int parse_max_wall(struct options *o, const char *s)
{
	sim_time_t t;

	if (sim_parse_time(s, &t) || t < SIM_MS || t > 1000000 * SIM_SEC) {
		fprintf(stderr,
			"skbsim: '--max-wall' must be a time from 1ms to 1000000s, got '%s'\n", s);
		return EXIT_INPUT;
	}
	o->max_wall = sim_time_sec(t);
	return 0;
}

static int parse_max_mem(struct options *o, const char *s)
{
	if (sim_parse_size(s, &o->max_mem) || o->max_mem < (1u << 20) ||
	    o->max_mem > (1ull << 50)) {
		fprintf(stderr,
			"skbsim: '--max-memory' must be a size from 1MiB to 1PiB, got '%s'\n", s);
		return EXIT_INPUT;
	}
	return 0;
}

/* ---- the view options (time series, report.html) ---- */

static int parse_interval(struct view_options *v, const char *s)
{
	if (sim_parse_time(s, &v->interval) || v->interval < TS_INTERVAL_MIN ||
	    v->interval > TS_INTERVAL_MAX) {
		fprintf(stderr, "skbsim: '--interval' must be a time from 1us to 1000s, got '%s'\n",
			s);
		return EXIT_INPUT;
	}
	return 0;
}

/* START+LEN of option @opt into *@start, *@len, *@set. */
static int parse_window(const char *opt, const char *s, sim_time_t *t0, sim_time_t *len, bool *set)
{
	char start[64];
	const char *plus = strchr(s, '+');

	if (plus && (size_t)(plus - s) < sizeof(start)) {
		memcpy(start, s, (size_t)(plus - s));
		start[plus - s] = 0;
	}
	if (!plus || (size_t)(plus - s) >= sizeof(start) || sim_parse_time(start, t0) ||
	    sim_parse_time(plus + 1, len) || *len <= 0) {
		fprintf(stderr,
			"skbsim: '%s' must be START+LEN with times like '10ms+500us', got '%s'\n",
			opt, s);
		return EXIT_INPUT;
	}
	*set = true;
	return 0;
}

static int parse_trace_sample(struct view_options *v, const char *s)
{
	if (sim_parse_time(s, &v->tr_sample) || v->tr_sample < TRACE_SAMPLE_MIN ||
	    v->tr_sample > TRACE_SAMPLE_MAX) {
		fprintf(stderr,
			"skbsim: '--trace-sample' must be a time from 100ns to 1s, got '%s'\n", s);
		return EXIT_INPUT;
	}
	return 0;
}

/* A positive integer from 1 to @max for option @opt. */
static int parse_count(const char *opt, const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (!*s || *end || errno || v < 1 || v > max || *s == '-' || *s == '+') {
		fprintf(stderr, "skbsim: '%s' must be an integer from 1 to %llu, got '%s'\n", opt,
			(unsigned long long)max, s);
		return EXIT_INPUT;
	}
	*out = v;
	return 0;
}

/* The --trace and --follow options (their value at argv[*i]). */
static int parse_trace_option(struct view_options *v, const char *a, const char *val)
{
	uint64_t n;
	int rc;

	if (!strcmp(a, "--trace")) {
		if (v->trace_out)
			return usage_error("'--trace' given twice", NULL);
		v->trace_out = val;
		return 0;
	}
	if (!strcmp(a, "--trace-window"))
		return parse_window(a, val, &v->tr_start, &v->tr_len, &v->tr_win_set);
	if (!strcmp(a, "--trace-sample"))
		return parse_trace_sample(v, val);
	if (!strcmp(a, "--follow")) {
		rc = parse_count(a, val, FOLLOW_MAX, &n);
		v->follow = (uint32_t)n;
		return rc;
	}
	return parse_count(a, val, UINT32_MAX, &v->follow_every);
}

static bool is_trace_option(const char *a)
{
	return !strcmp(a, "--trace") || !strcmp(a, "--trace-window") ||
	       !strcmp(a, "--trace-sample") || !strcmp(a, "--follow") ||
	       !strcmp(a, "--follow-every");
}

/* A view option at argv[*i]: 0 or an exit code when it is one, -1 when it is not. */
static int parse_view_option(struct view_options *v, int argc, char **argv, int *i)
{
	const char *a = argv[*i];

	if (!strcmp(a, "--html")) {
		v->html = 1;
		return 0;
	}
	if (strcmp(a, "--interval") && strcmp(a, "--html-trace") && strcmp(a, "--html-window") &&
	    !is_trace_option(a))
		return -1;
	if (*i + 1 >= argc)
		return usage_error("missing value for option", a);
	(*i)++;
	if (is_trace_option(a))
		return parse_trace_option(v, a, argv[*i]);
	if (!strcmp(a, "--interval"))
		return parse_interval(v, argv[*i]);
	if (!strcmp(a, "--html-window"))
		return parse_window(a, argv[*i], &v->win_start, &v->win_len, &v->win_set);
	if (v->trace)
		return usage_error("'--html-trace' given twice", NULL);
	v->trace = argv[*i];
	return 0;
}

static bool view_given(const struct view_options *v)
{
	return v->interval || v->html || v->trace || v->win_set || v->trace_out || v->tr_win_set ||
	       v->tr_sample || v->follow || v->follow_every;
}

static int parse_option(struct options *o, int argc, char **argv, int *i)
{
	const char *a = argv[*i];
	int rc = parse_view_option(&o->view, argc, argv, i);

	if (rc >= 0)
		return rc;
	if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
		o->quiet = 1;
		return 0;
	}
	if (!strcmp(a, "--perf")) {
		o->perf = 1;
		return 0;
	}
	if (!strcmp(a, "--force")) {
		o->force = 1;
		return 0;
	}
	if (!strcmp(a, "--no-partial")) {
		o->no_partial = 1;
		return 0;
	}
	if (!strcmp(a, "--dump")) {
		o->dump = 1;
		return 0;
	}
	if (strcmp(a, "-o") && strcmp(a, "--seed") && strcmp(a, "--set") && strcmp(a, "--unset") &&
	    strcmp(a, "--max-wall") && strcmp(a, "--max-memory"))
		return usage_error("unknown option", a);
	if (*i + 1 >= argc)
		return usage_error("missing value for option", a);
	(*i)++;
	if (!strcmp(a, "-o")) {
		if (o->out)
			return usage_error("'-o' given twice", NULL);
		o->out = argv[*i];
	} else if (!strcmp(a, "--max-wall")) {
		return parse_max_wall(o, argv[*i]);
	} else if (!strcmp(a, "--max-memory")) {
		return parse_max_mem(o, argv[*i]);
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
		o->unset[o->nsets] = !strcmp(a, "--unset");
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
		return usage_error("unknown command (known: run, check, " TOOL_NAMES "):", o->cmd);
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
	if (!strcmp(o->cmd, "check") &&
	    (o->out || o->seed >= 0 || o->quiet || o->perf || o->force || o->no_partial ||
	     o->max_wall > 0 || o->max_mem || view_given(&o->view)))
		return usage_error("'check' takes only FILE, --set, --unset and --dump", NULL);
	if ((o->view.trace || o->view.win_set) && !o->view.html)
		return usage_error("'--html-trace' and '--html-window' need '--html'", NULL);
	if ((o->view.tr_win_set || o->view.tr_sample) && !o->view.trace_out)
		return usage_error("'--trace-window' and '--trace-sample' need '--trace'", NULL);
	if (o->view.follow_every && !o->view.follow)
		return usage_error("'--follow-every' needs '--follow'", NULL);
	if (!strcmp(o->cmd, "run") && o->dump)
		return usage_error("'--dump' is an option of 'check'", NULL);
	return 0;
}

static int load(const struct options *o, struct cfg *c, struct sim_error *err)
{
	if (cfg_load_file(c, o->file, err))
		return -1;
	for (int i = 0; i < o->nsets; i++)
		if ((o->unset[i] ? cfg_apply_unset : cfg_apply_set)(c, o->sets[i], err))
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

/* A run this large deserves a warning (and --max-wall / --max-memory). */
#define LARGE_MEM    (1ull << 30)
#define LARGE_EVENTS 1e9

/* Warn on stderr when the estimate of world_estimate() is large; the estimate in @mem, @events. */
static void warn_large(const struct world *w, const char *hint, char *mem, size_t len,
		       double *events)
{
	uint64_t bytes;

	world_estimate(w, &bytes, events);
	sim_fmt_size(mem, (unsigned)len, bytes);
	if (bytes > LARGE_MEM || *events > LARGE_EVENTS)
		fprintf(stderr,
			"skbsim: warning: a large run (about %s of memory, %.3g events); %s\n", mem,
			*events, hint);
}

/* Run to the end, or until a signal or a limit stops it: NULL, or why it stopped. */
static const char *run_guarded(struct world *w)
{
	const char *why = NULL;

	world_start(w);
	while (!world_advance(w, w->duration))
		if ((why = guard_check()))
			break;
	guard_disarm();
	world_finish(w, why);
	return why;
}

/* The text report on stdout; a failed write (a full disk, a closed pipe) counts. */
static int print_report(const struct world *w, const char *out)
{
	report_text(w, stdout);
	printf("Results: %s/ (report.json, report.txt, per-host counter files)\n", out);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "skbsim: cannot write the report to stdout: %s\n",
			strerror(errno ? errno : EIO));
		return EXIT_OUTPUT;
	}
	return 0;
}

/* The --trace and --follow observers of a run. */
struct trace_views {
	struct trace *tr;  /* --trace, or NULL */
	struct follow *fw; /* --follow, or NULL */
};

static int trace_views_open(const struct view_options *v, struct world *w, struct trace_views *tv,
			    struct sim_error *err)
{
	struct trace_opts to = {
		.w0 = v->tr_win_set ? v->tr_start : 0,
		.w1 = v->tr_win_set ? v->tr_start + v->tr_len : SIM_NEVER,
		.sample = v->tr_sample ? v->tr_sample : TRACE_SAMPLE_DEFAULT,
		.max_bytes = TRACE_MAX_BYTES,
	};

	if (v->trace_out && !(tv->tr = trace_open(w, v->trace_out, &to, err)))
		return -1;
	if (v->follow && !(tv->fw = follow_open(w, v->follow, v->follow_every, err)))
		return -1;
	return 0;
}

/* Write follow.txt into the results' temporary directory @dir. */
static int follow_file(const struct follow *fw, const char *dir, struct sim_error *err)
{
	char path[PATH_MAX];
	FILE *f;
	int rc;

	if ((size_t)snprintf(path, sizeof(path), "%s/follow.txt", dir) >= sizeof(path))
		return sim_error_set(err, "the results directory '%s' has too long a name", dir);
	f = fopen(path, "wx");
	if (!f)
		return sim_error_set(err, "cannot create '%s': %s", path, strerror(errno));
	rc = follow_write(fw, f);
	if (fclose(f) || rc)
		return sim_error_set(err, "cannot write '%s': %s", path,
				     strerror(errno ? errno : EIO));
	return 0;
}

/* Finish the trace (renamed to its path) and write follow.txt; the follower stays for stdout. */
static int trace_views_close(const struct view_options *v, const struct world *w,
			     struct trace_views *tv, const char *dir, struct sim_error *err)
{
	sim_time_t full_at;
	int rc;

	(void)v;
	if (tv->fw && follow_file(tv->fw, dir, err))
		return -1;
	rc = trace_close(tv->tr, &full_at, err);
	tv->tr = NULL;
	if (!rc && full_at != SIM_NEVER) {
		char t[32];

		sim_fmt_time(t, sizeof(t), full_at);
		fprintf(stderr,
			"skbsim: warning: the trace reached 256MiB at %s of simulated time; "
			"nothing "
			"after it was written (choose a part with --trace-window)\n",
			t);
	}
	(void)w;
	return rc;
}

static void trace_views_abort(struct trace_views *tv)
{
	trace_abort(tv->tr);
	follow_free(tv->fw);
	tv->tr = NULL;
	tv->fw = NULL;
}

static int print_follow(const struct follow *fw)
{
	if (!fw)
		return 0;
	putchar('\n');
	if (follow_write(fw, stdout)) {
		fprintf(stderr, "skbsim: cannot write to stdout: %s\n",
			strerror(errno ? errno : EIO));
		return -1;
	}
	return 0;
}

static int cmd_run(const struct options *o, struct world *w)
{
	struct sim_error err = { 0 };
	struct results res;
	char out[PATH_MAX];
	double t0 = wall_sec(), events;
	const char *why;
	char mem[32];
	struct timeseries *ts = NULL;
	struct sim_error ts_err = { 0 }; /* a second error, when the captures failed first */
	int rc;
	struct trace_views tv = { 0 };
	const struct html_opts html = { .interval = o->view.interval,
					.trace = o->view.trace ? o->view.trace : o->view.trace_out,
					.win_start = o->view.win_start,
					.win_len = o->view.win_len,
					.win_set = o->view.win_set };

	if (o->out)
		snprintf(out, sizeof(out), "%s", o->out);
	else
		snprintf(out, sizeof(out), "results/%s", w->name);
	if (o->view.trace && html_trace_check(o->view.trace, &err)) {
		fprintf(stderr, "skbsim: %s\n", err.msg);
		return EXIT_INPUT;
	}
	if (results_open(&res, out, o->force, &err)) {
		fprintf(stderr, "skbsim: %s\n", err.msg);
		return EXIT_OUTPUT;
	}
	if (guard_install(o->max_wall, o->max_mem)) {
		fprintf(stderr, "skbsim: cannot install signal handlers: %s\n", strerror(errno));
		results_abort(&res);
		return EXIT_OUTPUT;
	}
	warn_large(w,
		   o->max_wall > 0 || o->max_mem ? "the limits given stop it"
						 : "Ctrl-C stops it with a partial report",
		   mem, sizeof(mem), &events);
	if (pcap_out_open_all(w, res.tmp, &err) ||
	    (o->view.interval && !(ts = timeseries_open(w, res.tmp, o->view.interval, &err))) ||
	    trace_views_open(&o->view, w, &tv, &err)) {
		fprintf(stderr, "skbsim: %s\n", err.msg);
		trace_views_abort(&tv);
		results_abort(&res);
		return EXIT_OUTPUT;
	}
	w->q.stop = &guard_stop;
	why = run_guarded(w);
	rc = pcap_out_close_all(w, &err);
	if (timeseries_close(ts, rc ? &ts_err : &err))
		rc = -1;
	if (!rc && !(why && o->no_partial) && trace_views_close(&o->view, w, &tv, res.tmp, &err))
		rc = -1;
	if (rc) {
		fprintf(stderr, "skbsim: %s\n", err.msg);
		trace_views_abort(&tv);
		results_abort(&res);
		return EXIT_OUTPUT;
	}
	if (o->perf)
		print_perf(w, wall_sec() - t0);
	if (why) {
		char t[32];

		sim_fmt_time(t, sizeof(t), w->end);
		fprintf(stderr, "skbsim: stopped by %s at %s of simulated time; %s\n", why, t,
			o->no_partial ? "nothing written (--no-partial)"
				      : "writing a partial report");
	}
	if (why && o->no_partial) {
		trace_views_abort(&tv);
		results_abort(&res);
		return EXIT_STOPPED;
	}
	if (report_write_files(w, res.tmp, &err) ||
	    (o->view.html && html_write(w, res.tmp, &html, &err)) || results_commit(&res, &err)) {
		trace_views_abort(&tv);
		results_abort(&res);
		fprintf(stderr, "skbsim: %s\n", err.msg);
		return EXIT_OUTPUT;
	}
	rc = (!o->quiet && print_report(w, out)) || (!o->quiet && print_follow(tv.fw));
	trace_views_abort(&tv);
	if (rc)
		return EXIT_OUTPUT;
	return why ? EXIT_STOPPED : 0;
}

static int cmd_check(const struct options *o, const struct world *w)
{
	char mem[32];
	double events;

	warn_large(w, "consider --max-wall and --max-memory", mem, sizeof(mem), &events);
	printf("%s: ok\n", o->file);
	printf("estimate: about %s of memory, %.3g events\n", mem, events);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "skbsim: cannot write to stdout: %s\n",
			strerror(errno ? errno : EIO));
		return EXIT_OUTPUT;
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
	if (argc >= 2 && tool_find(argv[1]))
		return tool_find(argv[1])->main(argc - 1, argv + 1);
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
	if (o.dump && cfg_dump(&c, stdout, &err)) {
		fprintf(stderr, "skbsim: %s\n", err.msg);
		rc = EXIT_OUTPUT;
	}
	cfg_release(&c);
	if (!strcmp(o.cmd, "check")) {
		if (!o.dump && !rc)
			rc = cmd_check(&o, w);
		world_free(w);
		return rc;
	}
	rc = cmd_run(&o, w);
	world_free(w);
	return rc;
}
