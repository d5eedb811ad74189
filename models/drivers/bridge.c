/*
 * models/drivers/bridge.c - the Linux bridge: ports, FDB learning, forwarding, flooding,
 * local delivery, br_netfilter.
 *
 * Kernel references: net/bridge/br_input.c (br_handle_frame,
 * br_handle_frame_finish, br_pass_frame_up), br_forward.c (should_deliver,
 * br_forward, __br_forward, deliver_clone, maybe_deliver, br_flood,
 * br_dev_queue_push_xmit), br_fdb.c (br_fdb_update, br_fdb_find_rcu,
 * fdb_create, br_fdb_cleanup / has_expired, br_fdb_dump), br_device.c
 * (br_dev_xmit, br_get_stats64, br_dev_setup: BR_DEFAULT_AGEING_TIME),
 * br_if.c (br_add_if: netdev_rx_handler_register, the port's local FDB
 * entry), br_stp_if.c (br_stp_recalculate_bridge_id: the bridge takes the
 * lowest port address), br_netfilter_hooks.c (br_nf_pre_routing,
 * br_nf_forward_ip, br_nf_post_routing under net.bridge.bridge-nf-call-iptables).
 *
 * Each port device gets br_handle_frame as its rx_handler, which the device
 * core calls from __netif_receive_skb_core after the taps (models/core/dev.c).
 * br_handle_frame_finish learns the source address on the ingress port
 * (br_fdb_update), then by destination:
 *  - one of the bridge's own addresses (a local FDB entry: a port's or the
 *    bridge device's): br_pass_frame_up counts it in the bridge's rx and the
 *    frame goes round again as received on the bridge device
 *    (RX_HANDLER_ANOTHER), whose address and IP stack take it;
 *  - a learnt address: br_forward to its port (dropped when that is the
 *    ingress port: should_deliver);
 *  - broadcast: br_flood to every other port, and a copy up the bridge;
 *  - unknown unicast: br_flood to every other port (the bridge device is not
 *    promiscuous, so nothing goes up).
 * A flood copies the skb for every port but the last (deliver_clone): each
 * copy is a new packet (counted in `offered`, so conservation holds); a flood
 * that finds no port drops the frame (kfree_skb: NOT_SPECIFIED at stage BR).
 * Out of a port, __br_forward hands the frame to the port's
 * dev_queue_xmit within the same softirq unit (br_dev_queue_push_xmit), as
 * ip_forward does. The bridge device's own transmit (br_dev_xmit, its IP
 * stack sending through it) counts tx and forwards or floods the same way
 * to every port.
 *
 * FDB entries age: a learnt entry not refreshed for ageing_time (300 s,
 * `ageing_time:`) is dead; it is removed when a lookup or an update finds
 * it (the kernel's br_fdb_cleanup runs from a delayed work every
 * min(ageing_time, hold_time); lookups in between skip expired entries the
 * same way). `bridge fdb show br DEV` (bridge_fdb_DEV) lists the live
 * entries: learnt ones, then the permanent local ones of each port and of
 * the bridge.
 *
 * br_netfilter (`net.bridge.bridge-nf-call-iptables: 1`, off by default:
 * the module is not loaded): an untagged IPv4 frame (bridge-nf-filter-vlan-tagged
 * is 0) the bridge forwards or floods
 * traverses iptables PREROUTING once, then FORWARD and POSTROUTING for each
 * port it goes out of, with in and out device the bridge (-i br0 -o br0, as
 * br_nf_forward_ip passes bridge_parent); a drop there is NETFILTER_DROP at
 * stage BR. Frames for the bridge itself meet iptables in its IP stack.
 *
 * Simplified: no STP (every port forwarding: BR_NO_STP), no VLAN filtering
 * (tagged frames are bridged unchanged), no multicast snooping (multicast is
 * broadcast), no hairpin, no port isolation, no per-port flood flags; the
 * FDB is a table of BR_FDB_MAX entries searched linearly (full: not
 * learnt); a frame passed up goes round __netif_receive_skb_core again
 * instead of a new netif_receive_skb (no RPS on the bridge device); ports
 * and the bridge share the host's CPUs; frames with no addresses modelled
 * (0, from traffic sources) are not learnt, and are taken as sent to the
 * port's own address (so they go up the bridge device).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "models/core/observe.h"
#include "models/core/dev.h"
#include "models/core/neigh.h"
#include "models/core/netdevice.h"
#include "models/core/xmit.h"
#include "models/ipv4/ip_output.h"
#include "models/drivers/bridge.h"
#include "models/drivers/drivers.h"
#include "sim/error.h"

#define U(x)	      ((unsigned long long)(x))
#define JNUM(o, s, f) cJSON_AddNumberToObject(o, #f, (double)(s)->f)

/* is_multicast_ether_addr: the group bit of the first octet (broadcast included). */
static bool eth_is_multicast(uint64_t addr)
{
	return (addr >> 40) & 1;
}

/* ---- the forwarding database (br_fdb.c) ---- */

/* has_expired: a learnt entry not refreshed within ageing_time. */
static bool br_fdb_has_expired(const struct net_bridge *br, const struct net_bridge_fdb_entry *f,
			       sim_time_t now)
{
	return !f->is_local && now - f->updated > br->ageing_time;
}

/* fdb_delete: the last entry takes the slot (the table keeps no order but insertion's). */
static void br_fdb_delete(struct net_bridge *br, struct net_bridge_fdb_entry *f)
{
	*f = br->fdb[--br->nfdb];
}

/* The entry for @addr, live or expired, or NULL. */
static struct net_bridge_fdb_entry *br_fdb_lookup(struct net_bridge *br, uint64_t addr)
{
	for (uint32_t i = 0; i < br->nfdb; i++)
		if (br->fdb[i].addr == addr)
			return &br->fdb[i];
	return NULL;
}

struct net_bridge_fdb_entry *br_fdb_find(struct net_bridge *br, uint64_t addr, sim_time_t now)
{
	struct net_bridge_fdb_entry *f = br_fdb_lookup(br, addr);

	if (f && br_fdb_has_expired(br, f, now)) {
		br->fdb_expired++; /* br_fdb_cleanup would have removed it by now */
		br_fdb_delete(br, f);
		return NULL;
	}
	return f;
}

/* fdb_create: a new entry, or NULL when the table is full. */
static struct net_bridge_fdb_entry *br_fdb_create(struct net_bridge *br, struct net_bridge_port *p,
						  uint64_t addr, bool is_local, sim_time_t now)
{
	struct net_bridge_fdb_entry *f;

	if (br->nfdb >= BR_FDB_MAX) {
		br->fdb_full++;
		return NULL;
	}
	f = &br->fdb[br->nfdb++];
	*f = (struct net_bridge_fdb_entry){ addr, p, is_local, now, now };
	return f;
}

/*
 * br_fdb_update: learn that @addr is behind port @p. A local address seen
 * as a source is left alone (the kernel logs "received packet on %s with own
 * address as source address").
 */
static void br_fdb_update(struct net_bridge *br, struct net_bridge_port *p, uint64_t addr,
			  sim_time_t now)
{
	struct net_bridge_fdb_entry *f;

	if (!addr || eth_is_multicast(addr)) /* is_valid_ether_addr */
		return;
	f = br_fdb_find(br, addr, now);
	if (!f) {
		if (br_fdb_create(br, p, addr, false, now))
			br->fdb_learned++;
		return;
	}
	if (f->is_local)
		return;
	if (f->dst != p) {
		f->dst = p;
		br->fdb_moved++;
	}
	f->updated = now;
}

/* br_fdb_add_local: a permanent entry for one of our addresses (once per address). */
static void br_fdb_add_local(struct net_bridge *br, struct net_bridge_port *p, uint64_t addr)
{
	if (addr && !br_fdb_lookup(br, addr))
		br_fdb_create(br, p, addr, true, 0);
}

/* ---- forwarding (br_forward.c) ---- */

/*
 * deliver_clone's skb_clone: a copy of @skb (and of each GRO segment) as new
 * packets, without the send-buffer charge; NULL when the pool is empty.
 */
static struct sk_buff *br_skb_clone(struct host *h, const struct sk_buff *skb)
{
	struct world *w = h->w;
	struct sk_buff *head = NULL, **link = &head;

	for (const struct sk_buff *s = skb; s; s = s->frag_next) {
		struct sk_buff *c = skb_alloc(w);

		if (!c) {
			skb_free_chain(w, head);
			return NULL;
		}
		uint64_t id = c->id;

		*c = *s;
		c->id = id;
		c->next = c->frag_next = NULL;
		c->sk = NULL;
		c->flags &= (uint8_t) ~(SKB_F_WMEM | SKB_F_CLONE);
		*link = c;
		link = &c->frag_next;
	}
	for (struct sk_buff *c = head; c; c = c->frag_next) {
		w->offered++;
		skb_observe(h, c, SKB_EV_BORN, 0);
	}
	return head;
}

/* br_netfilter for a bridged IPv4 frame: iptables @hook with -i/-o the bridge. */
static bool br_nf_drops(struct net_bridge *br, enum nf_hook_id hook, struct sk_buff *skb,
			uint64_t *cycles)
{
	struct host *h = br->dev->host;
	const struct net_device *brdev = br->dev;

	/* ARP is arptables' (not modelled); a tagged frame is left alone (filter-vlan-tagged 0) */
	if (!h->sysctl.bridge_nf_call_iptables || skb->eth_proto == ETH_P_ARP || skb->vlan_present)
		return false;
	return ip_nf_drops(h, hook, skb, hook == NF_INET_POST_ROUTING ? NULL : brdev,
			   hook == NF_INET_PRE_ROUTING ? NULL : brdev, cycles);
}

/* Free @skb at the bridge (kfree_skb), with its cost. */
static void br_drop(struct net_bridge *br, struct sk_buff *skb, enum skb_drop_reason reason,
		    uint64_t *cycles)
{
	struct host *h = br->dev->host;

	*cycles += h->costs.kfree_skb;
	skb_set_stage(h, skb, STAGE_BR);
	kfree_skb_reason(h, skb, reason);
}

/*
 * __br_forward -> br_forward_finish -> br_dev_queue_push_xmit: out of port
 * @to (FORWARD and POSTROUTING first under br_netfilter, for a frame that
 * came in on a port).
 */
static void __br_forward(struct cpu *c, struct net_bridge_port *to, struct sk_buff *skb,
			 bool local_orig, uint64_t *cycles)
{
	struct net_bridge *br = to->br;

	*cycles += br->dev->host->costs.br_forward;
	if (!local_orig && (br_nf_drops(br, NF_INET_FORWARD, skb, cycles) ||
			    br_nf_drops(br, NF_INET_POST_ROUTING, skb, cycles))) {
		br_drop(br, skb, SKB_DROP_REASON_NETFILTER_DROP, cycles);
		return;
	}
	skb->pkt_type = PACKET_HOST; /* the egress device's eth_type_trans decides again */
	dev_queue_xmit(c, skb, to->dev, cycles);
}

/* deliver_clone: a copy of @skb out of @to; a failed copy counts in the bridge's tx_dropped. */
static void br_deliver_clone(struct cpu *c, struct net_bridge_port *to, const struct sk_buff *skb,
			     bool local_orig, uint64_t *cycles)
{
	struct net_bridge *br = to->br;
	struct sk_buff *copy;

	*cycles += br->dev->host->costs.br_skb_clone;
	copy = br_skb_clone(br->dev->host, skb);
	if (!copy) {
		br->dev->tx_dropped++;
		return;
	}
	br->flood_copies++;
	__br_forward(c, to, copy, local_orig, cycles);
}

/* should_deliver: never back out of the port it came in on (no hairpin mode). */
static bool br_should_deliver(const struct net_bridge_port *p, const struct sk_buff *skb)
{
	return skb->dev != p->dev;
}

/* br_forward: to the port of an FDB hit; @local_rcv keeps the original for br_pass_frame_up. */
static void br_forward(struct cpu *c, struct net_bridge_port *to, struct sk_buff *skb,
		       bool local_rcv, bool local_orig, uint64_t *cycles)
{
	struct net_bridge *br = to->br;

	if (br_should_deliver(to, skb)) {
		br->forwarded++;
		to->fwd_tx++;
		if (local_rcv)
			br_deliver_clone(c, to, skb, local_orig, cycles);
		else
			__br_forward(c, to, skb, local_orig, cycles);
		return;
	}
	if (!local_rcv)
		br_drop(br, skb, SKB_DROP_REASON_NOT_SPECIFIED, cycles);
}

/*
 * br_flood: a copy to every port but the ingress one (maybe_deliver clones
 * for the previous port), the original to the last unless @local_rcv keeps
 * it; no port at all frees it.
 */
static void br_flood(struct cpu *c, struct net_bridge *br, struct sk_buff *skb, bool local_rcv,
		     bool local_orig, uint64_t *cycles)
{
	struct net_bridge_port *prev = NULL;

	br->flooded++;
	for (uint32_t i = 0; i < br->nports; i++) {
		struct net_bridge_port *p = &br->port[i];

		if (!br_should_deliver(p, skb))
			continue;
		if (prev)
			br_deliver_clone(c, prev, skb, local_orig, cycles);
		p->flood_tx++;
		prev = p;
	}
	if (!prev) {
		if (!local_rcv)
			br_drop(br, skb, SKB_DROP_REASON_NOT_SPECIFIED, cycles);
		return;
	}
	if (local_rcv)
		br_deliver_clone(c, prev, skb, local_orig, cycles);
	else
		__br_forward(c, prev, skb, local_orig, cycles);
}

/* ---- receive (br_input.c) ---- */

/* br_pass_frame_up: count it in the bridge's rx, then as received on the bridge device. */
static rx_handler_result_t br_pass_frame_up(struct net_bridge *br, struct sk_buff **pskb,
					    uint64_t *cycles)
{
	struct sk_buff *skb = *pskb;

	*cycles += br->dev->host->costs.br_pass_frame_up;
	br->local_in++;
	br->dev->rx_packets++; /* dev_sw_netstats_rx_add: after eth_type_trans's pull */
	br->dev->rx_bytes += skb->len - ETH_HLEN;
	skb->dev = br->dev;
	return RX_HANDLER_ANOTHER;
}

/* br_handle_frame + br_handle_frame_finish: the rx_handler of every port. */
static rx_handler_result_t br_handle_frame(struct cpu *c, struct sk_buff **pskb, uint64_t *cycles)
{
	struct sk_buff *skb = *pskb;
	struct net_bridge_port *p = skb->dev->rx_handler_data;
	struct net_bridge *br = p->br;
	struct host *h = br->dev->host;
	sim_time_t now = h->w->q.now;
	/* a frame whose destination is not modelled (a traffic source's) is for the port */
	uint64_t dest = skb->h_dest ? skb->h_dest : p->dev->dev_addr;
	struct net_bridge_fdb_entry *dst = NULL;
	bool local_rcv = false;

	skb_set_stage(h, skb, STAGE_BR);
	*cycles += h->costs.br_handle_frame;
	if (dest == br->dev->dev_addr)
		skb->pkt_type = PACKET_HOST;
	br_fdb_update(br, p, skb->h_source, now);
	if (eth_is_multicast(dest))
		local_rcv = true; /* BR_PKT_BROADCAST (multicast is flooded alike) */
	else
		dst = br_fdb_find(br, dest, now);
	if (dst && dst->is_local)
		return br_pass_frame_up(br, pskb, cycles);
	if (br_nf_drops(br, NF_INET_PRE_ROUTING, skb, cycles)) {
		br_drop(br, skb, SKB_DROP_REASON_NETFILTER_DROP, cycles);
		return RX_HANDLER_CONSUMED;
	}
	if (dst) {
		dst->used = now;
		br_forward(c, dst->dst, skb, local_rcv, false, cycles);
	} else {
		br_flood(c, br, skb, local_rcv, false, cycles);
	}
	if (local_rcv)
		return br_pass_frame_up(br, pskb, cycles);
	return RX_HANDLER_CONSUMED;
}

/* ---- the bridge device (br_device.c) ---- */

/* br_dev_xmit: our IP stack sends through the bridge; forwarded or flooded to the ports. */
static int br_dev_xmit(struct cpu *c, struct net_device *dev, struct sk_buff *skb, uint16_t txq,
		       uint64_t *cycles)
{
	struct net_bridge *br = br_priv(dev);
	struct net_bridge_fdb_entry *dst;

	(void)txq;
	dev->tx_packets++; /* dev_sw_netstats_tx_add, before the pull of the Ethernet header */
	dev->tx_bytes += skb->len;
	skb_set_stage(dev->host, skb, STAGE_BR);
	if (eth_is_multicast(skb->h_dest))
		br_flood(c, br, skb, false, true, cycles);
	else if ((dst = br_fdb_find(br, skb->h_dest, dev->host->w->q.now)) && dst->dst)
		br_forward(c, dst->dst, skb, false, true, cycles);
	else if (dst) /* the bridge's own address: br_forward to no port frees it */
		br_drop(br, skb, SKB_DROP_REASON_NOT_SPECIFIED, cycles);
	else
		br_flood(c, br, skb, false, true, cycles);
	return NETDEV_TX_OK;
}

/* br_add_if: enslave @port to @br (netdev_rx_handler_register, its local FDB entry). */
static int br_add_if(struct net_bridge *br, struct net_device *port, const struct cfg_node *at,
		     struct sim_error *err)
{
	struct net_bridge_port *p = &br->port[br->nports];

	if (port == br->dev || port->loopback)
		return cfg_error(at, err, "bridge '%s' cannot have '%s' as a port", br->dev->name,
				 port->name);
	if (port->master)
		return cfg_error(at, err, "device '%s' is already a port of bridge '%s'",
				 port->name, port->master->name);
	if (netdev_rx_handler_register(port, br_handle_frame, p))
		return cfg_error(at, err, "device '%s' already has an rx_handler", port->name);
	p->br = br;
	p->dev = port;
	p->port_no = (uint16_t)(br->nports + 1);
	port->master = br->dev;
	br->nports++;
	return 0;
}

/* The `ports:` list: device names of this host, created before the bridge. */
static int br_parse_ports(struct net_bridge *br, const struct cfg_node *n, struct sim_error *err)
{
	struct host *h = br->dev->host;
	const struct cfg_node *l;

	if (cfg_get_seq(n, "ports", &l, err))
		return -1;
	if (l && l->n > BR_MAX_PORTS)
		return cfg_error(l, err, "'ports' may list at most %u items, got %u", BR_MAX_PORTS,
				 l->n);
	for (uint32_t i = 0; l && i < l->n; i++) {
		const char *name = NULL;
		struct net_device *port = NULL;

		if (cfg_node_str(l->items[i], "port", &name, err))
			return -1;
		for (uint32_t d = 0; d < h->ndevs; d++)
			if (!strcmp(h->devs[d]->name, name))
				port = h->devs[d];
		if (!port)
			return cfg_error(l->items[i], err, "unknown device '%s' on host '%s'", name,
					 h->name);
		if (br_add_if(br, port, l->items[i], err))
			return -1;
	}
	return 0;
}

/* br_stp_recalculate_bridge_id: the lowest port address, unless `mac:` sets one. */
static void br_set_dev_addr(struct net_bridge *br, const struct cfg_node *n)
{
	uint64_t addr = 0;

	for (uint32_t i = 0; i < br->nports; i++)
		if (!addr || br->port[i].dev->dev_addr < addr)
			addr = br->port[i].dev->dev_addr;
	if (addr && !cfg_has(n, "mac"))
		br->dev->dev_addr = addr;
}

static const struct ethtool_ops br_ethtool_ops;

static const struct net_device_ops br_netdev_ops = {
	.ndo_start_xmit = br_dev_xmit,
};

/* br_dev_setup + br_add_if for each of `ports:`. */
static int br_setup(struct net_device *dev, const struct cfg_node *n, struct sim_error *err)
{
	struct net_bridge *br = br_priv(dev);
	uint64_t mtu;
	char what[48];

	br->dev = dev;
	dev->netdev_ops = &br_netdev_ops;
	dev->ethtool_ops = &br_ethtool_ops;
	dev->xmit_cost = &dev->host->costs.br_dev_xmit;
	if (netdev_parse_addr(dev, n, err) ||
	    cfg_get_time(n, "ageing_time", &br->ageing_time, BR_DEFAULT_AGEING_TIME, SIM_SEC,
			 1000000 * SIM_SEC, err) ||
	    cfg_get_u64(n, "mtu", &mtu, 1500, 68, 65535, err) || br_parse_ports(br, n, err))
		return -1;
	dev->mtu = (uint32_t)mtu;
	dev->gso_udp_l4 = true; /* br_dev_setup: NETIF_F_GSO_SOFTWARE, the ports segment */
	br_set_dev_addr(br, n);
	for (uint32_t i = 0; i < br->nports; i++)
		br_fdb_add_local(br, &br->port[i], br->port[i].dev->dev_addr);
	br_fdb_add_local(br, NULL, dev->dev_addr);
	if (netif_alloc_queues(dev, 1, 1))
		return sim_error_set(err, "out of memory");
	snprintf(what, sizeof(what), "bridge '%s'", dev->name);
	if (dev_activate(dev, n, "noqueue", err))
		return -1;
	return cfg_check_unknown(n, what, err);
}

/* ---- reporting ---- */

/* One `bridge fdb show` line. */
static void br_fdb_show_one(const struct net_bridge *br, const struct net_bridge_fdb_entry *f,
			    FILE *out)
{
	char mac[18];

	eth_addr_fmt(mac, f->addr);
	fprintf(out, "%s dev %s master %s%s\n", mac, f->dst ? f->dst->dev->name : br->dev->name,
		br->dev->name, f->is_local ? " permanent" : "");
}

/*
 * br_fdb_dump as `bridge fdb show br DEV` prints it: the bridge device's own
 * entry, then each port's learnt (live) entries and its own permanent one.
 * The devices' multicast "self permanent" lines are not modelled.
 */
static void br_show_fdb(const struct net_device *dev, FILE *out)
{
	const struct net_bridge *br = br_priv(dev);
	sim_time_t now = dev->host->w->end;

	for (uint32_t i = 0; i < br->nfdb; i++)
		if (!br->fdb[i].dst)
			br_fdb_show_one(br, &br->fdb[i], out);
	for (uint32_t p = 0; p < br->nports; p++) {
		for (uint32_t i = 0; i < br->nfdb; i++) {
			const struct net_bridge_fdb_entry *f = &br->fdb[i];

			if (f->dst == &br->port[p] && !f->is_local &&
			    !br_fdb_has_expired(br, f, now))
				br_fdb_show_one(br, f, out);
		}
		for (uint32_t i = 0; i < br->nfdb; i++)
			if (br->fdb[i].dst == &br->port[p] && br->fdb[i].is_local)
				br_fdb_show_one(br, &br->fdb[i], out);
	}
}

static cJSON *br_report_json(const struct net_device *dev)
{
	const struct net_bridge *br = br_priv(dev);
	cJSON *o = cJSON_CreateObject(), *bo = cJSON_CreateObject(), *pa = cJSON_CreateArray();
	char mac[18];

	cJSON_AddStringToObject(o, "name", dev->name);
	cJSON_AddStringToObject(o, "driver", dev->driver->name);
	netdev_json_stats(dev, o);
	cJSON_AddItemToObject(o, "rx_queues", cJSON_CreateArray());
	eth_addr_fmt(mac, dev->dev_addr);
	cJSON_AddStringToObject(bo, "address", mac);
	cJSON_AddNumberToObject(bo, "ageing_time_s", (double)br->ageing_time / SIM_SEC);
	cJSON_AddNumberToObject(bo, "fdb_entries", br->nfdb);
	JNUM(bo, br, fdb_learned);
	JNUM(bo, br, fdb_moved);
	JNUM(bo, br, fdb_expired);
	JNUM(bo, br, fdb_full);
	JNUM(bo, br, forwarded);
	JNUM(bo, br, flooded);
	JNUM(bo, br, flood_copies);
	JNUM(bo, br, local_in);
	for (uint32_t i = 0; i < br->nports; i++) {
		const struct net_bridge_port *p = &br->port[i];
		cJSON *po = cJSON_CreateObject();

		cJSON_AddStringToObject(po, "dev", p->dev->name);
		cJSON_AddNumberToObject(po, "port_no", p->port_no);
		JNUM(po, p, fwd_tx);
		JNUM(po, p, flood_tx);
		cJSON_AddItemToArray(pa, po);
	}
	cJSON_AddItemToObject(bo, "ports", pa);
	cJSON_AddItemToObject(o, "bridge", bo);
	return o;
}

/* report.txt: one line per bridge, one per port. */
static void br_report_text(const struct net_device *dev, FILE *f)
{
	const struct net_bridge *br = br_priv(dev);

	fprintf(f,
		"  bridge %s: fdb %u entries (%llu learnt, %llu moved, %llu expired), forwarded "
		"%llu, flooded %llu (%llu copies), up %llu\n",
		dev->name, br->nfdb, U(br->fdb_learned), U(br->fdb_moved), U(br->fdb_expired),
		U(br->forwarded), U(br->flooded), U(br->flood_copies), U(br->local_in));
	for (uint32_t i = 0; i < br->nports; i++)
		fprintf(f, "    port %u %s: forwarded to %llu, flooded to %llu\n",
			br->port[i].port_no, br->port[i].dev->name, U(br->port[i].fwd_tx),
			U(br->port[i].flood_tx));
}

static const struct ethtool_ops br_ethtool_ops = {
	.report_json = br_report_json,
	.report_text = br_report_text,
	.show_fdb = br_show_fdb,
};

const struct netdev_driver bridge_netdev_driver = {
	.name = "bridge",
	.priv_size = sizeof(struct net_bridge),
	.scenario = false,
	.setup = br_setup,
};
