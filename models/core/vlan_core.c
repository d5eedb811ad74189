/*
 * models/core/vlan_core.c - vlan_do_receive and the VID table of a real device.
 *
 * See models/core/vlan_core.h for the references and simplifications.
 */
#include <stdlib.h>

#include "models/core/netdevice.h"
#include "models/core/vlan_core.h"

int vlan_vid_add(struct net_device *real_dev, uint16_t vid, struct net_device *vlan_dev)
{
	struct vlan_info *vi = real_dev->vlan_info;

	if (!vi) {
		vi = calloc(1, sizeof(*vi));
		if (!vi)
			return -1;
		real_dev->vlan_info = vi;
	}
	if (vlan_find_dev(real_dev, vid) || vi->n >= VLAN_MAX_PER_DEV)
		return -1;
	vi->vid[vi->n].vid = vid;
	vi->vid[vi->n].dev = vlan_dev;
	vi->n++;
	return 0;
}

struct net_device *vlan_find_dev(const struct net_device *real_dev, uint16_t vid)
{
	const struct vlan_info *vi = real_dev->vlan_info;

	for (uint32_t i = 0; vi && i < vi->n; i++)
		if (vi->vid[i].vid == vid)
			return vi->vid[i].dev;
	return NULL;
}

bool vlan_do_receive(struct cpu *c, struct sk_buff **pskb, uint64_t *cycles)
{
	struct sk_buff *skb = *pskb;
	struct net_device *vlan_dev = vlan_find_dev(skb->dev, skb->vlan_tci & VLAN_VID_MASK);

	(void)c;
	if (!vlan_dev)
		return false;
	*cycles += vlan_dev->host->costs.vlan_do_receive;
	skb->dev = vlan_dev;
	/* "our lower layer thinks this is not local, let's make sure" */
	if (skb->pkt_type == PACKET_OTHERHOST && skb->h_dest == vlan_dev->dev_addr)
		skb->pkt_type = PACKET_HOST;
	skb->vlan_present = 0;	/* __vlan_hwaccel_clear_tag */
	vlan_dev->rx_packets++; /* vlan_pcpu_stats: skb->len after the Ethernet header */
	vlan_dev->rx_bytes += skb->len - ETH_HLEN;
	return true;
}
