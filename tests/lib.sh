# tests/lib.sh - what the shell test scripts share (sourced, not run).
#
# The caller sets `bin` (the skbsim binary) before it uses expect(). Counters:
# pass and fail, printed by the caller's summary line.
pass=0 fail=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

json_get() { # file python-expression-on-r
	python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print($2)" "$1"
}

# Bad input: one message on stderr, the documented exit code.
expect() { # code "expected stderr first line" args...
	local code=$1 msg=$2
	shift 2
	local out rc
	out=$($bin "$@" 2>&1 >/dev/null | head -n 1)
	rc=$(
		$bin "$@" >/dev/null 2>&1
		echo $?
	)
	[ "$rc" = "$code" ] || { bad "skbsim $*: exit $rc, expected $code"; return; }
	[ "$out" = "$msg" ] || { bad "skbsim $*: said '$out', expected '$msg'"; return; }
	ok
}
