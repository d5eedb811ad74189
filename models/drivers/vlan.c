/*
 * models/drivers/vlan.c - 802.1Q VLAN sub-interfaces (`eth0.100`).
 *
 * Kernel references: net/8021q/vlan_dev.c (vlan_dev_hard_start_xmit,
 * vlan_setup, vlan_dev_init: the real device's address and MTU),
 * net/8021q/vlan_netlink.c (vlan_newlink: link and id), net/8021q/vlan.c
 * (register_vlan_dev, vlan_vid_add), net/8021q/vlan_core.c
 * (vlan_do_receive: models/core/vlan_core.c), net/core/dev.c
 * (validate_xmit_vlan).
 *
 * A VLAN device has no queue (IFF_NO_QUEUE: noqueue). Its transmit puts the
 * tag in the skb (__vlan_hwaccel_put_tag: skb->vlan_tci), counts the frame
 * in its tx with the length before the tag, and hands it to the real
 * device's dev_queue_xmit; a real device that drops it makes the VLAN
 * device count tx_dropped. The tag rides out of band: a veth carries it to
 * its peer as metadata, a NIC inserts it on the wire (4 bytes more of link
 * time, models/drivers/nic_tx.c). On receive, __netif_receive_skb_core
 * gives a tagged frame to the VLAN device of its VID (vlan_do_receive: rx
 * counted there, without the Ethernet header) before any rx_handler; a
 * frame whose VID no VLAN device has is left to the real device's
 * rx_handler (a bridge forwards it unchanged), else it becomes
 * PACKET_OTHERHOST (check_vlan_id) and ip_rcv drops it (OTHERHOST, the
 * kernel's rx_otherhost_dropped; an ARP frame is consumed unanswered).
 *
 * The VLAN device takes the real device's MAC address and MTU (vlan_dev_init),
 * has an IPv4 address and routes of its own, and reaches neighbours through
 * its own ARP table entries.
 *
 * Simplified: 802.1Q only; no priority mapping (egress-qos-map: PCP 0), no
 * REORDER_HDR off, no GVRP/MVRP; a VLAN device on a VLAN device is refused.
 */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "models/core/netdevice.h"
#include "models/core/vlan_core.h"
#include "models/core/xmit.h"
#include "models/sched/sch_generic.h"
#include "models/drivers/drivers.h"
#include "sim/error.h"

/* struct vlan_dev_priv: what the model keeps of it. */
struct vlan_dev_priv {
	uint16_t vlan_id;	     /* 1..4094 */
	struct net_device *real_dev; /* the device it sends on and receives from */
};

static struct vlan_dev_priv *vlan_dev_priv(const struct net_device *dev)
{
	return netdev_priv(dev);
}

/* vlan_dev_hard_start_xmit: tag, count, hand to the real device. */
static int vlan_dev_hard_start_xmit(struct cpu *c, struct net_device *dev, struct sk_buff *skb,
				    uint16_t txq, uint64_t *cycles)
{
	const struct vlan_dev_priv *v = vlan_dev_priv(dev);
	uint32_t len = skb->len;
	int rc;

	(void)txq;
	skb->vlan_tci = v->vlan_id; /* PCP 0, DEI 0 */
	skb->vlan_present = 1;
	rc = dev_queue_xmit(c, skb, v->real_dev, cycles);
	if (rc == NET_XMIT_SUCCESS || rc == NET_XMIT_CN) {
		dev->tx_packets++;
		dev->tx_bytes += len;
		return NETDEV_TX_OK;
	}
	dev->tx_dropped++;
	return NET_XMIT_DROP;
}

static const struct ethtool_ops vlan_ethtool_ops;

static const struct net_device_ops vlan_netdev_ops = {
	.ndo_start_xmit = vlan_dev_hard_start_xmit,
};

/* The `link:` device, on this host and created before (a NIC or a veth). */
static int vlan_parse_link(struct net_device *dev, const struct cfg_node *n, struct sim_error *err)
{
	struct vlan_dev_priv *v = vlan_dev_priv(dev);
	struct host *h = dev->host;
	const char *link = NULL;

	if (cfg_require(n, "link", "vlan", err) || cfg_get_str(n, "link", &link, NULL, err))
		return -1;
	for (uint32_t d = 0; d < h->ndevs; d++)
		if (!strcmp(h->devs[d]->name, link))
			v->real_dev = h->devs[d];
	if (!v->real_dev)
		return cfg_error(cfg_get(n, "link"), err, "unknown device '%s' on host '%s'", link,
				 h->name);
	if (v->real_dev->loopback || v->real_dev->driver == &vlan_netdev_driver)
		return cfg_error(cfg_get(n, "link"), err, "vlan '%s' cannot be on '%s'", dev->name,
				 link);
	return 0;
}

/* vlan_newlink + register_vlan_dev. */
static int vlan_setup(struct net_device *dev, const struct cfg_node *n, struct sim_error *err)
{
	struct vlan_dev_priv *v = vlan_dev_priv(dev);
	uint64_t id, mtu;
	char what[48];

	dev->netdev_ops = &vlan_netdev_ops;
	dev->ethtool_ops = &vlan_ethtool_ops;
	dev->xmit_cost = &dev->host->costs.vlan_dev_xmit;
	if (vlan_parse_link(dev, n, err) || cfg_require(n, "id", "vlan", err) ||
	    cfg_get_u64(n, "id", &id, 0, 1, 4094, err))
		return -1;
	v->vlan_id = (uint16_t)id;
	if (cfg_get_u64(n, "mtu", &mtu, v->real_dev->mtu, 68, v->real_dev->mtu, err) ||
	    netdev_parse_addr(dev, n, err))
		return -1;
	dev->mtu = (uint32_t)mtu;
	dev->gso_udp_l4 = true; /* vlan_dev_init: NETIF_F_GSO_SOFTWARE, the real device segments */
	if (!cfg_has(n, "mac"))
		dev->dev_addr = v->real_dev->dev_addr; /* vlan_dev_init: the real device's */
	if (vlan_vid_add(v->real_dev, v->vlan_id, dev))
		return cfg_error(cfg_get(n, "id"), err, "vlan id '%u' is taken on '%s'", v->vlan_id,
				 v->real_dev->name);
	if (netif_alloc_queues(dev, 1, 1))
		return sim_error_set(err, "out of memory");
	snprintf(what, sizeof(what), "vlan '%s'", dev->name);
	if (dev_activate(dev, n, "noqueue", err))
		return -1;
	return cfg_check_unknown(n, what, err);
}

static cJSON *vlan_report_json(const struct net_device *dev)
{
	const struct vlan_dev_priv *v = vlan_dev_priv(dev);
	cJSON *o = cJSON_CreateObject(), *vo = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "name", dev->name);
	cJSON_AddStringToObject(o, "driver", dev->driver->name);
	netdev_json_stats(dev, o);
	cJSON_AddItemToObject(o, "rx_queues", cJSON_CreateArray());
	cJSON_AddNumberToObject(vo, "id", v->vlan_id);
	cJSON_AddStringToObject(vo, "link", v->real_dev->name);
	cJSON_AddItemToObject(o, "vlan", vo);
	return o;
}

static const struct ethtool_ops vlan_ethtool_ops = {
	.report_json = vlan_report_json,
};

const struct netdev_driver vlan_netdev_driver = {
	.name = "vlan",
	.priv_size = sizeof(struct vlan_dev_priv),
	.scenario = false,
	.setup = vlan_setup,
};
