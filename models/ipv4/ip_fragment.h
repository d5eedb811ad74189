/*
 * models/ipv4/ip_fragment.h - IPv4 fragmentation (T10) and reassembly (R20).
 *
 * Kernel references: net/ipv4/ip_output.c (ip_fragment, ip_do_fragment,
 * __ip_append_data, __ip_make_skb), net/ipv4/ip_fragment.c (ip_defrag,
 * ip_frag_queue, ip_frag_reasm, ip_expire), net/ipv4/inet_fragment.c
 * (inet_frag_find, inet_frag_destroy), include/net/ip.h (ip_dont_fragment),
 * Documentation/networking/ip-sysctl.rst (ipfrag_high_thresh, ipfrag_time).
 *
 * Sending: a UDP datagram larger than the route's MTU is built as a chain of
 * fragment-sized skbs (__ip_append_data with a socket that does not insist on
 * DF, IP_PMTUDISC_WANT being the default) and split by ip_do_fragment: each
 * fragment carries (mtu - 20) & ~7 bytes of the IP payload, the last the
 * rest; Ip FragCreates counts each one, FragOKs the datagram. The first
 * fragment whose output fails ends the datagram: the rest are freed
 * (NOT_SPECIFIED) and FragFails counts it. A datagram that fits is sent with
 * DF set (ip_dont_fragment).
 *
 * Forwarding: a packet larger than the egress MTU with DF set is dropped
 * (PKT_TOO_BIG, FragFails) with an ICMP fragmentation needed; without DF it
 * is fragmented as above.
 *
 * Receiving (ip_local_deliver before LOCAL_IN, no conntrack): every fragment
 * counts ReasmReqds and joins the queue of (saddr, daddr, id, protocol);
 * when all bytes are in, the datagram goes on (ReasmOKs) as one skb whose
 * truesize is the head's plus that of every fragment chained on its
 * frag_list (inet_frag_reasm_finish: skb_try_coalesce copies a fragment into
 * the still-linear head's tailroom when it fits, and its truesize goes). A queue not complete ipfrag_time
 * seconds after its first fragment expires (ip_expire: ReasmTimeout,
 * ReasmFails, its fragments dropped FRAG_REASM_TIMEOUT, and an ICMP time
 * exceeded if the first fragment had arrived). While the fragments queued
 * take more than ipfrag_high_thresh bytes of truesize, new fragments are
 * dropped (inet_frag_find returns NULL: ReasmFails, NOT_SPECIFIED).
 *
 * Simplified: fragments never overlap or repeat (no link duplicates them), so
 * ip_frag_queue's overlap and duplicate checks are not modelled; no
 * ipfrag_low_thresh eviction, no ipfrag_max_dist; the IP ID is a per-host
 * counter (ip_select_ident hashes per destination); every fragment's
 * truesize and tailroom are those of __ip_append_data's skb for its size
 * (also for a forwarded packet that ip_do_fragment cuts, whose fragments the
 * kernel allocates as alloc_skb(len + hlen + ll_rs)); a fragment from a NIC
 * has no modelled tailroom and is never coalesced or stolen. Matches the
 * kernel for every payload 0..65507 over veth (tests/kernel-ref/payload.csv).
 */
#ifndef MODELS_IP_FRAGMENT_H
#define MODELS_IP_FRAGMENT_H

#include <stdint.h>

#include "models/core/skb.h"
#include "models/ipv4/ip_output.h" /* fragmentation on output: ip_do_fragment, ip_finish_output */
#include "models/world.h"

struct cpu;
struct net_device;

/* Allocate @h's reassembly table (sized from ipfrag_high_thresh). 0 or -1 (no memory). */
int ipfrag_init(struct host *h);
/* Free the table; queued fragments go with the skb pool. */
void ipfrag_release(struct host *h);

/*
 * ip_defrag: queue fragment @skb. Returns the reassembled datagram when @skb
 * completed one, else NULL (queued or dropped). Adds CPU cycles to *cycles.
 */
struct sk_buff *ip_defrag(struct cpu *c, struct sk_buff *skb, uint64_t *cycles);

#endif
