/*
 * models/core/skb.c - skb allocation, freeing with a reason, stage and drop tables.
 *
 * Kernel reference: net/core/skbuff.c (kfree_skb_reason, consume_skb,
 * __alloc_skb and kmalloc_reserve for truesize), include/net/dropreason-core.h. The drop-point table below is also the
 * source of the drop table in docs/model.md.
 */
#include <string.h>

#include "models/kernel/cpu.h"
#include "models/core/skb.h"
#include "models/world.h"
#include "sim/error.h"

const struct stage_info stage_info[STAGE_NR] = {
	[STAGE_NONE] = { "-", "-", "not in the stack" },
	[STAGE_R1] = { "R1", "NIC MAC filter", "frame for another MAC dropped unless promiscuous" },
	[STAGE_R2] = { "R2", "NIC DMA", "frame written into an RX ring descriptor by DMA" },
	[STAGE_R3] = { "R3", "MSI-X", "hard interrupt raised after the write" },
	[STAGE_R4] = { "R4", "handle_irq", "CPU runs the driver's handler" },
	[STAGE_R5] = { "R5", "driver irq handler", "queue interrupt masked" },
	[STAGE_R6] = { "R6", "napi_schedule", "NET_RX softirq raised" },
	[STAGE_R7] = { "R7", "net_rx_action", "softirq: budget and time limit" },
	[STAGE_R8] = { "R8", "napi_poll", "driver poll takes frames from the ring" },
	[STAGE_R9] = { "R9", "napi_build_skb", "frame becomes an skb" },
	[STAGE_R10] = { "R10", "napi_gro_receive", "GRO" },
	[STAGE_R11] = { "R11", "enqueue_to_backlog", "RPS: skb queued to a CPU backlog" },
	[STAGE_R12] = { "R12", "process_backlog", "backlog drained in softirq" },
	[STAGE_R13] = { "R13", "__netif_receive_skb_core", "no RPS: straight up the stack" },
	[STAGE_R14] = { "R14", "deliver_skb", "AF_PACKET taps" },
	[STAGE_R15] = { "R15", "ip_rcv", "handed to IPv4" },
	[STAGE_R16] = { "R16", "napi_complete_done", "queue interrupt re-enabled" },
	[STAGE_R17] = { "R17", "ip_rcv_core", "IPv4 checks, PRE_ROUTING" },
	[STAGE_R18] = { "R18", "ip_route_input_noref", "local or forward" },
	[STAGE_R19] = { "R19", "ip_forward", "forwarding" },
	[STAGE_R20] = { "R20", "ip_local_deliver", "LOCAL_IN, up to UDP" },
	[STAGE_R21] = { "R21", "__udp4_lib_rcv", "socket lookup" },
	[STAGE_R22] = { "R22", "udp_queue_rcv_one_skb", "socket filter, receive buffer" },
	[STAGE_R23] = { "R23", "__udp_enqueue_schedule_skb", "queued on the socket" },
	[STAGE_R24] = { "R24", "sk_data_ready", "reader woken" },
	[STAGE_APP] = { "APP", "udp_recvmsg", "application reads the datagram" },
	[STAGE_T1] = { "T1", "socket", "socket created" },
	[STAGE_T2] = { "T2", "inet_sendmsg", "send system call" },
	[STAGE_T3] = { "T3", "inet_autobind", "ephemeral port" },
	[STAGE_T4] = { "T4", "udp_sendmsg", "route lookup" },
	[STAGE_T5] = { "T5", "ip_make_skb", "skb built, send buffer charged" },
	[STAGE_T6] = { "T6", "udp_send_skb", "UDP header" },
	[STAGE_T7] = { "T7", "ip_send_skb", "IP send" },
	[STAGE_T8] = { "T8", "__ip_local_out", "LOCAL_OUT" },
	[STAGE_T9] = { "T9", "ip_output", "POST_ROUTING" },
	[STAGE_T10] = { "T10", "ip_finish_output", "MTU, reroute" },
	[STAGE_T11] = { "T11", "ip_finish_output2", "neighbour resolution" },
	[STAGE_T12] = { "T12", "neigh_output", "Ethernet header" },
	[STAGE_T13] = { "T13", "__dev_queue_xmit", "qdisc" },
	[STAGE_T14] = { "T14", "dev_hard_start_xmit", "TX taps, driver" },
	[STAGE_T15] = { "T15", "ndo_start_xmit", "TX ring" },
	[STAGE_T16] = { "T16", "TX completion", "skb freed after transmission" },
	[STAGE_WIRE] = { "WIRE", "link", "between two hosts' NICs" },
	[STAGE_BR] = { "BR", "br_handle_frame", "bridge: FDB, forward or flood" },
};

const char *const skb_drop_reason_name[SKB_DROP_REASON_NR] = {
#define X(n) #n,
	SKB_DROP_REASONS(X)
#undef X
};

const struct drop_point drop_points[] = {
	{ SKB_DROP_REASON_NIC_MAC_FILTER, STAGE_R1, "NIC MAC filter",
	  "none (filtered in hardware)" },
	{ SKB_DROP_REASON_NIC_RX_MISSED, STAGE_R2, "NIC DMA: no free RX descriptor",
	  "rx_missed_errors, /proc/net/dev drop" },
	{ SKB_DROP_REASON_SKB_POOL, STAGE_R2, "skbsim skb pool exhausted",
	  "none (simulator limit: raise skb_pool)" },
	{ SKB_DROP_REASON_CPU_BACKLOG, STAGE_R11, "enqueue_to_backlog",
	  "softnet_stat dropped, rx_dropped" },
	{ SKB_DROP_REASON_OTHERHOST, STAGE_R17, "ip_rcv_core", "none" },
	{ SKB_DROP_REASON_IP_CSUM, STAGE_R17, "ip_rcv_core", "Ip InHdrErrors, IpExt InCsumErrors" },
	{ SKB_DROP_REASON_NETFILTER_DROP, STAGE_R17, "nf_hook_slow (PREROUTING)",
	  "iptables -L PREROUTING pkts" },
	{ SKB_DROP_REASON_IP_INADDRERRORS, STAGE_R18, "ip_error", "Ip InAddrErrors" },
	{ SKB_DROP_REASON_NETFILTER_DROP, STAGE_R20, "nf_hook_slow (INPUT)",
	  "iptables -L INPUT pkts" },
	{ SKB_DROP_REASON_UDP_CSUM, STAGE_R21, "__udp4_lib_rcv", "Udp InCsumErrors, InErrors" },
	{ SKB_DROP_REASON_NO_SOCKET, STAGE_R21, "__udp4_lib_rcv", "Udp NoPorts" },
	{ SKB_DROP_REASON_UDP_CSUM, STAGE_R22, "udp_queue_rcv_one_skb",
	  "Udp InCsumErrors, InErrors, ss d" },
	{ SKB_DROP_REASON_SOCKET_FILTER, STAGE_R22, "sk_filter_trim_cap", "Udp InErrors, ss d" },
	{ SKB_DROP_REASON_SOCKET_RCVBUFF, STAGE_R22, "__udp_enqueue_schedule_skb",
	  "Udp RcvbufErrors, InErrors, ss d" },
	{ SKB_DROP_REASON_PROTO_MEM, STAGE_R22, "__udp_enqueue_schedule_skb (udp_mem)",
	  "ss d only (6.18 bumps no Udp counter)" },
	{ SKB_DROP_REASON_UDP_CSUM, STAGE_APP, "udp_recvmsg", "Udp InCsumErrors, InErrors, ss d" },
	{ SKB_DROP_REASON_NETFILTER_DROP, STAGE_T8, "nf_hook_slow (OUTPUT)",
	  "iptables -L OUTPUT pkts" },
	{ SKB_DROP_REASON_NETFILTER_DROP, STAGE_T9, "nf_hook_slow (POSTROUTING)",
	  "iptables -L POSTROUTING pkts" },
	{ SKB_DROP_REASON_NEIGH_QUEUEFULL, STAGE_T11, "__neigh_event_send",
	  "ip -s neigh / ndisc unres_discards" },
	{ SKB_DROP_REASON_NEIGH_FAILED, STAGE_T11, "neigh_invalidate",
	  "arp_cache res_failed, Icmp OutDestUnreachs" },
	{ SKB_DROP_REASON_QDISC_DROP, STAGE_T13, "qdisc_drop",
	  "tc -s qdisc dropped (local senders: Ip OutDiscards, Udp SndbufErrors)" },
	{ SKB_DROP_REASON_QDISC_OVERLIMIT, STAGE_T13, "fq_codel_drop",
	  "tc -s qdisc dropped, drop_overlimit" },
	{ SKB_DROP_REASON_QDISC_CONGESTED, STAGE_T13, "codel_dequeue", "tc -s qdisc dropped" },
	{ SKB_DROP_REASON_FQ_FLOW_LIMIT, STAGE_T13, "fq_enqueue",
	  "tc -s qdisc dropped, flows_plimit" },
	{ SKB_DROP_REASON_IP_INNOROUTES, STAGE_R18, "ip_error", "Ip InNoRoutes" },
	{ SKB_DROP_REASON_NOT_SPECIFIED, STAGE_R18, "ip_error (route type)",
	  "Icmp OutDestUnreachs (none for blackhole)" },
	{ SKB_DROP_REASON_IP_INHDR, STAGE_R19, "ip_forward (TTL expired)",
	  "Ip InHdrErrors, Icmp OutTimeExcds" },
	{ SKB_DROP_REASON_NETFILTER_DROP, STAGE_R19, "nf_hook_slow (FORWARD)",
	  "iptables -L FORWARD pkts" },
	{ SKB_DROP_REASON_PKT_TOO_BIG, STAGE_R19, "ip_forward (DF, too big)",
	  "Ip FragFails, Icmp OutDestUnreachs (frag needed)" },
	{ SKB_DROP_REASON_FRAG_REASM_TIMEOUT, STAGE_R20, "ip_expire",
	  "Ip ReasmTimeout, ReasmFails" },
	{ SKB_DROP_REASON_NOT_SPECIFIED, STAGE_R20, "ip_defrag (ipfrag_high_thresh)",
	  "Ip ReasmFails" },
	{ SKB_DROP_REASON_NOT_SPECIFIED, STAGE_T10, "ip_do_fragment (output failed)",
	  "Ip FragFails" },
	{ SKB_DROP_REASON_NOT_SPECIFIED, STAGE_T15, "veth_xmit (ptr_ring full)",
	  "ip -s link tx_dropped (sender)" },
	{ SKB_DROP_REASON_NOT_SPECIFIED, STAGE_R9, "veth_xdp_rcv_skb (XDP_DROP)",
	  "ethtool -S rx_queue_0_xdp_drops" },
	{ SKB_DROP_REASON_LINK_LOSS, STAGE_WIRE, "link (configured loss)",
	  "none (lost on the wire)" },
	{ SKB_DROP_REASON_NOT_SPECIFIED, STAGE_BR, "br_forward / br_flood (no port to send to)",
	  "none" },
	{ SKB_DROP_REASON_NETFILTER_DROP, STAGE_BR, "nf_hook_slow (br_netfilter FORWARD)",
	  "iptables -L FORWARD pkts" },
	{ SKB_DROP_REASON_XDP, STAGE_R8, "mlx5e_xdp_handle (XDP_DROP)", "ethtool -S rx_xdp_drop" },
	{ SKB_DROP_REASON_XDP, STAGE_T15, "mlx5e_xmit_xdp_frame (ring full)",
	  "ethtool -S rx_xdp_tx_full, rx_xdp_drop" },
	{ SKB_DROP_REASON_XDP, STAGE_R13, "do_xdp_generic (XDP_DROP)",
	  "none (generic XDP counts no drop)" },
	{ SKB_DROP_REASON_XDP, STAGE_R22, "__xsk_rcv (fill ring empty)",
	  "XDP_STATISTICS rx_dropped, rx_fill_ring_empty_descs; ethtool -S rx_xdp_drop" },
	{ SKB_DROP_REASON_XDP, STAGE_R23, "__xsk_rcv_zc (RX ring full)",
	  "XDP_STATISTICS rx_ring_full; ethtool -S rx_xdp_drop" },
};
const unsigned drop_points_nr = sizeof(drop_points) / sizeof(drop_points[0]);
_Static_assert(sizeof(drop_points) / sizeof(drop_points[0]) <= DROP_POINTS_MAX,
	       "raise DROP_POINTS_MAX in models/core/skb.h");

const char *const lat_stage_name[LAT_NR] = {
	[LAT_DMA] = "dma",	     [LAT_RING] = "ring",     [LAT_SOFTIRQ] = "softirq",
	[LAT_BACKLOG] = "backlog",   [LAT_SOCKET] = "socket", [LAT_APP] = "application",
	[LAT_TX_STACK] = "tx_stack", [LAT_NEIGH] = "neigh",   [LAT_QDISC] = "qdisc",
	[LAT_TX_RING] = "tx_ring",   [LAT_WIRE] = "wire",
};

int drop_point_find(enum skb_drop_reason reason, enum stage_id stage)
{
	for (unsigned i = 0; i < drop_points_nr; i++)
		if (drop_points[i].reason == reason && drop_points[i].stage == stage)
			return (int)i;
	return -1;
}

/* kmalloc_reserve: the small-head cache, or kmalloc_size_roundup's bucket. */
static uint32_t skb_head_alloc(uint32_t size)
{
	uint32_t obj = SKB_DATA_ALIGN(size) + SKB_SHINFO_SIZE, bucket = 1024;

	if (obj <= SKB_SMALL_HEAD_CACHE_SIZE)
		return SKB_SMALL_HEAD_CACHE_SIZE;
	while (bucket < obj)
		bucket <<= 1;
	return bucket;
}

uint32_t skb_alloc_truesize(uint32_t size)
{
	return skb_head_alloc(size) + SKB_STRUCT_SIZE;
}

uint32_t skb_alloc_room(uint32_t size)
{
	return skb_head_alloc(size) - SKB_SHINFO_SIZE;
}

struct sk_buff *skb_alloc(struct world *w)
{
	struct sk_buff *skb = sim_pool_get(&w->skb_pool);

	if (!skb)
		return NULL;
	memset(skb, 0, sizeof(*skb));
	skb->id = w->next_skb_id++;
	skb->gso_segs = 1;
	return skb;
}

struct sk_buff *skb_clone(struct world *w, const struct sk_buff *skb)
{
	struct sk_buff *c = sim_pool_get(&w->skb_pool);

	if (!c)
		return NULL;
	*c = *skb;
	c->next = NULL;
	c->frag_next = NULL;
	c->sk = NULL;
	c->flags |= SKB_F_CLONE;
	w->clones_live++;
	return c;
}

void (*skb_wmem_destructor)(struct sock *sk, uint32_t truesize);

/* skb_release_head_state: a send-buffer charge goes with the skb (its destructor). */
void skb_free_chain(struct world *w, struct sk_buff *skb)
{
	while (skb) {
		struct sk_buff *n = skb->frag_next;

		if (skb->flags & SKB_F_WMEM) {
			SIM_BUG_ON(!skb_wmem_destructor); /* sock_init() not called */
			skb_wmem_destructor(skb->sk, skb->truesize);
		}

		sim_pool_put(&w->skb_pool, skb);
		skb = n;
	}
}

void kfree_skb_clone(struct world *w, struct sk_buff *skb)
{
	SIM_BUG_ON(!(skb->flags & SKB_F_CLONE));
	w->clones_live--;
	sim_pool_put(&w->skb_pool, skb);
}

uint64_t skb_touch(const struct cpu *c, struct sk_buff *skb)
{
	const struct costs *k = &c->host->costs;
	const struct cpu *was = skb->touch_cpu;

	skb->touch_cpu = c;
	if (!was || was == c)
		return 0;
	return (uint64_t)skb->gso_segs * k->skb_cache_lines * k->cacheline_remote;
}
