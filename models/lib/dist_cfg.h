/*
 * models/lib/dist_cfg.h - distributions written in scenarios.
 *
 * A value is either a scalar (a constant: "2us", "1000") or a mapping:
 *   {dist: constant,    value: V}
 *   {dist: uniform,     min: A, max: B}
 *   {dist: exponential, mean: M}
 *   {dist: normal,      mean: M, stddev: S}      (truncated at 0)
 *   {dist: lognormal,   mean: M, stddev: S}      (of the value itself)
 *   {dist: pareto,      scale: A, shape: K}
 *   {dist: empirical,   values: [V...], weights: [W...]}
 * Times take time units; sizes take byte sizes and also the preset "imix"
 * (64, 594 and 1518-byte frames weighted 7:4:1, the classic simple IMIX).
 */
#ifndef MODELS_DIST_CFG_H
#define MODELS_DIST_CFG_H

#include "sim/cfg.h"
#include "sim/rng.h"

/* A distribution of times in ps; missing → constant @def_ps. */
int cfg_get_dist_time(const struct cfg_node *map, const char *key, struct sim_dist *d,
		      sim_time_t def_ps, struct sim_error *err);
/* A distribution of sizes in bytes within [@min, @max]; missing → constant @def. */
int cfg_get_dist_size(const struct cfg_node *map, const char *key, struct sim_dist *d, uint64_t def,
		      uint64_t min, uint64_t max, struct sim_error *err);

#endif
