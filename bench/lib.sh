# shellcheck shell=bash
# Helpers shared by bench/*/run.sh (sourced, not run).

bench_die() { printf '%s: error: %s\n' "${prog:-bench}" "$*" >&2; exit 1; }

# bench_helper BUILD_DIR: build bench/benchrun.c into BUILD_DIR/bench/benchrun
# (again only when the source is newer) and print its path.
bench_helper() {
	local src out
	src=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/benchrun.c
	out=$1/bench/benchrun
	mkdir -p "$1/bench"
	if [[ ! -x $out || $out -ot $src ]]; then
		"${CC:-cc}" -O2 -std=c17 -D_GNU_SOURCE -Wall -Wextra -Werror \
			-o "$out.tmp" "$src" || bench_die "cannot build $src (is gcc installed? run make deps)"
		mv -f "$out.tmp" "$out"
	fi
	printf '%s\n' "$out"
}

# bench_build_dir [--lab] ARGS...: check that the script got one argument,
# an existing build directory, and print its absolute path.  With --lab
# the directory must not be under /tmp: the lab packs files at their host
# paths but mounts a fresh tmpfs on /tmp, which would hide them.
bench_build_dir() {
	local lab='' dir
	if [[ ${1:-} == --lab ]]; then
		lab=1
		shift
	fi
	[[ $# -eq 1 ]] || { echo "usage: ${prog:-bench} BUILD_DIR" >&2; exit 2; }
	[[ -d $1 ]] || bench_die "build directory '$1' does not exist (run make)"
	dir=$(cd "$1" && pwd)
	[[ -z $lab || $dir/ != /tmp/* ]] ||
		bench_die "the build directory $dir is under /tmp, which the lab hides (its /tmp is a fresh tmpfs); use one elsewhere"
	printf '%s\n' "$dir"
}

# bench_field LINE KEY: the value of KEY=VALUE in a benchrun result line.
bench_field() {
	local w
	for w in $1; do
		if [[ $w == "$2="* ]]; then
			printf '%s\n' "${w#*=}"
			return 0
		fi
	done
	return 1
}

# bench_stats: numbers on stdin, one a line -> "median min max" (median of an
# even count is the mean of the middle two).  Prints "nan nan nan" for none.
bench_stats() {
	sort -g | awk '{ v[NR] = $1 }
		END {
			if (NR == 0) { print "nan nan nan"; exit }
			m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%.3f %.3f %.3f\n", m, v[1], v[NR]
		}'
}

# bench_ratio A B: A/B with 3 decimals.
bench_ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "nan"; else printf "%.3f\n", a / b }'; }

# bench_verdict RATIO TARGET: PASS when RATIO <= TARGET, else MISS.
bench_verdict() { awk -v r="$1" -v t="$2" 'BEGIN { print (r != "nan" && r + 0 <= t + 0) ? "PASS" : "MISS" }'; }

# bench_json_str STRING: STRING as a JSON string literal.
bench_json_str() {
	local s=$1
	s=${s//\\/\\\\}
	s=${s//\"/\\\"}
	printf '"%s"' "$s"
}

# bench_cmdstr ARGS...: the command as one line a shell would accept, with
# arguments that need it in single quotes.
bench_cmdstr() {
	local a out=
	for a in "$@"; do
		if [[ -z $a || $a == *[!A-Za-z0-9_./=,:+@%-]* ]]; then
			a="'${a//\'/\'\\\'\'}'"
		fi
		out+="${out:+ }$a"
	done
	printf '%s\n' "$out"
}

# bench_verdict_min RATIO TARGET: PASS when RATIO >= TARGET (higher is better), else MISS.
bench_verdict_min() { awk -v r="$1" -v t="$2" 'BEGIN { print (r != "nan" && r + 0 >= t + 0) ? "PASS" : "MISS" }'; }

# bench_lab_kernel BUILD_DIR META: fetch the kernel package META (as the
# integration tests do) and print "KERNEL_DIR VMLINUZ".
bench_lab_kernel() {
	local repo kdir f kernel=
	repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	kdir=$("$repo/lab/fetch-kernel.sh" "$2" "$1/cache") || bench_die "cannot fetch the kernel $2 (lab/fetch-kernel.sh)"
	for f in "$kdir"/boot/vmlinuz-*; do
		if [[ -f $f ]]; then kernel=$f; fi
	done
	[[ -n $kernel ]] || bench_die "no boot/vmlinuz-* in $kdir"
	printf '%s %s\n' "$kdir" "$kernel"
}
