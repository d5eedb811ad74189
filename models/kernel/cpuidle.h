/*
 * models/kernel/cpuidle.h - CPU idle states and the governor that picks one.
 *
 * Kernel references: kernel/sched/idle.c (do_idle, cpuidle_idle_call),
 * drivers/cpuidle/cpuidle.c (cpuidle_enter_state, cpuidle_reflect),
 * drivers/cpuidle/governors/menu.c (menu_select, menu_update,
 * get_typical_interval), drivers/cpuidle/poll_state.c (the POLL state),
 * drivers/idle/intel_idle.c (skx_cstates: the `c6` preset),
 * kernel/power/qos.c (cpu_latency_qos_limit, /dev/cpu_dma_latency),
 * arch/x86/include/asm/mwait.h (mwait_idle_with_hints sets TIF_POLLING_NRFLAG).
 *
 * Invariants:
 *  - A table has 1..CPUIDLE_STATE_MAX states, state 0 first; exit latency
 *    and target residency never decrease from one state to the next (the
 *    order the kernel's drivers list them in).
 *  - cpuidle_select() returns an index into the table; state 0 is always
 *    allowed (the kernel falls back to it).
 *
 * A CPU with nothing to run enters the state the menu governor picks
 * (menu_select as of Linux 6.18): the deepest state whose target residency is
 * at most the predicted idle time and whose exit latency is at most the PM QoS
 * limit. The prediction is get_typical_interval() of the last
 * CPUIDLE_INTERVALS idle durations (their mean when they agree: stddev <= 20
 * us, or mean > 6 stddev over at least 3/4 of them, the outliers on the far
 * side of the mean dropped one by one), and, when that is above
 * RESIDENCY_THRESHOLD (15 us) or there is none, at most the time to the
 * closest timer scaled by the correction factor learnt for its bucket
 * (menu_update: the measured idle time over the time the timer promised,
 * decaying by 1/8 per idle period). A physical state of less than 15 us
 * residency is preferred to the POLL loop; with a prediction shorter than the
 * tick the tick keeps running and no state deeper than the time to the next
 * tick is taken. The measured idle time has the state's exit latency taken
 * off (or is halved when shorter than twice it). Waking costs the state's
 * exit latency, as idle time (/proc/stat counts it idle), and from a state
 * that loses the caches (`cold`, intel_idle's TLB_FLUSHED states) the cost
 * `idle_cold` for the work after it. A state may also have a `refill` curve:
 * the work after a wake-up is longer by an amount that grows with the time
 * spent in the state (a KVM guest's halt: while the vCPU is descheduled, the
 * host runs other work on its core and evicts its caches and TLB, and the
 * longer the halt the deeper the host core sleeps; measured on this VM by
 * tests/kernel-ref/measure_halt_wake.py). A `polling` state (POLL, and MWAIT
 * states: the CPU monitors its thread flags) is woken for a remote wake-up or
 * a call-function IPI by a flag write instead of an interrupt; state 0 when
 * it is polling with no exit latency is the POLL loop (CPUIDLE_FLAG_POLLING).
 *
 * The haltpoll governor (`idle_governor: haltpoll`, what a KVM guest with
 * cpuidle-haltpoll runs, as this development VM does) polls first: state 0
 * (POLL) for up to poll_limit_ns, then, if nothing came, state 1 (the halt);
 * a halt that ended within guest_halt_poll_ns (cost key `guest_halt_poll_ns`,
 * the module's default 200 us; this VM's is 0: it never polls) doubles the
 * window (at least guest_halt_poll_grow_start, 50 us, at most
 * guest_halt_poll_ns), a longer one halves it (grow and shrink 2, shrinking
 * allowed: the module's defaults); a fresh CPU has no window and halts.
 *
 * Simplified: the closest timer is the next tick (jiffies of the host's HZ,
 * on every CPU at the same instants), as on a kernel whose tick runs in idle
 * (tick_nohz_get_sleep_length's value when the tick cannot be stopped): the
 * applications' timers and the kernel's own are not consulted and the tick's
 * own wake-ups are not simulated; under menu the POLL loop has no time limit
 * (poll_time_limit); no teo governor, no per-state disabling, one table for
 * every CPU of a host.
 */
#ifndef MODELS_CPUIDLE_H
#define MODELS_CPUIDLE_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/cfg.h"
#include "sim/time.h"

#define CPUIDLE_STATE_MAX  8
#define CPUIDLE_REFILL_MAX 8 /* points of a state's refill curve */
#define CPUIDLE_INTERVALS  8 /* menu.c INTERVALS */
#define CPUIDLE_BUCKETS	   6 /* menu.c BUCKETS (no iowait buckets: iowait is not modelled) */

/* A point of a refill curve: after @idle in the state, the work owes @cost more. */
struct cpuidle_refill {
	sim_time_t idle; /* ps: time spent in the state */
	sim_time_t cost; /* ps: extra CPU time of the work after the wake-up */
};

/* One state, as /sys/devices/system/cpu/cpuN/cpuidle/stateK/ shows it. */
struct cpuidle_state {
	char name[16];		     /* .../name: "POLL", "C1", "C6" */
	sim_time_t exit_latency;     /* ps: .../latency (us in sysfs) */
	sim_time_t target_residency; /* ps: .../residency (us in sysfs) */
	bool cold;		     /* caches lost: the wake-up pays `idle_cold` */
	bool polling;		     /* woken by a flag write (TIF_POLLING_NRFLAG), no IPI needed */
	uint32_t nrefill;	     /* points in refill[] (0: no curve) */
	struct cpuidle_refill refill[CPUIDLE_REFILL_MAX]; /* idle strictly increasing */
};

/* The cpuidle governors (/sys/devices/system/cpu/cpuidle/current_governor). */
enum cpuidle_governor {
	CPUIDLE_GOV_MENU,     /* drivers/cpuidle/governors/menu.c */
	CPUIDLE_GOV_HALTPOLL, /* drivers/cpuidle/governors/haltpoll.c (KVM guests) */
};
extern const char *const cpuidle_governor_names[]; /* "menu", "haltpoll", NULL */

/* A host's idle driver: its states, shallowest first, and its governor. */
struct cpuidle_table {
	uint32_t n;				   /* states in s[] */
	struct cpuidle_state s[CPUIDLE_STATE_MAX]; /* state0 .. state(n-1) */
	int governor;		    /* enum cpuidle_governor (cost key idle_governor) */
	sim_time_t guest_halt_poll; /* ps: haltpoll's guest_halt_poll_ns, its widest
						      window (0: never poll, always halt) */
};

/* The governor's per-CPU state and the per-state statistics. */
struct cpuidle_device {
	uint32_t intervals_us[CPUIDLE_INTERVALS]; /* us: last idle durations (menu intervals[]) */
	uint32_t interval_ptr;			  /* next slot of intervals_us */
	uint32_t correction_factor[CPUIDLE_BUCKETS]; /* measured/promised x RESOLUTION x DECAY */
	uint32_t bucket;			     /* which_bucket() of next_timer_ns */
	uint64_t next_timer_ns; /* ns: the closest timer at the last selection (KTIME_MAX: none) */
	uint64_t poll_limit_ns; /* ns: haltpoll's window of polling before a halt (0: halt) */
	bool poll_time_limit;	/* the last POLL ended at its time limit, not by work */
	int last_state;		/* the state of the last idle period (last_state_idx) */
	int state;		/* state entered, -1 when not idle */
	uint64_t usage[CPUIDLE_STATE_MAX];  /* entries per state, whole run (.../usage) */
	sim_time_t time[CPUIDLE_STATE_MAX]; /* ps per state, whole run (.../time) */
};

/*
 * The refill a wake-up from state @s owes after @idle_ps in it (ps): the
 * state's curve, linear from (0, 0) through its points, flat after the last;
 * 0 without a curve.
 */
sim_time_t cpuidle_refill(const struct cpuidle_state *s, sim_time_t idle_ps);

/* The presets `poll`, `c1` and `c6`; -1 for an unknown name. */
int cpuidle_preset(struct cpuidle_table *t, const char *name);
/*
 * Cost key `idle`, found as @key in mapping @costs ("idle" in `costs:`,
 * "value" in a profile entry): a preset name or a list of states; absent:
 * unchanged.
 */
int cpuidle_parse(struct cpuidle_table *t, const struct cfg_node *costs, const char *key,
		  struct sim_error *err);

/* menu_enable_device(): no history, every correction factor at unity. */
void cpuidle_device_init(struct cpuidle_device *dev);
/* get_typical_interval(): the predicted idle time in us, UINT32_MAX for no prediction. */
uint32_t cpuidle_typical_interval_us(const struct cpuidle_device *dev);
/*
 * menu_select(): the state to enter under the PM QoS limit @latency_req (ps),
 * @tick_ps being the tick period and @delta_tick_ps the time to the next tick
 * (also the closest timer, see above). Remembers the timer for the update.
 */
int cpuidle_select(const struct cpuidle_table *t, struct cpuidle_device *dev,
		   sim_time_t latency_req, sim_time_t tick_ps, sim_time_t delta_tick_ps);
/*
 * menu_update() or haltpoll_reflect(): the CPU was in state @state of @t for
 * @residency_ps (entry to wake-up, or to the POLL loop's time limit, when
 * @time_limit); the governor learns from it.
 */
void cpuidle_reflect(struct cpuidle_device *dev, const struct cpuidle_table *t, int state,
		     sim_time_t residency_ps, bool time_limit);
/*
 * cpuidle_poll_time(): how long state 0 (the POLL loop) may poll before it
 * leaves for a new selection; 0 = until work comes (menu here, see above).
 */
sim_time_t cpuidle_poll_time(const struct cpuidle_table *t, const struct cpuidle_device *dev);

#endif
