/*
 * fuzz_console_scan.c - virtmgr's kernel-panic scanner (host/virtmgr/
 * console_scan.c) on arbitrary guest console output, cut into arbitrary
 * chunks.
 *
 * Input: byte 0 seeds the chunk sizes (1-16 bytes, cycling through the
 * input's own bytes); the rest is the console stream.
 * Checked: the scanner reports a panic exactly when memmem() finds
 * CONSOLE_PANIC_TEXT in the whole stream, whatever the chunking.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "host/virtmgr/console_scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *buf, size_t size)
{
	struct console_scan s;
	const char *text;
	size_t len, pos = 0, step = 0;
	bool want, got = false;

	if (size < 1)
		return 0;
	text = (const char *)buf + 1;
	len = size - 1;
	want = memmem(text, len, CONSOLE_PANIC_TEXT, sizeof(CONSOLE_PANIC_TEXT) - 1) != NULL;
	console_scan_init(&s);
	while (pos < len) {
		size_t n = 1 + (size_t)((buf[0] + buf[1 + (step++ % len)]) % 16);

		if (n > len - pos)
			n = len - pos;
		got = console_scan_feed(&s, text + pos, n);
		pos += n;
	}
	if (got != want)
		__builtin_trap();
	return 0;
}
