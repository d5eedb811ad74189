/*
 * models/apps/traffic.h - traffic sources at the wire.
 *
 * A source feeds one NIC of one host with UDP/IPv4 frames. It has a rate (in
 * packets or bits per second; bits count the whole Ethernet frame including
 * FCS, not preamble and gap), an arrival pattern, a frame-size distribution,
 * a set of flows (distinct 5-tuples) chosen with uniform or Zipf popularity,
 * start and stop times, and fractions of frames for another MAC address, with
 * a bad UDP checksum, or with a bad IPv4 header checksum.
 *
 * A frame is generated at its source's time, then serialised on the wire
 * of the NIC at link speed: it occupies (size + 20) * 8 / speed (preamble
 * and inter-frame gap included) and arrives when its last bit does (see
 * ndo_wire_send). Sources sharing a NIC share its wire in generation order
 * (two events per frame; a NIC's only source needs one);
 * a source faster than the link queues behind it without limit (the
 * sender's own queue is outside this model), so keep offered rates at or
 * below line rate, or use pattern 'burst' for line-rate bursts.
 *
 * Arrival patterns plug in through struct arrival_ops, found by name in
 * models/apps/traffic.c's registry: constant, poisson, onoff, burst, and pcap
 * (a replayed capture, models/apps/traffic_pcap.h).
 */
#ifndef MODELS_TRAFFIC_H
#define MODELS_TRAFFIC_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/cfg.h"
#include "sim/event.h"
#include "sim/rng.h"
#include "models/world.h"

struct traffic_source;
struct pcap_replay;

struct arrival_ops {
	const char *name; /* `pattern:` value */
	/* Read the pattern's own keys from the source mapping @n. REQUIRED. */
	int (*init)(struct traffic_source *s, const struct cfg_node *n, struct sim_error *err);
	/* Time from one frame's generation to the next one's. REQUIRED. */
	sim_time_t (*next_gap)(struct traffic_source *s);
};

/* One flow's fixed header fields and RSS hash. */
struct traffic_flow {
	uint32_t saddr; /* source address */
	uint16_t sport; /* source port */
	uint16_t dport; /* destination port */
	uint32_t hash;	/* Toeplitz hash with the target NIC's key */
};

#define TRAFFIC_MAX_PPS	  1e10	  /* packets per second of one source */
#define TRAFFIC_MAX_BURST 1000000 /* frames in one burst */
#define TRAFFIC_MAX_FLOWS 1000000 /* flows of one source */

struct traffic_source {
	char name[32];		       /* from the scenario */
	uint32_t index;		       /* in world->srcs */
	struct world *w;	       /* owner */
	struct host *host;	       /* target host */
	struct net_device *dev;	       /* target NIC */
	const struct arrival_ops *ops; /* arrival pattern */
	struct sim_event ev;	       /* next frame's generation */
	struct sim_rng rng;	       /* stream "traffic/<name>" */
	double pps;		       /* mean packets per second */
	struct sim_dist size;	       /* frame size in bytes, FCS included */
	uint32_t daddr;		       /* destination address */
	uint32_t nflows;	       /* flows */
	struct traffic_flow *flows;    /* [nflows] */
	double *zipf_cdf;	       /* [nflows] cumulative popularity, NULL = uniform */
	sim_time_t start, stop;	       /* ps */
	uint64_t count;		       /* frames to send, 0 = no limit */
	double other_mac;	       /* fraction for another MAC */
	double bad_csum;	       /* fraction with a bad UDP checksum */
	double bad_iphdr;	       /* fraction with a bad IPv4 header checksum */
	uint8_t ttl;		       /* IPv4 TTL of the frames */
	bool df;		       /* frames carry IP DF (don't fragment) */
	uint16_t ip_id;		       /* next IPv4 identification */
	/* arrival pattern state */
	sim_time_t mean_gap;	      /* ps between generations at the mean rate */
	sim_time_t on_mean, off_mean; /* onoff: mean period lengths, ps */
	struct sim_dist on, off;      /* onoff: period distributions */
	bool on_exp;		      /* onoff: (unused) */
	sim_time_t period_end;	      /* onoff: end of the current on period */
	uint32_t burst_len;	      /* burst: frames per burst */
	uint32_t burst_left;	      /* burst: frames left in this burst */
	sim_time_t burst_interval;    /* burst: start-to-start, ps */
	sim_time_t burst_start;	      /* burst: start of the current burst */
	sim_time_t t_gen;	      /* ps: next frame's generation time */
	uint32_t next_len;	      /* direct wire: size of the frame on its way */
	struct pcap_replay *replay;   /* pattern pcap: the capture's records, else NULL */
	/* statistics */
	uint64_t sent;	/* frames that reached the NIC */
	uint64_t bytes; /* their bytes */
};

int traffic_create(struct world *w, const struct cfg_node *n, uint32_t index,
		   struct traffic_source **out, struct sim_error *err);
void traffic_free(struct traffic_source *s);
/* Schedule the first frame. */
void traffic_start(struct traffic_source *s);

#endif
