/* test_bzimage.c - bzimage_parse() on synthetic setup headers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "vmm/x86/boot.h"

/* A minimal bzImage: boot sector + SETUP_SECTS setup sectors + payload. */
#define SETUP_SECTS 4
#define SETUP_LEN ((SETUP_SECTS + 1) * 512)
#define PAYLOAD_LEN 700
#define IMG_LEN (SETUP_LEN + PAYLOAD_LEN)
#define BIG_LEN (64 * 512) /* room for images with more setup sectors */

static uint8_t img[BIG_LEN];

static void put_le(uint8_t *p, uint64_t v, unsigned int bytes)
{
	for (unsigned int i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Build a valid 64-bit, relocatable, protocol 2.15 bzImage header in img. */
static void build_bzimage(void)
{
	memset(img, 0, sizeof(img));
	img[0x1f1] = SETUP_SECTS;
	put_le(img + 0x1f4, 0x200 / 16, 4); /* syssize: within the shortest payload tested */
	put_le(img + 0x1fe, 0xaa55, 2);
	img[0x200] = 0xeb; /* jmp short */
	img[0x201] = 0x6a; /* header ends at 0x26c */
	memcpy(img + 0x202, "HdrS", 4);
	put_le(img + 0x206, 0x020f, 2);	    /* version */
	img[0x211] = 0x01;		    /* loadflags: LOADED_HIGH */
	put_le(img + 0x214, 0x100000, 4);   /* code32_start */
	put_le(img + 0x22c, 0x7fffffff, 4); /* initrd_addr_max */
	put_le(img + 0x230, 0x200000, 4);   /* kernel_alignment */
	img[0x234] = 1;			    /* relocatable_kernel */
	img[0x235] = 21;		    /* min_alignment */
	put_le(img + 0x236, 0x7f, 2);	    /* xloadflags */
	put_le(img + 0x238, 2047, 4);	    /* cmdline_size */
	put_le(img + 0x248, 0x40, 4);	    /* payload_offset */
	put_le(img + 0x24c, 0x100, 4);	    /* payload_length */
	put_le(img + 0x258, 0x1000000, 8);  /* pref_address */
	put_le(img + 0x260, 0x2345000, 4);  /* init_size */
	for (size_t i = SETUP_LEN; i < IMG_LEN; i++)
		img[i] = (uint8_t)(i * 7);
}

static int setup(void **state)
{
	(void)state;
	build_bzimage();
	return 0;
}

static void test_valid(void **state)
{
	struct bzimage_info bi;
	struct error e = {{0}};

	(void)state;
	assert_int_equal(bzimage_parse(img, IMG_LEN, &bi, &e), 0);
	assert_int_equal(bi.version, 0x020f);
	assert_int_equal(bi.setup_sects, SETUP_SECTS);
	assert_int_equal(bi.setup_len, SETUP_LEN);
	assert_int_equal(bi.payload_len, PAYLOAD_LEN);
	assert_int_equal(bi.xloadflags, 0x7f);
	assert_int_equal(bi.loadflags, 0x01);
	assert_true(bi.relocatable);
	assert_int_equal(bi.kernel_alignment, 0x200000);
	assert_int_equal(bi.pref_address, 0x1000000);
	assert_int_equal(bi.init_size, 0x2345000);
	assert_int_equal(bi.initrd_addr_max, 0x7fffffff);
	assert_int_equal(bi.cmdline_size, 2047);
}

static void test_wide_fields_little_endian(void **state)
{
	struct bzimage_info bi;

	(void)state;
	put_le(img + 0x258, 0x0123456789abc000ULL, 8);
	img[0x234] = 0;
	put_le(img + 0x238, 0xa1b2c3d4, 4);
	assert_int_equal(bzimage_parse(img, IMG_LEN, &bi, NULL), 0);
	assert_true(bi.pref_address == 0x0123456789abc000ULL);
	assert_false(bi.relocatable);
	assert_int_equal(bi.cmdline_size, 0xa1b2c3d4);
}

static void test_truncated_every_length(void **state)
{
	struct bzimage_info bi;
	struct error e;

	(void)state;
	for (size_t len = 0; len <= IMG_LEN; len++) {
		int r;

		memset(&bi, 0x5a, sizeof(bi));
		e.msg[0] = 0;
		r = bzimage_parse(img, len, &bi, &e);
		if (len < 0x206) {
			/* Too short to show its magic: not recognisable as a bzImage. */
			assert_int_equal(r, -ENOEXEC);
		} else if (len <= SETUP_LEN + 0x200) {
			/* Recognised but truncated (or too short to reach the 64-bit entry). */
			assert_int_equal(r, -EINVAL);
		} else {
			assert_int_equal(r, 0);
			assert_int_equal(bi.payload_len, len - SETUP_LEN);
			continue;
		}
		assert_true(strlen(e.msg) > 0);
		assert_int_equal(bi.version, 0x5a5a); /* output untouched on failure */
	}
}

static void test_truncated_message(void **state)
{
	struct error e = {{0}};
	struct bzimage_info bi;

	(void)state;
	assert_int_equal(bzimage_parse(img, SETUP_LEN - 1, &bi, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "truncated"));
	assert_non_null(strstr(e.msg, "2559"));
	assert_non_null(strstr(e.msg, "2560"));
}

/* A whole header over a cut-off kernel: the header's own sizes give it away. */
static void test_header_sizes_beyond_file(void **state)
{
	struct bzimage_info bi;
	struct error e;
	size_t cut = SETUP_LEN + (PAYLOAD_LEN / 16) * 16 - 1;

	(void)state;
	put_le(img + 0x1f4, PAYLOAD_LEN / 16, 4);
	assert_int_equal(bzimage_parse(img, cut, &bi, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "header says the kernel is"));
	assert_int_equal(bzimage_parse(img, cut + 1, &bi, &e), 0);

	put_le(img + 0x1f4, 0xffffffff, 4); /* syssize * 16 must not wrap */
	assert_int_equal(bzimage_parse(img, IMG_LEN, &bi, &e), -EINVAL);
	put_le(img + 0x1f4, PAYLOAD_LEN / 16, 4);

	put_le(img + 0x24c, PAYLOAD_LEN - 0x40 + 1, 4); /* payload ends past the file */
	assert_int_equal(bzimage_parse(img, IMG_LEN, &bi, &e), -EINVAL);
	put_le(img + 0x248, 0xffffffff, 4);
	put_le(img + 0x24c, 0xffffffff, 4);
	assert_int_equal(bzimage_parse(img, IMG_LEN, &bi, &e), -EINVAL);
}

static void test_bad_signature(void **state)
{
	struct error e = {{0}};
	struct bzimage_info bi;

	(void)state;
	img[0x1fe] = 0x54;
	assert_int_equal(bzimage_parse(img, IMG_LEN, &bi, &e), -ENOEXEC);
	assert_non_null(strstr(e.msg, "not a bzImage"));
}

static void test_bad_magic(void **state)
{
	struct error e = {{0}};
	struct bzimage_info bi;

	(void)state;
	memcpy(img + 0x202, "HdrZ", 4);
	assert_int_equal(bzimage_parse(img, IMG_LEN, &bi, &e), -ENOEXEC);
	assert_non_null(strstr(e.msg, "not a bzImage"));
	assert_int_equal(bzimage_parse(NULL, 0, &bi, &e), -ENOEXEC);
}

static void test_old_protocol(void **state)
{
	struct error e = {{0}};
	struct bzimage_info bi;

	(void)state;
	put_le(img + 0x206, 0x0209, 2);
	assert_int_equal(bzimage_parse(img, IMG_LEN, &bi, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "2.09"));

	/* 2.10 is the oldest accepted. */
	put_le(img + 0x206, 0x020a, 2);
	assert_int_equal(bzimage_parse(img, IMG_LEN, &bi, &e), 0);
	assert_int_equal(bi.version, 0x020a);
}

static void test_no_64bit_entry(void **state)
{
	struct error e = {{0}};
	struct bzimage_info bi;

	(void)state;
	put_le(img + 0x236, 0x7e, 2);
	assert_int_equal(bzimage_parse(img, IMG_LEN, &bi, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "XLF_KERNEL_64"));
}

static void test_not_loaded_high(void **state)
{
	struct error e = {{0}};
	struct bzimage_info bi;

	(void)state;
	img[0x211] = 0x80;
	assert_int_equal(bzimage_parse(img, IMG_LEN, &bi, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "LOADED_HIGH"));
}

static void test_setup_sects_zero_means_four(void **state)
{
	struct bzimage_info bi;

	(void)state;
	img[0x1f1] = 0;
	assert_int_equal(bzimage_parse(img, IMG_LEN, &bi, NULL), 0);
	assert_int_equal(bi.setup_sects, 0);
	assert_int_equal(bi.setup_len, 5 * 512);
	assert_int_equal(bi.payload_len, IMG_LEN - 5 * 512);
}

static void test_setup_longer_than_image(void **state)
{
	struct error e = {{0}};
	struct bzimage_info bi;

	(void)state;
	img[0x1f1] = 30; /* (30 + 1) * 512 = 15872 > IMG_LEN */
	assert_int_equal(bzimage_parse(img, IMG_LEN, &bi, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "15872"));

	/* The same header with enough bytes behind it is fine. */
	assert_int_equal(bzimage_parse(img, 31 * 512 + 0x201, &bi, &e), 0);
	assert_int_equal(bi.setup_len, 31 * 512);
	assert_int_equal(bi.payload_len, 0x201);

	/* setup_sects 255 is the largest: 128 KiB of setup, more than we have. */
	img[0x1f1] = 255;
	assert_int_equal(bzimage_parse(img, BIG_LEN, &bi, &e), -EINVAL);
}

static void test_no_payload(void **state)
{
	struct error e = {{0}};
	struct bzimage_info bi;

	(void)state;
	assert_int_equal(bzimage_parse(img, SETUP_LEN, &bi, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "no protected-mode kernel"));
}

static void test_payload_shorter_than_entry(void **state)
{
	struct error e = {{0}};
	struct bzimage_info bi;

	(void)state;
	/* The 64-bit entry is 0x200 bytes into the payload: it must be inside. */
	assert_int_equal(bzimage_parse(img, SETUP_LEN + 0x200, &bi, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "64-bit entry"));
	assert_int_equal(bzimage_parse(img, SETUP_LEN + 0x201, &bi, &e), 0);
}

static void test_init_size_zero(void **state)
{
	struct error e = {{0}};
	struct bzimage_info bi;

	(void)state;
	put_le(img + 0x260, 0, 4);
	assert_int_equal(bzimage_parse(img, IMG_LEN, &bi, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "init_size"));
}

static void test_bad_alignment(void **state)
{
	struct error e = {{0}};
	struct bzimage_info bi;

	(void)state;
	put_le(img + 0x230, 0x300000, 4);
	assert_int_equal(bzimage_parse(img, IMG_LEN, &bi, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "kernel_alignment"));
	put_le(img + 0x230, 0, 4);
	assert_int_equal(bzimage_parse(img, IMG_LEN, &bi, &e), -EINVAL);

	/* A kernel that does not relocate never uses its alignment. */
	img[0x234] = 0;
	assert_int_equal(bzimage_parse(img, IMG_LEN, &bi, &e), 0);
	assert_false(bi.relocatable);
	assert_int_equal(bi.kernel_alignment, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_valid, setup),
	    cmocka_unit_test_setup(test_wide_fields_little_endian, setup),
	    cmocka_unit_test_setup(test_truncated_every_length, setup),
	    cmocka_unit_test_setup(test_truncated_message, setup),
	    cmocka_unit_test_setup(test_header_sizes_beyond_file, setup),
	    cmocka_unit_test_setup(test_bad_signature, setup),
	    cmocka_unit_test_setup(test_bad_magic, setup),
	    cmocka_unit_test_setup(test_old_protocol, setup),
	    cmocka_unit_test_setup(test_no_64bit_entry, setup),
	    cmocka_unit_test_setup(test_not_loaded_high, setup),
	    cmocka_unit_test_setup(test_setup_sects_zero_means_four, setup),
	    cmocka_unit_test_setup(test_setup_longer_than_image, setup),
	    cmocka_unit_test_setup(test_no_payload, setup),
	    cmocka_unit_test_setup(test_payload_shorter_than_entry, setup),
	    cmocka_unit_test_setup(test_init_size_zero, setup),
	    cmocka_unit_test_setup(test_bad_alignment, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
