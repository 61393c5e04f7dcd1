/* error.c - see error.h. */
#include "error.h"

#include <stdio.h>
#include <string.h>

int error_set(struct error *e, int err, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return err;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return err;
}

int error_prefix(struct error *e, int err, const char *fmt, ...)
{
	char prefix[128];
	char old[sizeof(e->msg)];
	va_list ap;

	if (!e)
		return err;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof(old));
	/* Truncating an over-long message is acceptable; it stays NUL-terminated. */
	if (snprintf(e->msg, sizeof(e->msg), "%.127s: %.380s", prefix, old) < 0)
		e->msg[0] = '\0';
	return err;
}
