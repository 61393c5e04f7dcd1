/*
 * demo_service.h - IDemoService, the binder interface the demo payload
 * serves to the host over vsock: an Ed25519 key made inside the VM, which
 * signs for the host but never leaves the payload process.
 *
 * Transport: RPC Binder over vsock; the payload listens on (any CID,
 * DEMO_PORT) with AVmPayload_runVsockRpcServer() and the service is the
 * session's root object.  The host reaches guest port DEMO_PORT through
 * mvm's vsock socket (docs/virtio.md).
 *
 * Every call is a two-way AIDL call: the request is the interface token
 * (AParcel_writeInterfaceToken(DEMO_SERVICE_DESCRIPTOR)) then the
 * arguments below; the reply is a status header (AParcel_writeStatusHeader)
 * and, if the status is EX_NONE, the return value.
 *
 *   code             arguments                           returns
 *   GET_PUBLIC_KEY   -                                   byte[32] Ed25519 public key
 *   SIGN             byte[] message (<= DEMO_SIGN_MAX)   byte[64] Ed25519 signature
 *   SHA256           byte[] data (<= DEMO_SHA256_MAX)    byte[32] SHA-256 digest
 *
 * byte[] is AParcel_writeByteArray's layout: int32 length, the bytes,
 * zero padding to 4.  Errors: a null array, one over its limit, a
 * malformed request or bytes after the last argument get EX_ILLEGAL_ARGUMENT
 * with a message saying which; a libcrypto failure gets EX_SERVICE_SPECIFIC
 * DEMO_ERROR_CRYPTO.  Unknown codes fail with STATUS_UNKNOWN_TRANSACTION.
 *
 * The host side (demo_client.h) calls these and checks signatures.
 */
#ifndef PAYLOADS_DEMO_DEMO_SERVICE_H
#define PAYLOADS_DEMO_DEMO_SERVICE_H

#include <android/binder_ibinder.h>

#define DEMO_SERVICE_DESCRIPTOR "com.microdroid.demo.IDemoService"

/* The guest vsock port the demo payload listens on. */
#define DEMO_PORT 5100u

enum demo_code {
	DEMO_GET_PUBLIC_KEY = FIRST_CALL_TRANSACTION + 0,
	DEMO_SIGN = FIRST_CALL_TRANSACTION + 1,
	DEMO_SHA256 = FIRST_CALL_TRANSACTION + 2,
};

#define DEMO_PUBLIC_KEY_SIZE 32
#define DEMO_SIGNATURE_SIZE 64
#define DEMO_SHA256_SIZE 32

/* The largest SIGN message and SHA256 input, in bytes. */
#define DEMO_SIGN_MAX (64u * 1024u)
#define DEMO_SHA256_MAX (512u * 1024u)

/* Service-specific error: libcrypto failed inside the payload. */
#define DEMO_ERROR_CRYPTO 1

#endif
