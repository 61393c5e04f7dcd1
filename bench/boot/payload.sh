#!/bin/bash
# bench/boot/payload.sh BUILD_DIR
#
# The row that matters: `vm run-app` to a ready payload and to its first
# binder reply, beside the raw Microdroid boot, so that the cost of
# virtmgr, microdroid_manager, binder and the payload's start is visible;
# and the host memory each running VM costs.  In ONE lab boot (nested KVM;
# docs/lab.md), interleaved, 1 vCPU and 256 MiB each, the same image:
#   raw       mvm boots the image to sys.boot_completed=1, then powers off
#             (androidboot.shutdown_on_boot=1; microdroid_manager off): host
#             time from spawning mvm to its exit.  Quiet, like run-app's
#             VMs: a console line costs VM exits, and in the lab a chatty
#             boot is a second slower.  The power-off is included, so the
#             row slightly overstates the raw boot.
#   payload   bench/boot/payload-bench.c through libvmclient, as `vm
#             run-app` does, with the demo package: host time from the
#             create call to READY (virtmgr's checks and copies, mvm, boot,
#             microdroid_manager, the payload's start and its Ed25519 key),
#             and to the reply of its first binder call over vsock
#             (connect through virtmgr, RPC Binder session, GET_PUBLIC_KEY)
# virtmgr runs for the whole payload row (started first, not timed).
# Memory, while the payload VM runs: mvm's resident size minus its guest
# RAM mapping's (what the VMM itself costs), and virtmgr's resident size.
#
# Results: BUILD_DIR/bench/results/payload-boot.json, -runs.tsv, -lab.log.
# Environment: BENCH_PAYLOAD_RUNS (default 5).
set -euo pipefail

prog=bench/boot/payload.sh
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=SCRIPTDIR/../lib.sh
source "$here/../lib.sh"

mem=256
run_timeout=180
demo_port=5100

# Inside the lab.
if [[ ${1:-} == --in-lab ]]; then
	[[ $# -eq 8 ]] || bench_die "--in-lab: wrong arguments"
	benchrun=$2 mvm=$3 img=$4 sampler=$5 virtmgr=$6 pkg=$7 runs=$8
	log=/tmp/bench-payload.log
	export MDROID_VIRTMGR_SOCKET=/tmp/bench-virtmgr/virtmgr.sock MDROID_IMAGE_DIR=$img
	mkdir -p -m 0700 /tmp/bench-virtmgr
	"$virtmgr" --socket "$MDROID_VIRTMGR_SOCKET" --image "$img" 2>/tmp/bench-virtmgr/log &
	vmgr=$!
	for ((i = 0; i < 100; i++)); do [[ -S $MDROID_VIRTMGR_SOCKET ]] && break; sleep 0.1; done
	[[ -S $MDROID_VIRTMGR_SOCKET ]] || bench_die "virtmgr did not start: $(cat /tmp/bench-virtmgr/log)"
	for ((i = 1; i <= runs; i++)); do
		cmd=("$mvm" --kernel "$img/kernel" --initrd "$img/initramfs.img" --mem "$mem" --cpus 1
			--disk "$img/system.img,ro,id=system"
			--cmdline "$(cat "$img/cmdline") androidboot.microdroid_manager=off androidboot.shutdown_on_boot=1")
		: >"$log"
		res=$("$benchrun" -t "$run_timeout" -l "$log" -- "${cmd[@]}") ||
			bench_die "raw: benchrun failed"
		if [[ $(bench_field "$res" exit) != 0 ]]; then
			echo "BENCH-FAIL row=raw run=$i: $res"
			tail -c 3000 "$log"
			exit 1
		fi
		echo "BENCH-RUN row=raw run=$i $res"
		if ! res=$(timeout "$run_timeout" "$sampler" "$pkg" "$demo_port" "$mem" "$vmgr" 2>"$log"); then
			echo "BENCH-FAIL row=payload run=$i: $(cat "$log")"
			tail -n 20 /tmp/bench-virtmgr/log
			exit 1
		fi
		echo "BENCH-RUN row=payload run=$i $res"
	done
	kill "$vmgr"
	wait "$vmgr" || true
	exit 0
fi

build=$(bench_build_dir --lab "$@")
runs=${BENCH_PAYLOAD_RUNS:-5}
[[ $runs =~ ^[1-9][0-9]*$ ]] || bench_die "BENCH_PAYLOAD_RUNS must be a positive number, not '$runs'"
mvm=$build/vmm/mvm
virtmgr=$build/host/virtmgr/virtmgr
sampler=$build/bench/boot/payload-bench
pkg=$build/payloads/demo.pkg
for f in "$mvm" "$virtmgr" "$sampler" "$pkg"; do [[ -e $f ]] || bench_die "$f is not built (run make)"; done
export MVM_BUILD_DIR=$build

img=$build/bench/work/microdroid
"$repo/image/build.sh" "$build" --out "$img" >/dev/null || bench_die "image/build.sh failed"
read -r labkdir _ < <(bench_lab_kernel "$build" linux-image-6.12-cloud-amd64)
benchrun=$(bench_helper "$build")
out=$build/bench/results
mkdir -p "$out"
lablog=$out/payload-boot-lab.log

echo "payload boot: $runs runs per row, interleaved, in one lab boot, under mvm (1 vCPU, $mem MiB)"
rc=0
MVM_LAB_KERNEL_DIR=$labkdir "$repo/lab/lab" run --timeout $((2 * runs * (run_timeout + 10) + 300)) \
	--bin bash --bin timeout --bin "$benchrun" --bin "$mvm" --bin "$virtmgr" --bin "$sampler" \
	--dir "$img" --file "$pkg" --file "$here/payload.sh" --file "$here/../lib.sh" -- \
	bash "$here/payload.sh" --in-lab "$benchrun" "$mvm" "$img" "$sampler" "$virtmgr" "$pkg" "$runs" \
	>"$lablog" 2>&1 || rc=$?
if ((rc != 0)); then
	grep -E '^(BENCH-FAIL|#)' "$lablog" | tail -n 20 >&2 || true
	tail -n 30 "$lablog" >&2
	bench_die "the lab run failed (status $rc); everything it printed is in $lablog"
fi

grep '^BENCH-RUN ' "$lablog" | sed 's/^BENCH-RUN //' >"$out/payload-boot-runs.tsv"
# stat_of ROW KEY [DIVISOR]: median min max of KEY over ROW's runs.
stat_of() {
	while read -r line; do
		[[ $(bench_field "$line" row) == "$1" ]] || continue
		awk -v v="$(bench_field "$line" "$2")" -v d="${3:-1}" 'BEGIN { printf "%.3f\n", v / d }'
	done <"$out/payload-boot-runs.tsv" | bench_stats
}
read -r raw raw_min raw_max < <(stat_of raw wall_us 1e6)
read -r ready ready_min ready_max < <(stat_of payload ready_ms 1e3)
read -r reply reply_min reply_max < <(stat_of payload reply_ms 1e3)
read -r mvm_rss _ _ < <(stat_of payload mvm_rss_kb 1024)
read -r guest_rss _ _ < <(stat_of payload guest_rss_kb 1024)
read -r vmgr_rss _ _ < <(stat_of payload virtmgr_rss_kb 1024)
overhead=$(awk -v a="$mvm_rss" -v b="$guest_rss" 'BEGIN { printf "%.1f", a - b }')
ratio=$(bench_ratio "$ready" "$raw")
printf '\n%-44s %s\n' "row (host time from the start)" "median (min-max), s"
printf '%-44s %s\n' "raw Microdroid: mvm spawn to power-off" "$raw ($raw_min-$raw_max)"
printf '%-44s %s\n' "vm run-app: create to payload READY" "$ready ($ready_min-$ready_max)"
printf '%-44s %s\n' "vm run-app: create to first binder reply" "$reply ($reply_min-$reply_max)"
printf '%-44s %s\n' "READY / raw boot" "$ratio"
printf '\n%-44s %s MiB\n' "mvm resident, whole process" "$mvm_rss"
printf '%-44s %s MiB\n' "  of which guest RAM touched" "$guest_rss"
printf '%-44s %s MiB\n' "  mvm itself (VMM overhead per VM)" "$overhead"
printf '%-44s %s MiB\n' "virtmgr resident (one VM running)" "$vmgr_rss"
cat >"$out/payload-boot.json" <<JSON
{
  "benchmark": "payload-boot",
  "date": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "where": "nested: lab/lab, mvm, 1 vCPU, $mem MiB, demo payload",
  "runs": $runs,
  "raw_spawn_to_poweroff_s": {"median": $raw, "min": $raw_min, "max": $raw_max},
  "run_app_to_ready_s": {"median": $ready, "min": $ready_min, "max": $ready_max},
  "run_app_to_first_reply_s": {"median": $reply, "min": $reply_min, "max": $reply_max},
  "ready_over_raw": $ratio,
  "mvm_rss_mib": $mvm_rss,
  "guest_ram_rss_mib": $guest_rss,
  "mvm_overhead_mib": $overhead,
  "virtmgr_rss_mib": $vmgr_rss
}
JSON
echo "results: $out/payload-boot.json"
