/*
 * tools/collect.c - a sweep's run directories into DIR/sweep.csv and DIR/summary.csv.
 *
 *   skbsim collect DIR
 *
 * Reads DIR/sweep.json and every DIR/runs/pPPPP-sS/report.json, checks that
 * each run was made from the manifest's scenario (same SHA-256), seed and
 * overrides, and writes both CSVs through temporary files. Columns are
 * documented in docs/sweep.md. Rows follow the grid order, and the dynamic
 * columns (drop reasons sorted by name; CPUs and queues in report order of
 * their first appearance) depend only on the runs, so the files are the same
 * whatever order or place the runs were made in.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/result.h"
#include "tools/stats_ci.h"
#include "tools/sweep.h"
#include "tools/tools.h"

#define LEVEL 0.95 /* two-sided confidence level of every interval */

/* A CSV field: quoted when it holds a comma, a quote or a newline. */
static void csv_str(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void csv_num(FILE *f, double v)
{
	fprintf(f, ",%.10g", v);
}

/* The union of names over every run's list @which, sorted or in first-appearance order. */
static void columns(const struct run_result *r, uint32_t n, size_t off, bool sorted,
		    struct named_list *out)
{
	for (uint32_t i = 0; i < n; i++) {
		const struct named_list *l = (const void *)((const char *)&r[i] + off);

		for (uint32_t k = 0; k < l->n; k++)
			named_add(out, l->v[k].name, 0);
	}
	for (uint32_t i = 1; sorted && i < out->n; i++)
		for (uint32_t j = i; j > 0 && strcmp(out->v[j - 1].name, out->v[j].name) > 0; j--) {
			struct named t = out->v[j];

			out->v[j] = out->v[j - 1];
			out->v[j - 1] = t;
		}
}

struct cols {
	struct named_list reasons, cpus, queues; /* dynamic column names */
};

static void header_dyn(FILE *f, const struct cols *c)
{
	for (uint32_t i = 0; i < c->reasons.n; i++) {
		fputs(",drop:", f);
		csv_str(f, c->reasons.v[i].name);
	}
	for (uint32_t i = 0; i < c->cpus.n; i++) {
		fputs(",busy_pct:", f);
		csv_str(f, c->cpus.v[i].name);
	}
	for (uint32_t i = 0; i < c->queues.n; i++) {
		fputs(",qmax:", f);
		csv_str(f, c->queues.v[i].name);
	}
}

static void header_keys(FILE *f, const struct sweep *s)
{
	fputs("point", f);
	for (uint32_t k = 0; k < s->nvary; k++) {
		fputc(',', f);
		csv_str(f, s->vary[k].key);
	}
}

static void row_keys(FILE *f, const struct sweep *s, uint32_t p)
{
	fprintf(f, "%u", p);
	for (uint32_t k = 0; k < s->nvary; k++) {
		fputc(',', f);
		csv_str(f, sweep_value(s, p, k));
	}
}

static void write_runs(FILE *f, const struct sweep *s, const struct run_result *r,
		       const struct cols *c)
{
	header_keys(f, s);
	fputs(",seed,offered,delivered,dropped,drop_frac,lat_count,lat_p50_ns,lat_p99_ns,"
	      "lat_p999_ns,lat_mean_ns,lat_max_ns,cpu_max_busy_pct,cpu_max",
	      f);
	header_dyn(f, c);
	fputc('\n', f);
	for (uint32_t i = 0; i < s->npoints * s->nseeds; i++) {
		const struct run_result *x = &r[i];

		row_keys(f, s, i / s->nseeds);
		fprintf(f, ",%llu,%llu,%llu,%llu", (unsigned long long)x->seed,
			(unsigned long long)x->offered, (unsigned long long)x->delivered,
			(unsigned long long)x->dropped);
		csv_num(f, result_drop_frac(x));
		fprintf(f, ",%llu", (unsigned long long)x->lat_count);
		csv_num(f, x->lat_p50);
		csv_num(f, x->lat_p99);
		csv_num(f, x->lat_p999);
		csv_num(f, x->lat_mean);
		csv_num(f, x->lat_max);
		csv_num(f, x->cpu_max_busy);
		fputc(',', f);
		csv_str(f, x->cpu_max_name);
		for (uint32_t k = 0; k < c->reasons.n; k++)
			csv_num(f, named_get(&x->reasons, c->reasons.v[k].name, 0));
		for (uint32_t k = 0; k < c->cpus.n; k++)
			csv_num(f, named_get(&x->cpus, c->cpus.v[k].name, NAN));
		for (uint32_t k = 0; k < c->queues.n; k++)
			csv_num(f, named_get(&x->queues, c->queues.v[k].name, NAN));
		fputc('\n', f);
	}
}

/* The across-seed figures the summary gives a mean and a t interval for. */
static const struct {
	const char *name;			   /* column prefix */
	double (*get)(const struct run_result *r); /* per run */
	bool fraction;				   /* clamp the interval to at most 1 */
} metrics[] = {
	{ "drop_frac", result_drop_frac, true },   { "lat_p50_ns", result_lat_p50, false },
	{ "lat_p99_ns", result_lat_p99, false },   { "lat_p999_ns", result_lat_p999, false },
	{ "lat_mean_ns", result_lat_mean, false }, { "cpu_max_busy_pct", result_cpu_max, false },
};

#define NMETRICS (sizeof(metrics) / sizeof(metrics[0]))

static void summary_header(FILE *f, const struct sweep *s, const struct cols *c)
{
	header_keys(f, s);
	fputs(",seeds,offered,delivered,dropped,drop_frac,drop_frac_wilson_lo,"
	      "drop_frac_wilson_hi,drop_frac_cp_lo,drop_frac_cp_hi",
	      f);
	for (size_t m = 0; m < NMETRICS; m++)
		fprintf(f, ",%s_mean,%s_t_lo,%s_t_hi", metrics[m].name, metrics[m].name,
			metrics[m].name);
	for (uint32_t i = 0; i < c->reasons.n; i++) {
		fputs(",drop:", f);
		csv_str(f, c->reasons.v[i].name);
	}
	fputc('\n', f);
}

static void summary_row(FILE *f, const struct sweep *s, uint32_t p, const struct run_result *r,
			const struct cols *c)
{
	struct point_summary ps;

	point_summarize(r, s->nseeds, LEVEL, &ps);
	row_keys(f, s, p);
	fprintf(f, ",%u,%llu,%llu,%llu", s->nseeds, (unsigned long long)ps.offered,
		(unsigned long long)ps.delivered, (unsigned long long)ps.dropped);
	csv_num(f, ps.drop_frac);
	csv_num(f, ps.wilson.lo);
	csv_num(f, ps.wilson.hi);
	csv_num(f, ps.cp.lo);
	csv_num(f, ps.cp.hi);
	for (size_t m = 0; m < NMETRICS; m++) {
		double *x = malloc(s->nseeds * sizeof(*x)), mean;
		struct ci t;

		SIM_BUG_ON(!x);
		for (uint32_t i = 0; i < s->nseeds; i++)
			x[i] = metrics[m].get(&r[i]);
		t = ci_mean_t(x, s->nseeds, LEVEL, &mean);
		/* every figure is non-negative; fractions stay at most 1 */
		t.lo = t.lo < 0 ? 0 : t.lo;
		if (metrics[m].fraction && t.hi > 1)
			t.hi = 1;
		csv_num(f, mean);
		if (s->nseeds < 2) {
			fputs(",,", f);
		} else {
			csv_num(f, t.lo);
			csv_num(f, t.hi);
		}
		free(x);
	}
	for (uint32_t k = 0; k < c->reasons.n; k++) {
		double sum = 0;

		for (uint32_t i = 0; i < s->nseeds; i++)
			sum += named_get(&r[i].reasons, c->reasons.v[k].name, 0);
		csv_num(f, sum);
	}
	fputc('\n', f);
}

/* Load every run of the manifest, checking its provenance. */
static int load_runs(const struct sweep *s, struct run_result *r, struct sim_error *err)
{
	struct run_req *reqs;
	char **sets, want[4096];
	uint32_t n = sweep_all_reqs(s, &reqs, &sets), missing = 0, first = n;
	int rc = 0;

	for (uint32_t i = 0; i < n && !rc; i++) {
		struct sim_error e = { 0 };

		if (result_load(&r[i], reqs[i].dir, &e)) {
			missing++;
			first = first < i ? first : i;
			continue;
		}
		runner_overrides(&s->rn, &reqs[i], want, sizeof(want));
		if (!r[i].complete)
			rc = sim_error_set(err, "run '%s' is incomplete (it was interrupted)",
					   reqs[i].dir);
		else if (r[i].seed != reqs[i].seed || strcmp(r[i].overrides, want) ||
			 (s->rn.sha256[0] && strcmp(r[i].sha256, s->rn.sha256)))
			rc = sim_error_set(err,
					   "run '%s' does not belong to this sweep (its seed, "
					   "overrides or scenario differ)",
					   reqs[i].dir);
	}
	if (!rc && missing)
		rc = sim_error_set(err, "%u of %u runs are missing, the first '%s'", missing, n,
				   reqs[first].dir);
	sweep_reqs_free(s, reqs, sets);
	return rc;
}

static int write_csv(const char *dir, const char *name, char *text, struct sim_error *err)
{
	char path[4200];
	int rc;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	rc = sweep_write_atomic(path, text, err);
	free(text);
	return rc;
}

/*
 * A varied knob that no run ever used cannot matter: say so. The knob is the
 * key's last segment (rx_ring, net.core.netdev_max_backlog, rcvbuf: the
 * report's headroom names); it is inert when every headroom entry of that
 * name, in every run, is "unused".
 */
static void inert_notes(const struct sweep *s, const struct run_result *r, uint32_t n)
{
	for (uint32_t k = 0; k < s->nvary; k++) {
		const char *key = s->vary[k].key,
			   *knob = strrchr(key, '/') ? strrchr(key, '/') + 1 : key;
		size_t len = strlen(knob);
		uint32_t seen = 0, used = 0;

		for (uint32_t i = 0; i < n; i++)
			for (uint32_t j = 0; j < r[i].knobs.n; j++) {
				if (strncmp(r[i].knobs.v[j].name, knob, len) ||
				    r[i].knobs.v[j].name[len] != ' ')
					continue;
				seen++;
				used += r[i].knobs.v[j].value > 0;
			}
		if (seen && !used)
			printf("note: '%s' cannot matter here: %s was unused in all %u runs (see "
			       "the reports' headroom)\n",
			       key, knob, n);
	}
}

int sweep_collect(const struct sweep *s, struct sim_error *err)
{
	uint32_t n = s->npoints * s->nseeds;
	struct run_result *r = calloc(n, sizeof(*r));
	struct cols c;
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	SIM_BUG_ON(!r);
	memset(&c, 0, sizeof(c));
	rc = load_runs(s, r, err);
	if (!rc) {
		columns(r, n, offsetof(struct run_result, reasons), true, &c.reasons);
		columns(r, n, offsetof(struct run_result, cpus), false, &c.cpus);
		columns(r, n, offsetof(struct run_result, queues), false, &c.queues);
		f = open_memstream(&text, &len);
		write_runs(f, s, r, &c);
		fclose(f);
		rc = write_csv(s->out, "sweep.csv", text, err);
	}
	if (!rc) {
		text = NULL;
		f = open_memstream(&text, &len);
		summary_header(f, s, &c);
		for (uint32_t p = 0; p < s->npoints; p++)
			summary_row(f, s, p, r + (size_t)p * s->nseeds, &c);
		fclose(f);
		rc = write_csv(s->out, "summary.csv", text, err);
	}
	if (!rc)
		inert_notes(s, r, n);
	for (uint32_t i = 0; i < n; i++)
		result_release(&r[i]);
	free(r);
	free(c.reasons.v);
	free(c.cpus.v);
	free(c.queues.v);
	return rc;
}

int collect_main(int argc, char **argv)
{
	struct sim_error err = { 0 };
	struct sweep s;
	int rc;

	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "skbsim: 'collect' takes one sweep directory\nusage:\n%s",
			TOOL_USAGE);
		return TOOL_EXIT_USAGE;
	}
	rc = sweep_load_manifest(&s, argv[1], &err) ? TOOL_EXIT_INPUT : 0;
	if (!rc && sweep_collect(&s, &err))
		rc = err.msg[0] && strstr(err.msg, "cannot write") ? TOOL_EXIT_OUTPUT
								   : TOOL_EXIT_INPUT;
	if (rc)
		fprintf(stderr, "skbsim: %s\n", err.msg);
	else
		printf("%s: %u runs, sweep.csv, summary.csv\n", s.out, s.npoints * s.nseeds);
	sweep_release(&s);
	return rc;
}
