/*
 * rpc_session.h - one RPC Binder session inside the library: its
 * connections, the calls over them and the commands coming in.  Shared by
 * rpc_session.c (connections, frames, calls, commands, shutdown),
 * rpc_refs.c (binder objects and their reference counts), rpc_client.c
 * (RpcSession_*, setting a session up) and rpc_server.c (RpcServer_*).
 *
 * Connections.  An outgoing connection is one we make calls on: a caller
 * takes a free one, sends, and waits on it for the reply.  An incoming
 * one is one the peer makes calls on: a thread of ours (rpc_session_join)
 * reads commands from it.  Either way one thread at a time does I/O on a
 * connection.  Each thread keeps a stack of the connections it is using
 * (thread-local), so that a call made while the thread serves a call, or
 * while it waits for a reply, goes on that same connection: the peer's
 * thread on the other end is waiting there and runs it (nested calls).
 *
 * Locking.  One mutex per session guards its connections list, the node
 * table and the pending DEC_STRONGs.  Nothing that can block or call out
 * (I/O, AIBinder_decStrong, user code, death recipients) runs under it.
 * The only lock taken under it is the server's (in on_end).
 *
 * DEC_STRONG.  A thread that releases references sends DEC_STRONG on the
 * connection it is using (queued in outq, flushed with its next send or
 * before its next read), else on a free outgoing connection, else it
 * queues them in the session (pending) for the next thread that sends or
 * reads on any connection of it.
 */
#ifndef BINDER_RPC_SESSION_H
#define BINDER_RPC_SESSION_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <android/binder_ibinder.h>
#include <binder/rpc.h>

#include "rpc_state.h"
#include "rpc_transport.h"
#include "rpc_wire.h"

/* Connections of each direction per session; threads a server runs per session. */
#define RPC_MAX_THREADS 16u
/* Oneway transactions waiting for their turn, per object and per session (bytes). */
#define RPC_MAX_ASYNC_TODO 1024u
#define RPC_MAX_ASYNC_TODO_BYTES (8u * 1024u * 1024u)
/* How long a new connection may take to introduce itself. */
#define RPC_HANDSHAKE_TIMEOUT_MS 5000u

#define RPC_CONN_OUTQ_FRAMES 8u

struct rpc_conn {
	struct rpc_transport *t;
	bool incoming; /* the peer calls us on it */
	bool busy;     /* outgoing: a caller has it */
	/* DEC_STRONG frames its current user queued. */
	uint8_t outq[RPC_CONN_OUTQ_FRAMES * (RPC_WIRE_HEADER_SIZE + RPC_DEC_STRONG_SIZE)];
	size_t outq_len;
	struct rpc_conn *next;
};

struct rpc_pending_dec {
	uint64_t address;
	uint32_t amount;
};

struct rpc_session {
	atomic_int refs;
	pthread_mutex_t lock;
	pthread_cond_t conn_free; /* an outgoing connection became free, or the end */
	bool server_side;
	uint32_t version;
	enum rpc_fd_transport_mode fd_mode;
	uint8_t id[RPC_SESSION_ID_SIZE];
	bool has_id;
	/* GET_MAX_THREADS: what we tell the peer (server: its max threads). */
	size_t max_threads_reply;
	/* Connections we accept of each kind (server side: the caps). */
	size_t max_incoming, max_outgoing;
	size_t n_incoming, n_outgoing;
	size_t oneway_turn; /* which free connection the next oneway call takes */
	struct rpc_conn *conns;
	AIBinder *root; /* what GET_ROOT answers (server side) */
	bool terminated;
	struct rpc_state nodes;
	size_t todo_bytes;
	struct rpc_pending_dec *pending;
	atomic_size_t npending; /* changed under the lock; read without it as a hint */
	/* Told once, under the lock, when the session ends (the server). */
	void (*on_end)(void *arg, struct rpc_session *s);
	void *on_end_arg;
	/* Threads reading incoming connections that this session started. */
	pthread_t threads[RPC_MAX_THREADS];
	size_t nthreads;
};

/* ------------------------------------------------------------ rpc_session.c */

struct rpc_session *rpc_session_new(bool server_side);
void rpc_session_get(struct rpc_session *s);
void rpc_session_put(struct rpc_session *s);

/*
 * Add a connection over @t (taken over even on failure): @incoming if the
 * peer calls us on it.  -EPIPE once the session ended, -EMSGSIZE beyond
 * the session's caps.
 */
int rpc_session_add_conn(struct rpc_session *s, struct rpc_transport *t, bool incoming,
			 struct rpc_conn **out);

/*
 * Add an outgoing connection over @t held busy for the caller, so that
 * bytes that must come first on it (the server's connection init) go out
 * before any call can take it; then rpc_session_release_conn().  Until
 * then, calls that find no other connection wait for it rather than fail.
 */
int rpc_session_add_held_conn(struct rpc_session *s, struct rpc_transport *t,
			      struct rpc_conn **out);
void rpc_session_release_conn(struct rpc_session *s, struct rpc_conn *c);

/*
 * Serve the incoming connection @c on this thread until the session
 * ends; the session ends when it returns.
 */
void rpc_session_join(struct rpc_session *s, struct rpc_conn *c);

/*
 * A transaction to @address (0: the special codes) of the peer, with
 * @proxy being our proxy for it (NULL for 0).  @in must belong to @s;
 * @out is filled unless FLAG_ONEWAY.
 */
binder_status_t rpc_session_transact(struct rpc_session *s, uint64_t address, AIBinder *proxy,
				     transaction_code_t code, const AParcel *in, AParcel *out,
				     binder_flags_t flags);

/* Release @amount references of ours on the peer's object @address. */
void rpc_session_send_dec_strong(struct rpc_session *s, uint64_t address, uint32_t amount);

/* End the session (see binder/rpc.h, Failure).  Idempotent. */
void rpc_session_shutdown(struct rpc_session *s);
/* Stop telling on_end (the server is going away). */
void rpc_session_detach(struct rpc_session *s);

/* ------------------------------------------------------------ rpc_refs.c */

/* A new parcel for a transaction on @s (binders named by its node table). */
AParcel *rpc_session_new_parcel(struct rpc_session *s);

/*
 * Sending a transaction to @address: count it as sending that object
 * once (holding @proxy meanwhile), and take its next asyncNumber for a
 * oneway call.  -EPIPE once the session ended.
 */
int rpc_refs_target_sent(struct rpc_session *s, uint64_t address, AIBinder *proxy,
			 uint64_t *async_number);

/*
 * A transaction arrived for @address: a new reference to our object in
 * *@target, counted as received once.  -ENOENT for an address we do not
 * know (the peer's mistake), -EBADMSG for one that cannot be ours (a
 * protocol violation), -EPIPE after the end.
 */
int rpc_refs_target_received(struct rpc_session *s, uint64_t address, AIBinder **target);

/* Release every reference the peer sent us on our object @address. */
void rpc_refs_flush_received(struct rpc_session *s, uint64_t address);

/*
 * Oneway ordering for a transaction to our object @address.  Returns 0
 * when it is its turn (run it now), 1 when it was queued (the todo took
 * @body and @fds), or -EBADMSG / -EMSGSIZE for a number already used or
 * too many queued (the session must end).
 */
int rpc_refs_async_arrived(struct rpc_session *s, uint64_t address, uint64_t async_number,
			   uint8_t *body, size_t len, int *fds, size_t nfds);
/* After running one: the next queued transaction that is now due, or NULL. */
struct rpc_async_todo *rpc_refs_async_done(struct rpc_session *s, uint64_t address);

/* A DEC_STRONG from the peer: -EBADMSG only for what must end the session. */
int rpc_refs_dec_strong(struct rpc_session *s, uint64_t address, uint32_t amount);

/*
 * The session is ending (lock held): empty the node table.  Proxies the
 * nodes point to are referenced (or forgotten, if already going) so that
 * rpc_refs_release_all() can use them after the lock is dropped.
 */
struct rpc_node *rpc_refs_take_all_locked(struct rpc_session *s);
/* Then, unlocked: release the nodes; death recipients of proxies run. */
void rpc_refs_release_all(struct rpc_session *s, struct rpc_node *nodes);

#endif
