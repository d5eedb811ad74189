/*
 * models/lib/dist_cfg.c - reading distributions from scenarios (see dist_cfg.h).
 */
#include <string.h>

#include "models/lib/dist_cfg.h"

enum dist_unit {
	DIST_TIME,
	DIST_SIZE,
};

static const char *const dist_names[] = {
	"constant", "uniform", "exponential", "normal", "lognormal", "pareto", "empirical", NULL,
};

struct dist_limits {
	enum dist_unit unit; /* how values are written */
	uint64_t min, max;   /* sizes: allowed range */
};

/* One parameter @key of mapping @n in the distribution's unit, as a double. */
static int dist_param(const struct cfg_node *n, const char *key, const struct dist_limits *l,
		      double *out, struct sim_error *err)
{
	if (cfg_require(n, key, "distribution", err))
		return -1;
	if (l->unit == DIST_TIME) {
		sim_time_t t;

		if (cfg_get_time(n, key, &t, 0, 0, 1000 * SIM_SEC, err))
			return -1;
		*out = (double)t;
	} else {
		uint64_t v;

		if (cfg_get_size(n, key, &v, 0, l->min, l->max, err))
			return -1;
		*out = (double)v;
	}
	return 0;
}

static int dist_value_node(const struct cfg_node *v, const struct dist_limits *l, double *out,
			   struct sim_error *err)
{
	if (l->unit == DIST_TIME) {
		sim_time_t t;

		if (cfg_node_time(v, "values", &t, 0, 1000 * SIM_SEC, err))
			return -1;
		*out = (double)t;
		return 0;
	}
	{
		uint64_t s;

		if (cfg_node_size(v, "values", &s, l->min, l->max, err))
			return -1;
		*out = (double)s;
	}
	return 0;
}

static int dist_empirical(const struct cfg_node *n, const struct dist_limits *l, struct sim_dist *d,
			  struct sim_error *err)
{
	const struct cfg_node *vals, *ws;
	double v[SIM_DIST_MAX_POINTS], w[SIM_DIST_MAX_POINTS];

	if (cfg_require(n, "values", "empirical distribution", err) ||
	    cfg_get_seq(n, "values", &vals, err) || cfg_get_seq(n, "weights", &ws, err))
		return -1;
	if (vals->n < 1 || vals->n > SIM_DIST_MAX_POINTS)
		return cfg_error(vals, err, "'values' must have 1 to %d entries",
				 SIM_DIST_MAX_POINTS);
	if (ws && ws->n != vals->n)
		return cfg_error(ws, err, "'weights' must have one entry per value (%u), got %u",
				 vals->n, ws->n);
	for (uint32_t i = 0; i < vals->n; i++) {
		if (dist_value_node(vals->items[i], l, &v[i], err))
			return -1;
		w[i] = 1;
		if (ws && cfg_node_double(ws->items[i], "weights", &w[i], 1e-12, 1e12, err))
			return -1;
	}
	if (sim_dist_empirical(d, v, w, vals->n))
		return cfg_error(vals, err, "bad empirical distribution");
	return 0;
}

static int dist_mapping(const struct cfg_node *n, const struct dist_limits *l, struct sim_dist *d,
			struct sim_error *err)
{
	double a = 0, b = 0;
	int kind;

	if (cfg_require(n, "dist", "distribution", err) ||
	    cfg_get_enum(n, "dist", dist_names, &kind, 0, err))
		return -1;
	switch ((enum sim_dist_kind)kind) {
	case SIM_DIST_CONSTANT:
		if (dist_param(n, "value", l, &a, err))
			return -1;
		sim_dist_constant(d, a);
		break;
	case SIM_DIST_UNIFORM:
		if (dist_param(n, "min", l, &a, err) || dist_param(n, "max", l, &b, err))
			return -1;
		if (b < a)
			return cfg_error(cfg_get(n, "max"), err, "'max' must not be below 'min'");
		sim_dist_uniform(d, a, b);
		break;
	case SIM_DIST_EXPONENTIAL:
		if (dist_param(n, "mean", l, &a, err))
			return -1;
		sim_dist_exponential(d, a);
		break;
	case SIM_DIST_NORMAL:
	case SIM_DIST_LOGNORMAL:
		if (dist_param(n, "mean", l, &a, err) || dist_param(n, "stddev", l, &b, err))
			return -1;
		if (kind == SIM_DIST_NORMAL)
			sim_dist_normal(d, a, b);
		else if (a <= 0)
			return cfg_error(cfg_get(n, "mean"), err, "'mean' must be positive");
		else
			sim_dist_lognormal(d, a, b);
		break;
	case SIM_DIST_PARETO:
		if (dist_param(n, "scale", l, &a, err) ||
		    cfg_get_double(n, "shape", &b, 1.5, 0.01, 100, err))
			return -1;
		sim_dist_pareto(d, a, b);
		break;
	case SIM_DIST_EMPIRICAL:
		if (dist_empirical(n, l, d, err))
			return -1;
		break;
	}
	return cfg_check_unknown(n, "distribution", err);
}

static void dist_imix(struct sim_dist *d)
{
	static const double v[] = { 64, 594, 1518 }, w[] = { 7, 4, 1 };

	sim_dist_empirical(d, v, w, 3);
}

static int cfg_get_dist(const struct cfg_node *map, const char *key, struct sim_dist *d, double def,
			const struct dist_limits *l, struct sim_error *err)
{
	const struct cfg_node *n = cfg_get(map, key);

	sim_dist_constant(d, def);
	if (!n)
		return 0;
	if (n->type == CFG_MAP)
		return dist_mapping(n, l, d, err);
	if (n->type != CFG_SCALAR)
		return cfg_error(n, err, "'%s' must be a value or a distribution mapping", key);
	if (l->unit == DIST_SIZE && !strcmp(n->str, "imix")) {
		dist_imix(d);
		return 0;
	}
	if (l->unit == DIST_TIME) {
		sim_time_t t;

		if (cfg_get_time(map, key, &t, 0, 0, 1000 * SIM_SEC, err))
			return -1;
		sim_dist_constant(d, (double)t);
		return 0;
	}
	{
		uint64_t s;

		if (cfg_get_size(map, key, &s, 0, l->min, l->max, err))
			return -1;
		sim_dist_constant(d, (double)s);
	}
	return 0;
}

int cfg_get_dist_time(const struct cfg_node *map, const char *key, struct sim_dist *d,
		      sim_time_t def_ps, struct sim_error *err)
{
	struct dist_limits l = { DIST_TIME, 0, 0 };

	return cfg_get_dist(map, key, d, (double)def_ps, &l, err);
}

int cfg_get_dist_size(const struct cfg_node *map, const char *key, struct sim_dist *d, uint64_t def,
		      uint64_t min, uint64_t max, struct sim_error *err)
{
	struct dist_limits l = { DIST_SIZE, min, max };

	return cfg_get_dist(map, key, d, (double)def, &l, err);
}
