/*
 * tools/compare.c - `skbsim compare A B`: two results directories side by side.
 *
 * For what-ifs: the packet totals, drops by reason, end-to-end latency, CPU
 * busy shares, queue maxima, then every counter of report.json that differs
 * (SNMP, softnet_stat, devices, sockets, apps), each as A, B and B - A. A drop
 * reason missing on one side counts 0; any other name missing prints as '-'. Exit 0 when both reports load, 1 if not.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "tools/result.h"
#include "tools/tools.h"

/* Integers exactly, other values to 6 significant digits, NaN as '-'. */
static void cmp_fmt(char *buf, size_t len, double v, bool sign)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else if (v == floor(v) && fabs(v) < 1e15)
		snprintf(buf, len, sign ? "%+.0f" : "%.0f", v);
	else
		snprintf(buf, len, sign ? "%+.6g" : "%.6g", v);
}

static void cmp_row(const char *name, double a, double b)
{
	char sa[32], sb[32], sd[32];

	cmp_fmt(sa, sizeof(sa), a, false);
	cmp_fmt(sb, sizeof(sb), b, false);
	cmp_fmt(sd, sizeof(sd), b - a, true);
	printf("  %-44s %14s %14s %14s\n", name, sa, sb, sd);
}

/* Every name of @a then those only in @b; a side that lacks a name shows @missing. */
static void cmp_lists(const char *title, const struct named_list *a, const struct named_list *b,
		      bool only_diff, double missing)
{
	uint32_t shown = 0;

	printf("%s\n", title);
	for (uint32_t i = 0; i < a->n; i++) {
		double vb = named_get(b, a->v[i].name, missing);

		if (only_diff && vb == a->v[i].value)
			continue;
		cmp_row(a->v[i].name, a->v[i].value, vb);
		shown++;
	}
	for (uint32_t i = 0; i < b->n; i++) {
		if (!isnan(named_get(a, b->v[i].name, NAN)))
			continue;
		cmp_row(b->v[i].name, missing, b->v[i].value);
		shown++;
	}
	if (!shown)
		printf("  (%s)\n", only_diff ? "all equal" : "none");
	printf("\n");
}

static void compare(const char *da, const char *db, const struct run_result *a,
		    const struct run_result *b)
{
	printf("compare: A = %s, B = %s\n", da, db);
	printf("  A: seed %llu, %s\n", (unsigned long long)a->seed,
	       a->overrides[0] ? a->overrides : "no overrides");
	printf("  B: seed %llu, %s\n", (unsigned long long)b->seed,
	       b->overrides[0] ? b->overrides : "no overrides");
	printf("  scenario: %s\n\n",
	       strcmp(a->sha256, b->sha256) ? "different files (SHA-256 differ)" : "same file");
	printf("  %-44s %14s %14s %14s\n", "", "A", "B", "B - A");
	printf("Packets\n");
	cmp_row("offered", (double)a->offered, (double)b->offered);
	cmp_row("delivered", (double)a->delivered, (double)b->delivered);
	cmp_row("dropped", (double)a->dropped, (double)b->dropped);
	cmp_row("drop fraction %", 100 * result_drop_frac(a), 100 * result_drop_frac(b));
	printf("\n");
	cmp_lists("Drops by reason", &a->reasons, &b->reasons, false, 0);
	printf("Latency end to end, ns\n");
	cmp_row("p50", a->lat_p50, b->lat_p50);
	cmp_row("p99", a->lat_p99, b->lat_p99);
	cmp_row("p99.9", a->lat_p999, b->lat_p999);
	cmp_row("mean", a->lat_mean, b->lat_mean);
	cmp_row("max", a->lat_max, b->lat_max);
	printf("\n");
	cmp_lists("CPU busy %", &a->cpus, &b->cpus, false, NAN);
	cmp_lists("Queues, max length (packets)", &a->queues, &b->queues, false, NAN);
	cmp_lists("Counters that differ", &a->counters, &b->counters, true, NAN);
}

int compare_main(int argc, char **argv)
{
	struct sim_error err = { 0 };
	struct run_result a, b;
	int rc = 0;

	if (argc != 3 || argv[1][0] == '-' || argv[2][0] == '-') {
		fprintf(stderr, "skbsim: 'compare' takes two results directories\nusage:\n%s",
			TOOL_USAGE);
		return TOOL_EXIT_USAGE;
	}
	if (result_load(&a, argv[1], &err)) {
		fprintf(stderr, "skbsim: %s\n", err.msg);
		return TOOL_EXIT_INPUT;
	}
	if (result_load(&b, argv[2], &err)) {
		fprintf(stderr, "skbsim: %s\n", err.msg);
		rc = TOOL_EXIT_INPUT;
	} else {
		compare(argv[1], argv[2], &a, &b);
		result_release(&b);
	}
	result_release(&a);
	return rc;
}
