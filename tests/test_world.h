/*
 * tests/test_world.h - building and running a scenario from a YAML string in a test.
 */
#ifndef TESTS_TEST_WORLD_H
#define TESTS_TEST_WORLD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "models/scenario.h"

/*
 * Load @yaml (named @file in messages), build the world, run it to the end and
 * check conservation; any failure fails the calling test with the message.
 */
struct world *test_world_run(const char *file, const char *yaml);
/* The host called @name; fails the test when there is none. */
struct host *test_world_host(struct world *w, const char *name);
/* @h's socket (or tap, xsk) called @name; fails the test when there is none. */
struct sock *test_world_sock(struct host *h, const char *name);
/* @h's device called @name; fails the test when there is none. */
struct net_device *test_world_dev(struct host *h, const char *name);
/* Remove directory @dir and everything under it (a test's results directory). */
void test_rm_tree(const char *dir);

/*
 * The /proc/net/snmp counter @name ("Ip.InReceives", "Icmp.InDestUnreachs",
 * "Udp.NoPorts", "IpExt.InNoRoutes", ...) of @h; UINT64_MAX when not modelled.
 */
uint64_t test_snmp_counter(const struct host *h, const char *name);

/*
 * One row of a long-format reference CSV of tests/kernel-ref:
 * case,ns,counter,value (or case,counter,value, @ns then "").
 */
struct ref_row {
	char c[64];    /* case */
	char ns[16];   /* namespace */
	char k[96];    /* counter */
	char val[256]; /* value as written (no line end) */
};

/* Open reference CSV @path; fails the test when it is missing. */
FILE *test_ref_open(const char *path);
/* The next row of @f with 4 columns (@has_ns) or 3; false at the end of the file. */
bool test_ref_next(FILE *f, bool has_ns, struct ref_row *r);

#endif
