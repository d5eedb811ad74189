/*
 * sim/pool.h - fixed-size object pools.
 *
 * All objects are allocated once at start-up; get/put are O(1) through a
 * free stack kept in a side array, so objects keep their contents' layout
 * untouched. Objects never handed out are taken in address order after the
 * stack is empty, so neither the block nor the stack is written before it
 * is used: a large pool costs resident memory only for what a run touches
 * (the same order of objects as a stack filled at start-up). Exhaustion
 * returns NULL (the caller counts it as a drop); it is never a crash.
 */
#ifndef SIM_POOL_H
#define SIM_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "sim/error.h"

struct sim_pool {
	unsigned char *mem;  /* objects, obj_size each */
	void **free;	     /* stack of free objects */
	uint32_t nfree;	     /* entries in free[] */
	uint32_t used;	     /* objects handed out at least once: mem[0 .. used - 1] */
	uint32_t cap;	     /* objects in the pool */
	size_t obj_size;     /* bytes per object */
	uint32_t in_use_max; /* high-water mark of objects out */
};

/* 0 on success, -1 on ENOMEM. Objects are zeroed. */
int sim_pool_init(struct sim_pool *p, size_t obj_size, uint32_t cap);
void sim_pool_release(struct sim_pool *p);
/*
 * An object, or NULL when the pool is exhausted. Contents are left as put
 * back. Inline, as sim_pool_put(): one of each per packet.
 */
static inline void *sim_pool_get(struct sim_pool *p)
{
	uint32_t in_use;

	if (!p->nfree && p->used == p->cap)
		return NULL;
	in_use = p->used - p->nfree + 1;
	if (in_use > p->in_use_max)
		p->in_use_max = in_use;
	if (p->nfree)
		return p->free[--p->nfree];
	return p->mem + (size_t)p->used++ * p->obj_size;
}

/* Give back @obj, which must be one of @p's objects out. */
static inline void sim_pool_put(struct sim_pool *p, void *obj)
{
	uintptr_t base = (uintptr_t)p->mem, o = (uintptr_t)obj;

	SIM_BUG_ON(p->nfree >= p->used); /* more puts than gets */
	SIM_BUG_ON(o < base || o - base >= (uintptr_t)p->used * p->obj_size);
	SIM_BUG_ON((o - base) % p->obj_size != 0);
	p->free[p->nfree++] = obj;
}
static inline uint32_t sim_pool_in_use(const struct sim_pool *p)
{
	return p->used - p->nfree;
}

#endif
