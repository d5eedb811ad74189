/*
 * models/ipv4/route.h - the IPv4 routing table of a host (FIB, main table).
 *
 * Kernel references: net/ipv4/fib_trie.c (the LPC-trie: fib_table_lookup,
 * resize's should_inflate, tnode_new, update_suffix), net/ipv4/route.c
 * (ip_route_output_key_hash, RTN_LOCAL via the local table),
 * net/ipv4/fib_semantics.c (fib_check_nh_v4_gw), iproute2 `ip route` syntax.
 *
 * Every host has connected routes for its NICs' prefixes and local routes for
 * its addresses (through `lo`). The scenario adds static routes:
 *     routes:
 *       - {dst: 10.2.0.0/16, via: 10.0.0.2}        # dev found from the gateway
 *       - {dst: default, via: 10.0.0.254, dev: eth0, src: 10.0.0.1}
 *       - {dst: 10.9.0.0/16, type: unreachable}    # or prohibit, blackhole
 *     routes_file: table.txt   # `ip route` lines: 203.0.113.0/24 via 10.0.0.1
 * A lookup that ends on an unreachable, prohibit or blackhole route fails
 * with EHOSTUNREACH, EACCES or EINVAL (fib_props); only "no route at all"
 * is ENETUNREACH and counts OutNoRoutes (measured on 6.18:
 * tests/kernel-ref/route_err.csv). Path MTUs learnt from ICMP fragmentation
 * needed are kept per destination (next-hop exceptions) and lower dst_mtu
 * until net.ipv4.route.mtu_expires.
 *
 * The routes are held as fib_trie holds them: a level-compressed trie of
 * leaves (one per distinct prefix address, with its prefixes longest
 * first) under tnodes that branch on `bits` bits at bit `pos`. A lookup
 * walks it as fib_table_lookup does, backtracking to shorter prefixes, and
 * reports how many nodes it visited: the cost of ip_route_input/output is
 * its base plus `fib_lookup_level` cycles per node.
 *
 * Simplified: one table, no metrics or multipath, no policy routing, no
 * route cache besides the PMTU exceptions. The trie is grown once, when the
 * host's routes are all known (they never change during a run), route by
 * route in the order given, as fib_table_insert grows it (resize's inflate,
 * halve and collapse with the kernel's thresholds): the same shape as the
 * kernel's, measured on 6.18 for 10 to 10^6 routes
 * (tests/kernel-ref/fib_trie.csv). A gateway must be
 * on a connected network (fib_check_nh_v4_gw looks it up among link-scope
 * routes only).
 */
#ifndef MODELS_ROUTE_H
#define MODELS_ROUTE_H

#include <stdint.h>

#include "sim/cfg.h"
#include "models/world.h"

struct net_device;

enum rtn_type {
	RTN_UNICAST,	 /* via a device, maybe a gateway */
	RTN_LOCAL,	 /* one of our addresses: deliver locally (through lo) */
	RTN_UNREACHABLE, /* `ip route add unreachable`: EHOSTUNREACH, ICMP host unreachable */
	RTN_PROHIBIT,	 /* `prohibit`: EACCES, ICMP communication prohibited */
	RTN_BLACKHOLE,	 /* `blackhole`: EINVAL, dropped silently */
};

struct fib_route {
	uint32_t dst;		/* prefix, host order */
	uint32_t gw;		/* next hop, 0 = directly connected */
	uint32_t src;		/* preferred source, 0 = the device's address */
	uint8_t plen;		/* prefix length, bits */
	uint8_t type;		/* enum rtn_type */
	struct net_device *dev; /* egress device */
};

/*
 * A path MTU learnt from ICMP fragmentation needed (struct fib_nh_exception,
 * __ip_rt_update_pmtu): the next hop's MTU for one destination until expires.
 */
struct fib_nh_exception {
	uint32_t daddr;	    /* destination, host order (0: free slot) */
	uint32_t pmtu;	    /* bytes */
	sim_time_t expires; /* ps: net.ipv4.route.mtu_expires after it was learnt */
};

#define FNHE_MAX 64 /* exceptions per host (the oldest is replaced) */

/*
 * A trie node (struct key_vector): a leaf (bits 0) or a tnode with 2^bits
 * child slots. Index 0 is the trie itself (pos 32, one child: the top).
 */
struct fib_kv {
	uint32_t key;	 /* leaf: the prefix address; tnode: the bits above pos + bits */
	uint32_t parent; /* index of the parent node (FIB_KV_NONE for the trie) */
	uint32_t base;	 /* tnode: first child slot in child[]; leaf: first route in r[] */
	uint8_t pos;	 /* lowest bit this tnode branches on (32 for the trie) */
	uint8_t bits;	 /* bits it branches on (0: a leaf) */
	uint8_t slen;	 /* the largest suffix length (32 - prefix length) at or below it */
	uint8_t nroutes; /* leaf: its routes, longest prefix first */
};

#define FIB_KV_NONE UINT32_MAX

/* A memo of one lookup's result (the table does not change during a run). */
struct fib_memo {
	uint32_t daddr;		    /* destination looked up */
	uint32_t levels;	    /* trie nodes the walk visited; UINT32_MAX: empty */
	const struct fib_route *rt; /* what it found, or NULL */
};

#define FIB_MEMO_SLOTS 256 /* direct-mapped by destination */

struct fib_table {
	uint32_t n;		    /* routes */
	uint32_t cap;		    /* routes allocated */
	uint32_t nconnected;	    /* r[0, nconnected): connected and local routes */
	struct fib_route *r;	    /* insertion order; by (prefix, length desc) once built */
	struct fib_kv *kv;	    /* trie nodes, [0] the trie */
	uint32_t nkv, kv_cap;	    /* nodes used, allocated */
	uint32_t *child;	    /* tnode child slots (node index or FIB_KV_NONE) */
	uint32_t nchild, child_cap; /* slots used, allocated */
	uint32_t max_depth;	    /* deepest leaf: nodes from the top to it */
	struct fib_memo memo[FIB_MEMO_SLOTS];	/* recent lookups, for the simulator's speed */
	struct fib_nh_exception fnhe[FNHE_MAX]; /* learnt path MTUs, [0, nfnhe) used */
	uint32_t nfnhe;				/* entries used */
};

/* fib_props[type].error: the errno a lookup hitting a route of @type returns (0: usable). */
int fib_route_error(const struct fib_route *r);

/* Connected and local routes of @h's devices (after they are created). */
int fib_add_connected(struct host *h, struct sim_error *err);
/*
 * Host @h's `routes:` list and `routes_file:` (node @host), then the trie of
 * all its routes. 0, or -1 with @err set.
 */
int fib_parse(struct host *h, const struct cfg_node *host, struct sim_error *err);
/* Longest-prefix match for @daddr; NULL when there is no route (ENETUNREACH). */
const struct fib_route *fib_lookup(const struct host *h, uint32_t daddr);
/* The same, adding the trie nodes the walk visited to *@levels. */
const struct fib_route *fib_lookup_levels(const struct host *h, uint32_t daddr, uint32_t *levels);
/* fib_lookup_levels with the cost: @base + fib_lookup_level cycles per node, added to *@cycles. */
const struct fib_route *fib_lookup_cost(const struct host *h, uint32_t daddr, uint64_t base,
					uint64_t *cycles);
/* Add route @r to @t (0, or -1 out of memory); then build the trie, once. */
int fib_table_add(struct fib_table *t, const struct fib_route *r);
int fib_table_build(struct fib_table *t);

/* trie_collect_stats, as /proc/net/fib_triestat prints it for the table. */
struct fib_trie_stat {
	uint32_t leaves;	/* leaves (distinct prefix addresses) */
	uint32_t prefixes;	/* routes */
	uint32_t tnodes;	/* internal nodes */
	uint32_t nodesizes[33]; /* internal nodes by bits */
	uint32_t nullpointers;	/* empty child slots */
	uint64_t totdepth;	/* sum over leaves of the tnodes above them */
	uint32_t maxdepth;	/* the most tnodes above a leaf */
};
void fib_trie_stat(const struct fib_table *t, struct fib_trie_stat *s);

/* The trie's routes and memory: bytes of routes, nodes and child slots. */
uint64_t fib_table_bytes(const struct fib_table *t);
/* Free @t's routes and trie. */
void fib_table_release(struct fib_table *t);

/*
 * dst_mtu of the route @r to @daddr: its device's MTU, or the path MTU learnt
 * for @daddr while that has not expired.
 */
uint32_t ip_dst_mtu(const struct host *h, const struct fib_route *r, uint32_t daddr);
/* The same for a packet to @daddr leaving through @dev. */
uint32_t ip_dev_pmtu(const struct host *h, const struct net_device *dev, uint32_t daddr);
/*
 * __ip_rt_update_pmtu: ICMP fragmentation needed said @mtu for @daddr. Only
 * a lower MTU than the path's current one is taken; below
 * net.ipv4.route.min_pmtu it is min_pmtu (or the current MTU if lower). The
 * exception expires after net.ipv4.route.mtu_expires; the same MTU again
 * renews it only in the second half of its life.
 */
void ip_rt_update_pmtu(struct host *h, uint32_t daddr, uint32_t mtu);

#endif
