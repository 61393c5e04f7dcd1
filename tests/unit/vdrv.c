/* vdrv.c - a fake virtio driver for tests; see vdrv.h. */
#include "vdrv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VDRV_BASE 0x1000 /* guest address of the first allocation */

static void vdrv_die(const char *what)
{
	fprintf(stderr, "vdrv: %s\n", what);
	abort();
}

static void vdrv_raise(void *opaque)
{
	((struct vdrv *)opaque)->irqs++;
}

void vdrv_init(struct vdrv *v)
{
	memset(v, 0, sizeof(*v));
	v->ram = calloc(1, VDRV_MEM_SIZE);
	if (!v->ram)
		vdrv_die("out of memory");
	gmem_wrap(&v->mem, v->ram, VDRV_MEM_SIZE);
	v->brk = VDRV_BASE;
}

void vdrv_free(struct vdrv *v)
{
	free(v->ram);
	v->ram = NULL;
}

static void vdrv_lower(void *opaque)
{
	((struct vdrv *)opaque)->lowers++;
}

struct virtio_irq vdrv_irq(struct vdrv *v)
{
	return (struct virtio_irq){vdrv_raise, v, vdrv_lower};
}

uint64_t vdrv_alloc(struct vdrv *v, size_t len, size_t align)
{
	uint64_t gpa = (v->brk + align - 1) & ~(uint64_t)(align - 1);

	if (gpa + len > VDRV_MEM_SIZE)
		vdrv_die("guest memory exhausted");
	v->brk = gpa + len;
	memset(v->ram + gpa, 0, len);
	return gpa;
}

void *vdrv_ptr(struct vdrv *v, uint64_t gpa)
{
	return v->ram + gpa;
}

uint32_t vdrv_read32(struct vdrv *v, uint64_t off)
{
	uint32_t val;

	virtio_mmio_ops.read(v->dev, off, (uint8_t *)&val, 4);
	return val;
}

void vdrv_write32(struct vdrv *v, uint64_t off, uint32_t val)
{
	virtio_mmio_ops.write(v->dev, off, (const uint8_t *)&val, 4);
}

void vdrv_config_read(struct vdrv *v, uint32_t off, void *buf, unsigned int size)
{
	virtio_mmio_ops.read(v->dev, VIRTIO_MMIO_CONFIG + off, buf, size);
}

void vdrv_run(struct vdrv *v)
{
	while (virtio_device_run_once(v->dev, 0) > 0)
		;
}

uint32_t vdrv_start(struct vdrv *v, struct virtio_device *d, uint64_t want, uint16_t qsize)
{
	uint64_t features;
	unsigned int q;

	v->dev = d;
	vdrv_write32(v, 0x070, 0);
	vdrv_write32(v, 0x070, VIRTIO_STATUS_ACKNOWLEDGE);
	vdrv_write32(v, 0x070, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	vdrv_write32(v, 0x014, 0);
	features = vdrv_read32(v, 0x010);
	vdrv_write32(v, 0x014, 1);
	features |= (uint64_t)vdrv_read32(v, 0x010) << 32;
	features &= want;
	vdrv_write32(v, 0x024, 0);
	vdrv_write32(v, 0x020, (uint32_t)features);
	vdrv_write32(v, 0x024, 1);
	vdrv_write32(v, 0x020, (uint32_t)(features >> 32));
	vdrv_write32(v, 0x070, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
				   VIRTIO_STATUS_FEATURES_OK);
	for (q = 0; q < d->ops->nr_queues; q++) {
		struct vdrv_queue *vq = &v->q[q];
		uint16_t size;

		vdrv_write32(v, 0x030, q);
		size = qsize ? qsize : (uint16_t)vdrv_read32(v, 0x034);
		memset(vq, 0, sizeof(*vq));
		vq->size = size;
		vq->desc = vdrv_alloc(v, 16u * size, 16);
		vq->avail = vdrv_alloc(v, 6u + 2u * size, 2);
		vq->used = vdrv_alloc(v, 6u + 8u * size, 4);
		vdrv_write32(v, 0x038, size);
		vdrv_write32(v, 0x080, (uint32_t)vq->desc);
		vdrv_write32(v, 0x084, (uint32_t)(vq->desc >> 32));
		vdrv_write32(v, 0x090, (uint32_t)vq->avail);
		vdrv_write32(v, 0x094, (uint32_t)(vq->avail >> 32));
		vdrv_write32(v, 0x0a0, (uint32_t)vq->used);
		vdrv_write32(v, 0x0a4, (uint32_t)(vq->used >> 32));
		vdrv_write32(v, 0x044, 1);
	}
	vdrv_write32(v, 0x070, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
				   VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
	vdrv_run(v);
	return vdrv_read32(v, 0x070);
}

static void put_desc(uint8_t *table, uint16_t i, const struct vdrv_buf *b, uint16_t flags,
		     uint16_t next)
{
	uint8_t *d = table + 16u * i;

	memcpy(d, &b->addr, 8);
	memcpy(d + 8, &b->len, 4);
	memcpy(d + 12, &flags, 2);
	memcpy(d + 14, &next, 2);
}

static void publish(struct vdrv *v, unsigned int q, uint16_t head)
{
	struct vdrv_queue *vq = &v->q[q];
	uint8_t *avail = vdrv_ptr(v, vq->avail);
	uint16_t idx;

	memcpy(avail + 4 + 2u * (vq->avail_idx % vq->size), &head, 2);
	vq->avail_idx++;
	idx = vq->avail_idx;
	__atomic_store_n((uint16_t *)(avail + 2), idx, __ATOMIC_RELEASE);
}

uint16_t vdrv_add(struct vdrv *v, unsigned int q, const struct vdrv_buf *bufs, unsigned int n)
{
	struct vdrv_queue *vq = &v->q[q];
	uint8_t *table = vdrv_ptr(v, vq->desc);
	uint16_t head = vq->next_desc, i = head;
	unsigned int k;

	if (n == 0 || n > vq->size)
		vdrv_die("bad chain length");
	for (k = 0; k < n; k++) {
		uint16_t next = (uint16_t)((i + 1) % vq->size);
		uint16_t flags = (uint16_t)((bufs[k].write ? VIRTQ_DESC_F_WRITE : 0) |
					    (k + 1 < n ? VIRTQ_DESC_F_NEXT : 0));

		put_desc(table, i, &bufs[k], flags, k + 1 < n ? next : 0);
		i = next;
	}
	vq->next_desc = i;
	publish(v, q, head);
	return head;
}

uint16_t vdrv_add_indirect(struct vdrv *v, unsigned int q, const struct vdrv_buf *bufs,
			   unsigned int n)
{
	struct vdrv_queue *vq = &v->q[q];
	uint64_t itable = vdrv_alloc(v, 16u * n, 16);
	struct vdrv_buf ind = {itable, 16u * n, false};
	uint16_t head = vq->next_desc;
	unsigned int k;

	for (k = 0; k < n; k++)
		put_desc(vdrv_ptr(v, itable), (uint16_t)k, &bufs[k],
			 (uint16_t)((bufs[k].write ? VIRTQ_DESC_F_WRITE : 0) |
				    (k + 1 < n ? VIRTQ_DESC_F_NEXT : 0)),
			 (uint16_t)(k + 1 < n ? k + 1 : 0));
	put_desc(vdrv_ptr(v, vq->desc), head, &ind, VIRTQ_DESC_F_INDIRECT, 0);
	vq->next_desc = (uint16_t)((head + 1) % vq->size);
	publish(v, q, head);
	return head;
}

void vdrv_kick(struct vdrv *v, unsigned int q)
{
	vdrv_write32(v, VIRTIO_MMIO_QUEUE_NOTIFY, q);
	vdrv_run(v);
}

bool vdrv_used(struct vdrv *v, unsigned int q, uint32_t *id, uint32_t *len)
{
	struct vdrv_queue *vq = &v->q[q];
	uint8_t *used = vdrv_ptr(v, vq->used);
	uint16_t idx = __atomic_load_n((uint16_t *)(used + 2), __ATOMIC_ACQUIRE);
	uint8_t *elem;

	if (idx == vq->used_seen)
		return false;
	elem = used + 4 + 8u * (vq->used_seen % vq->size);
	memcpy(id, elem, 4);
	memcpy(len, elem + 4, 4);
	vq->used_seen++;
	return true;
}
