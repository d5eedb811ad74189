/*
 * models/ipv4/udp.c - UDP: __udp4_lib_rcv, the udptable, udp_prot (enqueue,
 * udp_mem, dequeue), __udp4_lib_err, and udp_sendmsg down to ip_output.
 *
 * See models/ipv4/udp.h for the kernel references and simplifications.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/core/observe.h"
#include "models/core/neigh.h"
#include "models/core/netdevice.h"
#include "models/ipv4/icmp.h"
#include "models/ipv4/ip.h"
#include "models/ipv4/ip_fragment.h"
#include "models/ipv4/ip_output.h"
#include "models/ipv4/protocol.h"
#include "models/ipv4/route.h"
#include "models/ipv4/udp.h"
#include "models/core/gso.h"
#include "models/kernel/contention.h"
#include "models/sched/sch_generic.h"
#include "models/core/xmit.h"
#include "sim/error.h"

#define SK_MEM_QUANTUM 4096 /* PAGE_SIZE */

bool udp_rmem_admit(uint32_t rmem, uint32_t truesize, uint32_t rcvbuf)
{
	return (uint64_t)rmem + truesize <= rcvbuf || rmem == 0;
}

static inline uint32_t rol32(uint32_t w, unsigned int shift)
{
	return (w << shift) | (w >> (32 - shift));
}

#define JHASH_INITVAL 0xdeadbeefu

/* __jhash_nwords + __jhash_final: @initval already holds the length's term. */
static uint32_t jhash_nwords(uint32_t a, uint32_t b, uint32_t c, uint32_t initval)
{
	a += initval;
	b += initval;
	c += initval;
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

uint32_t jhash_3words(uint32_t a, uint32_t b, uint32_t c, uint32_t initval)
{
	return jhash_nwords(a, b, c, initval + JHASH_INITVAL + (3u << 2));
}

uint32_t jhash_1word(uint32_t a, uint32_t initval)
{
	return jhash_nwords(a, 0, 0, initval + JHASH_INITVAL + (1u << 2));
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

/* ---- the udptable ---- */

int udp_table_init(struct host *h, uint32_t nsocks)
{
	struct udp_table *t = calloc(1, sizeof(*t));
	uint32_t slots = UDP_HTABLE_SIZE_MIN;

	/* a quarter full at most, as alloc_large_system_hash's 64 Ki slots keep a server */
	while (slots < 4ull * nsocks && slots < UDP_HTABLE_SIZE_MAX)
		slots *= 2;
	if (!t)
		return -1;
	t->hash = calloc(slots, sizeof(*t->hash));
	t->hash2 = calloc(slots, sizeof(*t->hash2));
	t->mask = slots - 1;
	t->any_jhash = jhash_1word(0, 0);
	t->memo_addr = 0;
	t->memo_jhash = t->any_jhash;
	h->udptable = t;
	return t->hash && t->hash2 ? 0 : -1;
}

void udp_table_free(struct host *h)
{
	if (!h->udptable)
		return;
	free(h->udptable->hash);
	free(h->udptable->hash2);
	free(h->udptable);
	h->udptable = NULL;
}

uint32_t ipv4_portaddr_hash(uint32_t addr, uint16_t port)
{
	return jhash_1word(be32_word(addr), 0) ^ port;
}

/* udp_hashfn(net, num, mask) with net_hash_mix 0. */
static struct udp_hslot *udp_hashslot(const struct udp_table *t, uint16_t num)
{
	return &t->hash[num & t->mask];
}

static struct udp_hslot *udp_hashslot2(const struct udp_table *t, uint32_t hash2)
{
	return &t->hash2[hash2 & t->mask];
}

/* Put bound @sk at the tails of its hash and hash2 chains (bind order). */
static void udp_lib_hash(struct sock *sk)
{
	struct udp_table *t = sk->host->udptable;
	struct udp_hslot *hs = udp_hashslot(t, sk->num);
	struct udp_hslot *hs2 = udp_hashslot2(t, ipv4_portaddr_hash(sk->rcv_saddr, sk->num));
	struct sock **pp;

	for (pp = &hs->head; *pp; pp = &(*pp)->sk_bind_next)
		;
	*pp = sk;
	sk->sk_bind_next = NULL;
	hs->count++;
	for (pp = &hs2->head; *pp; pp = &(*pp)->sk_portaddr_next)
		;
	*pp = sk;
	sk->sk_portaddr_next = NULL;
	hs2->count++;
	if (sk->rcv_saddr)
		t->naddr++;
}

/* A UDP socket of @h is bound to @port (any address): the port's hash chain. */
static bool udp4_port_used(const struct host *h, uint16_t port)
{
	for (const struct sock *sk = udp_hashslot(h->udptable, port)->head; sk;
	     sk = sk->sk_bind_next)
		if (sk->num == port)
			return true;
	return false;
}

int udp_lib_get_port(struct sock *sk, uint16_t snum)
{
	struct host *h = sk->host;
	uint32_t lo = h->sysctl.port_lo, hi = h->sysctl.port_hi, n = hi - lo + 1;
	uint32_t start;

	if (snum) {
		sk->num = snum;
		goto found;
	}
	start = lo + (uint32_t)sim_rng_below(&h->port_rng, n);
	for (uint32_t i = 0; i < n; i++) {
		uint16_t port = (uint16_t)(lo + (start - lo + i) % n);

		if (!udp4_port_used(h, port)) {
			sk->num = port;
			goto found;
		}
	}
	return -EAGAIN;
found:
	sk->bound = true;
	udp_lib_hash(sk);
	return 0;
}

/* udp4_lib_lookup2: the first socket of hash2 slot @hs bound to @addr:@hnum. */
static struct sock *udp4_lib_lookup2(const struct udp_hslot *hs, uint32_t addr, uint16_t hnum)
{
	for (struct sock *sk = hs->head; sk; sk = sk->sk_portaddr_next)
		if (sk->num == hnum && sk->rcv_saddr == addr)
			return sk;
	return NULL;
}

/* ipv4_portaddr_hash(@addr, @port) through the table's memo of the last address. */
static uint32_t udp_portaddr_hash_memo(struct udp_table *t, uint32_t addr, uint16_t port)
{
	if (addr != t->memo_addr) {
		t->memo_addr = addr;
		t->memo_jhash = jhash_1word(be32_word(addr), 0);
	}
	return t->memo_jhash ^ port;
}

struct sock *udp4_lib_lookup(struct host *h, uint32_t daddr, uint16_t dport)
{
	struct udp_table *t = h->udptable;
	struct sock *sk;

	/*
	 * Sockets bound to @daddr first, then the wildcard ones. Without any
	 * socket bound to an address, the first walk could only find a wildcard
	 * socket when @daddr is 0, on the wildcard's own chain: go there at once
	 * (the same answer, without touching the sockets of another chain).
	 */
	if (t->naddr) {
		sk = udp4_lib_lookup2(udp_hashslot2(t, udp_portaddr_hash_memo(t, daddr, dport)),
				      daddr, dport);
		if (sk || !daddr)
			return sk;
	}
	return udp4_lib_lookup2(udp_hashslot2(t, t->any_jhash ^ dport), 0, dport);
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
	if (!udp_sk(sk)->reader_queue.qlen && sk->sk_receive_queue.qlen) /* the splice */
		cy += sk_lock_cost(c, &sk->rq_lock, sk, t);
	if (sk->nreaders > 1)
		cy += sk_lock_cost(c, &udp_sk(sk)->reader_lock, sk, t + cycles_to_ps(c->host, cy));
	return cy;
}

/* udp_unexpected_gso: a GSO skb for a socket that did not ask for them (no UDP_GRO). */
static bool udp_unexpected_gso(const struct sock *sk, const struct sk_buff *skb)
{
	return skb_is_gso(skb) && !sk->udp_gro;
}

uint64_t udp_queue_rcv_cost(const struct cpu *c, struct sock *sk, const struct sk_buff *skb,
			    sim_time_t t)
{
	const struct costs *k = &sk->host->costs;
	uint32_t n = udp_unexpected_gso(sk, skb) ? skb->gso_segs : 1;
	uint64_t cy = n > 1 ? (uint64_t)n * k->gso_segment : 0; /* udp_rcv_segment */

	for (uint32_t i = 0; i < n; i++) {
		/* cycles_to_ps(h, 0) is 0: no division for the one datagram of a plain skb */
		cy += k->udp_enqueue +
		      sk_lock_cost(c, &sk->rq_lock, sk, t + (cy ? cycles_to_ps(c->host, cy) : 0));
		if (sk->filter_on)
			cy += k->sk_filter + sk->filter.cycles;
	}
	if (sk->nwaiters) /* sk_data_ready wakes waiters[0] */
		cy += ttwu_cost(k, sk->waiters[0]);
	return cy;
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
		sock_rmem_note(sk);
	}
	sk->sk_err = err;
	while (sk->nwaiters) /* sk_error_report: EPOLLERR wakes every reader */
		sk_data_ready(sk);
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

/*
 * __udp_gso_segment (udpv4_offload.gso_segment): the head becomes the first
 * segment (gso_size bytes of payload), every segment gets skb_segment's
 * truesize (a paged skb: 832 + its payload, tests/kernel-ref/udp_gso.csv)
 * and, with copy_dtor (a sender's charge), its own share of the charge:
 * sk_wmem_alloc moves by the sum of the segments' less the whole skb's.
 */
static struct sk_buff *udp4_gso_segment(struct sk_buff *skb)
{
	struct sock *sk = skb->flags & SKB_F_WMEM ? skb->sk : NULL;
	uint32_t whole = skb->truesize, sum;
	struct sk_buff *s = skb->frag_next, *n;

	skb->len = skb->gso_size + UDP_FRAME_HDRS;
	skb->truesize = ip_append_paged_truesize(skb->len - ETH_HLEN, 8);
	skb->gso_size = 0;
	skb->gso_segs = 1;
	skb->frag_next = NULL;
	skb->next = s;
	sum = skb->truesize;
	for (; s; s = n) {
		/* skb_segment: the head's headers and state, the segment's own data */
		uint64_t id = s->id;
		uint32_t len = s->len;

		n = s->frag_next;
		*s = *skb;
		s->id = id;
		s->len = len;
		s->truesize = ip_append_paged_truesize(len - ETH_HLEN, 8);
		s->next = n;
		sum += s->truesize;
	}
	if (sk) /* each segment now holds sock_wfree and its own truesize */
		sk->sk_wmem_alloc += sum - whole;
	return skb;
}

/* udp_queue_rcv_one_skb (R22-R24). */
static void udp_queue_rcv_one_skb(struct sock *sk, struct sk_buff *skb)
{
	struct world *w = sk->host->w;

	if (sk->connected && sk->sk_rxhash != skb->hash) /* __udp_queue_rcv_skb: inet_daddr set */
		sk->sk_rxhash = skb->hash;		 /* sock_rps_save_rxhash */
	skb_set_stage(sk->host, skb, STAGE_R22);
	if (sk->filter_on) {
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

/*
 * udp_queue_rcv_skb: a GSO skb (UDP_SEGMENT over lo or veth) reaching a
 * socket without UDP_GRO is cut first (udp_rcv_segment), each segment then
 * admitted and queued on its own; a UDP_GRO socket queues it whole.
 */
void udp_queue_rcv_skb(struct sock *sk, struct sk_buff *skb)
{
	struct sk_buff *segs, *next;

	if (!udp_unexpected_gso(sk, skb)) {
		udp_queue_rcv_one_skb(sk, skb);
		return;
	}
	for (segs = udp4_gso_segment(skb); segs; segs = next) {
		next = segs->next;
		segs->next = NULL;
		udp_queue_rcv_one_skb(sk, segs);
	}
}

/* udp_rmem_release(sk, size, partial = 1): lazy return of receive memory. */
static void udp_rmem_release(struct sock *sk, uint32_t size)
{
	int64_t amt;

	udp_sk(sk)->forward_deficit += size;
	size = udp_sk(sk)->forward_deficit;
	if (size < (sk->sk_rcvbuf >> 2) && udp_sk(sk)->reader_queue.qlen)
		return;
	udp_sk(sk)->forward_deficit = 0;
	sk->sk_forward_alloc += size;
	amt = (sk->sk_forward_alloc - 1) & ~(int64_t)(SK_MEM_QUANTUM - 1);
	sk->sk_forward_alloc -= amt;
	if (amt > 0) /* __sk_mem_reduce_allocated */
		udp_memory_allocated_add(sk, -amt / SK_MEM_QUANTUM);
	sk->sk_rmem_alloc -= size;
}

/* udp_prot.dequeue (__skb_recv_udp): reader_queue first, refilled from sk_receive_queue. */
static struct sk_buff *udp_dequeue(struct sock *sk)
{
	struct sk_buff *skb;

	if (!udp_sk(sk)->reader_queue.qlen)
		skb_queue_splice_tail_init(&sk->sk_receive_queue, &udp_sk(sk)->reader_queue);
	skb = __skb_dequeue(&udp_sk(sk)->reader_queue);
	if (!skb)
		return NULL;
	udp_rmem_release(sk, skb->truesize);
	sock_dequeued(sk, skb);
	return skb;
}

/* ---- the protocol handler (R21) ---- */

/* __udp4_lib_rcv's drops: the skb is freed here. */
static struct sock *udp_rcv_drop(struct host *h, struct sk_buff *skb, enum skb_drop_reason reason,
				 uint64_t *cycles)
{
	*cycles += h->costs.kfree_skb;
	kfree_skb_reason(h, skb, reason);
	return NULL;
}

/* udp_protocol.handler, __udp4_lib_rcv (R21): the socket, or an error. */
static struct sock *udp_rcv(struct cpu *c, struct host *h, struct sk_buff *skb, uint64_t *cycles)
{
	struct sock *sk;

	skb_set_stage(h, skb, STAGE_R21);
	*cycles += h->costs.udp_rcv;
	sk = udp4_lib_lookup_skb(h, skb, c);
	if (sk)
		return sk;
	if (skb->flags & SKB_F_BAD_CSUM) {
		h->udp.InCsumErrors++;
		h->udp.InErrors++;
		return udp_rcv_drop(h, skb, SKB_DROP_REASON_UDP_CSUM, cycles);
	}
	h->udp.NoPorts++;
	icmp_send(c, h, skb, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, 0, cycles);
	return udp_rcv_drop(h, skb, SKB_DROP_REASON_NO_SOCKET, cycles);
}

/* udpv4_offload.gro_receive: udp_gro_receive merges plain UDP only for a local UDP_GRO socket. */
static bool udp_gro_receive(struct host *h, const struct sk_buff *skb)
{
	struct sock *sk;

	/* udp4_gro_receive looks the socket up only behind static_branch(udp_encap_needed_key) */
	if (!h->udptable->encap_needed || skb->pkt_type != PACKET_HOST ||
	    (skb->flags & (SKB_F_BAD_CSUM | SKB_F_BAD_IPHDR | SKB_F_FRAG)) ||
	    !ip_is_local(h, skb->daddr))
		return false;
	sk = udp4_lib_lookup(h, skb->daddr, skb->dport);
	return sk && sk->udp_gro;
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
	sk->filter_on = true;
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
	for (const struct sock *o = udp_hashslot(h->udptable, sk->num)->head; o;
	     o = o->sk_bind_next) {
		/* udp_lib_lport_inuse: sharing needs SO_REUSEPORT on both */
		if (o->num == sk->num &&
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
	const struct udp_hslot *hs =
		udp_hashslot2(h->udptable, ipv4_portaddr_hash(sk->rcv_saddr, sk->num));

	for (struct sock *o = hs->head; o; o = o->sk_portaddr_next)
		if (o != sk && o->sk_reuseport_cb && o->num == sk->num &&
		    o->rcv_saddr == sk->rcv_saddr)
			return reuseport_add_sock(o->sk_reuseport_cb, sk, err);
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

/* udp_prot.init: `bind` and the socket options. */
static int udp_init(struct host *h, struct sock *sk, const struct cfg_node *n,
		    struct sim_error *err)
{
	static const char *const pmtudisc_names[] = { "dont", "want", "do", "probe", NULL };
	const char *bind = NULL;
	uint64_t sndbuf, prio, tos, budget, gso;
	sim_time_t ll;
	int pmtudisc;

	skb_queue_head_init(&udp_sk(sk)->reader_queue);
	if (cfg_get_str(n, "bind", &bind, NULL, err) ||
	    cfg_get_time(n, "busy_poll", &ll, (sim_time_t)h->sysctl.busy_read * SIM_US, 0,
			 (sim_time_t)INT32_MAX * SIM_US, err) ||
	    cfg_get_bool(n, "prefer_busy_poll", &sk->sk_prefer_busy_poll, false, err) ||
	    cfg_get_u64(n, "busy_poll_budget", &budget, 0, 0, UINT16_MAX, err) ||
	    cfg_get_bool(n, "udp_gro", &sk->udp_gro, false, err) ||
	    cfg_get_u64(n, "udp_segment", &gso, 0, 0, UINT16_MAX, err) ||
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
	udp_sk(sk)->gso_size = (uint16_t)gso;	  /* udp_lib_setsockopt(UDP_SEGMENT) */
	sk->sk_ll_usec = (uint32_t)(ll / SIM_US); /* sock_setsockopt: SO_BUSY_POLL in us */
	sk->sk_busy_poll_budget = (uint16_t)budget;
	sk->sk_sndbuf = cfg_has(n, "sndbuf") ? sock_sndbuf_for(sndbuf, h->sysctl.wmem_max)
					     : (uint32_t)h->sysctl.wmem_default;
	sk->priority = (uint32_t)prio;
	sk->tos = (uint8_t)tos;
	if (sk->udp_gro) /* udp_setsockopt(UDP_GRO): udp_tunnel_encap_enable() */
		h->udptable->encap_needed = true;
	if (!bind) /* unbound: inet_autobind at the first send */
		return sock_parse_reuseport(h, sk, n, err);
	if (inet_parse_addr_port(bind, &sk->rcv_saddr, &sk->num) || sk->num == 0)
		return cfg_error(cfg_get(n, "bind"), err,
				 "'bind' must be ADDRESS:PORT like '0.0.0.0:5000', got '%s'", bind);
	if (sk->rcv_saddr && !ip_is_local(h, sk->rcv_saddr))
		return cfg_error(cfg_get(n, "bind"), err,
				 "cannot bind '%s': address is not local to host '%s'", bind,
				 h->name);
	if (sock_check_bind(h, sk, n, err))
		return -1;
	udp_lib_get_port(sk, sk->num);
	return sock_parse_reuseport(h, sk, n, err);
}

/* udp_prot.destroy: the last member of a reuseport group frees it. */
static void udp_destroy(struct sock *sk)
{
	struct sock_reuseport *r = sk->sk_reuseport_cb;

	if (r && !--r->num_socks) {
		free(r->socks);
		free(r);
	}
}

/* ---- transmit ---- */

/*
 * One skb: 832 bytes up to 197 bytes of payload, 1280 up to 645, 2304 up to
 * 1669, 4352 up to 3717, 8448 up to 7813, 16640 up to 16004, then payload +
 * 832 (tests/kernel-ref/payload.csv, every size measured on 6.18).
 */
uint32_t udp_tx_truesize(uint32_t payload)
{
	return ip_append_truesize(payload + 28, 8);
}

/* inet_autobind -> udp_lib_get_port(sk, 0): a random start in the range, first free. */
static int inet_autobind(struct sock *sk)
{
	return udp_lib_get_port(sk, 0);
}

/*
 * A hash of the 4-tuple for TX queue selection, RPS and fq_codel, standing
 * for skb_get_hash (a jhash of the flow keys): the splitmix64 finalizer, so
 * that every input bit reaches every output bit and neighbouring ports spread
 * over all queues, as they do in Linux.
 */
static uint32_t flow_hash(const struct sk_buff *skb)
{
	uint64_t x = (uint64_t)skb->saddr << 32 | skb->daddr;

	x ^= ((uint64_t)skb->sport << 16 | skb->dport) * 0x9E3779B97F4A7C15ull;
	x ^= x >> 30;
	x *= 0xBF58476D1CE4E5B9ull;
	x ^= x >> 27;
	x *= 0x94D049BB133111EBull;
	x ^= x >> 31;
	return (uint32_t)(x >> 32);
}

/*
 * The truesize of a datagram the route's @mtu splits: __ip_append_data
 * builds one skb per fragment, each charged to the socket.
 */
static uint32_t udp_tx_truesize_mtu(uint32_t payload, uint32_t mtu)
{
	uint32_t total = payload + 8, fs = ip_frag_size(mtu), sum = 0;

	if (total + 20 <= mtu)
		return udp_tx_truesize(payload);
	for (uint32_t off = 0; off < total; off += fs) {
		uint32_t data = total - off < fs ? total - off : fs;

		sum += ip_frag_truesize(data);
	}
	return sum;
}

/*
 * The segments after the first of a GSO skb of @payload bytes cut every
 * @gso (udp_send_skb: gso_segs = DIV_ROUND_UP(datalen, gso_size)), chained
 * to @skb through frag_next: copies of its headers, uncharged until they
 * are cut. -1 when the pool has no skb for one (nothing is left chained).
 */
static int udp_gso_chain(struct world *w, struct sk_buff *skb, uint32_t payload, uint16_t gso)
{
	uint32_t n = (payload + gso - 1) / gso;
	struct sk_buff **tail = &skb->frag_next;

	for (uint32_t i = 1; i < n; i++) {
		uint32_t data = i + 1 < n ? gso : payload - (n - 1) * gso;
		struct sk_buff *s = skb_alloc(w);

		if (!s) {
			skb_free_chain(w, skb->frag_next);
			skb->frag_next = NULL;
			return -1;
		}
		*tail = s;
		tail = &s->frag_next;
		s->len = data + UDP_FRAME_HDRS;
		s->truesize = ip_append_paged_truesize(data + 28, 8);
	}
	skb->gso_size = gso;
	skb->gso_segs = (uint16_t)n;
	return 0;
}

/* A GSO skb's other segments take the head's headers and birth (skb_segment copies them). */
static void udp_gso_chain_headers(struct sk_buff *skb)
{
	for (struct sk_buff *s = skb->frag_next; s; s = s->frag_next) {
		s->saddr = skb->saddr;
		s->daddr = skb->daddr;
		s->sport = skb->sport;
		s->dport = skb->dport;
		s->protocol = skb->protocol;
		s->eth_proto = skb->eth_proto;
		s->ttl = skb->ttl;
		s->priority = skb->priority;
		s->tos = skb->tos;
		s->hash = skb->hash;
		s->ip_id = skb->ip_id;
		s->flags = skb->flags & SKB_F_DF;
		s->t_born = skb->t_born;
		s->t_mark = skb->t_mark;
		s->lat = skb->lat;
	}
}

static struct sk_buff *ip_make_skb(struct sock *sk, const struct fib_route *rt, uint32_t daddr,
				   uint16_t dport, uint32_t payload, uint32_t mtu)
{
	struct world *w = sk->host->w;
	struct sk_buff *skb = skb_alloc(w);
	uint16_t gso = udp_sk(sk)->gso_size;

	if (!skb)
		return NULL;
	if (gso && payload > gso && udp_gso_chain(w, skb, payload, gso)) {
		skb_free_chain(w, skb);
		return NULL;
	}
	w->offered += skb->gso_segs;
	skb->len = payload + UDP_FRAME_HDRS;
	/* __ip_append_data: a UDP_SEGMENT socket builds paged skbs (paged = !!cork->gso_size) */
	skb->truesize =
		gso ? ip_append_paged_truesize(payload + 28, 8) : udp_tx_truesize_mtu(payload, mtu);
	skb->ip_id = sk->host->ip_id_next++;
	/* __ip_make_skb: DF with IP_PMTUDISC_DO/PROBE, or WANT on what fits (ip_dont_fragment) */
	if (sk->pmtudisc == IP_PMTUDISC_DO || sk->pmtudisc == IP_PMTUDISC_PROBE ||
	    (sk->pmtudisc == IP_PMTUDISC_WANT && payload + 28 <= mtu))
		skb->flags |= SKB_F_DF;
	skb->saddr = sk->rcv_saddr ? sk->rcv_saddr : rt->src;
	skb->daddr = daddr;
	skb->sport = sk->num;
	skb->dport = dport;
	skb->protocol = IPPROTO_UDP_;
	skb->eth_proto = ETH_P_IP;
	skb->ttl = (uint8_t)sk->host->sysctl.ip_default_ttl;
	skb->priority = sk->priority;
	skb->tos = sk->tos;
	skb->hash = flow_hash(skb);
	skb->t_born = skb->t_mark = w->q.now;
	skb->lat = LAT_TX_STACK;
	skb->sk = sk;
	skb->flags |= SKB_F_WMEM;
	sk->sk_wmem_alloc += skb->truesize;
	skb_observe(sk->host, skb, SKB_EV_BORN, 0);
	if (skb->frag_next) {
		udp_gso_chain_headers(skb);
		for (struct sk_buff *s = skb->frag_next; s; s = s->frag_next)
			skb_observe(sk->host, s, SKB_EV_BORN, 0);
	}
	return skb;
}

/*
 * udp_send_skb's UDP_SEGMENT checks: a segment (or the datagram, when it
 * is not longer than one) that does not fit the route's MTU is EMSGSIZE;
 * more than UDP_MAX_SEGMENTS segments is EINVAL (nothing counted).
 */
static int udp_gso_check(uint32_t payload, uint16_t gso, uint32_t fragsize)
{
	if (28 + (payload < gso ? payload : gso) > fragsize)
		return -EMSGSIZE;
	if (payload > (uint32_t)gso * UDP_MAX_SEGMENTS)
		return -EINVAL;
	return 0;
}

/*
 * ip_route_output_flow for a UDP socket: the route to @daddr in *rt, or the
 * errno of the lookup: ENETUNREACH (counting OutNoRoutes) when there is no
 * route, an unreachable/prohibit/blackhole route's own error (nothing counted).
 */
static int udp_route(struct host *h, uint32_t daddr, const struct fib_route **rt, uint64_t *cycles)
{
	*rt = fib_lookup_cost(h, daddr, h->costs.ip_route_output, cycles);
	if (!*rt) {
		h->ip.OutNoRoutes++;
		return -ENETUNREACH;
	}
	return fib_route_error(*rt);
}

int udp_connect(struct sock *sk, uint32_t daddr)
{
	const struct fib_route *rt;
	uint64_t cycles = 0; /* connect() runs before the run: its time is not simulated */
	int rc;

	if (!sk->bound && inet_autobind(sk))
		return -EAGAIN;
	rc = udp_route(sk->host, daddr, &rt, &cycles);
	if (rc)
		return rc;
	sk->dst_cache = rt;
	sk->connected = true;
	return 0;
}

int udp_sendmsg(struct sock *sk, uint32_t daddr, uint16_t dport, uint32_t payload,
		struct udp_tx *tx, uint64_t *cycles)
{
	struct host *h = sk->host;
	const struct costs *k = &h->costs;
	const struct fib_route *rt;
	uint16_t gso = udp_sk(sk)->gso_size; /* UDP_SEGMENT */
	struct sk_buff *skb;
	uint32_t mtu;
	int rc;

	*cycles += k->send_per_msg +
		   (uint64_t)membw_copy_cycles(h, h->w->q.now, payload, k->send_copy_per_byte);
	if (!sk->bound && inet_autobind(sk))
		return -EAGAIN;
	/* a connected socket reuses the route connect() cached (sk_dst_check) */
	rt = sk->connected ? sk->dst_cache : NULL;
	if (!rt) {
		rc = udp_route(h, daddr, &rt, cycles);
		if (rc)
			return rc;
	}
	/* ip_sk_use_pmtu: PROBE ignores the learnt path MTU and uses the device's */
	mtu = sk->pmtudisc == IP_PMTUDISC_PROBE ? ip_route_dev(h, rt)->mtu
						: ip_dst_mtu(h, rt, daddr);
	/* __ip_append_data: IP_PMTUDISC_DO and PROBE refuse to fragment (with UDP_SEGMENT
	 * its mtu is IP_MAX_MTU: udp_gso_check tests the segments) */
	if (payload > UDP_MAX_PAYLOAD ||
	    (!gso && sk->pmtudisc >= IP_PMTUDISC_DO && payload + 28 > mtu))
		return -EMSGSIZE;
	/* sock_alloc_send_pskb: a pending ICMP error fails the call (OutDiscards) */
	rc = sock_error(sk);
	if (rc) {
		h->ip.OutDiscards++;
		return rc;
	}
	if (sk->sk_wmem_alloc >= sk->sk_sndbuf && !sk->nonblock)
		return UDP_SEND_BLOCK;
	/* the kernel builds the skb, then udp_send_skb frees it (kfree_skb): none is made here */
	rc = gso && sk->sk_wmem_alloc < sk->sk_sndbuf ? udp_gso_check(payload, gso, mtu) : 0;
	if (rc)
		return rc;
	skb = sk->sk_wmem_alloc >= sk->sk_sndbuf ? NULL
						 : ip_make_skb(sk, rt, daddr, dport, payload, mtu);
	if (!skb) {
		/* __ip_append_data's error path, then udp_sendmsg's "out:" (SOCK_NOSPACE) */
		h->ip.OutDiscards++;
		h->udp.SndbufErrors++;
		return sk->sk_wmem_alloc >= sk->sk_sndbuf ? -EAGAIN : -ENOBUFS;
	}
	h->ip.OutRequests++;
	*cycles += k->ip_output;
	tx->skb = skb;
	tx->dev = ip_route_dev(h, rt);
	tx->nexthop = rt->gw ? rt->gw : daddr;
	rc = ip_local_out_hooks(h, skb, tx->dev, cycles);
	if (rc) {
		h->ip.OutDiscards++; /* ip_send_skb: any error */
		*cycles += k->kfree_skb;
		kfree_skb_reason(h, skb, SKB_DROP_REASON_NETFILTER_DROP);
		tx->skb = NULL;
	}
	return rc;
}

int udp_send_commit(struct cpu *c, struct sock *sk, struct udp_tx *tx, uint64_t *cycles)
{
	struct host *h = sk->host;
	struct sk_buff *skb = tx->skb;
	int rc = ip_finish_output(c, skb, tx->dev, tx->nexthop, cycles);
	int err = rc == NET_XMIT_DROP ? -ENOBUFS : 0;

	tx->skb = NULL;
	if (err)
		h->ip.OutDiscards++;
	if (err == -ENOBUFS) {
		h->udp.SndbufErrors++;
		return sk->recverr ? err : 0;
	}
	h->udp.OutDatagrams++;
	return 0;
}

/* ---- the tables' entries ---- */

const struct proto udp_prot = {
	.name = "UDP",
	.what = "socket",
	.obj_size = sizeof(struct udp_sock),
	.init = udp_init,
	.destroy = udp_destroy,
	.queue_rcv_cost = udp_queue_rcv_cost,
	.queue_rcv_skb = udp_queue_rcv_skb,
	.dequeue = udp_dequeue,
	.recv_lock_cost = udp_recv_lock_cost,
	.recv_locks = udp_recv_locks,
};

const struct net_protocol udp_protocol = {
	.handler = udp_rcv,
	.err_handler = udp_err,
};

const struct net_offload udpv4_offload = {
	.gro_receive = udp_gro_receive,
	.gso_segment = udp4_gso_segment,
};
