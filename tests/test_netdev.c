/*
 * tests/test_netdev.c - the generic device layer (models/core/netdevice.h): the
 * driver registry, netdev_priv, the size of each kind's allocation, the root
 * qdiscs dev_activate attaches (mq on a multi-queue device), and what the core
 * reads through the ops.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "models/core/netdevice.h"
#include "models/sched/sch_generic.h"
#include "models/scenario.h"
#include "tests/test_world.h"

/* A host with a 4-queue ixgbe NIC and a single-queue mlx5 one; a veth pair on one machine. */
static const char kinds_yaml[] =
	"name: kinds\n"
	"duration: 1ms\n"
	"hosts:\n"
	"  - name: A\n"
	"    cpus: 4\n"
	"    nics:\n"
	"      - {name: eth0, driver: ixgbe, rx_queues: 4, address: 10.0.0.1/24}\n"
	"      - {name: eth1, driver: mlx5, address: 10.0.1.1/24}\n"
	"      - {name: v0, driver: veth, peer: B/v1, address: 10.9.0.1/24,\n"
	"         queues: 2, rps_cpus: '1-2'}\n"
	"  - name: B\n"
	"    machine: A\n"
	"    nics:\n"
	"      - {name: v1, driver: veth, peer: A/v0, address: 10.9.0.2/24}\n";

static struct net_device *dev_named(struct host *h, const char *name)
{
	for (uint32_t d = 0; d < h->ndevs; d++)
		if (!strcmp(h->devs[d]->name, name))
			return h->devs[d];
	ck_abort_msg("no device '%s' on host '%s'", name, h->name);
	return NULL;
}

/* The bytes alloc_netdev took for @dev: the device, then its driver's private area. */
static size_t alloc_size(const struct net_device *dev)
{
	return NETDEV_PRIV_OFFSET + dev->driver->priv_size;
}

/* Every driver of the registry is found by its name, once, with a setup. */
START_TEST(test_registry_reaches_every_kind)
{
	static const char *const kinds[] = { "ixgbe", "i40e",	  "mlx5",   "generic",
					     "veth",  "loopback", "bridge", "vlan" };
	size_t n = 0;

	for (size_t i = 0; netdev_drivers[i]; i++, n++) {
		ck_assert_ptr_eq(netdev_driver_find(netdev_drivers[i]->name), netdev_drivers[i]);
		ck_assert_ptr_nonnull(netdev_drivers[i]->setup);
		for (size_t j = 0; j < i; j++)
			ck_assert_str_ne(netdev_drivers[i]->name, netdev_drivers[j]->name);
	}
	ck_assert_uint_eq(n, sizeof(kinds) / sizeof(kinds[0]));
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(netdev_driver_find(kinds[i]), "no driver '%s'", kinds[i]);
	ck_assert(!netdev_driver_find("loopback")->scenario);
	ck_assert(!netdev_driver_find("bridge")->scenario); /* `bridges:`, not `nics:` */
	ck_assert(!netdev_driver_find("vlan")->scenario);   /* `vlans:` */
	ck_assert(netdev_driver_find("veth")->scenario);
	ck_assert_ptr_null(netdev_driver_find("e1000"));
}
END_TEST

/*
 * Each device of a world came from its registry entry; lo and veth carry no
 * NIC state (the 12 KiB RSS table, the rings), a NIC does; netdev_priv is
 * the aligned area right after the device.
 */
START_TEST(test_allocation_per_kind)
{
	struct world *w = test_world_run("kinds.yaml", kinds_yaml);
	struct host *a = test_world_host(w, "A");
	const size_t rss_tbl = 12 * 256 * sizeof(uint32_t);

	for (uint32_t i = 0; i < w->nhosts; i++)
		for (uint32_t d = 0; d < w->hosts[i]->ndevs; d++) {
			const struct net_device *dev = w->hosts[i]->devs[d];

			ck_assert_ptr_eq(netdev_driver_find(dev->driver->name), dev->driver);
			ck_assert_ptr_eq(netdev_priv(dev), (const char *)dev + NETDEV_PRIV_OFFSET);
			ck_assert_uint_eq((uintptr_t)netdev_priv(dev) % NETDEV_ALIGN, 0);
		}
	ck_assert_uint_lt(sizeof(struct net_device), rss_tbl / 4);
	ck_assert_uint_lt(alloc_size(a->lo), rss_tbl / 4);
	ck_assert_uint_lt(alloc_size(dev_named(a, "v0")), rss_tbl / 4);
	ck_assert_uint_gt(alloc_size(dev_named(a, "eth0")), rss_tbl);
	ck_assert_str_eq(a->lo->driver->name, "loopback");
	ck_assert(a->lo->loopback);
	world_free(w);
}
END_TEST

/* dev_activate: mq with a child per TX queue on a multi-queue device, else the one qdisc. */
START_TEST(test_root_qdiscs)
{
	struct world *w = test_world_run("kinds.yaml", kinds_yaml);
	struct host *a = test_world_host(w, "A");
	const struct net_device *eth0 = dev_named(a, "eth0"), *eth1 = dev_named(a, "eth1");
	const struct net_device *v0 = dev_named(a, "v0"),
				*v1 = dev_named(test_world_host(w, "B"), "v1");

	ck_assert_ptr_eq(eth0->qdisc->ops, &mq_qdisc_ops);
	ck_assert_uint_eq(eth0->ntxq, 4);
	for (uint32_t i = 0; i < eth0->ntxq; i++) {
		ck_assert_ptr_eq(eth0->qdisc->ops->cl_ops->leaf(eth0->qdisc, i + 1),
				 eth0->txq[i].qdisc);
		ck_assert_str_eq(eth0->txq[i].qdisc->ops->id, "pfifo_fast");
	}
	ck_assert_ptr_null(eth0->qdisc->ops->cl_ops->leaf(eth0->qdisc, 5));
	ck_assert_ptr_eq(eth1->qdisc, eth1->txq[0].qdisc);
	ck_assert_str_eq(eth1->qdisc->ops->id, "pfifo_fast");
	ck_assert_ptr_eq(v0->qdisc->ops, &mq_qdisc_ops); /* queues: 2 */
	ck_assert_str_eq(v0->txq[1].qdisc->ops->id, "noqueue");
	ck_assert_str_eq(v1->qdisc->ops->id, "noqueue");
	ck_assert_str_eq(a->lo->qdisc->ops->id, "noqueue");
	world_free(w);
}
END_TEST

/* What the core reads without naming a driver: the wire side, RPS, the peer, the ifindex. */
START_TEST(test_core_view)
{
	struct world *w = test_world_run("kinds.yaml", kinds_yaml);
	struct host *a = test_world_host(w, "A");
	struct net_device *eth0 = dev_named(a, "eth0"), *v0 = dev_named(a, "v0");
	struct net_device *v1 = dev_named(test_world_host(w, "B"), "v1");
	struct ethtool_ringparam r;

	ck_assert_ptr_nonnull(eth0->netdev_ops->ndo_wire_receive);
	ck_assert_ptr_null(v0->netdev_ops->ndo_wire_receive);
	ck_assert_ptr_null(a->lo->netdev_ops->ndo_wire_receive);
	ck_assert_ptr_eq(v0->peer, v1);
	ck_assert_ptr_eq(v1->peer, v0);
	ck_assert_ptr_eq(netdev_find(w, "B/v1"), v1);
	ck_assert_ptr_null(netdev_find(w, "B/v9"));
	ck_assert_uint_eq(netdev_ifindex(eth0), 2);
	ck_assert_uint_eq(netdev_ifindex(v0), 4);
	/* rps_cpus '1-2' on every RX queue of the veth */
	ck_assert_uint_eq(v0->nrxq, 2);
	for (uint32_t i = 0; i < v0->nrxq; i++) {
		ck_assert_uint_eq(v0->rxq[i].rps_len, 2);
		ck_assert_uint_eq(v0->rxq[i].rps_map[0], 1);
		ck_assert_uint_eq(v0->rxq[i].rps_map[1], 2);
	}
	ck_assert_uint_eq(a->lo->nrxq, 0);
	netdev_get_ringparam(eth0, &r);
	ck_assert_uint_eq(r.rx_queues, 4);
	ck_assert_uint_eq(r.rx_pending, 512); /* ixgbe's default */
	netdev_get_ringparam(v0, &r);
	ck_assert_uint_eq(r.rx_queues, 0);
	ck_assert_uint_eq(r.tx_pending, 1);
	ck_assert_ptr_eq(eth0->xmit_cost, &a->costs.driver_xmit);
	ck_assert_ptr_eq(v0->xmit_cost, &a->costs.veth_xmit);
	world_free(w);
}
END_TEST

Suite *netdev_suite(void);
Suite *netdev_suite(void)
{
	Suite *s = suite_create("netdev");
	TCase *tc = tcase_create("netdev");

	tcase_add_test(tc, test_registry_reaches_every_kind);
	tcase_add_test(tc, test_allocation_per_kind);
	tcase_add_test(tc, test_root_qdiscs);
	tcase_add_test(tc, test_core_view);
	suite_add_tcase(s, tc);
	return s;
}
