/*
 * erofs.h - a reader for the EROFS images inside payload packages.
 *
 * The guest mounts a package's image with the kernel's erofs driver; the
 * host reads it with this code to list it (`vm inspect`), to check what
 * `vm pack` built before publishing it, and (later) so that virtmgr can
 * read vm_config.json without mounting anything.  Images are untrusted:
 * every offset and length is bounds- and overflow-checked against the
 * image, directory names must be sorted and unique (as the kernel's lookup
 * assumes), and walking the tree is bounded in depth and in entries.
 *
 * Supported: 4 KiB blocks; compact and extended inodes; uncompressed data,
 * flat or with an inline tail ("tail packing").  Refused with -EOPNOTSUPP:
 * compressed, chunk-based and multi-device images, which `vm pack` never
 * makes.  Extended attributes are skipped.
 *
 * The reader works on an image in memory (mmap it) and never copies it;
 * struct erofs and struct erofs_inode point into the caller's buffer, which
 * must outlive them.  Errors: negative errno with a reason in @e.
 */
#ifndef MDROID_PAYLOAD_EROFS_H
#define MDROID_PAYLOAD_EROFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/common/error.h"

#define EROFS_SUPER_OFFSET 1024
#define EROFS_SUPER_MAGIC 0xe0f5e1e2u
#define EROFS_BLOCK_SIZE 4096
#define EROFS_NAME_MAX 255
/* Walking a tree: the deepest path, the longest path, the most entries. */
#define EROFS_WALK_MAX_DEPTH 32
#define EROFS_PATH_MAX 4096
#define EROFS_WALK_MAX_ENTRIES 100000

/* Directory entry file types. */
enum erofs_ftype {
	EROFS_FT_UNKNOWN,
	EROFS_FT_REG_FILE,
	EROFS_FT_DIR,
	EROFS_FT_CHRDEV,
	EROFS_FT_BLKDEV,
	EROFS_FT_FIFO,
	EROFS_FT_SOCK,
	EROFS_FT_SYMLINK,
};

struct erofs {
	const uint8_t *img;
	uint64_t size;	   /* the file system's own bytes: blocks * 4096 */
	uint64_t meta_off; /* byte offset of inode number (nid) 0 */
	uint64_t root_nid;
	uint32_t blocks;
	uint32_t feature_compat;
	uint32_t feature_incompat;
	uint8_t uuid[16];
};

struct erofs_inode {
	uint64_t nid;
	uint32_t mode; /* file type and permission bits, as in st_mode */
	uint32_t nlink;
	uint32_t uid;
	uint32_t gid;
	uint64_t size;
	/*
	 * Where the data is: a head of whole blocks and, with an inline
	 * layout, a tail stored in the inode's own block.  Either may be
	 * empty; together they hold exactly @size bytes.
	 */
	const uint8_t *head;
	uint64_t head_len;
	const uint8_t *tail;
	uint64_t tail_len;
};

/*
 * Check the superblock of the image at @img (@size bytes) and fill @fs.
 * The image may be longer than the file system (a package's footer follows
 * it); the reader never looks past fs->size.  Checks the magic, the block
 * size, the superblock checksum when the image has one, the features, and
 * that the root is a directory.
 */
int erofs_open(struct erofs *fs, const uint8_t *img, uint64_t size, struct error *e);

/* Read and check the inode @nid. */
int erofs_inode_get(const struct erofs *fs, uint64_t nid, struct erofs_inode *ino, struct error *e);

/*
 * Copy up to @len bytes of @ino's data, from offset @off, to @buf.  Returns
 * how many were copied (0 at or past the end).
 */
size_t erofs_pread(const struct erofs_inode *ino, void *buf, size_t len, uint64_t off);

/*
 * Call @fn for each entry of the directory @dir, in order, except "." and
 * "..".  @name is not NUL-terminated.  A non-zero return from @fn stops the
 * walk and is returned.  Fails with -EINVAL on a malformed directory
 * (offsets out of the block, empty or over-long names, names containing
 * '/' or NUL, names out of order or repeated).
 */
typedef int (*erofs_dirent_fn)(void *opaque, const char *name, size_t name_len, uint64_t nid,
			       unsigned int type);
int erofs_readdir(const struct erofs *fs, const struct erofs_inode *dir, erofs_dirent_fn fn,
		  void *opaque, struct error *e);

/*
 * Find the inode at @path: '/'-separated, relative to the root, with or
 * without a leading '/' ("/" or "" is the root).  "." and ".." are not
 * followed.  -ENOENT if a component is missing, -ENOTDIR if one that must
 * be a directory is not.
 */
int erofs_lookup(const struct erofs *fs, const char *path, struct erofs_inode *ino,
		 struct error *e);

/*
 * Visit every file in the tree, depth first in directory order, the root
 * ("/") first: @fn gets the absolute path and the inode.  A non-zero return
 * from @fn stops the walk and is returned.  Fails with -ELOOP on a
 * directory inside itself or deeper than EROFS_WALK_MAX_DEPTH, and with
 * -E2BIG past EROFS_WALK_MAX_ENTRIES entries or EROFS_PATH_MAX bytes.
 */
typedef int (*erofs_walk_fn)(void *opaque, const char *path, const struct erofs_inode *ino);
int erofs_walk(const struct erofs *fs, erofs_walk_fn fn, void *opaque, struct error *e);

/*
 * CRC-32C (Castagnoli, reflected) of @len bytes, continuing from @crc, with
 * no final inversion: erofs checksums its superblock block (from byte 1024,
 * checksum field zeroed) as erofs_crc32c(~0u, ...).
 */
uint32_t erofs_crc32c(uint32_t crc, const uint8_t *p, size_t len);

#endif
