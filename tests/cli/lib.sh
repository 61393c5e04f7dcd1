# lib.sh - what the command-line test scripts share: the tally and expect().
# Source it once $tmp names a scratch directory.  Scripts end with
#   echo "cli: $pass passed, $fail failed"

pass=0
fail=0
ok() { echo "ok - $1"; pass=$((pass + 1)); }
not_ok() { echo "not ok - $1: $2"; fail=$((fail + 1)); }

# expect NAME WANT_RC STDERR_REGEX -- CMD...: run CMD (stdin /dev/null,
# stdout to $tmp/out, stderr to $tmp/err), check its exit code and stderr.
# With EXPECT_ONE_LINE=1, a failing CMD must also print exactly one line on
# stderr.
expect() {
	local name=$1 want=$2 pattern=$3 rc
	shift 4
	"$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
	if [[ $rc != "$want" ]]; then
		not_ok "$name" "exit $rc, wanted $want; stderr: $(head -c 300 "$tmp/err")"
	elif [[ -n $pattern ]] && ! grep -Eq -- "$pattern" "$tmp/err"; then
		not_ok "$name" "stderr does not match /$pattern/: $(head -c 300 "$tmp/err")"
	elif [[ ${EXPECT_ONE_LINE:-0} == 1 && $rc != 0 && $(wc -l <"$tmp/err") != 1 ]]; then
		not_ok "$name" "wanted one line on stderr, got: $(head -c 300 "$tmp/err")"
	else
		ok "$name"
	fi
}
