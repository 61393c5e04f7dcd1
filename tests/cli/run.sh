#!/usr/bin/env bash
# Native tests of the mvm command line: flags, errors and exit codes.
# They need no Linux guest: the tiny PVH guests (bench/startup) run on any
# /dev/kvm, including a paravirtual one.  Cases that need a working KVM
# are skipped, with a reason, only when /dev/kvm cannot be opened.
#
#   tests/cli/run.sh BUILD_DIR
# Last line: "cli: N passed, N failed".
set -uo pipefail

build=${1:?usage: tests/cli/run.sh BUILD_DIR}
mvm=$build/vmm/mvm
guests=$build/bench/startup
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

. "$(dirname "$0")/lib.sh"

# --- command line -----------------------------------------------------------
"$mvm" --help >"$tmp/out" 2>&1
if [[ $? == 0 ]] && grep -q -- '--kernel PATH' "$tmp/out" && grep -q 'Exit status' "$tmp/out"; then
	ok "--help lists the flags and exit codes"
else
	not_ok "--help" "$(head -c 300 "$tmp/out")"
fi
expect "unknown flag is a usage error" 2 "unknown option '--frobnicate'" -- "$mvm" --frobnicate
expect "missing --kernel is a usage error" 2 "no kernel given" -- "$mvm"
expect "flag without its value" 2 "needs a value" -- "$mvm" --kernel
expect "--mem must be a number" 2 "--mem wants a whole number" -- "$mvm" --kernel x --mem 12abc
expect "--cpus 0 is refused" 2 "--cpus wants a number from 1 to 254" -- "$mvm" --kernel x --cpus 0
expect "--cpus 255 is refused" 2 "--cpus wants" -- "$mvm" --kernel x --cpus 255
expect "stray argument is refused" 2 "unexpected argument 'extra'" -- "$mvm" --kernel x extra

# --- bad images and configurations ---------------------------------------------
expect "missing kernel file" 1 "kernel '$tmp/nope': No such file" -- "$mvm" --kernel "$tmp/nope"
head -c 100000 /dev/urandom >"$tmp/random.img"
expect "random bytes are not a kernel" 1 "neither a bzImage nor an ELF" -- "$mvm" --kernel "$tmp/random.img"
: >"$tmp/empty.img"
expect "empty kernel file" 1 "is empty" -- "$mvm" --kernel "$tmp/empty.img"
expect "a directory is not a kernel" 1 "not a regular file" -- "$mvm" --kernel "$tmp"
expect "too little memory" 1 "too little" -- "$mvm" --kernel "$guests/tiny-guest-poweroff" --mem 8
expect "missing initrd file" 1 "initrd '$tmp/nope': No such file" -- \
	"$mvm" --kernel "$guests/tiny-guest-poweroff" --initrd "$tmp/nope"
head -c $((40 << 20)) /dev/zero >"$tmp/big.initrd"
expect "initrd larger than memory" 1 "initrd .*does not fit" -- \
	"$mvm" --kernel "$guests/tiny-guest-poweroff" --initrd "$tmp/big.initrd" --mem 32
expect "command line too long" 1 "command line" -- \
	"$mvm" --kernel "$guests/tiny-guest-poweroff" --cmdline "$(head -c 70000 /dev/zero | tr '\0' x)"
MVM_KVM_DEVICE=$tmp/no-kvm expect "no KVM device" 1 "not found: KVM is not available" -- \
	"$mvm" --kernel "$guests/tiny-guest-poweroff"

# As an unprivileged user /dev/kvm (root-only here) must give the permission hint.
if ((EUID == 0)) && command -v setpriv >/dev/null && [[ -e /dev/kvm ]] &&
	! setpriv --reuid=65534 --regid=65534 --clear-groups test -r /dev/kvm -a -w /dev/kvm &&
	setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$mvm" -a -r "$guests/tiny-guest-poweroff"; then
	expect "no permission on /dev/kvm" 1 "no permission to open /dev/kvm" -- \
		setpriv --reuid=65534 --regid=65534 --clear-groups "$mvm" --kernel "$guests/tiny-guest-poweroff"
else
	echo "# permission case not run: needs root, setpriv, and a /dev/kvm that uid 65534 cannot open"
fi

echo keep >"$tmp/console.txt"
expect "failed start leaves the console file alone" 1 "" -- \
	"$mvm" --kernel "$tmp/random.img" --console "$tmp/console.txt"
if [[ $(cat "$tmp/console.txt") == keep ]]; then ok "console file content kept"; else not_ok "console file content kept" "it was changed"; fi
expect "failed start creates no console file" 1 "" -- \
	"$mvm" --kernel "$tmp/random.img" --console "$tmp/new-console.txt"
if [[ ! -e $tmp/new-console.txt ]]; then ok "no console file left behind"; else not_ok "no console file left behind" "it exists"; fi

# --- running the tiny guests ---------------------------------------------------
if ! exec 3<>/dev/kvm 2>/dev/null; then
	echo "# /dev/kvm cannot be opened here: the guest-running cases are not run"
	not_ok "run tiny guests" "/dev/kvm unavailable"
else
	exec 3>&-
	expect "guest poweroff exits 0" 0 "" -- "$mvm" --kernel "$guests/tiny-guest-poweroff"
	if grep -q "tiny-guest: hello from the guest" "$tmp/out"; then ok "guest serial output on stdout"; else not_ok "guest serial output on stdout" "$(head -c 200 "$tmp/out")"; fi
	expect "guest poweroff with 4 vCPUs and 1 GiB" 0 "" -- \
		"$mvm" --kernel "$guests/tiny-guest-poweroff" --cpus 4 --mem 1024
	expect "guest poweroff with memory above 4 GiB" 0 "" -- \
		"$mvm" --kernel "$guests/tiny-guest-poweroff" --mem 4096
	expect "guest with an initrd" 0 "" -- \
		"$mvm" --kernel "$guests/tiny-guest-poweroff" --initrd "$tmp/random.img"
	expect "console to a file" 0 "" -- \
		"$mvm" --kernel "$guests/tiny-guest-poweroff" --console "$tmp/console.txt"
	if grep -q "hello from the guest" "$tmp/console.txt" && [[ ! -s $tmp/out ]]; then
		ok "console file holds the guest output"
	else
		not_ok "console file holds the guest output" "$(head -c 200 "$tmp/console.txt")"
	fi
	expect "i8042 reset exits 3" 3 "guest reset \(i8042" -- "$mvm" --kernel "$guests/tiny-guest-reset"
	# Every thread of a running mvm is under a seccomp filter (mode 2).
	"$mvm" --kernel "$guests/tiny-guest-spin" --rng >/dev/null 2>&1 </dev/null &
	pid=$!
	sleep 0.5
	modes=$(cat /proc/$pid/task/*/status 2>/dev/null | sed -n 's/^Seccomp:[[:space:]]*//p' | sort -u | tr '\n' ' ')
	threads=$(ls /proc/$pid/task 2>/dev/null | wc -l)
	names=$(cat /proc/$pid/task/*/comm 2>/dev/null | tr '\n' ' ')
	kill -TERM $pid 2>/dev/null
	wait $pid 2>/dev/null
	if [[ $modes == "2 " && $threads -ge 3 && $names == *virtio-rng* ]]; then
		ok "all $threads mvm threads run under seccomp"
	else
		not_ok "all mvm threads run under seccomp" "Seccomp modes '$modes' over $threads threads ($names)"
	fi
	expect "SIGTERM exits 143" 143 "stopped by SIGTERM" -- \
		timeout --preserve-status -s TERM 1 "$mvm" --kernel "$guests/tiny-guest-spin"
	expect "SIGINT exits 130" 130 "stopped by SIGINT" -- \
		timeout --preserve-status -s INT 1 "$mvm" --kernel "$guests/tiny-guest-spin"

	# SIGQUIT: every vCPU prints its registers and the VM goes on running.
	qerr=$(mktemp)
	"$mvm" --kernel "$guests/tiny-guest-spin" --cpus 2 >/dev/null 2>"$qerr" </dev/null &
	pid=$!
	sleep 0.5
	kill -QUIT $pid 2>/dev/null
	sleep 0.5
	alive=0
	kill -0 $pid 2>/dev/null && alive=1
	kill -TERM $pid 2>/dev/null
	wait $pid 2>/dev/null
	rc=$?
	dumps=$(grep -c 'registers (SIGQUIT)' "$qerr")
	if [[ $alive == 1 && $rc == 143 && $dumps == 2 ]] && grep -q 'rip=' "$qerr" &&
		grep -q 'mp_state=' "$qerr" && grep -q 'events: interrupt injected=' "$qerr" &&
		grep -q 'COM1: ier=.* line=' "$qerr"; then
		ok "SIGQUIT dumps every vCPU's registers and COM1's state; the VM goes on"
	else
		not_ok "SIGQUIT dumps every vCPU's registers and COM1's state; the VM goes on" \
			"alive=$alive exit=$rc dumps=$dumps: $(head -c 300 "$qerr")"
	fi
	rm -f "$qerr"
fi

echo "cli: $pass passed, $fail failed"
((fail == 0))
