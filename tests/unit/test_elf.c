/* test_elf.c - elf_pvh_parse() on synthetic ELF64 images. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <elf.h>
#include <errno.h>
#include <string.h>

#include "vmm/x86/boot.h"

/*
 * The image: ELF header, NR_PHDRS program headers (PT_LOAD, PT_NOTE, then
 * PT_NULL spares for tests to fill), notes at NOTE_OFF ("Linux" note with
 * an unaligned descriptor, then the Xen PVH note), code at CODE_OFF.
 */
#define NR_PHDRS 4
#define NOTE_OFF 0x200
#define CODE_OFF 0x400
#define CODE_LEN 0x100
#define IMG_LEN (CODE_OFF + CODE_LEN)
#define PADDR 0x1000000ULL
#define MEMSZ 0x3000ULL
#define ENTRY (PADDR + 0x40)

static uint8_t img[8192];
static size_t xen_note_off; /* offset of the PVH note's header */
static size_t notes_len;

static void set_ehdr(const Elf64_Ehdr *eh)
{
	memcpy(img, eh, sizeof(*eh));
}

static Elf64_Ehdr get_ehdr(void)
{
	Elf64_Ehdr eh;

	memcpy(&eh, img, sizeof(eh));
	return eh;
}

static void set_phdr(unsigned int i, const Elf64_Phdr *ph)
{
	memcpy(img + sizeof(Elf64_Ehdr) + i * sizeof(*ph), ph, sizeof(*ph));
}

static Elf64_Phdr get_phdr(unsigned int i)
{
	Elf64_Phdr ph;

	memcpy(&ph, img + sizeof(Elf64_Ehdr) + i * sizeof(ph), sizeof(ph));
	return ph;
}

/* Write a note at @off with 4-byte padding; returns the offset after it. */
static size_t put_note(size_t off, const char *name, uint32_t namesz, uint32_t type,
		       const void *desc, uint32_t descsz)
{
	Elf64_Nhdr nh = {.n_namesz = namesz, .n_descsz = descsz, .n_type = type};

	memcpy(img + off, &nh, sizeof(nh));
	off += sizeof(nh);
	memcpy(img + off, name, namesz);
	off += (namesz + 3) & ~3u;
	memcpy(img + off, desc, descsz);
	return off + ((descsz + 3) & ~3u);
}

static void build_elf(void)
{
	Elf64_Ehdr eh = {
	    .e_type = ET_EXEC,
	    .e_machine = EM_X86_64,
	    .e_version = EV_CURRENT,
	    .e_entry = 0xffffffff81000000ULL,
	    .e_phoff = sizeof(Elf64_Ehdr),
	    .e_ehsize = sizeof(Elf64_Ehdr),
	    .e_phentsize = sizeof(Elf64_Phdr),
	    .e_phnum = NR_PHDRS,
	};
	uint64_t entry = ENTRY;
	size_t off;

	memset(img, 0, sizeof(img));
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	set_ehdr(&eh);

	off = put_note(NOTE_OFF, "Linux", 6, 6, "6.12.0-test", 11); /* unaligned desc */
	xen_note_off = off;
	off = put_note(off, "Xen", 4, 18, &entry, 8);
	notes_len = off - NOTE_OFF;

	set_phdr(0, &(Elf64_Phdr){.p_type = PT_LOAD,
				  .p_flags = PF_R | PF_X,
				  .p_offset = CODE_OFF,
				  .p_vaddr = 0xffffffff81000000ULL,
				  .p_paddr = PADDR,
				  .p_filesz = CODE_LEN,
				  .p_memsz = MEMSZ,
				  .p_align = 0x1000});
	set_phdr(1, &(Elf64_Phdr){.p_type = PT_NOTE,
				  .p_offset = NOTE_OFF,
				  .p_paddr = PADDR + 0x2000,
				  .p_filesz = notes_len,
				  .p_memsz = notes_len,
				  .p_align = 4});
	for (size_t i = 0; i < CODE_LEN; i++)
		img[CODE_OFF + i] = (uint8_t)(0x90 + i);
}

static int setup(void **state)
{
	(void)state;
	build_elf();
	return 0;
}

/* Parse the image; returns the result and leaves the message in msg. */
static struct error err;
static struct elf_pvh_info info;

static int parse(size_t len)
{
	memset(&err, 0, sizeof(err));
	memset(&info, 0, sizeof(info));
	return elf_pvh_parse(img, len, &info, &err);
}

static void expect_einval(size_t len, const char *needle)
{
	assert_int_equal(parse(len), -EINVAL);
	assert_non_null(strstr(err.msg, needle));
}

static void test_valid(void **state)
{
	(void)state;
	assert_int_equal(parse(IMG_LEN), 0);
	assert_int_equal(info.pvh_entry, ENTRY);
	assert_int_equal(info.nr_segments, 1);
	assert_int_equal(info.seg[0].paddr, PADDR);
	assert_int_equal(info.seg[0].offset, CODE_OFF);
	assert_int_equal(info.seg[0].filesz, CODE_LEN);
	assert_int_equal(info.seg[0].memsz, MEMSZ);
	assert_int_equal(info.lowest, PADDR);
	assert_int_equal(info.highest, PADDR + MEMSZ);
}

static void test_desc_size_4(void **state)
{
	uint32_t entry = (uint32_t)PADDR + 0x80;
	Elf64_Phdr ph = get_phdr(1);

	(void)state;
	ph.p_filesz = put_note(xen_note_off, "Xen", 4, 18, &entry, 4) - NOTE_OFF;
	set_phdr(1, &ph);
	assert_int_equal(parse(IMG_LEN), 0);
	assert_int_equal(info.pvh_entry, PADDR + 0x80);
}

static void test_truncated_every_length(void **state)
{
	(void)state;
	for (size_t len = 0; len < IMG_LEN; len++) {
		int r = parse(len);

		if (len < SELFMAG)
			assert_int_equal(r, -ENOEXEC);
		else
			assert_int_equal(r, -EINVAL);
		assert_true(strlen(err.msg) > 0);
		assert_int_equal(info.nr_segments, 0);
	}
	assert_int_equal(parse(IMG_LEN), 0);
}

static void test_not_elf(void **state)
{
	(void)state;
	img[1] = 'e';
	assert_int_equal(parse(IMG_LEN), -ENOEXEC);
	assert_non_null(strstr(err.msg, "not an ELF"));
	assert_int_equal(elf_pvh_parse(NULL, 0, &info, &err), -ENOEXEC);
}

static void test_wrong_class(void **state)
{
	(void)state;
	img[EI_CLASS] = ELFCLASS32;
	expect_einval(IMG_LEN, "not 64-bit");
}

static void test_big_endian(void **state)
{
	(void)state;
	img[EI_DATA] = ELFDATA2MSB;
	expect_einval(IMG_LEN, "little-endian");
}

static void test_wrong_machine(void **state)
{
	Elf64_Ehdr eh = get_ehdr();

	(void)state;
	eh.e_machine = EM_AARCH64;
	set_ehdr(&eh);
	expect_einval(IMG_LEN, "not for x86-64");
}

static void test_not_executable(void **state)
{
	Elf64_Ehdr eh = get_ehdr();

	(void)state;
	eh.e_type = ET_DYN;
	set_ehdr(&eh);
	expect_einval(IMG_LEN, "not an executable");
}

static void test_bad_phentsize(void **state)
{
	Elf64_Ehdr eh = get_ehdr();

	(void)state;
	eh.e_phentsize = sizeof(Elf32_Phdr);
	set_ehdr(&eh);
	expect_einval(IMG_LEN, "program header size");
}

static void test_phdrs_outside_file(void **state)
{
	Elf64_Ehdr eh = get_ehdr();

	(void)state;
	eh.e_phoff = IMG_LEN - sizeof(Elf64_Phdr) + 1; /* last one byte short */
	eh.e_phnum = 1;
	set_ehdr(&eh);
	expect_einval(IMG_LEN, "program headers");

	eh.e_phoff = UINT64_MAX - 8; /* offset + size wraps */
	set_ehdr(&eh);
	expect_einval(IMG_LEN, "program headers");

	eh.e_phoff = sizeof(Elf64_Ehdr);
	eh.e_phnum = 0xfffe; /* far more than the file holds */
	set_ehdr(&eh);
	expect_einval(IMG_LEN, "program headers");

	eh.e_phnum = PN_XNUM;
	set_ehdr(&eh);
	expect_einval(IMG_LEN, "extended");
}

static void test_segment_outside_file(void **state)
{
	Elf64_Phdr ph = get_phdr(0);

	(void)state;
	ph.p_filesz = CODE_LEN + 1;
	ph.p_memsz = MEMSZ;
	set_phdr(0, &ph);
	expect_einval(IMG_LEN, "outside the");

	ph.p_filesz = 0x10;
	ph.p_offset = UINT64_MAX - 4; /* offset + filesz wraps */
	set_phdr(0, &ph);
	expect_einval(IMG_LEN, "outside the");

	/* Also for the note segment. */
	build_elf();
	ph = get_phdr(1);
	ph.p_offset = IMG_LEN - 4;
	set_phdr(1, &ph);
	expect_einval(IMG_LEN, "segment 1");
}

static void test_overlapping_segments(void **state)
{
	Elf64_Phdr ph = get_phdr(0);

	(void)state;
	ph.p_paddr = PADDR + MEMSZ - 1; /* one byte inside segment 0 */
	set_phdr(2, &ph);
	expect_einval(IMG_LEN, "overlap");

	/* Listed before the lower one: still caught after sorting. */
	ph.p_paddr = PADDR - 0x1000;
	set_phdr(2, &ph);
	expect_einval(IMG_LEN, "overlap");

	/* Exactly adjacent is fine, and segments come out sorted by address. */
	ph.p_paddr = PADDR - CODE_LEN;
	ph.p_memsz = CODE_LEN;
	set_phdr(2, &ph);
	ph.p_paddr = PADDR + MEMSZ;
	set_phdr(3, &ph);
	assert_int_equal(parse(IMG_LEN), 0);
	assert_int_equal(info.nr_segments, 3);
	assert_int_equal(info.seg[0].paddr, PADDR - CODE_LEN);
	assert_int_equal(info.seg[1].paddr, PADDR);
	assert_int_equal(info.seg[2].paddr, PADDR + MEMSZ);
	assert_int_equal(info.lowest, PADDR - CODE_LEN);
	assert_int_equal(info.highest, PADDR + MEMSZ + CODE_LEN);
}

static void test_filesz_above_memsz(void **state)
{
	Elf64_Phdr ph = get_phdr(0);

	(void)state;
	ph.p_memsz = CODE_LEN - 1;
	set_phdr(0, &ph);
	expect_einval(IMG_LEN, "more file bytes");
}

static void test_paddr_overflow(void **state)
{
	Elf64_Phdr ph = get_phdr(0);

	(void)state;
	ph.p_paddr = UINT64_MAX - 0x100;
	set_phdr(0, &ph);
	expect_einval(IMG_LEN, "wraps");

	/* Ending exactly at 2^64 - 1 does not wrap but the entry is then outside. */
	ph.p_paddr = UINT64_MAX - MEMSZ;
	set_phdr(0, &ph);
	expect_einval(IMG_LEN, "PVH entry");
}

static void test_too_many_segments(void **state)
{
	static uint8_t big[sizeof(Elf64_Ehdr) + 20 * sizeof(Elf64_Phdr)];
	Elf64_Ehdr eh = get_ehdr();
	unsigned int i;

	(void)state;
	eh.e_phnum = ELF_PVH_MAX_SEGMENTS + 1;
	memcpy(big, &eh, sizeof(eh));
	for (i = 0; i < ELF_PVH_MAX_SEGMENTS + 1; i++) {
		Elf64_Phdr ph = {
		    .p_type = PT_LOAD, .p_paddr = PADDR + i * 0x1000, .p_memsz = 0x1000};

		memcpy(big + sizeof(eh) + i * sizeof(ph), &ph, sizeof(ph));
	}
	assert_int_equal(elf_pvh_parse(big, sizeof(big), &info, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "more than 16"));
}

static void test_no_load_segment(void **state)
{
	Elf64_Phdr ph = get_phdr(0);

	(void)state;
	ph.p_type = PT_DYNAMIC;
	set_phdr(0, &ph);
	expect_einval(IMG_LEN, "no loadable");
}

static void test_missing_note(void **state)
{
	(void)state;
	put_note(xen_note_off, "Xen", 4, 17, "\0\0\0\1\0\0\0\0", 8); /* wrong type */
	expect_einval(IMG_LEN, "no PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY)");

	put_note(xen_note_off, "Xe\0", 4, 18, "\0\0\0\1\0\0\0\0", 8); /* wrong name */
	expect_einval(IMG_LEN, "no PVH entry note");

	/* No PT_NOTE at all. */
	build_elf();
	set_phdr(1, &(Elf64_Phdr){.p_type = PT_NULL});
	expect_einval(IMG_LEN, "no PVH entry note");
}

static void test_malformed_note_sizes(void **state)
{
	Elf64_Nhdr nh;
	Elf64_Phdr ph;

	(void)state;
	/* A name size that runs past the segment, and one that would wrap 32 bits. */
	memcpy(&nh, img + NOTE_OFF, sizeof(nh));
	nh.n_namesz = (uint32_t)notes_len;
	memcpy(img + NOTE_OFF, &nh, sizeof(nh));
	expect_einval(IMG_LEN, "runs past");
	nh.n_namesz = UINT32_MAX;
	memcpy(img + NOTE_OFF, &nh, sizeof(nh));
	expect_einval(IMG_LEN, "runs past");

	/* A descriptor one byte too long for the segment. */
	build_elf();
	memcpy(&nh, img + xen_note_off, sizeof(nh));
	nh.n_descsz = (uint32_t)(NOTE_OFF + notes_len - xen_note_off - sizeof(nh) - 4 + 1);
	memcpy(img + xen_note_off, &nh, sizeof(nh));
	expect_einval(IMG_LEN, "runs past");
	nh.n_descsz = UINT32_MAX;
	memcpy(img + xen_note_off, &nh, sizeof(nh));
	expect_einval(IMG_LEN, "runs past");

	/* A segment that ends inside a note header. */
	build_elf();
	ph = get_phdr(1);
	ph.p_filesz = notes_len + 5;
	set_phdr(1, &ph);
	expect_einval(IMG_LEN, "truncated");

	/* A descriptor size other than 4 or 8. */
	build_elf();
	ph = get_phdr(1);
	ph.p_filesz = put_note(xen_note_off, "Xen", 4, 18, "\x40\0\0\1\0\0", 6) - NOTE_OFF;
	set_phdr(1, &ph);
	expect_einval(IMG_LEN, "6-byte descriptor");
}

static void test_entry_high_bits(void **state)
{
	uint64_t entry = (1ULL << 32) | ENTRY;

	(void)state;
	put_note(xen_note_off, "Xen", 4, 18, &entry, 8);
	expect_einval(IMG_LEN, "above 4 GiB");
}

static void test_entry_outside_segments(void **state)
{
	uint64_t entry = PADDR + CODE_LEN; /* in memsz, but not in the file bytes */

	(void)state;
	put_note(xen_note_off, "Xen", 4, 18, &entry, 8);
	expect_einval(IMG_LEN, "PVH entry 0x1000100");
}

static void test_note_align_8(void **state)
{
	/* A GNU property note in an 8-aligned PT_NOTE, then the PVH note in its own. */
	uint8_t prop[16] = {0};
	Elf64_Nhdr nh = {.n_namesz = 4, .n_descsz = sizeof(prop), .n_type = 5};
	Elf64_Phdr ph;
	size_t off = 0x300;

	(void)state;
	memcpy(img + off, &nh, sizeof(nh));
	memcpy(img + off + 12, "GNU", 4);
	memcpy(img + off + 16, prop, sizeof(prop));
	set_phdr(2,
		 &(Elf64_Phdr){.p_type = PT_NOTE, .p_offset = off, .p_filesz = 32, .p_align = 8});
	assert_int_equal(parse(IMG_LEN), 0);
	assert_int_equal(info.pvh_entry, ENTRY);

	/* With 8-byte alignment a 4-byte desc is padded to 8: 28 bytes is too short. */
	nh.n_descsz = 4;
	memcpy(img + off, &nh, sizeof(nh));
	ph = get_phdr(2);
	ph.p_filesz = 20;
	set_phdr(2, &ph);
	expect_einval(IMG_LEN, "runs past");
	ph.p_filesz = 24;
	set_phdr(2, &ph);
	assert_int_equal(parse(IMG_LEN), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_valid, setup),
	    cmocka_unit_test_setup(test_desc_size_4, setup),
	    cmocka_unit_test_setup(test_truncated_every_length, setup),
	    cmocka_unit_test_setup(test_not_elf, setup),
	    cmocka_unit_test_setup(test_wrong_class, setup),
	    cmocka_unit_test_setup(test_big_endian, setup),
	    cmocka_unit_test_setup(test_wrong_machine, setup),
	    cmocka_unit_test_setup(test_not_executable, setup),
	    cmocka_unit_test_setup(test_bad_phentsize, setup),
	    cmocka_unit_test_setup(test_phdrs_outside_file, setup),
	    cmocka_unit_test_setup(test_segment_outside_file, setup),
	    cmocka_unit_test_setup(test_overlapping_segments, setup),
	    cmocka_unit_test_setup(test_filesz_above_memsz, setup),
	    cmocka_unit_test_setup(test_paddr_overflow, setup),
	    cmocka_unit_test_setup(test_too_many_segments, setup),
	    cmocka_unit_test_setup(test_no_load_segment, setup),
	    cmocka_unit_test_setup(test_missing_note, setup),
	    cmocka_unit_test_setup(test_malformed_note_sizes, setup),
	    cmocka_unit_test_setup(test_entry_high_bits, setup),
	    cmocka_unit_test_setup(test_entry_outside_segments, setup),
	    cmocka_unit_test_setup(test_note_align_8, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
