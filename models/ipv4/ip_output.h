/*
 * models/ipv4/ip_output.h - IPv4 output of locally built packets.
 *
 * Kernel references: net/ipv4/ip_output.c (__ip_local_out, ip_output,
 * __ip_append_data, ip_make_skb), net/ipv4/route.c (ip_route_output_flow:
 * a local destination leaves through lo).
 *
 * A protocol's send (udp_sendmsg, icmp_send) builds its skb, passes it
 * through ip_local_out_hooks (LOCAL_OUT at T8, OutTransmits and POST_ROUTING
 * at T9) and then ip_finish_output (T10) on the route's device, which
 * fragments (ip_do_fragment: the header comment of models/ipv4/ip_fragment.h
 * says how) what is longer than its MTU. __ip_append_data's sizes: a fragment of fraglen bytes
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
#include "models/netfilter/netfilter.h"
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
/*
 * The same for a paged build (paged = !!cork->gso_size: a UDP_SEGMENT
 * socket's skbs, and skb_segment's segments): only the headers in the
 * linear head, every data byte in page frags (truesize 832 + payload).
 */
uint32_t ip_append_paged_truesize(uint32_t fraglen, uint32_t transhdrlen);
uint32_t ip_append_tailroom(uint32_t fraglen);

struct cpu;

/* The bytes of IP payload each fragment carries on a link of @mtu. */
static inline uint32_t ip_frag_size(uint32_t mtu)
{
	return (mtu - 20) & ~7u;
}

/*
 * The truesize of a locally built fragment skb carrying @data bytes of IP
 * payload: __ip_append_data's (ip_append_truesize) for its size.
 */
uint32_t ip_frag_truesize(uint32_t data);

/*
 * ip_do_fragment: split @skb (IP datagram longer than @dev's MTU) and pass
 * each fragment to neigh_output for @nexthop. Returns what the first failed
 * output returned (the rest are freed), else NET_XMIT_SUCCESS.
 */
int ip_do_fragment(struct cpu *c, struct sk_buff *skb, struct net_device *dev, uint32_t nexthop,
		   uint64_t *cycles);

/*
 * ip_finish_output (T10) for every IPv4 packet leaving a host: longer than
 * @dev's MTU it goes to ip_do_fragment, else straight to neigh_output for
 * @nexthop. Returns what they return.
 */
int ip_finish_output(struct cpu *c, struct sk_buff *skb, struct net_device *dev, uint32_t nexthop,
		     uint64_t *cycles);

/*
 * nf_send_unreach (net/ipv4/netfilter/nf_reject_ipv4.c): how a REJECT
 * verdict's ICMP destination unreachable of @code is sent. Set once by
 * icmp_init(): the output path reaches ICMP, which sends through the output
 * path, only through this pointer (as the kernel reaches ipt_REJECT through
 * its xt_target).
 */
extern void (*nf_send_unreach)(struct cpu *c, struct host *h, struct sk_buff *skb, unsigned code,
			       uint64_t *cycles);
/* ip_nf_drops() past its inline test for a host without netfilter rules. */
bool ip_nf_drops_slow(struct host *h, enum nf_hook_id hook, struct sk_buff *skb,
		      const struct net_device *in, const struct net_device *out, uint64_t *cycles);

/* Run netfilter hook @hook for @skb (devices may be NULL); true when it drops. */
static inline bool ip_nf_drops(struct host *h, enum nf_hook_id hook, struct sk_buff *skb,
			       const struct net_device *in, const struct net_device *out,
			       uint64_t *cycles)
{
	if (!h->nf) /* no table registered a hook: nf_hook() finds no entries */
		return false;
	return ip_nf_drops_slow(h, hook, skb, in, out, cycles);
}

#endif
