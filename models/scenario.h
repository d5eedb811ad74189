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
void world_free(struct world *w);

/* Run to the end; afterwards the conservation law is checked (a bug aborts). */
void world_run(struct world *w);

/* offered == delivered + dropped + in flight, and per-host drop sums agree. */
bool world_conserved(const struct world *w);

#endif
