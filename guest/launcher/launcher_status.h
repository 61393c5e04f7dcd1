/*
 * launcher_status.h - the status line microdroid_launcher sends to
 * microdroid_manager (docs/payload.md, "The launcher handshake").
 *
 * The manager starts `microdroid_launcher --status-fd N LIB.so` with the
 * write end of a pipe as fd N.  Exactly one line comes back on it:
 *
 *   "ok\n"                 the library is loaded and AVmPayload_main
 *                          found; the payload runs from now on
 *   "error: REASON\n"      it could not be started (REASON: dlerror()'s
 *                          text, a missing symbol...); the process exits
 *                          with LAUNCHER_EXIT_FAILED
 *
 * The manager's forked child uses the same "error: " line for what fails
 * before exec (dropping privileges, exec itself).  The line is at most
 * LAUNCHER_STATUS_MAX bytes with its newline; REASON is cut to fit and
 * has no control characters.  The bytes come from a process that already
 * ran the payload library's constructors, so the reader treats them as
 * untrusted: launcher_status_parse() accepts exactly these two forms.
 */
#ifndef MDROID_LAUNCHER_STATUS_H
#define MDROID_LAUNCHER_STATUS_H

#include <stdbool.h>
#include <stddef.h>

#define LAUNCHER_STATUS_MAX 1024
/* The exit status of a launcher (or a manager child) that sent "error: ". */
#define LAUNCHER_EXIT_FAILED 127

/*
 * Write the status line to @fd: "ok" if @reason is NULL, else "error:
 * @reason" (cut to fit, control characters replaced by '?').  Async-signal
 * safe (no allocation), so a forked child may use it.  Returns 0 or -errno.
 */
int launcher_status_write(int fd, const char *reason);

/*
 * Parse @len bytes read from the status pipe (up to and including the
 * first newline, or everything before EOF).  Returns 1 for "ok", 0 for
 * "error: REASON" with REASON copied to @reason (@size bytes, NUL
 * terminated, cut to fit), -EPROTO for anything else (including nothing
 * at all, which the caller decides how to read).
 */
int launcher_status_parse(const char *buf, size_t len, char *reason, size_t size);

#endif
