/*
 * vm_payload.h - libvm_payload, the C API a Microdroid payload calls: tell
 * the host it is ready, serve binder to the host over vsock, find its
 * files, ask for secrets.  Source-compatible with AVF's vm_payload.h
 * (Android 15): same names, types and signatures, so a payload written
 * for AVF compiles here unchanged.  docs/payload.md, "Writing a payload".
 *
 * The library talks to microdroid_manager's IVmPayloadService
 * (lib/aidl/ivmpayloadservice.h) over RPC Binder on the Unix socket
 * MICRODROID_PAYLOAD_SERVICE_SOCKET.  It connects on the first call that
 * needs the manager, once per process; calls from several threads share
 * that connection.
 *
 * Failure.  As in AVF, functions that return nothing abort the process on
 * failure (after one line "vm_payload: ..." on stderr naming the reason):
 * a payload cannot go on without what it asked for, and microdroid_manager
 * reports the crash to the host.  Nothing here ever makes up a value.
 *
 * What is not available yet (no DICE trust chain in this project, no
 * encrypted storage, no remote attestation):
 *   AVmPayload_getVmInstanceSecret       aborts ("not available")
 *   AVmPayload_getEncryptedStoragePath   returns NULL
 *   AVmPayload_requestAttestation        returns ATTESTATION_ERROR_UNSUPPORTED
 *   AVmPayload_getDiceAttestationChain/Cdi (vm_payload_restricted.h) abort
 *
 * Test-only: if the environment variable VM_PAYLOAD_SOCKET_ENV names a
 * path when the library first connects, that Unix socket is used instead
 * of MICRODROID_PAYLOAD_SERVICE_SOCKET.  The unit tests use it to run the
 * library against a fake manager; microdroid_manager never sets it.
 *
 * Link with -lvm_payload (which brings libbinder_ndk.so).
 */
#ifndef VM_PAYLOAD_VM_PAYLOAD_H
#define VM_PAYLOAD_VM_PAYLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vm_main.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Test-only override of the manager's socket path (see above). */
#define VM_PAYLOAD_SOCKET_ENV "VM_PAYLOAD_SERVICE_SOCKET"

typedef struct AIBinder AIBinder;

/* A remote attestation result.  None is ever made here (see below). */
typedef struct AVmAttestationResult AVmAttestationResult;

/* What AVmPayload_requestAttestation() returns (AVF's int32_t values). */
typedef enum AVmAttestationStatus {
	ATTESTATION_OK = 0,
	ATTESTATION_ERROR_INVALID_CHALLENGE = -10001,  /* challenge size not 0..64 */
	ATTESTATION_ERROR_ATTESTATION_FAILED = -10002, /* could not attest; retry later */
	ATTESTATION_ERROR_UNSUPPORTED = -10003,	       /* no attestation here */
} AVmAttestationStatus;

/*
 * Tell the host the payload is ready (it reaches virtmgr as
 * IVirtualMachineService.notifyPayloadReady, and `vm` clients as
 * onPayloadReady).  Calling it again is harmless: the host hears of it
 * once.  Aborts if microdroid_manager cannot be reached or refuses.
 */
void AVmPayload_notifyPayloadReady(void);

/*
 * Serve @service as the root object of an RPC Binder server listening on
 * vsock (VMADDR_CID_ANY, @port), so the host can connect to it (the host
 * reaches guest port P through mvm's vsock socket).  Once the server
 * listens, @on_ready(@param) is called once (if @on_ready is not NULL),
 * typically to call AVmPayload_notifyPayloadReady().  The calling thread
 * then serves clients forever: this never returns.  Takes a reference to
 * @service.  If the server cannot be set up (no vsock, port taken), prints
 * the reason to stderr and aborts, as AVF does.
 */
__attribute__((noreturn)) void AVmPayload_runVsockRpcServer(AIBinder *service, uint32_t port,
							    void (*on_ready)(void *param),
							    void *param);

/*
 * AVF: writes @size (<= 32) bytes of a secret bound to this VM instance
 * and @identifier (@identifier_size bytes, at most 1024) to @secret.
 *
 * Here: the secret would be derived from the VM's DICE chain, which this
 * project does not have yet.  The library asks microdroid_manager, which
 * answers "not available"; the library then prints that reason to stderr
 * and aborts.  A @size of 0 or above 32, or an identifier above 1024
 * bytes, also aborts (with its own message).  @secret is never written.
 */
void AVmPayload_getVmInstanceSecret(const void *identifier, size_t identifier_size, void *secret,
				    size_t size);

/*
 * The directory where the payload package's file system is mounted,
 * read-only (MICRODROID_APK_MOUNT, "/mnt/apk"): the payload's libraries
 * under lib/x86_64/, its assets, vm_config.json.  A static string, valid
 * for the process's lifetime; needs no connection.
 */
const char *AVmPayload_getApkContentsPath(void);

/*
 * The encrypted persistent storage directory, or NULL if the VM has none.
 * Here: always NULL; there is no encrypted storage yet.
 */
const char *AVmPayload_getEncryptedStoragePath(void);

/*
 * AVF: remote attestation of the VM with @challenge (at most 64 bytes) in
 * the certificate; on ATTESTATION_OK *@result holds the result.
 * Here: a challenge above 64 bytes (or NULL with a non-zero size) gives
 * ATTESTATION_ERROR_INVALID_CHALLENGE; otherwise
 * ATTESTATION_ERROR_UNSUPPORTED.  *@result is set to NULL either way.
 */
AVmAttestationStatus AVmPayload_requestAttestation(const void *challenge, size_t challenge_size,
						   AVmAttestationResult **result);

/* The status's name ("ATTESTATION_ERROR_UNSUPPORTED"...); a static string. */
const char *AVmAttestationStatus_toString(AVmAttestationStatus status);

/*
 * The accessors of an attestation result.  No result is ever produced
 * here, so any pointer passed to them was made up: free does nothing
 * with NULL and, like the others, prints a message to stderr and aborts
 * with anything else (AVF trusts the argument; here none can be valid).
 */
void AVmAttestationResult_free(AVmAttestationResult *result);
size_t AVmAttestationResult_getPrivateKey(const AVmAttestationResult *result, void *data,
					  size_t size);
size_t AVmAttestationResult_sign(const AVmAttestationResult *result, const void *message,
				 size_t message_size, void *data, size_t size);
size_t AVmAttestationResult_getCertificateCount(const AVmAttestationResult *result);
size_t AVmAttestationResult_getCertificateAt(const AVmAttestationResult *result, size_t index,
					     void *data, size_t size);

#ifdef __cplusplus
}
#endif

#endif
