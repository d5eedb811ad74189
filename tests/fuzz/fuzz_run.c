/*
 * tests/fuzz/fuzz_run.c - short capped runs of mutated scenarios.
 *
 * A scenario that builds is run for at most FUZZ_RUN_SIM of simulated time
 * and FUZZ_RUN_EVENTS events (world_advance() in slices, then
 * world_finish(), which asserts conservation: a violation aborts), and both
 * reports are produced. Mutations of the shipped scenarios reach the models'
 * hot paths with values no hand-written test picks.
 */
#include "tests/fuzz/fuzz.h"

#include <cjson/cJSON.h>
#include <stdio.h>

#include "models/report/report.h"
#include "models/scenario.h"
#include "sim/cfg.h"

#define FUZZ_RUN_SIM	(2 * SIM_MS)
#define FUZZ_RUN_SLICE	(20 * SIM_US)
#define FUZZ_RUN_EVENTS 200000

static void fuzz_run(struct world *w)
{
	bool done = false;
	FILE *null = fopen("/dev/null", "w");
	cJSON *j;

	world_start(w);
	for (sim_time_t t = FUZZ_RUN_SLICE;
	     !done && t <= FUZZ_RUN_SIM && w->q.fired < FUZZ_RUN_EVENTS; t += FUZZ_RUN_SLICE)
		done = world_advance(w, t);
	world_finish(w, done ? NULL : "fuzz budget");
	j = report_json(w);
	cJSON_Delete(j);
	if (null) {
		report_text(w, null);
		fclose(null);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sim_error err = { 0 };
	struct cfg c = { 0 };
	struct world *w = NULL;
	char *text = fuzz_text(data, size);

	if (!cfg_load_string(&c, "fuzz.yaml", text, &err))
		w = world_create(&c, -1, &err);
	if (w)
		fuzz_run(w);
	else if (!err.set)
		abort();
	world_free(w);
	cfg_release(&c);
	free(text);
	return 0;
}
