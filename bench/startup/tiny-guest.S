/*
 * tiny-guest.S - the smallest useful guest: a PVH ELF that prints one line
 * on COM1 and powers the machine off through the ACPI sleep control
 * register.  It runs a few hundred instructions, so it measures a VMM's
 * own start-up and tear-down, not a guest kernel.
 *
 * PVH entry: 32-bit protected mode, paging off, flat segments.
 *
 * Built in several variants (TINY_GUEST_END) so that tests can drive each
 * way a VM ends without a Linux guest:
 *   0  power off (ACPI S5)          -> mvm exit 0
 *      (then, for QEMU, which has no device at port 0x3c0: a write of
 *      QEMU_EXIT_CODE to isa-debug-exit at 0xf4 -> QEMU exit 33; mvm has
 *      ended the VM before it gets there)
 *   1  reset through the i8042      -> mvm exit 3
 *   2  spin forever (for signals)   -> mvm exit 130/143 on SIGINT/SIGTERM
 *   3  triple fault (empty IDT, #BP) -> mvm exit 4
 */
#ifndef TINY_GUEST_END
#define TINY_GUEST_END 0
#endif
#define COM1 0x3f8
#define ACPI_SLEEP_CTL 0x3c0
#define SLP_S5 ((5 << 2) | 0x20) /* SLP_TYP 5, SLP_EN */
/*
 * QEMU's isa-debug-exit (-device isa-debug-exit,iobase=0xf4,iosize=4) ends
 * QEMU with status (value << 1) | 1: 0x10 gives 33, which QEMU itself never
 * uses, so a benchmark can tell this power-off from a QEMU error (status 1).
 */
#define QEMU_DEBUG_EXIT 0xf4
#define QEMU_EXIT_CODE 0x10

	.section .text, "ax"
	.code32
	.globl _start
_start:
	cld
	movl	$message, %esi
	movw	$COM1, %dx
1:	lodsb
	testb	%al, %al
	jz	2f
	outb	%al, %dx
	jmp	1b
2:
#if TINY_GUEST_END == 0
	movw	$ACPI_SLEEP_CTL, %dx
	movb	$SLP_S5, %al
	outb	%al, %dx
	movb	$QEMU_EXIT_CODE, %al	/* only reached under QEMU */
	outb	%al, $QEMU_DEBUG_EXIT
#elif TINY_GUEST_END == 1
	movb	$0xfe, %al		/* i8042: pulse the reset line */
	outb	%al, $0x64
#elif TINY_GUEST_END == 2
4:	pause
	jmp	4b
#elif TINY_GUEST_END == 3
	lidt	empty_idt
	int3				/* no IDT: #BP -> #DF -> triple fault */
#endif
3:	hlt
	jmp	3b

	.section .rodata, "a"
	.p2align 3
empty_idt:
	.word	0
	.long	0
message:
	.asciz	"tiny-guest: hello from the guest\n"

	/* Xen ELF note XEN_ELFNOTE_PHYS32_ENTRY (18): the PVH entry point. */
	.section .note.pvh, "a"
	.p2align 2
	.long	4		/* namesz */
	.long	4		/* descsz */
	.long	18		/* type */
	.asciz	"Xen"
	.long	_start

	.section .note.GNU-stack, "", @progbits
