/*
 * bzimage.c - parse and validate the setup header of a Linux bzImage.
 *
 * The header layout is the one described in the kernel's x86 boot protocol
 * (Documentation/arch/x86/boot.rst).  Offsets below are from the start of
 * the image file, which is also where they sit in struct boot_params.
 */
#include "boot.h"

#include <errno.h>

#include "lib/common/le.h"

/* Setup header fields, as offsets into the image. */
#define HDR_SETUP_SECTS 0x1f1	   /* u8 */
#define HDR_SYSSIZE 0x1f4	   /* u32, protected-mode size in 16-byte units */
#define HDR_BOOT_FLAG 0x1fe	   /* u16, 0xAA55 */
#define HDR_MAGIC 0x202		   /* u32, "HdrS" */
#define HDR_VERSION 0x206	   /* u16 */
#define HDR_LOADFLAGS 0x211	   /* u8 */
#define HDR_INITRD_ADDR_MAX 0x22c  /* u32 */
#define HDR_KERNEL_ALIGNMENT 0x230 /* u32 */
#define HDR_RELOCATABLE 0x234	   /* u8 */
#define HDR_XLOADFLAGS 0x236	   /* u16 */
#define HDR_CMDLINE_SIZE 0x238	   /* u32 */
#define HDR_PAYLOAD_OFFSET 0x248   /* u32, from the start of the protected-mode part */
#define HDR_PAYLOAD_LENGTH 0x24c   /* u32 */
#define HDR_PREF_ADDRESS 0x258	   /* u64 */
#define HDR_INIT_SIZE 0x260	   /* u32 */
#define HDR_END 0x264		   /* end of the last field read here */

#define BOOT_FLAG 0xaa55
#define HDRS_MAGIC 0x53726448 /* "HdrS" read little-endian */
#define MIN_VERSION 0x020a
#define LOADED_HIGH 0x01   /* loadflags bit 0 */
#define XLF_KERNEL_64 0x01 /* xloadflags bit 0 */
#define SECTOR 512
#define ENTRY64_OFFSET 0x200 /* 64-bit entry point, from the start of the payload */

int bzimage_parse(const uint8_t *img, size_t len, struct bzimage_info *out, struct error *e)
{
	struct bzimage_info bi = {0};

	if (!img || len < HDR_MAGIC + 4 || get_le16(img + HDR_BOOT_FLAG) != BOOT_FLAG ||
	    get_le32(img + HDR_MAGIC) != HDRS_MAGIC)
		return error_set(e, -ENOEXEC,
				 "not a bzImage (no 0xAA55 boot signature and \"HdrS\" magic)");
	if (len < HDR_VERSION + 2)
		return error_set(e, -EINVAL, "bzImage truncated: %zu bytes, header needs %d", len,
				 HDR_END);
	bi.version = get_le16(img + HDR_VERSION);
	if (bi.version < MIN_VERSION)
		return error_set(e, -EINVAL,
				 "bzImage boot protocol %u.%02u is too old (need 2.10 or later)",
				 (unsigned int)bi.version >> 8, (unsigned int)bi.version & 0xff);

	/* setup_sects == 0 means 4 for compatibility with ancient images. */
	bi.setup_sects = img[HDR_SETUP_SECTS];
	bi.setup_len = ((size_t)(bi.setup_sects ? bi.setup_sects : 4) + 1) * SECTOR;
	/* Never true (setup_len >= 1024), kept so the reads below are obviously safe. */
	if (bi.setup_len < HDR_END)
		return error_set(e, -EINVAL,
				 "bzImage setup area (%zu bytes) ends inside its header",
				 bi.setup_len);
	if (bi.setup_len > len)
		return error_set(e, -EINVAL,
				 "bzImage truncated: %zu bytes, but its setup code alone needs %zu",
				 len, bi.setup_len);
	bi.payload_len = len - bi.setup_len;
	if (bi.payload_len == 0)
		return error_set(e, -EINVAL,
				 "bzImage has no protected-mode kernel after its setup code");
	if (bi.payload_len <= ENTRY64_OFFSET)
		return error_set(
		    e, -EINVAL,
		    "bzImage protected-mode kernel (%zu bytes) ends before its 64-bit entry at %#x",
		    bi.payload_len, ENTRY64_OFFSET);

	bi.loadflags = img[HDR_LOADFLAGS];
	bi.initrd_addr_max = get_le32(img + HDR_INITRD_ADDR_MAX);
	bi.kernel_alignment = get_le32(img + HDR_KERNEL_ALIGNMENT);
	bi.relocatable = img[HDR_RELOCATABLE] != 0;
	bi.xloadflags = get_le16(img + HDR_XLOADFLAGS);
	bi.cmdline_size = get_le32(img + HDR_CMDLINE_SIZE);
	bi.pref_address = get_le64(img + HDR_PREF_ADDRESS);
	bi.init_size = get_le32(img + HDR_INIT_SIZE);

	/*
	 * A truncated file still has a valid header; the header's own sizes
	 * tell.  syssize is a 32-bit paragraph count from protocol 2.04 on, and
	 * the compressed payload (2.08+) must lie inside the protected-mode part.
	 */
	{
		uint64_t syssize = (uint64_t)get_le32(img + HDR_SYSSIZE) * 16;
		uint64_t pl_end = (uint64_t)get_le32(img + HDR_PAYLOAD_OFFSET) +
				  get_le32(img + HDR_PAYLOAD_LENGTH);

		if (syssize > bi.payload_len || pl_end > bi.payload_len)
			return error_set(e, -EINVAL,
					 "bzImage truncated: its header says the kernel is %llu "
					 "bytes, the file holds %zu after the setup code",
					 (unsigned long long)(syssize > pl_end ? syssize : pl_end),
					 bi.payload_len);
	}

	if (!(bi.xloadflags & XLF_KERNEL_64))
		return error_set(
		    e, -EINVAL,
		    "bzImage has no 64-bit entry point (XLF_KERNEL_64 not set in xloadflags %#x)",
		    bi.xloadflags);
	if (!(bi.loadflags & LOADED_HIGH))
		return error_set(
		    e, -EINVAL,
		    "bzImage is not a high-loaded kernel (LOADED_HIGH not set in loadflags %#x)",
		    bi.loadflags);
	if (bi.init_size == 0)
		return error_set(e, -EINVAL, "bzImage header has init_size 0");
	/* The loader rounds the runtime address up to this; it must be a power of two. */
	if (bi.relocatable &&
	    (bi.kernel_alignment == 0 || (bi.kernel_alignment & (bi.kernel_alignment - 1))))
		return error_set(e, -EINVAL,
				 "relocatable bzImage has kernel_alignment %#x, not a power of two",
				 bi.kernel_alignment);

	*out = bi;
	return 0;
}
