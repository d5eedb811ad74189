/*
 * tools/cmd_profile.h - `skbsim profiles` and `skbsim profile NAME|PATH`.
 */
#ifndef TOOLS_CMD_PROFILE_H
#define TOOLS_CMD_PROFILE_H

/*
 * `skbsim profiles`: the built-in profiles, one a line: name, clock and the
 * first sentence of the description. @argv[0] is "profiles". Exit code.
 */
int cmd_profiles(int argc, char **argv);
/*
 * `skbsim profile NAME|PATH`: one profile with every value, its unit and its
 * source. A PATH is relative to the current directory. @argv[0] is
 * "profile". Exit code: 0, 1 for a bad or unknown profile, 2 for usage.
 */
int cmd_profile(int argc, char **argv);

#endif
