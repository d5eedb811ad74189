/*
 * models/drivers/nic.h - NIC receive (models/drivers/nic.c): RSS hashing and the setup.
 *
 * See models/drivers/hw_nic.h for the model, references and simplifications.
 */
#ifndef MODELS_NIC_H
#define MODELS_NIC_H

#include <stdint.h>

#include "models/drivers/hw_nic.h"

/* Build a NIC from its scenario mapping (struct netdev_driver setup of every NIC driver). */
int nic_setup(struct net_device *dev, const struct cfg_node *n, struct sim_error *err);

/* The RSS hash of a 4-tuple with @key (Toeplitz over saddr, daddr, sport, dport). */
uint32_t toeplitz_hash(const uint8_t *key, uint32_t saddr, uint32_t daddr, uint16_t sport,
		       uint16_t dport);
extern const uint8_t rss_default_key[RSS_KEY_LEN];
/* The same hash from a table built by toeplitz_table_init (one XOR per input byte). */
void toeplitz_table_init(uint32_t tbl[12][256], const uint8_t *key);
uint32_t toeplitz_hash_tbl(const uint32_t tbl[12][256], uint32_t saddr, uint32_t daddr,
			   uint16_t sport, uint16_t dport);

#endif
