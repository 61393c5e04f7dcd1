/*
 * rpc_state.h - a session's node table: every binder object the two
 * sides of one RPC session know each other by, under its wire address.
 *
 * A node is either one of our local objects that we sent (the node holds
 * a strong reference to it), or an object of the peer's that we received
 * (the node points to our proxy for it, without a reference, and holds
 * one only while we have sent the proxy back: sent_ref).  The counters
 * are libbinder's RPC reference counts:
 *   times_sent  how often we sent the object and the peer has not yet
 *               released it with DEC_STRONG;
 *   times_recd  how often we received it and have not yet released it.
 * A transaction counts as sending its target object once.  A node goes
 * when both counters are 0.
 *
 * This file is the container only: the caller (rpc_refs.c) holds the
 * session's lock and keeps the counters.
 */
#ifndef BINDER_RPC_STATE_H
#define BINDER_RPC_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <android/binder_ibinder.h>

#include "rpc_wire.h"

/* Nodes per session: beyond it, sending or receiving new objects fails. */
#define RPC_MAX_NODES 4096u

/* A oneway transaction that came before its turn (asyncNumber order). */
struct rpc_async_todo {
	uint64_t async_number;
	uint8_t *body; /* the whole TRANSACT body */
	size_t len;
	int fds[RPC_MAX_FDS];
	size_t nfds;
	struct rpc_async_todo *next; /* in increasing async_number */
};

struct rpc_node {
	uint64_t address;
	bool local;
	AIBinder *binder;   /* local: a reference; proxy: none, NULL once it is gone */
	AIBinder *sent_ref; /* proxy: a reference while times_sent > 0 */
	uint64_t times_sent, times_recd;
	/* Local: the next oneway transaction to run; proxy: the next to send. */
	uint64_t async_number;
	struct rpc_async_todo *todo;
	size_t ntodo;
	struct rpc_node *next_by_address, *next_by_binder;
};

#define RPC_STATE_BUCKETS 256u

struct rpc_state {
	struct rpc_node *by_address[RPC_STATE_BUCKETS];
	struct rpc_node *by_binder[RPC_STATE_BUCKETS]; /* local nodes only */
	size_t count;
	uint32_t next_id;
};

void rpc_state_init(struct rpc_state *st);
struct rpc_node *rpc_state_find(struct rpc_state *st, uint64_t address);
/* The node of our local object @binder, if it was sent. */
struct rpc_node *rpc_state_find_local(struct rpc_state *st, const AIBinder *binder);
/* A new node (counters 0), or NULL if memory runs out or the table is full. */
struct rpc_node *rpc_state_add(struct rpc_state *st, uint64_t address, bool local,
			       AIBinder *binder);
/* Take @node out and free it (its references and todos are the caller's). */
void rpc_state_remove(struct rpc_state *st, struct rpc_node *node);
/* An address for a new local node: { CREATED | (FOR_SERVER), unused id }. */
uint64_t rpc_state_new_address(struct rpc_state *st, bool server_side);
/*
 * Empty the table; its nodes are returned as a list on next_by_address
 * for the caller to release and free.
 */
struct rpc_node *rpc_state_take_all(struct rpc_state *st);

#endif
