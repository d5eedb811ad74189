/*
 * models/ipv4/sock.h - the generic socket (struct sock), the socket kinds
 * (struct proto) and AF_PACKET taps.
 *
 * Kernel references: include/net/sock.h (struct sock, struct proto,
 * sk_backlog_rcv), net/core/sock.c (sock_setsockopt SO_RCVBUF/SO_SNDBUF,
 * __sock_set_rcvbuf, sock_def_readable, sock_wfree, sock_error),
 * net/packet/af_packet.c (packet_proto, packet_rcv), iproute2 misc/ss.c
 * (skmem line).
 *
 * A socket is a struct sock with its kind's struct proto (sk->sk_prot): UDP
 * (udp_prot, models/ipv4/udp.h) or an AF_PACKET tap (packet_proto,
 * models/core/af_packet.h).
 * The softirq queues a datagram on a socket through
 * sk->sk_prot->queue_rcv_skb (sk_backlog_rcv), a reader takes it through
 * sk->sk_prot->dequeue (recvmsg); what is common (the receive queue and its
 * statistics, readers and writers asleep, the send-buffer charge, buffer
 * sizes, pending errors) is here. SO_RCVBUF is doubled and clamped to
 * rmem_max as __sock_set_rcvbuf does; without it the buffer is
 * rmem_default. A tap (packet_rcv) queues a clone of every frame its device
 * sees while its buffer is under sk_rcvbuf, else counts tp_drops.
 *
 * A kind's socket embeds struct sock as its first member (struct udp_sock,
 * struct packet_sock) and is allocated with its proto's obj_size; udp_sk()
 * and pkt_sk() recover it.
 *
 * Simplified: inet_sock's fields (tos, pmtudisc, recverr, the bound address
 * and port) and UDP_GRO (udp_sk()->gro_enabled, read on the receive path
 * with the lookup's cache line) sit in struct sock; a tap's clone takes no
 * udp_mem pages.
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
	SOCK_KIND_NR,
};

/* SOCK_MIN_RCVBUF: models/world.h (the floor of net.core.rmem_*). */
#define SOCK_MAX_WAITERS 8

struct fib_route;
struct sock;

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

/* A socket filter (SO_ATTACH_FILTER): a match with a cost; attached when sk->filter_on. */
struct sk_filter {
	uint64_t cycles;	     /* cost per packet */
	uint32_t src, src_mask;	     /* source prefix matched */
	uint16_t sport_lo, sport_hi; /* source port range matched */
	bool drop_match;	     /* true: drop matching packets; false: keep only matching */
};

/* IP_MTU_DISCOVER values (include/uapi/linux/in.h); `mtu_discover:` in a scenario. */
enum ip_pmtudisc {
	IP_PMTUDISC_DONT,  /* never set DF: fragment locally */
	IP_PMTUDISC_WANT,  /* DF on what fits the route's MTU (the default) */
	IP_PMTUDISC_DO,	   /* always DF: larger than the MTU is EMSGSIZE */
	IP_PMTUDISC_PROBE, /* always DF at the device's MTU, ignoring the learnt path MTU */
};

struct napi_struct;
struct proto;

/*
 * struct proto: what one kind of socket does (udp_prot, packet_proto). Every
 * socket points at its kind's (sk->sk_prot), so the device layer, the
 * applications and the scenario reach a kind only through it.
 */
struct proto {
	const char *name; /* the kernel's name: "UDP", "PACKET" */
	const char *what; /* the scenario's word for one: "socket", "tap" */
	size_t obj_size;  /* bytes of the kind's socket, which embeds struct sock first */
	/*
	 * REQUIRED. The kind's own scenario keys of @sk (mapping @n; name and
	 * rcvbuf are read already, unknown keys are checked after): bind,
	 * options, the device tapped. 0 or -1 with @err set.
	 */
	int (*init)(struct host *h, struct sock *sk, const struct cfg_node *n,
		    struct sim_error *err);
	/* Optional. Free what init allocated (the last reuseport member frees the group). */
	void (*destroy)(struct sock *sk);
	/*
	 * Optional (REQUIRED for a kind a protocol handler returns). The cycles
	 * on CPU @c, whose unit of softirq work reaches the enqueue of @skb
	 * at @t.
	 */
	uint64_t (*queue_rcv_cost)(const struct cpu *c, struct sock *sk, const struct sk_buff *skb,
				   sim_time_t t);
	/*
	 * Optional (REQUIRED with queue_rcv_cost). sk_backlog_rcv: queue or
	 * drop @skb at the end of that unit.
	 */
	void (*queue_rcv_skb)(struct sock *sk, struct sk_buff *skb);
	/* REQUIRED. recvmsg's dequeue: the next datagram, its memory released, or NULL. */
	struct sk_buff *(*dequeue)(struct sock *sk);
	/*
	 * Optional. The cycles a reader on @c waits at @t for the locks of its
	 * next dequeue; none when absent or when recv_locks says none.
	 */
	uint64_t (*recv_lock_cost)(const struct cpu *c, struct sock *sk, sim_time_t t);
	/* Optional. Whether the next dequeue takes a lock (a cheap test first). */
	bool (*recv_locks)(const struct sock *sk);
};

/*
 * struct sock. Laid out by use, as the kernel's struct sock is: the lookup
 * and the admission of every received datagram read the first two cache
 * lines only (the udptable link, the address and port, the buffer counters,
 * the reader, the filter flag; the receive lock and the drop count), an
 * admitted datagram's enqueue the third (the filter, the forward
 * allocation, the receive queue) and two more (the queue's statistics), so
 * 10^4 sockets receiving in turn cost a few cache misses per datagram, not a
 * dozen. The reader's side, the sender's and the
 * cold rest (the name, error counts) follow, then the kind's own fields
 * (struct udp_sock, struct packet_sock).
 */
struct sock {
	/*
	 * Line 0 (the socket is allocated cache-aligned): what every datagram's
	 * lookup and admission read (sock_common, the buffer, the reader).
	 */
	struct sock *sk_portaddr_next;		/* udptable hash2 chain (skc_portaddr_node) */
	const struct proto *sk_prot;		/* its kind's operations */
	struct sock_reuseport *sk_reuseport_cb; /* its group, or NULL */
	struct host *host;			/* owner */
	struct napi_struct *sk_napi; /* sk_napi_id: the NAPI of the first datagram queued */
	uint32_t rcv_saddr;	     /* bound address, 0 = INADDR_ANY */
	uint16_t num;		     /* bound port */
	uint8_t kind;		     /* enum sock_kind: UDP or packet tap */
	bool bound;		     /* has a local port (bound or autobound) */
	uint32_t sk_rcvbuf;	     /* bytes */
	uint32_t sk_rmem_alloc;	     /* bytes charged (truesize) */
	uint32_t nwaiters;	     /* entries in waiters */
	bool udp_gro;		     /* setsockopt(UDP_GRO) */
	bool sk_reuseport;	     /* setsockopt(SO_REUSEPORT, 1) */
	bool connected;		     /* connect()ed: the route is cached (sk_dst_cache) */
	bool filter_on;		     /* SO_ATTACH_FILTER: filter is attached */
	/*
	 * Line 1, next to line 0 (the pair a spatial prefetcher fetches): the
	 * lock every datagram takes, and the count of those dropped.
	 */
	struct sim_spinlock rq_lock; /* sk_receive_queue.lock */
	uint64_t sk_drops;	     /* drops on this socket (ss "d") */
	/* line 2: the enqueue of an admitted datagram, and the filter */
	struct sk_filter filter;	      /* SO_ATTACH_FILTER, when filter_on */
	int64_t sk_forward_alloc;	      /* bytes reserved but not charged */
	uint64_t q_in;			      /* datagrams enqueued */
	struct sk_buff_head sk_receive_queue; /* enqueued by softirq */
	/* statistics after warm-up, moved with every datagram queued */
	struct sim_level qlen;			  /* datagrams queued */
	uint32_t rmem_max;			  /* bytes: largest sk_rmem_alloc since reset */
	struct thread *waiters[SOCK_MAX_WAITERS]; /* readers asleep in recvmsg */
	uint32_t sk_rxhash; /* connected: the last datagram's flow hash (RFS) */
	/* the reader's side */
	uint32_t nreaders; /* apps reading this socket (at most SOCK_MAX_WAITERS) */
	uint64_t wait_n;   /* datagrams read after warm-up that were queued after it */
	double wait_sum;   /* ps: their total time in the queue (also LAT_SOCKET) */
	/* busy polling (include/net/busy_poll.h) */
	uint32_t sk_ll_usec;	       /* us: SO_BUSY_POLL (net.core.busy_read), 0 = off */
	bool sk_prefer_busy_poll;      /* SO_PREFER_BUSY_POLL */
	uint16_t sk_busy_poll_budget;  /* SO_BUSY_POLL_BUDGET, 0 = BUSY_POLL_BUDGET */
	uint64_t busy_poll_rx_packets; /* LINUX_MIB_BUSYPOLLRXPACKETS by its readers' polls */
	/* the sender's side */
	uint32_t sk_sndbuf;		   /* bytes */
	uint32_t sk_wmem_alloc;		   /* bytes charged by skbs not yet freed or orphaned */
	bool recverr;			   /* IP_RECVERR */
	uint8_t pmtudisc;		   /* IP_MTU_DISCOVER: enum ip_pmtudisc */
	bool nonblock;			   /* O_NONBLOCK */
	uint8_t tos;			   /* IP_TOS */
	uint32_t priority;		   /* SO_PRIORITY */
	const struct fib_route *dst_cache; /* connected sockets: the cached route */
	int sk_err;			   /* pending error (positive errno), 0 = none */
	uint32_t nwriters;		   /* entries in writers */
	struct thread *writers[SOCK_MAX_WAITERS]; /* senders asleep on a full send buffer */
	/* cold */
	struct sock *sk_bind_next; /* udptable hash chain (sk_bind_node) */
	uint64_t err_queued;   /* IP_RECVERR: errors queued on sk_error_queue (charged to rmem) */
	uint64_t err_reported; /* sk_err returned to a send or recv call */
	char name[32];	       /* from the scenario */
};

/* struct packet_sock (net/packet/internal.h): an AF_PACKET tap. */
struct packet_sock {
	struct sock sk;		    /* first: the generic socket */
	struct net_device *tap_dev; /* device tapped */
	uint64_t tp_packets;	    /* PACKET_STATISTICS tp_packets */
	uint64_t tp_drops;	    /* tp_drops */
	struct pcap_out *pcap;	    /* `pcap:` capture, or NULL */
};

static inline struct packet_sock *pkt_sk(const struct sock *sk)
{
	return (struct packet_sock *)sk;
}

/*
 * Create a socket of @kind with its @prot (sock_protos[kind], looked up by
 * the caller as __sock_create looks up net_families[]) from the scenario
 * mapping; UDP sockets bind, taps attach to a device.
 */
int sock_create(struct host *h, const struct cfg_node *n, enum sock_kind kind,
		const struct proto *prot, struct sock **out, struct sim_error *err);
void sock_free(struct sock *sk);

/* sk_rcvbuf after setsockopt(SO_RCVBUF, @val) with @rmem_max (kernel __sock_set_rcvbuf). */
uint32_t sock_rcvbuf_for(uint64_t val, uint64_t rmem_max);
/*
 * sock_queue_tail: @skb joins @sk's receive queue, charged (truesize) and
 * counted in its statistics.
 */
void sock_queue_tail(struct sock *sk, struct sk_buff *skb);
/*
 * sk_data_ready = sock_def_readable: wake the reader asleep longest (readers
 * sleep exclusively), none when none sleeps.
 */
void sk_data_ready(struct sock *sk);

/* The reports' name of @sk's kind: "socket", "tap" or "xsk" (its proto's `what`). */
static inline const char *sock_kind_name(const struct sock *sk)
{
	return sk->sk_prot->what;
}

/* sk_rmem_alloc grew: keep its maximum since the reset (the headroom's rcvbuf row). */
static inline void sock_rmem_note(struct sock *sk)
{
	if (sk->sk_rmem_alloc > sk->rmem_max)
		sk->rmem_max = sk->sk_rmem_alloc;
}

/* Any datagram ready to read. */
bool sock_readable(const struct sock *sk);
/*
 * sock_dequeued: @skb, just taken off @sk's queues by a dequeue op, leaves
 * the queue's statistics (length, time in the queue) and the socket.
 */
void sock_dequeued(struct sock *sk, struct sk_buff *skb);
/* Take the next datagram for recvmsg: sk->sk_prot->dequeue. */
static inline struct sk_buff *sock_dequeue(struct sock *sk)
{
	return sk->sk_prot->dequeue(sk);
}

/*
 * The cycles a reader on @c waits at @t for the locks of its next dequeue
 * (sk->sk_prot->recv_lock_cost). Call before sock_dequeue().
 */
static inline uint64_t sock_recv_lock_cost(const struct cpu *c, struct sock *sk, sim_time_t t)
{
	if (!sk->sk_prot->recv_locks || !sk->sk_prot->recv_locks(sk))
		return 0;
	return sk->sk_prot->recv_lock_cost(c, sk, t);
}
/* A reader goes to sleep on the socket / is woken by sk_data_ready. */
void sock_add_waiter(struct sock *sk, struct thread *t);

void sock_stats_reset(struct sock *sk, sim_time_t now);

/* sock_error: take the pending error (negative errno), 0 when there is none. */
int sock_error(struct sock *sk);

/*
 * skb_orphan: @skb stops belonging to its sender's socket; the send-buffer
 * charge it carried (SKB_F_WMEM) is released (sock_wfree).
 */
void skb_orphan(struct sk_buff *skb);

/* sock_wfree: the skb charged @truesize to @sk's send buffer is gone. */
void sock_wfree(struct sock *sk, uint32_t truesize);
/* Register sock_wfree as the skb layer's send-buffer destructor (once, at start-up). */
void sock_init(void);
/* A sender sleeps until the send buffer is writeable (sock_wait_for_wmem). */
void sock_add_writer(struct sock *sk, struct thread *t);
/* sk_sndbuf after setsockopt(SO_SNDBUF, @val) (doubled, wmem_max clamp, SOCK_MIN_SNDBUF). */
uint32_t sock_sndbuf_for(uint64_t val, uint64_t wmem_max);

#endif
