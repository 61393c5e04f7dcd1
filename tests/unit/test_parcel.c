/*
 * test_parcel.c - Parcel (lib/binder/parcel*.c, status.c): every type
 * round-trips, the bytes are Android's layout, and malformed parcels
 * (truncated, negative or oversized lengths, bad UTF-8 and UTF-16, a
 * String16 without its terminator, misaligned positions, unknown object
 * types, objects where none are) are refused without reading past the
 * data or moving the position.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <android/binder_ibinder.h>
#include <android/binder_parcel.h>
#include <android/binder_status.h>

#include "lib/binder/parcel.h"

/* A parcel bound to nothing that holds exactly @len bytes (a copy). */
static AParcel *from_bytes(const void *bytes, size_t len)
{
	AParcel *p = parcel_new(PARCEL_FORMAT_RPC, NULL, NULL, true);
	uint8_t *copy = malloc(len ? len : 1);

	assert_non_null(p);
	assert_non_null(copy);
	memcpy(copy, bytes, len);
	assert_int_equal(parcel_adopt(p, copy, copy, len, NULL, NULL, 0), 0);
	return p;
}

/* The parcel's bytes equal @want. */
static void assert_bytes(const AParcel *p, const void *want, size_t len)
{
	assert_int_equal(AParcel_getDataSize(p), len);
	assert_memory_equal(p->data, want, len);
}

static void rewind_parcel(AParcel *p)
{
	assert_int_equal(AParcel_setDataPosition(p, 0), STATUS_OK);
}

static void test_scalars(void **state)
{
	AParcel *p = AParcel_create();
	int32_t i32;
	uint32_t u32;
	int64_t i64;
	uint64_t u64;
	float f;
	double d;
	bool b;
	char16_t c;
	int8_t i8;

	(void)state;
	assert_int_equal(AParcel_writeInt32(p, -2), STATUS_OK);
	assert_int_equal(AParcel_writeUint32(p, 0xdeadbeef), STATUS_OK);
	assert_int_equal(AParcel_writeInt64(p, -3), STATUS_OK);
	assert_int_equal(AParcel_writeUint64(p, 0x0102030405060708ULL), STATUS_OK);
	assert_int_equal(AParcel_writeFloat(p, 1.5f), STATUS_OK);
	assert_int_equal(AParcel_writeDouble(p, -2.25), STATUS_OK);
	assert_int_equal(AParcel_writeBool(p, true), STATUS_OK);
	assert_int_equal(AParcel_writeChar(p, u'\u20ac'), STATUS_OK);
	assert_int_equal(AParcel_writeByte(p, -7), STATUS_OK);
	/* 4-byte items and 8-byte items, with no padding in between. */
	assert_int_equal(AParcel_getDataSize(p), 4 + 4 + 8 + 8 + 4 + 8 + 4 + 4 + 4);
	assert_memory_equal(p->data, "\xfe\xff\xff\xff\xef\xbe\xad\xde", 8);
	assert_memory_equal(p->data + 16, "\x08\x07\x06\x05\x04\x03\x02\x01", 8);
	assert_memory_equal(p->data + 36, "\x01\x00\x00\x00\xac\x20\x00\x00\xf9\xff\xff\xff", 12);
	rewind_parcel(p);
	assert_int_equal(AParcel_readInt32(p, &i32), STATUS_OK);
	assert_int_equal(i32, -2);
	assert_int_equal(AParcel_readUint32(p, &u32), STATUS_OK);
	assert_int_equal(u32, 0xdeadbeef);
	assert_int_equal(AParcel_readInt64(p, &i64), STATUS_OK);
	assert_int_equal(i64, -3);
	assert_int_equal(AParcel_readUint64(p, &u64), STATUS_OK);
	assert_int_equal(u64, 0x0102030405060708ULL);
	assert_int_equal(AParcel_readFloat(p, &f), STATUS_OK);
	assert_true(f == 1.5f);
	assert_int_equal(AParcel_readDouble(p, &d), STATUS_OK);
	assert_true(d == -2.25);
	assert_int_equal(AParcel_readBool(p, &b), STATUS_OK);
	assert_true(b);
	assert_int_equal(AParcel_readChar(p, &c), STATUS_OK);
	assert_int_equal(c, 0x20ac);
	assert_int_equal(AParcel_readByte(p, &i8), STATUS_OK);
	assert_int_equal(i8, -7);
	/* At the end: nothing more, and the position stays. */
	assert_int_equal(AParcel_readInt32(p, &i32), STATUS_NOT_ENOUGH_DATA);
	assert_int_equal(AParcel_getDataPosition(p), AParcel_getDataSize(p));
	AParcel_delete(p);
}

static void test_truncated_scalars(void **state)
{
	AParcel *p = from_bytes("\x01\x00\x00\x00\x02\x00", 6);
	int64_t i64;
	int32_t i32;
	double d;

	(void)state;
	assert_int_equal(AParcel_readInt64(p, &i64), STATUS_NOT_ENOUGH_DATA);
	assert_int_equal(AParcel_getDataPosition(p), 0);
	assert_int_equal(AParcel_readInt32(p, &i32), STATUS_OK);
	/* Two bytes left: not a whole int32. */
	assert_int_equal(AParcel_readInt32(p, &i32), STATUS_NOT_ENOUGH_DATA);
	assert_int_equal(AParcel_readDouble(p, &d), STATUS_NOT_ENOUGH_DATA);
	assert_int_equal(AParcel_getDataPosition(p), 4);
	AParcel_delete(p);
}

static void test_positions(void **state)
{
	AParcel *p = AParcel_create();
	int32_t v;

	(void)state;
	AParcel_writeInt32(p, 1);
	AParcel_writeInt32(p, 2);
	assert_int_equal(AParcel_setDataPosition(p, -4), STATUS_BAD_VALUE);
	assert_int_equal(AParcel_setDataPosition(p, 2), STATUS_BAD_VALUE);  /* misaligned */
	assert_int_equal(AParcel_setDataPosition(p, 12), STATUS_BAD_VALUE); /* past the end */
	assert_int_equal(AParcel_getDataPosition(p), 8);
	assert_int_equal(AParcel_setDataPosition(p, 4), STATUS_OK);
	assert_int_equal(AParcel_readInt32(p, &v), STATUS_OK);
	assert_int_equal(v, 2);
	/* Writing in the middle overwrites. */
	assert_int_equal(AParcel_setDataPosition(p, 0), STATUS_OK);
	AParcel_writeInt32(p, 9);
	assert_int_equal(AParcel_getDataSize(p), 8);
	rewind_parcel(p);
	AParcel_readInt32(p, &v);
	assert_int_equal(v, 9);
	AParcel_delete(p);
}

/* ------------------------------------------------------------------ strings */

static void test_string16_layout(void **state)
{
	static const char16_t ab[] = {'a', 'b'};
	AParcel *p = AParcel_create();
	const char16_t *s;
	int32_t len;

	(void)state;
	assert_int_equal(AParcel_writeString16(p, ab, 2), STATUS_OK);
	assert_int_equal(AParcel_writeString16(p, NULL, -1), STATUS_OK);
	assert_int_equal(AParcel_writeString16(p, ab, 0), STATUS_OK);
	assert_int_equal(AParcel_writeString16(p, NULL, 3), STATUS_BAD_VALUE);
	/* length, 'a' 'b' and the 0 unit (6 bytes), 2 bytes of padding; null; empty. */
	assert_bytes(p,
		     "\x02\x00\x00\x00"
		     "a\0b\0\0\0\0\0"
		     "\xff\xff\xff\xff"
		     "\x00\x00\x00\x00\x00\x00\x00\x00",
		     24);
	rewind_parcel(p);
	assert_int_equal(AParcel_readString16(p, &s, &len), STATUS_OK);
	assert_int_equal(len, 2);
	assert_memory_equal(s, ab, sizeof(ab));
	assert_int_equal(AParcel_readString16(p, &s, &len), STATUS_OK);
	assert_null(s);
	assert_int_equal(len, -1);
	assert_int_equal(AParcel_readString16(p, &s, &len), STATUS_OK);
	assert_non_null(s);
	assert_int_equal(len, 0);
	AParcel_delete(p);
}

struct buf {
	char *data;
	int32_t length;
	int calls;
	bool refuse;
};

static bool string_alloc(void *arg, int32_t length, char **buffer)
{
	struct buf *b = arg;

	b->calls++;
	b->length = length;
	if (b->refuse)
		return false;
	free(b->data);
	b->data = length > 0 ? malloc((size_t)length) : NULL;
	*buffer = b->data;
	return length < 0 || b->data != NULL;
}

static void round_trip_utf8(const char *s, size_t n)
{
	AParcel *p = AParcel_create();
	struct buf b = {0};
	char *dup;
	int32_t len;

	assert_int_equal(AParcel_writeString(p, s, (int32_t)n), STATUS_OK);
	assert_int_equal(AParcel_writeString(p, s, (int32_t)n), STATUS_OK);
	rewind_parcel(p);
	assert_int_equal(AParcel_readString(p, &b, string_alloc), STATUS_OK);
	assert_int_equal(b.length, n + 1);
	assert_memory_equal(b.data, s, n);
	assert_int_equal(b.data[n], '\0');
	assert_int_equal(AParcel_readStringDup(p, &dup, &len), STATUS_OK);
	assert_int_equal(len, n);
	assert_memory_equal(dup, s, n);
	free(dup);
	free(b.data);
	AParcel_delete(p);
}

static void test_utf8_strings(void **state)
{
	(void)state;
	round_trip_utf8("", 0);
	round_trip_utf8("hello", 5);
	round_trip_utf8("caf\xc3\xa9 \xe2\x82\xac", 9);	    /* 2- and 3-byte forms */
	round_trip_utf8("\xf0\x9f\x98\x80!", 5);	    /* a surrogate pair in UTF-16 */
	round_trip_utf8("a\0b", 3);			    /* NUL inside */
	round_trip_utf8("\xef\xbf\xbf\xf4\x8f\xbf\xbf", 7); /* U+FFFF, U+10FFFF */
}

static void test_utf8_wire_form(void **state)
{
	AParcel *p = AParcel_create();

	(void)state;
	/* U+1F600 is the pair D83D DE00 in String16. */
	assert_int_equal(AParcel_writeString(p, "\xf0\x9f\x98\x80", 4), STATUS_OK);
	assert_bytes(p, "\x02\x00\x00\x00\x3d\xd8\x00\xde\x00\x00\x00\x00", 12);
	AParcel_delete(p);
}

static void test_null_string(void **state)
{
	AParcel *p = AParcel_create();
	struct buf b = {0};
	char *dup = (char *)1;
	int32_t len = 0;

	(void)state;
	assert_int_equal(AParcel_writeString(p, NULL, -1), STATUS_OK);
	assert_int_equal(AParcel_writeString(p, NULL, -1), STATUS_OK);
	assert_int_equal(AParcel_writeString(p, NULL, 0), STATUS_BAD_VALUE);
	assert_int_equal(AParcel_writeString(p, "x", -2), STATUS_BAD_VALUE);
	rewind_parcel(p);
	assert_int_equal(AParcel_readString(p, &b, string_alloc), STATUS_OK);
	assert_int_equal(b.length, -1);
	assert_int_equal(AParcel_readStringDup(p, &dup, &len), STATUS_OK);
	assert_null(dup);
	assert_int_equal(len, -1);
	/* An allocator that refuses null: the NDK's status. */
	rewind_parcel(p);
	b.refuse = true;
	assert_int_equal(AParcel_readString(p, &b, string_alloc), STATUS_UNEXPECTED_NULL);
	AParcel_delete(p);
}

static void test_bad_utf8(void **state)
{
	static const char *const bad[] = {
	    "\xc0\x80",		/* overlong NUL */
	    "\xe0\x80\xaf",	/* overlong '/' */
	    "\xed\xa0\x80",	/* an encoded surrogate */
	    "\xf4\x90\x80\x80", /* above U+10FFFF */
	    "\xf5\x80\x80\x80", /* not a lead byte */
	    "\xe2\x82",		/* truncated */
	    "\x80",		/* stray continuation */
	    "a\xff",
	};
	AParcel *p = AParcel_create();
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(AParcel_writeString(p, bad[i], (int32_t)strlen(bad[i])),
				 STATUS_BAD_VALUE);
		assert_int_equal(AParcel_getDataSize(p), 0); /* nothing written */
	}
	AParcel_delete(p);
}

static void test_bad_utf16(void **state)
{
	static const char16_t lone_high[] = {'a', 0xd83d, 'b'};
	static const char16_t lone_low[] = {0xde00};
	static const char16_t high_at_end[] = {'a', 0xd83d};
	static const char16_t two_high[] = {0xd83d, 0xd83d, 0xde00};
	const char16_t *const bad[] = {lone_high, lone_low, high_at_end, two_high};
	const int32_t lens[] = {3, 1, 2, 3};
	struct buf b = {0};
	size_t i;

	(void)state;
	for (i = 0; i < 4; i++) {
		AParcel *p = AParcel_create();
		char *dup;

		assert_int_equal(AParcel_writeString16(p, bad[i], lens[i]), STATUS_OK);
		rewind_parcel(p);
		assert_int_equal(AParcel_readString(p, &b, string_alloc), STATUS_BAD_VALUE);
		assert_int_equal(b.calls, 0); /* refused before any allocation */
		assert_int_equal(AParcel_getDataPosition(p), 0);
		assert_int_equal(AParcel_readStringDup(p, &dup, NULL), STATUS_BAD_VALUE);
		assert_null(dup);
		AParcel_delete(p);
	}
}

static void test_malformed_string16(void **state)
{
	struct {
		const char *bytes;
		size_t len;
		binder_status_t want;
	} cases[] = {
	    /* length -2 */
	    {"\xfe\xff\xff\xff", 4, STATUS_BAD_VALUE},
	    /* INT32_MIN */
	    {"\x00\x00\x00\x80", 4, STATUS_BAD_VALUE},
	    /* 5 units announced, 1 there */
	    {"\x05\x00\x00\x00"
	     "a\0\0\0",
	     8, STATUS_NOT_ENOUGH_DATA},
	    /* INT32_MAX units */
	    {"\xff\xff\xff\x7f"
	     "a\0\0\0",
	     8, STATUS_NOT_ENOUGH_DATA},
	    /* no terminating 0 unit */
	    {"\x01\x00\x00\x00"
	     "abcd",
	     8, STATUS_BAD_VALUE},
	    /* the length word itself cut short */
	    {"\x01\x00", 2, STATUS_NOT_ENOUGH_DATA},
	    /* 1 unit + 0 unit = 4 bytes, but padding is not needed: OK */
	    {"\x01\x00\x00\x00"
	     "a\0\0\0",
	     8, STATUS_OK},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		AParcel *p = from_bytes(cases[i].bytes, cases[i].len);
		const char16_t *s;
		char *dup = NULL;
		int32_t len;

		assert_int_equal(AParcel_readString16(p, &s, &len), cases[i].want);
		rewind_parcel(p);
		assert_int_equal(AParcel_readStringDup(p, &dup, &len), cases[i].want);
		if (cases[i].want != STATUS_OK)
			assert_int_equal(AParcel_getDataPosition(p), 0);
		free(dup);
		AParcel_delete(p);
	}
}

static void test_string8(void **state)
{
	AParcel *p = AParcel_create();
	const char *s;
	int32_t len;

	(void)state;
	assert_int_equal(AParcel_writeString8(p, "abc", 3), STATUS_OK);
	assert_int_equal(AParcel_writeString8(p, NULL, -1), STATUS_OK);
	assert_bytes(p,
		     "\x03\x00\x00\x00"
		     "abc\0"
		     "\xff\xff\xff\xff",
		     12);
	rewind_parcel(p);
	assert_int_equal(AParcel_readString8(p, &s, &len), STATUS_OK);
	assert_int_equal(len, 3);
	assert_string_equal(s, "abc");
	assert_int_equal(AParcel_readString8(p, &s, &len), STATUS_OK);
	assert_null(s);
	AParcel_delete(p);
	/* No terminating NUL, and a length past the end. */
	p = from_bytes("\x04\x00\x00\x00"
		       "abcd"
		       "\x00\x00\x00\x00",
		       12);
	assert_int_equal(AParcel_readString8(p, &s, &len), STATUS_OK); /* 'abcd' + NUL: ok */
	AParcel_delete(p);
	p = from_bytes("\x04\x00\x00\x00"
		       "abcd"
		       "e\0\0\0",
		       12);
	assert_int_equal(AParcel_readString8(p, &s, &len), STATUS_BAD_VALUE);
	AParcel_delete(p);
	p = from_bytes("\x40\x00\x00\x00"
		       "abcd",
		       8);
	assert_int_equal(AParcel_readString8(p, &s, &len), STATUS_NOT_ENOUGH_DATA);
	assert_int_equal(AParcel_getDataPosition(p), 0);
	AParcel_delete(p);
}

/* ------------------------------------------------------------------ arrays */

struct arr {
	void *data;
	int32_t length;
	int calls;
};

#define ARRAY_ALLOC(name, T)                                                                       \
	static bool name(void *arg, int32_t length, T **out)                                       \
	{                                                                                          \
		struct arr *a = arg;                                                               \
		a->calls++;                                                                        \
		a->length = length;                                                                \
		free(a->data);                                                                     \
		a->data = length > 0 ? calloc((size_t)length, sizeof(T)) : NULL;                   \
		*out = a->data;                                                                    \
		return true;                                                                       \
	}
ARRAY_ALLOC(alloc_i8, int8_t)
ARRAY_ALLOC(alloc_i32, int32_t)
ARRAY_ALLOC(alloc_u32, uint32_t)
ARRAY_ALLOC(alloc_i64, int64_t)
ARRAY_ALLOC(alloc_u64, uint64_t)
ARRAY_ALLOC(alloc_f, float)
ARRAY_ALLOC(alloc_d, double)
ARRAY_ALLOC(alloc_c, char16_t)

static bool bool_alloc(void *arg, int32_t length)
{
	struct arr *a = arg;

	a->calls++;
	a->length = length;
	free(a->data);
	a->data = length > 0 ? calloc((size_t)length, sizeof(bool)) : NULL;
	return true;
}

static void bool_set(void *arg, size_t i, bool v)
{
	((bool *)((struct arr *)arg)->data)[i] = v;
}

static bool bool_get(const void *arg, size_t i)
{
	return ((const bool *)arg)[i];
}

static void test_arrays(void **state)
{
	static const int8_t bytes[] = {1, -2, 3};
	static const int32_t i32[] = {-1, 2};
	static const uint32_t u32[] = {0xffffffff};
	static const int64_t i64[] = {-5, 1LL << 40};
	static const uint64_t u64[] = {7};
	static const float f[] = {0.5f, 2};
	static const double d[] = {3.25};
	static const char16_t c[] = {'x', 0x20ac};
	static const bool bools[] = {true, false, true};
	AParcel *p = AParcel_create();
	struct arr a = {0};

	(void)state;
	assert_int_equal(AParcel_writeByteArray(p, bytes, 3), STATUS_OK);
	assert_bytes(p, "\x03\x00\x00\x00\x01\xfe\x03\x00", 8);
	assert_int_equal(AParcel_writeInt32Array(p, i32, 2), STATUS_OK);
	assert_int_equal(AParcel_writeUint32Array(p, u32, 1), STATUS_OK);
	assert_int_equal(AParcel_writeInt64Array(p, i64, 2), STATUS_OK);
	assert_int_equal(AParcel_writeUint64Array(p, u64, 1), STATUS_OK);
	assert_int_equal(AParcel_writeFloatArray(p, f, 2), STATUS_OK);
	assert_int_equal(AParcel_writeDoubleArray(p, d, 1), STATUS_OK);
	assert_int_equal(AParcel_writeCharArray(p, c, 2), STATUS_OK);
	assert_int_equal(AParcel_writeBoolArray(p, bools, 3, bool_get), STATUS_OK);
	assert_int_equal(AParcel_writeInt32Array(p, NULL, -1), STATUS_OK); /* null */
	assert_int_equal(AParcel_writeInt32Array(p, NULL, 0), STATUS_OK);  /* empty */
	assert_int_equal(AParcel_writeInt32Array(p, NULL, 2), STATUS_BAD_VALUE);
	assert_int_equal(AParcel_writeInt32Array(p, i32, -1), STATUS_BAD_VALUE);
	rewind_parcel(p);
	assert_int_equal(AParcel_readByteArray(p, &a, alloc_i8), STATUS_OK);
	assert_int_equal(a.length, 3);
	assert_memory_equal(a.data, bytes, sizeof(bytes));
	assert_int_equal(AParcel_readInt32Array(p, &a, alloc_i32), STATUS_OK);
	assert_memory_equal(a.data, i32, sizeof(i32));
	assert_int_equal(AParcel_readUint32Array(p, &a, alloc_u32), STATUS_OK);
	assert_memory_equal(a.data, u32, sizeof(u32));
	assert_int_equal(AParcel_readInt64Array(p, &a, alloc_i64), STATUS_OK);
	assert_memory_equal(a.data, i64, sizeof(i64));
	assert_int_equal(AParcel_readUint64Array(p, &a, alloc_u64), STATUS_OK);
	assert_memory_equal(a.data, u64, sizeof(u64));
	assert_int_equal(AParcel_readFloatArray(p, &a, alloc_f), STATUS_OK);
	assert_memory_equal(a.data, f, sizeof(f));
	assert_int_equal(AParcel_readDoubleArray(p, &a, alloc_d), STATUS_OK);
	assert_memory_equal(a.data, d, sizeof(d));
	assert_int_equal(AParcel_readCharArray(p, &a, alloc_c), STATUS_OK);
	assert_memory_equal(a.data, c, sizeof(c));
	assert_int_equal(AParcel_readBoolArray(p, &a, bool_alloc, bool_set), STATUS_OK);
	assert_int_equal(a.length, 3);
	assert_memory_equal(a.data, bools, sizeof(bools));
	assert_int_equal(AParcel_readInt32Array(p, &a, alloc_i32), STATUS_OK);
	assert_int_equal(a.length, -1);
	assert_int_equal(AParcel_readInt32Array(p, &a, alloc_i32), STATUS_OK);
	assert_int_equal(a.length, 0);
	assert_int_equal(AParcel_getDataPosition(p), AParcel_getDataSize(p));
	free(a.data);
	AParcel_delete(p);
}

static void test_byte_array_dup(void **state)
{
	AParcel *p = AParcel_create();
	int8_t *data;
	int32_t len;

	(void)state;
	AParcel_writeByteArray(p, (const int8_t *)"hello", 5);
	AParcel_writeByteArray(p, NULL, -1);
	rewind_parcel(p);
	assert_int_equal(AParcel_readByteArrayDup(p, &data, &len), STATUS_OK);
	assert_int_equal(len, 5);
	assert_memory_equal(data, "hello", 5);
	free(data);
	assert_int_equal(AParcel_readByteArrayDup(p, &data, &len), STATUS_OK);
	assert_int_equal(len, -1);
	assert_null(data);
	AParcel_delete(p);
}

static void test_malformed_arrays(void **state)
{
	struct arr a = {0};
	AParcel *p;

	(void)state;
	/* A negative count other than -1. */
	p = from_bytes("\xfb\xff\xff\xff", 4);
	assert_int_equal(AParcel_readByteArray(p, &a, alloc_i8), STATUS_BAD_VALUE);
	assert_int_equal(AParcel_getDataPosition(p), 0);
	AParcel_delete(p);
	/* A count the data cannot hold: refused before the allocator runs. */
	p = from_bytes("\xe8\x03\x00\x00"
		       "abcd",
		       8);
	assert_int_equal(AParcel_readByteArray(p, &a, alloc_i8), STATUS_NOT_ENOUGH_DATA);
	assert_int_equal(AParcel_readInt64Array(p, &a, alloc_i64), STATUS_NOT_ENOUGH_DATA);
	assert_int_equal(a.calls, 0);
	AParcel_delete(p);
	/* 0x40000000 int64s would overflow 32 bits of bytes. */
	p = from_bytes("\x00\x00\x00\x40"
		       "abcdabcd",
		       12);
	assert_int_equal(AParcel_readInt64Array(p, &a, alloc_i64), STATUS_NOT_ENOUGH_DATA);
	assert_int_equal(a.calls, 0);
	AParcel_delete(p);
	/* 3 bytes announced, 3 there, but not the padding byte. */
	p = from_bytes("\x03\x00\x00\x00"
		       "abc",
		       7);
	assert_int_equal(AParcel_readByteArray(p, &a, alloc_i8), STATUS_NOT_ENOUGH_DATA);
	AParcel_delete(p);
	free(a.data);
}

/* ------------------------------------------------------------------ parcelables */

static void test_parcelables(void **state)
{
	AParcel *p = AParcel_create();
	int32_t start, end, v;
	bool present;

	(void)state;
	/* Written by a newer version: three fields. */
	assert_int_equal(AParcel_writeNullableFlag(p, true), STATUS_OK);
	assert_int_equal(AParcel_writeParcelableStart(p, &start), STATUS_OK);
	AParcel_writeInt32(p, 1);
	AParcel_writeInt32(p, 2);
	AParcel_writeInt32(p, 3);
	assert_int_equal(AParcel_writeParcelableEnd(p, start), STATUS_OK);
	AParcel_writeInt32(p, 99);
	assert_memory_equal(p->data + 4, "\x10\x00\x00\x00", 4); /* size counts itself */
	/* Read by an older one that knows one field: the rest is skipped. */
	rewind_parcel(p);
	assert_int_equal(AParcel_readNullableFlag(p, &present), STATUS_OK);
	assert_true(present);
	assert_int_equal(AParcel_readParcelableStart(p, &end), STATUS_OK);
	assert_int_equal(end, 20);
	assert_int_equal(AParcel_readInt32(p, &v), STATUS_OK);
	assert_int_equal(v, 1);
	assert_int_equal(AParcel_readParcelableEnd(p, end), STATUS_OK);
	assert_int_equal(AParcel_readInt32(p, &v), STATUS_OK);
	assert_int_equal(v, 99);
	AParcel_delete(p);

	/* Sizes: less than 4, past the data, not aligned. */
	for (v = 0; v < 3; v++) {
		static const char sizes[3][8] = {"\x00", "\x0c", "\x06"}; /* then zeros */

		p = from_bytes(sizes[v], 8);
		assert_int_equal(AParcel_readParcelableStart(p, &end), STATUS_BAD_VALUE);
		assert_int_equal(AParcel_getDataPosition(p), 0);
		AParcel_delete(p);
	}
	/* A null flag that is neither 0 nor 1. */
	p = from_bytes("\x02\x00\x00\x00", 4);
	assert_int_equal(AParcel_readNullableFlag(p, &present), STATUS_BAD_VALUE);
	assert_int_equal(AParcel_getDataPosition(p), 0);
	AParcel_delete(p);
	/* Fields read past the declared end. */
	p = from_bytes("\x04\x00\x00\x00\x07\x00\x00\x00", 8);
	assert_int_equal(AParcel_readParcelableStart(p, &end), STATUS_OK);
	assert_int_equal(AParcel_readInt32(p, &v), STATUS_OK);
	assert_int_equal(AParcel_readParcelableEnd(p, end), STATUS_BAD_VALUE);
	AParcel_delete(p);
}

/* ------------------------------------------------------------------ binders */

static int destroyed;

static void *on_create(void *args)
{
	return args;
}

static void on_destroy(void *data)
{
	(void)data;
	destroyed++;
}

static binder_status_t on_transact(AIBinder *b, transaction_code_t code, const AParcel *in,
				   AParcel *out)
{
	(void)b;
	(void)code;
	(void)in;
	(void)out;
	return STATUS_OK;
}

static void test_binders_in_process(void **state)
{
	AIBinder_Class *clazz =
	    AIBinder_Class_define("test.IThing", on_create, on_destroy, on_transact);
	AIBinder *b = AIBinder_new(clazz, NULL), *got;
	AParcel *p = AParcel_create();

	(void)state;
	destroyed = 0;
	assert_int_equal(AParcel_writeStrongBinder(p, b), STATUS_OK);
	assert_int_equal(AParcel_writeStrongBinder(p, NULL), STATUS_OK);
	/* type 1, address (an index for a parcel bound to nothing), stability SYSTEM */
	assert_bytes(p,
		     "\x01\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x0c\x00\x00\x00"
		     "\x00\x00\x00\x00\x00\x00\x00\x00",
		     24);
	assert_int_equal(AIBinder_debugGetRefCount(b), 2); /* the parcel holds one */
	rewind_parcel(p);
	assert_int_equal(AParcel_readStrongBinder(p, &got), STATUS_OK);
	assert_ptr_equal(got, b);
	AIBinder_decStrong(got);
	assert_int_equal(AParcel_readStrongBinder(p, &got), STATUS_OK);
	assert_null(got);
	AParcel_delete(p);
	assert_int_equal(AIBinder_debugGetRefCount(b), 1);
	AIBinder_decStrong(b);
	assert_int_equal(destroyed, 1);
}

static void test_malformed_binders(void **state)
{
	static const struct {
		const char *bytes;
		size_t len;
		binder_status_t want;
	} cases[] = {
	    /* unknown object type */
	    {"\x07\x00\x00\x00\x00\x00\x00\x00", 8, STATUS_BAD_VALUE},
	    /* an index into an empty list */
	    {"\x01\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x0c\x00\x00\x00", 16,
	     STATUS_BAD_VALUE},
	    /* an unknown stability */
	    {"\x00\x00\x00\x00\x05\x00\x00\x00", 8, STATUS_BAD_VALUE},
	    /* cut short */
	    {"\x01\x00\x00\x00\x01\x00\x00\x00", 8, STATUS_NOT_ENOUGH_DATA},
	    {"\x00\x00\x00\x00", 4, STATUS_NOT_ENOUGH_DATA},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		AParcel *p = from_bytes(cases[i].bytes, cases[i].len);
		AIBinder *got = (AIBinder *)1;

		assert_int_equal(AParcel_readStrongBinder(p, &got), cases[i].want);
		assert_null(got);
		assert_int_equal(AParcel_getDataPosition(p), 0);
		AParcel_delete(p);
	}
}

static void test_binder_cap(void **state)
{
	AIBinder_Class *clazz =
	    AIBinder_Class_define("test.ICap", on_create, on_destroy, on_transact);
	AIBinder *b = AIBinder_new(clazz, NULL);
	AParcel *p = AParcel_create();
	unsigned int i;

	(void)state;
	for (i = 0; i < BINDER_PARCEL_MAX_BINDERS; i++)
		assert_int_equal(AParcel_writeStrongBinder(p, b), STATUS_OK);
	assert_int_equal(AParcel_writeStrongBinder(p, b), -EMSGSIZE);
	AParcel_delete(p);
	assert_int_equal(AIBinder_debugGetRefCount(b), 1);
	AIBinder_decStrong(b);
}

/* ------------------------------------------------------------------ file descriptors */

static void test_fds(void **state)
{
	AParcel *p = AParcel_create();
	int pipefd[2], fd, fd2;
	char c = 0;

	(void)state;
	assert_int_equal(pipe(pipefd), 0);
	assert_int_equal(AParcel_writeParcelFileDescriptor(p, pipefd[1]), STATUS_OK);
	assert_int_equal(AParcel_writeParcelFileDescriptor(p, -1), STATUS_OK);
	assert_int_equal(AParcel_writeParcelFileDescriptor(p, -5), STATUS_BAD_VALUE);
	/* present, no comm channel, fd object (type 2, index 0); null */
	assert_bytes(p,
		     "\x01\x00\x00\x00\x00\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00"
		     "\x00\x00\x00\x00",
		     20);
	assert_int_equal(p->nfds, 1);
	assert_int_equal(p->fd_pos[0], 8);
	rewind_parcel(p);
	assert_int_equal(AParcel_readParcelFileDescriptor(p, &fd), STATUS_OK);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "z", 1), 1);
	assert_int_equal(read(pipefd[0], &c, 1), 1);
	assert_int_equal(c, 'z');
	close(fd);
	assert_int_equal(AParcel_readParcelFileDescriptor(p, &fd2), STATUS_OK);
	assert_int_equal(fd2, -1);
	AParcel_delete(p);
	close(pipefd[0]);
	close(pipefd[1]);
}

static void test_malformed_fds(void **state)
{
	AParcel *p;
	int fd = 0;

	(void)state;
	/* An fd object where the object table lists none. */
	p = from_bytes("\x01\x00\x00\x00\x00\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00", 16);
	assert_int_equal(AParcel_readParcelFileDescriptor(p, &fd), STATUS_BAD_VALUE);
	assert_int_equal(fd, -1);
	assert_int_equal(AParcel_getDataPosition(p), 0);
	AParcel_delete(p);
	/* A presence flag that is neither 0 nor 1. */
	p = from_bytes("\x03\x00\x00\x00", 4);
	assert_int_equal(AParcel_readParcelFileDescriptor(p, &fd), STATUS_BAD_VALUE);
	AParcel_delete(p);
}

static void test_fd_table(void **state)
{
	static const uint8_t data[] = {1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 5, 0, 0, 0};
	AParcel *p = parcel_new(PARCEL_FORMAT_RPC, NULL, NULL, true);
	uint32_t pos[2] = {8, 8};
	int fds[2], fd;
	uint8_t *copy;

	(void)state;
	/* An index beyond the fds that came. */
	fds[0] = dup(0);
	copy = malloc(sizeof(data));
	memcpy(copy, data, sizeof(data));
	assert_int_equal(parcel_adopt(p, copy, copy, sizeof(data), pos, fds, 1), 0);
	assert_int_equal(AParcel_readParcelFileDescriptor(p, &fd), STATUS_BAD_VALUE);
	AParcel_delete(p);
	/* Tables that are not increasing, misaligned or past the end. */
	p = parcel_new(PARCEL_FORMAT_RPC, NULL, NULL, true);
	fds[0] = dup(0);
	fds[1] = dup(0);
	copy = malloc(sizeof(data));
	assert_int_equal(parcel_adopt(p, copy, copy, sizeof(data), pos, fds, 2), -EINVAL);
	pos[0] = 6;
	fds[0] = dup(0);
	copy = malloc(sizeof(data));
	assert_int_equal(parcel_adopt(p, copy, copy, sizeof(data), pos, fds, 1), -EINVAL);
	pos[0] = 12;
	fds[0] = dup(0);
	copy = malloc(sizeof(data));
	assert_int_equal(parcel_adopt(p, copy, copy, sizeof(data), pos, fds, 1), -EINVAL);
	AParcel_delete(p);
}

/* ------------------------------------------------------------------ tokens and statuses */

static void test_interface_token(void **state)
{
	AParcel *p = AParcel_create();
	AParcel *k = parcel_new(PARCEL_FORMAT_KERNEL, NULL, NULL, true);

	(void)state;
	/* RPC: the String16 descriptor only. */
	assert_int_equal(AParcel_writeInterfaceToken(p, "a.B"), STATUS_OK);
	assert_bytes(p,
		     "\x03\x00\x00\x00"
		     "a\0.\0B\0\0\0",
		     12);
	rewind_parcel(p);
	assert_int_equal(AParcel_enforceInterface(p, "a.B"), STATUS_OK);
	rewind_parcel(p);
	assert_int_equal(AParcel_enforceInterface(p, "a.C"), STATUS_BAD_TYPE);
	rewind_parcel(p);
	assert_int_equal(AParcel_enforceInterface(p, "a.BB"), STATUS_BAD_TYPE);
	/* Kernel driver: strict mode (penalty gather), work source unset, 'SYST'. */
	assert_int_equal(AParcel_writeInterfaceToken(k, "a.B"), STATUS_OK);
	assert_bytes(k,
		     "\x00\x00\x00\x80\xff\xff\xff\xff\x54\x53\x59\x53"
		     "\x03\x00\x00\x00"
		     "a\0.\0B\0\0\0",
		     24);
	rewind_parcel(k);
	assert_int_equal(AParcel_enforceInterface(k, "a.B"), STATUS_OK);
	/* A different header word ("VNDR") is another libbinder: refused. */
	k->data[8] = 'R';
	rewind_parcel(k);
	assert_int_equal(AParcel_enforceInterface(k, "a.B"), STATUS_BAD_TYPE);
	AParcel_delete(p);
	AParcel_delete(k);
}

static void test_status_api(void **state)
{
	AStatus *s = AStatus_newOk();
	const char *d;

	(void)state;
	assert_true(AStatus_isOk(s));
	assert_string_equal(AStatus_getMessage(s), "");
	AStatus_delete(s);
	s = AStatus_fromServiceSpecificErrorWithMessage(42, "oops");
	assert_false(AStatus_isOk(s));
	assert_int_equal(AStatus_getExceptionCode(s), EX_SERVICE_SPECIFIC);
	assert_int_equal(AStatus_getServiceSpecificError(s), 42);
	assert_int_equal(AStatus_getStatus(s), STATUS_OK);
	assert_string_equal(AStatus_getMessage(s), "oops");
	d = AStatus_getDescription(s);
	assert_non_null(strstr(d, "oops"));
	AStatus_deleteDescription(d);
	AStatus_delete(s);
	s = AStatus_fromExceptionCode(EX_TRANSACTION_FAILED);
	assert_int_equal(AStatus_getStatus(s), STATUS_FAILED_TRANSACTION);
	AStatus_delete(s);
	s = AStatus_fromExceptionCode(-77); /* unknown */
	assert_int_equal(AStatus_getExceptionCode(s), EX_TRANSACTION_FAILED);
	assert_int_equal(AStatus_getStatus(s), STATUS_UNKNOWN_ERROR);
	AStatus_delete(s);
	s = AStatus_fromStatus(STATUS_DEAD_OBJECT);
	assert_int_equal(AStatus_getExceptionCode(s), EX_TRANSACTION_FAILED);
	assert_int_equal(AStatus_getStatus(s), -EPIPE);
	AStatus_delete(s);
	s = AStatus_fromServiceSpecificError(3);
	assert_int_equal(AStatus_getServiceSpecificError(s), 3);
	AStatus_delete(s);
	s = AStatus_fromExceptionCodeWithMessage(EX_ILLEGAL_STATE, "bad state");
	assert_int_equal(AStatus_getServiceSpecificError(s), 0);
	assert_string_equal(AStatus_getMessage(s), "bad state");
	AStatus_delete(s);
}

static void test_status_header(void **state)
{
	AParcel *p = AParcel_create();
	AStatus *s, *got;

	(void)state;
	s = AStatus_newOk();
	assert_int_equal(AParcel_writeStatusHeader(p, s), STATUS_OK);
	AStatus_delete(s);
	s = AStatus_fromServiceSpecificErrorWithMessage(-3, "no");
	assert_int_equal(AParcel_writeStatusHeader(p, s), STATUS_OK);
	AStatus_delete(s);
	s = AStatus_fromExceptionCodeWithMessage(EX_SECURITY, "denied");
	assert_int_equal(AParcel_writeStatusHeader(p, s), STATUS_OK);
	AStatus_delete(s);
	/* EX_NONE; EX_SERVICE_SPECIFIC, "no", empty stack trace header, -3 */
	assert_memory_equal(p->data,
			    "\x00\x00\x00\x00"
			    "\xf8\xff\xff\xff\x02\x00\x00\x00n\0o\0\0\0\0\0"
			    "\x00\x00\x00\x00\xfd\xff\xff\xff",
			    28);
	rewind_parcel(p);
	assert_int_equal(AParcel_readStatusHeader(p, &got), STATUS_OK);
	assert_true(AStatus_isOk(got));
	AStatus_delete(got);
	assert_int_equal(AParcel_readStatusHeader(p, &got), STATUS_OK);
	assert_int_equal(AStatus_getExceptionCode(got), EX_SERVICE_SPECIFIC);
	assert_int_equal(AStatus_getServiceSpecificError(got), -3);
	assert_string_equal(AStatus_getMessage(got), "no");
	AStatus_delete(got);
	assert_int_equal(AParcel_readStatusHeader(p, &got), STATUS_OK);
	assert_int_equal(AStatus_getExceptionCode(got), EX_SECURITY);
	assert_string_equal(AStatus_getMessage(got), "denied");
	AStatus_delete(got);
	AParcel_delete(p);

	/* A failed transaction is not written: its status fails the call. */
	p = AParcel_create();
	s = AStatus_fromStatus(STATUS_BAD_VALUE);
	assert_int_equal(AParcel_writeStatusHeader(p, s), STATUS_BAD_VALUE);
	assert_int_equal(AParcel_getDataSize(p), 0);
	AStatus_delete(s);
	AParcel_delete(p);
}

static void test_status_header_malformed(void **state)
{
	static const struct {
		const char *bytes;
		size_t len;
		binder_status_t want;
		binder_exception_t ex;
	} cases[] = {
	    /* EX_HAS_REPLY_HEADER of 8 bytes (counting its size): skipped, then data */
	    {"\x80\xff\xff\xff\x08\x00\x00\x00\xaa\xaa\xaa\xaa", 12, STATUS_OK, EX_NONE},
	    /* a reply header larger than the data */
	    {"\x80\xff\xff\xff\x40\x00\x00\x00", 8, STATUS_BAD_VALUE, 0},
	    /* a negative reply header size */
	    {"\x80\xff\xff\xff\xf0\xff\xff\xff", 8, STATUS_BAD_VALUE, 0},
	    /* EX_ILLEGAL_STATE, null message, stack trace of 4 bytes skipped */
	    {"\xfb\xff\xff\xff\xff\xff\xff\xff\x04\x00\x00\x00\xbb\xbb\xbb\xbb", 16, STATUS_OK,
	     EX_ILLEGAL_STATE},
	    /* a stack trace size past the end */
	    {"\xfb\xff\xff\xff\xff\xff\xff\xff\x08\x00\x00\x00\xbb\xbb\xbb\xbb", 16,
	     STATUS_BAD_VALUE, 0},
	    /* a negative stack trace size */
	    {"\xfb\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 12, STATUS_BAD_VALUE, 0},
	    /* EX_SERVICE_SPECIFIC without its code */
	    {"\xf8\xff\xff\xff\xff\xff\xff\xff\x00\x00\x00\x00", 12, STATUS_NOT_ENOUGH_DATA, 0},
	    /* a message that is not UTF-16 */
	    {"\xfb\xff\xff\xff\x01\x00\x00\x00\x00\xdc\x00\x00\x00\x00\x00\x00", 16,
	     STATUS_BAD_VALUE, 0},
	    /* nothing */
	    {"", 0, STATUS_NOT_ENOUGH_DATA, 0},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		AParcel *p = from_bytes(cases[i].bytes, cases[i].len);
		AStatus *got = NULL;

		assert_int_equal(AParcel_readStatusHeader(p, &got), cases[i].want);
		if (cases[i].want == STATUS_OK) {
			assert_int_equal(AStatus_getExceptionCode(got), cases[i].ex);
			assert_int_equal(AParcel_getDataPosition(p), cases[i].len);
		} else {
			assert_null(got);
			assert_int_equal(AParcel_getDataPosition(p), 0);
		}
		AStatus_delete(got);
		AParcel_delete(p);
	}
}

static void test_size_cap(void **state)
{
	AParcel *p = AParcel_create();
	int8_t *big = calloc(1, BINDER_PARCEL_MAX_SIZE);

	(void)state;
	assert_int_equal(AParcel_writeByteArray(p, big, BINDER_PARCEL_MAX_SIZE - 8), STATUS_OK);
	assert_int_equal(AParcel_writeInt32(p, 1), STATUS_OK);
	assert_int_equal(AParcel_writeInt64(p, 1), -EMSGSIZE);
	assert_int_equal(AParcel_writeString(p, "ab", 2), -EMSGSIZE);
	assert_int_equal(AParcel_getDataSize(p), BINDER_PARCEL_MAX_SIZE);
	AParcel_delete(p);
	p = AParcel_create();
	assert_int_equal(AParcel_writeByteArray(p, big, BINDER_PARCEL_MAX_SIZE), -EMSGSIZE);
	assert_int_equal(AParcel_getDataSize(p), 0);
	AParcel_delete(p);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_scalars),
	    cmocka_unit_test(test_truncated_scalars),
	    cmocka_unit_test(test_positions),
	    cmocka_unit_test(test_string16_layout),
	    cmocka_unit_test(test_utf8_strings),
	    cmocka_unit_test(test_utf8_wire_form),
	    cmocka_unit_test(test_null_string),
	    cmocka_unit_test(test_bad_utf8),
	    cmocka_unit_test(test_bad_utf16),
	    cmocka_unit_test(test_malformed_string16),
	    cmocka_unit_test(test_string8),
	    cmocka_unit_test(test_arrays),
	    cmocka_unit_test(test_byte_array_dup),
	    cmocka_unit_test(test_malformed_arrays),
	    cmocka_unit_test(test_parcelables),
	    cmocka_unit_test(test_binders_in_process),
	    cmocka_unit_test(test_malformed_binders),
	    cmocka_unit_test(test_binder_cap),
	    cmocka_unit_test(test_fds),
	    cmocka_unit_test(test_malformed_fds),
	    cmocka_unit_test(test_fd_table),
	    cmocka_unit_test(test_interface_token),
	    cmocka_unit_test(test_status_api),
	    cmocka_unit_test(test_status_header),
	    cmocka_unit_test(test_status_header_malformed),
	    cmocka_unit_test(test_size_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
