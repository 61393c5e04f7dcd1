/*
 * ibinder.h - the binder object model inside the library: what a proxy's
 * transport (a "backend") provides and what it may call.  Users see
 * android/binder_ibinder.h.
 *
 * A proxy is an AIBinder whose calls a backend carries: today the RPC
 * session (rpc_session.c), tomorrow the kernel driver (/dev/binder).  A
 * backend creates proxies with binder_new_proxy() and its vtable, and
 * gets called back when a proxy's last reference goes.  It tells the
 * object model that the process behind a proxy died with
 * binder_proxy_died(), which runs the death recipients (death.c).
 *
 * Calls into local objects (from the caller's thread, or from a backend's
 * thread for a call that arrived from elsewhere) go through
 * binder_dispatch(), which checks the interface token of method codes and
 * answers PING_TRANSACTION and INTERFACE_TRANSACTION itself.
 */
#ifndef BINDER_IBINDER_H
#define BINDER_IBINDER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <android/binder_ibinder.h>

/* Stability levels (libbinder's, int32 on the wire after each binder). */
#define BINDER_STABILITY_UNDECLARED 0x00
#define BINDER_STABILITY_VENDOR 0x03
#define BINDER_STABILITY_SYSTEM 0x0c
#define BINDER_STABILITY_VINTF 0x3f
/* What this library declares for its own local objects. */
#define BINDER_STABILITY_LOCAL BINDER_STABILITY_SYSTEM

struct binder_proxy_ops {
	/*
	 * Send transaction @code with @in (prepared by @prepare) and, unless
	 * FLAG_ONEWAY, fill @out (a parcel from @prepare) with the reply.
	 * @code is not restricted to the method range.  Returns a status.
	 */
	binder_status_t (*transact)(AIBinder *proxy, transaction_code_t code, const AParcel *in,
				    AParcel *out, binder_flags_t flags);
	/* A new empty parcel for this proxy's transport, or NULL. */
	AParcel *(*new_parcel)(AIBinder *proxy);
	/* True if @parcel was made by @new_parcel for this proxy's transport. */
	bool (*owns_parcel)(AIBinder *proxy, const AParcel *parcel);
	/* The last strong reference is gone; the object is freed after this. */
	void (*release)(AIBinder *proxy);
};

struct death_link;

struct AIBinder {
	atomic_int refs;
	_Atomic(const AIBinder_Class *) clazz;
	int32_t stability;
	/* Local objects. */
	void *user_data;
	/* Proxies. */
	const struct binder_proxy_ops *ops;
	void *priv;
	atomic_bool dead;
	struct death_link *links; /* guarded by the death lock (death.c) */
};

/* A new proxy with one reference, or NULL if memory runs out. */
AIBinder *binder_new_proxy(const struct binder_proxy_ops *ops, void *priv, int32_t stability);

/*
 * Take a reference on @binder only if it still has one (a backend's table
 * may point at a proxy whose last reference is being dropped).
 */
bool binder_try_inc_strong(AIBinder *binder);

/* Run a transaction on the local object @binder (see above). */
binder_status_t binder_dispatch(AIBinder *binder, transaction_code_t code, const AParcel *in,
				AParcel *out, binder_flags_t flags);

/* death.c: the proxy's process died: mark it and run its recipients once. */
void binder_proxy_died(AIBinder *proxy);
/* death.c: the proxy is being freed: end its links (onUnlinked only). */
void binder_unlink_all(AIBinder *proxy);

#endif
