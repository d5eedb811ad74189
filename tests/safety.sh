#!/usr/bin/env bash
# tests/safety.sh - what `skbsim run` may touch, and how it stops.
#
# -o DIR replaces only an absent or empty directory or a previous result
# (it holds .skbsim-result), else exit 3 with nothing touched unless --force;
# symlinks are never followed; SIGINT, SIGTERM, --max-wall and --max-memory
# stop a real run and leave a whole partial report ("complete": false, the
# simulated time reached), or nothing with --no-partial; concurrent runs into
# one directory never mix files; temporary directories of dead runs are
# removed; a failed write to stdout is exit 3.
set -u
cd "$(dirname "$0")/.."
bin=$PWD/skbsim
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. tests/lib.sh
sc=$PWD/scenarios/loopback.yaml
long=$PWD/scenarios/bench/rx.yaml
cd "$tmp"

# --- -o DIR -----------------------------------------------------------------
refuse() { # what DIR: exit 3, one message, DIR unchanged
	local what=$1 d=$2 before after msg rc
	before=$(find "$d" -printf '%p %y %s %l\n' 2>/dev/null | sort; cat "$d" 2>/dev/null)
	msg=$($bin run "$sc" --quiet -o "$d" 2>&1)
	rc=$?
	after=$(find "$d" -printf '%p %y %s %l\n' 2>/dev/null | sort; cat "$d" 2>/dev/null)
	[ "$rc" = 3 ] || { bad "$what: exit $rc, expected 3"; return; }
	[ "$msg" = "skbsim: '$d' exists and is not a skbsim result (no .skbsim-result inside); use --force to replace it" ] ||
		{ bad "$what: said '$msg'"; return; }
	[ "$before" = "$after" ] || { bad "$what: $d was touched"; return; }
	ok
}
echo data >file
refuse "a file" file
mkdir mine && echo precious >mine/notes
refuse "a directory of the user's" mine
ln -s mine link
refuse "a symlink to a directory" link
mkdir fake && echo "not skbsim" >fake/.skbsim-result
refuse "a directory whose marker is not skbsim's" fake
ls -a | grep -q '\.tmp-' && bad "a refused run left a temporary directory" || ok

mkdir empty
$bin run "$sc" --quiet -o empty && [ -s empty/report.json ] && ok || bad "an empty directory is replaced"
grep -qx "skbsim $(cat "$OLDPWD/VERSION")" empty/.skbsim-result && ok || bad "marker content"
$bin run "$sc" --quiet -o empty && ok || bad "a previous result is replaced"

# a previous result with symlinks planted in it: replaced, the targets untouched
mkdir victim && echo keep >victim/f
ln -s "$tmp/victim/f" empty/report.json.new
rm empty/report.json && ln -s "$tmp/victim/f" empty/report.json
ln -s "$tmp/victim" empty/rx
$bin run "$sc" --quiet -o empty && [ "$(cat victim/f)" = keep ] && [ ! -L empty/report.json ] &&
	[ -f empty/report.json ] && ok || bad "planted symlinks were followed"

# a previous result in which the user saved a file of theirs: refused, then --force
cp "$sc" empty/my.yaml
msg=$($bin run "$sc" --quiet -o empty 2>&1)
[ $? = 3 ] && [ "$msg" = "skbsim: 'empty' holds 'empty/my.yaml', which skbsim did not write; use --force to replace it" ] &&
	[ -f empty/my.yaml ] && ok || bad "a user's file in an old result: '$msg'"
rm empty/my.yaml && mkdir empty/box/notes
msg=$($bin run "$sc" --quiet -o empty 2>&1)
rc=$?
[ $rc = 3 ] && [ "$msg" = "skbsim: 'empty' holds 'empty/box/notes', which skbsim did not write; use --force to replace it" ] &&
	[ -d empty/box/notes ] && ok || bad "a user's directory in an old result: '$msg'"
rm -rf empty/box/notes
# ... or saved it there while the run was running: refused at the commit
$bin run "$long" --quiet -o empty --set duration=600s --max-wall 1s 2>late.err &
pid=$!
sleep 0.3
echo mine >empty/late.txt
wait $pid
[ $? = 3 ] && [ "$(cat empty/late.txt)" = mine ] &&
	grep -qx "skbsim: 'empty' holds 'empty/late.txt', which skbsim did not write; use --force to replace it" late.err &&
	ok || bad "a file saved during the run: $(cat late.err)"
ls -a | grep -q '^\.empty\.tmp-' && bad "a refused commit left its temporary directory" || ok
$bin run "$sc" --quiet -o empty --force && [ ! -e empty/late.txt ] && ok || bad "--force over an old result"

$bin run "$sc" --quiet -o link --force && [ -d mine ] && [ "$(cat mine/notes)" = precious ] &&
	[ ! -L link ] && [ -s link/report.json ] && ok || bad "--force replaces the symlink, not its target"
$bin run "$sc" --quiet -o file --force && [ -s file/report.json ] && ok || bad "--force replaces a file"
$bin run "$sc" --quiet -o "deep/er/dir" && [ -s deep/er/dir/report.json ] && ok || bad "parents created"
msg=$($bin run "$sc" --quiet -o . 2>&1)
[ $? = 3 ] && [ "$msg" = "skbsim: '.' cannot be a results directory" ] && ok || bad "-o . said '$msg'"
msg=$($bin run "$sc" --quiet -o a -o b 2>&1 | head -n 1)
[ "$msg" = "skbsim: '-o' given twice" ] && [ ! -e a ] && [ ! -e b ] && ok || bad "-o twice said '$msg'"

# the default directory results/<name> under the working directory, nothing else
mkdir cwd && (cd cwd && $bin run "$sc" --quiet) && [ "$(cd cwd && find . | sort | head -3 | tr '\n' ' ')" = ". ./results ./results/loopback " ] &&
	ok || bad "default results directory"

# --- stale temporary directories ---------------------------------------------
mkdir .st.tmp-999999-abcdef && echo "skbsim 0.1.0" >.st.tmp-999999-abcdef/.skbsim-result
mkdir .st.tmp-999998-abcdef
mkdir .st.tmp-999997-abcdef && echo mine >.st.tmp-999997-abcdef/data
$bin run "$sc" --quiet -o st && [ ! -e .st.tmp-999999-abcdef ] && [ ! -e .st.tmp-999998-abcdef ] &&
	[ -e .st.tmp-999997-abcdef/data ] && ok || bad "stale temporary directories"

# --- concurrent runs into one directory ----------------------------------------
$bin run "$long" --quiet -o ref --set duration=200ms
for i in 1 2 3; do
	$bin run "$long" --quiet -o conc --set duration=200ms 2>"conc.$i.err" &
done
wait
diff -r ref conc >/dev/null && ok || bad "concurrent runs mixed or lost files"
for i in 1 2 3; do
	[ ! -s "conc.$i.err" ] ||
		grep -qx "skbsim: 'conc' changed while this run was running (another skbsim run?); not replaced" \
			"conc.$i.err" || bad "concurrent run $i said $(cat "conc.$i.err")"
done
ok
ls -a | grep -q '^\.conc\.tmp-' && bad "concurrent runs left temporary directories" || ok

# --- signals and limits ------------------------------------------------------------
partial() { # what dir reason: a whole partial report
	local what=$1 d=$2 why=$3
	[ "$(json_get "$d/report.json" "(r['complete'], r['stopped_by'], r['packets']['conserved'], 0 < r['time_reached_s'] < r['duration_s'])")" = "(False, '$why', True, True)" ] &&
		grep -q "^PARTIAL: stopped by $why at " "$d/report.txt" && [ -s "$d/rx/softnet_stat" ] &&
		[ -s "$d/.skbsim-result" ] && ok || bad "$what: no whole partial report"
}
for sig in INT TERM; do
	$bin run "$long" --quiet -o "sig$sig" --set duration=600s 2>"sig$sig.err" &
	pid=$!
	sleep 0.7
	kill -"$sig" "$pid"
	wait "$pid"
	rc=$?
	[ "$rc" = 4 ] && ok || bad "SIG$sig: exit $rc, expected 4"
	partial "SIG$sig" "sig$sig" "SIG$sig"
	grep -q "^skbsim: stopped by SIG$sig at .* of simulated time; writing a partial report$" "sig$sig.err" &&
		ok || bad "SIG$sig: stderr $(cat "sig$sig.err")"
done
$bin run "$long" --quiet -o wall --set duration=600s --max-wall 300ms 2>wall.err
[ $? = 4 ] && ok || bad "--max-wall exit code"
[ "$(head -n 1 wall.err)" = "skbsim: warning: a large run (about 13.793MiB of memory, 2.4e+09 events); the limits given stop it" ] &&
	grep -q '^skbsim: stopped by max-wall at .* of simulated time; writing a partial report$' wall.err &&
	ok || bad "--max-wall stderr: $(cat wall.err)"
[ "$($bin check "$long" --set duration=600s 2>&1 >/dev/null)" = "skbsim: warning: a large run (about 13.793MiB of memory, 2.4e+09 events); consider --max-wall and --max-memory" ] &&
	ok || bad "check does not warn about a large run"
partial "--max-wall" wall max-wall
$bin run "$long" --quiet -o mem --set duration=600s --max-memory 1MiB 2>/dev/null
[ $? = 4 ] && ok || bad "--max-memory exit code"
partial "--max-memory" mem max-memory
$bin run "$long" --quiet -o nop --set duration=600s --max-wall 200ms --no-partial 2>/dev/null
[ $? = 4 ] && [ ! -e nop ] && ok || bad "--no-partial wrote something"
# a limit that is not reached changes nothing
$bin run "$long" --quiet -o lim --set duration=200ms --max-wall 1000s --max-memory 1GiB &&
	diff -r ref lim >/dev/null && ok || bad "an unreached limit changed the results"

# --- out of memory: located, nothing written -------------------------------------
printf 'name: h\nduration: 1ms\nskb_pool: 4194304\nhosts:\n  - name: rx\n' >oom.yaml
msg=$(ulimit -v 300000; $bin run oom.yaml -o oom 2>&1)
[ $? = 1 ] && [ "$msg" = "oom.yaml:3:11: out of memory" ] && [ ! -e oom ] && ok ||
	bad "out of memory: '$msg'"

# --- output errors --------------------------------------------------------------
$bin run "$sc" -o full >/dev/full 2>full.err
[ $? = 3 ] && grep -qx "skbsim: cannot write the report to stdout: No space left on device" full.err &&
	ok || bad "stdout on a full disk: $(cat full.err)"

echo "safety: $pass passed, $fail failed"
[ "$fail" = 0 ]
