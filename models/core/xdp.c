/*
 * models/core/xdp.c - an XDP program's rules and bpf_prog_run_xdp.
 *
 * See models/core/xdp.h for the model, its kernel references and what it
 * simplifies.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/core/neigh.h"
#include "models/core/skb.h"
#include "models/core/xdp.h"
#include "models/ipv4/ip.h"
#include "models/world.h"

const char *const xdp_action_name[XDP_ACTION_NR + 1] = {
	[XDP_ABORTED] = "aborted", [XDP_DROP] = "drop",		[XDP_PASS] = "pass",
	[XDP_TX] = "tx",	   [XDP_REDIRECT] = "redirect", [XDP_ACTION_NR] = NULL,
};

/* The `xdp:` scalar: "none" (no program) or a verdict for every packet. */
static const char *const xdp_scalar_names[] = { "none", "aborted",  "drop", "pass",
						"tx",	"redirect", NULL };

static uint32_t prefix_mask(uint32_t len)
{
	return len ? ~0u << (32 - len) : 0;
}

static int xdp_rule_prefix(const struct cfg_node *r, const char *key, uint32_t *addr,
			   uint32_t *mask, struct sim_error *err)
{
	const char *s = NULL;
	uint32_t len;

	if (cfg_get_str(r, key, &s, NULL, err))
		return -1;
	if (!s)
		return 0;
	if (inet_parse_prefix(s, addr, &len))
		return cfg_error(cfg_get(r, key), err,
				 "'%s' must be an IPv4 prefix like '10.0.0.0/8', got '%s'", key, s);
	*mask = prefix_mask(len);
	return 0;
}

static int xdp_rule_ports(const struct cfg_node *r, const char *key, uint16_t *lo, uint16_t *hi,
			  struct sim_error *err)
{
	const char *s = NULL;

	*lo = 0;
	*hi = 65535;
	if (cfg_get_str(r, key, &s, NULL, err))
		return -1;
	if (s && (strspn(s, "0123456789:") != strlen(s) || inet_parse_port_range(s, lo, hi)))
		return cfg_error(cfg_get(r, key), err,
				 "'%s' must be a port or a range like '1000:2000', got '%s'", key,
				 s);
	return 0;
}

static int xdp_rule_proto(const struct cfg_node *r, uint8_t *proto, struct sim_error *err)
{
	const char *s = NULL;
	char *end;
	unsigned long v;

	*proto = 0;
	if (cfg_get_str(r, "proto", &s, NULL, err))
		return -1;
	if (!s)
		return 0;
	if (!strcmp(s, "udp")) {
		*proto = IPPROTO_UDP_;
		return 0;
	}
	if (!strcmp(s, "icmp")) {
		*proto = IPPROTO_ICMP_;
		return 0;
	}
	v = strtoul(s, &end, 10);
	if (!*s || *end || v < 1 || v > 255)
		return cfg_error(cfg_get(r, "proto"), err,
				 "'proto' must be 'udp', 'icmp' or a number 1-255, got '%s'", s);
	*proto = (uint8_t)v;
	return 0;
}

static int xdp_check_allowed(const struct cfg_node *n, enum xdp_action a, unsigned allowed,
			     const char *where, struct sim_error *err)
{
	if (allowed & XDP_ALLOW(a))
		return 0;
	return cfg_error(n, err, "xdp verdict '%s' is not modelled on %s", xdp_action_name[a],
			 where);
}

static int xdp_rule_parse(const struct cfg_node *r, struct xdp_rule *x, unsigned allowed,
			  const char *where, struct sim_error *err)
{
	int act;

	if (cfg_node_map(r, "rules", err) || xdp_rule_prefix(r, "src", &x->saddr, &x->smask, err) ||
	    xdp_rule_prefix(r, "dst", &x->daddr, &x->dmask, err) ||
	    xdp_rule_ports(r, "sport", &x->sport_lo, &x->sport_hi, err) ||
	    xdp_rule_ports(r, "dport", &x->dport_lo, &x->dport_hi, err) ||
	    xdp_rule_proto(r, &x->protocol, err) ||
	    cfg_get_fraction(r, "fraction", &x->fraction, 1.0, err) ||
	    cfg_get_u64(r, "cost", &x->cycles, 0, 0, 1000000, err) ||
	    cfg_require(r, "action", "xdp rule", err) ||
	    cfg_get_enum(r, "action", xdp_action_name, &act, XDP_PASS, err))
		return -1;
	x->action = (enum xdp_action)act;
	if (xdp_check_allowed(cfg_get(r, "action"), x->action, allowed, where, err))
		return -1;
	if (x->fraction <= 0)
		return cfg_error(cfg_get(r, "fraction"), err,
				 "'fraction' of an xdp rule must be above 0");
	return cfg_check_unknown(r, "xdp rule", err);
}

static int xdp_prog_parse_map(struct xdp_prog *p, const struct cfg_node *m, unsigned allowed,
			      const char *where, struct sim_error *err)
{
	const struct cfg_node *rules;
	int dflt;

	if (cfg_get_enum(m, "default", xdp_action_name, &dflt, XDP_PASS, err) ||
	    cfg_get_seq(m, "rules", &rules, err))
		return -1;
	p->dflt = (enum xdp_action)dflt;
	if (cfg_get(m, "default") &&
	    xdp_check_allowed(cfg_get(m, "default"), p->dflt, allowed, where, err))
		return -1;
	if (rules && rules->n) {
		p->rules = calloc(rules->n, sizeof(*p->rules));
		if (!p->rules)
			return sim_error_set(err, "out of memory");
		p->nrules = rules->n;
		for (uint32_t i = 0; i < rules->n; i++) {
			if (xdp_rule_parse(rules->items[i], &p->rules[i], allowed, where, err))
				return -1;
			p->random = p->random || p->rules[i].fraction < 1.0;
		}
	}
	return cfg_check_unknown(m, "xdp", err);
}

int xdp_prog_parse(struct host *h, const char *dev, const struct cfg_node *map, unsigned allowed,
		   const char *where, struct xdp_prog **out, struct sim_error *err)
{
	const struct cfg_node *n = cfg_get(map, "xdp");
	struct xdp_prog *p;
	char stream[96];
	int v = 0;

	*out = NULL;
	if (!n)
		return 0;
	if (n->type == CFG_SCALAR) {
		if (cfg_get_enum(map, "xdp", xdp_scalar_names, &v, 0, err))
			return -1;
		if (v == 0)
			return 0;
		if (xdp_check_allowed(n, (enum xdp_action)(v - 1), allowed, where, err))
			return -1;
	} else if (cfg_node_map(n, "xdp", err)) {
		return -1;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return sim_error_set(err, "out of memory");
	*out = p;
	snprintf(stream, sizeof(stream), "xdp/%s/%s", h->name, dev);
	sim_rng_init(&p->rng, h->w->seed, stream);
	if (n->type == CFG_SCALAR) {
		p->dflt = (enum xdp_action)(v - 1);
		return 0;
	}
	return xdp_prog_parse_map(p, n, allowed, where, err);
}

void xdp_prog_free(struct xdp_prog *p)
{
	if (!p)
		return;
	free(p->rules);
	free(p);
}

/* An ARP frame has no IPv4 header to match: only the default verdict applies to it. */
static bool xdp_rule_match(const struct xdp_rule *r, const struct sk_buff *skb)
{
	return skb->eth_proto != ETH_P_ARP && (skb->saddr & r->smask) == r->saddr &&
	       (skb->daddr & r->dmask) == r->daddr &&
	       (!r->protocol || skb->protocol == r->protocol) && skb->sport >= r->sport_lo &&
	       skb->sport <= r->sport_hi && skb->dport >= r->dport_lo && skb->dport <= r->dport_hi;
}

enum xdp_action bpf_prog_run_xdp(struct xdp_prog *p, const struct sk_buff *skb, bool xsk,
				 uint64_t *cycles, const struct xdp_rule **rule)
{
	enum xdp_action act = p->dflt;
	const struct xdp_rule *hit = NULL;

	p->runs++;
	for (uint32_t i = 0; i < p->nrules; i++) {
		struct xdp_rule *r = &p->rules[i];

		*cycles += r->cycles;
		if (!xdp_rule_match(r, skb))
			continue;
		if (r->fraction < 1.0 && !sim_rng_bernoulli(&p->rng, r->fraction))
			continue;
		r->hits++;
		act = r->action;
		hit = r;
		break;
	}
	if (act == XDP_REDIRECT && !xsk) /* bpf_redirect_map(..., XDP_PASS): no entry */
		act = XDP_PASS;
	p->verdicts[act]++;
	if (rule)
		*rule = hit;
	return act;
}

cJSON *xdp_prog_json(const struct xdp_prog *p)
{
	cJSON *o = cJSON_CreateObject(), *v = cJSON_CreateObject(), *rs = cJSON_CreateArray();

	cJSON_AddStringToObject(o, "default", xdp_action_name[p->dflt]);
	cJSON_AddNumberToObject(o, "runs", (double)p->runs);
	for (int a = 0; a < XDP_ACTION_NR; a++)
		cJSON_AddNumberToObject(v, xdp_action_name[a], (double)p->verdicts[a]);
	cJSON_AddItemToObject(o, "verdicts", v);
	for (uint32_t i = 0; i < p->nrules; i++) {
		cJSON *r = cJSON_CreateObject();

		cJSON_AddStringToObject(r, "action", xdp_action_name[p->rules[i].action]);
		cJSON_AddNumberToObject(r, "hits", (double)p->rules[i].hits);
		cJSON_AddItemToArray(rs, r);
	}
	cJSON_AddItemToObject(o, "rules", rs);
	return o;
}
