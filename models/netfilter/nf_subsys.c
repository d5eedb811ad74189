/*
 * models/netfilter/nf_subsys.c - netfilter as a subsystem (models/subsys.h;
 * net/netfilter/nf_conntrack_core.c nf_conntrack_pernet_init): a host's
 * `sets:` (ipset) and `iptables:` rules, the connection tracking table when
 * a rule needs it, and their report (`iptables -L -v`, `conntrack -S`).
 */
#include <stdlib.h>

#include "models/netfilter/ip_set.h"
#include "models/netfilter/netfilter.h"
#include "models/netfilter/nf_conntrack.h"
#include "models/subsys.h"

/* A rule needs connection tracking: the table, sized by the host's sysctls. */
static int host_init_conntrack(struct host *h, const struct cfg_node *l, struct sim_error *err)
{
	const struct sysctls *s = &h->sysctl;
	struct nf_ct_params p = {
		s->nf_conntrack_max,
		s->nf_conntrack_buckets,
		s->nf_conntrack_udp_timeout,
		s->nf_conntrack_udp_timeout_stream,
		s->nf_conntrack_icmp_timeout,
		s->nf_conntrack_generic_timeout,
		h->hz,
		h->machine->ncpus,
	};

	if (!h->nf->ct_needed)
		return 0;
	if (world_charge(h->w, l, (uint64_t)p.max * sizeof(struct nf_conn) + 4ull * p.buckets, err))
		return -1;
	if (nf_conntrack_init(h->nf, &p))
		return cfg_error(l, err, "out of memory");
	return 0;
}

/* `sets:` (ipset hash:ip) then `iptables:`, whose rules may name the sets. */
static int nf_subsys_init(struct host *h, const struct cfg_node *n, struct sim_error *err)
{
	const struct cfg_node *l, *sets;

	if (cfg_get_seq(n, "sets", &sets, err) || cfg_get_seq(n, "iptables", &l, err))
		return -1;
	if (!l && !sets)
		return 0;
	h->nf = calloc(1, sizeof(*h->nf));
	if (!h->nf)
		return cfg_error(l ? l : sets, err, "out of memory");
	nf_ruleset_init(h->nf);
	for (uint32_t i = 0; sets && i < sets->n; i++)
		if (ip_set_parse(h->nf, sets->items[i], err))
			return -1;
	if (!l)
		return 0;
	for (uint32_t i = 0; i < l->n; i++)
		if (nf_parse_rule(h->nf, l->items[i], err))
			return -1;
	return host_init_conntrack(h, l, err);
}

static void nf_subsys_release(struct host *h)
{
	nf_ruleset_release(h->nf);
	free(h->nf);
}

const struct host_subsys_ops nf_subsys = {
	.name = "netfilter",
	.init = nf_subsys_init,
	.release = nf_subsys_release,
};
