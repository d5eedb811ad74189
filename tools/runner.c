/*
 * tools/runner.c - fork/exec of `skbsim run`, J at a time (see runner.h).
 */
#define _XOPEN_SOURCE 700
#include "tools/runner.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tools/result.h"
#include "tools/results.h"

#define MAX_JOBS 256

/* The signal (SIGINT, SIGTERM) that asked the runner to stop, or 0. */
static volatile sig_atomic_t runner_stop;

static void runner_on_signal(int sig)
{
	runner_stop = sig;
}

int runner_init(struct runner *rn, const char *scenario, struct sim_error *err)
{
	FILE *f = fopen(scenario, "rb");
	struct sha256 s;
	uint8_t d[SHA256_DIGEST], buf[65536];
	size_t n;

	rn->scenario = scenario;
	if (rn->jobs < 1)
		rn->jobs = 1;
	if (!rn->what)
		rn->what = "sweep";
	if (!f)
		return sim_error_set(err, "cannot open '%s': %s", scenario, strerror(errno));
	sha256_init(&s);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		sha256_update(&s, buf, n);
	fclose(f);
	sha256_final(&s, d);
	for (int i = 0; i < SHA256_DIGEST; i++)
		snprintf(rn->sha256 + 2 * i, 3, "%02x", d[i]);
	return 0;
}

void runner_add_base(struct runner *rn, const char *option, const char *arg)
{
	SIM_BUG_ON(rn->nbase + 2 > RUNNER_MAX_ARGS);
	rn->base[rn->nbase++] = option;
	rn->base[rn->nbase++] = arg;
}

void runner_overrides(const struct runner *rn, const struct run_req *q, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = 0;
	for (uint32_t i = 0; i + 1 < rn->nbase && n < len; i += 2)
		n += (size_t)snprintf(buf + n, len - n, "%s%s %s", n ? " " : "", rn->base[i],
				      rn->base[i + 1]);
	for (uint32_t i = 0; i < q->nsets && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s--set %s", n ? " " : "", q->sets[i]);
}

bool runner_done(const struct runner *rn, const struct run_req *q)
{
	struct sim_error err = { 0 };
	struct run_result r;
	char want[4096];
	bool same;

	if (result_load(&r, q->dir, &err))
		return false;
	runner_overrides(rn, q, want, sizeof(want));
	same = r.complete && r.seed == q->seed && !strcmp(r.sha256, rn->sha256) &&
	       !strcmp(r.overrides, want);
	result_release(&r);
	return same;
}

struct child {
	pid_t pid;		   /* 0 when the slot is free */
	const struct run_req *req; /* what it runs */
	char errfile[4200];	   /* its stderr */
};

static void child_exec(const struct runner *rn, const struct run_req *q, const char *errfile)
{
	const char *argv[RUNNER_MAX_ARGS + 64];
	char seed[32];
	int n = 0, fd;

	snprintf(seed, sizeof(seed), "%llu", (unsigned long long)q->seed);
	argv[n++] = "skbsim";
	argv[n++] = "run";
	argv[n++] = rn->scenario;
	argv[n++] = "--quiet";
	argv[n++] = "--no-partial"; /* a stopped run leaves nothing: the sweep keeps whole runs */
	argv[n++] = "-o";
	argv[n++] = q->dir;
	argv[n++] = "--seed";
	argv[n++] = seed;
	for (uint32_t i = 0; i < rn->nbase; i++)
		argv[n++] = rn->base[i];
	for (uint32_t i = 0; i < q->nsets && n + 3 < (int)(sizeof(argv) / sizeof(argv[0])); i++) {
		argv[n++] = "--set";
		argv[n++] = q->sets[i];
	}
	argv[n] = NULL;
	fd = open("/dev/null", O_WRONLY);
	if (fd >= 0)
		dup2(fd, 1);
	fd = open(errfile, O_WRONLY | O_CREAT | O_TRUNC, 0666);
	if (fd >= 0)
		dup2(fd, 2);
	execv("/proc/self/exe", (char *const *)argv);
	fprintf(stderr, "cannot run '/proc/self/exe': %s\n", strerror(errno));
	_exit(127);
}

static int child_start(const struct runner *rn, struct child *c, const struct run_req *q,
		       struct sim_error *err)
{
	char parent[4096], *slash;

	snprintf(parent, sizeof(parent), "%s", q->dir);
	slash = strrchr(parent, '/');
	if (slash)
		*slash = 0;
	if (slash && results_mkdir_p(parent))
		return sim_error_set(err, "cannot create '%s': %s", parent, strerror(errno));
	snprintf(c->errfile, sizeof(c->errfile), "%s.stderr", q->dir);
	fflush(NULL);
	c->pid = fork();
	if (c->pid < 0)
		return sim_error_set(err, "cannot fork: %s", strerror(errno));
	if (c->pid == 0)
		child_exec(rn, q, c->errfile);
	c->req = q;
	return 0;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/*
 * After a run died: remove the temporary directory `skbsim run` was writing
 * beside its directory (".<base>.tmp-<pid>-XXXXXX", tools/results.h). A run
 * replaces DIR by one atomic rename, so DIR itself is whole or untouched.
 */
static void child_cleanup(const struct child *c)
{
	char pattern[8400], dir[4096];
	const char *slash = strrchr(c->req->dir, '/');
	glob_t g;

	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - c->req->dir) : 1,
		 slash ? c->req->dir : ".");
	snprintf(pattern, sizeof(pattern), "%s/.%s.tmp-%ld-*", dir, slash ? slash + 1 : c->req->dir,
		 (long)c->pid);
	if (glob(pattern, GLOB_NOSORT, NULL, &g))
		return;
	for (size_t i = 0; i < g.gl_pathc; i++)
		nftw(g.gl_pathv[i], rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	globfree(&g);
}

/* The first line of @path, or "" (into @buf of @len bytes). */
static void first_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	buf[0] = 0;
	if (!f)
		return;
	if (fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = 0;
	fclose(f);
}

/* Ask every running child to stop (each by its pid), once. */
static void children_stop(struct child *kids, int nkids)
{
	for (int i = 0; i < nkids; i++)
		if (kids[i].pid > 0)
			kill(kids[i].pid, SIGTERM);
}

/* Reap one child; its exit code (0 success, 1 for a signal; 0 once the runner is stopping). */
static int child_reap(struct child *kids, int nkids, int *running, struct sim_error *err)
{
	int status, rc = 0;
	pid_t pid = wait(&status);

	if (pid < 0)
		return 0; /* EINTR: the caller looks at runner_stop */
	for (int i = 0; i < nkids; i++) {
		char line[SIM_ERROR_MSG / 2];

		if (kids[i].pid != pid)
			continue;
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			child_cleanup(&kids[i]);
			if (!runner_stop) {
				rc = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
				first_line(kids[i].errfile, line, sizeof(line));
				if (WIFSIGNALED(status))
					snprintf(line, sizeof(line), "killed by signal %d",
						 WTERMSIG(status));
				sim_error_set(err, "run '%s' failed (exit %d): %s",
					      kids[i].req->dir, rc, line);
			}
		}
		unlink(kids[i].errfile);
		kids[i].pid = 0;
		(*running)--;
		return rc;
	}
	return 0;
}

static void progress(const struct runner *rn, uint32_t done, uint32_t n, int running)
{
	if (rn->progress)
		fprintf(stderr, "\r%s: %u/%u runs done (%u reused), %d running ", rn->what, done, n,
			rn->reused, running);
}

/* How many of @reqs have their results (for the interrupted message). */
static uint32_t runner_count_done(const struct runner *rn, const struct run_req *reqs, uint32_t n)
{
	uint32_t c = 0;

	for (uint32_t i = 0; i < n; i++)
		c += runner_done(rn, &reqs[i]);
	return c;
}

static void signals_set(struct sigaction *old_int, struct sigaction *old_term)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = runner_on_signal; /* no SA_RESTART: wait() returns EINTR */
	sigemptyset(&sa.sa_mask);
	runner_stop = 0;
	sigaction(SIGINT, &sa, old_int);
	sigaction(SIGTERM, &sa, old_term);
}

int runner_run(struct runner *rn, const struct run_req *reqs, uint32_t n, struct sim_error *err)
{
	struct child kids[MAX_JOBS] = { { 0 } };
	int jobs = rn->jobs < 1 ? 1 : rn->jobs > MAX_JOBS ? MAX_JOBS : rn->jobs;
	int running = 0, rc = 0;
	uint32_t next = 0, done = 0;
	struct sigaction old_int, old_term;
	bool stopping = false;

	rn->ran = rn->reused = 0;
	signals_set(&old_int, &old_term);
	while ((next < n && !rc && !runner_stop) || running) {
		while (next < n && !rc && !runner_stop && running < jobs) {
			const struct run_req *q = &reqs[next++];
			int slot = 0;

			if (runner_done(rn, q)) {
				rn->reused++;
				done++;
				continue;
			}
			while (kids[slot].pid)
				slot++;
			if (child_start(rn, &kids[slot], q, err)) {
				rc = 3;
				break;
			}
			running++;
			rn->ran++;
		}
		progress(rn, done, n, running);
		if (runner_stop && !stopping) {
			stopping = true;
			children_stop(kids, jobs);
		}
		if (running) {
			int before = running, r = child_reap(kids, jobs, &running, err);

			done += (uint32_t)(before - running);
			if (r && !rc)
				rc = r;
		}
	}
	progress(rn, done, n, running);
	if (rn->progress)
		fputc('\n', stderr);
	if (runner_stop && !rc) {
		rc = RUNNER_EXIT_INTERRUPTED;
		sim_error_set(
			err,
			"interrupted: %u of %u runs complete; the same command resumes the rest",
			runner_count_done(rn, reqs, n), n);
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	return rc;
}
