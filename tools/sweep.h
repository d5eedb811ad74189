/*
 * tools/sweep.h - a grid of knob values x seeds, its run directories and its CSVs.
 *
 * Layout of a sweep directory DIR:
 *   DIR/sweep.json            the manifest: scenario, its hash, base overrides,
 *                             the varied keys and values, the seeds
 *   DIR/runs/pPPPP-sS/        one `skbsim run` per grid point PPPP and seed S
 *   DIR/sweep.csv             one row per run      (columns: docs/sweep.md)
 *   DIR/summary.csv           one row per grid point, with intervals
 *   DIR/jobs.txt              --emit: one `skbsim run` command line per run
 *   DIR/sweep.sbatch          --emit slurm: a Slurm job-array script
 * Grid points are numbered row-major: the first --vary changes slowest.
 * Seeds are seed0, seed0 + 1, ... (seed0 = 1). The CSVs depend only on the
 * manifest and the run directories, never on the order runs finished in.
 */
#ifndef TOOLS_SWEEP_H
#define TOOLS_SWEEP_H

#include <stdint.h>

#include "sim/error.h"
#include "tools/runner.h"
#include "tools/vary.h"

#define SWEEP_MAX_VARY 8 /* --vary options */

struct sweep {
	struct runner rn;		  /* scenario, base overrides, jobs */
	struct vary vary[SWEEP_MAX_VARY]; /* the knobs */
	uint32_t nvary;			  /* entries in vary[] */
	uint32_t nseeds;		  /* seeds per point */
	uint64_t seed0;			  /* the first seed */
	const char *out;		  /* DIR */
	uint32_t npoints;		  /* product of the vary sizes */
	char *owned[RUNNER_MAX_ARGS];	  /* strings read from a manifest */
	uint32_t nowned;		  /* entries in owned[] */
};

/* The value of knob @k at grid point @point. */
const char *sweep_value(const struct sweep *s, uint32_t point, uint32_t k);
/* Fill @reqs[0..nseeds-1] (and their "KEY=VALUE" texts in @sets) for @point. */
void sweep_point_reqs(const struct sweep *s, uint32_t point, uint32_t nseeds, char **sets,
		      struct run_req *reqs);
/* Build the requests of every run: *reqs and *sets (free with sweep_reqs_free). */
uint32_t sweep_all_reqs(const struct sweep *s, struct run_req **reqs, char ***sets);
void sweep_reqs_free(const struct sweep *s, struct run_req *reqs, char **sets);
/* Every grid point loads and builds (nothing is run). 0, or -1 with @err set. */
int sweep_validate(const struct sweep *s, struct sim_error *err);
int sweep_write_manifest(const struct sweep *s, struct sim_error *err);
/* Read DIR/sweep.json into @s. */
int sweep_load_manifest(struct sweep *s, const char *dir, struct sim_error *err);
/* Write DIR/sweep.csv and DIR/summary.csv from the run directories. */
int sweep_collect(const struct sweep *s, struct sim_error *err);
/* A copy of @str that @s owns (freed by sweep_release). */
char *sweep_own(struct sweep *s, const char *str);
void sweep_release(struct sweep *s);
/* Write @text to @path through a temporary file and a rename. 0, or -1 with @err set. */
int sweep_write_atomic(const char *path, const char *text, struct sim_error *err);

#endif
