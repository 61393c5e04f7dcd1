#!/usr/bin/env bash
# The main job, for now: boot Debian's Linux kernel under mvm with 2 vCPUs
# and show its console.  Runs mvm directly when this machine has hardware
# virtualization, otherwise inside the lab (lab/lab), where it has a real
# /dev/kvm.  MVM_TEST_MODE=direct|lab|auto overrides the choice.
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
echo "demo: fetching Debian's cloud kernel (cached in $build/cache)..."
kdir=$("$top/lab/fetch-kernel.sh" linux-image-6.12-cloud-amd64 "$build/cache")
kernel=$(ls "$kdir"/boot/vmlinuz-* | head -n 1)
initrd=$build/demo/initrd.gz
mkdir -p "$build/demo"
"$top/tests/integration/make-initrd.sh" "$initrd" >/dev/null

cmd=("$mvm" --kernel "$kernel" --initrd "$initrd" --cpus 2 --mem 512
	--cmdline "console=ttyS0 pci=off panic=-1 mvmtest=demo")
echo "demo: kernel $(basename "$kernel")"
echo "demo: running: ${cmd[*]}"
rc=0
if [[ $mode == direct ]]; then
	"${cmd[@]}" || rc=$?
else
	echo "demo: no hardware virtualization here: booting the lab host first (about 15-30 s)"
	MVM_LAB_KERNEL_DIR=$kdir "$top/lab/lab" run --bin "$mvm" --file "$kernel" --file "$initrd" \
		-- "${cmd[@]}" || rc=$?
fi
echo "demo: mvm exited with status $rc ($([[ $rc == 0 ]] && echo "the guest powered off" || echo "see docs/mvm.md"))"
exit "$rc"
