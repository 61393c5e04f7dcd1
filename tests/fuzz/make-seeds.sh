#!/bin/sh
# make-seeds.sh [CORPUS_DIR]
#
# Write small, valid synthetic kernels as fuzzing seeds:
#   CORPUS_DIR/fuzz_bzimage/  minimal 64-bit bzImages (relocatable, fixed
#                             address, setup_sects 0)
#   CORPUS_DIR/fuzz_elf/      minimal ELF64 vmlinux files with a PVH note
# CORPUS_DIR defaults to the corpus directory next to this script.  The
# layouts match the synthetic images in tests/unit.
set -eu

dir=${1:-$(dirname "$0")/corpus}
bzdir=$dir/fuzz_bzimage
elfdir=$dir/fuzz_elf
mkdir -p "$bzdir" "$elfdir"

# put FILE OFFSET BYTES VALUE: write VALUE little-endian into FILE.
put() {
	s=
	i=0
	while [ "$i" -lt "$3" ]; do
		s="$s\\0$(printf '%03o' $((($4 >> (8 * i)) & 255)))"
		i=$((i + 1))
	done
	printf '%b' "$s" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# putstr FILE OFFSET STRING: write STRING (no NUL) into FILE.
putstr() {
	printf '%s' "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# zeros FILE SIZE: create FILE as SIZE zero bytes.
zeros() {
	dd if=/dev/zero of="$1" bs="$2" count=1 status=none
}

# bzimage FILE SETUP_SECTS RELOCATABLE PREF_ADDRESS: protocol 2.15, 1 KiB payload.
bzimage() {
	sects=$2
	[ "$sects" -ne 0 ] || sects=4
	zeros "$1" $(((sects + 1) * 512 + 1024))
	put "$1" $((0x1f1)) 1 "$2"
	put "$1" $((0x1fe)) 2 $((0xaa55))
	put "$1" $((0x200)) 2 $((0x6aeb))       # jmp short to 0x26c
	putstr "$1" $((0x202)) HdrS
	put "$1" $((0x206)) 2 $((0x020f))       # version
	put "$1" $((0x211)) 1 1                 # loadflags: LOADED_HIGH
	put "$1" $((0x22c)) 4 $((0x7fffffff))   # initrd_addr_max
	put "$1" $((0x230)) 4 $((0x200000))     # kernel_alignment
	put "$1" $((0x234)) 1 "$3"              # relocatable_kernel
	put "$1" $((0x236)) 2 $((0x7f))         # xloadflags
	put "$1" $((0x238)) 4 2047              # cmdline_size
	put "$1" $((0x258)) 8 "$4"              # pref_address
	put "$1" $((0x260)) 4 $((0x800000))     # init_size: 8 MiB
	put "$1" $(((sects + 1) * 512 + 0x200)) 4 $((0xfeebfeeb)) # "code" at the 64-bit entry
}

# elf FILE ENTRY_DESC_SIZE: one PT_LOAD at 16 MiB, notes "Linux" then "Xen" type 18.
elf() {
	zeros "$1" $((0x300))
	printf '\177ELF\002\001\001' | dd of="$1" conv=notrunc status=none
	put "$1" 16 2 2                         # e_type ET_EXEC
	put "$1" 18 2 62                        # e_machine EM_X86_64
	put "$1" 20 4 1                         # e_version
	put "$1" 24 8 $((0x1000000))            # e_entry
	put "$1" 32 8 64                        # e_phoff
	put "$1" 52 2 64                        # e_ehsize
	put "$1" 54 2 56                        # e_phentsize
	put "$1" 56 2 2                         # e_phnum
	# PT_LOAD: offset 0x200, paddr 16 MiB, 0x100 file bytes, 0x3000 in memory
	put "$1" 64 4 1
	put "$1" 68 4 5
	put "$1" 72 8 $((0x200))
	put "$1" 80 8 $((0x1000000))
	put "$1" 88 8 $((0x1000000))
	put "$1" 96 8 $((0x100))
	put "$1" 104 8 $((0x3000))
	put "$1" 112 8 $((0x1000))
	# PT_NOTE: offset 0x100
	put "$1" 120 4 4
	put "$1" 128 8 $((0x100))
	notes=$((24 + 16 + $2))
	put "$1" 152 8 "$notes"
	put "$1" 160 8 "$notes"
	put "$1" 168 8 4
	# "Linux\0" note, 4-byte desc
	put "$1" $((0x100)) 4 6
	put "$1" $((0x104)) 4 4
	put "$1" $((0x108)) 4 1
	putstr "$1" $((0x10c)) Linux
	# "Xen\0" note: XEN_ELFNOTE_PHYS32_ENTRY = 16 MiB + 0x10
	put "$1" $((0x118)) 4 4
	put "$1" $((0x11c)) 4 "$2"
	put "$1" $((0x120)) 4 18
	putstr "$1" $((0x124)) Xen
	put "$1" $((0x128)) "$2" $((0x1000010))
	put "$1" $((0x210)) 4 $((0xfeebfeeb))   # "code" at the entry
}

bzimage "$bzdir/relocatable" 4 1 $((0x1000000))
bzimage "$bzdir/fixed-address" 2 0 $((0x200000))
bzimage "$bzdir/setup-sects-0" 0 1 $((0x1000000))
elf "$elfdir/pvh-desc8" 8
elf "$elfdir/pvh-desc4" 4
