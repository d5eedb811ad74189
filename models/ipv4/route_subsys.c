/*
 * models/ipv4/route_subsys.c - routes and neighbours as a subsystem
 * (models/subsys.h): a host's routing table (connected and local routes of
 * its devices' addresses, `routes:`, `routes_file:`) and ARP table (`neigh:`),
 * built after the devices (fib_add_ifaddr needs their addresses), and the
 * neighbour table's file (`ip neigh show`).
 */
#include <stdlib.h>

#include "models/core/neigh.h"
#include "models/ipv4/arp.h"
#include "models/ipv4/route.h"
#include "models/subsys.h"

static int route_subsys_init(struct host *h, const struct cfg_node *n, struct sim_error *err)
{
	const struct cfg_node *neigh;

	h->fib = calloc(1, sizeof(*h->fib));
	h->neigh = calloc(1, sizeof(*h->neigh));
	if (!h->fib || !h->neigh)
		return cfg_error(n, err, "out of memory");
	h->neigh->ops = &arp_generic_ops;
	if (cfg_get_seq(n, "neigh", &neigh, err) || fib_add_connected(h, err) ||
	    fib_parse(h, n, err) || neigh_parse(h, neigh, err))
		return -1;
	return 0;
}

static void route_subsys_release(struct host *h)
{
	if (h->fib)
		fib_table_release(h->fib);
	free(h->fib);
	free(h->neigh);
}

/* Packets queued on unresolved neighbours (unres_qlen_bytes of small frames, four entries). */
static uint64_t route_subsys_skb_pool_need(const struct host *h)
{
	return h->sysctl.unres_qlen_bytes / 768 * 4;
}

static void fn_neigh(const void *a, FILE *f)
{
	neigh_write(a, f);
}

static int route_subsys_files(const struct host *h, struct host_files *out, struct sim_error *err)
{
	return out->emit(out, 90, "neigh", fn_neigh, h, err);
}

static const char *const route_files[] = { "neigh", NULL };

const struct host_subsys_ops route_subsys = {
	.name = "route",
	.init = route_subsys_init,
	.release = route_subsys_release,
	.skb_pool_need = route_subsys_skb_pool_need,
	.files = route_subsys_files,
	.file_names = route_files,
};
