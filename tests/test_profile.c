/*
 * tests/test_profile.c - cost profiles: the loader's messages, precedence, the shipped files.
 *
 *  - Every mistake in a profile, as one row: a valid profile text (built from
 *    cost_keys[], so it follows the table) with one line changed, and the
 *    exact message, position included.
 *  - A PATH profile is read relative to the scenario file, and its errors
 *    name the profile file.
 *  - Precedence, lowest first: default profile, top-level `profile:`, host
 *    `profile:`, top-level `costs:`, host `costs:`, against a reference that
 *    takes the last layer that sets a value.
 *  - Every shipped profile loads (so has every key, each with a source), and
 *    the compiled-in texts are exactly profiles/NAME.yaml.
 *  - A scenario's results change when only its profile changes.
 *
 * Tests run from tests/, so the shipped files are ../profiles/.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/cfg.h"
#include "models/costs.h"
#include "models/profile.h"
#include "models/scenario.h"
#include "tests/test_world.h"

#define TEXT_MAX     (64 * 1024)
#define PROFILES_DIR "../profiles"

/* Lines 1-8; `costs:` is line 8 and cost_keys[i] is on line 9 + i. */
#define H_FORMAT "format: 1\n"
#define H_NAME	 "name: x\n"
#define H_REST                                                                                     \
	"description: a test profile\n"                                                            \
	"machine:\n"                                                                               \
	"  cpu: none\n"                                                                            \
	"  kernel: none\n"                                                                         \
	"clock: 2GHz\n"                                                                            \
	"costs:\n"
#define HEAD		H_FORMAT H_NAME H_REST
#define FIRST_COST_LINE 9

/* A valid entry for @k (7 cycles, 0.5 cycles/byte, 3us, 0.5, true, c1), assumed. */
static void entry_line(char *buf, size_t len, const struct cost_key *k)
{
	static const char *const value[] = {
		[COST_CYCLES] = "7",	   [COST_CYCLES_PER_BYTE] = "0.5",
		[COST_TIME] = "3us",	   [COST_QOS_TIME] = "3us",
		[COST_FRACTION] = "0.5",   [COST_BOOL] = "true",
		[COST_IDLE_STATES] = "c1", [COST_LINES] = "6",
		[COST_BITRATE] = "10Gbit", [COST_GOVERNOR] = "haltpoll",
	};

	snprintf(buf, len, "  %s: {value: %s, unit: %s, source: assumed}\n", k->name,
		 value[k->unit], cost_unit_name(k->unit));
}

/*
 * A profile text: @head (NULL: HEAD), then every cost line, the line of
 * cost @key replaced by @line ("" deletes it), @before inserted before the
 * first cost line, @tail appended.
 */
static void profile_text(char *buf, size_t len, const char *head, const char *key, const char *line,
			 const char *before, const char *tail)
{
	size_t used = (size_t)snprintf(buf, len, "%s%s", head ? head : HEAD, before ? before : "");

	for (size_t i = 0; i < cost_keys_nr; i++) {
		char one[256];

		if (key && !strcmp(cost_keys[i].name, key))
			snprintf(one, sizeof(one), "%s", line);
		else
			entry_line(one, sizeof(one), &cost_keys[i]);
		used += (size_t)snprintf(buf + used, len - used, "%s", one);
	}
	used += (size_t)snprintf(buf + used, len - used, "%s", tail ? tail : "");
	ck_assert_uint_lt(used, len);
}

/* The line cost @key is on in profile_text(). */
static unsigned cost_line(const char *key)
{
	const struct cost_key *k = cost_key_find(key);

	ck_assert_ptr_nonnull(k);
	return FIRST_COST_LINE + (unsigned)(k - cost_keys);
}

struct pcase {
	const char *head;   /* header lines, NULL: HEAD */
	const char *key;    /* cost whose line is replaced, or NULL */
	const char *line;   /* its replacement ("" deletes it) */
	const char *before; /* inserted before the first cost line */
	const char *tail;   /* appended after the costs */
	const char *want;   /* the message; "%u" is the line of @key */
};

#define ENTRY_HEAD "  irq_entry: {value: 7, unit: cycles, source: "

static const struct pcase pcases[] = {
	/* --- the header --- */
	{ "format: 2\n" H_NAME H_REST, NULL, NULL, NULL, NULL,
	  "profiles/x.yaml:1:9: 'format' must be 1, got '2'" },
	{ "format: one\n" H_NAME H_REST, NULL, NULL, NULL, NULL,
	  "profiles/x.yaml:1:9: 'format' must be an integer, got 'one'" },
	{ H_NAME H_REST, NULL, NULL, NULL, NULL,
	  "profiles/x.yaml:1:1: profile 'x' needs 'format'" },
	{ H_FORMAT "name: y\n" H_REST, NULL, NULL, NULL, NULL,
	  "profiles/x.yaml:2:7: 'name' must be the file name 'x', got 'y'" },
	{ H_FORMAT "name: 'x y'\n" H_REST, NULL, NULL, NULL, NULL,
	  "profiles/x.yaml:2:7: 'name' must be letters, digits, '-', '_' or '.', got 'x y'" },
	{ H_FORMAT "naem: x\n" H_REST, NULL, NULL, NULL, NULL,
	  "profiles/x.yaml:1:1: profile 'x' needs 'name'" },
	{ "format: 1\nname: x\nmachine: {cpu: a}\nclock: 2GHz\ncosts:\n", NULL, NULL, NULL, NULL,
	  "profiles/x.yaml:1:1: profile 'x' needs 'description'" },
	{ "format: 1\nname: x\ndescription: d\nmachine: {cpu: [a]}\nclock: 2GHz\ncosts:\n", NULL,
	  NULL, NULL, NULL, "profiles/x.yaml:4:16: 'cpu' must be a scalar" },
	{ "format: 1\nname: x\ndescription: d\nmachine: {cpu: a}\nclock: fast\ncosts:\n", NULL,
	  NULL, NULL, NULL,
	  "profiles/x.yaml:5:8: 'clock' must be a frequency like '3GHz' (units: Hz, kHz, MHz, "
	  "GHz), "
	  "got 'fast'" },
	{ "format: 1\nname: x\ndescription: d\nmachine: {cpu: a}\ncosts:\n", NULL, NULL, NULL, NULL,
	  "profiles/x.yaml:1:1: profile 'x' needs 'clock'" },
	{ NULL, NULL, NULL, NULL, "owner: me\n",
	  "profiles/x.yaml:%u:1: unknown key 'owner' in profile 'x' (known: format, name, "
	  "description, machine, clock, costs)" },
	/* --- cost keys --- */
	{ NULL, NULL, NULL, "  udp_rcvv: {value: 7, unit: cycles, source: assumed}\n", NULL,
	  "profiles/x.yaml:9:3: unknown cost 'udp_rcvv' in profile 'x' (did you mean 'udp_rcv'?)" },
	{ NULL, NULL, NULL, "  zzz: {value: 7, unit: cycles, source: assumed}\n", NULL,
	  "profiles/x.yaml:9:3: unknown cost 'zzz' in profile 'x'" },
	{ NULL, "udp_rcv", "", NULL, NULL,
	  "profiles/x.yaml:9:3: costs of profile 'x' needs 'udp_rcv'" },
	{ NULL, "pcie_latency", "", NULL, NULL,
	  "profiles/x.yaml:9:3: costs of profile 'x' needs 'pcie_latency'" },
	{ NULL, "irq_entry", "  irq_entry: 1200\n", NULL, NULL,
	  "profiles/x.yaml:%u:14: 'irq_entry' must be a mapping" },
	/* --- an entry --- */
	{ NULL, "irq_entry", "  irq_entry: {unit: cycles, source: assumed}\n", NULL, NULL,
	  "profiles/x.yaml:%u:14: cost 'irq_entry' needs 'value'" },
	{ NULL, "irq_entry", "  irq_entry: {value: 7, source: assumed}\n", NULL, NULL,
	  "profiles/x.yaml:%u:14: cost 'irq_entry' needs 'unit'" },
	{ NULL, "irq_entry", "  irq_entry: {value: 7, unit: cycles}\n", NULL, NULL,
	  "profiles/x.yaml:%u:14: cost 'irq_entry' needs 'source'" },
	{ NULL, "irq_entry", "  irq_entry: {value: 7, unit: ns, source: assumed}\n", NULL, NULL,
	  "profiles/x.yaml:%u:31: 'unit' of cost 'irq_entry' must be 'cycles', got 'ns'" },
	{ NULL, "ipi_latency", "  ipi_latency: {value: 2us, unit: cycles, source: assumed}\n", NULL,
	  NULL,
	  "profiles/x.yaml:%u:35: 'unit' of cost 'ipi_latency' must be 'time', got 'cycles'" },
	{ NULL, "copy_per_byte", "  copy_per_byte: {value: 1, unit: cycles, source: assumed}\n",
	  NULL, NULL,
	  "profiles/x.yaml:%u:35: 'unit' of cost 'copy_per_byte' must be 'cycles/byte', got "
	  "'cycles'" },
	{ NULL, "irq_entry", "  irq_entry: {value: 1.5, unit: cycles, source: assumed}\n", NULL,
	  NULL, "profiles/x.yaml:%u:22: 'value' must be an integer, got '1.5'" },
	{ NULL, "ipi_latency", "  ipi_latency: {value: 2, unit: time, source: assumed}\n", NULL,
	  NULL,
	  "profiles/x.yaml:%u:24: 'value' must be a time like '50us' (units: ps, ns, us, ms, s), "
	  "got '2'" },
	{ NULL, "irq_entry", "  irq_entry: {value: 7, unit: cycles, source: assumed, note: x}\n",
	  NULL, NULL,
	  "profiles/x.yaml:%u:56: unknown key 'note' in cost 'irq_entry' (known: value, unit, "
	  "source)" },
	/* --- sources --- */
	{ NULL, "irq_entry", ENTRY_HEAD "guessed}\n", NULL, NULL,
	  "profiles/x.yaml:%u:47: 'source' of cost 'irq_entry' must be 'assumed' or a mapping, got "
	  "'guessed'" },
	{ NULL, "irq_entry", ENTRY_HEAD "{ref: a}}\n", NULL, NULL,
	  "profiles/x.yaml:%u:47: source of cost 'irq_entry' needs 'kind'" },
	{ NULL, "irq_entry", ENTRY_HEAD "{kind: pubished, ref: a}}\n", NULL, NULL,
	  "profiles/x.yaml:%u:54: 'kind' must be one of published, measured, assumed, derived, got "
	  "'pubished' (did you mean 'published'?)" },
	{ NULL, "irq_entry", ENTRY_HEAD "{kind: published}}\n", NULL, NULL,
	  "profiles/x.yaml:%u:47: published source of cost 'irq_entry' needs 'ref'" },
	{ NULL, "irq_entry", ENTRY_HEAD "{kind: derived, ref: a}}\n", NULL, NULL,
	  "profiles/x.yaml:%u:47: derived source of cost 'irq_entry' needs 'note'" },
	{ NULL, "irq_entry", ENTRY_HEAD "{kind: measured, by: a, kernel: b, cpu: c, date: d}}\n",
	  NULL, NULL,
	  "profiles/x.yaml:%u:47: measured source of cost 'irq_entry' needs 'residual'" },
	{ NULL, "irq_entry",
	  ENTRY_HEAD "{kind: measured, by: a, kernel: b, cpu: c, date: d, residual: low}}\n", NULL,
	  NULL, "profiles/x.yaml:%u:109: 'residual' must be a number, got 'low'" },
	{ NULL, "irq_entry", ENTRY_HEAD "{kind: published, ref: a, reff: b}}\n", NULL, NULL,
	  "profiles/x.yaml:%u:73: unknown key 'reff' in source of cost 'irq_entry' (did you mean "
	  "'ref'?)" },
	{ NULL, "irq_entry", ENTRY_HEAD "{kind: published, ref: [a]}}\n", NULL, NULL,
	  "profiles/x.yaml:%u:70: 'ref' must be a scalar" },
};

/* @fmt with its "%u" (if any) replaced by @line. */
static void expand_line(char *buf, size_t len, const char *fmt, unsigned line)
{
	const char *at = strstr(fmt, "%u");

	if (!at)
		snprintf(buf, len, "%s", fmt);
	else
		snprintf(buf, len, "%.*s%u%s", (int)(at - fmt), fmt, line, at + 2);
}

START_TEST(test_profile_errors)
{
	const struct pcase *tc = &pcases[_i];
	static char text[TEXT_MAX];
	struct sim_error err = { 0 };
	struct profile p;
	char want[SIM_ERROR_MSG];
	unsigned line = tc->key ? cost_line(tc->key) : FIRST_COST_LINE + (unsigned)cost_keys_nr;

	profile_text(text, sizeof(text), tc->head, tc->key, tc->line, tc->before, tc->tail);
	expand_line(want, sizeof(want), tc->want, line);
	ck_assert_msg(profile_parse(&p, "profiles/x.yaml", text, "x", &err) == -1,
		      "case %d: no error, expected \"%s\"", _i, want);
	ck_assert_msg(!strcmp(err.msg, want), "case %d:\n  got  \"%s\"\n  want \"%s\"", _i, err.msg,
		      want);
}
END_TEST

/* The rows' base text is a valid profile, with the values it says. */
START_TEST(test_profile_base_is_valid)
{
	static char text[TEXT_MAX];
	struct sim_error err = { 0 };
	struct profile p;

	profile_text(text, sizeof(text), NULL, NULL, NULL, NULL, NULL);
	ck_assert_msg(!profile_parse(&p, "profiles/x.yaml", text, "x", &err), "%s", err.msg);
	ck_assert_str_eq(p.name, "x");
	ck_assert(p.clock_hz == 2e9);
	ck_assert_uint_eq(p.costs.napi_poll, 7);
	ck_assert(p.costs.copy_per_byte == 0.5);
	ck_assert_int_eq(p.costs.ipi_latency, 3 * SIM_US);
	ck_assert_int_eq(profile_entry_kind(cfg_get(p.entries, "udp_rcv")), PROFILE_ASSUMED);
	profile_release(&p);
}
END_TEST

/* ---- PATH profiles on disk ---- */

static char tmpdir[256];

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	fputs(text, f);
	fclose(f);
}

/* A scenario file in a fresh directory naming `profile: @spec`, with @ptext at @ppath. */
static void path_setup(const char *spec, const char *ppath, const char *ptext, char *scenario,
		       size_t len)
{
	const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char path[512];

	snprintf(tmpdir, sizeof(tmpdir), "%s/skbsim-profile-XXXXXX", base);
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(path, sizeof(path), "%s/p", tmpdir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	if (ppath) {
		snprintf(path, sizeof(path), "%s/%s", tmpdir, ppath);
		write_file(path, ptext);
	}
	snprintf(scenario, len, "%s/s.yaml", tmpdir);
	snprintf(path, sizeof(path),
		 "name: s\nduration: 1ms\nprofile: %s\nhosts:\n  - name: rx\n    cpus: 1\n", spec);
	write_file(scenario, path);
}

static void path_cleanup(void)
{
	char cmd[384];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

/* world_create on scenario file @file: NULL with @err set, or the world. */
static struct world *load_scenario(const char *file, struct sim_error *err)
{
	struct cfg c = { 0 };
	struct world *w = NULL;

	if (!cfg_load_file(&c, file, err))
		w = world_create(&c, -1, err);
	cfg_release(&c);
	return w;
}

START_TEST(test_profile_path_relative)
{
	static char text[TEXT_MAX];
	struct sim_error err = { 0 };
	char scenario[384];
	struct world *w;

	profile_text(text, sizeof(text), NULL, NULL, NULL, NULL, NULL);
	path_setup("p/x.yaml", "p/x.yaml", text, scenario, sizeof(scenario));
	w = load_scenario(scenario, &err);
	ck_assert_msg(w != NULL, "%s", err.msg);
	ck_assert_uint_eq(w->hosts[0]->costs.context_switch, 7);
	ck_assert(w->hosts[0]->clock_hz == 2e9);
	ck_assert_str_eq(w->hosts[0]->profile, "x");
	world_free(w);
	path_cleanup();
}
END_TEST

START_TEST(test_profile_path_errors)
{
	static char text[TEXT_MAX];
	struct sim_error err = { 0 };
	char scenario[384], want[SIM_ERROR_MSG];

	/* an error inside the file names the profile file's position */
	profile_text(text, sizeof(text), NULL, "irq_entry",
		     "  irq_entry: {value: 7, unit: ns, source: assumed}\n", NULL, NULL);
	path_setup("p/x.yaml", "p/x.yaml", text, scenario, sizeof(scenario));
	ck_assert_ptr_null(load_scenario(scenario, &err));
	snprintf(want, sizeof(want),
		 "%s/p/x.yaml:%u:31: 'unit' of cost 'irq_entry' must be 'cycles', got 'ns'", tmpdir,
		 cost_line("irq_entry"));
	ck_assert_str_eq(err.msg, want);
	path_cleanup();

	/* a missing file names the scenario's `profile:` value */
	memset(&err, 0, sizeof(err));
	path_setup("p/none.yaml", NULL, NULL, scenario, sizeof(scenario));
	ck_assert_ptr_null(load_scenario(scenario, &err));
	snprintf(want, sizeof(want),
		 "%s:3:10: cannot open profile '%s/p/none.yaml': No such file or directory",
		 scenario, tmpdir);
	ck_assert_str_eq(err.msg, want);
	path_cleanup();

	/* a directory is no profile */
	memset(&err, 0, sizeof(err));
	path_setup("./p", NULL, NULL, scenario, sizeof(scenario));
	ck_assert_ptr_null(load_scenario(scenario, &err));
	snprintf(want, sizeof(want), "%s:3:10: cannot open profile '%s/./p': Is a directory",
		 scenario, tmpdir);
	ck_assert_str_eq(err.msg, want);
	path_cleanup();

	/* the name must be the file's */
	memset(&err, 0, sizeof(err));
	profile_text(text, sizeof(text), NULL, NULL, NULL, NULL, NULL);
	path_setup("p/y.yaml", "p/y.yaml", text, scenario, sizeof(scenario));
	ck_assert_ptr_null(load_scenario(scenario, &err));
	snprintf(want, sizeof(want), "%s/p/y.yaml:2:7: 'name' must be the file name 'y', got 'x'",
		 tmpdir);
	ck_assert_str_eq(err.msg, want);
	path_cleanup();
}
END_TEST

/* ---- precedence ---- */

/* Two shipped profiles with different context_switch, napi_poll and clock. */
#define PA "legacy-0.1"
#define PB "brouer-i7-6700k-mlx5"

struct prec_case {
	const char *top_profile;  /* scenario `profile:`, or NULL */
	const char *host_profile; /* host rx's `profile:`, or NULL */
	int top_cs;		  /* top-level costs: context_switch, or -1 */
	int host_cs;		  /* host rx's costs: context_switch, or -1 */
	const char *host_clock;	  /* host rx's clock:, or NULL */
};

static const struct prec_case prec_cases[] = {
	{ NULL, NULL, -1, -1, NULL }, { PA, NULL, -1, -1, NULL }, { PB, NULL, -1, -1, NULL },
	{ PA, PB, -1, -1, NULL },     { PB, PA, -1, -1, NULL },	  { NULL, PB, -1, -1, NULL },
	{ PA, PB, 300, -1, NULL },    { PA, PB, 300, 400, NULL }, { PA, NULL, 300, 400, NULL },
	{ NULL, PB, -1, 400, NULL },  { PB, PA, -1, -1, "1GHz" }, { NULL, NULL, 300, -1, "1GHz" },
};

static struct profile prec_profile(const char *name)
{
	struct sim_error err = { 0 };
	struct profile p;

	ck_assert_msg(!profile_load(&p, name, NULL, NULL, &err), "%s", err.msg);
	return p;
}

START_TEST(test_profile_precedence)
{
	const struct prec_case *tc = &prec_cases[_i];
	char yaml[1024], line[128];
	struct profile base, rx_base;
	struct sim_error err = { 0 };
	struct cfg c = { 0 };
	struct world *w;
	uint64_t want_rx, want_other;
	size_t n = 0;

	/* the reference: the last layer that sets a value wins */
	base = prec_profile(tc->top_profile ? tc->top_profile : PROFILE_DEFAULT);
	rx_base = prec_profile(tc->host_profile	 ? tc->host_profile
			       : tc->top_profile ? tc->top_profile
						 : PROFILE_DEFAULT);
	want_other = tc->top_cs >= 0 ? (uint64_t)tc->top_cs : base.costs.context_switch;
	want_rx = tc->host_cs >= 0  ? (uint64_t)tc->host_cs
		  : tc->top_cs >= 0 ? (uint64_t)tc->top_cs
				    : rx_base.costs.context_switch;

	n += (size_t)snprintf(yaml + n, sizeof(yaml) - n, "name: p\nduration: 1ms\n");
	if (tc->top_profile)
		n += (size_t)snprintf(yaml + n, sizeof(yaml) - n, "profile: %s\n", tc->top_profile);
	if (tc->top_cs >= 0)
		n += (size_t)snprintf(yaml + n, sizeof(yaml) - n, "costs: {context_switch: %d}\n",
				      tc->top_cs);
	n += (size_t)snprintf(yaml + n, sizeof(yaml) - n, "hosts:\n  - name: rx\n");
	if (tc->host_profile)
		n += (size_t)snprintf(yaml + n, sizeof(yaml) - n, "    profile: %s\n",
				      tc->host_profile);
	if (tc->host_cs >= 0)
		n += (size_t)snprintf(yaml + n, sizeof(yaml) - n,
				      "    costs: {context_switch: %d}\n", tc->host_cs);
	if (tc->host_clock)
		n += (size_t)snprintf(yaml + n, sizeof(yaml) - n, "    clock: %s\n",
				      tc->host_clock);
	snprintf(line, sizeof(line), "  - name: other\n  - name: ns\n    machine: rx\n");
	snprintf(yaml + n, sizeof(yaml) - n, "%s", line);

	ck_assert_msg(!cfg_load_string(&c, "p.yaml", yaml, &err), "%s", err.msg);
	w = world_create(&c, -1, &err);
	ck_assert_msg(w != NULL, "%s\n%s", err.msg, yaml);
	ck_assert_uint_eq(w->hosts[0]->costs.context_switch, want_rx);
	ck_assert_uint_eq(w->hosts[0]->costs.napi_poll, rx_base.costs.napi_poll);
	ck_assert_str_eq(w->hosts[0]->profile, rx_base.name);
	ck_assert(w->hosts[0]->clock_hz == (tc->host_clock ? 1e9 : rx_base.clock_hz));
	ck_assert_uint_eq(w->hosts[1]->costs.context_switch, want_other);
	ck_assert_uint_eq(w->hosts[1]->costs.napi_poll, base.costs.napi_poll);
	ck_assert(w->hosts[1]->clock_hz == base.clock_hz);
	/* a namespace on rx's machine: the scenario's costs, rx's clock */
	ck_assert_uint_eq(w->hosts[2]->costs.context_switch, want_other);
	ck_assert(w->hosts[2]->clock_hz == w->hosts[0]->clock_hz);
	world_free(w);
	cfg_release(&c);
	profile_release(&base);
	profile_release(&rx_base);
}
END_TEST

/* The two profiles the precedence rows use differ where the rows look. */
START_TEST(test_profile_precedence_distinct)
{
	struct profile a = prec_profile(PA), b = prec_profile(PB), d = prec_profile("default");

	ck_assert_uint_ne(a.costs.context_switch, b.costs.context_switch);
	ck_assert_uint_ne(a.costs.napi_poll, b.costs.napi_poll);
	ck_assert(a.clock_hz != b.clock_hz);
	ck_assert_uint_ne(d.costs.context_switch, a.costs.context_switch);
	ck_assert_uint_ne(d.costs.context_switch, b.costs.context_switch);
	ck_assert_uint_ne(a.costs.context_switch, 300);
	ck_assert_uint_ne(b.costs.context_switch, 400);
	profile_release(&a);
	profile_release(&b);
	profile_release(&d);
}
END_TEST

/* ---- the shipped profiles ---- */

/*
 * Every cost key missing from any built-in profile, all listed at once
 * ("profiles/NAME.yaml: no cost 'KEY'", one a line), so that adding a key to
 * the table shows every file that needs its line.
 */
START_TEST(test_shipped_profiles_have_every_key)
{
	static char missing[16384];
	size_t used = 0;

	for (size_t i = 0; i < profile_builtins_nr; i++) {
		struct sim_error err = { 0 };
		const struct cfg_node *costs;
		struct cfg c = { 0 };

		ck_assert_msg(!cfg_load_string(&c, "p.yaml", profile_builtins[i].text, &err), "%s",
			      err.msg);
		costs = cfg_get(c.root, "costs");
		for (size_t k = 0; k < cost_keys_nr; k++)
			if ((!costs || !cfg_get(costs, cost_keys[k].name)) &&
			    used < sizeof(missing) - 128)
				used += (size_t)snprintf(missing + used, sizeof(missing) - used,
							 "\n  profiles/%s.yaml: no cost '%s'",
							 profile_builtins[i].name,
							 cost_keys[k].name);
		cfg_release(&c);
	}
	ck_assert_msg(used == 0, "cost keys missing from shipped profiles:%s", missing);
}
END_TEST

/* Every built-in profile loads: every key present with a value and a source. */
START_TEST(test_shipped_profiles_load)
{
	ck_assert_uint_ge(profile_builtins_nr, 5);
	ck_assert_ptr_nonnull(profile_builtin_find(PROFILE_DEFAULT));
	ck_assert_ptr_nonnull(profile_builtin_find("legacy-0.1"));
	ck_assert_ptr_nonnull(profile_builtin_find("epyc-vm-6.18"));
	for (size_t i = 0; i < profile_builtins_nr; i++) {
		struct sim_error err = { 0 };
		struct profile p;

		/* a missing key: "profiles/NAME.yaml:L:C: costs of profile 'NAME' needs 'KEY'" */
		ck_assert_msg(!profile_load(&p, profile_builtins[i].name, NULL, NULL, &err),
			      "shipped profile '%s': %s", profile_builtins[i].name, err.msg);
		for (size_t k = 0; k < cost_keys_nr; k++) {
			const struct cfg_node *e = cfg_get(p.entries, cost_keys[k].name);

			ck_assert_msg(e && cfg_get(e, "source"),
				      "profiles/%s.yaml: no source for cost '%s'", p.name,
				      cost_keys[k].name);
		}
		ck_assert_uint_eq(p.entries->n, cost_keys_nr);
		ck_assert(p.clock_hz > 0);
		profile_release(&p);
	}
}
END_TEST

/*
 * The default profile is the Xeon Gold 6128 of Cai et al. (docs/profiles.md
 * says why), value for value: the two files cannot drift apart.
 */
START_TEST(test_default_is_cai_xeon_gold_6128)
{
	struct profile d = prec_profile(PROFILE_DEFAULT), c = prec_profile("cai-xeon-gold-6128");

	for (size_t k = 0; k < cost_keys_nr; k++)
		/* a bool is one byte: 8 from the last field would read past struct costs */
		ck_assert_msg(!memcmp((char *)&d.costs + cost_keys[k].off,
				      (char *)&c.costs + cost_keys[k].off,
				      cost_keys[k].unit == COST_BOOL	   ? sizeof(bool)
				      : cost_keys[k].unit == COST_GOVERNOR ? sizeof(int)
									   : 8),
			      "cost '%s' differs between default and cai-xeon-gold-6128",
			      cost_keys[k].name);
	ck_assert(d.clock_hz == c.clock_hz);
	profile_release(&d);
	profile_release(&c);
}
END_TEST

/* A text read from @path (freed by the caller), or NULL. */
static char *read_text(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = malloc(TEXT_MAX * 4);
	size_t n;

	ck_assert_ptr_nonnull(buf);
	if (!f) {
		free(buf);
		return NULL;
	}
	n = fread(buf, 1, TEXT_MAX * 4 - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

/* The compiled-in profiles are exactly the files of profiles/ (the build is not stale). */
START_TEST(test_shipped_profiles_match_files)
{
	DIR *d = opendir(PROFILES_DIR);
	struct dirent *e;
	size_t files = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		char name[256], path[512];
		const struct profile_builtin *b;
		char *text;

		if (n < 6 || strcmp(e->d_name + n - 5, ".yaml"))
			continue;
		files++;
		snprintf(name, sizeof(name), "%.*s", (int)(n - 5), e->d_name);
		b = profile_builtin_find(name);
		ck_assert_msg(b != NULL, "profiles/%s is not compiled in", e->d_name);
		snprintf(path, sizeof(path), "%s/%s", PROFILES_DIR, e->d_name);
		text = read_text(path);
		ck_assert_ptr_nonnull(text);
		ck_assert_msg(!strcmp(text, b->text),
			      "profiles/%s differs from the compiled-in text", e->d_name);
		free(text);
	}
	closedir(d);
	ck_assert_uint_eq(files, profile_builtins_nr);
	for (size_t i = 1; i < profile_builtins_nr; i++)
		ck_assert_msg(strcmp(profile_builtins[i - 1].name, profile_builtins[i].name) < 0,
			      "profile_builtins[] must be sorted by name");
}
END_TEST

/* ---- results ---- */

/* One RX queue at 2 Mpps into a socket: the latency and the drops follow the costs. */
#define RESULT_YAML                                                                                \
	"name: r\nduration: 5ms\nwarmup: 1ms\nprofile: %s\n"                                       \
	"hosts:\n  - name: rx\n    cpus: 1\n"                                                      \
	"    nics:\n      - {name: eth0, driver: mlx5, address: 10.0.0.1/24, rx_queues: 1}\n"      \
	"    sockets:\n      - {name: srv, bind: 0.0.0.0:5000}\n"                                  \
	"    apps:\n      - {name: a, socket: srv, cpu: 0}\n"                                      \
	"traffic:\n  - {name: t, to: rx/eth0, dst: 10.0.0.1:5000, rate: 2Mpps, size: 64}\n"

struct result {
	double e2e;	    /* ps: mean wire-to-application latency after warm-up */
	uint64_t delivered; /* datagrams read */
};

static struct result run_profile(const char *profile)
{
	char yaml[1024];
	struct world *w;
	struct result r;

	snprintf(yaml, sizeof(yaml), RESULT_YAML, profile);
	w = test_world_run("r.yaml", yaml);
	r.e2e = sim_hist_mean(&w->e2e);
	r.delivered = w->delivered;
	world_free(w);
	return r;
}

START_TEST(test_profile_changes_results)
{
	struct result a = run_profile("legacy-0.1");
	struct result b = run_profile("brouer-i7-6700k-mlx5");
	struct result d = run_profile("default");
	struct result a2 = run_profile("legacy-0.1");

	ck_assert(a.e2e == a2.e2e && a.delivered == a2.delivered);
	ck_assert_msg(a.e2e != b.e2e || a.delivered != b.delivered,
		      "legacy-0.1 and brouer-i7-6700k-mlx5 gave the same results");
	ck_assert_msg(a.e2e != d.e2e || a.delivered != d.delivered,
		      "legacy-0.1 and default gave the same results");
}
END_TEST

Suite *profile_suite(void);

Suite *profile_suite(void)
{
	Suite *s = suite_create("profile");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_profile_errors, 0, (int)(sizeof(pcases) / sizeof(pcases[0])));
	tcase_add_test(tc, test_profile_base_is_valid);
	tcase_add_test(tc, test_profile_path_relative);
	tcase_add_test(tc, test_profile_path_errors);
	tcase_add_loop_test(tc, test_profile_precedence, 0,
			    (int)(sizeof(prec_cases) / sizeof(prec_cases[0])));
	tcase_add_test(tc, test_profile_precedence_distinct);
	tcase_add_test(tc, test_shipped_profiles_have_every_key);
	tcase_add_test(tc, test_shipped_profiles_load);
	tcase_add_test(tc, test_shipped_profiles_match_files);
	tcase_add_test(tc, test_default_is_cai_xeon_gold_6128);
	tcase_add_test(tc, test_profile_changes_results);
	suite_add_tcase(s, tc);
	return s;
}
