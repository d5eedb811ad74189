/*
 * models/dql.c - dynamic queue limits (lib/dynamic_queue_limits.c).
 *
 * See models/dql.h.
 */
#include "models/dql.h"
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
	/* adj_limit stays 0 until the first completion: the first frame stops the stack */
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
}
