/*
 * models/ipv4/ip_fragment.c - ip_do_fragment (T10) and ip_defrag (R20).
 *
 * See models/ipv4/ip_fragment.h for references and simplifications.
 */
#include <stdlib.h>

#include "models/core/observe.h"
#include "models/kernel/cpu.h"
#include "models/ipv4/ip.h"
#include "models/ipv4/ip_fragment.h"
#include "models/ipv4/route.h"
#include "models/core/neigh.h"
#include "models/core/netdevice.h"
#include "models/sched/sch_generic.h"
#include "models/ipv4/sock.h"
#include "models/ipv4/ip_output.h"
#include "sim/event.h"

enum { IPQ_TIMER_PRIO = 15, IPQ_NONE = UINT32_MAX };

/* One reassembly queue (struct ipq): the fragments of one datagram. */
struct ipq {
	uint32_t saddr, daddr;	/* key: addresses */
	uint16_t id;		/* key: IP identification */
	uint8_t protocol;	/* key: IP protocol */
	uint8_t first_in;	/* the offset-0 fragment has arrived */
	uint32_t len;		/* bytes: IP payload length, known once the last fragment is in */
	uint32_t meat;		/* bytes: IP payload received */
	uint64_t truesize;	/* bytes: sum of the queued fragments' truesize */
	struct sk_buff *head;	/* fragments in arrival order, via frag_next */
	struct sk_buff *tail;	/* last fragment queued */
	struct cpu *cpu;	/* where the first fragment was received (runs ip_expire) */
	struct host *host;	/* owner */
	struct sim_event timer; /* ip_expire, ipfrag_time after the first fragment */
	uint32_t next;		/* next queue in the bucket or the free list */
	uint32_t bucket;	/* bucket index while in use */
};

struct ipfrag_table {
	struct ipq *q;	    /* cap queues */
	uint32_t cap;	    /* number of queues */
	uint32_t *buckets;  /* nbuckets heads of in-use chains */
	uint32_t nbuckets;  /* power of two */
	uint32_t free_head; /* free list of queues used before */
	uint32_t used;	    /* queues used at least once: q[0 .. used - 1] */
	struct host *host;  /* owner */
	uint64_t mem;	    /* bytes: frag_mem_limit, truesize of everything queued */
};

static void ip_expire(struct sim_event *ev);

#define IPQ_BUCKETS_MAX 1024 /* hash heads at most (4 KiB) */

int ipfrag_init(struct host *h)
{
	struct ipfrag_table *t = calloc(1, sizeof(*t));
	/* a queue holds at least one fragment of at least 832 bytes of truesize */
	uint64_t cap = h->sysctl.ipfrag_high_thresh / 832 + 16;

	if (!t)
		return -1;
	if (cap > (1u << 20))
		cap = 1u << 20;
	t->cap = (uint32_t)cap;
	t->nbuckets = 64; /* the chains' length is all the bucket count changes */
	while (t->nbuckets < t->cap && t->nbuckets < IPQ_BUCKETS_MAX)
		t->nbuckets <<= 1;
	t->buckets = malloc(t->nbuckets * sizeof(*t->buckets));
	h->frags = t;
	if (!t->buckets)
		return -1;
	for (uint32_t i = 0; i < t->nbuckets; i++)
		t->buckets[i] = IPQ_NONE;
	t->free_head = IPQ_NONE;
	t->host = h;
	return 0;
}

void ipfrag_release(struct host *h)
{
	if (!h->frags)
		return;
	free(h->frags->q);
	free(h->frags->buckets);
	free(h->frags);
	h->frags = NULL;
}

static uint32_t ipq_hash(const struct ipfrag_table *t, const struct sk_buff *skb)
{
	uint64_t x = (uint64_t)skb->saddr << 32 | skb->daddr;

	x ^= (uint64_t)skb->ip_id << 8 | skb->protocol;
	x *= 0x9E3779B97F4A7C15ull;
	return (uint32_t)(x >> 40) & (t->nbuckets - 1);
}

static bool ipq_match(const struct ipq *q, const struct sk_buff *skb)
{
	return q->saddr == skb->saddr && q->daddr == skb->daddr && q->id == skb->ip_id &&
	       q->protocol == skb->protocol;
}

/* ip_find -> inet_frag_find: the queue for @skb, created if new; NULL over the limit. */
static struct ipq *ip_find(struct ipfrag_table *t, const struct sk_buff *skb)
{
	uint32_t b = ipq_hash(t, skb), i;
	struct ipq *q;

	if (!skb->dev->host->sysctl.ipfrag_high_thresh ||
	    t->mem > skb->dev->host->sysctl.ipfrag_high_thresh)
		return NULL;
	for (i = t->buckets[b]; i != IPQ_NONE; i = t->q[i].next)
		if (ipq_match(&t->q[i], skb))
			return &t->q[i];
	if (t->free_head != IPQ_NONE) {
		i = t->free_head;
		q = &t->q[i];
		t->free_head = q->next;
	} else if (t->used < t->cap) { /* a queue never used: the next in order */
		/* the queues' array, at the host's first fragment (most hosts never reassemble) */
		if (!t->q && !(t->q = calloc(t->cap, sizeof(*t->q))))
			return NULL;
		i = t->used++;
		q = &t->q[i];
		q->host = t->host;
		sim_event_init(&q->timer, ip_expire, IPQ_TIMER_PRIO);
	} else {
		return NULL;
	}
	q->saddr = skb->saddr;
	q->daddr = skb->daddr;
	q->id = skb->ip_id;
	q->protocol = skb->protocol;
	q->first_in = 0;
	q->len = 0;
	q->meat = 0;
	q->truesize = 0;
	q->head = q->tail = NULL;
	q->bucket = b;
	q->next = t->buckets[b];
	t->buckets[b] = i;
	return q;
}

/* inet_frag_kill: unhash @q and stop its timer; its fragments are the caller's. */
static void ipq_kill(struct ipfrag_table *t, struct ipq *q)
{
	uint32_t ix = (uint32_t)(q - t->q);
	uint32_t *pp = &t->buckets[q->bucket];

	while (*pp != ix)
		pp = &t->q[*pp].next;
	*pp = q->next;
	q->next = t->free_head;
	t->free_head = ix;
	t->mem -= q->truesize;
	sim_event_cancel(&q->host->w->q, &q->timer);
	q->head = q->tail = NULL;
}

/* Move @skb to the front of @q's chain. */
static struct sk_buff *ipq_front(struct ipq *q, struct sk_buff *skb)
{
	struct sk_buff *prev = q->head;

	if (prev == skb)
		return skb;
	while (prev->frag_next != skb)
		prev = prev->frag_next;
	prev->frag_next = skb->frag_next;
	if (q->tail == skb)
		q->tail = prev;
	skb->frag_next = q->head;
	q->head = skb;
	return skb;
}

/* The offset-0 fragment moved to the front of @q's chain, if it came. */
static struct sk_buff *ipq_first(struct ipq *q)
{
	for (struct sk_buff *s = q->head; s; s = s->frag_next)
		if (!s->frag_off)
			return ipq_front(q, s);
	return q->head;
}

/* ip_expire: the datagram did not complete within ipfrag_time. */
static void ip_expire(struct sim_event *ev)
{
	struct ipq *q = container_of(ev, struct ipq, timer);
	struct host *h = q->host;
	struct cpu *c = q->cpu;
	bool first = q->first_in;
	struct sk_buff *head;
	uint64_t cycles = 0;

	h->ip.ReasmFails++;
	h->ip.ReasmTimeout++;
	head = ipq_first(q);
	ipq_kill(h->frags, q);
	if (first)
		icmp_send(c, h, head, ICMP_TIME_EXCEEDED, ICMP_EXC_FRAGTIME, 0, &cycles);
	for (struct sk_buff *s = head; s; s = s->frag_next)
		skb_set_stage(h, s, STAGE_R20);
	cycles += h->costs.kfree_skb;
	kfree_skb_reason(h, head, SKB_DROP_REASON_FRAG_REASM_TIMEOUT);
	/* timers run in softirq context: their work, and what they raised, runs there */
	c->charge_ps += cycles_to_ps(h, cycles);
	local_bh_enable(c);
	cpu_kick(c);
}

/* The fragment of @q with the lowest offset above @off (any offset if @any), or NULL. */
static const struct sk_buff *ipq_next(const struct ipq *q, uint32_t off, bool any)
{
	const struct sk_buff *best = NULL;

	for (const struct sk_buff *s = q->head; s; s = s->frag_next)
		if ((any || s->frag_off > off) && (!best || s->frag_off < best->frag_off))
			best = s;
	return best;
}

/*
 * inet_frag_reasm_finish: the reassembled skb's truesize. The head (offset
 * 0) keeps its own; the others, in offset order, go through
 * skb_try_coalesce(head, fp): while the head is linear and fp's data fits
 * its tailroom, the data is copied there and fp's truesize freed with it;
 * otherwise fp is chained on the frag_list (head->truesize += fp->truesize)
 * and the head is non-linear from then on (skb_tailroom 0). A fragment's
 * kmalloc'd head is locked (skb_head_is_locked), so it is never stolen as a
 * page frag. ip_frag_coalesce_ok: only for local delivery, which is the
 * only reassembly modelled (no conntrack defrag).
 */
static uint32_t ipq_reasm_truesize(const struct ipq *q)
{
	const struct sk_buff *head = ipq_next(q, 0, true), *fp;
	uint64_t ts = head->truesize;
	uint32_t room = head->tailroom;

	for (fp = ipq_next(q, head->frag_off, false); fp; fp = ipq_next(q, fp->frag_off, false)) {
		uint32_t data = fp->len - 34;

		if (room && data <= room) {
			room -= data;
			continue;
		}
		room = 0;
		ts += fp->truesize;
	}
	return (uint32_t)ts;
}

struct sk_buff *ip_defrag(struct cpu *c, struct sk_buff *skb, uint64_t *cycles)
{
	struct host *h = skb->dev->host;
	struct ipfrag_table *t = h->frags;
	uint32_t data = skb->len - 34; /* IP payload bytes in this fragment */
	struct sk_buff *head;
	struct ipq *q;

	h->ip.ReasmReqds++;
	q = ip_find(t, skb);
	if (!q) {
		h->ip.ReasmFails++;
		*cycles += h->costs.kfree_skb;
		kfree_skb_reason(h, skb, SKB_DROP_REASON_NOT_SPECIFIED);
		return NULL;
	}
	if (!q->head) {
		q->cpu = c;
		sim_event_schedule(&h->w->q, &q->timer,
				   h->w->q.now + (sim_time_t)h->sysctl.ipfrag_time * SIM_SEC);
	}
	skb->frag_next = NULL;
	if (q->tail)
		q->tail->frag_next = skb;
	else
		q->head = skb;
	q->tail = skb;
	q->meat += data;
	q->truesize += skb->truesize;
	t->mem += skb->truesize;
	if (!skb->frag_off)
		q->first_in = 1;
	if (!(skb->flags & SKB_F_MF))
		q->len = skb->frag_off + data;
	if (!q->len || q->meat < q->len)
		return NULL;
	/*
	 * ip_frag_reasm: the fragment that completed the datagram becomes its
	 * head (skb_morph), so the caller goes on with the skb it passed in
	 */
	head = ipq_front(q, skb);
	head->truesize = ipq_reasm_truesize(q);
	head->len = 34 + q->len;
	head->flags &= (uint8_t) ~(SKB_F_FRAG | SKB_F_MF);
	head->frag_off = 0;
	ipq_kill(t, q);
	h->ip.ReasmOKs++;
	return head;
}
