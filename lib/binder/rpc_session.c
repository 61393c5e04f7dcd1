/*
 * rpc_session.c - an RPC session's connections, the frames on them,
 * calls (TRANSACT and the wait for REPLY), the commands that come in,
 * and the end of a session.  See rpc_session.h.
 */
#include "rpc_session.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ibinder.h"
#include "log.h"
#include "parcel.h"

#define DEC_FRAME_SIZE (RPC_WIRE_HEADER_SIZE + RPC_DEC_STRONG_SIZE)
/* DEC_STRONGs the session keeps for later, merged by address. */
#define RPC_MAX_PENDING_DECS 64u

/* What this thread is doing on which connection (see rpc_session.h). */
struct rpc_thread_use {
	struct rpc_session *s;
	struct rpc_conn *c;
	bool waiting;	/* for a reply on c: every call of the thread goes on c */
	bool nested_ok; /* serving a synchronous call that came on c */
	struct rpc_thread_use *prev;
};

static _Thread_local struct rpc_thread_use *thread_uses;

static void use_push(struct rpc_thread_use *u, struct rpc_session *s, struct rpc_conn *c,
		     bool waiting, bool nested_ok)
{
	u->s = s;
	u->c = c;
	u->waiting = waiting;
	u->nested_ok = nested_ok;
	u->prev = thread_uses;
	thread_uses = u;
}

static void use_pop(struct rpc_thread_use *u)
{
	thread_uses = u->prev;
}

static void close_fds(int *fds, size_t nfds)
{
	size_t i;

	for (i = 0; i < nfds; i++)
		close(fds[i]);
}

/* ------------------------------------------------------------------ life cycle */

struct rpc_session *rpc_session_new(bool server_side)
{
	struct rpc_session *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	atomic_init(&s->refs, 1);
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->conn_free, NULL);
	s->server_side = server_side;
	s->version = RPC_WIRE_PROTOCOL_VERSION;
	s->max_incoming = 0;
	s->max_outgoing = RPC_MAX_THREADS;
	rpc_state_init(&s->nodes);
	return s;
}

void rpc_session_get(struct rpc_session *s)
{
	atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
}

void rpc_session_put(struct rpc_session *s)
{
	struct rpc_conn *c;

	if (atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) != 1)
		return;
	/* Not ended only if it was never used; end it for the node table. */
	rpc_session_shutdown(s);
	while ((c = s->conns)) {
		s->conns = c->next;
		c->t->ops->destroy(c->t);
		free(c);
	}
	free(s->pending);
	pthread_cond_destroy(&s->conn_free);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

static int add_conn(struct rpc_session *s, struct rpc_transport *t, bool incoming, bool held,
		    struct rpc_conn **out)
{
	struct rpc_conn *c = calloc(1, sizeof(*c));
	int r = 0;

	if (!c) {
		t->ops->destroy(t);
		return -ENOMEM;
	}
	c->t = t;
	c->incoming = incoming;
	c->busy = held;
	/* Without fds, reading ahead saves system calls (rpc_transport.h). */
	if (s->fd_mode != RPC_FD_TRANSPORT_UNIX && t->ops->set_buffered(t) < 0) {
		t->ops->destroy(t);
		free(c);
		return -ENOMEM;
	}
	pthread_mutex_lock(&s->lock);
	if (s->terminated)
		r = -EPIPE;
	else if (incoming ? s->n_incoming >= s->max_incoming : s->n_outgoing >= s->max_outgoing)
		r = -EMSGSIZE;
	if (r == 0) {
		c->next = s->conns;
		s->conns = c;
		if (incoming) {
			s->n_incoming++;
		} else {
			s->n_outgoing++;
			pthread_cond_signal(&s->conn_free);
		}
	}
	pthread_mutex_unlock(&s->lock);
	if (r < 0) {
		t->ops->destroy(t);
		free(c);
		return r;
	}
	if (out)
		*out = c;
	return 0;
}

int rpc_session_add_conn(struct rpc_session *s, struct rpc_transport *t, bool incoming,
			 struct rpc_conn **out)
{
	return add_conn(s, t, incoming, false, out);
}

int rpc_session_add_held_conn(struct rpc_session *s, struct rpc_transport *t, struct rpc_conn **out)
{
	return add_conn(s, t, false, true, out);
}

void rpc_session_detach(struct rpc_session *s)
{
	pthread_mutex_lock(&s->lock);
	s->on_end = NULL;
	pthread_mutex_unlock(&s->lock);
}

void rpc_session_shutdown(struct rpc_session *s)
{
	struct rpc_node *nodes;
	struct rpc_conn *c;
	AIBinder *root;

	pthread_mutex_lock(&s->lock);
	if (s->terminated) {
		pthread_mutex_unlock(&s->lock);
		return;
	}
	s->terminated = true;
	for (c = s->conns; c; c = c->next)
		c->t->ops->shutdown(c->t);
	pthread_cond_broadcast(&s->conn_free);
	nodes = rpc_refs_take_all_locked(s);
	root = s->root;
	s->root = NULL;
	atomic_store(&s->npending, 0);
	if (s->on_end) {
		s->on_end(s->on_end_arg, s);
		s->on_end = NULL;
	}
	pthread_mutex_unlock(&s->lock);
	rpc_refs_release_all(s, nodes);
	AIBinder_decStrong(root);
}

/* Why this thread found the peer at fault (for session_fail's message). */
static _Thread_local char fault[128];

static int peer_fault(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int peer_fault(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fault, sizeof(fault), fmt, ap);
	va_end(ap);
	return err;
}

/* The session cannot go on: say why (unless it simply ended) and end it. */
static binder_status_t session_fail(struct rpc_session *s, int err, const char *what)
{
	bool ended;

	pthread_mutex_lock(&s->lock);
	ended = s->terminated;
	pthread_mutex_unlock(&s->lock);
	if (ended)
		;
	else if (err == -EPIPE && !fault[0])
		binder_info("RPC session %p: the peer closed the connection (%s)", (void *)s, what);
	else
		binder_warn("RPC session %p: %s: %s; ending the session", (void *)s, what,
			    fault[0] ? fault : strerror(-err));
	fault[0] = '\0';
	rpc_session_shutdown(s);
	return STATUS_DEAD_OBJECT;
}

/* ------------------------------------------------------------------ connections */

enum conn_use { USE_SYNC, USE_ONEWAY, USE_REFCOUNT };

/*
 * A free outgoing connection (lock held), or NULL.  Oneway calls take
 * turns over the free ones, as libbinder's do, so that a stream of them
 * does not queue behind one busy connection.
 */
static struct rpc_conn *free_outgoing(struct rpc_session *s, bool rotate)
{
	struct rpc_conn *c;
	size_t nfree = 0, pick;

	for (c = s->conns; c; c = c->next)
		nfree += !c->incoming && !c->busy;
	if (!nfree)
		return NULL;
	pick = rotate ? s->oneway_turn++ % nfree : 0;
	for (c = s->conns; c; c = c->next)
		if (!c->incoming && !c->busy && pick-- == 0)
			break;
	return c;
}

/*
 * A connection for a call or a DEC_STRONG.  *@owned tells whether it was
 * taken here (release it with release_conn) or is one this thread already
 * uses.  -EAGAIN when there is no outgoing connection to wait for (or,
 * for USE_REFCOUNT, none free), -EPIPE after the end.
 */
static int acquire_conn(struct rpc_session *s, enum conn_use use, struct rpc_conn **out,
			bool *owned)
{
	struct rpc_thread_use *u, *top = NULL;
	struct rpc_conn *c;

	/*
	 * A connection this thread waits on (anywhere up its stack: a oneway
	 * call served meanwhile counts too) takes all its calls; the one it
	 * serves a synchronous call from takes its synchronous calls; any it
	 * uses takes its DEC_STRONGs.
	 */
	for (u = thread_uses; u; u = u->prev) {
		if (u->s != s)
			continue;
		if (!top)
			top = u;
		if (u->waiting)
			break;
	}
	if (!u && top && (use == USE_REFCOUNT || (use == USE_SYNC && top->nested_ok)))
		u = top;
	if (u) {
		*out = u->c;
		*owned = false;
		return 0;
	}
	pthread_mutex_lock(&s->lock);
	for (;;) {
		if (s->terminated) {
			pthread_mutex_unlock(&s->lock);
			return -EPIPE;
		}
		c = free_outgoing(s, use == USE_ONEWAY);
		if (c) {
			c->busy = true;
			pthread_mutex_unlock(&s->lock);
			*out = c;
			*owned = true;
			return 0;
		}
		if (s->n_outgoing == 0 || use == USE_REFCOUNT) {
			pthread_mutex_unlock(&s->lock);
			return -EAGAIN;
		}
		pthread_cond_wait(&s->conn_free, &s->lock);
	}
}

static int flush_queued(struct rpc_session *s, struct rpc_conn *c);

static void release_conn(struct rpc_session *s, struct rpc_conn *c)
{
	if (c->outq_len)
		flush_queued(s, c);
	pthread_mutex_lock(&s->lock);
	c->busy = false;
	pthread_cond_signal(&s->conn_free);
	pthread_mutex_unlock(&s->lock);
}

void rpc_session_release_conn(struct rpc_session *s, struct rpc_conn *c)
{
	release_conn(s, c);
}

/* ------------------------------------------------------------------ frames */

/* Move the DEC_STRONGs queued on @c and in the session to @buf; their size. */
static size_t take_queued(struct rpc_session *s, struct rpc_conn *c, uint8_t *buf)
{
	size_t n = c->outq_len, i;

	memcpy(buf, c->outq, n);
	c->outq_len = 0;
	if (!atomic_load(&s->npending))
		return n;
	pthread_mutex_lock(&s->lock);
	for (i = 0; i < s->npending; i++, n += DEC_FRAME_SIZE) {
		rpc_wire_put_header(buf + n, RPC_COMMAND_DEC_STRONG, RPC_DEC_STRONG_SIZE);
		rpc_wire_put_dec_strong(buf + n + RPC_WIRE_HEADER_SIZE, s->pending[i].address,
					s->pending[i].amount);
	}
	atomic_store(&s->npending, 0);
	pthread_mutex_unlock(&s->lock);
	return n;
}

#define QUEUED_MAX (sizeof(((struct rpc_conn *)0)->outq) + RPC_MAX_PENDING_DECS * DEC_FRAME_SIZE)

/*
 * Send one frame (@iov) on @c, with @fds, after whatever DEC_STRONGs are
 * queued.  Any failure ends the session (-EPIPE).
 */
static int send_frame(struct rpc_session *s, struct rpc_conn *c, const struct iovec *iov,
		      int iovcnt, const int *fds, size_t nfds)
{
	uint8_t queued[QUEUED_MAX];
	struct iovec v[8];
	size_t n = take_queued(s, c, queued);
	int r = 0, k = 0;

	if (n && nfds) {
		/* The fds go with the first byte sent: that must be this frame's. */
		struct iovec q = {queued, n};

		r = c->t->ops->send(c->t, &q, 1, NULL, 0);
		n = 0;
	}
	if (n) {
		v[k].iov_base = queued;
		v[k++].iov_len = n;
	}
	for (; iovcnt > 0 && k < 8; iov++, iovcnt--)
		if (iov->iov_len)
			v[k++] = *iov;
	if (r == 0 && k > 0)
		r = c->t->ops->send(c->t, v, k, fds, nfds);
	if (r < 0) {
		session_fail(s, r, "sending");
		return -EPIPE;
	}
	return 0;
}

/* Send what is queued, if anything (before blocking on a read). */
static int flush_queued(struct rpc_session *s, struct rpc_conn *c)
{
	return send_frame(s, c, NULL, 0, NULL, 0);
}

/* Wait for the next command header on @c; fds that came with it in @fds. */
static int read_command(struct rpc_session *s, struct rpc_conn *c, struct rpc_wire_header *h,
			int *fds, size_t *nfds)
{
	uint8_t buf[RPC_WIRE_HEADER_SIZE];
	bool want_fds = s->fd_mode == RPC_FD_TRANSPORT_UNIX;
	int r;

	*nfds = 0;
	if (c->outq_len || atomic_load(&s->npending)) {
		r = flush_queued(s, c);
		if (r < 0)
			return r;
	}
	r = c->t->ops->recv(c->t, buf, sizeof(buf), want_fds ? fds : NULL, nfds, RPC_MAX_FDS);
	if (r == -EBADMSG)
		peer_fault(r, "file descriptors the session does not take (or more than %u)",
			   RPC_MAX_FDS);
	if (r == 0) {
		r = rpc_wire_get_header(buf, h);
		if (r < 0)
			peer_fault(r, "bad frame header: command %u, body of %u bytes", h->command,
				   h->body_size);
	}
	if (r < 0)
		close_fds(fds, *nfds);
	return r;
}

/* The body of @h into a new buffer (NULL and -errno on failure). */
static int read_body(struct rpc_conn *c, const struct rpc_wire_header *h, uint8_t **body)
{
	int r;

	*body = malloc(h->body_size);
	if (!*body)
		return -ENOMEM;
	r = c->t->ops->recv(c->t, *body, h->body_size, NULL, NULL, 0);
	if (r < 0) {
		free(*body);
		*body = NULL;
	}
	return r;
}

/* The frame of a TRANSACT (@reply false) or REPLY around the parcel @p. */
static int send_parcel_frame(struct rpc_session *s, struct rpc_conn *c, bool reply,
			     const struct rpc_wire_transaction *t, const AParcel *p)
{
	uint8_t head[RPC_WIRE_HEADER_SIZE], fixed[RPC_WIRE_TRANSACTION_SIZE];
	size_t fixed_len = reply ? RPC_WIRE_REPLY_SIZE : RPC_WIRE_TRANSACTION_SIZE;
	size_t nfds = p ? p->nfds : 0, size = p ? p->size : 0;
	struct iovec iov[4] = {
	    {head, sizeof(head)},
	    {fixed, fixed_len},
	    {p ? p->data : NULL, size},
	    {p ? (void *)p->fd_pos : NULL, 4 * nfds}, /* little-endian u32s */
	};

	rpc_wire_put_header(head, reply ? RPC_COMMAND_REPLY : RPC_COMMAND_TRANSACT,
			    (uint32_t)(fixed_len + size + 4 * nfds));
	if (reply)
		rpc_wire_put_reply(fixed, t->status, (uint32_t)size);
	else
		rpc_wire_put_transaction(fixed, t);
	return send_frame(s, c, iov, 4, p ? p->fds : NULL, nfds);
}

/* ------------------------------------------------------------------ DEC_STRONG */

static void queue_pending(struct rpc_session *s, uint64_t address, uint32_t amount)
{
	size_t i;

	pthread_mutex_lock(&s->lock);
	for (i = 0; i < s->npending && s->pending[i].address != address; i++)
		;
	if (s->terminated) {
		/* nothing to release any more */
	} else if (i < s->npending && s->pending[i].amount <= UINT32_MAX - amount) {
		s->pending[i].amount += amount;
	} else if (s->npending < RPC_MAX_PENDING_DECS) {
		if (!s->pending)
			s->pending = calloc(RPC_MAX_PENDING_DECS, sizeof(*s->pending));
		if (s->pending) {
			s->pending[s->npending].address = address;
			s->pending[s->npending].amount = amount;
			atomic_fetch_add(&s->npending, 1);
		}
	} else {
		/* Only a peer that never lets us send ends up here; the
		 * references are released when the session ends. */
		binder_warn("RPC session %p: too many DEC_STRONG waiting; dropping one", (void *)s);
	}
	pthread_mutex_unlock(&s->lock);
}

void rpc_session_send_dec_strong(struct rpc_session *s, uint64_t address, uint32_t amount)
{
	uint8_t frame[DEC_FRAME_SIZE];
	struct iovec iov = {frame, sizeof(frame)};
	struct rpc_conn *c;
	bool owned;
	int r;

	if (!amount)
		return;
	rpc_wire_put_header(frame, RPC_COMMAND_DEC_STRONG, RPC_DEC_STRONG_SIZE);
	rpc_wire_put_dec_strong(frame + RPC_WIRE_HEADER_SIZE, address, amount);
	r = acquire_conn(s, USE_REFCOUNT, &c, &owned);
	if (r == -EAGAIN) {
		queue_pending(s, address, amount);
	} else if (r == 0 && owned) {
		send_frame(s, c, &iov, 1, NULL, 0);
		release_conn(s, c);
	} else if (r == 0) {
		/* This thread's own connection: goes out with its next write. */
		if (c->outq_len + sizeof(frame) > sizeof(c->outq) && flush_queued(s, c) < 0)
			return;
		memcpy(c->outq + c->outq_len, frame, sizeof(frame));
		c->outq_len += sizeof(frame);
	}
}

/* ------------------------------------------------------------------ calls */

/* A REPLY's body: the status in *@status, the parcel into @out. */
static int read_reply(struct rpc_session *s, struct rpc_conn *c, const struct rpc_wire_header *h,
		      int *fds, size_t nfds, AParcel *out, binder_status_t *status)
{
	struct rpc_wire_transaction t;
	uint32_t pos[RPC_MAX_FDS];
	uint8_t *body;
	int r = read_body(c, h, &body);

	if (r == 0)
		r = rpc_wire_get_reply(body, h->body_size, &t);
	if (r == 0)
		r = rpc_wire_get_object_table(&t, pos);
	if (r == 0 && t.nobjects != nfds)
		r = -EBADMSG;
	if (r < 0 && r != -EPIPE)
		peer_fault(r, "malformed REPLY (parcel of %u bytes in %u, %zu objects, %zu fds)",
			   t.parcel_size, h->body_size, t.nobjects, nfds);
	if (r < 0 || t.status != STATUS_OK) {
		free(body);
		close_fds(fds, nfds);
		*status = r < 0 ? STATUS_DEAD_OBJECT : t.status;
		return r;
	}
	*status = STATUS_OK;
	(void)s;
	return parcel_adopt(out, body, body + RPC_WIRE_REPLY_SIZE, t.parcel_size, pos, fds, nfds);
}

static int process_command(struct rpc_session *s, struct rpc_conn *c,
			   const struct rpc_wire_header *h, int *fds, size_t nfds);

/* Wait on @c for the reply to the call just sent, serving calls meanwhile. */
static binder_status_t wait_reply(struct rpc_session *s, struct rpc_conn *c, AParcel *out)
{
	struct rpc_thread_use u;
	struct rpc_wire_header h;
	int fds[RPC_MAX_FDS];
	size_t nfds;
	binder_status_t status = STATUS_DEAD_OBJECT;
	int r;

	use_push(&u, s, c, true, false);
	for (;;) {
		r = read_command(s, c, &h, fds, &nfds);
		if (r < 0)
			break;
		if (h.command == RPC_COMMAND_REPLY) {
			r = read_reply(s, c, &h, fds, nfds, out, &status);
			break;
		}
		r = process_command(s, c, &h, fds, nfds);
		if (r < 0)
			break;
	}
	use_pop(&u);
	if (r < 0)
		return session_fail(s, r, "waiting for a reply");
	return status;
}

binder_status_t rpc_session_transact(struct rpc_session *s, uint64_t address, AIBinder *proxy,
				     transaction_code_t code, const AParcel *in, AParcel *out,
				     binder_flags_t flags)
{
	struct rpc_wire_transaction t = {.address = address, .code = code, .flags = flags};
	bool oneway = flags & FLAG_ONEWAY, owned;
	struct rpc_conn *c;
	binder_status_t status = STATUS_OK;
	int r;

	if (in->size > RPC_MAX_PARCEL_SIZE)
		return -EMSGSIZE;
	r = acquire_conn(s, oneway ? USE_ONEWAY : USE_SYNC, &c, &owned);
	if (r == -EAGAIN)
		binder_warn("RPC session %p: no connection to call the peer on (it opened none for "
			    "calls from this side, and this is not a call nested in one of its)",
			    (void *)s);
	if (r < 0)
		return r == -EAGAIN ? STATUS_WOULD_BLOCK : STATUS_DEAD_OBJECT;
	if (address)
		r = rpc_refs_target_sent(s, address, proxy, oneway ? &t.async_number : NULL);
	t.parcel_size = (uint32_t)in->size;
	if (r == 0)
		r = send_parcel_frame(s, c, false, &t, in);
	if (r < 0)
		status = STATUS_DEAD_OBJECT;
	else if (!oneway)
		status = wait_reply(s, c, out);
	if (owned)
		release_conn(s, c);
	return status;
}

/* ------------------------------------------------------------------ incoming commands */

/* Answer a transaction to address 0. */
static binder_status_t special_transaction(struct rpc_session *s, transaction_code_t code,
					   AParcel *out)
{
	binder_status_t r;
	AIBinder *root;

	switch (code) {
	case RPC_SPECIAL_TRANSACT_GET_ROOT:
		pthread_mutex_lock(&s->lock);
		root = s->root;
		AIBinder_incStrong(root);
		pthread_mutex_unlock(&s->lock);
		r = AParcel_writeStrongBinder(out, root);
		AIBinder_decStrong(root);
		return r;
	case RPC_SPECIAL_TRANSACT_GET_MAX_THREADS:
		return AParcel_writeInt32(out, (int32_t)s->max_threads_reply);
	case RPC_SPECIAL_TRANSACT_GET_SESSION_ID:
		if (!s->has_id)
			return STATUS_INVALID_OPERATION;
		return AParcel_writeByteArray(out, (const int8_t *)s->id, RPC_SESSION_ID_SIZE);
	default:
		return STATUS_UNKNOWN_TRANSACTION;
	}
}

/* Decode a TRANSACT body: -EBADMSG / -EMSGSIZE if malformed. */
static int decode_transaction(const uint8_t *body, size_t len, size_t nfds,
			      struct rpc_wire_transaction *t, uint32_t *pos)
{
	int r = rpc_wire_get_transaction(body, len, t);

	if (r == 0)
		r = rpc_wire_get_object_table(t, pos);
	if (r == 0 && t->nobjects != nfds)
		r = -EBADMSG;
	return r;
}

/*
 * Run a TRANSACT whose @body (and @fds) this takes over; for a oneway
 * call, then the queued ones now due.  Returns < 0 only when the session
 * must end.
 */
static int run_transaction(struct rpc_session *s, struct rpc_conn *c, uint8_t *body, size_t len,
			   int *fds_in, size_t nfds)
{
	struct rpc_wire_transaction t;
	struct rpc_thread_use u;
	struct rpc_async_todo *todo;
	uint32_t pos[RPC_MAX_FDS];
	int fds[RPC_MAX_FDS];
	AIBinder *target = NULL;
	AParcel *in = NULL, *out = NULL;
	binder_status_t status;
	bool oneway;
	int r;

	memcpy(fds, fds_in, sizeof(int) * nfds);
	r = decode_transaction(body, len, nfds, &t, pos);
	oneway = t.flags & FLAG_ONEWAY;
	if (r < 0)
		peer_fault(r,
			   "malformed TRANSACT (parcel of %u bytes in %zu, %zu objects, %zu fds)",
			   t.parcel_size, len, t.nobjects, nfds);
	else if (t.address == 0 && oneway)
		r = peer_fault(-EBADMSG, "oneway call to the session itself");
	if (r == 0 && t.address) {
		r = rpc_refs_target_received(s, t.address, &target);
		if (r == -EBADMSG)
			peer_fault(r, "call to %#llx, which is not one of our objects",
				   (unsigned long long)t.address);
		if (r == -ENOENT) {
			binder_warn("RPC session %p: call to an object it does not hold (%#llx)",
				    (void *)s, (unsigned long long)t.address);
			free(body);
			close_fds(fds, nfds);
			t.status = STATUS_BAD_VALUE;
			return oneway ? 0 : send_parcel_frame(s, c, true, &t, NULL);
		}
	}
	if (r == 0 && oneway) {
		r = rpc_refs_async_arrived(s, t.address, t.async_number, body, len, fds, nfds);
		if (r == -EBADMSG || r == -EMSGSIZE)
			peer_fault(r, "oneway call number %llu to %#llx: %s",
				   (unsigned long long)t.async_number,
				   (unsigned long long)t.address,
				   r == -EBADMSG ? "already used" : "too many waiting");
		if (r == 1) {
			AIBinder_decStrong(target);
			return 0;
		}
	}
	if (r < 0) {
		AIBinder_decStrong(target);
		free(body);
		close_fds(fds, nfds);
		return r;
	}
	for (;;) {
		in = rpc_session_new_parcel(s);
		out = rpc_session_new_parcel(s);
		if (!in || !out) {
			status = STATUS_NO_MEMORY;
			free(body);
			close_fds(fds, nfds);
		} else {
			status = parcel_adopt(in, body, body + RPC_WIRE_TRANSACTION_SIZE,
					      t.parcel_size, pos, fds, nfds);
		}
		if (status == STATUS_OK) {
			use_push(&u, s, c, false, !oneway);
			if (target)
				status = binder_dispatch(target, t.code, in, out, t.flags);
			else
				status = special_transaction(s, t.code, out);
			use_pop(&u);
		}
		AParcel_delete(in);
		if (!oneway)
			break;
		if (status != STATUS_OK)
			binder_info("RPC session %p: oneway call %#x failed: %d", (void *)s, t.code,
				    status);
		AParcel_delete(out);
		out = NULL;
		todo = rpc_refs_async_done(s, t.address);
		if (!todo)
			break;
		body = todo->body;
		len = todo->len;
		nfds = todo->nfds;
		memcpy(fds, todo->fds, sizeof(int) * nfds);
		free(todo);
		decode_transaction(body, len, nfds, &t, pos); /* checked when it came */
	}
	if (target) {
		rpc_refs_flush_received(s, t.address);
		AIBinder_decStrong(target);
	}
	r = 0;
	if (!oneway) {
		t.status = status;
		r = send_parcel_frame(s, c, true, &t, status == STATUS_OK ? out : NULL);
	}
	AParcel_delete(out);
	return r;
}

static int process_command(struct rpc_session *s, struct rpc_conn *c,
			   const struct rpc_wire_header *h, int *fds, size_t nfds)
{
	struct rpc_wire_dec_strong d;
	uint8_t *body;
	int r;

	switch (h->command) {
	case RPC_COMMAND_TRANSACT:
		r = read_body(c, h, &body);
		if (r < 0) {
			close_fds(fds, nfds);
			return r;
		}
		return run_transaction(s, c, body, h->body_size, fds, nfds);
	case RPC_COMMAND_DEC_STRONG:
		close_fds(fds, nfds);
		if (nfds)
			return peer_fault(-EBADMSG, "file descriptors with a DEC_STRONG");
		r = read_body(c, h, &body);
		if (r < 0)
			return r;
		rpc_wire_get_dec_strong(body, &d);
		free(body);
		return rpc_refs_dec_strong(s, d.address, d.amount);
	default:
		close_fds(fds, nfds);
		return peer_fault(-EBADMSG, "a REPLY nobody waits for");
	}
}

void rpc_session_join(struct rpc_session *s, struct rpc_conn *c)
{
	struct rpc_thread_use u;
	struct rpc_wire_header h;
	int fds[RPC_MAX_FDS];
	size_t nfds;
	int r;

	use_push(&u, s, c, false, false);
	do {
		r = read_command(s, c, &h, fds, &nfds);
		if (r == 0)
			r = process_command(s, c, &h, fds, nfds);
	} while (r == 0);
	use_pop(&u);
	session_fail(s, r, "serving calls");
}
