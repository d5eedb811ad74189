/*
 * models/drivers/nic.h - a multi-queue Ethernet NIC and its driver's receive side.
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
 * completes and napi_complete_done re-arms it (R16). The driver's poll takes
 * completed frames in order (R8), builds skbs with the driver's truesize
 * (R9) and refills descriptors in batches of `refill_batch` and at the end of
 * each poll; a descriptor is reusable only once refilled.
 *
 * Drivers plug in through struct nic_driver (a const table found by name in
 * models/drivers/nic_drivers.c): defaults and limits, ethtool -S names, the
 * interrupt-coalescing rule and, optionally, an adaptive moderation
 * algorithm (`adaptive_rx: true`, ethtool -C adaptive-rx on; models/lib/net_dim.h)
 * that sets each queue's rx-usecs and rx-frames at the end of every poll
 * that completes.
 *
 * Simplified: no header split or striding RQ, one DMA engine per NIC,
 * frames up to the 2 KiB buffer (MTU 1500).
 */
#ifndef MODELS_NIC_H
#define MODELS_NIC_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/cfg.h"
#include "sim/event.h"
#include "sim/stats.h"
#include "models/lib/dql.h"
#include "models/kernel/cpu.h"
#include "models/core/dev.h"
#include "models/lib/net_dim.h"
#include "models/world.h"

struct nic_rx_queue;
struct sock;

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
	bool virt;		       /* a virtual device (veth): no rings, DMA or interrupts */
	const struct nic_dim_ops *dim; /* adaptive moderation, NULL = not supported */
	/*
	 * REQUIRED. A frame of queue @q completes its DMA at @t_ready while
	 * the vector is armed: return when the interrupt fires, given the
	 * queue's coalescing state (which this updates).
	 */
	sim_time_t (*coalesce)(struct nic_rx_queue *q, sim_time_t t_ready);
};

/* Find a driver by name; NULL when unknown. */
const struct nic_driver *nic_driver_find(const char *name);
/* Record "unknown driver 'X' (did you mean 'Y'?)" or "(known: ...)" at @v. Returns -1. */
int nic_driver_unknown(const struct cfg_node *v, const char *name, struct sim_error *err);

#define NIC_MAX_QUEUES 64
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
	/* RPS (/sys/class/net/DEV/queues/rx-N/rps_cpus) */
	uint16_t rps_map[64]; /* CPUs */
	uint32_t rps_len;     /* entries, 0 = RPS off */
	/* statistics (ethtool -S) */
	uint64_t packets;	     /* rx_queue_N_packets */
	uint64_t bytes;		     /* rx_queue_N_bytes */
	uint64_t missed;	     /* ring full on this queue */
	uint64_t irqs;		     /* interrupts raised */
	uint64_t polls;		     /* NAPI polls */
	bool tx_more;		     /* the last poll left TX completions uncleaned */
	struct sim_level ring_level; /* frames in the ring (after warm-up) */
	uint64_t ring_in;	     /* frames admitted (after warm-up) */
	double wait_sum;	     /* ps spent in the ring by frames taken (after warm-up) */
	uint64_t wait_n;	     /* frames taken that arrived after warm-up */
};

struct packet_tap;
struct Qdisc;
struct veth_priv;

/* A TX descriptor: what the driver must release when it cleans it. */
struct nic_tx_desc {
	struct sock *sk;   /* socket whose send buffer the skb was charged to */
	uint32_t truesize; /* bytes charged */
	uint32_t len;	   /* frame bytes (tx_bytes) */
};

struct nic_tx_queue {
	struct net_device *dev;	  /* owner */
	uint16_t index;		  /* queue number (paired with RX queue index) */
	struct nic_tx_desc *desc; /* [size] ring */
	uint32_t size;		  /* descriptors (ethtool -G tx) */
	uint64_t head;		  /* next descriptor to clean */
	uint64_t done;		  /* descriptors the NIC has completed */
	uint64_t tail;		  /* next free descriptor */
	bool stopped;		  /* netif_tx_stop_queue (__QUEUE_STATE_DRV_XOFF) */
	bool stack_xoff;	  /* BQL: __QUEUE_STATE_STACK_XOFF */
	struct dql dql;		  /* BQL state (used when dev->bql is set) */
	uint64_t bql_inflight; /* bytes posted, not yet cleaned (dql num_queued - num_completed) */
	struct sk_buff_head inflight; /* frames being fetched or sent, by completion time */
	struct sim_event tx_ev;	      /* the head frame's completion */
	struct Qdisc *qdisc;	      /* this queue's qdisc (child of mq, or the root) */
	uint32_t coal_frames;	      /* completions since the vector was armed */
	sim_time_t coal_first;	      /* ps: the first such completion */
	uint64_t packets, bytes;      /* tx_queue_N_packets / _bytes (at clean) */
	uint64_t stops, wakes;	      /* netif_tx_stop_queue / netif_tx_wake_queue */
	uint64_t busy;		      /* NETDEV_TX_BUSY returned */
	struct cpu *sched_cpu;	      /* CPU that last ran this queue's qdisc */
	bool on_output_queue;	      /* on a CPU's NET_TX output queue */
	uint64_t xps_mask;	      /* CPUs that send on this queue (xps_cpus), 0 = none */
};

/* struct net_device_ops: how a device transmits (REQUIRED). */
struct net_device_ops {
	/*
	 * ndo_start_xmit: NETDEV_TX_OK (the device owns @skb), NETDEV_TX_BUSY
	 * (requeue it) or NET_XMIT_DROP (the device dropped and freed it).
	 */
	int (*ndo_start_xmit)(struct cpu *c, struct net_device *dev, struct sk_buff *skb,
			      uint16_t txq);
};

struct net_device {
	char name[16];				 /* "eth0" */
	struct host *host;			 /* owner */
	const struct nic_driver *drv;		 /* driver table */
	const struct net_device_ops *netdev_ops; /* transmit */
	bool loopback;				 /* IFF_LOOPBACK (lo) */
	uint32_t mtu;				 /* bytes of IP packet */
	struct net_device *peer;	/* other end of the link, NULL = the outside world */
	sim_time_t link_delay;		/* ps: propagation to the peer */
	double link_loss;		/* fraction of frames lost on the link */
	struct sim_rng link_rng;	/* loss draws */
	sim_time_t tx_wire_free;	/* ps: our transmitter is busy until */
	uint32_t ntxq;			/* TX queues (= RX queues, combined channels) */
	struct nic_tx_queue *txq;	/* [ntxq] */
	uint32_t tx_ring;		/* descriptors per TX queue (ethtool -G tx) */
	uint32_t tx_usecs;		/* ethtool -C tx-usecs */
	uint32_t tx_frames;		/* ethtool -C tx-frames */
	uint32_t tx_work_limit;		/* descriptors cleaned per poll (IXGBE_DEFAULT_TX_WORK) */
	uint32_t txqueuelen;		/* ip link txqueuelen (pfifo_fast limit per band) */
	uint32_t bql_limit;		/* BQL fixed byte limit per TX queue, 0 = not fixed */
	uint32_t bql_limit_min;		/* adaptive BQL: limit_min, bytes */
	uint32_t bql_limit_max;		/* adaptive BQL: limit_max, bytes */
	uint32_t bql_hold;		/* BQL hold_time, jiffies */
	uint16_t bql_stall_thrs;	/* BQL stall_thrs, jiffies (0 = off) */
	bool bql;			/* BQL on: adaptive, or fixed at bql_limit */
	bool mq;			/* root qdisc is mq (one child per TX queue) */
	bool xps;			/* some TX queue has an xps_cpus mask */
	char peer_name[48];		/* veth: the other end, HOST/DEV, until resolved */
	struct veth_priv *veth;		/* veth: private state, NULL for other devices */
	uint32_t addr;			/* IPv4 address, host order */
	uint32_t prefix_len;		/* its prefix */
	bool promisc;			/* IFF_PROMISC */
	double speed_bps;		/* link speed, bits/s */
	double dma_bps;			/* DMA engine bandwidth, bits/s */
	sim_time_t pcie_latency;	/* ps: DMA write to visible completion */
	sim_time_t dma_free;		/* ps: DMA engine busy until */
	sim_time_t wire_free;		/* ps: the link is busy until (receive direction) */
	struct sk_buff_head wire;	/* frames on the wire, by arrival time (t_wire) */
	uint32_t nsources;		/* traffic sources feeding this NIC */
	struct sim_event wire_ev;	/* the head frame's arrival */
	uint32_t rx_ring;		/* descriptors per queue (ethtool -G rx) */
	uint32_t rx_usecs;		/* ethtool -C rx-usecs */
	uint32_t rx_frames;		/* ethtool -C rx-frames */
	bool adaptive_rx;		/* ethtool -C adaptive-rx on (the driver's dim) */
	uint32_t truesize;		/* bytes per RX skb */
	int napi_weight;		/* packets per NAPI poll (netif_napi_add_weight) */
	bool gro;			/* NETIF_F_GRO (ethtool -K gro), on for a NIC */
	uint32_t nrxq;			/* RX queues (ethtool -L combined) */
	struct nic_rx_queue *rxq;	/* [nrxq] */
	uint8_t rss_key[RSS_KEY_LEN];	/* Toeplitz key */
	uint32_t rss_tbl[12][256];	/* Toeplitz contribution of each input byte value */
	uint16_t indir[RSS_INDIR_SIZE]; /* indirection table */
	uint32_t ntaps;			/* AF_PACKET sockets bound here */
	struct sock *taps[MAX_TAPS_PER_DEV]; /* ptype_all */
	/* struct rtnl_link_stats64 */
	uint64_t rx_packets, rx_bytes, rx_dropped, rx_missed_errors, rx_errors;
	uint64_t rx_crc_errors, rx_nohandler;
	uint64_t tx_packets, tx_bytes, tx_dropped, tx_errors;
	uint64_t rx_mac_filtered; /* frames the MAC filter discarded (not a Linux counter) */
};

/* Build the device from its scenario mapping. 0 or -1 with @err set. */
int nic_create(struct host *h, const struct cfg_node *n, struct net_device **out,
	       struct sim_error *err);
void nic_free(struct net_device *dev);

/*
 * Put a frame generated now on the wire towards @dev: it arrives (t_wire)
 * after the frames before it plus its own serialisation time, and
 * nic_receive() runs then. @skb carries headers, hash and SKB_F_OTHER_MAC;
 * the NIC takes ownership.
 */
void nic_wire_send(struct net_device *dev, struct sk_buff *skb);
/* The frame's last bit reached the NIC (R1, R2). */
void nic_receive(struct net_device *dev, struct sk_buff *skb);

/*
 * A frame from a linked NIC: its last bit reaches @dev at @t_arrival (>= the
 * previous one's). nic_receive() runs then.
 */
void nic_wire_deliver(struct net_device *dev, struct sk_buff *skb, sim_time_t t_arrival);
/* Build the TX side of @dev (queues, rings, qdiscs) from its mapping @n. */
int nic_tx_create(struct net_device *dev, const struct cfg_node *n, struct sim_error *err);
/* A virtual device's TX side: @ntxq queues, each with a qdisc (default noqueue), @ops. */
int nic_tx_setup_virtual(struct net_device *dev, const struct cfg_node *n,
			 const struct net_device_ops *ops, uint32_t ntxq, struct sim_error *err);
/*
 * The `rps_cpus` key of mapping @n (a CPU list "0-3,6" or a hex mask "f"
 * within @h's CPUs) into @map; *len 0 when absent or "". 0 or -1.
 */
int nic_parse_rps_cpus(const struct host *h, const struct cfg_node *n, uint16_t map[64],
		       uint32_t *len, struct sim_error *err);
/* veth (models/drivers/veth.c): the device's own keys, and joining the pairs of a world. */
int veth_setup(struct net_device *dev, const struct cfg_node *n, struct sim_error *err);
/* Pair every veth with its peer; on error *@bad is the veth whose 'peer' is wrong. */
int veth_link_peers(struct world *w, struct net_device **bad, struct sim_error *err);
/* The loopback device of host @h (lo, 127.0.0.1/8, noqueue). */
struct net_device *loopback_create(struct host *h, struct sim_error *err);
/* TX completions to clean at the start of a NAPI poll; *cycles grows. true = more left. */
bool nic_tx_clean(struct nic_rx_queue *rq, uint64_t *cycles);
/* The queue pair's vector should fire at @t (earliest wins; ignored while masked). */
void nic_vector_arm(struct nic_rx_queue *rq, sim_time_t t);
/* Arm the queue pair's vector for pending TX completions (after napi_complete_done). */
void nic_tx_rearm(struct nic_rx_queue *rq);
/* Wire time of an L2 frame of @len bytes without FCS: (len + 4 + 20) * 8 / speed. */
sim_time_t nic_wire_time(const struct net_device *dev, uint32_t len);

/* The RSS hash of a 4-tuple with @key (Toeplitz over saddr, daddr, sport, dport). */
uint32_t toeplitz_hash(const uint8_t *key, uint32_t saddr, uint32_t daddr, uint16_t sport,
		       uint16_t dport);
extern const uint8_t rss_default_key[RSS_KEY_LEN];
/* The same hash from a table built by toeplitz_table_init (one XOR per input byte). */
void toeplitz_table_init(uint32_t tbl[12][256], const uint8_t *key);
uint32_t toeplitz_hash_tbl(const uint32_t tbl[12][256], uint32_t saddr, uint32_t daddr,
			   uint16_t sport, uint16_t dport);

/* Queue statistics reset at the end of the warm-up. */
void nic_stats_reset(struct net_device *dev, sim_time_t now);

#endif
