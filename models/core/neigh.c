/*
 * models/core/neigh.c - the ARP table: resolution, queueing, failure, arp_process.
 *
 * See models/core/neigh.h for the model and its kernel references.
 */
#include <stdio.h>
#include <string.h>

#include "models/core/observe.h"
#include "models/lib/inet_addr.h"
#include "models/core/neigh.h"
#include "models/core/netdevice.h"
#include "models/sched/sch_generic.h"
#include "models/core/xmit.h"
#include "sim/error.h"

enum { NEIGH_TIMER_PRIO = 15 };

static const char *const nud_name[] = {
	[NUD_NONE] = "NONE",	 [NUD_INCOMPLETE] = "INCOMPLETE", [NUD_REACHABLE] = "REACHABLE",
	[NUD_FAILED] = "FAILED", [NUD_PERMANENT] = "PERMANENT",
};

static struct neighbour *neigh_find(struct host *h, const struct net_device *dev, uint32_t ip)
{
	struct neigh_table *t = h->neigh;

	for (uint32_t i = 0; i < t->n; i++)
		if (t->e[i].dev == dev && t->e[i].ip == ip)
			return &t->e[i];
	return NULL;
}

static void neigh_timer_fire(struct sim_event *ev);

/* __neigh_create: NULL when the table is full (the packet is then dropped as failed). */
static struct neighbour *neigh_create(struct host *h, struct net_device *dev, uint32_t ip)
{
	struct neigh_table *t = h->neigh;
	struct neighbour *n;

	if (t->n >= NEIGH_MAX)
		return NULL;
	n = &t->e[t->n++];
	memset(n, 0, sizeof(*n));
	n->ip = ip;
	n->dev = dev;
	n->host = h;
	n->used = true;
	skb_queue_head_init(&n->arp_queue);
	sim_event_init(&n->timer, neigh_timer_fire, NEIGH_TIMER_PRIO);
	return n;
}

static struct neighbour *neigh_lookup_create(struct host *h, struct net_device *dev, uint32_t ip)
{
	struct neighbour *n = neigh_find(h, dev, ip);

	return n ? n : neigh_create(h, dev, ip);
}

/* An ARP frame from @dev (request for @target, or reply to @target). */
static void arp_send(struct cpu *c, struct net_device *dev, int op, uint32_t target,
		     uint64_t target_ha, uint64_t *cycles)
{
	struct host *h = dev->host;
	struct sk_buff *skb = skb_alloc(h->w);

	if (!skb)
		return;
	h->w->offered++;
	skb->len = 42; /* Ethernet 14 + ARP 28 (padded on the wire) */
	skb->truesize = 768;
	skb->eth_proto = ETH_P_ARP;
	skb->arp_op = (uint8_t)op;
	skb->saddr = dev->addr;
	skb->daddr = target;
	skb->h_source = dev->dev_addr;
	skb->h_dest = op == ARPOP_REQUEST ? ETH_ADDR_BCAST : target_ha;
	skb->t_born = skb->t_mark = h->w->q.now;
	skb->lat = LAT_TX_STACK;
	if (op == ARPOP_REQUEST)
		h->neigh->arp_requests_sent++;
	else
		h->neigh->arp_replies_sent++;
	skb_observe(h, skb, SKB_EV_BORN, 0);
	dev_queue_xmit(c, skb, dev, cycles);
}

/* The CPU that runs timer work for @dev: its first queue's interrupt CPU. */
static struct cpu *neigh_cpu(const struct net_device *dev)
{
	return dev->nrxq && dev->rxq[0].irq_cpu ? dev->rxq[0].irq_cpu : &dev->host->cpus[0];
}

static void neigh_arm(struct neighbour *n)
{
	struct host *h = n->host;
	sim_time_t retrans = (sim_time_t)h->sysctl.retrans_time_ms * SIM_MS;
	sim_time_t min = SIM_SEC / 100; /* max(retrans_time, HZ/100) */

	sim_event_schedule(&h->w->q, &n->timer, h->w->q.now + (retrans > min ? retrans : min));
}

/* neigh_invalidate: every queued packet fails (ops->error_report: ICMP host unreachable). */
static void neigh_invalidate(struct cpu *c, struct neighbour *n, uint64_t *cycles)
{
	struct host *h = n->host;
	struct sk_buff *skb;

	h->neigh->res_failed++;
	while ((skb = __skb_dequeue(&n->arp_queue))) {
		h->neigh->ops->error_report(c, h, skb, cycles);
		kfree_skb_reason(h, skb, SKB_DROP_REASON_NEIGH_FAILED);
	}
	n->arp_queue_len_bytes = 0;
}

/* neigh_timer_handler for INCOMPLETE: probe again or give up. */
static void neigh_timer_fire(struct sim_event *ev)
{
	struct neighbour *n = container_of(ev, struct neighbour, timer);
	const struct sysctls *s = &n->host->sysctl;
	struct cpu *c = neigh_cpu(n->dev);
	uint64_t cycles = 0;

	if (n->nud_state != NUD_INCOMPLETE)
		return;
	if (n->probes >= s->ucast_solicit + s->app_solicit + s->mcast_solicit) {
		n->nud_state = NUD_FAILED;
		neigh_invalidate(c, n, &cycles);
	} else {
		n->probes++;
		arp_send(c, n->dev, ARPOP_REQUEST, n->ip, 0, &cycles);
		neigh_arm(n);
	}
	/* timers run in softirq context: their work, and what they raised, runs there */
	c->charge_ps += cycles_to_ps(n->host, cycles);
	local_bh_enable(c);
	cpu_kick(c);
}

/* Queue @skb on an unresolved entry, dropping the oldest to stay within unres_qlen_bytes. */
static void neigh_queue(struct neighbour *n, struct sk_buff *skb)
{
	struct host *h = n->host;
	struct sk_buff *old;

	while (n->arp_queue_len_bytes + skb->truesize > h->sysctl.unres_qlen_bytes &&
	       (old = __skb_dequeue(&n->arp_queue))) {
		n->arp_queue_len_bytes -= old->truesize;
		h->neigh->unres_discards++;
		kfree_skb_reason(h, old, SKB_DROP_REASON_NEIGH_QUEUEFULL);
	}
	skb_lat_next(h, skb, LAT_NEIGH, h->w->q.now);
	__skb_queue_tail(&n->arp_queue, skb);
	n->arp_queue_len_bytes += skb->truesize;
}

/* __neigh_event_send for NONE/FAILED: start resolving (first probe at once). */
static void neigh_start(struct cpu *c, struct neighbour *n, uint64_t *cycles)
{
	const struct sysctls *s = &n->host->sysctl;

	n->nud_state = NUD_INCOMPLETE;
	n->probes = s->ucast_solicit;
	n->probes++;
	arp_send(c, n->dev, ARPOP_REQUEST, n->ip, 0, cycles);
	neigh_arm(n);
}

/*
 * A static (PERMANENT) entry's address: that of the device that has the IP
 * address in the world, found once; 0 when no device has it.
 */
static uint64_t neigh_static_ha(struct neighbour *n)
{
	struct world *w = n->host->w;

	n->ha_searched = true;
	for (uint32_t i = 0; i < w->nhosts && !n->ha; i++)
		for (uint32_t d = 0; d < w->hosts[i]->ndevs; d++)
			if (w->hosts[i]->devs[d]->addr == n->ip && !w->hosts[i]->devs[d]->loopback)
				n->ha = w->hosts[i]->devs[d]->dev_addr;
	return n->ha;
}

/* neigh_hh_output: the Ethernet header of a frame to @n. */
static void neigh_hh_output(struct sk_buff *skb, struct neighbour *n)
{
	if (!n->ha && n->nud_state == NUD_PERMANENT && !n->ha_searched)
		neigh_static_ha(n);
	skb->h_source = n->dev->dev_addr;
	skb->h_dest = n->ha;
}

int neigh_output(struct cpu *c, struct sk_buff *skb, struct net_device *dev, uint32_t nexthop,
		 uint64_t *cycles)
{
	struct host *h = dev->host;
	struct neighbour *n;

	skb_set_stage(h, skb, STAGE_T11);
	*cycles += h->costs.neigh_output;
	if (dev->loopback)
		return dev_queue_xmit(c, skb, dev, cycles);
	n = neigh_lookup_create(h, dev, nexthop);
	if (n && (n->nud_state == NUD_REACHABLE || n->nud_state == NUD_PERMANENT)) {
		skb_set_stage(h, skb, STAGE_T12);
		neigh_hh_output(skb, n);
		return dev_queue_xmit(c, skb, dev, cycles);
	}
	if (!n || (n->nud_state == NUD_FAILED && !sim_event_pending(&n->timer) &&
		   !(h->sysctl.mcast_solicit + h->sysctl.app_solicit))) {
		kfree_skb_reason(h, skb, SKB_DROP_REASON_NEIGH_FAILED);
		return NET_XMIT_DROP;
	}
	if (n->nud_state != NUD_INCOMPLETE)
		neigh_start(c, n, cycles);
	neigh_queue(n, skb);
	return NET_XMIT_SUCCESS;
}

/* neigh_update to REACHABLE: send what waited (neigh_update_process_arp_queue). */
static void neigh_resolved(struct cpu *c, struct neighbour *n, uint64_t *cycles)
{
	struct sk_buff *skb;

	sim_event_cancel(&n->host->w->q, &n->timer);
	n->nud_state = NUD_REACHABLE;
	while ((skb = __skb_dequeue(&n->arp_queue))) {
		n->arp_queue_len_bytes -= skb->truesize;
		skb_set_stage(n->host, skb, STAGE_T12);
		neigh_hh_output(skb, n);
		dev_queue_xmit(c, skb, n->dev, cycles);
	}
}

void arp_rcv(struct cpu *c, struct sk_buff *skb, uint64_t *cycles)
{
	struct net_device *dev = skb->dev;
	struct host *h = dev->host;
	struct neighbour *n;

	*cycles += h->costs.arp_rcv;
	if (skb->pkt_type == PACKET_OTHERHOST) { /* arp_rcv: not for us, consumed */
		consume_skb_kernel(h, skb);
		return;
	}
	n = neigh_find(h, dev, skb->saddr);
	if (skb->arp_op == ARPOP_REQUEST && skb->daddr == dev->addr) {
		/* arp_process: learn the requester, answer for our own address */
		if (!n)
			n = neigh_create(h, dev, skb->saddr);
		if (n && n->nud_state != NUD_PERMANENT) {
			n->ha = skb->h_source;
			neigh_resolved(c, n, cycles);
		}
		arp_send(c, dev, ARPOP_REPLY, skb->saddr, skb->h_source, cycles);
	} else if (skb->arp_op == ARPOP_REPLY && n && n->nud_state == NUD_INCOMPLETE) {
		n->ha = skb->h_source;
		neigh_resolved(c, n, cycles);
	}
	consume_skb_kernel(h, skb);
}

/* `lladdr:` of a static entry ("02:00:00:00:00:01"); without it, found at first use. */
static int neigh_parse_lladdr(struct neighbour *n, const struct cfg_node *e, struct sim_error *err)
{
	const char *s = NULL;

	if (cfg_get_str(e, "lladdr", &s, NULL, err))
		return -1;
	if (s && eth_addr_parse(s, &n->ha))
		return cfg_error(cfg_get(e, "lladdr"), err,
				 "'lladdr' must be a unicast MAC address like '02:00:00:00:00:01', "
				 "got '%s'",
				 s);
	return 0;
}

int neigh_parse(struct host *h, const struct cfg_node *list, struct sim_error *err)
{
	for (uint32_t i = 0; list && i < list->n; i++) {
		const struct cfg_node *e = list->items[i];
		const char *ip = NULL, *devname = NULL;
		struct net_device *dev = NULL;
		struct neighbour *n;
		uint32_t addr;

		if (cfg_node_map(e, "neigh", err) || cfg_require(e, "ip", "neigh entry", err) ||
		    cfg_get_str(e, "ip", &ip, NULL, err) ||
		    cfg_require(e, "dev", "neigh entry", err) ||
		    cfg_get_str(e, "dev", &devname, NULL, err))
			return -1;
		if (inet_parse_addr(ip, &addr))
			return cfg_error(cfg_get(e, "ip"), err, "'ip' must be an address, got '%s'",
					 ip);
		for (uint32_t d = 0; d < h->ndevs; d++)
			if (!strcmp(h->devs[d]->name, devname))
				dev = h->devs[d];
		if (!dev)
			return cfg_error(cfg_get(e, "dev"), err, "unknown device '%s' on host '%s'",
					 devname, h->name);
		n = neigh_lookup_create(h, dev, addr);
		if (!n)
			return cfg_error(e, err, "too many neighbours on host '%s'", h->name);
		n->nud_state = NUD_PERMANENT;
		if (neigh_parse_lladdr(n, e, err) || cfg_check_unknown(e, "neigh entry", err))
			return -1;
	}
	return 0;
}

void neigh_write(const struct host *h, FILE *f)
{
	const struct neigh_table *t = h->neigh;

	for (uint32_t i = 0; i < t->n; i++) {
		const struct neighbour *n = &t->e[i];
		char a[16];

		inet_fmt(a, n->ip);
		fprintf(f, "%s dev %s %s probes %u queue %u\n", a, n->dev->name,
			nud_name[n->nud_state], n->probes, n->arp_queue.qlen);
	}
	fprintf(f, "# arp_tbl: res_failed %llu unres_discards %llu requests %llu replies %llu\n",
		(unsigned long long)t->res_failed, (unsigned long long)t->unres_discards,
		(unsigned long long)t->arp_requests_sent, (unsigned long long)t->arp_replies_sent);
}
