#!/usr/bin/env bash
# The main job, for now: build the Microdroid image (image/build.sh) and
# boot it under mvm: first-stage init loads its modules, puts dm-verity
# over the system disk and switches to it; second-stage init runs init.rc
# to sys.boot_completed=1, and the demo's androidboot.shutdown_on_boot=1
# powers the VM off from there.  Runs mvm directly when this machine has
# hardware virtualization, otherwise inside the lab (lab/lab), where it has
# a real /dev/kvm.  MVM_TEST_MODE=direct|lab|auto overrides the choice.
#
#   scripts/demo.sh [BUILD_DIR]
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
export MVM_BUILD_DIR=$build
# shellcheck source=../lab/mode.sh
. "$top/lab/mode.sh"
mode=$(lab_mode_resolve "${MVM_TEST_MODE:-auto}")

mvm=$build/vmm/mvm
[[ -x $mvm ]] || { echo "demo: $mvm is not built (run make)" >&2; exit 1; }
echo "demo: building the Microdroid image (Debian's kernel is cached in $build/cache)..."
"$top/image/build.sh" "$build" | sed 's/^/demo: /'
img=$build/image

cmd=("$mvm" --kernel "$img/kernel" --initrd "$img/initramfs.img" --mem 256 --cpus 1
	--disk "$img/system.img,ro,id=system"
	--cmdline "$(cat "$img/cmdline") androidboot.shutdown_on_boot=1")
echo "demo: running: ${cmd[*]}"
rc=0
if [[ $mode == direct ]]; then
	"${cmd[@]}" || rc=$?
else
	kdir=$("$top/lab/fetch-kernel.sh" linux-image-6.12-cloud-amd64 "$build/cache")
	echo "demo: no hardware virtualization here: booting the lab host first (about 15-30 s)"
	MVM_LAB_KERNEL_DIR=$kdir "$top/lab/lab" run --bin "$mvm" --dir "$img" -- "${cmd[@]}" || rc=$?
fi
echo "demo: mvm exited with status $rc ($([[ $rc == 0 ]] && echo "Microdroid booted and powered off" || echo "see docs/mvm.md"))"
exit "$rc"
