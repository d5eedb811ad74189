/*
 * sim/event.h - the pending-event set.
 *
 * Invariants:
 *  - Events are embedded in their owners (a NIC queue, a CPU, a traffic source)
 *    and recovered with container_of(); scheduling never allocates.
 *  - Events fire in (time, prio, seq) order, where seq is a per-queue insertion
 *    counter, so runs are deterministic and FIFO among equals (libuv
 *    timer_less_than, git prio-queue.c).
 *  - A scheduled event may be cancelled or rescheduled in O(log n).
 *  - The clock never goes backwards: scheduling before sim_now() is a bug.
 *
 * The set is a binary min-heap of pointers; the heap array grows by doubling
 * (amortised, never per event) and is sized at init for the expected number of
 * simultaneously pending events. While sim_eventq_run() runs an event, the
 * root slot it came from stays vacant until the next queue operation: nearly
 * every event schedules one event first (mostly itself), which then takes the
 * root with one sift down instead of a sift down and a sift up.
 *
 * Running in place: a callback that would schedule an event and then have it
 * fire next may instead ask sim_eventq_first_at() whether anything comes
 * before it, and when nothing does, go on at that time with
 * sim_eventq_skip_to(), which advances the clock and consumes the sequence
 * number and the count of fired events the schedule and the firing would
 * have, so the order of every other event and the counts stay the same.
 */
#ifndef SIM_EVENT_H
#define SIM_EVENT_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <signal.h>

#include "sim/time.h"

#ifndef container_of
#define container_of(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))
#endif

struct sim_event;
typedef void (*sim_event_fn)(struct sim_event *ev);

struct sim_event {
	sim_time_t time;  /* ps: when it fires */
	uint64_t seq;	  /* insertion sequence, ties broken FIFO */
	uint64_t tie;	  /* (prio + 2^15) << 48 | seq: the order among equal times */
	uint32_t heap_ix; /* index in the heap, UINT32_MAX when not pending */
	int32_t prio;	  /* lower fires first among equal times */
	sim_event_fn fn;  /* REQUIRED: called when the event fires */
};

struct sim_eventq {
	struct sim_event **heap; /* binary min-heap */
	uint32_t len;		 /* heap slots in use: pending events, + 1 with a hole */
	bool hole;		 /* heap[0] is vacant (the event being run came from it) */
	uint32_t cap;		 /* heap capacity */
	uint64_t next_seq;	 /* next insertion sequence */
	sim_time_t now;		 /* ps: time of the event being run */
	sim_time_t until;	 /* ps: the running sim_eventq_run()'s bound, -1 outside it */
	uint64_t fired;		 /* events run so far (runs in place included) */
	/*
	 * When non-NULL and non-zero, sim_eventq_run() returns before the next
	 * event: a signal handler may set it (it is only read, never written).
	 * The pointer itself is read once per sim_eventq_run() call.
	 */
	const volatile sig_atomic_t *stop;
};

/* Initialise the queue with room for @cap_hint pending events. 0 on success, -1 on ENOMEM. */
int sim_eventq_init(struct sim_eventq *q, uint32_t cap_hint);
void sim_eventq_release(struct sim_eventq *q);

/* Prepare an embedded event (not pending); @prio in [-32768, 32767]. */
void sim_event_init(struct sim_event *ev, sim_event_fn fn, int32_t prio);

/* True while @ev is pending. */
static inline bool sim_event_pending(const struct sim_event *ev)
{
	return ev->heap_ix != UINT32_MAX;
}

/*
 * Schedule @ev at absolute time @t (>= q->now). If it is already pending it is
 * moved (and gets a new sequence number). Aborts on allocation failure.
 */
void sim_event_schedule(struct sim_eventq *q, struct sim_event *ev, sim_time_t t);

/* Remove @ev if pending; no-op otherwise. */
void sim_event_cancel(struct sim_eventq *q, struct sim_event *ev);

/* Earliest pending event, or NULL. */
struct sim_event *sim_eventq_peek(struct sim_eventq *q);

/*
 * Pop and run events in order while their time is <= @until. Returns the number
 * of events run, as counted in q->fired (runs in place included). q->now is left at the time of the last event run, then set to
 * @until if the queue ran dry before it. A set *q->stop ends the loop between
 * two events (q->now stays at the last event run).
 */
uint64_t sim_eventq_run(struct sim_eventq *q, sim_time_t until);

/* Pop the earliest event without running it (tests); sets q->now. NULL if empty. */
struct sim_event *sim_eventq_pop(struct sim_eventq *q);

/*
 * True when something would come before an event of priority @prio scheduled
 * now at @t (its key (t, prio, q->next_seq)): a pending event with a smaller
 * key, that is (time, prio) <= (@t, @prio), the end of the running
 * sim_eventq_run() (@t > until), or a stop request. Always true outside
 * sim_eventq_run(). Reads only the root, or its two children while the root
 * is vacant, and changes nothing.
 */
static inline bool sim_eventq_first_at(const struct sim_eventq *q, sim_time_t t, int32_t prio)
{
	uint64_t tie = (uint64_t)(uint16_t)(prio + 32768) << 48 | q->next_seq;
	uint32_t i = q->hole, end = q->hole ? 3 : 1;

	if (t > q->until)
		return true;
	if (end > q->len)
		end = q->len;
	for (; i < end; i++) {
		const struct sim_event *e = q->heap[i];

		if (e->time < t || (e->time == t && e->tie < tie))
			return true;
	}
	return q->stop && *q->stop;
}

/*
 * Go on at @t (q->now <= @t <= until) as if an event scheduled now at @t had
 * just fired: when sim_eventq_first_at() said nothing comes first. Consumes
 * the sequence number of that schedule and counts the event as fired.
 */
void sim_eventq_skip_to(struct sim_eventq *q, sim_time_t t);

#endif
