/*
 * models/lib/dql.c - dynamic queue limits (lib/dynamic_queue_limits.c).
 *
 * See models/lib/dql.h.
 */
#include <stdbool.h>

#include "models/lib/dql.h"
#include "sim/error.h"

/* POSDIFF(A, B): A - B when positive, else 0 (32-bit, wrapping like the kernel's). */
static uint32_t posdiff(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0 ? a - b : 0;
}

/* AFTER_EQ(A, B): A is at or after B in wrapping 32-bit order. */
static int after_eq(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) >= 0;
}

void dql_init(struct dql *dql, uint32_t min_limit, uint32_t max_limit, uint32_t hold_jiffies,
	      uint64_t now_jiffies)
{
	*dql = (struct dql){ 0 };
	dql->max_limit = max_limit;
	dql->min_limit = min_limit;
	dql->slack_hold_time = hold_jiffies;
	/* dql_reset */
	dql->limit = min_limit;
	dql->lowest_slack = UINT32_MAX;
	dql->slack_start_time = now_jiffies;
	dql->last_reap = now_jiffies;
	dql->history_head = now_jiffies / DQL_HIST_BITS;
	/* adj_limit stays 0 until the first completion: the first frame stops the stack */
}

void dql_set_stall_thrs(struct dql *dql, uint16_t thrs_jiffies, uint64_t now)
{
	if (!dql->stall_thrs && thrs_jiffies)
		dql->last_reap = now;
	dql->stall_thrs = thrs_jiffies;
}

static uint64_t *hist_ent(struct dql *dql, uint64_t idx)
{
	return &dql->history[idx % DQL_HIST_LEN];
}

void dql_queue_stall(struct dql *dql, uint64_t now)
{
	uint64_t now_hi = now / DQL_HIST_BITS;

	if (now_hi != dql->history_head) {
		/* about to reuse words: clear those between the old head and now */
		for (uint64_t i = 0; i < DQL_HIST_LEN; i++) {
			if (now_hi == dql->history_head + i)
				break;
			*hist_ent(dql, dql->history_head + i + 1) = 0;
		}
		dql->history_head = now_hi;
	}
	*hist_ent(dql, now_hi) |= 1ull << (now % DQL_HIST_BITS);
}

static bool hist_test(const struct dql *dql, uint64_t t)
{
	uint64_t bit = t % (DQL_HIST_LEN * DQL_HIST_BITS);

	return dql->history[bit / DQL_HIST_BITS] >> (bit % DQL_HIST_BITS) & 1;
}

/*
 * dql_check_stall: at least stall_thrs jiffies since the previous
 * completion, and something queued since then but at least stall_thrs / 2
 * ago: a stall of now - (that jiffy).
 */
static void dql_check_stall(struct dql *dql, uint64_t now)
{
	uint64_t start, end, t;

	if (!dql->stall_thrs)
		return;
	if (now >= dql->last_reap + dql->stall_thrs) {
		start = (dql->history_head - DQL_HIST_LEN + 1) * DQL_HIST_BITS;
		if (start < dql->last_reap + 1 || dql->history_head + 1 < DQL_HIST_LEN)
			start = dql->last_reap + 1;
		end = dql->history_head * DQL_HIST_BITS + (DQL_HIST_BITS - 1);
		if (now < end + dql->stall_thrs / 2)
			end = now - dql->stall_thrs / 2;
		for (t = start; t <= end; t++)
			if (hist_test(dql, t))
				break;
		if (t <= end) {
			/* max_t(unsigned short, ...): the length is truncated to 16 bits */
			uint16_t len = (uint16_t)(now - t);

			dql->stall_cnt++;
			if (len > dql->stall_max)
				dql->stall_max = len;
		}
	}
	dql->last_reap = now;
}

/* The queue ran dry while over its limit: grow by what it could have sent. */
static uint32_t dql_starved(struct dql *dql, uint32_t limit, uint32_t completed, uint64_t now)
{
	limit += posdiff(completed, dql->prev_num_queued) + dql->prev_ovlimit;
	dql->slack_start_time = now;
	dql->lowest_slack = UINT32_MAX;
	return limit;
}

/* The queue stayed busy: shrink by the smallest slack held for slack_hold_time. */
static uint32_t dql_slack(struct dql *dql, uint32_t limit, uint32_t completed, uint64_t now)
{
	uint32_t slack = posdiff(limit + dql->prev_ovlimit, 2 * (completed - dql->num_completed));
	uint32_t slack_last_objs =
		dql->prev_ovlimit ? posdiff(dql->prev_last_obj_cnt, dql->prev_ovlimit) : 0;

	if (slack_last_objs > slack)
		slack = slack_last_objs;
	if (slack < dql->lowest_slack)
		dql->lowest_slack = slack;
	if (now > dql->slack_start_time + dql->slack_hold_time) { /* time_after */
		limit = posdiff(limit, dql->lowest_slack);
		dql->slack_start_time = now;
		dql->lowest_slack = UINT32_MAX;
	}
	return limit;
}

void dql_completed(struct dql *dql, uint32_t count, uint64_t now_jiffies)
{
	uint32_t num_queued = dql->num_queued, completed, limit, ovlimit, inprogress;
	uint32_t prev_inprogress;
	int all_prev_completed;

	SIM_BUG_ON(count > num_queued - dql->num_completed);
	completed = dql->num_completed + count;
	limit = dql->limit;
	ovlimit = posdiff(num_queued - dql->num_completed, limit);
	inprogress = num_queued - completed;
	prev_inprogress = dql->prev_num_queued - dql->num_completed;
	all_prev_completed = after_eq(completed, dql->prev_num_queued);

	if ((ovlimit && !inprogress) || (dql->prev_ovlimit && all_prev_completed))
		limit = dql_starved(dql, limit, completed, now_jiffies);
	else if (inprogress && prev_inprogress && !all_prev_completed)
		limit = dql_slack(dql, limit, completed, now_jiffies);

	if (limit < dql->min_limit)
		limit = dql->min_limit;
	if (limit > dql->max_limit)
		limit = dql->max_limit;
	if (limit != dql->limit) {
		dql->limit = limit;
		ovlimit = 0;
	}
	dql->adj_limit = limit + completed;
	dql->prev_ovlimit = ovlimit;
	dql->prev_last_obj_cnt = dql->last_obj_cnt;
	dql->num_completed = completed;
	dql->prev_num_queued = num_queued;
	dql_check_stall(dql, now_jiffies);
}
