#!/bin/bash
# suite.sh MVM KERNEL VMLINUX_ELF INITRD
#
# The integration cases: boot real Linux guests under mvm and check what they
# print on the console and how mvm exits. Needs a working (hardware-model)
# /dev/kvm: tests/integration/run.sh runs this directly or inside the lab.
#
#   MVM          the mvm binary
#   KERNEL       a bzImage (Debian's cloud kernel)
#   VMLINUX_ELF  the same kernel as an ELF vmlinux with a PVH entry ("" if
#                it could not be made: the PVH cases then fail)
#   INITRD       the test initramfs (make-initrd.sh; /init is guest/init)
#
# Prints one TAP-like line per case, "ok N - name (T s)" or
# "not ok N - name: reason" followed by the last console lines as "#"
# comments, then the plan "1..N". Exits 1 if any case failed.
#
# Environment:
#   MVM_TEST_TIMEOUT   seconds per case (default 120)
#   MVM_TEST_CASES     extended regex: run only the cases whose name matches
#   MVM_LAB_RETRY_TCG  set by run.sh in the lab: a case whose guest died of
#                      "Oops: int3" or a triple fault (TCG's code-patching
#                      race, docs/lab.md) runs again once
#   MVM_VSOCK_TOOL     the host build of tests/integration/vsock-tool.c
#                      (the initramfs holds the guest's copy)
#   MVM_BINDER_TOOL    the build of tests/integration/binder-vsock.c (the
#                      initramfs holds the guest's copy)
#   MVM_DEMO_TOOL      the build of tests/integration/demo-vsock.c (the
#                      initramfs holds the guest's copy)
#   MVM_MICRODROID     a Microdroid test image (image/build.sh --out DIR
#                      with tests/integration/microdroid/: kernel,
#                      initramfs.img, system.img, cmdline); the microdroid
#                      cases fail without it
#   MVM_MICRODROID_BINDER  the same with binder-test and its .rc
#                      (tests/integration/microdroid/binder-test.rc), for
#                      the microdroid-binder case
#   MVM_MICRODROID_PAYLOAD  the plain Microdroid image (image/build.sh), for
#                      the payload cases
#   MVM_FAKE_VMS       the build of tests/integration/fake-vms.c, the host
#                      side of the payload cases
#   MVM_TEST_PAYLOADS  the directory of the test packages
#                      (tests/integration/payloads/meson.build)
set -euo pipefail

# suite.sh --list prints the names of the cases MVM_TEST_CASES selects, in order.
list_only=0
if [[ ${1:-} == --list ]]; then
    list_only=1
    set -- - - - -
fi
if [[ $# -ne 4 ]]; then
    echo "usage: suite.sh MVM KERNEL VMLINUX_ELF INITRD | suite.sh --list" >&2
    exit 2
fi
mvm=$1 kernel=$2 elf=$3 initrd=$4
vtool=${MVM_VSOCK_TOOL:-}
md=${MVM_MICRODROID:-}
btool=${MVM_BINDER_TOOL:-}
dtool=${MVM_DEMO_TOOL:-}
mdb=${MVM_MICRODROID_BINDER:-}
mdp=${MVM_MICRODROID_PAYLOAD:-}
fakevms=${MVM_FAKE_VMS:-}
pkgs=${MVM_TEST_PAYLOADS:-}
case_timeout=${MVM_TEST_TIMEOUT:-120}
only=${MVM_TEST_CASES:-}
# quiet keeps serial traffic low: every byte is a VM exit, which is costly
# in the nested lab. pci=off: mvm has no PCI bus.
cmdline_base="console=ttyS0 panic=-1 pci=off quiet"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mvm-integration.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

num=0 passed=0 failed=0
name='' out='' err='' rc=0 secs=0 problems=()

# run_mvm ARGS... : run mvm for the current case with a timeout; sets rc,
# secs, and the files $out (guest console = mvm's stdout) and $err.
run_mvm() {
    out=$tmp/$name.console
    err=$tmp/$name.stderr
    local t0=$EPOCHREALTIME
    rc=0
    # On timeout, SIGQUIT first: mvm prints every vCPU's registers (where
    # the guest hung) and goes on; 5 s later it is killed.
    timeout -s QUIT -k 5 "$case_timeout" "$mvm" "$@" </dev/null >"$out" 2>"$err" || rc=$?
    secs=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
}

# start_mvm ARGS... : like run_mvm, in the background (its pid in $bg_pid),
# for cases where the host acts while the guest runs; finish_mvm waits for
# it and sets rc and secs.
bg_pid='' bg_t0=''
start_mvm() {
    out=$tmp/$name.console
    err=$tmp/$name.stderr
    : >"$out"
    : >"$err"
    bg_t0=$EPOCHREALTIME
    timeout -s QUIT -k 5 "$case_timeout" "$mvm" "$@" </dev/null >"$out" 2>"$err" &
    bg_pid=$!
}

finish_mvm() {
    rc=0
    wait "$bg_pid" || rc=$?
    bg_pid=''
    secs=$(awk -v a="$bg_t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
}

# wait_line LINE SECONDS: wait until the guest console shows LINE; false if
# it did not within SECONDS or mvm ended first.
wait_line() {
    local deadline=$((SECONDS + $2))
    while ((SECONDS < deadline)); do
        if tr -d '\r' <"$out" | grep -qxF -- "$1"; then return 0; fi
        kill -0 "$bg_pid" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# Console lines without the guest's \r.
console() { tr -d '\r' <"$out"; }

problem() { problems+=("$*"); }

expect_rc() {
    local want=$1 what=$2
    if [[ $rc -eq 124 || $rc -eq 137 ]]; then
        problem "timed out after ${case_timeout}s (expected $what)"
    elif [[ $rc -ne $want ]]; then
        problem "mvm exited $rc, expected $want ($what)"
    fi
}

expect_line() {
    console | grep -qxF -- "$1" || problem "no console line '$1'"
}

expect_no_line() {
    if console | grep -qxF -- "$1"; then problem "console line '$1'"; fi
}

# Like expect_line and expect_no_line, for a line that matches extended
# regex $1 anywhere.
expect_match() {
    console | grep -qE -- "$1" || problem "no console line matching '$1'"
}

expect_no_match() {
    if console | grep -qE -- "$1"; then problem "a console line matches '$1'"; fi
}

# expect_boot N: the guest reached /init and saw N CPUs.
expect_boot() {
    expect_line MVM-GUEST-INIT-OK
    local cpus
    cpus=$(console | sed -n 's/^MVM-GUEST-CPUS=//p' | head -n1)
    if [[ -z $cpus ]]; then
        problem "no MVM-GUEST-CPUS line"
    elif [[ $cpus != "$1" ]]; then
        problem "guest saw $cpus CPUs, expected $1"
    fi
}

# expect_kernel_error: mvm refused the kernel image before starting a guest.
expect_kernel_error() {
    expect_rc 1 "mvm error"
    if [[ ! -s $err ]]; then
        problem "nothing on stderr"
    else
        grep -q '^mvm: ' "$err" || problem "stderr has no line starting with 'mvm: '"
        grep -qi 'kernel' "$err" || problem "stderr does not mention the kernel"
    fi
    if [[ -s $out ]]; then problem "guest console output ($(wc -c <"$out") bytes)"; fi
}

# Run case function $2 as case $1 and report it.
t() {
    name=$1
    if [[ -n $only ]] && ! [[ $name =~ $only ]]; then return 0; fi
    if [[ $list_only == 1 ]]; then
        echo "$name"
        return 0
    fi
    num=$((num + 1))
    problems=()
    out=/dev/null err=/dev/null rc=0 secs=0
    "$2"
    # In the lab, QEMU's TCG sometimes runs a guest kernel's half-patched
    # code (docs/lab.md): the guest dies with "Oops: int3" or, more rarely,
    # a triple fault.  That is the emulation, not mvm, so such a case runs
    # once more, and says so.  On real hardware the same death would be a
    # bug: no second chance there.
    local flake=
    if [[ ${#problems[@]} -gt 0 && -n ${MVM_LAB_RETRY_TCG:-} ]]; then
        if [[ -s $out ]] && console | grep -q 'Oops: int3'; then
            flake="the guest kernel hit int3 in code being patched"
        elif printf '%s\n' "${problems[@]}" | grep -q 'guest triple fault' ||
            { [[ -s $err ]] && grep -q 'guest triple fault' "$err"; }; then
            flake="a guest triple-faulted"
        fi
    fi
    if [[ -n $flake ]]; then
        echo "# $name: $flake (a known TCG flake, docs/lab.md); its problems were: $(printf '%s; ' "${problems[@]}")"
        echo "# $name: running it again"
        problems=()
        out=/dev/null err=/dev/null rc=0 secs=0
        "$2"
    fi
    if [[ ${#problems[@]} -eq 0 ]]; then
        passed=$((passed + 1))
        echo "ok $num - $name (${secs} s)"
    else
        failed=$((failed + 1))
        local reasons
        printf -v reasons '%s; ' "${problems[@]}"
        echo "not ok $num - $name: ${reasons%; } (exit $rc, ${secs} s)"
        if [[ -s $err ]]; then
            echo "#   mvm stderr:"
            tail -n 60 "$err" | sed 's/^/#     /'
        fi
        if [[ -s $out ]]; then
            echo "#   last console lines:"
            console | tail -n 30 | sed 's/^/#     /'
        elif [[ $out != /dev/null ]]; then
            echo "#   (no console output)"
        fi
    fi
}

need_elf() {
    if [[ -z $elf || ! -f $elf ]]; then
        problem "no PVH ELF vmlinux (${elf:-not extracted}; see tests/integration/extract-vmlinux.sh)"
        return 1
    fi
}

# --- cases ---------------------------------------------------------------------

case_bzimage_1cpu() {
    # No mvmtest= word: the guest's default action is to power off.
    run_mvm --kernel "$kernel" --initrd "$initrd" --cmdline "$cmdline_base" --cpus 1
    expect_rc 0 "guest powered off"
    expect_boot 1
}

case_bzimage_2cpu() {
    run_mvm --kernel "$kernel" --initrd "$initrd" --cmdline "$cmdline_base mvmtest=poweroff" --cpus 2
    expect_rc 0 "guest powered off"
    expect_boot 2
}

case_pvh_1cpu() {
    need_elf || return 0
    run_mvm --kernel "$elf" --initrd "$initrd" --cmdline "$cmdline_base mvmtest=poweroff" --cpus 1
    expect_rc 0 "guest powered off"
    expect_boot 1
}

case_pvh_2cpu() {
    need_elf || return 0
    run_mvm --kernel "$elf" --initrd "$initrd" --cmdline "$cmdline_base mvmtest=poweroff" --cpus 2
    expect_rc 0 "guest powered off"
    expect_boot 2
}

case_poweroff() {
    run_mvm --kernel "$kernel" --initrd "$initrd" --cmdline "$cmdline_base mvmtest=poweroff"
    expect_rc 0 "guest powered off"
    expect_line MVM-GUEST-INIT-OK
    expect_line MVM-GUEST-ACTION=poweroff
}

case_panic() {
    run_mvm --kernel "$kernel" --initrd "$initrd" --cmdline "$cmdline_base mvmtest=panic"
    expect_rc 3 "guest reset after panic"
    expect_line MVM-GUEST-INIT-OK
    expect_line MVM-GUEST-ACTION=panic
    expect_no_line MVM-GUEST-PANIC-FAILED
}

case_reboot() {
    run_mvm --kernel "$kernel" --initrd "$initrd" --cmdline "$cmdline_base mvmtest=reboot"
    expect_rc 3 "guest reset"
    expect_line MVM-GUEST-INIT-OK
    expect_line MVM-GUEST-ACTION=reboot
}

case_reboot_kbd() {
    # reboot=k: straight to the i8042 reset line, whatever the ACPI tables
    # make the kernel choose by default.
    run_mvm --kernel "$kernel" --initrd "$initrd" --cmdline "$cmdline_base mvmtest=reboot reboot=k"
    expect_rc 3 "guest reset"
    expect_line MVM-GUEST-INIT-OK
    expect_line MVM-GUEST-ACTION=reboot
}

case_reboot_bios() {
    # reboot=b: a real-mode jump to the reset vector f000:fff0, where mvm's
    # reset stub pulses the i8042 reset line (mvm has no BIOS).
    run_mvm --kernel "$kernel" --initrd "$initrd" --cmdline "$cmdline_base mvmtest=reboot reboot=b"
    expect_rc 3 "guest reset"
    expect_line MVM-GUEST-INIT-OK
    expect_line MVM-GUEST-ACTION=reboot
}

case_rng() {
    run_mvm --kernel "$kernel" --initrd "$initrd" --rng --cmdline "$cmdline_base mvmtest=rng"
    expect_rc 0 "guest powered off"
    expect_line MVM-RNG-CURRENT=virtio_rng.0
    expect_line MVM-RNG-BYTES=4096
    local distinct
    distinct=$(console | sed -n 's/^MVM-RNG-DISTINCT=//p')
    # 4 KiB of random bytes show all (or nearly all) 256 values.
    if [[ -z $distinct ]] || ((distinct < 240)); then
        problem "only ${distinct:-no} distinct byte values in 4 KiB from /dev/hwrng"
    fi
}

# The value of KEY=VALUE in the first console line that starts with PREFIX.
console_field() { # PREFIX KEY
    console | grep -m1 -- "^$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n1
}

case_rng_exits() {
    # The same, without irqfd and ioeventfd: kicks as MMIO exits,
    # interrupts through KVM_IRQ_LINE.
    MVM_VIRTIO_EXITS=1 run_mvm --kernel "$kernel" --initrd "$initrd" --rng \
        --cmdline "$cmdline_base mvmtest=rng"
    expect_rc 0 "guest powered off"
    expect_line MVM-RNG-CURRENT=virtio_rng.0
    expect_line MVM-RNG-BYTES=4096
}

case_blk() {
    local data=$tmp/data.img ro=$tmp/ro.img ro_before host_md5 pattern readback
    dd if=/dev/zero of="$data" bs=1M count=16 2>/dev/null
    dd if=/dev/urandom of="$ro" bs=1M count=1 2>/dev/null
    ro_before=$(md5sum <"$ro" | cut -d' ' -f1)
    run_mvm --kernel "$kernel" --initrd "$initrd" --disk "$data,id=data" --disk "$ro,ro,id=ro" \
        --cmdline "$cmdline_base mvmtest=blk"
    expect_rc 0 "guest powered off"
    expect_line "MVM-BLK-DISK id=data sectors=32768 ro=0"
    expect_line "MVM-BLK-DISK id=ro sectors=2048 ro=1"
    expect_line MVM-BLK-WRITE=ok
    pattern=$(console | sed -n 's/^MVM-BLK-PATTERN-MD5=//p')
    readback=$(console | sed -n 's/^MVM-BLK-READBACK-MD5=//p')
    host_md5=$(head -c 4194304 "$data" | md5sum | cut -d' ' -f1)
    [[ -n $pattern ]] || problem "no MVM-BLK-PATTERN-MD5 line"
    [[ $readback == "$pattern" ]] || problem "guest read back $readback, wrote $pattern"
    [[ $host_md5 == "$pattern" ]] || problem "the host image holds $host_md5 after the flush, the guest wrote $pattern"
    console | grep -q '^MVM-BLK-RO-WRITE=refused' || problem "a write to the read-only disk did not fail in the guest"
    [[ $(md5sum <"$ro" | cut -d' ' -f1) == "$ro_before" ]] || problem "the read-only image changed"
    rm -f "$data" "$ro"
}

case_console_port() {
    local log=$tmp/log-port.txt
    run_mvm --kernel "$kernel" --initrd "$initrd" --console-port "1=$log,name=log" \
        --cmdline "$cmdline_base mvmtest=console-port"
    expect_rc 0 "guest powered off"
    expect_line MVM-CONSOLE-PORT-WRITE=ok
    if [[ ! -f $log ]]; then
        problem "no port file $log"
    elif ! tr -d '\r' <"$log" | grep -qxF "MVM-LOG-PORT-LINE hello from the guest"; then
        problem "the port file does not hold the guest's line ($(wc -c <"$log") bytes)"
    fi
}

case_hvc0() {
    # The guest's console is virtio-console port 0 instead of the UART.
    run_mvm --kernel "$kernel" --initrd "$initrd" --console-port 0=- \
        --cmdline "console=hvc0 panic=-1 pci=off quiet mvmtest=poweroff"
    expect_rc 0 "guest powered off"
    expect_boot 1
}

# expect_input CONSOLE_ARGS...: a line on mvm's stdin reaches the guest's
# console.  The line is sent every half second until mvm ends: a UART
# driver clears its FIFO when it starts, so an early line may be lost.
expect_input() {
    out=$tmp/$name.console
    err=$tmp/$name.stderr
    local t0=$EPOCHREALTIME
    local st
    set +e
    (while :; do echo mvm-input-line; sleep 0.5; done) |
        timeout -s QUIT -k 5 "$case_timeout" "$mvm" "$@" >"$out" 2>"$err"
    st=("${PIPESTATUS[@]}")
    set -e
    rc=${st[1]} # mvm's; the writer ends with SIGPIPE once mvm is gone
    secs=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
    expect_rc 0 "guest powered off"
    expect_line MVM-GUEST-INPUT=mvm-input-line
}

case_input_uart() {
    expect_input --kernel "$kernel" --initrd "$initrd" --cmdline "$cmdline_base mvmtest=input"
}

case_input_hvc0() {
    # Port 0 is the console: the terminal's input goes there, not to ttyS0.
    expect_input --kernel "$kernel" --initrd "$initrd" --console-port 0=- \
        --cmdline "console=hvc0 panic=-1 pci=off quiet mvmtest=input"
}

case_vsock() {
    local uds=$tmp/vsock.sock srv v
    if [[ -z $vtool || ! -x $vtool ]]; then
        problem "no vsock-tool (${vtool:-not given})"
        return 0
    fi
    # The host's echo server for the guest's connections to port 6000.
    "$vtool" serve unix "${uds}_6000" >"$tmp/host-serve.log" 2>&1 &
    srv=$!
    start_mvm --kernel "$kernel" --initrd "$initrd" --cid 3 --vsock-uds "$uds" \
        --cmdline "$cmdline_base mvmtest=vsock"
    if wait_line MVM-VSOCK-SERVING 90; then
        "$vtool" echo "uds:$uds:5000" 8388608 >"$tmp/h2g-echo.log" 2>&1 ||
            problem "host->guest echo of 8 MiB failed: $(tail -n 2 "$tmp/h2g-echo.log" | tr '\n' ' ')"
        "$vtool" churn "uds:$uds:5000" 200 >"$tmp/h2g-churn.log" 2>&1 ||
            problem "host->guest churn of 200 connections failed: $(tail -n 2 "$tmp/h2g-churn.log" | tr '\n' ' ')"
        "$vtool" refused "uds:$uds:5001" >"$tmp/h2g-refused.log" 2>&1 ||
            problem "host->guest connection to a port nobody serves was not refused cleanly: $(tail -n 2 "$tmp/h2g-refused.log" | tr '\n' ' ')"
    else
        problem "the guest never served (no MVM-VSOCK-SERVING line)"
        kill -TERM "$bg_pid" 2>/dev/null
    fi
    finish_mvm
    kill "$srv" 2>/dev/null || true
    wait "$srv" 2>/dev/null || true # status 143: we killed it
    expect_rc 0 "guest powered off"
    v=$(console_field "MVM-VSOCK-G2H-ECHO" BYTES)
    [[ $v == 8388608 ]] || problem "guest->host echo: BYTES=${v:-none}, want 8388608"
    v=$(console_field "MVM-VSOCK-G2H-CHURN" OK)
    [[ $v == 200 ]] || problem "guest->host churn: OK=${v:-none}, want 200"
    expect_line MVM-VSOCK-G2H-REFUSED=ok
    expect_line MVM-VSOCK-SERVE-DONE
}

# guest_service ACTION SERVING_LINE DONE_PORT CLIENT: boot the test guest
# with mvmtest=ACTION, a vsock device (CID 3) and its Unix socket $tmp/vsock.sock;
# once the console shows SERVING_LINE run "CLIENT UDS" on the host, then
# connect to guest port DONE_PORT, which tells the guest to power off.
guest_service() {
    local action=$1 serving=$2 done_port=$3 client=$4 uds=$tmp/vsock.sock
    start_mvm --kernel "$kernel" --initrd "$initrd" --cid 3 --vsock-uds "$uds" \
        --cmdline "$cmdline_base mvmtest=$action"
    if wait_line "$serving" 90; then
        "$client" "$uds"
        "$vtool" echo "uds:$uds:$done_port" 16 >/dev/null 2>&1 || problem "could not tell the guest we are done"
    else
        problem "the guest never served (no '$serving' line)"
        kill -TERM "$bg_pid" 2>/dev/null
    fi
    finish_mvm
    expect_rc 0 "guest powered off"
}

# RPC Binder from a host client to a guest service, through mvm's vsock
# device and its CONNECT protocol, with a call back from the guest on a
# binder the host sent (tests/integration/binder-vsock.c).
binder_rpc_client() {
    "$btool" client "$1" 5000 >"$tmp/binder-client.log" 2>&1 ||
        problem "host client: $(grep -h FAIL "$tmp/binder-client.log" | head -n 1)"
    grep -q 'PASS guest -> host call' "$tmp/binder-client.log" ||
        problem "the host client did not finish: $(tail -n 2 "$tmp/binder-client.log" | tr '\n' ' ')"
}

case_binder_rpc_vsock() {
    if [[ -z $btool || ! -x $btool || -z $vtool || ! -x $vtool ]]; then
        problem "no binder-vsock or vsock-tool (${btool:-not given}, ${vtool:-not given})"
        return 0
    fi
    guest_service binderrpc 'binder-vsock: serving microdroid.test.IEcho on vsock port 5000' 5001 \
        binder_rpc_client
    expect_line MVM-BINDER-RPC-DONE
}

# The demo payload's service (payloads/demo) served in the guest with
# libvm_payload's AVmPayload_runVsockRpcServer, called from the host through
# mvm's vsock device with payloads/demo/demo_client.c: the public key the
# guest printed, a signature made in the guest verified on the host,
# SHA-256, the size limit (tests/integration/demo-vsock.c).
demo_client() {
    local pub
    pub=$(console | sed -n 's/^demo-vsock: public key \([0-9a-f]\{64\}\)$/\1/p' | head -n 1)
    "$dtool" client "$1" "${pub:-none}" >"$tmp/demo-client.log" 2>&1 ||
        problem "host client: $(grep -h FAIL "$tmp/demo-client.log" | head -n 1)"
    grep -q 'PASS limits' "$tmp/demo-client.log" ||
        problem "the host client did not finish: $(tail -n 2 "$tmp/demo-client.log" | tr '\n' ' ')"
}

case_demo_vsock() {
    if [[ -z $dtool || ! -x $dtool || -z $vtool || ! -x $vtool ]]; then
        problem "no demo-vsock or vsock-tool (${dtool:-not given}, ${vtool:-not given})"
        return 0
    fi
    guest_service demovsock 'demo-vsock: serving com.microdroid.demo.IDemoService on vsock port 5100' \
        5101 demo_client
    expect_line MVM-DEMO-VSOCK-DONE
}

case_corrupt_random() {
    local bad=$tmp/random.img
    head -c 1048576 /dev/urandom >"$bad"
    run_mvm --kernel "$bad" --initrd "$initrd" --cmdline "$cmdline_base"
    expect_kernel_error
}

case_corrupt_truncated() {
    local bad=$tmp/truncated.bzImage size
    size=$(wc -c <"$kernel")
    head -c $((size / 2)) "$kernel" >"$bad"
    run_mvm --kernel "$bad" --initrd "$initrd" --cmdline "$cmdline_base"
    expect_kernel_error
}

case_corrupt_empty() {
    local bad=$tmp/empty.img
    : >"$bad"
    run_mvm --kernel "$bad" --initrd "$initrd" --cmdline "$cmdline_base"
    expect_kernel_error
}

# ---- Microdroid -----------------------------------------------------------------

need_microdroid() {
    if [[ -z $md || ! -f $md/system.img || ! -f $md/cmdline ]]; then
        problem "no Microdroid test image (MVM_MICRODROID=$md)"
        return 1
    fi
}

# run_microdroid SYSTEM_IMG EXTRA_CMDLINE : boot the test image with 1 vCPU
# and 256 MiB (Microdroid's default), the system disk read-only by id.
# These images run no payload: microdroid_manager stands aside.
run_microdroid() {
    run_mvm --kernel "$md/kernel" --initrd "$md/initramfs.img" --mem 256 --cpus 1 \
        --disk "$1,ro,id=system" --cmdline "$(cat "$md/cmdline") androidboot.microdroid_manager=off $2"
}

# The image boots to sys.boot_completed=1, the test service of test.rc runs
# as user shell with its output on the console, and its setprop
# sys.powerctl shutdown powers the VM off: mvm exits 0.
case_md_boot() {
    need_microdroid || return 0
    local token=tok$RANDOM$RANDOM
    run_microdroid "$md/system.img" "androidboot.mdtest=$token"
    expect_rc 0 "a clean shutdown through sys.powerctl"
    expect_match 'sys\.boot_completed=1'
    expect_match "md_hello.*md-hello: hello from a test service, uid 2000, token $token"
}

# Binder in the guest (tests/integration/microdroid/binder-test.rc):
# servicemanager starts in class core, a server registers test.echo, a
# client finds it, calls it, sees a non-allowlisted uid refused, kills the
# server and gets the death notification; then a clean shutdown.
case_md_binder() {
    if [[ -z $mdb || ! -f $mdb/system.img || ! -f $mdb/cmdline ]]; then
        problem "no Microdroid binder test image (MVM_MICRODROID_BINDER=$mdb)"
        return 0
    fi
    local saved=$md
    md=$mdb
    run_microdroid "$mdb/system.img" ""
    md=$saved
    expect_rc 0 "a clean shutdown through sys.powerctl"
    expect_match 'servicemanager: ready'
    expect_match 'binder-test: PASS found test.echo through servicemanager'
    expect_match "binder-test: PASS echo: sent 'hello over /dev/binder', got 'hello over /dev/binder'"
    expect_match 'binder-test: PASS a local binder sent to the server comes back as the same object'
    expect_match 'binder-test: PASS uid 2000 may not register test.denied'
    expect_match 'binder-test: PASS listServices has test.echo'
    expect_match 'binder-test: PASS death notification after killing the server'
    expect_match 'binder-test: PASS servicemanager dropped test.echo when its process died'
    expect_match 'binder-test: PASS all'
    expect_no_match 'binder-test: FAIL'
    # What the guest said, in the log whether the case passed or not.
    console | grep -E 'binder-test:|servicemanager:' | sed 's/^/#   guest: /' || true
}

# One byte flipped in the system image's erofs superblock: dm-verity fails
# the read, first-stage init says so in one line and the VM stops, non-zero.
case_md_verity() {
    need_microdroid || return 0
    local bad=$tmp/system-corrupt.img
    cp "$md/system.img" "$bad"
    # Offset 1024 + 12 is inside the erofs superblock, which every mount reads.
    printf '\x5a' | dd of="$bad" bs=1 seek=1036 conv=notrunc status=none
    run_microdroid "$bad" ""
    if [[ $rc == 0 ]]; then problem "mvm exited 0 with a corrupted system image"; fi
    if [[ $rc -eq 124 || $rc -eq 137 ]]; then problem "timed out after ${case_timeout}s"; fi
    expect_match 'init: FATAL: .*(verity|I/O error|mount)'
    expect_no_match 'md-hello'
    expect_no_match 'sys\.boot_completed=1'
}

# ---- Microdroid payloads (docs/payload.md) ---------------------------------------

# run_payload PKG : boot the plain image with the test package PKG as the
# payload disk, the log port (1, "log") written to $paylog and fake-vms
# serving IVirtualMachineService at the VM's port; fake-vms's lines go to
# $hostlog.  Sets rc like run_mvm.
hostlog=/dev/null paylog=/dev/null
run_payload() {
    local uds=$tmp/$name.vsock cid=7 fpid
    hostlog=$tmp/$name.host paylog=$tmp/$name.payload
    : >"$paylog"
    if [[ -z $mdp || ! -f $mdp/system.img || -z $fakevms || ! -x $fakevms || ! -f $pkgs/$1.pkg ]]; then
        problem "no payload image, fake-vms or package $1 (MVM_MICRODROID_PAYLOAD=$mdp, MVM_FAKE_VMS=$fakevms, MVM_TEST_PAYLOADS=$pkgs)"
        return 1
    fi
    "$fakevms" "${uds}_$cid" "$case_timeout" >"$hostlog" 2>&1 &
    fpid=$!
    run_mvm --kernel "$mdp/kernel" --initrd "$mdp/initramfs.img" --mem 256 --cpus 1 \
        --disk "$mdp/system.img,ro,id=system" --disk "$pkgs/$1.pkg,ro,id=payload" \
        --cid "$cid" --vsock-uds "$uds" --console-port "1=$paylog,name=log" \
        --cmdline "$(cat "$mdp/cmdline")"
    kill "$fpid" 2>/dev/null || true
    wait "$fpid" 2>/dev/null || true
    # What the host and the payload saw, in the log whether the case passed or not.
    sed 's/^/#   host: /' "$hostlog"
    sed 's/^/#   payload: /' "$paylog"
    return 0
}

# The host's lines, in order, must be exactly these.
expect_host() {
    local want got
    want=$(printf '%s\n' "$@")
    got=$(cat "$hostlog")
    [[ $got == "$want" ]] || problem "host saw '$(echo "$got" | tr '\n' '|')', want '$(echo "$want" | tr '\n' '|')'"
}

# The host saw "started" (or not, if $2 is "-") then one error line with code 3 matching $1.
expect_host_error() {
    local first
    if [[ ${2:-} == - ]]; then first=$(head -n 1 "$hostlog"); else first=$(sed -n 2p "$hostlog"); fi
    if [[ ${2:-} != - ]] && [[ $(head -n 1 "$hostlog") != started ]]; then problem "the host did not see 'started' first"; fi
    [[ $first =~ ^error\ 3\ $1 ]] || problem "host saw '${first:-nothing}', want 'error 3' matching '$1'"
}

payload_expect_poweroff() {
    expect_rc 0 "the VM powers off after the payload"
    expect_match 'microdroid_manager: connected to the host'
}

case_payload_exit() {
    run_payload exit7 || return 0
    payload_expect_poweroff
    expect_host started "finished 7"
    grep -qxF 'exit7: a line on stdout' "$paylog" || problem "no stdout line on the log port"
    grep -qxF 'exit7: a line on stderr' "$paylog" || problem "no stderr line on the log port"
}

case_payload_crash() {
    run_payload crash || return 0
    payload_expect_poweroff
    expect_host started "crashed 11"
}

case_payload_bad_config() {
    run_payload bad-config || return 0
    payload_expect_poweroff
    expect_host_error '.*hugepage: unknown key' -
    [[ $(wc -l <"$hostlog") == 1 ]] || problem "the host saw more than the error"
}

case_payload_missing_lib() {
    run_payload missing-lib || return 0
    payload_expect_poweroff
    expect_host_error '.*libabsent\.so' -
}

case_payload_missing_dep() {
    run_payload needsdep || return 0
    payload_expect_poweroff
    expect_host_error '.*libmissingdep\.so: cannot open shared object file'
}

case_payload_no_main() {
    run_payload nomain || return 0
    payload_expect_poweroff
    expect_host_error 'no AVmPayload_main symbol'
}

# The payload runs as uid/gid 6000, no groups, no capabilities at all,
# no_new_privs, in /, with the package's libraries on LD_LIBRARY_PATH.
case_payload_sandbox() {
    run_payload whoami || return 0
    payload_expect_poweroff
    expect_host started "finished 0"
    local l lines=$tmp/$name.trimmed
    sed 's/[[:space:]]*$//' "$paylog" >"$lines"
    for l in $'Uid:\t6000\t6000\t6000\t6000' $'Gid:\t6000\t6000\t6000\t6000' 'Groups:' \
        $'CapEff:\t0000000000000000' $'CapPrm:\t0000000000000000' $'CapBnd:\t0000000000000000' \
        $'CapAmb:\t0000000000000000' $'NoNewPrivs:\t1' 'cwd /' 'LD_LIBRARY_PATH /mnt/apk/lib/x86_64'; do
        grep -qxF "whoami: $l" "$lines" || problem "no payload line 'whoami: $l'"
    done
}

# A payload that calls AVmPayload_notifyPayloadReady (libvm_payload over
# IVmPayloadService): the host sees ready between started and finished.
case_payload_ready() {
    run_payload ready || return 0
    payload_expect_poweroff
    expect_host started ready "finished 0"
}

if [[ $list_only == 0 ]]; then
    [[ -x $mvm ]] || { echo "suite.sh: $mvm is not an executable" >&2; exit 2; }
    [[ -f $kernel ]] || { echo "suite.sh: no kernel $kernel" >&2; exit 2; }
    [[ -f $initrd ]] || { echo "suite.sh: no initrd $initrd" >&2; exit 2; }
fi

# The error cases first: they are quick, and they show early whether mvm
# runs at all.
t corrupt-random case_corrupt_random
t corrupt-truncated-bzimage case_corrupt_truncated
t corrupt-empty case_corrupt_empty
t bzimage-1cpu case_bzimage_1cpu
t bzimage-2cpu case_bzimage_2cpu
t pvh-elf-1cpu case_pvh_1cpu
t pvh-elf-2cpu case_pvh_2cpu
t poweroff case_poweroff
t reboot-kbd-reset case_reboot_kbd
t reboot-bios-reset case_reboot_bios
t panic-reset case_panic
t reboot-reset case_reboot
t virtio-rng case_rng
t virtio-rng-mmio-exits case_rng_exits
t virtio-blk case_blk
t virtio-console-port case_console_port
t virtio-console-hvc0 case_hvc0
t console-input-ttyS0 case_input_uart
t console-input-hvc0 case_input_hvc0
t virtio-vsock case_vsock
t binder-rpc-vsock case_binder_rpc_vsock
t demo-vsock case_demo_vsock
t microdroid-boot case_md_boot
t microdroid-binder case_md_binder
t microdroid-verity-corrupt case_md_verity
t payload-exit case_payload_exit
t payload-crash case_payload_crash
t payload-bad-config case_payload_bad_config
t payload-missing-lib case_payload_missing_lib
t payload-missing-dep case_payload_missing_dep
t payload-no-main case_payload_no_main
t payload-sandbox case_payload_sandbox
t payload-ready case_payload_ready

# The whole path through vm and virtmgr (vm-* cases).
# shellcheck source=SCRIPTDIR/vm-cases.sh
. "$(dirname "${BASH_SOURCE[0]}")/vm-cases.sh"

[[ $list_only == 1 ]] && exit 0
echo "1..$num"
[[ $failed -eq 0 ]]
