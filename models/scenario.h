/*
 * models/scenario.h - building a world from a scenario, and running it.
 *
 * The scenario's top level: name, seed, duration, warmup, skb_pool, costs,
 * hosts (list), traffic (list). See docs/scenarios.md for every key.
 */
#ifndef MODELS_SCENARIO_H
#define MODELS_SCENARIO_H

#include "sim/cfg.h"
#include "sim/error.h"
#include "models/world.h"

/*
 * Build everything the scenario describes. @seed_override >= 0 replaces the
 * scenario's seed. NULL with @err set on bad input.
 */
struct world *world_create(const struct cfg *c, int64_t seed_override, struct sim_error *err);
/*
 * The same with the subsystem table @subsys (NULL: host_subsys[],
 * models/subsys.h), for tests that add a subsystem of their own.
 */
struct world *world_create_subsys(const struct cfg *c, int64_t seed_override,
				  const struct host_subsys_ops *const *subsys,
				  struct sim_error *err);
void world_free(struct world *w);

/* Run to the end; afterwards the conservation law is checked (a bug aborts). */
void world_run(struct world *w);

/*
 * The same in steps, for a run that may stop early (a signal, a wall-clock or
 * memory limit, a fuzzer's event budget): world_start() schedules the first
 * events; world_advance() runs events up to @until (at most to the end of the
 * run) and returns true once the end is reached, false when @until came first
 * or *w->q.stop was set; world_finish() closes the accounting at the end, or
 * at the time reached with @stop_reason (then the report says "complete":
 * false), and checks conservation (it holds between any two events).
 */
void world_start(struct world *w);
bool world_advance(struct world *w, sim_time_t until);
void world_finish(struct world *w, const char *stop_reason);

/* world_charge() and WORLD_MEM_MAX: models/world.h. */

/*
 * Roughly what a run will need: bytes of memory (the skb pool, CPUs, flow
 * tables) and events (offered packets times a measured events-per-packet
 * factor; an unpaced sender counts as 2 M datagrams a second). For
 * `skbsim check`, which warns about large runs.
 */
void world_estimate(const struct world *w, uint64_t *mem_bytes, double *events);

/* world_conserved(): models/world.h. */

#endif
