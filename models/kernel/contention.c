/*
 * models/kernel/contention.c - contended spinlocks as reservations, shared memory bandwidth.
 *
 * See models/kernel/contention.h for the model and what it simplifies.
 */
#include "models/kernel/contention.h"
#include "models/kernel/cpu.h"

/* The lock's line comes from another core: lock_bounce cycles before the lock is tried. */
static sim_time_t spin_bounce_ps(const struct sim_spinlock *l, const struct cpu *c)
{
	return l->owner && l->owner != c ? cycles_to_ps(c->host, c->host->costs.lock_bounce) : 0;
}

sim_time_t spin_lock_start(const struct sim_spinlock *l, const struct cpu *c, sim_time_t t,
			   sim_time_t hold)
{
	t += spin_bounce_ps(l, c);
	if (t >= l->free_at || t + hold <= l->busy_from)
		return t; /* free now, or free long enough before the last holder */
	return l->free_at;
}

void spin_lock_reserve(struct sim_spinlock *l, const struct cpu *c, sim_time_t t, sim_time_t start,
		       sim_time_t end)
{
	sim_time_t spin = start - t - spin_bounce_ps(l, c);

	l->acquired++;
	if (l->owner && l->owner != c)
		l->bounced++;
	if (spin > 0) {
		l->contended++;
		l->spin_ps += spin;
	}
	if (end > l->free_at) { /* keep the later reservation */
		l->busy_from = start;
		l->free_at = end;
	}
	l->owner = c;
}

/* spin_lock_hold() past its inline common case (models/kernel/contention.h). */
sim_time_t spin_lock_hold_slow(struct sim_spinlock *l, const struct cpu *c, sim_time_t t,
			       sim_time_t hold)
{
	sim_time_t start = spin_lock_start(l, c, t, hold);

	spin_lock_reserve(l, c, t, start, start + hold);
	return start - t;
}

/* spin_ps_to_cycles() for a wait (@ps > 0). */
uint64_t spin_ps_to_cycles_slow(const struct cpu *c, sim_time_t ps)
{
	double cy;

	cy = (double)ps * c->host->clock_hz / 1e12;
	return (uint64_t)cy + ((double)(uint64_t)cy < cy);
}

/* Move the window on to the one holding @t; the last complete one gives the utilisation. */
static void membw_roll(struct membw *m, double bw, sim_time_t t)
{
	sim_time_t elapsed = t - m->win_start;

	if (elapsed < MEMBW_WINDOW)
		return;
	/* a window with no copy in between leaves nothing queued */
	m->util = elapsed < 2 * MEMBW_WINDOW
			  ? (double)m->win_bytes / (bw * sim_time_sec(MEMBW_WINDOW))
			  : 0;
	m->win_start = t - elapsed % MEMBW_WINDOW;
	m->win_bytes = 0;
}

double membw_copy_cycles(struct host *ns, sim_time_t t, uint64_t bytes, double cpb)
{
	struct host *mh = ns->machine;
	double u;

	if (!mh->costs.mem_bandwidth)
		return (double)bytes * cpb;
	membw_roll(&mh->membw, mh->costs.mem_bandwidth, t);
	mh->membw.win_bytes += bytes;
	u = mh->membw.util < MEMBW_UTIL_MAX ? mh->membw.util : MEMBW_UTIL_MAX;
	return (double)bytes * cpb / (1 - u);
}
