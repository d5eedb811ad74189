/*
 * models/drivers/nic_tx.h - NIC transmit (models/drivers/nic_tx.c) and the queue pair's vector.
 *
 * See models/drivers/nic_tx.c for the model. nic.c calls these; nic_tx.c
 * calls nothing of nic.c (a linked peer is reached through its ops).
 */
#ifndef MODELS_NIC_TX_H
#define MODELS_NIC_TX_H

#include <stdbool.h>
#include <stdint.h>

#include "models/drivers/hw_nic.h"

/* Build the TX side of @dev (queues, rings, qdiscs) from its mapping @n. */
int nic_tx_create(struct net_device *dev, const struct cfg_node *n, struct sim_error *err);
/* ndo_start_xmit of a NIC (T15): post a descriptor, ring the doorbell. */
int nic_start_xmit(struct cpu *c, struct net_device *dev, struct sk_buff *skb, uint16_t txq,
		   uint64_t *cycles);
/* XDP_TX: post @skb on @rq's XDP TX ring, doorbell @doorbell ps from now; false when full. */
bool nic_xdp_xmit(struct nic_rx_queue *rq, struct sk_buff *skb, sim_time_t doorbell);
/* Allocate the XDP TX rings of @dev (after its RX queues and tx_ring are set). -1: no memory. */
int nic_xdp_tx_alloc(struct net_device *dev);
/* Release the TX rings (and the XDP TX rings). */
void nic_tx_free(struct net_device *dev);
/* TX completions to clean at the start of a NAPI poll; *cycles grows. true = more left. */
bool nic_tx_clean(struct nic_rx_queue *rq, uint64_t *cycles);
/* The queue pair's vector should fire at @t (earliest wins; ignored while masked). */
void nic_vector_arm(struct nic_rx_queue *rq, sim_time_t t);
/* Arm the queue pair's vector for pending TX completions (after napi_complete_done). */
void nic_tx_rearm(struct nic_rx_queue *rq);
/* Wire time of an L2 frame of @len bytes without FCS: (len + 4 + 20) * 8 / speed (ps). */
sim_time_t nic_wire_time(const struct net_device *dev, uint32_t len);

#endif
