/*
 * kbinder_parcel.c - PARCEL_FORMAT_KERNEL objects.  A binder is a 24-byte
 * flat_binder_object (BINDER_TYPE_BINDER for a local object, _HANDLE for a
 * proxy, BINDER with binder 0 for null, which is not listed in the
 * offsets) followed by its int32 stability; a file descriptor is a
 * BINDER_TYPE_FD object (handle: the fd).  Every non-null object's
 * position goes in the offsets table the driver reads.  See kbinder.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ibinder.h"
#include "kbinder.h"
#include "parcel.h"

#define FLAT_SIZE sizeof(struct flat_binder_object)

/* Keep a strong reference on @binder, whose object is at @pos. */
static int keep_binder(AParcel *p, AIBinder *binder, uint32_t pos)
{
	uint32_t *bp;

	if (p->nbinders >= BINDER_PARCEL_MAX_BINDERS)
		return -EMSGSIZE;
	/* Room for the position first: holding the binder cannot be undone. */
	bp = realloc(p->binder_pos, (p->nbinders + 1) * sizeof(*bp));
	if (!bp)
		return -ENOMEM;
	p->binder_pos = bp;
	bp[p->nbinders] = pos;
	return parcel_hold_binder(p, binder);
}

binder_status_t kparcel_write_binder(AParcel *p, AIBinder *binder)
{
	struct flat_binder_object obj;
	size_t start = p->pos, size = p->size;
	uint8_t *space;
	int r;

	memset(&obj, 0, sizeof(obj));
	obj.hdr.type = BINDER_TYPE_BINDER;
	if (binder) {
		if (p->binders_written >= BINDER_PARCEL_MAX_BINDERS)
			return -EMSGSIZE;
		r = kbinder_flatten(binder, &obj);
		if (r < 0)
			return r;
	}
	if (parcel_reserve(p, FLAT_SIZE + 4) < 0)
		return -EMSGSIZE;
	if (binder) {
		r = keep_binder(p, binder, (uint32_t)p->pos);
		if (r < 0)
			return r;
		p->binders_written++;
	}
	space = parcel_write_space(p, FLAT_SIZE);
	if (!space) {
		p->pos = start;
		p->size = size;
		return -EMSGSIZE;
	}
	memcpy(space, &obj, FLAT_SIZE);
	return AParcel_writeInt32(p, binder ? binder->stability : BINDER_STABILITY_UNDECLARED);
}

/* The flat object at the position, advancing past it; NULL if short. */
static const struct flat_binder_object *read_flat(const AParcel *p, struct flat_binder_object *obj)
{
	const uint8_t *space = parcel_read_space(p, FLAT_SIZE);

	if (!space)
		return NULL;
	memcpy(obj, space, FLAT_SIZE);
	return obj;
}

binder_status_t kparcel_read_binder(const AParcel *p, AIBinder **binder)
{
	struct flat_binder_object obj;
	size_t start = p->pos, i;
	int32_t stability;
	binder_status_t r = STATUS_OK;

	*binder = NULL;
	if (!read_flat(p, &obj))
		return STATUS_NOT_ENOUGH_DATA;
	if (obj.hdr.type == BINDER_TYPE_BINDER && obj.binder == 0) {
		/* null */
	} else if (obj.hdr.type == BINDER_TYPE_BINDER || obj.hdr.type == BINDER_TYPE_HANDLE) {
		for (i = 0; i < p->nbinders && p->binder_pos[i] != start; i++)
			;
		if (i == p->nbinders)
			r = STATUS_BAD_VALUE; /* not in the offsets table */
		else
			*binder = p->binders[i];
	} else {
		r = STATUS_BAD_VALUE;
	}
	if (r == STATUS_OK)
		r = AParcel_readInt32(p, &stability);
	if (r == STATUS_OK) {
		AIBinder_incStrong(*binder);
		return STATUS_OK;
	}
	*binder = NULL;
	parcel_seek(p, start);
	return r;
}

binder_status_t kparcel_write_fd(AParcel *p, int fd)
{
	struct flat_binder_object obj;
	uint8_t *space;
	int dup_fd;

	if (!p->fds_allowed)
		return -EPERM;
	if (p->nfds >= BINDER_PARCEL_MAX_FDS)
		return -EMSGSIZE;
	if (parcel_reserve(p, FLAT_SIZE) < 0)
		return -EMSGSIZE;
	dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (dup_fd < 0)
		return -errno;
	p->fd_pos[p->nfds] = (uint32_t)p->pos;
	p->fds[p->nfds++] = dup_fd;
	memset(&obj, 0, sizeof(obj));
	obj.hdr.type = BINDER_TYPE_FD;
	obj.flags = FLAT_BINDER_FLAG_ACCEPTS_FDS;
	obj.handle = (uint32_t)dup_fd;
	space = parcel_write_space(p, FLAT_SIZE);
	memcpy(space, &obj, FLAT_SIZE); /* reserved above */
	return STATUS_OK;
}

binder_status_t kparcel_read_fd(const AParcel *p, int *fd)
{
	struct flat_binder_object obj;
	size_t start = p->pos, i;

	for (i = 0; i < p->nfds && p->fd_pos[i] != start; i++)
		;
	if (i == p->nfds)
		return STATUS_BAD_VALUE; /* no object here */
	if (!read_flat(p, &obj))
		return STATUS_NOT_ENOUGH_DATA;
	if (obj.hdr.type != BINDER_TYPE_FD) {
		parcel_seek(p, start);
		return STATUS_BAD_VALUE;
	}
	*fd = p->fds[i];
	return STATUS_OK;
}

int kparcel_offsets(const AParcel *p, binder_size_t **offsets, size_t *n)
{
	size_t total = p->nbinders + p->nfds, b = 0, f = 0, i;
	binder_size_t *o;

	*offsets = NULL;
	*n = 0;
	if (!total)
		return 0;
	o = malloc(total * sizeof(*o));
	if (!o)
		return -ENOMEM;
	/* Both lists increase with the position they were written at: merge. */
	for (i = 0; i < total; i++) {
		if (f == p->nfds || (b < p->nbinders && p->binder_pos[b] < p->fd_pos[f]))
			o[i] = p->binder_pos[b++];
		else
			o[i] = p->fd_pos[f++];
	}
	*offsets = o;
	*n = total;
	return 0;
}

int kparcel_adopt(AParcel *p, void *alloc, uint8_t *data, size_t size, const binder_size_t *offsets,
		  size_t n, const struct kparcel_resolver *res)
{
	uint32_t fd_pos[BINDER_PARCEL_MAX_FDS];
	int fds[BINDER_PARCEL_MAX_FDS];
	struct flat_binder_object obj;
	size_t nfds = 0, i, end = 0;
	AIBinder *b;
	int r = 0;

	/*
	 * First the table and the fds (the driver installed them: ours to
	 * close), then the binders.  The fds of entries after a malformed
	 * one are not trusted to be fds at all and are left alone.
	 */
	for (i = 0; r == 0 && i < n; i++) {
		if (offsets[i] % 4 || offsets[i] < end || offsets[i] > size ||
		    size - offsets[i] < FLAT_SIZE) {
			r = -EINVAL;
			break;
		}
		end = offsets[i] + FLAT_SIZE;
		memcpy(&obj, data + offsets[i], FLAT_SIZE);
		if (obj.hdr.type == BINDER_TYPE_FD) {
			if (nfds == BINDER_PARCEL_MAX_FDS || obj.handle > INT32_MAX) {
				r = -EINVAL;
				break;
			}
			fds[nfds] = (int)obj.handle;
			fd_pos[nfds++] = (uint32_t)offsets[i];
		} else if (obj.hdr.type != BINDER_TYPE_BINDER &&
			   obj.hdr.type != BINDER_TYPE_HANDLE) {
			r = -EINVAL;
		} else if (i - nfds >= BINDER_PARCEL_MAX_BINDERS) {
			r = -EMSGSIZE;
		}
	}
	for (i = 0; r == 0 && i < n; i++) {
		memcpy(&obj, data + offsets[i], FLAT_SIZE);
		if (obj.hdr.type == BINDER_TYPE_FD)
			continue;
		b = NULL;
		r = obj.hdr.type == BINDER_TYPE_BINDER
			? res->local(res->ctx, obj.binder, obj.cookie, &b)
			: res->handle(res->ctx, obj.handle, &b);
		if (r == 0) {
			r = keep_binder(p, b, (uint32_t)offsets[i]);
			AIBinder_decStrong(b);
		}
	}
	if (r < 0) {
		for (i = 0; i < nfds; i++)
			close(fds[i]);
		free(alloc);
		return r;
	}
	return parcel_adopt(p, alloc, data, size, fd_pos, fds, nfds);
}
