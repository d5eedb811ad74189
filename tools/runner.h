/*
 * tools/runner.h - many `skbsim run`s, J at a time, each into its own directory.
 *
 * A run is this same binary (/proc/self/exe) exec'd as
 *   skbsim run SCENARIO --quiet -o DIR --seed SEED [base overrides] [--set KEY=VALUE]...
 * so a sweep's run is exactly what a user would get by typing that command,
 * and each run directory appears atomically (skbsim run writes beside it and
 * renames). A directory whose report.json already records the same scenario
 * hash, seed and overrides is reused, not run again: a sweep that was
 * stopped resumes, and the planner never runs a point twice.
 *
 * On the first failure no further run starts; those running are waited for;
 * the error names the run and carries the first line the run printed on
 * stderr. On SIGINT or SIGTERM no further run starts, the running ones get
 * SIGTERM (each by its pid) and are waited for, and runner_run returns
 * RUNNER_EXIT_INTERRUPTED. Whatever a dead run left beside its directory is
 * removed, so only complete run directories remain, and a run whose report
 * says "complete": false is never reused. A progress line goes to stderr
 * only when it is a terminal.
 */
#ifndef TOOLS_RUNNER_H
#define TOOLS_RUNNER_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/error.h"
#include "sim/sha256.h"

#define RUNNER_MAX_ARGS		512 /* base override arguments ("--set", "K=V", ...) */
#define RUNNER_EXIT_INTERRUPTED 4   /* SIGINT or SIGTERM stopped the runs */

struct runner {
	const char *scenario;		   /* the scenario file */
	char sha256[SHA256_HEX];	   /* its hash, to recognise reusable runs */
	const char *base[RUNNER_MAX_ARGS]; /* "--set", "K=V", "--unset", "K", ... */
	uint32_t nbase;			   /* entries in base[] */
	int jobs;			   /* runs at a time (>= 1) */
	bool progress;			   /* a progress line on stderr (a terminal) */
	const char *what;		   /* "sweep", "plan": the progress line's name */
	uint32_t ran, reused;		   /* counters of the last runner_run */
};

struct run_req {
	char dir[4096];		 /* the run's results directory */
	uint64_t seed;		 /* --seed */
	const char *const *sets; /* "KEY=VALUE" of the grid point */
	uint32_t nsets;		 /* entries in sets[] */
};

/*
 * Set the scenario of @rn (zeroed by the caller; base overrides may already be
 * added) and hash it; jobs default to 1. 0, or -1 with @err set.
 */
int runner_init(struct runner *rn, const char *scenario, struct sim_error *err);
/* Add one base override ("--set", "K=V" or "--unset", "K"). */
void runner_add_base(struct runner *rn, const char *option, const char *arg);
/*
 * Run every request not already done. 0, or the failing run's exit code
 * (1 bad input, 3 output; 1 for a crash), or RUNNER_EXIT_INTERRUPTED, with
 * @err set.
 */
int runner_run(struct runner *rn, const struct run_req *reqs, uint32_t n, struct sim_error *err);
/* The overrides a run of @q records in its report.json, joined by ' '. */
void runner_overrides(const struct runner *rn, const struct run_req *q, char *buf, size_t len);
/* Whether @q's directory already holds that run's results. */
bool runner_done(const struct runner *rn, const struct run_req *q);

#endif
