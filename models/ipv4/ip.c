/*
 * models/ipv4/ip.c - IPv4 receive (R15-R21) and ICMP error accounting.
 *
 * See models/ipv4/ip.h for the kernel references and simplifications. The ICMP
 * rate limits follow net/ipv4/icmp.c (6.10+): icmp_global_allow() refills
 * msgs_per_sec credits (capped at msgs_burst) at most every HZ/50 jiffies and
 * icmp_global_consume() takes 0-2 credits at random; icmpv4_xrlim_allow()
 * applies inet_peer_xrlim_allow() per source address with a token bucket of
 * icmp_ratelimit jiffies per message and a burst of XRLIM_BURST_FACTOR (6).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "models/core/observe.h"
#include "models/ipv4/ip.h"
#include "models/ipv4/ip_fragment.h"
#include "models/core/netdevice.h"
#include "models/core/neigh.h"
#include "models/netfilter/netfilter.h"
#include "models/ipv4/route.h"
#include "models/ipv4/sock.h"
#include "sim/error.h"

#define XRLIM_BURST_FACTOR 6

bool ip_is_local(const struct host *h, uint32_t addr)
{
	if ((addr >> 24) == 127)
		return true;
	for (uint32_t i = 0; i < h->nlocal; i++)
		if (h->local_addr[i] == addr)
			return true;
	return false;
}

/* ---- ICMP ---- */

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

static struct inet_peer *inet_getpeer(struct host *h, uint32_t daddr)
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

int ip_local_out_hooks(struct host *h, struct sk_buff *skb, struct net_device *dev,
		       uint64_t *cycles)
{
	skb_set_stage(h, skb, STAGE_T8);
	if (ip_nf_drops(h, NF_INET_LOCAL_OUT, skb, NULL, dev, cycles))
		return -EPERM;
	skb_set_stage(h, skb, STAGE_T9);
	h->ip.OutTransmits++;
	if (ip_nf_drops(h, NF_INET_POST_ROUTING, skb, NULL, dev, cycles))
		return -EPERM;
	skb_set_stage(h, skb, STAGE_T10);
	return 0;
}

/*
 * icmp_rcv: an ICMP error reached its destination; icmp_unreach and
 * icmp_socket_deliver hand it to the UDP socket that sent the datagram
 * (udp_err: path MTU, sk_err, error queue).
 */
static struct sock *icmp_rcv(struct host *h, struct sk_buff *skb, uint64_t *cycles)
{
	*cycles += h->costs.arp_rcv;
	h->icmp.InMsgs++;
	if (skb->icmp_type == ICMP_TIME_EXCEEDED)
		h->icmp.InTimeExcds++;
	else
		h->icmp.InDestUnreachs++;
	udp_err(h, skb);
	consume_skb_kernel(h, skb);
	return NULL;
}

/* ---- receive ---- */

static struct sock *ip_drop(struct host *h, struct sk_buff *skb, enum skb_drop_reason reason,
			    uint64_t *cycles)
{
	*cycles += h->costs.kfree_skb;
	kfree_skb_reason(h, skb, reason);
	return NULL;
}

/*
 * The hook's tables; a REJECT target's ICMP error (nf_send_unreach) goes
 * out through icmp_send() and its rate limits, from the CPU running the hook.
 */
bool ip_nf_drops(struct host *h, enum nf_hook_id hook, struct sk_buff *skb,
		 const struct net_device *in, const struct net_device *out, uint64_t *cycles)
{
	struct cpu *c = h->w->this_cpu;
	struct nf_hook_state st = {
		hook, in ? in->name : NULL, out ? out->name : NULL, 0, h->hz, 0, -1, 0,
	};

	if (!h->nf || !nf_hook_active(h->nf, hook))
		return false;
	st.jiffies = host_jiffies(h, h->w->q.now);
	st.cpu = c ? c->id : 0;
	st.out_addr = out ? out->addr : 0;
	if (nf_hook_slow(h->nf, &st, skb, &h->costs, cycles) != NF_DROP)
		return false;
	if (st.reject_code >= 0 && c)
		icmp_send(c, h, skb, ICMP_DEST_UNREACH, (unsigned)st.reject_code, 0, cycles);
	return true;
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
	if (skb->len - ETH_HLEN > mtu && (skb->flags & SKB_F_DF)) {
		/* ip_exceeds_mtu */
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

/* __udp4_lib_rcv(): R21. */
static struct sock *udp_rcv(struct cpu *c, struct host *h, struct sk_buff *skb, uint64_t *cycles)
{
	struct sock *sk;

	skb_set_stage(h, skb, STAGE_R21);
	*cycles += h->costs.udp_rcv;
	sk = udp4_lib_lookup_skb(h, skb, c);
	if (sk)
		return sk;
	if (skb->flags & SKB_F_BAD_CSUM) {
		h->udp.InCsumErrors++;
		h->udp.InErrors++;
		return ip_drop(h, skb, SKB_DROP_REASON_UDP_CSUM, cycles);
	}
	h->udp.NoPorts++;
	icmp_send(c, h, skb, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, 0, cycles);
	return ip_drop(h, skb, SKB_DROP_REASON_NO_SOCKET, cycles);
}

struct sock *ip_rcv(struct cpu *c, struct sk_buff *skb, uint64_t *cycles)
{
	struct host *h = skb->dev->host; /* the namespace of the receiving device */
	const struct costs *k = &h->costs;
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
	if (skb->protocol == IPPROTO_ICMP_)
		return icmp_rcv(h, skb, cycles);
	return udp_rcv(c, h, skb, cycles);
}

/* ---- address parsing ---- */

int inet_parse_addr(const char *s, uint32_t *addr)
{
	unsigned a[4];
	char tail;

	if (sscanf(s, "%3u.%3u.%3u.%3u%c", &a[0], &a[1], &a[2], &a[3], &tail) != 4)
		return -1;
	for (int i = 0; i < 4; i++)
		if (a[i] > 255)
			return -1;
	*addr = a[0] << 24 | a[1] << 16 | a[2] << 8 | a[3];
	return 0;
}

int inet_parse_prefix(const char *s, uint32_t *addr, uint32_t *prefix_len)
{
	char buf[32];
	const char *slash = strchr(s, '/');
	unsigned len = 32;
	char tail;

	if (strlen(s) >= sizeof(buf))
		return -1;
	snprintf(buf, sizeof(buf), "%s", s);
	if (slash) {
		buf[slash - s] = 0;
		if (sscanf(slash + 1, "%2u%c", &len, &tail) != 1 || len > 32)
			return -1;
	}
	if (inet_parse_addr(buf, addr))
		return -1;
	*prefix_len = len;
	if (len < 32)
		*addr &= len ? ~0u << (32 - len) : 0;
	return 0;
}

int inet_parse_addr_port(const char *s, uint32_t *addr, uint16_t *port)
{
	char buf[32];
	const char *colon = strrchr(s, ':');
	unsigned p;
	char tail;

	if (!colon || strlen(s) >= sizeof(buf))
		return -1;
	snprintf(buf, sizeof(buf), "%s", s);
	buf[colon - s] = 0;
	if (sscanf(colon + 1, "%5u%c", &p, &tail) != 1 || p > 65535)
		return -1;
	if (inet_parse_addr(buf, addr))
		return -1;
	*port = (uint16_t)p;
	return 0;
}

int inet_parse_port_range(const char *s, uint16_t *lo, uint16_t *hi)
{
	unsigned a, b;
	char tail;
	int n = sscanf(s, "%5u:%5u%c", &a, &b, &tail);

	if (n == 1)
		b = a;
	else if (n != 2)
		return -1;
	if (a > 65535 || b > 65535 || a > b)
		return -1;
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

void inet_fmt(char *buf, uint32_t a)
{
	snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}
