/*
 * models/core/skb_subsys.c - the skb pool and the packet accounting as a
 * subsystem (models/subsys.h): the pool every skb of the run comes from
 * (`skb_pool`, by default what the hosts' queues may hold), the latency
 * histograms, and the report's packets, drops and latency sections.
 */
#include "models/core/skb.h"
#include "models/subsys.h"

/* The pool, once every host and source is built (its default needs them all). */
static int skb_subsys_world_late_init(struct world *w, const struct cfg_node *root,
				      struct sim_error *err)
{
	uint64_t def =
		w->skb_pool_need < SKB_POOL_DEFAULT_MAX ? w->skb_pool_need : SKB_POOL_DEFAULT_MAX;
	uint64_t pool;

	if (cfg_get_u64(root, "skb_pool", &pool, def, 16, SKB_POOL_MAX, err))
		return -1;
	if (world_charge(w, cfg_get(root, "skb_pool"), pool * (sizeof(struct sk_buff) + 4), err))
		return -1;
	if (sim_pool_init(&w->skb_pool, sizeof(struct sk_buff), (uint32_t)pool))
		return cfg_error(cfg_get(root, "skb_pool") ? cfg_get(root, "skb_pool") : root, err,
				 "out of memory");
	for (int i = 0; i < LAT_NR; i++)
		sim_hist_init(&w->lat[i]);
	sim_hist_init(&w->e2e);
	return 0;
}

static void skb_subsys_world_release(struct world *w)
{
	sim_pool_release(&w->skb_pool);
	for (int i = 0; i < LAT_NR; i++)
		sim_hist_release(&w->lat[i]);
	sim_hist_release(&w->e2e);
}

static void skb_subsys_world_estimate(const struct world *w, uint64_t *mem, double *pkts)
{
	(void)pkts;
	*mem += (uint64_t)w->skb_pool.cap * (sizeof(struct sk_buff) + sizeof(void *));
}

const struct host_subsys_ops skb_subsys = {
	.name = "skb",
	.world_late_init = skb_subsys_world_late_init,
	.world_release = skb_subsys_world_release,
	.world_estimate = skb_subsys_world_estimate,
};
