/*
 * models/kernel/cpu_subsys.c - the CPU subsystem's lifecycle and report
 * hooks (models/subsys.h): a machine's CPUs and their softnet_data
 * (net/core/dev.c net_dev_init's per-CPU part), the RFS table, CPU
 * accounting over the run, and what the report shows of them.
 *
 * A host that shares another's machine (`machine:`) owns no CPU: it sees
 * the machine's, which are built, listed and freed once, under their owner.
 */
#include <stdlib.h>

#include "models/core/dev.h"
#include "models/kernel/cpu.h"
#include "models/subsys.h"

/* The CPUs and their softnet_data; -1 (out of memory, located by the caller) on failure. */
static int host_init_cpus(struct host *h, struct sim_error *err)
{
	for (uint32_t i = 0; i < h->ncpus; i++)
		cpu_init(&h->cpus[i], h, i);
	for (uint32_t i = 0; i < h->ncpus; i++) {
		struct softnet_data *sd = calloc(1, sizeof(*sd));

		if (!sd)
			return sim_error_set(err, "out of memory");
		softnet_init(sd, &h->cpus[i]);
		if (sd->flow_limit &&
		    world_charge(h->w, NULL, 2ull * h->sysctl.flow_limit_table_len, err))
			return -1;
		if (sd->flow_limit) {
			sd->fl_buckets = calloc(h->sysctl.flow_limit_table_len, sizeof(uint16_t));
			if (!sd->fl_buckets)
				return sim_error_set(err, "out of memory");
		}
	}
	return 0;
}

static int cpu_subsys_init(struct host *h, const struct cfg_node *n, struct sim_error *err)
{
	if (h->machine != h)
		return 0;
	h->cpus = calloc(h->ncpus, sizeof(*h->cpus));
	if (!h->cpus)
		return cfg_error(n, err, "out of memory");
	return host_init_cpus(h, err) || rps_sock_flow_init(h, err) ? -1 : 0;
}

static void cpu_subsys_warmup_reset(struct host *h, sim_time_t now)
{
	for (uint32_t c = 0; c < h->ncpus; c++) {
		struct softnet_data *sd = h->cpus[c].sd;

		cpu_acct_reset(&h->cpus[c], now);
		sim_level_reset(&sd->backlog_level, now);
		sd->backlog_in = 0;
		sd->wait_sum = 0;
		sd->wait_n = 0;
	}
}

static void cpu_subsys_finish(struct host *h, sim_time_t end)
{
	for (uint32_t c = 0; c < h->ncpus; c++)
		cpu_acct_flush(&h->cpus[c], end);
}

static void cpu_subsys_release(struct host *h)
{
	for (uint32_t i = 0; h->machine == h && h->cpus && i < h->ncpus; i++) {
		if (h->cpus[i].sd)
			free(h->cpus[i].sd->fl_buckets);
		free(h->cpus[i].sd);
	}
	if (h->machine == h)
		free(h->cpus);
	free(h->rps_sock_flow_ents);
}

/* Each CPU's backlogs (two of netdev_max_backlog), a poll's worth and a GRO list's. */
static uint64_t cpu_subsys_skb_pool_need(const struct host *h)
{
	return (uint64_t)h->ncpus * (2ull * h->sysctl.netdev_max_backlog + 2 + 64 * 9);
}

static void cpu_subsys_estimate(const struct host *h, uint64_t *mem, double *pkts)
{
	(void)pkts;
	for (uint32_t c = 0; h->machine == h && c < h->ncpus; c++)
		*mem += sizeof(struct cpu) + sizeof(struct softnet_data) +
			(h->cpus[c].sd->fl_buckets ? 2u * h->sysctl.flow_limit_table_len : 0);
}

const struct host_subsys_ops cpu_subsys = {
	.name = "cpu",
	.init = cpu_subsys_init,
	.warmup_reset = cpu_subsys_warmup_reset,
	.finish = cpu_subsys_finish,
	.release = cpu_subsys_release,
	.skb_pool_need = cpu_subsys_skb_pool_need,
	.estimate = cpu_subsys_estimate,
};
