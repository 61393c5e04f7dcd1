/*
 * demo_client.h - the host's side of IDemoService (demo_service.h): call
 * the demo payload's service and check what it signs.
 *
 * @demo is a binder for the service, such as the root object of an RPC
 * Binder session to the VM's vsock port DEMO_PORT.  Call demo_attach()
 * once on it before the calls.  The calls block until the payload
 * answers; they are thread-safe as binder calls are.
 *
 * Every function returns 0 or a negative errno with a one-line reason in
 * @e: -EREMOTEIO when the service answered with an exception (its message
 * in @e), -EPROTO for a malformed reply, or the binder status of a failed
 * call (e.g. -EPIPE when the VM went away).
 */
#ifndef PAYLOADS_DEMO_DEMO_CLIENT_H
#define PAYLOADS_DEMO_DEMO_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <android/binder_ibinder.h>

#include "demo_service.h"
#include "lib/common/error.h"

/* Check that @demo implements IDemoService and give it that class. */
int demo_attach(AIBinder *demo, struct error *e);

/* GET_PUBLIC_KEY: the VM's public key into @pub. */
int demo_get_public_key(AIBinder *demo, uint8_t pub[DEMO_PUBLIC_KEY_SIZE], struct error *e);

/* SIGN: the service's signature of @len (<= DEMO_SIGN_MAX) bytes of @msg. */
int demo_sign(AIBinder *demo, const void *msg, size_t len, uint8_t sig[DEMO_SIGNATURE_SIZE],
	      struct error *e);

/* SHA256: the service's SHA-256 of @len (<= DEMO_SHA256_MAX) bytes of @data. */
int demo_sha256(AIBinder *demo, const void *data, size_t len, uint8_t md[DEMO_SHA256_SIZE],
		struct error *e);

/*
 * Check locally (libcrypto) that @sig is @pub's Ed25519 signature of @len
 * bytes of @msg.  0 if it is, -EBADMSG if not, -EIO if libcrypto fails.
 */
int demo_verify(const uint8_t pub[DEMO_PUBLIC_KEY_SIZE], const void *msg, size_t len,
		const uint8_t sig[DEMO_SIGNATURE_SIZE], struct error *e);

#endif
