/*
 * models/netfilter/netfilter.c - iptables rules: parsing, hook traversal, `iptables -L -v -n -x`.
 *
 * Kernel references: net/netfilter/core.c (nf_hook_slow: the hook's tables
 * in priority order, the first NF_DROP ends the traversal),
 * include/uapi/linux/netfilter_ipv4.h (enum nf_ip_hook_priorities: NF_IP_PRI_RAW
 * -300, MANGLE -150, NAT_DST -100, FILTER 0, NAT_SRC 100),
 * net/ipv4/netfilter/iptable_{raw,mangle,filter,nat}.c (valid_hooks: raw on
 * PRE_ROUTING and LOCAL_OUT; mangle on all five; filter on LOCAL_IN, FORWARD
 * and LOCAL_OUT; nat at NAT_DST on PRE_ROUTING and LOCAL_OUT, at NAT_SRC on
 * LOCAL_IN and POST_ROUTING), net/ipv4/netfilter/ip_tables.c (ipt_do_table
 * and ip_packet_match: rules in order, address compared as (addr & mask) !=
 * net xor the inversion flag, a protocol of 0 matches anything even when
 * inverted, a missing in/out device is nulldevname (""), interfaces compared
 * under the mask iptables built ("eth+" a prefix, "+" anything),
 * ADD_COUNTER(e->counters, skb->len, 1) for every matching rule, chain
 * policy otherwise), net/netfilter/xt_tcpudp.c (port_match: min <= port <=
 * max xor invert), net/ipv4/netfilter/iptable_nat.c (the nat table only sees
 * a flow's first packet).
 *
 * Targets and matches: see models/netfilter/netfilter.h; xt_limit.c's
 * limit_mt/user2credits/CREDITS_PER_JIFFY are followed with their 32-bit
 * arithmetic; libxt_limit print_rate, libxt_state/libxt_conntrack
 * print_state, libxt_set print_match, libipt_REJECT and libxt_LOG print for
 * the listing, measured with iptables 1.8.9 (tests/kernel-ref/nf_listing.txt).
 *
 * Parsing: iptables/xshared.c do_parse ("Can't use -o with PREROUTING": -o
 * in PREROUTING/INPUT, -i in OUTPUT/POSTROUTING, checked by chain name
 * before any table is consulted), libxtables xtables_parse_interface.
 *
 * Listing: iptables 1.8.10/1.8.11 (1.8.9 printed protocol numbers under -n),
 * iptables/iptables.c print_firewall, iptables/xshared.c print_header,
 * print_rule_details, print_fragment, print_ifaces, print_ipv4_addresses,
 * libxtables/xtables.c
 * xtables_print_num (both counters "%8llu " with -x, although the header
 * reserves "%10s " for "bytes"), xtables_ipmask_to_numeric ("" for /32),
 * xtables_chain_protos (protocol names, used even with -n), and
 * extensions/libxt_udp.c and libxt_tcp.c print_ports. Trailing spaces are
 * kept exactly as iptables prints them: the header line ends in the padding
 * of "destination", a rule without a match in the padding of its
 * destination column.
 *
 * Simplified (beyond models/netfilter/netfilter.h):
 *  - a chain without rules and with an ACCEPT policy is not traversed (as if
 *    its table had no hook there), so its policy counters stay 0;
 *  - a GRO-merged skb counts once with skb->len - 14 bytes, as the kernel
 *    counts the merged skb once;
 *  - addresses are dotted quads only (no host names, no octal, no dotted
 *    masks), ports decimal only (no service names, no open ranges "a:"),
 *    protocols udp, tcp, icmp, all or a number;
 *  - the listing prints the matches in the order the rule gave them and the
 *    target's options last; "-m udp"/"-m tcp" prints " udp" even without
 *    ports.
 *
 * Messages beyond the header's list, for input iptables also rejects:
 *   "'OPT' needs a table|a chain|a protocol|an address|an interface|a match|
 *    a target|a port" (the header's "'-A' needs a chain" generalised)
 *   "unknown protocol 'X' (known: udp, tcp, icmp, all, 0..255)"
 *   "unknown match 'X' (known: udp, tcp)"
 *   "bad interface 'X' in iptables rule" (-i/-o longer than 15 bytes, IFNAMSIZ - 1)
 *   "'OPT' given twice in iptables rule"
 *   "'!' can only negate -p, -s, -d, -i, -o, --sport or --dport"
 */
#include "models/netfilter/netfilter.h"
#include "models/netfilter/ip_set.h"
#include "models/netfilter/nf_conntrack.h"

#include <stdarg.h>
#include <string.h>

#define IPPROTO_TCP_   6
#define NF_IFNAMSIZ    16
#define NF_HOOK_TABLES 4 /* tables on one hook at most (OUTPUT) */

const char *const nf_table_name[NF_TABLE_NR] = {
	[NF_TABLE_RAW] = "raw",
	[NF_TABLE_MANGLE] = "mangle",
	[NF_TABLE_NAT] = "nat",
	[NF_TABLE_FILTER] = "filter",
};

const char *const nf_hook_chain_name[NF_HOOK_NR] = {
	[NF_INET_PRE_ROUTING] = "PREROUTING",	[NF_INET_LOCAL_IN] = "INPUT",
	[NF_INET_FORWARD] = "FORWARD",		[NF_INET_LOCAL_OUT] = "OUTPUT",
	[NF_INET_POST_ROUTING] = "POSTROUTING",
};

/* The tables registered on each hook, in priority order (nf_ip_hook_priorities). */
static const struct {
	int n;				    /* tables on the hook */
	enum nf_table_id t[NF_HOOK_TABLES]; /* lowest priority value first */
} nf_hook_tables[NF_HOOK_NR] = {
	/* raw -300, mangle -150, nat (NAT_DST) -100 */
	[NF_INET_PRE_ROUTING] = { 3, { NF_TABLE_RAW, NF_TABLE_MANGLE, NF_TABLE_NAT } },
	/* mangle -150, filter 0, nat (NAT_SRC) 100 */
	[NF_INET_LOCAL_IN] = { 3, { NF_TABLE_MANGLE, NF_TABLE_FILTER, NF_TABLE_NAT } },
	/* mangle -150, filter 0 */
	[NF_INET_FORWARD] = { 2, { NF_TABLE_MANGLE, NF_TABLE_FILTER } },
	/* raw -300, mangle -150, nat (NAT_DST) -100, filter 0 */
	[NF_INET_LOCAL_OUT] = { 4,
				{ NF_TABLE_RAW, NF_TABLE_MANGLE, NF_TABLE_NAT, NF_TABLE_FILTER } },
	/* mangle -150, nat (NAT_SRC) 100 */
	[NF_INET_POST_ROUTING] = { 2, { NF_TABLE_MANGLE, NF_TABLE_NAT } },
};

static const char *const nf_verdict_name[] = {
	[NF_DROP] = "DROP",
	[NF_ACCEPT] = "ACCEPT",
};

/* The built-in targets, by enum nf_target (JUMP and GOTO print the chain's name). */
static const char *const nf_target_name[NF_TG_NR] = {
	[NF_TG_ACCEPT] = "ACCEPT", [NF_TG_DROP] = "DROP",
	[NF_TG_RETURN] = "RETURN", [NF_TG_JUMP] = NULL,
	[NF_TG_GOTO] = NULL,	   [NF_TG_REJECT] = "REJECT",
	[NF_TG_LOG] = "LOG",	   [NF_TG_SNAT] = "SNAT",
	[NF_TG_DNAT] = "DNAT",	   [NF_TG_MASQUERADE] = "MASQUERADE",
};

/*
 * --reject-with: libipt_REJECT's names (long form first, then the alias)
 * and the ICMP_DEST_UNREACH code reject_tg() sends. tcp-reset is not
 * modelled.
 */
static const struct {
	const char *name;  /* as iptables prints it */
	const char *alias; /* accepted too */
	uint8_t code;	   /* ICMP code */
} nf_reject_names[] = {
	{ "icmp-port-unreachable", "port-unreach", 3 },	  /* ICMP_PORT_UNREACH, the default */
	{ "icmp-net-unreachable", "net-unreach", 0 },	  /* ICMP_NET_UNREACH */
	{ "icmp-host-unreachable", "host-unreach", 1 },	  /* ICMP_HOST_UNREACH */
	{ "icmp-proto-unreachable", "proto-unreach", 2 }, /* ICMP_PROT_UNREACH */
	{ "icmp-net-prohibited", "net-prohib", 9 },	  /* ICMP_NET_ANO */
	{ "icmp-host-prohibited", "host-prohib", 10 },	  /* ICMP_HOST_ANO */
	{ "icmp-admin-prohibited", "admin-prohib", 13 },  /* ICMP_PKT_FILTERED */
};

#define NF_NREJECT (sizeof(nf_reject_names) / sizeof(nf_reject_names[0]))

/* syslog levels for --log-level, by number */
static const char *const nf_log_levels[] = { "emerg",	"alert",  "crit", "error",
					     "warning", "notice", "info", "debug" };

/* Does table @t have a built-in chain on hook @h? */
static bool nf_chain_exists(enum nf_table_id t, enum nf_hook_id h)
{
	for (int i = 0; i < nf_hook_tables[h].n; i++)
		if (nf_hook_tables[h].t[i] == t)
			return true;
	return false;
}

void nf_ruleset_init(struct nf_ruleset *rs)
{
	memset(rs, 0, sizeof(*rs));
	for (int t = 0; t < NF_TABLE_NR; t++) {
		for (int h = 0; h < NF_HOOK_NR; h++) {
			rs->chain[t][h].table = (enum nf_table_id)t;
			rs->chain[t][h].hook = (enum nf_hook_id)h;
			rs->chain[t][h].policy = NF_ACCEPT;
		}
	}
}

/* ------------------------------------------------------------------------- */
/* Parsing                                                                   */

/* One space-separated word of the rule string. */
struct nf_word {
	const char *s; /* start, not terminated */
	size_t len;    /* bytes */
	size_t off;    /* 0-based byte offset in the rule string */
};

enum nf_opt {
	OPT_TABLE,
	OPT_APPEND,
	OPT_POLICY,
	OPT_PROTO,
	OPT_SRC,
	OPT_DST,
	OPT_IN,
	OPT_OUT,
	OPT_MATCH,
	OPT_JUMP,
	OPT_SPORT,
	OPT_DPORT,
	OPT_FRAG,
	OPT_NEW,
	OPT_GOTO,
	OPT_REJECT_WITH,
	OPT_LOG_PREFIX,
	OPT_LOG_LEVEL,
	OPT_LIMIT,
	OPT_LIMIT_BURST,
	OPT_STATE,
	OPT_CTSTATE,
	OPT_TO_SOURCE,
	OPT_TO_DEST,
	OPT_MATCH_SET,
	OPT_NR,
};

/* Supported options, short forms first (suggestion ties go to the earliest). */
#define NF_OPTS(X)                                                                                 \
	X("-t", OPT_TABLE)                                                                         \
	X("-A", OPT_APPEND)                                                                        \
	X("-P", OPT_POLICY)                                                                        \
	X("-p", OPT_PROTO)                                                                         \
	X("-s", OPT_SRC)                                                                           \
	X("-d", OPT_DST)                                                                           \
	X("-i", OPT_IN)                                                                            \
	X("-o", OPT_OUT)                                                                           \
	X("-m", OPT_MATCH)                                                                         \
	X("-j", OPT_JUMP)                                                                          \
	X("--sport", OPT_SPORT)                                                                    \
	X("--dport", OPT_DPORT)                                                                    \
	X("-f", OPT_FRAG)                                                                          \
	X("-N", OPT_NEW)                                                                           \
	X("-g", OPT_GOTO)                                                                          \
	X("--reject-with", OPT_REJECT_WITH)                                                        \
	X("--log-prefix", OPT_LOG_PREFIX)                                                          \
	X("--log-level", OPT_LOG_LEVEL)                                                            \
	X("--limit", OPT_LIMIT)                                                                    \
	X("--limit-burst", OPT_LIMIT_BURST)                                                        \
	X("--state", OPT_STATE)                                                                    \
	X("--ctstate", OPT_CTSTATE)                                                                \
	X("--to-source", OPT_TO_SOURCE)                                                            \
	X("--to-destination", OPT_TO_DEST)                                                         \
	X("--match-set", OPT_MATCH_SET)                                                            \
	X("--table", OPT_TABLE)                                                                    \
	X("--append", OPT_APPEND)                                                                  \
	X("--policy", OPT_POLICY)                                                                  \
	X("--protocol", OPT_PROTO)                                                                 \
	X("--source", OPT_SRC)                                                                     \
	X("--src", OPT_SRC)                                                                        \
	X("--destination", OPT_DST)                                                                \
	X("--dst", OPT_DST)                                                                        \
	X("--in-interface", OPT_IN)                                                                \
	X("--out-interface", OPT_OUT)                                                              \
	X("--match", OPT_MATCH)                                                                    \
	X("--jump", OPT_JUMP)                                                                      \
	X("--source-port", OPT_SPORT)                                                              \
	X("--destination-port", OPT_DPORT)                                                         \
	X("--fragment", OPT_FRAG)                                                                  \
	X("--new-chain", OPT_NEW)                                                                  \
	X("--goto", OPT_GOTO)

static const char *const nf_opt_names[] = {
#define X(name, id) name,
	NF_OPTS(X)
#undef X
};

static const enum nf_opt nf_opt_ids[] = {
#define X(name, id) id,
	NF_OPTS(X)
#undef X
};

#define NF_NOPTS (sizeof(nf_opt_names) / sizeof(nf_opt_names[0]))

/* What each option's argument is, for "'-A' needs a chain". */
static const char *const nf_opt_arg[OPT_NR] = {
	[OPT_TABLE] = "a table",	[OPT_APPEND] = "a chain",
	[OPT_POLICY] = "a chain",	[OPT_PROTO] = "a protocol",
	[OPT_SRC] = "an address",	[OPT_DST] = "an address",
	[OPT_IN] = "an interface",	[OPT_OUT] = "an interface",
	[OPT_MATCH] = "a match",	[OPT_JUMP] = "a target",
	[OPT_SPORT] = "a port",		[OPT_DPORT] = "a port",
	[OPT_NEW] = "a chain",		[OPT_GOTO] = "a chain",
	[OPT_REJECT_WITH] = "a type",	[OPT_LOG_PREFIX] = "a prefix",
	[OPT_LOG_LEVEL] = "a level",	[OPT_LIMIT] = "a rate",
	[OPT_LIMIT_BURST] = "a number", [OPT_STATE] = "a state list",
	[OPT_CTSTATE] = "a state list", [OPT_TO_SOURCE] = "an address",
	[OPT_TO_DEST] = "an address",	[OPT_MATCH_SET] = "a set",
};

/* Options "!" may precede. */
static const bool nf_opt_invertible[OPT_NR] = {
	[OPT_PROTO] = true,   [OPT_SRC] = true,	      [OPT_DST] = true,	  [OPT_IN] = true,
	[OPT_OUT] = true,     [OPT_SPORT] = true,     [OPT_DPORT] = true, [OPT_FRAG] = true,
	[OPT_CTSTATE] = true, [OPT_MATCH_SET] = true,
};

/* What each target option belongs to, for "'--log-prefix' needs '-j LOG'". */
static const struct {
	enum nf_opt opt;      /* the option */
	bool is_target;	      /* true: needs target tg, false: needs match m */
	enum nf_target tg;    /* its target */
	enum nf_match_kind m; /* its match */
	const char *what;     /* "-j LOG" */
} nf_opt_owner[] = {
	{ OPT_REJECT_WITH, true, NF_TG_REJECT, NF_M_NR, "-j REJECT" },
	{ OPT_LOG_PREFIX, true, NF_TG_LOG, NF_M_NR, "-j LOG" },
	{ OPT_LOG_LEVEL, true, NF_TG_LOG, NF_M_NR, "-j LOG" },
	{ OPT_LIMIT, false, NF_TG_NR, NF_M_LIMIT, "-m limit" },
	{ OPT_LIMIT_BURST, false, NF_TG_NR, NF_M_LIMIT, "-m limit" },
	{ OPT_STATE, false, NF_TG_NR, NF_M_STATE, "-m state" },
	{ OPT_CTSTATE, false, NF_TG_NR, NF_M_CT, "-m conntrack" },
	{ OPT_TO_SOURCE, true, NF_TG_SNAT, NF_M_NR, "-j SNAT" },
	{ OPT_TO_DEST, true, NF_TG_DNAT, NF_M_NR, "-j DNAT" },
	{ OPT_MATCH_SET, false, NF_TG_NR, NF_M_SET, "-m set" },
};

#define NF_CMD_NEEDED "iptables rule needs '-A CHAIN ... -j TARGET' or '-P CHAIN TARGET'"
#define NF_BANG_ONLY                                                                               \
	"'!' can only negate -p, -s, -d, -i, -o, -f, --sport, --dport, --ctstate or --match-set"

struct nf_parser {
	const struct cfg_node *n;     /* the rule's node, for positions */
	struct sim_error *err;	      /* where errors go */
	const char *str;	      /* the rule string */
	size_t pos;		      /* scan position in str */
	struct nf_rule rule;	      /* the rule being built */
	enum nf_table_id table;	      /* -t, default filter */
	enum nf_hook_id hook;	      /* -A/-P chain */
	enum nf_opt cmd;	      /* OPT_APPEND, OPT_POLICY, OPT_NEW or OPT_NR (none yet) */
	int user;		      /* -A/-N: index of the user chain, -1 for a built-in one */
	uint32_t matches;	      /* -m given (and implied), bit per enum nf_match_kind */
	struct nf_word opt_w[OPT_NR]; /* each option's word, for positions */
	bool have_target;	      /* -j or -P's target seen */
	bool invert;		      /* a "!" is pending */
	uint64_t seen;		      /* options given, bit per enum nf_opt */
	struct nf_word cmd_w;	      /* the -A/-P word */
	struct nf_word chain_w;	      /* the chain name */
	struct nf_word target_w;      /* the target name */
	struct nf_word bang_w;	      /* the pending "!" */
	struct nf_word sport_w;	      /* the --sport option word */
	struct nf_word dport_w;	      /* the --dport option word */
	struct nf_word in_w;	      /* the -i option word */
	struct nf_word out_w;	      /* the -o option word */
	struct nf_word spec_w;	      /* the first rule-specification option */
	bool have_spec;		      /* spec_w is set */
	const struct nf_ruleset *rs;  /* the rule set, for user chain names */
};

static bool word_is(const struct nf_word *w, const char *s)
{
	return strlen(s) == w->len && memcmp(w->s, s, w->len) == 0;
}

/* Index of @w in @names (@n entries), or -1. */
static int word_find(const struct nf_word *w, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (word_is(w, names[i]))
			return i;
	return -1;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* The next word of @str from *@pos into @w; false at the end. */
static bool next_word(const char *str, size_t *pos, struct nf_word *w)
{
	size_t i = *pos;

	while (str[i] && is_space(str[i]))
		i++;
	if (!str[i])
		return false;
	w->s = str + i;
	w->off = i;
	if (str[i] == '"') {
		/* a quoted argument ("--log-prefix \"in: \""): up to the closing quote */
		i++;
		while (str[i] && str[i] != '"')
			i++;
		if (str[i])
			i++;
	}
	while (str[i] && !is_space(str[i]))
		i++;
	w->len = i - w->off;
	*pos = i;
	return true;
}

/* Record an error at word @w (its column; quoted scalars start one column later). */
static int perr(const struct nf_parser *p, const struct nf_word *w, const char *fmt, ...)
	SIM_PRINTF(3, 4);

static int perr(const struct nf_parser *p, const struct nf_word *w, const char *fmt, ...)
{
	char msg[SIM_ERROR_MSG];
	uint32_t col = p->n->col + (uint32_t)w->off + (p->n->quoted ? 1u : 0u);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return sim_error_at(p->err, p->n->file, p->n->line, col, "%s", msg);
}

/* Decimal digits only, at most @max; false otherwise. */
static bool parse_uint(const char *s, size_t len, uint32_t max, uint32_t *out)
{
	uint32_t v = 0;

	if (len == 0 || len > 10)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		if ((uint32_t)(s[i] - '0') > max || v > (max - (uint32_t)(s[i] - '0')) / 10)
			return false;
		v = v * 10 + (uint32_t)(s[i] - '0');
	}
	*out = v;
	return true;
}

/* "a.b.c.d" into host order. */
static bool parse_quad(const char *s, size_t len, uint32_t *out)
{
	uint32_t addr = 0, octet;
	size_t start = 0;
	int parts = 0;

	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != '.')
			continue;
		if (parts == 4 || !parse_uint(s + start, i - start, 255, &octet))
			return false;
		addr = addr << 8 | octet;
		parts++;
		start = i + 1;
	}
	*out = addr;
	return parts == 4;
}

/* ADDR[/PREFIX]: the address is masked, as iptables does. */
static bool parse_addr(const struct nf_word *w, uint32_t *addr, uint32_t *mask)
{
	const char *slash = memchr(w->s, '/', w->len);
	size_t alen = slash ? (size_t)(slash - w->s) : w->len;
	uint32_t prefix = 32;

	if (slash && !parse_uint(slash + 1, w->len - alen - 1, 32, &prefix))
		return false;
	if (!parse_quad(w->s, alen, addr))
		return false;
	*mask = prefix ? 0xffffffffu << (32 - prefix) : 0;
	*addr &= *mask;
	return true;
}

/* PORT or LO:HI with LO <= HI. */
static bool parse_ports(const struct nf_word *w, uint16_t *lo, uint16_t *hi)
{
	const char *colon = memchr(w->s, ':', w->len);
	size_t llen = colon ? (size_t)(colon - w->s) : w->len;
	uint32_t a, b;

	if (!parse_uint(w->s, llen, 65535, &a))
		return false;
	b = a;
	if (colon && !parse_uint(colon + 1, w->len - llen - 1, 65535, &b))
		return false;
	if (a > b)
		return false;
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return true;
}

/* -p: a name or a number; 0 and "all" are any (-1). */
static int parse_proto(struct nf_parser *p, const struct nf_word *w)
{
	static const char *const names[] = { "udp", "tcp", "icmp", "all" };
	static const int nums[] = { IPPROTO_UDP_, IPPROTO_TCP_, 1, -1 };
	int i = word_find(w, names, 4);
	uint32_t v;

	if (i >= 0) {
		p->rule.proto = nums[i];
	} else if (parse_uint(w->s, w->len, 255, &v)) {
		p->rule.proto = v ? (int)v : -1;
	} else {
		return perr(p, w, "unknown protocol '%.*s' (known: udp, tcp, icmp, all, 0..255)",
			    (int)w->len, w->s);
	}
	p->rule.proto_inv = p->invert;
	return 0;
}

static int parse_table(struct nf_parser *p, const struct nf_word *w)
{
	int t = word_find(w, nf_table_name, NF_TABLE_NR);

	if (t < 0)
		return perr(p, w, "unknown table '%.*s' (known: raw, mangle, nat, filter)",
			    (int)w->len, w->s);
	p->table = (enum nf_table_id)t;
	return 0;
}

/* The user chain called @w in any table, or -1. */
static int user_chain_find(const struct nf_ruleset *rs, const struct nf_word *w)
{
	for (uint32_t i = 0; i < rs->nuser; i++)
		if (word_is(w, rs->user[i].name))
			return (int)i;
	return -1;
}

static int unknown_chain(struct nf_parser *p, const struct nf_word *w)
{
	char known[512] = "PREROUTING, INPUT, FORWARD, OUTPUT, POSTROUTING";
	size_t len = strlen(known);

	for (uint32_t i = 0; i < p->rs->nuser && len < sizeof(known); i++)
		len += (size_t)snprintf(known + len, sizeof(known) - len, ", %s",
					p->rs->user[i].name);
	return perr(p, w, "unknown chain '%.*s' (known: %s)", (int)w->len, w->s, known);
}

/* -A/-P CHAIN: a built-in chain, or (-A only) a user chain made by -N. */
static int parse_chain(struct nf_parser *p, const struct nf_word *w)
{
	int h = word_find(w, nf_hook_chain_name, NF_HOOK_NR);

	p->chain_w = *w;
	p->user = -1;
	if (h >= 0) {
		p->hook = (enum nf_hook_id)h;
		return 0;
	}
	p->user = user_chain_find(p->rs, w);
	if (p->user < 0)
		return unknown_chain(p, w);
	if (p->cmd == OPT_POLICY)
		return perr(p, w, "'-P' needs a built-in chain, '%.*s' is a user chain",
			    (int)w->len, w->s);
	return 0;
}

/* -N NAME: the checks of iptables' -N and xtables' chain names. */
static int parse_new_chain(struct nf_parser *p, const struct nf_word *w)
{
	p->chain_w = *w;
	p->user = -1;
	if (w->len >= NF_CHAIN_MAXNAMELEN)
		return perr(p, w, "chain name '%.*s' too long (at most %d characters)", (int)w->len,
			    w->s, NF_CHAIN_MAXNAMELEN - 1);
	if (w->s[0] == '-' || w->s[0] == '!')
		return perr(p, w, "chain name '%.*s' may not start with '%c'", (int)w->len, w->s,
			    w->s[0]);
	for (int t = 0; t < NF_TG_NR; t++)
		if (nf_target_name[t] && word_is(w, nf_target_name[t]))
			return perr(p, w, "chain name '%.*s' clashes with a target name",
				    (int)w->len, w->s);
	if (p->rs->nuser >= NF_MAX_USER_CHAINS)
		return perr(p, w, "too many user chains (at most %d)", NF_MAX_USER_CHAINS);
	p->have_target = true; /* -N takes no -j */
	return 0;
}

/* -j TARGET: a built-in target or a user chain. */
static int parse_target(struct nf_parser *p, const struct nf_word *w)
{
	int v = -1;

	for (int t = 0; t < NF_TG_NR && v < 0; t++)
		if (nf_target_name[t] && word_is(w, nf_target_name[t]))
			v = t;
	p->target_w = *w;
	p->have_target = true;
	if (v >= 0) {
		p->rule.target = (enum nf_target)v;
		p->rule.verdict = v == NF_TG_DROP || v == NF_TG_REJECT ? NF_DROP : NF_ACCEPT;
		return 0;
	}
	p->rule.chain = (int16_t)user_chain_find(p->rs, w);
	if (p->rule.chain < 0)
		return perr(p, w,
			    "unknown target '%.*s' (known: ACCEPT, DROP, RETURN, REJECT, LOG, or a "
			    "chain made by -N)",
			    (int)w->len, w->s);
	p->rule.target = NF_TG_JUMP;
	p->rule.verdict = NF_ACCEPT;
	return 0;
}

/* -g CHAIN: a user chain only. */
static int parse_goto(struct nf_parser *p, const struct nf_word *w)
{
	p->target_w = *w;
	p->have_target = true;
	p->rule.chain = (int16_t)user_chain_find(p->rs, w);
	if (p->rule.chain < 0)
		return perr(p, w, "'-g' needs a chain made by -N, got '%.*s'", (int)w->len, w->s);
	p->rule.target = NF_TG_GOTO;
	p->rule.verdict = NF_ACCEPT;
	return 0;
}

/* --reject-with TYPE (libipt_REJECT names and aliases). */
static int parse_reject_with(struct nf_parser *p, const struct nf_word *w)
{
	for (size_t i = 0; i < NF_NREJECT; i++) {
		if (word_is(w, nf_reject_names[i].name) || word_is(w, nf_reject_names[i].alias)) {
			p->rule.reject_with = (uint8_t)i;
			p->rule.reject_code = nf_reject_names[i].code;
			return 0;
		}
	}
	return perr(p, w,
		    "unknown reject type '%.*s' (known: icmp-port-unreachable, "
		    "icmp-net-unreachable, icmp-host-unreachable, icmp-proto-unreachable, "
		    "icmp-net-prohibited, icmp-host-prohibited, icmp-admin-prohibited)",
		    (int)w->len, w->s);
}

/* --log-prefix P: quotes stripped, at most 29 characters (libxt_LOG). */
static int parse_log_prefix(struct nf_parser *p, const struct nf_word *w)
{
	const char *s = w->s;
	size_t len = w->len;

	if (len >= 2 && s[0] == '"' && s[len - 1] == '"') {
		s++;
		len -= 2;
	}
	if (len >= NF_LOG_PREFIX_LEN)
		return perr(p, w, "log prefix '%.*s' too long (at most %d characters)", (int)len, s,
			    NF_LOG_PREFIX_LEN - 1);
	memcpy(p->rule.log_prefix, s, len);
	p->rule.log_prefix[len] = '\0';
	return 0;
}

/* --log-level: 0-7 or a syslog name. */
static int parse_log_level(struct nf_parser *p, const struct nf_word *w)
{
	int i = word_find(w, nf_log_levels, 8);
	uint32_t v;

	if (i < 0 && parse_uint(w->s, w->len, 7, &v))
		i = (int)v;
	if (i < 0)
		return perr(p, w, "bad log level '%.*s' in iptables rule (0-7 or emerg ... debug)",
			    (int)w->len, w->s);
	p->rule.log_level = (uint8_t)i;
	return 0;
}

/*
 * --limit N[/second|/minute|/hour|/day] (any prefix of the unit, as
 * libxt_limit's parse_rate): avg = XT_LIMIT_SCALE * seconds / N.
 */
static int parse_limit(struct nf_parser *p, const struct nf_word *w)
{
	static const char *const units[] = { "second", "minute", "hour", "day" };
	static const uint32_t mult[] = { 1, 60, 3600, 86400 };
	const char *slash = memchr(w->s, '/', w->len);
	size_t nlen = slash ? (size_t)(slash - w->s) : w->len;
	uint32_t n, m = 1;

	if (slash) {
		size_t ulen = w->len - nlen - 1;
		int u = -1;

		for (int i = 0; i < 4 && ulen; i++)
			if (ulen <= strlen(units[i]) && !strncmp(slash + 1, units[i], ulen))
				u = i;
		if (u < 0)
			goto bad;
		m = mult[u];
	}
	if (!parse_uint(w->s, nlen, UINT32_MAX, &n) || n == 0)
		goto bad;
	if ((uint64_t)XT_LIMIT_SCALE * m / n == 0)
		return perr(p, w, "rate '%.*s' is too fast", (int)w->len, w->s);
	p->rule.rate.avg = (uint32_t)((uint64_t)XT_LIMIT_SCALE * m / n);
	return 0;
bad:
	return perr(p, w, "bad rate '%.*s' in iptables rule (like '10/sec')", (int)w->len, w->s);
}

static int parse_limit_burst(struct nf_parser *p, const struct nf_word *w)
{
	uint32_t v;

	if (!parse_uint(w->s, w->len, 10000, &v) || v == 0)
		return perr(p, w, "bad burst '%.*s' in iptables rule (1-10000)", (int)w->len, w->s);
	p->rule.rate.burst = v;
	return 0;
}

/* --state/--ctstate LIST: comma-separated INVALID, NEW, RELATED, ESTABLISHED. */
static int parse_state(struct nf_parser *p, const struct nf_word *w, enum nf_opt opt)
{
	static const char *const names[] = { "INVALID", "ESTABLISHED", "RELATED", "NEW" };
	size_t start = 0;

	p->rule.ctstate = 0;
	for (size_t i = 0; i <= w->len; i++) {
		struct nf_word part = { w->s + start, i - start, w->off + start };
		int k;

		if (i < w->len && w->s[i] != ',')
			continue;
		k = word_find(&part, names, 4);
		if (k < 0)
			return perr(p, &part,
				    "unknown state '%.*s' (known: INVALID, NEW, RELATED, "
				    "ESTABLISHED)",
				    (int)part.len, part.s);
		p->rule.ctstate |= (uint8_t)(1u << k);
		start = i + 1;
	}
	p->rule.ctstate_inv = opt == OPT_CTSTATE && p->invert;
	return 0;
}

/* -i/-o NAME (written as @opt_w). */
static int parse_iface(struct nf_parser *p, const struct nf_word *opt_w, const struct nf_word *w,
		       enum nf_opt opt)
{
	char *dev = opt == OPT_IN ? p->rule.in_dev : p->rule.out_dev;

	if (w->len >= NF_IFNAMSIZ)
		return perr(p, w, "bad interface '%.*s' in iptables rule", (int)w->len, w->s);
	memcpy(dev, w->s, w->len);
	dev[w->len] = '\0';
	if (opt == OPT_IN) {
		p->rule.in_inv = p->invert;
		p->in_w = *opt_w;
	} else {
		p->rule.out_inv = p->invert;
		p->out_w = *opt_w;
	}
	return 0;
}

/* --to-source / --to-destination ADDR[:PORT]. */
static int parse_nat_to(struct nf_parser *p, const struct nf_word *w)
{
	const char *colon = memchr(w->s, ':', w->len);
	size_t alen = colon ? (size_t)(colon - w->s) : w->len;
	uint32_t port = 0;

	if (!parse_quad(w->s, alen, &p->rule.nat_addr) ||
	    (colon && (!parse_uint(colon + 1, w->len - alen - 1, 65535, &port) || !port)))
		return perr(p, w, "bad address '%.*s' in iptables rule (ADDR or ADDR:PORT)",
			    (int)w->len, w->s);
	p->rule.nat_port = (uint16_t)port;
	return 0;
}

/* --match-set NAME src|dst: a set of the host, one direction (hash:ip has one dimension). */
static int parse_match_set(struct nf_parser *p, const struct nf_word *w)
{
	struct nf_word dir;

	p->rule.set = -1;
	for (uint32_t i = 0; i < p->rs->nsets; i++)
		if (word_is(w, p->rs->sets[i].name))
			p->rule.set = (int16_t)i;
	if (p->rule.set < 0)
		return perr(p, w, "unknown set '%.*s' (sets are made in the host's 'sets:')",
			    (int)w->len, w->s);
	if (!next_word(p->str, &p->pos, &dir))
		return perr(p, w, "'--match-set' needs a set and 'src' or 'dst'");
	if (!word_is(&dir, "src") && !word_is(&dir, "dst"))
		return perr(p, &dir, "'--match-set' needs 'src' or 'dst', got '%.*s'", (int)dir.len,
			    dir.s);
	p->rule.set_dst = word_is(&dir, "dst");
	p->rule.set_inv = p->invert;
	return 0;
}

/* Record match @m in the rule's order (once). */
static void add_match(struct nf_parser *p, enum nf_match_kind m)
{
	if (p->matches & 1u << m)
		return;
	p->matches |= 1u << m;
	SIM_BUG_ON(p->rule.nmatch >= NF_MAX_MATCHES);
	p->rule.match[p->rule.nmatch++] = m;
}

static int parse_match(struct nf_parser *p, const struct nf_word *w)
{
	static const char *const names[] = { "udp", "tcp", "limit", "state", "conntrack", "set" };
	static const enum nf_match_kind kind[] = { NF_M_PORTS, NF_M_PORTS, NF_M_LIMIT,
						   NF_M_STATE, NF_M_CT,	   NF_M_SET };
	int i = word_find(w, names, 6);

	if (i < 0)
		return perr(p, w,
			    "unknown match '%.*s' (known: udp, tcp, limit, state, conntrack, set)",
			    (int)w->len, w->s);
	if (p->matches & 1u << kind[i])
		return perr(p, w, "match '%.*s' given twice in iptables rule", (int)w->len, w->s);
	if (i < 2)
		p->rule.mproto = (uint8_t)(i == 0 ? IPPROTO_UDP_ : IPPROTO_TCP_);
	add_match(p, kind[i]);
	return 0;
}

static int parse_address(struct nf_parser *p, const struct nf_word *w, enum nf_opt opt)
{
	uint32_t addr, mask;

	if (!parse_addr(w, &addr, &mask))
		return perr(p, w, "bad address '%.*s' in iptables rule", (int)w->len, w->s);
	if (opt == OPT_SRC) {
		p->rule.src = addr;
		p->rule.src_mask = mask;
		p->rule.src_inv = p->invert;
	} else {
		p->rule.dst = addr;
		p->rule.dst_mask = mask;
		p->rule.dst_inv = p->invert;
	}
	return 0;
}

static int parse_port_opt(struct nf_parser *p, const struct nf_word *opt_w, const struct nf_word *w,
			  enum nf_opt opt)
{
	struct nf_rule *r = &p->rule;
	uint16_t lo, hi;

	if (!parse_ports(w, &lo, &hi))
		return perr(p, w, "bad port '%.*s' in iptables rule", (int)w->len, w->s);
	add_match(p, NF_M_PORTS);
	if (opt == OPT_SPORT) {
		r->sport_lo = lo;
		r->sport_hi = hi;
		r->sport_set = true;
		r->sport_inv = p->invert;
		p->sport_w = *opt_w;
	} else {
		r->dport_lo = lo;
		r->dport_hi = hi;
		r->dport_set = true;
		r->dport_inv = p->invert;
		p->dport_w = *opt_w;
	}
	return 0;
}

/* -A CHAIN / -P CHAIN TARGET. */
static int parse_command(struct nf_parser *p, const struct nf_word *opt_w, const struct nf_word *w,
			 enum nf_opt opt)
{
	struct nf_word tw;

	if (p->cmd != OPT_NR)
		return perr(p, opt_w, NF_CMD_NEEDED);
	p->cmd = opt;
	p->cmd_w = *opt_w;
	if (opt == OPT_NEW)
		return parse_new_chain(p, w);
	if (parse_chain(p, w))
		return -1;
	if (opt == OPT_APPEND)
		return 0;
	if (!next_word(p->str, &p->pos, &tw))
		return perr(p, opt_w, NF_CMD_NEEDED);
	return parse_target(p, &tw);
}

/* The argument @w of option @opt (written as @opt_w). */
static int parse_arg(struct nf_parser *p, const struct nf_word *opt_w, const struct nf_word *w,
		     enum nf_opt opt)
{
	switch (opt) {
	case OPT_TABLE:
		return parse_table(p, w);
	case OPT_APPEND:
	case OPT_POLICY:
	case OPT_NEW:
		return parse_command(p, opt_w, w, opt);
	case OPT_GOTO:
		return parse_goto(p, w);
	case OPT_REJECT_WITH:
		return parse_reject_with(p, w);
	case OPT_LOG_PREFIX:
		return parse_log_prefix(p, w);
	case OPT_LOG_LEVEL:
		return parse_log_level(p, w);
	case OPT_LIMIT:
		return parse_limit(p, w);
	case OPT_LIMIT_BURST:
		return parse_limit_burst(p, w);
	case OPT_STATE:
	case OPT_CTSTATE:
		return parse_state(p, w, opt);
	case OPT_TO_SOURCE:
	case OPT_TO_DEST:
		return parse_nat_to(p, w);
	case OPT_MATCH_SET:
		return parse_match_set(p, w);
	case OPT_PROTO:
		return parse_proto(p, w);
	case OPT_SRC:
	case OPT_DST:
		return parse_address(p, w, opt);
	case OPT_IN:
	case OPT_OUT:
		return parse_iface(p, opt_w, w, opt);
	case OPT_MATCH:
		return parse_match(p, w);
	case OPT_JUMP:
		return parse_target(p, w);
	case OPT_SPORT:
	case OPT_DPORT:
		return parse_port_opt(p, opt_w, w, opt);
	case OPT_FRAG:
	case OPT_NR:
		break;
	}
	SIM_BUG_ON(1);
	return -1;
}

static int unknown_option(struct nf_parser *p, const struct nf_word *w)
{
	char word[64];
	const char *near;

	snprintf(word, sizeof(word), "%.*s", (int)w->len, w->s);
	near = sim_nearest(word, nf_opt_names, NF_NOPTS);
	if (near)
		return perr(p, w, "unknown option '%.*s' in iptables rule (did you mean '%s'?)",
			    (int)w->len, w->s, near);
	return perr(p, w, "unknown option '%.*s' in iptables rule", (int)w->len, w->s);
}

/* Remember the first option that belongs to a rule (not allowed with -P). */
static void note_spec(struct nf_parser *p, const struct nf_word *w, enum nf_opt opt)
{
	if (opt == OPT_TABLE || opt == OPT_APPEND || opt == OPT_POLICY || opt == OPT_NEW ||
	    p->have_spec)
		return;
	p->spec_w = *w;
	p->have_spec = true;
}

/* One option word @w and its argument. */
static int parse_option(struct nf_parser *p, const struct nf_word *w)
{
	int i = word_find(w, nf_opt_names, (int)NF_NOPTS);
	struct nf_word arg;
	enum nf_opt opt;

	if (i < 0)
		return unknown_option(p, w);
	opt = nf_opt_ids[i];
	if (p->invert && !nf_opt_invertible[opt])
		return perr(p, &p->bang_w, NF_BANG_ONLY);
	if (opt != OPT_APPEND && opt != OPT_POLICY && opt != OPT_NEW && opt != OPT_MATCH &&
	    (p->seen & 1ull << opt))
		return perr(p, w, "'%.*s' given twice in iptables rule", (int)w->len, w->s);
	if ((opt == OPT_JUMP || opt == OPT_GOTO) &&
	    (p->seen & (1ull << OPT_JUMP | 1ull << OPT_GOTO)))
		return perr(p, w, "'%.*s' given twice in iptables rule", (int)w->len, w->s);
	p->seen |= 1ull << opt;
	p->opt_w[opt] = *w;
	note_spec(p, w, opt);
	if (opt == OPT_FRAG) {
		/* a flag: no argument */
		p->rule.frag = true;
		p->rule.frag_inv = p->invert;
		p->invert = false;
		return 0;
	}
	if (!next_word(p->str, &p->pos, &arg))
		return perr(p, w, "'%.*s' needs %s", (int)w->len, w->s, nf_opt_arg[opt]);
	if (parse_arg(p, w, &arg, opt))
		return -1;
	p->invert = false;
	return 0;
}

static int parse_words(struct nf_parser *p)
{
	struct nf_word w;

	while (next_word(p->str, &p->pos, &w)) {
		if (word_is(&w, "!")) {
			if (p->invert)
				return perr(p, &w, NF_BANG_ONLY);
			p->invert = true;
			p->bang_w = w;
			continue;
		}
		if (parse_option(p, &w))
			return -1;
	}
	if (p->invert)
		return perr(p, &p->bang_w, NF_BANG_ONLY);
	return 0;
}

/* --sport/--dport need a non-inverted -p udp or -p tcp (the implied -m udp/tcp). */
static int check_ports(struct nf_parser *p)
{
	const struct nf_rule *r = &p->rule;
	bool l4 = (r->proto == IPPROTO_UDP_ || r->proto == IPPROTO_TCP_) && !r->proto_inv;

	if (r->sport_set && !l4)
		return perr(p, &p->sport_w, "'%.*s' needs '-p udp' or '-p tcp'",
			    (int)p->sport_w.len, p->sport_w.s);
	if (r->dport_set && !l4)
		return perr(p, &p->dport_w, "'%.*s' needs '-p udp' or '-p tcp'",
			    (int)p->dport_w.len, p->dport_w.s);
	return 0;
}

/*
 * do_parse's check, by chain name: packets on PREROUTING/INPUT have no output
 * device, on OUTPUT/POSTROUTING no input device.
 */
static int check_ifaces(struct nf_parser *p)
{
	bool no_out = p->hook == NF_INET_PRE_ROUTING || p->hook == NF_INET_LOCAL_IN;
	bool no_in = p->hook == NF_INET_LOCAL_OUT || p->hook == NF_INET_POST_ROUTING;

	if (no_out && (p->seen & 1ull << OPT_OUT))
		return perr(p, &p->out_w, "'%.*s' cannot be used in chain '%s'", (int)p->out_w.len,
			    p->out_w.s, nf_hook_chain_name[p->hook]);
	if (no_in && (p->seen & 1ull << OPT_IN))
		return perr(p, &p->in_w, "'%.*s' cannot be used in chain '%s'", (int)p->in_w.len,
			    p->in_w.s, nf_hook_chain_name[p->hook]);
	return 0;
}

/* The user chain named @w in table @t, or -1. */
static int user_chain_in(const struct nf_ruleset *rs, const struct nf_word *w, enum nf_table_id t)
{
	for (uint32_t i = 0; i < rs->nuser; i++)
		if (rs->user[i].table == t && word_is(w, rs->user[i].name))
			return (int)i;
	return -1;
}

/* Can user chain @from reach user chain @to by -j/-g (mark_source_chains' loop check)? */
static bool chain_reaches(const struct nf_ruleset *rs, int from, int to, int depth)
{
	const struct nf_chain *c = &rs->user[from];

	if (from == to)
		return true;
	if (depth > NF_MAX_USER_CHAINS)
		return false;
	for (uint32_t i = 0; i < c->nrules; i++) {
		const struct nf_rule *r = &c->rules[i];

		if ((r->target == NF_TG_JUMP || r->target == NF_TG_GOTO) &&
		    chain_reaches(rs, r->chain, to, depth + 1))
			return true;
	}
	return false;
}

/* -N NAME: not a chain of the table already. */
static int check_new(struct nf_parser *p, const struct nf_ruleset *rs)
{
	int h = word_find(&p->chain_w, nf_hook_chain_name, NF_HOOK_NR);

	if ((h >= 0 && nf_chain_exists(p->table, (enum nf_hook_id)h)) ||
	    user_chain_in(rs, &p->chain_w, p->table) >= 0)
		return perr(p, &p->chain_w, "chain '%.*s' already exists in table '%s'",
			    (int)p->chain_w.len, p->chain_w.s, nf_table_name[p->table]);
	return 0;
}

/* The -A chain and the -j/-g chain belong to the rule's table; no loops. */
static int check_chains(struct nf_parser *p, const struct nf_ruleset *rs)
{
	struct nf_rule *r = &p->rule;

	if (p->user >= 0) {
		p->user = user_chain_in(rs, &p->chain_w, p->table);
		if (p->user < 0)
			return perr(p, &p->chain_w, "chain '%.*s' does not exist in table '%s'",
				    (int)p->chain_w.len, p->chain_w.s, nf_table_name[p->table]);
	} else {
		if (check_ifaces(p))
			return -1;
		if (!nf_chain_exists(p->table, p->hook))
			return perr(p, &p->chain_w, "chain '%s' does not exist in table '%s'",
				    nf_hook_chain_name[p->hook], nf_table_name[p->table]);
	}
	if (r->target != NF_TG_JUMP && r->target != NF_TG_GOTO)
		return 0;
	r->chain = (int16_t)user_chain_in(rs, &p->target_w, p->table);
	if (r->chain < 0)
		return perr(p, &p->target_w, "chain '%.*s' does not exist in table '%s'",
			    (int)p->target_w.len, p->target_w.s, nf_table_name[p->table]);
	if (p->user >= 0 && chain_reaches(rs, r->chain, p->user, 0))
		return perr(p, &p->target_w, "jump to '%.*s' makes a loop", (int)p->target_w.len,
			    p->target_w.s);
	return 0;
}

/* Target options need their target, match options their -m. */
static int check_owners(struct nf_parser *p)
{
	for (size_t i = 0; i < sizeof(nf_opt_owner) / sizeof(nf_opt_owner[0]); i++) {
		enum nf_opt o = nf_opt_owner[i].opt;
		bool ok = nf_opt_owner[i].is_target ? p->rule.target == nf_opt_owner[i].tg
						    : (p->matches & 1u << nf_opt_owner[i].m) != 0;

		if ((p->seen & 1ull << o) && !ok)
			return perr(p, &p->opt_w[o], "'%.*s' needs '%s'", (int)p->opt_w[o].len,
				    p->opt_w[o].s, nf_opt_owner[i].what);
	}
	if ((p->matches & 1u << NF_M_STATE) && !(p->seen & 1ull << OPT_STATE))
		return perr(p, &p->cmd_w, "'-m state' needs '--state'");
	if ((p->matches & 1u << NF_M_CT) && !(p->seen & 1ull << OPT_CTSTATE))
		return perr(p, &p->cmd_w, "'-m conntrack' needs '--ctstate'");
	if ((p->matches & 1u << NF_M_SET) && !(p->seen & 1ull << OPT_MATCH_SET))
		return perr(p, &p->cmd_w, "'-m set' needs '--match-set'");
	return 0;
}

/*
 * xt_nat / xt_MASQUERADE checkentry: the nat table, and the hooks that
 * manipulate what the target changes (checked by chain name for built-in
 * chains; a user chain may hold any).
 */
static int check_nat(struct nf_parser *p)
{
	static const struct {
		enum nf_target tg;   /* the target */
		unsigned hooks;	     /* built-in chains allowed, bit per hook */
		const char *chains;  /* their names */
		enum nf_opt to;	     /* its --to option, OPT_NR for none */
		const char *to_name; /* as written */
	} nat[] = {
		{ NF_TG_DNAT, 1u << NF_INET_PRE_ROUTING | 1u << NF_INET_LOCAL_OUT,
		  "PREROUTING and OUTPUT", OPT_TO_DEST, "--to-destination" },
		{ NF_TG_SNAT, 1u << NF_INET_POST_ROUTING | 1u << NF_INET_LOCAL_IN,
		  "POSTROUTING and INPUT", OPT_TO_SOURCE, "--to-source" },
		{ NF_TG_MASQUERADE, 1u << NF_INET_POST_ROUTING, "POSTROUTING", OPT_NR, NULL },
	};
	const struct nf_rule *r = &p->rule;
	bool l4 = (r->proto == IPPROTO_UDP_ || r->proto == IPPROTO_TCP_) && !r->proto_inv;

	for (size_t i = 0; i < sizeof(nat) / sizeof(nat[0]); i++) {
		if (r->target != nat[i].tg)
			continue;
		if (p->table != NF_TABLE_NAT)
			return perr(p, &p->target_w, "'-j %s' is only valid in the nat table",
				    nf_target_name[r->target]);
		if (p->user < 0 && !(nat[i].hooks & 1u << p->hook))
			return perr(p, &p->target_w, "'-j %s' is only valid in chains %s",
				    nf_target_name[r->target], nat[i].chains);
		if (nat[i].to != OPT_NR && !(p->seen & 1ull << nat[i].to))
			return perr(p, &p->target_w, "'-j %s' needs '%s'",
				    nf_target_name[r->target], nat[i].to_name);
		if (r->nat_port && !l4)
			return perr(p, &p->opt_w[nat[i].to],
				    "a port in '%s' needs '-p udp' or '-p tcp'", nat[i].to_name);
	}
	return 0;
}

/* limit_mt_check: avg * burst must fit the 32 bits it is computed in. */
static int check_limit(struct nf_parser *p)
{
	struct xt_rateinfo *r = &p->rule.rate;

	if (!(p->matches & 1u << NF_M_LIMIT))
		return 0;
	if (!r->avg)
		r->avg = XT_LIMIT_SCALE * 3600 / 3; /* XT_LIMIT_AVG "3/hour" */
	if (!r->burst)
		r->burst = 5; /* XT_LIMIT_BURST */
	if ((uint64_t)r->avg * r->burst > UINT32_MAX)
		return perr(p, p->seen & 1ull << OPT_LIMIT ? &p->opt_w[OPT_LIMIT] : &p->cmd_w,
			    "rate times burst overflows, try lower");
	return 0;
}

/* Whole-rule checks once every word is read. */
static int check_rule(struct nf_parser *p, const struct nf_ruleset *rs)
{
	struct nf_word start = { p->str, 0, 0 };
	const struct nf_chain *c;

	if (p->cmd == OPT_NR)
		return perr(p, &start, NF_CMD_NEEDED);
	if (p->cmd == OPT_APPEND && !p->have_target)
		return perr(p, &p->cmd_w, NF_CMD_NEEDED);
	if ((p->cmd == OPT_POLICY || p->cmd == OPT_NEW) && p->have_spec)
		return perr(p, &p->spec_w, NF_CMD_NEEDED);
	if (p->cmd == OPT_NEW)
		return check_new(p, rs);
	if (p->cmd == OPT_POLICY && p->rule.target != NF_TG_ACCEPT && p->rule.target != NF_TG_DROP)
		return perr(p, &p->target_w, "a policy must be ACCEPT or DROP, got '%.*s'",
			    (int)p->target_w.len, p->target_w.s);
	if (check_chains(p, rs))
		return -1;
	if (p->table == NF_TABLE_NAT && p->rule.verdict == NF_DROP)
		return perr(p, &p->target_w, "the nat table does not allow DROP");
	if (p->rule.target == NF_TG_REJECT && p->table != NF_TABLE_FILTER)
		return perr(p, &p->target_w, "'-j REJECT' is only valid in the filter table");
	if (check_nat(p))
		return -1;
	if (check_owners(p) || check_limit(p) || check_ports(p))
		return -1;
	c = p->user >= 0 ? &rs->user[p->user] : &rs->chain[p->table][p->hook];
	if (p->cmd == OPT_APPEND && c->nrules >= NF_MAX_RULES)
		return perr(p, &p->chain_w, "too many rules in chain '%.*s' (at most %d)",
			    (int)p->chain_w.len, p->chain_w.s, NF_MAX_RULES);
	return 0;
}

static void copy_text(char *dst, size_t size, const char *src)
{
	size_t len = strlen(src);

	if (len >= size)
		len = size - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* -N: a new user chain of the table. */
static void commit_new(struct nf_parser *p, struct nf_ruleset *rs)
{
	struct nf_chain *c = &rs->user[rs->nuser++];

	memset(c, 0, sizeof(*c));
	c->table = p->table;
	c->user = true;
	c->policy = NF_ACCEPT;
	memcpy(c->name, p->chain_w.s, p->chain_w.len);
	c->name[p->chain_w.len] = '\0';
}

/* Apply a checked rule to @rs. */
static void commit_rule(struct nf_parser *p, struct nf_ruleset *rs)
{
	struct nf_chain *c;

	if (p->cmd == OPT_NEW) {
		commit_new(p, rs);
		return;
	}
	c = p->user >= 0 ? &rs->user[p->user] : &rs->chain[p->table][p->hook];
	if (p->cmd == OPT_POLICY) {
		c->policy = p->rule.verdict;
	} else {
		copy_text(p->rule.text, sizeof(p->rule.text), p->str);
		c->rules[c->nrules++] = p->rule;
		if (p->rule.target == NF_TG_JUMP || p->rule.target == NF_TG_GOTO)
			rs->user[p->rule.chain].refs++;
		if (p->matches & (1u << NF_M_STATE | 1u << NF_M_CT) ||
		    p->rule.target == NF_TG_SNAT || p->rule.target == NF_TG_DNAT ||
		    p->rule.target == NF_TG_MASQUERADE)
			rs->ct_needed = true;
	}
	if (!c->user)
		c->used = c->nrules > 0 || c->policy != NF_ACCEPT;
}

static void parser_init(struct nf_parser *p, const struct cfg_node *n, struct sim_error *err)
{
	memset(p, 0, sizeof(*p));
	p->n = n;
	p->err = err;
	p->str = n->str ? n->str : "";
	p->table = NF_TABLE_FILTER;
	p->cmd = OPT_NR;
	p->user = -1;
	p->rule.proto = -1;
	p->rule.chain = -1;
	p->rule.set = -1;
	p->rule.log_level = 4;	 /* LOG_WARNING, libxt_LOG's default */
	p->rule.reject_code = 3; /* ICMP_PORT_UNREACH: libipt_REJECT's default */
	p->rule.sport_hi = 65535;
	p->rule.dport_hi = 65535;
}

int nf_parse_rule(struct nf_ruleset *rs, const struct cfg_node *n, struct sim_error *err)
{
	struct nf_parser p;

	parser_init(&p, n, err);
	p.rs = rs;
	if (parse_words(&p) || check_rule(&p, rs))
		return -1;
	commit_rule(&p, rs);
	return 0;
}

/* ------------------------------------------------------------------------- */
/* Traversal                                                                 */

static bool addr_match(uint32_t addr, uint32_t net, uint32_t mask, bool inv)
{
	return ((addr & mask) == net) != inv;
}

static bool port_match(uint16_t port, uint16_t lo, uint16_t hi, bool inv)
{
	return (port >= lo && port <= hi) != inv;
}

/*
 * -i/-o NAME against device @dev ("" for none, the kernel's nulldevname):
 * "NAME+" is a prefix (iptables' wildcard; a lone "+" matches anything), ""
 * (no option) matches any device and is never inverted.
 */
static bool dev_match(const char *name, bool inv, const char *dev)
{
	size_t len = strlen(name);
	bool m;

	if (!len)
		m = true;
	else if (name[len - 1] == '+')
		m = strncmp(dev, name, len - 1) == 0;
	else
		m = strcmp(dev, name) == 0;
	return m != inv;
}

/* The implied udp/tcp match: only UDP and TCP packets have ports. */
static bool ports_match(const struct nf_rule *r, const struct sk_buff *skb)
{
	if (!r->sport_set && !r->dport_set)
		return true;
	/* udp_mt/tcp_mt: a later fragment has no header to match */
	if ((skb->protocol != IPPROTO_UDP_ && skb->protocol != IPPROTO_TCP_) || skb->frag_off)
		return false;
	if (r->sport_set && !port_match(skb->sport, r->sport_lo, r->sport_hi, r->sport_inv))
		return false;
	return !r->dport_set || port_match(skb->dport, r->dport_lo, r->dport_hi, r->dport_inv);
}

/* ip_packet_match plus the rule's port match. */
static bool rule_match(const struct nf_rule *r, const struct sk_buff *skb, const char *in_dev,
		       const char *out_dev)
{
	if (r->proto >= 0 && (skb->protocol == r->proto) == r->proto_inv)
		return false;
	if (!addr_match(skb->saddr, r->src, r->src_mask, r->src_inv))
		return false;
	if (!addr_match(skb->daddr, r->dst, r->dst_mask, r->dst_inv))
		return false;
	if (!dev_match(r->in_dev, r->in_inv, in_dev) || !dev_match(r->out_dev, r->out_inv, out_dev))
		return false;
	/* IPT_F_FRAG: a second or later fragment (non-zero offset) */
	if (r->frag && (skb->frag_off != 0) == r->frag_inv)
		return false;
	return ports_match(r, skb);
}

/* What the matches of one traversal need besides the packet. */
struct nf_match_ctx {
	struct nf_ruleset *rs;		/* for the connection table */
	const struct nf_hook_state *st; /* time, devices */
	struct sk_buff *skb;		/* the packet (NAT rewrites it) */
	uint8_t ctstate;		/* its XT_STATE_* bit, 0 until asked */
	const struct costs *costs;	/* for the matches that cost more than a rule */
	uint64_t *cycles;		/* where they add it */
};

/*
 * CREDITS_PER_JIFFY of xt_limit.c for @hz: the power of two at or below
 * MAX_CPJ = 0xFFFFFFFF / (HZ * 60 * 60 * 24).
 */
static uint32_t credits_per_jiffy(uint32_t hz)
{
	uint32_t max = UINT32_MAX / (hz * 86400u), p = 1;

	while (p * 2 <= max)
		p *= 2;
	return p;
}

/* user2credits: with the kernel's 32-bit arithmetic. */
static uint32_t user2credits(uint32_t user, uint32_t hz)
{
	uint32_t cpj = credits_per_jiffy(hz);

	if (user > UINT32_MAX / (hz * cpj))
		return (user / XT_LIMIT_SCALE) * hz * cpj;
	return (user * hz * cpj) / XT_LIMIT_SCALE;
}

/* limit_mt_check at the rule's load (jiffy 0): credits full. */
static void limit_init(struct xt_rateinfo *r, uint32_t hz)
{
	r->hz = hz;
	r->prev = 0;
	r->credit = user2credits(r->avg * r->burst, hz);
	r->credit_cap = r->credit;
	r->cost = user2credits(r->avg, hz);
}

/* limit_mt: refill by the jiffies since the last packet, take one packet's cost. */
static bool limit_mt(struct xt_rateinfo *r, uint64_t now, uint32_t hz)
{
	uint32_t credit;

	if (r->hz != hz)
		limit_init(r, hz);
	if (r->credit < r->cost && r->prev == now)
		return false;
	credit = r->credit + (uint32_t)(now - r->prev) * credits_per_jiffy(hz);
	if (credit > r->credit_cap || credit < r->credit)
		credit = r->credit_cap;
	r->prev = now;
	if (credit < r->cost) {
		r->credit = credit;
		return false;
	}
	r->credit = credit - r->cost;
	return true;
}

/* xt_state / xt_conntrack's state test. */
static bool state_mt(const struct nf_rule *r, struct nf_match_ctx *m)
{
	if (!m->ctstate)
		m->ctstate =
			m->rs->ct ? nf_ct_state(m->rs->ct, m->skb, m->st->jiffies) : XT_STATE_NEW;
	return ((r->ctstate & m->ctstate) != 0) != r->ctstate_inv;
}

/* xt_set set_match_v0: ip_set_test on the packet's source or destination. */
static bool set_mt(const struct nf_rule *r, struct nf_match_ctx *m)
{
	uint32_t addr = r->set_dst ? m->skb->daddr : m->skb->saddr;

	*m->cycles += m->costs->ip_set_lookup;
	return ip_set_test(&m->rs->sets[r->set], addr) != r->set_inv;
}

/* The rule's matches in order; the first that fails ends the test (IPT_MATCH_ITERATE). */
static bool matches_match(struct nf_rule *r, struct nf_match_ctx *m)
{
	for (uint8_t i = 0; i < r->nmatch; i++) {
		switch (r->match[i]) {
		case NF_M_PORTS:
			if (!ports_match(r, m->skb))
				return false;
			break;
		case NF_M_LIMIT:
			if (!limit_mt(&r->rate, m->st->jiffies, m->st->hz ? m->st->hz : 1000))
				return false;
			break;
		case NF_M_STATE:
		case NF_M_CT:
			if (!state_mt(r, m))
				return false;
			break;
		case NF_M_SET:
			if (!set_mt(r, m))
				return false;
			break;
		case NF_M_NR:
			SIM_BUG_ON(1);
		}
	}
	return true;
}

/* xt_nat / masquerade_tg: bind the new connection (NF_ACCEPT follows). */
static void nat_target(struct nf_match_ctx *m, const struct nf_hook_state *st,
		       const struct nf_rule *r)
{
	struct nf_conntrack_net *cn = m->rs->ct;

	if (!cn)
		return;
	if (r->target == NF_TG_DNAT)
		nf_nat_setup_info(cn, m->skb, false, r->nat_addr, r->nat_port);
	else if (r->target == NF_TG_SNAT)
		nf_nat_setup_info(cn, m->skb, true, r->nat_addr, r->nat_port);
	else if (st->out_addr) /* nf_nat_masquerade_ipv4: inet_select_addr of the out device */
		nf_nat_setup_info(cn, m->skb, true, st->out_addr, 0);
}

/* A return point of the jump stack. */
struct nf_frame {
	struct nf_chain *c; /* the chain that jumped */
	uint32_t next;	    /* the rule after the jump */
};

static enum nf_verdict chain_policy(struct nf_chain *c, uint64_t bytes)
{
	c->policy_pkts++;
	c->policy_bytes += bytes;
	return c->policy;
}

/*
 * ipt_do_table from built-in chain @base: rules in order, -j pushes a return
 * point, -g does not, RETURN or a user chain's end pops one (or, with none,
 * the policy of @base applies, its underflow entry).
 */
static enum nf_verdict do_chain(struct nf_chain *base, struct nf_match_ctx *m,
				struct nf_hook_state *st, const struct costs *costs,
				uint64_t *cycles)
{
	const struct sk_buff *skb = m->skb;
	uint64_t bytes = skb->len > ETH_HLEN ? skb->len - ETH_HLEN : 0;
	struct nf_frame stack[NF_MAX_USER_CHAINS + 1];
	struct nf_chain *c = base;
	uint32_t i = 0, sp = 0;

	for (;;) {
		struct nf_rule *r;

		if (i >= c->nrules) {
			if (!c->user)
				return chain_policy(base, bytes);
			goto do_return; /* a user chain ends in an implicit RETURN */
		}
		r = &c->rules[i++];
		*cycles += costs->nf_rule;
		if (!rule_match(r, skb, st->in, st->out) || !matches_match(r, m))
			continue;
		r->pkts++;
		r->bytes += bytes;
		switch (r->target) {
		case NF_TG_ACCEPT:
			return NF_ACCEPT;
		case NF_TG_DROP:
			return NF_DROP;
		case NF_TG_REJECT:
			/* reject_tg: nf_send_unreach (no error about a later fragment), NF_DROP */
			if (!skb->frag_off)
				st->reject_code = r->reject_code;
			return NF_DROP;
		case NF_TG_LOG:
			*cycles += costs->nf_log;
			continue; /* XT_CONTINUE */
		case NF_TG_JUMP:
			SIM_BUG_ON(sp >= NF_MAX_USER_CHAINS + 1);
			stack[sp].c = c;
			stack[sp++].next = i;
			/* fall through */
		case NF_TG_GOTO:
			c = &m->rs->user[r->chain];
			i = 0;
			continue;
		case NF_TG_SNAT:
		case NF_TG_DNAT:
		case NF_TG_MASQUERADE:
			nat_target(m, st, r);
			return NF_ACCEPT;
		case NF_TG_RETURN:
			goto do_return;
		case NF_TG_NR:
			SIM_BUG_ON(1);
		}
		continue;
	do_return:
		if (!sp)
			return chain_policy(base, bytes);
		sp--;
		c = stack[sp].c;
		i = stack[sp].next;
	}
}

/* Does connection tracking run on @hook (nf_conntrack_in or its confirmation)? */
static bool ct_hook(const struct nf_ruleset *rs, enum nf_hook_id hook)
{
	return rs->ct_needed && hook != NF_INET_FORWARD;
}

bool nf_hook_active(const struct nf_ruleset *rs, enum nf_hook_id hook)
{
	SIM_BUG_ON(hook >= NF_HOOK_NR);
	if (!rs)
		return false;
	if (ct_hook(rs, hook))
		return true;
	for (int i = 0; i < nf_hook_tables[hook].n; i++)
		if (rs->chain[nf_hook_tables[hook].t[i]][hook].used)
			return true;
	return false;
}

/* The packet is dropped in this hook: an entry reserved for it dies. */
static enum nf_verdict hook_drop(struct nf_ruleset *rs, const struct sk_buff *skb)
{
	if (rs->ct)
		nf_conntrack_drop(rs->ct, skb);
	return NF_DROP;
}

/*
 * The nat table's place on a hook with connection tracking on: its chain for
 * a connection's first packet only (nf_nat_inet_fn: IP_CT_NEW and not yet
 * bound), then nf_nat_packet for every packet. Destination rewriting at
 * PRE_ROUTING and LOCAL_OUT, source rewriting at POST_ROUTING and LOCAL_IN.
 */
static enum nf_verdict nat_hook(struct nf_chain *c, struct nf_match_ctx *m,
				struct nf_hook_state *st, const struct costs *costs,
				uint64_t *cycles)
{
	bool src = st->hook == NF_INET_POST_ROUTING || st->hook == NF_INET_LOCAL_IN;

	if (c->used && nf_ct_is_new(m->rs->ct, m->skb) &&
	    do_chain(c, m, st, costs, cycles) == NF_DROP)
		return NF_DROP;
	if (nf_nat_packet(m->rs->ct, m->skb, src))
		*cycles += costs->nf_nat;
	return NF_ACCEPT;
}

enum nf_verdict nf_hook_slow(struct nf_ruleset *rs, struct nf_hook_state *st, struct sk_buff *skb,
			     const struct costs *costs, uint64_t *cycles)
{
	struct nf_match_ctx m = { rs, st, skb, 0, costs, cycles };
	enum nf_hook_id hook = st->hook;
	bool ct_in = rs && rs->ct && (hook == NF_INET_PRE_ROUTING || hook == NF_INET_LOCAL_OUT);

	st->reject_code = -1;
	if (!nf_hook_active(rs, hook))
		return NF_ACCEPT;
	if (!st->in)
		st->in = ""; /* ipt_do_table: state->in ? state->in->name : nulldevname */
	if (!st->out)
		st->out = "";
	*cycles += costs->nf_hook;
	for (int i = 0; i < nf_hook_tables[hook].n; i++) {
		enum nf_table_id t = nf_hook_tables[hook].t[i];
		struct nf_chain *c = &rs->chain[t][hook];

		if (ct_in && t != NF_TABLE_RAW) {
			/* NF_IP_PRI_CONNTRACK (-200): after raw, before mangle */
			ct_in = false;
			m.ctstate = 0;
			if (nf_conntrack_in(rs->ct, st, skb, costs, cycles) == NF_DROP)
				return NF_DROP;
		} else if (ct_in) {
			m.ctstate = XT_STATE_INVALID; /* raw runs before conntrack: no entry yet */
		}
		if (t == NF_TABLE_NAT && rs->ct) {
			if (nat_hook(c, &m, st, costs, cycles) == NF_DROP)
				return hook_drop(rs, skb);
			continue;
		}
		if (c->used && do_chain(c, &m, st, costs, cycles) == NF_DROP)
			return hook_drop(rs, skb);
	}
	if (ct_in && nf_conntrack_in(rs->ct, st, skb, costs, cycles) == NF_DROP)
		return NF_DROP;
	/* NF_IP_PRI_CONNTRACK_CONFIRM: the last thing on LOCAL_IN and POST_ROUTING */
	if (rs->ct && (hook == NF_INET_LOCAL_IN || hook == NF_INET_POST_ROUTING))
		nf_conntrack_confirm(rs->ct, skb);
	return NF_ACCEPT;
}

enum nf_verdict nf_hook(struct nf_ruleset *rs, enum nf_hook_id hook, const struct sk_buff *skb,
			const char *in_dev, const char *out_dev, const struct costs *costs,
			uint64_t *cycles)
{
	struct nf_hook_state st = { hook, in_dev, out_dev, 0, 1000, 0, -1, 0 };
	struct sk_buff copy = *skb; /* NAT needs connection tracking, which needs a host */

	return nf_hook_slow(rs, &st, &copy, costs, cycles);
}

void nf_ruleset_release(struct nf_ruleset *rs)
{
	if (!rs)
		return;
	nf_conntrack_free(rs->ct);
	rs->ct = NULL;
	ip_set_release(rs);
}

/* ------------------------------------------------------------------------- */
/* Listing                                                                   */

/* proto_to_name() with -n: xtables_chain_protos, first name per number. */
static const char *proto_name(int proto)
{
	static const struct {
		int num;
		const char *name;
	} protos[] = {
		{ 6, "tcp" },	    { 132, "sctp" },   { 17, "udp" },
		{ 136, "udplite" }, { 1, "icmp" },     { 58, "ipv6-icmp" },
		{ 50, "esp" },	    { 51, "ah" },      { 135, "mobility-header" },
		{ 33, "dccp" },	    { 108, "ipcomp" }, { -1, "all" },
	};

	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (protos[i].num == proto)
			return protos[i].name;
	return NULL;
}

/* xtables_ipaddr_to_numeric + xtables_ipmask_to_numeric: "a.b.c.d/len", no "/32". */
static void format_addr(char *buf, size_t size, uint32_t addr, uint32_t mask)
{
	int len = 0;

	while (len < 32 && (mask & (0x80000000u >> len)))
		len++;
	if (len == 32)
		snprintf(buf, size, "%u.%u.%u.%u", addr >> 24, (addr >> 16) & 255,
			 (addr >> 8) & 255, addr & 255);
	else
		snprintf(buf, size, "%u.%u.%u.%u/%d", addr >> 24, (addr >> 16) & 255,
			 (addr >> 8) & 255, addr & 255, len);
}

/* libxt_udp print_ports: nothing for the full range unless inverted. */
static void write_ports(FILE *f, const char *name, uint16_t lo, uint16_t hi, bool inv)
{
	const char *bang = inv ? "!" : "";

	if (lo == 0 && hi == 65535 && !inv)
		return;
	if (lo == hi)
		fprintf(f, " %s:%s%u", name, bang, lo);
	else
		fprintf(f, " %ss:%s%u:%u", name, bang, lo, hi);
}

/* The udp/tcp match's print(): " udp spt:53 dpt:9999". */
static void write_ports_match(FILE *f, const struct nf_rule *r)
{
	fprintf(f, " %s", proto_name(r->mproto ? r->mproto : r->proto));
	if (r->sport_set)
		write_ports(f, "spt", r->sport_lo, r->sport_hi, r->sport_inv);
	if (r->dport_set)
		write_ports(f, "dpt", r->dport_lo, r->dport_hi, r->dport_inv);
}

/* libxt_limit print_rate: the largest unit that keeps the rate whole enough. */
static void write_rate(FILE *f, uint32_t period)
{
	static const struct {
		const char *name;
		uint32_t mult;
	} rates[] = { { "day", XT_LIMIT_SCALE * 24 * 60 * 60 },
		      { "hour", XT_LIMIT_SCALE * 60 * 60 },
		      { "min", XT_LIMIT_SCALE * 60 },
		      { "sec", XT_LIMIT_SCALE } };
	size_t i;

	for (i = 1; i < sizeof(rates) / sizeof(rates[0]); ++i)
		if (period > rates[i].mult || rates[i].mult / period < rates[i].mult % period)
			break;
	fprintf(f, " %u/%s", rates[i - 1].mult / period, rates[i - 1].name);
}

/* libxt_state / libxt_conntrack print_state: INVALID, NEW, RELATED, ESTABLISHED. */
static void write_states(FILE *f, uint8_t mask)
{
	static const struct {
		uint8_t bit;
		const char *name;
	} order[] = { { XT_STATE_INVALID, "INVALID" },
		      { XT_STATE_NEW, "NEW" },
		      { XT_STATE_RELATED, "RELATED" },
		      { XT_STATE_ESTABLISHED, "ESTABLISHED" } };
	const char *sep = " ";

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if (mask & order[i].bit) {
			fprintf(f, "%s%s", sep, order[i].name);
			sep = ",";
		}
	}
}

/* Every match's print(), in the rule's order. */
static void write_match(FILE *f, const struct nf_ruleset *rs, const struct nf_rule *r)
{
	for (uint8_t i = 0; i < r->nmatch; i++) {
		switch (r->match[i]) {
		case NF_M_PORTS:
			write_ports_match(f, r);
			break;
		case NF_M_LIMIT:
			fprintf(f, " limit: avg");
			write_rate(f, r->rate.avg);
			fprintf(f, " burst %u", r->rate.burst);
			break;
		case NF_M_STATE:
			fprintf(f, " state");
			write_states(f, r->ctstate);
			break;
		case NF_M_CT:
			fprintf(f, "%s ctstate", r->ctstate_inv ? " !" : "");
			write_states(f, r->ctstate);
			break;
		case NF_M_SET:
			/* libxt_set print_match: " ! match-set NAME src" */
			fprintf(f, "%s match-set %s %s", r->set_inv ? " !" : "",
				rs->sets[r->set].name, r->set_dst ? "dst" : "src");
			break;
		case NF_M_NR:
			SIM_BUG_ON(1);
		}
	}
}

/* The target's print(): REJECT and LOG options. */
static void write_target(FILE *f, const struct nf_rule *r)
{
	if (r->target == NF_TG_REJECT)
		fprintf(f, " reject-with %s", nf_reject_names[r->reject_with].name);
	if (r->target == NF_TG_SNAT || r->target == NF_TG_DNAT) {
		/* xt_nat print_range: "to:ADDR[:PORT]" */
		char buf[24];

		format_addr(buf, sizeof(buf), r->nat_addr, 0xffffffffu);
		fprintf(f, " to:%s", buf);
		if (r->nat_port)
			fprintf(f, ":%u", r->nat_port);
	}
	if (r->target == NF_TG_LOG) {
		fprintf(f, " LOG flags 0 level %u", r->log_level);
		if (r->log_prefix[0])
			fprintf(f, " prefix \"%s\"", r->log_prefix);
	}
}

/*
 * print_rule_details + print_fragment: counters, target, prot, opt. With -n,
 * iptables 1.8.9 prints the protocol's number (0 for any), as measured in
 * tests/kernel-ref/formats/iptables.
 */
static void write_rule_head(FILE *f, const struct nf_ruleset *rs, const struct nf_rule *r)
{
	const char *target = r->target == NF_TG_JUMP || r->target == NF_TG_GOTO
				     ? rs->user[r->chain].name
				     : nf_target_name[r->target];

	fprintf(f, "%8llu %8llu %-9s ", (unsigned long long)r->pkts, (unsigned long long)r->bytes,
		target);
	fputc(r->proto_inv ? '!' : ' ', f);
	fprintf(f, "%-4d ", r->proto < 0 ? 0 : r->proto);
	/* print_fragment */
	fprintf(f, "%c%c ", r->frag_inv ? '!' : '-', r->frag ? 'f' : '-');
}

/* print_ifaces + print_ipv4_addresses. */
static void write_rule_addrs(FILE *f, const struct nf_rule *r)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%s%s", r->in_inv ? "!" : "", r->in_dev[0] ? r->in_dev : "*");
	fprintf(f, " %-6s ", buf);
	snprintf(buf, sizeof(buf), "%s%s", r->out_inv ? "!" : "", r->out_dev[0] ? r->out_dev : "*");
	fprintf(f, "%-6s ", buf);
	format_addr(buf, sizeof(buf), r->src, r->src_mask);
	fprintf(f, "%c%-19s ", r->src_inv ? '!' : ' ', buf);
	format_addr(buf, sizeof(buf), r->dst, r->dst_mask);
	fprintf(f, "%c%-19s ", r->dst_inv ? '!' : ' ', buf);
}

static void write_rule(FILE *f, const struct nf_ruleset *rs, const struct nf_rule *r)
{
	write_rule_head(f, rs, r);
	write_rule_addrs(f, r);
	if (r->target == NF_TG_GOTO)
		fputs("[goto] ", f); /* print_firewall: IPT_F_GOTO */
	write_match(f, rs, r);
	write_target(f, r);
	fputc('\n', f);
}

/* print_header with FMT_OPTIONS | FMT_VIA | FMT_NUMERIC, no FMT_KILOMEGAGIGA. */
static void write_chain_header(FILE *f, const struct nf_chain *c)
{
	if (c->user)
		fprintf(f, "Chain %s (%u references)\n", c->name, c->refs);
	else
		fprintf(f, "Chain %s (policy %s %llu packets, %llu bytes)\n",
			nf_hook_chain_name[c->hook], nf_verdict_name[c->policy],
			(unsigned long long)c->policy_pkts, (unsigned long long)c->policy_bytes);
	fprintf(f, "%8s %10s %-9s  prot opt %-6s %-6s  %-19s  %-19s \n", "pkts", "bytes", "target",
		"in", "out", "source", "destination");
}

static bool table_used(const struct nf_ruleset *rs, enum nf_table_id t)
{
	for (int h = 0; h < NF_HOOK_NR; h++)
		if (rs->chain[t][h].used)
			return true;
	for (uint32_t i = 0; i < rs->nuser; i++)
		if (rs->user[i].table == t)
			return true;
	return false;
}

/*
 * `iptables -t T -L -v -n -x`: the table's built-in chains in hook order (as
 * iptables lists them), blank line between.
 */
static void write_table(FILE *f, const struct nf_ruleset *rs, enum nf_table_id t)
{
	bool first = true;

	fprintf(f, "# table %s\n", nf_table_name[t]);
	for (int h = 0; h < NF_HOOK_NR; h++) {
		const struct nf_chain *c = &rs->chain[t][h];

		if (!nf_chain_exists(t, (enum nf_hook_id)h))
			continue;
		if (!first)
			fputc('\n', f);
		first = false;
		write_chain_header(f, c);
		for (uint32_t i = 0; i < c->nrules; i++)
			write_rule(f, rs, &c->rules[i]);
	}
	for (uint32_t u = 0; u < rs->nuser; u++) {
		const struct nf_chain *c = &rs->user[u];

		if (c->table != t)
			continue;
		fputc('\n', f);
		write_chain_header(f, c);
		for (uint32_t i = 0; i < c->nrules; i++)
			write_rule(f, rs, &c->rules[i]);
	}
}

void nf_write_listing(const struct nf_ruleset *rs, FILE *f)
{
	bool first = true;

	for (int t = 0; t < NF_TABLE_NR; t++) {
		if (!table_used(rs, (enum nf_table_id)t))
			continue;
		if (!first)
			fputc('\n', f);
		first = false;
		write_table(f, rs, (enum nf_table_id)t);
	}
}
