/*
 * binder_util.h - what virtmgr's binder classes share: defining a class
 * once, user data that the object does not own, AIDL status replies.
 */
#ifndef MDROID_VIRTMGR_BINDER_UTIL_H
#define MDROID_VIRTMGR_BINDER_UTIL_H

#include <android/binder_ibinder.h>
#include <android/binder_parcel.h>
#include <android/binder_status.h>

/*
 * The class for @descriptor, defined on the first call (thread-safe) and
 * kept in *@slot.  NULL if memory runs out.
 */
AIBinder_Class *class_define_once(AIBinder_Class **slot, const char *descriptor,
				  AIBinder_Class_onCreate on_create,
				  AIBinder_Class_onDestroy on_destroy,
				  AIBinder_Class_onTransact on_transact);

/* onCreate / onDestroy for objects whose user data lives elsewhere. */
void *userdata_borrow(void *args);
void userdata_forget(void *data);

/* onTransact for classes only ever used as proxies (callbacks, services we call). */
binder_status_t transact_none(AIBinder *b, transaction_code_t code, const AParcel *in,
			      AParcel *out);

/* Write @st as the reply's status header and delete it. */
binder_status_t reply_status(AParcel *out, AStatus *st);

/* A status with a formatted message: an exception, or EX_SERVICE_SPECIFIC with errno @err. */
AStatus *status_errorf(binder_exception_t ex, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
AStatus *status_errnof(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
