/*
 * models/sched/cls_u32.c - the u32 classifier's `match ip ...` rules (see
 * models/sched/cls_u32.h for the kernel references and what is simplified).
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "models/sched/cls_u32.h"
#include "models/sched/sch_generic.h"

struct u32_field_desc {
	const char *name;	 /* the word after `ip` */
	enum tc_u32_field field; /* the skb field */
	uint32_t width_mask;	 /* the field's bits */
};

static const struct u32_field_desc u32_fields[] = {
	{ "src", TC_U32_SRC, 0xffffffffu },    { "dst", TC_U32_DST, 0xffffffffu },
	{ "sport", TC_U32_SPORT, 0xffff },     { "dport", TC_U32_DPORT, 0xffff },
	{ "protocol", TC_U32_PROTOCOL, 0xff }, { "tos", TC_U32_TOS, 0xff },
	{ "dsfield", TC_U32_TOS, 0xff },
};
#define NU32_FIELDS (sizeof(u32_fields) / sizeof(u32_fields[0]))

static int u32_bad(const struct cfg_node *n, struct sim_error *err)
{
	return cfg_error(n, err,
			 "'match' must be like 'ip dport 5001 0xffff' or 'ip src 10.0.0.0/24', "
			 "got '%s'",
			 n->str);
}

/* A number as tc's get_u32 reads it (base 0: 17, 0x11). */
static int u32_number(const char *s, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long v;

	if (!*s)
		return -1;
	v = strtoul(s, &end, 0);
	if (*end || v > max)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* `ADDR[/LEN]` (parse_ip_addr): the value and the prefix mask. */
static int u32_addr(const char *s, struct tc_u32_key *k)
{
	char buf[32], *slash;
	struct in_addr a;
	uint32_t len = 32;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash) {
		*slash = 0;
		if (u32_number(slash + 1, 32, &len))
			return -1;
	}
	if (inet_pton(AF_INET, buf, &a) != 1)
		return -1;
	k->mask = len ? 0xffffffffu << (32 - len) : 0;
	k->val = ntohl(a.s_addr) & k->mask;
	return 0;
}

/* One `ip FIELD VALUE [MASK]` string into @k. */
static int u32_parse_key(const struct cfg_node *n, struct tc_u32_key *k, struct sim_error *err)
{
	char w[4][64];
	int nw = 0;
	const char *p = n->str;
	const struct u32_field_desc *d = NULL;

	if (n->type != CFG_SCALAR)
		return cfg_error(n, err, "'match' must be a string or a list of strings");
	while (*p && nw < 4) {
		size_t len;

		while (*p == ' ')
			p++;
		len = strcspn(p, " ");
		if (!len)
			break;
		if (len >= sizeof(w[0]))
			return u32_bad(n, err);
		memcpy(w[nw], p, len);
		w[nw++][len] = 0;
		p += len;
	}
	while (*p == ' ')
		p++;
	if (*p || nw < 3 || strcmp(w[0], "ip"))
		return u32_bad(n, err);
	for (size_t i = 0; i < NU32_FIELDS; i++)
		if (!strcmp(u32_fields[i].name, w[1]))
			d = &u32_fields[i];
	if (!d)
		return u32_bad(n, err);
	k->field = d->field;
	if (d->field == TC_U32_SRC || d->field == TC_U32_DST)
		return nw == 3 && !u32_addr(w[2], k) ? 0 : u32_bad(n, err);
	if (nw != 4 || u32_number(w[2], d->width_mask, &k->val) ||
	    u32_number(w[3], d->width_mask, &k->mask))
		return u32_bad(n, err);
	k->val &= k->mask;
	return 0;
}

static int u32_parse_filter(const struct cfg_node *f, uint32_t major, struct tc_u32_knode *kn,
			    struct sim_error *err)
{
	const struct cfg_node *m, *flowid;

	if (cfg_node_map(f, "filter", err) || cfg_require(f, "match", "filter", err) ||
	    cfg_require(f, "flowid", "filter", err))
		return -1;
	m = cfg_get(f, "match");
	flowid = cfg_get(f, "flowid");
	if (m->type == CFG_SEQ) {
		if (m->n > TCF_U32_MAX_KEYS)
			return cfg_error(m, err, "a filter has at most %d matches",
					 TCF_U32_MAX_KEYS);
		for (uint32_t i = 0; i < m->n; i++)
			if (u32_parse_key(m->items[i], &kn->keys[i], err))
				return -1;
		kn->nkeys = m->n;
	} else {
		if (u32_parse_key(m, &kn->keys[0], err))
			return -1;
		kn->nkeys = 1;
	}
	if (flowid->type != CFG_SCALAR || tc_parse_classid(flowid, "flowid", &kn->classid, err))
		return flowid->type != CFG_SCALAR
			       ? cfg_error(flowid, err, "'flowid' must be a class id like '1:10'")
			       : -1;
	if (kn->classid >> 16 != major)
		return cfg_error(flowid, err, "'flowid' must be a class of qdisc '%x:', got '%s'",
				 major, flowid->str);
	return cfg_check_unknown(f, "filter", err);
}

int tcf_block_parse(const struct cfg_node *opts, uint32_t major, struct tcf_block *b,
		    struct sim_error *err)
{
	const struct cfg_node *seq;

	b->n = 0;
	if (cfg_get_seq(opts, "filters", &seq, err))
		return -1;
	if (!seq)
		return 0;
	if (seq->n > TCF_MAX_FILTERS)
		return cfg_error(seq, err, "at most %d filters per qdisc", TCF_MAX_FILTERS);
	for (uint32_t i = 0; i < seq->n; i++)
		if (u32_parse_filter(seq->items[i], major, &b->filters[i], err))
			return -1;
	b->n = seq->n;
	return 0;
}

static uint32_t u32_field(const struct sk_buff *skb, enum tc_u32_field f)
{
	switch (f) {
	case TC_U32_SRC:
		return skb->saddr;
	case TC_U32_DST:
		return skb->daddr;
	case TC_U32_SPORT:
		return skb->sport;
	case TC_U32_DPORT:
		return skb->dport;
	case TC_U32_PROTOCOL:
		return skb->protocol;
	case TC_U32_TOS:
		return skb->tos;
	}
	return 0;
}

/* u32_classify() for one knode: every key matches. */
static bool u32_match(const struct tc_u32_knode *kn, const struct sk_buff *skb)
{
	for (uint32_t i = 0; i < kn->nkeys; i++) {
		const struct tc_u32_key *k = &kn->keys[i];

		if ((u32_field(skb, k->field) ^ k->val) & k->mask)
			return false;
	}
	return true;
}

uint32_t tcf_classify(const struct tcf_block *b, const struct sk_buff *skb)
{
	for (uint32_t i = 0; i < b->n; i++)
		if (u32_match(&b->filters[i], skb))
			return b->filters[i].classid;
	return 0;
}
