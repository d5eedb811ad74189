/*
 * models/route.c - IPv4 routing table: connected, local and static routes.
 *
 * See models/route.h. Lookup is a linear longest-prefix match over at most
 * FIB_MAX_ROUTES entries (fib_trie's result, not its speed; the cost is the
 * cost table's, not this loop's).
 */
#include <errno.h>
#include <string.h>

#include "models/ip.h"
#include "models/nic.h"
#include "models/route.h"
#include "sim/error.h"

static uint32_t prefix_mask(uint32_t plen)
{
	return plen ? ~0u << (32 - plen) : 0;
}

static int fib_add(struct host *h, const struct fib_route *r, const struct cfg_node *n,
		   struct sim_error *err)
{
	if (h->fib->n >= FIB_MAX_ROUTES)
		return cfg_error(n, err, "too many routes on host '%s' (at most %d)", h->name,
				 FIB_MAX_ROUTES);
	h->fib->r[h->fib->n++] = *r;
	return 0;
}

int fib_add_connected(struct host *h, struct sim_error *err)
{
	for (uint32_t i = 0; i < h->ndevs; i++) {
		struct net_device *dev = h->devs[i];
		struct fib_route r = { 0 };

		if (!dev->addr)
			continue;
		r.dev = dev;
		r.src = dev->addr;
		r.dst = dev->addr;
		r.plen = 32;
		r.type = RTN_LOCAL;
		if (fib_add(h, &r, NULL, err))
			return -1;
		if (dev->loopback) {
			/* the local table's "local 127.0.0.0/8 dev lo" */
			r.plen = dev->prefix_len;
			r.dst = dev->addr & prefix_mask(r.plen);
			if (fib_add(h, &r, NULL, err))
				return -1;
		} else if (dev->prefix_len < 32) {
			r.plen = dev->prefix_len;
			r.dst = dev->addr & prefix_mask(r.plen);
			r.type = RTN_UNICAST;
			if (fib_add(h, &r, NULL, err))
				return -1;
		}
	}
	return 0;
}

const struct fib_route *fib_lookup(const struct host *h, uint32_t daddr)
{
	const struct fib_route *best = NULL;

	for (uint32_t i = 0; i < h->fib->n; i++) {
		const struct fib_route *r = &h->fib->r[i];

		if ((daddr & prefix_mask(r->plen)) != r->dst)
			continue;
		if (!best || r->plen > best->plen)
			best = r;
	}
	return best;
}

int fib_route_error(const struct fib_route *r)
{
	switch (r->type) {
	case RTN_UNREACHABLE:
		return -EHOSTUNREACH;
	case RTN_PROHIBIT:
		return -EACCES;
	case RTN_BLACKHOLE:
		return -EINVAL;
	default:
		return 0;
	}
}

/* The exception for @daddr, or NULL (most hosts have none: no scan at all). */
static struct fib_nh_exception *fnhe_find(const struct host *h, uint32_t daddr)
{
	struct fib_table *t = h->fib;

	for (uint32_t i = 0; i < t->nfnhe; i++)
		if (t->fnhe[i].daddr == daddr)
			return &t->fnhe[i];
	return NULL;
}

uint32_t ip_dev_pmtu(const struct host *h, const struct net_device *dev, uint32_t daddr)
{
	const struct fib_nh_exception *e = fnhe_find(h, daddr);

	if (e && e->expires > h->w->q.now && e->pmtu < dev->mtu)
		return e->pmtu;
	return dev->mtu;
}

uint32_t ip_dst_mtu(const struct host *h, const struct fib_route *r, uint32_t daddr)
{
	return ip_dev_pmtu(h, r->type == RTN_LOCAL ? h->lo : r->dev, daddr);
}

void ip_rt_update_pmtu(struct host *h, uint32_t daddr, uint32_t mtu)
{
	const struct fib_route *rt = fib_lookup(h, daddr);
	sim_time_t now = h->w->q.now, life = (sim_time_t)h->sysctl.route_mtu_expires * SIM_SEC;
	struct fib_nh_exception *e = fnhe_find(h, daddr);
	uint32_t old;
	bool lock = false;

	if (!rt || fib_route_error(rt))
		return;
	old = ip_dst_mtu(h, rt, daddr);
	if (old < mtu) /* only ever lowered */
		return;
	if (mtu < h->sysctl.route_min_pmtu) {
		lock = true;
		mtu = old < h->sysctl.route_min_pmtu ? old : h->sysctl.route_min_pmtu;
	}
	/* the same MTU again only renews an exception in the second half of its life */
	if (e && e->expires > now && e->pmtu == mtu && !lock && now < e->expires - life / 2)
		return;
	if (!e && h->fib->nfnhe < FNHE_MAX) {
		e = &h->fib->fnhe[h->fib->nfnhe++];
	} else if (!e) { /* full: replace the one that expires first */
		e = &h->fib->fnhe[0];
		for (uint32_t i = 1; i < FNHE_MAX; i++)
			if (h->fib->fnhe[i].expires < e->expires)
				e = &h->fib->fnhe[i];
	}
	e->daddr = daddr;
	e->pmtu = mtu;
	e->expires = now + life;
}

static struct net_device *dev_by_name(const struct host *h, const char *name)
{
	for (uint32_t i = 0; i < h->ndevs; i++)
		if (!strcmp(h->devs[i]->name, name))
			return h->devs[i];
	return NULL;
}

static int fib_parse_dst(const struct cfg_node *n, struct fib_route *r, struct sim_error *err)
{
	const char *dst = NULL;

	if (cfg_require(n, "dst", "route", err) || cfg_get_str(n, "dst", &dst, NULL, err))
		return -1;
	if (!strcmp(dst, "default")) {
		r->dst = 0;
		r->plen = 0;
		return 0;
	}
	if (inet_parse_prefix(dst, &r->dst, &r->plen))
		return cfg_error(cfg_get(n, "dst"), err,
				 "'dst' must be a prefix like '10.2.0.0/16' or 'default', got '%s'",
				 dst);
	return 0;
}

/* The device of a gateway: the connected route that covers it. */
static int fib_gw_dev(struct host *h, const struct cfg_node *n, struct fib_route *r,
		      struct sim_error *err)
{
	const struct fib_route *c = fib_lookup(h, r->gw);

	if (!c || c->type != RTN_UNICAST || c->gw)
		return cfg_error(cfg_get(n, "via"), err,
				 "gateway is not on a connected network of host '%s'", h->name);
	if (!r->dev)
		r->dev = c->dev;
	return 0;
}

/* `type:` values, and the route type of each */
static const char *const rtn_names[] = { "unicast", "unreachable", "prohibit", "blackhole", NULL };
static const enum rtn_type rtn_types[] = { RTN_UNICAST, RTN_UNREACHABLE, RTN_PROHIBIT,
					   RTN_BLACKHOLE };

/* `type: unreachable|prohibit|blackhole`: no device, no gateway. */
static int fib_parse_type(const struct cfg_node *n, struct fib_route *r, struct sim_error *err)
{
	int type;

	if (cfg_get_enum(n, "type", rtn_names, &type, 0, err))
		return -1;
	r->type = rtn_types[type];
	if (r->type == RTN_UNICAST)
		return 0;
	for (const char *const *k = (const char *const[]){ "via", "dev", "src", NULL }; *k; k++)
		if (cfg_get(n, *k))
			return cfg_error(cfg_get(n, *k), err, "a route of type '%s' takes no '%s'",
					 rtn_names[type], *k);
	return 1;
}

static int fib_parse_one(struct host *h, const struct cfg_node *n, struct sim_error *err)
{
	struct fib_route r = { .type = RTN_UNICAST };
	const char *via = NULL, *dev = NULL, *src = NULL;
	int special;

	if (cfg_node_map(n, "routes", err) || fib_parse_dst(n, &r, err))
		return -1;
	special = fib_parse_type(n, &r, err);
	if (special < 0)
		return -1;
	if (special)
		return fib_add(h, &r, n, err) ? -1 : cfg_check_unknown(n, "route", err);
	if (cfg_get_str(n, "via", &via, NULL, err) || cfg_get_str(n, "dev", &dev, NULL, err) ||
	    cfg_get_str(n, "src", &src, NULL, err))
		return -1;
	if (dev && !(r.dev = dev_by_name(h, dev)))
		return cfg_error(cfg_get(n, "dev"), err, "unknown device '%s' on host '%s'", dev,
				 h->name);
	if (via && inet_parse_addr(via, &r.gw))
		return cfg_error(cfg_get(n, "via"), err, "'via' must be an address, got '%s'", via);
	if (src && inet_parse_addr(src, &r.src))
		return cfg_error(cfg_get(n, "src"), err, "'src' must be an address, got '%s'", src);
	if (!via && !dev)
		return cfg_error(n, err, "route needs 'via' or 'dev'");
	if (via && fib_gw_dev(h, n, &r, err))
		return -1;
	if (!r.src)
		r.src = r.dev->addr;
	if (fib_add(h, &r, n, err))
		return -1;
	return cfg_check_unknown(n, "route", err);
}

int fib_parse(struct host *h, const struct cfg_node *list, struct sim_error *err)
{
	for (uint32_t i = 0; list && i < list->n; i++)
		if (fib_parse_one(h, list->items[i], err))
			return -1;
	return 0;
}
