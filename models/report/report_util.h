/*
 * models/report/report_util.h - what every part of the report shares: rates
 * over the measured interval, latency summaries of a histogram, and the
 * printf cast for counters.
 *
 * The report's parts live next to their subsystems (models/subsys.h); they
 * use these so that a rate or a percentile is computed one way everywhere.
 */
#ifndef MODELS_REPORT_UTIL_H
#define MODELS_REPORT_UTIL_H

#include <cjson/cJSON.h>

#include "sim/stats.h"
#include "models/world.h"

#define U(x) ((unsigned long long)(x))

/* Seconds measured: from the warm-up to the time the run reached (0 when stopped before). */
double report_meas_sec(const struct world *w);
/* @n per second of @sec; 0 for an empty interval (a run stopped at once). */
double report_per_sec(double n, double sec);
/* @part_ps in % of the time after the warm-up (0 for an empty interval). */
double report_pct_after_warmup(const struct world *w, double part_ps);

/* A histogram of ps as report.json and report.txt give it. */
struct lat_summary {
	uint64_t count;			       /* samples */
	double p50, p90, p99, p999, max, mean; /* ns */
};

struct lat_summary lat_summarize(const struct sim_hist *h);
/* {count, p50, p90, p99, p999, max, mean} in ns. */
cJSON *report_json_lat(const struct sim_hist *h);

/* Add @(s)->f to JSON object @o under the field's name. */
#define JNUM(o, s, f) cJSON_AddNumberToObject(o, #f, (double)(s)->f)

#endif
