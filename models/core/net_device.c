/*
 * models/core/net_device.c - the generic device: allocation with the driver's private
 * area, queues, qdisc attachment (dev_activate), the scenario keys every device shares,
 * and the reporting helpers drivers use.
 *
 * Kernel references: net/core/dev.c (alloc_netdev_mqs, free_netdev,
 * netif_alloc_netdev_queues, netif_alloc_rx_queues), net/core/net-sysfs.c
 * (store_rps_map, bql_show_*), net/sched/sch_generic.c (dev_activate,
 * attach_default_qdiscs, attach_one_default_qdisc), net/core/net-procfs.c
 * (dev_seq_printf_stats). See models/core/netdevice.h for the contract.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "models/core/netdevice.h"
#include "models/core/xmit.h"
#include "models/lib/inet_addr.h"
#include "models/sched/sch_generic.h"

#define U(x)	      ((unsigned long long)(x))
#define JNUM(o, s, f) cJSON_AddNumberToObject(o, #f, (double)(s)->f)

/* ---- allocation ---- */

/*
 * eth_hw_addr_random's stand-in: a locally administered unicast address
 * from FNV-1a of "HOST/DEV", so that every run (and every seed) gives a
 * device the same address. lo has none.
 */
static uint64_t netdev_default_addr(const struct host *h, const char *name)
{
	uint64_t x = 1469598103934665603ULL;
	char spec[64];

	snprintf(spec, sizeof(spec), "%s/%s", h->name, name);
	for (const char *p = spec; *p; p++)
		x = (x ^ (unsigned char)*p) * 1099511628211ULL;
	x ^= x >> 29; /* FNV's low bits differ little between "veth0" and "veth1" */
	return 0x020000000000ULL | (x & 0xffffffffffULL);
}

/* The `mac` key every device but lo takes: its address instead of the default. */
static int netdev_parse_mac(struct net_device *dev, const struct cfg_node *n, struct sim_error *err)
{
	const char *s = NULL;

	if (!n || cfg_get_str(n, "mac", &s, NULL, err))
		return n ? -1 : 0;
	if (s && eth_addr_parse(s, &dev->dev_addr))
		return cfg_error(
			cfg_get(n, "mac"), err,
			"'mac' must be a unicast MAC address like '02:00:00:00:00:01', got '%s'",
			s);
	return 0;
}

int netdev_create(struct host *h, const struct netdev_driver *drv, const struct cfg_node *n,
		  const char *name, struct net_device **out, struct sim_error *err)
{
	/* alloc_netdev_mqs: one block, the device and its private area both NETDEV_ALIGN-ed */
	size_t size = (NETDEV_PRIV_OFFSET + drv->priv_size + NETDEV_ALIGN - 1) &
		      ~(size_t)(NETDEV_ALIGN - 1);
	struct net_device *dev = aligned_alloc(NETDEV_ALIGN, size);
	char what[48];

	*out = dev;
	if (!dev)
		return sim_error_set(err, "out of memory");
	memset(dev, 0, size);
	snprintf(dev->name, sizeof(dev->name), "%s", name);
	dev->host = h;
	dev->driver = drv;
	dev->dev_addr = n ? netdev_default_addr(h, name) : 0;
	dev->gso_max_size = GSO_LEGACY_MAX_SIZE; /* netif_set_tso_max_size's default */
	if (netdev_parse_mac(dev, n, err) || drv->setup(dev, n, err))
		return -1;
	SIM_BUG_ON(!dev->netdev_ops || !dev->netdev_ops->ndo_start_xmit || !dev->ethtool_ops ||
		   !dev->ethtool_ops->report_json || !dev->xmit_cost || !dev->qdisc);
	if (!n)
		return 0;
	snprintf(what, sizeof(what), "nic '%s'", dev->name);
	return cfg_check_unknown(n, what, err);
}

int netif_alloc_queues(struct net_device *dev, uint32_t ntxq, uint32_t nrxq)
{
	dev->txq = calloc(ntxq, sizeof(*dev->txq));
	dev->rxq = calloc(nrxq ? nrxq : 1, sizeof(*dev->rxq));
	if (!dev->txq || !dev->rxq)
		return -1;
	dev->ntxq = ntxq;
	dev->nrxq = nrxq;
	for (uint32_t i = 0; i < ntxq; i++) {
		dev->txq[i].dev = dev;
		dev->txq[i].index = (uint16_t)i;
	}
	for (uint32_t i = 0; i < nrxq; i++) {
		dev->rxq[i].dev = dev;
		dev->rxq[i].index = (uint16_t)i;
	}
	return 0;
}

void free_netdev(struct net_device *dev)
{
	if (!dev)
		return;
	qdisc_destroy(dev->qdisc);
	if (dev->netdev_ops && dev->netdev_ops->ndo_uninit)
		dev->netdev_ops->ndo_uninit(dev);
	free(dev->txq);
	for (uint32_t i = 0; dev->rxq && i < dev->nrxq; i++)
		free(dev->rxq[i].rps_flow);
	free(dev->rxq);
	free(dev->vlan_info);
	free(dev);
}

int netdev_rx_handler_register(struct net_device *dev, rx_handler_func_t handler, void *data)
{
	if (dev->rx_handler)
		return -1;
	dev->rx_handler = handler;
	dev->rx_handler_data = data;
	return 0;
}

uint8_t eth_pkt_type(const struct net_device *dev, const struct sk_buff *skb)
{
	if (!skb->h_dest || skb->h_dest == dev->dev_addr || skb->h_dest == ETH_ADDR_BCAST)
		return PACKET_HOST;
	return PACKET_OTHERHOST;
}

int eth_addr_parse(const char *s, uint64_t *out)
{
	unsigned b[6];
	char tail;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &tail) != 6 ||
	    strlen(s) != 17)
		return -1;
	*out = 0;
	for (int i = 0; i < 6; i++)
		*out = *out << 8 | b[i];
	return !*out || (b[0] & 1) ? -1 : 0;
}

void eth_addr_fmt(char *buf, uint64_t a)
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", (unsigned)(a >> 40 & 0xff),
		 (unsigned)(a >> 32 & 0xff), (unsigned)(a >> 24 & 0xff), (unsigned)(a >> 16 & 0xff),
		 (unsigned)(a >> 8 & 0xff), (unsigned)(a & 0xff));
}

void netdev_stats_reset(struct net_device *dev, sim_time_t now)
{
	if (dev->netdev_ops->ndo_stats_reset)
		dev->netdev_ops->ndo_stats_reset(dev, now);
}

int netdev_link_all(struct world *w, struct net_device **bad, struct sim_error *err)
{
	for (uint32_t i = 0; i < w->nhosts; i++)
		for (uint32_t d = 0; d < w->hosts[i]->ndevs; d++) {
			struct net_device *dev = w->hosts[i]->devs[d];

			if (dev->netdev_ops->ndo_link && dev->netdev_ops->ndo_link(w, dev, err)) {
				*bad = dev;
				return -1;
			}
		}
	return 0;
}

struct net_device *netdev_find(struct world *w, const char *spec)
{
	const char *slash = strchr(spec, '/');

	for (uint32_t i = 0; slash && i < w->nhosts; i++) {
		struct host *h = w->hosts[i];

		if (strlen(h->name) != (size_t)(slash - spec) ||
		    strncmp(h->name, spec, (size_t)(slash - spec)))
			continue;
		for (uint32_t d = 0; d < h->ndevs; d++)
			if (!strcmp(h->devs[d]->name, slash + 1))
				return h->devs[d];
	}
	return NULL;
}

unsigned netdev_ifindex(const struct net_device *dev)
{
	const struct host *h = dev->host;
	unsigned idx = 2;

	for (uint32_t d = 0; d < h->ndevs && h->devs[d] != dev; d++)
		if (!h->devs[d]->loopback)
			idx++;
	return idx;
}

void dev_get_stats(const struct net_device *dev, struct rtnl_link_stats64 *s)
{
	*s = (struct rtnl_link_stats64){
		.rx_packets = dev->rx_packets,
		.rx_bytes = dev->rx_bytes,
		.rx_dropped = dev->rx_dropped,
		.rx_missed_errors = dev->rx_missed_errors,
		.rx_errors = dev->rx_errors,
		.rx_crc_errors = dev->rx_crc_errors,
		.rx_nohandler = dev->rx_nohandler,
		.tx_packets = dev->tx_packets,
		.tx_bytes = dev->tx_bytes,
		.tx_dropped = dev->tx_dropped,
		.tx_errors = dev->tx_errors,
		.rx_mac_filtered = dev->rx_mac_filtered,
	};
	if (dev->netdev_ops->ndo_get_stats64)
		dev->netdev_ops->ndo_get_stats64(dev, s);
}

void netdev_get_ringparam(const struct net_device *dev, struct ethtool_ringparam *r)
{
	*r = (struct ethtool_ringparam){ .rx_queues = 0, .rx_pending = 0, .tx_pending = 1 };
	if (dev->ethtool_ops->get_ringparam)
		dev->ethtool_ops->get_ringparam(dev, r);
}

/* ---- keys every device shares ---- */

/* A CPU list "0-3,6" or a hex mask "0xf" / "f" (sysfs rps_cpus style). */
static int parse_cpu_set(const char *s, uint32_t ncpus, uint16_t *out, uint32_t *n)
{
	char *end;

	*n = 0;
	if (!strncmp(s, "0x", 2) || strspn(s, "0123456789abcdefABCDEF") == strlen(s)) {
		unsigned long mask = strtoul(!strncmp(s, "0x", 2) ? s + 2 : s, &end, 16);

		/* a shift by >= the width of unsigned long is undefined */
		if (*end || (ncpus < 64 && mask >> ncpus))
			return -1;
		for (uint32_t i = 0; i < ncpus && i < 64; i++)
			if (mask >> i & 1)
				out[(*n)++] = (uint16_t)i;
		return 0;
	}
	return -1;
}

static int parse_cpu_list(const char *s, uint32_t ncpus, uint16_t *out, uint32_t *n)
{
	const char *p = s;

	*n = 0;
	while (*p) {
		char *end;
		unsigned long a = strtoul(p, &end, 10), b;

		if (end == p)
			return -1;
		b = a;
		if (*end == '-') {
			p = end + 1;
			b = strtoul(p, &end, 10);
			if (end == p)
				return -1;
		}
		if (a > b || b >= ncpus)
			return -1;
		for (unsigned long i = a; i <= b && *n < 64; i++)
			out[(*n)++] = (uint16_t)i;
		if (*end == ',')
			end++;
		else if (*end)
			return -1;
		p = end;
	}
	return *n ? 0 : -1;
}

/*
 * rps_cpus: a hex mask as sysfs takes it ("e", "0xe"), or a CPU list when it
 * has '-' or ',' ("1-3", "1,3"); "" or omitted for off.
 */
int netif_parse_rps_cpus(const struct host *h, const struct cfg_node *n, uint16_t map[64],
			 uint32_t *len, struct sim_error *err)
{
	const struct cfg_node *v = cfg_get(n, "rps_cpus");
	const char *s;

	*len = 0;
	if (!v)
		return 0;
	if (cfg_get_str(n, "rps_cpus", &s, "", err))
		return -1;
	if (!*s)
		return 0;
	if (strchr(s, '-') || strchr(s, ',') ? !parse_cpu_list(s, h->ncpus, map, len)
					     : !parse_cpu_set(s, h->ncpus, map, len))
		return 0;
	return cfg_error(v, err,
			 "'rps_cpus' must be a CPU list like '0-3' or a mask like '0xf' within "
			 "the host's %u CPUs, got '%s'",
			 h->ncpus, s);
}

/*
 * rps_flow_cnt (store_rps_dev_flow_table_cnt): rounded up to a power of two,
 * one table per RX queue; 0 or absent for none.
 */
int netif_parse_rps_flow_cnt(struct net_device *dev, const struct cfg_node *n,
			     struct sim_error *err)
{
	uint64_t cnt, size = 1;

	if (cfg_get_u64(n, "rps_flow_cnt", &cnt, 0, 0, 1u << 30, err))
		return -1;
	if (!cnt)
		return 0;
	while (size < cnt)
		size <<= 1;
	if (world_charge(dev->host->w, cfg_get(n, "rps_flow_cnt"),
			 size * sizeof(struct rps_dev_flow) * (dev->nrxq ? dev->nrxq : 1), err))
		return -1;
	for (uint32_t i = 0; i < dev->nrxq; i++) {
		struct netdev_rx_queue *q = &dev->rxq[i];

		q->rps_flow = malloc(size * sizeof(*q->rps_flow));
		if (!q->rps_flow)
			return cfg_error(cfg_get(n, "rps_flow_cnt"), err, "out of memory");
		for (uint64_t f = 0; f < size; f++)
			q->rps_flow[f] = (struct rps_dev_flow){ RPS_NO_CPU, 0 };
		q->rps_flow_mask = (uint32_t)(size - 1);
	}
	return 0;
}

void netif_set_rps_map(struct net_device *dev, const uint16_t *map, uint32_t len)
{
	for (uint32_t i = 0; len && i < dev->nrxq; i++) {
		memcpy(dev->rxq[i].rps_map, map, len * sizeof(map[0]));
		dev->rxq[i].rps_len = len;
	}
}

int netdev_parse_addr(struct net_device *dev, const struct cfg_node *n, struct sim_error *err)
{
	const char *a = NULL;

	if (cfg_get_str(n, "address", &a, NULL, err))
		return -1;
	if (!a)
		return 0;
	if (inet_parse_addr(strchr(a, '/') ? "x" : a, &dev->addr) == 0) {
		dev->prefix_len = 32;
		return 0;
	}
	{
		char buf[32];
		const char *slash = strchr(a, '/');
		unsigned len;
		char tail;

		if (slash && (size_t)(slash - a) < sizeof(buf)) {
			memcpy(buf, a, (size_t)(slash - a));
			buf[slash - a] = 0;
			if (!inet_parse_addr(buf, &dev->addr) &&
			    sscanf(slash + 1, "%2u%c", &len, &tail) == 1 && len <= 32) {
				dev->prefix_len = len;
				return 0;
			}
		}
	}
	return cfg_error(cfg_get(n, "address"), err,
			 "'address' must be an IPv4 address like '10.0.0.1/24', got '%s'", a);
}

/* ---- qdiscs (dev_activate) ---- */

/* qdisc_watchdog expiry (tbf): __netif_schedule on the CPU that ran the queue. */
static void netdev_qdisc_wake(struct Qdisc *q)
{
	struct netdev_queue *txq = q->wake_arg;
	struct cpu *c = txq->sched_cpu ? txq->sched_cpu : &txq->dev->host->cpus[0];

	netif_schedule_qdisc(c, q);
	local_bh_enable(c);
	cpu_kick(c);
}

/* The qdisc of TX queue @txq (dev_graft_qdisc). */
static void netdev_queue_attach(struct netdev_queue *txq, struct Qdisc *q)
{
	q->wake = netdev_qdisc_wake;
	q->wake_arg = txq;
	txq->qdisc = q;
}

/* `parent:` of a configured qdisc on a multi-queue device */
static const char *const qdisc_parent_names[] = { "mq", "root", NULL };

/*
 * tc qdisc replace dev DEV root KIND on a multi-queue device: one discipline
 * is the root of every TX queue (handle 8001:). qdisc_restart dequeues any
 * skb and sends it to its own TX queue; a stopped one requeues it and stalls
 * the root until that queue wakes (head-of-line blocking, as in Linux).
 */
static int dev_shared_root(struct net_device *dev, const struct cfg_node *qn,
			   const char *default_kind, struct sim_error *err)
{
	struct Qdisc *q = qdisc_create(dev->host->w, dev, qn, default_kind, 0x8001u << 16, err);

	if (!q)
		return -1;
	netdev_queue_attach(&dev->txq[0], q);
	q->multi_txq = true;
	for (uint32_t i = 1; i < dev->ntxq; i++)
		dev->txq[i].qdisc = q;
	dev->qdisc = q;
	return 0;
}

/*
 * attach_default_qdiscs on a multi-queue device: the root is mq (handle 0:),
 * class :N holding TX queue N-1's qdisc; a configured `qdisc:` is every
 * child (handle 8001+i:, as `tc qdisc replace dev eth0 parent :N ...` would).
 */
static int dev_attach_mq(struct net_device *dev, const struct cfg_node *qn,
			 const char *default_kind, struct sim_error *err)
{
	struct world *w = dev->host->w;
	struct Qdisc *mq = qdisc_create_dflt(w, dev, &mq_qdisc_ops, 0, err);

	if (!mq)
		return -1;
	dev->qdisc = mq;
	for (uint32_t i = 0; i < dev->ntxq; i++) {
		uint32_t handle = qn ? (0x8001u + i) << 16 : 0;
		struct Qdisc *q = qdisc_create(w, dev, qn, default_kind, handle, err);

		if (!q)
			return -1;
		mq->ops->cl_ops->graft(mq, i + 1, q);
		netdev_queue_attach(&dev->txq[i], q);
	}
	return 0;
}

int dev_activate(struct net_device *dev, const struct cfg_node *n, const char *default_kind,
		 struct sim_error *err)
{
	const struct cfg_node *qn = n ? cfg_get(n, "qdisc") : NULL;
	bool ringless = !strcmp(default_kind, "noqueue");
	const char *k = NULL;
	struct Qdisc *q;
	int parent = 0;

	if (qn && qn->type == CFG_SEQ)
		return cfg_error(qn, err, "'qdisc' must be a kind or a mapping");
	if (qn && qn->type == CFG_SCALAR)
		k = qn->str; /* `qdisc: fq_codel` */
	else if (qn && (cfg_get_str(qn, "kind", &k, NULL, err) ||
			cfg_get_enum(qn, "parent", qdisc_parent_names, &parent, 0, err)))
		return -1;
	if (k && !strcmp(k, "noqueue") && !ringless)
		return cfg_error(qn, err,
				 "qdisc 'noqueue' needs a device without a TX ring (lo, veth), not "
				 "nic '%s'",
				 dev->name);
	if (k && !strcmp(k, "mq")) {
		if (dev->ntxq < 2)
			return cfg_error(qn->type == CFG_SCALAR ? qn : cfg_get(qn, "kind"), err,
					 "qdisc 'mq' needs a multi-queue device (rx_queues > 1)");
		if (parent)
			return cfg_error(cfg_get(qn, "parent"), err,
					 "qdisc 'mq' is always the root: drop 'parent'");
		qn = NULL; /* mq with its default children */
	}
	if (parent && dev->ntxq > 1)
		return dev_shared_root(dev, qn, default_kind, err);
	if (dev->ntxq > 1)
		return dev_attach_mq(dev, qn, default_kind, err);
	/* a configured qdisc gets handle 8001:, a default one 0: */
	q = qdisc_create(dev->host->w, dev, qn, default_kind, qn ? 0x8001u << 16 : 0, err);
	if (!q)
		return -1;
	netdev_queue_attach(&dev->txq[0], q);
	dev->qdisc = q;
	return 0;
}

/* ---- reporting helpers ---- */

void netdev_json_stats(const struct net_device *dev, cJSON *o)
{
	struct rtnl_link_stats64 st, *s = &st;

	dev_get_stats(dev, s);
	JNUM(o, s, rx_packets);
	JNUM(o, s, rx_bytes);
	JNUM(o, s, rx_dropped);
	JNUM(o, s, rx_missed_errors);
	JNUM(o, s, rx_mac_filtered);
	JNUM(o, s, tx_packets);
	JNUM(o, s, tx_bytes);
	JNUM(o, s, tx_dropped);
}

/* jiffies_to_msecs */
static unsigned long long jiffies_ms(const struct host *h, uint64_t j)
{
	return (unsigned long long)(j * 1000 / h->hz);
}

cJSON *netdev_json_bql(const struct net_device *dev)
{
	cJSON *a = cJSON_CreateArray();

	for (uint32_t i = 0; i < dev->ntxq; i++) {
		const struct dql *d = &dev->txq[i].dql;
		cJSON *o = cJSON_CreateObject();

		cJSON_AddNumberToObject(o, "queue", i);
		cJSON_AddNumberToObject(o, "limit", d->limit);
		cJSON_AddNumberToObject(o, "limit_min", d->min_limit);
		cJSON_AddNumberToObject(o, "limit_max", d->max_limit);
		cJSON_AddNumberToObject(o, "inflight", d->num_queued - d->num_completed);
		cJSON_AddNumberToObject(o, "hold_time_ms",
					(double)jiffies_ms(dev->host, d->slack_hold_time));
		cJSON_AddNumberToObject(o, "stall_thrs_ms",
					(double)jiffies_ms(dev->host, d->stall_thrs));
		cJSON_AddNumberToObject(o, "stall_cnt", (double)d->stall_cnt);
		cJSON_AddNumberToObject(o, "stall_max_ms",
					(double)jiffies_ms(dev->host, d->stall_max));
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

/*
 * `grep . /sys/class/net/DEV/queues/tx-* /byte_queue_limits/ *`: the shell's
 * order (tx-0, tx-1, tx-10, ..., tx-2), the files alphabetically.
 */
void netdev_show_bql(const struct net_device *v, FILE *f)
{
	char names[NETDEV_MAX_QUEUES][16];
	uint32_t order[NETDEV_MAX_QUEUES];

	for (uint32_t i = 0; i < v->ntxq; i++) {
		uint32_t j = i;

		snprintf(names[i], sizeof(names[i]), "tx-%u", i);
		for (; j > 0 && strcmp(names[order[j - 1]], names[i]) > 0; j--)
			order[j] = order[j - 1];
		order[j] = i;
	}
	for (uint32_t k = 0; k < v->ntxq; k++) {
		const struct dql *d = &v->txq[order[k]].dql;
		const char *q = names[order[k]];
		const struct host *h = v->host;

#define BQL_LINE(file, fmt, val)                                                                   \
	fprintf(f, "/sys/class/net/%s/queues/%s/byte_queue_limits/" file ":" fmt "\n", v->name, q, \
		val)
		BQL_LINE("hold_time", "%llu", jiffies_ms(h, d->slack_hold_time));
		BQL_LINE("inflight", "%u", d->num_queued - d->num_completed);
		BQL_LINE("limit", "%u", d->limit);
		BQL_LINE("limit_max", "%u", d->max_limit);
		BQL_LINE("limit_min", "%u", d->min_limit);
		BQL_LINE("stall_cnt", "%llu", U(d->stall_cnt));
		BQL_LINE("stall_max", "%llu", jiffies_ms(h, d->stall_max));
		BQL_LINE("stall_thrs", "%llu", jiffies_ms(h, d->stall_thrs));
#undef BQL_LINE
	}
}

void netdev_show_proc_net_dev(const struct net_device *dev, FILE *f)
{
	struct rtnl_link_stats64 st, *v = &st;

	dev_get_stats(dev, v);
	fprintf(f,
		"%6s: %7llu %7llu %4llu %4llu %4llu %5llu %10llu %9llu %8llu %7llu %4llu "
		"%4llu %4llu %5llu %7llu %10llu\n",
		dev->name, U(v->rx_bytes), U(v->rx_packets), U(v->rx_errors),
		U(v->rx_dropped + v->rx_missed_errors), U(0), U(v->rx_crc_errors), U(0), U(0),
		U(v->tx_bytes), U(v->tx_packets), U(v->tx_errors), U(v->tx_dropped), U(0), U(0),
		U(0), U(0));
}
