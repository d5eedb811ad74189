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
 *  - whether "-m udp"/"-m tcp" was given (it prints " udp" in the listing
 *    even without ports) is read back from the rule text.
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
	X("--fragment", OPT_FRAG)

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
	[OPT_TABLE] = "a table",    [OPT_APPEND] = "a chain",	[OPT_POLICY] = "a chain",
	[OPT_PROTO] = "a protocol", [OPT_SRC] = "an address",	[OPT_DST] = "an address",
	[OPT_IN] = "an interface",  [OPT_OUT] = "an interface", [OPT_MATCH] = "a match",
	[OPT_JUMP] = "a target",    [OPT_SPORT] = "a port",	[OPT_DPORT] = "a port",
};

/* Options "!" may precede. */
static const bool nf_opt_invertible[OPT_NR] = {
	[OPT_PROTO] = true, [OPT_SRC] = true,	[OPT_DST] = true,   [OPT_IN] = true,
	[OPT_OUT] = true,   [OPT_SPORT] = true, [OPT_DPORT] = true, [OPT_FRAG] = true,
};

#define NF_CMD_NEEDED "iptables rule needs '-A CHAIN ... -j TARGET' or '-P CHAIN TARGET'"
#define NF_BANG_ONLY  "'!' can only negate -p, -s, -d, -i, -o, -f, --sport or --dport"

struct nf_parser {
	const struct cfg_node *n; /* the rule's node, for positions */
	struct sim_error *err;	  /* where errors go */
	const char *str;	  /* the rule string */
	size_t pos;		  /* scan position in str */
	struct nf_rule rule;	  /* the rule being built */
	enum nf_table_id table;	  /* -t, default filter */
	enum nf_hook_id hook;	  /* -A/-P chain */
	enum nf_opt cmd;	  /* OPT_APPEND, OPT_POLICY or OPT_NR (none yet) */
	bool have_target;	  /* -j or -P's target seen */
	bool invert;		  /* a "!" is pending */
	unsigned seen;		  /* options given, bit per enum nf_opt */
	struct nf_word cmd_w;	  /* the -A/-P word */
	struct nf_word chain_w;	  /* the chain name */
	struct nf_word target_w;  /* the target name */
	struct nf_word bang_w;	  /* the pending "!" */
	struct nf_word sport_w;	  /* the --sport option word */
	struct nf_word dport_w;	  /* the --dport option word */
	struct nf_word in_w;	  /* the -i option word */
	struct nf_word out_w;	  /* the -o option word */
	struct nf_word spec_w;	  /* the first rule-specification option */
	bool have_spec;		  /* spec_w is set */
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
		if (v > (max - (uint32_t)(s[i] - '0')) / 10)
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

static int parse_chain(struct nf_parser *p, const struct nf_word *w)
{
	int h = word_find(w, nf_hook_chain_name, NF_HOOK_NR);

	if (h < 0)
		return perr(p, w,
			    "unknown chain '%.*s' (known: PREROUTING, INPUT, FORWARD, OUTPUT, "
			    "POSTROUTING)",
			    (int)w->len, w->s);
	p->hook = (enum nf_hook_id)h;
	p->chain_w = *w;
	return 0;
}

static int parse_target(struct nf_parser *p, const struct nf_word *w)
{
	int v = word_find(w, nf_verdict_name, 2);

	if (v < 0)
		return perr(p, w, "unknown target '%.*s' (known: ACCEPT, DROP)", (int)w->len, w->s);
	p->rule.verdict = (enum nf_verdict)v;
	p->target_w = *w;
	p->have_target = true;
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

static int parse_match(struct nf_parser *p, const struct nf_word *w)
{
	if (!word_is(w, "udp") && !word_is(w, "tcp"))
		return perr(p, w, "unknown match '%.*s' (known: udp, tcp)", (int)w->len, w->s);
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
		return parse_command(p, opt_w, w, opt);
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
	if (opt == OPT_TABLE || opt == OPT_APPEND || opt == OPT_POLICY || p->have_spec)
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
	if (opt != OPT_APPEND && opt != OPT_POLICY && (p->seen & 1u << opt))
		return perr(p, w, "'%.*s' given twice in iptables rule", (int)w->len, w->s);
	p->seen |= 1u << opt;
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

	if (no_out && (p->seen & 1u << OPT_OUT))
		return perr(p, &p->out_w, "'%.*s' cannot be used in chain '%s'", (int)p->out_w.len,
			    p->out_w.s, nf_hook_chain_name[p->hook]);
	if (no_in && (p->seen & 1u << OPT_IN))
		return perr(p, &p->in_w, "'%.*s' cannot be used in chain '%s'", (int)p->in_w.len,
			    p->in_w.s, nf_hook_chain_name[p->hook]);
	return 0;
}

/* Whole-rule checks once every word is read. */
static int check_rule(struct nf_parser *p, const struct nf_ruleset *rs)
{
	struct nf_word start = { p->str, 0, 0 };

	if (p->cmd == OPT_NR)
		return perr(p, &start, NF_CMD_NEEDED);
	if (p->cmd == OPT_APPEND && !p->have_target)
		return perr(p, &p->cmd_w, NF_CMD_NEEDED);
	if (p->cmd == OPT_POLICY && p->have_spec)
		return perr(p, &p->spec_w, NF_CMD_NEEDED);
	if (check_ifaces(p))
		return -1;
	if (!nf_chain_exists(p->table, p->hook))
		return perr(p, &p->chain_w, "chain '%s' does not exist in table '%s'",
			    nf_hook_chain_name[p->hook], nf_table_name[p->table]);
	if (p->table == NF_TABLE_NAT && p->rule.verdict == NF_DROP)
		return perr(p, &p->target_w, "the nat table does not allow DROP");
	if (check_ports(p))
		return -1;
	if (p->cmd == OPT_APPEND && rs->chain[p->table][p->hook].nrules >= NF_MAX_RULES)
		return perr(p, &p->chain_w, "too many rules in chain '%s' (at most %d)",
			    nf_hook_chain_name[p->hook], NF_MAX_RULES);
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

/* Apply a checked rule to @rs. */
static void commit_rule(struct nf_parser *p, struct nf_ruleset *rs)
{
	struct nf_chain *c = &rs->chain[p->table][p->hook];

	if (p->cmd == OPT_POLICY) {
		c->policy = p->rule.verdict;
	} else {
		copy_text(p->rule.text, sizeof(p->rule.text), p->str);
		c->rules[c->nrules++] = p->rule;
	}
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
	p->rule.proto = -1;
	p->rule.sport_hi = 65535;
	p->rule.dport_hi = 65535;
}

int nf_parse_rule(struct nf_ruleset *rs, const struct cfg_node *n, struct sim_error *err)
{
	struct nf_parser p;

	parser_init(&p, n, err);
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

/* ipt_do_table for one chain: first matching rule, else the policy. */
static enum nf_verdict do_chain(struct nf_chain *c, const struct sk_buff *skb, const char *in_dev,
				const char *out_dev, const struct costs *costs, uint64_t *cycles)
{
	uint64_t bytes = skb->len > ETH_HLEN ? skb->len - ETH_HLEN : 0;

	for (uint32_t i = 0; i < c->nrules; i++) {
		struct nf_rule *r = &c->rules[i];

		*cycles += costs->nf_rule;
		if (!rule_match(r, skb, in_dev, out_dev))
			continue;
		r->pkts++;
		r->bytes += bytes;
		return r->verdict;
	}
	c->policy_pkts++;
	c->policy_bytes += bytes;
	return c->policy;
}

bool nf_hook_active(const struct nf_ruleset *rs, enum nf_hook_id hook)
{
	SIM_BUG_ON(hook >= NF_HOOK_NR);
	if (!rs)
		return false;
	for (int i = 0; i < nf_hook_tables[hook].n; i++)
		if (rs->chain[nf_hook_tables[hook].t[i]][hook].used)
			return true;
	return false;
}

enum nf_verdict nf_hook(struct nf_ruleset *rs, enum nf_hook_id hook, const struct sk_buff *skb,
			const char *in_dev, const char *out_dev, const struct costs *costs,
			uint64_t *cycles)
{
	if (!nf_hook_active(rs, hook))
		return NF_ACCEPT;
	if (!in_dev)
		in_dev = ""; /* ipt_do_table: state->in ? state->in->name : nulldevname */
	if (!out_dev)
		out_dev = "";
	*cycles += costs->nf_hook;
	for (int i = 0; i < nf_hook_tables[hook].n; i++) {
		struct nf_chain *c = &rs->chain[nf_hook_tables[hook].t[i]][hook];

		if (c->used && do_chain(c, skb, in_dev, out_dev, costs, cycles) == NF_DROP)
			return NF_DROP;
	}
	return NF_ACCEPT;
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

/* The "-m" argument in the rule text, if any. */
static bool text_match(const char *text, struct nf_word *m)
{
	struct nf_word w;
	size_t pos = 0;

	while (next_word(text, &pos, &w))
		if ((word_is(&w, "-m") || word_is(&w, "--match")) && next_word(text, &pos, m))
			return true;
	return false;
}

/* The udp/tcp match's print(): " udp spt:53 dpt:9999". */
static void write_match(FILE *f, const struct nf_rule *r)
{
	struct nf_word m;

	if (text_match(r->text, &m))
		fprintf(f, " %.*s", (int)m.len, m.s);
	else if (r->sport_set || r->dport_set)
		fprintf(f, " %s", proto_name(r->proto));
	else
		return;
	if (r->sport_set)
		write_ports(f, "spt", r->sport_lo, r->sport_hi, r->sport_inv);
	if (r->dport_set)
		write_ports(f, "dpt", r->dport_lo, r->dport_hi, r->dport_inv);
}

/*
 * print_rule_details + print_fragment: counters, target, prot, opt. With -n,
 * iptables 1.8.9 prints the protocol's number (0 for any), as measured in
 * tests/kernel-ref/formats/iptables.
 */
static void write_rule_head(FILE *f, const struct nf_rule *r)
{
	fprintf(f, "%8llu %8llu %-9s ", (unsigned long long)r->pkts, (unsigned long long)r->bytes,
		nf_verdict_name[r->verdict]);
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

static void write_rule(FILE *f, const struct nf_rule *r)
{
	write_rule_head(f, r);
	write_rule_addrs(f, r);
	write_match(f, r);
	fputc('\n', f);
}

/* print_header with FMT_OPTIONS | FMT_VIA | FMT_NUMERIC, no FMT_KILOMEGAGIGA. */
static void write_chain_header(FILE *f, const struct nf_chain *c)
{
	fprintf(f, "Chain %s (policy %s %llu packets, %llu bytes)\n", nf_hook_chain_name[c->hook],
		nf_verdict_name[c->policy], (unsigned long long)c->policy_pkts,
		(unsigned long long)c->policy_bytes);
	fprintf(f, "%8s %10s %-9s  prot opt %-6s %-6s  %-19s  %-19s \n", "pkts", "bytes", "target",
		"in", "out", "source", "destination");
}

static bool table_used(const struct nf_ruleset *rs, enum nf_table_id t)
{
	for (int h = 0; h < NF_HOOK_NR; h++)
		if (rs->chain[t][h].used)
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
			write_rule(f, &c->rules[i]);
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
