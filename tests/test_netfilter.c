/*
 * tests/test_netfilter.c - iptables rules: exact parse errors, verdicts, counters, listing.
 *
 * Errors are checked verbatim, position included, on cfg_node values built
 * by hand. Verdicts, per-rule counters and cycles are checked on a table of
 * hand-computed cases and against a deliberately naive reference evaluator
 * on random rule sets rendered to iptables strings. The listing is compared
 * with the text iptables 1.8.11 prints for `-L -v -n -x` (trailing spaces
 * included).
 */
#include <check.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/netfilter/ip_set.h"
#include "models/netfilter/netfilter.h"
#include "models/netfilter/nf_conntrack.h"
#include "tests/test_world.h"

#define NF_HOOK_CYC 1000 /* costs.nf_hook in these tests */
#define NF_RULE_CYC 10	 /* costs.nf_rule */
#define ETH	    14	 /* Ethernet header in skb->len */

#define REQUIRE(cond)                                                                              \
	do {                                                                                       \
		if (!(cond))                                                                       \
			ck_abort_msg("%s:%d: %s", __FILE__, __LINE__, #cond);                      \
	} while (0)

/* A scalar node as the YAML loader would build it. */
struct tnode {
	struct cfg_node n; /* the node */
	char buf[512];	   /* its string */
};

static const struct cfg_node *mk_node(struct tnode *t, const char *s, uint32_t line, uint32_t col,
				      bool quoted)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->buf, sizeof(t->buf), "%s", s);
	t->n.type = CFG_SCALAR;
	t->n.file = "t.yaml";
	t->n.line = line;
	t->n.col = col;
	t->n.str = t->buf;
	t->n.quoted = quoted;
	return &t->n;
}

static struct nf_ruleset *rs_new(void)
{
	struct nf_ruleset *rs = malloc(sizeof(*rs));

	ck_assert_ptr_nonnull(rs);
	nf_ruleset_init(rs);
	return rs;
}

/* Parse @s (line 1, column 1); 0 or -1, *err filled. */
static int parse1(struct nf_ruleset *rs, const char *s, struct sim_error *err)
{
	struct tnode t;

	return nf_parse_rule(rs, mk_node(&t, s, 1, 1, false), err);
}

static struct costs test_costs(void)
{
	struct costs c;

	memset(&c, 0, sizeof(c));
	c.nf_hook = NF_HOOK_CYC;
	c.nf_rule = NF_RULE_CYC;
	return c;
}

static uint32_t ip(const char *s)
{
	unsigned a, b, c, d;

	ck_assert_int_eq(sscanf(s, "%u.%u.%u.%u", &a, &b, &c, &d), 4);
	return a << 24 | b << 16 | c << 8 | d;
}

/* ------------------------------------------------------------------------- */

struct ecase {
	const char *rule; /* the scalar */
	uint32_t line;	  /* its position */
	uint32_t col;
	bool quoted;
	const char *msg; /* the exact message */
};

#define CMDMSG "iptables rule needs '-A CHAIN ... -j TARGET' or '-P CHAIN TARGET'"
#define BANGMSG                                                                                    \
	"'!' can only negate -p, -s, -d, -i, -o, -f, --sport, --dport, --ctstate or --match-set"
#define TGTS   "(known: ACCEPT, DROP, RETURN, REJECT, LOG, or a chain made by -N)"
#define CHAINS "(known: PREROUTING, INPUT, FORWARD, OUTPUT, POSTROUTING)"

static const struct ecase ecases[] = {
	{ "-A INPUT -p udp --dprot 9999 -j DROP", 4, 9, false,
	  "t.yaml:4:25: unknown option '--dprot' in iptables rule (did you mean '--dport'?)" },
	{ "-A INPUT -p udp --dprot 9999 -j DROP", 4, 9, true,
	  "t.yaml:4:26: unknown option '--dprot' in iptables rule (did you mean '--dport'?)" },
	{ "-A INPUT -j DROP --sports 53", 2, 5, false,
	  "t.yaml:2:22: unknown option '--sports' in iptables rule (did you mean '--sport'?)" },
	{ "-A INPUT -j DROP extra", 2, 5, false,
	  "t.yaml:2:22: unknown option 'extra' in iptables rule" },
	{ "-A", 4, 9, false, "t.yaml:4:9: '-A' needs a chain" },
	{ "-A INPUT -j", 4, 9, false, "t.yaml:4:18: '-j' needs a target" },
	{ "-A OUTPT -j DROP", 4, 9, false, "t.yaml:4:12: unknown chain 'OUTPT' " CHAINS },
	{ "-P output DROP", 4, 9, false, "t.yaml:4:12: unknown chain 'output' " CHAINS },
	{ "-t raw -A INPUT -j DROP", 4, 9, false,
	  "t.yaml:4:19: chain 'INPUT' does not exist in table 'raw'" },
	{ "-A PREROUTING -j ACCEPT", 4, 9, false,
	  "t.yaml:4:12: chain 'PREROUTING' does not exist in table 'filter'" },
	/* the five hooks' tables (iptable_*.c valid_hooks) */
	{ "-t raw -A FORWARD -j DROP", 4, 9, false,
	  "t.yaml:4:19: chain 'FORWARD' does not exist in table 'raw'" },
	{ "-t raw -P POSTROUTING DROP", 4, 9, false,
	  "t.yaml:4:19: chain 'POSTROUTING' does not exist in table 'raw'" },
	{ "-t nat -A FORWARD -j ACCEPT", 4, 9, false,
	  "t.yaml:4:19: chain 'FORWARD' does not exist in table 'nat'" },
	{ "-A POSTROUTING -j ACCEPT", 4, 9, false,
	  "t.yaml:4:12: chain 'POSTROUTING' does not exist in table 'filter'" },
	{ "-t nat -A OUTPUT -j DROP", 4, 9, false,
	  "t.yaml:4:29: the nat table does not allow DROP" },
	{ "-t nat -P POSTROUTING DROP", 4, 9, false,
	  "t.yaml:4:31: the nat table does not allow DROP" },
	/* -o where there is no output device, -i where there is no input device */
	{ "-t raw -A PREROUTING -o eth0 -j ACCEPT", 4, 9, false,
	  "t.yaml:4:30: '-o' cannot be used in chain 'PREROUTING'" },
	{ "-A INPUT ! -o eth0 -j DROP", 4, 9, false,
	  "t.yaml:4:20: '-o' cannot be used in chain 'INPUT'" },
	{ "-t nat -A INPUT --out-interface eth0 -j ACCEPT", 4, 9, true,
	  "t.yaml:4:26: '--out-interface' cannot be used in chain 'INPUT'" },
	{ "-A OUTPUT -i eth0 -j DROP", 4, 9, false,
	  "t.yaml:4:19: '-i' cannot be used in chain 'OUTPUT'" },
	{ "-t nat -A POSTROUTING ! -i lo -j ACCEPT", 4, 9, false,
	  "t.yaml:4:33: '-i' cannot be used in chain 'POSTROUTING'" },
	{ "-t mangle -A POSTROUTING --in-interface eth+ -j ACCEPT", 4, 9, false,
	  "t.yaml:4:34: '--in-interface' cannot be used in chain 'POSTROUTING'" },
	/* checked by chain name before the table, as iptables' do_parse does */
	{ "-A PREROUTING -o eth0 -j ACCEPT", 4, 9, false,
	  "t.yaml:4:23: '-o' cannot be used in chain 'PREROUTING'" },
	{ "-t raw -A POSTROUTING -i eth0 -j ACCEPT", 4, 9, false,
	  "t.yaml:4:31: '-i' cannot be used in chain 'POSTROUTING'" },
	{ "-A FORWARD -o averyveryverylongname -j DROP", 4, 9, false,
	  "t.yaml:4:23: bad interface 'averyveryverylongname' in iptables rule" },
	{ "-A OUTPUT -o 0123456789abcdef -j DROP", 4, 9, false,
	  "t.yaml:4:22: bad interface '0123456789abcdef' in iptables rule" },
	{ "-A FORWARD -j DROP -o", 4, 9, false, "t.yaml:4:28: '-o' needs an interface" },
	{ "-A FORWARD -o eth0 -o eth1 -j DROP", 4, 9, false,
	  "t.yaml:4:28: '-o' given twice in iptables rule" },
	{ "-A OUTPUT -o eth0 --out-interface eth1 -j DROP", 4, 9, false,
	  "t.yaml:4:27: '--out-interface' given twice in iptables rule" },
	{ "-A FORWARD --out-interfaces eth1 -j DROP", 4, 9, false,
	  "t.yaml:4:20: unknown option '--out-interfaces' in iptables rule (did you mean "
	  "'--out-interface'?)" },
	{ "-P OUTPUT DROP -o eth0", 4, 9, false, "t.yaml:4:24: " CMDMSG },
	{ "-t security -A INPUT -j DROP", 4, 9, false,
	  "t.yaml:4:12: unknown table 'security' (known: raw, mangle, nat, filter)" },
	{ "-A INPUT -s 10.0.0.256 -j DROP", 4, 9, false,
	  "t.yaml:4:21: bad address '10.0.0.256' in iptables rule" },
	{ "-A INPUT -d 10.0.0.0/33 -j DROP", 4, 9, false,
	  "t.yaml:4:21: bad address '10.0.0.0/33' in iptables rule" },
	{ "-A INPUT ! -s 10.0.0 -j DROP", 4, 9, false,
	  "t.yaml:4:23: bad address '10.0.0' in iptables rule" },
	{ "-A INPUT -s 1.2.3.4/ -j DROP", 4, 9, false,
	  "t.yaml:4:21: bad address '1.2.3.4/' in iptables rule" },
	{ "-A INPUT -s host.example -j DROP", 4, 9, false,
	  "t.yaml:4:21: bad address 'host.example' in iptables rule" },
	{ "-A INPUT -p udp --dport 70000 -j DROP", 4, 9, false,
	  "t.yaml:4:33: bad port '70000' in iptables rule" },
	{ "-A INPUT -p tcp --sport 2000:1000 -j DROP", 4, 9, false,
	  "t.yaml:4:33: bad port '2000:1000' in iptables rule" },
	{ "-A INPUT -p tcp --sport 1:2:3 -j DROP", 4, 9, false,
	  "t.yaml:4:33: bad port '1:2:3' in iptables rule" },
	{ "-A INPUT -p udp --dport domain -j DROP", 4, 9, false,
	  "t.yaml:4:33: bad port 'domain' in iptables rule" },
	{ "-A INPUT --dport 53 -j DROP", 4, 9, false,
	  "t.yaml:4:18: '--dport' needs '-p udp' or '-p tcp'" },
	{ "-A INPUT -p 1    --sport 53 -j DROP", 4, 9, false,
	  "t.yaml:4:26: '--sport' needs '-p udp' or '-p tcp'" },
	{ "-A INPUT ! -p udp --dport 53 -j DROP", 4, 9, false,
	  "t.yaml:4:27: '--dport' needs '-p udp' or '-p tcp'" },
	{ "-A INPUT --destination-port 53 -j DROP", 4, 9, false,
	  "t.yaml:4:18: '--destination-port' needs '-p udp' or '-p tcp'" },
	{ "-A INPUT -j REJCT", 4, 9, false, "t.yaml:4:21: unknown target 'REJCT' " TGTS },
	{ "-A  INPUT   -j  DRPO", 4, 9, false, "t.yaml:4:25: unknown target 'DRPO' " TGTS },
	{ "-t nat -A PREROUTING -j DROP", 4, 9, false,
	  "t.yaml:4:33: the nat table does not allow DROP" },
	{ "-t nat -P INPUT DROP", 4, 9, true, "t.yaml:4:26: the nat table does not allow DROP" },
	{ "-A PREROUTING -j DROP -t nat", 4, 9, false,
	  "t.yaml:4:26: the nat table does not allow DROP" },
	{ "-A INPUT -p udp", 4, 9, false, "t.yaml:4:9: " CMDMSG },
	{ "-p udp -j DROP", 4, 9, false, "t.yaml:4:9: " CMDMSG },
	{ "", 4, 9, false, "t.yaml:4:9: " CMDMSG },
	{ "   ", 4, 9, true, "t.yaml:4:10: " CMDMSG },
	{ "-P INPUT", 4, 9, false, "t.yaml:4:9: " CMDMSG },
	{ "-P INPUT DROP -p udp", 4, 9, false, "t.yaml:4:23: " CMDMSG },
	{ "-A INPUT -j ACCEPT -P INPUT DROP", 4, 9, false, "t.yaml:4:28: " CMDMSG },
	{ "-A INPUT -p gre -j DROP", 4, 9, false,
	  "t.yaml:4:21: unknown protocol 'gre' (known: udp, tcp, icmp, all, 0..255)" },
	{ "-A INPUT -p 256 -j DROP", 4, 9, false,
	  "t.yaml:4:21: unknown protocol '256' (known: udp, tcp, icmp, all, 0..255)" },
	{ "-A INPUT -m multiport -j DROP", 4, 9, false,
	  "t.yaml:4:21: unknown match 'multiport' (known: udp, tcp, limit, state, conntrack, "
	  "set)" },
	/* targets, user chains, matches (iptables' own checks) */
	{ "-A CHK -j DROP", 4, 9, false, "t.yaml:4:12: unknown chain 'CHK' " CHAINS },
	{ "-N INPUT", 4, 9, false, "t.yaml:4:12: chain 'INPUT' already exists in table 'filter'" },
	{ "-N ACCEPT", 4, 9, false, "t.yaml:4:12: chain name 'ACCEPT' clashes with a target name" },
	{ "-N -x", 4, 9, false, "t.yaml:4:12: chain name '-x' may not start with '-'" },
	{ "-N ABCDEFGHIJKLMNOPQRSTUVWXYZ012", 4, 9, false,
	  "t.yaml:4:12: chain name 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012' too long (at most 28 "
	  "characters)" },
	{ "-N X -p udp", 4, 9, false, "t.yaml:4:14: " CMDMSG },
	{ "-N", 4, 9, false, "t.yaml:4:9: '-N' needs a chain" },
	{ "-A INPUT -g ACCEPT", 4, 9, false,
	  "t.yaml:4:21: '-g' needs a chain made by -N, got 'ACCEPT'" },
	{ "-A INPUT -j ACCEPT -g X", 4, 9, false,
	  "t.yaml:4:28: '-g' given twice in iptables rule" },
	{ "-P INPUT RETURN", 4, 9, false,
	  "t.yaml:4:18: a policy must be ACCEPT or DROP, got 'RETURN'" },
	{ "-P INPUT REJECT", 4, 9, false,
	  "t.yaml:4:18: a policy must be ACCEPT or DROP, got 'REJECT'" },
	{ "-t raw -A PREROUTING -j REJECT", 4, 9, false,
	  "t.yaml:4:33: '-j REJECT' is only valid in the filter table" },
	{ "-A INPUT -j REJECT --reject-with tcp-reset", 4, 9, false,
	  "t.yaml:4:42: unknown reject type 'tcp-reset' (known: icmp-port-unreachable, "
	  "icmp-net-unreachable, icmp-host-unreachable, icmp-proto-unreachable, "
	  "icmp-net-prohibited, icmp-host-prohibited, icmp-admin-prohibited)" },
	{ "-A INPUT -j DROP --reject-with host-unreach", 4, 9, false,
	  "t.yaml:4:26: '--reject-with' needs '-j REJECT'" },
	{ "-A INPUT -j ACCEPT --log-prefix x", 4, 9, false,
	  "t.yaml:4:28: '--log-prefix' needs '-j LOG'" },
	{ "-A INPUT -j LOG --log-prefix 0123456789012345678901234567890", 4, 9, false,
	  "t.yaml:4:38: log prefix '0123456789012345678901234567890' too long (at most 29 "
	  "characters)" },
	{ "-A INPUT -j LOG --log-level loud", 4, 9, false,
	  "t.yaml:4:37: bad log level 'loud' in iptables rule (0-7 or emerg ... debug)" },
	{ "-A INPUT -j LOG --log-level 8", 4, 9, false,
	  "t.yaml:4:37: bad log level '8' in iptables rule (0-7 or emerg ... debug)" },
	{ "-A INPUT --limit 5/s -j ACCEPT", 4, 9, false,
	  "t.yaml:4:18: '--limit' needs '-m limit'" },
	{ "-A INPUT -m limit --limit 5/week -j ACCEPT", 4, 9, false,
	  "t.yaml:4:35: bad rate '5/week' in iptables rule (like '10/sec')" },
	{ "-A INPUT -m limit --limit 0/s -j ACCEPT", 4, 9, false,
	  "t.yaml:4:35: bad rate '0/s' in iptables rule (like '10/sec')" },
	{ "-A INPUT -m limit --limit 20000/s -j ACCEPT", 4, 9, false,
	  "t.yaml:4:35: rate '20000/s' is too fast" },
	{ "-A INPUT -m limit --limit-burst 0 -j ACCEPT", 4, 9, false,
	  "t.yaml:4:41: bad burst '0' in iptables rule (1-10000)" },
	{ "-A INPUT -m limit --limit 1/day --limit-burst 5 -j ACCEPT", 4, 9, false,
	  "t.yaml:4:27: rate times burst overflows, try lower" },
	{ "-A INPUT -m limit -m limit -j ACCEPT", 4, 9, false,
	  "t.yaml:4:30: match 'limit' given twice in iptables rule" },
	{ "-A INPUT -m state -j ACCEPT", 4, 9, false, "t.yaml:4:9: '-m state' needs '--state'" },
	{ "-A INPUT -m state --state NEW,BOGUS -j ACCEPT", 4, 9, false,
	  "t.yaml:4:39: unknown state 'BOGUS' (known: INVALID, NEW, RELATED, ESTABLISHED)" },
	{ "-A INPUT -m state ! --state NEW -j ACCEPT", 4, 9, false, "t.yaml:4:27: " BANGMSG },
	{ "-A INPUT -m conntrack --state NEW -j ACCEPT", 4, 9, false,
	  "t.yaml:4:31: '--state' needs '-m state'" },
	{ "-A INPUT -j DNAT --to-destination 1.2.3.4", 4, 9, false,
	  "t.yaml:4:21: '-j DNAT' is only valid in the nat table" },
	{ "-t nat -A POSTROUTING -j DNAT --to-destination 1.2.3.4", 4, 9, false,
	  "t.yaml:4:34: '-j DNAT' is only valid in chains PREROUTING and OUTPUT" },
	{ "-t nat -A PREROUTING -j SNAT --to-source 1.2.3.4", 4, 9, false,
	  "t.yaml:4:33: '-j SNAT' is only valid in chains POSTROUTING and INPUT" },
	{ "-t nat -A INPUT -j MASQUERADE", 4, 9, false,
	  "t.yaml:4:28: '-j MASQUERADE' is only valid in chains POSTROUTING" },
	{ "-t nat -A POSTROUTING -j SNAT", 4, 9, false,
	  "t.yaml:4:34: '-j SNAT' needs '--to-source'" },
	{ "-t nat -A PREROUTING -j DNAT --to-destination 10.0.0.2:53", 4, 9, false,
	  "t.yaml:4:38: a port in '--to-destination' needs '-p udp' or '-p tcp'" },
	{ "-t nat -A PREROUTING -p udp -j DNAT --to-destination 10.0.0.2:0", 4, 9, false,
	  "t.yaml:4:62: bad address '10.0.0.2:0' in iptables rule (ADDR or ADDR:PORT)" },
	{ "-t nat -A PREROUTING -j ACCEPT --to-destination 10.0.0.2", 4, 9, false,
	  "t.yaml:4:40: '--to-destination' needs '-j DNAT'" },
	{ "-A INPUT -i averyveryverylongname -j DROP", 4, 9, false,
	  "t.yaml:4:21: bad interface 'averyveryverylongname' in iptables rule" },
	{ "-A INPUT -p udp -p tcp -j DROP", 4, 9, false,
	  "t.yaml:4:25: '-p' given twice in iptables rule" },
	{ "-A INPUT ! -j DROP", 4, 9, false, "t.yaml:4:18: " BANGMSG },
	{ "-A INPUT ! ! -p udp -j DROP", 4, 9, false, "t.yaml:4:20: " BANGMSG },
	{ "-A INPUT -j DROP !", 4, 9, false, "t.yaml:4:26: " BANGMSG },
	{ "-A INPUT -j DROP", 7, 3, false, NULL }, /* valid */
	{ "-t raw -A PREROUTING ! -s 10.0.0.0/8 -p tcp ! --dport 1:1023 -j ACCEPT", 1, 1, false,
	  NULL },
	{ "-t mangle -P PREROUTING DROP", 1, 1, false, NULL },
	{ "--table nat --append INPUT --protocol udp --source-port 53 --jump ACCEPT", 1, 1, false,
	  NULL },
	{ "-A INPUT -p udp -m udp -i eth+ -j ACCEPT", 1, 1, false, NULL },
	{ "-A FORWARD -i eth0 ! -o eth1 -j DROP", 1, 1, false, NULL },
	{ "-t mangle -A FORWARD --in-interface eth+ --out-interface eth1 -j DROP", 1, 1, false,
	  NULL },
	{ "-A OUTPUT -o 0123456789abcde -j DROP", 1, 1, false, NULL }, /* 15 bytes */
	{ "-t raw -A OUTPUT -o lo -j ACCEPT", 1, 1, false, NULL },
	{ "-t mangle -A POSTROUTING ! -o eth+ -j DROP", 1, 1, false, NULL },
	{ "-t mangle -P OUTPUT DROP", 1, 1, false, NULL },
	{ "-t nat -A OUTPUT -p udp -j ACCEPT", 1, 1, false, NULL },
	{ "-t nat -A POSTROUTING -o eth0 -j ACCEPT", 1, 1, false, NULL },
	{ "-A FORWARD -o + -j ACCEPT", 1, 1, false, NULL },
	{ "-P FORWARD DROP", 1, 1, false, NULL },
};

START_TEST(test_parse_errors)
{
	const struct ecase *c = &ecases[_i];
	struct nf_ruleset *rs = rs_new(), *ref = rs_new();
	struct sim_error err = { 0 };
	struct tnode t;
	int rc = nf_parse_rule(rs, mk_node(&t, c->rule, c->line, c->col, c->quoted), &err);

	if (!c->msg) {
		ck_assert_msg(rc == 0, "'%s': %s", c->rule, err.msg);
		ck_assert_int_eq(err.set, 0);
	} else {
		ck_assert_int_eq(rc, -1);
		ck_assert_int_ne(err.set, 0);
		ck_assert_str_eq(err.msg, c->msg);
		/* a rejected rule leaves the rule set untouched */
		ck_assert(memcmp(rs, ref, sizeof(*rs)) == 0);
	}
	free(rs);
	free(ref);
}
END_TEST

START_TEST(test_parse_fields)
{
	struct nf_ruleset *rs = rs_new();
	struct sim_error err = { 0 };
	const struct nf_rule *r;

	ck_assert_int_eq(parse1(rs,
				"-A INPUT ! -s 10.1.2.3/16 -d 192.168.7.9 -p tcp "
				"! --sport 1000:2000 --dport 80 ! -i eth1 -j DROP",
				&err),
			 0);
	ck_assert_uint_eq(rs->chain[NF_TABLE_FILTER][NF_INET_LOCAL_IN].nrules, 1);
	ck_assert(rs->chain[NF_TABLE_FILTER][NF_INET_LOCAL_IN].used);
	r = &rs->chain[NF_TABLE_FILTER][NF_INET_LOCAL_IN].rules[0];
	ck_assert_uint_eq(r->src, ip("10.1.0.0")); /* masked */
	ck_assert_uint_eq(r->src_mask, 0xffff0000u);
	ck_assert(r->src_inv);
	ck_assert_uint_eq(r->dst, ip("192.168.7.9"));
	ck_assert_uint_eq(r->dst_mask, 0xffffffffu);
	ck_assert(!r->dst_inv);
	ck_assert_int_eq(r->proto, 6);
	ck_assert(!r->proto_inv);
	ck_assert(r->sport_set && r->sport_inv);
	ck_assert_uint_eq(r->sport_lo, 1000);
	ck_assert_uint_eq(r->sport_hi, 2000);
	ck_assert(r->dport_set && !r->dport_inv);
	ck_assert_uint_eq(r->dport_lo, 80);
	ck_assert_uint_eq(r->dport_hi, 80);
	ck_assert_str_eq(r->in_dev, "eth1");
	ck_assert(r->in_inv);
	ck_assert_str_eq(r->out_dev, ""); /* no -o */
	ck_assert(!r->out_inv);
	ck_assert_int_eq(r->verdict, NF_DROP);
	ck_assert_str_eq(r->text, "-A INPUT ! -s 10.1.2.3/16 -d 192.168.7.9 -p tcp "
				  "! --sport 1000:2000 --dport 80 ! -i eth1 -j DROP");

	ck_assert_int_eq(parse1(rs, "-t raw -A PREROUTING -p all -s 0.0.0.0/0 -j ACCEPT", &err), 0);
	r = &rs->chain[NF_TABLE_RAW][NF_INET_PRE_ROUTING].rules[0];
	ck_assert_int_eq(r->proto, -1);
	ck_assert_uint_eq(r->src_mask, 0);
	ck_assert(!r->sport_set && !r->dport_set);
	ck_assert_int_eq(r->verdict, NF_ACCEPT);

	ck_assert_int_eq(parse1(rs, "-t raw -A PREROUTING -p 0 -j ACCEPT", &err), 0);
	ck_assert_int_eq(rs->chain[NF_TABLE_RAW][NF_INET_PRE_ROUTING].rules[1].proto, -1);
	ck_assert_int_eq(parse1(rs, "-t raw -A PREROUTING -p 47 -j ACCEPT", &err), 0);
	ck_assert_int_eq(rs->chain[NF_TABLE_RAW][NF_INET_PRE_ROUTING].rules[2].proto, 47);

	/* -o and the new chains land in their own (table, hook) slot */
	ck_assert_int_eq(parse1(rs, "-A FORWARD -i eth0 ! -o eth1+ -j DROP", &err), 0);
	r = &rs->chain[NF_TABLE_FILTER][NF_INET_FORWARD].rules[0];
	ck_assert_str_eq(r->in_dev, "eth0");
	ck_assert(!r->in_inv);
	ck_assert_str_eq(r->out_dev, "eth1+");
	ck_assert(r->out_inv);
	ck_assert(rs->chain[NF_TABLE_FILTER][NF_INET_FORWARD].used);
	ck_assert_int_eq(parse1(rs, "-t raw -A OUTPUT --out-interface lo -j ACCEPT", &err), 0);
	r = &rs->chain[NF_TABLE_RAW][NF_INET_LOCAL_OUT].rules[0];
	ck_assert_str_eq(r->out_dev, "lo");
	ck_assert_str_eq(r->in_dev, "");
	ck_assert_int_eq(parse1(rs, "-t nat -A POSTROUTING -o eth0 -j ACCEPT", &err), 0);
	ck_assert_uint_eq(rs->chain[NF_TABLE_NAT][NF_INET_POST_ROUTING].nrules, 1);
	ck_assert_int_eq(parse1(rs, "-t mangle -P POSTROUTING DROP", &err), 0);
	ck_assert_int_eq(rs->chain[NF_TABLE_MANGLE][NF_INET_POST_ROUTING].policy, NF_DROP);
	ck_assert_uint_eq(rs->chain[NF_TABLE_MANGLE][NF_INET_LOCAL_OUT].nrules, 0);

	/* -P sets the policy; a chain with only an ACCEPT policy is not used */
	ck_assert(!rs->chain[NF_TABLE_MANGLE][NF_INET_LOCAL_IN].used);
	ck_assert_int_eq(parse1(rs, "-t mangle -P INPUT DROP", &err), 0);
	ck_assert_int_eq(rs->chain[NF_TABLE_MANGLE][NF_INET_LOCAL_IN].policy, NF_DROP);
	ck_assert(rs->chain[NF_TABLE_MANGLE][NF_INET_LOCAL_IN].used);
	ck_assert_int_eq(parse1(rs, "-t mangle -P INPUT ACCEPT", &err), 0);
	ck_assert(!rs->chain[NF_TABLE_MANGLE][NF_INET_LOCAL_IN].used);
	ck_assert_int_eq(err.set, 0);
	free(rs);
}
END_TEST

START_TEST(test_too_many_rules)
{
	struct nf_ruleset *rs = rs_new();
	struct sim_error err = { 0 };

	for (int i = 0; i < NF_MAX_RULES; i++)
		REQUIRE(parse1(rs, "-A INPUT -j ACCEPT", &err) == 0);
	ck_assert_int_eq(parse1(rs, "-A INPUT -j ACCEPT", &err), -1);
	ck_assert_str_eq(err.msg, "t.yaml:1:4: too many rules in chain 'INPUT' (at most 256)");
	ck_assert_uint_eq(rs->chain[NF_TABLE_FILTER][NF_INET_LOCAL_IN].nrules, NF_MAX_RULES);
	/* policies can still be set */
	sim_error_clear(&err);
	ck_assert_int_eq(parse1(rs, "-P INPUT DROP", &err), 0);
	free(rs);
}
END_TEST

/* ------------------------------------------------------------------------- */

struct tpkt {
	uint8_t proto;	   /* IP protocol */
	const char *saddr; /* dotted quad */
	const char *daddr; /* dotted quad */
	uint16_t sport;	   /* ports */
	uint16_t dport;
	const char *dev;   /* ingress device, NULL for none */
	uint32_t len;	   /* frame length, Ethernet header included */
	const char *odev;  /* egress device, NULL for none */
	uint16_t frag_off; /* bytes: fragment offset (0: first fragment or whole) */
};

static struct sk_buff mk_skb(const struct tpkt *p)
{
	struct sk_buff skb;

	memset(&skb, 0, sizeof(skb));
	skb.protocol = p->proto;
	skb.saddr = ip(p->saddr);
	skb.daddr = ip(p->daddr);
	skb.sport = p->sport;
	skb.dport = p->dport;
	skb.len = p->len;
	skb.frag_off = p->frag_off;
	return skb;
}

#define MAXR 6

struct vcase {
	const char *rules[MAXR]; /* NULL-terminated */
	enum nf_hook_id hook;	 /* which hook runs */
	struct tpkt pkt;	 /* the packet */
	enum nf_verdict verdict; /* expected */
	uint64_t cycles;	 /* expected */
	uint32_t hits[MAXR];	 /* expected pkts of each -A rule (0 for -P lines) */
	uint32_t policy;	 /* expected policy packets, all chains */
};

#define UDP(sa, da, sp, dp)                                                                        \
	{                                                                                          \
		17, sa, da, sp, dp, "eth0", 142, NULL, 0                                           \
	}
/* A forwarded packet, eth0 -> eth1, and a locally sent one leaving by eth1. */
#define FWDP(in, out)                                                                              \
	{                                                                                          \
		17, "10.1.2.3", "10.2.0.1", 5000, 9999, in, 142, out, 0                            \
	}
#define FPKT FWDP("eth0", "eth1")
#define OPKT FWDP(NULL, "eth1")
#define PKT  UDP("10.1.2.3", "10.0.0.1", 5000, 9999)
#define IN   NF_INET_LOCAL_IN
#define PRE  NF_INET_PRE_ROUTING
#define FWD  NF_INET_FORWARD
#define OUT  NF_INET_LOCAL_OUT
#define POST NF_INET_POST_ROUTING
#define H    NF_HOOK_CYC
#define R    NF_RULE_CYC

/* A later fragment of PKT's datagram (offset 1480: no UDP header). */
#define FRAG                                                                                       \
	{                                                                                          \
		17, "10.1.2.3", "10.0.0.1", 5000, 9999, "eth0", 142, NULL, 1480                    \
	}

static const struct vcase vcases[] = {
	{ { NULL }, IN, PKT, NF_ACCEPT, 0, { 0 }, 0 },
	/* -f: IPT_F_FRAG matches a non-zero offset; udp_mt never matches one */
	{ { "-A INPUT -f -j DROP" }, IN, FRAG, NF_DROP, H + R, { 1 }, 0 },
	{ { "-A INPUT -f -j DROP" }, IN, PKT, NF_ACCEPT, H + R, { 0 }, 1 },
	{ { "-A INPUT ! -f -j DROP" }, IN, FRAG, NF_ACCEPT, H + R, { 0 }, 1 },
	{ { "-A INPUT ! --fragment -j DROP" }, IN, PKT, NF_DROP, H + R, { 1 }, 0 },
	{ { "-A INPUT -p udp --dport 9999 -j DROP" }, IN, FRAG, NF_ACCEPT, H + R, { 0 }, 1 },
	{ { "-A INPUT -p udp ! --dport 53 -j DROP" }, IN, FRAG, NF_ACCEPT, H + R, { 0 }, 1 },
	{ { "-A INPUT -p udp -f -j DROP" }, IN, FRAG, NF_DROP, H + R, { 1 }, 0 },
	{ { "-A INPUT -p udp --dport 9999 -j DROP" }, IN, PKT, NF_DROP, H + R, { 1 }, 0 },
	{ { "-A INPUT -p udp --dport 9999 -j DROP" },
	  IN,
	  UDP("10.1.2.3", "10.0.0.1", 5000, 53),
	  NF_ACCEPT,
	  H + R,
	  { 0 },
	  1 },
	{ { "-A INPUT -p udp --dport 9999 -j DROP" }, PRE, PKT, NF_ACCEPT, 0, { 0 }, 0 },
	{ { "-A INPUT -p tcp --dport 9999 -j DROP" }, IN, PKT, NF_ACCEPT, H + R, { 0 }, 1 },
	{ { "-A INPUT -p udp --dport 1:9998 -j DROP" }, IN, PKT, NF_ACCEPT, H + R, { 0 }, 1 },
	{ { "-A INPUT -p udp --dport 9999:65535 -j DROP" }, IN, PKT, NF_DROP, H + R, { 1 }, 0 },
	{ { "-A INPUT -p udp ! --dport 53 -j DROP" }, IN, PKT, NF_DROP, H + R, { 1 }, 0 },
	{ { "-A INPUT -p udp --sport 1000:5000 -j DROP" }, IN, PKT, NF_DROP, H + R, { 1 }, 0 },
	{ { "-A INPUT -p udp --sport 1000:5000 -j DROP" },
	  IN,
	  UDP("10.1.2.3", "10.0.0.1", 5001, 1),
	  NF_ACCEPT,
	  H + R,
	  { 0 },
	  1 },
	{ { "-A INPUT -p udp ! --sport 53 -j DROP" },
	  IN,
	  UDP("10.1.2.3", "10.0.0.1", 53, 1),
	  NF_ACCEPT,
	  H + R,
	  { 0 },
	  1 },
	{ { "-A INPUT -s 10.1.0.0/16 -j ACCEPT", "-A INPUT -j DROP" },
	  IN,
	  PKT,
	  NF_ACCEPT,
	  H + R,
	  { 1, 0 },
	  0 },
	{ { "-A INPUT -s 10.1.0.0/16 -j ACCEPT", "-A INPUT -j DROP" },
	  IN,
	  UDP("10.2.0.1", "10.0.0.1", 1, 1),
	  NF_DROP,
	  H + 2 * R,
	  { 0, 1 },
	  0 },
	{ { "-A INPUT ! -s 10.1.0.0/16 -j DROP" }, IN, PKT, NF_ACCEPT, H + R, { 0 }, 1 },
	{ { "-A INPUT -s 10.1.2.3/8 -j DROP" },
	  IN,
	  UDP("10.200.0.1", "1.1.1.1", 1, 1),
	  NF_DROP,
	  H + R,
	  { 1 },
	  0 },
	{ { "-A INPUT -d 10.0.0.2 -j DROP" }, IN, PKT, NF_ACCEPT, H + R, { 0 }, 1 },
	{ { "-A INPUT ! -d 10.0.0.2 -j DROP" }, IN, PKT, NF_DROP, H + R, { 1 }, 0 },
	{ { "-A INPUT ! -s 0.0.0.0/0 -j DROP" }, IN, PKT, NF_ACCEPT, H + R, { 0 }, 1 },
	{ { "-P INPUT DROP" }, IN, PKT, NF_DROP, H, { 0 }, 1 },
	{ { "-P INPUT ACCEPT" }, IN, PKT, NF_ACCEPT, 0, { 0 }, 0 },
	{ { "-P INPUT DROP", "-A INPUT -p tcp -j ACCEPT", "-A INPUT -p icmp -j ACCEPT" },
	  IN,
	  PKT,
	  NF_DROP,
	  H + 2 * R,
	  { 0, 0, 0 },
	  1 },
	{ { "-A INPUT -j ACCEPT", "-A INPUT -j DROP" }, IN, PKT, NF_ACCEPT, H + R, { 1, 0 }, 0 },
	{ { "-A INPUT -p 17 -j DROP" }, IN, PKT, NF_DROP, H + R, { 1 }, 0 },
	{ { "-A INPUT ! -p udp -j DROP" }, IN, PKT, NF_ACCEPT, H + R, { 0 }, 1 },
	{ { "-A INPUT ! -p all -j DROP" }, IN, PKT, NF_DROP, H + R, { 1 }, 0 },
	{ { "-A INPUT -p icmp -j DROP" },
	  IN,
	  { 1, "1.2.3.4", "10.0.0.1", 0, 0, "eth0", 98, NULL, 0 },
	  NF_DROP,
	  H + R,
	  { 1 },
	  0 },
	{ { "-A INPUT -i eth1 -j DROP" }, IN, PKT, NF_ACCEPT, H + R, { 0 }, 1 },
	{ { "-A INPUT ! -i eth1 -j DROP" }, IN, PKT, NF_DROP, H + R, { 1 }, 0 },
	{ { "-A INPUT -i eth+ -j DROP" }, IN, PKT, NF_DROP, H + R, { 1 }, 0 },
	{ { "-A INPUT -i eth0 -j DROP" }, IN, PKT, NF_DROP, H + R, { 1 }, 0 },
	/* PRE_ROUTING: raw, mangle, nat; the DROP in mangle ends it before nat */
	{ { "-t nat -A PREROUTING -j ACCEPT", "-t raw -A PREROUTING -p udp -j ACCEPT",
	    "-t mangle -A PREROUTING -d 10.0.0.1 -j DROP" },
	  PRE,
	  PKT,
	  NF_DROP,
	  H + 2 * R,
	  { 0, 1, 1 },
	  0 },
	{ { "-t nat -A PREROUTING -j ACCEPT", "-t raw -A PREROUTING -p tcp -j DROP",
	    "-t mangle -A PREROUTING -d 10.0.0.2 -j DROP" },
	  PRE,
	  PKT,
	  NF_ACCEPT,
	  H + 3 * R,
	  { 1, 0, 0 },
	  2 },
	/* LOCAL_IN: mangle, filter, nat */
	{ { "-t nat -A INPUT -j ACCEPT", "-A INPUT -p udp -j DROP",
	    "-t mangle -A INPUT -p tcp -j DROP" },
	  IN,
	  PKT,
	  NF_DROP,
	  H + 2 * R,
	  { 0, 1, 0 },
	  1 },
	{ { "-t nat -A INPUT -j ACCEPT", "-A INPUT -p udp -j ACCEPT",
	    "-t mangle -A INPUT -p tcp -j DROP" },
	  IN,
	  PKT,
	  NF_ACCEPT,
	  H + 3 * R,
	  { 1, 1, 0 },
	  1 },
	{ { "-t mangle -P INPUT DROP", "-A INPUT -j DROP" }, IN, PKT, NF_DROP, H, { 0, 0 }, 1 },
	/* rules of the other hook cost nothing here */
	{ { "-t raw -A PREROUTING -j ACCEPT", "-A INPUT -j ACCEPT" },
	  PRE,
	  PKT,
	  NF_ACCEPT,
	  H + R,
	  { 1, 0 },
	  0 },
	{ { "-A OUTPUT -j DROP", "-A FORWARD -j DROP", "-t mangle -A POSTROUTING -j DROP" },
	  IN,
	  PKT,
	  NF_ACCEPT,
	  0,
	  { 0, 0, 0 },
	  0 },
	{ { "-A INPUT -j DROP", "-t raw -A PREROUTING -j DROP",
	    "-t mangle -A POSTROUTING -j DROP" },
	  FWD,
	  FPKT,
	  NF_ACCEPT,
	  0,
	  { 0, 0, 0 },
	  0 },
	/* -o on FORWARD: exact, prefix, negated, with -i */
	{ { "-A FORWARD -o eth1 -j DROP" }, FWD, FPKT, NF_DROP, H + R, { 1 }, 0 },
	{ { "-A FORWARD -o eth2 -j DROP" }, FWD, FPKT, NF_ACCEPT, H + R, { 0 }, 1 },
	{ { "-A FORWARD ! -o eth1 -j DROP" }, FWD, FPKT, NF_ACCEPT, H + R, { 0 }, 1 },
	{ { "-A FORWARD ! -o eth2 -j DROP" }, FWD, FPKT, NF_DROP, H + R, { 1 }, 0 },
	{ { "-A FORWARD -o eth+ -j DROP" }, FWD, FPKT, NF_DROP, H + R, { 1 }, 0 },
	{ { "-A FORWARD -o eth1+ -j DROP" }, FWD, FPKT, NF_DROP, H + R, { 1 }, 0 },
	{ { "-A FORWARD -o eth0 -j DROP" }, FWD, FPKT, NF_ACCEPT, H + R, { 0 }, 1 },
	{ { "-A FORWARD -i eth1 -j DROP" }, FWD, FPKT, NF_ACCEPT, H + R, { 0 }, 1 },
	{ { "-A FORWARD -i eth0 -o eth0 -j DROP", "-A FORWARD -i eth0 -o eth1 -j DROP" },
	  FWD,
	  FPKT,
	  NF_DROP,
	  H + 2 * R,
	  { 0, 1 },
	  0 },
	{ { "-A FORWARD --out-interface eth1 -p tcp -j DROP" },
	  FWD,
	  FPKT,
	  NF_ACCEPT,
	  H + R,
	  { 0 },
	  1 },
	/* FORWARD: mangle -150, filter 0 */
	{ { "-A FORWARD -j DROP", "-t mangle -A FORWARD -p tcp -j DROP" },
	  FWD,
	  FPKT,
	  NF_DROP,
	  H + 2 * R,
	  { 1, 0 },
	  1 },
	{ { "-A FORWARD -j ACCEPT", "-t mangle -A FORWARD -o eth1 -j DROP" },
	  FWD,
	  FPKT,
	  NF_DROP,
	  H + R,
	  { 0, 1 },
	  0 },
	{ { "-P FORWARD DROP", "-t mangle -A FORWARD -j ACCEPT" },
	  FWD,
	  FPKT,
	  NF_DROP,
	  H + R,
	  { 0, 1 },
	  1 },
	/* OUTPUT: raw -300, mangle -150, nat -100 (reached before filter's DROP), filter 0 */
	{ { "-A OUTPUT -j DROP", "-t nat -A OUTPUT -j ACCEPT", "-t mangle -A OUTPUT -p tcp -j DROP",
	    "-t raw -A OUTPUT -o eth1 -j ACCEPT" },
	  OUT,
	  OPKT,
	  NF_DROP,
	  H + 4 * R,
	  { 1, 1, 0, 1 },
	  1 },
	{ { "-A OUTPUT -j ACCEPT", "-t nat -A OUTPUT -j ACCEPT", "-t mangle -A OUTPUT -j ACCEPT",
	    "-t raw -A OUTPUT -o eth1 -j DROP" },
	  OUT,
	  OPKT,
	  NF_DROP,
	  H + R,
	  { 0, 0, 0, 1 },
	  0 },
	{ { "-t mangle -A OUTPUT ! -o eth1 -j DROP", "-t mangle -A OUTPUT -o eth1 -j DROP",
	    "-A OUTPUT -j ACCEPT" },
	  OUT,
	  OPKT,
	  NF_DROP,
	  H + 2 * R,
	  { 0, 1, 0 },
	  0 },
	{ { "-P OUTPUT DROP", "-t raw -A OUTPUT -o lo -j ACCEPT" },
	  OUT,
	  OPKT,
	  NF_DROP,
	  H + R,
	  { 0, 0 },
	  2 },
	/* POSTROUTING: mangle -150, nat 100 */
	{ { "-t nat -A POSTROUTING -o eth1 -j ACCEPT",
	    "-t mangle -A POSTROUTING ! -o eth1 -j DROP" },
	  POST,
	  OPKT,
	  NF_ACCEPT,
	  H + 2 * R,
	  { 1, 0 },
	  1 },
	{ { "-t nat -A POSTROUTING -j ACCEPT", "-t mangle -P POSTROUTING DROP" },
	  POST,
	  OPKT,
	  NF_DROP,
	  H,
	  { 0, 0 },
	  1 },
	{ { "-t nat -A POSTROUTING -o eth1 -s 10.1.0.0/16 -p udp --dport 9999 -j ACCEPT" },
	  POST,
	  FPKT,
	  NF_ACCEPT,
	  H + R,
	  { 1 },
	  0 },
	/*
	 * A missing device is the kernel's nulldevname "": no name matches
	 * it, "+" and a negated name do (these rules are refused where the
	 * hook lacks the device, so only a caller passing NULL reaches this).
	 */
	{ { "-A FORWARD -o eth+ -j DROP" }, FWD, FWDP("eth0", NULL), NF_ACCEPT, H + R, { 0 }, 1 },
	{ { "-A FORWARD ! -o eth1 -j DROP" }, FWD, FWDP("eth0", NULL), NF_DROP, H + R, { 1 }, 0 },
	{ { "-A FORWARD -o + -j DROP" }, FWD, FWDP("eth0", NULL), NF_DROP, H + R, { 1 }, 0 },
	{ { "-A FORWARD -i eth0 -j DROP" }, FWD, FWDP(NULL, NULL), NF_ACCEPT, H + R, { 0 }, 1 },
	{ { "-A FORWARD -j DROP" }, FWD, FWDP(NULL, NULL), NF_DROP, H + R, { 1 }, 0 },
	{ { "-A OUTPUT -p udp -j DROP" }, OUT, FWDP(NULL, NULL), NF_DROP, H + R, { 1 }, 0 },
};

/* Where rule string @i of a case went: its chain and index, or NULL for -P lines. */
struct placed {
	struct nf_chain *c; /* chain, NULL when not an -A rule */
	uint32_t idx;	    /* index in the chain */
};

static void place_rules(struct nf_ruleset *rs, const char *const *rules, struct placed *pl)
{
	struct sim_error err = { 0 };

	for (int i = 0; i < MAXR && rules[i]; i++) {
		uint32_t before[NF_TABLE_NR][NF_HOOK_NR];

		for (int t = 0; t < NF_TABLE_NR; t++)
			for (int h = 0; h < NF_HOOK_NR; h++)
				before[t][h] = rs->chain[t][h].nrules;
		ck_assert_msg(parse1(rs, rules[i], &err) == 0, "%s: %s", rules[i], err.msg);
		pl[i].c = NULL;
		for (int t = 0; t < NF_TABLE_NR; t++) {
			for (int h = 0; h < NF_HOOK_NR; h++) {
				if (rs->chain[t][h].nrules == before[t][h])
					continue;
				pl[i].c = &rs->chain[t][h];
				pl[i].idx = before[t][h];
			}
		}
	}
}

static uint64_t policy_sum(const struct nf_ruleset *rs, bool bytes)
{
	uint64_t s = 0;

	for (int t = 0; t < NF_TABLE_NR; t++)
		for (int h = 0; h < NF_HOOK_NR; h++)
			s += bytes ? rs->chain[t][h].policy_bytes : rs->chain[t][h].policy_pkts;
	return s;
}

START_TEST(test_verdicts)
{
	const struct vcase *c = &vcases[_i];
	struct nf_ruleset *rs = rs_new();
	struct placed pl[MAXR] = { 0 };
	struct costs costs = test_costs();
	struct sk_buff skb = mk_skb(&c->pkt);
	uint64_t cycles = 5, ip_len = c->pkt.len - ETH;
	enum nf_verdict v;

	place_rules(rs, c->rules, pl);
	v = nf_hook(rs, c->hook, &skb, c->pkt.dev, c->pkt.odev, &costs, &cycles);
	ck_assert_msg(v == c->verdict, "case %d: verdict %d", _i, v);
	ck_assert_uint_eq(cycles, 5 + c->cycles);
	for (int i = 0; i < MAXR && c->rules[i]; i++) {
		const struct nf_rule *r;

		if (!pl[i].c) {
			ck_assert_uint_eq(c->hits[i], 0);
			continue;
		}
		r = &pl[i].c->rules[pl[i].idx];
		ck_assert_msg(r->pkts == c->hits[i], "case %d rule %d: %llu packets", _i, i,
			      (unsigned long long)r->pkts);
		ck_assert_uint_eq(r->bytes, c->hits[i] * ip_len);
	}
	ck_assert_uint_eq(policy_sum(rs, false), c->policy);
	ck_assert_uint_eq(policy_sum(rs, true), c->policy * ip_len);
	ck_assert(nf_hook_active(rs, c->hook) == (c->cycles > 0));
	free(rs);
}
END_TEST

START_TEST(test_null_ruleset)
{
	struct costs costs = test_costs();
	struct tpkt p = PKT;
	struct sk_buff skb = mk_skb(&p);
	uint64_t cycles = 0;

	ck_assert(!nf_hook_active(NULL, NF_INET_LOCAL_IN));
	ck_assert_int_eq(nf_hook(NULL, NF_INET_LOCAL_IN, &skb, "eth0", NULL, &costs, &cycles),
			 NF_ACCEPT);
	for (int h = 0; h < NF_HOOK_NR; h++) {
		ck_assert(!nf_hook_active(NULL, (enum nf_hook_id)h));
		ck_assert_int_eq(
			nf_hook(NULL, (enum nf_hook_id)h, &skb, NULL, NULL, &costs, &cycles),
			NF_ACCEPT);
	}
	ck_assert_uint_eq(cycles, 0);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* Random rule sets against a naive reference                                */

static uint64_t trand_state;

static uint64_t trand(void)
{
	uint64_t z = (trand_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t pick(uint32_t n)
{
	return (uint32_t)(trand() % n);
}

static const char *const pool_addr[] = { "10.0.0.1", "10.1.2.3", "192.168.1.1", "10.1.255.255",
					 "172.16.0.9" };
static const uint16_t pool_port[] = { 53, 80, 1000, 5000, 9999 };
static const char *const pool_dev[] = { "eth0", "eth1", "lo" };
static const uint8_t pool_proto[] = { 1, 6, 17, 47 };

/* A rule as the reference sees it. */
struct spec {
	int table, hook;      /* where */
	int proto;	      /* -1 any */
	bool proto_inv;	      /* ! -p */
	uint32_t s, splen;    /* -s net/plen (plen 0 = none) */
	bool s_inv;	      /* ! -s */
	uint32_t d, dplen;    /* -d */
	bool d_inv;	      /* ! -d */
	int dev;	      /* -i pool_dev index, -1 none */
	bool dev_inv;	      /* ! -i */
	int odev;	      /* -o pool_dev index, -1 none */
	bool odev_inv;	      /* ! -o */
	int sp_lo, sp_hi;     /* --sport, -1 none */
	bool sp_inv;	      /* ! --sport */
	int dp_lo, dp_hi;     /* --dport, -1 none */
	bool dp_inv;	      /* ! --dport */
	bool drop;	      /* -j DROP */
	uint64_t pkts, bytes; /* reference counters */
};

struct refset {
	struct spec r[64]; /* rules in insertion order */
	int n;		   /* rules */
	bool pol_drop[NF_TABLE_NR][NF_HOOK_NR];
	uint64_t pol_pkts[NF_TABLE_NR][NF_HOOK_NR];
	uint64_t pol_bytes[NF_TABLE_NR][NF_HOOK_NR];
};

/* Each hook's tables by priority, written out again from nf_ip_hook_priorities; -1 ends. */
static const int ref_order[NF_HOOK_NR][5] = {
	[NF_INET_PRE_ROUTING] = { NF_TABLE_RAW, NF_TABLE_MANGLE, NF_TABLE_NAT, -1 },
	[NF_INET_LOCAL_IN] = { NF_TABLE_MANGLE, NF_TABLE_FILTER, NF_TABLE_NAT, -1 },
	[NF_INET_FORWARD] = { NF_TABLE_MANGLE, NF_TABLE_FILTER, -1 },
	[NF_INET_LOCAL_OUT] = { NF_TABLE_RAW, NF_TABLE_MANGLE, NF_TABLE_NAT, NF_TABLE_FILTER, -1 },
	[NF_INET_POST_ROUTING] = { NF_TABLE_MANGLE, NF_TABLE_NAT, -1 },
};
static const char *const ref_chain_name[NF_HOOK_NR] = { "PREROUTING", "INPUT", "FORWARD", "OUTPUT",
							"POSTROUTING" };

static int ref_ntables(int h)
{
	int n = 0;

	while (ref_order[h][n] >= 0)
		n++;
	return n;
}

/* Does hook @h see an input / output device? */
static bool ref_has_in(int h)
{
	return h == NF_INET_PRE_ROUTING || h == NF_INET_LOCAL_IN || h == NF_INET_FORWARD;
}

static bool ref_has_out(int h)
{
	return h == NF_INET_FORWARD || h == NF_INET_LOCAL_OUT || h == NF_INET_POST_ROUTING;
}

static void random_spec(struct spec *s)
{
	static const uint32_t plens[] = { 0, 8, 16, 24, 32 };

	memset(s, 0, sizeof(*s));
	s->hook = (int)pick(NF_HOOK_NR);
	s->table = ref_order[s->hook][pick((uint32_t)ref_ntables(s->hook))];
	s->proto = pick(3) ? (int)pool_proto[pick(4)] : -1;
	s->proto_inv = s->proto >= 0 && pick(4) == 0;
	s->splen = plens[pick(5)];
	s->s = ip(pool_addr[pick(5)]);
	s->s_inv = pick(4) == 0;
	s->dplen = plens[pick(5)];
	s->d = ip(pool_addr[pick(5)]);
	s->d_inv = pick(4) == 0;
	s->dev = pick(3) || !ref_has_in(s->hook) ? -1 : (int)pick(3);
	s->dev_inv = pick(3) == 0;
	s->odev = pick(3) || !ref_has_out(s->hook) ? -1 : (int)pick(3);
	s->odev_inv = pick(3) == 0;
	s->sp_lo = s->sp_hi = s->dp_lo = s->dp_hi = -1;
	if ((s->proto == 6 || s->proto == 17) && !s->proto_inv) {
		if (pick(2)) {
			s->sp_lo = pool_port[pick(5)];
			s->sp_hi = s->sp_lo + (int)pick(2) * 4000;
			s->sp_inv = pick(3) == 0;
		}
		if (pick(2)) {
			s->dp_lo = pool_port[pick(5)];
			s->dp_hi = s->dp_lo + (int)pick(2) * 100;
			s->dp_inv = pick(3) == 0;
		}
	}
	s->drop = s->table != NF_TABLE_NAT && pick(2);
}

static void fmt_addr(char *buf, size_t len, const char *opt, uint32_t a, uint32_t plen, bool inv)
{
	if (!plen) {
		buf[0] = '\0';
		return;
	}
	snprintf(buf, len, " %s%s %u.%u.%u.%u/%u", inv ? "! " : "", opt, a >> 24, (a >> 16) & 255,
		 (a >> 8) & 255, a & 255, plen);
}

static void fmt_ports(char *buf, size_t len, const char *opt, int lo, int hi, bool inv)
{
	if (lo < 0)
		buf[0] = '\0';
	else if (lo == hi)
		snprintf(buf, len, " %s%s %d", inv ? "! " : "", opt, lo);
	else
		snprintf(buf, len, " %s%s %d:%d", inv ? "! " : "", opt, lo, hi);
}

static void render(const struct spec *s, char *out, size_t len)
{
	char proto[32] = "", src[48], dst[48], dev[32] = "", odev[32] = "", sp[32], dp[32];

	if (s->proto >= 0)
		snprintf(proto, sizeof(proto), " %s-p %d", s->proto_inv ? "! " : "", s->proto);
	fmt_addr(src, sizeof(src), "-s", s->s, s->splen, s->s_inv);
	fmt_addr(dst, sizeof(dst), "-d", s->d, s->dplen, s->d_inv);
	if (s->dev >= 0)
		snprintf(dev, sizeof(dev), " %s-i %s", s->dev_inv ? "! " : "", pool_dev[s->dev]);
	if (s->odev >= 0)
		snprintf(odev, sizeof(odev), " %s-o %s", s->odev_inv ? "! " : "",
			 pool_dev[s->odev]);
	fmt_ports(sp, sizeof(sp), "--sport", s->sp_lo, s->sp_hi, s->sp_inv);
	fmt_ports(dp, sizeof(dp), "--dport", s->dp_lo, s->dp_hi, s->dp_inv);
	snprintf(out, len, "-t %s -A %s%s%s%s%s%s%s%s -j %s", nf_table_name[s->table],
		 ref_chain_name[s->hook], proto, src, dst, dev, odev, sp, dp,
		 s->drop ? "DROP" : "ACCEPT");
}

static bool ref_prefix(uint32_t a, uint32_t net, uint32_t plen)
{
	return plen == 0 || (a >> (32 - plen)) == (net >> (32 - plen));
}

/* One -i/-o test; a missing device (NULL) equals no pool name. */
static bool ref_dev(int want, bool inv, const char *dev)
{
	return want < 0 || ((dev && strcmp(dev, pool_dev[want]) == 0) != inv);
}

static bool ref_match(const struct spec *s, const struct sk_buff *skb, const char *dev,
		      const char *odev)
{
	bool in_range;

	if (s->proto >= 0 && ((skb->protocol == s->proto) == s->proto_inv))
		return false;
	if (s->splen && ref_prefix(skb->saddr, s->s, s->splen) == s->s_inv)
		return false;
	if (s->dplen && ref_prefix(skb->daddr, s->d, s->dplen) == s->d_inv)
		return false;
	if (!ref_dev(s->dev, s->dev_inv, dev) || !ref_dev(s->odev, s->odev_inv, odev))
		return false;
	if (s->sp_lo >= 0) {
		in_range = skb->sport >= s->sp_lo && skb->sport <= s->sp_hi;
		if (in_range == s->sp_inv)
			return false;
	}
	if (s->dp_lo >= 0) {
		in_range = skb->dport >= s->dp_lo && skb->dport <= s->dp_hi;
		if (in_range == s->dp_inv)
			return false;
	}
	return true;
}

/* One table's chain: the verdict (true = drop); -1 when the chain is unused. */
static int ref_chain(struct refset *rf, int t, int h, const struct sk_buff *skb, const char *dev,
		     const char *odev, uint64_t *cycles)
{
	uint64_t len = skb->len - ETH;
	int nrules = 0;

	for (int i = 0; i < rf->n; i++)
		nrules += rf->r[i].table == t && rf->r[i].hook == h;
	if (!nrules && !rf->pol_drop[t][h])
		return -1;
	for (int i = 0; i < rf->n; i++) {
		struct spec *s = &rf->r[i];

		if (s->table != t || s->hook != h)
			continue;
		*cycles += NF_RULE_CYC;
		if (ref_match(s, skb, dev, odev)) {
			s->pkts++;
			s->bytes += len;
			return s->drop;
		}
	}
	rf->pol_pkts[t][h]++;
	rf->pol_bytes[t][h] += len;
	return rf->pol_drop[t][h];
}

static bool ref_hook(struct refset *rf, int h, const struct sk_buff *skb, const char *dev,
		     const char *odev, uint64_t *cycles)
{
	uint64_t c = 0;
	bool any = false, drop = false;

	for (int i = 0; ref_order[h][i] >= 0 && !drop; i++) {
		int v = ref_chain(rf, ref_order[h][i], h, skb, dev, odev, &c);

		any |= v >= 0;
		drop = v == 1;
	}
	if (any)
		*cycles += NF_HOOK_CYC + c;
	return drop;
}

/* A packet on hook @h, with the devices that hook has (NULL for the other). */
static void random_packet(int h, struct sk_buff *skb, const char **dev, const char **odev)
{
	memset(skb, 0, sizeof(*skb));
	skb->protocol = pool_proto[pick(4)];
	skb->saddr = ip(pool_addr[pick(5)]);
	skb->daddr = ip(pool_addr[pick(5)]);
	skb->sport = (uint16_t)(pool_port[pick(5)] + pick(3));
	skb->dport = (uint16_t)(pool_port[pick(5)] + pick(3) * 50);
	skb->len = ETH + 20 + pick(1500);
	*dev = ref_has_in(h) ? pool_dev[pick(3)] : NULL;
	*odev = ref_has_out(h) ? pool_dev[pick(3)] : NULL;
}

static void random_ruleset(struct nf_ruleset *rs, struct refset *rf)
{
	struct sim_error err = { 0 };
	char text[320];

	memset(rf, 0, sizeof(*rf));
	rf->n = (int)pick(40);
	for (int i = 0; i < rf->n; i++) {
		random_spec(&rf->r[i]);
		render(&rf->r[i], text, sizeof(text));
		ck_assert_msg(parse1(rs, text, &err) == 0, "%s: %s", text, err.msg);
	}
	for (int t = 0; t < NF_TABLE_NR; t++) {
		for (int h = 0; h < NF_HOOK_NR; h++) {
			bool exists = false;

			for (int i = 0; ref_order[h][i] >= 0; i++)
				exists |= ref_order[h][i] == t;
			if (!exists || t == NF_TABLE_NAT || pick(6))
				continue;
			snprintf(text, sizeof(text), "-t %s -P %s DROP", nf_table_name[t],
				 ref_chain_name[h]);
			ck_assert_msg(parse1(rs, text, &err) == 0, "%s: %s", text, err.msg);
			rf->pol_drop[t][h] = true;
		}
	}
}

static void compare_counters(const struct nf_ruleset *rs, const struct refset *rf)
{
	uint32_t seen[NF_TABLE_NR][NF_HOOK_NR] = { { 0 } };

	for (int i = 0; i < rf->n; i++) {
		const struct spec *s = &rf->r[i];
		const struct nf_rule *r =
			&rs->chain[s->table][s->hook].rules[seen[s->table][s->hook]++];

		REQUIRE(r->pkts == s->pkts);
		REQUIRE(r->bytes == s->bytes);
	}
	for (int t = 0; t < NF_TABLE_NR; t++) {
		for (int h = 0; h < NF_HOOK_NR; h++) {
			REQUIRE(rs->chain[t][h].policy_pkts == rf->pol_pkts[t][h]);
			REQUIRE(rs->chain[t][h].policy_bytes == rf->pol_bytes[t][h]);
		}
	}
}

START_TEST(test_random_vs_reference)
{
	struct nf_ruleset *rs = rs_new();
	struct refset *rf = malloc(sizeof(*rf));
	struct costs costs = test_costs();

	ck_assert_ptr_nonnull(rf);
	trand_state = 0x6e66u;
	for (int round = 0; round < 300; round++) {
		nf_ruleset_init(rs);
		random_ruleset(rs, rf);
		for (int k = 0; k < 200; k++) {
			struct sk_buff skb;
			const char *dev, *odev;
			uint64_t c_got = 0, c_ref = 0;
			int h = (int)pick(NF_HOOK_NR);
			bool drop;

			random_packet(h, &skb, &dev, &odev);
			drop = ref_hook(rf, h, &skb, dev, odev, &c_ref);
			REQUIRE(nf_hook(rs, (enum nf_hook_id)h, &skb, dev, odev, &costs, &c_got) ==
				(drop ? NF_DROP : NF_ACCEPT));
			REQUIRE(c_got == c_ref);
			REQUIRE(nf_hook_active(rs, (enum nf_hook_id)h) == (c_ref > 0));
		}
		compare_counters(rs, rf);
	}
	free(rf);
	free(rs);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* Listing                                                                   */

static char *listing(const struct nf_ruleset *rs)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	nf_write_listing(rs, f);
	fclose(f);
	return buf;
}

static void run(struct nf_ruleset *rs, enum nf_hook_id h, const struct tpkt *p)
{
	struct costs costs = test_costs();
	struct sk_buff skb = mk_skb(p);
	uint64_t cycles = 0;

	nf_hook(rs, h, &skb, p->dev, p->odev, &costs, &cycles);
}

/* iptables' header line (print_header with -v -n -x), trailing padding included. */
#define HDR                                                                                        \
	"    pkts      bytes target     prot opt in     out     source               destination"  \
	"         \n"

static const char expect_listing[] =
	"# table raw\n"
	"Chain PREROUTING (policy ACCEPT 3 packets, 272 bytes)\n" HDR
	"       1      128 ACCEPT     17   --  *      *       0.0.0.0/0            0.0.0.0/0"
	"            udp spts:1000:2000\n"
	"       0        0 DROP       47   --  *      *       0.0.0.0/0            0.0.0.0/0"
	"           \n"
	"\n"
	"Chain OUTPUT (policy ACCEPT 0 packets, 0 bytes)\n" HDR "\n"
	"# table filter\n"
	"Chain INPUT (policy DROP 1 packets, 84 bytes)\n" HDR
	"       1      128 DROP       17   --  *      *       0.0.0.0/0            0.0.0.0/0"
	"            udp dpt:9999\n"
	"       1      128 ACCEPT     0    --  !eth1  *       10.1.0.0/16          0.0.0.0/0"
	"           \n"
	"       1       60 ACCEPT     6    --  *      *       0.0.0.0/0            10.0.0.1"
	"             tcp spt:!53\n"
	"       0        0 ACCEPT     17   --  *      *       0.0.0.0/0            0.0.0.0/0"
	"            udp\n"
	"       0        0 DROP      !1    --  eth+   *      !192.168.0.0/24      !10.0.0.0/8"
	"          \n"
	"\n"
	"Chain FORWARD (policy ACCEPT 0 packets, 0 bytes)\n" HDR "\n"
	"Chain OUTPUT (policy ACCEPT 0 packets, 0 bytes)\n" HDR;

START_TEST(test_listing)
{
	static const char *const rules[] = {
		"-t raw -A PREROUTING -p udp --sport 1000:2000 -j ACCEPT",
		"-t raw -A PREROUTING -p 47 -j DROP",
		"-A INPUT -p udp --dport 9999 -j DROP",
		"-A INPUT -s 10.1.2.3/16 ! -i eth1 -j ACCEPT",
		"-A INPUT -p tcp -d 10.0.0.1 ! --sport 53 -j ACCEPT",
		"-A INPUT -p udp -m udp -j ACCEPT",
		"-A INPUT ! -p icmp -i eth+ ! -s 192.168.0.0/24 ! -d 10.0.0.0/8 -j DROP",
		"-P INPUT DROP",
	};
	static const struct tpkt p1 = {
		17, "10.1.2.3", "10.0.0.1", 1500, 9999, "eth0", 142, NULL, 0
	};
	static const struct tpkt p2 = { 6, "172.16.0.1", "10.0.0.1", 80, 22, "eth0", 74, NULL, 0 };
	static const struct tpkt p3 = { 1, "172.16.0.1", "10.0.0.1", 0, 0, "eth0", 98, NULL, 0 };
	static const struct tpkt p4 = { 17, "10.1.0.5", "10.0.0.1", 53, 53, "eth0", 142, NULL, 0 };
	struct nf_ruleset *rs = rs_new();
	struct sim_error err = { 0 };
	char *text;

	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		ck_assert_msg(parse1(rs, rules[i], &err) == 0, "%s: %s", rules[i], err.msg);
	run(rs, NF_INET_PRE_ROUTING, &p1); /* raw rule 1 */
	run(rs, NF_INET_LOCAL_IN, &p1);	   /* filter rule 1: udp dpt:9999 */
	run(rs, NF_INET_PRE_ROUTING, &p2); /* raw policy */
	run(rs, NF_INET_LOCAL_IN, &p2);	   /* filter rule 3: tcp, sport 80 */
	run(rs, NF_INET_PRE_ROUTING, &p3); /* raw policy */
	run(rs, NF_INET_LOCAL_IN, &p3);	   /* filter policy DROP (icmp, eth0) */
	run(rs, NF_INET_PRE_ROUTING, &p4); /* raw policy: sport 53 */
	run(rs, NF_INET_LOCAL_IN, &p4);	   /* filter rule 2: 10.1/16 not on eth1 */
	text = listing(rs);
	ck_assert_str_eq(text, expect_listing);
	free(text);
	free(rs);
}
END_TEST

START_TEST(test_listing_tables)
{
	struct nf_ruleset *rs = rs_new();
	struct sim_error err = { 0 };
	char *text = listing(rs);

	ck_assert_str_eq(text, ""); /* no used table, nothing */
	free(text);
	ck_assert_int_eq(parse1(rs, "-t nat -A PREROUTING -s 10.0.0.1 -j ACCEPT", &err), 0);
	ck_assert_int_eq(parse1(rs, "-t mangle -P PREROUTING DROP", &err), 0);
	text = listing(rs);
	ck_assert_str_eq(text,
			 "# table mangle\n"
			 "Chain PREROUTING (policy DROP 0 packets, 0 bytes)\n" HDR "\n"
			 "Chain INPUT (policy ACCEPT 0 packets, 0 bytes)\n" HDR "\n"
			 "Chain FORWARD (policy ACCEPT 0 packets, 0 bytes)\n" HDR "\n"
			 "Chain OUTPUT (policy ACCEPT 0 packets, 0 bytes)\n" HDR "\n"
			 "Chain POSTROUTING (policy ACCEPT 0 packets, 0 bytes)\n" HDR "\n"
			 "# table nat\n"
			 "Chain PREROUTING (policy ACCEPT 0 packets, 0 bytes)\n" HDR
			 "       0        0 ACCEPT     0    --  *      *       10.0.0.1           "
			 "  0.0.0.0/0           \n"
			 "\n"
			 "Chain INPUT (policy ACCEPT 0 packets, 0 bytes)\n" HDR "\n"
			 "Chain OUTPUT (policy ACCEPT 0 packets, 0 bytes)\n" HDR "\n"
			 "Chain POSTROUTING (policy ACCEPT 0 packets, 0 bytes)\n" HDR);
	free(text);

	/* a table used only through a new chain: raw is PREROUTING, OUTPUT */
	nf_ruleset_init(rs);
	ck_assert_int_eq(parse1(rs, "-t raw -P OUTPUT DROP", &err), 0);
	text = listing(rs);
	ck_assert_str_eq(text, "# table raw\n"
			       "Chain PREROUTING (policy ACCEPT 0 packets, 0 bytes)\n" HDR "\n"
			       "Chain OUTPUT (policy DROP 0 packets, 0 bytes)\n" HDR);
	free(text);
	free(rs);
}
END_TEST

/* The out column, FORWARD/OUTPUT/POSTROUTING counters, every table's chains. */
static const char expect_listing_out[] =
	"# table mangle\n"
	"Chain PREROUTING (policy ACCEPT 0 packets, 0 bytes)\n" HDR "\n"
	"Chain INPUT (policy ACCEPT 0 packets, 0 bytes)\n" HDR "\n"
	"Chain FORWARD (policy ACCEPT 1 packets, 60 bytes)\n" HDR
	"       1      128 ACCEPT     0    --  eth0   eth1    0.0.0.0/0            0.0.0.0/0"
	"           \n"
	"\n"
	"Chain OUTPUT (policy ACCEPT 0 packets, 0 bytes)\n" HDR "\n"
	"Chain POSTROUTING (policy ACCEPT 1 packets, 84 bytes)\n" HDR
	"       1       86 ACCEPT     17   --  *      !lo     0.0.0.0/0            0.0.0.0/0"
	"            udp dpt:53\n"
	"\n"
	"# table nat\n"
	"Chain PREROUTING (policy ACCEPT 0 packets, 0 bytes)\n" HDR "\n"
	"Chain INPUT (policy ACCEPT 0 packets, 0 bytes)\n" HDR "\n"
	"Chain OUTPUT (policy ACCEPT 0 packets, 0 bytes)\n" HDR
	"       1      128 ACCEPT     0    --  *      lo      0.0.0.0/0            0.0.0.0/0"
	"           \n"
	"\n"
	"Chain POSTROUTING (policy ACCEPT 1 packets, 84 bytes)\n" HDR
	"       1       86 ACCEPT     0    --  *      eth+    10.0.0.0/8           0.0.0.0/0"
	"           \n"
	"\n"
	"# table filter\n"
	"Chain INPUT (policy ACCEPT 0 packets, 0 bytes)\n" HDR "\n"
	"Chain FORWARD (policy DROP 1 packets, 128 bytes)\n" HDR
	"       1       60 DROP       0    --  !eth0  !eth1   0.0.0.0/0            0.0.0.0/0"
	"           \n"
	"\n"
	"Chain OUTPUT (policy ACCEPT 0 packets, 0 bytes)\n" HDR
	"       1      128 DROP       0    --  *      !averylongname15  0.0.0.0/0            "
	"0.0.0.0/0           \n";

START_TEST(test_listing_out)
{
	static const char *const rules[] = {
		"-t mangle -A FORWARD -i eth0 -o eth1 -j ACCEPT",
		"-t mangle -A POSTROUTING ! -o lo -p udp --dport 53 -j ACCEPT",
		"-t nat -A OUTPUT -o lo -j ACCEPT",
		"-t nat -A POSTROUTING -o eth+ -s 10.0.0.0/8 -j ACCEPT",
		"-A FORWARD ! -i eth0 ! -o eth1 -j DROP",
		"-A OUTPUT ! -o averylongname15 -j DROP",
		"-P FORWARD DROP",
	};
	/* proto, saddr, daddr, sport, dport, in, len, out */
	static const struct tpkt f1 = {
		17, "10.1.2.3", "10.2.0.1", 5000, 80, "eth0", 142, "eth1", 0
	};
	static const struct tpkt f2 = {
		6, "10.2.0.1", "10.1.2.3", 80, 5000, "eth1", 74, "eth0", 0
	};
	static const struct tpkt o1 = { 17, "10.0.0.1", "127.0.0.1", 5000, 53, NULL, 142, "lo", 0 };
	static const struct tpkt p1 = { 17, "10.0.0.1", "8.8.8.8", 5000, 53, NULL, 100, "eth0", 0 };
	static const struct tpkt p2 = { 1, "127.0.0.1", "127.0.0.1", 0, 0, NULL, 98, "lo", 0 };
	struct nf_ruleset *rs = rs_new();
	struct sim_error err = { 0 };
	char *text;

	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		ck_assert_msg(parse1(rs, rules[i], &err) == 0, "%s: %s", rules[i], err.msg);
	run(rs, NF_INET_FORWARD, &f1);	    /* mangle rule; filter policy DROP (from eth0) */
	run(rs, NF_INET_FORWARD, &f2);	    /* mangle policy; filter rule: !eth0 -> !eth1 */
	run(rs, NF_INET_LOCAL_OUT, &o1);    /* nat rule (-o lo), then filter rule */
	run(rs, NF_INET_POST_ROUTING, &p1); /* mangle rule (dpt 53, not lo), nat rule */
	run(rs, NF_INET_POST_ROUTING, &p2); /* mangle policy (lo), nat policy (lo) */
	text = listing(rs);
	ck_assert_str_eq(text, expect_listing_out);
	free(text);
	free(rs);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* User chains, RETURN, goto, REJECT, LOG, limit                             */

#define NF_LOG_CYC 500 /* costs.nf_log in these tests */
#define MAXU	   8

struct ucase {
	const char *rules[MAXU]; /* NULL-terminated */
	struct tpkt pkt;	 /* arrives on INPUT */
	enum nf_verdict verdict; /* expected */
	int reject_code;	 /* expected nf_hook_state.reject_code */
	uint64_t cycles;	 /* expected */
	uint32_t hits[MAXU];	 /* expected pkts of each rule (0 for -N/-P lines) */
	uint32_t policy;	 /* expected INPUT policy packets */
};

#define L NF_LOG_CYC

static const struct ucase ucases[] = {
	/* a jump and the chain's end: back to the next rule */
	{ { "-N C", "-A INPUT -j C", "-A C -p tcp -j DROP", "-A INPUT -j DROP" },
	  PKT,
	  NF_DROP,
	  -1,
	  H + 3 * R,
	  { 0, 1, 0, 1 },
	  0 },
	/* RETURN comes back to the rule after the jump */
	{ { "-N C", "-A INPUT -j C", "-A C -j RETURN", "-A C -j ACCEPT", "-A INPUT -j DROP" },
	  PKT,
	  NF_DROP,
	  -1,
	  H + 3 * R,
	  { 0, 1, 1, 0, 1 },
	  0 },
	/* RETURN in a built-in chain: the policy */
	{ { "-A INPUT -j RETURN", "-A INPUT -j DROP" }, PKT, NF_ACCEPT, -1, H + R, { 1, 0 }, 1 },
	/* -g: the goto chain's end skips the rest of INPUT: its policy */
	{ { "-N C", "-A INPUT -g C", "-A C -p tcp -j ACCEPT", "-A INPUT -j DROP" },
	  PKT,
	  NF_ACCEPT,
	  -1,
	  H + 2 * R,
	  { 0, 1, 0, 0 },
	  1 },
	/* -j then -g: the goto chain's RETURN goes back to the first chain's caller */
	{ { "-N A", "-N B", "-A INPUT -j A", "-A A -g B", "-A A -j DROP", "-A B -j RETURN",
	    "-A INPUT -j DROP" },
	  PKT,
	  NF_DROP,
	  -1,
	  H + 4 * R,
	  { 0, 0, 1, 1, 0, 1, 1 },
	  0 },
	/* nested jumps, a verdict deep inside ends the traversal */
	{ { "-N A", "-N B", "-A INPUT -j A", "-A A -j B", "-A B -p udp --dport 9999 -j DROP" },
	  PKT,
	  NF_DROP,
	  -1,
	  H + 3 * R,
	  { 0, 0, 1, 1, 1 },
	  0 },
	/* an empty user chain: straight back */
	{ { "-N E", "-A INPUT -j E", "-P INPUT DROP" }, PKT, NF_DROP, -1, H + R, { 0, 1, 0 }, 1 },
	/* REJECT: NF_DROP and the ICMP code asked for */
	{ { "-A INPUT -p udp -j REJECT" }, PKT, NF_DROP, 3, H + R, { 1 }, 0 },
	{ { "-A INPUT -j REJECT --reject-with icmp-host-unreachable" },
	  PKT,
	  NF_DROP,
	  1,
	  H + R,
	  { 1 },
	  0 },
	{ { "-A INPUT -j REJECT --reject-with admin-prohib" }, PKT, NF_DROP, 13, H + R, { 1 }, 0 },
	{ { "-A INPUT -j REJECT --reject-with icmp-net-prohibited" },
	  PKT,
	  NF_DROP,
	  9,
	  H + R,
	  { 1 },
	  0 },
	/* nf_send_unreach sends nothing about a later fragment */
	{ { "-A INPUT -j REJECT" }, FRAG, NF_DROP, -1, H + R, { 1 }, 0 },
	/* LOG continues, costs nf_log per logged packet */
	{ { "-A INPUT -j LOG --log-prefix \"in: \"", "-A INPUT -j LOG", "-A INPUT -j DROP" },
	  PKT,
	  NF_DROP,
	  -1,
	  H + 3 * R + 2 * L,
	  { 1, 1, 1 },
	  0 },
	{ { "-A INPUT -p tcp -j LOG", "-A INPUT -j ACCEPT" },
	  PKT,
	  NF_ACCEPT,
	  -1,
	  H + 2 * R,
	  { 0, 1 },
	  0 },
	/* a limit with credit left admits the packet; a failed earlier match spends none */
	{ { "-A INPUT -m limit -j ACCEPT", "-P INPUT DROP" }, PKT, NF_ACCEPT, -1, H + R, { 1 }, 0 },
	{ { "-A INPUT -p tcp -m limit --limit-burst 1 -j ACCEPT", "-P INPUT DROP" },
	  PKT,
	  NF_DROP,
	  -1,
	  H + R,
	  { 0 },
	  1 },
	/* state without a connection table: every packet is NEW */
	{ { "-A INPUT -m state --state NEW -j DROP" }, PKT, NF_DROP, -1, H + R, { 1 }, 0 },
	{ { "-A INPUT -m conntrack ! --ctstate NEW -j DROP" },
	  PKT,
	  NF_ACCEPT,
	  -1,
	  H + R,
	  { 0 },
	  1 },
};

#undef L

/* The rule whose text is @text, in any chain of @rs. */
static const struct nf_rule *find_rule(const struct nf_ruleset *rs, const char *text)
{
	for (int t = 0; t < NF_TABLE_NR; t++)
		for (int h = 0; h < NF_HOOK_NR; h++)
			for (uint32_t i = 0; i < rs->chain[t][h].nrules; i++)
				if (!strcmp(rs->chain[t][h].rules[i].text, text))
					return &rs->chain[t][h].rules[i];
	for (uint32_t u = 0; u < rs->nuser; u++)
		for (uint32_t i = 0; i < rs->user[u].nrules; i++)
			if (!strcmp(rs->user[u].rules[i].text, text))
				return &rs->user[u].rules[i];
	return NULL;
}

static struct nf_hook_state in_state(uint64_t jiffies, uint32_t hz)
{
	struct nf_hook_state st = { NF_INET_LOCAL_IN, "eth0", NULL, jiffies, hz, 0, -1, 0 };

	return st;
}

START_TEST(test_user_chains)
{
	const struct ucase *c = &ucases[_i];
	struct nf_ruleset *rs = rs_new();
	struct costs costs = test_costs();
	struct sk_buff skb = mk_skb(&c->pkt);
	struct nf_hook_state st = in_state(0, 250);
	struct sim_error err = { 0 };
	uint64_t cycles = 0;
	enum nf_verdict v;

	costs.nf_log = NF_LOG_CYC;
	for (int i = 0; i < MAXU && c->rules[i]; i++)
		ck_assert_msg(parse1(rs, c->rules[i], &err) == 0, "%s: %s", c->rules[i], err.msg);
	v = nf_hook_slow(rs, &st, &skb, &costs, &cycles);
	ck_assert_msg(v == c->verdict, "case %d: verdict %d", _i, v);
	ck_assert_int_eq(st.reject_code, c->reject_code);
	ck_assert_uint_eq(cycles, c->cycles);
	for (int i = 0; i < MAXU && c->rules[i]; i++) {
		const struct nf_rule *r = find_rule(rs, c->rules[i]);

		if (!r) {
			ck_assert_uint_eq(c->hits[i], 0);
			continue;
		}
		ck_assert_msg(r->pkts == c->hits[i], "case %d rule '%s': %llu packets", _i,
			      c->rules[i], (unsigned long long)r->pkts);
	}
	ck_assert_uint_eq(rs->chain[NF_TABLE_FILTER][NF_INET_LOCAL_IN].policy_pkts, c->policy);
	nf_ruleset_release(rs);
	free(rs);
}
END_TEST

/* -N, -j/-g and loops: what the rule set records, and what a rejected rule leaves. */
START_TEST(test_user_chain_parse)
{
	struct nf_ruleset *rs = rs_new();
	struct sim_error err = { 0 };

	ck_assert_int_eq(parse1(rs, "-N A", &err), 0);
	ck_assert_int_eq(parse1(rs, "-N B", &err), 0);
	ck_assert_int_eq(parse1(rs, "-t nat -N A", &err), 0); /* the same name, another table */
	ck_assert_uint_eq(rs->nuser, 3);
	ck_assert_int_eq(parse1(rs, "-A A -j B", &err), 0);
	ck_assert_int_eq(parse1(rs, "-A INPUT -g A", &err), 0);
	ck_assert_uint_eq(rs->user[0].refs, 1);
	ck_assert_uint_eq(rs->user[1].refs, 1);
	ck_assert_int_eq(rs->user[0].rules[0].target, NF_TG_JUMP);
	ck_assert_int_eq(rs->user[0].rules[0].chain, 1);
	ck_assert_int_eq(parse1(rs, "-A B -j A", &err), -1);
	ck_assert_str_eq(err.msg, "t.yaml:1:9: jump to 'A' makes a loop");
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(parse1(rs, "-A B -j B", &err), -1);
	ck_assert_str_eq(err.msg, "t.yaml:1:9: jump to 'B' makes a loop");
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(parse1(rs, "-N A", &err), -1);
	ck_assert_str_eq(err.msg, "t.yaml:1:4: chain 'A' already exists in table 'filter'");
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(parse1(rs, "-t raw -A B -j ACCEPT", &err), -1);
	ck_assert_str_eq(err.msg, "t.yaml:1:11: chain 'B' does not exist in table 'raw'");
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(parse1(rs, "-t raw -A PREROUTING -j B", &err), -1);
	ck_assert_str_eq(err.msg, "t.yaml:1:25: chain 'B' does not exist in table 'raw'");
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(parse1(rs, "-A X -j ACCEPT", &err), -1);
	ck_assert_str_eq(err.msg, "t.yaml:1:4: unknown chain 'X' (known: PREROUTING, INPUT, "
				  "FORWARD, OUTPUT, POSTROUTING, A, B, A)");
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(parse1(rs, "-P A DROP", &err), -1);
	ck_assert_str_eq(err.msg, "t.yaml:1:4: '-P' needs a built-in chain, 'A' is a user chain");
	memset(&err, 0, sizeof(err));
	for (int i = 3; i < NF_MAX_USER_CHAINS; i++) {
		char name[16];

		snprintf(name, sizeof(name), "-N U%d", i);
		ck_assert_int_eq(parse1(rs, name, &err), 0);
	}
	ck_assert_int_eq(parse1(rs, "-N ONEMORE", &err), -1);
	ck_assert_str_eq(err.msg, "t.yaml:1:4: too many user chains (at most 16)");
	free(rs);
}
END_TEST

/*
 * xt_limit against the kernel (tests/kernel-ref/nf.csv, limit-*): 10/sec
 * burst 5 at HZ 250, datagram i at i * GAP; the ACCEPT rule's count.
 */
START_TEST(test_limit_vs_kernel)
{
	static const struct {
		const char *c;	 /* case in nf.csv */
		uint32_t n;	 /* datagrams */
		uint32_t gap_us; /* between them */
	} rows[] = { { "limit-1000pps", 400, 1000 }, { "limit-20pps", 40, 50000 } };
	struct tpkt p = PKT;

	for (size_t k = 0; k < sizeof(rows) / sizeof(rows[0]); k++) {
		struct nf_ruleset *rs = rs_new();
		struct costs costs = test_costs();
		struct sim_error err = { 0 };
		const struct nf_rule *acc;
		uint64_t cycles = 0;
		FILE *f = test_ref_open("kernel-ref/nf.csv");
		struct ref_row r;
		long want_acc = -1, want_drop = -1;

		ck_assert_int_eq(parse1(rs,
					"-A INPUT -p udp -m limit --limit 10/sec --limit-burst 5 "
					"-j ACCEPT",
					&err),
				 0);
		ck_assert_int_eq(parse1(rs, "-A INPUT -p udp -j DROP", &err), 0);
		for (uint32_t i = 0; i < rows[k].n; i++) {
			struct sk_buff skb = mk_skb(&p);
			struct nf_hook_state st =
				in_state((uint64_t)i * rows[k].gap_us * 250 / 1000000, 250);

			nf_hook_slow(rs, &st, &skb, &costs, &cycles);
		}
		while (test_ref_next(f, true, &r)) {
			if (strcmp(r.c, rows[k].c))
				continue;
			if (!strcmp(r.k, "accept.pkts"))
				want_acc = atol(r.val);
			if (!strcmp(r.k, "drop.pkts"))
				want_drop = atol(r.val);
		}
		fclose(f);
		acc = &rs->chain[NF_TABLE_FILTER][NF_INET_LOCAL_IN].rules[0];
		ck_assert_msg(acc->pkts == (uint64_t)want_acc, "%s: %llu admitted, kernel %ld",
			      rows[k].c, (unsigned long long)acc->pkts, want_acc);
		ck_assert_uint_eq(rs->chain[NF_TABLE_FILTER][NF_INET_LOCAL_IN].rules[1].pkts,
				  (uint64_t)want_drop);
		free(rs);
	}
}
END_TEST

/* The token bucket itself: a burst, then one packet per period (xt_limit.c arithmetic). */
START_TEST(test_limit_bucket)
{
	static const struct {
		const char *rule; /* the match */
		uint32_t hz;	  /* CONFIG_HZ */
		uint32_t every;	  /* a packet every this many jiffies */
		uint32_t n;	  /* packets */
		uint32_t admitted;
	} rows[] = {
		/* 1/sec burst 2 at HZ 1000, a packet per ms for 5 s: 2 + 4 (the 5th at 5000) */
		{ "-m limit --limit 1/sec --limit-burst 2", 1000, 1, 5000, 6 },
		/* 100/sec burst 1 at HZ 100: exactly one packet per jiffy */
		{ "-m limit --limit 100/s --limit-burst 1", 100, 1, 50, 50 },
		/* and two per jiffy offered: still one */
		{ "-m limit --limit 100/s --limit-burst 1", 100, 0, 50, 1 },
		/* 3/hour default: the burst of 5 and nothing more within a minute */
		{ "-m limit", 250, 25, 2400, 5 },
		/* 6/min at HZ 250: one per 10 s, 30 s of one packet per second: 5 + 3 */
		{ "-m limit --limit 6/minute", 250, 250, 31, 8 },
	};

	for (size_t k = 0; k < sizeof(rows) / sizeof(rows[0]); k++) {
		struct nf_ruleset *rs = rs_new();
		struct costs costs = test_costs();
		struct sim_error err = { 0 };
		struct tpkt p = PKT;
		char rule[160];
		uint64_t cycles = 0;

		snprintf(rule, sizeof(rule), "-A INPUT %s -j ACCEPT", rows[k].rule);
		ck_assert_msg(parse1(rs, rule, &err) == 0, "%s", err.msg);
		for (uint32_t i = 0; i < rows[k].n; i++) {
			struct sk_buff skb = mk_skb(&p);
			struct nf_hook_state st = in_state((uint64_t)i * rows[k].every, rows[k].hz);

			nf_hook_slow(rs, &st, &skb, &costs, &cycles);
		}
		ck_assert_msg(rs->chain[NF_TABLE_FILTER][NF_INET_LOCAL_IN].rules[0].pkts ==
				      rows[k].admitted,
			      "row %zu: %llu admitted", k,
			      (unsigned long long)rs->chain[NF_TABLE_FILTER][NF_INET_LOCAL_IN]
				      .rules[0]
				      .pkts);
		free(rs);
	}
}
END_TEST

/* A -- B over a veth pair, B's INPUT rules given; A sends to B:5000. */
static const char ab_fmt[] = "name: nf-ab\n"
			     "duration: %s\n"
			     "hosts:\n"
			     "  - name: A\n"
			     "    cpus: 2\n"
			     "    nics:\n"
			     "      - {name: a0, driver: veth, peer: B/b0, address: 10.85.0.1/24}\n"
			     "    neigh:\n"
			     "      - {ip: 10.85.0.2, dev: a0}\n"
			     "    sockets:\n"
			     "      - {name: tx}\n"
			     "    apps:\n"
			     "      - {name: s, socket: tx, cpu: 0,\n"
			     "         send: {to: '10.85.0.2:5000', size: 100%s}}\n"
			     "  - name: B\n"
			     "    machine: A\n"
			     "%s"
			     "    nics:\n"
			     "      - {name: b0, driver: veth, peer: A/a0, address: 10.85.0.2/24}\n"
			     "    neigh:\n"
			     "      - {ip: 10.85.0.1, dev: b0}\n"
			     "    sockets:\n"
			     "      - {name: rx, bind: '10.85.0.2:5000'}\n"
			     "    iptables:\n"
			     "%s";

/* The CSV's value of @counter for case @c in @ns (tests/kernel-ref/nf.csv). */
static long nf_ref(const char *c, const char *ns, const char *counter)
{
	FILE *f = test_ref_open("kernel-ref/nf.csv");
	struct ref_row r;
	long v = -1;

	while (test_ref_next(f, true, &r))
		if (!strcmp(r.c, c) && !strcmp(r.ns, ns) && !strcmp(r.k, counter))
			v = atol(r.val);
	fclose(f);
	ck_assert_msg(v >= 0, "nf.csv: no %s %s %s", c, ns, counter);
	return v;
}

/*
 * REJECT against the kernel (nf.csv, reject-*): every datagram matches, the
 * ICMP errors go through icmp_send's per-peer limit like any other.
 */
START_TEST(test_reject_vs_kernel)
{
	static const struct {
		const char *c;	      /* case */
		const char *send;     /* rate and count */
		const char *duration; /* long enough for every datagram and its ICMP */
		const char *rule;     /* B's rule */
	} rows[] = {
		{ "reject-100pps", ", rate: 100pps, count: 300", "3100ms",
		  "      - '-A INPUT -p udp --dport 5000 -j REJECT'\n" },
		{ "reject-host", ", rate: 10pps, count: 20", "2100ms",
		  "      - '-A INPUT -p udp --dport 5000 -j REJECT --reject-with "
		  "icmp-host-unreachable'\n" },
	};
	static const char *const counters[][2] = {
		{ "B", "Icmp.OutDestUnreachs" },
		{ "B", "Icmp.OutRateLimitHost" },
		{ "B", "Icmp.OutRateLimitGlobal" },
		{ "A", "Icmp.InDestUnreachs" },
	};
	char yaml[4096];
	struct world *w;
	struct host *b;

	snprintf(yaml, sizeof(yaml), ab_fmt, rows[_i].duration, rows[_i].send, "", rows[_i].rule);
	w = test_world_run("nf-ab.yaml", yaml);
	b = test_world_host(w, "B");
	ck_assert_uint_eq(b->nf->chain[NF_TABLE_FILTER][NF_INET_LOCAL_IN].rules[0].pkts,
			  (uint64_t)nf_ref(rows[_i].c, "B", "rule1.pkts"));
	for (size_t k = 0; k < sizeof(counters) / sizeof(counters[0]); k++) {
		uint64_t got =
			test_snmp_counter(test_world_host(w, counters[k][0]), counters[k][1]);
		long want = nf_ref(rows[_i].c, counters[k][0], counters[k][1]);

		ck_assert_msg(got == (uint64_t)want, "%s: %s %s = %llu, kernel %ld", rows[_i].c,
			      counters[k][0], counters[k][1], (unsigned long long)got, want);
	}
	world_free(w);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* Connection tracking                                                       */

#define CT_HZ 250

static uint64_t ct_skb_id = 1;

/* A rule set from @rules with a connection table of @max entries in @buckets buckets. */
static struct nf_ruleset *ct_rs(const char *const *rules, uint32_t max, uint32_t buckets)
{
	struct nf_ruleset *rs = rs_new();
	struct nf_ct_params p = { max, buckets, 30, 120, 30, 600, CT_HZ, 2 };
	struct sim_error err = { 0 };

	for (int i = 0; rules[i]; i++)
		ck_assert_msg(parse1(rs, rules[i], &err) == 0, "%s: %s", rules[i], err.msg);
	ck_assert(rs->ct_needed);
	ck_assert_int_eq(nf_conntrack_init(rs, &p), 0);
	return rs;
}

/*
 * One packet through the hooks a local delivery (@in: PRE_ROUTING, INPUT)
 * or a local send (OUTPUT, POSTROUTING) passes, at @jiffies; its last verdict.
 */
static enum nf_verdict ct_pass(struct nf_ruleset *rs, bool in, const char *sa, const char *da,
			       uint16_t sp, uint16_t dp, uint64_t jiffies)
{
	struct tpkt p = { 17, sa, da, sp, dp, in ? "eth0" : NULL, 142, in ? NULL : "eth0", 0 };
	struct sk_buff skb = mk_skb(&p);
	struct costs costs = test_costs();
	enum nf_hook_id hooks[2] = { in ? NF_INET_PRE_ROUTING : NF_INET_LOCAL_OUT,
				     in ? NF_INET_LOCAL_IN : NF_INET_POST_ROUTING };
	uint64_t cycles = 0;

	skb.id = ct_skb_id++;
	for (int i = 0; i < 2; i++) {
		struct nf_hook_state st = { hooks[i], p.dev, p.odev, jiffies, CT_HZ, 0, -1, 0 };

		if (nf_hook_slow(rs, &st, &skb, &costs, &cycles) == NF_DROP)
			return NF_DROP;
	}
	return NF_ACCEPT;
}

static uint64_t ct_sum(const struct nf_conntrack_net *cn, size_t off)
{
	uint64_t v = 0;

	for (uint32_t c = 0; c < cn->p.ncpus; c++)
		v += *(const uint64_t *)((const char *)&cn->stat[c] + off);
	return v;
}

#define CT_STAT(cn, f) ct_sum(cn, offsetof(struct ip_conntrack_stat, f))

/*
 * Table full against the kernel (nf.csv, ctfull): nf_conntrack_max 40, 100
 * new flows. Which flows early_drop() finds depends on the hash, so the
 * comparison is of what does not: the count, and drops + early drops (each
 * early drop admits one more flow).
 */
START_TEST(test_ct_full_vs_kernel)
{
	static const char *const rules[] = { "-A INPUT -m conntrack --ctstate NEW -j ACCEPT",
					     NULL };
	long max = nf_ref("ctfull", "B", "nf_conntrack_max");
	struct nf_ruleset *rs = ct_rs(rules, (uint32_t)max, 262144);
	const struct nf_conntrack_net *cn = rs->ct;
	uint64_t drops = 0;

	for (uint16_t i = 0; i < 100; i++)
		drops += ct_pass(rs, true, "10.85.0.1", "10.85.0.2", (uint16_t)(40000 + i), 5000,
				 i / 4) == NF_DROP;
	ck_assert_uint_eq(cn->count, (uint64_t)nf_ref("ctfull", "B", "nf_conntrack_count"));
	ck_assert_uint_eq(CT_STAT(cn, drop), drops);
	ck_assert_uint_eq(CT_STAT(cn, drop) + CT_STAT(cn, early_drop),
			  (uint64_t)(nf_ref("ctfull", "B", "ct.drop") +
				     nf_ref("ctfull", "B", "ct.early_drop")));
	ck_assert_uint_eq(rs->chain[NF_TABLE_FILTER][NF_INET_LOCAL_IN].rules[0].pkts,
			  100 - CT_STAT(cn, drop));
	ck_assert_uint_eq(CT_STAT(cn, found), (uint64_t)nf_ref("ctfull", "B", "ct.found"));
	ck_assert_uint_eq(CT_STAT(cn, insert), (uint64_t)nf_ref("ctfull", "B", "ct.insert"));
	ck_assert_uint_eq(CT_STAT(cn, invalid), (uint64_t)nf_ref("ctfull", "B", "ct.invalid"));
	nf_ruleset_release(rs);
	free(rs);
}
END_TEST

/* NEW until the first reply, then ESTABLISHED (nf.csv, ctstate). */
START_TEST(test_ct_state_vs_kernel)
{
	static const char *const rules[] = {
		"-A INPUT -m conntrack --ctstate ESTABLISHED -j ACCEPT",
		"-A INPUT -m conntrack --ctstate NEW -j ACCEPT", NULL
	};
	struct nf_ruleset *rs = ct_rs(rules, 100, 64);
	const struct nf_chain *c = &rs->chain[NF_TABLE_FILTER][NF_INET_LOCAL_IN];

	ct_pass(rs, true, "10.85.0.1", "10.85.0.2", 4000, 5000, 0);
	ct_pass(rs, true, "10.85.0.1", "10.85.0.2", 4000, 5000, 0);
	ct_pass(rs, false, "10.85.0.2", "10.85.0.1", 5000, 4000, 1); /* B replies */
	for (int i = 0; i < 8; i++)
		ct_pass(rs, true, "10.85.0.1", "10.85.0.2", 4000, 5000, 13);
	ck_assert_uint_eq(c->rules[0].pkts, (uint64_t)nf_ref("ctstate", "B", "established.pkts"));
	ck_assert_uint_eq(c->rules[1].pkts, (uint64_t)nf_ref("ctstate", "B", "new.pkts"));
	ck_assert_uint_eq(rs->ct->count, 1);
	nf_ruleset_release(rs);
	free(rs);
}
END_TEST

/*
 * ASSURED against the kernel (nf.csv, ctassured): a replied flow older than
 * 2 s survives a flood of 100 new flows into a table of 40; the flood's
 * admissions and drops add up as they did on 6.18.
 */
START_TEST(test_ct_assured_vs_kernel)
{
	static const char *const rules[] = {
		"-A INPUT -m conntrack --ctstate ESTABLISHED -j ACCEPT",
		"-A INPUT -m conntrack --ctstate NEW -j ACCEPT", NULL
	};
	long max = nf_ref("ctassured", "B", "nf_conntrack_max");
	struct nf_ruleset *rs = ct_rs(rules, (uint32_t)max, 262144);
	const struct nf_chain *c = &rs->chain[NF_TABLE_FILTER][NF_INET_LOCAL_IN];
	const uint64_t s = CT_HZ, t0 = 2 * s + s / 5 + 13;
	uint64_t early;
	uint32_t i;

	ct_pass(rs, true, "10.85.0.1", "10.85.0.2", 4000, 5000, 0);
	ct_pass(rs, false, "10.85.0.2", "10.85.0.1", 5000, 4000, 1);
	ct_pass(rs, true, "10.85.0.1", "10.85.0.2", 4000, 5000, 2 * s + s / 5);
	for (uint16_t k = 0; k < 100; k++)
		ct_pass(rs, true, "10.85.0.1", "10.85.0.2", (uint16_t)(40000 + k), 5000,
			t0 + k / 4);
	ct_pass(rs, true, "10.85.0.1", "10.85.0.2", 4000, 5000, t0 + 40);
	for (i = 0; i < rs->ct->p.max; i++)
		if (rs->ct->entries[i].used && rs->ct->entries[i].tuple[0].sport == 4000)
			break;
	ck_assert_uint_lt(i, rs->ct->p.max);
	ck_assert_uint_eq((rs->ct->entries[i].status & IPS_ASSURED) != 0,
			  (uint64_t)nf_ref("ctassured", "B", "x.assured"));
	ck_assert_uint_eq(c->rules[0].pkts, (uint64_t)nf_ref("ctassured", "B", "established.pkts"));
	ck_assert_uint_eq(rs->ct->count, (uint64_t)nf_ref("ctassured", "B", "nf_conntrack_count"));
	early = CT_STAT(rs->ct, early_drop);
	ck_assert_uint_eq(CT_STAT(rs->ct, drop) + early,
			  (uint64_t)(nf_ref("ctassured", "B", "ct.drop") +
				     nf_ref("ctassured", "B", "ct.early_drop")));
	ck_assert_uint_eq(c->rules[1].pkts - early,
			  (uint64_t)(nf_ref("ctassured", "B", "new.pkts") -
				     nf_ref("ctassured", "B", "ct.early_drop")));
	nf_ruleset_release(rs);
	free(rs);
}
END_TEST

/* The one entry's timeout, jiffies from @now. */
static int64_t ct_left(const struct nf_ruleset *rs, uint64_t now)
{
	for (uint32_t i = 0; i < rs->ct->p.max; i++)
		if (rs->ct->entries[i].used)
			return (int64_t)rs->ct->entries[i].timeout - (int64_t)now;
	return -1;
}

/* nf_conntrack_udp_packet: 30 s unreplied, 120 s once a stream (reply seen, older than 2 s). */
START_TEST(test_ct_udp_timeouts)
{
	static const char *const rules[] = { "-A INPUT -m state --state INVALID -j DROP", NULL };
	struct nf_ruleset *rs = ct_rs(rules, 100, 64);
	const uint64_t s = CT_HZ;
	uint32_t i;

	ct_pass(rs, true, "10.0.0.9", "10.0.0.1", 1000, 53, 0);
	ck_assert_int_eq(ct_left(rs, 0), 30 * s);
	ct_pass(rs, true, "10.0.0.9", "10.0.0.1", 1000, 53, 29 * s); /* refreshed */
	ck_assert_int_eq(ct_left(rs, 29 * s), 30 * s);
	ct_pass(rs, false, "10.0.0.1", "10.0.0.9", 53, 1000, 29 * s + 10); /* reply, young */
	ck_assert_int_eq(ct_left(rs, 29 * s + 10), 30 * s);
	for (i = 0; i < rs->ct->p.max && !rs->ct->entries[i].used; i++)
		;
	ck_assert(!(rs->ct->entries[i].status & IPS_ASSURED));
	ck_assert(rs->ct->entries[i].status & IPS_SEEN_REPLY);
	ct_pass(rs, true, "10.0.0.9", "10.0.0.1", 1000, 53, 32 * s); /* older than 2 s: stream */
	ck_assert_int_eq(ct_left(rs, 32 * s), 120 * s);
	ck_assert_uint_eq(rs->ct->count, 1);
	for (i = 0; i < rs->ct->p.max && !rs->ct->entries[i].used; i++)
		;
	ck_assert(rs->ct->entries[i].status & IPS_ASSURED);
	/* expired: a new entry for the same tuple, the old one reaped on the chain */
	ct_pass(rs, true, "10.0.0.9", "10.0.0.1", 1000, 53, 153 * s);
	ck_assert_int_eq(ct_left(rs, 153 * s), 30 * s);
	ck_assert_uint_eq(rs->ct->count, 1);
	/* the sweep: unrelated expired entries go once a second */
	ct_pass(rs, true, "10.0.0.8", "10.0.0.1", 1000, 53, 153 * s);
	ck_assert_uint_eq(rs->ct->count, 2);
	ct_pass(rs, true, "10.0.0.7", "10.0.0.1", 1000, 53, 190 * s);
	ck_assert_uint_eq(rs->ct->count, 1);
	nf_ruleset_release(rs);
	free(rs);
}
END_TEST

/* early_drop: unassured entries of the new tuple's buckets go; assured ones stay. */
START_TEST(test_ct_early_drop)
{
	static const char *const rules[] = { "-A INPUT -m state --state NEW -j ACCEPT", NULL };
	struct nf_ruleset *rs = ct_rs(rules, 2, 1); /* one bucket: early_drop sees all */
	const uint64_t s = CT_HZ;

	/* flow A becomes assured (reply, then a packet after 2 s) */
	ct_pass(rs, true, "10.0.0.9", "10.0.0.1", 1000, 53, 0);
	ct_pass(rs, false, "10.0.0.1", "10.0.0.9", 53, 1000, 1);
	ct_pass(rs, true, "10.0.0.9", "10.0.0.1", 1000, 53, 3 * s);
	/* flow B unassured; C evicts B */
	ct_pass(rs, true, "10.0.0.8", "10.0.0.1", 1000, 53, 3 * s);
	ck_assert_uint_eq(rs->ct->count, 2);
	ck_assert_int_eq(ct_pass(rs, true, "10.0.0.7", "10.0.0.1", 1000, 53, 3 * s), NF_ACCEPT);
	ck_assert_uint_eq(CT_STAT(rs->ct, early_drop), 1);
	ck_assert_uint_eq(rs->ct->count, 2);
	/* C made assured too: the next new flow is dropped, table full */
	ct_pass(rs, false, "10.0.0.1", "10.0.0.7", 53, 1000, 3 * s + 1);
	ct_pass(rs, true, "10.0.0.7", "10.0.0.1", 1000, 53, 6 * s);
	ck_assert_int_eq(ct_pass(rs, true, "10.0.0.6", "10.0.0.1", 1000, 53, 6 * s), NF_DROP);
	ck_assert_uint_eq(CT_STAT(rs->ct, drop), 1);
	ck_assert_uint_eq(CT_STAT(rs->ct, early_drop), 1);
	/* an established packet of an existing flow still passes */
	ck_assert_int_eq(ct_pass(rs, true, "10.0.0.9", "10.0.0.1", 1000, 53, 6 * s), NF_ACCEPT);
	nf_ruleset_release(rs);
	free(rs);
}
END_TEST

/* A new connection's entry dies with a packet dropped before confirmation. */
START_TEST(test_ct_unconfirmed)
{
	static const char *const rules[] = { "-A INPUT -p udp --dport 9 -j DROP",
					     "-A INPUT -m state --state NEW -j ACCEPT", NULL };
	struct nf_ruleset *rs = ct_rs(rules, 1, 1);

	ck_assert_int_eq(ct_pass(rs, true, "10.0.0.9", "10.0.0.1", 1000, 9, 0), NF_DROP);
	ck_assert_uint_eq(rs->ct->count, 0);
	/* the table of one is free for the next */
	ck_assert_int_eq(ct_pass(rs, true, "10.0.0.9", "10.0.0.1", 1000, 53, 0), NF_ACCEPT);
	ck_assert_uint_eq(rs->ct->count, 1);
	/* full: early_drop evicts the unassured entry */
	ck_assert_int_eq(ct_pass(rs, true, "10.0.0.8", "10.0.0.1", 1000, 53, 0), NF_ACCEPT);
	ck_assert_uint_eq(CT_STAT(rs->ct, early_drop), 1);
	ck_assert_uint_eq(CT_STAT(rs->ct, drop), 0);
	ck_assert_uint_eq(rs->ct->count, 1);
	nf_ruleset_release(rs);
	free(rs);
}
END_TEST

/* The raw table runs before nf_conntrack_in: a state match there sees no entry (INVALID). */
START_TEST(test_ct_raw_before_conntrack)
{
	static const char *const rules[] = {
		"-t raw -A PREROUTING -m state --state INVALID -j ACCEPT",
		"-t mangle -A PREROUTING -m state --state NEW -j ACCEPT", NULL
	};
	struct nf_ruleset *rs = ct_rs(rules, 16, 16);

	ct_pass(rs, true, "10.0.0.9", "10.0.0.1", 1000, 53, 0);
	ct_pass(rs, true, "10.0.0.9", "10.0.0.1", 1000, 53, 0);
	ck_assert_uint_eq(rs->chain[NF_TABLE_RAW][NF_INET_PRE_ROUTING].rules[0].pkts, 2);
	ck_assert_uint_eq(rs->chain[NF_TABLE_MANGLE][NF_INET_PRE_ROUTING].rules[0].pkts, 2);
	nf_ruleset_release(rs);
	free(rs);
}
END_TEST

/* ICMP errors: RELATED when they quote a tracked datagram, INVALID otherwise. */
START_TEST(test_ct_icmp_related)
{
	static const char *const rules[] = { "-A INPUT -m state --state RELATED -j ACCEPT",
					     "-A INPUT -m state --state INVALID -j DROP", NULL };
	struct nf_ruleset *rs = ct_rs(rules, 16, 16);
	struct costs costs = test_costs();
	struct tpkt p = { 1, "10.9.9.9", "10.0.0.1", 0, 0, "eth0", 98, NULL, 0 };
	const struct nf_chain *c = &rs->chain[NF_TABLE_FILTER][NF_INET_LOCAL_IN];
	uint64_t cycles = 0;

	/* we sent 10.0.0.1:1000 -> 10.5.0.1:53 */
	ct_pass(rs, false, "10.0.0.1", "10.5.0.1", 1000, 53, 0);
	for (int k = 0; k < 2; k++) {
		struct sk_buff skb = mk_skb(&p);
		enum nf_hook_id hooks[2] = { NF_INET_PRE_ROUTING, NF_INET_LOCAL_IN };

		skb.id = ct_skb_id++;
		skb.icmp_type = 3;
		skb.icmp_orig_daddr = ip(k == 0 ? "10.5.0.1" : "10.5.0.2");
		skb.sport = 1000;
		skb.dport = 53;
		for (int i = 0; i < 2; i++) {
			struct nf_hook_state st = { hooks[i], "eth0", NULL, 1, CT_HZ, 0, -1, 0 };

			nf_hook_slow(rs, &st, &skb, &costs, &cycles);
		}
	}
	ck_assert_uint_eq(c->rules[0].pkts, 1);
	ck_assert_uint_eq(c->rules[1].pkts, 1);
	ck_assert_uint_eq(rs->ct->count, 1); /* errors make no entries */
	nf_ruleset_release(rs);
	free(rs);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* NAT                                                                       */

/* A packet through one hook, with the output device's address @oaddr; rewritten in *skb. */
static enum nf_verdict nat_hook1(struct nf_ruleset *rs, enum nf_hook_id h, struct sk_buff *skb,
				 uint32_t oaddr)
{
	bool has_in = h == NF_INET_PRE_ROUTING || h == NF_INET_LOCAL_IN || h == NF_INET_FORWARD;
	bool has_out = h == NF_INET_LOCAL_OUT || h == NF_INET_POST_ROUTING || h == NF_INET_FORWARD;
	struct nf_hook_state st = {
		h, has_in ? "eth0" : NULL, has_out ? "eth1" : NULL, 0, CT_HZ, 0, -1, oaddr
	};
	struct costs costs = test_costs();
	uint64_t cycles = 0;

	costs.nf_nat = 7;
	return nf_hook_slow(rs, &st, skb, &costs, &cycles);
}

/* A forwarded packet: PREROUTING, FORWARD, POSTROUTING; the packet as it leaves. */
static struct sk_buff nat_fwd(struct nf_ruleset *rs, const char *sa, uint16_t sp, const char *da,
			      uint16_t dp)
{
	struct tpkt p = { 17, sa, da, sp, dp, "eth0", 142, "eth1", 0 };
	struct sk_buff skb = mk_skb(&p);

	skb.id = ct_skb_id++;
	ck_assert_int_eq(nat_hook1(rs, NF_INET_PRE_ROUTING, &skb, 0), NF_ACCEPT);
	ck_assert_int_eq(nat_hook1(rs, NF_INET_FORWARD, &skb, 0), NF_ACCEPT);
	ck_assert_int_eq(nat_hook1(rs, NF_INET_POST_ROUTING, &skb, ip("1.1.1.1")), NF_ACCEPT);
	return skb;
}

static void expect_tuple(const struct sk_buff *skb, const char *sa, uint16_t sp, const char *da,
			 uint16_t dp)
{
	ck_assert_uint_eq(skb->saddr, ip(sa));
	ck_assert_uint_eq(skb->sport, sp);
	ck_assert_uint_eq(skb->daddr, ip(da));
	ck_assert_uint_eq(skb->dport, dp);
}

START_TEST(test_nat_dnat)
{
	static const char *const rules[] = {
		"-t nat -A PREROUTING -p udp --dport 53 -j DNAT --to-destination 10.0.0.2:5353",
		NULL
	};
	struct nf_ruleset *rs = ct_rs(rules, 16, 16);
	struct sk_buff skb;

	skb = nat_fwd(rs, "192.168.1.5", 1000, "10.0.0.1", 53);
	expect_tuple(&skb, "192.168.1.5", 1000, "10.0.0.2", 5353);
	skb = nat_fwd(rs, "192.168.1.5", 1000, "10.0.0.1", 53); /* the entry, not the table */
	expect_tuple(&skb, "192.168.1.5", 1000, "10.0.0.2", 5353);
	ck_assert_uint_eq(rs->chain[NF_TABLE_NAT][NF_INET_PRE_ROUTING].rules[0].pkts, 1);
	skb = nat_fwd(rs, "10.0.0.2", 5353, "192.168.1.5", 1000); /* the reply, un-DNATed */
	expect_tuple(&skb, "10.0.0.1", 53, "192.168.1.5", 1000);
	skb = nat_fwd(rs, "192.168.1.5", 1001, "10.0.0.1", 54); /* no rule: untouched */
	expect_tuple(&skb, "192.168.1.5", 1001, "10.0.0.1", 54);
	ck_assert_uint_eq(rs->ct->count, 2);
	nf_ruleset_release(rs);
	free(rs);
}
END_TEST

START_TEST(test_nat_snat_masquerade)
{
	static const char *const rules[] = {
		"-t nat -A POSTROUTING -s 192.168.1.0/24 -p udp --sport 1000 -j SNAT --to-source "
		"5.6.7.8:2000",
		"-t nat -A POSTROUTING -s 192.168.1.0/24 -j SNAT --to-source 1.2.3.4",
		"-t nat -A POSTROUTING -o eth1 -j MASQUERADE", NULL
	};
	struct nf_ruleset *rs = ct_rs(rules, 16, 16);
	const struct nf_chain *c = &rs->chain[NF_TABLE_NAT][NF_INET_POST_ROUTING];
	struct sk_buff skb;

	skb = nat_fwd(rs, "192.168.1.5", 1000, "8.8.8.8", 53);
	expect_tuple(&skb, "5.6.7.8", 2000, "8.8.8.8", 53);
	skb = nat_fwd(rs, "8.8.8.8", 53, "5.6.7.8", 2000); /* reply: back to the inside */
	expect_tuple(&skb, "8.8.8.8", 53, "192.168.1.5", 1000);
	skb = nat_fwd(rs, "192.168.1.6", 999, "8.8.8.8", 53);
	expect_tuple(&skb, "1.2.3.4", 999, "8.8.8.8", 53);
	skb = nat_fwd(rs, "172.16.0.9", 999, "8.8.8.8", 53); /* masqueraded: eth1's address */
	expect_tuple(&skb, "1.1.1.1", 999, "8.8.8.8", 53);
	skb = nat_fwd(rs, "8.8.8.8", 53, "1.1.1.1", 999);
	expect_tuple(&skb, "8.8.8.8", 53, "172.16.0.9", 999);
	/* replies are not new: the nat table saw three first packets */
	ck_assert_uint_eq(c->rules[0].pkts + c->rules[1].pkts + c->rules[2].pkts, 3);
	ck_assert_uint_eq(c->rules[2].pkts, 1);
	nf_ruleset_release(rs);
	free(rs);
}
END_TEST

/*
 * The `iptables -t @table -L -v -n -x` text of rule set @set in
 * tests/kernel-ref/nf_listing.txt, as nf_write_listing heads it ("# table T").
 */
static void ref_listing(int set, const char *table, char *want, size_t size)
{
	char line[512], set_hdr[32], table_hdr[32];
	FILE *f = fopen("kernel-ref/nf_listing.txt", "r");
	size_t len;
	int section = 0;

	ck_assert_ptr_nonnull(f);
	snprintf(set_hdr, sizeof(set_hdr), "# rule set %d\n", set);
	snprintf(table_hdr, sizeof(table_hdr), "# table %s\n", table);
	len = (size_t)snprintf(want, size, "%s", table_hdr);
	while (fgets(line, sizeof(line), f)) {
		if (!strcmp(line, set_hdr))
			section = 1;
		else if (section == 1 && !strcmp(line, table_hdr))
			section = 2;
		else if (section == 2 && line[0] == '#')
			break;
		else if (section == 2)
			len += (size_t)snprintf(want + len, size - len, "%s", line);
	}
	fclose(f);
	ck_assert_uint_eq(section, 2);
	ck_assert_uint_lt(len, size - 1);
}

/* The nat table of rule set 2: DNAT, SNAT and MASQUERADE as iptables prints them. */
START_TEST(test_nat_listing_vs_kernel)
{
	static const char *const rules[] = {
		"-t nat -A POSTROUTING -o eth0 -j MASQUERADE",
		"-t nat -A POSTROUTING -s 10.0.0.0/8 -j SNAT --to-source 1.2.3.4",
		"-t nat -A PREROUTING -p udp --dport 53 -j DNAT --to-destination 10.0.0.2:5353",
		"-t nat -A PREROUTING -p udp --dport 54 -j DNAT --to-destination 10.0.0.2",
	};
	struct nf_ruleset *rs = rs_new();
	struct sim_error err = { 0 };
	char want[8192], *text;

	ref_listing(2, "nat", want, sizeof(want));
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		ck_assert_msg(parse1(rs, rules[i], &err) == 0, "%s: %s", rules[i], err.msg);
	text = listing(rs);
	ck_assert_str_eq(text, want);
	free(text);
	free(rs);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* ipset                                                                     */

/* Set @name of @n addresses into @rs, as ip_set_parse leaves it (sorted). */
static void add_set(struct nf_ruleset *rs, const char *name, const char *const *addrs, uint32_t n)
{
	struct ip_set *set = &rs->sets[rs->nsets++];

	snprintf(set->name, sizeof(set->name), "%s", name);
	set->addr = malloc(n * sizeof(*set->addr));
	ck_assert_ptr_nonnull(set->addr);
	for (uint32_t i = 0; i < n; i++)
		set->addr[i] = ip(addrs[i]);
	set->n = n;
}

START_TEST(test_set_match)
{
	static const char *const bl[] = { "10.1.2.3", "10.9.0.1", "192.168.1.1" };
	static const struct {
		const char *rule;	 /* one rule, DROP on match */
		const char *sa, *da;	 /* the packet */
		enum nf_verdict verdict; /* expected */
	} rows[] = {
		{ "-A INPUT -m set --match-set bl src -j DROP", "10.1.2.3", "10.0.0.1", NF_DROP },
		{ "-A INPUT -m set --match-set bl src -j DROP", "10.1.2.4", "10.0.0.1", NF_ACCEPT },
		{ "-A INPUT -m set --match-set bl dst -j DROP", "10.1.2.3", "10.0.0.1", NF_ACCEPT },
		{ "-A INPUT -m set --match-set bl dst -j DROP", "10.0.0.1", "192.168.1.1",
		  NF_DROP },
		{ "-A INPUT -m set ! --match-set bl src -j DROP", "10.1.2.3", "10.0.0.1",
		  NF_ACCEPT },
		{ "-A INPUT -m set ! --match-set bl src -j DROP", "10.0.0.7", "10.0.0.1", NF_DROP },
		{ "-A INPUT -m set --match-set bl src -j DROP", "10.9.0.1", "10.0.0.1", NF_DROP },
		{ "-A INPUT -m set --match-set bl src -j DROP", "0.0.0.0", "10.0.0.1", NF_ACCEPT },
		{ "-A INPUT -m set --match-set bl src -j DROP", "255.255.255.255", "10.0.0.1",
		  NF_ACCEPT },
		/* an earlier failed match: no lookup */
		{ "-A INPUT -p tcp -m set --match-set bl src -j DROP", "10.1.2.3", "10.0.0.1",
		  NF_ACCEPT },
	};

	for (size_t k = 0; k < sizeof(rows) / sizeof(rows[0]); k++) {
		struct nf_ruleset *rs = rs_new();
		struct costs costs = test_costs();
		struct sim_error err = { 0 };
		struct tpkt p = UDP(rows[k].sa, rows[k].da, 5000, 9999);
		struct sk_buff skb = mk_skb(&p);
		uint64_t cycles = 0;
		bool proto_ok = !strstr(rows[k].rule, "tcp");

		costs.ip_set_lookup = 3;
		add_set(rs, "bl", bl, 3);
		ck_assert_msg(parse1(rs, rows[k].rule, &err) == 0, "%s", err.msg);
		ck_assert_int_eq(nf_hook(rs, NF_INET_LOCAL_IN, &skb, "eth0", NULL, &costs, &cycles),
				 rows[k].verdict);
		ck_assert_uint_eq(cycles, H + R + (proto_ok ? 3 : 0));
		nf_ruleset_release(rs);
		free(rs);
	}
}
END_TEST

/* The filter table of rule set 2: match-set as iptables prints it. */
START_TEST(test_set_listing_vs_kernel)
{
	static const char *const bl[] = { "10.0.0.5" };
	struct nf_ruleset *rs = rs_new();
	struct sim_error err = { 0 };
	char want[8192], *text;

	ref_listing(2, "filter", want, sizeof(want));
	add_set(rs, "bl", bl, 1);
	ck_assert_int_eq(parse1(rs, "-A INPUT -m set --match-set bl src -j DROP", &err), 0);
	ck_assert_int_eq(parse1(rs, "-A INPUT -m set ! --match-set bl dst -j DROP", &err), 0);
	ck_assert_int_eq(parse1(rs, "-A INPUT -m set --match-set nope src -j DROP", &err), -1);
	ck_assert_str_eq(err.msg, "t.yaml:1:29: unknown set 'nope' (sets are made in the host's "
				  "'sets:')");
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(parse1(rs, "-A INPUT -m set --match-set bl both -j DROP", &err), -1);
	ck_assert_str_eq(err.msg, "t.yaml:1:32: '--match-set' needs 'src' or 'dst', got 'both'");
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(parse1(rs, "-A INPUT -m set -j DROP", &err), -1);
	ck_assert_str_eq(err.msg, "t.yaml:1:1: '-m set' needs '--match-set'");
	text = listing(rs);
	ck_assert_str_eq(text, want);
	free(text);
	nf_ruleset_release(rs);
	free(rs);
}
END_TEST

/* `sets:` in a scenario: CIDR members expand, duplicates go, the rule drops members only. */
START_TEST(test_set_scenario)
{
	char yaml[4096];
	struct world *w;
	struct host *b;
	const struct ip_set *set;

	snprintf(
		yaml, sizeof(yaml), ab_fmt, "200ms", ", rate: 100pps, count: 10",
		"    sets:\n"
		"      - {name: bl, type: hash:ip, members: [10.85.0.0/30, 10.85.0.3, 10.9.9.9]}\n",
		"      - '-A INPUT -m set --match-set bl src -j DROP'\n");
	w = test_world_run("nf-set.yaml", yaml);
	b = test_world_host(w, "B");
	set = &b->nf->sets[0];
	ck_assert_uint_eq(set->n, 5);
	ck_assert(ip_set_test(set, ip("10.85.0.1")) && ip_set_test(set, ip("10.9.9.9")));
	ck_assert(!ip_set_test(set, ip("10.85.0.4")));
	ck_assert_uint_eq(b->nf->chain[NF_TABLE_FILTER][NF_INET_LOCAL_IN].rules[0].pkts, 10);
	ck_assert_uint_eq(test_snmp_counter(b, "Udp.InDatagrams"), 0);
	world_free(w);
}
END_TEST

/*
 * NAT through ip.c against the kernel (nf.csv, dnat): B's DNAT at PREROUTING
 * moves A's datagrams for port 5000 (where B's socket is) to 5001 before the
 * route and socket lookups; the nat table sees the flow's first packet only.
 */
START_TEST(test_nat_scenario)
{
	static const char *const counters[][2] = {
		{ "B", "Icmp.OutDestUnreachs" },
		{ "B", "Icmp.OutRateLimitHost" },
		{ "A", "Icmp.InDestUnreachs" },
	};
	char yaml[4096];
	struct world *w;
	struct host *b;

	snprintf(yaml, sizeof(yaml), ab_fmt, "200ms", ", rate: 100pps, count: 10", "",
		 "      - '-t nat -A PREROUTING -p udp --dport 5000 -j DNAT --to-destination "
		 "10.85.0.2:5001'\n");
	w = test_world_run("nf-nat.yaml", yaml);
	b = test_world_host(w, "B");
	ck_assert_uint_eq(test_snmp_counter(b, "Udp.InDatagrams"),
			  (uint64_t)nf_ref("dnat", "B", "received.5000"));
	ck_assert_uint_eq(test_snmp_counter(b, "Udp.NoPorts"), 10);
	ck_assert_uint_eq(b->nf->chain[NF_TABLE_NAT][NF_INET_PRE_ROUTING].rules[0].pkts,
			  (uint64_t)nf_ref("dnat", "B", "nat1.pkts"));
	ck_assert_uint_eq(b->nf->ct->count, 1);
	for (size_t k = 0; k < sizeof(counters) / sizeof(counters[0]); k++) {
		uint64_t got =
			test_snmp_counter(test_world_host(w, counters[k][0]), counters[k][1]);
		long want = nf_ref("dnat", counters[k][0], counters[k][1]);

		ck_assert_msg(got == (uint64_t)want, "dnat: %s %s = %llu, kernel %ld",
			      counters[k][0], counters[k][1], (unsigned long long)got, want);
	}
	world_free(w);
}
END_TEST

/* `iptables -L -v -n -x` of rule set 1 of tests/kernel-ref/nf_listing.txt, measured. */
START_TEST(test_listing_vs_kernel)
{
	static const char *const rules[] = {
		"-N CHK",
		"-N EMPTY",
		"-A INPUT -p udp --dport 9999 -j CHK",
		"-A INPUT -p udp -g EMPTY",
		"-A CHK -m limit --limit 10/sec --limit-burst 5 -j RETURN",
		"-A CHK -j LOG --log-prefix \"chk: \"",
		"-A CHK -j LOG --log-level 6",
		"-A CHK -p udp -j REJECT",
		"-A CHK -j REJECT --reject-with icmp-host-unreachable",
		"-A CHK -j REJECT --reject-with admin-prohib",
		"-A CHK -m limit --limit 3/min -j ACCEPT",
		"-A CHK -m limit -j ACCEPT",
		"-A CHK -m state --state NEW,ESTABLISHED -j ACCEPT",
		"-A CHK -m conntrack --ctstate INVALID -j DROP",
		"-A CHK -m conntrack ! --ctstate RELATED,ESTABLISHED,NEW,INVALID -j DROP",
		"-A CHK -p udp --sport 53 -m limit --limit 100/hour --limit-burst 1 -j ACCEPT",
		"-A CHK -j RETURN",
		"-A FORWARD -j CHK",
	};
	struct nf_ruleset *rs = rs_new();
	struct sim_error err = { 0 };
	char want[8192], *text;

	ref_listing(1, "filter", want, sizeof(want));
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		ck_assert_msg(parse1(rs, rules[i], &err) == 0, "%s: %s", rules[i], err.msg);
	text = listing(rs);
	ck_assert_str_eq(text, want);
	free(text);
	free(rs);
}
END_TEST

Suite *netfilter_suite(void);

Suite *netfilter_suite(void)
{
	Suite *s = suite_create("netfilter");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_parse_errors, 0, (int)(sizeof(ecases) / sizeof(ecases[0])));
	tcase_add_test(tc, test_parse_fields);
	tcase_add_test(tc, test_too_many_rules);
	tcase_add_loop_test(tc, test_verdicts, 0, (int)(sizeof(vcases) / sizeof(vcases[0])));
	tcase_add_test(tc, test_null_ruleset);
	tcase_add_test(tc, test_random_vs_reference);
	tcase_add_test(tc, test_listing);
	tcase_add_test(tc, test_listing_tables);
	tcase_add_test(tc, test_listing_out);
	tcase_add_loop_test(tc, test_user_chains, 0, (int)(sizeof(ucases) / sizeof(ucases[0])));
	tcase_add_test(tc, test_user_chain_parse);
	tcase_add_test(tc, test_limit_vs_kernel);
	tcase_add_test(tc, test_limit_bucket);
	tcase_add_test(tc, test_listing_vs_kernel);
	tcase_add_test(tc, test_nat_listing_vs_kernel);
	tcase_add_loop_test(tc, test_reject_vs_kernel, 0, 2);
	tcase_add_test(tc, test_ct_full_vs_kernel);
	tcase_add_test(tc, test_ct_state_vs_kernel);
	tcase_add_test(tc, test_ct_assured_vs_kernel);
	tcase_add_test(tc, test_ct_udp_timeouts);
	tcase_add_test(tc, test_ct_early_drop);
	tcase_add_test(tc, test_ct_unconfirmed);
	tcase_add_test(tc, test_ct_icmp_related);
	tcase_add_test(tc, test_ct_raw_before_conntrack);
	tcase_add_test(tc, test_nat_dnat);
	tcase_add_test(tc, test_nat_snat_masquerade);
	tcase_add_test(tc, test_set_match);
	tcase_add_test(tc, test_set_listing_vs_kernel);
	tcase_add_test(tc, test_set_scenario);
	tcase_add_test(tc, test_nat_scenario);
	suite_add_tcase(s, tc);
	return s;
}
