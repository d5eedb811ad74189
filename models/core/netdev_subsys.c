/*
 * models/core/netdev_subsys.c - the device layer's lifecycle and report
 * hooks (models/subsys.h): a host's `nics:`, `vlans:` and `bridges:` and its
 * loopback device (register_netdevice in list order, lo last as the model
 * numbers it; /proc/net/dev lists lo first as the kernel does), the softirq
 * vectors they run in, and their report.
 *
 * Devices are reached only through models/core/netdevice.h: a driver is
 * found by the scenario's `driver:` in the registry (models/drivers).
 */
#include <stdlib.h>
#include <string.h>

#include "models/core/dev.h"
#include "models/core/netdevice.h"
#include "models/core/xmit.h"
#include "models/subsys.h"

static void netdev_subsys_boot(void)
{
	net_dev_init();
	net_tx_init();
}

/* A device of @drv from mapping @n (a @what: "nic", "bridge", "vlan"), added to @h. */
static int host_add_dev(struct host *h, const struct cfg_node *n, const struct netdev_driver *drv,
			const char *what, struct sim_error *err)
{
	struct net_device *dev = NULL;
	const char *name = NULL;
	int rc;

	if (cfg_get_name(n, "name", &name, sizeof(dev->name) - 1, err))
		return -1;
	rc = netdev_create(h, drv, n, name, &dev, err);
	if (dev)
		h->devs[h->ndevs++] = dev;
	if (rc)
		return -1;
	if (!strcmp(dev->name, "lo"))
		return cfg_error(cfg_get(n, "name"), err,
				 "%s name 'lo' is taken by the loopback device", what);
	for (uint32_t i = 0; i + 1 < h->ndevs; i++)
		if (!strcmp(h->devs[i]->name, dev->name))
			return cfg_error(cfg_get(n, "name"), err, "duplicate %s name '%s'", what,
					 dev->name);
	if (dev->addr && h->nlocal >= 16)
		return cfg_error(cfg_get(n, "address"), err,
				 "too many addresses on host '%s' (at most 16)", h->name);
	if (dev->addr)
		h->local_addr[h->nlocal++] = dev->addr;
	return 0;
}

static int host_add_nic(struct host *h, const struct cfg_node *n, struct sim_error *err)
{
	const struct netdev_driver *drv;
	const char *kind = NULL, *name = NULL;

	if (cfg_require(n, "name", "nic", err) ||
	    cfg_get_name(n, "name", &name, sizeof(((struct net_device *)0)->name) - 1, err) ||
	    cfg_get_str(n, "driver", &kind, "ixgbe", err))
		return -1;
	drv = netdev_driver_find(kind);
	if (!drv || !drv->scenario)
		return netdev_driver_unknown(cfg_get(n, "driver"), kind, err);
	return host_add_dev(h, n, drv, "nic", err);
}

/* A `vlans:` item: a VLAN device on one of the host's devices made before it. */
static int host_add_vlan(struct host *h, const struct cfg_node *n, struct sim_error *err)
{
	if (cfg_require(n, "name", "vlan", err))
		return -1;
	return host_add_dev(h, n, netdev_driver_find("vlan"), "vlan", err);
}

/* A `bridges:` item: a bridge whose ports are devices made before it. */
static int host_add_bridge(struct host *h, const struct cfg_node *n, struct sim_error *err)
{
	if (cfg_require(n, "name", "bridge", err))
		return -1;
	return host_add_dev(h, n, netdev_driver_find("bridge"), "bridge", err);
}

static int host_add_lo(struct host *h, struct sim_error *err)
{
	struct net_device *lo = NULL;
	int rc = netdev_create(h, netdev_driver_find("loopback"), NULL, "lo", &lo, err);

	if (lo)
		h->devs[h->ndevs++] = lo;
	h->lo = lo;
	return rc;
}

static int netdev_subsys_init(struct host *h, const struct cfg_node *n, struct sim_error *err)
{
	h->devs = calloc(cfg_seq_len(n, "nics") + cfg_seq_len(n, "vlans") +
				 cfg_seq_len(n, "bridges") + 2,
			 sizeof(*h->devs));
	if (!h->devs)
		return cfg_error(n, err, "out of memory");
	if (host_each_item(h, n, "nics", host_add_nic, err) ||
	    host_each_item(h, n, "vlans", host_add_vlan, err) ||
	    host_each_item(h, n, "bridges", host_add_bridge, err) || host_add_lo(h, err))
		return -1;
	return 0;
}

static void netdev_subsys_warmup_reset(struct host *h, sim_time_t now)
{
	for (uint32_t d = 0; d < h->ndevs; d++)
		netdev_stats_reset(h->devs[d], now);
}

static void netdev_subsys_release(struct host *h)
{
	for (uint32_t i = 0; i < h->ndevs; i++)
		free_netdev(h->devs[i]);
	free(h->devs);
}

/* Every RX ring full plus a poll's worth and the XDP TX ring; every TX ring and qdisc full. */
static uint64_t netdev_subsys_skb_pool_need(const struct host *h)
{
	struct ethtool_ringparam r;
	uint64_t n = 0;

	for (uint32_t d = 0; d < h->ndevs; d++) {
		netdev_get_ringparam(h->devs[d], &r);
		n += (uint64_t)r.rx_queues * (r.rx_pending + 64 * 9 + r.xdp_tx_pending);
		n += (uint64_t)h->devs[d]->ntxq *
		     (r.tx_pending + 3ull * h->devs[d]->txqueuelen + 64);
	}
	return n;
}

/* A link's end "HOST/DEV": netdev_find(), but never a host's loopback. */
static struct net_device *world_find_dev(struct world *w, const char *spec)
{
	struct net_device *dev = netdev_find(w, spec);

	return dev && !dev->loopback ? dev : NULL;
}

/* One `links:` entry: two NICs of two hosts, full duplex. */
static int world_parse_link(struct world *w, const struct cfg_node *n, struct sim_error *err)
{
	const char *as = NULL, *bs = NULL;
	struct net_device *a, *b;
	sim_time_t delay;
	double loss;

	if (cfg_node_map(n, "links", err) || cfg_require(n, "a", "link", err) ||
	    cfg_require(n, "b", "link", err) || cfg_get_str(n, "a", &as, NULL, err) ||
	    cfg_get_str(n, "b", &bs, NULL, err) ||
	    cfg_get_time(n, "delay", &delay, 500 * SIM_NS, 0, SIM_SEC, err) ||
	    cfg_get_fraction(n, "loss", &loss, 0, err))
		return -1;
	if (!(a = world_find_dev(w, as)))
		return cfg_error(cfg_get(n, "a"), err, "no nic '%s' (expected HOST/NIC)", as);
	if (!(b = world_find_dev(w, bs)))
		return cfg_error(cfg_get(n, "b"), err, "no nic '%s' (expected HOST/NIC)", bs);
	if (a == b || a->host == b->host)
		return cfg_error(cfg_get(n, "b"), err, "a link joins NICs of two different hosts");
	if (a->peer || b->peer)
		return cfg_error(cfg_get(n, a->peer ? "a" : "b"), err, "nic '%s' is already linked",
				 a->peer ? as : bs);
	a->peer = b;
	b->peer = a;
	a->link_delay = b->link_delay = delay;
	a->link_loss = b->link_loss = loss;
	return cfg_check_unknown(n, "link", err);
}

static int world_parse_links(struct world *w, const struct cfg_node *root, struct sim_error *err)
{
	const struct cfg_node *l;

	if (cfg_get_seq(root, "links", &l, err))
		return -1;
	for (uint32_t i = 0; l && i < l->n; i++)
		if (world_parse_link(w, l->items[i], err))
			return -1;
	return 0;
}

/* The scenario node of nic @d of host @h (hosts and their nics are built in list order). */
static const struct cfg_node *world_nic_node(const struct world *w, const struct cfg_node *root,
					     const struct net_device *dev)
{
	const struct cfg_node *hosts = cfg_get(root, "hosts"), *nics;

	for (uint32_t i = 0; i < w->nhosts; i++) {
		if (w->hosts[i] != dev->host)
			continue;
		nics = cfg_get(hosts->items[i], "nics");
		for (uint32_t d = 0; nics && d < nics->n && d < dev->host->ndevs; d++)
			if (dev->host->devs[d] == dev)
				return nics->items[d];
	}
	return NULL;
}

/* veth pairing, found after parsing: the error goes to the veth's 'peer'. */
static int world_link_veths(struct world *w, const struct cfg_node *root, struct sim_error *err)
{
	struct sim_error local = { 0 };
	struct net_device *bad = NULL;
	const struct cfg_node *n;

	if (!netdev_link_all(w, &bad, &local))
		return 0;
	n = bad ? world_nic_node(w, root, bad) : NULL;
	if (n && cfg_get(n, "peer"))
		return cfg_error(cfg_get(n, "peer"), err, "%s", local.msg);
	return sim_error_set(err, "%s", local.msg);
}

/* Once every host is built: veth peers, then `links:`. */
static int netdev_subsys_world_link(struct world *w, const struct cfg_node *root,
				    struct sim_error *err)
{
	return world_link_veths(w, root, err) || world_parse_links(w, root, err) ? -1 : 0;
}

const struct host_subsys_ops netdev_subsys = {
	.name = "netdev",
	.boot = netdev_subsys_boot,
	.init = netdev_subsys_init,
	.world_link = netdev_subsys_world_link,
	.warmup_reset = netdev_subsys_warmup_reset,
	.release = netdev_subsys_release,
	.skb_pool_need = netdev_subsys_skb_pool_need,
};
