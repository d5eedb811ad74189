/*
 * models/ipv4/arp.h - IPv4's handlers of the ARP table (net/ipv4/arp.c
 * arp_generic_ops), installed in each host's table at creation.
 */
#ifndef MODELS_IPV4_ARP_H
#define MODELS_IPV4_ARP_H

#include "models/core/neigh.h"

extern const struct neigh_ops arp_generic_ops;

#endif
