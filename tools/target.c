/*
 * tools/target.c - parsing and deciding planner targets (see target.h).
 */
#include "tools/target.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/units.h"

static const struct {
	const char *name;	   /* as written */
	enum target_metric metric; /* what it measures */
} metric_names[] = {
	{ "drop", TARGET_DROP }, { "p50", TARGET_P50 },	  { "p99", TARGET_P99 },
	{ "p999", TARGET_P999 }, { "mean", TARGET_MEAN }, { "cpu", TARGET_CPU },
};

static bool is_fraction(enum target_metric m)
{
	return m == TARGET_DROP || m == TARGET_DROP_REASON || m == TARGET_CPU;
}

static int parse_metric(struct target *t, const char *m, struct sim_error *err)
{
	size_t len = strlen(m);

	if (!strncmp(m, "drop[", 5) && len > 6 && m[len - 1] == ']' &&
	    len - 6 < sizeof(t->reason)) {
		t->metric = TARGET_DROP_REASON;
		snprintf(t->reason, sizeof(t->reason), "%.*s", (int)(len - 6), m + 5);
		return 0;
	}
	for (size_t i = 0; i < sizeof(metric_names) / sizeof(metric_names[0]); i++) {
		if (!strcmp(m, metric_names[i].name)) {
			t->metric = metric_names[i].metric;
			return 0;
		}
	}
	return sim_error_set(err,
			     "unknown metric '%s' (known: drop, drop[REASON], p50, p99, p999, "
			     "mean, cpu)",
			     m);
}

static int parse_threshold(struct target *t, const char *v, const char *m, struct sim_error *err)
{
	sim_time_t ps;

	if (is_fraction(t->metric)) {
		if (sim_parse_fraction(v, &t->threshold))
			return sim_error_set(err, "'%s' must be a fraction like '0.1%%' for '%s'",
					     v, m);
		return 0;
	}
	if (sim_parse_time(v, &ps))
		return sim_error_set(err, "'%s' must be a time like '200us' for '%s'", v, m);
	t->threshold = (double)ps / 1000.0;
	return 0;
}

static int parse_level(struct target *t, const char *l, struct sim_error *err)
{
	double v;

	if (sim_parse_fraction(l, &v) || v < 0.5 || v > 0.9999)
		return sim_error_set(
			err, "the confidence level must be between 50%% and 99.99%%, got '%s'", l);
	t->level = v;
	return 0;
}

int target_parse(struct target *t, const char *text, struct sim_error *err)
{
	char buf[128], metric[80], op[3], value[40], level[40] = "95%";
	char *at;
	int n = 0;

	memset(t, 0, sizeof(*t));
	snprintf(t->text, sizeof(t->text), "%s", text);
	snprintf(buf, sizeof(buf), "%s", text);
	at = strchr(buf, '@');
	if (at) {
		*at = 0;
		if (sscanf(at + 1, " %39s %n", level, &n) != 1 || at[1 + n])
			goto bad;
	}
	n = 0;
	if (strlen(text) >= sizeof(buf) ||
	    sscanf(buf, " %79[^<>= ] %2[<>=] %39s %n", metric, op, value, &n) != 3 || buf[n])
		goto bad;
	if (strcmp(op, "<") && strcmp(op, "<=") && strcmp(op, ">") && strcmp(op, ">="))
		goto bad;
	t->below = op[0] == '<';
	t->strict = !op[1];
	if (parse_metric(t, metric, err) || parse_threshold(t, value, metric, err) ||
	    parse_level(t, level, err))
		return -1;
	return 0;
bad:
	return sim_error_set(err, "expected a target like 'drop < 0.1%% @ 95%%', got '%s'", text);
}

static double metric_value(const struct target *t, const struct run_result *r)
{
	switch (t->metric) {
	case TARGET_DROP:
		return result_drop_frac(r);
	case TARGET_DROP_REASON:
		return r->offered ? named_get(&r->reasons, t->reason, 0) / (double)r->offered : 0;
	case TARGET_P50:
		return r->lat_p50;
	case TARGET_P99:
		return r->lat_p99;
	case TARGET_P999:
		return r->lat_p999;
	case TARGET_MEAN:
		return r->lat_mean;
	case TARGET_CPU:
		return r->cpu_max_busy / 100.0;
	}
	return 0;
}

/* Pooled counts of the fraction metrics: the Clopper-Pearson interval. */
static struct ci pooled_ci(const struct target *t, const struct run_result *r, uint32_t n,
			   double *est)
{
	double k = 0, total = 0;

	for (uint32_t i = 0; i < n; i++) {
		k += t->metric == TARGET_DROP ? (double)r[i].dropped
					      : named_get(&r[i].reasons, t->reason, 0);
		total += (double)r[i].offered;
	}
	*est = total > 0 ? k / total : 0;
	if (total <= 0)
		return (struct ci){ 0, 1 };
	return ci_clopper_pearson((uint64_t)k, (uint64_t)total, t->level);
}

static enum target_decision decide(const struct target *t, struct ci c)
{
	double x = t->threshold;
	bool meets, fails;

	if (t->below) {
		meets = t->strict ? c.hi < x : c.hi <= x;
		fails = t->strict ? c.lo >= x : c.lo > x;
	} else {
		meets = t->strict ? c.lo > x : c.lo >= x;
		fails = t->strict ? c.hi <= x : c.hi < x;
	}
	return meets ? TARGET_MEETS : fails ? TARGET_FAILS : TARGET_UNCERTAIN;
}

void target_decide(const struct target *t, const struct run_result *r, uint32_t n,
		   struct target_eval *e)
{
	double *x = malloc((n ? n : 1) * sizeof(*x)), mean;
	struct ci tc;

	SIM_BUG_ON(!x);
	for (uint32_t i = 0; i < n; i++)
		x[i] = metric_value(t, &r[i]);
	tc = ci_mean_t(x, n, t->level, &mean);
	free(x);
	if (tc.lo < 0)
		tc.lo = 0;
	if (t->metric == TARGET_DROP || t->metric == TARGET_DROP_REASON) {
		struct ci pc = pooled_ci(t, r, n, &e->estimate);

		e->ci = pc;
		if (n >= 2) {
			e->ci.lo = fmin(pc.lo, tc.lo);
			e->ci.hi = fmax(pc.hi, fmin(tc.hi, 1));
		}
	} else {
		e->estimate = mean;
		e->ci = tc;
	}
	e->decision = decide(t, e->ci);
	if (n < 2 && !(t->metric == TARGET_DROP || t->metric == TARGET_DROP_REASON))
		e->decision = TARGET_UNCERTAIN;
}

const char *target_decision_name(enum target_decision d)
{
	static const char *const names[] = { "meets", "fails", "uncertain" };

	return names[d];
}

void target_fmt(const struct target *t, double v, char *buf, size_t len)
{
	if (is_fraction(t->metric))
		snprintf(buf, len, "%.4g%%", 100 * v);
	else
		snprintf(buf, len, "%.4gus", v / 1000);
}
