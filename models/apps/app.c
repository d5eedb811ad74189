/*
 * models/apps/app.c - receiving application threads (recvmsg / recvmmsg loops).
 *
 * See models/apps/app.h for the model and its references.
 */
#include <stdlib.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "models/core/observe.h"
#include "models/apps/app.h"
#include "models/core/xsk.h"
#include "models/core/dev.h"
#include "models/lib/dist_cfg.h"
#include "models/lib/inet_addr.h"
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
		if (a->sk->kind == SOCK_XDP) {
			a->msgs++;
			if (h->w->measuring && skb->t_born >= h->w->warmup)
				sim_hist_record(&a->e2e, (uint64_t)(h->w->q.now - skb->t_born));
			consume_skb(h, skb);
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
		if (a->echo && a->nechos < APP_MAX_BATCH) {
			struct app_echo *e = &a->echoq[a->nechos++];

			e->addr = skb->saddr;
			e->port = skb->sport;
			e->len = skb_payload(skb);
			e->t_app = skb->t_app ? skb->t_app : skb->t_born;
		}
		for (struct sk_buff *s = skb; s; s = s->frag_next)
			if (h->w->measuring && s->t_born >= h->w->warmup)
				sim_hist_record(&a->e2e, (uint64_t)(h->w->q.now - s->t_born));
		consume_skb(h, skb);
	}
	if (a->sk->kind == SOCK_XDP)
		xsk_fill_return(xdp_sk(a->sk), a->ninflight);
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

/*
 * A read call takes up to @max datagrams (at least one is queued): for each,
 * the locks of the dequeue, and the lines the softirq wrote when that was
 * another CPU (udp_recvmsg reads them on the reader's); then the copy of
 * their *bytes payload on the machine's memory bandwidth. Returns the call's
 * CPU time.
 */
static sim_time_t app_recv_take(struct app *a, uint32_t max, uint64_t *bytes)
{
	struct host *h = a->host;
	const struct costs *k = &h->costs;
	const struct cpu *c = a->thread.cpu;
	sim_time_t now = h->w->q.now;
	uint64_t cycles = a->syscall == APP_XSK ? k->xsk_batch : k->syscall, extra = 0;

	*bytes = 0;
	while (a->ninflight < max && sock_readable(a->sk)) {
		struct sk_buff *skb;

		extra += sock_recv_lock_cost(c, a->sk, now + cycles_to_ps(h, cycles + extra));
		skb = sock_dequeue(a->sk);
		if (!(skb->flags & SKB_F_CLONE)) {
			skb_set_stage(h, skb, STAGE_APP);
			skb_lat_next(h, skb, LAT_APP, now);
		}
		*bytes += skb_payload(skb);
		if (a->syscall ==
		    APP_XSK) /* the frame's line in the UMEM, copied in by the softirq */
			extra += skb->touch_cpu && skb->touch_cpu != c ? k->cacheline_remote : 0;
		else
			extra += skb_touch(c, skb);
		if (a->syscall != APP_XSK) /* an XSK's frames are read in the UMEM */
			cycles += k->recv_per_msg;
		SIM_BUG_ON(a->ninflight >= a->inflight_cap);
		a->inflight[a->ninflight++] = skb;
	}
	if (a->syscall == APP_XSK)
		return cycles_to_ps(h, cycles) + cycles_to_ps(c->host, extra);
	return cycles_to_ps(h, cycles) + cycles_to_ps(c->host, extra) +
	       (sim_time_t)(membw_copy_cycles(h, now, *bytes, h->costs.copy_per_byte) * 1e12 /
			    h->clock_hz);
}

/* The thread's loop: user work, then recvmsg/recvmmsg, sleeping when empty. */
static void app_echo_send(struct app *a);
static bool app_call_continue(struct app *a);
static void app_count_error(struct app *a, int rc);

/*
 * __skb_recv_udp starts with sock_error: a pending ICMP error (sk_err) is
 * what a recv call returns, before any queued datagram. True when it did.
 */
static bool app_recv_error(struct app *a)
{
	struct host *h = a->host;

	if (!a->sk->sk_err)
		return false;
	app_count_error(a, sock_error(a->sk));
	a->calls++;
	thread_start_job(&a->thread, cycles_to_ps(h, h->costs.syscall), ACCT_SYS, false,
			 app_work_done);
	return true;
}

/* ---- busy polling (net/core/datagram.c __skb_recv_udp's sk_busy_loop) ---- */

static bool app_busy_next(struct app *a);

static void app_busy_done(struct cpu_job *j)
{
	struct app *a = container_of(j, struct thread, job)->priv;

	napi_busy_loop_commit(&a->busy, a->thread.cpu);
	app_busy_next(a);
}

/* The loop's next unit as a kernel-mode job of the reader; false when it ended. */
static bool app_busy_next(struct app *a)
{
	sim_time_t ps;

	if (napi_busy_loop_step(&a->busy, a->thread.cpu, sock_readable(a->sk), &ps)) {
		thread_start_job(&a->thread, ps, ACCT_SYS, false, app_busy_done);
		return true;
	}
	a->sk->busy_poll_rx_packets += a->busy.rx_packets;
	a->busy.rx_packets = 0;
	return false;
}

/*
 * The receive queue is empty: sk_can_busy_loop (SO_BUSY_POLL or busy_read
 * set, and the socket has a NAPI id) busy polls once per call before the
 * reader sleeps; after need_resched ended it, the loop resumes while its
 * time lasts (napi_busy_loop's cond_resched and restart). True when a job
 * of the loop started.
 */
static bool app_busy_poll(struct app *a)
{
	struct sock *sk = a->sk;
	sim_time_t now = a->host->w->q.now;
	bool resume;

	if (a->busy.active)
		return app_busy_next(a);
	resume = a->busy_tried && a->busy.resched && now < a->busy.end;
	if (!resume && (a->busy_tried || !sk->sk_ll_usec || !sk->sk_napi))
		return false;
	napi_busy_loop_start(&a->busy, sk->sk_napi,
			     resume ? a->busy.end : now + (sim_time_t)sk->sk_ll_usec * SIM_US,
			     sk->sk_busy_poll_budget ? sk->sk_busy_poll_budget : BUSY_POLL_BUDGET,
			     sk->sk_prefer_busy_poll, sk->nonblock);
	a->busy_tried = true;
	return app_busy_next(a);
}

static void app_run(struct thread *t)
{
	struct app *a = t->priv;
	uint32_t max = a->syscall == APP_RECVMMSG || a->syscall == APP_XSK ? a->batch : 1;
	uint64_t bytes = 0;
	sim_time_t work;

	if (app_call_continue(a))
		return;
	if (a->charge_ps) {
		thread_start_job(t, a->charge_ps, ACCT_SYS, false, app_work_done);
		a->charge_ps = 0;
		return;
	}
	if (a->pending_work && a->has_work) {
		work = app_user_work(a);
		if (work > 0) {
			thread_start_job(t, work, ACCT_USR, true, app_work_done);
			return;
		}
	}
	a->pending_work = 0;
	if (a->nechos) {
		app_echo_send(a);
		return;
	}
	if (app_recv_error(a))
		return;
	if (!sock_readable(a->sk)) {
		if (app_busy_poll(a))
			return;
		sock_add_waiter(a->sk, t);
		a->sleeps++;
		thread_block(t);
		return;
	}
	a->busy_tried = false;
	if (a->sk->connected) /* inet_recvmsg: sock_rps_record_flow, for RFS */
		sock_rps_record_flow(t->cpu, a->sk->sk_rxhash);
	thread_start_job(t, app_recv_take(a, max, &bytes), ACCT_SYS, false, app_recv_done);
	a->bytes += bytes;
}

/* ---- senders ---- */

const char *const app_err_name[APP_ERR_NR] = {
	[APP_EAGAIN] = "EAGAIN",     [APP_ENOBUFS] = "ENOBUFS", [APP_ENETUNREACH] = "ENETUNREACH",
	[APP_EMSGSIZE] = "EMSGSIZE", [APP_EPERM] = "EPERM",	[APP_EHOSTUNREACH] = "EHOSTUNREACH",
	[APP_EACCES] = "EACCES",     [APP_EINVAL] = "EINVAL",	[APP_ECONNREFUSED] = "ECONNREFUSED",
	[APP_EOTHER] = "other",
};

/* The errno each counter counts (APP_EOTHER: any other). */
static const int app_err_errno[APP_ERR_NR] = {
	[APP_EAGAIN] = EAGAIN,	   [APP_ENOBUFS] = ENOBUFS, [APP_ENETUNREACH] = ENETUNREACH,
	[APP_EMSGSIZE] = EMSGSIZE, [APP_EPERM] = EPERM,	    [APP_EHOSTUNREACH] = EHOSTUNREACH,
	[APP_EACCES] = EACCES,	   [APP_EINVAL] = EINVAL,   [APP_ECONNREFUSED] = ECONNREFUSED,
	[APP_EOTHER] = 0,
};

static void app_count_error(struct app *a, int rc)
{
	int k = 0;

	while (k < APP_EOTHER && app_err_errno[k] != -rc)
		k++;
	a->errors[k]++;
}

/* The next datagram's due time after one was sent. */
static void app_advance(struct app *a)
{
	double gap;

	if (!a->pps)
		return;
	/* a burst's datagrams are due together; the next burst keeps the mean rate */
	if (++a->in_burst < a->burst)
		return;
	a->in_burst = 0;
	gap = 1e12 * a->burst / a->pps;
	if (a->poisson)
		gap *= -log(sim_rng_double_open0(&a->rng));
	a->next_send += (sim_time_t)(gap + 0.5);
}

/* The call has handed off all its datagrams (sendto / sendmmsg returns). */
static void app_call_finish(struct app *a)
{
	if (a->await_reply)
		a->reply_deadline = a->host->w->q.now + a->reply_timeout;
	a->pending_work = a->ntx;
	a->ntx = 0;
	a->txi = 0;
	a->calls++;
}

/*
 * One datagram of a call reached the end of its way down: hand it off
 * (neighbour, qdisc, driver), then re-enable bottom halves as
 * rcu_read_unlock_bh does after dev_queue_xmit, so the softirq it raised
 * (loopback, veth) runs before the next datagram is built.
 */
static void app_send_one_done(struct cpu_job *j)
{
	struct thread *t = container_of(j, struct thread, job);
	struct app *a = t->priv;
	uint64_t cycles = 0;
	int err = udp_send_commit(t->cpu, a->sk, &a->tx[a->txi++], &cycles);

	if (err)
		app_count_error(a, err);
	else if (a->await_reply)
		a->outstanding++;
	a->charge_ps += cycles_to_ps(a->host, cycles);
	if (a->txi == a->ntx)
		app_call_finish(a);
	local_bh_enable(t->cpu);
}

static void app_call_empty_done(struct cpu_job *j)
{
	app_call_finish(container_of(j, struct thread, job)->priv);
}

/* Start a prepared call: its entry cost (and failed attempts) with the first datagram. */
static void app_call_start(struct app *a, uint64_t lead)
{
	struct host *h = a->host;

	a->txi = 0;
	if (!a->ntx) {
		thread_start_job(&a->thread, cycles_to_ps(h, lead), ACCT_SYS, false,
				 app_call_empty_done);
		return;
	}
	thread_start_job(&a->thread, cycles_to_ps(h, lead + a->tx_cycles[0]), ACCT_SYS, false,
			 app_send_one_done);
}

/* Mid-call: the next datagram's way down (after the previous hand-off's cost). */
static bool app_call_continue(struct app *a)
{
	sim_time_t ps;

	if (a->txi >= a->ntx || !a->txi)
		return false;
	ps = cycles_to_ps(a->host, a->tx_cycles[a->txi]) + a->charge_ps;
	a->charge_ps = 0;
	thread_start_job(&a->thread, ps, ACCT_SYS, false, app_send_one_done);
	return true;
}

/* An echo server sends back what it read (recvmsg, then sendto per datagram). */
static void app_echo_send(struct app *a)
{
	struct thread *t = &a->thread;
	uint64_t lead = a->host->costs.syscall;
	uint32_t done = 0;

	while (done < a->nechos) {
		struct app_echo *e = &a->echoq[done];
		uint64_t c = 0;
		int rc = udp_sendmsg(a->sk, e->addr, e->port, e->len, &a->tx[a->ntx], &c);

		if (rc == UDP_SEND_BLOCK && !a->ntx) {
			sock_add_writer(a->sk, t);
			a->blocks++;
			thread_block(t);
			return;
		}
		if (rc == UDP_SEND_BLOCK)
			break;
		done++;
		if (rc) {
			lead += c;
			app_count_error(a, rc);
			continue;
		}
		a->tx_cycles[a->ntx] = c;
		a->tx[a->ntx].skb->touch_cpu = t->cpu;
		a->tx[a->ntx++].skb->t_app = e->t_app;
		a->sent++;
	}
	memmove(&a->echoq[0], &a->echoq[done], (a->nechos - done) * sizeof(a->echoq[0]));
	a->nechos -= done;
	app_call_start(a, lead);
}

/* A client's replies have been read: their round-trip times. */
static void app_reply_done(struct cpu_job *j)
{
	struct thread *t = container_of(j, struct thread, job);
	struct app *a = t->priv;
	struct host *h = a->host;

	for (uint32_t i = 0; i < a->ninflight; i++) {
		struct sk_buff *skb = a->inflight[i];

		h->udp.InDatagrams++;
		if (h->w->measuring && skb->t_app >= h->w->warmup)
			sim_hist_record(&a->rtt, (uint64_t)(h->w->q.now - skb->t_app));
		if (a->outstanding)
			a->outstanding--;
		consume_skb(h, skb);
	}
	a->ninflight = 0;
	a->calls++;
}

/* A client waits for its replies (or gives up at the deadline). False when it blocked. */
static bool app_await(struct app *a)
{
	struct thread *t = &a->thread;
	struct host *h = a->host;
	uint64_t bytes;

	if (!a->outstanding)
		return true;
	if (a->sk->sk_err) { /* the replies will not come: the request failed */
		a->outstanding = 0;
		app_recv_error(a);
		return false;
	}
	if (!sock_readable(a->sk)) {
		if (h->w->q.now >= a->reply_deadline) {
			a->timeouts += a->outstanding;
			a->outstanding = 0;
			return true;
		}
		sock_add_waiter(a->sk, t);
		sim_event_schedule(&h->w->q, &a->timer, a->reply_deadline);
		thread_block(t);
		return false;
	}
	if (a->sk->connected) /* inet_recvmsg: sock_rps_record_flow, for RFS */
		sock_rps_record_flow(t->cpu, a->sk->sk_rxhash);
	thread_start_job(t, app_recv_take(a, APP_MAX_BATCH, &bytes), ACCT_SYS, false,
			 app_reply_done);
	return false;
}

static void app_timer_fire(struct sim_event *ev)
{
	thread_wake(&container_of(ev, struct app, timer)->thread);
}

/* Prepare up to one call's datagrams; false when the thread blocked instead. */
static bool app_send_prepare(struct app *a, uint64_t *cycles)
{
	struct thread *t = &a->thread;
	uint32_t max = a->syscall == APP_SENDMMSG ? a->batch : 1;
	sim_time_t now = a->host->w->q.now;

	while (a->ntx < max && (!a->count || a->msgs < a->count) &&
	       (!a->pps || a->next_send <= now)) {
		uint32_t payload = (uint32_t)(sim_dist_sample(&a->size, &a->rng) + 0.5);
		uint64_t c = 0;
		int rc = udp_sendmsg(a->sk, a->daddr, a->dport, payload, &a->tx[a->ntx], &c);

		if (rc == UDP_SEND_BLOCK && !a->ntx) {
			sock_add_writer(a->sk, t);
			a->blocks++;
			thread_block(t);
			return false;
		}
		if (rc == UDP_SEND_BLOCK)
			break;
		a->msgs++;
		app_advance(a);
		if (rc) {
			*cycles += c;
			app_count_error(a, rc);
			break;
		}
		a->sent++;
		a->bytes += payload;
		a->tx[a->ntx].skb->touch_cpu = t->cpu; /* ip_make_skb writes it here */
		a->tx_cycles[a->ntx++] = c;
	}
	return true;
}

/* The sender's loop: pace, send a call's worth, pay for the hand-off, do user work. */
static void app_send_run(struct thread *t)
{
	struct app *a = t->priv;
	struct host *h = a->host;
	sim_time_t now = h->w->q.now;
	uint64_t cycles = h->costs.syscall;

	if (app_call_continue(a))
		return;
	if (a->charge_ps) {
		thread_start_job(t, a->charge_ps, ACCT_SYS, false, app_work_done);
		a->charge_ps = 0;
		return;
	}
	if (a->pending_work && a->has_work) {
		sim_time_t work = app_user_work(a);

		if (work > 0) {
			thread_start_job(t, work, ACCT_USR, true, app_work_done);
			return;
		}
	}
	a->pending_work = 0;
	if (a->await_reply && !app_await(a))
		return;
	if (a->count && a->msgs >= a->count) {
		thread_block(t); /* done: sleeps for good */
		return;
	}
	if (a->pps && a->next_send > now) {
		if (a->nanosleep &&
		    !a->sleep_armed) { /* hrtimer_nanosleep: the syscall, the timer */
			a->sleep_armed = true;
			thread_start_job(t,
					 cycles_to_ps(h, h->costs.syscall + h->costs.timer_sleep),
					 ACCT_SYS, false, app_work_done);
			return;
		}
		if (a->spin) { /* busy-waits in user space until the datagram is due */
			thread_start_job(t, a->next_send - now, ACCT_USR, true, app_work_done);
			return;
		}
		a->sleep_armed = false;
		sim_event_schedule(&h->w->q, &a->timer, a->next_send);
		thread_block(t);
		return;
	}
	if (!app_send_prepare(a, &cycles))
		return;
	app_call_start(a, cycles);
}

static int app_parse_send(struct app *a, const struct cfg_node *n, struct sim_error *err)
{
	static const char *const calls[] = { "sendto", "sendmmsg", "sendmsg", NULL };
	static const char *const pats[] = { "constant", "poisson", "burst", NULL };
	static const char *const waits[] = { "timer", "nanosleep", "spin", NULL };
	const struct cfg_node *s;
	const char *to = NULL;
	uint64_t burst;
	int call, pat, wait;
	bool connect;

	if (cfg_get_map(n, "send", &s, err) || cfg_require(s, "to", "send", err) ||
	    cfg_get_str(s, "to", &to, NULL, err) ||
	    cfg_get_dist_size(s, "size", &a->size, 1000, 0, 65507, err) ||
	    cfg_get_pktrate(s, "rate", &a->pps, 0, 1, 1e10, err) ||
	    cfg_get_enum(s, "pattern", pats, &pat, 0, err) ||
	    cfg_get_enum(s, "sleep", waits, &wait, 0, err) ||
	    cfg_get_u64(s, "burst", &burst, 32, 1, APP_MAX_BATCH, err) ||
	    cfg_get_enum(s, "syscall", calls, &call, 0, err) ||
	    cfg_get_u64(s, "count", &a->count, 0, 0, UINT64_MAX, err) ||
	    cfg_get_bool(s, "await_reply", &a->await_reply, false, err) ||
	    cfg_get_bool(s, "connect", &connect, false, err) ||
	    cfg_get_time(s, "timeout", &a->reply_timeout, SIM_SEC, SIM_US, 3600 * SIM_SEC, err))
		return -1;
	if (inet_parse_addr_port(to, &a->daddr, &a->dport) || !a->dport)
		return cfg_error(cfg_get(s, "to"), err,
				 "'to' must be ADDRESS:PORT like '10.0.0.2:5000', got '%s'", to);
	if (wait && !a->pps)
		return cfg_error(cfg_get(s, "sleep"), err, "'sleep: %s' needs a 'rate'",
				 waits[wait]);
	a->sender = true;
	a->connect = connect;
	a->nanosleep = wait == 1;
	a->spin = wait == 2;
	a->poisson = pat == 1;
	a->burst = pat == 2 ? (uint32_t)burst : 1;
	if (pat == 2 && !a->pps)
		return cfg_error(cfg_get(s, "pattern"), err, "'pattern: burst' needs a 'rate'");
	if (pat != 2 && cfg_has(s, "burst"))
		return cfg_error(cfg_get(s, "burst"), err, "'burst' needs 'pattern: burst'");
	/* sendmsg is sendto with a msghdr: one datagram per call */
	a->syscall = call == 1 ? APP_SENDMMSG : APP_SENDTO;
	sim_event_init(&a->timer, app_timer_fire, 40);
	return cfg_check_unknown(s, "send", err);
}

/*
 * The run starts: a sender with `connect` connects its socket first. If
 * connect() fails the application gives up: the error is counted and the
 * thread never runs.
 */
void app_start(struct app *a)
{
	if (a->sender && a->connect) {
		int rc = udp_connect(a->sk, a->daddr);

		if (rc) {
			app_count_error(a, rc);
			return;
		}
	}
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

/* An XSK is read with `syscall: xsk` (its default), and only an XSK is. */
static int app_check_xsk(struct app *a, const struct cfg_node *n, const char *sock,
			 struct sim_error *err)
{
	bool xsk = a->sk->kind == SOCK_XDP;

	if (xsk && !cfg_has(n, "syscall") && !a->sender && !a->echo)
		a->syscall = APP_XSK;
	if (xsk && (a->sender || a->echo))
		return cfg_error(cfg_get(n, "socket"), err,
				 "app '%s' cannot send on AF_XDP socket '%s' (no TX ring)", a->name,
				 sock);
	if (xsk && a->syscall != APP_XSK)
		return cfg_error(cfg_get(n, "syscall"), err,
				 "app '%s' reads AF_XDP socket '%s': 'syscall' must be 'xsk'",
				 a->name, sock);
	if (!xsk && a->syscall == APP_XSK)
		return cfg_error(cfg_get(n, "syscall"), err,
				 "app '%s' has 'syscall: xsk' but '%s' is not an AF_XDP socket",
				 a->name, sock);
	return 0;
}

/*
 * The per-call arrays, as large as the app's calls can fill them: a reader
 * takes up to `batch` datagrams a call (a client reading replies up to
 * APP_MAX_BATCH), a sender sends up to `batch` with sendmmsg (else one), an
 * echo server up to APP_MAX_BATCH replies. Small apps stay small: 1000
 * hosts fit in a few hundred MiB.
 */
static int app_alloc_arrays(struct app *a, struct sim_error *err)
{
	a->inflight_cap = a->sender && a->await_reply ? APP_MAX_BATCH : a->batch;
	if (a->echo)
		a->tx_cap = APP_MAX_BATCH;
	else if (a->sender)
		a->tx_cap = a->syscall == APP_SENDMMSG ? a->batch : 1;
	a->inflight = calloc(a->inflight_cap, sizeof(*a->inflight));
	if (a->tx_cap) {
		a->tx = calloc(a->tx_cap, sizeof(*a->tx));
		a->tx_cycles = calloc(a->tx_cap, sizeof(*a->tx_cycles));
	}
	if (a->echo)
		a->echoq = calloc(APP_MAX_BATCH, sizeof(*a->echoq));
	if (!a->inflight || (a->tx_cap && (!a->tx || !a->tx_cycles)) || (a->echo && !a->echoq))
		return sim_error_set(err, "out of memory");
	return 0;
}

int app_create(struct host *h, const struct cfg_node *n, struct app **out, struct sim_error *err)
{
	static const char *const calls[] = { "recvmsg", "recvmmsg", "xsk", NULL };
	struct app *a = calloc(1, sizeof(*a));
	const char *name = NULL, *sock = NULL;
	uint64_t cpu, batch;
	int call;
	char what[64], stream[96];

	if (!a)
		return sim_error_set(err, "out of memory");
	*out = a;
	a->host = h;
	sim_hist_init(&a->e2e);
	sim_hist_init(&a->rtt);
	if (cfg_require(n, "name", "app", err) ||
	    cfg_get_name(n, "name", &name, sizeof(a->name) - 1, err) ||
	    cfg_require(n, "socket", "app", err) || cfg_get_str(n, "socket", &sock, NULL, err) ||
	    cfg_get_u64(n, "cpu", &cpu, 0, 0, h->ncpus - 1, err) ||
	    cfg_get_u64(n, "batch", &batch, 64, 1, APP_MAX_BATCH, err) ||
	    cfg_get_dist_time(n, "work", &a->work, 0, err))
		return -1;
	if (cfg_get_bool(n, "echo", &a->echo, false, err))
		return -1;
	if (cfg_has(n, "send") ? app_parse_send(a, n, err)
			       : cfg_get_enum(n, "syscall", calls, &call, APP_RECVMSG, err))
		return -1;
	snprintf(a->name, sizeof(a->name), "%s", name);
	if (!a->sender)
		a->syscall = call == 2 ? APP_XSK : (enum app_syscall)call;
	a->batch = (uint32_t)batch;
	a->has_work = !(a->work.kind == SIM_DIST_CONSTANT && a->work.a == 0);
	for (uint32_t i = 0; i < h->nsocks; i++)
		if (!strcmp(h->socks[i]->name, sock))
			a->sk = h->socks[i];
	if (!a->sk)
		return app_unknown_socket(h, cfg_get(n, "socket"), sock, err);
	if (app_check_xsk(a, n, sock, err))
		return -1;
	if (a->sk->kind != SOCK_UDP && a->sender)
		return cfg_error(cfg_get(n, "socket"), err, "app '%s' cannot send on tap '%s'",
				 a->name, sock);
	if (!a->sender && a->sk->kind == SOCK_UDP && !a->sk->bound)
		return cfg_error(cfg_get(n, "socket"), err,
				 "app '%s' reads socket '%s', which has no 'bind'", a->name, sock);
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
	thread_init(&a->thread, &h->cpus[cpu], a->name, a->sender ? app_send_run : app_run, a);
	snprintf(what, sizeof(what), "app '%s'", a->name);
	if (cfg_check_unknown(n, what, err))
		return -1;
	return app_alloc_arrays(a, err);
}

void app_free(struct app *a)
{
	if (!a)
		return;
	sim_hist_release(&a->e2e);
	sim_hist_release(&a->rtt);
	free(a->inflight);
	free(a->tx);
	free(a->tx_cycles);
	free(a->echoq);
	free(a);
}
