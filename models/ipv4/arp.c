/*
 * models/ipv4/arp.c - what IPv4 does for the ARP table (models/core/neigh.h).
 *
 * Kernel reference: net/ipv4/arp.c (arp_generic_ops, arp_error_report:
 * dst_link_failure -> ipv4_link_failure -> icmp_send(ICMP_DEST_UNREACH,
 * ICMP_HOST_UNREACH)). The table itself (neigh_resolve_output, the timers,
 * arp_rcv) is models/core/neigh.c.
 */
#include "models/core/neigh.h"
#include "models/ipv4/arp.h"
#include "models/ipv4/icmp.h"

/* arp_error_report(): a packet whose neighbour never resolved is refused to its sender. */
static void arp_error_report(struct cpu *c, struct host *h, struct sk_buff *skb, uint64_t *cycles)
{
	icmp_send(c, h, skb, ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, 0, cycles);
}

const struct neigh_ops arp_generic_ops = {
	.error_report = arp_error_report,
};
