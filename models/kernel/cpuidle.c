/*
 * models/kernel/cpuidle.c - idle state tables, their parsing, the menu and haltpoll governors.
 *
 * See models/kernel/cpuidle.h for the model and its kernel references.
 */
#include <stdio.h>
#include <string.h>

#include "models/kernel/cpuidle.h"
#include "sim/error.h"

/* drivers/cpuidle/poll_state.c: exit latency 0, target residency 0. */
static const struct cpuidle_state poll_state = { .name = "POLL", .polling = true };

/* drivers/idle/intel_idle.c skx_cstates (Skylake-SP), latencies in us. */
static const struct cpuidle_state skx_c1 = {
	.name = "C1", .exit_latency = 2 * SIM_US, .target_residency = 2 * SIM_US, .polling = true
};
static const struct cpuidle_state skx_c1e = {
	.name = "C1E", .exit_latency = 10 * SIM_US, .target_residency = 20 * SIM_US, .polling = true
};
static const struct cpuidle_state skx_c6 = { .name = "C6",
					     .exit_latency = 133 * SIM_US,
					     .target_residency = 600 * SIM_US,
					     .cold = true,
					     .polling = true };

static void table_set(struct cpuidle_table *t, const struct cpuidle_state *const *s, uint32_t n)
{
	t->n = n;
	for (uint32_t i = 0; i < n; i++)
		t->s[i] = *s[i];
}

int cpuidle_preset(struct cpuidle_table *t, const char *name)
{
	static const struct cpuidle_state *const poll[] = { &poll_state };
	static const struct cpuidle_state *const c1[] = { &poll_state, &skx_c1 };
	static const struct cpuidle_state *const c6[] = { &poll_state, &skx_c1, &skx_c1e, &skx_c6 };

	if (!strcmp(name, "poll"))
		table_set(t, poll, 1);
	else if (!strcmp(name, "c1"))
		table_set(t, c1, 2);
	else if (!strcmp(name, "c6"))
		table_set(t, c6, 4);
	else
		return -1;
	return 0;
}

static int refill_parse_point(struct cpuidle_state *s, const struct cfg_node *n, uint32_t i,
			      struct sim_error *err)
{
	struct cpuidle_refill *p = &s->refill[i];
	char what[48];

	snprintf(what, sizeof(what), "refill point %u of idle state '%s'", i, s->name);
	if (cfg_node_map(n, what, err) ||
	    cfg_get_time(n, "idle", &p->idle, 0, 1, 10 * SIM_SEC, err) ||
	    cfg_get_time(n, "cost", &p->cost, 0, 0, SIM_SEC, err))
		return -1;
	if (!cfg_get(n, "idle"))
		return cfg_error(n, err, "%s has no 'idle'", what);
	if (i && p->idle <= s->refill[i - 1].idle)
		return cfg_error(cfg_get(n, "idle"), err,
				 "refill points of idle state '%s' must have increasing 'idle'",
				 s->name);
	return cfg_check_unknown(n, what, err);
}

/* `refill`: a list of {idle, cost} points (see cpuidle_refill()). */
static int refill_parse(struct cpuidle_state *s, const struct cfg_node *n, struct sim_error *err)
{
	const struct cfg_node *seq = cfg_get(n, "refill");

	s->nrefill = 0;
	if (!seq)
		return 0;
	if (seq->type != CFG_SEQ || seq->n == 0 || seq->n > CPUIDLE_REFILL_MAX)
		return cfg_error(seq, err, "'refill' must list 1 to %d points", CPUIDLE_REFILL_MAX);
	for (uint32_t i = 0; i < seq->n; i++)
		if (refill_parse_point(s, seq->items[i], i, err))
			return -1;
	s->nrefill = seq->n;
	return 0;
}

sim_time_t cpuidle_refill(const struct cpuidle_state *s, sim_time_t idle_ps)
{
	sim_time_t x0 = 0, y0 = 0;

	for (uint32_t i = 0; i < s->nrefill; i++) {
		const struct cpuidle_refill *p = &s->refill[i];

		if (idle_ps < p->idle)
			return y0 + (sim_time_t)((double)(p->cost - y0) * (double)(idle_ps - x0) /
						 (double)(p->idle - x0));
		x0 = p->idle;
		y0 = p->cost;
	}
	return y0;
}

static int state_parse(struct cpuidle_state *s, const struct cfg_node *n, uint32_t ix,
		       struct sim_error *err)
{
	const char *name = NULL;
	char def[16], what[32];

	snprintf(def, sizeof(def), "state%u", ix);
	snprintf(what, sizeof(what), "idle state %u", ix);
	if (cfg_node_map(n, what, err) || cfg_get_str(n, "name", &name, def, err) ||
	    cfg_get_time(n, "latency", &s->exit_latency, 0, 0, SIM_SEC, err) ||
	    cfg_get_time(n, "residency", &s->target_residency, 0, 0, SIM_SEC, err) ||
	    cfg_get_bool(n, "cold", &s->cold, false, err) ||
	    cfg_get_bool(n, "polling", &s->polling, true, err))
		return -1;
	snprintf(s->name, sizeof(s->name), "%s", name);
	if (refill_parse(s, n, err))
		return -1;
	return cfg_check_unknown(n, what, err);
}

/* The kernel's drivers list states from the shallowest: nothing may get shallower. */
static int state_check_order(const struct cpuidle_state *prev, const struct cpuidle_state *s,
			     const struct cfg_node *n, struct sim_error *err)
{
	if (s->exit_latency < prev->exit_latency)
		return cfg_error(cfg_get(n, "latency"), err,
				 "idle state '%s' has a lower latency than '%s' before it", s->name,
				 prev->name);
	if (s->target_residency < prev->target_residency)
		return cfg_error(cfg_get(n, "residency"), err,
				 "idle state '%s' has a lower residency than '%s' before it",
				 s->name, prev->name);
	return 0;
}

static int table_parse_list(struct cpuidle_table *t, const struct cfg_node *seq,
			    struct sim_error *err)
{
	if (seq->n == 0 || seq->n > CPUIDLE_STATE_MAX)
		return cfg_error(seq, err, "'idle' must list 1 to %d states, got %u",
				 CPUIDLE_STATE_MAX, seq->n);
	t->n = seq->n;
	for (uint32_t i = 0; i < seq->n; i++) {
		if (state_parse(&t->s[i], seq->items[i], i, err))
			return -1;
		if (i && state_check_order(&t->s[i - 1], &t->s[i], seq->items[i], err))
			return -1;
	}
	return 0;
}

int cpuidle_parse(struct cpuidle_table *t, const struct cfg_node *costs, const char *key,
		  struct sim_error *err)
{
	const struct cfg_node *n = cfg_get(costs, key);

	if (!n)
		return 0;
	if (n->type == CFG_SEQ)
		return table_parse_list(t, n, err);
	if (n->type != CFG_SCALAR)
		return cfg_error(n, err, "'idle' must be poll, c1, c6 or a list of states");
	if (cpuidle_preset(t, n->str))
		return cfg_error(n, err,
				 "'idle' must be poll, c1, c6 or a list of states, got '%s'",
				 n->str);
	return 0;
}

#define RESOLUTION	       1024u		     /* menu.c: correction factor unit */
#define DECAY		       8u		     /* menu.c: factor decay per update */
#define RESIDENCY_THRESHOLD_NS (15u * 1000u)	     /* menu.c: below, no timer is read */
#define MAX_INTERESTING_NS     (50000ull * 1000u)    /* menu.c: longer counts as perfect */
#define KTIME_MAX	       ((uint64_t)INT64_MAX) /* ns: no timer */

void cpuidle_device_init(struct cpuidle_device *dev)
{
	memset(dev, 0, sizeof(*dev));
	for (uint32_t i = 0; i < CPUIDLE_BUCKETS; i++)
		dev->correction_factor[i] = RESOLUTION * DECAY;
	dev->state = -1;
	dev->last_state = -1;
}

/* which_bucket(): by the order of magnitude of the time to the closest timer. */
static uint32_t which_bucket(uint64_t duration_ns)
{
	uint32_t b = 0;

	for (uint64_t lim = 10000; b < CPUIDLE_BUCKETS - 1 && duration_ns >= lim; lim *= 10)
		b++;
	return b;
}

/*
 * get_typical_interval() (menu.c): mean and variance of the recorded
 * intervals between two thresholds; accept the mean when the spread is small
 * (over at least 3/4 of the samples), else move the threshold on the side of
 * the farther outlier past it and try again, until only 3/4 are left.
 */
uint32_t cpuidle_typical_interval_us(const struct cpuidle_device *dev)
{
	int64_t min_thresh = -1, max_thresh = UINT32_MAX;

	for (;;) {
		uint64_t avg = 0, variance = 0, max = 0, min = UINT32_MAX, divisor = 0;

		for (uint32_t i = 0; i < CPUIDLE_INTERVALS; i++) {
			int64_t value = dev->intervals_us[i];

			if (value <= min_thresh || value >= max_thresh)
				continue;
			divisor++;
			avg += (uint64_t)value;
			variance += (uint64_t)value * (uint64_t)value;
			if ((uint64_t)value > max)
				max = (uint64_t)value;
			if ((uint64_t)value < min)
				min = (uint64_t)value;
		}
		if (!max)
			return UINT32_MAX;
		avg /= divisor;
		variance /= divisor;
		variance -= avg * avg;
		if (variance <= UINT64_MAX / 36 &&
		    ((avg * avg > variance * 36 && divisor * 4 >= CPUIDLE_INTERVALS * 3) ||
		     variance <= 400))
			return (uint32_t)avg;
		if (divisor * 4 <= CPUIDLE_INTERVALS * 3)
			return UINT32_MAX;
		if (avg - min > max - avg)
			min_thresh = (int64_t)min;
		else
			max_thresh = (int64_t)max;
	}
}

/* CPUIDLE_FLAG_POLLING: the poll_idle loop, state 0 polling with no exit latency. */
static bool is_poll_loop(const struct cpuidle_table *t, int i)
{
	return i == 0 && t->s[0].polling && !t->s[0].exit_latency;
}

static uint64_t ns_of(sim_time_t ps)
{
	return (uint64_t)(ps / 1000);
}

/* The predicted idle time (ns): the typical interval, bounded by the corrected timer. */
static uint64_t menu_predict(struct cpuidle_device *dev, uint64_t delta_ns)
{
	uint64_t typical = cpuidle_typical_interval_us(dev), predicted = typical * 1000u, timer_us;

	if (predicted <= RESIDENCY_THRESHOLD_NS) {
		/* the closest timer is not read: assume it far away */
		dev->next_timer_ns = KTIME_MAX;
		dev->bucket = CPUIDLE_BUCKETS - 1;
		return predicted;
	}
	dev->next_timer_ns = delta_ns;
	dev->bucket = which_bucket(delta_ns);
	timer_us = ((uint64_t)RESOLUTION * DECAY * 1000u / 2 +
		    delta_ns * dev->correction_factor[dev->bucket]) /
		   ((uint64_t)RESOLUTION * DECAY * 1000u);
	return timer_us * 1000u < predicted ? timer_us * 1000u : predicted;
}

static int menu_select(const struct cpuidle_table *t, struct cpuidle_device *dev,
		       sim_time_t latency_req, sim_time_t tick_ps, sim_time_t delta_tick_ps)
{
	uint64_t tick = ns_of(tick_ps), delta_tick = ns_of(delta_tick_ps), req = ns_of(latency_req);
	uint64_t predicted = menu_predict(dev, delta_tick);
	int idx = -1;

	if (dev->next_timer_ns == KTIME_MAX)
		delta_tick = tick / 2; /* the tick is assumed half a period away */
	if (t->n <= 1 || latency_req == 0 || dev->next_timer_ns < ns_of(t->s[1].target_residency) ||
	    req < ns_of(t->s[1].exit_latency))
		return 0;
	for (uint32_t i = 0; i < t->n; i++) {
		const struct cpuidle_state *s = &t->s[i];

		if (idx == -1)
			idx = (int)i;
		if (ns_of(s->exit_latency) > req)
			break;
		if (ns_of(s->target_residency) <= predicted) {
			idx = (int)i;
			continue;
		}
		/* a physical state rather than busy polling, if shallow and the timer allows */
		if (is_poll_loop(t, idx) && ns_of(s->target_residency) < RESIDENCY_THRESHOLD_NS &&
		    ns_of(s->target_residency) <= dev->next_timer_ns) {
			predicted = ns_of(s->target_residency);
			idx = (int)i;
			break;
		}
		if (predicted < tick)
			break;
		/* the tick is not stopped: retain it, re-select at the next tick */
		predicted = ns_of(t->s[idx].target_residency);
		break;
	}
	if (idx == -1)
		idx = 0;
	/* the tick keeps running: nothing deeper than the time to the next tick */
	if ((is_poll_loop(t, idx) || predicted < tick) && idx > 0 &&
	    ns_of(t->s[idx].target_residency) > delta_tick) {
		for (int i = idx - 1; i >= 0; i--) {
			idx = i;
			if (ns_of(t->s[i].target_residency) <= delta_tick)
				break;
		}
	}
	return idx;
}

static void menu_update(struct cpuidle_device *dev, const struct cpuidle_table *t, int state,
			sim_time_t residency_ps)
{
	uint64_t measured = ns_of(residency_ps), exit = ns_of(t->s[state].exit_latency);
	uint32_t f = dev->correction_factor[dev->bucket];

	/* the exit latency is part of the measured time, unless the state was never reached */
	if (measured > 2 * exit)
		measured -= exit;
	else
		measured /= 2;
	if (measured > dev->next_timer_ns)
		measured = dev->next_timer_ns;
	f -= f / DECAY;
	if (dev->next_timer_ns > 0 && measured < MAX_INTERESTING_NS)
		f += (uint32_t)((uint64_t)RESOLUTION * measured / dev->next_timer_ns);
	else
		f += RESOLUTION;
	dev->correction_factor[dev->bucket] = f;
	dev->intervals_us[dev->interval_ptr] = (uint32_t)(measured / 1000u);
	dev->interval_ptr = (dev->interval_ptr + 1) % CPUIDLE_INTERVALS;
}

/* ---- haltpoll (drivers/cpuidle/governors/haltpoll.c, module parameters at their defaults) ---- */

#define GUEST_HALT_POLL_SHRINK	   2u	  /* guest_halt_poll_shrink */
#define GUEST_HALT_POLL_GROW	   2u	  /* guest_halt_poll_grow */
#define GUEST_HALT_POLL_GROW_START 50000u /* guest_halt_poll_grow_start */

/* haltpoll_select(): poll again after a halt or a poll that found work, halt after a timed-out poll. */
static int haltpoll_select(const struct cpuidle_table *t, const struct cpuidle_device *dev,
			   sim_time_t latency_req)
{
	if (t->n <= 1 || latency_req == 0)
		return 0;
	if (!dev->poll_limit_ns)
		return 1;
	if (dev->last_state == 0 && dev->poll_time_limit)
		return 1;
	return 0;
}

/* adjust_poll_limit(): grow the window after a short halt, shrink it after a long one. */
static void haltpoll_reflect(struct cpuidle_device *dev, const struct cpuidle_table *t, int state,
			     sim_time_t residency_ps)
{
	uint64_t block_ns = ns_of(residency_ps), max = ns_of(t->guest_halt_poll), val;

	if (state == 0)
		return;
	if (block_ns > dev->poll_limit_ns && block_ns <= max) {
		val = dev->poll_limit_ns * GUEST_HALT_POLL_GROW;
		if (val < GUEST_HALT_POLL_GROW_START)
			val = GUEST_HALT_POLL_GROW_START;
		if (val > max)
			val = max;
		dev->poll_limit_ns = val;
	} else if (block_ns > max) {
		dev->poll_limit_ns /= GUEST_HALT_POLL_SHRINK;
	}
}

const char *const cpuidle_governor_names[] = { "menu", "haltpoll", NULL };

int cpuidle_select(const struct cpuidle_table *t, struct cpuidle_device *dev,
		   sim_time_t latency_req, sim_time_t tick_ps, sim_time_t delta_tick_ps)
{
	if (t->governor == CPUIDLE_GOV_HALTPOLL)
		return haltpoll_select(t, dev, latency_req);
	return menu_select(t, dev, latency_req, tick_ps, delta_tick_ps);
}

void cpuidle_reflect(struct cpuidle_device *dev, const struct cpuidle_table *t, int state,
		     sim_time_t residency_ps, bool time_limit)
{
	dev->poll_time_limit = time_limit;
	dev->last_state = state;
	if (t->governor == CPUIDLE_GOV_HALTPOLL)
		haltpoll_reflect(dev, t, state, residency_ps);
	else
		menu_update(dev, t, state, residency_ps);
}

sim_time_t cpuidle_poll_time(const struct cpuidle_table *t, const struct cpuidle_device *dev)
{
	if (t->governor != CPUIDLE_GOV_HALTPOLL || !is_poll_loop(t, 0))
		return 0;
	return (sim_time_t)dev->poll_limit_ns * 1000;
}
