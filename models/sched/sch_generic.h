/*
 * models/sched/sch_generic.h - queueing disciplines (tc qdiscs).
 *
 * Kernel references: include/net/sch_generic.h (struct Qdisc, struct
 * Qdisc_ops, qdisc_qstats_*), net/sched/sch_generic.c (pfifo_fast, noqueue,
 * qdisc_drop, __qdisc_run), net/sched/sch_fifo.c (pfifo, bfifo),
 * net/sched/sch_fq_codel.c + include/net/codel*.h, net/sched/sch_tbf.c,
 * net/sched/sch_mq.c, sch_prio.c, sch_netem.c, sch_htb.c, sch_sfq.c, sch_fq.c, sch_cake.c,
 * iproute2 tc/tc_qdisc.c + tc_util.c print_tcstats2_attr
 * (the `tc -s qdisc` format), kernel-facts §9.
 *
 * A discipline is a few small functions and one const struct Qdisc_ops,
 * found by name in the registry (models/sched/sch_api.c: qdisc_lookup_ops). The
 * scenario selects it per device with tc-like keys, e.g.
 *     qdisc: {kind: fq_codel, target: 5ms, interval: 100ms, limit: 10240}
 * Drops are handed back on a to_free list, never freed inside enqueue
 * (kernel sch_fifo.c style); the caller frees them with a reason.
 *
 * Time: disciplines read the simulated clock through qdisc_now(); a
 * discipline that must wait (tbf) arms q->watchdog, whose expiry calls the
 * owner's q->wake(q) (the device layer's __netif_schedule).
 */
#ifndef MODELS_SCH_GENERIC_H
#define MODELS_SCH_GENERIC_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/cfg.h"
#include "sim/error.h"
#include "sim/event.h"
#include "models/kernel/contention.h"
#include "models/core/skb.h"
#include "models/world.h"

/* Ethernet defaults, when the device does not say (ether_setup, psched_mtu). */
#define DEFAULT_TX_QUEUE_LEN 1000 /* packets: dev->tx_queue_len */
#define PSCHED_MTU	     1514 /* bytes: psched_mtu(dev) = MTU 1500 + hard_header_len 14 */
/* Range of byte-size keys (u32 in netlink; 2GiB so range messages print exactly). */
#define QDISC_SIZE_MAX (1ULL << 31)

/* Qdisc flags (include/net/sch_generic.h). */
#define TCQ_F_CAN_BYPASS 0x4 /* an empty qdisc may hand the skb straight to the driver */

/* Return codes of enqueue (include/linux/netdevice.h). */
#define NET_XMIT_SUCCESS 0x00
#define NET_XMIT_DROP	 0x01 /* skb dropped */
#define NET_XMIT_CN	 0x02 /* congestion notification: another skb was dropped */

struct Qdisc;

/* struct gnet_stats_basic_sync + gnet_stats_queue, as tc -s prints them. */
struct qdisc_stats {
	uint64_t bytes;	     /* Sent <bytes> (dequeued to the device) */
	uint64_t packets;    /* Sent <pkts> */
	uint32_t qlen;	     /* packets queued now (backlog <N>p) */
	uint64_t backlog;    /* bytes queued now (backlog <N>b), skb->len */
	uint64_t drops;	     /* dropped */
	uint64_t requeues;   /* handed back by a busy driver */
	uint64_t overlimits; /* tbf: throttle events; fq_codel: unused */
};

/*
 * struct Qdisc_class_ops: a classful discipline whose classes hold one child
 * qdisc each (mq: class N is TX queue N - 1). Both hooks REQUIRED.
 */
struct Qdisc_class_ops {
	/* Attach @child as the qdisc of class @cl (1-based). 0, or -1 when @cl does not exist. */
	int (*graft)(struct Qdisc *sch, uint32_t cl, struct Qdisc *child);
	/* The qdisc of class @cl, NULL when there is none. */
	struct Qdisc *(*leaf)(const struct Qdisc *sch, uint32_t cl);
};

struct Qdisc_ops {
	const char *id;			      /* "pfifo_fast", ... (the scenario's `kind:`) */
	const struct Qdisc_class_ops *cl_ops; /* classes holding child qdiscs (mq), or NULL */
	size_t priv_size;		      /* bytes of private state, zeroed, at qdisc_priv(q) */
	uint32_t static_flags; /* TCQ_F_* every qdisc of this kind has (TCQ_F_CAN_BYPASS) */
	/*
	 * REQUIRED. Read the discipline's own keys from @opts (a mapping or
	 * NULL for defaults; call cfg_check_unknown with what = "qdisc 'KIND'")
	 * and set q->limit. 0 or -1 with @err set.
	 */
	int (*init)(struct Qdisc *q, const struct cfg_node *opts, struct sim_error *err);
	/*
	 * REQUIRED except for noqueue (NULL enqueue means "no queue", as in the
	 * kernel). Queue @skb or put it (or others) on *to_free; returns
	 * NET_XMIT_SUCCESS, NET_XMIT_DROP (this skb was dropped) or NET_XMIT_CN
	 * (queued, but another skb of this flow was dropped). Keeps q->stats
	 * qlen/backlog/drops/overlimits up to date.
	 */
	int (*enqueue)(struct sk_buff *skb, struct Qdisc *q, struct sk_buff **to_free);
	/*
	 * REQUIRED with enqueue. Next skb to send, or NULL (empty or throttled);
	 * updates qlen/backlog and Sent (bytes, packets), and may drop (CoDel):
	 * dropped skbs at dequeue go to kfree via qdisc_drop_dequeued().
	 */
	struct sk_buff *(*dequeue)(struct Qdisc *q);
	/* Release private allocations (optional). */
	void (*destroy)(struct Qdisc *q);
	/*
	 * Print the kind-specific parameters after "qdisc KIND HANDLE: dev DEV
	 * root refcnt 2 " on the same line (e.g. "limit 10240p flows 1024 ...",
	 * optional) and the xstats lines after the generic ones (optional),
	 * exactly as `tc -s qdisc show` does.
	 */
	void (*dump_opts)(const struct Qdisc *q, FILE *f);
	void (*dump_xstats)(const struct Qdisc *q, FILE *f);
	/*
	 * The whole `tc -s qdisc show` entry, for a discipline whose entry is
	 * not the generic one (mq: no refcnt, counters summed from its
	 * children, then the children). Optional; it replaces the above.
	 */
	void (*dump)(const struct Qdisc *q, const char *devname, const char *parent, FILE *f);
	/*
	 * Classful disciplines (prio, htb). dump_children: the `tc -s qdisc
	 * show` entries of the child qdiscs the scenario configured (default
	 * children are TCQ_F_INVISIBLE and not shown), after the parent's own.
	 * dump_class: every class as `tc -s class show` prints it. Optional.
	 */
	void (*dump_children)(const struct Qdisc *q, const char *devname, FILE *f);
	void (*dump_class)(const struct Qdisc *q, const char *devname, FILE *f);
};

struct net_device;

struct Qdisc {
	const struct Qdisc_ops *ops;   /* the discipline */
	struct net_device *dev;	       /* owner */
	struct world *w;	       /* for the clock and the skb pool */
	uint32_t handle;	       /* major:minor as 0xMMMMmmmm ("8001:") */
	uint32_t limit;		       /* packets or bytes, per discipline */
	struct qdisc_stats stats;      /* tc -s counters */
	struct sk_buff *gso_skb;       /* requeued by a busy driver (dev_requeue_skb) */
	struct sim_event watchdog;     /* qdisc_watchdog: call wake() then */
	void (*wake)(struct Qdisc *q); /* set by the owner: __netif_schedule */
	void *wake_arg;		       /* owner's context for wake() */
	struct sim_rng rng;	       /* per-qdisc stream (fq_codel perturbation) */
	bool multi_txq;		 /* root of several TX queues (no TCQ_F_ONETXQUEUE): each skb's
			   own queue is checked at transmit */
	uint32_t flags;		 /* TCQ_F_*: the kind's static_flags */
	struct Qdisc *parent;	 /* the classful qdisc this one is a child of, NULL for a root */
	uint32_t parent_classid; /* the class it hangs under ("parent 1:10"), 0 for a root */
	void *priv;		 /* priv_size bytes */
	/* sim-only */
	enum skb_drop_reason drop_reason; /* of the skbs on to_free (tcf_set_drop_reason) */
	struct sim_spinlock root_lock;	  /* qdisc_lock(q): enqueue and each dequeue */
	struct sim_spinlock busylock;	  /* q->busylock: enqueuers while another CPU runs it */
	const struct cpu *running_cpu;	  /* CPU whose qdisc_run was computed last */
	sim_time_t running_until;	  /* ps: when that run ends (__QDISC_STATE_RUNNING) */
};

static inline void *qdisc_priv(const struct Qdisc *q)
{
	return q->priv;
}

static inline sim_time_t qdisc_now(const struct Qdisc *q)
{
	return q->w->q.now;
}

/* The disciplines of the registry (models/sched/sch_api.c qdisc_ops[]). */
extern const struct Qdisc_ops prio_ops;	      /* models/sched/sch_prio.c */
extern const struct Qdisc_ops netem_ops;      /* models/sched/sch_netem.c */
extern const struct Qdisc_ops htb_ops;	      /* models/sched/sch_htb.c */
extern const struct Qdisc_ops sfq_ops;	      /* models/sched/sch_sfq.c */
extern const struct Qdisc_ops fq_ops;	      /* models/sched/sch_fq.c */
extern const struct Qdisc_ops cake_ops;	      /* models/sched/sch_cake.c */
extern const struct Qdisc_ops pfifo_fast_ops; /* models/sched/sch_generic.c */
extern const struct Qdisc_ops noqueue_ops;    /* models/sched/sch_generic.c */
extern const struct Qdisc_ops pfifo_ops;      /* models/sched/sch_fifo.c */
extern const struct Qdisc_ops bfifo_ops;      /* models/sched/sch_fifo.c */
extern const struct Qdisc_ops fq_codel_ops;   /* models/sched/sch_fq_codel.c */
extern const struct Qdisc_ops tbf_ops;	      /* models/sched/sch_tbf.c */
/* Not in the registry: the root of a multi-queue device, made by dev_activate. */
extern const struct Qdisc_ops mq_qdisc_ops; /* models/sched/sch_mq.c */

/* The registry (models/sched/sch_api.c). */
const struct Qdisc_ops *qdisc_lookup_ops(const char *kind);
/* Record "unknown qdisc 'X' (did you mean 'Y'?)" / "(known: ...)" at @v; -1. */
int qdisc_unknown(const struct cfg_node *v, const char *kind, struct sim_error *err);

/*
 * Create a qdisc of the kind named by @n's `kind:` key (or @default_kind when
 * @n is NULL or has no `kind:`) for @dev with the rest of @n as options. @n
 * may also be a scalar naming the kind (`qdisc: fq_codel`, no options). Its
 * rng stream is "qdisc/<dev name>/<major>:" (of the `handle:` when a classful qdisc has one).
 * NULL with @err set.
 */
struct Qdisc *qdisc_create(struct world *w, struct net_device *dev, const struct cfg_node *n,
			   const char *default_kind, uint32_t handle, struct sim_error *err);
void qdisc_destroy(struct Qdisc *q);
/*
 * qdisc_create_dflt: a qdisc of @ops with its default options for @dev (the
 * device's root mq). NULL with @err set.
 */
struct Qdisc *qdisc_create_dflt(struct world *w, struct net_device *dev,
				const struct Qdisc_ops *ops, uint32_t handle,
				struct sim_error *err);

/* Helpers for disciplines (sch_generic.h's inline helpers). */
static inline void qdisc_qstats_add(struct Qdisc *q, const struct sk_buff *skb)
{
	q->stats.qlen++;
	q->stats.backlog += skb->len;
}
static inline void qdisc_qstats_sub(struct Qdisc *q, const struct sk_buff *skb)
{
	q->stats.qlen--;
	q->stats.backlog -= skb->len;
}
/* qdisc_drop(): count and hand back for freeing. Returns NET_XMIT_DROP. */
static inline int qdisc_drop(struct sk_buff *skb, struct Qdisc *q, struct sk_buff **to_free)
{
	q->stats.drops++;
	skb->next = *to_free;
	*to_free = skb;
	return NET_XMIT_DROP;
}
/*
 * qdisc_drop_reason(): qdisc_drop() that records why (tcf_set_drop_reason).
 * A discipline whose enqueue drops for another reason than QDISC_DROP
 * (fq_codel: QDISC_OVERLIMIT) uses this one.
 */
static inline int qdisc_drop_reason(struct sk_buff *skb, struct Qdisc *q, struct sk_buff **to_free,
				    enum skb_drop_reason reason)
{
	q->drop_reason = reason;
	return qdisc_drop(skb, q, to_free);
}
/*
 * qdisc_bstats_update(): @skb leaves for the device (Sent bytes/pkt). A GSO
 * skb counts its segments, and its bytes as qdisc_pkt_len_init gives them:
 * the headers (14 + 20 + 8) once per segment. (Backlogs count skb->len.)
 */
static inline void qdisc_bstats_update(struct Qdisc *q, const struct sk_buff *skb)
{
	uint32_t extra = skb->gso_size ? (uint32_t)(skb->gso_segs - 1) * 42u : 0;

	q->stats.bytes += skb->len + extra;
	q->stats.packets += skb->gso_size ? skb->gso_segs : 1u;
}
/*
 * __dev_xmit_skb's kfree_skb_list_reason(to_free, tcf_get_drop_reason()):
 * free every skb of the list @to_free built by one enqueue at stage T13 on the
 * device's host, with the reason the discipline recorded (QDISC_DROP unless it
 * said otherwise), then reset that reason to QDISC_DROP. NULL is fine.
 */
void qdisc_kfree_skb_list(struct Qdisc *q, struct sk_buff *to_free);
/*
 * A discipline drops @skb inside dequeue (CoDel): counted in drops, freed
 * with @reason at stage T13 on the device's host.
 */
void qdisc_drop_dequeued(struct Qdisc *q, struct sk_buff *skb, enum skb_drop_reason reason);
/*
 * The owner device's tx_queue_len (packets; DEFAULT_TX_QUEUE_LEN without a
 * device or when 0) and psched_mtu(dev) (bytes: MTU + 14; PSCHED_MTU without
 * one): the defaults of pfifo_fast/pfifo/bfifo limits and fq_codel's quantum.
 */
uint32_t qdisc_dev_tx_queue_len(const struct Qdisc *q);
uint32_t qdisc_psched_mtu(const struct Qdisc *q);
/*
 * Children of classful disciplines. qdisc_create_child: the qdisc of the
 * class @classid of @sch from the class's `qdisc:` node @n (NULL: the
 * default pfifo, invisible in the dump, as qdisc_create_dflt makes it);
 * handles are allocated from 8002: up per root, as qdisc_alloc_handle does
 * after the root's 8001:. NULL with @err set.
 */
struct Qdisc *qdisc_create_child(struct Qdisc *sch, const struct cfg_node *n, uint32_t classid,
				 uint32_t *next_handle, struct sim_error *err);
/*
 * Enqueue @skb on @child of @sch: the child's qlen/backlog/drops change
 * (its own drops and head drops) is applied to @sch too, and the child's drop
 * reason is carried up to @sch for the to_free list. The child's return code.
 */
int qdisc_enqueue_child(struct sk_buff *skb, struct Qdisc *child, struct Qdisc *sch,
			struct sk_buff **to_free);
/* A qdisc visible in the dump: configured by the scenario, not a default. */
bool qdisc_visible(const struct Qdisc *q);
/* The two lines of counters of a class or qdisc ("Sent ...", "backlog ..."). */
void qdisc_dump_stats(const struct qdisc_stats *s, FILE *f);
/* "1:10", as tc's print_tc_classid; "root" for TC_H_ROOT. */
char *tc_sprint_classid(char *buf, size_t len, uint32_t classid);
/*
 * The `tc -s class show` entries of @q's classes (nothing for a classless
 * discipline), and of its children's classes.
 */
void qdisc_dump_classes(const struct Qdisc *q, const char *devname, FILE *f);
/*
 * The `handle: "1:"` key of a classful qdisc (tc's `handle 1:`): sets
 * q->handle (class ids are MAJOR:minor of it); absent, the owner's handle
 * stays. *@next_handle is the first handle qdisc_create_child allocates.
 */
int qdisc_parse_handle(struct Qdisc *q, const struct cfg_node *opts, uint32_t *next_handle,
		       struct sim_error *err);
/* Parse "1:10" / "1:" (hex, tc's get_tc_classid) at @n into *@out; -1 with @err. */
int tc_parse_classid(const struct cfg_node *n, const char *key, uint32_t *out,
		     struct sim_error *err);

/* Arm the watchdog to fire at @t (qdisc_watchdog_schedule_ns). */
void qdisc_watchdog_schedule(struct Qdisc *q, sim_time_t t);

/*
 * The `tc -s qdisc show` entry for @q: "qdisc KIND HANDLE: dev DEV PARENT
 * refcnt 2 <opts>" then the Sent/backlog lines and the xstats. @parent is
 * "root" or e.g. "parent 8001:1" (a child of mq); tc omits "refcnt N" when
 * N is 1, which is the case for a child, so it is printed for root only.
 */
void qdisc_dump(const struct Qdisc *q, const char *devname, const char *parent, FILE *f);

/* ---- rates (include/net/sch_generic.h psched_ratecfg, tc_core.c) ---- */

#define PSCHED_SHIFT 6		   /* a psched tick is 64 ns */
#define TICK_IN_USEC (1000.0 / 64) /* tc_core_init with /proc/net/psched */

struct psched_ratecfg {
	uint64_t rate_bytes_ps; /* bytes per second, 0 when absent */
	uint32_t mult;		/* ns per byte, scaled by 2^shift */
	uint8_t shift;		/* see mult */
};

/* psched_ratecfg_precompute__(): mult/shift so that len * mult >> shift is ns. */
void psched_ratecfg_precompute(struct psched_ratecfg *r, uint64_t rate_bytes_ps);
/* psched_l2t_ns(): transmission time of @len bytes at @r. */
static inline int64_t psched_l2t_ns(const struct psched_ratecfg *r, uint32_t len)
{
	return (int64_t)(((uint64_t)len * r->mult) >> r->shift);
}
/* tc_calc_xmitsize() of a bucket dumped as ticks (PSCHED_NS2TICKS of @ns): bytes. */
uint32_t tc_calc_xmitsize(uint64_t rate_bytes_ps, int64_t ns);
/*
 * tc_calc_xmittime() as tc sends a burst: the microseconds are truncated to
 * an unsigned before the conversion to ticks (tc_core_time2tick), then the
 * kernel's PSCHED_TICKS2NS. ns.
 */
int64_t tc_calc_xmittime_ns(uint64_t rate_bytes_ps, uint64_t size);

/*
 * iproute2's formatters for dump_opts, into @buf (@len >= 64 bytes):
 *   tc_sprint_size  bytes as sprint_size: "32Mb", "2Kb", "1514000b"
 *   tc_sprint_time  microseconds as sprint_time: "5ms", "100ms", "1.5s", "40us"
 *   tc_sprint_rate  bytes per second as print_rate: "1Gbit", "1500Mbit"
 */
char *tc_sprint_size(char *buf, size_t len, uint64_t bytes);
char *tc_sprint_time(char *buf, size_t len, uint32_t usecs);
char *tc_sprint_rate(char *buf, size_t len, uint64_t bytes_ps);

#endif
