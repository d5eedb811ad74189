/*
 * models/veth.h - a veth device's private state (struct veth_priv, veth_rq).
 *
 * Kernel reference: drivers/net/veth.c. See models/veth.c for the model.
 */
#ifndef MODELS_VETH_H
#define MODELS_VETH_H

#include <stdbool.h>
#include <stdint.h>

#include "models/dev.h"
#include "models/skb.h"

#define VETH_RING_SIZE	 256 /* VETH_RING_SIZE: ptr_ring entries per rx queue */
#define VETH_NAPI_WEIGHT 64  /* NAPI_POLL_WEIGHT (netif_napi_add) */

/* The attached XDP program's verdict for every packet. */
enum veth_xdp {
	VETH_XDP_NONE, /* no program */
	VETH_XDP_PASS, /* XDP_PASS */
	VETH_XDP_DROP, /* XDP_DROP */
};

/* struct veth_rq: the NAPI side of a veth's receive queue (NAPI mode only). */
struct veth_rq {
	struct napi_struct napi;  /* xdp_napi, polled by veth_poll */
	struct net_device *dev;	  /* the receiving veth */
	struct sk_buff_head ring; /* xdp_ring (ptr_ring of VETH_RING_SIZE skbs) */
	uint64_t xdp_packets;	  /* rx_queue_0_xdp_packets: skbs consumed by the poll */
	uint64_t xdp_bytes;	  /* rx_queue_0_xdp_bytes */
	uint64_t xdp_drops;	  /* rx_queue_0_xdp_drops: XDP_DROP verdicts */
	uint64_t polls;		  /* veth_poll calls */
};

/* struct veth_priv plus the ethtool features the model reads. */
struct veth_priv {
	bool gro;		    /* ethtool -K gro (NETIF_F_GRO), off on a new veth */
	bool rx_gro_list;	    /* ethtool -K rx-gro-list (NETIF_F_GRO_FRAGLIST) */
	bool rx_udp_gro_forwarding; /* ethtool -K rx-udp-gro-forwarding (NETIF_F_GRO_UDP_FWD) */
	bool tso;		    /* ethtool -K tso (NETIF_F_ALL_TSO), on by default */
	enum veth_xdp xdp;	    /* attached XDP program */
	struct veth_rq *rq;	    /* rq[0] when NAPI is enabled (GRO or XDP), else NULL */
};

struct net_device;
/* Release what veth_setup allocated (called by nic_free). */
void veth_free(struct net_device *dev);

#endif
