/*
 * secrets.c - the VM instance secret and the DICE chain and CDI.  Until
 * the VM has a DICE chain the manager answers "not available" to each;
 * the library then aborts, as AVF does on any failure.  Nothing is ever
 * written to the caller's buffer unless the manager sent it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/aidl/ivmpayloadservice.h"
#include "vm_payload.h"
#include "vm_payload_restricted.h"
#include "vmp.h"

struct byte_buf {
	/* request (the secret's) */
	const void *identifier;
	int32_t identifier_size;
	int32_t size;
	/* reply: the caller's buffer, and how much the manager sent */
	void *data;
	size_t capacity;
	size_t total;
};

static binder_status_t write_secret_args(AParcel *in, void *arg)
{
	struct byte_buf *b = arg;
	binder_status_t st;

	st = AParcel_writeByteArray(in, b->identifier, b->identifier_size);
	if (st == STATUS_OK)
		st = AParcel_writeInt32(in, b->size);
	return st;
}

/*
 * Read the returned byte[] (not null) and copy at most b->capacity bytes
 * of it to b->data; b->total is its whole length.
 */
static binder_status_t read_bytes(const AParcel *out, void *arg)
{
	struct byte_buf *b = arg;
	int8_t *copy = NULL;
	int32_t len = 0;
	binder_status_t st;

	st = AParcel_readByteArrayDup(out, &copy, &len);
	if (st != STATUS_OK)
		return st;
	if (len < 0)
		return STATUS_UNEXPECTED_NULL;
	b->total = (size_t)len;
	if (b->data && copy)
		memcpy(b->data, copy, b->total < b->capacity ? b->total : b->capacity);
	if (copy)
		explicit_bzero(copy, b->total); /* it may be a secret */
	free(copy);
	return STATUS_OK;
}

void AVmPayload_getVmInstanceSecret(const void *identifier, size_t identifier_size, void *secret,
				    size_t size)
{
	uint8_t got[IVPS_SECRET_MAX];
	struct byte_buf b = {0};
	struct error e;

	if (size == 0 || size > IVPS_SECRET_MAX)
		vmp_fail("getVmInstanceSecret: size %zu is not 1 to %d bytes", size,
			 IVPS_SECRET_MAX);
	if (identifier_size > IVPS_IDENTIFIER_MAX)
		vmp_fail("getVmInstanceSecret: the identifier is %zu bytes, more than %d",
			 identifier_size, IVPS_IDENTIFIER_MAX);
	if (!secret || (!identifier && identifier_size))
		vmp_fail("getVmInstanceSecret: NULL buffer");
	b.identifier = identifier;
	b.identifier_size = (int32_t)identifier_size;
	b.size = (int32_t)size;
	/* Read into a buffer of our own: @secret gets only a whole, checked answer. */
	b.data = got;
	b.capacity = sizeof(got);
	if (vmp_call(IVPS_GET_VM_INSTANCE_SECRET, write_secret_args, read_bytes, &b, &e))
		vmp_fail("getVmInstanceSecret: %s", e.msg);
	if (b.total != size)
		vmp_fail("getVmInstanceSecret: microdroid_manager sent %zu bytes, not %zu", b.total,
			 size);
	memcpy(secret, got, size);
	explicit_bzero(got, sizeof(got));
}

static size_t get_dice_bytes(transaction_code_t code, const char *what, void *data, size_t size)
{
	struct byte_buf b = {.data = data, .capacity = data ? size : 0};
	struct error e;

	if (vmp_call(code, NULL, read_bytes, &b, &e))
		vmp_fail("%s: %s", what, e.msg);
	return b.total;
}

size_t AVmPayload_getDiceAttestationChain(void *data, size_t size)
{
	return get_dice_bytes(IVPS_GET_DICE_ATTESTATION_CHAIN, "getDiceAttestationChain", data,
			      size);
}

size_t AVmPayload_getDiceAttestationCdi(void *data, size_t size)
{
	return get_dice_bytes(IVPS_GET_DICE_ATTESTATION_CDI, "getDiceAttestationCdi", data, size);
}
