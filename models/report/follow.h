/*
 * models/report/follow.h - per-packet journeys (`skbsim run --follow N`):
 * chosen packets followed stage by stage, from birth to delivery or drop.
 *
 * Kernel analogue: pwru (tracing an skb through every kernel function it
 * passes, with its drop reason) and ftrace's function_graph on one packet's
 * path; here every stage of stages.md (R1-R24, T1-T16) it enters, with the
 * time, the CPU and host doing the work, and the time it waited in each
 * queue (the latency stages of docs/report.md).
 *
 * Contract:
 * - An observer only (models/core/observe.h): results do not change.
 * - Follows @count packets: the first born, then every @every-th born (a
 *   packet is born where it enters the simulation: a frame at a NIC, a
 *   datagram sent, an ARP frame, a reassembled datagram). A packet merged
 *   into a GRO or reassembly chain follows the chain's head.
 * - Memory is fixed at open: FOLLOW_MAX packets of FOLLOW_STEPS steps each;
 *   a longer journey keeps its first FOLLOW_STEPS - 1 steps and its end.
 */
#ifndef MODELS_REPORT_FOLLOW_H
#define MODELS_REPORT_FOLLOW_H

#include <stdint.h>
#include <stdio.h>

#include "sim/error.h"
#include "models/world.h"

#define FOLLOW_MAX   1000 /* packets at most */
#define FOLLOW_STEPS 96	  /* steps kept per packet */

struct follow;

/* Attach to @w before world_start(); NULL with @err set when out of memory. */
struct follow *follow_open(struct world *w, uint32_t count, uint64_t every, struct sim_error *err);
/* Write the journeys, in birth order, to @out: 0, or -1 when the write failed. */
int follow_write(const struct follow *f, FILE *out);
/* Detach from the world and free @f. @f may be NULL. */
void follow_free(struct follow *f);

#endif
