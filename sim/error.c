/*
 * sim/error.c - the bad-input error record, "did you mean" suggestions and bug aborts.
 *
 * The first recorded error wins so that the message names the root cause;
 * suggestions use the optimal-string-alignment form of Damerau-Levenshtein
 * distance (adjacent transpositions count as one edit).
 */
#include "sim/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Format @fmt after the @used bytes already in e->msg; the message is truncated to fit. */
static void error_vappend(struct sim_error *e, size_t used, const char *fmt, va_list ap)
	SIM_PRINTF(3, 0);

static void error_vappend(struct sim_error *e, size_t used, const char *fmt, va_list ap)
{
	if (used < sizeof(e->msg))
		vsnprintf(e->msg + used, sizeof(e->msg) - used, fmt, ap);
}

/*
 * Control characters (a quoted value from a binary file, a tab, an escape
 * sequence) are shown as \xNN, so a message is always one printable line and
 * cannot drive the terminal. The message is truncated to fit.
 */
static void error_escape(struct sim_error *e)
{
	char buf[SIM_ERROR_MSG];
	size_t o = 0;

	for (const unsigned char *p = (const unsigned char *)e->msg; *p; p++) {
		int ctl = *p < 0x20 || *p == 0x7f;

		if (o + (ctl ? 4 : 1) >= sizeof(buf))
			break;
		if (ctl)
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "\\x%02x", *p);
		else
			buf[o++] = (char)*p;
	}
	buf[o] = '\0';
	memcpy(e->msg, buf, o + 1);
}

int sim_error_at(struct sim_error *e, const char *file, uint32_t line, uint32_t col,
		 const char *fmt, ...)
{
	va_list ap;
	int n;

	if (e->set)
		return -1;
	n = snprintf(e->msg, sizeof(e->msg), "%s:%u:%u: ", file ? file : "?", (unsigned)line,
		     (unsigned)col);
	va_start(ap, fmt);
	error_vappend(e, n > 0 ? (size_t)n : 0, fmt, ap);
	va_end(ap);
	error_escape(e);
	e->set = 1;
	e->located = 1;
	return -1;
}

int sim_error_set(struct sim_error *e, const char *fmt, ...)
{
	va_list ap;

	if (e->set)
		return -1;
	e->msg[0] = '\0';
	va_start(ap, fmt);
	error_vappend(e, 0, fmt, ap);
	va_end(ap);
	error_escape(e);
	e->set = 1;
	return -1;
}

void sim_error_clear(struct sim_error *e)
{
	e->set = 0;
	e->located = 0;
	e->msg[0] = '\0';
}

static size_t min3(size_t a, size_t b, size_t c)
{
	size_t m = a < b ? a : b;

	return m < c ? m : c;
}

/*
 * Optimal string alignment distance between @a (length @la) and @b (length @lb),
 * using three rows of @lb + 1 cells in @rows. Case-sensitive, byte-wise.
 */
static size_t osa_distance(const char *a, size_t la, const char *b, size_t lb, size_t *rows)
{
	size_t *pp = rows, *p = rows + lb + 1, *c = rows + 2 * (lb + 1), *t;

	for (size_t j = 0; j <= lb; j++)
		p[j] = j;
	for (size_t i = 1; i <= la; i++) {
		c[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1];

			c[j] = min3(p[j] + 1, c[j - 1] + 1, p[j - 1] + cost);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    pp[j - 2] + 1 < c[j])
				c[j] = pp[j - 2] + 1;
		}
		t = pp;
		pp = p;
		p = c;
		c = t;
	}
	return p[lb];
}

const char *sim_nearest(const char *word, const char *const *cands, size_t n)
{
	size_t lw = strlen(word), limit = lw / 3 > 2 ? lw / 3 : 2;
	size_t best_d = limit + 1;
	const char *best = NULL;

	for (size_t i = 0; i < n; i++) {
		size_t lc, d, *rows;

		if (!cands[i])
			continue;
		lc = strlen(cands[i]);
		/* The distance is at least the length difference. */
		if ((lc > lw ? lc - lw : lw - lc) >= best_d)
			continue;
		rows = malloc(3 * (lc + 1) * sizeof(*rows));
		if (!rows)
			return best;
		d = osa_distance(word, lw, cands[i], lc, rows);
		free(rows);
		if (d < best_d) {
			best_d = d;
			best = cands[i];
		}
	}
	return best;
}

void sim_bug(const char *file, int line, const char *cond)
{
	fprintf(stderr, "skbsim: bug at %s:%d: %s\n", file, line, cond);
	fflush(stderr);
	abort();
}
