/*
 * tools/result.h - one run's figures, read back from its report.json.
 *
 * The sweep, the planner and compare all work from results directories, not
 * from a simulation in memory, so that runs made elsewhere (GNU parallel, a
 * Slurm array) are read the same way. Dynamic columns (drop reasons, CPUs,
 * queues) are name/value lists in report order.
 */
#ifndef TOOLS_RESULT_H
#define TOOLS_RESULT_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/error.h"
#include "tools/stats_ci.h"

struct named {
	char name[96]; /* "SOCKET_RCVBUFF", "rx/cpu1", "rx/socket/srv" */
	double value;  /* count, percent or packets */
};

struct named_list {
	struct named *v; /* entries */
	uint32_t n, cap; /* used, allocated */
};

struct run_result {
	uint64_t seed;			   /* the run's seed */
	bool complete;			   /* false when the report says "complete": false */
	uint64_t offered;		   /* frames that reached a NIC */
	uint64_t delivered;		   /* datagrams read by an application */
	uint64_t dropped;		   /* frames dropped anywhere */
	double lat_p50, lat_p99, lat_p999; /* end-to-end latency percentiles, ns */
	double lat_mean, lat_max;	   /* end-to-end latency mean and maximum, ns */
	uint64_t lat_count;		   /* packets in the latency figures */
	double cpu_max_busy;		   /* the busiest CPU's busy share, percent */
	char cpu_max_name[96];		   /* which CPU ("rx/cpu1") */
	struct named_list reasons;	   /* drops per reason (all hosts), count */
	struct named_list drop_points;	   /* drops per host/stage/function, count */
	struct named_list cpus;		   /* busy percent per "host/cpuN" */
	struct named_list queues;	   /* max length per "host/kind/name", packets */
	struct named_list counters;	   /* every snmp/softnet/device counter, "host/..." */
	struct named_list knobs;	   /* headroom: "KNOB host/where", 1 occupied, 0 unused */
	char sha256[65];		   /* provenance: the scenario's hash */
	char overrides[4096];		   /* provenance: overrides joined by ' ' */
};

/* Read DIR/report.json. 0, or -1 with @err set ("cannot read 'DIR/report.json': ..."). */
int result_load(struct run_result *r, const char *dir, struct sim_error *err);
void result_release(struct run_result *r);

/* The value named @name in @l, or @def when absent. */
double named_get(const struct named_list *l, const char *name, double def);
void named_add(struct named_list *l, const char *name, double value);

/* Per-run figures as functions, for tables of metrics. */
double result_drop_frac(const struct run_result *r); /* dropped / offered (0 if none) */
double result_lat_p50(const struct run_result *r);
double result_lat_p99(const struct run_result *r);
double result_lat_p999(const struct run_result *r);
double result_lat_mean(const struct run_result *r);
double result_cpu_max(const struct run_result *r);

/* The pooled packet counts of one grid point's runs and their drop-fraction intervals. */
struct point_summary {
	uint64_t offered, delivered, dropped; /* sums over the runs */
	double drop_frac;		      /* dropped / offered, pooled */
	struct ci wilson;		      /* Wilson interval of drop_frac */
	struct ci cp;			      /* Clopper-Pearson interval of drop_frac */
};

void point_summarize(const struct run_result *r, uint32_t n, double level,
		     struct point_summary *ps);

#endif
