/*
 * models/ipv4/ip_output.c - IPv4 output: __ip_local_out and ip_output's
 * hooks (T8, T9), the egress device of a route, __ip_append_data's skb
 * sizes.
 *
 * See models/ipv4/ip_output.h for the kernel references. ip_finish_output
 * and ip_do_fragment (T10) are in models/ipv4/ip_fragment.c.
 */
#include <errno.h>

#include "models/core/gso.h"
#include "models/core/observe.h"
#include "models/core/netdevice.h"
#include "models/ipv4/ip.h"
#include "models/ipv4/ip_output.h"
#include "models/ipv4/route.h"
#include "models/netfilter/netfilter.h"
#include "models/core/neigh.h"
#include "models/ipv4/sock.h"
#include "models/kernel/cpu.h"
#include "models/sched/sch_generic.h"

void (*nf_send_unreach)(struct cpu *c, struct host *h, struct sk_buff *skb, unsigned code,
			uint64_t *cycles);

/*
 * The hook's tables; a REJECT target's ICMP error goes out through
 * nf_send_unreach (icmp_send and its rate limits), from the CPU running the
 * hook.
 */
bool ip_nf_drops_slow(struct host *h, enum nf_hook_id hook, struct sk_buff *skb,
		      const struct net_device *in, const struct net_device *out, uint64_t *cycles)
{
	struct cpu *c = h->w->this_cpu;
	struct nf_hook_state st = {
		hook, in ? in->name : NULL, out ? out->name : NULL, 0, h->hz, 0, -1, 0,
	};

	if (!nf_hook_active(h->nf, hook))
		return false;
	st.jiffies = host_jiffies(h, h->w->q.now);
	st.cpu = c ? c->id : 0;
	st.out_addr = out ? out->addr : 0;
	if (nf_hook_slow(h->nf, &st, skb, &h->costs, cycles) != NF_DROP)
		return false;
	if (st.reject_code >= 0 && c)
		nf_send_unreach(c, h, skb, (unsigned)st.reject_code, cycles);
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

uint32_t ip_append_paged_truesize(uint32_t fraglen, uint32_t transhdrlen)
{
	uint32_t hdrs = 20 + transhdrlen;

	return skb_alloc_truesize(hdrs + IP_APPEND_ALLOC_EXTRA) + (fraglen - hdrs);
}

uint32_t ip_append_tailroom(uint32_t fraglen)
{
	if (!ip_append_linear(fraglen))
		return 0; /* non-linear: skb_tailroom is 0 */
	return skb_alloc_room(fraglen + IP_APPEND_ALLOC_EXTRA) - LL_RESERVED_SPACE_ETH - fraglen;
}

/* The egress device of a route: a local destination leaves through lo. */
struct net_device *ip_route_dev(const struct host *h, const struct fib_route *rt)
{
	return rt->type == RTN_LOCAL ? h->lo : rt->dev;
}

/* ---- fragmentation and ip_finish_output (T10) ---- */

/*
 * __ip_append_data's skb for a fragment (the first one's 8 bytes of UDP
 * header change nothing: its headers fit the small head either way).
 */
uint32_t ip_frag_truesize(uint32_t data)
{
	return ip_append_truesize(20 + data, 0);
}

/* The truesize and tailroom of fragment @f carrying @data bytes. */
static void frag_set_size(struct sk_buff *f, uint32_t data)
{
	f->truesize = ip_frag_truesize(data);
	f->tailroom = (uint16_t)ip_append_tailroom(20 + data);
}

/* The piece of @skb at offset @off (bytes into @skb's data) with @data bytes, as a new skb. */
static struct sk_buff *frag_make(struct host *h, const struct sk_buff *skb, uint32_t off,
				 uint32_t data)
{
	struct world *w = h->w;
	struct sk_buff *f = skb_alloc(w);

	if (!f)
		return NULL;
	w->offered++;
	f->len = 34 + data;
	frag_set_size(f, data);
	f->saddr = skb->saddr;
	f->daddr = skb->daddr;
	f->sport = skb->sport;
	f->dport = skb->dport;
	f->protocol = skb->protocol;
	f->eth_proto = ETH_P_IP;
	f->ttl = skb->ttl;
	f->priority = skb->priority;
	f->tos = skb->tos;
	f->hash = skb->hash;
	f->ip_id = skb->ip_id;
	f->frag_off = (uint16_t)(skb->frag_off + off);
	/* a piece of the packet: born with it, in the same latency stage since the same moment */
	f->t_born = skb->t_born;
	f->t_mark = skb->t_mark;
	f->t_acc = skb->t_acc;
	f->lat = skb->lat;
	f->stage = STAGE_T10;
	if (skb->flags & SKB_F_WMEM) {
		f->sk = skb->sk;
		f->flags |= SKB_F_WMEM;
	}
	skb_observe(h, f, SKB_EV_BORN, 0);
	return f;
}

/* Unlink and free every skb of a frag_next list (kfree_skb_list). */
static void frag_list_free(struct host *h, struct sk_buff *l)
{
	while (l) {
		struct sk_buff *n = l->frag_next;

		l->frag_next = NULL;
		kfree_skb_reason(h, l, SKB_DROP_REASON_NOT_SPECIFIED);
		l = n;
	}
}

/*
 * ip_skb_dst_mtu: the path MTU (the device's, or the one learnt for the
 * destination), except for a socket with IP_PMTUDISC_PROBE, which probes at
 * the device's.
 */
static uint32_t ip_skb_dst_mtu(const struct sk_buff *skb, const struct net_device *dev)
{
	if ((skb->flags & SKB_F_WMEM) && skb->sk && skb->sk->pmtudisc == IP_PMTUDISC_PROBE)
		return dev->mtu;
	return ip_dev_pmtu(dev->host, dev, skb->daddr);
}

int ip_do_fragment(struct cpu *c, struct sk_buff *skb, struct net_device *dev, uint32_t nexthop,
		   uint64_t *cycles)
{
	struct host *h = dev->host;
	uint32_t total = skb->len - 34, fs = ip_frag_size(ip_skb_dst_mtu(skb, dev));
	struct sk_buff *list = NULL, **tailp = &list, *f;
	/* a fragment being fragmented again: its last piece keeps its MF */
	bool more = skb->flags & SKB_F_MF;
	int rc = NET_XMIT_SUCCESS;

	SIM_BUG_ON(total <= fs);
	skb_set_stage(h, skb, STAGE_T10);
	/* build the chain first (__ip_append_data's skbs); the head is fragment 0 */
	for (uint32_t off = fs; off < total; off += fs) {
		uint32_t data = total - off < fs ? total - off : fs;

		f = frag_make(h, skb, off, data);
		if (!f) {
			/* no skb for a fragment: the datagram cannot go out */
			h->ip.FragFails++;
			frag_list_free(h, list);
			kfree_skb_reason(h, skb, SKB_DROP_REASON_NOT_SPECIFIED);
			return NET_XMIT_DROP;
		}
		f->flags |= off + data < total || more ? SKB_F_FRAG | SKB_F_MF : SKB_F_FRAG;
		if (skb->flags & SKB_F_WMEM)
			skb->truesize -= f->truesize;
		*tailp = f;
		tailp = &f->frag_next;
	}
	skb->len = 34 + fs;
	skb->flags |= SKB_F_FRAG | SKB_F_MF;
	skb->flags &= (uint8_t)~SKB_F_DF;
	if (skb->flags & SKB_F_WMEM)
		skb->tailroom = (uint16_t)ip_append_tailroom(20 + fs);
	else
		frag_set_size(skb, fs);
	f = skb;
	for (;;) {
		h->ip.FragCreates++;
		rc = neigh_output(c, f, dev, nexthop, cycles);
		if (rc != NET_XMIT_SUCCESS || !list)
			break;
		f = list;
		list = f->frag_next;
		f->frag_next = NULL;
		*cycles += h->costs.ip_output;
		h->ip.OutTransmits++; /* ip_finish_output2 counts each fragment */
	}
	if (rc == NET_XMIT_SUCCESS) {
		h->ip.FragOKs++;
	} else {
		frag_list_free(h, list);
		h->ip.FragFails++;
	}
	return rc;
}

/*
 * ip_finish_output_gso: a GSO skb whose segments fit the MTU goes on whole
 * (the device or validate_xmit_skb cuts it); otherwise it is cut here and
 * each segment goes through ip_finish_output (and may be fragmented).
 */
static int ip_finish_output_gso(struct cpu *c, struct sk_buff *skb, struct net_device *dev,
				uint32_t nexthop, uint64_t *cycles)
{
	struct sk_buff *segs, *next;
	int rc = NET_XMIT_SUCCESS, r;

	if (skb->gso_size + 28u <= ip_skb_dst_mtu(skb, dev)) {
		skb_set_stage(dev->host, skb, STAGE_T10);
		return neigh_output(c, skb, dev, nexthop, cycles);
	}
	for (segs = skb_gso_segment(dev->host, skb, cycles); segs; segs = next) {
		next = segs->next;
		segs->next = NULL;
		r = ip_finish_output(c, segs, dev, nexthop, cycles);
		if (r != NET_XMIT_SUCCESS)
			rc = r;
	}
	return rc;
}

int ip_finish_output(struct cpu *c, struct sk_buff *skb, struct net_device *dev, uint32_t nexthop,
		     uint64_t *cycles)
{
	if (skb_is_gso(skb))
		return ip_finish_output_gso(c, skb, dev, nexthop, cycles);
	if (skb->len - (uint32_t)ETH_HLEN > ip_skb_dst_mtu(skb, dev))
		return ip_do_fragment(c, skb, dev, nexthop, cycles);
	skb_set_stage(dev->host, skb, STAGE_T10);
	return neigh_output(c, skb, dev, nexthop, cycles);
}
