/*
 * models/lib/inet_addr.h - IPv4 addresses and ports as scenarios write them.
 *
 * Kernel analogue: in4_pton (net/core/utils.c) and %pI4. Addresses are host
 * byte order.
 */
#ifndef MODELS_LIB_INET_ADDR_H
#define MODELS_LIB_INET_ADDR_H

#include <stdint.h>

/* "a.b.c.d" → host-order address. 0 or -1. */
int inet_parse_addr(const char *s, uint32_t *addr);
/* "a.b.c.d/len" (len defaults to 32) → masked address and prefix length. 0 or -1. */
int inet_parse_prefix(const char *s, uint32_t *addr, uint32_t *prefix_len);
/* "a.b.c.d:port". 0 or -1. */
int inet_parse_addr_port(const char *s, uint32_t *addr, uint16_t *port);
/* "N" or "N:M" (N <= M). 0 or -1. */
int inet_parse_port_range(const char *s, uint16_t *lo, uint16_t *hi);
/* Dotted quad into @buf (16 bytes). */
void inet_fmt(char *buf, uint32_t addr);

#endif
