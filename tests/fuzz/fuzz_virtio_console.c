/*
 * fuzz_virtio_console.c - virtio-console's registers, queues, control
 * protocol, output and terminal input, driven by an arbitrary sequence of
 * guest actions and terminal events.
 *
 * The device has two ports: port 0 is the "terminal" (input from a pipe
 * the input feeds, output to a small non-blocking pipe, so that output
 * also meets a full backend), port 2 writes to /dev/null and is named;
 * port 1's queues exist but belong to no port.  The escape filter is on.
 *
 * Input: records of 7 bytes: an op, a 16-bit offset and a 32-bit value
 * (little-endian), as in fuzz_virtio_mmio.c:
 *   op % 7 == 0  32-bit register write at offset % VIRTIO_MMIO_SIZE
 *             1  32-bit register read
 *             2  store the value in guest memory at (offset * 4) % MEM
 *             3  run the device's worker until it is idle
 *             4  write of 1, 2 or 8 bytes (value's low bits pick the size)
 *             5  read of 1, 2 or 8 bytes
 *             6  the terminal: offset bit 0 set, drain the output pipe;
 *                clear, type (offset >> 1) % 4 + 1 bytes of the value
 * Guest memory is 64 KiB, zeroed per input; the device is reset and the
 * pipes drained per input.  Checked: no crash, no sanitizer report, no
 * hang (the worker loop ends: nothing spins), and the device never stays
 * active and failed without NEEDS_RESET.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

static void no_exit(void *opaque, enum mvm_exit code, const char *why)
{
	(void)opaque;
	(void)code;
	(void)why;
}

static uint8_t *ram;
static struct guest_mem mem;
static int in_pipe[2], out_pipe[2];
static struct virtio_device *dev;

static void drain(int fd)
{
	uint8_t buf[4096];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

static void setup(void)
{
	struct virtio_console_params p;
	struct error e;

	ram = calloc(1, MEM);
	check(ram != NULL);
	gmem_wrap(&mem, ram, MEM);
	check(pipe2(in_pipe, O_CLOEXEC | O_NONBLOCK) == 0);
	check(pipe2(out_pipe, O_CLOEXEC | O_NONBLOCK) == 0);
	fcntl(out_pipe[1], F_SETPIPE_SZ, 4096);
	memset(&p, 0, sizeof(p));
	p.port[0] = (struct virtio_console_port_params){0, NULL, NULL};
	p.port[1] = (struct virtio_console_port_params){2, "/dev/null", "fuzz.two"};
	p.nr_ports = 2;
	p.term_in_fd = in_pipe[0];
	p.term_out_fd = out_pipe[1];
	p.escape = true;
	p.exit = (struct vm_exit_notifier){no_exit, NULL};
	check(virtio_console_create(&dev, &mem, (struct virtio_irq){no_irq, NULL}, &p, &e) == 0);
}

static void run(struct virtio_device *d)
{
	while (virtio_device_run_once(d, 0) > 0)
		;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct virtio_device *d;
	uint32_t zero = 0;
	size_t pos;

	if (!ram)
		setup();
	d = dev;
	memset(ram, 0, MEM);
	drain(in_pipe[0]);
	drain(out_pipe[0]);
	virtio_mmio_ops.write(d, 0x070, (const uint8_t *)&zero, 4); /* reset */
	run(d);
	for (pos = 0; pos + 7 <= size; pos += 7) {
		uint8_t op = data[pos], buf[8] = {0};
		uint16_t off;
		uint32_t val;
		unsigned int sz;

		memcpy(&off, data + pos + 1, 2);
		memcpy(&val, data + pos + 3, 4);
		sz = (val & 3) == 0 ? 1 : (val & 3) == 1 ? 2 : 8;
		switch (op % 7) {
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
			run(d);
			break;
		case 4:
			memcpy(buf, &val, 4);
			virtio_mmio_ops.write(d, off % VIRTIO_MMIO_SIZE, buf, sz);
			break;
		case 5:
			virtio_mmio_ops.read(d, off % VIRTIO_MMIO_SIZE, buf, sz);
			break;
		case 6:
			if (off & 1) {
				drain(out_pipe[0]);
			} else if (write(in_pipe[1], &val, (off >> 1) % 4 + 1) < 0) {
				/* The pipe is full: the keystrokes are lost, as on a real line. */
			}
			break;
		}
		check(!(d->active && d->failed && !(d->status & VIRTIO_STATUS_NEEDS_RESET)));
	}
	run(d);
	return 0;
}
