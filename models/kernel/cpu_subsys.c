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
#include "models/report/report_util.h"
#include "models/core/netdevice.h"
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

/* ---- report: the CPU table (world), softnet_stat and /proc/interrupts (hosts) ---- */

static double cpu_pct(const struct world *w, const struct cpu *c, enum cpu_acct a)
{
	return report_pct_after_warmup(w, (double)c->acct[a]);
}

/* A napi kthread's own work (context switches aside) in % of the run after warm-up. */
static double napi_thread_pct(const struct world *w, const struct napi_thread *nt)
{
	return report_pct_after_warmup(w, (double)nt->busy_ps);
}

/* Threaded NAPI kthreads (their time is in their CPU's %sys), when there are any. */
static void text_napi_threads(const struct world *w, FILE *f)
{
	bool head = false;

	for (uint32_t i = 0; i < w->nhosts; i++) {
		const struct host *h = w->hosts[i];

		for (uint32_t c = 0; h->machine == h && c < h->ncpus; c++) {
			const struct softnet_data *sd = h->cpus[c].sd;

			for (uint32_t k = 0; k < sd->nnapi_threads; k++) {
				const struct napi_thread *nt = sd->napi_threads[k];

				if (!head)
					fprintf(f, "  %-6s %4s %-20s %7s %9s %9s %9s %9s\n", "host",
						"cpu", "napi kthread", "%sys", "wakeups", "loops",
						"nvcsw", "nivcsw");
				head = true;
				fprintf(f, "  %-6s %4u %-20s %7.2f %9llu %9llu %9llu %9llu\n",
					h->name, c, nt->thread.name, napi_thread_pct(w, nt),
					U(nt->wakeups), U(nt->loops), U(nt->thread.nvcsw),
					U(nt->thread.nivcsw));
			}
		}
	}
	if (head)
		fprintf(f, "  (napi kthreads: threaded NAPI, counted in %%sys; %%sys of the run "
			   "after warm-up, counts of the whole run)\n");
}

static void cpu_subsys_world_text(const struct world *w, FILE *f)
{
	fprintf(f, "CPU utilisation (after warm-up; mpstat counts ksoftirqd inside %%soft)\n");
	fprintf(f, "  %-6s %4s %7s %7s %10s %7s %7s %7s %9s %9s\n", "host", "cpu", "%irq", "%soft",
		"%ksoftirqd", "%sys", "%usr", "%idle", "ctxsw", "ksoftirqd");
	for (uint32_t i = 0; i < w->nhosts; i++) {
		const struct host *h = w->hosts[i];

		/* CPUs are listed once, under the host that owns them */
		for (uint32_t c = 0; h->machine == h && c < h->ncpus; c++) {
			const struct cpu *cp = &h->cpus[c];

			fprintf(f, "  %-6s %4u %7.2f %7.2f %10.2f %7.2f %7.2f %7.2f %9llu %9llu\n",
				h->name, c, cpu_pct(w, cp, ACCT_IRQ), cpu_pct(w, cp, ACCT_SOFTIRQ),
				cpu_pct(w, cp, ACCT_KSOFTIRQD), cpu_pct(w, cp, ACCT_SYS),
				cpu_pct(w, cp, ACCT_USR), cpu_pct(w, cp, ACCT_IDLE),
				U(cp->context_switches), U(cp->ksoftirqd_wakeups));
		}
	}
	fprintf(f, "  (ctxsw: context switches; ksoftirqd: wakeups of ksoftirqd, whole run)\n");
	text_napi_threads(w, f);
	fprintf(f, "\n");
}

/* cpuidle's per-state usage and time, as /sys/devices/system/cpu/cpuN/cpuidle/stateK/ shows them. */
static cJSON *json_idle_states(const struct host *h, const struct cpu *cp)
{
	cJSON *a = cJSON_CreateArray();

	for (uint32_t i = 0; i < h->costs.idle.n; i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "name", h->costs.idle.s[i].name);
		cJSON_AddNumberToObject(o, "usage", (double)cp->idle.usage[i]);
		cJSON_AddNumberToObject(o, "time_us", (double)(cp->idle.time[i] / SIM_US));
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

static cJSON *json_napi_threads(const struct world *w, const struct cpu *cp)
{
	cJSON *a = cJSON_CreateArray();

	for (uint32_t k = 0; k < cp->sd->nnapi_threads; k++) {
		const struct napi_thread *nt = cp->sd->napi_threads[k];
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "name", nt->thread.name);
		cJSON_AddNumberToObject(o, "sys", napi_thread_pct(w, nt));
		cJSON_AddNumberToObject(o, "wakeups", (double)nt->wakeups);
		cJSON_AddNumberToObject(o, "loops", (double)nt->loops);
		cJSON_AddNumberToObject(o, "polls", (double)nt->napi->polls);
		cJSON_AddNumberToObject(o, "voluntary_switches", (double)nt->thread.nvcsw);
		cJSON_AddNumberToObject(o, "involuntary_switches", (double)nt->thread.nivcsw);
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

static cJSON *json_cpu(const struct world *w, const struct host *h, uint32_t c)
{
	const struct cpu *cp = &h->cpus[c];
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "host", h->name);
	cJSON_AddNumberToObject(o, "cpu", c);
	for (int k = 0; k < ACCT_NR; k++)
		cJSON_AddNumberToObject(o, cpu_acct_name[k], cpu_pct(w, cp, (enum cpu_acct)k));
	cJSON_AddNumberToObject(o, "context_switches", (double)cp->context_switches);
	cJSON_AddNumberToObject(o, "softirq_restarts", (double)cp->softirq_restarts);
	cJSON_AddNumberToObject(o, "ksoftirqd_wakeups", (double)cp->ksoftirqd_wakeups);
	cJSON_AddNumberToObject(o, "ttwu_remote", (double)cp->ttwu_remote);
	if (cp->sd->nnapi_threads)
		cJSON_AddItemToObject(o, "napi_threads", json_napi_threads(w, cp));
	cJSON_AddItemToObject(o, "idle_states", json_idle_states(h, cp));
	return o;
}

static void cpu_subsys_world_json(const struct world *w, cJSON *r)
{
	cJSON *a = cJSON_CreateArray();

	for (uint32_t i = 0; i < w->nhosts; i++) {
		const struct host *h = w->hosts[i];

		/* CPUs are listed once, under the host that owns them */
		for (uint32_t c = 0; h->machine == h && c < h->ncpus; c++)
			cJSON_AddItemToArray(a, json_cpu(w, h, c));
	}
	cJSON_AddItemToObject(r, "cpus", a);
}

/* The softnet_stat lines of report.txt's host section. */
static void cpu_subsys_text(const struct host *h, FILE *f)
{
	fprintf(f, "  softnet_stat: cpu processed dropped time_squeeze received_rps "
		   "flow_limit_count\n");
	for (uint32_t c = 0; c < h->ncpus; c++) {
		const struct softnet_data *sd = h->cpus[c].sd;

		fprintf(f, "    %u %llu %llu %llu %llu %llu\n", c,
			(unsigned long long)sd->processed, (unsigned long long)sd->dropped,
			(unsigned long long)sd->time_squeeze, (unsigned long long)sd->received_rps,
			(unsigned long long)sd->flow_limit_count);
	}
}

static cJSON *json_softnet(const struct host *h)
{
	cJSON *a = cJSON_CreateArray();

	for (uint32_t c = 0; c < h->ncpus; c++) {
		const struct softnet_data *sd = h->cpus[c].sd;
		cJSON *o = cJSON_CreateObject();

		cJSON_AddNumberToObject(o, "cpu", c);
		JNUM(o, sd, processed);
		JNUM(o, sd, dropped);
		JNUM(o, sd, time_squeeze);
		JNUM(o, sd, received_rps);
		JNUM(o, sd, flow_limit_count);
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

static void cpu_subsys_json(const struct host *h, cJSON *o)
{
	cJSON_AddItemToObject(o, "softnet_stat", json_softnet(h));
}

/* ---- Linux-format files ---- */

static void write_softnet_stat(const struct host *h, FILE *f)
{
	for (uint32_t c = 0; c < h->ncpus; c++) {
		const struct softnet_data *sd = h->cpus[c].sd;
		uint32_t in = sd->input_pkt_queue.qlen, pq = sd->process_queue.qlen;

		fprintf(f,
			"%08x %08x %08x %08x %08x %08x %08x %08x %08x %08x %08x %08x %08x %08x "
			"%08x\n",
			(uint32_t)sd->processed, (uint32_t)sd->dropped, (uint32_t)sd->time_squeeze,
			0, 0, 0, 0, 0, 0, (uint32_t)sd->received_rps,
			(uint32_t)sd->flow_limit_count, in + pq, c, in, pq);
	}
}

/*
 * /proc/interrupts as kernel/irq/proc.c show_interrupts prints it (prec 3:
 * "%*d: ", "%10u " per CPU, chip and name) and the x86 "RES" and "CAL" lines
 * for the reschedule IPIs and the function-call IPIs that RPS and remote
 * wake-ups send (arch_show_interrupts); an IPI a polling idle CPU takes as a
 * flag is not counted, as in the kernel.
 */
static void write_interrupts(const struct host *h, FILE *f)
{
	fprintf(f, "%*s", 3 + 8, "");
	for (uint32_t c = 0; c < h->ncpus; c++)
		fprintf(f, "CPU%-8u", c);
	fprintf(f, "\n");
	for (uint32_t d = 0, irq = 64; d < h->ndevs; d++)
		if (h->devs[d]->ethtool_ops->show_interrupts)
			h->devs[d]->ethtool_ops->show_interrupts(h->devs[d], d, &irq, f);
	fprintf(f, "%*s: ", 3, "RES");
	for (uint32_t c = 0; c < h->ncpus; c++)
		fprintf(f, "%10llu ", U(h->cpus[c].ipi_resched.count));
	fprintf(f, "  Rescheduling interrupts\n");
	fprintf(f, "%*s: ", 3, "CAL");
	for (uint32_t c = 0; c < h->ncpus; c++)
		fprintf(f, "%10llu ", U(h->cpus[c].sd->csd.count + h->cpus[c].ipi_call.count));
	fprintf(f, "  Function call interrupts\n");
}

static void fn_softnet(const void *a, FILE *f)
{
	write_softnet_stat(a, f);
}

static void fn_interrupts(const void *a, FILE *f)
{
	write_interrupts(a, f);
}

static int cpu_subsys_files(const struct host *h, struct host_files *out, struct sim_error *err)
{
	return out->emit(out, 10, "softnet_stat", fn_softnet, h, err) ||
			       out->emit(out, 60, "interrupts", fn_interrupts, h, err)
		       ? -1
		       : 0;
}

static const char *const cpu_files[] = { "softnet_stat", "interrupts", NULL };

const struct host_subsys_ops cpu_subsys = {
	.name = "cpu",
	.init = cpu_subsys_init,
	.warmup_reset = cpu_subsys_warmup_reset,
	.finish = cpu_subsys_finish,
	.release = cpu_subsys_release,
	.skb_pool_need = cpu_subsys_skb_pool_need,
	.estimate = cpu_subsys_estimate,
	.world_rank = 20,
	.world_text = cpu_subsys_world_text,
	.world_json = cpu_subsys_world_json,
	.text_rank = 30,
	.text = cpu_subsys_text,
	.json_rank = 20,
	.json = cpu_subsys_json,
	.files = cpu_subsys_files,
	.file_names = cpu_files,
};
