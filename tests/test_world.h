/*
 * tests/test_world.h - building and running a scenario from a YAML string in a test.
 */
#ifndef TESTS_TEST_WORLD_H
#define TESTS_TEST_WORLD_H

#include <stdint.h>

#include "models/scenario.h"

/*
 * Load @yaml (named @file in messages), build the world, run it to the end and
 * check conservation; any failure fails the calling test with the message.
 */
struct world *test_world_run(const char *file, const char *yaml);
/* The host called @name; fails the test when there is none. */
struct host *test_world_host(struct world *w, const char *name);

/*
 * The /proc/net/snmp counter @name ("Ip.InReceives", "Icmp.InDestUnreachs",
 * "Udp.NoPorts", "IpExt.InNoRoutes", ...) of @h; UINT64_MAX when not modelled.
 */
uint64_t test_snmp_counter(const struct host *h, const char *name);

#endif
