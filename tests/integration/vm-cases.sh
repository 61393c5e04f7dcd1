# vm-cases.sh - the whole path, sourced by suite.sh: `vm` and the demo
# program talk to virtmgr, which runs Microdroid VMs under mvm with
# payload packages; microdroid_manager reports to virtmgr over vsock.
#
# Environment (run.sh sets them):
#   MVM_VM_TOOL          build/host/vm/vm (virtmgr and mvm are found from it
#                        through the build tree, host/virtmgr/paths.h)
#   MVM_DEMO             build/host/demo/microdroid-demo
#   MVM_PAYLOAD_DIR      build/payloads (demo.pkg, empty.pkg)
#   MVM_MICRODROID_PAYLOAD, MVM_TEST_PAYLOADS  as for the payload-* cases
#
# One virtmgr serves all these cases, started on demand by the first vm
# command, on a socket of its own under $tmp; each case checks that
# nothing of its VMs is left afterwards.

vmtool=${MVM_VM_TOOL:-}
demo=${MVM_DEMO:-}
vm_sockdir=$tmp/virtmgr
export MDROID_VIRTMGR_SOCKET=$vm_sockdir/virtmgr.sock
export MDROID_IMAGE_DIR=${MVM_MICRODROID_PAYLOAD:-}
export MDROID_PAYLOAD_DIR=${MVM_PAYLOAD_DIR:-}

# vm_ready: are the tools and files there?  Records a problem if not.
vm_ready() {
    if [[ -z $vmtool || ! -x $vmtool || -z $MDROID_IMAGE_DIR || ! -f $MDROID_IMAGE_DIR/kernel ||
        -z $MDROID_PAYLOAD_DIR || ! -f $MDROID_PAYLOAD_DIR/demo.pkg || -z $pkgs ]]; then
        problem "missing vm ($vmtool), image ($MDROID_IMAGE_DIR), payloads ($MDROID_PAYLOAD_DIR) or test packages ($pkgs)"
        return 1
    fi
}

# vm_cmd ARGS...: run vm in the foreground; stdout in $out, stderr in $err, status in $rc.
vm_cmd() {
    out=$tmp/$name.out err=$tmp/$name.err
    local t0=$EPOCHREALTIME
    rc=0
    timeout -k 5 "$case_timeout" "$vmtool" "$@" </dev/null >"$out" 2>"$err" || rc=$?
    secs=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
}

vm_expect_rc() {
    if [[ $rc -eq 124 || $rc -eq 137 ]]; then
        problem "vm $1 timed out after ${case_timeout}s"
    elif [[ $rc -ne $2 ]]; then
        problem "vm $1 exited $rc, expected $2"
    fi
}

# vm_expect FILE REGEX: a line of FILE (out or err) matches.
vm_expect() {
    grep -qE -- "$2" "$1" || problem "no line matching '$2' in $(basename "$1")"
}

# Wait until `vm info NAME` says STATE (a regex); 0 if it did.  A VM that
# died first ends the wait at once, with how it died.
vm_wait_state() {
    local deadline=$((SECONDS + case_timeout)) info state
    while ((SECONDS < deadline)); do
        info=$("$vmtool" info "$1" 2>/dev/null || true)
        state=$(sed -n 's/^state: *//p' <<<"$info")
        if [[ $state =~ ^($2)$ ]]; then return 0; fi
        if [[ $state == DEAD* ]]; then
            problem "$1 died before $2: $(grep -E '^(state|death reason|error)' <<<"$info" | tr '\n' ' ')"
            return 1
        fi
        sleep 0.5
    done
    problem "$1 did not reach $2"
    return 1
}

# vm_field NAME FIELD: one field of `vm info NAME` ("" if there is none).
# Never fails: suite.sh runs with set -e and pipefail.
vm_field() {
    { "$vmtool" info "$1" 2>/dev/null || true; } | sed -n "s/^$2: *//p"
}

# demo_key CID|NAME: the public key the demo VM's service gives ("" if none).
demo_key() {
    { "$demo" --vm "$1" 2>>"$err" || true; } | sed -n 's/^  public key (Ed25519): *//p'
}

# The pids of running mvm processes (the lab has no pgrep).
mvm_pids() {
    local f
    for f in /proc/[0-9]*/comm; do
        [[ $(cat "$f" 2>/dev/null) == mvm ]] && { f=${f#/proc/}; echo "${f%/comm}"; }
    done
    return 0
}

# Nothing of any VM is left: no mvm, no work directory, no socket.
vm_expect_clean() {
    local deadline=$((SECONDS + 10))
    while [[ -n $(mvm_pids) ]] && ((SECONDS < deadline)); do sleep 0.2; done
    if [[ -n $(mvm_pids) ]]; then problem "an mvm is still running: pids $(mvm_pids | tr '\n' ' ')"; fi
    if [[ -d $vm_sockdir/vms ]] && [[ -n $(ls -A "$vm_sockdir/vms") ]]; then
        problem "work directories left: $(ls -A "$vm_sockdir/vms" | tr '\n' ' ')"
    fi
    local n
    n=$({ "$vmtool" list 2>/dev/null || true; } | awk 'NR > 1 && $1 ~ /^[0-9]+$/' | wc -l)
    [[ $n == 0 ]] || problem "vm list still shows $n VMs"
}

# After a case: what vm and virtmgr said, as comments.
vm_dump() {
    [[ -f $tmp/$name.out ]] && sed 's/^/#   out: /' "$tmp/$name.out" | tail -n 30
    [[ -f $tmp/$name.err ]] && sed 's/^/#   err: /' "$tmp/$name.err" | tail -n 15
    local f
    if [[ ${#problems[@]} -gt 0 ]]; then
        for f in "$tmp/$name".*.out; do
            [[ -f $f ]] && sed "s/^/#   $(basename "$f" .out): /" "$f" | tail -n 12
        done
        for f in "$tmp/$name".*.con; do
            [[ -f $f ]] && tr -d '\r' <"$f" | sed "s/^/#   $(basename "$f" .con) console: /" | tail -n 25
        done
    fi
    if [[ ${#problems[@]} -gt 0 && -f $vm_sockdir/virtmgr.log ]]; then
        tail -n 80 "$vm_sockdir/virtmgr.log" | sed 's/^/#   virtmgr: /'
    fi
    return 0
}

# make demo's program: start the demo, call its service, stop, check cleanup.
case_vm_demo() {
    vm_ready || return 0
    if [[ -z $demo || ! -x $demo ]]; then problem "no microdroid-demo ($demo)"; return 0; fi
    out=$tmp/$name.out err=$tmp/$name.err
    local t0=$EPOCHREALTIME
    rc=0
    timeout -k 5 "$case_timeout" "$demo" </dev/null >"$out" 2>"$err" || rc=$?
    secs=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
    vm_expect_rc demo 0
    vm_expect "$out" '^  signature check on the host: good$'
    vm_expect "$out" '^  SHA-256 \(by the VM\): +d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592$'
    vm_expect "$out" '^Demo done: all good\.$'
    vm_expect_clean
    vm_dump
}

# A payload that finishes: its exit code is vm's, and vm info shows it.
case_vm_exit() {
    vm_ready || return 0
    vm_cmd run-app --name exit7 "$pkgs/exit7.pkg"
    vm_expect_rc run-app 7
    vm_expect "$out" '^vm: exit7 \(cid [0-9]+\): STARTED$'
    vm_expect "$out" '^vm: exit7 \(cid [0-9]+\): FINISHED, exit code 7$'
    vm_expect "$out" '^vm: exit7 \(cid [0-9]+\): DEAD \(SHUTDOWN\)$'
    vm_expect "$out" '^exit7: a line on stdout$'
    vm_expect "$out" '^exit7: a line on stderr$'
    vm_expect_clean
    # vm info still tells how it ended.
    [[ $(vm_field exit7 'payload exit code') == 7 ]] || problem "vm info exit7: no payload exit code 7"
    [[ $(vm_field exit7 state) == DEAD ]] || problem "vm info exit7: not DEAD"
    vm_dump
}

# Bad configs: the guest's notifyError(PAYLOAD_INVALID_CONFIG) reaches vm.
case_vm_bad_config() {
    vm_ready || return 0
    vm_cmd run-app "$pkgs/bad-config.pkg"
    vm_expect_rc run-app 80
    vm_expect "$err" 'ERROR \(PAYLOAD_INVALID_CONFIG\): .*hugepage: unknown key'
    vm_expect "$out" 'DEAD \(PAYLOAD_INVALID_CONFIG\)$'
    vm_expect_clean
    vm_dump
}

case_vm_missing_lib() {
    vm_ready || return 0
    vm_cmd run-app "$pkgs/missing-lib.pkg"
    vm_expect_rc run-app 80
    vm_expect "$err" 'ERROR \(PAYLOAD_INVALID_CONFIG\): .*libabsent\.so'
    vm_expect_clean
    vm_dump
}

# A payload that dies of SIGSEGV: a crash with its signal, status 128 + 11.
case_vm_crash() {
    vm_ready || return 0
    vm_cmd run-app "$pkgs/crash.pkg"
    vm_expect_rc run-app 139
    vm_expect "$out" 'CRASHED, signal 11 \(SIGSEGV\)$'
    vm_expect_clean
    vm_dump
}

# mvm killed with SIGKILL: DEAD (KILLED), and nothing left behind.
case_vm_sigkill() {
    vm_ready || return 0
    out=$tmp/$name.out err=$tmp/$name.err rc=0
    local t0=$EPOCHREALTIME pid vmpid
    timeout -k 5 "$case_timeout" "$vmtool" run-app --name victim "$MDROID_PAYLOAD_DIR/demo.pkg" \
        </dev/null >"$out" 2>"$err" &
    vmpid=$!
    if vm_wait_state victim READY; then
        pid=$(vm_field victim 'mvm pid')
        if [[ $pid =~ ^[0-9]+$ ]]; then
            kill -KILL "$pid"
        else
            problem "no mvm pid in vm info: '$pid'"
            "$vmtool" stop victim >/dev/null 2>&1 || true
        fi
    fi
    wait "$vmpid" || rc=$?
    secs=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
    vm_expect_rc run-app 81
    vm_expect "$out" 'DEAD \(KILLED\)$'
    [[ -z ${pid:-} ]] || ! kill -0 "$pid" 2>/dev/null || problem "mvm $pid survived SIGKILL"
    vm_expect_clean
    vm_dump
}

# Four VMs at once: distinct CIDs in vm list, and each VM's service answers
# on its own CID with its own key.
case_vm_four() {
    vm_ready || return 0
    out=$tmp/$name.out err=$tmp/$name.err rc=0
    # Names of their own on every run: a run again after a lab flake must
    # not find the first run's ended VMs by name.
    vm_four_runs=$((${vm_four_runs:-0} + 1))
    local t0=$EPOCHREALTIME i pids=() cids keys key pfx=four$vm_four_runs-
    for i in 1 2 3 4; do
        timeout -k 5 "$case_timeout" "$vmtool" run-app --name "$pfx$i" --mem 192 \
            --console "$tmp/$name.$i.con" "$MDROID_PAYLOAD_DIR/demo.pkg" </dev/null \
            >"$tmp/$name.$i.out" 2>&1 &
        pids+=($!)
    done
    for i in 1 2 3 4; do vm_wait_state "$pfx$i" READY || break; done
    "$vmtool" list >"$out" 2>"$err" || problem "vm list failed"
    cids=$(awk -v p="$pfx" '$2 ~ "^" p "[1-4]$" { print $1 }' "$out" | sort -u | wc -l)
    [[ $cids == 4 ]] || problem "vm list shows $cids distinct CIDs for ${pfx}1..${pfx}4, want 4"
    keys=
    for i in 1 2 3 4; do
        local cid
        cid=$(vm_field "$pfx$i" cid)
        key=$(demo_key "$cid")
        [[ -n $key ]] || problem "$pfx$i (cid $cid): no answer from its service"
        # The same VM by name gives the same key: the CID reached that VM.
        [[ $(demo_key "$pfx$i") == "$key" ]] || problem "$pfx$i: another key by name than by CID $cid"
        keys+="$key"$'\n'
    done
    [[ $(printf '%s' "$keys" | sort -u | grep -c .) == 4 ]] || problem "the four VMs did not give four distinct keys"
    for i in 1 2 3 4; do "$vmtool" stop "$pfx$i" >>"$out" 2>>"$err" || problem "vm stop $pfx$i failed"; done
    for i in 1 2 3 4; do wait "${pids[$((i - 1))]}" || true; done
    secs=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
    vm_expect_clean
    vm_dump
}

# IVirtualMachineService is bound to its VM: a payload calling other CIDs'
# ports finds nothing there, the other VM is untouched, and its own VM's
# service, which takes only the manager's session, refuses it too.
case_vm_cid_binding() {
    vm_ready || return 0
    out=$tmp/$name.out err=$tmp/$name.err rc=0
    local t0=$EPOCHREALTIME bpid bcid icid
    timeout -k 5 "$case_timeout" "$vmtool" run-app --name bystander "$MDROID_PAYLOAD_DIR/empty.pkg" \
        </dev/null >"$tmp/$name.b.out" 2>&1 &
    bpid=$!
    if vm_wait_state bystander READY; then
        bcid=$(vm_field bystander cid)
        timeout -k 5 "$case_timeout" "$vmtool" run-app --name impostor "$pkgs/impostor.pkg" \
            </dev/null >"$out" 2>"$err" || rc=$?
        vm_expect_rc run-app 0
        vm_expect "$out" "^port $bcid: refused"
        icid=$(sed -n 's/^impostor: own CID //p' "$out")
        [[ -n $icid ]] && vm_expect "$out" "^port $icid: refused"
        if grep -q CONNECTED "$out"; then problem "the impostor reached another VM's port"; fi
        [[ $(vm_field bystander state) == READY ]] || problem "bystander is $(vm_field bystander state), not READY"
        [[ $(vm_field bystander 'payload exit code') == - ]] || problem "bystander got an exit code"
        vm_expect "$out" 'FINISHED, exit code 0$' # not 99: the impostor's claim went nowhere
    fi
    "$vmtool" stop bystander >/dev/null 2>&1 || problem "vm stop bystander failed"
    wait "$bpid" || true
    secs=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
    vm_expect_clean
    vm_dump
}

t vm-demo case_vm_demo
t vm-exit case_vm_exit
t vm-bad-config case_vm_bad_config
t vm-missing-lib case_vm_missing_lib
t vm-crash case_vm_crash
t vm-sigkill case_vm_sigkill
t vm-four case_vm_four
t vm-cid-binding case_vm_cid_binding
