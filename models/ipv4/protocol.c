/*
 * models/ipv4/protocol.c - inet_protos[] and inet_offloads[].
 *
 * See models/ipv4/protocol.h. One line per protocol in each table.
 */
#include "models/core/af_packet.h"
#include "models/core/xsk.h"
#include "models/ipv4/protocol.h"

const struct proto *const sock_protos[SOCK_KIND_NR] = {
	[SOCK_UDP] = &udp_prot,
	[SOCK_PACKET] = &packet_proto,
	[SOCK_XDP] = &xsk_proto,
};

const struct net_protocol *const inet_protos[MAX_INET_PROTOS] = {
	[IPPROTO_ICMP_] = &icmp_protocol,
	[IPPROTO_UDP_] = &udp_protocol,
};

const struct net_offload *const inet_offloads[MAX_INET_PROTOS] = {
	[IPPROTO_UDP_] = &udpv4_offload,
};
