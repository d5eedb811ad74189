/*
 * models/kernel/cpuidle.c - idle state tables, their parsing, and the menu-like governor.
 *
 * See models/kernel/cpuidle.h for the model and its kernel references.
 */
#include <stdio.h>
#include <string.h>

#include "models/kernel/cpuidle.h"
#include "sim/error.h"

/* drivers/cpuidle/poll_state.c: exit latency 0, target residency 0. */
static const struct cpuidle_state poll_state = { "POLL", 0, 0, false, true };

/* drivers/idle/intel_idle.c skx_cstates (Skylake-SP), latencies in us. */
static const struct cpuidle_state skx_c1 = { "C1", 2 * SIM_US, 2 * SIM_US, false, true };
static const struct cpuidle_state skx_c1e = { "C1E", 10 * SIM_US, 20 * SIM_US, false, true };
static const struct cpuidle_state skx_c6 = { "C6", 133 * SIM_US, 600 * SIM_US, true, true };

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

/*
 * get_typical_interval() (menu.c): mean and variance of the recorded
 * intervals; accept the mean when the spread is small, else drop the largest
 * value and try again, until only 3/4 of the samples are left.
 */
uint64_t cpuidle_typical_interval_us(const struct cpuidle_device *dev)
{
	uint64_t thresh = UINT64_MAX;

	if (!dev->nintervals)
		return UINT64_MAX;
	for (;;) {
		uint64_t max = 0, divisor = 0;
		double avg = 0, variance = 0;

		for (uint32_t i = 0; i < dev->nintervals; i++) {
			uint64_t v = dev->intervals_us[i];

			if (v > thresh)
				continue;
			divisor++;
			avg += (double)v;
			variance += (double)v * (double)v;
			if (v > max)
				max = v;
		}
		avg /= (double)divisor;
		variance = variance / (double)divisor - avg * avg;
		if (avg * avg > 36 * variance || variance <= 400)
			return (uint64_t)avg;
		if (divisor * 4 <= dev->nintervals * 3)
			return UINT64_MAX;
		thresh = max - 1;
	}
}

int cpuidle_select(const struct cpuidle_table *t, const struct cpuidle_device *dev,
		   sim_time_t latency_req)
{
	uint64_t pred_us = cpuidle_typical_interval_us(dev);
	int idx = 0;

	for (uint32_t i = 1; i < t->n; i++) {
		const struct cpuidle_state *s = &t->s[i];

		if (pred_us != UINT64_MAX && s->target_residency > (sim_time_t)pred_us * SIM_US)
			break;
		if (s->exit_latency > latency_req)
			break;
		idx = (int)i;
	}
	return idx;
}

void cpuidle_reflect(struct cpuidle_device *dev, sim_time_t idle_ps)
{
	dev->intervals_us[dev->interval_ptr] = (uint64_t)(idle_ps / SIM_US);
	dev->interval_ptr = (dev->interval_ptr + 1) % CPUIDLE_INTERVALS;
	if (dev->nintervals < CPUIDLE_INTERVALS)
		dev->nintervals++;
}
