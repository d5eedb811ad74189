/*
 * tools/vary.h - the knobs a sweep or a plan varies: "--vary KEY=VALUES".
 *
 * VALUES is a comma-separated list of items; commas inside brackets belong to
 * the item, so "irq_affinity=[0,1],[0,2]" has two values. An item is either a
 * value written as for --set, or a range:
 *   A..B*F   A, A*F, A*F^2, ... up to B (F a number above 1): 64KiB..16MiB*2
 *   A..B+S   A, A+S, A+2S, ... up to B (S > 0):                100..1000+100
 * A, B and S are plain numbers, sizes (256KiB), times (50us) or packet rates
 * (1Mpps), all of A's kind; generated values are written back exactly in
 * the largest unit that divides them (64KiB, 1MiB, 1500B, 50us, 1500ns).
 * Sizes and times are rounded to whole bytes and picoseconds.
 *
 * Messages (tests/test_vary.c checks them verbatim):
 *   "expected KEY=VALUES, got 'ARG'"
 *   "empty value in 'ARG'"
 *   "range 'R' needs a step: A..B*FACTOR or A..B+STEP"
 *   "'X' in range 'R' is not a number, size, time or packet rate"
 *   "'X' in range 'R' must be a KIND like 'A'"
 *   "the factor in range 'R' must be a number above 1, got 'F'"
 *   "the step in range 'R' must be above 0, got 'S'"
 *   "range 'R' is empty: its start is above its end"
 *   "range 'R' has more than 10000 values"
 */
#ifndef TOOLS_VARY_H
#define TOOLS_VARY_H

#include <stdint.h>

#include "sim/error.h"

#define VARY_MAX_VALUES 10000 /* values in one --vary */

struct vary {
	char *key;     /* the --set path */
	char **values; /* values in order, as --set VALUE texts */
	uint32_t n;    /* entries in values[] */
	uint32_t cap;  /* allocated entries */
};

/* Parse "KEY=VALUES" into @v (zeroed first). 0, or -1 with @err set. */
int vary_parse(struct vary *v, const char *arg, struct sim_error *err);
void vary_release(struct vary *v);

#endif
