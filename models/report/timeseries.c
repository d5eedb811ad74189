/*
 * models/report/timeseries.c - the --interval sampler: one event per
 * interval boundary, one CSV row per queue, CPU and drop point per
 * interval (models/report/timeseries.h, columns in docs/report.md).
 *
 * Kernel analogue: periodic reads of /proc/net/softnet_stat, /proc/stat
 * (mpstat), `tc -s qdisc`, `ss -u -m`, ethtool -S; here they are exact
 * reads of the model's state at the boundary instead of a poll that
 * races the traffic.
 *
 * Simplified: a queue's column is its length at the end of the interval
 * (what a poll would read), not its mean or maximum over the interval.
 * CPU time is split at the boundary exactly: the running job's part up to
 * T counts in the interval, as the kernel's cputime accounting would at a
 * tick. The warm-up resets the CPU accounting (world_warmup_fire, through
 * the cpu subsystem's warmup_reset hook); the interval that contains it
 * reports fractions of its part after the warm-up.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/report/timeseries.h"
#include "models/report/queues.h"
#include "models/core/dev.h"
#include "models/core/netdevice.h"
#include "models/ipv4/sock.h"
#include "models/kernel/cpu.h"
#include "models/sched/sch_generic.h"

/* Below every model's priority: a row is the state before anything of time T ran. */
enum { TS_EV_PRIO = -1000 };

#define TS_BUF (64u << 10) /* bytes of stdio buffer per file */

enum ts_file { TS_PACKETS, TS_QUEUES, TS_CPUS, TS_DROPS, TS_NR };

const char *const timeseries_files[] = { "ts_packets.csv", "ts_queues.csv", "ts_cpus.csv",
					 "ts_drops.csv", NULL };

static const char *const ts_header[TS_NR] = {
	[TS_PACKETS] = "t_start_s,t_end_s,offered,delivered,dropped,consumed,transmitted,"
		       "in_flight\n",
	[TS_QUEUES] = "t_start_s,t_end_s,host,kind,name,len\n",
	[TS_CPUS] = "t_start_s,t_end_s,host,cpu,irq,soft,ksoftirqd,sys,usr,idle\n",
	[TS_DROPS] = "t_start_s,t_end_s,host,reason,stage,drops\n",
};

/* The world's counters of ts_packets.csv, whole run. */
struct ts_packets {
	uint64_t offered, delivered, dropped, consumed, transmitted; /* packets */
};

struct timeseries {
	struct sim_event ev;  /* the next boundary */
	struct world *w;      /* sampled world */
	sim_time_t interval;  /* ps between rows */
	sim_time_t t_prev;    /* ps: start of the interval being sampled */
	bool measuring_prev;  /* w->measuring at t_prev (the CPU accounting was not reset since) */
	FILE *f[TS_NR];	      /* the open files */
	char *buf[TS_NR];     /* [TS_BUF] their stdio buffers */
	struct ts_packets pk; /* counters at t_prev */
	sim_time_t *cpu_prev; /* [CPUs of the world * ACCT_NR] ps accounted at t_prev */
	uint32_t ncpus;	      /* entries / ACCT_NR */
	uint64_t *drops_prev; /* [nhosts * DROP_POINTS_MAX] h->drops at t_prev */
};

static struct ts_packets ts_packets_now(const struct world *w)
{
	return (struct ts_packets){ w->offered, w->delivered, w->dropped, w->consumed,
				    w->transmitted };
}

/* @c's time in context @k up to @t (>= every accounted point), without touching @c. */
static sim_time_t cpu_acct_at(const struct cpu *c, enum cpu_acct k, sim_time_t t)
{
	sim_time_t v = c->acct[k];

	if (c->running && c->running->acct == k)
		v += t - c->run_start;
	else if (!c->running && k == ACCT_IDLE)
		v += t - c->idle_since;
	return v;
}

static void ts_times(FILE *f, sim_time_t a, sim_time_t b)
{
	fprintf(f, "%.9f,%.9f,", sim_time_sec(a), sim_time_sec(b));
}

static void ts_row_packets(struct timeseries *ts, sim_time_t t)
{
	struct ts_packets n = ts_packets_now(ts->w);
	FILE *f = ts->f[TS_PACKETS];

	ts_times(f, ts->t_prev, t);
	fprintf(f, "%llu,%llu,%llu,%llu,%llu,%llu\n",
		(unsigned long long)(n.offered - ts->pk.offered),
		(unsigned long long)(n.delivered - ts->pk.delivered),
		(unsigned long long)(n.dropped - ts->pk.dropped),
		(unsigned long long)(n.consumed - ts->pk.consumed),
		(unsigned long long)(n.transmitted - ts->pk.transmitted),
		(unsigned long long)world_in_flight(ts->w));
	ts->pk = n;
}

struct ts_queue_ctx {
	struct timeseries *ts; /* the sampler */
	const struct host *h;  /* host walked */
	sim_time_t t;	       /* ps: end of the interval */
};

static void ts_queue(void *arg, const struct queue_sample *q)
{
	const struct ts_queue_ctx *x = arg;
	FILE *f = x->ts->f[TS_QUEUES];

	ts_times(f, x->ts->t_prev, x->t);
	if (q->index >= 0)
		fprintf(f, "%s,%s,%s %s-%d,%lld\n", x->h->name, q->kind, q->name,
			strcmp(q->kind, "qdisc") ? "rx" : "tx", q->index, (long long)q->len);
	else
		fprintf(f, "%s,%s,%s,%lld\n", x->h->name, q->kind, q->name, (long long)q->len);
}

/* Every queue, in report.json's "queues" order, then the qdiscs per TX queue. */
static void ts_rows_queues(struct timeseries *ts, sim_time_t t, const struct host *h)
{
	struct ts_queue_ctx x = { ts, h, t };

	host_queues_walk(h, ts_queue, &x);
}

/* One row per CPU: percent of the interval (its part since the warm-up) in each context. */
static void ts_rows_cpus(struct timeseries *ts, sim_time_t t, const struct host *h,
			 sim_time_t *prev)
{
	bool reset = ts->w->measuring && !ts->measuring_prev;
	sim_time_t from = reset ? ts->w->warmup : ts->t_prev;
	double span = (double)(t - from);
	FILE *f = ts->f[TS_CPUS];

	for (uint32_t c = 0; h->machine == h && c < h->ncpus; c++, prev += ACCT_NR) {
		ts_times(f, ts->t_prev, t);
		fprintf(f, "%s,%u", h->name, c);
		for (int k = 0; k < ACCT_NR; k++) {
			sim_time_t now = cpu_acct_at(&h->cpus[c], (enum cpu_acct)k, t);
			sim_time_t d = reset ? now : now - prev[k];

			fprintf(f, ",%.4f", span > 0 ? 100.0 * (double)d / span : 0.0);
			prev[k] = now;
		}
		fputc('\n', f);
	}
}

/* The drop points that dropped in the interval, one row each. */
static void ts_rows_drops(struct timeseries *ts, sim_time_t t, const struct host *h, uint64_t *prev)
{
	FILE *f = ts->f[TS_DROPS];

	for (unsigned d = 0; d < drop_points_nr; d++) {
		if (h->drops[d] == prev[d])
			continue;
		ts_times(f, ts->t_prev, t);
		fprintf(f, "%s,%s,%s,%llu\n", h->name, skb_drop_reason_name[drop_points[d].reason],
			stage_info[drop_points[d].stage].id,
			(unsigned long long)(h->drops[d] - prev[d]));
		prev[d] = h->drops[d];
	}
}

/* The rows of [t_prev, @t). */
static void ts_sample(struct timeseries *ts, sim_time_t t)
{
	struct world *w = ts->w;
	sim_time_t *cp = ts->cpu_prev;

	ts_row_packets(ts, t);
	for (uint32_t i = 0; i < w->nhosts; i++)
		ts_rows_queues(ts, t, w->hosts[i]);
	for (uint32_t i = 0; i < w->nhosts; i++) {
		const struct host *h = w->hosts[i];

		ts_rows_cpus(ts, t, h, cp);
		if (h->machine == h)
			cp += (size_t)h->ncpus * ACCT_NR;
	}
	for (uint32_t i = 0; i < w->nhosts; i++)
		ts_rows_drops(ts, t, w->hosts[i], ts->drops_prev + (size_t)i * DROP_POINTS_MAX);
	ts->t_prev = t;
	ts->measuring_prev = w->measuring;
}

static void ts_fire(struct sim_event *ev)
{
	struct timeseries *ts = container_of(ev, struct timeseries, ev);
	struct world *w = ts->w;
	sim_time_t now = world_now(w);

	w->q.fired--; /* not one of the model's events (report.json "events") */
	ts_sample(ts, now);
	if (now + ts->interval < w->duration)
		sim_event_schedule(&w->q, &ts->ev, now + ts->interval);
}

/* Create @dir/@name like report_write_files(): new, never through a symlink. */
static FILE *ts_create(const char *dir, const char *name, char *buf, struct sim_error *err)
{
	char path[4096];
	FILE *f = NULL;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
	if (fd >= 0)
		f = fdopen(fd, "w");
	if (!f) {
		sim_error_set(err, "cannot write '%s': %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	setvbuf(f, buf, _IOFBF, TS_BUF);
	return f;
}

/* Close the files and free @ts: 0, or -1 when a write failed (errno set). */
static int ts_free(struct timeseries *ts)
{
	int rc = 0;

	for (int i = 0; i < TS_NR; i++) {
		if (ts->f[i] && (fflush(ts->f[i]) || ferror(ts->f[i])))
			rc = -1;
		if (ts->f[i] && fclose(ts->f[i]))
			rc = -1;
		free(ts->buf[i]);
	}
	free(ts->cpu_prev);
	free(ts->drops_prev);
	free(ts);
	return rc;
}

struct timeseries *timeseries_open(struct world *w, const char *dir, sim_time_t interval,
				   struct sim_error *err)
{
	struct timeseries *ts = calloc(1, sizeof(*ts));

	if (!ts) {
		sim_error_set(err, "out of memory for the time series");
		return NULL;
	}
	ts->w = w;
	ts->interval = interval;
	for (uint32_t i = 0; i < w->nhosts; i++)
		if (w->hosts[i]->machine == w->hosts[i])
			ts->ncpus += w->hosts[i]->ncpus;
	ts->cpu_prev = calloc((size_t)ts->ncpus * ACCT_NR + 1, sizeof(*ts->cpu_prev));
	ts->drops_prev = calloc((size_t)w->nhosts * DROP_POINTS_MAX + 1, sizeof(*ts->drops_prev));
	if (!ts->cpu_prev || !ts->drops_prev) {
		ts_free(ts);
		sim_error_set(err, "out of memory for the time series");
		return NULL;
	}
	for (int i = 0; i < TS_NR; i++) {
		ts->buf[i] = malloc(TS_BUF);
		if (!ts->buf[i]) {
			ts_free(ts);
			sim_error_set(err, "out of memory for the time series");
			return NULL;
		}
		ts->f[i] = ts_create(dir, timeseries_files[i], ts->buf[i], err);
		if (!ts->f[i]) {
			ts_free(ts);
			return NULL;
		}
		fputs(ts_header[i], ts->f[i]);
	}
	sim_event_init(&ts->ev, ts_fire, TS_EV_PRIO);
	if (interval < w->duration)
		sim_event_schedule(&w->q, &ts->ev, interval);
	return ts;
}

int timeseries_close(struct timeseries *ts, struct sim_error *err)
{
	struct world *w;

	if (!ts)
		return 0;
	w = ts->w;
	sim_event_cancel(&w->q, &ts->ev);
	if (w->end > ts->t_prev || ts->t_prev == 0)
		ts_sample(ts, w->end);
	errno = 0;
	if (ts_free(ts))
		return sim_error_set(err, "cannot write the time series: %s",
				     strerror(errno ? errno : EIO));
	return 0;
}
