/* test_package.c - package footers, pkg_open() and pkg_load_config(). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <elf.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "erofs_img.h"
#include "lib/common/le.h"
#include "lib/payload/package.h"

#define IMAGE_SIZE (6 * EIMG_BLOCK)

static struct eimg img;
/* A package: the standard image, room for a signature block, the footer block. */
static uint8_t pkg_buf[IMAGE_SIZE + 2 * PKG_BLOCK_SIZE];
static uint64_t pkg_size;

static void footer_for(struct pkg_footer *f, uint64_t image_size)
{
	*f = (struct pkg_footer){.version = PKG_VERSION, .image_size = image_size};
	pkg_sha256(pkg_buf, image_size, f->image_sha256);
}

/* Lay out the package in pkg_buf from img, with the footer @f (NULL: the right one). */
static void build(const struct pkg_footer *f)
{
	struct pkg_footer own;

	memset(pkg_buf, 0, sizeof(pkg_buf));
	memcpy(pkg_buf, img.buf, IMAGE_SIZE);
	if (!f) {
		footer_for(&own, IMAGE_SIZE);
		f = &own;
	}
	pkg_size = pkg_file_size(f->image_size + f->sig_size);
	pkg_footer_encode(f, pkg_buf + pkg_size - PKG_FOOTER_SIZE);
}

static uint8_t *footer(void)
{
	return pkg_buf + pkg_size - PKG_FOOTER_SIZE;
}

/* Recompute the footer's own digest after a test changed a field. */
static void reseal(void)
{
	pkg_sha256(footer(), 96, footer() + 96);
}

static int setup(void **state)
{
	(void)state;
	eimg_standard(&img);
	build(NULL);
	return 0;
}

static void test_round_trip(void **state)
{
	struct pkg_footer in, out;
	struct error e = {{0}};

	(void)state;
	footer_for(&in, IMAGE_SIZE);
	in.compat_flags = 0x80000000; /* unknown compat flags are ignored */
	build(&in);
	assert_int_equal(pkg_size, IMAGE_SIZE + PKG_BLOCK_SIZE);
	assert_memory_equal(footer(), PKG_MAGIC, 8);
	assert_int_equal(pkg_footer_decode(footer(), pkg_size, &out, &e), 0);
	assert_memory_equal(&in, &out, sizeof(in));
}

static void expect_decode(int want, const char *msg)
{
	struct error e = {{0}};
	struct pkg_footer f;

	assert_int_equal(pkg_footer_decode(footer(), pkg_size, &f, &e), want);
	if (msg)
		assert_non_null(strstr(e.msg, msg));
}

static void test_bad_footers(void **state)
{
	(void)state;
	footer()[0] = 'X';
	expect_decode(-EINVAL, "no footer magic");
	build(NULL);
	put_le32(footer() + 8, 2);
	reseal();
	expect_decode(-EPROTONOSUPPORT, "version 2 is not supported");
	build(NULL);
	put_le32(footer() + 12, 256);
	reseal();
	expect_decode(-EINVAL, "footer size 256");
	build(NULL);
	footer()[24] ^= 1; /* the image size, without resealing */
	expect_decode(-EBADMSG, "footer checksum mismatch");
	build(NULL);
	put_le32(footer() + 20, 1);
	reseal();
	expect_decode(-EPROTONOSUPPORT, "incompat flags 0x1");
	build(NULL);
	footer()[80] = 1;
	reseal();
	expect_decode(-EINVAL, "reserved footer bytes");
}

static void set_sizes(uint64_t image, uint64_t sig_off, uint64_t sig_size)
{
	build(NULL);
	put_le64(footer() + 24, image);
	put_le64(footer() + 32, sig_off);
	put_le64(footer() + 40, sig_size);
	reseal();
}

static void test_bad_sizes(void **state)
{
	struct error e = {{0}};
	struct pkg_footer f;

	(void)state;
	set_sizes(IMAGE_SIZE - 1, 0, 0);
	expect_decode(-EINVAL, "image size");
	set_sizes(0, 0, 0);
	expect_decode(-EINVAL, "image size");
	set_sizes(IMAGE_SIZE + PKG_BLOCK_SIZE, 0, 0); /* no room for the footer block */
	expect_decode(-EINVAL, "image size");
	set_sizes(IMAGE_SIZE - PKG_BLOCK_SIZE, 0, 0); /* a block of the file unaccounted for */
	expect_decode(-EINVAL, "describes");
	set_sizes(UINT64_MAX & ~4095ULL, 0, 0);
	expect_decode(-EINVAL, "image size");
	set_sizes(IMAGE_SIZE, IMAGE_SIZE, 0);
	expect_decode(-EINVAL, "signature block");
	set_sizes(IMAGE_SIZE, 0, 100);
	expect_decode(-EINVAL, "signature block");
	set_sizes(IMAGE_SIZE, IMAGE_SIZE + PKG_BLOCK_SIZE, 100);
	expect_decode(-EINVAL, "signature block");
	set_sizes(IMAGE_SIZE, IMAGE_SIZE, UINT64_MAX);
	expect_decode(-EINVAL, "signature block");
	set_sizes(IMAGE_SIZE, IMAGE_SIZE, 100); /* needs one more block than the file has */
	expect_decode(-EINVAL, "signature block");

	build(NULL);
	assert_int_equal(pkg_footer_decode(footer(), pkg_size + 1, &f, &e), -EINVAL);
	assert_int_equal(pkg_footer_decode(footer(), PKG_BLOCK_SIZE, &f, &e), -EINVAL);
	assert_int_equal(pkg_footer_decode(footer(), PKG_MAX_SIZE + PKG_BLOCK_SIZE, &f, &e),
			 -EINVAL);
}

static void test_signature_block_is_skipped(void **state)
{
	struct pkg_footer f;
	struct error e = {{0}};
	struct pkg p;

	(void)state;
	/* A later writer's signature block: a version-1 reader accepts and skips it. */
	footer_for(&f, IMAGE_SIZE);
	f.sig_offset = IMAGE_SIZE;
	f.sig_size = 100;
	f.compat_flags = 1;
	build(&f);
	memset(pkg_buf + IMAGE_SIZE, 0x5a, 100);
	assert_int_equal(pkg_size, IMAGE_SIZE + 2 * PKG_BLOCK_SIZE);
	assert_int_equal(pkg_open(&p, pkg_buf, pkg_size, &e), 0);
	assert_int_equal(p.footer.sig_size, 100);
}

static void test_open(void **state)
{
	struct vm_payload_config cfg;
	struct error e = {{0}};
	struct pkg p;

	(void)state;
	assert_int_equal(pkg_open(&p, pkg_buf, pkg_size, &e), 0);
	assert_int_equal(p.footer.image_size, IMAGE_SIZE);
	assert_int_equal(p.fs.blocks, 6);
	assert_int_equal(pkg_load_config(&p.fs, &cfg, &e), 0);
	assert_int_equal(cfg.task_type, PAYLOAD_TASK_MICRODROID_LAUNCHER);
	assert_string_equal(cfg.command, "libdemo.so");

	assert_int_equal(pkg_open(&p, pkg_buf, 100, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "too small"));
}

static void expect_open(int want, const char *msg)
{
	struct error e = {{0}};
	struct pkg p;

	assert_int_equal(pkg_open(&p, pkg_buf, pkg_size, &e), want);
	assert_non_null(strstr(e.msg, msg));
}

static void test_open_errors(void **state)
{
	struct pkg_footer f;

	(void)state;
	pkg_buf[3 * EIMG_BLOCK + 7] ^= 1; /* a byte of a file */
	expect_open(-EBADMSG, "image digest mismatch");
	build(NULL);
	pkg_buf[IMAGE_SIZE + 10] = 1; /* the footer block's padding */
	expect_open(-EINVAL, "padding before the footer");
	/* An image whose own block count disagrees with the footer. */
	put_le32(img.buf + EROFS_SUPER_OFFSET + 36, 5);
	build(NULL);
	expect_open(-EINVAL, "5 blocks");
	/* The digest is right but the image is not erofs. */
	eimg_standard(&img);
	img.buf[EROFS_SUPER_OFFSET] = 0;
	memcpy(pkg_buf, img.buf, IMAGE_SIZE);
	footer_for(&f, IMAGE_SIZE);
	build(&f);
	expect_open(-EINVAL, "bad magic");
}

/* Rewrite /vm_config.json (inline) and rebuild the package. */
static void set_config(const char *json)
{
	uint8_t *p = eimg_inode_at(&img, EIMG_NID_CONFIG);

	put_le32(p + 8, (uint32_t)strlen(json));
	memcpy(p + 32, json, strlen(json));
	build(NULL);
}

static void expect_config(int want, const char *msg)
{
	struct vm_payload_config cfg;
	struct error e = {{0}};
	struct pkg p;

	assert_int_equal(pkg_open(&p, pkg_buf, pkg_size, &e), 0);
	assert_int_equal(pkg_load_config(&p.fs, &cfg, &e), want);
	if (msg)
		assert_non_null(strstr(e.msg, msg));
}

static void test_config_errors(void **state)
{
	(void)state;
	set_config("{\"task\": {\"type\": \"microdroid_launcher\", \"command\": \"libno.so\"}}");
	expect_config(-ENOENT, "names library 'libno.so': lib/x86_64/libno.so: not in the package");
	set_config("{\"task\": {\"type\": \"microdroid_launcher\", \"command\": \"x86_64\"}}");
	expect_config(-ENOENT, "lib/x86_64/x86_64: not in the package");
	set_config("{\"task\": {\"command\": \"/bin/true\"}}");
	expect_config(0, NULL); /* an executable task needs nothing from the package */
	set_config("{\"task\": {\"command\": 1}}");
	expect_config(-EINVAL, "vm_config.json: task.command: want a string, not a number");

	eimg_standard(&img);
	eimg_elf_header(img.buf + 2 * EIMG_BLOCK, ET_DYN, EM_AARCH64);
	build(NULL);
	expect_config(-ENOEXEC, "lib/x86_64/libdemo.so: built for arm64");

	eimg_standard(&img);
	put_le16(eimg_inode_at(&img, EIMG_NID_LIBDEMO) + 4, S_IFDIR | 0755);
	build(NULL);
	expect_config(-EINVAL, "lib/x86_64/libdemo.so: not a regular file");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_round_trip, setup),
	    cmocka_unit_test_setup(test_bad_footers, setup),
	    cmocka_unit_test_setup(test_bad_sizes, setup),
	    cmocka_unit_test_setup(test_signature_block_is_skipped, setup),
	    cmocka_unit_test_setup(test_open, setup),
	    cmocka_unit_test_setup(test_open_errors, setup),
	    cmocka_unit_test_setup(test_config_errors, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
