/*
 * sim/cfg.h - the configuration tree: YAML scenarios, --set overrides, typed readers.
 *
 * A scenario is loaded with libyaml into a tree of nodes that keep their
 * source position. Models read it with typed getters that both convert the
 * value (units, ranges, enums) and mark the key as known; after reading a
 * mapping, cfg_check_unknown() reports the first key nobody asked for, with
 * the nearest known key as a suggestion. So the schema is exactly the set of
 * keys the code reads, and cannot drift from it.
 *
 * Invariants:
 *  - Every node has a file name and a 1-based line and column. Nodes created
 *    by --set have file "--set", line = the option's 1-based index among the
 *    --set options and col = the 1-based column in its KEY=VALUE argument.
 *  - Mapping keys are unique (a duplicate is a load error).
 *  - Aliases (*x) are resolved to their anchor's node; merge keys (<<) are
 *    a load error.
 *  - The tree owns all its strings; it lives until cfg_release().
 *
 * Getters take a mapping @map and a @key; a missing key yields @def and
 * returns 0. On a bad value they record an error at the value's position and
 * return -1. Exact message formats (tests check them verbatim):
 *   unknown key:   "unknown key 'K' in WHAT (did you mean 'N'?)"
 *                  "unknown key 'K' in WHAT (known: a, b, c)"
 *   wrong shape:   "'K' must be a mapping" / "a list" / "a scalar"
 *   integer:       "'K' must be an integer, got 'V'"
 *   number:        "'K' must be a number, got 'V'"
 *   boolean:       "'K' must be true or false, got 'V'"
 *   time:          "'K' must be a time like '50us' (units: ps, ns, us, ms, s), got 'V'"
 *   size:          "'K' must be a size like '256KiB' (units: B, KB, KiB, MB, MiB, GB, GiB), got 'V'"
 *   bitrate:       "'K' must be a bit rate like '10Gbit' (units: bit, kbit, Mbit, Gbit, Tbit, bps, Mbps, Gbps), got 'V'"
 *   pktrate:       "'K' must be a packet rate like '1.5Mpps' (units: pps, kpps, Mpps, Gpps), got 'V'"
 *   frequency:     "'K' must be a frequency like '3GHz' (units: Hz, kHz, MHz, GHz), got 'V'"
 *   fraction:      "'K' must be a fraction like '5%' or '0.05', got 'V'"
 *   range:         "'K' must be between MIN and MAX, got 'V'" (MIN/MAX as written by
 *                  the caller's format, e.g. "64 and 4096")
 *   enum:          "'K' must be one of a, b, c, got 'V' (did you mean 'N'?)" (suggestion optional)
 *   required:      "WHAT needs 'K'" (at the mapping's position)
 * and the loader's:
 *   "cannot open 'PATH': <strerror>"   (no position)
 *   "yaml: <libyaml problem>"           (at the problem mark)
 *   "duplicate key 'K'"
 *   "merge keys ('<<') are not supported"
 *   "the top level must be a mapping"
 * and --set's (at "--set:N:C"):
 *   "expected KEY=VALUE, got 'ARG'"
 *   "no key 'SEG' in 'PATH'"            (descending into a scalar; PATH = the segments
 *                                        before SEG joined by '/')
 *   "no item 'SEG' in list 'PATH'"
 *   "'PATH' is a mapping; --set replaces only scalars and lists"
 *   "'PATH' is a list; give a list like '[0, 1]'"
 *   "expected a list like '[0, 1]', got 'VALUE'"  (at the value)
 * A VALUE that starts with '[' is a flow list of scalars, "[0, 1]" or
 * "['a', b]" (no nesting); its items have positions "--set:N:C" too.
 */
#ifndef SIM_CFG_H
#define SIM_CFG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/error.h"
#include "sim/sha256.h"
#include "sim/time.h"

enum cfg_type {
	CFG_SCALAR,
	CFG_MAP,
	CFG_SEQ,
};

struct cfg_node {
	enum cfg_type type;	    /* shape */
	const char *file;	    /* source file name, owned by the cfg */
	uint32_t line, col;	    /* 1-based position of the value */
	char *str;		    /* CFG_SCALAR: the text ("" for null) */
	bool quoted;		    /* CFG_SCALAR: written in quotes */
	uint32_t n;		    /* CFG_MAP/CFG_SEQ: number of entries */
	uint32_t cap;		    /* allocated entries */
	struct cfg_node **items;    /* values (map) or items (seq) */
	char **keys;		    /* CFG_MAP: keys */
	uint32_t *key_line;	    /* CFG_MAP: 1-based key positions */
	uint32_t *key_col;	    /* CFG_MAP: 1-based key positions */
	bool *used;		    /* CFG_MAP: key read by some getter */
	const char **known;	    /* CFG_MAP: distinct keys asked for, for suggestions */
	uint32_t nknown, known_cap; /* CFG_MAP: entries in known[] */
};

struct cfg {
	struct cfg_node *root;	 /* the top-level mapping */
	char *file;		 /* the file name as given */
	char sha256[SHA256_HEX]; /* SHA-256 of the loaded text, hex ("" when none) */
	uint32_t nsets;		 /* --set and --unset options applied so far */
	char **overrides;	 /* "--set KEY=VALUE" / "--unset KEY", in applied order */
	uint32_t noverrides;	 /* entries in overrides[] */
	uint32_t overrides_cap;	 /* allocated entries */
};

/* The largest scenario file read, bytes. */
#define CFG_FILE_MAX (16u << 20)

/* Load and parse a YAML file (a regular file, at most CFG_FILE_MAX). 0, or -1 with @err set. */
int cfg_load_file(struct cfg *c, const char *path, struct sim_error *err);
/* The same from memory; @name is used as the file name in positions. */
int cfg_load_string(struct cfg *c, const char *name, const char *text, struct sim_error *err);
void cfg_release(struct cfg *c);

/*
 * Apply one "--set KEY=VALUE" (VALUE a scalar or a flow list): KEY is a path of mapping keys separated by '/',
 * list items chosen by 0-based index or by the value of their 'name' key.
 * Missing keys in mappings are created: the last as a scalar, a middle one as
 * an empty mapping (so --set costs/ipi_send=0 works without a `costs:` in the
 * file; a misspelt key is then reported as unknown by its reader, at its
 * --set position). The new scalar's position is "--set:N:C" (see above).
 */
int cfg_apply_set(struct cfg *c, const char *assign, struct sim_error *err);

/*
 * Apply one "--unset KEY": remove the mapping key or list item that KEY (a
 * path as for --set) names, so that its reader sees it missing and uses its
 * default. Nothing is created; a missing segment is an error at "--unset:N:C",
 * N counting --set and --unset options together. Messages:
 *   "expected KEY, got 'ARG'"
 *   "no key 'SEG' in 'PATH'" / "no key 'SEG' in scenario"
 *   "no item 'SEG' in list 'PATH'"
 */
int cfg_apply_unset(struct cfg *c, const char *key, struct sim_error *err);

/*
 * Print the tree (the effective scenario, after --set and --unset) as YAML:
 * keys in file order, keys created by --set last, lists of scalars in flow
 * style, quoted scalars single-quoted. Loading the output gives the same tree.
 * 0, or -1 with @err set.
 */
int cfg_dump(const struct cfg *c, FILE *f, struct sim_error *err);

/* Lookups; these mark the key as known (and used when present). */
const struct cfg_node *cfg_get(const struct cfg_node *map, const char *key);
bool cfg_has(const struct cfg_node *map, const char *key);
/* Map/seq shape getters: NULL (and 0) when missing; -1 with error on wrong shape. */
int cfg_get_map(const struct cfg_node *map, const char *key, const struct cfg_node **out,
		struct sim_error *err);
int cfg_get_seq(const struct cfg_node *map, const char *key, const struct cfg_node **out,
		struct sim_error *err);
/* Error "WHAT needs 'K'" at @map when @key is missing. */
int cfg_require(const struct cfg_node *map, const char *key, const char *what,
		struct sim_error *err);

int cfg_get_str(const struct cfg_node *map, const char *key, const char **out, const char *def,
		struct sim_error *err);
/*
 * Names (scenario, host, nic, socket, tap, app, traffic source) are
 * identifiers, never paths: 1 to @maxlen characters from letters, digits,
 * '_', '-' and '.', not starting with '.' or '-' (so never '', '.', '..', a
 * '/' or a hidden file). They name result files and directories.
 */
enum cfg_name_fault {
	CFG_NAME_OK,
	CFG_NAME_EMPTY, /* "'K' must not be empty" */
	CFG_NAME_LONG,	/* "'K' must be at most N characters, got 'V'" */
	CFG_NAME_CHARS, /* "'K' must be letters, digits, '_', '-' or '.', got 'V'" */
	CFG_NAME_START, /* "'K' must not start with '.' or '-', got 'V'" */
};
enum cfg_name_fault cfg_name_check(const char *s, size_t maxlen);
/* A name (see above); a missing key leaves *out NULL. */
int cfg_get_name(const struct cfg_node *map, const char *key, const char **out, size_t maxlen,
		 struct sim_error *err);
int cfg_get_bool(const struct cfg_node *map, const char *key, bool *out, bool def,
		 struct sim_error *err);
int cfg_get_u64(const struct cfg_node *map, const char *key, uint64_t *out, uint64_t def,
		uint64_t min, uint64_t max, struct sim_error *err);
int cfg_get_double(const struct cfg_node *map, const char *key, double *out, double def, double min,
		   double max, struct sim_error *err);
int cfg_get_time(const struct cfg_node *map, const char *key, sim_time_t *out, sim_time_t def,
		 sim_time_t min, sim_time_t max, struct sim_error *err);
int cfg_get_size(const struct cfg_node *map, const char *key, uint64_t *out, uint64_t def,
		 uint64_t min, uint64_t max, struct sim_error *err);
int cfg_get_bitrate(const struct cfg_node *map, const char *key, double *out, double def,
		    double min, double max, struct sim_error *err);
int cfg_get_pktrate(const struct cfg_node *map, const char *key, double *out, double def,
		    double min, double max, struct sim_error *err);
int cfg_get_freq(const struct cfg_node *map, const char *key, double *out, double def, double min,
		 double max, struct sim_error *err);
int cfg_get_fraction(const struct cfg_node *map, const char *key, double *out, double def,
		     struct sim_error *err);
/* @names is NULL-terminated; *out is the index of the match. */
int cfg_get_enum(const struct cfg_node *map, const char *key, const char *const *names, int *out,
		 int def, struct sim_error *err);

/* The same conversions on a node already in hand (a list item); @what names it in messages. */
int cfg_node_u64(const struct cfg_node *n, const char *what, uint64_t *out, uint64_t min,
		 uint64_t max, struct sim_error *err);
int cfg_node_double(const struct cfg_node *n, const char *what, double *out, double min, double max,
		    struct sim_error *err);
int cfg_node_time(const struct cfg_node *n, const char *what, sim_time_t *out, sim_time_t min,
		  sim_time_t max, struct sim_error *err);
int cfg_node_size(const struct cfg_node *n, const char *what, uint64_t *out, uint64_t min,
		  uint64_t max, struct sim_error *err);
int cfg_node_str(const struct cfg_node *n, const char *what, const char **out,
		 struct sim_error *err);

/*
 * Shape checks on a node in hand, e.g. a list item before reading it as a
 * mapping: 0, or -1 with "'WHAT' must be a mapping" / "'WHAT' must be a list".
 * The getters above take a mapping or NULL (read as empty); any other node
 * is a bug (SIM_BUG_ON), so check list items with cfg_node_map() first.
 */
int cfg_node_map(const struct cfg_node *n, const char *what, struct sim_error *err);
int cfg_node_seq(const struct cfg_node *n, const char *what, struct sim_error *err);

/*
 * Loader messages beyond those listed at the top of this file:
 *   "cannot read 'PATH': <strerror>"             (no position)
 *   "cannot read 'PATH': not a regular file"     (a FIFO, a device: never read)
 *   "cannot read 'PATH': larger than 16 MiB"     (CFG_FILE_MAX)
 *   "yaml: found undefined alias 'A'"            (at the alias)
 *   "mapping keys must be scalars"               (at the key)
 *   "only one YAML document is supported"        (at the second document)
 *   "nesting is deeper than 256 levels"          (at the node)
 *   "more than 1048576 nodes (aliases expanded)" (at the node)
 */

/* Report the first key of @map that no getter asked for. @what: "host 'rx'", "nic 'eth0'", ... */
int cfg_check_unknown(const struct cfg_node *map, const char *what, struct sim_error *err);

/* Record an error at a node's position. Returns -1. */
int cfg_error(const struct cfg_node *n, struct sim_error *err, const char *fmt, ...)
	SIM_PRINTF(3, 4);

#endif
