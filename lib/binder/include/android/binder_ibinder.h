/*
 * android/binder_ibinder.h - binder objects: the NDK's AIBinder subset.
 *
 * An AIBinder is either a local object (made with AIBinder_new() from an
 * AIBinder_Class, living in this process) or a proxy for an object in
 * another process (obtained from a parcel or from RpcSession_getRootObject()
 * in binder/rpc.h).  Code that calls through an AIBinder does not need to
 * know which: AIBinder_prepareTransaction() and AIBinder_transact() work
 * the same on both (a local object is called directly, on the calling
 * thread).
 *
 * Reference counting: every function that returns an AIBinder returns a
 * new strong reference that the caller owns and drops with
 * AIBinder_decStrong().  When the last reference to a local object is
 * dropped, its class's onDestroy runs with its user data.  All functions
 * here are thread-safe; a parcel (AParcel) is not, like in the NDK.
 *
 * Transaction codes: a service's own methods use FIRST_CALL_TRANSACTION
 * (1), FIRST_CALL_TRANSACTION + 1, ... up to LAST_CALL_TRANSACTION.
 * Before calling onTransact for such a code the library checks the
 * interface token that AIBinder_prepareTransaction() wrote, so onTransact
 * reads the method's arguments directly.  See docs/binder.md for how to
 * write a service and its client.
 */
#ifndef BINDER_ANDROID_BINDER_IBINDER_H
#define BINDER_ANDROID_BINDER_IBINDER_H

#include <stdbool.h>
#include <stdint.h>

#include <android/binder_parcel.h>
#include <android/binder_status.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef uint32_t transaction_code_t;
typedef uint32_t binder_flags_t;

/* The transaction does not wait for the callee; there is no reply. */
#define FLAG_ONEWAY 0x01u
/* Accepted and ignored (Android zeroes such buffers after use). */
#define FLAG_CLEAR_BUF 0x20u

#define FIRST_CALL_TRANSACTION 0x00000001u
#define LAST_CALL_TRANSACTION 0x00ffffffu

/* Codes libbinder reserves for itself ('_' followed by three letters). */
#define BINDER_PACK_CHARS(c1, c2, c3, c4)                                                          \
	((((uint32_t)(c1)) << 24) | (((uint32_t)(c2)) << 16) | (((uint32_t)(c3)) << 8) |           \
	 ((uint32_t)(c4)))
#define PING_TRANSACTION BINDER_PACK_CHARS('_', 'P', 'N', 'G')
#define INTERFACE_TRANSACTION BINDER_PACK_CHARS('_', 'N', 'T', 'F')

typedef struct AIBinder AIBinder;
typedef struct AIBinder_Class AIBinder_Class;
typedef struct AIBinder_DeathRecipient AIBinder_DeathRecipient;

/* Called by AIBinder_new(): returns the new object's user data. */
typedef void *(*AIBinder_Class_onCreate)(void *args);
/* Called once the last strong reference to the object is gone. */
typedef void (*AIBinder_Class_onDestroy)(void *userData);
/*
 * Called for each transaction to the object, on the thread that received
 * it.  @in is positioned after the interface token for method codes; the
 * method writes its results to @out.  Return STATUS_OK, or an error that
 * fails the transaction (the caller's AIBinder_transact() returns it).
 */
typedef binder_status_t (*AIBinder_Class_onTransact)(AIBinder *binder, transaction_code_t code,
						     const AParcel *in, AParcel *out);

/*
 * Define a class of local objects for the interface @interfaceDescriptor
 * (e.g. "android.system.virtualmachineservice.IVirtualMachineService").
 * Classes live until the process ends.  Returns NULL if an argument is
 * NULL or memory runs out.
 */
AIBinder_Class *AIBinder_Class_define(const char *interfaceDescriptor,
				      AIBinder_Class_onCreate onCreate,
				      AIBinder_Class_onDestroy onDestroy,
				      AIBinder_Class_onTransact onTransact);
const char *AIBinder_Class_getDescriptor(const AIBinder_Class *clazz);

/*
 * Extension: a class for proxies only, for a client that calls an
 * interface it does not implement (AIBinder_associateClass() on the
 * proxy, then AIBinder_prepareTransaction()/AIBinder_transact()).  An
 * object made from it with AIBinder_new() has no user data and answers
 * every call with STATUS_UNKNOWN_TRANSACTION.  Returns NULL if
 * @interfaceDescriptor is NULL or memory runs out.
 */
AIBinder_Class *AIBinder_Class_defineProxy(const char *interfaceDescriptor);

/*
 * A new local object of @clazz, with one strong reference; onCreate(@args)
 * gives its user data.  NULL if @clazz is NULL or memory runs out.
 */
AIBinder *AIBinder_new(const AIBinder_Class *clazz, void *args);

/* The user data of a local object; NULL for a proxy. */
void *AIBinder_getUserData(AIBinder *binder);

/*
 * Give the proxy @binder the class @clazz, after checking (with an
 * INTERFACE_TRANSACTION) that the remote object implements the same
 * interface descriptor.  For a local object, true only if it is of
 * @clazz.  Needed before AIBinder_prepareTransaction() on a proxy.
 */
bool AIBinder_associateClass(AIBinder *binder, const AIBinder_Class *clazz);
const AIBinder_Class *AIBinder_getClass(AIBinder *binder);

void AIBinder_incStrong(AIBinder *binder);
void AIBinder_decStrong(AIBinder *binder);
/* The number of strong references (for tests and debugging only). */
int32_t AIBinder_debugGetRefCount(AIBinder *binder);

/* True for a proxy of an object in another process. */
bool AIBinder_isRemote(const AIBinder *binder);
/*
 * False once the process or session behind a proxy is known to have died.
 * Always true for a local object.  No transaction is made.
 */
bool AIBinder_isAlive(const AIBinder *binder);
/* A PING_TRANSACTION: STATUS_OK if the object answers. */
binder_status_t AIBinder_ping(AIBinder *binder);

/*
 * Make *@in a parcel for a transaction to @binder, with the interface
 * token of the binder's class already written.  Returns STATUS_OK,
 * STATUS_INVALID_OPERATION when @binder has no class (call
 * AIBinder_associateClass() first), or a negative errno.
 */
binder_status_t AIBinder_prepareTransaction(AIBinder *binder, AParcel **in);

/*
 * Call @binder with method @code (FIRST_CALL_TRANSACTION...
 * LAST_CALL_TRANSACTION; other codes give STATUS_UNKNOWN_TRANSACTION) and
 * the arguments in *@in, which must come from AIBinder_prepareTransaction()
 * on the same binder.  *@in is always consumed and set to NULL.  On
 * success *@out is the reply, which the caller deletes with
 * AParcel_delete() (empty for FLAG_ONEWAY).  @flags: 0 or FLAG_ONEWAY
 * (FLAG_CLEAR_BUF is accepted).
 *
 * Returns STATUS_OK, the status the callee's onTransact returned, or:
 * STATUS_DEAD_OBJECT (-EPIPE) when the remote process or session died
 * before the reply came; STATUS_WOULD_BLOCK (-EAGAIN) when a server calls
 * a client that opened no connections for calls back and the call is not
 * nested in a call from that client; other negative errno values.
 */
binder_status_t AIBinder_transact(AIBinder *binder, transaction_code_t code, AParcel **in,
				  AParcel **out, binder_flags_t flags);

/* Called when a linked binder's process or session dies. */
typedef void (*AIBinder_DeathRecipient_onBinderDied)(void *cookie);
/* Called when a link ends for any reason (death, unlink, delete). */
typedef void (*AIBinder_DeathRecipient_onBinderUnlinked)(void *cookie);

/* A new death recipient; NULL if @onBinderDied is NULL or memory runs out. */
AIBinder_DeathRecipient *
AIBinder_DeathRecipient_new(AIBinder_DeathRecipient_onBinderDied onBinderDied);
/* Optional: called (once per link) after a link ends, with its cookie. */
void AIBinder_DeathRecipient_setOnUnlinked(AIBinder_DeathRecipient *recipient,
					   AIBinder_DeathRecipient_onBinderUnlinked onUnlinked);
/*
 * Unlink @recipient from every binder and release it.  A notification
 * already running on another thread may still finish after this returns.
 */
void AIBinder_DeathRecipient_delete(AIBinder_DeathRecipient *recipient);

/*
 * Call @recipient's onBinderDied(@cookie) once, when the process or
 * session behind the proxy @binder dies.  The link does not keep @binder
 * alive.  Returns STATUS_OK, STATUS_INVALID_OPERATION for a local object,
 * STATUS_DEAD_OBJECT when @binder is already dead, STATUS_BAD_VALUE for
 * NULL arguments, STATUS_NO_MEMORY.
 */
binder_status_t AIBinder_linkToDeath(AIBinder *binder, AIBinder_DeathRecipient *recipient,
				     void *cookie);
/* Remove the link (@recipient, @cookie); STATUS_NAME_NOT_FOUND if none. */
binder_status_t AIBinder_unlinkToDeath(AIBinder *binder, AIBinder_DeathRecipient *recipient,
				       void *cookie);

#ifdef __cplusplus
}
#endif

#endif
