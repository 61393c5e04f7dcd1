/*
 * fuzz_binder_driver_cmds.c - what the binder driver hands back, on
 * arbitrary bytes (lib/binder/kbinder_cmds.c, kbinder_parcel.c).
 *
 * Input: byte 0 chooses the mode, the rest is the driver's bytes:
 *   0  a BINDER_WRITE_READ read buffer: BR_* commands parsed one after the
 *      other until one is refused or the end; each transaction's buffer
 *      is checked against a pretend mapping;
 *   1  a received parcel: a byte n (objects), n 8-byte offsets, then the
 *      data, adopted as a kernel-format parcel with a resolver that knows
 *      one local object and one handle, then read as binders and ints.
 *      FD objects are turned into a type the parser refuses (the input's
 *      numbers are not fds of this process).
 * Checked: no crash, no leak, no read out of bounds (the sanitizers).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <android/binder_ibinder.h>

#include "lib/binder/kbinder.h"
#include "lib/binder/parcel.h"

static void *obj_create(void *args)
{
	return args;
}

static void obj_destroy(void *data)
{
	(void)data;
}

static binder_status_t obj_transact(AIBinder *b, transaction_code_t code, const AParcel *in,
				    AParcel *out)
{
	(void)b, (void)code, (void)in, (void)out;
	return STATUS_OK;
}

static AIBinder *obj;

static int local(void *ctx, binder_uintptr_t ptr, binder_uintptr_t cookie, AIBinder **out)
{
	(void)ctx;
	if (ptr != 0x1000 || cookie != 0x1000)
		return -1;
	AIBinder_incStrong(obj);
	*out = obj;
	return 0;
}

static int handle(void *ctx, uint32_t h, AIBinder **out)
{
	(void)ctx;
	if (h > 3)
		return -1;
	AIBinder_incStrong(obj);
	*out = obj;
	return 0;
}

static const struct kparcel_resolver resolver = {local, handle, NULL};

static void parse_cmds(const uint8_t *d, size_t n)
{
	struct kbinder_cmd c;
	size_t pos = 0;

	while (kbinder_next_cmd(d, n, &pos, &c) == 0)
		if (c.cmd == BR_TRANSACTION || c.cmd == BR_REPLY)
			(void)kbinder_check_buffer(0x100000, 0x100000, &c.u.tr);
}

static void adopt(const uint8_t *d, size_t n)
{
	binder_size_t offsets[80];
	size_t count, i, size;
	struct flat_binder_object o;
	uint8_t *data;
	AParcel *p;
	AIBinder *b;
	int32_t v;

	if (n < 1)
		return;
	count = d[0] % 81;
	if (n - 1 < count * 8)
		return;
	memcpy(offsets, d + 1, count * 8);
	size = n - 1 - count * 8;
	data = malloc(size ? size : 1);
	memcpy(data, d + 1 + count * 8, size);
	for (i = 0; i < count; i++) {
		if (offsets[i] <= size && size - offsets[i] >= sizeof(o)) {
			memcpy(&o, data + offsets[i], sizeof(o));
			if (o.hdr.type == BINDER_TYPE_FD) {
				o.hdr.type = BINDER_TYPE_PTR;
				memcpy(data + offsets[i], &o, sizeof(o));
			}
		}
	}
	p = parcel_new(PARCEL_FORMAT_KERNEL, NULL, NULL, true);
	if (kparcel_adopt(p, data, data, size, offsets, count, &resolver) == 0) {
		for (i = 0; i < 8; i++) {
			if (AParcel_readStrongBinder(p, &b) == STATUS_OK)
				AIBinder_decStrong(b);
			else
				(void)AParcel_readInt32(p, &v);
		}
	}
	AParcel_delete(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	if (!obj)
		obj = AIBinder_new(
		    AIBinder_Class_define("fuzz.K", obj_create, obj_destroy, obj_transact), NULL);
	if (n < 1)
		return 0;
	if (d[0] % 2 == 0)
		parse_cmds(d + 1, n - 1);
	else
		adopt(d + 1, n - 1);
	return 0;
}
