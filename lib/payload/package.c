/* package.c - see package.h. */
#include "package.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>

#include "lib/common/le.h"
#include "lib/payload/elf_check.h"

/* Footer fields, as offsets into the footer. */
#define F_MAGIC 0
#define F_VERSION 8
#define F_FOOTER_SIZE 12
#define F_COMPAT 16
#define F_INCOMPAT 20
#define F_IMAGE_SIZE 24
#define F_SIG_OFFSET 32
#define F_SIG_SIZE 40
#define F_IMAGE_SHA256 48
#define F_RESERVED 80
#define F_RESERVED_SIZE 16
#define F_FOOTER_SHA256 96 /* covers bytes [0, 96) */

_Static_assert(F_FOOTER_SHA256 + PKG_SHA256_SIZE == PKG_FOOTER_SIZE, "footer layout");
_Static_assert(sizeof(PKG_MAGIC) - 1 == 8, "footer magic");

void pkg_sha256(const uint8_t *data, size_t len, uint8_t out[PKG_SHA256_SIZE])
{
	/* Cannot fail for SHA-256 on memory short of an allocation failure in OpenSSL. */
	if (!EVP_Digest(data, len, out, NULL, EVP_sha256(), NULL))
		abort();
}

void pkg_footer_encode(const struct pkg_footer *f, uint8_t out[PKG_FOOTER_SIZE])
{
	memset(out, 0, PKG_FOOTER_SIZE);
	memcpy(out + F_MAGIC, PKG_MAGIC, 8);
	put_le32(out + F_VERSION, f->version);
	put_le32(out + F_FOOTER_SIZE, PKG_FOOTER_SIZE);
	put_le32(out + F_COMPAT, f->compat_flags);
	put_le32(out + F_INCOMPAT, f->incompat_flags);
	put_le64(out + F_IMAGE_SIZE, f->image_size);
	put_le64(out + F_SIG_OFFSET, f->sig_offset);
	put_le64(out + F_SIG_SIZE, f->sig_size);
	memcpy(out + F_IMAGE_SHA256, f->image_sha256, PKG_SHA256_SIZE);
	pkg_sha256(out, F_FOOTER_SHA256, out + F_FOOTER_SHA256);
}

uint64_t pkg_file_size(uint64_t content_end)
{
	return (content_end + PKG_BLOCK_SIZE - 1) / PKG_BLOCK_SIZE * PKG_BLOCK_SIZE +
	       PKG_BLOCK_SIZE;
}

static bool all_zero(const uint8_t *p, size_t len)
{
	while (len--)
		if (*p++)
			return false;
	return true;
}

int pkg_footer_decode(const uint8_t raw[PKG_FOOTER_SIZE], uint64_t file_size, struct pkg_footer *f,
		      struct error *e)
{
	uint8_t digest[PKG_SHA256_SIZE];
	uint64_t content_end, room;

	memset(f, 0, sizeof(*f));
	if (memcmp(raw + F_MAGIC, PKG_MAGIC, 8))
		return error_set(e, -EINVAL, "not a payload package (no footer magic)");
	f->version = get_le32(raw + F_VERSION);
	if (f->version != PKG_VERSION)
		return error_set(
		    e, -EPROTONOSUPPORT,
		    "package format version %u is not supported (this reader knows %d)", f->version,
		    PKG_VERSION);
	if (get_le32(raw + F_FOOTER_SIZE) != PKG_FOOTER_SIZE)
		return error_set(e, -EINVAL, "footer size %u is not %d",
				 get_le32(raw + F_FOOTER_SIZE), PKG_FOOTER_SIZE);
	pkg_sha256(raw, F_FOOTER_SHA256, digest);
	if (memcmp(digest, raw + F_FOOTER_SHA256, PKG_SHA256_SIZE))
		return error_set(e, -EBADMSG, "footer checksum mismatch: the footer is corrupt");
	f->compat_flags = get_le32(raw + F_COMPAT);
	f->incompat_flags = get_le32(raw + F_INCOMPAT);
	if (f->incompat_flags & ~PKG_INCOMPAT_KNOWN)
		return error_set(e, -EPROTONOSUPPORT,
				 "package needs features this reader does not know "
				 "(incompat flags %#x)",
				 f->incompat_flags & ~PKG_INCOMPAT_KNOWN);
	if (!all_zero(raw + F_RESERVED, F_RESERVED_SIZE))
		return error_set(e, -EINVAL, "reserved footer bytes are not zero");
	f->image_size = get_le64(raw + F_IMAGE_SIZE);
	f->sig_offset = get_le64(raw + F_SIG_OFFSET);
	f->sig_size = get_le64(raw + F_SIG_SIZE);
	memcpy(f->image_sha256, raw + F_IMAGE_SHA256, PKG_SHA256_SIZE);

	if (file_size % PKG_BLOCK_SIZE || file_size < 2 * PKG_BLOCK_SIZE ||
	    file_size > PKG_MAX_SIZE)
		return error_set(e, -EINVAL,
				 "package size %llu is not a multiple of %d from %d to %llu",
				 (unsigned long long)file_size, PKG_BLOCK_SIZE, 2 * PKG_BLOCK_SIZE,
				 PKG_MAX_SIZE);
	room = file_size - PKG_BLOCK_SIZE; /* all but the footer block */
	if (f->image_size < PKG_BLOCK_SIZE || f->image_size % PKG_BLOCK_SIZE ||
	    f->image_size > room)
		return error_set(e, -EINVAL,
				 "image size %llu is not a multiple of %d within the package",
				 (unsigned long long)f->image_size, PKG_BLOCK_SIZE);
	content_end = f->image_size;
	if (f->sig_size || f->sig_offset) {
		if (!f->sig_size || f->sig_offset != f->image_size ||
		    f->sig_size > room - f->image_size)
			return error_set(e, -EINVAL,
					 "signature block (offset %llu, size %llu) is not right "
					 "after the image and within the package",
					 (unsigned long long)f->sig_offset,
					 (unsigned long long)f->sig_size);
		content_end += f->sig_size;
	}
	if (pkg_file_size(content_end) != file_size)
		return error_set(e, -EINVAL, "package is %llu bytes but its footer describes %llu",
				 (unsigned long long)file_size,
				 (unsigned long long)pkg_file_size(content_end));
	return 0;
}

int pkg_open(struct pkg *p, const uint8_t *data, uint64_t size, struct error *e)
{
	uint8_t digest[PKG_SHA256_SIZE];
	uint64_t content_end;
	int err;

	memset(p, 0, sizeof(*p));
	if (size < PKG_FOOTER_SIZE)
		return error_set(e, -EINVAL, "not a payload package (%llu bytes, too small)",
				 (unsigned long long)size);
	err = pkg_footer_decode(data + size - PKG_FOOTER_SIZE, size, &p->footer, e);
	if (err < 0)
		return err;
	content_end = p->footer.image_size + p->footer.sig_size;
	if (!all_zero(data + content_end, size - PKG_FOOTER_SIZE - content_end))
		return error_set(e, -EINVAL, "padding before the footer is not zero");
	pkg_sha256(data, p->footer.image_size, digest);
	if (memcmp(digest, p->footer.image_sha256, PKG_SHA256_SIZE))
		return error_set(e, -EBADMSG,
				 "image digest mismatch: the package is corrupt or was modified");
	err = erofs_open(&p->fs, data, p->footer.image_size, e);
	if (err < 0)
		return err;
	if (p->fs.size != p->footer.image_size)
		return error_set(e, -EINVAL,
				 "erofs: the file system has %u blocks, the footer says %llu bytes",
				 p->fs.blocks, (unsigned long long)p->footer.image_size);
	p->data = data;
	p->size = size;
	return 0;
}

/* The inode at @path, which must be a regular file. */
static int regular_file(const struct erofs *fs, const char *path, struct erofs_inode *ino,
			struct error *e)
{
	int err = erofs_lookup(fs, path, ino, e);

	if (err == -ENOENT)
		return error_set(e, err, "%s: not in the package", path);
	if (err < 0)
		return err;
	if (!S_ISREG(ino->mode))
		return error_set(e, -EINVAL, "%s: not a regular file", path);
	return 0;
}

int pkg_load_config(const struct erofs *fs, struct vm_payload_config *cfg, struct error *e)
{
	uint8_t hdr[ELF_CHECK_HEADER_SIZE];
	char lib[sizeof(PAYLOAD_LIB_DIR) + PAYLOAD_NAME_MAX + 1];
	struct erofs_inode ino;
	size_t len;
	char *json;
	int err;

	err = regular_file(fs, VM_CONFIG_PATH, &ino, e);
	if (err < 0)
		return err;
	if (ino.size > VM_CONFIG_MAX_SIZE)
		return error_set(e, -EFBIG, VM_CONFIG_PATH ": too large: %llu bytes, at most %d",
				 (unsigned long long)ino.size, VM_CONFIG_MAX_SIZE);
	len = (size_t)ino.size;
	json = malloc(len ? len : 1);
	if (!json)
		return error_set(e, -ENOMEM, VM_CONFIG_PATH ": out of memory");
	erofs_pread(&ino, json, len, 0);
	err = vm_config_parse(json, len, cfg, e);
	free(json);
	if (err < 0)
		return error_prefix(e, err, VM_CONFIG_PATH);
	if (cfg->task_type != PAYLOAD_TASK_MICRODROID_LAUNCHER)
		return 0;
	if (vm_config_library_path(cfg, lib, sizeof(lib)) < 0)
		return error_set(e, -ENAMETOOLONG, "library name too long");
	err = regular_file(fs, lib, &ino, e);
	if (err < 0)
		return error_prefix(e, err, VM_CONFIG_PATH " names library '%s'", cfg->command);
	len = erofs_pread(&ino, hdr, sizeof(hdr), 0);
	err = elf_check_x86_64_so(hdr, len, e);
	if (err < 0)
		return error_prefix(e, err, "%s", lib);
	return 0;
}
