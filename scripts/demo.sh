#!/usr/bin/env bash
# The main job: run the demo payload in a Microdroid VM and use it from the
# host.  Builds the Microdroid image (image/build.sh), then runs
# build/host/demo/microdroid-demo, which (through libvmclient) starts
# virtmgr, runs payloads/demo's package in a VM, waits until the payload is
# ready, calls the binder service it serves on vsock (an Ed25519 key made
# inside the VM signs and hashes what the host sends; the host checks the
# signature), stops the VM and checks that virtmgr cleaned up.  Runs
# directly when this machine has hardware virtualization, otherwise inside
# the lab (lab/lab), where it has a real /dev/kvm.  MVM_TEST_MODE=direct|
# lab|auto overrides the choice.
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
virtmgr=$build/host/virtmgr/virtmgr
demo=$build/host/demo/microdroid-demo
for b in "$mvm" "$virtmgr" "$demo"; do
	[[ -x $b ]] || { echo "demo: $b is not built (run make)" >&2; exit 1; }
done
[[ -f $build/payloads/demo.pkg ]] || { echo "demo: $build/payloads/demo.pkg is not built (run make)" >&2; exit 1; }
echo "demo: building the Microdroid image (Debian's kernel is cached in $build/cache)..."
"$top/image/build.sh" "$build" | sed 's/^/demo: /'

echo "demo: running $demo"
rc=0
if [[ $mode == direct ]]; then
	"$demo" || rc=$?
else
	kdir=$("$top/lab/fetch-kernel.sh" linux-image-6.12-cloud-amd64 "$build/cache")
	echo "demo: no hardware virtualization here: booting the lab host first (about 15-30 s)"
	MVM_LAB_KERNEL_DIR=$kdir "$top/lab/lab" run --bin "$mvm" --bin "$virtmgr" --bin "$demo" \
		--dir "$build/image" --dir "$build/payloads" -- "$demo" || rc=$?
fi
if [[ $rc == 0 ]]; then
	echo "demo: done: the payload served the host through binder from its own VM"
else
	echo "demo: failed with status $rc (the lines above say why)"
fi
exit "$rc"
