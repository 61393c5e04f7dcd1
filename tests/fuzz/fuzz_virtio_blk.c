/*
 * fuzz_virtio_blk.c - virtio-blk's registers, configuration space, queue
 * and requests, backed by a small in-memory image, driven by an arbitrary
 * sequence of guest actions.
 *
 * Input: byte 0 picks the disk (even: writable, odd: read-only with a
 * serial id), then records of 7 bytes, as in fuzz_virtio_mmio.c: an op, a
 * 16-bit offset and a 32-bit value (little-endian):
 *   op % 6 == 0  32-bit register write at offset % VIRTIO_MMIO_SIZE
 *             1  32-bit register read
 *             2  store the value in guest memory at (offset * 4) % MEM
 *             3  run the device's worker until it is idle
 *             4  write of 1, 2 or 8 bytes (value's low bits pick the size)
 *             5  read of 1, 2 or 8 bytes
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

#include "vmm/devices/virtio/devices.h"

#define MEM 0x10000
#define IMG_SIZE (64 * 1024)

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
	check(virtio_blk_create(&k->dev, &mem, (struct virtio_irq){no_irq, NULL}, &p, &e) == 0);
	return k;
}

static void run_idle(struct virtio_device *d)
{
	while (virtio_device_run_once(d, 0) > 0)
		;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t back[IMG_SIZE];
	struct virtio_device *d;
	struct disk *k;
	struct stat st;
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
	k = make_disk(data[0]);
	d = k->dev;
	virtio_mmio_ops.write(d, 0x070, (const uint8_t *)&zero, 4); /* reset */
	run_idle(d);
	if (!k->read_only) {
		/* A fresh, zeroed image: the same input does the same thing. */
		check(ftruncate(k->fd, 0) == 0);
		check(ftruncate(k->fd, IMG_SIZE) == 0);
	}
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
			run_idle(d);
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
	run_idle(d);
	check(fstat(k->fd, &st) == 0 && st.st_size == IMG_SIZE);
	if (k->read_only) {
		check(pread(k->fd, back, IMG_SIZE, 0) == IMG_SIZE);
		check(!memcmp(back, ro_content, IMG_SIZE));
	}
	return 0;
}
