/*
 * test_virtio_console.c - virtio-console (vmm/devices/virtio/console*.c)
 * driven by the fake driver in vdrv.c: parsing --console-port, refusing
 * bad port sets, leaving output files alone until the VM starts, the
 * multiport control handshake as Linux's driver runs it, output to files
 * and to a full non-blocking "terminal" (pipes), terminal input with and
 * without the Ctrl-A x escape, the emergency write and broken drivers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/unit/vdrv.h"
#include "vmm/devices/virtio/devices.h"

/* From the virtio 1.x specification, 5.3: checked against, not taken from, the device. */
#define F_MULTIPORT (1ULL << 1)
#define F_EMERG_WRITE (1ULL << 2)
#define F_VERSION_1 (1ULL << 32)
#define F_INDIRECT (1ULL << 28)
#define ALL_FEATURES UINT64_MAX
#define BAD_ID 0xffffffffu

enum {
	DEVICE_READY = 0,
	PORT_ADD = 1,
	PORT_READY = 3,
	CONSOLE_PORT = 4,
	PORT_OPEN = 6,
	PORT_NAME = 7,
};

#define QSIZE 16
#define Q_CTRL_RX 2
#define Q_CTRL_TX 3

static unsigned int rxq(unsigned int port)
{
	return port == 0 ? 0 : 2 * port + 2;
}

static unsigned int txq(unsigned int port)
{
	return rxq(port) + 1;
}

static struct vdrv v;
static struct virtio_device *con;
static char dir[256];
static int in_pipe[2] = {-1, -1};                 /* the test writes [1], the device reads [0] */
static int out_pipe[2] = {-1, -1};                /* the device writes [1], the test reads [0] */
static uint64_t buf_of[VIRTIO_MAX_QUEUES][QSIZE]; /* guest buffer of each head */

static unsigned int exits;
static enum mvm_exit exit_code;
static char exit_why[64];

static void record_exit(void *opaque, enum mvm_exit code, const char *why)
{
	(void)opaque;
	exits++;
	exit_code = code;
	snprintf(exit_why, sizeof(exit_why), "%s", why);
}

static void path_in_dir(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", dir, name);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* The file's contents (at most @len - 1 bytes, NUL-terminated); -1 if it does not exist. */
static ssize_t read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	assert_true(n >= 0);
	buf[n] = '\0';
	return n;
}

/* Everything waiting in the output pipe. */
static size_t drain_out(uint8_t *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len && (n = read(out_pipe[0], buf + got, len - got)) > 0)
		got += (size_t)n;
	return got;
}

static int setup(void **state)
{
	const char *tmp = getenv("TMPDIR");

	(void)state;
	snprintf(dir, sizeof(dir), "%s/mvm-console-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		return -1;
	if (pipe2(in_pipe, O_CLOEXEC) < 0 || pipe2(out_pipe, O_CLOEXEC) < 0)
		return -1;
	fcntl(out_pipe[0], F_SETFL, O_NONBLOCK);
	fcntl(in_pipe[0], F_SETFL, O_NONBLOCK);
	vdrv_init(&v);
	con = NULL;
	exits = 0;
	exit_why[0] = '\0';
	memset(buf_of, 0, sizeof(buf_of));
	return 0;
}

/* Remove the test directory and the files in it (tests make no subdirectories). */
static int remove_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *ent;
	char file[600];

	if (!d)
		return -1;
	while ((ent = readdir(d)))
		if (strcmp(ent->d_name, ".") && strcmp(ent->d_name, "..")) {
			snprintf(file, sizeof(file), "%s/%s", path, ent->d_name);
			unlink(file);
		}
	closedir(d);
	return rmdir(path);
}

static int teardown(void **state)
{
	unsigned int i;

	(void)state;
	virtio_console_destroy(con);
	con = NULL;
	vdrv_free(&v);
	for (i = 0; i < 2; i++) {
		if (in_pipe[i] >= 0)
			close(in_pipe[i]);
		if (out_pipe[i] >= 0)
			close(out_pipe[i]);
		in_pipe[i] = out_pipe[i] = -1;
	}
	return remove_dir(dir);
}

/* Parameters: the terminal is the pipes; ports are added by the test. */
static struct virtio_console_params term_params(bool escape)
{
	struct virtio_console_params p;

	memset(&p, 0, sizeof(p));
	p.term_in_fd = in_pipe[0];
	p.term_out_fd = out_pipe[1];
	p.escape = escape;
	p.exit = (struct vm_exit_notifier){record_exit, NULL};
	return p;
}

static void add_port(struct virtio_console_params *p, unsigned int nr, const char *path,
		     const char *name)
{
	p->port[p->nr_ports++] = (struct virtio_console_port_params){nr, path, name};
}

static void create(const struct virtio_console_params *p)
{
	struct error e = {{0}};
	int err = virtio_console_create(&con, &v.mem, vdrv_irq(&v), p, &e);

	if (err)
		fail_msg("create: %s", e.msg);
	v.dev = con;
}

static int create_fails(const struct virtio_console_params *p, const char *want)
{
	struct virtio_device *d = NULL;
	struct error e = {{0}};
	int err = virtio_console_create(&d, &v.mem, vdrv_irq(&v), p, &e);

	assert_true(err < 0);
	assert_null(d);
	if (!strstr(e.msg, want))
		fail_msg("'%s' does not say '%s'", e.msg, want);
	return err;
}

/* Driver start with @features; asserts the device is live. */
static void start(uint64_t features)
{
	uint32_t st = vdrv_start(&v, con, features, QSIZE);

	assert_int_equal(st & (VIRTIO_STATUS_DRIVER_OK | VIRTIO_STATUS_NEEDS_RESET),
			 VIRTIO_STATUS_DRIVER_OK);
}

/* A device-writable buffer of @len bytes on queue @q (no kick). */
static uint16_t add_rx(unsigned int q, uint32_t len)
{
	struct vdrv_buf b = {vdrv_alloc(&v, len, 8), len, true};
	uint16_t head = vdrv_add(&v, q, &b, 1);

	buf_of[q][head] = b.addr;
	return head;
}

/* A device-readable buffer holding @data, as one chain on queue @q (no kick). */
static uint16_t add_tx(unsigned int q, const void *data, uint32_t len)
{
	struct vdrv_buf b = {vdrv_alloc(&v, len, 8), len, false};

	memcpy(vdrv_ptr(&v, b.addr), data, len);
	return vdrv_add(&v, q, &b, 1);
}

/* The driver sends control message (id, event, value) and the device takes it. */
static void ctrl_send(uint32_t id, uint16_t event, uint16_t value)
{
	uint8_t msg[8];
	uint32_t uid, len;

	memcpy(msg, &id, 4);
	memcpy(msg + 4, &event, 2);
	memcpy(msg + 6, &value, 2);
	add_tx(Q_CTRL_TX, msg, sizeof(msg));
	vdrv_kick(&v, Q_CTRL_TX);
	assert_true(vdrv_used(&v, Q_CTRL_TX, &uid, &len));
}

struct ctrl_msg {
	uint32_t id;
	uint16_t event, value;
	char name[80];
	uint32_t len;
};

/* The next control message from the device, if any. */
static bool ctrl_recv(struct ctrl_msg *m)
{
	uint32_t head, len;
	uint8_t *p;

	if (!vdrv_used(&v, Q_CTRL_RX, &head, &len))
		return false;
	assert_true(head < QSIZE);
	assert_true(len >= 8 && len < 8 + sizeof(m->name));
	p = vdrv_ptr(&v, buf_of[Q_CTRL_RX][head]);
	memset(m, 0, sizeof(*m));
	memcpy(&m->id, p, 4);
	memcpy(&m->event, p + 4, 2);
	memcpy(&m->value, p + 6, 2);
	memcpy(m->name, p + 8, len - 8);
	m->len = len;
	return true;
}

static void expect_ctrl(uint32_t id, uint16_t event, uint16_t value)
{
	struct ctrl_msg m;

	assert_true(ctrl_recv(&m));
	assert_int_equal(m.id, id);
	assert_int_equal(m.event, event);
	assert_int_equal(m.value, value);
}

/* Control receive buffers of 128 bytes, like Linux's (which are a page each). */
static void ctrl_buffers(unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		add_rx(Q_CTRL_RX, 128);
	vdrv_kick(&v, Q_CTRL_RX);
}

/* Linux's whole handshake for port @nr; expects no name. */
static void open_port(unsigned int nr)
{
	ctrl_send(nr, PORT_READY, 1);
	if (nr == 0)
		expect_ctrl(0, CONSOLE_PORT, 1);
	expect_ctrl(nr, PORT_OPEN, 1);
	ctrl_send(nr, PORT_OPEN, 1); /* the guest opens its end (hvc or /dev/vport) */
}

/* --- parsing ------------------------------------------------------------ */

static void test_parse_good(void **state)
{
	struct virtio_console_port_params p;
	char storage[128];
	struct error e;

	(void)state;
	assert_int_equal(virtio_console_parse_port("0=-", &p, storage, sizeof(storage), &e), 0);
	assert_int_equal(p.nr, 0);
	assert_null(p.path);
	assert_null(p.name);

	assert_int_equal(virtio_console_parse_port("15=/var/log/x.log,name=org.mvm-log_1", &p,
						   storage, sizeof(storage), &e),
			 0);
	assert_int_equal(p.nr, 15);
	assert_string_equal(p.path, "/var/log/x.log");
	assert_string_equal(p.name, "org.mvm-log_1");
	assert_true(p.path >= storage && p.path < storage + sizeof(storage));

	assert_int_equal(virtio_console_parse_port("02=-,name=a", &p, storage, sizeof(storage), &e),
			 0);
	assert_int_equal(p.nr, 2);
	assert_null(p.path);
	assert_string_equal(p.name, "a");

	/* A file named "-x" is a file. */
	assert_int_equal(virtio_console_parse_port("1=-x", &p, storage, sizeof(storage), &e), 0);
	assert_string_equal(p.path, "-x");

	/* Exactly enough storage. */
	assert_int_equal(virtio_console_parse_port("1=abc", &p, storage, 6, &e), 0);
	assert_string_equal(p.path, "abc");
}

static void parse_bad(const char *arg, const char *want)
{
	struct virtio_console_port_params p;
	char storage[128];
	struct error e = {{0}};

	assert_int_equal(virtio_console_parse_port(arg, &p, storage, sizeof(storage), &e), -EINVAL);
	if (!strstr(e.msg, want))
		fail_msg("'%s': message '%s' does not name '%s'", arg, e.msg, want);
}

static void test_parse_bad(void **state)
{
	struct virtio_console_port_params p;
	char storage[8];
	struct error e = {{0}};

	(void)state;
	parse_bad("", "N=FILE");
	parse_bad("3", "N=FILE");
	parse_bad("=-", "bad port number ''");
	parse_bad("x=-", "bad port number 'x'");
	parse_bad("16=-", "bad port number '16'");
	parse_bad("-1=-", "bad port number '-1'");
	parse_bad("+1=-", "bad port number '+1'");
	parse_bad("99999999999999999999=-", "bad port number '99999999999999999999'");
	parse_bad("3=", "no file");
	parse_bad("3=,name=x", "no file");
	parse_bad("3=-,name=", "bad name ''");
	parse_bad("3=-,name=a/b", "bad name 'a/b'");
	parse_bad("3=-,name=a b", "bad name 'a b'");
	parse_bad("3=-,name=0123456789012345678901234567890123456789012345678901234567890123",
		  "bad name '0123456789");
	parse_bad("3=-,name=a,name=b", "name given twice");
	parse_bad("3=-,foo=bar", "unknown option 'foo=bar'");
	parse_bad("3=-,", "unknown option ''");

	/* Storage too small: ENAMETOOLONG. */
	assert_int_equal(virtio_console_parse_port("1=abcdef", &p, storage, sizeof(storage), &e),
			 -ENAMETOOLONG);
	assert_non_null(strstr(e.msg, "1=abcdef"));
	/* 63 characters is the longest name. */
	{
		static const char arg[] =
			"3=-,name=012345678901234567890123456789012345678901234567890123456789012";
		char big[128];

		assert_int_equal(virtio_console_parse_port(arg, &p, big, sizeof(big), &e), 0);
		assert_int_equal(strlen(p.name), 63);
	}
}

/* --- creation ----------------------------------------------------------- */

static void test_create_bad(void **state)
{
	struct virtio_console_params p;
	char a[300], b[300];

	(void)state;
	p = term_params(false);
	create_fails(&p, "no ports");

	p = term_params(false);
	add_port(&p, 0, NULL, NULL);
	add_port(&p, 1, NULL, NULL);
	add_port(&p, 1, NULL, NULL);
	create_fails(&p, "port 1 is given twice");

	p = term_params(false);
	add_port(&p, 1, NULL, NULL);
	create_fails(&p, "no port 0");

	p = term_params(false);
	add_port(&p, 0, NULL, NULL);
	add_port(&p, 16, NULL, NULL);
	create_fails(&p, "port 16");

	p = term_params(false);
	add_port(&p, 0, NULL, "same");
	add_port(&p, 1, NULL, "same");
	create_fails(&p, "same name 'same'");

	p = term_params(false);
	add_port(&p, 0, NULL, "bad/name");
	create_fails(&p, "bad name 'bad/name'");

	path_in_dir(a, sizeof(a), "one");
	p = term_params(false);
	add_port(&p, 0, a, NULL);
	add_port(&p, 1, a, NULL);
	create_fails(&p, "write to");

	/* The same file under two names. */
	path_in_dir(b, sizeof(b), "./one");
	p = term_params(false);
	add_port(&p, 0, a, NULL);
	add_port(&p, 1, b, NULL);
	create_fails(&p, "write to one file");
	/* Nothing was left behind. */
	assert_int_equal(access(a, F_OK), -1);

	p = term_params(false);
	p.term_out_fd = -1;
	add_port(&p, 0, NULL, NULL);
	create_fails(&p, "no terminal output");

	path_in_dir(a, sizeof(a), "no-such-dir/file");
	p = term_params(false);
	add_port(&p, 0, a, NULL);
	assert_int_equal(create_fails(&p, "no-such-dir/file"), -ENOENT);
}

/*
 * VIRTIO_MAX_QUEUES limits the ports: ports 0 to N take 2 * (N + 2) queues,
 * so with 16 queues port 6 is the highest.  The message says so.
 */
static void test_create_queue_limit(void **state)
{
	struct virtio_console_params p;
	unsigned int top = VIRTIO_MAX_QUEUES / 2 - 2;

	(void)state;
	p = term_params(false);
	add_port(&p, 0, NULL, NULL);
	add_port(&p, top, NULL, NULL);
	create(&p);
	assert_int_equal(con->ops->nr_queues, 2 * (top + 2));
	assert_true(con->ops->nr_queues <= VIRTIO_MAX_QUEUES);
	virtio_console_destroy(con);
	con = NULL;

	if (top + 1 < VIRTIO_CONSOLE_MAX_PORTS) {
		p = term_params(false);
		add_port(&p, 0, NULL, NULL);
		add_port(&p, top + 1, NULL, NULL);
		create_fails(&p, "virtqueues");
	}
}

/* Existing files survive a VM that never starts; created ones disappear. */
static void test_no_clobber(void **state)
{
	struct virtio_console_params p;
	char old[300], created[300], buf[64];

	(void)state;
	path_in_dir(old, sizeof(old), "existing.log");
	path_in_dir(created, sizeof(created), "new.log");
	write_file(old, "keep me");

	p = term_params(false);
	add_port(&p, 0, old, NULL);
	add_port(&p, 1, created, NULL);
	create(&p);
	assert_int_equal(read_file(old, buf, sizeof(buf)), 7);
	assert_int_equal(read_file(created, buf, sizeof(buf)), 0);
	virtio_console_destroy(con);
	con = NULL;
	assert_int_equal(read_file(old, buf, sizeof(buf)), 7);
	assert_string_equal(buf, "keep me");
	assert_int_equal(read_file(created, buf, sizeof(buf)), -1);

	/* Now the VM starts: the existing file is truncated, the new one stays. */
	create(&p);
	assert_int_equal(con->ops->start(con), 0);
	assert_int_equal(read_file(old, buf, sizeof(buf)), 0);
	assert_int_equal(read_file(created, buf, sizeof(buf)), 0);
	virtio_console_destroy(con);
	con = NULL;
	assert_int_equal(read_file(created, buf, sizeof(buf)), 0);
}

/* --- configuration ------------------------------------------------------ */

static void test_config(void **state)
{
	struct virtio_console_params p;
	uint32_t max, word;
	uint16_t cols, rows;
	uint64_t f;

	(void)state;
	p = term_params(false);
	add_port(&p, 0, NULL, NULL);
	add_port(&p, 2, NULL, NULL);
	create(&p);
	assert_int_equal(vdrv_read32(&v, 0x008), VIRTIO_ID_CONSOLE);
	assert_int_equal(con->ops->nr_queues, 8);
	vdrv_write32(&v, 0x014, 0);
	f = vdrv_read32(&v, 0x010);
	assert_true(f & F_MULTIPORT);
	assert_true(f & F_EMERG_WRITE);
	vdrv_config_read(&v, 0, &cols, 2);
	vdrv_config_read(&v, 2, &rows, 2);
	vdrv_config_read(&v, 4, &max, 4);
	assert_int_equal(cols, 0);
	assert_int_equal(rows, 0);
	assert_int_equal(max, 3);
	vdrv_config_read(&v, 8, &word, 4);
	assert_int_equal(word, 0);
	/* Every queue is there (Linux asks for all 2 * (max_nr_ports + 1)). */
	vdrv_write32(&v, 0x030, 7);
	assert_int_equal(vdrv_read32(&v, 0x034), 128);
	vdrv_write32(&v, 0x030, 8);
	assert_int_equal(vdrv_read32(&v, 0x034), 0);
}

/* --- the control handshake ---------------------------------------------- */

static void test_handshake(void **state)
{
	struct virtio_console_params p;
	struct ctrl_msg m;
	char file[300];

	(void)state;
	path_in_dir(file, sizeof(file), "two.log");
	p = term_params(false);
	add_port(&p, 0, NULL, NULL);
	add_port(&p, 2, file, "org.mvm.two");
	create(&p);
	start(ALL_FEATURES);
	ctrl_buffers(8);
	assert_false(ctrl_recv(&m));

	ctrl_send(BAD_ID, DEVICE_READY, 1);
	expect_ctrl(0, PORT_ADD, 1);
	expect_ctrl(2, PORT_ADD, 1);
	assert_false(ctrl_recv(&m));

	ctrl_send(0, PORT_READY, 1);
	expect_ctrl(0, CONSOLE_PORT, 1);
	expect_ctrl(0, PORT_OPEN, 1);
	assert_false(ctrl_recv(&m));

	ctrl_send(2, PORT_READY, 1);
	assert_true(ctrl_recv(&m));
	assert_int_equal(m.id, 2);
	assert_int_equal(m.event, PORT_NAME);
	assert_int_equal(m.len, 8 + strlen("org.mvm.two")); /* the name, no NUL */
	assert_string_equal(m.name, "org.mvm.two");
	expect_ctrl(2, PORT_OPEN, 1);
	assert_false(ctrl_recv(&m));

	/* The guest's PORT_OPEN needs no answer; nor do unknown events and ports. */
	ctrl_send(0, PORT_OPEN, 1);
	ctrl_send(2, PORT_OPEN, 0);
	ctrl_send(2, 99, 1);
	ctrl_send(1, PORT_READY, 1);  /* port 1 is not configured */
	ctrl_send(77, PORT_READY, 1); /* nor is 77 */
	ctrl_send(2, PORT_READY, 0);  /* the guest failed to add it */
	ctrl_send(BAD_ID, DEVICE_READY, 0);
	assert_false(ctrl_recv(&m));
	assert_int_equal(vdrv_read32(&v, 0x070) & VIRTIO_STATUS_NEEDS_RESET, 0);
}

/* Messages wait for control buffers, and are delivered, in order, when they come. */
static void test_ctrl_queued(void **state)
{
	struct virtio_console_params p;
	struct ctrl_msg m;

	(void)state;
	p = term_params(false);
	add_port(&p, 0, NULL, NULL);
	add_port(&p, 1, NULL, "one");
	add_port(&p, 3, NULL, NULL);
	create(&p);
	start(ALL_FEATURES);
	ctrl_send(BAD_ID, DEVICE_READY, 1);
	ctrl_send(1, PORT_READY, 1);
	assert_false(ctrl_recv(&m));

	ctrl_buffers(2);
	expect_ctrl(0, PORT_ADD, 1);
	expect_ctrl(1, PORT_ADD, 1);
	assert_false(ctrl_recv(&m));
	ctrl_buffers(4);
	expect_ctrl(3, PORT_ADD, 1);
	assert_true(ctrl_recv(&m));
	assert_int_equal(m.event, PORT_NAME);
	assert_string_equal(m.name, "one");
	expect_ctrl(1, PORT_OPEN, 1);
	assert_false(ctrl_recv(&m));
}

/* A control message shorter than its header is a driver bug. */
static void test_ctrl_short(void **state)
{
	struct virtio_console_params p;
	uint32_t id = 0;

	(void)state;
	p = term_params(false);
	add_port(&p, 0, NULL, NULL);
	create(&p);
	start(ALL_FEATURES);
	add_tx(Q_CTRL_TX, &id, 4);
	vdrv_kick(&v, Q_CTRL_TX);
	assert_true(vdrv_read32(&v, 0x070) & VIRTIO_STATUS_NEEDS_RESET);
	/* A reset repairs it. */
	vdrv_write32(&v, 0x070, 0);
	memset(v.q, 0, sizeof(v.q));
	start(ALL_FEATURES);
}

/* --- output ------------------------------------------------------------- */

static void test_output(void **state)
{
	struct virtio_console_params p;
	char file[300], buf[128];
	uint8_t out[128];
	uint32_t id, len;
	unsigned int n;

	(void)state;
	path_in_dir(file, sizeof(file), "two.log");
	p = term_params(false);
	add_port(&p, 0, NULL, NULL);
	add_port(&p, 2, file, NULL);
	create(&p);
	assert_int_equal(con->ops->start(con), 0);
	start(ALL_FEATURES);

	/* Port 0: a two-buffer chain, an indirect one, a plain one. */
	{
		struct vdrv_buf b[2] = {{vdrv_alloc(&v, 6, 8), 6, false},
					{vdrv_alloc(&v, 5, 8), 5, false}};
		struct vdrv_buf ind[3] = {{vdrv_alloc(&v, 2, 8), 2, false},
					  {vdrv_alloc(&v, 1, 8), 1, false},
					  {vdrv_alloc(&v, 1, 8), 1, false}};

		memcpy(vdrv_ptr(&v, b[0].addr), "hello ", 6);
		memcpy(vdrv_ptr(&v, b[1].addr), "world", 5);
		memcpy(vdrv_ptr(&v, ind[0].addr), ", ", 2);
		memcpy(vdrv_ptr(&v, ind[1].addr), "i", 1);
		memcpy(vdrv_ptr(&v, ind[2].addr), "n", 1);
		vdrv_add(&v, txq(0), b, 2);
		vdrv_add_indirect(&v, txq(0), ind, 3);
		add_tx(txq(0), "direct\n", 7);
	}
	/* Port 2, to its file. */
	add_tx(txq(2), "line 1\n", 7);
	add_tx(txq(2), "line 2\n", 7);
	vdrv_kick(&v, txq(0));
	vdrv_kick(&v, txq(2));

	for (n = 0; vdrv_used(&v, txq(0), &id, &len); n++)
		assert_int_equal(len, 0);
	assert_int_equal(n, 3);
	for (n = 0; vdrv_used(&v, txq(2), &id, &len); n++)
		;
	assert_int_equal(n, 2);
	n = (unsigned int)drain_out(out, sizeof(out));
	assert_int_equal(n, 22);
	assert_memory_equal(out, "hello world, indirect\n", 22);
	assert_int_equal(read_file(file, buf, sizeof(buf)), 14);
	assert_string_equal(buf, "line 1\nline 2\n");
	assert_true(v.irqs > 0);
}

/* A full non-blocking pipe: the device waits for room, loses nothing and does not spin. */
static void test_output_full_pipe(void **state)
{
	struct virtio_console_params p;
	static uint8_t junk[4096], out[1 << 20], data[3][3000];
	size_t filled = 0, got;
	uint32_t id, len;
	unsigned int i, k, n;
	ssize_t w;

	(void)state;
	fcntl(out_pipe[1], F_SETFL, O_NONBLOCK);
	p = term_params(false);
	add_port(&p, 0, NULL, NULL);
	create(&p);
	start(ALL_FEATURES);
	while ((w = write(out_pipe[1], junk, sizeof(junk))) > 0)
		filled += (size_t)w;
	while ((w = write(out_pipe[1], junk, 1)) > 0)
		filled += (size_t)w;
	assert_true(filled > 0);

	for (i = 0; i < 3; i++) {
		for (k = 0; k < sizeof(data[i]); k++)
			data[i][k] = (uint8_t)(i * 7 + k * 13);
		add_tx(txq(0), data[i], sizeof(data[i]));
	}
	vdrv_kick(&v, txq(0)); /* returns: the device does not spin on EAGAIN */
	assert_false(vdrv_used(&v, txq(0), &id, &len));
	/* Kicks while it waits change nothing. */
	vdrv_kick(&v, txq(0));
	assert_false(vdrv_used(&v, txq(0), &id, &len));

	/* Drain the filler; the device carries on when the worker runs. */
	got = drain_out(out, filled);
	assert_int_equal(got, filled);
	vdrv_run(&v);
	for (n = 0; vdrv_used(&v, txq(0), &id, &len); n++)
		;
	assert_int_equal(n, 3);
	got = drain_out(out, sizeof(out));
	assert_int_equal(got, sizeof(data));
	assert_memory_equal(out, data, sizeof(data));
}

/* A backend that fails (no reader: EPIPE) drops its output; the guest gets its buffers back. */
static void test_output_broken(void **state)
{
	struct virtio_console_params p;
	uint32_t id, len;

	(void)state;
	p = term_params(false);
	add_port(&p, 0, NULL, NULL);
	create(&p);
	start(ALL_FEATURES);
	close(out_pipe[0]);
	out_pipe[0] = -1;
	add_tx(txq(0), "lost", 4);
	add_tx(txq(0), "also lost", 9);
	vdrv_kick(&v, txq(0));
	assert_true(vdrv_used(&v, txq(0), &id, &len));
	assert_true(vdrv_used(&v, txq(0), &id, &len));
	add_tx(txq(0), "more", 4);
	vdrv_kick(&v, txq(0));
	assert_true(vdrv_used(&v, txq(0), &id, &len));
	assert_int_equal(vdrv_read32(&v, 0x070) & VIRTIO_STATUS_NEEDS_RESET, 0);
}

/* Buffers on a port nobody configured are given back unwritten. */
static void test_output_unconfigured_port(void **state)
{
	struct virtio_console_params p;
	uint32_t id, len;
	uint8_t out[16];

	(void)state;
	p = term_params(false);
	add_port(&p, 0, NULL, NULL);
	add_port(&p, 2, NULL, NULL);
	create(&p);
	start(ALL_FEATURES);
	add_tx(txq(1), "nobody", 6);
	vdrv_kick(&v, txq(1));
	assert_true(vdrv_used(&v, txq(1), &id, &len));
	assert_int_equal(drain_out(out, sizeof(out)), 0);
}

/* --- input -------------------------------------------------------------- */

static size_t pipe_pending(int fd)
{
	int n = 0;

	assert_int_equal(ioctl(fd, FIONREAD, &n), 0);
	return (size_t)n;
}

static void term_type(const char *s, size_t len)
{
	assert_int_equal(write(in_pipe[1], s, len), (ssize_t)len);
}

/* The next buffer of port @nr's receiveq: its bytes in @buf; returns the length. */
static int rx_used(unsigned int nr, char *buf)
{
	uint32_t head, len;

	if (!vdrv_used(&v, rxq(nr), &head, &len))
		return -1;
	memcpy(buf, vdrv_ptr(&v, buf_of[rxq(nr)][head]), len);
	buf[len] = '\0';
	return (int)len;
}

static void test_input(void **state)
{
	struct virtio_console_params p;
	char buf[64];

	(void)state;
	p = term_params(false);
	add_port(&p, 0, NULL, NULL);
	create(&p);
	start(ALL_FEATURES);
	ctrl_buffers(4);
	ctrl_send(BAD_ID, DEVICE_READY, 1);
	expect_ctrl(0, PORT_ADD, 1);

	/* Typed before the guest has buffers: it stays in the terminal. */
	term_type("early", 5);
	vdrv_run(&v);
	assert_int_equal(pipe_pending(in_pipe[0]), 5);

	/* Buffers, but the guest has not opened the port yet: still nothing read. */
	add_rx(rxq(0), 4);
	vdrv_kick(&v, rxq(0));
	assert_int_equal(pipe_pending(in_pipe[0]), 5);
	assert_int_equal(rx_used(0, buf), -1);

	open_port(0);
	vdrv_run(&v);
	assert_int_equal(rx_used(0, buf), 4);
	assert_string_equal(buf, "earl");
	assert_int_equal(rx_used(0, buf), -1);
	/* The rest waits in the device for the next buffer. */
	add_rx(rxq(0), 16);
	vdrv_kick(&v, rxq(0));
	assert_int_equal(rx_used(0, buf), 1);
	assert_string_equal(buf, "y");

	add_rx(rxq(0), 16);
	vdrv_kick(&v, rxq(0));
	term_type("ls\r", 3);
	vdrv_run(&v);
	assert_int_equal(rx_used(0, buf), 3);
	assert_string_equal(buf, "ls\r");

	/* The guest closes the port: input waits again. */
	ctrl_send(0, PORT_OPEN, 0);
	add_rx(rxq(0), 16);
	vdrv_kick(&v, rxq(0));
	term_type("zz", 2);
	vdrv_run(&v);
	assert_int_equal(rx_used(0, buf), -1);
	assert_int_equal(pipe_pending(in_pipe[0]), 2);

	/* End of input: no more watching, no spinning. */
	ctrl_send(0, PORT_OPEN, 1);
	vdrv_run(&v);
	assert_int_equal(rx_used(0, buf), 2);
	close(in_pipe[1]);
	in_pipe[1] = -1;
	add_rx(rxq(0), 16);
	vdrv_kick(&v, rxq(0));
	vdrv_run(&v);
	assert_int_equal(rx_used(0, buf), -1);
	assert_int_equal(vdrv_read32(&v, 0x070) & VIRTIO_STATUS_NEEDS_RESET, 0);
}

/* A driver without multiport: port 0 alone, open from the start. */
static void test_input_output_legacy(void **state)
{
	struct virtio_console_params p;
	uint8_t out[16];
	char buf[16];

	(void)state;
	p = term_params(false);
	add_port(&p, 0, NULL, NULL);
	add_port(&p, 1, NULL, NULL);
	create(&p);
	start(F_VERSION_1 | F_INDIRECT);
	add_rx(rxq(0), 8);
	vdrv_kick(&v, rxq(0));
	term_type("hi", 2);
	vdrv_run(&v);
	assert_int_equal(rx_used(0, buf), 2);
	assert_string_equal(buf, "hi");
	add_tx(txq(0), "out", 3);
	vdrv_kick(&v, txq(0));
	assert_int_equal(drain_out(out, sizeof(out)), 3);
	/* The control queues are not in use. */
	ctrl_buffers(1);
	add_tx(Q_CTRL_TX, "x", 1);
	vdrv_kick(&v, Q_CTRL_TX);
	assert_int_equal(vdrv_read32(&v, 0x070) & VIRTIO_STATUS_NEEDS_RESET, 0);
}

/* The lowest-numbered "-" port reads the terminal; others only write to it. */
static void test_input_lowest_terminal_port(void **state)
{
	struct virtio_console_params p;
	char file[300], buf[16];

	(void)state;
	path_in_dir(file, sizeof(file), "zero.log");
	p = term_params(false);
	add_port(&p, 0, file, NULL);
	add_port(&p, 2, NULL, NULL);
	add_port(&p, 1, NULL, NULL);
	create(&p);
	start(ALL_FEATURES);
	ctrl_buffers(8);
	ctrl_send(BAD_ID, DEVICE_READY, 1);
	expect_ctrl(0, PORT_ADD, 1);
	expect_ctrl(1, PORT_ADD, 1);
	expect_ctrl(2, PORT_ADD, 1);
	open_port(1);
	open_port(2);
	add_rx(rxq(1), 8);
	add_rx(rxq(2), 8);
	add_rx(rxq(0), 8);
	vdrv_kick(&v, rxq(1));
	vdrv_kick(&v, rxq(2));
	vdrv_kick(&v, rxq(0));
	term_type("abc", 3);
	vdrv_run(&v);
	assert_int_equal(rx_used(1, buf), 3);
	assert_string_equal(buf, "abc");
	assert_int_equal(rx_used(2, buf), -1);
	assert_int_equal(rx_used(0, buf), -1);
}

static void escape_run(bool escape, const char *typed, size_t n, const char *want, size_t wn)
{
	struct virtio_console_params p;
	char buf[64];

	p = term_params(escape);
	add_port(&p, 0, NULL, NULL);
	create(&p);
	start(F_VERSION_1); /* port 0 open from the start */
	add_rx(rxq(0), 32);
	vdrv_kick(&v, rxq(0));
	term_type(typed, n);
	vdrv_run(&v);
	assert_int_equal(rx_used(0, buf), (int)wn);
	assert_memory_equal(buf, want, wn);
}

static void test_escape(void **state)
{
	static const char typed[] = {'a', 'b', 1, 1, 'c', 1, 'x', 'c', 'd'};
	static const char want[] = {'a', 'b', 1, 'c'};

	(void)state;
	escape_run(true, typed, sizeof(typed), want, sizeof(want));
	assert_int_equal(exits, 1);
	assert_int_equal(exit_code, MVM_EXIT_SIGINT);
	assert_string_equal(exit_why, "console escape (Ctrl-A x)");
}

/* The escape split across two reads. */
static void test_escape_split(void **state)
{
	struct virtio_console_params p;
	char buf[64];

	(void)state;
	p = term_params(true);
	add_port(&p, 0, NULL, NULL);
	create(&p);
	start(F_VERSION_1);
	add_rx(rxq(0), 32);
	vdrv_kick(&v, rxq(0));
	term_type("q\x01", 2);
	vdrv_run(&v);
	assert_int_equal(rx_used(0, buf), 1);
	assert_string_equal(buf, "q");
	add_rx(rxq(0), 32);
	vdrv_kick(&v, rxq(0));
	term_type("X", 1);
	vdrv_run(&v);
	assert_int_equal(rx_used(0, buf), -1);
	assert_int_equal(exits, 1);
}

static void test_no_escape(void **state)
{
	(void)state;
	escape_run(false, "ab\x01xcd", 6, "ab\x01xcd", 6);
	assert_int_equal(exits, 0);
}

/* Input from a regular file (mvm < file): no epoll there, read while buffers last. */
static void test_input_regular_file(void **state)
{
	struct virtio_console_params p;
	char file[300], buf[32];
	int fd;

	(void)state;
	path_in_dir(file, sizeof(file), "typed");
	write_file(file, "0123456789abcdef");
	fd = open(file, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	p = term_params(false);
	p.term_in_fd = fd;
	add_port(&p, 0, NULL, NULL);
	create(&p);
	start(F_VERSION_1);
	add_rx(rxq(0), 10);
	vdrv_kick(&v, rxq(0));
	assert_int_equal(rx_used(0, buf), 10);
	assert_string_equal(buf, "0123456789");
	assert_int_equal(rx_used(0, buf), -1);
	add_rx(rxq(0), 10);
	add_rx(rxq(0), 10);
	vdrv_kick(&v, rxq(0));
	assert_int_equal(rx_used(0, buf), 6);
	assert_string_equal(buf, "abcdef");
	/* End of file: the second buffer stays with the device. */
	assert_int_equal(rx_used(0, buf), -1);
	virtio_console_destroy(con);
	con = NULL;
	close(fd);
}

/*
 * One socket for both directions (a terminal is often one descriptor): the
 * device waits for room to write and for input on it at the same time.
 */
static void test_socket_both_ways(void **state)
{
	struct virtio_console_params p;
	static uint8_t junk[4096], out[1 << 20];
	int sv[2];
	size_t filled = 0, got = 0;
	uint32_t id, len;
	char buf[32];
	ssize_t n;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	p = term_params(false);
	p.term_in_fd = p.term_out_fd = sv[0];
	add_port(&p, 0, NULL, NULL);
	create(&p);
	start(F_VERSION_1);
	while ((n = write(sv[0], junk, sizeof(junk))) > 0)
		filled += (size_t)n;
	while ((n = write(sv[0], junk, 1)) > 0)
		filled += (size_t)n;

	add_tx(txq(0), "after the junk", 14);
	vdrv_kick(&v, txq(0));
	assert_false(vdrv_used(&v, txq(0), &id, &len));
	add_rx(rxq(0), 16);
	vdrv_kick(&v, rxq(0));
	assert_int_equal(write(sv[1], "typed", 5), 5);
	vdrv_run(&v);
	assert_int_equal(rx_used(0, buf), 5);
	assert_string_equal(buf, "typed");
	assert_false(vdrv_used(&v, txq(0), &id, &len));

	while (got < filled && (n = read(sv[1], out, sizeof(out))) > 0)
		got += (size_t)n;
	assert_int_equal(got, filled);
	vdrv_run(&v);
	assert_true(vdrv_used(&v, txq(0), &id, &len));
	n = read(sv[1], out, sizeof(out));
	assert_int_equal(n, 14);
	assert_memory_equal(out, "after the junk", 14);
	virtio_console_destroy(con);
	con = NULL;
	close(sv[0]);
	close(sv[1]);
}

/* --- emergency write, reset --------------------------------------------- */

static void test_emergency_write(void **state)
{
	struct virtio_console_params p;
	uint8_t out[8];
	uint32_t word = 'Q';
	uint8_t c = 'Z';

	(void)state;
	p = term_params(false);
	add_port(&p, 0, NULL, NULL);
	create(&p);
	/* Before the driver is even there (an early console). */
	virtio_mmio_ops.write(con, VIRTIO_MMIO_CONFIG + 8, &c, 1);
	start(ALL_FEATURES);
	virtio_mmio_ops.write(con, VIRTIO_MMIO_CONFIG + 8, (const uint8_t *)&word, 4);
	/* Writes elsewhere in the configuration space are ignored. */
	virtio_mmio_ops.write(con, VIRTIO_MMIO_CONFIG + 0, &c, 1);
	virtio_mmio_ops.write(con, VIRTIO_MMIO_CONFIG + 4, (const uint8_t *)&word, 4);
	assert_int_equal(drain_out(out, sizeof(out)), 2);
	assert_memory_equal(out, "ZQ", 2);
}

/* A reset drops the session; the next driver starts from scratch. */
static void test_reset(void **state)
{
	struct virtio_console_params p;
	struct ctrl_msg m;
	char buf[16];

	(void)state;
	p = term_params(false);
	add_port(&p, 0, NULL, NULL);
	create(&p);
	start(ALL_FEATURES);
	ctrl_buffers(4);
	ctrl_send(BAD_ID, DEVICE_READY, 1);
	expect_ctrl(0, PORT_ADD, 1);
	open_port(0);
	add_rx(rxq(0), 8);
	vdrv_kick(&v, rxq(0));

	vdrv_write32(&v, 0x070, 0);
	term_type("after", 5);
	vdrv_run(&v); /* the stale watch fires once and is dropped */
	assert_int_equal(pipe_pending(in_pipe[0]), 5);

	memset(v.q, 0, sizeof(v.q));
	start(ALL_FEATURES);
	ctrl_buffers(4);
	assert_false(ctrl_recv(&m));
	add_rx(rxq(0), 8);
	vdrv_kick(&v, rxq(0));
	assert_int_equal(rx_used(0, buf), -1); /* not open in this session yet */
	ctrl_send(BAD_ID, DEVICE_READY, 1);
	expect_ctrl(0, PORT_ADD, 1);
	open_port(0);
	vdrv_run(&v);
	assert_int_equal(rx_used(0, buf), 5);
	assert_string_equal(buf, "after");
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_parse_good),
		T(test_parse_bad),
		T(test_create_bad),
		T(test_create_queue_limit),
		T(test_no_clobber),
		T(test_config),
		T(test_handshake),
		T(test_ctrl_queued),
		T(test_ctrl_short),
		T(test_output),
		T(test_output_full_pipe),
		T(test_output_broken),
		T(test_output_unconfigured_port),
		T(test_input),
		T(test_input_output_legacy),
		T(test_input_lowest_terminal_port),
		T(test_escape),
		T(test_escape_split),
		T(test_no_escape),
		T(test_input_regular_file),
		T(test_socket_both_ways),
		T(test_emergency_write),
		T(test_reset),
	};

	/* A closed pipe must give EPIPE, not kill the test (mvm ignores SIGPIPE too). */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
