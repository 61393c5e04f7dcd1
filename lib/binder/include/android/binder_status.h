/*
 * android/binder_status.h - status codes and AStatus, the NDK's subset.
 *
 * A binder_status_t is 0 on success or a negative value on failure.  As in
 * Android's NDK, most failure values are negative errno values (for
 * example STATUS_DEAD_OBJECT is -EPIPE), so this library's usual
 * "negative errno" convention holds for them.  The few that are not
 * errno values (STATUS_UNKNOWN_ERROR, STATUS_BAD_TYPE,
 * STATUS_FAILED_TRANSACTION, STATUS_FDS_NOT_ALLOWED,
 * STATUS_UNEXPECTED_NULL) keep the NDK's numbers because they travel on
 * the wire: a peer's transaction status reaches the caller as it was sent.
 * This library itself returns them only where the NDK's contract names
 * them (see the functions that say so); everywhere else it returns errno.
 *
 * An AStatus is the richer result of an AIDL method: an exception code,
 * a service-specific error or a transaction status, and a message.  It is
 * what AParcel_writeStatusHeader() puts at the start of a reply and
 * AParcel_readStatusHeader() takes from it (see binder_parcel.h).
 */
#ifndef BINDER_ANDROID_BINDER_STATUS_H
#define BINDER_ANDROID_BINDER_STATUS_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Low-level status of a binder operation (Android's status_t values). */
typedef int32_t binder_status_t;

enum {
	STATUS_OK = 0,
	STATUS_UNKNOWN_ERROR = (-2147483647 - 1),
	STATUS_NO_MEMORY = -ENOMEM,
	STATUS_INVALID_OPERATION = -ENOSYS,
	STATUS_BAD_VALUE = -EINVAL,
	STATUS_BAD_TYPE = (STATUS_UNKNOWN_ERROR + 1),
	STATUS_NAME_NOT_FOUND = -ENOENT,
	STATUS_PERMISSION_DENIED = -EPERM,
	STATUS_NO_INIT = -ENODEV,
	STATUS_ALREADY_EXISTS = -EEXIST,
	STATUS_DEAD_OBJECT = -EPIPE,
	STATUS_FAILED_TRANSACTION = (STATUS_UNKNOWN_ERROR + 2),
	STATUS_BAD_INDEX = -EOVERFLOW,
	STATUS_NOT_ENOUGH_DATA = -ENODATA,
	STATUS_WOULD_BLOCK = -EWOULDBLOCK,
	STATUS_TIMED_OUT = -ETIMEDOUT,
	STATUS_UNKNOWN_TRANSACTION = -EBADMSG,
	STATUS_FDS_NOT_ALLOWED = (STATUS_UNKNOWN_ERROR + 7),
	STATUS_UNEXPECTED_NULL = (STATUS_UNKNOWN_ERROR + 8),
};

/* Exception codes of AIDL methods, as Java and libbinder number them. */
typedef int32_t binder_exception_t;

enum {
	EX_NONE = 0,
	EX_SECURITY = -1,
	EX_BAD_PARCELABLE = -2,
	EX_ILLEGAL_ARGUMENT = -3,
	EX_NULL_POINTER = -4,
	EX_ILLEGAL_STATE = -5,
	EX_NETWORK_MAIN_THREAD = -6,
	EX_UNSUPPORTED_OPERATION = -7,
	EX_SERVICE_SPECIFIC = -8,
	EX_PARCELABLE = -9,
	/* Only in a parcel, never in an AStatus: a reply header to skip. */
	EX_HAS_REPLY_HEADER = -128,
	/* The transaction itself failed; AStatus_getStatus() says how. */
	EX_TRANSACTION_FAILED = -129,
};

typedef struct AStatus AStatus;

/*
 * A new status "no error".  The constructors never return NULL: when
 * memory runs out they return a shared EX_TRANSACTION_FAILED /
 * STATUS_NO_MEMORY status (which AStatus_delete() accepts like any other).
 */
AStatus *AStatus_newOk(void);

/*
 * A new status with @exception.  An exception code this library does not
 * know becomes EX_TRANSACTION_FAILED with STATUS_UNKNOWN_ERROR, as in the
 * NDK; EX_TRANSACTION_FAILED carries STATUS_FAILED_TRANSACTION.
 */
AStatus *AStatus_fromExceptionCode(binder_exception_t exception);
AStatus *AStatus_fromExceptionCodeWithMessage(binder_exception_t exception, const char *message);

/* EX_SERVICE_SPECIFIC with the service's own @serviceSpecific error code. */
AStatus *AStatus_fromServiceSpecificError(int32_t serviceSpecific);
AStatus *AStatus_fromServiceSpecificErrorWithMessage(int32_t serviceSpecific, const char *message);

/* OK for STATUS_OK, otherwise EX_TRANSACTION_FAILED carrying @status. */
AStatus *AStatus_fromStatus(binder_status_t status);

/* True when the status has no exception (EX_NONE). */
bool AStatus_isOk(const AStatus *status);
binder_exception_t AStatus_getExceptionCode(const AStatus *status);
/* The service-specific code for EX_SERVICE_SPECIFIC, else 0. */
int32_t AStatus_getServiceSpecificError(const AStatus *status);
/* The transaction status for EX_TRANSACTION_FAILED, else STATUS_OK. */
binder_status_t AStatus_getStatus(const AStatus *status);
/* The message, "" when there is none.  Owned by @status. */
const char *AStatus_getMessage(const AStatus *status);
/*
 * A one-line human-readable description of @status, allocated; release it
 * with AStatus_deleteDescription().  NULL only if memory runs out.
 */
const char *AStatus_getDescription(const AStatus *status);
void AStatus_deleteDescription(const char *description);

/* Free @status (NULL is accepted). */
void AStatus_delete(AStatus *status);

#ifdef __cplusplus
}
#endif

#endif
