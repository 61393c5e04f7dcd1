/*
 * fuzz_virtio_blk.c - virtio-blk's registers, configuration space, queue
 * and requests, backed by a small in-memory image, driven by an arbitrary
 * sequence of guest actions.
 *
 * Input: byte 0 picks the disk (even: writable, odd: read-only with a
 * serial id), then the 7-byte ops of virtio_fuzz.h, the six common ones
 * (op 3 runs the device's worker until it is idle).
 * Guest memory is 64 KiB, zeroed per input; the device is reset and the
 * writable image zeroed per input.  The images are memfds of IMG_SIZE
 * bytes, opened by the device through /proc/self/fd.
 * Checked: no crash, no sanitizer report, no hang; the device never claims
 * to be active and failed without NEEDS_RESET; it never writes past the
 * end of its image (the size stays IMG_SIZE); the read-only image never
 * changes.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/fuzz/virtio_fuzz.h"
#include "vmm/devices/virtio/devices.h"

#define IMG_SIZE (64 * 1024)
#define check vfuzz_check

static struct guest_mem *mem;

struct disk {
	struct virtio_device *dev;
	int fd; /* our own descriptor of the image */
	bool read_only;
};

static struct disk disks[2];
static uint8_t ro_content[IMG_SIZE];

/* The disks under test, made once: 0 writable, 1 read-only. */
static struct disk *make_disk(unsigned int which)
{
	struct disk *k = &disks[which & 1];
	struct virtio_blk_params p = {.read_only = which & 1,
				      .id = (which & 1) ? "fuzz-disk" : NULL};
	char path[64];
	struct error e;
	size_t i;

	if (k->dev)
		return k;
	k->read_only = p.read_only;
	k->fd = memfd_create(k->read_only ? "fuzz-blk-ro" : "fuzz-blk", MFD_CLOEXEC);
	check(k->fd >= 0);
	check(ftruncate(k->fd, IMG_SIZE) == 0);
	if (k->read_only) {
		for (i = 0; i < IMG_SIZE; i++)
			ro_content[i] = (uint8_t)(i * 7 + (i >> 9));
		check(pwrite(k->fd, ro_content, IMG_SIZE, 0) == IMG_SIZE);
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", k->fd);
	p.path = path;
	check(virtio_blk_create(&k->dev, mem, (struct virtio_irq){vfuzz_no_irq, NULL}, &p, &e) ==
	      0);
	return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t back[IMG_SIZE];
	struct virtio_device *d;
	struct disk *k;
	struct stat st;
	size_t pos;

	if (size < 1)
		return 0;
	vfuzz_ram(&mem);
	k = make_disk(data[0]);
	d = k->dev;
	vfuzz_reset(d);
	if (!k->read_only) {
		/* A fresh, zeroed image: the same input does the same thing. */
		check(ftruncate(k->fd, 0) == 0);
		check(ftruncate(k->fd, IMG_SIZE) == 0);
	}
	for (pos = 1; pos + VFUZZ_OP_SIZE <= size; pos += VFUZZ_OP_SIZE) {
		uint16_t off;
		uint32_t val;

		if (vfuzz_op(d, data + pos, VFUZZ_COMMON_OPS, &off, &val) == VFUZZ_OP_RUN)
			vfuzz_run(d);
		vfuzz_check_needs_reset(d);
	}
	vfuzz_run(d);
	check(fstat(k->fd, &st) == 0 && st.st_size == IMG_SIZE);
	if (k->read_only) {
		check(pread(k->fd, back, IMG_SIZE, 0) == IMG_SIZE);
		check(!memcmp(back, ro_content, IMG_SIZE));
	}
	return 0;
}
