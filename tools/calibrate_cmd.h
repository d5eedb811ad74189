/*
 * tools/calibrate_cmd.h - `skbsim calibrate`: runs the calibration script.
 */
#ifndef SKBSIM_TOOLS_CALIBRATE_CMD_H
#define SKBSIM_TOOLS_CALIBRATE_CMD_H

/*
 * Execute `python3 calibrate.py ARGS... --skbsim SELF` (argv[0] is
 * "calibrate", as for every command of tools/tools.c). The script is looked up beside this binary's source
 * tree (tools/calibrate.py) and then in the installed data directory
 * (../share/skbsim/calibrate.py from the binary). Returns only on failure,
 * with exit code 1 after printing one message.
 */
int calibrate_cmd(int argc, char **argv);

#endif
