/*
 * tools/plan.c - `skbsim plan`: the smallest (or largest) value of a knob that meets a target.
 *
 *   skbsim plan FILE --vary KEY=RANGE [--vary ...] --target 'drop < 0.1% @ 95%' [-o DIR]
 *               [--largest] [--seeds N] [--max-seeds M] [-j J] [--set ...] [--unset ...]
 *
 * The values of --vary are taken in the order given, and the target is
 * assumed monotone along them: once met, met for every later value (for
 * --largest: for every earlier one). The search is a bisection on that
 * order. Each probed point first gets N seeds (default 8); while its
 * interval straddles the threshold it gets more (doubling, at most M,
 * default 32), so seeds are spent only where the decision is uncertain. A
 * point still uncertain at M seeds counts as not meeting the target: the
 * answer is the first value *shown* to meet it at the stated confidence.
 *
 * Runs go to DIR/runs/pPPPP-sS exactly as `skbsim sweep` with the same one
 * --vary would name them (and are reused the same way), so a brute-force
 * sweep into DIR checks the answer with the runs the plan already made.
 * DIR/plan.csv lists every probed point.
 *
 * With several --vary, the last is searched for every combination of the
 * others: the front. Values are read as listed from cheapest to dearest; the
 * cheapest feasible combination in --vary order is the answer, and rows
 * beaten in every knob by another feasible row are marked dominated.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tools/result.h"
#include "tools/sweep.h"
#include "tools/target.h"
#include "tools/tools.h"

struct plan {
	struct sweep s;		   /* the one knob, the runner, DIR */
	struct target t;	   /* what must hold */
	bool largest;		   /* look for the largest value meeting it */
	uint32_t seeds, max_seeds; /* seeds per point: first, at most */
	uint32_t *nseeds;	   /* per value: seeds run so far (0 = not probed) */
	struct target_eval *ev;	   /* per value: the latest evidence */
	uint32_t runs;		   /* runs the plan used */
};

static int plan_usage(const char *what, const char *arg)
{
	fprintf(stderr, "skbsim: %s%s%s%s\nusage:\n%s", what, arg ? " '" : "", arg ? arg : "",
		arg ? "'" : "", TOOL_USAGE);
	return TOOL_EXIT_USAGE;
}

static int plan_count(const char *opt, const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (!*s || *end || errno || v < 1 || v > 10000 || s[0] == '-') {
		fprintf(stderr, "skbsim: '%s' must be an integer between 1 and 10000, got '%s'\n",
			opt, s);
		return TOOL_EXIT_INPUT;
	}
	*out = (uint32_t)v;
	return 0;
}

static int plan_option(struct plan *p, int argc, char **argv, int *i, bool *have_target)
{
	struct sim_error err = { 0 };
	const char *a = argv[*i], *v;
	uint32_t jobs;

	if (!strcmp(a, "--largest")) {
		p->largest = true;
		return 0;
	}
	if (*i + 1 >= argc)
		return plan_usage("missing value for option", a);
	v = argv[++*i];
	if (!strcmp(a, "--vary")) {
		if (p->s.nvary == SWEEP_MAX_VARY)
			return plan_usage("too many --vary options (at most 8)", NULL);
		if (vary_parse(&p->s.vary[p->s.nvary++], v, &err)) {
			fprintf(stderr, "skbsim: --vary: %s\n", err.msg);
			return TOOL_EXIT_INPUT;
		}
	} else if (!strcmp(a, "--target")) {
		if (target_parse(&p->t, v, &err)) {
			fprintf(stderr, "skbsim: --target: %s\n", err.msg);
			return TOOL_EXIT_INPUT;
		}
		*have_target = true;
	} else if (!strcmp(a, "--seeds")) {
		return plan_count(a, v, &p->seeds);
	} else if (!strcmp(a, "--max-seeds")) {
		return plan_count(a, v, &p->max_seeds);
	} else if (!strcmp(a, "-j")) {
		if (plan_count(a, v, &jobs))
			return TOOL_EXIT_INPUT;
		p->s.rn.jobs = (int)(jobs > 256 ? 256 : jobs);
	} else if (!strcmp(a, "-o")) {
		p->s.out = v;
	} else if (!strcmp(a, "--set") || !strcmp(a, "--unset")) {
		if (p->s.rn.nbase + 2 > RUNNER_MAX_ARGS)
			return plan_usage("too many --set options (at most 256)", NULL);
		runner_add_base(&p->s.rn, a, v);
	} else {
		return plan_usage("unknown option", a);
	}
	return 0;
}

static int plan_args(struct plan *p, int argc, char **argv)
{
	struct sim_error err = { 0 };
	const char *file = NULL;
	bool have_target = false;
	static char out[4096];

	for (int i = 1; i < argc; i++) {
		int rc;

		if (argv[i][0] != '-') {
			if (file)
				return plan_usage("unexpected argument", argv[i]);
			file = argv[i];
			continue;
		}
		rc = plan_option(p, argc, argv, &i, &have_target);
		if (rc)
			return rc;
	}
	if (!file)
		return plan_usage("missing scenario file for", argv[0]);
	if (!p->s.nvary)
		return plan_usage("missing --vary for", argv[0]);
	if (!have_target)
		return plan_usage("missing --target for", argv[0]);
	if (p->max_seeds < p->seeds)
		p->max_seeds = p->seeds;
	if (runner_init(&p->s.rn, file, &err)) {
		fprintf(stderr, "%s\n", err.msg);
		return TOOL_EXIT_INPUT;
	}
	if (!p->s.out) {
		const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;

		snprintf(out, sizeof(out), "results/plan-%.*s", (int)strcspn(base, "."), base);
		p->s.out = out;
	}
	return 0;
}

/* Run @point with @n seeds (reusing those done) and decide. */
static int plan_probe_n(struct plan *p, uint32_t point, uint32_t n, struct sim_error *err)
{
	struct run_req *reqs = calloc(n, sizeof(*reqs));
	struct run_result *r = calloc(n, sizeof(*r));
	char *sets[SWEEP_MAX_VARY] = { NULL };
	int rc;

	SIM_BUG_ON(!reqs || !r);
	sweep_point_reqs(&p->s, point, n, sets, reqs);
	rc = runner_run(&p->s.rn, reqs, n, err);
	for (uint32_t i = 0; !rc && i < n; i++)
		if (result_load(&r[i], reqs[i].dir, err))
			rc = TOOL_EXIT_OUTPUT;
	if (!rc) {
		target_decide(&p->t, r, n, &p->ev[point]);
		p->runs += n - p->nseeds[point];
		p->nseeds[point] = n;
	}
	for (uint32_t i = 0; i < n; i++)
		result_release(&r[i]);
	for (uint32_t k = 0; k < p->s.nvary; k++)
		free(sets[k]);
	free(reqs);
	free(r);
	return rc;
}

/* Probe @point, adding seeds while the decision is uncertain; *meets is the outcome. */
static int plan_probe(struct plan *p, uint32_t point, bool *meets, struct sim_error *err)
{
	uint32_t n = p->nseeds[point] ? p->nseeds[point] : p->seeds;
	int rc = plan_probe_n(p, point, n, err);

	while (!rc && p->ev[point].decision == TARGET_UNCERTAIN && n < p->max_seeds) {
		n = 2 * n < p->max_seeds ? 2 * n : p->max_seeds;
		rc = plan_probe_n(p, point, n, err);
	}
	*meets = p->ev[point].decision == TARGET_MEETS;
	return rc;
}

/* The last --vary: the knob searched; the others are the front's combinations. */
static const struct vary *plan_knob(const struct plan *p)
{
	return &p->s.vary[p->s.nvary - 1];
}

/* The value index of step @k of the search: ascending, or descending for --largest. */
static uint32_t plan_index(const struct plan *p, uint32_t k)
{
	return p->largest ? plan_knob(p)->n - 1 - k : k;
}

/* The grid point of search step @k within combination @outer of the other knobs. */
static uint32_t plan_point(const struct plan *p, uint32_t outer, uint32_t k)
{
	return outer * plan_knob(p)->n + plan_index(p, k);
}

/* Bisection within @outer: the first step k that meets the target, or n when none does. */
static int plan_search(struct plan *p, uint32_t outer, uint32_t *answer, struct sim_error *err)
{
	uint32_t lo = 0, hi = plan_knob(p)->n - 1;
	bool meets;
	int rc = plan_probe(p, plan_point(p, outer, hi), &meets, err);

	*answer = plan_knob(p)->n;
	if (rc || !meets)
		return rc;
	rc = plan_probe(p, plan_point(p, outer, lo), &meets, err);
	if (rc || meets) {
		*answer = lo;
		return rc;
	}
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;

		rc = plan_probe(p, plan_point(p, outer, mid), &meets, err);
		if (rc)
			return rc;
		if (meets)
			hi = mid;
		else
			lo = mid;
	}
	*answer = hi;
	return 0;
}

/* "[lo, hi]" in a static buffer, for one printf. */
static const char *plan_interval(const char *lo, const char *hi)
{
	static char buf[80];

	snprintf(buf, sizeof(buf), "[%s, %s]", lo, hi);
	return buf;
}

/* The evidence of point @i as a table row (text) or a CSV row. */
static void plan_row(const struct plan *p, uint32_t i, FILE *f, bool csv)
{
	const struct target_eval *e = &p->ev[i];
	char est[32], lo[32], hi[32];

	target_fmt(&p->t, e->estimate, est, sizeof(est));
	target_fmt(&p->t, e->ci.lo, lo, sizeof(lo));
	target_fmt(&p->t, e->ci.hi, hi, sizeof(hi));
	if (csv) {
		fprintf(f, "%u", i);
		for (uint32_t k = 0; k < p->s.nvary; k++)
			fprintf(f, ",%s", sweep_value(&p->s, i, k));
		fprintf(f, ",%u,%.10g,%.10g,%.10g,%s\n", p->nseeds[i], e->estimate, e->ci.lo,
			e->ci.hi, target_decision_name(e->decision));
		return;
	}
	fprintf(f, "  ");
	for (uint32_t k = 0; k < p->s.nvary; k++)
		fprintf(f, "%-12s ", sweep_value(&p->s, i, k));
	fprintf(f, "%5u  %10s  %-24s %s", p->nseeds[i], est, plan_interval(lo, hi),
		target_decision_name(e->decision));
}

static uint32_t plan_probed(const struct plan *p)
{
	uint32_t c = 0;

	for (uint32_t i = 0; i < p->s.npoints; i++)
		c += p->nseeds[i] != 0;
	return c;
}

static void plan_header(const struct plan *p, const char *first)
{
	printf("  ");
	for (uint32_t k = 0; k + 1 < p->s.nvary; k++)
		printf("%-12.12s ", strrchr(p->s.vary[k].key, '/')
					    ? strrchr(p->s.vary[k].key, '/') + 1
					    : p->s.vary[k].key);
	printf("%-12s %5s  %10s  %-24s %s\n", first, "seeds", "estimate", "interval", "decision");
}

/* The value index of knob @k at combination @outer of the other knobs. */
static uint32_t outer_index(const struct plan *p, uint32_t outer, uint32_t k)
{
	uint32_t stride = 1;

	for (uint32_t i = p->s.nvary - 1; i-- > k + 1;)
		stride *= p->s.vary[i].n;
	return outer / stride % p->s.vary[k].n;
}

/* Combination @b's answer is at least as cheap as @a's in every knob, and cheaper in one. */
static bool plan_dominates(const struct plan *p, const uint32_t *ans, uint32_t b, uint32_t a)
{
	bool strict = ans[b] < ans[a];

	if (ans[b] > ans[a])
		return false;
	for (uint32_t k = 0; k + 1 < p->s.nvary; k++) {
		uint32_t ib = outer_index(p, b, k), ia = outer_index(p, a, k);

		if (ib > ia)
			return false;
		strict |= ib < ia;
	}
	return strict;
}

/* Several knobs: the cheapest combination in --vary order, then the front. */
static void plan_print_front(const struct plan *p, const uint32_t *ans, uint32_t nouter)
{
	const struct vary *v = plan_knob(p);
	uint32_t best = nouter;

	for (uint32_t o = 0; o < nouter && best == nouter; o++)
		if (ans[o] < v->n)
			best = o;
	if (best == nouter) {
		printf("plan: no combination meets '%s' (%.4g%% confidence)\n", p->t.text,
		       100 * p->t.level);
	} else {
		uint32_t pt = plan_point(p, best, ans[best]);

		printf("plan: cheapest in --vary order meeting '%s' (%.4g%% confidence):",
		       p->t.text, 100 * p->t.level);
		for (uint32_t k = 0; k < p->s.nvary; k++)
			printf("%s %s=%s", k ? "," : "", p->s.vary[k].key,
			       sweep_value(&p->s, pt, k));
		printf("\n");
	}
	printf("front: the %s %s meeting it for each combination of the others\n",
	       p->largest ? "largest" : "smallest", v->key);
	plan_header(p, "answer");
	for (uint32_t o = 0; o < nouter; o++) {
		bool dominated = false;

		for (uint32_t b = 0; b < nouter && ans[o] < v->n; b++)
			dominated |= ans[b] < v->n && plan_dominates(p, ans, b, o);
		if (ans[o] < v->n) {
			plan_row(p, plan_point(p, o, ans[o]), stdout, false);
			printf("%s\n", dominated ? " (dominated)" : " (pareto)");
			continue;
		}
		printf("  ");
		for (uint32_t k = 0; k + 1 < p->s.nvary; k++)
			printf("%-12s ", p->s.vary[k].values[outer_index(p, o, k)]);
		printf("%-12s\n", "none");
	}
}

static void plan_print_one(const struct plan *p, uint32_t answer)
{
	const struct vary *v = plan_knob(p);

	if (answer < v->n)
		printf("plan: %s %s = %s meets '%s' (%.4g%% confidence)\n",
		       p->largest ? "largest" : "smallest", v->key,
		       v->values[plan_index(p, answer)], p->t.text, 100 * p->t.level);
	else
		printf("plan: no value of %s in the range meets '%s' (%.4g%% confidence)\n", v->key,
		       p->t.text, 100 * p->t.level);
	plan_header(p, "value");
	for (uint32_t i = 0; i < v->n; i++) {
		if (!p->nseeds[i])
			continue;
		plan_row(p, i, stdout, false);
		printf("\n");
	}
}

static int plan_report(const struct plan *p, const uint32_t *ans, uint32_t nouter,
		       struct sim_error *err)
{
	char path[4200], *text = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	if (p->s.nvary == 1)
		plan_print_one(p, ans[0]);
	else
		plan_print_front(p, ans, nouter);
	printf("  runs: %u in %s/runs (%u of %u values probed)\n", p->runs, p->s.out,
	       plan_probed(p), p->s.npoints);
	f = open_memstream(&text, &len);
	fprintf(f, "point");
	for (uint32_t k = 0; k < p->s.nvary; k++)
		fprintf(f, ",%s", p->s.vary[k].key);
	fprintf(f, ",seeds,estimate,lo,hi,decision\n");
	for (uint32_t i = 0; i < p->s.npoints; i++)
		if (p->nseeds[i])
			plan_row(p, i, f, true);
	fclose(f);
	snprintf(path, sizeof(path), "%s/plan.csv", p->s.out);
	rc = sweep_write_atomic(path, text, err);
	free(text);
	return rc;
}

static int plan_run(struct plan *p, struct sim_error *err)
{
	uint32_t nouter = p->s.npoints / plan_knob(p)->n;
	uint32_t *ans = calloc(nouter, sizeof(*ans));
	int rc = 0;

	SIM_BUG_ON(!ans);
	for (uint32_t o = 0; o < nouter && !rc; o++)
		rc = plan_search(p, o, &ans[o], err);
	if (!rc && plan_report(p, ans, nouter, err))
		rc = TOOL_EXIT_OUTPUT;
	free(ans);
	return rc;
}

int plan_main(int argc, char **argv)
{
	struct plan p = { .s = { .nseeds = 1, .seed0 = 1 }, .seeds = 8, .max_seeds = 32 };
	struct sim_error err = { 0 };
	uint64_t points = 1;
	int rc;

	p.s.rn.what = "plan";
	rc = plan_args(&p, argc, argv);
	for (uint32_t k = 0; !rc && k < p.s.nvary; k++)
		points *= p.s.vary[k].n;
	if (!rc && points > 100000) {
		fprintf(stderr, "skbsim: the plan's grid has more than 100000 points\n");
		rc = TOOL_EXIT_INPUT;
	}
	if (!rc) {
		p.s.npoints = (uint32_t)points;
		p.nseeds = calloc(p.s.npoints, sizeof(*p.nseeds));
		p.ev = calloc(p.s.npoints, sizeof(*p.ev));
		SIM_BUG_ON(!p.nseeds || !p.ev);
		p.s.rn.progress = isatty(2);
		if (sweep_validate(&p.s, &err)) {
			fprintf(stderr, "%s\n", err.msg);
			rc = TOOL_EXIT_INPUT;
		}
	}
	if (!rc) {
		rc = plan_run(&p, &err);
		if (rc)
			fprintf(stderr, "skbsim: %s\n", err.msg);
	}
	free(p.nseeds);
	free(p.ev);
	sweep_release(&p.s);
	return rc;
}
