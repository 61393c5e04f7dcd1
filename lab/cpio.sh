# shellcheck shell=bash
# lab/cpio.sh - newc cpio pieces that need no root, for the lab host's,
# the test guests' and Microdroid's initramfs.  Sourced, not run.
#
#   cpio_tree DIR                 archive everything under DIR (sorted,
#                                 owned by 0:0), without a trailer
#   cpio_devnodes SPEC...         character-device entries NAME:MODE:MAJ:MIN
#                                 (octal MODE, e.g. dev/console:600:5:1),
#                                 then the trailer that ends the archive
#
# Device nodes are written by hand so that the kernel can open
# /dev/console for /init before devtmpfs is mounted (mknod needs root).
# Concatenate: { cpio_tree DIR; cpio_devnodes ...; } | gzip >OUT

cpio_tree() {
	(cd "$1" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort |
		cpio -o -H newc -R 0:0 --quiet)
}

_cpio_entry() { # ino mode maj min name
	local namesize=$((${#5} + 1))
	printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%s\0' \
		"$1" "$2" 0 0 1 0 0 0 0 "$3" "$4" "$namesize" 0 "$5"
	head -c $(((4 - (110 + namesize) % 4) % 4)) /dev/zero
}

cpio_devnodes() {
	local spec name mode maj min ino=900000
	for spec in "$@"; do
		IFS=: read -r name mode maj min <<<"$spec"
		_cpio_entry "$ino" $((8#20000 | 8#$mode)) "$maj" "$min" "$name"
		ino=$((ino + 1))
	done
	_cpio_entry 0 0 0 0 'TRAILER!!!'
}
