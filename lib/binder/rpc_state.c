/* rpc_state.c - see rpc_state.h. */
#include "rpc_state.h"

#include <stdlib.h>
#include <string.h>

static size_t hash64(uint64_t v)
{
	v ^= v >> 33;
	v *= 0xff51afd7ed558ccdULL;
	v ^= v >> 33;
	return (size_t)(v % RPC_STATE_BUCKETS);
}

static size_t hash_binder(const AIBinder *b)
{
	return hash64((uint64_t)(uintptr_t)b);
}

void rpc_state_init(struct rpc_state *st)
{
	memset(st, 0, sizeof(*st));
}

struct rpc_node *rpc_state_find(struct rpc_state *st, uint64_t address)
{
	struct rpc_node *n = st->by_address[hash64(address)];

	while (n && n->address != address)
		n = n->next_by_address;
	return n;
}

struct rpc_node *rpc_state_find_local(struct rpc_state *st, const AIBinder *binder)
{
	struct rpc_node *n = st->by_binder[hash_binder(binder)];

	while (n && n->binder != binder)
		n = n->next_by_binder;
	return n;
}

struct rpc_node *rpc_state_add(struct rpc_state *st, uint64_t address, bool local, AIBinder *binder)
{
	struct rpc_node *n;
	size_t h;

	if (st->count >= RPC_MAX_NODES)
		return NULL;
	n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->address = address;
	n->local = local;
	n->binder = binder;
	h = hash64(address);
	n->next_by_address = st->by_address[h];
	st->by_address[h] = n;
	if (local) {
		h = hash_binder(binder);
		n->next_by_binder = st->by_binder[h];
		st->by_binder[h] = n;
	}
	st->count++;
	return n;
}

void rpc_state_remove(struct rpc_state *st, struct rpc_node *node)
{
	struct rpc_node **pp = &st->by_address[hash64(node->address)];

	while (*pp && *pp != node)
		pp = &(*pp)->next_by_address;
	if (*pp)
		*pp = node->next_by_address;
	if (node->local) {
		pp = &st->by_binder[hash_binder(node->binder)];
		while (*pp && *pp != node)
			pp = &(*pp)->next_by_binder;
		if (*pp)
			*pp = node->next_by_binder;
	}
	st->count--;
	free(node);
}

uint64_t rpc_state_new_address(struct rpc_state *st, bool server_side)
{
	uint32_t options = RPC_WIRE_ADDRESS_OPTION_CREATED;
	uint64_t address;

	if (server_side)
		options |= RPC_WIRE_ADDRESS_OPTION_FOR_SERVER;
	/* At most RPC_MAX_NODES ids are in use: a free one comes quickly. */
	do
		address = rpc_address_make(options, st->next_id++);
	while (rpc_state_find(st, address));
	return address;
}

struct rpc_node *rpc_state_take_all(struct rpc_state *st)
{
	struct rpc_node *all = NULL, *n;
	size_t i;

	for (i = 0; i < RPC_STATE_BUCKETS; i++) {
		while ((n = st->by_address[i])) {
			st->by_address[i] = n->next_by_address;
			n->next_by_address = all;
			all = n;
		}
		st->by_binder[i] = NULL;
	}
	st->count = 0;
	return all;
}
