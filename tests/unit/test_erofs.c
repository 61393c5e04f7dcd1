/* test_erofs.c - the EROFS reader on hand-built images (tests/unit/erofs_img.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "erofs_img.h"
#include "lib/common/le.h"
#include "lib/payload/erofs.h"

static struct eimg img;

static int setup(void **state)
{
	(void)state;
	eimg_standard(&img);
	return 0;
}

static int open_img(struct erofs *fs, struct error *e)
{
	return erofs_open(fs, img.buf, img.size, e);
}

static void test_open(void **state)
{
	struct error e = {{0}};
	struct erofs fs;

	(void)state;
	assert_int_equal(open_img(&fs, &e), 0);
	assert_int_equal(fs.blocks, 6);
	assert_int_equal(fs.size, 6 * EIMG_BLOCK);
	assert_int_equal(fs.root_nid, EIMG_NID_ROOT);
	assert_int_equal(fs.meta_off, EIMG_BLOCK);
	/* A longer buffer (a package with its footer) is fine; the reader keeps to the blocks. */
	assert_int_equal(erofs_open(&fs, img.buf, sizeof(img.buf), &e), 0);
	assert_int_equal(fs.size, 6 * EIMG_BLOCK);
}

static void expect_open_error(int want, const char *msg)
{
	struct error e = {{0}};
	struct erofs fs;

	assert_int_equal(open_img(&fs, &e), want);
	assert_non_null(strstr(e.msg, msg));
}

static void test_bad_superblocks(void **state)
{
	uint8_t *sb = img.buf + EROFS_SUPER_OFFSET;
	struct error e = {{0}};
	struct erofs fs;

	(void)state;
	assert_int_equal(erofs_open(&fs, img.buf, 4095, &e), -EINVAL);
	sb[0] ^= 1;
	expect_open_error(-EINVAL, "bad magic");
	sb[0] ^= 1;
	sb[12] = 13;
	expect_open_error(-EOPNOTSUPP, "block size 2^13");
	sb[12] = 12;
	put_le32(sb + 80, 0x4); /* chunked files */
	expect_open_error(-EOPNOTSUPP, "features 0x4");
	put_le32(sb + 80, 0x1); /* zero padding: only about compressed data, allowed */
	assert_int_equal(open_img(&fs, &e), 0);
	put_le32(sb + 80, 0);
	put_le16(sb + 86, 1);
	expect_open_error(-EOPNOTSUPP, "extra devices");
	put_le16(sb + 86, 0);
	put_le32(sb + 36, 7);
	expect_open_error(-EINVAL, "counts 7 blocks");
	put_le32(sb + 36, 0);
	expect_open_error(-EINVAL, "counts 0 blocks");
	put_le32(sb + 36, 6);
	put_le16(sb + 14, EIMG_NID_CONFIG);
	expect_open_error(-EINVAL, "root is not a directory");
	put_le16(sb + 14, 60000);
	expect_open_error(-EINVAL, "outside the image");
}

static void test_checksum(void **state)
{
	struct error e = {{0}};
	struct erofs fs;

	(void)state;
	/* The standard check value of CRC-32C, before the final inversion. */
	assert_int_equal(erofs_crc32c(~0u, (const uint8_t *)"123456789", 9), ~0xe3069283u);
	eimg_checksum(&img);
	assert_int_equal(open_img(&fs, &e), 0);
	assert_int_equal(fs.feature_compat & 1, 1);
	img.buf[EROFS_SUPER_OFFSET + 100] ^= 1; /* a byte the checksum covers */
	expect_open_error(-EINVAL, "checksum mismatch");
}

static void lookup_ok(const char *path, uint64_t nid, uint32_t type, uint64_t size)
{
	struct error e = {{0}};
	struct erofs_inode ino;
	struct erofs fs;

	assert_int_equal(open_img(&fs, &e), 0);
	assert_int_equal(erofs_lookup(&fs, path, &ino, &e), 0);
	assert_int_equal(ino.nid, nid);
	assert_int_equal(ino.mode & S_IFMT, type);
	assert_int_equal(ino.size, size);
}

static void test_lookup(void **state)
{
	struct error e = {{0}};
	struct erofs_inode ino;
	struct erofs fs;

	(void)state;
	lookup_ok("/", EIMG_NID_ROOT, S_IFDIR, 86);
	lookup_ok("", EIMG_NID_ROOT, S_IFDIR, 86);
	lookup_ok("/lib/x86_64/libdemo.so", EIMG_NID_LIBDEMO, S_IFREG, 64);
	lookup_ok("lib//x86_64/", EIMG_NID_X86_64, S_IFDIR, 49);
	lookup_ok("vm_config.json", EIMG_NID_CONFIG, S_IFREG, sizeof(EIMG_CONFIG) - 1);
	assert_int_equal(open_img(&fs, &e), 0);
	assert_int_equal(erofs_lookup(&fs, "/lib/x86_64/libnope.so", &ino, &e), -ENOENT);
	assert_non_null(strstr(e.msg, "not found"));
	assert_int_equal(erofs_lookup(&fs, "/vm_config.json/x", &ino, &e), -ENOTDIR);
	assert_int_equal(erofs_lookup(&fs, "/lib/../vm_config.json", &ino, &e), -EINVAL);
	assert_int_equal(erofs_lookup(&fs, "/lib/./x86_64", &ino, &e), -EINVAL);
	assert_int_equal(erofs_lookup(&fs, "/vm_config.jso", &ino, &e), -ENOENT);
	assert_int_equal(erofs_lookup(&fs, "/vm_config.json.", &ino, &e), -ENOENT);
}

static void read_file(const char *path, uint8_t *buf, size_t len, size_t *got)
{
	struct error e = {{0}};
	struct erofs_inode ino;
	struct erofs fs;

	assert_int_equal(open_img(&fs, &e), 0);
	assert_int_equal(erofs_lookup(&fs, path, &ino, &e), 0);
	*got = erofs_pread(&ino, buf, len, 0);
}

static void test_read(void **state)
{
	static uint8_t buf[2 * EIMG_BLOCK];
	struct error e = {{0}};
	struct erofs_inode ino;
	struct erofs fs;
	size_t got;

	(void)state;
	read_file("/vm_config.json", buf, sizeof(buf), &got);
	assert_int_equal(got, sizeof(EIMG_CONFIG) - 1);
	assert_memory_equal(buf, EIMG_CONFIG, got);

	read_file("/assets/big", buf, sizeof(buf), &got);
	assert_int_equal(got, EIMG_BIG_SIZE);
	for (size_t i = 0; i < got; i++)
		assert_int_equal(buf[i], (uint8_t)(i * 13));

	/* Flat head and inline tail read as one file. */
	read_file("/assets/split", buf, sizeof(buf), &got);
	assert_int_equal(got, EIMG_SPLIT_SIZE);
	assert_int_equal(buf[0], 'h');
	assert_int_equal(buf[EIMG_BLOCK - 1], 'h');
	assert_memory_equal(buf + EIMG_BLOCK, "tail-bytes", 10);

	assert_int_equal(open_img(&fs, &e), 0);
	assert_int_equal(erofs_lookup(&fs, "/assets/split", &ino, &e), 0);
	assert_int_equal(ino.head_len, EIMG_BLOCK);
	assert_int_equal(ino.tail_len, 10);
	assert_int_equal(erofs_pread(&ino, buf, 4, EIMG_BLOCK - 2), 4);
	assert_memory_equal(buf, "hhta", 4);
	assert_int_equal(erofs_pread(&ino, buf, 100, EIMG_SPLIT_SIZE - 3), 3);
	assert_memory_equal(buf, "tes", 3);
	assert_int_equal(erofs_pread(&ino, buf, 100, EIMG_SPLIT_SIZE), 0);
	assert_int_equal(erofs_pread(&ino, buf, 100, UINT64_MAX), 0);
}

static void test_extended_inode_and_xattrs(void **state)
{
	uint8_t *p = eimg_inode_at(&img, EIMG_NID_LIBDEMO);
	struct error e = {{0}};
	struct erofs_inode ino;
	struct erofs fs;

	(void)state;
	memset(p, 0, 64);
	put_le16(p, 1); /* extended, flat */
	put_le16(p + 4, S_IFREG | 0755);
	put_le64(p + 8, 64);
	put_le32(p + 16, 2);
	put_le32(p + 24, 1000);
	put_le32(p + 28, 1001);
	put_le32(p + 44, 1);
	assert_int_equal(open_img(&fs, &e), 0);
	assert_int_equal(erofs_inode_get(&fs, EIMG_NID_LIBDEMO, &ino, &e), 0);
	assert_int_equal(ino.size, 64);
	assert_int_equal(ino.uid, 1000);
	assert_int_equal(ino.gid, 1001);
	assert_ptr_equal(ino.head, img.buf + 2 * EIMG_BLOCK);

	/* One xattr slot: the inline tail moves past the 12-byte xattr header. */
	put_le16(eimg_inode_at(&img, EIMG_NID_CONFIG) + 2, 1);
	assert_int_equal(erofs_inode_get(&fs, EIMG_NID_CONFIG, &ino, &e), 0);
	assert_ptr_equal(ino.tail, eimg_inode_at(&img, EIMG_NID_CONFIG) + 32 + 12);
}

static void expect_inode_error(uint64_t nid, int want, const char *msg)
{
	struct error e = {{0}};
	struct erofs_inode ino;
	struct erofs fs;

	assert_int_equal(open_img(&fs, &e), 0);
	assert_int_equal(erofs_inode_get(&fs, nid, &ino, &e), want);
	assert_non_null(strstr(e.msg, msg));
}

static void test_bad_inodes(void **state)
{
	uint8_t *p = eimg_inode_at(&img, EIMG_NID_BIG);

	(void)state;
	expect_inode_error(UINT64_MAX, -EINVAL, "outside the image");
	expect_inode_error((6 * EIMG_BLOCK - EIMG_BLOCK) / 32, -EINVAL, "outside the image");
	put_le16(p, 1 << 1); /* compressed */
	expect_inode_error(EIMG_NID_BIG, -EOPNOTSUPP, "layout 1");
	put_le16(p, 4 << 1); /* chunk-based */
	expect_inode_error(EIMG_NID_BIG, -EOPNOTSUPP, "layout 4");
	put_le16(p, 0x10);
	expect_inode_error(EIMG_NID_BIG, -EOPNOTSUPP, "format bits");
	put_le16(p, 0);
	put_le32(p + 16, 5); /* 5000 bytes from block 5 run past block 6 */
	expect_inode_error(EIMG_NID_BIG, -EINVAL, "outside the image");
	put_le32(p + 16, UINT32_MAX);
	expect_inode_error(EIMG_NID_BIG, -EINVAL, "outside the image");
	put_le32(p + 16, 3);
	put_le32(p + 8, UINT32_MAX);
	expect_inode_error(EIMG_NID_BIG, -EINVAL, "exceeds the image");
	put_le16(p + 4, 0170000); /* no such file type */
	expect_inode_error(EIMG_NID_BIG, -EINVAL, "bad file type");
	/* An inline tail that would run past the inode's block. */
	p = eimg_inode_at(&img, EIMG_NID_CONFIG);
	put_le32(p + 8, EIMG_BLOCK - 1);
	expect_inode_error(EIMG_NID_CONFIG, -EINVAL, "crosses its block");
}

static void test_devices_have_no_data(void **state)
{
	struct error e = {{0}};
	struct erofs_inode ino;
	struct erofs fs;

	(void)state;
	eimg_inode(&img, EIMG_NID_BIG, S_IFCHR | 0600, 0, 0, 0x0501);
	assert_int_equal(open_img(&fs, &e), 0);
	assert_int_equal(erofs_inode_get(&fs, EIMG_NID_BIG, &ino, &e), 0);
	assert_int_equal(ino.head_len + ino.tail_len, 0);
}

struct names {
	char list[1024];
};

static int collect(void *opaque, const char *path, const struct erofs_inode *ino)
{
	struct names *n = opaque;

	size_t used = strlen(n->list);

	(void)ino;
	/* Deep or wide trees overflow the list: keep what fits, the walk goes on. */
	snprintf(n->list + used, sizeof(n->list) - used, "%s ", path);
	return 0;
}

static void test_walk(void **state)
{
	struct error e = {{0}};
	struct names n = {""};
	struct erofs fs;

	(void)state;
	assert_int_equal(open_img(&fs, &e), 0);
	assert_int_equal(erofs_walk(&fs, collect, &n, &e), 0);
	assert_string_equal(n.list, "/ /assets /assets/big /assets/split /lib /lib/x86_64 "
				    "/lib/x86_64/libdemo.so /vm_config.json ");
}

static int stop_at_lib(void *opaque, const char *path, const struct erofs_inode *ino)
{
	(void)opaque, (void)ino;
	return strcmp(path, "/lib") ? 0 : 42;
}

static void test_walk_stops(void **state)
{
	struct error e = {{0}};
	struct erofs fs;

	(void)state;
	assert_int_equal(open_img(&fs, &e), 0);
	assert_int_equal(erofs_walk(&fs, stop_at_lib, NULL, &e), 42);
}

/* Replace the entries of the inline directory @nid. */
static void set_dir(uint64_t nid, const struct eimg_dirent *ents, size_t n)
{
	size_t len = eimg_dir(eimg_inode_at(&img, nid) + 32, ents, n);

	put_le32(eimg_inode_at(&img, nid) + 8, (uint32_t)len);
}

static void expect_walk_error(int want, const char *msg)
{
	struct error e = {{0}};
	struct names n = {""};
	struct erofs fs;

	assert_int_equal(open_img(&fs, &e), 0);
	assert_int_equal(erofs_walk(&fs, collect, &n, &e), want);
	assert_non_null(strstr(e.msg, msg));
}

static void test_bad_directories(void **state)
{
	const struct eimg_dirent unsorted[] = {
	    {".", EIMG_NID_LIB, 2}, {"..", 0, 2}, {"z", EIMG_NID_BIG, 1}, {"a", EIMG_NID_BIG, 1}};
	const struct eimg_dirent twice[] = {
	    {".", EIMG_NID_LIB, 2}, {"..", 0, 2}, {"a", EIMG_NID_BIG, 1}, {"a", EIMG_NID_BIG, 1}};
	const struct eimg_dirent slash[] = {
	    {".", EIMG_NID_LIB, 2}, {"..", 0, 2}, {"a/b", EIMG_NID_BIG, 1}};
	uint8_t *d = eimg_inode_at(&img, EIMG_NID_LIB) + 32;

	(void)state;
	set_dir(EIMG_NID_LIB, unsorted, 4);
	expect_walk_error(-EINVAL, "out of order or repeated");
	set_dir(EIMG_NID_LIB, twice, 4);
	expect_walk_error(-EINVAL, "out of order or repeated");
	set_dir(EIMG_NID_LIB, slash, 3);
	expect_walk_error(-EINVAL, "contains '/'");

	eimg_standard(&img);
	put_le16(d + 8, 11); /* the first name offset: too small for one entry */
	expect_walk_error(-EINVAL, "bad first name offset");
	put_le16(d + 8, 40); /* not a whole number of entries */
	expect_walk_error(-EINVAL, "bad first name offset");
	put_le16(d + 8, 600); /* past the directory's end */
	expect_walk_error(-EINVAL, "bad first name offset");
	eimg_standard(&img);
	put_le16(d + 12 + 8, 35); /* the second name starts before the first */
	expect_walk_error(-EINVAL, "name offsets");
	eimg_standard(&img);
	put_le16(d + 24 + 8, get_le16(d + 12 + 8)); /* ".." becomes empty */
	expect_walk_error(-EINVAL, "name offsets");
	eimg_standard(&img);
	put_le32(eimg_inode_at(&img, EIMG_NID_LIB) + 8, 5); /* shorter than one entry */
	expect_walk_error(-EINVAL, "too short");
	eimg_standard(&img);
	memset(d + 36 + 3, 0, 6); /* "x86_64" -> NULs: the last name is empty */
	expect_walk_error(-EINVAL, "empty or over-long name");
}

static void test_loops(void **state)
{
	const struct eimg_dirent loop[] = {{".", EIMG_NID_X86_64, 2},
					   {"..", EIMG_NID_LIB, 2},
					   {"libdemo.so", EIMG_NID_LIBDEMO, 1},
					   {"up", EIMG_NID_LIB, 2}};

	(void)state;
	set_dir(EIMG_NID_X86_64, loop, 4);
	expect_walk_error(-ELOOP, "'/lib/x86_64/up' is inside itself");
}

/* A fresh image of @blocks blocks whose root is nid 0 in block 1. */
static void blank(uint32_t blocks)
{
	uint8_t *sb = img.buf + EROFS_SUPER_OFFSET;

	memset(&img, 0, sizeof(img));
	img.size = blocks * EIMG_BLOCK;
	put_le32(sb, EROFS_SUPER_MAGIC);
	sb[12] = 12;
	put_le32(sb + 36, blocks);
	put_le32(sb + 40, EIMG_META);
}

static void test_depth_limit(void **state)
{
	/* 40 directories each inside the previous: /d/d/d/... */
	(void)state;
	blank(3);
	for (uint64_t k = 0; k < 40; k++) {
		const struct eimg_dirent ents[] = {
		    {".", k * 4, 2}, {"..", k ? (k - 1) * 4 : 0, 2}, {"d", (k + 1) * 4, 2}};
		size_t len = eimg_dir(eimg_inode_at(&img, k * 4) + 32, ents, k < 39 ? 3 : 2);

		eimg_inode(&img, k * 4, S_IFDIR | 0755, 2, (uint32_t)len, 0);
	}
	expect_walk_error(-ELOOP, "nested more than 32 deep");
}

/* Names "0000".."NNNN" in flat directory blocks from block @blk; returns the bytes used. */
static uint32_t many_entries(uint32_t blk, unsigned int n, uint64_t nid, unsigned int type)
{
	const unsigned int per_block = EIMG_BLOCK / 16;
	uint32_t size = 0;

	for (unsigned int first = 0; first < n; first += per_block) {
		struct eimg_dirent ents[EIMG_BLOCK / 16];
		static char names[EIMG_BLOCK / 16][8];
		unsigned int count = n - first < per_block ? n - first : per_block;

		for (unsigned int i = 0; i < count; i++) {
			snprintf(names[i], sizeof(names[i]), "%04u", first + i);
			ents[i] = (struct eimg_dirent){names[i], nid, (uint8_t)type};
		}
		size = first / per_block * EIMG_BLOCK +
		       (uint32_t)eimg_dir(img.buf + (blk + first / per_block) * EIMG_BLOCK, ents,
					  count);
	}
	return size;
}

static void test_entry_limit(void **state)
{
	/* The root holds 300 names for one directory that holds 400 files: 120300 entries. */
	(void)state;
	blank(7);
	eimg_inode(&img, 0, S_IFDIR | 0755, 0, many_entries(2, 300, 1, 2), 2);
	eimg_inode(&img, 1, S_IFDIR | 0755, 0, many_entries(4, 400, 2, 1), 4);
	eimg_inode(&img, 2, S_IFREG | 0644, 0, 0, 0);
	expect_walk_error(-E2BIG, "more than 100000 files");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_open, setup),
	    cmocka_unit_test_setup(test_bad_superblocks, setup),
	    cmocka_unit_test_setup(test_checksum, setup),
	    cmocka_unit_test_setup(test_lookup, setup),
	    cmocka_unit_test_setup(test_read, setup),
	    cmocka_unit_test_setup(test_extended_inode_and_xattrs, setup),
	    cmocka_unit_test_setup(test_bad_inodes, setup),
	    cmocka_unit_test_setup(test_devices_have_no_data, setup),
	    cmocka_unit_test_setup(test_walk, setup),
	    cmocka_unit_test_setup(test_walk_stops, setup),
	    cmocka_unit_test_setup(test_bad_directories, setup),
	    cmocka_unit_test_setup(test_loops, setup),
	    cmocka_unit_test_setup(test_depth_limit, setup),
	    cmocka_unit_test_setup(test_entry_limit, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
