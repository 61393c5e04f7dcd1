#!/usr/bin/env bash
# Native tests of the vm commands that talk to virtmgr (run-app,
# run-microdroid, list, info, stop) and of libvmclient's on-demand start:
# the real virtmgr, with tests/host/fake-mvm standing in for mvm and
# playing the guest from a scenario file in each package.  Needs
# mkfs.erofs (vm pack); no KVM.
#
#   tests/cli/vm-virtmgr.sh BUILD_DIR
# Last line: "cli: N passed, N failed".
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?usage: tests/cli/vm-virtmgr.sh BUILD_DIR}" && pwd)
vm=$build/host/vm/vm
tmp=$(mktemp -d)
export MVM=$build/tests/host/fake-mvm
export MDROID_IMAGE_DIR=$tmp/image
export MDROID_VIRTMGR_SOCKET=$tmp/run/virtmgr.sock
export MDROID_PAYLOAD_DIR=$tmp/payloads
# Stop the virtmgr these tests started (found by its --socket argument).
cleanup() {
	local pid
	pid=$(pgrep -f -- "--socket $MDROID_VIRTMGR_SOCKET" 2>/dev/null | head -n 1)
	[[ -n $pid ]] && kill "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
cd "$tmp" || exit 1

. "$here/lib.sh"
EXPECT_ONE_LINE=1

mkdir -p image payloads
for f in kernel initramfs.img system.img cmdline; do echo fake >"image/$f"; done
echo '{"os": {"name": "microdroid"}, "task": {"type": "microdroid_launcher", "command": "libempty.so"}}' >vm_config.json

# pkg NAME SCENARIO-LINES...: a package whose fake guest plays the lines.
pkg() {
	local name=$1
	shift
	printf '%s\n' "$@" >"$name.scenario"
	"$vm" pack -o "$name.pkg" --config vm_config.json --lib "$build/payloads/empty/libempty.so" \
		--file "$name.scenario=assets/fake-scenario" >/dev/null
}

pkg finish started ready "log hello from the payload" "finish 7"
pkg zero started ready "finish 0"
pkg crash started "crash 11"
pkg error "error 3 the config is wrong" "exit 0"
pkg panic started panic
pkg hang started ready hang
pkg console "console booting the fake kernel" started "finish 0"
cp hang.pkg payloads/empty.pkg

# --- run-app: states and exit status -----------------------------------------------
# A payload's own non-zero exit status is no vm error: nothing on stderr then.
EXPECT_ONE_LINE=0 expect "run-app: exit status is the payload's exit code" 7 '' -- "$vm" run-app --name fin finish.pkg
if grep -qx 'vm: fin (cid [0-9]*): STARTING' out && grep -qx 'vm: fin (cid [0-9]*): READY' out &&
	grep -qx 'vm: fin (cid [0-9]*): FINISHED, exit code 7' out &&
	grep -qx 'vm: fin (cid [0-9]*): DEAD (SHUTDOWN)' out; then
	ok "run-app prints each state change"
else
	not_ok "run-app prints each state change" "$(head -c 400 out)"
fi
if grep -qx 'hello from the payload' out; then ok "the payload's log goes to stdout"; else not_ok "the payload's log goes to stdout" "$(head -c 300 out)"; fi
# Once it is gone, vm info still says how it ended (virtmgr remembers the
# last VIRTMGR_ENDED_KEEP), and vm stop says it is not running.
expect "info: an ended VM by name" 0 '' -- "$vm" info fin
if grep -qx 'state: DEAD' out && grep -qx 'payload exit code: 7' out && grep -qx 'death reason: SHUTDOWN' out; then
	ok "info: an ended VM shows DEAD, its death reason and its exit code"
else
	not_ok "info: an ended VM shows DEAD, its death reason and its exit code" "$(head -c 300 out)"
fi
EXPECT_ONE_LINE=1 expect "run-app: names of the form vmN are virtmgr's own" 1 "the name 'vm12' is reserved" -- "$vm" run-app --name vm12 zero.pkg
EXPECT_ONE_LINE=1 expect "stop: an ended VM is not running" 1 "no running VM named 'fin'" -- "$vm" stop fin
if [[ -S $MDROID_VIRTMGR_SOCKET ]]; then ok "virtmgr was started on demand"; else not_ok "virtmgr was started on demand" "no socket"; fi
expect "run-app: exit status 0" 0 '' -- "$vm" run-app zero.pkg
EXPECT_ONE_LINE=0 expect "run-app: a crashed payload gives 128+signal" 139 '' -- "$vm" run-app crash.pkg
check_line() { if grep -q "$2" out; then ok "$1"; else not_ok "$1" "$(head -c 300 out)"; fi; }
check_line "run-app says the signal" 'CRASHED, signal 11 (SIGSEGV)'
expect "run-app: a guest error gives 80" 80 'ERROR \(PAYLOAD_INVALID_CONFIG\): the config is wrong' -- "$vm" run-app error.pkg
check_line "run-app: DEAD with the error's reason" 'DEAD (PAYLOAD_INVALID_CONFIG)'
expect "run-app: a kernel panic gives 81" 81 'died before its payload finished \(KERNEL_PANIC' -- "$vm" run-app panic.pkg

EXPECT_ONE_LINE=0 expect "run-app --log FILE" 7 '' -- "$vm" run-app --log log.txt finish.pkg
if grep -qx 'hello from the payload' log.txt && ! grep -q hello out; then ok "--log FILE gets the log, not stdout"; else not_ok "--log FILE" "$(cat log.txt)"; fi
expect "run-app --console FILE" 0 '' -- "$vm" run-app --console console.txt console.pkg
if grep -q 'booting the fake kernel' console.txt; then ok "--console FILE gets the console"; else not_ok "--console FILE" "$(head -c 200 console.txt)"; fi
rm -f inst.img
expect "run-app makes a missing INSTANCE.img" 0 '' -- "$vm" run-app zero.pkg inst.img
if [[ $(stat -c %s inst.img 2>/dev/null) == 10485760 ]] && head -c 19 inst.img | grep -q Android-VM-instance; then
	ok "INSTANCE.img is an instance disk of 10 MiB"
else
	not_ok "INSTANCE.img" "$(ls -l inst.img 2>&1)"
fi

# --- bad arguments and refusals -------------------------------------------------
expect "run-app without a package" 2 'want PACKAGE' -- "$vm" run-app
expect "run-app --mem too small" 2 '--mem wants a number from 64' -- "$vm" run-app --mem 1 zero.pkg
expect "run-app --debug bad" 2 "--debug wants full or none" -- "$vm" run-app --debug loud zero.pkg
expect "run-app missing package" 1 'nope.pkg: No such file' -- "$vm" run-app nope.pkg
echo garbage >bad.pkg
expect "run-app: virtmgr refuses a bad package" 1 'virtmgr: .*package' -- "$vm" run-app bad.pkg
expect "info of no such VM" 1 "no VM named 'ghost'" -- "$vm" info ghost
expect "stop of no such VM" 1 "no running VM with CID 99" -- "$vm" stop 99
expect "info wants one argument" 2 'want one CID or NAME' -- "$vm" info
expect "list takes no arguments" 2 'takes no arguments' -- "$vm" list x

# --- list, info, stop by name and by CID; Ctrl-C ---------------------------------
"$vm" run-app --name sleeper hang.pkg >sleeper.out 2>&1 &
runner=$!
for _ in $(seq 100); do grep -q READY sleeper.out && break; sleep 0.1; done
expect "list" 0 '' -- "$vm" list
if grep -Eq '^[0-9]+ +sleeper +READY ' out; then ok "list shows the VM"; else not_ok "list shows the VM" "$(cat out)"; fi
cid=$(awk '$2 == "sleeper" {print $1}' out)
expect "info by name" 0 '' -- "$vm" info sleeper
if grep -qx 'state: READY' out && grep -qx "cid: $cid" out && grep -q '^work dir: ' out; then ok "info prints the fields"; else not_ok "info prints the fields" "$(cat out)"; fi
workdir=$(sed -n 's/^work dir: //p' out)
expect "info by CID" 0 '' -- "$vm" info "$cid"
expect "stop by CID" 0 '' -- "$vm" stop "$cid"
check_line "stop says DEAD (KILLED)" "DEAD (KILLED)"
wait $runner
rc=$?
if [[ $rc == 81 ]] && grep -q 'DEAD (KILLED)' sleeper.out; then ok "run-app sees its VM stopped (81)"; else not_ok "run-app after vm stop" "rc $rc: $(cat sleeper.out)"; fi
if [[ -n $workdir && ! -e $workdir ]]; then ok "the work directory is gone"; else not_ok "the work directory is gone" "$workdir"; fi

"$vm" run-app --name ctrlc hang.pkg >ctrlc.out 2>&1 &
runner=$!
for _ in $(seq 100); do grep -q READY ctrlc.out && break; sleep 0.1; done
expect "stop by name works too (info first)" 0 '' -- "$vm" info ctrlc
kill -INT $runner
wait $runner
rc=$?
if [[ $rc == 130 ]] && grep -q 'stopping (SIGINT)' ctrlc.out && grep -q 'DEAD (KILLED)' ctrlc.out; then
	ok "Ctrl-C stops the VM, waits for DEAD, exits 130"
else
	not_ok "Ctrl-C" "rc $rc: $(cat ctrlc.out)"
fi
expect "list is empty after" 0 '' -- "$vm" list
if [[ $(wc -l <out) == 1 ]]; then ok "no VM left"; else not_ok "no VM left" "$(cat out)"; fi

"$vm" run-microdroid --name md >md.out 2>&1 &
runner=$!
for _ in $(seq 100); do grep -q READY md.out && break; sleep 0.1; done
kill -TERM $runner
wait $runner
rc=$?
if [[ $rc == 143 ]] && grep -q 'vm: md (cid [0-9]*): READY' md.out; then ok "run-microdroid runs empty.pkg until SIGTERM"; else not_ok "run-microdroid" "rc $rc: $(cat md.out)"; fi

# --- on-demand start: two clients racing ---------------------------------------
pid=$(pgrep -f -- "--socket $MDROID_VIRTMGR_SOCKET" | head -n 1)
kill "$pid" 2>/dev/null
for _ in $(seq 50); do [[ -S $MDROID_VIRTMGR_SOCKET ]] || break; sleep 0.1; done
"$vm" run-app zero.pkg >race1.out 2>&1 &
a=$!
"$vm" run-app finish.pkg >race2.out 2>&1 &
b=$!
wait $a
ra=$?
wait $b
rb=$?
if [[ $ra == 0 && $rb == 7 ]]; then ok "two clients racing to start virtmgr both run"; else not_ok "racing clients" "$ra $rb: $(cat race1.out race2.out)"; fi
n=$(pgrep -fc -- "--socket $MDROID_VIRTMGR_SOCKET")
if [[ $n == 1 ]]; then ok "one virtmgr after the race"; else not_ok "one virtmgr after the race" "$n running"; fi

echo "cli: $pass passed, $fail failed"
