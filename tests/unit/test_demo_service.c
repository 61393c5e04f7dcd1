/*
 * test_demo_service.c - the demo payload's IDemoService (payloads/demo)
 * run natively: the service on an RPC Binder Unix socket server in this
 * process, called through the host's helpers (demo_client.h).
 *
 * Covered: the public key is the key's, signatures verify with libcrypto
 * and fail for another message or a changed signature, SHA-256 matches
 * libcrypto's, the size limits (at the limit and one past), empty inputs,
 * requests a client library would never send (null array, trailing
 * bytes, unknown code), a binder of another interface, and two keys from
 * the kernel's RNG differing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <android/binder_parcel.h>
#include <android/binder_status.h>
#include <binder/rpc.h>
#include <openssl/evp.h>

#include "payloads/demo/demo_client.h"
#include "payloads/demo/demo_server.h"

struct fixture {
	char dir[64];
	char path[128];
	uint8_t pub[DEMO_PUBLIC_KEY_SIZE];
	RpcServer *server;
	RpcSession *session;
	AIBinder *demo; /* the proxy */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct demo_key *key;
	struct error e;
	AIBinder *service;

	assert_non_null(f);
	strcpy(f->dir, "/tmp/test_demo_service-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/demo.sock", f->dir);
	assert_int_equal(demo_key_generate(&key, &e), 0);
	demo_key_public(key, f->pub);
	service = demo_server_new(key);
	assert_non_null(service);
	f->server = RpcServer_new();
	assert_non_null(f->server);
	RpcServer_setRootObject(f->server, service);
	AIBinder_decStrong(service);
	assert_int_equal(RpcServer_setupUnixDomainServer(f->server, f->path), 0);
	assert_int_equal(RpcServer_start(f->server), 0);

	f->session = RpcSession_new();
	assert_non_null(f->session);
	assert_int_equal(RpcSession_setupUnixDomainClient(f->session, f->path), 0);
	assert_int_equal(RpcSession_getRootObject(f->session, &f->demo), 0);
	assert_int_equal(demo_attach(f->demo, &e), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	AIBinder_decStrong(f->demo);
	RpcSession_free(f->session);
	RpcServer_free(f->server);
	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void test_public_key(void **state)
{
	struct fixture *f = *state;
	uint8_t pub[DEMO_PUBLIC_KEY_SIZE];
	struct error e;

	assert_int_equal(demo_get_public_key(f->demo, pub, &e), 0);
	assert_memory_equal(pub, f->pub, sizeof(pub));
}

static void test_sign_and_verify(void **state)
{
	struct fixture *f = *state;
	static const char msg[] = "the host must not reach this key";
	uint8_t pub[DEMO_PUBLIC_KEY_SIZE], sig[DEMO_SIGNATURE_SIZE];
	struct error e;

	assert_int_equal(demo_get_public_key(f->demo, pub, &e), 0);
	assert_int_equal(demo_sign(f->demo, msg, strlen(msg), sig, &e), 0);
	assert_int_equal(demo_verify(pub, msg, strlen(msg), sig, &e), 0);
	/* Another message, or a changed signature, does not verify. */
	assert_int_equal(demo_verify(pub, msg, strlen(msg) - 1, sig, &e), -EBADMSG);
	assert_non_null(strstr(e.msg, "does not match"));
	sig[10] ^= 1;
	assert_int_equal(demo_verify(pub, msg, strlen(msg), sig, &e), -EBADMSG);
	/* The empty message can be signed too. */
	assert_int_equal(demo_sign(f->demo, NULL, 0, sig, &e), 0);
	assert_int_equal(demo_verify(pub, NULL, 0, sig, &e), 0);
}

static void test_sign_limit(void **state)
{
	struct fixture *f = *state;
	uint8_t sig[DEMO_SIGNATURE_SIZE];
	uint8_t *big = malloc(DEMO_SIGN_MAX + 1);
	struct error e;

	assert_non_null(big);
	for (size_t i = 0; i <= DEMO_SIGN_MAX; i++)
		big[i] = (uint8_t)(i * 7);
	assert_int_equal(demo_sign(f->demo, big, DEMO_SIGN_MAX, sig, &e), 0);
	assert_int_equal(demo_verify(f->pub, big, DEMO_SIGN_MAX, sig, &e), 0);
	assert_int_equal(demo_sign(f->demo, big, DEMO_SIGN_MAX + 1, sig, &e), -EREMOTEIO);
	assert_non_null(strstr(e.msg, "65537 bytes, more than the 65536 allowed"));
	free(big);
}

static void test_sha256(void **state)
{
	struct fixture *f = *state;
	uint8_t md[DEMO_SHA256_SIZE], want[DEMO_SHA256_SIZE];
	uint8_t *data = malloc(DEMO_SHA256_MAX + 1);
	struct error e;

	assert_non_null(data);
	for (size_t i = 0; i <= DEMO_SHA256_MAX; i++)
		data[i] = (uint8_t)(i ^ (i >> 8));
	assert_int_equal(demo_sha256(f->demo, data, DEMO_SHA256_MAX, md, &e), 0);
	assert_int_equal(EVP_Digest(data, DEMO_SHA256_MAX, want, NULL, EVP_sha256(), NULL), 1);
	assert_memory_equal(md, want, sizeof(md));
	assert_int_equal(demo_sha256(f->demo, data, DEMO_SHA256_MAX + 1, md, &e), -EREMOTEIO);
	assert_non_null(strstr(e.msg, "sha256"));
	/* SHA-256 of nothing: e3b0c442... */
	assert_int_equal(demo_sha256(f->demo, NULL, 0, md, &e), 0);
	assert_int_equal(md[0], 0xe3);
	assert_int_equal(md[1], 0xb0);
	assert_int_equal(md[31], 0x55);
	free(data);
}

/* Send a hand-made request; the reply's exception code and message. */
static binder_status_t raw_call(struct fixture *f, transaction_code_t code, bool null_array,
				bool trailing, binder_exception_t *ex, char *msg, size_t msg_size)
{
	AParcel *in = NULL, *out = NULL;
	AStatus *status = NULL;
	binder_status_t st;

	assert_int_equal(AIBinder_prepareTransaction(f->demo, &in), STATUS_OK);
	if (code != DEMO_GET_PUBLIC_KEY)
		assert_int_equal(AParcel_writeByteArray(in,
							null_array ? NULL : (const int8_t *)"ab",
							null_array ? -1 : 2),
				 STATUS_OK);
	if (trailing)
		assert_int_equal(AParcel_writeInt32(in, 42), STATUS_OK);
	st = AIBinder_transact(f->demo, code, &in, &out, 0);
	if (st != STATUS_OK)
		return st;
	assert_int_equal(AParcel_readStatusHeader(out, &status), STATUS_OK);
	*ex = AStatus_getExceptionCode(status);
	snprintf(msg, msg_size, "%s", AStatus_getMessage(status));
	AStatus_delete(status);
	AParcel_delete(out);
	return STATUS_OK;
}

static void test_bad_requests(void **state)
{
	struct fixture *f = *state;
	uint8_t pub[DEMO_PUBLIC_KEY_SIZE];
	binder_exception_t ex = EX_NONE;
	struct error e;
	char msg[256];

	assert_int_equal(raw_call(f, DEMO_SIGN, true, false, &ex, msg, sizeof(msg)), STATUS_OK);
	assert_int_equal(ex, EX_ILLEGAL_ARGUMENT);
	assert_string_equal(msg, "sign: the byte[] argument is null");
	assert_int_equal(raw_call(f, DEMO_SHA256, false, true, &ex, msg, sizeof(msg)), STATUS_OK);
	assert_int_equal(ex, EX_ILLEGAL_ARGUMENT);
	assert_string_equal(msg, "sha256: unexpected bytes after the arguments");
	assert_int_equal(raw_call(f, DEMO_GET_PUBLIC_KEY, false, true, &ex, msg, sizeof(msg)),
			 STATUS_OK);
	assert_int_equal(ex, EX_ILLEGAL_ARGUMENT);
	assert_int_equal(raw_call(f, DEMO_SHA256, false, false, &ex, msg, sizeof(msg)), STATUS_OK);
	assert_int_equal(ex, EX_NONE);
	assert_int_equal(raw_call(f, DEMO_SHA256 + 1, false, false, &ex, msg, sizeof(msg)),
			 STATUS_UNKNOWN_TRANSACTION);
	/* The session survives all of that. */
	assert_int_equal(demo_get_public_key(f->demo, pub, &e), 0);
}

static void test_attach_refuses_other_interface(void **state)
{
	AIBinder_Class *c = AIBinder_Class_defineProxy("test.INotDemo");
	AIBinder *other = AIBinder_new(c, NULL);
	struct error e;

	(void)state;
	assert_int_equal(demo_attach(other, &e), -EPROTOTYPE);
	assert_non_null(strstr(e.msg, DEMO_SERVICE_DESCRIPTOR));
	AIBinder_decStrong(other);
}

static void test_keys_differ(void **state)
{
	struct demo_key *a, *b;
	uint8_t pa[DEMO_PUBLIC_KEY_SIZE], pb[DEMO_PUBLIC_KEY_SIZE];
	struct error e;

	(void)state;
	assert_int_equal(demo_key_generate(&a, &e), 0);
	assert_int_equal(demo_key_generate(&b, &e), 0);
	demo_key_public(a, pa);
	demo_key_public(b, pb);
	assert_memory_not_equal(pa, pb, sizeof(pa));
	demo_key_free(a);
	demo_key_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_public_key, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sign_and_verify, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sign_limit, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sha256, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_requests, setup, teardown),
	    cmocka_unit_test(test_attach_refuses_other_interface),
	    cmocka_unit_test(test_keys_differ),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
