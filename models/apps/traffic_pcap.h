/*
 * models/apps/traffic_pcap.h - a traffic source that replays a capture (`pattern: pcap`).
 *
 * At load, libpcap reads the whole file (pcap or pcapng; link types
 * EN10MB with or without one 802.1Q tag, RAW and LINUX_SLL): every
 * unfragmented IPv4/UDP packet becomes a record of its time, frame size,
 * addresses, ports, TTL, TOS, IP id and DF; other packets (ARP, IPv6, TCP,
 * fragments, frames too short for their headers, frames larger than
 * 1518 bytes) are skipped and counted. The source then sends the records
 * in file order into its NIC like any other source: the first at `start`,
 * each next one after the capture's gap times `time_scale`, the whole
 * capture `loop` times, each copy starting one mean gap after the last
 * packet of the one before. Frame sizes are the captured wire lengths
 * plus the 4-byte FCS, raised to the 64-byte minimum (the padding a
 * sender's NIC adds); `dst:` rewrites every destination.
 *
 * Simplified: gaps that go backwards in the file count as 0; the bytes of
 * the payload are not replayed (the model has none); the memory is
 * 40 bytes per record, charged at load (world_charge).
 *
 * Errors, located at `file:`: libpcap's own message for a file it cannot
 * read ("'x.pcap': unknown file format"), and
 * "'x.pcap': truncated packet 17 (caplen 60 of 98)" for a file that ends
 * inside a packet record (60 of its 98 captured bytes present).
 */
#ifndef MODELS_TRAFFIC_PCAP_H
#define MODELS_TRAFFIC_PCAP_H

#include <stdint.h>

#include "sim/time.h"
#include "models/apps/traffic.h"

#define PCAP_REPLAY_MAX (1u << 24) /* records of one capture */

/* One replayed packet. */
struct pcap_rec {
	sim_time_t t;	       /* ps after the first replayed packet */
	uint32_t saddr, daddr; /* IPv4 addresses, host order */
	uint32_t hash;	       /* Toeplitz hash with the target NIC's key */
	uint16_t sport, dport; /* UDP ports */
	uint16_t len;	       /* bytes: frame size, FCS included */
	uint16_t ip_id;	       /* IPv4 identification */
	uint8_t ttl;	       /* IPv4 TTL */
	uint8_t tos;	       /* IPv4 TOS */
	uint8_t df;	       /* IP DF set */
};

struct pcap_replay {
	struct pcap_rec *recs; /* [n] in file order */
	uint32_t n;	       /* records */
	uint32_t cur;	       /* record of the frame about to be generated */
	double time_scale;     /* gaps are multiplied by this */
	uint64_t loops;	       /* copies of the capture sent */
	sim_time_t period;     /* ps (unscaled): one copy's first packet to the next's */
	uint64_t read;	       /* packets in the file */
	uint64_t skipped;      /* of which not IPv4/UDP (or unusable), not replayed */
};

/* The arrival pattern "pcap": its init reads the capture, next_gap walks it. */
extern const struct arrival_ops traffic_pcap_ops;

/* The frame size of the record about to be sent, FCS included. */
uint32_t traffic_pcap_len(const struct traffic_source *s);
/* Its addresses, ports and IP fields into @skb. */
void traffic_pcap_fill(const struct traffic_source *s, struct sk_buff *skb);
void traffic_pcap_free(struct pcap_replay *r);

#endif
