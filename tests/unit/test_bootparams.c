/*
 * test_bootparams.c - e820_build() and boot_load(): what ends up in guest
 * memory for a bzImage (zero page) and for a PVH ELF (hvm_start_info).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "vmm/x86/boot.h"
#include "vmm/x86/layout.h"

#define MiB (1024ULL * 1024)
#define GiB (1024 * MiB)

/* ---- synthetic kernels ---- */

/* bzImage: boot sector + 4 setup sectors + payload; see test_bzimage.c. */
#define BZ_SETUP_LEN (5 * 512)
#define BZ_PAYLOAD_LEN 700
#define BZ_LEN (BZ_SETUP_LEN + BZ_PAYLOAD_LEN)
#define BZ_INIT_SIZE (8 * MiB)

/* ELF: one PT_LOAD at ELF_PADDR (ELF_CODE_LEN file bytes, ELF_MEMSZ in memory), one PT_NOTE. */
#define ELF_NOTE_OFF 0x100
#define ELF_CODE_OFF 0x200
#define ELF_CODE_LEN 0x100
#define ELF_LEN (ELF_CODE_OFF + ELF_CODE_LEN)
#define ELF_PADDR 0x1000000ULL
#define ELF_MEMSZ 0x3000ULL
#define ELF_ENTRY (ELF_PADDR + 0x20)

static uint8_t bz[BZ_LEN];
static uint8_t elf[ELF_LEN];

static void put_le(uint8_t *p, uint64_t v, unsigned int bytes)
{
	for (unsigned int i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void build_bzimage(void)
{
	memset(bz, 0, sizeof(bz));
	bz[0x1f1] = 4; /* setup_sects */
	put_le(bz + 0x1fe, 0xaa55, 2);
	bz[0x200] = 0xeb;
	bz[0x201] = 0x6a; /* header ends at 0x26c */
	memcpy(bz + 0x202, "HdrS", 4);
	put_le(bz + 0x206, 0x020f, 2);
	bz[0x211] = 0x01;		     /* LOADED_HIGH */
	put_le(bz + 0x22c, 0x7fffffff, 4);   /* initrd_addr_max */
	put_le(bz + 0x230, 0x200000, 4);     /* kernel_alignment */
	bz[0x234] = 1;			     /* relocatable */
	put_le(bz + 0x236, 0x7f, 2);	     /* xloadflags */
	put_le(bz + 0x238, 2047, 4);	     /* cmdline_size */
	put_le(bz + 0x258, 0x1000000, 8);    /* pref_address */
	put_le(bz + 0x260, BZ_INIT_SIZE, 4); /* init_size */
	put_le(bz + 0x264, 0x190, 4);	     /* handover_offset: just a copied value */
	for (size_t i = BZ_SETUP_LEN; i < BZ_LEN; i++)
		bz[i] = (uint8_t)(i * 13 + 1);
}

static void build_elf(uint64_t paddr)
{
	Elf64_Ehdr eh = {
	    .e_type = ET_EXEC,
	    .e_machine = EM_X86_64,
	    .e_version = EV_CURRENT,
	    .e_phoff = sizeof(Elf64_Ehdr),
	    .e_ehsize = sizeof(Elf64_Ehdr),
	    .e_phentsize = sizeof(Elf64_Phdr),
	    .e_phnum = 2,
	};
	Elf64_Phdr load = {.p_type = PT_LOAD,
			   .p_offset = ELF_CODE_OFF,
			   .p_paddr = paddr,
			   .p_filesz = ELF_CODE_LEN,
			   .p_memsz = ELF_MEMSZ};
	Elf64_Phdr note = {.p_type = PT_NOTE, .p_offset = ELF_NOTE_OFF, .p_filesz = 20};
	Elf64_Nhdr nh = {.n_namesz = 4, .n_descsz = 4, .n_type = 18};
	uint32_t entry = (uint32_t)(paddr + (ELF_ENTRY - ELF_PADDR));

	memset(elf, 0, sizeof(elf));
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	memcpy(elf, &eh, sizeof(eh));
	memcpy(elf + sizeof(eh), &load, sizeof(load));
	memcpy(elf + sizeof(eh) + sizeof(load), &note, sizeof(note));
	memcpy(elf + ELF_NOTE_OFF, &nh, sizeof(nh));
	memcpy(elf + ELF_NOTE_OFF + 12, "Xen", 4);
	memcpy(elf + ELF_NOTE_OFF + 16, &entry, 4);
	for (size_t i = 0; i < ELF_CODE_LEN; i++)
		elf[ELF_CODE_OFF + i] = (uint8_t)(0x40 + i);
}

/* ---- guest memory: lazily backed, so large guests cost only touched pages ---- */

struct vm {
	struct guest_mem m;
	uint8_t *buf;
	uint64_t size;
};

static struct vm *vm_new(uint64_t size, int prot)
{
	struct vm *v = calloc(1, sizeof(*v));

	assert_non_null(v);
	v->buf = mmap(NULL, size, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	assert_true(v->buf != MAP_FAILED);
	v->size = size;
	gmem_wrap(&v->m, v->buf, size);
	return v;
}

static int vm_free(void **state)
{
	struct vm *v = *state;

	if (v) {
		munmap(v->buf, v->size);
		free(v);
	}
	*state = NULL;
	return 0;
}

/* Fresh images; the test makes its own guest. */
static int setup_images(void **state)
{
	build_bzimage();
	build_elf(ELF_PADDR);
	*state = NULL;
	return 0;
}

static int setup_256m(void **state)
{
	build_bzimage();
	build_elf(ELF_PADDR);
	*state = vm_new(256 * MiB, PROT_READ | PROT_WRITE);
	return 0;
}

static int setup_32m(void **state)
{
	build_bzimage();
	build_elf(ELF_PADDR);
	*state = vm_new(32 * MiB, PROT_READ | PROT_WRITE);
	return 0;
}

/* Little-endian value of @bytes bytes at guest address @gpa. */
static uint64_t rd(const struct vm *v, uint64_t gpa, unsigned int bytes)
{
	uint8_t b[8] = {0};
	uint64_t x = 0;

	assert_int_equal(gmem_read(&v->m, gpa, b, bytes), 0);
	for (unsigned int i = 0; i < bytes; i++)
		x |= (uint64_t)b[i] << (8 * i);
	return x;
}

static void expect_e820(const struct vm *v, uint64_t gpa, uint64_t addr, uint64_t size,
			uint32_t type)
{
	assert_int_equal(rd(v, gpa, 8), addr);
	assert_int_equal(rd(v, gpa + 8, 8), size);
	assert_int_equal(rd(v, gpa + 16, 4), type);
}

static void expect_entry(const struct boot_e820_entry *ent, uint64_t addr, uint64_t size,
			 uint32_t type)
{
	assert_int_equal(ent->addr, addr);
	assert_int_equal(ent->size, size);
	assert_int_equal(ent->type, type);
}

/* The fixed part of every map: low RAM, then the legacy hole with ACPI inside it. */
static void expect_legacy(const struct boot_e820_entry *map)
{
	expect_entry(&map[0], 0, 0x9fc00, E820_RAM);
	expect_entry(&map[1], 0x9fc00, 0xe0000 - 0x9fc00, E820_RESERVED);
	expect_entry(&map[2], 0xe0000, 0x10000, E820_ACPI);
	expect_entry(&map[3], 0xf0000, 0x10000, E820_RESERVED);
}

/* ---- e820 ---- */

static void test_e820_256m(void **state)
{
	struct vm *v = *state;
	struct boot_e820_entry map[8];

	assert_int_equal(e820_build(&v->m, map, 8), 5);
	expect_legacy(map);
	expect_entry(&map[4], 1 * MiB, 255 * MiB, E820_RAM);

	/* Too small a table is refused, an exact one is fine. */
	assert_int_equal(e820_build(&v->m, map, 4), -ENOSPC);
	assert_int_equal(e820_build(&v->m, map, 5), 5);
}

static void test_e820_split(void **state)
{
	struct vm *v;
	struct boot_e820_entry map[8];

	/* 5 GiB: 3 GiB below the MMIO hole, 2 GiB from 4 GiB.  Never touched. */
	v = *state = vm_new(5 * GiB, PROT_NONE);
	assert_int_equal(e820_build(&v->m, map, 8), 6);
	expect_legacy(map);
	expect_entry(&map[4], 1 * MiB, 3 * GiB - 1 * MiB, E820_RAM);
	expect_entry(&map[5], 4 * GiB, 2 * GiB, E820_RAM);
	assert_int_equal(e820_build(&v->m, map, 5), -ENOSPC);
}

static void test_e820_exactly_3g(void **state)
{
	struct vm *v;
	struct boot_e820_entry map[8];

	v = *state = vm_new(3 * GiB, PROT_NONE);
	assert_int_equal(e820_build(&v->m, map, 8), 5);
	expect_entry(&map[4], 1 * MiB, 3 * GiB - 1 * MiB, E820_RAM);
}

/* ---- bzImage ---- */

static void test_bzimage_zero_page(void **state)
{
	struct vm *v = *state;
	static uint8_t initrd[10000];
	const char *cmd = "console=ttyS0 quiet";
	struct boot_config cfg = {.kernel = bz,
				  .kernel_len = BZ_LEN,
				  .initrd = initrd,
				  .initrd_len = sizeof(initrd),
				  .cmdline = cmd,
				  .acpi_rsdp_gpa = X86_ACPI_ADDR};
	struct boot_entry be;
	struct error e = {{0}};
	const uint64_t zp = X86_ZERO_PAGE_ADDR;
	const uint64_t initrd_gpa = 256 * MiB - 3 * 4096; /* 10000 bytes -> 3 pages */

	for (size_t i = 0; i < sizeof(initrd); i++)
		initrd[i] = (uint8_t)(i ^ 0x3c);
	assert_int_equal(boot_load(&v->m, &cfg, &be, &e), 0);

	assert_int_equal(be.mode, BOOT_ENTRY_LINUX64);
	assert_int_equal(be.rip, 0x100200);
	assert_int_equal(be.info_gpa, X86_ZERO_PAGE_ADDR);
	assert_int_equal(be.kernel_start, 0x100000);
	assert_int_equal(be.kernel_end, 0x1000000 + BZ_INIT_SIZE); /* runtime start + init_size */
	assert_int_equal(be.initrd_gpa, initrd_gpa);
	assert_int_equal(be.initrd_size, sizeof(initrd));

	/* Header copied from the image. */
	assert_int_equal(rd(v, zp + 0x1f1, 1), 4);
	assert_int_equal(rd(v, zp + 0x1fe, 2), 0xaa55);
	assert_int_equal(rd(v, zp + 0x202, 4), 0x53726448);
	assert_int_equal(rd(v, zp + 0x206, 2), 0x020f);
	assert_int_equal(rd(v, zp + 0x260, 4), BZ_INIT_SIZE);
	assert_int_equal(rd(v, zp + 0x264, 4), 0x190);
	/* Fields the loader fills in. */
	assert_int_equal(rd(v, zp + 0x210, 1), 0xff);
	assert_int_equal(rd(v, zp + 0x211, 1), 0x81);
	assert_int_equal(rd(v, zp + 0x214, 4), 0x100000);
	assert_int_equal(rd(v, zp + 0x218, 4), initrd_gpa);
	assert_int_equal(rd(v, zp + 0x21c, 4), sizeof(initrd));
	assert_int_equal(rd(v, zp + 0x224, 2), 0xfe00);
	assert_int_equal(rd(v, zp + 0x228, 4), X86_CMDLINE_ADDR);
	assert_int_equal(rd(v, zp + 0x0c0, 4), 0);
	assert_int_equal(rd(v, zp + 0x0c4, 4), 0);
	assert_int_equal(rd(v, zp + 0x0c8, 4), 0);
	assert_int_equal(rd(v, zp + 0x250, 8), 0);
	assert_int_equal(rd(v, zp + 0x070, 8), X86_ACPI_ADDR);
	/* e820 */
	assert_int_equal(rd(v, zp + 0x1e8, 1), 5);
	expect_e820(v, zp + 0x2d0 + 0 * 20, 0, 0x9fc00, E820_RAM);
	expect_e820(v, zp + 0x2d0 + 1 * 20, 0x9fc00, 0x40400, E820_RESERVED);
	expect_e820(v, zp + 0x2d0 + 2 * 20, 0xe0000, 0x10000, E820_ACPI);
	expect_e820(v, zp + 0x2d0 + 3 * 20, 0xf0000, 0x10000, E820_RESERVED);
	expect_e820(v, zp + 0x2d0 + 4 * 20, 1 * MiB, 255 * MiB, E820_RAM);
	assert_int_equal(rd(v, zp + 0x2d0 + 5 * 20, 8), 0);

	/* Payload, command line and initrd contents. */
	assert_memory_equal(v->buf + 0x100000, bz + BZ_SETUP_LEN, BZ_PAYLOAD_LEN);
	assert_int_equal(v->buf[0x100000 + BZ_PAYLOAD_LEN], 0);
	assert_string_equal((char *)v->buf + X86_CMDLINE_ADDR, cmd);
	assert_memory_equal(v->buf + initrd_gpa, initrd, sizeof(initrd));
}

static void test_bzimage_no_initrd(void **state)
{
	struct vm *v = *state;
	struct boot_config cfg = {.kernel = bz, .kernel_len = BZ_LEN, .cmdline = ""};
	struct boot_entry be;

	assert_int_equal(boot_load(&v->m, &cfg, &be, NULL), 0);
	assert_int_equal(be.initrd_gpa, 0);
	assert_int_equal(be.initrd_size, 0);
	assert_int_equal(rd(v, X86_ZERO_PAGE_ADDR + 0x218, 4), 0);
	assert_int_equal(rd(v, X86_ZERO_PAGE_ADDR + 0x21c, 4), 0);
	assert_int_equal(rd(v, X86_ZERO_PAGE_ADDR + 0x070, 8), 0);
	assert_int_equal(v->buf[X86_CMDLINE_ADDR], 0);
}

static void test_bzimage_split_memory(void **state)
{
	struct vm *v;
	static uint8_t initrd[5000];
	struct boot_config cfg = {.kernel = bz,
				  .kernel_len = BZ_LEN,
				  .initrd = initrd,
				  .initrd_len = sizeof(initrd),
				  .cmdline = "x"};
	struct boot_entry be;
	const uint64_t zp = X86_ZERO_PAGE_ADDR;

	/* 5 GiB; only the pages the loader writes get backed. */
	v = *state = vm_new(5 * GiB, PROT_READ | PROT_WRITE);
	memset(initrd, 0x77, sizeof(initrd));
	assert_int_equal(boot_load(&v->m, &cfg, &be, NULL), 0);
	assert_int_equal(rd(v, zp + 0x1e8, 1), 6);
	expect_e820(v, zp + 0x2d0 + 4 * 20, 1 * MiB, 3 * GiB - 1 * MiB, E820_RAM);
	expect_e820(v, zp + 0x2d0 + 5 * 20, 4 * GiB, 2 * GiB, E820_RAM);
	/* initrd_addr_max 0x7fffffff caps the initrd below 2 GiB, not 3 GiB. */
	assert_int_equal(be.initrd_gpa, 2 * GiB - 2 * 4096);
	assert_int_equal(rd(v, zp + 0x218, 4), 2 * GiB - 2 * 4096);
	assert_int_equal(v->buf[2 * GiB - 2 * 4096], 0x77);
}

static void test_initrd_below_addr_max(void **state)
{
	struct vm *v = *state;
	static uint8_t initrd[3 * 4096 + 1];
	struct boot_config cfg = {.kernel = bz,
				  .kernel_len = BZ_LEN,
				  .initrd = initrd,
				  .initrd_len = sizeof(initrd),
				  .cmdline = ""};
	struct boot_entry be;

	put_le(bz + 0x22c, 0x07ffffff, 4); /* initrd must end at or below 128 MiB */
	assert_int_equal(boot_load(&v->m, &cfg, &be, NULL), 0);
	assert_int_equal(be.initrd_gpa, 128 * MiB - 4 * 4096);
	assert_int_equal(be.initrd_gpa % 4096, 0);
	assert_true(be.initrd_gpa + sizeof(initrd) <= 128 * MiB);
	assert_true(be.initrd_gpa >= be.kernel_end);

	/* An unaligned limit: the start is rounded down, the end stays under it. */
	put_le(bz + 0x22c, 0x07ffe7ff, 4);
	assert_int_equal(boot_load(&v->m, &cfg, &be, NULL), 0);
	assert_int_equal(be.initrd_gpa, 128 * MiB - 5 * 4096);
	assert_true(be.initrd_gpa + sizeof(initrd) <= 0x07ffe800);
}

/* 32 MiB guest: the kernel runs from 16 MiB and needs 8 MiB, leaving 8 MiB on top. */
static void test_initrd_exact_fit(void **state)
{
	struct vm *v = *state;
	uint8_t *initrd = calloc(1, 8 * MiB + 1);
	struct boot_config cfg = {.kernel = bz,
				  .kernel_len = BZ_LEN,
				  .initrd = initrd,
				  .initrd_len = 8 * MiB,
				  .cmdline = ""};
	struct boot_entry be;
	struct error e = {{0}};

	assert_non_null(initrd);
	initrd[0] = 0xab;
	initrd[8 * MiB - 1] = 0xcd;
	assert_int_equal(boot_load(&v->m, &cfg, &be, &e), 0);
	assert_int_equal(be.kernel_end, 24 * MiB);
	assert_int_equal(be.initrd_gpa, 24 * MiB);
	assert_int_equal(v->buf[24 * MiB], 0xab);
	assert_int_equal(v->buf[32 * MiB - 1], 0xcd);

	cfg.initrd_len = 8 * MiB + 1;
	assert_int_equal(boot_load(&v->m, &cfg, &be, &e), -E2BIG);
	free(initrd);
}

static void test_initrd_too_big_leaves_memory_untouched(void **state)
{
	struct vm *v = *state;
	uint8_t *initrd = calloc(1, 9 * MiB);
	struct boot_config cfg = {.kernel = bz,
				  .kernel_len = BZ_LEN,
				  .initrd = initrd,
				  .initrd_len = 8 * MiB + 100 * 1024,
				  .cmdline = "console=ttyS0"};
	struct boot_entry be = {.rip = 0x1234};
	struct error e = {{0}};

	assert_non_null(initrd);
	memset(v->buf, 0xa5, v->size);
	assert_int_equal(boot_load(&v->m, &cfg, &be, &e), -E2BIG);
	assert_string_equal(e.msg, "initrd (8.1 MiB) does not fit in guest memory: 8.0 MiB free "
				   "above the kernel (0x1800000..0x2000000)");
	for (uint64_t i = 0; i < v->size; i++)
		if (v->buf[i] != 0xa5)
			fail_msg("guest byte %#llx changed", (unsigned long long)i);
	assert_int_equal(be.rip, 0x1234); /* out untouched too */

	/* Same for PVH. */
	cfg.kernel = elf;
	cfg.kernel_len = ELF_LEN;
	cfg.initrd_len = 32 * MiB;
	assert_int_equal(boot_load(&v->m, &cfg, &be, &e), -E2BIG);
	assert_non_null(strstr(e.msg, "initrd (32.0 MiB)"));
	assert_int_equal(v->buf[ELF_PADDR], 0xa5);
	assert_int_equal(v->buf[X86_PVH_INFO_ADDR], 0xa5);
	assert_int_equal(v->buf[X86_CMDLINE_ADDR], 0xa5);
	free(initrd);
}

static void test_kernel_too_big(void **state)
{
	struct vm *v = *state;
	void *tiny;
	struct boot_config cfg = {.kernel = bz, .kernel_len = BZ_LEN, .cmdline = ""};
	struct boot_entry be;
	struct error e = {{0}};

	put_le(bz + 0x260, 300 * MiB, 4);
	memset(v->buf + X86_ZERO_PAGE_ADDR, 0xa5, 4096);
	assert_int_equal(boot_load(&v->m, &cfg, &be, &e), -ENOMEM);
	assert_string_equal(
	    e.msg,
	    "kernel needs 300.0 MiB from 0x1000000 (RAM up to 316.0 MiB); guest has 256.0 MiB");
	assert_int_equal(v->buf[X86_ZERO_PAGE_ADDR], 0xa5);
	assert_int_equal(v->buf[0x100000], 0);

	/* Just fits: runtime start 16 MiB + 240 MiB = 256 MiB. */
	put_le(bz + 0x260, 240 * MiB, 4);
	assert_int_equal(boot_load(&v->m, &cfg, &be, &e), 0);
	assert_int_equal(be.kernel_end, 256 * MiB);

	/* An 8 MiB guest cannot hold a kernel that runs from 16 MiB at all. */
	put_le(bz + 0x260, BZ_INIT_SIZE, 4);
	tiny = vm_new(8 * MiB, PROT_READ | PROT_WRITE);
	assert_int_equal(boot_load(&((struct vm *)tiny)->m, &cfg, &be, &e), -ENOMEM);
	assert_non_null(strstr(e.msg, "guest has 8.0 MiB"));
	vm_free(&tiny);

	/* An ELF whose segments end past RAM. */
	build_elf(256 * MiB - 0x1000);
	cfg.kernel = elf;
	cfg.kernel_len = ELF_LEN;
	assert_int_equal(boot_load(&v->m, &cfg, &be, &e), -ENOMEM);
	assert_non_null(strstr(e.msg, "kernel needs 0.1 MiB from 0xffff000"));
}

static void test_not_relocatable(void **state)
{
	struct vm *v = *state;
	struct boot_config cfg = {.kernel = bz, .kernel_len = BZ_LEN, .cmdline = ""};
	struct boot_entry be;
	struct error e = {{0}};

	bz[0x234] = 0;
	put_le(bz + 0x258, 0x200000, 8);
	assert_int_equal(boot_load(&v->m, &cfg, &be, &e), 0);
	assert_int_equal(be.rip, 0x200200);
	assert_int_equal(be.kernel_start, 0x200000);
	assert_int_equal(be.kernel_end, 0x200000 + BZ_INIT_SIZE);
	assert_int_equal(rd(v, X86_ZERO_PAGE_ADDR + 0x214, 4), 0x200000);
	assert_memory_equal(v->buf + 0x200000, bz + BZ_SETUP_LEN, BZ_PAYLOAD_LEN);
	assert_int_equal(v->buf[0x100000], 0);

	/* It cannot go below 1 MiB, over our boot structures. */
	put_le(bz + 0x258, 0x90000, 8);
	assert_int_equal(boot_load(&v->m, &cfg, &be, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "below 1 MiB"));

	/* Nor past the end of RAM (a huge pref_address must not wrap). */
	put_le(bz + 0x258, UINT64_MAX - 0x100, 8);
	assert_int_equal(boot_load(&v->m, &cfg, &be, &e), -ENOMEM);
}

static void test_runtime_alignment(void **state)
{
	struct vm *v = *state;
	struct boot_config cfg = {.kernel = bz, .kernel_len = BZ_LEN, .cmdline = ""};
	struct boot_entry be;

	/* Relocatable: runs from pref_address rounded up to kernel_alignment. */
	put_le(bz + 0x258, 0x1100000, 8);
	assert_int_equal(boot_load(&v->m, &cfg, &be, NULL), 0);
	assert_int_equal(be.rip, 0x100200); /* still loaded at 1 MiB */
	assert_int_equal(be.kernel_end, 0x1200000 + BZ_INIT_SIZE);

	/* A pref_address beyond RAM: reported, not wrapped. */
	put_le(bz + 0x258, UINT64_MAX - 0x100, 8);
	assert_int_equal(boot_load(&v->m, &cfg, &be, NULL), -ENOMEM);
}

static void test_cmdline_limits(void **state)
{
	struct vm *v = *state;
	char cmd[X86_CMDLINE_MAX + 1];
	struct boot_config cfg = {.kernel = bz, .kernel_len = BZ_LEN, .cmdline = cmd};
	struct boot_entry be;
	struct error e = {{0}};

	put_le(bz + 0x238, 100, 4); /* cmdline_size */
	memset(cmd, 'a', sizeof(cmd));
	cmd[100] = 0;
	assert_int_equal(boot_load(&v->m, &cfg, &be, &e), 0);
	assert_string_equal((char *)v->buf + X86_CMDLINE_ADDR, cmd);

	cmd[100] = 'b';
	cmd[101] = 0;
	memset(v->buf + X86_CMDLINE_ADDR, 0, 200);
	assert_int_equal(boot_load(&v->m, &cfg, &be, &e), -E2BIG);
	assert_string_equal(e.msg, "command line is 101 bytes; the kernel accepts at most 100");
	assert_int_equal(v->buf[X86_CMDLINE_ADDR], 0);

	/* Our own buffer is the limit for PVH, and for a bzImage with a bigger cmdline_size. */
	for (int pvh = 0; pvh < 2; pvh++) {
		put_le(bz + 0x238, 0x7fffffff, 4);
		cfg.kernel = pvh ? elf : bz;
		cfg.kernel_len = pvh ? ELF_LEN : BZ_LEN;
		memset(cmd, 'c', sizeof(cmd));
		cmd[X86_CMDLINE_MAX - 1] = 0;
		assert_int_equal(boot_load(&v->m, &cfg, &be, &e), 0);
		assert_int_equal(v->buf[X86_CMDLINE_ADDR + X86_CMDLINE_MAX - 2], 'c');
		assert_int_equal(v->buf[X86_CMDLINE_ADDR + X86_CMDLINE_MAX - 1], 0);
		cmd[X86_CMDLINE_MAX - 1] = 'c';
		cmd[X86_CMDLINE_MAX] = 0;
		assert_int_equal(boot_load(&v->m, &cfg, &be, &e), -E2BIG);
		assert_string_equal(
		    e.msg, "command line is 65536 bytes; the kernel accepts at most 65535");
	}
}

static void test_header_copy_length(void **state)
{
	struct vm *v = *state;
	struct boot_config cfg = {.kernel = bz, .kernel_len = BZ_LEN, .cmdline = ""};
	struct boot_entry be;

	/* The header ends where its jump lands: 0x202 + 0x10 = 0x212. */
	bz[0x201] = 0x10;
	memset(v->buf + X86_ZERO_PAGE_ADDR, 0xa5, 4096);
	assert_int_equal(boot_load(&v->m, &cfg, &be, NULL), 0);
	assert_int_equal(rd(v, X86_ZERO_PAGE_ADDR + 0x206, 2), 0x020f); /* inside: copied */
	assert_int_equal(rd(v, X86_ZERO_PAGE_ADDR + 0x211, 1), 0x81);
	assert_int_equal(rd(v, X86_ZERO_PAGE_ADDR + 0x260, 4), 0); /* beyond: zero */
	assert_int_equal(rd(v, X86_ZERO_PAGE_ADDR + 0x258, 8), 0);
	assert_int_equal(rd(v, X86_ZERO_PAGE_ADDR + 0x000, 8), 0); /* page zeroed */
	assert_int_equal(rd(v, X86_ZERO_PAGE_ADDR + 0xff8, 8), 0);
	assert_int_equal(rd(v, X86_ZERO_PAGE_ADDR + 0x228, 4), X86_CMDLINE_ADDR);
}

/* ---- PVH ---- */

static void test_pvh_start_info(void **state)
{
	struct vm *v = *state;
	static uint8_t initrd[4096 * 3];
	struct boot_config cfg = {.kernel = elf,
				  .kernel_len = ELF_LEN,
				  .initrd = initrd,
				  .initrd_len = sizeof(initrd),
				  .cmdline = "root=/dev/vda",
				  .acpi_rsdp_gpa = 0xe0000};
	struct boot_entry be;
	struct error e = {{0}};
	const uint64_t si = X86_PVH_INFO_ADDR, mod = si + 56, map = mod + 32;

	memset(initrd, 0x11, sizeof(initrd));
	memset(v->buf + ELF_PADDR, 0xa5, 2 * ELF_MEMSZ); /* must be zeroed up to memsz */
	assert_int_equal(boot_load(&v->m, &cfg, &be, &e), 0);

	assert_int_equal(be.mode, BOOT_ENTRY_PVH32);
	assert_int_equal(be.rip, ELF_ENTRY);
	assert_int_equal(be.info_gpa, X86_PVH_INFO_ADDR);
	assert_int_equal(be.kernel_start, ELF_PADDR);
	assert_int_equal(be.kernel_end, ELF_PADDR + ELF_MEMSZ);
	assert_int_equal(be.initrd_gpa, 256 * MiB - sizeof(initrd));
	assert_int_equal(be.initrd_size, sizeof(initrd));

	assert_int_equal(rd(v, si + 0x00, 4), 0x336ec578);
	assert_int_equal(rd(v, si + 0x04, 4), 1);
	assert_int_equal(rd(v, si + 0x08, 4), 0);
	assert_int_equal(rd(v, si + 0x0c, 4), 1);
	assert_int_equal(rd(v, si + 0x10, 8), mod);
	assert_int_equal(rd(v, si + 0x18, 8), X86_CMDLINE_ADDR);
	assert_int_equal(rd(v, si + 0x20, 8), 0xe0000);
	assert_int_equal(rd(v, si + 0x28, 8), map);
	assert_int_equal(rd(v, si + 0x30, 4), 5);
	assert_int_equal(rd(v, si + 0x34, 4), 0);

	assert_int_equal(rd(v, mod + 0x00, 8), 256 * MiB - sizeof(initrd));
	assert_int_equal(rd(v, mod + 0x08, 8), sizeof(initrd));
	assert_int_equal(rd(v, mod + 0x10, 8), 0);
	assert_int_equal(rd(v, mod + 0x18, 8), 0);

	expect_e820(v, map + 0 * 24, 0, 0x9fc00, E820_RAM);
	expect_e820(v, map + 1 * 24, 0x9fc00, 0x40400, E820_RESERVED);
	expect_e820(v, map + 2 * 24, 0xe0000, 0x10000, E820_ACPI);
	expect_e820(v, map + 3 * 24, 0xf0000, 0x10000, E820_RESERVED);
	expect_e820(v, map + 4 * 24, 1 * MiB, 255 * MiB, E820_RAM);
	for (int i = 0; i < 5; i++)
		assert_int_equal(rd(v, map + i * 24 + 20, 4), 0); /* reserved */

	/* Segment: file bytes, then zeros to memsz, and nothing beyond. */
	assert_memory_equal(v->buf + ELF_PADDR, elf + ELF_CODE_OFF, ELF_CODE_LEN);
	for (uint64_t i = ELF_CODE_LEN; i < ELF_MEMSZ; i++)
		assert_int_equal(v->buf[ELF_PADDR + i], 0);
	assert_int_equal(v->buf[ELF_PADDR + ELF_MEMSZ], 0xa5);

	assert_string_equal((char *)v->buf + X86_CMDLINE_ADDR, "root=/dev/vda");
	assert_memory_equal(v->buf + be.initrd_gpa, initrd, sizeof(initrd));
}

static void test_pvh_no_initrd(void **state)
{
	struct vm *v = *state;
	struct boot_config cfg = {.kernel = elf, .kernel_len = ELF_LEN, .cmdline = NULL};
	struct boot_entry be;
	const uint64_t si = X86_PVH_INFO_ADDR;

	assert_int_equal(boot_load(&v->m, &cfg, &be, NULL), 0);
	assert_int_equal(be.initrd_gpa, 0);
	assert_int_equal(rd(v, si + 0x0c, 4), 0);
	assert_int_equal(rd(v, si + 0x10, 8), 0);
	assert_int_equal(rd(v, si + 0x20, 8), 0);
	assert_int_equal(rd(v, si + 0x28, 8), si + 56);
	assert_int_equal(rd(v, si + 0x30, 4), 5);
	expect_e820(v, si + 56 + 4 * 24, 1 * MiB, 255 * MiB, E820_RAM);
	assert_int_equal(v->buf[X86_CMDLINE_ADDR], 0); /* NULL command line means "" */
}

static void test_pvh_initrd_above_kernel(void **state)
{
	struct vm *v = *state;
	uint8_t *initrd = calloc(1, 16 * MiB);
	struct boot_config cfg = {
	    .kernel = elf, .kernel_len = ELF_LEN, .initrd = initrd, .cmdline = ""};
	struct boot_entry be;
	struct error e = {{0}};

	assert_non_null(initrd);
	/* 32 MiB guest, kernel ends at 16 MiB + 12 KiB: the largest initrd is 16 MiB - 12 KiB. */
	cfg.initrd_len = 16 * MiB - ELF_MEMSZ;
	assert_int_equal(boot_load(&v->m, &cfg, &be, &e), 0);
	assert_int_equal(be.initrd_gpa, ELF_PADDR + ELF_MEMSZ);
	cfg.initrd_len += 1;
	assert_int_equal(boot_load(&v->m, &cfg, &be, &e), -E2BIG);
	assert_non_null(strstr(e.msg, "15.9 MiB free above the kernel"));
	free(initrd);
}

static void test_pvh_segment_below_1m(void **state)
{
	struct vm *v = *state;
	struct boot_config cfg = {.kernel = elf, .kernel_len = ELF_LEN, .cmdline = ""};
	struct boot_entry be;
	struct error e = {{0}};

	build_elf(0x80000);
	assert_int_equal(boot_load(&v->m, &cfg, &be, &e), -EINVAL);
	assert_string_equal(e.msg, "ELF segment at 0x80000 is below 1 MiB");
	assert_int_equal(v->buf[0x80000], 0);
}

/* ---- format detection ---- */

static void test_neither_format(void **state)
{
	struct vm *v = *state;
	uint8_t junk[4096];
	struct boot_config cfg = {.kernel = junk, .kernel_len = sizeof(junk), .cmdline = ""};
	struct boot_entry be;
	struct error e = {{0}};

	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 31 + 7);
	assert_int_equal(boot_load(&v->m, &cfg, &be, &e), -ENOEXEC);
	assert_string_equal(e.msg, "kernel image is neither a bzImage nor an ELF vmlinux");
	cfg.kernel_len = 0;
	assert_int_equal(boot_load(&v->m, &cfg, &be, &e), -ENOEXEC);

	/* A recognised but unbootable bzImage keeps its own error. */
	put_le(bz + 0x206, 0x0204, 2);
	cfg.kernel = bz;
	cfg.kernel_len = BZ_LEN;
	assert_int_equal(boot_load(&v->m, &cfg, &be, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "2.04"));

	/* Likewise an ELF without the PVH note. */
	elf[ELF_NOTE_OFF + 8] = 17;
	cfg.kernel = elf;
	cfg.kernel_len = ELF_LEN;
	assert_int_equal(boot_load(&v->m, &cfg, &be, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "PVH"));
}

static void test_initrd_without_data(void **state)
{
	struct vm *v = *state;
	struct boot_config cfg = {.kernel = bz, .kernel_len = BZ_LEN, .initrd_len = 10};
	struct boot_entry be;

	assert_int_equal(boot_load(&v->m, &cfg, &be, NULL), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_e820_256m, setup_256m, vm_free),
	    cmocka_unit_test_setup_teardown(test_e820_split, setup_images, vm_free),
	    cmocka_unit_test_setup_teardown(test_e820_exactly_3g, setup_images, vm_free),
	    cmocka_unit_test_setup_teardown(test_bzimage_zero_page, setup_256m, vm_free),
	    cmocka_unit_test_setup_teardown(test_bzimage_no_initrd, setup_256m, vm_free),
	    cmocka_unit_test_setup_teardown(test_bzimage_split_memory, setup_images, vm_free),
	    cmocka_unit_test_setup_teardown(test_initrd_below_addr_max, setup_256m, vm_free),
	    cmocka_unit_test_setup_teardown(test_initrd_exact_fit, setup_32m, vm_free),
	    cmocka_unit_test_setup_teardown(test_initrd_too_big_leaves_memory_untouched, setup_32m,
					    vm_free),
	    cmocka_unit_test_setup_teardown(test_kernel_too_big, setup_256m, vm_free),
	    cmocka_unit_test_setup_teardown(test_not_relocatable, setup_256m, vm_free),
	    cmocka_unit_test_setup_teardown(test_runtime_alignment, setup_256m, vm_free),
	    cmocka_unit_test_setup_teardown(test_cmdline_limits, setup_256m, vm_free),
	    cmocka_unit_test_setup_teardown(test_header_copy_length, setup_256m, vm_free),
	    cmocka_unit_test_setup_teardown(test_pvh_start_info, setup_256m, vm_free),
	    cmocka_unit_test_setup_teardown(test_pvh_no_initrd, setup_256m, vm_free),
	    cmocka_unit_test_setup_teardown(test_pvh_initrd_above_kernel, setup_32m, vm_free),
	    cmocka_unit_test_setup_teardown(test_pvh_segment_below_1m, setup_256m, vm_free),
	    cmocka_unit_test_setup_teardown(test_neither_format, setup_256m, vm_free),
	    cmocka_unit_test_setup_teardown(test_initrd_without_data, setup_256m, vm_free),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
