/*
 * erofs.c - see erofs.h.  On-disk layout from the kernel's
 * fs/erofs/erofs_fs.h: a 128-byte superblock at byte 1024; inodes of 32
 * (compact) or 64 (extended) bytes at meta_blkaddr * 4096 + nid * 32;
 * directories as blocks that each start with 12-byte entries
 * {le64 nid, le16 nameoff, u8 file_type, u8 reserved} followed by the names.
 */
#include "erofs.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/common/le.h"

/* Superblock fields, as offsets from EROFS_SUPER_OFFSET. */
#define SB_MAGIC 0
#define SB_CHECKSUM 4
#define SB_FEATURE_COMPAT 8
#define SB_BLKSZBITS 12
#define SB_ROOT_NID 14
#define SB_BLOCKS 36
#define SB_META_BLKADDR 40
#define SB_UUID 48
#define SB_FEATURE_INCOMPAT 80
#define SB_EXTRA_DEVICES 86
#define SB_SIZE 128

#define FEATURE_COMPAT_SB_CHKSUM 0x1
/* Only meaningful for compressed data, which is refused per inode anyway. */
#define FEATURE_INCOMPAT_ZERO_PADDING 0x1

/* Inode fields (both formats) and the layouts this reader handles. */
#define I_FORMAT 0
#define I_XATTR_ICOUNT 2
#define I_MODE 4
#define I_U 16
#define ICOMPACT_SIZE 32
#define IEXTENDED_SIZE 64
#define NID_SHIFT 5 /* inode slots are 32 bytes */
#define LAYOUT_FLAT_PLAIN 0
#define LAYOUT_FLAT_INLINE 2

#define DIRENT_SIZE 12

#define BLKSZ ((uint64_t)EROFS_BLOCK_SIZE)

uint32_t erofs_crc32c(uint32_t crc, const uint8_t *p, size_t len)
{
	while (len--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82f63b78u & -(crc & 1));
	}
	return crc;
}

int erofs_open(struct erofs *fs, const uint8_t *img, uint64_t size, struct error *e)
{
	const uint8_t *sb = img + EROFS_SUPER_OFFSET;
	struct erofs_inode root;
	uint8_t block[EROFS_BLOCK_SIZE - EROFS_SUPER_OFFSET];
	uint32_t want, blkszbits;
	int err;

	memset(fs, 0, sizeof(*fs));
	if (size < BLKSZ)
		return error_set(e, -EINVAL, "erofs: image too small (%llu bytes)",
				 (unsigned long long)size);
	if (get_le32(sb + SB_MAGIC) != EROFS_SUPER_MAGIC)
		return error_set(e, -EINVAL, "erofs: no superblock (bad magic %#x)",
				 get_le32(sb + SB_MAGIC));
	blkszbits = sb[SB_BLKSZBITS];
	if (blkszbits != 12)
		return error_set(e, -EOPNOTSUPP,
				 "erofs: block size 2^%u is not supported (only 4096)", blkszbits);
	fs->feature_compat = get_le32(sb + SB_FEATURE_COMPAT);
	fs->feature_incompat = get_le32(sb + SB_FEATURE_INCOMPAT);
	if (fs->feature_compat & FEATURE_COMPAT_SB_CHKSUM) {
		memcpy(block, sb, sizeof(block));
		memset(block + SB_CHECKSUM, 0, 4);
		want = get_le32(sb + SB_CHECKSUM);
		if (erofs_crc32c(~0u, block, sizeof(block)) != want)
			return error_set(e, -EINVAL, "erofs: superblock checksum mismatch");
	}
	if (fs->feature_incompat & ~FEATURE_INCOMPAT_ZERO_PADDING)
		return error_set(e, -EOPNOTSUPP,
				 "erofs: features %#x are not supported (compression, chunks, "
				 "devices...)",
				 fs->feature_incompat & ~FEATURE_INCOMPAT_ZERO_PADDING);
	if (get_le16(sb + SB_EXTRA_DEVICES))
		return error_set(e, -EOPNOTSUPP, "erofs: extra devices are not supported");
	fs->blocks = get_le32(sb + SB_BLOCKS);
	if (fs->blocks == 0 || fs->blocks > size / BLKSZ)
		return error_set(e, -EINVAL,
				 "erofs: the superblock counts %u blocks, the image has %llu",
				 fs->blocks, (unsigned long long)(size / BLKSZ));
	fs->img = img;
	fs->size = (uint64_t)fs->blocks * BLKSZ;
	fs->meta_off = (uint64_t)get_le32(sb + SB_META_BLKADDR) * BLKSZ;
	fs->root_nid = get_le16(sb + SB_ROOT_NID);
	memcpy(fs->uuid, sb + SB_UUID, sizeof(fs->uuid));
	err = erofs_inode_get(fs, fs->root_nid, &root, e);
	if (err < 0)
		return error_prefix(e, err, "erofs: root directory");
	if (!S_ISDIR(root.mode))
		return error_set(e, -EINVAL, "erofs: the root is not a directory");
	return 0;
}

/* Does [off, off + len) lie inside the file system?  Overflow-safe. */
static bool in_fs(const struct erofs *fs, uint64_t off, uint64_t len)
{
	return off <= fs->size && len <= fs->size - off;
}

int erofs_inode_get(const struct erofs *fs, uint64_t nid, struct erofs_inode *ino, struct error *e)
{
	uint64_t off, isize, xsize, nblocks, start, tail_off;
	unsigned int format, layout, icount;
	const uint8_t *p;
	uint32_t raw_blkaddr;

	memset(ino, 0, sizeof(*ino));
	ino->nid = nid;
	if (nid > (fs->size >> NID_SHIFT) || fs->meta_off > fs->size - (nid << NID_SHIFT) ||
	    !in_fs(fs, fs->meta_off + (nid << NID_SHIFT), ICOMPACT_SIZE))
		return error_set(e, -EINVAL, "erofs: inode %llu lies outside the image",
				 (unsigned long long)nid);
	off = fs->meta_off + (nid << NID_SHIFT);
	p = fs->img + off;
	format = get_le16(p + I_FORMAT);
	if (format & ~0xfu)
		return error_set(e, -EOPNOTSUPP, "erofs: inode %llu: unknown format bits %#x",
				 (unsigned long long)nid, format);
	layout = format >> 1;
	ino->mode = get_le16(p + I_MODE);
	raw_blkaddr = get_le32(p + I_U);
	if (format & 1) {
		isize = IEXTENDED_SIZE;
		if (!in_fs(fs, off, isize))
			return error_set(e, -EINVAL, "erofs: inode %llu lies outside the image",
					 (unsigned long long)nid);
		ino->size = get_le64(p + 8);
		ino->uid = get_le32(p + 24);
		ino->gid = get_le32(p + 28);
		ino->nlink = get_le32(p + 44);
	} else {
		isize = ICOMPACT_SIZE;
		ino->nlink = get_le16(p + 6);
		ino->size = get_le32(p + 8);
		ino->uid = get_le16(p + 24);
		ino->gid = get_le16(p + 26);
	}
	icount = get_le16(p + I_XATTR_ICOUNT);
	xsize = icount ? 12 + 4 * (uint64_t)(icount - 1) : 0;

	switch (ino->mode & S_IFMT) {
	case S_IFREG:
	case S_IFDIR:
	case S_IFLNK:
		break;
	case S_IFCHR:
	case S_IFBLK:
	case S_IFIFO:
	case S_IFSOCK:
		return 0; /* no data: i_u holds a device number */
	default:
		return error_set(e, -EINVAL, "erofs: inode %llu: bad file type (mode %#o)",
				 (unsigned long long)nid, ino->mode);
	}
	if (ino->size == 0)
		return 0;
	if (layout != LAYOUT_FLAT_PLAIN && layout != LAYOUT_FLAT_INLINE)
		return error_set(e, -EOPNOTSUPP,
				 "erofs: inode %llu: compressed or chunk-based data (layout %u) "
				 "is not supported",
				 (unsigned long long)nid, layout);
	if (ino->size > fs->size)
		return error_set(e, -EINVAL, "erofs: inode %llu: size %llu exceeds the image",
				 (unsigned long long)nid, (unsigned long long)ino->size);
	nblocks = (ino->size + BLKSZ - 1) / BLKSZ;
	/* With an inline layout the last block, full or not, sits after the inode. */
	ino->head_len = layout == LAYOUT_FLAT_INLINE ? (nblocks - 1) * BLKSZ : ino->size;
	if (ino->head_len) {
		start = (uint64_t)raw_blkaddr * BLKSZ;
		if (!in_fs(fs, start, ino->head_len))
			return error_set(e, -EINVAL,
					 "erofs: inode %llu: data lies outside the image",
					 (unsigned long long)nid);
		ino->head = fs->img + start;
	}
	ino->tail_len = ino->size - ino->head_len;
	if (ino->tail_len) {
		tail_off = off + isize + xsize;
		if (tail_off % BLKSZ + ino->tail_len > BLKSZ || !in_fs(fs, tail_off, ino->tail_len))
			return error_set(e, -EINVAL,
					 "erofs: inode %llu: inline data crosses its block",
					 (unsigned long long)nid);
		ino->tail = fs->img + tail_off;
	}
	return 0;
}

size_t erofs_pread(const struct erofs_inode *ino, void *buf, size_t len, uint64_t off)
{
	uint8_t *out = buf;
	size_t done = 0, n;

	while (done < len && off < ino->size) {
		if (off < ino->head_len) {
			n = (size_t)(ino->head_len - off < len - done ? ino->head_len - off
								      : len - done);
			memcpy(out + done, ino->head + off, n);
		} else {
			n = (size_t)(ino->size - off < len - done ? ino->size - off : len - done);
			memcpy(out + done, ino->tail + (off - ino->head_len), n);
		}
		done += n;
		off += n;
	}
	return done;
}

/* Is (a, alen) strictly before (b, blen) in the byte order directories are sorted in? */
static bool name_before(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	return c < 0 || (c == 0 && alen < blen);
}

struct dir_cursor {
	const struct erofs_inode *dir;
	char prev[EROFS_NAME_MAX];
	size_t prev_len; /* 0: no entry seen yet */
};

static int dir_bad(const struct dir_cursor *c, const char *what, struct error *e)
{
	return error_set(e, -EINVAL, "erofs: directory inode %llu: %s",
			 (unsigned long long)c->dir->nid, what);
}

/* One directory block of @len bytes. */
static int dir_block(struct dir_cursor *c, const uint8_t *b, size_t len, erofs_dirent_fn fn,
		     void *opaque, struct error *e)
{
	size_t first, count, nameoff, end, name_len;
	const char *name;
	int ret;

	if (len < DIRENT_SIZE)
		return dir_bad(c, "block too short for an entry", e);
	first = get_le16(b + 8);
	if (first < DIRENT_SIZE || first % DIRENT_SIZE || first > len)
		return dir_bad(c, "bad first name offset", e);
	count = first / DIRENT_SIZE;
	for (size_t i = 0; i < count; i++) {
		const uint8_t *de = b + i * DIRENT_SIZE;

		nameoff = get_le16(de + 8);
		end = i + 1 < count ? get_le16(de + DIRENT_SIZE + 8) : len;
		if (nameoff < first || end > len || nameoff >= end)
			return dir_bad(c, "name offsets out of order or out of the block", e);
		name = (const char *)b + nameoff;
		name_len = end - nameoff;
		if (i + 1 == count) /* the last name may be padded with NULs */
			name_len = strnlen(name, name_len);
		if (name_len == 0 || name_len > EROFS_NAME_MAX)
			return dir_bad(c, "empty or over-long name", e);
		if (memchr(name, '/', name_len) || memchr(name, '\0', name_len))
			return dir_bad(c, "a name contains '/' or NUL", e);
		if (c->prev_len && !name_before(c->prev, c->prev_len, name, name_len))
			return dir_bad(c, "names out of order or repeated", e);
		memcpy(c->prev, name, name_len);
		c->prev_len = name_len;
		if ((name_len == 1 && name[0] == '.') ||
		    (name_len == 2 && name[0] == '.' && name[1] == '.'))
			continue;
		ret = fn(opaque, name, name_len, get_le64(de), de[10]);
		if (ret)
			return ret;
	}
	return 0;
}

int erofs_readdir(const struct erofs *fs, const struct erofs_inode *dir, erofs_dirent_fn fn,
		  void *opaque, struct error *e)
{
	struct dir_cursor c = {.dir = dir};
	uint64_t pos;
	int ret;

	(void)fs;
	if (!S_ISDIR(dir->mode))
		return error_set(e, -ENOTDIR, "erofs: inode %llu is not a directory",
				 (unsigned long long)dir->nid);
	/* A directory's blocks are whole blocks of the head, then the tail. */
	for (pos = 0; pos < dir->size; pos += BLKSZ) {
		size_t len = (size_t)(dir->size - pos < BLKSZ ? dir->size - pos : BLKSZ);
		const uint8_t *b = pos < dir->head_len ? dir->head + pos : dir->tail;

		ret = dir_block(&c, b, len, fn, opaque, e);
		if (ret)
			return ret;
	}
	return 0;
}

struct find_ctx {
	const char *name;
	size_t len;
	uint64_t nid;
};

static int find_entry(void *opaque, const char *name, size_t len, uint64_t nid, unsigned int type)
{
	struct find_ctx *f = opaque;

	(void)type;
	if (len != f->len || memcmp(name, f->name, len))
		return 0;
	f->nid = nid;
	return 1;
}

int erofs_lookup(const struct erofs *fs, const char *path, struct erofs_inode *ino, struct error *e)
{
	struct find_ctx f;
	const char *p = path;
	int err;

	err = erofs_inode_get(fs, fs->root_nid, ino, e);
	while (err >= 0) {
		while (*p == '/')
			p++;
		if (!*p)
			return 0;
		f.name = p;
		f.len = strcspn(p, "/");
		p += f.len;
		if (f.len > EROFS_NAME_MAX || (f.len == 1 && f.name[0] == '.') ||
		    (f.len == 2 && f.name[0] == '.' && f.name[1] == '.'))
			return error_set(e, -EINVAL, "'%s': bad path component", path);
		if (!S_ISDIR(ino->mode))
			return error_set(e, -ENOTDIR, "'%s': not a directory on the way", path);
		err = erofs_readdir(fs, ino, find_entry, &f, e);
		if (err == 0)
			return error_set(e, -ENOENT, "'%s': not found", path);
		if (err > 0)
			err = erofs_inode_get(fs, f.nid, ino, e);
	}
	return err;
}

struct walk {
	const struct erofs *fs;
	erofs_walk_fn fn;
	void *opaque;
	struct error *e;
	char path[EROFS_PATH_MAX];
	size_t path_len;
	uint64_t stack[EROFS_WALK_MAX_DEPTH]; /* the directories on the current path */
	unsigned int depth;
	unsigned long entries;
};

static int walk_dir(struct walk *w, const struct erofs_inode *dir);

static int walk_entry(void *opaque, const char *name, size_t len, uint64_t nid, unsigned int type)
{
	struct walk *w = opaque;
	struct erofs_inode ino;
	size_t saved = w->path_len;
	int ret;

	(void)type;
	if (++w->entries > EROFS_WALK_MAX_ENTRIES)
		return error_set(w->e, -E2BIG, "erofs: more than %d files", EROFS_WALK_MAX_ENTRIES);
	if (saved + 1 + len >= sizeof(w->path))
		return error_set(w->e, -E2BIG, "erofs: a path is longer than %d bytes",
				 EROFS_PATH_MAX);
	if (saved > 1)
		w->path[w->path_len++] = '/';
	memcpy(w->path + w->path_len, name, len);
	w->path_len += len;
	w->path[w->path_len] = '\0';
	ret = erofs_inode_get(w->fs, nid, &ino, w->e);
	if (ret >= 0)
		ret = w->fn(w->opaque, w->path, &ino);
	if (ret == 0 && S_ISDIR(ino.mode))
		ret = walk_dir(w, &ino);
	w->path_len = saved;
	w->path[saved] = '\0';
	return ret;
}

static int walk_dir(struct walk *w, const struct erofs_inode *dir)
{
	int ret;

	for (unsigned int i = 0; i < w->depth; i++)
		if (w->stack[i] == dir->nid)
			return error_set(w->e, -ELOOP, "erofs: '%s' is inside itself", w->path);
	if (w->depth == EROFS_WALK_MAX_DEPTH)
		return error_set(w->e, -ELOOP, "erofs: '%s' is nested more than %d deep", w->path,
				 EROFS_WALK_MAX_DEPTH);
	w->stack[w->depth++] = dir->nid;
	ret = erofs_readdir(w->fs, dir, walk_entry, w, w->e);
	w->depth--;
	return ret;
}

int erofs_walk(const struct erofs *fs, erofs_walk_fn fn, void *opaque, struct error *e)
{
	struct walk w = {.fs = fs, .fn = fn, .opaque = opaque, .e = e};
	struct erofs_inode root;
	int ret;

	ret = erofs_inode_get(fs, fs->root_nid, &root, e);
	if (ret < 0)
		return ret;
	w.path[0] = '/';
	w.path_len = 1;
	ret = fn(opaque, w.path, &root);
	if (ret == 0)
		ret = walk_dir(&w, &root);
	return ret;
}
