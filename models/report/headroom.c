/*
 * models/report/headroom.c - the report's "Headroom" section and
 * report.json's "headroom" (a world-level subsystem, models/subsys.h): what
 * limited the run (the busiest CPU, the drop point with the most drops) and,
 * for each tunable that bounds a queue (a device's RX ring, the backlog's
 * net.core.netdev_max_backlog, a UDP socket's rcvbuf), its largest
 * occupancy after the warm-up against its limit.
 *
 * The rows are made one at a time (no table of them is kept), in host order:
 * the rings, the backlog, the sockets; at most HEADROOM_MAX_ROWS.
 */
#include <string.h>

#include "models/core/dev.h"
#include "models/core/netdevice.h"
#include "models/core/skb.h"
#include "models/ipv4/sock.h"
#include "models/kernel/cpu.h"
#include "models/report/report_util.h"
#include "sim/units.h"
#include "models/subsys.h"

#define HEADROOM_MAX_ROWS 4096

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

/* The walk over the rows: how many so far, and what to do with each. */
struct hr_walk {
	uint32_t n; /* rows so far (at most HEADROOM_MAX_ROWS) */
	void (*fn)(const struct headroom *r, void *arg);
	void *arg;
};

static enum hr_state hr_state_of(double max, uint64_t drops)
{
	return drops ? HR_FULL : max > 0 ? HR_OK : HR_UNUSED;
}

static void hr_emit(struct hr_walk *hw, struct headroom *r)
{
	if (hw->n >= HEADROOM_MAX_ROWS)
		return;
	hw->n++;
	r->state = hr_state_of(r->max, r->drops);
	hw->fn(r, hw->arg);
}

static void hr_rings(struct hr_walk *hw, const struct host *h)
{
	for (uint32_t d = 0; d < h->ndevs; d++) {
		const struct net_device *dev = h->devs[d];
		struct netdev_ring_usage u;
		struct headroom r;

		if (!dev->ethtool_ops->get_ring_usage || !dev->ethtool_ops->get_ring_usage(dev, &u))
			continue;
		memset(&r, 0, sizeof(r));
		r.max = (double)u.max;
		snprintf(r.where, sizeof(r.where), "%s rx-%u", dev->name, u.queue);
		r.drops = u.drops;
		snprintf(r.host, sizeof(r.host), "%s", h->name);
		snprintf(r.knob, sizeof(r.knob), "rx_ring");
		r.limit = u.limit;
		r.unit = "descriptors";
		hr_emit(hw, &r);
	}
}

static void hr_backlog(struct hr_walk *hw, const struct host *h)
{
	struct headroom r;

	if (h->machine != h)
		return;
	memset(&r, 0, sizeof(r));
	for (uint32_t c = 0; c < h->ncpus; c++) {
		const struct softnet_data *sd = h->cpus[c].sd;

		if (!c || (double)sd->backlog_level.max > r.max) {
			r.max = (double)sd->backlog_level.max;
			snprintf(r.where, sizeof(r.where), "cpu%u", c);
		}
		r.drops += sd->dropped;
	}
	snprintf(r.host, sizeof(r.host), "%s", h->name);
	snprintf(r.knob, sizeof(r.knob), "net.core.netdev_max_backlog");
	r.limit = h->sysctl.netdev_max_backlog;
	r.unit = "packets";
	hr_emit(hw, &r);
}

static void hr_sockets(struct hr_walk *hw, const struct host *h)
{
	for (uint32_t s = 0; s < h->nsocks; s++) {
		const struct sock *sk = h->socks[s];
		struct headroom r;

		if (sk->kind != SOCK_UDP)
			continue;
		memset(&r, 0, sizeof(r));
		snprintf(r.host, sizeof(r.host), "%s", h->name);
		snprintf(r.knob, sizeof(r.knob), "rcvbuf");
		snprintf(r.where, sizeof(r.where), "%s", sk->name);
		r.max = (double)sk->rmem_max;
		r.limit = sk->sk_rcvbuf;
		r.unit = "bytes";
		r.drops = sk->sk_drops;
		hr_emit(hw, &r);
	}
}

static void hr_walk(const struct world *w, void (*fn)(const struct headroom *r, void *arg),
		    void *arg)
{
	struct hr_walk hw = { 0, fn, arg };

	for (uint32_t i = 0; i < w->nhosts; i++) {
		hr_rings(&hw, w->hosts[i]);
		hr_backlog(&hw, w->hosts[i]);
		hr_sockets(&hw, w->hosts[i]);
	}
}

/* The busiest CPU after the warm-up (its host and index), NULL when there is none. */
static const struct host *busiest_cpu(const struct world *w, uint32_t *cpu, double *busy)
{
	const struct host *best = NULL;

	*busy = -1;
	for (uint32_t i = 0; i < w->nhosts; i++) {
		const struct host *h = w->hosts[i];

		for (uint32_t c = 0; h->machine == h && c < h->ncpus; c++) {
			double b = 100 -
				   report_pct_after_warmup(w, (double)h->cpus[c].acct[ACCT_IDLE]);

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

static void text_headroom_row(const struct headroom *r, void *arg)
{
	FILE *f = arg;
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

static void headroom_world_text(const struct world *w, FILE *f)
{
	uint32_t cpu = 0;
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
	hr_walk(w, text_headroom_row, f);
	fprintf(f, "\n");
}

static void json_headroom_row(const struct headroom *r, void *arg)
{
	cJSON *k = cJSON_CreateObject();

	cJSON_AddStringToObject(k, "host", r->host);
	cJSON_AddStringToObject(k, "knob", r->knob);
	cJSON_AddStringToObject(k, "where", r->where);
	cJSON_AddNumberToObject(k, "max", r->max);
	cJSON_AddNumberToObject(k, "limit", r->limit);
	cJSON_AddStringToObject(k, "unit", r->unit);
	cJSON_AddNumberToObject(k, "drops", (double)r->drops);
	cJSON_AddStringToObject(k, "state", hr_state_name[r->state]);
	cJSON_AddItemToArray(arg, k);
}

static void headroom_world_json(const struct world *w, cJSON *r)
{
	cJSON *o = cJSON_CreateObject(), *a = cJSON_CreateArray(), *c, *dr;
	uint32_t cpu = 0;
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
	hr_walk(w, json_headroom_row, a);
	cJSON_AddItemToObject(o, "knobs", a);
	cJSON_AddItemToObject(r, "headroom", o);
}

const struct host_subsys_ops headroom_subsys = {
	.name = "headroom",
	.world_rank = 40,
	.world_text = headroom_world_text,
	.world_json = headroom_world_json,
};
