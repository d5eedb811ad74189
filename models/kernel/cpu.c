/*
 * models/kernel/cpu.c - CPUs: hardirq, softirq executor, ksoftirqd, CFS or EEVDF threads.
 *
 * See models/kernel/cpu.h for the model and its kernel references. The phases of
 * cpu_pick() mirror the priority of Linux contexts: a pending hardirq first,
 * then a softirq that runs on irq exit, then the thread level.
 */
#include <stdio.h>
#include <string.h>

#include "models/kernel/cpu.h"
#include "sim/error.h"
#include "sim/rng.h"

const char *const cpu_acct_name[ACCT_NR] = {
	[ACCT_IRQ] = "irq", [ACCT_SOFTIRQ] = "soft", [ACCT_KSOFTIRQD] = "ksoftirqd",
	[ACCT_SYS] = "sys", [ACCT_USR] = "usr",	     [ACCT_IDLE] = "idle",
};

const struct softirq_ops *softirq_vec[NR_SOFTIRQS_MODELLED];

enum { CPU_EV_PRIO = 30, IRQ_EV_PRIO = 20 };

static struct world *cpu_world(const struct cpu *c)
{
	return c->host->w;
}

static sim_time_t cpu_now(const struct cpu *c)
{
	return cpu_world(c)->q.now;
}

/*
 * The thread whose clock @j's time advances: its own jobs, and without
 * CONFIG_IRQ_TIME_ACCOUNTING the hardirq and inline softirq time that
 * interrupts the current task (update_rq_clock_task does not subtract it).
 */
static struct thread *acct_thread(struct cpu *c, const struct cpu_job *j)
{
	if (c->curr && j == &c->curr->job)
		return c->curr;
	if (j == &c->ksoftirqd.job)
		return &c->ksoftirqd;
	if (!c->host->costs.irq_time_accounting && (j->acct == ACCT_IRQ || j->acct == ACCT_SOFTIRQ))
		return c->curr;
	return NULL;
}

/* Charge @d ps of @j's work to its context (and to its thread's vruntime). */
static void cpu_account(struct cpu *c, struct cpu_job *j, sim_time_t d)
{
	struct thread *t = acct_thread(c, j);

	c->acct[j->acct] += d;
	if (t) {
		t->vruntime += d;
		t->sum_exec += d;
		t->slice_exec += d;
	}
}

static void eevdf_tick_arm(struct cpu *c);

/* Take the running job off the CPU, keeping its remaining time. */
static void cpu_suspend(struct cpu *c)
{
	struct cpu_job *j = c->running;
	sim_time_t d = cpu_now(c) - c->run_start;

	cpu_account(c, j, d);
	j->remaining -= d;
	sim_event_cancel(&cpu_world(c)->q, &c->ev);
	if (sim_event_pending(&c->tick_ev))
		sim_event_cancel(&cpu_world(c)->q, &c->tick_ev);
	c->running = NULL;
}

static void cpu_start(struct cpu *c, struct cpu_job *j)
{
	sim_time_t now = cpu_now(c);

	if (c->running)
		cpu_suspend(c);
	else
		c->acct[ACCT_IDLE] += now - c->idle_since;
	if (j != &c->wake_job) {
		j->remaining += c->cold_ps;
		c->cold_ps = 0;
	}
	c->running = j;
	c->run_start = now;
	sim_event_schedule(&cpu_world(c)->q, &c->ev, now + j->remaining);
	if (c->host->costs.sched_eevdf)
		eevdf_tick_arm(c);
}

static void cpu_go_idle(struct cpu *c)
{
	if (c->running)
		cpu_suspend(c);
	c->idle_since = cpu_now(c);
}

/* ---- cost variability ---- */

/*
 * COST_VARY_N draws of a lognormal with mean 1 and standard deviation
 * @cv, rescaled so that the table's mean is exactly 1: the mean cost of a
 * job stays the cost table's.
 */
static void cost_vary_init(struct cpu *c, double cv)
{
	struct sim_dist d;
	char stream[64];
	double sum = 0;

	snprintf(stream, sizeof(stream), "cost_cv/%s/%u", c->host->name, c->id);
	sim_rng_init(&c->vary_rng, c->host->w->seed, stream);
	c->vary_state = sim_rng_u64(&c->vary_rng) | 1;
	c->vary_on = cv > 0;
	if (!c->vary_on)
		return;
	sim_dist_lognormal(&d, 1.0, cv);
	for (uint32_t i = 0; i < COST_VARY_N; i++) {
		c->vary[i] = (float)sim_dist_sample(&d, &c->vary_rng);
		sum += c->vary[i];
	}
	for (uint32_t i = 0; i < COST_VARY_N; i++)
		c->vary[i] = (float)(c->vary[i] * COST_VARY_N / sum);
}

/* xorshift64* (Vigna, 2016): three shifts and a multiply, inlined, per job. */
static inline uint32_t cost_vary_index(struct cpu *c)
{
	uint64_t x = c->vary_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	c->vary_state = x;
	return (uint32_t)((x * 0x2545F4914F6CDD1DULL) >> 54);
}

/* One job's duration: @ps times one multiplier (one draw per job). */
static sim_time_t cost_vary(struct cpu *c, sim_time_t ps)
{
	if (!c->vary_on || !ps)
		return ps;
	return (sim_time_t)((double)ps * c->vary[cost_vary_index(c)] + 0.5);
}

/* ---- idle (kernel/sched/idle.c do_idle, cpuidle_idle_call) ---- */

/* cpuidle_idle_call(): the governor picks a state under the PM QoS limit. */
static void cpu_idle_enter(struct cpu *c)
{
	const struct costs *k = &c->host->costs;
	sim_time_t tick = SIM_SEC / c->host->hz;

	c->in_idle = true;
	c->idle_entered = cpu_now(c);
	sim_time_t limit;

	/* the closest timer: the next tick (jiffies at multiples of the tick period) */
	c->idle.state = cpuidle_select(&k->idle, &c->idle, k->cpu_dma_latency, tick,
				       tick - c->idle_entered % tick);
	c->idle.usage[c->idle.state]++;
	limit = c->idle.state == 0 ? cpuidle_poll_time(&k->idle, &c->idle) : 0;
	if (limit) /* poll_idle: leave the loop at the limit for a new selection */
		sim_event_schedule(&cpu_world(c)->q, &c->poll_ev, c->idle_entered + limit);
}

/*
 * The POLL loop reached its time limit with nothing to do (poll_idle sets
 * poll_time_limit): the governor learns it and selects again (haltpoll: the
 * halt). The CPU stays idle throughout.
 */
static void cpu_poll_timeout(struct sim_event *ev)
{
	struct cpu *c = container_of(ev, struct cpu, poll_ev);
	const struct costs *k = &c->host->costs;
	struct world *w = cpu_world(c);
	sim_time_t now = cpu_now(c);

	SIM_BUG_ON(!c->in_idle || c->idle.state != 0);
	cpuidle_reflect(&c->idle, &k->idle, 0, now - c->idle_entered, true);
	c->idle.time[0] += now - c->idle_entered;
	cpu_idle_enter(c);
	for (struct cpu_observer *o = w->cpu_observers; o; o = o->next)
		o->ops->run(o, c, now);
}

/*
 * Out of the idle state: the governor learns the idle time; the exit latency
 * runs as the wake job (accounted idle), a cold state owes its cache refill
 * (`idle_cold`, and its refill curve for the time spent in it) to the first job. True when there is an exit latency to wait for.
 */
static bool cpu_idle_exit(struct cpu *c)
{
	const struct costs *k = &c->host->costs;
	const struct cpuidle_state *s = &k->idle.s[c->idle.state];
	sim_time_t now = cpu_now(c);

	if (sim_event_pending(&c->poll_ev))
		sim_event_cancel(&cpu_world(c)->q, &c->poll_ev);
	cpuidle_reflect(&c->idle, &k->idle, c->idle.state, now - c->idle_entered, false);
	c->idle.time[c->idle.state] += now - c->idle_entered;
	c->in_idle = false;
	c->idle.state = -1;
	if (s->cold)
		c->cold_ps = cycles_to_ps(c->host, k->idle_cold);
	if (s->nrefill)
		c->cold_ps += cpuidle_refill(s, now - c->idle_entered);
	if (!s->exit_latency)
		return false;
	c->wake_job.remaining = s->exit_latency;
	c->wake_job.active = true;
	return true;
}

/* In a polling idle state: an IPI is a flag write, no interrupt (set_nr_if_polling). */
static bool cpu_idle_polling(const struct cpu *c)
{
	return c->in_idle && c->host->costs.idle.s[c->idle.state].polling;
}

static void wake_job_done(struct cpu_job *j)
{
	(void)j;
}

/* ---- softirq executor (kernel/softirq.c handle_softirqs) ---- */

static struct cpu_job *sx_job(struct cpu *c)
{
	return c->sx.in_thread ? &c->ksoftirqd.job : &c->softirq_job;
}

static void sx_start_unit(struct cpu *c, sim_time_t ps)
{
	struct cpu_job *j = sx_job(c);

	j->remaining = cost_vary(c, ps);
	j->active = true;
	j->preemptible = false;
	j->acct = c->sx.in_thread ? ACCT_KSOFTIRQD : ACCT_SOFTIRQ;
	c->sx.unit_running = true;
}

static void wakeup_softirqd(struct cpu *c)
{
	c->ksoftirqd_wakeups++;
	thread_wake(&c->ksoftirqd);
}

/* Advance handle_softirqs until it starts a unit of work or returns. */
static void softirq_continue(struct cpu *c)
{
	struct softirq_exec *sx = &c->sx;
	struct host *h = c->host;
	sim_time_t ps;

	for (;;) {
		if (sx->cur >= 0) {
			if (softirq_vec[sx->cur]->step(c, &ps)) {
				sx_start_unit(c, ps);
				return;
			}
			sx->cur = -1;
		}
		if (sx->running) {
			int nr = __builtin_ctz(sx->running);

			sx->running &= ~(1u << nr);
			sx->cur = nr;
			if (softirq_vec[nr]->begin)
				softirq_vec[nr]->begin(c);
			continue;
		}
		if (!c->softirq_pending)
			break;
		/* if (time_before(jiffies, end) && !need_resched() && --max_restart) goto restart */
		if (host_jiffies(h, cpu_now(c)) < sx->end_jiffies && !c->need_resched &&
		    --sx->max_restart) {
			c->softirq_restarts++;
			sx->running = c->softirq_pending;
			c->softirq_pending = 0;
			continue;
		}
		if (!sx->in_thread)
			wakeup_softirqd(c);
		break;
	}
	sx->active = false;
	sx->unit_running = false;
}

/* Unit done: let the vector commit its effects (and pay for them), then go on. */
static void softirq_unit_done(struct cpu *c)
{
	c->sx.unit_running = false;
	if (c->sx.cur >= 0)
		softirq_vec[c->sx.cur]->commit(c);
	if (c->charge_ps > 0) {
		sx_start_unit(c, c->charge_ps);
		c->charge_ps = 0;
		return;
	}
	softirq_continue(c);
}

static void softirq_job_done(struct cpu_job *j)
{
	softirq_unit_done(container_of(j, struct cpu, softirq_job));
}

/* Enter handle_softirqs; the first unit is the entry cost. */
static void softirq_begin(struct cpu *c, bool in_thread)
{
	struct softirq_exec *sx = &c->sx;
	struct host *h = c->host;

	sx->active = true;
	sx->in_thread = in_thread;
	sx->max_restart = MAX_SOFTIRQ_RESTART;
	sx->end_jiffies =
		host_jiffies(h, cpu_now(c)) + host_usecs_to_jiffies(h, MAX_SOFTIRQ_TIME_MS * 1000);
	sx->running = c->softirq_pending;
	c->softirq_pending = 0;
	sx->cur = -1;
	sx_start_unit(c, cycles_to_ps(h, h->costs.softirq_entry));
}

void local_bh_enable(struct cpu *c)
{
	if (c->softirq_pending && !c->sx.active && !c->irq_cur && !c->hardirq_job.active)
		softirq_begin(c, false);
}

void raise_softirq(struct cpu *c, enum softirq_nr nr)
{
	raise_softirq_irqoff(c, nr);
	if (!c->sx.active && !c->irq_cur)
		wakeup_softirqd(c);
}

/* ---- ksoftirqd (run_ksoftirqd) ---- */

static void ksoftirqd_job_done(struct cpu_job *j)
{
	struct thread *t = container_of(j, struct thread, job);

	softirq_unit_done(t->cpu);
}

static void ksoftirqd_run(struct thread *t)
{
	struct cpu *c = t->cpu;

	if (!c->softirq_pending || c->sx.active) {
		thread_block(t);
		return;
	}
	t->job.done = ksoftirqd_job_done;
	softirq_begin(c, true);
}

/* ---- hardirq ---- */

static void irq_exit(struct cpu *c)
{
	if (c->softirq_pending && !c->sx.active && !c->bh_disabled)
		softirq_begin(c, false);
}

static void hardirq_job_set(struct cpu *c, uint64_t cycles)
{
	c->hardirq_job.remaining = cost_vary(c, cycles_to_ps(c->host, cycles));
	c->hardirq_job.active = true;
}

/* End of the entry part: the handler runs, then irq_exit_rcu; end of the exit part: softirqs. */
static void hardirq_done(struct cpu_job *j)
{
	struct cpu *c = container_of(j, struct cpu, hardirq_job);
	struct irq_desc *d = c->irq_cur;

	if (!c->irq_in_exit) {
		d->pending = false;
		d->count++;
		d->handler(d);
		c->irq_in_exit = true;
		hardirq_job_set(c, c->host->costs.irq_exit);
		return;
	}
	c->irq_in_exit = false;
	c->irq_cur = NULL;
	if (!c->irq_head)
		irq_exit(c);
}

static bool hardirq_next(struct cpu *c)
{
	struct irq_desc *d = c->irq_head;

	if (!d)
		return false;
	c->irq_head = d->next;
	if (!c->irq_head)
		c->irq_tail = NULL;
	d->next = NULL;
	c->irq_cur = d;
	hardirq_job_set(c, c->host->costs.irq_entry);
	return true;
}

/*
 * flush_smp_call_function_queue() from the idle loop: the IPIs a polling idle
 * CPU took as flags run their handlers (not counted as interrupts), then
 * pending softirqs run (do_softirq).
 */
static void cpu_flush_csd(struct cpu *c)
{
	while (c->csd_head) {
		struct irq_desc *d = c->csd_head;

		c->csd_head = d->next;
		d->next = NULL;
		d->pending = false;
		d->handler(d);
	}
	c->csd_tail = NULL;
	irq_exit(c);
}

static void irq_delayed_fire(struct sim_event *ev)
{
	irq_raise(container_of(ev, struct irq_desc, ev));
}

void irq_desc_init(struct irq_desc *d, const char *name, struct cpu *c,
		   void (*handler)(struct irq_desc *d))
{
	memset(d, 0, sizeof(*d));
	d->name = name;
	d->cpu = c;
	d->handler = handler;
	sim_event_init(&d->ev, irq_delayed_fire, IRQ_EV_PRIO);
}

void ipi_desc_init(struct irq_desc *d, const char *name, struct cpu *c,
		   void (*handler)(struct irq_desc *d))
{
	irq_desc_init(d, name, c, handler);
	d->ipi = true;
}

static void irq_list_add(struct irq_desc **head, struct irq_desc **tail, struct irq_desc *d)
{
	if (*tail)
		(*tail)->next = d;
	else
		*head = d;
	*tail = d;
}

void irq_raise(struct irq_desc *d)
{
	struct cpu *c = d->cpu;

	if (d->pending)
		return;
	d->pending = true;
	if (d->ipi && cpu_idle_polling(c))
		irq_list_add(&c->csd_head, &c->csd_tail, d);
	else
		irq_list_add(&c->irq_head, &c->irq_tail, d);
	cpu_kick(c);
}

static void cpu_observe_ipi(const struct irq_desc *d, sim_time_t t)
{
	const struct world *w = d->cpu->host->w;

	for (struct cpu_observer *o = w->cpu_observers; o; o = o->next)
		if (o->ops->ipi)
			o->ops->ipi(o, w->this_cpu, d, t);
}

void irq_raise_at(struct irq_desc *d, sim_time_t t)
{
	if (d->pending || sim_event_pending(&d->ev))
		return;
	if (__builtin_expect(d->ipi && d->cpu->host->w->cpu_observers != NULL, 0))
		cpu_observe_ipi(d, t);
	sim_event_schedule(&d->cpu->host->w->q, &d->ev, t);
}

/* ---- threads (kernel/sched/fair.c, simplified) ---- */

static sim_time_t sched_ns(uint64_t ns)
{
	return (sim_time_t)ns * SIM_NS;
}

void thread_init(struct thread *t, struct cpu *c, const char *name, void (*run)(struct thread *t),
		 void *priv)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->cpu = c;
	t->run = run;
	t->priv = priv;
	t->state = THREAD_BLOCKED;
}

void thread_start_job(struct thread *t, sim_time_t ps, uint8_t acct, bool preemptible,
		      void (*done)(struct cpu_job *job))
{
	SIM_BUG_ON(t->job.active);
	/* user work (an app's `work:`) is the scenario's own distribution: not varied */
	t->job.remaining = acct == ACCT_USR ? ps : cost_vary(t->cpu, ps);
	t->job.acct = acct;
	t->job.preemptible = preemptible;
	t->job.done = done;
	t->job.active = true;
}

void thread_block(struct thread *t)
{
	SIM_BUG_ON(t->job.active);
	t->state = THREAD_BLOCKED;
}

static void rq_add(struct cpu *c, struct thread *t)
{
	SIM_BUG_ON(t->on_rq || c->nrq >= CPU_MAX_THREADS);
	c->rq[c->nrq++] = t;
	t->on_rq = true;
}

/* Leftmost (smallest vruntime, earliest added on ties) runnable thread. */
static int rq_leftmost(const struct cpu *c)
{
	int best = -1;

	for (uint32_t i = 0; i < c->nrq; i++)
		if (best < 0 || c->rq[i]->vruntime < c->rq[best]->vruntime)
			best = (int)i;
	return best;
}

static struct thread *rq_take(struct cpu *c, int ix)
{
	struct thread *t = c->rq[ix];

	memmove(&c->rq[ix], &c->rq[ix + 1], (c->nrq - (uint32_t)ix - 1) * sizeof(c->rq[0]));
	c->nrq--;
	t->on_rq = false;
	return t;
}

static void update_min_vruntime(struct cpu *c)
{
	sim_time_t v = c->min_vruntime;
	int l = rq_leftmost(c);
	sim_time_t cand = SIM_NEVER;

	if (c->curr && c->curr->state == THREAD_RUNNABLE)
		cand = c->curr->vruntime;
	if (l >= 0 && c->rq[l]->vruntime < cand)
		cand = c->rq[l]->vruntime;
	if (cand != SIM_NEVER && cand > v)
		c->min_vruntime = cand;
}

/* ---- EEVDF (kernel/sched/fair.c 6.18; features.h: PLACE_LAG, RUN_TO_PARITY, DELAY_DEQUEUE, DELAY_ZERO) ---- */

static bool sched_eevdf(const struct cpu *c)
{
	return c->host->costs.sched_eevdf;
}

/* sysctl_sched_base_slice: every thread's request r_i (no custom slices). */
static sim_time_t base_slice(const struct cpu *c)
{
	return sched_ns(c->host->sysctl.sched_base_slice_ns);
}

/* cfs_rq->curr while queued: the switch target, else curr until schedule() dequeues it. */
static struct thread *eevdf_curr(const struct cpu *c)
{
	return c->switch_to ? c->switch_to : c->curr;
}

/* cfs_rq->avg_vruntime and the entity count: sum of (v_i - min_vruntime) at weight 1. */
static int64_t eevdf_sum(const struct cpu *c, int64_t *n)
{
	const struct thread *cur = eevdf_curr(c);
	sim_time_t v0 = c->min_vruntime;
	int64_t sum = 0;

	for (uint32_t i = 0; i < c->nrq; i++)
		sum += c->rq[i]->vruntime - v0;
	for (uint32_t i = 0; i < c->ndelayed; i++)
		sum += c->delayed[i]->vruntime - v0;
	*n = (int64_t)(c->nrq + c->ndelayed);
	if (cur) {
		sum += cur->vruntime - v0;
		(*n)++;
	}
	return sum;
}

sim_time_t avg_vruntime(const struct cpu *c)
{
	int64_t n, sum = eevdf_sum(c, &n);

	if (!n)
		return c->min_vruntime;
	if (sum < 0) /* sign flips effective floor / ceiling */
		sum -= n - 1;
	return c->min_vruntime + sum / n;
}

/* vruntime_eligible(): lag_i >= 0, without the division's rounding. */
static bool vruntime_eligible(const struct cpu *c, int64_t sum, int64_t n, sim_time_t v)
{
	return sum >= (v - c->min_vruntime) * n;
}

bool entity_eligible(const struct cpu *c, const struct thread *t)
{
	int64_t n, sum = eevdf_sum(c, &n);

	return vruntime_eligible(c, sum, n, t->vruntime);
}

/* update_min_vruntime(): the smallest queued vruntime, never moving back. */
static void eevdf_update_min_vruntime(struct cpu *c)
{
	const struct thread *cur = eevdf_curr(c);
	sim_time_t v = SIM_NEVER;

	for (uint32_t i = 0; i < c->nrq; i++)
		if (c->rq[i]->vruntime < v)
			v = c->rq[i]->vruntime;
	for (uint32_t i = 0; i < c->ndelayed; i++)
		if (c->delayed[i]->vruntime < v)
			v = c->delayed[i]->vruntime;
	if (cur && cur->vruntime < v)
		v = cur->vruntime;
	if (v != SIM_NEVER && v > c->min_vruntime)
		c->min_vruntime = v;
}

/*
 * update_entity_lag(): vlag = V - v_i, limited to the larger of two slices
 * and a tick (the timing granularity), while @t is still queued.
 */
static void update_entity_lag(struct cpu *c, struct thread *t)
{
	sim_time_t limit = 2 * base_slice(c), tick = SIM_SEC / c->host->hz;
	sim_time_t vlag = avg_vruntime(c) - t->vruntime;

	if (limit < tick)
		limit = tick;
	if (vlag > limit)
		vlag = limit;
	if (vlag < -limit)
		vlag = -limit;
	t->vlag = vlag;
}

void place_entity(struct cpu *c, struct thread *t)
{
	int64_t n;
	sim_time_t lag = 0, v;

	(void)eevdf_sum(c, &n);
	v = avg_vruntime(c);
	/* vl_i = (W + w_i) * vl'_i / W keeps the lag once @t has joined the average */
	if (n && t->vlag)
		lag = t->vlag * (n + 1) / n;
	t->vruntime = v - lag;
	t->deadline = t->vruntime + base_slice(c);
}

/* update_deadline(): the request is used up, issue the next one; true to reschedule. */
static bool update_deadline(struct cpu *c, struct thread *t)
{
	if (t->vruntime < t->deadline)
		return false;
	t->deadline = t->vruntime + base_slice(c);
	return true;
}

/* protect_slice(): set_protect_slice() made vprot the deadline at the pick (equal slices). */
static bool protect_slice(const struct thread *t)
{
	return t->vruntime < t->vprot;
}

/*
 * update_curr(): bring the running thread's clock up to now (the model
 * otherwise charges it at job ends), its deadline and min_vruntime.
 */
static void update_curr_fair(struct cpu *c)
{
	struct thread *cur = eevdf_curr(c);

	cpu_acct_flush(c, cpu_now(c));
	if (cur && cur->state == THREAD_RUNNABLE)
		update_deadline(c, cur);
	eevdf_update_min_vruntime(c);
}

struct thread *pick_eevdf(const struct cpu *c, bool protect)
{
	struct thread *curr = eevdf_curr(c), *best = NULL;
	int64_t n, sum = eevdf_sum(c, &n);

	if (curr && curr->state != THREAD_RUNNABLE)
		curr = NULL; /* blocked, not yet dequeued: still in V, not a candidate */
	if (!curr && !c->nrq && !c->ndelayed)
		return NULL;
	if (n == 1)
		return curr ? curr : c->nrq ? c->rq[0] : c->delayed[0];
	if (curr && !vruntime_eligible(c, sum, n, curr->vruntime))
		curr = NULL;
	if (curr && protect && protect_slice(curr))
		return curr;
	for (uint32_t i = 0; i < c->nrq; i++)
		if (vruntime_eligible(c, sum, n, c->rq[i]->vruntime) &&
		    (!best || c->rq[i]->deadline < best->deadline))
			best = c->rq[i];
	for (uint32_t i = 0; i < c->ndelayed; i++)
		if (vruntime_eligible(c, sum, n, c->delayed[i]->vruntime) &&
		    (!best || c->delayed[i]->deadline < best->deadline))
			best = c->delayed[i];
	if (!best || (curr && curr->deadline < best->deadline))
		best = curr;
	SIM_BUG_ON(n && !best);
	return best;
}

static void delayed_add(struct cpu *c, struct thread *t)
{
	SIM_BUG_ON(t->sched_delayed || c->ndelayed >= CPU_MAX_THREADS);
	c->delayed[c->ndelayed++] = t;
	t->sched_delayed = true;
}

static void delayed_del(struct cpu *c, struct thread *t)
{
	uint32_t i = 0;

	while (c->delayed[i] != t)
		i++;
	memmove(&c->delayed[i], &c->delayed[i + 1], (c->ndelayed - i - 1) * sizeof(c->delayed[0]));
	c->ndelayed--;
	t->sched_delayed = false;
}

/*
 * dequeue_entity(DEQUEUE_SLEEP) of the current thread @t: an ineligible one
 * (negative lag) stays queued, sched_delayed, so that it keeps competing until
 * its lag is paid (DELAY_DEQUEUE); otherwise its lag is saved for place_entity().
 */
static void dequeue_entity_sleep(struct cpu *c, struct thread *t)
{
	if (!entity_eligible(c, t)) {
		delayed_add(c, t);
		return;
	}
	update_entity_lag(c, t);
}

/* dequeue_entity(DEQUEUE_DELAYED) when picked: finish_delayed_dequeue_entity() (DELAY_ZERO). */
static void finish_delayed_dequeue(struct cpu *c, struct thread *t)
{
	update_entity_lag(c, t);
	delayed_del(c, t);
	if (t->vlag > 0)
		t->vlag = 0;
}

/* requeue_delayed_entity(): woken while delayed; a lag that turned positive is dropped. */
static void requeue_delayed_entity(struct cpu *c, struct thread *t)
{
	update_entity_lag(c, t);
	delayed_del(c, t);
	if (t->vlag > 0) {
		t->vlag = 0;
		place_entity(c, t);
	}
}

/* pick_next_entity(): a delayed thread that comes up is dequeued for good, then pick again. */
static struct thread *pick_next_entity(struct cpu *c)
{
	for (;;) {
		struct thread *t = pick_eevdf(c, true);

		if (!t || !t->sched_delayed)
			return t;
		finish_delayed_dequeue(c, t);
	}
}

static int rq_index(const struct cpu *c, const struct thread *t)
{
	for (uint32_t i = 0; i < c->nrq; i++)
		if (c->rq[i] == t)
			return (int)i;
	return -1;
}

/*
 * __schedule() under EEVDF: a blocking prev is dequeued (or delayed), the
 * pick is pick_eevdf(); a runnable prev that is picked again keeps running
 * with its protection unchanged (no set_next_entity), else it goes back to
 * the queue (put_prev_entity) and the pick gets vprot = its deadline.
 */
static void schedule_fair(struct cpu *c)
{
	struct thread *prev = c->curr, *next;

	c->need_resched = false;
	if (prev && prev->state != THREAD_RUNNABLE) {
		dequeue_entity_sleep(c, prev);
		prev->nvcsw++;
		c->curr = NULL;
	}
	update_curr_fair(c);
	next = pick_next_entity(c);
	if (next && next == c->curr)
		return;
	if (c->curr) {
		c->curr->nivcsw++;
		rq_add(c, c->curr);
		c->curr = NULL;
	}
	if (!next)
		return;
	rq_take(c, rq_index(c, next));
	next->slice_exec = 0;
	next->vprot = next->deadline;
	c->sched_tick = host_jiffies(c->host, cpu_now(c));
	c->switch_to = next;
	c->cs_job.remaining = cost_vary(c, cycles_to_ps(c->host, c->host->costs.context_switch));
	c->cs_job.acct = ACCT_SYS;
	c->cs_job.active = true;
}

/*
 * Between the current thread's jobs, if a scheduler tick has passed since it
 * was picked or last checked (task_tick_fair -> update_curr; nothing else
 * looks at a thread that neither sleeps nor wakes anyone): update_curr() asks
 * for a reschedule when the request is used up or the protection has ended
 * with others queued; __schedule() switches only when the pick is another
 * thread. So a turn ends at the first tick after the deadline, seen at the
 * end of the job that spans it.
 */
static bool eevdf_resched(struct cpu *c, struct thread *t)
{
	uint64_t tick = host_jiffies(c->host, cpu_now(c));
	bool expired;

	if (tick == c->sched_tick)
		return false;
	c->sched_tick = tick;
	expired = update_deadline(c, t);
	if (!c->nrq && !c->ndelayed)
		return false;
	if (!expired && protect_slice(t))
		return false;
	return pick_next_entity(c) != t;
}

/*
 * The scheduler tick inside the current thread's running user-mode job, with
 * another thread queued: the next jiffy boundary, when the job would still
 * run then (a job that ends on the boundary sees the tick at its end).
 */
static void eevdf_tick_arm(struct cpu *c)
{
	struct host *h = c->host;
	sim_time_t now = cpu_now(c), jiffy = SIM_SEC / h->hz, next;

	if (!c->curr || c->running != &c->curr->job || !c->running->preemptible ||
	    (!c->nrq && !c->ndelayed) || sim_event_pending(&c->tick_ev))
		return;
	next = ((sim_time_t)host_jiffies(h, now) + 1) * jiffy;
	if (now + c->running->remaining > next)
		sim_event_schedule(&cpu_world(c)->q, &c->tick_ev, next);
}

/* task_tick_fair() during user work: update_curr(), and preempt at once if the pick changed. */
static void sched_tick_fire(struct sim_event *ev)
{
	struct cpu *c = container_of(ev, struct cpu, tick_ev);
	struct thread *t = c->curr;

	cpu_acct_flush(c, cpu_now(c));
	if (eevdf_resched(c, t)) {
		c->need_resched = true;
		cpu_kick(c);
		return;
	}
	eevdf_tick_arm(c);
}

/* enqueue_entity() on wake-up, after update_curr(); a delayed thread is requeued in place. */
static void enqueue_entity_fair(struct cpu *c, struct thread *t)
{
	update_curr_fair(c);
	t->state = THREAD_RUNNABLE;
	if (t->sched_delayed)
		requeue_delayed_entity(c, t);
	else
		place_entity(c, t);
	rq_add(c, t);
	eevdf_tick_arm(c);
}

/*
 * check_preempt_wakeup_fair(): update_curr() already rescheduled when the
 * current thread's protection is over; else preempt when the woken thread
 * is now the pick (eligible, earlier deadline). Equal slices: no PREEMPT_SHORT.
 */
static bool check_preempt_wakeup_fair(const struct cpu *c, const struct thread *t)
{
	const struct thread *cur = eevdf_curr(c);

	if (!cur || cur->state != THREAD_RUNNABLE || !protect_slice(cur))
		return true;
	return pick_eevdf(c, true) == t;
}

static void cs_done(struct cpu_job *j)
{
	struct cpu *c = container_of(j, struct cpu, cs_job);

	c->curr = c->switch_to;
	c->switch_to = NULL;
	c->context_switches++;
}

/* __schedule(): put prev back if runnable, pick the leftmost, switch if different. */
static void schedule(struct cpu *c)
{
	struct thread *prev = c->curr;
	struct thread *next;
	int l;

	if (sched_eevdf(c)) {
		schedule_fair(c);
		return;
	}
	c->need_resched = false;
	update_min_vruntime(c);
	if (prev && prev->state == THREAD_RUNNABLE) {
		rq_add(c, prev);
		if (prev->job.active)
			prev->nivcsw++;
	} else if (prev) {
		prev->nvcsw++;
	}
	l = rq_leftmost(c);
	next = l >= 0 ? rq_take(c, l) : NULL;
	if (next == prev) {
		c->curr = prev;
		return;
	}
	c->curr = NULL;
	if (!next)
		return;
	next->slice_exec = 0;
	c->switch_to = next;
	c->cs_job.remaining = cost_vary(c, cycles_to_ps(c->host, c->host->costs.context_switch));
	c->cs_job.acct = ACCT_SYS;
	c->cs_job.active = true;
}

/* sched_slice(): the period shared by the runnable threads. */
static bool slice_expired(const struct cpu *c, const struct thread *t)
{
	const struct sysctls *s = &c->host->sysctl;
	sim_time_t slice, gran = sched_ns(s->sched_min_granularity_ns);
	int l = rq_leftmost(c);

	if (l < 0 || c->rq[l]->vruntime >= t->vruntime)
		return false;
	slice = sched_ns(s->sched_latency_ns) / (sim_time_t)(c->nrq + 1);
	if (slice < gran)
		slice = gran;
	return t->slice_exec >= slice;
}

uint32_t cpu_nr_running(const struct cpu *c)
{
	uint32_t n = c->nrq;

	if (c->curr && c->curr->state == THREAD_RUNNABLE)
		n++;
	if (c->switch_to && c->switch_to != c->curr)
		n++;
	return n + c->ndelayed;
}

/* place_entity(): sleeper credit of half a period; then onto the run queue. */
static void ttwu_activate(struct thread *t)
{
	struct cpu *c = t->cpu;
	sim_time_t vmin = c->min_vruntime - sched_ns(c->host->sysctl.sched_latency_ns) / 2;

	if (sched_eevdf(c)) {
		enqueue_entity_fair(c, t);
		return;
	}
	t->state = THREAD_RUNNABLE;
	if (t->vruntime < vmin)
		t->vruntime = vmin;
	rq_add(c, t);
}

/* check_preempt_wakeup(): does woken @t preempt what @c runs? */
static bool wakeup_preempt(const struct cpu *c, const struct thread *t)
{
	const struct thread *cur = c->switch_to ? c->switch_to : c->curr;

	if (sched_eevdf(c))
		return check_preempt_wakeup_fair(c, t);
	return !cur || cur->state != THREAD_RUNNABLE ||
	       cur->vruntime - t->vruntime > sched_ns(c->host->sysctl.sched_wakeup_granularity_ns);
}

/* ttwu_do_activate() on @t's own CPU (also sched_ttwu_pending from the wake list IPI). */
static void ttwu_local(struct thread *t)
{
	struct cpu *c = t->cpu;

	if (t == c->curr) {
		/* woken before it was switched out: it simply goes on */
		t->state = THREAD_RUNNABLE;
		cpu_kick(c);
		return;
	}
	ttwu_activate(t);
	if (wakeup_preempt(c, t))
		c->need_resched = true;
	cpu_kick(c);
}

/* sched_ttwu_pending(): the call-function IPI activates the wake list. */
static void ipi_call_handler(struct irq_desc *d)
{
	struct cpu *c = d->cpu;

	while (c->nwake) {
		struct thread *t = c->wake_list[0];

		memmove(&c->wake_list[0], &c->wake_list[1], --c->nwake * sizeof(c->wake_list[0]));
		ttwu_local(t);
	}
}

/* scheduler_ipi(): the reschedule IPI sets need_resched. */
static void ipi_resched_handler(struct irq_desc *d)
{
	d->cpu->need_resched = true;
}

/*
 * try_to_wake_up() from @from for @t on another CPU: onto that CPU's wake
 * list when nothing runs there (ttwu_queue_cond), else enqueued from here
 * and, when it should preempt, a reschedule IPI (resched_curr).
 */
static void ttwu_remote(struct cpu *from, struct thread *t)
{
	struct cpu *c = t->cpu;
	sim_time_t at = cpu_now(from) + from->host->costs.ipi_latency;

	c->ttwu_remote++;
	if (!cpu_nr_running(c)) {
		SIM_BUG_ON(c->nwake >= CPU_MAX_THREADS);
		t->state = THREAD_WAKING;
		c->wake_list[c->nwake++] = t;
		irq_raise_at(&c->ipi_call, at);
		return;
	}
	ttwu_activate(t);
	if (wakeup_preempt(c, t) && !c->need_resched)
		irq_raise_at(&c->ipi_resched, at);
	cpu_kick(c);
}

void thread_wake(struct thread *t)
{
	struct cpu *from = t->cpu->host->w->this_cpu;

	if (t->state != THREAD_BLOCKED)
		return;
	if (from && from != t->cpu)
		ttwu_remote(from, t);
	else
		ttwu_local(t);
}

/*
 * A remote wake-up of a thread whose CPU runs nothing queues it on that CPU's
 * wake list and sends the call-function IPI (__smp_call_single_queue), unless
 * the CPU idles in a polling state (set_nr_if_polling: a flag write).
 */
uint64_t ttwu_cost(const struct costs *k, const struct thread *t)
{
	const struct cpu *from = t->cpu->host->w->this_cpu;

	if (!from || from == t->cpu)
		return k->wakeup;
	if (!cpu_nr_running(t->cpu) && !cpu_idle_polling(t->cpu))
		return k->wakeup_remote + k->ipi_send;
	return k->wakeup_remote;
}

static struct cpu_job *cpu_pick_thread(struct cpu *c)
{
	for (int guard = 0; guard < 4 * CPU_MAX_THREADS; guard++) {
		struct thread *t = c->curr;

		if (c->cs_job.active)
			return &c->cs_job;
		if (t && t->job.active) {
			if (c->need_resched && t->job.preemptible && c->nrq) {
				schedule(c);
				continue;
			}
			return &t->job;
		}
		if (!t || t->state == THREAD_BLOCKED || c->need_resched ||
		    (sched_eevdf(c) ? eevdf_resched(c, t) : slice_expired(c, t))) {
			schedule(c);
			if (!c->curr && !c->cs_job.active)
				return NULL;
			continue;
		}
		t->run(t);
		SIM_BUG_ON(!t->job.active && t->state != THREAD_BLOCKED);
	}
	sim_bug(__FILE__, __LINE__, "scheduler did not settle");
}

/* Anything to run on @c: an interrupt, an IPI taken as a flag, softirq or thread work. */
static bool cpu_has_work(const struct cpu *c)
{
	return c->irq_head || c->csd_head || c->hardirq_job.active || c->sx.active ||
	       c->cs_job.active || cpu_nr_running(c);
}

/* What should run on @c now, creating work for a level that has some pending. */
static struct cpu_job *cpu_pick(struct cpu *c)
{
	if (c->wake_job.active)
		return &c->wake_job;
	if (c->in_idle) {
		if (!cpu_has_work(c))
			return NULL;
		if (cpu_idle_exit(c))
			return &c->wake_job;
	}
	if (c->csd_head)
		cpu_flush_csd(c);
	if (c->hardirq_job.active || hardirq_next(c))
		return &c->hardirq_job;
	if (c->sx.active && !c->sx.in_thread) {
		SIM_BUG_ON(!c->softirq_job.active);
		return &c->softirq_job;
	}
	return cpu_pick_thread(c);
}

static void cpu_kick_run(struct cpu *c);

void cpu_kick(struct cpu *c)
{
	if (c->in_kick) {
		c->kick_again = true;
		return;
	}
	cpu_kick_run(c);
}

/* Pick and start work until the choice settles; with nothing to run, enter an idle state. */
static void cpu_kick_run(struct cpu *c)
{
	struct world *w = cpu_world(c);
	struct cpu *prev_cpu = w->this_cpu;

	c->in_kick = true;
	w->this_cpu = c;
	do {
		struct cpu_job *j;

		c->kick_again = false;
		j = cpu_pick(c);
		if (j == c->running)
			continue;
		if (j)
			cpu_start(c, j);
		else
			cpu_go_idle(c);
	} while (c->kick_again);
	if (!c->running && !c->in_idle)
		cpu_idle_enter(c);
	for (struct cpu_observer *o = w->cpu_observers; o; o = o->next)
		o->ops->run(o, c, w->q.now);
	w->this_cpu = prev_cpu;
	c->in_kick = false;
}

void cpu_observer_add(struct world *w, struct cpu_observer *o)
{
	struct cpu_observer **p = &w->cpu_observers;

	while (*p)
		p = &(*p)->next;
	o->next = NULL;
	*p = o;
}

/* The running job's time is up: account it and run its done() as part of @c's work. */
static void cpu_job_end(struct cpu *c)
{
	struct cpu_job *j = c->running;

	cpu_account(c, j, j->remaining);
	j->remaining = 0;
	j->active = false;
	c->running = NULL;
	if (sim_event_pending(&c->tick_ev))
		sim_event_cancel(&cpu_world(c)->q, &c->tick_ev);
	c->idle_since = cpu_now(c);
	c->in_kick = true;
	cpu_world(c)->this_cpu = c;
	j->done(j);
	cpu_world(c)->this_cpu = NULL;
	c->in_kick = false;
}

/*
 * What cpu_pick() picks for a CPU whose job just ended, in cpu_kick_run()'s
 * context: such a CPU is awake, so there is no wake job, only the IPIs taken
 * as flags that the end of a wake job can leave (the caller leaves those to
 * cpu_kick()). NULL: nothing to run.
 */
static struct cpu_job *cpu_pick_after_end(struct cpu *c)
{
	if (c->hardirq_job.active || (c->irq_head && hardirq_next(c)))
		return &c->hardirq_job;
	if (c->sx.active && !c->sx.in_thread)
		return &c->softirq_job;
	return cpu_pick_thread(c);
}

/*
 * After a job ended on @c, start what runs next: cpu_kick_run()'s first
 * pass, with cpu_start() and cpu_go_idle() as they are on a CPU that just
 * ended a job, and its further passes through cpu_kick() when the first one
 * kicked @c again. When the new job is the last word (no further pass, no
 * EEVDF tick to arm) and no event comes before its end, it runs in place,
 * without its completion event: the clock jumps there (sim_eventq_skip_to()
 * consumes the schedule's sequence number and counts the event), which is
 * exactly what scheduling c->ev and firing it next would have done. True
 * when it ran in place (its end is now). IPIs left to flush and CPU
 * observers go through cpu_kick() itself.
 */
static bool cpu_next_after_end(struct cpu *c)
{
	struct world *w = cpu_world(c);
	struct cpu_job *j;
	sim_time_t end;
	bool again;

	if (c->csd_head || w->cpu_observers) {
		cpu_kick(c);
		return false;
	}
	c->in_kick = true;
	w->this_cpu = c;
	c->kick_again = false;
	j = cpu_pick_after_end(c);
	again = c->kick_again;
	w->this_cpu = NULL;
	c->in_kick = false;
	if (!j) {
		c->idle_since = w->q.now;
		if (again)
			cpu_kick(c);
		else
			cpu_idle_enter(c);
		return false;
	}
	j->remaining += c->cold_ps;
	c->cold_ps = 0;
	c->running = j;
	c->run_start = w->q.now;
	end = w->q.now + j->remaining;
	if (again || sched_eevdf(c) || sim_eventq_first_at(&w->q, end, CPU_EV_PRIO)) {
		sim_event_schedule(&w->q, &c->ev, end);
		if (sched_eevdf(c))
			eevdf_tick_arm(c);
		if (again)
			cpu_kick(c);
		return false;
	}
	sim_eventq_skip_to(&w->q, end);
	return true;
}

static void cpu_ev_fire(struct sim_event *ev)
{
	struct cpu *c = container_of(ev, struct cpu, ev);

	do
		cpu_job_end(c);
	while (cpu_next_after_end(c));
}

void cpu_acct_flush(struct cpu *c, sim_time_t now)
{
	if (c->running) {
		sim_time_t d = now - c->run_start;

		cpu_account(c, c->running, d);
		c->running->remaining -= d;
		c->run_start = now;
	} else {
		c->acct[ACCT_IDLE] += now - c->idle_since;
		c->idle_since = now;
	}
}

void cpu_acct_reset(struct cpu *c, sim_time_t now)
{
	cpu_acct_flush(c, now);
	memset(c->acct, 0, sizeof(c->acct));
}

void cpu_init(struct cpu *c, struct host *h, uint32_t id)
{
	char name[32];

	memset(c, 0, sizeof(*c));
	c->id = id;
	c->host = h;
	cpuidle_device_init(&c->idle);
	sim_event_init(&c->ev, cpu_ev_fire, CPU_EV_PRIO);
	sim_event_init(&c->tick_ev, sched_tick_fire, CPU_EV_PRIO);
	sim_event_init(&c->poll_ev, cpu_poll_timeout, CPU_EV_PRIO);
	c->hardirq_job.done = hardirq_done;
	c->hardirq_job.acct = ACCT_IRQ;
	c->softirq_job.done = softirq_job_done;
	c->softirq_job.acct = ACCT_SOFTIRQ;
	c->cs_job.done = cs_done;
	c->wake_job.done = wake_job_done;
	c->wake_job.acct = ACCT_IDLE;
	c->sx.cur = -1;
	snprintf(name, sizeof(name), "ksoftirqd/%u", id);
	thread_init(&c->ksoftirqd, c, name, ksoftirqd_run, c);
	ipi_desc_init(&c->ipi_call, "IPI-CAL", c, ipi_call_handler);
	ipi_desc_init(&c->ipi_resched, "IPI-RES", c, ipi_resched_handler);
	cost_vary_init(c, h->costs.cost_cv);
	cpu_idle_enter(c);
}
