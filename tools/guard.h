/*
 * tools/guard.h - stopping a run early: SIGINT, SIGTERM, --max-wall, --max-memory.
 *
 * The handlers only set flags (guard_stop, which the event loop reads
 * between two events through sim_eventq.stop, and the cause); everything
 * else happens outside them, in guard_check(). SIGINT and SIGTERM are
 * installed with SA_RESETHAND: the first stops the run at the current event
 * and lets skbsim write a partial report, a second one kills the process (its
 * temporary directory is removed by the next run, see tools/results.h).
 * With a limit set, an interval timer (SIGALRM, every GUARD_TICK_MS) stops
 * the loop so that guard_check() can compare wall-clock time and resident
 * memory with the limits; the run then continues where it was, so a limit
 * that is not reached changes nothing in the results.
 */
#ifndef TOOLS_GUARD_H
#define TOOLS_GUARD_H

#include <signal.h>
#include <stdint.h>

#define GUARD_TICK_MS 50

/* Non-zero once a handler ran; the event loop stops before its next event. */
extern volatile sig_atomic_t guard_stop;

/* Install the handlers; @max_wall_s and @max_mem_bytes are 0 when not limited. -1 on failure. */
int guard_install(double max_wall_s, uint64_t max_mem_bytes);

/*
 * After the event loop stopped early: the reason to end the run ("SIGINT",
 * "SIGTERM", "max-wall", "max-memory"), or NULL to continue (a timer tick
 * with every limit respected; guard_stop is cleared then).
 */
const char *guard_check(void);

/* Stop the limit timer (the run is over; the handlers stay installed). */
void guard_disarm(void);

/* Resident memory of this process in bytes (/proc/self/statm), 0 when unknown. */
uint64_t guard_rss(void);

#endif
