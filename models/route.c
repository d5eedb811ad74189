/*
 * models/route.c - IPv4 routing table: connected, local and static routes,
 * held in an LPC-trie as net/ipv4/fib_trie.c holds them.
 *
 * See models/route.h. The routes are collected while the scenario is read
 * (r[] in insertion order), then sorted by (prefix, length desc, insertion)
 * and built into the trie once; every lookup after that walks the trie as
 * fib_table_lookup does and counts the nodes it visits.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/ip.h"
#include "models/nic.h"
#include "models/route.h"
#include "sim/error.h"

static uint32_t prefix_mask(uint32_t plen)
{
	return plen ? ~0u << (32 - plen) : 0;
}

/* Make room for one more element of @size bytes in *@p (holding *@cap). 0 or -1. */
static int grow(void **p, uint32_t *cap, uint32_t used, size_t size)
{
	uint32_t ncap = *cap ? *cap * 2 : 16;
	void *np;

	if (used < *cap)
		return 0;
	np = realloc(*p, (size_t)ncap * size);
	if (!np)
		return -1;
	*p = np;
	*cap = ncap;
	return 0;
}

/* Give back what *@p holds beyond @used elements (the table is complete). */
static void shrink(void **p, uint32_t *cap, uint32_t used, size_t size)
{
	void *np = used ? realloc(*p, (size_t)used * size) : NULL;

	if (np) {
		*p = np;
		*cap = used;
	}
}

int fib_table_add(struct fib_table *t, const struct fib_route *r)
{
	if (grow((void **)&t->r, &t->cap, t->n, sizeof(*t->r)))
		return -1;
	t->r[t->n++] = *r;
	return 0;
}

static int fib_add(struct host *h, const struct fib_route *r, const struct cfg_node *n,
		   struct sim_error *err)
{
	if (fib_table_add(h->fib, r))
		return cfg_error(n, err, "out of memory for the routes of host '%s'", h->name);
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
			r.plen = (uint8_t)dev->prefix_len;
			r.dst = dev->addr & prefix_mask(r.plen);
			if (fib_add(h, &r, NULL, err))
				return -1;
		} else if (dev->prefix_len < 32) {
			r.plen = (uint8_t)dev->prefix_len;
			r.dst = dev->addr & prefix_mask(r.plen);
			r.type = RTN_UNICAST;
			if (fib_add(h, &r, NULL, err))
				return -1;
		}
	}
	h->fib->nconnected = h->fib->n;
	return 0;
}

/* ---- the LPC-trie (fib_trie.c) ---- */

/* get_cindex / get_index: @key's child index in node @kv (pos 32 gives 0). */
static uint32_t kv_index(uint32_t key, const struct fib_kv *kv)
{
	return (uint32_t)((uint64_t)(key ^ kv->key) >> kv->pos);
}

/* prefix_mismatch: @key differs from @kv's key in a bit at or above its lowest set bit. */
static bool prefix_mismatch(uint32_t key, const struct fib_kv *kv)
{
	uint32_t prefix = kv->key;

	return (key ^ prefix) & (prefix | (0u - prefix));
}

/*
 * fib_table_lookup: step 1 walks down while the key matches; step 2 looks
 * for a leaf below with a prefix short enough; failing that, backtrace
 * strips the lowest set bit of the child index (or climbs a level) to try
 * the shorter prefixes to the left. Every node moved to counts one level.
 */
static const struct fib_route *trie_lookup(const struct fib_table *t, uint32_t key,
					   uint32_t *levels)
{
	const struct fib_kv *kv = t->kv;
	uint32_t n, pn = 0, cindex = 0, cptr, index, steps = 0;

	if (!t->nkv || (n = t->child[kv[0].base]) == FIB_KV_NONE)
		return NULL;
	steps++;
	for (;;) {
		index = kv_index(key, &kv[n]);
		if ((uint64_t)index >> kv[n].bits)
			break;
		if (!kv[n].bits)
			goto found;
		if (kv[n].slen > kv[n].pos) {
			pn = n;
			cindex = index;
		}
		n = t->child[kv[n].base + index];
		if (n == FIB_KV_NONE)
			goto backtrace;
		steps++;
	}
	for (;;) {
		if (prefix_mismatch(key, &kv[n]) || kv[n].slen == kv[n].pos)
			goto backtrace;
		if (!kv[n].bits)
			break;
		cptr = kv[n].base;
		while ((n = t->child[cptr]) == FIB_KV_NONE) {
		backtrace:
			while (!cindex) {
				uint32_t pkey = kv[pn].key;

				if (!pn) {
					*levels += steps;
					return NULL;
				}
				pn = kv[pn].parent;
				steps++;
				cindex = kv_index(pkey, &kv[pn]);
			}
			cindex &= cindex - 1;
			cptr = kv[pn].base + cindex;
		}
		steps++;
	}
found:
	index = key ^ kv[n].key;
	for (uint32_t i = 0; i < kv[n].nroutes; i++) {
		const struct fib_route *r = &t->r[kv[n].base + i];
		uint32_t slen = 32 - r->plen;

		if (slen < 32 && index >> slen)
			continue;
		*levels += steps;
		return r;
	}
	goto backtrace;
}

static int kv_new(struct fib_table *t, uint32_t key, uint32_t pos, uint32_t bits, uint32_t parent)
{
	struct fib_kv *kv;

	if (grow((void **)&t->kv, &t->kv_cap, t->nkv, sizeof(*t->kv)))
		return -1;
	kv = &t->kv[t->nkv++];
	kv->key = pos + bits < 32 ? key >> (pos + bits) << (pos + bits) : 0;
	kv->pos = (uint8_t)pos;
	kv->bits = (uint8_t)bits;
	kv->slen = (uint8_t)pos;
	kv->parent = parent;
	kv->nroutes = 0;
	kv->base = t->nchild;
	if (!bits)
		return 0;
	while (t->nchild + (1u << bits) > t->child_cap)
		if (grow((void **)&t->child, &t->child_cap, t->child_cap, sizeof(*t->child)))
			return -1;
	for (uint32_t i = 0; i < 1u << bits; i++)
		t->child[t->nchild++] = FIB_KV_NONE;
	return 0;
}

/* The distinct leaf keys: @lk[i] is the first route of leaf i in the sorted r[]. */
struct leaves {
	const struct fib_route *r; /* the sorted routes */
	uint32_t *first;	   /* [n + 1]: first route of each leaf, then t->n */
	uint32_t n;		   /* leaves */
};

static uint32_t leaf_key(const struct leaves *l, uint32_t i)
{
	return l->r[l->first[i]].dst;
}

/* Children that leaves [lo, hi) fill in a node branching on bits [pos, 32 - ...). */
static uint32_t used_children(const struct leaves *l, uint32_t lo, uint32_t hi, uint32_t pos)
{
	uint32_t used = 1;

	for (uint32_t i = lo + 1; i < hi; i++)
		used += (leaf_key(l, i) ^ leaf_key(l, i - 1)) >> pos != 0;
	return used;
}

/*
 * The width of a tnode over leaves [lo, hi) whose highest differing bit is
 * @top: start from one bit and double as resize() would while
 * should_inflate() holds, i.e. while the doubled node would have at least
 * 50% of its children used (30% for the top node: inflate_threshold_root).
 */
static uint32_t tnode_bits(const struct leaves *l, uint32_t lo, uint32_t hi, uint32_t top,
			   bool root)
{
	uint32_t bits = 1, pct = root ? 30 : 50;

	while (bits <= top) { /* the node's pos (top + 1 - bits) is above 0 */
		uint64_t slots = 1ull << (bits + 1);

		if (100 * (uint64_t)used_children(l, lo, hi, top - bits) < pct * slots)
			break;
		bits++;
	}
	return bits;
}

/* Build the subtrie of leaves [lo, hi) under @parent; its node index in *@out. */
static int trie_build(struct fib_table *t, const struct leaves *l, uint32_t lo, uint32_t hi,
		      uint32_t parent, uint32_t depth, uint32_t *out)
{
	uint32_t self = t->nkv, top, bits, pos, i;

	if (hi - lo == 1) {
		const struct fib_route *r = &l->r[l->first[lo]];
		uint32_t nr = l->first[lo + 1] - l->first[lo];

		if (kv_new(t, r->dst, 0, 0, parent))
			return -1;
		t->kv[self].base = l->first[lo];
		t->kv[self].nroutes = (uint8_t)nr;
		t->kv[self].slen = (uint8_t)(32 - r[nr - 1].plen); /* the shortest prefix */
		if (depth > t->max_depth)
			t->max_depth = depth;
		*out = self;
		return 0;
	}
	top = 31 - (uint32_t)__builtin_clz(leaf_key(l, lo) ^ leaf_key(l, hi - 1));
	bits = tnode_bits(l, lo, hi, top, parent == 0);
	pos = top + 1 - bits;
	if (kv_new(t, leaf_key(l, lo), pos, bits, parent))
		return -1;
	for (i = lo; i < hi;) {
		uint32_t j = i + 1, cindex = kv_index(leaf_key(l, i), &t->kv[self]), c;

		while (j < hi && kv_index(leaf_key(l, j), &t->kv[self]) == cindex)
			j++;
		if (trie_build(t, l, i, j, self, depth + 1, &c))
			return -1;
		t->child[t->kv[self].base + cindex] = c;
		if (t->kv[c].slen > t->kv[self].slen) /* update_suffix */
			t->kv[self].slen = t->kv[c].slen;
		i = j;
	}
	*out = self;
	return 0;
}

/* Sort order of the trie's routes: prefix, then longest first, then insertion. */
static const struct fib_route *sort_base;

static int route_cmp(const void *a, const void *b)
{
	const struct fib_route *x = &sort_base[*(const uint32_t *)a];
	const struct fib_route *y = &sort_base[*(const uint32_t *)b];

	if (x->dst != y->dst)
		return x->dst < y->dst ? -1 : 1;
	if (x->plen != y->plen)
		return x->plen > y->plen ? -1 : 1;
	return *(const uint32_t *)a < *(const uint32_t *)b ? -1 : 1;
}

/* Sort r[] for the trie; NULL on no memory. The leaf starts are in l->first. */
static int trie_sort(struct fib_table *t, struct leaves *l)
{
	uint32_t *ix;
	struct fib_route *sorted;

	if (!t->n) {
		l->first = calloc(1, sizeof(*l->first));
		l->n = 0;
		return l->first ? 0 : -1;
	}
	ix = malloc((size_t)t->n * sizeof(*ix));
	sorted = malloc((size_t)t->n * sizeof(*sorted));
	l->first = malloc(((size_t)t->n + 1) * sizeof(*l->first));
	if (!ix || !sorted || !l->first) {
		free(ix);
		free(sorted);
		return -1;
	}
	for (uint32_t i = 0; i < t->n; i++)
		ix[i] = i;
	sort_base = t->r;
	qsort(ix, t->n, sizeof(*ix), route_cmp);
	l->n = 0;
	for (uint32_t i = 0; i < t->n; i++) {
		sorted[i] = t->r[ix[i]];
		if (!i || sorted[i].dst != sorted[i - 1].dst)
			l->first[l->n++] = i;
	}
	l->first[l->n] = t->n;
	free(ix);
	free(t->r);
	t->r = sorted;
	t->cap = t->n;
	l->r = t->r;
	return 0;
}

int fib_table_build(struct fib_table *t)
{
	struct leaves l = { 0 };
	uint32_t top;
	int rc = -1;

	if (trie_sort(t, &l) || kv_new(t, 0, 32, 0, FIB_KV_NONE) ||
	    grow((void **)&t->child, &t->child_cap, t->nchild, sizeof(*t->child)))
		goto out;
	t->child[t->nchild++] = FIB_KV_NONE; /* the trie's one slot: the top node */
	if (l.n && trie_build(t, &l, 0, l.n, 0, 1, &top))
		goto out;
	if (l.n)
		t->child[t->kv[0].base] = top;
	for (uint32_t i = 0; i < FIB_MEMO_SLOTS; i++)
		t->memo[i].levels = UINT32_MAX;
	shrink((void **)&t->kv, &t->kv_cap, t->nkv, sizeof(*t->kv));
	shrink((void **)&t->child, &t->child_cap, t->nchild, sizeof(*t->child));
	rc = 0;
out:
	free(l.first);
	return rc;
}

/* Build @h's trie from its routes (once, after all are added). */
static int fib_build(struct host *h, struct sim_error *err)
{
	if (fib_table_build(h->fib))
		return sim_error_set(err, "out of memory for the routes of host '%s'", h->name);
	return 0;
}

/* Longest prefix among r[0, n) by a scan (before the trie exists). */
static const struct fib_route *fib_scan(const struct fib_table *t, uint32_t n, uint32_t daddr)
{
	const struct fib_route *best = NULL;

	for (uint32_t i = 0; i < n; i++) {
		const struct fib_route *r = &t->r[i];

		if ((daddr & prefix_mask(r->plen)) == r->dst && (!best || r->plen > best->plen))
			best = r;
	}
	return best;
}

/*
 * The trie walk's result for @daddr, memoised: the table is fixed once
 * built, so the same destination always takes the same walk; only the
 * simulator's time is saved, the modelled cost is the walk's.
 */
const struct fib_route *fib_lookup_levels(const struct host *h, uint32_t daddr, uint32_t *levels)
{
	struct fib_table *t = h->fib;
	struct fib_memo *m = &t->memo[(daddr * 2654435761u) >> 24];

	if (!t->nkv) /* still reading the scenario */
		return fib_scan(t, t->n, daddr);
	if (m->levels == UINT32_MAX || m->daddr != daddr) {
		m->levels = 0;
		m->rt = trie_lookup(t, daddr, &m->levels);
		m->daddr = daddr;
	}
	*levels += m->levels;
	return m->rt;
}

const struct fib_route *fib_lookup(const struct host *h, uint32_t daddr)
{
	uint32_t levels = 0;

	return fib_lookup_levels(h, daddr, &levels);
}

const struct fib_route *fib_lookup_cost(const struct host *h, uint32_t daddr, uint64_t base,
					uint64_t *cycles)
{
	uint32_t levels = 0;
	const struct fib_route *rt = fib_lookup_levels(h, daddr, &levels);

	*cycles += base + (uint64_t)levels * h->w->costs.fib_lookup_level;
	return rt;
}

/* The node @n at @depth tnodes below the top, and everything below it. */
static void stat_walk(const struct fib_table *t, uint32_t n, uint32_t depth,
		      struct fib_trie_stat *s)
{
	const struct fib_kv *kv = &t->kv[n];

	if (!kv->bits) {
		s->leaves++;
		s->prefixes += kv->nroutes;
		s->totdepth += depth;
		if (depth > s->maxdepth)
			s->maxdepth = depth;
		return;
	}
	s->tnodes++;
	s->nodesizes[kv->bits]++;
	for (uint32_t i = 0; i < 1u << kv->bits; i++) {
		uint32_t c = t->child[kv->base + i];

		if (c == FIB_KV_NONE)
			s->nullpointers++;
		else
			stat_walk(t, c, depth + 1, s);
	}
}

void fib_trie_stat(const struct fib_table *t, struct fib_trie_stat *s)
{
	memset(s, 0, sizeof(*s));
	if (t->nkv && t->child[t->kv[0].base] != FIB_KV_NONE)
		stat_walk(t, t->child[t->kv[0].base], 0, s);
}

uint64_t fib_table_bytes(const struct fib_table *t)
{
	return (uint64_t)t->cap * sizeof(*t->r) + (uint64_t)t->kv_cap * sizeof(*t->kv) +
	       (uint64_t)t->child_cap * sizeof(*t->child);
}

void fib_table_release(struct fib_table *t)
{
	free(t->r);
	free(t->kv);
	free(t->child);
	t->r = NULL;
	t->kv = NULL;
	t->child = NULL;
	t->n = t->cap = t->nkv = t->kv_cap = t->nchild = t->child_cap = 0;
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
	uint32_t plen;

	if (cfg_require(n, "dst", "route", err) || cfg_get_str(n, "dst", &dst, NULL, err))
		return -1;
	if (!strcmp(dst, "default")) {
		r->dst = 0;
		r->plen = 0;
		return 0;
	}
	if (inet_parse_prefix(dst, &r->dst, &plen))
		return cfg_error(cfg_get(n, "dst"), err,
				 "'dst' must be a prefix like '10.2.0.0/16' or 'default', got '%s'",
				 dst);
	r->plen = (uint8_t)plen;
	return 0;
}

/*
 * fib_check_nh_v4_gw: the gateway is looked up among the link-scope routes
 * only (the connected and local ones); it must be on a connected network.
 */
static const struct fib_route *fib_gw_route(const struct host *h, uint32_t gw)
{
	const struct fib_route *c = fib_scan(h->fib, h->fib->nconnected, gw);

	return c && c->type == RTN_UNICAST && !c->gw ? c : NULL;
}

/* The device of a gateway: the connected route that covers it. */
static int fib_gw_dev(struct host *h, const struct cfg_node *n, struct fib_route *r,
		      struct sim_error *err)
{
	const struct fib_route *c = fib_gw_route(h, r->gw);

	if (!c)
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
	r->type = (uint8_t)rtn_types[type];
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

/* ---- routes_file: one route per line in `ip route` syntax ---- */

/* The words of one line of a routes file. */
struct rt_line {
	const char *file; /* the routes file, as opened */
	uint32_t line;	  /* 1-based */
	uint32_t nw;	  /* words */
	char *w[16];	  /* the words (NUL-terminated in the line buffer) */
	uint32_t col[16]; /* their 1-based columns */
};

/* The error "file:line:col: ..." at word @i of @l (its start when @i is past the end). */
static int rt_err(const struct rt_line *l, uint32_t i, struct sim_error *err, const char *fmt, ...)
	SIM_PRINTF(4, 5);

static int rt_err(const struct rt_line *l, uint32_t i, struct sim_error *err, const char *fmt, ...)
{
	char msg[SIM_ERROR_MSG];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return sim_error_at(err, l->file, l->line, i < l->nw ? l->col[i] : 1, "%s", msg);
}

/* Split @buf at blanks, dropping a '#' comment; -1 (error set) past 16 words. */
static int rt_split(char *buf, struct rt_line *l, struct sim_error *err)
{
	char *p = buf;

	l->nw = 0;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			*p++ = 0;
		if (!*p || *p == '#')
			return 0;
		if (l->nw == 16)
			return sim_error_at(err, l->file, l->line, (uint32_t)(p - buf) + 1,
					    "too many words in a route (at most 16)");
		l->col[l->nw] = (uint32_t)(p - buf) + 1;
		l->w[l->nw++] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n' && *p != '#')
			p++;
		if (*p == '#')
			*p++ = 0, *p = 0;
	}
}

/* `[TYPE] PREFIX|default [via GW] [dev DEV] [src ADDR]` into @r. */
static int rt_line_parse(struct host *h, const struct rt_line *l, struct sim_error *err)
{
	static const char *const kw[] = { "via", "dev", "src", NULL };
	struct fib_route r = { .type = RTN_UNICAST };
	uint32_t i = 0, plen, at[3] = { 0, 0, 0 };
	int type;

	for (type = 0; rtn_names[type] && strcmp(rtn_names[type], l->w[0]); type++)
		;
	if (rtn_names[type]) {
		r.type = (uint8_t)rtn_types[type];
		i++;
	}
	if (i == l->nw)
		return rt_err(l, i, err, "route needs a destination after '%s'", l->w[0]);
	if (!strcmp(l->w[i], "default")) {
		r.dst = r.plen = 0;
	} else if (inet_parse_prefix(l->w[i], &r.dst, &plen)) {
		return rt_err(
			l, i, err,
			"destination must be a prefix like '10.2.0.0/16' or 'default', got '%s'",
			l->w[i]);
	} else {
		r.plen = (uint8_t)plen;
	}
	for (i++; i < l->nw; i += 2) {
		uint32_t k;

		for (k = 0; kw[k] && strcmp(kw[k], l->w[i]); k++)
			;
		if (!kw[k])
			return rt_err(l, i, err, "unknown route keyword '%s'", l->w[i]);
		if (r.type != RTN_UNICAST)
			return rt_err(l, i, err, "a route of type '%s' takes no '%s'",
				      rtn_names[type], kw[k]);
		if (i + 1 == l->nw)
			return rt_err(l, i, err, "'%s' needs a value", kw[k]);
		if (at[k])
			return rt_err(l, i, err, "'%s' given twice", kw[k]);
		at[k] = i + 1;
	}
	if (r.type != RTN_UNICAST)
		return fib_add(h, &r, NULL, err);
	if (at[1] && !(r.dev = dev_by_name(h, l->w[at[1]])))
		return rt_err(l, at[1], err, "unknown device '%s' on host '%s'", l->w[at[1]],
			      h->name);
	if (at[0] && inet_parse_addr(l->w[at[0]], &r.gw))
		return rt_err(l, at[0], err, "'via' must be an address, got '%s'", l->w[at[0]]);
	if (at[2] && inet_parse_addr(l->w[at[2]], &r.src))
		return rt_err(l, at[2], err, "'src' must be an address, got '%s'", l->w[at[2]]);
	if (!at[0] && !at[1])
		return rt_err(l, 0, err, "route needs 'via' or 'dev'");
	if (at[0]) {
		const struct fib_route *c = fib_gw_route(h, r.gw);

		if (!c)
			return rt_err(l, at[0], err,
				      "gateway is not on a connected network of host '%s'",
				      h->name);
		if (!r.dev)
			r.dev = c->dev;
	}
	if (!r.src)
		r.src = r.dev->addr;
	return fib_add(h, &r, NULL, err);
}

/* @path relative to the directory of the scenario file @base, unless absolute. */
static void rt_path(char *out, size_t size, const char *base, const char *path)
{
	const char *slash = strrchr(base, '/');

	if (path[0] == '/' || !slash)
		snprintf(out, size, "%s", path);
	else
		snprintf(out, size, "%.*s/%s", (int)(slash - base), base, path);
}

/* `routes_file:` of host node @n: every line a route, added after `routes:`. */
static int fib_parse_file(struct host *h, const struct cfg_node *n, struct sim_error *err)
{
	const char *name = NULL;
	char path[4096], *buf = NULL;
	size_t cap = 0;
	struct rt_line l = { 0 };
	FILE *f;
	int rc = 0;

	if (cfg_get_str(n, "routes_file", &name, NULL, err))
		return -1;
	if (!name)
		return 0;
	rt_path(path, sizeof(path), cfg_get(n, "routes_file")->file, name);
	f = fopen(path, "r");
	if (!f)
		return cfg_error(cfg_get(n, "routes_file"), err, "cannot open '%s': %s", path,
				 strerror(errno));
	l.file = path;
	while (!rc && getline(&buf, &cap, f) >= 0) {
		l.line++;
		rc = rt_split(buf, &l, err);
		if (!rc && l.nw)
			rc = rt_line_parse(h, &l, err);
	}
	if (!rc && ferror(f))
		rc = cfg_error(cfg_get(n, "routes_file"), err, "cannot read '%s': %s", path,
			       strerror(errno));
	free(buf);
	fclose(f);
	return rc ? -1 : 0;
}

int fib_parse(struct host *h, const struct cfg_node *host, struct sim_error *err)
{
	const struct cfg_node *list;

	if (cfg_get_seq(host, "routes", &list, err))
		return -1;
	for (uint32_t i = 0; list && i < list->n; i++)
		if (fib_parse_one(h, list->items[i], err))
			return -1;
	if (fib_parse_file(h, host, err))
		return -1;
	return fib_build(h, err);
}
