/*
 * sim/pool.c - fixed-size object pools with an O(1) free stack.
 *
 * Objects live in one zeroed block allocated at start-up; the free list is a
 * separate array of pointers, so a free object's bytes are never overwritten
 * by the pool. Both come from calloc/malloc and are written only as objects
 * are used (sim/pool.h). Exhaustion returns NULL for the caller to count as
 * a drop.
 */
#include "sim/pool.h"

#include <stdlib.h>
#include <string.h>

#include "sim/error.h"

int sim_pool_init(struct sim_pool *p, size_t obj_size, uint32_t cap)
{
	SIM_BUG_ON(obj_size == 0);
	memset(p, 0, sizeof(*p));
	if (cap && obj_size > SIZE_MAX / cap)
		return -1;
	p->obj_size = obj_size;
	if (!cap)
		return 0;
	p->mem = calloc(cap, obj_size);
	p->free = malloc((size_t)cap * sizeof(*p->free));
	if (!p->mem || !p->free) {
		sim_pool_release(p);
		return -1;
	}
	p->cap = cap; /* nothing handed out: gets take mem[0], mem[1], ... */
	return 0;
}

void sim_pool_release(struct sim_pool *p)
{
	free(p->mem);
	free(p->free);
	memset(p, 0, sizeof(*p));
}
