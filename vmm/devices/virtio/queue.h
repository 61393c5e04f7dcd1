/*
 * queue.h - the device side of a virtio 1.x split virtqueue.
 *
 * Every value here comes from the guest and is treated as hostile:
 *   - the ring addresses and the queue size are checked once, when the
 *     driver makes the queue ready (virtq_setup());
 *   - each descriptor is read once into a local copy, so a guest that
 *     rewrites it meanwhile cannot make the device see two versions;
 *   - every buffer goes through the checked guest-memory accessor;
 *   - a chain may not loop, may not be longer than VIRTQ_MAX_CHAIN
 *     descriptors (direct and indirect together), may not nest indirect
 *     tables, and must put all device-readable buffers before all
 *     device-writable ones;
 *   - the available index may not run more than the queue size ahead.
 * A violation is a driver bug: virtq_pop() returns -EINVAL with a reason
 * and the queue refuses further work (the transport then marks the device
 * DEVICE_NEEDS_RESET).
 *
 * Ring accesses use acquire/release ordering as the spec asks: the
 * available index is read before the entries it covers, and the used
 * entries are written before the used index that publishes them.
 *
 * A queue is used by one thread at a time (its device's worker); it has no
 * lock of its own.
 */
#ifndef MVM_VIRTIO_QUEUE_H
#define MVM_VIRTIO_QUEUE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "../../memory.h"

/* Largest queue size a device offers, and longest chain it accepts. */
#define VIRTQ_MAX_SIZE 1024
#define VIRTQ_MAX_CHAIN 1024

/* Descriptor flags. */
#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2
#define VIRTQ_DESC_F_INDIRECT 4

/* Ring flags. */
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1
#define VIRTQ_USED_F_NO_NOTIFY 1

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

/*
 * One descriptor chain popped from the available ring: its head index (to
 * give back with virtq_push()) and its buffers as host iovecs, the
 * device-readable ones first.  The iovecs point into guest memory; they
 * stay valid until the chain is pushed back.
 */
struct virtq_chain {
	uint16_t head;
	unsigned int nr_rd, nr_wr;  /* readable and writable buffers */
	uint64_t rd_len, wr_len;    /* their total lengths */
	struct iovec rd[VIRTQ_MAX_CHAIN];
	struct iovec wr[VIRTQ_MAX_CHAIN];
};

struct virtq {
	const struct guest_mem *mem;
	uint16_t size;        /* entries; a power of two */
	bool event_idx;       /* VIRTIO_RING_F_EVENT_IDX negotiated */
	bool indirect;        /* VIRTIO_RING_F_INDIRECT_DESC negotiated */
	bool broken;          /* a driver error was seen; no more work */
	uint8_t *desc;        /* host pointers to the three areas */
	uint8_t *avail;
	uint8_t *used;
	uint16_t last_avail;  /* next available entry to pop */
	uint16_t used_idx;    /* next used entry to fill (shadow of used->idx) */
	uint16_t signalled;   /* used_idx when the driver was last notified */
	bool signalled_valid; /* false until the first notification */
	char error[160];      /* why the queue broke */
};

/*
 * Check and map a queue the driver made ready: @size entries (a power of
 * two, 1 to VIRTQ_MAX_SIZE), the descriptor table at @desc (16-byte
 * aligned), the available ring at @avail (2-aligned) and the used ring at
 * @used (4-aligned), each wholly inside guest RAM.  Resets the indexes.
 * Returns 0, or -EINVAL with the reason in q->error.
 */
int virtq_setup(struct virtq *q, const struct guest_mem *mem, uint16_t size, uint64_t desc,
		uint64_t avail, uint64_t used, bool event_idx, bool indirect);

/* Forget the queue (device reset).  A zeroed struct is also a reset queue. */
void virtq_reset(struct virtq *q);

/* True when the driver has made entries available that are not popped yet. */
bool virtq_has_avail(struct virtq *q);

/*
 * Take the next available chain into @c.  Returns 1 with a chain, 0 when
 * none is available, or -EINVAL when the driver broke the rules (reason in
 * q->error; the queue is then broken and returns -EINVAL from now on).
 */
int virtq_pop(struct virtq *q, struct virtq_chain *c);

/*
 * Give chain @head back to the driver with @written bytes written into its
 * writable buffers.  Does not notify the driver: see virtq_should_notify().
 */
void virtq_push(struct virtq *q, uint16_t head, uint32_t written);

/*
 * After one or more virtq_push(): whether the driver asked to be
 * interrupted now (VIRTQ_AVAIL_F_NO_INTERRUPT clear, or, with EVENT_IDX,
 * the used index passed its used_event).  Records the notification.
 */
bool virtq_should_notify(struct virtq *q);

/*
 * Tell the driver whether to notify the device of new entries: with
 * @enable, ask for a notification at the next available entry (and return
 * true if entries arrived meanwhile, so that the caller polls again);
 * without, ask for none.
 */
bool virtq_enable_notify(struct virtq *q, bool enable);

/*
 * The driver's side of the rings as they are now, for diagnostics: the
 * available index, the used index (ours, as published), and the event
 * indexes (used_event, avail_event) when EVENT_IDX is on.
 */
struct virtq_state {
	uint16_t avail_idx, used_idx, used_event, avail_event, avail_flags, used_flags;
};
void virtq_state(const struct virtq *q, struct virtq_state *st);

/*
 * Copy up to @len bytes from the chain's readable buffers, starting @off
 * bytes in, into @dst; or into its writable buffers from @src.  Return the
 * number of bytes copied.
 */
size_t virtq_chain_read(const struct virtq_chain *c, size_t off, void *dst, size_t len);
size_t virtq_chain_write(const struct virtq_chain *c, size_t off, const void *src, size_t len);

#endif
