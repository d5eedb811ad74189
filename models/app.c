/*
 * models/app.c - receiving application threads (recvmsg / recvmmsg loops).
 *
 * See models/app.h for the model and its references.
 */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "models/app.h"
#include "models/dist_cfg.h"
#include "sim/error.h"

/* Payload bytes of a datagram (a GRO skb's len covers all its segments). */
static uint32_t skb_payload(const struct sk_buff *skb)
{
	return skb->len > UDP_FRAME_HDRS ? skb->len - UDP_FRAME_HDRS : 0;
}

/* End of recvmsg: udp_recvmsg's counters, then the data is in user space. */
static void app_recv_done(struct cpu_job *j)
{
	struct thread *t = container_of(j, struct thread, job);
	struct app *a = t->priv;
	struct host *h = a->host;

	for (uint32_t i = 0; i < a->ninflight; i++) {
		struct sk_buff *skb = a->inflight[i];

		if (a->sk->kind == SOCK_PACKET) {
			a->msgs++;
			kfree_skb_clone(h->w, skb);
			continue;
		}
		if (skb->flags & SKB_F_BAD_CSUM) {
			/* checksum completed at copy time: dropped inside recvmsg */
			h->udp.InCsumErrors++;
			h->udp.InErrors++;
			a->sk->sk_drops += skb->gso_segs; /* __sk_queue_drop_skb */
			kfree_skb_reason(h, skb, SKB_DROP_REASON_UDP_CSUM);
			continue;
		}
		h->udp.InDatagrams++;
		a->msgs += skb->gso_segs;
		consume_skb(h, skb);
	}
	a->pending_work = a->ninflight;
	a->ninflight = 0;
	a->calls++;
}

static void app_work_done(struct cpu_job *j)
{
	(void)j;
}

static sim_time_t app_user_work(struct app *a)
{
	double ps = 0;

	for (uint32_t i = 0; i < a->pending_work; i++)
		ps += sim_dist_sample(&a->work, &a->rng);
	a->pending_work = 0;
	return (sim_time_t)(ps + 0.5);
}

/* The thread's loop: user work, then recvmsg/recvmmsg, sleeping when empty. */
static void app_run(struct thread *t)
{
	struct app *a = t->priv;
	struct host *h = a->host;
	const struct costs *k = &h->w->costs;
	uint32_t max = a->syscall == APP_RECVMMSG ? a->batch : 1;
	uint64_t bytes = 0;
	sim_time_t now = h->w->q.now, work;

	if (a->pending_work && a->has_work) {
		work = app_user_work(a);
		if (work > 0) {
			thread_start_job(t, work, ACCT_USR, true, app_work_done);
			return;
		}
	}
	a->pending_work = 0;
	if (!sock_readable(a->sk)) {
		sock_add_waiter(a->sk, t);
		a->sleeps++;
		thread_block(t);
		return;
	}
	while (a->ninflight < max) {
		struct sk_buff *skb = sock_dequeue(a->sk);

		if (!skb)
			break;
		if (!(skb->flags & SKB_F_CLONE)) {
			skb->stage = STAGE_APP;
			skb_lat_next(h->w, skb, LAT_APP, now);
		}
		bytes += skb_payload(skb);
		a->inflight[a->ninflight++] = skb;
	}
	a->bytes += bytes;
	thread_start_job(
		t,
		cycles_to_ps(h, k->syscall + a->ninflight * k->recv_per_msg) +
			(sim_time_t)((double)bytes * k->copy_per_byte * 1e12 / h->clock_hz),
		ACCT_SYS, false, app_recv_done);
}

void app_start(struct app *a)
{
	thread_wake(&a->thread);
}

static int app_unknown_socket(const struct host *h, const struct cfg_node *v, const char *name,
			      struct sim_error *err)
{
	const char *names[64];
	uint32_t n = 0;
	const char *near;

	for (uint32_t i = 0; i < h->nsocks && n < 64; i++)
		names[n++] = h->socks[i]->name;
	near = sim_nearest(name, names, n);
	if (near)
		return cfg_error(v, err, "unknown socket '%s' on host '%s' (did you mean '%s'?)",
				 name, h->name, near);
	return cfg_error(v, err, "unknown socket '%s' on host '%s'", name, h->name);
}

int app_create(struct host *h, const struct cfg_node *n, struct app **out, struct sim_error *err)
{
	static const char *const calls[] = { "recvmsg", "recvmmsg", NULL };
	struct app *a = calloc(1, sizeof(*a));
	const char *name = NULL, *sock = NULL;
	uint64_t cpu, batch;
	int call;
	char what[64], stream[96];

	if (!a)
		return sim_error_set(err, "out of memory");
	*out = a;
	a->host = h;
	if (cfg_require(n, "name", "app", err) || cfg_get_str(n, "name", &name, NULL, err) ||
	    cfg_require(n, "socket", "app", err) || cfg_get_str(n, "socket", &sock, NULL, err) ||
	    cfg_get_u64(n, "cpu", &cpu, 0, 0, h->ncpus - 1, err) ||
	    cfg_get_enum(n, "syscall", calls, &call, APP_RECVMSG, err) ||
	    cfg_get_u64(n, "batch", &batch, 64, 1, APP_MAX_BATCH, err) ||
	    cfg_get_dist_time(n, "work", &a->work, 0, err))
		return -1;
	snprintf(a->name, sizeof(a->name), "%s", name);
	a->syscall = (enum app_syscall)call;
	a->batch = (uint32_t)batch;
	a->has_work = !(a->work.kind == SIM_DIST_CONSTANT && a->work.a == 0);
	for (uint32_t i = 0; i < h->nsocks; i++)
		if (!strcmp(h->socks[i]->name, sock))
			a->sk = h->socks[i];
	if (!a->sk)
		return app_unknown_socket(h, cfg_get(n, "socket"), sock, err);
	if (++a->sk->nreaders > SOCK_MAX_WAITERS)
		return cfg_error(cfg_get(n, "socket"), err,
				 "too many apps read socket '%s' (at most %d)", sock,
				 SOCK_MAX_WAITERS);
	if (++h->cpus[cpu].nthreads > CPU_MAX_THREADS - 1)
		return cfg_error(cfg_get(n, "cpu"), err,
				 "too many apps on cpu %llu of host '%s' (at most %d)",
				 (unsigned long long)cpu, h->name, CPU_MAX_THREADS - 1);
	snprintf(stream, sizeof(stream), "app/%s/%s", h->name, a->name);
	sim_rng_init(&a->rng, h->w->seed, stream);
	thread_init(&a->thread, &h->cpus[cpu], a->name, app_run, a);
	snprintf(what, sizeof(what), "app '%s'", a->name);
	return cfg_check_unknown(n, what, err);
}

void app_free(struct app *a)
{
	free(a);
}
