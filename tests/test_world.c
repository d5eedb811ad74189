/*
 * tests/test_world.c - see tests/test_world.h.
 */
#include <check.h>
#include <string.h>

#include "sim/cfg.h"
#include "tests/test_world.h"

struct world *test_world_run(const char *file, const char *yaml)
{
	struct sim_error err = { 0 };
	struct cfg c = { 0 };
	struct world *w;

	ck_assert_msg(cfg_load_string(&c, file, yaml, &err) == 0, "%s", err.msg);
	w = world_create(&c, -1, &err);
	cfg_release(&c);
	ck_assert_msg(w != NULL, "%s", err.msg);
	world_run(w);
	ck_assert(world_conserved(w));
	return w;
}

struct host *test_world_host(struct world *w, const char *name)
{
	for (uint32_t i = 0; i < w->nhosts; i++)
		if (!strcmp(w->hosts[i]->name, name))
			return w->hosts[i];
	ck_abort_msg("no host '%s'", name);
	return NULL;
}
