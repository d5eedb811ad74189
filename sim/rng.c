/*
 * sim/rng.c - named random streams (xoshiro256**) and the distributions drawn from them.
 *
 * A stream's state is seeded by running splitmix64 from (seed XOR FNV-1a(name)).
 * Draws keep no hidden state: a normal variate costs exactly two uniforms
 * (Box-Muller, the second variate is dropped), so the number of draws per
 * sample is fixed and a stream's sequence depends only on its own calls.
 */
#include "sim/rng.h"

#include <math.h>
#include <string.h>

#include "sim/error.h"

#define FNV64_OFFSET 0xcbf29ce484222325ull /* FNV-1a 64 offset basis */
#define FNV64_PRIME  0x100000001b3ull	   /* FNV-1a 64 prime */
#define TWO_PI	     6.283185307179586476925286766559

static inline uint64_t rotl64(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint64_t sim_hash_str(const char *s)
{
	uint64_t h = FNV64_OFFSET;

	for (; s && *s; s++) {
		h ^= (unsigned char)*s;
		h *= FNV64_PRIME;
	}
	return h;
}

void sim_rng_init(struct sim_rng *r, uint64_t seed, const char *name)
{
	uint64_t x = seed ^ sim_hash_str(name);

	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

uint64_t sim_rng_u64(struct sim_rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = rotl64(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl64(s[3], 45);
	return out;
}

double sim_rng_double(struct sim_rng *r)
{
	return (double)(sim_rng_u64(r) >> 11) * 0x1.0p-53;
}

double sim_rng_double_open0(struct sim_rng *r)
{
	return (double)((sim_rng_u64(r) >> 11) + 1) * 0x1.0p-53;
}

uint64_t sim_rng_below(struct sim_rng *r, uint64_t n)
{
	unsigned __int128 m;
	uint64_t lo;

	SIM_BUG_ON(n == 0);
	m = (unsigned __int128)sim_rng_u64(r) * n;
	lo = (uint64_t)m;
	if (lo < n) {
		uint64_t thresh = (0 - n) % n; /* 2^64 mod n */

		while (lo < thresh) {
			m = (unsigned __int128)sim_rng_u64(r) * n;
			lo = (uint64_t)m;
		}
	}
	return (uint64_t)(m >> 64);
}

int sim_rng_bernoulli(struct sim_rng *r, double p)
{
	return sim_rng_double(r) < p;
}

/* A standard normal variate from two uniforms (Box-Muller, cosine branch). */
static double std_normal(struct sim_rng *r)
{
	double u1 = sim_rng_double_open0(r);
	double u2 = sim_rng_double(r);

	return sqrt(-2.0 * log(u1)) * cos(TWO_PI * u2);
}

/* Reset @d to kind @k with parameters @a, @b and nothing else set. */
static void dist_set(struct sim_dist *d, enum sim_dist_kind k, double a, double b)
{
	memset(d, 0, sizeof(*d));
	d->kind = k;
	d->a = a;
	d->b = b;
}

void sim_dist_constant(struct sim_dist *d, double v)
{
	dist_set(d, SIM_DIST_CONSTANT, v, 0);
}

void sim_dist_uniform(struct sim_dist *d, double lo, double hi)
{
	dist_set(d, SIM_DIST_UNIFORM, lo, hi);
}

void sim_dist_exponential(struct sim_dist *d, double mean)
{
	dist_set(d, SIM_DIST_EXPONENTIAL, mean, 0);
}

void sim_dist_normal(struct sim_dist *d, double mean, double stddev)
{
	dist_set(d, SIM_DIST_NORMAL, mean, stddev);
}

void sim_dist_lognormal(struct sim_dist *d, double mean, double stddev)
{
	dist_set(d, SIM_DIST_LOGNORMAL, mean, stddev);
	if (mean <= 0) {
		/* Degenerate: every draw is 0 (exp(-inf)). */
		d->mu = -INFINITY;
		d->sigma = 0;
		return;
	}
	d->sigma = sqrt(log1p((stddev * stddev) / (mean * mean)));
	d->mu = log(mean) - d->sigma * d->sigma / 2;
}

void sim_dist_pareto(struct sim_dist *d, double scale, double shape)
{
	dist_set(d, SIM_DIST_PARETO, scale, shape);
}

int sim_dist_empirical(struct sim_dist *d, const double *values, const double *weights, uint32_t n)
{
	double total = 0, acc = 0;

	if (n < 1 || n > SIM_DIST_MAX_POINTS)
		return -1;
	for (uint32_t i = 0; i < n; i++) {
		if (!(values[i] >= 0) || !isfinite(values[i]) || !(weights[i] > 0) ||
		    !isfinite(weights[i]))
			return -1;
		total += weights[i];
	}
	if (!isfinite(total))
		return -1;
	dist_set(d, SIM_DIST_EMPIRICAL, 0, 0);
	d->npoints = n;
	for (uint32_t i = 0; i < n; i++) {
		acc += weights[i];
		d->value[i] = values[i];
		d->cdf[i] = acc / total;
	}
	d->cdf[n - 1] = 1.0;
	return 0;
}

/* Index of the first point whose cumulative weight exceeds @u in [0, 1). */
static uint32_t empirical_find(const struct sim_dist *d, double u)
{
	uint32_t lo = 0, hi = d->npoints - 1;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (u < d->cdf[mid])
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

double sim_dist_sample(const struct sim_dist *d, struct sim_rng *r)
{
	double v;

	switch (d->kind) {
	case SIM_DIST_CONSTANT:
		v = d->a;
		break;
	case SIM_DIST_UNIFORM:
		v = d->a + (d->b - d->a) * sim_rng_double(r);
		break;
	case SIM_DIST_EXPONENTIAL:
		v = -d->a * log(sim_rng_double_open0(r));
		break;
	case SIM_DIST_NORMAL:
		v = d->a + d->b * std_normal(r);
		break;
	case SIM_DIST_LOGNORMAL:
		v = exp(d->mu + d->sigma * std_normal(r));
		break;
	case SIM_DIST_PARETO:
		v = d->a / pow(sim_rng_double_open0(r), 1.0 / d->b);
		break;
	case SIM_DIST_EMPIRICAL:
		v = d->value[empirical_find(d, sim_rng_double(r))];
		break;
	default:
		SIM_BUG_ON(1);
		return 0;
	}
	return v > 0 ? v : 0;
}

/* E[max(0, X)] for X ~ N(m, s^2): what the truncated sampler actually averages. */
static double clamped_normal_mean(double m, double s)
{
	double z, cdf, pdf;

	if (!(s > 0))
		return m > 0 ? m : 0;
	z = m / s;
	cdf = 0.5 * erfc(-z / sqrt(2.0));
	pdf = exp(-z * z / 2) / sqrt(TWO_PI);
	return m * cdf + s * pdf;
}

double sim_dist_mean(const struct sim_dist *d)
{
	double m = 0;

	switch (d->kind) {
	case SIM_DIST_CONSTANT:
		return d->a;
	case SIM_DIST_UNIFORM:
		return (d->a + d->b) / 2;
	case SIM_DIST_EXPONENTIAL:
		return d->a;
	case SIM_DIST_NORMAL:
		return clamped_normal_mean(d->a, d->b);
	case SIM_DIST_LOGNORMAL:
		return d->a > 0 ? d->a : 0;
	case SIM_DIST_PARETO:
		return d->b > 1 ? d->a * d->b / (d->b - 1) : INFINITY;
	case SIM_DIST_EMPIRICAL:
		for (uint32_t i = 0; i < d->npoints; i++)
			m += d->value[i] * (d->cdf[i] - (i ? d->cdf[i - 1] : 0));
		return m;
	}
	return 0;
}

const char *sim_dist_kind_name(enum sim_dist_kind k)
{
	static const char *const names[] = {
		[SIM_DIST_CONSTANT] = "constant",	[SIM_DIST_UNIFORM] = "uniform",
		[SIM_DIST_EXPONENTIAL] = "exponential", [SIM_DIST_NORMAL] = "normal",
		[SIM_DIST_LOGNORMAL] = "lognormal",	[SIM_DIST_PARETO] = "pareto",
		[SIM_DIST_EMPIRICAL] = "empirical",
	};

	if ((unsigned)k >= sizeof(names) / sizeof(names[0]))
		return "unknown";
	return names[k];
}
