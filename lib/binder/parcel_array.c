/*
 * parcel_array.c - arrays in parcels, with the NDK's allocator callbacks:
 * an int32 count (-1 for null), then the elements (bytes packed and
 * padded, bool and char16 as one int32 each, the rest at their size).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "parcel.h"

/* The count, as the NDK checks it: NULL data only for -1 (null) or 0. */
static binder_status_t write_count(AParcel *p, const void *data, int32_t length, size_t wire_size)
{
	if (length < -1 || (data && length < 0) || (!data && length > 0))
		return STATUS_BAD_VALUE;
	if (length > 0 && parcel_padded_size((size_t)length, wire_size) > BINDER_PARCEL_MAX_SIZE)
		return -EMSGSIZE;
	if (parcel_reserve(
		p, 4 + (length > 0 ? parcel_padded_size((size_t)length, wire_size) : 0)) < 0)
		return -EMSGSIZE;
	return AParcel_writeInt32(p, length);
}

static binder_status_t write_packed(AParcel *p, const void *data, int32_t length, size_t size)
{
	binder_status_t r = write_count(p, data, length, size);
	uint8_t *at;

	if (r != STATUS_OK || length <= 0)
		return r;
	at = parcel_write_space(p, (size_t)length * size);
	if (!at)
		return -EMSGSIZE; /* not reached: reserved */
	memcpy(at, data, (size_t)length * size);
	return STATUS_OK;
}

/*
 * Read the count and check that the parcel holds that many elements of
 * @wire_size bytes, before any allocator sees it.
 */
static binder_status_t read_count(const AParcel *p, size_t wire_size, int32_t *length)
{
	size_t start = (size_t)AParcel_getDataPosition(p);
	binder_status_t r = AParcel_readInt32(p, length);

	if (r != STATUS_OK)
		return r;
	if (*length < -1) {
		r = STATUS_BAD_VALUE;
	} else if (*length > 0 &&
		   parcel_padded_size((size_t)*length, wire_size) >
		       (size_t)(AParcel_getDataSize(p) - AParcel_getDataPosition(p))) {
		r = STATUS_NOT_ENOUGH_DATA;
	}
	if (r != STATUS_OK)
		parcel_seek(p, start);
	return r;
}

/* After the allocator: its verdict as the NDK gives it. */
static binder_status_t allocated(const AParcel *p, size_t start, bool ok, int32_t length,
				 const void *buf)
{
	if (ok && (length <= 0 || buf))
		return STATUS_OK;
	parcel_seek(p, start);
	return !ok && length < 0 ? STATUS_UNEXPECTED_NULL : STATUS_NO_MEMORY;
}

#define DEFINE_PACKED_ARRAY(Name, name, T)                                                         \
	binder_status_t AParcel_write##Name##Array(AParcel *p, const T *arrayData, int32_t length) \
	{                                                                                          \
		return write_packed(p, arrayData, length, sizeof(T));                              \
	}                                                                                          \
	binder_status_t AParcel_read##Name##Array(const AParcel *p, void *arrayData,               \
						  AParcel_##name##ArrayAllocator allocator)        \
	{                                                                                          \
		size_t start = (size_t)AParcel_getDataPosition(p);                                 \
		int32_t length;                                                                    \
		T *buf = NULL;                                                                     \
		bool ok;                                                                           \
		binder_status_t r = read_count(p, sizeof(T), &length);                             \
		if (r != STATUS_OK)                                                                \
			return r;                                                                  \
		ok = allocator(arrayData, length, &buf);                                           \
		r = allocated(p, start, ok, length, buf);                                          \
		if (r == STATUS_OK && length > 0)                                                  \
			memcpy(buf, parcel_read_space(p, (size_t)length * sizeof(T)),              \
			       (size_t)length * sizeof(T));                                        \
		return r;                                                                          \
	}

DEFINE_PACKED_ARRAY(Byte, byte, int8_t)
DEFINE_PACKED_ARRAY(Int32, int32, int32_t)
DEFINE_PACKED_ARRAY(Uint32, uint32, uint32_t)
DEFINE_PACKED_ARRAY(Int64, int64, int64_t)
DEFINE_PACKED_ARRAY(Uint64, uint64, uint64_t)
DEFINE_PACKED_ARRAY(Float, float, float)
DEFINE_PACKED_ARRAY(Double, double, double)

binder_status_t AParcel_writeCharArray(AParcel *p, const char16_t *arrayData, int32_t length)
{
	binder_status_t r = write_count(p, arrayData, length, 4);
	int32_t i;

	for (i = 0; r == STATUS_OK && i < length; i++)
		r = AParcel_writeChar(p, arrayData[i]);
	return r;
}

binder_status_t AParcel_readCharArray(const AParcel *p, void *arrayData,
				      AParcel_charArrayAllocator allocator)
{
	size_t start = (size_t)AParcel_getDataPosition(p);
	int32_t length, i;
	char16_t *buf = NULL;
	bool ok;
	binder_status_t r = read_count(p, 4, &length);

	if (r != STATUS_OK)
		return r;
	ok = allocator(arrayData, length, &buf);
	r = allocated(p, start, ok, length, buf);
	for (i = 0; r == STATUS_OK && i < length; i++)
		r = AParcel_readChar(p, &buf[i]);
	return r;
}

binder_status_t AParcel_writeBoolArray(AParcel *p, const void *arrayData, int32_t length,
				       AParcel_boolArrayGetter getter)
{
	binder_status_t r = write_count(p, arrayData, length, 4);
	int32_t i;

	if (r == STATUS_OK && length > 0 && !getter)
		return STATUS_BAD_VALUE;
	for (i = 0; r == STATUS_OK && i < length; i++)
		r = AParcel_writeBool(p, getter(arrayData, (size_t)i));
	return r;
}

binder_status_t AParcel_readBoolArray(const AParcel *p, void *arrayData,
				      AParcel_boolArrayAllocator allocator,
				      AParcel_boolArraySetter setter)
{
	size_t start = (size_t)AParcel_getDataPosition(p);
	int32_t length, i;
	bool v, ok;
	binder_status_t r = read_count(p, 4, &length);

	if (r != STATUS_OK)
		return r;
	ok = allocator(arrayData, length);
	/* No buffer here: "allocated" only needs a non-NULL stand-in. */
	r = allocated(p, start, ok, length, p);
	for (i = 0; r == STATUS_OK && i < length; i++) {
		r = AParcel_readBool(p, &v);
		if (r == STATUS_OK)
			setter(arrayData, (size_t)i, v);
	}
	return r;
}

static bool malloc_bytes(void *data, int32_t length, int8_t **buffer)
{
	int8_t **out = data;

	*out = NULL;
	if (length <= 0)
		return true;
	*out = malloc((size_t)length);
	*buffer = *out;
	return *out != NULL;
}

binder_status_t AParcel_readByteArrayDup(const AParcel *p, int8_t **data, int32_t *length)
{
	size_t start = (size_t)AParcel_getDataPosition(p);
	int32_t n;
	binder_status_t r;

	*data = NULL;
	*length = -1;
	r = read_count(p, 1, &n);
	if (r != STATUS_OK)
		return r;
	parcel_seek(p, start);
	r = AParcel_readByteArray(p, data, malloc_bytes);
	if (r == STATUS_OK)
		*length = n;
	return r;
}
