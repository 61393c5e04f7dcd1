/*
 * fuzz_virtio_mmio.c - a virtio device's MMIO registers, queues and
 * worker, driven by an arbitrary sequence of guest actions.
 *
 * Input: byte 0 picks the device (see make_device()), then the 7-byte
 * ops of virtio_fuzz.h, the six common ones (op 3 runs the device's
 * worker until it is idle).
 * Guest memory is 64 KiB, zeroed per input; the device is reset per input.
 * Checked: no crash, no sanitizer report, no hang, and the device never
 * claims DRIVER_OK while NEEDS_RESET is set and it is active.
 */
#include <stddef.h>
#include <stdint.h>

#include "tests/fuzz/virtio_fuzz.h"
#include "vmm/devices/virtio/devices.h"

static struct guest_mem *mem;

/* The devices under test, made once; index chosen by the input's first byte. */
static struct virtio_device *make_device(unsigned int which)
{
	static struct virtio_device *devs[1];
	struct error e;
	unsigned int i = which % (sizeof(devs) / sizeof(devs[0]));

	if (!devs[i]) {
		switch (i) {
		case 0:
			vfuzz_check(virtio_rng_create(&devs[i], mem,
						      (struct virtio_irq){vfuzz_no_irq, NULL},
						      &e) == 0);
			break;
		}
	}
	return devs[i];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct virtio_device *d;
	size_t pos;

	if (size < 1)
		return 0;
	vfuzz_ram(&mem);
	d = make_device(data[0]);
	vfuzz_reset(d);
	for (pos = 1; pos + VFUZZ_OP_SIZE <= size; pos += VFUZZ_OP_SIZE) {
		uint16_t off;
		uint32_t val;

		if (vfuzz_op(d, data + pos, VFUZZ_COMMON_OPS, &off, &val) == VFUZZ_OP_RUN)
			vfuzz_run(d);
		vfuzz_check_needs_reset(d);
	}
	vfuzz_run(d);
	return 0;
}
