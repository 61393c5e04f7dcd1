#!/bin/bash
# bench/boot/run.sh BUILD_DIR
#
# Linux boot, mvm against QEMU: the same Debian kernel (the current 6.12
# cloud kernel, a bzImage, fetched with lab/fetch-kernel.sh), the same
# initramfs (tests/integration/make-initrd.sh: busybox, and an /init that
# prints MVM-GUEST-INIT-OK and powers off), the same command line, 256 MiB,
# and 1 vCPU (BENCH_BOOT_CPUS="1 2" adds 2), serial console only.
#
# This machine has no hardware virtualization, so everything runs in ONE
# lab boot (lab/lab run --qemu), where a nested, hardware-model KVM exists:
#   mvm   --kernel BZIMAGE --initrd INITRD --mem 256 --cpus N --cmdline CMDLINE
#   QEMU  -M microvm,...,rtc=on -enable-kvm -cpu host ... -kernel BZIMAGE
#         -initrd INITRD -append CMDLINE   (full command line printed below)
# Runs are interleaved (mvm, QEMU, mvm, QEMU, ...).  Each run is measured by
# bench/benchrun.c from spawn: "kernel to /init" is the time until the
# MVM-GUEST-INIT-OK line appears on the console; "total" is the time until
# the VMM has exited.  A run that does not print the marker, does not power
# off ("reboot: Power down") or does not exit with status 0 is an error:
# the script stops, exit 1.
#
# Reports medians (and min/max) per VMM and vCPU count and the ratios
# mvm/QEMU against the target <= 1.0 (PASS or MISS; a MISS does not fail the
# script).  Results: BUILD_DIR/bench/results/
#   boot.json        summary
#   boot-runs.tsv    every run
#   boot-lab.log     everything the lab printed (guest consoles included)
#
# Environment:
#   BENCH_BOOT_RUNS       runs per VMM and vCPU count (default 5)
#   BENCH_BOOT_CPUS       vCPU counts to measure (default "1")
#   BENCH_BOOT_MEM        guest memory in MiB (default 256)
#   BENCH_BOOT_QEMU_CPU   QEMU -cpu value (default host)
#   BENCH_KERNEL_META     Debian kernel meta-package
#                         (default linux-image-6.12-cloud-amd64)
#
# (Internally, `run.sh --in-lab ...` is the part that runs inside the lab.)
set -euo pipefail

prog=bench/boot/run.sh
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=SCRIPTDIR/../lib.sh
source "$here/../lib.sh"

marker_init='MVM-GUEST-INIT-OK'
marker_off='reboot: Power down'
cmdline='console=ttyS0 quiet pci=off panic=-1'
run_timeout=180

# The two command lines.  Sets mvm_cmd and qemu_cmd for CPUS.
#
# QEMU: the microvm machine with its default firmware, qboot, loading the
# bzImage through fw_cfg.  One ISA serial port (COM1, ttyS0, like mvm's);
# no option ROMs, no default devices, no config files, no display; no
# virtio-mmio words added to the command line, so both guests see the same
# one.  ACPI stays on (the default): Linux powers a microvm off through its
# ACPI GED sleep register, as it does mvm through the FADT's.  rtc=on: with
# KVM, microvm's rtc=auto means no RTC, yet its ACPI tables do not say so
# (mvm's FADT sets "CMOS RTC not present"), and Linux then spends about 10 s
# probing a missing CMOS RTC ("rtc_cmos: broken or not accessible").
qemu_machine=microvm,x-option-roms=off,isa-serial=on,rtc=on,auto-kernel-cmdline=off
build_cmds() {
	local cpus=$1
	mvm_cmd=("$mvm" --kernel "$kernel" --initrd "$initrd" --mem "$mem" --cpus "$cpus"
		--cmdline "$cmdline")
	qemu_cmd=(qemu-system-x86_64 -M "$qemu_machine"
		-enable-kvm -cpu "$qemu_cpu" -m "$mem" -smp "$cpus"
		-nodefaults -no-user-config -display none -serial stdio
		-kernel "$kernel" -initrd "$initrd" -append "$cmdline")
}

# ---------------------------------------------------------------------------
# Inside the lab: run the interleaved boots, print one BENCH-RUN line each.
if [[ ${1:-} == --in-lab ]]; then
	[[ $# -eq 8 ]] || bench_die "--in-lab: wrong arguments"
	benchrun=$2 mvm=$3 kernel=$4 initrd=$5 mem=$6 runs=$7 cpus_list=$8
	qemu_cpu=${BENCH_BOOT_QEMU_CPU:-host}
	[[ -c /dev/kvm ]] || bench_die "no /dev/kvm in the lab"
	echo "# in the lab: $(uname -r), $(nproc) CPUs, $(qemu-system-x86_64 --version | head -n 1)"
	log=/tmp/bench-boot.log
	for cpus in $cpus_list; do
		build_cmds "$cpus"
		for ((i = 1; i <= runs; i++)); do
			for vmm in mvm qemu; do
				if [[ $vmm == mvm ]]; then cmd=("${mvm_cmd[@]}"); else cmd=("${qemu_cmd[@]}"); fi
				: >"$log"
				res=$("$benchrun" -t "$run_timeout" -l "$log" -m "$marker_init" -m "$marker_off" -- "${cmd[@]}") ||
					bench_die "$vmm: benchrun failed"
				echo "BENCH-RUN vmm=$vmm cpus=$cpus run=$i $res"
				rc=$(bench_field "$res" exit)
				why=
				if [[ $(bench_field "$res" timeout) == 1 ]]; then
					why="no exit within ${run_timeout}s"
				elif [[ $rc != 0 ]]; then
					why="exit status $rc (signal $(bench_field "$res" signal)), wanted 0"
				elif [[ $(bench_field "$res" marker1_us) == -1 ]]; then
					why="'$marker_init' never appeared"
				elif [[ $(bench_field "$res" marker2_us) == -1 ]]; then
					why="the guest did not power off ('$marker_off' never appeared)"
				fi
				if [[ -n $why ]]; then
					echo "BENCH-FAIL vmm=$vmm cpus=$cpus run=$i: $why"
					echo "# command: $(bench_cmdstr "${cmd[@]}")"
					echo "# its output (last 3000 bytes):"
					tail -c 3000 "$log"
					exit 1
				fi
			done
		done
	done
	exit 0
fi

# ---------------------------------------------------------------------------
# On the host: prepare, run the lab, summarise.
build=$(bench_build_dir --lab "$@")
runs=${BENCH_BOOT_RUNS:-5}
cpus_list=${BENCH_BOOT_CPUS:-1}
mem=${BENCH_BOOT_MEM:-256}
qemu_cpu=${BENCH_BOOT_QEMU_CPU:-host}
meta=${BENCH_KERNEL_META:-linux-image-6.12-cloud-amd64}
[[ $runs =~ ^[1-9][0-9]*$ ]] || bench_die "BENCH_BOOT_RUNS must be a positive number, not '$runs'"
[[ $mem =~ ^[1-9][0-9]*$ ]] || bench_die "BENCH_BOOT_MEM must be a number of MiB, not '$mem'"
for c in $cpus_list; do
	[[ $c =~ ^[1-9][0-9]?$ ]] || bench_die "BENCH_BOOT_CPUS must list vCPU counts, not '$cpus_list'"
done
[[ -n ${cpus_list// /} ]] || bench_die "BENCH_BOOT_CPUS is empty"

mvm=$build/vmm/mvm
[[ -x $mvm ]] || bench_die "$mvm is not built (run make)"
command -v qemu-system-x86_64 >/dev/null ||
	bench_die "qemu-system-x86_64 not found (install qemu-system-x86: make deps)"

export MVM_BUILD_DIR=$build
kdir=$("$repo/lab/fetch-kernel.sh" "$meta" "$build/cache") ||
	bench_die "cannot fetch the guest kernel $meta (lab/fetch-kernel.sh)"
kernel=
for f in "$kdir"/boot/vmlinuz-*; do
	if [[ -f $f ]]; then kernel=$f; fi
done
[[ -n $kernel ]] || bench_die "no boot/vmlinuz-* in $kdir"

work=$build/bench/work
mkdir -p "$work"
initrd=$work/boot-initrd.gz
"$repo/tests/integration/make-initrd.sh" "$initrd" ||
	bench_die "cannot build the initramfs (tests/integration/make-initrd.sh)"
benchrun=$(bench_helper "$build")
out=$build/bench/results
mkdir -p "$out"
lablog=$out/boot-lab.log
rm -f "$out/boot.json" "$out/boot-runs.tsv" "$lablog" "$lablog.failed"

echo "boot: kernel to /init, $runs runs per VMM and vCPU count (${cpus_list}), interleaved, in one lab boot"
echo "  kernel: ${kernel#"$kdir"/} from $(basename "$kdir")"
echo "  initramfs: tests/integration/make-initrd.sh ($(stat -c %s "$initrd") bytes)"
for c in $cpus_list; do
	build_cmds "$c"
	echo "  mvm:  $(bench_cmdstr "${mvm_cmd[@]}")"
	echo "  QEMU: $(bench_cmdstr "${qemu_cmd[@]}")"
done
echo "  (the lab boots first; each nested guest boot takes several seconds)"

ncpus=$(wc -w <<<"$cpus_list")
lab_timeout=$((2 * runs * ncpus * (run_timeout + 10) + 300))
# The lab's output goes to $lablog; on the terminal each BENCH-RUN line
# becomes a short progress line.  Sets rc to lab's exit status.
run_lab() {
	local -a st
	set +e
	MVM_LAB_KERNEL_DIR=$kdir "$repo/lab/lab" run --qemu --timeout "$lab_timeout" \
		--bin bash --bin "$benchrun" --bin "$mvm" --file "$kernel" --file "$initrd" \
		--file "$here/run.sh" --file "$here/../lib.sh" \
		--env "BENCH_BOOT_QEMU_CPU=$qemu_cpu" -- \
		bash "$here/run.sh" --in-lab "$benchrun" "$mvm" "$kernel" "$initrd" "$mem" "$runs" "$cpus_list" \
		2>&1 | awk -v logf="$lablog" '
			{ sub(/\r+$/, ""); print > logf; fflush(logf) }
			/^BENCH-RUN / {
				for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
				init = f["marker1_us"] < 0 ? "no /init" : sprintf("/init at %.2f s", f["marker1_us"] / 1e6)
				printf "  %-4s %s vCPU run %s: %s, exit at %.2f s\n", f["vmm"], f["cpus"], f["run"], init,
					f["wall_us"] / 1e6
				fflush(); next
			}
			{ print; fflush() }'
	st=("${PIPESTATUS[@]}")
	set -e
	rc=${st[0]}
	((st[1] == 0)) || bench_die "cannot write $lablog"
}

# 125 is a failure of the lab itself, not of a boot (its host kernel has
# been seen to crash, rarely, under QEMU TCG): start it once more.
run_lab
if ((rc == 125)); then
	cp -f "$lablog" "$lablog.failed"
	echo "# the lab itself failed (output kept in $lablog.failed); starting it once more"
	run_lab
fi
if ((rc == 125)); then
	bench_die "the lab failed (see above; full output in $lablog)"
elif ((rc != 0)); then
	bench_die "a boot failed (exit $rc; see above; full output in $lablog)"
fi

tsv=$out/boot-runs.tsv
{
	printf 'vmm\tcpus\trun\tinit_ms\ttotal_ms\tmaxrss_kib\n'
	grep '^BENCH-RUN ' "$lablog" | while read -r _ v c r res; do
		awk -v v="${v#vmm=}" -v c="${c#cpus=}" -v r="${r#run=}" \
			-v i="$(bench_field "$res" marker1_us)" -v t="$(bench_field "$res" wall_us)" \
			-v m="$(bench_field "$res" maxrss_kib)" \
			'BEGIN { printf "%s\t%d\t%d\t%.1f\t%.1f\t%d\n", v, c, r, i / 1000, t / 1000, m }'
	done
} >"$tsv"
want=$((2 * runs * ncpus))
got=$(($(wc -l <"$tsv") - 1))
((got == want)) || bench_die "expected $want runs in the lab's output, found $got (see $lablog)"

col() { awk -F'\t' -v v="$1" -v c="$2" -v k="$3" 'NR > 1 && $1 == v && $2 == c { print $k }' "$tsv"; }
target=1.0
echo
printf '%-6s %-5s %-26s %-26s %s\n' vCPUs VMM "kernel to /init, ms:" "total to exit, ms:" "peak RSS KiB:"
printf '%-6s %-5s %-26s %-26s %s\n' "" "" "median (min-max)" "median (min-max)" "median"
json_cpus=()
summary=()
declare -A init total vjson
for c in $cpus_list; do
	for v in mvm qemu; do
		read -r im imin imax < <(col $v "$c" 4 | bench_stats)
		read -r tm tmin tmax < <(col $v "$c" 5 | bench_stats)
		read -r rm _ _ < <(col $v "$c" 6 | bench_stats)
		printf '%-6s %-5s %-26s %-26s %.0f\n' "$c" "${v/qemu/QEMU}" \
			"$(printf '%.0f (%.0f-%.0f)' "$im" "$imin" "$imax")" \
			"$(printf '%.0f (%.0f-%.0f)' "$tm" "$tmin" "$tmax")" "$rm"
		init[$v]=$im
		total[$v]=$tm
		vjson[$v]="{\"init_ms_median\": $im, \"init_ms_min\": $imin, \"init_ms_max\": $imax, \"total_ms_median\": $tm, \"total_ms_min\": $tmin, \"total_ms_max\": $tmax, \"maxrss_kib_median\": $rm}"
	done
	ri=$(bench_ratio "${init[mvm]}" "${init[qemu]}")
	rt=$(bench_ratio "${total[mvm]}" "${total[qemu]}")
	vi=$(bench_verdict "$ri" "$target")
	vt=$(bench_verdict "$rt" "$target")
	summary+=("$(printf '%s vCPU: kernel to /init mvm/QEMU = %s  (target <= %s)  %s\n%s vCPU: total to exit  mvm/QEMU = %s  (target <= %s)  %s' \
		"$c" "$ri" "$target" "$vi" "$c" "$rt" "$target" "$vt")")
	build_cmds "$c"
	json_cpus+=("$(printf '    "%s": {\n      "mvm": %s,\n      "qemu": %s,\n      "init_ratio": %s, "init_result": "%s", "total_ratio": %s, "total_result": "%s",\n      "mvm_command": %s,\n      "qemu_command": %s\n    }' \
		"$c" "${vjson[mvm]}" "${vjson[qemu]}" "$ri" "$vi" "$rt" "$vt" \
		"$(bench_json_str "$(bench_cmdstr "${mvm_cmd[@]}")")" "$(bench_json_str "$(bench_cmdstr "${qemu_cmd[@]}")")")")
done
echo
printf '%s\n' "${summary[@]}"

json=$out/boot.json
{
	printf '{\n  "benchmark": "boot",\n  "date": "%s",\n  "host": %s,\n  "where": "nested: lab/lab (QEMU TCG, emulated AMD SVM, kvm-amd)",\n' \
		"$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(bench_json_str "$(uname -srm), $(nproc) CPUs")"
	printf '  "kernel": %s,\n  "cmdline": %s,\n  "mem_mib": %d,\n  "runs": %d,\n  "target_ratio": %s,\n  "by_vcpus": {\n' \
		"$(bench_json_str "$(basename "$kernel")")" "$(bench_json_str "$cmdline")" "$mem" "$runs" "$target"
	sep=
	for j in "${json_cpus[@]}"; do
		printf '%s%s' "$sep" "$j"
		sep=$',\n'
	done
	printf '\n  }\n}\n'
} >"$json"
echo "results: $json"
