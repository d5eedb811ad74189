/*
 * models/netfilter/netfilter.h - netfilter hooks with iptables rule lists.
 *
 * Kernel references: net/netfilter/core.c (nf_hook_slow), net/ipv4/netfilter/
 * ip_tables.c (ipt_do_table: rules in order, first terminal verdict wins,
 * chain policy otherwise, per-rule packet/byte counters), iptables(8) for the
 * rule syntax, iptables/iptables.c print_header/print_firewall for `-L -v -n`.
 *
 * Scenarios give rules in iptables syntax, one string per rule:
 *   "-A INPUT -p udp --dport 9999 -j DROP"
 *   "-t raw -A PREROUTING -s 10.1.0.0/16 -p udp ! --sport 53 -j ACCEPT"
 *   "-P INPUT DROP"
 * Supported: -t raw|mangle|nat|filter, -A CHAIN, -P CHAIN POLICY,
 * -p udp|tcp|icmp|all (or a number), -s/-d ADDR[/PREFIX], -i DEV, -o DEV,
 * --sport/--dport PORT[:PORT] (needs -p udp or tcp, as iptables' -m udp
 * implies; "-m udp" itself is accepted), "!" before -p/-s/-d/-i/-o/--sport/
 * --dport, -j ACCEPT|DROP. Built-in chains, with their tables traversed in
 * nf_ip_hook_priorities order (raw -300, mangle -150, nat dst -100, filter 0,
 * nat src 100):
 *   PREROUTING   raw, mangle, nat
 *   INPUT        mangle, filter, nat
 *   FORWARD      mangle, filter
 *   OUTPUT       raw, mangle, nat, filter
 *   POSTROUTING  mangle, nat
 * -o is refused in PREROUTING and INPUT, -i in OUTPUT and POSTROUTING (those
 * hooks have no such device), as iptables refuses them. DROP in the nat
 * table is refused, as iptables refuses it.
 *
 * Simplified: no user-defined chains, no RETURN/LOG/conntrack matches; every
 * packet is a new flow for the nat table (it is traversed, never rewrites).
 *
 * Costs: each hook traversal with at least one table costs `nf_hook`, each
 * rule evaluated `nf_rule` cycles (the host's cost profile, docs/profiles.md).
 */
#ifndef MODELS_NETFILTER_H
#define MODELS_NETFILTER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/cfg.h"
#include "sim/error.h"
#include "models/core/skb.h"
#include "models/world.h"

enum nf_verdict {
	NF_DROP,
	NF_ACCEPT,
};

enum nf_table_id {
	NF_TABLE_RAW,
	NF_TABLE_MANGLE,
	NF_TABLE_NAT,
	NF_TABLE_FILTER,
	NF_TABLE_NR,
};
extern const char *const nf_table_name[NF_TABLE_NR];
extern const char *const nf_hook_chain_name[NF_HOOK_NR]; /* "PREROUTING" ... "POSTROUTING" */

struct nf_rule {
	char text[160];		     /* the rule as written, for reports */
	int proto;		     /* -p: IP protocol, -1 = any */
	bool proto_inv;		     /* ! -p */
	uint32_t src, src_mask;	     /* -s, host order; mask 0 = any */
	bool src_inv;		     /* ! -s */
	uint32_t dst, dst_mask;	     /* -d */
	bool dst_inv;		     /* ! -d */
	char in_dev[16];	     /* -i, "" = any */
	bool in_inv;		     /* ! -i */
	char out_dev[16];	     /* -o, "" = any */
	bool out_inv;		     /* ! -o */
	uint16_t sport_lo, sport_hi; /* --sport, 0..65535 = any */
	bool sport_set, sport_inv;   /* --sport given, negated */
	uint16_t dport_lo, dport_hi; /* --dport */
	bool dport_set, dport_inv;   /* --dport given, negated */
	bool frag, frag_inv;	     /* -f: later fragments only; ! -f: all but those */
	enum nf_verdict verdict;     /* -j */
	uint64_t pkts;		     /* packets that matched */
	uint64_t bytes;		     /* bytes that matched (IP length) */
};

#define NF_MAX_RULES 256

/* One built-in chain of one table. */
struct nf_chain {
	enum nf_table_id table;		    /* owning table */
	enum nf_hook_id hook;		    /* which hook it sits on */
	enum nf_verdict policy;		    /* -P, default ACCEPT */
	uint64_t policy_pkts;		    /* packets that fell through to the policy */
	uint64_t policy_bytes;		    /* their bytes */
	uint32_t nrules;		    /* rules */
	struct nf_rule rules[NF_MAX_RULES]; /* in order */
	bool used;			    /* has rules or a non-default policy */
};

/* A host's rule set: every (table, hook) pair, including those with no built-in chain. */
struct nf_ruleset {
	struct nf_chain chain[NF_TABLE_NR][NF_HOOK_NR]; /* unused pairs stay empty */
};

void nf_ruleset_init(struct nf_ruleset *rs);

/*
 * Parse one iptables rule string @text (from node @n, for error positions:
 * the column points at the offending word) into @rs. Error messages:
 *   "unknown option 'X' in iptables rule (did you mean 'Y'?)"
 *   "'-A' needs a chain"
 *   "unknown chain 'X' (known: PREROUTING, INPUT, FORWARD, OUTPUT, POSTROUTING)"
 *   "chain 'FORWARD' does not exist in table 'raw'"
 *   "'-o' cannot be used in chain 'PREROUTING'" (also INPUT; the option as
 *    written, e.g. '--out-interface')
 *   "'-i' cannot be used in chain 'OUTPUT'" (also POSTROUTING)
 *   "unknown table 'X' (known: raw, mangle, nat, filter)"
 *   "bad address 'X' in iptables rule"
 *   "bad port 'X' in iptables rule"
 *   "'--dport' needs '-p udp' or '-p tcp'"
 *   "unknown target 'X' (known: ACCEPT, DROP)"
 *   "the nat table does not allow DROP"
 *   "iptables rule needs '-A CHAIN ... -j TARGET' or '-P CHAIN TARGET'"
 *   "too many rules in chain 'X' (at most 256)"
 */
int nf_parse_rule(struct nf_ruleset *rs, const struct cfg_node *n, struct sim_error *err);

/*
 * Run hook @hook for @skb arriving on device @in_dev and leaving by device
 * @out_dev: every table's chain in priority order; returns NF_DROP or
 * NF_ACCEPT and adds the CPU cycles spent to *cycles. Counters are updated.
 * @in_dev or @out_dev is NULL when the hook has none (PREROUTING and INPUT
 * have no output device, OUTPUT and POSTROUTING no input device): like the
 * kernel's nulldevname, NULL equals no device name, so it matches an absent
 * -i/-o ("*"), a lone "+" and a negated name, never a positive name.
 */
enum nf_verdict nf_hook(struct nf_ruleset *rs, enum nf_hook_id hook, const struct sk_buff *skb,
			const char *in_dev, const char *out_dev, const struct costs *costs,
			uint64_t *cycles);

/* True when the hook has any table with rules or a DROP policy (else it costs nothing). */
bool nf_hook_active(const struct nf_ruleset *rs, enum nf_hook_id hook);

/*
 * Write `iptables -t TABLE -L -v -n -x` output for every used table to @f,
 * tables separated by a line "# table TABLE" (exact iptables column widths
 * with -x: pkts %8, bytes %10). Each table lists all its built-in chains in
 * iptables' order (raw: PREROUTING OUTPUT; mangle: PREROUTING INPUT FORWARD
 * OUTPUT POSTROUTING; nat: PREROUTING INPUT OUTPUT POSTROUTING; filter:
 * INPUT FORWARD OUTPUT), used or not.
 */
void nf_write_listing(const struct nf_ruleset *rs, FILE *f);

#endif
