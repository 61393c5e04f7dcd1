/*
 * acpi.c - the guest's ACPI tables; see acpi.h.
 *
 * Written from the ACPI 6.3 specification:
 *   5.2.5.3  RSDP structure           5.2.6  system description header
 *   5.2.8    XSDT                     5.2.9  FADT (table 5-33, 276 bytes)
 *   5.2.12   MADT (5.2.12.2 Local APIC, 5.2.12.3 I/O APIC,
 *            5.2.12.5 Interrupt Source Override, 5.2.12.7 Local APIC NMI)
 *   5.2.3.2  Generic Address Structure
 *   20.2     AML grammar (NameOp, PackageOp, PkgLength, BytePrefix)
 *
 * The tables are declared as packed structures whose every field offset is
 * checked against the specification with static_assert, then filled in
 * place inside the ACPI area of guest memory.  ACPI is little-endian, as is
 * every host this VMM runs on (x86-64 only; asserted below).
 *
 * Layout of the area, in build order (a table is written after the ones
 * it points to, so each checksum is computed once over final bytes), each
 * table 16-byte aligned:
 *   RSDP, DSDT, FADT, MADT, XSDT
 * The RSDP comes first, at X86_ACPI_ADDR: the guest is told its address,
 * and a legacy scan of 0xe0000..0xfffff on 16-byte boundaries finds it too.
 */
#include "acpi.h"

#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "aml.h"
#include "layout.h"

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "ACPI tables are little-endian");

#define ACPI_PACKED __attribute__((packed))

/* Identification common to every table we write. */
#define ACPI_OEM_ID "MVM   "	     /* 6 bytes, space-padded */
#define ACPI_OEM_TABLE_ID "MVMTBL  " /* 8 bytes */
#define ACPI_OEM_REVISION 1
#define ACPI_CREATOR_ID "MVM " /* 4 bytes */
#define ACPI_CREATOR_REVISION 1

/* 5.2.5.3: Root System Description Pointer, revision 2 (ACPI 2.0+). */
struct acpi_rsdp {
	char signature[8]; /* "RSD PTR " */
	uint8_t checksum;  /* over the first 20 bytes (the ACPI 1.0 part) */
	char oem_id[6];
	uint8_t revision; /* 2 */
	uint32_t rsdt_address;
	uint32_t length; /* 36 */
	uint64_t xsdt_address;
	uint8_t extended_checksum; /* over all 36 bytes */
	uint8_t reserved[3];
} ACPI_PACKED;
static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP size");
static_assert(offsetof(struct acpi_rsdp, revision) == 15, "RSDP revision");
static_assert(offsetof(struct acpi_rsdp, length) == 20, "RSDP length");
static_assert(offsetof(struct acpi_rsdp, xsdt_address) == 24, "RSDP XSDT address");
static_assert(offsetof(struct acpi_rsdp, extended_checksum) == 32, "RSDP ext checksum");

#define ACPI_RSDP_V1_LEN 20

/* 5.2.6: the header every System Description Table starts with. */
struct acpi_sdt_header {
	char signature[4];
	uint32_t length; /* of the whole table, header included */
	uint8_t revision;
	uint8_t checksum; /* all bytes of the table sum to 0 */
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	char creator_id[4];
	uint32_t creator_revision;
} ACPI_PACKED;
static_assert(sizeof(struct acpi_sdt_header) == 36, "SDT header size");
static_assert(offsetof(struct acpi_sdt_header, checksum) == 9, "SDT checksum");
static_assert(offsetof(struct acpi_sdt_header, oem_table_id) == 16, "SDT OEM table id");
static_assert(offsetof(struct acpi_sdt_header, creator_id) == 28, "SDT creator id");

/* 5.2.3.2: Generic Address Structure. */
struct acpi_gas {
	uint8_t space_id; /* 0 system memory, 1 system I/O */
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size; /* 1 byte, 2 word, 3 dword, 4 qword */
	uint64_t address;
} ACPI_PACKED;
static_assert(sizeof(struct acpi_gas) == 12, "GAS size");

#define ACPI_GAS_SYSTEM_IO 1
#define ACPI_GAS_ACCESS_BYTE 1

/* 5.2.8: Extended System Description Table with our two entries. */
#define ACPI_XSDT_ENTRIES 2
struct acpi_xsdt {
	struct acpi_sdt_header h;
	uint64_t entry[ACPI_XSDT_ENTRIES]; /* FADT, MADT */
} ACPI_PACKED;
static_assert(offsetof(struct acpi_xsdt, entry) == 36, "XSDT entries");

/* 5.2.9: Fixed ACPI Description Table, revision 6. */
struct acpi_fadt {
	struct acpi_sdt_header h;
	uint32_t firmware_ctrl;
	uint32_t dsdt;
	uint8_t reserved0;
	uint8_t preferred_pm_profile;
	uint16_t sci_int;
	uint32_t smi_cmd;
	uint8_t acpi_enable;
	uint8_t acpi_disable;
	uint8_t s4bios_req;
	uint8_t pstate_cnt;
	uint32_t pm1a_evt_blk;
	uint32_t pm1b_evt_blk;
	uint32_t pm1a_cnt_blk;
	uint32_t pm1b_cnt_blk;
	uint32_t pm2_cnt_blk;
	uint32_t pm_tmr_blk;
	uint32_t gpe0_blk;
	uint32_t gpe1_blk;
	uint8_t pm1_evt_len;
	uint8_t pm1_cnt_len;
	uint8_t pm2_cnt_len;
	uint8_t pm_tmr_len;
	uint8_t gpe0_blk_len;
	uint8_t gpe1_blk_len;
	uint8_t gpe1_base;
	uint8_t cst_cnt;
	uint16_t p_lvl2_lat;
	uint16_t p_lvl3_lat;
	uint16_t flush_size;
	uint16_t flush_stride;
	uint8_t duty_offset;
	uint8_t duty_width;
	uint8_t day_alrm;
	uint8_t mon_alrm;
	uint8_t century;
	uint16_t iapc_boot_arch;
	uint8_t reserved1;
	uint32_t flags;
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint16_t arm_boot_arch;
	uint8_t minor_version;
	uint64_t x_firmware_ctrl;
	uint64_t x_dsdt;
	struct acpi_gas x_pm1a_evt_blk;
	struct acpi_gas x_pm1b_evt_blk;
	struct acpi_gas x_pm1a_cnt_blk;
	struct acpi_gas x_pm1b_cnt_blk;
	struct acpi_gas x_pm2_cnt_blk;
	struct acpi_gas x_pm_tmr_blk;
	struct acpi_gas x_gpe0_blk;
	struct acpi_gas x_gpe1_blk;
	struct acpi_gas sleep_control_reg;
	struct acpi_gas sleep_status_reg;
	uint64_t hypervisor_vendor_id;
} ACPI_PACKED;
static_assert(sizeof(struct acpi_fadt) == 276, "FADT rev 6 length");
static_assert(offsetof(struct acpi_fadt, firmware_ctrl) == 36, "FADT FIRMWARE_CTRL");
static_assert(offsetof(struct acpi_fadt, dsdt) == 40, "FADT DSDT");
static_assert(offsetof(struct acpi_fadt, preferred_pm_profile) == 45, "FADT PM profile");
static_assert(offsetof(struct acpi_fadt, sci_int) == 46, "FADT SCI_INT");
static_assert(offsetof(struct acpi_fadt, smi_cmd) == 48, "FADT SMI_CMD");
static_assert(offsetof(struct acpi_fadt, pm1a_evt_blk) == 56, "FADT PM1a_EVT_BLK");
static_assert(offsetof(struct acpi_fadt, pm1_evt_len) == 88, "FADT PM1_EVT_LEN");
static_assert(offsetof(struct acpi_fadt, p_lvl2_lat) == 96, "FADT P_LVL2_LAT");
static_assert(offsetof(struct acpi_fadt, century) == 108, "FADT CENTURY");
static_assert(offsetof(struct acpi_fadt, iapc_boot_arch) == 109, "FADT IAPC_BOOT_ARCH");
static_assert(offsetof(struct acpi_fadt, flags) == 112, "FADT Flags");
static_assert(offsetof(struct acpi_fadt, reset_reg) == 116, "FADT RESET_REG");
static_assert(offsetof(struct acpi_fadt, reset_value) == 128, "FADT RESET_VALUE");
static_assert(offsetof(struct acpi_fadt, arm_boot_arch) == 129, "FADT ARM_BOOT_ARCH");
static_assert(offsetof(struct acpi_fadt, minor_version) == 131, "FADT minor version");
static_assert(offsetof(struct acpi_fadt, x_firmware_ctrl) == 132, "FADT X_FIRMWARE_CTRL");
static_assert(offsetof(struct acpi_fadt, x_dsdt) == 140, "FADT X_DSDT");
static_assert(offsetof(struct acpi_fadt, x_pm1a_evt_blk) == 148, "FADT X_PM1a_EVT_BLK");
static_assert(offsetof(struct acpi_fadt, x_gpe1_blk) == 232, "FADT X_GPE1_BLK");
static_assert(offsetof(struct acpi_fadt, sleep_control_reg) == 244, "FADT SLEEP_CONTROL_REG");
static_assert(offsetof(struct acpi_fadt, sleep_status_reg) == 256, "FADT SLEEP_STATUS_REG");
static_assert(offsetof(struct acpi_fadt, hypervisor_vendor_id) == 268, "FADT hypervisor id");

#define ACPI_FADT_REVISION 6
#define ACPI_FADT_MINOR_VERSION 3 /* ACPI 6.3 */

/* FADT Flags (table 5-34). */
#define ACPI_FADT_F_PWR_BUTTON (1u << 4)       /* no fixed-feature power button */
#define ACPI_FADT_F_SLP_BUTTON (1u << 5)       /* no fixed-feature sleep button */
#define ACPI_FADT_F_RESET_REG_SUP (1u << 10)   /* not set: no reset register */
#define ACPI_FADT_F_HW_REDUCED_ACPI (1u << 20) /* no fixed hardware, no SCI */

/* IA-PC boot architecture flags (table 5-35). */
#define ACPI_IAPC_8042 (1u << 1) /* not set: do not probe ports 0x60/0x64 */
#define ACPI_IAPC_VGA_NOT_PRESENT (1u << 2)
#define ACPI_IAPC_CMOS_RTC_NOT_PRESENT (1u << 5)

/* 5.2.12: Multiple APIC Description Table, fixed part. */
struct acpi_madt {
	struct acpi_sdt_header h;
	uint32_t lapic_address;
	uint32_t flags; /* bit 0 PCAT_COMPAT: dual 8259 present */
} ACPI_PACKED;
static_assert(sizeof(struct acpi_madt) == 44, "MADT fixed part");

#define ACPI_MADT_REVISION 5 /* ACPI 6.3 */

/* 5.2.12.2, type 0. */
struct acpi_madt_lapic {
	uint8_t type;
	uint8_t length; /* 8 */
	uint8_t processor_uid;
	uint8_t apic_id;
	uint32_t flags; /* bit 0 Enabled, bit 1 Online Capable */
} ACPI_PACKED;
static_assert(sizeof(struct acpi_madt_lapic) == 8, "MADT Local APIC");

/* 5.2.12.3, type 1. */
struct acpi_madt_ioapic {
	uint8_t type;
	uint8_t length; /* 12 */
	uint8_t ioapic_id;
	uint8_t reserved;
	uint32_t address;
	uint32_t gsi_base;
} ACPI_PACKED;
static_assert(sizeof(struct acpi_madt_ioapic) == 12, "MADT I/O APIC");

/* 5.2.12.5, type 2. */
struct acpi_madt_iso {
	uint8_t type;
	uint8_t length; /* 10 */
	uint8_t bus;	/* 0 = ISA */
	uint8_t source; /* bus-relative IRQ */
	uint32_t gsi;
	uint16_t flags; /* MPS INTI flags; 0 = conforms to the bus */
} ACPI_PACKED;
static_assert(sizeof(struct acpi_madt_iso) == 10, "MADT interrupt source override");

/* 5.2.12.7, type 4. */
struct acpi_madt_lapic_nmi {
	uint8_t type;
	uint8_t length;	       /* 6 */
	uint8_t processor_uid; /* 0xff = all processors */
	uint16_t flags;	       /* MPS INTI flags */
	uint8_t lint;	       /* LINTn input the NMI is wired to */
} ACPI_PACKED;
static_assert(sizeof(struct acpi_madt_lapic_nmi) == 6, "MADT Local APIC NMI");

#define ACPI_MADT_TYPE_LAPIC 0
#define ACPI_MADT_TYPE_IOAPIC 1
#define ACPI_MADT_TYPE_ISO 2
#define ACPI_MADT_TYPE_LAPIC_NMI 4
#define ACPI_MADT_LAPIC_ENABLED 1u
#define ACPI_MADT_ALL_PROCESSORS 0xff

/*
 * The DSDT (built with aml.c):
 *
 *   Name (_S5, Package (2) { SLP_TYP, Zero })
 *   Scope (\_SB) {
 *     Device (COM1) { _HID EisaId ("PNP0501"), _UID 0,
 *                     _CRS { IO (Decode16, 0x3F8, 0x3F8, 1, 8), IRQNoFlags () {4} } }
 *     Device (VR00) { _HID "LNRO0005", _UID 0,
 *                     _CRS { Memory32Fixed (ReadWrite, base, 0x1000),
 *                            Interrupt (ResourceConsumer, Level, ActiveHigh, Exclusive) {gsi} } }
 *     ... one VRnn per virtio-mmio device
 *   }
 *
 * \_S5: a guest "poweroff" writes (SLP_TYP << 2) | SLP_EN to the sleep
 * control register.  COM1: a hardware-reduced platform has no legacy PIC,
 * so Linux sets up no ISA interrupt by itself; the UART's IRQ 4 is only
 * wired (IOAPIC pin 4, edge, active high) once a device claims it through
 * _CRS, as on a PC whose firmware lists COM1.  VRnn: "LNRO0005" is the
 * ACPI id Linux's virtio_mmio driver matches, which works on kernels built
 * without CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES (Debian's, for one).
 */
static_assert(X86_ACPI_S5_SLP_TYP <= 7, "SLP_TYP is a 3-bit field");

/*
 * Room for the DSDT's AML.  Measured: 63 bytes without virtio devices, and
 * 60 or 61 more per device (1038 bytes with 16); 64 per device leaves a
 * margin for the scope's longer PkgLength.
 */
#define ACPI_DSDT_AML_MAX 2048
static_assert(64 + ACPI_MAX_MMIO_DEVICES * 64 <= ACPI_DSDT_AML_MAX, "DSDT AML buffer too small");

static void dsdt_virtio_device(struct aml *sb, unsigned int index,
			       const struct acpi_mmio_device *d)
{
	uint8_t crs_buf[32], dev_buf[128];
	struct aml crs, dev;
	char name[5];

	aml_init(&crs, crs_buf, sizeof(crs_buf));
	aml_res_mem32_fixed(&crs, (uint32_t)d->base, d->size);
	aml_res_ext_irq(&crs, d->gsi, d->level);
	aml_res_end(&crs);
	aml_init(&dev, dev_buf, sizeof(dev_buf));
	aml_name_string(&dev, "_HID", "LNRO0005");
	aml_name_integer(&dev, "_UID", index);
	aml_name_buffer(&dev, "_CRS", crs.buf, crs.len);
	snprintf(name, sizeof(name), "VR%02u", index % 100);
	aml_device(sb, name, &dev);
}

/* The DSDT's AML into @a.  Returns false if it did not fit. */
static bool dsdt_aml(struct aml *a, const struct acpi_mmio_device *virtio, unsigned int nr_virtio)
{
	uint8_t s5_buf[16], sb_buf[ACPI_DSDT_AML_MAX], crs_buf[32], com_buf[64], el_buf[8];
	struct aml s5, el, sb, crs, com;
	unsigned int i;

	aml_init(&el, el_buf, sizeof(el_buf));
	aml_integer(&el, X86_ACPI_S5_SLP_TYP); /* SLP_TYPa */
	aml_integer(&el, 0);                   /* SLP_TYPb, unused in hardware-reduced ACPI */
	aml_init(&s5, s5_buf, sizeof(s5_buf));
	aml_package(&s5, 2, &el);
	aml_name_object(a, "_S5_", &s5);

	aml_init(&crs, crs_buf, sizeof(crs_buf));
	aml_res_io(&crs, X86_COM1_PORT, 8);
	aml_res_irq_noflags(&crs, X86_COM1_IRQ);
	aml_res_end(&crs);
	aml_init(&com, com_buf, sizeof(com_buf));
	aml_name_eisaid(&com, "_HID", "PNP0501");
	aml_name_integer(&com, "_UID", 0);
	aml_name_buffer(&com, "_CRS", crs.buf, crs.len);

	aml_init(&sb, sb_buf, sizeof(sb_buf));
	aml_device(&sb, "COM1", &com);
	for (i = 0; i < nr_virtio; i++)
		dsdt_virtio_device(&sb, i, &virtio[i]);
	aml_scope(a, "\\_SB_", &sb);
	return !a->overflow;
}

/* DSDT revision 2: integers are 64 bits wide (not that we use any). */
#define ACPI_DSDT_REVISION 2
#define ACPI_XSDT_REVISION 1

#define ACPI_ALIGN 16

static size_t align_up(size_t v, size_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/* Worst case: all tables at 16-byte alignment with ACPI_MAX_CPUS LAPICs. */
#define ACPI_AREA_NEEDED                                                                           \
	(ACPI_ALIGN * 5 + sizeof(struct acpi_rsdp) + sizeof(struct acpi_xsdt) +                    \
	 sizeof(struct acpi_fadt) + sizeof(struct acpi_sdt_header) + ACPI_DSDT_AML_MAX +           \
	 sizeof(struct acpi_madt) + ACPI_MAX_CPUS * sizeof(struct acpi_madt_lapic) +               \
	 sizeof(struct acpi_madt_ioapic) + sizeof(struct acpi_madt_iso) +                          \
	 sizeof(struct acpi_madt_lapic_nmi))
static_assert(ACPI_AREA_NEEDED <= X86_ACPI_MAX, "ACPI tables do not fit their area");
static_assert(X86_ACPI_ADDR % ACPI_ALIGN == 0, "RSDP must be 16-byte aligned");
static_assert(X86_ACPI_ADDR + X86_ACPI_MAX <= 0x100000000ULL,
	      "the 32-bit DSDT pointer must reach the ACPI area");

/* Bump allocator over the (already bounds-checked, zeroed) ACPI area. */
struct acpi_area {
	uint8_t *base; /* host address of X86_ACPI_ADDR */
	size_t used;
};

static void *area_alloc(struct acpi_area *a, size_t len, uint64_t *gpa)
{
	void *p;

	a->used = align_up(a->used, ACPI_ALIGN);
	/* Cannot trigger: ACPI_AREA_NEEDED bounds the total (static_assert). */
	assert(a->used + len <= X86_ACPI_MAX);
	p = a->base + a->used;
	*gpa = X86_ACPI_ADDR + a->used;
	a->used += len;
	return p;
}

/* The byte that makes @len bytes at @p sum to zero, given a zero in place. */
static uint8_t acpi_checksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;
	size_t i;

	for (i = 0; i < len; i++)
		sum = (uint8_t)(sum + b[i]);
	return (uint8_t)(0u - sum);
}

static void sdt_header(struct acpi_sdt_header *h, const char sig[4], uint32_t len, uint8_t rev)
{
	memcpy(h->signature, sig, 4);
	h->length = len;
	h->revision = rev;
	memcpy(h->oem_id, ACPI_OEM_ID, sizeof(h->oem_id));
	memcpy(h->oem_table_id, ACPI_OEM_TABLE_ID, sizeof(h->oem_table_id));
	h->oem_revision = ACPI_OEM_REVISION;
	memcpy(h->creator_id, ACPI_CREATOR_ID, sizeof(h->creator_id));
	h->creator_revision = ACPI_CREATOR_REVISION;
}

/* Last step for each table, once every other byte is final. */
static void sdt_finish(struct acpi_sdt_header *h)
{
	h->checksum = 0;
	h->checksum = acpi_checksum(h, h->length);
}

static struct acpi_gas io_byte_reg(uint16_t port)
{
	return (struct acpi_gas){
	    .space_id = ACPI_GAS_SYSTEM_IO,
	    .bit_width = 8,
	    .bit_offset = 0,
	    .access_size = ACPI_GAS_ACCESS_BYTE,
	    .address = port,
	};
}

static uint64_t build_dsdt(struct acpi_area *a, const struct acpi_mmio_device *virtio,
			   unsigned int nr_virtio)
{
	uint8_t aml_buf[ACPI_DSDT_AML_MAX];
	struct aml aml;
	struct acpi_sdt_header *h;
	uint64_t gpa;
	uint32_t len;
	bool ok;

	aml_init(&aml, aml_buf, sizeof(aml_buf));
	ok = dsdt_aml(&aml, virtio, nr_virtio);
	/* Cannot trigger: the static_assert on ACPI_DSDT_AML_MAX bounds it. */
	assert(ok);
	(void)ok;
	len = (uint32_t)(sizeof(struct acpi_sdt_header) + aml.len);
	h = area_alloc(a, len, &gpa);
	sdt_header(h, "DSDT", len, ACPI_DSDT_REVISION);
	memcpy(h + 1, aml.buf, aml.len);
	sdt_finish(h);
	return gpa;
}

static uint64_t build_fadt(struct acpi_area *a, uint64_t dsdt)
{
	uint64_t gpa;
	struct acpi_fadt *f = area_alloc(a, sizeof(*f), &gpa);

	sdt_header(&f->h, "FACP", sizeof(*f), ACPI_FADT_REVISION);
	f->minor_version = ACPI_FADT_MINOR_VERSION;
	/*
	 * Hardware-reduced: every fixed-hardware block (PM1, PM2, PM timer,
	 * GPE, SMI command) stays zero, and so do SCI_INT (the OS installs no
	 * SCI handler on such platforms) and FIRMWARE_CTRL/X_FIRMWARE_CTRL
	 * (no FACS, which the spec allows when HW_REDUCED_ACPI is set).
	 * RESET_REG_SUP is clear: the guest resets through the i8042.
	 */
	f->flags = ACPI_FADT_F_HW_REDUCED_ACPI | ACPI_FADT_F_PWR_BUTTON | ACPI_FADT_F_SLP_BUTTON;
	/* No VGA, no CMOS RTC, and the 8042 bit clear so nothing probes it. */
	f->iapc_boot_arch = ACPI_IAPC_VGA_NOT_PRESENT | ACPI_IAPC_CMOS_RTC_NOT_PRESENT;
	/*
	 * Both DSDT pointers, equal: X_DSDT takes precedence for ACPI 2.0+
	 * readers, and parsers complain only when the two disagree.
	 */
	f->dsdt = (uint32_t)dsdt;
	f->x_dsdt = dsdt;
	f->sleep_control_reg = io_byte_reg(X86_ACPI_SLEEP_CTL_PORT);
	f->sleep_status_reg = io_byte_reg(X86_ACPI_SLEEP_STS_PORT);
	/* "MVM" as the low bytes of the little-endian identity. */
	f->hypervisor_vendor_id = 'M' | ('V' << 8) | ('M' << 16);
	sdt_finish(&f->h);
	return gpa;
}

static uint64_t build_madt(struct acpi_area *a, unsigned int nr_cpus)
{
	uint32_t len = sizeof(struct acpi_madt) + nr_cpus * sizeof(struct acpi_madt_lapic) +
		       sizeof(struct acpi_madt_ioapic) + sizeof(struct acpi_madt_iso) +
		       sizeof(struct acpi_madt_lapic_nmi);
	uint64_t gpa;
	struct acpi_madt *madt = area_alloc(a, len, &gpa);
	uint8_t *p = (uint8_t *)(madt + 1);
	struct acpi_madt_lapic *lapic;
	struct acpi_madt_ioapic *ioapic;
	struct acpi_madt_iso *iso;
	struct acpi_madt_lapic_nmi *nmi;
	unsigned int i;

	sdt_header(&madt->h, "APIC", len, ACPI_MADT_REVISION);
	madt->lapic_address = (uint32_t)X86_LAPIC_ADDR;
	madt->flags = 0; /* no PCAT_COMPAT: no dual 8259 to mask or route */

	/* Processor UID and APIC ID both equal the vCPU index. */
	for (i = 0; i < nr_cpus; i++) {
		lapic = (struct acpi_madt_lapic *)p;
		lapic->type = ACPI_MADT_TYPE_LAPIC;
		lapic->length = sizeof(*lapic);
		lapic->processor_uid = (uint8_t)i;
		lapic->apic_id = (uint8_t)i;
		lapic->flags = ACPI_MADT_LAPIC_ENABLED;
		p += sizeof(*lapic);
	}

	ioapic = (struct acpi_madt_ioapic *)p;
	ioapic->type = ACPI_MADT_TYPE_IOAPIC;
	ioapic->length = sizeof(*ioapic);
	ioapic->ioapic_id = 0;
	ioapic->address = (uint32_t)X86_IOAPIC_ADDR;
	ioapic->gsi_base = 0;
	p += sizeof(*ioapic);

	/* The PIT's ISA IRQ 0 arrives on IOAPIC pin 2, as on PC hardware. */
	iso = (struct acpi_madt_iso *)p;
	iso->type = ACPI_MADT_TYPE_ISO;
	iso->length = sizeof(*iso);
	iso->bus = 0;
	iso->source = 0;
	iso->gsi = 2;
	iso->flags = 0;
	p += sizeof(*iso);

	/* NMI on LINT1 of every local APIC, the PC convention. */
	nmi = (struct acpi_madt_lapic_nmi *)p;
	nmi->type = ACPI_MADT_TYPE_LAPIC_NMI;
	nmi->length = sizeof(*nmi);
	nmi->processor_uid = ACPI_MADT_ALL_PROCESSORS;
	nmi->flags = 0;
	nmi->lint = 1;

	sdt_finish(&madt->h);
	return gpa;
}

static uint64_t build_xsdt(struct acpi_area *a, uint64_t fadt, uint64_t madt)
{
	uint64_t gpa;
	struct acpi_xsdt *x = area_alloc(a, sizeof(*x), &gpa);

	sdt_header(&x->h, "XSDT", sizeof(*x), ACPI_XSDT_REVISION);
	x->entry[0] = fadt;
	x->entry[1] = madt;
	sdt_finish(&x->h);
	return gpa;
}

int acpi_build(struct guest_mem *m, unsigned int nr_cpus, const struct acpi_mmio_device *virtio,
	       unsigned int nr_virtio, uint64_t *rsdp_gpa, struct error *e)
{
	struct acpi_area a = {0};
	struct acpi_rsdp *rsdp;
	uint64_t gpa, dsdt, fadt, madt;
	unsigned int i;

	if (nr_cpus < 1 || nr_cpus > ACPI_MAX_CPUS)
		return error_set(e, -EINVAL, "acpi: %u vCPUs requested, must be 1..%u", nr_cpus,
				 ACPI_MAX_CPUS);
	if (nr_virtio > ACPI_MAX_MMIO_DEVICES || (nr_virtio && !virtio))
		return error_set(e, -EINVAL, "acpi: %u virtio devices, at most %u", nr_virtio,
				 ACPI_MAX_MMIO_DEVICES);
	for (i = 0; i < nr_virtio; i++)
		if (virtio[i].base + virtio[i].size > 0x100000000ULL || !virtio[i].size)
			return error_set(e, -EINVAL, "acpi: virtio device %u at %#llx+%#x is not "
					 "below 4 GiB", i, (unsigned long long)virtio[i].base,
					 virtio[i].size);
	/* The one bounds check: every table below lies inside this range. */
	a.base = gmem_ptr(m, X86_ACPI_ADDR, X86_ACPI_MAX);
	if (!a.base)
		return error_set(e, -EFAULT,
				 "acpi: guest memory (%llu bytes) does not contain the ACPI area "
				 "%#llx..%#llx",
				 (unsigned long long)m->total, X86_ACPI_ADDR,
				 X86_ACPI_ADDR + X86_ACPI_MAX - 1);
	memset(a.base, 0, X86_ACPI_MAX);

	/* RSDP first, at the start of the area. */
	rsdp = area_alloc(&a, sizeof(*rsdp), &gpa);
	dsdt = build_dsdt(&a, virtio, nr_virtio);
	fadt = build_fadt(&a, dsdt);
	madt = build_madt(&a, nr_cpus);

	memcpy(rsdp->signature, "RSD PTR ", sizeof(rsdp->signature));
	memcpy(rsdp->oem_id, ACPI_OEM_ID, sizeof(rsdp->oem_id));
	rsdp->revision = 2;
	rsdp->rsdt_address = 0; /* XSDT only; every ACPI 2.0+ OS uses it */
	rsdp->length = sizeof(*rsdp);
	rsdp->xsdt_address = build_xsdt(&a, fadt, madt);
	rsdp->checksum = acpi_checksum(rsdp, ACPI_RSDP_V1_LEN);
	rsdp->extended_checksum = acpi_checksum(rsdp, sizeof(*rsdp));

	*rsdp_gpa = gpa;
	return 0;
}
