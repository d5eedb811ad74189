/*
 * tools/tools.c - the registry of commands beyond run and check.
 */
#include "tools/tools.h"

#include "tools/calibrate_cmd.h"
#include "tools/cmd_profile.h"

#include <string.h>

static const struct tool_cmd tools[] = {
	{ "profiles", cmd_profiles }, { "profile", cmd_profile },  { "calibrate", calibrate_cmd },
	{ "sweep", sweep_main },      { "collect", collect_main }, { "plan", plan_main },
	{ "compare", compare_main },
};

const struct tool_cmd *tool_find(const char *name)
{
	for (size_t i = 0; i < sizeof(tools) / sizeof(tools[0]); i++)
		if (!strcmp(tools[i].name, name))
			return &tools[i];
	return NULL;
}
