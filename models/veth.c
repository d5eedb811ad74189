/*
 * models/veth.c - veth pairs between network namespaces (hosts sharing a machine).
 *
 * Kernel reference: drivers/net/veth.c (veth_xmit, veth_forward_skb),
 * net/core/dev.c (__dev_forward_skb, __netif_rx), kernel-facts §2 and §8.
 *
 * A veth has no queue (noqueue) and no hardware: veth_xmit hands the skb to
 * the peer device with __netif_rx, i.e. onto the backlog of the CPU that is
 * sending (netdev_max_backlog applies, a full backlog counts in the peer's
 * rx_dropped and softnet_stat), and the receive half runs as NET_RX softirq
 * when the sender re-enables bottom halves. The sender's send-buffer charge is
 * released by the skb_orphan in the peer's ip_rcv, after the backlog.
 * Namespaces share CPUs: give the hosts of a veth pair the same `machine:`.
 *
 * Simplified: the NAPI mode (XDP or GRO enabled on the peer) is not
 * modelled; no TX taps; the peer is given as HOST/DEV in `peer:`.
 */
#include <stdio.h>
#include <string.h>

#include "models/dev.h"
#include "models/nic.h"
#include "models/xmit.h"
#include "sim/error.h"

static int veth_xmit(struct cpu *c, struct net_device *dev, struct sk_buff *skb, uint16_t txq)
{
	struct net_device *peer = dev->peer;
	struct world *w = dev->host->w;

	uint32_t len = skb->len;

	(void)txq;
	skb->dev = peer;
	skb->pkt_type = PACKET_HOST;
	skb->t_wire = w->q.now;
	skb_lat_next(w, skb, LAT_SOFTIRQ, w->q.now);
	if (enqueue_to_backlog(c, skb, c->sd) != NET_RX_SUCCESS) {
		dev->tx_dropped++; /* veth_xmit: priv->dropped */
		return NETDEV_TX_OK;
	}
	dev->tx_packets++;
	dev->tx_bytes += len;
	peer->rx_packets++;
	peer->rx_bytes += len;
	return NETDEV_TX_OK;
}

static const struct net_device_ops veth_netdev_ops = {
	.ndo_start_xmit = veth_xmit,
};

int veth_setup(struct net_device *dev, const struct cfg_node *n, struct sim_error *err)
{
	const char *peer = NULL;
	uint64_t mtu;

	if (cfg_require(n, "peer", "veth", err) || cfg_get_str(n, "peer", &peer, NULL, err) ||
	    cfg_get_u64(n, "mtu", &mtu, 1500, 68, 1500, err))
		return -1;
	if (!strchr(peer, '/') || strlen(peer) >= sizeof(dev->peer_name))
		return cfg_error(
			cfg_get(n, "peer"), err,
			"'peer' must name the other end as HOST/DEV, like 'c2/eth0', got '%s'",
			peer);
	snprintf(dev->peer_name, sizeof(dev->peer_name), "%s", peer);
	dev->mtu = (uint32_t)mtu;
	return nic_tx_setup_virtual(dev, n, &veth_netdev_ops, err);
}

static struct net_device *veth_find(struct world *w, const char *spec)
{
	const char *slash = strchr(spec, '/');

	for (uint32_t i = 0; i < w->nhosts; i++) {
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

/* Each veth names its peer; the pair must agree and share a machine's CPUs. */
static int veth_link_one(struct world *w, struct net_device *dev, struct sim_error *err)
{
	struct net_device *p = veth_find(w, dev->peer_name);
	char me[64];

	snprintf(me, sizeof(me), "%s/%s", dev->host->name, dev->name);
	if (!p || !p->drv->virt)
		return sim_error_set(err, "veth '%s': no veth '%s' to pair with", me,
				     dev->peer_name);
	if (strcmp(p->peer_name, me))
		return sim_error_set(err, "veth '%s' and '%s' do not name each other as peer", me,
				     dev->peer_name);
	if (p->host->cpus != dev->host->cpus)
		return sim_error_set(
			err, "veth '%s': hosts '%s' and '%s' must share CPUs (set 'machine')", me,
			dev->host->name, p->host->name);
	dev->peer = p;
	return 0;
}

int veth_link_peers(struct world *w, struct sim_error *err)
{
	for (uint32_t i = 0; i < w->nhosts; i++)
		for (uint32_t d = 0; d < w->hosts[i]->ndevs; d++) {
			struct net_device *dev = w->hosts[i]->devs[d];

			if (dev->drv->virt && veth_link_one(w, dev, err))
				return -1;
		}
	return 0;
}
