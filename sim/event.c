/*
 * sim/event.c - the pending-event set: a binary min-heap of embedded events.
 *
 * Events are ordered by (time, prio, seq); seq is unique per queue, so the
 * order is total and runs are deterministic. prio (16 bits, biased) and seq
 * (48 bits: 2.8e14 events a run) are packed in one word, ev->tie, so that
 * (time, tie) compares as one 128-bit key without branches. Each event remembers its heap
 * slot (heap_ix), which makes cancel and reschedule O(log n). Sifting moves a
 * hole instead of swapping, so each level costs one pointer store and one
 * heap_ix store. sim_eventq_run() leaves the root vacant while an event runs
 * (q->hole): the first event then scheduled, not yet pending, fills it with a
 * single sift down; any other operation first fills it with the last slot, as
 * a pop would have. This file is the simulator's hot path.
 *
 * Binary rather than 4-ary: the runs hold about ten pending events (a CPU's
 * job end each, a NIC's timers), where a sift down compares two children per
 * level over at most three levels instead of four over two (callgrind: 10 %
 * fewer instructions per schedule on the send and forwarding benchmarks).
 */
#include "sim/event.h"

#include <stdio.h>
#include <stdlib.h>

#include "sim/error.h"

#define EVQ_ARITY   2u			      /* children per heap node */
#define EVQ_MIN_CAP 16u			      /* smallest heap array, events */
#define EVQ_MAX_CAP (UINT32_MAX / 2)	      /* heap_ix must stay below UINT32_MAX */
#define EVQ_MAX_SEQ ((UINT64_C(1) << 48) - 1) /* seq's share of the tie word */

/* True when @a fires before @b. */
static inline bool ev_before(const struct sim_event *a, const struct sim_event *b)
{
	unsigned __int128 ka = (unsigned __int128)(uint64_t)a->time << 64 | a->tie;
	unsigned __int128 kb = (unsigned __int128)(uint64_t)b->time << 64 | b->tie;

	return ka < kb;
}

/* Move the hole at @ix up until @ev fits there, then store @ev. */
static inline void sift_up(struct sim_event **heap, uint32_t ix, struct sim_event *ev)
{
	while (ix > 0) {
		uint32_t parent = (ix - 1) / EVQ_ARITY;
		struct sim_event *p = heap[parent];

		if (!ev_before(ev, p))
			break;
		heap[ix] = p;
		p->heap_ix = ix;
		ix = parent;
	}
	heap[ix] = ev;
	ev->heap_ix = ix;
}

/*
 * Move the hole at @ix down (heap of @len entries) until @ev fits there, then
 * store @ev. Forced inline: GCC otherwise keeps it out of line, one call per
 * event.
 */
static inline __attribute__((always_inline)) void sift_down(struct sim_event **heap, uint32_t len,
							    uint32_t ix, struct sim_event *ev)
{
	for (;;) {
		uint32_t best = ix * EVQ_ARITY + 1;
		struct sim_event *b;

		if (best >= len)
			break;
		if (best + 1 < len && ev_before(heap[best + 1], heap[best]))
			best++;
		b = heap[best];
		if (!ev_before(b, ev))
			break;
		heap[ix] = b;
		b->heap_ix = ix;
		ix = best;
	}
	heap[ix] = ev;
	ev->heap_ix = ix;
}

/* Put @ev, whose key changed, back in order from its slot @ix. */
static inline void sift_any(struct sim_eventq *q, uint32_t ix, struct sim_event *ev)
{
	if (ix > 0 && ev_before(ev, q->heap[(ix - 1) / EVQ_ARITY]))
		sift_up(q->heap, ix, ev);
	else
		sift_down(q->heap, q->len, ix, ev);
}

/* Take @ix out of the heap; the caller owns the event afterwards. */
static inline void heap_remove(struct sim_eventq *q, uint32_t ix)
{
	struct sim_event *last = q->heap[--q->len];

	if (ix != q->len)
		sift_any(q, ix, last);
}

/* Fill the vacant root, if any, with the last slot: the rest of a pop. */
static inline void heap_fill_hole(struct sim_eventq *q)
{
	if (!q->hole)
		return;
	q->hole = false;
	if (--q->len)
		sift_down(q->heap, q->len, 0, q->heap[q->len]);
}

static int heap_resize(struct sim_eventq *q, uint32_t cap)
{
	struct sim_event **heap = realloc(q->heap, (size_t)cap * sizeof(*heap));

	if (!heap)
		return -1;
	q->heap = heap;
	q->cap = cap;
	return 0;
}

/* Double the heap array; out of memory here is fatal (scheduling cannot fail). */
static void heap_grow(struct sim_eventq *q)
{
	if (q->cap >= EVQ_MAX_CAP || heap_resize(q, q->cap * 2) < 0) {
		fprintf(stderr, "skbsim: out of memory growing the event heap past %u events\n",
			(unsigned)q->cap);
		abort();
	}
}

int sim_eventq_init(struct sim_eventq *q, uint32_t cap_hint)
{
	uint32_t cap = cap_hint < EVQ_MIN_CAP ? EVQ_MIN_CAP : cap_hint;

	if (cap > EVQ_MAX_CAP)
		cap = EVQ_MAX_CAP;
	q->heap = NULL;
	q->len = 0;
	q->hole = false;
	q->cap = 0;
	q->next_seq = 0;
	q->now = 0;
	q->until = -1;
	q->fired = 0;
	q->stop = NULL;
	return heap_resize(q, cap);
}

void sim_eventq_release(struct sim_eventq *q)
{
	heap_fill_hole(q);
	for (uint32_t i = 0; i < q->len; i++)
		q->heap[i]->heap_ix = UINT32_MAX;
	free(q->heap);
	q->heap = NULL;
	q->len = 0;
	q->cap = 0;
}

void sim_event_init(struct sim_event *ev, sim_event_fn fn, int32_t prio)
{
	SIM_BUG_ON(fn == NULL);
	SIM_BUG_ON(prio < INT16_MIN || prio > INT16_MAX);
	ev->time = 0;
	ev->tie = 0;
	ev->seq = 0;
	ev->heap_ix = UINT32_MAX;
	ev->prio = prio;
	ev->fn = fn;
}

/* The next insertion sequence; aborts when seq's 48 bits are used up. */
static inline uint64_t seq_take(struct sim_eventq *q)
{
	if (__builtin_expect(q->next_seq > EVQ_MAX_SEQ, 0)) {
		fprintf(stderr, "skbsim: more than %llu events scheduled in one run\n",
			(unsigned long long)EVQ_MAX_SEQ);
		abort();
	}
	return q->next_seq++;
}

void sim_event_schedule(struct sim_eventq *q, struct sim_event *ev, sim_time_t t)
{
	SIM_BUG_ON(t < q->now);
	ev->time = t;
	ev->seq = seq_take(q);
	ev->tie = (uint64_t)(uint16_t)(ev->prio + 32768) << 48 | ev->seq;
	if (q->hole) {
		if (__builtin_expect(!sim_event_pending(ev), 1)) {
			q->hole = false;
			sift_down(q->heap, q->len, 0, ev);
			return;
		}
		heap_fill_hole(q);
	}
	if (sim_event_pending(ev)) {
		sift_any(q, ev->heap_ix, ev);
		return;
	}
	if (__builtin_expect(q->len == q->cap, 0))
		heap_grow(q);
	sift_up(q->heap, q->len++, ev);
}

void sim_event_cancel(struct sim_eventq *q, struct sim_event *ev)
{
	uint32_t ix = ev->heap_ix;

	if (ix == UINT32_MAX)
		return;
	heap_fill_hole(q);
	ix = ev->heap_ix;
	SIM_BUG_ON(ix >= q->len || q->heap[ix] != ev);
	heap_remove(q, ix);
	ev->heap_ix = UINT32_MAX;
}

/* Remove and return the earliest event (the queue must not be empty). */
static inline struct sim_event *heap_pop(struct sim_eventq *q)
{
	struct sim_event *ev = q->heap[0];
	struct sim_event *last = q->heap[--q->len];

	if (q->len)
		sift_down(q->heap, q->len, 0, last);
	ev->heap_ix = UINT32_MAX;
	return ev;
}

struct sim_event *sim_eventq_peek(struct sim_eventq *q)
{
	heap_fill_hole(q);
	return q->len ? q->heap[0] : NULL;
}

struct sim_event *sim_eventq_pop(struct sim_eventq *q)
{
	struct sim_event *ev;

	heap_fill_hole(q);
	if (!q->len)
		return NULL;
	ev = heap_pop(q);
	q->now = ev->time;
	return ev;
}

void sim_eventq_skip_to(struct sim_eventq *q, sim_time_t t)
{
	SIM_BUG_ON(t < q->now || t > q->until);
	seq_take(q);
	q->now = t;
	q->fired++;
}

uint64_t sim_eventq_run(struct sim_eventq *q, sim_time_t until)
{
	static const volatile sig_atomic_t never; /* the flag of a queue without q->stop */
	const volatile sig_atomic_t *stop = q->stop ? q->stop : &never;
	uint64_t fired0 = q->fired;
	sim_time_t until0 = q->until;

	q->until = until;
	for (;;) {
		struct sim_event *ev;

		heap_fill_hole(q);
		if (!q->len || q->heap[0]->time > until)
			break;
		if (__builtin_expect(*stop, 0))
			goto out;
		/* Pop, leaving the root vacant for the next schedule (see the top). */
		ev = q->heap[0];
		ev->heap_ix = UINT32_MAX;
		q->hole = true;
		q->now = ev->time;
		q->fired++;
		ev->fn(ev);
	}
	if (!q->len && until > q->now)
		q->now = until;
out:
	q->until = until0;
	return q->fired - fired0;
}
