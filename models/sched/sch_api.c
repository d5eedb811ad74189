/*
 * models/sched/sch_api.c - the qdisc registry, creation, watchdog, drops and the
 * `tc -s qdisc show` dump.
 *
 * Kernel references: net/sched/sch_api.c (qdisc_lookup_ops, qdisc_create,
 * qdisc_watchdog, qdisc_watchdog_schedule_range_ns, tc_fill_qdisc),
 * net/sched/sch_generic.c (qdisc_destroy), net/core/dev.c __dev_xmit_skb
 * (kfree_skb_list_reason(to_free, tcf_get_drop_reason(to_free))). iproute2:
 * tc/tc_qdisc.c print_qdisc, tc/tc_util.c print_tcstats2_attr, lib/utils.c
 * print_time, lib/json_print_math.c sprint_size, lib/json_print.c
 * print_color_rate.
 *
 * A new discipline is one file with its const struct Qdisc_ops and one line
 * in qdisc_ops[] below (plus its extern in sch_generic.h).
 *
 * Simplified: no qdisc hash, no handle allocation (the owner passes the
 * handle), no rate estimator (so no "rate ...bit ...pps" line), no netlink:
 * a discipline reads its keys straight from the scenario. The watchdog has no
 * timer slack (qdisc_watchdog_schedule_ns, delta 0), as tbf uses it.
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/core/observe.h"
#include "models/core/netdevice.h"
#include "models/sched/sch_generic.h"

static const struct Qdisc_ops *const qdisc_ops[] = {
	&pfifo_fast_ops, &pfifo_ops, &bfifo_ops, &fq_codel_ops, &tbf_ops, &noqueue_ops,
	&prio_ops,	 &netem_ops, &htb_ops,	 &sfq_ops,	&fq_ops,  &cake_ops,
};
#define NQDISC_OPS (sizeof(qdisc_ops) / sizeof(qdisc_ops[0]))

const struct Qdisc_ops *qdisc_lookup_ops(const char *kind)
{
	for (size_t i = 0; i < NQDISC_OPS; i++)
		if (!strcmp(qdisc_ops[i]->id, kind))
			return qdisc_ops[i];
	return NULL;
}

int qdisc_unknown(const struct cfg_node *v, const char *kind, struct sim_error *err)
{
	const char *names[NQDISC_OPS];
	char known[256] = "";
	const char *near;

	for (size_t i = 0; i < NQDISC_OPS; i++) {
		names[i] = qdisc_ops[i]->id;
		snprintf(known + strlen(known), sizeof(known) - strlen(known), "%s%s",
			 i ? ", " : "", names[i]);
	}
	near = sim_nearest(kind, names, NQDISC_OPS);
	if (near && v)
		return cfg_error(v, err, "unknown qdisc '%s' (did you mean '%s'?)", kind, near);
	if (near)
		return sim_error_set(err, "unknown qdisc '%s' (did you mean '%s'?)", kind, near);
	if (v)
		return cfg_error(v, err, "unknown qdisc '%s' (known: %s)", kind, known);
	return sim_error_set(err, "unknown qdisc '%s' (known: %s)", kind, known);
}

/* ---- creation ---- */

/* The host whose drop counters the qdisc's drops go to. */
static struct host *qdisc_host(const struct Qdisc *q)
{
	SIM_BUG_ON(!q->dev || !q->dev->host);
	return q->dev->host;
}

/* qdisc_watchdog(): the hrtimer expired, reschedule the root qdisc (qdisc_root). */
static void qdisc_watchdog_fire(struct sim_event *ev)
{
	struct Qdisc *q = container_of(ev, struct Qdisc, watchdog);

	while (q->parent)
		q = q->parent;
	if (q->wake)
		q->wake(q);
}

/*
 * The kind and the options from the scenario node @n: a mapping with `kind:`,
 * a scalar naming the kind, or NULL. *@at is the node to blame for the kind.
 */
static int qdisc_parse_kind(const struct cfg_node *n, const char *default_kind, const char **kind,
			    const struct cfg_node **opts, const struct cfg_node **at,
			    struct sim_error *err)
{
	*opts = NULL;
	*at = n;
	*kind = default_kind;
	if (!n)
		return 0;
	if (n->type == CFG_SCALAR) {
		*kind = n->str;
		return 0;
	}
	if (cfg_node_map(n, "qdisc", err))
		return -1;
	*opts = n;
	if (!default_kind && cfg_require(n, "kind", "qdisc", err))
		return -1;
	if (cfg_get_str(n, "kind", kind, default_kind, err))
		return -1;
	if (cfg_get(n, "kind"))
		*at = cfg_get(n, "kind");
	return 0;
}

static struct Qdisc *qdisc_alloc(struct world *w, struct net_device *dev,
				 const struct Qdisc_ops *ops, uint32_t handle)
{
	struct Qdisc *q = calloc(1, sizeof(*q));
	char name[64];

	if (!q)
		return NULL;
	q->priv = calloc(1, ops->priv_size ? ops->priv_size : 1);
	if (!q->priv) {
		free(q);
		return NULL;
	}
	q->ops = ops;
	q->dev = dev;
	q->w = w;
	q->handle = handle;
	q->drop_reason = SKB_DROP_REASON_QDISC_DROP;
	q->flags = ops->static_flags;
	sim_event_init(&q->watchdog, qdisc_watchdog_fire, 0);
	snprintf(name, sizeof(name), "qdisc/%s/%x:", dev ? dev->name : "-", handle >> 16);
	sim_rng_init(&q->rng, w->seed, name);
	return q;
}

/*
 * ops->init(); a discipline given by name only (`qdisc: tbf`) has no options
 * mapping to locate a missing option at, so its error goes to the name.
 */
static int qdisc_init_at(struct Qdisc *q, const struct cfg_node *opts, const struct cfg_node *at,
			 struct sim_error *err)
{
	struct sim_error local = { 0 };

	if (opts || !at)
		return q->ops->init(q, opts, err);
	if (!q->ops->init(q, opts, &local))
		return 0;
	return cfg_error(at, err, "%s", local.msg);
}

struct Qdisc *qdisc_create(struct world *w, struct net_device *dev, const struct cfg_node *n,
			   const char *default_kind, uint32_t handle, struct sim_error *err)
{
	const struct cfg_node *opts, *at;
	const struct Qdisc_ops *ops;
	const char *kind;
	struct Qdisc *q;

	if (qdisc_parse_kind(n, default_kind, &kind, &opts, &at, err))
		return NULL;
	ops = qdisc_lookup_ops(kind);
	if (!ops) {
		qdisc_unknown(at, kind, err);
		return NULL;
	}
	q = qdisc_alloc(w, dev, ops, handle);
	if (!q) {
		sim_error_set(err, "out of memory");
		return NULL;
	}
	if (qdisc_init_at(q, opts, at, err)) {
		qdisc_destroy(q);
		return NULL;
	}
	return q;
}

struct Qdisc *qdisc_create_dflt(struct world *w, struct net_device *dev,
				const struct Qdisc_ops *ops, uint32_t handle, struct sim_error *err)
{
	struct Qdisc *q = qdisc_alloc(w, dev, ops, handle);

	if (!q) {
		sim_error_set(err, "out of memory");
		return NULL;
	}
	if (ops->init(q, NULL, err)) {
		qdisc_destroy(q);
		return NULL;
	}
	return q;
}

/*
 * qdisc_destroy(): the discipline's own allocations go; skbs still queued
 * stay in the pool, released with the world (they count as in flight).
 */
void qdisc_destroy(struct Qdisc *q)
{
	if (!q)
		return;
	sim_event_cancel(&q->w->q, &q->watchdog);
	if (q->ops->destroy)
		q->ops->destroy(q);
	free(q->priv);
	free(q);
}

/* ---- the device's parameters ---- */

/* psched_mtu(): dev->mtu + dev->hard_header_len (ETH_HLEN). */
uint32_t qdisc_psched_mtu(const struct Qdisc *q)
{
	return q->dev && q->dev->mtu ? q->dev->mtu + 14 : PSCHED_MTU;
}

/* ---- time and drops ---- */

/*
 * qdisc_watchdog_schedule_range_ns() with delta 0: an armed timer already at
 * @t is left alone, otherwise it is (re)armed; a time in the past fires now.
 */
void qdisc_watchdog_schedule(struct Qdisc *q, sim_time_t t)
{
	sim_time_t now = qdisc_now(q);

	if (t < now)
		t = now;
	if (sim_event_pending(&q->watchdog) && q->watchdog.time == t)
		return;
	sim_event_schedule(&q->w->q, &q->watchdog, t);
}

void qdisc_kfree_skb_list(struct Qdisc *q, struct sk_buff *to_free)
{
	enum skb_drop_reason reason = q->drop_reason;

	while (to_free) {
		struct sk_buff *next = to_free->next;

		to_free->next = NULL;
		skb_set_stage(qdisc_host(q), to_free, STAGE_T13);
		kfree_skb_reason(qdisc_host(q), to_free, reason);
		to_free = next;
	}
	q->drop_reason = SKB_DROP_REASON_QDISC_DROP;
}

/*
 * qdisc_tree_reduce_backlog(): a child dropped @skb outside its parents'
 * enqueue/dequeue; every ancestor forgets it and counts the drop.
 */
static void qdisc_tree_reduce_backlog(struct Qdisc *q, const struct sk_buff *skb)
{
	for (struct Qdisc *p = q->parent; p; p = p->parent) {
		qdisc_qstats_sub(p, skb);
		p->stats.drops++;
	}
}

void qdisc_drop_dequeued(struct Qdisc *q, struct sk_buff *skb, enum skb_drop_reason reason)
{
	qdisc_tree_reduce_backlog(q, skb);
	q->stats.drops++;
	skb->next = NULL;
	skb_set_stage(qdisc_host(q), skb, STAGE_T13);
	kfree_skb_reason(qdisc_host(q), skb, reason);
}

/* ---- children of classful disciplines ---- */

struct Qdisc *qdisc_create_child(struct Qdisc *sch, const struct cfg_node *n, uint32_t classid,
				 uint32_t *next_handle, struct sim_error *err)
{
	struct Qdisc *q;

	q = qdisc_create(sch->w, sch->dev, n, n ? NULL : "pfifo", n ? *next_handle << 16 : 0, err);
	if (!q)
		return NULL;
	if (n)
		(*next_handle)++;
	q->parent = sch;
	q->parent_classid = classid;
	return q;
}

bool qdisc_visible(const struct Qdisc *q)
{
	return q->handle != 0;
}

int qdisc_enqueue_child(struct sk_buff *skb, struct Qdisc *child, struct Qdisc *sch,
			struct sk_buff **to_free)
{
	uint32_t qlen = child->stats.qlen;
	uint64_t backlog = child->stats.backlog, drops = child->stats.drops;
	int rc = child->ops->enqueue(skb, child, to_free);

	sch->stats.qlen = sch->stats.qlen + child->stats.qlen - qlen;
	sch->stats.backlog = sch->stats.backlog + child->stats.backlog - backlog;
	sch->stats.drops += child->stats.drops - drops;
	if (child->stats.drops != drops)
		sch->drop_reason = child->drop_reason;
	child->drop_reason = SKB_DROP_REASON_QDISC_DROP;
	return rc;
}

char *tc_sprint_classid(char *buf, size_t len, uint32_t classid)
{
	if (classid == 0xffffffffu)
		snprintf(buf, len, "root");
	else
		snprintf(buf, len, "%" PRIx32 ":%" PRIx32, classid >> 16, classid & 0xffff);
	return buf;
}

/* get_tc_classid(): "MAJ:MIN" or "MAJ:", both hex of at most 4 digits. */
int tc_parse_classid(const struct cfg_node *n, const char *key, uint32_t *out,
		     struct sim_error *err)
{
	const char *s = n->str, *colon = strchr(s, ':');
	char *end;
	unsigned long maj, min = 0;

	if (!colon || colon == s || colon - s > 4 || strlen(colon + 1) > 4)
		goto bad;
	maj = strtoul(s, &end, 16);
	if (end != colon)
		goto bad;
	if (colon[1]) {
		min = strtoul(colon + 1, &end, 16);
		if (*end)
			goto bad;
	}
	if (!maj)
		goto bad;
	*out = (uint32_t)(maj << 16 | min);
	return 0;
bad:
	return cfg_error(n, err, "'%s' must be a class id like '1:10' (hex), got '%s'", key, s);
}

int qdisc_parse_handle(struct Qdisc *q, const struct cfg_node *opts, uint32_t *next_handle,
		       struct sim_error *err)
{
	const struct cfg_node *n = opts ? cfg_get(opts, "handle") : NULL;
	uint32_t h;

	if (n && (n->type != CFG_SCALAR || tc_parse_classid(n, "handle", &h, err)))
		return n->type != CFG_SCALAR
			       ? cfg_error(n, err, "'handle' must be a qdisc handle like '1:'")
			       : -1;
	if (n && h & 0xffff)
		return cfg_error(n, err, "'handle' must be a qdisc handle like '1:', got '%s'",
				 n->str);
	if (n) {
		char name[64];

		q->handle = h;
		/* the stream follows the handle, so that a child 8001: has its own */
		snprintf(name, sizeof(name), "qdisc/%s/%x:", q->dev ? q->dev->name : "-", h >> 16);
		sim_rng_init(&q->rng, q->w->seed, name);
	}
	*next_handle = q->handle >> 16 == 0x8001 ? 0x8002 : 0x8001;
	return 0;
}

void qdisc_dump_classes(const struct Qdisc *q, const char *devname, FILE *f)
{
	if (q->ops->dump_class)
		q->ops->dump_class(q, devname, f);
}

/* ---- rates ---- */

void psched_ratecfg_precompute(struct psched_ratecfg *r, uint64_t rate)
{
	uint64_t factor = 1000000000ULL;

	r->rate_bytes_ps = rate;
	r->mult = 1;
	r->shift = 0;
	if (!rate)
		return;
	for (;;) {
		r->mult = (uint32_t)(factor / rate);
		if (r->mult & (1U << 31) || factor & (1ULL << 63))
			break;
		factor <<= 1;
		r->shift++;
	}
}

uint32_t tc_calc_xmitsize(uint64_t rate64, int64_t ns)
{
	uint32_t ticks = (uint32_t)(ns >> PSCHED_SHIFT);

	return (uint32_t)((double)rate64 * (ticks / TICK_IN_USEC) / 1e6);
}

int64_t tc_calc_xmittime_ns(uint64_t rate64, uint64_t size)
{
	double us = 1e6 * ((double)size / (double)rate64);
	uint32_t t = us >= UINT32_MAX ? UINT32_MAX : (uint32_t)us;
	double ticks = t * TICK_IN_USEC;

	return (int64_t)(ticks >= UINT32_MAX ? UINT32_MAX : (uint32_t)ticks) << PSCHED_SHIFT;
}

/* ---- iproute2's formatters ---- */

/* lib/json_print_math.c sprint_size(): binary units when within a few bytes. */
char *tc_sprint_size(char *buf, size_t len, uint64_t sz)
{
	double kilo = 1024, mega = kilo * kilo, giga = mega * kilo, tmp = (double)sz;

	if (tmp >= giga && fabs(giga * rint(tmp / giga) - tmp) < 1024)
		snprintf(buf, len, "%gGb", rint(tmp / giga));
	else if (tmp >= mega && fabs(mega * rint(tmp / mega) - tmp) < 1024)
		snprintf(buf, len, "%gMb", rint(tmp / mega));
	else if (tmp >= kilo && fabs(kilo * rint(tmp / kilo) - tmp) < 16)
		snprintf(buf, len, "%gKb", rint(tmp / kilo));
	else
		snprintf(buf, len, "%" PRIu64 "b", sz);
	return buf;
}

/* lib/utils.c print_time(): TIME_UNITS_PER_SEC is 1000000 (microseconds). */
char *tc_sprint_time(char *buf, size_t len, uint32_t usecs)
{
	double tmp = usecs;

	if (tmp >= 1000000)
		snprintf(buf, len, "%.3gs", tmp / 1000000);
	else if (tmp >= 1000)
		snprintf(buf, len, "%.3gms", tmp / 1000);
	else
		snprintf(buf, len, "%" PRIu32 "us", usecs);
	return buf;
}

/* lib/json_print.c print_color_rate() without -iec: whole decimal units only. */
char *tc_sprint_rate(char *buf, size_t len, uint64_t bytes_ps)
{
	static const char *const units[] = { "", "K", "M", "G", "T" };
	uint64_t rate = bytes_ps << 3, kilo = 1000;
	size_t i;

	for (i = 0; i < sizeof(units) / sizeof(units[0]) - 1; i++) {
		if (rate < kilo)
			break;
		if ((rate % kilo) != 0 && rate < 1000 * kilo)
			break;
		rate /= kilo;
	}
	snprintf(buf, len, "%.0f%sbit", (double)rate, units[i]);
	return buf;
}

/* ---- tc -s qdisc show ---- */

/* print_qdisc(): the first line, up to the kind-specific options. */
static void qdisc_dump_head(const struct Qdisc *q, const char *devname, const char *parent, FILE *f)
{
	fprintf(f, "qdisc %s %" PRIx32 ": dev %s %s ", q->ops->id, q->handle >> 16, devname,
		parent);
	/* one reference per TX queue it is the qdisc of, one for dev->qdisc */
	if (!strcmp(parent, "root"))
		fprintf(f, "refcnt %" PRIu32 " ", q->multi_txq && q->dev ? 1 + q->dev->ntxq : 2);
}

/* print_tcstats2_attr() with TCA_STATS_BASIC and TCA_STATS_QUEUE, prefix " ". */
void qdisc_dump_stats(const struct qdisc_stats *s, FILE *f)
{
	char b[64];

	fprintf(f,
		" Sent %" PRIu64 " bytes %" PRIu64 " pkt (dropped %" PRIu64 ", overlimits %" PRIu64
		" requeues %" PRIu64 ") \n",
		s->bytes, s->packets, s->drops, s->overlimits, s->requeues);
	fprintf(f, " backlog %s %" PRIu32 "p requeues %" PRIu64 "\n",
		tc_sprint_size(b, sizeof(b), s->backlog), s->qlen, s->requeues);
}

void qdisc_dump(const struct Qdisc *q, const char *devname, const char *parent, FILE *f)
{
	if (q->ops->dump) {
		q->ops->dump(q, devname, parent, f);
		return;
	}
	qdisc_dump_head(q, devname, parent, f);
	if (q->ops->dump_opts)
		q->ops->dump_opts(q, f);
	fputc('\n', f);
	qdisc_dump_stats(&q->stats, f);
	if (q->ops->dump_xstats) {
		q->ops->dump_xstats(q, f);
		fputc('\n', f);
	}
	if (q->ops->dump_children)
		q->ops->dump_children(q, devname, f);
}
