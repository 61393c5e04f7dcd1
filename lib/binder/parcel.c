/*
 * parcel.c - the parcel's buffer and positions, scalars, binder and file
 * descriptor objects, the interface token and parcelable framing.
 * See android/binder_parcel.h for the layout and parcel.h for the
 * transport hooks.
 */
#include "parcel.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ibinder.h"
#include "kbinder.h"
#include "utf.h"

#define PAD4(n) (((n) + 3) & ~(size_t)3)

/* RPC object types: the first int32 of a binder or fd object. */
#define RPC_OBJECT_BINDER_NULL 0
#define RPC_OBJECT_BINDER 1
#define RPC_OBJECT_FD 2

/* The kernel-format interface token's header words (as libbinder writes them). */
#define STRICT_MODE_PENALTY_GATHER 0x80000000u
#define WORK_SOURCE_UNSET (-1)
#define INTERFACE_HEADER_SYSTEM 0x53595354u /* 'SYST' */

/* A const parcel's position moves as it is read (the NDK's const). */
static AParcel *mut(const AParcel *p)
{
	return (AParcel *)p;
}

AParcel *parcel_new(enum parcel_format format, const struct parcel_binder_ops *ops, void *ctx,
		    bool fds_allowed)
{
	AParcel *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->format = format;
	p->ops = ops;
	p->ctx = ctx;
	p->fds_allowed = fds_allowed;
	if (ops && ops->get)
		ops->get(ctx);
	return p;
}

AParcel *AParcel_create(void)
{
	return parcel_new(PARCEL_FORMAT_RPC, NULL, NULL, true);
}

void AParcel_delete(AParcel *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->nfds; i++)
		close(p->fds[i]);
	for (i = 0; i < p->nbinders; i++)
		AIBinder_decStrong(p->binders[i]);
	free(p->binders);
	free(p->binder_pos);
	free(p->alloc);
	if (p->ops && p->ops->put)
		p->ops->put(p->ctx);
	free(p);
}

bool parcel_is_bound_to(const AParcel *p, const struct parcel_binder_ops *ops, const void *ctx)
{
	return p->ops == ops && p->ctx == ctx;
}

int parcel_adopt(AParcel *p, void *alloc, uint8_t *data, size_t size, const uint32_t *fd_pos,
		 int *fds, size_t nfds)
{
	size_t i;
	int r = 0;

	if (size > BINDER_PARCEL_MAX_SIZE || nfds > BINDER_PARCEL_MAX_FDS)
		r = -EMSGSIZE;
	for (i = 0; r == 0 && i < nfds; i++) {
		uint32_t pos = fd_pos[i];

		if (pos % 4 || (size_t)pos + 8 > size || (i > 0 && pos <= fd_pos[i - 1]))
			r = -EINVAL;
	}
	if (r < 0) {
		for (i = 0; i < nfds; i++)
			close(fds[i]);
		free(alloc);
		return r;
	}
	free(p->alloc);
	p->alloc = alloc;
	p->data = data;
	p->size = size;
	p->cap = size;
	p->pos = 0;
	for (i = 0; i < nfds; i++) {
		p->fds[i] = fds[i];
		p->fd_pos[i] = fd_pos[i];
	}
	p->nfds = nfds;
	return 0;
}

size_t parcel_padded_size(size_t count, size_t size)
{
	size_t n;

	if (__builtin_mul_overflow(count, size, &n) || n > SIZE_MAX - 3)
		return SIZE_MAX;
	return PAD4(n);
}

int parcel_reserve(AParcel *p, size_t len)
{
	size_t need, cap;
	uint8_t *buf;

	if (len > BINDER_PARCEL_MAX_SIZE || p->pos + PAD4(len) > BINDER_PARCEL_MAX_SIZE)
		return -EMSGSIZE;
	need = p->pos + PAD4(len);
	if (need <= p->cap)
		return 0;
	cap = p->cap ? p->cap : 256;
	while (cap < need)
		cap *= 2;
	if (cap > BINDER_PARCEL_MAX_SIZE)
		cap = BINDER_PARCEL_MAX_SIZE;
	if (p->alloc == p->data) {
		buf = realloc(p->alloc, cap);
		if (!buf)
			return -ENOMEM;
	} else {
		/* Received data sits inside a larger buffer: move it out. */
		buf = malloc(cap);
		if (!buf)
			return -ENOMEM;
		if (p->size)
			memcpy(buf, p->data, p->size);
		free(p->alloc);
	}
	p->alloc = buf;
	p->data = buf;
	p->cap = cap;
	return 0;
}

uint8_t *parcel_write_space(AParcel *p, size_t len)
{
	size_t padded = PAD4(len);
	uint8_t *at;

	if (parcel_reserve(p, len) < 0)
		return NULL;
	at = p->data + p->pos;
	if (padded > len)
		memset(at + len, 0, padded - len);
	p->pos += padded;
	if (p->pos > p->size)
		p->size = p->pos;
	return at;
}

const uint8_t *parcel_read_space(const AParcel *p, size_t len)
{
	const uint8_t *at;

	if (len > BINDER_PARCEL_MAX_SIZE || p->pos > p->size || p->size - p->pos < PAD4(len))
		return NULL;
	at = p->data + p->pos;
	mut(p)->pos += PAD4(len);
	return at;
}

void parcel_seek(const AParcel *p, size_t pos)
{
	mut(p)->pos = pos;
}

int32_t AParcel_getDataPosition(const AParcel *p)
{
	return (int32_t)p->pos;
}

int32_t AParcel_getDataSize(const AParcel *p)
{
	return (int32_t)p->size;
}

binder_status_t AParcel_setDataPosition(const AParcel *p, int32_t position)
{
	if (position < 0 || position % 4 || (size_t)position > p->size)
		return STATUS_BAD_VALUE;
	mut(p)->pos = (size_t)position;
	return STATUS_OK;
}

/* ------------------------------------------------------------------ scalars */

static binder_status_t write_raw(AParcel *p, const void *v, size_t len)
{
	uint8_t *at = parcel_write_space(p, len);

	if (!at)
		return -EMSGSIZE;
	memcpy(at, v, len);
	return STATUS_OK;
}

static binder_status_t read_raw(const AParcel *p, void *v, size_t len)
{
	const uint8_t *at = parcel_read_space(p, len);

	if (!at)
		return STATUS_NOT_ENOUGH_DATA;
	memcpy(v, at, len);
	return STATUS_OK;
}

binder_status_t AParcel_writeInt32(AParcel *p, int32_t v)
{
	return write_raw(p, &v, sizeof(v));
}

binder_status_t AParcel_writeUint32(AParcel *p, uint32_t v)
{
	return write_raw(p, &v, sizeof(v));
}

binder_status_t AParcel_writeInt64(AParcel *p, int64_t v)
{
	return write_raw(p, &v, sizeof(v));
}

binder_status_t AParcel_writeUint64(AParcel *p, uint64_t v)
{
	return write_raw(p, &v, sizeof(v));
}

binder_status_t AParcel_writeFloat(AParcel *p, float v)
{
	return write_raw(p, &v, sizeof(v));
}

binder_status_t AParcel_writeDouble(AParcel *p, double v)
{
	return write_raw(p, &v, sizeof(v));
}

binder_status_t AParcel_writeBool(AParcel *p, bool v)
{
	return AParcel_writeInt32(p, v ? 1 : 0);
}

binder_status_t AParcel_writeChar(AParcel *p, char16_t v)
{
	return AParcel_writeInt32(p, (int32_t)v);
}

binder_status_t AParcel_writeByte(AParcel *p, int8_t v)
{
	return AParcel_writeInt32(p, v);
}

binder_status_t AParcel_readInt32(const AParcel *p, int32_t *v)
{
	return read_raw(p, v, sizeof(*v));
}

binder_status_t AParcel_readUint32(const AParcel *p, uint32_t *v)
{
	return read_raw(p, v, sizeof(*v));
}

binder_status_t AParcel_readInt64(const AParcel *p, int64_t *v)
{
	return read_raw(p, v, sizeof(*v));
}

binder_status_t AParcel_readUint64(const AParcel *p, uint64_t *v)
{
	return read_raw(p, v, sizeof(*v));
}

binder_status_t AParcel_readFloat(const AParcel *p, float *v)
{
	return read_raw(p, v, sizeof(*v));
}

binder_status_t AParcel_readDouble(const AParcel *p, double *v)
{
	return read_raw(p, v, sizeof(*v));
}

binder_status_t AParcel_readBool(const AParcel *p, bool *v)
{
	int32_t i;
	binder_status_t r = AParcel_readInt32(p, &i);

	if (r == STATUS_OK)
		*v = i != 0;
	return r;
}

binder_status_t AParcel_readChar(const AParcel *p, char16_t *v)
{
	int32_t i;
	binder_status_t r = AParcel_readInt32(p, &i);

	if (r == STATUS_OK)
		*v = (char16_t)i;
	return r;
}

binder_status_t AParcel_readByte(const AParcel *p, int8_t *v)
{
	int32_t i;
	binder_status_t r = AParcel_readInt32(p, &i);

	if (r == STATUS_OK)
		*v = (int8_t)i;
	return r;
}

/* ------------------------------------------------------------------ binders */

static bool stability_known(int32_t s)
{
	return s == BINDER_STABILITY_UNDECLARED || s == BINDER_STABILITY_VENDOR ||
	       s == BINDER_STABILITY_SYSTEM || s == BINDER_STABILITY_VINTF;
}

int parcel_hold_binder(AParcel *p, AIBinder *binder)
{
	AIBinder **b;

	if (p->nbinders >= BINDER_PARCEL_MAX_BINDERS)
		return -EMSGSIZE;
	b = realloc(p->binders, (p->nbinders + 1) * sizeof(*b));
	if (!b)
		return -ENOMEM;
	p->binders = b;
	AIBinder_incStrong(binder);
	b[p->nbinders++] = binder;
	return 0;
}

binder_status_t AParcel_writeStrongBinder(AParcel *p, AIBinder *binder)
{
	uint64_t address;
	binder_status_t r;

	if (p->format == PARCEL_FORMAT_KERNEL)
		return kparcel_write_binder(p, binder);
	if (!binder) {
		if (parcel_reserve(p, 8) < 0)
			return -EMSGSIZE;
		AParcel_writeInt32(p, RPC_OBJECT_BINDER_NULL);
		return AParcel_writeInt32(p, BINDER_STABILITY_UNDECLARED);
	}
	if (p->binders_written >= BINDER_PARCEL_MAX_BINDERS || parcel_reserve(p, 16) < 0)
		return -EMSGSIZE;
	if (p->ops) {
		r = p->ops->flatten(p->ctx, binder, &address);
		if (r < 0)
			return r;
	} else {
		r = parcel_hold_binder(p, binder);
		if (r < 0)
			return r;
		address = p->nbinders; /* index + 1: 0 is never an address */
	}
	p->binders_written++;
	AParcel_writeInt32(p, RPC_OBJECT_BINDER);
	AParcel_writeUint64(p, address);
	return AParcel_writeInt32(p, binder->stability);
}

binder_status_t AParcel_readStrongBinder(const AParcel *p, AIBinder **binder)
{
	size_t start = p->pos;
	int32_t type, stability;
	uint64_t address = 0;
	binder_status_t r;

	*binder = NULL;
	if (p->format == PARCEL_FORMAT_KERNEL)
		return kparcel_read_binder(p, binder);
	r = AParcel_readInt32(p, &type);
	if (r == STATUS_OK && type == RPC_OBJECT_BINDER)
		r = AParcel_readUint64(p, &address);
	else if (r == STATUS_OK && type != RPC_OBJECT_BINDER_NULL)
		r = STATUS_BAD_VALUE;
	if (r == STATUS_OK)
		r = AParcel_readInt32(p, &stability);
	if (r == STATUS_OK && !stability_known(stability))
		r = STATUS_BAD_VALUE;
	if (r == STATUS_OK && type == RPC_OBJECT_BINDER) {
		if (mut(p)->binders_read++ >= BINDER_PARCEL_MAX_BINDERS) {
			r = -EMSGSIZE;
		} else if (p->ops) {
			r = p->ops->unflatten(p->ctx, address, binder);
		} else if (address == 0 || address > p->nbinders) {
			r = STATUS_BAD_VALUE;
		} else {
			*binder = p->binders[address - 1];
			AIBinder_incStrong(*binder);
		}
	}
	if (r != STATUS_OK) {
		*binder = NULL;
		parcel_seek(p, start);
	}
	return r;
}

/* ------------------------------------------------------------------ file descriptors */

/* Write the fd object for a dup of @fd. */
static binder_status_t write_fd_object(AParcel *p, int fd)
{
	int dup_fd;

	if (p->format == PARCEL_FORMAT_KERNEL)
		return kparcel_write_fd(p, fd);
	if (!p->fds_allowed)
		return -EPERM;
	if (p->nfds >= BINDER_PARCEL_MAX_FDS)
		return -EMSGSIZE;
	/* The receiver wants the object table in increasing order. */
	if (p->nfds > 0 && p->pos <= p->fd_pos[p->nfds - 1])
		return STATUS_BAD_VALUE;
	if (parcel_reserve(p, 8) < 0)
		return -EMSGSIZE;
	dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (dup_fd < 0)
		return -errno;
	p->fd_pos[p->nfds] = (uint32_t)p->pos;
	p->fds[p->nfds] = dup_fd;
	AParcel_writeInt32(p, RPC_OBJECT_FD);
	AParcel_writeInt32(p, (int32_t)p->nfds);
	p->nfds++;
	return STATUS_OK;
}

/* Read an fd object: the parcel's own fd in *@fd (not a copy). */
static binder_status_t read_fd_object(const AParcel *p, int *fd)
{
	int32_t type, index;
	size_t i;

	if (p->format == PARCEL_FORMAT_KERNEL)
		return kparcel_read_fd(p, fd);
	for (i = 0; i < p->nfds && p->fd_pos[i] != p->pos; i++)
		;
	if (i == p->nfds)
		return STATUS_BAD_VALUE; /* no object here */
	if (AParcel_readInt32(p, &type) != STATUS_OK || AParcel_readInt32(p, &index) != STATUS_OK)
		return STATUS_NOT_ENOUGH_DATA;
	if (type != RPC_OBJECT_FD || index < 0 || (size_t)index >= p->nfds)
		return STATUS_BAD_VALUE;
	*fd = p->fds[index];
	return STATUS_OK;
}

binder_status_t AParcel_writeParcelFileDescriptor(AParcel *p, int fd)
{
	size_t start = p->pos, size = p->size;
	binder_status_t r;

	if (fd < 0)
		return fd == -1 ? AParcel_writeInt32(p, 0) : STATUS_BAD_VALUE;
	r = AParcel_writeInt32(p, 1);
	if (r == STATUS_OK)
		r = AParcel_writeInt32(p, 0); /* no comm channel */
	if (r == STATUS_OK)
		r = write_fd_object(p, fd);
	if (r != STATUS_OK) {
		p->pos = start;
		p->size = size;
	}
	return r;
}

binder_status_t AParcel_readParcelFileDescriptor(const AParcel *p, int *fd)
{
	size_t start = p->pos;
	int32_t present, has_comm;
	int own, comm;
	binder_status_t r;

	*fd = -1;
	r = AParcel_readInt32(p, &present);
	if (r == STATUS_OK && present == 0)
		return STATUS_OK;
	if (r == STATUS_OK && present != 1)
		r = STATUS_BAD_VALUE;
	if (r == STATUS_OK)
		r = AParcel_readInt32(p, &has_comm);
	if (r == STATUS_OK)
		r = read_fd_object(p, &own);
	/* A comm channel (Java's detachable fds) is read and left alone. */
	if (r == STATUS_OK && has_comm != 0)
		r = read_fd_object(p, &comm);
	if (r == STATUS_OK) {
		*fd = fcntl(own, F_DUPFD_CLOEXEC, 0);
		if (*fd < 0)
			r = -errno;
	}
	if (r != STATUS_OK) {
		*fd = -1;
		parcel_seek(p, start);
	}
	return r;
}

/* ------------------------------------------------------------------ interface token */

binder_status_t AParcel_writeInterfaceToken(AParcel *p, const char *descriptor)
{
	binder_status_t r = STATUS_OK;

	if (!descriptor)
		return STATUS_BAD_VALUE;
	if (p->format == PARCEL_FORMAT_KERNEL) {
		r = AParcel_writeUint32(p, STRICT_MODE_PENALTY_GATHER);
		if (r == STATUS_OK)
			r = AParcel_writeInt32(p, WORK_SOURCE_UNSET);
		if (r == STATUS_OK)
			r = AParcel_writeUint32(p, INTERFACE_HEADER_SYSTEM);
	}
	if (r == STATUS_OK)
		r = AParcel_writeString(p, descriptor, (int32_t)strlen(descriptor));
	return r;
}

binder_status_t AParcel_enforceInterface(const AParcel *p, const char *descriptor)
{
	const char16_t *token;
	char16_t *want;
	int32_t len, word;
	ssize_t n = utf8_to_utf16_length(descriptor, strlen(descriptor));
	bool same;

	if (p->format == PARCEL_FORMAT_KERNEL) {
		/* Strict-mode policy and work source: read, not used here. */
		if (AParcel_readInt32(p, &word) != STATUS_OK ||
		    AParcel_readInt32(p, &word) != STATUS_OK ||
		    AParcel_readInt32(p, &word) != STATUS_OK ||
		    (uint32_t)word != INTERFACE_HEADER_SYSTEM)
			return STATUS_BAD_TYPE;
	}
	if (n < 0 || AParcel_readString16(p, &token, &len) != STATUS_OK || !token || len != n)
		return STATUS_BAD_TYPE;
	want = malloc((size_t)n * sizeof(*want) + 1);
	if (!want)
		return STATUS_NO_MEMORY;
	utf8_to_utf16(descriptor, strlen(descriptor), want);
	same = memcmp(want, token, (size_t)n * sizeof(*want)) == 0;
	free(want);
	return same ? STATUS_OK : STATUS_BAD_TYPE;
}

/* ------------------------------------------------------------------ parcelables */

binder_status_t AParcel_writeNullableFlag(AParcel *p, bool present)
{
	return AParcel_writeInt32(p, present ? 1 : 0);
}

binder_status_t AParcel_readNullableFlag(const AParcel *p, bool *present)
{
	int32_t flag;
	binder_status_t r = AParcel_readInt32(p, &flag);

	if (r != STATUS_OK)
		return r;
	if (flag != 0 && flag != 1) {
		parcel_seek(p, p->pos - 4);
		return STATUS_BAD_VALUE;
	}
	*present = flag == 1;
	return STATUS_OK;
}

binder_status_t AParcel_writeParcelableStart(AParcel *p, int32_t *start)
{
	*start = (int32_t)p->pos;
	return AParcel_writeInt32(p, 0); /* the size, filled in by ..End() */
}

binder_status_t AParcel_writeParcelableEnd(AParcel *p, int32_t start)
{
	size_t end = p->pos;
	int32_t size;

	if (start < 0 || (size_t)start + 4 > end || start % 4)
		return STATUS_BAD_VALUE;
	size = (int32_t)(end - (size_t)start);
	memcpy(p->data + start, &size, sizeof(size));
	return STATUS_OK;
}

binder_status_t AParcel_readParcelableStart(const AParcel *p, int32_t *end)
{
	size_t start = p->pos;
	int32_t size;
	binder_status_t r = AParcel_readInt32(p, &size);

	if (r != STATUS_OK)
		return r;
	if (size < 4 || size % 4 || (size_t)size > p->size - start) {
		parcel_seek(p, start);
		return STATUS_BAD_VALUE;
	}
	*end = (int32_t)(start + (size_t)size);
	return STATUS_OK;
}

binder_status_t AParcel_readParcelableEnd(const AParcel *p, int32_t end)
{
	if (end < 0 || (size_t)end > p->size || end % 4 || p->pos > (size_t)end)
		return STATUS_BAD_VALUE;
	parcel_seek(p, (size_t)end);
	return STATUS_OK;
}
