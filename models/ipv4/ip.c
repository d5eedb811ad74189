/*
 * models/ipv4/ip.c - IPv4 receive (R15-R20) and forwarding (R19), up to
 * the protocol handler of inet_protos[].
 *
 * See models/ipv4/ip.h for the kernel references and simplifications.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "models/core/gso.h"
#include "models/core/observe.h"
#include "models/ipv4/icmp.h"
#include "models/ipv4/ip.h"
#include "models/ipv4/ip_fragment.h"
#include "models/ipv4/ip_output.h"
#include "models/core/netdevice.h"
#include "models/core/neigh.h"
#include "models/netfilter/netfilter.h"
#include "models/ipv4/protocol.h"
#include "models/ipv4/route.h"
#include "models/ipv4/sock.h"
#include "sim/error.h"

bool ip_is_local(const struct host *h, uint32_t addr)
{
	if ((addr >> 24) == 127)
		return true;
	for (uint32_t i = 0; i < h->nlocal; i++)
		if (h->local_addr[i] == addr)
			return true;
	return false;
}

/* ---- receive ---- */

static struct sock *ip_drop(struct host *h, struct sk_buff *skb, enum skb_drop_reason reason,
			    uint64_t *cycles)
{
	*cycles += h->costs.kfree_skb;
	kfree_skb_reason(h, skb, reason);
	return NULL;
}

static bool nf_drops(struct host *h, enum nf_hook_id hook, struct sk_buff *skb, uint64_t *cycles)
{
	return ip_nf_drops(h, hook, skb, skb->dev, NULL, cycles);
}

/*
 * ip_error's own limit on the source's inet_peer: a token bucket of
 * net.ipv4.route.error_cost (HZ jiffies) per error, at most error_burst
 * (5 HZ). Its
 * tokens are the same rate_tokens icmp_send's per-peer limit then draws on,
 * so under a steady stream both rarely agree: the 6.18 kernel sent 2 ICMPs
 * for 300 datagrams at 100 pps (tests/kernel-ref/ip_error.csv).
 */
static bool ip_error_allow(struct host *h, const struct sk_buff *skb)
{
	struct inet_peer *p = inet_getpeer(h, skb->saddr);
	uint64_t now = host_jiffies(h, h->w->q.now);
	uint64_t cost = h->sysctl.route_error_cost, burst = h->sysctl.route_error_burst;

	if (!p)
		return true;
	p->rate_tokens += now - p->rate_last;
	if (p->rate_tokens > burst)
		p->rate_tokens = burst;
	p->rate_last = now;
	if (p->rate_tokens < cost)
		return false;
	p->rate_tokens -= cost;
	return true;
}

/*
 * ip_error: the input route failed with @err (forwarding on): ENETUNREACH
 * counts InNoRoutes and sends net unreachable, EHOSTUNREACH host
 * unreachable, EACCES communication prohibited, each subject to
 * ip_error_allow(); EINVAL (blackhole) drops silently. Measured on 6.18
 * (tests/kernel-ref/route_err.csv, ip_error.csv).
 */
static struct sock *ip_error(struct cpu *c, struct host *h, struct sk_buff *skb, int err,
			     uint64_t *cycles)
{
	unsigned code;

	switch (err) {
	case -ENETUNREACH:
		h->ip.InNoRoutes++;
		code = ICMP_NET_UNREACH;
		break;
	case -EHOSTUNREACH:
		code = ICMP_HOST_UNREACH;
		break;
	case -EACCES:
		code = ICMP_PKT_FILTERED;
		break;
	default:
		return ip_drop(h, skb, SKB_DROP_REASON_NOT_SPECIFIED, cycles);
	}
	if (ip_error_allow(h, skb))
		icmp_send(c, h, skb, ICMP_DEST_UNREACH, code, 0, cycles);
	return ip_drop(h, skb,
		       err == -ENETUNREACH ? SKB_DROP_REASON_IP_INNOROUTES
					   : SKB_DROP_REASON_NOT_SPECIFIED,
		       cycles);
}

/*
 * ip_forward (R19): TTL, route, FORWARD, then ip_output and the neighbour on
 * the egress device. The skb is handed off here; returns NULL.
 */
static struct sock *ip_forward(struct cpu *c, struct sk_buff *skb, const struct fib_route *rt,
			       uint64_t *cycles)
{
	struct host *h = skb->dev->host;
	struct net_device *out;
	uint32_t mtu;

	/* ip_route_input first: a failed lookup is ip_error's, before ip_forward sees it */
	if (!rt || rt->type == RTN_LOCAL)
		return ip_error(c, h, skb, -ENETUNREACH, cycles);
	if (fib_route_error(rt))
		return ip_error(c, h, skb, fib_route_error(rt), cycles);
	skb_set_stage(h, skb, STAGE_R19);
	*cycles += h->costs.ip_forward;
	if (skb->ttl <= 1) {
		h->ip.InHdrErrors++;
		icmp_send(c, h, skb, ICMP_TIME_EXCEEDED, ICMP_EXC_TTL, 0, cycles);
		return ip_drop(h, skb, SKB_DROP_REASON_IP_INHDR, cycles);
	}
	out = rt->dev;
	mtu = ip_dst_mtu(h, rt, skb->daddr);
	/* counted before the MTU check and the FORWARD hook (current kernels; measured on 6.18) */
	h->ip.ForwDatagrams++;
	if ((skb_is_gso(skb) ? skb->gso_size + 28u : skb->len - ETH_HLEN) > mtu &&
	    (skb->flags & SKB_F_DF)) {
		/* ip_exceeds_mtu (skb_gso_validate_network_len: a GSO skb's segments) */
		h->ip.FragFails++;
		icmp_send(c, h, skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, mtu, cycles);
		return ip_drop(h, skb, SKB_DROP_REASON_PKT_TOO_BIG, cycles);
	}
	if (ip_nf_drops(h, NF_INET_FORWARD, skb, skb->dev, out, cycles))
		return ip_drop(h, skb, SKB_DROP_REASON_NETFILTER_DROP, cycles);
	skb->ttl--;
	skb_set_stage(h, skb, STAGE_T9);
	h->ip.OutTransmits++;
	if (ip_nf_drops(h, NF_INET_POST_ROUTING, skb, NULL, out, cycles))
		return ip_drop(h, skb, SKB_DROP_REASON_NETFILTER_DROP, cycles);
	skb->lat = LAT_TX_STACK;
	ip_finish_output(c, skb, out, rt->gw ? rt->gw : skb->daddr, cycles);
	return NULL;
}

struct sock *ip_rcv(struct cpu *c, struct sk_buff *skb, uint64_t *cycles)
{
	struct host *h = skb->dev->host; /* the namespace of the receiving device */
	const struct costs *k = &h->costs;
	const struct net_protocol *ipprot;
	const struct fib_route *rt;

	skb_set_stage(h, skb, STAGE_R17);
	*cycles += k->ip_rcv;
	skb_orphan(skb); /* ip_rcv_core: a veth sender's charge ends here */
	if (skb->pkt_type == PACKET_OTHERHOST)
		return ip_drop(h, skb, SKB_DROP_REASON_OTHERHOST, cycles);
	h->ip.InReceives++;
	if (skb->flags & SKB_F_BAD_IPHDR) {
		h->ip.InHdrErrors++;
		h->ip.InCsumErrors++;
		return ip_drop(h, skb, SKB_DROP_REASON_IP_CSUM, cycles);
	}
	if (nf_drops(h, NF_INET_PRE_ROUTING, skb, cycles))
		return ip_drop(h, skb, SKB_DROP_REASON_NETFILTER_DROP, cycles);
	skb_set_stage(h, skb, STAGE_R18);
	/* ip_route_input_slow: fib_lookup for every packet, local ones too */
	rt = fib_lookup_cost(h, skb->daddr, k->ip_route_input, cycles);
	if (!ip_is_local(h, skb->daddr) && h->sysctl.ip_forward)
		return ip_forward(c, skb, rt, cycles);
	if (!ip_is_local(h, skb->daddr)) {
		/* RTN_UNREACHABLE with forwarding off: ip_error() */
		h->ip.InAddrErrors++;
		return ip_drop(h, skb, SKB_DROP_REASON_IP_INADDRERRORS, cycles);
	}
	skb_set_stage(h, skb, STAGE_R20);
	*cycles += k->ip_local_deliver;
	if ((skb->flags & SKB_F_FRAG) && !(skb = ip_defrag(c, skb, cycles)))
		return NULL;
	if (nf_drops(h, NF_INET_LOCAL_IN, skb, cycles))
		return ip_drop(h, skb, SKB_DROP_REASON_NETFILTER_DROP, cycles);
	h->ip.InDelivers++;
	/* ip_protocol_deliver_rcu: every packet the model builds is UDP or ICMP */
	ipprot = inet_protos[skb->protocol];
	SIM_BUG_ON(!ipprot);
	return ipprot->handler(c, h, skb, cycles);
}
