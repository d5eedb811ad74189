/*
 * models/drivers/veth.h - a veth device's private state (struct veth_priv, veth_rq).
 *
 * Kernel reference: drivers/net/veth.c. See models/drivers/veth.c for the
 * model. The state is netdev_priv(dev) of a veth (veth_priv()); outside
 * models/drivers/ only tests include this header.
 */
#ifndef MODELS_VETH_H
#define MODELS_VETH_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/stats.h"
#include "models/core/dev.h"
#include "models/core/netdevice.h"
#include "models/core/skb.h"

#define VETH_RING_SIZE	    256	 /* VETH_RING_SIZE: ptr_ring entries per rx queue */
#define VETH_NAPI_WEIGHT    64	 /* NAPI_POLL_WEIGHT (netif_napi_add) */
#define VETH_PP_PAGE	    4096 /* PAGE_SIZE << pool->p.order (order 0) */
#define XDP_PACKET_HEADROOM 256	 /* headroom skb_pp_cow_data leaves for XDP */

/*
 * The truesize of the skb that skb_pp_cow_data() builds for a packet of
 * @len bytes (Ethernet header included) from @rq's page_pool: a fragment of
 * SKB_HEAD_ALIGN(len) + XDP_PACKET_HEADROOM, the rest of the page when no
 * second fragment of that size would fit, a whole page when two never do;
 * napi_build_skb adds sizeof(struct sk_buff) (256).
 */
struct veth_rq;
struct xdp_prog;
uint32_t veth_pp_cow_truesize(struct veth_rq *rq, uint32_t len);

/* struct veth_rq: the NAPI side of a veth's receive queue (NAPI mode only). */
struct veth_rq {
	struct napi_struct napi;     /* xdp_napi, polled by veth_poll */
	struct net_device *dev;	     /* the receiving veth */
	uint16_t index;		     /* rx queue number (= the sender's TX queue) */
	struct sk_buff_head ring;    /* xdp_ring (ptr_ring of VETH_RING_SIZE skbs) */
	uint64_t xdp_packets;	     /* rx_queue_0_xdp_packets: skbs consumed by the poll */
	uint64_t xdp_bytes;	     /* rx_queue_0_xdp_bytes */
	uint64_t xdp_drops;	     /* rx_queue_0_xdp_drops: XDP_DROP verdicts */
	uint64_t polls;		     /* veth_poll calls */
	bool rx_notify_masked;	     /* veth_xmit need not schedule the NAPI */
	struct sim_level ring_level; /* skbs in the ring (after warm-up) */
	uint64_t ring_in;	     /* skbs added (after warm-up) */
	double wait_sum;	     /* ps spent in the ring by skbs taken (after warm-up) */
	uint64_t wait_n;	     /* skbs taken that arrived after warm-up */
	/* the rq's page_pool as the XDP path uses it (page_pool_alloc_netmem) */
	bool pp_page;		 /* a page is being cut into fragments (pool->frag_page) */
	uint32_t pp_frag_offset; /* bytes of it handed out (pool->frag_offset) */
};

#define VETH_MAX_QUEUES 64 /* `queues:` at most */

/* struct veth_priv plus the ethtool features the model reads (RPS: dev->rxq[i]). */
struct veth_priv {
	char peer_name[48];	    /* the other end, HOST/DEV, until ndo_link resolves dev->peer */
	bool gro;		    /* ethtool -K gro (NETIF_F_GRO), off on a new veth */
	bool rx_gro_list;	    /* ethtool -K rx-gro-list (NETIF_F_GRO_FRAGLIST) */
	bool rx_udp_gro_forwarding; /* ethtool -K rx-udp-gro-forwarding (NETIF_F_GRO_UDP_FWD) */
	bool tso;		    /* ethtool -K tso (NETIF_F_ALL_TSO), on by default */
	struct xdp_prog *xdp;	    /* attached XDP program (models/core/xdp.h), NULL = none */
	bool threaded;		    /* /sys/class/net/DEV/threaded: NAPI polled by kthreads */
	uint32_t threaded_cpu;	    /* the CPU the kthreads are pinned to (sim-only) */
	uint32_t defer_hard_irqs;   /* /sys/class/net/DEV/napi_defer_hard_irqs */
	sim_time_t gro_flush_timeout; /* ps: /sys/class/net/DEV/gro_flush_timeout */
	uint32_t nq;		      /* queues each way (numrxqueues = numtxqueues) */
	struct veth_rq *rq;	      /* rq[nq] when NAPI is enabled (GRO or XDP), else NULL */
};

static inline struct veth_priv *veth_priv(const struct net_device *dev)
{
	return netdev_priv(dev);
}

#endif
