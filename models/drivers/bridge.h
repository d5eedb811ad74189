/*
 * models/drivers/bridge.h - a Linux bridge's private state (struct net_bridge, its ports
 * and its forwarding database).
 *
 * Kernel reference: net/bridge/br_private.h (struct net_bridge,
 * net_bridge_port, net_bridge_fdb_entry, BR_FDB_LOCAL). See
 * models/drivers/bridge.c for the model. The state is netdev_priv(dev) of a
 * bridge device (br_priv()); outside models/drivers/ only tests include this
 * header.
 *
 * Invariants:
 *  - port[0..nports) are distinct devices of the bridge's host, each with
 *    dev->master == the bridge and rx_handler == br_handle_frame.
 *  - fdb[0..nfdb) hold distinct addresses; a local entry (is_local) is one
 *    of the bridge's own addresses (a port's, or the bridge device's with
 *    dst NULL) and never ages; a learnt entry has a port.
 */
#ifndef MODELS_BRIDGE_H
#define MODELS_BRIDGE_H

#include <stdbool.h>
#include <stdint.h>

#include "models/core/netdevice.h"

#define BR_MAX_PORTS	       32   /* ports of one bridge (the kernel's BR_MAX_PORTS is 1024) */
#define BR_FDB_MAX	       1024 /* FDB entries of one bridge (the kernel's is unlimited) */
#define BR_DEFAULT_AGEING_TIME (300 * SIM_SEC) /* BR_DEFAULT_AGEING_TIME: 300 s */

struct net_bridge;

/* struct net_bridge_port: a device enslaved to the bridge (`ip link set DEV master br0`). */
struct net_bridge_port {
	struct net_bridge *br;	/* the bridge */
	struct net_device *dev; /* the port device */
	uint16_t port_no;	/* 1-based, in the order of `ports:` */
	/* sim-only */
	uint64_t fwd_tx;   /* frames sent out of this port after an FDB hit */
	uint64_t flood_tx; /* frames flooded out of this port (unknown unicast, broadcast) */
};

/* struct net_bridge_fdb_entry: a MAC address and the port it is reached through. */
struct net_bridge_fdb_entry {
	uint64_t addr;		     /* MAC address, 48-bit */
	struct net_bridge_port *dst; /* port it was learnt on; NULL: the bridge device itself */
	bool is_local;		     /* BR_FDB_LOCAL (permanent): one of our own addresses */
	sim_time_t updated;	     /* ps: last seen as a source (fdb->updated) */
	sim_time_t used;	     /* ps: last used as a destination (fdb->used) */
};

/* struct net_bridge: the bridge device's private state. */
struct net_bridge {
	struct net_device *dev;			     /* the bridge device (br0) */
	uint32_t nports;			     /* ports */
	struct net_bridge_port port[BR_MAX_PORTS];   /* br->port_list, in `ports:` order */
	sim_time_t ageing_time;			     /* ps: br->ageing_time (default 300 s) */
	uint32_t nfdb;				     /* FDB entries in use */
	struct net_bridge_fdb_entry fdb[BR_FDB_MAX]; /* br->fdb_hash_tbl, in insertion order */
	/* counters (sim-only: the kernel keeps none of these) */
	uint64_t fdb_learned;  /* entries created by br_fdb_update */
	uint64_t fdb_moved;    /* entries whose port changed */
	uint64_t fdb_expired;  /* learnt entries found older than ageing_time and removed */
	uint64_t fdb_full;     /* source addresses not learnt: the table was full */
	uint64_t forwarded;    /* frames sent to one port after an FDB hit (br_forward) */
	uint64_t flooded;      /* frames flooded (br_flood): unknown unicast or broadcast */
	uint64_t flood_copies; /* copies made by the floods (deliver_clone) */
	uint64_t local_in;     /* frames passed up to the bridge device (br_pass_frame_up) */
};

static inline struct net_bridge *br_priv(const struct net_device *dev)
{
	return netdev_priv(dev);
}

/* __br_fdb_get / br_fdb_find_rcu: the live entry for @addr at @now, or NULL. */
struct net_bridge_fdb_entry *br_fdb_find(struct net_bridge *br, uint64_t addr, sim_time_t now);

#endif
