/*
 * tools/results.c - the results directory: checks, temporary directory, one-rename commit.
 *
 * See tools/results.h for the rules. renameat2(2) gives the two atomic
 * renames needed (RENAME_NOREPLACE into an absent DIR, RENAME_EXCHANGE with
 * an older result); on a file system without them the fallback is two plain
 * renames, with a short window in which DIR is absent.
 */
#define _GNU_SOURCE
#include "tools/results.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "models/report/report.h"

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Remove @path and everything under it; symlinks are removed, never followed. */
static void rm_tree(const char *path)
{
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* The marker inside directory @dir: a regular file starting "skbsim ". */
static bool has_marker(const char *dir)
{
	char path[PATH_MAX + sizeof(RESULTS_MARKER) + 1], buf[8] = { 0 };
	struct stat st;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, RESULTS_MARKER);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = fstat(fd, &st) || !S_ISREG(st.st_mode) ? -1 : read(fd, buf, 7);
	close(fd);
	return n == 7 && !strcmp(buf, "skbsim ");
}

static bool dir_empty(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	bool empty = true;

	if (!d)
		return false;
	while (empty && (e = readdir(d)))
		empty = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
	closedir(d);
	return empty;
}

/* Files skbsim writes at the top; a host's are its subsystems' (report_host_file_known()). */
static const char *const top_files[] = { RESULTS_MARKER, "report.json", "report.txt", NULL };

/* Whether @name is in the NULL-terminated list @l (or starts with one of its entries). */
static bool in_list(const char *name, const char *const *l, bool prefix)
{
	for (; *l; l++)
		if (prefix ? !strncmp(name, *l, strlen(*l)) : !strcmp(name, *l))
			return true;
	return false;
}

/* Whether @name is a capture file's: a name (not hidden) ending in one of report_top_suffixes[]. */
static bool is_capture(const char *name)
{
	size_t n = strlen(name);

	for (const char *const *l = report_top_suffixes; *l; l++)
		if (n > strlen(*l) && name[0] != '.' && !strcmp(name + n - strlen(*l), *l))
			return true;
	return false;
}

/*
 * Whether entry @name (type from lstat @st) of a result directory is one
 * skbsim writes: @depth 0 is DIR itself (its report files and host
 * directories), 1 a host directory. A symlink may be removed whatever its
 * name (removing it never touches its target).
 */
static bool entry_ours(const char *name, const struct stat *st, int depth)
{
	if (S_ISLNK(st->st_mode))
		return true;
	if (depth == 0 && S_ISDIR(st->st_mode))
		return true;
	if (S_ISDIR(st->st_mode))
		return false;
	if (depth == 0)
		return in_list(name, top_files, false) || is_capture(name);
	return report_host_file_known(name);
}

/* The first entry under @dir that skbsim did not write, into @bad; false when there is none. */
static bool find_foreign(const char *dir, int depth, char *bad, size_t len)
{
	char path[PATH_MAX];
	DIR *d = opendir(dir);
	struct dirent *e;
	struct stat st;
	bool found = false;

	if (!d) {
		snprintf(bad, len, "%s", dir);
		return true;
	}
	while (!found && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= (int)sizeof(path) ||
		    lstat(path, &st) || !entry_ours(e->d_name, &st, depth) ||
		    (depth == 0 && S_ISDIR(st.st_mode) && find_foreign(path, 1, bad, len))) {
			if (!bad[0])
				snprintf(bad, len, "%s", path);
			found = true;
		}
	}
	closedir(d);
	return found;
}

enum results_state results_classify(const char *path, dev_t *dev, ino_t *ino)
{
	struct stat st;

	if (lstat(path, &st))
		return errno == ENOENT ? RESULTS_ABSENT : RESULTS_OTHER;
	*dev = st.st_dev;
	*ino = st.st_ino;
	if (!S_ISDIR(st.st_mode))
		return RESULTS_OTHER;
	if (has_marker(path))
		return RESULTS_OURS;
	return dir_empty(path) ? RESULTS_EMPTY : RESULTS_OTHER;
}

int results_mkdir_p(const char *dir)
{
	char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", dir);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, 0777) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(buf, 0777) && errno != EEXIST ? -1 : 0;
}

/* Split DIR into parent and base; -1 when it names no directory we could replace. */
static int results_split(struct results *r, const char *dir)
{
	size_t len = strlen(dir);
	char *slash;

	if (!len || len >= sizeof(r->dir))
		return -1;
	snprintf(r->dir, sizeof(r->dir), "%s", dir);
	while (len > 1 && r->dir[len - 1] == '/')
		r->dir[--len] = '\0';
	slash = strrchr(r->dir, '/');
	if (snprintf(r->base, sizeof(r->base), "%s", slash ? slash + 1 : r->dir) >=
	    (int)sizeof(r->base))
		return -1;
	if (!slash)
		snprintf(r->parent, sizeof(r->parent), ".");
	else if (slash == r->dir)
		snprintf(r->parent, sizeof(r->parent), "/");
	else
		snprintf(r->parent, sizeof(r->parent), "%.*s", (int)(slash - r->dir), r->dir);
	if (!r->base[0] || !strcmp(r->base, ".") || !strcmp(r->base, "..") ||
	    strlen(r->base) > NAME_MAX - 32)
		return -1;
	return 0;
}

/* The pid in a temporary directory's name ".<base>.tmp-<pid>-XXXXXX", or 0. */
static pid_t tmp_pid(const struct results *r, const char *name)
{
	size_t blen = strlen(r->base);
	char *end;
	long pid;

	if (name[0] != '.' || strncmp(name + 1, r->base, blen) ||
	    strncmp(name + 1 + blen, ".tmp-", 5))
		return 0;
	pid = strtol(name + blen + 6, &end, 10);
	if (pid <= 0 || *end != '-' || strlen(end) != 7)
		return 0;
	return (pid_t)pid;
}

/* Temporary directories left by dead runs into DIR, recognised by name, marker or emptiness. */
static void results_clean_stale(const struct results *r)
{
	DIR *d = opendir(r->parent);
	struct dirent *e;
	char path[PATH_MAX + NAME_MAX + 2];
	struct stat st;

	if (!d)
		return;
	while ((e = readdir(d))) {
		pid_t pid = tmp_pid(r, e->d_name);

		if (!pid || pid == getpid() || !kill(pid, 0) || errno != ESRCH)
			continue;
		snprintf(path, sizeof(path), "%s/%s", r->parent, e->d_name);
		if (lstat(path, &st) || !S_ISDIR(st.st_mode))
			continue;
		if (has_marker(path) || dir_empty(path))
			rm_tree(path);
	}
	closedir(d);
}

static int write_marker(const char *dir, struct sim_error *err)
{
	char path[PATH_MAX + sizeof(RESULTS_MARKER) + 1];
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, RESULTS_MARKER);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
	f = fd < 0 ? NULL : fdopen(fd, "w");
	if (!f) {
		if (fd >= 0)
			close(fd);
		return sim_error_set(err, "cannot create '%s': %s", path, strerror(errno));
	}
	fprintf(f, "skbsim %s\n", SKBSIM_VERSION);
	if (fclose(f))
		return sim_error_set(err, "cannot create '%s': %s", path, strerror(errno));
	return 0;
}

int results_open(struct results *r, const char *dir, bool force, struct sim_error *err)
{
	char bad[PATH_MAX] = "";
	mode_t mask;

	memset(r, 0, sizeof(*r));
	r->force = force;
	if (results_split(r, dir))
		return sim_error_set(err, "'%s' cannot be a results directory", dir);
	r->state = results_classify(r->dir, &r->dev, &r->ino);
	if (r->state == RESULTS_OTHER && !force)
		return sim_error_set(err,
				     "'%s' exists and is not a skbsim result (no %s inside); use "
				     "--force to replace it",
				     r->dir, RESULTS_MARKER);
	if (r->state == RESULTS_OURS && !force && find_foreign(r->dir, 0, bad, sizeof(bad)))
		return sim_error_set(err,
				     "'%s' holds '%s', which skbsim did not write; use --force to "
				     "replace it",
				     r->dir, bad);
	if (results_mkdir_p(r->parent))
		return sim_error_set(err, "cannot create '%s': %s", r->parent, strerror(errno));
	results_clean_stale(r);
	if (snprintf(r->tmp, sizeof(r->tmp), "%s/.%s.tmp-%ld-XXXXXX", r->parent, r->base,
		     (long)getpid()) >= (int)sizeof(r->tmp))
		errno = ENAMETOOLONG;
	else if (mkdtemp(r->tmp))
		errno = 0;
	if (errno) {
		sim_error_set(err, "cannot create '%s': %s", r->tmp, strerror(errno));
		r->tmp[0] = '\0';
		return -1;
	}
	/* mkdtemp() makes it 0700; a result gets the modes mkdir would give it */
	mask = umask(0);
	umask(mask);
	if (chmod(r->tmp, 0777 & ~mask) || write_marker(r->tmp, err)) {
		sim_error_set(err, "cannot create '%s': %s", r->tmp, strerror(errno));
		results_abort(r);
		return -1;
	}
	return 0;
}

/* DIR is still what it was at results_open(), or absent when it was absent. */
static bool results_unchanged(const struct results *r)
{
	dev_t dev = 0;
	ino_t ino = 0;
	enum results_state now = results_classify(r->dir, &dev, &ino);

	if (r->state == RESULTS_ABSENT)
		return now == RESULTS_ABSENT;
	return now != RESULTS_ABSENT && dev == r->dev && ino == r->ino;
}

/* Swap the temporary directory with what is at DIR; the old one is then at r->tmp. */
static int results_swap(struct results *r)
{
	char old[PATH_MAX];

	if (r->state == RESULTS_ABSENT) {
		if (!renameat2(AT_FDCWD, r->tmp, AT_FDCWD, r->dir, RENAME_NOREPLACE))
			return 0;
		if (errno != EINVAL && errno != ENOSYS)
			return -1;
		return rename(r->tmp, r->dir); /* under the lock, DIR checked absent */
	}
	if (!renameat2(AT_FDCWD, r->tmp, AT_FDCWD, r->dir, RENAME_EXCHANGE))
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	/* no exchange on this file system: move the old one aside, then rename */
	if (snprintf(old, sizeof(old), "%s/.%s.tmp-%ld-oldXXX", r->parent, r->base,
		     (long)getpid()) >= (int)sizeof(old) ||
	    rename(r->dir, old))
		return -1;
	if (rename(r->tmp, r->dir)) {
		rename(old, r->dir);
		return -1;
	}
	snprintf(r->tmp, sizeof(r->tmp), "%s", old);
	return 0;
}

/* flock() on the parent directory: commits into one directory take turns. */
static int lock_parent(const struct results *r)
{
	int fd = open(r->parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while (flock(fd, LOCK_EX) && errno == EINTR)
		;
	return fd;
}

int results_commit(struct results *r, struct sim_error *err)
{
	int lock = lock_parent(r), rc = 0;
	char bad[PATH_MAX] = "";

	if (!results_unchanged(r)) {
		rc = sim_error_set(err,
				   "'%s' changed while this run was running (another skbsim "
				   "run?); not replaced",
				   r->dir);
	} else if (r->state == RESULTS_OURS && !r->force &&
		   find_foreign(r->dir, 0, bad, sizeof(bad))) {
		rc = sim_error_set(err,
				   "'%s' holds '%s', which skbsim did not write; use --force to "
				   "replace it",
				   r->dir, bad);
	} else if (results_swap(r)) {
		rc = sim_error_set(err, "cannot replace '%s': %s", r->dir, strerror(errno));
	} else if (r->state == RESULTS_ABSENT) {
		r->tmp[0] = '\0'; /* nothing old to remove */
	}
	if (lock >= 0)
		close(lock);
	results_abort(r); /* the old result, or the uncommitted new one */
	return rc;
}

void results_abort(struct results *r)
{
	if (r->tmp[0])
		rm_tree(r->tmp);
	r->tmp[0] = '\0';
}
