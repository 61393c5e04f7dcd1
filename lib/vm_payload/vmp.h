/*
 * vmp.h - libvm_payload's insides: the connection to microdroid_manager's
 * IVmPayloadService and the one way the library fails.
 */
#ifndef VM_PAYLOAD_VMP_H
#define VM_PAYLOAD_VMP_H

#include <android/binder_ibinder.h>
#include <android/binder_parcel.h>

#include "lib/common/error.h"

/*
 * Print "vm_payload: " and the formatted reason to stderr, then abort().
 * AVF's libvm_payload fails the same way: a payload cannot go on without
 * what it asked for, and the manager reports the crash to the host.
 */
__attribute__((noreturn, format(printf, 1, 2))) void vmp_fail(const char *fmt, ...);

/* Writes a call's arguments after the interface token; 0 or a binder status. */
typedef binder_status_t (*vmp_write_fn)(AParcel *in, void *arg);
/* Reads a reply's return value after an EX_NONE status; 0 or a binder status. */
typedef binder_status_t (*vmp_read_fn)(const AParcel *out, void *arg);

/*
 * Call IVmPayloadService method @code: the interface token, then @write's
 * arguments (@write may be NULL); on success @read (may be NULL) reads the
 * return value.  Connects to the manager first if this process has no
 * live connection yet (thread-safe; the path is VM_PAYLOAD_SOCKET_ENV's,
 * else MICRODROID_PAYLOAD_SERVICE_SOCKET).
 * Returns 0; -EREMOTEIO when the manager answered with an exception (its
 * description in @e, e.g. "Status(-8, EX_SERVICE_SPECIFIC): '1: ...'");
 * or another negative errno (connection, transport, malformed reply),
 * with the reason in @e.
 */
int vmp_call(transaction_code_t code, vmp_write_fn write, vmp_read_fn read, void *arg,
	     struct error *e);

#endif
