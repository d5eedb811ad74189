/*
 * tests/test_scenario_errors.c - bad scenarios: the exact message world_create reports.
 *
 * Each row is a YAML text loaded as "t.yaml", --set options applied to it,
 * then world_create(); the first error recorded must be exactly the expected
 * message, position included. The texts are built from the fragments below,
 * which together make a valid scenario (test_base_is_valid checks that), so
 * each row differs from a valid scenario by the one mistake it tests.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "sim/cfg.h"
#include "models/scenario.h"

#define MAX_SETS 4

/* Lines 1-2. */
#define TOP "name: e\nduration: 10ms\n"
/* Lines 3-5 (the host list starts here). */
#define HOST "hosts:\n  - name: rx\n    cpus: 2\n"
/* Lines 6-9 after TOP HOST. */
#define NIC                                                                                        \
	"    nics:\n      - name: eth0\n        driver: ixgbe\n        address: 10.0.0.1/24\n"
/* Three lines after NIC. */
#define SOCK "    sockets:\n      - name: srv\n        bind: 0.0.0.0:5000\n"
/* Four lines; a source item's own keys follow at 4 spaces. */
#define TRAFFIC "traffic:\n  - name: t\n    to: rx/eth0\n    dst: 10.0.0.1:5000\n"

#define BASE TOP HOST NIC SOCK

struct ecase {
	const char *yaml;	    /* the scenario */
	const char *sets[MAX_SETS]; /* --set options, NULL-terminated */
	const char *want;	    /* the exact message */
};

static const struct ecase ecases[] = {
	/* --- top level --- */
	{ "duration: 10ms\n" HOST, { NULL }, "?" },
	{ "name: 'a b'\nduration: 10ms\n" HOST NIC, { NULL }, "?" },
	{ TOP "warmpu: 1ms\n" HOST NIC, { NULL }, "?" },
	{ TOP "warmup: 10ms\n" HOST NIC, { NULL }, "?" },
	{ "name: e\nduration: 10 parsecs\n" HOST NIC, { NULL }, "?" },
	{ TOP "hosts: []\n", { NULL }, "?" },
	{ TOP "skb_pool: 15\n" HOST NIC, { NULL }, "?" },
	{ BASE "  - name: rx\n", { NULL }, "?" },
	/* --- hosts --- */
	{ TOP "hosts:\n  - name: rx\n    cpu: 2\n", { NULL }, "?" },
	{ TOP HOST "    hz: 200\n", { NULL }, "?" },
	{ TOP "hosts:\n  - name: rx\n    cpus: 0\n", { NULL }, "?" },
	/* --- sysctl --- */
	{ TOP HOST "    sysctl:\n      net.core.netdev_max_backlg: 10\n", { NULL }, "?" },
	{ TOP HOST "    sysctl:\n      net.ipv4.ip_forward: 1\n", { NULL }, "?" },
	{ TOP HOST "    sysctl:\n      net.core.flow_limit_table_len: 1000\n", { NULL }, "?" },
	{ TOP HOST "    sysctl:\n      net.core.netdev_max_backlog: 0\n", { NULL }, "?" },
	{ TOP HOST "    sysctl:\n      net.core.rmem_max: 1KiB\n", { NULL }, "?" },
	/* --- nics --- */
	{ TOP HOST "    nics:\n      - name: eth0\n        driver: ixgb\n", { NULL }, "?" },
	{ TOP HOST "    nics:\n      - name: eth0\n        driver: e1000\n", { NULL }, "?" },
	{ TOP HOST NIC "        rx_ring: 32\n", { NULL }, "?" },
	{ TOP HOST "    nics:\n      - name: eth0\n        driver: mlx5\n        rx_ring: 8193\n",
	  { NULL },
	  "?" },
	{ TOP HOST "    nics:\n      - name: eth0\n        address: 10.0.0.300/24\n", { NULL }, "?" },
	{ TOP HOST "    nics:\n      - name: eth0\n        address: 10.0.0.1/33\n", { NULL }, "?" },
	{ TOP HOST NIC "        rx_queues: 4\n        irq_affinity: [0, 1]\n", { NULL }, "?" },
	{ TOP HOST NIC "        irq_affinity: [2]\n", { NULL }, "?" },
	{ TOP HOST NIC "        rps_cpus: 0-7\n", { NULL }, "?" },
	{ TOP HOST NIC "        rps_cpus: '0x10'\n", { NULL }, "?" },
	{ TOP HOST NIC "      - name: eth0\n", { NULL }, "?" },
	{ TOP HOST NIC "        rx_usecs: 5us\n", { NULL }, "?" },
	/* --- iptables --- */
	{ TOP HOST NIC "    iptables:\n      - -A INPUT -p udp --dprot 53 -j DROP\n", { NULL }, "?" },
	{ TOP HOST NIC "    iptables:\n      - -t nat -A PREROUTING -j DROP\n", { NULL }, "?" },
	{ TOP HOST NIC "    iptables:\n      - -A FORWARD -j DROP\n", { NULL }, "?" },
	/* --- sockets --- */
	{ TOP HOST NIC "    sockets:\n      - name: srv\n        bind: 0.0.0.0\n", { NULL }, "?" },
	{ TOP HOST NIC "    sockets:\n      - name: srv\n        bind: 10.0.0.2:5000\n",
	  { NULL },
	  "?" },
	{ BASE "      - name: srv2\n        bind: 10.0.0.1:5000\n", { NULL }, "?" },
	{ BASE "      - name: srv\n        bind: 0.0.0.0:5001\n", { NULL }, "?" },
	{ BASE "        rcvbuff: 1MiB\n", { NULL }, "?" },
	{ BASE "        filter:\n          action: pass\n", { NULL }, "?" },
	/* --- taps --- */
	{ BASE "    taps:\n      - name: cap\n        dev: eth1\n", { NULL }, "?" },
	/* --- apps --- */
	{ BASE "    apps:\n      - name: a\n        socket: srv1\n", { NULL }, "?" },
	{ BASE "    apps:\n      - name: a\n        socket: srv\n        cpu: 2\n", { NULL }, "?" },
	{ BASE "    apps:\n      - name: a\n        socket: srv\n        syscall: recvmmg\n",
	  { NULL },
	  "?" },
	/* --- traffic --- */
	{ BASE "traffic:\n  - name: t\n    to: rx-eth0\n    rate: 1kpps\n    dst: 10.0.0.1:5000\n",
	  { NULL },
	  "?" },
	{ BASE "traffic:\n  - name: t\n    to: rx/eth1\n    rate: 1kpps\n    dst: 10.0.0.1:5000\n",
	  { NULL },
	  "?" },
	{ BASE TRAFFIC "    rate: 10 kp/s\n", { NULL }, "?" },
	{ BASE TRAFFIC "    rate: 1kpps\n    pattern: poison\n", { NULL }, "?" },
	{ BASE TRAFFIC "    rate: 1kpps\n    pattern: onoff\n    off: 1ms\n", { NULL }, "?" },
	{ BASE TRAFFIC "    rate: 1kpps\n    pattern: burst\n", { NULL }, "?" },
	{ BASE TRAFFIC "    rate: 1kpps\n    size: {dist: normal, mean: 500}\n", { NULL }, "?" },
	{ BASE TRAFFIC "    rate: 1kpps\n    size: {dist: gaussian}\n", { NULL }, "?" },
	{ BASE TRAFFIC "    rate: 1kpps\n    size: 9000\n", { NULL }, "?" },
	{ BASE TRAFFIC "    rate: 1kpps\n    start: 5ms\n    stop: 2ms\n", { NULL }, "?" },
	{ BASE TRAFFIC "    rate: 1kpps\n    bad_csum: 2\n", { NULL }, "?" },
	{ BASE TRAFFIC, { NULL }, "?" },
	/* --- costs --- */
	{ TOP "costs:\n  hardirqq: 100\n" HOST NIC, { NULL }, "?" },
	{ TOP "costs:\n  hardirq: fast\n" HOST NIC, { NULL }, "?" },
	/* --- --set --- */
	{ BASE, { "hosts/rx/sysctl/net.core.netdev_budget=abc", NULL }, "?" },
	{ BASE, { "seed=1", "hosts/rx/nics/eth0/rx_rnig=128", NULL }, "?" },
	{ BASE, { "hosts/tx/cpus=4", NULL }, "?" },
	{ BASE, { "hosts/rx/nics/eth0/driver=mlx", NULL }, "?" },
	{ BASE, { "hosts/rx/sysctl/net.ipv4.ip_forward=1", NULL }, "?" },
};

/* Load @yaml, apply @sets and build the world; the error message, or "" on success. */
static void build(const char *yaml, const char *const *sets, struct sim_error *err)
{
	struct cfg c = { 0 };
	struct world *w = NULL;
	int rc = cfg_load_string(&c, "t.yaml", yaml, err);

	for (int i = 0; !rc && i < MAX_SETS && sets && sets[i]; i++)
		rc = cfg_apply_set(&c, sets[i], err);
	if (!rc) {
		w = world_create(&c, -1, err);
		ck_assert_msg((w == NULL) == (err->set != 0),
			      "world_create's result and error record disagree");
	}
	world_free(w);
	cfg_release(&c);
}

START_TEST(test_errors)
{
	const struct ecase *tc = &ecases[_i];
	struct sim_error err = { 0 };

	build(tc->yaml, tc->sets, &err);
	ck_assert_msg(err.set, "case %d: no error, expected \"%s\"", _i, tc->want);
	ck_assert_msg(!strcmp(err.msg, tc->want), "case %d:\n  got  \"%s\"\n  want \"%s\"", _i,
		      err.msg, tc->want);
}
END_TEST

/* The fragments the rows are made of are valid on their own. */
START_TEST(test_base_is_valid)
{
	static const char *const ok[] = {
		TOP HOST,
		TOP HOST NIC,
		BASE,
		BASE TRAFFIC "    rate: 1kpps\n",
		BASE "    apps:\n      - name: a\n        socket: srv\n        cpu: 1\n",
	};
	static const char *const sets[] = { "hosts/rx/nics/eth0/rx_ring=128", NULL };

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct sim_error err = { 0 };

		build(ok[i], NULL, &err);
		ck_assert_msg(!err.set, "fragment %zu: unexpected \"%s\"", i, err.msg);
		build(ok[i], i >= 1 ? sets : NULL, &err);
		ck_assert_msg(!err.set, "fragment %zu with --set: unexpected \"%s\"", i, err.msg);
	}
}
END_TEST

/* The first error wins: a row with two mistakes reports the earlier one read. */
START_TEST(test_first_error_wins)
{
	struct sim_error err = { 0 };

	build(TOP HOST "    hz: 200\n    sysctl:\n      net.core.netdev_max_backlg: 10\n", NULL,
	      &err);
	ck_assert_str_eq(err.msg, "?");
}
END_TEST

Suite *scenario_errors_suite(void);

Suite *scenario_errors_suite(void)
{
	Suite *s = suite_create("scenario_errors");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_errors, 0, (int)(sizeof(ecases) / sizeof(ecases[0])));
	tcase_add_test(tc, test_base_is_valid);
	tcase_add_test(tc, test_first_error_wins);
	suite_add_tcase(s, tc);
	return s;
}
