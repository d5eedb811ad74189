/*
 * models/costs.c - the keys of the CPU cost table and the `costs:` reader.
 *
 * The values and their sources live in the profiles (profiles/NAME.yaml,
 * docs/profiles.md); profiles/legacy-0.1.yaml holds the table this file
 * compiled in up to version 0.1. Cycles keys are integers up to 10^8,
 * cycles per byte up to 1000, times up to 1 ms (the PM QoS limit up to its
 * "no limit" value of 2000 s), fractions from 0 to 1; `idle` is a preset name
 * or a list of idle states (models/kernel/cpuidle.h); `skb_cache_lines` is a count
 * of lines up to 1024 and `mem_bandwidth` a bit rate up to 10000 Tbit/s
 * (stored as bytes per second; 0 means no limit).
 */
#include "models/costs.h"

#include <string.h>

#define COST_MAX_CYCLES	  100000000
#define COST_MAX_PER_BYTE 1000

const struct cost_key cost_keys[] = {
#define X(n) { #n, COST_CYCLES, offsetof(struct costs, n) },
	COSTS(X)
#undef X
		{ "copy_per_byte", COST_CYCLES_PER_BYTE, offsetof(struct costs, copy_per_byte) },
	{ "send_copy_per_byte", COST_CYCLES_PER_BYTE, offsetof(struct costs, send_copy_per_byte) },
	{ "ipi_latency", COST_TIME, offsetof(struct costs, ipi_latency) },
	{ "pcie_latency", COST_TIME, offsetof(struct costs, pcie_latency) },
	{ "cost_cv", COST_FRACTION, offsetof(struct costs, cost_cv) },
	{ "cpu_dma_latency", COST_QOS_TIME, offsetof(struct costs, cpu_dma_latency) },
	{ "idle", COST_IDLE_STATES, offsetof(struct costs, idle) },
	{ "idle_governor", COST_GOVERNOR, offsetof(struct costs, idle.governor) },
	{ "guest_halt_poll_ns", COST_TIME, offsetof(struct costs, idle.guest_halt_poll) },
	{ "irq_time_accounting", COST_BOOL, offsetof(struct costs, irq_time_accounting) },
	{ "sched_eevdf", COST_BOOL, offsetof(struct costs, sched_eevdf) },
	{ "skb_cache_lines", COST_LINES, offsetof(struct costs, skb_cache_lines) },
	{ "mem_bandwidth", COST_BITRATE, offsetof(struct costs, mem_bandwidth) },
};

const size_t cost_keys_nr = sizeof(cost_keys) / sizeof(cost_keys[0]);

const char *cost_unit_name(enum cost_unit u)
{
	static const char *const names[] = {
		"cycles", "cycles/byte", "time",  "time",  "fraction",
		"bool",	  "states",	 "lines", "bit/s", "governor"
	};

	return names[u];
}

const struct cost_key *cost_key_find(const char *name)
{
	for (size_t i = 0; i < cost_keys_nr; i++)
		if (!strcmp(cost_keys[i].name, name))
			return &cost_keys[i];
	return NULL;
}

/* A count of cache lines, 0 - 1024. */
static int cost_read_lines(const struct cfg_node *n, const char *key, uint32_t *field,
			   struct sim_error *err)
{
	uint64_t v;

	if (cfg_get_u64(n, key, &v, *field, 0, 1024, err))
		return -1;
	*field = (uint32_t)v;
	return 0;
}

/* A bit rate in the scenario ("640Gbit", "0bit" = no limit), stored as bytes/s. */
static int cost_read_bitrate(const struct cfg_node *n, const char *key, double *field,
			     struct sim_error *err)
{
	double bits;

	if (cfg_get_bitrate(n, key, &bits, *field * 8, 0, 1e16, err))
		return -1;
	*field = bits / 8;
	return 0;
}

int cost_key_read(const struct cost_key *k, struct costs *c, const struct cfg_node *n,
		  const char *key, struct sim_error *err)
{
	void *field = (char *)c + k->off;

	switch (k->unit) {
	case COST_CYCLES:
		return cfg_get_u64(n, key, field, *(uint64_t *)field, 0, COST_MAX_CYCLES, err);
	case COST_CYCLES_PER_BYTE:
		return cfg_get_double(n, key, field, *(double *)field, 0, COST_MAX_PER_BYTE, err);
	case COST_TIME:
		return cfg_get_time(n, key, field, *(sim_time_t *)field, 0, SIM_MS, err);
	case COST_QOS_TIME:
		return cfg_get_time(n, key, field, *(sim_time_t *)field, 0, 2000 * SIM_SEC, err);
	case COST_FRACTION:
		return cfg_get_double(n, key, field, *(double *)field, 0, 1, err);
	case COST_BOOL:
		return cfg_get_bool(n, key, field, *(bool *)field, err);
	case COST_IDLE_STATES:
		return cpuidle_parse(field, n, key, err);
	case COST_LINES:
		return cost_read_lines(n, key, field, err);
	case COST_BITRATE:
		return cost_read_bitrate(n, key, field, err);
	case COST_GOVERNOR:
		return cfg_get_enum(n, key, cpuidle_governor_names, field, *(int *)field, err);
	}
	return -1;
}

int costs_parse(struct costs *k, const struct cfg_node *n, struct sim_error *err)
{
	if (!n)
		return 0;
	for (size_t i = 0; i < cost_keys_nr; i++)
		if (cost_key_read(&cost_keys[i], k, n, cost_keys[i].name, err))
			return -1;
	return cfg_check_unknown(n, "costs", err);
}
