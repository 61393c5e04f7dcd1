/*
 * test_virtio_vsock.c - virtio-vsock (vmm/devices/virtio/vsock.c) with the
 * fake driver of vdrv.c playing the guest and real AF_UNIX sockets in a
 * temporary directory playing the host; the device's worker runs on the
 * test's thread (vdrv_run()).
 *
 * Covered: identification and configuration; a guest connect to
 * "<uds>_<port>" with a listener (RESPONSE, data both ways) and without
 * (RST); the host CONNECT protocol with the guest accepting ("OK <port>",
 * bit 30 set, early bytes kept), refusing (client closed) and not
 * answering (closed after 2 s); bad CONNECT lines; 8 MiB each way with
 * small rx buffers and tight credit (never more in flight than the
 * credit); rx buffers running out; 200 connections opened and closed
 * leaving no descriptor behind; the connection limit; packets with bad
 * CIDs or lengths; a driver reset; the socket path checks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "tests/unit/vdrv.h"
#include "vmm/devices/virtio/devices.h"
#include "vmm/devices/virtio/vsock.h"

#define CID 3
#define LINE_TIMEOUT_MS 300 /* the device's CONNECT-line timeout in these tests */
#define RXQ VSOCK_QUEUE_RX
#define TXQ VSOCK_QUEUE_TX
#define QSIZE 256
#define RX_STRIDE 4160			/* guest memory per rx descriptor */
#define RX_FULL (VSOCK_HDR_SIZE + 4096) /* what Linux 6.12 posts */
#define GUEST_BUF (256 * 1024)		/* the fake guest's buf_alloc */

static struct vdrv v;
static struct virtio_device *dev;
static char dir[64], uds[160];
static uint64_t rxbase, txbase;
static unsigned int rx_out; /* rx buffers posted and not used yet */

static void make_dir(void)
{
	strcpy(dir, "/tmp/vsock-test-XXXXXX");
	if (!mkdtemp(dir))
		abort();
	snprintf(uds, sizeof(uds), "%s/v.sock", dir);
}

static void remove_dir(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char p[512];

	while (d && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (unlink(p) < 0)
			rmdir(p);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

static int setup(void **state)
{
	struct virtio_vsock_params p;
	struct error e;

	(void)state;
	make_dir();
	vdrv_init(&v);
	p = (struct virtio_vsock_params){CID, uds, LINE_TIMEOUT_MS};
	if (virtio_vsock_create(&dev, &v.mem, vdrv_irq(&v), &p, &e) < 0) {
		fprintf(stderr, "%s\n", e.msg);
		return -1;
	}
	if (vdrv_start(&v, dev, UINT64_MAX, 0) & VIRTIO_STATUS_NEEDS_RESET)
		return -1;
	rxbase = vdrv_alloc(&v, (size_t)RX_STRIDE * QSIZE, 16);
	txbase = vdrv_alloc(&v, VSOCK_HDR_SIZE + VSOCK_MAX_PAYLOAD, 16);
	rx_out = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	virtio_vsock_destroy(dev);
	vdrv_free(&v);
	remove_dir();
	return 0;
}

/* Deterministic stream contents: byte @i of every test stream. */
static uint8_t stream_byte(uint64_t i)
{
	return (uint8_t)((i * 0x9e3779b97f4a7c15ULL) >> 56) ^ (uint8_t)i;
}

static void stream_fill(uint64_t off, uint8_t *buf, size_t n)
{
	for (size_t k = 0; k < n; k++)
		buf[k] = stream_byte(off + k);
}

static void stream_check(uint64_t off, const uint8_t *buf, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (buf[k] != stream_byte(off + k))
			fail_msg("stream byte %llu is %#x, want %#x", (unsigned long long)(off + k),
				 buf[k], stream_byte(off + k));
}

/*
 * The fake guest.
 */

/* Offer @n rx buffers of @size bytes (one descriptor each) and kick. */
static void post_rx(unsigned int n, uint32_t size)
{
	while (n-- && rx_out < QSIZE) {
		uint16_t head = v.q[RXQ].next_desc;
		struct vdrv_buf b = {rxbase + (uint64_t)head * RX_STRIDE, size, true};

		vdrv_add(&v, RXQ, &b, 1);
		rx_out++;
	}
	vdrv_kick(&v, RXQ);
}

static struct vsock_hdr pkt(uint16_t op, uint32_t gport, uint32_t hport)
{
	return (struct vsock_hdr){
	    .src_cid = CID,
	    .dst_cid = VSOCK_HOST_CID,
	    .src_port = gport,
	    .dst_port = hport,
	    .type = VSOCK_TYPE_STREAM,
	    .op = op,
	    .buf_alloc = GUEST_BUF,
	};
}

/* Send @h (its len as it is) followed by @n payload bytes; the device consumes it at once. */
static void guest_send_raw(const struct vsock_hdr *h, const void *payload, uint32_t n)
{
	uint8_t *p = vdrv_ptr(&v, txbase);
	struct vdrv_buf b[2] = {{txbase, VSOCK_HDR_SIZE, false},
				{txbase + VSOCK_HDR_SIZE, n, false}};
	uint32_t id, len;

	vsock_hdr_encode(h, p);
	if (n)
		memcpy(p + VSOCK_HDR_SIZE, payload, n);
	vdrv_add(&v, TXQ, b, n ? 2 : 1);
	vdrv_kick(&v, TXQ);
	assert_true(vdrv_used(&v, TXQ, &id, &len));
	assert_int_equal(len, 0);
}

static void guest_send(struct vsock_hdr h, const void *payload, uint32_t n)
{
	h.len = n;
	guest_send_raw(&h, payload, n);
}

/* The next packet the device wrote into an rx buffer; its payload into @buf. */
static bool guest_recv(struct vsock_hdr *h, void *buf, size_t cap)
{
	uint32_t id, len;
	uint8_t *p;

	if (!vdrv_used(&v, RXQ, &id, &len))
		return false;
	rx_out--;
	assert_true(len >= VSOCK_HDR_SIZE);
	p = vdrv_ptr(&v, rxbase + (uint64_t)id * RX_STRIDE);
	vsock_hdr_decode(p, h);
	assert_int_equal(len, VSOCK_HDR_SIZE + h->len);
	assert_int_equal(h->src_cid, VSOCK_HOST_CID);
	assert_int_equal(h->dst_cid, CID);
	if (h->op != VSOCK_OP_RW)
		assert_int_equal(h->len, 0);
	if (buf) {
		assert_true(h->len <= cap);
		memcpy(buf, p + VSOCK_HDR_SIZE, h->len);
	}
	return true;
}

/* The next packet must be @op from host port @hport to guest port @gport. */
static struct vsock_hdr expect_pkt(uint16_t op, uint32_t hport, uint32_t gport)
{
	struct vsock_hdr h;

	assert_true(guest_recv(&h, NULL, 0));
	assert_int_equal(h.op, op);
	assert_int_equal(h.src_port, hport);
	assert_int_equal(h.dst_port, gport);
	return h;
}

/*
 * The host.
 */

/* @path, or "@path_@port" if @port >= 0, as a Unix socket address. */
static struct sockaddr_un unix_addr(const char *path, long port)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char tmp[256];

	if (port >= 0)
		snprintf(tmp, sizeof(tmp), "%s_%ld", path, port);
	else
		snprintf(tmp, sizeof(tmp), "%s", path);
	assert_true(strlen(tmp) < sizeof(sa.sun_path));
	memcpy(sa.sun_path, tmp, strlen(tmp) + 1);
	return sa;
}

static int host_listen(uint32_t port)
{
	struct sockaddr_un sa = unix_addr(uds, port);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 64), 0);
	return fd;
}

static int host_accept(int lfd)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	assert_true(fd >= 0);
	return fd;
}

/* A non-blocking client of the device's socket, or -1 if its backlog is full. */
static int host_client_try(void)
{
	struct sockaddr_un sa = unix_addr(uds, -1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		assert_int_equal(errno, EAGAIN);
		close(fd);
		return -1;
	}
	return fd;
}

static int host_client(void)
{
	int fd = host_client_try();

	assert_true(fd >= 0);
	return fd;
}

/* Read what is there: bytes, 0 at end of file, -1 if nothing yet. */
static ssize_t host_read(int fd, void *buf, size_t n)
{
	ssize_t r = read(fd, buf, n);

	if (r < 0)
		assert_true(errno == EAGAIN || errno == ECONNRESET);
	return r < 0 && errno == ECONNRESET ? 0 : r;
}

static void host_write(int fd, const void *buf, size_t n)
{
	assert_int_equal(write(fd, buf, n), (ssize_t)n);
}

/* Read exactly @n bytes, running the device while they come. */
static void host_read_all(int fd, void *buf, size_t n)
{
	size_t got = 0;
	int spins = 0;

	while (got < n) {
		ssize_t r = host_read(fd, (uint8_t *)buf + got, n - got);

		assert_true(r != 0);
		if (r > 0)
			got += (size_t)r;
		else
			vdrv_run(&v);
		assert_true(++spins < 1000);
	}
}

static bool host_at_eof(int fd)
{
	char c;

	vdrv_run(&v);
	return host_read(fd, &c, 1) == 0;
}

static unsigned int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	unsigned int n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/*
 * Connections.
 */

/* The guest connects from @gport to host port @hport, on which @lfd listens: the host end. */
static int guest_connect(int lfd, uint32_t gport, uint32_t hport)
{
	struct vsock_hdr r;

	guest_send(pkt(VSOCK_OP_REQUEST, gport, hport), NULL, 0);
	r = expect_pkt(VSOCK_OP_RESPONSE, hport, gport);
	assert_int_equal(r.buf_alloc, VSOCK_BUF_ALLOC);
	assert_int_equal(r.type, VSOCK_TYPE_STREAM);
	return host_accept(lfd);
}

/* Read the client's "OK <port>\n" line. */
static uint32_t read_ok_line(int fd)
{
	char line[32];
	unsigned int port;
	size_t n = 0;

	while (n < sizeof(line) - 1) {
		assert_int_equal(read(fd, line + n, 1), 1);
		if (line[n++] == '\n')
			break;
	}
	line[n] = 0;
	assert_int_equal(sscanf(line, "OK %u\n", &port), 1);
	return port;
}

/*
 * A host client connects to guest port @gport (sending @extra right after
 * the CONNECT line) and the guest accepts: the client, with the host port
 * in *@hport.
 */
static int host_connect(uint32_t gport, uint32_t *hport, const char *extra)
{
	char line[128];
	struct vsock_hdr r;
	int fd = host_client();

	snprintf(line, sizeof(line), "CONNECT %u\n%s", gport, extra ? extra : "");
	host_write(fd, line, strlen(line));
	vdrv_run(&v);
	assert_true(guest_recv(&r, NULL, 0));
	assert_int_equal(r.op, VSOCK_OP_REQUEST);
	assert_int_equal(r.dst_port, gport);
	assert_true(r.src_port & VSOCK_HOST_PORT_BIT);
	assert_int_equal(r.buf_alloc, VSOCK_BUF_ALLOC);
	*hport = r.src_port;
	guest_send(pkt(VSOCK_OP_RESPONSE, gport, r.src_port), NULL, 0);
	assert_int_equal(read_ok_line(fd), r.src_port);
	return fd;
}

/*
 * Tests.
 */

static void test_identification(void **state)
{
	uint64_t cid = 0;
	uint32_t lo, q;

	(void)state;
	assert_int_equal(vdrv_read32(&v, 0x008), VIRTIO_ID_VSOCK);
	vdrv_config_read(&v, 0, &cid, 8);
	assert_int_equal(cid, CID);
	vdrv_config_read(&v, 4, &lo, 4);
	assert_int_equal(lo, 0);
	/* No device features: only what the transport adds. */
	vdrv_write32(&v, 0x014, 0);
	assert_int_equal(vdrv_read32(&v, 0x010) &
			     ~((1U << VIRTIO_F_INDIRECT_DESC) | (1U << VIRTIO_F_EVENT_IDX)),
			 0);
	for (q = 0; q < 4; q++) {
		vdrv_write32(&v, 0x030, q);
		assert_int_equal(vdrv_read32(&v, 0x034), q < 3 ? 256 : 0);
	}
}

/* Guest -> host connect with a listener: RESPONSE, data both ways, orderly close. */
static void test_guest_connect_listener(void **state)
{
	uint8_t out[3000], in[4096];
	struct vsock_hdr h;
	size_t got = 0;
	int lfd, hfd;

	(void)state;
	post_rx(16, RX_FULL);
	lfd = host_listen(1234);
	hfd = guest_connect(lfd, 5000, 1234);
	assert_int_equal(virtio_vsock_nr_conns(dev), 1);

	/* Guest -> host. */
	stream_fill(0, out, 1000);
	guest_send(pkt(VSOCK_OP_RW, 5000, 1234), out, 1000);
	host_read_all(hfd, in, 1000);
	stream_check(0, in, 1000);

	/* Host -> guest, within one 4 KiB buffer or more. */
	stream_fill(1000, out, sizeof(out));
	host_write(hfd, out, sizeof(out));
	vdrv_run(&v);
	while (guest_recv(&h, in, sizeof(in))) {
		assert_int_equal(h.op, VSOCK_OP_RW);
		assert_int_equal(h.src_port, 1234);
		assert_int_equal(h.dst_port, 5000);
		stream_check(1000 + got, in, h.len);
		got += h.len;
	}
	assert_int_equal(got, sizeof(out));

	/* The guest is done sending: the host reads EOF; the host closes: RST. */
	h = pkt(VSOCK_OP_SHUTDOWN, 5000, 1234);
	h.flags = VSOCK_SHUTDOWN_SEND;
	guest_send(h, NULL, 0);
	assert_true(host_at_eof(hfd));
	close(hfd);
	vdrv_run(&v);
	expect_pkt(VSOCK_OP_RST, 1234, 5000);
	assert_int_equal(virtio_vsock_nr_conns(dev), 0);
	close(lfd);
}

/* Guest -> host connect with nobody listening: RST, and nothing kept. */
static void test_guest_connect_refused(void **state)
{
	struct sockaddr_un sa = unix_addr(uds, 4322);
	struct vsock_hdr h, r;
	int fd, lfd;

	(void)state;
	post_rx(8, RX_FULL);
	guest_send(pkt(VSOCK_OP_REQUEST, 5001, 4321), NULL, 0);
	r = expect_pkt(VSOCK_OP_RST, 4321, 5001);
	assert_int_equal(r.type, VSOCK_TYPE_STREAM);

	/* A socket file nobody listens on any more. */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	guest_send(pkt(VSOCK_OP_REQUEST, 5002, 4322), NULL, 0);
	expect_pkt(VSOCK_OP_RST, 4322, 5002);

	/* SEQPACKET is not offered: RST of the same type, and no connect. */
	lfd = host_listen(4323);
	h = pkt(VSOCK_OP_REQUEST, 5003, 4323);
	h.type = VSOCK_TYPE_SEQPACKET;
	guest_send(h, NULL, 0);
	r = expect_pkt(VSOCK_OP_RST, 4323, 5003);
	assert_int_equal(r.type, VSOCK_TYPE_SEQPACKET);
	assert_int_equal(accept(lfd, NULL, NULL), -1);
	assert_int_equal(virtio_vsock_nr_conns(dev), 0);
	close(lfd);
}

/* Host -> guest: CONNECT, the guest accepts, OK, early bytes kept, data both ways. */
static void test_host_connect(void **state)
{
	uint8_t buf[64];
	struct vsock_hdr h;
	uint32_t hport, hport2;
	int fd, fd2;

	(void)state;
	post_rx(16, RX_FULL);
	fd = host_connect(52, &hport, "early");
	/* The bytes sent after the line, before OK, reach the guest. */
	vdrv_run(&v);
	assert_true(guest_recv(&h, buf, sizeof(buf)));
	assert_int_equal(h.op, VSOCK_OP_RW);
	assert_int_equal(h.src_port, hport);
	assert_int_equal(h.dst_port, 52);
	assert_int_equal(h.len, 5);
	assert_memory_equal(buf, "early", 5);

	guest_send(pkt(VSOCK_OP_RW, 52, hport), "hello host", 10);
	host_read_all(fd, buf, 10);
	assert_memory_equal(buf, "hello host", 10);

	/* A second client gets a different host port. */
	fd2 = host_connect(52, &hport2, NULL);
	assert_int_not_equal(hport, hport2);
	assert_int_equal(virtio_vsock_nr_conns(dev), 2);

	/* The client leaves: SHUTDOWN(SEND) to the guest, whose RST ends it. */
	close(fd);
	vdrv_run(&v);
	h = expect_pkt(VSOCK_OP_SHUTDOWN, hport, 52);
	assert_int_equal(h.flags, VSOCK_SHUTDOWN_SEND);
	guest_send(pkt(VSOCK_OP_RST, 52, hport), NULL, 0);
	assert_int_equal(virtio_vsock_nr_conns(dev), 1);
	/* The guest closes the other: SHUTDOWN(RCV|SEND), then our RST. */
	h = pkt(VSOCK_OP_SHUTDOWN, 52, hport2);
	h.flags = VSOCK_SHUTDOWN_BOTH;
	guest_send(h, NULL, 0);
	expect_pkt(VSOCK_OP_RST, hport2, 52);
	assert_true(host_at_eof(fd2));
	assert_int_equal(virtio_vsock_nr_conns(dev), 0);
	close(fd2);
}

/* Host -> guest, nobody listens in the guest: RST, the client is closed. */
static void test_host_connect_refused(void **state)
{
	struct vsock_hdr r;
	int fd;

	(void)state;
	post_rx(8, RX_FULL);
	fd = host_client();
	host_write(fd, "connect 99\n", 11);
	vdrv_run(&v);
	assert_true(guest_recv(&r, NULL, 0));
	assert_int_equal(r.op, VSOCK_OP_REQUEST);
	guest_send(pkt(VSOCK_OP_RST, 99, r.src_port), NULL, 0);
	assert_true(host_at_eof(fd));
	assert_int_equal(virtio_vsock_nr_conns(dev), 0);
	assert_false(guest_recv(&r, NULL, 0)); /* no RST for an RST */
	close(fd);
}

/* Host -> guest, the guest never answers: closed after VSOCK_CONNECT_TIMEOUT_MS, RST. */
static void test_host_connect_timeout(void **state)
{
	struct timespec ts = {VSOCK_CONNECT_TIMEOUT_MS / 1000,
			      (VSOCK_CONNECT_TIMEOUT_MS % 1000) * 1000000L + 100000000L};
	struct vsock_hdr r;
	int fd;

	(void)state;
	post_rx(8, RX_FULL);
	fd = host_client();
	host_write(fd, "CONNECT 77\n", 11);
	vdrv_run(&v);
	assert_true(guest_recv(&r, NULL, 0));
	assert_int_equal(r.op, VSOCK_OP_REQUEST);
	assert_false(host_at_eof(fd));
	nanosleep(&ts, NULL);
	vdrv_run(&v);
	assert_true(host_at_eof(fd));
	expect_pkt(VSOCK_OP_RST, r.src_port, 77);
	/* A late RESPONSE finds no connection: RST. */
	guest_send(pkt(VSOCK_OP_RESPONSE, 77, r.src_port), NULL, 0);
	expect_pkt(VSOCK_OP_RST, r.src_port, 77);
	assert_int_equal(virtio_vsock_nr_conns(dev), 0);
	close(fd);
}

/*
 * A client that never finishes its line is closed after the line timeout,
 * without the guest hearing of it, and its slot is free again; one that
 * finished its line in time is not affected.
 */
static void test_host_line_timeout(void **state)
{
	struct timespec ts = {0, (LINE_TIMEOUT_MS + 100) * 1000000L};
	struct vsock_hdr r;
	int idle, slow;

	(void)state;
	post_rx(8, RX_FULL);
	idle = host_client();
	host_write(idle, "CONN", 4);
	slow = host_client();
	vdrv_run(&v);
	assert_int_equal(virtio_vsock_nr_conns(dev), 2);
	host_write(slow, "CONNECT 12\n", 11);
	vdrv_run(&v);
	assert_true(guest_recv(&r, NULL, 0));
	assert_int_equal(r.op, VSOCK_OP_REQUEST);
	guest_send(pkt(VSOCK_OP_RESPONSE, 12, r.src_port), NULL, 0);
	nanosleep(&ts, NULL);
	vdrv_run(&v);
	assert_true(host_at_eof(idle));
	assert_false(host_at_eof(slow));
	assert_int_equal(virtio_vsock_nr_conns(dev), 1);
	while (guest_recv(&r, NULL, 0))
		assert_int_not_equal(r.op, VSOCK_OP_RST);
	close(idle);
	close(slow);
}

/* Lines that are not a CONNECT close the client; a line may come in pieces. */
static void test_host_bad_lines(void **state)
{
	static const char *const bad[] = {"HELLO\n", "CONNECT 4294967296\n", "CONNECT\n",
					  "CONNECT 5 6\n"};
	char longline[100];
	struct vsock_hdr r;
	size_t k;
	int fd;

	(void)state;
	post_rx(8, RX_FULL);
	for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		fd = host_client();
		host_write(fd, bad[k], strlen(bad[k]));
		assert_true(host_at_eof(fd));
		close(fd);
	}
	/* Over-long: 64 bytes without a newline. */
	memset(longline, '0', sizeof(longline));
	memcpy(longline, "CONNECT ", 8);
	fd = host_client();
	host_write(fd, longline, 40);
	assert_false(host_at_eof(fd)); /* still fine */
	host_write(fd, longline + 40, 30);
	assert_true(host_at_eof(fd));
	close(fd);
	/* Gone before the line ended. */
	fd = host_client();
	host_write(fd, "CONN", 4);
	vdrv_run(&v);
	assert_int_equal(virtio_vsock_nr_conns(dev), 1);
	close(fd);
	vdrv_run(&v);
	assert_int_equal(virtio_vsock_nr_conns(dev), 0);
	assert_false(guest_recv(&r, NULL, 0)); /* the guest heard of none of these */

	/* In pieces. */
	fd = host_client();
	host_write(fd, "CoNn", 4);
	vdrv_run(&v);
	host_write(fd, "ect 0", 5);
	vdrv_run(&v);
	assert_false(guest_recv(&r, NULL, 0));
	host_write(fd, "9\n", 2);
	vdrv_run(&v);
	assert_true(guest_recv(&r, NULL, 0));
	assert_int_equal(r.op, VSOCK_OP_REQUEST);
	assert_int_equal(r.dst_port, 9);
	guest_send(pkt(VSOCK_OP_RST, 9, r.src_port), NULL, 0);
	assert_true(host_at_eof(fd));
	close(fd);
}

/*
 * 8 MiB host -> guest through small rx buffers, with a guest that grants
 * 32 KiB of credit and updates it late: never more in flight than granted.
 */
static void test_host_to_guest_bulk(void **state)
{
	const uint64_t total = 8u << 20;
	const uint32_t gbuf = 32 * 1024, rxsize = VSOCK_HDR_SIZE + 512;
	static uint8_t chunk[65536];
	uint8_t payload[4096];
	uint64_t written = 0, received = 0, fwd = 0, fwd_told = 0;
	unsigned int spins = 0, stalls = 0;
	struct vsock_hdr h;
	int lfd, hfd;

	(void)state;
	post_rx(128, rxsize); /* 64 KiB of buffers: the 32 KiB credit is the limit */
	lfd = host_listen(2000);
	h = pkt(VSOCK_OP_REQUEST, 6000, 2000);
	h.buf_alloc = gbuf;
	guest_send(h, NULL, 0);
	expect_pkt(VSOCK_OP_RESPONSE, 2000, 6000);
	hfd = host_accept(lfd);

	while (received < total) {
		unsigned int got = 0;

		assert_true(++spins < 200000);
		if (written < total) {
			size_t n =
			    total - written < sizeof(chunk) ? total - written : sizeof(chunk);
			ssize_t w;

			stream_fill(written, chunk, n);
			w = write(hfd, chunk, n);
			if (w > 0)
				written += (uint64_t)w;
			else
				assert_int_equal(errno, EAGAIN);
		}
		vdrv_run(&v);
		while (guest_recv(&h, payload, sizeof(payload))) {
			assert_int_equal(h.op, VSOCK_OP_RW);
			assert_int_equal(h.src_port, 2000);
			assert_int_equal(h.dst_port, 6000);
			assert_true(h.len > 0 && h.len <= rxsize - VSOCK_HDR_SIZE);
			stream_check(received, payload, h.len);
			received += h.len;
			/* The credit: never more in flight than the guest allowed. */
			assert_true(received - fwd_told <= gbuf);
			fwd += h.len; /* the guest's reader takes it at once */
			got++;
		}
		if (received - fwd_told == gbuf)
			stalls++;
		/* Tell the device about the space late, at half the buffer. */
		if (fwd - fwd_told >= gbuf / 2) {
			h = pkt(VSOCK_OP_CREDIT_UPDATE, 6000, 2000);
			h.buf_alloc = gbuf;
			h.fwd_cnt = (uint32_t)fwd;
			guest_send(h, NULL, 0);
			fwd_told = fwd;
		}
		if (got)
			post_rx(got, rxsize);
	}
	assert_int_equal(received, total);
	assert_true(stalls > 0); /* the credit did run out on the way */
	close(hfd);
	vdrv_run(&v);
	h = expect_pkt(VSOCK_OP_SHUTDOWN, 2000, 6000);
	guest_send(pkt(VSOCK_OP_RST, 6000, 2000), NULL, 0);
	assert_int_equal(virtio_vsock_nr_conns(dev), 0);
	close(lfd);
}

/*
 * 8 MiB guest -> host in packets of many sizes, within the device's
 * credit, while the host reads slowly: the device holds what the socket
 * cannot take and tells the guest about freed space.
 */
static void test_guest_to_host_bulk(void **state)
{
	const uint64_t total = 8u << 20;
	static uint8_t buf[VSOCK_MAX_PAYLOAD], rbuf[16384];
	uint64_t sent = 0, got = 0;
	uint32_t tx = 0, peer_alloc, peer_fwd;
	unsigned int round = 0, updates = 0;
	struct vsock_hdr h;
	int lfd, hfd;

	(void)state;
	post_rx(32, RX_FULL);
	lfd = host_listen(2001);
	guest_send(pkt(VSOCK_OP_REQUEST, 6001, 2001), NULL, 0);
	h = expect_pkt(VSOCK_OP_RESPONSE, 2001, 6001);
	peer_alloc = h.buf_alloc;
	peer_fwd = h.fwd_cnt;
	hfd = host_accept(lfd);
	post_rx(1, RX_FULL);

	while (got < total) {
		uint32_t credit = peer_alloc - (tx - peer_fwd);
		size_t n = 1 + (round * 7919u) % VSOCK_MAX_PAYLOAD;
		ssize_t r;

		assert_true(++round < 100000);
		if (n > credit)
			n = credit;
		if (n > total - sent)
			n = (size_t)(total - sent);
		if (n) {
			stream_fill(sent, buf, n);
			guest_send(pkt(VSOCK_OP_RW, 6001, 2001), buf, (uint32_t)n);
			sent += n;
			tx += (uint32_t)n;
		}
		/* A slow reader: 16 KiB every other round. */
		if (round % 2 == 0) {
			r = host_read(hfd, rbuf, sizeof(rbuf));
			assert_true(r != 0);
			if (r > 0) {
				stream_check(got, rbuf, (size_t)r);
				got += (uint64_t)r;
			}
		}
		vdrv_run(&v);
		while (guest_recv(&h, NULL, 0)) {
			assert_int_equal(h.op, VSOCK_OP_CREDIT_UPDATE);
			assert_int_equal(h.src_port, 2001);
			peer_alloc = h.buf_alloc;
			peer_fwd = h.fwd_cnt;
			updates++;
			post_rx(1, RX_FULL);
		}
	}
	assert_int_equal(got, total);
	assert_true(updates > 0);
	h = pkt(VSOCK_OP_SHUTDOWN, 6001, 2001);
	h.flags = VSOCK_SHUTDOWN_BOTH;
	guest_send(h, NULL, 0);
	expect_pkt(VSOCK_OP_RST, 2001, 6001);
	assert_true(host_at_eof(hfd));
	assert_int_equal(virtio_vsock_nr_conns(dev), 0);
	close(hfd);
	close(lfd);
}

/* The device asked for credit: CREDIT_REQUEST gets a CREDIT_UPDATE. */
static void test_credit_request(void **state)
{
	struct vsock_hdr h;
	char buf[3];
	int lfd, hfd;

	(void)state;
	post_rx(8, RX_FULL);
	lfd = host_listen(2002);
	hfd = guest_connect(lfd, 6002, 2002);
	guest_send(pkt(VSOCK_OP_RW, 6002, 2002), "abc", 3);
	guest_send(pkt(VSOCK_OP_CREDIT_REQUEST, 6002, 2002), NULL, 0);
	h = expect_pkt(VSOCK_OP_CREDIT_UPDATE, 2002, 6002);
	assert_int_equal(h.buf_alloc, VSOCK_BUF_ALLOC);
	assert_int_equal(h.fwd_cnt, 3);
	host_read_all(hfd, buf, 3);
	guest_send(pkt(VSOCK_OP_RST, 6002, 2002), NULL, 0);
	assert_true(host_at_eof(hfd));
	close(hfd);
	close(lfd);
}

/* No rx buffers: replies and data wait, and flow once the guest adds buffers. */
static void test_rx_buffers_run_out(void **state)
{
	uint8_t out[8192], in[4096];
	struct vsock_hdr h;
	size_t got = 0;
	int lfd, hfd;

	(void)state;
	lfd = host_listen(2003);
	guest_send(pkt(VSOCK_OP_REQUEST, 6003, 2003), NULL, 0);
	assert_false(guest_recv(&h, NULL, 0));
	hfd = host_accept(lfd); /* connected already; only the RESPONSE waits */
	stream_fill(0, out, sizeof(out));
	host_write(hfd, out, sizeof(out));
	vdrv_run(&v);
	assert_false(guest_recv(&h, NULL, 0));
	post_rx(2, RX_FULL);
	expect_pkt(VSOCK_OP_RESPONSE, 2003, 6003);
	assert_true(guest_recv(&h, in, sizeof(in)));
	assert_int_equal(h.op, VSOCK_OP_RW);
	stream_check(0, in, h.len);
	got = h.len;
	assert_false(guest_recv(&h, NULL, 0)); /* out of buffers again */
	post_rx(4, RX_FULL);
	while (guest_recv(&h, in, sizeof(in))) {
		stream_check(got, in, h.len);
		got += h.len;
	}
	assert_int_equal(got, sizeof(out));
	/* A buffer too small for a header is given back unused. */
	{
		uint16_t head = v.q[RXQ].next_desc;
		struct vdrv_buf b = {rxbase + (uint64_t)head * RX_STRIDE, VSOCK_HDR_SIZE, true};
		uint32_t id, len;

		vdrv_add(&v, RXQ, &b, 1);
		vdrv_kick(&v, RXQ);
		host_write(hfd, "x", 1);
		vdrv_run(&v);
		assert_true(vdrv_used(&v, RXQ, &id, &len));
		assert_int_equal(id, head);
		assert_int_equal(len, 0);
	}
	post_rx(1, RX_FULL);
	assert_true(guest_recv(&h, in, sizeof(in)));
	assert_int_equal(h.len, 1);
	guest_send(pkt(VSOCK_OP_RST, 6003, 2003), NULL, 0);
	close(hfd);
	close(lfd);
}

/* 200 connections, each opened, used and closed: nothing is left behind. */
static void test_churn(void **state)
{
	unsigned int before, i;
	struct vsock_hdr h;
	uint8_t buf[16];
	uint32_t hport;
	int lfd, fd;

	(void)state;
	lfd = host_listen(7000);
	post_rx(QSIZE, RX_FULL);
	before = count_fds();
	for (i = 0; i < 100; i++) {
		fd = guest_connect(lfd, 20000 + i, 7000);
		guest_send(pkt(VSOCK_OP_RW, 20000 + i, 7000), "ping", 4);
		host_read_all(fd, buf, 4);
		host_write(fd, "pong", 4);
		vdrv_run(&v);
		assert_true(guest_recv(&h, buf, sizeof(buf)));
		assert_int_equal(h.len, 4);
		assert_memory_equal(buf, "pong", 4);
		h = pkt(VSOCK_OP_SHUTDOWN, 20000 + i, 7000);
		h.flags = VSOCK_SHUTDOWN_BOTH;
		guest_send(h, NULL, 0);
		expect_pkt(VSOCK_OP_RST, 7000, 20000 + i);
		assert_true(host_at_eof(fd));
		close(fd);
		post_rx(3, RX_FULL);
	}
	for (i = 0; i < 100; i++) {
		fd = host_connect(1000 + i % 3, &hport, NULL);
		host_write(fd, "x", 1);
		vdrv_run(&v);
		assert_true(guest_recv(&h, buf, sizeof(buf)));
		assert_int_equal(h.op, VSOCK_OP_RW);
		guest_send(pkt(VSOCK_OP_RW, 1000 + i % 3, hport), "y", 1);
		host_read_all(fd, buf, 1);
		close(fd);
		vdrv_run(&v);
		expect_pkt(VSOCK_OP_SHUTDOWN, hport, 1000 + i % 3);
		guest_send(pkt(VSOCK_OP_RST, 1000 + i % 3, hport), NULL, 0);
		post_rx(3, RX_FULL);
	}
	assert_int_equal(virtio_vsock_nr_conns(dev), 0);
	assert_int_equal(count_fds(), before);
	close(lfd);
}

/* Packets not from the guest's CID or not to the host, or with bad lengths. */
static void test_bad_packets(void **state)
{
	static const uint64_t bad_src[] = {CID + 1, 2, 0, CID | (1ULL << 32), UINT64_MAX};
	static const uint64_t bad_dst[] = {CID, 1, 0, 4, 2 | (1ULL << 32), UINT64_MAX};
	struct vsock_hdr h;
	uint8_t junk[100] = {0};
	size_t k;
	int lfd, hfd;

	(void)state;
	post_rx(16, RX_FULL);
	lfd = host_listen(3000);
	for (k = 0; k < sizeof(bad_src) / sizeof(bad_src[0]); k++) {
		h = pkt(VSOCK_OP_REQUEST, 6100, 3000);
		h.src_cid = bad_src[k];
		guest_send(h, NULL, 0);
	}
	for (k = 0; k < sizeof(bad_dst) / sizeof(bad_dst[0]); k++) {
		h = pkt(VSOCK_OP_REQUEST, 6100, 3000);
		h.dst_cid = bad_dst[k];
		guest_send(h, NULL, 0);
	}
	/* A header shorter than 44 bytes. */
	{
		struct vdrv_buf b = {txbase, VSOCK_HDR_SIZE - 4, false};
		uint32_t id, len;

		vsock_hdr_encode(&(struct vsock_hdr){CID, 2, 6100, 3000, 0, 1, 1, 0, 0, 0},
				 vdrv_ptr(&v, txbase));
		vdrv_add(&v, TXQ, &b, 1);
		vdrv_kick(&v, TXQ);
		assert_true(vdrv_used(&v, TXQ, &id, &len));
	}
	/* A len beyond the payload present. */
	h = pkt(VSOCK_OP_REQUEST, 6100, 3000);
	h.len = 100;
	guest_send_raw(&h, junk, 10);
	/* None of them reached the host or got an answer. */
	assert_false(guest_recv(&h, NULL, 0));
	assert_int_equal(accept(lfd, NULL, NULL), -1);
	assert_int_equal(virtio_vsock_nr_conns(dev), 0);

	/* A bad len on a connection: RST, the host end closed. */
	hfd = guest_connect(lfd, 6101, 3000);
	h = pkt(VSOCK_OP_RW, 6101, 3000);
	h.len = 1000;
	guest_send_raw(&h, junk, sizeof(junk));
	expect_pkt(VSOCK_OP_RST, 3000, 6101);
	assert_true(host_at_eof(hfd));
	close(hfd);
	/* len above VSOCK_MAX_PAYLOAD, payload present or not. */
	hfd = guest_connect(lfd, 6102, 3000);
	h = pkt(VSOCK_OP_RW, 6102, 3000);
	h.len = VSOCK_MAX_PAYLOAD + 1;
	guest_send_raw(&h, junk, sizeof(junk));
	expect_pkt(VSOCK_OP_RST, 3000, 6102);
	assert_true(host_at_eof(hfd));
	close(hfd);
	/* Packets for no connection get RST, except RST. */
	guest_send(pkt(VSOCK_OP_RW, 6103, 3000), "zz", 2);
	expect_pkt(VSOCK_OP_RST, 3000, 6103);
	guest_send(pkt(VSOCK_OP_RST, 6103, 3000), NULL, 0);
	assert_false(guest_recv(&h, NULL, 0));
	assert_int_equal(virtio_vsock_nr_conns(dev), 0);
	close(lfd);
}

/* The driver resets the device: every connection and client goes, the socket stays. */
static void test_reset(void **state)
{
	uint32_t hport;
	int lfd, hfd, cfd, lone;

	(void)state;
	post_rx(16, RX_FULL);
	lfd = host_listen(4000);
	hfd = guest_connect(lfd, 6200, 4000);
	cfd = host_connect(55, &hport, NULL);
	lone = host_client();
	host_write(lone, "CONN", 4);
	vdrv_run(&v);
	assert_int_equal(virtio_vsock_nr_conns(dev), 3);
	vdrv_write32(&v, 0x070, 0);
	assert_int_equal(virtio_vsock_nr_conns(dev), 0);
	assert_true(host_at_eof(hfd));
	assert_true(host_at_eof(cfd));
	assert_true(host_at_eof(lone));
	close(hfd);
	close(cfd);
	close(lone);

	/* Start again: the same socket path works. */
	vdrv_start(&v, dev, UINT64_MAX, 0);
	rx_out = 0;
	post_rx(8, RX_FULL);
	cfd = host_connect(56, &hport, NULL);
	guest_send(pkt(VSOCK_OP_RST, 56, hport), NULL, 0);
	assert_true(host_at_eof(cfd));
	close(cfd);
	close(lfd);
}

/* VSOCK_MAX_CONNS at once; one more is refused either way, with room again after a close. */
static void test_connection_limit(void **state)
{
	static int fds[VSOCK_MAX_CONNS];
	struct rlimit rl;
	unsigned int i;
	int fd, lfd;

	(void)state;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 4 * VSOCK_MAX_CONNS + 64) {
		rl.rlim_cur =
		    rl.rlim_max < 4 * VSOCK_MAX_CONNS + 64 ? rl.rlim_max : 4 * VSOCK_MAX_CONNS + 64;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur < 3 * VSOCK_MAX_CONNS) {
		print_message("not enough descriptors for this test\n");
		skip();
	}
	post_rx(8, RX_FULL);
	for (i = 0; i < VSOCK_MAX_CONNS; i++) {
		while ((fds[i] = host_client_try()) < 0)
			vdrv_run(&v);
		if (i % 16 == 0)
			vdrv_run(&v);
	}
	vdrv_run(&v);
	assert_int_equal(virtio_vsock_nr_conns(dev), VSOCK_MAX_CONNS);
	fd = host_client();
	assert_true(host_at_eof(fd));
	close(fd);
	lfd = host_listen(5000);
	guest_send(pkt(VSOCK_OP_REQUEST, 6300, 5000), NULL, 0);
	expect_pkt(VSOCK_OP_RST, 5000, 6300);
	assert_int_equal(accept(lfd, NULL, NULL), -1);
	/* One leaves: room for one more. */
	close(fds[0]);
	vdrv_run(&v);
	assert_int_equal(virtio_vsock_nr_conns(dev), VSOCK_MAX_CONNS - 1);
	fds[0] = host_client();
	vdrv_run(&v);
	assert_int_equal(virtio_vsock_nr_conns(dev), VSOCK_MAX_CONNS);
	for (i = 0; i < VSOCK_MAX_CONNS; i++)
		close(fds[i]);
	vdrv_run(&v);
	assert_int_equal(virtio_vsock_nr_conns(dev), 0);
	close(lfd);
}

/*
 * The socket path and CID checks, without the fixture.
 */

static int create_at(const char *path, uint64_t cid, struct virtio_device **d, struct error *e)
{
	struct virtio_vsock_params p = {cid, path, 0};

	return virtio_vsock_create(d, &v.mem, vdrv_irq(&v), &p, e);
}

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static void test_socket_paths(void **state)
{
	struct sockaddr_un sa;
	struct virtio_device *d, *d2;
	char p[200], longp[200];
	struct error e;
	int fd, c;

	(void)state;
	make_dir();
	vdrv_init(&v);

	/* A stale socket (its mvm died) is replaced; destroy removes ours. */
	snprintf(p, sizeof(p), "%s/stale.sock", dir);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	sa = unix_addr(p, -1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	assert_int_equal(create_at(p, CID, &d, &e), 0);
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(connect(c, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(c);
	virtio_vsock_destroy(d);
	assert_false(exists(p));

	/* In use: by another device, or by anyone listening. */
	assert_int_equal(create_at(p, CID, &d, &e), 0);
	assert_int_equal(create_at(p, CID, &d2, &e), -EADDRINUSE);
	assert_non_null(strstr(e.msg, "is in use"));
	assert_non_null(strstr(e.msg, p));
	virtio_vsock_destroy(d);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 1), 0);
	assert_int_equal(create_at(p, CID, &d, &e), -EADDRINUSE);
	assert_non_null(strstr(e.msg, "vsock socket '"));
	assert_true(exists(p)); /* left alone */
	close(fd);
	unlink(p);

	/* Not a socket: a file, a directory. */
	snprintf(p, sizeof(p), "%s/file", dir);
	fd = open(p, O_CREAT | O_WRONLY, 0600);
	close(fd);
	assert_int_equal(create_at(p, CID, &d, &e), -EEXIST);
	assert_non_null(strstr(e.msg, "exists and is not a socket"));
	assert_true(exists(p));
	assert_int_equal(create_at(dir, CID, &d, &e), -EEXIST);

	/* Room for "_<port>": 96 bytes of path at most. */
	memset(longp, 'a', sizeof(longp));
	snprintf(longp, 98, "%s/", dir);
	longp[strlen(longp)] = 'a';
	longp[96] = 0;
	assert_int_equal(create_at(longp, CID, &d, &e), 0);
	virtio_vsock_destroy(d);
	assert_false(exists(longp));
	longp[96] = 'a';
	longp[97] = 0;
	assert_int_equal(create_at(longp, CID, &d, &e), -ENAMETOOLONG);
	assert_non_null(strstr(e.msg, "too long"));
	assert_int_equal(create_at("", CID, &d, &e), -EINVAL);

	/* CIDs: 3 .. 0xfffffffe. */
	snprintf(p, sizeof(p), "%s/cid.sock", dir);
	assert_int_equal(create_at(p, 0, &d, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "out of range"));
	assert_int_equal(create_at(p, 2, &d, &e), -EINVAL);
	assert_int_equal(create_at(p, 0xffffffffULL, &d, &e), -EINVAL);
	assert_int_equal(create_at(p, 1ULL << 32, &d, &e), -EINVAL);
	assert_false(exists(p));
	assert_int_equal(create_at(p, 0xfffffffeULL, &d, &e), 0);
	virtio_vsock_destroy(d);
	assert_int_equal(create_at(p, 3, &d, &e), 0);
	/* Destroy removes only the file it made: not one that replaced it. */
	unlink(p);
	fd = open(p, O_CREAT | O_WRONLY, 0600);
	close(fd);
	virtio_vsock_destroy(d);
	assert_true(exists(p));

	vdrv_free(&v);
	remove_dir();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_identification, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_guest_connect_listener, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_guest_connect_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_host_connect, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_host_connect_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_host_connect_timeout, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_host_line_timeout, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_host_bad_lines, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_host_to_guest_bulk, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_guest_to_host_bulk, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_credit_request, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rx_buffers_run_out, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_churn, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_packets, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reset, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_connection_limit, setup, teardown),
	    cmocka_unit_test(test_socket_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
