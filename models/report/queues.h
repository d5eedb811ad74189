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

#endif
