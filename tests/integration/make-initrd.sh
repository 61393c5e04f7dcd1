#!/bin/bash
# make-initrd.sh OUT [--modules KERNEL_DIR NAME...] [--bin PATH...]
#
# Build the integration-test guest's initramfs: a gzip'd newc cpio with
# busybox-static, its applet symlinks, /dev/console, and
# tests/integration/guest/init as /init. Needs no root.
#
#   --modules KERNEL_DIR NAME...   kernel modules NAME... from the extracted
#                                  kernel package KERNEL_DIR, with their
#                                  dependencies, decompressed into
#                                  /lib/modules/mvm/ with a modules.load
#                                  list that /init loads in order
#   --bin PATH...                  static executables, copied to /usr/bin
# (the two lists end at the next option)
set -euo pipefail

prog=make-initrd.sh
die() { printf '%s: error: %s\n' "$prog" "$*" >&2; exit 1; }

usage() { echo "usage: $prog OUT [--modules KERNEL_DIR NAME...] [--bin PATH...]" >&2; exit 2; }
[[ $# -ge 1 ]] || usage
out=$1
shift
kdir='' modules=() bins=()
while [[ $# -gt 0 ]]; do
    case $1 in
        --modules)
            [[ $# -ge 2 ]] || usage
            kdir=$2
            shift 2
            while [[ $# -gt 0 && $1 != --* ]]; do modules+=("$1"); shift; done
            ;;
        --bin)
            shift
            while [[ $# -gt 0 && $1 != --* ]]; do bins+=("$1"); shift; done
            ;;
        *) usage ;;
    esac
done
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../../lab/modules.sh
. "$here/../../lab/modules.sh"
# shellcheck source=../../lab/cpio.sh
. "$here/../../lab/cpio.sh"
init=$here/guest/init
[[ -f $init ]] || die "missing $init"

bb=$(command -v busybox) || die "busybox not found; install busybox-static"
if ldd "$bb" >/dev/null 2>&1; then
    die "$bb is dynamically linked; install busybox-static"
fi
for t in cpio gzip; do
    command -v "$t" >/dev/null || die "'$t' not found"
done

outdir=$(dirname -- "$out")
mkdir -p "$outdir"
tmp=$(mktemp -d "$outdir/.initrd.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,root,etc}
chmod 1777 "$root/tmp"
cp "$bb" "$root/bin/busybox"
# --list-full prints each applet's install path, e.g. "usr/bin/env".
while IFS= read -r applet; do
    [[ $applet == bin/busybox ]] && continue
    ln -sf /bin/busybox "$root/$applet"
done < <("$bb" --list-full)
cp "$init" "$root/init"
chmod 755 "$root/init"
if [[ ${#modules[@]} -gt 0 ]]; then
    moddir=$(modules_dir "$kdir") || die "no kernel modules in $kdir"
    mkdir -p "$root/lib/modules/mvm"
    : >"$root/lib/modules/mvm/modules.load"
    modules_stage "$moddir" "$root/lib/modules/mvm" "$root/lib/modules/mvm/modules.load" \
        "${modules[@]}" || die "cannot stage kernel modules ${modules[*]}"
fi
for b in "${bins[@]}"; do
    [[ -f $b && -x $b ]] || die "--bin $b: not an executable file"
    if ldd "$b" >/dev/null 2>&1; then
        die "--bin $b is dynamically linked; the guest has no shared libraries"
    fi
    cp "$b" "$root/usr/bin/"
done

{
    cpio_tree "$root"
    cpio_devnodes dev/console:600:5:1
} | gzip -9n >"$tmp/initrd.gz"
mv -f "$tmp/initrd.gz" "$out"
