/*
 * tests/fuzz/fuzz_set.c - --set overrides and the unit parsers.
 *
 * Each input line is parsed by every sim_parse_*() unit reader and applied
 * as a --set option (up to 16) to a fixed valid scenario, which is then
 * built: the overrides may reach any key, of any type.
 */
#include "tests/fuzz/fuzz.h"

#include <math.h>

#include "models/scenario.h"
#include "sim/cfg.h"
#include "sim/units.h"

static const char base[] =
	"name: f\n"
	"duration: 2ms\n"
	"hosts:\n"
	"  - name: rx\n"
	"    cpus: 2\n"
	"    sysctl: {net.core.netdev_max_backlog: 100}\n"
	"    nics:\n"
	"      - {name: eth0, address: 10.0.0.1/24, rx_queues: 2, qdisc: pfifo}\n"
	"    sockets:\n"
	"      - {name: srv, bind: 0.0.0.0:5000, rcvbuf: 64KiB}\n"
	"    apps:\n"
	"      - {name: reader, socket: srv, cpu: 1}\n"
	"traffic:\n"
	"  - {name: t, to: rx/eth0, rate: 100kpps, dst: 10.0.0.1:5000}\n";

/* Every unit reader on @s: a success is finite and not negative. */
static void fuzz_units(const char *s)
{
	sim_time_t t;
	uint64_t b;
	double v;

	if (!sim_parse_time(s, &t) && t < 0)
		abort();
	(void)sim_parse_size(s, &b);
	if (!sim_parse_bitrate(s, &v) && (!isfinite(v) || v < 0))
		abort();
	if (!sim_parse_pktrate(s, &v) && (!isfinite(v) || v < 0))
		abort();
	if (!sim_parse_freq(s, &v) && (!isfinite(v) || v < 0))
		abort();
	if (!sim_parse_fraction(s, &v) && !(v >= 0 && v <= 1))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sim_error err = { 0 };
	struct cfg c = { 0 };
	struct world *w = NULL;
	char *text = fuzz_text(data, size), *line = text, *nl;
	int n = 0, rc;

	rc = cfg_load_string(&c, "base.yaml", base, &err);
	if (rc)
		abort(); /* the base scenario is valid */
	while (line && n++ < 16) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		fuzz_units(line);
		if (!rc)
			rc = cfg_apply_set(&c, line, &err);
		line = nl ? nl + 1 : NULL;
	}
	if (!rc)
		w = world_create(&c, -1, &err);
	if (!w && !err.set)
		abort();
	world_free(w);
	cfg_release(&c);
	free(text);
	return 0;
}
