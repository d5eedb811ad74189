/*
 * sim/units.c - parsing and formatting of quantities with units ("50us", "10Gbit", "256KiB").
 *
 * A quantity is an unsigned decimal number (digits, optional fraction,
 * optional exponent), an optional single space, and a unit from a per-kind
 * table. The number's syntax is checked here before strtod sees a copy of it,
 * so signs, hex, "inf", "nan" and leading blanks never get through.
 */
#include "sim/units.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NUM_MAX 64 /* bytes of the longest number accepted, characters */

struct unit {
	const char *name; /* suffix exactly as written */
	double mult;	  /* value of 1 unit in the base unit (ps, bytes, bit/s, ...) */
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* "us" may also be written with U+00B5 MICRO SIGN or U+03BC GREEK SMALL LETTER MU (UTF-8). */
static const struct unit time_units[] = {
	{ "ps", 1 },	      { "ns", 1e3 }, { "us", 1e6 }, { "\xc2\xb5s", 1e6 },
	{ "\xce\xbcs", 1e6 }, { "ms", 1e9 }, { "s", 1e12 },
};

static const struct unit size_units[] = {
	{ "B", 1 },
	{ "KB", 1e3 },
	{ "MB", 1e6 },
	{ "GB", 1e9 },
	{ "KiB", 1024.0 },
	{ "MiB", 1024.0 * 1024 },
	{ "GiB", 1024.0 * 1024 * 1024 },
};

static const struct unit bitrate_units[] = {
	{ "bit", 1 },	 { "kbit", 1e3 },  { "Kbit", 1e3 }, { "Mbit", 1e6 },
	{ "Gbit", 1e9 }, { "Tbit", 1e12 }, { "bps", 1 },    { "kbps", 1e3 },
	{ "Kbps", 1e3 }, { "Mbps", 1e6 },  { "Gbps", 1e9 }, { "Tbps", 1e12 },
};

static const struct unit pktrate_units[] = {
	{ "pps", 1 }, { "kpps", 1e3 }, { "Kpps", 1e3 }, { "Mpps", 1e6 }, { "Gpps", 1e9 },
};

static const struct unit freq_units[] = {
	{ "Hz", 1 },
	{ "kHz", 1e3 },
	{ "MHz", 1e6 },
	{ "GHz", 1e9 },
};

static const struct unit fraction_units[] = {
	{ "%", 0.01 },
};

/* Length of the digit run at @s. */
static size_t digits(const char *s)
{
	size_t n = 0;

	while (isdigit((unsigned char)s[n]))
		n++;
	return n;
}

/*
 * Parse the unsigned decimal number at the start of @s into @v and point @rest
 * past it. -1 when there is no number, or it does not fit a finite double.
 */
static int parse_number(const char *s, double *v, const char **rest)
{
	char buf[NUM_MAX + 1], *end;
	size_t ip = digits(s), fp = 0, n = ip;

	if (s[n] == '.') {
		fp = digits(s + n + 1);
		n += 1 + fp;
	}
	if (ip + fp == 0)
		return -1; /* no mantissa digits */
	if (s[n] == 'e' || s[n] == 'E') {
		size_t sign = s[n + 1] == '+' || s[n + 1] == '-';
		size_t ed = digits(s + n + 1 + sign);

		if (ed)
			n += 1 + sign + ed;
	}
	if (n > NUM_MAX)
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	errno = 0;
	*v = strtod(buf, &end);
	if (end != buf + n || errno == ERANGE || !isfinite(*v))
		return -1;
	*rest = s + n;
	return 0;
}

/*
 * Parse "<number>[ ]<unit>" with @unit from @tab, or a bare number (then
 * *bare is set and the value is the number itself). The result is finite and
 * not negative.
 */
static int parse_units(const char *s, const struct unit *tab, size_t n, double *out, bool *bare)
{
	const char *rest;
	double v;

	if (!s || parse_number(s, &v, &rest) < 0)
		return -1;
	*bare = *rest == '\0';
	if (*bare) {
		*out = v;
		return 0;
	}
	if (*rest == ' ')
		rest++;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(rest, tab[i].name) == 0) {
			v *= tab[i].mult;
			if (!isfinite(v))
				return -1;
			*out = v;
			return 0;
		}
	}
	return -1;
}

int sim_parse_time(const char *s, sim_time_t *out)
{
	double v;
	bool bare;

	if (parse_units(s, time_units, ARRAY_SIZE(time_units), &v, &bare) < 0)
		return -1;
	if (bare && v != 0)
		return -1; /* a time needs a unit, except zero */
	v = round(v);	   /* halves away from zero */
	if (v >= 0x1p63)
		return -1;
	*out = (sim_time_t)v;
	return 0;
}

int sim_parse_size(const char *s, uint64_t *out)
{
	double v, r;
	bool bare;

	if (parse_units(s, size_units, ARRAY_SIZE(size_units), &v, &bare) < 0)
		return -1;
	/* Integral, allowing for the rounding of decimal fractions ("1.1KB"). */
	r = nearbyint(v);
	if (fabs(v - r) > 4 * DBL_EPSILON * v || r >= 0x1p64)
		return -1;
	*out = (uint64_t)r;
	return 0;
}

/* A rate or frequency: a unit is required. */
static int parse_rate(const char *s, const struct unit *tab, size_t n, double *out)
{
	double v;
	bool bare;

	if (parse_units(s, tab, n, &v, &bare) < 0 || bare)
		return -1;
	*out = v;
	return 0;
}

int sim_parse_bitrate(const char *s, double *out)
{
	return parse_rate(s, bitrate_units, ARRAY_SIZE(bitrate_units), out);
}

int sim_parse_pktrate(const char *s, double *out)
{
	return parse_rate(s, pktrate_units, ARRAY_SIZE(pktrate_units), out);
}

int sim_parse_freq(const char *s, double *out)
{
	return parse_rate(s, freq_units, ARRAY_SIZE(freq_units), out);
}

int sim_parse_fraction(const char *s, double *out)
{
	double v;
	bool bare;

	if (parse_units(s, fraction_units, ARRAY_SIZE(fraction_units), &v, &bare) < 0 || v > 1)
		return -1;
	*out = v;
	return 0;
}

/* Print @v with up to three decimals, trailing zeros and point dropped, then @unit. */
static void fmt_trimmed(char *buf, unsigned len, bool neg, double v, const char *unit)
{
	char num[400];
	size_t n;

	snprintf(num, sizeof(num), "%.3f", v);
	n = strlen(num);
	if (strchr(num, '.')) {
		while (n && num[n - 1] == '0')
			num[--n] = '\0';
		if (n && num[n - 1] == '.')
			num[--n] = '\0';
	}
	snprintf(buf, len, "%s%s%s", neg ? "-" : "", num, unit);
}

/*
 * Format @v in the largest unit of @tab (sorted by decreasing mult, last one
 * the base unit) in which it reads as at least 1 after rounding.
 */
static void fmt_scaled(char *buf, unsigned len, double v, const struct unit *tab, size_t n)
{
	bool neg = v < 0;
	double a = fabs(v);
	size_t i;

	if (!len)
		return;
	if (!isfinite(v)) {
		snprintf(buf, len, "%g%s", v, tab[n - 1].name);
		return;
	}
	for (i = 0; i + 1 < n; i++) {
		if (nearbyint(a / tab[i].mult * 1000) >= 1000)
			break;
	}
	fmt_trimmed(buf, len, neg, a / tab[i].mult, tab[i].name);
}

void sim_fmt_time(char *buf, unsigned len, sim_time_t t)
{
	static const struct unit units[] = {
		{ "s", 1e12 }, { "ms", 1e9 }, { "us", 1e6 }, { "ns", 1e3 }, { "ps", 1 },
	};

	if (!len)
		return;
	if (t == 0)
		snprintf(buf, len, "0s");
	else if (t == SIM_NEVER)
		snprintf(buf, len, "never");
	else
		fmt_scaled(buf, len, (double)t, units, ARRAY_SIZE(units));
}

void sim_fmt_size(char *buf, unsigned len, uint64_t bytes)
{
	static const struct unit units[] = {
		{ "TiB", 0x1p40 }, { "GiB", 0x1p30 }, { "MiB", 0x1p20 },
		{ "KiB", 0x1p10 }, { "B", 1 },
	};
	static const unsigned shift[] = { 40, 30, 20, 10, 0 };

	if (!len)
		return;
	/* Exact in the largest binary unit that divides it, when that stays short. */
	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		uint64_t u = 1ull << shift[i];

		if (bytes >= u && bytes % u == 0 && bytes / u < 10000) {
			snprintf(buf, len, "%llu%s", (unsigned long long)(bytes / u),
				 units[i].name);
			return;
		}
	}
	if (bytes < 10000) {
		snprintf(buf, len, "%lluB", (unsigned long long)bytes);
		return;
	}
	fmt_scaled(buf, len, (double)bytes, units, ARRAY_SIZE(units));
}

void sim_fmt_bitrate(char *buf, unsigned len, double bps)
{
	static const struct unit units[] = {
		{ "Tbit", 1e12 }, { "Gbit", 1e9 }, { "Mbit", 1e6 }, { "kbit", 1e3 }, { "bit", 1 },
	};

	fmt_scaled(buf, len, bps, units, ARRAY_SIZE(units));
}

void sim_fmt_pktrate(char *buf, unsigned len, double pps)
{
	static const struct unit units[] = {
		{ "Gpps", 1e9 },
		{ "Mpps", 1e6 },
		{ "kpps", 1e3 },
		{ "pps", 1 },
	};

	fmt_scaled(buf, len, pps, units, ARRAY_SIZE(units));
}
