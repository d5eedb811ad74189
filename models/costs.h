/*
 * models/costs.h - the CPU cost table: its keys and units, scenario overrides.
 *
 * The values come from a profile (models/profile.h, docs/profiles.md); a
 * scenario's `costs:` mappings override single keys with plain values. Every
 * field of struct costs is one entry of cost_keys[], so a key added to the
 * COSTS() X-macro in models/world.h is a cycles key of every profile.
 */
#ifndef MODELS_COSTS_H
#define MODELS_COSTS_H

#include <stddef.h>

#include "sim/cfg.h"
#include "models/world.h"

/* What a cost value is; each unit has one name in profiles (`unit:`). */
enum cost_unit {
	COST_CYCLES,	      /* "cycles": an integer count of CPU cycles */
	COST_CYCLES_PER_BYTE, /* "cycles/byte": a number */
	COST_TIME,	      /* "time": a duration like "2us", up to 1 ms */
	COST_QOS_TIME,	      /* "time": a latency limit, up to 2000 s (PM QoS "no limit") */
	COST_FRACTION,	      /* "fraction": a number from 0 to 1 */
	COST_BOOL,	      /* "bool": true or false */
	COST_IDLE_STATES,     /* "states": poll, c1, c6 or a list of idle states */
	COST_LINES,	      /* "lines": a count of cache lines, 0 - 1024 */
	COST_BITRATE,	      /* "bit/s": a bit rate like "640Gbit", stored as bytes/s */
	COST_GOVERNOR,	      /* "governor": the cpuidle governor, menu or haltpoll */
};

/* One key of the cost table. */
struct cost_key {
	const char *name;    /* key in `costs:` and in profiles */
	enum cost_unit unit; /* how the value is written and stored */
	size_t off;	     /* byte offset of the field in struct costs */
};

extern const struct cost_key cost_keys[]; /* every field of struct costs, in order */
extern const size_t cost_keys_nr;	  /* entries in cost_keys[] */

/* The profile name of @u: "cycles", "cycles/byte", "time", "fraction", "bool", "states", ... */
const char *cost_unit_name(enum cost_unit u);
/* The key called @name, or NULL. */
const struct cost_key *cost_key_find(const char *name);

/*
 * Read key @k from mapping @n (a plain value: `udp_rcv: 300`, `ipi_latency:
 * 2us`) into @c when present. @key names the entry in @n (the key's own name,
 * or "value" inside a profile entry).
 */
int cost_key_read(const struct cost_key *k, struct costs *c, const struct cfg_node *n,
		  const char *key, struct sim_error *err);
/* Apply a scenario's `costs:` mapping (may be NULL) over @k. */
int costs_parse(struct costs *k, const struct cfg_node *n, struct sim_error *err);

#endif
