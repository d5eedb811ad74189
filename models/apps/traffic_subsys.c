/*
 * models/apps/traffic_subsys.c - traffic sources as a world-level subsystem
 * (models/subsys.h): the scenario's `traffic:` list (each source feeds one
 * host's NIC from outside), the ICMP peer tables sized by the flows aimed at
 * each host, their first events, and report.json's "traffic".
 */
#include <stdlib.h>
#include <string.h>

#include "models/apps/traffic.h"
#include "models/core/netdevice.h"
#include "models/report/report_util.h"
#include "models/subsys.h"

static int traffic_subsys_world_init(struct world *w, const struct cfg_node *root,
				     struct sim_error *err)
{
	const struct cfg_node *l;

	if (cfg_get_seq(root, "traffic", &l, err))
		return -1;
	if (!l)
		return 0;
	w->srcs = calloc(l->n + 1, sizeof(*w->srcs));
	if (!w->srcs)
		return cfg_error(l, err, "out of memory");
	for (uint32_t i = 0; i < l->n; i++) {
		struct traffic_source *s = NULL;
		struct sim_error local = { 0 };
		int rc;

		if (cfg_node_map(l->items[i], "traffic", err))
			return -1;
		rc = traffic_create(w, l->items[i], i, &s, &local);
		if (s)
			w->srcs[w->nsrcs++] = s;
		if (rc)
			return world_error_locate(l->items[i], &local, err);
		for (uint32_t j = 0; j + 1 < w->nsrcs; j++)
			if (!strcmp(w->srcs[j]->name, s->name))
				return cfg_error(cfg_get(l->items[i], "name"), err,
						 "duplicate traffic source name '%s'", s->name);
	}
	return 0;
}

/* The ICMP peer table of each host holds every traffic source address aimed at it. */
static int world_alloc_peers(struct world *w, struct sim_error *err)
{
	for (uint32_t i = 0; i < w->nhosts; i++) {
		struct host *h = w->hosts[i];
		uint64_t need = 64;

		for (uint32_t s = 0; s < w->nsrcs; s++)
			if (w->srcs[s]->host == h)
				need += 2ull * w->srcs[s]->nflows;
		h->npeers_cap = 64;
		while (h->npeers_cap < need)
			h->npeers_cap <<= 1;
		h->peers = calloc(h->npeers_cap, sizeof(*h->peers));
		if (!h->peers)
			return sim_error_set(err, "out of memory");
	}
	return 0;
}

/* After `links:`: a source cannot feed a linked NIC; then the peer tables. */
static int traffic_subsys_world_late_init(struct world *w, const struct cfg_node *root,
					  struct sim_error *err)
{
	for (uint32_t i = 0; i < w->nsrcs; i++)
		if (w->srcs[i]->dev->peer)
			return cfg_error(cfg_get(cfg_get(root, "traffic")->items[i], "to"), err,
					 "traffic source '%s' feeds nic '%s', which is linked to "
					 "another host; send from an app instead",
					 w->srcs[i]->name, w->srcs[i]->dev->name);
	return world_alloc_peers(w, err);
}

static void traffic_subsys_world_start(struct world *w)
{
	for (uint32_t i = 0; i < w->nsrcs; i++)
		traffic_start(w->srcs[i]);
}

static void traffic_subsys_world_release(struct world *w)
{
	for (uint32_t i = 0; i < w->nsrcs; i++)
		traffic_free(w->srcs[i]);
	free(w->srcs);
}

/* Seconds of [start, stop) within the run. */
static double est_span_sec(const struct world *w, sim_time_t start, sim_time_t stop)
{
	sim_time_t end = stop && stop < w->duration ? stop : w->duration;

	return end > start ? sim_time_sec(end - start) : 0;
}

static void traffic_subsys_world_estimate(const struct world *w, uint64_t *mem, double *pkts)
{
	for (uint32_t s = 0; s < w->nsrcs; s++) {
		*mem += w->srcs[s]->nflows * (sizeof(*w->srcs[s]->flows) + sizeof(double));
		*pkts += w->srcs[s]->pps * est_span_sec(w, w->srcs[s]->start, w->srcs[s]->stop);
	}
}

/* report.json "traffic": each source's pattern, what it sent, its rate. */
static void traffic_subsys_world_json(const struct world *w, cJSON *r)
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
					report_per_sec((double)s->sent, sim_time_sec(w->end)));
		cJSON_AddItemToArray(a, o);
	}
	cJSON_AddItemToObject(r, "traffic", a);
}

const struct host_subsys_ops traffic_subsys = {
	.name = "traffic",
	.world_init = traffic_subsys_world_init,
	.world_late_init = traffic_subsys_world_late_init,
	.world_start = traffic_subsys_world_start,
	.world_release = traffic_subsys_world_release,
	.world_estimate = traffic_subsys_world_estimate,
	.world_rank = 60,
	.world_json = traffic_subsys_world_json,
};
