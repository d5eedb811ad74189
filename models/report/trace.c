/*
 * models/report/trace.c - the --trace writer (models/report/trace.h).
 *
 * Kernel analogue: the tracepoints a Perfetto or trace-cmd capture of a
 * real box records (include/trace/events/irq.h irq_handler_entry/exit,
 * softirq_entry/exit; include/trace/events/napi.h napi_poll with work and
 * budget; include/trace/events/sched.h sched_switch; include/trace/events/
 * skb.h kfree_skb with its reason; include/trace/events/ipi.h
 * ipi_send_cpu).
 *
 * How: after every cpu_kick the CPU observer rebuilds what the CPU is
 * inside, outermost first (thread, softirq, vector, NAPI poll, hardirq),
 * from the CPU's state, and diffs it with what it had: a level that changed
 * is closed (written as an "X" slice) with everything inside it, and the new
 * levels are opened. A slice is therefore the span during which that level
 * was entered, including the time higher levels preempted it, as perf and
 * Perfetto draw nested contexts.
 *
 * Simplified: a NAPI poll's packet count is read from softnet_data while it
 * runs; the last unit of a poll (its poll_end cost) is inside the slice. An
 * IPI's flow ends at the first work its target CPU does after the IPI's
 * arrival, which is its handler's hardirq or, for a CPU polling in idle,
 * the softirq the handler raised.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "models/report/trace.h"
#include "models/report/queues.h"
#include "models/core/dev.h"
#include "models/core/observe.h"
#include "models/kernel/cpu.h"

/* Below every model's priority, as the time series' sampler. */
enum { TRACE_EV_PRIO = -1001 };

#define TR_DEPTH  8	       /* levels of a CPU's stack: thread, softirq, vector, poll, irq */
#define TR_FLOWS  16	       /* IPIs in flight to one CPU */
#define TR_BUF	  (256u << 10) /* bytes of stdio buffer */
#define TR_HW_TID 1000	       /* the "hardware" track of a machine */

struct tr_level {
	const void *key;  /* what this level is (thread, irq_desc, napi, vector ops) */
	const char *what; /* name prefix ("hardirq ") or "" */
	const char *name; /* name */
	const char *cat;  /* category: irq, softirq, napi, ksoftirqd, app, sched, idle */
	sim_time_t start; /* ps: entered */
	int64_t packets;  /* packets (napi: work; net_rx_action: sum), -1 for none */
	int64_t budget;	  /* napi: weight, -1 for none */
};

struct tr_cpu {
	const struct cpu *c;	      /* the CPU */
	uint32_t pid;		      /* its machine's process id */
	uint32_t depth;		      /* open levels */
	struct tr_level st[TR_DEPTH]; /* open levels, outermost first */
	int idle_state;		      /* the idle state it was last seen in, -1 */
	uint64_t flow_in[TR_FLOWS];   /* flow ids of IPIs sent to it, not yet bound */
	sim_time_t flow_at[TR_FLOWS]; /* ps: their arrival */
	uint32_t nflow_in;	      /* entries */
};

struct tr_counter {
	int64_t last; /* value written last, INT64_MIN for none */
};

struct trace {
	struct skb_observer skb_obs; /* drops */
	struct cpu_observer cpu_obs; /* slices and IPIs */
	struct sim_event ev;	     /* the next counter sample */
	struct world *w;	     /* traced world */
	struct trace_opts o;	     /* window, sampling, limit */
	char *path;		     /* FILE */
	char *tmp;		     /* its temporary file */
	FILE *f;		     /* open on tmp */
	char *buf;		     /* [TR_BUF] stdio buffer */
	uint64_t bytes;		     /* written so far */
	bool full;		     /* the limit was reached: nothing more is written */
	sim_time_t full_at;	     /* ps: when */
	bool first;		     /* no event written yet (no comma) */
	uint64_t next_flow;	     /* last flow id used */
	uint32_t ncpus;		     /* entries of cpus */
	struct tr_cpu *cpus;	     /* [ncpus] every machine's CPUs */
	uint32_t ncounters;	     /* entries of counters */
	struct tr_counter *counters; /* [ncounters] every host's queues in walk order */
	uint32_t counter_ix;	     /* walk position during a sample */
	const struct host *cache_m;  /* last machine looked up */
	uint32_t cache_base;	     /* its first entry in cpus */
};

/* ---- output ---- */

static void tr_printf(struct trace *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void tr_printf(struct trace *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vfprintf(t->f, fmt, ap);
	va_end(ap);
	if (n > 0)
		t->bytes += (uint64_t)n;
}

/* Start an event: false when the limit is reached (then nothing is written). */
static bool tr_begin(struct trace *t)
{
	if (t->full)
		return false;
	if (t->bytes >= t->o.max_bytes) {
		t->full = true;
		t->full_at = world_now(t->w);
		return false;
	}
	tr_printf(t, "%s\n {", t->first ? "" : ",");
	t->first = false;
	return true;
}

/* A time in us with ps resolution. */
static void tr_ts(struct trace *t, const char *key, sim_time_t ps)
{
	tr_printf(t, "\"%s\": %lld.%06lld", key, (long long)(ps / SIM_US),
		  (long long)(ps % SIM_US));
}

/* A JSON string (names are identifiers, but quote what must be). */
static void tr_str(struct trace *t, const char *a, const char *b)
{
	const char *parts[2] = { a, b };

	fputc('"', t->f);
	t->bytes++;
	for (int i = 0; i < 2; i++)
		for (const char *s = parts[i]; s && *s; s++) {
			unsigned char ch = (unsigned char)*s;

			if (ch == '"' || ch == '\\')
				tr_printf(t, "\\%c", ch);
			else if (ch < 0x20)
				tr_printf(t, "\\u%04x", ch);
			else {
				fputc(ch, t->f);
				t->bytes++;
			}
		}
	fputc('"', t->f);
	t->bytes++;
}

static sim_time_t tr_w1(const struct trace *t)
{
	return t->o.w1 < t->w->end ? t->o.w1 : t->w->end;
}

/* ---- CPUs ---- */

static struct tr_cpu *tr_cpu_of(struct trace *t, const struct cpu *c)
{
	const struct host *m = c->host;

	if (m != t->cache_m) {
		uint32_t base = 0;

		for (uint32_t i = 0; i < t->w->nhosts; i++) {
			const struct host *h = t->w->hosts[i];

			if (h->machine != h)
				continue;
			if (h == m)
				break;
			base += h->ncpus;
		}
		t->cache_m = m;
		t->cache_base = base;
	}
	return &t->cpus[t->cache_base + c->id];
}

/* Write the slice of level @l of @tc, ended at @end, clipped to the window. */
static void tr_slice(struct trace *t, const struct tr_cpu *tc, const struct tr_level *l,
		     sim_time_t end)
{
	sim_time_t s = l->start > t->o.w0 ? l->start : t->o.w0;
	sim_time_t e = end < t->o.w1 ? end : t->o.w1;

	if (e <= s || !tr_begin(t))
		return;
	tr_printf(t, "\"ph\": \"X\", \"name\": ");
	tr_str(t, l->what, l->name);
	tr_printf(t, ", \"cat\": \"%s\", \"pid\": %u, \"tid\": %u, ", l->cat, tc->pid, tc->c->id);
	tr_ts(t, "ts", s);
	tr_printf(t, ", ");
	tr_ts(t, "dur", e - s);
	if (l->packets >= 0 && l->budget >= 0)
		tr_printf(t, ", \"args\": {\"packets\": %lld, \"budget\": %lld}",
			  (long long)l->packets, (long long)l->budget);
	else if (l->packets >= 0)
		tr_printf(t, ", \"args\": {\"packets\": %lld}", (long long)l->packets);
	tr_printf(t, "}");
}

/* Close the levels of @tc from @from inward at @now; a poll's packets go to its vector. */
static void tr_close(struct trace *t, struct tr_cpu *tc, uint32_t from, sim_time_t now)
{
	while (tc->depth > from) {
		struct tr_level *l = &tc->st[--tc->depth];

		tr_slice(t, tc, l, now);
		if (l->budget >= 0 && tc->depth > 0 && tc->st[tc->depth - 1].packets >= 0)
			tc->st[tc->depth - 1].packets += l->packets;
	}
}

struct tr_stack {
	struct tr_level l[TR_DEPTH]; /* wanted levels, outermost first */
	uint32_t n;		     /* entries */
};

static void tr_push(struct tr_stack *s, const void *key, const char *what, const char *name,
		    const char *cat)
{
	SIM_BUG_ON(s->n >= TR_DEPTH);
	s->l[s->n++] = (struct tr_level){ key, what, name, cat, 0, -1, -1 };
}

/* The vector under way in handle_softirqs, and NET_RX's NAPI poll. */
static void tr_push_softirq(struct tr_stack *s, const struct cpu *c)
{
	static const char *const vec_name[NR_SOFTIRQS_MODELLED] = {
		[NET_TX_SOFTIRQ] = "net_tx_action",
		[NET_RX_SOFTIRQ] = "net_rx_action",
	};
	const struct softnet_data *sd = c->sd;

	if (c->sx.cur < 0)
		return;
	tr_push(s, softirq_vec[c->sx.cur], "", vec_name[c->sx.cur], "softirq");
	if (c->sx.cur != NET_RX_SOFTIRQ)
		return;
	s->l[s->n - 1].packets = 0;
	if (!sd || !sd->run.cur)
		return;
	tr_push(s, sd->run.cur, "napi_poll ", sd->run.cur->name, "napi");
	s->l[s->n - 1].packets = sd->run.work;
	s->l[s->n - 1].budget = sd->run.weight;
}

/* What @c is inside now, outermost first. */
static void tr_wanted(const struct cpu *c, const struct tr_cpu *tc, struct tr_stack *s)
{
	const struct thread *cur = c->curr;

	s->n = 0;
	if (c->running == &c->wake_job) {
		const struct cpuidle_table *it = &c->host->costs.idle;

		tr_push(s, &c->wake_job, "cpuidle exit ",
			tc->idle_state >= 0 ? it->s[tc->idle_state].name : "", "idle");
		return;
	}
	if (c->switch_to && c->cs_job.active)
		tr_push(s, &c->cs_job, "", "context switch", "sched");
	else if (cur && cur->job.active) {
		const struct napi_thread *nt = napi_thread_of(cur);

		tr_push(s, cur, "", cur->name,
			cur == &c->ksoftirqd ? "ksoftirqd"
			: nt		     ? "napi"
					     : "app");
		if (cur == &c->ksoftirqd && c->sx.active && c->sx.in_thread)
			tr_push_softirq(s, c);
		if (nt && nt->run.cur) { /* a threaded NAPI's poll in its kthread */
			tr_push(s, nt->run.cur, "napi_poll ", nt->run.cur->name, "napi");
			s->l[s->n - 1].packets = nt->run.work;
			s->l[s->n - 1].budget = nt->run.weight;
		}
	}
	if (c->sx.active && !c->sx.in_thread) {
		tr_push(s, &c->softirq_job, "", "softirq", "softirq");
		tr_push_softirq(s, c);
	}
	if (c->hardirq_job.active && c->irq_cur)
		tr_push(s, c->irq_cur, "hardirq ", c->irq_cur->name, "irq");
}

static void tr_flows_in(struct trace *t, struct tr_cpu *tc, sim_time_t now)
{
	uint32_t keep = 0;

	for (uint32_t i = 0; i < tc->nflow_in; i++) {
		if (tc->flow_at[i] > now) {
			tc->flow_in[keep] = tc->flow_in[i];
			tc->flow_at[keep++] = tc->flow_at[i];
			continue;
		}
		/* the receiver runs after the window: the flow keeps its start, no end (no arrow) */
		if (now > t->o.w1 || !tr_begin(t))
			continue;
		tr_printf(t,
			  "\"ph\": \"f\", \"bp\": \"e\", \"name\": \"IPI\", \"cat\": \"ipi\", "
			  "\"id\": %llu, \"pid\": %u, \"tid\": %u, ",
			  (unsigned long long)tc->flow_in[i], tc->pid, tc->c->id);
		tr_ts(t, "ts", now);
		tr_printf(t, "}");
	}
	tc->nflow_in = keep;
}

static void tr_cpu_run(struct cpu_observer *o, const struct cpu *c, sim_time_t now)
{
	struct trace *t = container_of(o, struct trace, cpu_obs);
	struct tr_cpu *tc = tr_cpu_of(t, c);
	struct tr_stack s;
	uint32_t same = 0;

	if (c->in_idle)
		tc->idle_state = c->idle.state;
	tr_wanted(c, tc, &s);
	while (same < s.n && same < tc->depth && tc->st[same].key == s.l[same].key &&
	       tc->st[same].name == s.l[same].name)
		same++;
	for (uint32_t i = 0; i < same; i++)
		if (tc->st[i].budget >= 0)
			tc->st[i].packets = s.l[i].packets;
	tr_close(t, tc, same, now);
	for (uint32_t i = same; i < s.n; i++) {
		tc->st[i] = s.l[i];
		tc->st[i].start = now;
	}
	tc->depth = s.n;
	if (tc->nflow_in && c->running)
		tr_flows_in(t, tc, now);
}

static void tr_cpu_ipi(struct cpu_observer *o, const struct cpu *from, const struct irq_desc *d,
		       sim_time_t at)
{
	struct trace *t = container_of(o, struct trace, cpu_obs);
	sim_time_t now = world_now(t->w);
	struct tr_cpu *src, *dst;

	if (!from || now < t->o.w0 || now > t->o.w1)
		return;
	src = tr_cpu_of(t, from);
	dst = tr_cpu_of(t, d->cpu);
	if (dst->nflow_in >= TR_FLOWS || !tr_begin(t))
		return;
	t->next_flow++;
	tr_printf(t, "\"ph\": \"s\", \"name\": \"IPI\", \"cat\": \"ipi\", \"id\": %llu, ",
		  (unsigned long long)t->next_flow);
	tr_printf(t, "\"pid\": %u, \"tid\": %u, ", src->pid, from->id);
	tr_ts(t, "ts", now);
	tr_printf(t, ", \"args\": {\"irq\": ");
	tr_str(t, d->name, NULL);
	tr_printf(t, ", \"to_cpu\": %u}}", d->cpu->id);
	dst->flow_in[dst->nflow_in] = t->next_flow;
	dst->flow_at[dst->nflow_in++] = at;
}

/* ---- drops ---- */

static void tr_skb_event(struct skb_observer *o, const struct host *h, const struct sk_buff *skb,
			 enum skb_ev ev, uint32_t arg)
{
	struct trace *t = container_of(o, struct trace, skb_obs);
	const struct drop_point *dp = &drop_points[arg];
	const struct cpu *c = t->w->this_cpu;
	sim_time_t now = world_now(t->w);
	uint32_t pid;

	if (ev != SKB_EV_DROP || now < t->o.w0 || now > t->o.w1)
		return;
	pid = tr_cpu_of(t, c ? c : &h->machine->cpus[0])->pid;
	if (!tr_begin(t))
		return;
	tr_printf(t,
		  "\"ph\": \"i\", \"s\": \"t\", \"name\": \"drop %s at %s\", \"cat\": \"drop\", ",
		  skb_drop_reason_name[dp->reason], stage_info[dp->stage].id);
	tr_printf(t, "\"pid\": %u, \"tid\": %u, ", pid, c ? c->id : TR_HW_TID);
	tr_ts(t, "ts", now);
	tr_printf(t, ", \"args\": {\"host\": ");
	tr_str(t, h->name, NULL);
	if (skb)
		tr_printf(t, ", \"packet\": %llu, \"len\": %u", (unsigned long long)skb->id,
			  skb->len);
	tr_printf(t, "}}");
}

/* ---- counters ---- */

struct tr_sample_ctx {
	struct trace *t;      /* the writer */
	const struct host *h; /* host walked */
	uint32_t pid;	      /* its machine's process */
	sim_time_t now;	      /* ps */
};

static void tr_counter(void *arg, const struct queue_sample *q)
{
	const struct tr_sample_ctx *x = arg;
	struct trace *t = x->t;
	struct tr_counter *k = &t->counters[t->counter_ix++];
	char name[96];

	if (k->last == q->len || !tr_begin(t))
		return;
	k->last = q->len;
	if (!strcmp(q->kind, "qdisc"))
		snprintf(name, sizeof(name), "qdisc %s tx-%d", q->name, q->index);
	else if (q->index >= 0)
		snprintf(name, sizeof(name), "%s rx-%d %s", q->name, q->index, q->kind);
	else
		snprintf(name, sizeof(name), "%s %s", q->kind, q->name);
	if (x->h->machine != x->h) {
		char full[160];

		snprintf(full, sizeof(full), "%s/%s", x->h->name, name);
		tr_printf(t, "\"ph\": \"C\", \"name\": ");
		tr_str(t, full, NULL);
	} else {
		tr_printf(t, "\"ph\": \"C\", \"name\": ");
		tr_str(t, name, NULL);
	}
	tr_printf(t, ", \"pid\": %u, ", x->pid);
	tr_ts(t, "ts", x->now);
	tr_printf(t, ", \"args\": {\"len\": %lld}}", (long long)q->len);
}

static void tr_sample(struct trace *t, sim_time_t now)
{
	t->counter_ix = 0;
	for (uint32_t i = 0; i < t->w->nhosts; i++) {
		const struct host *h = t->w->hosts[i];
		struct tr_sample_ctx x = { t, h, tr_cpu_of(t, &h->machine->cpus[0])->pid, now };

		host_queues_walk(h, tr_counter, &x);
	}
}

static void tr_fire(struct sim_event *ev)
{
	struct trace *t = container_of(ev, struct trace, ev);
	struct world *w = t->w;
	sim_time_t now = world_now(w);

	w->q.fired--; /* not one of the model's events (report.json "events") */
	tr_sample(t, now);
	if (now + t->o.sample <= t->o.w1 && now + t->o.sample < w->duration)
		sim_event_schedule(&w->q, &t->ev, now + t->o.sample);
}

static uint32_t tr_count_queue_ix;

static void tr_count_queue(void *arg, const struct queue_sample *q)
{
	(void)arg;
	(void)q;
	tr_count_queue_ix++;
}

/* ---- open / close ---- */

static const struct skb_observer_ops tr_skb_ops = { .name = "trace", .event = tr_skb_event };
static const struct cpu_observer_ops tr_cpu_ops = { .run = tr_cpu_run, .ipi = tr_cpu_ipi };

/* "rx", or "box (rx + tx)" for a machine whose CPUs other hosts share. */
static const char *tr_machine_name(const struct world *w, const struct host *m, char *buf,
				   size_t len)
{
	size_t n = (size_t)snprintf(buf, len, "%s", m->name);
	const char *sep = " (";

	for (uint32_t j = 0; j < w->nhosts && n < len; j++)
		if (w->hosts[j]->machine == m && w->hosts[j] != m) {
			n += (size_t)snprintf(buf + n, len - n, "%s%s", sep, w->hosts[j]->name);
			sep = ", ";
		}
	if (*sep == ',' && n < len)
		snprintf(buf + n, len - n, ")");
	return buf;
}

static void tr_metadata(struct trace *t)
{
	uint32_t pid = 0, ix = 0;
	char name[512];

	for (uint32_t i = 0; i < t->w->nhosts; i++) {
		const struct host *m = t->w->hosts[i];

		if (m->machine != m)
			continue;
		pid++;
		tr_begin(t);
		tr_printf(t,
			  "\"ph\": \"M\", \"name\": \"process_name\", \"pid\": %u, "
			  "\"args\": {\"name\": ",
			  pid);
		tr_str(t, tr_machine_name(t->w, m, name, sizeof(name)), NULL);
		tr_printf(t, "}}");
		for (uint32_t c = 0; c < m->ncpus; c++, ix++) {
			t->cpus[ix].c = &m->cpus[c];
			t->cpus[ix].pid = pid;
			t->cpus[ix].idle_state = m->cpus[c].in_idle ? m->cpus[c].idle.state : -1;
			tr_begin(t);
			tr_printf(t,
				  "\"ph\": \"M\", \"name\": \"thread_name\", \"pid\": %u, "
				  "\"tid\": %u, \"args\": {\"name\": \"cpu%u\"}}",
				  pid, c, c);
		}
		tr_begin(t);
		tr_printf(t,
			  "\"ph\": \"M\", \"name\": \"thread_name\", \"pid\": %u, \"tid\": %u, "
			  "\"args\": {\"name\": \"hardware\"}}",
			  pid, TR_HW_TID);
	}
}

static void tr_free(struct trace *t)
{
	if (!t)
		return;
	if (t->f)
		fclose(t->f);
	free(t->buf);
	free(t->cpus);
	free(t->counters);
	free(t->path);
	free(t->tmp);
	free(t);
}

static void tr_detach(struct trace *t)
{
	struct world *w = t->w;

	skb_observer_del(w, &t->skb_obs);
	for (struct cpu_observer **p = &w->cpu_observers; *p; p = &(*p)->next)
		if (*p == &t->cpu_obs) {
			*p = t->cpu_obs.next;
			break;
		}
	if (sim_event_pending(&t->ev))
		sim_event_cancel(&w->q, &t->ev);
}

struct trace *trace_open(struct world *w, const char *path, const struct trace_opts *o,
			 struct sim_error *err)
{
	struct trace *t = calloc(1, sizeof(*t));
	size_t len = strlen(path);
	mode_t mask;
	int fd;

	if (!t)
		goto oom;
	t->w = w;
	t->o = *o;
	t->first = true;
	t->full_at = SIM_NEVER;
	for (uint32_t i = 0; i < w->nhosts; i++)
		if (w->hosts[i]->machine == w->hosts[i])
			t->ncpus += w->hosts[i]->ncpus;
	tr_count_queue_ix = 0;
	for (uint32_t i = 0; i < w->nhosts; i++)
		host_queues_walk(w->hosts[i], tr_count_queue, NULL);
	t->ncounters = tr_count_queue_ix;
	t->cpus = calloc(t->ncpus ? t->ncpus : 1, sizeof(*t->cpus));
	t->counters = calloc(t->ncounters ? t->ncounters : 1, sizeof(*t->counters));
	t->path = strdup(path);
	t->tmp = malloc(len + 16);
	t->buf = malloc(TR_BUF);
	if (!t->cpus || !t->counters || !t->path || !t->tmp || !t->buf)
		goto oom;
	for (uint32_t i = 0; i < t->ncounters; i++)
		t->counters[i].last = INT64_MIN;
	snprintf(t->tmp, len + 16, "%s.tmp-XXXXXX", path);
	fd = mkstemp(t->tmp);
	if (fd < 0) {
		sim_error_set(err, "cannot create the trace '%s': %s", path, strerror(errno));
		t->tmp[0] = 0;
		tr_free(t);
		return NULL;
	}
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask)) /* as fopen() would create it, not mkstemp's 0600 */
		sim_error_set(err, "cannot create the trace '%s': %s", path, strerror(errno));
	t->f = fdopen(fd, "w+");
	if (!t->f) {
		close(fd);
		unlink(t->tmp);
		goto oom;
	}
	setvbuf(t->f, t->buf, _IOFBF, TR_BUF);
	tr_printf(t, "{\"traceEvents\": [");
	tr_metadata(t);
	t->skb_obs.ops = &tr_skb_ops;
	skb_observer_add(w, &t->skb_obs);
	t->cpu_obs.ops = &tr_cpu_ops;
	cpu_observer_add(w, &t->cpu_obs);
	sim_event_init(&t->ev, tr_fire, TRACE_EV_PRIO);
	if (o->w0 < w->duration)
		sim_event_schedule(&w->q, &t->ev, o->w0);
	return t;
oom:
	tr_free(t);
	sim_error_set(err, "out of memory");
	return NULL;
}

int trace_close(struct trace *t, sim_time_t *full_at, struct sim_error *err)
{
	sim_time_t end;
	int rc = 0;

	*full_at = SIM_NEVER;
	if (!t)
		return 0;
	end = tr_w1(t);
	tr_detach(t);
	for (uint32_t i = 0; i < t->ncpus; i++)
		tr_close(t, &t->cpus[i], 0, end);
	*full_at = t->full ? t->full_at : SIM_NEVER;
	fprintf(t->f,
		"\n],\n\"displayTimeUnit\": \"ns\",\n\"otherData\": {\"generator\": \"skbsim "
		"%s\", \"scenario\": ",
		SKBSIM_VERSION);
	tr_str(t, t->w->name, NULL);
	fprintf(t->f, ", \"seed\": \"%llu\", ", (unsigned long long)t->w->seed);
	tr_ts(t, "window_from_us", t->o.w0);
	fprintf(t->f, ", ");
	tr_ts(t, "window_to_us", end);
	fprintf(t->f, ", \"truncated\": %s}}\n", t->full ? "true" : "false");
	if (fflush(t->f) || ferror(t->f) || fsync(fileno(t->f))) {
		sim_error_set(err, "cannot write the trace '%s': %s", t->path,
			      strerror(errno ? errno : EIO));
		rc = -1;
	} else if (rename(t->tmp, t->path)) {
		sim_error_set(err, "cannot write the trace '%s': %s", t->path, strerror(errno));
		rc = -1;
	}
	if (rc)
		unlink(t->tmp);
	tr_free(t);
	return rc;
}

void trace_abort(struct trace *t)
{
	if (!t)
		return;
	tr_detach(t);
	unlink(t->tmp);
	tr_free(t);
}
