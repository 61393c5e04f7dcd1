/*
 * disk.h - making disk images for VMs (`vm create-partition`, and the
 * instance.img that `vm run-app` makes when it is missing).
 */
#ifndef MDROID_VM_DISK_H
#define MDROID_VM_DISK_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Make a sparse disk image of @size bytes at @path: all zeros, or (with
 * @instance) an instance disk with its header (lib/payload/instance.h).
 * It is made under a temporary name beside @path and linked into place,
 * so @path is never seen half made: without @force an existing @path is
 * refused (-EEXIST, atomically); with it, it is replaced.  The mode is
 * 0666 less the umask.  Returns 0 or a negative errno.
 */
int vm_make_disk(const char *path, uint64_t size, bool instance, bool force);

#endif
