/*
 * models/apps/app_subsys.c - application threads as a subsystem
 * (models/subsys.h): a host's `apps:` (receivers, senders, echo servers,
 * clients), their first events, and what the report shows of them.
 */
#include <stdlib.h>
#include <string.h>

#include "models/apps/app.h"
#include "models/report/report_util.h"
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

/* ---- report ---- */

/* A sender's or echo server's lines: calls, sends, errors, and a client's round trips. */
static void app_text_sender(const struct app *ap, FILE *f)
{
	fprintf(f, "  app %s (cpu %u): %llu calls, %llu sent, %llu blocked on sndbuf, errors",
		ap->name, ap->thread.cpu->id, U(ap->calls), U(ap->sent), U(ap->blocks));
	for (int k = 0; k < APP_ERR_NR; k++)
		if (k < APP_ERR_ALWAYS || ap->errors[k])
			fprintf(f, " %s %llu", app_err_name[k], U(ap->errors[k]));
	fputc('\n', f);
	if (!ap->await_reply)
		return;
	fprintf(f,
		"  app %s: round trip ns p50 %.0f p90 %.0f p99 %.0f max %.0f "
		"(%llu replies after warm-up, %llu timed out)\n",
		ap->name, (double)sim_hist_quantile(&ap->rtt, 0.5) / 1e3,
		(double)sim_hist_quantile(&ap->rtt, 0.9) / 1e3,
		(double)sim_hist_quantile(&ap->rtt, 0.99) / 1e3, (double)ap->rtt.max / 1e3,
		U(ap->rtt.count), U(ap->timeouts));
}

/* A reader's lines: its datagrams' end-to-end latency, then calls and sleeps. */
static void app_text_reader(const struct app *ap, FILE *f)
{
	if (ap->e2e.count)
		fprintf(f,
			"  app %s: end-to-end ns p50 %.0f p99 %.0f max %.0f (%llu datagrams "
			"after warm-up)\n",
			ap->name, (double)sim_hist_quantile(&ap->e2e, 0.5) / 1e3,
			(double)sim_hist_quantile(&ap->e2e, 0.99) / 1e3, (double)ap->e2e.max / 1e3,
			U(ap->e2e.count));
	fprintf(f, "  app %s (cpu %u): %llu calls, %llu datagrams, %llu sleeps\n", ap->name,
		ap->thread.cpu->id, U(ap->calls), U(ap->msgs), U(ap->sleeps));
}

/* Each app's lines in report.txt's host section. */
static void app_subsys_text(const struct host *h, FILE *f)
{
	for (uint32_t a = 0; a < h->napps; a++) {
		const struct app *ap = h->apps[a];

		if (ap->sender || ap->echo)
			app_text_sender(ap, f);
		else
			app_text_reader(ap, f);
	}
}

static cJSON *json_apps(const struct host *h)
{
	cJSON *a = cJSON_CreateArray();

	for (uint32_t i = 0; i < h->napps; i++) {
		const struct app *ap = h->apps[i];
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "name", ap->name);
		cJSON_AddNumberToObject(o, "cpu", ap->thread.cpu->id);
		JNUM(o, ap, calls);
		JNUM(o, ap, msgs);
		JNUM(o, ap, bytes);
		JNUM(o, ap, sleeps);
		cJSON_AddNumberToObject(o, "voluntary_switches", (double)ap->thread.nvcsw);
		cJSON_AddNumberToObject(o, "involuntary_switches", (double)ap->thread.nivcsw);
		if (!ap->sender)
			cJSON_AddItemToObject(o, "latency_ns", report_json_lat(&ap->e2e));
		if (ap->sender || ap->echo) {
			cJSON *e = cJSON_CreateObject();

			JNUM(o, ap, sent);
			JNUM(o, ap, blocks);
			if (ap->await_reply) {
				cJSON_AddItemToObject(o, "rtt_ns", report_json_lat(&ap->rtt));
				JNUM(o, ap, timeouts);
			}
			for (int k = 0; k < APP_ERR_NR; k++)
				cJSON_AddNumberToObject(e, app_err_name[k], (double)ap->errors[k]);
			cJSON_AddItemToObject(o, "errors", e);
		}
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

static void app_subsys_json(const struct host *h, cJSON *o)
{
	cJSON_AddItemToObject(o, "apps", json_apps(h));
}

const struct host_subsys_ops app_subsys = {
	.name = "app",
	.init = app_subsys_init,
	.start = app_subsys_start,
	.release = app_subsys_release,
	.skb_pool_need = app_subsys_skb_pool_need,
	.estimate = app_subsys_estimate,
	.text_rank = 70,
	.text = app_subsys_text,
	.json_rank = 60,
	.json = app_subsys_json,
};
