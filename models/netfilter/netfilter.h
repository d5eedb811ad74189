/*
 * models/netfilter/netfilter.h - netfilter hooks with iptables rule lists.
 *
 * Kernel references: net/netfilter/core.c (nf_hook_slow), net/ipv4/netfilter/
 * ip_tables.c (ipt_do_table: rules in order, first terminal verdict wins,
 * chain policy otherwise, per-rule packet/byte counters, the jump stack),
 * net/ipv4/netfilter/ipt_REJECT.c, net/ipv4/netfilter/nf_reject_ipv4.c,
 * net/netfilter/xt_LOG.c, xt_limit.c, xt_state.c, xt_conntrack.c, xt_nat.c,
 * xt_MASQUERADE.c, xt_set.c, nf_nat_core.c; iptables(8) for the rule
 * syntax, iptables/iptables.c print_header/print_firewall for `-L -v -n`,
 * extensions/libxt_*.c and libipt_REJECT.c for the options and how they
 * print. Connection tracking: models/netfilter/nf_conntrack.h; sets:
 * models/netfilter/ip_set.h.
 *
 * Scenarios give rules in iptables syntax, one string per rule:
 *   "-A INPUT -p udp --dport 9999 -j DROP"
 *   "-t raw -A PREROUTING -s 10.1.0.0/16 -p udp ! --sport 53 -j ACCEPT"
 *   "-P INPUT DROP"
 * Supported: -t raw|mangle|nat|filter, -A CHAIN, -P CHAIN POLICY, -N CHAIN,
 * -p udp|tcp|icmp|all (or a number), -s/-d ADDR[/PREFIX], -i DEV, -o DEV,
 * --sport/--dport PORT[:PORT] (needs -p udp or tcp, as iptables' -m udp
 * implies; "-m udp" itself is accepted), -f, "!" before -p/-s/-d/-i/-o/-f/
 * --sport/--dport/--ctstate/--match-set, -j ACCEPT|DROP|RETURN|REJECT|LOG|
 * SNAT|DNAT|MASQUERADE|CHAIN, -g CHAIN, and the matches and target options
 * below. Built-in chains, with their tables traversed in
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
 * User-defined chains (ip_tables.c ipt_do_table's jump stack): "-N NAME"
 * makes one in its table (at most NF_MAX_USER_CHAINS per rule set); "-j
 * NAME" jumps to it and comes back after a RETURN or the chain's end, "-g
 * NAME" goes to it without coming back (its end returns to the chain that
 * jumped last, or to the built-in chain's policy). RETURN in a built-in
 * chain applies the policy.
 *
 * Targets (beyond ACCEPT and DROP): REJECT [--reject-with TYPE] (filter
 * table only, ipt_REJECT.c: NF_DROP after nf_send_unreach(), whose ICMP
 * error the caller sends through icmp_send(): see nf_hook_state.reject_code),
 * LOG [--log-prefix P] [--log-level N] (xt_LOG.c: non-terminal, costs
 * `nf_log` per logged packet, nothing is written).
 *
 * Matches (-m): udp, tcp, limit (--limit N/sec|minute|hour|day, --limit-burst
 * B: xt_limit.c's token bucket in credits per jiffy), state (--state) and
 * conntrack (--ctstate) with NEW, ESTABLISHED, RELATED, INVALID (a rule
 * with one turns connection tracking on: models/netfilter/nf_conntrack.h).
 *
 * NAT (nf_nat_core.c, xt_nat.c, xt_MASQUERADE.c; needs connection
 * tracking, which such a rule turns on): -j DNAT --to-destination ADDR[:PORT]
 * (nat PREROUTING, OUTPUT), -j SNAT --to-source ADDR[:PORT] (nat
 * POSTROUTING, INPUT), -j MASQUERADE (nat POSTROUTING: the output device's
 * address). The nat table sees only a connection's first packet, which
 * binds it; nf_nat_packet rewrites every later packet of either direction
 * from the entry (destination at PRE_ROUTING/OUTPUT, source at
 * POST_ROUTING/INPUT), costing `nf_nat` per rewritten packet.
 *
 * -m set --match-set NAME src|dst ("!" before --match-set inverts): the
 * packet's source or destination address is in the host's set NAME
 * (models/netfilter/ip_set.h), costing `ip_set_lookup` per test.
 *
 * Simplified: without connection tracking the nat table is
 * traversed for every packet (ACCEPT rules only, no rewriting); a DNAT in
 * OUTPUT does not re-route the packet (ip_route_me_harder); SNAT never picks
 * another port when the translated tuple is taken (no get_unique_tuple);
 * port ranges and --random are not parsed; an ICMP error about a rewritten
 * packet is not translated back (nf_nat_icmp_reply_translation).
 *
 * Costs (the host's cost profile, docs/profiles.md): each hook traversal
 * with at least one table, or with connection tracking on, costs `nf_hook`;
 * each rule evaluated `nf_rule`, in any chain; a logged packet `nf_log`; a
 * set test `ip_set_lookup`; a NAT rewrite `nf_nat`; nf_conntrack_in
 * `nf_ct_lookup`, plus `nf_ct_new` for a new connection. REJECT's ICMP
 * error pays what icmp_send() pays.
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

/* What -j (or -g) does. */
enum nf_target {
	NF_TG_ACCEPT,	  /* NF_ACCEPT */
	NF_TG_DROP,	  /* NF_DROP */
	NF_TG_RETURN,	  /* XT_RETURN: back to the calling chain, or the policy */
	NF_TG_JUMP,	  /* -j CHAIN: push a return point, continue in CHAIN */
	NF_TG_GOTO,	  /* -g CHAIN: continue in CHAIN, no return point */
	NF_TG_REJECT,	  /* ipt_REJECT: ICMP error, then NF_DROP */
	NF_TG_LOG,	  /* xt_LOG: log, continue (XT_CONTINUE) */
	NF_TG_SNAT,	  /* nat: the new connection's source becomes --to-source */
	NF_TG_DNAT,	  /* nat: its destination becomes --to-destination */
	NF_TG_MASQUERADE, /* nat: its source becomes the output device's address */
	NF_TG_NR,
};

/* xt_conntrack/xt_state state bits (XT_STATE_BIT(ctinfo) = 1 << (ctinfo + 1)). */
#define XT_STATE_INVALID     (1u << 0)
#define XT_STATE_ESTABLISHED (1u << 1) /* IP_CT_ESTABLISHED (0) */
#define XT_STATE_RELATED     (1u << 2) /* IP_CT_RELATED (1) */
#define XT_STATE_NEW	     (1u << 3) /* IP_CT_NEW (2) */

#define XT_LIMIT_SCALE 10000 /* xt_rateinfo.avg is seconds * XT_LIMIT_SCALE per packet */

/* struct xt_rateinfo with its xt_limit_priv: one -m limit's token bucket. */
struct xt_rateinfo {
	uint32_t avg;	     /* --limit: period per packet, 1/XT_LIMIT_SCALE s */
	uint32_t burst;	     /* --limit-burst, packets */
	uint32_t credit;     /* priv->credit: credits now */
	uint32_t credit_cap; /* credits when full (avg * burst) */
	uint32_t cost;	     /* credits per admitted packet (avg) */
	uint64_t prev;	     /* priv->prev: jiffies of the last refill */
	uint32_t hz;	     /* CONFIG_HZ the credits were computed for, 0 = not yet */
};

/* What kind of match each -m of a rule is, in the order given (the listing's order). */
enum nf_match_kind {
	NF_M_PORTS, /* udp/tcp (implied by --sport/--dport, or -m udp/tcp) */
	NF_M_LIMIT, /* -m limit */
	NF_M_STATE, /* -m state */
	NF_M_CT,    /* -m conntrack */
	NF_M_SET,   /* -m set */
	NF_M_NR,
};

#define NF_MAX_MATCHES	    5  /* -m per rule */
#define NF_MAX_SETS	    16 /* `sets:` per host */
#define NF_SET_MAXNAMELEN   32 /* IPSET_MAXNAMELEN: a set's name and its NUL */
#define NF_MAX_USER_CHAINS  16 /* -N per rule set */
#define NF_CHAIN_MAXNAMELEN 29 /* XT_EXTENSION_MAXNAMELEN: a user chain's name and its NUL */
#define NF_LOG_PREFIX_LEN   30 /* --log-prefix: 29 characters and the NUL (libxt_LOG) */

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
	enum nf_verdict verdict;     /* -j ACCEPT/DROP; NF_DROP for REJECT, NF_ACCEPT otherwise */
	enum nf_target target;	     /* -j / -g */
	int16_t chain;		     /* NF_TG_JUMP/GOTO: index in nf_ruleset.user[] */
	uint8_t reject_code;	     /* NF_TG_REJECT: ICMP_DEST_UNREACH code */
	uint8_t reject_with;	     /* its --reject-with name, index in nf_reject_names */
	uint8_t log_level;	     /* NF_TG_LOG: --log-level, 0-7 (default 4) */
	char log_prefix[NF_LOG_PREFIX_LEN]; /* --log-prefix, "" = none */
	uint32_t nat_addr; /* SNAT/DNAT: --to-source/--to-destination, host order */
	uint16_t nat_port; /* its :PORT, 0 = keep the port */
	uint8_t mproto;	   /* -m udp/tcp: its IP protocol, 0 = implied by -p */
	uint8_t nmatch;	   /* entries in match[] */
	enum nf_match_kind match[NF_MAX_MATCHES]; /* -m and implied matches, in order */
	struct xt_rateinfo rate;		  /* NF_M_LIMIT */
	uint8_t ctstate;			  /* NF_M_STATE/NF_M_CT: XT_STATE_* mask */
	bool ctstate_inv;			  /* ! --state / ! --ctstate */
	int16_t set;				  /* NF_M_SET: index in nf_ruleset.sets[] */
	bool set_dst;				  /* --match-set NAME dst (else src) */
	bool set_inv;				  /* ! --match-set */
	uint64_t pkts;				  /* packets that matched */
	uint64_t bytes;				  /* bytes that matched (IP length) */
};

#define NF_MAX_RULES 256

/* One chain of one table: built-in (on a hook) or user-defined (-N). */
struct nf_chain {
	enum nf_table_id table;		    /* owning table */
	enum nf_hook_id hook;		    /* which hook it sits on (built-in chains) */
	bool user;			    /* made by -N */
	char name[NF_CHAIN_MAXNAMELEN];	    /* a user chain's name */
	uint32_t refs;			    /* user chain: rules that -j/-g to it */
	enum nf_verdict policy;		    /* -P, default ACCEPT */
	uint64_t policy_pkts;		    /* packets that fell through to the policy */
	uint64_t policy_bytes;		    /* their bytes */
	uint32_t nrules;		    /* rules */
	struct nf_rule rules[NF_MAX_RULES]; /* in order */
	bool used;			    /* has rules or a non-default policy */
};

struct nf_conntrack_net;

/* One ipset of type hash:ip (models/netfilter/ip_set.h). */
struct ip_set {
	char name[NF_SET_MAXNAMELEN]; /* as rules name it */
	uint32_t n;		      /* members */
	uint32_t *addr;		      /* [n] addresses, host order, sorted, distinct */
};

/* A host's rule set: every (table, hook) pair, including those with no built-in chain. */
struct nf_ruleset {
	struct nf_chain chain[NF_TABLE_NR][NF_HOOK_NR]; /* unused pairs stay empty */
	uint32_t nuser;					/* user chains */
	struct nf_chain user[NF_MAX_USER_CHAINS];	/* -N chains, in creation order */
	bool ct_needed; /* a rule uses a state/conntrack match: track connections */
	uint32_t nsets; /* sets */
	struct ip_set sets[NF_MAX_SETS]; /* from the host's `sets:` */
	struct nf_conntrack_net *ct;	 /* the connection table, NULL until nf_conntrack_init() */
};

void nf_ruleset_init(struct nf_ruleset *rs);
/* Free what the rule set allocated (the connection table); @rs itself is the caller's. */
void nf_ruleset_release(struct nf_ruleset *rs);

/*
 * struct nf_hook_state: what one traversal of a hook sees and what it asks
 * the caller to do. The caller fills hook, in, out, jiffies, hz and cpu;
 * nf_hook_slow() sets reject_code.
 */
struct nf_hook_state {
	enum nf_hook_id hook; /* which hook */
	const char *in;	      /* input device name, NULL when the hook has none */
	const char *out;      /* output device name, NULL when the hook has none */
	uint64_t jiffies;     /* now, for -m limit and conntrack timeouts */
	uint32_t hz;	      /* CONFIG_HZ of the host */
	uint32_t cpu;	      /* CPU running the hook (per-CPU conntrack statistics) */
	int reject_code;      /* out: -1, or the ICMP_DEST_UNREACH code REJECT asks for */
	uint32_t out_addr;    /* the output device's address (MASQUERADE), 0 = none */
};

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
 *   "unknown target 'X' (known: ACCEPT, DROP, RETURN, REJECT, LOG, or a chain
 *    made by -N)"
 *   "the nat table does not allow DROP"
 *   "iptables rule needs '-A CHAIN ... -j TARGET' or '-P CHAIN TARGET'"
 *   "too many rules in chain 'X' (at most 256)"
 * and, for user chains, targets and matches:
 *   "chain 'X' already exists in table 'T'", "chain name 'X' too long (at most
 *    28 characters)", "chain name 'X' may not start with '-'", "chain name 'X'
 *    clashes with a target name", "too many user chains (at most 16)",
 *   "'-P' needs a built-in chain, 'X' is a user chain", "a policy must be
 *    ACCEPT or DROP, got 'X'", "'-g' needs a chain made by -N, got 'X'",
 *   "chain 'X' does not exist in table 'T'" (a user chain of another table),
 *   "jump to 'X' makes a loop",
 *   "'-j REJECT' is only valid in the filter table", "unknown reject type 'X'
 *    (known: ...)", "'-j DNAT' is only valid in the nat table", "'-j DNAT' is
 *    only valid in chains PREROUTING and OUTPUT" (SNAT: POSTROUTING and INPUT;
 *    MASQUERADE: POSTROUTING), "'-j SNAT' needs '--to-source'", "a port in
 *    '--to-destination' needs '-p udp' or '-p tcp'",
 *   "'--log-prefix' needs '-j LOG'" (each target or match option without its
 *    target or -m), "'-m state' needs '--state'", "log prefix 'X' too long
 *    (at most 29 characters)", "bad log level 'X' in iptables rule (0-7 or
 *    emerg ... debug)", "bad rate 'X' in iptables rule (like '10/sec')", "rate
 *    'X' is too fast", "bad burst 'X' in iptables rule (1-10000)", "rate times
 *    burst overflows, try lower", "match 'X' given twice in iptables rule",
 *   "unknown state 'X' (known: INVALID, NEW, RELATED, ESTABLISHED)",
 *   "unknown set 'X' (sets are made in the host's 'sets:')", "'--match-set'
 *    needs 'src' or 'dst', got 'X'"
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

/*
 * nf_hook with its state @st (nf_hook is this at jiffy 0 on CPU 0, REJECT's
 * request dropped). Connection tracking, when on, runs inside it: looked up
 * (or the entry reserved) at PRE_ROUTING and LOCAL_OUT after the raw table,
 * confirmed after the last table of LOCAL_IN and POST_ROUTING. A packet the
 * full table cannot take is NF_DROP.
 */
enum nf_verdict nf_hook_slow(struct nf_ruleset *rs, struct nf_hook_state *st, struct sk_buff *skb,
			     const struct costs *costs, uint64_t *cycles);

/*
 * True when the hook has any table with rules or a DROP policy, or
 * connection tracking works there (else it costs nothing).
 */
bool nf_hook_active(const struct nf_ruleset *rs, enum nf_hook_id hook);

/*
 * Write `iptables -t TABLE -L -v -n -x` output for every used table to @f,
 * tables separated by a line "# table TABLE" (exact iptables column widths
 * with -x: pkts %8, bytes %10). Each table lists all its built-in chains in
 * iptables' order (raw: PREROUTING OUTPUT; mangle: PREROUTING INPUT FORWARD
 * OUTPUT POSTROUTING; nat: PREROUTING INPUT OUTPUT POSTROUTING; filter:
 * INPUT FORWARD OUTPUT), used or not, then its user chains in creation
 * order ("Chain NAME (N references)").
 */
void nf_write_listing(const struct nf_ruleset *rs, FILE *f);

#endif
