/*
 * tools/target.h - a planner's target: "METRIC OP VALUE [@ LEVEL%]".
 *
 *   drop < 0.1% @ 95%          the drop fraction (all reasons, pooled)
 *   drop[SOCKET_RCVBUFF] < 0.01%  the fraction of offered frames dropped for one reason
 *   p99 < 200us                end-to-end latency percentile (p50, p99, p999) or mean
 *   cpu < 80%                  the busiest CPU's busy share
 * OP is <, <=, > or >=. LEVEL (default 95 %) is the two-sided confidence
 * level of the interval that decides (see target_decide).
 *
 * Messages (tests/test_target.c checks them verbatim):
 *   "expected a target like 'drop < 0.1% @ 95%', got 'T'"
 *   "unknown metric 'M' (known: drop, drop[REASON], p50, p99, p999, mean, cpu)"
 *   "'V' must be a fraction like '0.1%' for 'M'"
 *   "'V' must be a time like '200us' for 'M'"
 *   "the confidence level must be between 50% and 99.99%, got 'L'"
 */
#ifndef TOOLS_TARGET_H
#define TOOLS_TARGET_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/error.h"
#include "tools/result.h"

enum target_metric {
	TARGET_DROP,	    /* drop fraction, all reasons */
	TARGET_DROP_REASON, /* drop fraction, one reason */
	TARGET_P50,	    /* end-to-end latency p50, ns */
	TARGET_P99,	    /* end-to-end latency p99, ns */
	TARGET_P999,	    /* end-to-end latency p99.9, ns */
	TARGET_MEAN,	    /* end-to-end latency mean, ns */
	TARGET_CPU,	    /* busiest CPU busy share, fraction */
};

enum target_decision {
	TARGET_MEETS,	  /* the whole interval is on the target's side */
	TARGET_FAILS,	  /* the whole interval is on the other side */
	TARGET_UNCERTAIN, /* the interval straddles the threshold */
};

struct target {
	enum target_metric metric; /* what is measured */
	char reason[64];	   /* TARGET_DROP_REASON: the reason's name */
	bool below;		   /* the target is "<" or "<=" (else ">" / ">=") */
	bool strict;		   /* "<" or ">" */
	double threshold;	   /* fraction, or ns for latencies */
	double level;		   /* two-sided confidence level, e.g. 0.95 */
	char text[128];		   /* as written, for messages */
};

/* The evidence of one grid point: estimate and interval. */
struct target_eval {
	double estimate;	       /* pooled fraction, or mean across seeds */
	struct ci ci;		       /* the deciding interval */
	enum target_decision decision; /* from the interval */
};

int target_parse(struct target *t, const char *text, struct sim_error *err);
/*
 * Decide on @n runs of one point. Fractions: the union of the Clopper-Pearson
 * interval of the pooled counts and (n >= 2) the t interval of the per-seed
 * fractions, so both packet noise and seed-to-seed variation must be small.
 * Other metrics: the t interval across seeds (n < 2 is always uncertain).
 */
void target_decide(const struct target *t, const struct run_result *r, uint32_t n,
		   struct target_eval *e);
/* "meets", "fails", "uncertain" */
const char *target_decision_name(enum target_decision d);
/* @v in the metric's units for people: "0.064%" or "337us". */
void target_fmt(const struct target *t, double v, char *buf, size_t len);

#endif
