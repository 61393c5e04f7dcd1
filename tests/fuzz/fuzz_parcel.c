/*
 * fuzz_parcel.c - the Parcel reader (lib/binder/parcel*.c, status.c) on
 * arbitrary bytes.
 *
 * Input: byte 0 is the number N (0..15) of read operations, bytes 1..N
 * choose them; byte N+1, if its top bit is set, declares an fd object at
 * the position (its low bits * 4), backed by a real (dup'ed) fd; the
 * rest is the parcel's data, in a buffer of exactly its size.
 * Checked: no read goes past the data (the sanitizers), a failed read
 * leaves the position where it was, the position stays 4-aligned and
 * inside the data, and what reads as a valid string converts back to
 * the same String16.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <android/binder_ibinder.h>
#include <android/binder_parcel.h>

#include "lib/binder/parcel.h"

static void check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

static bool alloc_chars(void *arg, int32_t length, char **buf)
{
	char **out = arg;

	*out = length > 0 ? malloc((size_t)length) : NULL;
	*buf = *out;
	return length < 0 || *out;
}

static bool alloc_i32(void *arg, int32_t length, int32_t **buf)
{
	int32_t **out = arg;

	*out = length > 0 ? malloc((size_t)length * 4) : NULL;
	*buf = *out;
	return true;
}

static bool alloc_i64(void *arg, int32_t length, int64_t **buf)
{
	int64_t **out = arg;

	*out = length > 0 ? malloc((size_t)length * 8) : NULL;
	*buf = *out;
	return true;
}

static bool alloc_char16(void *arg, int32_t length, char16_t **buf)
{
	char16_t **out = arg;

	*out = length > 0 ? malloc((size_t)length * 2) : NULL;
	*buf = *out;
	return true;
}

static bool alloc_bools(void *arg, int32_t length)
{
	(void)arg;
	(void)length;
	return true;
}

static void set_bool(void *arg, size_t i, bool v)
{
	(void)arg;
	(void)i;
	(void)v;
}

/* A String16 that reads as UTF-8 must come back the same from UTF-8. */
static void check_utf8_round_trip(const AParcel *p, int32_t start)
{
	const char16_t *s16, *again;
	int32_t len16, len2, len8;
	char *s8 = NULL;
	AParcel *q;

	AParcel_setDataPosition(p, start);
	if (AParcel_readString16(p, &s16, &len16) != STATUS_OK || !s16)
		return;
	AParcel_setDataPosition(p, start);
	if (AParcel_readStringDup(p, &s8, &len8) != STATUS_OK)
		return;
	q = AParcel_create();
	check(AParcel_writeString(q, s8, len8) == STATUS_OK);
	AParcel_setDataPosition(q, 0);
	check(AParcel_readString16(q, &again, &len2) == STATUS_OK);
	check(len2 == len16 && memcmp(again, s16, (size_t)len16 * 2) == 0);
	AParcel_delete(q);
	free(s8);
}

static void read_one(const AParcel *p, uint8_t op)
{
	int32_t start = AParcel_getDataPosition(p), i32, end, len;
	int64_t i64;
	double d;
	bool b;
	const char16_t *s16;
	const char *s8;
	char *str = NULL;
	int8_t *bytes = NULL;
	int32_t *ints = NULL;
	int64_t *longs = NULL;
	char16_t *chars = NULL;
	AIBinder *binder = NULL;
	AStatus *status = NULL;
	int fd = -1;
	binder_status_t r;

	switch (op % 18) {
	case 0:
		r = AParcel_readInt32(p, &i32);
		break;
	case 1:
		r = AParcel_readInt64(p, &i64);
		break;
	case 2:
		r = AParcel_readDouble(p, &d);
		break;
	case 3:
		r = AParcel_readBool(p, &b);
		break;
	case 4:
		r = AParcel_readString16(p, &s16, &len);
		break;
	case 5:
		r = AParcel_readString(p, &str, alloc_chars);
		if (r == STATUS_OK)
			check_utf8_round_trip(p, start);
		break;
	case 6:
		r = AParcel_readString8(p, &s8, &len);
		break;
	case 7:
		r = AParcel_readByteArrayDup(p, &bytes, &len);
		break;
	case 8:
		r = AParcel_readInt32Array(p, &ints, alloc_i32);
		break;
	case 9:
		r = AParcel_readInt64Array(p, &longs, alloc_i64);
		break;
	case 10:
		r = AParcel_readCharArray(p, &chars, alloc_char16);
		break;
	case 11:
		r = AParcel_readBoolArray(p, NULL, alloc_bools, set_bool);
		break;
	case 12:
		r = AParcel_readStrongBinder(p, &binder);
		break;
	case 13:
		r = AParcel_readParcelFileDescriptor(p, &fd);
		break;
	case 14:
		r = AParcel_readStatusHeader(p, &status);
		break;
	case 15:
		r = AParcel_readParcelableStart(p, &end);
		if (r == STATUS_OK) {
			check(end >= start + 4 && end <= AParcel_getDataSize(p));
			r = AParcel_readParcelableEnd(p, end);
		}
		break;
	case 16:
		r = AParcel_enforceInterface(p, "fuzz.IService");
		AParcel_setDataPosition(p, start); /* may move it on failure */
		break;
	default:
		r = AParcel_setDataPosition(p, (int32_t)(op / 18) * 4);
		break;
	}
	if (r != STATUS_OK)
		check(AParcel_getDataPosition(p) == start);
	check(AParcel_getDataPosition(p) % 4 == 0);
	check(AParcel_getDataPosition(p) <= AParcel_getDataSize(p));
	if (fd >= 0)
		close(fd);
	AIBinder_decStrong(binder);
	AStatus_delete(status);
	free(str);
	free(bytes);
	free(ints);
	free(longs);
	free(chars);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t nops, i, head;
	uint32_t fd_pos = 0;
	int fd = -1;
	AParcel *p;
	uint8_t *copy;

	if (size < 2)
		return 0;
	nops = data[0] % 16;
	head = 1 + nops + 1;
	if (size < head)
		return 0;
	copy = malloc(size - head ? size - head : 1);
	check(copy != NULL);
	memcpy(copy, data + head, size - head);
	p = parcel_new(PARCEL_FORMAT_RPC, NULL, NULL, true);
	check(p != NULL);
	if (data[head - 1] & 0x80) {
		fd_pos = (uint32_t)(data[head - 1] & 0x7f) * 4;
		fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		check(fd >= 0);
	}
	if (parcel_adopt(p, copy, copy, size - head, &fd_pos, &fd, fd >= 0 ? 1 : 0) == 0) {
		for (i = 0; i < nops; i++)
			read_one(p, data[1 + i]);
	}
	AParcel_delete(p);
	return 0;
}
