/*
 * cmdline.h - the kernel command line, as init reads it.
 *
 * The line is split into words at spaces, tabs and newlines; a double
 * quote starts or ends a quoted stretch in which spaces are kept, and the
 * quotes themselves are dropped (as the kernel does: foo="a b" is the word
 * foo=a b).  A word is "key=value" (split at the first '=') or a bare
 * "key" (value NULL).
 */
#ifndef MICRODROID_INIT_CMDLINE_H
#define MICRODROID_INIT_CMDLINE_H

#include <stddef.h>

#include "lib/common/error.h"

/* The largest command line file read (the kernel's own limit is far lower). */
#define CMDLINE_FILE_MAX (64u << 10)

/*
 * Call @fn for each word of @text, in order.  @key and @value point into a
 * scratch copy valid during the call.  Stops at the first non-zero return
 * of @fn and returns it; returns 0 after the last word, -ENOMEM.
 */
int cmdline_foreach(const char *text, int (*fn)(void *ctx, const char *key, const char *value),
		    void *ctx);

/*
 * The value of the last word whose key is @key, copied into @out (@cap
 * bytes).  Returns its length, -ENOENT if absent or bare, -ENAMETOOLONG
 * if it does not fit.
 */
int cmdline_get(const char *text, const char *key, char *out, size_t cap);

/*
 * Read the command line file at @path (normally /proc/cmdline) into a new
 * NUL-terminated string (*out, freed by the caller).  Returns 0 or -errno
 * with a reason in @e.
 */
int cmdline_read(const char *path, char **out, struct error *e);

#endif
