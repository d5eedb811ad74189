/*
 * models/ipv4/inet_subsys.c - IPv4's per-namespace state as a subsystem
 * (models/subsys.h; net/ipv4/af_inet.c ipv4_mib_init_net, icmp_sk_init,
 * ipv4_frags_init_net): the reassembly queues, the ICMP rate limit's and
 * autobind's random streams, the ICMP peer table, and the SNMP counters'
 * report (/proc/net/snmp, /proc/net/netstat).
 */
#include <stdlib.h>

#include "models/ipv4/icmp.h"
#include "models/ipv4/ip_fragment.h"
#include "models/subsys.h"

static int inet_subsys_init(struct host *h, const struct cfg_node *n, struct sim_error *err)
{
	char stream[64];

	if (ipfrag_init(h))
		return cfg_error(n, err, "out of memory");
	snprintf(stream, sizeof(stream), "icmp/%s", h->name);
	sim_rng_init(&h->icmp_rng, h->w->seed, stream);
	h->icmp_global_stamp = -(sim_time_t)h->hz;
	snprintf(stream, sizeof(stream), "autobind/%s", h->name);
	sim_rng_init(&h->port_rng, h->w->seed, stream);
	return 0;
}

static void inet_subsys_release(struct host *h)
{
	free(h->peers);
	ipfrag_release(h);
}

static void inet_subsys_estimate(const struct host *h, uint64_t *mem, double *pkts)
{
	(void)pkts;
	*mem += h->npeers_cap * sizeof(*h->peers);
}

const struct host_subsys_ops inet_subsys = {
	.name = "inet",
	.boot = icmp_init,
	.init = inet_subsys_init,
	.release = inet_subsys_release,
	.estimate = inet_subsys_estimate,
};
