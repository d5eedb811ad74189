/*
 * sim/stats.h - statistics: latency histograms and time-weighted levels.
 *
 * sim_hist is a log-linear histogram (HdrHistogram-like): values below
 * 2^SIM_HIST_SUB_BITS are exact; above, every power-of-two range is split into
 * 2^SIM_HIST_SUB_BITS linear buckets, so any reported percentile is within
 * 2^-SIM_HIST_SUB_BITS (< 0.8 %) of the true sample value. Recording is O(1).
 *
 * Storage: the counts are kept only for the span of groups (octaves, 2^S
 * buckets each) between the smallest and the largest value recorded, in one
 * heap array that grows (to cover a new group, at most 58 times in a
 * histogram's life, never per sample) when a value falls outside it. An empty
 * histogram is 48 bytes and owns no memory; a latency spread over a few
 * octaves costs a few KiB. The reported quantiles and means are those of the
 * full fixed layout: buckets outside the span are zero. A histogram is owned
 * by one struct and never copied by assignment; sim_hist_release() frees it.
 *
 * Percentiles use the nearest-rank definition: the smallest recorded value v
 * such that at least ceil(q * count) samples are <= v, reported as the
 * midpoint of v's bucket clamped to [min, max]. The first and last ranks
 * (q = 0, q = 1, or any q when count is 1) report the exact min and max.
 */
#ifndef SIM_STATS_H
#define SIM_STATS_H

#include <stdint.h>

#include "sim/error.h"
#include "sim/time.h"

#define SIM_HIST_SUB_BITS 7 /* 128 sub-buckets per octave */
#define SIM_HIST_SUB	  (1u << SIM_HIST_SUB_BITS)
#define SIM_HIST_BUCKETS  ((64 - SIM_HIST_SUB_BITS + 1) * SIM_HIST_SUB) /* covers all uint64 */

struct sim_hist {
	uint64_t count;	   /* samples recorded */
	uint64_t min, max; /* exact extremes (min = UINT64_MAX when empty) */
	double sum;	   /* sum of samples, for the mean */
	uint64_t *bucket;  /* counts of buckets base .. base + nbuckets - 1, or NULL */
	uint32_t base;	   /* layout index of bucket[0] (a multiple of SIM_HIST_SUB) */
	uint32_t nbuckets; /* entries in bucket[] (a multiple of SIM_HIST_SUB), 0 when NULL */
};

/* Prepare an empty histogram (@h holds no memory before). */
void sim_hist_init(struct sim_hist *h);
/* Forget every sample, keeping the memory (end of warm-up). */
void sim_hist_reset(struct sim_hist *h);
/* Free the counts; @h is empty afterwards (sim_hist_init state). */
void sim_hist_release(struct sim_hist *h);
/* Add all of @src into @dst. */
void sim_hist_merge(struct sim_hist *dst, const struct sim_hist *src);
/* Value at quantile @q in [0, 1]; 0 when empty. */
uint64_t sim_hist_quantile(const struct sim_hist *h, double q);
double sim_hist_mean(const struct sim_hist *h);

/*
 * Bucket index of a value and the [lo, hi] range of a bucket (exposed for
 * tests). The layout (S = SIM_HIST_SUB_BITS, N = 2^S): values below 2N map to
 * themselves, exactly. A value v >= N with top bit e (2^e <= v < 2^(e+1))
 * lands in group g = e - S + 1, sub-bucket (v >> (e - S)) - N, i.e. bucket
 * g * N + sub; its width is 2^(g-1), at most 1/N of its lower bound, so a
 * bucket midpoint is within 1/(2N) of any value in it.
 */
static inline uint32_t sim_hist_bucket_of(uint64_t v)
{
	/*
	 * Branch-free: with e' = max(e, S) (the top bit of v | N) and
	 * shift = e' - S, g * N + sub = (shift << S) + (v >> shift), which for
	 * v < 2N (shift 0) is v itself.
	 */
	uint32_t shift = (63u ^ (uint32_t)__builtin_clzll(v | SIM_HIST_SUB)) - SIM_HIST_SUB_BITS;

	return (shift << SIM_HIST_SUB_BITS) + (uint32_t)(v >> shift);
}

void sim_hist_bucket_range(uint32_t ix, uint64_t *lo, uint64_t *hi);
/* Samples counted in layout bucket @ix (0 outside the stored span). */
uint64_t sim_hist_bucket_count(const struct sim_hist *h, uint32_t ix);

/* Widen bucket[] to cover layout bucket @ix (no-op if covered); aborts when out of memory. */
void sim_hist_grow(struct sim_hist *h, uint32_t ix);

/* Add one sample @v; inline because the packet path records several per packet. */
static inline void sim_hist_record(struct sim_hist *h, uint64_t v)
{
	uint32_t ix = sim_hist_bucket_of(v);

	h->count++;
	h->sum += (double)v;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	if (__builtin_expect(ix - h->base >= h->nbuckets, 0))
		sim_hist_grow(h, ix);
	h->bucket[ix - h->base]++;
}

/*
 * A level that changes over time (a queue length, a buffer's bytes): the
 * time-weighted mean and the maximum since the last reset.
 */
struct sim_level {
	int64_t cur;	  /* current value */
	int64_t max;	  /* maximum since reset */
	sim_time_t last;  /* ps: time of the last change or reset */
	sim_time_t start; /* ps: time of the reset */
	double area;	  /* integral of value over time, value*ps */
};

void sim_level_init(struct sim_level *l, sim_time_t now);
/* Set the value at time @now (>= last change); inline: queues change it per packet. */
static inline void sim_level_set(struct sim_level *l, sim_time_t now, int64_t v)
{
	SIM_BUG_ON(now < l->last);
	if (now != l->last) { /* at the same time the area would grow by cur * 0: not at all */
		l->area += (double)l->cur * (double)(now - l->last);
		l->last = now;
	}
	l->cur = v;
	if (v > l->max)
		l->max = v;
}
static inline void sim_level_add(struct sim_level *l, sim_time_t now, int64_t d)
{
	sim_level_set(l, now, l->cur + d);
}
/* Restart the averaging window at @now keeping the current value (end of warm-up). */
void sim_level_reset(struct sim_level *l, sim_time_t now);
/* Time-weighted mean over [reset, now]. */
double sim_level_mean(const struct sim_level *l, sim_time_t now);

#endif
