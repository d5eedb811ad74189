/*
 * models/report/report_util.c - the report's shared helpers
 * (models/report/report_util.h).
 */
#include "models/report/report_util.h"

double report_meas_sec(const struct world *w)
{
	return w->end > w->warmup ? sim_time_sec(w->end - w->warmup) : 0;
}

double report_per_sec(double n, double sec)
{
	return sec > 0 ? n / sec : 0;
}

double report_pct_after_warmup(const struct world *w, double part_ps)
{
	double total = (double)(w->end - w->warmup);

	return total > 0 ? 100.0 * part_ps / total : 0;
}

struct lat_summary lat_summarize(const struct sim_hist *h)
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

cJSON *report_json_lat(const struct sim_hist *h)
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
