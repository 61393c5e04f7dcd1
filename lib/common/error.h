/*
 * error.h - error reporting for library code.
 *
 * Library functions return 0 (or a non-negative value) on success and a
 * negative errno on failure.  When the caller passes a struct error, the
 * failing function also leaves a one-line, human-readable reason in it, so
 * that the program's edge (main) can print one clear message.  Library code
 * never prints and never exits.
 */
#ifndef MVM_COMMON_ERROR_H
#define MVM_COMMON_ERROR_H

#include <stdarg.h>

struct error {
	char msg[512];
};

/*
 * Record a formatted reason in @e (if @e is not NULL) and return @err, which
 * must be a negative errno.  Typical use:
 *   return error_set(e, -EINVAL, "kernel: bad magic %#x", magic);
 * An earlier message in @e is overwritten.
 */
int error_set(struct error *e, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Prefix the message already in @e with "prefix: " and return @err.  Used to
 * add context when an error crosses a layer ("initrd: " + reason).
 */
int error_prefix(struct error *e, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
