/*
 * models/profile.c - loading a cost profile (format 1, docs/profiles.md).
 *
 * A profile is read with the scenario's config tree and typed readers, so its
 * errors carry the profile file's positions and the same wording. Every key
 * of cost_keys[] must be present with a value in its unit and a source; a key
 * the table does not have is an error. The built-in profiles are the
 * generated profile_builtins[]; a PATH is read from disk.
 */
#include "models/profile.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "models/costs.h"

#define PROFILE_WHAT 96	  /* bytes of a "cost 'K'" label */
#define PROFILE_PATH 4096 /* bytes of a resolved path */

static const char *const kind_names[] = { "published", "measured", "assumed", "derived", NULL };

/* The keys a source of each kind must give besides `kind`. */
static const char *const kind_needs[][6] = {
	[PROFILE_PUBLISHED] = { "ref", NULL },
	[PROFILE_MEASURED] = { "by", "kernel", "cpu", "date", "residual", NULL },
	[PROFILE_ASSUMED] = { NULL },
	[PROFILE_DERIVED] = { "ref", "note", NULL },
};

/* The free-form strings a source may give. */
static const char *const source_strings[] = { "ref", "machine", "kernel", "note",
					      "by",  "cpu",	"date" };

const char *profile_kind_name(enum profile_source_kind k)
{
	return kind_names[k];
}

bool profile_spec_is_path(const char *spec)
{
	size_t n = strlen(spec);

	return strchr(spec, '/') || (n >= 5 && !strcmp(spec + n - 5, ".yaml"));
}

const struct profile_builtin *profile_builtin_find(const char *name)
{
	for (size_t i = 0; i < profile_builtins_nr; i++)
		if (!strcmp(profile_builtins[i].name, name))
			return &profile_builtins[i];
	return NULL;
}

void profile_release(struct profile *p)
{
	cfg_release(&p->cfg);
	memset(p, 0, sizeof(*p));
}

/* ---- sources ---- */

static int source_map(const struct cfg_node *s, const char *cost, struct sim_error *err)
{
	char what[PROFILE_WHAT], need[PROFILE_WHAT];
	const char *str;
	double residual;
	int kind;

	snprintf(what, sizeof(what), "source of cost '%s'", cost);
	if (cfg_require(s, "kind", what, err) ||
	    cfg_get_enum(s, "kind", kind_names, &kind, PROFILE_ASSUMED, err))
		return -1;
	snprintf(need, sizeof(need), "%s source of cost '%s'", kind_names[kind], cost);
	for (const char *const *k = kind_needs[kind]; *k; k++)
		if (cfg_require(s, *k, need, err))
			return -1;
	for (size_t i = 0; i < sizeof(source_strings) / sizeof(source_strings[0]); i++)
		if (cfg_get_str(s, source_strings[i], &str, NULL, err))
			return -1;
	if (cfg_get_double(s, "residual", &residual, 0, 0, 1e6, err))
		return -1;
	return cfg_check_unknown(s, what, err);
}

/* `source: assumed` or a mapping with a kind. */
static int entry_source(const struct cfg_node *e, const char *cost, struct sim_error *err)
{
	const struct cfg_node *s = cfg_get(e, "source"), *m;

	if (s->type == CFG_SEQ)
		return cfg_get_map(e, "source", &m, err);
	if (s->type == CFG_MAP)
		return source_map(s, cost, err);
	if (!strcmp(s->str, "assumed"))
		return 0;
	return cfg_error(s, err, "'source' of cost '%s' must be 'assumed' or a mapping, got '%s'",
			 cost, s->str);
}

enum profile_source_kind profile_entry_kind(const struct cfg_node *entry)
{
	const struct cfg_node *s = cfg_get(entry, "source");
	const struct cfg_node *k = s && s->type == CFG_MAP ? cfg_get(s, "kind") : NULL;

	for (int i = 0; k && kind_names[i]; i++)
		if (!strcmp(k->str, kind_names[i]))
			return (enum profile_source_kind)i;
	return PROFILE_ASSUMED;
}

/* ---- costs ---- */

/* One `costs:` entry: a mapping of value, unit and source. */
static int profile_entry(struct profile *p, const struct cfg_node *costs, const struct cost_key *k,
			 struct sim_error *err)
{
	const struct cfg_node *e;
	char what[PROFILE_WHAT];
	const char *unit;

	snprintf(what, sizeof(what), "cost '%s'", k->name);
	if (cfg_get_map(costs, k->name, &e, err) || cfg_require(e, "value", what, err) ||
	    cfg_require(e, "unit", what, err) || cfg_require(e, "source", what, err) ||
	    cfg_get_str(e, "unit", &unit, NULL, err))
		return -1;
	if (strcmp(unit, cost_unit_name(k->unit)))
		return cfg_error(cfg_get(e, "unit"), err,
				 "'unit' of cost '%s' must be '%s', got '%s'", k->name,
				 cost_unit_name(k->unit), unit);
	if (cost_key_read(k, &p->costs, e, "value", err) || entry_source(e, k->name, err))
		return -1;
	return cfg_check_unknown(e, what, err);
}

/* A key of @costs that is no cost, reported at the key with the nearest cost name. */
static int profile_unknown_cost(const struct profile *p, const struct cfg_node *costs,
				struct sim_error *err)
{
	const char *names[256];
	const char *near;

	SIM_BUG_ON(cost_keys_nr > sizeof(names) / sizeof(names[0]));
	for (size_t i = 0; i < cost_keys_nr; i++)
		names[i] = cost_keys[i].name;
	for (uint32_t i = 0; i < costs->n; i++) {
		if (costs->used[i])
			continue;
		near = sim_nearest(costs->keys[i], names, cost_keys_nr);
		if (near)
			return sim_error_at(
				err, costs->file, costs->key_line[i], costs->key_col[i],
				"unknown cost '%s' in profile '%s' (did you mean '%s'?)",
				costs->keys[i], p->name, near);
		return sim_error_at(err, costs->file, costs->key_line[i], costs->key_col[i],
				    "unknown cost '%s' in profile '%s'", costs->keys[i], p->name);
	}
	return 0;
}

/* Unknown keys first (a misspelt key is reported as such, not as the key it misses). */
static int profile_costs(struct profile *p, const struct cfg_node *costs, struct sim_error *err)
{
	char what[PROFILE_WHAT];

	for (size_t i = 0; i < cost_keys_nr; i++)
		cfg_has(costs, cost_keys[i].name);
	if (profile_unknown_cost(p, costs, err))
		return -1;
	snprintf(what, sizeof(what), "costs of profile '%s'", p->name);
	for (size_t i = 0; i < cost_keys_nr; i++)
		if (cfg_require(costs, cost_keys[i].name, what, err) ||
		    profile_entry(p, costs, &cost_keys[i], err))
			return -1;
	p->entries = costs;
	return 0;
}

/* ---- the file ---- */

static int profile_machine(struct profile *p, const struct cfg_node *r, struct sim_error *err)
{
	const char *str;

	if (cfg_get_map(r, "machine", &p->machine, err))
		return -1;
	for (uint32_t i = 0; i < p->machine->n; i++)
		if (cfg_get_str(p->machine, p->machine->keys[i], &str, NULL, err))
			return -1;
	return 0;
}

/* A profile name: letters, digits, '-', '_', '.', shorter than PROFILE_NAME_MAX. */
static bool profile_name_ok(const char *name)
{
	size_t n = strlen(name);

	return n && n < PROFILE_NAME_MAX &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") ==
		       n;
}

static int profile_header(struct profile *p, const struct cfg_node *r, const char *want,
			  struct sim_error *err)
{
	char what[PROFILE_WHAT];
	const char *name;
	uint64_t format;

	snprintf(what, sizeof(what), "profile '%s'", want);
	if (cfg_require(r, "format", what, err) ||
	    cfg_get_u64(r, "format", &format, 0, 0, UINT64_MAX, err))
		return -1;
	if (format != PROFILE_FORMAT)
		return cfg_error(cfg_get(r, "format"), err, "'format' must be %d, got '%s'",
				 PROFILE_FORMAT, cfg_get(r, "format")->str);
	if (cfg_require(r, "name", what, err) || cfg_get_str(r, "name", &name, NULL, err))
		return -1;
	if (!profile_name_ok(name))
		return cfg_error(cfg_get(r, "name"), err,
				 "'name' must be letters, digits, '-', '_' or '.', got '%s'", name);
	if (strcmp(name, want))
		return cfg_error(cfg_get(r, "name"), err,
				 "'name' must be the file name '%s', got '%s'", want, name);
	snprintf(p->name, sizeof(p->name), "%s", name);
	if (cfg_require(r, "description", what, err) ||
	    cfg_get_str(r, "description", &p->description, NULL, err) ||
	    cfg_require(r, "machine", what, err) || profile_machine(p, r, err) ||
	    cfg_require(r, "clock", what, err) ||
	    cfg_get_freq(r, "clock", &p->clock_hz, 0, 1e8, 1e11, err))
		return -1;
	return 0;
}

/* Read the loaded tree of @p. */
static int profile_read(struct profile *p, const char *want, struct sim_error *err)
{
	const struct cfg_node *r = p->cfg.root, *costs;
	char what[PROFILE_WHAT];

	snprintf(what, sizeof(what), "profile '%s'", want);
	if (profile_header(p, r, want, err) || cfg_require(r, "costs", what, err) ||
	    cfg_get_map(r, "costs", &costs, err) || profile_costs(p, costs, err) ||
	    cfg_check_unknown(r, what, err)) {
		profile_release(p);
		return -1;
	}
	return 0;
}

int profile_parse(struct profile *p, const char *file, const char *text, const char *want_name,
		  struct sim_error *err)
{
	memset(p, 0, sizeof(*p));
	if (cfg_load_string(&p->cfg, file, text, err)) {
		profile_release(p);
		return -1;
	}
	return profile_read(p, want_name, err);
}

/* ---- by name or path ---- */

static int profile_unknown(const char *spec, const struct cfg_node *at, struct sim_error *err)
{
	const char *names[64], *near;
	char known[SIM_ERROR_MSG / 2] = "", hint[PROFILE_WHAT] = "";
	size_t used = 0;

	SIM_BUG_ON(profile_builtins_nr > sizeof(names) / sizeof(names[0]));
	for (size_t i = 0; i < profile_builtins_nr; i++) {
		names[i] = profile_builtins[i].name;
		used += (size_t)snprintf(known + used, sizeof(known) - used, "%s%s", i ? ", " : "",
					 names[i]);
		SIM_BUG_ON(used >= sizeof(known));
	}
	near = sim_nearest(spec, names, profile_builtins_nr);
	if (near)
		snprintf(hint, sizeof(hint), "did you mean '%s'? ", near);
	if (!at)
		return sim_error_set(err, "unknown profile '%s' (%sknown: %s)", spec, hint, known);
	return cfg_error(at, err, "unknown profile '%s' (%sknown: %s)", spec, hint, known);
}

/* @spec relative to the directory of @base_file. */
static void profile_path(char *buf, size_t len, const char *spec, const char *base_file)
{
	const char *slash = base_file ? strrchr(base_file, '/') : NULL;

	if (spec[0] == '/' || !slash)
		snprintf(buf, len, "%s", spec);
	else
		snprintf(buf, len, "%.*s/%s", (int)(slash - base_file), base_file, spec);
}

/* The name a PATH's profile must have: its file name without ".yaml". */
static void profile_path_name(char *buf, size_t len, const char *path)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	size_t n = strlen(base);

	if (n >= 5 && !strcmp(base + n - 5, ".yaml"))
		n -= 5;
	snprintf(buf, len, "%.*s", (int)n, base);
}

static int profile_load_path(struct profile *p, const char *spec, const char *base_file,
			     const struct cfg_node *at, struct sim_error *err)
{
	char path[PROFILE_PATH], want[PROFILE_PATH];
	struct stat st;
	FILE *f;
	int e = 0;

	memset(p, 0, sizeof(*p));
	profile_path(path, sizeof(path), spec, base_file);
	f = fopen(path, "r");
	if (!f)
		e = errno;
	else if (fstat(fileno(f), &st) || S_ISDIR(st.st_mode))
		e = EISDIR;
	if (f)
		fclose(f);
	if (e && at)
		return cfg_error(at, err, "cannot open profile '%s': %s", path, strerror(e));
	if (e)
		return sim_error_set(err, "cannot open profile '%s': %s", path, strerror(e));
	profile_path_name(want, sizeof(want), path);
	if (cfg_load_file(&p->cfg, path, err)) {
		profile_release(p);
		return -1;
	}
	return profile_read(p, want, err);
}

int profile_load(struct profile *p, const char *spec, const char *base_file,
		 const struct cfg_node *at, struct sim_error *err)
{
	const struct profile_builtin *b;
	char file[PROFILE_NAME_MAX + 16];

	if (profile_spec_is_path(spec))
		return profile_load_path(p, spec, base_file, at, err);
	memset(p, 0, sizeof(*p));
	b = profile_builtin_find(spec);
	if (!b)
		return profile_unknown(spec, at, err);
	snprintf(file, sizeof(file), "profiles/%s.yaml", b->name);
	return profile_parse(p, file, b->text, b->name, err);
}
