/*
 * devices.h - the virtio device models mvm offers, and how to make them.
 *
 * Each constructor allocates a device model around a struct
 * virtio_device (see virtio.h), checks its configuration and opens its
 * backends (image files, sockets), so that every user error is reported
 * before the guest starts.  The VM then attaches the device to the MMIO
 * bus, wires its interrupt and notifications, and starts its worker.
 * Constructors return 0 or -errno with a reason in @e; the matching
 * destroy function stops the worker and frees everything (safe on NULL).
 */
#ifndef MVM_VIRTIO_DEVICES_H
#define MVM_VIRTIO_DEVICES_H

#include "../../../lib/common/error.h"
#include "virtio.h"

/* virtio-rng: entropy from getrandom(2). */
int virtio_rng_create(struct virtio_device **out, const struct guest_mem *mem,
		      struct virtio_irq irq, struct error *e);
void virtio_rng_destroy(struct virtio_device *d);

#endif
