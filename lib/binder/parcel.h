/*
 * parcel.h - the parcel's insides, for the rest of the library: its
 * buffer, how a transport names binder objects in it, and how received
 * data is taken over.  The API users see is android/binder_parcel.h.
 *
 * Files: parcel.c (buffer, positions, scalars, objects, interface token,
 * parcelables), parcel_string.c (String16, UTF-8, String8) and
 * parcel_array.c (arrays).
 *
 * Binder objects.  A parcel bound to a transport (parcel_new() with
 * @ops) asks the transport for each binder's wire address when it is
 * written, and for the object behind an address when it is read; an RPC
 * session does this with its node table (rpc_state.h).  A parcel bound to
 * nothing (AParcel_create(), or a call to a local object) keeps the
 * binders it carries in a list of its own and writes an index into it as
 * the address, so the same bytes work in-process.
 *
 * Formats.  PARCEL_FORMAT_RPC (rpc_*.c) and PARCEL_FORMAT_KERNEL
 * (kbinder_parcel.c), where binders and fds are 24-byte
 * flat_binder_object entries listed in an offsets table.  A kernel parcel
 * keeps a strong reference on every binder object in it (@binders, at
 * @binder_pos) and owns its fds (@fds, at @fd_pos); a received one has
 * them resolved when it is adopted (kparcel_adopt()), so reading is a
 * lookup by position.  The interface token's kernel form adds the
 * strict-mode, work-source and 'SYST' header words.
 */
#ifndef BINDER_PARCEL_H
#define BINDER_PARCEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <android/binder_parcel.h>

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "the binder wire format is little-endian; this code assumes the host is too");

enum parcel_format {
	PARCEL_FORMAT_RPC,
	PARCEL_FORMAT_KERNEL,
};

/* How one transport names binder objects (see above). */
struct parcel_binder_ops {
	/* Give @binder an address; the transport counts it as sent. */
	int (*flatten)(void *ctx, AIBinder *binder, uint64_t *address);
	/* A new strong reference for @address; counted as received. */
	int (*unflatten)(void *ctx, uint64_t address, AIBinder **binder);
	/* Keep @ctx alive while a parcel refers to it. */
	void (*get)(void *ctx);
	void (*put)(void *ctx);
};

struct AParcel {
	uint8_t *data;
	void *alloc; /* what to free(): data, or a buffer data lies in */
	size_t size; /* bytes of data */
	size_t cap;  /* bytes that fit at data */
	size_t pos;  /* the data position, a multiple of 4, <= size */
	enum parcel_format format;
	const struct parcel_binder_ops *ops; /* NULL: binders kept in @binders */
	void *ctx;
	bool fds_allowed;
	/* File descriptors: owned, and where their objects are in the data. */
	int fds[BINDER_PARCEL_MAX_FDS];
	uint32_t fd_pos[BINDER_PARCEL_MAX_FDS];
	size_t nfds;
	/* Binders of a parcel bound to nothing, or of a kernel parcel (strong references). */
	AIBinder **binders;
	size_t nbinders;
	/* PARCEL_FORMAT_KERNEL: where each of @binders' objects is in the data. */
	uint32_t *binder_pos;
	/* Binder objects written and read, against BINDER_PARCEL_MAX_BINDERS. */
	size_t binders_written, binders_read;
};

/* A new empty parcel; @ops and @ctx NULL for one bound to nothing. */
AParcel *parcel_new(enum parcel_format format, const struct parcel_binder_ops *ops, void *ctx,
		    bool fds_allowed);

/* True if @p was made for the transport (@ops, @ctx). */
bool parcel_is_bound_to(const AParcel *p, const struct parcel_binder_ops *ops, const void *ctx);

/*
 * Make @p (new and empty) hold received data: @size bytes at @data, which
 * lies in the malloc'ed @alloc (freed with the parcel), the file
 * descriptors @fds (owned from now on, closed with the parcel) and the
 * positions of their objects @fd_pos (4-aligned, increasing, each object's
 * 8 bytes inside the data; one per fd).  Takes @alloc and @fds over even
 * on failure.  Returns 0, or -EINVAL (bad table) / -EMSGSIZE (too big).
 */
int parcel_adopt(AParcel *p, void *alloc, uint8_t *data, size_t size, const uint32_t *fd_pos,
		 int *fds, size_t nfds);

/* Reserve room for @len more bytes at the position, -EMSGSIZE past the cap. */
int parcel_reserve(AParcel *p, size_t len);

/*
 * Append @binder to @p->binders with a new strong reference, which the
 * parcel releases when it is deleted.  Returns 0, -EMSGSIZE past
 * BINDER_PARCEL_MAX_BINDERS, or -ENOMEM (nothing changed then).
 */
int parcel_hold_binder(AParcel *p, AIBinder *binder);
/*
 * Room for @len bytes at the position, padded to 4 with zeros; advances
 * the position.  NULL (-EMSGSIZE) past the cap or if memory runs out.
 */
uint8_t *parcel_write_space(AParcel *p, size_t len);
/* The next @len bytes (and their padding) to read, advancing; NULL if short. */
const uint8_t *parcel_read_space(const AParcel *p, size_t len);
/* Move the data position of a parcel being read (error paths). */
void parcel_seek(const AParcel *p, size_t pos);

/* The bytes @count items of @size bytes take, padded to 4 (SIZE_MAX on overflow). */
size_t parcel_padded_size(size_t count, size_t size);

#endif
