#!/bin/sh
# extract-vmlinux.sh BZIMAGE OUT_ELF
#
# Extract the ELF vmlinux inside an x86 bzImage.  The setup header gives the
# compressed payload's place: payload_offset (0x248, relative to the start
# of the protected-mode part, which is (setup_sects + 1) * 512 bytes into
# the file) and payload_length (0x24c).  The compression is told by the
# payload's magic: zstd, xz, lz4 (legacy frame), gzip, or none (plain ELF).
# The kernel build appends the uncompressed size (4 bytes) to some formats,
# so if decompressing the whole payload fails it is retried without them.
set -eu

die() {
	echo "extract-vmlinux.sh: $*" >&2
	exit 1
}

[ $# -eq 2 ] || die "usage: extract-vmlinux.sh BZIMAGE OUT_ELF"
img=$1
out=$2
[ -r "$img" ] || die "cannot read $img"

# Little-endian unsigned integer of $2 bytes at offset $1 of the image.
le() {
	# shellcheck disable=SC2046 # word splitting into bytes is intended
	set -- $(od -A n -t u1 -j "$1" -N "$2" "$img")
	v=0
	shift_=0
	for b; do
		v=$((v + (b << shift_)))
		shift_=$((shift_ + 8))
	done
	echo "$v"
}

# Bytes at offset $1, length $2, as plain lower-case hex.
hex() {
	od -A n -t x1 -j "$1" -N "$2" "$img" | tr -d ' \n'
}

if [ "$(hex 510 2)" != 55aa ] || [ "$(hex 514 4)" != 48647253 ]; then
	die "$img is not a bzImage"
fi
[ "$(le 518 2)" -ge 520 ] || die "$img: boot protocol older than 2.08 has no payload fields"

sects=$(le 497 1)
[ "$sects" -ne 0 ] || sects=4
start=$(( (sects + 1) * 512 + $(le 584 4) ))
length=$(le 588 4)
[ "$length" -gt 4 ] || die "$img: empty payload"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# Payload bytes, optionally without the last $1 bytes.
payload() {
	dd if="$img" iflag=skip_bytes,count_bytes skip="$start" count=$((length - $1)) status=none
}

magic=$(od -A n -t x1 -j "$start" -N 6 "$img" | tr -d ' \n')
case $magic in
28b52ffd*) unpack="zstd -d -q -c" ;;
fd377a585a00) unpack="xz -d -q -c --single-stream" ;;
02214c18*) unpack="lz4 -d -q -c" ;;
1f8b*) unpack="gzip -d -q -c" ;;
7f454c46*) unpack="cat" ;;
*) die "$img: unsupported payload compression (magic $magic)" ;;
esac

if ! payload 0 | $unpack >"$tmp/vmlinux" 2>/dev/null; then
	payload 4 | $unpack >"$tmp/vmlinux" 2>/dev/null || die "$img: cannot decompress payload"
fi
[ "$(od -A n -t x1 -N 4 "$tmp/vmlinux" | tr -d ' \n')" = 7f454c46 ] ||
	die "$img: payload is not an ELF file"
mv "$tmp/vmlinux" "$out"
