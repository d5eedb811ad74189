/*
 * models/drivers/veth.c - veth pairs between network namespaces (hosts sharing a machine).
 *
 * Kernel reference: drivers/net/veth.c (veth_xmit, veth_forward_skb,
 * veth_skb_is_eligible_for_gro, veth_xdp_rx, __veth_xdp_flush, veth_poll,
 * veth_xdp_rcv, veth_xdp_rcv_skb, veth_get_stats64, veth_newlink's
 * veth_disable_gro), net/core/dev.c (__dev_forward_skb, __netif_rx),
 * kernel-facts §2 and §8; measured on 6.18 in tests/kernel-ref
 * (measure_veth_napi.py).
 *
 * A veth has no hardware: veth_xmit hands the skb to the peer device in one
 * of two ways, as Linux 6.18 does.
 *
 * - netif_rx mode (the default): __netif_rx puts the skb on the backlog of
 *   the CPU that is sending, or of the CPU the receiving end's rps_cpus picks
 *   (netdev_max_backlog applies; a full backlog
 *   counts in the peer's rx_dropped, softnet_stat and the sender's
 *   tx_dropped, and veth_xmit returns NET_XMIT_DROP to the sender), and the
 *   receive half runs as NET_RX softirq when the sender re-enables bottom
 *   halves.
 * - NAPI mode: when the receiving veth has GRO on (`gro: true`, ethtool -K
 *   gro on; off on new veths) or an XDP program attached (`xdp:`), its rx
 *   queue has a NAPI and a ptr_ring of VETH_RING_SIZE skbs. veth_xmit uses
 *   them for a packet that veth_skb_is_eligible_for_gro() accepts: an XDP
 *   program is attached, or the sending veth has TSO off (`tso: false`), or
 *   the packet comes from a local socket (sock_wfree) and the receiving veth
 *   has rx-gro-list or rx-udp-gro-forwarding. Others still take netif_rx. The
 *   skb goes on the ring and __veth_xdp_flush schedules the NAPI on the
 *   sending CPU unless it is scheduled already; veth_poll (weight 64) takes
 *   skbs through napi_gro_receive, wakes the peer's stopped TX queue, and
 *   completes when it did less than its weight, rescheduling itself if the
 *   ring refilled meanwhile. A full ring drops the skb when the sending veth
 *   has no qdisc (noqueue, the default: tx_dropped, NET_XMIT_DROP); with a
 *   qdisc it stops the TX queue and returns NETDEV_TX_BUSY, so the qdisc
 *   requeues and holds the backlog (veth backpressure, Linux 6.16).
 *   Packet and byte counts of NAPI-mode packets are taken at the poll
 *   (rx_queue_0_xdp_packets; veth_get_stats64 adds them to the sender's tx
 *   and the receiver's rx).
 *
 * The XDP program (models/core/xdp.h: a verdict for every packet, or rules
 * matched in order) may return XDP_PASS, XDP_DROP or XDP_ABORTED (both
 * dropped: rx_queue_0_xdp_drops, kfree_skb). Before it runs, veth_convert_skb_to_xdp_buff
 * copies the skb into the rq's page_pool (skb_pp_cow_data: a local or
 * forwarded skb never has XDP_PACKET_HEADROOM), so a passed skb's truesize
 * is that of a page fragment and varies from packet to packet (measured:
 * 896/1152 bytes for a 1-byte datagram, 4352 for 1472) and the original's
 * send-buffer charge is released there. Otherwise the sender's charge is
 * released by the skb_orphan in the peer's ip_rcv, after the backlog or
 * ring. Attaching XDP also turns TSO off on the peer (veth_fix_features),
 * which the eligibility rule already covers. Namespaces share CPUs: give the
 * hosts of a veth pair the same `machine:`.
 *
 * `queues: N` gives each end N TX and N RX queues: a packet sent on TX queue
 * i uses the peer's rq i (if it has one) in NAPI mode.
 *
 * `threaded: true` (dev_set_threaded) gives each rq's NAPI a kthread
 * (models/core/dev.h struct napi_thread) that __veth_xdp_flush wakes
 * instead of raising NET_RX on the sending CPU; without a NAPI the kernel
 * refuses it, and so does the scenario. The poll completes through
 * napi_complete_done (busy polling, napi_defer_hard_irqs and
 * gro_flush_timeout), and rx_notify_masked keeps veth_xmit from scheduling
 * a NAPI whose completion was deferred.
 *
 * Simplified: XDP_TX and XDP_REDIRECT are not modelled;
 * GRO merges only for UDP_GRO sockets (fraglist and forwarding GRO would
 * re-segment before the socket, which sees the same datagrams and truesize,
 * as measured); no TX taps; the peer is given as HOST/DEV in `peer:`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "models/core/observe.h"
#include "models/core/dev.h"
#include "models/core/xdp.h"
#include "models/core/netdevice.h"
#include "models/sched/sch_generic.h"
#include "models/ipv4/sock.h"
#include "models/drivers/drivers.h"
#include "models/drivers/veth.h"
#include "models/core/xmit.h"
#include "sim/error.h"

#define U(x)	      ((unsigned long long)(x))
#define JNUM(o, s, f) cJSON_AddNumberToObject(o, #f, (double)(s)->f)

/* report.json: "none", the verdict of a program without rules ("pass", "drop"), or "rules". */
static const char *veth_xdp_name(const struct xdp_prog *x)
{
	if (!x)
		return "none";
	return x->nrules ? "rules" : xdp_action_name[x->dflt];
}

/*
 * __veth_xdp_flush: schedule the peer's NAPI on the sending CPU unless its
 * notifications are masked (it is scheduled, or its completion was deferred).
 */
static void veth_xdp_flush(struct cpu *c, struct veth_rq *rq)
{
	if (rq->rx_notify_masked)
		return;
	rq->rx_notify_masked = true;
	napi_schedule(c, &rq->napi);
}

/* veth_skb_is_eligible_for_gro: worth the NAPI/GRO path? */
static bool veth_skb_is_eligible(const struct net_device *dev, const struct net_device *rcv,
				 const struct sk_buff *skb)
{
	const struct veth_priv *s = veth_priv(dev), *r = veth_priv(rcv);

	/* skb->destructor == sock_wfree: still charged to a local socket */
	return r->xdp || !s->tso ||
	       ((skb->flags & SKB_F_WMEM) && (r->rx_gro_list || r->rx_udp_gro_forwarding));
}

/* The ring is full: drop without a qdisc, else stop the queue for the qdisc to requeue. */
static int veth_ring_full(struct cpu *c, struct net_device *dev, struct sk_buff *skb, uint16_t txq,
			  struct veth_rq *rq)
{
	struct netdev_queue *q = &dev->txq[txq];

	veth_xdp_flush(c, rq);
	if (!q->qdisc->ops->enqueue) {
		dev->tx_dropped++; /* priv->dropped */
		kfree_skb_reason(dev->host, skb, SKB_DROP_REASON_NOT_SPECIFIED);
		return NET_XMIT_DROP;
	}
	q->stopped = true;
	q->stops++;
	q->busy++;
	skb->dev = dev;
	return NETDEV_TX_BUSY;
}

static int veth_xmit(struct cpu *c, struct net_device *dev, struct sk_buff *skb, uint16_t txq,
		     uint64_t *cycles)
{
	struct net_device *peer = dev->peer;
	const struct veth_priv *pv = veth_priv(peer);
	struct world *w = dev->host->w;
	/* veth_xmit: the peer's rq of the same index, if it has that many queues */
	struct veth_rq *rq = pv->rq && txq < pv->nq ? &pv->rq[txq] : NULL;
	uint32_t len = skb->len;
	struct rps_dev_flow *rflow;
	int cpu;

	(void)cycles;
	skb->dev = peer;
	skb->pkt_type = eth_pkt_type(peer, skb); /* __dev_forward_skb: eth_type_trans */
	skb->t_wire = w->q.now;
	skb_set_stage(dev->host, skb, STAGE_T15);
	if (rq && veth_skb_is_eligible(dev, peer, skb)) {
		if (rq->ring.qlen >= VETH_RING_SIZE)
			return veth_ring_full(c, dev, skb, txq, rq);
		__skb_queue_tail(&rq->ring, skb);
		sim_level_add(&rq->ring_level, w->q.now, 1);
		if (w->measuring)
			rq->ring_in++;
		skb_lat_next(dev->host, skb, LAT_RING, w->q.now);
		veth_xdp_flush(c, rq);
		return NETDEV_TX_OK;
	}
	skb_lat_next(dev->host, skb, LAT_SOFTIRQ, w->q.now);
	/* netif_rx_internal: the backlog of the RPS/RFS CPU of the peer's rx-0 (no rx queue recorded) */
	cpu = get_rps_cpu(&peer->rxq[0], skb, &rflow);
	if (enqueue_to_backlog(c, skb, cpu >= 0 ? c->host->cpus[cpu].sd : c->sd, rflow) !=
	    NET_RX_SUCCESS) {
		dev->tx_dropped++; /* veth_xmit: priv->dropped */
		return NET_XMIT_DROP;
	}
	dev->tx_packets++; /* veth_xmit: dev_sw_netstats_tx_add; the peer's rx, see veth_get_stats64 */
	dev->tx_bytes += len;
	return NETDEV_TX_OK;
}

/* ---- veth_poll: the NAPI of the receiving veth ---- */

/* page_pool_alloc_netmem / page_pool_alloc_frag_netmem: the fragment's truesize. */
static uint32_t veth_pp_alloc(struct veth_rq *rq, uint32_t size)
{
	uint32_t offset;

	if (size << 1 > VETH_PP_PAGE)
		return VETH_PP_PAGE;
	if (rq->pp_page && rq->pp_frag_offset + size > VETH_PP_PAGE)
		rq->pp_page = false; /* page_pool_drain_frag: a fresh page */
	offset = rq->pp_page ? rq->pp_frag_offset : 0;
	rq->pp_page = true;
	rq->pp_frag_offset = offset + size;
	if (rq->pp_frag_offset + size > VETH_PP_PAGE) {
		size = VETH_PP_PAGE - offset;
		rq->pp_frag_offset = VETH_PP_PAGE;
	}
	return size;
}

uint32_t veth_pp_cow_truesize(struct veth_rq *rq, uint32_t len)
{
	uint32_t max_head = VETH_PP_PAGE - XDP_PACKET_HEADROOM - SKB_SHINFO_SIZE;
	uint32_t size = len < max_head ? len : max_head;

	return veth_pp_alloc(rq, SKB_DATA_ALIGN(size) + SKB_SHINFO_SIZE + XDP_PACKET_HEADROOM) +
	       SKB_STRUCT_SIZE;
}

/*
 * veth_xdp_rcv_skb with the attached program: the skb is first copied into
 * the rq's page_pool (veth_convert_skb_to_xdp_buff: a locally built or
 * forwarded skb never has XDP_PACKET_HEADROOM), which changes its truesize.
 * False when the program dropped it.
 */
static bool veth_xdp_run(struct veth_rq *rq, struct sk_buff *skb, uint64_t *cycles)
{
	struct net_device *dev = rq->dev;

	struct xdp_prog *prog = veth_priv(dev)->xdp;

	if (!prog)
		return true;
	*cycles += dev->host->costs.xdp_run;
	skb_orphan(skb); /* the original skb is consumed: its sock_wfree */
	skb->truesize = veth_pp_cow_truesize(rq, skb->len);
	if (bpf_prog_run_xdp(prog, skb, false, cycles, NULL) == XDP_PASS)
		return true;
	rq->xdp_drops++;
	kfree_skb_reason(dev->host, skb, SKB_DROP_REASON_NOT_SPECIFIED);
	return false;
}

static struct sk_buff *veth_poll_one(struct napi_struct *n, struct cpu *c, uint64_t *cycles)
{
	struct veth_rq *rq = n->priv;
	struct net_device *dev = rq->dev;
	struct world *w = dev->host->w;
	struct sk_buff *skb;

	while ((skb = __skb_dequeue(&rq->ring))) {
		sim_level_add(&rq->ring_level, w->q.now, -1);
		if (w->measuring && skb->t_wire >= w->warmup) {
			rq->wait_sum += (double)(w->q.now - skb->t_wire);
			rq->wait_n++;
		}
		/*
		 * veth_xdp_rcv: every skb consumed counts in done and xdp_packets,
		 * its bytes after eth_type_trans pulled the Ethernet header;
		 * veth_get_stats64 reports them as the peer's tx and our rx.
		 */
		uint32_t bytes = skb->len - ETH_HLEN;

		rq->xdp_packets++;
		rq->xdp_bytes += bytes;
		*cycles += dev->host->costs.veth_xdp_rcv;
		/*
		 * A napi kthread on another CPU reads skbs the sender wrote: their
		 * cache lines come from that CPU (softirq polls on the sending CPU
		 * are not charged this, as before threaded NAPI was modelled).
		 */
		if (n->thread)
			*cycles += skb_touch(c, skb);
		skb_set_stage(dev->host, skb, STAGE_R9);
		skb_lat_next(dev->host, skb, LAT_SOFTIRQ, w->q.now);
		if (veth_xdp_run(rq, skb, cycles))
			return skb;
		/*
		 * XDP_DROP: the skb still counts in veth_xdp_rcv's done, i.e. the
		 * poll's work against its weight (the caller counts only the skbs
		 * returned); at the weight the poll stops, as the kernel's loop does.
		 */
		if (++n->run->work >= n->run->weight)
			return NULL;
	}
	return NULL;
}

static uint64_t veth_poll_end(struct napi_struct *n, struct cpu *c, int work, int weight)
{
	struct veth_rq *rq = n->priv;
	struct net_device *peer = rq->dev->peer;
	struct netdev_queue *ptxq = rq->index < peer->ntxq ? &peer->txq[rq->index] : NULL;

	rq->polls++;
	if (ptxq && ptxq->stopped) { /* veth_xdp_rcv: netif_tx_wake_queue(peer_txq) */
		ptxq->stopped = false;
		ptxq->wakes++;
		netif_schedule_qdisc(c, ptxq->qdisc);
	}
	if (work < weight && napi_complete_done(n, c, work)) { /* then the ring re-check */
		rq->rx_notify_masked = false;
		if (rq->ring.qlen && !(n->state & NAPIF_STATE_SCHED)) {
			rq->rx_notify_masked = true;
			napi_schedule(c, n);
		}
	}
	return 0;
}

static const struct napi_ops veth_napi_ops = {
	.poll_one = veth_poll_one,
	.poll_end = veth_poll_end,
	.gro = true,
};

/* ---- setup ---- */

static int veth_parse_features(struct net_device *dev, const struct cfg_node *n, uint16_t map[64],
			       uint32_t *len, struct sim_error *err)
{
	struct veth_priv *v = veth_priv(dev);
	uint64_t nq, tcpu, defer;

	if (netif_parse_rps_cpus(dev->host, n, map, len, err) ||
	    cfg_get_bool(n, "threaded", &v->threaded, false, err) ||
	    cfg_get_u64(n, "threaded_cpu", &tcpu, 0, 0, dev->host->ncpus - 1, err) ||
	    cfg_get_u64(n, "napi_defer_hard_irqs", &defer, 0, 0, INT32_MAX, err) ||
	    cfg_get_time(n, "gro_flush_timeout", &v->gro_flush_timeout, 0, 0, SIM_SEC, err) ||
	    cfg_get_u64(n, "queues", &nq, 1, 1, VETH_MAX_QUEUES, err) ||
	    cfg_get_bool(n, "gro", &v->gro, false, err) ||
	    cfg_get_bool(n, "rx_gro_list", &v->rx_gro_list, false, err) ||
	    cfg_get_bool(n, "rx_udp_gro_forwarding", &v->rx_udp_gro_forwarding, false, err) ||
	    cfg_get_bool(n, "tso", &v->tso, true, err) ||
	    xdp_prog_parse(dev->host, dev->name, n,
			   XDP_ALLOW(XDP_ABORTED) | XDP_ALLOW(XDP_DROP) | XDP_ALLOW(XDP_PASS),
			   "veth", &v->xdp, err))
		return -1;
	v->nq = (uint32_t)nq;
	v->threaded_cpu = (uint32_t)tcpu;
	v->defer_hard_irqs = (uint32_t)defer;
	return 0;
}

/*
 * dev_set_threaded: each rq's NAPI gets its kthread "napi/DEV-ID" on
 * threaded_cpu. Without NAPI mode the kernel refuses the sysfs write
 * (tests/kernel-ref/napi_threaded.csv, case nonapi).
 */
static int veth_set_threaded(struct net_device *dev, const struct cfg_node *n,
			     struct sim_error *err)
{
	struct veth_priv *v = veth_priv(dev);
	struct cpu *c = &dev->host->cpus[v->threaded_cpu];

	if (v->threaded && !v->rq) /* threaded_store: no NAPI, -EOPNOTSUPP (measured) */
		return cfg_error(cfg_get(n, "threaded"), err,
				 "veth '%s' has no NAPI to thread: turn on 'gro' or 'xdp' first "
				 "(Linux refuses /sys/class/net/%s/threaded without one)",
				 dev->name, dev->name);
	for (uint32_t i = 0; v->threaded && i < v->nq; i++) {
		if (!napi_thread_fits(c))
			return cfg_error(cfg_get(n, "threaded"), err,
					 "too many threads on cpu %u for the napi kthreads of '%s'",
					 c->id, dev->name);
		if (napi_set_threaded(&v->rq[i].napi, c, dev->name, MIN_NAPI_ID + i, err))
			return -1;
	}
	if (!v->threaded && cfg_has(n, "threaded_cpu"))
		return cfg_error(cfg_get(n, "threaded_cpu"), err,
				 "'threaded_cpu' needs 'threaded: true' on '%s'", dev->name);
	return 0;
}

/* veth_napi_enable: each rq's NAPI and ring exist when GRO or XDP is on. */
static int veth_napi_add(struct net_device *dev, struct sim_error *err)
{
	struct veth_priv *v = veth_priv(dev);

	if (!v->gro && !v->xdp)
		return 0;
	v->rq = calloc(v->nq, sizeof(*v->rq));
	if (!v->rq)
		return sim_error_set(err, "out of memory");
	for (uint32_t i = 0; i < v->nq; i++) {
		struct veth_rq *rq = &v->rq[i];

		rq->dev = dev;
		rq->index = (uint16_t)i;
		skb_queue_head_init(&rq->ring);
		rq->napi.ops = &veth_napi_ops;
		snprintf(rq->napi.name, sizeof(rq->napi.name), "%s rx-%u", dev->name, i);
		rq->napi.priv = rq;
		rq->napi.weight = VETH_NAPI_WEIGHT;
		rq->napi.gro_off = !v->gro; /* XDP alone: napi_gro_receive elides GRO */
		skb_queue_head_init(&rq->napi.rx_list);
		napi_timer_init(&rq->napi, v->defer_hard_irqs, v->gro_flush_timeout);
		sim_level_init(&rq->ring_level, 0);
	}
	return 0;
}

static void veth_stats_reset(struct net_device *dev, sim_time_t now)
{
	struct veth_priv *v = veth_priv(dev);

	for (uint32_t i = 0; v->rq && i < v->nq; i++) {
		struct veth_rq *rq = &v->rq[i];

		sim_level_reset(&rq->ring_level, now);
		rq->ring_in = 0;
		rq->wait_sum = 0;
		rq->wait_n = 0;
	}
}

/*
 * veth_get_stats64: what the peer sent through netif_rx is our rx; the skbs
 * our rqs consumed (NAPI mode, XDP drops included) are our rx and the peer's
 * tx, so its rqs' are our tx.
 */
static void veth_get_stats64(const struct net_device *dev, struct rtnl_link_stats64 *s)
{
	const struct net_device *peer = dev->peer;
	const struct veth_priv *v = veth_priv(dev), *pv = veth_priv(peer);

	s->rx_packets += peer->tx_packets;
	s->rx_bytes += peer->tx_bytes;
	for (uint32_t i = 0; v->rq && i < v->nq; i++) {
		s->rx_packets += v->rq[i].xdp_packets;
		s->rx_bytes += v->rq[i].xdp_bytes;
	}
	for (uint32_t i = 0; pv->rq && i < pv->nq; i++) {
		s->tx_packets += pv->rq[i].xdp_packets;
		s->tx_bytes += pv->rq[i].xdp_bytes;
	}
}

static void veth_uninit(struct net_device *dev)
{
	for (uint32_t i = 0; veth_priv(dev)->rq && i < veth_priv(dev)->nq; i++)
		napi_thread_free(&veth_priv(dev)->rq[i].napi);
	free(veth_priv(dev)->rq);
	veth_priv(dev)->rq = NULL;
	xdp_prog_free(veth_priv(dev)->xdp);
	veth_priv(dev)->xdp = NULL;
}

static const struct ethtool_ops veth_ethtool_ops;

/* ndo_link: each veth names its peer; the pair must agree and share a machine's CPUs. */
static int veth_link(struct world *w, struct net_device *dev, struct sim_error *err)
{
	const char *peer_name = veth_priv(dev)->peer_name;
	struct net_device *p = netdev_find(w, peer_name);
	char me[64];

	snprintf(me, sizeof(me), "%s/%s", dev->host->name, dev->name);
	if (!p || p->driver != &veth_netdev_driver)
		return sim_error_set(err, "veth '%s': no veth '%s' to pair with", me, peer_name);
	if (p == dev)
		return sim_error_set(err, "veth '%s' names itself as peer", me);
	if (strcmp(veth_priv(p)->peer_name, me))
		return sim_error_set(err, "veth '%s' and '%s' do not name each other as peer", me,
				     peer_name);
	if (p->host->cpus != dev->host->cpus)
		return sim_error_set(
			err, "veth '%s': hosts '%s' and '%s' must share CPUs (set 'machine')", me,
			dev->host->name, p->host->name);
	dev->peer = p;
	return 0;
}

static const struct net_device_ops veth_netdev_ops = {
	.ndo_start_xmit = veth_xmit,
	.ndo_get_stats64 = veth_get_stats64,
	.ndo_uninit = veth_uninit,
	.ndo_stats_reset = veth_stats_reset,
	.ndo_link = veth_link,
};

/* veth_setup + veth_newlink: the device's own keys; its peer is joined by ndo_link. */
static int veth_setup(struct net_device *dev, const struct cfg_node *n, struct sim_error *err)
{
	struct veth_priv *v = veth_priv(dev);
	const char *peer = NULL;
	uint16_t map[64];
	uint32_t len;
	uint64_t mtu;

	dev->netdev_ops = &veth_netdev_ops;
	dev->ethtool_ops = &veth_ethtool_ops;
	dev->xmit_cost = &dev->host->costs.veth_xmit; /* veth_xmit + __dev_forward_skb */
	if (netdev_parse_addr(dev, n, err) || cfg_require(n, "peer", "veth", err) ||
	    cfg_get_str(n, "peer", &peer, NULL, err) ||
	    cfg_get_u64(n, "mtu", &mtu, 1500, 68, 1500, err))
		return -1;
	if (!strchr(peer, '/') || strlen(peer) >= sizeof(v->peer_name))
		return cfg_error(
			cfg_get(n, "peer"), err,
			"'peer' must name the other end as HOST/DEV, like 'c2/eth0', got '%s'",
			peer);
	snprintf(v->peer_name, sizeof(v->peer_name), "%s", peer);
	dev->mtu = (uint32_t)mtu;
	dev->gso_udp_l4 = true; /* VETH_FEATURES: NETIF_F_GSO_SOFTWARE */
	if (veth_parse_features(dev, n, map, &len, err) || veth_napi_add(dev, err) ||
	    veth_set_threaded(dev, n, err))
		return -1;
	if (netif_alloc_queues(dev, v->nq, v->nq))
		return sim_error_set(err, "out of memory");
	if (netif_parse_rps_flow_cnt(dev, n, err))
		return -1;
	netif_set_rps_map(dev, map, len);
	return dev_activate(dev, n, "noqueue", err);
}

/* ---- reporting ---- */

/*
 * veth_get_ethtool_stats: the peer's ifindex, VETH_RQ_STATS for every rx
 * queue, then VETH_TQ_STATS for every tx queue (XDP counters: NAPI mode).
 */
static void veth_get_ethtool_stats(const struct net_device *v, FILE *f)
{
	const struct veth_priv *p = veth_priv(v);
	const struct veth_rq none = { 0 };

	fprintf(f, "NIC statistics:\n");
	fprintf(f, "     peer_ifindex: %u\n", netdev_ifindex(v->peer));
	for (uint32_t i = 0; i < p->nq; i++) {
		const struct veth_rq *rq = p->rq ? &p->rq[i] : &none;

		fprintf(f, "     rx_queue_%u_xdp_packets: %llu\n", i, U(rq->xdp_packets));
		fprintf(f, "     rx_queue_%u_xdp_bytes: %llu\n", i, U(rq->xdp_bytes));
		fprintf(f, "     rx_queue_%u_drops: %llu\n", i, U(0));
		fprintf(f, "     rx_queue_%u_xdp_redirect: %llu\n", i, U(0));
		fprintf(f, "     rx_queue_%u_xdp_drops: %llu\n", i, U(rq->xdp_drops));
		fprintf(f, "     rx_queue_%u_xdp_tx: %llu\n", i, U(0));
		fprintf(f, "     rx_queue_%u_xdp_tx_errors: %llu\n", i, U(0));
	}
	for (uint32_t i = 0; i < v->ntxq; i++) {
		fprintf(f, "     tx_queue_%u_xdp_xmit: %llu\n", i, U(0));
		fprintf(f, "     tx_queue_%u_xdp_xmit_errors: %llu\n", i, U(0));
	}
}

static cJSON *veth_report_json(const struct net_device *dev)
{
	const struct veth_priv *p = veth_priv(dev);
	cJSON *o = cJSON_CreateObject(), *vo = cJSON_CreateObject(), *qa = cJSON_CreateArray();

	cJSON_AddStringToObject(o, "name", dev->name);
	cJSON_AddStringToObject(o, "driver", dev->driver->name);
	netdev_json_stats(dev, o);
	cJSON_AddItemToObject(o, "rx_queues", cJSON_CreateArray());
	if (dev->bql)
		cJSON_AddItemToObject(o, "byte_queue_limits", netdev_json_bql(dev));
	cJSON_AddBoolToObject(vo, "napi", p->rq != NULL);
	cJSON_AddStringToObject(vo, "xdp", veth_xdp_name(p->xdp));
	cJSON_AddNumberToObject(vo, "queues", p->nq);
	for (uint32_t i = 0; p->rq && i < p->nq; i++) {
		const struct veth_rq *rq = &p->rq[i];
		cJSON *qo = cJSON_CreateObject();

		cJSON_AddNumberToObject(qo, "queue", i);
		JNUM(qo, rq, xdp_packets);
		JNUM(qo, rq, xdp_bytes);
		JNUM(qo, rq, xdp_drops);
		JNUM(qo, rq, polls);
		cJSON_AddItemToArray(qa, qo);
	}
	cJSON_AddItemToObject(vo, "rx_queues", qa);
	cJSON_AddItemToObject(o, "veth", vo);
	return o;
}

/* The NAPI rings (NAPI mode) in the report's queue table, as "veth_ring". */
static uint32_t veth_report_queues(const struct net_device *dev, struct netdev_queue_obs *out,
				   uint32_t max)
{
	const struct veth_priv *v = veth_priv(dev);
	uint32_t n = 0;

	for (uint32_t i = 0; v->rq && i < v->nq && n < max; i++, n++) {
		const struct veth_rq *rq = &v->rq[i];

		out[n] = (struct netdev_queue_obs){ "veth_ring",     i,
						    &rq->ring_level, rq->ring_in,
						    rq->wait_sum,    rq->wait_n };
	}
	return n;
}

static const struct ethtool_ops veth_ethtool_ops = {
	.get_ethtool_stats = veth_get_ethtool_stats,
	.report_json = veth_report_json,
	.report_queues = veth_report_queues,
};

const struct netdev_driver veth_netdev_driver = {
	.name = "veth",
	.priv_size = sizeof(struct veth_priv),
	.scenario = true,
	.setup = veth_setup,
};
