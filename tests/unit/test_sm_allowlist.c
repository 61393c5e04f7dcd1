/*
 * test_sm_allowlist.c - servicemanager's registration allowlist
 * (guest/servicemanager/allowlist.c): the file format, comments and
 * blank lines, prefixes, root, and malformed lines named by number.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>

#include "guest/servicemanager/servicemanager.h"

static void test_parse_and_check(void **state)
{
	struct sm_allowlist l;
	int bad = 0;

	(void)state;
	assert_int_equal(sm_allowlist_parse("# who may register what\n"
					    "\n"
					    "1000 android.system.virtualizationservice\n"
					    "  2000\ttest.*   # a prefix\n"
					    "1001 *\n",
					    &l, &bad),
			 0);
	assert_int_equal(l.count, 3);
	assert_true(sm_allowlist_permits(&l, 1000, "android.system.virtualizationservice"));
	assert_false(sm_allowlist_permits(&l, 1000, "android.system.virtualizationservice2"));
	assert_false(sm_allowlist_permits(&l, 1000, "test.echo"));
	assert_true(sm_allowlist_permits(&l, 2000, "test.echo"));
	assert_false(sm_allowlist_permits(&l, 2000, "tes"));
	assert_true(sm_allowlist_permits(&l, 1001, "anything"));
	assert_true(sm_allowlist_permits(&l, 0, "anything")); /* root */
	assert_false(sm_allowlist_permits(&l, 3000, "test.echo"));
	sm_allowlist_free(&l);
}

static void expect_bad(const char *text, int line)
{
	struct sm_allowlist l;
	int bad = 0;

	assert_int_equal(sm_allowlist_parse(text, &l, &bad), -EINVAL);
	assert_int_equal(bad, line);
	assert_null(l.entries);
}

static void test_malformed(void **state)
{
	(void)state;
	expect_bad("1000\n", 1);		     /* no name */
	expect_bad("# ok\n1000 a b\n", 2);	     /* two names */
	expect_bad("x1000 a\n", 1);		     /* not a number */
	expect_bad("-1 a\n", 1);		     /* negative */
	expect_bad("1000 a\n\n1000 bad name!\n", 3); /* bad characters */
	expect_bad("99999999999 a\n", 1);	     /* too big */
}

static void test_names(void **state)
{
	(void)state;
	assert_true(sm_name_valid("android.os.IFoo/default"));
	assert_false(sm_name_valid(""));
	assert_false(sm_name_valid("a b"));
	assert_false(sm_name_valid("caf\xc3\xa9"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_and_check),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
