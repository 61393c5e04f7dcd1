/* test_guest_input.c - the bounds on what a guest sends virtmgr. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "host/virtmgr/guest_input.h"
#include "lib/aidl/ivirtualmachineservice.h"

static void test_ranges(void **state)
{
	(void)state;
	assert_true(guest_exit_code_valid(0));
	assert_true(guest_exit_code_valid(255));
	assert_false(guest_exit_code_valid(-1));
	assert_false(guest_exit_code_valid(256));
	assert_false(guest_exit_code_valid(INT32_MIN));
	assert_true(guest_signal_valid(1));
	assert_true(guest_signal_valid(64));
	assert_false(guest_signal_valid(0));
	assert_false(guest_signal_valid(65));
	assert_false(guest_signal_valid(-9));
}

static void test_message_cleaned(void **state)
{
	char msg[] = "line one\nline\ttwo\x1b[31m\x7f";

	(void)state;
	guest_message_clean(msg);
	assert_string_equal(msg, "line one line two [31m ");
}

static void test_message_cut_at_a_character(void **state)
{
	static char msg[IVMS_MESSAGE_MAX + 10];

	(void)state;
	/* 1023 'a's, then a 3-byte character that would end past the limit. */
	memset(msg, 'a', IVMS_MESSAGE_MAX - 1);
	strcpy(msg + IVMS_MESSAGE_MAX - 1, "\xe2\x82\xac tail");
	guest_message_clean(msg);
	assert_int_equal(strlen(msg), IVMS_MESSAGE_MAX - 1);
	/* A message of exactly the limit is kept whole. */
	memset(msg, 'b', IVMS_MESSAGE_MAX);
	msg[IVMS_MESSAGE_MAX] = '\0';
	guest_message_clean(msg);
	assert_int_equal(strlen(msg), IVMS_MESSAGE_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ranges),
	    cmocka_unit_test(test_message_cleaned),
	    cmocka_unit_test(test_message_cut_at_a_character),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
