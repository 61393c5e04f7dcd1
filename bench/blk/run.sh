#!/bin/bash
# bench/blk/run.sh BUILD_DIR
#
# virtio-blk throughput, mvm against QEMU, in one lab boot (nested KVM; see
# docs/lab.md).  Both VMMs boot the same Debian kernel and initramfs with
# 512 MiB and 1 vCPU and the same 512 MiB raw image (in the lab's RAM, so
# the host's page cache serves it and the figures are the VMMs' own cost):
#   mvm   ... --disk IMG,id=bench
#   QEMU  -M microvm ... -drive file=IMG,format=raw,if=none,id=d0,cache=writeback,aio=threads
#         -device virtio-blk-device,drive=d0,serial=bench
# In the guest, bench/blk/blk-bench.c (O_DIRECT) measures, on the disk with
# serial id "bench":
#   seqwrite   256 MiB in 1 MiB requests, then fdatasync
#   seqread    256 MiB in 1 MiB requests
#   randread   4 KiB reads at random offsets, one at a time, for 5 s
# Runs are interleaved (mvm, QEMU, mvm, QEMU...), BENCH_BLK_RUNS each
# (default 3); reported are the medians and the ratios mvm/QEMU against the
# target >= 0.8 (PASS or MISS; a MISS does not fail the script).  A run
# that does not finish or reports an error stops the script (exit 1).
#
# Results: BUILD_DIR/bench/results/blk.json, blk-runs.tsv, blk-lab.log.
#
# Environment: BENCH_BLK_RUNS, BENCH_BLK_MIB (default 256),
# BENCH_BLK_SECS (default 5), BENCH_KERNEL_META (default
# linux-image-6.12-cloud-amd64).
set -euo pipefail

prog=bench/blk/run.sh
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=SCRIPTDIR/../lib.sh
source "$here/../lib.sh"

mem=512
run_timeout=300
target=0.8
qemu_machine=microvm,x-option-roms=off,isa-serial=on,rtc=on,auto-kernel-cmdline=off

# Where the lab keeps the image, and the guest's command line.
lab_img=/var/tmp/bench-blk.img
bench_cmdline() { echo "console=ttyS0 quiet pci=off panic=-1 mvmtest=blkbench mvmbench.mib=$1 mvmbench.secs=$2"; }

build_cmds() { # mvm kernel initrd image cmdline
	mvm_cmd=("$1" --kernel "$2" --initrd "$3" --mem "$mem" --cpus 1 --disk "$4,id=bench"
		--cmdline "$5")
	qemu_cmd=(qemu-system-x86_64 -M "$qemu_machine" -enable-kvm -cpu host -m "$mem" -smp 1
		-nodefaults -no-user-config -display none -serial stdio
		-kernel "$2" -initrd "$3" -append "$5"
		-drive "file=$4,format=raw,if=none,id=d0,cache=writeback,aio=threads"
		-device virtio-blk-device,drive=d0,serial=bench)
}

# ---------------------------------------------------------------------------
# Inside the lab.
if [[ ${1:-} == --in-lab ]]; then
	[[ $# -eq 7 ]] || bench_die "--in-lab: wrong arguments"
	mvm=$2 kernel=$3 initrd=$4 runs=$5 mib=$6 secs=$7
	[[ -c /dev/kvm ]] || bench_die "no /dev/kvm in the lab"
	echo "# in the lab: $(uname -r), $(nproc) CPUs, $(qemu-system-x86_64 --version | head -n 1)"
	img=$lab_img
	mkdir -p "${img%/*}"
	dd if=/dev/zero of="$img" bs=1M count=512 2>/dev/null || bench_die "cannot make $img"
	cmdline=$(bench_cmdline "$mib" "$secs")
	build_cmds "$mvm" "$kernel" "$initrd" "$img" "$cmdline"
	log=/tmp/bench-blk.log
	for ((i = 1; i <= runs; i++)); do
		for vmm in mvm qemu; do
			if [[ $vmm == mvm ]]; then cmd=("${mvm_cmd[@]}"); else cmd=("${qemu_cmd[@]}"); fi
			rc=0
			timeout -k 5 "$run_timeout" "${cmd[@]}" </dev/null >"$log" 2>&1 || rc=$?
			tr -d '\r' <"$log" | sed -n "s/^MVM-BENCH /BENCH-RESULT vmm=$vmm run=$i /p"
			if ! tr -d '\r' <"$log" | grep -qx MVM-BENCH-DONE || [[ $rc -ne 0 ]] ||
				tr -d '\r' <"$log" | grep -q '^MVM-BENCH.*ERROR'; then
				echo "BENCH-FAIL vmm=$vmm run=$i: exit status $rc"
				echo "# command: $(bench_cmdstr "${cmd[@]}")"
				tail -c 3000 "$log"
				exit 1
			fi
		done
	done
	exit 0
fi

# ---------------------------------------------------------------------------
# On the host.
build=$(bench_build_dir --lab "$@")
runs=${BENCH_BLK_RUNS:-3}
mib=${BENCH_BLK_MIB:-256}
secs=${BENCH_BLK_SECS:-5}
[[ $runs =~ ^[1-9][0-9]*$ && $mib =~ ^[1-9][0-9]*$ && $secs =~ ^[1-9][0-9]*$ ]] ||
	bench_die "BENCH_BLK_RUNS, BENCH_BLK_MIB and BENCH_BLK_SECS must be positive numbers"
((mib <= 448)) || bench_die "BENCH_BLK_MIB must be at most 448 (the image is 512 MiB)"
mvm=$build/vmm/mvm
tool=$build/bench/blk/blk-bench
[[ -x $mvm && -x $tool ]] || bench_die "$mvm or $tool is not built (run make)"
command -v qemu-system-x86_64 >/dev/null || bench_die "qemu-system-x86_64 not found (make deps)"
export MVM_BUILD_DIR=$build
read -r kdir kernel < <(bench_lab_kernel "$build" "${BENCH_KERNEL_META:-linux-image-6.12-cloud-amd64}")
work=$build/bench/work
mkdir -p "$work"
initrd=$work/blk-initrd.gz
"$repo/tests/integration/make-initrd.sh" "$initrd" --modules "$kdir" virtio_mmio virtio_blk --bin "$tool" ||
	bench_die "cannot build the initramfs"
out=$build/bench/results
mkdir -p "$out"
lablog=$out/blk-lab.log

echo "blk: $runs runs per VMM, interleaved, in one lab boot: seqwrite/seqread $mib MiB, randread ${secs}s"
build_cmds "$mvm" "$kernel" "$initrd" "$lab_img" "$(bench_cmdline "$mib" "$secs")"
echo "  mvm:  $(bench_cmdstr "${mvm_cmd[@]}")"
echo "  QEMU: $(bench_cmdstr "${qemu_cmd[@]}")"
rc=0
MVM_LAB_KERNEL_DIR=$kdir "$repo/lab/lab" run --qemu --timeout $((runs * 2 * (run_timeout + 10) + 300)) \
	--bin bash --bin timeout --bin "$mvm" --file "$kernel" --file "$initrd" \
	--file "$here/run.sh" --file "$here/../lib.sh" -- \
	bash "$here/run.sh" --in-lab "$mvm" "$kernel" "$initrd" "$runs" "$mib" "$secs" >"$lablog" 2>&1 || rc=$?
grep -a '^BENCH-RESULT' "$lablog" | sed 's/^BENCH-RESULT /  /' || true
if ((rc != 0)); then
	grep -a -A40 '^BENCH-FAIL\|^lab: error' "$lablog" | head -n 60 >&2 || true
	bench_die "the lab run failed (status $rc); everything it printed is in $lablog"
fi

tsv=$out/blk-runs.tsv
grep -a '^BENCH-RESULT' "$lablog" | awk '{
	for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
	for (k in f) if (k ~ /_(MBPS|IOPS)$/) print f["vmm"] "\t" f["run"] "\t" k "\t" f[k]
	delete f
}' >"$tsv"
echo
printf '%-14s %12s %12s %8s %s\n' metric mvm QEMU ratio "(target >= $target)"
json_rows=()
for metric in SEQWRITE_MBPS SEQREAD_MBPS RANDREAD_IOPS; do
	read -r m _ _ < <(awk -F'\t' -v k="$metric" '$1 == "mvm" && $3 == k { print $4 }' "$tsv" | bench_stats)
	read -r q _ _ < <(awk -F'\t' -v k="$metric" '$1 == "qemu" && $3 == k { print $4 }' "$tsv" | bench_stats)
	r=$(bench_ratio "$m" "$q")
	v=$(bench_verdict_min "$r" "$target")
	printf '%-14s %12s %12s %8s %s\n' "$metric" "$m" "$q" "$r" "$v"
	json_rows+=("$(printf '"%s": {"mvm_median": %s, "qemu_median": %s, "ratio": %s, "result": "%s"}' "$metric" "$m" "$q" "$r" "$v")")
done
{
	printf '{\n  "benchmark": "blk",\n  "date": "%s",\n  "host": %s,\n  "where": "nested: lab/lab",\n' \
		"$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(bench_json_str "$(uname -srm), $(nproc) CPUs")"
	printf '  "runs": %d, "mib": %d, "randread_seconds": %d, "target_ratio": %s,\n' "$runs" "$mib" "$secs" "$target"
	printf '  "mvm_command": %s,\n  "qemu_command": %s,\n' "$(bench_json_str "$(bench_cmdstr "${mvm_cmd[@]}")")" \
		"$(bench_json_str "$(bench_cmdstr "${qemu_cmd[@]}")")"
	printf '  "metrics": {\n'
	sep=''
	for row in "${json_rows[@]}"; do printf '%s    %s' "$sep" "$row"; sep=$',\n'; done
	printf '\n  }\n}\n'
} >"$out/blk.json"
echo "results: $out/blk.json"
