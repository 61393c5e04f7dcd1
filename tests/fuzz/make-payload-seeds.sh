#!/bin/sh
# make-payload-seeds.sh BUILD_DIR [CORPUS_DIR]
#
# Write the seeds of the payload fuzz targets:
#   CORPUS_DIR/fuzz_vm_config/        vm_config.json files, good and bad
#   CORPUS_DIR/fuzz_raw_config/       raw VM configs, good and bad
#   CORPUS_DIR/fuzz_payload_package/  small packages made by BUILD_DIR's
#                                     `vm pack`, and one bare EROFS image
# CORPUS_DIR defaults to the corpus directory next to this script.  Packs
# are reproducible, so running this again gives the same files.
set -eu

build=${1:?usage: make-payload-seeds.sh BUILD_DIR [CORPUS_DIR]}
dir=${2:-$(dirname "$0")/corpus}
vm=$build/host/vm/vm
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cfg=$dir/fuzz_vm_config
raw=$dir/fuzz_raw_config
pkg=$dir/fuzz_payload_package
mkdir -p "$cfg" "$raw" "$pkg"

printf '%s\n' '{"task": {"type": "microdroid_launcher", "command": "libdemo.so"}}' >"$cfg/launcher.json"
printf '%s\n' '{"task": {"type": "executable", "command": "/system/bin/payload"}}' >"$cfg/executable.json"
cat >"$cfg/all-keys.json" <<'JSON'
{
  "os": {"name": "microdroid"},
  "task": {"type": "microdroid_launcher", "command": "libpayload.so"},
  "apexes": [{"name": "com.android.art"}],
  "extra_apks": [{"path": "/data/app/extra.apk"}],
  "prefer_staged": false,
  "export_tombstones": true,
  "enable_authfs": false,
  "hugepages": false
}
JSON
printf '%s\n' '{"task": {"command": "/x", "args": ["-v"]}, "apexes": [7]}' >"$cfg/unknown-key.json"

cat >"$raw/full.json" <<'JSON'
{
  "name": "debian",
  "kernel": "bzImage",
  "initrd": "/images/initrd.img",
  "params": "console=ttyS0 root=/dev/vda rw",
  "disks": [{"image": "root.img", "writable": true, "partitions": []},
            {"image": "/images/data.img"}],
  "protected": false,
  "memory_mib": 1024,
  "cpu_topology": "match_host",
  "platform_version": "~1.0"
}
JSON
printf '%s\n' '{"kernel": "/boot/vmlinuz"}' >"$raw/minimal.json"
printf '%s\n' '{"bootloader": "/u-boot", "protected": true, "disks": [{"partitions": [{"label": "a", "path": "b"}]}]}' >"$raw/unsupported.json"

# A 64-byte ELF64 header of an x86-64 shared object: all `vm pack` checks.
{
	printf '\177ELF\002\001\001'
	head -c 9 /dev/zero
	printf '\003\000\076\000\001\000\000\000'
	head -c 28 /dev/zero
	printf '\100\000'
	head -c 10 /dev/zero
} >"$tmp/libdemo.so"
printf '%s\n' '{"task": {"type": "microdroid_launcher", "command": "libdemo.so"}}' >"$tmp/launcher.json"
printf '%s\n' '{"task": {"type": "executable", "command": "/system/bin/true"}}' >"$tmp/executable.json"
printf 'hello\n' >"$tmp/hello.txt"
head -c 5000 /dev/zero | tr '\0' x >"$tmp/big.bin"

"$vm" pack -o "$pkg/launcher.pkg" --config "$tmp/launcher.json" --lib "$tmp/libdemo.so"
"$vm" pack -o "$pkg/executable-assets.pkg" --config "$tmp/executable.json" \
	--file "$tmp/hello.txt=assets/hello.txt" --file "$tmp/big.bin=assets/data/big.bin" \
	--lib "$tmp/libdemo.so"
# The image alone: the package without its footer block.
size=$(stat -c %s "$pkg/launcher.pkg")
head -c $((size - 4096)) "$pkg/launcher.pkg" >"$pkg/launcher.erofs"
