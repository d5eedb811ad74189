/*
 * sim/error.h - the bad-input error record.
 *
 * Three kinds of failure are never mixed: drops are results (counted by the
 * models), bugs stop the run (SIM_BUG_ON), and bad input fills one error
 * record and makes the caller return -1. The first error wins; later ones are
 * ignored, so the message names the root cause.
 *
 * Messages follow git's rules: lowercase, no final period, the offending value
 * quoted, the problem first, and a location "file:line:col: " (1-based) in
 * front when the input has one. Control characters in a message (from a
 * quoted value) are written as \xNN, so it is always one printable line.
 */
#ifndef SIM_ERROR_H
#define SIM_ERROR_H

#include <stddef.h>
#include <stdint.h>

#define SIM_ERROR_MSG 1024

struct sim_error {
	int set;		 /* non-zero once an error is recorded */
	int located;		 /* the message starts with a "file:line:col: " position */
	char msg[SIM_ERROR_MSG]; /* the full message, location included */
};

#if defined(__GNUC__)
#define SIM_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define SIM_PRINTF(a, b)
#endif

/* Record "file:line:col: <fmt>" unless an error is already set. Returns -1. */
int sim_error_at(struct sim_error *e, const char *file, uint32_t line, uint32_t col,
		 const char *fmt, ...) SIM_PRINTF(5, 6);
/* Record "<fmt>" unless an error is already set. Returns -1. */
int sim_error_set(struct sim_error *e, const char *fmt, ...) SIM_PRINTF(2, 3);
void sim_error_clear(struct sim_error *e);

/*
 * The candidate nearest to @word by Damerau-Levenshtein distance, or NULL when
 * none is within max(2, strlen(word) / 3) edits. Ties go to the earliest.
 */
const char *sim_nearest(const char *word, const char *const *cands, size_t n);

/* Bugs: abort with file:line and the condition. Always compiled in. */
void sim_bug(const char *file, int line, const char *cond) __attribute__((noreturn));
#define SIM_BUG_ON(cond)                                                                           \
	do {                                                                                       \
		if (__builtin_expect(!!(cond), 0))                                                 \
			sim_bug(__FILE__, __LINE__, #cond);                                        \
	} while (0)

#endif
