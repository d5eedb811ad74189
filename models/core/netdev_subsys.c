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
#include "models/kernel/contention.h"
#include "models/sched/sch_generic.h"
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

/* ---- report ---- */

/* The drivers' lines (adaptive moderation in force). */
static void text_devs(const struct host *h, FILE *f)
{
	for (uint32_t d = 0; d < h->ndevs; d++)
		if (h->devs[d]->ethtool_ops->report_text)
			h->devs[d]->ethtool_ops->report_text(h->devs[d], f);
}

static cJSON *json_devs(const struct host *h)
{
	cJSON *a = cJSON_CreateArray();

	for (uint32_t d = 0; d < h->ndevs; d++)
		cJSON_AddItemToArray(a, h->devs[d]->ethtool_ops->report_json(h->devs[d]));
	return a;
}

static void netdev_subsys_json(const struct host *h, cJSON *o)
{
	cJSON_AddItemToObject(o, "devices", json_devs(h));
}

/* The TX queues' qdisc root locks and busylocks that were taken (a shared root: once). */
static void netdev_subsys_locks(const struct host *h, lock_report_fn fn, void *arg)
{
	char owner[64];

	for (uint32_t d = 0; d < h->ndevs; d++) {
		const struct net_device *dev = h->devs[d];

		for (uint32_t i = 0; dev->txq && i < dev->ntxq; i++) {
			const struct Qdisc *q = dev->txq[i].qdisc;
			struct lock_report l;

			if (!q || (i && q == dev->txq[0].qdisc) || !q->root_lock.acquired)
				continue;
			snprintf(owner, sizeof(owner), "%s:%x:", dev->name, q->handle >> 16);
			l = lock_report_of(owner, "qdisc_lock", &q->root_lock);
			fn(&l, arg);
			if (!q->busylock.acquired)
				continue;
			l = lock_report_of(owner, "busylock", &q->busylock);
			fn(&l, arg);
		}
	}
}

/* The host's devices as the kernel lists them: lo (registered first in a namespace), then the rest. */
static const struct net_device *dev_in_kernel_order(const struct host *h, uint32_t i)
{
	uint32_t n = 0;

	if (h->lo && !i)
		return h->lo;
	if (h->lo)
		i--;
	for (uint32_t d = 0; d < h->ndevs; d++)
		if (h->devs[d] != h->lo && n++ == i)
			return h->devs[d];
	return NULL;
}

/* /proc/net/dev: its header, then one line per device (dev_seq_printf_stats). */
static void write_net_dev(const struct host *h, FILE *f)
{
	const struct net_device *v;

	fprintf(f,
		"Inter-|   Receive                                                |  Transmit\n");
	fprintf(f, " face |bytes    packets errs drop fifo frame compressed multicast|bytes    "
		   "packets errs drop fifo colls carrier compressed\n");
	for (uint32_t i = 0; (v = dev_in_kernel_order(h, i)); i++)
		netdev_show_proc_net_dev(v, f);
}

static void fn_bql(const void *a, FILE *f)
{
	netdev_show_bql(a, f);
}

/* `tc -s qdisc show`: every device's root qdisc by ifindex, lo first (mq on a multi-queue device, with its children). */
static void write_tc_qdisc(const struct host *h, FILE *f)
{
	const struct net_device *v;

	for (uint32_t d = 0; (v = dev_in_kernel_order(h, d)); d++)
		qdisc_dump(v->qdisc, v->name, "root", f);
}

/*
 * `tc -s class show`: the classes of every device's classful root (prio,
 * htb) and of their classful children; empty when there are none.
 */
static void write_tc_class(const struct host *h, FILE *f)
{
	for (uint32_t d = 0; d < h->ndevs; d++)
		qdisc_dump_classes(h->devs[d]->qdisc, h->devs[d]->name, f);
}

static void fn_tc_class(const void *a, FILE *f)
{
	write_tc_class(a, f);
}

static void fn_ethtool_c(const void *a, FILE *f)
{
	const struct net_device *dev = a;

	dev->ethtool_ops->get_coalesce(dev, f);
}

static void fn_net_dev(const void *a, FILE *f)
{
	write_net_dev(a, f);
}

static void fn_ethtool(const void *a, FILE *f)
{
	const struct net_device *dev = a;

	dev->ethtool_ops->get_ethtool_stats(dev, f);
}

static void fn_fdb(const void *a, FILE *f)
{
	const struct net_device *dev = a;

	dev->ethtool_ops->show_fdb(dev, f);
}

static void fn_tc(const void *a, FILE *f)
{
	write_tc_qdisc(a, f);
}

/* A device's files: `bridge fdb show`, `ethtool -S`, `ethtool -c`, BQL's sysfs directory. */
static int netdev_dev_files(const struct net_device *dev, struct host_files *out,
			    struct sim_error *err)
{
	const struct ethtool_ops *ops = dev->ethtool_ops;
	char name[64];

	snprintf(name, sizeof(name), "bridge_fdb_%s", dev->name);
	if (ops->show_fdb && out->emit(out, 140, name, fn_fdb, dev, err))
		return -1;
	if (!ops->get_ethtool_stats)
		return 0;
	snprintf(name, sizeof(name), "ethtool_S_%s", dev->name);
	if (out->emit(out, 140, name, fn_ethtool, dev, err))
		return -1;
	snprintf(name, sizeof(name), "ethtool_c_%s", dev->name);
	if (ops->get_coalesce && out->emit(out, 140, name, fn_ethtool_c, dev, err))
		return -1;
	snprintf(name, sizeof(name), "byte_queue_limits_%s", dev->name);
	if (dev->bql && out->emit(out, 140, name, fn_bql, dev, err))
		return -1;
	return 0;
}

static int netdev_subsys_files(const struct host *h, struct host_files *out, struct sim_error *err)
{
	if (out->emit(out, 40, "net_dev", fn_net_dev, h, err) ||
	    out->emit(out, 70, "tc_qdisc", fn_tc, h, err) ||
	    out->emit(out, 80, "tc_class", fn_tc_class, h, err))
		return -1;
	for (uint32_t d = 0; d < h->ndevs; d++)
		if (netdev_dev_files(h->devs[d], out, err))
			return -1;
	return 0;
}

static const char *const netdev_files[] = { "net_dev", "tc_qdisc", "tc_class", NULL };
static const char *const netdev_prefixes[] = { "ethtool_S_", "ethtool_c_", "byte_queue_limits_",
					       "bridge_fdb_", NULL };

const struct host_subsys_ops netdev_subsys = {
	.name = "netdev",
	.boot = netdev_subsys_boot,
	.init = netdev_subsys_init,
	.world_link = netdev_subsys_world_link,
	.warmup_reset = netdev_subsys_warmup_reset,
	.release = netdev_subsys_release,
	.skb_pool_need = netdev_subsys_skb_pool_need,
	.text_rank = 40,
	.text = text_devs,
	.json_rank = 30,
	.json = netdev_subsys_json,
	.locks = netdev_subsys_locks,
	.files = netdev_subsys_files,
	.file_names = netdev_files,
	.file_prefixes = netdev_prefixes,
};
