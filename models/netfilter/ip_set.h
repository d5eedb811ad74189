/*
 * models/netfilter/ip_set.h - ipset-like address sets for `-m set`.
 *
 * Kernel references: net/netfilter/ipset/ip_set_hash_ip.c (hash:ip: one
 * IPv4 address per element, a range or CIDR added as its addresses,
 * maxelem 65536 by default), ip_set_core.c (ip_set_test), xt_set.c
 * (set_match_v0: --match-set NAME src|dst, "!" inverts); ipset(8).
 *
 * A host's sets come from its `sets:` list, made before its `iptables:`
 * rules (a rule names a set that exists, as iptables insists):
 *   sets:
 *     - {name: blocklist, type: hash:ip, members: [10.9.0.1, 10.9.1.0/30]}
 *
 * Simplified: only hash:ip, no timeouts, counters, comments or later
 * add/del; the members are a sorted array searched by bisection (the
 * kernel's jhash buckets cost about the same for every set size, so a
 * lookup costs `ip_set_lookup` cycles whatever the size).
 */
#ifndef MODELS_IP_SET_H
#define MODELS_IP_SET_H

#include <stdbool.h>
#include <stdint.h>

#include "models/netfilter/netfilter.h"

#define IP_SET_MAXELEM 65536 /* hash:ip's default maxelem */

/*
 * One `sets:` item @n into @rs. Errors (at the offending value):
 *   "unknown set type 'X' (known: hash:ip)"
 *   "bad set member 'X' (an IPv4 address or ADDR/PREFIX)"
 *   "set 'X' would have more than 65536 members"
 *   "duplicate set name 'X'"
 *   "too many sets (at most 16)"
 */
int ip_set_parse(struct nf_ruleset *rs, const struct cfg_node *n, struct sim_error *err);
/* ip_set_test: is @addr (host order) a member of @set? */
bool ip_set_test(const struct ip_set *set, uint32_t addr);
/* Free every set's members. */
void ip_set_release(struct nf_ruleset *rs);

#endif
