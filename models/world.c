/*
 * models/world.c - what every model may ask of the run it belongs to
 * (models/world.h): the load-time memory budget.
 */
#include "models/world.h"
#include "sim/cfg.h"
#include "sim/error.h"

int world_charge(struct world *w, const struct cfg_node *at, uint64_t bytes, struct sim_error *err)
{
	if (bytes <= WORLD_MEM_MAX - w->mem_charged) {
		w->mem_charged += bytes;
		return 0;
	}
	if (!at)
		return sim_error_set(err,
				     "the scenario's tables would need more than 2GiB of memory");
	return cfg_error(at, err, "the scenario's tables would need more than 2GiB of memory");
}
