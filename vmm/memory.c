/* memory.c - see memory.h. */
#include "memory.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "x86/layout.h"

static void gmem_layout(struct guest_mem *m, uint64_t size)
{
	uint64_t low = size < X86_MMIO_HOLE_START ? size : X86_MMIO_HOLE_START;

	m->region[0] = (struct gmem_region){.gpa = 0, .size = low};
	m->nr_regions = 1;
	if (size > low) {
		m->region[1] = (struct gmem_region){.gpa = X86_HIGH_RAM_START, .size = size - low};
		m->nr_regions = 2;
	}
	m->total = size;
}

int gmem_alloc(struct guest_mem *m, uint64_t size, struct error *e)
{
	unsigned int i;

	memset(m, 0, sizeof(*m));
	if (size == 0 || size % 4096)
		return error_set(e, -EINVAL, "guest memory size %llu is not a positive multiple of 4 KiB",
				 (unsigned long long)size);
	gmem_layout(m, size);
	for (i = 0; i < m->nr_regions; i++) {
		void *p = mmap(NULL, m->region[i].size, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (p == MAP_FAILED) {
			int err = -errno;
			gmem_free(m);
			return error_set(e, err, "cannot map %llu MiB of guest memory: %s",
					 (unsigned long long)(size >> 20), strerror(-err));
		}
		madvise(p, m->region[i].size, MADV_MERGEABLE);
		m->region[i].hva = p;
	}
	m->owned = true;
	return 0;
}

void gmem_wrap(struct guest_mem *m, uint8_t *buf, uint64_t size)
{
	memset(m, 0, sizeof(*m));
	gmem_layout(m, size);
	m->region[0].hva = buf;
	if (m->nr_regions > 1)
		m->region[1].hva = buf + m->region[0].size;
}

void gmem_free(struct guest_mem *m)
{
	unsigned int i;

	if (m->owned)
		for (i = 0; i < m->nr_regions; i++)
			if (m->region[i].hva)
				munmap(m->region[i].hva, m->region[i].size);
	memset(m, 0, sizeof(*m));
}

void *gmem_ptr(const struct guest_mem *m, uint64_t gpa, uint64_t len)
{
	unsigned int i;

	if (len == 0)
		len = 1;
	for (i = 0; i < m->nr_regions; i++) {
		const struct gmem_region *r = &m->region[i];

		if (gpa < r->gpa || gpa - r->gpa >= r->size)
			continue;
		if (len > r->size - (gpa - r->gpa))
			return NULL;
		return r->hva + (gpa - r->gpa);
	}
	return NULL;
}

int gmem_read(const struct guest_mem *m, uint64_t gpa, void *dst, size_t len)
{
	const void *p = gmem_ptr(m, gpa, len);

	if (!p)
		return -EFAULT;
	memcpy(dst, p, len);
	return 0;
}

int gmem_write(const struct guest_mem *m, uint64_t gpa, const void *src, size_t len)
{
	void *p = gmem_ptr(m, gpa, len);

	if (!p)
		return -EFAULT;
	memcpy(p, src, len);
	return 0;
}

uint64_t gmem_low_end(const struct guest_mem *m)
{
	return m->nr_regions ? m->region[0].size : 0;
}
