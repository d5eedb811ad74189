/*
 * models/ipv4/protocol.h - the IPv4 protocol tables: inet_protos[] and
 * inet_offloads[].
 *
 * Kernel references: include/net/protocol.h (struct net_protocol, struct
 * net_offload), net/ipv4/protocol.c (inet_protos, inet_offloads,
 * inet_add_protocol), net/ipv4/ip_input.c (ip_protocol_deliver_rcu),
 * net/ipv4/icmp.c (icmp_socket_deliver), net/ipv4/af_inet.c (inet_init:
 * udp_protocol, icmp_protocol; udpv4_offload).
 *
 * ip_local_deliver hands a packet to inet_protos[its protocol]->handler and
 * an ICMP error to inet_protos[the quoted datagram's protocol]->err_handler;
 * GRO asks inet_offloads[protocol]. The handlers are reached only through
 * these tables, so ip.c includes no protocol's header and a protocol's file
 * may call back into IP (icmp_send, ip_finish_output) without a cycle.
 *
 * Adding a protocol (TCP, say) is a new file with its `const struct
 * net_protocol` (and a `struct proto` for its sockets, models/ipv4/sock.h)
 * plus one line in each table of protocol.c. sock_protos[] does the same
 * for the kinds of socket a scenario creates (the scenario looks the kind's
 * proto up and hands it to sock_create), so sock.c names no kind.
 *
 * Simplified: the tables are const and filled at compile time (the kernel
 * fills them at boot with inet_add_protocol); no raw sockets, no early demux,
 * no xfrm policy check.
 */
#ifndef MODELS_PROTOCOL_H
#define MODELS_PROTOCOL_H

#include <stdbool.h>
#include <stdint.h>

#include "models/core/skb.h"
#include "models/ipv4/sock.h"
#include "models/world.h"

#define MAX_INET_PROTOS 256 /* IP protocol numbers */

struct cpu;
struct sock;

/* struct net_protocol: what IPv4 calls for one transport protocol. */
struct net_protocol {
	/*
	 * REQUIRED. The protocol's receive (R21 and on) for @skb, delivered
	 * locally on CPU @c of host @h, in the unit of softirq work that runs
	 * ip_rcv. Returns the socket @skb is to be queued on at the end of the
	 * unit (sk->sk_prot->queue_rcv_skb), or NULL when the handler consumed
	 * or dropped it. Adds its cycles to *cycles.
	 */
	struct sock *(*handler)(struct cpu *c, struct host *h, struct sk_buff *skb,
				uint64_t *cycles);
	/*
	 * Optional. An ICMP error @icmp, received by @h, about a datagram of
	 * this protocol that @h sent (icmp_socket_deliver). Without it the
	 * error changes nothing beyond the Icmp counters.
	 */
	void (*err_handler)(struct host *h, const struct sk_buff *icmp);
};

/* struct net_offload: the protocol's GRO side (net_offload.callbacks). */
struct net_offload {
	/*
	 * REQUIRED. gro_receive's first check: may @skb, arriving at host @h,
	 * be merged with the packets of its flow (udp_gro_receive: only for
	 * a local socket with UDP_GRO)?
	 */
	bool (*gro_receive)(struct host *h, const struct sk_buff *skb);
	/*
	 * Optional (REQUIRED for a protocol whose sockets build GSO skbs).
	 * gso_segment: cut the GSO skb @skb into its segments, returned as a
	 * list through ->next; a send-buffer charge moves to the segments.
	 */
	struct sk_buff *(*gso_segment)(struct sk_buff *skb);
};

/* inet_protos[protocol]: the handlers of each IP protocol, NULL when unknown. */
extern const struct net_protocol *const inet_protos[MAX_INET_PROTOS];
/* inet_offloads[protocol]: GRO for each protocol, NULL when it has none. */
extern const struct net_offload *const inet_offloads[MAX_INET_PROTOS];

/*
 * sock_protos[kind]: the struct proto of each enum sock_kind, what
 * socket(2)'s family and type select (inetsw[], net_families[]).
 */
extern const struct proto *const sock_protos[SOCK_KIND_NR];

/* The entries (defined in models/ipv4/udp.c, icmp.c and sock.c). */
extern const struct proto udp_prot;
extern const struct net_protocol udp_protocol;
extern const struct net_protocol icmp_protocol;
extern const struct net_offload udpv4_offload;

#endif
