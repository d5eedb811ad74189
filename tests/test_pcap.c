/*
 * tests/test_pcap.c - the pcapng writer against its specification, the
 * synthesised frames against RFC 791/768, and both read back by libpcap.
 *
 * pcapng (draft-ietf-opsawg-pcapng §3.1, §3.5, §4): a block is type,
 * total length, body, total length again, the length a multiple of 4;
 * options are code, length, value padded to 32 bits, ended by
 * opt_endofopt; the SHB carries the byte-order magic 0x1A2B3C4D and
 * version 1.0; an EPB's data is padded to 32 bits.
 */
#define _DEFAULT_SOURCE
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "models/report/pcap_out.h"
#include "models/core/skb.h"

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Walk the options from @p to @end: each padded, zero padding, the last opt_endofopt. */
static int check_options(const uint8_t *p, const uint8_t *end, uint16_t want_code,
			 const char *want_val)
{
	int found = 0;

	while (p < end) {
		uint16_t code = rd16(p), len = rd16(p + 2);
		size_t padded = (len + 3u) & ~3u;

		if (code == PCAPNG_OPT_END) {
			ck_assert_uint_eq(len, 0);
			ck_assert_ptr_eq(p + 4, end);
			return found;
		}
		ck_assert(p + 4 + padded <= end);
		for (size_t i = len; i < padded; i++)
			ck_assert_uint_eq(p[4 + i], 0);
		if (code == want_code && want_val && len == strlen(want_val) &&
		    !memcmp(p + 4, want_val, len))
			found = 1;
		p += 4 + padded;
	}
	ck_abort_msg("options run past the block without opt_endofopt");
	return 0;
}

/* The block framing: the same total length at both ends, a multiple of 4, as returned. */
static void check_block(const uint8_t *b, size_t n, uint32_t type)
{
	ck_assert_uint_eq(rd32(b), type);
	ck_assert_uint_eq(rd32(b + 4), n);
	ck_assert_uint_eq(rd32(b + n - 4), n);
	ck_assert_uint_eq(n % 4, 0);
}

/* Comments of every length modulo 4 (and none): lengths and padding follow. */
static const char *const comments[] = { NULL, "d", "dr", "dro", "drop", "drop: X at R2 (y)" };

START_TEST(test_shb)
{
	uint8_t b[256];
	const char *appl = comments[_i];
	size_t n;

	memset(b, 0xee, sizeof(b));
	n = pcapng_shb(b, appl);
	ck_assert_uint_eq(n, pcapng_shb_len(appl));
	check_block(b, n, PCAPNG_SHB);
	ck_assert_uint_eq(rd32(b + 8), PCAPNG_BOM);
	ck_assert_uint_eq(rd16(b + 12), 1);
	ck_assert_uint_eq(rd16(b + 14), 0);
	ck_assert_uint_eq(rd32(b + 16), 0xffffffffu); /* section length -1: not given */
	ck_assert_uint_eq(rd32(b + 20), 0xffffffffu);
	ck_assert_int_eq(check_options(b + 24, b + n - 4, PCAPNG_OPT_SHB_USERAPPL, appl), !!appl);
	ck_assert_uint_eq(n, 28 + 4 + (appl ? 4 + ((strlen(appl) + 3) & ~3u) : 0));
}
END_TEST

START_TEST(test_idb)
{
	uint8_t b[256];
	const char *name = comments[_i];
	size_t n = pcapng_idb(b, 1, 65535, name);
	const uint8_t *o = b + 16;

	ck_assert_uint_eq(n, pcapng_idb_len(name));
	check_block(b, n, PCAPNG_IDB);
	ck_assert_uint_eq(rd16(b + 8), 1); /* LINKTYPE_ETHERNET */
	ck_assert_uint_eq(rd16(b + 10), 0);
	ck_assert_uint_eq(rd32(b + 12), 65535);
	ck_assert_int_eq(check_options(o, b + n - 4, PCAPNG_OPT_IF_NAME, name), !!name);
	if (name)
		o += 4 + ((strlen(name) + 3) & ~3u);
	/* if_tsresol: one byte, 9 (10^-9 s), padded to 4 */
	ck_assert_uint_eq(rd16(o), PCAPNG_OPT_IF_TSRESOL);
	ck_assert_uint_eq(rd16(o + 2), 1);
	ck_assert_uint_eq(o[4], 9);
	ck_assert_uint_eq(o[5] | o[6] | o[7], 0);
}
END_TEST

/* EPBs with data lengths 60..63 and each comment: padding of both, timestamp halves. */
START_TEST(test_epb)
{
	uint8_t b[512];
	uint32_t caplen = 60 + (uint32_t)(_i % 4);
	const char *c = comments[_i / 4];
	uint64_t ts = 0x123456789abcull;
	size_t n;

	memset(b, 0xee, sizeof(b));
	memset(b + PCAPNG_EPB_DATA, 0x11, caplen);
	n = pcapng_epb(b, ts, caplen, caplen + 40, c);
	ck_assert_uint_eq(n, pcapng_epb_len(caplen, c));
	check_block(b, n, PCAPNG_EPB);
	ck_assert_uint_eq(rd32(b + 8), 0); /* interface 0 */
	ck_assert_uint_eq(rd32(b + 12), (uint32_t)(ts >> 32));
	ck_assert_uint_eq(rd32(b + 16), (uint32_t)ts);
	ck_assert_uint_eq(rd32(b + 20), caplen);
	ck_assert_uint_eq(rd32(b + 24), caplen + 40);
	for (uint32_t i = 0; i < caplen; i++)
		ck_assert_uint_eq(b[PCAPNG_EPB_DATA + i], 0x11); /* built in place, untouched */
	for (uint32_t i = caplen; i < ((caplen + 3) & ~3u); i++)
		ck_assert_uint_eq(b[PCAPNG_EPB_DATA + i], 0);
	ck_assert_int_eq(check_options(b + PCAPNG_EPB_DATA + ((caplen + 3) & ~3u), b + n - 4,
				       PCAPNG_OPT_COMMENT, c),
			 !!c);
}
END_TEST

static struct sk_buff udp_skb(void)
{
	struct sk_buff s = { 0 };

	s.len = 1014;
	s.saddr = 0x0a010002;
	s.daddr = 0x0a000001;
	s.sport = 1024;
	s.dport = 5000;
	s.protocol = IPPROTO_UDP_;
	s.ttl = 64;
	s.ip_id = 77;
	s.flags = SKB_F_DF;
	return s;
}

START_TEST(test_udp_frame)
{
	uint8_t f[PCAP_FRAME_HDRS] = { 0 };
	struct sk_buff s = udp_skb();
	uint32_t pseudo;

	ck_assert_uint_eq(pcap_frame_build(&s, s.len, f), 1014);
	ck_assert_uint_eq(be16(f + 12), 0x0800);
	ck_assert_uint_eq(f[14], 0x45);
	ck_assert_uint_eq(be16(f + 16), 1000); /* total length */
	ck_assert_uint_eq(be16(f + 18), 77);
	ck_assert_uint_eq(be16(f + 20), 0x4000); /* DF, offset 0 */
	ck_assert_uint_eq(f[22], 64);
	ck_assert_uint_eq(f[23], 17);
	ck_assert_uint_eq(inet_csum(f + 14, 20, 0), 0); /* a correct header checksum */
	ck_assert_uint_eq(be16(f + 34), 1024);
	ck_assert_uint_eq(be16(f + 36), 5000);
	ck_assert_uint_eq(be16(f + 38), 980);
	pseudo = 0x0a01 + 0x0002 + 0x0a00 + 0x0001 + 17 + 980;
	ck_assert_uint_eq(inet_csum(f + 34, 8, pseudo), 0); /* a correct UDP checksum */
	s.flags |= SKB_F_BAD_IPHDR | SKB_F_BAD_CSUM;
	pcap_frame_build(&s, s.len, f);
	ck_assert_uint_ne(inet_csum(f + 14, 20, 0), 0);
	ck_assert_uint_ne(inet_csum(f + 34, 8, pseudo), 0);
	ck_assert_uint_ne(be16(f + 40), 0); /* still "a checksum", not "none" */
}
END_TEST

/* A later fragment: MF and the offset in 8-byte units, no UDP header. */
START_TEST(test_fragment_frame)
{
	uint8_t f[PCAP_FRAME_HDRS] = { 0 };
	struct sk_buff s = udp_skb();

	s.flags = SKB_F_FRAG | SKB_F_MF;
	s.frag_off = 1480;
	pcap_frame_build(&s, s.len, f);
	ck_assert_uint_eq(be16(f + 20), 0x2000 | 185);
	ck_assert_uint_eq(be16(f + 34), 0); /* payload, not ports */
}
END_TEST

/* Write a pcapng file with the writer's blocks; libpcap must read every packet back. */
START_TEST(test_libpcap_reads_pcapng)
{
	char path[] = "/tmp/skbsim-pcapng-XXXXXX", errbuf[PCAP_ERRBUF_SIZE];
	uint8_t *b = calloc(1, 4096);
	struct pcap_pkthdr *h;
	const u_char *d;
	int fd = mkstemp(path), k = 0;
	FILE *f = fdopen(fd, "wb");
	pcap_t *p;
	size_t n;

	ck_assert_ptr_nonnull(f);
	n = pcapng_shb(b, "test");
	n += pcapng_idb(b + n, 1, 262144, "rx");
	fwrite(b, 1, n, f);
	for (uint32_t i = 0; i < 5; i++) {
		struct sk_buff s = udp_skb();
		uint32_t len;

		memset(b, 0, 4096);
		s.len = 60 + i;
		len = pcap_frame_build(&s, s.len, b + PCAPNG_EPB_DATA);
		n = pcapng_epb(b, 1000000000ull * i + i, len, len, comments[i % 6]);
		fwrite(b, 1, n, f);
	}
	fclose(f);
	p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	ck_assert_msg(p != NULL, "%s", errbuf);
	ck_assert_int_eq(pcap_datalink(p), DLT_EN10MB);
	while (pcap_next_ex(p, &h, &d) == 1) {
		ck_assert_uint_eq(h->caplen, 60u + (unsigned)k);
		ck_assert_uint_eq(h->len, 60u + (unsigned)k);
		ck_assert_int_eq(h->ts.tv_sec, k);
		ck_assert_int_eq(h->ts.tv_usec, k); /* nanoseconds: if_tsresol 9 */
		ck_assert_uint_eq(be16(d + 36), 5000);
		k++;
	}
	ck_assert_int_eq(k, 5);
	pcap_close(p);
	unlink(path);
	free(b);
}
END_TEST

Suite *pcap_suite(void);
Suite *pcap_suite(void)
{
	Suite *s = suite_create("pcap");
	TCase *tc = tcase_create("pcapng");

	tcase_add_loop_test(tc, test_shb, 0, 6);
	tcase_add_loop_test(tc, test_idb, 0, 6);
	tcase_add_loop_test(tc, test_epb, 0, 24);
	tcase_add_test(tc, test_libpcap_reads_pcapng);
	suite_add_tcase(s, tc);
	tc = tcase_create("frames");
	tcase_add_test(tc, test_udp_frame);
	tcase_add_test(tc, test_fragment_frame);
	suite_add_tcase(s, tc);
	return s;
}
