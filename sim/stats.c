/*
 * sim/stats.c - log-linear latency histograms and time-weighted levels.
 * The bucket layout and the recording are in sim/stats.h (inline: the packet
 * path records several samples per packet); the counts live in a span of
 * whole groups that grows on demand (sim_hist_grow).
 */
#include "sim/stats.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/error.h"

void sim_hist_init(struct sim_hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

void sim_hist_reset(struct sim_hist *h)
{
	h->count = 0;
	h->sum = 0;
	h->min = UINT64_MAX;
	h->max = 0;
	if (h->bucket)
		memset(h->bucket, 0, (size_t)h->nbuckets * sizeof(*h->bucket));
}

void sim_hist_release(struct sim_hist *h)
{
	free(h->bucket);
	sim_hist_init(h);
}

/* Widen the span to groups [@glo, @ghi] (which include the current span). */
static void hist_span(struct sim_hist *h, uint32_t glo, uint32_t ghi)
{
	uint32_t base = glo << SIM_HIST_SUB_BITS, n = (ghi - glo + 1) << SIM_HIST_SUB_BITS;
	uint64_t *b = calloc(n, sizeof(*b));

	if (!b) {
		fprintf(stderr, "skbsim: out of memory growing a histogram to %u buckets\n",
			(unsigned)n);
		abort();
	}
	if (h->bucket)
		memcpy(b + (h->base - base), h->bucket, (size_t)h->nbuckets * sizeof(*b));
	free(h->bucket);
	h->bucket = b;
	h->base = base;
	h->nbuckets = n;
}

void sim_hist_grow(struct sim_hist *h, uint32_t ix)
{
	uint32_t g = ix >> SIM_HIST_SUB_BITS, glo = g, ghi = g;

	SIM_BUG_ON(ix >= SIM_HIST_BUCKETS);
	if (ix - h->base < h->nbuckets)
		return;
	if (h->nbuckets) {
		uint32_t lo = h->base >> SIM_HIST_SUB_BITS;
		uint32_t hi = lo + (h->nbuckets >> SIM_HIST_SUB_BITS) - 1;

		glo = g < lo ? g : lo;
		ghi = g > hi ? g : hi;
	}
	hist_span(h, glo, ghi);
}

void sim_hist_bucket_range(uint32_t ix, uint64_t *lo, uint64_t *hi)
{
	uint32_t group = ix >> SIM_HIST_SUB_BITS, shift;

	SIM_BUG_ON(ix >= SIM_HIST_BUCKETS);
	if (group == 0) {
		*lo = *hi = ix;
		return;
	}
	shift = group - 1;
	*lo = (uint64_t)(SIM_HIST_SUB + (ix & (SIM_HIST_SUB - 1))) << shift;
	*hi = *lo + ((1ull << shift) - 1);
}

uint64_t sim_hist_bucket_count(const struct sim_hist *h, uint32_t ix)
{
	SIM_BUG_ON(ix >= SIM_HIST_BUCKETS);
	return ix - h->base < h->nbuckets ? h->bucket[ix - h->base] : 0;
}

void sim_hist_merge(struct sim_hist *dst, const struct sim_hist *src)
{
	if (!src->count)
		return;
	dst->count += src->count;
	dst->sum += src->sum;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	if (!src->nbuckets)
		return;
	sim_hist_grow(dst, src->base);
	sim_hist_grow(dst, src->base + src->nbuckets - 1);
	for (uint32_t i = 0; i < src->nbuckets; i++)
		dst->bucket[src->base - dst->base + i] += src->bucket[i];
}

/*
 * ceil(@q * @count) as a rank in [1, count], treating a product within a few
 * ulps of an integer as that integer (0.99 * 100 is 99, not 100).
 */
static uint64_t nearest_rank(double q, uint64_t count)
{
	double r = q * (double)count, ri = nearbyint(r);
	uint64_t rank;

	if (fabs(r - ri) <= 4 * DBL_EPSILON * r)
		r = ri;
	r = ceil(r);
	if (r < 1)
		return 1;
	if (r >= (double)count)
		return count;
	rank = (uint64_t)r;
	return rank;
}

uint64_t sim_hist_quantile(const struct sim_hist *h, double q)
{
	uint64_t rank, seen = 0, lo, hi, mid;
	uint32_t i;

	if (!h->count)
		return 0;
	if (!(q > 0))
		q = 0;
	if (q > 1)
		q = 1;
	rank = nearest_rank(q, h->count);
	/* The extreme ranks are known exactly. */
	if (rank == 1)
		return h->min;
	if (rank == h->count)
		return h->max;
	/* Buckets outside the span hold no sample; 1 < rank < count lies inside it. */
	for (i = 0; i < h->nbuckets - 1; i++) {
		seen += h->bucket[i];
		if (seen >= rank)
			break;
	}
	sim_hist_bucket_range(h->base + i, &lo, &hi);
	mid = lo + (hi - lo) / 2;
	if (mid < h->min)
		return h->min;
	if (mid > h->max)
		return h->max;
	return mid;
}

double sim_hist_mean(const struct sim_hist *h)
{
	return h->count ? h->sum / (double)h->count : 0;
}

void sim_level_init(struct sim_level *l, sim_time_t now)
{
	l->cur = 0;
	l->max = 0;
	l->last = now;
	l->start = now;
	l->area = 0;
}

void sim_level_reset(struct sim_level *l, sim_time_t now)
{
	SIM_BUG_ON(now < l->last);
	l->area = 0;
	l->last = now;
	l->start = now;
	l->max = l->cur;
}

double sim_level_mean(const struct sim_level *l, sim_time_t now)
{
	double span;

	SIM_BUG_ON(now < l->last);
	span = (double)(now - l->start);
	if (span <= 0)
		return (double)l->cur;
	return (l->area + (double)l->cur * (double)(now - l->last)) / span;
}
