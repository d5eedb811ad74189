/*
 * models/ipv4/udp_tx.c - udp_sendmsg, ip_make_skb, ip_send_skb, ip_output (T2-T10).
 *
 * See models/ipv4/udp_tx.h for references and simplifications.
 */
#include <errno.h>

#include "models/core/observe.h"
#include "models/ipv4/ip.h"
#include "models/ipv4/ip_fragment.h"
#include "models/core/neigh.h"
#include "models/core/netdevice.h"
#include "models/ipv4/route.h"
#include "models/sched/sch_generic.h"
#include "models/kernel/contention.h"
#include "models/ipv4/udp_tx.h"
#include "models/core/xmit.h"
#include "sim/error.h"

/*
 * __ip_append_data (net/ipv4/ip_output.c) sizes each skb it builds for
 * fraglen bytes (IP header + data): alloc_extra = hh_len (LL_RESERVED_SPACE)
 * + 15; while fraglen + alloc_extra < SKB_MAX_ALLOC the whole fragment goes
 * in the linear head, alloc_skb(fraglen + alloc_extra) (sock_alloc_send_skb
 * for the first, which has the transport header); beyond that only the
 * headers are linear and the data is copied into page frags (the socket's
 * page_frag), each byte adding 1 to truesize (skb_len_add).
 */
#define IP_APPEND_ALLOC_EXTRA (LL_RESERVED_SPACE_ETH + 15)

static bool ip_append_linear(uint32_t fraglen)
{
	return fraglen + IP_APPEND_ALLOC_EXTRA < SKB_MAX_ALLOC;
}

uint32_t ip_append_truesize(uint32_t fraglen, uint32_t transhdrlen)
{
	uint32_t hdrs = 20 + transhdrlen;

	if (ip_append_linear(fraglen))
		return skb_alloc_truesize(fraglen + IP_APPEND_ALLOC_EXTRA);
	return skb_alloc_truesize(hdrs + IP_APPEND_ALLOC_EXTRA) + (fraglen - hdrs);
}

uint32_t ip_append_tailroom(uint32_t fraglen)
{
	if (!ip_append_linear(fraglen))
		return 0; /* non-linear: skb_tailroom is 0 */
	return skb_alloc_room(fraglen + IP_APPEND_ALLOC_EXTRA) - LL_RESERVED_SPACE_ETH - fraglen;
}

/*
 * One skb: 832 bytes up to 197 bytes of payload, 1280 up to 645, 2304 up to
 * 1669, 4352 up to 3717, 8448 up to 7813, 16640 up to 16004, then payload +
 * 832 (tests/kernel-ref/payload.csv, every size measured on 6.18).
 */
uint32_t udp_tx_truesize(uint32_t payload)
{
	return ip_append_truesize(payload + 28, 8);
}

/* inet_autobind -> udp_lib_get_port(sk, 0): a random start in the range, first free. */
static int inet_autobind(struct sock *sk)
{
	return udp_lib_get_port(sk, 0);
}

/*
 * A hash of the 4-tuple for TX queue selection, RPS and fq_codel, standing
 * for skb_get_hash (a jhash of the flow keys): the splitmix64 finalizer, so
 * that every input bit reaches every output bit and neighbouring ports spread
 * over all queues, as they do in Linux.
 */
static uint32_t flow_hash(const struct sk_buff *skb)
{
	uint64_t x = (uint64_t)skb->saddr << 32 | skb->daddr;

	x ^= ((uint64_t)skb->sport << 16 | skb->dport) * 0x9E3779B97F4A7C15ull;
	x ^= x >> 30;
	x *= 0xBF58476D1CE4E5B9ull;
	x ^= x >> 27;
	x *= 0x94D049BB133111EBull;
	x ^= x >> 31;
	return (uint32_t)(x >> 32);
}

/*
 * The truesize of a datagram the route's @mtu splits: __ip_append_data
 * builds one skb per fragment, each charged to the socket.
 */
static uint32_t udp_tx_truesize_mtu(uint32_t payload, uint32_t mtu)
{
	uint32_t total = payload + 8, fs = ip_frag_size(mtu), sum = 0;

	if (total + 20 <= mtu)
		return udp_tx_truesize(payload);
	for (uint32_t off = 0; off < total; off += fs) {
		uint32_t data = total - off < fs ? total - off : fs;

		sum += ip_frag_truesize(data);
	}
	return sum;
}

static struct sk_buff *ip_make_skb(struct sock *sk, const struct fib_route *rt, uint32_t daddr,
				   uint16_t dport, uint32_t payload, uint32_t mtu)
{
	struct world *w = sk->host->w;
	struct sk_buff *skb = skb_alloc(w);

	if (!skb)
		return NULL;
	w->offered++;
	skb->len = payload + UDP_FRAME_HDRS;
	skb->truesize = udp_tx_truesize_mtu(payload, mtu);
	skb->ip_id = sk->host->ip_id_next++;
	/* __ip_make_skb: DF with IP_PMTUDISC_DO/PROBE, or WANT on what fits (ip_dont_fragment) */
	if (sk->pmtudisc == IP_PMTUDISC_DO || sk->pmtudisc == IP_PMTUDISC_PROBE ||
	    (sk->pmtudisc == IP_PMTUDISC_WANT && payload + 28 <= mtu))
		skb->flags |= SKB_F_DF;
	skb->saddr = sk->rcv_saddr ? sk->rcv_saddr : rt->src;
	skb->daddr = daddr;
	skb->sport = sk->num;
	skb->dport = dport;
	skb->protocol = IPPROTO_UDP_;
	skb->eth_proto = ETH_P_IP;
	skb->ttl = (uint8_t)sk->host->sysctl.ip_default_ttl;
	skb->priority = sk->priority;
	skb->tos = sk->tos;
	skb->hash = flow_hash(skb);
	skb->t_born = skb->t_mark = w->q.now;
	skb->lat = LAT_TX_STACK;
	skb->sk = sk;
	skb->flags |= SKB_F_WMEM;
	sk->sk_wmem_alloc += skb->truesize;
	skb_observe(sk->host, skb, SKB_EV_BORN, 0);
	return skb;
}

/* The egress device of a route: a local destination leaves through lo. */
static struct net_device *route_dev(const struct host *h, const struct fib_route *rt)
{
	return rt->type == RTN_LOCAL ? h->lo : rt->dev;
}

/*
 * ip_route_output_flow for a UDP socket: the route to @daddr in *rt, or the
 * errno of the lookup: ENETUNREACH (counting OutNoRoutes) when there is no
 * route, an unreachable/prohibit/blackhole route's own error (nothing counted).
 */
static int udp_route(struct host *h, uint32_t daddr, const struct fib_route **rt, uint64_t *cycles)
{
	*rt = fib_lookup_cost(h, daddr, h->costs.ip_route_output, cycles);
	if (!*rt) {
		h->ip.OutNoRoutes++;
		return -ENETUNREACH;
	}
	return fib_route_error(*rt);
}

int udp_connect(struct sock *sk, uint32_t daddr)
{
	const struct fib_route *rt;
	uint64_t cycles = 0; /* connect() runs before the run: its time is not simulated */
	int rc;

	if (!sk->bound && inet_autobind(sk))
		return -EAGAIN;
	rc = udp_route(sk->host, daddr, &rt, &cycles);
	if (rc)
		return rc;
	sk->dst_cache = rt;
	sk->connected = true;
	return 0;
}

int udp_sendmsg(struct sock *sk, uint32_t daddr, uint16_t dport, uint32_t payload,
		struct udp_tx *tx, uint64_t *cycles)
{
	struct host *h = sk->host;
	const struct costs *k = &h->costs;
	const struct fib_route *rt;
	struct sk_buff *skb;
	uint32_t mtu;
	int rc;

	*cycles += k->send_per_msg + (uint64_t)membw_copy_cycles(h, h->w->q.now, payload);
	if (!sk->bound && inet_autobind(sk))
		return -EAGAIN;
	/* a connected socket reuses the route connect() cached (sk_dst_check) */
	rt = sk->connected ? sk->dst_cache : NULL;
	if (!rt) {
		rc = udp_route(h, daddr, &rt, cycles);
		if (rc)
			return rc;
	}
	/* ip_sk_use_pmtu: PROBE ignores the learnt path MTU and uses the device's */
	mtu = sk->pmtudisc == IP_PMTUDISC_PROBE ? route_dev(h, rt)->mtu : ip_dst_mtu(h, rt, daddr);
	/* __ip_append_data: IP_PMTUDISC_DO and PROBE refuse to fragment */
	if (payload > UDP_MAX_PAYLOAD || (sk->pmtudisc >= IP_PMTUDISC_DO && payload + 28 > mtu))
		return -EMSGSIZE;
	/* sock_alloc_send_pskb: a pending ICMP error fails the call (OutDiscards) */
	rc = sock_error(sk);
	if (rc) {
		h->ip.OutDiscards++;
		return rc;
	}
	if (sk->sk_wmem_alloc >= sk->sk_sndbuf && !sk->nonblock)
		return UDP_SEND_BLOCK;
	skb = sk->sk_wmem_alloc >= sk->sk_sndbuf ? NULL
						 : ip_make_skb(sk, rt, daddr, dport, payload, mtu);
	if (!skb) {
		/* __ip_append_data's error path, then udp_sendmsg's "out:" (SOCK_NOSPACE) */
		h->ip.OutDiscards++;
		h->udp.SndbufErrors++;
		return sk->sk_wmem_alloc >= sk->sk_sndbuf ? -EAGAIN : -ENOBUFS;
	}
	h->ip.OutRequests++;
	*cycles += k->ip_output;
	tx->skb = skb;
	tx->dev = route_dev(h, rt);
	tx->nexthop = rt->gw ? rt->gw : daddr;
	rc = ip_local_out_hooks(h, skb, tx->dev, cycles);
	if (rc) {
		h->ip.OutDiscards++; /* ip_send_skb: any error */
		*cycles += k->kfree_skb;
		kfree_skb_reason(h, skb, SKB_DROP_REASON_NETFILTER_DROP);
		tx->skb = NULL;
	}
	return rc;
}

int udp_send_commit(struct cpu *c, struct sock *sk, struct udp_tx *tx, uint64_t *cycles)
{
	struct host *h = sk->host;
	struct sk_buff *skb = tx->skb;
	int rc = ip_finish_output(c, skb, tx->dev, tx->nexthop, cycles);
	int err = rc == NET_XMIT_DROP ? -ENOBUFS : 0;

	tx->skb = NULL;
	if (err)
		h->ip.OutDiscards++;
	if (err == -ENOBUFS) {
		h->udp.SndbufErrors++;
		return sk->recverr ? err : 0;
	}
	h->udp.OutDatagrams++;
	return 0;
}
