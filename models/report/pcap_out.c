/*
 * models/report/pcap_out.c - tap captures (pcap, through libpcap) and drop captures (pcapng).
 *
 * See models/report/pcap_out.h for what is written and what is simplified.
 */
#define _DEFAULT_SOURCE /* libpcap's headers use u_char and u_int */
#include "models/report/pcap_out.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "models/world.h"

#define ETH_P_IP_	   0x0800
#define ETH_P_ARP_	   0x0806
#define IP_DF_		   0x4000
#define IP_MF_		   0x2000
#define ICMP_DEST_UNREACH_ 3
#define ICMP_FRAG_NEEDED_  4

/* ---- frames ---- */

static uint8_t *put8(uint8_t *p, uint32_t v)
{
	*p = (uint8_t)v;
	return p + 1;
}

static uint8_t *put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

static uint8_t *put32(uint8_t *p, uint32_t v)
{
	return put16(put16(p, v >> 16), v & 0xffff);
}

/* A locally administered MAC 02:@b1:<@addr>, or broadcast when @addr is all ones. */
static uint8_t *put_mac(uint8_t *p, uint32_t b1, uint32_t addr)
{
	if (addr == 0xffffffffu)
		return put16(put32(p, 0xffffffffu), 0xffff);
	return put32(put8(put8(p, 0x02), b1), addr);
}

uint16_t inet_csum(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* A checksum that is wrong but still means "present" (never 0). */
static uint16_t csum_bad(uint16_t good)
{
	return good == 0xffff ? 0xfffe : (uint16_t)(good + 1);
}

/* An IPv4 header at @p: @tot bytes long, fields from @skb (or the arguments). */
static uint8_t *put_iphdr(uint8_t *p, const struct sk_buff *skb, uint32_t tot, uint32_t saddr,
			  uint32_t daddr, uint32_t proto, bool bad)
{
	uint32_t frag = (skb->frag_off / 8u) & 0x1fff;
	uint16_t c;

	frag |= skb->flags & SKB_F_DF ? IP_DF_ : 0;
	frag |= skb->flags & SKB_F_MF ? IP_MF_ : 0;
	put16(p, 0x4500 | skb->tos);
	put16(p + 2, tot > 0xffff ? 0xffff : tot);
	put16(p + 4, skb->ip_id);
	put16(p + 6, frag);
	put8(p + 8, skb->ttl);
	put8(p + 9, proto);
	put32(p + 12, saddr);
	put32(p + 16, daddr);
	c = inet_csum(p, 20, 0);
	put16(p + 10, bad ? csum_bad(c) : c);
	return p + 20;
}

/* A UDP header with the checksum of a zero payload (RFC 768 pseudo-header). */
static uint8_t *put_udphdr(uint8_t *p, uint32_t saddr, uint32_t daddr, uint32_t sport,
			   uint32_t dport, uint32_t ulen, bool bad)
{
	uint32_t pseudo = (saddr >> 16) + (saddr & 0xffff) + (daddr >> 16) + (daddr & 0xffff) +
			  IPPROTO_UDP_ + (ulen & 0xffff);
	uint16_t c;

	put16(p, sport);
	put16(p + 2, dport);
	put16(p + 4, ulen > 0xffff ? 0xffff : ulen);
	c = inet_csum(p, 6, pseudo);
	c = c ? c : 0xffff;
	put16(p + 6, bad ? csum_bad(c) : c);
	return p + 8;
}

/* ARP (RFC 826) for IPv4 over Ethernet. */
static uint32_t build_arp(const struct sk_buff *skb, uint8_t *p)
{
	uint8_t *q = p + ETH_HLEN;

	q = put32(put16(put16(q, 1), ETH_P_IP_), 0x06040000u | skb->arp_op);
	q = put32(put_mac(q, 0, skb->saddr), skb->saddr);
	q = put32(skb->arp_op == 1 ? q + 6 : put_mac(q, 0, skb->daddr), skb->daddr);
	return (uint32_t)(q - p);
}

/* An ICMP error quoting the offending datagram's IPv4 and UDP headers (RFC 792). */
static uint8_t *put_icmp(uint8_t *p, const struct sk_buff *skb, uint32_t icmp_len)
{
	struct sk_buff orig = { .ttl = 64, .ip_id = 0 };
	uint8_t *q = p;

	q = put16(put8(put8(q, skb->icmp_type), skb->icmp_code), 0);
	q = put32(q, skb->icmp_type == ICMP_DEST_UNREACH_ && skb->icmp_code == ICMP_FRAG_NEEDED_
			     ? skb->icmp_info
			     : 0);
	q = put_iphdr(q, &orig, 28, skb->daddr, skb->icmp_orig_daddr, IPPROTO_UDP_, false);
	q = put_udphdr(q, skb->daddr, skb->icmp_orig_daddr, skb->sport, skb->dport, 8, false);
	put16(p + 2, inet_csum(p, (size_t)(q - p), 0)); /* the rest of icmp_len is zeros */
	(void)icmp_len;
	return q;
}

uint32_t pcap_frame_build(const struct sk_buff *skb, uint32_t len, uint8_t *buf)
{
	bool arp = skb->eth_proto == ETH_P_ARP_;
	uint32_t need, tot;
	uint8_t *q;

	q = put_mac(buf, skb->flags & SKB_F_OTHER_MAC ? 0xff : 0,
		    arp && skb->arp_op == 1 ? 0xffffffffu : skb->daddr);
	q = put16(put_mac(q, 0, skb->saddr), arp ? ETH_P_ARP_ : ETH_P_IP_);
	if (arp)
		return len > build_arp(skb, buf) ? len : build_arp(skb, buf);
	need = ETH_HLEN + 20;
	if (skb->protocol == IPPROTO_UDP_ && !skb->frag_off)
		need += 8;
	else if (skb->protocol == IPPROTO_ICMP_)
		need += 36;
	len = len > need ? len : need;
	tot = len - ETH_HLEN;
	q = put_iphdr(q, skb, tot, skb->saddr, skb->daddr, skb->protocol,
		      skb->flags & SKB_F_BAD_IPHDR);
	if (skb->protocol == IPPROTO_UDP_ && !skb->frag_off)
		put_udphdr(q, skb->saddr, skb->daddr, skb->sport, skb->dport, tot - 20,
			   skb->flags & SKB_F_BAD_CSUM);
	else if (skb->protocol == IPPROTO_ICMP_)
		put_icmp(q, skb, tot - 20);
	return len;
}

/* ---- pcapng blocks ---- */

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* Little-endian fields: the SHB's byte-order magic says which order the section uses. */
static uint8_t *le16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	return p + 2;
}

static uint8_t *le32(uint8_t *p, uint32_t v)
{
	return le16(le16(p, v & 0xffff), v >> 16);
}

/* One option: code, length, value, zero padding to 32 bits. */
static uint8_t *opt(uint8_t *p, uint32_t code, const void *val, size_t len)
{
	p = le16(le16(p, code), (uint32_t)len);
	memcpy(p, val, len);
	memset(p + len, 0, pad4(len) - len);
	return p + pad4(len);
}

static size_t opt_str_len(const char *s)
{
	return s && *s ? 4 + pad4(strlen(s)) : 0;
}

static uint8_t *opt_str(uint8_t *p, uint32_t code, const char *s)
{
	return s && *s ? opt(p, code, s, strlen(s)) : p;
}

/* opt_endofopt, then the trailing total length; returns the block's length. */
static size_t block_end(uint8_t *blk, uint8_t *p)
{
	size_t n = (size_t)(p - blk) + 8;

	le32(le32(p, PCAPNG_OPT_END), (uint32_t)n);
	le32(blk + 4, (uint32_t)n);
	return n;
}

size_t pcapng_shb_len(const char *userappl)
{
	return 24 + opt_str_len(userappl) + 4 + 4;
}

size_t pcapng_shb(uint8_t *buf, const char *userappl)
{
	uint8_t *p = le32(buf, PCAPNG_SHB) + 4;

	p = le16(le16(le32(p, PCAPNG_BOM), 1), 0);   /* version 1.0 */
	p = le32(le32(p, 0xffffffffu), 0xffffffffu); /* section length: not given */
	return block_end(buf, opt_str(p, PCAPNG_OPT_SHB_USERAPPL, userappl));
}

size_t pcapng_idb_len(const char *if_name)
{
	return 16 + opt_str_len(if_name) + 8 + 4 + 4;
}

size_t pcapng_idb(uint8_t *buf, uint16_t linktype, uint32_t snaplen, const char *if_name)
{
	static const uint8_t tsresol = 9; /* 10^-9 s */
	uint8_t *p = le32(buf, PCAPNG_IDB) + 4;

	p = le32(le16(le16(p, linktype), 0), snaplen);
	p = opt_str(p, PCAPNG_OPT_IF_NAME, if_name);
	return block_end(buf, opt(p, PCAPNG_OPT_IF_TSRESOL, &tsresol, 1));
}

size_t pcapng_epb_len(uint32_t caplen, const char *comment)
{
	return PCAPNG_EPB_DATA + pad4(caplen) + opt_str_len(comment) + 4 + 4;
}

size_t pcapng_epb(uint8_t *buf, uint64_t ts_ns, uint32_t caplen, uint32_t origlen,
		  const char *comment)
{
	uint8_t *p = le32(buf, PCAPNG_EPB) + 4;

	p = le32(le32(le32(p, 0), (uint32_t)(ts_ns >> 32)), (uint32_t)ts_ns);
	p = le32(le32(p, caplen), origlen);
	memset(p + caplen, 0, pad4(caplen) - caplen);
	return block_end(buf, opt_str(p + pad4(caplen), PCAPNG_OPT_COMMENT, comment));
}

/* ---- the capture list ---- */

static bool has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);

	return n > m && !strcmp(s + n - m, suf);
}

int pcap_out_create(struct world *w, const struct host *h, const struct cfg_node *n,
		    const char *key, bool ng, struct pcap_out **out, struct sim_error *err)
{
	const char *suffix = ng ? ".pcapng" : ".pcap", *name = NULL;
	struct pcap_out *p, **tail = &w->pcaps;

	if (cfg_get_name(n, key, &name, sizeof(p->file) - 1, err))
		return -1;
	if (!has_suffix(name, suffix))
		return cfg_error(cfg_get(n, key), err,
				 "'%s' must be a file name ending in '%s', got '%s'", key, suffix,
				 name);
	for (; *tail; tail = &(*tail)->next)
		if (!strcmp((*tail)->file, name))
			return cfg_error(cfg_get(n, key), err,
					 "capture file '%s' is already written by host '%s'", name,
					 (*tail)->host->name);
	p = calloc(1, sizeof(*p));
	if (!p)
		return sim_error_set(err, "out of memory");
	snprintf(p->file, sizeof(p->file), "%s", name);
	p->ng = ng;
	p->host = h;
	p->at = cfg_get(n, key);
	p->snaplen = PCAP_SNAPLEN_MAX;
	*tail = p;
	*out = p;
	return 0;
}

int pcap_out_check_names(const struct world *w, struct sim_error *err)
{
	for (const struct pcap_out *p = w->pcaps; p; p = p->next)
		for (uint32_t i = 0; i < w->nhosts; i++)
			if (!strcmp(p->file, w->hosts[i]->name))
				return cfg_error(p->at, err,
						 "capture file '%s' has the name of host '%s' (its "
						 "results directory)",
						 p->file, w->hosts[i]->name);
	return 0;
}

int pcap_out_parse_snaplen(struct pcap_out *p, const struct cfg_node *n, struct sim_error *err)
{
	uint64_t v;

	if (cfg_get_size(n, "snaplen", &v, PCAP_SNAPLEN_MAX, PCAP_SNAPLEN_MIN, PCAP_SNAPLEN_MAX,
			 err))
		return -1;
	p->snaplen = (uint32_t)v;
	return 0;
}

/* ---- files ---- */

static int pcap_out_fail(const char *path, struct sim_error *err)
{
	return sim_error_set(err, "cannot write '%s': %s", path, strerror(errno ? errno : EIO));
}

/* The pcapng file's first blocks: the section header and the host's interface. */
static int pcapng_begin(struct pcap_out *p)
{
	size_t n = pcapng_shb(p->blk, "skbsim " SKBSIM_VERSION);

	n += pcapng_idb(p->blk + n, DLT_EN10MB, p->snaplen, p->host->name);
	return fwrite(p->blk, 1, n, p->f) == n ? 0 : -1;
}

static int pcap_begin(struct pcap_out *p)
{
	p->dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, (int)p->snaplen,
						       PCAP_TSTAMP_PRECISION_NANO);
	if (!p->dead)
		return -1;
	p->dumper = pcap_dump_fopen(p->dead, p->f);
	return p->dumper ? 0 : -1;
}

static int pcap_out_open(struct pcap_out *p, const char *dir, struct sim_error *err)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, p->file);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
	p->f = fd < 0 ? NULL : fdopen(fd, "wb");
	if (!p->f) {
		if (fd >= 0)
			close(fd);
		return sim_error_set(err, "cannot create '%s': %s", path, strerror(errno));
	}
	p->blk_cap = p->ng ? pcapng_epb_len(p->snaplen, NULL) + 512 : p->snaplen + PCAP_FRAME_HDRS;
	p->iobuf = malloc(PCAP_OUT_BUF);
	p->blk = calloc(1, p->blk_cap);
	if (!p->iobuf || !p->blk)
		return sim_error_set(err, "out of memory");
	setvbuf(p->f, p->iobuf, _IOFBF, PCAP_OUT_BUF);
	errno = 0;
	if (p->ng ? pcapng_begin(p) : pcap_begin(p))
		return pcap_out_fail(path, err);
	return 0;
}

int pcap_out_open_all(struct world *w, const char *dir, struct sim_error *err)
{
	for (struct pcap_out *p = w->pcaps; p; p = p->next)
		if (pcap_out_open(p, dir, err))
			return -1;
	return 0;
}

/* Flush and close @p's file: 0, or -1 when a write failed (errno set). */
static int pcap_out_close(struct pcap_out *p)
{
	int rc = 0;

	if (p->dumper) {
		rc = pcap_dump_flush(p->dumper) || ferror(p->f) ? -1 : 0;
		pcap_dump_close(p->dumper); /* closes p->f */
	} else if (p->f) {
		rc = fflush(p->f) || ferror(p->f) ? -1 : 0;
		rc |= fclose(p->f);
	}
	if (p->dead)
		pcap_close(p->dead);
	free(p->iobuf);
	free(p->blk);
	p->dumper = p->dead = NULL;
	p->f = NULL;
	p->iobuf = NULL;
	p->blk = NULL;
	return rc;
}

int pcap_out_close_all(struct world *w, struct sim_error *err)
{
	int rc = 0;

	for (struct pcap_out *p = w->pcaps; p; p = p->next) {
		errno = 0;
		if (p->f && pcap_out_close(p) && !rc)
			rc = sim_error_set(err, "cannot write '%s': %s", p->file,
					   strerror(errno ? errno : EIO));
	}
	return rc;
}

void pcap_out_free_all(struct world *w)
{
	while (w->pcaps) {
		struct pcap_out *p = w->pcaps;

		w->pcaps = p->next;
		pcap_out_close(p);
		free(p);
	}
}

/* ---- packets ---- */

static uint64_t ts_ns(sim_time_t now)
{
	return (uint64_t)(now / 1000);
}

void pcap_out_tap(struct pcap_out *p, const struct sk_buff *skb, sim_time_t now)
{
	struct pcap_pkthdr ph;
	uint64_t ns = ts_ns(now);
	uint32_t len;

	if (!p->dumper)
		return;
	memset(p->blk, 0, PCAP_FRAME_HDRS);
	len = pcap_frame_build(skb, skb->len, p->blk);
	ph.ts.tv_sec = (time_t)(ns / 1000000000u);
	ph.ts.tv_usec = (suseconds_t)(ns % 1000000000u); /* ns: the dumper is nanosecond */
	ph.caplen = len < p->snaplen ? len : p->snaplen;
	ph.len = len;
	pcap_dump(p->dumper, &ph, p->blk);
	p->packets++;
}

/* A GRO head's own frame length: skb->len less what its merged segments added. */
static uint32_t skb_own_len(const struct sk_buff *skb)
{
	uint32_t len = skb->len;

	for (const struct sk_buff *s = skb->frag_next; s; s = s->frag_next)
		len -= s->len - UDP_FRAME_HDRS;
	return len;
}

/* One EPB for one packet: built in p->blk, written, its option bytes zeroed again. */
static void pcapng_write_one(struct pcap_out *p, const struct sk_buff *skb, uint32_t len,
			     uint64_t ns, const char *comment)
{
	uint8_t *data = p->blk + PCAPNG_EPB_DATA;
	uint32_t wire, caplen;
	size_t n;

	memset(data, 0, PCAP_FRAME_HDRS);
	wire = pcap_frame_build(skb, len, data);
	caplen = wire < p->snaplen ? wire : p->snaplen;
	n = pcapng_epb(p->blk, ns, caplen, wire, comment);
	fwrite(p->blk, 1, n, p->f);
	memset(data + caplen, 0, n - PCAPNG_EPB_DATA - caplen);
	p->packets++;
}

void pcap_out_drop(struct pcap_out *p, const struct sk_buff *skb, int ix, sim_time_t now)
{
	const struct drop_point *d = &drop_points[ix];
	char comment[160];

	if (!p->f)
		return;
	snprintf(comment, sizeof(comment), "drop: %s at %s (%s)", skb_drop_reason_name[d->reason],
		 stage_info[d->stage].id, d->function);
	pcapng_write_one(p, skb, skb_own_len(skb), ts_ns(now), comment);
	for (const struct sk_buff *s = skb->frag_next; s; s = s->frag_next)
		pcapng_write_one(p, s, s->len, ts_ns(now), comment);
}
