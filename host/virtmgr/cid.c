/* cid.c - see cid.h. */
#include "cid.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define WORDS(max) (((max) + 63) / 64)

int cid_pool_init(struct cid_pool *pool, uint32_t max, struct error *e)
{
	memset(pool, 0, sizeof(*pool));
	if (max == 0 || max > CID_POOL_MAX)
		return error_set(e, -EINVAL, "at most %u concurrent VMs: want 1 to %d", max,
				 CID_POOL_MAX);
	pool->used = calloc(WORDS(max), sizeof(uint64_t));
	if (!pool->used)
		return error_set(e, -ENOMEM, "out of memory");
	pool->max = max;
	return 0;
}

void cid_pool_destroy(struct cid_pool *pool)
{
	free(pool->used);
	memset(pool, 0, sizeof(*pool));
}

int cid_alloc(struct cid_pool *pool, uint32_t *cid, struct error *e)
{
	for (uint32_t w = 0; w < WORDS(pool->max); w++) {
		uint64_t free_bits = ~pool->used[w];
		uint32_t i;

		if (!free_bits)
			continue;
		i = w * 64 + (uint32_t)__builtin_ctzll(free_bits);
		if (i >= pool->max)
			break;
		pool->used[w] |= 1ULL << (i % 64);
		pool->count++;
		*cid = CID_FIRST_GUEST + i;
		return 0;
	}
	return error_set(e, -EAGAIN, "no free CID: %u VMs are running, the most allowed",
			 pool->count);
}

bool cid_in_use(const struct cid_pool *pool, uint32_t cid)
{
	uint32_t i = cid - CID_FIRST_GUEST;

	if (cid < CID_FIRST_GUEST || i >= pool->max)
		return false;
	return pool->used[i / 64] & (1ULL << (i % 64));
}

int cid_release(struct cid_pool *pool, uint32_t cid, struct error *e)
{
	uint32_t i = cid - CID_FIRST_GUEST;

	if (!cid_in_use(pool, cid))
		return error_set(e, -EINVAL, "CID %u is not allocated", cid);
	pool->used[i / 64] &= ~(1ULL << (i % 64));
	pool->count--;
	return 0;
}
