/*
 * models/report/pcap_subsys.c - capture files as a subsystem
 * (models/subsys.h): a host's `drops_pcap:` capture (taps' `pcap:` are made
 * with their tap), the check that no capture takes a host directory's name,
 * and freeing the world's list of captures (models/report/pcap_out.h).
 */
#include "models/report/pcap_out.h"
#include "models/subsys.h"

static int pcap_subsys_init(struct host *h, const struct cfg_node *n, struct sim_error *err)
{
	if (!cfg_has(n, "drops_pcap"))
		return 0;
	return pcap_out_create(h->w, h, n, "drops_pcap", true, &h->drops_pcap, err);
}

static int pcap_subsys_world_init(struct world *w, const struct cfg_node *root,
				  struct sim_error *err)
{
	(void)root;
	return pcap_out_check_names(w, err);
}

const struct host_subsys_ops pcap_subsys = {
	.name = "pcap",
	.init = pcap_subsys_init,
	.world_init = pcap_subsys_world_init,
	.world_release = pcap_out_free_all,
};
