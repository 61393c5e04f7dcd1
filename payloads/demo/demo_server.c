/*
 * demo_server.c - IDemoService's requests decoded and answered.  The
 * caller (the host) is untrusted here: every argument is checked before
 * use, and a bad one gets an exception naming it, never a crash.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include <android/binder_status.h>
#include <openssl/evp.h>

#include "demo_server.h"

/* Reply with an exception @ex and @msg; STATUS_OK unless the write failed. */
static binder_status_t reply_error(AParcel *out, binder_exception_t ex, const char *msg)
{
	AStatus *status = ex == EX_SERVICE_SPECIFIC
			      ? AStatus_fromServiceSpecificErrorWithMessage(DEMO_ERROR_CRYPTO, msg)
			      : AStatus_fromExceptionCodeWithMessage(ex, msg);
	binder_status_t st = AParcel_writeStatusHeader(out, status);

	AStatus_delete(status);
	return st;
}

/* Reply EX_NONE with the byte[] @data of @len bytes. */
static binder_status_t reply_bytes(AParcel *out, const uint8_t *data, size_t len)
{
	AStatus *ok = AStatus_newOk();
	binder_status_t st = AParcel_writeStatusHeader(out, ok);

	AStatus_delete(ok);
	if (st == STATUS_OK)
		st = AParcel_writeByteArray(out, (const int8_t *)data, (int32_t)len);
	return st;
}

static bool at_end(const AParcel *in)
{
	return AParcel_getDataPosition(in) == AParcel_getDataSize(in);
}

/*
 * Read the one byte[] argument of @what (at most @max bytes) into a new
 * buffer *@data (NULL if empty) of *@len bytes.  NULL on success, else the
 * reason to send back (and nothing to free).
 */
static const char *read_one_array(const AParcel *in, const char *what, size_t max, int8_t **data,
				  size_t *len, char *why, size_t why_size)
{
	int32_t n = 0;

	*data = NULL;
	if (AParcel_readByteArrayDup(in, data, &n) != STATUS_OK) {
		snprintf(why, why_size, "%s: malformed byte[] argument", what);
		return why;
	}
	if (n < 0) {
		snprintf(why, why_size, "%s: the byte[] argument is null", what);
		return why;
	}
	if ((size_t)n > max) {
		free(*data);
		*data = NULL;
		snprintf(why, why_size, "%s: %d bytes, more than the %zu allowed", what, n, max);
		return why;
	}
	if (!at_end(in)) {
		free(*data);
		*data = NULL;
		snprintf(why, why_size, "%s: unexpected bytes after the arguments", what);
		return why;
	}
	*len = (size_t)n;
	return NULL;
}

static binder_status_t do_get_public_key(const struct demo_key *key, const AParcel *in,
					 AParcel *out)
{
	uint8_t pub[DEMO_PUBLIC_KEY_SIZE];

	if (!at_end(in))
		return reply_error(out, EX_ILLEGAL_ARGUMENT,
				   "getPublicKey: unexpected bytes after the arguments");
	demo_key_public(key, pub);
	return reply_bytes(out, pub, sizeof(pub));
}

static binder_status_t do_sign(const struct demo_key *key, const AParcel *in, AParcel *out)
{
	uint8_t sig[DEMO_SIGNATURE_SIZE];
	char why[128];
	const char *bad;
	int8_t *msg;
	size_t len = 0;
	int err;

	bad = read_one_array(in, "sign", DEMO_SIGN_MAX, &msg, &len, why, sizeof(why));
	if (bad)
		return reply_error(out, EX_ILLEGAL_ARGUMENT, bad);
	err = demo_key_sign(key, msg ? (const void *)msg : "", len, sig);
	free(msg);
	if (err)
		return reply_error(out, EX_SERVICE_SPECIFIC, "sign: libcrypto failed");
	return reply_bytes(out, sig, sizeof(sig));
}

static binder_status_t do_sha256(const AParcel *in, AParcel *out)
{
	uint8_t md[DEMO_SHA256_SIZE];
	unsigned int mdlen = 0;
	char why[128];
	const char *bad;
	int8_t *data;
	size_t len = 0;
	int ok;

	bad = read_one_array(in, "sha256", DEMO_SHA256_MAX, &data, &len, why, sizeof(why));
	if (bad)
		return reply_error(out, EX_ILLEGAL_ARGUMENT, bad);
	ok = EVP_Digest(data ? (const void *)data : "", len, md, &mdlen, EVP_sha256(), NULL) == 1 &&
	     mdlen == DEMO_SHA256_SIZE;
	free(data);
	if (!ok)
		return reply_error(out, EX_SERVICE_SPECIFIC, "sha256: libcrypto failed");
	return reply_bytes(out, md, sizeof(md));
}

binder_status_t demo_server_dispatch(const struct demo_key *key, transaction_code_t code,
				     const AParcel *in, AParcel *out)
{
	switch (code) {
	case DEMO_GET_PUBLIC_KEY:
		return do_get_public_key(key, in, out);
	case DEMO_SIGN:
		return do_sign(key, in, out);
	case DEMO_SHA256:
		return do_sha256(in, out);
	default:
		return STATUS_UNKNOWN_TRANSACTION;
	}
}

/* ------------------------------------------------------------ binder object */

static void *server_create(void *args)
{
	return args; /* the key */
}

static void server_destroy(void *data)
{
	demo_key_free(data);
}

static binder_status_t server_transact(AIBinder *binder, transaction_code_t code, const AParcel *in,
				       AParcel *out)
{
	return demo_server_dispatch(AIBinder_getUserData(binder), code, in, out);
}

static pthread_once_t class_once = PTHREAD_ONCE_INIT;
static AIBinder_Class *server_class;

static void define_class(void)
{
	server_class = AIBinder_Class_define(DEMO_SERVICE_DESCRIPTOR, server_create, server_destroy,
					     server_transact);
}

AIBinder *demo_server_new(struct demo_key *key)
{
	AIBinder *binder;

	pthread_once(&class_once, define_class);
	binder = server_class ? AIBinder_new(server_class, key) : NULL;
	if (!binder)
		demo_key_free(key);
	return binder;
}
