/*
 * fail.c - the library's one way to fail: a reason on stderr, then abort.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "vmp.h"

void vmp_fail(const char *fmt, ...)
{
	char line[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One write, so the line is not interleaved with other threads' output. */
	fprintf(stderr, "vm_payload: %s\n", line);
	fflush(stderr);
	abort();
}
