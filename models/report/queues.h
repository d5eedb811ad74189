/*
 * models/report/queues.h - every queue of a host, in one order, for the
 * views that sample them (the --interval time series, the --trace counter
 * tracks).
 *
 * Kernel analogue: what `ethtool -S` (rings), /proc/net/softnet_stat
 * (backlogs), `ss -u -m` (socket queues) and `tc -s qdisc` (qdiscs) show,
 * read at one instant.
 *
 * Order (report.json's "queues" order, then the qdiscs): each device's
 * queues as its ethtool_ops->report_queues gives them, the backlog of each
 * CPU (a machine's hosts only), each socket and tap, each TX queue's root
 * qdisc.
 */
#ifndef MODELS_REPORT_QUEUES_H
#define MODELS_REPORT_QUEUES_H

#include <stdint.h>

#include "models/world.h"

/* One queue at the instant of the walk; the strings live until the callback returns. */
struct queue_sample {
	const char *kind; /* "ring", "backlog", "socket", "tap", "qdisc", ... */
	const char *name; /* device, "cpu0", socket name */
	int index;	  /* queue index on the device, -1 for none */
	int64_t len;	  /* packets queued now */
};

/* Call @fn for every queue of @h, in the order above. */
void host_queues_walk(const struct host *h, void (*fn)(void *arg, const struct queue_sample *q),
		      void *arg);

/*
 * The report's "Queues" section and report.json's "queues" (the world-level
 * subsystem queues_subsys, models/subsys.h): the same queues without the
 * qdiscs, with Little's-law figures after the warm-up, at most
 * REPORT_MAX_QUEUES of them.
 */
#define REPORT_MAX_QUEUES 4096

/* A queue's Little's-law figures after the warm-up. */
struct queue_stat {
	char host[32];	     /* host name */
	char kind[16];	     /* "rx_ring", "backlog", "socket" */
	char name[48];	     /* "eth0 rx-0", "cpu1", "srv" */
	double mean_len;     /* time-weighted mean length, packets */
	int64_t max_len;     /* maximum length, packets */
	double arrival_rate; /* packets admitted per second */
	double mean_wait_ns; /* mean time spent by packets leaving, ns */
	uint64_t departures; /* packets counted in mean_wait_ns */
};

/* Every queue of the world, in a stable order. Returns the count (at most @max). */
uint32_t report_queues(const struct world *w, struct queue_stat *out, uint32_t max);

#endif
