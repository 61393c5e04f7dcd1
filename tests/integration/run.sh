#!/bin/bash
# run.sh [BUILD_DIR]
#
# Host-side entry point of the integration tests (`make integration`).
# Fetches the guest kernel (Debian's cloud kernel, shared with the lab's),
# builds the test initramfs, extracts the PVH ELF vmlinux, then runs
# tests/integration/suite.sh against BUILD_DIR/vmm/mvm:
#   - directly, when this machine has hardware virtualization (vmx or svm in
#     /proc/cpuinfo) and a usable /dev/kvm;
#   - otherwise in ONE lab boot (lab/lab run), where a nested, hardware-model
#     KVM is available.
# Prints the cases as TAP-like lines and ends with
#   integration: N passed, N failed
# Exits non-zero if a case failed or the lab itself failed.
#
# Environment:
#   MVM_TEST_MODE      lab | direct | auto (default: auto, as described above)
#   MVM_TEST_TIMEOUT   seconds per case (default 120)
#   MVM_TEST_CASES     extended regex: run only the cases whose name matches
#   MVM_GUEST_KERNEL_META  Debian kernel meta-package for the guest kernel
#                      (default linux-image-6.12-cloud-amd64)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=${1:-$repo/build}
mkdir -p "$build"
build=$(cd "$build" && pwd)
export MVM_BUILD_DIR=$build
work=$build/integration
mkdir -p "$work"
meta=${MVM_GUEST_KERNEL_META:-linux-image-6.12-cloud-amd64}
mode=${MVM_TEST_MODE:-auto}
case_timeout=${MVM_TEST_TIMEOUT:-120}

# A failure before any case could run: report it as one failed test.
setup_failed() {
    echo "not ok - setup: $*"
    echo "integration: 0 passed, 1 failed"
    exit 1
}

# shellcheck source=SCRIPTDIR/../../lab/mode.sh
. "$repo/lab/mode.sh"
mode=$(lab_mode_resolve "$mode" 2>/dev/null) || setup_failed "MVM_TEST_MODE must be lab, direct or auto, not '${MVM_TEST_MODE:-}'"

mvm=$build/vmm/mvm
[[ -x $mvm ]] || setup_failed "$mvm is not built (run make)"

kdir=$("$repo/lab/fetch-kernel.sh" "$meta" "$build/cache") ||
    setup_failed "cannot fetch the guest kernel $meta (lab/fetch-kernel.sh)"
kernel=
for f in "$kdir"/boot/vmlinuz-*; do
    if [[ -f $f ]]; then kernel=$f; fi
done
[[ -n $kernel ]] || setup_failed "no boot/vmlinuz-* in $kdir"

# The test guest's initramfs, with the modules the virtio cases need from
# the same kernel package (Debian builds these drivers as modules).
initrd=$work/initrd.gz
vtool=$build/tests/integration/vsock-tool
guest_bins=()
if [[ -x $vtool ]]; then guest_bins=(--bin "$vtool"); else vtool=; fi
btool=$build/tests/integration/binder-vsock
if [[ -x $btool ]]; then guest_bins+=(--bin "$btool"); else btool=; fi
dtool=$build/tests/integration/demo-vsock
if [[ -x $dtool ]]; then guest_bins+=(--bin "$dtool"); else dtool=; fi
"$here/make-initrd.sh" "$initrd" --modules "$kdir" virtio_mmio virtio-rng virtio_blk \
    vmw_vsock_virtio_transport "${guest_bins[@]}" ||
    setup_failed "make-initrd.sh failed"

# The Microdroid test images: Debian's full kernel (image/build.sh's
# default), the image's own init.rc, and a test program and its .rc of
# tests/integration/microdroid/.  One image per .rc, so that each .rc
# alone decides when its VM shuts down.  Without an image its cases fail
# with the reason; the others still run.
#
# md_image NAME PROGRAM RC: build $work/NAME with PROGRAM in /system/bin
# and RC in /system/etc/init; print the directory, or nothing on failure.
md_image() {
    local dir=$work/$1 prog=$build/tests/integration/$2 rc=$here/microdroid/$3
    if [[ ! -x $prog ]]; then
        echo "# $prog is not built: the cases of $3 will fail" >&2
    elif ! "$repo/image/build.sh" "$build" --out "$dir" \
        --add "$prog=system/bin/$2" \
        --add "$rc=system/etc/init/$3" >"$work/$1-build.log" 2>&1; then
        echo "# image/build.sh failed (below): the cases of $3 will fail" >&2
        cat "$work/$1-build.log" >&2
    else
        echo "$dir"
    fi
}
md=$(md_image microdroid md-hello test.rc)
mdb=$(md_image microdroid-binder binder-test binder-test.rc)
# The plain image, for the payload cases: microdroid_manager runs the test
# packages of tests/integration/payloads/ with fake-vms as the host.
mdp=$work/microdroid-payload
if ! "$repo/image/build.sh" "$build" --out "$mdp" >"$work/microdroid-payload-build.log" 2>&1; then
    echo "# image/build.sh failed (below): the payload cases will fail" >&2
    cat "$work/microdroid-payload-build.log" >&2
    mdp=
fi
fakevms=$build/tests/integration/fake-vms
[[ -x $fakevms ]] || fakevms=
pkgs=$build/tests/integration/payloads
[[ -d $pkgs ]] || pkgs=
# The vm-* cases: vm (which finds virtmgr and mvm through the build tree),
# the demo program and the bundled payloads.
vmtool=$build/host/vm/vm
virtmgr=$build/host/virtmgr/virtmgr
demo=$build/host/demo/microdroid-demo
payloads=$build/payloads
[[ -x $vmtool && -x $virtmgr ]] || vmtool=
[[ -x $demo ]] || demo=
[[ -d $payloads ]] || payloads=

# PVH ELF vmlinux, re-extracted only when the kernel or the extractor changed.
# Without it the PVH cases fail with the reason; the others still run.
elf=$work/vmlinux-${kernel##*/vmlinuz-}.elf
extract=$here/extract-vmlinux.sh
if [[ ! -f $extract ]]; then
    echo "# $extract is missing: the PVH cases will fail" >&2
    elf=
elif [[ ! -s $elf || $elf -ot $kernel || $elf -ot $extract ]]; then
    if sh "$extract" "$kernel" "$elf.tmp"; then
        mv -f "$elf.tmp" "$elf"
    else
        rm -f "$elf.tmp"
        echo "# extract-vmlinux.sh failed on $kernel: the PVH cases will fail" >&2
        elf=
    fi
fi

log=$work/results.txt
rc=0
case $mode in
    direct)
        echo "# integration: running directly on this machine's KVM"
        MVM_TEST_TIMEOUT=$case_timeout MVM_VSOCK_TOOL=$vtool MVM_MICRODROID=$md MVM_BINDER_TOOL=$btool \
            MVM_DEMO_TOOL=$dtool \
            MVM_MICRODROID_BINDER=$mdb MVM_MICRODROID_PAYLOAD=$mdp MVM_FAKE_VMS=$fakevms \
            MVM_TEST_PAYLOADS=$pkgs MVM_VM_TOOL=$vmtool MVM_DEMO=$demo MVM_PAYLOAD_DIR=$payloads \
            bash "$here/suite.sh" "$mvm" "$kernel" "$elf" "$initrd" 2>&1 |
            tee "$log" || rc=$?
        ;;
    lab)
        echo "# integration: no hardware virtualization here; running the suite in the lab (lab/lab)"
        labargs=(--bin "$mvm" --bin bash --bin timeout --file "$kernel" --file "$initrd" --dir "$here"
            --env "MVM_TEST_TIMEOUT=$case_timeout" --env MVM_LAB_RETRY_TCG=1)
        if [[ -n $vtool ]]; then labargs+=(--bin "$vtool" --env "MVM_VSOCK_TOOL=$vtool"); fi
        if [[ -n $btool ]]; then labargs+=(--bin "$btool" --env "MVM_BINDER_TOOL=$btool"); fi
        if [[ -n $dtool ]]; then labargs+=(--bin "$dtool" --env "MVM_DEMO_TOOL=$dtool"); fi
        if [[ -n $elf ]]; then labargs+=(--file "$elf"); fi
        if [[ -n $md ]]; then labargs+=(--dir "$md" --env "MVM_MICRODROID=$md"); fi
        if [[ -n $mdb ]]; then labargs+=(--dir "$mdb" --env "MVM_MICRODROID_BINDER=$mdb"); fi
        if [[ -n $mdp ]]; then labargs+=(--dir "$mdp" --env "MVM_MICRODROID_PAYLOAD=$mdp"); fi
        if [[ -n $fakevms ]]; then labargs+=(--bin "$fakevms" --env "MVM_FAKE_VMS=$fakevms"); fi
        if [[ -n $pkgs ]]; then labargs+=(--dir "$pkgs" --env "MVM_TEST_PAYLOADS=$pkgs"); fi
        if [[ -n $vmtool ]]; then labargs+=(--bin "$vmtool" --bin "$virtmgr" --env "MVM_VM_TOOL=$vmtool"); fi
        if [[ -n $demo ]]; then labargs+=(--bin "$demo" --env "MVM_DEMO=$demo"); fi
        if [[ -n $payloads ]]; then labargs+=(--dir "$payloads" --env "MVM_PAYLOAD_DIR=$payloads"); fi
        # Enough for every case to reach its own timeout, plus the lab's boot.
        labargs+=(--timeout $((44 * (case_timeout + 10) + 120)))
        # The lab host itself sometimes dies under QEMU's emulation (see
        # docs/lab.md).  Then the cases that had not reported run again in a
        # fresh lab, at most twice; a case that reported is never rerun.
        cases=${MVM_TEST_CASES:-}
        : >"$log"
        for attempt in 1 2 3; do
            rc=0
            MVM_LAB_KERNEL_DIR=$kdir "$repo/lab/lab" run -v "${labargs[@]}" \
                ${cases:+--env "MVM_TEST_CASES=$cases"} -- \
                bash "$here/suite.sh" "$mvm" "$kernel" "$elf" "$initrd" 2>&1 | tee -a "$log" || rc=$?
            [[ $rc -eq 125 && $attempt -lt 3 ]] || break
            mapfile -t todo < <(comm -23 \
                <(MVM_TEST_CASES=${MVM_TEST_CASES:-} bash "$here/suite.sh" --list | sort) \
                <(sed -n 's/^\(not \)\{0,1\}ok [0-9]* - \([^ :]*\).*/\2/p' "$log" | sort))
            [[ ${#todo[@]} -gt 0 ]] || break
            cases="^($(IFS='|'; echo "${todo[*]}"))\$"
            echo "# the lab host died (above); running the ${#todo[@]} cases that did not report in a fresh lab: ${todo[*]}" |
                tee -a "$log"
        done
        ;;
    *)
        setup_failed "unknown test mode '$mode'"
        ;;
esac

passed=$(grep -c '^ok ' "$log" || true)
failed=$(grep -c '^not ok ' "$log" || true)
if [[ $mode == lab && $rc -eq 125 ]]; then
    echo "not ok - lab: the lab failed (see the error above)"
    failed=$((failed + 1))
elif [[ $rc -ne 0 && $failed -eq 0 ]]; then
    echo "not ok - suite: suite.sh exited with status $rc"
    failed=$((failed + 1))
elif [[ $((passed + failed)) -eq 0 ]]; then
    echo "not ok - suite: no case ran"
    failed=1
fi
echo "integration: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
