/*
 * models/ipv4/udp.h - UDP: the protocol handler, the udptable, sockets
 * (udp_prot), ICMP errors, and udp_sendmsg down to ip_output.
 *
 * Kernel references: net/ipv4/udp.c (__udp4_lib_rcv, __udp4_lib_lookup,
 * udp_queue_rcv_one_skb, __udp_enqueue_schedule_skb, udp_rmem_release,
 * __skb_recv_udp, udp_recvmsg), net/core/sock.c (sock_setsockopt SO_RCVBUF,
 * __sock_set_rcvbuf, sock_def_readable), iproute2 misc/ss.c (skmem line).
 * The handler (udp_protocol, __udp4_lib_rcv at R21: socket lookup; with none
 * the checksum is verified, bad: InCsumErrors + InErrors, silent; else
 * NoPorts and an ICMP port unreachable), the error handler (__udp4_lib_err)
 * and GRO's check (udpv4_offload) are reached through models/ipv4/protocol.h,
 * the socket's enqueue and dequeue through udp_prot (models/ipv4/sock.h).
 *
 * Receive-buffer admission follows the measured 6.18 kernel (kernel-facts §7
 * "Measured", tests/kernel-ref): a datagram of truesize T is admitted iff
 * sk_rmem_alloc + T <= sk_rcvbuf or sk_rmem_alloc == 0. Memory is released
 * lazily as udp_rmem_release does: dequeued truesize accumulates in
 * forward_deficit and is returned when it reaches sk_rcvbuf / 4 or the
 * reader queue runs empty. SO_RCVBUF is doubled and clamped to rmem_max as
 * __sock_set_rcvbuf does; without it the buffer is rmem_default.
 *
 * Locks (models/kernel/contention.h): each enqueue holds sk_receive_queue.lock
 * for udp_queue_hold (also for a datagram then refused); a reader holds
 * reader_queue.lock per datagram and sk_receive_queue.lock when it splices.
 * Waking a reader costs `wakeup` on the softirq's own CPU, `wakeup_remote`
 * on another (ttwu_cost()).
 *
 * SO_REUSEPORT (net/core/sock_reuseport.c reuseport_add_sock,
 * reuseport_select_sock, reuseport_select_sock_by_hash, run_bpf_filter;
 * net/ipv4/udp.c udp_lib_lport_inuse, udp_reuseport_add_sock, udp_ehashfn;
 * net/ipv4/inet_hashtables.c inet_lookup_reuseport, __inet_ehashfn): a
 * second bind to a held port is EADDRINUSE unless both sockets set
 * reuseport. Sockets with reuseport on the same address and port form one
 * group, in bind order (reuse->socks[]). The lookup's best socket, when it
 * is in a group, is replaced by the group's choice: with the CPU policy
 * (SO_ATTACH_REUSEPORT_CBPF of `ld #cpu; ret a`) the socket whose index is
 * the receiving CPU, else (and when that index is past the group's end) the
 * socket reciprocal_scale(udp_ehashfn(daddr, dport, saddr, sport), n).
 * udp_ehashfn is jhash_3words with udp_ehash_secret + net_hash_mix(net),
 * two per-boot random numbers: here one 32-bit draw from the host's seeded
 * stream "udp_ehash_secret/<host>", so a seed fixes the selection.
 *
 * udp_mem (net/ipv4/udp.c __udp_enqueue_schedule_skb, udp_rmem_schedule,
 * udp_rmem_release; net/core/sock.c __sk_mem_schedule,
 * __sk_mem_raise_allocated, __sk_mem_reduce_allocated; include/net/sock.h
 * sk_memory_allocated_add/_sub, proto_memory_pcpu_drain): a datagram the
 * socket's forward allocation cannot cover charges sk_mem_pages() of the
 * missing bytes to the machine's udp_memory_allocated, through the running
 * CPU's reserve (per_cpu_fw_alloc), which is added to the machine's count
 * only when it reaches +-net.core.mem_pcpu_rsv pages. The charge stands when
 * the count is at most udp_mem[0], never above udp_mem[2], and in between
 * only while sk_rmem_alloc (without the datagram, as with 6.18's per-NUMA
 * producer queues) is under net.ipv4.udp_rmem_min; udp_prot has no
 * memory-pressure hooks, so udp_mem[1] changes nothing. A refusal drops
 * with SKB_DROP_REASON_PROTO_MEM and counts in sk_drops only: 6.18 bumps no
 * Udp counter for it (measured, tests/kernel-ref/udp_mem.csv). udp_rmem_release
 * returns the forward allocation beyond one page to the count.
 *
 * The udptable (include/net/udp.h struct udp_table, udp_hslot; net/ipv4/udp.c
 * udp_lib_get_port, udp_lib_lport_inuse, __udp4_lib_lookup, udp4_lib_lookup2,
 * udp_table_init; include/net/ip.h ipv4_portaddr_hash; include/net/udp.h
 * udp_hashfn): every bound UDP socket of a host is on two chains, `hash`
 * by local port (udp_hashfn: port & mask; bind conflicts and the ephemeral
 * port search walk it, as udp_lib_lport_inuse does) and `hash2` by local
 * address and port (ipv4_portaddr_hash: jhash_1word(address) ^ port). A
 * receive looks up hash2 of (daddr, dport) for a socket bound to that
 * address, then hash2 of (INADDR_ANY, dport), as __udp4_lib_lookup does, so
 * a lookup costs the same with one socket or 10^5. compute_score ranks a
 * socket bound to the address above a wildcard one (the two lookups), and
 * sockets of equal score share an address and port, i.e. one reuseport
 * group, which then chooses; the chains keep bind order (the kernel adds at
 * the head), so the chain's first match is the group's first member. Each
 * host is one network namespace with a table of its own
 * (udp_child_hash_entries) of 256 (UDP_HTABLE_SIZE_MIN) to 65536 slots
 * (udp_table_init's limit, what alloc_large_system_hash gives a server), at
 * most a quarter full with the host's sockets, and net_hash_mix is 0.
 *
 * Simplified: no multicast, no per-NUMA producer queues (so the lock is per
 * datagram and each datagram is scheduled alone, as with one producer); a
 * reuseport group ignores connected members (reuseport_has_conns), and the
 * hash and the BPF program cost nothing beyond udp_rcv; ICMP errors and the
 * GRO eligibility check use the group's first socket; the error queue's
 * charge and the taps take no udp_mem pages; no memcg; the udptable has no
 * hash4 of connected sockets (6.13+; a connected socket is found by its
 * local address and port, and compute_score's bonus for a matching remote
 * end would only rank sockets sharing a port, i.e. a reuseport group, whose
 * connected members are ignored), and binds walk the port's chain even when
 * it is long (udp_lib_lport_inuse2 is a speed-up with the same answer).
 *
 * Transmit. Kernel references: net/ipv4/udp.c (udp_sendmsg, udp_send_skb,
 * udp_lib_get_port), net/ipv4/af_inet.c (inet_autobind), net/ipv4/ip_output.c
 * (ip_make_skb, __ip_append_data, ip_send_skb, __ip_local_out, ip_output),
 * net/core/sock.c (sock_alloc_send_pskb, sock_wfree), kernel-facts §7(b)
 * and §8, tests/kernel-ref (truesize by payload, measured on 6.18).
 *
 * udp_sendmsg() is what the syscall does before the packet becomes visible to
 * anyone else: autobind, route, send-buffer admission (blocking or EAGAIN),
 * the skb with its truesize charged to sk_wmem_alloc, OutRequests,
 * LOCAL_OUT and POST_ROUTING. udp_send_commit() is the hand-off at the end of
 * the syscall's CPU time: neighbour output and dev_queue_xmit, then
 * udp_send_skb's bookkeeping: a qdisc drop (NET_XMIT_DROP, -ENOBUFS) counts
 * Ip OutDiscards and Udp SndbufErrors and is reported to the application
 * only with IP_RECVERR; otherwise Udp OutDatagrams.
 *
 * A connect()ed socket (connected at the start of the run: udp_connect)
 * keeps its route (sk_dst_cache) and pays for the lookup once; an unconnected
 * one looks it up on every send. A lookup that ends on no route is
 * ENETUNREACH (OutNoRoutes), on an unreachable/prohibit/blackhole route
 * EHOSTUNREACH/EACCES/EINVAL.
 *
 * A datagram larger than the route's MTU (the device's, or the path MTU
 * learnt for the destination from ICMP fragmentation needed) is fragmented
 * (models/ipv4/ip_fragment.h) unless the socket's IP_MTU_DISCOVER is
 * IP_PMTUDISC_DO or PROBE (then EMSGSIZE; PROBE compares with the device's
 * MTU); one larger than 65507 bytes always fails with EMSGSIZE. DF is set as
 * __ip_make_skb does: always with DO and PROBE, never with DONT, with WANT
 * (the default) when the datagram fits the MTU. A pending ICMP error
 * (sk_err) fails the next send (OutDiscards).
 *
 * Simplified: no corking (MSG_MORE), no IP options, no cmsg.
 */
#ifndef MODELS_UDP_H
#define MODELS_UDP_H

#include <stdint.h>

#include "models/kernel/cpu.h"
#include "models/core/skb.h"
#include "models/ipv4/ip_output.h"
#include "models/ipv4/sock.h"
#include "models/world.h"

struct net_device;

/* struct udp_sock (include/linux/udp.h): a UDP socket. */
struct udp_sock {
	struct sock sk;			  /* first: the generic socket (inet_sock) */
	struct sk_buff_head reader_queue; /* datagrams spliced for the readers */
	uint32_t forward_deficit;	  /* bytes: released truesize not yet returned */
	struct sim_spinlock reader_lock;  /* reader_queue.lock (readers only) */
	uint16_t gso_size;		  /* bytes: setsockopt(UDP_SEGMENT), 0 = off */
};

static inline struct udp_sock *udp_sk(const struct sock *sk)
{
	return (struct udp_sock *)sk;
}

/* jhash_3words and jhash_1word (include/linux/jhash.h). */
uint32_t jhash_3words(uint32_t a, uint32_t b, uint32_t c, uint32_t initval);
uint32_t jhash_1word(uint32_t a, uint32_t initval);

#define UDP_HTABLE_SIZE_MIN 256	  /* slots of the smallest udptable */
#define UDP_HTABLE_SIZE_MAX 65536 /* and of the largest (udp_table_init's limit) */

/* struct udp_hslot: one slot of the udptable, a chain in bind order. */
struct udp_hslot {
	struct sock *head; /* first socket of the chain, or NULL */
	uint32_t count;	   /* sockets on the chain */
};

/*
 * struct udp_table: a host's bound UDP sockets, each on one chain of hash
 * (by local port) and one of hash2 (by local address and port).
 */
struct udp_table {
	struct udp_hslot *hash;	 /* [mask + 1]: udp_hashfn(port) */
	struct udp_hslot *hash2; /* [mask + 1]: ipv4_portaddr_hash(address, port) */
	uint32_t mask;		 /* slots - 1 (slots: a power of two) */
	uint32_t any_jhash;	 /* jhash_1word of INADDR_ANY: the wildcard lookup's hash2 */
	uint32_t memo_addr;	 /* the last address hashed by a lookup (host order)... */
	uint32_t memo_jhash;	 /* ...and its jhash_1word: receivers see few addresses */
	uint32_t naddr;		 /* sockets bound to a specific address (0: the lookup by
				    address can find none and goes to the wildcard's chain) */
	bool encap_needed;	 /* udp_encap_needed_key: a socket has UDP_GRO (GRO looks up) */
};

/* udp_table_init: the table of @h for up to @nsocks sockets. 0 or -1 (out of memory). */
int udp_table_init(struct host *h, uint32_t nsocks);
/* Free @h's table (the sockets are freed by sock_free). */
void udp_table_free(struct host *h);
/* ipv4_portaddr_hash for host-order @addr (net_hash_mix 0). */
uint32_t ipv4_portaddr_hash(uint32_t addr, uint16_t port);
/*
 * udp_lib_get_port: bind @sk to @snum (its rcv_saddr set), or with @snum 0
 * to the first free port of ip_local_port_range from a random start (the
 * host's port_rng), and hash it. 0, or -EAGAIN when no port is free.
 */
int udp_lib_get_port(struct sock *sk, uint16_t snum);
/*
 * udp_ehashfn for local @laddr:@lport and remote @faddr:@fport (host
 * order; converted to the kernel's network-order words as on x86).
 */
uint32_t udp_ehashfn(uint32_t secret, uint32_t laddr, uint16_t lport, uint32_t faddr,
		     uint16_t fport);
/*
 * reuseport_select_sock: the member of @reuse that receives @skb on CPU
 * @cpu.
 */
struct sock *reuseport_select_sock(const struct sock_reuseport *reuse, const struct sk_buff *skb,
				   uint32_t cpu);

/* The admission rule: may a datagram of @truesize join a socket holding @rmem of @rcvbuf? */
bool udp_rmem_admit(uint32_t rmem, uint32_t truesize, uint32_t rcvbuf);

/*
 * The udp_mem rule of __sk_mem_raise_allocated for a receive charge: may
 * the machine's count reach @allocated pages (the charge included) for a
 * socket holding @rmem bytes? At most udp_mem[0]: yes; over udp_mem[2]: no;
 * in between only while @rmem < @rmem_min (net.ipv4.udp_rmem_min).
 */
bool udp_mem_admit(int64_t allocated, const uint64_t udp_mem[3], uint32_t rmem, uint32_t rmem_min);

/*
 * The best socket for (daddr, dport) on @h, or NULL: an exact address
 * match, else the first wildcard one (compute_score). A group's first socket
 * stands for its group.
 */
struct sock *udp4_lib_lookup(struct host *h, uint32_t daddr, uint16_t dport);
/*
 * __udp4_lib_lookup for @skb received on CPU @c: udp4_lib_lookup, then
 * the reuseport group's choice (inet_lookup_reuseport).
 */
static inline struct sock *udp4_lib_lookup_skb(struct host *h, const struct sk_buff *skb,
					       const struct cpu *c)
{
	struct sock *sk = udp4_lib_lookup(h, skb->daddr, skb->dport);

	if (sk && sk->sk_reuseport_cb)
		return reuseport_select_sock(sk->sk_reuseport_cb, skb, c->id);
	return sk;
}

/*
 * udp_queue_rcv_skb -> udp_queue_rcv_one_skb at R22-R24: socket filter,
 * checksum completion when filtered, receive-buffer admission, enqueue,
 * sk_data_ready. Frees or queues @skb; a GSO skb (UDP_SEGMENT over lo or
 * veth) for a socket without UDP_GRO is cut first (udp_rcv_segment) and each
 * segment goes through these steps. Its CPU cost is udp_queue_rcv_cost(),
 * charged when the unit starts.
 */
void udp_queue_rcv_skb(struct sock *sk, struct sk_buff *skb);
/*
 * The cycles on CPU @c, whose unit reaches the enqueue of @skb at @t:
 * udp_rcv_segment's gso_segment per segment when it is cut; per datagram
 * queued the enqueue, the filter, waiting for sk_receive_queue.lock (held
 * udp_queue_hold per enqueue); and the wake-up of a sleeping reader
 * (ttwu_cost(): wakeup, or wakeup_remote when its CPU is not the running
 * one).
 */
uint64_t udp_queue_rcv_cost(const struct cpu *c, struct sock *sk, const struct sk_buff *skb,
			    sim_time_t t);
/*
 * The locks a reader on @c takes at @t to dequeue the next datagram
 * (reader_queue.lock when several readers share the socket, since a lone
 * reader never waits for it; sk_receive_queue.lock when it splices): the
 * cycles it waits. Call before sock_dequeue(), when udp_recv_locks() says
 * there is a lock to take.
 */
uint64_t udp_recv_lock_cost(const struct cpu *c, struct sock *sk, sim_time_t t);

static inline bool udp_recv_locks(const struct sock *sk)
{
	return sk->kind == SOCK_UDP &&
	       (sk->nreaders > 1 || (!udp_sk(sk)->reader_queue.qlen && sk->sk_receive_queue.qlen));
}

/*
 * __udp4_lib_err: ICMP error @icmp (received by @h) about a datagram one of
 * @h's UDP sockets sent. Fragmentation needed updates the path MTU
 * (ipv4_sk_update_pmtu). Hard errors (port unreachable, communication
 * prohibited, fragmentation needed unless IP_PMTUDISC_DONT) set sk_err on a
 * connected socket; with IP_RECVERR every error is queued (the ICMP skb's
 * truesize charged to sk_rmem_alloc, while the buffer has room; never read
 * by the model's applications) and sets sk_err.
 * Readers are woken (sk_error_report). No socket: Icmp InErrors.
 */
void udp_err(struct host *h, const struct sk_buff *icmp);

/* A datagram prepared by udp_sendmsg, handed off by udp_send_commit. */
struct udp_tx {
	struct sk_buff *skb;	/* the packet, charged to the socket */
	struct net_device *dev; /* egress device (lo for a local destination) */
	uint32_t nexthop;	/* gateway or destination */
};

#define UDP_SEND_BLOCK	 1     /* the send buffer is full and the socket blocks */
#define UDP_MAX_PAYLOAD	 65507 /* 65535 - 20 - 8: larger is EMSGSIZE */
#define UDP_MAX_SEGMENTS 128   /* include/linux/udp.h (1 << 7): segments of one GSO send */

/* The truesize of a locally built UDP datagram of @payload bytes in one skb. */
uint32_t udp_tx_truesize(uint32_t payload);

/*
 * T2-T10 for one datagram of @payload bytes to @daddr:@dport. Returns 0 with
 * *tx filled, UDP_SEND_BLOCK, or a negative errno (-EAGAIN: full non-blocking
 * send buffer or no free ephemeral port; -ENETUNREACH; -EMSGSIZE; -EPERM:
 * netfilter dropped it; -ENOBUFS: no skb). Adds the CPU cycles to *cycles.
 */
/*
 * ip4_datagram_connect: autobind, then the route to @daddr, cached for the
 * socket's sends. 0, or the errno the lookup gives (ENETUNREACH counting
 * OutNoRoutes, or an unreachable/prohibit/blackhole route's), as connect()
 * returns it.
 */
int udp_connect(struct sock *sk, uint32_t daddr);

int udp_sendmsg(struct sock *sk, uint32_t daddr, uint16_t dport, uint32_t payload,
		struct udp_tx *tx, uint64_t *cycles);
/* T11-T13 and udp_send_skb's accounting. Returns the errno the caller sees (0 = success). */
int udp_send_commit(struct cpu *c, struct sock *sk, struct udp_tx *tx, uint64_t *cycles);

#endif
