/*
 * models/ipv4/ip_output.c - IPv4 output: __ip_local_out and ip_output's
 * hooks (T8, T9), the egress device of a route, __ip_append_data's skb
 * sizes.
 *
 * See models/ipv4/ip_output.h for the kernel references. ip_finish_output
 * and ip_do_fragment (T10) are in models/ipv4/ip_fragment.c.
 */
#include <errno.h>

#include "models/core/observe.h"
#include "models/core/netdevice.h"
#include "models/ipv4/ip.h"
#include "models/ipv4/ip_output.h"
#include "models/ipv4/route.h"

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
