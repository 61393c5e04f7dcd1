#!/usr/bin/env bash
# Native tests of the vm command line: subcommands, payload packages, disk
# images, raw configs, errors and exit codes.  They need mkfs.erofs and
# fsck.erofs (erofs-utils) and a C compiler; the cases that run the tiny
# guests through mvm need a usable /dev/kvm and are skipped, with a reason,
# without one.
#
#   tests/cli/vm.sh BUILD_DIR
# Last line: "cli: N passed, N failed".
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?usage: tests/cli/vm.sh BUILD_DIR}" && pwd)
vm=$build/host/vm/vm
guests=$build/bench/startup
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

. "$here/lib.sh"
EXPECT_ONE_LINE=1 # every vm failure is one line on stderr
check() { # NAME COMMAND...: ok if the command succeeds
	local name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name" "'$*' failed"; fi
}

# No temporary files may be left beside an output after any command.
no_leftovers() {
	local left
	left=$(find "$tmp" -name '*.tmp-*' | head -n 3)
	if [[ -z $left ]]; then ok "no temporary files left ($1)"; else not_ok "no temporary files left ($1)" "$left"; fi
}

# --- the command line ----------------------------------------------------------
"$vm" --help >out 2>&1
if [[ $? == 0 ]] && grep -q 'create-partition' out && grep -q 'Exit status' out && grep -q 'run-app' out; then
	ok "--help lists the commands and exit codes"
else
	not_ok "--help" "$(head -c 300 out)"
fi
expect "no command is a usage error" 2 "^vm: no command given" -- "$vm"
expect "unknown command" 2 "unknown command 'frobnicate'" -- "$vm" frobnicate
for c in run pack inspect create-partition run-app run-microdroid list info stop; do
	"$vm" "$c" --help >out 2>err
	if [[ $? == 0 ]] && grep -q "^Usage: vm $c" out && [[ ! -s err ]]; then
		ok "vm $c --help"
	else
		not_ok "vm $c --help" "$(head -c 200 out err)"
	fi
done
"$vm" help inspect >out 2>&1
check "vm help COMMAND shows its help" grep -q '^Usage: vm inspect' out
expect "vm help of an unknown command" 2 "unknown command 'nope'" -- "$vm" help nope

# The commands that talk to virtmgr are tested in vm-virtmgr.sh.

# --- vm pack and vm inspect ----------------------------------------------------
printf 'int AVmPayload_main(void) { return 0; }\n' >demo.c
cc -shared -fPIC -o libdemo.so demo.c || not_ok "build a payload library" "cc failed"
printf '%s\n' '{"task": {"type": "microdroid_launcher", "command": "libdemo.so"}}' >vm_config.json
printf 'hello, payload\n' >data.txt
head -c 10000 /dev/urandom >blob.bin

expect "pack a package" 0 "" -- "$vm" pack -o demo.pkg --config vm_config.json --lib libdemo.so \
	--file data.txt=assets/data.txt --file blob.bin=assets/more/blob.bin
size=$(stat -c %s demo.pkg 2>/dev/null || echo 0)
check "the package is whole 4 KiB blocks" test $((size % 4096)) = 0 -a "$size" -gt 4096
expect "inspect the package" 0 "" -- "$vm" inspect demo.pkg
if grep -q '^task: microdroid_launcher libdemo.so$' out && grep -q '^signature: none$' out &&
	grep -Eq "^  -rw.r-.r-. +$(stat -c %s libdemo.so) /lib/x86_64/libdemo.so$" out &&
	grep -Eq '^  -rw-r--r-- +15 /assets/data.txt$' out &&
	grep -Eq '^  -rw-r--r-- +10000 /assets/more/blob.bin$' out &&
	grep -Eq '^  drwxr-xr-x +- /lib/x86_64$' out &&
	grep -Eq "^  -rw-r--r-- +$(stat -c %s vm_config.json) /vm_config.json$" out &&
	grep -Eq "^image: erofs, $((size - 4096)) bytes, sha256 [0-9a-f]{64} \(verified\)$" out; then
	ok "inspect shows the footer, the task and every file"
else
	not_ok "inspect shows the footer, the task and every file" "$(cat out)"
fi
expect "pack again" 0 "" -- "$vm" pack -o demo2.pkg --config vm_config.json --lib libdemo.so \
	--file data.txt=assets/data.txt --file blob.bin=assets/more/blob.bin
check "the same inputs give the same package" cmp -s demo.pkg demo2.pkg

# erofs-utils reads the whole package file as EROFS (the footer is past its
# blocks), as the guest kernel will from the raw disk; the files match.
if command -v fsck.erofs >/dev/null; then
	mkdir extracted
	if fsck.erofs --extract=extracted demo.pkg >/dev/null 2>&1 &&
		cmp -s extracted/lib/x86_64/libdemo.so libdemo.so && cmp -s extracted/assets/data.txt data.txt &&
		cmp -s extracted/assets/more/blob.bin blob.bin && cmp -s extracted/vm_config.json vm_config.json; then
		ok "fsck.erofs reads the package and extracts the same files"
	else
		not_ok "fsck.erofs reads the package and extracts the same files" "extract or compare failed"
	fi
else
	not_ok "fsck.erofs reads the package" "fsck.erofs not installed (erofs-utils)"
fi

echo keep >out.pkg
printf '%s\n' '{"task": {"type": "microdroid_launcher", "command": "libdemo.so"}, "hugepage": true}' >typo.json
expect "config with an unknown key" 1 "^vm: pack: typo.json: hugepage: unknown key \(known: task, os, .*, hugepages\)$" -- \
	"$vm" pack -o out.pkg --config typo.json --lib libdemo.so
check "a failed pack leaves the old output alone" grep -qx keep out.pkg
echo '{"task": {"command": 3}}' >bad.json
expect "config with a wrong type" 1 "bad.json: task.command: want a string, not a number" -- \
	"$vm" pack -o new.pkg --config bad.json
echo '{"task": {"type": "microdroid_launcher", "command": "../libdemo.so"}}' >bad.json
expect "config with a path as library" 1 "must be a file name in lib/x86_64/" -- \
	"$vm" pack -o new.pkg --config bad.json
printf '{"task":\n  {"command": "/x",}}\n' >bad.json
expect "invalid JSON" 1 "invalid JSON at line 2" -- "$vm" pack -o new.pkg --config bad.json
echo '{"task": {"type": "microdroid_launcher", "command": "libother.so"}}' >bad.json
expect "the library named by the config is missing" 1 "names library 'libother.so', but no --lib gives it" -- \
	"$vm" pack -o new.pkg --config bad.json --lib libdemo.so
# --no-check writes what the guest must refuse itself (tests/integration).
printf '{"task":\n  {"command": "/x",}}\n' >bad.json
expect "--no-check packs invalid JSON" 0 "" -- "$vm" pack --no-check -o nocheck.pkg --config bad.json
expect "vm inspect refuses its config, not its package" 1 "invalid JSON at line 2" -- \
	"$vm" inspect nocheck.pkg
echo '{"task": {"type": "microdroid_launcher", "command": "libother.so"}}' >bad.json
expect "--no-check packs a config naming a missing library" 0 "" -- \
	"$vm" pack --no-check -o nocheck.pkg --config bad.json --lib libdemo.so
expect "--no-check still refuses a --lib that is not ELF" 1 "--lib 'data.txt': not an ELF file" -- \
	"$vm" pack --no-check -o nocheck.pkg --config bad.json --lib data.txt
expect "a library that is not ELF" 1 "--lib 'data.txt': not an ELF file" -- \
	"$vm" pack -o new.pkg --config vm_config.json --lib libdemo.so --lib data.txt
# An arm64 build of the library: the same file with e_machine = EM_AARCH64 (183).
cp libdemo.so libarm.so
printf '\267\000' | dd of=libarm.so bs=1 seek=18 conv=notrunc status=none
expect "a library for another machine" 1 "built for arm64, not x86-64" -- \
	"$vm" pack -o new.pkg --config vm_config.json --lib libdemo.so --lib libarm.so
expect "an executable is not a library" 1 "an executable, not a shared object" -- \
	"$vm" pack -o new.pkg --config vm_config.json --lib libdemo.so --lib "$(command -v cc | xargs readlink -f)"
expect "a destination outside the package" 1 "'../x': empty, '.' or '..' path component" -- \
	"$vm" pack -o new.pkg --config vm_config.json --lib libdemo.so --file data.txt=../x
expect "an absolute destination" 1 "a path in the package is relative" -- \
	"$vm" pack -o new.pkg --config vm_config.json --lib libdemo.so --file data.txt=/etc/x
expect "a destination given twice" 1 "'assets/a' is given twice" -- \
	"$vm" pack -o new.pkg --config vm_config.json --lib libdemo.so --file data.txt=assets/a \
	--file blob.bin=assets/a
expect "a file where a directory must be" 1 "one would be a file and a directory" -- \
	"$vm" pack -o new.pkg --config vm_config.json --lib libdemo.so --file data.txt=assets \
	--file blob.bin=assets/b
expect "vm_config.json given as a file too" 1 "'vm_config.json' is given twice" -- \
	"$vm" pack -o new.pkg --config vm_config.json --lib libdemo.so --file data.txt=vm_config.json
expect "a missing input file" 1 "'nope.bin': No such file" -- \
	"$vm" pack -o new.pkg --config vm_config.json --lib libdemo.so --file nope.bin=assets/x
MKFS_EROFS=$tmp/no-mkfs expect "mkfs.erofs missing" 1 "cannot run '$tmp/no-mkfs': No such file.*erofs-utils" -- \
	"$vm" pack -o new.pkg --config vm_config.json --lib libdemo.so
MKFS_EROFS=false expect "mkfs.erofs failing" 1 "mkfs.erofs failed \(exit 1\)" -- \
	"$vm" pack -o new.pkg --config vm_config.json --lib libdemo.so
check "no output after failed packs" test ! -e new.pkg
no_leftovers "pack"
expect "pack without -o" 2 "no output given: -o OUT \(see 'vm pack --help'\)" -- \
	"$vm" pack --config vm_config.json
expect "pack without --config" 2 "no config given" -- "$vm" pack -o new.pkg
expect "pack with a bad --file" 2 "--file wants SRC=DEST" -- \
	"$vm" pack -o new.pkg --config vm_config.json --file data.txt
expect "pack with an unknown option" 2 "unknown option '--frob'" -- "$vm" pack --frob
expect "pack with a missing value" 2 "option '-o' needs a value" -- "$vm" pack -o

# Damaged packages.
cp demo.pkg bad.pkg
printf 'X' | dd of=bad.pkg bs=1 seek=2000 conv=notrunc status=none
expect "a changed byte in the image" 1 "^vm: inspect: bad.pkg: image digest mismatch" -- "$vm" inspect bad.pkg
cp demo.pkg bad.pkg
printf 'X' | dd of=bad.pkg bs=1 seek=$((size - 100)) conv=notrunc status=none
expect "a changed byte in the footer" 1 "footer checksum mismatch" -- "$vm" inspect bad.pkg
head -c $((size - 4096)) demo.pkg >bad.pkg
expect "a package without its footer" 1 "not a payload package" -- "$vm" inspect bad.pkg
{ cat demo.pkg; head -c 4096 /dev/zero; } >bad.pkg
expect "a package with a block appended" 1 "not a payload package" -- "$vm" inspect bad.pkg
expect "inspect a missing file" 1 "package 'nope.pkg': No such file" -- "$vm" inspect nope.pkg
expect "inspect without a package" 2 "no package given" -- "$vm" inspect

# --- vm create-partition ---------------------------------------------------------
expect "create a raw image" 0 "" -- "$vm" create-partition raw.img 1M
check "raw: 1 MiB" test "$(stat -c %s raw.img)" = 1048576
check "raw: sparse" test "$(stat -c %b raw.img)" -le 8
check "raw: zeros" cmp -s raw.img <(head -c 1048576 /dev/zero)
expect "create an instance image" 0 "" -- "$vm" create-partition -t instance instance.img 10M
check "instance: 10 MiB" test "$(stat -c %s instance.img)" = 10485760
if cmp -s <(head -c 21 instance.img) <(printf 'Android-VM-instance\001\000') &&
	cmp -s <(tail -c +22 instance.img | head -c 1003) <(head -c 1003 /dev/zero); then
	ok "instance: the Android-VM-instance header, version 1, then zeros"
else
	not_ok "instance: header" "$(head -c 32 instance.img | od -An -c)"
fi
check "instance: sparse" test "$(stat -c %b instance.img)" -le 16
expect "an existing image is kept" 1 "'raw.img' exists \(--force replaces it\)" -- \
	"$vm" create-partition -t instance raw.img 4K
check "the existing image is unchanged" test "$(stat -c %s raw.img)" = 1048576
expect "--force replaces it" 0 "" -- "$vm" create-partition --force --type instance raw.img 4K
check "the replaced image" test "$(stat -c %s raw.img)" = 4096
expect "sizes take suffixes" 0 "" -- "$vm" create-partition big.img 2GiB
check "a 2 GiB sparse image" test "$(stat -c %s big.img)" = 2147483648 -a "$(stat -c %b big.img)" -le 8
expect "a size that is not sectors" 2 "SIZE wants a whole number of 512-byte sectors" -- \
	"$vm" create-partition x.img 1000
expect "a bad size suffix" 2 "not '10X'" -- "$vm" create-partition x.img 10X
expect "a zero size" 2 "not '0'" -- "$vm" create-partition x.img 0
expect "an instance image too small" 2 "at least 1024 bytes" -- \
	"$vm" create-partition -t instance x.img 512
expect "a bad type" 2 "--type wants raw or instance, not 'qcow2'" -- \
	"$vm" create-partition -t qcow2 x.img 1M
expect "a missing size" 2 "want PATH and SIZE, got 1 argument" -- "$vm" create-partition x.img
expect "a directory that does not exist" 1 "'nodir/x.img': No such file" -- \
	"$vm" create-partition nodir/x.img 1M
check "no image after failures" test ! -e x.img
no_leftovers "create-partition"

# --- vm run ------------------------------------------------------------------------
mkdir vmdir
cat >vmdir/vm.json <<'JSON'
{
  "name": "test",
  "kernel": "bzImage",
  "initrd": "/boot/initrd.img",
  "params": "console=ttyS0 quiet",
  "disks": [{"image": "root.img", "writable": true}, {"image": "/data/ro.img"}],
  "memory_mib": 512,
  "platform_version": "~1.0"
}
JSON
MVM=my-mvm expect "vm run --dry-run prints the mvm command" 0 "" -- "$vm" run --dry-run vmdir/vm.json
want="my-mvm --kernel vmdir/bzImage --initrd /boot/initrd.img --cmdline 'console=ttyS0 quiet' --mem 512 --cpus 1 --disk vmdir/root.img --disk /data/ro.img,ro"
if [[ $(cat out) == "$want" ]]; then ok "the mvm command line"; else not_ok "the mvm command line" "$(cat out)"; fi
MVM=my-mvm expect "vm run with overrides" 0 "" -- \
	"$vm" run --dry-run --mem 64 --cpu-topology match_host --console con.txt "$tmp/vmdir/vm.json"
want="my-mvm --kernel $tmp/vmdir/bzImage --initrd /boot/initrd.img --cmdline 'console=ttyS0 quiet' --mem 64 --cpus $(nproc) --disk $tmp/vmdir/root.img --disk /data/ro.img,ro --console con.txt"
if [[ $(cat out) == "$want" ]]; then ok "overrides reach the mvm command line"; else not_ok "overrides" "$(cat out)"; fi
(unset MVM; "$vm" run --dry-run vmdir/vm.json >out 2>&1)
check "vm run finds the build tree's mvm" test "$(cut -d' ' -f1 out)" = "$(readlink -f "$build/vmm/mvm")"

echo '{"kernel": "k", "memory_mb": 512}' >bad.json
expect "run a config with an unknown key" 1 "^vm: run: bad.json: memory_mb: unknown key \(known: name, kernel, .*memory_mib.*\)$" -- "$vm" run bad.json
echo '{"kernel": "k", "protected": true}' >bad.json
expect "run a protected VM" 1 "protected VMs are not supported" -- "$vm" run --dry-run bad.json
echo '{"kernel": "k", "disks": [{"partitions": [{"label": "a", "path": "b"}]}]}' >bad.json
expect "run with partitions" 1 "composite disks are not supported" -- "$vm" run bad.json
echo '{"bootloader": "u-boot"}' >bad.json
expect "run with a bootloader" 1 "bootloader: not supported" -- "$vm" run bad.json
echo '{"kernel": "k", "memory_mib": 8}' >bad.json
expect "run with too little memory" 1 "memory_mib: want a whole number from 16" -- "$vm" run bad.json
expect "run a missing config" 1 "config 'nope.json': No such file" -- "$vm" run nope.json
expect "run without a config" 2 "no config given" -- "$vm" run
expect "run with a bad --mem" 2 "--mem wants MiB from 16 to 1048576, not '12abc'" -- \
	"$vm" run --mem 12abc vmdir/vm.json
expect "run with a bad --cpu-topology" 2 "--cpu-topology wants one_cpu or match_host" -- \
	"$vm" run --cpu-topology all vmdir/vm.json
MVM=$tmp/no-mvm expect "run when mvm is missing" 127 "cannot run mvm '$tmp/no-mvm': No such file" -- \
	"$vm" run vmdir/vm.json
MVM=$tmp/vmdir/vm.json expect "run when mvm is not executable" 126 "Permission denied" -- \
	"$vm" run vmdir/vm.json

# A real run: vm becomes mvm, and its exit status is mvm's.
if [[ -x $guests/tiny-guest-poweroff ]] && exec 3<>/dev/kvm 2>/dev/null; then
	exec 3>&-
	printf '{"kernel": "%s", "memory_mib": 32}\n' "$guests/tiny-guest-poweroff" >poweroff.json
	printf '{"kernel": "%s", "memory_mib": 32}\n' "$guests/tiny-guest-reset" >reset.json
	expect "vm run boots a guest that powers off: exit 0" 0 "" -- "$vm" run poweroff.json
	check "the guest's console reaches stdout" grep -q "hello from the guest" out
	expect "vm run mirrors mvm's status: reset is 3" 3 "guest reset" -- "$vm" run reset.json
else
	echo "# the tiny guests or a usable /dev/kvm are missing: vm run is not run for real"
fi

echo "cli: $pass passed, $fail failed"
((fail == 0))
