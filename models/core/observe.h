/*
 * models/core/observe.h - the one observation point of a packet's journey.
 *
 * Kernel analogue: the skb tracepoints that ftrace, perf, bpftrace and pwru
 * attach to (include/trace/events/skb.h: kfree_skb with its reason,
 * consume_skb; include/trace/events/net.h: netif_receive_skb,
 * net_dev_queue, net_dev_xmit). Every change of a packet's stage
 * (stages.md R1-R24, T1-T16) and of its latency stage, and every way a
 * packet leaves the simulation, goes through the functions below; they do
 * the latency accounting and then call the world's observers in the order
 * they were added.
 *
 * Contract:
 * - An observer is a struct skb_observer embedded in its owner's state
 *   (container_of() recovers it) with a const ops table; it is added once
 *   with skb_observer_add() before the run starts and lives until the world
 *   is freed. Observers only read: they never change the skb, schedule
 *   events or draw random numbers, so a run with observers gives the same
 *   results as one without.
 * - @h is the namespace (host) the packet is in when the event happens; the
 *   CPU doing the work, if any, is h->w->this_cpu (NULL for hardware events:
 *   the wire, DMA, a timer of the NIC).
 * - Events for a GRO or fragment chain are reported once, for its head;
 *   its segments hang off skb->frag_next. A frame dropped before it got
 *   an skb (pool exhausted, skb_drop_unallocated) is a SKB_EV_DROP with
 *   @skb NULL.
 * - With no observer attached in any world of the process the cost is one
 *   compare of a global count with zero and a branch not taken per event
 *   (skb_observers_attached), without reaching the host or its world; with
 *   one attached anywhere, each event walks h->w's list, which may be empty.
 */
#ifndef MODELS_OBSERVE_H
#define MODELS_OBSERVE_H

#include <stdint.h>

#include "models/world.h"

/* What happened to a packet. */
enum skb_ev {
	SKB_EV_BORN,  /* entered the simulation: a frame at a NIC, a sent datagram, an ARP frame */
	SKB_EV_STAGE, /* arg: the enum stage_id it entered */
	SKB_EV_LAT,   /* arg: the enum lat_stage it entered, at skb->t_mark (may be past) */
	SKB_EV_DROP,  /* arg: index in drop_points[] (reason and stage) */
	SKB_EV_DELIVER, /* read by an application (consume_skb) */
	SKB_EV_CONSUME, /* consumed by the kernel itself (ARP) */
	SKB_EV_XMIT,	/* left through a NIC with no modelled peer */
	SKB_EV_NR,
};

extern const char *const skb_ev_name[SKB_EV_NR];

struct skb_observer;

struct skb_observer_ops {
	const char *name; /* for messages */
	/* @skb is read-only; @arg as documented in enum skb_ev. */
	void (*event)(struct skb_observer *o, const struct host *h, const struct sk_buff *skb,
		      enum skb_ev ev, uint32_t arg);
};

struct skb_observer {
	const struct skb_observer_ops *ops; /* never NULL */
	struct skb_observer *next;	    /* next in the world's list */
};

/* Append @o to @w's observers (called at load, before the run). */
void skb_observer_add(struct world *w, struct skb_observer *o);
/* Take @o off @w's observers, if it is there. */
void skb_observer_del(struct world *w, struct skb_observer *o);

/* Observers attached in all worlds (skb_observer_add() less skb_observer_del()). */
extern uint32_t skb_observers_attached;

/* Call every observer of h->w: the out-of-line half of skb_observe(). */
void skb_observe_call(const struct host *h, const struct sk_buff *skb, enum skb_ev ev,
		      uint32_t arg);

static inline void skb_observe(const struct host *h, const struct sk_buff *skb, enum skb_ev ev,
			       uint32_t arg)
{
	if (__builtin_expect(skb_observers_attached != 0, 0))
		skb_observe_call(h, skb, ev, arg);
}

/* @skb enters stage @st on host @h (a chain's head: drops read the head's stage). */
static inline void skb_set_stage(const struct host *h, struct sk_buff *skb, enum stage_id st)
{
	skb->stage = (uint8_t)st;
	skb_observe(h, skb, SKB_EV_STAGE, st);
}

/*
 * A packet's softirq time is one sample even when RPS splits it between two
 * CPUs: the part before the backlog is carried in t_acc.
 */
static inline void skb_lat_close(struct world *w, struct sk_buff *s, enum lat_stage next,
				 sim_time_t now)
{
	sim_time_t d = now - s->t_mark;

	if (s->lat == LAT_SOFTIRQ && next == LAT_BACKLOG) {
		s->t_acc += d;
		return;
	}
	if (s->lat == LAT_SOFTIRQ) {
		d += s->t_acc;
		s->t_acc = 0;
	}
	if (w->measuring && s->t_mark >= w->warmup)
		sim_hist_record(&w->lat[s->lat], (uint64_t)d);
}

/*
 * Close the current latency stage of @skb (and its segments) at @now and open
 * @next. Inline: every packet passes several stages.
 */
static inline void skb_lat_next(const struct host *h, struct sk_buff *skb, enum lat_stage next,
				sim_time_t now)
{
	struct world *w = h->w;

	for (struct sk_buff *s = skb; s; s = s->frag_next) {
		skb_lat_close(w, s, next, now);
		s->lat = (uint8_t)next;
		s->t_mark = now;
	}
	skb_observe(h, skb, SKB_EV_LAT, next); /* skb->t_mark: when it entered @next */
}

/*
 * The ways a packet leaves the simulation: each counts it (every segment of
 * a chain), tells the observers and frees it.
 */
/* The kernel consumed a control frame (ARP): the packet ends here, not dropped. */
void consume_skb_kernel(struct host *h, struct sk_buff *skb);
/* A frame left through a NIC with no modelled peer. */
void skb_transmitted(const struct host *h, struct sk_buff *skb);
/* The packet reached the application: count it and its latencies. */
void consume_skb(struct host *h, struct sk_buff *skb);
/* Drop with @reason at skb->stage on host @h. */
void kfree_skb_reason(struct host *h, struct sk_buff *skb, enum skb_drop_reason reason);
/* A frame that never got an skb (pool exhausted) is dropped with @reason at @stage. */
void skb_drop_unallocated(struct host *h, enum skb_drop_reason reason, enum stage_id stage);

#endif
