/*
 * sim/units.h - quantities written as people write them.
 *
 *   time      "50us", "1.5ms", "2s", "100ns", "250ps", "0"
 *   size      "256KiB", "4MiB", "1GiB" (binary), "64KB", "1.5MB" (decimal),
 *             "1500", "1500B" (bytes)
 *   bitrate   "10Gbit", "100Mbit", "1.5kbit" (tc style, decimal) and
 *             "10Gbps", "100Mbps", "bps" (bits per second)
 *   pktrate   "1.5Mpps", "100kpps" ("Kpps" too), "500pps"
 *   frequency "3GHz", "2.4GHz", "800MHz"
 *   fraction  "5%", "0.05"
 * Unit suffixes are case-sensitive except that k/K are both kilo for rates.
 * A number may have a fraction and an exponent ("1e6pps"); no sign, no
 * spaces (a single space between number and unit is accepted).
 *
 * Each parser returns 0 and stores the value, or -1 and leaves *out untouched.
 */
#ifndef SIM_UNITS_H
#define SIM_UNITS_H

#include <stdint.h>

#include "sim/time.h"

int sim_parse_time(const char *s, sim_time_t *out); /* ps; rounds to nearest ps */
int sim_parse_size(const char *s, uint64_t *out);   /* bytes; must be integral */
int sim_parse_bitrate(const char *s, double *out);  /* bits per second */
int sim_parse_pktrate(const char *s, double *out);  /* packets per second */
int sim_parse_freq(const char *s, double *out);	    /* Hz */
int sim_parse_fraction(const char *s, double *out); /* in [0, 1] */

/* Human-readable forms for reports: "50us", "1.5ms", "10Gbit", "1.5Mpps", "256KiB". */
void sim_fmt_time(char *buf, unsigned len, sim_time_t t);
void sim_fmt_size(char *buf, unsigned len, uint64_t bytes);
void sim_fmt_bitrate(char *buf, unsigned len, double bps);
void sim_fmt_pktrate(char *buf, unsigned len, double pps);

#endif
