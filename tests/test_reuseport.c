/*
 * tests/test_reuseport.c - SO_REUSEPORT groups against the 6.18 kernel.
 *
 *  - jhash_3words() against vectors of an independent reimplementation of
 *    include/linux/jhash.h.
 *  - The spread of PORTS source ports over a 2- and a 4-socket group, for 20
 *    secrets, against kernel-ref/reuseport.csv (20 fresh namespaces, each
 *    with its own net_hash_mix): the selection depends on the secret, so
 *    what is compared is its statistics. For each group size the summed
 *    Pearson statistic over the runs, sum (count - PORTS/n)^2 / (PORTS/n),
 *    is chi-square with runs * (n - 1) degrees of freedom when the hash is
 *    uniform; both the kernel's and the model's must lie inside its central
 *    99.9 % (Wilson-Hilferty quantiles). A port always meets the same socket.
 *  - The CPU policy (cBPF `ld #cpu; ret a`): the count per socket for each
 *    sending CPU equals the kernel's exactly; past the group's end, the hash.
 *  - The bind rule (EADDRINUSE unless both sockets set reuseport) for every
 *    row of kernel-ref/reuseport_bind.csv.
 *  - The udptable: jhash_1word() against vectors of the same independent
 *    reimplementation; __udp4_lib_lookup through hash2 against a linear
 *    scan of every socket (the exact address first, then the wildcard; the
 *    first bound on ties) for 1500 sockets on 20000 ports, which collide in
 *    the 8192 slots of both chains, every port bound and not; and a bind's
 *    EADDRINUSE found among them.
 *  - Per-socket drops: a group of two, one with a 8 KiB buffer, one with
 *    2 MiB, nobody reading: only the small one drops, it admits what the
 *    kernel's did, and Udp RcvbufErrors and InErrors equal its drops.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cfg.h"
#include "models/scenario.h"
#include "models/core/skb.h"
#include "models/core/af_packet.h"
#include "models/ipv4/sock.h"
#include "models/ipv4/udp.h"
#include "models/ipv4/protocol.h"
#include "models/core/netdevice.h"

#define REUSEPORT_CSV "kernel-ref/reuseport.csv"
#define BIND_CSV      "kernel-ref/reuseport_bind.csv"
#define PORTS	      512 /* source ports per run (measure_reuseport.py) */
#define RUNS	      20  /* namespaces per group size */
#define LO	      0x7f000001u
#define LO_TRUESIZE   832 /* a small datagram over loopback (kernel-ref/udp_rcvbuf.csv) */

/* ---- kernel-ref/reuseport.csv: case,run,key,value ---- */

/* The value of (case, run, key), or -1 when the row is missing. */
static long ref_value(const char *kase, int run, const char *key)
{
	FILE *f = fopen(REUSEPORT_CSV, "r");
	char line[256], c[64], k[64];
	int r;
	long v, out = -1;

	ck_assert_msg(f, "cannot open %s", REUSEPORT_CSV);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63[^,],%d,%63[^,],%ld", c, &r, k, &v) == 4 && !strcmp(c, kase) &&
		    r == run && !strcmp(k, key))
			out = v;
	fclose(f);
	return out;
}

/* ---- 1. jhash ---- */

static const struct {
	uint32_t a, b, c, initval, hash;
} jhash_vectors[] = {
	{ 0x00000000u, 0x00000000u, 0x00000000u, 0x00000000u, 0x1b68e557u },
	{ 0x00000001u, 0x00000002u, 0x00000003u, 0x00000004u, 0x8103143fu },
	{ 0x0100007fu, 0x0100007fu, 0x1388204eu, 0x12345678u, 0x16ddbec3u },
	{ 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xc343af0bu },
};

START_TEST(test_jhash_vectors)
{
	for (size_t i = 0; i < sizeof(jhash_vectors) / sizeof(jhash_vectors[0]); i++) {
		uint32_t h = jhash_3words(jhash_vectors[i].a, jhash_vectors[i].b,
					  jhash_vectors[i].c, jhash_vectors[i].initval);

		ck_assert_msg(h == jhash_vectors[i].hash, "vector %zu: 0x%08x, expected 0x%08x", i,
			      h, jhash_vectors[i].hash);
	}
	/* udp_ehashfn: 127.0.0.1:5000 <- 127.0.0.1:20000 is vector 2 */
	ck_assert_uint_eq(udp_ehashfn(0x12345678u, LO, 5000, LO, 20000), 0x16ddbec3u);
}
END_TEST

/* ---- a group without a world: reuseport_select_sock only reads socks[] ---- */

struct tgroup {
	struct sock socks[4];	     /* the members */
	struct sock *ptrs[4];	     /* reuse.socks */
	struct sock_reuseport reuse; /* the group */
};

static void tgroup_init(struct tgroup *g, uint32_t n, uint32_t secret, uint8_t policy)
{
	memset(g, 0, sizeof(*g));
	for (uint32_t i = 0; i < n; i++)
		g->ptrs[i] = &g->socks[i];
	g->reuse.num_socks = n;
	g->reuse.max_socks = 4;
	g->reuse.socks = g->ptrs;
	g->reuse.hash_secret = secret;
	g->reuse.policy = policy;
}

static uint32_t tgroup_pick(const struct tgroup *g, uint16_t sport, uint32_t cpu)
{
	struct sk_buff skb = { .saddr = LO, .daddr = LO, .sport = sport, .dport = 5000 };

	return (uint32_t)(reuseport_select_sock(&g->reuse, &skb, cpu) - g->socks);
}

/* Wilson-Hilferty: the chi-square quantile with @df degrees of freedom at normal deviate @z. */
static double chi2_quantile(double df, double z)
{
	double t = 2.0 / (9.0 * df);

	return df * pow(1.0 - t + z * sqrt(t), 3);
}

#define Z_9995 3.2905 /* the normal's 99.95 % point: a central 99.9 % interval */

static void check_chi2(const char *who, uint32_t n, double x2)
{
	double df = RUNS * (n - 1.0), lo = chi2_quantile(df, -Z_9995),
	       hi = chi2_quantile(df, Z_9995);

	ck_assert_msg(x2 >= lo && x2 <= hi,
		      "%s, %u sockets: summed chi-square %.1f outside [%.1f, %.1f] (df %.0f)", who,
		      n, x2, lo, hi, df);
}

START_TEST(test_spread_vs_kernel)
{
	for (uint32_t n = 2; n <= 4; n += 2) {
		double e = (double)PORTS / n, x2_kernel = 0, x2_model = 0;
		char kase[32];

		snprintf(kase, sizeof(kase), "spread-%u", n);
		for (int run = 0; run < RUNS; run++) {
			struct tgroup g;
			struct sim_rng rng;
			uint32_t count[4] = { 0 }, total = 0;

			ck_assert_msg(ref_value(kase, run, "stable") == 1, "%s run %d not stable",
				      kase, run);
			for (uint32_t i = 0; i < n; i++) {
				char key[16];
				long v;

				snprintf(key, sizeof(key), "sock%u", i);
				v = ref_value(kase, run, key);
				ck_assert_msg(v >= 0, "%s: no row %s,%d,%s", REUSEPORT_CSV, kase,
					      run, key);
				x2_kernel += ((double)v - e) * ((double)v - e) / e;
				total += (uint32_t)v;
			}
			ck_assert_uint_eq(total, PORTS);
			sim_rng_init(&rng, (uint64_t)run + 1, "udp_ehash_secret/rx");
			tgroup_init(&g, n, (uint32_t)sim_rng_u64(&rng), REUSEPORT_HASH);
			for (uint16_t p = 20000; p < 20000 + PORTS; p++) {
				uint32_t s = tgroup_pick(&g, p, 0);

				ck_assert_uint_lt(s, n);
				ck_assert_uint_eq(tgroup_pick(&g, p, 0), s); /* stable */
				count[s]++;
			}
			for (uint32_t i = 0; i < n; i++)
				x2_model += (count[i] - e) * (count[i] - e) / e;
		}
		check_chi2("kernel", n, x2_kernel);
		check_chi2("model", n, x2_model);
	}
}
END_TEST

/* The statistic must be able to fail: a constant pick is far outside. */
START_TEST(test_spread_check_can_fail)
{
	double e = (double)PORTS / 2, x2 = RUNS * 2 * e; /* all on one socket each run */

	ck_assert(x2 > chi2_quantile(RUNS, Z_9995));
	ck_assert(0.0 < chi2_quantile(RUNS, -Z_9995));
}
END_TEST

/* ---- 2. the CPU policy ---- */

START_TEST(test_cpu_policy_vs_kernel)
{
	for (uint32_t n = 2; n <= 4; n += 2) {
		char kase[32];
		struct tgroup g;

		snprintf(kase, sizeof(kase), "cpu-%u", n);
		tgroup_init(&g, n, 12345, REUSEPORT_CPU);
		for (uint32_t cpu = 0; cpu < 2; cpu++) {
			uint32_t count[4] = { 0 };

			for (uint16_t p = 21000; p < 21000 + 64; p++)
				count[tgroup_pick(&g, p, cpu)]++;
			for (uint32_t i = 0; i < n; i++) {
				char key[16];

				snprintf(key, sizeof(key), "sock%u", i);
				ck_assert_msg(ref_value(kase, (int)cpu, key) == (long)count[i],
					      "%s cpu %u %s: model %u, kernel %ld", kase, cpu, key,
					      count[i], ref_value(kase, (int)cpu, key));
			}
		}
	}
}
END_TEST

/* run_bpf_filter: an index past the group is no choice; the hash decides. */
START_TEST(test_cpu_policy_fallback)
{
	struct tgroup c, h;

	tgroup_init(&c, 2, 777, REUSEPORT_CPU);
	tgroup_init(&h, 2, 777, REUSEPORT_HASH);
	for (uint16_t p = 30000; p < 30100; p++) {
		ck_assert_uint_eq(tgroup_pick(&c, p, 2), tgroup_pick(&h, p, 0));
		ck_assert_uint_eq(tgroup_pick(&c, p, 7), tgroup_pick(&h, p, 0));
		ck_assert_uint_eq(tgroup_pick(&c, p, 1), 1);
	}
}
END_TEST

/* ---- 2b. the udptable ---- */

static const struct {
	uint32_t a, initval, hash;
} jhash1_vectors[] = {
	{ 0x00000000u, 0x00000000u, 0x049396b8u },
	{ 0x0100000au, 0x00000000u, 0x2fa5f781u },
	{ 0x0100007fu, 0x12345678u, 0x5ec61144u },
	{ 0xffffffffu, 0xffffffffu, 0xeae46760u },
};

START_TEST(test_jhash_1word_vectors)
{
	for (size_t i = 0; i < sizeof(jhash1_vectors) / sizeof(jhash1_vectors[0]); i++)
		ck_assert_msg(jhash_1word(jhash1_vectors[i].a, jhash1_vectors[i].initval) ==
				      jhash1_vectors[i].hash,
			      "vector %zu", i);
	/* ipv4_portaddr_hash: the address as stored (network order), then ^ port */
	ck_assert_uint_eq(ipv4_portaddr_hash(0x0a000001u, 5000), 0x2fa5f781u ^ 5000u);
}
END_TEST

#define TABLE_SOCKS 1500  /* 8192 slots (a quarter full at most) */
#define TABLE_PORTS 20000 /* ports 1000 .. 20999: both chains collide */

static const char *const table_addrs[] = { "0.0.0.0", "10.0.0.1", "127.0.0.1" };

/* Socket i: address i % 3, port 1000 + (i * 7919) % TABLE_PORTS, reuseport on all. */
static char *table_yaml(void)
{
	size_t cap = 128 + TABLE_SOCKS * 64, n;
	char *y = malloc(cap);

	ck_assert_ptr_nonnull(y);
	n = (size_t)snprintf(y, cap,
			     "name: t\nduration: 1ms\nhosts:\n  - name: rx\n    nics:\n"
			     "      - {name: eth0, address: 10.0.0.1/24}\n    sockets:\n");
	for (int i = 0; i < TABLE_SOCKS; i++)
		n += (size_t)snprintf(y + n, cap - n,
				      "      - {name: s%d, bind: '%s:%d', reuseport: true}\n", i,
				      table_addrs[i % 3], 1000 + (i * 7919) % TABLE_PORTS);
	return y;
}

/* The reference: every socket in bind order, an exact match first, else the first wildcard. */
static struct sock *linear_lookup(const struct host *h, uint32_t daddr, uint16_t dport)
{
	struct sock *best = NULL;

	for (uint32_t i = 0; i < h->nsocks; i++) {
		struct sock *sk = h->socks[i];

		if (!sk->bound || sk->num != dport)
			continue;
		if (sk->rcv_saddr == daddr)
			return sk;
		if (!sk->rcv_saddr && !best)
			best = sk;
	}
	return best;
}

START_TEST(test_udptable_vs_linear_scan)
{
	static const uint32_t daddrs[] = { 0x0a000001u, 0x7f000001u };
	char *yaml = table_yaml();
	struct cfg cfg;
	struct sim_error err = { 0 };
	struct world *w;
	struct host *h;
	uint32_t found = 0, missed = 0, wild = 0;

	ck_assert_msg(!cfg_load_string(&cfg, "t.yaml", yaml, &err), "%s", err.msg);
	w = world_create(&cfg, 1, &err);
	ck_assert_msg(w, "%s", err.msg);
	h = w->hosts[0];
	ck_assert_uint_eq(h->udptable->mask, 8191);
	for (uint32_t port = 990; port < 1010 + TABLE_PORTS; port++)
		for (size_t a = 0; a < 2; a++) {
			struct sock *ref = linear_lookup(h, daddrs[a], (uint16_t)port);

			ck_assert_msg(udp4_lib_lookup(h, daddrs[a], (uint16_t)port) == ref,
				      "port %u address %zu: '%s', reference '%s'", port, a,
				      udp4_lib_lookup(h, daddrs[a], (uint16_t)port)
					      ? udp4_lib_lookup(h, daddrs[a], (uint16_t)port)->name
					      : "none",
				      ref ? ref->name : "none");
			found += ref != NULL;
			missed += ref == NULL;
			wild += ref && !ref->rcv_saddr;
		}
	/* the table held every kind: exact matches, wildcard ones, misses */
	ck_assert_uint_gt(found - wild, 500);
	ck_assert_uint_gt(wild, 500);
	ck_assert_uint_gt(missed, 500);
	world_free(w);
	cfg_release(&cfg);
	free(yaml);
}
END_TEST

START_TEST(test_udptable_bind_conflict)
{
	char *yaml = table_yaml();
	size_t n = strlen(yaml);
	struct cfg cfg;
	struct sim_error err = { 0 };

	/* socket 1 holds 10.0.0.1:(1000 + 7919 % TABLE_PORTS) = 10.0.0.1:8919 with reuseport */
	yaml = realloc(yaml, n + 64);
	ck_assert_ptr_nonnull(yaml);
	snprintf(yaml + n, 64, "      - {name: late, bind: '0.0.0.0:8919'}\n");
	ck_assert_msg(!cfg_load_string(&cfg, "t.yaml", yaml, &err), "%s", err.msg);
	ck_assert_ptr_null(world_create(&cfg, 1, &err));
	ck_assert_str_eq(err.msg, "t.yaml:1508:28: cannot bind 'late': port 8919 is already bound "
				  "by socket 's1' (EADDRINUSE: both need 'reuseport: true')");
	cfg_release(&cfg);
	free(yaml);
}
END_TEST

/* ---- 2c. the protocol tables ---- */

static const struct {
	unsigned proto;			   /* IP protocol number */
	const struct net_protocol *entry;  /* inet_protos[proto] */
	bool err_handler;		   /* has one */
	const struct net_offload *offload; /* inet_offloads[proto] */
} proto_table[] = {
	{ 1, &icmp_protocol, false, NULL },	     /* ICMP: errors are not about errors */
	{ 17, &udp_protocol, true, &udpv4_offload }, /* UDP */
};

static const struct {
	enum sock_kind kind;	  /* sock_protos[kind] */
	const struct proto *prot; /* the entry */
	size_t obj_size;	  /* its socket */
	bool queues;		  /* a protocol handler returns it: queue_rcv_* set */
} kind_table[] = {
	{ SOCK_UDP, &udp_prot, sizeof(struct udp_sock), true },
	{ SOCK_PACKET, &packet_proto, sizeof(struct packet_sock), false },
};

START_TEST(test_protocol_tables)
{
	uint32_t entries = 0;

	for (size_t i = 0; i < sizeof(proto_table) / sizeof(proto_table[0]); i++) {
		const struct net_protocol *p = inet_protos[proto_table[i].proto];

		ck_assert_ptr_eq(p, proto_table[i].entry);
		ck_assert_ptr_nonnull(p->handler);
		ck_assert_int_eq(p->err_handler != NULL, proto_table[i].err_handler);
		ck_assert_ptr_eq(inet_offloads[proto_table[i].proto], proto_table[i].offload);
	}
	for (unsigned p = 0; p < MAX_INET_PROTOS; p++)
		entries += inet_protos[p] != NULL;
	ck_assert_uint_eq(entries, sizeof(proto_table) / sizeof(proto_table[0]));
	for (size_t i = 0; i < sizeof(kind_table) / sizeof(kind_table[0]); i++) {
		const struct proto *k = sock_protos[kind_table[i].kind];

		ck_assert_ptr_eq(k, kind_table[i].prot);
		ck_assert_uint_eq(k->obj_size, kind_table[i].obj_size);
		ck_assert_ptr_nonnull(k->init);
		ck_assert_ptr_nonnull(k->dequeue);
		ck_assert_int_eq(k->queue_rcv_cost != NULL, kind_table[i].queues);
		ck_assert_int_eq(k->queue_rcv_skb != NULL, kind_table[i].queues);
		ck_assert_int_eq(k->recv_lock_cost != NULL, k->recv_locks != NULL);
	}
}
END_TEST

/* Every socket of a world is its kind's: UDP sockets and taps, with their own fields. */
static const char kinds_yaml[] =
	"name: t\nduration: 1ms\nhosts:\n  - name: rx\n    nics:\n"
	"      - {name: eth0, address: 10.0.0.1/24}\n    sockets:\n"
	"      - {name: u, bind: '10.0.0.1:5000'}\n    taps:\n      - {name: t, dev: eth0}\n";

START_TEST(test_sockets_are_their_kind)
{
	struct cfg cfg;
	struct sim_error err = { 0 };
	struct world *w;
	struct host *h;

	ck_assert_msg(!cfg_load_string(&cfg, "t.yaml", kinds_yaml, &err), "%s", err.msg);
	w = world_create(&cfg, 1, &err);
	ck_assert_msg(w, "%s", err.msg);
	h = w->hosts[0];
	ck_assert_uint_eq(h->nsocks, 2);
	ck_assert_ptr_eq(h->socks[0]->sk_prot, &udp_prot);
	ck_assert_ptr_eq(h->socks[1]->sk_prot, &packet_proto);
	ck_assert_str_eq(pkt_sk(h->socks[1])->tap_dev->name, "eth0");
	ck_assert_ptr_eq(udp4_lib_lookup(h, 0x0a000001u, 5000), h->socks[0]);
	ck_assert_ptr_null(udp4_lib_lookup(h, 0x7f000001u, 5000)); /* bound to 10.0.0.1 only */
	ck_assert_uint_eq((uintptr_t)h->socks[0] % 64, 0);	   /* on its own cache lines */
	world_free(w);
	cfg_release(&cfg);
}
END_TEST

/* ---- 3. the bind rule, in a world ---- */

static const char bind_yaml[] = "name: t\nduration: 1ms\nhosts:\n  - name: rx\n    nics:\n"
				"      - {name: eth0, address: 10.0.0.1/24}\n    sockets:\n"
				"      - {name: a, bind: '%s:5001', reuseport: %s}\n"
				"      - {name: b, bind: '%s:5001', reuseport: %s}\n";

/* The model's second bind: "0" or "EADDRINUSE" (127.0.0.2 stands for another local address). */
static const char *model_bind(const char *a1, int r1, const char *a2, int r2)
{
	char yaml[1024];
	struct cfg cfg;
	struct sim_error err = { 0 };
	struct world *w;
	const char *res;

	snprintf(yaml, sizeof(yaml), bind_yaml, strcmp(a1, "127.0.0.2") ? a1 : "10.0.0.1",
		 r1 ? "true" : "false", strcmp(a2, "127.0.0.2") ? a2 : "10.0.0.1",
		 r2 ? "true" : "false");
	ck_assert_msg(!cfg_load_string(&cfg, "t.yaml", yaml, &err), "%s", err.msg);
	w = world_create(&cfg, 1, &err);
	static char other[sizeof(err.msg)];

	snprintf(other, sizeof(other), "%s", err.msg);
	res = w ? "0" : strstr(err.msg, "(EADDRINUSE") ? "EADDRINUSE" : other;
	if (w)
		world_free(w);
	cfg_release(&cfg);
	return res;
}

START_TEST(test_bind_rule_vs_kernel)
{
	FILE *f = fopen(BIND_CSV, "r");
	char line[256], a1[32], a2[32], res[32];
	int r1, r2, rows = 0, refused = 0;

	ck_assert_msg(f, "cannot open %s", BIND_CSV);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%31[^,],%d,%31[^,],%d,%31[^\r\n]", a1, &r1, a2, &r2, res) != 5)
			continue;
		ck_assert_msg(!strcmp(model_bind(a1, r1, a2, r2), res),
			      "%s:%d then %s:%d: model '%s', kernel '%s'", a1, r1, a2, r2,
			      model_bind(a1, r1, a2, r2), res);
		rows++;
		refused += !strcmp(res, "EADDRINUSE");
	}
	fclose(f);
	ck_assert_int_ge(rows, 9);
	ck_assert_int_ge(refused, 4);
}
END_TEST

/* ---- 4. per-socket buffers and drops ---- */

static const char drops_yaml[] =
	"name: t\nduration: 1ms\nhosts:\n  - name: rx\n    sockets:\n"
	"      - {name: s0, bind: '127.0.0.1:5000', reuseport: true, rcvbuf: 4096}\n"
	"      - {name: s1, bind: '127.0.0.1:5000', reuseport: true, rcvbuf: 1MiB}\n"
	"    sysctl: {net.core.rmem_max: 4194304}\n";

START_TEST(test_per_socket_drops_vs_kernel)
{
	struct cfg cfg;
	struct sim_error err = { 0 };
	struct world *w;
	struct host *h;
	struct sock *s0, *s1;
	uint64_t admitted[2] = { 0, 0 };

	ck_assert_msg(!cfg_load_string(&cfg, "t.yaml", drops_yaml, &err), "%s", err.msg);
	w = world_create(&cfg, 1, &err);
	ck_assert_msg(w, "%s", err.msg);
	h = w->hosts[0];
	s0 = h->socks[0];
	s1 = h->socks[1];
	ck_assert_ptr_eq(s0->sk_reuseport_cb, s1->sk_reuseport_cb);
	ck_assert_uint_eq(s0->sk_rcvbuf, (uint32_t)ref_value("drops", 0, "sock0_rcvbuf"));
	ck_assert_uint_eq(s1->sk_rcvbuf, (uint32_t)ref_value("drops", 0, "sock1_rcvbuf"));
	for (uint16_t p = 22000; p < 22000 + PORTS; p++) {
		struct sk_buff *skb = skb_alloc(w);
		struct sock *sk;

		ck_assert_ptr_nonnull(skb);
		skb->saddr = skb->daddr = LO;
		skb->sport = p;
		skb->dport = 5000;
		skb->truesize = LO_TRUESIZE;
		skb->gso_segs = 1;
		sk = udp4_lib_lookup_skb(h, skb, &h->cpus[0]);
		ck_assert(sk == s0 || sk == s1);
		udp_queue_rcv_skb(sk, skb);
	}
	admitted[0] = s0->sk_receive_queue.qlen;
	admitted[1] = s1->sk_receive_queue.qlen;
	ck_assert_uint_eq(s1->sk_drops, (uint64_t)ref_value("drops", 0, "sock1_drops")); /* 0 */
	ck_assert_uint_eq(admitted[0], (uint64_t)ref_value("drops", 0, "sock0_read"));
	ck_assert_uint_eq(admitted[0] + admitted[1] + s0->sk_drops, PORTS);
	ck_assert_uint_eq(h->udp.RcvbufErrors, s0->sk_drops);
	ck_assert_uint_eq(h->udp.InErrors, s0->sk_drops);
	/* the kernel's: the same identities */
	ck_assert_int_eq(ref_value("drops", 0, "Udp.RcvbufErrors"),
			 ref_value("drops", 0, "sock0_drops"));
	ck_assert_int_eq(ref_value("drops", 0, "Udp.InErrors"),
			 ref_value("drops", 0, "sock0_drops"));
	ck_assert_int_eq(ref_value("drops", 0, "sock0_read") +
				 ref_value("drops", 0, "sock0_drops") +
				 ref_value("drops", 0, "sock1_read"),
			 PORTS);
	world_free(w);
	cfg_release(&cfg);
}
END_TEST

/* ---- 5. udp_mem ---- */

#define UDP_MEM_CSV	 "kernel-ref/udp_mem.csv"
#define LO_TRUESIZE_1000 2304 /* a 1000-byte datagram over loopback (udp_mem.csv rmem_alloc) */

/* The value of (case, counter) in udp_mem.csv (case,ns,counter,value), or -1. */
static long mem_ref(const char *kase, const char *key)
{
	FILE *f = fopen(UDP_MEM_CSV, "r");
	char line[256], c[64], ns[64], k[64];
	long v, out = -1;

	ck_assert_msg(f, "cannot open %s", UDP_MEM_CSV);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63[^,],%63[^,],%63[^,],%ld", c, ns, k, &v) == 4 &&
		    !strcmp(c, kase) && !strcmp(k, key))
			out = v;
	fclose(f);
	return out;
}

/* The rule against a trivial reference: every region and both edges. */
START_TEST(test_udp_mem_admit_table)
{
	static const uint64_t lim[3] = { 100, 200, 300 };
	static const struct {
		int64_t allocated;
		uint32_t rmem;
		bool admit;
	} rows[] = {
		{ 0, 1u << 30, true }, { 100, 1u << 30, true }, /* at min: yes, whatever rmem */
		{ 101, 4095, true },   { 101, 4096, false },	/* over min: rmem < rmem_min */
		{ 300, 0, true },      { 301, 0, false },	/* over max: never */
		{ 250, 4096, false },  { 250, 100, true },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		ck_assert_msg(udp_mem_admit(rows[i].allocated, lim, rows[i].rmem, 4096) ==
				      rows[i].admit,
			      "row %zu", i);
}
END_TEST

static const char mem_yaml[] =
	"name: t\nduration: 1ms\nhosts:\n  - name: rx\n    cpus: 2\n    sockets:\n"
	"      - {name: s0, bind: '127.0.0.1:6000', rcvbuf: 4MiB}\n"
	"      - {name: s1, bind: '127.0.0.1:6001', rcvbuf: 4MiB}\n"
	"      - {name: s2, bind: '127.0.0.1:6002', rcvbuf: 4MiB}\n"
	"      - {name: s3, bind: '127.0.0.1:6003', rcvbuf: 4MiB}\n"
	"      - {name: s4, bind: '127.0.0.1:6004', rcvbuf: 4MiB}\n"
	"    sysctl: {net.ipv4.udp_mem: '%ld %ld %ld'}\n";

static void inject(struct world *w, struct host *h, uint16_t dport)
{
	struct sk_buff *skb = skb_alloc(w);

	ck_assert_ptr_nonnull(skb);
	skb->saddr = skb->daddr = LO;
	skb->sport = 7000;
	skb->dport = dport;
	skb->truesize = LO_TRUESIZE_1000;
	skb->gso_segs = 1;
	udp_queue_rcv_skb(udp4_lib_lookup_skb(h, skb, &h->cpus[0]), skb);
}

/*
 * measure_udp_mem.py's cases replayed: the machine's count starts at the
 * measured G with CPU 0's reserve just drained, the limits G + udp_mem_rel;
 * every per-socket figure and counter must equal the kernel's.
 */
static void check_udp_mem_case(const char *kase)
{
	long g = mem_ref(kase, "G"), sent = mem_ref(kase, "sent"),
	     late = mem_ref(kase, "sent_late");
	long rel[3];
	char yaml[2048], rels[64] = "";
	struct cfg cfg;
	struct sim_error err = { 0 };
	struct world *w;
	struct host *h;
	FILE *f = fopen(UDP_MEM_CSV, "r");
	char line[256];

	ck_assert_msg(f, "cannot open %s", UDP_MEM_CSV);
	while (fgets(line, sizeof(line), f)) {
		char c[64], ns[64];

		if (sscanf(line, "%63[^,],%63[^,],udp_mem_rel,%63[^\r\n]", c, ns, rels) == 3 &&
		    !strcmp(c, kase))
			break;
		rels[0] = 0;
	}
	fclose(f);
	ck_assert_msg(sscanf(rels, "%ld %ld %ld", &rel[0], &rel[1], &rel[2]) == 3,
		      "%s: no udp_mem_rel", kase);
	ck_assert(g >= 0 && sent > 0 && late >= 0);
	snprintf(yaml, sizeof(yaml), mem_yaml, g + rel[0], g + rel[1], g + rel[2]);
	ck_assert_msg(!cfg_load_string(&cfg, "t.yaml", yaml, &err), "%s", err.msg);
	w = world_create(&cfg, 1, &err);
	ck_assert_msg(w, "%s", err.msg);
	h = w->hosts[0];
	h->machine->udp_memory_allocated = g;
	for (long k = 0; k < sent; k++)
		inject(w, h, (uint16_t)(6000 + k % 4));
	for (long k = 0; k < late; k++)
		inject(w, h, 6004);
	for (uint32_t i = 0; i < 5; i++) {
		const struct sock *sk = h->socks[i];
		char key[32];

		snprintf(key, sizeof(key), "sock%u_queued", i);
		ck_assert_msg(sk->sk_receive_queue.qlen == (uint32_t)mem_ref(kase, key),
			      "%s %s: model %u, kernel %ld", kase, key, sk->sk_receive_queue.qlen,
			      mem_ref(kase, key));
		snprintf(key, sizeof(key), "sock%u_drops", i);
		ck_assert_msg(sk->sk_drops == (uint64_t)mem_ref(kase, key),
			      "%s %s: model %llu, kernel %ld", kase, key,
			      (unsigned long long)sk->sk_drops, mem_ref(kase, key));
		snprintf(key, sizeof(key), "sock%u_rmem_alloc", i);
		ck_assert_msg(sk->sk_rmem_alloc == (uint32_t)mem_ref(kase, key),
			      "%s %s: model %u, kernel %ld", kase, key, sk->sk_rmem_alloc,
			      mem_ref(kase, key));
		snprintf(key, sizeof(key), "sock%u_fwd_alloc", i);
		ck_assert_msg(sk->sk_forward_alloc == mem_ref(kase, key),
			      "%s %s: model %lld, kernel %ld", kase, key,
			      (long long)sk->sk_forward_alloc, mem_ref(kase, key));
	}
	ck_assert_int_eq(h->machine->udp_memory_allocated, mem_ref(kase, "sockstat_mem_end"));
	ck_assert_int_eq((long)h->udp.InErrors, mem_ref(kase, "Udp.InErrors"));
	ck_assert_int_eq((long)h->udp.RcvbufErrors, mem_ref(kase, "Udp.RcvbufErrors"));
	ck_assert_int_eq((long)h->udp.MemErrors, mem_ref(kase, "Udp.MemErrors"));
	world_free(w);
	cfg_release(&cfg);
}

START_TEST(test_udp_mem_hard_vs_kernel)
{
	check_udp_mem_case("hard");
}
END_TEST

START_TEST(test_udp_mem_pressure_vs_kernel)
{
	check_udp_mem_case("pressure");
}
END_TEST

Suite *reuseport_suite(void);
Suite *reuseport_suite(void)
{
	Suite *s = suite_create("reuseport");
	TCase *tc = tcase_create("reuseport");

	tcase_add_test(tc, test_jhash_vectors);
	tcase_add_test(tc, test_spread_vs_kernel);
	tcase_add_test(tc, test_spread_check_can_fail);
	tcase_add_test(tc, test_cpu_policy_vs_kernel);
	tcase_add_test(tc, test_cpu_policy_fallback);
	tcase_add_test(tc, test_jhash_1word_vectors);
	tcase_add_test(tc, test_udptable_vs_linear_scan);
	tcase_add_test(tc, test_udptable_bind_conflict);
	tcase_add_test(tc, test_protocol_tables);
	tcase_add_test(tc, test_sockets_are_their_kind);
	tcase_add_test(tc, test_bind_rule_vs_kernel);
	tcase_add_test(tc, test_per_socket_drops_vs_kernel);
	tcase_add_test(tc, test_udp_mem_admit_table);
	tcase_add_test(tc, test_udp_mem_hard_vs_kernel);
	tcase_add_test(tc, test_udp_mem_pressure_vs_kernel);
	suite_add_tcase(s, tc);
	return s;
}
