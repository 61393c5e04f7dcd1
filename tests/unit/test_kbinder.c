/*
 * test_kbinder.c - the kernel-driver backend's pure parts (no /dev/binder
 * needed): the BR_* command stream parser (kbinder_cmds.c), the check of
 * a received buffer against the mapping, and kernel-format parcels
 * (kbinder_parcel.c): flat objects and their offsets table, adopting
 * received data with binders and fds, and refusing malformed offsets and
 * object types.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <android/binder_ibinder.h>

#include "lib/binder/kbinder.h"
#include "lib/binder/parcel.h"

static size_t put_cmd(uint8_t *b, size_t pos, uint32_t cmd, const void *payload)
{
	memcpy(b + pos, &cmd, 4);
	if (_IOC_SIZE(cmd))
		memcpy(b + pos + 4, payload, _IOC_SIZE(cmd));
	return pos + 4 + _IOC_SIZE(cmd);
}

static void test_cmd_stream(void **state)
{
	uint8_t b[512];
	struct binder_transaction_data tr = {.code = 7, .sender_euid = 1000, .data_size = 12};
	struct binder_ptr_cookie pc = {.ptr = 0x1234, .cookie = 0x1234};
	binder_uintptr_t cookie = 0xabc;
	struct kbinder_cmd c;
	size_t len = 0, pos = 0;

	(void)state;
	len = put_cmd(b, len, BR_NOOP, NULL);
	len = put_cmd(b, len, BR_INCREFS, &pc);
	len = put_cmd(b, len, BR_TRANSACTION, &tr);
	len = put_cmd(b, len, BR_DEAD_BINDER, &cookie);
	len = put_cmd(b, len, BR_TRANSACTION_COMPLETE, NULL);
	assert_int_equal(kbinder_next_cmd(b, len, &pos, &c), 0);
	assert_int_equal(c.cmd, BR_NOOP);
	assert_int_equal(kbinder_next_cmd(b, len, &pos, &c), 0);
	assert_int_equal(c.cmd, BR_INCREFS);
	assert_int_equal(c.u.ref.ptr, 0x1234);
	assert_int_equal(kbinder_next_cmd(b, len, &pos, &c), 0);
	assert_int_equal(c.cmd, BR_TRANSACTION);
	assert_int_equal(c.u.tr.code, 7);
	assert_int_equal(c.u.tr.sender_euid, 1000);
	assert_int_equal(kbinder_next_cmd(b, len, &pos, &c), 0);
	assert_int_equal(c.u.cookie, 0xabc);
	assert_int_equal(kbinder_next_cmd(b, len, &pos, &c), 0);
	assert_int_equal(c.cmd, BR_TRANSACTION_COMPLETE);
	assert_int_equal(kbinder_next_cmd(b, len, &pos, &c), -ENODATA);
	assert_int_equal(pos, len);
	assert_string_equal(kbinder_cmd_name(BR_DEAD_REPLY), "BR_DEAD_REPLY");
}

static void test_cmd_malformed(void **state)
{
	uint8_t b[128];
	struct binder_transaction_data tr = {0};
	struct kbinder_cmd c;
	uint32_t bogus = 0x12345678, sec = BR_TRANSACTION_SEC_CTX;
	size_t len, pos = 0;

	(void)state;
	/* Cut short: a transaction without its whole payload, a partial code. */
	len = put_cmd(b, 0, BR_TRANSACTION, &tr);
	assert_int_equal(kbinder_next_cmd(b, len - 1, &pos, &c), -EPROTO);
	assert_int_equal(pos, 0);
	assert_int_equal(kbinder_next_cmd(b, 3, &pos, &c), -EPROTO);
	/* Unknown codes, and the security-context variant nobody asked for. */
	memcpy(b, &bogus, 4);
	assert_int_equal(kbinder_next_cmd(b, 4, &pos, &c), -EPROTO);
	memcpy(b, &sec, 4);
	assert_int_equal(kbinder_next_cmd(b, sizeof(b), &pos, &c), -EPROTO);
	assert_string_equal(kbinder_cmd_name(bogus), "BR_?");
}

static void test_check_buffer(void **state)
{
	const uintptr_t map = 0x10000;
	const size_t size = 0x8000;
	struct binder_transaction_data tr = {0};

	(void)state;
	tr.data.ptr.buffer = map + 0x100;
	tr.data_size = 64;
	tr.data.ptr.offsets = map + 0x140;
	tr.offsets_size = 16;
	assert_int_equal(kbinder_check_buffer(map, size, &tr), 0);
	tr.offsets_size = 12; /* not whole entries */
	assert_int_equal(kbinder_check_buffer(map, size, &tr), -EPROTO);
	tr.offsets_size = 8 * 81; /* more objects than a parcel holds */
	assert_int_equal(kbinder_check_buffer(map, size, &tr), -EPROTO);
	tr.offsets_size = 0;
	tr.data.ptr.buffer = map - 8; /* before the mapping */
	assert_int_equal(kbinder_check_buffer(map, size, &tr), -EPROTO);
	tr.data.ptr.buffer = map + size - 32; /* past its end */
	assert_int_equal(kbinder_check_buffer(map, size, &tr), -EPROTO);
	tr.data.ptr.buffer = UINT64_MAX - 8; /* wrapping */
	assert_int_equal(kbinder_check_buffer(map, size, &tr), -EPROTO);
	tr.data.ptr.buffer = map;
	tr.data_size = size;
	assert_int_equal(kbinder_check_buffer(map, size, &tr), 0);
	tr.data_size = size + 1;
	assert_int_equal(kbinder_check_buffer(map, size, &tr), -EPROTO);
}

/* ------------------------------------------------------------------ parcels */

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

static AIBinder *local_a, *local_b;

static int fake_local(void *ctx, binder_uintptr_t ptr, binder_uintptr_t cookie, AIBinder **out)
{
	(void)ctx;
	if (ptr != 0xa0 || cookie != 0xa0)
		return -EINVAL;
	AIBinder_incStrong(local_a);
	*out = local_a;
	return 0;
}

static int fake_handle(void *ctx, uint32_t handle, AIBinder **out)
{
	(void)ctx;
	if (handle != 5)
		return -EINVAL;
	AIBinder_incStrong(local_b); /* a stand-in for a proxy */
	*out = local_b;
	return 0;
}

static const struct kparcel_resolver fake = {fake_local, fake_handle, NULL};

static AParcel *kparcel(void)
{
	return parcel_new(PARCEL_FORMAT_KERNEL, NULL, NULL, true);
}

static void put_flat(uint8_t *d, size_t off, uint32_t type, uint64_t binder, uint64_t cookie)
{
	struct flat_binder_object o;

	memset(&o, 0, sizeof(o));
	o.hdr.type = type;
	o.binder = binder;
	o.cookie = cookie;
	memcpy(d + off, &o, sizeof(o));
}

/* Received: int32 7, a local binder, a handle, a null binder, an fd. */
static void test_adopt_objects(void **state)
{
	const size_t size = 4 + 28 + 28 + 28 + 8 + 24;
	uint8_t *d = calloc(1, size);
	binder_size_t offsets[3] = {4, 32, 96 + 8};
	AParcel *p = kparcel();
	AIBinder *b;
	int32_t v;
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC), got;

	(void)state;
	assert_true(fd >= 0);
	v = 7;
	memcpy(d, &v, 4);
	put_flat(d, 4, BINDER_TYPE_BINDER, 0xa0, 0xa0);
	put_flat(d, 32, BINDER_TYPE_HANDLE, 5, 0);
	put_flat(d, 60, BINDER_TYPE_BINDER, 0, 0); /* null: not in the table */
	v = 1;
	memcpy(d + 88, &v, 4); /* ParcelFileDescriptor: present */
	v = 0;
	memcpy(d + 92, &v, 4); /* no comm channel */
	put_flat(d, 96, BINDER_TYPE_FD, (uint64_t)fd, 0);
	offsets[2] = 96;
	assert_int_equal(kparcel_adopt(p, d, d, size, offsets, 3, &fake), 0);
	assert_int_equal(AParcel_readInt32(p, &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(AParcel_readStrongBinder(p, &b), 0);
	assert_ptr_equal(b, local_a);
	AIBinder_decStrong(b);
	assert_int_equal(AParcel_readStrongBinder(p, &b), 0);
	assert_ptr_equal(b, local_b);
	AIBinder_decStrong(b);
	assert_int_equal(AParcel_readStrongBinder(p, &b), 0);
	assert_null(b);
	assert_int_equal(AParcel_readParcelFileDescriptor(p, &got), 0);
	assert_true(got >= 0 && got != fd);
	close(got);
	/* A binder read where no object is listed: refused, position kept. */
	AParcel_setDataPosition(p, 0);
	assert_int_equal(AParcel_readStrongBinder(p, &b), STATUS_BAD_VALUE);
	AParcel_delete(p); /* closes fd */
	assert_int_equal(fcntl(fd, F_GETFD), -1);
	assert_int_equal(AIBinder_debugGetRefCount(local_a), 1);
	assert_int_equal(AIBinder_debugGetRefCount(local_b), 1);
}

static void expect_refused(const binder_size_t *offsets, size_t n, uint32_t type, uint64_t ptr)
{
	const size_t size = 64;
	uint8_t *d = calloc(1, size);
	AParcel *p = kparcel();

	put_flat(d, 8, type, ptr, ptr);
	put_flat(d, 32, BINDER_TYPE_BINDER, 0xa0, 0xa0);
	assert_true(kparcel_adopt(p, d, d, size, offsets, n, &fake) < 0);
	AParcel_delete(p);
	assert_int_equal(AIBinder_debugGetRefCount(local_a), 1);
}

static void test_adopt_malformed(void **state)
{
	(void)state;
	expect_refused((binder_size_t[]){6}, 1, BINDER_TYPE_BINDER, 0xa0);     /* misaligned */
	expect_refused((binder_size_t[]){48}, 1, BINDER_TYPE_BINDER, 0xa0);    /* runs past */
	expect_refused((binder_size_t[]){1000}, 1, BINDER_TYPE_BINDER, 0xa0);  /* outside */
	expect_refused((binder_size_t[]){32, 8}, 2, BINDER_TYPE_BINDER, 0xa0); /* unordered */
	expect_refused((binder_size_t[]){8, 20}, 2, BINDER_TYPE_BINDER, 0xa0); /* overlapping */
	expect_refused((binder_size_t[]){8}, 1, BINDER_TYPE_PTR, 0xa0); /* a type we do not take */
	expect_refused((binder_size_t[]){8}, 1, 0x12345678, 0xa0);	/* unknown type */
	expect_refused((binder_size_t[]){8, 32}, 2, BINDER_TYPE_BINDER, 0xb0); /* not our node */
	expect_refused((binder_size_t[]){8}, 1, BINDER_TYPE_HANDLE, 9); /* resolver refuses */
}

/* Written: a null binder, an int, an fd; the offsets list the fd only. */
static void test_write_offsets(void **state)
{
	AParcel *p = kparcel();
	binder_size_t *offsets;
	struct flat_binder_object o;
	size_t n;

	(void)state;
	assert_int_equal(AParcel_writeStrongBinder(p, NULL), 0);
	assert_int_equal(AParcel_getDataSize(p), 28);
	assert_int_equal(AParcel_writeInt32(p, 3), 0);
	assert_int_equal(AParcel_writeParcelFileDescriptor(p, 0), 0);
	assert_int_equal(AParcel_getDataSize(p), 28 + 4 + 8 + 24);
	assert_int_equal(kparcel_offsets(p, &offsets, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(offsets[0], 40);
	memcpy(&o, p->data + 40, sizeof(o));
	assert_int_equal(o.hdr.type, BINDER_TYPE_FD);
	assert_int_equal(o.handle, (uint32_t)p->fds[0]);
	free(offsets);
	memcpy(&o, p->data, sizeof(o));
	assert_int_equal(o.hdr.type, BINDER_TYPE_BINDER);
	assert_int_equal(o.binder, 0);
	/* Reading it back. */
	AParcel_setDataPosition(p, 0);
	{
		AIBinder *b = (AIBinder *)1;
		int32_t v;
		int fd;

		assert_int_equal(AParcel_readStrongBinder(p, &b), 0);
		assert_null(b);
		assert_int_equal(AParcel_readInt32(p, &v), 0);
		assert_int_equal(AParcel_readParcelFileDescriptor(p, &fd), 0);
		close(fd);
	}
	AParcel_delete(p);
}

int main(void)
{
	AIBinder_Class *c = AIBinder_Class_define("test.K", obj_create, obj_destroy, obj_transact);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cmd_stream),	    cmocka_unit_test(test_cmd_malformed),
	    cmocka_unit_test(test_check_buffer),    cmocka_unit_test(test_adopt_objects),
	    cmocka_unit_test(test_adopt_malformed), cmocka_unit_test(test_write_offsets),
	};
	int r;

	local_a = AIBinder_new(c, NULL);
	local_b = AIBinder_new(c, NULL);
	r = cmocka_run_group_tests(tests, NULL, NULL);
	AIBinder_decStrong(local_a);
	AIBinder_decStrong(local_b);
	return r;
}
