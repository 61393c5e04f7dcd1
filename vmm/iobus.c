/* iobus.c - see iobus.h. */
#include "iobus.h"

#include <errno.h>
#include <string.h>

int iobus_register(struct iobus *bus, uint64_t base, uint64_t len, const struct iobus_ops *ops,
		   void *opaque)
{
	unsigned int i;

	if (len == 0 || base + len < base)
		return -EINVAL;
	for (i = 0; i < bus->nr; i++) {
		const struct iobus_range *r = &bus->range[i];

		if (base < r->base + r->len && r->base < base + len)
			return -EEXIST;
	}
	if (bus->nr == IOBUS_MAX_RANGES)
		return -ENOSPC;
	bus->range[bus->nr++] = (struct iobus_range){base, len, ops, opaque};
	return 0;
}

bool iobus_access(const struct iobus *bus, uint64_t addr, uint8_t *data, unsigned int size,
		  bool is_write)
{
	unsigned int i;

	for (i = 0; i < bus->nr; i++) {
		const struct iobus_range *r = &bus->range[i];
		uint64_t off = addr - r->base;

		if (addr < r->base || off >= r->len || size > r->len - off)
			continue;
		if (is_write) {
			if (r->ops->write)
				r->ops->write(r->opaque, off, data, size);
		} else if (r->ops->read) {
			r->ops->read(r->opaque, off, data, size);
		} else {
			memset(data, 0, size);
		}
		return true;
	}
	if (!is_write)
		memset(data, 0xff, size);
	return false;
}
