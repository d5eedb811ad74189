/*
 * models/report/timeseries.h - time series: queue lengths, CPU contexts,
 * drops and packets per interval (`skbsim run --interval DUR`), as CSV.
 *
 * Kernel analogue: what sar -n DEV/EDEV, mpstat -P ALL 1 and a loop over
 * `tc -s qdisc`, `ss -u -m` and /proc/net/softnet_stat would show, taken
 * every DUR of simulated time instead of every second.
 *
 * Contract:
 * - A sampler owns one event (TS_EV_PRIO, below every other priority) that
 *   fires at every multiple of the interval inside the run: at time T it
 *   runs before anything else of time T, so its row describes [T - DUR, T).
 *   It only reads the world; its events are not counted in the queue's
 *   `fired` (report.json "events"), so a run with --interval gives
 *   byte-identical results files to one without.
 * - Rows are streamed to the files as they are taken (one stdio buffer per
 *   file, no row kept): memory does not grow with the run.
 * - The last row covers [last boundary, end of the run), written by
 *   timeseries_close() after world_finish().
 * - Files (columns in docs/report.md): ts_packets.csv, ts_queues.csv,
 *   ts_cpus.csv, ts_drops.csv at the top of the results directory.
 */
#ifndef MODELS_REPORT_TIMESERIES_H
#define MODELS_REPORT_TIMESERIES_H

#include "sim/error.h"
#include "sim/time.h"
#include "models/world.h"

#define TS_INTERVAL_MIN SIM_US		 /* shortest --interval */
#define TS_INTERVAL_MAX (1000 * SIM_SEC) /* longest --interval */

/* The files a sampler writes, NULL-terminated (for report.html and the docs). */
extern const char *const timeseries_files[];

struct timeseries;

/*
 * Create the files in @dir (the results' temporary directory) and schedule
 * the first sample of @w every @interval ps; call before world_start().
 * NULL with @err set when a file cannot be created.
 */
struct timeseries *timeseries_open(struct world *w, const char *dir, sim_time_t interval,
				   struct sim_error *err);
/*
 * Write the last row (up to w->end), close the files and free @ts: 0, or
 * -1 with @err set when a write failed. @ts may be NULL.
 */
int timeseries_close(struct timeseries *ts, struct sim_error *err);

#endif
