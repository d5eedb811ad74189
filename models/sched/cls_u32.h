/*
 * models/sched/cls_u32.h - tc filters: the u32 classifier's `match ip ...` rules
 * that choose the class of a classful qdisc.
 *
 * Kernel reference: net/sched/cls_u32.c (u32_classify: every key of a knode
 * must match, (*data ^ key->val) & key->mask == 0; the first matching knode's
 * flowid wins), net/sched/cls_api.c (tcf_classify walks the filters in
 * priority order); iproute2 tc/f_u32.c (parse_ip: `ip src|dst ADDR/LEN`,
 * `ip sport|dport N MASK`, `ip protocol N MASK`, `ip tos|dsfield N MASK`).
 *
 * The scenario writes what `tc filter add dev D parent 1: protocol ip u32
 * match ip dport 5001 0xffff flowid 1:10` says:
 *     filters:
 *       - {match: ip dport 5001 0xffff, flowid: "1:10"}
 *       - {match: [ip src 10.0.0.0/24, ip protocol 17 0xff], flowid: "1:20"}
 * A list of matches must all hold. Filters are tried in the order written
 * (tc's pref).
 *
 * Simplified: the keys are the parsed header fields of the skb rather than
 * words at byte offsets (so `at`/`offset`/hash tables are not modelled), IPv4
 * only, no actions (police, mirred), no filters attached to inner classes.
 */
#ifndef MODELS_CLS_U32_H
#define MODELS_CLS_U32_H

#include <stdint.h>

#include "sim/cfg.h"
#include "sim/error.h"
#include "models/core/skb.h"

#define TCF_U32_MAX_KEYS 8  /* keys of one filter */
#define TCF_MAX_FILTERS	 64 /* filters of one qdisc */

enum tc_u32_field {
	TC_U32_SRC,	 /* ip src: skb->saddr */
	TC_U32_DST,	 /* ip dst: skb->daddr */
	TC_U32_SPORT,	 /* ip sport: skb->sport */
	TC_U32_DPORT,	 /* ip dport: skb->dport */
	TC_U32_PROTOCOL, /* ip protocol: skb->protocol */
	TC_U32_TOS,	 /* ip tos / dsfield: skb->tos */
};

struct tc_u32_key {
	enum tc_u32_field field; /* which header field */
	uint32_t val;		 /* value, already masked */
	uint32_t mask;		 /* bits compared */
};

struct tc_u32_knode {
	struct tc_u32_key keys[TCF_U32_MAX_KEYS]; /* all must match */
	uint32_t nkeys;				  /* entries in keys[] */
	uint32_t classid;			  /* flowid: the class chosen */
};

struct tcf_block {
	struct tc_u32_knode filters[TCF_MAX_FILTERS]; /* in the scenario's order */
	uint32_t n;				      /* entries in filters[] */
};

/*
 * Read the `filters:` list of @opts (absent: none) into @b; each flowid must
 * have the major @major (the qdisc's handle). 0, or -1 with @err set.
 */
int tcf_block_parse(const struct cfg_node *opts, uint32_t major, struct tcf_block *b,
		    struct sim_error *err);
/* tcf_classify(): the flowid of the first filter that matches @skb, 0 for none. */
uint32_t tcf_classify(const struct tcf_block *b, const struct sk_buff *skb);

#endif
