/*
 * parcel_string.c - strings in parcels: String16 (UTF-16), UTF-8 strings
 * carried as String16 (validated both ways), and String8.  Layouts in
 * android/binder_parcel.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "parcel.h"
#include "utf.h"

/* Longest string (in units or bytes) whose encoding can fit a parcel. */
#define STRING_MAX_LEN ((int32_t)(BINDER_PARCEL_MAX_SIZE / 2))

/* Write the int32 length @len and room for @len units plus the 0 unit. */
static char16_t *write_string16_space(AParcel *p, size_t len)
{
	size_t start = p->pos;
	char16_t *s;

	if (parcel_reserve(p, 4 + (len + 1) * sizeof(char16_t)) < 0)
		return NULL;
	AParcel_writeInt32(p, (int32_t)len);
	s = (char16_t *)parcel_write_space(p, (len + 1) * sizeof(char16_t));
	if (!s) {
		p->pos = start;
		return NULL;
	}
	s[len] = 0;
	return s;
}

binder_status_t AParcel_writeString16(AParcel *p, const char16_t *string, int32_t length)
{
	char16_t *s;

	if (!string)
		return length == -1 ? AParcel_writeInt32(p, -1) : STATUS_BAD_VALUE;
	if (length < 0)
		return STATUS_BAD_VALUE;
	if (length > STRING_MAX_LEN)
		return -EMSGSIZE;
	s = write_string16_space(p, (size_t)length);
	if (!s)
		return -EMSGSIZE;
	memcpy(s, string, (size_t)length * sizeof(char16_t));
	return STATUS_OK;
}

binder_status_t AParcel_readString16(const AParcel *p, const char16_t **string, int32_t *length)
{
	size_t start = (size_t)AParcel_getDataPosition(p);
	const char16_t *s;
	int32_t len;
	binder_status_t r = AParcel_readInt32(p, &len);

	*string = NULL;
	*length = -1;
	if (r != STATUS_OK)
		return r;
	if (len == -1)
		return STATUS_OK;
	if (len < -1 || len > STRING_MAX_LEN) {
		r = len < 0 ? STATUS_BAD_VALUE : STATUS_NOT_ENOUGH_DATA;
	} else {
		s = (const char16_t *)parcel_read_space(p, ((size_t)len + 1) * sizeof(char16_t));
		if (!s)
			r = STATUS_NOT_ENOUGH_DATA;
		else if (s[len] != 0)
			r = STATUS_BAD_VALUE; /* the terminating 0 is part of the format */
	}
	if (r != STATUS_OK) {
		parcel_seek(p, start);
		return r;
	}
	*string = s;
	*length = len;
	return STATUS_OK;
}

binder_status_t AParcel_writeString(AParcel *p, const char *string, int32_t length)
{
	ssize_t units;
	char16_t *s;

	if (!string)
		return length == -1 ? AParcel_writeInt32(p, -1) : STATUS_BAD_VALUE;
	if (length < 0)
		return STATUS_BAD_VALUE;
	units = utf8_to_utf16_length(string, (size_t)length);
	if (units < 0)
		return STATUS_BAD_VALUE;
	if (units > STRING_MAX_LEN)
		return -EMSGSIZE;
	s = write_string16_space(p, (size_t)units);
	if (!s)
		return -EMSGSIZE;
	utf8_to_utf16(string, (size_t)length, s);
	return STATUS_OK;
}

/*
 * Read a String16 and convert it through @allocator (AParcel_readString's
 * contract).  *@utf8_len gets the UTF-8 size without the NUL (-1: null).
 */
static binder_status_t read_utf8(const AParcel *p, void *data, AParcel_stringAllocator allocator,
				 int32_t *utf8_len)
{
	size_t start = (size_t)AParcel_getDataPosition(p);
	const char16_t *s;
	int32_t len;
	ssize_t bytes;
	char *buf = NULL;
	binder_status_t r = AParcel_readString16(p, &s, &len);

	if (r != STATUS_OK)
		return r;
	if (!s) {
		*utf8_len = -1;
		return allocator(data, -1, &buf) ? STATUS_OK : STATUS_UNEXPECTED_NULL;
	}
	bytes = utf16_to_utf8_length(s, (size_t)len);
	if (bytes < 0) {
		parcel_seek(p, start);
		return STATUS_BAD_VALUE;
	}
	if (!allocator(data, (int32_t)bytes + 1, &buf) || !buf) {
		parcel_seek(p, start);
		return STATUS_NO_MEMORY;
	}
	utf16_to_utf8(s, (size_t)len, buf);
	buf[bytes] = '\0';
	*utf8_len = (int32_t)bytes;
	return STATUS_OK;
}

binder_status_t AParcel_readString(const AParcel *p, void *stringData,
				   AParcel_stringAllocator allocator)
{
	int32_t len;

	return read_utf8(p, stringData, allocator, &len);
}

static bool malloc_string(void *data, int32_t length, char **buffer)
{
	char **out = data;

	*out = NULL;
	if (length < 0)
		return true;
	*out = malloc((size_t)length);
	*buffer = *out;
	return *out != NULL;
}

binder_status_t AParcel_readStringDup(const AParcel *p, char **string, int32_t *length)
{
	int32_t len = -1;
	binder_status_t r;

	*string = NULL;
	r = read_utf8(p, string, malloc_string, &len);
	if (length)
		*length = r == STATUS_OK ? len : -1;
	return r;
}

binder_status_t AParcel_writeString8(AParcel *p, const char *string, int32_t length)
{
	size_t start = p->pos;
	uint8_t *s;

	if (!string)
		return length == -1 ? AParcel_writeInt32(p, -1) : STATUS_BAD_VALUE;
	if (length < 0)
		return STATUS_BAD_VALUE;
	if ((uint32_t)length >= BINDER_PARCEL_MAX_SIZE ||
	    parcel_reserve(p, 4 + (size_t)length + 1) < 0)
		return -EMSGSIZE;
	AParcel_writeInt32(p, length);
	s = parcel_write_space(p, (size_t)length + 1);
	if (!s) {
		p->pos = start;
		return -EMSGSIZE;
	}
	memcpy(s, string, (size_t)length);
	s[length] = '\0';
	return STATUS_OK;
}

binder_status_t AParcel_readString8(const AParcel *p, const char **string, int32_t *length)
{
	size_t start = (size_t)AParcel_getDataPosition(p);
	const char *s = NULL;
	int32_t len;
	binder_status_t r = AParcel_readInt32(p, &len);

	*string = NULL;
	*length = -1;
	if (r != STATUS_OK || len == -1)
		return r;
	if (len < -1)
		r = STATUS_BAD_VALUE;
	else if ((uint32_t)len >= BINDER_PARCEL_MAX_SIZE ||
		 !(s = (const char *)parcel_read_space(p, (size_t)len + 1)))
		r = STATUS_NOT_ENOUGH_DATA;
	else if (s[len] != '\0')
		r = STATUS_BAD_VALUE;
	if (r != STATUS_OK) {
		parcel_seek(p, start);
		return r;
	}
	*string = s;
	*length = len;
	return STATUS_OK;
}
