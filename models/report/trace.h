/*
 * models/report/trace.h - the CPU timeline (`skbsim run --trace FILE.json`):
 * a Chrome trace-event / Perfetto JSON file of what every CPU ran, the
 * queues' lengths, the drops and the IPIs.
 *
 * Kernel analogue: what `perf sched timehist`, `trace-cmd record -e irq -e
 * napi -e skb` and Perfetto's Linux tracing show of a real box: the
 * irq_handler_entry/exit, softirq_entry/exit (NET_RX, NET_TX), napi:napi_poll
 * (with its work and budget), sched_switch and skb:kfree_skb tracepoints,
 * plus counter tracks like Perfetto's for ring, backlog, socket and qdisc
 * occupancy.
 *
 * The file (format: the Trace Event Format document, "JSON Object Format"):
 *   {"traceEvents": [...], "displayTimeUnit": "ns", "otherData": {...}}
 * - a process per machine (a host with its own CPUs; hosts sharing them with
 *   `machine:` are named with it), a thread (track) per CPU and one named
 *   "hardware" for what no CPU does (a NIC's ring full at DMA);
 * - complete slices ("ph": "X", times in us with ps resolution), nested as
 *   the CPU's levels nest: a thread (an app, ksoftirqd/N, a napi/DEV-ID
 *   kthread with its NAPI polls inside, "context switch") outermost, then "softirq" (handle_softirqs on irq exit), the vector
 *   ("net_rx_action", "net_tx_action"), the NAPI poll ("napi_poll eth0
 *   rx-0", args {"packets": work, "budget": weight}), and "hardirq NAME"
 *   innermost; "cpuidle exit STATE" for an idle state's exit latency;
 *   net_rx_action carries the sum of its polls' packets;
 * - instants ("ph": "i", cat "drop") "drop REASON at STAGE" where each packet
 *   died, with args host, packet id and length;
 * - flows ("ph": "s"/"f", cat "ipi") from the CPU that sent an IPI (RPS,
 *   remote wake-up, reschedule) to the first work the target CPU does after
 *   it arrives;
 * - counters ("ph": "C") "DEV rx-N ring", "backlog cpuN", "socket NAME",
 *   "tap NAME", "qdisc DEV tx-N" (prefixed "HOST/" for a host sharing its
 *   machine's CPUs), sampled every `sample` ps and written when they change.
 *
 * Contract:
 * - The writer is observers only (models/core/observe.h, the CPU observers of
 *   models/kernel/cpu.h) and a sampling event that is not counted in the
 *   run's events, like the time series: a traced run's results are
 *   byte-identical to an untraced one's.
 * - Only [w0, w1] is written: slices are clipped to it, counters sampled in
 *   it. Events are written as they end (not sorted by time, which the format
 *   allows); memory does not grow with the run.
 * - The file is written to a temporary file beside FILE and renamed over FILE
 *   by trace_close(): a failed or interrupted run leaves no FILE. Past
 *   TRACE_MAX_BYTES nothing more is written (the file stays valid) and
 *   trace_close() says when that happened.
 */
#ifndef MODELS_REPORT_TRACE_H
#define MODELS_REPORT_TRACE_H

#include <stdint.h>

#include "sim/error.h"
#include "sim/time.h"
#include "models/world.h"

#define TRACE_MAX_BYTES	     (256ull << 20) /* bytes: as much as report.html reads */
#define TRACE_SAMPLE_MIN     (100 * SIM_NS) /* shortest --trace-sample */
#define TRACE_SAMPLE_MAX     (1 * SIM_SEC)  /* longest --trace-sample */
#define TRACE_SAMPLE_DEFAULT SIM_US	    /* counters every 1 us unless told */

struct trace_opts {
	sim_time_t w0;	    /* ps: window start */
	sim_time_t w1;	    /* ps: window end (SIM_NEVER: the run's end) */
	sim_time_t sample;  /* ps between counter samples */
	uint64_t max_bytes; /* bytes: stop writing past this (TRACE_MAX_BYTES) */
};

struct trace;

/*
 * Create the temporary file beside @path and attach the observers to @w;
 * call after the world is loaded and before world_start(). NULL with @err
 * set when the file cannot be created.
 */
struct trace *trace_open(struct world *w, const char *path, const struct trace_opts *o,
			 struct sim_error *err);
/*
 * End every open slice at the run's end (or the window's), finish the file
 * and rename it to its path; free @t. 0, or -1 with @err set (the temporary
 * file removed). When the size limit was reached, *@full_at is the simulated
 * time it happened, else SIM_NEVER. @t may be NULL.
 */
int trace_close(struct trace *t, sim_time_t *full_at, struct sim_error *err);
/* Remove the temporary file and free @t (a run that failed). @t may be NULL. */
void trace_abort(struct trace *t);

#endif
