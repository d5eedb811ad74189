/*
 * models/kernel/cpu.h - CPUs: hardirq, softirq and threads, with preemption.
 *
 * Kernel references: kernel/softirq.c (handle_softirqs, __irq_exit_rcu,
 * wakeup_softirqd, run_ksoftirqd), kernel/sched/fair.c (CFS: vruntime,
 * place_entity, check_preempt_wakeup, sched_slice; EEVDF as in 6.18:
 * avg_vruntime, entity_eligible, __pick_eevdf, set_protect_slice,
 * update_deadline, update_entity_lag, place_entity, dequeue_entity,
 * requeue_delayed_entity, check_preempt_wakeup_fair, task_tick_fair),
 * kernel/sched/features.h
 * (PLACE_LAG, RUN_TO_PARITY, DELAY_DEQUEUE, DELAY_ZERO), kernel/sched/core.c
 * (try_to_wake_up, ttwu_queue_cond, ttwu_queue_wakelist, sched_ttwu_pending,
 * resched_curr, set_nr_if_polling), kernel/sched/cputime.c and
 * kernel/sched/core.c update_rq_clock_task (CONFIG_IRQ_TIME_ACCOUNTING),
 * kernel/sched/idle.c (do_idle), kernel/smp.c (send_call_function_single_ipi,
 * flush_smp_call_function_queue), arch/x86/kernel/irq.c (common_interrupt).
 *
 * A CPU runs one piece of work (a struct cpu_job: a duration and a callback)
 * at a time, at one of three levels: hardirq preempts softirq, softirq
 * preempts threads. A preempted job keeps its remaining time and resumes
 * when the higher level is done. Work is charged in cycles from the cost
 * table and converted with the host's clock. With `cost_cv` > 0 each job's
 * duration is multiplied by an entry of a mean-1 lognormal table, picked by
 * one xorshift64* draw per job (per hardirq part, softirq unit, kernel-mode
 * thread job or context switch; an app's user work is not varied).
 *
 * An interrupt is two jobs: entry (`irq_entry`: common_interrupt,
 * irq_enter_rcu, the handler, which runs at its end) and exit (`irq_exit`:
 * irq_exit_rcu), after which pending softirqs run. A CPU with nothing to run
 * enters an idle state (models/kernel/cpuidle.h); the first work after it waits for
 * the state's exit latency (accounted idle) and, after a cold state, pays
 * `idle_cold` extra. An IPI (RPS, a remote wake-up, a reschedule) to a CPU
 * idle in a polling state is no interrupt: the idle loop runs its handler
 * (flush_smp_call_function_queue) and then any pending softirq.
 *
 * Wake-ups (try_to_wake_up): on the waker's CPU (or from a timer of the
 * thread's CPU) the thread is enqueued at once; on another CPU with nothing
 * runnable (ttwu_queue_cond) it goes on that CPU's wake list and a
 * call-function IPI activates it `ipi_latency` later; on a busy other CPU
 * it is enqueued at once and, when it should preempt, a reschedule IPI sets
 * need_resched there `ipi_latency` later.
 *
 * Softirqs run at irq exit when the CPU was not already in softirq (the
 * executor below), restart at most MAX_SOFTIRQ_RESTART (10) times or for
 * MAX_SOFTIRQ_TIME (2 ms, jiffy-granular) or until need_resched, then wake
 * the per-CPU ksoftirqd thread, which runs the same executor at thread level
 * (6.5+ behaviour: no deferral to a runnable ksoftirqd).
 *
 * Threads share a CPU under the fair class, equal weights (nice 0), with
 * vruntime advanced by the thread's own execution, plus the hardirq and
 * inline softirq time that interrupts it unless `irq_time_accounting`.
 * The cost key `sched_eevdf` picks the rules:
 *
 * - CFS (Linux up to 6.5): sleeper placement at min_vruntime -
 *   sched_latency/2, wake-up preemption when the woken thread's vruntime is
 *   ahead by more than the wake-up granularity, and slice expiry
 *   (sched_latency / nr_running, at least min_granularity).
 * - EEVDF (6.6+): each thread asks for one base slice
 *   (kernel.sched_base_slice_ns) with virtual deadline vruntime + slice; the
 *   pick is the eligible thread (vruntime <= V, the queued threads' mean)
 *   with the earliest deadline, the current one kept while eligible and
 *   short of the deadline it had when picked (RUN_TO_PARITY). A used-up
 *   request gets the next deadline and a reschedule. A thread that sleeps
 *   keeps its lag V - vruntime (limited to two slices or a tick) and wakes at
 *   V - lag (n + 1) / n; one that blocks while not eligible stays queued,
 *   sched_delayed, until it is picked or woken (DELAY_DEQUEUE), and then
 *   loses any positive lag (DELAY_ZERO). A woken thread preempts when the
 *   current one's protection is over or the woken one is now the pick.
 *
 * Both are checked at wake-ups; CFS's slice at every job boundary, EEVDF's
 * deadline at the scheduler tick (a jiffy boundary: task_tick_fair), which
 * preempts a user-mode job at once and is seen at the end of a kernel-mode
 * one, so a turn lasts the slice rounded up to ticks.
 * Kernel-mode jobs are not preempted (voluntary preemption); user-mode jobs
 * are.
 *
 * A job's end is its CPU's event (c->ev); the next job is chosen right
 * there, and when no other event comes before its end it runs in place,
 * without an event of its own (sim_eventq_first_at(), sim_eventq_skip_to():
 * the same order of events and the same event count, docs/architecture.md).
 *
 * Simplified: no migration (threads are pinned), no nice levels or custom
 * slices (so no PREEMPT_SHORT, and set_protect_slice's vprot is the
 * deadline), the tick is no interrupt (it costs nothing and only matters
 * with another thread queued; CFS's slice has no tick at all), no
 * NEXT_BUDDY, no cgroups.
 */
#ifndef MODELS_CPU_H
#define MODELS_CPU_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/event.h"
#include "sim/rng.h"
#include "models/world.h"

/* What a CPU's time is charged to, like mpstat's columns. */
enum cpu_acct {
	ACCT_IRQ,	/* hardirq (%irq) */
	ACCT_SOFTIRQ,	/* softirq on irq exit (%soft) */
	ACCT_KSOFTIRQD, /* softirq in ksoftirqd (mpstat folds it into %soft) */
	ACCT_SYS,	/* threads in the kernel: syscalls, context switches (%sys) */
	ACCT_USR,	/* threads in user space (%usr) */
	ACCT_IDLE,	/* nothing to run (%idle) */
	ACCT_NR,
};
extern const char *const cpu_acct_name[ACCT_NR];

struct cpu_job {
	sim_time_t remaining;		   /* ps of work left */
	void (*done)(struct cpu_job *job); /* REQUIRED: runs when the work is done */
	uint8_t acct;			   /* enum cpu_acct */
	bool active;			   /* has work to do */
	bool preemptible;		   /* thread level: may be preempted mid-way */
};

/* An interrupt source (an MSI-X vector, an IPI). */
struct irq_desc {
	const char *name;		     /* for reports */
	void (*handler)(struct irq_desc *d); /* REQUIRED: runs at the end of the hardirq */
	struct cpu *cpu;		     /* the CPU it is delivered to */
	struct irq_desc *next;		     /* pending list link */
	bool pending;			     /* raised, handler not yet run */
	struct sim_event ev;		     /* delayed raise (IPI latency) */
	uint64_t count;			     /* interrupts handled (/proc/interrupts) */
	bool ipi; /* an IPI: a polling idle CPU takes it without interrupt */
};

enum thread_state {
	THREAD_RUNNABLE, /* on the run queue or running */
	THREAD_BLOCKED,	 /* sleeping on a wait queue */
	THREAD_WAKING,	 /* woken, on another CPU's wake list until its IPI (TASK_WAKING) */
};

struct thread {
	char name[32];		       /* "ksoftirqd/0", the app's name */
	struct cpu *cpu;	       /* pinned CPU */
	enum thread_state state;       /* see enum */
	sim_time_t vruntime;	       /* ps: CFS virtual runtime (nice 0: real time) */
	sim_time_t sum_exec;	       /* ps: total execution */
	sim_time_t slice_exec;	       /* ps: execution since last picked */
	struct cpu_job job;	       /* the thread's current work */
	void (*run)(struct thread *t); /* REQUIRED: called with no job: start one or block */
	void *priv;		       /* owner (app, cpu for ksoftirqd) */
	uint64_t nvcsw;		       /* voluntary context switches */
	uint64_t nivcsw;	       /* involuntary context switches */
	bool on_rq;		       /* in the CPU's run queue array */
	/* EEVDF (sched_eevdf), all in ps of vruntime (nice 0: real time) */
	sim_time_t deadline; /* virtual deadline vd_i = ve_i + r_i / w_i */
	sim_time_t vlag;     /* lag V - v_i saved at dequeue, clamped (update_entity_lag) */
	sim_time_t vprot;    /* RUN_TO_PARITY: protected from wake-up preemption below it */
	bool sched_delayed; /* DELAY_DEQUEUE: blocked but still queued, on the CPU's delayed list */
};

#define CPU_MAX_THREADS 16
#define COST_VARY_N	1024 /* entries of a CPU's cost multiplier table */

/* Softirq vectors modelled (kernel numbering order). */
enum softirq_nr {
	NET_TX_SOFTIRQ, /* runs before NET_RX, as in the kernel's numbering */
	NET_RX_SOFTIRQ,
	NR_SOFTIRQS_MODELLED,
};

/*
 * A softirq vector's action, written as a resumable step function: each call
 * either sets *ps to the CPU time of its next unit of work and returns true
 * (the executor runs it, then calls commit(), then step again), or returns
 * false when the action has finished.
 */
struct softirq_ops {
	void (*begin)(struct cpu *c);		     /* start of the action */
	bool (*step)(struct cpu *c, sim_time_t *ps); /* REQUIRED */
	void (*commit)(struct cpu *c);		     /* REQUIRED: end of a unit */
};

#define MAX_SOFTIRQ_RESTART 10
#define MAX_SOFTIRQ_TIME_MS 2

struct softirq_exec {
	bool active;	      /* inside handle_softirqs */
	bool in_thread;	      /* in ksoftirqd (else on irq exit) */
	bool unit_running;    /* a unit's job is under way */
	int max_restart;      /* restarts left */
	uint64_t end_jiffies; /* time limit of this handle_softirqs */
	uint32_t running;     /* vectors taken this pass, not started */
	int cur;	      /* vector whose action runs, -1 for none */
};

struct softnet_data;

struct cpu {
	uint32_t id;	      /* CPU number */
	int64_t udp_fw_alloc; /* pages: udp_prot per_cpu_fw_alloc, not yet in the machine's count */
	struct host *host;    /* owner */
	struct sim_event ev;  /* completion of the running job */
	struct cpu_job *running; /* job on the CPU, or NULL when idle */
	sim_time_t run_start;	 /* ps: when running (re)started */
	sim_time_t idle_since;	 /* ps: start of the current idle period */
	bool in_kick;		 /* cpu_kick is on the stack */
	bool kick_again;	 /* re-evaluate after the current kick */
	/* idle (kernel/sched/idle.c do_idle) */
	struct cpuidle_device idle;	      /* governor history, per-state usage and time */
	bool in_idle;			      /* in the idle state idle.state */
	sim_time_t idle_entered;	      /* ps: when that state was entered */
	struct cpu_job wake_job;	      /* the state's exit latency, accounted idle */
	sim_time_t cold_ps;		      /* ps: cache refill owed by the next job started */
	struct irq_desc *csd_head, *csd_tail; /* IPIs taken as flags while polling idle */
	/* hardirq */
	struct irq_desc *irq_head, *irq_tail; /* raised, not yet handled */
	struct irq_desc *irq_cur;	      /* being handled */
	struct cpu_job hardirq_job;	      /* entry (handler at its end), then exit */
	bool irq_in_exit;		      /* hardirq_job is the irq_exit part */
	/* softirq */
	uint32_t softirq_pending;   /* bitmask of enum softirq_nr */
	struct softirq_exec sx;	    /* handle_softirqs state */
	sim_time_t charge_ps;	    /* work a commit did: run as one more unit before going on */
	struct cpu_job softirq_job; /* inline (irq exit) softirq work */
	uint64_t softirq_restarts;  /* times handle_softirqs looped */
	uint64_t ksoftirqd_wakeups; /* wakeup_softirqd calls */
	bool bh_disabled;	    /* a thread's local_bh_disable: no softirq at irq exit */
	/* threads */
	struct thread *curr;		    /* thread owning the thread level, or NULL */
	struct thread *rq[CPU_MAX_THREADS]; /* runnable threads other than curr */
	uint32_t nrq;			    /* entries in rq */
	sim_time_t min_vruntime;	    /* ps */
	bool need_resched;		    /* TIF_NEED_RESCHED */
	struct thread *switch_to;	    /* context switch in progress to */
	struct cpu_job cs_job;		    /* the context switch's work */
	struct thread ksoftirqd;	    /* ksoftirqd/N */
	uint64_t context_switches;	    /* total */
	uint32_t nthreads;		    /* application threads pinned here (ksoftirqd aside) */
	struct thread *wake_list[CPU_MAX_THREADS]; /* THREAD_WAKING, activated by ipi_call */
	uint32_t nwake;				   /* entries in wake_list */
	struct irq_desc ipi_call;		   /* CAL: the wake list's call-function IPI */
	struct irq_desc ipi_resched;		   /* RES: reschedule IPI */
	uint64_t ttwu_remote;			   /* wake-ups from another CPU */
	struct thread *delayed[CPU_MAX_THREADS];   /* EEVDF: sched_delayed threads, still queued */
	uint32_t ndelayed;			   /* entries in delayed */
	uint64_t sched_tick; /* EEVDF: jiffy of the last scheduler tick curr has been through */
	struct sim_event tick_ev; /* EEVDF: a tick due inside curr's running user-mode job */
	struct sim_event poll_ev; /* the POLL loop's time limit (haltpoll's window), idle only */
	/* cost variability */
	struct sim_rng vary_rng; /* the stream cost_cv/<host>/<cpu>: the table and the seed */
	uint64_t vary_state;	 /* xorshift64* state: one draw per job */
	float vary[COST_VARY_N]; /* mean-1 multipliers (empty when cost_cv is 0) */
	bool vary_on;		 /* cost_cv > 0 */
	/* accounting, since the warm-up */
	sim_time_t acct[ACCT_NR]; /* ps per context */
	/* networking state of this CPU */
	struct softnet_data *sd; /* per-CPU softnet_data */
};

/* The softirq actions, set once by the networking models. */
extern const struct softirq_ops *softirq_vec[NR_SOFTIRQS_MODELLED];

void cpu_init(struct cpu *c, struct host *h, uint32_t id);

/* Interrupts: deliver @d to its CPU now, or at absolute time @t. */
void irq_desc_init(struct irq_desc *d, const char *name, struct cpu *c,
		   void (*handler)(struct irq_desc *d));
void irq_raise(struct irq_desc *d);
void irq_raise_at(struct irq_desc *d, sim_time_t t);
/* An IPI's descriptor (irq_desc_init with ipi set). */
void ipi_desc_init(struct irq_desc *d, const char *name, struct cpu *c,
		   void (*handler)(struct irq_desc *d));

/* Mark a softirq pending on @c (__raise_softirq_irqoff; runs at the next irq exit). */
static inline void raise_softirq_irqoff(struct cpu *c, enum softirq_nr nr)
{
	c->softirq_pending |= 1u << nr;
}
/*
 * local_bh_enable() from a thread: pending softirqs run now (do_softirq), on
 * this CPU at softirq level, unless already in interrupt or softirq.
 */
void local_bh_enable(struct cpu *c);
/* raise_softirq from thread context: wake ksoftirqd when not in interrupt. */
void raise_softirq(struct cpu *c, enum softirq_nr nr);

/* Threads. */
void thread_init(struct thread *t, struct cpu *c, const char *name, void (*run)(struct thread *t),
		 void *priv);
/* Start the thread's next piece of work (from its run() or its job's done()). */
void thread_start_job(struct thread *t, sim_time_t ps, uint8_t acct, bool preemptible,
		      void (*done)(struct cpu_job *job));
/* The thread sleeps (from its run() or its job's done()). */
void thread_block(struct thread *t);
/*
 * try_to_wake_up, from the CPU whose work is running (world.this_cpu) or,
 * outside any CPU's work (a timer), from the thread's own CPU.
 */
void thread_wake(struct thread *t);
/* The waker's cycles for waking @t from the running CPU: `wakeup` or `wakeup_remote`. */
uint64_t ttwu_cost(const struct costs *k, const struct thread *t);
/*
 * Threads queued on @c (rq->nr_running): curr when runnable, a switch target,
 * the queue and (EEVDF) the delayed-dequeue threads.
 */
uint32_t cpu_nr_running(const struct cpu *c);

/*
 * EEVDF (kernel/sched/fair.c), exposed for tests. The queued entities are
 * rq[], delayed[] and the current one (the switch target, else curr until
 * schedule() dequeues it). All nice 0, so every weight is the same.
 */
/* V: the mean vruntime of the queued entities, rounded down; min_vruntime when none. */
sim_time_t avg_vruntime(const struct cpu *c);
/* lag >= 0: @t's vruntime is at most V (exactly: sum(v_i - v0) >= n (v - v0)). */
bool entity_eligible(const struct cpu *c, const struct thread *t);
/*
 * Place @t (not queued) at V - lag, the saved lag scaled by (n + 1) / n for the
 * n queued entities (PLACE_LAG), with a deadline one base slice later.
 */
void place_entity(struct cpu *c, struct thread *t);
/*
 * Earliest eligible virtual deadline first among the queued entities; the
 * current one wins while eligible and protected (RUN_TO_PARITY) when @protect.
 */
struct thread *pick_eevdf(const struct cpu *c, bool protect);

/* Re-evaluate what @c runs (after state changed from outside its own jobs). */
void cpu_kick(struct cpu *c);

/*
 * CPU observers (models/report/trace.c): like the skb observers of
 * models/core/observe.h they only read. run() is called after every
 * cpu_kick settled what @c runs (a job started, ended or was preempted, or
 * the CPU went idle): the observer reads c->running, c->curr, c->sx,
 * c->irq_cur. ipi() is called when an IPI to d->cpu is sent from @from
 * (world.this_cpu), to be raised at @at.
 */
struct cpu_observer;
struct cpu_observer_ops {
	void (*run)(struct cpu_observer *o, const struct cpu *c, sim_time_t now);
	void (*ipi)(struct cpu_observer *o, const struct cpu *from, const struct irq_desc *d,
		    sim_time_t at);
};
struct cpu_observer {
	const struct cpu_observer_ops *ops; /* never NULL */
	struct cpu_observer *next;	    /* next in world.cpu_observers */
};
/* Append @o to @w's CPU observers (at load, before the run). */
void cpu_observer_add(struct world *w, struct cpu_observer *o);

/* Close the accounting up to @now (end of run, warm-up reset). */
void cpu_acct_flush(struct cpu *c, sim_time_t now);
void cpu_acct_reset(struct cpu *c, sim_time_t now);

#endif
