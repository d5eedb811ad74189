/*
 * models/core/gso.h - generic segmentation offload: when a GSO skb is cut,
 * and the list of segments it becomes.
 *
 * Kernel references: net/core/gso.c (skb_gso_segment, __skb_gso_segment),
 * net/core/dev.c (validate_xmit_skb, netif_needs_gso, gso_features_check,
 * dev_hard_start_xmit's list), net/ipv4/udp_offload.c (__udp_gso_segment,
 * udp_rcv_segment's caller udp_queue_rcv_skb), net/ipv4/ip_output.c
 * (ip_finish_output_gso).
 *
 * A GSO skb is a chain (skb->frag_next) of the segment skbs its sender built
 * (udp_sendmsg with UDP_SEGMENT): the head holds the whole skb's length,
 * truesize and send-buffer charge and gso_size/gso_segs; each segment is a
 * packet of the conservation count from birth. Segmenting hands each
 * segment its own length, truesize and (copy_dtor) charge.
 *
 * Simplified: only UDP (SKB_GSO_UDP_L4) is segmented; gso_max_segs (65535)
 * is never reached (UDP_MAX_SEGMENTS is 128); partial GSO and checksum
 * offload are not modelled (every device here has NETIF_F_HW_CSUM).
 */
#ifndef MODELS_CORE_GSO_H
#define MODELS_CORE_GSO_H

#include <stdbool.h>
#include <stdint.h>

#include "models/core/netdevice.h"
#include "models/core/skb.h"

struct host;

/* skb_is_gso: a UDP_SEGMENT skb of more than one segment. */
static inline bool skb_is_gso(const struct sk_buff *skb)
{
	return skb->gso_size != 0;
}

/*
 * netif_needs_gso after gso_features_check: @dev cannot take the GSO skb
 * @skb whole (no NETIF_F_GSO_UDP_L4, or @skb reaches gso_max_size).
 */
static inline bool netif_needs_gso(const struct sk_buff *skb, const struct net_device *dev)
{
	return !dev->gso_udp_l4 || skb->len >= dev->gso_max_size;
}

/*
 * skb_gso_segment: cut the GSO skb @skb into its segments, charging host
 * @h's gso_segment per segment to *cycles. Returns the first; the others
 * follow through ->next (each with frag_next NULL, gso_size 0).
 */
struct sk_buff *skb_gso_segment(struct host *h, struct sk_buff *skb, uint64_t *cycles);

/* The same cut by a device in hardware: no CPU cost, no charge moved (the caller's). */
struct sk_buff *skb_gso_cut(struct sk_buff *skb);

/*
 * The segments from @list (->next) on, put back into one GSO skb of
 * segment size @gso_size (the rest of a list a busy driver refused, requeued
 * as one skb: dev_requeue_skb). A single segment stays a plain skb.
 */
struct sk_buff *skb_gso_rechain(struct sk_buff *list, uint16_t gso_size);

#endif
