/*
 * models/core/af_packet.c - AF_PACKET taps (packet_proto): a clone of every
 * frame their device receives or sends (packet_rcv), in their own receive
 * queue, optionally written to a pcap file.
 *
 * Kernel reference: net/packet/af_packet.c (packet_rcv: the rcvbuf check,
 * skb_clone, tp_packets/tp_drops, sk_data_ready). The socket itself and what
 * is simplified: models/ipv4/sock.h.
 */
#include <string.h>

#include "models/core/af_packet.h"
#include "models/core/netdevice.h"
#include "models/report/pcap_out.h"
#include "models/ipv4/sock.h"

uint64_t packet_rcv(struct sock *sk, const struct sk_buff *skb)
{
	struct packet_sock *po = pkt_sk(sk);
	struct world *w = sk->host->w;
	struct sk_buff *c = NULL;

	if (sk->sk_rmem_alloc < sk->sk_rcvbuf)
		c = skb_clone(w, skb);
	if (!c) { /* the buffer is full, or no skb for the clone */
		po->tp_drops++;
		sk->sk_drops++;
		return sk->host->costs.tap_deliver;
	}
	po->tp_packets++;
	c->sk = sk;
	sock_queue_tail(sk, c);
	if (po->pcap)
		pcap_out_tap(po->pcap, skb, w->q.now);
	sk_data_ready(sk);
	return sk->host->costs.tap_deliver;
}

/* packet_proto.dequeue: the next clone, its truesize uncharged. */
static struct sk_buff *packet_dequeue(struct sock *sk)
{
	struct sk_buff *skb = __skb_dequeue(&sk->sk_receive_queue);

	if (!skb)
		return NULL;
	sk->sk_rmem_alloc -= skb->truesize;
	sock_dequeued(sk, skb);
	return skb;
}

/* packet_proto.init: `dev` (the device tapped) and `pcap`. */
static int packet_init(struct host *h, struct sock *sk, const struct cfg_node *n,
		       struct sim_error *err)
{
	struct packet_sock *po = pkt_sk(sk);
	const char *dev = NULL;

	if (cfg_require(n, "dev", "tap", err) || cfg_get_str(n, "dev", &dev, NULL, err))
		return -1;
	for (uint32_t i = 0; i < h->ndevs; i++)
		if (!strcmp(h->devs[i]->name, dev))
			po->tap_dev = h->devs[i];
	if (!po->tap_dev)
		return cfg_error(cfg_get(n, "dev"), err, "unknown device '%s' on host '%s'", dev,
				 h->name);
	if (po->tap_dev->ntaps >= MAX_TAPS_PER_DEV)
		return cfg_error(cfg_get(n, "dev"), err, "too many taps on '%s' (at most %d)", dev,
				 MAX_TAPS_PER_DEV);
	po->tap_dev->taps[po->tap_dev->ntaps++] = sk;
	if (!cfg_has(n, "pcap"))
		return 0;
	return pcap_out_create(h->w, h, n, "pcap", false, &po->pcap, err) ||
	       pcap_out_parse_snaplen(po->pcap, n, err);
}

const struct proto packet_proto = {
	.name = "PACKET",
	.what = "tap",
	.obj_size = sizeof(struct packet_sock),
	.init = packet_init,
	.dequeue = packet_dequeue,
};
