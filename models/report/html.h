/*
 * models/report/html.h - report.html: one self-contained page of charts
 * (`skbsim run --html`).
 *
 * Contract:
 * - The page needs nothing outside itself: inline CSS and SVG drawn here
 *   (no script, no font, no image, no link), so it opens offline and its
 *   bytes depend only on the results (same seed, same page).
 * - Every number printed in it comes from report_json()'s tree, printed the
 *   way report.json prints it, in an element with data-json="PATH" (PATH
 *   as in docs/report.md: "packets.offered", "drops.0.count",
 *   "cpus.1.soft"), so a test can compare the page with report.json.
 * - Charts (each an <svg id="chart-...">): the drop waterfall by stage,
 *   latency CDFs per stage (from the world's histograms), CPU stacked bars
 *   per core, with --interval the time series of the ts_*.csv files (read
 *   back from the results directory, at most HTML_TS_POINTS points per
 *   line), and with a trace the timeline of a window of it.
 * - A trace is a Chrome trace-event JSON file ({"traceEvents": [...]} or a
 *   bare array): "X" slices (and "B"/"E" pairs) per pid/tid row, "C"
 *   counters, "i"/"I" instants, "M" thread_name/process_name; ts and dur
 *   in microseconds. Other phases are ignored.
 */
#ifndef MODELS_REPORT_HTML_H
#define MODELS_REPORT_HTML_H

#include <stdbool.h>

#include "sim/error.h"
#include "sim/time.h"
#include "models/world.h"

#define HTML_FILE	    "report.html"
#define HTML_TS_POINTS	    600		    /* points per time-series line at most */
#define HTML_TRACE_MAX	    (256ull << 20)  /* bytes: largest trace read */
#define HTML_WINDOW_DEFAULT (1000 * SIM_US) /* timeline window when none is given */

struct html_opts {
	sim_time_t interval;  /* --interval given: the ts_*.csv files exist; 0: none */
	const char *trace;    /* Chrome trace JSON file to draw a window of, or NULL */
	sim_time_t win_start; /* ps: window start (with win_set) */
	sim_time_t win_len;   /* ps: window length (with win_set) */
	bool win_set;	      /* --html-window given; else around the first drop */
};

/*
 * Whether @path is a trace html_write() can draw: 0, or -1 with @err set
 * ("FILE:LINE:COL: ..." for bad JSON). Called before the run so that a bad
 * file stops it before anything is written.
 */
int html_trace_check(const char *path, struct sim_error *err);

/* Write @dir/report.html for the finished world @w: 0, or -1 with @err set. */
int html_write(const struct world *w, const char *dir, const struct html_opts *o,
	       struct sim_error *err);

#endif
