/*
 * instance.h - the VM instance disk (instance.img).
 *
 * Each VM instance has a small writable disk where the guest records what
 * it trusted on first boot (the payload's identity, sealed with a key
 * derived from the VM's secrets) so that later boots can check the payload
 * has not changed.  The layout follows AVF's instance.img:
 *
 *   [0, 512)     disk header: the 19 bytes "Android-VM-instance", a
 *                little-endian u16 version (1), then zeros
 *   [512, ...)   partitions, each a 512-byte header {u8 uuid[16], le64
 *                payload size} followed by its payload, at 512-byte
 *                boundaries; a header with an all-zero UUID marks the free
 *                space after the last partition
 *
 * `vm create-partition -t instance` writes the disk header and leaves the
 * rest zero (sparse), which reads as "no partitions yet".  The guest adds
 * its partition on first boot.
 */
#ifndef MDROID_PAYLOAD_INSTANCE_H
#define MDROID_PAYLOAD_INSTANCE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/common/error.h"

#define INSTANCE_MAGIC "Android-VM-instance"
#define INSTANCE_VERSION 1
#define INSTANCE_HEADER_SIZE 512
/* The disk header plus the first (empty) partition header. */
#define INSTANCE_MIN_SIZE (2 * INSTANCE_HEADER_SIZE)

/* Write a version-1 disk header to @out. */
void instance_header_encode(uint8_t out[INSTANCE_HEADER_SIZE]);

/*
 * Check that @data (@len bytes, the start of a disk) begins with an
 * instance disk header of a version this code knows; store the version.
 * Returns 0, or -EINVAL / -EPROTONOSUPPORT with the reason in @e.
 */
int instance_header_check(const uint8_t *data, size_t len, unsigned int *version, struct error *e);

/* The size virtmgr gives the instance disks it makes (AVF's is 10 MiB too). */
#define INSTANCE_DEFAULT_SIZE (10u << 20)

/*
 * Make the open, empty file @fd an instance disk of @size bytes (at least
 * INSTANCE_MIN_SIZE): sparse, with a version-1 header, synced.  Returns 0
 * or a negative errno with the reason in @e.
 */
int instance_image_init(int fd, uint64_t size, struct error *e);

#endif
