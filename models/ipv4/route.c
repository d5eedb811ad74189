/*
 * models/ipv4/route.c - IPv4 routing table: connected, local and static routes,
 * held in an LPC-trie as net/ipv4/fib_trie.c holds them.
 *
 * See models/ipv4/route.h. The routes are collected while the scenario is read
 * (r[] in insertion order). Once all are in, the trie is grown from them one
 * at a time as fib_table_insert grows it (fib_insert_node, trie_rebalance,
 * resize with inflate, halve and collapse: the same shape as the kernel's
 * for the same routes in the same order), then r[] is sorted by (prefix,
 * length desc, insertion) and the trie copied into flat arrays; every lookup
 * walks those as fib_table_lookup does and counts the nodes it visits.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/lib/inet_addr.h"
#include "models/core/netdevice.h"
#include "models/ipv4/route.h"
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

/* ---- growing the trie one route at a time, as fib_table_insert does ---- */

/*
 * A node while the trie grows (struct key_vector with its tnode_info): the
 * trie itself has pos 32 and one child; a leaf has bits 0.
 */
struct gnode {
	uint32_t key;	       /* as fib_kv's */
	uint8_t pos, bits;     /* as fib_kv's */
	uint32_t empty;	       /* tnode: empty_children */
	uint32_t full;	       /* tnode: full_children */
	struct gnode *parent;  /* NULL for the trie */
	struct gnode *child[]; /* tnode: 1 << bits slots; the trie: 1 */
};

enum {
	HALVE_THRESHOLD = 25,	     /* halve_threshold */
	INFLATE_THRESHOLD = 50,	     /* inflate_threshold */
	HALVE_THRESHOLD_ROOT = 15,   /* halve_threshold_root */
	INFLATE_THRESHOLD_ROOT = 30, /* inflate_threshold_root */
	MAX_WORK = 10,		     /* resize()'s inflates or halvings per call */
};

static bool g_is_trie(const struct gnode *n)
{
	return n->pos >= 32;
}

static bool g_is_tnode(const struct gnode *n)
{
	return n->bits && !g_is_trie(n);
}

static uint64_t g_len(const struct gnode *n)
{
	return g_is_tnode(n) ? 1ull << n->bits : 0;
}

static uint32_t g_index(uint32_t key, const struct gnode *n)
{
	return (uint32_t)((uint64_t)(key ^ n->key) >> n->pos);
}

/* tnode_new: NULL on no memory. */
static struct gnode *g_new(uint32_t key, uint32_t pos, uint32_t bits)
{
	size_t slots = bits ? (size_t)1 << bits : 0;
	struct gnode *n = calloc(1, sizeof(*n) + slots * sizeof(n->child[0]));

	if (!n)
		return NULL;
	n->key = pos + bits < 32 ? key >> (pos + bits) << (pos + bits) : 0;
	n->pos = (uint8_t)pos;
	n->bits = (uint8_t)bits;
	n->empty = (uint32_t)slots;
	return n;
}

/* tnode_full */
static bool g_full(const struct gnode *tn, const struct gnode *n)
{
	return n && g_is_tnode(n) && n->pos + n->bits == tn->pos;
}

/* put_child: the slot, and the empty and full counts. */
static void g_put(struct gnode *tn, uint32_t i, struct gnode *n)
{
	struct gnode *chi = tn->child[i];

	if (!n && chi)
		tn->empty++;
	else if (n && !chi)
		tn->empty--;
	if (g_full(tn, chi) && !g_full(tn, n))
		tn->full--;
	else if (!g_full(tn, chi) && g_full(tn, n))
		tn->full++;
	tn->child[i] = n;
}

/* put_child_root */
static void g_put_root(struct gnode *tp, uint32_t key, struct gnode *n)
{
	if (g_is_trie(tp))
		tp->child[0] = n;
	else
		g_put(tp, g_index(key, tp), n);
}

/* update_children */
static void g_update_children(struct gnode *tn)
{
	for (uint64_t i = g_len(tn); i;) {
		struct gnode *c = tn->child[--i];

		if (!c)
			continue;
		if (c->parent == tn)
			g_update_children(c);
		else
			c->parent = tn;
	}
}

static struct gnode *g_resize(struct gnode *tn);

/* replace: @tn takes @old's place; then its full children are resized. */
static struct gnode *g_replace(struct gnode *old, struct gnode *tn)
{
	struct gnode *tp = old->parent;

	tn->parent = tp;
	g_put_root(tp, tn->key, tn);
	g_update_children(tn);
	free(old);
	for (uint64_t i = g_len(tn); i;) {
		struct gnode *c = tn->child[--i];

		if (g_full(tn, c))
			tn = g_resize(c);
	}
	return tp;
}

/* inflate: NULL on no memory (the trie is left as it was). */
static struct gnode *g_inflate(struct gnode *old)
{
	struct gnode *tn = g_new(old->key, old->pos - 1u, old->bits + 1u);
	uint32_t m;

	if (!tn)
		return NULL;
	m = 1u << tn->pos;
	for (uint64_t i = g_len(old); i;) {
		struct gnode *in = old->child[--i], *n0, *n1;

		if (!in)
			continue;
		if (!g_full(old, in)) {
			g_put(tn, g_index(in->key, tn), in);
			continue;
		}
		if (in->bits == 1) {
			g_put(tn, (uint32_t)(2 * i + 1), in->child[1]);
			g_put(tn, (uint32_t)(2 * i), in->child[0]);
			free(in);
			continue;
		}
		n1 = g_new(in->key | m, in->pos, in->bits - 1u);
		n0 = g_new(in->key, in->pos, in->bits - 1u);
		if (!n0 || !n1)
			abort(); /* out of memory half-way through: not recoverable here */
		for (uint64_t k = g_len(in), j = k / 2; j;) {
			--j;
			--k;
			g_put(n1, (uint32_t)j, in->child[k]);
			g_put(n0, (uint32_t)j, in->child[j]);
		}
		n1->parent = tn;
		n0->parent = tn;
		g_put(tn, (uint32_t)(2 * i + 1), n1);
		g_put(tn, (uint32_t)(2 * i), n0);
		free(in);
	}
	return g_replace(old, tn);
}

/* halve */
static struct gnode *g_halve(struct gnode *old)
{
	struct gnode *tn = g_new(old->key, old->pos + 1u, old->bits - 1u);

	if (!tn)
		return NULL;
	for (uint64_t i = g_len(old); i;) {
		struct gnode *n1 = old->child[--i], *n0 = old->child[--i], *in;

		if (!n1 || !n0) {
			g_put(tn, (uint32_t)(i / 2), n1 ? n1 : n0);
			continue;
		}
		in = g_new(n0->key, old->pos, 1);
		if (!in)
			abort();
		g_put(in, 1, n1);
		g_put(in, 0, n0);
		in->parent = tn;
		g_put(tn, (uint32_t)(i / 2), in);
	}
	return g_replace(old, tn);
}

/* collapse: the one child left takes the node's place. */
static struct gnode *g_collapse(struct gnode *old)
{
	struct gnode *n = NULL, *tp = old->parent;

	for (uint64_t i = g_len(old); !n && i;)
		n = old->child[--i];
	g_put_root(tp, old->key, n);
	if (n)
		n->parent = tp;
	free(old);
	return tp;
}

static bool g_should_inflate(const struct gnode *tp, const struct gnode *tn)
{
	uint64_t used = g_len(tn), threshold = used;

	threshold *= g_is_trie(tp) ? INFLATE_THRESHOLD_ROOT : INFLATE_THRESHOLD;
	used -= tn->empty;
	used += tn->full;
	return used > 1 && tn->pos && 50 * used >= threshold;
}

static bool g_should_halve(const struct gnode *tp, const struct gnode *tn)
{
	uint64_t used = g_len(tn), threshold = used;

	threshold *= g_is_trie(tp) ? HALVE_THRESHOLD_ROOT : HALVE_THRESHOLD;
	used -= tn->empty;
	return used > 1 && tn->bits > 1 && 100 * used < threshold;
}

static bool g_should_collapse(const struct gnode *tn)
{
	return g_len(tn) - tn->empty < 2;
}

/* resize: returns the parent. */
static struct gnode *g_resize(struct gnode *tn)
{
	struct gnode *tp = tn->parent;
	uint32_t cindex = g_index(tn->key, tp);
	int work = MAX_WORK;

	while (g_should_inflate(tp, tn) && work) {
		tp = g_inflate(tn);
		if (!tp)
			break;
		work--;
		tn = tp->child[g_is_trie(tp) ? 0 : cindex];
	}
	tp = tn->parent;
	if (work != MAX_WORK)
		return tp;
	while (g_should_halve(tp, tn) && work) {
		tp = g_halve(tn);
		if (!tp)
			break;
		work--;
		tn = tp->child[g_is_trie(tp) ? 0 : cindex];
	}
	if (g_should_collapse(tn))
		return g_collapse(tn);
	return tn->parent;
}

/* Free a grown subtrie (after a failure). */
static void g_free(struct gnode *g)
{
	if (!g)
		return;
	for (uint64_t i = g_len(g); i;)
		g_free(g->child[--i]);
	free(g);
}

/* fib_find_node + fib_insert_node + trie_rebalance for a new key; 0 or -1. */
static int g_insert(struct gnode *trie, uint32_t key)
{
	struct gnode *tp, *n = trie, *l, *tn;
	uint32_t index = 0;

	do {
		tp = n;
		n = tp->child[index];
		if (!n)
			break;
		index = g_index(key, n);
		if ((uint64_t)index >> n->bits) {
			n = NULL;
			break;
		}
	} while (g_is_tnode(n));
	if (n)
		return 0; /* a leaf with this key: one more alias */
	l = g_new(key, 0, 0);
	if (!l)
		return -1;
	n = g_is_trie(tp) ? tp->child[0] : tp->child[g_index(key, tp)];
	if (n) {
		tn = g_new(key, 31u - (uint32_t)__builtin_clz(key ^ n->key), 1);
		if (!tn) {
			free(l);
			return -1;
		}
		tn->parent = tp;
		g_put(tn, g_index(key, tn) ^ 1, n);
		g_put_root(tp, key, tn);
		n->parent = tn;
		tp = tn;
	}
	l->parent = tp;
	g_put_root(tp, key, l);
	while (!g_is_trie(tp))
		tp = g_resize(tp);
	return 0;
}

/* The leaf of @key: its index in @l (the keys are sorted). */
static uint32_t leaf_find(const struct leaves *l, uint32_t key)
{
	uint32_t lo = 0, hi = l->n;

	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (leaf_key(l, mid) <= key)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* Copy the grown subtrie @g into t->kv under @parent; its index in *@out. Frees @g. */
static int trie_flatten(struct fib_table *t, const struct leaves *l, struct gnode *g,
			uint32_t parent, uint32_t depth, uint32_t *out)
{
	uint32_t self = t->nkv;
	int rc = 0;

	if (kv_new(t, g->key, g->pos, g->bits, parent)) {
		g_free(g);
		return -1;
	}
	*out = self;
	if (!g->bits) {
		uint32_t i = leaf_find(l, g->key), nr = l->first[i + 1] - l->first[i];

		t->kv[self].base = l->first[i];
		t->kv[self].nroutes = (uint8_t)nr;
		t->kv[self].slen = (uint8_t)(32 - l->r[l->first[i] + nr - 1].plen);
		if (depth > t->max_depth)
			t->max_depth = depth;
		free(g);
		return 0;
	}
	for (uint32_t i = 0; i < 1u << g->bits; i++) {
		uint32_t c;

		if (!g->child[i])
			continue;
		if (rc) {
			g_free(g->child[i]);
			continue;
		}
		if (trie_flatten(t, l, g->child[i], self, depth + 1, &c)) {
			rc = -1;
			continue;
		}
		t->child[t->kv[self].base + i] = c;
		if (t->kv[c].slen > t->kv[self].slen) /* update_suffix */
			t->kv[self].slen = t->kv[c].slen;
	}
	free(g);
	return rc;
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

/*
 * Sort r[] for the trie (a leaf's routes together, longest first: at most
 * 33), dropping repeated prefixes; -1 on no memory. The leaf starts are in
 * l->first.
 */
static int trie_sort(struct fib_table *t, struct leaves *l)
{
	uint32_t *ix, nkept = 0;
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
	for (uint32_t i = 0, k = 0; i < t->n; i++) {
		const struct fib_route *r = &t->r[ix[i]];

		/* a repeated prefix is never reached (the first one wins): dropped */
		if (k && r->dst == sorted[k - 1].dst && r->plen == sorted[k - 1].plen)
			continue;
		if (!k || r->dst != sorted[k - 1].dst)
			l->first[l->n++] = k;
		sorted[k++] = *r;
		nkept = k;
	}
	l->first[l->n] = nkept;
	t->n = nkept;
	free(ix);
	free(t->r);
	t->r = sorted;
	t->cap = t->n;
	l->r = t->r;
	return 0;
}

int fib_table_build(struct fib_table *t)
{
	struct gnode *trie = calloc(1, sizeof(*trie) + sizeof(trie->child[0]));
	struct leaves l = { 0 };
	uint32_t top;
	int rc = -1;

	if (!trie)
		return -1;
	trie->pos = 32;
	/* fib_table_insert, route after route in the order they were given */
	for (uint32_t i = 0; i < t->n; i++)
		if (g_insert(trie, t->r[i].dst))
			goto out;
	if (trie_sort(t, &l) || kv_new(t, 0, 32, 0, FIB_KV_NONE) ||
	    grow((void **)&t->child, &t->child_cap, t->nchild, sizeof(*t->child)))
		goto out;
	t->child[t->nchild++] = FIB_KV_NONE; /* the trie's one slot: the top node */
	if (trie->child[0]) {
		struct gnode *g = trie->child[0];

		trie->child[0] = NULL;
		if (trie_flatten(t, &l, g, 0, 1, &top))
			goto out;
		t->child[t->kv[0].base] = top;
	}
	for (uint32_t i = 0; i < FIB_MEMO_SLOTS; i++)
		t->memo[i].levels = UINT32_MAX;
	shrink((void **)&t->kv, &t->kv_cap, t->nkv, sizeof(*t->kv));
	shrink((void **)&t->child, &t->child_cap, t->nchild, sizeof(*t->child));
	rc = 0;
out:
	g_free(trie->child[0]);
	free(trie);
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

	*cycles += base + (uint64_t)levels * h->costs.fib_lookup_level;
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
