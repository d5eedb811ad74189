/*
 * models/core/af_packet.h - AF_PACKET taps (net/packet/af_packet.c): the
 * packet socket's struct proto and packet_rcv, which the device layer calls
 * for every tap of a device (deliver_skb, dev_queue_xmit_nit).
 */
#ifndef MODELS_CORE_AF_PACKET_H
#define MODELS_CORE_AF_PACKET_H

#include <stdint.h>

#include "models/core/skb.h"

struct sock;
struct proto;

/* packet_rcv: queue a clone of @skb on tap @sk (or count a drop); its CPU cycles. */
uint64_t packet_rcv(struct sock *sk, const struct sk_buff *skb);

extern const struct proto packet_proto;

#endif
