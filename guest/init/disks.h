/*
 * disks.h - finding virtio disks by their serial id, not probe order.
 *
 * mvm's --disk PATH,id=NAME (and QEMU's serial=) gives a virtio-blk disk
 * a serial id, which Linux shows in /sys/block/vdX/serial.  The first
 * stage finds the system disk that way: vda may be any disk.
 */
#ifndef MICRODROID_INIT_DISKS_H
#define MICRODROID_INIT_DISKS_H

#include <stddef.h>
#include <stdint.h>

#include "lib/common/error.h"

#define SYS_BLOCK "/sys/block"
#define DISK_NAME_MAX 32

/*
 * Look once through @sys_block/vd* for the disk whose serial is @serial;
 * store its name ("vda") in @name.  Returns 0 or -ENOENT.
 */
int disk_find(const char *sys_block, const char *serial, char name[DISK_NAME_MAX]);

/*
 * disk_find() every 10 ms until it succeeds or @timeout_ms pass.  On
 * timeout returns -ETIMEDOUT with a reason in @e listing the disks seen
 * and their serials.
 */
int disk_wait(const char *sys_block, const char *serial, int timeout_ms, char name[DISK_NAME_MAX],
	      struct error *e);

/*
 * The device number and size (512-byte sectors) of disk @name, from
 * @sys_block/NAME/dev and /size.  0 or -errno with a reason in @e.
 */
int disk_info(const char *sys_block, const char *name, unsigned *major, unsigned *minor,
	      uint64_t *sectors, struct error *e);

#endif
