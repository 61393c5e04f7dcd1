/*
 * fuzz_virtio_vsock.c - the virtio-vsock device (vmm/devices/virtio/
 * vsock.c) driven through its MMIO registers and guest memory by an
 * arbitrary sequence of guest actions, with real Unix sockets on the host
 * side: a listener at "<uds>_1024" that accepts and writes, and host
 * clients that send CONNECT lines.
 *
 * Input: the 7-byte ops of virtio_fuzz.h, where op 3 also serves the host
 * side: the host accepts the guest's connections and writes value % 512
 * bytes to each, then the worker runs until idle; and two more:
 *   op % 8 == 6  a host client connects and sends "CONNECT <value % 2048>\n"
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

#include "tests/fuzz/virtio_fuzz.h"
#include "vmm/devices/virtio/devices.h"
#include "vmm/devices/virtio/vsock.h"

#define MAX_FDS 16
#define check vfuzz_check

static struct guest_mem *mem;
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

	vfuzz_ram(&mem);
	check(mkdtemp(dir) != NULL);
	snprintf(uds, sizeof(uds), "%s/v", dir);
	p = (struct virtio_vsock_params){3, uds, 0};
	check(virtio_vsock_create(&dev, mem, (struct virtio_irq){vfuzz_no_irq, NULL}, &p, &e) == 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s_1024", uds);
	listener = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	check(listener >= 0);
	check(bind(listener, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	check(listen(listener, 16) == 0);
	atexit(cleanup);
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
	size_t pos;

	if (!dev)
		setup_once();
	vfuzz_ram(NULL);
	vfuzz_reset(dev);
	for (pos = 0; pos + VFUZZ_OP_SIZE <= size; pos += VFUZZ_OP_SIZE) {
		uint16_t off;
		uint32_t val;

		switch (vfuzz_op(dev, data + pos, VFUZZ_COMMON_OPS + 2, &off, &val)) {
		case VFUZZ_OP_RUN:
			host_service(val);
			vfuzz_run(dev);
			break;
		case VFUZZ_COMMON_OPS:
			host_client(off, val);
			break;
		case VFUZZ_COMMON_OPS + 1:
			close_fd(off % MAX_FDS);
			break;
		}
		check(virtio_vsock_nr_conns(dev) <= VSOCK_MAX_CONNS);
		vfuzz_check_needs_reset(dev);
	}
	vfuzz_run(dev);
	host_service(0);
	while (nr_fds)
		close_fd(0);
	vfuzz_reset(dev);
	check(virtio_vsock_nr_conns(dev) == 0);
	return 0;
}
