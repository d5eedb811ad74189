/*
 * tools/stats_ci.h - confidence intervals for sweep summaries and the planner.
 *
 * Drop fractions: Wilson's score interval and the Clopper-Pearson ("exact")
 * interval, both inside [0, 1] by construction, so a fraction near 0 never
 * gets the negative lower bound of the normal approximation. Means across
 * seeds: Student's t interval. Quantiles come from the regularized incomplete
 * beta function (continued fraction, Numerical Recipes §6.4) inverted by
 * bisection, so they hold to about 1e-12 relative; tests/test_stats_ci.c
 * checks them against published table values.
 *
 * @level is the two-sided confidence level, e.g. 0.95.
 */
#ifndef TOOLS_STATS_CI_H
#define TOOLS_STATS_CI_H

#include <stdint.h>

struct ci {
	double lo; /* lower bound */
	double hi; /* upper bound */
};

/* I_x(a, b), the regularized incomplete beta function; a, b > 0, x in [0, 1]. */
double ci_beta_inc(double x, double a, double b);
/* The x with I_x(a, b) = p. */
double ci_beta_quantile(double p, double a, double b);
/* The standard normal quantile: the z with P(Z <= z) = p, 0 < p < 1. */
double ci_norm_quantile(double p);
/* Student's t quantile with @df degrees of freedom (df >= 1), 0 < p < 1. */
double ci_t_quantile(double p, double df);

/* @k successes in @n trials (n > 0). */
struct ci ci_wilson(uint64_t k, uint64_t n, double level);
struct ci ci_clopper_pearson(uint64_t k, uint64_t n, double level);

/*
 * Mean of @x[0..n-1] in *@mean, and its t interval (n >= 2; for n == 1 the
 * interval is [mean, mean] and not meaningful: callers print it empty).
 */
struct ci ci_mean_t(const double *x, uint32_t n, double level, double *mean);

#endif
