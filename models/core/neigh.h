/*
 * models/core/neigh.h - neighbour resolution (ARP) for IPv4 next hops (T11).
 *
 * Kernel references: net/core/neighbour.c (__neigh_event_send,
 * neigh_timer_handler, neigh_invalidate, neigh_update), net/ipv4/arp.c
 * (arp_tbl defaults, arp_solicit, arp_process, arp_error_report),
 * kernel-facts §8 "Neighbour resolution".
 *
 * An unresolved next hop goes NONE -> INCOMPLETE: packets queue on the entry
 * up to unres_qlen_bytes of truesize (the oldest is dropped to make room:
 * NEIGH_QUEUEFULL, unres_discards), an ARP request goes out at once and
 * every retrans_time until mcast_solicit requests have had no answer; then
 * the entry is FAILED (res_failed), its queue is dropped (NEIGH_FAILED) and
 * each dropped packet counts an ICMP host unreachable toward its source
 * (arp_error_report). ARP requests and replies are real frames on the link;
 * the peer's arp_process answers requests for its own addresses and learns
 * the requester. A reply makes the entry REACHABLE and sends its queue.
 * Static entries (`neigh:` in the scenario) are PERMANENT.
 *
 * Simplified: REACHABLE entries never age to STALE/PROBE (no
 * base_reachable_time expiry, no garbage collection); no proxy ARP, no
 * gratuitous ARP, no unicast probes.
 */
#ifndef MODELS_NEIGH_H
#define MODELS_NEIGH_H

#include <stdint.h>
#include <stdio.h>

#include "sim/cfg.h"
#include "sim/event.h"
#include "models/core/skb.h"
#include "models/world.h"

struct net_device;
struct cpu;

enum nud_state {
	NUD_NONE,
	NUD_INCOMPLETE,
	NUD_REACHABLE,
	NUD_FAILED,
	NUD_PERMANENT,
};

struct neighbour {
	uint32_t ip;		       /* next hop */
	struct net_device *dev;	       /* on this device */
	enum nud_state nud_state;      /* see enum */
	struct sk_buff_head arp_queue; /* packets waiting for resolution */
	uint32_t arp_queue_len_bytes;  /* their truesize */
	uint32_t probes;	       /* requests sent for this resolution */
	uint64_t ha;		       /* its MAC address (n->ha), 48-bit; 0 = not known */
	struct sim_event timer;	       /* retransmission / failure */
	struct host *host;	       /* owner */
	bool used;		       /* slot taken */
	bool ha_searched; /* a PERMANENT entry's device search is done (may find none) */
};

#define NEIGH_MAX 256

/*
 * What the protocol resolving through the table does for it (include/net/
 * neighbour.h struct neigh_ops): the ARP table's are arp_generic_ops
 * (models/ipv4/arp.c), so the neighbour layer calls the protocol above it
 * only through this table.
 */
struct neigh_ops {
	/* arp_error_report(): a queued packet whose resolution failed */
	void (*error_report)(struct cpu *c, struct host *h, struct sk_buff *skb, uint64_t *cycles);
};

struct neigh_table {
	const struct neigh_ops *ops;   /* REQUIRED: the protocol's handlers */
	struct neighbour e[NEIGH_MAX]; /* entries */
	uint32_t n;		       /* slots used */
	uint64_t res_failed;	       /* resolutions that failed */
	uint64_t unres_discards;       /* packets dropped from full unresolved queues */
	uint64_t arp_requests_sent;    /* requests sent */
	uint64_t arp_replies_sent;     /* replies sent */
};

/* ARP opcodes carried in skb->arp_op. */
#define ARPOP_REQUEST 1
#define ARPOP_REPLY   2
#define ETH_P_IP      0x0800
#define ETH_P_ARP     0x0806

/* Static entries from the host's `neigh:` list. */
int neigh_parse(struct host *h, const struct cfg_node *list, struct sim_error *err);
/*
 * ip_finish_output2 -> neigh_output for @skb to next hop @nexthop on @dev
 * (T11, T12): transmit now, or queue and resolve. Runs in @c's context;
 * returns the NET_XMIT code of dev_queue_xmit (NET_XMIT_SUCCESS when queued
 * on the neighbour) and adds the CPU cycles to *cycles.
 */
int neigh_output(struct cpu *c, struct sk_buff *skb, struct net_device *dev, uint32_t nexthop,
		 uint64_t *cycles);
/* arp_rcv for an ARP frame that reached the stack (consumes @skb). */
void arp_rcv(struct cpu *c, struct sk_buff *skb, uint64_t *cycles);
/* One line per entry, like `ip -s neigh show`. */
void neigh_write(const struct host *h, FILE *f);

#endif
