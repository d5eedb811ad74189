/*
 * models/cpu.h - CPUs: hardirq, softirq and threads, with preemption.
 *
 * Kernel references: kernel/softirq.c (handle_softirqs, __irq_exit_rcu,
 * wakeup_softirqd, run_ksoftirqd), kernel/sched/fair.c (CFS: vruntime,
 * place_entity, check_preempt_wakeup, sched_slice).
 *
 * A CPU runs one piece of work (a struct cpu_job: a duration and a callback)
 * at a time, at one of three levels: hardirq preempts softirq, softirq
 * preempts threads. A preempted job keeps its remaining time and resumes
 * when the higher level is done. Work is charged in cycles from the cost
 * table and converted with the host's clock.
 *
 * Softirqs run at irq exit when the CPU was not already in softirq (the
 * executor below), restart at most MAX_SOFTIRQ_RESTART (10) times or for
 * MAX_SOFTIRQ_TIME (2 ms, jiffy-granular) or until need_resched, then wake
 * the per-CPU ksoftirqd thread, which runs the same executor at thread level
 * (6.5+ behaviour: no deferral to a runnable ksoftirqd).
 *
 * Threads share a CPU under a CFS-like scheduler: equal weights (nice 0),
 * vruntime advanced by the thread's own execution (IRQ time accounting on),
 * sleeper placement at min_vruntime - sched_latency/2, wake-up preemption
 * when the woken thread's vruntime is ahead by more than the wake-up
 * granularity, and slice expiry (sched_latency / nr_running, at least
 * min_granularity) checked at job boundaries. Kernel-mode jobs are not
 * preempted (voluntary preemption); user-mode jobs are.
 *
 * Simplified: no migration (threads are pinned), no nice levels, EEVDF's
 * lag/deadline rules are approximated by CFS's.
 */
#ifndef MODELS_CPU_H
#define MODELS_CPU_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/event.h"
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
};

enum thread_state {
	THREAD_RUNNABLE, /* on the run queue or running */
	THREAD_BLOCKED,	 /* sleeping on a wait queue */
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
};

#define CPU_MAX_THREADS 16

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
	uint32_t id;		 /* CPU number */
	struct host *host;	 /* owner */
	struct sim_event ev;	 /* completion of the running job */
	struct cpu_job *running; /* job on the CPU, or NULL when idle */
	sim_time_t run_start;	 /* ps: when running (re)started */
	sim_time_t idle_since;	 /* ps: start of the current idle period */
	bool in_kick;		 /* cpu_kick is on the stack */
	bool kick_again;	 /* re-evaluate after the current kick */
	/* hardirq */
	struct irq_desc *irq_head, *irq_tail; /* raised, not yet handled */
	struct irq_desc *irq_cur;	      /* being handled */
	struct cpu_job hardirq_job;	      /* the handler's work */
	/* softirq */
	uint32_t softirq_pending;   /* bitmask of enum softirq_nr */
	struct softirq_exec sx;	    /* handle_softirqs state */
	sim_time_t charge_ps;	    /* work a commit did: run as one more unit before going on */
	struct cpu_job softirq_job; /* inline (irq exit) softirq work */
	uint64_t softirq_restarts;  /* times handle_softirqs looped */
	uint64_t ksoftirqd_wakeups; /* wakeup_softirqd calls */
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
/* try_to_wake_up. */
void thread_wake(struct thread *t);

/* Re-evaluate what @c runs (after state changed from outside its own jobs). */
void cpu_kick(struct cpu *c);

/* Close the accounting up to @now (end of run, warm-up reset). */
void cpu_acct_flush(struct cpu *c, sim_time_t now);
void cpu_acct_reset(struct cpu *c, sim_time_t now);

#endif
