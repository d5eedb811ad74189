/*
 * models/ipv4/sock.c - UDP sockets (receive side) and AF_PACKET taps.
 *
 * See models/ipv4/sock.h for the kernel references, the measured admission rule
 * and what is simplified.
 */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "models/core/observe.h"
#include "models/ipv4/ip.h"
#include "models/core/netdevice.h"
#include "models/report/pcap_out.h"
#include "models/ipv4/route.h"
#include "models/ipv4/sock.h"
#include "models/core/xsk.h"
#include "sim/error.h"

#define SK_MEM_QUANTUM 4096 /* PAGE_SIZE */

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

bool udp_rmem_admit(uint32_t rmem, uint32_t truesize, uint32_t rcvbuf)
{
	return (uint64_t)rmem + truesize <= rcvbuf || rmem == 0;
}

bool udp4_port_used(const struct host *h, uint16_t port)
{
	for (uint32_t i = 0; i < h->nsocks; i++)
		if (h->socks[i]->kind == SOCK_UDP && h->socks[i]->bound && h->socks[i]->num == port)
			return true;
	return false;
}

struct sock *udp4_lib_lookup(struct host *h, uint32_t daddr, uint16_t dport)
{
	struct sock *best = NULL;

	for (uint32_t i = 0; i < h->nsocks; i++) {
		struct sock *sk = h->socks[i];

		if (sk->kind != SOCK_UDP || !sk->bound || sk->num != dport)
			continue;
		if (sk->rcv_saddr == daddr)
			return sk;
		if (!sk->rcv_saddr && !best)
			best = sk;
	}
	return best;
}

static inline uint32_t rol32(uint32_t w, unsigned int shift)
{
	return (w << shift) | (w >> (32 - shift));
}

#define JHASH_INITVAL 0xdeadbeefu

uint32_t jhash_3words(uint32_t a, uint32_t b, uint32_t c, uint32_t initval)
{
	initval += JHASH_INITVAL + (3u << 2);
	a += initval;
	b += initval;
	c += initval;
	/* __jhash_final */
	c ^= b;
	c -= rol32(b, 14);
	a ^= c;
	a -= rol32(c, 11);
	b ^= a;
	b -= rol32(a, 25);
	c ^= b;
	c -= rol32(b, 16);
	a ^= c;
	a -= rol32(c, 4);
	b ^= a;
	b -= rol32(a, 14);
	c ^= b;
	c -= rol32(b, 24);
	return c;
}

static uint32_t be32_word(uint32_t host)
{
	return ((host & 0xffu) << 24) | ((host & 0xff00u) << 8) | ((host >> 8) & 0xff00u) |
	       (host >> 24);
}

uint32_t udp_ehashfn(uint32_t secret, uint32_t laddr, uint16_t lport, uint32_t faddr,
		     uint16_t fport)
{
	uint32_t fport_be = (uint32_t)(((fport & 0xffu) << 8) | (fport >> 8));

	/* __inet_ehashfn: lport in host order, the rest as stored (network order) */
	return jhash_3words(be32_word(laddr), be32_word(faddr), ((uint32_t)lport << 16) | fport_be,
			    secret);
}

/* reciprocal_scale (include/linux/kernel.h): @val scaled into [0, @ep_ro). */
static uint32_t reciprocal_scale(uint32_t val, uint32_t ep_ro)
{
	return (uint32_t)(((uint64_t)val * ep_ro) >> 32);
}

struct sock *reuseport_select_sock(const struct sock_reuseport *reuse, const struct sk_buff *skb,
				   uint32_t cpu)
{
	uint32_t hash;

	/* run_bpf_filter: an index past the group falls back to the hash */
	if (reuse->policy == REUSEPORT_CPU && cpu < reuse->num_socks)
		return reuse->socks[cpu];
	hash = udp_ehashfn(reuse->hash_secret, skb->daddr, skb->dport, skb->saddr, skb->sport);
	return reuse->socks[reciprocal_scale(hash, reuse->num_socks)];
}

static bool sk_filter_match(const struct sk_filter *f, const struct sk_buff *skb)
{
	return skb->sport >= f->sport_lo && skb->sport <= f->sport_hi &&
	       (skb->saddr & f->src_mask) == f->src;
}

/* sk_filter_trim_cap(): true when the filter lets the packet through. */
static bool sk_filter_pass(const struct sk_filter *f, const struct sk_buff *skb)
{
	bool m = sk_filter_match(f, skb);

	return f->drop_match ? !m : m;
}

/* spin_lock(@l) for udp_queue_hold: the cycles @c waits. */
static uint64_t sk_lock_cost(const struct cpu *c, struct sim_spinlock *l, const struct sock *sk,
			     sim_time_t t)
{
	sim_time_t hold = cycles_to_ps(c->host, sk->host->costs.udp_queue_hold);

	return spin_ps_to_cycles(c, spin_lock_hold(l, c, t, hold));
}

uint64_t udp_recv_lock_cost(const struct cpu *c, struct sock *sk, sim_time_t t)
{
	uint64_t cy = 0;

	if (!udp_recv_locks(sk))
		return 0;
	if (!sk->reader_queue.qlen && sk->sk_receive_queue.qlen) /* the splice */
		cy += sk_lock_cost(c, &sk->rq_lock, sk, t);
	if (sk->nreaders > 1)
		cy += sk_lock_cost(c, &sk->reader_lock, sk, t + cycles_to_ps(c->host, cy));
	return cy;
}

uint64_t udp_queue_rcv_cost(const struct cpu *c, struct sock *sk, sim_time_t t)
{
	const struct costs *k = &sk->host->costs;
	uint64_t cy = k->udp_enqueue + sk_lock_cost(c, &sk->rq_lock, sk, t);

	if (sk->filter.set)
		cy += k->sk_filter + sk->filter.cycles;
	if (sk->nwaiters) /* sk_data_ready wakes waiters[0] */
		cy += ttwu_cost(k, sk->waiters[0]);
	return cy;
}

/*
 * sk_data_ready = sock_def_readable: readers sleep in
 * __skb_wait_for_more_packets with prepare_to_wait_exclusive, so a wake-up
 * reaches one of them, the longest waiting.
 */
static void sk_data_ready(struct sock *sk)
{
	struct thread *t;

	if (!sk->nwaiters)
		return;
	t = sk->waiters[0];
	memmove(&sk->waiters[0], &sk->waiters[1], (sk->nwaiters - 1) * sizeof(sk->waiters[0]));
	sk->nwaiters--;
	thread_wake(t);
}

/* icmp_err_convert[]: errno and fatality of each ICMP_DEST_UNREACH code. */
static const struct {
	int errno_;
	bool fatal;
} icmp_err_convert[16] = {
	{ ENETUNREACH, false },	 /* ICMP_NET_UNREACH */
	{ EHOSTUNREACH, false }, /* ICMP_HOST_UNREACH */
	{ ENOPROTOOPT, true },	 /* ICMP_PROT_UNREACH */
	{ ECONNREFUSED, true },	 /* ICMP_PORT_UNREACH */
	{ EMSGSIZE, false },	 /* ICMP_FRAG_NEEDED (handled apart) */
	{ EOPNOTSUPP, false },	 /* ICMP_SR_FAILED */
	{ ENETUNREACH, true },	 /* ICMP_NET_UNKNOWN */
	{ EHOSTDOWN, true },	 /* ICMP_HOST_UNKNOWN */
	{ ENONET, true },	 /* ICMP_HOST_ISOLATED */
	{ ENETUNREACH, true },	 /* ICMP_NET_ANO */
	{ EHOSTUNREACH, true },	 /* ICMP_HOST_ANO */
	{ ENETUNREACH, false },	 /* ICMP_NET_UNR_TOS */
	{ EHOSTUNREACH, false }, /* ICMP_HOST_UNR_TOS */
	{ EHOSTUNREACH, true },	 /* ICMP_PKT_FILTERED */
	{ EHOSTUNREACH, true },	 /* ICMP_PREC_VIOLATION */
	{ EHOSTUNREACH, true },	 /* ICMP_PREC_CUTOFF */
};

void udp_err(struct host *h, const struct sk_buff *icmp)
{
	struct sock *sk = udp4_lib_lookup(h, icmp->daddr, icmp->sport);
	bool harderr = false;
	int err;

	if (!sk || sk->kind != SOCK_UDP) {
		h->icmp.InErrors++;
		return;
	}
	if (icmp->icmp_type == ICMP_TIME_EXCEEDED) {
		err = EHOSTUNREACH;
	} else if (icmp->icmp_code == ICMP_FRAG_NEEDED) {
		ip_rt_update_pmtu(h, icmp->icmp_orig_daddr, icmp->icmp_info);
		if (sk->pmtudisc == IP_PMTUDISC_DONT)
			return;
		err = EMSGSIZE;
		harderr = true;
	} else if (icmp->icmp_code < 16) {
		err = icmp_err_convert[icmp->icmp_code].errno_;
		harderr = icmp_err_convert[icmp->icmp_code].fatal;
	} else {
		return;
	}
	if (!sk->recverr) {
		if (!harderr || !sk->connected)
			return;
	} else if (sk->sk_rmem_alloc + icmp->truesize < sk->sk_rcvbuf) {
		/*
		 * ip_icmp_error -> sock_queue_err_skb: a clone of the ICMP skb on the
		 * error queue, charged to the receive buffer until MSG_ERRQUEUE reads
		 * it (measured on 6.18: 832 bytes per error over veth). The model's
		 * applications never read it.
		 */
		sk->err_queued++;
		sk->sk_rmem_alloc += icmp->truesize;
		sim_level_set(&sk->rmem, sk->host->w->q.now, sk->sk_rmem_alloc);
	}
	sk->sk_err = err;
	while (sk->nwaiters) /* sk_error_report: EPOLLERR wakes every reader */
		sk_data_ready(sk);
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

static void udp_drop(struct sock *sk, struct sk_buff *skb, enum skb_drop_reason reason)
{
	struct host *h = sk->host;

	if (reason == SKB_DROP_REASON_UDP_CSUM)
		h->udp.InCsumErrors++;
	if (reason == SKB_DROP_REASON_SOCKET_RCVBUFF)
		h->udp.RcvbufErrors++;
	h->udp.InErrors++;
	sk->sk_drops += skb->gso_segs;
	kfree_skb_reason(h, skb, reason);
}

/* The CPU whose per-CPU reserve a charge uses: the running one (smp_processor_id). */
static struct cpu *sk_mem_cpu(const struct sock *sk)
{
	struct cpu *c = sk->host->w->this_cpu;

	return c && c->host->machine == sk->host->machine ? c : &sk->host->machine->cpus[0];
}

/*
 * sk_memory_allocated_add / _sub (include/net/sock.h): a charge of @pages
 * goes to the CPU's per_cpu_fw_alloc, which proto_memory_pcpu_drain()
 * moves to the machine's udp_memory_allocated once it reaches
 * +-mem_pcpu_rsv.
 */
static void udp_memory_allocated_add(struct sock *sk, int64_t pages)
{
	struct host *m = sk->host->machine;
	struct cpu *c = sk_mem_cpu(sk);
	int64_t rsv = m->sysctl.mem_pcpu_rsv;

	c->udp_fw_alloc += pages;
	if (c->udp_fw_alloc >= rsv || c->udp_fw_alloc <= -rsv) {
		m->udp_memory_allocated += c->udp_fw_alloc;
		c->udp_fw_alloc = 0;
	}
}

bool udp_mem_admit(int64_t allocated, const uint64_t udp_mem[3], uint32_t rmem, uint32_t rmem_min)
{
	if (allocated <= (int64_t)udp_mem[0])
		return true;
	if (allocated > (int64_t)udp_mem[2])
		return false;
	return rmem < rmem_min; /* between min and max: the minimum buffer guarantee */
}

/*
 * __sk_mem_raise_allocated(sk, size, @pages, SK_MEM_RECV) for udp_prot: no
 * memcg, no memory_pressure hooks (so udp_mem[1] changes nothing and the
 * "average" rule never applies). False: refused, the charge undone.
 */
static bool udp_mem_raise_allocated(struct sock *sk, int64_t pages)
{
	struct host *m = sk->host->machine;

	udp_memory_allocated_add(sk, pages);
	if (udp_mem_admit(m->udp_memory_allocated, m->sysctl.udp_mem, sk->sk_rmem_alloc,
			  sk->host->sysctl.udp_rmem_min))
		return true;
	udp_memory_allocated_add(sk, -pages);
	return false;
}

/*
 * udp_rmem_schedule(): reserve whole pages of forward allocation for @size
 * (__sk_mem_schedule: sk_mem_pages of what is missing). -ENOBUFS when
 * udp_mem refuses them.
 */
static int udp_rmem_schedule(struct sock *sk, uint32_t size)
{
	int64_t delta = (int64_t)size - sk->sk_forward_alloc;

	if (delta > 0) {
		int64_t pages = (delta + SK_MEM_QUANTUM - 1) / SK_MEM_QUANTUM;

		if (!udp_mem_raise_allocated(sk, pages))
			return -ENOBUFS;
		sk->sk_forward_alloc += pages * SK_MEM_QUANTUM;
	}
	sk->sk_forward_alloc -= size;
	return 0;
}

static void sock_queue_tail(struct sock *sk, struct sk_buff *skb)
{
	struct world *w = sk->host->w;
	sim_time_t now = w->q.now;

	sk->sk_rmem_alloc += skb->truesize;
	__skb_queue_tail(&sk->sk_receive_queue, skb);
	sim_level_add(&sk->qlen, now, 1);
	sim_level_set(&sk->rmem, now, sk->sk_rmem_alloc);
	if (w->measuring)
		sk->q_in++;
	skb->t_mark = now;
}

void sock_queue_xsk(struct sock *sk, struct sk_buff *skb)
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

void udp_queue_rcv_skb(struct sock *sk, struct sk_buff *skb)
{
	struct world *w = sk->host->w;

	skb_set_stage(sk->host, skb, STAGE_R22);
	if (sk->filter.set) {
		/* a filter needs the full checksum first (udp_lib_checksum_complete) */
		if (skb->flags & SKB_F_BAD_CSUM) {
			udp_drop(sk, skb, SKB_DROP_REASON_UDP_CSUM);
			return;
		}
		if (!sk_filter_pass(&sk->filter, skb)) {
			udp_drop(sk, skb, SKB_DROP_REASON_SOCKET_FILTER);
			return;
		}
	}
	if (!udp_rmem_admit(sk->sk_rmem_alloc, skb->truesize, sk->sk_rcvbuf)) {
		udp_drop(sk, skb, SKB_DROP_REASON_SOCKET_RCVBUFF);
		return;
	}
	if (udp_rmem_schedule(sk, skb->truesize)) {
		/* 6.18 (per-NUMA producer queues) counts these in sk_drops only */
		sk->sk_drops += skb->gso_segs;
		kfree_skb_reason(sk->host, skb, SKB_DROP_REASON_PROTO_MEM);
		return;
	}
	skb->sk = sk;
	skb_set_stage(sk->host, skb, STAGE_R23);
	skb_lat_next(sk->host, skb, LAT_SOCKET, w->q.now);
	sock_queue_tail(sk, skb);
	skb_set_stage(sk->host, skb, STAGE_R24);
	sk_data_ready(sk);
}

uint64_t packet_rcv(struct sock *sk, const struct sk_buff *skb)
{
	struct world *w = sk->host->w;
	struct sk_buff *c;

	if (sk->sk_rmem_alloc >= sk->sk_rcvbuf) {
		sk->tp_drops++;
		sk->sk_drops++;
		return sk->host->costs.tap_deliver;
	}
	c = skb_clone(w, skb);
	if (!c) {
		sk->tp_drops++;
		sk->sk_drops++;
		return sk->host->costs.tap_deliver;
	}
	sk->tp_packets++;
	c->sk = sk;
	sock_queue_tail(sk, c);
	if (sk->pcap)
		pcap_out_tap(sk->pcap, skb, w->q.now);
	sk_data_ready(sk);
	return sk->host->costs.tap_deliver;
}

bool sock_readable(const struct sock *sk)
{
	return sk->sk_receive_queue.qlen || sk->reader_queue.qlen;
}

/* udp_rmem_release(sk, size, partial = 1): lazy return of receive memory. */
static void udp_rmem_release(struct sock *sk, uint32_t size)
{
	int64_t amt;

	sk->forward_deficit += size;
	size = sk->forward_deficit;
	if (size < (sk->sk_rcvbuf >> 2) && sk->reader_queue.qlen)
		return;
	sk->forward_deficit = 0;
	sk->sk_forward_alloc += size;
	amt = (sk->sk_forward_alloc - 1) & ~(int64_t)(SK_MEM_QUANTUM - 1);
	sk->sk_forward_alloc -= amt;
	if (amt > 0) /* __sk_mem_reduce_allocated */
		udp_memory_allocated_add(sk, -amt / SK_MEM_QUANTUM);
	sk->sk_rmem_alloc -= size;
}

struct sk_buff *sock_dequeue(struct sock *sk)
{
	struct world *w = sk->host->w;
	sim_time_t now = w->q.now;
	struct sk_buff *skb;

	if (sk->kind == SOCK_XDP) { /* an RX ring entry: no receive memory charged */
		skb = __skb_dequeue(&sk->sk_receive_queue);
	} else if (sk->kind == SOCK_PACKET) {
		skb = __skb_dequeue(&sk->sk_receive_queue);
		if (skb)
			sk->sk_rmem_alloc -= skb->truesize;
	} else {
		if (!sk->reader_queue.qlen)
			skb_queue_splice_tail_init(&sk->sk_receive_queue, &sk->reader_queue);
		skb = __skb_dequeue(&sk->reader_queue);
		if (skb)
			udp_rmem_release(sk, skb->truesize);
	}
	if (!skb)
		return NULL;
	sim_level_add(&sk->qlen, now, -1);
	sim_level_set(&sk->rmem, now, sk->sk_rmem_alloc);
	if (w->measuring && skb->t_mark >= w->warmup)
		sim_hist_record(&sk->sojourn, (uint64_t)(now - skb->t_mark));
	skb->sk = NULL;
	return skb;
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
	sim_level_reset(&sk->rmem, now);
	sim_hist_reset(&sk->sojourn);
	sk->q_in = 0;
}

/* ---- construction from the scenario ---- */

static int sock_parse_filter(struct sock *sk, const struct cfg_node *n, struct sim_error *err)
{
	const struct cfg_node *f, *m = NULL;
	static const char *const actions[] = { "drop", "keep", NULL };
	const char *sport = NULL, *src = NULL;
	int action = 0;
	uint32_t plen = 0;

	if (cfg_get_map(n, "filter", &f, err))
		return -1;
	if (!f)
		return 0;
	sk->filter.set = true;
	sk->filter.sport_hi = 65535;
	if (cfg_get_u64(f, "cycles", &sk->filter.cycles, 200, 0, 1000000, err) ||
	    cfg_get_enum(f, "action", actions, &action, 0, err) || cfg_get_map(f, "match", &m, err))
		return -1;
	sk->filter.drop_match = action == 0;
	if (m &&
	    (cfg_get_str(m, "sport", &sport, NULL, err) || cfg_get_str(m, "src", &src, NULL, err) ||
	     cfg_check_unknown(m, "filter match", err)))
		return -1;
	if (sport && inet_parse_port_range(sport, &sk->filter.sport_lo, &sk->filter.sport_hi))
		return cfg_error(cfg_get(m, "sport"), err, "bad port range '%s'", sport);
	if (src && inet_parse_prefix(src, &sk->filter.src, &plen))
		return cfg_error(cfg_get(m, "src"), err, "bad address '%s'", src);
	sk->filter.src_mask = plen ? ~0u << (32 - plen) : 0;
	sk->filter.src &= sk->filter.src_mask;
	return cfg_check_unknown(f, "filter", err);
}

static int sock_check_bind(struct host *h, const struct sock *sk, const struct cfg_node *n,
			   struct sim_error *err)
{
	for (uint32_t i = 0; i < h->nsocks; i++) {
		const struct sock *o = h->socks[i];

		/* udp_lib_lport_inuse: sharing needs SO_REUSEPORT on both */
		if (o->kind == SOCK_UDP && o->bound && o->num == sk->num &&
		    (o->rcv_saddr == sk->rcv_saddr || !o->rcv_saddr || !sk->rcv_saddr) &&
		    !(o->sk_reuseport && sk->sk_reuseport))
			return cfg_error(
				cfg_get(n, "bind"), err,
				"cannot bind '%s': port %u is already bound by socket '%s' "
				"(EADDRINUSE: both need 'reuseport: true')",
				sk->name, sk->num, o->name);
	}
	return 0;
}

/* reuseport_alloc: a new group of one for @sk, its secret from the host's stream. */
static int reuseport_alloc(struct sock *sk, struct sim_error *err)
{
	struct sock_reuseport *r = calloc(1, sizeof(*r));
	struct sim_rng rng;
	char stream[64];

	if (!r || !(r->socks = calloc(4, sizeof(*r->socks)))) {
		free(r);
		return sim_error_set(err, "out of memory");
	}
	snprintf(stream, sizeof(stream), "udp_ehash_secret/%s", sk->host->name);
	sim_rng_init(&rng, sk->host->w->seed, stream);
	r->hash_secret = (uint32_t)sim_rng_u64(&rng);
	r->max_socks = 4;
	r->socks[r->num_socks++] = sk;
	sk->sk_reuseport_cb = r;
	return 0;
}

/* reuseport_add_sock: @sk joins @r (reuseport_grow doubles the array). */
static int reuseport_add_sock(struct sock_reuseport *r, struct sock *sk, struct sim_error *err)
{
	if (r->num_socks == r->max_socks) {
		struct sock **s = realloc(r->socks, 2 * r->max_socks * sizeof(*s));

		if (!s)
			return sim_error_set(err, "out of memory");
		r->socks = s;
		r->max_socks *= 2;
	}
	r->socks[r->num_socks++] = sk;
	sk->sk_reuseport_cb = r;
	return 0;
}

/* udp_reuseport_add_sock: join the group of the same address and port, or start one. */
static int udp_reuseport_add_sock(struct host *h, struct sock *sk, struct sim_error *err)
{
	for (uint32_t i = 0; i < h->nsocks; i++) {
		struct sock *o = h->socks[i];

		if (o != sk && o->sk_reuseport_cb && o->num == sk->num &&
		    o->rcv_saddr == sk->rcv_saddr)
			return reuseport_add_sock(o->sk_reuseport_cb, sk, err);
	}
	return reuseport_alloc(sk, err);
}

/* `reuseport:` and `reuseport_policy:` (SO_ATTACH_REUSEPORT_CBPF sets the group's program). */
static int sock_parse_reuseport(struct host *h, struct sock *sk, const struct cfg_node *n,
				struct sim_error *err)
{
	static const char *const policies[] = { "hash", "cpu", NULL };
	int policy;

	if (cfg_get_enum(n, "reuseport_policy", policies, &policy, REUSEPORT_HASH, err))
		return -1;
	if (cfg_has(n, "reuseport_policy") && !sk->sk_reuseport)
		return cfg_error(
			cfg_get(n, "reuseport_policy"), err,
			"'reuseport_policy' needs 'reuseport: true' on socket '%s' (EINVAL)",
			sk->name);
	if (!sk->sk_reuseport || !sk->bound)
		return 0;
	if (udp_reuseport_add_sock(h, sk, err))
		return -1;
	if (policy == REUSEPORT_CPU)
		sk->sk_reuseport_cb->policy = REUSEPORT_CPU;
	return 0;
}

static int sock_parse_udp(struct host *h, struct sock *sk, const struct cfg_node *n,
			  struct sim_error *err)
{
	static const char *const pmtudisc_names[] = { "dont", "want", "do", "probe", NULL };
	const char *bind = NULL;
	uint64_t sndbuf, prio, tos;
	int pmtudisc;

	if (cfg_get_str(n, "bind", &bind, NULL, err) ||
	    cfg_get_bool(n, "udp_gro", &sk->udp_gro, false, err) ||
	    cfg_get_bool(n, "reuseport", &sk->sk_reuseport, false, err) ||
	    sock_parse_filter(sk, n, err) ||
	    cfg_get_size(n, "sndbuf", &sndbuf, 0, 0, (uint64_t)INT32_MAX, err) ||
	    cfg_get_bool(n, "recverr", &sk->recverr, false, err) ||
	    cfg_get_bool(n, "nonblocking", &sk->nonblock, false, err) ||
	    cfg_get_u64(n, "priority", &prio, 0, 0, 15, err) ||
	    cfg_get_u64(n, "tos", &tos, 0, 0, 255, err) ||
	    cfg_get_enum(n, "mtu_discover", pmtudisc_names, &pmtudisc, IP_PMTUDISC_WANT, err))
		return -1;
	sk->pmtudisc = (uint8_t)pmtudisc;
	sk->sk_sndbuf = cfg_has(n, "sndbuf") ? sock_sndbuf_for(sndbuf, h->sysctl.wmem_max)
					     : (uint32_t)h->sysctl.wmem_default;
	sk->priority = (uint32_t)prio;
	sk->tos = (uint8_t)tos;
	if (!bind) /* unbound: inet_autobind at the first send */
		return sock_parse_reuseport(h, sk, n, err);
	sk->bound = true;
	if (inet_parse_addr_port(bind, &sk->rcv_saddr, &sk->num) || sk->num == 0)
		return cfg_error(cfg_get(n, "bind"), err,
				 "'bind' must be ADDRESS:PORT like '0.0.0.0:5000', got '%s'", bind);
	if (sk->rcv_saddr && !ip_is_local(h, sk->rcv_saddr))
		return cfg_error(cfg_get(n, "bind"), err,
				 "cannot bind '%s': address is not local to host '%s'", bind,
				 h->name);
	return sock_check_bind(h, sk, n, err) || sock_parse_reuseport(h, sk, n, err) ? -1 : 0;
}

static int sock_parse_tap(struct host *h, struct sock *sk, const struct cfg_node *n,
			  struct sim_error *err)
{
	const char *dev = NULL;

	if (cfg_require(n, "dev", "tap", err) || cfg_get_str(n, "dev", &dev, NULL, err))
		return -1;
	for (uint32_t i = 0; i < h->ndevs; i++)
		if (!strcmp(h->devs[i]->name, dev))
			sk->tap_dev = h->devs[i];
	if (!sk->tap_dev)
		return cfg_error(cfg_get(n, "dev"), err, "unknown device '%s' on host '%s'", dev,
				 h->name);
	if (sk->tap_dev->ntaps >= MAX_TAPS_PER_DEV)
		return cfg_error(cfg_get(n, "dev"), err, "too many taps on '%s' (at most %d)", dev,
				 MAX_TAPS_PER_DEV);
	sk->tap_dev->taps[sk->tap_dev->ntaps++] = sk;
	if (!cfg_has(n, "pcap"))
		return 0;
	return pcap_out_create(h->w, h, n, "pcap", false, &sk->pcap, err) ||
	       pcap_out_parse_snaplen(sk->pcap, n, err);
}

/* What a socket of each kind is called in messages. */
static const char *const sock_kind_what[] = {
	[SOCK_UDP] = "socket", [SOCK_PACKET] = "tap", [SOCK_XDP] = "xsk"
};

int sock_create(struct host *h, const struct cfg_node *n, enum sock_kind kind, struct sock **out,
		struct sim_error *err)
{
	struct sock *sk = calloc(1, sizeof(*sk));
	const char *name = NULL;
	uint64_t rcvbuf = 0;
	char what[64];

	if (!sk)
		return sim_error_set(err, "out of memory");
	sk->kind = kind;
	sk->host = h;
	skb_queue_head_init(&sk->sk_receive_queue);
	skb_queue_head_init(&sk->reader_queue);
	sim_level_init(&sk->qlen, 0);
	sim_level_init(&sk->rmem, 0);
	sim_hist_init(&sk->sojourn);
	*out = sk;
	if (cfg_require(n, "name", sock_kind_what[kind], err) ||
	    cfg_get_name(n, "name", &name, sizeof(sk->name) - 1, err))
		return -1;
	snprintf(sk->name, sizeof(sk->name), "%s", name);
	if (kind != SOCK_XDP) { /* an XSK's RX ring counts entries, not bytes */
		if (cfg_get_size(n, "rcvbuf", &rcvbuf, 0, 0, (uint64_t)INT32_MAX, err))
			return -1;
		sk->sk_rcvbuf = cfg_has(n, "rcvbuf") ? sock_rcvbuf_for(rcvbuf, h->sysctl.rmem_max)
						     : (uint32_t)h->sysctl.rmem_default;
	}
	if (kind == SOCK_XDP   ? xsk_parse(h, sk, n, err)
	    : kind == SOCK_UDP ? sock_parse_udp(h, sk, n, err)
			       : sock_parse_tap(h, sk, n, err))
		return -1;
	snprintf(what, sizeof(what), "%s '%s'", sock_kind_what[kind], sk->name);
	return cfg_check_unknown(n, what, err);
}

void sock_free(struct sock *sk)
{
	struct sock_reuseport *r = sk->sk_reuseport_cb;

	if (r && !--r->num_socks) { /* the last member frees the group */
		free(r->socks);
		free(r);
	}
	sim_hist_release(&sk->sojourn);
	xsk_free(sk->xs);
	free(sk);
}
