/*
 * test_aml.c - the AML encoder (vmm/x86/aml.c): PkgLength at its size
 * boundaries, integer and name encodings, resource descriptors, and
 * overflow of the caller's buffer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "vmm/x86/aml.h"

static void test_pkg_length(void **state)
{
	uint8_t b[4];

	(void)state;
	/* One byte up to 63 in all (the byte counts itself). */
	assert_int_equal(aml_pkg_length(0, b), 1);
	assert_int_equal(b[0], 1);
	assert_int_equal(aml_pkg_length(62, b), 1);
	assert_int_equal(b[0], 63);
	/* 63 bytes of body: 65 in all, two bytes: lead 0x41 (count 1, low nibble 1), then 65 >> 4. */
	assert_int_equal(aml_pkg_length(63, b), 2);
	assert_int_equal(b[0], 0x41);
	assert_int_equal(b[1], 0x04);
	/* Largest two-byte length is 4095 in all. */
	assert_int_equal(aml_pkg_length(4093, b), 2);
	assert_int_equal(b[0], 0x4f);
	assert_int_equal(b[1], 0xff);
	assert_int_equal(aml_pkg_length(4094, b), 3);
	assert_int_equal(b[0], 0x81);
	assert_int_equal(b[1], 0x00);
	assert_int_equal(b[2], 0x01);
	assert_int_equal(aml_pkg_length((1u << 20) - 4, b), 3);
	assert_int_equal(aml_pkg_length((1u << 20), b), 4);
	assert_int_equal(aml_pkg_length(1u << 28, b), 0);
}

static void test_integers(void **state)
{
	static const struct {
		uint64_t v;
		size_t len;
		uint8_t bytes[9];
	} cases[] = {
	    {0, 1, {0x00}},
	    {1, 1, {0x01}},
	    {2, 2, {0x0a, 2}},
	    {255, 2, {0x0a, 0xff}},
	    {256, 3, {0x0b, 0x00, 0x01}},
	    {0x12345678, 5, {0x0c, 0x78, 0x56, 0x34, 0x12}},
	    {0x100000000ULL, 9, {0x0e, 0, 0, 0, 0, 1, 0, 0, 0}},
	};
	uint8_t buf[16];
	struct aml a;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		aml_init(&a, buf, sizeof(buf));
		aml_integer(&a, cases[i].v);
		assert_int_equal(a.len, cases[i].len);
		assert_memory_equal(buf, cases[i].bytes, cases[i].len);
	}
}

static void test_names(void **state)
{
	static const uint8_t hid[] = {0x08, '_', 'H', 'I', 'D', 0x0d, 'L', 'N', 'R', 'O',
				      '0', '0', '0', '5', 0x00};
	static const uint8_t eisa[] = {0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x05, 0x01};
	uint8_t buf[32];
	struct aml a;

	(void)state;
	aml_init(&a, buf, sizeof(buf));
	aml_name_string(&a, "_HID", "LNRO0005");
	assert_int_equal(a.len, sizeof(hid));
	assert_memory_equal(buf, hid, sizeof(hid));
	aml_init(&a, buf, sizeof(buf));
	aml_name_eisaid(&a, "_HID", "PNP0501");
	assert_memory_equal(buf, eisa, sizeof(eisa));
}

/* A Device with a _CRS template: every length field checked by hand. */
static void test_device_crs(void **state)
{
	uint8_t crs_buf[32], dev_buf[64], out_buf[96];
	struct aml crs, dev, out;

	(void)state;
	aml_init(&crs, crs_buf, sizeof(crs_buf));
	aml_res_mem32_fixed(&crs, 0xd0001000, 0x1000);
	aml_res_ext_irq(&crs, 6, false);
	aml_res_end(&crs);
	assert_int_equal(crs.len, 12 + 9 + 2);
	assert_int_equal(crs_buf[0], 0x86);
	assert_int_equal(crs_buf[1] | crs_buf[2] << 8, 9);
	assert_int_equal(crs_buf[3], 1);
	assert_int_equal(crs_buf[4] | crs_buf[5] << 8 | crs_buf[6] << 16 | (uint32_t)crs_buf[7] << 24,
			 0xd0001000);
	assert_int_equal(crs_buf[12], 0x89);
	assert_int_equal(crs_buf[13] | crs_buf[14] << 8, 6);
	assert_int_equal(crs_buf[15], 0x03);
	assert_int_equal(crs_buf[16], 1);
	assert_int_equal(crs_buf[17], 6);
	assert_int_equal(crs_buf[21], 0x79);
	/* Level-triggered: the edge bit (1) clear, still a consumer. */
	aml_init(&crs, crs_buf, sizeof(crs_buf));
	aml_res_ext_irq(&crs, 23, true);
	assert_int_equal(crs_buf[3], 0x01);
	assert_int_equal(crs_buf[5], 23);
	aml_init(&crs, crs_buf, sizeof(crs_buf));
	aml_res_mem32_fixed(&crs, 0xd0001000, 0x1000);
	aml_res_ext_irq(&crs, 6, false);
	aml_res_end(&crs);

	aml_init(&dev, dev_buf, sizeof(dev_buf));
	aml_name_buffer(&dev, "_CRS", crs.buf, crs.len);
	/* 08 _CRS 11 PkgLen(1 + 2 + 23 = 26) 0A 17 <23 bytes> */
	assert_int_equal(dev.len, 5 + 1 + 1 + 2 + 23);
	assert_int_equal(dev_buf[5], 0x11);
	assert_int_equal(dev_buf[6], 26);
	assert_int_equal(dev_buf[7], 0x0a);
	assert_int_equal(dev_buf[8], 23);

	aml_init(&out, out_buf, sizeof(out_buf));
	aml_device(&out, "VR01", &dev);
	assert_int_equal(out_buf[0], 0x5b);
	assert_int_equal(out_buf[1], 0x82);
	assert_int_equal(out_buf[2], 1 + 4 + dev.len);
	assert_memory_equal(out_buf + 3, "VR01", 4);
	assert_false(out.overflow);
}

static void test_overflow(void **state)
{
	uint8_t small[4], body_buf[80], out_buf[16];
	struct aml a, body, out;

	(void)state;
	aml_init(&a, small, sizeof(small));
	aml_name_string(&a, "_HID", "LNRO0005");
	assert_true(a.overflow);
	assert_true(a.len <= sizeof(small)); /* what fitted before stays; nothing past the end */
	/* An overflowed body poisons whatever wraps it. */
	aml_init(&body, body_buf, sizeof(body_buf));
	memset(body_buf, 0, sizeof(body_buf));
	body.len = sizeof(body_buf);
	aml_init(&out, out_buf, sizeof(out_buf));
	aml_device(&out, "TOOB", &body);
	assert_true(out.overflow);
	aml_init(&out, out_buf, sizeof(out_buf));
	a.overflow = true;
	aml_scope(&out, "\\_SB_", &a);
	assert_true(out.overflow);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pkg_length),
	    cmocka_unit_test(test_integers),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_device_crs),
	    cmocka_unit_test(test_overflow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
