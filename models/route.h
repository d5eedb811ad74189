/*
 * models/route.h - the IPv4 routing table of a host (FIB, main table).
 *
 * Kernel references: net/ipv4/fib_trie.c (longest-prefix match),
 * net/ipv4/route.c (ip_route_output_key_hash, RTN_LOCAL via the local
 * table), iproute2 `ip route` syntax.
 *
 * Every host has connected routes for its NICs' prefixes and local routes for
 * its addresses (through `lo`). The scenario adds static routes:
 *     routes:
 *       - {dst: 10.2.0.0/16, via: 10.0.0.2}        # dev found from the gateway
 *       - {dst: default, via: 10.0.0.254, dev: eth0, src: 10.0.0.1}
 *       - {dst: 10.9.0.0/16, type: unreachable}    # or prohibit, blackhole
 * A lookup that ends on an unreachable, prohibit or blackhole route fails
 * with EHOSTUNREACH, EACCES or EINVAL (fib_props); only "no route at all"
 * is ENETUNREACH and counts OutNoRoutes (measured on 6.18:
 * tests/kernel-ref/route_err.csv). Path MTUs learnt from ICMP fragmentation
 * needed are kept per destination (next-hop exceptions) and lower dst_mtu
 * until net.ipv4.route.mtu_expires.
 * Simplified: one table, no metrics or multipath, no policy routing, no
 * route cache besides the PMTU exceptions; lookups cost `ip_route_output`
 * (or `ip_route_input`) cycles.
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
	uint32_t plen;		/* prefix length */
	uint32_t gw;		/* next hop, 0 = directly connected */
	uint32_t src;		/* preferred source, 0 = the device's address */
	struct net_device *dev; /* egress device */
	enum rtn_type type;	/* unicast or local */
};

#define FIB_MAX_ROUTES 64

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

struct fib_table {
	uint32_t n;				/* routes */
	struct fib_route r[FIB_MAX_ROUTES];	/* in insertion order */
	struct fib_nh_exception fnhe[FNHE_MAX]; /* learnt path MTUs, [0, nfnhe) used */
	uint32_t nfnhe;				/* entries used */
};

/* fib_props[type].error: the errno a lookup hitting a route of @type returns (0: usable). */
int fib_route_error(const struct fib_route *r);

/* Connected and local routes of @h's devices (after they are created). */
int fib_add_connected(struct host *h, struct sim_error *err);
/* The scenario's `routes:` list of host @h. */
int fib_parse(struct host *h, const struct cfg_node *list, struct sim_error *err);
/* Longest-prefix match for @daddr; NULL when there is no route (ENETUNREACH). */
const struct fib_route *fib_lookup(const struct host *h, uint32_t daddr);

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
