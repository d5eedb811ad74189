/*
 * models/world.h - one simulation run: hosts, traffic, costs, global accounting.
 *
 * A world owns the event queue, the skb pool and every host. Hosts mirror a
 * Linux network namespace plus the machine under it: CPUs, sysctls (by their
 * Linux names), devices, netfilter tables, sockets and applications, and the
 * SNMP MIBs that /proc/net/snmp prints.
 */
#ifndef MODELS_WORLD_H
#define MODELS_WORLD_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/event.h"
#include "sim/pool.h"
#include "sim/rng.h"
#include "sim/sha256.h"
#include "sim/stats.h"
#include "models/kernel/cpuidle.h"
#include "models/kernel/contention.h"
#include "models/core/skb.h"

struct cpu;
struct net_device;
struct sock;
struct app;
struct traffic_source;
struct nf_ruleset;
struct fib_table;
struct neigh_table;
struct ipfrag_table;
struct pcap_out;

/*
 * Per-stage CPU costs in cycles (per_byte: cycles per byte). The values and
 * their sources come from a profile (profiles/NAME.yaml, docs/profiles.md: the
 * scenario's or the host's `profile:`, else profiles/default.yaml); every
 * entry can be overridden from the scenario's top-level `costs:` mapping
 * (every host) and from a host's own `costs:` by the same name. A key added
 * here must be added to every profile. Each host holds its own table;
 * work on a CPU is charged from the table of the host that does it (a
 * namespace sharing a machine's CPUs charges its own stack costs, the
 * machine's host its interrupt, softirq-entry and scheduler costs).
 */
#define COSTS(X)                                                                                     \
	X(irq_entry)	      /* common_interrupt, irq_enter_rcu, the handler */                     \
	X(irq_exit)	      /* irq_exit_rcu and the return from interrupt */                       \
	X(idle_cold)	      /* cache refill after waking from a state that loses the caches */     \
	X(softirq_entry)      /* one pass of handle_softirqs */                                      \
	X(napi_poll)	      /* net_rx_action's per-poll overhead */                                \
	X(napi_threaded_poll) /* a napi kthread's loop: local_bh_disable/enable, napi_thread_wait */ \
	X(busy_poll_loop)     /* one napi_busy_loop iteration: BH off/on, state test, cpu_relax */   \
	X(driver_rx)	      /* driver: completion read, first touch of data */                     \
	X(build_skb)	      /* napi_build_skb + skb head init */                                   \
	X(rx_refill)	      /* per RX descriptor refilled */                                       \
	X(gro_receive)	      /* napi_gro_receive lookup that does not merge */                      \
	X(gro_merge)	      /* merging a segment into a held GRO skb */                            \
	X(netif_receive)      /* netif_receive_skb + eth_type_trans */                               \
	X(rps_enqueue)	      /* get_rps_cpu + enqueue_to_backlog */                                 \
	X(ipi_send)	      /* net_rps_send_ipi, per IPI */                                        \
	X(backlog_dequeue)    /* process_backlog per packet */                                       \
	X(tap_deliver)	      /* deliver_skb + packet_rcv per tap */                                 \
	X(ip_rcv)	      /* ip_rcv_core checks */                                               \
	X(nf_hook)	      /* nf_hook_slow entry, per hook with rules */                          \
	X(nf_rule)	      /* per rule evaluated */                                               \
	X(nf_ct_lookup)	      /* nf_conntrack_in: tuple, hash, bucket walk, timeout refresh */       \
	X(nf_ct_new)	      /* init_conntrack + __nf_conntrack_confirm for a new connection */     \
	X(nf_log)	      /* xt_LOG: one packet formatted and printk'd */                        \
	X(nf_nat)	    /* nf_nat_packet: one address (and port) rewritten, checksums fixed */   \
	X(ip_set_lookup)    /* -m set: ip_set_test on a hash:ip set (jhash, one bucket) */           \
	X(ip_route_input)   /* route lookup for input */                                             \
	X(fib_lookup_level) /* per LPC-trie node a route lookup visits (fib_table_lookup) */         \
	X(ip_local_deliver) /* ip_local_deliver + ip_protocol_deliver_rcu */                         \
	X(udp_rcv)	    /* __udp4_lib_rcv + socket lookup */                                     \
	X(udp_enqueue)	    /* __udp_enqueue_schedule_skb */                                         \
	X(sk_filter)	    /* running a socket filter, base */                                      \
	X(wakeup)	    /* try_to_wake_up of a thread on the waker's own CPU */                  \
	X(wakeup_remote)    /* try_to_wake_up of a thread on another CPU, waker's side */            \
	X(kfree_skb)	    /* freeing a dropped skb */                                              \
	X(syscall)	    /* syscall entry + exit */                                               \
	X(recv_per_msg)	    /* recvmsg/recvmmsg work per message */                                  \
	X(context_switch)   /* switching threads on a CPU */                                         \
	X(timer_sleep)	    /* nanosleep's hrtimer_start_range_ns and clock event programming */     \
	X(icmp_send)	    /* building an ICMP error (counted, see docs) */                         \
	X(send_per_msg)	    /* udp_sendmsg + ip_make_skb per datagram besides the copy */            \
	X(ip_route_output)  /* ip_route_output_flow */                                               \
	X(ip_output)	    /* ip_local_out + ip_output + ip_finish_output */                        \
	X(neigh_output)	    /* neigh lookup + header (neigh_hh_output) */                            \
	X(arp_rcv)	    /* arp_process */                                                        \
	X(qdisc_enqueue)    /* __dev_xmit_skb enqueue (with lock) */                                 \
	X(qdisc_dequeue)    /* one dequeue in qdisc_restart */                                       \
	X(driver_xmit)	    /* ndo_start_xmit: descriptor, doorbell */                               \
	X(veth_xmit)	    /* veth_xmit + __dev_forward_skb (scrub, dst drop), instead of it */     \
	X(tx_clean)	    /* per TX descriptor cleaned, skb freed */                               \
	X(ip_forward)	    /* ip_forward + ip_forward_finish */                                     \
	X(veth_xdp_rcv)	    /* veth_poll per skb: ptr_ring consume, veth_xdp_rcv_skb */              \
	X(xdp_run)	    /* veth: skb to xdp_buff (may copy), bpf_prog_run_xdp, back */           \
	X(xdp_prog)  /* NIC native XDP: xdp_buff setup, bpf_prog_run_xdp, verdict handling */        \
	X(xdp_tx)    /* NIC XDP_TX: xdp_convert_buff_to_frame, XDP TX descriptor, doorbell */        \
	X(xsk_rcv)   /* XDP_REDIRECT to an XSK: xdp_do_redirect, xsk_rcv (not the copy) */           \
	X(xsk_batch) /* an AF_XDP reader's pass: RX ring peek/release, fill ring submit */           \
	X(cacheline_remote) /* one cache line last written by another core (an LLC hit) */           \
	X(lock_bounce)	    /* taking a lock (and its data) last held by another CPU */              \
	X(udp_queue_hold)   /* sk_receive_queue.lock held: one enqueue or a reader's splice */       \
	X(br_handle_frame) /* bridge port rx_handler: br_handle_frame(_finish), FDB update+lookup */ \
	X(br_forward)	/* __br_forward + br_forward_finish + br_dev_queue_push_xmit, per port */    \
	X(br_skb_clone) /* deliver_clone's skb_clone, per flood copy */                              \
	X(br_pass_frame_up) /* br_pass_frame_up: bridge rx stats, netif_receive_skb on the bridge */ \
	X(br_dev_xmit)	    /* the bridge's ndo_start_xmit (instead of driver_xmit) */               \
	X(vlan_do_receive) /* vlan_do_receive: VID lookup, untag, rx stats */                        \
	X(vlan_dev_xmit)   /* vlan_dev_hard_start_xmit (instead of driver_xmit) */                   \
	X(gso_segment)	   /* software GSO, per segment built (skb_segment, __udp_gso_segment) */

struct costs {
#define X(n) uint64_t n; /* cycles */
	COSTS(X)
#undef X
	double copy_per_byte; /* cycles per byte copied to user space (recvmsg's copy_to_iter) */
	double send_copy_per_byte; /* cycles per byte copied from user space (sendmsg's
				      copy_from_iter into a new skb) */
	uint32_t skb_cache_lines; /* lines of an skb the softirq writes (struct, shinfo, headers) */
	double mem_bandwidth;	 /* bytes/s of user copies the machine's CPUs share, 0 = no limit */
	sim_time_t ipi_latency;	 /* ps: IPI send to the target's hardirq */
	sim_time_t pcie_latency; /* ps: default DMA write latency (NIC may override) */
	double cost_cv;		 /* coefficient of variation of every CPU job's duration */
	sim_time_t cpu_dma_latency; /* ps: PM QoS CPU latency limit on idle exit latency */
	struct cpuidle_table idle;  /* the CPUs' idle states (cost key `idle`) */
	bool irq_time_accounting;   /* CONFIG_IRQ_TIME_ACCOUNTING: irq time not charged to tasks */
	bool sched_eevdf;	    /* the fair class is EEVDF (Linux 6.6+), else CFS */
};

/* Linux sysctls a host honours, by their Linux names in the scenario. */
/* The smallest receive buffer (include/net/sock.h), the floor of net.core.rmem_*. */
#define SOCK_MIN_RCVBUF 2304 /* 2048 + SKB_DATA_ALIGN(sizeof(struct sk_buff)) */

struct sysctls {
	uint32_t netdev_max_backlog;	/* net.core.netdev_max_backlog, packets */
	uint32_t rps_sock_flow_entries; /* net.core.rps_sock_flow_entries (global: the machine's) */
	uint32_t netdev_budget;		/* net.core.netdev_budget, packets */
	uint32_t netdev_budget_usecs;	/* net.core.netdev_budget_usecs, us */
	uint32_t dev_weight;		/* net.core.dev_weight, packets */
	uint32_t gro_normal_batch;	/* net.core.gro_normal_batch, packets */
	uint32_t busy_read;		/* net.core.busy_read, us: new sockets' SO_BUSY_POLL */
	uint32_t busy_poll;		/* net.core.busy_poll, us: poll/select (no app polls) */
	uint32_t flow_limit_cpu_bitmap; /* net.core.flow_limit_cpu_bitmap, CPU mask */
	uint32_t flow_limit_table_len;	/* net.core.flow_limit_table_len, buckets */
	uint64_t rmem_default;		/* net.core.rmem_default, bytes */
	uint64_t rmem_max;		/* net.core.rmem_max, bytes */
	uint32_t ip_forward;		/* net.ipv4.ip_forward, 0/1 */
	uint32_t icmp_ratelimit;	/* net.ipv4.icmp_ratelimit, ms */
	uint32_t icmp_ratemask;		/* net.ipv4.icmp_ratemask */
	uint32_t icmp_msgs_per_sec;	/* net.ipv4.icmp_msgs_per_sec */
	uint32_t icmp_msgs_burst;	/* net.ipv4.icmp_msgs_burst */
	uint64_t sched_latency_ns;	/* kernel.sched_latency_ns (CFS period) */
	uint64_t sched_min_granularity_ns;    /* kernel.sched_min_granularity_ns */
	uint64_t sched_wakeup_granularity_ns; /* kernel.sched_wakeup_granularity_ns */
	uint64_t sched_base_slice_ns;	      /* kernel.sched_base_slice_ns (EEVDF request size) */
	uint32_t dev_tx_weight;	   /* net.core.dev_weight_tx_bias (qdisc quota = dev_weight * it) */
	uint64_t wmem_default;	   /* net.core.wmem_default, bytes */
	uint64_t wmem_max;	   /* net.core.wmem_max, bytes */
	uint32_t port_lo, port_hi; /* net.ipv4.ip_local_port_range */
	uint32_t ip_default_ttl;   /* net.ipv4.ip_default_ttl */
	uint64_t unres_qlen_bytes; /* net.ipv4.neigh.default.unres_qlen_bytes */
	uint32_t mcast_solicit;	   /* net.ipv4.neigh.default.mcast_solicit */
	uint32_t ucast_solicit;	   /* net.ipv4.neigh.default.ucast_solicit */
	uint32_t app_solicit;	   /* net.ipv4.neigh.default.app_solicit */
	uint32_t retrans_time_ms;  /* net.ipv4.neigh.default.retrans_time_ms */
	uint64_t ipfrag_high_thresh;		  /* net.ipv4.ipfrag_high_thresh, bytes */
	uint32_t nf_conntrack_max;		  /* net.netfilter.nf_conntrack_max, entries */
	uint32_t nf_conntrack_buckets;		  /* net.netfilter.nf_conntrack_buckets */
	uint32_t nf_conntrack_udp_timeout;	  /* net.netfilter.nf_conntrack_udp_timeout, s */
	uint32_t nf_conntrack_udp_timeout_stream; /* ..._udp_timeout_stream, s */
	uint32_t nf_conntrack_icmp_timeout;	  /* net.netfilter.nf_conntrack_icmp_timeout, s */
	uint32_t nf_conntrack_generic_timeout;	  /* ..._generic_timeout, s */
	uint32_t ipfrag_time;			  /* net.ipv4.ipfrag_time, seconds */
	uint32_t route_mtu_expires;		  /* net.ipv4.route.mtu_expires, seconds */
	uint32_t route_min_pmtu;		  /* net.ipv4.route.min_pmtu, bytes */
	uint32_t route_error_cost;  /* net.ipv4.route.error_cost, jiffies (ip_error) */
	uint32_t route_error_burst; /* net.ipv4.route.error_burst, jiffies (ip_error) */
	uint64_t udp_mem[3];   /* net.ipv4.udp_mem, pages: min, pressure, max (the machine's) */
	uint32_t udp_rmem_min; /* net.ipv4.udp_rmem_min, bytes */
	uint32_t mem_pcpu_rsv; /* net.core.mem_pcpu_rsv, pages (the machine's) */
	uint32_t bridge_nf_call_iptables; /* net.bridge.bridge-nf-call-iptables, 0/1 (0: no
					     br_netfilter module) */
};

/* /proc/net/snmp Ip: (the fields the receive path moves). */
struct ip_mib {
	uint64_t InReceives, InHdrErrors, InAddrErrors, ForwDatagrams, InUnknownProtos;
	uint64_t InDiscards, InDelivers, OutRequests, OutDiscards, OutNoRoutes;
	uint64_t InNoRoutes; /* in /proc/net/netstat IpExt */
	uint64_t ReasmTimeout, ReasmReqds, ReasmOKs, ReasmFails, FragOKs, FragFails, FragCreates;
	uint64_t OutTransmits, InCsumErrors; /* InCsumErrors is in /proc/net/netstat IpExt */
};

/* /proc/net/snmp Udp:. */
struct udp_mib {
	uint64_t InDatagrams, NoPorts, InErrors, OutDatagrams, RcvbufErrors, SndbufErrors;
	uint64_t InCsumErrors, IgnoredMulti, MemErrors;
};

/* /proc/net/snmp Icmp: (the output side of errors the receive path generates). */
struct icmp_mib {
	uint64_t OutMsgs, OutErrors, OutRateLimitGlobal, OutRateLimitHost, OutDestUnreachs;
	uint64_t OutTimeExcds;
	uint64_t InMsgs, InDestUnreachs, InTimeExcds; /* errors received */
	uint64_t InErrors; /* received errors about no socket (__udp4_lib_err) */
};

/* Netfilter hooks on the receive path (full iptables tables come later). */
enum nf_hook_id {
	NF_INET_PRE_ROUTING,
	NF_INET_LOCAL_IN,
	NF_INET_FORWARD,
	NF_INET_LOCAL_OUT,
	NF_INET_POST_ROUTING,
	NF_HOOK_NR,
};

/* struct inet_peer: the per-destination ICMP rate-limit state. */
struct inet_peer {
	uint32_t daddr;	      /* peer address */
	bool used;	      /* slot taken */
	uint64_t rate_tokens; /* jiffies of credit */
	uint64_t rate_last;   /* jiffies: last update */
};

struct host {
	char name[32];		      /* from the scenario */
	struct world *w;	      /* back pointer */
	uint32_t ncpus;		      /* CPUs */
	struct cpu *cpus;	      /* [ncpus] */
	struct host *machine;	      /* host whose CPUs these are (itself, or via `machine:`) */
	double clock_hz;	      /* Hz: every CPU's clock */
	uint32_t hz;		      /* CONFIG_HZ: jiffy = 1 s / hz */
	struct sysctls sysctl;	      /* net.* and kernel.* knobs */
	struct costs costs;	      /* CPU costs: its profile's, then the `costs:` */
	char profile[64];	      /* name of the profile its costs start from */
	uint32_t ndevs;		      /* devices */
	struct net_device **devs;     /* [ndevs] */
	uint32_t nsocks;	      /* UDP and packet sockets */
	struct sock **socks;	      /* [nsocks] */
	uint32_t napps;		      /* application threads */
	struct app **apps;	      /* [napps] */
	struct nf_ruleset *nf;	      /* iptables rules (empty: hooks cost nothing) */
	struct fib_table *fib;	      /* routing table */
	struct neigh_table *neigh;    /* ARP table */
	struct ipfrag_table *frags;   /* IPv4 reassembly queues */
	uint16_t ip_id_next;	      /* IPv4 identification counter */
	struct net_device *lo;	      /* the loopback device */
	uint16_t next_port;	      /* next ephemeral port to try */
	uint32_t nlocal;	      /* local addresses */
	uint32_t local_addr[16];      /* IPv4, host order (127.0.0.1 is always local) */
	struct ip_mib ip;	      /* Ip: */
	struct udp_mib udp;	      /* Udp: */
	struct icmp_mib icmp;	      /* Icmp: */
	double icmp_global_credit;    /* icmp_global_allow tokens */
	sim_time_t icmp_global_stamp; /* jiffies: last refill */
	/* RFS, on a machine (global in the kernel: net_hotdata.rps_sock_flow_table) */
	uint32_t *rps_sock_flow_ents; /* [rps_sock_flow_mask + 1]: hash high bits | CPU, or NULL */
	uint32_t rps_sock_flow_mask;  /* rps_sock_flow_entries - 1 */
	uint32_t rps_cpu_mask;	      /* roundup_pow_of_two(CPUs) - 1 */
	struct sim_rng icmp_rng;      /* icmp_global_consume's draws */
	struct sim_rng port_rng;      /* inet_autobind's random start */
	struct udp_table *udptable;   /* bound UDP sockets by port (models/ipv4/sock.h) */
	struct inet_peer *peers;      /* open-addressing table */
	uint32_t npeers_cap;	      /* slots, a power of two */
	uint64_t drops[DROP_POINTS_MAX]; /* per drop_points[] entry */
	struct pcap_out *drops_pcap;	 /* `drops_pcap:` capture of every drop, or NULL */
	struct membw membw;		 /* the machine's copy traffic (used in h->machine) */
	int64_t udp_memory_allocated;	 /* pages: udp_prot.memory_allocated (used in h->machine) */
};

/*
 * The skb pool's limits (docs/scenarios.md, "Limits"): an explicit
 * `skb_pool` up to SKB_POOL_MAX, the computed default capped at
 * SKB_POOL_DEFAULT_MAX.
 */
#define SKB_POOL_MAX	     (1u << 22)
#define SKB_POOL_DEFAULT_MAX (1u << 21)

struct skb_observer;
struct cpu_observer;
struct host_subsys_ops;

struct world {
	char name[64];		      /* scenario name (results/<name>/) */
	struct sim_eventq q;	      /* the pending-event set */
	uint64_t seed;		      /* scenario seed */
	sim_time_t duration;	      /* ps: end of the run */
	sim_time_t warmup;	      /* ps: statistics start */
	sim_time_t end;		      /* ps: time the run reached (duration when complete) */
	bool complete;		      /* the run reached its duration */
	const char *stop_reason;      /* why a partial run stopped ("SIGINT"), NULL if complete */
	bool measuring;		      /* past the warm-up */
	struct sim_event warmup_ev;   /* fires at warmup */
	struct cpu *this_cpu;	      /* CPU whose work runs now (smp_processor_id), or NULL */
	struct costs costs;	      /* scenario-wide costs (its profile + top-level `costs:`) */
	double clock_hz;	      /* Hz: default clock of a host (the scenario's profile's) */
	char profile[64];	      /* name of the scenario's profile */
	struct sim_pool skb_pool;     /* every skb of the run */
	uint64_t skb_pool_need;	      /* skbs the hosts' queues may hold (the default skb_pool) */
	uint64_t next_skb_id;	      /* id of the next skb */
	uint64_t mem_charged;	      /* bytes: large tables allocated at load (world_charge()) */
	uint32_t nhosts;	      /* hosts */
	struct host **hosts;	      /* [nhosts] */
	uint32_t nsrcs;		      /* traffic sources */
	struct traffic_source **srcs; /* [nsrcs] */
	struct pcap_out *pcaps;	      /* capture files (models/report/pcap_out.h), a list */
	struct skb_observer
		*observers; /* models/core/observe.h: called at every packet event, a list */
	struct cpu_observer *cpu_observers; /* models/kernel/cpu.h: what CPUs run, a list */
	/* models/subsys.h: the subsystems' lifecycle and report hooks (NULL: host_subsys[]) */
	const struct host_subsys_ops *const *subsys;
	/* packet accounting, whole run (conservation: offered = delivered + dropped + in flight) */
	uint64_t offered;     /* frames that reached a NIC */
	uint64_t delivered;   /* datagrams read by an application */
	uint64_t dropped;     /* frames dropped anywhere */
	uint64_t consumed;    /* packets the kernel itself consumed (ARP) */
	uint64_t transmitted; /* frames sent out of a NIC with no modelled peer */
	uint64_t clones_live; /* tap clones currently allocated */
	/* latency, measured after warm-up, per packet in ps */
	struct sim_hist lat[LAT_NR]; /* per stage */
	struct sim_hist e2e;	     /* wire to application */
	/* provenance, copied from the cfg by world_create (report.json "provenance") */
	char *scenario_file;		  /* the scenario file as given */
	char scenario_sha256[SHA256_HEX]; /* SHA-256 of its bytes, hex */
	char **overrides;		  /* "--set K=V" / "--unset K", in applied order */
	uint32_t noverrides;		  /* entries in overrides[] */
};

/* Cycles on host @h's clock to picoseconds. */
static inline sim_time_t cycles_to_ps(const struct host *h, uint64_t cycles)
{
	return (sim_time_t)((double)cycles * 1e12 / h->clock_hz + 0.5);
}

static inline sim_time_t world_now(const struct world *w)
{
	return w->q.now;
}

/* jiffies at @t on host @h (the run starts at jiffy 0). */
static inline uint64_t host_jiffies(const struct host *h, sim_time_t t)
{
	return (uint64_t)(t / (SIM_SEC / h->hz));
}

/* usecs_to_jiffies(): rounds up. */
static inline uint64_t host_usecs_to_jiffies(const struct host *h, uint64_t us)
{
	uint64_t per = 1000000u / h->hz;
	return (us + per - 1) / per;
}

/* The packets still inside the simulation (not delivered, consumed, transmitted or dropped). */
static inline uint64_t world_in_flight(const struct world *w)
{
	return sim_pool_in_use(&w->skb_pool) - w->clones_live;
}

/* offered == delivered + dropped + in flight, and per-host drop sums agree. */
bool world_conserved(const struct world *w);

struct cfg_node;
struct sim_error;

/*
 * Charge @bytes of a table sized by the scenario (the skb pool, flow-limit
 * buckets, fq_codel flows, traffic flows with their share of the ICMP peer
 * table) to the world's load-time budget of WORLD_MEM_MAX, before allocating
 * it: a scenario whose tables would pass it is an error at @at ("the
 * scenario's tables would need more than 2GiB of memory"), not an
 * out-of-memory kill.
 */
#define WORLD_MEM_MAX (2ull << 30)
int world_charge(struct world *w, const struct cfg_node *at, uint64_t bytes, struct sim_error *err);

/*
 * Pass @local on to @err; an error without a position (out of memory in a
 * model, and any other found away from the tree) gets @n's, the item being
 * built, so that every error is located. Returns -1.
 */
int world_error_locate(const struct cfg_node *n, const struct sim_error *local,
		       struct sim_error *err);

/* Parse list @key of host mapping @n, calling @one for each item mapping (errors located). */
int host_each_item(struct host *h, const struct cfg_node *n, const char *key,
		   int (*one)(struct host *h, const struct cfg_node *item, struct sim_error *err),
		   struct sim_error *err);

/* Items of list @key of @n (0 when absent or not a list). */
uint32_t cfg_seq_len(const struct cfg_node *n, const char *key);

#endif
