/*
 * models/report/queues.c - the walk over a host's queues, and the report's
 * queue table (models/report/queues.h).
 */
#include <stdio.h>

#include "models/report/queues.h"
#include "models/core/dev.h"
#include "models/core/netdevice.h"
#include "models/ipv4/sock.h"
#include "models/kernel/cpu.h"
#include "models/sched/sch_generic.h"
#include "models/report/report_util.h"
#include "models/subsys.h"

static void walk_devices(const struct host *h, void (*fn)(void *, const struct queue_sample *),
			 void *arg)
{
	for (uint32_t d = 0; d < h->ndevs; d++) {
		const struct net_device *dev = h->devs[d];
		struct netdev_queue_obs obs[NETDEV_MAX_QUEUES];
		uint32_t n;

		if (!dev->ethtool_ops || !dev->ethtool_ops->report_queues)
			continue;
		n = dev->ethtool_ops->report_queues(dev, obs, NETDEV_MAX_QUEUES);
		for (uint32_t i = 0; i < n; i++) {
			struct queue_sample q = { obs[i].kind, dev->name, (int)obs[i].index,
						  obs[i].level->cur };

			fn(arg, &q);
		}
	}
}

void host_queues_walk(const struct host *h, void (*fn)(void *arg, const struct queue_sample *q),
		      void *arg)
{
	char name[16];

	walk_devices(h, fn, arg);
	for (uint32_t c = 0; h->machine == h && c < h->ncpus; c++) {
		struct queue_sample q = { "backlog", name, -1, h->cpus[c].sd->backlog_level.cur };

		snprintf(name, sizeof(name), "cpu%u", c);
		fn(arg, &q);
	}
	for (uint32_t s = 0; s < h->nsocks; s++) {
		const struct sock *sk = h->socks[s];
		struct queue_sample q = { sock_kind_name(sk), sk->name, -1, sk->qlen.cur };

		fn(arg, &q);
	}
	for (uint32_t d = 0; d < h->ndevs; d++)
		for (uint32_t i = 0; i < h->devs[d]->ntxq; i++)
			if (h->devs[d]->txq[i].qdisc) {
				struct queue_sample q = { "qdisc", h->devs[d]->name, (int)i,
							  h->devs[d]->txq[i].qdisc->stats.qlen };

				fn(arg, &q);
			}
}

/* ---- the report's queue table ---- */

/* Where the report's walk is: the rows given so far, the callback. */
struct queue_report_walk {
	const struct world *w;
	uint32_t n, max; /* rows so far, at most */
	void (*fn)(const struct queue_stat *q, void *arg);
	void *arg;
};

static void queue_row(struct queue_report_walk *qw, const struct host *h, const char *kind,
		      const char *name, const struct sim_level *l, uint64_t in, double wait_sum_ps,
		      uint64_t wait_n)
{
	struct queue_stat q;

	if (qw->n >= qw->max)
		return;
	qw->n++;
	snprintf(q.kind, sizeof(q.kind), "%s", kind);
	snprintf(q.name, sizeof(q.name), "%s", name);
	q.mean_len = sim_level_mean(l, qw->w->end);
	q.max_len = l->max;
	q.arrival_rate = report_per_sec((double)in, report_meas_sec(qw->w));
	q.mean_wait_ns = wait_n ? wait_sum_ps / (double)wait_n / 1000.0 : 0;
	q.departures = wait_n;
	snprintf(q.host, sizeof(q.host), "%s", h->name);
	qw->fn(&q, qw->arg);
}

static void queue_report_host(struct queue_report_walk *qw, const struct host *h)
{
	char name[64];

	for (uint32_t d = 0; d < h->ndevs; d++) {
		const struct net_device *dev = h->devs[d];
		struct netdev_queue_obs obs[NETDEV_MAX_QUEUES];
		uint32_t k = dev->ethtool_ops->report_queues
				     ? dev->ethtool_ops->report_queues(dev, obs, NETDEV_MAX_QUEUES)
				     : 0;

		for (uint32_t i = 0; i < k; i++) {
			snprintf(name, sizeof(name), "%s rx-%u", dev->name, obs[i].index);
			queue_row(qw, h, obs[i].kind, name, obs[i].level, obs[i].in,
				  obs[i].wait_sum, obs[i].wait_n);
		}
	}
	for (uint32_t c = 0; h->machine == h && c < h->ncpus; c++) {
		const struct softnet_data *sd = h->cpus[c].sd;

		snprintf(name, sizeof(name), "cpu%u", c);
		queue_row(qw, h, "backlog", name, &sd->backlog_level, sd->backlog_in, sd->wait_sum,
			  sd->wait_n);
	}
	for (uint32_t s = 0; s < h->nsocks; s++) {
		const struct sock *sk = h->socks[s];

		queue_row(qw, h, sock_kind_name(sk), sk->name, &sk->qlen, sk->q_in, sk->wait_sum,
			  sk->wait_n);
	}
}

/* Call @fn for each of the first @max queues of the world (hosts in order). */
static void queue_report_walk(const struct world *w, uint32_t max,
			      void (*fn)(const struct queue_stat *q, void *arg), void *arg)
{
	struct queue_report_walk qw = { w, 0, max, fn, arg };

	for (uint32_t i = 0; i < w->nhosts; i++)
		queue_report_host(&qw, w->hosts[i]);
}

/* Where report_queues() puts the rows. */
struct queue_array {
	struct queue_stat *out; /* [max] */
	uint32_t n;		/* rows so far */
};

static void queue_to_array(const struct queue_stat *q, void *arg)
{
	struct queue_array *a = arg;

	a->out[a->n++] = *q;
}

uint32_t report_queues(const struct world *w, struct queue_stat *out, uint32_t max)
{
	struct queue_array a = { out, 0 };

	queue_report_walk(w, max, queue_to_array, &a);
	return a.n;
}

static void queue_text_row(const struct queue_stat *q, void *arg)
{
	fprintf(arg, "  %-6s %-9s %-14s %10.2f %8lld %12.0f %12.0f\n", q->host, q->kind, q->name,
		q->mean_len, (long long)q->max_len, q->arrival_rate, q->mean_wait_ns);
}

static void queues_world_text(const struct world *w, FILE *f)
{
	fprintf(f, "Queues (after warm-up)\n");
	fprintf(f, "  %-6s %-9s %-14s %10s %8s %12s %12s\n", "host", "kind", "name", "mean len",
		"max len", "arrivals/s", "mean wait ns");
	queue_report_walk(w, REPORT_MAX_QUEUES, queue_text_row, f);
	fprintf(f, "\n");
}

static void queue_json_row(const struct queue_stat *q, void *arg)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "host", q->host);
	cJSON_AddStringToObject(o, "kind", q->kind);
	cJSON_AddStringToObject(o, "name", q->name);
	cJSON_AddNumberToObject(o, "mean_len", q->mean_len);
	cJSON_AddNumberToObject(o, "max_len", (double)q->max_len);
	cJSON_AddNumberToObject(o, "arrivals_per_s", q->arrival_rate);
	cJSON_AddNumberToObject(o, "mean_wait_ns", q->mean_wait_ns);
	cJSON_AddNumberToObject(o, "departures", (double)q->departures);
	cJSON_AddItemToArray(arg, o);
}

static void queues_world_json(const struct world *w, cJSON *r)
{
	cJSON *a = cJSON_CreateArray();

	queue_report_walk(w, REPORT_MAX_QUEUES, queue_json_row, a);
	cJSON_AddItemToObject(r, "queues", a);
}

const struct host_subsys_ops queues_subsys = {
	.name = "queues",
	.world_rank = 30,
	.world_text = queues_world_text,
	.world_json = queues_world_json,
};
