/*
 * models/core/xdp.h - an XDP program: rules matched in order, each with a verdict.
 *
 * Kernel references: include/uapi/linux/bpf.h (enum xdp_action),
 * include/net/xdp.h and include/linux/filter.h (bpf_prog_run_xdp),
 * net/core/filter.c (the program's context), drivers/net/ethernet/mellanox/
 * mlx5/core/en/xdp.c (mlx5e_xdp_handle: what a driver does with each verdict).
 *
 * A real program is BPF code; the model is what such programs usually do to
 * a flood: look at the IPv4 5-tuple and return a verdict. The rules are
 * tried in order; the first whose match holds (source and destination
 * prefixes, source and destination port ranges, IP protocol) takes the
 * packet with its verdict, or, when it has a `fraction` below 1, takes only
 * that share of the matching packets (a Bernoulli draw from the program's own
 * stream "xdp/<host>/<dev>", made only for such rules) and lets the others
 * fall through to the next rule. A packet no rule takes gets the program's
 * default verdict. Each rule tried costs its `cost` cycles (a map lookup, a
 * compare), on top of the attach point's own cost (the driver charges it).
 *
 * XDP_REDIRECT is what the usual AF_XDP program does:
 * bpf_redirect_map(&xsks_map, ctx->rx_queue_index, XDP_PASS), to the
 * AF_XDP socket of the receiving queue, or XDP_PASS when it has none.
 *
 * Invariants: rules[] has nrules entries; every verdict is one the attach
 * point allows (checked at load).
 *
 * Simplified: no maps, no packet rewriting (XDP_TX sends the frame out as it
 * came), no metadata, no multi-buffer frames.
 */
#ifndef MODELS_XDP_H
#define MODELS_XDP_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "sim/cfg.h"
#include "sim/error.h"
#include "sim/rng.h"

struct sk_buff;
struct host;

/* include/uapi/linux/bpf.h, same values. */
enum xdp_action {
	XDP_ABORTED = 0, /* program error: dropped, trace_xdp_exception */
	XDP_DROP,	 /* dropped by the program */
	XDP_PASS,	 /* on to the stack (build_skb) */
	XDP_TX,		 /* out of the same NIC's XDP TX ring */
	XDP_REDIRECT,	 /* to the receiving queue's AF_XDP socket */
	XDP_ACTION_NR,
};

extern const char *const xdp_action_name[XDP_ACTION_NR + 1]; /* "aborted", ... , NULL */

#define XDP_ALLOW(a) (1u << (a))

struct xdp_rule {
	uint32_t saddr, smask;	     /* source prefix, host order; smask 0 = any */
	uint32_t daddr, dmask;	     /* destination prefix, host order; dmask 0 = any */
	uint16_t sport_lo, sport_hi; /* source port range, inclusive (0-65535 = any) */
	uint16_t dport_lo, dport_hi; /* destination port range, inclusive */
	uint8_t protocol;	     /* IP protocol, 0 = any */
	double fraction;	     /* share of matching packets taken, (0, 1]; 1 = all */
	enum xdp_action action;	     /* the verdict */
	uint64_t cycles;	     /* cycles to try this rule */
	uint64_t hits;		     /* packets this rule took */
};

struct xdp_prog {
	struct xdp_rule *rules;		  /* [nrules], tried in order */
	uint32_t nrules;		  /* entries in rules[] */
	enum xdp_action dflt;		  /* verdict when no rule takes the packet */
	bool random;			  /* some rule has a fraction below 1 */
	struct sim_rng rng;		  /* "xdp/<host>/<dev>": fraction draws only */
	uint64_t runs;			  /* packets the program saw */
	uint64_t verdicts[XDP_ACTION_NR]; /* packets per verdict */
};

/*
 * Read the `xdp:` key of @map (a device's mapping) for device @dev of host
 * @h: a verdict name ("pass", "drop", "tx", "redirect", "aborted"; "none" or
 * a missing key: no program, *out NULL) or a mapping {default: VERDICT,
 * rules: [...]} whose rules take `src`, `dst` (PREFIX), `sport`, `dport`
 * (N or N:M), `proto` (udp, icmp or a number), `fraction`, `action` and
 * `cost` (cycles).
 * Verdicts outside @allowed (XDP_ALLOW bits) are errors naming @where
 * ("veth", "nic"). 0, or -1 with @err set.
 */
int xdp_prog_parse(struct host *h, const char *dev, const struct cfg_node *map, unsigned allowed,
		   const char *where, struct xdp_prog **out, struct sim_error *err);
void xdp_prog_free(struct xdp_prog *p);

/*
 * bpf_prog_run_xdp: the verdict for @skb; @xsk says whether the receiving
 * queue has an AF_XDP socket (else XDP_REDIRECT becomes XDP_PASS); *cycles
 * grows by the cost of the rules tried, *rule (if not NULL) is the rule
 * that took it or NULL.
 */
enum xdp_action bpf_prog_run_xdp(struct xdp_prog *p, const struct sk_buff *skb, bool xsk,
				 uint64_t *cycles, const struct xdp_rule **rule);

/* report.json: {default, runs, verdicts: {aborted, drop, ...}, rules: [{action, hits}]}. */
cJSON *xdp_prog_json(const struct xdp_prog *p);

#endif
