/*
 * tools/results.h - the results directory: whole or absent, never someone else's data.
 *
 * A run writes into a fresh temporary directory beside DIR, named
 * ".<base>.tmp-<pid>-XXXXXX", which first gets the marker file
 * RESULTS_MARKER ("skbsim <version>\n"). When every file is written the
 * temporary directory takes DIR's place by one rename (renameat2: a plain
 * rename when DIR is absent, an atomic exchange when it holds an older
 * result, which is then removed).
 *
 * Invariants:
 *  - DIR is replaced only when it is absent, an empty directory, or a
 *    directory holding the marker (a previous result) and nothing but what
 *    skbsim writes there (report files, host directories of counter files;
 *    symlinks, which are removed, never followed), unless --force. Anything
 *    else is refused before the run starts, nothing touched: a scenario or
 *    notes a user saved in an old result survive.
 *  - Nothing is ever followed through a symlink: a symlink at DIR is not a
 *    result; an old result is removed without following links inside it.
 *  - Commits into one parent directory are serialised by flock() on it; a
 *    run whose DIR changed since it started (another run committed there)
 *    fails at commit and removes its temporary directory, so two concurrent
 *    runs never mix files.
 *  - Temporary directories of dead processes (crashed or killed runs) with
 *    the marker inside, or empty, are removed by the next run into DIR.
 *
 * Messages (exit code 3 in skbsim), without position:
 *   "'DIR' exists and is not a skbsim result (no .skbsim-result inside); use --force to replace it"
 *   "'DIR' holds 'PATH', which skbsim did not write; use --force to replace it"
 *   "'DIR' changed while this run was running (another skbsim run?); not replaced"
 *   "cannot create 'PATH': <strerror>" / "cannot replace 'DIR': <strerror>"
 */
#ifndef TOOLS_RESULTS_H
#define TOOLS_RESULTS_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "sim/error.h"

#define RESULTS_MARKER ".skbsim-result"

enum results_state {
	RESULTS_ABSENT, /* nothing at DIR */
	RESULTS_EMPTY,	/* an empty directory */
	RESULTS_OURS,	/* a directory with the marker */
	RESULTS_OTHER,	/* anything else (refused without --force) */
};

struct results {
	char dir[PATH_MAX];	  /* DIR, trailing slashes removed */
	char parent[PATH_MAX];	  /* the directory holding DIR ("." when none) */
	char base[NAME_MAX + 1];  /* DIR's last component */
	char tmp[PATH_MAX];	  /* the temporary directory, "" when none */
	enum results_state state; /* what DIR was when the run started */
	dev_t dev;		  /* DIR's device then (when not absent) */
	ino_t ino;		  /* DIR's inode then (when not absent) */
	bool force;		  /* --force: replace whatever DIR is */
};

/*
 * Check DIR, create its parents, remove stale temporary directories and
 * create this run's temporary directory with the marker. -1 with @err set
 * when DIR may not be replaced or a directory cannot be created.
 */
int results_open(struct results *r, const char *dir, bool force, struct sim_error *err);
/* Put the temporary directory in DIR's place (see above). -1 with @err set. */
int results_commit(struct results *r, struct sim_error *err);
/* Remove the temporary directory (a failed or abandoned run). */
void results_abort(struct results *r);

/* mkdir -p @dir: every missing directory on the way (0777 before umask); 0 or -1 (errno). */
int results_mkdir_p(const char *dir);
/* What is at @path: for tests and results_open(). */
enum results_state results_classify(const char *path, dev_t *dev, ino_t *ino);

#endif
