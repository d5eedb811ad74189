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
#include "models/report/report_util.h"
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

/* ---- report ---- */

/* nf_conntrack_count of max, `conntrack -S` drop/early_drop/invalid summed over the CPUs. */
static void text_conntrack(const struct nf_conntrack_net *cn, FILE *f)
{
	uint64_t drop = 0, early = 0, invalid = 0;

	for (uint32_t c = 0; c < (cn->p.ncpus ? cn->p.ncpus : 1); c++) {
		drop += cn->stat[c].drop;
		early += cn->stat[c].early_drop;
		invalid += cn->stat[c].invalid;
	}
	fprintf(f, "  conntrack: count %u of max %u, drop %llu, early_drop %llu, invalid %llu\n",
		cn->count, cn->p.max, U(drop), U(early), U(invalid));
}

static void nf_subsys_text(const struct host *h, FILE *f)
{
	if (h->nf && h->nf->ct)
		text_conntrack(h->nf->ct, f);
}

/* nf_conntrack_count and `conntrack -S` summed over the CPUs (a host that tracks connections). */
static cJSON *json_conntrack(const struct nf_conntrack_net *cn)
{
	struct ip_conntrack_stat sum = { 0 };
	cJSON *o = cJSON_CreateObject();

	for (uint32_t c = 0; c < (cn->p.ncpus ? cn->p.ncpus : 1); c++) {
		sum.invalid += cn->stat[c].invalid;
		sum.drop += cn->stat[c].drop;
		sum.early_drop += cn->stat[c].early_drop;
	}
	cJSON_AddNumberToObject(o, "count", cn->count);
	cJSON_AddNumberToObject(o, "max", cn->p.max);
	cJSON_AddNumberToObject(o, "invalid", (double)sum.invalid);
	cJSON_AddNumberToObject(o, "drop", (double)sum.drop);
	cJSON_AddNumberToObject(o, "early_drop", (double)sum.early_drop);
	return o;
}

static void nf_subsys_json(const struct host *h, cJSON *o)
{
	if (h->nf && h->nf->ct)
		cJSON_AddItemToObject(o, "conntrack", json_conntrack(h->nf->ct));
}

static void fn_iptables(const void *a, FILE *f)
{
	nf_write_listing(a, f);
}

static void fn_conntrack_S(const void *a, FILE *f)
{
	nf_conntrack_write_stats(a, f);
}

static void fn_ct_count(const void *a, FILE *f)
{
	fprintf(f, "%u\n", ((const struct nf_conntrack_net *)a)->count);
}

static int nf_subsys_files(const struct host *h, struct host_files *out, struct sim_error *err)
{
	if (h->nf && out->emit(out, 110, "iptables", fn_iptables, h->nf, err))
		return -1;
	if (h->nf && h->nf->ct &&
	    (out->emit(out, 120, "conntrack_S", fn_conntrack_S, h->nf->ct, err) ||
	     out->emit(out, 130, "nf_conntrack_count", fn_ct_count, h->nf->ct, err)))
		return -1;
	return 0;
}

static const char *const nf_files[] = { "iptables", "conntrack_S", "nf_conntrack_count", NULL };

const struct host_subsys_ops nf_subsys = {
	.name = "netfilter",
	.init = nf_subsys_init,
	.release = nf_subsys_release,
	.text_rank = 20,
	.text = nf_subsys_text,
	.json_rank = 70,
	.json = nf_subsys_json,
	.files = nf_subsys_files,
	.file_names = nf_files,
};
