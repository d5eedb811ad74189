/*
 * tools/stats_ci.c - Wilson, Clopper-Pearson and Student t intervals.
 *
 * The incomplete beta continued fraction is evaluated with the modified
 * Lentz method (Numerical Recipes, 3rd ed., §6.4 "betacf"), using the
 * symmetry I_x(a,b) = 1 - I_{1-x}(b,a) where it converges faster. Quantiles
 * are found by bisection, which cannot fail to converge on a monotone CDF.
 */
#include "tools/stats_ci.h"

#include <math.h>

#define CF_ITER 300
#define CF_EPS	1e-15
#define TINY	1e-300

static double beta_cf(double x, double a, double b)
{
	double c = 1, d = 1 - (a + b) * x / (a + 1), h;

	if (fabs(d) < TINY)
		d = TINY;
	d = 1 / d;
	h = d;
	for (int m = 1; m <= CF_ITER; m++) {
		double m2 = 2.0 * m, num = m * (b - m) * x / ((a + m2 - 1) * (a + m2));

		for (int half = 0; half < 2; half++) {
			d = 1 + num * d;
			c = 1 + num / c;
			if (fabs(d) < TINY)
				d = TINY;
			if (fabs(c) < TINY)
				c = TINY;
			d = 1 / d;
			h *= d * c;
			num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
		}
		if (fabs(d * c - 1) < CF_EPS)
			break;
	}
	return h;
}

double ci_beta_inc(double x, double a, double b)
{
	double front;

	if (x <= 0)
		return 0;
	if (x >= 1)
		return 1;
	front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x));
	if (x < (a + 1) / (a + b + 2))
		return front * beta_cf(x, a, b) / a;
	return 1 - front * beta_cf(1 - x, b, a) / b;
}

double ci_beta_quantile(double p, double a, double b)
{
	double lo = 0, hi = 1;

	for (int i = 0; i < 200 && hi - lo > 1e-16; i++) {
		double mid = 0.5 * (lo + hi);

		if (ci_beta_inc(mid, a, b) < p)
			lo = mid;
		else
			hi = mid;
	}
	return 0.5 * (lo + hi);
}

double ci_norm_quantile(double p)
{
	double lo = -40, hi = 40;

	for (int i = 0; i < 200 && hi - lo > 1e-14; i++) {
		double mid = 0.5 * (lo + hi);

		if (0.5 * erfc(-mid / sqrt(2.0)) < p)
			lo = mid;
		else
			hi = mid;
	}
	return 0.5 * (lo + hi);
}

/* P(T <= t) for t >= 0: 1 - I_{df/(df+t^2)}(df/2, 1/2) / 2. */
static double t_cdf_pos(double t, double df)
{
	return 1 - 0.5 * ci_beta_inc(df / (df + t * t), df / 2, 0.5);
}

double ci_t_quantile(double p, double df)
{
	double lo = 0, hi = 1;

	if (p < 0.5)
		return -ci_t_quantile(1 - p, df);
	while (t_cdf_pos(hi, df) < p && hi < 1e12)
		hi *= 2;
	for (int i = 0; i < 300 && hi - lo > 1e-13 * hi; i++) {
		double mid = 0.5 * (lo + hi);

		if (t_cdf_pos(mid, df) < p)
			lo = mid;
		else
			hi = mid;
	}
	return 0.5 * (lo + hi);
}

struct ci ci_wilson(uint64_t k, uint64_t n, double level)
{
	double z = ci_norm_quantile(1 - (1 - level) / 2), nn = (double)n;
	double ph = (double)k / nn, z2n = z * z / nn;
	double centre = (ph + z2n / 2) / (1 + z2n);
	double half = z / (1 + z2n) * sqrt(ph * (1 - ph) / nn + z2n / (4 * nn));
	struct ci r = { centre - half, centre + half };

	/* exact at the edges, where rounding could leave a hair outside [0, 1] */
	if (k == 0 || r.lo < 0)
		r.lo = 0;
	if (k == n || r.hi > 1)
		r.hi = 1;
	return r;
}

struct ci ci_clopper_pearson(uint64_t k, uint64_t n, double level)
{
	double alpha = 1 - level, kk = (double)k, nn = (double)n;
	struct ci r = { 0, 1 };

	if (k > 0)
		r.lo = ci_beta_quantile(alpha / 2, kk, nn - kk + 1);
	if (k < n)
		r.hi = ci_beta_quantile(1 - alpha / 2, kk + 1, nn - kk);
	return r;
}

struct ci ci_mean_t(const double *x, uint32_t n, double level, double *mean)
{
	double sum = 0, ss = 0, m, half;

	for (uint32_t i = 0; i < n; i++)
		sum += x[i];
	m = n ? sum / n : 0;
	*mean = m;
	if (n < 2)
		return (struct ci){ m, m };
	for (uint32_t i = 0; i < n; i++)
		ss += (x[i] - m) * (x[i] - m);
	half = ci_t_quantile(1 - (1 - level) / 2, n - 1.0) * sqrt(ss / (n - 1.0) / n);
	return (struct ci){ m - half, m + half };
}
