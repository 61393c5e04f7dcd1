/*
 * fail.c - the library's one way to fail: a reason on stderr, then abort.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmp.h"

void vmp_fail(const char *fmt, ...)
{
	char line[768];
	size_t n;
	va_list ap;

	strcpy(line, "vm_payload: ");
	n = strlen(line);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	va_end(ap);
	n = strlen(line);
	line[n++] = '\n';
	/* One write, so the line is not interleaved with other threads' output. */
	fflush(stderr);
	if (write(STDERR_FILENO, line, n) < 0) {
		/* Nowhere to say it; abort all the same. */
	}
	abort();
}
