/*
 * models/scenario.c - from a scenario tree to a running world.
 *
 * Hosts are built first (CPUs, sysctls, NICs, iptables, sockets, taps,
 * applications), then traffic sources, which name a host's NIC. Sysctls use
 * their Linux names and defaults (kernel-facts §1, §6; sched defaults scale
 * with 1 + ilog2(min(ncpus, 8)) as kernel/sched/fair.c does).
 */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "models/costs.h"
#include "models/profile.h"
#include "models/scenario.h"
#include "models/subsys.h"
#include "sim/error.h"

#define SK_RMEM_DEFAULT 212992 /* SKB_TRUESIZE(256) * 256 on x86_64 */
#define MAX_CPUS	256

/*
 * Limits on what drives memory and events, checked at load time (see
 * docs/scenarios.md, "Limits"): list lengths and CPUs over all machines
 * (the skb pool's: models/world.h).
 */
#define MAX_HOSTS      4096
#define MAX_TOTAL_CPUS 4096
#define MAX_NICS       64
#define MAX_SOCKS      16384 /* sockets and taps of one host */
#define MAX_APPS       1024
#define MAX_RULES      10000 /* iptables rules of one host */
#define MAX_ROUTES     10000
#define MAX_NEIGH      10000
#define MAX_TRAFFIC    1024
#define MAX_LINKS      4096

enum { WARMUP_EV_PRIO = -1 };

static uint32_t ilog2_u32(uint32_t v)
{
	return v ? 31u - (uint32_t)__builtin_clz(v) : 0;
}

static void sysctl_defaults(struct sysctls *s, uint32_t ncpus, uint32_t hz)
{
	uint32_t factor = 1 + ilog2_u32(ncpus < 8 ? ncpus : 8);

	s->netdev_max_backlog = 1000;
	s->netdev_budget = 300;
	s->netdev_budget_usecs = 2 * 1000000 / hz;
	s->dev_weight = 64;
	s->gro_normal_batch = 8;
	s->busy_read = 0;
	s->busy_poll = 0;
	s->flow_limit_cpu_bitmap = 0;
	s->flow_limit_table_len = 4096;
	s->rmem_default = SK_RMEM_DEFAULT;
	s->rmem_max = 4194304; /* 4 MiB since 6.18 (kernel-facts §6; measured) */
	s->ip_forward = 0;
	s->icmp_ratelimit = 1000;
	s->icmp_ratemask = 6168;
	s->icmp_msgs_per_sec = 1000;
	s->icmp_msgs_burst = 50;
	s->dev_tx_weight = 1; /* dev_weight_tx_bias: quota = dev_weight * bias */
	s->wmem_default = SK_RMEM_DEFAULT;
	s->wmem_max = 4194304;
	s->port_lo = 32768;
	s->port_hi = 60999;
	s->ip_default_ttl = 64;
	s->unres_qlen_bytes = SK_RMEM_DEFAULT; /* SK_WMEM_DEFAULT */
	s->mcast_solicit = 3;
	s->ucast_solicit = 3;
	s->app_solicit = 0;
	s->retrans_time_ms = 1000;
	s->ipfrag_high_thresh = 4u << 20;
	/* nf_conntrack_init_start on a machine with more than 4 GiB: 262144 both (measured 6.18) */
	s->nf_conntrack_max = 262144;
	s->nf_conntrack_buckets = 262144;
	s->nf_conntrack_udp_timeout = 30;
	s->nf_conntrack_udp_timeout_stream = 120;
	s->nf_conntrack_icmp_timeout = 30;
	s->nf_conntrack_generic_timeout = 600;
	s->ipfrag_time = 30;
	s->route_mtu_expires = 600;
	s->route_min_pmtu = 552;
	s->route_error_cost = hz;
	s->route_error_burst = 5 * hz;
	/* udp_init() sizes udp_mem from the RAM: the measured 6.18 VM's values (kernel-ref) */
	s->udp_mem[0] = 575781;
	s->udp_mem[1] = 767711;
	s->udp_mem[2] = 1151562;
	s->udp_rmem_min = 4096; /* PAGE_SIZE */
	s->mem_pcpu_rsv = 256;	/* SK_MEMORY_PCPU_RESERVE: 1 MiB of pages; also the minimum */
	s->sched_latency_ns = 6000000ull * factor;
	s->sched_min_granularity_ns = 750000ull * factor;
	s->sched_wakeup_granularity_ns = 1000000ull * factor;
	/* fair.c normalized_sysctl_sched_base_slice: 0.70 ms since 6.15 (2ae891b82695) */
	s->sched_base_slice_ns = 700000ull * factor;
}

#define SYSCTL_U32(name, field, lo, hi)                                                            \
	{                                                                                          \
		name, offsetof(struct sysctls, field), 4, lo, hi                                   \
	}
#define SYSCTL_U64(name, field, lo, hi)                                                            \
	{                                                                                          \
		name, offsetof(struct sysctls, field), 8, lo, hi                                   \
	}

struct sysctl_desc {
	const char *name; /* Linux name */
	size_t off;	  /* in struct sysctls */
	size_t size;	  /* 4 or 8 bytes */
	uint64_t lo, hi;  /* accepted range */
};

static const struct sysctl_desc sysctl_table[] = {
	SYSCTL_U32("net.core.netdev_max_backlog", netdev_max_backlog, 1, 1u << 30),
	SYSCTL_U32("net.core.rps_sock_flow_entries", rps_sock_flow_entries, 0, 1u << 29),
	SYSCTL_U32("net.core.netdev_budget", netdev_budget, 1, 1u << 30),
	SYSCTL_U32("net.core.netdev_budget_usecs", netdev_budget_usecs, 1, 1u << 30),
	SYSCTL_U32("net.core.dev_weight", dev_weight, 1, 1u << 20),
	SYSCTL_U32("net.core.gro_normal_batch", gro_normal_batch, 1, 1u << 20),
	SYSCTL_U32("net.core.busy_read", busy_read, 0, INT32_MAX),
	SYSCTL_U32("net.core.busy_poll", busy_poll, 0, INT32_MAX),
	SYSCTL_U32("net.core.flow_limit_cpu_bitmap", flow_limit_cpu_bitmap, 0, UINT32_MAX),
	SYSCTL_U32("net.core.flow_limit_table_len", flow_limit_table_len, 1, 1u << 20),
	SYSCTL_U64("net.core.rmem_default", rmem_default, SOCK_MIN_RCVBUF, INT32_MAX),
	SYSCTL_U64("net.core.rmem_max", rmem_max, SOCK_MIN_RCVBUF, INT32_MAX),
	SYSCTL_U32("net.ipv4.ip_forward", ip_forward, 0, 1),
	SYSCTL_U32("net.ipv4.ip_default_ttl", ip_default_ttl, 1, 255),
	SYSCTL_U32("net.core.dev_weight_tx_bias", dev_tx_weight, 1, 1u << 20),
	SYSCTL_U64("net.core.wmem_default", wmem_default, 4608, INT32_MAX),
	SYSCTL_U64("net.core.wmem_max", wmem_max, 4608, INT32_MAX),
	SYSCTL_U64("net.ipv4.neigh.default.unres_qlen_bytes", unres_qlen_bytes, 0, INT32_MAX),
	SYSCTL_U32("net.ipv4.neigh.default.mcast_solicit", mcast_solicit, 0, 255),
	SYSCTL_U32("net.ipv4.neigh.default.ucast_solicit", ucast_solicit, 0, 255),
	SYSCTL_U32("net.ipv4.neigh.default.app_solicit", app_solicit, 0, 255),
	SYSCTL_U32("net.ipv4.neigh.default.retrans_time_ms", retrans_time_ms, 10, 1u << 20),
	SYSCTL_U64("net.ipv4.ipfrag_high_thresh", ipfrag_high_thresh, 0, INT32_MAX),
	SYSCTL_U32("net.ipv4.ipfrag_time", ipfrag_time, 1, 3600),
	SYSCTL_U32("net.netfilter.nf_conntrack_max", nf_conntrack_max, 1, 1u << 22),
	SYSCTL_U32("net.netfilter.nf_conntrack_buckets", nf_conntrack_buckets, 1, 1u << 22),
	SYSCTL_U32("net.netfilter.nf_conntrack_udp_timeout", nf_conntrack_udp_timeout, 1, 1u << 24),
	SYSCTL_U32("net.netfilter.nf_conntrack_udp_timeout_stream", nf_conntrack_udp_timeout_stream,
		   1, 1u << 24),
	SYSCTL_U32("net.netfilter.nf_conntrack_icmp_timeout", nf_conntrack_icmp_timeout, 1,
		   1u << 24),
	SYSCTL_U32("net.netfilter.nf_conntrack_generic_timeout", nf_conntrack_generic_timeout, 1,
		   1u << 24),
	SYSCTL_U32("net.ipv4.route.mtu_expires", route_mtu_expires, 1, 1u << 30),
	SYSCTL_U32("net.ipv4.route.min_pmtu", route_min_pmtu, 68, 65536),
	SYSCTL_U32("net.ipv4.route.error_cost", route_error_cost, 0, 1u << 30),
	SYSCTL_U32("net.ipv4.route.error_burst", route_error_burst, 0, 1u << 30),
	SYSCTL_U32("net.ipv4.icmp_ratelimit", icmp_ratelimit, 0, 1u << 30),
	SYSCTL_U32("net.ipv4.icmp_ratemask", icmp_ratemask, 0, UINT32_MAX),
	SYSCTL_U32("net.ipv4.icmp_msgs_per_sec", icmp_msgs_per_sec, 0, 1u << 30),
	SYSCTL_U32("net.ipv4.icmp_msgs_burst", icmp_msgs_burst, 0, 1u << 30),
	SYSCTL_U32("net.ipv4.udp_rmem_min", udp_rmem_min, 4096, INT32_MAX),
	SYSCTL_U32("net.core.mem_pcpu_rsv", mem_pcpu_rsv, 256, INT32_MAX),
	SYSCTL_U32("net.bridge.bridge-nf-call-iptables", bridge_nf_call_iptables, 0, 1),
	SYSCTL_U64("kernel.sched_latency_ns", sched_latency_ns, 100000, 1000000000),
	SYSCTL_U64("kernel.sched_min_granularity_ns", sched_min_granularity_ns, 100000, 1000000000),
	SYSCTL_U64("kernel.sched_wakeup_granularity_ns", sched_wakeup_granularity_ns, 0,
		   1000000000),
	SYSCTL_U64("kernel.sched_base_slice_ns", sched_base_slice_ns, 100000, 1000000000),
};

/* net.ipv4.ip_local_port_range: "LOW HIGH", as Linux prints it. */
static int sysctl_port_range(struct host *h, const struct cfg_node *n, struct sim_error *err)
{
	const char *key = "net.ipv4.ip_local_port_range", *v = NULL;
	unsigned lo, hi;
	char tail;

	if (cfg_get_str(n, key, &v, NULL, err))
		return -1;
	if (!v)
		return 0;
	if (sscanf(v, "%u %u%c", &lo, &hi, &tail) != 2 || lo < 1 || hi > 65535 || lo > hi)
		return cfg_error(cfg_get(n, key), err,
				 "'%s' must be 'LOW HIGH' like '32768 60999', got '%s'", key, v);
	h->sysctl.port_lo = lo;
	h->sysctl.port_hi = hi;
	return 0;
}

/* net.ipv4.udp_mem: "MIN PRESSURE MAX" in pages, as Linux prints it. */
static int sysctl_udp_mem(struct host *h, const struct cfg_node *n, struct sim_error *err)
{
	const char *key = "net.ipv4.udp_mem", *v = NULL;
	unsigned long long m[3];
	char tail;

	if (cfg_get_str(n, key, &v, NULL, err))
		return -1;
	if (!v)
		return 0;
	if (sscanf(v, "%llu %llu %llu%c", &m[0], &m[1], &m[2], &tail) != 3 || m[2] > INT64_MAX / 2)
		return cfg_error(
			cfg_get(n, key), err,
			"'%s' must be 'MIN PRESSURE MAX' pages like '575781 767711 1151562', "
			"got '%s'",
			key, v);
	for (int i = 0; i < 3; i++)
		h->sysctl.udp_mem[i] = m[i];
	return 0;
}

static int sysctl_parse(struct host *h, const struct cfg_node *n, struct sim_error *err)
{
	char what[64];

	if (!n)
		return 0;
	for (size_t i = 0; i < sizeof(sysctl_table) / sizeof(sysctl_table[0]); i++) {
		const struct sysctl_desc *d = &sysctl_table[i];
		char *field = (char *)&h->sysctl + d->off;
		uint64_t v = d->size == 4 ? *(uint32_t *)(void *)field : *(uint64_t *)(void *)field;

		if (cfg_get_u64(n, d->name, &v, v, d->lo, d->hi, err))
			return -1;
		if (d->size == 4)
			*(uint32_t *)(void *)field = (uint32_t)v;
		else
			*(uint64_t *)(void *)field = v;
	}
	if (sysctl_port_range(h, n, err) || sysctl_udp_mem(h, n, err))
		return -1;
	if (h->sysctl.flow_limit_table_len & (h->sysctl.flow_limit_table_len - 1))
		return cfg_error(cfg_get(n, "net.core.flow_limit_table_len"), err,
				 "'net.core.flow_limit_table_len' must be a power of two");
	snprintf(what, sizeof(what), "sysctl of host '%s'", h->name);
	return cfg_check_unknown(n, what, err);
}

/* ---- hosts ---- */

/*
 * `machine: OTHER`: this host is another network namespace on OTHER's machine
 * and shares its CPUs, clock and HZ (machine-wide sysctls such as
 * net.core.netdev_budget and kernel.sched_* are then OTHER's).
 */
static int host_share_machine(struct host *h, const struct cfg_node *n, struct sim_error *err)
{
	struct world *w = h->w;
	const char *m = NULL;
	static const char *const own[] = { "cpus", "clock", "hz" };

	if (cfg_get_str(n, "machine", &m, NULL, err))
		return -1;
	for (uint32_t i = 0; i + 1 < w->nhosts; i++)
		if (!strcmp(w->hosts[i]->name, m))
			h->machine = w->hosts[i]->machine;
	if (!h->machine)
		return cfg_error(cfg_get(n, "machine"), err,
				 "'machine' must name a host defined before '%s', got '%s'",
				 h->name, m);
	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		if (cfg_has(n, own[i]))
			return cfg_error(
				cfg_get(n, own[i]), err,
				"'%s' cannot be set for host '%s': it shares the CPUs of '%s'",
				own[i], h->name, h->machine->name);
	h->ncpus = h->machine->ncpus;
	h->cpus = h->machine->cpus;
	h->clock_hz = h->machine->clock_hz;
	h->hz = h->machine->hz;
	return 0;
}

static int host_parse_cpus(struct host *h, const struct cfg_node *n, struct sim_error *err)
{
	uint64_t ncpus, hz;

	if (cfg_has(n, "machine"))
		return host_share_machine(h, n, err);
	h->machine = h;

	if (cfg_get_u64(n, "cpus", &ncpus, 1, 1, MAX_CPUS, err) ||
	    cfg_get_freq(n, "clock", &h->clock_hz, h->clock_hz, 1e8, 1e11, err) ||
	    cfg_get_u64(n, "hz", &hz, 250, 100, 1000, err))
		return -1;
	if (hz != 100 && hz != 250 && hz != 300 && hz != 1000)
		return cfg_error(cfg_get(n, "hz"), err,
				 "'hz' must be one of 100, 250, 300, 1000, got '%llu'",
				 (unsigned long long)hz);
	h->ncpus = (uint32_t)ncpus;
	h->hz = (uint32_t)hz;
	return 0;
}

/* "'KEY' may list at most MAX items, got N", at the list. */
static int list_limit(const struct cfg_node *n, const char *key, uint32_t max,
		      struct sim_error *err)
{
	const struct cfg_node *l = cfg_get(n, key);

	if (!l || l->type != CFG_SEQ || l->n <= max)
		return 0;
	return cfg_error(l, err, "'%s' may list at most %u items, got %u", key, max, l->n);
}

static int host_limits(const struct cfg_node *n, struct sim_error *err)
{
	const struct cfg_node *taps = cfg_get(n, "taps");

	if (list_limit(n, "nics", MAX_NICS, err) || list_limit(n, "vlans", MAX_NICS, err) ||
	    list_limit(n, "bridges", MAX_NICS, err) || list_limit(n, "sockets", MAX_SOCKS, err) ||
	    list_limit(n, "apps", MAX_APPS, err) || list_limit(n, "iptables", MAX_RULES, err) ||
	    list_limit(n, "routes", MAX_ROUTES, err) || list_limit(n, "neigh", MAX_NEIGH, err))
		return -1;
	if (cfg_seq_len(n, "sockets") + cfg_seq_len(n, "taps") > MAX_SOCKS)
		return cfg_error(taps, err,
				 "'sockets' and 'taps' may list at most %u items together",
				 MAX_SOCKS);
	if (cfg_seq_len(n, "sockets") + cfg_seq_len(n, "taps") + cfg_seq_len(n, "xsks") > MAX_SOCKS)
		return cfg_error(cfg_get(n, "xsks"), err,
				 "'sockets', 'taps' and 'xsks' may list at most %u items together",
				 MAX_SOCKS);
	return 0;
}

/* A host's unknown keys before its nics, sockets and apps (file order, see world_check_top()). */
static int host_check_keys(const struct host *h, const struct cfg_node *n, struct sim_error *err)
{
	static const char *const lists[] = { "drops_pcap",  "iptables", "sets",	   "routes",
					     "routes_file", "neigh",	"bridges", "vlans" };
	char what[64];

	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		(void)cfg_has(n, lists[i]);
	snprintf(what, sizeof(what), "host '%s'", h->name);
	return cfg_check_unknown(n, what, err);
}

/* Load the profile that @n's `profile:` names (the default when it names none). */
static int scenario_profile_load(struct profile *p, const struct cfg_node *root,
				 const struct cfg_node *n, struct sim_error *err)
{
	const char *spec = NULL;

	if (cfg_get_str(n, "profile", &spec, PROFILE_DEFAULT, err))
		return -1;
	return profile_load(p, spec, root->file, cfg_get(n, "profile"), err);
}

/*
 * The base of a host's costs and default clock: the scenario's (its profile
 * and top-level `costs:`), or the host's own `profile:` with the top-level
 * `costs:` over it. The host's `costs:` come later (docs/profiles.md).
 */
static int host_parse_profile(struct host *h, const struct cfg_node *root, const struct cfg_node *n,
			      struct sim_error *err)
{
	const struct cfg_node *top;
	struct profile p;

	h->costs = h->w->costs;
	h->clock_hz = h->w->clock_hz;
	snprintf(h->profile, sizeof(h->profile), "%s", h->w->profile);
	if (!cfg_has(n, "profile"))
		return 0;
	if (scenario_profile_load(&p, root, n, err))
		return -1;
	h->costs = p.costs;
	h->clock_hz = p.clock_hz;
	snprintf(h->profile, sizeof(h->profile), "%s", p.name);
	profile_release(&p);
	return cfg_get_map(root, "costs", &top, err) || costs_parse(&h->costs, top, err) ? -1 : 0;
}

static int host_create(struct world *w, const struct cfg_node *root, const struct cfg_node *n,
		       struct host *h, struct sim_error *err)
{
	const struct cfg_node *sys, *costs;
	const char *name = NULL;
	char what[64];

	h->w = w;
	if (cfg_require(n, "name", "host", err) ||
	    cfg_get_name(n, "name", &name, sizeof(h->name) - 1, err))
		return -1;
	snprintf(h->name, sizeof(h->name), "%s", name);
	if (host_parse_profile(h, root, n, err) || host_parse_cpus(h, n, err))
		return -1;
	sysctl_defaults(&h->sysctl, h->ncpus, h->hz);
	if (cfg_get_map(n, "sysctl", &sys, err) || sysctl_parse(h, sys, err) ||
	    cfg_get_map(n, "costs", &costs, err) || costs_parse(&h->costs, costs, err) ||
	    host_limits(n, err) || host_check_keys(h, n, err))
		return -1;
	for (const struct host_subsys_ops *const *t = world_subsys(w); *t; t++)
		if ((*t)->init && (*t)->init(h, n, err))
			return -1;
	snprintf(what, sizeof(what), "host '%s'", h->name);
	return cfg_check_unknown(n, what, err);
}

/* ---- the world ---- */

/*
 * Enough skbs that only a deliberately small `skb_pool` can run out (the
 * skb subsystem caps it at SKB_POOL_DEFAULT_MAX). Each term is at most
 * 2^30 * 2^12, and there are fewer than 2^20 of them, so the sum cannot
 * overflow 64 bits.
 */
static uint64_t skb_pool_need(const struct world *w)
{
	uint64_t n = 4096;

	for (uint32_t i = 0; i < w->nhosts; i++)
		for (const struct host_subsys_ops *const *t = world_subsys(w); *t; t++)
			if ((*t)->skb_pool_need)
				n += (*t)->skb_pool_need(w->hosts[i]);
	return n;
}

static int world_parse_hosts(struct world *w, const struct cfg_node *root, struct sim_error *err)
{
	const struct cfg_node *l;
	uint32_t ncpus = 0;

	if (cfg_require(root, "hosts", "scenario", err) || cfg_get_seq(root, "hosts", &l, err))
		return -1;
	if (!l->n)
		return cfg_error(l, err, "'hosts' must list at least one host");
	if (list_limit(root, "hosts", MAX_HOSTS, err) ||
	    list_limit(root, "traffic", MAX_TRAFFIC, err) ||
	    list_limit(root, "links", MAX_LINKS, err))
		return -1;
	w->hosts = calloc(l->n, sizeof(*w->hosts));
	if (!w->hosts)
		return cfg_error(l, err, "out of memory");
	for (uint32_t i = 0; i < l->n; i++) {
		struct host *h = calloc(1, sizeof(*h));
		struct sim_error local = { 0 };

		if (!h)
			return cfg_error(l->items[i], err, "out of memory");
		w->hosts[w->nhosts++] = h;
		if (cfg_node_map(l->items[i], "hosts", err))
			return -1;
		if (host_create(w, root, l->items[i], h, &local))
			return world_error_locate(l->items[i], &local, err);
		if (h->machine == h && (ncpus += h->ncpus) > MAX_TOTAL_CPUS)
			return cfg_error(cfg_get(l->items[i], "cpus"), err,
					 "more than %u CPUs over all machines", MAX_TOTAL_CPUS);
		for (uint32_t j = 0; j + 1 < w->nhosts; j++)
			if (!strcmp(w->hosts[j]->name, h->name))
				return cfg_error(cfg_get(l->items[i], "name"), err,
						 "duplicate host name '%s'", h->name);
	}
	return 0;
}

/* The scenario's `profile:` (or the default): the base of every host's costs and clock. */
static int world_parse_profile(struct world *w, const struct cfg_node *root, struct sim_error *err)
{
	struct profile p;

	if (scenario_profile_load(&p, root, root, err))
		return -1;
	w->costs = p.costs;
	w->clock_hz = p.clock_hz;
	snprintf(w->profile, sizeof(w->profile), "%s", p.name);
	profile_release(&p);
	return 0;
}

static int world_parse_top(struct world *w, const struct cfg_node *root, int64_t seed_override,
			   struct sim_error *err)
{
	const char *name = NULL;
	const struct cfg_node *costs;

	if (cfg_require(root, "name", "scenario", err) ||
	    cfg_get_name(root, "name", &name, sizeof(w->name) - 1, err) ||
	    cfg_get_u64(root, "seed", &w->seed, 1, 0, UINT64_MAX, err) ||
	    cfg_require(root, "duration", "scenario", err) ||
	    cfg_get_time(root, "duration", &w->duration, 0, SIM_US, 3600 * SIM_SEC, err) ||
	    cfg_get_time(root, "warmup", &w->warmup, 0, 0, 3600 * SIM_SEC, err) ||
	    world_parse_profile(w, root, err) || cfg_get_map(root, "costs", &costs, err) ||
	    costs_parse(&w->costs, costs, err))
		return -1;
	snprintf(w->name, sizeof(w->name), "%s", name);
	if (w->warmup >= w->duration)
		return cfg_error(cfg_get(root, "warmup"), err,
				 "'warmup' must be shorter than 'duration'");
	if (seed_override >= 0)
		w->seed = (uint64_t)seed_override;
	return 0;
}

/*
 * The top level's own keys and values before the hosts, so that the first
 * error in file order is the one reported: an unknown top-level key or a bad
 * `skb_pool` near the top is not hidden by a mistake further down.
 */
static int world_check_top(const struct cfg_node *root, struct sim_error *err)
{
	static const char *const lists[] = { "hosts", "traffic", "links" };
	uint64_t pool;

	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		(void)cfg_has(root, lists[i]);
	return cfg_get_u64(root, "skb_pool", &pool, 16, 16, SKB_POOL_MAX, err) ||
	       cfg_check_unknown(root, "scenario", err);
}

enum world_phase { WORLD_INIT, WORLD_LINK, WORLD_LATE_INIT };

/* Every subsystem's world-level part of @phase, in table order (models/subsys.h). */
static int world_init_subsys(struct world *w, const struct cfg_node *root, enum world_phase phase,
			     struct sim_error *err)
{
	for (const struct host_subsys_ops *const *t = world_subsys(w); *t; t++) {
		int (*fn)(struct world *, const struct cfg_node *, struct sim_error *) =
			phase == WORLD_INIT   ? (*t)->world_init
			: phase == WORLD_LINK ? (*t)->world_link
					      : (*t)->world_late_init;

		if (fn && fn(w, root, err))
			return -1;
	}
	return 0;
}

static int world_build(struct world *w, const struct cfg_node *root, int64_t seed_override,
		       struct sim_error *err)
{
	if (world_parse_top(w, root, seed_override, err) || world_check_top(root, err) ||
	    world_parse_hosts(w, root, err) || world_init_subsys(w, root, WORLD_INIT, err) ||
	    world_init_subsys(w, root, WORLD_LINK, err))
		return -1;
	w->skb_pool_need = skb_pool_need(w);
	if (world_init_subsys(w, root, WORLD_LATE_INIT, err))
		return -1;
	if (sim_eventq_init(&w->q, 1024))
		return cfg_error(cfg_get(root, "skb_pool") ? cfg_get(root, "skb_pool") : root, err,
				 "out of memory");
	return 0;
}

/* What made this world: the file, its hash and the overrides, for the report. */
static void world_copy_provenance(struct world *w, const struct cfg *c)
{
	w->scenario_file = strdup(c->file ? c->file : "");
	memcpy(w->scenario_sha256, c->sha256, sizeof(w->scenario_sha256));
	w->overrides = calloc(c->noverrides ? c->noverrides : 1, sizeof(*w->overrides));
	SIM_BUG_ON(!w->scenario_file || !w->overrides);
	for (uint32_t i = 0; i < c->noverrides; i++) {
		w->overrides[i] = strdup(c->overrides[i]);
		SIM_BUG_ON(!w->overrides[i]);
	}
	w->noverrides = c->noverrides;
}

struct world *world_create_subsys(const struct cfg *c, int64_t seed_override,
				  const struct host_subsys_ops *const *subsys,
				  struct sim_error *err)
{
	struct world *w = calloc(1, sizeof(*w));

	if (!w) {
		sim_error_set(err, "out of memory");
		return NULL;
	}
	w->subsys = subsys;
	for (const struct host_subsys_ops *const *t = world_subsys(w); *t; t++)
		if ((*t)->boot)
			(*t)->boot();
	world_copy_provenance(w, c);
	if (world_build(w, c->root, seed_override, err)) {
		world_free(w);
		return NULL;
	}
	return w;
}

struct world *world_create(const struct cfg *c, int64_t seed_override, struct sim_error *err)
{
	return world_create_subsys(c, seed_override, NULL, err);
}

/* Every subsystem's release, in reverse table order (models/subsys.h). */
static void host_free(const struct world *w, struct host *h)
{
	const struct host_subsys_ops *const *t = world_subsys(w);

	for (size_t i = subsys_count(t); i-- > 0;)
		if (t[i]->release)
			t[i]->release(h);
	free(h);
}

void world_free(struct world *w)
{
	const struct host_subsys_ops *const *t;

	if (!w)
		return;
	t = world_subsys(w);
	/* first: it unlinks pending events, which live inside sources and hosts */
	sim_eventq_release(&w->q);
	for (uint32_t i = 0; i < w->nhosts; i++)
		host_free(w, w->hosts[i]);
	free(w->hosts);
	for (size_t i = subsys_count(t); i-- > 0;)
		if (t[i]->world_release)
			t[i]->world_release(w);
	for (uint32_t i = 0; i < w->noverrides; i++)
		free(w->overrides[i]);
	free(w->overrides);
	free(w->scenario_file);
	free(w);
}

/* ---- estimates ---- */

/* Events per packet per host it crosses, measured on the shipped scenarios (2.6 - 4). */
#define EST_EVENTS_PER_PACKET 4.0

void world_estimate(const struct world *w, uint64_t *mem_bytes, double *events)
{
	const struct host_subsys_ops *const *t = world_subsys(w);
	double pkts = 0;
	uint64_t mem = 4u << 20; /* code, the tree, the report */

	for (uint32_t i = 0; i < w->nhosts; i++)
		for (size_t k = 0; t[k]; k++)
			if (t[k]->estimate)
				t[k]->estimate(w->hosts[i], &mem, &pkts);
	for (size_t k = 0; t[k]; k++)
		if (t[k]->world_estimate)
			t[k]->world_estimate(w, &mem, &pkts);
	*mem_bytes = mem;
	*events = pkts * EST_EVENTS_PER_PACKET;
}

/* ---- running ---- */

/* End of the warm-up: statistics start from here. */
static void world_warmup_fire(struct sim_event *ev)
{
	struct world *w = container_of(ev, struct world, warmup_ev);
	sim_time_t now = w->q.now;

	w->measuring = true;
	for (uint32_t i = 0; i < w->nhosts; i++)
		for (const struct host_subsys_ops *const *t = world_subsys(w); *t; t++)
			if ((*t)->warmup_reset)
				(*t)->warmup_reset(w->hosts[i], now);
}

void world_start(struct world *w)
{
	sim_event_init(&w->warmup_ev, world_warmup_fire, WARMUP_EV_PRIO);
	sim_event_schedule(&w->q, &w->warmup_ev, w->warmup);
	for (uint32_t i = 0; i < w->nhosts; i++)
		for (const struct host_subsys_ops *const *t = world_subsys(w); *t; t++)
			if ((*t)->start)
				(*t)->start(w->hosts[i]);
	for (const struct host_subsys_ops *const *t = world_subsys(w); *t; t++)
		if ((*t)->world_start)
			(*t)->world_start(w);
}

bool world_advance(struct world *w, sim_time_t until)
{
	sim_time_t last = w->duration - 1; /* the run covers [0, duration) */

	sim_eventq_run(&w->q, until < last ? until : last);
	if (w->q.stop && *w->q.stop)
		return false;
	return until >= last;
}

void world_finish(struct world *w, const char *stop_reason)
{
	w->complete = !stop_reason;
	w->stop_reason = stop_reason;
	w->end = w->complete ? w->duration : w->q.now;
	for (uint32_t i = 0; i < w->nhosts; i++)
		for (const struct host_subsys_ops *const *t = world_subsys(w); *t; t++)
			if ((*t)->finish)
				(*t)->finish(w->hosts[i], w->end);
	SIM_BUG_ON(!world_conserved(w));
}

void world_run(struct world *w)
{
	world_start(w);
	world_advance(w, w->duration);
	world_finish(w, NULL);
}
