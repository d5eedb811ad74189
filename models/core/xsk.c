/*
 * models/core/xsk.c - AF_XDP sockets: binding, xsk_rcv, the fill ring.
 *
 * See models/core/xsk.h for the model, its kernel references and what it
 * simplifies.
 */
#include <stdlib.h>
#include <string.h>

#include "models/core/netdevice.h"
#include "models/core/observe.h"
#include "models/core/xsk.h"
#include "models/ipv4/sock.h"
#include "models/world.h"

#define XSK_RING_DEFAULT 2048 /* XSK_RING_CONS__DEFAULT_NUM_DESCS, XSK_RING_PROD__... */
#define XSK_RING_MAX	 (1u << 20)

static int xsk_ring_size(const struct cfg_node *n, const char *key, uint32_t *out,
			 struct sim_error *err)
{
	uint64_t v;

	if (cfg_get_u64(n, key, &v, XSK_RING_DEFAULT, 1, XSK_RING_MAX, err))
		return -1;
	if (v & (v - 1)) /* xsk_init_queue: entries must be a power of two (-EINVAL) */
		return cfg_error(cfg_get(n, key), err, "'%s' must be a power of two, got %llu", key,
				 (unsigned long long)v);
	*out = (uint32_t)v;
	return 0;
}

static int xsk_bind(struct host *h, struct xdp_sock *xs, const struct cfg_node *n,
		    struct sim_error *err)
{
	const char *dev = NULL;
	uint64_t queue;

	if (cfg_require(n, "dev", "xsk", err) || cfg_get_str(n, "dev", &dev, NULL, err) ||
	    cfg_get_u64(n, "queue", &queue, 0, 0, 65535, err))
		return -1;
	for (uint32_t i = 0; i < h->ndevs; i++)
		if (!strcmp(h->devs[i]->name, dev))
			xs->dev = h->devs[i];
	if (!xs->dev)
		return cfg_error(cfg_get(n, "dev"), err, "unknown device '%s' on host '%s'", dev,
				 h->name);
	if (!xs->dev->driver->hw)
		return cfg_error(cfg_get(n, "dev"), err,
				 "an AF_XDP socket needs a NIC with native XDP, '%s' is %s", dev,
				 xs->dev->driver->name);
	if (queue >= xs->dev->nrxq) /* xsk_bind: queue_id >= real_num_rx_queues, -EINVAL */
		return cfg_error(cfg_get(n, "queue"), err, "'%s' has no RX queue %llu (it has %u)",
				 dev, (unsigned long long)queue, xs->dev->nrxq);
	if (xs->dev->rxq[queue].xsk) /* xp_assign_dev: a pool on the queue already, -EBUSY */
		return cfg_error(cfg_has(n, "queue") ? cfg_get(n, "queue") : cfg_get(n, "dev"), err,
				 "RX queue %llu of '%s' already has an AF_XDP socket",
				 (unsigned long long)queue, dev);
	xs->queue_id = (uint16_t)queue;
	xs->dev->rxq[queue].xsk = xs;
	return 0;
}

enum { XSK_FLUSH_PRIO = 25 };

/* The frame's descriptor is on the RX ring (R23), then sk_data_ready (R24) wakes a reader. */
static void xsk_queue_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct world *w = sk->host->w;

	skb->sk = sk;
	skb_lat_next(sk->host, skb, LAT_SOCKET, w->q.now);
	__skb_queue_tail(&sk->sk_receive_queue, skb);
	sim_level_add(&sk->qlen, w->q.now, 1);
	if (w->measuring)
		sk->q_in++;
	skb->t_mark = w->q.now;
	skb_set_stage(sk->host, skb, STAGE_R24);
	sk_data_ready(sk);
}

/* xsk_flush: the reserved descriptors whose driver work is done become visible. */
static void xsk_flush_fire(struct sim_event *ev)
{
	struct xdp_sock *xs = container_of(ev, struct xdp_sock, flush_ev);
	struct world *w = xs->sk.host->w;

	while (xs->pending.head && xs->pending.head->t_ready <= w->q.now)
		xsk_queue_rcv(&xs->sk, __skb_dequeue(&xs->pending));
	if (xs->pending.head)
		sim_event_schedule(&w->q, &xs->flush_ev, xs->pending.head->t_ready);
}

/* xsk_proto.init: the rings and the binding (xsk_setsockopt, xsk_bind). */
static int xsk_init(struct host *h, struct sock *sk, const struct cfg_node *n,
		    struct sim_error *err)
{
	struct xdp_sock *xs = xdp_sk(sk);

	skb_queue_head_init(&xs->pending);
	sim_event_init(&xs->flush_ev, xsk_flush_fire, XSK_FLUSH_PRIO);
	if (cfg_has(n, "rcvbuf")) /* read by sock_create for every kind */
		return cfg_error(cfg_get(n, "rcvbuf"), err,
				 "'rcvbuf' does not apply to an AF_XDP socket (its RX ring has "
				 "'rx_ring' entries)");
	if (xsk_ring_size(n, "rx_ring", &xs->rx_ring_size, err) ||
	    xsk_ring_size(n, "fill_ring", &xs->fill_ring_size, err) || xsk_bind(h, xs, n, err))
		return -1;
	xs->fill = xs->fill_ring_size; /* xdpsock: the whole fill ring populated before bind */
	return 0;
}

/* xsk_proto.dequeue: the reader takes the RX ring's next descriptor (no memory charged). */
static struct sk_buff *xsk_dequeue(struct sock *sk)
{
	struct sk_buff *skb = __skb_dequeue(&sk->sk_receive_queue);

	if (skb)
		sock_dequeued(sk, skb);
	return skb;
}

const struct proto xsk_proto = {
	.name = "XDP",
	.what = "xsk",
	.obj_size = sizeof(struct xdp_sock),
	.init = xsk_init,
	.dequeue = xsk_dequeue,
};

bool xsk_rcv(struct xdp_sock *xs, struct sk_buff *skb, uint64_t *cycles, sim_time_t t_flush_ps)
{
	struct sock *sk = &xs->sk;
	struct host *h = sk->host;

	/* __xsk_rcv: xsk_buff_alloc from the fill ring */
	skb_set_stage(h, skb, STAGE_R22);
	if (!xs->fill) {
		xs->rx_fill_ring_empty_descs++;
		xs->rx_dropped++;
		sk->sk_drops++;
		kfree_skb_reason(h, skb, SKB_DROP_REASON_XDP);
		return false;
	}
	/* __xsk_rcv_zc: xskq_prod_reserve_desc on the RX ring */
	skb_set_stage(h, skb, STAGE_R23);
	if (sk->sk_receive_queue.qlen + xs->pending.qlen >= xs->rx_ring_size) {
		xs->rx_ring_full++;
		sk->sk_drops++;
		kfree_skb_reason(h, skb, SKB_DROP_REASON_XDP);
		return false;
	}
	*cycles += (uint64_t)((double)skb->len * h->costs.copy_per_byte + 0.5);
	xs->fill--;
	xs->rx_packets++;
	skb->touch_cpu = h->w->this_cpu; /* the copy wrote the UMEM frame on the polling CPU */
	skb->t_ready = h->w->q.now + t_flush_ps;
	if (xs->pending.tail && xs->pending.tail->t_ready > skb->t_ready)
		skb->t_ready = xs->pending.tail->t_ready; /* flushed in order */
	__skb_queue_tail(&xs->pending, skb);
	if (!sim_event_pending(&xs->flush_ev))
		sim_event_schedule(&h->w->q, &xs->flush_ev, xs->pending.head->t_ready);
	return true;
}

void xsk_fill_return(struct xdp_sock *xs, uint32_t n)
{
	xs->fill += n;
	SIM_BUG_ON(xs->fill > xs->fill_ring_size);
}
