/*
 * test_acpi.c - acpi_build() against the ACPI 6.3 specification.
 *
 * The tables are parsed here with independent code: plain little-endian
 * reads at the byte offsets the specification gives, nothing shared with
 * acpi.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "vmm/memory.h"
#include "vmm/x86/acpi.h"
#include "vmm/x86/layout.h"

#define MEM_SIZE (2u << 20)

struct fixture {
	uint8_t *buf;
	struct guest_mem m;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->buf = calloc(1, MEM_SIZE);
	assert_non_null(f->buf);
	gmem_wrap(&f->m, f->buf, MEM_SIZE);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	free(f->buf);
	free(f);
	return 0;
}

/* --- independent readers ------------------------------------------------ */

static uint8_t *gpa(struct fixture *f, uint64_t addr, uint64_t len)
{
	/* Everything we are told about must lie inside the ACPI area. */
	assert_true(addr >= X86_ACPI_ADDR);
	assert_true(addr + len <= X86_ACPI_ADDR + X86_ACPI_MAX);
	return f->buf + addr;
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static unsigned int sum8(const uint8_t *p, size_t len)
{
	unsigned int s = 0;
	size_t i;

	for (i = 0; i < len; i++)
		s += p[i];
	return s & 0xff;
}

/* Validate an SDT's header at @addr and return a pointer to the table. */
static uint8_t *table(struct fixture *f, uint64_t addr, const char *sig)
{
	uint8_t *h = gpa(f, addr, 36);
	uint32_t len = rd32(h + 4);

	assert_memory_equal(h, sig, 4);
	assert_true(len >= 36);
	h = gpa(f, addr, len); /* length fits in the area */
	assert_int_equal(sum8(h, len), 0);
	assert_memory_equal(h + 10, "MVM   ", 6); /* OEMID */
	assert_int_equal(rd32(h + 24), 1);	  /* OEM revision */
	assert_memory_equal(h + 28, "MVM ", 4);	  /* creator id */
	assert_int_equal(rd32(h + 32), 1);	  /* creator revision */
	return h;
}

static uint64_t build(struct fixture *f, unsigned int nr_cpus)
{
	struct error e = {{0}};
	uint64_t rsdp = 0;

	assert_int_equal(acpi_build(&f->m, nr_cpus, NULL, 0, &rsdp, &e), 0);
	return rsdp;
}

/* Find the table with @sig through RSDP -> XSDT. */
static uint8_t *find_table(struct fixture *f, uint64_t rsdp_gpa, const char *sig)
{
	uint8_t *rsdp = gpa(f, rsdp_gpa, 36);
	uint8_t *xsdt = table(f, rd64(rsdp + 24), "XSDT");
	uint32_t n = (rd32(xsdt + 4) - 36) / 8;
	uint32_t i;

	for (i = 0; i < n; i++) {
		uint64_t a = rd64(xsdt + 36 + 8 * i);

		if (!memcmp(gpa(f, a, 4), sig, 4))
			return table(f, a, sig);
	}
	fail_msg("table %s not in XSDT", sig);
	return NULL;
}

/* --- tests ---------------------------------------------------------------- */

static void test_rsdp(void **state)
{
	struct fixture *f = *state;
	uint64_t a = build(f, 1);
	uint8_t *r;

	assert_int_equal(a, X86_ACPI_ADDR);
	assert_int_equal(a % 16, 0);
	r = gpa(f, a, 36);
	assert_memory_equal(r, "RSD PTR ", 8);
	assert_int_equal(sum8(r, 20), 0);
	assert_int_equal(sum8(r, 36), 0);
	assert_memory_equal(r + 9, "MVM   ", 6);
	assert_int_equal(r[15], 2);	    /* revision */
	assert_int_equal(rd32(r + 20), 36); /* length */
	assert_int_equal(rd32(r + 16), 0);  /* no RSDT */
	assert_int_equal(rd64(r + 24) % 8, 0);
	table(f, rd64(r + 24), "XSDT");
}

static void test_xsdt_walk(void **state)
{
	struct fixture *f = *state;
	uint64_t a = build(f, 4);
	uint8_t *xsdt = table(f, rd64(gpa(f, a, 36) + 24), "XSDT");
	uint32_t len = rd32(xsdt + 4);
	bool seen_fadt = false, seen_madt = false;
	uint32_t i;

	assert_int_equal(xsdt[8], 1); /* revision */
	assert_int_equal((len - 36) % 8, 0);
	assert_int_equal((len - 36) / 8, 2);
	for (i = 0; i < (len - 36) / 8; i++) {
		uint64_t t = rd64(xsdt + 36 + 8 * i);
		uint8_t *h = gpa(f, t, 36);

		if (!memcmp(h, "FACP", 4)) {
			seen_fadt = true;
			table(f, t, "FACP");
		} else if (!memcmp(h, "APIC", 4)) {
			seen_madt = true;
			table(f, t, "APIC");
		} else {
			fail_msg("unexpected table %.4s", (const char *)h);
		}
	}
	assert_true(seen_fadt && seen_madt);
}

static void check_io_byte_gas(const uint8_t *g, uint16_t port)
{
	assert_int_equal(g[0], 1); /* SystemIO */
	assert_int_equal(g[1], 8); /* bit width */
	assert_int_equal(g[2], 0); /* bit offset */
	assert_int_equal(g[3], 1); /* byte access */
	assert_int_equal(rd64(g + 4), port);
}

static void test_fadt(void **state)
{
	struct fixture *f = *state;
	uint64_t a = build(f, 2);
	uint8_t *fadt = find_table(f, a, "FACP");
	uint32_t flags = rd32(fadt + 112);
	uint16_t boot = rd16(fadt + 109);
	static const uint8_t zero12[12];
	unsigned int off;

	assert_int_equal(rd32(fadt + 4), 276);
	assert_int_equal(fadt[8], 6);	/* revision */
	assert_int_equal(fadt[131], 3); /* minor version: 6.3 */

	assert_true(flags & (1u << 20));	     /* HW_REDUCED_ACPI */
	assert_true(flags & (1u << 4));		     /* PWR_BUTTON: none fixed */
	assert_true(flags & (1u << 5));		     /* SLP_BUTTON: none fixed */
	assert_false(flags & (1u << 10));	     /* RESET_REG_SUP */
	assert_memory_equal(fadt + 116, zero12, 12); /* RESET_REG */
	assert_int_equal(fadt[128], 0);		     /* RESET_VALUE */

	assert_true(boot & (1u << 2));	/* VGA not present */
	assert_true(boot & (1u << 5));	/* CMOS RTC not present */
	assert_false(boot & (1u << 1)); /* no 8042 */

	assert_int_equal(rd16(fadt + 46), 0);  /* SCI_INT */
	assert_int_equal(rd32(fadt + 36), 0);  /* FIRMWARE_CTRL */
	assert_int_equal(rd64(fadt + 132), 0); /* X_FIRMWARE_CTRL */
	/* Fixed hardware blocks, 32-bit and 64-bit, all absent. */
	for (off = 48; off < 88; off += 4)
		assert_int_equal(rd32(fadt + off), 0);
	for (off = 148; off < 244; off += 12)
		assert_memory_equal(fadt + off, zero12, 12);

	/* DSDT: both pointers agree and name the DSDT. */
	assert_int_equal(rd32(fadt + 40), rd64(fadt + 140));
	table(f, rd64(fadt + 140), "DSDT");

	check_io_byte_gas(fadt + 244, X86_ACPI_SLEEP_CTL_PORT);
	check_io_byte_gas(fadt + 256, X86_ACPI_SLEEP_STS_PORT);
	assert_memory_equal(fadt + 268, "MVM\0\0\0\0\0", 8);
}

static void test_dsdt_s5(void **state)
{
	struct fixture *f = *state;
	uint64_t a = build(f, 1);
	uint8_t *fadt = find_table(f, a, "FACP");
	uint8_t *dsdt = table(f, rd64(fadt + 140), "DSDT");
	uint32_t len = rd32(dsdt + 4);
	const uint8_t *aml = dsdt + 36;
	static const uint8_t expect[] = {
	    0x08, '_',
	    'S',  '5',
	    '_', /* NameOp "_S5_" */
	    0x12, 0x05,
	    0x02,		       /* PackageOp, PkgLength 5, 2 elements */
	    0x0a, X86_ACPI_S5_SLP_TYP, /* BytePrefix SLP_TYPa */
	    0x00,		       /* ZeroOp */
	};
	uint8_t pkglen;

	assert_int_equal(dsdt[8], 2);
	assert_true(len - 36 > sizeof(expect));
	assert_memory_equal(aml, expect, sizeof(expect));

	/* And decode it the way an interpreter would. */
	assert_int_equal(aml[0], 0x08);
	assert_memory_equal(aml + 1, "_S5_", 4);
	assert_int_equal(aml[5], 0x12);
	pkglen = aml[6];
	assert_int_equal(pkglen >> 6, 0);		 /* one-byte PkgLength */
	assert_int_equal(6 + (pkglen & 0x3f), sizeof(expect)); /* package ends the object */
	assert_int_equal(aml[7], 2);
	assert_int_equal(aml[8], 0x0a);
	assert_int_equal(aml[9], X86_ACPI_S5_SLP_TYP);
	/* What the guest will write to the control port for S5. */
	assert_int_equal(ACPI_SLEEP_CTL_SLP_TYP((aml[9] << 2) | ACPI_SLEEP_CTL_SLP_EN),
			 X86_ACPI_S5_SLP_TYP);
}

/* PkgLength at @p (one- or multi-byte form); *n gets the bytes it used. */
static uint32_t pkglen_at(const uint8_t *p, unsigned int *n)
{
	unsigned int extra = p[0] >> 6, i;
	uint32_t v;

	if (!extra) {
		*n = 1;
		return p[0] & 0x3f;
	}
	v = p[0] & 0x0f;
	for (i = 1; i <= extra; i++)
		v |= (uint32_t)p[i] << (4 + 8 * (i - 1));
	*n = 1 + extra;
	return v;
}

/*
 * COM1 must be described in the DSDT: without a legacy PIC, Linux wires
 * ISA IRQ 4 only for a device whose _CRS claims it.
 */
static void test_dsdt_com1(void **state)
{
	struct fixture *f = *state;
	uint64_t a = build(f, 1);
	uint8_t *fadt = find_table(f, a, "FACP");
	uint8_t *dsdt = table(f, rd64(fadt + 140), "DSDT");
	uint32_t len = rd32(dsdt + 4), scope_len, dev_len;
	const uint8_t *aml = dsdt + 36, *end = dsdt + len, *p, *dev, *crs = NULL;
	unsigned int n;
	static const uint8_t hid[] = {0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x05, 0x01};
	static const uint8_t res[] = {0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x01, 0x08,
				      0x22, 0x10, 0x00, 0x79, 0x00};

	p = aml + 11; /* after Name (_S5, ...) */
	assert_int_equal(p[0], 0x10); /* ScopeOp */
	scope_len = pkglen_at(p + 1, &n);
	assert_ptr_equal(p + 1 + scope_len, end); /* the scope ends the table */
	assert_memory_equal(p + 1 + n, "\\_SB_", 5);
	dev = p + 1 + n + 5;
	assert_int_equal(dev[0], 0x5b);
	assert_int_equal(dev[1], 0x82); /* DeviceOp */
	dev_len = pkglen_at(dev + 2, &n);
	assert_ptr_equal(dev + 2 + dev_len, end);
	assert_memory_equal(dev + 2 + n, "COM1", 4);
	assert_memory_equal(dev + 2 + n + 4, hid, sizeof(hid));
	for (p = dev; p + 5 < end; p++)
		if (p[0] == 0x08 && !memcmp(p + 1, "_CRS", 4))
			crs = p + 5;
	assert_non_null(crs);
	assert_int_equal(crs[0], 0x11); /* BufferOp */
	assert_int_equal(pkglen_at(crs + 1, &n), 0x10);
	assert_int_equal(crs[1 + n], 0x0a);
	assert_int_equal(crs[2 + n], sizeof(res));
	assert_memory_equal(crs + 3 + n, res, sizeof(res));
	assert_ptr_equal(crs + 3 + n + sizeof(res), end);
}

/*
 * Virtio-mmio devices: after COM1, one Device per virtio device, each an
 * "LNRO0005" with its window and edge-triggered interrupt; the scope's and
 * each device's lengths add up to the table's end; the checksum holds.
 */
static void test_dsdt_virtio(void **state)
{
	static const struct acpi_mmio_device devs[] = {
	    {0xd0000000, 0x1000, 5, true},
	    {0xd0001000, 0x1000, 6, false},
	    {0xd0009000, 0x1000, 15, true},
	};
	struct fixture *f = *state;
	struct error e = {{0}};
	uint64_t rsdp = 0;
	uint8_t *fadt, *dsdt, sum = 0;
	const uint8_t *p, *end, *sb_end;
	uint32_t len, i, found = 0, dlen;
	unsigned int n;

	assert_int_equal(acpi_build(&f->m, 2, devs, 3, &rsdp, &e), 0);
	fadt = find_table(f, rsdp, "FACP");
	dsdt = table(f, rd64(fadt + 140), "DSDT");
	len = rd32(dsdt + 4);
	for (i = 0; i < len; i++)
		sum = (uint8_t)(sum + dsdt[i]);
	assert_int_equal(sum, 0);
	end = dsdt + len;
	p = dsdt + 36 + 11;
	assert_int_equal(p[0], 0x10);
	sb_end = p + 1 + pkglen_at(p + 1, &n);
	assert_ptr_equal(sb_end, end);
	p += 1 + n + 5; /* first device: COM1 */
	while (p < end) {
		char name[5];
		uint32_t base, gsi;
		const uint8_t *q, *dev_end;

		assert_int_equal(p[0], 0x5b);
		assert_int_equal(p[1], 0x82);
		dlen = pkglen_at(p + 2, &n);
		dev_end = p + 2 + dlen;
		assert_true(dev_end <= end);
		memcpy(name, p + 2 + n, 4);
		name[4] = 0;
		if (!strncmp(name, "VR", 2)) {
			snprintf(name, sizeof(name), "VR%02u", found);
			assert_memory_equal(p + 2 + n, name, 4);
			q = p + 2 + n + 4;
			assert_memory_equal(q, "\x08_HID\x0dLNRO0005", 15);
			/* Memory32Fixed and Interrupt descriptors somewhere in _CRS. */
			for (; q + 22 < dev_end; q++)
				if (q[0] == 0x86 && q[1] == 9 && q[2] == 0 && q[12] == 0x89)
					break;
			assert_true(q + 22 < dev_end);
			base = rd32((uint8_t *)q + 4);
			gsi = rd32((uint8_t *)q + 17);
			assert_int_equal(base, devs[found].base);
			assert_int_equal(rd32((uint8_t *)q + 8), 0x1000);
			/* consumer, active high; level (0x01) or edge (0x03) */
			assert_int_equal(q[15], devs[found].level ? 0x01 : 0x03);
			assert_int_equal(gsi, devs[found].gsi);
			found++;
		}
		p = dev_end;
	}
	assert_int_equal(found, 3);
}

/* Devices the tables cannot describe are refused with a reason. */
static void test_virtio_bad(void **state)
{
	struct acpi_mmio_device devs[ACPI_MAX_MMIO_DEVICES + 1];
	struct fixture *f = *state;
	struct error e = {{0}};
	uint64_t rsdp = 0;
	unsigned int i;

	for (i = 0; i <= ACPI_MAX_MMIO_DEVICES; i++)
		devs[i] = (struct acpi_mmio_device){0xd0000000 + 0x1000 * i, 0x1000, 5};
	assert_int_equal(acpi_build(&f->m, 1, devs, ACPI_MAX_MMIO_DEVICES + 1, &rsdp, &e), -EINVAL);
	assert_int_equal(acpi_build(&f->m, 1, devs, ACPI_MAX_MMIO_DEVICES, &rsdp, &e), 0);
	devs[0].base = 0xfffff800;
	assert_int_equal(acpi_build(&f->m, 1, devs, 1, &rsdp, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "below 4 GiB"));
	assert_int_equal(acpi_build(&f->m, 1, NULL, 2, &rsdp, &e), -EINVAL);
}

static void check_madt(struct fixture *f, unsigned int n)
{
	uint64_t a = build(f, n);
	uint8_t *madt = find_table(f, a, "APIC");
	uint32_t len = rd32(madt + 4);
	uint32_t off = 44;
	unsigned int lapics = 0, ioapics = 0, isos = 0, nmis = 0;

	assert_int_equal(rd32(madt + 36), X86_LAPIC_ADDR);
	assert_int_equal(rd32(madt + 40), 0); /* no PCAT_COMPAT */
	while (off < len) {
		const uint8_t *s = madt + off;

		assert_true(off + 2 <= len);
		assert_true(s[1] >= 2 && off + s[1] <= len);
		switch (s[0]) {
		case 0:
			assert_int_equal(s[1], 8);
			assert_int_equal(s[2], lapics);	  /* UID */
			assert_int_equal(s[3], lapics);	  /* APIC ID */
			assert_int_equal(rd32(s + 4), 1); /* Enabled */
			lapics++;
			break;
		case 1:
			assert_int_equal(s[1], 12);
			assert_int_equal(s[2], 0);
			assert_int_equal(rd32(s + 4), X86_IOAPIC_ADDR);
			assert_int_equal(rd32(s + 8), 0);
			ioapics++;
			break;
		case 2:
			assert_int_equal(s[1], 10);
			assert_int_equal(s[2], 0); /* ISA */
			assert_int_equal(s[3], 0); /* IRQ 0 */
			assert_int_equal(rd32(s + 4), 2);
			assert_int_equal(rd16(s + 8), 0);
			isos++;
			break;
		case 4:
			assert_int_equal(s[1], 6);
			assert_int_equal(s[2], 0xff);
			assert_int_equal(rd16(s + 3), 0);
			assert_int_equal(s[5], 1); /* LINT1 */
			nmis++;
			break;
		default:
			fail_msg("unexpected MADT entry type %u", s[0]);
		}
		off += s[1];
	}
	assert_int_equal(off, len);
	assert_int_equal(lapics, n);
	assert_int_equal(ioapics, 1);
	assert_int_equal(isos, 1);
	assert_int_equal(nmis, 1);
}

static void test_madt_1(void **state)
{
	check_madt(*state, 1);
}

static void test_madt_2(void **state)
{
	check_madt(*state, 2);
}

static void test_madt_8(void **state)
{
	check_madt(*state, 8);
}

static void test_madt_254(void **state)
{
	check_madt(*state, 254);
}

/* Building for fewer CPUs after more leaves no stale LAPIC entries. */
static void test_rebuild_smaller(void **state)
{
	struct fixture *f = *state;

	check_madt(f, ACPI_MAX_CPUS);
	check_madt(f, 3);
}

static void test_bad_cpu_count(void **state)
{
	struct fixture *f = *state;
	static const unsigned int bad[] = {0, ACPI_MAX_CPUS + 1, 255, 1000};
	struct error e;
	uint64_t rsdp;
	size_t i, j;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&e, 0, sizeof(e));
		rsdp = 0x1234;
		assert_int_equal(acpi_build(&f->m, bad[i], NULL, 0, &rsdp, &e), -EINVAL);
		assert_true(e.msg[0] != '\0');
		assert_int_equal(rsdp, 0x1234);
		for (j = 0; j < X86_ACPI_MAX; j++)
			assert_int_equal(f->buf[X86_ACPI_ADDR + j], 0);
	}
}

static void check_too_small(uint64_t size)
{
	uint8_t *buf = malloc(size);
	struct guest_mem m;
	struct error e = {{0}};
	uint64_t rsdp = 0x1234, i;

	assert_non_null(buf);
	memset(buf, 0xa5, size);
	gmem_wrap(&m, buf, size);
	assert_int_equal(acpi_build(&m, 1, NULL, 0, &rsdp, &e), -EFAULT);
	assert_non_null(strstr(e.msg, "ACPI"));
	assert_int_equal(rsdp, 0x1234);
	for (i = 0; i < size; i++)
		if (buf[i] != 0xa5)
			fail_msg("byte %#llx written", (unsigned long long)i);
	free(buf);
}

static void test_memory_too_small(void **state)
{
	(void)state;
	check_too_small(512u << 10);
	check_too_small(X86_ACPI_ADDR);			   /* ends where the area starts */
	check_too_small(X86_ACPI_ADDR + 0x1000);	   /* area partly present */
	check_too_small(X86_ACPI_ADDR + X86_ACPI_MAX - 1); /* one byte short */
}

/* The smallest memory that holds the area works. */
static void test_memory_just_enough(void **state)
{
	uint64_t size = X86_ACPI_ADDR + X86_ACPI_MAX;
	uint8_t *buf = calloc(1, size);
	struct guest_mem m;
	struct error e = {{0}};
	uint64_t rsdp = 0;

	(void)state;
	assert_non_null(buf);
	gmem_wrap(&m, buf, size);
	assert_int_equal(acpi_build(&m, ACPI_MAX_CPUS, NULL, 0, &rsdp, &e), 0);
	assert_int_equal(rsdp, X86_ACPI_ADDR);
	free(buf);
}

/* Nothing is written outside the ACPI area. */
static void test_stays_in_area(void **state)
{
	struct fixture *f = *state;
	size_t i;

	memset(f->buf, 0x5a, MEM_SIZE);
	build(f, ACPI_MAX_CPUS);
	for (i = 0; i < MEM_SIZE; i++)
		if ((i < X86_ACPI_ADDR || i >= X86_ACPI_ADDR + X86_ACPI_MAX) && f->buf[i] != 0x5a)
			fail_msg("byte %#zx outside the ACPI area written", i);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_rsdp, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_xsdt_walk, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fadt, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dsdt_s5, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dsdt_com1, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dsdt_virtio, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_virtio_bad, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_madt_1, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_madt_2, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_madt_8, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_madt_254, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rebuild_smaller, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_cpu_count, setup, teardown),
	    cmocka_unit_test(test_memory_too_small),
	    cmocka_unit_test(test_memory_just_enough),
	    cmocka_unit_test_setup_teardown(test_stays_in_area, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
