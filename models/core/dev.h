/*
 * models/core/dev.h - the device layer: NAPI, net_rx_action, GRO, RPS, backlog, taps.
 *
 * Kernel references: net/core/dev.c (net_rx_action, napi_poll, __napi_poll,
 * ____napi_schedule, napi_complete_done, netif_receive_skb_internal,
 * get_rps_cpu, enqueue_to_backlog, skb_flow_limit, napi_schedule_rps,
 * net_rps_send_ipi, rps_trigger_softirq, process_backlog,
 * __netif_receive_skb_core, deliver_skb; threaded NAPI: napi_threaded_poll,
 * napi_threaded_poll_loop, napi_thread_wait, napi_kthread_create,
 * dev_set_threaded; busy polling: napi_busy_loop, __napi_busy_loop,
 * busy_poll_stop, __busy_poll_stop; deferral: napi_complete_done's
 * defer_hard_irqs_count and gro_flush_timeout, napi_watchdog),
 * include/net/busy_poll.h (sk_can_busy_loop, sk_busy_loop,
 * busy_loop_timeout, sk_mark_napi_id), kernel/sched/cputime.c (account_system_time: a
 * BH-disabled kthread is system time), net/core/gro.c (dev_gro_receive,
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
 * the IPIs process_backlog sends at its start. A threaded NAPI's poll runs
 * the same steps as thread jobs of its kthread (struct napi_thread). Drops decided at the end of a
 * unit (backlog and socket admission) do not add kfree_skb's cost.
 *
 * Simplified: no XDP on NICs (veth has its own, models/drivers/veth.c), no VLAN, no
 * rx_handler (bridge/bond), no busy polling from poll/select/epoll; GRO merges
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
struct sim_error;

#define SOFTNET_MAX_OUTQ	 256
#define SOFTNET_MAX_NAPI_THREADS 8 /* napi kthreads pinned to one CPU */
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

#define NAPIF_STATE_SCHED	     (1u << 0) /* NAPI_STATE_SCHED: owned by a poll */
#define NAPIF_STATE_SCHED_THREADED   (1u << 1) /* NAPI_STATE_SCHED_THREADED: its kthread polls */
#define NAPIF_STATE_IN_BUSY_POLL     (1u << 2) /* NAPI_STATE_IN_BUSY_POLL: a busy poller owns it */
#define NAPIF_STATE_PREFER_BUSY_POLL (1u << 3) /* NAPI_STATE_PREFER_BUSY_POLL */
#define BUSY_POLL_BUDGET	     8	       /* packets per busy poll (include/net/busy_poll.h) */
#define MIN_NAPI_ID		     8193u /* NR_CPUS + 1 with CONFIG_NR_CPUS=8192: the first napi_id */

struct napi_poll_run;
struct napi_thread;

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
	struct napi_poll_run *run;  /* the poll under way (valid during poll_one/poll_end) */
	struct napi_thread *thread; /* threaded NAPI: its kthread (napi->thread), else NULL */
	/* interrupt deferral (napi_complete_done, napi_watchdog) */
	uint32_t defer_hard_irqs;	/* /sys/class/net/DEV/napi_defer_hard_irqs */
	sim_time_t gro_flush_timeout;	/* ps: /sys/class/net/DEV/gro_flush_timeout (ns there) */
	uint32_t defer_hard_irqs_count; /* completions left that keep the IRQ masked */
	struct irq_desc timer;		/* napi->timer: the hrtimer's interrupt on the arming CPU */
	uint64_t watchdog_fires;	/* napi_watchdog runs that scheduled the NAPI */
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

/*
 * One NAPI poll under way: what __napi_poll keeps on its stack, and what
 * the unit of CPU work running now commits at its end. net_rx_action has
 * one per CPU (softnet_data.run); a threaded NAPI's kthread has its own.
 */
struct napi_poll_run {
	struct napi_struct *cur;	 /* NAPI being polled, or NULL */
	enum poll_phase pphase;		 /* poll phase */
	int work;			 /* packets taken in this poll */
	int weight;			 /* this poll's weight */
	enum rx_unit_kind unit;		 /* what the running unit commits */
	struct sk_buff *unit_skb;	 /* its packet */
	struct softnet_data *unit_cpu;	 /* UNIT_BACKLOG target */
	struct rps_dev_flow *unit_rflow; /* UNIT_BACKLOG: its RFS flow entry, or NULL */
	struct sock *unit_sk;		 /* UNIT_SOCKET target */
};

/*
 * A threaded NAPI's kthread (dev_set_threaded, /sys/class/net/DEV/threaded):
 * napi_threaded_poll() named "napi/DEV-ID", a SCHED_OTHER thread pinned to
 * one CPU (the model has no migration). ____napi_schedule wakes it instead
 * of raising NET_RX; each loop polls once with bottom halves disabled, sends
 * the RPS IPIs the poll queued, runs pending softirqs at local_bh_enable,
 * and sleeps in napi_thread_wait when the NAPI completed.
 */
struct napi_thread {
	struct thread thread; /* the kthread, accounted %sys (BH-disabled, not serving softirq) */
	struct napi_struct *napi; /* the NAPI it polls */
	struct napi_poll_run run; /* its poll under way */
	bool in_poll;		  /* between local_bh_disable and local_bh_enable */
	uint64_t wakeups;	  /* wake-ups by ____napi_schedule (whole run) */
	uint64_t loops;		  /* napi_threaded_poll_loop iterations (whole run) */
	sim_time_t busy_ps;	  /* ps of its own work after warm-up (context switches aside) */
};

/* Per-CPU networking state (struct softnet_data). */
struct softnet_data {
	struct cpu *cpu;		     /* owner */
	struct napi_list poll_list;	     /* NAPIs with work */
	bool in_net_rx_action;		     /* sd->in_net_rx_action */
	bool in_napi_threaded_poll;	     /* sd->in_napi_threaded_poll */
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
	enum rx_phase phase;	  /* see enum */
	struct napi_list list;	  /* local list */
	struct napi_list repoll;  /* polled to full weight */
	int budget;		  /* packets left */
	uint64_t time_limit;	  /* jiffies */
	struct napi_poll_run run; /* net_rx_action's poll under way */
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
	/* threaded NAPI kthreads pinned to this CPU, for the CPU report */
	struct napi_thread *napi_threads[SOFTNET_MAX_NAPI_THREADS]; /* in creation order */
	uint32_t nnapi_threads;					    /* entries */
};

void softnet_init(struct softnet_data *sd, struct cpu *c);
/* Register net_rx_action as the NET_RX softirq. */
void net_dev_init(void);

/*
 * ____napi_schedule / napi_schedule: on @c's poll list and raise NET_RX;
 * a threaded NAPI instead gets SCHED_THREADED and its kthread is woken.
 */
void napi_schedule(struct cpu *c, struct napi_struct *n);

/*
 * Set up @n's deferral timer (napi->timer) with the device's
 * napi_defer_hard_irqs and gro_flush_timeout (0 and 0: off). Every driver
 * NAPI calls it once.
 */
void napi_timer_init(struct napi_struct *n, uint32_t defer_hard_irqs, sim_time_t gro_flush_timeout);
/*
 * napi_complete_done() from a driver's poll that did @work < weight on @c:
 * false, and nothing done, while a busy poller owns @n; else SCHED is
 * cleared, and true unless interrupts stay deferred (napi_defer_hard_irqs
 * with gro_flush_timeout: the watchdog will schedule @n instead). The
 * driver re-enables its interrupt only when it returns true.
 */
bool napi_complete_done(struct napi_struct *n, struct cpu *c, int work);

/*
 * sk_busy_loop / napi_busy_loop (net/core/dev.c __napi_busy_loop,
 * busy_poll_stop) as a resumable step function run by a reader's thread in
 * recvmsg: each iteration disables bottom halves, claims the NAPI (SCHED |
 * IN_BUSY_POLL) unless another context holds it, polls it with the busy-poll
 * budget, re-enables bottom halves and checks loop_end (data queued, or
 * sk_ll_usec over); need_resched ends it as well (cond_resched, then the
 * reader may resume while time is left). Stopping polls once more with
 * IN_BUSY_POLL cleared, so the driver completes and re-arms its interrupt
 * (busy_poll_stop).
 */
enum busy_phase { BL_ITER, BL_POLL, BL_AFTER, BL_STOP_POLL, BL_DONE };

struct napi_busy_loop {
	struct napi_struct *napi; /* the socket's NAPI (sk_napi_id) */
	struct napi_poll_run run; /* the poll under way */
	enum busy_phase phase;	  /* see enum */
	sim_time_t end;		  /* ps: start + sk_ll_usec (busy_loop_timeout) */
	int budget;		  /* BUSY_POLL_BUDGET or SO_BUSY_POLL_BUDGET */
	bool prefer;		  /* SO_PREFER_BUSY_POLL */
	bool once;		  /* non-blocking: one iteration (loop_end NULL) */
	bool owned;		  /* we hold SCHED | IN_BUSY_POLL (napi_poll set) */
	bool active;		  /* inside napi_busy_loop */
	bool resched;		  /* it ended for need_resched (it may resume until end) */
	uint64_t rx_packets;	  /* LINUX_MIB_BUSYPOLLRXPACKETS of these polls */
	uint64_t loops;		  /* iterations (whole run) */
};

/* Enter napi_busy_loop on @n until @end. */
void napi_busy_loop_start(struct napi_busy_loop *b, struct napi_struct *n, sim_time_t end,
			  int budget, bool prefer, bool once);
/*
 * The next unit of the loop on @c, whose @loop_end says whether the reader
 * may stop (data queued): true with *ps (run it as a kernel-mode job, then
 * call napi_busy_loop_commit), false when the loop is over (b->active false).
 */
bool napi_busy_loop_step(struct napi_busy_loop *b, struct cpu *c, bool loop_end, sim_time_t *ps);
/* The end of a unit: its hand-off (a packet to a socket or backlog). */
void napi_busy_loop_commit(struct napi_busy_loop *b, struct cpu *c);

/* Room for one more kthread on @c (SOFTNET_MAX_NAPI_THREADS, CPU_MAX_THREADS). */
bool napi_thread_fits(const struct cpu *c);
/*
 * dev_set_threaded() for one NAPI: create its kthread "napi/@dev-@id" on
 * @c, which napi_thread_fits. 0, or -1 with @err set (out of memory).
 */
int napi_set_threaded(struct napi_struct *n, struct cpu *c, const char *dev, unsigned id,
		      struct sim_error *err);
/* Free what napi_set_threaded allocated. */
void napi_thread_free(struct napi_struct *n);
/* @t's napi_thread when @t is a threaded NAPI's kthread, else NULL (for the trace). */
const struct napi_thread *napi_thread_of(const struct thread *t);

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
