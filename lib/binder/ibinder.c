/*
 * ibinder.c - AIBinder objects: classes, local objects and proxies,
 * reference counts, transactions and the dispatch to local objects.
 * Death recipients are in death.c; proxies' transports (backends) are in
 * rpc_*.c.  See ibinder.h.
 */
#include "ibinder.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "parcel.h"

struct AIBinder_Class {
	char *descriptor;
	AIBinder_Class_onCreate on_create;
	AIBinder_Class_onDestroy on_destroy;
	AIBinder_Class_onTransact on_transact;
	struct AIBinder_Class *next;
};

/* Classes live as long as the process: kept here so that they stay reachable. */
static pthread_mutex_t classes_lock = PTHREAD_MUTEX_INITIALIZER;
static AIBinder_Class *classes;

AIBinder_Class *AIBinder_Class_define(const char *interfaceDescriptor,
				      AIBinder_Class_onCreate onCreate,
				      AIBinder_Class_onDestroy onDestroy,
				      AIBinder_Class_onTransact onTransact)
{
	AIBinder_Class *c;

	if (!interfaceDescriptor || !onCreate || !onDestroy || !onTransact)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->descriptor = strdup(interfaceDescriptor);
	if (!c->descriptor) {
		free(c);
		return NULL;
	}
	c->on_create = onCreate;
	c->on_destroy = onDestroy;
	c->on_transact = onTransact;
	pthread_mutex_lock(&classes_lock);
	c->next = classes;
	classes = c;
	pthread_mutex_unlock(&classes_lock);
	return c;
}

static void *proxy_only_create(void *args)
{
	(void)args;
	return NULL;
}

static void proxy_only_destroy(void *data)
{
	(void)data;
}

static binder_status_t proxy_only_transact(AIBinder *binder, transaction_code_t code,
					   const AParcel *in, AParcel *out)
{
	(void)binder, (void)code, (void)in, (void)out;
	return STATUS_UNKNOWN_TRANSACTION;
}

AIBinder_Class *AIBinder_Class_defineProxy(const char *interfaceDescriptor)
{
	return AIBinder_Class_define(interfaceDescriptor, proxy_only_create, proxy_only_destroy,
				     proxy_only_transact);
}

const char *AIBinder_Class_getDescriptor(const AIBinder_Class *clazz)
{
	return clazz ? clazz->descriptor : NULL;
}

AIBinder *AIBinder_new(const AIBinder_Class *clazz, void *args)
{
	AIBinder *b;

	if (!clazz)
		return NULL;
	b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	atomic_init(&b->refs, 1);
	atomic_init(&b->clazz, clazz);
	atomic_init(&b->dead, false);
	b->stability = BINDER_STABILITY_LOCAL;
	b->user_data = clazz->on_create(args);
	return b;
}

AIBinder *binder_new_proxy(const struct binder_proxy_ops *ops, void *priv, int32_t stability)
{
	AIBinder *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	atomic_init(&b->refs, 1);
	atomic_init(&b->clazz, NULL);
	atomic_init(&b->dead, false);
	b->stability = stability;
	b->ops = ops;
	b->priv = priv;
	return b;
}

void *AIBinder_getUserData(AIBinder *b)
{
	return b && !b->ops ? b->user_data : NULL;
}

const AIBinder_Class *AIBinder_getClass(AIBinder *b)
{
	return b ? atomic_load(&b->clazz) : NULL;
}

void AIBinder_incStrong(AIBinder *b)
{
	if (b)
		atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed);
}

bool binder_try_inc_strong(AIBinder *b)
{
	int n = atomic_load(&b->refs);

	while (n > 0)
		if (atomic_compare_exchange_weak(&b->refs, &n, n + 1))
			return true;
	return false;
}

void AIBinder_decStrong(AIBinder *b)
{
	int old;

	if (!b)
		return;
	old = atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel);
	if (old > 1)
		return;
	if (old < 1) {
		binder_err("AIBinder_decStrong on an object with no reference left (%p)",
			   (void *)b);
		return;
	}
	if (b->ops) {
		b->ops->release(b);
		binder_unlink_all(b);
	} else {
		atomic_load(&b->clazz)->on_destroy(b->user_data);
	}
	free(b);
}

int32_t AIBinder_debugGetRefCount(AIBinder *b)
{
	return b ? atomic_load(&b->refs) : -1;
}

bool AIBinder_isRemote(const AIBinder *b)
{
	return b && b->ops;
}

bool AIBinder_isAlive(const AIBinder *b)
{
	return b && (!b->ops || !atomic_load(&((AIBinder *)b)->dead));
}

binder_status_t binder_dispatch(AIBinder *b, transaction_code_t code, const AParcel *in,
				AParcel *out, binder_flags_t flags)
{
	const AIBinder_Class *clazz = atomic_load(&b->clazz);

	(void)flags;
	if (code >= FIRST_CALL_TRANSACTION && code <= LAST_CALL_TRANSACTION) {
		if (AParcel_enforceInterface(in, clazz->descriptor) != STATUS_OK)
			return STATUS_BAD_TYPE;
		return clazz->on_transact(b, code, in, out);
	}
	if (code == PING_TRANSACTION)
		return STATUS_OK;
	if (code == INTERFACE_TRANSACTION)
		return AParcel_writeString(out, clazz->descriptor,
					   (int32_t)strlen(clazz->descriptor));
	return STATUS_UNKNOWN_TRANSACTION;
}

/* A transaction with any code; @in is the caller's. */
static binder_status_t binder_transact(AIBinder *b, transaction_code_t code, const AParcel *in,
				       AParcel **out, binder_flags_t flags)
{
	AParcel *reply;
	binder_status_t r;

	if (flags & ~(FLAG_ONEWAY | FLAG_CLEAR_BUF))
		return STATUS_BAD_VALUE;
	if (b->ops) {
		if (!b->ops->owns_parcel(b, in))
			return STATUS_BAD_VALUE;
		reply = b->ops->new_parcel(b);
		if (!reply)
			return STATUS_NO_MEMORY;
		r = b->ops->transact(b, code, in, reply, flags);
	} else {
		if (!parcel_is_bound_to(in, NULL, NULL))
			return STATUS_BAD_VALUE;
		reply = AParcel_create();
		if (!reply)
			return STATUS_NO_MEMORY;
		AParcel_setDataPosition(in, 0);
		r = binder_dispatch(b, code, in, reply, flags);
	}
	if (r != STATUS_OK) {
		AParcel_delete(reply);
		return r;
	}
	AParcel_setDataPosition(reply, 0);
	*out = reply;
	return STATUS_OK;
}

static AParcel *new_parcel_for(AIBinder *b)
{
	return b->ops ? b->ops->new_parcel(b) : AParcel_create();
}

binder_status_t AIBinder_prepareTransaction(AIBinder *b, AParcel **in)
{
	const AIBinder_Class *clazz;
	AParcel *p;
	binder_status_t r;

	if (!b || !in)
		return STATUS_BAD_VALUE;
	*in = NULL;
	clazz = atomic_load(&b->clazz);
	if (!clazz)
		return STATUS_INVALID_OPERATION;
	p = new_parcel_for(b);
	if (!p)
		return STATUS_NO_MEMORY;
	r = AParcel_writeInterfaceToken(p, clazz->descriptor);
	if (r != STATUS_OK) {
		AParcel_delete(p);
		return r;
	}
	*in = p;
	return STATUS_OK;
}

binder_status_t AIBinder_transact(AIBinder *b, transaction_code_t code, AParcel **in, AParcel **out,
				  binder_flags_t flags)
{
	AParcel *p;
	binder_status_t r;

	if (!in)
		return STATUS_BAD_VALUE;
	p = *in;
	*in = NULL;
	if (out)
		*out = NULL;
	if (!b || !p || !out)
		r = STATUS_BAD_VALUE;
	else if (code < FIRST_CALL_TRANSACTION || code > LAST_CALL_TRANSACTION)
		r = STATUS_UNKNOWN_TRANSACTION;
	else
		r = binder_transact(b, code, p, out, flags);
	AParcel_delete(p);
	return r;
}

/* A transaction with no arguments; the reply is returned in *@out. */
static binder_status_t transact_empty(AIBinder *b, transaction_code_t code, AParcel **out)
{
	AParcel *in = new_parcel_for(b);
	binder_status_t r;

	if (!in)
		return STATUS_NO_MEMORY;
	r = binder_transact(b, code, in, out, 0);
	AParcel_delete(in);
	return r;
}

binder_status_t AIBinder_ping(AIBinder *b)
{
	AParcel *reply = NULL;
	binder_status_t r;

	if (!b)
		return STATUS_BAD_VALUE;
	r = transact_empty(b, PING_TRANSACTION, &reply);
	AParcel_delete(reply);
	return r;
}

bool AIBinder_associateClass(AIBinder *b, const AIBinder_Class *clazz)
{
	const AIBinder_Class *cur;
	AParcel *reply = NULL;
	char *descriptor = NULL;
	bool same;

	if (!b || !clazz)
		return false;
	cur = atomic_load(&b->clazz);
	if (cur == clazz)
		return true;
	if (!b->ops)
		return false; /* a local object is of its own class only */
	if (cur)
		return strcmp(cur->descriptor, clazz->descriptor) == 0;
	if (transact_empty(b, INTERFACE_TRANSACTION, &reply) != STATUS_OK ||
	    AParcel_readStringDup(reply, &descriptor, NULL) != STATUS_OK || !descriptor) {
		AParcel_delete(reply);
		free(descriptor);
		return false;
	}
	same = strcmp(descriptor, clazz->descriptor) == 0;
	if (!same)
		binder_warn("associateClass: the object implements '%s', not '%s'", descriptor,
			    clazz->descriptor);
	else if (!atomic_compare_exchange_strong(&b->clazz, &cur, clazz))
		same = strcmp(cur->descriptor, clazz->descriptor) == 0; /* set meanwhile */
	AParcel_delete(reply);
	free(descriptor);
	return same;
}
