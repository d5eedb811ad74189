/*
 * models/netfilter/ip_set.c - hash:ip sets (see ip_set.h for the kernel
 * references and what is simplified).
 */
#include "models/netfilter/ip_set.h"

#include <stdlib.h>
#include <string.h>

#include "models/lib/inet_addr.h"

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* "a.b.c.d" or "a.b.c.d/len": first address and count (hash:ip adds every address). */
static bool member_range(const char *s, uint32_t *first, uint64_t *count)
{
	uint32_t addr, len;

	if (inet_parse_prefix(s, &addr, &len))
		return false;
	*first = len ? addr & (0xffffffffu << (32 - len)) : 0;
	*count = 1ull << (32 - len);
	return true;
}

/* The members of list @l: counted, then filled, sorted and de-duplicated. */
static int parse_members(struct ip_set *set, const struct cfg_node *l, struct sim_error *err)
{
	uint64_t total = 0, count = 0;
	uint32_t first = 0, n = 0;

	for (uint32_t i = 0; i < l->n; i++) {
		const struct cfg_node *m = l->items[i];

		if (m->type != CFG_SCALAR || !m->str || !member_range(m->str, &first, &count))
			return cfg_error(m, err,
					 "bad set member '%s' (an IPv4 address or ADDR/PREFIX)",
					 m->type == CFG_SCALAR && m->str ? m->str : "");
		total += count;
		if (total > IP_SET_MAXELEM)
			return cfg_error(m, err, "set '%s' would have more than %d members",
					 set->name, IP_SET_MAXELEM);
	}
	set->addr = malloc((total ? total : 1) * sizeof(*set->addr));
	if (!set->addr)
		return cfg_error(l, err, "out of memory");
	for (uint32_t i = 0; i < l->n; i++) {
		if (!member_range(l->items[i]->str, &first, &count))
			continue; /* checked above */
		for (uint64_t k = 0; k < count; k++)
			set->addr[n++] = first + (uint32_t)k;
	}
	qsort(set->addr, n, sizeof(*set->addr), cmp_u32);
	set->n = 0;
	for (uint32_t i = 0; i < n; i++)
		if (!set->n || set->addr[set->n - 1] != set->addr[i])
			set->addr[set->n++] = set->addr[i];
	return 0;
}

int ip_set_parse(struct nf_ruleset *rs, const struct cfg_node *n, struct sim_error *err)
{
	const char *name = NULL, *type = NULL;
	const struct cfg_node *l = NULL;
	struct ip_set *set;

	if (cfg_node_map(n, "a set", err) || cfg_require(n, "name", "set", err) ||
	    cfg_get_name(n, "name", &name, NF_SET_MAXNAMELEN - 1, err) ||
	    cfg_get_str(n, "type", &type, "hash:ip", err) || cfg_get_seq(n, "members", &l, err))
		return -1;
	if (strcmp(type, "hash:ip"))
		return cfg_error(cfg_get(n, "type"), err, "unknown set type '%s' (known: hash:ip)",
				 type);
	for (uint32_t i = 0; i < rs->nsets; i++)
		if (!strcmp(rs->sets[i].name, name))
			return cfg_error(cfg_get(n, "name"), err, "duplicate set name '%s'", name);
	if (rs->nsets >= NF_MAX_SETS)
		return cfg_error(n, err, "too many sets (at most %d)", NF_MAX_SETS);
	set = &rs->sets[rs->nsets];
	memset(set, 0, sizeof(*set));
	snprintf(set->name, sizeof(set->name), "%s", name);
	rs->nsets++; /* released with the rule set even when the members fail */
	if (l && parse_members(set, l, err))
		return -1;
	return cfg_check_unknown(n, "set", err);
}

bool ip_set_test(const struct ip_set *set, uint32_t addr)
{
	uint32_t lo = 0, hi = set->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (set->addr[mid] == addr)
			return true;
		if (set->addr[mid] < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

void ip_set_release(struct nf_ruleset *rs)
{
	for (uint32_t i = 0; i < rs->nsets; i++) {
		free(rs->sets[i].addr);
		rs->sets[i].addr = NULL;
	}
	rs->nsets = 0;
}
