/* erofs_img.c - see erofs_img.h. */
#include "erofs_img.h"

#include <elf.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/common/le.h"
#include "lib/payload/erofs.h"

#define SB (EROFS_SUPER_OFFSET)

uint8_t *eimg_inode_at(struct eimg *m, uint64_t nid)
{
	return m->buf + EIMG_META * EIMG_BLOCK + nid * 32;
}

void eimg_inode(struct eimg *m, uint64_t nid, uint16_t mode, unsigned int layout, uint32_t size,
		uint32_t blkaddr)
{
	uint8_t *p = eimg_inode_at(m, nid);

	memset(p, 0, 32);
	put_le16(p, (uint16_t)(layout << 1)); /* compact */
	put_le16(p + 4, mode);
	put_le16(p + 6, 1);
	put_le32(p + 8, size);
	put_le32(p + 16, blkaddr);
	put_le32(p + 20, (uint32_t)nid);
}

size_t eimg_dir(uint8_t *at, const struct eimg_dirent *ents, size_t n)
{
	size_t nameoff = n * 12;

	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(ents[i].name);

		put_le64(at + i * 12, ents[i].nid);
		put_le16(at + i * 12 + 8, (uint16_t)nameoff);
		at[i * 12 + 10] = ents[i].type;
		at[i * 12 + 11] = 0;
		memcpy(at + nameoff, ents[i].name, len);
		nameoff += len;
	}
	return nameoff;
}

/* A directory with its entries inline after its inode. */
static void dir(struct eimg *m, uint64_t nid, const struct eimg_dirent *ents, size_t n)
{
	size_t len = eimg_dir(eimg_inode_at(m, nid) + 32, ents, n);

	eimg_inode(m, nid, S_IFDIR | 0755, 2, (uint32_t)len, 0);
}

void eimg_elf_header(uint8_t *out, uint16_t type, uint16_t machine)
{
	memset(out, 0, 64);
	memcpy(out, ELFMAG, SELFMAG);
	out[EI_CLASS] = ELFCLASS64;
	out[EI_DATA] = ELFDATA2LSB;
	out[EI_VERSION] = EV_CURRENT;
	put_le16(out + 16, type);
	put_le16(out + 18, machine);
	put_le32(out + 20, EV_CURRENT);
	put_le16(out + 52, 64); /* e_ehsize */
}

void eimg_standard(struct eimg *m)
{
	static const struct eimg_dirent root[] = {
	    {".", EIMG_NID_ROOT, EROFS_FT_DIR},
	    {"..", EIMG_NID_ROOT, EROFS_FT_DIR},
	    {"assets", EIMG_NID_ASSETS, EROFS_FT_DIR},
	    {"lib", EIMG_NID_LIB, EROFS_FT_DIR},
	    {"vm_config.json", EIMG_NID_CONFIG, EROFS_FT_REG_FILE},
	};
	static const struct eimg_dirent assets[] = {
	    {".", EIMG_NID_ASSETS, EROFS_FT_DIR},
	    {"..", EIMG_NID_ROOT, EROFS_FT_DIR},
	    {"big", EIMG_NID_BIG, EROFS_FT_REG_FILE},
	    {"split", EIMG_NID_SPLIT, EROFS_FT_REG_FILE},
	};
	static const struct eimg_dirent lib[] = {
	    {".", EIMG_NID_LIB, EROFS_FT_DIR},
	    {"..", EIMG_NID_ROOT, EROFS_FT_DIR},
	    {"x86_64", EIMG_NID_X86_64, EROFS_FT_DIR},
	};
	static const struct eimg_dirent x86[] = {
	    {".", EIMG_NID_X86_64, EROFS_FT_DIR},
	    {"..", EIMG_NID_LIB, EROFS_FT_DIR},
	    {"libdemo.so", EIMG_NID_LIBDEMO, EROFS_FT_REG_FILE},
	};
	uint8_t *sb = m->buf + SB;

	memset(m, 0, sizeof(*m));
	m->size = 6 * EIMG_BLOCK;
	put_le32(sb, EROFS_SUPER_MAGIC);
	sb[12] = 12; /* blkszbits */
	put_le16(sb + 14, EIMG_NID_ROOT);
	put_le32(sb + 36, 6); /* blocks */
	put_le32(sb + 40, EIMG_META);

	dir(m, EIMG_NID_ROOT, root, 5);
	dir(m, EIMG_NID_ASSETS, assets, 4);
	dir(m, EIMG_NID_LIB, lib, 3);
	dir(m, EIMG_NID_X86_64, x86, 3);

	eimg_inode(m, EIMG_NID_CONFIG, S_IFREG | 0644, 2, sizeof(EIMG_CONFIG) - 1, 0);
	memcpy(eimg_inode_at(m, EIMG_NID_CONFIG) + 32, EIMG_CONFIG, sizeof(EIMG_CONFIG) - 1);

	eimg_inode(m, EIMG_NID_LIBDEMO, S_IFREG | 0644, 0, 64, 2);
	eimg_elf_header(m->buf + 2 * EIMG_BLOCK, ET_DYN, EM_X86_64);

	eimg_inode(m, EIMG_NID_BIG, S_IFREG | 0644, 0, EIMG_BIG_SIZE, 3);
	for (size_t i = 0; i < EIMG_BIG_SIZE; i++)
		m->buf[3 * EIMG_BLOCK + i] = (uint8_t)(i * 13);

	eimg_inode(m, EIMG_NID_SPLIT, S_IFREG | 0600, 2, EIMG_SPLIT_SIZE, 5);
	memset(m->buf + 5 * EIMG_BLOCK, 'h', EIMG_BLOCK);
	memcpy(eimg_inode_at(m, EIMG_NID_SPLIT) + 32, "tail-bytes", 10);
}

void eimg_checksum(struct eimg *m)
{
	uint8_t *sb = m->buf + SB;

	put_le32(sb + 8, get_le32(sb + 8) | 1);
	put_le32(sb + 4, 0);
	put_le32(sb + 4, erofs_crc32c(~0u, sb, EIMG_BLOCK - SB));
}
