/*
 * tools/cmd_profile.c - the profile commands: list the built-in profiles, print one.
 *
 *   skbsim profiles
 *   skbsim profile NAME|PATH
 *
 * Both read profiles through models/profile.h, so what they print is what a
 * scenario gets. Values are printed as written in the file, with their unit
 * and every field of their source.
 */
#include "tools/cmd_profile.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "models/costs.h"
#include "models/profile.h"

enum { EXIT_INPUT = 1, EXIT_USAGE = 2 };

#define WRAP_COLS 78 /* text width of wrapped paragraphs */

static const char profile_usage[] = "usage: skbsim profiles\n"
				    "       skbsim profile NAME|PATH\n";

/* The first sentence of @text: its length up to and including the first ". ". */
static int first_sentence(const char *text)
{
	const char *end = strstr(text, ". ");

	return end ? (int)(end - text + 1) : (int)strlen(text);
}

/* @label then @text wrapped at WRAP_COLS, later lines indented as far as @label is long. */
static void print_wrapped(const char *label, const char *text)
{
	size_t indent = strlen(label), col = (size_t)printf("%s", label);
	bool first = true;

	while (*text) {
		size_t word = strcspn(text, " ");

		if (!first && col + 1 + word > WRAP_COLS)
			col = (size_t)printf("\n%*s", (int)indent, "") - 1;
		else if (!first)
			col += (size_t)printf(" ");
		col += (size_t)printf("%.*s", (int)word, text);
		first = false;
		text += word;
		text += strspn(text, " ");
	}
	putchar('\n');
}

int cmd_profiles(int argc, char **argv)
{
	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "skbsim: 'profiles' takes no arguments\n%s", profile_usage);
		return EXIT_USAGE;
	}
	printf("%-22s %-8s %s\n", "NAME", "CLOCK", "DESCRIPTION");
	for (size_t i = 0; i < profile_builtins_nr; i++) {
		struct sim_error err = { 0 };
		struct profile p;

		if (profile_load(&p, profile_builtins[i].name, NULL, NULL, &err)) {
			fprintf(stderr, "%s\n", err.msg);
			return EXIT_INPUT;
		}
		printf("%-22s %-8s %.*s%s\n", p.name, cfg_get(p.cfg.root, "clock")->str,
		       first_sentence(p.description), p.description,
		       strcmp(p.name, PROFILE_DEFAULT) ? "" : " (the default)");
		profile_release(&p);
	}
	return 0;
}

/* The fields of one source, one a line. */
static void print_source(const struct cfg_node *entry)
{
	static const char *const fields[] = { "ref", "machine", "kernel",   "by",
					      "cpu", "date",	"residual", "note" };
	const struct cfg_node *s = cfg_get(entry, "source");
	char label[32];

	printf("      source: %s\n", profile_kind_name(profile_entry_kind(entry)));
	if (s->type != CFG_MAP)
		return;
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const struct cfg_node *f = cfg_get(s, fields[i]);

		if (!f)
			continue;
		snprintf(label, sizeof(label), "      %s: ", fields[i]);
		print_wrapped(label, f->str);
	}
}

/* A value as YAML flow text: a scalar, [a, b] or {key: value} (an `idle` list of states). */
static void print_flow(const struct cfg_node *n)
{
	if (n->type == CFG_SCALAR) {
		fputs(n->str, stdout);
		return;
	}
	fputc(n->type == CFG_MAP ? '{' : '[', stdout);
	for (uint32_t i = 0; i < n->n; i++) {
		if (i)
			fputs(", ", stdout);
		if (n->type == CFG_MAP)
			printf("%s: ", n->keys[i]);
		print_flow(n->items[i]);
	}
	fputc(n->type == CFG_MAP ? '}' : ']', stdout);
}

static void print_profile(const struct profile *p)
{
	unsigned kinds[4] = { 0 };

	printf("profile %s (format %d)\n", p->name, PROFILE_FORMAT);
	print_wrapped("  ", p->description);
	printf("machine:\n");
	for (uint32_t i = 0; i < p->machine->n; i++) {
		char label[64];

		snprintf(label, sizeof(label), "  %s: ", p->machine->keys[i]);
		print_wrapped(label, p->machine->items[i]->str);
	}
	printf("clock: %s\n", cfg_get(p->cfg.root, "clock")->str);
	for (size_t i = 0; i < cost_keys_nr; i++)
		kinds[profile_entry_kind(cfg_get(p->entries, cost_keys[i].name))]++;
	printf("costs: %zu (%u published, %u measured, %u derived, %u assumed)\n", cost_keys_nr,
	       kinds[PROFILE_PUBLISHED], kinds[PROFILE_MEASURED], kinds[PROFILE_DERIVED],
	       kinds[PROFILE_ASSUMED]);
	for (size_t i = 0; i < cost_keys_nr; i++) {
		const struct cfg_node *e = cfg_get(p->entries, cost_keys[i].name);

		printf("  %s: ", cost_keys[i].name);
		print_flow(cfg_get(e, "value"));
		printf(" %s\n", cost_unit_name(cost_keys[i].unit));
		print_source(e);
	}
}

int cmd_profile(int argc, char **argv)
{
	struct sim_error err = { 0 };
	struct profile p;

	if (argc != 2) {
		fprintf(stderr, "skbsim: 'profile' takes one NAME or PATH\n%s", profile_usage);
		return EXIT_USAGE;
	}
	if (profile_load(&p, argv[1], NULL, NULL, &err)) {
		fprintf(stderr, "%s\n", err.msg);
		return EXIT_INPUT;
	}
	print_profile(&p);
	profile_release(&p);
	return 0;
}
