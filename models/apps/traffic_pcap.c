/*
 * models/apps/traffic_pcap.c - replaying a capture: libpcap reads it, records drive the source.
 *
 * See models/apps/traffic_pcap.h. Reference: pcap-savefile(5), pcap_next_ex(3PCAP),
 * RFC 791 (IPv4 header), RFC 768 (UDP), IEEE 802.1Q, the LINUX_SLL
 * link-layer header (https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html).
 */
#define _DEFAULT_SOURCE /* libpcap's headers use u_char and u_int */
#include "models/apps/traffic_pcap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "models/lib/inet_addr.h"
#include "models/core/netdevice.h"
#include "models/world.h"
#include "sim/error.h"

#define REPLAY_FCS	 4
#define REPLAY_MIN_FRAME 64
#define REPLAY_MAX_FRAME 1518
#define PCAP_REC_HDR	 16 /* bytes of a pcap record header (pcap-savefile(5)) */

/* A capture being read: the open file and where the error is reported. */
struct replay_load {
	const char *name;	   /* `file:` as written */
	const struct cfg_node *at; /* the `file:` node */
	FILE *f;		   /* the open file (libpcap reads through it) */
	pcap_t *p;		   /* libpcap's handle */
	int linktype;		   /* DLT_* */
	sim_time_t t0;		   /* ns of the first replayed packet, -1 before it */
	uint32_t cap;		   /* records allocated */
};

static uint32_t get16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t get32(const uint8_t *p)
{
	return get16(p) << 16 | get16(p + 2);
}

/*
 * The offset of the IPv4 header in a frame of link type @lt and the bytes
 * its link header stands for on Ethernet (14 less what it has), or -1 when
 * the frame is not IPv4.
 */
static int ip_offset(int lt, const uint8_t *d, uint32_t caplen, int *l2_delta)
{
	*l2_delta = 0;
	if (lt == DLT_RAW) {
		*l2_delta = ETH_HLEN;
		return caplen >= 1 && d[0] >> 4 == 4 ? 0 : -1;
	}
	if (lt == DLT_LINUX_SLL) {
		*l2_delta = ETH_HLEN - 16;
		return caplen >= 16 && get16(d + 14) == 0x0800 ? 16 : -1;
	}
	if (caplen >= 18 && get16(d + 12) == 0x8100) {
		*l2_delta = -4; /* the tag is not on this model's wire */
		return get16(d + 16) == 0x0800 ? 18 : -1;
	}
	return caplen >= 14 && get16(d + 12) == 0x0800 ? 14 : -1;
}

/* Parse one packet into @r: true when it is an unfragmented IPv4/UDP packet the model can send. */
static bool replay_parse(int lt, const struct pcap_pkthdr *h, const uint8_t *d, struct pcap_rec *r)
{
	int delta, off = ip_offset(lt, d, h->caplen, &delta);
	const uint8_t *ip = d + off;
	uint32_t ihl, frame;

	if (off < 0 || h->caplen < (uint32_t)off + 20 || ip[0] >> 4 != 4 || ip[9] != IPPROTO_UDP_)
		return false;
	ihl = (ip[0] & 0xfu) * 4;
	if (ihl < 20 || h->caplen < off + ihl + 8 || (get16(ip + 6) & 0x3fff))
		return false; /* short, or a fragment (MF or an offset) */
	frame = (uint32_t)((int64_t)h->len + delta) + REPLAY_FCS;
	if (frame > REPLAY_MAX_FRAME)
		return false;
	r->len = (uint16_t)(frame < REPLAY_MIN_FRAME ? REPLAY_MIN_FRAME : frame);
	r->tos = ip[1];
	r->ip_id = (uint16_t)get16(ip + 4);
	r->df = (get16(ip + 6) & 0x4000) != 0;
	r->ttl = ip[8];
	r->saddr = get32(ip + 12);
	r->daddr = get32(ip + 16);
	r->sport = (uint16_t)get16(ip + ihl);
	r->dport = (uint16_t)get16(ip + ihl + 2);
	return true;
}

/* @path relative to the directory of the scenario file @base, unless absolute. */
static void replay_path(char *out, size_t size, const char *base, const char *path)
{
	const char *slash = base ? strrchr(base, '/') : NULL;

	if (path[0] == '/' || !slash)
		snprintf(out, size, "%s", path);
	else
		snprintf(out, size, "%.*s/%s", (int)(slash - base), base, path);
}

/*
 * pcap_next_ex failed on packet @k that starts at byte @pos: a pcap file
 * that ends inside the record says how much of it is there; anything else
 * (pcapng, a bad length) is libpcap's message.
 */
static int replay_read_error(struct replay_load *l, uint64_t k, long pos, struct sim_error *err)
{
	uint8_t hdr[PCAP_REC_HDR];
	struct stat st;
	uint32_t caplen;
	size_t got;

	if (pos < 0 || fstat(fileno(l->f), &st) || fseek(l->f, pos, SEEK_SET))
		goto out_libpcap;
	got = fread(hdr, 1, sizeof(hdr), l->f);
	if (got < sizeof(hdr))
		return cfg_error(l->at, err, "'%s': truncated packet %llu (header %zu of %d bytes)",
				 l->name, (unsigned long long)k, got, PCAP_REC_HDR);
	memcpy(&caplen, hdr + 8, sizeof(caplen)); /* the writer's byte order */
	if (pcap_is_swapped(l->p))
		caplen = __builtin_bswap32(caplen);
	if ((uint64_t)st.st_size - (uint64_t)pos - PCAP_REC_HDR < caplen)
		return cfg_error(
			l->at, err, "'%s': truncated packet %llu (caplen %llu of %u)", l->name,
			(unsigned long long)k,
			(unsigned long long)((uint64_t)st.st_size - (uint64_t)pos - PCAP_REC_HDR),
			caplen);
out_libpcap:
	return cfg_error(l->at, err, "'%s': packet %llu: %s", l->name, (unsigned long long)k,
			 pcap_geterr(l->p));
}

/* Append @rec (its time @ns) to @r, growing the array. */
static int replay_add(struct replay_load *l, struct pcap_replay *r, struct pcap_rec *rec,
		      sim_time_t ns, struct sim_error *err)
{
	if (r->n == PCAP_REPLAY_MAX)
		return cfg_error(l->at, err, "'%s': more than %u IPv4/UDP packets", l->name,
				 PCAP_REPLAY_MAX);
	if (r->n == l->cap) {
		uint32_t cap = l->cap ? 2 * l->cap : 1024;
		struct pcap_rec *n = realloc(r->recs, cap * sizeof(*n));

		if (!n)
			return sim_error_set(err, "out of memory");
		r->recs = n;
		l->cap = cap;
	}
	if (l->t0 < 0)
		l->t0 = ns;
	rec->t = (ns - l->t0) * SIM_NS;
	if (r->n && rec->t < r->recs[r->n - 1].t)
		rec->t = r->recs[r->n - 1].t; /* time going backwards: no gap */
	r->recs[r->n++] = *rec;
	return 0;
}

/* Read every packet of the open capture into @r. */
static int replay_read(struct replay_load *l, struct pcap_replay *r, struct sim_error *err)
{
	struct pcap_pkthdr *h;
	const u_char *d;
	long pos = ftell(l->f);
	int rc;

	while ((rc = pcap_next_ex(l->p, &h, &d)) == 1) {
		struct pcap_rec rec;
		sim_time_t ns = (sim_time_t)h->ts.tv_sec * 1000000000 + (sim_time_t)h->ts.tv_usec;

		r->read++;
		if (!replay_parse(l->linktype, h, d, &rec))
			r->skipped++;
		else if (replay_add(l, r, &rec, ns, err))
			return -1;
		pos = ftell(l->f);
	}
	if (rc != PCAP_ERROR_BREAK)
		return replay_read_error(l, r->read + 1, pos, err);
	if (!r->n)
		return cfg_error(l->at, err, "'%s': no IPv4/UDP packets to replay (%llu skipped)",
				 l->name, (unsigned long long)r->skipped);
	return 0;
}

static int replay_open(struct replay_load *l, const char *path, struct sim_error *err)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct stat st;
	int lt, fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC); /* a FIFO would block */

	if (fd < 0)
		return cfg_error(l->at, err, "cannot open '%s': %s", l->name, strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return cfg_error(l->at, err, "'%s' is not a regular file", l->name);
	}
	l->f = fdopen(fd, "rb");
	if (!l->f) {
		close(fd);
		return sim_error_set(err, "out of memory");
	}
	l->p = pcap_fopen_offline_with_tstamp_precision(l->f, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!l->p) {
		fclose(l->f);
		l->f = NULL;
		return cfg_error(l->at, err, "'%s': %s", l->name, errbuf);
	}
	lt = l->linktype = pcap_datalink(l->p);
	if (lt != DLT_EN10MB && lt != DLT_RAW && lt != DLT_LINUX_SLL)
		return cfg_error(
			l->at, err,
			"'%s': link type '%s' is not supported (EN10MB, RAW, LINUX_SLL)", l->name,
			pcap_datalink_val_to_name(lt) ? pcap_datalink_val_to_name(lt) : "?");
	return 0;
}

/* The source's keys for a replay: `file`, `time_scale`, `loop`, `dst`. */
static int replay_keys(struct traffic_source *s, const struct cfg_node *n, struct pcap_replay *r,
		       struct sim_error *err)
{
	static const char *const given[] = { "size", "ttl", "df" };

	if (cfg_has(n, "rate"))
		return cfg_error(cfg_get(n, "rate"), err,
				 "'rate' does not apply to pattern 'pcap' (use 'time_scale')");
	for (size_t i = 0; i < sizeof(given) / sizeof(given[0]); i++)
		if (cfg_has(n, given[i]))
			return cfg_error(
				cfg_get(n, given[i]), err,
				"'%s' does not apply to pattern 'pcap': the capture gives it",
				given[i]);
	if (cfg_require(n, "file", "pattern 'pcap'", err) ||
	    cfg_get_double(n, "time_scale", &r->time_scale, 1.0, 1e-3, 1e3, err) ||
	    cfg_get_u64(n, "loop", &r->loops, 1, 1, 1000000, err))
		return -1;
	(void)s;
	return 0;
}

/* `dst: ADDRESS:PORT` rewrites every record's destination. */
static int replay_rewrite_dst(const struct cfg_node *n, struct pcap_replay *r,
			      struct sim_error *err)
{
	const char *dst = NULL;
	uint32_t daddr;
	uint16_t dport;

	if (!cfg_has(n, "dst"))
		return 0;
	if (cfg_get_str(n, "dst", &dst, NULL, err))
		return -1;
	if (inet_parse_addr_port(dst, &daddr, &dport))
		return cfg_error(cfg_get(n, "dst"), err,
				 "'dst' must be ADDRESS:PORT like '10.0.0.1:5000', got '%s'", dst);
	for (uint32_t i = 0; i < r->n; i++) {
		r->recs[i].daddr = daddr;
		r->recs[i].dport = dport;
	}
	return 0;
}

/* What the rest of the source needs: hashes, the period, the count and the mean rate. */
static void replay_finish(struct traffic_source *s, struct pcap_replay *r)
{
	sim_time_t last = r->recs[r->n - 1].t;
	uint64_t total = (uint64_t)r->n * r->loops;

	for (uint32_t i = 0; i < r->n; i++) {
		struct pcap_rec *p = &r->recs[i];

		p->hash = s->dev->netdev_ops->ndo_rx_hash(s->dev, p->saddr, p->daddr, p->sport,
							  p->dport);
	}
	r->period = last + (r->n > 1 ? last / (r->n - 1) : SIM_US);
	if (r->period <= 0)
		r->period = SIM_US;
	if (!s->count || s->count > total)
		s->count = total;
	s->pps = (double)r->n / (sim_time_sec(r->period) * r->time_scale);
}

static int replay_init(struct traffic_source *s, const struct cfg_node *n, struct sim_error *err)
{
	struct pcap_replay *r = calloc(1, sizeof(*r));
	struct replay_load l = { .t0 = -1 };
	char path[4096];
	int rc;

	if (!r)
		return sim_error_set(err, "out of memory");
	s->replay = r;
	if (replay_keys(s, n, r, err) || cfg_get_str(n, "file", &l.name, NULL, err))
		return -1;
	l.at = cfg_get(n, "file");
	replay_path(path, sizeof(path), l.at->file, l.name);
	rc = replay_open(&l, path, err) || replay_read(&l, r, err) ||
	     world_charge(s->w, l.at, (uint64_t)r->n * sizeof(*r->recs), err) ||
	     replay_rewrite_dst(n, r, err);
	if (l.p)
		pcap_close(l.p); /* closes l.f */
	else if (l.f)
		fclose(l.f);
	if (rc)
		return -1;
	replay_finish(s, r);
	return 0;
}

static sim_time_t replay_scaled(const struct pcap_replay *r, sim_time_t gap)
{
	return (sim_time_t)((double)gap * r->time_scale + 0.5);
}

static sim_time_t replay_gap(struct traffic_source *s)
{
	struct pcap_replay *r = s->replay;
	sim_time_t prev = r->recs[r->cur].t;

	if (++r->cur == r->n) {
		r->cur = 0;
		return replay_scaled(r, r->period - prev);
	}
	return replay_scaled(r, r->recs[r->cur].t - prev);
}

const struct arrival_ops traffic_pcap_ops = { "pcap", replay_init, replay_gap };

uint32_t traffic_pcap_len(const struct traffic_source *s)
{
	return s->replay->recs[s->replay->cur].len;
}

void traffic_pcap_fill(const struct traffic_source *s, struct sk_buff *skb)
{
	const struct pcap_rec *r = &s->replay->recs[s->replay->cur];

	skb->saddr = r->saddr;
	skb->daddr = r->daddr;
	skb->sport = r->sport;
	skb->dport = r->dport;
	skb->hash = r->hash;
	skb->ttl = r->ttl;
	skb->tos = r->tos;
	skb->ip_id = r->ip_id;
	if (r->df)
		skb->flags |= SKB_F_DF;
	skb->flow = 0;
}

void traffic_pcap_free(struct pcap_replay *r)
{
	if (!r)
		return;
	free(r->recs);
	free(r);
}
