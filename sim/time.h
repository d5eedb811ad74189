/*
 * sim/time.h - simulated time.
 *
 * Time is an integer number of picoseconds since the start of the run: a 3 GHz
 * cycle (333 ps) and a 64-byte frame at 100 Gbit/s (6.7 ns) both need sub-ns
 * resolution, and int64 picoseconds still cover 106 days. Nothing in sim/ or
 * models/ reads the wall clock.
 */
#ifndef SIM_TIME_H
#define SIM_TIME_H

#include <stdint.h>

typedef int64_t sim_time_t; /* picoseconds */

#define SIM_PS	  ((sim_time_t)1)
#define SIM_NS	  ((sim_time_t)1000)
#define SIM_US	  ((sim_time_t)1000000)
#define SIM_MS	  ((sim_time_t)1000000000)
#define SIM_SEC	  ((sim_time_t)1000000000000)
#define SIM_NEVER INT64_MAX

/* Seconds as a double, for reports only. */
static inline double sim_time_sec(sim_time_t t)
{
	return (double)t / (double)SIM_SEC;
}

/* Nanoseconds as a double, for reports only. */
static inline double sim_time_ns(sim_time_t t)
{
	return (double)t / (double)SIM_NS;
}

#endif
