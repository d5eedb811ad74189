/*
 * models/core/dev.c - NET_RX softirq: net_rx_action, NAPI polls, GRO, RPS, backlog.
 *
 * See models/core/dev.h for references and simplifications. The step function
 * net_rx_action_step() follows net/core/dev.c net_rx_action() line by line:
 * start (splice poll_list), loop (one napi_poll per NAPI, budget and
 * jiffy-granular time limit, time_squeeze), exit (splice back, re-raise,
 * RPS IPIs). A device with a generic XDP program runs it first thing in
 * __netif_receive_skb_core (do_xdp_generic, models/core/xdp.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/core/gso.h"
#include "models/core/observe.h"
#include "models/core/dev.h"
#include "models/core/xdp.h"
#include "models/ipv4/ip.h"
#include "models/ipv4/protocol.h"
#include "models/core/neigh.h"
#include "models/core/vlan_core.h"
#include "models/core/netdevice.h"
#include "models/core/af_packet.h"
#include "models/ipv4/sock.h"
#include "sim/error.h"

#define FLOW_LIMIT_HISTORY 128

/* ---- NAPI lists ---- */

static bool napi_list_empty(const struct napi_list *l)
{
	return !l->head;
}

static void napi_list_add_tail(struct napi_list *l, struct napi_struct *n)
{
	n->poll_next = NULL;
	if (l->tail)
		l->tail->poll_next = n;
	else
		l->head = n;
	l->tail = n;
}

static struct napi_struct *napi_list_pop(struct napi_list *l)
{
	struct napi_struct *n = l->head;

	if (n) {
		l->head = n->poll_next;
		if (!l->head)
			l->tail = NULL;
		n->poll_next = NULL;
	}
	return n;
}

/* Append all of @from to @to; @from becomes empty. */
static void napi_list_splice_tail(struct napi_list *from, struct napi_list *to)
{
	if (napi_list_empty(from))
		return;
	if (to->tail)
		to->tail->poll_next = from->head;
	else
		to->head = from->head;
	to->tail = from->tail;
	from->head = from->tail = NULL;
}

static struct world *sd_world(const struct softnet_data *sd)
{
	return sd->cpu->host->w;
}

static sim_time_t sd_now(const struct softnet_data *sd)
{
	return sd_world(sd)->q.now;
}

/* ____napi_schedule(): onto the poll list; raise NET_RX unless net_rx_action runs. */
static void ____napi_schedule(struct softnet_data *sd, struct napi_struct *n)
{
	napi_list_add_tail(&sd->poll_list, n);
	if (!sd->in_net_rx_action)
		raise_softirq_irqoff(sd->cpu, NET_RX_SOFTIRQ);
}

static void __napi_schedule_on(struct cpu *c, struct napi_struct *n);

void napi_schedule(struct cpu *c, struct napi_struct *n)
{
	if (n->state & NAPIF_STATE_SCHED)
		return;
	n->state |= NAPIF_STATE_SCHED;
	__napi_schedule_on(c, n);
}

/* ---- RPS ---- */

/* reciprocal_scale(): map a 32-bit hash onto [0, n). */
static uint32_t reciprocal_scale(uint32_t val, uint32_t n)
{
	return (uint32_t)(((uint64_t)val * n) >> 32);
}

int rps_map_cpu(const uint16_t *map, uint32_t len, uint32_t hash)
{
	return len ? map[reciprocal_scale(hash, len)] : -1;
}

int rps_sock_flow_init(struct host *h, struct sim_error *err)
{
	uint32_t n = h->sysctl.rps_sock_flow_entries, size = 1, cpus = 1;

	if (h->machine != h || !n)
		return 0;
	while (size < n) /* rps_sock_flow_sysctl: roundup_pow_of_two */
		size <<= 1;
	while (cpus < h->ncpus)
		cpus <<= 1;
	if (world_charge(h->w, NULL, (uint64_t)size * 4, err))
		return -1;
	h->rps_sock_flow_ents = malloc((size_t)size * sizeof(uint32_t));
	if (!h->rps_sock_flow_ents)
		return sim_error_set(err, "out of memory");
	memset(h->rps_sock_flow_ents, 0xff, (size_t)size * sizeof(uint32_t)); /* RPS_NO_CPU */
	h->rps_sock_flow_mask = size - 1;
	h->rps_cpu_mask = cpus - 1;
	return 0;
}

void sock_rps_record_flow(const struct cpu *c, uint32_t rxhash)
{
	struct host *m = c->host; /* the machine owns the CPUs and the table */
	uint32_t *ent, val;

	if (!m->rps_sock_flow_ents || !rxhash)
		return;
	ent = &m->rps_sock_flow_ents[rxhash & m->rps_sock_flow_mask];
	val = (rxhash & ~m->rps_cpu_mask) | c->id; /* rps_record_sock_flow */
	if (*ent != val)
		*ent = val;
}

/* cpu_rmap_lookup_index(): the RX queue whose interrupt goes to @cpu, or -1. */
static int rx_cpu_rmap_index(const struct net_device *dev, uint32_t cpu)
{
	for (uint32_t i = 0; i < dev->nrxq; i++)
		if (dev->rxq[i].irq_cpu && dev->rxq[i].irq_cpu->id == cpu)
			return (int)i;
	return -1;
}

/*
 * set_rps_cpu(): the flow moves to @next_cpu, its last_qtail that CPU's
 * input_queue_head (nothing of it is queued there yet). With aRFS (ntuple
 * and the driver's ndo_rx_flow_steer) the NIC is first told to deliver the
 * flow to the queue whose interrupt goes to @next_cpu, whose own flow
 * table entry then takes over.
 */
static struct rps_dev_flow *set_rps_cpu(const struct host *m, struct net_device *dev,
					const struct sk_buff *skb, struct rps_dev_flow *rflow,
					uint32_t next_cpu)
{
	int rxq = dev->ntuple && dev->netdev_ops->ndo_rx_flow_steer
			  ? rx_cpu_rmap_index(dev, next_cpu)
			  : -1;

	if (rxq >= 0 && rxq != skb->queue_mapping && dev->rxq[rxq].rps_flow) {
		struct netdev_rx_queue *q = &dev->rxq[rxq];
		uint32_t flow_id = skb->hash & q->rps_flow_mask;

		if (dev->netdev_ops->ndo_rx_flow_steer(dev, skb, (uint16_t)rxq, flow_id) >= 0)
			rflow = &q->rps_flow[flow_id];
	}
	rflow->last_qtail = m->cpus[next_cpu].sd->input_queue_head;
	rflow->cpu = (uint16_t)next_cpu;
	return rflow;
}

int get_rps_cpu(const struct netdev_rx_queue *q, const struct sk_buff *skb,
		struct rps_dev_flow **rflowp)
{
	const struct host *m = q->dev->host->machine;
	uint32_t hash = skb->hash;

	*rflowp = NULL;
	if (!q->rps_flow && !q->rps_len)
		return -1;
	if (!hash)
		return -1;
	if (q->rps_flow && m->rps_sock_flow_ents) {
		uint32_t ident = m->rps_sock_flow_ents[hash & m->rps_sock_flow_mask];

		/* the same flow (the hash's high bits) recorded a reader CPU */
		if (!((ident ^ hash) & ~m->rps_cpu_mask)) {
			uint32_t next_cpu = ident & m->rps_cpu_mask;
			struct rps_dev_flow *rflow = &q->rps_flow[hash & q->rps_flow_mask];
			uint32_t tcpu = rflow->cpu;

			/* switch when unset, or the old CPU's backlog has passed the flow's last packet */
			if (tcpu != next_cpu && next_cpu < m->ncpus &&
			    (tcpu >= m->ncpus || (int32_t)(m->cpus[tcpu].sd->input_queue_head -
							   rflow->last_qtail) >= 0)) {
				tcpu = next_cpu;
				rflow = set_rps_cpu(m, q->dev, skb, rflow, next_cpu);
			}
			if (tcpu < m->ncpus) {
				*rflowp = rflow;
				return (int)tcpu;
			}
		}
	}
	return rps_map_cpu(q->rps_map, q->rps_len, hash);
}

/*
 * The RPS CPU of @skb on its device's receive queue (its recorded queue, or
 * rx-0 for a queue number past the device's), or -1 (no RX queue, RPS off).
 */
static int dev_rps_cpu(const struct sk_buff *skb, struct rps_dev_flow **rflowp)
{
	const struct net_device *dev = skb->dev;
	const struct netdev_rx_queue *q;

	*rflowp = NULL;
	if (!dev->nrxq)
		return -1;
	q = &dev->rxq[skb->queue_mapping < dev->nrxq ? skb->queue_mapping : 0];
	if (!q->rps_flow && !q->rps_len) /* rcu_dereference(rxqueue->rps_map) is NULL */
		return -1;
	return get_rps_cpu(q, skb, rflowp);
}

/* rps_trigger_softirq(): the IPI handler on the target CPU. */
static void rps_trigger_softirq(struct irq_desc *d)
{
	struct softnet_data *sd = d->cpu->sd;

	____napi_schedule(sd, &sd->backlog);
	sd->received_rps++;
}

/* net_rps_send_ipi(): IPI every CPU queued on @mysd's rps_ipi_list. */
static void net_rps_send_ipi(struct softnet_data *mysd)
{
	struct softnet_data *sd = mysd->rps_ipi_list;
	sim_time_t at = sd_now(mysd) + mysd->cpu->host->costs.ipi_latency;

	mysd->rps_ipi_list = NULL;
	while (sd) {
		struct softnet_data *next = sd->rps_ipi_next;

		sd->rps_ipi_next = NULL;
		irq_raise_at(&sd->csd, at);
		sd = next;
	}
}

static uint32_t rps_ipi_count(const struct softnet_data *sd)
{
	uint32_t n = 0;

	for (const struct softnet_data *s = sd->rps_ipi_list; s; s = s->rps_ipi_next)
		n++;
	return n;
}

/* napi_schedule_rps(): a remote backlog is IPI'd later, the local one scheduled now. */
static void napi_schedule_rps(struct softnet_data *mysd, struct softnet_data *sd)
{
	if (sd != mysd) {
		sd->rps_ipi_next = mysd->rps_ipi_list;
		mysd->rps_ipi_list = sd;
		if (!mysd->in_net_rx_action && !mysd->in_napi_threaded_poll)
			raise_softirq_irqoff(mysd->cpu, NET_RX_SOFTIRQ);
		return;
	}
	____napi_schedule(mysd, &mysd->backlog);
}

/* hash_32() as in include/linux/hash.h. */
static uint32_t hash_32(uint32_t val, unsigned bits)
{
	return (val * 0x61C88647u) >> (32 - bits);
}

/* skb_flow_limit(): on the enqueuing CPU's table, once the queue is half full. */
static bool skb_flow_limit(struct softnet_data *sd, const struct sk_buff *skb, uint32_t qlen,
			   uint32_t max_backlog, uint32_t table_len)
{
	unsigned bits = (unsigned)__builtin_ctz(table_len);
	uint32_t new_flow, old_flow;

	if (qlen < (max_backlog >> 1) || !sd->flow_limit)
		return false;
	new_flow = bits ? hash_32(skb->hash, bits) : 0;
	old_flow = sd->fl_history[sd->fl_head];
	sd->fl_history[sd->fl_head] = new_flow;
	sd->fl_head = (sd->fl_head + 1) & (FLOW_LIMIT_HISTORY - 1);
	if (sd->fl_buckets[old_flow])
		sd->fl_buckets[old_flow]--;
	if (++sd->fl_buckets[new_flow] > (FLOW_LIMIT_HISTORY >> 1)) {
		sd->flow_limit_count++;
		return true;
	}
	return false;
}

int enqueue_to_backlog(struct cpu *from, struct sk_buff *skb, struct softnet_data *sd,
		       struct rps_dev_flow *rflow)
{
	struct host *h = skb->dev->host; /* the packet's namespace */
	uint32_t max_backlog = h->sysctl.netdev_max_backlog;
	uint32_t qlen = sd->input_pkt_queue.qlen;
	sim_time_t now = sd_now(sd);

	skb_set_stage(h, skb, STAGE_R11);
	if (qlen > max_backlog ||
	    skb_flow_limit(from->sd, skb, qlen, max_backlog, h->sysctl.flow_limit_table_len)) {
		sd->dropped++;
		skb->dev->rx_dropped++;
		kfree_skb_reason(h, skb, SKB_DROP_REASON_CPU_BACKLOG);
		return NET_RX_DROP;
	}
	if (!qlen && !(sd->backlog.state & NAPIF_STATE_SCHED)) {
		sd->backlog.state |= NAPIF_STATE_SCHED;
		napi_schedule_rps(from->sd, sd);
	}
	__skb_queue_tail(&sd->input_pkt_queue, skb);
	sd->input_queue_tail++; /* rps_input_queue_tail_incr */
	if (rflow)
		rflow->last_qtail = sd->input_queue_tail; /* rps_input_queue_tail_save */
	sim_level_add(&sd->backlog_level, now, 1);
	if (h->w->measuring)
		sd->backlog_in++;
	skb_lat_next(h, skb, LAT_BACKLOG, now);
	return NET_RX_SUCCESS;
}

/* ---- receive core ---- */

/*
 * __netif_receive_skb_core's device stacking: a VLAN tag goes to its VLAN
 * device (vlan_do_receive, then another round), else the device's
 * rx_handler (a bridge port's br_handle_frame) may consume the skb or send
 * it round again as received on another device. A tag nobody took makes
 * the frame PACKET_OTHERHOST when its VID is not 0 (check_vlan_id), and the
 * tag is cleared. True when the skb was consumed.
 */
static bool netif_receive_stacked(struct cpu *c, struct sk_buff **pskb, bool *again,
				  uint64_t *cycles)
{
	struct sk_buff *skb = *pskb;
	rx_handler_func_t rx_handler;

	*again = false;
	if (skb->vlan_present && vlan_do_receive(c, pskb, cycles)) {
		*again = true;
		return false;
	}
	rx_handler = skb->dev->rx_handler;
	if (rx_handler) {
		switch (rx_handler(c, pskb, cycles)) {
		case RX_HANDLER_CONSUMED:
			return true;
		case RX_HANDLER_ANOTHER:
			*again = true;
			return false;
		case RX_HANDLER_EXACT:
		case RX_HANDLER_PASS:
			break;
		}
		skb = *pskb;
	}
	if (skb->vlan_present) {
		if (skb->vlan_tci & VLAN_VID_MASK)
			skb->pkt_type = PACKET_OTHERHOST;
		skb->vlan_present = 0; /* __vlan_hwaccel_clear_tag */
	}
	return false;
}

/*
 * do_xdp_generic (net/core/dev.c, `xdp_mode: generic`): the device's program
 * on the skb, before the taps. XDP_DROP and XDP_ABORTED free the skb
 * (kfree_skb_reason(SKB_DROP_REASON_XDP)). True when it goes on.
 */
static bool do_xdp_generic(struct cpu *c, struct sk_buff *skb, uint64_t *cycles)
{
	struct host *h = c->host;

	*cycles += h->costs.xdp_prog;
	if (bpf_prog_run_xdp(skb->dev->xdp_generic, skb, false, cycles, NULL) == XDP_PASS)
		return true;
	*cycles += h->costs.kfree_skb;
	skb_set_stage(h, skb, STAGE_R13);
	kfree_skb_reason(h, skb, SKB_DROP_REASON_XDP);
	return false;
}

/*
 * __netif_receive_skb_core() and up (R13-R21): taps, VLAN devices and the
 * rx_handler (another_round), then ARP or IPv4. Returns the socket to queue
 * on at the end of the unit, or NULL (dropped, consumed or handed on here).
 */
static struct sock *netif_receive_core(struct cpu *c, struct sk_buff *skb, uint64_t *cycles)
{
	struct net_device *dev;
	bool again;

	for (;;) { /* another_round */
		dev = skb->dev;
		c->sd->processed++;
		if (dev->xdp_generic && !do_xdp_generic(c, skb, cycles))
			return NULL;
		skb_set_stage(dev->host, skb, STAGE_R14);
		for (uint32_t i = 0; i < dev->ntaps; i++)
			*cycles += packet_rcv(dev->taps[i], skb);
		if (!skb->vlan_present && !dev->rx_handler)
			break;
		if (netif_receive_stacked(c, &skb, &again, cycles))
			return NULL;
		if (!again)
			break;
	}
	skb_set_stage(skb->dev->host, skb, STAGE_R15);
	if (skb->eth_proto == ETH_P_ARP) {
		arp_rcv(c, skb, cycles);
		return NULL;
	}
	return ip_rcv(c, skb, cycles);
}

/*
 * One packet up the stack as a unit: from GRO's rx_list (@from_driver, RPS
 * may steer it to a backlog) or from a backlog.
 */
static void stack_unit(struct cpu *c, struct napi_poll_run *r, struct sk_buff *skb,
		       bool from_driver, uint64_t *cycles)
{
	const struct costs *k = &c->host->costs;
	struct sock *sk;

	r->unit_skb = skb;
	if (from_driver) {
		*cycles += k->netif_receive;
		struct rps_dev_flow *rflow;
		int cpu = dev_rps_cpu(skb, &rflow);

		if (cpu >= 0) {
			*cycles += k->rps_enqueue;
			skb_set_stage(skb->dev->host, skb, STAGE_R11);
			r->unit = UNIT_BACKLOG;
			r->unit_cpu = c->host->cpus[cpu].sd;
			r->unit_rflow = rflow;
			return;
		}
		skb_set_stage(skb->dev->host, skb, STAGE_R13);
	}
	sk = netif_receive_core(c, skb, cycles);
	if (!sk) {
		r->unit = UNIT_NONE;
		r->unit_skb = NULL;
		return;
	}
	*cycles += sk->sk_prot->queue_rcv_cost(c, sk, skb,
					       c->host->w->q.now + cycles_to_ps(c->host, *cycles));
	r->unit = UNIT_SOCKET;
	r->unit_sk = sk;
}

/* ---- GRO (net/core/gro.c, net/ipv4/udp_offload.c) ---- */

/* inet_gro_receive: the protocol's offload decides whether its flow may merge. */
static bool inet_gro_eligible(struct host *h, const struct sk_buff *skb)
{
	const struct net_offload *ops = inet_offloads[skb->protocol];

	return ops && ops->gro_receive(h, skb);
}

static bool gro_same_flow(const struct sk_buff *a, const struct sk_buff *b)
{
	return a->saddr == b->saddr && a->daddr == b->daddr && a->sport == b->sport &&
	       a->dport == b->dport;
}

/* gro_normal_one(): onto rx_list, passed up when gro_normal_batch segments wait. */
static void gro_normal_one(struct napi_struct *n, struct sk_buff *skb)
{
	__skb_queue_tail(&n->rx_list, skb);
	n->rx_count += skb->gso_segs;
}

static void gro_flush_held_ix(struct napi_struct *n, uint32_t ix)
{
	gro_normal_one(n, n->held[ix]);
	memmove(&n->held[ix], &n->held[ix + 1], (n->nheld - ix - 1) * sizeof(n->held[0]));
	n->nheld--;
}

/* The segment size of a held GRO skb (its first segment's frame length). */
static uint32_t gro_seg_len(const struct sk_buff *p)
{
	return p->frag_next ? p->frag_next->len : p->len;
}

/* Append @skb's segment to the held GRO skb @p; p->len grows by the payload. */
static void gro_merge(struct sk_buff *p, struct sk_buff *skb)
{
	struct sk_buff *t = p;

	while (t->frag_next)
		t = t->frag_next;
	t->frag_next = skb;
	p->gso_segs++;
	p->truesize += skb->truesize;
	p->len += skb->len - UDP_FRAME_HDRS;
}

static void napi_gro_receive(struct cpu *c, struct napi_struct *n, struct sk_buff *skb,
			     uint64_t *cycles)
{
	const struct costs *k = &c->host->costs;

	skb_set_stage(skb->dev->host, skb, STAGE_R10);
	if (n->gro_off) { /* dev_gro_receive: netif_elide_gro, straight to GRO_NORMAL */
		gro_normal_one(n, skb);
		return;
	}
	*cycles += k->gro_receive;
	/* an skb that is already GSO (UDP_SEGMENT through veth) goes up as it is */
	if (skb_is_gso(skb) || !inet_gro_eligible(skb->dev->host, skb)) {
		gro_normal_one(n, skb);
		return;
	}
	for (uint32_t i = 0; i < n->nheld; i++) {
		struct sk_buff *p = n->held[i];

		if (!gro_same_flow(p, skb))
			continue;
		if (gro_seg_len(p) == skb->len && p->gso_segs < UDP_GRO_CNT_MAX) {
			*cycles += k->gro_merge;
			gro_merge(p, skb);
			return;
		}
		gro_flush_held_ix(n, i);
		break;
	}
	if (n->nheld == GRO_MAX_HELD)
		gro_flush_held_ix(n, 0);
	n->held[n->nheld++] = skb;
}

/*
 * gro_flush_normal() at the end of a poll: everything, except that a poll
 * that used its whole weight on HZ >= 1000 flushes oldest first and stops at
 * the first skb held since this jiffy (gro_flush with flush_old).
 */
static void gro_flush_held(struct cpu *c, struct napi_struct *n, bool full_weight)
{
	struct host *h = c->host;
	uint64_t now = host_jiffies(h, h->w->q.now);

	while (n->nheld) {
		if (full_weight && h->hz >= 1000 && host_jiffies(h, n->held[0]->t_mark) == now)
			break;
		gro_flush_held_ix(n, 0);
	}
}

/* ---- the NAPI poll under way (napi_poll / __napi_poll) ---- */

/*
 * Take packets within the budget. The backlog hands one packet up the stack
 * per unit; a driver's frames go to GRO, and its work for up to one GRO
 * batch (the frames gro_normal_list will pass up together) is one unit.
 */
static bool napi_poll_rx(struct cpu *c, struct napi_poll_run *r, uint64_t *cycles)
{
	struct napi_struct *n = r->cur;
	uint32_t batch = c->host->sysctl.gro_normal_batch;
	bool took = false;
	struct sk_buff *skb;

	while (r->work < r->weight) {
		skb = n->ops->poll_one(n, c, cycles);
		if (!skb)
			break;
		r->work++;
		took = true;
		if (!n->ops->gro) {
			stack_unit(c, r, skb, false, cycles);
			return true;
		}
		napi_gro_receive(c, n, skb, cycles);
		r->unit = UNIT_NONE;
		if (n->rx_count >= batch) {
			r->pphase = POLL_FLUSH;
			break;
		}
	}
	return took;
}

static bool napi_poll_step(struct cpu *c, struct napi_poll_run *r, uint64_t *cycles)
{
	struct napi_struct *n = r->cur;
	struct sk_buff *skb;

	for (;;) {
		switch (r->pphase) {
		case POLL_BEGIN:
			r->pphase = POLL_RX;
			r->unit = UNIT_NONE;
			if (n->ops->poll_begin)
				*cycles += n->ops->poll_begin(n, c);
			if (*cycles)
				return true;
			continue;
		case POLL_RX:
			if (napi_poll_rx(c, r, cycles))
				return true;
			if (r->pphase == POLL_FLUSH)
				continue;
			if (n->ops->gro) {
				gro_flush_held(c, n, r->work >= r->weight);
				r->pphase = POLL_FLUSH_FINAL;
			} else {
				r->pphase = POLL_END;
			}
			continue;
		case POLL_FLUSH:
		case POLL_FLUSH_FINAL:
			skb = __skb_dequeue(&n->rx_list);
			if (skb) {
				n->rx_count -= skb->gso_segs;
				stack_unit(c, r, skb, true, cycles);
				return true;
			}
			r->pphase = r->pphase == POLL_FLUSH ? POLL_RX : POLL_END;
			continue;
		case POLL_END:
			r->pphase = POLL_DONE;
			r->unit = UNIT_NONE;
			*cycles += n->ops->poll_end(n, c, r->work, r->weight);
			if (*cycles)
				return true;
			continue;
		case POLL_DONE:
			return false;
		}
	}
}

/*
 * After a poll: napi_poll() puts a NAPI that is still scheduled on repoll. A
 * driver that did not complete returned its whole budget (ixgbe with TX work
 * left), which is what net_rx_action subtracts.
 */
static void napi_poll_tail(struct softnet_data *sd)
{
	struct napi_poll_run *r = &sd->run;
	struct napi_struct *n = r->cur;

	if (n->state & NAPIF_STATE_SCHED) {
		if (r->work < r->weight)
			r->work = r->weight;
		/* busy polling is preferred: complete, and reschedule unless deferred */
		if (n->state & NAPIF_STATE_PREFER_BUSY_POLL) {
			if (napi_complete_done(n, sd->cpu, r->work))
				napi_schedule(sd->cpu, n);
		} else {
			napi_list_add_tail(&sd->repoll, n);
		}
	}
	sd->budget -= r->work;
	r->cur = NULL;
	n->run = NULL;
}

/* ---- net_rx_action as a step function ---- */

static void net_rx_action_begin(struct cpu *c)
{
	struct softnet_data *sd = c->sd;
	struct host *h = c->host;

	sd->budget = (int)h->sysctl.netdev_budget;
	sd->time_limit = host_jiffies(h, h->w->q.now) +
			 host_usecs_to_jiffies(h, h->sysctl.netdev_budget_usecs);
	sd->phase = RX_START;
	sd->list.head = sd->list.tail = NULL;
	sd->repoll.head = sd->repoll.tail = NULL;
}

/* The list is empty: go back to start, go to exit, or end without exit. */
static bool net_rx_action_list_empty(struct softnet_data *sd)
{
	if (!napi_list_empty(&sd->repoll)) {
		sd->phase = RX_EXIT;
		return true;
	}
	sd->in_net_rx_action = false;
	if (!napi_list_empty(&sd->poll_list)) {
		sd->phase = RX_START;
		return true;
	}
	if (!sd->rps_ipi_list) {
		sd->phase = RX_DONE;
		return false;
	}
	sd->phase = RX_EXIT;
	return true;
}

/* The start of one __napi_poll of @n with @r. */
static void napi_poll_start(struct napi_poll_run *r, struct napi_struct *n)
{
	r->cur = n;
	r->work = 0;
	r->weight = n->weight;
	r->pphase = POLL_BEGIN;
	r->unit = UNIT_NONE;
	n->run = r;
	n->polls++;
}

static void net_rx_action_start_poll(struct cpu *c, struct napi_struct *n)
{
	napi_poll_start(&c->sd->run, n);
	c->sd->phase = RX_POLL;
}

/*
 * Splice leftovers back on poll_list and re-raise. Returns true when RPS IPIs
 * are pending: their cost (*cycles) is a unit whose commit sends them.
 */
static bool net_rx_action_exit(struct cpu *c, uint64_t *cycles)
{
	struct softnet_data *sd = c->sd;
	uint32_t nipi;

	napi_list_splice_tail(&sd->poll_list, &sd->list);
	napi_list_splice_tail(&sd->repoll, &sd->list);
	napi_list_splice_tail(&sd->list, &sd->poll_list);
	if (!napi_list_empty(&sd->poll_list))
		raise_softirq_irqoff(c, NET_RX_SOFTIRQ);
	else
		sd->in_net_rx_action = false;
	sd->phase = RX_DONE;
	nipi = rps_ipi_count(sd);
	if (!nipi)
		return false;
	sd->run.unit = UNIT_IPI;
	*cycles = nipi * c->host->costs.ipi_send;
	return true;
}

static bool net_rx_action_step(struct cpu *c, sim_time_t *ps)
{
	struct softnet_data *sd = c->sd;
	struct host *h = c->host;
	uint64_t cycles = 0;

	for (;;) {
		switch (sd->phase) {
		case RX_START:
			sd->in_net_rx_action = true;
			napi_list_splice_tail(&sd->poll_list, &sd->list);
			sd->phase = RX_LOOP;
			continue;
		case RX_LOOP:
			if (napi_list_empty(&sd->list)) {
				if (net_rx_action_list_empty(sd))
					continue;
				return false;
			}
			net_rx_action_start_poll(c, napi_list_pop(&sd->list));
			*ps = cycles_to_ps(h, h->costs.napi_poll);
			return true;
		case RX_POLL:
			if (napi_poll_step(c, &sd->run, &cycles)) {
				*ps = cycles_to_ps(h, cycles);
				return true;
			}
			napi_poll_tail(sd);
			if (sd->budget <= 0 || host_jiffies(h, h->w->q.now) >= sd->time_limit) {
				sd->time_squeeze++;
				sd->phase = RX_EXIT;
			} else {
				sd->phase = RX_LOOP;
			}
			continue;
		case RX_EXIT:
			if (!net_rx_action_exit(c, &cycles))
				return false;
			*ps = cycles_to_ps(h, cycles);
			return true;
		case RX_DONE:
			return false;
		}
	}
}

/* The end of a unit of @r's poll on @c: its hand-off to another queue. */
static void napi_unit_commit(struct cpu *c, struct napi_poll_run *r)
{
	struct sk_buff *skb = r->unit_skb;

	switch (r->unit) {
	case UNIT_NONE:
		break;
	case UNIT_BACKLOG:
		enqueue_to_backlog(c, skb, r->unit_cpu, r->unit_rflow);
		break;
	case UNIT_SOCKET:
		/* sk_mark_napi_id (connected) / sk_mark_napi_id_once: a driver NAPI's id */
		if (r->cur && r->cur->ops->gro && (!r->unit_sk->sk_napi || r->unit_sk->connected))
			r->unit_sk->sk_napi = r->cur;
		r->unit_sk->sk_prot->queue_rcv_skb(r->unit_sk, skb); /* sk_backlog_rcv */
		break;
	case UNIT_IPI:
		net_rps_send_ipi(c->sd);
		break;
	}
	r->unit = UNIT_NONE;
	r->unit_skb = NULL;
}

static void net_rx_action_commit(struct cpu *c)
{
	napi_unit_commit(c, &c->sd->run);
}

static const struct softirq_ops net_rx_softirq = {
	.begin = net_rx_action_begin,
	.step = net_rx_action_step,
	.commit = net_rx_action_commit,
};

/* ---- interrupt deferral (napi_complete_done, napi_watchdog) ---- */

/*
 * ____napi_schedule on @c for a NAPI already marked SCHED: NET_RX, or for a
 * threaded NAPI set_bit(SCHED_THREADED) and wake_up_process.
 */
static void __napi_schedule_on(struct cpu *c, struct napi_struct *n)
{
	if (n->thread) {
		n->state |= NAPIF_STATE_SCHED_THREADED;
		if (n->thread->thread.state == THREAD_BLOCKED)
			n->thread->wakeups++;
		thread_wake(&n->thread->thread);
		return;
	}
	____napi_schedule(c->sd, n);
}

/* napi_watchdog(): the hrtimer schedules the NAPI unless someone holds it. */
static void napi_watchdog(struct irq_desc *d)
{
	struct napi_struct *n = container_of(d, struct napi_struct, timer);

	if (n->state & NAPIF_STATE_SCHED)
		return;
	n->state |= NAPIF_STATE_SCHED;
	n->state &= ~NAPIF_STATE_PREFER_BUSY_POLL;
	n->watchdog_fires++;
	__napi_schedule_on(d->cpu, n);
}

void napi_timer_init(struct napi_struct *n, uint32_t defer_hard_irqs, sim_time_t gro_flush_timeout)
{
	irq_desc_init(&n->timer, "napi-timer", NULL, napi_watchdog);
	n->defer_hard_irqs = defer_hard_irqs;
	n->gro_flush_timeout = gro_flush_timeout;
}

/* hrtimer_start(&n->timer, timeout, HRTIMER_MODE_REL_PINNED) on @c (a re-arm moves it). */
static void napi_timer_start(struct napi_struct *n, struct cpu *c, sim_time_t timeout)
{
	struct sim_eventq *q = &c->host->w->q;

	if (sim_event_pending(&n->timer.ev))
		sim_event_cancel(q, &n->timer.ev);
	if (n->timer.pending)
		return; /* its interrupt is already raised: it will run */
	n->timer.cpu = c;
	irq_raise_at(&n->timer, q->now + timeout);
}

bool napi_complete_done(struct napi_struct *n, struct cpu *c, int work)
{
	sim_time_t timeout = 0;
	bool ret = true;

	if (n->state & NAPIF_STATE_IN_BUSY_POLL)
		return false;
	if (work) {
		if (n->nheld)
			timeout = n->gro_flush_timeout; /* n->gro.bitmask */
		n->defer_hard_irqs_count = n->defer_hard_irqs;
	}
	if (n->defer_hard_irqs_count > 0) {
		n->defer_hard_irqs_count--;
		timeout = n->gro_flush_timeout;
		if (timeout)
			ret = false;
	}
	n->state &=
		~(NAPIF_STATE_SCHED | NAPIF_STATE_SCHED_THREADED | NAPIF_STATE_PREFER_BUSY_POLL);
	if (timeout)
		napi_timer_start(n, c, timeout);
	return ret;
}

/* ---- busy polling (napi_busy_loop, busy_poll_stop) ---- */

void napi_busy_loop_start(struct napi_busy_loop *b, struct napi_struct *n, sim_time_t end,
			  int budget, bool prefer, bool once)
{
	b->napi = n;
	b->end = end;
	b->budget = budget;
	b->prefer = prefer;
	b->once = once;
	b->owned = false;
	b->active = true;
	b->resched = false;
	b->phase = BL_ITER;
	b->run.cur = NULL;
	b->run.unit = UNIT_NONE;
}

/* A poll of @n with the busy-poll budget (napi->poll(napi, budget)). */
static void busy_poll_start(struct napi_busy_loop *b)
{
	napi_poll_start(&b->run, b->napi);
	b->run.weight = b->budget;
}

/*
 * busy_poll_stop(): give the NAPI back. With SO_PREFER_BUSY_POLL and
 * deferral configured the IRQ stays masked and the watchdog is armed
 * (skip_schedule); then one more poll, whose napi_complete_done re-arms
 * the interrupt.
 */
static void busy_poll_stop(struct napi_busy_loop *b, struct cpu *c)
{
	struct napi_struct *n = b->napi;

	n->state &= ~(NAPIF_STATE_IN_BUSY_POLL | NAPIF_STATE_PREFER_BUSY_POLL);
	b->owned = false;
	if (b->prefer) {
		n->defer_hard_irqs_count = n->defer_hard_irqs;
		if (n->defer_hard_irqs_count && n->gro_flush_timeout)
			napi_timer_start(n, c, n->gro_flush_timeout);
	}
	c->bh_disabled = true;
	busy_poll_start(b);
	b->phase = BL_STOP_POLL;
}

/* After busy_poll_stop's poll: a full one leaves the NAPI to softirq (or the watchdog). */
static void busy_poll_stop_end(struct napi_busy_loop *b, struct cpu *c)
{
	struct napi_struct *n = b->napi;

	if (b->run.work >= b->budget && (n->state & NAPIF_STATE_SCHED)) {
		if (b->prefer && n->defer_hard_irqs && n->gro_flush_timeout)
			n->state &= ~NAPIF_STATE_SCHED; /* __busy_poll_stop(skip_schedule) */
		else
			__napi_schedule_on(c, n);
	}
}

/* One iteration's start: claim the NAPI, or only look (another context holds it). */
static bool busy_loop_iter(struct napi_busy_loop *b, struct cpu *c, sim_time_t *ps)
{
	struct napi_struct *n = b->napi;
	const struct costs *k = &c->host->costs;

	c->bh_disabled = true; /* local_bh_disable */
	b->loops++;
	*ps = cycles_to_ps(c->host, k->busy_poll_loop);
	if (!b->owned) {
		if (n->state & (NAPIF_STATE_SCHED | NAPIF_STATE_IN_BUSY_POLL)) {
			if (b->prefer)
				n->state |= NAPIF_STATE_PREFER_BUSY_POLL;
			b->phase = BL_AFTER; /* goto count */
			return true;
		}
		n->state |= NAPIF_STATE_SCHED | NAPIF_STATE_IN_BUSY_POLL;
		if (b->prefer)
			n->state |= NAPIF_STATE_PREFER_BUSY_POLL;
		b->owned = true;
		*ps += cycles_to_ps(c->host, k->napi_poll);
	}
	busy_poll_start(b);
	b->phase = BL_POLL;
	return true;
}

bool napi_busy_loop_step(struct napi_busy_loop *b, struct cpu *c, bool loop_end, sim_time_t *ps)
{
	uint64_t cycles = 0;

	for (;;) {
		switch (b->phase) {
		case BL_ITER:
			return busy_loop_iter(b, c, ps);
		case BL_POLL:
		case BL_STOP_POLL:
			if (napi_poll_step(c, &b->run, &cycles)) {
				*ps = cycles_to_ps(c->host, cycles);
				return true;
			}
			b->napi->run = NULL;
			b->run.cur = NULL;
			if (b->phase == BL_STOP_POLL) {
				busy_poll_stop_end(b, c);
				b->phase = BL_DONE;
				continue;
			}
			b->rx_packets += (uint64_t)b->run.work;
			b->phase = BL_AFTER;
			continue;
		case BL_AFTER:
			c->bh_disabled = false;
			local_bh_enable(c);
			b->resched = c->need_resched && !loop_end;
			if (b->once || loop_end || c->host->w->q.now >= b->end || c->need_resched) {
				if (!b->owned) {
					b->phase = BL_DONE;
					continue;
				}
				busy_poll_stop(b, c);
				continue;
			}
			b->phase = BL_ITER;
			continue;
		case BL_DONE:
			c->bh_disabled = false;
			local_bh_enable(c);
			b->active = false;
			return false;
		}
	}
}

void napi_busy_loop_commit(struct napi_busy_loop *b, struct cpu *c)
{
	napi_unit_commit(c, &b->run);
}

/* ---- threaded NAPI (napi_threaded_poll, napi_thread_wait) ---- */

static void napi_thread_job_done(struct cpu_job *j);

/* One unit of the kthread's work: kernel mode, not preemptible (BH disabled). */
static void napi_thread_job(struct napi_thread *nt, sim_time_t ps)
{
	struct thread *t = &nt->thread;

	thread_start_job(t, ps, ACCT_SYS, false, napi_thread_job_done);
	if (t->cpu->host->w->measuring)
		nt->busy_ps += t->job.remaining;
}

/*
 * The end of one napi_threaded_poll_loop iteration: local_bh_enable runs the
 * softirqs raised meanwhile (a local backlog, NET_TX) at softirq level; the
 * thread's run() then polls again (repoll) or sleeps in napi_thread_wait.
 */
static void napi_thread_bh_enable(struct napi_thread *nt)
{
	struct cpu *c = nt->thread.cpu;

	nt->in_poll = false;
	c->bh_disabled = false;
	local_bh_enable(c);
}

/*
 * Go on with the poll after a unit: the next unit of __napi_poll, then
 * the RPS IPIs it queued (net_rps_action_and_irq_enable, one unit), then
 * local_bh_enable.
 */
static void napi_thread_continue(struct napi_thread *nt)
{
	struct cpu *c = nt->thread.cpu;
	struct napi_struct *n = nt->run.cur;
	uint64_t cycles = 0;
	uint32_t nipi;

	if (n) {
		if (napi_poll_step(c, &nt->run, &cycles)) {
			napi_thread_job(nt, cycles_to_ps(c->host, cycles));
			return;
		}
		/* __napi_poll's repoll: a poll that did not complete stays SCHED */
		if (!(n->state & NAPIF_STATE_SCHED))
			n->state &= ~NAPIF_STATE_SCHED_THREADED;
		n->run = NULL;
		nt->run.cur = NULL;
		c->sd->in_napi_threaded_poll = false;
		nipi = rps_ipi_count(c->sd);
		if (nipi) {
			nt->run.unit = UNIT_IPI;
			napi_thread_job(nt, cycles_to_ps(c->host, nipi * c->host->costs.ipi_send));
			return;
		}
	}
	napi_thread_bh_enable(nt);
}

static void napi_thread_job_done(struct cpu_job *j)
{
	struct napi_thread *nt = container_of(j, struct thread, job)->priv;
	struct cpu *c = nt->thread.cpu;

	napi_unit_commit(c, &nt->run);
	if (c->charge_ps > 0) {
		sim_time_t ps = c->charge_ps;

		c->charge_ps = 0;
		napi_thread_job(nt, ps);
		return;
	}
	napi_thread_continue(nt);
}

/*
 * napi_threaded_poll(): napi_thread_wait sleeps until SCHED_THREADED is set;
 * each napi_threaded_poll_loop iteration disables bottom halves, marks
 * sd->in_napi_threaded_poll and polls once (its first unit is the poll's
 * fixed cost and the loop's own). The scheduler's pick between iterations
 * is cond_resched.
 */
static void napi_thread_run(struct thread *t)
{
	struct napi_thread *nt = t->priv;
	struct napi_struct *n = nt->napi;
	struct cpu *c = t->cpu;
	const struct costs *k = &c->host->costs;

	if (!(n->state & NAPIF_STATE_SCHED_THREADED)) {
		thread_block(t);
		return;
	}
	nt->loops++;
	nt->in_poll = true;
	c->bh_disabled = true;
	c->sd->in_napi_threaded_poll = true;
	napi_poll_start(&nt->run, n);
	napi_thread_job(nt, cycles_to_ps(c->host, k->napi_poll + k->napi_threaded_poll));
}

bool napi_thread_fits(const struct cpu *c)
{
	return c->sd->nnapi_threads < SOFTNET_MAX_NAPI_THREADS && c->nthreads < CPU_MAX_THREADS - 1;
}

int napi_set_threaded(struct napi_struct *n, struct cpu *c, const char *dev, unsigned id,
		      struct sim_error *err)
{
	struct softnet_data *sd = c->sd;
	struct napi_thread *nt;
	char name[32];

	SIM_BUG_ON(!napi_thread_fits(c));
	nt = calloc(1, sizeof(*nt));
	if (!nt)
		return sim_error_set(err, "out of memory");
	snprintf(name, sizeof(name), "napi/%s-%u", dev, id);
	thread_init(&nt->thread, c, name, napi_thread_run, nt);
	nt->napi = n;
	n->thread = nt;
	c->nthreads++;
	sd->napi_threads[sd->nnapi_threads++] = nt;
	return 0;
}

const struct napi_thread *napi_thread_of(const struct thread *t)
{
	return t->run == napi_thread_run ? t->priv : NULL;
}

void napi_thread_free(struct napi_struct *n)
{
	free(n->thread);
	n->thread = NULL;
}

/* ---- the backlog NAPI (process_backlog) ---- */

static struct sk_buff *backlog_poll_one(struct napi_struct *n, struct cpu *c, uint64_t *cycles)
{
	struct softnet_data *sd = n->priv;
	struct sk_buff *skb;

	/* "Check if we have pending ipi, its better to send them now" */
	if (n->run->work == 0 && sd->rps_ipi_list) {
		*cycles += rps_ipi_count(sd) * c->host->costs.ipi_send;
		net_rps_send_ipi(sd);
	}
	for (;;) {
		skb = __skb_dequeue(&sd->process_queue);
		if (skb) {
			sim_time_t now = sd_now(sd);

			sd->input_queue_head++; /* rps_input_queue_head_incr */
			sim_level_add(&sd->backlog_level, now, -1);
			if (sd_world(sd)->measuring && skb->t_mark >= sd_world(sd)->warmup) {
				sd->wait_sum += (double)(now - skb->t_mark);
				sd->wait_n++;
			}
			*cycles += c->host->costs.backlog_dequeue + skb_touch(c, skb);
			skb_set_stage(skb->dev->host, skb, STAGE_R12);
			skb_lat_next(skb->dev->host, skb, LAT_SOFTIRQ, now);
			return skb;
		}
		if (!sd->input_pkt_queue.qlen) {
			n->state = 0; /* inline __napi_complete() */
			return NULL;
		}
		skb_queue_splice_tail_init(&sd->input_pkt_queue, &sd->process_queue);
	}
}

static uint64_t backlog_poll_end(struct napi_struct *n, struct cpu *c, int work, int weight)
{
	(void)n;
	(void)c;
	(void)work;
	(void)weight;
	return 0;
}

static const struct napi_ops backlog_napi_ops = {
	.poll_one = backlog_poll_one,
	.poll_end = backlog_poll_end,
	.gro = false,
};

void softnet_init(struct softnet_data *sd, struct cpu *c)
{
	struct host *h = c->host;

	memset(sd, 0, sizeof(*sd));
	sd->cpu = c;
	c->sd = sd;
	skb_queue_head_init(&sd->input_pkt_queue);
	skb_queue_head_init(&sd->process_queue);
	sd->backlog.ops = &backlog_napi_ops;
	snprintf(sd->backlog.name, sizeof(sd->backlog.name), "backlog cpu%u", c->id);
	sd->backlog.priv = sd;
	sd->backlog.weight = (int)h->sysctl.dev_weight;
	skb_queue_head_init(&sd->backlog.rx_list);
	ipi_desc_init(&sd->csd, "IPI-RPS", c, rps_trigger_softirq);
	sd->flow_limit = c->id < 32 && (h->sysctl.flow_limit_cpu_bitmap >> c->id) & 1;
	sim_level_init(&sd->backlog_level, 0);
}

void net_dev_init(void)
{
	softirq_vec[NET_RX_SOFTIRQ] = &net_rx_softirq;
}
