/*
 * models/drivers/loopback.c - the loopback device (lo) every host has.
 *
 * Kernel reference: drivers/net/loopback.c (loopback_xmit, loopback_setup,
 * loopback_get_stats64), net/core/dev.c (__netif_rx).
 *
 * lo is 127.0.0.1/8 with MTU 65536, one TX queue and the noqueue qdisc.
 * loopback_xmit orphans the skb (the sender's send-buffer charge is
 * released), counts it and hands it to netif_rx: the sending CPU's backlog,
 * processed by the softirq that runs when the sender re-enables bottom halves.
 *
 * Simplified: no per-CPU statistics (the counters are the device's); lo has
 * no RX queue and no RPS; ethtool reports nothing for it.
 */
#include <stdio.h>

#include <cjson/cJSON.h>

#include "models/core/observe.h"
#include "models/core/netdevice.h"
#include "models/core/xmit.h"
#include "models/drivers/drivers.h"
#include "models/ipv4/sock.h"

/*
 * loopback_xmit: skb_orphan (the sender's charge is released here), count,
 * then __netif_rx onto this CPU's backlog; the softirq runs when the sender
 * re-enables bottom halves.
 */
static int loopback_xmit(struct cpu *c, struct net_device *dev, struct sk_buff *skb, uint16_t txq,
			 uint64_t *cycles)
{
	struct world *w = dev->host->w;

	(void)txq;
	(void)cycles;
	skb_orphan(skb);
	uint32_t len = skb->len - 14; /* lo has no Ethernet header */

	skb->pkt_type = PACKET_HOST;
	skb->t_wire = w->q.now;
	skb_lat_next(dev->host, skb, LAT_SOFTIRQ, w->q.now);
	if (enqueue_to_backlog(c, skb, c->sd, NULL) == NET_RX_SUCCESS) {
		/* counted only when netif_rx accepted it, as loopback_xmit does */
		dev->tx_packets++;
		dev->tx_bytes += len;
		dev->rx_packets++;
		dev->rx_bytes += len;
	}
	return NETDEV_TX_OK;
}

static const struct net_device_ops loopback_ops = {
	.ndo_start_xmit = loopback_xmit,
};

/* report.json: lo has always been reported with the plain driver's name, "generic". */
static cJSON *loopback_report_json(const struct net_device *dev)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "name", dev->name);
	cJSON_AddStringToObject(o, "driver", "generic");
	netdev_json_stats(dev, o);
	cJSON_AddItemToObject(o, "rx_queues", cJSON_CreateArray());
	return o;
}

static const struct ethtool_ops loopback_ethtool_ops = {
	.report_json = loopback_report_json,
};

/* loopback_setup + loopback_net_init. */
static int loopback_setup(struct net_device *dev, const struct cfg_node *n, struct sim_error *err)
{
	(void)n;
	dev->loopback = true;
	dev->addr = 0x7f000001;
	dev->prefix_len = 8;
	dev->mtu = 65536;
	dev->gso_udp_l4 = true; /* LOOPBACK features: NETIF_F_GSO_SOFTWARE */
	dev->netdev_ops = &loopback_ops;
	dev->ethtool_ops = &loopback_ethtool_ops;
	dev->xmit_cost = &dev->host->costs.driver_xmit;
	if (netif_alloc_queues(dev, 1, 0))
		return sim_error_set(err, "out of memory");
	return dev_activate(dev, NULL, "noqueue", err);
}

const struct netdev_driver loopback_netdev_driver = {
	.name = "loopback",
	.priv_size = 0,
	.scenario = false,
	.setup = loopback_setup,
};
