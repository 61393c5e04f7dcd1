#!/usr/bin/env bash
# Build everything and run every test group; print one tally at the end.
#
#   scripts/check.sh              all groups
#   scripts/check.sh GROUP...     some of: unit sanitize fuzz cli integration
#
# Each group reports "GROUP: N passed, N failed"; the last line is the sum,
# "N passed, N failed".  Exits non-zero if anything failed.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
BUILD=${BUILD:-build}
BUILD_SAN=${BUILD_SAN:-build-san}
BUILD_FUZZ=${BUILD_FUZZ:-build-fuzz}
FUZZ_SECONDS=${FUZZ_SECONDS:-15}

groups=("$@")
((${#groups[@]})) || groups=(unit sanitize fuzz cli integration)

total_pass=0
total_fail=0

tally() { # group passed failed
	echo "$1: $2 passed, $3 failed"
	total_pass=$((total_pass + $2))
	total_fail=$((total_fail + $3))
}

setup() { # dir [meson args...]
	local dir=$1
	shift
	if [[ ! -f $dir/build.ninja ]]; then
		meson setup "$dir" "$@" >/dev/null || return 1
	fi
	ninja -C "$dir" >/dev/null || ninja -C "$dir"
}

meson_group() { # group builddir
	local group=$1 dir=$2 log pass fail
	log=$dir/meson-logs/testlog.json
	rm -f "$log"
	meson test -C "$dir" --suite unit --print-errorlogs
	pass=$(grep -c '"result": "OK"' "$log" 2>/dev/null || true)
	fail=$(grep -c '"result": "\(FAIL\|TIMEOUT\|ERROR\|UNEXPECTEDPASS\)"' "$log" 2>/dev/null || true)
	[[ -f $log ]] || fail=1
	tally "$group" "${pass:-0}" "${fail:-0}"
}

run_unit() {
	if ! setup "$BUILD"; then tally unit 0 1; return; fi
	meson_group unit "$BUILD"
}

run_sanitize() {
	if ! setup "$BUILD_SAN" -Db_sanitize=address,undefined -Db_lundef=false; then
		tally sanitize 0 1
		return
	fi
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		meson_group sanitize "$BUILD_SAN"
}

run_fuzz() {
	local pass=0 fail=0 t name work
	if ! CC=clang setup "$BUILD_FUZZ" -Dfuzz=true -Dtests=false -Db_sanitize=address,undefined \
		-Db_lundef=false -Dc_args=-fsanitize=fuzzer-no-link; then
		tally fuzz 0 1
		return
	fi
	for t in "$BUILD_FUZZ"/tests/fuzz/fuzz_*; do
		[[ -x $t && -f $t ]] || continue
		name=$(basename "$t")
		work=$BUILD_FUZZ/corpus-work/$name
		mkdir -p "$work"
		# New inputs go to a scratch corpus; the committed seeds are read only.
		if "$t" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
			-artifact_prefix="$work-" \
			-print_final_stats=1 "$work" "tests/fuzz/corpus/$name" \
			>"$work.log" 2>&1; then
			echo "ok - fuzz $name ($(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$work.log" | grep -o '[0-9]*$') runs in ${FUZZ_SECONDS}s)"
			pass=$((pass + 1))
		else
			echo "not ok - fuzz $name: see $work.log (reproducer: $work-crash-*)"
			tail -n 40 "$work.log"
			fail=$((fail + 1))
		fi
	done
	((pass + fail)) || fail=1
	tally fuzz "$pass" "$fail"
}

# The command-line tests: mvm's (run.sh), vm's (vm.sh), virtmgr's
# (tests/host/virtmgr.sh) and vm's with virtmgr (vm-virtmgr.sh), both with
# a fake mvm; one tally.
run_cli() {
	if ! setup "$BUILD"; then tally cli 0 1; return; fi
	local out script pass=0 fail=0
	for script in tests/cli/run.sh tests/cli/vm.sh tests/host/virtmgr.sh tests/cli/vm-virtmgr.sh; do
		out=$("$script" "$BUILD" 2>&1)
		echo "$out" | grep -v '^cli: '
		set -- $(echo "$out" | sed -n 's/^cli: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p')
		pass=$((pass + ${1:-0}))
		fail=$((fail + ${2:-1}))
	done
	tally cli "$pass" "$fail"
}

run_integration() {
	if ! setup "$BUILD"; then tally integration 0 1; return; fi
	local out rc
	out=$(tests/integration/run.sh "$BUILD" 2>&1 | tee /dev/stderr)
	rc=$?
	set -- $(echo "$out" | sed -n 's/^integration: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' | tail -n 1)
	local pass=${1:-0} fail=${2:-0}
	if ((rc != 0 && fail == 0)); then fail=1; fi
	tally integration "$pass" "$fail"
}

for g in "${groups[@]}"; do
	echo "=== $g"
	case $g in
	unit) run_unit ;;
	sanitize) run_sanitize ;;
	fuzz) run_fuzz ;;
	cli) run_cli ;;
	integration) run_integration ;;
	*) echo "check: unknown group '$g'" >&2; tally "$g" 0 1 ;;
	esac
done

echo "$total_pass passed, $total_fail failed"
((total_fail == 0))
