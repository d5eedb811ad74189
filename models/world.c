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

int world_error_locate(const struct cfg_node *n, const struct sim_error *local,
		       struct sim_error *err)
{
	if (local->located || !n)
		return err->set ? -1 : (*err = *local, -1);
	return cfg_error(n, err, "%s", local->msg);
}

int host_each_item(struct host *h, const struct cfg_node *n, const char *key,
		   int (*one)(struct host *h, const struct cfg_node *item, struct sim_error *err),
		   struct sim_error *err)
{
	const struct cfg_node *l;

	if (cfg_get_seq(n, key, &l, err))
		return -1;
	for (uint32_t i = 0; l && i < l->n; i++) {
		struct sim_error local = { 0 };

		if (cfg_node_map(l->items[i], key, err))
			return -1;
		if (one(h, l->items[i], &local))
			return world_error_locate(l->items[i], &local, err);
	}
	return 0;
}

uint32_t cfg_seq_len(const struct cfg_node *n, const char *key)
{
	const struct cfg_node *l = cfg_get(n, key);

	return l && l->type == CFG_SEQ ? l->n : 0;
}

bool world_conserved(const struct world *w)
{
	uint64_t drops = 0;

	for (uint32_t i = 0; i < w->nhosts; i++)
		for (unsigned d = 0; d < DROP_POINTS_MAX; d++)
			drops += w->hosts[i]->drops[d];
	return drops == w->dropped && w->offered == w->delivered + w->consumed + w->transmitted +
							    w->dropped + world_in_flight(w);
}
