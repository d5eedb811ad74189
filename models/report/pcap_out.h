/*
 * models/report/pcap_out.h - capture files: what a tap sees as pcap, every drop as pcapng.
 *
 * A tap with `pcap: FILE.pcap` writes each clone its packet socket accepts
 * (packet_rcv, after the rcvbuf check: what tcpdump on that socket would
 * read) through libpcap's dumper, nanosecond pcap (magic 0xa1b23c4d),
 * link type EN10MB. A host with `drops_pcap: FILE.pcapng` writes every
 * packet kfree_skb_reason() drops, each GRO segment on its own, as a
 * pcapng Enhanced Packet Block whose opt_comment names the drop:
 * "drop: SOCKET_RCVBUFF at R22 (__udp_enqueue_schedule_skb)". libpcap
 * reads pcapng but cannot write it, so pcapng_*() below build the blocks
 * (draft-ietf-opsawg-pcapng: SHB, one IDB with if_name = the host and
 * if_tsresol = 9, EPBs with options).
 *
 * The frames are synthesised from the skb's header fields (skb.h holds no
 * bytes): Ethernet with locally administered MACs 02:00:<IPv4 address>
 * (02:ff:... for a frame to another MAC), IPv4 with TOS, total length,
 * id, DF/MF and fragment offset, TTL, protocol and a correct header
 * checksum (wrong when the skb says SKB_F_BAD_IPHDR); UDP with ports,
 * length and checksum (wrong with SKB_F_BAD_CSUM), ICMP errors with their
 * type, code, next-hop MTU and the offending header, ARP with its opcode.
 * The payload bytes are zeros. A non-first fragment carries no UDP header;
 * a first fragment's UDP length is its own payload's, since the skb does
 * not record the whole datagram's. Timestamps are the simulated time in
 * ns since the start of the run (1970-01-01 00:00:00 in a viewer).
 *
 * Files go into the results' temporary directory (tools/results.h), so
 * they appear with the rest of the result or not at all; each is written
 * through stdio with one PCAP_OUT_BUF buffer and one frame buffer
 * allocated when it opens: nothing per packet. Frames that never got an
 * skb (skb_drop_unallocated, the pool ran out) are not in the capture.
 *
 * Reference: libpcap pcap_dump(3PCAP), pcap-savefile(5), the pcapng
 * specification (IETF draft-ietf-opsawg-pcapng-03 §4.1-4.3).
 */
#ifndef MODELS_PCAP_OUT_H
#define MODELS_PCAP_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/cfg.h"
#include "sim/error.h"
#include "models/core/skb.h"

#define PCAP_OUT_BUF	 (256u << 10) /* bytes of stdio buffer per file */
#define PCAP_SNAPLEN_MAX 262144u      /* bytes: tcpdump's default snapshot length */
#define PCAP_SNAPLEN_MIN 64u	      /* bytes: Ethernet + IPv4 + UDP headers and some */
#define PCAP_FRAME_HDRS	 128u	      /* bytes: the longest synthesised header (ICMP error) */

/* pcapng block and option codes used here (pcapng §4, §3.5). */
#define PCAPNG_SHB		0x0A0D0D0Au
#define PCAPNG_IDB		0x00000001u
#define PCAPNG_EPB		0x00000006u
#define PCAPNG_BOM		0x1A2B3C4Du
#define PCAPNG_OPT_END		0
#define PCAPNG_OPT_COMMENT	1
#define PCAPNG_OPT_IF_NAME	2
#define PCAPNG_OPT_IF_TSRESOL	9
#define PCAPNG_OPT_SHB_USERAPPL 4

struct host;
struct world;

struct pcap_out {
	char file[64];		   /* file name in the results directory */
	bool ng;		   /* pcapng drop capture; false: pcap tap capture */
	const struct host *host;   /* the host whose tap or drops it captures */
	const struct cfg_node *at; /* where the file is named (valid while loading) */
	uint32_t snaplen;	   /* bytes: at most this much of each frame is stored */
	FILE *f;		   /* the open file, NULL before pcap_out_open_all() */
	char *iobuf;		   /* [PCAP_OUT_BUF] stdio buffer */
	uint8_t *blk;		   /* frame (pcap) or whole EPB (pcapng) being built */
	size_t blk_cap;		   /* bytes in blk */
	void *dead;		   /* pcap: pcap_t of pcap_open_dead (libpcap) */
	void *dumper;		   /* pcap: pcap_dumper_t */
	uint64_t packets;	   /* frames written */
	struct pcap_out *next;	   /* the world's list of captures */
};

/*
 * Read the file name at @key of mapping @n (an identifier ending in
 * @suffix, unique among the world's captures) and add a capture of host
 * @h to the world's list. 0 with *@out set, or -1 with @err located.
 */
int pcap_out_create(struct world *w, const struct host *h, const struct cfg_node *n,
		    const char *key, bool ng, struct pcap_out **out, struct sim_error *err);
/* No capture file may have a host's name (its results directory): 0, or -1 located. */
int pcap_out_check_names(const struct world *w, struct sim_error *err);
/* The snapshot length of a tap's capture (`snaplen:`), after pcap_out_create(). */
int pcap_out_parse_snaplen(struct pcap_out *p, const struct cfg_node *n, struct sim_error *err);
/* Create every capture file of @w in directory @dir. 0, or -1 with @err set. */
int pcap_out_open_all(struct world *w, const char *dir, struct sim_error *err);
/* Flush and close them; 0, or -1 with @err set when a write failed. */
int pcap_out_close_all(struct world *w, struct sim_error *err);
/* Close whatever is open and free the list (world_free). */
void pcap_out_free_all(struct world *w);

/* A tap's packet socket accepted @skb at @now (ps). */
void pcap_out_tap(struct pcap_out *p, const struct sk_buff *skb, sim_time_t now);
/* @skb (and each GRO segment) is dropped at drop_points[@ix] at @now (ps). */
void pcap_out_drop(struct pcap_out *p, const struct sk_buff *skb, int ix, sim_time_t now);

/*
 * The synthesised frame of @skb, @len bytes long (skb->len, or a GRO
 * head's own share), into @buf (at least PCAP_FRAME_HDRS bytes, zero
 * beyond the headers): returns the frame's length, @len raised to what
 * its headers need.
 */
uint32_t pcap_frame_build(const struct sk_buff *skb, uint32_t len, uint8_t *buf);
/* The Internet checksum (RFC 1071) of @len bytes at @p, starting from @sum. */
uint16_t inet_csum(const uint8_t *p, size_t len, uint32_t sum);

/*
 * pcapng blocks, built into @buf (room for the block is the caller's
 * business: pcapng_*_len() give the sizes). Each returns the block's total
 * length, a multiple of 4, written at both ends of the block.
 */
size_t pcapng_shb_len(const char *userappl);
size_t pcapng_shb(uint8_t *buf, const char *userappl);
size_t pcapng_idb_len(const char *if_name);
size_t pcapng_idb(uint8_t *buf, uint16_t linktype, uint32_t snaplen, const char *if_name);
size_t pcapng_epb_len(uint32_t caplen, const char *comment);
/*
 * An EPB on interface 0 at @ts_ns whose @caplen bytes of data are already
 * at buf + PCAPNG_EPB_DATA (the frame is built in place, not copied).
 */
size_t pcapng_epb(uint8_t *buf, uint64_t ts_ns, uint32_t caplen, uint32_t origlen,
		  const char *comment);
#define PCAPNG_EPB_DATA 28u /* bytes before an EPB's packet data */

#endif
