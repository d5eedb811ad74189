/*
 * models/kernel/contention.h - contention between cores: spinlocks as simulated
 * resources, and the memory bandwidth the machine's cores share.
 *
 * Spinlocks. Kernel reference: include/linux/spinlock.h, kernel/locking/qspinlock.c
 * (a CPU that finds the lock held spins, busy, until the holder releases
 * it). Work in skbsim is computed when a unit of CPU time starts, so a lock
 * is a reservation: a CPU that reaches the lock at time t (its unit's start
 * plus the work before the lock) and holds it for h gets it at
 * max(t, the end of the last reservation) unless its whole critical section
 * fits before the last reservation's start, and reserves [start, start + h).
 * The wait is spin time, which the caller adds to its unit (so it shows in
 * the CPU accounting of that context). A lock last held by another CPU first
 * moves its cache line (and the data it guards): `lock_bounce` cycles.
 *
 * Simplified: acquisitions are served in the order the units are computed
 * (qspinlock is FIFO among waiters, by arrival); only the last reservation is
 * remembered; a holder preempted by a hard interrupt does not extend its hold.
 *
 * Memory bandwidth. Copies to and from user space (recvmsg, sendmsg) of all
 * the CPUs of a machine share `mem_bandwidth` (bytes/s). The bytes copied
 * are counted per window of MEMBW_WINDOW; a copy costs copy_per_byte /
 * (1 - u) cycles per byte, where u is the previous window's bytes over what
 * the bandwidth moves in a window (at most 0.9): a queue in front of the
 * memory system, so the loss grows with the total copy rate of the machine.
 *
 * Simplified: only user copies count (not DMA, nor the kernel's own touches
 * of headers and metadata); one bandwidth per machine (no NUMA nodes).
 */
#ifndef MODELS_CONTENTION_H
#define MODELS_CONTENTION_H

#include <stdint.h>

#include "sim/event.h"

struct cpu;
struct host;

#define MEMBW_WINDOW   (100 * SIM_US) /* ps: the copy-rate window */
#define MEMBW_UTIL_MAX 0.9	      /* the highest utilisation a copy sees */

/* The machine's copy traffic (in its host). */
struct membw {
	sim_time_t win_start; /* ps: start of the current window */
	uint64_t win_bytes;   /* bytes copied in it */
	double util;	      /* the previous window's bytes / (mem_bandwidth * window) */
};

/*
 * Cycles to copy @bytes to or from user space at @cpb cycles per byte (host
 * @ns's copy_per_byte or send_copy_per_byte) at time @t, on its machine's
 * memory bandwidth; the bytes join the machine's window.
 */
double membw_copy_cycles(struct host *ns, sim_time_t t, uint64_t bytes, double cpb);

struct sim_spinlock {
	sim_time_t busy_from;	 /* ps: start of the last reservation */
	sim_time_t free_at;	 /* ps: its end (the lock is free after) */
	const struct cpu *owner; /* CPU of the last reservation, NULL = never taken */
	uint64_t acquired;	 /* acquisitions (whole run) */
	uint64_t contended;	 /* acquisitions that spun (whole run) */
	uint64_t bounced;	 /* acquisitions after another CPU's (lock_bounce paid) */
	sim_time_t spin_ps;	 /* ps spun by all CPUs (whole run) */
};

/* One spinlock's counters as the report shows them (models/subsys.h's locks hook). */
struct lock_report {
	const char *owner;  /* "eth0:0:" (a qdisc), "srv" (a socket) */
	const char *lock;   /* "qdisc_lock", "busylock", "sk_receive_queue.lock" */
	uint64_t acquired;  /* acquisitions, whole run */
	uint64_t contended; /* acquisitions that spun */
	uint64_t bounced;   /* acquisitions after another CPU held it */
	sim_time_t spin_ps; /* ps spun by all CPUs */
};

static inline struct lock_report lock_report_of(const char *owner, const char *lock,
						const struct sim_spinlock *l)
{
	struct lock_report r = { owner, lock, l->acquired, l->contended, l->bounced, l->spin_ps };

	return r;
}

/*
 * When CPU @c, reaching @l at @t, gets it (at or after @t + the bounce);
 * nothing is reserved yet.
 */
sim_time_t spin_lock_start(const struct sim_spinlock *l, const struct cpu *c, sim_time_t t,
			   sim_time_t hold);
/* Reserve @l for @c over [@start, @end); counts the spin from @t. */
void spin_lock_reserve(struct sim_spinlock *l, const struct cpu *c, sim_time_t t, sim_time_t start,
		       sim_time_t end);
/* spin_lock_hold() when the lock is busy or was last another CPU's (out of line). */
sim_time_t spin_lock_hold_slow(struct sim_spinlock *l, const struct cpu *c, sim_time_t t,
			       sim_time_t hold);
/*
 * spin_lock() + a critical section of @hold ps + spin_unlock(): returns the
 * ps @c waits before its critical section (bounce and spin). Inline: taken
 * per packet, nearly always free and already this CPU's.
 */
static inline sim_time_t spin_lock_hold(struct sim_spinlock *l, const struct cpu *c, sim_time_t t,
					sim_time_t hold)
{
	if (l->owner == c && t >= l->free_at) { /* free, and its line is ours: the common case */
		l->acquired++;
		l->busy_from = t;
		l->free_at = t + hold;
		return 0;
	}
	return spin_lock_hold_slow(l, c, t, hold);
}

/* spin_ps_to_cycles() of a wait (@ps > 0; out of line). */
uint64_t spin_ps_to_cycles_slow(const struct cpu *c, sim_time_t ps);
/* ps to cycles on @c's host (rounded up: a started cycle is spent). */
static inline uint64_t spin_ps_to_cycles(const struct cpu *c, sim_time_t ps)
{
	return ps <= 0 ? 0 : spin_ps_to_cycles_slow(c, ps); /* the common case: no wait */
}

#endif /* MODELS_CONTENTION_H */
