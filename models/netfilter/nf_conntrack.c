/*
 * models/netfilter/nf_conntrack.c - connection tracking (see nf_conntrack.h
 * for the kernel references and what is simplified).
 *
 * Nodes: entry i's original tuple is node 2i, its reply tuple 2i + 1; each
 * sits on the chain of its own bucket (the kernel's tuplehash[2]).
 */
#include "models/netfilter/nf_conntrack.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define IPPROTO_ICMP_NF 1
#define IPPROTO_TCP_NF	6

/* A fixed 32-bit mix of the tuple (the kernel: siphash with a boot-time key). */
static uint32_t ct_hash_raw(const struct nf_conntrack_tuple *t)
{
	uint64_t h = (uint64_t)t->src * 0x9E3779B97F4A7C15ull;

	h ^= ((uint64_t)t->dst << 17 | (uint64_t)t->sport << 1) * 0xC2B2AE3D27D4EB4Full;
	h ^= ((uint64_t)t->dport << 8 | t->proto) * 0x165667B19E3779F9ull;
	h ^= h >> 29;
	h *= 0xBF58476D1CE4E5B9ull;
	return (uint32_t)(h >> 32);
}

/* reciprocal_scale(hash, size). */
static uint32_t ct_bucket(const struct nf_conntrack_net *cn, uint32_t hash)
{
	return (uint32_t)(((uint64_t)hash * cn->p.buckets) >> 32);
}

static bool tuple_eq(const struct nf_conntrack_tuple *a, const struct nf_conntrack_tuple *b)
{
	return a->src == b->src && a->dst == b->dst && a->sport == b->sport &&
	       a->dport == b->dport && a->proto == b->proto;
}

/* nf_ct_get_tuple: ports only for UDP and TCP. */
static void skb_tuple(const struct sk_buff *skb, struct nf_conntrack_tuple *t)
{
	bool ports = skb->protocol == IPPROTO_UDP_ || skb->protocol == IPPROTO_TCP_NF;

	t->src = skb->saddr;
	t->dst = skb->daddr;
	t->sport = ports ? skb->sport : 0;
	t->dport = ports ? skb->dport : 0;
	t->proto = skb->protocol;
}

/* nf_ct_invert_tuple. */
static void invert_tuple(const struct nf_conntrack_tuple *t, struct nf_conntrack_tuple *r)
{
	r->src = t->dst;
	r->dst = t->src;
	r->sport = t->dport;
	r->dport = t->sport;
	r->proto = t->proto;
}

int nf_conntrack_init(struct nf_ruleset *rs, const struct nf_ct_params *p)
{
	struct nf_conntrack_net *cn = calloc(1, sizeof(*cn));

	if (!cn)
		return -ENOMEM;
	cn->p = *p;
	cn->entries = calloc(p->max, sizeof(*cn->entries));
	cn->hash = malloc((size_t)p->buckets * sizeof(*cn->hash));
	cn->stat = calloc(p->ncpus ? p->ncpus : 1, sizeof(*cn->stat));
	if (!cn->entries || !cn->hash || !cn->stat) {
		nf_conntrack_free(cn);
		return -ENOMEM;
	}
	for (uint32_t b = 0; b < p->buckets; b++)
		cn->hash[b] = NF_CT_NIL;
	for (uint32_t i = 0; i < p->max; i++)
		cn->entries[i].hnext[0] = i + 1 < p->max ? i + 1 : NF_CT_NIL;
	cn->free_head = 0;
	cn->reserved = NF_CT_NIL;
	cn->cur_skb = UINT64_MAX;
	cn->cur_idx = NF_CT_NIL;
	cn->next_gc = (uint64_t)NF_CT_GC_INTERVAL_SECS * p->hz;
	rs->ct = cn;
	return 0;
}

void nf_conntrack_free(struct nf_conntrack_net *cn)
{
	if (!cn)
		return;
	free(cn->entries);
	free(cn->hash);
	free(cn->stat);
	free(cn);
}

static struct ip_conntrack_stat *ct_stat(struct nf_conntrack_net *cn, uint32_t cpu)
{
	return &cn->stat[cpu < cn->p.ncpus ? cpu : 0];
}

/* nf_ct_is_expired: (s32)(timeout - now) <= 0. */
static bool ct_expired(const struct nf_conn *ct, uint64_t now)
{
	return ct->timeout <= now;
}

/* Take node @node off its bucket's chain. */
static void unlink_node(struct nf_conntrack_net *cn, uint32_t node)
{
	const struct nf_conn *ct = &cn->entries[node >> 1];
	uint32_t b = ct_bucket(cn, ct_hash_raw(&ct->tuple[node & 1]));
	uint32_t *pp = &cn->hash[b];

	while (*pp != NF_CT_NIL && *pp != node)
		pp = &cn->entries[*pp >> 1].hnext[*pp & 1];
	SIM_BUG_ON(*pp == NF_CT_NIL);
	*pp = ct->hnext[node & 1];
}

/* The entry back to the free list; count drops (nf_conntrack_free). */
static void ct_release(struct nf_conntrack_net *cn, uint32_t idx)
{
	struct nf_conn *ct = &cn->entries[idx];

	SIM_BUG_ON(!ct->used || cn->count == 0);
	memset(ct, 0, sizeof(*ct));
	ct->hnext[0] = cn->free_head;
	cn->free_head = idx;
	cn->count--;
}

/* nf_ct_delete / nf_ct_gc_expired: out of the hash and freed. */
static void ct_delete(struct nf_conntrack_net *cn, uint32_t idx)
{
	unlink_node(cn, idx * 2);
	unlink_node(cn, idx * 2 + 1);
	ct_release(cn, idx);
}

/* gc_worker, simplified: every expired entry once a second. */
static void ct_gc(struct nf_conntrack_net *cn, uint64_t now)
{
	if (now < cn->next_gc)
		return;
	cn->next_gc = now + (uint64_t)NF_CT_GC_INTERVAL_SECS * cn->p.hz;
	for (uint32_t i = 0; i < cn->p.max; i++)
		if (cn->entries[i].used && i != cn->reserved && ct_expired(&cn->entries[i], now))
			ct_delete(cn, i);
}

/* The node after @node on its chain, skipping the same entry's other tuple. */
static uint32_t next_node(const struct nf_conntrack_net *cn, uint32_t node)
{
	uint32_t next = cn->entries[node >> 1].hnext[node & 1];

	while (next != NF_CT_NIL && next >> 1 == node >> 1)
		next = cn->entries[next >> 1].hnext[next & 1];
	return next;
}

/*
 * ____nf_conntrack_find: the node of @t, reaping expired entries on the
 * chain; NF_CT_NIL when there is none.
 */
static uint32_t ct_find(struct nf_conntrack_net *cn, const struct nf_conntrack_tuple *t,
			uint64_t now)
{
	uint32_t node = cn->hash[ct_bucket(cn, ct_hash_raw(t))];

	while (node != NF_CT_NIL) {
		struct nf_conn *ct = &cn->entries[node >> 1];
		uint32_t next = ct->hnext[node & 1];

		if (ct_expired(ct, now)) {
			next = next_node(cn, node); /* read before the entry is freed */
			ct_delete(cn, node >> 1);
		} else if (tuple_eq(&ct->tuple[node & 1], t)) {
			return node;
		}
		node = next;
	}
	return NF_CT_NIL;
}

/* early_drop_list for one bucket: entries deleted. */
static uint32_t early_drop_list(struct nf_conntrack_net *cn, uint32_t b, uint64_t now)
{
	uint32_t node = cn->hash[b], drops = 0;

	while (node != NF_CT_NIL) {
		struct nf_conn *ct = &cn->entries[node >> 1];
		uint32_t next = next_node(cn, node);

		if (ct_expired(ct, now)) {
			ct_delete(cn, node >> 1);
		} else if (!(ct->status & IPS_ASSURED)) {
			ct_delete(cn, node >> 1);
			drops++;
		}
		node = next;
	}
	return drops;
}

/* early_drop: NF_CT_EVICTION_RANGE buckets from @hash's; true when one went. */
static bool early_drop(struct nf_conntrack_net *cn, uint32_t hash, uint32_t cpu, uint64_t now)
{
	uint32_t b = ct_bucket(cn, hash);

	for (int i = 0; i < NF_CT_EVICTION_RANGE; i++) {
		uint32_t drops;

		if (i)
			b = (b + 1) % cn->p.buckets;
		drops = early_drop_list(cn, b, now);
		if (drops) {
			ct_stat(cn, cpu)->early_drop += drops;
			return true;
		}
	}
	return false;
}

/* The timeout the protocol gives a packet now (nf_conntrack_udp_packet et al.), in jiffies. */
static uint64_t ct_refresh_timeout(const struct nf_conntrack_net *cn, struct nf_conn *ct,
				   uint64_t now)
{
	uint64_t hz = cn->p.hz;

	if (ct->tuple[0].proto == IPPROTO_UDP_) {
		if (!(ct->status & IPS_SEEN_REPLY))
			return cn->p.udp_timeout * hz;
		if (now > ct->stream_ts) {
			ct->status |=
				IPS_ASSURED; /* "more likely to be important, and not a probe" */
			return cn->p.udp_timeout_stream * hz;
		}
		return cn->p.udp_timeout * hz;
	}
	if (ct->tuple[0].proto == IPPROTO_ICMP_NF)
		return cn->p.icmp_timeout * hz;
	return cn->p.generic_timeout * hz;
}

/* The previous packet's reserved entry was never confirmed: it dies with that packet. */
static void drop_reserved(struct nf_conntrack_net *cn)
{
	if (cn->reserved == NF_CT_NIL)
		return;
	ct_release(cn, cn->reserved);
	cn->reserved = NF_CT_NIL;
}

/*
 * init_conntrack + __nf_conntrack_alloc: reserve an entry for @t (count
 * first, then the table-full check with early_drop). False: table full.
 */
static bool init_conntrack(struct nf_conntrack_net *cn, const struct nf_conntrack_tuple *t,
			   const struct sk_buff *skb, uint32_t cpu, uint64_t now)
{
	struct nf_conn *ct;
	uint32_t idx;

	cn->count++; /* atomic_inc_return(&cnet->count) */
	if (cn->count > cn->p.max && !early_drop(cn, ct_hash_raw(t), cpu, now)) {
		cn->count--; /* net_warn_ratelimited("nf_conntrack: table full, dropping packet") */
		return false;
	}
	idx = cn->free_head;
	SIM_BUG_ON(idx == NF_CT_NIL);
	ct = &cn->entries[idx];
	cn->free_head = ct->hnext[0];
	memset(ct, 0, sizeof(*ct));
	ct->used = true;
	ct->tuple[0] = *t;
	invert_tuple(t, &ct->tuple[1]);
	ct->stream_ts = now + 2 * (uint64_t)cn->p.hz;
	ct->timeout = now + ct_refresh_timeout(cn, ct, now);
	cn->reserved = idx;
	cn->reserved_skb = skb->id;
	return true;
}

/* An ICMP error: RELATED when it quotes a tracked datagram, else no entry (INVALID). */
static uint8_t icmp_error_state(struct nf_conntrack_net *cn, const struct sk_buff *skb,
				uint64_t now)
{
	/* the quoted datagram went from our peer (skb->daddr) to icmp_orig_daddr */
	struct nf_conntrack_tuple inner = { skb->daddr, skb->icmp_orig_daddr, skb->sport,
					    skb->dport, IPPROTO_UDP_ };

	return ct_find(cn, &inner, now) != NF_CT_NIL ? XT_STATE_RELATED : XT_STATE_INVALID;
}

enum nf_verdict nf_conntrack_in(struct nf_conntrack_net *cn, const struct nf_hook_state *st,
				const struct sk_buff *skb, const struct costs *costs,
				uint64_t *cycles)
{
	struct nf_conntrack_tuple t;
	uint64_t now = st->jiffies;
	uint32_t node;
	struct nf_conn *ct;

	drop_reserved(cn);
	ct_gc(cn, now);
	*cycles += costs->nf_ct_lookup;
	cn->cur_skb = skb->id;
	cn->cur_idx = NF_CT_NIL;
	cn->cur_dir = 0;
	if (skb->protocol == IPPROTO_ICMP_NF) {
		cn->cur_state = icmp_error_state(cn, skb, now);
		return NF_ACCEPT;
	}
	skb_tuple(skb, &t);
	node = ct_find(cn, &t, now);
	if (node == NF_CT_NIL) {
		*cycles += costs->nf_ct_new;
		if (!init_conntrack(cn, &t, skb, st->cpu, now)) {
			ct_stat(cn, st->cpu)->drop++;
			cn->cur_state = XT_STATE_INVALID;
			return NF_DROP;
		}
		cn->cur_state = XT_STATE_NEW;
		cn->cur_idx = cn->reserved;
		return NF_ACCEPT;
	}
	ct = &cn->entries[node >> 1];
	cn->cur_idx = node >> 1;
	cn->cur_dir = (uint8_t)(node & 1);
	/* nf_conntrack_handle_packet first, then IPS_SEEN_REPLY for a reply */
	ct->timeout = now + ct_refresh_timeout(cn, ct, now);
	if (node & 1) {
		ct->status |= IPS_SEEN_REPLY;
		cn->cur_state = XT_STATE_ESTABLISHED;
	} else {
		cn->cur_state = ct->status & IPS_SEEN_REPLY ? XT_STATE_ESTABLISHED : XT_STATE_NEW;
	}
	return NF_ACCEPT;
}

uint8_t nf_ct_state(struct nf_conntrack_net *cn, const struct sk_buff *skb, uint64_t jiffies)
{
	struct nf_conntrack_tuple t;
	uint32_t node;

	if (skb->id == cn->cur_skb)
		return cn->cur_state;
	if (skb->protocol == IPPROTO_ICMP_NF)
		return icmp_error_state(cn, skb, jiffies);
	skb_tuple(skb, &t);
	node = ct_find(cn, &t, jiffies);
	if (node == NF_CT_NIL)
		return XT_STATE_NEW;
	if (node & 1)
		return XT_STATE_ESTABLISHED;
	return cn->entries[node >> 1].status & IPS_SEEN_REPLY ? XT_STATE_ESTABLISHED : XT_STATE_NEW;
}

/* Put entry @idx's two nodes at the head of their buckets. */
static void ct_hash_insert(struct nf_conntrack_net *cn, uint32_t idx)
{
	struct nf_conn *ct = &cn->entries[idx];

	for (uint32_t dir = 0; dir < 2; dir++) {
		uint32_t b = ct_bucket(cn, ct_hash_raw(&ct->tuple[dir]));

		ct->hnext[dir] = cn->hash[b];
		cn->hash[b] = idx * 2 + dir;
	}
}

void nf_conntrack_confirm(struct nf_conntrack_net *cn, const struct sk_buff *skb)
{
	if (cn->reserved == NF_CT_NIL || cn->reserved_skb != skb->id)
		return;
	ct_hash_insert(cn, cn->reserved);
	cn->reserved = NF_CT_NIL;
}

void nf_conntrack_drop(struct nf_conntrack_net *cn, const struct sk_buff *skb)
{
	if (cn->reserved != NF_CT_NIL && cn->reserved_skb == skb->id)
		drop_reserved(cn);
}

bool nf_ct_is_new(const struct nf_conntrack_net *cn, const struct sk_buff *skb)
{
	return cn->reserved != NF_CT_NIL && cn->reserved_skb == skb->id;
}

void nf_nat_setup_info(struct nf_conntrack_net *cn, const struct sk_buff *skb, bool src,
		       uint32_t addr, uint16_t port)
{
	struct nf_conn *ct;

	if (!nf_ct_is_new(cn, skb))
		return;
	ct = &cn->entries[cn->reserved];
	if (src) {
		/* the reply goes back to the new source */
		ct->tuple[1].dst = addr;
		if (port && ct->tuple[1].dport)
			ct->tuple[1].dport = port;
		ct->status |= IPS_SRC_NAT;
	} else {
		/* the reply comes from the new destination */
		ct->tuple[1].src = addr;
		if (port && ct->tuple[1].sport)
			ct->tuple[1].sport = port;
		ct->status |= IPS_DST_NAT;
	}
}

bool nf_nat_packet(struct nf_conntrack_net *cn, struct sk_buff *skb, bool src)
{
	struct nf_conntrack_tuple target;
	const struct nf_conn *ct;
	uint32_t bit = src ? IPS_SRC_NAT : IPS_DST_NAT;

	if (skb->id != cn->cur_skb || cn->cur_idx == NF_CT_NIL)
		return false;
	ct = &cn->entries[cn->cur_idx];
	if (cn->cur_dir)
		bit ^= IPS_NAT_MASK; /* a reply undoes the other manipulation */
	if (!(ct->status & bit))
		return false;
	/* nf_nat_manip_pkt: the target is the other direction's tuple, inverted */
	invert_tuple(&ct->tuple[!cn->cur_dir], &target);
	if (src) {
		skb->saddr = target.src;
		if (target.proto == IPPROTO_UDP_ || target.proto == IPPROTO_TCP_NF)
			skb->sport = target.sport;
	} else {
		skb->daddr = target.dst;
		if (target.proto == IPPROTO_UDP_ || target.proto == IPPROTO_TCP_NF)
			skb->dport = target.dport;
	}
	return true;
}

void nf_conntrack_write_stats(const struct nf_conntrack_net *cn, FILE *f)
{
	for (uint32_t c = 0; c < (cn->p.ncpus ? cn->p.ncpus : 1); c++) {
		const struct ip_conntrack_stat *s = &cn->stat[c];

		fprintf(f,
			"cpu=%-4u\tfound=%llu invalid=%llu insert=%llu insert_failed=%llu "
			"drop=%llu early_drop=%llu error=%llu search_restart=%llu "
			"clash_resolve=%llu chaintoolong=%llu \n",
			c, (unsigned long long)s->found, (unsigned long long)s->invalid,
			(unsigned long long)s->insert, (unsigned long long)s->insert_failed,
			(unsigned long long)s->drop, (unsigned long long)s->early_drop,
			(unsigned long long)s->error, (unsigned long long)s->search_restart,
			(unsigned long long)s->clash_resolve, (unsigned long long)s->chaintoolong);
	}
}
