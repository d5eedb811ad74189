/*
 * models/ipv4/ip.h - IPv4 receive: ip_rcv, PRE_ROUTING, route, LOCAL_IN, forwarding.
 *
 * Kernel references: net/ipv4/ip_input.c (ip_rcv, ip_rcv_core,
 * ip_rcv_finish, ip_local_deliver, ip_protocol_deliver_rcu), net/ipv4/route.c
 * (ip_route_input_slow, ip_error), net/ipv4/icmp.c (icmp_send,
 * icmpv4_global_allow, icmpv4_mask_allow, icmpv4_xrlim_allow, icmp_unreach),
 * net/ipv4/udp.c (__udp4_lib_rcv, __udp4_lib_err).
 *
 * Order of checks, as in ip_rcv_core: PACKET_OTHERHOST frames (a promiscuous
 * NIC) are dropped without a MIB; every other packet counts InReceives; a bad
 * header checksum counts InHdrErrors and InCsumErrors. Then PRE_ROUTING, the
 * route decision (local address, else forwarding off: ip_error counts
 * InAddrErrors and sends no ICMP), LOCAL_IN, InDelivers, and the handler of
 * the packet's protocol in inet_protos[] (models/ipv4/protocol.h): UDP
 * (models/ipv4/udp.h) or ICMP (models/ipv4/icmp.h).
 *
 * With net.ipv4.ip_forward = 1 a packet for another address is forwarded
 * (ip_forward, R19): the route lookup first (ip_error: no route is
 * InNoRoutes and ICMP net unreachable, an unreachable or prohibit route ICMP
 * host unreachable or communication prohibited, a blackhole nothing; its own
 * per-source limit, route.error_cost/error_burst, draws on the tokens
 * icmp_send's per-peer limit uses), TTL check (InHdrErrors and ICMP time
 * exceeded), FORWARD hook, TTL decrement, ForwDatagrams, POST_ROUTING,
 * neighbour output and dev_queue_xmit on the egress device, all in the
 * receiving softirq.
 *
 * ICMP errors (port unreachable, host unreachable after a neighbour failure,
 * net unreachable, TTL exceeded, fragmentation needed with the next hop's
 * MTU, which is never rate-limited) are real packets sent back to the source
 * and received by icmp_rcv (InMsgs, InDestUnreachs, InTimeExcds), which hands
 * them to the sending UDP socket (udp_err: path MTU, sk_err, error queue).
 *
 * Fragments are reassembled before LOCAL_IN (models/ipv4/ip_fragment.h); a
 * forwarded packet longer than the egress MTU is dropped with an ICMP
 * fragmentation needed when it has DF, else fragmented. ForwDatagrams counts
 * before the MTU check and the FORWARD hook, as current kernels do.
 *
 * Simplified: no IP options, no multicast, no ICMP redirects.
 */
#ifndef MODELS_IP_H
#define MODELS_IP_H

#include <stdbool.h>
#include <stdint.h>

#include "models/core/skb.h"
#include "models/ipv4/icmp.h"
#include "models/world.h"
#include "models/lib/inet_addr.h" /* the address parsers, for the models that include ip.h */

struct sock;

/*
 * The stack from ip_rcv to the protocol's handler (inet_protos[], R15-R21 and
 * on), run when a unit of softirq work starts. Returns the socket the skb is
 * to be queued on at the end of the unit (by sk->sk_prot->queue_rcv_skb), or
 * NULL when it was consumed or dropped. Adds its CPU cost to *cycles.
 */
struct cpu;
struct sock *ip_rcv(struct cpu *c, struct sk_buff *skb, uint64_t *cycles);
/* True when @addr is one of @h's addresses. */
bool ip_is_local(const struct host *h, uint32_t addr);

#endif
