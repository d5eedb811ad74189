/*
 * models/ipv4/sock.c - the generic socket (the AF_PACKET taps: models/core/af_packet.c).
 *
 * See models/ipv4/sock.h for the kernel references and what is simplified.
 */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "models/core/observe.h"
#include "models/core/netdevice.h"
#include "models/ipv4/sock.h"
#include "sim/error.h"

#define SMP_CACHE_BYTES 64 /* L1_CACHE_BYTES of x86 */

/* Every datagram's lookup, admission and lock take lines 0 and 1, an enqueue line 2. */
_Static_assert(offsetof(struct sock, rq_lock) == SMP_CACHE_BYTES &&
		       offsetof(struct sock, filter) == 2 * SMP_CACHE_BYTES &&
		       offsetof(struct sock, qlen) == 3 * SMP_CACHE_BYTES,
	       "struct sock: the per-datagram fields fill lines 0 to 2");

/* __sock_set_rcvbuf / __sock_set_sndbuf: clamp to the sysctl, double, floor. */
static uint32_t sock_buf_for(uint64_t val, uint64_t max, uint32_t min)
{
	uint64_t v = val < max ? val : max;

	if (v > INT32_MAX / 2)
		v = INT32_MAX / 2;
	v *= 2;
	return v < min ? min : (uint32_t)v;
}

uint32_t sock_rcvbuf_for(uint64_t val, uint64_t rmem_max)
{
	return sock_buf_for(val, rmem_max, SOCK_MIN_RCVBUF);
}

/*
 * sk_data_ready = sock_def_readable: readers sleep in
 * __skb_wait_for_more_packets with prepare_to_wait_exclusive, so a wake-up
 * reaches one of them, the longest waiting.
 */
void sk_data_ready(struct sock *sk)
{
	struct thread *t;

	if (!sk->nwaiters)
		return;
	t = sk->waiters[0];
	memmove(&sk->waiters[0], &sk->waiters[1], (sk->nwaiters - 1) * sizeof(sk->waiters[0]));
	sk->nwaiters--;
	thread_wake(t);
}

int sock_error(struct sock *sk)
{
	int err = sk->sk_err;

	if (!err)
		return 0;
	sk->sk_err = 0;
	sk->err_reported++;
	return -err;
}

void sock_queue_tail(struct sock *sk, struct sk_buff *skb)
{
	struct world *w = sk->host->w;
	sim_time_t now = w->q.now;

	sk->sk_rmem_alloc += skb->truesize;
	__skb_queue_tail(&sk->sk_receive_queue, skb);
	sim_level_add(&sk->qlen, now, 1);
	sock_rmem_note(sk);
	if (w->measuring)
		sk->q_in++;
	skb->t_mark = now;
}

bool sock_readable(const struct sock *sk)
{
	return sk->qlen.cur != 0; /* on sk_receive_queue or a kind's own queue */
}

/*
 * sock_wfree + sock_def_write_space: writers are woken once the buffer is
 * writeable again, sock_writeable(): sk_wmem_alloc < sk_sndbuf / 2.
 */
void sock_wfree(struct sock *sk, uint32_t truesize)
{
	if (!sk)
		return;
	SIM_BUG_ON(sk->sk_wmem_alloc < truesize);
	sk->sk_wmem_alloc -= truesize;
	if (!sk->nwriters || sk->sk_wmem_alloc >= sk->sk_sndbuf / 2)
		return;
	for (uint32_t i = 0; i < sk->nwriters; i++)
		thread_wake(sk->writers[i]);
	sk->nwriters = 0;
}

void sock_init(void)
{
	skb_wmem_destructor = sock_wfree;
}

void skb_orphan(struct sk_buff *skb)
{
	if (skb->flags & SKB_F_WMEM)
		sock_wfree(skb->sk, skb->truesize);
	skb->sk = NULL;
	skb->flags &= (uint8_t)~SKB_F_WMEM;
}

void sock_add_writer(struct sock *sk, struct thread *t)
{
	for (uint32_t i = 0; i < sk->nwriters; i++)
		if (sk->writers[i] == t)
			return;
	SIM_BUG_ON(sk->nwriters >= SOCK_MAX_WAITERS);
	sk->writers[sk->nwriters++] = t;
}

#define SOCK_MIN_SNDBUF 4608 /* 2 * TCP_SKB_MIN_TRUESIZE */

uint32_t sock_sndbuf_for(uint64_t val, uint64_t wmem_max)
{
	return sock_buf_for(val, wmem_max, SOCK_MIN_SNDBUF);
}

void sock_add_waiter(struct sock *sk, struct thread *t)
{
	for (uint32_t i = 0; i < sk->nwaiters; i++)
		if (sk->waiters[i] == t)
			return;
	SIM_BUG_ON(sk->nwaiters >= SOCK_MAX_WAITERS);
	sk->waiters[sk->nwaiters++] = t;
}

void sock_stats_reset(struct sock *sk, sim_time_t now)
{
	sim_level_reset(&sk->qlen, now);
	sk->rmem_max = sk->sk_rmem_alloc;
	sk->wait_n = 0;
	sk->wait_sum = 0;
	sk->q_in = 0;
}

void sock_dequeued(struct sock *sk, struct sk_buff *skb)
{
	struct world *w = sk->host->w;
	sim_time_t now = w->q.now;

	sim_level_add(&sk->qlen, now, -1);
	if (w->measuring && skb->t_mark >= w->warmup) {
		sk->wait_n++;
		sk->wait_sum += (double)(uint64_t)(now - skb->t_mark);
	}
	skb->sk = NULL;
}

/* ---- construction from the scenario ---- */

int sock_create(struct host *h, const struct cfg_node *n, enum sock_kind kind,
		const struct proto *prot, struct sock **out, struct sim_error *err)
{
	/* the kind's socket, on cache lines of its own: its hot fields are the first lines */
	size_t size = (prot->obj_size + SMP_CACHE_BYTES - 1) & ~(size_t)(SMP_CACHE_BYTES - 1);
	struct sock *sk = aligned_alloc(SMP_CACHE_BYTES, size);
	const char *name = NULL;
	uint64_t rcvbuf = 0;
	char what[64];

	if (!sk)
		return sim_error_set(err, "out of memory");
	memset(sk, 0, size);
	sk->kind = kind;
	sk->sk_prot = prot;
	sk->host = h;
	skb_queue_head_init(&sk->sk_receive_queue);
	sim_level_init(&sk->qlen, 0);
	*out = sk;
	if (cfg_require(n, "name", sk->sk_prot->what, err) ||
	    cfg_get_name(n, "name", &name, sizeof(sk->name) - 1, err))
		return -1;
	snprintf(sk->name, sizeof(sk->name), "%s", name);
	if (cfg_get_size(n, "rcvbuf", &rcvbuf, 0, 0, (uint64_t)INT32_MAX, err))
		return -1;
	sk->sk_rcvbuf = cfg_has(n, "rcvbuf") ? sock_rcvbuf_for(rcvbuf, h->sysctl.rmem_max)
					     : (uint32_t)h->sysctl.rmem_default;
	if (sk->sk_prot->init(h, sk, n, err))
		return -1;
	snprintf(what, sizeof(what), "%s '%s'", sk->sk_prot->what, sk->name);
	return cfg_check_unknown(n, what, err);
}

void sock_free(struct sock *sk)
{
	if (sk->sk_prot && sk->sk_prot->destroy)
		sk->sk_prot->destroy(sk);
	free(sk);
}
