/*
 * models/ipv4/icmp.h - ICMP: errors sent (icmp_send) and received (icmp_rcv).
 *
 * Kernel references: net/ipv4/icmp.c (icmp_send, __icmp_send,
 * icmpv4_global_allow, icmp_global_allow, icmp_global_consume,
 * icmpv4_mask_allow, icmpv4_xrlim_allow, icmp_rcv, icmp_unreach,
 * icmp_socket_deliver), net/ipv4/inetpeer.c (inet_getpeer,
 * inet_peer_xrlim_allow).
 *
 * ICMP errors (port unreachable, host unreachable after a neighbour failure,
 * net unreachable, TTL exceeded, fragmentation needed with the next hop's
 * MTU, which is never rate-limited) are real packets sent back to the source,
 * subject to the global (icmp_msgs_per_sec/icmp_msgs_burst) and per-peer
 * (icmp_ratelimit, icmp_ratemask) limits, never on loopback. Received by
 * icmp_protocol's handler (InMsgs, InDestUnreachs, InTimeExcds), an error
 * goes to the err_handler of the quoted datagram's protocol (UDP's
 * __udp4_lib_err: path MTU, sk_err, error queue) through inet_protos[].
 *
 * Simplified: no echo, no redirects, no timestamps; the per-peer table is a
 * fixed open-addressing table, never expired.
 */
#ifndef MODELS_ICMP_H
#define MODELS_ICMP_H

#include <stdbool.h>
#include <stdint.h>

#include "models/core/skb.h"
#include "models/world.h"

struct cpu;

#define ICMP_DEST_UNREACH  3
#define ICMP_TIME_EXCEEDED 11
/* codes of ICMP_DEST_UNREACH */
#define ICMP_NET_UNREACH  0
#define ICMP_HOST_UNREACH 1
#define ICMP_PORT_UNREACH 3
#define ICMP_FRAG_NEEDED  4
#define ICMP_PKT_FILTERED 13
/* codes of ICMP_TIME_EXCEEDED */
#define ICMP_EXC_TTL	  0
#define ICMP_EXC_FRAGTIME 1
/*
 * icmp_send: an ICMP error of @type and @code about @skb_in (@info: the MTU
 * of ICMP_FRAG_NEEDED, else 0), from CPU @c of host @h:
 * the type mask and global limit, the route back to the source (none: no
 * error, nothing counted), the per-peer limit (not through lo), then a real
 * packet through LOCAL_OUT, POST_ROUTING, the neighbour and dev_queue_xmit.
 * Never about an ICMP error. Adds the cycles; true when it was sent.
 */
bool icmp_send(struct cpu *c, struct host *h, const struct sk_buff *skb_in, unsigned type,
	       unsigned code, uint32_t info, uint64_t *cycles);

/* inet_getpeer: @h's rate-limit state for @daddr (created), NULL when the table is full. */
struct inet_peer *inet_getpeer(struct host *h, uint32_t daddr);

/* Register ICMP with the layers below it (nf_send_unreach for REJECT); once, at start-up. */
void icmp_init(void);

#endif
