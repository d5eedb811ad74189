/*
 * models/drivers/hw_nic.h - a multi-queue Ethernet NIC: the driver tables and its private state.
 *
 * References: the drivers' RX paths (drivers/net/ethernet/intel/ixgbe/
 * ixgbe_main.c ixgbe_clean_rx_irq / ixgbe_alloc_rx_buffers, mlx5 en_rx.c),
 * Microsoft's RSS specification (Toeplitz hash, indirection table),
 * include/linux/ethtool.h (rings, coalescing), kernel-facts §11 for the
 * drivers' defaults. One device-state struct with its timers inside (QEMU
 * hw/net/e1000.c style).
 *
 * A frame fully received from the wire (R1) is filtered by destination MAC
 * unless promiscuous, steered by RSS to an RX queue, and needs a free
 * descriptor there (R2) or is counted in rx_missed_errors. Its DMA takes
 * len / dma_bandwidth on the NIC's DMA engine plus the PCIe write latency.
 * The queue's MSI-X vector fires per the coalescing rule (R3) on its
 * affinity CPU; the vector is masked from then on (R5) until the NAPI poll
 * completes and napi_complete_done re-arms it (R16; not while a busy
 * poller owns the NAPI or napi_defer_hard_irqs defers it; `threaded: true`
 * polls it in a napi kthread, models/core/dev.h). The driver's poll takes
 * completed frames in order (R8), builds skbs with the driver's truesize
 * (R9) and refills descriptors in batches of `refill_batch` and at the end of
 * each poll; a descriptor is reusable only once refilled. With `xdp:` the
 * poll runs the program (models/core/xdp.h) on each frame between the
 * descriptor work and build_skb (mlx5e_xdp_handle in drivers/net/ethernet/
 * mellanox/mlx5/core/en/xdp.c): XDP_DROP recycles the page, XDP_TX posts the
 * frame on the queue's XDP TX ring (nic_tx.c), XDP_REDIRECT hands it to the
 * queue's AF_XDP socket (models/core/xsk.h); only XDP_PASS builds an skb.
 *
 * The device is a struct net_device (models/core/netdevice.h) with a struct
 * nic_priv at netdev_priv(dev). Files: nic.c (receive, NAPI poll, setup),
 * nic_tx.c (transmit, the vector shared by a queue pair), nic_report.c
 * (ethtool, /proc/interrupts, report.json), nic_drivers.c (the drivers).
 * Outside models/drivers/ only tests include this header.
 *
 * Drivers plug in through struct nic_driver (a const table in
 * models/drivers/nic_drivers.c, registered in drivers.c): defaults and
 * limits, ethtool -S names, the interrupt-coalescing rule and, optionally, an adaptive moderation
 * algorithm (`adaptive_rx: true`, ethtool -C adaptive-rx on; models/lib/net_dim.h)
 * that sets each queue's rx-usecs and rx-frames at the end of every poll
 * that completes.
 *
 * Simplified: no header split or striding RQ, one DMA engine per NIC,
 * frames up to the 2 KiB buffer (MTU 1500).
 */
#ifndef MODELS_HW_NIC_H
#define MODELS_HW_NIC_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/cfg.h"
#include "sim/event.h"
#include "sim/stats.h"
#include "models/lib/dql.h"
#include "models/kernel/cpu.h"
#include "models/core/dev.h"
#include "models/core/netdevice.h"
#include "models/lib/net_dim.h"
#include "models/world.h"

struct nic_rx_queue;
struct sock;
struct xdp_prog;

/*
 * An adaptive interrupt moderation algorithm (ethtool -C adaptive-rx on).
 * Both hooks are REQUIRED.
 */
struct nic_dim_ops {
	const char *name; /* "net_dim", "ixgbe_itr" (reports, docs) */
	/* Set the queue's starting moderation (q->rx_usecs, q->rx_frames) and state. */
	void (*init)(struct nic_rx_queue *q);
	/*
	 * The queue's NAPI poll completed (napi_complete_done) with @work
	 * packets: update the moderation in force before the vector is re-armed.
	 */
	void (*update)(struct nic_rx_queue *q, int work);
};
extern const struct nic_dim_ops net_dim_ops;   /* lib/dim (mlx5) */
extern const struct nic_dim_ops ixgbe_itr_ops; /* ixgbe_update_itr */

struct nic_driver {
	const char *name;	       /* "ixgbe", ... (the scenario's `driver:`) */
	uint32_t rx_ring_default;      /* descriptors */
	uint32_t rx_ring_min;	       /* descriptors */
	uint32_t rx_ring_max;	       /* descriptors */
	uint32_t rx_usecs_default;     /* us */
	uint32_t rx_frames_default;    /* frames, 0 = off */
	uint32_t rx_truesize;	       /* bytes per received frame's skb */
	uint32_t refill_batch;	       /* descriptors refilled together */
	const char *missed_stat;       /* ethtool -S name of ring-full drops */
	const char *coalesce_kind;     /* for docs: "moderation" or "itr" */
	const struct nic_dim_ops *dim; /* adaptive moderation, NULL = not supported */
	uint32_t arfs_filters;	       /* aRFS flow filters (a power of two), 0 = no aRFS */
	bool tx_udp_segmentation;      /* NETIF_F_GSO_UDP_L4 on by default (UDP segmentation
					  offload: the NIC cuts a UDP_SEGMENT skb itself) */
	/*
	 * REQUIRED. A frame of queue @q completes its DMA at @t_ready while
	 * the vector is armed: return when the interrupt fires, given the
	 * queue's coalescing state (which this updates).
	 */
	sim_time_t (*coalesce)(struct nic_rx_queue *q, sim_time_t t_ready);
};

#define NIC_MAX_QUEUES NETDEV_MAX_QUEUES
#define RSS_INDIR_SIZE 128
#define RSS_KEY_LEN    40

struct net_device;

struct nic_rx_queue {
	struct net_device *dev; /* owner */
	uint16_t index;		/* queue number */
	/* ring */
	uint32_t free_desc;	  /* descriptors owned by the NIC, ready for DMA */
	uint32_t to_refill;	  /* taken by the driver, not yet refilled */
	struct sk_buff_head ring; /* frames written or being written, in order */
	/* interrupt */
	struct cpu *cpu;		    /* MSI-X affinity */
	struct irq_desc irq;		    /* the vector */
	char irq_name[40];		    /* "eth0-TxRx-0" */
	bool masked;			    /* vector disabled until napi_complete_done */
	struct sim_event coal_ev;	    /* the interrupt firing after coalescing */
	uint32_t coal_frames;		    /* frames completed since the vector was armed */
	sim_time_t coal_first;		    /* ps: first such completion */
	sim_time_t last_irq;		    /* ps: last interrupt (ITR drivers) */
	uint32_t rx_usecs;		    /* us: moderation in force (ethtool -C, or adaptive) */
	uint32_t rx_frames;		    /* frames: moderation in force, 0 = no frame limit */
	struct dim dim;			    /* adaptive: net_dim state */
	struct ixgbe_ring_container itr_rc; /* adaptive: ixgbe RX ring container */
	uint32_t q_itr;			    /* adaptive: ixgbe q_vector->itr (us << 2) */
	uint64_t itr_pkts, itr_bytes;	    /* adaptive: q->packets, q->bytes at the last update */
	uint64_t moder_changes;		    /* adaptive: times the moderation changed */
	struct sim_level usecs_level;	    /* rx_usecs over time (after warm-up) */
	struct napi_struct napi;	    /* this queue's NAPI */
	struct xdp_prog *xdp;		    /* the device's XDP program, NULL = none */
	struct nic_tx_ring *xdp_tx;	    /* XDP: this queue's XDP TX ring (XDPSQ) */
	/* statistics (ethtool -S) */
	uint64_t packets;	     /* rx_queue_N_packets */
	uint64_t bytes;		     /* rx_queue_N_bytes */
	uint64_t missed;	     /* ring full on this queue */
	uint64_t irqs;		     /* interrupts raised */
	uint64_t polls;		     /* NAPI polls */
	uint64_t xdp_drop;	     /* rx_xdp_drop: XDP_DROP, XDP_ABORTED, failed XDP_TX */
	uint64_t xdp_redirect;	     /* rx_xdp_redirect: XDP_REDIRECT done */
	uint64_t xdp_pass;	     /* XDP_PASS (no mlx5 counter: report.json only) */
	uint64_t xdp_tx_xmit;	     /* rx_xdp_tx_xmit: frames posted on the XDP TX ring */
	uint64_t xdp_tx_full;	     /* rx_xdp_tx_full: XDP TX ring full */
	bool tx_more;		     /* the last poll left TX completions uncleaned */
	struct sim_level ring_level; /* frames in the ring (after warm-up) */
	uint64_t ring_in;	     /* frames admitted (after warm-up) */
	double wait_sum;	     /* ps spent in the ring by frames taken (after warm-up) */
	uint64_t wait_n;	     /* frames taken that arrived after warm-up */
};

/* A TX descriptor: what the driver must release when it cleans it. */
struct nic_tx_desc {
	struct sock *sk;   /* socket whose send buffer the skb was charged to */
	uint32_t truesize; /* bytes charged */
	uint32_t len;	   /* frame bytes (tx_bytes) */
};

/* The NIC's TX ring of one queue (ixgbe_ring); the stack's side is dev->txq[index]. */
struct nic_tx_ring {
	struct netdev_queue *txq;     /* the stack's queue */
	struct nic_tx_desc *desc;     /* [size] ring */
	uint32_t size;		      /* descriptors (ethtool -G tx) */
	uint64_t head;		      /* next descriptor to clean */
	uint64_t done;		      /* descriptors the NIC has completed */
	uint64_t tail;		      /* next free descriptor */
	struct sk_buff_head inflight; /* frames being fetched or sent, by completion time */
	struct sim_event tx_ev;	      /* the head frame's completion */
	uint32_t coal_frames;	      /* completions since the vector was armed */
	sim_time_t coal_first;	      /* ps: the first such completion */
	uint64_t packets, bytes;      /* tx_queue_N_packets / _bytes (at clean) */
};

/* The NIC's private state (netdev_priv of a NIC). */
struct nic_priv {
	struct net_device *netdev;	/* owner */
	const struct nic_driver *drv;	/* driver table */
	sim_time_t tx_wire_free;	/* ps: our transmitter is busy until */
	struct nic_tx_ring *tx;		/* [dev->ntxq] */
	uint32_t tx_ring;		/* descriptors per TX queue (ethtool -G tx) */
	uint32_t tx_usecs;		/* ethtool -C tx-usecs */
	uint32_t tx_frames;		/* ethtool -C tx-frames */
	uint32_t tx_work_limit;		/* descriptors cleaned per poll (IXGBE_DEFAULT_TX_WORK) */
	uint32_t bql_limit;		/* BQL fixed byte limit per TX queue, 0 = not fixed */
	uint32_t bql_limit_min;		/* adaptive BQL: limit_min, bytes */
	uint32_t bql_limit_max;		/* adaptive BQL: limit_max, bytes */
	uint32_t bql_hold;		/* BQL hold_time, jiffies */
	uint16_t bql_stall_thrs;	/* BQL stall_thrs, jiffies (0 = off) */
	bool promisc;			/* IFF_PROMISC */
	bool threaded;			/* /sys/class/net/DEV/threaded: NAPI polled by kthreads */
	uint32_t defer_hard_irqs;	/* /sys/class/net/DEV/napi_defer_hard_irqs */
	sim_time_t gro_flush_timeout;	/* ps: /sys/class/net/DEV/gro_flush_timeout */
	double speed_bps;		/* link speed, bits/s */
	double dma_bps;			/* DMA engine bandwidth, bits/s */
	sim_time_t pcie_latency;	/* ps: DMA write to visible completion */
	sim_time_t dma_free;		/* ps: DMA engine busy until */
	struct sk_buff_head wire;	/* frames on the wire, by arrival time (t_wire) */
	struct sim_event wire_ev;	/* the head frame's arrival */
	uint32_t rx_ring;		/* descriptors per queue (ethtool -G rx) */
	uint32_t rx_usecs;		/* ethtool -C rx-usecs */
	uint32_t rx_frames;		/* ethtool -C rx-frames */
	bool adaptive_rx;		/* ethtool -C adaptive-rx on (the driver's dim) */
	uint32_t truesize;		/* bytes per RX skb */
	int napi_weight;		/* packets per NAPI poll (netif_napi_add_weight) */
	uint32_t nrxq;			/* RX rings (ethtool -L combined) = dev->nrxq */
	struct nic_rx_queue *rxq;	/* [nrxq] */
	uint8_t rss_key[RSS_KEY_LEN];	/* Toeplitz key */
	uint32_t rss_tbl[12][256];	/* Toeplitz contribution of each input byte value */
	uint16_t indir[RSS_INDIR_SIZE]; /* indirection table */
	struct xdp_prog *xdp;		/* native XDP program (`xdp:`), NULL = none */
	struct nic_tx_ring *xdp_tx;	/* [nrxq] XDP TX rings when a program is attached */
	struct nic_arfs_filter *arfs;	/* [drv->arfs_filters] with ntuple on, else NULL */
	uint64_t arfs_steered;		/* filters installed (ndo_rx_flow_steer calls) */
};

/* An aRFS flow filter: frames of the flow with this hash go to queue rxq, before RSS. */
struct nic_arfs_filter {
	uint32_t hash; /* the flow's rxhash (stands for its 5-tuple) */
	uint16_t rxq;  /* RX queue */
	bool used;     /* slot holds a filter */
};

static inline struct nic_priv *nic_priv(const struct net_device *dev)
{
	return netdev_priv(dev);
}

/* The NIC's reporting (models/drivers/nic_report.c). */
extern const struct ethtool_ops nic_ethtool_ops;

#endif
