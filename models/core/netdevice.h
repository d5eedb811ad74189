/*
 * models/core/netdevice.h - the generic network device: struct net_device, its TX and RX
 * queues, the driver's ops, and the registry of device drivers.
 *
 * Kernel references: include/linux/netdevice.h (struct net_device, struct
 * netdev_queue, struct netdev_rx_queue, struct net_device_ops,
 * netdev_priv, alloc_netdev_mqs, free_netdev), include/linux/ethtool.h
 * (struct ethtool_ops, ethtool_ringparam), include/net/rtnetlink.h
 * (rtnl_link_ops: a device kind by name with its priv_size and setup).
 *
 * Invariants:
 *  - dev->txq[0..ntxq) and dev->rxq[0..nrxq) exist once the driver's setup
 *    returned 0; every TX queue has a qdisc (noqueue for a device without a
 *    ring). ntxq >= 1 for every device.
 *  - The driver's private state is netdev_priv(dev): priv_size bytes, zeroed,
 *    allocated with the device in one block (alloc_netdev), at an offset and
 *    an address aligned to NETDEV_ALIGN, and freed with it (free_netdev),
 *    after the driver's ndo_uninit released what it allocated.
 *  - The core (models/core, ipv4, sched, apps, report, scenario.c) knows a
 *    device only through this header: it never names a driver nor reads a
 *    driver's private state. Drivers reach each other through these ops.
 *  - The device's counters are struct rtnl_link_stats64's, kept by whoever
 *    counts (driver or core) at the time of the event; what a driver keeps
 *    elsewhere its ndo_get_stats64 adds: readers use dev_get_stats.
 *  - A device has at most one rx_handler (netdev_rx_handler_register), called
 *    by __netif_receive_skb_core for every frame received on it; a bridge
 *    port's master is its bridge. Stacked devices (bridge, VLAN) send
 *    through their lower devices' dev_queue_xmit from their ndo_start_xmit.
 *
 * Kernel references for the stacking: include/linux/netdevice.h
 * (rx_handler_result, netdev_rx_handler_register), net/ethernet/eth.c
 * (eth_type_trans's pkt_type).
 *
 * Simplified: one IPv4 address per device; MAC addresses are 48-bit numbers; a device is created from its
 * scenario mapping in one step (no register/open/close states); the link
 * between two hardware NICs (`links:`) is modelled as a property of both
 * ends (peer, delay, loss).
 */
#ifndef MODELS_NETDEVICE_H
#define MODELS_NETDEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "sim/cfg.h"
#include "sim/error.h"
#include "sim/rng.h"
#include "models/core/dev.h"
#include "models/core/skb.h"
#include "models/kernel/cpu.h"
#include "models/lib/dql.h"
#include "models/world.h"

struct Qdisc;
struct sock;
struct xdp_sock;
struct xdp_prog;

#define NETDEV_MAX_QUEUES 64 /* TX or RX queues of one device */

/*
 * struct netdev_queue: one TX queue as the stack sees it (its qdisc, the
 * driver's and BQL's stop bits, XPS). A driver's descriptor ring is private.
 */
struct netdev_queue {
	struct net_device *dev; /* owner */
	uint16_t index;		/* queue number */
	struct Qdisc *qdisc;	/* this queue's qdisc (a child of mq, or the root) */
	bool stopped;		/* netif_tx_stop_queue (__QUEUE_STATE_DRV_XOFF) */
	bool stack_xoff;	/* BQL: __QUEUE_STATE_STACK_XOFF */
	struct dql dql;		/* BQL state (used when dev->bql is set) */
	uint64_t bql_inflight;	/* bytes posted, not yet cleaned (dql num_queued - num_completed) */
	uint64_t stops, wakes;	/* netif_tx_stop_queue / netif_tx_wake_queue */
	uint64_t busy;		/* NETDEV_TX_BUSY returned */
	struct cpu *sched_cpu;	/* CPU that last ran this queue's qdisc */
	bool on_output_queue;	/* on a CPU's NET_TX output queue */
	uint64_t xps_mask;	/* CPUs that send on this queue (xps_cpus), 0 = none */
};

/* struct netdev_rx_queue: one RX queue as the stack sees it (RPS). */
struct netdev_rx_queue {
	struct net_device *dev;	       /* owner */
	uint16_t index;		       /* queue number */
	struct cpu *irq_cpu;	       /* CPU its interrupt is affine to, NULL = no interrupt */
	uint16_t rps_map[64];	       /* /sys/class/net/DEV/queues/rx-N/rps_cpus: CPUs */
	uint32_t rps_len;	       /* entries, 0 = RPS off */
	struct rps_dev_flow *rps_flow; /* RFS: [rps_flow_mask + 1] (rps_flow_cnt), NULL = off */
	uint32_t rps_flow_mask;	       /* rps_flow_cnt - 1 (a power of two minus one) */
	struct xdp_sock *xsk; /* AF_XDP socket bound to this queue (its pool), NULL = none */
};

#define RPS_NO_CPU 0xffff /* rps_dev_flow.cpu of a flow never steered */

/* include/net/rps.h struct rps_dev_flow: where RFS last sent a flow of this queue. */
struct rps_dev_flow {
	uint16_t cpu;	     /* CPU its packets are steered to, RPS_NO_CPU for none */
	uint32_t last_qtail; /* that CPU's input_queue_tail after the flow's last packet */
};

/* struct ethtool_ringparam (ethtool -g) plus the hardware RX queue count (ethtool -l). */
struct ethtool_ringparam {
	uint32_t rx_queues;	 /* hardware RX rings (0 for a virtual device) */
	uint32_t rx_pending;	 /* descriptors per RX ring */
	uint32_t tx_pending;	 /* descriptors per TX ring (1 without a ring) */
	uint32_t xdp_tx_pending; /* descriptors per XDP TX ring, one per RX ring (0: none) */
};

/* One RX ring of a driver as the report's queue table sees it ("eth0 rx-1"). */
struct netdev_queue_obs {
	const char *kind;	       /* "rx_ring", "veth_ring" */
	uint32_t index;		       /* the ring's queue number */
	const struct sim_level *level; /* occupancy over time (after warm-up) */
	uint64_t in;		       /* packets admitted (after warm-up) */
	double wait_sum;	       /* ps waited by packets taken (after warm-up) */
	uint64_t wait_n;	       /* packets taken that arrived after warm-up */
};

/* struct rtnl_link_stats64: the counters `ip -s link` and /proc/net/dev show. */
struct rtnl_link_stats64 {
	uint64_t rx_packets, rx_bytes, rx_dropped, rx_missed_errors, rx_errors; /* frames, bytes */
	uint64_t rx_crc_errors, rx_nohandler;					/* frames */
	uint64_t tx_packets, tx_bytes, tx_dropped, tx_errors;			/* frames, bytes */
	uint64_t rx_mac_filtered; /* frames the MAC filter discarded (not a Linux counter) */
};

/* The fullest RX ring of a device after the warm-up (the report's headroom). */
struct netdev_ring_usage {
	int64_t max;	/* largest occupancy of any ring, descriptors */
	uint32_t queue; /* the ring it was seen on */
	uint64_t drops; /* whole-run drops for a full ring */
	uint32_t limit; /* descriptors per ring */
};

/*
 * struct net_device_ops: what the core asks of a driver. ndo_start_xmit is
 * REQUIRED; the rest is optional (NULL: nothing to do, or not supported).
 */
struct net_device_ops {
	/*
	 * ndo_start_xmit: NETDEV_TX_OK (the device owns @skb), NETDEV_TX_BUSY
	 * (requeue it) or NET_XMIT_DROP (the device dropped and freed it). A
	 * stacked device (bridge, VLAN) hands @skb to a lower device's
	 * dev_queue_xmit and adds that work to *@cycles (its own is xmit_cost).
	 */
	int (*ndo_start_xmit)(struct cpu *c, struct net_device *dev, struct sk_buff *skb,
			      uint16_t txq, uint64_t *cycles);
	/*
	 * ndo_get_stats64: add to @s (the device's own counters, copied by
	 * dev_get_stats) what the driver keeps elsewhere (per-queue, or the peer's).
	 */
	void (*ndo_get_stats64)(const struct net_device *dev, struct rtnl_link_stats64 *s);
	/* ndo_uninit: release what the driver allocated (before free_netdev). */
	void (*ndo_uninit)(struct net_device *dev);
	/*
	 * ndo_rx_flow_steer (aRFS): make the hardware deliver @skb's flow to RX
	 * queue @rxq_index from now on; the filter's id, or a negative errno.
	 */
	int (*ndo_rx_flow_steer)(struct net_device *dev, const struct sk_buff *skb,
				 uint16_t rxq_index, uint32_t flow_id);
	/* The end of the warm-up: restart the driver's queue statistics at @now. */
	void (*ndo_stats_reset)(struct net_device *dev, sim_time_t now);
	/*
	 * After every host is built: join @dev to what it names (a veth's
	 * peer). 0 or -1 with @err set.
	 */
	int (*ndo_link)(struct world *w, struct net_device *dev, struct sim_error *err);
	/*
	 * The hardware side (NULL for a virtual device). ndo_wire_time: the
	 * link time of an L2 frame of @len bytes without FCS (ps).
	 * ndo_wire_send: put a frame generated now on the wire towards @dev
	 * (it arrives after the frames before it). ndo_wire_receive: the
	 * frame's last bit reached the device now. The device owns @skb.
	 */
	sim_time_t (*ndo_wire_time)(const struct net_device *dev, uint32_t len);
	void (*ndo_wire_send)(struct net_device *dev, struct sk_buff *skb);
	void (*ndo_wire_receive)(struct net_device *dev, struct sk_buff *skb);
	/* A frame from the linked peer: its last bit reaches @dev at @t_arrival (ps). */
	void (*ndo_wire_deliver)(struct net_device *dev, struct sk_buff *skb, sim_time_t t_arrival);
	/* The RSS hash the hardware gives a 4-tuple (skb->hash of a frame it receives). */
	uint32_t (*ndo_rx_hash)(const struct net_device *dev, uint32_t saddr, uint32_t daddr,
				uint16_t sport, uint16_t dport);
};

/*
 * struct ethtool_ops plus the report's view of a device: what the driver
 * reports in the Linux-format files and report.json. All optional except
 * report_json.
 */
struct ethtool_ops {
	/* ethtool -S DEV (NULL: no ethtool_S_DEV file). */
	void (*get_ethtool_stats)(const struct net_device *dev, FILE *f);
	/* ethtool -c DEV (NULL: no ethtool_c_DEV file). */
	void (*get_coalesce)(const struct net_device *dev, FILE *f);
	/* ethtool -g / -l (NULL: no RX ring, one TX descriptor). */
	void (*get_ringparam)(const struct net_device *dev, struct ethtool_ringparam *r);
	/* REQUIRED. The device's report.json object. */
	cJSON *(*report_json)(const struct net_device *dev);
	/* Lines of the host's text report (adaptive moderation), optional. */
	void (*report_text)(const struct net_device *dev, FILE *f);
	/* The device's RX rings for the report's queue table, at most @max; returns the count. */
	uint32_t (*report_queues)(const struct net_device *dev, struct netdev_queue_obs *out,
				  uint32_t max);
	/* The fullest RX ring; false when the device has none. */
	bool (*get_ring_usage)(const struct net_device *dev, struct netdev_ring_usage *u);
	/*
	 * The device's MSI-X lines of /proc/interrupts, numbered from *@irq
	 * (advanced per line); @slot is the device's place on its host (its PCI bus - 1).
	 */
	void (*show_interrupts)(const struct net_device *dev, uint32_t slot, uint32_t *irq,
				FILE *f);
	/* `bridge fdb show br DEV` of a bridge (NULL: no bridge_fdb_DEV file). */
	void (*show_fdb)(const struct net_device *dev, FILE *f);
};

/*
 * rx_handler_result (include/linux/netdevice.h): what a device's rx_handler
 * tells __netif_receive_skb_core. CONSUMED: the handler owns (forwarded,
 * queued or freed) the skb; ANOTHER: skb->dev was changed, process it again
 * as received on that device (taps, VLAN, its rx_handler, L3); EXACT: no
 * wildcard protocol handlers (not used); PASS: go on as if there were no
 * handler.
 */
enum rx_handler_result {
	RX_HANDLER_CONSUMED,
	RX_HANDLER_ANOTHER,
	RX_HANDLER_EXACT,
	RX_HANDLER_PASS,
};
typedef enum rx_handler_result rx_handler_result_t;
/*
 * rx_handler_func_t: called on CPU @c for every frame received on a device
 * that registered it (netdev_rx_handler_register), after the taps; *@pskb
 * may be replaced; its CPU work goes to *@cycles.
 */
typedef rx_handler_result_t (*rx_handler_func_t)(struct cpu *c, struct sk_buff **pskb,
						 uint64_t *cycles);

struct vlan_info;

#define ETH_ADDR_BCAST 0xffffffffffffULL /* ff:ff:ff:ff:ff:ff as a 48-bit number */

struct net_device {
	char name[16];				 /* "eth0" */
	struct host *host;			 /* owner */
	const struct netdev_driver *driver;	 /* how it was made (registry entry) */
	const struct net_device_ops *netdev_ops; /* the driver's ops */
	const struct ethtool_ops *ethtool_ops;	 /* its reporting */
	const uint64_t *xmit_cost;		 /* cycles of ndo_start_xmit: one of host->costs */
	bool loopback;				 /* IFF_LOOPBACK (lo) */
	uint32_t mtu;				 /* bytes of IP packet */
	uint32_t txqueuelen; /* ip link txqueuelen (pfifo_fast limit per band) */
	uint32_t addr;	     /* IPv4 address, host order */
	uint32_t prefix_len; /* its prefix */
	uint64_t dev_addr;   /* MAC address (dev->dev_addr) as a 48-bit number, 0 for lo */
	/* stacked devices (bridge ports, VLANs on this device) */
	rx_handler_func_t rx_handler; /* netdev_rx_handler_register: a bridge port's, or NULL */
	void *rx_handler_data;	      /* the handler's state (struct net_bridge_port) */
	struct vlan_info *vlan_info;  /* VLAN devices on this one (vlan_vid_add), or NULL */
	struct net_device *master;    /* the bridge this device is a port of, or NULL */
	/* the link to another device (a cable between NICs, a veth pair) */
	struct net_device *peer; /* other end, NULL = the outside world */
	sim_time_t link_delay;	 /* ps: propagation to the peer */
	double link_loss;	 /* fraction of frames lost on the link */
	struct sim_rng link_rng; /* loss draws */
	sim_time_t wire_free;	 /* ps: the link is busy until (receive direction) */
	uint32_t nsources;	 /* traffic sources feeding this device's wire */
	/* queues */
	uint32_t ntxq;		     /* TX queues (real_num_tx_queues) */
	struct netdev_queue *txq;    /* [ntxq] (dev->_tx) */
	uint32_t nrxq;		     /* RX queues (real_num_rx_queues) */
	struct netdev_rx_queue *rxq; /* [nrxq] (dev->_rx) */
	struct Qdisc *qdisc;   /* the root qdisc (dev->qdisc): mq, a shared root, or txq[0]'s */
	bool bql;	       /* BQL on: adaptive, or fixed at a limit */
	bool xps;	       /* some TX queue has an xps_cpus mask */
	bool gro;	       /* NETIF_F_GRO (ethtool -K gro) */
	bool gso_udp_l4;       /* NETIF_F_GSO_UDP_L4 (ethtool -K tx-udp-segmentation): takes a
				UDP_SEGMENT skb whole (a NIC cuts it; lo, veth pass it on) */
	uint32_t gso_max_size; /* bytes: netif_get_gso_max_size (GSO_LEGACY_MAX_SIZE 65536): a
				  GSO skb this long or longer is segmented in software */
	bool ntuple;	       /* NETIF_F_NTUPLE (ethtool -K ntuple on): aRFS with RFS */
	struct xdp_prog *xdp_generic;	     /* generic XDP program (do_xdp_generic), NULL = none */
	uint32_t ntaps;			     /* AF_PACKET sockets bound here */
	struct sock *taps[MAX_TAPS_PER_DEV]; /* ptype_all */
	/* the device's own counters (struct rtnl_link_stats64; read them with dev_get_stats) */
	uint64_t rx_packets, rx_bytes, rx_dropped, rx_missed_errors, rx_errors;
	uint64_t rx_crc_errors, rx_nohandler;
	uint64_t tx_packets, tx_bytes, tx_dropped, tx_errors;
	uint64_t rx_mac_filtered; /* frames the MAC filter discarded (not a Linux counter) */
	/* the driver's private state follows (netdev_priv), aligned to NETDEV_ALIGN */
};

#define NETDEV_ALIGN	    32	  /* NETDEV_ALIGN */
#define GSO_LEGACY_MAX_SIZE 65536 /* bytes: a device's default gso_max_size */
#define NETDEV_PRIV_OFFSET                                                                         \
	((sizeof(struct net_device) + NETDEV_ALIGN - 1) & ~(size_t)(NETDEV_ALIGN - 1))

/* netdev_priv: the driver's private area, right after the device. */
static inline void *netdev_priv(const struct net_device *dev)
{
	return (char *)dev + NETDEV_PRIV_OFFSET;
}

/*
 * A device driver (rtnl_link_ops-like): found by the scenario's `driver:`
 * name in models/drivers/drivers.c. setup is REQUIRED.
 */
struct netdev_driver {
	const char *name; /* "ixgbe", "veth", ... (the scenario's `driver:`) */
	size_t priv_size; /* bytes of private state at netdev_priv(dev) */
	bool scenario;	  /* may be named in a scenario (false: lo, made by every host) */
	const void *hw;	  /* the driver's own table (a NIC's struct nic_driver), or NULL */
	/*
	 * Build @dev (name, host, driver set; private area zeroed) from its
	 * scenario mapping @n (NULL for a device every host has): the driver's
	 * keys, its queues and their qdiscs, its ops. 0 or -1 with @err set;
	 * the device is freed with free_netdev either way.
	 */
	int (*setup)(struct net_device *dev, const struct cfg_node *n, struct sim_error *err);
};

/* The registry (models/drivers/drivers.c): NULL-terminated. */
extern const struct netdev_driver *const netdev_drivers[];
/* Find a driver by name; NULL when unknown. */
const struct netdev_driver *netdev_driver_find(const char *name);
/* Record "unknown driver 'X' (did you mean 'Y'?)" or "(known: ...)" at @v. Returns -1. */
int netdev_driver_unknown(const struct cfg_node *v, const char *name, struct sim_error *err);

/*
 * alloc_netdev + the driver's setup: a device of @drv on @h called @name,
 * built from its scenario mapping @n (NULL for lo), whose unknown keys are
 * errors after setup ("nic 'NAME'"). *@out is the device (also on error, for
 * free_netdev) or NULL when out of memory. 0 or -1 with @err set.
 */
int netdev_create(struct host *h, const struct netdev_driver *drv, const struct cfg_node *n,
		  const char *name, struct net_device **out, struct sim_error *err);
/* The root qdisc (and its children), the driver's ndo_uninit, the queues, the device. NULL is fine. */
void free_netdev(struct net_device *dev);
/* Allocate @ntxq TX and @nrxq RX queues (zeroed, owner and index set). 0 or -1. */
int netif_alloc_queues(struct net_device *dev, uint32_t ntxq, uint32_t nrxq);
/* The end of the warm-up for @dev's driver. */
void netdev_stats_reset(struct net_device *dev, sim_time_t now);
/* Every device's ndo_link (veth pairing); on error *@bad is the device at fault. */
int netdev_link_all(struct world *w, struct net_device **bad, struct sim_error *err);
/* The device @spec ("HOST/DEV") of @w, or NULL. */
struct net_device *netdev_find(struct world *w, const char *spec);
/* The ifindex of @dev in its namespace: lo is 1, the scenario's devices follow in order. */
unsigned netdev_ifindex(const struct net_device *dev);
/* dev_get_stats: the device's counters plus its driver's ndo_get_stats64. */
void dev_get_stats(const struct net_device *dev, struct rtnl_link_stats64 *s);
/*
 * netdev_rx_handler_register: @handler and @data for frames received on
 * @dev. -1 when the device has one already (-EBUSY).
 */
int netdev_rx_handler_register(struct net_device *dev, rx_handler_func_t handler, void *data);
/*
 * eth_type_trans's pkt_type: PACKET_HOST for a frame to @dev's MAC address,
 * broadcast, or with no destination modelled (0), else PACKET_OTHERHOST.
 */
uint8_t eth_pkt_type(const struct net_device *dev, const struct sk_buff *skb);
/* A unicast MAC address "02:00:00:00:00:01" into *@out. 0, or -1 when malformed. */
int eth_addr_parse(const char *s, uint64_t *out);
/* A MAC address as Linux prints it ("02:3a:...") into @buf (at least 18 bytes). */
void eth_addr_fmt(char *buf, uint64_t addr);
/* The ring sizes of @dev (ethtool -g), with the defaults for a device without rings. */
void netdev_get_ringparam(const struct net_device *dev, struct ethtool_ringparam *r);

/*
 * The `rps_cpus` key of mapping @n (a CPU list "0-3,6" or a hex mask "f"
 * within @h's CPUs) into @map; *len 0 when absent or "". 0 or -1.
 */
int netif_parse_rps_cpus(const struct host *h, const struct cfg_node *n, uint16_t map[64],
			 uint32_t *len, struct sim_error *err);
/*
 * The `rps_flow_cnt` key of mapping @n: an RFS flow table of that many
 * entries (rounded up to a power of two) on every RX queue of @dev; call after
 * the queues exist. 0 or -1 with @err set.
 */
int netif_parse_rps_flow_cnt(struct net_device *dev, const struct cfg_node *n,
			     struct sim_error *err);
/* Set the rps map of every RX queue of @dev (/sys/class/net/DEV/queues/rx-N/rps_cpus). */
void netif_set_rps_map(struct net_device *dev, const uint16_t *map, uint32_t len);
/*
 * dev_activate (attach_default_qdiscs, with the scenario's `qdisc:` key of
 * @n): one qdisc per TX queue, of the configured kind or @default_kind
 * ("noqueue" for a device without a TX ring); on a multi-queue device the
 * root is mq with those as children, unless `parent: root` makes one
 * qdisc the root of every queue. 0 or -1 with @err set.
 */
int dev_activate(struct net_device *dev, const struct cfg_node *n, const char *default_kind,
		 struct sim_error *err);
/* The `address` key ("10.0.0.1/24" or "10.0.0.1") into dev->addr, dev->prefix_len. */
int netdev_parse_addr(struct net_device *dev, const struct cfg_node *n, struct sim_error *err);

/* Reporting helpers for drivers (models/core/net_device.c). */
/* The rtnl_link_stats64 members of report.json's device object, in the report's order. */
void netdev_json_stats(const struct net_device *dev, cJSON *o);
/* byte_queue_limits of each TX queue (sysfs units: bytes, ms), a JSON array. */
cJSON *netdev_json_bql(const struct net_device *dev);
/* `grep . /sys/class/net/DEV/queues/tx-* /byte_queue_limits/ *` of @dev. */
void netdev_show_bql(const struct net_device *dev, FILE *f);
/* /proc/net/dev line of @dev. */
void netdev_show_proc_net_dev(const struct net_device *dev, FILE *f);

#endif
