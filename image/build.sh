#!/bin/bash
# image/build.sh BUILD_DIR [options]
#
# Build the Microdroid guest image from the guest programs in BUILD_DIR
# (`make image` runs it).  Output, in BUILD_DIR/image/ unless --out:
#
#   kernel          Debian's kernel, resolved at run time from the
#                   meta-package (default linux-image-6.12-amd64, the full
#                   flavour: it has binder_linux)
#   initramfs.img   gzip'd newc cpio: the first-stage init as /init and the
#                   kernel modules it loads, compressed as Debian ships
#                   them, listed in load order in /lib/modules/modules.load
#   system.img      erofs (lz4hc) with the second-stage userspace, then its
#                   dm-verity hash tree (sha256, 4 KiB blocks, no
#                   superblock) from the first block after the data
#   cmdline         the kernel command line that boots it: console, the
#                   system disk's serial id (microdroid.system=) and the
#                   verity parameters (microdroid.verity=; docs/init.md)
#   image.json      a description: every file with its size and sha256,
#                   the system image's files, the verity root hash
#
# Boot it with:
#   mvm --kernel OUT/kernel --initrd OUT/initramfs.img \
#       --disk OUT/system.img,ro,id=system --cmdline "$(cat OUT/cmdline)"
#
# Options:
#   --out DIR             where to write (default BUILD_DIR/image)
#   --kernel-meta META    the kernel meta-package (or $MICRODROID_KERNEL_META)
#   --rc FILE             the init.rc of the system image (default
#                         image/init.rc)
#   --add SRC=DEST        also put file SRC at /DEST in the system image
#                         (repeatable; tests add services and .rc files)
#   --cmdline-extra ARGS  appended to the command line
#
# Everything is written to a temporary directory and renamed into place at
# the end, cmdline last, so a failed build never leaves a half-written
# image, nor a command line that does not match the system image.  Needs
# mkfs.erofs (erofs-utils), veritysetup (cryptsetup-bin), cpio, gzip and
# apt-get/dpkg-deb for the kernel; scripts/install-deps.sh installs them.
set -euo pipefail

prog=image/build.sh
die() { printf '%s: error: %s\n' "$prog" "$*" >&2; exit 1; }
usage() { echo "usage: $prog BUILD_DIR [--out DIR] [--kernel-meta META] [--rc FILE] [--add SRC=DEST]... [--cmdline-extra ARGS]" >&2; exit 2; }

if [[ ${1:-} == -h || ${1:-} == --help ]]; then
	sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"
	exit 0
fi
[[ $# -ge 1 ]] || usage
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/.." && pwd)
build=$(cd "$1" 2>/dev/null && pwd) || die "build directory '$1' does not exist (run make first)"
shift
out=$build/image
kernel_meta=${MICRODROID_KERNEL_META:-linux-image-6.12-amd64}
rc=$here/init.rc
adds=()
extra=''
while [[ $# -gt 0 ]]; do
	case $1 in
	--out) [[ $# -ge 2 ]] || usage; out=$2; shift 2 ;;
	--kernel-meta) [[ $# -ge 2 ]] || usage; kernel_meta=$2; shift 2 ;;
	--rc) [[ $# -ge 2 ]] || usage; rc=$2; shift 2 ;;
	--add) [[ $# -ge 2 && $2 == *=* ]] || usage; adds+=("$2"); shift 2 ;;
	--cmdline-extra) [[ $# -ge 2 ]] || usage; extra=$2; shift 2 ;;
	*) usage ;;
	esac
done

# shellcheck source=../lab/modules.sh
. "$top/lab/modules.sh"
# shellcheck source=../lab/cpio.sh
. "$top/lab/cpio.sh"

for tool in mkfs.erofs veritysetup cpio gzip sha256sum python3 strip; do
	command -v "$tool" >/dev/null || die "'$tool' not found (run scripts/install-deps.sh)"
done
[[ -f $rc ]] || die "init.rc '$rc' not found"

# The guest programs.  init, the property tools and servicemanager are
# static: the first stage runs before any library could be loaded, and
# they must not depend on the libraries below.
init_bin=$build/guest/init/init
sys_bins=("$init_bin" "$build/guest/tools/getprop" "$build/guest/tools/setprop"
	"$build/guest/servicemanager/servicemanager")
for b in "${sys_bins[@]}"; do
	[[ -x $b ]] || die "$b is not built (run make)"
	if ldd "$b" >/dev/null 2>&1; then die "$b is dynamically linked; guest programs must be static"; fi
done
# The payload's programs are dynamically linked: microdroid_launcher
# dlopen()s the payload library, and microdroid_manager reads the payload
# config with Debian's cJSON, a shared library only (docs/payload.md).
dyn_bins=("$build/guest/manager/microdroid_manager" "$build/guest/launcher/microdroid_launcher")
for b in "${dyn_bins[@]}"; do
	[[ -x $b ]] || die "$b is not built (run make)"
done
# The libraries payloads link against; libvm_payload.so only when built.
dyn_libs=("$build/lib/binder/libbinder_ndk.so")
[[ -f $build/lib/binder/libbinder_ndk.so ]] || die "$build/lib/binder/libbinder_ndk.so is not built (run make)"
if [[ -f $build/lib/vm_payload/libvm_payload.so ]]; then
	dyn_libs+=("$build/lib/vm_payload/libvm_payload.so")
else
	echo "$prog: note: no $build/lib/vm_payload/libvm_payload.so; the image goes without it" >&2
fi

# The modules first-stage init loads (with their dependencies): the virtio
# transport and block device, entropy, vsock, dm-verity, erofs and binder.
# crc32c_generic is libcrc32c's soft dependency (modules.softdep): erofs
# needs libcrc32c, whose init fails without a crc32c algorithm loaded.
modules=(virtio_mmio virtio_blk virtio_rng vmw_vsock_virtio_transport dm_verity crc32c_generic erofs
	binder_linux)
system_id=system

mkdir -p "$out"
out=$(cd "$out" && pwd)
tmp=$(mktemp -d "$out/.build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# --- kernel ----------------------------------------------------------------------
kdir=$("$top/lab/fetch-kernel.sh" "$kernel_meta" "$build/cache") || die "cannot fetch $kernel_meta"
vmlinuz=$(ls "$kdir"/boot/vmlinuz-* 2>/dev/null | head -n 1)
[[ -n $vmlinuz ]] || die "no boot/vmlinuz-* in $kdir"
moddir=$(modules_dir "$kdir") || die "no kernel modules in $kdir"
cp "$vmlinuz" "$tmp/kernel"

# --- initramfs -------------------------------------------------------------------
ird=$tmp/initramfs
mkdir -p "$ird"/{dev,proc,sys,mnt/system,lib/modules}
# Programs go in stripped: the build keeps their debug information.
install_bin() { cp "$1" "$2" && strip --strip-unneeded "$2"; }
install_bin "$init_bin" "$ird/init"
: >"$ird/lib/modules/modules.load"
modules_stage --compressed "$moddir" "$ird/lib/modules" "$ird/lib/modules/modules.load" \
	"${modules[@]}" || die "cannot stage kernel modules from $moddir"
{
	cpio_tree "$ird"
	cpio_devnodes dev/console:600:5:1 dev/null:666:1:3 dev/kmsg:644:1:11
} | gzip -9n >"$tmp/initramfs.img"

# --- system image ----------------------------------------------------------------
sys=$tmp/system
# Mount points for second-stage init; / itself is read-only.
mkdir -p "$sys"/{dev,proc,sys,tmp,run,data,mnt,system/bin,system/etc/init}
for b in "${sys_bins[@]}" "${dyn_bins[@]}"; do install_bin "$b" "$sys/system/bin/${b##*/}"; done
# The shared libraries: the build host's C library and loader and what
# else the dynamic programs and libraries need (by ldd), and this
# project's libraries, all in /lib/x86_64-linux-gnu, where Debian's loader
# looks by default (the image has no ld.so.cache).  The loader itself is
# the file there; /lib64/ld-linux-x86-64.so.2, the path programs name as
# their interpreter, is a symlink to it, as on Debian.
libdir=$sys/lib/x86_64-linux-gnu
mkdir -p "$libdir" "$sys/lib64"
for l in "${dyn_libs[@]}"; do install_bin "$l" "$libdir/${l##*/}"; done
own_libs=" ${dyn_libs[*]##*/} "
deps=$(for f in "${dyn_bins[@]}" "${dyn_libs[@]}"; do ldd "$f" || die "ldd $f failed"; done |
	awk '$2 == "=>" && $3 ~ /^\// { print $1, $3 }' | sort -u)
while read -r soname path; do
	[[ -n $soname && $own_libs != *" $soname "* ]] || continue
	[[ -f $path ]] || die "$soname: $path not found"
	install_bin "$(readlink -f "$path")" "$libdir/$soname"
done <<<"$deps"
loader=$(readlink -f /lib64/ld-linux-x86-64.so.2) || die "no /lib64/ld-linux-x86-64.so.2 on this host"
install_bin "$loader" "$libdir/ld-linux-x86-64.so.2"
ln -s ../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$sys/lib64/ld-linux-x86-64.so.2"
# Where microdroid_manager mounts the payload package.
mkdir -p "$sys/mnt/apk"
cp "$rc" "$sys/system/etc/init/init.rc"
# Who may register which binder service names (docs/binder.md).
cp "$here/servicemanager.allow" "$sys/system/etc/servicemanager.allow"
for a in "${adds[@]}"; do
	src=${a%%=*} dest=${a#*=}
	dest=${dest#/}
	[[ -f $src ]] || die "--add $a: '$src' is not a file"
	[[ -n $dest && $dest != *..* ]] || die "--add $a: bad destination"
	mkdir -p "$sys/$(dirname "$dest")"
	cp -p "$src" "$sys/$dest"
done
mkfs.erofs -zlz4hc -T0 --all-root -U 00000000-0000-0000-0000-000000000000 \
	"$tmp/system.img" "$sys" >"$tmp/mkfs.log" 2>&1 || {
	cat "$tmp/mkfs.log" >&2
	die "mkfs.erofs failed"
}
size=$(stat -c %s "$tmp/system.img")
blocks=$(((size + 4095) / 4096))
truncate -s $((blocks * 4096)) "$tmp/system.img"
# A salt derived from the data keeps the build reproducible.
salt=$(sha256sum "$tmp/system.img" | cut -c1-64)
veritysetup format --no-superblock --hash=sha256 --data-block-size=4096 --hash-block-size=4096 \
	--data-blocks="$blocks" --hash-offset=$((blocks * 4096)) --salt="$salt" \
	"$tmp/system.img" "$tmp/system.img" >"$tmp/verity.txt" 2>&1 || {
	cat "$tmp/verity.txt" >&2
	die "veritysetup format failed"
}
root_hash=$(sed -n 's/^Root hash:[[:space:]]*//p' "$tmp/verity.txt")
[[ $root_hash =~ ^[0-9a-f]{64}$ ]] || die "no root hash in veritysetup's output"

# --- command line ----------------------------------------------------------------
# docs/image.md explains each key; guest/init reads them.
# ttyS0: virtio_mmio is a module in Debian's kernel, so hvc0 would appear
# only after first-stage init loaded it, too late for its own errors.
cmdline="console=ttyS0 quiet panic=-1 pci=off"
cmdline+=" microdroid.system=$system_id"
cmdline+=" microdroid.verity=blocks=$blocks,root=$root_hash,salt=$salt"
[[ -z $extra ]] || cmdline+=" $extra"
printf '%s\n' "$cmdline" >"$tmp/cmdline"

# --- description -----------------------------------------------------------------
python3 - "$tmp" "$sys" "$ird" "$kernel_meta" "$(basename "$kdir")" "$root_hash" "$salt" "$blocks" <<'EOF'
import hashlib, json, os, sys
tmp, sysroot, ird, meta, pkg, root_hash, salt, blocks = sys.argv[1:]
def digest(p):
    h = hashlib.sha256()
    with open(p, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()
def tree(root):
    files = []
    for d, _, names in os.walk(root):
        for n in sorted(names):
            p = os.path.join(d, n)
            files.append({"path": "/" + os.path.relpath(p, root), "size": os.path.getsize(p)})
    return sorted(files, key=lambda f: f["path"])
outputs = {}
for name in ("kernel", "initramfs.img", "system.img", "cmdline"):
    p = os.path.join(tmp, name)
    outputs[name] = {"size": os.path.getsize(p), "sha256": digest(p)}
desc = {
    "kernel": {"meta_package": meta, "package": pkg},
    "outputs": outputs,
    "initramfs": {"files": tree(ird)},
    "system": {
        "filesystem": "erofs",
        "disk_id": "system",
        "files": tree(sysroot),
        "verity": {"algorithm": "sha256", "data_block_size": 4096, "hash_block_size": 4096,
                   "data_blocks": int(blocks), "hash_start_block": int(blocks),
                   "root_hash": root_hash, "salt": salt},
    },
    "cmdline": open(os.path.join(tmp, "cmdline")).read().strip(),
}
with open(os.path.join(tmp, "image.json"), "w") as f:
    json.dump(desc, f, indent=2)
    f.write("\n")
EOF

# The files go in one by one, so the old command line goes first and the
# new one last: an interrupted update leaves no cmdline (an image nothing
# boots) rather than an old root hash beside a new system image.
rm -f "$out/cmdline"
for f in kernel initramfs.img system.img image.json cmdline; do mv -f "$tmp/$f" "$out/$f"; done

ird_size=$(stat -c %s "$out/initramfs.img")
sys_size=$(stat -c %s "$out/system.img")
mib() { awk -v b="$1" 'BEGIN { printf "%.2f MiB", b / 1048576 }'; }
echo "image: $out"
echo "  kernel         $(mib "$(stat -c %s "$out/kernel")")  $(basename "$vmlinuz")"
echo "  initramfs.img  $(mib "$ird_size")  ($(wc -l <"$ird/lib/modules/modules.load") modules)"
echo "  system.img     $(mib "$sys_size")  (erofs $(mib $((blocks * 4096))) + hash tree)"
echo "  initramfs + system: $(mib $((ird_size + sys_size))) (target <= 8 MiB)"
echo "  verity root hash $root_hash"
