/*
 * test_virtio_blk.c - virtio-blk (vmm/devices/virtio/blk.c) driven by the
 * fake driver in vdrv.c: the --disk argument parser, the checks made when
 * the device is created (file type, size, locks, permissions), the
 * features and configuration space, and every request type, with images
 * in a temporary directory that is removed at the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/unit/vdrv.h"
#include "vmm/devices/virtio/devices.h"

#define ALL_FEATURES UINT64_MAX
#define F(bit) (1ULL << (bit))

/* From the virtio 1.x spec, 5.2. */
#define BLK_F_SEG_MAX 2
#define BLK_F_RO 5
#define BLK_F_BLK_SIZE 6
#define BLK_F_FLUSH 9
#define BLK_F_DISCARD 13
#define BLK_F_WRITE_ZEROES 14

#define T_IN 0
#define T_OUT 1
#define T_FLUSH 4
#define T_GET_ID 8
#define T_DISCARD 11
#define T_WRITE_ZEROES 13

#define S_OK 0
#define S_IOERR 1
#define S_UNSUPP 2

#define SEG_UNMAP 1

#define IMG_SECTORS 64 /* 32 KiB images unless a test wants otherwise */

static char tmpdir[256];
static struct vdrv v;
static struct virtio_device *dev;

/* ---- Fixtures ----------------------------------------------------------- */

static int group_setup(void **state)
{
	const char *base = getenv("TMPDIR");

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/mvm-test-blk-XXXXXX", base && *base ? base : "/tmp");
	return mkdtemp(tmpdir) ? 0 : -1;
}

/* Remove the temporary directory and everything in it (one level, plus subdirectories). */
static void remove_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *ent;
	char path[PATH_MAX];

	if (!d)
		return;
	while ((ent = readdir(d))) {
		struct stat st;

		if (!strcmp(ent->d_name, ".") || !strcmp(ent->d_name, ".."))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, ent->d_name) >= (int)sizeof(path))
			continue;
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
			remove_tree(path);
		else
			unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

static int group_teardown(void **state)
{
	(void)state;
	remove_tree(tmpdir);
	return 0;
}

static int setup(void **state)
{
	(void)state;
	vdrv_init(&v);
	dev = NULL;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	virtio_blk_destroy(dev);
	dev = NULL;
	vdrv_free(&v);
	return 0;
}

/* Path of @name in the temporary directory (a static buffer per call site is enough). */
static const char *tmp_path(char *buf, size_t len, const char *name)
{
	int n = snprintf(buf, len, "%s/%s", tmpdir, name);

	assert_true(n > 0 && (size_t)n < len);
	return buf;
}

/* The byte at @off of the test pattern an image starts with. */
static uint8_t pattern(uint64_t off)
{
	return (uint8_t)(off * 7 + (off >> 9) * 13 + 1);
}

/* Make image @name of @size bytes holding the test pattern; returns its path. */
static const char *make_image(char *buf, size_t len, const char *name, size_t size)
{
	const char *path = tmp_path(buf, len, name);
	uint8_t *data = malloc(size ? size : 1);
	size_t i;
	int fd;

	assert_non_null(data);
	for (i = 0; i < size; i++)
		data[i] = pattern(i);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, size), (ssize_t)size);
	close(fd);
	free(data);
	return path;
}

/* Read @len bytes at @off of the file at @path, from the host side. */
static void file_read(const char *path, uint64_t off, void *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, buf, len, (off_t)off), (ssize_t)len);
	close(fd);
}

/* Create the device on @path and start it with the fake driver. */
static void start_disk(const char *path, bool ro, const char *id)
{
	struct virtio_blk_params p = {.path = path, .read_only = ro, .id = id};
	struct error e = {{0}};
	uint32_t st;

	assert_int_equal(virtio_blk_create(&dev, &v.mem, vdrv_irq(&v), &p, &e), 0);
	st = vdrv_start(&v, dev, ALL_FEATURES, 0);
	assert_int_equal(st, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
				 VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
}

/* Guest memory holding a request header. */
static uint64_t header(uint32_t type, uint64_t sector)
{
	uint64_t gpa = vdrv_alloc(&v, 16, 8);
	uint8_t *h = vdrv_ptr(&v, gpa);

	memcpy(h, &type, 4);
	memset(h + 4, 0, 4);
	memcpy(h + 8, &sector, 8);
	return gpa;
}

/*
 * Publish @n buffers as one chain (through an indirect table if @indirect),
 * kick, and take the used entry: check it names the chain, return its length.
 */
static uint32_t submit(const struct vdrv_buf *bufs, unsigned int n, bool indirect)
{
	uint32_t id, len;
	uint16_t head;

	head = indirect ? vdrv_add_indirect(&v, 0, bufs, n) : vdrv_add(&v, 0, bufs, n);
	vdrv_kick(&v, 0);
	assert_true(vdrv_used(&v, 0, &id, &len));
	assert_int_equal(id, head);
	return len;
}

/*
 * One request: header, one data buffer of @len bytes at @data (writable
 * for IN and GET_ID), then a separate status byte.  Returns the status;
 * the used length goes to @used if not NULL.
 */
static uint8_t request(uint32_t type, uint64_t sector, uint64_t data, uint32_t len, uint32_t *used)
{
	bool wr = type == T_IN || type == T_GET_ID;
	uint64_t status = vdrv_alloc(&v, 1, 1);
	struct vdrv_buf b[3];
	unsigned int n = 0;
	uint32_t u;

	*(uint8_t *)vdrv_ptr(&v, status) = 0xee;
	b[n++] = (struct vdrv_buf){header(type, sector), 16, false};
	if (len)
		b[n++] = (struct vdrv_buf){data, len, wr};
	b[n++] = (struct vdrv_buf){status, 1, true};
	u = submit(b, n, false);
	if (used)
		*used = u;
	return *(uint8_t *)vdrv_ptr(&v, status);
}

/* Discard / write-zeroes segments in guest memory. */
struct seg {
	uint64_t sector;
	uint32_t num_sectors;
	uint32_t flags;
};

static uint64_t segments(const struct seg *s, unsigned int n)
{
	uint64_t gpa = vdrv_alloc(&v, 16u * n, 8);
	uint8_t *p = vdrv_ptr(&v, gpa);
	unsigned int k;

	for (k = 0; k < n; k++) {
		memcpy(p + 16 * k, &s[k].sector, 8);
		memcpy(p + 16 * k + 8, &s[k].num_sectors, 4);
		memcpy(p + 16 * k + 12, &s[k].flags, 4);
	}
	return gpa;
}

static bool all_zero(const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

static uint64_t device_features(void)
{
	uint64_t f;

	vdrv_write32(&v, 0x014, 0);
	f = vdrv_read32(&v, 0x010);
	vdrv_write32(&v, 0x014, 1);
	return f | (uint64_t)vdrv_read32(&v, 0x010) << 32;
}

static uint32_t config32(uint32_t off)
{
	uint32_t x;

	vdrv_config_read(&v, off, &x, 4);
	return x;
}

/* ---- Parsing ------------------------------------------------------------ */

static void test_parse_good(void **state)
{
	struct virtio_blk_params p;
	struct error e;
	char st[128];

	(void)state;
	assert_int_equal(virtio_blk_parse("disk.img", &p, st, sizeof(st), &e), 0);
	assert_string_equal(p.path, "disk.img");
	assert_false(p.read_only);
	assert_null(p.id);

	assert_int_equal(virtio_blk_parse("/a/b c.img,ro", &p, st, sizeof(st), &e), 0);
	assert_string_equal(p.path, "/a/b c.img");
	assert_true(p.read_only);
	assert_null(p.id);

	assert_int_equal(virtio_blk_parse("x.img,id=disk-1.a_B,ro", &p, st, sizeof(st), &e), 0);
	assert_string_equal(p.path, "x.img");
	assert_true(p.read_only);
	assert_string_equal(p.id, "disk-1.a_B");

	assert_int_equal(
	    virtio_blk_parse("x.img,ro,id=12345678901234567890", &p, st, sizeof(st), &e), 0);
	assert_string_equal(p.id, "12345678901234567890");

	/* Exactly as long as the storage allows. */
	assert_int_equal(virtio_blk_parse("abc,ro", &p, st, 7, &e), 0);
	assert_string_equal(p.path, "abc");
}

/* @arg is refused with -EINVAL and a message holding @what. */
static void parse_fails(const char *arg, const char *what)
{
	struct virtio_blk_params p;
	struct error e = {{0}};
	char st[128];

	assert_int_equal(virtio_blk_parse(arg, &p, st, sizeof(st), &e), -EINVAL);
	if (!strstr(e.msg, what))
		fail_msg("'%s': message '%s' does not mention '%s'", arg, e.msg, what);
}

static void test_parse_bad(void **state)
{
	(void)state;
	parse_fails("", "no image path");
	parse_fails(",ro", "no image path");
	parse_fails("x.img,rw", "unknown option 'rw'");
	parse_fails("x.img,RO", "unknown option 'RO'");
	parse_fails("my,disk.img", "cannot contain a comma");
	parse_fails("x.img,ro,ro", "'ro' given twice");
	parse_fails("x.img,id=a,id=b", "'id' given twice");
	parse_fails("x.img,id=", "empty id");
	parse_fails("x.img,id", "id=NAME");
	parse_fails("x.img,id=123456789012345678901", "21 bytes long, at most 20");
	parse_fails("x.img,id=a b", "character ' '");
	parse_fails("x.img,id=a/b", "character '/'");
	parse_fails("x.img,id=a\tb", "byte 0x09");
	parse_fails("x.img,,ro", "empty option");
	parse_fails("x.img,", "empty option");
}

static void test_parse_storage_too_small(void **state)
{
	struct virtio_blk_params p;
	struct error e = {{0}};
	char st[8];

	(void)state;
	assert_int_equal(virtio_blk_parse("abcd.img", &p, st, sizeof(st), &e), -ENAMETOOLONG);
	assert_non_null(strstr(e.msg, "too long"));
	assert_int_equal(virtio_blk_parse("a", &p, NULL, 0, &e), -ENAMETOOLONG);
}

/* ---- Creation ----------------------------------------------------------- */

/* Creating a disk on @path fails with @err and a message holding @what. */
static void create_fails(const char *path, bool ro, int err, const char *what)
{
	struct virtio_blk_params p = {.path = path, .read_only = ro};
	struct virtio_device *d = NULL;
	struct error e = {{0}};

	assert_int_equal(virtio_blk_create(&d, &v.mem, vdrv_irq(&v), &p, &e), err);
	assert_null(d);
	if (!strstr(e.msg, what))
		fail_msg("'%s': message '%s' does not mention '%s'", path, e.msg, what);
	if (!strstr(e.msg, path))
		fail_msg("message '%s' does not name '%s'", e.msg, path);
}

static void test_create_missing(void **state)
{
	char buf[PATH_MAX];

	(void)state;
	create_fails(tmp_path(buf, sizeof(buf), "nonexistent.img"), false, -ENOENT, "No such file");
	create_fails(buf, true, -ENOENT, "No such file");
}

static void test_create_directory(void **state)
{
	(void)state;
	create_fails(tmpdir, false, -EISDIR, "directory");
	create_fails(tmpdir, true, -EISDIR, "directory");
}

static void test_create_not_a_file(void **state)
{
	char buf[PATH_MAX];

	(void)state;
	create_fails("/dev/null", true, -EINVAL, "not a regular file or block device");
	/* A FIFO must be refused, not hang the open. */
	assert_int_equal(mkfifo(tmp_path(buf, sizeof(buf), "fifo"), 0600), 0);
	create_fails(buf, true, -EINVAL, "not a regular file or block device");
	create_fails(buf, false, -EINVAL, "not a regular file or block device");
}

static void test_create_bad_size(void **state)
{
	char buf[PATH_MAX];

	(void)state;
	create_fails(make_image(buf, sizeof(buf), "odd.img", 1000), false, -EINVAL,
		     "size 1000 bytes is not a multiple of 512");
	create_fails(make_image(buf, sizeof(buf), "big-odd.img", 4096 + 1), true, -EINVAL,
		     "whole sectors");
	create_fails(make_image(buf, sizeof(buf), "empty.img", 0), false, -EINVAL, "empty");
}

static void test_create_lock(void **state)
{
	struct virtio_blk_params rw = {.path = NULL}, ro = {.path = NULL, .read_only = true};
	struct virtio_device *a = NULL, *b = NULL;
	struct error e = {{0}};
	char buf[PATH_MAX];

	(void)state;
	rw.path = ro.path = make_image(buf, sizeof(buf), "lock.img", 4096);

	/* A writer excludes everybody. */
	assert_int_equal(virtio_blk_create(&a, &v.mem, vdrv_irq(&v), &rw, &e), 0);
	create_fails(rw.path, false, -EBUSY, "is in use by another process");
	create_fails(rw.path, true, -EBUSY, "is in use by another process");
	virtio_blk_destroy(a);

	/* Readers share, and exclude a writer. */
	assert_int_equal(virtio_blk_create(&a, &v.mem, vdrv_irq(&v), &ro, &e), 0);
	assert_int_equal(virtio_blk_create(&b, &v.mem, vdrv_irq(&v), &ro, &e), 0);
	create_fails(rw.path, false, -EBUSY, "is in use by another process");
	virtio_blk_destroy(a);
	virtio_blk_destroy(b);

	/* Destroying releases the lock. */
	assert_int_equal(virtio_blk_create(&a, &v.mem, vdrv_irq(&v), &rw, &e), 0);
	virtio_blk_destroy(a);
}

static void test_create_read_only_file(void **state)
{
	struct virtio_blk_params p = {.path = NULL, .read_only = true};
	struct virtio_device *d = NULL;
	struct error e = {{0}};
	char buf[PATH_MAX];

	(void)state;
	p.path = make_image(buf, sizeof(buf), "readonly.img", 4096);
	assert_int_equal(chmod(p.path, 0444), 0);
	assert_int_equal(virtio_blk_create(&d, &v.mem, vdrv_irq(&v), &p, &e), 0);
	virtio_blk_destroy(d);
	/* root may write anything: the refusal can only be seen as another user. */
	if (geteuid() == 0)
		skip();
	create_fails(p.path, false, -EACCES, "add ,ro");
}

static void test_create_permission_denied(void **state)
{
	char buf[PATH_MAX];

	(void)state;
	/* root opens files whatever their mode: this test only means something for others. */
	if (geteuid() == 0)
		skip();
	make_image(buf, sizeof(buf), "noaccess.img", 4096);
	assert_int_equal(chmod(buf, 0), 0);
	create_fails(buf, true, -EACCES, "Permission denied");
	create_fails(buf, false, -EACCES, "Permission denied");
}

static void test_create_bad_params(void **state)
{
	struct virtio_blk_params p = {.path = NULL};
	struct virtio_device *d = NULL;
	struct error e = {{0}};
	char buf[PATH_MAX];

	(void)state;
	assert_int_equal(virtio_blk_create(&d, &v.mem, vdrv_irq(&v), &p, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "no image path"));
	p.path = make_image(buf, sizeof(buf), "params.img", 4096);
	p.id = "123456789012345678901";
	assert_int_equal(virtio_blk_create(&d, &v.mem, vdrv_irq(&v), &p, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "at most 20"));
	p.id = "";
	assert_int_equal(virtio_blk_create(&d, &v.mem, vdrv_irq(&v), &p, &e), -EINVAL);
	assert_null(d);
}

/* ---- Features and configuration space ------------------------------------ */

static void test_features_rw(void **state)
{
	char buf[PATH_MAX];
	uint64_t f;

	(void)state;
	start_disk(make_image(buf, sizeof(buf), "feat.img", IMG_SECTORS * 512), false, NULL);
	assert_int_equal(vdrv_read32(&v, 0x008), VIRTIO_ID_BLOCK);
	f = device_features();
	assert_true(f & F(BLK_F_SEG_MAX));
	assert_true(f & F(BLK_F_BLK_SIZE));
	assert_true(f & F(BLK_F_FLUSH));
	assert_true(f & F(BLK_F_DISCARD));
	assert_true(f & F(BLK_F_WRITE_ZEROES));
	assert_false(f & F(BLK_F_RO));
	assert_true(f & F(VIRTIO_F_VERSION_1));
	vdrv_write32(&v, 0x030, 0);
	assert_int_equal(vdrv_read32(&v, 0x034), 256);
	vdrv_write32(&v, 0x030, 1);
	assert_int_equal(vdrv_read32(&v, 0x034), 0); /* one queue */
}

static void test_features_ro(void **state)
{
	char buf[PATH_MAX];
	uint64_t f;

	(void)state;
	start_disk(make_image(buf, sizeof(buf), "feat-ro.img", IMG_SECTORS * 512), true, NULL);
	f = device_features();
	assert_true(f & F(BLK_F_RO));
	assert_true(f & F(BLK_F_SEG_MAX));
	assert_true(f & F(BLK_F_BLK_SIZE));
	assert_true(f & F(BLK_F_FLUSH));
	assert_false(f & F(BLK_F_DISCARD));
	assert_false(f & F(BLK_F_WRITE_ZEROES));
	assert_int_equal(config32(36), 0); /* no discard limits either */
	assert_int_equal(config32(48), 0);
}

static void test_config_layout(void **state)
{
	const uint64_t sectors = (3ULL << 20) / 512 + 5; /* > 2^12 sectors: more than one byte */
	char buf[PATH_MAX];
	uint64_t cap = 0;
	uint32_t lo, hi;
	uint16_t half;
	uint8_t byte, big[64];
	unsigned int i;

	(void)state;
	start_disk(make_image(buf, sizeof(buf), "config.img", sectors * 512), false, NULL);
	vdrv_config_read(&v, 0, &cap, 8);
	assert_int_equal(cap, sectors);
	lo = config32(0);
	hi = config32(4);
	assert_int_equal(((uint64_t)hi << 32) | lo, sectors);
	for (i = 0; i < 8; i++) {
		vdrv_config_read(&v, i, &byte, 1);
		assert_int_equal(byte, (uint8_t)(sectors >> (8 * i)));
	}
	vdrv_config_read(&v, 1, &half, 2); /* unaligned */
	assert_int_equal(half, (uint16_t)(sectors >> 8));

	assert_int_equal(config32(12), 254);	  /* seg_max: header + 254 + status = 256 */
	assert_int_equal(config32(20), 512);	  /* blk_size */
	assert_int_equal(config32(36), 1u << 22); /* max_discard_sectors */
	assert_int_equal(config32(40), 32);	  /* max_discard_seg */
	assert_int_equal(config32(44), 8);	  /* discard_sector_alignment */
	assert_int_equal(config32(48), 1u << 22); /* max_write_zeroes_sectors */
	assert_int_equal(config32(52), 32);	  /* max_write_zeroes_seg */
	vdrv_config_read(&v, 56, &byte, 1);
	assert_int_equal(byte, 1); /* write_zeroes_may_unmap */
	vdrv_config_read(&v, 57, &byte, 1);
	assert_int_equal(byte, 0);	   /* padding */
	assert_int_equal(config32(8), 0);  /* size_max: not offered */
	assert_int_equal(config32(16), 0); /* geometry: not offered */

	/* The whole space in one go, and a read past its end (zeros, no crash). */
	memset(big, 0xff, sizeof(big));
	vdrv_config_read(&v, 0, big, 8);
	assert_memory_equal(big, &cap, 8);
	vdrv_config_read(&v, 56, big, 8);
	assert_true(all_zero(big, 8));
}

/* ---- Requests ----------------------------------------------------------- */

static void test_write_read_direct(void **state)
{
	char buf[PATH_MAX];
	const char *path;
	uint64_t data = 0, in = 0;
	uint8_t file[1024], *p;
	uint32_t used;
	unsigned int i;

	(void)state;
	path = make_image(buf, sizeof(buf), "rw.img", IMG_SECTORS * 512);
	start_disk(path, false, NULL);
	data = vdrv_alloc(&v, 1024, 8);
	p = vdrv_ptr(&v, data);
	for (i = 0; i < 1024; i++)
		p[i] = (uint8_t)(i ^ 0xa5);
	assert_int_equal(request(T_OUT, 10, data, 1024, &used), S_OK);
	assert_int_equal(used, 1); /* only the status byte was written */
	file_read(path, 10 * 512, file, 1024);
	assert_memory_equal(file, p, 1024);

	in = vdrv_alloc(&v, 1024, 8);
	assert_int_equal(request(T_IN, 10, in, 1024, &used), S_OK);
	assert_int_equal(used, 1024 + 1);
	assert_memory_equal(vdrv_ptr(&v, in), p, 1024);

	/* The untouched neighbours still hold the original pattern. */
	assert_int_equal(request(T_IN, 9, in, 512, NULL), S_OK);
	for (i = 0; i < 512; i++)
		assert_int_equal(((uint8_t *)vdrv_ptr(&v, in))[i], pattern(9 * 512 + i));
	/* The last sector can be read. */
	assert_int_equal(request(T_IN, IMG_SECTORS - 1, in, 512, NULL), S_OK);
	assert_int_equal(((uint8_t *)vdrv_ptr(&v, in))[511], pattern(IMG_SECTORS * 512 - 1));
}

/*
 * Data split across buffers of odd sizes that add up to whole sectors;
 * the header split too; direct and indirect chains.
 */
static void test_write_read_split(void **state)
{
	static const uint32_t sizes[] = {1, 100, 411, 512, 3, 509}; /* 1536 = 3 sectors */
	struct vdrv_buf b[12];
	char buf[PATH_MAX];
	const char *path;
	uint8_t expect[1536], file[1536];
	uint64_t hdr, status;
	unsigned int n, k, i, pass;
	size_t off;

	(void)state;
	path = make_image(buf, sizeof(buf), "split.img", IMG_SECTORS * 512);
	start_disk(path, false, NULL);
	for (pass = 0; pass < 2; pass++) {
		bool indirect = pass == 1;
		uint64_t sector = indirect ? 20 : 3;
		uint32_t type = T_OUT, used;

		/* Write: header in two pieces, six data pieces, a status byte. */
		hdr = header(type, sector);
		n = 0;
		b[n++] = (struct vdrv_buf){hdr, 5, false};
		b[n++] = (struct vdrv_buf){hdr + 5, 11, false};
		for (k = 0, off = 0; k < 6; k++) {
			uint64_t gpa = vdrv_alloc(&v, sizes[k], 1);
			uint8_t *p = vdrv_ptr(&v, gpa);

			for (i = 0; i < sizes[k]; i++, off++)
				p[i] = expect[off] = (uint8_t)(off * 31 + pass);
			b[n++] = (struct vdrv_buf){gpa, sizes[k], false};
		}
		status = vdrv_alloc(&v, 1, 1);
		b[n++] = (struct vdrv_buf){status, 1, true};
		used = submit(b, n, indirect);
		assert_int_equal(*(uint8_t *)vdrv_ptr(&v, status), S_OK);
		assert_int_equal(used, 1);
		file_read(path, sector * 512, file, sizeof(file));
		assert_memory_equal(file, expect, sizeof(file));

		/* Read it back into other odd pieces; the status shares the last one. */
		hdr = header(T_IN, sector);
		n = 0;
		b[n++] = (struct vdrv_buf){hdr, 16, false};
		for (k = 0; k < 6; k++) {
			uint32_t len = sizes[5 - k] + (k == 5); /* + the status byte */

			b[n++] = (struct vdrv_buf){vdrv_alloc(&v, len, 1), len, true};
		}
		used = submit(b, n, indirect);
		assert_int_equal(used, 1536 + 1);
		for (k = 1, off = 0; k < n; k++) {
			uint32_t len = b[k].len - (k == n - 1);

			assert_memory_equal(vdrv_ptr(&v, b[k].addr), expect + off, len);
			off += len;
		}
		assert_int_equal(*(uint8_t *)vdrv_ptr(&v, b[n - 1].addr + b[n - 1].len - 1), S_OK);
	}
}

static void test_read_past_end(void **state)
{
	char buf[PATH_MAX];
	uint64_t in;
	uint32_t used;

	(void)state;
	start_disk(make_image(buf, sizeof(buf), "end.img", IMG_SECTORS * 512), false, NULL);
	in = vdrv_alloc(&v, 1024, 8);
	memset(vdrv_ptr(&v, in), 0x77, 1024);
	/* Starts inside, ends one sector past the end. */
	assert_int_equal(request(T_IN, IMG_SECTORS - 1, in, 1024, &used), S_IOERR);
	assert_int_equal(used, 1);
	assert_int_equal(((uint8_t *)vdrv_ptr(&v, in))[0], 0x77); /* nothing read */
	assert_int_equal(request(T_IN, IMG_SECTORS, in, 512, NULL), S_IOERR);
	assert_int_equal(request(T_OUT, IMG_SECTORS - 1, in, 1024, NULL), S_IOERR);
	/* A zero-length read at the very end is in range. */
	assert_int_equal(request(T_IN, IMG_SECTORS, 0, 0, &used), S_OK);
	assert_int_equal(used, 1);
}

static void test_sector_overflow(void **state)
{
	char buf[PATH_MAX];
	uint64_t in;

	(void)state;
	start_disk(make_image(buf, sizeof(buf), "overflow.img", IMG_SECTORS * 512), false, NULL);
	in = vdrv_alloc(&v, 1024, 8);
	assert_int_equal(request(T_IN, UINT64_MAX, in, 1024, NULL), S_IOERR);
	assert_int_equal(request(T_IN, UINT64_MAX - 1, in, 1024, NULL), S_IOERR);
	assert_int_equal(request(T_OUT, UINT64_MAX, in, 512, NULL), S_IOERR);
	/* sector * 512 wraps to a small offset: still refused. */
	assert_int_equal(request(T_IN, 1ULL << 55, in, 512, NULL), S_IOERR);
	assert_int_equal(request(T_OUT, (1ULL << 55) + 1, in, 512, NULL), S_IOERR);
}

static void test_len_not_sectors(void **state)
{
	char buf[PATH_MAX];
	const char *path;
	uint8_t before[1024], after[1024];
	uint64_t data;

	(void)state;
	path = make_image(buf, sizeof(buf), "partial.img", IMG_SECTORS * 512);
	start_disk(path, false, NULL);
	data = vdrv_alloc(&v, 1024, 8);
	memset(vdrv_ptr(&v, data), 0x11, 1024);
	file_read(path, 0, before, sizeof(before));
	assert_int_equal(request(T_IN, 0, data, 511, NULL), S_IOERR);
	assert_int_equal(request(T_IN, 0, data, 513, NULL), S_IOERR);
	assert_int_equal(request(T_OUT, 0, data, 100, NULL), S_IOERR);
	assert_int_equal(request(T_OUT, 0, data, 1023, NULL), S_IOERR);
	file_read(path, 0, after, sizeof(after));
	assert_memory_equal(before, after, sizeof(before));
}

static void test_write_read_only(void **state)
{
	char buf[PATH_MAX];
	const char *path;
	uint8_t before[IMG_SECTORS * 512], after[IMG_SECTORS * 512];
	struct seg s = {0, 8, 0};
	uint64_t data;

	(void)state;
	path = make_image(buf, sizeof(buf), "ro.img", IMG_SECTORS * 512);
	start_disk(path, true, NULL);
	file_read(path, 0, before, sizeof(before));
	data = vdrv_alloc(&v, 4096, 8);
	memset(vdrv_ptr(&v, data), 0x99, 4096);
	assert_int_equal(request(T_OUT, 0, data, 4096, NULL), S_IOERR);
	assert_int_equal(request(T_DISCARD, 0, segments(&s, 1), 16, NULL), S_IOERR);
	assert_int_equal(request(T_WRITE_ZEROES, 0, segments(&s, 1), 16, NULL), S_IOERR);
	s.flags = SEG_UNMAP;
	assert_int_equal(request(T_WRITE_ZEROES, 0, segments(&s, 1), 16, NULL), S_IOERR);
	file_read(path, 0, after, sizeof(after));
	assert_memory_equal(before, after, sizeof(before));
	/* Reads and flushes work. */
	assert_int_equal(request(T_IN, 0, data, 4096, NULL), S_OK);
	assert_memory_equal(vdrv_ptr(&v, data), before, 4096);
	assert_int_equal(request(T_FLUSH, 0, 0, 0, NULL), S_OK);
}

static void test_flush(void **state)
{
	char buf[PATH_MAX];
	uint64_t data;
	uint32_t used;

	(void)state;
	start_disk(make_image(buf, sizeof(buf), "flush.img", IMG_SECTORS * 512), false, NULL);
	data = vdrv_alloc(&v, 512, 8);
	assert_int_equal(request(T_OUT, 0, data, 512, NULL), S_OK);
	assert_int_equal(request(T_FLUSH, 0, 0, 0, &used), S_OK);
	assert_int_equal(used, 1);
}

/* GET_ID into a 20-byte buffer; the bytes the guest got. */
static void get_id(uint8_t out[20], uint32_t *used)
{
	uint64_t data = vdrv_alloc(&v, 20, 1);

	memset(vdrv_ptr(&v, data), 0xcc, 20);
	assert_int_equal(request(T_GET_ID, 0, data, 20, used), S_OK);
	memcpy(out, vdrv_ptr(&v, data), 20);
}

static void test_get_id_full(void **state)
{
	char buf[PATH_MAX];
	uint8_t id[20];
	uint32_t used;

	(void)state;
	start_disk(make_image(buf, sizeof(buf), "id20.img", 4096), false, "ABCDEFGHIJ0123456789");
	get_id(id, &used);
	assert_memory_equal(id, "ABCDEFGHIJ0123456789", 20); /* no terminator */
	assert_int_equal(used, 21);
}

static void test_get_id_short(void **state)
{
	char buf[PATH_MAX];
	uint8_t id[20], expect[20] = "bench";
	uint32_t used;

	(void)state;
	start_disk(make_image(buf, sizeof(buf), "id5.img", 4096), true, "bench");
	get_id(id, &used);
	assert_memory_equal(id, expect, 20); /* NUL-padded */
	assert_int_equal(used, 21);
}

static void test_get_id_none(void **state)
{
	char buf[PATH_MAX];
	uint8_t id[20], zero[20] = {0};
	uint64_t small;

	(void)state;
	start_disk(make_image(buf, sizeof(buf), "id0.img", 4096), false, NULL);
	get_id(id, NULL);
	assert_memory_equal(id, zero, 20);
	/* A smaller buffer gets what fits, and nothing past it. */
	small = vdrv_alloc(&v, 9, 1);
	memset(vdrv_ptr(&v, small), 0xcc, 9);
	assert_int_equal(request(T_GET_ID, 0, small, 8, NULL), S_OK);
	assert_true(all_zero(vdrv_ptr(&v, small), 8));
	assert_int_equal(((uint8_t *)vdrv_ptr(&v, small))[8], 0xcc);
}

static void test_discard(void **state)
{
	struct seg s[2] = {{8, 8, 0}, {32, 9, 0}};
	char buf[PATH_MAX];
	const char *path;
	uint8_t file[9 * 512];
	uint64_t in;
	uint32_t used;
	unsigned int i;

	(void)state;
	path = make_image(buf, sizeof(buf), "discard.img", IMG_SECTORS * 512);
	start_disk(path, false, NULL);
	assert_int_equal(request(T_DISCARD, 0, segments(s, 2), 32, &used), S_OK);
	assert_int_equal(used, 1);
	/* This host punches holes: the ranges read back as zeros, in the guest and in the file. */
	in = vdrv_alloc(&v, 9 * 512, 8);
	assert_int_equal(request(T_IN, 8, in, 8 * 512, NULL), S_OK);
	assert_true(all_zero(vdrv_ptr(&v, in), 8 * 512));
	assert_int_equal(request(T_IN, 32, in, 9 * 512, NULL), S_OK);
	assert_true(all_zero(vdrv_ptr(&v, in), 9 * 512));
	file_read(path, 8 * 512, file, 8 * 512);
	assert_true(all_zero(file, 8 * 512));
	file_read(path, 32 * 512, file, 9 * 512);
	assert_true(all_zero(file, 9 * 512));
	/* The neighbours are intact, and the size is the same. */
	file_read(path, 7 * 512, file, 512);
	for (i = 0; i < 512; i++)
		assert_int_equal(file[i], pattern(7 * 512 + i));
	file_read(path, 41 * 512, file, 512);
	for (i = 0; i < 512; i++)
		assert_int_equal(file[i], pattern(41 * 512 + i));
	{
		struct stat st;

		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_size, IMG_SECTORS * 512);
	}
	/* A zero-sector segment is fine. */
	s[0] = (struct seg){0, 0, 0};
	assert_int_equal(request(T_DISCARD, 0, segments(s, 1), 16, NULL), S_OK);
}

static void test_discard_bad(void **state)
{
	struct seg s[33];
	char buf[PATH_MAX];
	const char *path;
	uint8_t before[IMG_SECTORS * 512], after[IMG_SECTORS * 512];
	unsigned int k;

	(void)state;
	path = make_image(buf, sizeof(buf), "discard-bad.img", IMG_SECTORS * 512);
	start_disk(path, false, NULL);
	file_read(path, 0, before, sizeof(before));
	/* The unmap flag is for write-zeroes only; unknown flags are unsupported. */
	s[0] = (struct seg){0, 8, SEG_UNMAP};
	assert_int_equal(request(T_DISCARD, 0, segments(s, 1), 16, NULL), S_UNSUPP);
	s[0] = (struct seg){0, 8, 2};
	assert_int_equal(request(T_DISCARD, 0, segments(s, 1), 16, NULL), S_UNSUPP);
	assert_int_equal(request(T_WRITE_ZEROES, 0, segments(s, 1), 16, NULL), S_UNSUPP);
	/* Out of range, even in the second segment: nothing is done. */
	s[0] = (struct seg){0, 8, 0};
	s[1] = (struct seg){IMG_SECTORS - 4, 5, 0};
	assert_int_equal(request(T_DISCARD, 0, segments(s, 2), 32, NULL), S_IOERR);
	s[1] = (struct seg){UINT64_MAX, 2, 0};
	assert_int_equal(request(T_WRITE_ZEROES, 0, segments(s, 2), 32, NULL), S_IOERR);
	/* Longer than max_discard_sectors. */
	s[0] = (struct seg){0, (1u << 22) + 1, 0};
	assert_int_equal(request(T_DISCARD, 0, segments(s, 1), 16, NULL), S_IOERR);
	/* More segments than max_discard_seg. */
	for (k = 0; k < 33; k++)
		s[k] = (struct seg){k, 1, 0};
	assert_int_equal(request(T_DISCARD, 0, segments(s, 33), 33 * 16, NULL), S_IOERR);
	assert_int_equal(request(T_WRITE_ZEROES, 0, segments(s, 33), 33 * 16, NULL), S_IOERR);
	/* No segment, or a partial one. */
	assert_int_equal(request(T_DISCARD, 0, 0, 0, NULL), S_IOERR);
	assert_int_equal(request(T_DISCARD, 0, segments(s, 2), 24, NULL), S_IOERR);
	file_read(path, 0, after, sizeof(after));
	assert_memory_equal(before, after, sizeof(before));
	/* 32 segments is the limit, and fine. */
	assert_int_equal(request(T_DISCARD, 0, segments(s, 32), 32 * 16, NULL), S_OK);
}

static void test_write_zeroes(void **state)
{
	struct seg s[2] = {{1, 3, 0}, {16, 16, SEG_UNMAP}};
	char buf[PATH_MAX];
	const char *path;
	uint8_t file[16 * 512];
	uint64_t in;
	unsigned int i;

	(void)state;
	path = make_image(buf, sizeof(buf), "zeroes.img", IMG_SECTORS * 512);
	start_disk(path, false, NULL);
	assert_int_equal(request(T_WRITE_ZEROES, 0, segments(s, 2), 32, NULL), S_OK);
	in = vdrv_alloc(&v, 16 * 512, 8);
	assert_int_equal(request(T_IN, 1, in, 3 * 512, NULL), S_OK);
	assert_true(all_zero(vdrv_ptr(&v, in), 3 * 512));
	assert_int_equal(request(T_IN, 16, in, 16 * 512, NULL), S_OK);
	assert_true(all_zero(vdrv_ptr(&v, in), 16 * 512));
	file_read(path, 512, file, 3 * 512);
	assert_true(all_zero(file, 3 * 512));
	file_read(path, 16 * 512, file, 16 * 512);
	assert_true(all_zero(file, 16 * 512));
	file_read(path, 0, file, 512);
	for (i = 0; i < 512; i++)
		assert_int_equal(file[i], pattern(i));
	file_read(path, 4 * 512, file, 512);
	for (i = 0; i < 512; i++)
		assert_int_equal(file[i], pattern(4 * 512 + i));
	/* The whole disk, in one segment. */
	s[0] = (struct seg){0, IMG_SECTORS, 0};
	assert_int_equal(request(T_WRITE_ZEROES, 0, segments(s, 1), 16, NULL), S_OK);
	for (i = 0; i < IMG_SECTORS; i += 16) {
		file_read(path, i * 512, file, sizeof(file));
		assert_true(all_zero(file, sizeof(file)));
	}
}

/*
 * On tmpfs (a memfd here), FALLOC_FL_ZERO_RANGE is not supported: write
 * zeroes without unmap falls back to writing zeros, in several chunks for
 * a range larger than one write.
 */
static void test_write_zeroes_fallback(void **state)
{
	const uint64_t sectors = 8192, first = 100, count = 3001; /* 1.5 MB of zeros */
	struct seg s = {first, (uint32_t)count, 0};
	char path[64];
	uint8_t *img, *back;
	uint64_t i;
	int fd;

	(void)state;
	fd = memfd_create("test-blk", MFD_CLOEXEC);
	assert_true(fd >= 0);
	img = malloc(sectors * 512);
	back = malloc(sectors * 512);
	assert_non_null(img);
	assert_non_null(back);
	for (i = 0; i < sectors * 512; i++)
		img[i] = pattern(i);
	assert_int_equal(pwrite(fd, img, sectors * 512, 0), (ssize_t)(sectors * 512));
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	start_disk(path, false, NULL);
	assert_int_equal(request(T_WRITE_ZEROES, 0, segments(&s, 1), 16, NULL), S_OK);
	memset(img + first * 512, 0, count * 512);
	/* Again, now that the device knows ZERO_RANGE is unsupported, at the very end. */
	s = (struct seg){sectors - 3, 3, 0};
	assert_int_equal(request(T_WRITE_ZEROES, 0, segments(&s, 1), 16, NULL), S_OK);
	memset(img + (sectors - 3) * 512, 0, 3 * 512);
	assert_int_equal(pread(fd, back, sectors * 512, 0), (ssize_t)(sectors * 512));
	assert_memory_equal(back, img, sectors * 512);
	virtio_blk_destroy(dev);
	dev = NULL;
	close(fd);
	free(img);
	free(back);
}

/* A host I/O error (here: the image shrank under the device) is IOERR. */
static void test_io_error(void **state)
{
	char buf[PATH_MAX];
	const char *path;
	uint64_t in;
	uint32_t used;

	(void)state;
	path = make_image(buf, sizeof(buf), "shrink.img", IMG_SECTORS * 512);
	start_disk(path, false, NULL);
	assert_int_equal(truncate(path, 5 * 512), 0);
	in = vdrv_alloc(&v, 1024, 8);
	/* The first sector is still there, the second is not. */
	assert_int_equal(request(T_IN, 4, in, 1024, &used), S_IOERR);
	assert_int_equal(used, 512 + 1);
	assert_int_equal(((uint8_t *)vdrv_ptr(&v, in))[0], pattern(4 * 512));
	assert_int_equal(request(T_IN, 10, in, 512, &used), S_IOERR);
	assert_int_equal(used, 1);
	/* Reads inside what is left still work. */
	assert_int_equal(request(T_IN, 0, in, 1024, NULL), S_OK);
}

static void test_unknown_type(void **state)
{
	static const uint32_t types[] = {2, 3, 5, 10, 14, 15, 16, 0x80000000, UINT32_MAX};
	char buf[PATH_MAX];
	uint64_t data;
	uint32_t used;
	unsigned int k;

	(void)state;
	start_disk(make_image(buf, sizeof(buf), "unknown.img", 4096), false, NULL);
	data = vdrv_alloc(&v, 512, 8);
	for (k = 0; k < sizeof(types) / sizeof(types[0]); k++) {
		assert_int_equal(request(types[k], 0, data, 512, &used), S_UNSUPP);
		assert_int_equal(used, 1);
	}
	/* The device still works. */
	assert_int_equal(request(T_IN, 0, data, 512, NULL), S_OK);
}

/* A chain that cannot be a request: NEEDS_RESET, and no used entry. */
static void expect_broken(const struct vdrv_buf *b, unsigned int n)
{
	uint32_t id, len;

	vdrv_add(&v, 0, b, n);
	vdrv_kick(&v, 0);
	assert_true(vdrv_read32(&v, 0x070) & VIRTIO_STATUS_NEEDS_RESET);
	assert_true(vdrv_read32(&v, 0x060) & VIRTIO_INT_CONFIG);
	assert_false(vdrv_used(&v, 0, &id, &len));
}

static void test_short_header(void **state)
{
	char buf[PATH_MAX];
	struct vdrv_buf b[3];

	(void)state;
	start_disk(make_image(buf, sizeof(buf), "short.img", 4096), false, NULL);
	b[0] = (struct vdrv_buf){header(T_IN, 0), 15, false};
	b[1] = (struct vdrv_buf){vdrv_alloc(&v, 513, 1), 513, true};
	expect_broken(b, 2);
	/* A reset repairs it. */
	assert_int_equal(vdrv_start(&v, dev, ALL_FEATURES, 0) & VIRTIO_STATUS_NEEDS_RESET, 0);
	assert_int_equal(request(T_FLUSH, 0, 0, 0, NULL), S_OK);
	/* No readable part at all. */
	b[0] = (struct vdrv_buf){vdrv_alloc(&v, 16, 1), 16, true};
	expect_broken(b, 1);
}

static void test_no_status(void **state)
{
	char buf[PATH_MAX];
	struct vdrv_buf b[2];

	(void)state;
	start_disk(make_image(buf, sizeof(buf), "nostatus.img", 4096), false, NULL);
	b[0] = (struct vdrv_buf){header(T_OUT, 0), 16, false};
	b[1] = (struct vdrv_buf){vdrv_alloc(&v, 512, 1), 512, false};
	expect_broken(b, 2);
}

/* Everything available at a kick is served, with one interrupt. */
static void test_batch(void **state)
{
	char buf[PATH_MAX];
	struct vdrv_buf b[3];
	uint64_t status[8];
	uint32_t id, len;
	unsigned int k, irqs;

	(void)state;
	start_disk(make_image(buf, sizeof(buf), "batch.img", IMG_SECTORS * 512), false, NULL);
	for (k = 0; k < 8; k++) {
		status[k] = vdrv_alloc(&v, 1, 1);
		*(uint8_t *)vdrv_ptr(&v, status[k]) = 0xee;
		b[0] = (struct vdrv_buf){header(T_IN, k), 16, false};
		b[1] = (struct vdrv_buf){vdrv_alloc(&v, 512, 8), 512, true};
		b[2] = (struct vdrv_buf){status[k], 1, true};
		vdrv_add(&v, 0, b, 3);
	}
	irqs = v.irqs;
	vdrv_kick(&v, 0);
	assert_int_equal(v.irqs, irqs + 1);
	for (k = 0; k < 8; k++) {
		assert_true(vdrv_used(&v, 0, &id, &len));
		assert_int_equal(len, 513);
		assert_int_equal(*(uint8_t *)vdrv_ptr(&v, status[k]), S_OK);
	}
	assert_false(vdrv_used(&v, 0, &id, &len));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_parse_good),
	    T(test_parse_bad),
	    T(test_parse_storage_too_small),
	    T(test_create_missing),
	    T(test_create_directory),
	    T(test_create_not_a_file),
	    T(test_create_bad_size),
	    T(test_create_lock),
	    T(test_create_read_only_file),
	    T(test_create_permission_denied),
	    T(test_create_bad_params),
	    T(test_features_rw),
	    T(test_features_ro),
	    T(test_config_layout),
	    T(test_write_read_direct),
	    T(test_write_read_split),
	    T(test_read_past_end),
	    T(test_sector_overflow),
	    T(test_len_not_sectors),
	    T(test_write_read_only),
	    T(test_flush),
	    T(test_get_id_full),
	    T(test_get_id_short),
	    T(test_get_id_none),
	    T(test_discard),
	    T(test_discard_bad),
	    T(test_write_zeroes),
	    T(test_write_zeroes_fallback),
	    T(test_io_error),
	    T(test_unknown_type),
	    T(test_short_header),
	    T(test_no_status),
	    T(test_batch),
	};
#undef T

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
