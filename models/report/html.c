/*
 * models/report/html.c - report.html: the results as one self-contained
 * page of inline SVG charts (models/report/html.h).
 *
 * No kernel analogue: this is the picture an operator draws from
 * /proc/net/softnet_stat, mpstat, `tc -s` and a perf/Perfetto trace.
 *
 * The charts are drawn here as plain SVG (no plotting library, no script):
 * the page then depends on nothing, its bytes are deterministic, and every
 * figure is the number of report.json itself. Simplified: linear axes with
 * 1-2-5 ticks (the latency CDF on a log axis), legends as HTML, tooltips as
 * SVG <title>; the time series are cut to HTML_TS_POINTS buckets per line
 * (queues: the largest length in the bucket; CPUs: the mean; packets and
 * drops: per second over the bucket).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "models/report/html.h"
#include "models/report/report.h"
#include "models/report/timeseries.h"
#include "models/core/skb.h"
#include "models/kernel/cpu.h"
#include "sim/units.h"

#define W_CHART	    860.0 /* px: chart width */
#define H_CHART	    300.0 /* px: chart height */
#define TS_SERIES   48	  /* lines per time-series chart at most */
#define TL_ROWS	    64	  /* timeline thread rows at most */
#define TL_COUNTERS 24	  /* timeline counter tracks at most */
#define TL_SLICES   40000 /* slices drawn at most */
#define TL_DEPTH    16	  /* B/E nesting per row */

static const char *const palette[] = { "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
				       "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac" };
#define NPAL (sizeof(palette) / sizeof(palette[0]))

/* ---- output helpers ---- */

static void esc(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '&':
			fputs("&amp;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

/* A number of report.json, printed as report.json prints it, tagged with its path. */
static void jnum(FILE *f, const cJSON *item, const char *path)
{
	char *s;

	if (!cJSON_IsNumber(item)) {
		fputs("&ndash;", f);
		return;
	}
	s = cJSON_PrintUnformatted(item);
	fprintf(f, "<span data-json=\"%s\">%s</span>", path, s);
	cJSON_free(s);
}

/* A table cell holding the number at @key of @o, whose path is @prefix.@key. */
static void jcell(FILE *f, const cJSON *o, const char *prefix, const char *key)
{
	char path[160];

	snprintf(path, sizeof(path), "%s.%s", prefix, key);
	fputs("<td>", f);
	jnum(f, cJSON_GetObjectItemCaseSensitive(o, key), path);
	fputs("</td>", f);
}

static const char *jstr(const cJSON *o, const char *key)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(s) ? s->valuestring : "";
}

static double jdbl(const cJSON *o, const char *key)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(n) ? n->valuedouble : 0;
}

/* ---- plot frame ---- */

struct plot {
	double x0, x1, y0, y1; /* data ranges */
	bool logx;	       /* x is drawn as log10 */
	bool no_xticks;	       /* categories: the caller labels x */
	double w, h;	       /* px: the SVG */
	double l, r, t, b;     /* px: margins */
};

static double px(const struct plot *p, double x)
{
	double a = p->logx ? log10(p->x0) : p->x0, z = p->logx ? log10(p->x1) : p->x1;
	double v = p->logx ? log10(x > 0 ? x : p->x0) : x;

	return p->l + (z > a ? (v - a) / (z - a) : 0) * (p->w - p->l - p->r);
}

static double py(const struct plot *p, double y)
{
	double span = p->y1 - p->y0;

	return p->h - p->b - (span > 0 ? (y - p->y0) / span : 0) * (p->h - p->t - p->b);
}

/* A 1-2-5 step giving about @n ticks over @span. */
static double nice_step(double span, int n)
{
	double raw = span / n, mag, m;

	if (!(raw > 0))
		return 1;
	mag = pow(10, floor(log10(raw)));
	m = raw / mag;
	return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * mag;
}

/* Make [y0, y1] end on ticks and never be empty. */
static void nice_range(double *y0, double *y1)
{
	double st;

	if (!(*y1 > *y0))
		*y1 = *y0 + 1;
	st = nice_step(*y1 - *y0, 5);
	*y0 = floor(*y0 / st) * st;
	*y1 = ceil(*y1 / st) * st;
}

static void tick_label(char *buf, size_t len, double v)
{
	if (fabs(v) >= 1e6 || (fabs(v) < 1e-3 && v != 0))
		snprintf(buf, len, "%.3g", v);
	else if (fabs(v) >= 1e4 && fmod(v, 1000) == 0)
		snprintf(buf, len, "%gk", v / 1000);
	else
		snprintf(buf, len, "%g", v);
}

static void svg_open(FILE *f, const char *id, const struct plot *p, const char *extra)
{
	fprintf(f,
		"<svg id=\"%s\" class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" "
		"width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\"%s>\n",
		id, p->w, p->h, p->w, p->h, extra ? extra : "");
}

static void axes(FILE *f, const struct plot *p, const char *xlabel, const char *ylabel)
{
	char lab[32];
	double st;

	fprintf(f, "<g class=\"axis\"><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>",
		p->l, p->h - p->b, p->w - p->r, p->h - p->b);
	fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", p->l, p->t, p->l,
		p->h - p->b);
	st = nice_step(p->y1 - p->y0, 5);
	for (double v = p->y0; v <= p->y1 + st * 1e-6; v += st) {
		tick_label(lab, sizeof(lab), fabs(v) < st * 1e-9 ? 0 : v);
		fprintf(f,
			"<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
			"<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>",
			p->l, py(p, v), p->w - p->r, py(p, v), p->l - 4, py(p, v) + 4, lab);
	}
	if (p->logx) {
		for (double v = pow(10, floor(log10(p->x0))); v <= p->x1 * 1.0001; v *= 10) {
			if (v < p->x0 * 0.9999)
				continue;
			tick_label(lab, sizeof(lab), v);
			fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>",
				px(p, v), p->h - p->b + 14, lab);
		}
	} else if (!p->no_xticks) {
		st = nice_step(p->x1 - p->x0, 8);
		for (double v = ceil(p->x0 / st) * st; v <= p->x1 + st * 1e-6; v += st) {
			tick_label(lab, sizeof(lab), fabs(v) < st * 1e-9 ? 0 : v);
			fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>",
				px(p, v), p->h - p->b + 14, lab);
		}
	}
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", (p->l + p->w - p->r) / 2,
		p->h - 4);
	esc(f, xlabel);
	fprintf(f,
		"</text><text x=\"12\" y=\"%.1f\" transform=\"rotate(-90 12 %.1f)\" "
		"text-anchor=\"middle\">",
		(p->t + p->h - p->b) / 2, (p->t + p->h - p->b) / 2);
	esc(f, ylabel);
	fputs("</text></g>\n", f);
}

static void legend_item(FILE *f, unsigned i, const char *name)
{
	fprintf(f, "<span class=\"key\"><i style=\"background:%s\"></i>", palette[i % NPAL]);
	esc(f, name);
	fputs("</span>", f);
}

/* ---- header and summary ---- */

static void page_head(FILE *f, const cJSON *r)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>skbsim: ",
	      f);
	esc(f, jstr(r, "scenario"));
	fputs("</title>\n<style>\n"
	      "body{font:14px/1.4 sans-serif;margin:1.5em;color:#222;max-width:960px}\n"
	      "h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid "
	      "#ccc}\n"
	      "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid "
	      "#ccc;padding:2px 6px;text-align:right}th{background:#f4f4f4}\n"
	      "td.l,th.l{text-align:left}\n"
	      "svg.chart{display:block;background:#fff;border:1px solid #ddd;margin:.5em 0}\n"
	      "svg text{font:11px sans-serif;fill:#333}\n"
	      ".axis line{stroke:#333}.axis line.grid{stroke:#eee}\n"
	      ".key{display:inline-block;margin-right:1em}.key i{display:inline-block;width:10px;"
	      "height:10px;margin-right:4px}\n"
	      "p.note{color:#666}\n"
	      "</style></head><body>\n",
	      f);
	fputs("<h1>skbsim report: ", f);
	esc(f, jstr(r, "scenario"));
	fputs("</h1>\n", f);
}

static void summary(FILE *f, const cJSON *r)
{
	static const char *const keys[] = { "offered",	"delivered",   "dropped",
					    "consumed", "transmitted", "in_flight" };
	const cJSON *pk = cJSON_GetObjectItemCaseSensitive(r, "packets");

	fputs("<table id=\"summary\"><tr><th class=\"l\">seed</th><th>duration s</th><th>warm-up "
	      "s</th><th>complete</th>",
	      f);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		fprintf(f, "<th>%s</th>", keys[i]);
	fputs("</tr>\n<tr>", f);
	fputs("<td class=\"l\">", f);
	jnum(f, cJSON_GetObjectItemCaseSensitive(r, "seed"), "seed");
	fputs("</td><td>", f);
	jnum(f, cJSON_GetObjectItemCaseSensitive(r, "duration_s"), "duration_s");
	fputs("</td><td>", f);
	jnum(f, cJSON_GetObjectItemCaseSensitive(r, "warmup_s"), "warmup_s");
	fprintf(f, "</td><td>%s</td>",
		cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "complete")) ? "yes" : "no");
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		jcell(f, pk, "packets", keys[i]);
	fputs("</tr></table>\n", f);
}

/* ---- drop waterfall ---- */

static int stage_index(const char *id)
{
	for (int s = 0; s < STAGE_NR; s++)
		if (stage_info[s].id && !strcmp(stage_info[s].id, id))
			return s;
	return STAGE_NR;
}

static void bar(FILE *f, const struct plot *p, double x, double wd, double ya, double yb,
		const char *color, const char *cls, const char *title, double v)
{
	double a = py(p, ya > yb ? ya : yb), b = py(p, ya > yb ? yb : ya);

	fprintf(f,
		"<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
		"fill=\"%s\"><title>",
		cls, x, a, wd, b - a > 0.5 ? b - a : 0.5, color);
	esc(f, title);
	fprintf(f, ": %.0f</title></rect>", v);
}

static void waterfall(FILE *f, const cJSON *r)
{
	static const char *const ends[] = { "delivered", "consumed", "transmitted", "in_flight" };
	const cJSON *pk = cJSON_GetObjectItemCaseSensitive(r, "packets");
	const cJSON *drops = cJSON_GetObjectItemCaseSensitive(r, "drops"), *d;
	double per_stage[STAGE_NR + 1] = { 0 }, offered = jdbl(pk, "offered"), left, top;
	struct plot p = { .w = W_CHART, .h = H_CHART, .l = 70, .r = 10, .t = 10, .b = 40 };
	int nbars = 1, k = 0;
	double bw;
	char title[96];

	cJSON_ArrayForEach(d, drops) per_stage[stage_index(jstr(d, "stage"))] += jdbl(d, "count");
	for (int s = 0; s <= STAGE_NR; s++)
		nbars += per_stage[s] > 0;
	for (size_t e = 0; e < 4; e++)
		nbars += !e || jdbl(pk, ends[e]) > 0;
	top = offered;
	for (size_t e = 0; e < 4; e++)
		top = fmax(top, jdbl(pk, ends[e]));
	p.y0 = 0;
	p.y1 = top;
	nice_range(&p.y0, &p.y1);
	p.x0 = 0;
	p.x1 = nbars;
	p.no_xticks = true;
	bw = (p.w - p.l - p.r) / nbars;
	fputs("<h2>Drops by stage</h2>\n", f);
	svg_open(f, "chart-waterfall", &p, NULL);
	axes(f, &p, "", "packets");
	bar(f, &p, p.l + bw * 0.15, bw * 0.7, 0, offered, palette[0], "bar", "offered", offered);
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">offered</text>",
		p.l + bw * 0.5, p.h - p.b + 16);
	left = offered;
	k = 1;
	for (int s = 0; s <= STAGE_NR; s++) {
		const char *id = s < STAGE_NR ? stage_info[s].id : "?";

		if (!(per_stage[s] > 0))
			continue;
		snprintf(title, sizeof(title), "dropped at %s (%s)", id,
			 s < STAGE_NR ? stage_info[s].function : "");
		bar(f, &p, p.l + bw * (k + 0.15), bw * 0.7, left - per_stage[s], left, palette[2],
		    "bar drop", title, per_stage[s]);
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>",
			p.l + bw * (k + 0.5), p.h - p.b + 16, id);
		left -= per_stage[s];
		k++;
	}
	for (size_t e = 0; e < 4; e++) {
		double v = jdbl(pk, ends[e]);

		if (e && !(v > 0))
			continue;
		bar(f, &p, p.l + bw * (k + 0.15), bw * 0.7, 0, v, palette[4], "bar", ends[e], v);
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>",
			p.l + bw * (k + 0.5), p.h - p.b + 16, ends[e]);
		k++;
	}
	fputs("</svg>\n<table id=\"drops\"><tr><th class=\"l\">host</th><th "
	      "class=\"l\">stage</th><th class=\"l\">reason</th><th "
	      "class=\"l\">function</th><th>count</th><th>rate pps</th></tr>\n",
	      f);
	k = 0;
	cJSON_ArrayForEach(d, drops)
	{
		char prefix[32];

		snprintf(prefix, sizeof(prefix), "drops.%d", k++);
		fputs("<tr><td class=\"l\">", f);
		esc(f, jstr(d, "host"));
		fputs("</td><td class=\"l\">", f);
		esc(f, jstr(d, "stage"));
		fputs("</td><td class=\"l\">", f);
		esc(f, jstr(d, "reason"));
		fputs("</td><td class=\"l\">", f);
		esc(f, jstr(d, "function"));
		fputs("</td>", f);
		jcell(f, d, prefix, "count");
		jcell(f, d, prefix, "rate_pps");
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
	if (!k)
		fputs("<p class=\"note\">No packet was dropped.</p>\n", f);
}

/* ---- latency CDFs ---- */

static const struct sim_hist *lat_hist(const struct world *w, const char *name)
{
	if (!strcmp(name, "end_to_end"))
		return &w->e2e;
	for (int s = 0; s < LAT_NR; s++)
		if (!strcmp(lat_stage_name[s], name))
			return &w->lat[s];
	return NULL;
}

static void cdf_line(FILE *f, const struct plot *p, const struct sim_hist *h, const char *color)
{
	uint64_t cum = 0;
	double y = 0;

	fprintf(f,
		"<path class=\"cdf\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" d=\"M%.1f "
		"%.1f",
		color, px(p, (double)h->min / 1000.0), py(p, 0));
	for (uint32_t i = 0; i < SIM_HIST_BUCKETS && cum < h->count; i++) {
		uint64_t lo, hi;
		double v;

		if (!h->bucket[i])
			continue;
		sim_hist_bucket_range(i, &lo, &hi);
		v = ((double)lo + (double)hi) / 2 / 1000.0;
		v = fmin(fmax(v, (double)h->min / 1000.0), (double)h->max / 1000.0);
		cum += h->bucket[i];
		fprintf(f, "L%.1f %.1f", px(p, v), py(p, y));
		y = (double)cum / (double)h->count;
		fprintf(f, "L%.1f %.1f", px(p, v), py(p, y));
	}
	fputs("\"/>\n", f);
}

static void latency(FILE *f, const struct world *w, const cJSON *r)
{
	static const char *const cols[] = { "count", "p50", "p90", "p99", "p999", "max", "mean" };
	const cJSON *lat = cJSON_GetObjectItemCaseSensitive(r, "latency_ns"), *s;
	struct plot p = { .w = W_CHART, .h = H_CHART, .l = 50, .r = 24, .t = 10, .b = 36 };
	double lo = INFINITY, hi = 0;
	unsigned n = 0;

	fputs("<h2>Latency by stage (CDF)</h2>\n", f);
	cJSON_ArrayForEach(s, lat)
	{
		const struct sim_hist *h = lat_hist(w, s->string);

		if (h && h->count) {
			lo = fmin(lo, fmax((double)h->min / 1000.0, 0.001));
			hi = fmax(hi, (double)h->max / 1000.0);
		}
	}
	if (!(hi > 0)) {
		fputs("<p class=\"note\">No latency was measured.</p>\n", f);
		return;
	}
	p.logx = true;
	p.x0 = pow(10, floor(log10(lo)));
	p.x1 = pow(10, ceil(log10(hi * 1.0001)));
	p.y0 = 0;
	p.y1 = 1;
	svg_open(f, "chart-latency", &p, NULL);
	axes(f, &p, "latency, ns (log scale)", "fraction of packets");
	cJSON_ArrayForEach(s, lat)
	{
		const struct sim_hist *h = lat_hist(w, s->string);

		if (h && h->count)
			cdf_line(f, &p, h, palette[n++ % NPAL]);
	}
	fputs("</svg>\n<div class=\"legend\">", f);
	n = 0;
	cJSON_ArrayForEach(s, lat)
	{
		const struct sim_hist *h = lat_hist(w, s->string);

		if (h && h->count)
			legend_item(f, n++, s->string);
	}
	fputs("</div>\n<table id=\"latency\"><tr><th class=\"l\">stage</th>", f);
	for (size_t c = 0; c < sizeof(cols) / sizeof(cols[0]); c++)
		fprintf(f, "<th>%s%s</th>", cols[c], c ? " ns" : "");
	fputs("</tr>\n", f);
	cJSON_ArrayForEach(s, lat)
	{
		char prefix[64];

		if (!(jdbl(s, "count") > 0))
			continue;
		snprintf(prefix, sizeof(prefix), "latency_ns.%s", s->string);
		fputs("<tr><td class=\"l\">", f);
		esc(f, s->string);
		fputs("</td>", f);
		for (size_t c = 0; c < sizeof(cols) / sizeof(cols[0]); c++)
			jcell(f, s, prefix, cols[c]);
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
}

/* ---- CPU stacked bars ---- */

static void cpus(FILE *f, const cJSON *r)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(r, "cpus"), *c;
	int n = cJSON_GetArraySize(a), k = 0;
	struct plot p = { .w = W_CHART, .l = 90, .r = 10, .t = 10, .b = 36 };
	char label[64];

	fputs("<h2>CPU time by context, after the warm-up</h2>\n", f);
	p.h = p.t + p.b + 22.0 * (n ? n : 1);
	p.x0 = 0;
	p.x1 = 100;
	p.y0 = 0;
	p.y1 = n ? n : 1;
	svg_open(f, "chart-cpu", &p, NULL);
	fputs("<g class=\"axis\">", f);
	for (int v = 0; v <= 100; v += 10)
		fprintf(f,
			"<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
			"<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%d</text>",
			px(&p, v), p.t, px(&p, v), p.h - p.b, px(&p, v), p.h - p.b + 14, v);
	fprintf(f,
		"<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%% of the measured "
		"time</text></g>\n",
		(p.l + p.w - p.r) / 2, p.h - 4);
	cJSON_ArrayForEach(c, a)
	{
		double x = 0, y = p.t + 22.0 * k + 3;

		snprintf(label, sizeof(label), "%s cpu%d", jstr(c, "host"), (int)jdbl(c, "cpu"));
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", p.l - 4, y + 12);
		esc(f, label);
		fputs("</text>", f);
		for (int ctx = 0; ctx < ACCT_NR; ctx++) {
			double v = jdbl(c, cpu_acct_name[ctx]);

			fprintf(f,
				"<rect class=\"seg\" x=\"%.1f\" y=\"%.1f\" width=\"%.2f\" "
				"height=\"16\" fill=\"%s\"><title>%s %s: %.2f %%</title></rect>",
				px(&p, x), y, px(&p, x + v) - px(&p, x),
				ctx == ACCT_IDLE ? "#e8e8e8" : palette[ctx % NPAL], label,
				cpu_acct_name[ctx], v);
			x += v;
		}
		fputc('\n', f);
		k++;
	}
	fputs("</svg>\n<div class=\"legend\">", f);
	for (int ctx = 0; ctx < ACCT_NR; ctx++) {
		if (ctx == ACCT_IDLE)
			fputs("<span class=\"key\"><i style=\"background:#e8e8e8\"></i>idle</span>",
			      f);
		else
			legend_item(f, (unsigned)ctx, cpu_acct_name[ctx]);
	}
	fputs("</div>\n<table id=\"cpus\"><tr><th class=\"l\">host</th><th>cpu</th>", f);
	for (int ctx = 0; ctx < ACCT_NR; ctx++)
		fprintf(f, "<th>%s %%</th>", cpu_acct_name[ctx]);
	fputs("</tr>\n", f);
	k = 0;
	cJSON_ArrayForEach(c, a)
	{
		char prefix[32];

		snprintf(prefix, sizeof(prefix), "cpus.%d", k++);
		fputs("<tr><td class=\"l\">", f);
		esc(f, jstr(c, "host"));
		fputs("</td>", f);
		jcell(f, c, prefix, "cpu");
		for (int ctx = 0; ctx < ACCT_NR; ctx++)
			jcell(f, c, prefix, cpu_acct_name[ctx]);
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
}

/* ---- time series (the ts_*.csv files) ---- */

enum ts_agg { AGG_MAX, AGG_MEAN, AGG_RATE };

struct ts_line {
	char key[112]; /* "rx rx_ring eth0 rx-0" */
	double *v;     /* [nb] aggregate per bucket */
	uint32_t *n;   /* [nb] rows per bucket */
};

struct ts_chart {
	enum ts_agg agg;		/* how rows of one bucket combine */
	uint32_t nb;			/* buckets */
	double end_s;			/* s: the run's end */
	struct ts_line line[TS_SERIES]; /* the lines */
	uint32_t nlines;		/* entries */
	uint32_t omitted;		/* distinct keys beyond TS_SERIES */
	uint32_t last;			/* line of the previous row (rows cycle) */
	uint64_t rows;			/* rows read */
};

static struct ts_line *ts_line_get(struct ts_chart *c, const char *key)
{
	struct ts_line *l;

	if (c->nlines) {
		uint32_t next = (c->last + 1) % c->nlines;

		if (!strcmp(c->line[next].key, key))
			return &c->line[c->last = next];
		if (!strcmp(c->line[c->last].key, key))
			return &c->line[c->last];
	}
	for (uint32_t i = 0; i < c->nlines; i++)
		if (!strcmp(c->line[i].key, key))
			return &c->line[c->last = i];
	if (c->nlines == TS_SERIES) {
		c->omitted++;
		return NULL;
	}
	l = &c->line[c->nlines];
	snprintf(l->key, sizeof(l->key), "%s", key);
	l->v = calloc(c->nb, sizeof(*l->v));
	l->n = calloc(c->nb, sizeof(*l->n));
	if (!l->v || !l->n) {
		free(l->v);
		free(l->n);
		return NULL;
	}
	c->last = c->nlines++;
	return l;
}

static void ts_add(struct ts_chart *c, const char *key, double t0, double t1, double v)
{
	struct ts_line *l = ts_line_get(c, key);
	uint32_t b;

	if (!l)
		return;
	b = c->end_s > 0 ? (uint32_t)(t0 / c->end_s * c->nb) : 0;
	if (b >= c->nb)
		b = c->nb - 1;
	if (c->agg == AGG_MAX)
		l->v[b] = l->n[b] ? fmax(l->v[b], v) : v;
	else if (c->agg == AGG_RATE)
		l->v[b] += v, (void)t1;
	else
		l->v[b] += v;
	l->n[b]++;
}

static void ts_free_chart(struct ts_chart *c)
{
	for (uint32_t i = 0; i < c->nlines; i++) {
		free(c->line[i].v);
		free(c->line[i].n);
	}
}

/* Split @s at commas into at most @max fields: the count. */
static int csv_split(char *s, char **fld, int max)
{
	int n = 0;

	s[strcspn(s, "\r\n")] = 0;
	while (n < max) {
		fld[n++] = s;
		s = strchr(s, ',');
		if (!s)
			break;
		*s++ = 0;
	}
	return n;
}

/* Read @dir/@name into @c through @row (one call per data row). 0, or -1 with errno. */
static int ts_read(const char *dir, const char *name, struct ts_chart *c,
		   void (*row)(struct ts_chart *c, char **fld, int n))
{
	char path[4096], line[512];
	char *fld[16];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(line, sizeof(line), f)) { /* the header */
		fclose(f);
		return 0;
	}
	while (fgets(line, sizeof(line), f)) {
		int n = csv_split(line, fld, 16);

		if (n >= 3) {
			row(c, fld, n);
			c->rows++;
		}
	}
	fclose(f);
	return 0;
}

static void row_packets(struct ts_chart *c, char **fld, int n)
{
	static const char *const cols[] = { "offered", "delivered", "dropped" };
	double t0 = atof(fld[0]), t1 = atof(fld[1]);

	for (int i = 0; i < 3 && 2 + i < n; i++)
		ts_add(c, cols[i], t0, t1, atof(fld[2 + i]));
}

static void row_queues(struct ts_chart *c, char **fld, int n)
{
	char key[112];

	if (n < 6)
		return;
	snprintf(key, sizeof(key), "%s %s %s", fld[2], fld[3], fld[4]);
	ts_add(c, key, atof(fld[0]), atof(fld[1]), atof(fld[5]));
}

static void row_cpus(struct ts_chart *c, char **fld, int n)
{
	char key[112];

	if (n < 10)
		return;
	snprintf(key, sizeof(key), "%s cpu%s", fld[2], fld[3]);
	ts_add(c, key, atof(fld[0]), atof(fld[1]), 100.0 - atof(fld[9]));
}

static void row_drops(struct ts_chart *c, char **fld, int n)
{
	char key[112];

	if (n < 6)
		return;
	snprintf(key, sizeof(key), "%s %s at %s", fld[2], fld[3], fld[4]);
	ts_add(c, key, atof(fld[0]), atof(fld[1]), atof(fld[5]));
}

static void ts_draw(FILE *f, struct ts_chart *c, const char *id, const char *title,
		    const char *ylabel)
{
	struct plot p = { .w = W_CHART, .h = H_CHART, .l = 70, .r = 10, .t = 10, .b = 36 };
	double bsec = c->end_s / c->nb, top = 0;

	for (uint32_t i = 0; i < c->nlines; i++)
		for (uint32_t b = 0; b < c->nb; b++) {
			struct ts_line *l = &c->line[i];

			if (c->agg == AGG_MEAN && l->n[b])
				l->v[b] /= l->n[b];
			else if (c->agg == AGG_RATE)
				l->v[b] = bsec > 0 ? l->v[b] / bsec : 0;
			top = fmax(top, l->v[b]);
		}
	p.x0 = 0;
	p.x1 = c->end_s * 1e3;
	p.y0 = 0;
	p.y1 = top;
	nice_range(&p.y0, &p.y1);
	fprintf(f, "<h3>%s</h3>\n", title);
	{
		char extra[64];

		snprintf(extra, sizeof(extra), " data-lines=\"%u\" data-rows=\"%llu\"", c->nlines,
			 (unsigned long long)c->rows);
		svg_open(f, id, &p, extra);
	}
	axes(f, &p, "time, ms", ylabel);
	for (uint32_t i = 0; i < c->nlines; i++) {
		const struct ts_line *l = &c->line[i];
		bool first = true;

		fprintf(f,
			"<path class=\"line\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.2\" "
			"d=\"",
			palette[i % NPAL]);
		for (uint32_t b = 0; b < c->nb; b++) {
			if (c->agg != AGG_RATE && !l->n[b])
				continue;
			fprintf(f, "%c%.1f %.1f", first ? 'M' : 'L', px(&p, (b + 0.5) * bsec * 1e3),
				py(&p, l->v[b]));
			first = false;
		}
		fputs("\"><title>", f);
		esc(f, l->key);
		fputs("</title></path>\n", f);
	}
	fputs("</svg>\n<div class=\"legend\">", f);
	for (uint32_t i = 0; i < c->nlines; i++)
		legend_item(f, i, c->line[i].key);
	fputs("</div>\n", f);
	if (c->omitted)
		fprintf(f, "<p class=\"note\">%u more lines not drawn.</p>\n", c->omitted);
	if (!c->nlines)
		fputs("<p class=\"note\">Nothing in this interval series.</p>\n", f);
}

static int timeseries(FILE *f, const struct world *w, const char *dir, sim_time_t interval,
		      struct sim_error *err)
{
	static const struct {
		const char *file, *id, *title, *ylabel;
		enum ts_agg agg;
		void (*row)(struct ts_chart *c, char **fld, int n);
	} tab[] = {
		{ "ts_packets.csv", "chart-ts-packets", "Packets", "packets/s", AGG_RATE,
		  row_packets },
		{ "ts_queues.csv", "chart-ts-queues", "Queue lengths (largest in each point)",
		  "packets", AGG_MAX, row_queues },
		{ "ts_cpus.csv", "chart-ts-cpus", "CPU busy (100 - idle)", "%", AGG_MEAN,
		  row_cpus },
		{ "ts_drops.csv", "chart-ts-drops", "Drops by reason and stage", "drops/s",
		  AGG_RATE, row_drops },
	};
	uint64_t intervals = (uint64_t)((w->end + interval - 1) / interval);
	char iv[32];

	sim_fmt_time(iv, sizeof(iv), interval);
	fprintf(f, "<h2>Over time (every %s)</h2>\n", iv);
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		struct ts_chart *c = calloc(1, sizeof(*c));

		if (!c)
			return sim_error_set(err, "out of memory for report.html");
		c->agg = tab[i].agg;
		c->nb = intervals < HTML_TS_POINTS ? (uint32_t)(intervals ? intervals : 1)
						   : HTML_TS_POINTS;
		c->end_s = sim_time_sec(w->end);
		if (ts_read(dir, tab[i].file, c, tab[i].row)) {
			ts_free_chart(c);
			free(c);
			return sim_error_set(err, "cannot read '%s/%s': %s", dir, tab[i].file,
					     strerror(errno));
		}
		ts_draw(f, c, tab[i].id, tab[i].title, tab[i].ylabel);
		ts_free_chart(c);
		free(c);
	}
	return 0;
}

/* ---- timeline (Chrome trace-event JSON) ---- */

/* The whole of @path as a string (NUL-terminated), or NULL with @err set. */
static char *read_all(const char *path, struct sim_error *err)
{
	struct stat st;
	char *buf;
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f || fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
		sim_error_set(err, "cannot read the trace '%s': %s", path,
			      f ? "not a regular file" : strerror(errno));
		if (f)
			fclose(f);
		return NULL;
	}
	if ((uint64_t)st.st_size > HTML_TRACE_MAX) {
		fclose(f);
		sim_error_set(err, "the trace '%s' is larger than 256MiB", path);
		return NULL;
	}
	buf = malloc((size_t)st.st_size + 1);
	n = buf ? fread(buf, 1, (size_t)st.st_size, f) : 0;
	fclose(f);
	if (!buf || n != (size_t)st.st_size) {
		free(buf);
		sim_error_set(err, "cannot read the trace '%s'", path);
		return NULL;
	}
	buf[n] = 0;
	return buf;
}

/* The trace's event array, from {"traceEvents": [...]} or a bare array. */
static const cJSON *trace_events(const cJSON *root)
{
	const cJSON *e;

	if (cJSON_IsArray(root))
		return root;
	e = cJSON_GetObjectItemCaseSensitive(root, "traceEvents");
	return cJSON_IsArray(e) ? e : NULL;
}

/* Parse @path: the tree, or NULL with @err set at the line and column of a JSON error. */
static cJSON *trace_load(const char *path, struct sim_error *err)
{
	char *buf = read_all(path, err);
	const char *end = NULL;
	cJSON *root;

	if (!buf)
		return NULL;
	root = cJSON_ParseWithOpts(buf, &end, true);
	if (!root) {
		unsigned line = 1, col = 1;

		for (const char *s = buf; end && s < end; s++, col++)
			if (*s == '\n')
				line++, col = 0;
		sim_error_set(err, "%s:%u:%u: the trace is not valid JSON", path, line, col);
	} else if (!trace_events(root)) {
		sim_error_set(err, "%s:1:1: not a Chrome trace (no \"traceEvents\" array)", path);
		cJSON_Delete(root);
		root = NULL;
	}
	free(buf);
	return root;
}

int html_trace_check(const char *path, struct sim_error *err)
{
	cJSON *t = trace_load(path, err);

	cJSON_Delete(t);
	return t ? 0 : -1;
}

static const char *ph_of(const cJSON *e)
{
	const char *s = jstr(e, "ph");

	return *s ? s : "?";
}

struct tl_row {
	double pid, tid;	     /* the thread */
	char name[64];		     /* thread_name, or "pid/tid" */
	double open[TL_DEPTH];	     /* B timestamps, us */
	const char *oname[TL_DEPTH]; /* their names */
	int depth;		     /* open B events */
};

struct tl_counter {
	char name[96]; /* "name" or "name.key" */
	double last;   /* value before the window */
	bool has_last; /* seen before the window */
	double max;    /* largest value in the window (and last) */
};

struct timeline {
	struct tl_row row[TL_ROWS];	    /* thread rows */
	int nrows;			    /* entries */
	struct tl_counter ctr[TL_COUNTERS]; /* counter tracks */
	int nctrs;			    /* entries */
	double w0, w1;			    /* us: the window */
	double t_min, t_max;		    /* us: the trace's extent */
	unsigned slices, instants, counts;  /* drawn in the window */
};

static int tl_row_of(struct timeline *t, const cJSON *e)
{
	double pid = jdbl(e, "pid"), tid = jdbl(e, "tid");

	for (int i = 0; i < t->nrows; i++)
		if (t->row[i].pid == pid && t->row[i].tid == tid)
			return i;
	if (t->nrows == TL_ROWS)
		return -1;
	t->row[t->nrows].pid = pid;
	t->row[t->nrows].tid = tid;
	snprintf(t->row[t->nrows].name, sizeof(t->row[0].name), "%g/%g", pid, tid);
	return t->nrows++;
}

static int tl_ctr_of(struct timeline *t, const char *name)
{
	for (int i = 0; i < t->nctrs; i++)
		if (!strcmp(t->ctr[i].name, name))
			return i;
	if (t->nctrs == TL_COUNTERS)
		return -1;
	snprintf(t->ctr[t->nctrs].name, sizeof(t->ctr[0].name), "%s", name);
	return t->nctrs++;
}

/* "name", or "name.key" for a counter event with several series. */
static void ctr_name(char *buf, size_t len, const cJSON *e, const cJSON *arg)
{
	const cJSON *args = cJSON_GetObjectItemCaseSensitive(e, "args");

	if (cJSON_GetArraySize(args) > 1)
		snprintf(buf, len, "%s.%s", jstr(e, "name"), arg->string);
	else
		snprintf(buf, len, "%s", jstr(e, "name"));
}

static bool is_drop(const cJSON *e)
{
	const char *n = jstr(e, "name"), *c = jstr(e, "cat");

	return strcasestr(n, "drop") || strcasestr(c, "drop");
}

/* First pass: rows, counters, the extent and the window. */
static void tl_scan(struct timeline *t, const cJSON *ev, const struct html_opts *o)
{
	const cJSON *e;
	double first_drop = NAN;

	t->t_min = INFINITY;
	t->t_max = -INFINITY;
	cJSON_ArrayForEach(e, ev)
	{
		const char *ph = ph_of(e);
		double ts = jdbl(e, "ts"), dur = jdbl(e, "dur");

		if (*ph == 'M') {
			const cJSON *args = cJSON_GetObjectItemCaseSensitive(e, "args");
			int r;

			if (strcmp(jstr(e, "name"), "thread_name") || (r = tl_row_of(t, e)) < 0)
				continue;
			snprintf(t->row[r].name, sizeof(t->row[r].name), "%s", jstr(args, "name"));
			continue;
		}
		if (!cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(e, "ts")))
			continue;
		t->t_min = fmin(t->t_min, ts);
		t->t_max = fmax(t->t_max, ts + (*ph == 'X' ? dur : 0));
		if (*ph == 'X' || *ph == 'B' || *ph == 'E')
			tl_row_of(t, e);
		else if ((*ph == 'i' || *ph == 'I') && is_drop(e) && !(first_drop <= ts))
			first_drop = ts;
		else if (*ph == 'C') {
			const cJSON *a;
			char name[96];

			cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(e, "args"))
			{
				ctr_name(name, sizeof(name), e, a);
				tl_ctr_of(t, name);
			}
		}
	}
	if (!(t->t_max >= t->t_min))
		t->t_min = t->t_max = 0;
	if (o->win_set) {
		t->w0 = sim_time_sec(o->win_start) * 1e6;
		t->w1 = t->w0 + sim_time_sec(o->win_len) * 1e6;
	} else {
		double len = fmin(sim_time_sec(HTML_WINDOW_DEFAULT) * 1e6, t->t_max - t->t_min);

		if (!(len > 0))
			len = 1;
		t->w0 = isnan(first_drop) ? t->t_min : fmax(t->t_min, first_drop - len / 2);
		t->w1 = t->w0 + len;
	}
}

#define TL_ROW_H 18.0  /* px per thread row */
#define TL_CTR_H 34.0  /* px per counter track */
#define TL_LABEL 150.0 /* px: the row labels */

static double tl_x(const struct timeline *t, double ts)
{
	double v = (ts - t->w0) / (t->w1 - t->w0);

	v = fmin(fmax(v, 0), 1);
	return TL_LABEL + v * (W_CHART - TL_LABEL - 10);
}

static const char *name_color(const char *name)
{
	unsigned h = 5381;

	for (const char *s = name; *s && !isdigit((unsigned char)*s); s++)
		h = h * 33 + (unsigned char)*s;
	return palette[h % NPAL];
}

static void tl_slice(FILE *f, struct timeline *t, int r, double ts, double dur, const char *name)
{
	double x0, x1;

	if (ts + dur < t->w0 || ts > t->w1 || t->slices >= TL_SLICES)
		return;
	x0 = tl_x(t, ts);
	x1 = tl_x(t, ts + dur);
	fprintf(f,
		"<rect class=\"slice\" x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" "
		"fill=\"%s\"><title>",
		x0, 20 + TL_ROW_H * r + 2, fmax(x1 - x0, 0.3), TL_ROW_H - 4, name_color(name));
	esc(f, name);
	fprintf(f, " %.3f us at %.3f us</title></rect>\n", dur, ts);
	t->slices++;
}

/* Second pass: the slices and instants of the window. */
static void tl_draw_threads(FILE *f, struct timeline *t, const cJSON *ev)
{
	const cJSON *e;

	cJSON_ArrayForEach(e, ev)
	{
		const char *ph = ph_of(e);
		double ts = jdbl(e, "ts");
		int r;

		if (*ph == 'X') {
			if ((r = tl_row_of(t, e)) >= 0)
				tl_slice(f, t, r, ts, jdbl(e, "dur"), jstr(e, "name"));
		} else if (*ph == 'B') {
			struct tl_row *row;

			if ((r = tl_row_of(t, e)) < 0 || t->row[r].depth == TL_DEPTH)
				continue;
			row = &t->row[r];
			row->open[row->depth] = ts;
			row->oname[row->depth++] = jstr(e, "name");
		} else if (*ph == 'E') {
			struct tl_row *row;

			if ((r = tl_row_of(t, e)) < 0 || !t->row[r].depth)
				continue;
			row = &t->row[r];
			row->depth--;
			tl_slice(f, t, r, row->open[row->depth], ts - row->open[row->depth],
				 row->oname[row->depth]);
		} else if ((*ph == 'i' || *ph == 'I') && ts >= t->w0 && ts <= t->w1) {
			double y0 = 20, y1 = 20 + TL_ROW_H * t->nrows;
			const cJSON *tid = cJSON_GetObjectItemCaseSensitive(e, "tid");

			if (cJSON_IsNumber(tid) && (r = tl_row_of(t, e)) >= 0) {
				y0 = 20 + TL_ROW_H * r;
				y1 = y0 + TL_ROW_H;
			}
			fprintf(f,
				"<line class=\"instant%s\" x1=\"%.2f\" y1=\"%.1f\" x2=\"%.2f\" "
				"y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1\"><title>",
				is_drop(e) ? " drop" : "", tl_x(t, ts), y0, tl_x(t, ts), y1,
				is_drop(e) ? "#d00" : "#555");
			esc(f, jstr(e, "name"));
			fprintf(f, " at %.3f us</title></line>\n", ts);
			t->instants++;
		}
	}
}

/* Third pass, per counter track: its steps in the window. */
static void tl_draw_counter(FILE *f, struct timeline *t, const cJSON *ev, int k, double y)
{
	struct tl_counter *c = &t->ctr[k];
	const cJSON *e, *a;
	char name[96];
	double x = tl_x(t, t->w0), v = 0, scale;
	bool started = false;

	cJSON_ArrayForEach(e, ev)
	{
		double ts = jdbl(e, "ts");

		if (strcmp(ph_of(e), "C") || ts > t->w1)
			continue;
		cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(e, "args"))
		{
			ctr_name(name, sizeof(name), e, a);
			if (strcmp(name, c->name) || !cJSON_IsNumber(a))
				continue;
			if (ts < t->w0) {
				c->last = a->valuedouble;
				c->has_last = true;
			}
			c->max = fmax(c->max, a->valuedouble);
		}
	}
	scale = c->max > 0 ? (TL_CTR_H - 8) / c->max : 0;
	v = c->has_last ? c->last : 0;
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", TL_LABEL - 4,
		y + TL_CTR_H / 2);
	esc(f, c->name);
	fprintf(f,
		" (max %g)</text>\n<path class=\"counter\" fill=\"%s\" fill-opacity=\"0.5\" "
		"stroke=\"%s\" d=\"M%.2f %.1f",
		c->max, palette[k % NPAL], palette[k % NPAL], x, y + TL_CTR_H - 2);
	cJSON_ArrayForEach(e, ev)
	{
		double ts = jdbl(e, "ts");

		if (strcmp(ph_of(e), "C") || ts < t->w0 || ts > t->w1)
			continue;
		cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(e, "args"))
		{
			ctr_name(name, sizeof(name), e, a);
			if (strcmp(name, c->name) || !cJSON_IsNumber(a))
				continue;
			fprintf(f, "L%.2f %.1fL%.2f %.1f", x, y + TL_CTR_H - 2 - v * scale,
				tl_x(t, ts), y + TL_CTR_H - 2 - v * scale);
			x = tl_x(t, ts);
			v = a->valuedouble;
			started = true;
			t->counts++;
		}
	}
	(void)started;
	fprintf(f, "L%.2f %.1fL%.2f %.1fL%.2f %.1fZ\"/>\n", x, y + TL_CTR_H - 2 - v * scale,
		tl_x(t, t->w1), y + TL_CTR_H - 2 - v * scale, tl_x(t, t->w1), y + TL_CTR_H - 2);
}

static int timeline(FILE *f, const struct html_opts *o, struct sim_error *err)
{
	cJSON *root = trace_load(o->trace, err);
	struct timeline *t;
	const cJSON *ev;
	double h, y, st;
	char extra[128];

	if (!root)
		return -1;
	t = calloc(1, sizeof(*t));
	if (!t) {
		cJSON_Delete(root);
		return sim_error_set(err, "out of memory for report.html");
	}
	ev = trace_events(root);
	tl_scan(t, ev, o);
	h = 20 + TL_ROW_H * t->nrows + TL_CTR_H * t->nctrs + 30;
	fputs("<h2>Timeline</h2>\n<p>From the trace <code>", f);
	esc(f, o->trace);
	fprintf(f, "</code>: %.3f us to %.3f us (the trace covers %.3f us to %.3f us).</p>\n",
		t->w0, t->w1, t->t_min, t->t_max);
	fprintf(f,
		"<svg id=\"chart-timeline\" class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" "
		"width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\">\n",
		W_CHART, h, W_CHART, h);
	for (int r = 0; r < t->nrows; r++) {
		fprintf(f,
			"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>",
			TL_LABEL, 20 + TL_ROW_H * r, W_CHART - TL_LABEL - 10, TL_ROW_H,
			r % 2 ? "#fafafa" : "#f0f0f0");
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", TL_LABEL - 4,
			20 + TL_ROW_H * r + 13);
		esc(f, t->row[r].name);
		fputs("</text>\n", f);
	}
	tl_draw_threads(f, t, ev);
	y = 20 + TL_ROW_H * t->nrows;
	for (int k = 0; k < t->nctrs; k++, y += TL_CTR_H)
		tl_draw_counter(f, t, ev, k, y);
	st = nice_step(t->w1 - t->w0, 8);
	fputs("<g class=\"axis\">", f);
	for (double v = ceil(t->w0 / st) * st; v <= t->w1 + st * 1e-6; v += st) {
		char lab[32];

		tick_label(lab, sizeof(lab), v);
		fprintf(f,
			"<line class=\"grid\" x1=\"%.2f\" y1=\"16\" x2=\"%.2f\" y2=\"%.1f\"/>"
			"<text x=\"%.2f\" y=\"12\" text-anchor=\"middle\">%s</text>",
			tl_x(t, v), tl_x(t, v), y, tl_x(t, v), lab);
	}
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">time, us</text></g>\n",
		(TL_LABEL + W_CHART) / 2, y + 20);
	fputs("</svg>\n", f);
	snprintf(extra, sizeof(extra),
		 "<p id=\"timeline-counts\" data-slices=\"%u\" data-instants=\"%u\" "
		 "data-counter-points=\"%u\">",
		 t->slices, t->instants, t->counts);
	fputs(extra, f);
	fprintf(f, "%u slices, %u instants and %u counter values in the window%s.</p>\n", t->slices,
		t->instants, t->counts,
		t->slices >= TL_SLICES ? " (slices beyond the limit not drawn)" : "");
	free(t);
	cJSON_Delete(root);
	return 0;
}

/* ---- the page ---- */

static int html_page(FILE *f, const struct world *w, const cJSON *r, const char *dir,
		     const struct html_opts *o, struct sim_error *err)
{
	page_head(f, r);
	summary(f, r);
	waterfall(f, r);
	latency(f, w, r);
	cpus(f, r);
	if (o->interval && timeseries(f, w, dir, o->interval, err))
		return -1;
	if (o->trace && timeline(f, o, err))
		return -1;
	fputs("<p class=\"note\">Written by skbsim ", f);
	esc(f, jstr(r, "skbsim_version"));
	fputs("; the figures are report.json's (docs/report.md).</p>\n</body></html>\n", f);
	return 0;
}

int html_write(const struct world *w, const char *dir, const struct html_opts *o,
	       struct sim_error *err)
{
	char path[4096];
	cJSON *r;
	FILE *f = NULL;
	int fd, rc;

	snprintf(path, sizeof(path), "%s/%s", dir, HTML_FILE);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
	if (fd >= 0)
		f = fdopen(fd, "w");
	if (!f) {
		if (fd >= 0)
			close(fd);
		return sim_error_set(err, "cannot write '%s': %s", path, strerror(errno));
	}
	r = report_json(w);
	rc = html_page(f, w, r, dir, o, err);
	cJSON_Delete(r);
	if (ferror(f) && !rc)
		rc = sim_error_set(err, "cannot write '%s': %s", path,
				   strerror(errno ? errno : EIO));
	if (fclose(f) && !rc)
		rc = sim_error_set(err, "cannot write '%s': %s", path, strerror(errno));
	return rc;
}
