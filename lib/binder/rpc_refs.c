/*
 * rpc_refs.c - binder objects in an RPC session: naming them in parcels,
 * proxies for the peer's objects, libbinder's RPC reference counts
 * (rpc_state.h explains them) and the order of oneway calls.
 *
 * Everything here changes the node table under the session's lock and
 * does what can call out (dropping references, sending DEC_STRONG, ending
 * the session) after unlocking.  As in libbinder, a session whose node
 * table becomes empty ends: neither side holds anything of the other.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ibinder.h"
#include "log.h"
#include "parcel.h"
#include "rpc_session.h"

struct rpc_proxy {
	struct rpc_session *s;
	uint64_t address;
};

static const struct binder_proxy_ops rpc_proxy_ops;

/* ------------------------------------------------------------------ helpers */

/*
 * Remove @n if nobody counts on it any more (lock held).  Returns the
 * reference the node held, for the caller to drop unlocked; *@empty is
 * set when the table is now empty.
 */
static AIBinder *node_maybe_remove(struct rpc_session *s, struct rpc_node *n, bool *empty)
{
	AIBinder *drop = NULL;

	if (n->times_sent || n->times_recd || (!n->local && n->binder) || n->todo)
		return NULL;
	if (n->local)
		drop = n->binder;
	rpc_state_remove(&s->nodes, n);
	*empty = s->nodes.count == 0 && !s->terminated;
	return drop;
}

/* After a node went: drop its reference, and end the session if it was the last. */
static void after_remove(struct rpc_session *s, AIBinder *drop, bool empty)
{
	AIBinder_decStrong(drop);
	if (empty) {
		binder_info("RPC session %p: no binder left on either side; ending it", (void *)s);
		rpc_session_shutdown(s);
	}
}

static void send_dec(struct rpc_session *s, uint64_t address, uint64_t amount)
{
	while (amount) {
		uint32_t n = amount > UINT32_MAX ? UINT32_MAX : (uint32_t)amount;

		rpc_session_send_dec_strong(s, address, n);
		amount -= n;
	}
}

/* A proxy for @address (lock held; allocation only). */
static AIBinder *new_proxy(struct rpc_session *s, uint64_t address)
{
	struct rpc_proxy *p = malloc(sizeof(*p));
	AIBinder *b;

	if (!p)
		return NULL;
	p->s = s;
	p->address = address;
	b = binder_new_proxy(&rpc_proxy_ops, p, BINDER_STABILITY_LOCAL);
	if (!b) {
		free(p);
		return NULL;
	}
	rpc_session_get(s);
	return b;
}

static void free_todos(struct rpc_session *s, struct rpc_node *n)
{
	struct rpc_async_todo *t;
	size_t i;

	while ((t = n->todo)) {
		n->todo = t->next;
		s->todo_bytes -= t->len;
		for (i = 0; i < t->nfds; i++)
			close(t->fds[i]);
		free(t->body);
		free(t);
	}
	n->ntodo = 0;
}

/* ------------------------------------------------------------------ parcels */

/* A binder leaves in a parcel: its address, counted as sent once. */
static int binder_leaving(void *ctx, AIBinder *b, uint64_t *address)
{
	struct rpc_session *s = ctx;
	struct rpc_node *n;
	int r = 0;

	if (b->ops && (b->ops != &rpc_proxy_ops || ((struct rpc_proxy *)b->priv)->s != s)) {
		binder_warn("a proxy can only be sent back into its own RPC session");
		return STATUS_INVALID_OPERATION;
	}
	pthread_mutex_lock(&s->lock);
	if (s->terminated) {
		r = STATUS_DEAD_OBJECT;
	} else if (b->ops) {
		n = rpc_state_find(&s->nodes, ((struct rpc_proxy *)b->priv)->address);
		if (!n) {
			r = STATUS_DEAD_OBJECT;
		} else {
			if (n->times_sent++ == 0) {
				AIBinder_incStrong(b);
				n->sent_ref = b;
			}
			*address = n->address;
		}
	} else {
		n = rpc_state_find_local(&s->nodes, b);
		if (!n) {
			n = rpc_state_add(
			    &s->nodes, rpc_state_new_address(&s->nodes, s->server_side), true, b);
			if (n)
				AIBinder_incStrong(b);
		}
		if (!n) {
			r = STATUS_NO_MEMORY;
		} else {
			n->times_sent++;
			*address = n->address;
		}
	}
	pthread_mutex_unlock(&s->lock);
	return r;
}

/* A binder arrives in a parcel: our object, or a proxy; counted as received. */
static int binder_entering(void *ctx, uint64_t address, AIBinder **out)
{
	const uint32_t known = RPC_WIRE_ADDRESS_OPTION_CREATED | RPC_WIRE_ADDRESS_OPTION_FOR_SERVER;
	uint32_t options = rpc_address_options(address);
	struct rpc_session *s = ctx;
	struct rpc_node *n;
	AIBinder *b = NULL, *orphan = NULL;
	bool ours;
	int r = 0;

	if (options & ~known || !(options & RPC_WIRE_ADDRESS_OPTION_CREATED))
		return STATUS_BAD_VALUE;
	ours = !!(options & RPC_WIRE_ADDRESS_OPTION_FOR_SERVER) == s->server_side;
	pthread_mutex_lock(&s->lock);
	n = rpc_state_find(&s->nodes, address);
	if (s->terminated) {
		r = STATUS_DEAD_OBJECT;
	} else if (n && n->local) {
		if (n->times_sent == 0) {
			r = STATUS_BAD_VALUE; /* the peer cannot hold what we never sent */
		} else {
			n->times_recd++;
			b = n->binder;
			AIBinder_incStrong(b);
		}
	} else if (n) {
		if (n->binder && binder_try_inc_strong(n->binder)) {
			b = n->binder;
		} else {
			/* The old proxy is on its way out: it leaves the counts to this one. */
			b = new_proxy(s, address);
			if (b)
				n->binder = b;
			else
				r = STATUS_NO_MEMORY;
		}
		if (b)
			n->times_recd++;
	} else if (ours) {
		r = STATUS_BAD_VALUE; /* an address we would have made, but did not */
	} else {
		b = new_proxy(s, address);
		n = b ? rpc_state_add(&s->nodes, address, false, b) : NULL;
		if (n) {
			n->times_recd = 1;
		} else {
			orphan = b;
			b = NULL;
			r = STATUS_NO_MEMORY;
		}
	}
	pthread_mutex_unlock(&s->lock);
	if (orphan) {
		/* Never seen by anyone: free it without a release. */
		free(orphan->priv);
		free(orphan);
		rpc_session_put(s);
	}
	if (r == 0 && !b->ops)
		rpc_refs_flush_received(s, address); /* ours: the peer may forget it */
	*out = b;
	return r;
}

static void parcel_get(void *ctx)
{
	rpc_session_get(ctx);
}

static void parcel_put(void *ctx)
{
	rpc_session_put(ctx);
}

static const struct parcel_binder_ops rpc_parcel_ops = {
    .flatten = binder_leaving,
    .unflatten = binder_entering,
    .get = parcel_get,
    .put = parcel_put,
};

AParcel *rpc_session_new_parcel(struct rpc_session *s)
{
	return parcel_new(PARCEL_FORMAT_RPC, &rpc_parcel_ops, s,
			  s->fd_mode == RPC_FD_TRANSPORT_UNIX);
}

/* ------------------------------------------------------------------ proxies */

static binder_status_t proxy_transact(AIBinder *b, transaction_code_t code, const AParcel *in,
				      AParcel *out, binder_flags_t flags)
{
	struct rpc_proxy *p = b->priv;

	if (atomic_load(&b->dead))
		return STATUS_DEAD_OBJECT;
	return rpc_session_transact(p->s, p->address, b, code, in, out, flags);
}

static AParcel *proxy_new_parcel(AIBinder *b)
{
	return rpc_session_new_parcel(((struct rpc_proxy *)b->priv)->s);
}

static bool proxy_owns_parcel(AIBinder *b, const AParcel *parcel)
{
	return parcel_is_bound_to(parcel, &rpc_parcel_ops, ((struct rpc_proxy *)b->priv)->s);
}

/* The proxy's last reference is gone: release what we received of it. */
static void proxy_release(AIBinder *b)
{
	struct rpc_proxy *p = b->priv;
	struct rpc_session *s = p->s;
	struct rpc_node *n;
	uint64_t amount = 0;
	AIBinder *drop = NULL;
	bool empty = false;

	pthread_mutex_lock(&s->lock);
	n = rpc_state_find(&s->nodes, p->address);
	if (n && !n->local && n->binder == b) {
		n->binder = NULL;
		amount = n->times_recd;
		n->times_recd = 0;
		drop = node_maybe_remove(s, n, &empty);
	}
	pthread_mutex_unlock(&s->lock);
	send_dec(s, p->address, amount);
	after_remove(s, drop, empty);
	rpc_session_put(s);
	free(p);
}

static const struct binder_proxy_ops rpc_proxy_ops = {
    .transact = proxy_transact,
    .new_parcel = proxy_new_parcel,
    .owns_parcel = proxy_owns_parcel,
    .release = proxy_release,
};

/* ------------------------------------------------------------------ transactions */

int rpc_refs_target_sent(struct rpc_session *s, uint64_t address, AIBinder *proxy,
			 uint64_t *async_number)
{
	struct rpc_node *n;
	int r = 0;

	pthread_mutex_lock(&s->lock);
	n = s->terminated ? NULL : rpc_state_find(&s->nodes, address);
	if (!n || n->local) {
		r = -EPIPE;
	} else {
		if (n->times_sent++ == 0) {
			AIBinder_incStrong(proxy);
			n->sent_ref = proxy;
		}
		if (async_number)
			*async_number = n->async_number++;
	}
	pthread_mutex_unlock(&s->lock);
	return r;
}

int rpc_refs_target_received(struct rpc_session *s, uint64_t address, AIBinder **target)
{
	uint32_t options = rpc_address_options(address);
	struct rpc_node *n;
	int r = 0;

	*target = NULL;
	pthread_mutex_lock(&s->lock);
	n = rpc_state_find(&s->nodes, address);
	if (s->terminated) {
		r = -EPIPE;
	} else if (n && n->local && n->times_sent) {
		n->times_recd++;
		*target = n->binder;
		AIBinder_incStrong(n->binder);
	} else if (n) {
		r = -EBADMSG; /* one of its own objects, or one it released */
	} else if ((options & RPC_WIRE_ADDRESS_OPTION_CREATED) &&
		   !!(options & RPC_WIRE_ADDRESS_OPTION_FOR_SERVER) == s->server_side) {
		r = -ENOENT;
	} else {
		r = -EBADMSG;
	}
	pthread_mutex_unlock(&s->lock);
	return r;
}

void rpc_refs_flush_received(struct rpc_session *s, uint64_t address)
{
	struct rpc_node *n;
	uint64_t amount = 0;
	AIBinder *drop = NULL;
	bool empty = false;

	pthread_mutex_lock(&s->lock);
	n = rpc_state_find(&s->nodes, address);
	if (n && n->local) {
		amount = n->times_recd;
		n->times_recd = 0;
		drop = node_maybe_remove(s, n, &empty);
	}
	pthread_mutex_unlock(&s->lock);
	send_dec(s, address, amount);
	after_remove(s, drop, empty);
}

int rpc_refs_dec_strong(struct rpc_session *s, uint64_t address, uint32_t amount)
{
	struct rpc_node *n;
	AIBinder *sent = NULL, *drop = NULL;
	bool empty = false;

	pthread_mutex_lock(&s->lock);
	n = rpc_state_find(&s->nodes, address);
	if (s->terminated) {
		pthread_mutex_unlock(&s->lock);
		return 0; /* everything was released already */
	}
	if (!n || amount > n->times_sent) {
		pthread_mutex_unlock(&s->lock);
		/* As libbinder: noted, not fatal (it may cross our own release). */
		binder_info("RPC session %p: DEC_STRONG of %u on %#llx, which has %llu", (void *)s,
			    amount, (unsigned long long)address,
			    n ? (unsigned long long)n->times_sent : 0ULL);
		return 0;
	}
	n->times_sent -= amount;
	if (n->times_sent == 0 && !n->local) {
		sent = n->sent_ref;
		n->sent_ref = NULL;
	}
	drop = node_maybe_remove(s, n, &empty);
	pthread_mutex_unlock(&s->lock);
	AIBinder_decStrong(sent);
	after_remove(s, drop, empty);
	return 0;
}

/* ------------------------------------------------------------------ oneway order */

int rpc_refs_async_arrived(struct rpc_session *s, uint64_t address, uint64_t async_number,
			   uint8_t *body, size_t len, int *fds, size_t nfds)
{
	struct rpc_async_todo *t, **pp;
	struct rpc_node *n;
	int r = 1;

	pthread_mutex_lock(&s->lock);
	n = rpc_state_find(&s->nodes, address);
	if (!n || s->terminated) {
		r = -EPIPE;
		goto out;
	}
	if (async_number == n->async_number) {
		r = 0;
		goto out;
	}
	if (async_number < n->async_number) {
		r = -EBADMSG; /* a number already used */
		goto out;
	}
	if (n->ntodo >= RPC_MAX_ASYNC_TODO || s->todo_bytes + len > RPC_MAX_ASYNC_TODO_BYTES) {
		r = -EMSGSIZE;
		goto out;
	}
	for (pp = &n->todo; *pp && (*pp)->async_number < async_number; pp = &(*pp)->next)
		;
	if (*pp && (*pp)->async_number == async_number) {
		r = -EBADMSG;
		goto out;
	}
	t = malloc(sizeof(*t));
	if (!t) {
		r = -ENOMEM;
		goto out;
	}
	t->async_number = async_number;
	t->body = body;
	t->len = len;
	t->nfds = nfds;
	memcpy(t->fds, fds, sizeof(int) * nfds);
	t->next = *pp;
	*pp = t;
	n->ntodo++;
	s->todo_bytes += len;
out:
	pthread_mutex_unlock(&s->lock);
	return r;
}

struct rpc_async_todo *rpc_refs_async_done(struct rpc_session *s, uint64_t address)
{
	struct rpc_async_todo *t = NULL;
	struct rpc_node *n;

	pthread_mutex_lock(&s->lock);
	n = rpc_state_find(&s->nodes, address);
	if (n && !s->terminated) {
		n->async_number++;
		t = n->todo;
		if (t && t->async_number == n->async_number) {
			n->todo = t->next;
			n->ntodo--;
			s->todo_bytes -= t->len;
		} else {
			t = NULL;
		}
	}
	pthread_mutex_unlock(&s->lock);
	return t;
}

/* ------------------------------------------------------------------ the end */

struct rpc_node *rpc_refs_take_all_locked(struct rpc_session *s)
{
	struct rpc_node *all = rpc_state_take_all(&s->nodes), *n;

	for (n = all; n; n = n->next_by_address) {
		free_todos(s, n);
		if (!n->local && n->binder && !binder_try_inc_strong(n->binder))
			n->binder = NULL; /* going away by itself */
	}
	return all;
}

void rpc_refs_release_all(struct rpc_session *s, struct rpc_node *nodes)
{
	struct rpc_node *n, *locals = NULL;

	(void)s;
	/* Proxies first: their death recipients run while our objects live. */
	while ((n = nodes)) {
		nodes = n->next_by_address;
		if (n->local) {
			n->next_by_address = locals;
			locals = n;
			continue;
		}
		if (n->binder) {
			binder_proxy_died(n->binder);
			AIBinder_decStrong(n->binder);
		}
		AIBinder_decStrong(n->sent_ref);
		free(n);
	}
	while ((n = locals)) {
		locals = n->next_by_address;
		AIBinder_decStrong(n->binder);
		free(n);
	}
}
