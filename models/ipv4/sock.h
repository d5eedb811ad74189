/*
 * models/ipv4/sock.h - sockets: UDP (receive side) and AF_PACKET taps.
 *
 * Kernel references: net/ipv4/udp.c (__udp4_lib_rcv, __udp4_lib_lookup,
 * udp_queue_rcv_one_skb, __udp_enqueue_schedule_skb, udp_rmem_release,
 * __skb_recv_udp, udp_recvmsg), net/core/sock.c (sock_setsockopt SO_RCVBUF,
 * __sock_set_rcvbuf, sock_def_readable), net/packet/af_packet.c (packet_rcv),
 * iproute2 misc/ss.c (skmem line).
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
 * Simplified: no multicast, no per-NUMA producer queues (so the lock is per
 * datagram and each datagram is scheduled alone, as with one producer); a
 * reuseport group ignores connected members (reuseport_has_conns), and the
 * hash and the BPF program cost nothing beyond udp_rcv; ICMP errors and the
 * GRO eligibility check use the group's first socket; the error queue's
 * charge and the taps take no udp_mem pages; no memcg.
 */
#ifndef MODELS_SOCK_H
#define MODELS_SOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/cfg.h"
#include "sim/stats.h"
#include "models/kernel/contention.h"
#include "models/kernel/cpu.h"
#include "models/core/skb.h"
#include "models/world.h"

enum sock_kind {
	SOCK_UDP,    /* AF_INET, SOCK_DGRAM */
	SOCK_PACKET, /* AF_PACKET tap on a device */
	SOCK_XDP,    /* AF_XDP socket on a NIC's RX queue (models/core/xsk.h) */
};

#define SOCK_MIN_RCVBUF	 2304 /* 2048 + SKB_DATA_ALIGN(sizeof(struct sk_buff)) */
#define SOCK_MAX_WAITERS 8

struct fib_route;
struct sock;
struct xdp_sock;

/* reuseport_policy: how a group picks a socket (the group's reuse->prog). */
enum reuseport_policy {
	REUSEPORT_HASH, /* no program: reuseport_select_sock_by_hash */
	REUSEPORT_CPU,	/* cBPF `ld #cpu; ret a`: the receiving CPU's index */
};

/* struct sock_reuseport: the sockets bound with reuseport to one address:port. */
struct sock_reuseport {
	uint32_t num_socks;   /* sockets in socks[] (counted down as they are freed) */
	uint32_t max_socks;   /* slots allocated in socks[] */
	uint8_t policy;	      /* enum reuseport_policy */
	uint32_t hash_secret; /* udp_ehash_secret + net_hash_mix(net) of the host */
	struct sock **socks;  /* [max_socks], bind order */
};

/* jhash_3words (include/linux/jhash.h). */
uint32_t jhash_3words(uint32_t a, uint32_t b, uint32_t c, uint32_t initval);
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

/* A socket filter (SO_ATTACH_FILTER): a match with a cost. */
struct sk_filter {
	bool set;		     /* a filter is attached */
	uint64_t cycles;	     /* cost per packet */
	bool drop_match;	     /* true: drop matching packets; false: keep only matching */
	uint16_t sport_lo, sport_hi; /* source port range matched */
	uint32_t src, src_mask;	     /* source prefix matched */
};

/* IP_MTU_DISCOVER values (include/uapi/linux/in.h); `mtu_discover:` in a scenario. */
enum ip_pmtudisc {
	IP_PMTUDISC_DONT,  /* never set DF: fragment locally */
	IP_PMTUDISC_WANT,  /* DF on what fits the route's MTU (the default) */
	IP_PMTUDISC_DO,	   /* always DF: larger than the MTU is EMSGSIZE */
	IP_PMTUDISC_PROBE, /* always DF at the device's MTU, ignoring the learnt path MTU */
};

struct sock {
	char name[32];				  /* from the scenario */
	enum sock_kind kind;			  /* UDP or packet tap */
	struct host *host;			  /* owner */
	uint32_t rcv_saddr;			  /* bound address, 0 = INADDR_ANY */
	uint16_t num;				  /* bound port */
	uint32_t sk_rcvbuf;			  /* bytes */
	uint32_t sk_rmem_alloc;			  /* bytes charged (truesize) */
	int64_t sk_forward_alloc;		  /* bytes reserved but not charged */
	uint32_t forward_deficit;		  /* udp_sock: released truesize not yet returned */
	uint64_t sk_drops;			  /* drops on this socket (ss "d") */
	bool udp_gro;				  /* setsockopt(UDP_GRO) */
	bool sk_reuseport;			  /* setsockopt(SO_REUSEPORT, 1) */
	struct sock_reuseport *sk_reuseport_cb;	  /* its group, or NULL */
	struct sk_filter filter;		  /* SO_ATTACH_FILTER */
	struct sk_buff_head sk_receive_queue;	  /* enqueued by softirq */
	struct sk_buff_head reader_queue;	  /* udp_sock reader_queue */
	struct sim_spinlock rq_lock;		  /* sk_receive_queue.lock */
	struct sim_spinlock reader_lock;	  /* reader_queue.lock (readers only) */
	struct thread *waiters[SOCK_MAX_WAITERS]; /* readers asleep in recvmsg */
	uint32_t nwaiters;			  /* entries in waiters */
	uint32_t nreaders;		   /* apps reading this socket (at most SOCK_MAX_WAITERS) */
	uint32_t sk_sndbuf;		   /* bytes */
	uint32_t sk_wmem_alloc;		   /* bytes charged by skbs not yet freed or orphaned */
	bool recverr;			   /* IP_RECVERR */
	uint8_t pmtudisc;		   /* IP_MTU_DISCOVER: enum ip_pmtudisc */
	bool nonblock;			   /* O_NONBLOCK */
	uint32_t priority;		   /* SO_PRIORITY */
	uint8_t tos;			   /* IP_TOS */
	bool bound;			   /* has a local port (bound or autobound) */
	bool connected;			   /* connect()ed: the route is cached (sk_dst_cache) */
	const struct fib_route *dst_cache; /* connected sockets: the cached route */
	int sk_err;			   /* pending error (positive errno), 0 = none */
	uint64_t err_queued;   /* IP_RECVERR: errors queued on sk_error_queue (charged to rmem) */
	uint64_t err_reported; /* sk_err returned to a send or recv call */
	struct thread *writers[SOCK_MAX_WAITERS]; /* senders asleep on a full send buffer */
	uint32_t nwriters;			  /* entries in writers */
	struct net_device *tap_dev;		  /* SOCK_PACKET: device tapped */
	uint64_t tp_packets;			  /* SOCK_PACKET: PACKET_STATISTICS tp_packets */
	uint64_t tp_drops;			  /* SOCK_PACKET: tp_drops */
	struct pcap_out *pcap;			  /* SOCK_PACKET: `pcap:` capture, or NULL */
	struct xdp_sock *xs;			  /* SOCK_XDP: its rings (models/core/xsk.h) */
	/* statistics after warm-up */
	struct sim_level qlen;	 /* datagrams queued */
	struct sim_level rmem;	 /* sk_rmem_alloc */
	uint64_t q_in;		 /* datagrams enqueued */
	struct sim_hist sojourn; /* ps in the queue (also LAT_SOCKET) */
};

/* Create from the scenario mapping; UDP sockets bind, taps attach to a device. */
int sock_create(struct host *h, const struct cfg_node *n, enum sock_kind kind, struct sock **out,
		struct sim_error *err);
void sock_free(struct sock *sk);

/* sk_rcvbuf after setsockopt(SO_RCVBUF, @val) with @rmem_max (kernel __sock_set_rcvbuf). */
uint32_t sock_rcvbuf_for(uint64_t val, uint64_t rmem_max);
/* The admission rule: may a datagram of @truesize join a socket holding @rmem of @rcvbuf? */
bool udp_rmem_admit(uint32_t rmem, uint32_t truesize, uint32_t rcvbuf);

/*
 * The udp_mem rule of __sk_mem_raise_allocated for a receive charge: may
 * the machine's count reach @allocated pages (the charge included) for a
 * socket holding @rmem bytes? At most udp_mem[0]: yes; over udp_mem[2]: no;
 * in between only while @rmem < @rmem_min (net.ipv4.udp_rmem_min).
 */
bool udp_mem_admit(int64_t allocated, const uint64_t udp_mem[3], uint32_t rmem, uint32_t rmem_min);

/* A UDP socket of @h is bound to @port (any address). */
bool udp4_port_used(const struct host *h, uint16_t port);
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
 * udp_queue_rcv_one_skb at R22-R24: socket filter, checksum completion when
 * filtered, receive-buffer admission, enqueue, sk_data_ready. Frees or queues
 * @skb. Its CPU cost is udp_queue_rcv_cost(), charged when the unit starts.
 */
void udp_queue_rcv_skb(struct sock *sk, struct sk_buff *skb);
/*
 * The cycles on CPU @c, whose unit reaches the enqueue at @t: enqueue, the
 * filter, waiting for sk_receive_queue.lock (held udp_queue_hold per
 * enqueue), and the wake-up of a sleeping reader (ttwu_cost(): wakeup, or
 * wakeup_remote when its CPU is not the running one).
 */
uint64_t udp_queue_rcv_cost(const struct cpu *c, struct sock *sk, sim_time_t t);
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
	       (sk->nreaders > 1 || (!sk->reader_queue.qlen && sk->sk_receive_queue.qlen));
}

/* packet_rcv: a tap's clone of @skb (R14). Returns the cycles it cost. */
uint64_t packet_rcv(struct sock *sk, const struct sk_buff *skb);

/*
 * An AF_XDP frame onto the XSK's RX ring (sk_receive_queue; the caller
 * checked the room): R23, then sk_data_ready (R24) wakes a reader.
 */
void sock_queue_xsk(struct sock *sk, struct sk_buff *skb);

/* The reports' name of @sk's kind: "socket", "tap" or "xsk". */
static inline const char *sock_kind_name(const struct sock *sk)
{
	return sk->kind == SOCK_UDP ? "socket" : sk->kind == SOCK_XDP ? "xsk" : "tap";
}

/* Any datagram ready to read. */
bool sock_readable(const struct sock *sk);
/*
 * Take the next datagram for recvmsg (__skb_recv_udp: reader_queue first,
 * refilled from sk_receive_queue), releasing memory as the kernel does.
 */
struct sk_buff *sock_dequeue(struct sock *sk);
/* A reader goes to sleep on the socket / is woken by sk_data_ready. */
void sock_add_waiter(struct sock *sk, struct thread *t);

void sock_stats_reset(struct sock *sk, sim_time_t now);

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
/* sock_error: take the pending error (negative errno), 0 when there is none. */
int sock_error(struct sock *sk);

/*
 * skb_orphan: @skb stops belonging to its sender's socket; the send-buffer
 * charge it carried (SKB_F_WMEM) is released (sock_wfree).
 */
void skb_orphan(struct sk_buff *skb);

/* sock_wfree: the skb charged @truesize to @sk's send buffer is gone. */
void sock_wfree(struct sock *sk, uint32_t truesize);
/* A sender sleeps until the send buffer is writeable (sock_wait_for_wmem). */
void sock_add_writer(struct sock *sk, struct thread *t);
/* sk_sndbuf after setsockopt(SO_SNDBUF, @val) (doubled, wmem_max clamp, SOCK_MIN_SNDBUF). */
uint32_t sock_sndbuf_for(uint64_t val, uint64_t wmem_max);

#endif
