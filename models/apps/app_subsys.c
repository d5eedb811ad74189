/*
 * models/apps/app_subsys.c - application threads as a subsystem
 * (models/subsys.h): a host's `apps:` (receivers, senders, echo servers,
 * clients), their first events, and what the report shows of them.
 */
#include <stdlib.h>
#include <string.h>

#include "models/apps/app.h"
#include "models/subsys.h"

/* A sender with no rate: as fast as its CPU allows, about this many datagrams a second. */
#define EST_UNPACED_PPS 2e6

static int host_add_app(struct host *h, const struct cfg_node *n, struct sim_error *err)
{
	struct app *a = NULL;
	int rc = app_create(h, n, &a, err);

	h->apps[h->napps++] = a;
	if (rc)
		return -1;
	for (uint32_t i = 0; i + 1 < h->napps; i++)
		if (!strcmp(h->apps[i]->name, a->name))
			return cfg_error(cfg_get(n, "name"), err, "duplicate app name '%s'",
					 a->name);
	return 0;
}

static int app_subsys_init(struct host *h, const struct cfg_node *n, struct sim_error *err)
{
	h->apps = calloc(cfg_seq_len(n, "apps") + 1, sizeof(*h->apps));
	if (!h->apps)
		return cfg_error(n, err, "out of memory");
	return host_each_item(h, n, "apps", host_add_app, err);
}

static void app_subsys_start(struct host *h)
{
	for (uint32_t a = 0; a < h->napps; a++)
		app_start(h->apps[a]);
}

static void app_subsys_release(struct host *h)
{
	for (uint32_t i = 0; i < h->napps; i++)
		app_free(h->apps[i]);
	free(h->apps);
}

/* One call's batch of datagrams in flight per app. */
static uint64_t app_subsys_skb_pool_need(const struct host *h)
{
	uint64_t n = 0;

	for (uint32_t a = 0; a < h->napps; a++)
		n += h->apps[a]->batch;
	return n;
}

static void app_subsys_estimate(const struct host *h, uint64_t *mem, double *pkts)
{
	(void)mem;
	for (uint32_t a = 0; a < h->napps; a++)
		if (h->apps[a]->sender)
			*pkts += (h->apps[a]->pps ? h->apps[a]->pps : EST_UNPACED_PPS) *
				 sim_time_sec(h->w->duration);
}

const struct host_subsys_ops app_subsys = {
	.name = "app",
	.init = app_subsys_init,
	.start = app_subsys_start,
	.release = app_subsys_release,
	.skb_pool_need = app_subsys_skb_pool_need,
	.estimate = app_subsys_estimate,
};
