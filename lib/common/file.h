/*
 * file.h - whole-file reading for images (kernels, initrds).
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

#endif
