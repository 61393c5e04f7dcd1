/* test_console_scan.c - the kernel panic scanner over console chunks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "host/virtmgr/console_scan.h"

static bool feed_str(struct console_scan *s, const char *text)
{
	return console_scan_feed(s, text, strlen(text));
}

static void test_whole_line(void **state)
{
	struct console_scan s;

	(void)state;
	console_scan_init(&s);
	assert_false(feed_str(&s, "[    0.1] booting\n[    0.2] Kernel panic"));
	assert_false(s.panic);
	console_scan_init(&s);
	assert_true(feed_str(&s, "[    1.0] Kernel panic - not syncing: VFS: Unable to mount\n"));
	/* It stays seen. */
	assert_true(feed_str(&s, "more output\n"));
}

static void test_split_everywhere(void **state)
{
	const char *text = "xx Kernel panic - not syncing: Attempted to kill init!\n";
	struct console_scan s;

	(void)state;
	for (size_t cut = 0; cut <= strlen(text); cut++) {
		console_scan_init(&s);
		console_scan_feed(&s, text, cut);
		console_scan_feed(&s, text + cut, strlen(text) - cut);
		assert_true(s.panic);
	}
	/* One byte at a time. */
	console_scan_init(&s);
	for (size_t i = 0; i < strlen(text); i++)
		console_scan_feed(&s, text + i, 1);
	assert_true(s.panic);
}

static void test_near_misses(void **state)
{
	struct console_scan s;

	(void)state;
	console_scan_init(&s);
	assert_false(feed_str(&s, "Kernel panic - not syncin"));
	assert_false(feed_str(&s, "\ng")); /* broken by a newline: no match */
	console_scan_init(&s);
	/* A restart inside a partial match: "KKernel", "Kernel Kernel panic". */
	assert_true(feed_str(&s, "KKernel Kernel panic - not syncing"));
	console_scan_init(&s);
	assert_false(
	    feed_str(&s, "kernel panic - not syncing")); /* case matters, as Linux prints it */
	assert_false(console_scan_feed(&s, NULL, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_whole_line),
	    cmocka_unit_test(test_split_everywhere),
	    cmocka_unit_test(test_near_misses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
