/*
 * models/report/report.c - text report, report.json and the Linux-format counter files.
 *
 * Formats follow the kernel and tools that print them (kernel-facts §10):
 * net/core/net-procfs.c softnet_seq_show and dev_seq_printf_stats,
 * net/ipv4/proc.c snmp_seq_show_ipstats / icmp / udp, ethtool -S's
 * "NIC statistics:" layout, iproute2 ss.c print_skmeminfo.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "models/apps/app.h"
#include "models/kernel/cpu.h"
#include "models/core/dev.h"
#include "models/lib/inet_addr.h"
#include "models/core/neigh.h"
#include "models/netfilter/netfilter.h"
#include "models/netfilter/nf_conntrack.h"
#include "models/sched/sch_generic.h"
#include "models/core/netdevice.h"
#include "models/report/report.h"
#include "models/report/proc_netstat.h"
#include "models/scenario.h"
#include "models/ipv4/sock.h"
#include "models/core/xsk.h"
#include "models/ipv4/udp.h"
#include "models/apps/traffic.h"
#include "sim/units.h"

#define MAX_QUEUES 4096
#define U(x)	   ((unsigned long long)(x))

/* Seconds measured: from the warm-up to the time the run reached (0 when stopped before). */
static double meas_sec(const struct world *w)
{
	return w->end > w->warmup ? sim_time_sec(w->end - w->warmup) : 0;
}

/* @n per second of @sec; 0 for an empty interval (a run stopped at once). */
static double per_sec(double n, double sec)
{
	return sec > 0 ? n / sec : 0;
}

/* ---- latency ---- */

struct lat_summary {
	uint64_t count;			       /* samples */
	double p50, p90, p99, p999, max, mean; /* ns */
};

static struct lat_summary lat_summarize(const struct sim_hist *h)
{
	struct lat_summary s = { 0 };

	s.count = h->count;
	if (!h->count)
		return s;
	s.p50 = (double)sim_hist_quantile(h, 0.5) / 1000.0;
	s.p90 = (double)sim_hist_quantile(h, 0.9) / 1000.0;
	s.p99 = (double)sim_hist_quantile(h, 0.99) / 1000.0;
	s.p999 = (double)sim_hist_quantile(h, 0.999) / 1000.0;
	s.max = (double)h->max / 1000.0;
	s.mean = sim_hist_mean(h) / 1000.0;
	return s;
}

/* ---- queues ---- */

static void queue_fill(struct queue_stat *q, const struct world *w, const struct sim_level *l,
		       uint64_t in, double wait_sum_ps, uint64_t wait_n)
{
	q->mean_len = sim_level_mean(l, w->end);
	q->max_len = l->max;
	q->arrival_rate = per_sec((double)in, meas_sec(w));
	q->mean_wait_ns = wait_n ? wait_sum_ps / (double)wait_n / 1000.0 : 0;
	q->departures = wait_n;
}

static uint32_t report_host_queues(const struct world *w, const struct host *h,
				   struct queue_stat *out, uint32_t n, uint32_t max)
{
	for (uint32_t d = 0; d < h->ndevs; d++) {
		const struct net_device *dev = h->devs[d];
		struct netdev_queue_obs obs[NETDEV_MAX_QUEUES];
		uint32_t k = dev->ethtool_ops->report_queues
				     ? dev->ethtool_ops->report_queues(dev, obs, NETDEV_MAX_QUEUES)
				     : 0;

		for (uint32_t i = 0; i < k && n < max; i++, n++) {
			snprintf(out[n].kind, sizeof(out[n].kind), "%s", obs[i].kind);
			snprintf(out[n].name, sizeof(out[n].name), "%s rx-%u", dev->name,
				 obs[i].index);
			queue_fill(&out[n], w, obs[i].level, obs[i].in, obs[i].wait_sum,
				   obs[i].wait_n);
			snprintf(out[n].host, sizeof(out[n].host), "%s", h->name);
		}
	}
	for (uint32_t c = 0; h->machine == h && c < h->ncpus && n < max; c++, n++) {
		const struct softnet_data *sd = h->cpus[c].sd;

		snprintf(out[n].kind, sizeof(out[n].kind), "backlog");
		snprintf(out[n].name, sizeof(out[n].name), "cpu%u", c);
		queue_fill(&out[n], w, &sd->backlog_level, sd->backlog_in, sd->wait_sum,
			   sd->wait_n);
		snprintf(out[n].host, sizeof(out[n].host), "%s", h->name);
	}
	for (uint32_t s = 0; s < h->nsocks && n < max; s++, n++) {
		const struct sock *sk = h->socks[s];

		snprintf(out[n].kind, sizeof(out[n].kind), "%s", sock_kind_name(sk));
		snprintf(out[n].name, sizeof(out[n].name), "%s", sk->name);
		queue_fill(&out[n], w, &sk->qlen, sk->q_in, sk->sojourn.sum, sk->sojourn.count);
		snprintf(out[n].host, sizeof(out[n].host), "%s", h->name);
	}
	return n;
}

uint32_t report_queues(const struct world *w, struct queue_stat *out, uint32_t max)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < w->nhosts; i++)
		n = report_host_queues(w, w->hosts[i], out, n, max);
	return n;
}

/* ---- CPU ---- */

static double cpu_pct(const struct world *w, const struct cpu *c, enum cpu_acct a)
{
	double total = (double)(w->end - w->warmup);

	return total > 0 ? 100.0 * (double)c->acct[a] / total : 0;
}

/* A napi kthread's own work (context switches aside) in % of the run after warm-up. */
static double napi_thread_pct(const struct world *w, const struct napi_thread *nt)
{
	double total = (double)(w->end - w->warmup);

	return total > 0 ? 100.0 * (double)nt->busy_ps / total : 0;
}

/* ---- headroom: what limited the run, and whether each tunable mattered ---- */

enum hr_state { HR_UNUSED, HR_OK, HR_FULL };

static const char *const hr_state_name[] = { "unused", "ok", "full" };

/* One tunable's use: its largest occupancy after the warm-up against its limit. */
struct headroom {
	char host[32];	     /* host name */
	char knob[48];	     /* "rx_ring", "net.core.netdev_max_backlog", "rcvbuf" */
	char where[48];	     /* the busiest instance: "eth0 rx-1", "cpu1", "srv" */
	double max;	     /* largest occupancy after the warm-up */
	double limit;	     /* the tunable's value */
	const char *unit;    /* "descriptors", "packets", "bytes" */
	uint64_t drops;	     /* whole-run drops at this limit */
	enum hr_state state; /* unused (never occupied), ok, full (it dropped) */
};

static enum hr_state hr_state_of(double max, uint64_t drops)
{
	return drops ? HR_FULL : max > 0 ? HR_OK : HR_UNUSED;
}

static uint32_t hr_rings(const struct host *h, struct headroom *out, uint32_t n, uint32_t cap)
{
	for (uint32_t d = 0; d < h->ndevs && n < cap; d++) {
		const struct net_device *dev = h->devs[d];
		struct headroom *r = &out[n];
		struct netdev_ring_usage u;

		if (!dev->ethtool_ops->get_ring_usage || !dev->ethtool_ops->get_ring_usage(dev, &u))
			continue;
		memset(r, 0, sizeof(*r));
		r->max = (double)u.max;
		snprintf(r->where, sizeof(r->where), "%s rx-%u", dev->name, u.queue);
		r->drops = u.drops;
		snprintf(r->host, sizeof(r->host), "%s", h->name);
		snprintf(r->knob, sizeof(r->knob), "rx_ring");
		r->limit = u.limit;
		r->unit = "descriptors";
		r->state = hr_state_of(r->max, r->drops);
		n++;
	}
	return n;
}

static uint32_t hr_backlog(const struct host *h, struct headroom *out, uint32_t n, uint32_t cap)
{
	struct headroom *r = &out[n];

	if (h->machine != h || n >= cap)
		return n;
	memset(r, 0, sizeof(*r));
	for (uint32_t c = 0; c < h->ncpus; c++) {
		const struct softnet_data *sd = h->cpus[c].sd;

		if (!c || (double)sd->backlog_level.max > r->max) {
			r->max = (double)sd->backlog_level.max;
			snprintf(r->where, sizeof(r->where), "cpu%u", c);
		}
		r->drops += sd->dropped;
	}
	snprintf(r->host, sizeof(r->host), "%s", h->name);
	snprintf(r->knob, sizeof(r->knob), "net.core.netdev_max_backlog");
	r->limit = h->sysctl.netdev_max_backlog;
	r->unit = "packets";
	r->state = hr_state_of(r->max, r->drops);
	return n + 1;
}

static uint32_t hr_sockets(const struct host *h, struct headroom *out, uint32_t n, uint32_t cap)
{
	for (uint32_t s = 0; s < h->nsocks && n < cap; s++) {
		const struct sock *sk = h->socks[s];
		struct headroom *r = &out[n];

		if (sk->kind != SOCK_UDP)
			continue;
		memset(r, 0, sizeof(*r));
		snprintf(r->host, sizeof(r->host), "%s", h->name);
		snprintf(r->knob, sizeof(r->knob), "rcvbuf");
		snprintf(r->where, sizeof(r->where), "%s", sk->name);
		r->max = (double)sk->rmem.max;
		r->limit = sk->sk_rcvbuf;
		r->unit = "bytes";
		r->drops = sk->sk_drops;
		r->state = hr_state_of(r->max, r->drops);
		n++;
	}
	return n;
}

static uint32_t report_headroom(const struct world *w, struct headroom *out, uint32_t cap)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < w->nhosts; i++) {
		n = hr_rings(w->hosts[i], out, n, cap);
		n = hr_backlog(w->hosts[i], out, n, cap);
		n = hr_sockets(w->hosts[i], out, n, cap);
	}
	return n;
}

/* The busiest CPU after the warm-up (its host and index), NULL when there is none. */
static const struct host *busiest_cpu(const struct world *w, uint32_t *cpu, double *busy)
{
	const struct host *best = NULL;

	*busy = -1;
	for (uint32_t i = 0; i < w->nhosts; i++) {
		const struct host *h = w->hosts[i];

		for (uint32_t c = 0; h->machine == h && c < h->ncpus; c++) {
			double b = 100 - cpu_pct(w, &h->cpus[c], ACCT_IDLE);

			if (b > *busy) {
				*busy = b;
				*cpu = c;
				best = h;
			}
		}
	}
	return best;
}

/* The drop point with the most drops (the first such in host and drop_points[] order). */
static const struct host *main_drop(const struct world *w, unsigned *point)
{
	const struct host *best = NULL;
	uint64_t most = 0;

	for (uint32_t i = 0; i < w->nhosts; i++)
		for (unsigned d = 0; d < drop_points_nr; d++)
			if (w->hosts[i]->drops[d] > most) {
				most = w->hosts[i]->drops[d];
				best = w->hosts[i];
				*point = d;
			}
	return best;
}

static void text_headroom_row(const struct headroom *r, FILE *f)
{
	char lim[32], max[32];

	if (r->state == HR_UNUSED) {
		fprintf(f, "  %-6s %-28s unused: no packet used %s\n", r->host, r->knob,
			!strcmp(r->unit, "bytes") ? "the buffer"
			: r->unit[0] == 'd'	  ? "the ring"
						  : "a backlog");
		return;
	}
	if (!strcmp(r->unit, "bytes")) {
		sim_fmt_size(lim, sizeof(lim), (uint64_t)r->limit);
		fprintf(f, "  %-6s %-28s %s: max occupancy %.0f %% of %s (%s)", r->host, r->knob,
			hr_state_name[r->state], r->limit > 0 ? 100 * r->max / r->limit : 0, lim,
			r->where);
	} else {
		snprintf(max, sizeof(max), "%.0f", r->max);
		fprintf(f, "  %-6s %-28s %s: max %s of %.0f %s (%s)", r->host, r->knob,
			hr_state_name[r->state], max, r->limit, r->unit, r->where);
	}
	if (r->drops)
		fprintf(f, ", %llu drops", U(r->drops));
	fputc('\n', f);
}

static void text_headroom(const struct world *w, FILE *f)
{
	static struct headroom hr[MAX_QUEUES];
	uint32_t n = report_headroom(w, hr, MAX_QUEUES), cpu = 0;
	unsigned d = 0;
	double busy;
	const struct host *h = busiest_cpu(w, &cpu, &busy), *dh = main_drop(w, &d);

	fprintf(f, "Headroom (occupancy after warm-up, drops whole run)\n");
	if (h)
		fprintf(f, "  busiest CPU: %s cpu%u, %.1f %% busy%s\n", h->name, cpu, busy,
			busy >= 95 ? " (saturated)" : "");
	if (dh)
		fprintf(f, "  most drops: %s %s %s in %s, %llu\n", dh->name,
			stage_info[drop_points[d].stage].id,
			skb_drop_reason_name[drop_points[d].reason], drop_points[d].function,
			U(dh->drops[d]));
	else
		fprintf(f, "  most drops: none\n");
	for (uint32_t i = 0; i < n; i++)
		text_headroom_row(&hr[i], f);
	fprintf(f, "\n");
}

static cJSON *json_headroom(const struct world *w)
{
	static struct headroom hr[MAX_QUEUES];
	uint32_t n = report_headroom(w, hr, MAX_QUEUES), cpu = 0;
	cJSON *o = cJSON_CreateObject(), *a = cJSON_CreateArray(), *c, *dr = NULL;
	unsigned d = 0;
	double busy;
	const struct host *h = busiest_cpu(w, &cpu, &busy), *dh = main_drop(w, &d);

	if (h) {
		c = cJSON_AddObjectToObject(o, "busiest_cpu");
		cJSON_AddStringToObject(c, "host", h->name);
		cJSON_AddNumberToObject(c, "cpu", cpu);
		cJSON_AddNumberToObject(c, "busy_pct", busy);
	}
	if (dh) {
		dr = cJSON_AddObjectToObject(o, "most_drops");
		cJSON_AddStringToObject(dr, "host", dh->name);
		cJSON_AddStringToObject(dr, "stage", stage_info[drop_points[d].stage].id);
		cJSON_AddStringToObject(dr, "reason", skb_drop_reason_name[drop_points[d].reason]);
		cJSON_AddNumberToObject(dr, "count", (double)dh->drops[d]);
	} else {
		cJSON_AddNullToObject(o, "most_drops");
	}
	for (uint32_t i = 0; i < n; i++) {
		cJSON *k = cJSON_CreateObject();

		cJSON_AddStringToObject(k, "host", hr[i].host);
		cJSON_AddStringToObject(k, "knob", hr[i].knob);
		cJSON_AddStringToObject(k, "where", hr[i].where);
		cJSON_AddNumberToObject(k, "max", hr[i].max);
		cJSON_AddNumberToObject(k, "limit", hr[i].limit);
		cJSON_AddStringToObject(k, "unit", hr[i].unit);
		cJSON_AddNumberToObject(k, "drops", (double)hr[i].drops);
		cJSON_AddStringToObject(k, "state", hr_state_name[hr[i].state]);
		cJSON_AddItemToArray(a, k);
	}
	cJSON_AddItemToObject(o, "knobs", a);
	return o;
}

/* ---- text ---- */

static void text_packets(const struct world *w, FILE *f)
{
	double pct = w->offered ? 100.0 * (double)w->dropped / (double)w->offered : 0;

	fprintf(f, "Packets (whole run)\n");
	fprintf(f, "  offered    %12llu\n", (unsigned long long)w->offered);
	fprintf(f, "  delivered  %12llu\n", (unsigned long long)w->delivered);
	fprintf(f, "  dropped    %12llu  (%.3f %% of offered)\n", (unsigned long long)w->dropped,
		pct);
	if (w->consumed)
		fprintf(f, "  consumed   %12llu  (ARP frames the kernel used)\n",
			(unsigned long long)w->consumed);
	if (w->transmitted)
		fprintf(f, "  transmitted%12llu  (sent out of a NIC with no modelled peer)\n",
			(unsigned long long)w->transmitted);
	fprintf(f, "  in flight  %12llu\n", (unsigned long long)world_in_flight(w));
	fprintf(f,
		"  conservation: offered = delivered + consumed + transmitted + dropped + in "
		"flight: %s\n\n",
		world_conserved(w) ? "holds" : "VIOLATED");
}

static void text_drops(const struct world *w, FILE *f)
{
	bool any = false;

	fprintf(f, "Drops (whole run)\n");
	fprintf(f, "  %-6s %-18s %-5s %-30s %12s %12s  %s\n", "host", "reason", "stage", "function",
		"count", "rate/s", "Linux counter");
	for (uint32_t i = 0; i < w->nhosts; i++) {
		const struct host *h = w->hosts[i];

		for (unsigned d = 0; d < drop_points_nr; d++) {
			const struct drop_point *p = &drop_points[d];

			if (!h->drops[d])
				continue;
			any = true;
			fprintf(f, "  %-6s %-18s %-5s %-30s %12llu %12.1f  %s\n", h->name,
				skb_drop_reason_name[p->reason], stage_info[p->stage].id,
				p->function, (unsigned long long)h->drops[d],
				per_sec((double)h->drops[d], sim_time_sec(w->end)), p->counter);
		}
	}
	if (!any)
		fprintf(f, "  (none)\n");
	fprintf(f, "\n");
}

static void text_lat_row(FILE *f, const char *name, const struct sim_hist *h)
{
	struct lat_summary s = lat_summarize(h);

	fprintf(f, "  %-12s %10llu %10.0f %10.0f %10.0f %10.0f %10.0f %10.0f\n", name,
		(unsigned long long)s.count, s.p50, s.p90, s.p99, s.p999, s.max, s.mean);
}

static void text_latency(const struct world *w, FILE *f)
{
	fprintf(f, "Latency in ns (after warm-up; percentiles within 1 %%)\n");
	fprintf(f, "  %-12s %10s %10s %10s %10s %10s %10s %10s\n", "stage", "count", "p50", "p90",
		"p99", "p99.9", "max", "mean");
	text_lat_row(f, "end to end", &w->e2e);
	for (int i = 0; i < LAT_NR; i++)
		text_lat_row(f, lat_stage_name[i], &w->lat[i]);
	fprintf(f, "\n");
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
					(unsigned long long)nt->wakeups,
					(unsigned long long)nt->loops,
					(unsigned long long)nt->thread.nvcsw,
					(unsigned long long)nt->thread.nivcsw);
			}
		}
	}
	if (head)
		fprintf(f, "  (napi kthreads: threaded NAPI, counted in %%sys; %%sys of the run "
			   "after warm-up, counts of the whole run)\n");
}

static void text_cpus(const struct world *w, FILE *f)
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
				(unsigned long long)cp->context_switches,
				(unsigned long long)cp->ksoftirqd_wakeups);
		}
	}
	fprintf(f, "  (ctxsw: context switches; ksoftirqd: wakeups of ksoftirqd, whole run)\n");
	text_napi_threads(w, f);
	fprintf(f, "\n");
}

static void text_queues(const struct world *w, FILE *f)
{
	static struct queue_stat qs[MAX_QUEUES];
	uint32_t n = report_queues(w, qs, MAX_QUEUES);

	fprintf(f, "Queues (after warm-up)\n");
	fprintf(f, "  %-6s %-9s %-14s %10s %8s %12s %12s\n", "host", "kind", "name", "mean len",
		"max len", "arrivals/s", "mean wait ns");
	for (uint32_t i = 0; i < n; i++)
		fprintf(f, "  %-6s %-9s %-14s %10.2f %8lld %12.0f %12.0f\n", qs[i].host, qs[i].kind,
			qs[i].name, qs[i].mean_len, (long long)qs[i].max_len, qs[i].arrival_rate,
			qs[i].mean_wait_ns);
	fprintf(f, "\n");
}

/* Calls @fn for every lock of @h that was taken: qdisc root locks and busylocks, socket locks. */
static void for_each_lock(const struct host *h,
			  void (*fn)(const char *owner, const char *lock,
				     const struct sim_spinlock *l, void *arg),
			  void *arg)
{
	char owner[64];

	for (uint32_t d = 0; d < h->ndevs; d++) {
		const struct net_device *dev = h->devs[d];

		for (uint32_t i = 0; dev->txq && i < dev->ntxq; i++) {
			const struct Qdisc *q = dev->txq[i].qdisc;

			if (!q || (i && q == dev->txq[0].qdisc) || !q->root_lock.acquired)
				continue;
			snprintf(owner, sizeof(owner), "%s:%x:", dev->name, q->handle >> 16);
			fn(owner, "qdisc_lock", &q->root_lock, arg);
			if (q->busylock.acquired)
				fn(owner, "busylock", &q->busylock, arg);
		}
	}
	for (uint32_t s = 0; s < h->nsocks; s++) {
		const struct sock *sk = h->socks[s];

		if (sk->rq_lock.acquired)
			fn(sk->name, "sk_receive_queue.lock", &sk->rq_lock, arg);
		if (sk->kind == SOCK_UDP && udp_sk(sk)->reader_lock.acquired)
			fn(sk->name, "reader_queue.lock", &udp_sk(sk)->reader_lock, arg);
	}
}

static void text_lock(const char *owner, const char *lock, const struct sim_spinlock *l, void *arg)
{
	if (!l->contended && !l->bounced)
		return;
	fprintf(arg, "  lock %s %s: acquired %llu contended %llu bounced %llu spin %.1f us\n",
		owner, lock, U(l->acquired), U(l->contended), U(l->bounced),
		sim_time_sec(l->spin_ps) * 1e6);
}

static void json_lock(const char *owner, const char *lock, const struct sim_spinlock *l, void *arg)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "owner", owner);
	cJSON_AddStringToObject(o, "lock", lock);
	cJSON_AddNumberToObject(o, "acquired", (double)l->acquired);
	cJSON_AddNumberToObject(o, "contended", (double)l->contended);
	cJSON_AddNumberToObject(o, "bounced", (double)l->bounced);
	cJSON_AddNumberToObject(o, "spin_ns", (double)l->spin_ps / 1000.0);
	cJSON_AddItemToArray(arg, o);
}

static cJSON *json_locks(const struct host *h)
{
	cJSON *a = cJSON_CreateArray();

	for_each_lock(h, json_lock, a);
	return a;
}

/* The drivers' lines (adaptive moderation in force). */
static void text_devs(const struct host *h, FILE *f)
{
	for (uint32_t d = 0; d < h->ndevs; d++)
		if (h->devs[d]->ethtool_ops->report_text)
			h->devs[d]->ethtool_ops->report_text(h->devs[d], f);
}

/* nf_conntrack_count of max, `conntrack -S` drop/early_drop/invalid summed over the CPUs. */
static void text_conntrack(const struct nf_conntrack_net *cn, FILE *f)
{
	uint64_t drop = 0, early = 0, invalid = 0;

	for (uint32_t c = 0; c < (cn->p.ncpus ? cn->p.ncpus : 1); c++) {
		drop += cn->stat[c].drop;
		early += cn->stat[c].early_drop;
		invalid += cn->stat[c].invalid;
	}
	fprintf(f, "  conntrack: count %u of max %u, drop %llu, early_drop %llu, invalid %llu\n",
		cn->count, cn->p.max, U(drop), U(early), U(invalid));
}

static void text_host(const struct world *w, const struct host *h, FILE *f)
{
	(void)w;
	fprintf(f, "Host %s (profile %s, %.3g GHz)\n", h->name, h->profile, h->clock_hz / 1e9);
	fprintf(f,
		"  Udp: InDatagrams %llu NoPorts %llu InErrors %llu RcvbufErrors %llu "
		"InCsumErrors %llu\n",
		(unsigned long long)h->udp.InDatagrams, (unsigned long long)h->udp.NoPorts,
		(unsigned long long)h->udp.InErrors, (unsigned long long)h->udp.RcvbufErrors,
		(unsigned long long)h->udp.InCsumErrors);
	fprintf(f, "  Ip: InReceives %llu InHdrErrors %llu InAddrErrors %llu InDelivers %llu\n",
		(unsigned long long)h->ip.InReceives, (unsigned long long)h->ip.InHdrErrors,
		(unsigned long long)h->ip.InAddrErrors, (unsigned long long)h->ip.InDelivers);
	if (h->ip.OutRequests || h->ip.ForwDatagrams)
		fprintf(f,
			"  Udp: OutDatagrams %llu SndbufErrors %llu  Ip: OutRequests %llu "
			"OutDiscards %llu OutNoRoutes %llu ForwDatagrams %llu OutTransmits %llu\n",
			U(h->udp.OutDatagrams), U(h->udp.SndbufErrors), U(h->ip.OutRequests),
			U(h->ip.OutDiscards), U(h->ip.OutNoRoutes), U(h->ip.ForwDatagrams),
			U(h->ip.OutTransmits));
	if (h->ip.ReasmReqds || h->ip.FragCreates || h->ip.FragFails)
		fprintf(f,
			"  Ip: ReasmReqds %llu ReasmOKs %llu ReasmFails %llu ReasmTimeout %llu "
			"FragOKs %llu FragFails %llu FragCreates %llu\n",
			U(h->ip.ReasmReqds), U(h->ip.ReasmOKs), U(h->ip.ReasmFails),
			U(h->ip.ReasmTimeout), U(h->ip.FragOKs), U(h->ip.FragFails),
			U(h->ip.FragCreates));
	fprintf(f, "  Icmp: OutDestUnreachs %llu OutRateLimitGlobal %llu OutRateLimitHost %llu\n",
		(unsigned long long)h->icmp.OutDestUnreachs,
		(unsigned long long)h->icmp.OutRateLimitGlobal,
		(unsigned long long)h->icmp.OutRateLimitHost);
	if (h->nf && h->nf->ct)
		text_conntrack(h->nf->ct, f);
	fprintf(f, "  softnet_stat: cpu processed dropped time_squeeze received_rps "
		   "flow_limit_count\n");
	for (uint32_t c = 0; c < h->ncpus; c++) {
		const struct softnet_data *sd = h->cpus[c].sd;

		fprintf(f, "    %u %llu %llu %llu %llu %llu\n", c,
			(unsigned long long)sd->processed, (unsigned long long)sd->dropped,
			(unsigned long long)sd->time_squeeze, (unsigned long long)sd->received_rps,
			(unsigned long long)sd->flow_limit_count);
	}
	text_devs(h, f);
	for_each_lock(h, text_lock, f);
	for (uint32_t s = 0; s < h->nsocks; s++) {
		const struct sock *sk = h->socks[s];

		if (sk->kind == SOCK_XDP)
			fprintf(f,
				"  xsk %s on %s queue %u: rx %llu rx_dropped %llu rx_ring_full "
				"%llu "
				"rx_fill_ring_empty_descs %llu\n",
				sk->name, xdp_sk(sk)->dev->name, xdp_sk(sk)->queue_id,
				U(xdp_sk(sk)->rx_packets), U(xdp_sk(sk)->rx_dropped),
				U(xdp_sk(sk)->rx_ring_full),
				U(xdp_sk(sk)->rx_fill_ring_empty_descs));
		else if (sk->kind == SOCK_PACKET)
			fprintf(f, "  tap %s on %s: tp_packets %llu tp_drops %llu\n", sk->name,
				pkt_sk(sk)->tap_dev->name,
				(unsigned long long)(pkt_sk(sk)->tp_packets + pkt_sk(sk)->tp_drops),
				(unsigned long long)pkt_sk(sk)->tp_drops);
		else
			fprintf(f, "  socket %s: rcvbuf %u, drops %llu\n", sk->name, sk->sk_rcvbuf,
				(unsigned long long)sk->sk_drops);
	}
	for (uint32_t a = 0; a < h->napps; a++) {
		const struct app *ap = h->apps[a];

		if (ap->sender || ap->echo) {
			fprintf(f,
				"  app %s (cpu %u): %llu calls, %llu sent, %llu blocked on sndbuf, "
				"errors",
				ap->name, ap->thread.cpu->id, U(ap->calls), U(ap->sent),
				U(ap->blocks));
			for (int k = 0; k < APP_ERR_NR; k++)
				if (k < APP_ERR_ALWAYS || ap->errors[k])
					fprintf(f, " %s %llu", app_err_name[k], U(ap->errors[k]));
			fputc('\n', f);
			if (ap->await_reply)
				fprintf(f,
					"  app %s: round trip ns p50 %.0f p90 %.0f p99 %.0f max "
					"%.0f "
					"(%llu replies after warm-up, %llu timed out)\n",
					ap->name, (double)sim_hist_quantile(&ap->rtt, 0.5) / 1e3,
					(double)sim_hist_quantile(&ap->rtt, 0.9) / 1e3,
					(double)sim_hist_quantile(&ap->rtt, 0.99) / 1e3,
					(double)ap->rtt.max / 1e3, U(ap->rtt.count),
					U(ap->timeouts));
			continue;
		}
		if (ap->e2e.count)
			fprintf(f,
				"  app %s: end-to-end ns p50 %.0f p99 %.0f max %.0f (%llu "
				"datagrams "
				"after warm-up)\n",
				ap->name, (double)sim_hist_quantile(&ap->e2e, 0.5) / 1e3,
				(double)sim_hist_quantile(&ap->e2e, 0.99) / 1e3,
				(double)ap->e2e.max / 1e3, U(ap->e2e.count));
		fprintf(f, "  app %s (cpu %u): %llu calls, %llu datagrams, %llu sleeps\n", ap->name,
			ap->thread.cpu->id, (unsigned long long)ap->calls,
			(unsigned long long)ap->msgs, (unsigned long long)ap->sleeps);
	}
	fprintf(f, "\n");
}

/* What made the run: the file and its hash, the overrides, each host's profile. */
static void text_provenance(const struct world *w, FILE *f)
{
	fprintf(f, "  file %s, sha256 %s\n", w->scenario_file, w->scenario_sha256);
	fprintf(f, "  overrides:%s", w->noverrides ? "" : " none");
	for (uint32_t i = 0; i < w->noverrides; i++)
		fprintf(f, " %s", w->overrides[i]);
	fprintf(f, "\n  profiles:");
	for (uint32_t i = 0; i < w->nhosts; i++)
		fprintf(f, "%s %s %s", i ? "," : "", w->hosts[i]->name, w->hosts[i]->profile);
	fprintf(f, "\n\n");
}

void report_text(const struct world *w, FILE *f)
{
	char dur[32], warm[32], end[32];

	sim_fmt_time(dur, sizeof(dur), w->duration);
	sim_fmt_time(warm, sizeof(warm), w->warmup);
	fprintf(f, "skbsim %s: scenario '%s', seed %llu, %s simulated (%s warm-up)\n",
		SKBSIM_VERSION, w->name, (unsigned long long)w->seed, dur, warm);
	if (!w->complete) {
		sim_fmt_time(end, sizeof(end), w->end);
		fprintf(f, "PARTIAL: stopped by %s at %s of simulated time\n", w->stop_reason, end);
	}
	text_provenance(w, f);
	text_packets(w, f);
	text_drops(w, f);
	text_latency(w, f);
	text_cpus(w, f);
	text_queues(w, f);
	text_headroom(w, f);
	for (uint32_t i = 0; i < w->nhosts; i++)
		text_host(w, w->hosts[i], f);
}

/* ---- JSON ---- */

static cJSON *json_lat(const struct sim_hist *h)
{
	struct lat_summary s = lat_summarize(h);
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "count", (double)s.count);
	cJSON_AddNumberToObject(o, "p50", s.p50);
	cJSON_AddNumberToObject(o, "p90", s.p90);
	cJSON_AddNumberToObject(o, "p99", s.p99);
	cJSON_AddNumberToObject(o, "p999", s.p999);
	cJSON_AddNumberToObject(o, "max", s.max);
	cJSON_AddNumberToObject(o, "mean", s.mean);
	return o;
}

static cJSON *json_drops(const struct world *w)
{
	cJSON *a = cJSON_CreateArray();

	for (uint32_t i = 0; i < w->nhosts; i++) {
		const struct host *h = w->hosts[i];

		for (unsigned d = 0; d < drop_points_nr; d++) {
			const struct drop_point *p = &drop_points[d];
			cJSON *o;

			if (!h->drops[d])
				continue;
			o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "host", h->name);
			cJSON_AddStringToObject(o, "reason", skb_drop_reason_name[p->reason]);
			cJSON_AddStringToObject(o, "stage", stage_info[p->stage].id);
			cJSON_AddStringToObject(o, "function", p->function);
			cJSON_AddStringToObject(o, "counter", p->counter);
			cJSON_AddNumberToObject(o, "count", (double)h->drops[d]);
			cJSON_AddNumberToObject(o, "rate_pps",
						per_sec((double)h->drops[d], sim_time_sec(w->end)));
			cJSON_AddItemToArray(a, o);
		}
	}
	return a;
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

static cJSON *json_cpus(const struct world *w)
{
	cJSON *a = cJSON_CreateArray();

	for (uint32_t i = 0; i < w->nhosts; i++) {
		const struct host *h = w->hosts[i];

		/* CPUs are listed once, under the host that owns them */
		for (uint32_t c = 0; h->machine == h && c < h->ncpus; c++) {
			const struct cpu *cp = &h->cpus[c];
			cJSON *o = cJSON_CreateObject();

			cJSON_AddStringToObject(o, "host", h->name);
			cJSON_AddNumberToObject(o, "cpu", c);
			for (int k = 0; k < ACCT_NR; k++)
				cJSON_AddNumberToObject(o, cpu_acct_name[k],
							cpu_pct(w, cp, (enum cpu_acct)k));
			cJSON_AddNumberToObject(o, "context_switches",
						(double)cp->context_switches);
			cJSON_AddNumberToObject(o, "softirq_restarts",
						(double)cp->softirq_restarts);
			cJSON_AddNumberToObject(o, "ksoftirqd_wakeups",
						(double)cp->ksoftirqd_wakeups);
			cJSON_AddNumberToObject(o, "ttwu_remote", (double)cp->ttwu_remote);
			if (cp->sd->nnapi_threads)
				cJSON_AddItemToObject(o, "napi_threads", json_napi_threads(w, cp));
			cJSON_AddItemToObject(o, "idle_states", json_idle_states(h, cp));
			cJSON_AddItemToArray(a, o);
		}
	}
	return a;
}

static cJSON *json_queues(const struct world *w)
{
	static struct queue_stat qs[MAX_QUEUES];
	uint32_t n = report_queues(w, qs, MAX_QUEUES);
	cJSON *a = cJSON_CreateArray();

	for (uint32_t i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "host", qs[i].host);
		cJSON_AddStringToObject(o, "kind", qs[i].kind);
		cJSON_AddStringToObject(o, "name", qs[i].name);
		cJSON_AddNumberToObject(o, "mean_len", qs[i].mean_len);
		cJSON_AddNumberToObject(o, "max_len", (double)qs[i].max_len);
		cJSON_AddNumberToObject(o, "arrivals_per_s", qs[i].arrival_rate);
		cJSON_AddNumberToObject(o, "mean_wait_ns", qs[i].mean_wait_ns);
		cJSON_AddNumberToObject(o, "departures", (double)qs[i].departures);
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

#define JNUM(o, s, f) cJSON_AddNumberToObject(o, #f, (double)(s)->f)

static cJSON *json_snmp(const struct host *h)
{
	cJSON *o = cJSON_CreateObject(), *ip = cJSON_CreateObject(), *udp = cJSON_CreateObject();
	cJSON *icmp = cJSON_CreateObject();

	JNUM(ip, &h->ip, InReceives);
	JNUM(ip, &h->ip, InHdrErrors);
	JNUM(ip, &h->ip, InAddrErrors);
	JNUM(ip, &h->ip, InDiscards);
	JNUM(ip, &h->ip, InDelivers);
	JNUM(ip, &h->ip, InCsumErrors);
	JNUM(ip, &h->ip, InNoRoutes);
	JNUM(ip, &h->ip, ForwDatagrams);
	JNUM(ip, &h->ip, OutRequests);
	JNUM(ip, &h->ip, OutDiscards);
	JNUM(ip, &h->ip, OutNoRoutes);
	JNUM(ip, &h->ip, OutTransmits);
	JNUM(ip, &h->ip, ReasmTimeout);
	JNUM(ip, &h->ip, ReasmReqds);
	JNUM(ip, &h->ip, ReasmOKs);
	JNUM(ip, &h->ip, ReasmFails);
	JNUM(ip, &h->ip, FragOKs);
	JNUM(ip, &h->ip, FragFails);
	JNUM(ip, &h->ip, FragCreates);
	JNUM(udp, &h->udp, OutDatagrams);
	JNUM(udp, &h->udp, SndbufErrors);
	JNUM(icmp, &h->icmp, OutTimeExcds);
	JNUM(icmp, &h->icmp, InMsgs);
	JNUM(icmp, &h->icmp, InErrors);
	JNUM(icmp, &h->icmp, InDestUnreachs);
	JNUM(icmp, &h->icmp, InTimeExcds);
	JNUM(udp, &h->udp, InDatagrams);
	JNUM(udp, &h->udp, NoPorts);
	JNUM(udp, &h->udp, InErrors);
	JNUM(udp, &h->udp, RcvbufErrors);
	JNUM(udp, &h->udp, InCsumErrors);
	JNUM(udp, &h->udp, MemErrors);
	JNUM(icmp, &h->icmp, OutMsgs);
	JNUM(icmp, &h->icmp, OutDestUnreachs);
	JNUM(icmp, &h->icmp, OutRateLimitGlobal);
	JNUM(icmp, &h->icmp, OutRateLimitHost);
	cJSON_AddItemToObject(o, "Ip", ip);
	cJSON_AddItemToObject(o, "Icmp", icmp);
	cJSON_AddItemToObject(o, "Udp", udp);
	return o;
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

static cJSON *json_devs(const struct host *h)
{
	cJSON *a = cJSON_CreateArray();

	for (uint32_t d = 0; d < h->ndevs; d++)
		cJSON_AddItemToArray(a, h->devs[d]->ethtool_ops->report_json(h->devs[d]));
	return a;
}

/* getsockopt(XDP_STATISTICS) of an AF_XDP socket, and its binding and rings. */
static cJSON *json_xsk(const struct xdp_sock *xs)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "dev", xs->dev->name);
	JNUM(o, xs, queue_id);
	JNUM(o, xs, rx_ring_size);
	JNUM(o, xs, fill_ring_size);
	JNUM(o, xs, rx_packets);
	JNUM(o, xs, rx_dropped);
	JNUM(o, xs, rx_ring_full);
	JNUM(o, xs, rx_fill_ring_empty_descs);
	return o;
}

static cJSON *json_socks(const struct host *h)
{
	cJSON *a = cJSON_CreateArray();

	for (uint32_t s = 0; s < h->nsocks; s++) {
		const struct sock *sk = h->socks[s];
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "name", sk->name);
		cJSON_AddStringToObject(o, "kind",
					sk->kind == SOCK_UDP   ? "udp"
					: sk->kind == SOCK_XDP ? "xdp"
							       : "packet");
		JNUM(o, sk, sk_rcvbuf);
		JNUM(o, sk, sk_rmem_alloc);
		JNUM(o, sk, sk_drops);
		cJSON_AddNumberToObject(o, "queued", (double)sk->qlen.cur);
		if (sk->kind == SOCK_XDP)
			cJSON_AddItemToObject(o, "xdp_statistics", json_xsk(xdp_sk(sk)));
		if (sk->kind == SOCK_PACKET) {
			cJSON_AddNumberToObject(
				o, "tp_packets",
				(double)(pkt_sk(sk)->tp_packets + pkt_sk(sk)->tp_drops));
			JNUM(o, pkt_sk(sk), tp_drops);
		}
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

static cJSON *json_apps(const struct host *h)
{
	cJSON *a = cJSON_CreateArray();

	for (uint32_t i = 0; i < h->napps; i++) {
		const struct app *ap = h->apps[i];
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "name", ap->name);
		cJSON_AddNumberToObject(o, "cpu", ap->thread.cpu->id);
		JNUM(o, ap, calls);
		JNUM(o, ap, msgs);
		JNUM(o, ap, bytes);
		JNUM(o, ap, sleeps);
		cJSON_AddNumberToObject(o, "voluntary_switches", (double)ap->thread.nvcsw);
		cJSON_AddNumberToObject(o, "involuntary_switches", (double)ap->thread.nivcsw);
		if (!ap->sender)
			cJSON_AddItemToObject(o, "latency_ns", json_lat(&ap->e2e));
		if (ap->sender || ap->echo) {
			cJSON *e = cJSON_CreateObject();

			JNUM(o, ap, sent);
			JNUM(o, ap, blocks);
			if (ap->await_reply) {
				cJSON_AddItemToObject(o, "rtt_ns", json_lat(&ap->rtt));
				JNUM(o, ap, timeouts);
			}
			for (int k = 0; k < APP_ERR_NR; k++)
				cJSON_AddNumberToObject(e, app_err_name[k], (double)ap->errors[k]);
			cJSON_AddItemToObject(o, "errors", e);
		}
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

static cJSON *json_sockstat(const struct host *h);

/* nf_conntrack_count and `conntrack -S` summed over the CPUs (a host that tracks connections). */
static cJSON *json_conntrack(const struct nf_conntrack_net *cn)
{
	struct ip_conntrack_stat sum = { 0 };
	cJSON *o = cJSON_CreateObject();

	for (uint32_t c = 0; c < (cn->p.ncpus ? cn->p.ncpus : 1); c++) {
		sum.invalid += cn->stat[c].invalid;
		sum.drop += cn->stat[c].drop;
		sum.early_drop += cn->stat[c].early_drop;
	}
	cJSON_AddNumberToObject(o, "count", cn->count);
	cJSON_AddNumberToObject(o, "max", cn->p.max);
	cJSON_AddNumberToObject(o, "invalid", (double)sum.invalid);
	cJSON_AddNumberToObject(o, "drop", (double)sum.drop);
	cJSON_AddNumberToObject(o, "early_drop", (double)sum.early_drop);
	return o;
}

static cJSON *json_hosts(const struct world *w)
{
	cJSON *a = cJSON_CreateArray();

	for (uint32_t i = 0; i < w->nhosts; i++) {
		const struct host *h = w->hosts[i];
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "name", h->name);
		cJSON_AddStringToObject(o, "profile", h->profile);
		cJSON_AddNumberToObject(o, "clock_hz", h->clock_hz);
		cJSON_AddItemToObject(o, "snmp", json_snmp(h));
		cJSON_AddItemToObject(o, "softnet_stat", json_softnet(h));
		cJSON_AddItemToObject(o, "devices", json_devs(h));
		cJSON_AddItemToObject(o, "sockets", json_socks(h));
		cJSON_AddItemToObject(o, "sockstat", json_sockstat(h));
		cJSON_AddItemToObject(o, "locks", json_locks(h));
		cJSON_AddItemToObject(o, "apps", json_apps(h));
		if (h->nf && h->nf->ct)
			cJSON_AddItemToObject(o, "conntrack", json_conntrack(h->nf->ct));
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

static cJSON *json_traffic(const struct world *w)
{
	cJSON *a = cJSON_CreateArray();

	for (uint32_t i = 0; i < w->nsrcs; i++) {
		const struct traffic_source *s = w->srcs[i];
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "name", s->name);
		cJSON_AddStringToObject(o, "pattern", s->ops->name);
		JNUM(o, s, sent);
		JNUM(o, s, bytes);
		cJSON_AddNumberToObject(o, "rate_pps", s->pps);
		cJSON_AddNumberToObject(o, "offered_pps",
					per_sec((double)s->sent, sim_time_sec(w->end)));
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

static cJSON *json_provenance(const struct world *w)
{
	cJSON *o = cJSON_CreateObject(), *ov = cJSON_CreateArray(), *pr = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "skbsim_version", SKBSIM_VERSION);
	cJSON_AddStringToObject(o, "scenario_file", w->scenario_file);
	cJSON_AddStringToObject(o, "scenario_sha256", w->scenario_sha256);
	cJSON_AddNumberToObject(o, "seed", (double)w->seed);
	for (uint32_t i = 0; i < w->noverrides; i++)
		cJSON_AddItemToArray(ov, cJSON_CreateString(w->overrides[i]));
	cJSON_AddItemToObject(o, "overrides", ov);
	for (uint32_t i = 0; i < w->nhosts; i++)
		cJSON_AddStringToObject(pr, w->hosts[i]->name, w->hosts[i]->profile);
	cJSON_AddItemToObject(o, "profiles", pr);
	return o;
}

cJSON *report_json(const struct world *w)
{
	cJSON *r = cJSON_CreateObject(), *p = cJSON_CreateObject(), *lat = cJSON_CreateObject();

	cJSON_AddStringToObject(r, "skbsim_version", SKBSIM_VERSION);
	cJSON_AddStringToObject(r, "scenario", w->name);
	cJSON_AddNumberToObject(r, "seed", (double)w->seed);
	cJSON_AddNumberToObject(r, "duration_s", sim_time_sec(w->duration));
	cJSON_AddNumberToObject(r, "warmup_s", sim_time_sec(w->warmup));
	cJSON_AddBoolToObject(r, "complete", w->complete);
	cJSON_AddNumberToObject(r, "time_reached_s", sim_time_sec(w->end));
	if (w->complete)
		cJSON_AddNullToObject(r, "stopped_by");
	else
		cJSON_AddStringToObject(r, "stopped_by", w->stop_reason);
	cJSON_AddItemToObject(r, "provenance", json_provenance(w));
	cJSON_AddNumberToObject(p, "offered", (double)w->offered);
	cJSON_AddNumberToObject(p, "delivered", (double)w->delivered);
	cJSON_AddNumberToObject(p, "dropped", (double)w->dropped);
	cJSON_AddNumberToObject(p, "consumed", (double)w->consumed);
	cJSON_AddNumberToObject(p, "transmitted", (double)w->transmitted);
	cJSON_AddNumberToObject(p, "in_flight", (double)world_in_flight(w));
	cJSON_AddBoolToObject(p, "conserved", world_conserved(w));
	cJSON_AddItemToObject(r, "packets", p);
	cJSON_AddItemToObject(r, "drops", json_drops(w));
	cJSON_AddItemToObject(lat, "end_to_end", json_lat(&w->e2e));
	for (int i = 0; i < LAT_NR; i++)
		cJSON_AddItemToObject(lat, lat_stage_name[i], json_lat(&w->lat[i]));
	cJSON_AddItemToObject(r, "latency_ns", lat);
	cJSON_AddItemToObject(r, "cpus", json_cpus(w));
	cJSON_AddItemToObject(r, "queues", json_queues(w));
	cJSON_AddItemToObject(r, "headroom", json_headroom(w));
	cJSON_AddItemToObject(r, "hosts", json_hosts(w));
	cJSON_AddItemToObject(r, "traffic", json_traffic(w));
	cJSON_AddNumberToObject(r, "events", (double)w->q.fired);
	return r;
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

/* icmpmsg_put: the non-zero per-type counters, In then Out, one header and one value line. */
static void write_icmpmsg(FILE *f, const struct icmp_mib *ic)
{
	const struct {
		const char *name;
		uint64_t v;
	} t[] = {
		{ "InType3", ic->InDestUnreachs },
		{ "InType11", ic->InTimeExcds },
		{ "OutType3", ic->OutDestUnreachs },
		{ "OutType11", ic->OutTimeExcds },
	};
	bool any = false;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		any |= t[i].v != 0;
	if (!any)
		return;
	fputs("IcmpMsg:", f);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i].v)
			fprintf(f, " %s", t[i].name);
	fputs("\nIcmpMsg:", f);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i].v)
			fprintf(f, " %llu", U(t[i].v));
	fputc('\n', f);
}

static void write_snmp(const struct host *h, FILE *f)
{
	const struct ip_mib *ip = &h->ip;
	const struct udp_mib *u = &h->udp;
	const struct icmp_mib *ic = &h->icmp;

	fprintf(f, "Ip: Forwarding DefaultTTL InReceives InHdrErrors InAddrErrors ForwDatagrams "
		   "InUnknownProtos InDiscards InDelivers OutRequests OutDiscards OutNoRoutes "
		   "ReasmTimeout ReasmReqds ReasmOKs ReasmFails FragOKs FragFails FragCreates "
		   "OutTransmits\n");
	fprintf(f,
		"Ip: %d %u %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu "
		"%llu %llu %llu %llu %llu\n",
		h->sysctl.ip_forward ? 1 : 2, h->sysctl.ip_default_ttl, U(ip->InReceives),
		U(ip->InHdrErrors), U(ip->InAddrErrors), U(ip->ForwDatagrams),
		U(ip->InUnknownProtos), U(ip->InDiscards), U(ip->InDelivers), U(ip->OutRequests),
		U(ip->OutDiscards), U(ip->OutNoRoutes), U(ip->ReasmTimeout), U(ip->ReasmReqds),
		U(ip->ReasmOKs), U(ip->ReasmFails), U(ip->FragOKs), U(ip->FragFails),
		U(ip->FragCreates), U(ip->OutTransmits));
	fprintf(f, "Icmp: InMsgs InErrors InCsumErrors InDestUnreachs InTimeExcds InParmProbs "
		   "InSrcQuenchs InRedirects InEchos InEchoReps InTimestamps InTimestampReps "
		   "InAddrMasks InAddrMaskReps OutMsgs OutErrors OutRateLimitGlobal "
		   "OutRateLimitHost OutDestUnreachs OutTimeExcds OutParmProbs OutSrcQuenchs "
		   "OutRedirects OutEchos OutEchoReps OutTimestamps OutTimestampReps OutAddrMasks "
		   "OutAddrMaskReps\n");
	fprintf(f,
		"Icmp: %llu %llu 0 %llu %llu 0 0 0 0 0 0 0 0 0 %llu %llu %llu %llu %llu %llu 0 0 0 "
		"0 0 0 0 0 0\n",
		U(ic->InMsgs), U(ic->InErrors), U(ic->InDestUnreachs), U(ic->InTimeExcds),
		U(ic->OutMsgs), U(ic->OutErrors), U(ic->OutRateLimitGlobal),
		U(ic->OutRateLimitHost), U(ic->OutDestUnreachs), U(ic->OutTimeExcds));
	write_icmpmsg(f, ic);
	/* no TCP in the model: the RFC 2012 constants Linux prints, every counter 0 */
	fprintf(f,
		"Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails "
		"EstabResets CurrEstab InSegs OutSegs RetransSegs InErrs OutRsts InCsumErrors\n");
	fprintf(f, "Tcp: 1 200 120000 -1 0 0 0 0 0 0 0 0 0 0 0\n");
	for (int lite = 0; lite < 2; lite++) {
		const char *n = lite ? "UdpLite" : "Udp";

		fprintf(f,
			"%s: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors "
			"SndbufErrors InCsumErrors IgnoredMulti MemErrors\n",
			n);
		if (lite)
			fprintf(f, "%s: 0 0 0 0 0 0 0 0 0\n", n);
		else
			fprintf(f, "%s: %llu %llu %llu %llu %llu %llu %llu %llu %llu\n", n,
				U(u->InDatagrams), U(u->NoPorts), U(u->InErrors),
				U(u->OutDatagrams), U(u->RcvbufErrors), U(u->SndbufErrors),
				U(u->InCsumErrors), U(u->IgnoredMulti), U(u->MemErrors));
	}
}

/* One /proc/net/dev line (dev_seq_printf_stats). */
/* The host's devices as the kernel lists them: lo (registered first in a namespace), then the rest. */
static const struct net_device *dev_in_kernel_order(const struct host *h, uint32_t i)
{
	uint32_t n = 0;

	if (h->lo && !i)
		return h->lo;
	if (h->lo)
		i--;
	for (uint32_t d = 0; d < h->ndevs; d++)
		if (h->devs[d] != h->lo && n++ == i)
			return h->devs[d];
	return NULL;
}

static void write_net_dev(const struct host *h, FILE *f)
{
	const struct net_device *v;

	fprintf(f,
		"Inter-|   Receive                                                |  Transmit\n");
	fprintf(f, " face |bytes    packets errs drop fifo frame compressed multicast|bytes    "
		   "packets errs drop fifo colls carrier compressed\n");
	for (uint32_t i = 0; (v = dev_in_kernel_order(h, i)); i++)
		netdev_show_proc_net_dev(v, f);
}

static void fn_bql(const void *a, FILE *f)
{
	netdev_show_bql(a, f);
}

/* `tc -s qdisc show`: every device's root qdisc by ifindex, lo first (mq on a multi-queue device, with its children). */
static void write_tc_qdisc(const struct host *h, FILE *f)
{
	const struct net_device *v;

	for (uint32_t d = 0; (v = dev_in_kernel_order(h, d)); d++)
		qdisc_dump(v->qdisc, v->name, "root", f);
}

/*
 * `tc -s class show`: the classes of every device's classful root (prio,
 * htb) and of their classful children; empty when there are none.
 */
static void write_tc_class(const struct host *h, FILE *f)
{
	for (uint32_t d = 0; d < h->ndevs; d++)
		qdisc_dump_classes(h->devs[d]->qdisc, h->devs[d]->name, f);
}

static void fn_tc_class(const void *a, FILE *f)
{
	write_tc_class(a, f);
}

/* UDP sockets of @h holding a port (sock_prot_inuse_get: the hashed ones). */
static uint32_t udp_inuse(const struct host *h)
{
	uint32_t n = 0;

	for (uint32_t s = 0; s < h->nsocks; s++)
		n += h->socks[s]->kind == SOCK_UDP && h->socks[s]->bound;
	return n;
}

/* proto_memory_allocated(&udp_prot): the machine's pages, never negative. */
static long long udp_mem_pages(const struct host *h)
{
	int64_t m = h->machine->udp_memory_allocated;

	return m > 0 ? (long long)m : 0;
}

/*
 * /proc/net/sockstat (net/ipv4/proc.c sockstat_seq_show): the lines this
 * model keeps. "UDP: mem" is the machine's (every namespace's) count in
 * pages, without what the CPUs' reserves hold.
 */
static void write_sockstat(const struct host *h, FILE *f)
{
	fprintf(f, "sockets: used %u\n", h->nsocks);
	fprintf(f, "UDP: inuse %u mem %lld\n", udp_inuse(h), udp_mem_pages(h));
	fprintf(f, "UDPLITE: inuse 0\n");
}

static void fn_sockstat(const void *a, FILE *f)
{
	write_sockstat(a, f);
}

static cJSON *json_sockstat(const struct host *h)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "sockets_used", h->nsocks);
	cJSON_AddNumberToObject(o, "udp_inuse", udp_inuse(h));
	cJSON_AddNumberToObject(o, "udp_mem_pages", (double)udp_mem_pages(h));
	return o;
}

/*
 * ss -u -a -m -n, rendered as iproute2 6.1's misc/ss.c does when stdout is
 * not a terminal (render_calc_width() "compact output"): each column is as
 * wide as its longest field (header included) plus its left delimiter;
 * "Local Address:" and "Peer Address:" are right-aligned, the others
 * left-aligned; the skmem text is the last (Process) column's field,
 * newline included. Sockets are UNCONN with peer 0.0.0.0:* (the model
 * keeps no peer of a connected socket).
 */
enum { SS_STATE, SS_RECVQ, SS_SENDQ, SS_LADDR, SS_LPORT, SS_PADDR, SS_PPORT, SS_PROC, SS_NCOL };

static const struct {
	const char *header; /* the column's header */
	bool right;	    /* ALIGN_RIGHT */
	const char *ldelim; /* printed before the field, counted in the width */
} ss_cols[SS_NCOL] = {
	{ "State", false, "" },		 { "Recv-Q", false, " " }, { "Send-Q", false, " " },
	{ "Local Address:", true, " " }, { "Port", false, "" },	   { "Peer Address:", true, " " },
	{ "Port", false, "" },		 { "Process", false, "" },
};

/* The fields of @sk's row. */
static void ss_fields(const struct sock *sk, char fld[SS_NCOL][96])
{
	char a[16];

	inet_fmt(a, sk->rcv_saddr);
	snprintf(fld[SS_STATE], 96, "UNCONN");
	snprintf(fld[SS_RECVQ], 96, "%-6u", sk->sk_rmem_alloc);
	snprintf(fld[SS_SENDQ], 96, "%-6u", sk->sk_wmem_alloc);
	snprintf(fld[SS_LADDR], 96, "%s:", a);
	snprintf(fld[SS_LPORT], 96, "%u", sk->num);
	snprintf(fld[SS_PADDR], 96, "0.0.0.0:");
	snprintf(fld[SS_PPORT], 96, "*");
	snprintf(fld[SS_PROC], 96, "\n\t skmem:(r%u,rb%u,t%u,tb%u,f%lld,w0,o0,bl0,d%llu)",
		 sk->sk_rmem_alloc, sk->sk_rcvbuf, sk->sk_wmem_alloc, sk->sk_sndbuf,
		 (long long)sk->sk_forward_alloc, U(sk->sk_drops));
}

/* One line of fields @fld in columns of @width (ss.c render()). */
static void ss_line(FILE *f, const char *const fld[SS_NCOL], const size_t width[SS_NCOL])
{
	for (int c = 0; c < SS_NCOL; c++) {
		size_t len = strlen(fld[c]), printed = strlen(ss_cols[c].ldelim);
		size_t pad = width[c] > len + printed ? width[c] - len - printed : 0;

		fputs(ss_cols[c].ldelim, f);
		fprintf(f, "%*s%s%*s", ss_cols[c].right ? (int)pad : 0, "", fld[c],
			ss_cols[c].right ? 0 : (int)pad, "");
	}
	fputc('\n', f);
}

static void write_ss(const struct host *h, FILE *f)
{
	char fld[SS_NCOL][96];
	const char *row[SS_NCOL];
	size_t width[SS_NCOL];

	for (int c = 0; c < SS_NCOL; c++)
		width[c] = strlen(ss_cols[c].header);
	for (uint32_t s = 0; s < h->nsocks; s++) {
		if (h->socks[s]->kind != SOCK_UDP)
			continue;
		ss_fields(h->socks[s], fld);
		for (int c = 0; c < SS_NCOL; c++)
			if (strlen(fld[c]) > width[c])
				width[c] = strlen(fld[c]);
	}
	for (int c = 1; c < SS_NCOL; c++)
		width[c] += strlen(ss_cols[c].ldelim);
	for (int c = 0; c < SS_NCOL; c++)
		row[c] = ss_cols[c].header;
	ss_line(f, row, width);
	for (uint32_t s = 0; s < h->nsocks; s++) {
		if (h->socks[s]->kind != SOCK_UDP)
			continue;
		ss_fields(h->socks[s], fld);
		for (int c = 0; c < SS_NCOL; c++)
			row[c] = fld[c];
		ss_line(f, row, width);
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

static void fn_ethtool_c(const void *a, FILE *f)
{
	const struct net_device *dev = a;

	dev->ethtool_ops->get_coalesce(dev, f);
}

/* A file or directory name under the results directory: one safe path component. */
static bool safe_component(const char *s)
{
	return cfg_name_check(s, 255) == CFG_NAME_OK;
}

/*
 * Create @dir/[@host/]@name: new (O_EXCL), never through a symlink
 * (O_NOFOLLOW), and only from names that cannot leave @dir.
 */
static int write_file(const char *dir, const char *host, const char *name,
		      void (*fn)(const void *arg, FILE *f), const void *arg, struct sim_error *err)
{
	char path[4096];
	FILE *f = NULL;
	int fd = -1;

	snprintf(path, sizeof(path), "%s/%s%s%s", dir, host ? host : "", host ? "/" : "", name);
	SIM_BUG_ON((host && !safe_component(host)) || !safe_component(name));
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
	if (fd >= 0)
		f = fdopen(fd, "w");
	if (!f) {
		if (fd >= 0)
			close(fd);
		return sim_error_set(err, "cannot write '%s': %s", path, strerror(errno));
	}
	fn(arg, f);
	if (fclose(f))
		return sim_error_set(err, "cannot write '%s': %s", path, strerror(errno));
	return 0;
}

static void fn_softnet(const void *a, FILE *f)
{
	write_softnet_stat(a, f);
}
static void fn_snmp(const void *a, FILE *f)
{
	write_snmp(a, f);
}
static void fn_net_dev(const void *a, FILE *f)
{
	write_net_dev(a, f);
}
static void fn_ethtool(const void *a, FILE *f)
{
	const struct net_device *dev = a;

	dev->ethtool_ops->get_ethtool_stats(dev, f);
}
static void fn_fdb(const void *a, FILE *f)
{
	const struct net_device *dev = a;

	dev->ethtool_ops->show_fdb(dev, f);
}
static void fn_ss(const void *a, FILE *f)
{
	write_ss(a, f);
}
static void fn_interrupts(const void *a, FILE *f)
{
	write_interrupts(a, f);
}
static void fn_tc(const void *a, FILE *f)
{
	write_tc_qdisc(a, f);
}
static void fn_neigh(const void *a, FILE *f)
{
	neigh_write(a, f);
}
static void fn_iptables(const void *a, FILE *f)
{
	nf_write_listing(a, f);
}
static void fn_conntrack_S(const void *a, FILE *f)
{
	nf_conntrack_write_stats(a, f);
}
static void fn_ct_count(const void *a, FILE *f)
{
	fprintf(f, "%u\n", ((const struct nf_conntrack_net *)a)->count);
}
static void fn_netstat(const void *a, FILE *f)
{
	proc_netstat_write(a, f);
}
static void fn_text(const void *a, FILE *f)
{
	report_text(a, f);
}
static void fn_json(const void *a, FILE *f)
{
	cJSON *j = report_json(a);
	char *s = cJSON_Print(j);

	fputs(s, f);
	fputc('\n', f);
	cJSON_free(s);
	cJSON_Delete(j);
}

const char *const report_host_files[] = {
	"softnet_stat",	      "snmp",  "net_dev",  "ss",       "interrupts", "tc_qdisc",
	"tc_class",	      "neigh", "iptables", "sockstat", "netstat",    "conntrack_S",
	"nf_conntrack_count", NULL
};
const char *const report_host_prefixes[] = { "ethtool_S_", "ethtool_c_", "byte_queue_limits_",
					     "bridge_fdb_", NULL };
const char *const report_top_suffixes[] = { ".pcap", ".pcapng", ".csv", ".html", NULL };

static int write_host_files(const struct host *h, const char *dir, struct sim_error *err)
{
	char path[4096], name[64];

	snprintf(path, sizeof(path), "%s/%s", dir, h->name);
	SIM_BUG_ON(!safe_component(h->name));
	if (mkdir(path, 0777))
		return sim_error_set(err, "cannot create '%s': %s", path, strerror(errno));
	if (write_file(dir, h->name, "softnet_stat", fn_softnet, h, err) ||
	    write_file(dir, h->name, "snmp", fn_snmp, h, err) ||
	    write_file(dir, h->name, "netstat", fn_netstat, h, err) ||
	    write_file(dir, h->name, "net_dev", fn_net_dev, h, err) ||
	    write_file(dir, h->name, "ss", fn_ss, h, err) ||
	    write_file(dir, h->name, "interrupts", fn_interrupts, h, err) ||
	    write_file(dir, h->name, "tc_qdisc", fn_tc, h, err) ||
	    write_file(dir, h->name, "tc_class", fn_tc_class, h, err) ||
	    write_file(dir, h->name, "neigh", fn_neigh, h, err) ||
	    write_file(dir, h->name, "sockstat", fn_sockstat, h, err))
		return -1;
	if (h->nf && write_file(dir, h->name, "iptables", fn_iptables, h->nf, err))
		return -1;
	if (h->nf && h->nf->ct &&
	    (write_file(dir, h->name, "conntrack_S", fn_conntrack_S, h->nf->ct, err) ||
	     write_file(dir, h->name, "nf_conntrack_count", fn_ct_count, h->nf->ct, err)))
		return -1;
	for (uint32_t d = 0; d < h->ndevs; d++) {
		const struct ethtool_ops *ops = h->devs[d]->ethtool_ops;

		snprintf(name, sizeof(name), "bridge_fdb_%s", h->devs[d]->name);
		if (ops->show_fdb && write_file(dir, h->name, name, fn_fdb, h->devs[d], err))
			return -1;
		if (!ops->get_ethtool_stats)
			continue;
		snprintf(name, sizeof(name), "ethtool_S_%s", h->devs[d]->name);
		if (write_file(dir, h->name, name, fn_ethtool, h->devs[d], err))
			return -1;
		snprintf(name, sizeof(name), "ethtool_c_%s", h->devs[d]->name);
		if (ops->get_coalesce &&
		    write_file(dir, h->name, name, fn_ethtool_c, h->devs[d], err))
			return -1;
		snprintf(name, sizeof(name), "byte_queue_limits_%s", h->devs[d]->name);
		if (h->devs[d]->bql && write_file(dir, h->name, name, fn_bql, h->devs[d], err))
			return -1;
	}
	return 0;
}

int report_write_files(const struct world *w, const char *dir, struct sim_error *err)
{
	if (write_file(dir, NULL, "report.json", fn_json, w, err) ||
	    write_file(dir, NULL, "report.txt", fn_text, w, err))
		return -1;
	for (uint32_t i = 0; i < w->nhosts; i++)
		if (write_host_files(w->hosts[i], dir, err))
			return -1;
	return 0;
}
