/*
 * demo_server.h - the demo payload's service, apart from the VM so the
 * unit tests and the fuzz target can run it natively.
 *
 * demo_key.c holds the Ed25519 key (made from the kernel's RNG, kept in
 * this process); demo_server.c decodes IDemoService requests
 * (demo_service.h) and answers them with that key.
 */
#ifndef PAYLOADS_DEMO_DEMO_SERVER_H
#define PAYLOADS_DEMO_DEMO_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include <android/binder_ibinder.h>
#include <android/binder_parcel.h>

#include "demo_service.h"
#include "lib/common/error.h"

/* An Ed25519 key pair; its private half is never copied out of it. */
struct demo_key;

/*
 * Make a new key pair from 32 bytes of getrandom() (the kernel's RNG;
 * waits until it is seeded).  Returns 0 and the key in *@out, or a
 * negative errno with the reason in @e.
 */
int demo_key_generate(struct demo_key **out, struct error *e);
/* Wipe and free @key (NULL is fine). */
void demo_key_free(struct demo_key *key);
/* The public key, DEMO_PUBLIC_KEY_SIZE bytes. */
void demo_key_public(const struct demo_key *key, uint8_t pub[DEMO_PUBLIC_KEY_SIZE]);
/* Sign @len bytes of @msg into @sig.  0, or -EIO if libcrypto fails. */
int demo_key_sign(const struct demo_key *key, const void *msg, size_t len,
		  uint8_t sig[DEMO_SIGNATURE_SIZE]);

/*
 * Answer one IDemoService call @code whose arguments are in @in
 * (positioned after the interface token): the reply (status header, then
 * the return value) goes to @out.  Returns STATUS_OK when a reply was
 * written (also for refused requests, whose reply is an exception),
 * STATUS_UNKNOWN_TRANSACTION for a code it does not know, or the status
 * of a failed write to @out.  Safe from several threads at once.
 */
binder_status_t demo_server_dispatch(const struct demo_key *key, transaction_code_t code,
				     const AParcel *in, AParcel *out);

/*
 * A new local binder object serving IDemoService with @key, which it
 * takes over (freed when the last reference goes).  NULL if memory runs
 * out (then @key is freed too).
 */
AIBinder *demo_server_new(struct demo_key *key);

#endif
