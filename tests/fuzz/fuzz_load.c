/*
 * tests/fuzz/fuzz_load.c - the scenario loader and validation: YAML text to a world.
 *
 * cfg_load_string() then world_create(): any input either builds a world
 * (freed again) or fills the error record with one located message.
 */
#include "tests/fuzz/fuzz.h"

#include "models/scenario.h"
#include "sim/cfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sim_error err = { 0 };
	struct cfg c = { 0 };
	struct world *w = NULL;
	char *text = fuzz_text(data, size);

	if (!cfg_load_string(&c, "fuzz.yaml", text, &err))
		w = world_create(&c, -1, &err);
	if (!w && !err.set)
		abort(); /* a failure must say why */
	world_free(w);
	cfg_release(&c);
	free(text);
	return 0;
}
