/*
 * test_vsock_connect.c - the parser of the "CONNECT <port>\n" line that
 * host clients send on the vsock socket (vsock_parse_connect() in
 * vmm/devices/virtio/vsock_uds.c): good lines, the command word in any
 * case, leading zeros, ports out of range, lines still incomplete, lines
 * too long, garbage and embedded NULs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "vmm/devices/virtio/vsock.h"

/* Parse the NUL-terminated @s (without its NUL). */
static int parse(const char *s, uint32_t *port)
{
	return vsock_parse_connect(s, strlen(s), port);
}

static void test_good_lines(void **state)
{
	uint32_t port = 7;

	(void)state;
	assert_int_equal(parse("CONNECT 52\n", &port), 11);
	assert_int_equal(port, 52);
	assert_int_equal(parse("CONNECT 0\n", &port), 10);
	assert_int_equal(port, 0);
	assert_int_equal(parse("CONNECT 4294967295\n", &port), 19);
	assert_int_equal(port, 4294967295U);
	assert_int_equal(parse("CONNECT 1073741824\n", &port), 19);
	assert_int_equal(port, 1U << 30);
}

/* What follows the newline is the stream: the parser stops at the newline. */
static void test_data_after_line(void **state)
{
	uint32_t port = 0;

	(void)state;
	assert_int_equal(parse("CONNECT 1234\nhello, guest", &port), 13);
	assert_int_equal(port, 1234);
	assert_int_equal(parse("CONNECT 1\nCONNECT 2\n", &port), 10);
	assert_int_equal(port, 1);
}

static void test_case_insensitive(void **state)
{
	uint32_t port = 0;

	(void)state;
	assert_int_equal(parse("connect 5\n", &port), 10);
	assert_int_equal(port, 5);
	assert_int_equal(parse("CoNnEcT 6\n", &port), 10);
	assert_int_equal(port, 6);
	assert_int_equal(parse("cONNECT 7\n", &port), 10);
	assert_int_equal(port, 7);
}

static void test_leading_zeros(void **state)
{
	uint32_t port = 0;

	(void)state;
	assert_int_equal(parse("CONNECT 0052\n", &port), 13);
	assert_int_equal(port, 52);
	assert_int_equal(parse("CONNECT 000\n", &port), 12);
	assert_int_equal(port, 0);
	/* Many zeros before the largest port: still in range. */
	assert_int_equal(parse("CONNECT 00000000000000004294967295\n", &port), 35);
	assert_int_equal(port, 4294967295U);
}

static void test_out_of_range(void **state)
{
	uint32_t port = 0;

	(void)state;
	assert_int_equal(parse("CONNECT 4294967296\n", &port), -EINVAL);
	assert_int_equal(parse("CONNECT 10000000000\n", &port), -EINVAL);
	assert_int_equal(parse("CONNECT 99999999999999999999999\n", &port), -EINVAL);
	/* Known to be out of range before the newline comes. */
	assert_int_equal(parse("CONNECT 4294967296", &port), -EINVAL);
	assert_int_equal(parse("CONNECT -1\n", &port), -EINVAL);
	assert_int_equal(parse("CONNECT +1\n", &port), -EINVAL);
}

/* A correct start without its newline needs more data, at any length up to the limit. */
static void test_needs_more(void **state)
{
	const char *line = "CONNECT 52\n";
	uint32_t port = 99;
	size_t n;

	(void)state;
	for (n = 0; n < strlen(line); n++)
		assert_int_equal(vsock_parse_connect(line, n, &port), 0);
	assert_int_equal(port, 99); /* untouched until complete */
	assert_int_equal(parse("conn", &port), 0);
	assert_int_equal(parse("CONNECT ", &port), 0);
	assert_int_equal(parse("CONNECT 000000", &port), 0);
}

static void test_too_long(void **state)
{
	char line[128];
	uint32_t port = 0;

	(void)state;
	/* Exactly VSOCK_CONNECT_LINE_MAX bytes with the newline: fine. */
	memset(line, 0, sizeof(line));
	memcpy(line, "CONNECT ", 8);
	memset(line + 8, '0', VSOCK_CONNECT_LINE_MAX - 10);
	line[VSOCK_CONNECT_LINE_MAX - 2] = '9';
	line[VSOCK_CONNECT_LINE_MAX - 1] = '\n';
	assert_int_equal(parse(line, &port), VSOCK_CONNECT_LINE_MAX);
	assert_int_equal(port, 9);
	/* One more digit: too long, with or without its newline. */
	memset(line, 0, sizeof(line));
	memcpy(line, "CONNECT ", 8);
	memset(line + 8, '0', VSOCK_CONNECT_LINE_MAX - 9);
	line[VSOCK_CONNECT_LINE_MAX - 1] = '9';
	assert_int_equal(parse(line, &port), -EINVAL);
	line[VSOCK_CONNECT_LINE_MAX] = '\n';
	assert_int_equal(parse(line, &port), -EINVAL);
	/* One byte short of the limit without a newline: could still end well. */
	line[VSOCK_CONNECT_LINE_MAX - 1] = 0;
	assert_int_equal(parse(line, &port), 0);
}

static void test_garbage(void **state)
{
	static const char *const bad[] = {
	    "GET / HTTP/1.1\r\n",
	    "CONNECT\n",
	    "CONNECT \n",
	    "CONNECT  52\n",
	    "CONNECT 52 \n",
	    "CONNECT 52\r\n",
	    "CONNECT\t52\n",
	    " CONNECT 52\n",
	    "CONNECTX 5\n",
	    "CONNECT 0x10\n",
	    "CONNECT 5a\n",
	    "OK 5\n",
	    "\n",
	    "CONNEC 5\n",
	    "CONNECT 1.5\n",
	    "connect\xff"
	    "5\n",
	};
	uint32_t port = 0;
	size_t k;

	(void)state;
	for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		print_message("line %zu\n", k);
		assert_int_equal(parse(bad[k], &port), -EINVAL);
	}
	/* Garbage is refused as soon as it shows, without waiting for more. */
	assert_int_equal(parse("GET", &port), -EINVAL);
	assert_int_equal(parse("CONNECT x", &port), -EINVAL);
}

static void test_embedded_nul(void **state)
{
	uint32_t port = 0;

	(void)state;
	assert_int_equal(vsock_parse_connect("CONNECT 5\0\n", 11, &port), -EINVAL);
	assert_int_equal(vsock_parse_connect("CONN\0ECT 5\n", 11, &port), -EINVAL);
	assert_int_equal(vsock_parse_connect("CONNECT \0"
					     "5\n",
					     11, &port),
			 -EINVAL);
	assert_int_equal(vsock_parse_connect("\0", 1, &port), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good_lines),	     cmocka_unit_test(test_data_after_line),
	    cmocka_unit_test(test_case_insensitive), cmocka_unit_test(test_leading_zeros),
	    cmocka_unit_test(test_out_of_range),     cmocka_unit_test(test_needs_more),
	    cmocka_unit_test(test_too_long),	     cmocka_unit_test(test_garbage),
	    cmocka_unit_test(test_embedded_nul),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
