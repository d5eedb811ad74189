/*
 * models/core/skb.h - the packet (struct sk_buff), its stages and its drop points.
 *
 * Kernel reference: include/linux/skbuff.h (struct sk_buff, truesize),
 * include/net/dropreason-core.h (enum skb_drop_reason), net/core/skbuff.c
 * (kfree_skb_reason, consume_skb).
 *
 * Simplified: an skb is one object from a pool sized at start-up; the frame's
 * bytes are not stored, only the header fields the stack looks at. A clone
 * (for a packet tap) is a second pool object flagged SKB_F_CLONE that does
 * not count in the packet conservation sums. GRO-merged segments hang off
 * the head skb's frag_next chain and each is accounted for on its own.
 *
 * Ownership: an skb has exactly one owner (a ring slot, a queue, a CPU job)
 * and leaves the simulation only through consume_skb() (delivered) or
 * kfree_skb_reason() (dropped), which update the counters and histograms.
 */
#ifndef MODELS_SKB_H
#define MODELS_SKB_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/time.h"

struct net_device;
struct sock;
struct cpu;
struct host;
struct world;

/* Stages of ../shared/seed/stages.md, plus the application read. */
enum stage_id {
	STAGE_NONE,
	STAGE_R1,   /* MAC filter */
	STAGE_R2,   /* DMA into the RX ring */
	STAGE_R3,   /* hard IRQ raised */
	STAGE_R4,   /* IRQ dispatch */
	STAGE_R5,   /* IRQ masked */
	STAGE_R6,   /* NET_RX softirq raised */
	STAGE_R7,   /* net_rx_action */
	STAGE_R8,   /* driver poll */
	STAGE_R9,   /* skb built */
	STAGE_R10,  /* GRO */
	STAGE_R11,  /* RPS enqueue_to_backlog */
	STAGE_R12,  /* process_backlog */
	STAGE_R13,  /* no RPS: straight to __netif_receive_skb_core */
	STAGE_R14,  /* packet taps */
	STAGE_R15,  /* handed to L3 */
	STAGE_R16,  /* IRQ re-enabled */
	STAGE_R17,  /* ip_rcv + PRE_ROUTING */
	STAGE_R18,  /* route decision */
	STAGE_R19,  /* ip_forward */
	STAGE_R20,  /* ip_local_deliver + LOCAL_IN */
	STAGE_R21,  /* udp_rcv, socket lookup */
	STAGE_R22,  /* sock_queue_rcv_skb: rcvbuf, sk_filter */
	STAGE_R23,  /* enqueue on sk_receive_queue */
	STAGE_R24,  /* sk_data_ready */
	STAGE_APP,  /* recvmsg in the application */
	STAGE_T1,   /* socket() */
	STAGE_T2,   /* sendto: inet_sendmsg */
	STAGE_T3,   /* inet_autobind */
	STAGE_T4,   /* udp_sendmsg: route */
	STAGE_T5,   /* ip_make_skb: send buffer */
	STAGE_T6,   /* udp_send_skb */
	STAGE_T7,   /* ip_send_skb */
	STAGE_T8,   /* __ip_local_out: LOCAL_OUT */
	STAGE_T9,   /* ip_output: POST_ROUTING */
	STAGE_T10,  /* ip_finish_output */
	STAGE_T11,  /* ip_finish_output2: neighbour */
	STAGE_T12,  /* neigh_output */
	STAGE_T13,  /* dev_queue_xmit: qdisc */
	STAGE_T14,  /* dev_hard_start_xmit: taps */
	STAGE_T15,  /* ndo_start_xmit: TX ring */
	STAGE_T16,  /* TX completion */
	STAGE_WIRE, /* on a link between hosts */
	STAGE_BR,   /* br_handle_frame / br_dev_xmit: FDB, forward or flood */
	STAGE_NR,
};

struct stage_info {
	const char *id;	      /* "R11" */
	const char *function; /* the kernel function doing it */
	const char *what;     /* one line */
};
extern const struct stage_info stage_info[STAGE_NR];

/*
 * Drop reasons: the kernel's names (dropreason-core.h) where the kernel has
 * one; NIC_* for drops in hardware, SKB_POOL for the simulator's own limit.
 */
#define SKB_DROP_REASONS(X)                                                                        \
	X(NIC_MAC_FILTER)                                                                          \
	X(NIC_RX_MISSED)                                                                           \
	X(SKB_POOL)                                                                                \
	X(CPU_BACKLOG)                                                                             \
	X(OTHERHOST)                                                                               \
	X(IP_CSUM)                                                                                 \
	X(NETFILTER_DROP)                                                                          \
	X(IP_INADDRERRORS)                                                                         \
	X(UDP_CSUM)                                                                                \
	X(NO_SOCKET)                                                                               \
	X(SOCKET_FILTER)                                                                           \
	X(SOCKET_RCVBUFF)                                                                          \
	X(QDISC_DROP)                                                                              \
	X(QDISC_OVERLIMIT)                                                                         \
	X(QDISC_CONGESTED)                                                                         \
	X(FQ_FLOW_LIMIT)                                                                           \
	X(NEIGH_QUEUEFULL)                                                                         \
	X(NEIGH_FAILED)                                                                            \
	X(LINK_LOSS)                                                                               \
	X(IP_INHDR)                                                                                \
	X(IP_INNOROUTES)                                                                           \
	X(PKT_TOO_BIG)                                                                             \
	X(FRAG_REASM_TIMEOUT)                                                                      \
	X(NOT_SPECIFIED)                                                                           \
	X(PROTO_MEM)                                                                               \
	X(XDP)

enum skb_drop_reason {
#define X(n) SKB_DROP_REASON_##n,
	SKB_DROP_REASONS(X)
#undef X
		SKB_DROP_REASON_NR,
};
extern const char *const skb_drop_reason_name[SKB_DROP_REASON_NR];

/*
 * A drop point: a (reason, stage) pair that the model can produce, with the
 * kernel function that drops and the counter a Linux user would see rise.
 * kfree_skb_reason() at an undeclared pair is a bug.
 */
struct drop_point {
	enum skb_drop_reason reason; /* why */
	enum stage_id stage;	     /* where */
	const char *function;	     /* kernel function that frees the skb */
	const char *counter;	     /* the Linux counter(s) that show it */
};
extern const struct drop_point drop_points[];
extern const unsigned drop_points_nr;
#define DROP_POINTS_MAX 48

/* Latency stages reported per packet (see docs/report.md). */
enum lat_stage {
	LAT_DMA,      /* frame received at the NIC -> DMA complete in the ring */
	LAT_RING,     /* DMA complete -> taken by the driver's poll */
	LAT_SOFTIRQ,  /* softirq processing, driver poll to socket (or to backlog) */
	LAT_BACKLOG,  /* waiting in a CPU's input_pkt_queue/process_queue */
	LAT_SOCKET,   /* waiting in the socket receive queue */
	LAT_APP,      /* inside recvmsg until the data is in user space */
	LAT_TX_STACK, /* send: from the syscall to the qdisc (or the neighbour queue) */
	LAT_NEIGH,    /* send: waiting for ARP resolution */
	LAT_QDISC,    /* send: in the qdisc */
	LAT_TX_RING,  /* send: TX descriptor posted -> last bit on the wire */
	LAT_WIRE,     /* send: propagation to the peer NIC */
	LAT_NR,
};
extern const char *const lat_stage_name[LAT_NR];

#define PACKET_HOST	 0
#define PACKET_OTHERHOST 3
#define IPPROTO_UDP_	 17
#define IPPROTO_ICMP_	 1
#define ETH_HLEN	 14 /* Ethernet header bytes: skb->len includes them */
#define VLAN_HLEN	 4  /* bytes an 802.1Q tag adds on the wire */
#define VLAN_VID_MASK	 0x0fff
#define UDP_FRAME_HDRS	 42 /* Ethernet 14 + IPv4 20 + UDP 8 bytes before the payload */

enum skb_flags {
	SKB_F_BAD_CSUM = 1u << 0,  /* the UDP checksum is wrong */
	SKB_F_BAD_IPHDR = 1u << 1, /* the IPv4 header checksum is wrong */
	SKB_F_CLONE = 1u << 2,	   /* a tap's clone: outside conservation */
	SKB_F_OTHER_MAC = 1u << 3, /* addressed to another MAC (R1) */
	SKB_F_WMEM = 1u << 4,	   /* charged to skb->sk's send buffer (destructor sock_wfree) */
	SKB_F_FRAG = 1u << 5,	   /* an IPv4 fragment (MF set or offset > 0) */
	SKB_F_MF = 1u << 6,	   /* more fragments follow */
	SKB_F_DF = 1u << 7,	   /* don't fragment */
};

struct sk_buff {
	struct sk_buff *next;	   /* queue link (sk_buff_head, ring) */
	struct sk_buff *frag_next; /* next segment of this skb (GRO merged, UDP_SEGMENT built) */
	struct net_device *dev;	   /* ingress device */
	struct sock *sk;	   /* socket the truesize is charged to, or NULL */
	uint32_t len;		   /* bytes: frame length without FCS (L2 + L3 + payload) */
	uint32_t truesize;	   /* bytes: memory charged for this skb (and its segments) */
	uint32_t hash;		   /* rxhash: Toeplitz RSS hash of the 4-tuple */
	uint32_t saddr, daddr;	   /* IPv4 addresses, host byte order */
	uint16_t sport, dport;	   /* UDP ports */
	uint16_t queue_mapping;	   /* RX queue index */
	uint16_t gso_segs;	   /* segments in this skb (1 unless GRO merged or UDP_SEGMENT) */
	uint16_t gso_size;	   /* bytes: payload per segment of a UDP_SEGMENT skb (shinfo
				      gso_size, SKB_GSO_UDP_L4); 0 = not one (GRO sets none) */
	uint8_t protocol;	   /* IP protocol */
	uint8_t pkt_type;	   /* PACKET_HOST or PACKET_OTHERHOST */
	uint16_t tailroom;	   /* bytes: skb_tailroom of a fragment's linear head built by the
				      stack (ip_frag_reasm coalesces into it); 0 when not modelled */
	uint32_t priority;	   /* skb->priority (SO_PRIORITY, rt_tos2priority) */
	uint8_t tos;		   /* IPv4 TOS byte (ECN in the low two bits) */
	uint8_t ttl;		   /* IPv4 TTL */
	uint8_t arp_op;		   /* ARP opcode for ETH_P_ARP frames */
	uint8_t icmp_type;	   /* ICMP type of an ICMP packet (3, 11) */
	uint8_t icmp_code;	   /* its code (ICMP_PORT_UNREACH, ICMP_FRAG_NEEDED, ...) */
	uint16_t icmp_info;	   /* ICMP_FRAG_NEEDED: the next hop's MTU, bytes */
	uint32_t icmp_orig_daddr;  /* the offending datagram's destination (its source is
				      daddr, its UDP ports are sport and dport) */
	uint16_t ip_id;		   /* IPv4 identification */
	uint16_t frag_off;	   /* bytes: this fragment's offset in the IP payload */
	uint16_t eth_proto;	   /* ETH_P_IP or ETH_P_ARP (0 means IP) */
	uint16_t vlan_tci;    /* 802.1Q tag control (VID in the low 12 bits), if vlan_present */
	uint8_t vlan_present; /* skb_vlan_tag_present: the tag rides in vlan_tci (hwaccel) */
	/* sim-only */
	uint8_t flags;	    /* enum skb_flags */
	uint8_t stage;	    /* enum stage_id: where it is now (for drops) */
	uint8_t lat;	    /* enum lat_stage it is waiting or running in */
	uint16_t flow;	    /* flow index within its source */
	uint32_t src;	    /* traffic source index */
	uint64_t id;	    /* unique per run, in creation order */
	sim_time_t t_wire;  /* ps: last bit received at the NIC */
	sim_time_t t_mark;  /* ps: entry into the current latency stage */
	sim_time_t t_ready; /* ps: DMA completion (descriptor written back) */
	sim_time_t t_acc;   /* ps: softirq time already spent on another CPU (RPS) */
	sim_time_t t_qdisc; /* ps: enqueued on a qdisc (CoDel sojourn time) */
	sim_time_t t_netem; /* ps: netem_skb_cb->time_to_send, when netem releases it */
	sim_time_t t_born;  /* ps: created (sent by an app, or reached the first NIC) */
	sim_time_t t_app;   /* ps: request/response: when the request was sent (echoed back) */
	const struct cpu *touch_cpu; /* CPU whose cache holds the skb's lines, NULL = none */
	/* eth_hdr(skb): kernel fields, kept last for the struct's packing */
	uint64_t h_dest;   /* h_dest as a 48-bit number, 0 = not modelled */
	uint64_t h_source; /* h_source, 0 = not modelled */
};

/*
 * The sizes behind truesize (include/linux/skbuff.h, net/core/skbuff.c,
 * x86-64): SKB_DATA_ALIGN rounds up to the 64-byte cache line; __alloc_skb
 * takes SKB_HEAD_ALIGN(size) = SKB_DATA_ALIGN(size) + SKB_DATA_ALIGN(sizeof(
 * struct skb_shared_info)) from the small-head cache when it fits
 * SKB_SMALL_HEAD_CACHE_SIZE, else kmalloc_size_roundup() of it (a power of
 * two: kmalloc-1k, -2k, ... then whole pages); the skb may use all of it
 * (SKB_WITH_OVERHEAD), and truesize = SKB_TRUESIZE(that) = the allocation
 * plus SKB_DATA_ALIGN(sizeof(struct sk_buff)). The cache size is what 6.18
 * measures (tests/kernel-ref/udp_rcvbuf.csv: 832 bytes up to 197 of payload).
 */
#define SKB_CACHE_BYTES		  64u
#define SKB_DATA_ALIGN(x)	  (((x) + SKB_CACHE_BYTES - 1) & ~(SKB_CACHE_BYTES - 1))
#define SKB_SHINFO_SIZE		  320u /* SKB_DATA_ALIGN(sizeof(struct skb_shared_info)) */
#define SKB_STRUCT_SIZE		  256u /* SKB_DATA_ALIGN(sizeof(struct sk_buff)) */
#define SKB_SMALL_HEAD_CACHE_SIZE 576u /* bytes of a skb_small_head_cache object */
#define SKB_MAX_ALLOC		  (16384u - SKB_SHINFO_SIZE) /* SKB_MAX_ORDER(0, 2) */
#define LL_RESERVED_SPACE_ETH	  16u /* LL_RESERVED_SPACE of lo and veth: ALIGN(14, 16) */

/* truesize of alloc_skb(@size): a linear head of at least @size bytes. */
uint32_t skb_alloc_truesize(uint32_t size);
/* The bytes that head can hold (SKB_WITH_OVERHEAD of its allocation), >= @size. */
uint32_t skb_alloc_room(uint32_t size);

/* A FIFO of skbs (struct sk_buff_head without the lock). */
struct sk_buff_head {
	struct sk_buff *head, *tail; /* oldest, newest */
	uint32_t qlen;		     /* packets */
};

static inline void skb_queue_head_init(struct sk_buff_head *q)
{
	q->head = q->tail = 0;
	q->qlen = 0;
}

static inline void __skb_queue_tail(struct sk_buff_head *q, struct sk_buff *skb)
{
	skb->next = 0;
	if (q->tail)
		q->tail->next = skb;
	else
		q->head = skb;
	q->tail = skb;
	q->qlen++;
}

static inline struct sk_buff *__skb_dequeue(struct sk_buff_head *q)
{
	struct sk_buff *skb = q->head;

	if (!skb)
		return 0;
	q->head = skb->next;
	if (!q->head)
		q->tail = 0;
	q->qlen--;
	skb->next = 0;
	return skb;
}

/* Append all of @from to @to and empty @from. */
static inline void skb_queue_splice_tail_init(struct sk_buff_head *from, struct sk_buff_head *to)
{
	if (!from->qlen)
		return;
	if (to->tail)
		to->tail->next = from->head;
	else
		to->head = from->head;
	to->tail = from->tail;
	to->qlen += from->qlen;
	skb_queue_head_init(from);
}

/* A new skb for a frame that reached host @h's NIC, or NULL (pool exhausted). */
struct sk_buff *skb_alloc(struct world *w);
/* A clone of @skb for a tap, or NULL when the pool is exhausted. */
struct sk_buff *skb_clone(struct world *w, const struct sk_buff *skb);
/*
 * The destructor of an skb charged to a socket's send buffer (SKB_F_WMEM):
 * sock_wfree, registered by the socket layer at start-up (sock_init), as the
 * kernel's skb->destructor points at it; the skb layer names no socket code.
 */
extern void (*skb_wmem_destructor)(struct sock *sk, uint32_t truesize);
/* Return @skb and its frag_next chain to the pool, releasing send-buffer charges (no accounting). */
void skb_free_chain(struct world *w, struct sk_buff *skb);
/* Free a tap clone (read or dropped by its packet socket). */
void kfree_skb_clone(struct world *w, struct sk_buff *skb);

/*
 * Cache locality: CPU @c is about to read @skb's metadata and headers (and
 * its GRO segments'). When another CPU of the machine wrote them last (the
 * softirq CPU, for an RPS target or a reader elsewhere), each of the
 * skb_cache_lines lines per segment costs cacheline_remote cycles (an LLC
 * hit on a core of the same socket). The lines are @c's from then on.
 * Returns the cycles; 0 on the CPU that touched them, or for an skb no CPU
 * has touched since its DMA (whose first touch is in driver_rx).
 */
uint64_t skb_touch(const struct cpu *c, struct sk_buff *skb);

/*
 * skb_set_stage(), skb_lat_next() (close a latency stage, open the next) and the
 * ways a packet leaves (consume_skb(), kfree_skb_reason(), ...) are in models/core/observe.h.
 */

/* Index of (@reason, @stage) in drop_points[], or -1. */
int drop_point_find(enum skb_drop_reason reason, enum stage_id stage);

#endif
