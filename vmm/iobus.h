/*
 * iobus.h - dispatch of guest port I/O and MMIO accesses to device models.
 *
 * Devices register address ranges with a read and a write callback while
 * the VM is being built; after that the bus is read-only, so vCPU threads
 * dispatch without a lock (devices lock their own state).  A bus holds
 * either port ranges or MMIO ranges; the VM has one of each.
 */
#ifndef MVM_IOBUS_H
#define MVM_IOBUS_H

#include <stdbool.h>
#include <stdint.h>

#define IOBUS_MAX_RANGES 32

/*
 * Access callbacks.  @off is the offset into the registered range, @size is
 * 1, 2, 4 or 8 and @data holds the little-endian value.  A read callback
 * must fill all @size bytes.
 */
struct iobus_ops {
	void (*read)(void *opaque, uint64_t off, uint8_t *data, unsigned int size);
	void (*write)(void *opaque, uint64_t off, const uint8_t *data, unsigned int size);
};

struct iobus_range {
	uint64_t base;
	uint64_t len;
	const struct iobus_ops *ops;
	void *opaque;
};

struct iobus {
	struct iobus_range range[IOBUS_MAX_RANGES];
	unsigned int nr;
};

/*
 * Add [base, base + len) to @bus.  Returns 0, -EINVAL for an empty or
 * wrapping range, -EEXIST if it overlaps a registered one, -ENOSPC when the
 * bus is full.
 */
int iobus_register(struct iobus *bus, uint64_t base, uint64_t len, const struct iobus_ops *ops,
		   void *opaque);

/*
 * Perform one guest access.  Returns true if a device claimed @addr.  An
 * unclaimed read yields all-ones (an empty ISA/MMIO bus) and an unclaimed
 * write is dropped; both return false so that callers can log them.
 * Accesses that straddle the end of a range are treated as unclaimed.
 */
bool iobus_access(const struct iobus *bus, uint64_t addr, uint8_t *data, unsigned int size,
		  bool is_write);

#endif
