/*
 * models/profile.h - cost profiles: a versioned table of every cost with its provenance.
 *
 * A profile is a YAML file (docs/profiles.md has the format): `format: 1`, a
 * `name` equal to the file name, a `description`, the `machine` the figures
 * were taken on, the default `clock` of a host using it, and under `costs:`
 * every key of cost_keys[] with its value, unit and source. The profiles of
 * profiles/NAME.yaml are compiled into the binary (profile_builtins[], generated
 * at build time by tools/embed-profiles.sh); a PATH names a file on disk.
 *
 * Invariants: a loaded profile has every cost key, each with a source; a
 * profile that does not load leaves one located error and nothing else.
 *
 * Messages (positions in the profile file unless said otherwise):
 *   "unknown profile 'N' (did you mean 'M'? known: a, b, c)"  (at the scenario's value;
 *                                                              suggestion optional)
 *   "cannot open profile 'PATH': <strerror>"                  (at the scenario's value)
 *   "'format' must be 1, got 'V'"
 *   "'name' must be letters, digits, '-', '_' or '.', got 'V'"
 *   "'name' must be the file name 'F', got 'V'"
 *   "profile 'F' needs 'K'"                                   (format, name, description,
 *                                                              machine, clock, costs)
 *   "unknown cost 'K' in profile 'F' (did you mean 'M'?)"      (suggestion optional)
 *   "costs of profile 'F' needs 'K'"                          (a missing cost key)
 *   "cost 'K' needs 'value'" / "needs 'unit'" / "needs 'source'"
 *   "'unit' of cost 'K' must be 'U', got 'V'"
 *   "'source' of cost 'K' must be 'assumed' or a mapping, got 'V'"
 *   "published source of cost 'K' needs 'ref'"               (derived: ref and note;
 *                                                              measured: by, kernel, cpu,
 *                                                              date, residual)
 * and the cfg readers' messages for values, kinds and unknown keys.
 */
#ifndef MODELS_PROFILE_H
#define MODELS_PROFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "sim/cfg.h"
#include "models/world.h"

#define PROFILE_FORMAT	 1	   /* the format version this loader reads */
#define PROFILE_DEFAULT	 "default" /* the profile of a scenario that names none */
#define PROFILE_NAME_MAX 64	   /* bytes of a name, NUL included */

/* A profile compiled into the binary. */
struct profile_builtin {
	const char *name; /* file name without .yaml */
	const char *text; /* the YAML text */
};

extern const struct profile_builtin profile_builtins[]; /* sorted by name */
extern const size_t profile_builtins_nr;		/* entries */

/* Where a value came from (`source: kind:`). */
enum profile_source_kind {
	PROFILE_PUBLISHED, /* a published table or figure */
	PROFILE_MEASURED,  /* measured by skbsim calibrate */
	PROFILE_ASSUMED,   /* no figure: a documented assumption */
	PROFILE_DERIVED,   /* computed from other figures, saying how */
};

/* A loaded profile. It owns its tree; the strings below point into it. */
struct profile {
	struct cfg cfg;			/* the parsed file */
	char name[PROFILE_NAME_MAX];	/* the profile's name */
	const char *description;	/* one paragraph */
	const struct cfg_node *machine; /* mapping of free-form strings */
	double clock_hz;		/* Hz: the default clock of its hosts */
	struct costs costs;		/* every value, in the simulator's units */
	const struct cfg_node *entries; /* the `costs:` mapping (sources, for printing) */
};

/* True when @spec is a PATH (contains '/' or ends in ".yaml"), not a NAME. */
bool profile_spec_is_path(const char *spec);
/* The built-in profile called @name, or NULL. */
const struct profile_builtin *profile_builtin_find(const char *name);

/*
 * Parse profile text @text named @file in messages, whose name must be
 * @want_name. 0, or -1 with @err set (and @p released).
 */
int profile_parse(struct profile *p, const char *file, const char *text, const char *want_name,
		  struct sim_error *err);
/*
 * Load the profile @spec: a built-in NAME or a PATH, relative to the
 * directory of @base_file (NULL: the current directory). @at locates errors
 * about @spec itself (NULL: none).
 */
int profile_load(struct profile *p, const char *spec, const char *base_file,
		 const struct cfg_node *at, struct sim_error *err);
void profile_release(struct profile *p);

/* The source kind of cost entry @entry (a `costs:` value of a loaded profile). */
enum profile_source_kind profile_entry_kind(const struct cfg_node *entry);
/* The name of @k: "published", "measured", "assumed", "derived". */
const char *profile_kind_name(enum profile_source_kind k);

#endif
