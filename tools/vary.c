/*
 * tools/vary.c - "--vary KEY=VALUES": lists and ranges of values.
 *
 * A range's kind is found from its start (a plain number, then a size, a
 * time, a packet rate); its end and step are read as the same kind. Values
 * are generated in the kind's base unit (bytes, ps, pps) as doubles and
 * printed back exactly; a range stops at the last value not above its end
 * (with a relative slack of 1e-9 for decimal steps like 0.1).
 */
#include "tools/vary.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/units.h"

struct range_kind {
	const char *name;			      /* "size", in messages */
	int (*parse)(const char *s, double *v);	      /* base units */
	void (*fmt)(char *buf, size_t len, double v); /* exact, re-parseable */
};

struct unit_div {
	const char *name; /* suffix */
	double mult;	  /* base units per unit */
};

/* @v in the largest unit of @tab (largest first) that divides it, else in the last. */
static void fmt_exact(char *buf, size_t len, double v, const struct unit_div *tab, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++) {
		if (v >= tab[i].mult && fmod(v, tab[i].mult) == 0) {
			snprintf(buf, len, "%.15g%s", v / tab[i].mult, tab[i].name);
			return;
		}
	}
	snprintf(buf, len, "%.15g%s", v / tab[n - 1].mult, tab[n - 1].name);
}

static int parse_plain(const char *s, double *v)
{
	char *end;

	if (!*s || strspn(s, "0123456789.eE+-") != strlen(s))
		return -1;
	*v = strtod(s, &end);
	return *end || !isfinite(*v) ? -1 : 0;
}

static void fmt_plain(char *buf, size_t len, double v)
{
	snprintf(buf, len, "%.15g", v);
}

static int parse_size(const char *s, double *v)
{
	uint64_t b;

	if (sim_parse_size(s, &b))
		return -1;
	*v = (double)b;
	return 0;
}

static void fmt_size(char *buf, size_t len, double v)
{
	static const struct unit_div u[] = {
		{ "GiB", 0x1p30 }, { "MiB", 0x1p20 }, { "KiB", 0x1p10 }, { "B", 1 }
	};

	fmt_exact(buf, len, round(v), u, sizeof(u) / sizeof(u[0]));
}

static int parse_time(const char *s, double *v)
{
	sim_time_t t;

	if (sim_parse_time(s, &t))
		return -1;
	*v = (double)t;
	return 0;
}

static void fmt_time(char *buf, size_t len, double v)
{
	static const struct unit_div u[] = {
		{ "s", 1e12 }, { "ms", 1e9 }, { "us", 1e6 }, { "ns", 1e3 }, { "ps", 1 }
	};

	fmt_exact(buf, len, round(v), u, sizeof(u) / sizeof(u[0]));
}

static void fmt_pktrate(char *buf, size_t len, double v)
{
	static const struct unit_div u[] = { { "Mpps", 1e6 }, { "kpps", 1e3 }, { "pps", 1 } };

	fmt_exact(buf, len, v, u, sizeof(u) / sizeof(u[0]));
}

static const struct range_kind kinds[] = {
	{ "number", parse_plain, fmt_plain },
	{ "size", parse_size, fmt_size },
	{ "time", parse_time, fmt_time },
	{ "packet rate", sim_parse_pktrate, fmt_pktrate },
};

static void vary_add(struct vary *v, const char *s, size_t len)
{
	if (v->n == v->cap) {
		v->cap = v->cap ? 2 * v->cap : 16;
		v->values = realloc(v->values, v->cap * sizeof(*v->values));
		SIM_BUG_ON(!v->values);
	}
	v->values[v->n] = strndup(s, len);
	SIM_BUG_ON(!v->values[v->n]);
	v->n++;
}

/* A range "A..B*F" or "A..B+S" in @r (a NUL-terminated copy of the item). */
static int vary_range(struct vary *v, const char *r, struct sim_error *err)
{
	char a[128], b[128], step[128], buf[128];
	const char *dots = strstr(r, ".."), *op = strpbrk(dots + 2, "*+");
	const struct range_kind *k = NULL;
	double va, vb, vs, x;
	uint32_t count = 0;

	if (!op || op == dots + 2 || !op[1] || (size_t)(dots - r) >= sizeof(a) ||
	    (size_t)(op - dots) >= sizeof(b) || strlen(op) >= sizeof(step))
		return sim_error_set(err, "range '%s' needs a step: A..B*FACTOR or A..B+STEP", r);
	snprintf(a, sizeof(a), "%.*s", (int)(dots - r), r);
	snprintf(b, sizeof(b), "%.*s", (int)(op - dots - 2), dots + 2);
	snprintf(step, sizeof(step), "%s", op + 1);
	for (size_t i = 0; !k && i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!kinds[i].parse(a, &va))
			k = &kinds[i];
	if (!k)
		return sim_error_set(
			err, "'%s' in range '%s' is not a number, size, time or packet rate", a, r);
	if (k->parse(b, &vb))
		return sim_error_set(err, "'%s' in range '%s' must be a %s like '%s'", b, r,
				     k->name, a);
	if (*op == '*' && (parse_plain(step, &vs) || vs <= 1))
		return sim_error_set(err,
				     "the factor in range '%s' must be a number above 1, got '%s'",
				     r, step);
	if (*op == '+' && k->parse(step, &vs))
		return sim_error_set(err, "'%s' in range '%s' must be a %s like '%s'", step, r,
				     k->name, a);
	if (*op == '+' && vs <= 0)
		return sim_error_set(err, "the step in range '%s' must be above 0, got '%s'", r,
				     step);
	if (va > vb)
		return sim_error_set(err, "range '%s' is empty: its start is above its end", r);
	for (x = va; x <= vb * (1 + 1e-9); count++) {
		if (count == VARY_MAX_VALUES)
			return sim_error_set(err, "range '%s' has more than %d values", r,
					     VARY_MAX_VALUES);
		k->fmt(buf, sizeof(buf), x);
		vary_add(v, buf, strlen(buf));
		x = *op == '*' ? va * pow(vs, count + 1) : va + vs * (count + 1);
	}
	return 0;
}

/* One item @s (@len bytes): a range or a literal value. */
static int vary_item(struct vary *v, const char *arg, const char *s, size_t len,
		     struct sim_error *err)
{
	char *item;
	int rc = 0;

	if (!len)
		return sim_error_set(err, "empty value in '%s'", arg);
	item = strndup(s, len);
	SIM_BUG_ON(!item);
	if (item[0] != '[' && strstr(item, ".."))
		rc = vary_range(v, item, err);
	else
		vary_add(v, s, len);
	free(item);
	return rc;
}

int vary_parse(struct vary *v, const char *arg, struct sim_error *err)
{
	const char *eq = strchr(arg, '='), *p;
	int depth = 0;

	memset(v, 0, sizeof(*v));
	if (!eq || eq == arg || !eq[1])
		return sim_error_set(err, "expected KEY=VALUES, got '%s'", arg);
	v->key = strndup(arg, (size_t)(eq - arg));
	SIM_BUG_ON(!v->key);
	p = eq + 1;
	for (const char *c = p;; c++) {
		if (*c == '[')
			depth++;
		else if (*c == ']')
			depth--;
		if ((*c == ',' && depth <= 0) || !*c) {
			if (vary_item(v, arg, p, (size_t)(c - p), err))
				return -1;
			p = c + 1;
		}
		if (!*c)
			break;
	}
	return 0;
}

void vary_release(struct vary *v)
{
	for (uint32_t i = 0; i < v->n; i++)
		free(v->values[i]);
	free(v->values);
	free(v->key);
	memset(v, 0, sizeof(*v));
}
