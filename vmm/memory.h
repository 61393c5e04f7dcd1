/*
 * memory.h - guest physical memory and the one checked accessor.
 *
 * Guest RAM is one or two anonymous host mappings.  RAM below the 32-bit
 * MMIO hole (X86_MMIO_HOLE_START .. 4 GiB) is region 0 at guest-physical 0;
 * RAM beyond that continues in region 1 at 4 GiB.
 *
 * Every access to guest memory, whether by a boot loader or by a device
 * acting on a guest-supplied address, goes through gmem_ptr() (or the copy
 * helpers built on it).  It fails unless [gpa, gpa + len) lies entirely in
 * one RAM region, and it is overflow-safe for any 64-bit gpa and len.
 */
#ifndef MVM_MEMORY_H
#define MVM_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../lib/common/error.h"

#define GMEM_MAX_REGIONS 2

struct gmem_region {
	uint64_t gpa;  /* guest-physical start */
	uint64_t size; /* bytes */
	uint8_t *hva;  /* host mapping */
};

struct guest_mem {
	struct gmem_region region[GMEM_MAX_REGIONS];
	unsigned int nr_regions;
	uint64_t total; /* sum of region sizes */
	bool owned;     /* mappings were made by gmem_alloc() */
};

/*
 * Map @size bytes of zeroed guest RAM (anonymous, private, not yet
 * touched) and lay it out around the MMIO hole.  @size must be a multiple
 * of 4 KiB.  Returns 0 or -errno with a reason in @e.
 */
int gmem_alloc(struct guest_mem *m, uint64_t size, struct error *e);

/*
 * Describe caller-owned host buffers as guest memory (tests and fuzzers
 * use this to run loaders and device models without a VM).  Lays @buf out
 * exactly like gmem_alloc() would for @size bytes when @size fits under
 * the hole; larger sizes are split the same way.  gmem_free() leaves
 * caller-owned buffers alone.
 */
void gmem_wrap(struct guest_mem *m, uint8_t *buf, uint64_t size);

/* Release what gmem_alloc() mapped.  Safe on a zeroed struct. */
void gmem_free(struct guest_mem *m);

/*
 * Host pointer for guest range [gpa, gpa + len), or NULL when the range is
 * not wholly inside one RAM region (this includes len so large that the
 * sum overflows).  A zero @len is allowed and is checked like len 1 at gpa.
 */
void *gmem_ptr(const struct guest_mem *m, uint64_t gpa, uint64_t len);

/* Copy out of / into guest memory.  0 on success, -EFAULT if out of range. */
int gmem_read(const struct guest_mem *m, uint64_t gpa, void *dst, size_t len);
int gmem_write(const struct guest_mem *m, uint64_t gpa, const void *src, size_t len);

/* End (exclusive) of the RAM region that starts at guest-physical 0. */
uint64_t gmem_low_end(const struct guest_mem *m);

#endif
