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
 * Simplified: one table, no metrics or multipath, no policy routing, no
 * route cache; lookups cost `ip_route_output` (or `ip_route_input`) cycles.
 */
#ifndef MODELS_ROUTE_H
#define MODELS_ROUTE_H

#include <stdint.h>

#include "sim/cfg.h"
#include "models/world.h"

struct net_device;

enum rtn_type {
	RTN_UNICAST, /* via a device, maybe a gateway */
	RTN_LOCAL,   /* one of our addresses: deliver locally (through lo) */
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

struct fib_table {
	uint32_t n;			    /* routes */
	struct fib_route r[FIB_MAX_ROUTES]; /* in insertion order */
};

/* Connected and local routes of @h's devices (after they are created). */
int fib_add_connected(struct host *h, struct sim_error *err);
/* The scenario's `routes:` list of host @h. */
int fib_parse(struct host *h, const struct cfg_node *list, struct sim_error *err);
/* Longest-prefix match for @daddr; NULL when there is no route (ENETUNREACH). */
const struct fib_route *fib_lookup(const struct host *h, uint32_t daddr);

#endif
