/*
 * pack.h - building a payload package (lib/payload/package.h) from files.
 *
 * The files are copied into a staging tree with fixed modes (directories
 * 0755; files 0644, or 0755 when the source is executable), mkfs.erofs
 * turns the tree into an image with fixed timestamps, owners and UUID (so
 * the same inputs give the same package, byte for byte), the image is
 * checked with this project's own reader (so a package the guest would
 * refuse is never published), and the footer is appended.  The package is
 * written to a temporary file beside the output and renamed over it:
 * on any failure the output is untouched and no temporary file remains.
 */
#ifndef MDROID_VM_PACK_H
#define MDROID_VM_PACK_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/common/error.h"

/* The most files in one package. */
#define PACK_MAX_ENTRIES 1024

struct pack_entry {
	const char *src;  /* a regular file on the host */
	const char *dest; /* its path in the package, relative ("lib/x86_64/libx.so") */
};

/*
 * Check that @dest can be a path in a package: relative, normal (no empty,
 * "." or ".." components, no trailing '/'), no control characters, each
 * component at most 255 bytes, all at most 4095.  Returns 0 or -EINVAL.
 */
int pack_dest_check(const char *dest, struct error *e);

/*
 * Build the package @out from the @n entries (which must include
 * vm_config.json).  @mkfs is the mkfs.erofs program (a path, or a name to
 * look up in PATH).  Checks the entries (paths, duplicates, a file in the
 * place of a directory, sources are regular files) and the result: the
 * EROFS image and, if @check_config, its config (pkg_load_config(); off
 * only for `vm pack --no-check`, which makes bad packages for tests).
 * Returns 0, or a negative errno with the reason in @e.
 */
int pack_build(const struct pack_entry *entries, size_t n, const char *out, const char *mkfs,
	       bool check_config, struct error *e);

#endif
