/*
 * models/core/gso.c - software segmentation: skb_gso_segment through the
 * protocol's offload (inet_offloads[]), and a refused list put back whole.
 * See gso.h for the kernel references and what is simplified.
 */
#include <stddef.h>

#include "models/core/gso.h"
#include "models/ipv4/protocol.h"
#include "models/world.h"
#include "sim/error.h"

struct sk_buff *skb_gso_segment(struct host *h, struct sk_buff *skb, uint64_t *cycles)
{
	const struct net_offload *ops = inet_offloads[skb->protocol];

	SIM_BUG_ON(!skb_is_gso(skb) || !ops || !ops->gso_segment);
	*cycles += (uint64_t)skb->gso_segs * h->costs.gso_segment;
	return ops->gso_segment(skb);
}

struct sk_buff *skb_gso_cut(struct sk_buff *skb)
{
	const struct net_offload *ops = inet_offloads[skb->protocol];

	SIM_BUG_ON(!skb_is_gso(skb) || !ops || !ops->gso_segment);
	return ops->gso_segment(skb);
}

struct sk_buff *skb_gso_rechain(struct sk_buff *list, uint16_t gso_size)
{
	struct sk_buff *head = list, **tail = &head->frag_next;
	uint16_t segs = 1;

	if (!head->next)
		return head;
	for (struct sk_buff *s = head->next; s; s = s->next) {
		head->len += s->len - UDP_FRAME_HDRS;
		head->truesize += s->truesize;
		/* the charges move to the head: the send buffer's total does not change */
		s->flags &= (uint8_t)~SKB_F_WMEM;
		s->sk = NULL;
		*tail = s;
		tail = &s->frag_next;
		segs++;
	}
	for (struct sk_buff *s = head; s; s = s->frag_next)
		s->next = NULL;
	head->gso_size = gso_size;
	head->gso_segs = segs;
	return head;
}
