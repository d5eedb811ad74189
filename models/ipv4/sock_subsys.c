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
#include "models/core/af_packet.h"
#include "models/core/netdevice.h"
#include "models/lib/inet_addr.h"
#include "models/report/report_util.h"
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

/* ---- report ---- */

/* An AF_XDP socket's line: its binding and getsockopt(XDP_STATISTICS). */
static void xsk_text(const struct sock *sk, FILE *f)
{
	const struct xdp_sock *xs = xdp_sk(sk);

	fprintf(f,
		"  xsk %s on %s queue %u: rx %llu rx_dropped %llu rx_ring_full %llu "
		"rx_fill_ring_empty_descs %llu\n",
		sk->name, xs->dev->name, xs->queue_id, U(xs->rx_packets), U(xs->rx_dropped),
		U(xs->rx_ring_full), U(xs->rx_fill_ring_empty_descs));
}

/* Each socket's line in report.txt's host section (a tap's: PACKET_STATISTICS). */
static void sock_subsys_text(const struct host *h, FILE *f)
{
	for (uint32_t s = 0; s < h->nsocks; s++) {
		const struct sock *sk = h->socks[s];

		if (sk->kind == SOCK_XDP)
			xsk_text(sk, f);
		else if (sk->kind == SOCK_PACKET)
			fprintf(f, "  tap %s on %s: tp_packets %llu tp_drops %llu\n", sk->name,
				pkt_sk(sk)->tap_dev->name,
				U(pkt_sk(sk)->tp_packets + pkt_sk(sk)->tp_drops),
				U(pkt_sk(sk)->tp_drops));
		else
			fprintf(f, "  socket %s: rcvbuf %u, drops %llu\n", sk->name, sk->sk_rcvbuf,
				U(sk->sk_drops));
	}
}

/* getsockopt(XDP_STATISTICS) of an AF_XDP socket, and its binding and rings. */
static cJSON *json_xsk(const struct xdp_sock *xs)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "dev", xs->dev->name);
	JNUM(o, xs, queue_id);
	JNUM(o, xs, rx_ring_size);
	JNUM(o, xs, fill_ring_size);
	JNUM(o, xs, rx_packets);
	JNUM(o, xs, rx_dropped);
	JNUM(o, xs, rx_ring_full);
	JNUM(o, xs, rx_fill_ring_empty_descs);
	return o;
}

static cJSON *json_socks(const struct host *h)
{
	cJSON *a = cJSON_CreateArray();

	for (uint32_t s = 0; s < h->nsocks; s++) {
		const struct sock *sk = h->socks[s];
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "name", sk->name);
		cJSON_AddStringToObject(o, "kind",
					sk->kind == SOCK_UDP   ? "udp"
					: sk->kind == SOCK_XDP ? "xdp"
							       : "packet");
		JNUM(o, sk, sk_rcvbuf);
		JNUM(o, sk, sk_rmem_alloc);
		JNUM(o, sk, sk_drops);
		cJSON_AddNumberToObject(o, "queued", (double)sk->qlen.cur);
		if (sk->kind == SOCK_XDP)
			cJSON_AddItemToObject(o, "xdp_statistics", json_xsk(xdp_sk(sk)));
		if (sk->kind == SOCK_PACKET) {
			cJSON_AddNumberToObject(
				o, "tp_packets",
				(double)(pkt_sk(sk)->tp_packets + pkt_sk(sk)->tp_drops));
			JNUM(o, pkt_sk(sk), tp_drops);
		}
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

/* UDP sockets of @h holding a port (sock_prot_inuse_get: the hashed ones). */
static uint32_t udp_inuse(const struct host *h)
{
	uint32_t n = 0;

	for (uint32_t s = 0; s < h->nsocks; s++)
		n += h->socks[s]->kind == SOCK_UDP && h->socks[s]->bound;
	return n;
}

/* proto_memory_allocated(&udp_prot): the machine's pages, never negative. */
static long long udp_mem_pages(const struct host *h)
{
	int64_t m = h->machine->udp_memory_allocated;

	return m > 0 ? (long long)m : 0;
}

static cJSON *json_sockstat(const struct host *h)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "sockets_used", h->nsocks);
	cJSON_AddNumberToObject(o, "udp_inuse", udp_inuse(h));
	cJSON_AddNumberToObject(o, "udp_mem_pages", (double)udp_mem_pages(h));
	return o;
}

static void sock_subsys_json(const struct host *h, cJSON *o)
{
	cJSON_AddItemToObject(o, "sockets", json_socks(h));
	cJSON_AddItemToObject(o, "sockstat", json_sockstat(h));
}

/* A socket's receive queue lock and, for UDP, its reader_queue lock, when taken. */
static void sock_subsys_locks(const struct host *h, lock_report_fn fn, void *arg)
{
	for (uint32_t s = 0; s < h->nsocks; s++) {
		const struct sock *sk = h->socks[s];
		struct lock_report l;

		if (sk->rq_lock.acquired) {
			l = lock_report_of(sk->name, "sk_receive_queue.lock", &sk->rq_lock);
			fn(&l, arg);
		}
		if (sk->kind == SOCK_UDP && udp_sk(sk)->reader_lock.acquired) {
			l = lock_report_of(sk->name, "reader_queue.lock", &udp_sk(sk)->reader_lock);
			fn(&l, arg);
		}
	}
}

/*
 * /proc/net/sockstat (net/ipv4/proc.c sockstat_seq_show): the lines this
 * model keeps. "UDP: mem" is the machine's (every namespace's) count in
 * pages, without what the CPUs' reserves hold.
 */
static void write_sockstat(const struct host *h, FILE *f)
{
	fprintf(f, "sockets: used %u\n", h->nsocks);
	fprintf(f, "UDP: inuse %u mem %lld\n", udp_inuse(h), udp_mem_pages(h));
	fprintf(f, "UDPLITE: inuse 0\n");
}

static void fn_sockstat(const void *a, FILE *f)
{
	write_sockstat(a, f);
}

/*
 * ss -u -a -m -n, rendered as iproute2 6.1's misc/ss.c does when stdout is
 * not a terminal (render_calc_width() "compact output"): each column is as
 * wide as its longest field (header included) plus its left delimiter;
 * "Local Address:" and "Peer Address:" are right-aligned, the others
 * left-aligned; the skmem text is the last (Process) column's field,
 * newline included. Sockets are UNCONN with peer 0.0.0.0:* (the model
 * keeps no peer of a connected socket).
 */
enum { SS_STATE, SS_RECVQ, SS_SENDQ, SS_LADDR, SS_LPORT, SS_PADDR, SS_PPORT, SS_PROC, SS_NCOL };

static const struct {
	const char *header; /* the column's header */
	bool right;	    /* ALIGN_RIGHT */
	const char *ldelim; /* printed before the field, counted in the width */
} ss_cols[SS_NCOL] = {
	{ "State", false, "" },		 { "Recv-Q", false, " " }, { "Send-Q", false, " " },
	{ "Local Address:", true, " " }, { "Port", false, "" },	   { "Peer Address:", true, " " },
	{ "Port", false, "" },		 { "Process", false, "" },
};

/* The fields of @sk's row. */
static void ss_fields(const struct sock *sk, char fld[SS_NCOL][96])
{
	char a[16];

	inet_fmt(a, sk->rcv_saddr);
	snprintf(fld[SS_STATE], 96, "UNCONN");
	snprintf(fld[SS_RECVQ], 96, "%-6u", sk->sk_rmem_alloc);
	snprintf(fld[SS_SENDQ], 96, "%-6u", sk->sk_wmem_alloc);
	snprintf(fld[SS_LADDR], 96, "%s:", a);
	snprintf(fld[SS_LPORT], 96, "%u", sk->num);
	snprintf(fld[SS_PADDR], 96, "0.0.0.0:");
	snprintf(fld[SS_PPORT], 96, "*");
	snprintf(fld[SS_PROC], 96, "\n\t skmem:(r%u,rb%u,t%u,tb%u,f%lld,w0,o0,bl0,d%llu)",
		 sk->sk_rmem_alloc, sk->sk_rcvbuf, sk->sk_wmem_alloc, sk->sk_sndbuf,
		 (long long)sk->sk_forward_alloc, U(sk->sk_drops));
}

/* One line of fields @fld in columns of @width (ss.c render()). */
static void ss_line(FILE *f, const char *const fld[SS_NCOL], const size_t width[SS_NCOL])
{
	for (int c = 0; c < SS_NCOL; c++) {
		size_t len = strlen(fld[c]), printed = strlen(ss_cols[c].ldelim);
		size_t pad = width[c] > len + printed ? width[c] - len - printed : 0;

		fputs(ss_cols[c].ldelim, f);
		fprintf(f, "%*s%s%*s", ss_cols[c].right ? (int)pad : 0, "", fld[c],
			ss_cols[c].right ? 0 : (int)pad, "");
	}
	fputc('\n', f);
}

static void write_ss(const struct host *h, FILE *f)
{
	char fld[SS_NCOL][96];
	const char *row[SS_NCOL];
	size_t width[SS_NCOL];

	for (int c = 0; c < SS_NCOL; c++)
		width[c] = strlen(ss_cols[c].header);
	for (uint32_t s = 0; s < h->nsocks; s++) {
		if (h->socks[s]->kind != SOCK_UDP)
			continue;
		ss_fields(h->socks[s], fld);
		for (int c = 0; c < SS_NCOL; c++)
			if (strlen(fld[c]) > width[c])
				width[c] = strlen(fld[c]);
	}
	for (int c = 1; c < SS_NCOL; c++)
		width[c] += strlen(ss_cols[c].ldelim);
	for (int c = 0; c < SS_NCOL; c++)
		row[c] = ss_cols[c].header;
	ss_line(f, row, width);
	for (uint32_t s = 0; s < h->nsocks; s++) {
		if (h->socks[s]->kind != SOCK_UDP)
			continue;
		ss_fields(h->socks[s], fld);
		for (int c = 0; c < SS_NCOL; c++)
			row[c] = fld[c];
		ss_line(f, row, width);
	}
}

static void fn_ss(const void *a, FILE *f)
{
	write_ss(a, f);
}

static int sock_subsys_files(const struct host *h, struct host_files *out, struct sim_error *err)
{
	return out->emit(out, 50, "ss", fn_ss, h, err) ||
			       out->emit(out, 100, "sockstat", fn_sockstat, h, err)
		       ? -1
		       : 0;
}

static const char *const sock_files[] = { "ss", "sockstat", NULL };

const struct host_subsys_ops sock_subsys = {
	.name = "sock",
	.boot = sock_init,
	.init = sock_subsys_init,
	.warmup_reset = sock_subsys_warmup_reset,
	.release = sock_subsys_release,
	.skb_pool_need = sock_subsys_skb_pool_need,
	.text_rank = 60,
	.text = sock_subsys_text,
	.json_rank = 40,
	.json = sock_subsys_json,
	.locks = sock_subsys_locks,
	.files = sock_subsys_files,
	.file_names = sock_files,
};
