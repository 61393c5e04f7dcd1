/*
 * fuzz_demo_service.c - the demo payload's request decoding
 * (payloads/demo/demo_server.c) on arbitrary bytes: from the payload's
 * side, the host is untrusted.
 *
 * Input: byte 0 picks the code (0 GET_PUBLIC_KEY, 1 SIGN, 2 SHA256, 3 an
 * unknown one; modulo 4); the rest is the request's data after the
 * interface token (what onTransact reads).
 * Checked: an unknown code gives STATUS_UNKNOWN_TRANSACTION and nothing
 * else fails the call; every reply is a valid status header; an EX_NONE
 * reply holds exactly the byte[] of the method's size and nothing after;
 * a signature verifies against the public key; EX_NONE only for requests
 * whose array is within its limit and has nothing after it.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <android/binder_parcel.h>
#include <android/binder_status.h>

#include "lib/binder/parcel.h"
#include "payloads/demo/demo_client.h"
#include "payloads/demo/demo_server.h"

static void check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

static struct demo_key *key;
static uint8_t pub[DEMO_PUBLIC_KEY_SIZE];

/* The request's byte[] as a well-behaved reader sees it; -2 if malformed. */
static int32_t request_array(const AParcel *in, int8_t **data)
{
	int32_t len = -2;

	*data = NULL;
	AParcel_setDataPosition(in, 0);
	if (AParcel_readByteArrayDup(in, data, &len) != STATUS_OK)
		return -2;
	if (AParcel_getDataPosition(in) != AParcel_getDataSize(in))
		len = -3; /* trailing bytes */
	return len;
}

int LLVMFuzzerTestOneInput(const uint8_t *buf, size_t size)
{
	static const transaction_code_t codes[] = {DEMO_GET_PUBLIC_KEY, DEMO_SIGN, DEMO_SHA256,
						   DEMO_SHA256 + 1};
	AParcel *in, *out;
	AStatus *status = NULL;
	transaction_code_t code;
	binder_status_t st;
	struct error e;
	uint8_t *space;

	if (!key) {
		check(demo_key_generate(&key, &e) == 0);
		demo_key_public(key, pub);
	}
	if (size < 1 || size - 1 > BINDER_PARCEL_MAX_SIZE)
		return 0;
	code = codes[buf[0] % 4];
	in = AParcel_create();
	out = AParcel_create();
	check(in && out);
	if (size > 1) {
		space = parcel_write_space(in, size - 1);
		check(space != NULL);
		memcpy(space, buf + 1, size - 1);
	}
	/* parcel_write_space pads to 4 with zeros: the data is the padded size. */
	AParcel_setDataPosition(in, 0);

	st = demo_server_dispatch(key, code, in, out);
	if (code == DEMO_SHA256 + 1) {
		check(st == STATUS_UNKNOWN_TRANSACTION);
		goto done;
	}
	check(st == STATUS_OK);
	AParcel_setDataPosition(out, 0);
	check(AParcel_readStatusHeader(out, &status) == STATUS_OK);
	if (AStatus_isOk(status)) {
		int8_t *res = NULL, *arg = NULL;
		int32_t res_len = -1, arg_len = 0;
		size_t want = code == DEMO_SIGN ? DEMO_SIGNATURE_SIZE : DEMO_SHA256_SIZE;

		check(AParcel_readByteArrayDup(out, &res, &res_len) == STATUS_OK);
		check(AParcel_getDataPosition(out) == AParcel_getDataSize(out));
		if (code == DEMO_GET_PUBLIC_KEY) {
			check(res_len == DEMO_PUBLIC_KEY_SIZE);
			check(memcmp(res, pub, DEMO_PUBLIC_KEY_SIZE) == 0);
			check(AParcel_getDataSize(in) == 0);
		} else {
			check(res_len >= 0 && (size_t)res_len == want);
			arg_len = request_array(in, &arg);
			check(arg_len >= 0);
			check((uint32_t)arg_len <=
			      (code == DEMO_SIGN ? DEMO_SIGN_MAX : DEMO_SHA256_MAX));
			if (code == DEMO_SIGN)
				check(demo_verify(pub, arg, (size_t)arg_len, (const uint8_t *)res,
						  &e) == 0);
		}
		free(arg);
		free(res);
	} else {
		check(AStatus_getExceptionCode(status) == EX_ILLEGAL_ARGUMENT);
		check(AStatus_getMessage(status)[0] != 0);
	}
done:
	AStatus_delete(status);
	AParcel_delete(in);
	AParcel_delete(out);
	return 0;
}
