/*
 * erofs_img.h - hand-built EROFS images for the payload tests.
 *
 * eimg_standard() builds a small, valid package tree in memory:
 *
 *   block 0  superblock
 *   block 1  inodes (meta_blkaddr 1); directories keep their entries inline
 *   block 2  /lib/x86_64/libdemo.so (flat, 64 bytes: an x86-64 ELF .so header)
 *   block 3-4 /assets/big (flat, 5000 bytes)
 *   block 5  /assets/split's head; its 10-byte tail is inline
 *
 *   /                 nid 0
 *   /assets           nid 8
 *   /assets/big       nid 48
 *   /assets/split     nid 56
 *   /lib              nid 16
 *   /lib/x86_64       nid 24
 *   /lib/x86_64/libdemo.so  nid 40
 *   /vm_config.json   nid 32 (inline)
 *
 * Tests then break one thing at a time.
 */
#ifndef TESTS_UNIT_EROFS_IMG_H
#define TESTS_UNIT_EROFS_IMG_H

#include <stddef.h>
#include <stdint.h>

#define EIMG_BLOCK 4096
#define EIMG_MAX_BLOCKS 8
#define EIMG_META 1 /* meta_blkaddr */

#define EIMG_NID_ROOT 0
#define EIMG_NID_ASSETS 8
#define EIMG_NID_LIB 16
#define EIMG_NID_X86_64 24
#define EIMG_NID_CONFIG 32
#define EIMG_NID_LIBDEMO 40
#define EIMG_NID_BIG 48
#define EIMG_NID_SPLIT 56

#define EIMG_BIG_SIZE 5000
#define EIMG_SPLIT_SIZE (EIMG_BLOCK + 10)
#define EIMG_CONFIG "{\"task\": {\"type\": \"microdroid_launcher\", \"command\": \"libdemo.so\"}}"

struct eimg {
	uint8_t buf[EIMG_MAX_BLOCKS * EIMG_BLOCK];
	size_t size;
};

struct eimg_dirent {
	const char *name;
	uint64_t nid;
	uint8_t type; /* EROFS_FT_* */
};

/* The image above; eimg.size is its size (6 blocks). */
void eimg_standard(struct eimg *m);

/* The 32-byte compact inode slot of @nid. */
uint8_t *eimg_inode_at(struct eimg *m, uint64_t nid);

/* Write a compact inode. */
void eimg_inode(struct eimg *m, uint64_t nid, uint16_t mode, unsigned int layout, uint32_t size,
		uint32_t blkaddr);

/* Write directory entries (in the order given) at @at; returns the bytes used. */
size_t eimg_dir(uint8_t *at, const struct eimg_dirent *ents, size_t n);

/* Set the superblock-checksum feature and compute the checksum. */
void eimg_checksum(struct eimg *m);

/* A 64-byte ELF64 header: little-endian, of @type (ET_*) for @machine (EM_*). */
void eimg_elf_header(uint8_t *out, uint16_t type, uint16_t machine);

#endif
