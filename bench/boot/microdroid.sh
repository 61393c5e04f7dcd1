#!/bin/bash
# bench/boot/microdroid.sh BUILD_DIR
#
# Microdroid's boot under mvm, beside the same kernel with a plain busybox
# initramfs, so that init's own cost is visible.  Both rows boot Debian's
# full 6.12 kernel (Microdroid's, from image/build.sh) with 1 vCPU and
# 256 MiB, in ONE lab boot (nested KVM; docs/lab.md), interleaved:
#   busybox     --initrd tests/integration/make-initrd.sh's initramfs,
#               whose /init writes "mvm-guest: /init started" to /dev/kmsg
#               and powers off
#   microdroid  the image of image/build.sh: first-stage init (modules,
#               dm-verity, switch_root), then second-stage init to
#               sys.boot_completed=1 ("init: boot completed" in the kernel
#               log); androidboot.shutdown_on_boot=1 then powers it off
# Both command lines carry loglevel=6 instead of quiet, so that those
# notice-level lines reach the console with their kernel timestamps:
# the figures are kernel time since the kernel started, read from the
# "[    1.234567]" prefixes, not host clocks.  Also reported: host wall
# time from spawn to mvm's exit.
#
# Results: BUILD_DIR/bench/results/microdroid-boot.json, -runs.tsv, -lab.log.
# Environment: BENCH_MD_RUNS (default 5).
set -euo pipefail

prog=bench/boot/microdroid.sh
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=SCRIPTDIR/../lib.sh
source "$here/../lib.sh"

mem=256
run_timeout=120
base_cmdline="console=ttyS0 loglevel=6 pci=off panic=-1"
mark_busybox='mvm-guest: /init started'
mark_md='init: boot completed'

# Inside the lab: RUNS interleaved boots of each row, one BENCH-RUN line each
# with the kernel timestamp of the row's mark.
if [[ ${1:-} == --in-lab ]]; then
	[[ $# -eq 6 ]] || bench_die "--in-lab: wrong arguments"
	benchrun=$2 mvm=$3 img=$4 bbinitrd=$5 runs=$6
	log=/tmp/bench-md.log
	for ((i = 1; i <= runs; i++)); do
		for row in busybox microdroid; do
			if [[ $row == busybox ]]; then
				cmd=("$mvm" --kernel "$img/kernel" --initrd "$bbinitrd" --mem "$mem" --cpus 1
					--cmdline "$base_cmdline")
				mark=$mark_busybox
			else
				cmd=("$mvm" --kernel "$img/kernel" --initrd "$img/initramfs.img" --mem "$mem" --cpus 1
					--disk "$img/system.img,ro,id=system"
					--cmdline "$(sed 's/ quiet / /' "$img/cmdline") loglevel=6 androidboot.shutdown_on_boot=1")
				mark=$mark_md
			fi
			: >"$log"
			res=$("$benchrun" -t "$run_timeout" -l "$log" -m "$mark" -- "${cmd[@]}") ||
				bench_die "$row: benchrun failed"
			ts=$(tr -d '\r' <"$log" | awk -v m="$mark" '
				index($0, "] " m) && match($0, /^\[ *[0-9.]+\]/) {
					s = substr($0, 2, RLENGTH - 2); gsub(/ /, "", s); print s; exit
				}')
			if [[ $(bench_field "$res" exit) != 0 || -z $ts ]]; then
				echo "BENCH-FAIL row=$row run=$i: exit $(bench_field "$res" exit), mark '${ts:-none}'"
				echo "# command: $(bench_cmdstr "${cmd[@]}")"
				tail -c 3000 "$log"
				exit 1
			fi
			echo "BENCH-RUN row=$row run=$i kernel_s=$ts $res"
		done
	done
	exit 0
fi

build=$(bench_build_dir --lab "$@")
runs=${BENCH_MD_RUNS:-5}
[[ $runs =~ ^[1-9][0-9]*$ ]] || bench_die "BENCH_MD_RUNS must be a positive number, not '$runs'"
mvm=$build/vmm/mvm
[[ -x $mvm ]] || bench_die "$mvm is not built (run make)"
export MVM_BUILD_DIR=$build

img=$build/bench/work/microdroid
"$repo/image/build.sh" "$build" --out "$img" >/dev/null || bench_die "image/build.sh failed"
bbinitrd=$build/bench/work/boot-initrd.gz
mkdir -p "$(dirname "$bbinitrd")"
"$repo/tests/integration/make-initrd.sh" "$bbinitrd" || bench_die "cannot build the busybox initramfs"
read -r labkdir _ < <(bench_lab_kernel "$build" linux-image-6.12-cloud-amd64)
benchrun=$(bench_helper "$build")
out=$build/bench/results
mkdir -p "$out"
lablog=$out/microdroid-boot-lab.log

echo "microdroid boot: $runs runs per row, interleaved, in one lab boot, under mvm (1 vCPU, $mem MiB)"
echo "  kernel: $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["kernel"]["package"])' "$img/image.json")"
rc=0
MVM_LAB_KERNEL_DIR=$labkdir "$repo/lab/lab" run --timeout $((2 * runs * (run_timeout + 10) + 300)) \
	--bin bash --bin "$benchrun" --bin "$mvm" --dir "$img" --file "$bbinitrd" \
	--file "$here/microdroid.sh" --file "$here/../lib.sh" -- \
	bash "$here/microdroid.sh" --in-lab "$benchrun" "$mvm" "$img" "$bbinitrd" "$runs" \
	>"$lablog" 2>&1 || rc=$?
if ((rc != 0)); then
	grep -E '^(BENCH-FAIL|#)' "$lablog" | tail -n 20 >&2 || true
	tail -n 30 "$lablog" >&2
	bench_die "the lab run failed (status $rc); everything it printed is in $lablog"
fi

grep '^BENCH-RUN ' "$lablog" | sed 's/^BENCH-RUN //' >"$out/microdroid-boot-runs.tsv"
stat_of() { # row key
	while read -r line; do
		[[ $(bench_field "$line" row) == "$1" ]] || continue
		v=$(bench_field "$line" "$2")
		if [[ $2 == wall_us ]]; then v=$(awk -v u="$v" 'BEGIN { printf "%.3f", u / 1e6 }'); fi
		echo "$v"
	done <"$out/microdroid-boot-runs.tsv" | bench_stats
}
read -r bb_k bb_kmin bb_kmax < <(stat_of busybox kernel_s)
read -r md_k md_kmin md_kmax < <(stat_of microdroid kernel_s)
read -r bb_w _ _ < <(stat_of busybox wall_us)
read -r md_w _ _ < <(stat_of microdroid wall_us)
init_cost=$(awk -v a="$md_k" -v b="$bb_k" 'BEGIN { printf "%.3f", a - b }')
printf '\n%-38s %-28s %s\n' "row (kernel timestamps)" "median (min-max), s" "spawn to exit, median"
printf '%-38s %-28s %s s\n' "busybox: kernel to /init" "$bb_k ($bb_kmin-$bb_kmax)" "$bb_w"
printf '%-38s %-28s %s s\n' "microdroid: kernel to boot_completed" "$md_k ($md_kmin-$md_kmax)" "$md_w"
printf '%-38s %s s\n' "init's own cost (difference)" "$init_cost"
cat >"$out/microdroid-boot.json" <<JSON
{
  "benchmark": "microdroid-boot",
  "date": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "where": "nested: lab/lab, mvm, 1 vCPU, $mem MiB",
  "runs": $runs,
  "busybox_kernel_to_init_s": {"median": $bb_k, "min": $bb_kmin, "max": $bb_kmax},
  "microdroid_kernel_to_boot_completed_s": {"median": $md_k, "min": $md_kmin, "max": $md_kmax},
  "init_cost_s": $init_cost,
  "busybox_spawn_to_exit_s": $bb_w,
  "microdroid_spawn_to_exit_s": $md_w
}
JSON
echo "results: $out/microdroid-boot.json"
