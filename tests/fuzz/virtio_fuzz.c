/* virtio_fuzz.c - see virtio_fuzz.h. */
#include "virtio_fuzz.h"

#include <stdlib.h>
#include <string.h>

static uint8_t *ram;
static struct guest_mem mem;

void vfuzz_check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

void vfuzz_no_irq(void *opaque)
{
	(void)opaque;
}

uint8_t *vfuzz_ram(struct guest_mem **out)
{
	if (!ram) {
		ram = calloc(1, VFUZZ_RAM);
		vfuzz_check(ram != NULL);
		gmem_wrap(&mem, ram, VFUZZ_RAM);
	}
	memset(ram, 0, VFUZZ_RAM);
	if (out)
		*out = &mem;
	return ram;
}

void vfuzz_run(struct virtio_device *d)
{
	while (virtio_device_run_once(d, 0) > 0)
		;
}

void vfuzz_reset(struct virtio_device *d)
{
	uint32_t zero = 0;

	virtio_mmio_ops.write(d, 0x070, (const uint8_t *)&zero, 4); /* Status */
	vfuzz_run(d);
}

int vfuzz_op(struct virtio_device *d, const uint8_t *p, unsigned int nr_ops, uint16_t *off,
	     uint32_t *val)
{
	unsigned int op = p[0] % nr_ops, sz;
	uint8_t buf[8] = {0};
	uint32_t at;

	memcpy(off, p + 1, 2);
	memcpy(val, p + 3, 4);
	at = *off % VIRTIO_MMIO_SIZE;
	sz = (*val & 3) == 0 ? 1 : (*val & 3) == 1 ? 2 : 8;
	switch (op) {
	case 0:
		virtio_mmio_ops.write(d, at, (const uint8_t *)val, 4);
		return -1;
	case 1:
		virtio_mmio_ops.read(d, at, buf, 4);
		return -1;
	case 2:
		vfuzz_check(ram != NULL);
		memcpy(ram + ((size_t)*off * 4) % VFUZZ_RAM, val, 4);
		return -1;
	case 4:
		memcpy(buf, val, 4);
		virtio_mmio_ops.write(d, at, buf, sz);
		return -1;
	case 5:
		virtio_mmio_ops.read(d, at, buf, sz);
		return -1;
	default:
		return (int)op;
	}
}

void vfuzz_check_needs_reset(const struct virtio_device *d)
{
	vfuzz_check(!(d->active && d->failed && !(d->status & VIRTIO_STATUS_NEEDS_RESET)));
}
