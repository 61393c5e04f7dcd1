/*
 * virtio_fuzz.h - what the virtio device fuzz targets share
 * (fuzz_virtio_mmio.c, fuzz_virtio_blk.c, fuzz_virtio_console.c,
 * fuzz_virtio_vsock.c): guest RAM, and the byte code they drive a device
 * with, so that a driver's every register access and ring write is one
 * 7-byte op:
 *
 *   byte 0      op (taken modulo the target's number of ops)
 *   bytes 1-2   off, little-endian
 *   bytes 3-6   val, little-endian
 *
 *   op 0  32-bit MMIO write of val at off % VIRTIO_MMIO_SIZE
 *   op 1  32-bit MMIO read at off
 *   op 2  val into guest RAM at (off * 4) % VFUZZ_RAM
 *   op 3  VFUZZ_OP_RUN: the target lets the device work (its own way)
 *   op 4  MMIO write of 1, 2 or 8 bytes (val & 3) at off
 *   op 5  MMIO read of 1, 2 or 8 bytes at off
 *   op 6+ the target's own
 */
#ifndef MVM_TESTS_VIRTIO_FUZZ_H
#define MVM_TESTS_VIRTIO_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/devices/virtio/virtio.h"

#define VFUZZ_RAM 0x10000 /* bytes of guest RAM */
#define VFUZZ_OP_SIZE 7
#define VFUZZ_OP_RUN 3
#define VFUZZ_COMMON_OPS 6

/* Crash (so libFuzzer reports it) unless @ok. */
void vfuzz_check(bool ok);

/* An interrupt callback that does nothing. */
void vfuzz_no_irq(void *opaque);

/* The guest RAM, made on the first call and zeroed on every call, and the
 * guest memory that wraps it. */
uint8_t *vfuzz_ram(struct guest_mem **mem);

/* Let @d's worker do all it can without waiting. */
void vfuzz_run(struct virtio_device *d);

/* Reset @d as a driver would (status 0), then let it settle. */
void vfuzz_reset(struct virtio_device *d);

/*
 * Decode the op at @p (VFUZZ_OP_SIZE bytes) into *@off and *@val, with
 * its number taken modulo @nr_ops, and do it if it is one of the common
 * ones but VFUZZ_OP_RUN.  Returns -1 when it was done, else the op
 * number for the caller to do (VFUZZ_OP_RUN, or one of its own).
 */
int vfuzz_op(struct virtio_device *d, const uint8_t *p, unsigned int nr_ops, uint16_t *off,
	     uint32_t *val);

/* The invariant every target checks after each op: a device that failed
 * while active tells its driver so (DEVICE_NEEDS_RESET). */
void vfuzz_check_needs_reset(const struct virtio_device *d);

#endif
