/*
 * models/core/dev.h - the device layer: NAPI, net_rx_action, GRO, RPS, backlog, taps.
 *
 * Kernel references: net/core/dev.c (net_rx_action, napi_poll, __napi_poll,
 * ____napi_schedule, napi_complete_done, netif_receive_skb_internal,
 * get_rps_cpu, enqueue_to_backlog, skb_flow_limit, napi_schedule_rps,
 * net_rps_send_ipi, rps_trigger_softirq, process_backlog,
 * __netif_receive_skb_core, deliver_skb), net/core/gro.c (dev_gro_receive,
 * gro_normal_one, gro_normal_list), net/ipv4/udp_offload.c
 * (udp_gro_receive), net/packet/af_packet.c (packet_rcv),
 * net/core/net-procfs.c (softnet_seq_show).
 *
 * net_rx_action is a resumable step function run by the CPU's softirq
 * executor (models/kernel/cpu.h): the driver work for one GRO batch, every packet's
 * trip up the stack and each poll's fixed overhead is one unit of CPU time.
 * Work that is invisible to other actors (checks, lookups, netfilter) runs
 * when a unit starts and is charged to it; hand-offs to a queue another actor
 * reads (a backlog, a socket, RPS IPIs at the end of net_rx_action) happen
 * when the unit ends. Four effects happen at the start of their unit, up to
 * one unit's time early: RX descriptor refills, the interrupt re-arm of
 * napi_complete_done (R16), tap clones joining their packet socket (R14), and
 * the IPIs process_backlog sends at its start. Drops decided at the end of a
 * unit (backlog and socket admission) do not add kfree_skb's cost.
 *
 * Simplified: no XDP on NICs (veth has its own, models/drivers/veth.c), no VLAN, no
 * rx_handler (bridge/bond), no threaded NAPI or busy polling; GRO merges
 * only UDP for sockets with UDP_GRO (as the kernel does for plain UDP) and
 * holds at most 8 flows; RFS is not modelled.
 */
#ifndef MODELS_DEV_H
#define MODELS_DEV_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/stats.h"
#include "models/kernel/cpu.h"
#include "models/core/skb.h"
#include "models/world.h"

struct napi_struct;
struct netdev_queue;

#define SOFTNET_MAX_OUTQ 256
struct net_device;
struct netdev_rx_queue;
struct rps_dev_flow;

/*
 * A NAPI instance's poll, split into steps (the driver's napi->poll).
 * poll_one and poll_end are REQUIRED.
 */
struct napi_ops {
	/* Work before taking packets (a driver's TX clean), optional: returns cycles. */
	uint64_t (*poll_begin)(struct napi_struct *n, struct cpu *c);
	/*
	 * Take the next packet, if the poll may (the caller checks the budget).
	 * Returns the skb and sets *cycles to the driver's cost for it, or NULL
	 * when there is nothing to take (for the backlog: the poll completed).
	 */
	struct sk_buff *(*poll_one)(struct napi_struct *n, struct cpu *c, uint64_t *cycles);
	/*
	 * The poll is over with @work of @weight done: the driver's tail
	 * (descriptor refill, napi_complete_done and interrupt re-enable when
	 * work < weight). Returns the cycles it costs.
	 */
	uint64_t (*poll_end)(struct napi_struct *n, struct cpu *c, int work, int weight);
	bool gro; /* packets go through napi_gro_receive (else __netif_receive_skb) */
};

#define NAPIF_STATE_SCHED (1u << 0)

#define GRO_MAX_HELD	8  /* MAX_GRO_SKBS */
#define UDP_GRO_CNT_MAX 64 /* segments per GRO skb */

struct napi_struct {
	struct napi_struct *poll_next;	    /* link on a poll list */
	uint32_t state;			    /* NAPIF_STATE_* */
	int weight;			    /* packets per poll */
	const struct napi_ops *ops;	    /* the poll */
	void *priv;			    /* driver queue or softnet_data */
	struct sk_buff_head rx_list;	    /* gro->rx_list: batched for the stack */
	uint32_t rx_count;		    /* segments on rx_list (gro->rx_count) */
	struct sk_buff *held[GRO_MAX_HELD]; /* UDP_GRO skbs being merged */
	uint32_t nheld;			    /* entries in held[] */
	bool gro_off;	/* netif_elide_gro: the device's GRO is off (ethtool -K DEV gro off) */
	uint64_t polls; /* times polled */
	char name[32];	/* "eth0 rx-0", "backlog": for traces */
};

struct napi_list {
	struct napi_struct *head, *tail; /* FIFO of NAPIs */
};

/* What happens at the end of the unit under way. */
enum rx_unit_kind {
	UNIT_NONE,    /* fixed cost only */
	UNIT_BACKLOG, /* unit_skb goes to CPU unit_cpu's backlog */
	UNIT_SOCKET,  /* unit_skb goes to socket unit_sk */
	UNIT_IPI,     /* send the pending RPS IPIs */
};

/* Phases of net_rx_action and of the NAPI poll under way. */
enum rx_phase {
	RX_START, /* splice poll_list */
	RX_LOOP,  /* pick the next NAPI */
	RX_POLL,  /* a NAPI's poll is under way */
	RX_EXIT,  /* splice back, re-raise, IPIs */
	RX_DONE,  /* action finished */
};
enum poll_phase {
	POLL_BEGIN,	  /* the driver's work before RX (TX clean) */
	POLL_RX,	  /* taking packets from the driver */
	POLL_FLUSH,	  /* gro_normal_list mid-poll (batch full) */
	POLL_FLUSH_FINAL, /* GRO flush at the end of the poll */
	POLL_END,	  /* driver tail */
	POLL_DONE,
};

/* Per-CPU networking state (struct softnet_data). */
struct softnet_data {
	struct cpu *cpu;		     /* owner */
	struct napi_list poll_list;	     /* NAPIs with work */
	bool in_net_rx_action;		     /* sd->in_net_rx_action */
	struct sk_buff_head input_pkt_queue; /* RPS/netif_rx backlog (limit netdev_max_backlog) */
	struct sk_buff_head process_queue;   /* spliced from input_pkt_queue */
	uint32_t input_queue_head;	     /* packets taken from the backlog (RFS), wraps */
	uint32_t input_queue_tail;	     /* packets put on the backlog (RFS), wraps */
	struct napi_struct backlog;	     /* process_backlog's NAPI */
	struct softnet_data *rps_ipi_list;   /* CPUs to IPI at the end of net_rx_action */
	struct softnet_data *rps_ipi_next;   /* link on another CPU's rps_ipi_list */
	struct irq_desc csd;		     /* the RPS IPI to this CPU */
	/* /proc/net/softnet_stat */
	uint64_t processed;	   /* __netif_receive_skb_core rounds */
	uint64_t dropped;	   /* backlog full or flow limit */
	uint64_t time_squeeze;	   /* net_rx_action out of budget or time */
	uint64_t received_rps;	   /* RPS IPIs received */
	uint64_t flow_limit_count; /* flow limit drops */
	/* flow limit (skb_flow_limit), when enabled for this CPU */
	bool flow_limit;	  /* flow_limit_cpu_bitmap has this CPU */
	uint16_t *fl_buckets;	  /* per-bucket counts in the history */
	uint32_t fl_history[128]; /* FLOW_LIMIT_HISTORY last buckets */
	uint32_t fl_head;	  /* next history slot */
	/* net_rx_action state */
	enum rx_phase phase;		 /* see enum */
	struct napi_list list;		 /* local list */
	struct napi_list repoll;	 /* polled to full weight */
	int budget;			 /* packets left */
	uint64_t time_limit;		 /* jiffies */
	struct napi_struct *cur;	 /* NAPI being polled */
	enum poll_phase pphase;		 /* poll phase */
	int work;			 /* packets taken in this poll */
	int weight;			 /* this poll's weight */
	enum rx_unit_kind unit;		 /* what the running unit commits */
	struct sk_buff *unit_skb;	 /* its packet */
	struct softnet_data *unit_cpu;	 /* UNIT_BACKLOG target */
	struct rps_dev_flow *unit_rflow; /* UNIT_BACKLOG: its RFS flow entry, or NULL */
	struct sock *unit_sk;		 /* UNIT_SOCKET target */
	/* queue statistics (after warm-up) */
	struct sim_level backlog_level; /* input + process queue length */
	uint64_t backlog_in;		/* packets enqueued */
	double wait_sum;		/* ps waited by packets dequeued (after warm-up) */
	uint64_t wait_n;		/* packets dequeued that arrived after warm-up */
	/* NET_TX_SOFTIRQ */
	struct netdev_queue *outq[SOFTNET_MAX_OUTQ];	 /* qdiscs to run (sd->output_queue) */
	uint32_t noutq;					 /* entries */
	struct netdev_queue *tx_local[SOFTNET_MAX_OUTQ]; /* net_tx_action's local copy */
	uint32_t ntx_local, tx_pos;			 /* entries, next to run */
};

void softnet_init(struct softnet_data *sd, struct cpu *c);
/* Register net_rx_action as the NET_RX softirq. */
void net_dev_init(void);

/* ____napi_schedule / napi_schedule: on @c's poll list and raise NET_RX. */
void napi_schedule(struct cpu *c, struct napi_struct *n);

/*
 * get_rps_cpu(): the CPU for @skb received on queue @q, or -1. With RFS (a
 * flow table on @q and the machine's rps_sock_flow_entries) a flow whose
 * reader recorded its CPU goes there, switching only once the old CPU's
 * backlog has taken the flow's last packet (*@rflowp is then the flow's
 * entry, for enqueue_to_backlog); otherwise the rps map decides.
 */
int get_rps_cpu(const struct netdev_rx_queue *q, const struct sk_buff *skb,
		struct rps_dev_flow **rflowp);
/* net.core.rps_sock_flow_entries: the machine @h's RFS table (0 entries: none). 0 or -1. */
int rps_sock_flow_init(struct host *h, struct sim_error *err);
/*
 * sock_rps_record_flow(): a reader on CPU @c of a connected socket whose
 * last datagram had hash @rxhash records its CPU for RFS.
 */
void sock_rps_record_flow(const struct cpu *c, uint32_t rxhash);
/* The CPU an rps map of @len entries gives @hash (reciprocal_scale), or -1 when @len is 0. */
int rps_map_cpu(const uint16_t *map, uint32_t len, uint32_t hash);

/* enqueue_to_backlog() at the end of the current unit on @from. NET_RX_SUCCESS or _DROP. */
#define NET_RX_SUCCESS 0
#define NET_RX_DROP    1
int enqueue_to_backlog(struct cpu *from, struct sk_buff *skb, struct softnet_data *sd,
		       struct rps_dev_flow *rflow);

/* AF_PACKET taps on a device (ptype_all), delivered in __netif_receive_skb_core. */
#define MAX_TAPS_PER_DEV 4

#endif
