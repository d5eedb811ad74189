/*
 * models/core/xmit.h - the device transmit layer: dev_queue_xmit, qdisc_run,
 * NET_TX_SOFTIRQ (T13, T14).
 *
 * Kernel references: net/core/dev.c (__dev_queue_xmit, __dev_xmit_skb,
 * netdev_core_pick_tx, dev_hard_start_xmit, __netif_schedule,
 * net_tx_action, netif_rx), net/sched/sch_generic.c (__qdisc_run,
 * qdisc_restart, sch_direct_xmit, dev_requeue_skb), kernel-facts §8.
 *
 * Each device has one qdisc per TX queue (a multi-queue NIC's root is `mq`
 * with one child per queue; loopback is `noqueue`), or one root shared by all
 * its TX queues (`parent: root`, no TCQ_F_ONETXQUEUE: each dequeued skb goes
 * to its own queue, and waits requeued while that one is stopped).
 * dev_queue_xmit picks the TX queue by the skb's hash, bypasses an empty
 * CAN_BYPASS qdisc, else enqueues and runs qdisc_run with quota
 * dev_tx_weight (64); what remains is rescheduled on NET_TX_SOFTIRQ. A
 * driver that refuses (NETDEV_TX_BUSY: ring full, veth backpressure) gets
 * the skb requeued (requeues++); one that drops it returns NET_XMIT_DROP,
 * which a noqueue device passes up to the sender (loopback and veth are
 * drivers: models/drivers/loopback.c, veth.c).
 *
 * TX queue choice: XPS when the device has `xps_cpus` (the queues whose mask
 * holds the sending CPU, then by hash among them), else skb_tx_hash. Packet
 * sockets on the device get their copy in xmit_one, after the qdisc.
 *
 * Locks (models/kernel/contention.h): every enqueue holds the qdisc root lock for
 * qdisc_enqueue and every dequeue for qdisc_dequeue; a CPU that finds the
 * qdisc running on another CPU first serializes on q->busylock. The wait
 * (spin, and lock_bounce after another CPU) is added to the caller's work.
 *
 * validate_xmit_skb cuts a UDP GSO skb the device cannot take
 * (models/core/gso.h). Simplified: no XPS by receive queue (xps_rxqs), no
 * GSO but UDP's, no defer_list batching (later kernels); the dequeues of a run are charged to
 * the CPU that computed it, even when the kernel's running owner would
 * dequeue for an enqueuer that found the qdisc running.
 */
#ifndef MODELS_XMIT_H
#define MODELS_XMIT_H

#include <stdint.h>

#include "models/kernel/cpu.h"
#include "models/core/skb.h"
#include "models/world.h"

struct net_device;
struct Qdisc;

#define NETDEV_TX_OK   0
#define NETDEV_TX_BUSY 0x10

/*
 * __dev_queue_xmit: @skb (its dev set to @dev) from CPU @c. Returns the
 * NET_XMIT code and adds the CPU cycles of everything it did (enqueue,
 * dequeues and driver calls of qdisc_run) to *cycles.
 */
int dev_queue_xmit(struct cpu *c, struct sk_buff *skb, struct net_device *dev, uint64_t *cycles);
/* __netif_schedule: put @q on @c's output queue and raise NET_TX. */
void netif_schedule_qdisc(struct cpu *c, struct Qdisc *q);
/* Register net_tx_action as NET_TX_SOFTIRQ. */
void net_tx_init(void);

#endif
