/*
 * models/lib/dql.h - dynamic queue limits, the algorithm behind BQL.
 *
 * Kernel reference: lib/dynamic_queue_limits.c (dql_completed, dql_reset,
 * dql_init), include/linux/dynamic_queue_limits.h (dql_queued, dql_avail),
 * include/linux/netdevice.h (netdev_tx_sent_queue,
 * netdev_tx_completed_queue).
 *
 * The driver adds each frame's bytes when it posts it (dql_queued) and the
 * bytes it cleaned at each completion (dql_completed). The stack may send
 * while dql_avail() >= 0. At each completion the limit grows when the queue
 * ran dry while over its limit (starvation: by the bytes completed beyond
 * what was queued at the last completion plus the previous over-limit), and
 * shrinks by the smallest slack seen over slack_hold_time when the queue
 * stayed busy; it is clamped to [min_limit, max_limit].
 *
 * Stall detection (6.9+, off unless stall_thrs is set): dql_queued marks the
 * jiffy of each queuing in a 256-jiffy bitmap; each completion looks for a
 * jiffy, since the previous completion and at least stall_thrs / 2 ago, in
 * which something was queued; when the gap since the previous completion is
 * at least stall_thrs it counts a stall (stall_cnt) and keeps the longest
 * (stall_max, jiffies since that queuing).
 *
 * Counters are 32-bit like the kernel's and wrap the same way; jiffies are
 * 64-bit (BITS_PER_LONG 64).
 */
#ifndef MODELS_DQL_H
#define MODELS_DQL_H

#include <stdint.h>

#define DQL_MAX_OBJECT (UINT32_MAX / 16)
#define DQL_MAX_LIMIT  ((UINT32_MAX / 2) - DQL_MAX_OBJECT)
#define DQL_HIST_LEN   4  /* history words */
#define DQL_HIST_BITS  64 /* BITS_PER_LONG */

struct dql {
	/* fields the enqueue side writes */
	uint32_t num_queued;		/* bytes: total ever queued */
	uint32_t adj_limit;		/* bytes: limit + num_completed */
	uint32_t last_obj_cnt;		/* bytes: the last frame queued */
	uint16_t stall_thrs;		/* jiffies: stall threshold, 0 = detection off */
	uint64_t history_head;		/* jiffies / 64 of the newest history word */
	uint64_t history[DQL_HIST_LEN]; /* a bit per jiffy in which something was queued */
	/* fields the completion side writes */
	uint32_t limit;		    /* bytes: the current limit */
	uint32_t num_completed;	    /* bytes: total ever completed */
	uint32_t prev_ovlimit;	    /* bytes: over-limit at the previous completion */
	uint32_t prev_num_queued;   /* bytes: num_queued at the previous completion */
	uint32_t prev_last_obj_cnt; /* bytes: last_obj_cnt at the previous completion */
	uint32_t lowest_slack;	    /* bytes: smallest slack in this hold period */
	uint64_t slack_start_time;  /* jiffies: start of the hold period */
	/* configuration */
	uint32_t max_limit;	  /* bytes: limit_max */
	uint32_t min_limit;	  /* bytes: limit_min */
	uint32_t slack_hold_time; /* jiffies: hold_time */
	/* stall detection results */
	uint16_t stall_max; /* jiffies: longest stall detected */
	uint64_t last_reap; /* jiffies: last completion */
	uint64_t stall_cnt; /* stalls detected */
};

/*
 * dql_init + dql_reset: limits [min_limit, max_limit], hold time in jiffies,
 * an empty queue. As in the kernel adj_limit starts at 0, so the first frame
 * queued stops the stack until the first completion.
 */
void dql_init(struct dql *dql, uint32_t min_limit, uint32_t max_limit, uint32_t hold_jiffies,
	      uint64_t now_jiffies);

/* dql_queue_stall: mark jiffy @now in the history, clearing the words it reuses. */
void dql_queue_stall(struct dql *dql, uint64_t now);

/* dql_queued: @count bytes were posted at jiffy @now. */
static inline void dql_queued(struct dql *dql, uint32_t count, uint64_t now)
{
	dql->last_obj_cnt = count;
	dql->num_queued += count;
	if (dql->stall_thrs)
		dql_queue_stall(dql, now);
}

/*
 * Writing byte_queue_limits/stall_thrs: @thrs_jiffies (msecs_to_jiffies of
 * the milliseconds written), 0 turns detection off.
 */
void dql_set_stall_thrs(struct dql *dql, uint16_t thrs_jiffies, uint64_t now);

/* dql_avail: bytes that may still be queued; negative: the stack must stop. */
static inline int32_t dql_avail(const struct dql *dql)
{
	return (int32_t)(dql->adj_limit - dql->num_queued);
}

/* dql_completed: @count bytes completed at time @now_jiffies; adapts the limit. */
void dql_completed(struct dql *dql, uint32_t count, uint64_t now_jiffies);

#endif
