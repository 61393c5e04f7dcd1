#!/bin/bash
# bench/startup/run.sh BUILD_DIR
#
# VMM start-up and tear-down, mvm against QEMU, on this machine's /dev/kvm.
# Both run the SAME guest, BUILD_DIR/bench/startup/tiny-guest-poweroff (a PVH
# ELF that prints one line on COM1 and powers off), with 256 MiB and 1 vCPU
# and only a serial console:
#   mvm   --kernel tiny-guest-poweroff --mem 256 --cpus 1      (exit 0)
#   QEMU  -M microvm (qboot firmware) ... -kernel tiny-guest-poweroff,
#         ended through isa-debug-exit                       (exit 33)
# (the exact QEMU command line is printed and written to the results).
#
# Runs are interleaved (mvm, QEMU, mvm, QEMU, ...) after one untimed warm-up
# run of each.  Each run is timed from spawn to exit (CLOCK_MONOTONIC, by
# bench/benchrun.c), with the time the guest's line appeared and the peak
# RSS (wait4's ru_maxrss).  A run that does not print the line or does not
# exit with the expected status is an error: the script stops, exit 1.
#
# Reports median/min/max wall time, median peak RSS, and the ratios
# mvm/QEMU against the targets: time <= 0.10, RSS <= 0.20 (PASS or MISS; a
# MISS does not fail the script).
#
# A third program runs interleaved with them: BUILD_DIR/bench/startup/
# kvm-floor (bench/startup/kvm-floor.c) creates the same VM shape (memory,
# in-kernel irqchip and PIT, one vCPU) and destroys it at once, running no
# guest code.  Its time is what KVM alone costs any VMM with an in-kernel
# irqchip on this host, mostly an SRCU grace period that the VM's teardown
# waits for; it is reported as "KVM floor" so that the ratio can be read
# against it.  Results: BUILD_DIR/bench/results/
#   startup.json        summary
#   startup-runs.tsv    every run
#   startup-logs/       output of every run
#
# Environment:
#   BENCH_RUNS          timed runs per VMM (default 20)
#   BENCH_QEMU          QEMU binary (default qemu-system-x86_64)
#   BENCH_QEMU_MACHINE  QEMU -M value (default: microvm with everything
#                       optional off, see below)
#   BENCH_QEMU_CPU      QEMU -cpu value (default kvm64,pni=off)
set -euo pipefail

prog=bench/startup/run.sh
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/../lib.sh
source "$here/../lib.sh"

build=$(bench_build_dir "$@")
runs=${BENCH_RUNS:-20}
[[ $runs =~ ^[1-9][0-9]*$ ]] || bench_die "BENCH_RUNS must be a positive number, not '$runs'"

mvm=$build/vmm/mvm
guest=$build/bench/startup/tiny-guest-poweroff
floor=$build/bench/startup/kvm-floor
qemu=${BENCH_QEMU:-qemu-system-x86_64}
[[ -x $mvm ]] || bench_die "$mvm is not built (run make)"
[[ -f $guest ]] || bench_die "$guest is not built (run make)"
[[ -x $floor ]] || bench_die "$floor is not built (run make)"
command -v "$qemu" >/dev/null || bench_die "'$qemu' not found (install qemu-system-x86: make deps)"
[[ -c /dev/kvm ]] || bench_die "/dev/kvm does not exist: both VMMs need KVM"
[[ -r /dev/kvm && -w /dev/kvm ]] || bench_die "no permission to open /dev/kvm (add yourself to group kvm, or run as root)"

marker='tiny-guest: hello from the guest'
timeout=30
mem=256

mvm_cmd=("$mvm" --kernel "$guest" --mem "$mem" --cpus 1)
mvm_exit=0

# QEMU's smallest equivalent: the microvm machine, whose default firmware is
# qboot (bios-microvm.bin) and which loads a PVH ELF given with -kernel; no
# option ROMs, RTC, PIT, PIC, ACPI or extra command-line words, one ISA
# serial port; no default devices, no config files, no display.  QEMU has no
# device at mvm's power-off port 0x3c0, so the guest then writes to
# isa-debug-exit, which ends QEMU with status (0x10 << 1) | 1 = 33.
# -cpu: "host" and "max" abort on a paravirtual KVM (MSR 0x10a); kvm64 works,
# minus pni, which such a KVM does not offer (QEMU would warn and drop it).
qemu_machine=${BENCH_QEMU_MACHINE:-microvm,x-option-roms=off,rtc=off,pit=off,pic=off,isa-serial=on,acpi=off,auto-kernel-cmdline=off}
qemu_cpu=${BENCH_QEMU_CPU:-kvm64,pni=off}
# shellcheck disable=SC2054  # commas inside QEMU's arguments
qemu_cmd=("$qemu" -M "$qemu_machine" -enable-kvm -cpu "$qemu_cpu" -m "$mem" -smp 1
	-nodefaults -no-user-config -display none -serial stdio
	-device isa-debug-exit,iobase=0xf4,iosize=4 -kernel "$guest")
qemu_exit=33

benchrun=$(bench_helper "$build")
out=$build/bench/results
logs=$out/startup-logs
mkdir -p "$out"
rm -rf "$logs" "$out/startup.json" "$out/startup-runs.tsv"
mkdir -p "$logs"
tsv=$out/startup-runs.tsv
printf 'vmm\trun\twall_ms\tline_ms\tmaxrss_kib\n' >"$tsv.tmp"

# one VMM RUN: run it once, check it, append its figures to the TSV (run 0,
# the warm-up, is checked but not recorded).
one() {
	local vmm=$1 run=$2 log res want rc line_us wall_us rss
	local -a cmd mflag=(-m "$marker")
	case $vmm in
	mvm) cmd=("${mvm_cmd[@]}") want=$mvm_exit ;;
	qemu) cmd=("${qemu_cmd[@]}") want=$qemu_exit ;;
	floor) cmd=("$floor" "$mem") want=0 mflag=() ;;
	esac
	log=$logs/$vmm-$run.log
	res=$("$benchrun" -t "$timeout" -l "$log" "${mflag[@]}" -- "${cmd[@]}") ||
		bench_die "$vmm run $run: benchrun failed"
	rc=$(bench_field "$res" exit)
	line_us=$(bench_field "$res" marker1_us || echo 0)
	wall_us=$(bench_field "$res" wall_us)
	rss=$(bench_field "$res" maxrss_kib)
	if [[ $(bench_field "$res" timeout) == 1 ]]; then
		bench_die "$vmm run $run: no exit within ${timeout}s; output in $log: $(tail -c 300 "$log")"
	elif [[ $rc != "$want" ]]; then
		bench_die "$vmm run $run: exit status $rc (signal $(bench_field "$res" signal)), wanted $want; output in $log: $(tail -c 300 "$log")"
	elif [[ $line_us == -1 ]]; then
		bench_die "$vmm run $run: the guest's line '$marker' never appeared; output in $log: $(tail -c 300 "$log")"
	fi
	if ((run > 0)); then
		awk -v v="$vmm" -v r="$run" -v w="$wall_us" -v l="$line_us" -v m="$rss" \
			'BEGIN { printf "%s\t%d\t%.3f\t%.3f\t%d\n", v, r, w / 1000, l / 1000, m }' >>"$tsv.tmp"
	fi
}

echo "startup: $runs runs each, interleaved, after one warm-up run each"
echo "  mvm:  $(bench_cmdstr "${mvm_cmd[@]}")"
echo "  QEMU: $(bench_cmdstr "${qemu_cmd[@]}")"
echo "  KVM floor: $(bench_cmdstr "$floor" "$mem")"
one mvm 0
one qemu 0
one floor 0
for ((i = 1; i <= runs; i++)); do
	one mvm "$i"
	one qemu "$i"
	one floor "$i"
done
mv -f "$tsv.tmp" "$tsv"

col() { awk -F'\t' -v v="$1" -v c="$2" 'NR > 1 && $1 == v { print $c }' "$tsv"; }
read -r mvm_wall mvm_wall_min mvm_wall_max < <(col mvm 3 | bench_stats)
read -r qemu_wall qemu_wall_min qemu_wall_max < <(col qemu 3 | bench_stats)
read -r mvm_line _ _ < <(col mvm 4 | bench_stats)
read -r qemu_line _ _ < <(col qemu 4 | bench_stats)
read -r floor_wall floor_wall_min floor_wall_max < <(col floor 3 | bench_stats)
read -r mvm_rss mvm_rss_min mvm_rss_max < <(col mvm 5 | bench_stats)
read -r qemu_rss qemu_rss_min qemu_rss_max < <(col qemu 5 | bench_stats)
time_ratio=$(bench_ratio "$mvm_wall" "$qemu_wall")
line_ratio=$(bench_ratio "$mvm_line" "$qemu_line")
floor_ratio=$(bench_ratio "$floor_wall" "$qemu_wall")
rss_ratio=$(bench_ratio "$mvm_rss" "$qemu_rss")
time_target=0.10
rss_target=0.20
time_verdict=$(bench_verdict "$time_ratio" "$time_target")
rss_verdict=$(bench_verdict "$rss_ratio" "$rss_target")

echo
printf '%-5s %-24s %-20s %s\n' VMM "exec to exit, ms:" "guest line, ms:" "peak RSS KiB:"
printf '%-5s %-24s %-20s %s\n' "" "median (min-max)" "median" "median (min-max)"
printf '%-5s %-24s %-20.1f %s\n' mvm "$(printf '%.1f (%.1f-%.1f)' "$mvm_wall" "$mvm_wall_min" "$mvm_wall_max")" \
	"$mvm_line" "$(printf '%.0f (%.0f-%.0f)' "$mvm_rss" "$mvm_rss_min" "$mvm_rss_max")"
printf '%-5s %-24s %-20.1f %s\n' QEMU "$(printf '%.1f (%.1f-%.1f)' "$qemu_wall" "$qemu_wall_min" "$qemu_wall_max")" \
	"$qemu_line" "$(printf '%.0f (%.0f-%.0f)' "$qemu_rss" "$qemu_rss_min" "$qemu_rss_max")"
printf '%-5s %-24s %s\n' floor "$(printf '%.1f (%.1f-%.1f)' "$floor_wall" "$floor_wall_min" "$floor_wall_max")" \
	"(KVM floor: create and destroy the VM, no guest code)"
echo
printf 'startup time  mvm/QEMU = %s  (target <= %s)  %s\n' "$time_ratio" "$time_target" "$time_verdict"
printf 'peak RSS      mvm/QEMU = %s  (target <= %s)  %s\n' "$rss_ratio" "$rss_target" "$rss_verdict"
printf 'guest line    mvm/QEMU = %s  (exec to the guest'"'"'s first line; no target)\n' "$line_ratio"
printf 'KVM floor     floor/QEMU = %s: the least any VMM with an in-kernel irqchip needs to create and destroy a VM here\n' "$floor_ratio"

json=$out/startup.json
{
	printf '{\n  "benchmark": "startup",\n  "date": "%s",\n  "host": %s,\n  "runs": %d,\n' \
		"$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(bench_json_str "$(uname -srm), $(nproc) CPUs")" "$runs"
	printf '  "guest": "tiny-guest-poweroff, %d MiB, 1 vCPU",\n' "$mem"
	for v in mvm qemu; do
		if [[ $v == mvm ]]; then
			set -- "$mvm_wall" "$mvm_wall_min" "$mvm_wall_max" "$mvm_line" "$mvm_rss" "$mvm_rss_min" "$mvm_rss_max" "$(bench_cmdstr "${mvm_cmd[@]}")"
		else
			set -- "$qemu_wall" "$qemu_wall_min" "$qemu_wall_max" "$qemu_line" "$qemu_rss" "$qemu_rss_min" "$qemu_rss_max" "$(bench_cmdstr "${qemu_cmd[@]}")"
		fi
		printf '  "%s": {"wall_ms_median": %s, "wall_ms_min": %s, "wall_ms_max": %s, "guest_line_ms_median": %s, "maxrss_kib_median": %s, "maxrss_kib_min": %s, "maxrss_kib_max": %s, "command": %s},\n' \
			"$v" "$1" "$2" "$3" "$4" "$5" "$6" "$7" "$(bench_json_str "$8")"
	done
	printf '  "kvm_floor": {"wall_ms_median": %s, "wall_ms_min": %s, "wall_ms_max": %s, "command": %s},\n' \
		"$floor_wall" "$floor_wall_min" "$floor_wall_max" "$(bench_json_str "$(bench_cmdstr "$floor" "$mem")")"
	printf '  "time_ratio": %s, "time_target": %s, "time_result": "%s",\n' "$time_ratio" "$time_target" "$time_verdict"
	printf '  "guest_line_ratio": %s, "kvm_floor_ratio": %s,\n' "$line_ratio" "$floor_ratio"
	printf '  "rss_ratio": %s, "rss_target": %s, "rss_result": "%s"\n}\n' "$rss_ratio" "$rss_target" "$rss_verdict"
} >"$json"
echo "results: $json"
