/*
 * tools/calibrate_cmd.c - `skbsim calibrate`: hands over to tools/calibrate.py.
 *
 * The measurements (network namespaces, iptables, the kbench C benchmark) and
 * the least-squares fit live in the Python script; this binary only finds it
 * and passes itself as the simulator to fit with, so that the fit and the
 * simulator that later uses the profile cannot disagree.
 */
#define _XOPEN_SOURCE 700
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tools/calibrate_cmd.h"

#define MAX_ARGS 64

/* dir of the running binary (from /proc/self/exe) into buf; 0 on success. */
static int self_dir(char *exe, size_t n, char *dir, size_t dn)
{
	ssize_t len = readlink("/proc/self/exe", exe, n - 1);
	char *slash;

	if (len <= 0)
		return -1;
	exe[len] = '\0';
	snprintf(dir, dn, "%s", exe);
	slash = strrchr(dir, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	return 0;
}

int calibrate_cmd(int argc, char **argv)
{
	static const char *const rel[] = { "/tools/calibrate.py", "/../share/skbsim/calibrate.py" };
	char exe[PATH_MAX], dir[PATH_MAX], script[PATH_MAX + 64];
	char *args[MAX_ARGS + 6];
	int i, n = 0, found = 0;

	if (argc > MAX_ARGS) {
		fprintf(stderr, "skbsim: too many arguments for calibrate\n");
		return 2;
	}
	if (self_dir(exe, sizeof(exe), dir, sizeof(dir))) {
		fprintf(stderr, "skbsim: calibrate needs Linux (/proc/self/exe)\n");
		return 4;
	}
	for (i = 0; i < 2 && !found; i++) {
		snprintf(script, sizeof(script), "%s%s", dir, rel[i]);
		found = access(script, R_OK) == 0;
	}
	if (!found) {
		fprintf(stderr, "skbsim: cannot find calibrate.py (tools/ or share/skbsim/)\n");
		return 1;
	}
	args[n++] = (char *)"python3";
	args[n++] = script;
	for (i = 1; i < argc; i++)
		args[n++] = argv[i];
	args[n++] = (char *)"--skbsim";
	args[n++] = exe;
	args[n] = NULL;
	execvp("python3", args);
	fprintf(stderr, "skbsim: calibrate needs python3 in PATH\n");
	return 1;
}
