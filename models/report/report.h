/*
 * models/report/report.h - results: the text report, report.json and Linux-format files.
 *
 * Packet counts and drops cover the whole run (they are what a Linux box's
 * counters would show since boot); latency, CPU and queue statistics cover
 * the time after the warm-up. The JSON schema is documented in
 * docs/report.md; nothing in it depends on the wall clock, so the same
 * scenario and seed give byte-identical files.
 *
 * Per host, the files mirror (kernel-facts §10): softnet_stat
 * (/proc/net/softnet_stat), snmp (/proc/net/snmp), netstat
 * (/proc/net/netstat, models/report/proc_netstat.c), net_dev (/proc/net/dev),
 * ethtool_S_<nic> (ethtool -S), ss (ss -u -a -m -n), interrupts
 * (/proc/interrupts) and iptables (iptables -L -v -n -x) when rules exist.
 * Where the tools of this Debian (iproute2 6.1, iptables 1.8.9) print
 * differently from older ones, the files follow them, as measured in
 * tests/kernel-ref/formats/ (tests/formats.sh).
 */
#ifndef MODELS_REPORT_H
#define MODELS_REPORT_H

#include <stdio.h>

#include <cjson/cJSON.h>

#include "sim/error.h"
#include "models/world.h"
#include "models/report/queues.h"

/* struct queue_stat and report_queues(): models/report/queues.h. */

/* The text report. */
void report_text(const struct world *w, FILE *f);
/* The report.json tree; the caller frees it with cJSON_Delete. */
cJSON *report_json(const struct world *w);
/*
 * Write report.json, report.txt and the per-host Linux files into directory
 * @dir (which must exist). 0, or -1 with @err set.
 */
int report_write_files(const struct world *w, const char *dir, struct sim_error *err);

/*
 * Whether report_write_files() may write a file called @name in a host's
 * directory (a subsystem's file or per-device prefix, models/subsys.h): what
 * a results directory may hold besides report.json and report.txt
 * (tools/results.c).
 */
bool report_host_file_known(const char *name);
/*
 * The endings of the other files a run writes at the top of its results
 * directory: captures (taps' `pcap:`, hosts' `drops_pcap:`;
 * models/report/pcap_out.h), the --interval time series (ts_*.csv,
 * models/report/timeseries.h) and report.html (--html, models/report/html.h).
 */
extern const char *const report_top_suffixes[];

#endif
