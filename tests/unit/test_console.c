/* Unit tests for the console escape filter (vmm/console.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "vmm/console.h"

static size_t filter(struct console_escape *st, const char *in, char *out, bool *quit)
{
	return console_filter(st, (const uint8_t *)in, strlen(in), (uint8_t *)out, quit);
}

static void test_plain(void **state)
{
	struct console_escape st = {0};
	char out[32];
	bool quit;

	(void)state;
	assert_int_equal(filter(&st, "ls -l\r", out, &quit), 6);
	assert_memory_equal(out, "ls -l\r", 6);
	assert_false(quit);
	assert_int_equal(filter(&st, "\x03", out, &quit), 1); /* Ctrl-C reaches the guest */
	assert_int_equal(out[0], 3);
}

static void test_escape(void **state)
{
	struct console_escape st = {0};
	char out[32];
	bool quit;

	(void)state;
	assert_int_equal(filter(&st, "ab\x01xcd", out, &quit), 2);
	assert_true(quit);
	assert_memory_equal(out, "ab", 2);

	st.armed = false;
	assert_int_equal(filter(&st, "\x01\x01", out, &quit), 1);
	assert_false(quit);
	assert_int_equal(out[0], 1);

	/* An escape split across two reads still works. */
	assert_int_equal(filter(&st, "q\x01", out, &quit), 1);
	assert_true(st.armed);
	assert_int_equal(filter(&st, "X", out, &quit), 0);
	assert_true(quit);

	/* Ctrl-A followed by anything else passes both bytes through. */
	st.armed = false;
	assert_int_equal(filter(&st, "\x01z", out, &quit), 2);
	assert_memory_equal(out, "\x01z", 2);
	assert_false(quit);

	/* A Ctrl-A pending from the last read: one byte in, two out (n + 1). */
	st.armed = false;
	assert_int_equal(filter(&st, "\x01", out, &quit), 0);
	assert_true(st.armed);
	memset(out, 0x55, sizeof(out));
	assert_int_equal(filter(&st, "z", out, &quit), 2);
	assert_memory_equal(out, "\x01z", 2);
	assert_int_equal((unsigned char)out[2], 0x55); /* nothing past n + 1 */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_escape),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
