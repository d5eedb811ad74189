/*
 * models/lib/inet_addr.c - IPv4 addresses and ports as scenarios write them
 * (models/lib/inet_addr.h).
 *
 * Kernel analogue: net/core/utils.c in4_pton and the %pI4 format of
 * lib/vsprintf.c; the syntax is iproute2's and iptables' (a.b.c.d, /len,
 * :port, N:M port ranges).
 */
#include <stdio.h>
#include <string.h>

#include "models/lib/inet_addr.h"

int inet_parse_addr(const char *s, uint32_t *addr)
{
	unsigned a[4];
	char tail;

	if (sscanf(s, "%3u.%3u.%3u.%3u%c", &a[0], &a[1], &a[2], &a[3], &tail) != 4)
		return -1;
	for (int i = 0; i < 4; i++)
		if (a[i] > 255)
			return -1;
	*addr = a[0] << 24 | a[1] << 16 | a[2] << 8 | a[3];
	return 0;
}

int inet_parse_prefix(const char *s, uint32_t *addr, uint32_t *prefix_len)
{
	char buf[32];
	const char *slash = strchr(s, '/');
	unsigned len = 32;
	char tail;

	if (strlen(s) >= sizeof(buf))
		return -1;
	snprintf(buf, sizeof(buf), "%s", s);
	if (slash) {
		buf[slash - s] = 0;
		if (sscanf(slash + 1, "%2u%c", &len, &tail) != 1 || len > 32)
			return -1;
	}
	if (inet_parse_addr(buf, addr))
		return -1;
	*prefix_len = len;
	if (len < 32)
		*addr &= len ? ~0u << (32 - len) : 0;
	return 0;
}

int inet_parse_addr_port(const char *s, uint32_t *addr, uint16_t *port)
{
	char buf[32];
	const char *colon = strrchr(s, ':');
	unsigned p;
	char tail;

	if (!colon || strlen(s) >= sizeof(buf))
		return -1;
	snprintf(buf, sizeof(buf), "%s", s);
	buf[colon - s] = 0;
	if (sscanf(colon + 1, "%5u%c", &p, &tail) != 1 || p > 65535)
		return -1;
	if (inet_parse_addr(buf, addr))
		return -1;
	*port = (uint16_t)p;
	return 0;
}

int inet_parse_port_range(const char *s, uint16_t *lo, uint16_t *hi)
{
	unsigned a, b;
	char tail;
	int n = sscanf(s, "%5u:%5u%c", &a, &b, &tail);

	if (n == 1)
		b = a;
	else if (n != 2)
		return -1;
	if (a > 65535 || b > 65535 || a > b)
		return -1;
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

void inet_fmt(char *buf, uint32_t a)
{
	snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}
