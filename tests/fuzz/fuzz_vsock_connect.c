/*
 * fuzz_vsock_connect.c - the parser of the host's "CONNECT <port>\n" line
 * (vsock_parse_connect() in vmm/devices/virtio/vsock_uds.c) on arbitrary
 * bytes.
 *
 * Input: the bytes a host client sent, as they are.
 * Checked: a complete line ends at a newline within
 * VSOCK_CONNECT_LINE_MAX bytes and agrees with a separate reference
 * reading of the format; every shorter prefix of a good line asks for
 * more data, and so does every prefix of an incomplete one (so that a
 * refusal is final); nothing is read beyond the given length.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/devices/virtio/vsock.h"

static void check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

/* The format, read another way: >0 line length, 0 incomplete, -1 bad. */
static int reference(const uint8_t *p, size_t n, uint32_t *port)
{
	static const char word[] = "CONNECT ";
	size_t i, lim = n < VSOCK_CONNECT_LINE_MAX ? n : VSOCK_CONNECT_LINE_MAX;
	uint64_t v = 0;
	bool digits = false;

	for (i = 0; i < lim; i++) {
		uint8_t ch = p[i];

		if (i < 8) {
			uint8_t up = (ch >= 'a' && ch <= 'z') ? (uint8_t)(ch - 32) : ch;

			if (up != (uint8_t)word[i])
				return -1;
		} else if (ch == '\n') {
			if (!digits)
				return -1;
			*port = (uint32_t)v;
			return (int)i + 1;
		} else if (ch >= '0' && ch <= '9') {
			v = v * 10 + (ch - '0');
			digits = true;
			if (v > 0xffffffffULL)
				return -1;
		} else {
			return -1;
		}
	}
	return n >= VSOCK_CONNECT_LINE_MAX ? -1 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t port = 0, ref_port = 0;
	char *copy;
	int r, ref;
	size_t k;

	/* An exact-size copy, so that reading past @size trips the sanitizer. */
	copy = malloc(size ? size : 1);
	check(copy != NULL);
	memcpy(copy, data, size);
	r = vsock_parse_connect(copy, size, &port);
	ref = reference(data, size, &ref_port);
	check(r == ref || (r < 0 && ref < 0));
	if (r > 0) {
		check((size_t)r <= size && r <= VSOCK_CONNECT_LINE_MAX);
		check(copy[r - 1] == '\n');
		check(port == ref_port);
	}
	if (r >= 0) {
		/* Nothing refused on the way: every shorter prefix asks for more. */
		size_t end = r > 0 ? (size_t)r : size;

		for (k = 0; k < end; k++) {
			uint32_t p2 = 0;

			check(vsock_parse_connect(copy, k, &p2) == 0);
		}
	}
	free(copy);
	return 0;
}
