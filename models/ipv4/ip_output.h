/*
 * models/ipv4/ip_output.h - IPv4 output of locally built packets.
 *
 * Kernel references: net/ipv4/ip_output.c (__ip_local_out, ip_output,
 * __ip_append_data, ip_make_skb), net/ipv4/route.c (ip_route_output_flow:
 * a local destination leaves through lo).
 *
 * A protocol's send (udp_sendmsg, icmp_send) builds its skb, passes it
 * through ip_local_out_hooks (LOCAL_OUT at T8, OutTransmits and POST_ROUTING
 * at T9) and then ip_finish_output (T10, models/ipv4/ip_fragment.h) on the
 * route's device. __ip_append_data's sizes: a fragment of fraglen bytes
 * (IP header and data) goes in one linear skb of fraglen + hh_len + 15
 * while that is under SKB_MAX_ALLOC, else only its headers are linear and
 * the data, copied into page frags, adds one byte of truesize per byte.
 *
 * Simplified: no IP options, no corking.
 */
#ifndef MODELS_IP_OUTPUT_H
#define MODELS_IP_OUTPUT_H

#include <stdint.h>

#include "models/core/skb.h"
#include "models/world.h"

struct fib_route;
struct net_device;

/* __ip_local_out + ip_output hooks for a locally built packet (T8, T9): 0 or -EPERM. */
int ip_local_out_hooks(struct host *h, struct sk_buff *skb, struct net_device *dev,
		       uint64_t *cycles);

/* The egress device of route @rt of @h: lo for a local destination, else the route's. */
struct net_device *ip_route_dev(const struct host *h, const struct fib_route *rt);

/*
 * __ip_append_data's skb for @fraglen bytes (IP header and data, of which
 * @transhdrlen the transport header): its truesize, and the tailroom its
 * linear head keeps (0 when the data went to page frags).
 */
uint32_t ip_append_truesize(uint32_t fraglen, uint32_t transhdrlen);
uint32_t ip_append_tailroom(uint32_t fraglen);

#endif
