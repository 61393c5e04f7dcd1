/* test_parse.c - parse_uint() and parse_size(). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "lib/common/parse.h"

static void test_uint(void **state)
{
	uint64_t v = 99;

	(void)state;
	assert_true(parse_uint("0", 0, 10, &v));
	assert_int_equal(v, 0);
	assert_true(parse_uint("18446744073709551615", 0, UINT64_MAX, &v));
	assert_int_equal(v, UINT64_MAX);
	v = 99;
	assert_false(parse_uint("18446744073709551616", 0, UINT64_MAX, &v));
	assert_false(parse_uint("", 0, 10, &v));
	assert_false(parse_uint(" 1", 0, 10, &v));
	assert_false(parse_uint("+1", 0, 10, &v));
	assert_false(parse_uint("-1", 0, 10, &v));
	assert_false(parse_uint("1 ", 0, 10, &v));
	assert_false(parse_uint("0x10", 0, 100, &v));
	assert_false(parse_uint("11", 0, 10, &v));
	assert_false(parse_uint("2", 3, 10, &v));
	assert_int_equal(v, 99);
}

static void test_size(void **state)
{
	uint64_t v = 99;

	(void)state;
	assert_true(parse_size("512", &v));
	assert_int_equal(v, 512);
	assert_true(parse_size("4K", &v));
	assert_int_equal(v, 4096);
	assert_true(parse_size("10m", &v));
	assert_int_equal(v, 10 << 20);
	assert_true(parse_size("2GiB", &v));
	assert_int_equal(v, 2ULL << 30);
	assert_true(parse_size("3T", &v));
	assert_int_equal(v, 3ULL << 40);
	assert_true(parse_size("16777215T", &v));
	v = 99;
	assert_false(parse_size("16777216T", &v)); /* 2^64 */
	assert_false(parse_size("0", &v));
	assert_false(parse_size("0K", &v));
	assert_false(parse_size("K", &v));
	assert_false(parse_size("10X", &v));
	assert_false(parse_size("10KB", &v));
	assert_false(parse_size("10Ki", &v));
	assert_false(parse_size("-1", &v));
	assert_false(parse_size("1.5G", &v));
	assert_int_equal(v, 99);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_uint),
	    cmocka_unit_test(test_size),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
