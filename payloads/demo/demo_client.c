/*
 * demo_client.c - calls to the demo payload's IDemoService, and Ed25519
 * verification of its signatures on the host.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <android/binder_parcel.h>
#include <android/binder_status.h>
#include <openssl/evp.h>

#include "demo_client.h"

/* The class proxies of the service get (AIBinder_associateClass). */
static pthread_once_t class_once = PTHREAD_ONCE_INIT;
static AIBinder_Class *proxy_class;

static void define_class(void)
{
	proxy_class = AIBinder_Class_defineProxy(DEMO_SERVICE_DESCRIPTOR);
}

int demo_attach(AIBinder *demo, struct error *e)
{
	pthread_once(&class_once, define_class);
	if (!proxy_class)
		return error_set(e, -ENOMEM, "out of memory");
	if (!AIBinder_associateClass(demo, proxy_class))
		return error_set(e, -EPROTOTYPE, "the binder is not %s", DEMO_SERVICE_DESCRIPTOR);
	return 0;
}

static int binder_error(binder_status_t st, const char *what, struct error *e)
{
	return error_set(e, st < 0 && st > -4096 ? st : -EPROTO, "%s: binder status %d", what,
			 (int)st);
}

/*
 * Call @code with the byte[] argument @arg (@len bytes; none if @arg is
 * NULL and @len is SIZE_MAX) and read the returned byte[], which must be
 * exactly @want bytes, into @res.
 */
static int call_bytes(AIBinder *demo, transaction_code_t code, const char *what, const void *arg,
		      size_t len, bool has_arg, uint8_t *res, size_t want, struct error *e)
{
	AParcel *in = NULL, *out = NULL;
	AStatus *status = NULL;
	int8_t *got = NULL;
	int32_t got_len = 0;
	binder_status_t st;
	int err = 0;

	if (has_arg && len > INT32_MAX)
		return error_set(e, -EMSGSIZE, "%s: %zu bytes is too many", what, len);
	st = AIBinder_prepareTransaction(demo, &in);
	if (st == STATUS_OK && has_arg)
		st = AParcel_writeByteArray(in, len ? arg : (const void *)"", (int32_t)len);
	if (st != STATUS_OK) {
		AParcel_delete(in);
		return binder_error(st, what, e);
	}
	st = AIBinder_transact(demo, code, &in, &out, 0);
	if (st != STATUS_OK)
		return binder_error(st, what, e);
	st = AParcel_readStatusHeader(out, &status);
	if (st != STATUS_OK) {
		err = error_set(e, -EPROTO, "%s: malformed reply", what);
	} else if (!AStatus_isOk(status)) {
		const char *desc = AStatus_getDescription(status);

		err = error_set(e, -EREMOTEIO, "%s refused: %s", what, desc ? desc : "?");
		AStatus_deleteDescription(desc);
	} else if (AParcel_readByteArrayDup(out, &got, &got_len) != STATUS_OK || got_len < 0 ||
		   (size_t)got_len != want) {
		err = error_set(e, -EPROTO, "%s: the reply is not %zu bytes", what, want);
	} else {
		memcpy(res, got, want);
	}
	free(got);
	AStatus_delete(status);
	AParcel_delete(out);
	return err;
}

int demo_get_public_key(AIBinder *demo, uint8_t pub[DEMO_PUBLIC_KEY_SIZE], struct error *e)
{
	return call_bytes(demo, DEMO_GET_PUBLIC_KEY, "getPublicKey", NULL, 0, false, pub,
			  DEMO_PUBLIC_KEY_SIZE, e);
}

int demo_sign(AIBinder *demo, const void *msg, size_t len, uint8_t sig[DEMO_SIGNATURE_SIZE],
	      struct error *e)
{
	return call_bytes(demo, DEMO_SIGN, "sign", msg, len, true, sig, DEMO_SIGNATURE_SIZE, e);
}

int demo_sha256(AIBinder *demo, const void *data, size_t len, uint8_t md[DEMO_SHA256_SIZE],
		struct error *e)
{
	return call_bytes(demo, DEMO_SHA256, "sha256", data, len, true, md, DEMO_SHA256_SIZE, e);
}

int demo_verify(const uint8_t pub[DEMO_PUBLIC_KEY_SIZE], const void *msg, size_t len,
		const uint8_t sig[DEMO_SIGNATURE_SIZE], struct error *e)
{
	EVP_PKEY *pkey =
	    EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, DEMO_PUBLIC_KEY_SIZE);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int err = 0, r;

	if (!pkey || !ctx || EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pkey) != 1) {
		err = error_set(e, -EIO, "libcrypto cannot check an Ed25519 signature");
		goto out;
	}
	r = EVP_DigestVerify(ctx, sig, DEMO_SIGNATURE_SIZE, len ? msg : (const void *)"", len);
	if (r != 1)
		err = error_set(e, -EBADMSG, "the Ed25519 signature does not match the public key");
out:
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	return err;
}
