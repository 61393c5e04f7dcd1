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
 * Input: the 7-byte ops of virtio_fuzz.h (op 3 runs the device's worker
 * until it is idle), and one more:
 *   op % 7 == 6  the terminal: offset bit 0 set, drain the output pipe;
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

#include "tests/fuzz/virtio_fuzz.h"
#include "vmm/devices/virtio/devices.h"

#define check vfuzz_check

static void no_exit(void *opaque, enum mvm_exit code, const char *why)
{
	(void)opaque;
	(void)code;
	(void)why;
}

static struct guest_mem *mem;
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

	vfuzz_ram(&mem);
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
	check(virtio_console_create(&dev, mem, (struct virtio_irq){vfuzz_no_irq, NULL}, &p, &e) ==
	      0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct virtio_device *d;
	size_t pos;

	if (!dev)
		setup();
	d = dev;
	vfuzz_ram(NULL);
	drain(in_pipe[0]);
	drain(out_pipe[0]);
	vfuzz_reset(d);
	for (pos = 0; pos + VFUZZ_OP_SIZE <= size; pos += VFUZZ_OP_SIZE) {
		uint16_t off;
		uint32_t val;

		switch (vfuzz_op(d, data + pos, VFUZZ_COMMON_OPS + 1, &off, &val)) {
		case VFUZZ_OP_RUN:
			vfuzz_run(d);
			break;
		case VFUZZ_COMMON_OPS:
			if (off & 1) {
				drain(out_pipe[0]);
			} else if (write(in_pipe[1], &val, (off >> 1) % 4 + 1) < 0) {
				/* The pipe is full: the keystrokes are lost, as on a real line. */
			}
			break;
		}
		vfuzz_check_needs_reset(d);
	}
	vfuzz_run(d);
	return 0;
}
