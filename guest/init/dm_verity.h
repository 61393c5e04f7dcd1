/*
 * dm_verity.h - dm-verity over the system disk, set up with
 * device-mapper ioctls on /dev/mapper/control (no userspace tools).
 *
 * The kernel command line word (one word, no spaces):
 *
 *   microdroid.verity=blocks=N,root=HEX,salt=HEX[,alg=ALG]
 *                     [,block_size=BYTES][,hash_offset=BYTES]
 *   microdroid.verity=off
 *
 *   blocks       number of data blocks covered (the file system's size
 *                divided by block_size)
 *   root         root digest, hex
 *   salt         salt, hex, or "-" for none
 *   alg          hash algorithm as the kernel names it; sha256 by default
 *   block_size   data and hash block size; 4096 by default
 *   hash_offset  byte offset of the hash tree on the same disk; by default
 *                right after the data (blocks * block_size)
 *
 * This is the layout of `veritysetup format --no-superblock
 * --data-blocks=N --hash-offset=N*4096 IMG IMG`, whose output gives the
 * root hash and salt.  (Without --no-superblock, veritysetup puts a
 * superblock at hash_offset and the tree one block later: then pass
 * hash_offset=N*4096+4096.)
 *
 * "off" mounts the disk without verification (for development; init
 * warns on the console).
 */
#ifndef MICRODROID_INIT_DM_VERITY_H
#define MICRODROID_INIT_DM_VERITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/common/error.h"

#define DM_CONTROL "/dev/mapper/control"
#define VERITY_HEX_MAX 128

struct verity_config {
	bool off;
	char algorithm[32];
	char root[VERITY_HEX_MAX + 1];
	char salt[VERITY_HEX_MAX + 1]; /* "-" for none */
	uint64_t data_blocks;
	uint32_t block_size;
	uint64_t hash_offset; /* bytes */
};

/* Read a microdroid.verity value.  0, or -EINVAL with a reason in @e. */
int verity_parse(const char *spec, struct verity_config *c, struct error *e);

/*
 * The verity target's parameters for disk @major:@minor (data and hash on
 * the same disk) into @out: "1 M:m M:m BS BS BLOCKS HASH_START ALG ROOT
 * SALT".  Returns the length or -ENAMETOOLONG.
 */
int verity_target_params(const struct verity_config *c, unsigned major, unsigned minor, char *out,
			 size_t cap);

/*
 * Check that the data and hash offset fit a disk of @disk_sectors
 * 512-byte sectors.  0, or -ENOSPC with a reason in @e.
 */
int verity_check_disk(const struct verity_config *c, uint64_t disk_sectors, struct error *e);

/*
 * Lay out a DM_TABLE_LOAD request in @buf (@cap bytes): one target of
 * type @target over @sectors sectors with @params, for device @name,
 * read-only.  Returns its size or -ENAMETOOLONG / -ENOSPC.
 */
int dm_table_load_request(void *buf, size_t cap, const char *name, uint64_t sectors,
			  const char *target, const char *params);

/*
 * Create the read-only device-mapper device @name over disk
 * @major:@minor with the verity table of @c, through @control (normally
 * DM_CONTROL), and activate it.  Stores its device number in *dev.
 * Returns 0 or -errno with a reason in @e; a half-made device is removed.
 */
int dm_verity_create(const char *control, const char *name, const struct verity_config *c,
		     unsigned major, unsigned minor, dev_t *dev, struct error *e);

#endif
