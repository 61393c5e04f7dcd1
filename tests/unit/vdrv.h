/*
 * vdrv.h - a fake virtio driver for unit tests and fuzz targets.
 *
 * It plays the guest: it owns a buffer of "guest memory", talks to a
 * struct virtio_device through its MMIO register callbacks, lays out split
 * virtqueues in that memory, publishes descriptor chains and reads the used
 * rings back.  The device's worker loop runs on the test's own thread
 * (vdrv_run()), so tests are deterministic and need neither KVM nor
 * threads.
 *
 * Everything here trusts the test; nothing is hardened.  Failures of the
 * harness itself abort.
 */
#ifndef MVM_TESTS_VDRV_H
#define MVM_TESTS_VDRV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/devices/virtio/virtio.h"

#define VDRV_MEM_SIZE (4u << 20)

struct vdrv_queue {
	uint16_t size;
	uint64_t desc, avail, used; /* guest addresses */
	uint16_t avail_idx;         /* next available entry we publish */
	uint16_t used_seen;         /* used entries consumed so far */
	uint16_t next_desc;         /* next free descriptor (round robin) */
};

struct vdrv {
	uint8_t *ram;
	struct guest_mem mem;
	uint64_t brk; /* bump allocator for rings and buffers */
	struct virtio_device *dev;
	unsigned int irqs;   /* times the device raised its interrupt */
	unsigned int lowers; /* times it lowered it */
	struct vdrv_queue q[VIRTIO_MAX_QUEUES];
};

/* A buffer of a chain: guest address, length, device-writable or not. */
struct vdrv_buf {
	uint64_t addr;
	uint32_t len;
	bool write;
};

/* Allocate the guest memory (zeroed) and the irq counter.  Pass vdrv_irq() to the device. */
void vdrv_init(struct vdrv *v);
void vdrv_free(struct vdrv *v);
struct virtio_irq vdrv_irq(struct vdrv *v);

/* Guest memory: a zeroed block of @len bytes aligned to @align, and its host pointer. */
uint64_t vdrv_alloc(struct vdrv *v, size_t len, size_t align);
void *vdrv_ptr(struct vdrv *v, uint64_t gpa);

uint32_t vdrv_read32(struct vdrv *v, uint64_t off);
void vdrv_write32(struct vdrv *v, uint64_t off, uint32_t val);
void vdrv_config_read(struct vdrv *v, uint32_t off, void *buf, unsigned int size);

/*
 * The whole driver handshake: reset, ACKNOWLEDGE, DRIVER, accept the
 * device's features masked by @want, FEATURES_OK, set up every queue with
 * @qsize entries (0: QueueNumMax), DRIVER_OK, then run the worker once so
 * that it activates.  Returns the device status read back afterwards.
 */
uint32_t vdrv_start(struct vdrv *v, struct virtio_device *d, uint64_t want, uint16_t qsize);

/*
 * Publish a chain of @n direct descriptors on queue @q (no kick).
 * Returns its head descriptor index.
 */
uint16_t vdrv_add(struct vdrv *v, unsigned int q, const struct vdrv_buf *bufs, unsigned int n);

/* Publish a chain through one indirect table holding @bufs. */
uint16_t vdrv_add_indirect(struct vdrv *v, unsigned int q, const struct vdrv_buf *bufs,
			   unsigned int n);

/* Kick queue @q through the QueueNotify register, then run the worker until it is idle. */
void vdrv_kick(struct vdrv *v, unsigned int q);

/* Run the device's worker loop on this thread until nothing is pending. */
void vdrv_run(struct vdrv *v);

/* Take the next used entry of queue @q: true with its id and length, false if none. */
bool vdrv_used(struct vdrv *v, unsigned int q, uint32_t *id, uint32_t *len);

#endif
