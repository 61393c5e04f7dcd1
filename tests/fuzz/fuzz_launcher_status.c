/*
 * fuzz_launcher_status.c - launcher_status_parse() on arbitrary bytes:
 * the status line microdroid_manager reads from a process that already
 * ran the payload library's constructors.
 *
 * The input is copied to a buffer of exactly its size, so any read past
 * the end is caught.  Besides "no crash": "ok" is accepted only as the
 * whole first line, and an accepted reason is NUL-terminated, fits its
 * buffer and holds no control character (it goes to the host's log).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guest/launcher/launcher_status.h"

static void check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size ? size : 1), reason[64];
	const char *nl;
	size_t line;
	int r;

	check(copy != NULL);
	memcpy(copy, data, size);
	nl = memchr(copy, '\n', size);
	line = nl ? (size_t)(nl - copy) : size;
	r = launcher_status_parse(copy, size, reason, sizeof(reason));
	check(r == 1 || r == 0 || r == -EPROTO);
	if (r == 1)
		check(line == 2 && !memcmp(copy, "ok", 2));
	if (r == 0) {
		size_t n = strnlen(reason, sizeof(reason));

		check(n < sizeof(reason));
		check(line >= 7 && !memcmp(copy, "error: ", 7));
		for (size_t i = 0; i < n; i++)
			check((unsigned char)reason[i] >= 0x20 && reason[i] != 0x7f);
	}
	free(copy);
	return 0;
}
