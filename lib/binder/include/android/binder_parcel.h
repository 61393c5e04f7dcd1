/*
 * android/binder_parcel.h - AParcel, the container of a transaction's
 * arguments and results: the NDK's subset, plus a few documented
 * extensions (marked "Extension").
 *
 * Layout (Android's Parcel): little-endian, every item starts at a
 * multiple of 4 bytes and is padded with zeros to the next one.
 *   int32, uint32, float, bool (0/1), char (UTF-16 unit), byte  4 bytes
 *   int64, uint64, double                                      8 bytes
 *   String16    int32 length in UTF-16 units (-1: null), the units, a
 *               0 unit, padding.  UTF-8 strings (AParcel_writeString,
 *               AIDL's @utf8InCpp String) travel as String16, converted
 *               and validated both ways.
 *   String8     int32 length in bytes (-1: null), the bytes, a 0 byte,
 *               padding (Extension; libbinder's writeString8).
 *   arrays      int32 count (-1: null), then the elements: bytes packed
 *               and padded; bool and char as one int32 each; the others
 *               at their natural size.
 *   binder      int32 1, uint64 address, int32 stability; a null binder
 *               is int32 0, int32 stability.  The address is the RPC
 *               session's name for the object (binder/rpc.h).
 *   file descriptor (ParcelFileDescriptor)  int32 1 (0: null), int32 0
 *               (no comm channel), then the fd object: int32 2, int32
 *               index into the fds sent alongside (SCM_RIGHTS), whose
 *               position is listed in the parcel's object table.
 *
 * Reading is bounds-checked everywhere: a read past the end returns
 * STATUS_NOT_ENOUGH_DATA (-ENODATA) and malformed content (negative or
 * impossible lengths, a String16 without its terminating 0, bad UTF-8 or
 * UTF-16, a misaligned position, an unknown object type) returns
 * STATUS_BAD_VALUE (-EINVAL).  A failed read leaves the data position
 * where it was only for the fixed-size reads; after any error, treat the
 * parcel as unreadable.  A parcel holds at most BINDER_PARCEL_MAX_SIZE
 * bytes, BINDER_PARCEL_MAX_BINDERS binder objects and
 * BINDER_PARCEL_MAX_FDS file descriptors; writing more returns -EMSGSIZE.
 *
 * A parcel is not thread-safe.  The "const AParcel *" of the read
 * functions is the NDK's: reading moves the data position.
 */
#ifndef BINDER_ANDROID_BINDER_PARCEL_H
#define BINDER_ANDROID_BINDER_PARCEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uchar.h>

#include <android/binder_status.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct AIBinder AIBinder;
typedef struct AParcel AParcel;

/* Limits of one parcel (see above; docs/binder.md). */
#define BINDER_PARCEL_MAX_SIZE (1024u * 1024u)
#define BINDER_PARCEL_MAX_BINDERS 64u
#define BINDER_PARCEL_MAX_FDS 16u

/*
 * A new, empty parcel bound to no transport (for local use; transactions
 * take their parcels from AIBinder_prepareTransaction()).  NULL if memory
 * runs out.
 */
AParcel *AParcel_create(void);
/* Free @parcel, its binder references and its file descriptors. */
void AParcel_delete(AParcel *parcel);

/* The data position and size, in bytes. */
int32_t AParcel_getDataPosition(const AParcel *parcel);
int32_t AParcel_getDataSize(const AParcel *parcel);
/*
 * Move the data position.  STATUS_BAD_VALUE if @position is negative, not
 * a multiple of 4 or beyond the data size.
 */
binder_status_t AParcel_setDataPosition(const AParcel *parcel, int32_t position);

binder_status_t AParcel_writeInt32(AParcel *parcel, int32_t value);
binder_status_t AParcel_writeUint32(AParcel *parcel, uint32_t value);
binder_status_t AParcel_writeInt64(AParcel *parcel, int64_t value);
binder_status_t AParcel_writeUint64(AParcel *parcel, uint64_t value);
binder_status_t AParcel_writeFloat(AParcel *parcel, float value);
binder_status_t AParcel_writeDouble(AParcel *parcel, double value);
binder_status_t AParcel_writeBool(AParcel *parcel, bool value);
binder_status_t AParcel_writeChar(AParcel *parcel, char16_t value);
binder_status_t AParcel_writeByte(AParcel *parcel, int8_t value);

binder_status_t AParcel_readInt32(const AParcel *parcel, int32_t *value);
binder_status_t AParcel_readUint32(const AParcel *parcel, uint32_t *value);
binder_status_t AParcel_readInt64(const AParcel *parcel, int64_t *value);
binder_status_t AParcel_readUint64(const AParcel *parcel, uint64_t *value);
binder_status_t AParcel_readFloat(const AParcel *parcel, float *value);
binder_status_t AParcel_readDouble(const AParcel *parcel, double *value);
/* Any non-zero int32 reads as true, as in libbinder. */
binder_status_t AParcel_readBool(const AParcel *parcel, bool *value);
binder_status_t AParcel_readChar(const AParcel *parcel, char16_t *value);
binder_status_t AParcel_readByte(const AParcel *parcel, int8_t *value);

/*
 * Write the UTF-8 string @string of @length bytes (it may contain NULs),
 * converted to String16.  @string NULL with @length -1 writes a null
 * string.  STATUS_BAD_VALUE for invalid UTF-8 (overlong forms, surrogates,
 * code points above U+10FFFF, truncated sequences).
 */
binder_status_t AParcel_writeString(AParcel *parcel, const char *string, int32_t length);

/*
 * The NDK's allocator for AParcel_readString(): called once with @length
 * = the UTF-8 size plus 1 for the terminating NUL (or -1 for a null
 * string); it stores a buffer of at least @length bytes in *@buffer (or
 * NULL for -1) and returns true, or returns false to refuse.
 */
typedef bool (*AParcel_stringAllocator)(void *stringData, int32_t length, char **buffer);

/*
 * Read a String16 as UTF-8 into the buffer @allocator provides (the
 * result is NUL-terminated).  Returns STATUS_OK; STATUS_UNEXPECTED_NULL
 * when the string is null and the allocator refuses that (NDK contract);
 * STATUS_NO_MEMORY when it refuses a buffer; -ENODATA / -EINVAL for a
 * truncated or malformed string (unpaired UTF-16 surrogates included).
 */
binder_status_t AParcel_readString(const AParcel *parcel, void *stringData,
				   AParcel_stringAllocator allocator);

/*
 * Extension: read a String16 as a malloc'ed, NUL-terminated UTF-8 string
 * in *@string (NULL for a null string), its size without the NUL in
 * *@length if @length is not NULL.  The caller frees it.
 */
binder_status_t AParcel_readStringDup(const AParcel *parcel, char **string, int32_t *length);

/*
 * Extension: String16 as UTF-16 units.  Writing does not check the
 * units (like libbinder); @string NULL with @length -1 writes null.
 * Reading returns a pointer into the parcel (valid until the parcel is
 * written to or deleted; NULL with *@length -1 for null); it checks the
 * length and the terminating 0, not the UTF-16 itself.
 */
binder_status_t AParcel_writeString16(AParcel *parcel, const char16_t *string, int32_t length);
binder_status_t AParcel_readString16(const AParcel *parcel, const char16_t **string,
				     int32_t *length);

/*
 * Extension: String8 (libbinder's writeString8): bytes as they are.
 * Reading returns a pointer into the parcel as for String16.
 */
binder_status_t AParcel_writeString8(AParcel *parcel, const char *string, int32_t length);
binder_status_t AParcel_readString8(const AParcel *parcel, const char **string, int32_t *length);

/*
 * Arrays.  Writing: @arrayData NULL with @length -1 writes a null array;
 * otherwise @length >= 0 elements.  Reading: the allocator is called once
 * with the element count (-1 for null) after the parcel was checked to
 * hold that many; it stores a buffer of at least that many elements in
 * *@outBuffer and returns true.  Refusing gives STATUS_UNEXPECTED_NULL
 * (null array) or STATUS_NO_MEMORY, as in the NDK.
 */
typedef bool (*AParcel_byteArrayAllocator)(void *arrayData, int32_t length, int8_t **outBuffer);
typedef bool (*AParcel_int32ArrayAllocator)(void *arrayData, int32_t length, int32_t **outBuffer);
typedef bool (*AParcel_uint32ArrayAllocator)(void *arrayData, int32_t length, uint32_t **outBuffer);
typedef bool (*AParcel_int64ArrayAllocator)(void *arrayData, int32_t length, int64_t **outBuffer);
typedef bool (*AParcel_uint64ArrayAllocator)(void *arrayData, int32_t length, uint64_t **outBuffer);
typedef bool (*AParcel_floatArrayAllocator)(void *arrayData, int32_t length, float **outBuffer);
typedef bool (*AParcel_doubleArrayAllocator)(void *arrayData, int32_t length, double **outBuffer);
typedef bool (*AParcel_charArrayAllocator)(void *arrayData, int32_t length, char16_t **outBuffer);
/* Bool arrays have no contiguous buffer in the NDK: a setter per element. */
typedef bool (*AParcel_boolArrayAllocator)(void *arrayData, int32_t length);
typedef void (*AParcel_boolArraySetter)(void *arrayData, size_t index, bool value);
typedef bool (*AParcel_boolArrayGetter)(const void *arrayData, size_t index);

binder_status_t AParcel_writeByteArray(AParcel *parcel, const int8_t *arrayData, int32_t length);
binder_status_t AParcel_writeInt32Array(AParcel *parcel, const int32_t *arrayData, int32_t length);
binder_status_t AParcel_writeUint32Array(AParcel *parcel, const uint32_t *arrayData,
					 int32_t length);
binder_status_t AParcel_writeInt64Array(AParcel *parcel, const int64_t *arrayData, int32_t length);
binder_status_t AParcel_writeUint64Array(AParcel *parcel, const uint64_t *arrayData,
					 int32_t length);
binder_status_t AParcel_writeFloatArray(AParcel *parcel, const float *arrayData, int32_t length);
binder_status_t AParcel_writeDoubleArray(AParcel *parcel, const double *arrayData, int32_t length);
binder_status_t AParcel_writeCharArray(AParcel *parcel, const char16_t *arrayData, int32_t length);
/* @arrayData may be NULL only with @length -1 (null array). */
binder_status_t AParcel_writeBoolArray(AParcel *parcel, const void *arrayData, int32_t length,
				       AParcel_boolArrayGetter getter);

binder_status_t AParcel_readByteArray(const AParcel *parcel, void *arrayData,
				      AParcel_byteArrayAllocator allocator);
binder_status_t AParcel_readInt32Array(const AParcel *parcel, void *arrayData,
				       AParcel_int32ArrayAllocator allocator);
binder_status_t AParcel_readUint32Array(const AParcel *parcel, void *arrayData,
					AParcel_uint32ArrayAllocator allocator);
binder_status_t AParcel_readInt64Array(const AParcel *parcel, void *arrayData,
				       AParcel_int64ArrayAllocator allocator);
binder_status_t AParcel_readUint64Array(const AParcel *parcel, void *arrayData,
					AParcel_uint64ArrayAllocator allocator);
binder_status_t AParcel_readFloatArray(const AParcel *parcel, void *arrayData,
				       AParcel_floatArrayAllocator allocator);
binder_status_t AParcel_readDoubleArray(const AParcel *parcel, void *arrayData,
					AParcel_doubleArrayAllocator allocator);
binder_status_t AParcel_readCharArray(const AParcel *parcel, void *arrayData,
				      AParcel_charArrayAllocator allocator);
binder_status_t AParcel_readBoolArray(const AParcel *parcel, void *arrayData,
				      AParcel_boolArrayAllocator allocator,
				      AParcel_boolArraySetter setter);

/*
 * Extension: read a byte array into a malloc'ed buffer *@data (NULL for
 * a null array or an empty one) of *@length bytes (-1 for null).
 */
binder_status_t AParcel_readByteArrayDup(const AParcel *parcel, int8_t **data, int32_t *length);

/*
 * A binder object (NULL allowed).  Writing into a transaction's parcel
 * gives the object an address in that RPC session and keeps it alive
 * while the peer holds it.  Reading returns a new strong reference in
 * *@binder (NULL for a null binder): a proxy, or the local object itself
 * when the peer sends back one of ours.
 */
binder_status_t AParcel_writeStrongBinder(AParcel *parcel, AIBinder *binder);
binder_status_t AParcel_readStrongBinder(const AParcel *parcel, AIBinder **binder);

/*
 * A ParcelFileDescriptor.  Writing dups @fd (-1 writes null); over RPC it
 * needs a session with the Unix fd transport mode (-EPERM otherwise,
 * where the NDK says STATUS_FDS_NOT_ALLOWED).  Reading stores a new file
 * descriptor (close-on-exec) that the caller owns in *@fd, or -1 for
 * null.
 */
binder_status_t AParcel_writeParcelFileDescriptor(AParcel *parcel, int fd);
binder_status_t AParcel_readParcelFileDescriptor(const AParcel *parcel, int *fd);

/*
 * The status header of an AIDL reply: the exception code, and for an
 * exception its message (String16), an empty remote stack trace header
 * and the service-specific error code.  For EX_TRANSACTION_FAILED nothing
 * is written and the status's transaction error is returned, so that the
 * whole transaction fails with it (as in the NDK).
 */
binder_status_t AParcel_writeStatusHeader(AParcel *parcel, const AStatus *status);
/*
 * Read a status header into a new *@status (delete it with
 * AStatus_delete()).  Skips EX_HAS_REPLY_HEADER headers (their size
 * counts the size field) and remote stack traces (size not counting the
 * field), as libbinder does; rejects sizes that are negative or run past
 * the data with STATUS_BAD_VALUE.
 */
binder_status_t AParcel_readStatusHeader(const AParcel *parcel, AStatus **status);

/*
 * Extension: the interface token at the start of a transaction.  Over RPC
 * it is the String16 descriptor alone.  A parcel for the kernel driver
 * starts it with the strict-mode policy int32 (0x80000000, "penalty
 * gather"), the work-source uid int32 (-1, unset) and the header int32
 * 'SYST' (0x53595354).  AParcel_enforceInterface() reads the token and
 * returns STATUS_BAD_TYPE (as libbinder's onTransact would) when it names
 * another interface or has another header.
 */
binder_status_t AParcel_writeInterfaceToken(AParcel *parcel, const char *descriptor);
binder_status_t AParcel_enforceInterface(const AParcel *parcel, const char *descriptor);

/*
 * Extension: parcelables as AIDL writes them.
 * Nullable: an int32 presence flag (0 null, 1 present) before the value;
 * AParcel_readNullableFlag() rejects other values with STATUS_BAD_VALUE.
 * Structured: an int32 size that counts itself and the fields, so that a
 * reader skips fields it does not know and stops at fields it does not
 * get:
 *     int32_t start;                   int32_t end;
 *     AParcel_writeParcelableStart(p, &start);
 *     ...write the fields...           AParcel_readParcelableStart(p, &end);
 *     AParcel_writeParcelableEnd(p, start);
 *                                      if (AParcel_getDataPosition(p) < end)
 *                                              ...read a field... (each)
 *                                      AParcel_readParcelableEnd(p, end);
 * Reading checks that the size is at least 4 and stays inside the data.
 */
binder_status_t AParcel_writeNullableFlag(AParcel *parcel, bool present);
binder_status_t AParcel_readNullableFlag(const AParcel *parcel, bool *present);
binder_status_t AParcel_writeParcelableStart(AParcel *parcel, int32_t *start);
binder_status_t AParcel_writeParcelableEnd(AParcel *parcel, int32_t start);
binder_status_t AParcel_readParcelableStart(const AParcel *parcel, int32_t *end);
/* STATUS_BAD_VALUE if the fields read ran past @end. */
binder_status_t AParcel_readParcelableEnd(const AParcel *parcel, int32_t end);

#ifdef __cplusplus
}
#endif

#endif
