/*
 * models/lib/net_dim.h - adaptive interrupt moderation (ethtool -C adaptive-rx on).
 *
 * Two algorithms, each a driver's `dim` op (models/drivers/nic_drivers.c):
 *
 *  - net DIM, the kernel's library for mlx5-like drivers (lib/dim/net_dim.c,
 *    lib/dim/dim.c, include/linux/dim.h; the driver side in mlx5
 *    en_txrx.c mlx5e_napi_poll -> mlx5e_handle_rx_dim, en_dim.c). At the end
 *    of every completed NAPI poll the driver hands net_dim() a sample (time,
 *    packet, byte and interrupt counters). Every DIM_NEVENTS (64) interrupts
 *    net_dim() computes packets, bytes and interrupts per millisecond and
 *    compares them with the previous window (10 % is significant; more bytes,
 *    then more packets, then fewer interrupts is better). Its tune state walks
 *    the profile table right (more moderation) or left, turns when the
 *    stats did not improve, parks on top once it has bracketed the optimum,
 *    and parks "tired" after 2 * 5 steps without settling. A new profile is
 *    applied by the driver's work item (mlx5e_rx_dim_work), which also
 *    restarts the measurement.
 *  - ixgbe's adaptive ITR (drivers/net/ethernet/intel/ixgbe/ixgbe_main.c
 *    ixgbe_update_itr / ixgbe_set_itr, ixgbe.h IXGBE_ITR_ADAPTIVE_*): after
 *    each completed poll the packets and bytes received since the last update
 *    choose the next interrupt interval: under 4 packets and 9000 bytes is
 *    "latency" (sized from the average frame), under 48 raises the interval by
 *    2 us, 48-95 keeps it, 96-255 halves it, 256 and more is "bulk" (sized
 *    from the average frame, 8K-50K interrupts/s at 10 Gbit/s). No update for
 *    more than a jiffy resets it to 10 us (latency).
 *
 * Simplified: the DIM work item runs at once (no workqueue delay, no firmware
 * command cost); ixgbe's TX ring container is not updated (the vector's
 * interval follows its RX ring, as with a receive-only queue pair); the
 * kernel's 32-bit counters wrap as they do there.
 */
#ifndef MODELS_NET_DIM_H
#define MODELS_NET_DIM_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/event.h"

#define DIM_NEVENTS		    64 /* interrupts between two decisions */
#define NET_DIM_PARAMS_NUM_PROFILES 5

enum dim_state {
	DIM_START_MEASURE,	 /* the next sample starts a window */
	DIM_MEASURE_IN_PROGRESS, /* counting interrupts */
	DIM_APPLY_NEW_PROFILE,	 /* the work item is to apply profile_ix */
};

enum dim_tune_state {
	DIM_PARKING_ON_TOP, /* settled: leave when the stats change */
	DIM_PARKING_TIRED,  /* gave up for `tired` decisions */
	DIM_GOING_RIGHT,    /* towards more moderation */
	DIM_GOING_LEFT,	    /* towards less moderation */
};

enum dim_stats_state { DIM_STATS_WORSE, DIM_STATS_SAME, DIM_STATS_BETTER };
enum dim_step_result { DIM_STEPPED, DIM_TOO_TIRED, DIM_ON_EDGE };

/* cq_period_mode: the moderation timer starts at the first event or restarts at each CQE. */
enum dim_cq_period_mode {
	DIM_CQ_PERIOD_MODE_START_FROM_EQE,
	DIM_CQ_PERIOD_MODE_START_FROM_CQE,
	DIM_CQ_PERIOD_NUM_MODES,
};

/* One profile: the CQ moderation (rx-usecs, rx-frames). */
struct dim_cq_moder {
	uint16_t usec; /* us */
	uint16_t pkts; /* completions */
};

/* The counters at one instant (dim_update_sample). */
struct dim_sample {
	sim_time_t time;    /* ps */
	uint32_t pkt_ctr;   /* packets received, wrapping */
	uint32_t byte_ctr;  /* bytes received, wrapping */
	uint16_t event_ctr; /* interrupts (the CQ's event counter), wrapping */
};

/* Rates over one window (dim_calc_stats). */
struct dim_stats {
	int ppms; /* packets per ms */
	int bpms; /* bytes per ms */
	int epms; /* interrupts per ms */
};

struct dim {
	uint8_t state;			/* enum dim_state */
	struct dim_stats prev_stats;	/* the last window's rates */
	struct dim_sample start_sample; /* start of the current window */
	uint8_t profile_ix;		/* current profile */
	uint8_t mode;			/* enum dim_cq_period_mode */
	uint8_t tune_state;		/* enum dim_tune_state */
	uint8_t steps_right;		/* steps since turning right */
	uint8_t steps_left;		/* steps since turning left */
	uint8_t tired;			/* steps without parking */
};

/* The RX profile @ix of @mode (net_dim_get_rx_moderation). */
struct dim_cq_moder net_dim_get_rx_moderation(uint8_t mode, int ix);
/* The driver's starting profile (net_dim_get_def_rx_moderation: index 1). */
uint8_t net_dim_def_profile_ix(uint8_t mode);
/* A fresh state in @mode at the default profile (as mlx5e_open_rq leaves it). */
void dim_init(struct dim *dim, uint8_t mode);
/*
 * net_dim(): feed the sample taken at the end of a poll. Returns true when
 * a new profile is to be applied (state DIM_APPLY_NEW_PROFILE): the caller
 * applies profile_ix and calls dim_work_done().
 */
bool net_dim(struct dim *dim, const struct dim_sample *end_sample);
/* The work item applied the profile: the next sample starts a window. */
void dim_work_done(struct dim *dim);

/* ---- ixgbe adaptive ITR ---- */

#define IXGBE_ITR_ADAPTIVE_MIN_INC   2	  /* us */
#define IXGBE_ITR_ADAPTIVE_MIN_USECS 10	  /* us */
#define IXGBE_ITR_ADAPTIVE_MAX_USECS 126  /* us */
#define IXGBE_ITR_ADAPTIVE_LATENCY   0x80 /* flag in ring_container->itr */
#define IXGBE_ITR_ADAPTIVE_BULK	     0x00
#define IXGBE_20K_ITR		     200 /* q_vector->itr: 50 us, the start value */

/* struct ixgbe_ring_container (the RX side of a q_vector). */
struct ixgbe_ring_container {
	uint32_t total_bytes;	/* bytes since the last update */
	uint32_t total_packets; /* packets since the last update */
	uint8_t itr;		/* us | IXGBE_ITR_ADAPTIVE_LATENCY */
	uint64_t next_update;	/* jiffies: the update is stale after this */
};

/* ixgbe_alloc_q_vector's start: MAX_USECS | LATENCY. */
void ixgbe_ring_container_init(struct ixgbe_ring_container *rc);
/*
 * ixgbe_update_itr + ixgbe_set_itr for a vector with one RX ring: @q_itr is
 * q_vector->itr (us << 2), @jiffies now, @speed_bps the link speed. Returns
 * the new q_vector->itr.
 */
uint32_t ixgbe_set_itr(struct ixgbe_ring_container *rc, uint32_t q_itr, uint64_t jiffies,
		       double speed_bps);

#endif
