/*
 * models/sched/sch_sfq.c - stochastic fairness queueing: flows hashed into
 * `divisor` buckets, each mapped to one of `flows` slots (FIFOs) served
 * round robin with a byte allotment of `quantum`.
 *
 * Kernel reference: net/sched/sch_sfq.c (sfq_hash, sfq_classify,
 * sfq_enqueue, sfq_drop, sfq_dequeue, sfq_perturbation, sfq_rehash,
 * sfq_init/sfq_change defaults: limit 127, flows 128, depth 127, divisor
 * 1024, quantum psched_mtu, perturb 0, sfq_dump); iproute2 tc/q_sfq.c
 * (sfq_print_opt).
 *
 * Enqueue: the packet's bucket (skb->priority 1:N picks bucket N - 1)
 * maps to its slot, or takes a free slot (none free: QDISC_DROP). A slot at
 * `depth` packets drops the new packet (or, with `headdrop`, its head,
 * NET_XMIT_CN). A new active slot goes to the tail of the round and gets
 * `quantum` bytes. Past `limit` packets, sfq_drop() drops the tail (head
 * with headdrop) of the longest slot, the one that reached that length
 * last; NET_XMIT_CN when that was the new packet's slot. Every drop is
 * QDISC_DROP (qdisc_drop). Dequeue: the slot
 * after the tail, when its allotment is spent, gets `quantum` more and
 * becomes the tail; an emptied slot leaves the round. Every `perturb`
 * seconds the hash key changes and the queued packets are rehashed into new
 * slots (sfq_rehash; those that find no free slot are dropped).
 *
 * Simplified: the bucket is a keyed mix of skb->hash (the flow's 4-tuple
 * hash) rather than the flow dissector's siphash; the key comes from the
 * qdisc's seeded stream. No RED/ECN options (`redflowlimit`), no filters.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "models/sched/sch_generic.h"

#define SFQ_MAX_DEPTH		 127 /* max number of packets per flow */
#define SFQ_DEFAULT_FLOWS	 128
#define SFQ_MAX_FLOWS		 65408 /* max number of slots (less than 64K) */
#define SFQ_DEFAULT_HASH_DIVISOR 1024
#define SFQ_EMPTY_SLOT		 0xffff
#define SFQ_WHAT		 "qdisc 'sfq'"

struct sfq_slot {
	struct sk_buff_head q; /* the flow's packets */
	uint16_t next;	       /* next slot in the round */
	uint16_t hash;	       /* bucket that maps here */
	int32_t allot;	       /* bytes it may still send this round */
	uint32_t backlog;      /* bytes queued */
	uint64_t dep_seq;      /* when its length last changed (sfq_link order) */
};

struct sfq_sched_data {
	uint32_t limit;			/* packets in all */
	uint32_t maxdepth;		/* packets per slot */
	uint32_t maxflows;		/* slots */
	uint32_t divisor;		/* buckets */
	uint32_t quantum;		/* bytes per round */
	uint32_t perturb_period;	/* s, 0: never */
	bool headdrop;			/* drop the head of a full slot instead of the new packet */
	uint32_t perturbation;		/* hash key */
	uint16_t *ht;			/* bucket -> slot, divisor entries */
	struct sfq_slot *slots;		/* maxflows entries */
	uint16_t *free;			/* stack of free slots */
	uint32_t nfree;			/* entries in free[] */
	struct sfq_slot *tail;		/* the round's last slot, NULL when none is active */
	uint64_t seq;			/* dep_seq counter */
	struct sim_event perturb_timer; /* sfq_perturbation */
	struct Qdisc *sch;		/* owner, for the timer */
};

/* A 32-bit mix of the flow hash under the key (stands for skb_get_hash_perturb). */
static uint32_t sfq_hash(const struct sfq_sched_data *q, const struct sk_buff *skb)
{
	uint32_t h = skb->hash ^ q->perturbation;

	h ^= h >> 16;
	h *= 0x7feb352du;
	h ^= h >> 15;
	h *= 0x846ca68bu;
	h ^= h >> 16;
	return h & (q->divisor - 1);
}

static uint32_t sfq_classify(const struct Qdisc *sch, const struct sk_buff *skb)
{
	const struct sfq_sched_data *q = qdisc_priv(sch);

	if ((skb->priority & 0xffff0000u) == sch->handle && (skb->priority & 0xffff) > 0 &&
	    (skb->priority & 0xffff) <= q->divisor)
		return (skb->priority & 0xffff) - 1;
	return sfq_hash(q, skb);
}

static struct sk_buff *slot_dequeue_tail(struct sfq_slot *slot)
{
	struct sk_buff *skb = slot->q.tail, **pp = &slot->q.head;

	while (*pp != skb)
		pp = &(*pp)->next;
	*pp = NULL;
	slot->q.tail = slot->q.head ? container_of(pp, struct sk_buff, next) : NULL;
	slot->q.qlen--;
	return skb;
}

/* The slot's length changed: it moves to the head of its new depth list. */
static void sfq_relink(struct sfq_sched_data *q, struct sfq_slot *slot)
{
	slot->dep_seq = ++q->seq;
}

/* sfq_drop(): drop from the longest slot; its bytes, 0 when nothing was queued. */
static uint32_t sfq_drop(struct Qdisc *sch, struct sk_buff **to_free)
{
	struct sfq_sched_data *q = qdisc_priv(sch);
	struct sfq_slot *slot = NULL;
	struct sk_buff *skb;
	uint32_t len;

	for (uint32_t i = 0; i < q->maxflows; i++) {
		struct sfq_slot *s = &q->slots[i];

		if (s->q.qlen && (!slot || s->q.qlen > slot->q.qlen ||
				  (s->q.qlen == slot->q.qlen && s->dep_seq > slot->dep_seq)))
			slot = s;
	}
	if (!slot)
		return 0;
	if (slot->q.qlen == 1) { /* all the slots have length 1: the next in the round */
		uint16_t x = q->tail->next;

		slot = &q->slots[x];
		if (slot->next == x)
			q->tail = NULL;
		else
			q->tail->next = slot->next;
		q->ht[slot->hash] = SFQ_EMPTY_SLOT;
		q->free[q->nfree++] = x;
	}
	skb = q->headdrop ? __skb_dequeue(&slot->q) : slot_dequeue_tail(slot);
	len = skb->len;
	slot->backlog -= len;
	sfq_relink(q, slot);
	qdisc_qstats_sub(sch, skb);
	qdisc_drop_reason(skb, sch, to_free, SKB_DROP_REASON_QDISC_DROP);
	return len;
}

/* Make slot @x active at the tail of the round. */
static void sfq_activate(struct sfq_sched_data *q, uint16_t x)
{
	struct sfq_slot *slot = &q->slots[x];

	if (!q->tail) {
		slot->next = x;
	} else {
		slot->next = q->tail->next;
		q->tail->next = x;
	}
	q->tail = slot;
	slot->allot = (int32_t)q->quantum;
}

/* Queue @skb in bucket @hash without the limit check; false when no slot is free. */
static bool sfq_add(struct Qdisc *sch, struct sk_buff *skb, uint32_t hash)
{
	struct sfq_sched_data *q = qdisc_priv(sch);
	uint16_t x = q->ht[hash];
	struct sfq_slot *slot;

	if (x == SFQ_EMPTY_SLOT) {
		if (!q->nfree)
			return false;
		x = q->free[--q->nfree];
		q->ht[hash] = x;
		q->slots[x].hash = (uint16_t)hash;
		q->slots[x].backlog = 0;
	}
	slot = &q->slots[x];
	__skb_queue_tail(&slot->q, skb);
	slot->backlog += skb->len;
	sfq_relink(q, slot);
	qdisc_qstats_add(sch, skb);
	if (slot->q.qlen == 1)
		sfq_activate(q, x);
	return true;
}

/*
 * The perturbation timer runs from the qdisc's creation at time 0 every
 * perturb_period (sfq_init's mod_timer); it is armed at the first enqueue for
 * the next period boundary, because the event queue starts after the
 * scenario is built.
 */
static void sfq_arm_perturbation(struct Qdisc *sch, struct sfq_sched_data *q)
{
	sim_time_t p = (sim_time_t)q->perturb_period * SIM_SEC;

	if (p && !sim_event_pending(&q->perturb_timer))
		sim_event_schedule(&sch->w->q, &q->perturb_timer, (qdisc_now(sch) / p + 1) * p);
}

static int sfq_enqueue(struct sk_buff *skb, struct Qdisc *sch, struct sk_buff **to_free)
{
	struct sfq_sched_data *q = qdisc_priv(sch);
	uint32_t hash = sfq_classify(sch, skb), qlen;
	uint16_t x = q->ht[hash];
	struct sfq_slot *slot;

	sfq_arm_perturbation(sch, q);

	if (x != SFQ_EMPTY_SLOT && q->slots[x].q.qlen >= q->maxdepth) {
		struct sk_buff *head;

		slot = &q->slots[x];
		if (!q->headdrop)
			return qdisc_drop_reason(skb, sch, to_free, SKB_DROP_REASON_QDISC_DROP);
		head = __skb_dequeue(&slot->q);
		slot->backlog -= head->len;
		qdisc_qstats_sub(sch, head);
		qdisc_drop_reason(head, sch, to_free, SKB_DROP_REASON_QDISC_DROP);
		sfq_add(sch, skb, hash);
		return NET_XMIT_CN;
	}
	if (!sfq_add(sch, skb, hash))
		return qdisc_drop_reason(skb, sch, to_free, SKB_DROP_REASON_QDISC_DROP);
	if (sch->stats.qlen <= q->limit)
		return NET_XMIT_SUCCESS;
	slot = &q->slots[q->ht[hash]];
	qlen = slot->q.qlen;
	sfq_drop(sch, to_free);
	/* congestion notification only if the drop was from this flow */
	return qlen != slot->q.qlen ? NET_XMIT_CN : NET_XMIT_SUCCESS;
}

static struct sk_buff *sfq_dequeue(struct Qdisc *sch)
{
	struct sfq_sched_data *q = qdisc_priv(sch);
	struct sfq_slot *slot;
	struct sk_buff *skb;
	uint16_t a, next_a;

	if (!q->tail)
		return NULL;
	for (;;) {
		a = q->tail->next;
		slot = &q->slots[a];
		if (slot->allot > 0)
			break;
		q->tail = slot;
		slot->allot += (int32_t)q->quantum;
	}
	skb = __skb_dequeue(&slot->q);
	sfq_relink(q, slot);
	qdisc_qstats_sub(sch, skb);
	qdisc_bstats_update(sch, skb);
	slot->backlog -= skb->len;
	if (slot->q.qlen == 0) {
		q->ht[slot->hash] = SFQ_EMPTY_SLOT;
		q->free[q->nfree++] = a;
		next_a = slot->next;
		if (a == next_a)
			q->tail = NULL; /* no more active slots */
		else
			q->tail->next = next_a;
	} else {
		slot->allot -= (int32_t)skb->len;
	}
	return skb;
}

/* sfq_rehash(): the packets, round by round, into the slots of the new key. */
static void sfq_rehash(struct Qdisc *sch)
{
	struct sfq_sched_data *q = qdisc_priv(sch);
	struct sk_buff_head list;
	struct sk_buff *skb;

	skb_queue_head_init(&list);
	for (uint32_t i = 0; i < q->maxflows; i++) {
		struct sfq_slot *slot = &q->slots[i];

		if (!slot->q.qlen)
			continue;
		while ((skb = __skb_dequeue(&slot->q))) {
			qdisc_qstats_sub(sch, skb);
			__skb_queue_tail(&list, skb);
		}
		q->ht[slot->hash] = SFQ_EMPTY_SLOT;
		slot->backlog = 0;
		q->free[q->nfree++] = (uint16_t)i;
	}
	q->tail = NULL;
	while ((skb = __skb_dequeue(&list))) {
		if (!sfq_add(sch, skb, sfq_classify(sch, skb)))
			qdisc_drop_dequeued(sch, skb, SKB_DROP_REASON_QDISC_DROP);
	}
}

/* sfq_perturbation(): a new hash key every perturb_period seconds. */
static void sfq_perturbation(struct sim_event *ev)
{
	struct sfq_sched_data *q = container_of(ev, struct sfq_sched_data, perturb_timer);
	struct Qdisc *sch = q->sch;

	q->perturbation = (uint32_t)(sim_rng_u64(&sch->rng) >> 32);
	if (q->tail)
		sfq_rehash(sch);
	sim_event_schedule(&sch->w->q, &q->perturb_timer,
			   qdisc_now(sch) + (sim_time_t)q->perturb_period * SIM_SEC);
}

/* ---- configuration ---- */

static int sfq_read_opts(struct Qdisc *sch, const struct cfg_node *opts, struct sim_error *err)
{
	struct sfq_sched_data *q = qdisc_priv(sch);
	uint64_t limit, flows, depth, divisor, quantum, perturb;

	if (cfg_get_u64(opts, "limit", &limit, SFQ_MAX_DEPTH, 1, UINT32_MAX, err) ||
	    cfg_get_u64(opts, "flows", &flows, SFQ_DEFAULT_FLOWS, 1, SFQ_MAX_FLOWS, err) ||
	    cfg_get_u64(opts, "depth", &depth, SFQ_MAX_DEPTH, 1, SFQ_MAX_DEPTH, err) ||
	    cfg_get_u64(opts, "divisor", &divisor, SFQ_DEFAULT_HASH_DIVISOR, 1, 65536, err) ||
	    cfg_get_size(opts, "quantum", &quantum, qdisc_psched_mtu(sch), 1, 1 << 20, err) ||
	    cfg_get_u64(opts, "perturb", &perturb, 0, 0, 3600, err) ||
	    cfg_get_bool(opts, "headdrop", &q->headdrop, false, err))
		return -1;
	if (divisor & (divisor - 1))
		return cfg_error(cfg_get(opts, "divisor"), err,
				 "'divisor' must be a power of 2, got '%s'",
				 cfg_get(opts, "divisor")->str);
	if (cfg_check_unknown(opts, SFQ_WHAT, err))
		return -1;
	q->maxflows = (uint32_t)flows;
	q->maxdepth = (uint32_t)depth;
	q->divisor = (uint32_t)divisor;
	q->quantum = (uint32_t)quantum;
	q->perturb_period = (uint32_t)perturb;
	/* sfq_change(): the limit is at most depth * flows, the flows at most the limit */
	q->limit = limit < (uint64_t)q->maxdepth * q->maxflows ? (uint32_t)limit
							       : q->maxdepth * q->maxflows;
	if (q->maxflows > q->limit)
		q->maxflows = q->limit;
	return 0;
}

static int sfq_init(struct Qdisc *sch, const struct cfg_node *opts, struct sim_error *err)
{
	struct sfq_sched_data *q = qdisc_priv(sch);

	q->sch = sch;
	sim_event_init(&q->perturb_timer, sfq_perturbation, 0);
	if (sfq_read_opts(sch, opts, err))
		return -1;
	sch->limit = q->limit;
	q->ht = malloc(q->divisor * sizeof(q->ht[0]));
	q->slots = calloc(q->maxflows, sizeof(q->slots[0]));
	q->free = malloc(q->maxflows * sizeof(q->free[0]));
	if (!q->ht || !q->slots || !q->free)
		return sim_error_set(err, "out of memory");
	memset(q->ht, 0xff, q->divisor * sizeof(q->ht[0]));
	for (uint32_t i = 0; i < q->maxflows; i++) {
		skb_queue_head_init(&q->slots[i].q);
		q->free[q->nfree++] = (uint16_t)(q->maxflows - 1 - i);
	}
	q->perturbation = (uint32_t)(sim_rng_u64(&sch->rng) >> 32);
	return 0;
}

static void sfq_destroy(struct Qdisc *sch)
{
	struct sfq_sched_data *q = qdisc_priv(sch);

	sim_event_cancel(&sch->w->q, &q->perturb_timer);
	free(q->ht);
	free(q->slots);
	free(q->free);
}

/* sfq_print_opt(): "limit 127p quantum 1514b depth 127 divisor 1024 perturb 10sec ". */
static void sfq_dump_opts(const struct Qdisc *sch, FILE *f)
{
	const struct sfq_sched_data *q = qdisc_priv(sch);
	char b[64];

	fprintf(f, "limit %" PRIu32 "p quantum %s depth %" PRIu32 " ", q->limit,
		tc_sprint_size(b, sizeof(b), q->quantum), q->maxdepth);
	if (q->headdrop)
		fprintf(f, "headdrop ");
	fprintf(f, "divisor %" PRIu32 " ", q->divisor);
	if (q->perturb_period)
		fprintf(f, "perturb %" PRIu32 "sec ", q->perturb_period);
}

const struct Qdisc_ops sfq_ops = {
	.id = "sfq",
	.static_flags = TCQ_F_CAN_BYPASS, /* sfq_init: limit >= 1 */
	.priv_size = sizeof(struct sfq_sched_data),
	.init = sfq_init,
	.enqueue = sfq_enqueue,
	.dequeue = sfq_dequeue,
	.destroy = sfq_destroy,
	.dump_opts = sfq_dump_opts,
};
