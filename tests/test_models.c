/*
 * tests/test_models.c - the receive-path models against published and measured references.
 *
 *  - toeplitz_hash() against Microsoft's RSS verification vectors.
 *  - sock_rcvbuf_for() and udp_rmem_admit() against every row of
 *    kernel-ref/udp_rcvbuf.csv (Linux 6.18 measurements).
 *  - The same admission end to end through a simulated NIC, softirq and
 *    socket, for rows of that CSV.
 *  - Every drop condition at its boundary, each in a tiny world, checking the
 *    whole drop table and the MIBs a Linux user would read.
 *  - Determinism of report.json for a seed, and ICMP rate limiting against
 *    kernel-ref/noports.csv.
 *
 * Every simulated world must also satisfy the conservation law. Tests run
 * from tests/, so the CSVs are found by relative path.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "sim/cfg.h"
#include "models/kernel/cpu.h"
#include "models/core/dev.h"
#include "models/drivers/nic.h"
#include "models/report/report.h"
#include "models/scenario.h"
#include "models/apps/traffic.h"
#include "models/core/skb.h"
#include "models/ipv4/sock.h"
#include "models/ipv4/udp.h"
#include "tests/test_world.h"

#define RCVBUF_CSV  "kernel-ref/udp_rcvbuf.csv"
#define NOPORTS_CSV "kernel-ref/noports.csv"

/* net.core.rmem_default and rmem_max of the measured kernel (kernel-ref/README.md). */
#define REF_RMEM_DEFAULT 212992
#define REF_RMEM_MAX	 4194304

/* ---- a world built from YAML text ---- */

struct tworld {
	struct cfg cfg;	 /* the scenario tree (kept while the world lives) */
	struct world *w; /* the world */
};

static void tw_build(struct tworld *t, const char *yaml, int64_t seed)
{
	struct sim_error err = { 0 };

	memset(t, 0, sizeof(*t));
	ck_assert_msg(!cfg_load_string(&t->cfg, "t.yaml", yaml, &err), "%s\n--- yaml:\n%s", err.msg,
		      yaml);
	t->w = world_create(&t->cfg, seed, &err);
	ck_assert_msg(t->w, "%s\n--- yaml:\n%s", err.msg, yaml);
}

/* Build and run to the end; the conservation law must hold. */
static void tw_run(struct tworld *t, const char *yaml, int64_t seed)
{
	tw_build(t, yaml, seed);
	world_run(t->w);
	ck_assert_msg(world_conserved(t->w), "conservation violated\n--- yaml:\n%s", yaml);
}

static void tw_free(struct tworld *t)
{
	world_free(t->w);
	cfg_release(&t->cfg);
	t->w = NULL;
}

/* ---- stopping early: world_start / world_advance / world_finish ---- */

#define PARTIAL_YAML                                                                               \
	"name: p\nduration: 10ms\nwarmup: 1ms\nhosts:\n  - name: rx\n    cpus: 2\n"                \
	"    nics:\n      - {name: eth0, address: 10.0.0.1/24}\n"                                  \
	"    sockets:\n      - {name: s, bind: 0.0.0.0:5000}\n"                                    \
	"    apps:\n      - {name: r, socket: s, cpu: 1}\n"                                        \
	"traffic:\n  - {name: t, to: rx/eth0, rate: 500kpps, pattern: poisson, dst: "              \
	"10.0.0.1:5000}\n"

/* Stopped at 3 ms: a whole, conserved, partial world; the JSON says so. */
START_TEST(test_partial_run)
{
	struct tworld t;
	cJSON *j;

	tw_build(&t, PARTIAL_YAML, -1);
	world_start(t.w);
	ck_assert(!world_advance(t.w, 3 * SIM_MS));
	world_finish(t.w, "SIGINT");
	ck_assert(!t.w->complete);
	ck_assert_int_le(t.w->end, 3 * SIM_MS);
	ck_assert_int_gt(t.w->end, 2 * SIM_MS);
	ck_assert(world_conserved(t.w));
	ck_assert_uint_gt(t.w->offered, 1000);
	j = report_json(t.w);
	ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(j, "complete")));
	ck_assert_str_eq(cJSON_GetObjectItem(j, "stopped_by")->valuestring, "SIGINT");
	ck_assert_double_eq_tol(cJSON_GetObjectItem(j, "time_reached_s")->valuedouble,
				sim_time_sec(t.w->end), 1e-12);
	cJSON_Delete(j);
	tw_free(&t);
}
END_TEST

/* Pausing and resuming between events changes nothing: slices give the same run. */
START_TEST(test_sliced_run_identical)
{
	struct tworld a, b;

	tw_run(&a, PARTIAL_YAML, -1);
	tw_build(&b, PARTIAL_YAML, -1);
	world_start(b.w);
	for (sim_time_t t = 777 * SIM_US; !world_advance(b.w, t); t += 777 * SIM_US)
		;
	world_finish(b.w, NULL);
	ck_assert(b.w->complete);
	ck_assert_int_eq(b.w->end, b.w->duration);
	ck_assert_uint_eq(a.w->q.fired, b.w->q.fired);
	ck_assert_uint_eq(a.w->offered, b.w->offered);
	ck_assert_uint_eq(a.w->delivered, b.w->delivered);
	ck_assert_uint_eq(a.w->dropped, b.w->dropped);
	tw_free(&a);
	tw_free(&b);
}
END_TEST

static void SIM_PRINTF(3, 4) fmt(char *buf, size_t n, const char *f, ...)
{
	va_list ap;
	int len;

	va_start(ap, f);
	len = vsnprintf(buf, n, f, ap);
	va_end(ap);
	ck_assert_msg(len >= 0 && (size_t)len < n, "YAML buffer too small");
}

static struct host *host0(const struct tworld *t)
{
	return t->w->hosts[0];
}

static struct sock *sock_named(const struct host *h, const char *name)
{
	for (uint32_t i = 0; i < h->nsocks; i++)
		if (!strcmp(h->socks[i]->name, name))
			return h->socks[i];
	return NULL;
}

static uint32_t sock_queued(const struct sock *sk)
{
	return sk ? sk->sk_receive_queue.qlen + udp_sk(sk)->reader_queue.qlen : 0;
}

static uint64_t drops_at(const struct host *h, enum skb_drop_reason r, enum stage_id s)
{
	int ix = drop_point_find(r, s);

	ck_assert_msg(ix >= 0, "no drop point (%s, %s)", skb_drop_reason_name[r], stage_info[s].id);
	return h->drops[ix];
}

/* ---- CSV files from kernel-ref/ ---- */

#define CSV_MAX_COLS 16
#define CSV_MAX_ROWS 1024

struct csv_row {
	int line;		     /* 1-based line in the file */
	char buf[256];		     /* the line, split in place */
	const char *f[CSV_MAX_COLS]; /* fields */
	int n;			     /* fields */
};

struct csv {
	const char *path;   /* for messages */
	struct csv_row hdr; /* the header line */
	struct csv_row *rows;
	int n;
};

static void csv_split(struct csv_row *r)
{
	char *p = r->buf;

	r->buf[strcspn(r->buf, "\r\n")] = 0;
	r->n = 0;
	for (;;) {
		char *comma = strchr(p, ',');

		ck_assert_msg(r->n < CSV_MAX_COLS, "line %d: too many fields", r->line);
		r->f[r->n++] = p;
		if (!comma)
			break;
		*comma = 0;
		p = comma + 1;
	}
}

static void csv_load(struct csv *c, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[256];
	int lineno = 0;

	ck_assert_msg(f, "cannot open '%s' (tests run from tests/): %s", path, strerror(errno));
	memset(c, 0, sizeof(*c));
	c->path = path;
	c->rows = calloc(CSV_MAX_ROWS, sizeof(*c->rows));
	ck_assert_ptr_nonnull(c->rows);
	while (fgets(line, sizeof(line), f)) {
		struct csv_row *r = lineno ? &c->rows[c->n++] : &c->hdr;

		lineno++;
		ck_assert_msg(strlen(line) < sizeof(line) - 1, "%s:%d: line too long", path,
			      lineno);
		ck_assert_msg(c->n < CSV_MAX_ROWS, "%s: too many rows", path);
		r->line = lineno;
		snprintf(r->buf, sizeof(r->buf), "%s", line);
		csv_split(r);
		ck_assert_msg(r == &c->hdr || r->n == c->hdr.n, "%s:%d: %d fields, header has %d",
			      path, lineno, r->n, c->hdr.n);
	}
	fclose(f);
	ck_assert_msg(c->n > 0, "%s: no data rows", path);
}

static void csv_free(struct csv *c)
{
	free(c->rows);
}

static int csv_col(const struct csv *c, const char *name)
{
	for (int i = 0; i < c->hdr.n; i++)
		if (!strcmp(c->hdr.f[i], name))
			return i;
	ck_abort_msg("%s: no column '%s'", c->path, name);
	return -1;
}

static uint64_t csv_u64(const struct csv *c, const struct csv_row *r, int col)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(r->f[col], &end, 10);
	ck_assert_msg(r->f[col][0] && !*end && !errno, "%s:%d: column '%s' is not a number: '%s'",
		      c->path, r->line, c->hdr.f[col], r->f[col]);
	return v;
}

/* The row whose columns path, payload and so_rcvbuf_set are as given. */
static const struct csv_row *rcvbuf_row(const struct csv *c, const char *path, const char *payload,
					const char *set)
{
	int cp = csv_col(c, "path"), cl = csv_col(c, "payload"), cs = csv_col(c, "so_rcvbuf_set");

	for (int i = 0; i < c->n; i++) {
		const struct csv_row *r = &c->rows[i];

		if (!strcmp(r->f[cp], path) && !strcmp(r->f[cl], payload) && !strcmp(r->f[cs], set))
			return r;
	}
	ck_abort_msg("%s: no row %s payload %s so_rcvbuf_set '%s'", c->path, path, payload, set);
	return NULL;
}

/* sk_rcvbuf for a so_rcvbuf_set cell: rmem_default when empty. */
static uint32_t ref_rcvbuf(const struct csv *c, const struct csv_row *r)
{
	int col = csv_col(c, "so_rcvbuf_set");

	if (!r->f[col][0])
		return REF_RMEM_DEFAULT;
	return sock_rcvbuf_for(csv_u64(c, r, col), REF_RMEM_MAX);
}

/* ------------------------------------------------------------------------- */
/* 1. Toeplitz hash: Microsoft RSS verification suite, IPv4 with TCP/UDP ports. */

struct rss_vec {
	const char *dst; /* destination address */
	uint16_t dport;	 /* destination port */
	const char *src; /* source address */
	uint16_t sport;	 /* source port */
	uint32_t hash;	 /* expected, 4-tuple column */
};

static const struct rss_vec rss_vecs[] = {
	{ "161.142.100.80", 1766, "66.9.149.187", 2794, 0x51ccc178 },
	{ "65.69.140.83", 4739, "199.92.111.2", 14230, 0xc626b0ea },
	{ "12.22.207.184", 38024, "24.19.198.95", 12898, 0x5c2b394a },
	{ "209.142.163.6", 2217, "38.27.205.30", 48228, 0xafc7327f },
	{ "202.188.127.2", 1303, "153.39.163.191", 44251, 0x10e828a2 },
};

static uint32_t ip4(const char *s)
{
	unsigned a, b, c, d;

	ck_assert_int_eq(sscanf(s, "%u.%u.%u.%u", &a, &b, &c, &d), 4);
	return a << 24 | b << 16 | c << 8 | d;
}

START_TEST(test_toeplitz_vectors)
{
	const struct rss_vec *v = &rss_vecs[_i];
	uint32_t h = toeplitz_hash(rss_default_key, ip4(v->src), ip4(v->dst), v->sport, v->dport);
	static uint32_t tbl[12][256];

	toeplitz_table_init(tbl, rss_default_key);
	ck_assert_uint_eq(toeplitz_hash_tbl(tbl, ip4(v->src), ip4(v->dst), v->sport, v->dport), h);

	ck_assert_msg(h == v->hash, "%s:%u -> %s:%u: got 0x%08x, want 0x%08x", v->src, v->sport,
		      v->dst, v->dport, h, v->hash);
	/* the input order matters: the reversed tuple hashes differently */
	ck_assert_uint_ne(
		toeplitz_hash(rss_default_key, ip4(v->dst), ip4(v->src), v->dport, v->sport),
		v->hash);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* 2. Receive-buffer admission against every measured row. */

START_TEST(test_rcvbuf_csv_rows)
{
	struct csv c;
	int c_eff, c_sent, c_read, c_err, c_skmem, c_ts, c_path, c_pay, c_set;
	int bad = 0, first_bad = -1;
	char first_msg[512] = "";
	bool seen_loopback = false, seen_veth = false;

	csv_load(&c, RCVBUF_CSV);
	c_path = csv_col(&c, "path");
	c_pay = csv_col(&c, "payload");
	c_set = csv_col(&c, "so_rcvbuf_set");
	c_eff = csv_col(&c, "rcvbuf_effective");
	c_sent = csv_col(&c, "sent");
	c_read = csv_col(&c, "read_back");
	c_err = csv_col(&c, "rcvbuf_errors");
	c_skmem = csv_col(&c, "skmem_r");
	c_ts = csv_col(&c, "truesize");
	for (int i = 0; i < c.n; i++) {
		const struct csv_row *r = &c.rows[i];
		uint32_t rcvbuf = ref_rcvbuf(&c, r);
		uint32_t ts = (uint32_t)csv_u64(&c, r, c_ts);
		uint64_t sent = csv_u64(&c, r, c_sent), admitted = 0, refused = 0;
		uint32_t rmem = 0;
		char msg[512];

		seen_loopback |= !strcmp(r->f[c_path], "loopback");
		seen_veth |= !strcmp(r->f[c_path], "veth");
		for (uint64_t k = 0; k < sent; k++) {
			if (udp_rmem_admit(rmem, ts, rcvbuf)) {
				rmem += ts;
				admitted++;
			} else {
				refused++;
			}
		}
		snprintf(msg, sizeof(msg),
			 "%s:%d (path %s, payload %s, so_rcvbuf_set '%s', truesize %u): "
			 "rcvbuf %u (measured %s), admitted %llu (read_back %s), refused %llu "
			 "(rcvbuf_errors %s), rmem %u (skmem_r %s)",
			 c.path, r->line, r->f[c_path], r->f[c_pay], r->f[c_set], ts, rcvbuf,
			 r->f[c_eff], (unsigned long long)admitted, r->f[c_read],
			 (unsigned long long)refused, r->f[c_err], rmem, r->f[c_skmem]);
		if (rcvbuf != csv_u64(&c, r, c_eff) || admitted != csv_u64(&c, r, c_read) ||
		    refused != csv_u64(&c, r, c_err) || rmem != csv_u64(&c, r, c_skmem)) {
			if (!bad++) {
				first_bad = r->line;
				snprintf(first_msg, sizeof(first_msg), "%s", msg);
			}
		}
	}
	ck_assert_msg(seen_loopback && seen_veth, "%s: expected loopback and veth rows", c.path);
	ck_assert_msg(!bad, "%d of %d rows differ from the kernel; first at line %d: %s", bad, c.n,
		      first_bad, first_msg);
	csv_free(&c);
}
END_TEST

/* The admission rule at its edges, independent of the CSV. */
START_TEST(test_rmem_admit_edges)
{
	ck_assert(udp_rmem_admit(0, 100000, 2304));	 /* empty queue takes anything */
	ck_assert(udp_rmem_admit(1000, 1304, 2304));	 /* exactly full */
	ck_assert(!udp_rmem_admit(1000, 1305, 2304));	 /* one byte over */
	ck_assert(!udp_rmem_admit(1, UINT32_MAX, 2304)); /* no 32-bit wrap-around */
	ck_assert_uint_eq(sock_rcvbuf_for(0, REF_RMEM_MAX), SOCK_MIN_RCVBUF);
	ck_assert_uint_eq(sock_rcvbuf_for(1152, REF_RMEM_MAX), 2304);
	ck_assert_uint_eq(sock_rcvbuf_for(1153, REF_RMEM_MAX), 2306);
	ck_assert_uint_eq(sock_rcvbuf_for(REF_RMEM_MAX + 1, REF_RMEM_MAX), 2 * REF_RMEM_MAX);
	ck_assert_uint_eq(sock_rcvbuf_for(UINT64_MAX, UINT64_MAX), (uint32_t)INT32_MAX - 1);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* 3. The same admission end to end: NIC -> softirq -> socket, nobody reading. */

#define ADM_YAML                                                                                   \
	"name: adm\n"                                                                              \
	"duration: 100ms\n"                                                                        \
	"hosts:\n"                                                                                 \
	"  - name: rx\n"                                                                           \
	"    cpus: 1\n"                                                                            \
	"    nics:\n"                                                                              \
	"      - name: eth0\n"                                                                     \
	"        driver: generic\n"                                                                \
	"        address: 10.0.0.1/24\n"                                                           \
	"        rx_truesize: %u\n"                                                                \
	"    sockets:\n"                                                                           \
	"      - name: srv\n"                                                                      \
	"        bind: 0.0.0.0:5000\n"                                                             \
	"%s%s%s"                                                                                   \
	"traffic:\n"                                                                               \
	"  - name: t\n"                                                                            \
	"    to: rx/eth0\n"                                                                        \
	"    rate: 20kpps\n"                                                                       \
	"    count: %llu\n"                                                                        \
	"    size: 128\n"                                                                          \
	"    flows: 16\n"                                                                          \
	"    dst: 10.0.0.1:5000\n"

struct adm_case {
	const char *path, *payload, *set; /* the CSV row */
};

static const struct adm_case adm_cases[] = {
	{ "loopback", "1", "" },	  { "loopback", "1", "1" },
	{ "veth", "198", "4096" },	  { "loopback", "646", "1024" },
	{ "veth", "1472", "65536" },	  { "loopback", "1670", "4096" },
	{ "loopback", "3718", "106496" }, { "loopback", "8000", "500000" },
	{ "veth", "64", "500000" },
};

START_TEST(test_admission_end_to_end)
{
	const struct adm_case *ac = &adm_cases[_i];
	struct csv c;
	const struct csv_row *r;
	struct tworld t;
	struct host *h;
	struct sock *sk;
	char yaml[2048];
	uint32_t ts, rcvbuf;
	uint64_t n, fit, want_err;

	csv_load(&c, RCVBUF_CSV);
	r = rcvbuf_row(&c, ac->path, ac->payload, ac->set);
	ts = (uint32_t)csv_u64(&c, r, csv_col(&c, "truesize"));
	n = csv_u64(&c, r, csv_col(&c, "sent"));
	rcvbuf = ref_rcvbuf(&c, r);
	/* admitted: max(1, floor(R'/T)); the rest are RcvbufErrors */
	fit = rcvbuf / ts ? rcvbuf / ts : 1;
	want_err = n - fit;
	ck_assert_uint_eq(want_err, csv_u64(&c, r, csv_col(&c, "rcvbuf_errors")));
	fmt(yaml, sizeof(yaml), ADM_YAML, ts, ac->set[0] ? "        rcvbuf: " : "", ac->set,
	    ac->set[0] ? "\n" : "", (unsigned long long)n);
	tw_run(&t, yaml, -1);
	h = host0(&t);
	sk = sock_named(h, "srv");
	ck_assert_ptr_nonnull(sk);
	ck_assert_uint_eq(sk->sk_rcvbuf, csv_u64(&c, r, csv_col(&c, "rcvbuf_effective")));
	ck_assert_uint_eq(t.w->offered, n);
	ck_assert_uint_eq(h->ip.InDelivers, n);
	ck_assert_uint_eq(h->udp.InDatagrams, 0);
	ck_assert_uint_eq(h->udp.RcvbufErrors, want_err);
	ck_assert_uint_eq(h->udp.InErrors, want_err);
	ck_assert_uint_eq(sk->sk_drops, want_err);
	ck_assert_uint_eq(drops_at(h, SKB_DROP_REASON_SOCKET_RCVBUFF, STAGE_R22), want_err);
	ck_assert_uint_eq(t.w->dropped, want_err);
	ck_assert_uint_eq(sock_queued(sk), fit);
	ck_assert_uint_eq(sk->sk_rmem_alloc, fit * ts);
	ck_assert_uint_eq(sk->sk_rmem_alloc, csv_u64(&c, r, csv_col(&c, "skmem_r")));
	ck_assert_uint_eq(world_in_flight(t.w), fit);
	tw_free(&t);
	csv_free(&c);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* 4. Drop conditions. One host with two CPUs, a generic NIC, a burst of K frames. */

#define DROP_YAML                                                                                  \
	"name: drops\n"                                                                            \
	"duration: 20ms\n"                                                                         \
	"%s" /* top-level extras */                                                                \
	"hosts:\n"                                                                                 \
	"  - name: rx\n"                                                                           \
	"    cpus: 2\n"                                                                            \
	"%s" /* host extras */                                                                     \
	"    nics:\n"                                                                              \
	"      - name: eth0\n"                                                                     \
	"        driver: generic\n"                                                                \
	"        address: 10.0.0.1/24\n"                                                           \
	"        irq_affinity: [0]\n"                                                              \
	"%s" /* nic extras */                                                                      \
	"%s" /* sockets, apps */                                                                   \
	"traffic:\n"                                                                               \
	"  - name: t\n"                                                                            \
	"    to: rx/eth0\n"                                                                        \
	"    rate: 100pps\n"                                                                       \
	"    pattern: burst\n"                                                                     \
	"    burst: %u\n"                                                                          \
	"    count: %u\n"                                                                          \
	"    size: 64\n"                                                                           \
	"%s" /* traffic extras */

#define SOCK_SRV    "    sockets:\n      - name: srv\n        bind: 0.0.0.0:5000\n"
#define APP_SRV	    "    apps:\n      - name: reader\n        socket: srv\n        cpu: 1\n"
#define DST_OK	    "    dst: 10.0.0.1:5000\n"
#define FILTER(act) SOCK_SRV "        filter:\n          action: " act "\n          match:\n"

static void drop_yaml(char *buf, size_t n, const char *top, const char *host, const char *nic,
		      const char *socks, unsigned k, const char *traffic)
{
	fmt(buf, n, DROP_YAML, top, host, nic, socks, k, k, traffic);
}

/*
 * UDP GRO: one burst of 64 frames of one flow reaches a UDP_GRO socket that
 * nobody reads. With the NIC's GRO on, udp_gro_receive merges them into
 * skbs of up to 64 segments; with `gro: false` (netif_elide_gro) each frame
 * is its own skb. The segments are the same either way.
 */
START_TEST(test_gro_toggle)
{
	static const char *const nic[] = { "", "        gro: false\n" };
	char yaml[4096];
	uint32_t skbs[2];

	for (int i = 0; i < 2; i++) {
		struct world *w;
		struct sock *sk;
		uint32_t segs = 0;

		drop_yaml(yaml, sizeof(yaml), "", "", nic[i],
			  SOCK_SRV "        udp_gro: true\n        rcvbuf: 4MiB\n", 64, DST_OK);
		w = test_world_run("gro.yaml", yaml);
		sk = w->hosts[0]->socks[0];
		for (struct sk_buff *skb = sk->sk_receive_queue.head; skb; skb = skb->next)
			segs += skb->gso_segs;
		skbs[i] = sk->sk_receive_queue.qlen;
		ck_assert_uint_eq(segs, 64);
		world_free(w);
	}
	ck_assert_uint_lt(skbs[0], 8); /* merged */
	ck_assert_uint_eq(skbs[1], 64);
}
END_TEST

struct drop_expect {
	enum skb_drop_reason reason; /* drop point */
	enum stage_id stage;
	uint64_t n; /* count */
};

struct drop_case {
	const char *name;
	const char *top, *host, *nic, *socks, *traffic; /* DROP_YAML pieces */
	unsigned k;					/* frames */
	struct drop_expect drops[2];			/* every other drop point stays 0 */
	/* Ip: */
	uint64_t in_receives, in_hdr_errors, ip_csum_errors, in_addr_errors, in_delivers;
	/* Udp: */
	uint64_t in_datagrams, no_ports, udp_in_errors, rcvbuf_errors, udp_csum_errors;
	uint64_t queued;    /* datagrams left on socket 'srv' */
	uint64_t delivered; /* read by the application */
};

#define BURST 20

static const struct drop_case drop_cases[] = {
	{ .name = "baseline, nobody reading",
	  .socks = SOCK_SRV,
	  .traffic = DST_OK,
	  .k = BURST,
	  .in_receives = BURST,
	  .in_delivers = BURST,
	  .queued = BURST },
	{ .name = "baseline, an application reads",
	  .socks = SOCK_SRV APP_SRV,
	  .traffic = DST_OK,
	  .k = BURST,
	  .in_receives = BURST,
	  .in_delivers = BURST,
	  .in_datagrams = BURST,
	  .delivered = BURST },
	/* R1: another MAC, not promiscuous: the NIC filters, the stack never sees it */
	{ .name = "MAC filter, promisc off",
	  .socks = SOCK_SRV,
	  .traffic = DST_OK "    other_mac: 100%\n",
	  .k = BURST,
	  .drops = { { SKB_DROP_REASON_NIC_MAC_FILTER, STAGE_R1, BURST } } },
	/* promiscuous: PACKET_OTHERHOST, dropped by ip_rcv before InReceives */
	{ .name = "MAC filter, promisc on",
	  .nic = "        promisc: true\n",
	  .socks = SOCK_SRV,
	  .traffic = DST_OK "    other_mac: 100%\n",
	  .k = BURST,
	  .drops = { { SKB_DROP_REASON_OTHERHOST, STAGE_R17, BURST } } },
	{ .name = "promisc on, frames for us pass",
	  .nic = "        promisc: true\n",
	  .socks = SOCK_SRV,
	  .traffic = DST_OK,
	  .k = BURST,
	  .in_receives = BURST,
	  .in_delivers = BURST,
	  .queued = BURST },
	{ .name = "bad IPv4 header checksum",
	  .socks = SOCK_SRV,
	  .traffic = DST_OK "    bad_ip_header: 100%\n",
	  .k = BURST,
	  .drops = { { SKB_DROP_REASON_IP_CSUM, STAGE_R17, BURST } },
	  .in_receives = BURST,
	  .in_hdr_errors = BURST,
	  .ip_csum_errors = BURST },
	{ .name = "destination not local, forwarding off",
	  .socks = SOCK_SRV,
	  .traffic = "    dst: 10.0.0.9:5000\n",
	  .k = BURST,
	  .drops = { { SKB_DROP_REASON_IP_INADDRERRORS, STAGE_R18, BURST } },
	  .in_receives = BURST,
	  .in_addr_errors = BURST },
	/* no socket: NoPorts, but a bad checksum is counted as such and not as NoPorts */
	{ .name = "no socket",
	  .traffic = DST_OK,
	  .k = BURST,
	  .drops = { { SKB_DROP_REASON_NO_SOCKET, STAGE_R21, BURST } },
	  .in_receives = BURST,
	  .in_delivers = BURST,
	  .no_ports = BURST },
	{ .name = "no socket, bad UDP checksum",
	  .traffic = DST_OK "    bad_csum: 100%\n",
	  .k = BURST,
	  .drops = { { SKB_DROP_REASON_UDP_CSUM, STAGE_R21, BURST } },
	  .in_receives = BURST,
	  .in_delivers = BURST,
	  .udp_in_errors = BURST,
	  .udp_csum_errors = BURST },
	{ .name = "socket on another port",
	  .socks = "    sockets:\n      - name: srv\n        bind: 0.0.0.0:5001\n",
	  .traffic = DST_OK,
	  .k = BURST,
	  .drops = { { SKB_DROP_REASON_NO_SOCKET, STAGE_R21, BURST } },
	  .in_receives = BURST,
	  .in_delivers = BURST,
	  .no_ports = BURST },
	/* a socket without a filter defers the checksum to recvmsg */
	{ .name = "bad UDP checksum, socket, nobody reading",
	  .socks = SOCK_SRV,
	  .traffic = DST_OK "    bad_csum: 100%\n",
	  .k = BURST,
	  .in_receives = BURST,
	  .in_delivers = BURST,
	  .queued = BURST },
	{ .name = "bad UDP checksum, socket, an application reads",
	  .socks = SOCK_SRV APP_SRV,
	  .traffic = DST_OK "    bad_csum: 100%\n",
	  .k = BURST,
	  .drops = { { SKB_DROP_REASON_UDP_CSUM, STAGE_APP, BURST } },
	  .in_receives = BURST,
	  .in_delivers = BURST,
	  .udp_in_errors = BURST,
	  .udp_csum_errors = BURST },
	/* a filter needs the checksum first: dropped in softirq */
	{ .name = "bad UDP checksum, socket with a filter",
	  .socks = FILTER("drop") "            sport: '1:2'\n",
	  .traffic = DST_OK "    bad_csum: 100%\n",
	  .k = BURST,
	  .drops = { { SKB_DROP_REASON_UDP_CSUM, STAGE_R22, BURST } },
	  .in_receives = BURST,
	  .in_delivers = BURST,
	  .udp_in_errors = BURST,
	  .udp_csum_errors = BURST },
	{ .name = "socket filter drops the source",
	  .socks = FILTER("drop") "            src: 10.1.0.0/16\n",
	  .traffic = DST_OK,
	  .k = BURST,
	  .drops = { { SKB_DROP_REASON_SOCKET_FILTER, STAGE_R22, BURST } },
	  .in_receives = BURST,
	  .in_delivers = BURST,
	  .udp_in_errors = BURST },
	{ .name = "socket filter keeps another source",
	  .socks = FILTER("keep") "            src: 10.2.0.0/16\n",
	  .traffic = DST_OK,
	  .k = BURST,
	  .drops = { { SKB_DROP_REASON_SOCKET_FILTER, STAGE_R22, BURST } },
	  .in_receives = BURST,
	  .in_delivers = BURST,
	  .udp_in_errors = BURST },
	{ .name = "socket filter keeps the source",
	  .socks = FILTER("keep") "            src: 10.1.0.0/16\n",
	  .traffic = DST_OK,
	  .k = BURST,
	  .in_receives = BURST,
	  .in_delivers = BURST,
	  .queued = BURST },
	/* netfilter: PREROUTING drops at R17 (after InReceives), INPUT at R20 */
	{ .name = "iptables DROP in INPUT",
	  .host = "    iptables:\n      - -A INPUT -p udp --dport 5000 -j DROP\n",
	  .socks = SOCK_SRV,
	  .traffic = DST_OK,
	  .k = BURST,
	  .drops = { { SKB_DROP_REASON_NETFILTER_DROP, STAGE_R20, BURST } },
	  .in_receives = BURST },
	{ .name = "iptables policy DROP in INPUT",
	  .host = "    iptables:\n      - -P INPUT DROP\n",
	  .socks = SOCK_SRV,
	  .traffic = DST_OK,
	  .k = BURST,
	  .drops = { { SKB_DROP_REASON_NETFILTER_DROP, STAGE_R20, BURST } },
	  .in_receives = BURST },
	{ .name = "iptables DROP in raw PREROUTING",
	  .host = "    iptables:\n      - -t raw -A PREROUTING -p udp -j DROP\n",
	  .socks = SOCK_SRV,
	  .traffic = DST_OK,
	  .k = BURST,
	  .drops = { { SKB_DROP_REASON_NETFILTER_DROP, STAGE_R17, BURST } },
	  .in_receives = BURST },
	{ .name = "iptables DROP for another port",
	  .host = "    iptables:\n      - -A INPUT -p udp --dport 5001 -j DROP\n",
	  .socks = SOCK_SRV,
	  .traffic = DST_OK,
	  .k = BURST,
	  .in_receives = BURST,
	  .in_delivers = BURST,
	  .queued = BURST },
	/* SO_RCVBUF 1 -> 2304 bytes: exactly one 2304-byte skb fits */
	{ .name = "receive buffer full",
	  .socks = SOCK_SRV "        rcvbuf: 1\n",
	  .traffic = DST_OK,
	  .k = BURST,
	  .drops = { { SKB_DROP_REASON_SOCKET_RCVBUFF, STAGE_R22, BURST - 1 } },
	  .in_receives = BURST,
	  .in_delivers = BURST,
	  .udp_in_errors = BURST - 1,
	  .rcvbuf_errors = BURST - 1,
	  .queued = 1 },
	/* nobody frees an skb, so the 17th frame finds the pool empty */
	{ .name = "skb pool exhausted",
	  .top = "skb_pool: 16\n",
	  .socks = SOCK_SRV,
	  .traffic = DST_OK,
	  .k = 100,
	  .drops = { { SKB_DROP_REASON_SKB_POOL, STAGE_R2, 100 - 16 } },
	  .in_receives = 16,
	  .in_delivers = 16,
	  .queued = 16 },
	{ .name = "skb pool exactly big enough",
	  .top = "skb_pool: 16\n",
	  .socks = SOCK_SRV,
	  .traffic = DST_OK,
	  .k = 16,
	  .in_receives = 16,
	  .in_delivers = 16,
	  .queued = 16 },
};

#undef BURST

static void check_u64(const char *what, const char *name, uint64_t got, uint64_t want)
{
	ck_assert_msg(got == want, "%s: %s is %llu, want %llu", name, what, (unsigned long long)got,
		      (unsigned long long)want);
}

START_TEST(test_drop_conditions)
{
	const struct drop_case *dc = &drop_cases[_i];
	struct tworld t;
	struct host *h;
	char yaml[4096];
	uint64_t want[DROP_POINTS_MAX] = { 0 }, total = 0;

	drop_yaml(yaml, sizeof(yaml), dc->top ? dc->top : "", dc->host ? dc->host : "",
		  dc->nic ? dc->nic : "", dc->socks ? dc->socks : "", dc->k, dc->traffic);
	tw_run(&t, yaml, -1);
	h = host0(&t);
	for (size_t i = 0; i < sizeof(dc->drops) / sizeof(dc->drops[0]); i++) {
		int ix;

		if (!dc->drops[i].n)
			continue;
		ix = drop_point_find(dc->drops[i].reason, dc->drops[i].stage);
		ck_assert_msg(ix >= 0, "%s: undeclared drop point", dc->name);
		want[ix] = dc->drops[i].n;
		total += dc->drops[i].n;
	}
	for (unsigned d = 0; d < drop_points_nr; d++)
		ck_assert_msg(h->drops[d] == want[d], "%s: drops (%s, %s) = %llu, want %llu",
			      dc->name, skb_drop_reason_name[drop_points[d].reason],
			      stage_info[drop_points[d].stage].id, (unsigned long long)h->drops[d],
			      (unsigned long long)want[d]);
	check_u64("offered", dc->name, t.w->offered, dc->k);
	check_u64("dropped", dc->name, t.w->dropped, total);
	check_u64("delivered", dc->name, t.w->delivered, dc->delivered);
	check_u64("Ip InReceives", dc->name, h->ip.InReceives, dc->in_receives);
	check_u64("Ip InHdrErrors", dc->name, h->ip.InHdrErrors, dc->in_hdr_errors);
	check_u64("IpExt InCsumErrors", dc->name, h->ip.InCsumErrors, dc->ip_csum_errors);
	check_u64("Ip InAddrErrors", dc->name, h->ip.InAddrErrors, dc->in_addr_errors);
	check_u64("Ip InDelivers", dc->name, h->ip.InDelivers, dc->in_delivers);
	check_u64("Udp InDatagrams", dc->name, h->udp.InDatagrams, dc->in_datagrams);
	check_u64("Udp NoPorts", dc->name, h->udp.NoPorts, dc->no_ports);
	check_u64("Udp InErrors", dc->name, h->udp.InErrors, dc->udp_in_errors);
	check_u64("Udp RcvbufErrors", dc->name, h->udp.RcvbufErrors, dc->rcvbuf_errors);
	check_u64("Udp InCsumErrors", dc->name, h->udp.InCsumErrors, dc->udp_csum_errors);
	check_u64("socket queue", dc->name, sock_queued(sock_named(h, "srv")), dc->queued);
	check_u64("in flight", dc->name, world_in_flight(t.w), dc->queued);
	/* every Udp InErrors of a socket is also one of its drops (ss "d") */
	if (sock_named(h, "srv"))
		check_u64("sk_drops", dc->name, sock_named(h, "srv")->sk_drops, dc->udp_in_errors);
	tw_free(&t);
}
END_TEST

/* A mixed stream: every frame is accounted for exactly once. */
START_TEST(test_mac_filter_mixed)
{
	struct tworld t;
	struct host *h;
	struct net_device *dev;
	char yaml[4096];
	uint64_t filtered;

	/* idle: poll: no C-state exit latency, so the burst fits the ring */
	drop_yaml(yaml, sizeof(yaml), "costs:\n  idle: poll\n", "", "", SOCK_SRV, 400,
		  DST_OK "    other_mac: 30%\n    flows: 8\n");
	tw_run(&t, yaml, -1);
	h = host0(&t);
	dev = h->devs[0];
	filtered = drops_at(h, SKB_DROP_REASON_NIC_MAC_FILTER, STAGE_R1);
	ck_assert_uint_gt(filtered, 400 * 30 / 100 / 2);
	ck_assert_uint_lt(filtered, 400 * 30 / 100 * 2);
	ck_assert_uint_eq(dev->rx_mac_filtered, filtered);
	ck_assert_uint_eq(dev->rx_packets, 400 - filtered);
	ck_assert_uint_eq(h->ip.InReceives, 400 - filtered);
	ck_assert_uint_eq(h->cpus[0].sd->processed, 400 - filtered);
	ck_assert_uint_eq(drops_at(h, SKB_DROP_REASON_OTHERHOST, STAGE_R17), 0);
	tw_free(&t);
}
END_TEST

/*
 * netdev_max_backlog: RPS sends every packet from CPU 0 to CPU 1; the IPI
 * takes 1 ms, so the whole burst reaches CPU 1's input_pkt_queue before it
 * runs. A packet is accepted while the queue holds <= max_backlog, so the
 * queue peaks at max_backlog + 1 and the rest are dropped.
 */
#define BACKLOG_TOP  "costs:\n  ipi_latency: 1ms\n"
#define BACKLOG_HOST "    sysctl:\n      net.core.netdev_max_backlog: %u\n"
#define BACKLOG_NIC  "        rps_cpus: '2'   # mask: CPU 1\n"

struct backlog_case {
	unsigned max_backlog; /* net.core.netdev_max_backlog */
	unsigned k;	      /* burst */
};

static const struct backlog_case backlog_cases[] = {
	{ 2, 20 }, { 2, 3 }, { 2, 4 }, { 1, 2 }, { 1, 3 }, { 5, 40 }, { 30, 31 }, { 30, 32 },
};

START_TEST(test_backlog_limit)
{
	const struct backlog_case *bc = &backlog_cases[_i];
	struct tworld t;
	struct host *h;
	struct softnet_data *sd0, *sd1;
	char host[128], yaml[4096];
	unsigned cap = bc->max_backlog + 1;
	uint64_t want_drop = bc->k > cap ? bc->k - cap : 0, kept = bc->k - want_drop;

	fmt(host, sizeof(host), BACKLOG_HOST, bc->max_backlog);
	drop_yaml(yaml, sizeof(yaml), BACKLOG_TOP, host, BACKLOG_NIC, SOCK_SRV, bc->k, DST_OK);
	tw_run(&t, yaml, -1);
	h = host0(&t);
	sd0 = h->cpus[0].sd;
	sd1 = h->cpus[1].sd;
	ck_assert_uint_eq(sd1->dropped, want_drop);
	ck_assert_uint_eq(sd0->dropped, 0);
	ck_assert_uint_eq(h->devs[0]->rx_dropped, want_drop);
	ck_assert_uint_eq(drops_at(h, SKB_DROP_REASON_CPU_BACKLOG, STAGE_R11), want_drop);
	ck_assert_uint_eq(t.w->dropped, want_drop);
	/* input_pkt_queue (+ process_queue, empty until the IPI) never above max_backlog + 1 */
	ck_assert_int_eq(sd1->backlog_level.max, (int64_t)kept);
	ck_assert_int_eq(sd0->backlog_level.max, 0);
	ck_assert_uint_eq(sd1->received_rps, 1);
	ck_assert_uint_eq(sd1->processed, kept);
	ck_assert_uint_eq(sd0->processed, 0);
	ck_assert_uint_eq(h->ip.InReceives, kept);
	ck_assert_uint_eq(sock_queued(sock_named(h, "srv")), kept);
	tw_free(&t);
}
END_TEST

/* ---- /proc/net/dev as written by report_write_files ---- */

/* The receive "drop" column of @dev's line in the host's net_dev file. */
static uint64_t proc_net_dev_drop(const struct world *w, const char *host, const char *dev)
{
	char dir[] = "/tmp/skbsim-test-XXXXXX", path[256], line[512];
	struct sim_error err = { 0 };
	unsigned long long v[4];
	bool found = false;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_msg(!report_write_files(w, dir, &err), "%s", err.msg);
	snprintf(path, sizeof(path), "%s/%s/net_dev", dir, host);
	f = fopen(path, "r");
	ck_assert_msg(f, "cannot open %s", path);
	while (fgets(line, sizeof(line), f)) {
		char name[32];

		if (sscanf(line, " %31[^:]: %llu %llu %llu %llu", name, &v[0], &v[1], &v[2],
			   &v[3]) == 5 &&
		    !strcmp(name, dev))
			found = true;
		if (found)
			break;
	}
	fclose(f);
	test_rm_tree(dir);
	ck_assert_msg(found, "no line for %s in net_dev", dev);
	return v[3]; /* bytes packets errs drop */
}

/*
 * RX ring full: the first frame's interrupt keeps CPU 0 in hardirq for 1 ms,
 * so no descriptor is refilled while the burst arrives: the ring takes
 * rx_ring frames and the rest are rx_missed_errors.
 */
struct ring_case {
	unsigned ring; /* rx_ring */
	unsigned k;    /* burst */
};

static const struct ring_case ring_cases[] = {
	{ 4, 10 }, { 4, 4 }, { 4, 5 }, { 1, 3 }, { 16, 100 }, { 64, 64 }, { 64, 65 },
};

START_TEST(test_rx_ring_full)
{
	const struct ring_case *rc = &ring_cases[_i];
	struct tworld t;
	struct host *h;
	struct net_device *dev;
	char nic[64], yaml[4096];
	uint64_t missed = rc->k > rc->ring ? rc->k - rc->ring : 0, kept = rc->k - missed;

	fmt(nic, sizeof(nic), "        rx_ring: %u\n", rc->ring);
	drop_yaml(yaml, sizeof(yaml), "costs:\n  irq_entry: 3000000\n", "", nic, SOCK_SRV, rc->k,
		  DST_OK);
	tw_run(&t, yaml, -1);
	h = host0(&t);
	dev = h->devs[0];
	ck_assert_uint_eq(dev->rx_missed_errors, missed);
	ck_assert_uint_eq(nic_priv(dev)->rxq[0].missed, missed);
	ck_assert_uint_eq(drops_at(h, SKB_DROP_REASON_NIC_RX_MISSED, STAGE_R2), missed);
	ck_assert_uint_eq(t.w->dropped, missed);
	ck_assert_uint_eq(dev->rx_packets, kept);
	ck_assert_int_eq(nic_priv(dev)->rxq[0].ring_level.max, (int64_t)kept);
	ck_assert_uint_eq(sock_queued(sock_named(h, "srv")), kept);
	/* /proc/net/dev "drop" = rx_dropped + rx_missed_errors */
	ck_assert_uint_eq(proc_net_dev_drop(t.w, "rx", "eth0"), dev->rx_dropped + missed);
	ck_assert_uint_eq(dev->rx_dropped, 0);
	tw_free(&t);
}
END_TEST

/* Both ring and backlog drops show in the same /proc/net/dev column. */
START_TEST(test_proc_net_dev_drop_sums)
{
	struct tworld t;
	struct host *h;
	char host[128], yaml[4096];

	fmt(host, sizeof(host), BACKLOG_HOST, 2u);
	drop_yaml(yaml, sizeof(yaml), "costs:\n  ipi_latency: 1ms\n  irq_entry: 3000000\n", host,
		  BACKLOG_NIC "        rx_ring: 8\n", SOCK_SRV, 20, DST_OK);
	tw_run(&t, yaml, -1);
	h = host0(&t);
	ck_assert_uint_eq(h->devs[0]->rx_missed_errors, 12);
	ck_assert_uint_eq(h->devs[0]->rx_dropped, 8 - 3);
	ck_assert_uint_eq(proc_net_dev_drop(t.w, "rx", "eth0"), 12 + 5);
	tw_free(&t);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* 5. Determinism: report.json depends on the scenario and the seed only. */

#define DET_YAML                                                                                   \
	"name: det\n"                                                                              \
	"seed: 7\n"                                                                                \
	"duration: 20ms\n"                                                                         \
	"warmup: 2ms\n"                                                                            \
	"hosts:\n"                                                                                 \
	"  - name: rx\n"                                                                           \
	"    cpus: 4\n"                                                                            \
	"    nics:\n"                                                                              \
	"      - name: eth0\n"                                                                     \
	"        driver: mlx5\n"                                                                   \
	"        address: 10.0.0.1/24\n"                                                           \
	"        rx_queues: 2\n"                                                                   \
	"        irq_affinity: [0, 1]\n"                                                           \
	"        rps_cpus: 0-3\n"                                                                  \
	"    sockets:\n"                                                                           \
	"      - name: srv\n"                                                                      \
	"        bind: 0.0.0.0:5000\n"                                                             \
	"        rcvbuf: 64KiB\n"                                                                  \
	"    apps:\n"                                                                              \
	"      - name: reader\n"                                                                   \
	"        socket: srv\n"                                                                    \
	"        cpu: 3\n"                                                                         \
	"        syscall: recvmmsg\n"                                                              \
	"        batch: 8\n"                                                                       \
	"        work: {dist: exponential, mean: 2us}\n"                                           \
	"traffic:\n"                                                                               \
	"  - name: t\n"                                                                            \
	"    to: rx/eth0\n"                                                                        \
	"    rate: 400kpps\n"                                                                      \
	"    pattern: poisson\n"                                                                   \
	"    size: imix\n"                                                                         \
	"    flows: 64\n"                                                                          \
	"    popularity: zipf\n"                                                                   \
	"    dst: 10.0.0.1:5000\n"                                                                 \
	"    dst_ports: 2\n"                                                                       \
	"    bad_csum: 2%\n"                                                                       \
	"    other_mac: 2%\n"

/* report.json without the "seed" member, which differs trivially between seeds. */
static char *run_json(int64_t seed, uint64_t *offered)
{
	struct tworld t;
	cJSON *j;
	char *s;

	tw_run(&t, DET_YAML, seed);
	*offered = t.w->offered;
	j = report_json(t.w);
	ck_assert_ptr_nonnull(j);
	ck_assert_ptr_nonnull(cJSON_GetObjectItem(j, "seed"));
	cJSON_DeleteItemFromObject(j, "seed");
	s = cJSON_PrintUnformatted(j);
	ck_assert_ptr_nonnull(s);
	cJSON_Delete(j);
	tw_free(&t);
	return s;
}

START_TEST(test_determinism)
{
	uint64_t o1, o2, o3, o4;
	char *a = run_json(-1, &o1), *b = run_json(-1, &o2);
	char *c = run_json(8, &o3), *d = run_json(7, &o4);

	ck_assert_uint_gt(o1, 5000);
	ck_assert_uint_eq(o1, o2);
	ck_assert_msg(!strcmp(a, b), "same scenario and seed, different report.json");
	ck_assert_msg(!strcmp(a, d), "--seed equal to the scenario's seed changed report.json");
	ck_assert_msg(strcmp(a, c), "seeds 7 and 8 gave identical report.json");
	(void)o3;
	(void)o4;
	free(a);
	free(b);
	free(c);
	free(d);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* 6. ICMP port unreachable rate limits against kernel-ref/noports.csv (veth row). */

#define ICMP_YAML                                                                                  \
	"name: noports\n"                                                                          \
	"duration: 20ms\n"                                                                         \
	"hosts:\n"                                                                                 \
	"  - name: rx\n"                                                                           \
	"    cpus: 2\n"                                                                            \
	"    nics:\n"                                                                              \
	"      - name: eth0\n"                                                                     \
	"        driver: generic\n"                                                                \
	"        address: 10.201.0.2/24\n"                                                         \
	"traffic:\n"                                                                               \
	"  - name: t\n"                                                                            \
	"    to: rx/eth0\n"                                                                        \
	"    rate: 10pps\n"                                                                        \
	"    pattern: burst\n"                                                                     \
	"    burst: %llu\n"                                                                        \
	"    count: %llu\n"                                                                        \
	"    size: 110\n"                                                                          \
	"    src: 10.201.0.1\n"                                                                    \
	"    dst: 10.201.0.2:33333\n"

START_TEST(test_icmp_noports_veth)
{
	struct csv c;
	const struct csv_row *r = NULL;
	struct tworld t;
	struct host *h;
	char yaml[2048];
	unsigned long long sent;

	csv_load(&c, NOPORTS_CSV);
	for (int i = 0; i < c.n; i++)
		if (!strcmp(c.rows[i].f[csv_col(&c, "path")], "veth"))
			r = &c.rows[i];
	ck_assert_msg(r, "%s: no veth row", c.path);
	sent = csv_u64(&c, r, csv_col(&c, "sent"));
	fmt(yaml, sizeof(yaml), ICMP_YAML, sent, sent);
	tw_run(&t, yaml, -1);
	h = host0(&t);
	/* the source's datagrams, plus the ICMP errors and ARP frames the host sends back */
	ck_assert_uint_eq(t.w->srcs[0]->sent, sent);
	ck_assert_uint_eq(h->udp.NoPorts, csv_u64(&c, r, csv_col(&c, "noports")));
	ck_assert_uint_eq(h->icmp.OutDestUnreachs,
			  csv_u64(&c, r, csv_col(&c, "out_dest_unreachs")));
	ck_assert_uint_eq(h->icmp.OutRateLimitHost, csv_u64(&c, r, csv_col(&c, "ratelimit_host")));
	ck_assert_uint_eq(h->icmp.OutRateLimitGlobal,
			  csv_u64(&c, r, csv_col(&c, "ratelimit_global")));
	ck_assert_uint_eq(h->icmp.OutMsgs, h->icmp.OutDestUnreachs);
	ck_assert_uint_eq(h->udp.InErrors, 0);
	ck_assert_uint_eq(drops_at(h, SKB_DROP_REASON_NO_SOCKET, STAGE_R21), sent);
	tw_free(&t);
	csv_free(&c);
}
END_TEST

/* ------------------------------------------------------------------------- */
/* Hosts with more CPUs than a mask word has bits. */

#define WIDE_YAML                                                                                  \
	"name: wide\n"                                                                             \
	"duration: 1ms\n"                                                                          \
	"skb_pool: 1024\n"                                                                         \
	"hosts:\n"                                                                                 \
	"  - name: rx\n"                                                                           \
	"    cpus: %u\n"                                                                           \
	"    sysctl:\n"                                                                            \
	"      net.core.flow_limit_cpu_bitmap: 1\n"                                                \
	"    nics:\n"                                                                              \
	"      - name: eth0\n"                                                                     \
	"        address: 10.0.0.1/24\n"                                                           \
	"        rps_cpus: '0xf'\n"

START_TEST(test_wide_hosts)
{
	static const unsigned ncpus[] = { 4, 32, 33, 64, 65, 256 };
	struct tworld t;
	char yaml[1024];

	for (size_t i = 0; i < sizeof(ncpus) / sizeof(ncpus[0]); i++) {
		struct host *h;

		fmt(yaml, sizeof(yaml), WIDE_YAML, ncpus[i]);
		tw_build(&t, yaml, -1);
		h = host0(&t);
		ck_assert_uint_eq(h->devs[0]->rxq[0].rps_len, 4);
		for (uint16_t j = 0; j < 4; j++)
			ck_assert_uint_eq(h->devs[0]->rxq[0].rps_map[j], j);
		for (uint32_t c = 0; c < h->ncpus; c++)
			ck_assert_msg(h->cpus[c].sd->flow_limit == (c == 0),
				      "%u CPUs: flow limit on CPU %u is %d", ncpus[i], c,
				      h->cpus[c].sd->flow_limit);
		tw_free(&t);
	}
}
END_TEST

Suite *models_suite(void);

Suite *models_suite(void)
{
	Suite *s = suite_create("models");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_toeplitz_vectors, 0,
			    (int)(sizeof(rss_vecs) / sizeof(rss_vecs[0])));
	tcase_add_test(tc, test_rcvbuf_csv_rows);
	tcase_add_test(tc, test_rmem_admit_edges);
	tcase_add_loop_test(tc, test_admission_end_to_end, 0,
			    (int)(sizeof(adm_cases) / sizeof(adm_cases[0])));
	tcase_add_loop_test(tc, test_drop_conditions, 0,
			    (int)(sizeof(drop_cases) / sizeof(drop_cases[0])));
	tcase_add_test(tc, test_mac_filter_mixed);
	tcase_add_loop_test(tc, test_backlog_limit, 0,
			    (int)(sizeof(backlog_cases) / sizeof(backlog_cases[0])));
	tcase_add_loop_test(tc, test_rx_ring_full, 0,
			    (int)(sizeof(ring_cases) / sizeof(ring_cases[0])));
	tcase_add_test(tc, test_proc_net_dev_drop_sums);
	tcase_add_test(tc, test_determinism);
	tcase_add_test(tc, test_icmp_noports_veth);
	tcase_add_test(tc, test_wide_hosts);
	tcase_add_test(tc, test_gro_toggle);
	tcase_add_test(tc, test_partial_run);
	tcase_add_test(tc, test_sliced_run_identical);
	suite_add_tcase(s, tc);
	return s;
}
