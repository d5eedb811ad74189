/*
 * tools/tools.h - the commands beyond run and check: profiles, profile (tools/cmd_profile.c),
 * calibrate (tools/calibrate_cmd.c), sweep, plan, compare, collect.
 *
 * tools/skbsim.c looks a command up here by name (tool_find) and hands it
 * argv from the command name on. Each command lives in its own file and
 * returns the CLI's exit codes: 0 success, 1 bad input, 2 usage, 3 results
 * could not be written (4 is left to an interrupted run).
 */
#ifndef TOOLS_TOOLS_H
#define TOOLS_TOOLS_H

enum { TOOL_EXIT_INPUT = 1, TOOL_EXIT_USAGE = 2, TOOL_EXIT_OUTPUT = 3 };

struct tool_cmd {
	const char *name;		    /* "sweep" */
	int (*main)(int argc, char **argv); /* argv[0] is the command name */
};

/* The command named @name, or NULL. */
const struct tool_cmd *tool_find(const char *name);

int sweep_main(int argc, char **argv);
int collect_main(int argc, char **argv);
int plan_main(int argc, char **argv);
int compare_main(int argc, char **argv);

#define TOOL_NAMES "profiles, profile, calibrate, sweep, collect, plan, compare"
#define TOOL_USAGE                                                                                 \
	"       skbsim profiles | profile NAME|PATH\n"                                             \
	"       skbsim calibrate [--quick] [-o PROFILE.yaml] [--name NAME] [--prior NAME|PATH]\n"  \
	"                   [--data CSV] [--save-data CSV]\n"                                      \
	"       skbsim sweep FILE --vary KEY=VALUES... [--seeds N] [-j J] -o DIR\n"                \
	"                   [--set KEY=VALUE]... [--unset KEY]... [--emit parallel|slurm]\n"       \
	"       skbsim collect DIR\n"                                                              \
	"       skbsim plan FILE --vary KEY=RANGE... --target 'METRIC < X [@ 95%]' [-o DIR]\n"     \
	"                   [--largest] [--seeds N] [--max-seeds N] [-j J]\n"                      \
	"       skbsim compare DIR_A DIR_B\n"

#endif
