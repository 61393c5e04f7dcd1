#!/bin/bash
# bench/binder/run.sh BUILD_DIR
#
# RPC Binder against the floor: a raw request/response ping-pong on the
# same kind of socket.  Both run natively, in one process each, over a
# Unix socket pair (socketpair(AF_UNIX, SOCK_STREAM)), with one thread on
# each end; BUILD_DIR/bench/binder/binder-bench (bench/binder/
# binder-bench.c) does the measuring:
#   raw  the caller writes a SIZE-byte message, a thread echoes it back;
#   rpc  an RpcSession calls an RpcServer's echo(byte[]) method (AIDL
#        style): the request parcel is exactly SIZE bytes, the reply
#        SIZE - 24 (status header and the same array).
# SIZE is 64 and 4096.  For each, the runs are interleaved (raw, rpc, raw,
# rpc, ...), BENCH_ROUNDS of each (default 5).  Each run makes 500 untimed
# calls, times 5000 calls one by one (latency: median per run) and then
# makes calls back to back for 0.5 s (throughput: calls per second).
#
# Reported: the medians over the rounds, and the ratios rpc/raw for
# latency and raw/rpc for throughput (how many times the raw round trip
# each costs), against the target <= 1.5 (PASS or MISS; a MISS does not
# fail the script).  A run that fails stops the script (exit 1).
#
# Results: BUILD_DIR/bench/results/binder.json and binder-runs.tsv.
set -euo pipefail

prog=bench/binder/run.sh
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/../lib.sh
source "$here/../lib.sh"

build=$(bench_build_dir "$@")
rounds=${BENCH_ROUNDS:-5}
[[ $rounds =~ ^[1-9][0-9]*$ ]] || bench_die "BENCH_ROUNDS must be a positive number, not '$rounds'"
bin=$build/bench/binder/binder-bench
[[ -x $bin ]] || bench_die "$bin is not built (run make; benchmarks are not built with sanitizers)"
target=1.5
sizes=(64 4096)

out=$build/bench/results
mkdir -p "$out"
tsv=$out/binder-runs.tsv
printf 'mode\tsize\tround\tlat_us_median\tlat_us_p99\tops_per_s\n' >"$tsv.tmp"

echo "binder: RPC Binder against a raw ping-pong over a Unix socket pair, $rounds rounds each, interleaved"
for size in "${sizes[@]}"; do
	for ((i = 1; i <= rounds; i++)); do
		for mode in raw rpc; do
			res=$("$bin" --mode "$mode" --size "$size") || bench_die "$mode run $i (size $size) failed"
			printf '%s\t%s\t%d\t%s\t%s\t%s\n' "$mode" "$size" "$i" \
				"$(bench_field "$res" lat_us_median)" "$(bench_field "$res" lat_us_p99)" \
				"$(bench_field "$res" ops_per_s)" >>"$tsv.tmp"
		done
	done
done
mv -f "$tsv.tmp" "$tsv"

col() { awk -F'\t' -v m="$1" -v s="$2" -v c="$3" 'NR > 1 && $1 == m && $2 == s { print $c }' "$tsv"; }

echo
printf '%-7s %-22s %10s %10s %8s %8s  %s\n' size metric raw rpc ratio target result
json_rows=()
for size in "${sizes[@]}"; do
	read -r raw_lat _ _ < <(col raw "$size" 4 | bench_stats)
	read -r rpc_lat _ _ < <(col rpc "$size" 4 | bench_stats)
	read -r raw_p99 _ _ < <(col raw "$size" 5 | bench_stats)
	read -r rpc_p99 _ _ < <(col rpc "$size" 5 | bench_stats)
	read -r raw_ops _ _ < <(col raw "$size" 6 | bench_stats)
	read -r rpc_ops _ _ < <(col rpc "$size" 6 | bench_stats)
	lat_ratio=$(bench_ratio "$rpc_lat" "$raw_lat")
	ops_ratio=$(bench_ratio "$raw_ops" "$rpc_ops")
	lat_verdict=$(bench_verdict "$lat_ratio" "$target")
	ops_verdict=$(bench_verdict "$ops_ratio" "$target")
	label=$size
	[[ $size == 4096 ]] && label="4 KiB" || label="$size B"
	printf '%-7s %-22s %10.2f %10.2f %8s %8s  %s\n' "$label" "round trip, us (median)" \
		"$raw_lat" "$rpc_lat" "$lat_ratio" "<= $target" "$lat_verdict"
	printf '%-7s %-22s %10.0f %10.0f %8s %8s  %s\n' "$label" "calls per second" \
		"$raw_ops" "$rpc_ops" "$ops_ratio" "<= $target" "$ops_verdict"
	printf '%-7s %-22s %10.2f %10.2f %8s\n' "" "round trip p99, us" "$raw_p99" "$rpc_p99" \
		"$(bench_ratio "$rpc_p99" "$raw_p99")"
	json_rows+=("$(printf '"%s": {"raw_lat_us": %s, "rpc_lat_us": %s, "lat_ratio": %s, "lat_result": "%s", "raw_ops_per_s": %s, "rpc_ops_per_s": %s, "ops_ratio": %s, "ops_result": "%s", "raw_p99_us": %s, "rpc_p99_us": %s}' \
		"$size" "$raw_lat" "$rpc_lat" "$lat_ratio" "$lat_verdict" "$raw_ops" "$rpc_ops" "$ops_ratio" \
		"$ops_verdict" "$raw_p99" "$rpc_p99")")
done
echo "(ratios: rpc/raw for the round trip, raw/rpc for calls per second: the cost of RPC Binder in raw round trips)"

{
	printf '{\n  "benchmark": "binder",\n  "date": "%s",\n  "host": %s,\n' \
		"$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(bench_json_str "$(uname -srm), $(nproc) CPUs")"
	printf '  "rounds": %d, "target_ratio": %s,\n  "sizes": {\n' "$rounds" "$target"
	sep=''
	for row in "${json_rows[@]}"; do printf '%s    %s' "$sep" "$row"; sep=$',\n'; done
	printf '\n  }\n}\n'
} >"$out/binder.json"
echo "results: $out/binder.json"
