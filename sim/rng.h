/*
 * sim/rng.h - named, seeded random streams and distributions.
 *
 * Every component draws from its own stream, derived from (scenario seed,
 * stream name) with a 64-bit hash, so adding a component or a draw in one
 * component never changes another component's numbers. The generator is
 * xoshiro256** seeded through splitmix64 (Blackman & Vigna, 2018).
 */
#ifndef SIM_RNG_H
#define SIM_RNG_H

#include <stdint.h>

struct sim_rng {
	uint64_t s[4]; /* xoshiro256** state */
};

/* Seed @r from (@seed, @name). Same pair, same stream. */
void sim_rng_init(struct sim_rng *r, uint64_t seed, const char *name);

uint64_t sim_rng_u64(struct sim_rng *r);
/* Uniform in [0, 1), 53-bit resolution. */
double sim_rng_double(struct sim_rng *r);
/* Uniform in (0, 1]: safe for log(). */
double sim_rng_double_open0(struct sim_rng *r);
/* Uniform integer in [0, n), unbiased (Lemire). n > 0. */
uint64_t sim_rng_below(struct sim_rng *r, uint64_t n);
/* True with probability @p. */
int sim_rng_bernoulli(struct sim_rng *r, double p);

/* FNV-1a 64 of a string; used to derive stream seeds. */
uint64_t sim_hash_str(const char *s);

enum sim_dist_kind {
	SIM_DIST_CONSTANT,    /* a */
	SIM_DIST_UNIFORM,     /* [a, b) */
	SIM_DIST_EXPONENTIAL, /* mean a */
	SIM_DIST_NORMAL,      /* mean a, stddev b; truncated at 0 */
	SIM_DIST_LOGNORMAL,   /* mean a, stddev b of the variable itself (not of its log) */
	SIM_DIST_PARETO,      /* scale (minimum) a, shape b > 0 */
	SIM_DIST_EMPIRICAL,   /* table of (value, weight) pairs, sampled by weight */
};

#define SIM_DIST_MAX_POINTS 64

/*
 * A distribution of non-negative values in some unit the caller knows (ps,
 * bytes, ...). Plain data: copying it is fine.
 */
struct sim_dist {
	enum sim_dist_kind kind;
	double a;			   /* see enum */
	double b;			   /* see enum */
	double mu, sigma;		   /* lognormal: derived parameters of the log */
	uint32_t npoints;		   /* empirical: number of points */
	double value[SIM_DIST_MAX_POINTS]; /* empirical: values */
	double cdf[SIM_DIST_MAX_POINTS];   /* empirical: cumulative weight, last = 1 */
};

void sim_dist_constant(struct sim_dist *d, double v);
void sim_dist_uniform(struct sim_dist *d, double lo, double hi);
void sim_dist_exponential(struct sim_dist *d, double mean);
void sim_dist_normal(struct sim_dist *d, double mean, double stddev);
void sim_dist_lognormal(struct sim_dist *d, double mean, double stddev);
void sim_dist_pareto(struct sim_dist *d, double scale, double shape);
/* @n points (1..SIM_DIST_MAX_POINTS) with positive weights (normalised here). 0 or -1. */
int sim_dist_empirical(struct sim_dist *d, const double *values, const double *weights, uint32_t n);

/* One draw, never negative. */
double sim_dist_sample(const struct sim_dist *d, struct sim_rng *r);
/* The distribution's mean (inf for pareto with shape <= 1). */
double sim_dist_mean(const struct sim_dist *d);
/* Name of the kind: "constant", "uniform", ... */
const char *sim_dist_kind_name(enum sim_dist_kind k);

#endif
