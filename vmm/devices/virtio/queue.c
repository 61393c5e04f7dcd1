/* queue.c - device side of a split virtqueue; see queue.h. */
#include "queue.h"

#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Layout of the rings (virtio 1.x, 2.7). */
#define AVAIL_FLAGS 0
#define AVAIL_IDX 2
#define AVAIL_RING 4
#define USED_FLAGS 0
#define USED_IDX 2
#define USED_RING 4
#define USED_ELEM_SIZE 8

static size_t avail_bytes(uint16_t size)
{
	return AVAIL_RING + 2u * size + 2; /* ring, then used_event */
}

static size_t used_bytes(uint16_t size)
{
	return USED_RING + (size_t)USED_ELEM_SIZE * size + 2; /* ring, then avail_event */
}

static uint16_t load16(const uint8_t *p)
{
	return le16toh(__atomic_load_n((const uint16_t *)p, __ATOMIC_RELAXED));
}

static uint16_t load16_acquire(const uint8_t *p)
{
	return le16toh(__atomic_load_n((const uint16_t *)p, __ATOMIC_ACQUIRE));
}

static void store16(uint8_t *p, uint16_t v)
{
	__atomic_store_n((uint16_t *)p, htole16(v), __ATOMIC_RELAXED);
}

static void store16_release(uint8_t *p, uint16_t v)
{
	__atomic_store_n((uint16_t *)p, htole16(v), __ATOMIC_RELEASE);
}

__attribute__((format(printf, 2, 3))) static int virtq_fail(struct virtq *q, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(q->error, sizeof(q->error), fmt, ap);
	va_end(ap);
	q->broken = true;
	return -EINVAL;
}

void virtq_reset(struct virtq *q)
{
	memset(q, 0, sizeof(*q));
}

int virtq_setup(struct virtq *q, const struct guest_mem *mem, uint16_t size, uint64_t desc,
		uint64_t avail, uint64_t used, bool event_idx, bool indirect)
{
	virtq_reset(q);
	q->mem = mem;
	if (size == 0 || size > VIRTQ_MAX_SIZE || (size & (size - 1)))
		return virtq_fail(q, "queue size %u is not a power of two from 1 to %u", size,
				  VIRTQ_MAX_SIZE);
	if ((desc & 15) || (avail & 1) || (used & 3))
		return virtq_fail(q, "misaligned rings: descriptors %#llx, available %#llx, "
				  "used %#llx", (unsigned long long)desc,
				  (unsigned long long)avail, (unsigned long long)used);
	q->desc = gmem_ptr(mem, desc, (uint64_t)size * sizeof(struct virtq_desc));
	q->avail = gmem_ptr(mem, avail, avail_bytes(size));
	q->used = gmem_ptr(mem, used, used_bytes(size));
	if (!q->desc || !q->avail || !q->used)
		return virtq_fail(q, "rings outside guest memory: descriptors %#llx, available "
				  "%#llx, used %#llx (size %u)", (unsigned long long)desc,
				  (unsigned long long)avail, (unsigned long long)used, size);
	q->size = size;
	q->event_idx = event_idx;
	q->indirect = indirect;
	return 0;
}

bool virtq_has_avail(struct virtq *q)
{
	if (!q->size || q->broken)
		return false;
	return load16_acquire(q->avail + AVAIL_IDX) != q->last_avail;
}

static void read_desc(const uint8_t *table, uint16_t i, struct virtq_desc *d)
{
	struct virtq_desc raw;

	memcpy(&raw, table + (size_t)i * sizeof(raw), sizeof(raw));
	d->addr = le64toh(raw.addr);
	d->len = le32toh(raw.len);
	d->flags = le16toh(raw.flags);
	d->next = le16toh(raw.next);
}

/* Add the buffer of descriptor @d (number @i, for messages) to the chain. */
static int add_buffer(struct virtq *q, struct virtq_chain *c, const struct virtq_desc *d,
		      unsigned int i)
{
	void *p = NULL;

	if (d->len) {
		p = gmem_ptr(q->mem, d->addr, d->len);
		if (!p)
			return virtq_fail(q, "descriptor %u: buffer %#llx+%u is outside guest memory",
					  i, (unsigned long long)d->addr, d->len);
	}
	if (d->flags & VIRTQ_DESC_F_WRITE) {
		if (d->len) {
			c->wr[c->nr_wr++] = (struct iovec){p, d->len};
			c->wr_len += d->len;
		}
		return 0;
	}
	if (c->nr_wr)
		return virtq_fail(q, "descriptor %u: device-readable buffer after a device-"
				  "writable one", i);
	if (d->len) {
		c->rd[c->nr_rd++] = (struct iovec){p, d->len};
		c->rd_len += d->len;
	}
	return 0;
}

int virtq_pop(struct virtq *q, struct virtq_chain *c)
{
	const uint8_t *table;
	uint16_t avail_idx, pending, head, i, table_len;
	unsigned int steps = 0, total = 0;
	bool in_indirect = false;
	struct virtq_desc d;

	if (q->broken)
		return -EINVAL;
	if (!q->size)
		return 0;
	avail_idx = load16_acquire(q->avail + AVAIL_IDX);
	pending = (uint16_t)(avail_idx - q->last_avail);
	if (pending == 0)
		return 0;
	if (pending > q->size)
		return virtq_fail(q, "available index %u is %u entries past %u, in a queue of %u",
				  avail_idx, pending, q->last_avail, q->size);
	head = load16(q->avail + AVAIL_RING + 2u * (q->last_avail & (q->size - 1)));
	if (head >= q->size)
		return virtq_fail(q, "available entry %u names descriptor %u, past the table of %u",
				  q->last_avail, head, q->size);

	c->head = head;
	c->nr_rd = c->nr_wr = 0;
	c->rd_len = c->wr_len = 0;
	table = q->desc;
	table_len = q->size;
	i = head;
	for (;;) {
		/*
		 * A chain visits each descriptor of its table at most once, so
		 * more steps than the table has entries means a loop.
		 */
		if (++steps > table_len)
			return virtq_fail(q, "descriptor chain from %u loops or is longer than its "
					  "table of %u", head, table_len);
		read_desc(table, i, &d);
		if (d.flags & VIRTQ_DESC_F_INDIRECT) {
			if (!q->indirect)
				return virtq_fail(q, "descriptor %u is indirect, but INDIRECT_DESC "
						  "was not negotiated", i);
			if (in_indirect)
				return virtq_fail(q, "indirect table inside an indirect table");
			if (d.flags & VIRTQ_DESC_F_NEXT)
				return virtq_fail(q, "descriptor %u is indirect and has NEXT", i);
			if (d.len == 0 || d.len % sizeof(struct virtq_desc) ||
			    d.len / sizeof(struct virtq_desc) > VIRTQ_MAX_CHAIN)
				return virtq_fail(q, "indirect table of %u bytes (want a multiple "
						  "of 16, at most %u entries)", d.len,
						  VIRTQ_MAX_CHAIN);
			table = gmem_ptr(q->mem, d.addr, d.len);
			if (!table)
				return virtq_fail(q, "indirect table %#llx+%u is outside guest memory",
						  (unsigned long long)d.addr, d.len);
			table_len = (uint16_t)(d.len / sizeof(struct virtq_desc));
			in_indirect = true;
			steps = 0;
			i = 0;
			continue;
		}
		/* Buffers, not the descriptor naming a table, fill the iovecs. */
		if (++total > VIRTQ_MAX_CHAIN)
			return virtq_fail(q, "descriptor chain from %u has more than %u buffers", head,
					  VIRTQ_MAX_CHAIN);
		if (add_buffer(q, c, &d, i) < 0)
			return -EINVAL;
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			break;
		if (d.next >= table_len)
			return virtq_fail(q, "descriptor %u: next %u is past the table of %u", i,
					  d.next, table_len);
		i = d.next;
	}
	q->last_avail++;
	return 1;
}

void virtq_push(struct virtq *q, uint16_t head, uint32_t written)
{
	uint8_t *elem;
	uint32_t v;

	if (!q->size || q->broken)
		return;
	elem = q->used + USED_RING + (size_t)USED_ELEM_SIZE * (q->used_idx & (q->size - 1));
	v = htole32(head);
	memcpy(elem, &v, 4);
	v = htole32(written);
	memcpy(elem + 4, &v, 4);
	q->used_idx++;
	/* The entry must be visible before the index that publishes it. */
	store16_release(q->used + USED_IDX, q->used_idx);
}

bool virtq_should_notify(struct virtq *q)
{
	uint16_t old, now, event;
	bool valid;

	if (!q->size || q->broken)
		return false;
	/* Our used index store must be ordered before we read the driver's wishes. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!q->event_idx)
		return !(load16(q->avail + AVAIL_FLAGS) & VIRTQ_AVAIL_F_NO_INTERRUPT);
	old = q->signalled;
	valid = q->signalled_valid;
	now = q->used_idx;
	q->signalled = now;
	q->signalled_valid = true;
	if (!valid)
		return true;
	event = load16(q->avail + AVAIL_RING + 2u * q->size); /* used_event */
	/* Did the used index step over used_event since the last notification? */
	return (uint16_t)(now - event - 1) < (uint16_t)(now - old);
}

bool virtq_enable_notify(struct virtq *q, bool enable)
{
	if (!q->size || q->broken)
		return false;
	if (q->event_idx) {
		if (enable)
			store16(q->used + USED_RING + (size_t)USED_ELEM_SIZE * q->size, q->last_avail);
	} else {
		store16(q->used + USED_FLAGS, enable ? 0 : VIRTQ_USED_F_NO_NOTIFY);
	}
	if (!enable)
		return false;
	/* The driver must see our request before we look at its index again. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return virtq_has_avail(q);
}

void virtq_state(const struct virtq *q, struct virtq_state *st)
{
	memset(st, 0, sizeof(*st));
	if (!q->size)
		return;
	st->avail_flags = load16(q->avail + AVAIL_FLAGS);
	st->avail_idx = load16(q->avail + AVAIL_IDX);
	st->used_event = load16(q->avail + AVAIL_RING + 2u * q->size);
	st->used_flags = load16(q->used + USED_FLAGS);
	st->used_idx = load16(q->used + USED_IDX);
	st->avail_event = load16(q->used + USED_RING + (size_t)USED_ELEM_SIZE * q->size);
}

/* Copy between @buf and the iovecs @iov, skipping @off bytes first. */
static size_t iov_copy(const struct iovec *iov, unsigned int n, size_t off, void *buf, size_t len,
		       bool to_iov)
{
	size_t done = 0;
	unsigned int k;

	for (k = 0; k < n && done < len; k++) {
		size_t chunk;

		if (off >= iov[k].iov_len) {
			off -= iov[k].iov_len;
			continue;
		}
		chunk = iov[k].iov_len - off;
		if (chunk > len - done)
			chunk = len - done;
		if (to_iov)
			memcpy((uint8_t *)iov[k].iov_base + off, (uint8_t *)buf + done, chunk);
		else
			memcpy((uint8_t *)buf + done, (uint8_t *)iov[k].iov_base + off, chunk);
		done += chunk;
		off = 0;
	}
	return done;
}

size_t virtq_chain_read(const struct virtq_chain *c, size_t off, void *dst, size_t len)
{
	return iov_copy(c->rd, c->nr_rd, off, dst, len, false);
}

size_t virtq_chain_write(const struct virtq_chain *c, size_t off, const void *src, size_t len)
{
	return iov_copy(c->wr, c->nr_wr, off, (void *)src, len, true);
}
