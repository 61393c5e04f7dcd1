/*
 * fuzz_virtio_vsock.c - the virtio-vsock device (vmm/devices/virtio/
 * vsock.c) driven through its MMIO registers and guest memory by an
 * arbitrary sequence of guest actions, with real Unix sockets on the host
 * side: a listener at "<uds>_1024" that accepts and writes, and host
 * clients that send CONNECT lines.
 *
 * Input: records of 7 bytes: an op, a 16-bit offset and a 32-bit value
 * (little-endian):
 *   op % 8 == 0  32-bit register write at offset % VIRTIO_MMIO_SIZE
 *             1  32-bit register read
 *             2  store the value in guest memory at (offset * 4) % MEM
 *             3  run the worker until idle; the host accepts the guest's
 *                connections and writes value % 512 bytes to each
 *             4  write of 1, 2 or 8 bytes (value's low bits pick the size)
 *             5  read of 1, 2 or 8 bytes
 *             6  a host client connects and sends "CONNECT <value % 2048>\n"
 *                (offset bit 0: a broken line instead)
 *             7  the host closes one of its sockets (offset picks it)
 * Guest memory is 64 KiB, zeroed per input; the guest CID is 3; the
 * device is reset and every host socket closed per input.
 * Checked: no crash, no sanitizer report, no hang, the connection count
 * stays within its limit, and a failed device shows NEEDS_RESET.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "vmm/devices/virtio/devices.h"
#include "vmm/devices/virtio/vsock.h"

#define MEM 0x10000
#define MAX_FDS 16

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
static struct virtio_device *dev;
static char uds[108];
static int listener = -1;
static int fds[MAX_FDS];
static unsigned int nr_fds;

static char dir[] = "/tmp/fuzz-vsock-XXXXXX";

/* At exit: remove the sockets and their directory. */
static void cleanup(void)
{
	char path[sizeof(uds) + 8];

	while (nr_fds)
		close(fds[--nr_fds]);
	virtio_vsock_destroy(dev);
	close(listener);
	snprintf(path, sizeof(path), "%s_1024", uds);
	unlink(path);
	rmdir(dir);
}

static void setup_once(void)
{
	struct virtio_vsock_params p;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct error e;

	ram = calloc(1, MEM);
	check(ram != NULL && mkdtemp(dir) != NULL);
	gmem_wrap(&mem, ram, MEM);
	snprintf(uds, sizeof(uds), "%s/v", dir);
	p = (struct virtio_vsock_params){3, uds};
	check(virtio_vsock_create(&dev, &mem, (struct virtio_irq){no_irq, NULL}, &p, &e) == 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s_1024", uds);
	listener = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	check(listener >= 0);
	check(bind(listener, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	check(listen(listener, 16) == 0);
	atexit(cleanup);
}

static void run(void)
{
	while (virtio_device_run_once(dev, 0) > 0)
		;
}

static void keep_fd(int fd)
{
	if (nr_fds < MAX_FDS)
		fds[nr_fds++] = fd;
	else
		close(fd);
}

/* The host side of op 3: accept the guest's connections, write to every socket. */
static void host_service(uint32_t val)
{
	static uint8_t junk[512];
	unsigned int k;
	int fd;

	while ((fd = accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0)
		keep_fd(fd);
	for (k = 0; k < nr_fds; k++)
		if (send(fds[k], junk, val % sizeof(junk), MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
			/* full or gone: fine */
		}
}

static void host_client(uint16_t off, uint32_t val)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char line[32];
	int fd, n;

	if (nr_fds >= MAX_FDS)
		return;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	check(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", uds);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return;
	}
	if (off & 1)
		n = snprintf(line, sizeof(line), "CONNECT x%u\n", val);
	else
		n = snprintf(line, sizeof(line), "CONNECT %u\nhi", val % 2048);
	if (send(fd, line, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
		/* the device may be gone already */
	}
	keep_fd(fd);
}

static void close_fd(unsigned int k)
{
	if (k >= nr_fds)
		return;
	close(fds[k]);
	fds[k] = fds[--nr_fds];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t zero = 0;
	size_t pos;

	if (!dev)
		setup_once();
	memset(ram, 0, MEM);
	virtio_mmio_ops.write(dev, 0x070, (const uint8_t *)&zero, 4); /* reset */
	run();
	for (pos = 0; pos + 7 <= size; pos += 7) {
		uint8_t op = data[pos], buf[8] = {0};
		uint16_t off;
		uint32_t val;
		unsigned int sz;

		memcpy(&off, data + pos + 1, 2);
		memcpy(&val, data + pos + 3, 4);
		sz = (val & 3) == 0 ? 1 : (val & 3) == 1 ? 2 : 8;
		switch (op % 8) {
		case 0:
			virtio_mmio_ops.write(dev, off % VIRTIO_MMIO_SIZE, (const uint8_t *)&val,
					      4);
			break;
		case 1:
			virtio_mmio_ops.read(dev, off % VIRTIO_MMIO_SIZE, buf, 4);
			break;
		case 2:
			memcpy(ram + ((size_t)off * 4) % MEM, &val, 4);
			break;
		case 3:
			host_service(val);
			run();
			break;
		case 4:
			memcpy(buf, &val, 4);
			virtio_mmio_ops.write(dev, off % VIRTIO_MMIO_SIZE, buf, sz);
			break;
		case 5:
			virtio_mmio_ops.read(dev, off % VIRTIO_MMIO_SIZE, buf, sz);
			break;
		case 6:
			host_client(off, val);
			break;
		case 7:
			close_fd(off % MAX_FDS);
			break;
		}
		check(virtio_vsock_nr_conns(dev) <= VSOCK_MAX_CONNS);
		check(!(dev->active && dev->failed && !(dev->status & VIRTIO_STATUS_NEEDS_RESET)));
	}
	run();
	host_service(0);
	while (nr_fds)
		close_fd(0);
	virtio_mmio_ops.write(dev, 0x070, (const uint8_t *)&zero, 4);
	run();
	check(virtio_vsock_nr_conns(dev) == 0);
	return 0;
}
