/*
 * file.h - whole-file reading: images (kernels, initrds) and small text files.
 */
#ifndef MVM_COMMON_FILE_H
#define MVM_COMMON_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/*
 * Map the regular file at @path read-only.  On success stores the mapping
 * in *data and its length in *len (a zero-length file gives data == NULL,
 * len == 0) and returns 0.  The caller releases it with file_unmap().
 * Returns -errno with a reason naming @what and @path in @e.
 */
int file_map(const char *path, const char *what, const uint8_t **data, size_t *len,
	     struct error *e);

void file_unmap(const uint8_t *data, size_t len);

/*
 * Read the whole file at @path with read(2), which also works for /proc
 * and /sys files (whose size stat cannot tell), into a new buffer with a
 * NUL after the last byte.  On success stores it in *data (freed by the
 * caller with free()) and its length, without the NUL, in *len.  A file
 * longer than @max bytes is refused with -EFBIG.  Returns -errno with a
 * reason naming @what and @path in @e.
 */
int file_read_all(const char *path, const char *what, size_t max, char **data, size_t *len,
		  struct error *e);

#endif
