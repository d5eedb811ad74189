/*
 * models/ipv4/icmp.c - ICMP: icmp_send with its rate limits, icmp_rcv and the
 * delivery of errors to the protocol that sent the datagram.
 *
 * See models/ipv4/icmp.h for the kernel references and simplifications. The
 * rate limits follow net/ipv4/icmp.c (6.10+): icmp_global_allow() refills
 * msgs_per_sec credits (capped at msgs_burst) at most every HZ/50 jiffies and
 * icmp_global_consume() takes 0-2 credits at random; icmpv4_xrlim_allow()
 * applies inet_peer_xrlim_allow() per source address with a token bucket of
 * icmp_ratelimit jiffies per message and a burst of XRLIM_BURST_FACTOR (6).
 */
#include "models/core/observe.h"
#include "models/core/netdevice.h"
#include "models/ipv4/icmp.h"
#include "models/ipv4/ip.h"
#include "models/ipv4/ip_fragment.h"
#include "models/ipv4/ip_output.h"
#include "models/ipv4/protocol.h"
#include "models/ipv4/route.h"

#define XRLIM_BURST_FACTOR 6

/* icmp_global_allow(). */
static bool icmp_global_allow(struct host *h)
{
	uint64_t now = host_jiffies(h, h->w->q.now);
	uint64_t delta;
	double incr;

	if (h->icmp_global_credit > 0)
		return true;
	delta = now - (uint64_t)h->icmp_global_stamp;
	if (delta > h->hz)
		delta = h->hz;
	if (delta < h->hz / 50)
		return false;
	incr = (double)((uint64_t)h->sysctl.icmp_msgs_per_sec * delta / h->hz);
	if (incr <= 0)
		return false;
	h->icmp_global_stamp = (sim_time_t)now;
	h->icmp_global_credit += incr;
	if (h->icmp_global_credit > h->sysctl.icmp_msgs_burst)
		h->icmp_global_credit = h->sysctl.icmp_msgs_burst;
	return true;
}

struct inet_peer *inet_getpeer(struct host *h, uint32_t daddr)
{
	uint32_t mask = h->npeers_cap - 1;
	uint32_t i = (daddr * 0x9E3779B1u) & mask;

	for (uint32_t probe = 0; probe < h->npeers_cap; probe++, i = (i + 1) & mask) {
		struct inet_peer *p = &h->peers[i];

		if (p->used && p->daddr == daddr)
			return p;
		if (!p->used) {
			uint64_t now = host_jiffies(h, h->w->q.now);

			p->used = true;
			p->daddr = daddr;
			p->rate_tokens = 0;
			p->rate_last = now - 60 * (uint64_t)h->hz;
			return p;
		}
	}
	return NULL;
}

/* inet_peer_xrlim_allow(). */
static bool inet_peer_xrlim_allow(struct inet_peer *p, uint64_t now, uint64_t timeout)
{
	uint64_t token, delta;
	bool rc = false;

	if (!p)
		return true;
	token = p->rate_tokens;
	delta = now - p->rate_last;
	if (delta) {
		p->rate_last = now;
		token += delta;
		if (token > XRLIM_BURST_FACTOR * timeout)
			token = XRLIM_BURST_FACTOR * timeout;
	}
	if (token >= timeout) {
		token -= timeout;
		rc = true;
	}
	p->rate_tokens = token;
	return rc;
}

/*
 * icmpv4_global_allow: the type mask and the global credit, skipped for
 * packets that came in on loopback. True when allowed; *limited says whether
 * the per-peer limit applies too.
 */
static bool icmp_global_check(struct host *h, const struct sk_buff *skb, unsigned type,
			      unsigned code, bool *limited)
{
	const struct sysctls *s = &h->sysctl;

	/* icmpv4_mask_allow: "Don't limit PMTU discovery" */
	*limited = ((s->icmp_ratemask >> type) & 1) && !(skb->dev && skb->dev->loopback) &&
		   !(type == ICMP_DEST_UNREACH && code == ICMP_FRAG_NEEDED);
	if (*limited && !icmp_global_allow(h)) {
		h->icmp.OutRateLimitGlobal++;
		return false;
	}
	return true;
}

/* icmpv4_xrlim_allow: per destination, none through lo; consumes global credit. */
static bool icmp_peer_check(struct host *h, const struct sk_buff *skb, bool limited, bool via_lo)
{
	uint64_t timeout = (uint64_t)h->sysctl.icmp_ratelimit * h->hz / 1000;
	struct inet_peer *p;

	if (!limited)
		return true;
	p = via_lo ? NULL : inet_getpeer(h, skb->saddr);
	if (p && !inet_peer_xrlim_allow(p, host_jiffies(h, h->w->q.now), timeout)) {
		h->icmp.OutRateLimitHost++;
		return false;
	}
	/* icmp_global_consume(): 0, 1 or 2 credits */
	h->icmp_global_credit -= (double)sim_rng_below(&h->icmp_rng, 3);
	return true;
}

/* The ICMP packet: IP 20 + ICMP 8 + the offending IP header and 8 bytes. */
static struct sk_buff *icmp_build(struct host *h, const struct sk_buff *skb_in,
				  const struct fib_route *rt, unsigned type, unsigned code,
				  uint32_t info)
{
	struct sk_buff *skb = skb_alloc(h->w);

	if (!skb)
		return NULL;
	h->w->offered++;
	skb->len = 14 + 20 + 8 + 28;
	skb->truesize = 832;
	skb->eth_proto = 0x0800;
	skb->protocol = IPPROTO_ICMP_;
	skb->icmp_type = (uint8_t)type;
	skb->icmp_code = (uint8_t)code;
	skb->icmp_info = (uint16_t)info;
	skb->icmp_orig_daddr = skb_in->daddr;
	skb->sport = skb_in->sport; /* the quoted UDP header, for udp_err */
	skb->dport = skb_in->dport;
	skb->saddr = rt->type == RTN_LOCAL ? skb_in->daddr : rt->src;
	skb->daddr = skb_in->saddr;
	skb->ttl = (uint8_t)h->sysctl.ip_default_ttl;
	skb->hash = skb->saddr * 0x9E3779B1u ^ skb->daddr;
	skb->t_born = skb->t_mark = h->w->q.now;
	skb->lat = LAT_TX_STACK;
	skb_observe(h, skb, SKB_EV_BORN, 0);
	return skb;
}

bool icmp_send(struct cpu *c, struct host *h, const struct sk_buff *skb_in, unsigned type,
	       unsigned code, uint32_t info, uint64_t *cycles)
{
	const struct fib_route *rt;
	struct net_device *dev;
	struct sk_buff *skb;
	bool limited;

	/* no errors about errors, nor about fragments other than the first */
	if (skb_in->protocol == IPPROTO_ICMP_ || skb_in->frag_off ||
	    !icmp_global_check(h, skb_in, type, code, &limited))
		return false;
	rt = fib_lookup_cost(h, skb_in->saddr, h->costs.ip_route_output, cycles);
	if (!rt || fib_route_error(rt))
		return false;
	dev = rt->type == RTN_LOCAL ? h->lo : rt->dev;
	if (!icmp_peer_check(h, skb_in, limited, dev->loopback))
		return false;
	skb = icmp_build(h, skb_in, rt, type, code, info);
	if (!skb)
		return false;
	*cycles += h->costs.icmp_send;
	h->icmp.OutMsgs++;
	if (type == ICMP_TIME_EXCEEDED)
		h->icmp.OutTimeExcds++;
	else
		h->icmp.OutDestUnreachs++;
	h->ip.OutRequests++;
	if (ip_local_out_hooks(h, skb, dev, cycles)) {
		h->ip.OutDiscards++;
		kfree_skb_reason(h, skb, SKB_DROP_REASON_NETFILTER_DROP);
		return true;
	}
	ip_finish_output(c, skb, dev, rt->gw ? rt->gw : skb->daddr, cycles);
	return true;
}

/*
 * icmp_socket_deliver: the error goes to the err_handler of the quoted
 * datagram's protocol. The model's errors quote only UDP datagrams (icmp_send
 * never answers an ICMP packet, and traffic is UDP).
 */
static void icmp_socket_deliver(struct host *h, const struct sk_buff *skb)
{
	const struct net_protocol *ipprot = inet_protos[IPPROTO_UDP_];

	if (ipprot && ipprot->err_handler)
		ipprot->err_handler(h, skb);
}

/*
 * icmp_protocol.handler, icmp_rcv: an ICMP error reached its destination;
 * icmp_unreach hands it to icmp_socket_deliver.
 */
static struct sock *icmp_rcv(struct cpu *c, struct host *h, struct sk_buff *skb, uint64_t *cycles)
{
	(void)c;
	*cycles += h->costs.arp_rcv;
	h->icmp.InMsgs++;
	if (skb->icmp_type == ICMP_TIME_EXCEEDED)
		h->icmp.InTimeExcds++;
	else
		h->icmp.InDestUnreachs++;
	icmp_socket_deliver(h, skb);
	consume_skb_kernel(h, skb);
	return NULL;
}

const struct net_protocol icmp_protocol = {
	.handler = icmp_rcv,
};

/* nf_send_unreach() for a REJECT verdict: an ICMP destination unreachable of @code. */
static void icmp_send_unreach(struct cpu *c, struct host *h, struct sk_buff *skb, unsigned code,
			      uint64_t *cycles)
{
	icmp_send(c, h, skb, ICMP_DEST_UNREACH, code, 0, cycles);
}

void icmp_init(void)
{
	nf_send_unreach = icmp_send_unreach;
}
