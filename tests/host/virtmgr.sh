#!/usr/bin/env bash
# Native tests of virtmgr (docs/virtmgr.md) with a fake mvm (fake-mvm.c) that
# plays the guest from a scenario in the payload package, and a small binder
# client (virtmgr-client.c).  No KVM needed; a few seconds.
#
#   tests/host/virtmgr.sh BUILD_DIR
# Last line: "cli: N passed, N failed".
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?usage: tests/host/virtmgr.sh BUILD_DIR}" && pwd)
virtmgr=$build/host/virtmgr/virtmgr
client=$build/tests/host/virtmgr-client
vm=$build/host/vm/vm
export MVM=$build/tests/host/fake-mvm
tmp=$(mktemp -d)
sock=$tmp/run/virtmgr.sock
vpid=

cleanup() {
	[[ -n $vpid ]] && kill "$vpid" 2>/dev/null && wait "$vpid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
cd "$tmp" || exit 1
. "$here/../cli/lib.sh"

# A fake Microdroid image: fake-mvm reads none of it, virtmgr checks it is there.
mkdir img
: >img/kernel
: >img/initramfs.img
: >img/system.img
echo 'console=ttyS0 quiet panic=-1' >img/cmdline

printf 'int AVmPayload_main(void) { return 0; }\n' >demo.c
cc -shared -fPIC -o libdemo.so demo.c || not_ok "build a payload library" "cc failed"
printf '%s\n' '{"task": {"type": "microdroid_launcher", "command": "libdemo.so"}}' >vm_config.json

# The client registers its callback once CREATE_VM returns; a callback only
# hears of later events, so each scenario starts by giving it time to.
mkpkg() { # NAME SCENARIO-LINES...: NAME.pkg plays the lines
	local name=$1
	shift
	printf '%s\n' 'sleep 200' "$@" >"$name.scenario"
	"$vm" pack -o "$name.pkg" --config vm_config.json --lib libdemo.so \
		--file "$name.scenario=assets/fake-scenario" >/dev/null
}

start_virtmgr() { # [options...]: start virtmgr in the background, wait until ready
	rm -f ready
	"$virtmgr" --socket "$sock" --image "$tmp/img" "$@" --ready-fd 3 3>ready 2>>virtmgr.log &
	vpid=$!
	for _ in $(seq 100); do
		grep -q '^ready$' ready 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

stop_virtmgr() {
	kill -TERM "$vpid" 2>/dev/null
	wait "$vpid"
	local rc=$?
	vpid=
	return $rc
}

run() { # NAME PKG [client options]: run the VM to its death, output in NAME.out
	local name=$1 pkg=$2
	shift 2
	timeout 20 "$client" "$sock" run "$pkg" "$@" >"$name.out" 2>"$name.err"
}

# events NAME: the events the client saw, on one line
events() { grep '^event ' "$1.out" | sed 's/^event //' | paste -sd, -; }

expect_events() { # NAME WANT
	local got
	got=$(events "$1")
	if [[ $got == "$2" ]]; then ok "$1: events $2"; else not_ok "$1: events" "got '$got', want '$2'; $(cat "$1.err")"; fi
}

expect_info() { # NAME REGEX: the final GET_INFO line matches
	if grep -Eq "^info .*$2" "$1.out"; then ok "$1: info has $2"; else not_ok "$1: info" "$(grep '^info' "$1.out") !~ $2"; fi
}

# log_has TEXT: virtmgr's log has TEXT within 3 s (it logs how a VM
# ended just after telling the clients).
log_has() {
	local i
	for ((i = 0; i < 30; i++)); do
		grep -qF -- "$1" virtmgr.log && return 0
		sleep 0.1
	done
	return 1
}

expect_clean() { # NAME: no work directory, no VM, no mvm left
	local left procs
	sleep 0.1
	left=$(ls "$tmp/run/vms" 2>/dev/null)
	procs=$(pgrep -f "$tmp/run/vms" || true)
	if [[ -z $left && -z $procs && -z $("$client" "$sock" list) ]]; then
		ok "$1: cleaned up"
	else
		not_ok "$1: cleaned up" "left: '$left', processes: '$procs'"
	fi
}

# --- the command line ------------------------------------------------------------
"$virtmgr" --help >out 2>&1
if [[ $? == 0 ]] && grep -q -- '--idle-timeout' out && grep -q 'Exit status' out; then
	ok "--help describes the options"
else
	not_ok "--help" "$(head -c 300 out)"
fi
EXPECT_ONE_LINE=1
expect "unknown option" 2 "^virtmgr: unknown option '--frob'" -- "$virtmgr" --frob
expect "bad --max-vms" 2 "max-vms wants a number from 1 to 1024" -- "$virtmgr" --max-vms 0
expect "bad --ready-fd" 2 "ready-fd wants an open file descriptor" -- "$virtmgr" --ready-fd 99
EXPECT_ONE_LINE=0

# --- the life cycle ---------------------------------------------------------------
start_virtmgr || not_ok "virtmgr starts" "no ready line"
check_mode=$(stat -c %a "$tmp/run")
if [[ $check_mode == 700 ]]; then ok "the socket's directory is 0700"; else not_ok "socket directory mode" "$check_mode"; fi

mkpkg happy started ready 'console hello console' 'log hello log' 'sleep 100' 'finish 7' 'sleep 50'
run happy happy.pkg --console happy.con --log happy.log --name happy-vm
expect_events happy "STARTED,READY,FINISHED 7,DIED SHUTDOWN"
expect_info happy "name=happy-vm state=DEAD reason=SHUTDOWN exit=7 signal=0 error=-1 pid=0"
if grep -qx 'hello console' happy.con && grep -qx 'hello log' happy.log; then
	ok "happy: console and log reach the client"
else
	not_ok "happy: console and log" "$(cat happy.con happy.log)"
fi
grep -q 'vm 3 (happy-vm): STARTED' virtmgr.log && ok "the log has one line per event" ||
	not_ok "virtmgr's log" "$(tail -3 virtmgr.log)"
expect_clean happy

mkpkg noready started 'finish 0'
run noready noready.pkg
expect_events noready "STARTED,FINISHED 0,DIED SHUTDOWN"
expect_info noready "name=vm3 "
expect_clean noready

mkpkg config 'error 3 vm_config.json: unknown key' 'exit 0'
run config config.pkg
expect_events config "ERROR 3 vm_config.json: unknown key,DIED PAYLOAD_INVALID_CONFIG"
expect_info config "state=DEAD reason=PAYLOAD_INVALID_CONFIG .*error=3 .*message=vm_config.json: unknown key"
expect_clean config

mkpkg verify 'error 1 bad signature' 'exit 0'
run verify verify.pkg
expect_events verify "ERROR 1 bad signature,DIED PAYLOAD_VERIFICATION_FAILED"

mkpkg crash started ready 'crash 11' 'exit 0'
run crash crash.pkg
expect_events crash "STARTED,READY,CRASHED 11,DIED PAYLOAD_CRASHED"
expect_info crash "reason=PAYLOAD_CRASHED exit=-1 signal=11"
expect_clean crash

mkpkg panic started panic
run panic panic.pkg --console panic.con
expect_events panic "STARTED,DIED KERNEL_PANIC"
grep -q 'Kernel panic - not syncing' panic.con && ok "panic: the console shows it" || not_ok "panic console" "$(cat panic.con)"
expect_clean panic

mkpkg boot hang
run boot boot.pkg --boot-timeout-ms 300
expect_events boot "DIED BOOT_TIMEOUT"
if log_has "vm 3 (vm3):     rip=ffffffff81000000"; then
	ok "boot: mvm's state at the timeout (SIGQUIT) is in virtmgr's log"
else
	not_ok "boot: mvm's state in the log" "$(tail -5 virtmgr.log)"
fi
expect_clean boot

mkpkg stop started hang
run stop stop.pkg --stop-after-ms 300
expect_events stop "STARTED,DIED KILLED"
expect_clean stop

mkpkg startfail 'stderr mvm: no KVM here' 'exit 1'
run startfail startfail.pkg
expect_events startfail "DIED START_FAILED"
expect_info startfail "reason=START_FAILED .*message=mvm: no KVM here"
expect_clean startfail

# A guest triple fault: the VM CRASHed, and mvm's register dump, gone with
# the work directory, is kept in virtmgr's log.
mkpkg triple 'stderr mvm: vCPU 0: guest triple fault' 'stderr RIP=ffffffff81000000 RSP=0000000000000000' \
	'stderr mvm: guest triple fault' 'exit 4'
run triple triple.pkg
expect_events triple "DIED CRASH"
expect_info triple "reason=CRASH .*message=mvm: guest triple fault"
if log_has "vm 3 (vm3):   RIP=ffffffff81000000 RSP=0000000000000000"; then
	ok "triple: mvm's register dump is in virtmgr's log"
else
	not_ok "triple: mvm's output in the log" "$(tail -5 virtmgr.log)"
fi
expect_clean triple

mkpkg reboot started 'exit 3'
run reboot reboot.pkg
expect_events reboot "STARTED,DIED REBOOT"

# The life cycle refuses out-of-order and out-of-range calls, and nothing changes.
mkpkg order ready 'finish 0' started 'finish 300' 'crash 0' 'crash 65' started ready 'finish 1' ready 'crash 9' 'sleep 50'
run order order.pkg --console order.con
want=$'call ready: exception -5\ncall finish: exception -5\ncall started: ok\ncall finish: exception -3\ncall crash: exception -3\ncall crash: exception -3\ncall started: exception -5\ncall ready: ok\ncall finish: ok\ncall ready: exception -5\ncall crash: exception -5'
if [[ $(cat order.con) == "$want" ]]; then ok "order: refused calls get EX_ILLEGAL_STATE/ARGUMENT"; else not_ok "order" "$(cat order.con)"; fi
expect_events order "STARTED,READY,FINISHED 1,DIED SHUTDOWN"

# A message is cut to 1024 bytes, control characters removed.
long=$(head -c 3000 /dev/zero | tr '\0' x)
mkpkg long "error 0 $long" 'exit 0'
run long long.pkg
msg=$(sed -n 's/.*message=//p' long.out)
if [[ ${#msg} == 1024 ]]; then ok "long: the message is cut to 1024 bytes"; else not_ok "long message" "${#msg} bytes"; fi
expect_events long "ERROR 0 ${long:0:1024},DIED PAYLOAD_ERROR"

# --- killing things ---------------------------------------------------------------
mkpkg hang started hang
timeout 20 "$client" "$sock" run hang.pkg >killmvm.out 2>&1 &
cpid=$!
sleep 0.5
pid=$("$client" "$sock" info 3 | sed -n 's/.* pid=\([0-9]*\).*/\1/p')
kill -9 "$pid"
wait "$cpid"
expect_events killmvm "STARTED,DIED KILLED"
expect_clean "kill -9 of mvm"

"$client" "$sock" run hang.pkg >killclient.out 2>&1 &
cpid=$!
sleep 0.5
pid=$("$client" "$sock" info 3 | sed -n 's/.* pid=\([0-9]*\).*/\1/p')
kill -9 "$cpid"
{ wait "$cpid"; } 2>/dev/null
for _ in $(seq 50); do [[ -z $(ls "$tmp/run/vms") ]] && break; sleep 0.1; done
if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then ok "kill -9 of the client stops its VM"; else not_ok "kill -9 client" "mvm $pid still runs"; fi
expect_clean "kill -9 of the client"

run drop hang.pkg --exit-after-ms 300
for _ in $(seq 50); do [[ -z $(ls "$tmp/run/vms") ]] && break; sleep 0.1; done
expect_clean "a client that exits without stopping"

# --- several VMs ------------------------------------------------------------------
pids=()
for i in 1 2 3 4; do
	timeout 20 "$client" "$sock" run hang.pkg --name "multi$i" --stop-after-ms 1500 >"multi$i.out" 2>&1 &
	pids+=($!)
done
sleep 0.7
list=$("$client" "$sock" list)
if [[ $(echo "$list" | awk '{print $1}' | sort -n | paste -sd,) == 3,4,5,6 ]]; then
	ok "4 VMs at once get CIDs 3-6"
else
	not_ok "4 VMs" "$list"
fi
EXPECT_ONE_LINE=0
expect "a name in use is refused" 1 "a VM named 'multi2' is already running \(CID [0-9]\)" -- \
	"$client" "$sock" run hang.pkg --name multi2
wait "${pids[@]}"
ok_all=1
for i in 1 2 3 4; do [[ $(events "multi$i") == "STARTED,DIED KILLED" ]] || ok_all=0; done
if ((ok_all)); then ok "4 VMs: each stopped"; else not_ok "4 VMs" "$(cat multi*.out)"; fi
expect_clean "4 VMs"
run reuse noready.pkg
if grep -q '^cid 3$' reuse.out; then ok "CIDs are reused"; else not_ok "CID reuse" "$(head -1 reuse.out)"; fi

# A VM reaches its own service and no other VM's: "other" is CID 3, "lonely" 4.
mkpkg lonely started 'connect-port 4' 'connect-port 3' 'connect-port 2' hang
timeout 20 "$client" "$sock" run hang.pkg --stop-after-ms 1500 >other.out 2>&1 &
cpid=$!
sleep 0.3
run lonely lonely.pkg --console lonely.con --stop-after-ms 600
wait "$cpid"
if [[ $(grep connect-port lonely.con | paste -sd,) == "connect-port 4: ok,connect-port 3: refused,connect-port 2: refused" ]]; then
	ok "a VM reaches only its own IVirtualMachineService"
else
	not_ok "VM isolation" "$(cat lonely.con)"
fi

# CONNECT_VSOCK: a stream to a guest port, and binder over it.
mkpkg serve started serve ready hang
run serve serve.pkg --connect-port 5000 --stop-after-ms 1000
if grep -qx 'echo: hello' serve.out; then ok "CONNECT_VSOCK reaches the guest's port"; else not_ok "CONNECT_VSOCK" "$(cat serve.out serve.err)"; fi
run serve2 serve.pkg --connect-port 5001 --stop-after-ms 1000
if grep -q 'CONNECT_VSOCK: exception -8 (111)' serve2.err; then ok "CONNECT_VSOCK to a closed port: ECONNREFUSED"; else not_ok "CONNECT_VSOCK refused" "$(cat serve2.err)"; fi
expect_clean "CONNECT_VSOCK"

# --- bad input --------------------------------------------------------------------
expect "memory out of range" 1 "exception -3 .*bad VirtualMachineConfig" -- "$client" "$sock" run happy.pkg --mem 1
expect "bad name" 1 "exception -3 .*bad VirtualMachineConfig" -- "$client" "$sock" run happy.pkg --name '-x'
head -c 10000 /dev/urandom >junk.pkg
expect "not a package" 1 "exception -3 .*package '.*junk.pkg': " -- "$client" "$sock" run junk.pkg
cp happy.pkg flipped.pkg
printf 'X' | dd of=flipped.pkg bs=1 seek=5000 conv=notrunc 2>/dev/null
expect "a changed package" 1 "exception -3 .*package '.*flipped.pkg': .*(SHA-256|digest)" -- "$client" "$sock" run flipped.pkg
head -c 4096 /dev/zero >bad-instance.img
expect "a bad instance disk" 1 "exception -3 .*instance: not an instance disk" -- \
	"$client" "$sock" run happy.pkg --instance bad-instance.img
"$vm" create-partition -t instance inst.img 1M
run inst noready.pkg --instance inst.img
if [[ $(events inst) == "STARTED,FINISHED 0,DIED SHUTDOWN" && -f inst.img ]]; then ok "a given instance disk is used and kept"; else not_ok "given instance" "$(cat inst.out inst.err)"; fi
expect_clean "bad input"

# --- the single instance, SIGTERM --------------------------------------------------
EXPECT_ONE_LINE=1
expect "a second virtmgr exits at once" 3 "^virtmgr: already running on $sock$" -- \
	"$virtmgr" --socket "$sock" --image "$tmp/img"
EXPECT_ONE_LINE=0
timeout 20 "$client" "$sock" run hang.pkg >term.out 2>&1 &
cpid=$!
sleep 0.5
stop_virtmgr
rc=$?
wait "$cpid"
if [[ $rc == 0 ]]; then ok "SIGTERM: virtmgr exits 0"; else not_ok "SIGTERM" "exit $rc"; fi
expect_events term "STARTED,DIED KILLED"
if [[ -z $(ls "$tmp/run/vms") && ! -e $sock && -z $(pgrep -f "$tmp/run/vms") ]]; then ok "SIGTERM: everything cleaned up"; else not_ok "SIGTERM cleanup" "$(ls -R "$tmp/run")"; fi

# --- max-vms and the idle timeout ---------------------------------------------------
start_virtmgr --max-vms 2
pids=()
for i in 1 2; do
	timeout 20 "$client" "$sock" run hang.pkg --stop-after-ms 1000 >/dev/null 2>&1 &
	pids+=($!)
done
sleep 0.4
expect "--max-vms 2: a third VM is refused" 1 "exception -8 \(11\): no CID left: 2 VMs are running" -- \
	"$client" "$sock" run hang.pkg
wait "${pids[@]}"
stop_virtmgr

start_virtmgr --idle-timeout 1
t0=$(date +%s%N)
wait "$vpid"
rc=$?
vpid=
ms=$((($(date +%s%N) - t0) / 1000000))
if [[ $rc == 0 ]] && ((ms >= 900 && ms < 4000)); then ok "--idle-timeout 1 exits after about a second"; else not_ok "idle timeout" "rc $rc after $ms ms"; fi

start_virtmgr --idle-timeout 1
run idlebusy stop.pkg --stop-after-ms 2000
if kill -0 "$vpid" 2>/dev/null && [[ $(events idlebusy) == "STARTED,DIED KILLED" ]]; then
	ok "--idle-timeout waits while a VM runs"
else
	not_ok "idle with a VM" "$(cat idlebusy.out)"
fi
wait "$vpid"
vpid=

if grep -q 'binder:' virtmgr.log; then not_ok "no binder messages without -v" "$(grep binder: virtmgr.log | head -3)"; else ok "no binder messages without -v"; fi
echo "cli: $pass passed, $fail failed"
