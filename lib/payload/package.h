/*
 * package.h - payload packages: one file holding a VM's payload.
 *
 * A package is an EROFS image of the package tree, followed by an optional
 * signature block and then a footer block whose last 128 bytes are the
 * footer.  The guest attaches the file as a read-only virtio-blk disk and
 * mounts the image directly (erofs ignores what follows its own blocks);
 * the host and the guest check the footer first.  docs/vm.md has the byte
 * layout; in short (all integers little-endian):
 *
 *   [0, image_size)         EROFS image, 4 KiB blocks, image_size % 4096 == 0
 *   [image_size, +sig_size) signature block, if any (none is written yet),
 *                           zero-padded to a 4 KiB boundary
 *   footer block            4096 bytes: zeros, then the 128-byte footer
 *
 *   footer:  0  magic "MDROIDPK"     8  u32 version (1)   12 u32 footer size (128)
 *           16  u32 compat flags    20  u32 incompat flags
 *           24  u64 image_size      32  u64 sig_offset    40  u64 sig_size
 *           48  u8[32] SHA-256 of the image              80  u8[16] reserved, zero
 *           96  u8[32] SHA-256 of footer bytes 0..95
 *
 * Readers refuse an unknown version or any unknown incompat flag, and
 * ignore unknown compat flags and the signature block.  So a signature can
 * be added later, as a block between the image and the footer block and a
 * compat flag, without breaking readers of version 1.
 *
 * The tree (paths inside the image):
 *   /vm_config.json            the payload config (vm_config.h)
 *   /lib/x86_64/<name>.so      payload libraries
 *   /...                       any other files (by convention under /assets/)
 *
 * Errors: negative errno with a one-line reason in @e.  Nothing here
 * prints; the package stays in the caller's buffer (mmap it).
 */
#ifndef MDROID_PAYLOAD_PACKAGE_H
#define MDROID_PAYLOAD_PACKAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/common/error.h"
#include "lib/payload/erofs.h"
#include "lib/payload/vm_config.h"

#define PKG_MAGIC "MDROIDPK"
#define PKG_VERSION 1
#define PKG_FOOTER_SIZE 128
#define PKG_BLOCK_SIZE 4096
#define PKG_SHA256_SIZE 32
/* The largest package this code reads or writes. */
#define PKG_MAX_SIZE (4ULL << 30)

/* No flags are defined in version 1. */
#define PKG_COMPAT_KNOWN 0u
#define PKG_INCOMPAT_KNOWN 0u

struct pkg_footer {
	uint32_t version;
	uint32_t compat_flags;
	uint32_t incompat_flags;
	uint64_t image_size;
	uint64_t sig_offset; /* image_size, or 0 with sig_size 0: no signature block */
	uint64_t sig_size;
	uint8_t image_sha256[PKG_SHA256_SIZE];
};

/* A package checked by pkg_open(): its footer and its file system. */
struct pkg {
	const uint8_t *data;
	uint64_t size;
	struct pkg_footer footer;
	struct erofs fs;
};

/* Write @f as the 128 footer bytes at @out (computing the footer's own digest). */
void pkg_footer_encode(const struct pkg_footer *f, uint8_t out[PKG_FOOTER_SIZE]);

/*
 * Parse and check the footer @raw, the last 128 bytes of a package of
 * @file_size bytes: magic, version, size, digest of the footer, flags,
 * reserved bytes, and that the image and signature block are aligned, lie
 * in order inside the file and leave exactly one footer block after them.
 * It does not check the image digest (pkg_open() does).
 */
int pkg_footer_decode(const uint8_t raw[PKG_FOOTER_SIZE], uint64_t file_size, struct pkg_footer *f,
		      struct error *e);

/* The size of a package whose contents (image, signature) end at @content_end. */
uint64_t pkg_file_size(uint64_t content_end);

/* SHA-256 of @len bytes at @data. */
void pkg_sha256(const uint8_t *data, size_t len, uint8_t out[PKG_SHA256_SIZE]);

/*
 * Check the whole package at @data (@size bytes): the footer, that the
 * footer block is zero before the footer, the image's SHA-256, and the
 * EROFS superblock, whose block count must match image_size.  On success
 * @p describes the package (and points into @data).
 */
int pkg_open(struct pkg *p, const uint8_t *data, uint64_t size, struct error *e);

/*
 * Read /vm_config.json from the file system @fs into @cfg and check what it
 * asks for against the tree: for a microdroid_launcher task, that
 * /lib/x86_64/<command> is a regular file holding an x86-64 ELF shared
 * object.  Used on a package's image by `vm pack` (before it publishes a
 * package), `vm inspect` and virtmgr.
 */
int pkg_load_config(const struct erofs *fs, struct vm_payload_config *cfg, struct error *e);

#endif
