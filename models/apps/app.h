/*
 * models/apps/app.h - receiving applications: threads looping on recvmsg/recvmmsg.
 *
 * Kernel references: net/socket.c (__sys_recvmsg, __sys_recvmmsg with
 * MSG_WAITFORONE), net/ipv4/udp.c (udp_recvmsg: InDatagrams counted at read,
 * deferred checksum errors; __skb_recv_udp's sk_busy_loop), net/core/datagram.c
 * (__skb_wait_for_more_packets), include/net/busy_poll.h (sk_can_busy_loop).
 * A socket with SO_BUSY_POLL busy polls its NAPI (models/core/dev.h
 * napi_busy_loop) once per call before the reader sleeps.
 *
 * A thread pinned to one CPU reads one socket. Each call costs `syscall`
 * cycles plus `recv_per_msg` per datagram plus `copy_per_byte` per payload
 * byte (on the machine's memory bandwidth), plus per datagram the socket
 * locks' waits and, when the softirq ran on another CPU, its lines
 * (cacheline_remote each), in kernel mode (not preemptible); with recvmmsg it takes up to
 * `batch` datagrams and returns once it has at least one (MSG_WAITFORONE).
 * An empty socket puts the thread to sleep until sk_data_ready wakes it.
 * After each call the thread spends `work` (a distribution, per datagram) in
 * user space, where it can be preempted.
 *
 * An AF_XDP reader (`syscall: xsk`, on an XSK of `xsks:`, models/core/xsk.h)
 * makes no syscall while its RX ring has descriptors: each pass takes up to
 * `batch` of them for `xsk_batch` cycles (the frames are in the UMEM: no
 * copy), gives their frames back to the fill ring and counts them delivered;
 * on an empty ring it sleeps in poll() until xsk_rcv's sk_data_ready.
 */
#ifndef MODELS_APP_H
#define MODELS_APP_H

#include <stdint.h>

#include "sim/cfg.h"
#include "sim/rng.h"
#include "sim/stats.h"
#include "models/kernel/cpu.h"
#include "models/core/dev.h"
#include "models/ipv4/sock.h"
#include "models/ipv4/udp.h"
#include "models/world.h"

#define APP_MAX_BATCH 1024

enum app_syscall {
	APP_RECVMSG,
	APP_RECVMMSG,
	APP_SENDTO,
	APP_SENDMMSG,
	APP_XSK, /* an AF_XDP reader: takes RX ring descriptors, refills the fill ring */
};

/* Errors an application counts, by errno (send calls, and recv calls for sk_err). */
enum app_err {
	APP_EAGAIN,
	APP_ENOBUFS,
	APP_ENETUNREACH,
	APP_EMSGSIZE,
	APP_EPERM,
	APP_EHOSTUNREACH, /* unreachable route; ICMP host unreachable/prohibited (sk_err) */
	APP_EACCES,	  /* prohibit route */
	APP_EINVAL,	  /* blackhole route */
	APP_ECONNREFUSED, /* ICMP port unreachable (sk_err) */
	APP_EOTHER,	  /* any other errno from an ICMP error (sk_err) */
	APP_ERR_NR,
};
/* The first entries, always printed in the text report (the others when non-zero). */
#define APP_ERR_ALWAYS (APP_EPERM + 1)
extern const char *const app_err_name[APP_ERR_NR];

struct app {
	char name[32];		   /* from the scenario */
	struct host *host;	   /* owner */
	struct thread thread;	   /* the thread */
	struct sock *sk;	   /* socket read */
	enum app_syscall syscall;  /* recvmsg or recvmmsg */
	uint32_t batch;		   /* recvmmsg vlen */
	struct sim_dist work;	   /* ps of user work per datagram */
	bool has_work;		   /* work is not constant 0 */
	struct sim_rng rng;	   /* stream "app/<host>/<name>" */
	struct sk_buff **inflight; /* [inflight_cap] datagrams of the call under way */
	uint32_t inflight_cap; /* the most one call reads: batch, or APP_MAX_BATCH for replies */
	uint32_t ninflight;    /* entries */
	uint32_t pending_work; /* datagrams whose user work is due */
	struct napi_busy_loop busy; /* sk_busy_loop in the recv call under way */
	bool busy_tried;	    /* this call busy polled already */
	/* statistics */
	uint64_t calls;	     /* syscalls completed */
	uint64_t msgs;	     /* datagrams read */
	uint64_t bytes;	     /* payload bytes read */
	uint64_t sleeps;     /* times it blocked */
	struct sim_hist e2e; /* ps from creation to this app's read (after warm-up) */
	/* sender (a `send:` mapping) */
	bool sender;		     /* sends instead of receiving */
	uint32_t daddr;		     /* destination */
	uint16_t dport;		     /* destination port */
	struct sim_dist size;	     /* payload bytes per datagram */
	double pps;		     /* target rate, 0 = as fast as the socket allows */
	bool poisson;		     /* exponential gaps instead of constant */
	uint32_t burst;		     /* datagrams due together (pattern burst), else 1 */
	uint32_t in_burst;	     /* datagrams of the current burst already sent */
	bool connect;		     /* connect() before sending (route cached) */
	uint64_t count;		     /* datagrams to send, 0 = no limit */
	sim_time_t next_send;	     /* ps: when the next datagram is due */
	bool nanosleep;		     /* waits in nanosleep (paid), not an ideal timer */
	bool spin;		     /* busy-waits until due (user time), not a timer */
	bool sleep_armed;	     /* nanosleep's syscall and timer arm paid for this wait */
	struct sim_event timer;	     /* wakes the thread when it is due */
	struct udp_tx *tx;	     /* [tx_cap] datagrams of the call under way */
	uint32_t tx_cap;	     /* the most one call sends (0: the app never sends) */
	uint32_t ntx;		     /* entries */
	uint64_t *tx_cycles;	     /* [tx_cap] CPU cycles of each datagram's way down */
	uint32_t txi;		     /* next datagram of the call to hand off */
	sim_time_t charge_ps;	     /* kernel work of the hand-off still to run */
	uint64_t sent;		     /* datagrams the kernel accepted */
	uint64_t errors[APP_ERR_NR]; /* send errors seen, by errno */
	uint64_t blocks;	     /* times it slept on a full send buffer */
	/* request/response */
	bool echo;		   /* server: send every datagram back to its source */
	bool await_reply;	   /* client: wait for the replies before the next request */
	sim_time_t reply_timeout;  /* client: ps to wait for a reply */
	sim_time_t reply_deadline; /* client: ps, when waiting gives up */
	uint32_t outstanding;	   /* client: requests without a reply */
	uint64_t timeouts;	   /* client: replies that never came */
	struct sim_hist rtt;	   /* client: ps from sending a request to reading its reply */
	struct app_echo {
		uint32_t addr;	  /* where the request came from */
		uint16_t port;	  /* its port */
		uint32_t len;	  /* payload bytes to send back */
		sim_time_t t_app; /* ps: when the request was sent */
	} * echoq;		  /* server: [APP_MAX_BATCH] replies still to send, else NULL */
	uint32_t nechos;	  /* entries in echoq */
};

int app_create(struct host *h, const struct cfg_node *n, struct app **out, struct sim_error *err);
void app_free(struct app *a);
/* Start the thread (it runs, finds the socket empty and sleeps). */
void app_start(struct app *a);

#endif
