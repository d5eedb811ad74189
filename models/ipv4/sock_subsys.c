/*
 * models/ipv4/sock_subsys.c - sockets as a subsystem (models/subsys.h): a
 * host's `sockets:` (UDP), `taps:` (AF_PACKET) and `xsks:` (AF_XDP), each
 * made by sock_create() with its kind's struct proto from sock_protos[],
 * the udptable they bind in, and their report (`ss -u -m`,
 * /proc/net/sockstat, getsockopt(PACKET_STATISTICS / XDP_STATISTICS)).
 */
#include <stdlib.h>
#include <string.h>

#include "models/core/xsk.h"
#include "models/ipv4/protocol.h"
#include "models/ipv4/sock.h"
#include "models/ipv4/udp.h"
#include "models/subsys.h"

static int host_add_sock_kind(struct host *h, const struct cfg_node *n, enum sock_kind kind,
			      struct sim_error *err)
{
	struct sock *sk = NULL;
	int rc = sock_create(h, n, kind, sock_protos[kind], &sk, err);

	h->socks[h->nsocks++] = sk;
	if (rc)
		return -1;
	for (uint32_t i = 0; i + 1 < h->nsocks; i++)
		if (!strcmp(h->socks[i]->name, sk->name))
			return cfg_error(cfg_get(n, "name"), err, "duplicate socket name '%s'",
					 sk->name);
	return 0;
}

static int host_add_sock(struct host *h, const struct cfg_node *n, struct sim_error *err)
{
	return host_add_sock_kind(h, n, SOCK_UDP, err);
}

static int host_add_tap(struct host *h, const struct cfg_node *n, struct sim_error *err)
{
	return host_add_sock_kind(h, n, SOCK_PACKET, err);
}

static int host_add_xsk(struct host *h, const struct cfg_node *n, struct sim_error *err)
{
	return host_add_sock_kind(h, n, SOCK_XDP, err);
}

static int sock_subsys_init(struct host *h, const struct cfg_node *n, struct sim_error *err)
{
	uint32_t nsocks =
		cfg_seq_len(n, "sockets") + cfg_seq_len(n, "taps") + cfg_seq_len(n, "xsks");

	h->socks = calloc(nsocks + 1, sizeof(*h->socks));
	if (!h->socks || udp_table_init(h, nsocks))
		return cfg_error(n, err, "out of memory");
	if (host_each_item(h, n, "sockets", host_add_sock, err) ||
	    host_each_item(h, n, "taps", host_add_tap, err) ||
	    host_each_item(h, n, "xsks", host_add_xsk, err))
		return -1;
	return 0;
}

static void sock_subsys_warmup_reset(struct host *h, sim_time_t now)
{
	for (uint32_t s = 0; s < h->nsocks; s++)
		sock_stats_reset(h->socks[s], now);
}

static void sock_subsys_release(struct host *h)
{
	for (uint32_t i = 0; i < h->nsocks; i++)
		sock_free(h->socks[i]);
	udp_table_free(h);
	free(h->socks);
}

/* A full receive buffer of small datagrams, a send buffer's, and an AF_XDP RX ring. */
static uint64_t sock_subsys_skb_pool_need(const struct host *h)
{
	uint64_t n = 0;

	for (uint32_t s = 0; s < h->nsocks; s++)
		n += h->socks[s]->sk_rcvbuf / 256 + h->socks[s]->sk_sndbuf / 768 + 2 +
		     (h->socks[s]->kind == SOCK_XDP ? xdp_sk(h->socks[s])->rx_ring_size : 0);
	return n;
}

const struct host_subsys_ops sock_subsys = {
	.name = "sock",
	.boot = sock_init,
	.init = sock_subsys_init,
	.warmup_reset = sock_subsys_warmup_reset,
	.release = sock_subsys_release,
	.skb_pool_need = sock_subsys_skb_pool_need,
};
