/*
 * models/costs.c - default per-stage CPU costs, in cycles.
 *
 * Sources (../shared/docs/costs.md): Brouer 2017, "Eval Generic netstack XDP
 * patch" (i7-6700K at 4.0 GHz, mlx5, ~v4.12; ns converted at 4 cycles/ns);
 * prototype-kernel time_bench (primitives); Cai et al., SIGCOMM 2021 (copy
 * ~0.10 ns/byte at ~3.4 GHz); sendmmsg commit 228e548e (syscall ~210 ns);
 * context switch ~1.1 us (Linux 6.6). Entries marked "assumed" have no
 * published figure; they are round numbers of the right order and every
 * scenario can override them in `costs:`.
 */
#include "models/costs.h"

void costs_default(struct costs *k)
{
	k->hardirq = 1200;	/* assumed: irq entry + handler + exit, ~0.4 us at 3 GHz */
	k->softirq_entry = 150; /* assumed: __do_softirq bookkeeping per pass */
	k->napi_poll = 60;	/* assumed: napi_poll/__napi_poll per call */
	k->driver_rx = 182;	/* Brouer: mlx5e_handle_rx_cqe 42.0 + get_cqe 3.6 ns */
	k->build_skb = 97;	/* Brouer: __build_skb 19.4 + kmem_cache_alloc 4.9 ns */
	k->rx_refill = 24;	/* Brouer: alloc_rx_wqe + post_rx_wqes 6.0 ns */
	k->gro_receive = 20;	/* Brouer: napi_gro_receive + dev_gro_receive 4.9 ns */
	k->gro_merge = 60;	/* assumed: udp_gro_receive_segment */
	k->netif_receive = 25;	/* Brouer: netif_receive_skb_internal 4.7 + eth_type_trans 1.5 ns */
	k->rps_enqueue = 120;	/* assumed: get_rps_cpu + backlog lock (spin_lock 15 ns) */
	k->ipi_send = 300;	/* assumed: smp_call_function_single_async */
	k->backlog_dequeue = 40;  /* assumed: process_backlog per skb */
	k->tap_deliver = 400;	  /* assumed: deliver_skb + packet_rcv clone and queue */
	k->ip_rcv = 120;	  /* assumed: ip_rcv_core checks */
	k->nf_hook = 80;	  /* assumed: nf_hook_slow entry */
	k->nf_rule = 40;	  /* assumed: one ipt_entry match */
	k->ip_route_input = 150;  /* assumed: fib lookup, no cache */
	k->ip_local_deliver = 60; /* assumed */
	k->udp_rcv = 150;	  /* assumed: __udp4_lib_rcv + socket hash lookup */
	k->udp_enqueue = 200;	  /* assumed: rmem accounting + queue lock */
	k->sk_filter = 100;	  /* assumed: BPF program entry */
	k->wakeup = 1500;	  /* assumed: try_to_wake_up of a sleeping reader */
	k->kfree_skb = 64; /* Brouer: skb_release+kfree_skb 5.3, page_frag_free 6.2, cache 4.6 ns */
	k->syscall = 630;  /* sendmmsg fit: ~210 ns per syscall at 3 GHz */
	k->recv_per_msg = 800;	  /* assumed: per datagram in udp_recvmsg besides the copy */
	k->context_switch = 3300; /* ~1.1 us thread switch at 3 GHz */
	k->icmp_send = 1500;	  /* assumed: building and routing an ICMP error */
	k->send_per_msg = 600;	  /* assumed: udp_sendmsg + ip_make_skb + sock_alloc_send_pskb */
	k->ip_route_output = 150; /* assumed: fib lookup for output */
	k->ip_output = 150;	  /* assumed: ip_local_out + ip_output + ip_finish_output */
	k->neigh_output = 60;	  /* assumed: neighbour lookup + cached header copy */
	k->arp_rcv = 300;	  /* assumed: arp_process */
	k->qdisc_enqueue = 100;	  /* assumed: root lock (spin_lock 15 ns) + enqueue */
	k->qdisc_dequeue = 80;	  /* assumed: one qdisc_restart dequeue */
	k->driver_xmit = 92;	  /* Brouer: mlx5e_xmit ~23 ns with the doorbell */
	k->veth_xmit = 92;	  /* assumed: as driver_xmit; profiles/epyc-vm-6.18 measures it */
	k->tx_clean = 60;	  /* assumed: completion read + napi_consume_skb */
	k->ip_forward = 200;	  /* assumed: ip_forward + ip_forward_finish */
	k->veth_xdp_rcv = 60;	  /* assumed: __ptr_ring_consume + veth_xdp_rcv_skb, no program */
	k->xdp_run = 400; /* assumed: veth_convert_skb_to_xdp_buff copy + a trivial program */
	k->copy_per_byte = 0.34;	/* Cai et al.: 0.10 ns/byte at 3.4 GHz */
	k->ipi_latency = 2 * SIM_US;	/* costs.md: IPI round trip 1-3 us */
	k->pcie_latency = 500 * SIM_NS; /* costs.md: PCIe write ~0.5-1 us */
}

int costs_parse(struct costs *k, const struct cfg_node *n, struct sim_error *err)
{
	if (!n)
		return 0;
#define X(name)                                                                                    \
	if (cfg_get_u64(n, #name, &k->name, k->name, 0, 100000000, err))                           \
		return -1;
	COSTS(X)
#undef X
	if (cfg_get_double(n, "copy_per_byte", &k->copy_per_byte, k->copy_per_byte, 0, 1000, err) ||
	    cfg_get_time(n, "ipi_latency", &k->ipi_latency, k->ipi_latency, 0, SIM_MS, err) ||
	    cfg_get_time(n, "pcie_latency", &k->pcie_latency, k->pcie_latency, 0, SIM_MS, err))
		return -1;
	return cfg_check_unknown(n, "costs", err);
}
