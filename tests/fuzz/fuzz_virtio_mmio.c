/*
 * fuzz_virtio_mmio.c - a virtio device's MMIO registers, queues and
 * worker, driven by an arbitrary sequence of guest actions.
 *
 * Input: byte 0 picks the device (see make_device()), then records of 7
 * bytes: an op, a 16-bit offset and a 32-bit value (little-endian):
 *   op % 6 == 0  32-bit register write at offset % VIRTIO_MMIO_SIZE
 *             1  32-bit register read
 *             2  store the value in guest memory at (offset * 4) % MEM
 *             3  run the device's worker until it is idle
 *             4  write of 1, 2 or 8 bytes (value's low bits pick the size)
 *             5  read of 1, 2 or 8 bytes
 * Guest memory is 64 KiB, zeroed per input; the device is reset per input.
 * Checked: no crash, no sanitizer report, no hang, and the device never
 * claims DRIVER_OK while NEEDS_RESET is set and it is active.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/devices/virtio/devices.h"

#define MEM 0x10000

static void check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

static void no_irq(void *opaque)
{
	(void)opaque;
}

static uint8_t *ram;
static struct guest_mem mem;

/* The devices under test, made once; index chosen by the input's first byte. */
static struct virtio_device *make_device(unsigned int which)
{
	static struct virtio_device *devs[1];
	struct error e;
	unsigned int i = which % (sizeof(devs) / sizeof(devs[0]));

	if (!devs[i]) {
		switch (i) {
		case 0:
			check(virtio_rng_create(&devs[i], &mem, (struct virtio_irq){no_irq, NULL},
						&e) == 0);
			break;
		}
	}
	return devs[i];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct virtio_device *d;
	uint32_t zero = 0;
	size_t pos;

	if (size < 1)
		return 0;
	if (!ram) {
		ram = calloc(1, MEM);
		check(ram != NULL);
		gmem_wrap(&mem, ram, MEM);
	}
	memset(ram, 0, MEM);
	d = make_device(data[0]);
	virtio_mmio_ops.write(d, 0x070, (const uint8_t *)&zero, 4); /* reset */
	while (virtio_device_run_once(d, 0) > 0)
		;
	for (pos = 1; pos + 7 <= size; pos += 7) {
		uint8_t op = data[pos], buf[8] = {0};
		uint16_t off;
		uint32_t val;
		unsigned int sz;

		memcpy(&off, data + pos + 1, 2);
		memcpy(&val, data + pos + 3, 4);
		sz = (val & 3) == 0 ? 1 : (val & 3) == 1 ? 2 : 8;
		switch (op % 6) {
		case 0:
			virtio_mmio_ops.write(d, off % VIRTIO_MMIO_SIZE, (const uint8_t *)&val, 4);
			break;
		case 1:
			virtio_mmio_ops.read(d, off % VIRTIO_MMIO_SIZE, buf, 4);
			break;
		case 2:
			memcpy(ram + ((size_t)off * 4) % MEM, &val, 4);
			break;
		case 3:
			while (virtio_device_run_once(d, 0) > 0)
				;
			break;
		case 4:
			memcpy(buf, &val, 4);
			virtio_mmio_ops.write(d, off % VIRTIO_MMIO_SIZE, buf, sz);
			break;
		case 5:
			virtio_mmio_ops.read(d, off % VIRTIO_MMIO_SIZE, buf, sz);
			break;
		}
		check(!(d->active && d->failed && !(d->status & VIRTIO_STATUS_NEEDS_RESET)));
	}
	while (virtio_device_run_once(d, 0) > 0)
		;
	return 0;
}
