/*
 * models/apps/traffic.c - traffic sources: arrival patterns, flows, frame sizes.
 *
 * See models/apps/traffic.h. Arrival patterns are const ops tables in the
 * registry below; a new pattern is one table plus one registry line.
 */
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "models/core/observe.h"
#include "models/lib/dist_cfg.h"
#include "models/lib/inet_addr.h"
#include "models/core/netdevice.h"
#include "models/world.h"
#include "models/apps/traffic.h"
#include "models/apps/traffic_pcap.h"
#include "sim/error.h"
#include "sim/units.h"

enum { TRAFFIC_EV_PRIO = 0 };

#define ETH_MIN_FRAME 64
#define ETH_MAX_FRAME 1518
#define FCS_LEN	      4

/* ---- arrival patterns ---- */

/* constant and poisson: frames at `rate`, evenly or with exponential gaps. */
static int rate_init(struct traffic_source *s, const struct cfg_node *n, struct sim_error *err)
{
	if (!s->pps)
		return cfg_error(n, err, "traffic source '%s' needs 'rate'", s->name);
	return 0;
}

static sim_time_t constant_gap(struct traffic_source *s)
{
	return s->mean_gap;
}

static sim_time_t poisson_gap(struct traffic_source *s)
{
	return (sim_time_t)(-log(sim_rng_double_open0(&s->rng)) * (double)s->mean_gap + 0.5);
}

/* onoff: frames at `rate` during on periods, none during off periods. */
static int onoff_init(struct traffic_source *s, const struct cfg_node *n, struct sim_error *err)
{
	if (rate_init(s, n, err) || cfg_require(n, "on", "pattern 'onoff'", err) ||
	    cfg_require(n, "off", "pattern 'onoff'", err) ||
	    cfg_get_dist_time(n, "on", &s->on, 0, err) ||
	    cfg_get_dist_time(n, "off", &s->off, 0, err))
		return -1;
	s->period_end = s->start + (sim_time_t)sim_dist_sample(&s->on, &s->rng);
	return 0;
}

static sim_time_t onoff_gap(struct traffic_source *s)
{
	sim_time_t next = s->t_gen + s->mean_gap, gap = s->mean_gap;

	while (next >= s->period_end) {
		sim_time_t off = (sim_time_t)sim_dist_sample(&s->off, &s->rng);
		sim_time_t on = (sim_time_t)sim_dist_sample(&s->on, &s->rng);

		gap = s->period_end + off - s->t_gen;
		next = s->t_gen + gap;
		s->period_end = next + (on > 0 ? on : 1);
	}
	return gap;
}

/* burst: `burst` frames back to back (at line rate), bursts `interval` apart. */
static int burst_init(struct traffic_source *s, const struct cfg_node *n, struct sim_error *err)
{
	double gap;
	uint64_t len;

	if (cfg_require(n, "burst", "pattern 'burst'", err) ||
	    cfg_get_u64(n, "burst", &len, 1, 1, TRAFFIC_MAX_BURST, err))
		return -1;
	gap = (double)len * (double)s->mean_gap; /* without overflow; capped by the range */
	if (cfg_get_time(n, "interval", &s->burst_interval,
			 gap < 1000.0 * SIM_SEC ? (sim_time_t)gap : 1000 * SIM_SEC, SIM_NS,
			 1000 * SIM_SEC, err))
		return -1;
	if (!s->pps && !cfg_has(n, "interval"))
		return cfg_error(n, err, "pattern 'burst' needs 'rate' or 'interval'");
	s->burst_len = (uint32_t)len;
	s->burst_left = s->burst_len;
	s->burst_start = s->start;
	s->pps = (double)len * 1e12 / (double)s->burst_interval;
	if (s->pps > TRAFFIC_MAX_PPS)
		return cfg_error(cfg_get(n, "interval"), err,
				 "'burst' of %llu frames every '%s' is more than 10Gpps",
				 (unsigned long long)len, cfg_get(n, "interval")->str);
	return 0;
}

static sim_time_t burst_gap(struct traffic_source *s)
{
	if (--s->burst_left > 0)
		return 0;
	s->burst_left = s->burst_len;
	s->burst_start += s->burst_interval;
	return s->burst_start - s->t_gen;
}

static const struct arrival_ops constant_ops = { "constant", rate_init, constant_gap };
static const struct arrival_ops poisson_ops = { "poisson", rate_init, poisson_gap };
static const struct arrival_ops onoff_ops = { "onoff", onoff_init, onoff_gap };
static const struct arrival_ops burst_ops = { "burst", burst_init, burst_gap };

/* The registry: a new pattern is its ops table plus one line here. */
static const struct arrival_ops *const arrival_patterns[] = {
	&constant_ops, &poisson_ops, &onoff_ops, &burst_ops, &traffic_pcap_ops,
};

#define NPATTERNS (sizeof(arrival_patterns) / sizeof(arrival_patterns[0]))

/* ---- frames ---- */

static uint32_t traffic_pick_flow(struct traffic_source *s)
{
	double u;
	uint32_t lo = 0, hi;

	if (!s->zipf_cdf)
		return (uint32_t)sim_rng_below(&s->rng, s->nflows);
	u = sim_rng_double(&s->rng);
	hi = s->nflows - 1;
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;

		if (s->zipf_cdf[mid] > u)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static uint32_t traffic_pick_len(struct traffic_source *s)
{
	double v;

	if (s->replay)
		return traffic_pcap_len(s);
	v = sim_dist_sample(&s->size, &s->rng);
	if (v < ETH_MIN_FRAME)
		v = ETH_MIN_FRAME;
	if (v > ETH_MAX_FRAME)
		v = ETH_MAX_FRAME;
	return (uint32_t)(v + 0.5);
}

/*
 * The time of the next frame's event in *@t; false when the source is done.
 * A source that has its NIC's wire to itself reserves the wire at once and
 * its event is the frame's arrival (one event per frame); sources that share
 * a wire fire at generation and queue on the wire in generation order
 * (ndo_wire_send).
 */
static bool traffic_next(struct traffic_source *s, bool first, sim_time_t *t)
{
	struct net_device *dev = s->dev;

	if (!first)
		s->t_gen += s->ops->next_gap(s);
	if ((s->stop && s->t_gen >= s->stop) || (s->count && s->sent >= s->count))
		return false;
	*t = s->t_gen;
	if (dev->nsources == 1) {
		s->next_len = traffic_pick_len(s);
		*t = *t > dev->wire_free ? *t : dev->wire_free;
		*t += dev->netdev_ops->ndo_wire_time(dev, s->next_len - FCS_LEN);
		dev->wire_free = *t;
	}
	return true;
}

static void traffic_fill_flow(struct traffic_source *s, struct sk_buff *skb)
{
	const struct traffic_flow *f = &s->flows[traffic_pick_flow(s)];

	skb->saddr = f->saddr;
	skb->daddr = s->daddr;
	skb->sport = f->sport;
	skb->dport = f->dport;
	skb->hash = f->hash;
	skb->ttl = s->ttl;
	skb->ip_id = s->ip_id++;
	if (s->df)
		skb->flags |= SKB_F_DF;
	skb->flow = (uint16_t)(f - s->flows);
}

static void traffic_fill(struct traffic_source *s, struct sk_buff *skb, uint32_t len)
{
	if (s->replay)
		traffic_pcap_fill(s, skb);
	else
		traffic_fill_flow(s, skb);
	skb->len = len - FCS_LEN;
	skb->protocol = IPPROTO_UDP_;
	skb->eth_proto = 0x0800;
	skb->src = s->index;
	if (s->other_mac > 0 && sim_rng_bernoulli(&s->rng, s->other_mac))
		skb->flags |= SKB_F_OTHER_MAC;
	if (s->bad_csum > 0 && sim_rng_bernoulli(&s->rng, s->bad_csum))
		skb->flags |= SKB_F_BAD_CSUM;
	if (s->bad_iphdr > 0 && sim_rng_bernoulli(&s->rng, s->bad_iphdr))
		skb->flags |= SKB_F_BAD_IPHDR;
}

/* One frame from @s, now: to the NIC's receive side, or to its wire when it has several. */
static void traffic_emit(struct traffic_source *s)
{
	struct world *w = s->w;
	bool direct = s->dev->nsources == 1;
	uint32_t len = direct ? s->next_len : traffic_pick_len(s);
	struct sk_buff *skb = skb_alloc(w);

	w->offered++;
	s->sent++;
	s->bytes += len;
	if (!skb) {
		skb_drop_unallocated(s->host, SKB_DROP_REASON_SKB_POOL, STAGE_R2);
		return;
	}
	traffic_fill(s, skb, len);
	skb_observe(s->host, skb, SKB_EV_BORN, 0);
	if (direct) {
		skb->t_wire = skb->t_born = w->q.now;
		s->dev->netdev_ops->ndo_wire_receive(s->dev, skb);
	} else {
		s->dev->netdev_ops->ndo_wire_send(s->dev, skb);
	}
}

/*
 * The source's event: emit a frame, then the next ones in place while each
 * would be the next event to fire anyway (sim_eventq_first_at, skip_to), so
 * the order of every event and the counts are those of one event per frame.
 */
static void traffic_fire(struct sim_event *ev)
{
	struct traffic_source *s = container_of(ev, struct traffic_source, ev);
	struct sim_eventq *q = &s->w->q;
	sim_time_t t;

	for (;;) {
		traffic_emit(s);
		if (!traffic_next(s, false, &t))
			return;
		if (sim_eventq_first_at(q, t, TRAFFIC_EV_PRIO))
			break;
		sim_eventq_skip_to(q, t);
	}
	sim_event_schedule(q, &s->ev, t);
}

void traffic_start(struct traffic_source *s)
{
	sim_time_t t;

	s->t_gen = s->start;
	if (traffic_next(s, true, &t))
		sim_event_schedule(&s->w->q, &s->ev, t);
}

/* ---- construction ---- */

static int traffic_parse_target(struct world *w, struct traffic_source *s, const struct cfg_node *n,
				struct sim_error *err)
{
	const char *to = NULL, *slash;

	if (cfg_require(n, "to", "traffic source", err) || cfg_get_str(n, "to", &to, NULL, err))
		return -1;
	slash = strchr(to, '/');
	for (uint32_t i = 0; slash && i < w->nhosts; i++) {
		struct host *h = w->hosts[i];

		if (strlen(h->name) != (size_t)(slash - to) ||
		    strncmp(h->name, to, (size_t)(slash - to)))
			continue;
		s->host = h;
		for (uint32_t d = 0; d < h->ndevs; d++)
			if (!strcmp(h->devs[d]->name, slash + 1))
				s->dev = h->devs[d];
	}
	if (s->dev && !s->dev->netdev_ops->ndo_wire_receive) /* no hardware side: lo, veth */
		return cfg_error(cfg_get(n, "to"), err,
				 "a traffic source feeds a NIC, not '%s'; send from an app instead",
				 to);
	if (s->host && !s->dev)
		return cfg_error(cfg_get(n, "to"), err, "no nic '%s' on host '%s'", slash + 1,
				 s->host->name);
	if (!s->dev)
		return cfg_error(
			cfg_get(n, "to"), err,
			"'to' must name a host's NIC as HOST/NIC, like 'rx/eth0', got '%s'", to);
	s->dev->nsources++;
	return 0;
}

/* rate: "1.5Mpps" or "5Gbit" (bits of whole frames, FCS included). */
static int traffic_parse_rate(struct traffic_source *s, const struct cfg_node *n,
			      struct sim_error *err)
{
	const struct cfg_node *r = cfg_get(n, "rate");
	double v;

	if (!r)
		return 0;
	if (r->type == CFG_SCALAR && !sim_parse_pktrate(r->str, &v)) {
		s->pps = v;
	} else if (r->type == CFG_SCALAR && !sim_parse_bitrate(r->str, &v)) {
		s->pps = v / (sim_dist_mean(&s->size) * 8.0);
	} else {
		return cfg_error(r, err,
				 "'rate' must be a packet rate like '1.5Mpps' or a bit rate like "
				 "'10Gbit', got '%s'",
				 r->type == CFG_SCALAR ? r->str : "...");
	}
	if (s->pps < 1 || s->pps > TRAFFIC_MAX_PPS)
		return cfg_error(r, err, "'rate' must be between 1pps and 10Gpps, got '%s'",
				 r->str);
	return 0;
}

static int traffic_parse_flows(struct traffic_source *s, const struct cfg_node *n,
			       struct sim_error *err)
{
	static const char *const pops[] = { "uniform", "zipf", NULL };
	const char *src = NULL, *dst = NULL;
	uint32_t sbase, plen, nsrc;
	uint64_t flows, ports;
	uint16_t dport;
	double zs;
	int pop;

	if (cfg_require(n, "dst", "traffic source", err) ||
	    cfg_get_str(n, "dst", &dst, NULL, err) ||
	    cfg_get_str(n, "src", &src, "10.1.0.0/16", err) ||
	    cfg_get_u64(n, "flows", &flows, 1, 1, TRAFFIC_MAX_FLOWS, err) ||
	    cfg_get_u64(n, "dst_ports", &ports, 1, 1, 65535, err) ||
	    cfg_get_enum(n, "popularity", pops, &pop, 0, err) ||
	    cfg_get_double(n, "zipf_s", &zs, 1.0, 0.01, 10, err))
		return -1;
	if (inet_parse_addr_port(dst, &s->daddr, &dport))
		return cfg_error(cfg_get(n, "dst"), err,
				 "'dst' must be ADDRESS:PORT like '10.0.0.1:5000', got '%s'", dst);
	if (inet_parse_prefix(src, &sbase, &plen))
		return cfg_error(cfg_get(n, "src"), err,
				 "'src' must be an address or prefix like '10.1.0.0/16', got '%s'",
				 src);
	nsrc = plen >= 32 ? 1 : plen <= 16 ? 65536 : 1u << (32 - plen);
	if (world_charge(s->w, cfg_get(n, "flows"),
			 flows * (sizeof(*s->flows) + (pop == 1 ? sizeof(double) : 0) +
				  4 * sizeof(struct inet_peer)),
			 err)) /* with its share of the ICMP peer table (2 slots, rounded up) */
		return -1;
	s->nflows = (uint32_t)flows;
	s->flows = calloc(flows, sizeof(*s->flows));
	if (!s->flows)
		return sim_error_set(err, "out of memory");
	for (uint32_t i = 0; i < s->nflows; i++) {
		struct traffic_flow *f = &s->flows[i];

		f->saddr = sbase + (nsrc > 1 ? 1 + i % (nsrc - 1) : 0);
		f->sport = (uint16_t)(1024 + (i / (nsrc > 1 ? nsrc - 1 : 1)) % 64000);
		f->dport = (uint16_t)(dport + i % ports);
		f->hash = s->dev->netdev_ops->ndo_rx_hash(s->dev, f->saddr, s->daddr, f->sport,
							  f->dport);
	}
	if (pop == 1) {
		double sum = 0;

		s->zipf_cdf = calloc(flows, sizeof(double));
		if (!s->zipf_cdf)
			return sim_error_set(err, "out of memory");
		for (uint32_t i = 0; i < s->nflows; i++)
			s->zipf_cdf[i] = sum += 1.0 / pow((double)(i + 1), zs);
		for (uint32_t i = 0; i < s->nflows; i++)
			s->zipf_cdf[i] /= sum;
	}
	return 0;
}

static int traffic_parse_pattern(struct traffic_source *s, const struct cfg_node *n,
				 struct sim_error *err)
{
	const char *names[NPATTERNS + 1];
	int pat;

	for (size_t i = 0; i < NPATTERNS; i++)
		names[i] = arrival_patterns[i]->name;
	names[NPATTERNS] = NULL;
	if (cfg_get_enum(n, "pattern", names, &pat, 1, err))
		return -1;
	s->ops = arrival_patterns[pat];
	s->mean_gap = s->pps ? (sim_time_t)(1e12 / s->pps + 0.5) : 0;
	return s->ops->init(s, n, err);
}

/* `pattern: pcap`: the capture gives the flows, so `dst`, `src` and `flows` are not read. */
static bool traffic_is_replay(const struct cfg_node *n)
{
	const struct cfg_node *p = cfg_get(n, "pattern");

	return p && p->type == CFG_SCALAR && !strcmp(p->str, traffic_pcap_ops.name);
}

int traffic_create(struct world *w, const struct cfg_node *n, uint32_t index,
		   struct traffic_source **out, struct sim_error *err)
{
	struct traffic_source *s = calloc(1, sizeof(*s));
	const char *name = NULL;
	uint64_t ttl;
	char what[64], stream[64];

	if (!s)
		return sim_error_set(err, "out of memory");
	*out = s;
	s->w = w;
	s->index = index;
	sim_event_init(&s->ev, traffic_fire, TRAFFIC_EV_PRIO);
	if (cfg_require(n, "name", "traffic source", err) ||
	    cfg_get_name(n, "name", &name, sizeof(s->name) - 1, err))
		return -1;
	snprintf(s->name, sizeof(s->name), "%s", name);
	snprintf(stream, sizeof(stream), "traffic/%s", s->name);
	sim_rng_init(&s->rng, w->seed, stream);
	if (traffic_parse_target(w, s, n, err) ||
	    cfg_get_dist_size(n, "size", &s->size, 1000, ETH_MIN_FRAME, ETH_MAX_FRAME, err) ||
	    traffic_parse_rate(s, n, err) ||
	    (!traffic_is_replay(n) && traffic_parse_flows(s, n, err)) ||
	    cfg_get_time(n, "start", &s->start, 0, 0, 1000 * SIM_SEC, err) ||
	    cfg_get_time(n, "stop", &s->stop, 0, 0, 1000 * SIM_SEC, err) ||
	    cfg_get_u64(n, "count", &s->count, 0, 0, UINT64_MAX, err) ||
	    cfg_get_fraction(n, "other_mac", &s->other_mac, 0, err) ||
	    cfg_get_fraction(n, "bad_csum", &s->bad_csum, 0, err) ||
	    cfg_get_fraction(n, "bad_ip_header", &s->bad_iphdr, 0, err) ||
	    cfg_get_u64(n, "ttl", &ttl, 64, 1, 255, err) ||
	    cfg_get_bool(n, "df", &s->df, false, err) || traffic_parse_pattern(s, n, err))
		return -1;
	s->ttl = (uint8_t)ttl;
	if (s->stop && s->stop <= s->start)
		return cfg_error(cfg_get(n, "stop"), err, "'stop' must be after 'start'");
	snprintf(what, sizeof(what), "traffic source '%s'", s->name);
	return cfg_check_unknown(n, what, err);
}

void traffic_free(struct traffic_source *s)
{
	if (!s)
		return;
	free(s->flows);
	free(s->zipf_cdf);
	traffic_pcap_free(s->replay);
	free(s);
}
