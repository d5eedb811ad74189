/*
 * models/lib/net_dim.c - net DIM (lib/dim) and ixgbe's adaptive ITR.
 *
 * See models/lib/net_dim.h for the model, references and simplifications. The
 * functions keep the kernel's names and order so they can be read side by
 * side with lib/dim/net_dim.c, lib/dim/dim.c and ixgbe_main.c.
 */
#include <stdlib.h>

#include "models/lib/net_dim.h"

/* lib/dim/net_dim.c NET_DIM_RX_EQE_PROFILES and NET_DIM_RX_CQE_PROFILES. */
static const struct dim_cq_moder
	rx_profile[DIM_CQ_PERIOD_NUM_MODES][NET_DIM_PARAMS_NUM_PROFILES] = {
		{ { 1, 256 }, { 8, 256 }, { 64, 256 }, { 128, 256 }, { 256, 256 } },
		{ { 2, 256 }, { 8, 128 }, { 16, 64 }, { 32, 64 }, { 64, 64 } },
	};

#define NET_DIM_DEF_PROFILE_CQE 1
#define NET_DIM_DEF_PROFILE_EQE 1

struct dim_cq_moder net_dim_get_rx_moderation(uint8_t mode, int ix)
{
	return rx_profile[mode][ix];
}

uint8_t net_dim_def_profile_ix(uint8_t mode)
{
	return mode == DIM_CQ_PERIOD_MODE_START_FROM_CQE ? NET_DIM_DEF_PROFILE_CQE
							 : NET_DIM_DEF_PROFILE_EQE;
}

void dim_init(struct dim *dim, uint8_t mode)
{
	*dim = (struct dim){ .mode = mode, .profile_ix = net_dim_def_profile_ix(mode) };
}

/* include/linux/dim.h: a difference of more than 10 % of a non-zero reference. */
static bool is_significant_diff(int val, int ref)
{
	return ref && (100UL * (unsigned long)abs(val - ref)) / (unsigned long)ref > 10;
}

/* ---- lib/dim/dim.c ---- */

static bool dim_on_top(const struct dim *dim)
{
	switch (dim->tune_state) {
	case DIM_PARKING_ON_TOP:
	case DIM_PARKING_TIRED:
		return true;
	case DIM_GOING_RIGHT:
		return dim->steps_left > 1 && dim->steps_right == 1;
	default: /* DIM_GOING_LEFT */
		return dim->steps_right > 1 && dim->steps_left == 1;
	}
}

static void dim_turn(struct dim *dim)
{
	switch (dim->tune_state) {
	case DIM_GOING_RIGHT:
		dim->tune_state = DIM_GOING_LEFT;
		dim->steps_left = 0;
		break;
	case DIM_GOING_LEFT:
		dim->tune_state = DIM_GOING_RIGHT;
		dim->steps_right = 0;
		break;
	default:
		break;
	}
}

static void dim_park_on_top(struct dim *dim)
{
	dim->steps_right = 0;
	dim->steps_left = 0;
	dim->tired = 0;
	dim->tune_state = DIM_PARKING_ON_TOP;
}

static void dim_park_tired(struct dim *dim)
{
	dim->steps_right = 0;
	dim->steps_left = 0;
	dim->tune_state = DIM_PARKING_TIRED;
}

static uint64_t div_round_up(uint64_t a, uint64_t b)
{
	return (a + b - 1) / b;
}

/* dim_calc_stats(): rates per ms over the window; false when no microsecond passed. */
static bool dim_calc_stats(const struct dim_sample *start, const struct dim_sample *end,
			   struct dim_stats *curr)
{
	uint64_t delta_us = (uint64_t)((end->time - start->time) / SIM_US);
	uint32_t npkts = end->pkt_ctr - start->pkt_ctr;	   /* BIT_GAP(32, ...) */
	uint32_t nbytes = end->byte_ctr - start->byte_ctr; /* BIT_GAP(32, ...) */

	if (!delta_us)
		return false;
	curr->ppms = (int)div_round_up((uint64_t)npkts * 1000, delta_us);
	curr->bpms = (int)div_round_up((uint64_t)nbytes * 1000, delta_us);
	curr->epms = (int)div_round_up((uint64_t)DIM_NEVENTS * 1000, delta_us);
	return true;
}

/* ---- lib/dim/net_dim.c ---- */

static int net_dim_step(struct dim *dim)
{
	if (dim->tired == NET_DIM_PARAMS_NUM_PROFILES * 2)
		return DIM_TOO_TIRED;
	switch (dim->tune_state) {
	case DIM_PARKING_ON_TOP:
	case DIM_PARKING_TIRED:
		break;
	case DIM_GOING_RIGHT:
		if (dim->profile_ix == NET_DIM_PARAMS_NUM_PROFILES - 1)
			return DIM_ON_EDGE;
		dim->profile_ix++;
		dim->steps_right++;
		break;
	case DIM_GOING_LEFT:
		if (dim->profile_ix == 0)
			return DIM_ON_EDGE;
		dim->profile_ix--;
		dim->steps_left++;
		break;
	}
	dim->tired++;
	return DIM_STEPPED;
}

static void net_dim_exit_parking(struct dim *dim)
{
	dim->tune_state = dim->profile_ix ? DIM_GOING_LEFT : DIM_GOING_RIGHT;
	net_dim_step(dim);
}

/* More bytes, then more packets, then fewer interrupts per ms is better. */
static int net_dim_stats_compare(const struct dim_stats *curr, const struct dim_stats *prev)
{
	if (!prev->bpms)
		return curr->bpms ? DIM_STATS_BETTER : DIM_STATS_SAME;
	if (is_significant_diff(curr->bpms, prev->bpms))
		return curr->bpms > prev->bpms ? DIM_STATS_BETTER : DIM_STATS_WORSE;
	if (!prev->ppms)
		return curr->ppms ? DIM_STATS_BETTER : DIM_STATS_SAME;
	if (is_significant_diff(curr->ppms, prev->ppms))
		return curr->ppms > prev->ppms ? DIM_STATS_BETTER : DIM_STATS_WORSE;
	if (!prev->epms)
		return DIM_STATS_SAME;
	if (is_significant_diff(curr->epms, prev->epms))
		return curr->epms < prev->epms ? DIM_STATS_BETTER : DIM_STATS_WORSE;
	return DIM_STATS_SAME;
}

static void net_dim_decide_moving(struct dim *dim, const struct dim_stats *curr)
{
	if (net_dim_stats_compare(curr, &dim->prev_stats) != DIM_STATS_BETTER)
		dim_turn(dim);
	if (dim_on_top(dim)) {
		dim_park_on_top(dim);
		return;
	}
	switch (net_dim_step(dim)) {
	case DIM_ON_EDGE:
		dim_park_on_top(dim);
		break;
	case DIM_TOO_TIRED:
		dim_park_tired(dim);
		break;
	}
}

static bool net_dim_decision(const struct dim_stats *curr, struct dim *dim)
{
	uint8_t prev_state = dim->tune_state;
	uint8_t prev_ix = dim->profile_ix;

	switch (dim->tune_state) {
	case DIM_PARKING_ON_TOP:
		if (net_dim_stats_compare(curr, &dim->prev_stats) != DIM_STATS_SAME)
			net_dim_exit_parking(dim);
		break;
	case DIM_PARKING_TIRED:
		dim->tired--;
		if (!dim->tired)
			net_dim_exit_parking(dim);
		break;
	case DIM_GOING_RIGHT:
	case DIM_GOING_LEFT:
		net_dim_decide_moving(dim, curr);
		break;
	}
	if (prev_state != DIM_PARKING_ON_TOP || dim->tune_state != DIM_PARKING_ON_TOP)
		dim->prev_stats = *curr;
	return dim->profile_ix != prev_ix;
}

bool net_dim(struct dim *dim, const struct dim_sample *end_sample)
{
	struct dim_stats curr;
	uint16_t nevents;

	switch (dim->state) {
	case DIM_MEASURE_IN_PROGRESS:
		nevents = (uint16_t)(end_sample->event_ctr - dim->start_sample.event_ctr);
		if (nevents < DIM_NEVENTS || !dim_calc_stats(&dim->start_sample, end_sample, &curr))
			return false;
		if (net_dim_decision(&curr, dim)) {
			dim->state = DIM_APPLY_NEW_PROFILE;
			return true;
		}
		/* fall through: start the next window */
		dim->start_sample = *end_sample;
		return false;
	case DIM_START_MEASURE:
		dim->start_sample = *end_sample;
		dim->state = DIM_MEASURE_IN_PROGRESS;
		return false;
	default: /* DIM_APPLY_NEW_PROFILE: the work item has not run */
		return false;
	}
}

void dim_work_done(struct dim *dim)
{
	dim->state = DIM_START_MEASURE;
}

/* ---- ixgbe adaptive ITR (ixgbe_main.c) ---- */

void ixgbe_ring_container_init(struct ixgbe_ring_container *rc)
{
	*rc = (struct ixgbe_ring_container){
		.itr = IXGBE_ITR_ADAPTIVE_MAX_USECS | IXGBE_ITR_ADAPTIVE_LATENCY,
	};
}

/* Raise the current interval by the minimum increment, at most MAX_USECS. */
static unsigned ixgbe_itr_inc(uint32_t q_itr)
{
	unsigned itr = (q_itr >> 2) + IXGBE_ITR_ADAPTIVE_MIN_INC;

	return itr > IXGBE_ITR_ADAPTIVE_MAX_USECS ? IXGBE_ITR_ADAPTIVE_MAX_USECS : itr;
}

/* adjust_by_size: ITR ~ (170 * (size + 24)) / (size + 640), scaled for the link speed. */
static unsigned ixgbe_itr_by_size(unsigned itr, uint32_t bytes, uint32_t packets, double speed_bps)
{
	unsigned avg_wire_size = bytes / packets;

	if (avg_wire_size <= 60)
		avg_wire_size = 5120; /* start at 50K ints/s */
	else if (avg_wire_size <= 316)
		avg_wire_size = avg_wire_size * 40 + 2720; /* 50K to 16K ints/s */
	else if (avg_wire_size <= 1084)
		avg_wire_size = avg_wire_size * 15 + 11452; /* 16K to 9.2K ints/s */
	else if (avg_wire_size < 1968)
		avg_wire_size = avg_wire_size * 5 + 22420; /* 9.2K to 8K ints/s */
	else
		avg_wire_size = 32256; /* plateau at 8K ints/s */
	if (itr & IXGBE_ITR_ADAPTIVE_LATENCY)
		avg_wire_size >>= 1;
	if (speed_bps <= 2.5e9 && speed_bps != 100e6) { /* 2.5G, 1G, 10M */
		if (avg_wire_size > 8064)
			avg_wire_size = 8064;
		return itr +
		       (unsigned)div_round_up(avg_wire_size, IXGBE_ITR_ADAPTIVE_MIN_INC * 64) *
			       IXGBE_ITR_ADAPTIVE_MIN_INC;
	}
	return itr + (unsigned)div_round_up(avg_wire_size, IXGBE_ITR_ADAPTIVE_MIN_INC * 256) *
			     IXGBE_ITR_ADAPTIVE_MIN_INC;
}

/* ixgbe_update_itr() for the RX ring container. */
static void ixgbe_update_itr(struct ixgbe_ring_container *rc, uint32_t q_itr, uint64_t jiffies,
			     double speed_bps)
{
	unsigned itr = IXGBE_ITR_ADAPTIVE_MIN_USECS | IXGBE_ITR_ADAPTIVE_LATENCY;
	uint32_t packets = rc->total_packets, bytes = rc->total_bytes;

	/* no update within 1-2 jiffies: too slow to matter, or NAPI is polling */
	if (jiffies > rc->next_update)
		goto clear_counts;
	if (!packets) {
		itr = ixgbe_itr_inc(q_itr) + (rc->itr & IXGBE_ITR_ADAPTIVE_LATENCY);
		goto clear_counts;
	}
	if (packets < 4 && bytes < 9000) {
		itr = ixgbe_itr_by_size(IXGBE_ITR_ADAPTIVE_LATENCY, bytes, packets, speed_bps);
		goto clear_counts;
	}
	if (packets < 48) {
		itr = ixgbe_itr_inc(q_itr);
		goto clear_counts;
	}
	if (packets < 96) {
		itr = q_itr >> 2;
		goto clear_counts;
	}
	if (packets < 256) {
		itr = q_itr >> 3;
		if (itr < IXGBE_ITR_ADAPTIVE_MIN_USECS)
			itr = IXGBE_ITR_ADAPTIVE_MIN_USECS;
		goto clear_counts;
	}
	itr = ixgbe_itr_by_size(IXGBE_ITR_ADAPTIVE_BULK, bytes, packets, speed_bps);
clear_counts:
	rc->itr = (uint8_t)itr;
	rc->next_update = jiffies + 1;
	rc->total_bytes = 0;
	rc->total_packets = 0;
}

uint32_t ixgbe_set_itr(struct ixgbe_ring_container *rc, uint32_t q_itr, uint64_t jiffies,
		       double speed_bps)
{
	ixgbe_update_itr(rc, q_itr, jiffies, speed_bps);
	/* the smallest of the RX and (idle, not modelled) TX containers is RX's */
	return (uint32_t)(rc->itr & ~IXGBE_ITR_ADAPTIVE_LATENCY) << 2;
}
