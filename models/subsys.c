/*
 * models/subsys.c - the registry of subsystems (models/subsys.h).
 *
 * One line per subsystem, in initialisation order (the order host_create()
 * built a host in before the table existed: captures, CPUs, IPv4's
 * per-namespace state, devices, routes and neighbours, netfilter, sockets,
 * applications; then the world-level traffic sources and the report's
 * cross-cutting sections). Release runs in reverse.
 */
#include <stddef.h>
#include <string.h>

#include "models/subsys.h"
#include "sim/error.h"

const struct host_subsys_ops *const host_subsys[] = {
	&pcap_subsys,	  /* drops_pcap, capture names */
	&cpu_subsys,	  /* CPUs, softnet_data, RFS table */
	&inet_subsys,	  /* reassembly, ICMP and autobind streams, SNMP */
	&netdev_subsys,	  /* nics, vlans, bridges, lo */
	&route_subsys,	  /* routes, neighbours */
	&nf_subsys,	  /* sets, iptables, conntrack */
	&sock_subsys,	  /* sockets, taps, xsks */
	&app_subsys,	  /* apps */
	&traffic_subsys,  /* traffic sources (world), ICMP peer tables */
	&skb_subsys,	  /* the skb pool (its default needs every host), packet accounting */
	&queues_subsys,	  /* the report's queue table */
	&headroom_subsys, /* the report's headroom section */
	NULL,
};

size_t subsys_count(const struct host_subsys_ops *const *t)
{
	size_t n = 0;

	while (t[n])
		n++;
	SIM_BUG_ON(n > SUBSYS_MAX);
	return n;
}

static int rank_at(const struct host_subsys_ops *ops, size_t off)
{
	int r;

	memcpy(&r, (const char *)ops + off, sizeof(r));
	return r;
}

size_t subsys_by_rank(const struct host_subsys_ops *const *t, size_t rank_off,
		      bool (*has)(const struct host_subsys_ops *ops),
		      const struct host_subsys_ops **out)
{
	size_t n = 0;

	/* insertion sort: stable, so equal ranks keep table order */
	for (size_t i = 0; t[i]; i++) {
		size_t j = n++;

		if (!has(t[i])) {
			n--;
			continue;
		}
		while (j && rank_at(out[j - 1], rank_off) > rank_at(t[i], rank_off)) {
			out[j] = out[j - 1];
			j--;
		}
		out[j] = t[i];
	}
	return n;
}

static bool in_list(const char *const *l, const char *name, bool prefix)
{
	for (size_t i = 0; l && l[i]; i++)
		if (prefix ? !strncmp(name, l[i], strlen(l[i])) : !strcmp(name, l[i]))
			return true;
	return false;
}

bool subsys_host_file_known(const struct host_subsys_ops *const *t, const char *name)
{
	for (size_t i = 0; t[i]; i++)
		if (in_list(t[i]->file_names, name, false) ||
		    in_list(t[i]->file_prefixes, name, true))
			return true;
	return false;
}
