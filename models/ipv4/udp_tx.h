/*
 * models/ipv4/udp_tx.h - UDP transmit: udp_sendmsg down to ip_output (T2-T10).
 *
 * Kernel references: net/ipv4/udp.c (udp_sendmsg, udp_send_skb,
 * udp_lib_get_port), net/ipv4/af_inet.c (inet_autobind), net/ipv4/ip_output.c
 * (ip_make_skb, __ip_append_data, ip_send_skb, __ip_local_out, ip_output),
 * net/core/sock.c (sock_alloc_send_pskb, sock_wfree), kernel-facts §7(b)
 * and §8, tests/kernel-ref (truesize by payload, measured on 6.18).
 *
 * udp_sendmsg() is what the syscall does before the packet becomes visible to
 * anyone else: autobind, route, send-buffer admission (blocking or EAGAIN),
 * the skb with its truesize charged to sk_wmem_alloc, OutRequests,
 * LOCAL_OUT and POST_ROUTING. udp_send_commit() is the hand-off at the end of
 * the syscall's CPU time: neighbour output and dev_queue_xmit, then
 * udp_send_skb's bookkeeping: a qdisc drop (NET_XMIT_DROP, -ENOBUFS) counts
 * Ip OutDiscards and Udp SndbufErrors and is reported to the application
 * only with IP_RECVERR; otherwise Udp OutDatagrams.
 *
 * A connect()ed socket (connected at the start of the run: udp_connect)
 * keeps its route (sk_dst_cache) and pays for the lookup once; an unconnected
 * one looks it up on every send. A lookup that ends on no route is
 * ENETUNREACH (OutNoRoutes), on an unreachable/prohibit/blackhole route
 * EHOSTUNREACH/EACCES/EINVAL.
 *
 * A datagram larger than the route's MTU (the device's, or the path MTU
 * learnt for the destination from ICMP fragmentation needed) is fragmented
 * (models/ipv4/ip_fragment.h) unless the socket's IP_MTU_DISCOVER is
 * IP_PMTUDISC_DO or PROBE (then EMSGSIZE; PROBE compares with the device's
 * MTU); one larger than 65507 bytes always fails with EMSGSIZE. DF is set as
 * __ip_make_skb does: always with DO and PROBE, never with DONT, with WANT
 * (the default) when the datagram fits the MTU. A pending ICMP error
 * (sk_err) fails the next send (OutDiscards).
 *
 * Simplified: no corking (MSG_MORE), no IP options, no cmsg.
 */
#ifndef MODELS_UDP_TX_H
#define MODELS_UDP_TX_H

#include <stdint.h>

#include "models/kernel/cpu.h"
#include "models/core/skb.h"
#include "models/ipv4/sock.h"

struct net_device;

/* A datagram prepared by udp_sendmsg, handed off by udp_send_commit. */
struct udp_tx {
	struct sk_buff *skb;	/* the packet, charged to the socket */
	struct net_device *dev; /* egress device (lo for a local destination) */
	uint32_t nexthop;	/* gateway or destination */
};

#define UDP_SEND_BLOCK	1     /* the send buffer is full and the socket blocks */
#define UDP_MAX_PAYLOAD 65507 /* 65535 - 20 - 8: larger is EMSGSIZE */

/* The truesize of a locally built UDP datagram of @payload bytes in one skb. */
uint32_t udp_tx_truesize(uint32_t payload);
/*
 * __ip_append_data's skb for @fraglen bytes (IP header and data, of which
 * @transhdrlen the transport header): its truesize, and the tailroom its
 * linear head keeps (0 when the data went to page frags).
 */
uint32_t ip_append_truesize(uint32_t fraglen, uint32_t transhdrlen);
uint32_t ip_append_tailroom(uint32_t fraglen);

/*
 * T2-T10 for one datagram of @payload bytes to @daddr:@dport. Returns 0 with
 * *tx filled, UDP_SEND_BLOCK, or a negative errno (-EAGAIN: full non-blocking
 * send buffer or no free ephemeral port; -ENETUNREACH; -EMSGSIZE; -EPERM:
 * netfilter dropped it; -ENOBUFS: no skb). Adds the CPU cycles to *cycles.
 */
/*
 * ip4_datagram_connect: autobind, then the route to @daddr, cached for the
 * socket's sends. 0, or the errno the lookup gives (ENETUNREACH counting
 * OutNoRoutes, or an unreachable/prohibit/blackhole route's), as connect()
 * returns it.
 */
int udp_connect(struct sock *sk, uint32_t daddr);

int udp_sendmsg(struct sock *sk, uint32_t daddr, uint16_t dport, uint32_t payload,
		struct udp_tx *tx, uint64_t *cycles);
/* T11-T13 and udp_send_skb's accounting. Returns the errno the caller sees (0 = success). */
int udp_send_commit(struct cpu *c, struct sock *sk, struct udp_tx *tx, uint64_t *cycles);

#endif
