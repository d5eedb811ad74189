/*
 * models/netfilter/nf_conntrack.h - connection tracking: the table, UDP
 * timeouts, table-full drops and `conntrack -S` statistics.
 *
 * Kernel references: net/netfilter/nf_conntrack_core.c (nf_conntrack_in,
 * resolve_normal_ct, init_conntrack, __nf_conntrack_alloc: "nf_conntrack:
 * table full, dropping packet" when the namespace's count passes
 * nf_conntrack_max and early_drop() frees nothing, NF_CT_STAT drop, NF_DROP,
 * which nf_hook_slow frees with SKB_DROP_REASON_NETFILTER_DROP; early_drop
 * and early_drop_list: NF_CT_EVICTION_RANGE (8) buckets from the new
 * tuple's, every entry that is not IPS_ASSURED deleted, expired ones reaped
 * on the way; ____nf_conntrack_find: expired entries reaped while walking a
 * chain; __nf_conntrack_confirm: the entry enters the hash when the packet
 * leaves LOCAL_IN or POST_ROUTING, an unconfirmed entry dies with its
 * packet), net/netfilter/nf_conntrack_proto_udp.c (nf_conntrack_udp_packet:
 * nf_conntrack_udp_timeout while unreplied; once a reply was seen and the
 * entry is older than 2 s (stream_ts), nf_conntrack_udp_timeout_stream and
 * IPS_ASSURED), nf_conntrack_proto_icmp.c (nf_conntrack_inet_error: an ICMP
 * error quoting a tracked datagram is RELATED, any other has no entry:
 * INVALID to xt_state, no statistic), nf_conntrack_proto_generic.c
 * (nf_conntrack_generic_timeout for other protocols),
 * net/netfilter/nf_conntrack_netlink.c (ctnetlink_ct_stat_cpu_fill_info:
 * found and insert are always 0 on current kernels, as measured on 6.18),
 * conntrack-tools' `conntrack -S` format.
 *
 * Simplified: the hash is a fixed mix of the tuple (the kernel's siphash
 * has a boot-time key), so which entries share a bucket differs from a real
 * box but not how often; TCP is tracked like the generic protocol, with
 * ports and no state machine; fragments are tracked one by one (no
 * nf_defrag_ipv4); gc_worker is a sweep of the whole table once a second
 * of simulated time, done by the first packet after it is due and costing
 * nothing; no expectations, helpers, zones or chain-length limits.
 *
 * Invariants: count = entries in the hash + the one reserved entry (the
 * packet in flight between PRE_ROUTING/LOCAL_OUT and its confirmation) <=
 * max; every used entry is on the chains of both its tuples' buckets.
 */
#ifndef MODELS_NF_CONNTRACK_H
#define MODELS_NF_CONNTRACK_H

#include <stdint.h>
#include <stdio.h>

#include "models/netfilter/netfilter.h"

#define NF_CT_NIL	       UINT32_MAX /* end of a chain, no entry */
#define NF_CT_EVICTION_RANGE   8	  /* buckets early_drop() looks at */
#define IPS_SEEN_REPLY	       (1u << 1)  /* a reply-direction packet was seen */
#define IPS_ASSURED	       (1u << 2)  /* not evictable by early_drop */
#define IPS_SRC_NAT	       (1u << 4)  /* the original direction's source is rewritten */
#define IPS_DST_NAT	       (1u << 5)  /* the original direction's destination is rewritten */
#define IPS_NAT_MASK	       (IPS_SRC_NAT | IPS_DST_NAT)
#define NF_CT_GC_INTERVAL_SECS 1 /* the sweep's period, s */

/* What nf_conntrack_init() needs: the host's sysctls and clock. */
struct nf_ct_params {
	uint32_t max;		     /* net.netfilter.nf_conntrack_max, entries */
	uint32_t buckets;	     /* net.netfilter.nf_conntrack_buckets */
	uint32_t udp_timeout;	     /* net.netfilter.nf_conntrack_udp_timeout, s */
	uint32_t udp_timeout_stream; /* net.netfilter.nf_conntrack_udp_timeout_stream, s */
	uint32_t icmp_timeout;	     /* net.netfilter.nf_conntrack_icmp_timeout, s */
	uint32_t generic_timeout;    /* net.netfilter.nf_conntrack_generic_timeout, s */
	uint32_t hz;		     /* CONFIG_HZ */
	uint32_t ncpus;		     /* CPUs, for the per-CPU statistics */
};

/* struct nf_conntrack_tuple, for IPv4 with ports (0 for protocols without). */
struct nf_conntrack_tuple {
	uint32_t src, dst;     /* addresses, host order */
	uint16_t sport, dport; /* ports */
	uint8_t proto;	       /* IP protocol */
};

/* struct nf_conn: both directions' tuples and the timeout. */
struct nf_conn {
	struct nf_conntrack_tuple tuple[2]; /* IP_CT_DIR_ORIGINAL, IP_CT_DIR_REPLY */
	uint32_t hnext[2];		    /* next node (entry * 2 + dir) in each bucket */
	uint64_t timeout;		    /* jiffies: expires then */
	uint64_t stream_ts;		    /* jiffies: UDP becomes a stream after this */
	uint32_t status;		    /* IPS_* bits */
	bool used;			    /* in the table (or reserved) */
};

/* struct ip_conntrack_stat: one CPU's counters, as `conntrack -S` prints them. */
struct ip_conntrack_stat {
	uint64_t found;		 /* always 0 (ctnetlink) */
	uint64_t invalid;	 /* packets with no entry after resolve */
	uint64_t insert;	 /* always 0 (ctnetlink) */
	uint64_t insert_failed;	 /* confirmations that lost a race (none here) */
	uint64_t drop;		 /* packets dropped: table full */
	uint64_t early_drop;	 /* entries evicted to make room */
	uint64_t error;		 /* ICMP errors that could not be parsed (none here) */
	uint64_t search_restart; /* lookups restarted (none here) */
	uint64_t clash_resolve;	 /* insertion clashes resolved (none here) */
	uint64_t chaintoolong;	 /* inserts refused for a long chain (none here) */
};

/* struct netns_ct with its hash table: one network namespace's connections. */
struct nf_conntrack_net {
	struct nf_ct_params p;		/* sizes and timeouts (timeouts in s) */
	struct nf_conn *entries;	/* [p.max] */
	uint32_t *hash;			/* [p.buckets]: first node, NF_CT_NIL = empty */
	uint32_t free_head;		/* free entries, linked through hnext[0] */
	uint32_t count;			/* nf_conntrack_count: entries incl. the reserved one */
	uint32_t reserved;		/* entry of the packet in flight, or NF_CT_NIL */
	uint64_t reserved_skb;		/* that packet's skb id */
	uint64_t cur_skb;		/* skb id of the last packet classified */
	uint8_t cur_state;		/* its XT_STATE_* bit */
	uint32_t cur_idx;		/* its entry, or NF_CT_NIL (none, or ICMP) */
	uint8_t cur_dir;		/* the direction it matched, IP_CT_DIR_* */
	uint64_t next_gc;		/* jiffies: the next sweep is due */
	struct ip_conntrack_stat *stat; /* [p.ncpus] */
};

/* Allocate the table for @p into @rs->ct (the only allocation; at load). 0 or -ENOMEM. */
int nf_conntrack_init(struct nf_ruleset *rs, const struct nf_ct_params *p);
void nf_conntrack_free(struct nf_conntrack_net *cn);

/*
 * nf_conntrack_in at PRE_ROUTING/LOCAL_OUT: find @skb's entry or reserve a
 * new one (costs `nf_ct_lookup`, plus `nf_ct_new` for a new entry). Returns
 * NF_DROP when the table is full; the packet's XT_STATE_* bit is kept for
 * nf_ct_state().
 */
enum nf_verdict nf_conntrack_in(struct nf_conntrack_net *cn, const struct nf_hook_state *st,
				const struct sk_buff *skb, const struct costs *costs,
				uint64_t *cycles);
/* The XT_STATE_* bit of @skb: the one nf_conntrack_in gave it, else a lookup. */
uint8_t nf_ct_state(struct nf_conntrack_net *cn, const struct sk_buff *skb, uint64_t jiffies);
/* __nf_conntrack_confirm: @skb leaves LOCAL_IN or POST_ROUTING accepted. */
void nf_conntrack_confirm(struct nf_conntrack_net *cn, const struct sk_buff *skb);
/* The packet with a reserved entry was dropped: the entry dies with it. */
void nf_conntrack_drop(struct nf_conntrack_net *cn, const struct sk_buff *skb);

/* Is @skb the first packet of its connection (the entry reserved for it)? */
bool nf_ct_is_new(const struct nf_conntrack_net *cn, const struct sk_buff *skb);
/*
 * A NAT target's binding for @skb's new connection (nf_nat_setup_info):
 * @src rewrites the source to @addr (and @port when non-zero), else the
 * destination; the reply tuple changes so replies find the entry.
 */
void nf_nat_setup_info(struct nf_conntrack_net *cn, const struct sk_buff *skb, bool src,
		       uint32_t addr, uint16_t port);
/*
 * nf_nat_packet: rewrite @skb's source (@src) or destination by its
 * connection's binding, either direction; true when it changed.
 */
bool nf_nat_packet(struct nf_conntrack_net *cn, struct sk_buff *skb, bool src);

/* `conntrack -S` (one line per CPU) to @f. */
void nf_conntrack_write_stats(const struct nf_conntrack_net *cn, FILE *f);

#endif
