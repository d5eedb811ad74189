/*
 * models/core/observe.c - the observation point: observers, and the ways a
 * packet leaves the simulation (consume_skb, kfree_skb_reason, ...), which
 * do its accounting and report it to the observers.
 *
 * Kernel reference: net/core/skbuff.c (kfree_skb_reason, consume_skb and
 * their tracepoints trace_kfree_skb / trace_consume_skb).
 */
#include <stddef.h>

#include "models/core/observe.h"
#include "models/report/pcap_out.h"
#include "sim/pool.h"

const char *const skb_ev_name[SKB_EV_NR] = {
	[SKB_EV_BORN] = "born",	    [SKB_EV_STAGE] = "stage",	  [SKB_EV_LAT] = "lat",
	[SKB_EV_DROP] = "drop",	    [SKB_EV_DELIVER] = "deliver", [SKB_EV_CONSUME] = "consume",
	[SKB_EV_XMIT] = "transmit",
};

uint32_t skb_observers_attached;

void skb_observer_add(struct world *w, struct skb_observer *o)
{
	struct skb_observer **p = &w->observers;

	SIM_BUG_ON(!o->ops || !o->ops->event);
	while (*p)
		p = &(*p)->next;
	o->next = NULL;
	*p = o;
	skb_observers_attached++;
}

void skb_observer_del(struct world *w, struct skb_observer *o)
{
	for (struct skb_observer **p = &w->observers; *p; p = &(*p)->next)
		if (*p == o) {
			*p = o->next;
			skb_observers_attached--;
			return;
		}
}

void skb_observe_call(const struct host *h, const struct sk_buff *skb, enum skb_ev ev, uint32_t arg)
{
	for (struct skb_observer *o = h->w->observers; o; o = o->next)
		o->ops->event(o, h, skb, ev, arg);
}

void consume_skb(struct host *h, struct sk_buff *skb)
{
	struct world *w = h->w;
	sim_time_t now = world_now(w);

	SIM_BUG_ON(skb->flags & SKB_F_CLONE);
	skb_observe(h, skb, SKB_EV_DELIVER, 0);
	for (struct sk_buff *s = skb; s; s = s->frag_next) {
		skb_lat_close(w, s, LAT_NR, now);
		if (w->measuring && s->t_born >= w->warmup)
			sim_hist_record(&w->e2e, (uint64_t)(now - s->t_born));
		w->delivered++;
	}
	skb_free_chain(w, skb);
}

void kfree_skb_reason(struct host *h, struct sk_buff *skb, enum skb_drop_reason reason)
{
	struct world *w = h->w;
	int ix = drop_point_find(reason, (enum stage_id)skb->stage);

	SIM_BUG_ON(ix < 0);
	SIM_BUG_ON(skb->flags & SKB_F_CLONE);
	skb_observe(h, skb, SKB_EV_DROP, (uint32_t)ix);
	if (h->drops_pcap)
		pcap_out_drop(h->drops_pcap, skb, ix, w->q.now);
	for (struct sk_buff *s = skb; s; s = s->frag_next) {
		h->drops[ix]++;
		w->dropped++;
	}
	skb_free_chain(w, skb);
}

void skb_drop_unallocated(struct host *h, enum skb_drop_reason reason, enum stage_id stage)
{
	int ix = drop_point_find(reason, stage);

	SIM_BUG_ON(ix < 0);
	skb_observe(h, NULL, SKB_EV_DROP, (uint32_t)ix);
	h->drops[ix]++;
	h->w->dropped++;
}

void consume_skb_kernel(struct host *h, struct sk_buff *skb)
{
	SIM_BUG_ON(skb->flags & SKB_F_CLONE);
	skb_observe(h, skb, SKB_EV_CONSUME, 0);
	for (struct sk_buff *s = skb; s; s = s->frag_next)
		h->w->consumed++;
	skb_free_chain(h->w, skb);
}

void skb_transmitted(const struct host *h, struct sk_buff *skb)
{
	struct world *w = h->w;

	skb_observe(h, skb, SKB_EV_XMIT, 0);
	for (struct sk_buff *s = skb; s; s = s->frag_next)
		w->transmitted++;
	skb_free_chain(w, skb);
}
