/*
 * models/costs.h - the CPU cost table: defaults with sources, scenario overrides.
 */
#ifndef MODELS_COSTS_H
#define MODELS_COSTS_H

#include "sim/cfg.h"
#include "models/world.h"

/* The documented defaults (docs/model.md "Costs"). */
void costs_default(struct costs *k);
/* Apply the scenario's `costs:` mapping (may be NULL). */
int costs_parse(struct costs *k, const struct cfg_node *n, struct sim_error *err);

#endif
