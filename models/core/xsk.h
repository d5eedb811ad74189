/*
 * models/core/xsk.h - AF_XDP sockets (XSK): a redirect target of a NIC's XDP program.
 *
 * Kernel references: net/xdp/xsk.c (xsk_rcv, xsk_rcv_check, __xsk_rcv,
 * __xsk_rcv_zc, xsk_flush, xsk_getsockopt XDP_STATISTICS), net/xdp/
 * xsk_queue.h (xskq_prod_reserve_desc, queue_empty_descs),
 * include/uapi/linux/if_xdp.h (struct xdp_statistics), tools/lib/bpf's
 * xsk.h and samples xdpsock (the reader's loop: xsk_ring_cons__peek,
 * __release, then the fill ring refilled with as many frames).
 *
 * An XSK is bound (`dev`, `queue`) to one RX queue of a NIC; the device's
 * program sends it frames with `action: redirect`, which is the usual
 * bpf_redirect_map(&xsks_map, ctx->rx_queue_index, XDP_PASS): to the XSK
 * of the receiving queue, or XDP_PASS when that queue has none. It owns a
 * UMEM of `fill_ring` frames, all on the fill ring at start. xsk_rcv (copy
 * mode, XDP_COPY) takes a frame from the fill ring, copies the packet into
 * it and reserves an RX ring descriptor: no fill entry is rx_dropped (and
 * one more rx_fill_ring_empty_descs), no room on the RX ring (`rx_ring`
 * entries, counting those reserved and not yet flushed) is rx_ring_full;
 * either way xdp_do_redirect fails and the driver counts rx_xdp_drop. The
 * descriptor becomes visible to the reader when the driver's work for the
 * frame is done (xsk_flush from xdp_do_flush, here at the end of that
 * frame's cycles), and sk_data_ready wakes a reader asleep in poll(). The
 * reader (an app with `syscall: xsk`) takes up to `batch` descriptors per
 * pass, for `xsk_batch` cycles, and puts as many frames back on the fill
 * ring: a frame is delivered when the application has taken it.
 *
 * The socket is a struct xdp_sock (kind SOCK_XDP, xsk_proto) embedding its
 * struct sock first, whose sk_receive_queue is the RX ring (entries, not
 * bytes: no rcvbuf).
 *
 * Simplified: copy mode only (no zero-copy driver path), one XSK per
 * queue, no TX ring or completion ring, no need_wakeup flag (the reader is
 * woken at every enqueue into an empty ring, as with poll() and
 * need_wakeup unset), the umem's frames are all on the fill ring or in use.
 */
#ifndef MODELS_XSK_H
#define MODELS_XSK_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/cfg.h"
#include "sim/error.h"
#include "sim/event.h"
#include "models/core/skb.h"
#include "models/ipv4/sock.h"

struct sk_buff;
struct host;
struct net_device;

struct xdp_sock {
	struct sock sk;		 /* first: the generic socket; the RX ring is sk_receive_queue */
	struct net_device *dev;	 /* bound device (sxdp_ifindex) */
	uint16_t queue_id;	 /* bound RX queue (sxdp_queue_id) */
	uint32_t rx_ring_size;	 /* XDP_RX_RING entries */
	uint32_t fill_ring_size; /* XDP_UMEM_FILL_RING entries = UMEM frames */
	uint32_t fill;		 /* frames on the fill ring, ready for the kernel */
	struct sk_buff_head pending; /* reserved on the RX ring, not yet flushed (t_ready) */
	struct sim_event flush_ev;   /* xsk_flush of the head of pending */
	/* struct xdp_statistics (getsockopt XDP_STATISTICS) */
	uint64_t rx_dropped;		   /* no fill entry (xs->rx_dropped) */
	uint64_t rx_ring_full;		   /* no room on the RX ring (xs->rx_queue_full) */
	uint64_t rx_fill_ring_empty_descs; /* times the fill ring was found empty */
	uint64_t rx_packets;		   /* frames put on the RX ring (sim-only) */
};

static inline struct xdp_sock *xdp_sk(const struct sock *sk)
{
	return (struct xdp_sock *)sk;
}

/*
 * sock_protos[SOCK_XDP]: an `xsks:` item's keys `dev` (a NIC of the host),
 * `queue` (default 0), `rx_ring`, `fill_ring` (entries, powers of two,
 * default XSK_RING_CONS__DEFAULT_NUM_DESCS 2048); binds it to the queue.
 */
extern const struct proto xsk_proto;

/*
 * xsk_rcv in the NAPI poll: the frame @skb redirected to @xs. False when
 * it was dropped (counted in @xs; the caller counts rx_xdp_drop). *cycles
 * grows by the copy into the UMEM frame; the frame is flushed to the RX
 * ring @t_flush_ps after now (the poll's work up to and with it).
 */
bool xsk_rcv(struct xdp_sock *xs, struct sk_buff *skb, uint64_t *cycles, sim_time_t t_flush_ps);

/* The reader took @n frames and gives their UMEM frames back to the fill ring. */
void xsk_fill_return(struct xdp_sock *xs, uint32_t n);

#endif
