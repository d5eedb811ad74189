/*
 * models/core/skb_subsys.c - the skb pool and the packet accounting as a
 * subsystem (models/subsys.h): the pool every skb of the run comes from
 * (`skb_pool`, by default what the hosts' queues may hold), the latency
 * histograms, and the report's packets, drops and latency sections.
 */
#include "models/core/skb.h"
#include "models/report/report_util.h"
#include "models/subsys.h"

/* The pool, once every host and source is built (its default needs them all). */
static int skb_subsys_world_late_init(struct world *w, const struct cfg_node *root,
				      struct sim_error *err)
{
	uint64_t def =
		w->skb_pool_need < SKB_POOL_DEFAULT_MAX ? w->skb_pool_need : SKB_POOL_DEFAULT_MAX;
	uint64_t pool;

	if (cfg_get_u64(root, "skb_pool", &pool, def, 16, SKB_POOL_MAX, err))
		return -1;
	if (world_charge(w, cfg_get(root, "skb_pool"), pool * (sizeof(struct sk_buff) + 4), err))
		return -1;
	if (sim_pool_init(&w->skb_pool, sizeof(struct sk_buff), (uint32_t)pool))
		return cfg_error(cfg_get(root, "skb_pool") ? cfg_get(root, "skb_pool") : root, err,
				 "out of memory");
	for (int i = 0; i < LAT_NR; i++)
		sim_hist_init(&w->lat[i]);
	sim_hist_init(&w->e2e);
	return 0;
}

static void skb_subsys_world_release(struct world *w)
{
	sim_pool_release(&w->skb_pool);
	for (int i = 0; i < LAT_NR; i++)
		sim_hist_release(&w->lat[i]);
	sim_hist_release(&w->e2e);
}

static void skb_subsys_world_estimate(const struct world *w, uint64_t *mem, double *pkts)
{
	(void)pkts;
	*mem += (uint64_t)w->skb_pool.cap * (sizeof(struct sk_buff) + sizeof(void *));
}

/* ---- report ---- */

static void text_packets(const struct world *w, FILE *f)
{
	double pct = w->offered ? 100.0 * (double)w->dropped / (double)w->offered : 0;

	fprintf(f, "Packets (whole run)\n");
	fprintf(f, "  offered    %12llu\n", U(w->offered));
	fprintf(f, "  delivered  %12llu\n", U(w->delivered));
	fprintf(f, "  dropped    %12llu  (%.3f %% of offered)\n", U(w->dropped), pct);
	if (w->consumed)
		fprintf(f, "  consumed   %12llu  (ARP frames the kernel used)\n", U(w->consumed));
	if (w->transmitted)
		fprintf(f, "  transmitted%12llu  (sent out of a NIC with no modelled peer)\n",
			U(w->transmitted));
	fprintf(f, "  in flight  %12llu\n", U(world_in_flight(w)));
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
				p->function, U(h->drops[d]),
				report_per_sec((double)h->drops[d], sim_time_sec(w->end)),
				p->counter);
		}
	}
	if (!any)
		fprintf(f, "  (none)\n");
	fprintf(f, "\n");
}

static void text_lat_row(FILE *f, const char *name, const struct sim_hist *h)
{
	struct lat_summary s = lat_summarize(h);

	fprintf(f, "  %-12s %10llu %10.0f %10.0f %10.0f %10.0f %10.0f %10.0f\n", name, U(s.count),
		s.p50, s.p90, s.p99, s.p999, s.max, s.mean);
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

static void skb_subsys_world_text(const struct world *w, FILE *f)
{
	text_packets(w, f);
	text_drops(w, f);
	text_latency(w, f);
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
			cJSON_AddNumberToObject(
				o, "rate_pps",
				report_per_sec((double)h->drops[d], sim_time_sec(w->end)));
			cJSON_AddItemToArray(a, o);
		}
	}
	return a;
}

static void skb_subsys_world_json(const struct world *w, cJSON *r)
{
	cJSON *p = cJSON_CreateObject(), *lat = cJSON_CreateObject();

	cJSON_AddNumberToObject(p, "offered", (double)w->offered);
	cJSON_AddNumberToObject(p, "delivered", (double)w->delivered);
	cJSON_AddNumberToObject(p, "dropped", (double)w->dropped);
	cJSON_AddNumberToObject(p, "consumed", (double)w->consumed);
	cJSON_AddNumberToObject(p, "transmitted", (double)w->transmitted);
	cJSON_AddNumberToObject(p, "in_flight", (double)world_in_flight(w));
	cJSON_AddBoolToObject(p, "conserved", world_conserved(w));
	cJSON_AddItemToObject(r, "packets", p);
	cJSON_AddItemToObject(r, "drops", json_drops(w));
	cJSON_AddItemToObject(lat, "end_to_end", report_json_lat(&w->e2e));
	for (int i = 0; i < LAT_NR; i++)
		cJSON_AddItemToObject(lat, lat_stage_name[i], report_json_lat(&w->lat[i]));
	cJSON_AddItemToObject(r, "latency_ns", lat);
}

const struct host_subsys_ops skb_subsys = {
	.name = "skb",
	.world_late_init = skb_subsys_world_late_init,
	.world_release = skb_subsys_world_release,
	.world_estimate = skb_subsys_world_estimate,
	.world_rank = 10,
	.world_text = skb_subsys_world_text,
	.world_json = skb_subsys_world_json,
};
