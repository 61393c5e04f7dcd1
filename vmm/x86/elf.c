/*
 * elf.c - parse an ELF64 x86-64 vmlinux and find its PVH entry point.
 *
 * The PVH entry is published in an ELF note named "Xen" of type
 * XEN_ELFNOTE_PHYS32_ENTRY whose descriptor is the 32-bit physical address
 * of the entry code.  Notes are found by walking the PT_NOTE segments.
 */
#include "boot.h"

#include <assert.h>
#include <elf.h>
#include <errno.h>
#include <string.h>

#define XEN_ELFNOTE_PHYS32_ENTRY 18

/* Headers are copied out of the image with memcpy and used as-is. */
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "ELF64 little-endian host assumed");

/* True when [off, off + size) lies inside a file of @len bytes. */
static bool in_file(uint64_t off, uint64_t size, size_t len)
{
	return off <= len && size <= len - off;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/*
 * Walk the notes of one PT_NOTE segment (file range already checked) and
 * record the first PVH entry note in *@entry / *@found.  Every note header,
 * name and descriptor, with its padding, must lie inside the segment.
 */
static int scan_notes(const uint8_t *p, uint64_t size, uint64_t align, bool *found, uint32_t *entry,
		      struct error *e)
{
	uint64_t pos = 0;

	while (pos < size) {
		Elf64_Nhdr nh;
		uint64_t desc_off, next;
		const uint8_t *desc;

		if (size - pos < sizeof(nh))
			return error_set(e, -EINVAL,
					 "ELF note at segment offset %#llx is truncated",
					 (unsigned long long)pos);
		memcpy(&nh, p + pos, sizeof(nh));
		/* Offsets relative to the note; the u32 sizes cannot overflow a u64. */
		desc_off = align_up(sizeof(nh) + (uint64_t)nh.n_namesz, align);
		next = align_up(desc_off + nh.n_descsz, align);
		if (next > size - pos)
			return error_set(e, -EINVAL,
					 "ELF note at segment offset %#llx (name %u, desc %u "
					 "bytes) runs past its segment",
					 (unsigned long long)pos, nh.n_namesz, nh.n_descsz);
		desc = p + pos + desc_off;
		if (nh.n_type == XEN_ELFNOTE_PHYS32_ENTRY && nh.n_namesz == 4 &&
		    memcmp(p + pos + sizeof(nh), "Xen", 4) == 0 && !*found) {
			uint32_t lo, hi = 0;

			if (nh.n_descsz != 4 && nh.n_descsz != 8)
				return error_set(
				    e, -EINVAL,
				    "PVH entry note has a %u-byte descriptor (expected 4 or 8)",
				    nh.n_descsz);
			memcpy(&lo, desc, 4);
			if (nh.n_descsz == 8)
				memcpy(&hi, desc + 4, 4);
			if (hi)
				return error_set(e, -EINVAL, "PVH entry %#llx is above 4 GiB",
						 (unsigned long long)hi << 32 | lo);
			*entry = lo;
			*found = true;
		}
		pos += next;
	}
	return 0;
}

/* Sort @seg by physical address (insertion sort: at most ELF_PVH_MAX_SEGMENTS). */
static void sort_segments(struct elf_segment *seg, unsigned int n)
{
	unsigned int i, j;

	for (i = 1; i < n; i++) {
		struct elf_segment s = seg[i];

		for (j = i; j > 0 && seg[j - 1].paddr > s.paddr; j--)
			seg[j] = seg[j - 1];
		seg[j] = s;
	}
}

int elf_pvh_parse(const uint8_t *img, size_t len, struct elf_pvh_info *out, struct error *e)
{
	struct elf_pvh_info info = {0};
	Elf64_Ehdr eh;
	bool found = false;
	unsigned int i;
	int r;

	if (!img || len < SELFMAG || memcmp(img, ELFMAG, SELFMAG) != 0)
		return error_set(e, -ENOEXEC, "not an ELF file");
	if (len < sizeof(eh))
		return error_set(e, -EINVAL, "ELF file truncated: %zu bytes, header needs %zu", len,
				 sizeof(eh));
	memcpy(&eh, img, sizeof(eh));
	if (eh.e_ident[EI_CLASS] != ELFCLASS64)
		return error_set(e, -EINVAL, "ELF kernel is not 64-bit (class %u)",
				 eh.e_ident[EI_CLASS]);
	if (eh.e_ident[EI_DATA] != ELFDATA2LSB)
		return error_set(e, -EINVAL, "ELF kernel is not little-endian (data encoding %u)",
				 eh.e_ident[EI_DATA]);
	if (eh.e_ident[EI_VERSION] != EV_CURRENT || eh.e_version != EV_CURRENT)
		return error_set(e, -EINVAL, "ELF kernel has unknown ELF version %u", eh.e_version);
	if (eh.e_machine != EM_X86_64)
		return error_set(e, -EINVAL, "ELF kernel is not for x86-64 (machine %u)",
				 eh.e_machine);
	if (eh.e_type != ET_EXEC)
		return error_set(e, -EINVAL, "ELF kernel is not an executable (type %u)",
				 eh.e_type);
	if (eh.e_phentsize != sizeof(Elf64_Phdr))
		return error_set(e, -EINVAL, "ELF program header size %u, expected %zu",
				 eh.e_phentsize, sizeof(Elf64_Phdr));
	if (eh.e_phnum == PN_XNUM)
		return error_set(e, -EINVAL,
				 "ELF extended program header numbering is not supported");
	if (!in_file(eh.e_phoff, (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr), len))
		return error_set(
		    e, -EINVAL,
		    "ELF program headers (%u at offset %#llx) lie outside the %zu-byte file",
		    eh.e_phnum, (unsigned long long)eh.e_phoff, len);

	for (i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, img + eh.e_phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD && ph.p_type != PT_NOTE)
			continue;
		if (!in_file(ph.p_offset, ph.p_filesz, len))
			return error_set(e, -EINVAL,
					 "ELF segment %u (offset %#llx, %llu bytes) lies outside "
					 "the %zu-byte file",
					 i, (unsigned long long)ph.p_offset,
					 (unsigned long long)ph.p_filesz, len);
		if (ph.p_type == PT_NOTE) {
			r = scan_notes(img + ph.p_offset, ph.p_filesz, ph.p_align == 8 ? 8 : 4,
				       &found, &info.pvh_entry, e);
			if (r < 0)
				return r;
			continue;
		}
		if (ph.p_filesz > ph.p_memsz)
			return error_set(
			    e, -EINVAL,
			    "ELF segment %u has more file bytes (%llu) than memory bytes (%llu)", i,
			    (unsigned long long)ph.p_filesz, (unsigned long long)ph.p_memsz);
		if (ph.p_memsz > UINT64_MAX - ph.p_paddr)
			return error_set(
			    e, -EINVAL, "ELF segment %u at %#llx with %#llx bytes wraps around", i,
			    (unsigned long long)ph.p_paddr, (unsigned long long)ph.p_memsz);
		if (info.nr_segments == ELF_PVH_MAX_SEGMENTS)
			return error_set(e, -EINVAL,
					 "ELF kernel has more than %d loadable segments",
					 ELF_PVH_MAX_SEGMENTS);
		info.seg[info.nr_segments++] = (struct elf_segment){
		    .paddr = ph.p_paddr,
		    .offset = ph.p_offset,
		    .filesz = ph.p_filesz,
		    .memsz = ph.p_memsz,
		};
	}
	if (info.nr_segments == 0)
		return error_set(e, -EINVAL, "ELF kernel has no loadable (PT_LOAD) segment");

	sort_segments(info.seg, info.nr_segments);
	for (i = 1; i < info.nr_segments; i++) {
		const struct elf_segment *a = &info.seg[i - 1], *b = &info.seg[i];

		if (b->paddr < a->paddr + a->memsz)
			return error_set(e, -EINVAL,
					 "ELF segments at %#llx (%#llx bytes) and %#llx overlap",
					 (unsigned long long)a->paddr, (unsigned long long)a->memsz,
					 (unsigned long long)b->paddr);
	}
	info.lowest = info.seg[0].paddr;
	info.highest = info.seg[info.nr_segments - 1].paddr + info.seg[info.nr_segments - 1].memsz;

	if (!found)
		return error_set(e, -EINVAL,
				 "ELF kernel has no PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY)");
	for (i = 0; i < info.nr_segments; i++)
		if (info.pvh_entry >= info.seg[i].paddr &&
		    info.pvh_entry - info.seg[i].paddr < info.seg[i].filesz)
			break;
	if (i == info.nr_segments)
		return error_set(
		    e, -EINVAL,
		    "PVH entry %#x is not inside the file contents of any loadable segment",
		    info.pvh_entry);

	*out = info;
	return 0;
}
