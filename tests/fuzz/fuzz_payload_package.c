/*
 * fuzz_payload_package.c - the package reader on arbitrary bytes.
 *
 * The input is used twice, copied to a buffer of exactly its size:
 *   - as a whole package: pkg_open() (footer, padding, image digest,
 *     superblock), then pkg_load_config() and a walk of the tree; a footer
 *     that decodes must encode back to the same bytes;
 *   - as a bare EROFS image (the digest would stop most inputs before the
 *     file system): erofs_open(), a walk reading each file's ends, lookups,
 *     and pkg_load_config().
 * Besides "no crash", walked paths are absolute and normal, and every file
 * reads back exactly its size.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/payload/package.h"

static void check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

static int visit(void *opaque, const char *path, const struct erofs_inode *ino)
{
	uint8_t buf[256];
	size_t n;

	(void)opaque;
	check(path[0] == '/' && strlen(path) < EROFS_PATH_MAX && !strstr(path, "//"));
	check(ino->head_len + ino->tail_len == ino->size || ino->size == 0 ||
	      !(S_ISREG(ino->mode) || S_ISDIR(ino->mode) || S_ISLNK(ino->mode)));
	if (ino->head_len + ino->tail_len != ino->size)
		return 0; /* a device or FIFO: no data */
	/* Both ends of the file: enough to touch the head and the tail. */
	n = erofs_pread(ino, buf, sizeof(buf), 0);
	check(n == (ino->size < sizeof(buf) ? ino->size : sizeof(buf)));
	if (ino->size > sizeof(buf)) {
		n = erofs_pread(ino, buf, sizeof(buf), ino->size - sizeof(buf));
		check(n == sizeof(buf));
	}
	return 0;
}

static void as_package(const uint8_t *data, size_t size)
{
	uint8_t again[PKG_FOOTER_SIZE];
	struct vm_payload_config cfg;
	struct error e = {{0}};
	struct pkg_footer f;
	struct pkg p;

	if (size >= PKG_FOOTER_SIZE &&
	    pkg_footer_decode(data + size - PKG_FOOTER_SIZE, size, &f, &e) == 0) {
		pkg_footer_encode(&f, again);
		check(!memcmp(again, data + size - PKG_FOOTER_SIZE, PKG_FOOTER_SIZE));
	}
	if (pkg_open(&p, data, size, &e) < 0)
		return;
	check(p.fs.size == p.footer.image_size && p.footer.image_size < size);
	pkg_load_config(&p.fs, &cfg, &e);
	erofs_walk(&p.fs, visit, NULL, &e);
}

static void as_image(const uint8_t *data, size_t size)
{
	struct vm_payload_config cfg;
	struct erofs_inode ino;
	struct error e = {{0}};
	struct erofs fs;

	if (erofs_open(&fs, data, size, &e) < 0)
		return;
	check(fs.size <= size);
	erofs_walk(&fs, visit, NULL, &e);
	if (erofs_lookup(&fs, "/lib/x86_64", &ino, &e) == 0)
		visit(NULL, "/lib/x86_64", &ino);
	pkg_load_config(&fs, &cfg, &e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);

	check(copy != NULL);
	memcpy(copy, data, size);
	as_package(copy, size);
	as_image(copy, size);
	free(copy);
	return 0;
}
