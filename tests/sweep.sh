#!/usr/bin/env bash
# tests/sweep.sh - sweep, collect, compare and plan as a user runs them.
#
# On tests/data/sweep-tiny.yaml (20 ms, a socket whose rcvbuf decides the
# drops): the CSVs are byte-identical whatever -j; a second sweep reuses every
# run; collect rebuilds the same CSVs and refuses missing or foreign runs; bad
# input exits 1 with one message and writes nothing; --emit parallel's job
# list, run by GNU parallel, gives the same CSVs as the local sweep.
set -u
cd "$(dirname "$0")/.."
bin=./skbsim
sc=tests/data/sweep-tiny.yaml
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. tests/lib.sh
skip=0

v1=hosts/rx/sockets/srv/rcvbuf=32KiB..256KiB*2
v2=hosts/rx/apps/reader/cpu=0,1

# the grid x seeds, -j 1 and -j 2: the same bytes
$bin sweep $sc --vary $v1 --vary $v2 --seeds 3 -j 1 -o "$tmp/j1" >/dev/null && ok || bad "sweep -j 1"
$bin sweep $sc --vary $v1 --vary $v2 --seeds 3 -j 2 -o "$tmp/j2" >/dev/null && ok || bad "sweep -j 2"
for f in sweep.csv summary.csv; do
	cmp -s "$tmp/j1/$f" "$tmp/j2/$f" && ok || bad "$f differs between -j 1 and -j 2"
done
[ "$(ls "$tmp/j1/runs" | wc -l)" = 24 ] && ok || bad "expected 24 run directories"
[ "$(wc -l <"$tmp/j1/sweep.csv")" = 25 ] && ok || bad "sweep.csv: expected 24 rows and a header"
[ "$(wc -l <"$tmp/j1/summary.csv")" = 9 ] && ok || bad "summary.csv: expected 8 rows and a header"
head -1 "$tmp/j1/sweep.csv" | grep -q '^point,hosts/rx/sockets/srv/rcvbuf,hosts/rx/apps/reader/cpu,seed,offered,delivered,dropped,drop_frac,' &&
	ok || bad "sweep.csv header"
# rows in grid order: the first --vary changes slowest
[ "$(sed -n '2p;5p;8p' "$tmp/j1/sweep.csv" | cut -d, -f1-4 | tr '\n' ' ')" = \
	"0,32KiB,0,1 1,32KiB,1,1 2,64KiB,0,1 " ] && ok || bad "sweep.csv row order"
# the smallest buffer drops, the largest does not; intervals never below 0
awk -F, 'NR > 1 && ($9 < 0 || $11 < 0 || $14 < 0) { e = 1 } END { exit e }' "$tmp/j1/summary.csv" && ok ||
	bad "an interval went below 0"
[ "$(awk -F, 'NR == 2 { print ($7 > 0) } NR == 9 { print ($7 == 0) }' "$tmp/j1/summary.csv" | tr -d '\n')" = 11 ] &&
	ok || bad "summary.csv: 32KiB should drop and 256KiB should not"
# each run records what made it
grep -q '"--set hosts/rx/sockets/srv/rcvbuf=64KiB", "--set hosts/rx/apps/reader/cpu=1"' \
	"$tmp/j1/runs/p0003-s2/report.json" && ok || bad "run provenance: overrides"
grep -q "\"scenario_sha256\":	\"$(sha256sum $sc | cut -d' ' -f1)\"" "$tmp/j1/runs/p0003-s2/report.json" &&
	ok || bad "run provenance: scenario hash"

# a varied knob that no run used is called out (RSS alone: no packet uses a backlog)
$bin sweep $sc --vary hosts/rx/sysctl/net.core.netdev_max_backlog=100,1000 --vary $v2 -o "$tmp/inert" |
	grep -qx "note: 'hosts/rx/sysctl/net.core.netdev_max_backlog' cannot matter here: net.core.netdev_max_backlog was unused in all 4 runs (see the reports' headroom)" &&
	ok || bad "no note for an inert knob"
$bin sweep $sc --vary $v1 -o "$tmp/inert2" | grep -q '^note:' && bad "a note for a knob that mattered" || ok

# again: every run is reused, the CSVs stay
cp "$tmp/j1/sweep.csv" "$tmp/sweep.csv.before"
$bin sweep $sc --vary $v1 --vary $v2 --seeds 3 -j 2 -o "$tmp/j1" | grep -q '24 runs (24 reused)' &&
	ok || bad "a repeated sweep must reuse its runs"
cmp -s "$tmp/j1/sweep.csv" "$tmp/sweep.csv.before" && ok || bad "reused runs changed sweep.csv"

# collect: the same CSVs from the run directories alone
rm "$tmp/j2/sweep.csv" "$tmp/j2/summary.csv"
$bin collect "$tmp/j2" >/dev/null && cmp -s "$tmp/j1/summary.csv" "$tmp/j2/summary.csv" && ok ||
	bad "collect: summary.csv differs from the sweep's"
rm -r "$tmp/j2/runs/p0005-s3"
expect 1 "skbsim: 1 of 24 runs are missing, the first '$tmp/j2/runs/p0005-s3'" collect "$tmp/j2"
cp -r "$tmp/j2/runs/p0005-s2" "$tmp/j2/runs/p0005-s3"
expect 1 "skbsim: run '$tmp/j2/runs/p0005-s3' does not belong to this sweep (its seed, overrides or scenario differ)" \
	collect "$tmp/j2"
expect 1 "skbsim: cannot read '$tmp/none/sweep.json': No such file or directory" collect "$tmp/none"
# a run whose report says "complete": false (an interrupted run) is refused, then run again
rm -r "$tmp/j2/runs/p0005-s3" && cp -r "$tmp/j1/runs/p0005-s3" "$tmp/j2/runs/p0005-s3"
python3 -c "import json,sys; p=sys.argv[1]; r=json.load(open(p)); r['complete']=False; json.dump(r, open(p, 'w'))" \
	"$tmp/j2/runs/p0005-s3/report.json"
expect 1 "skbsim: run '$tmp/j2/runs/p0005-s3' is incomplete (it was interrupted)" collect "$tmp/j2"
$bin sweep $sc --vary $v1 --vary $v2 --seeds 3 -o "$tmp/j2" | grep -q '24 runs (23 reused)' &&
	cmp -s "$tmp/j1/summary.csv" "$tmp/j2/summary.csv" && ok ||
	bad "an incomplete run must be run again, not reused"

# bad input: one message, exit 1, nothing written
expect 1 "--set:1:29: 'rcvbuf' must be a size like '256KiB' (units: B, KB, KiB, MB, MiB, GB, GiB), got 'x'" \
	sweep $sc --vary hosts/rx/sockets/srv/rcvbuf=1KiB,x -o "$tmp/bad"
expect 1 "skbsim: --vary: range '1KiB..2KiB' needs a step: A..B*FACTOR or A..B+STEP" \
	sweep $sc --vary hosts/rx/sockets/srv/rcvbuf=1KiB..2KiB -o "$tmp/bad"
expect 1 "skbsim: '--seeds' must be an integer between 1 and 100000, got '0'" \
	sweep $sc --vary $v2 --seeds 0 -o "$tmp/bad"
expect 1 "skbsim: the sweep has more than 1000000 runs" \
	sweep $sc --vary a=1..10000+1 --vary b=1..10000+1 -o "$tmp/bad"
expect 2 "skbsim: missing -o DIR for 'sweep'" sweep $sc --vary $v2
expect 2 "skbsim: missing --vary for 'sweep'" sweep $sc -o "$tmp/bad"
expect 2 "skbsim: --emit takes parallel or slurm, got 'make'" sweep $sc --vary $v2 -o "$tmp/bad" --emit make
[ ! -e "$tmp/bad" ] && ok || bad "a refused sweep left $tmp/bad behind"

# --emit parallel: the job list; GNU parallel runs it; collect gives the local sweep's CSVs
$bin sweep $sc --vary $v1 --vary $v2 --seeds 3 -o "$tmp/par" --emit parallel >/dev/null && ok ||
	bad "--emit parallel"
[ "$(wc -l <"$tmp/par/jobs.txt")" = 24 ] && ok || bad "jobs.txt: expected 24 lines"
[ ! -e "$tmp/par/runs" ] && ok || bad "--emit must not run anything"
if command -v parallel >/dev/null 2>&1; then
	parallel --will-cite -j 2 <"$tmp/par/jobs.txt" && $bin collect "$tmp/par" >/dev/null &&
		cmp -s "$tmp/j1/sweep.csv" "$tmp/par/sweep.csv" &&
		cmp -s "$tmp/j1/summary.csv" "$tmp/par/summary.csv" && ok ||
		bad "GNU parallel + collect: CSVs differ from the local sweep's"
else
	skip=$((skip + 1))
	echo "SKIP: GNU parallel is not installed (apt-get install parallel)"
fi
$bin sweep $sc --vary $v2 --seeds 2 -o "$tmp/slurm" --emit slurm >/dev/null &&
	grep -qx '#SBATCH --array=1-4' "$tmp/slurm/sweep.sbatch" && ok || bad "--emit slurm: array size"

# plan: the smallest rcvbuf keeping drops under 0.1 % at 95 % confidence, then a
# brute-force sweep of the whole range (32 seeds, the plan's maximum, everywhere) must agree: the answer
# and every larger value meet the target by the same interval rule (the union of
# the Clopper-Pearson and the t interval lies below 0.1 %), the value before it
# does not.
pr=hosts/rx/sockets/srv/rcvbuf=64KiB..256KiB+32KiB
$bin plan $sc --vary $pr --target 'drop < 0.1% @ 95%' -j 2 -o "$tmp/plan" >"$tmp/plan.txt" && ok ||
	bad "plan"
answer=$(sed -n 's/^plan: smallest hosts\/rx\/sockets\/srv\/rcvbuf = \([^ ]*\) meets .*/\1/p' "$tmp/plan.txt")
[ -n "$answer" ] && ok || bad "plan printed no answer: $(head -1 "$tmp/plan.txt")"
grep -q '^  runs: [0-9]* in ' "$tmp/plan.txt" && [ -s "$tmp/plan/plan.csv" ] && ok ||
	bad "plan: the runs behind the answer"
# seeds were added only where the decision was uncertain: some point kept the first 8
awk -F, 'NR > 1 && $3 == 8 { a = 1 } NR > 1 && $3 > 8 { b = 1 } END { exit !(a && b) }' \
	"$tmp/plan/plan.csv" && ok || bad "plan: expected both 3-seed and more-seed points"
$bin sweep $sc --vary $pr --seeds 32 -j 2 -o "$tmp/brute" >/dev/null && ok || bad "brute-force sweep"
awk -F, -v a="$answer" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	{ hi = $c["drop_frac_cp_hi"]; if ($c["drop_frac_t_hi"] > hi) hi = $c["drop_frac_t_hi"]
	  meets = hi < 0.001 }
	$2 == a { found = 1 }
	found && !meets { print "brute force: " $2 " does not meet the target"; e = 1 }
	!found { last = meets; lastv = $2 }
	END { if (!found) { print "answer " a " not in the sweep"; e = 1 }
	      if (last) { print "brute force: " lastv " (before the answer) meets it too"; e = 1 }
	      exit e }' "$tmp/brute/summary.csv" && ok || bad "plan's answer '$answer' disagrees with the brute-force sweep"
# a sweep into the plan's directory reuses the plan's runs
$bin sweep $sc --vary $pr --seeds 8 -j 2 -o "$tmp/plan" | grep -q '56 runs ([1-9][0-9]* reused)' && ok ||
	bad "a sweep into a plan's directory must reuse its runs"
# two knobs: the front, one row per rate, each the answer of a one-knob plan at that rate
$bin plan $sc --vary traffic/load/rate=100kpps,200kpps --vary $pr --target 'drop < 0.1%' -j 2 \
	-o "$tmp/front" >"$tmp/front.txt" && ok || bad "plan with two knobs"
$bin plan $sc --set traffic/load/rate=100kpps --vary $pr --target 'drop < 0.1%' -j 2 \
	-o "$tmp/front100" >"$tmp/front100.txt" && ok || bad "plan at 100kpps"
a100=$(sed -n 's/^plan: smallest [^ ]* = \([^ ]*\) meets .*/\1/p' "$tmp/front100.txt")
[ -n "$a100" ] && grep -q "^  100kpps      $a100 .* meets (pareto)$" "$tmp/front.txt" &&
	grep -q "^  200kpps      $answer .* meets (dominated)$" "$tmp/front.txt" &&
	grep -q "^plan: cheapest in --vary order meeting 'drop < 0.1%' (95% confidence): traffic/load/rate=100kpps, hosts/rx/sockets/srv/rcvbuf=$a100$" \
		"$tmp/front.txt" && ok || bad "the two-knob front disagrees with the one-knob plans ($a100, $answer)"
expect 1 "skbsim: --target: unknown metric 'drops' (known: drop, drop[REASON], p50, p99, p999, mean, cpu)" \
	plan $sc --vary $pr --target 'drops < 1%' -o "$tmp/bad"
expect 2 "skbsim: missing --target for 'plan'" plan $sc --vary $pr -o "$tmp/bad"
[ ! -e "$tmp/bad" ] && ok || bad "a refused plan left $tmp/bad behind"

# a run that dies: the sweep stops with its message, writes no CSV, leaves no partial run
if ! command -v pgrep >/dev/null 2>&1; then
	skip=$((skip + 2))
	echo "SKIP: no pgrep (procps): the killed-run and SIGTERM tests"
else
$bin sweep scenarios/default.yaml --set duration=3s --vary seed=1,2 -o "$tmp/killed" \
	>/dev/null 2>"$tmp/killed.err" &
sweep_pid=$!
child=
for _ in $(seq 100); do
	child=$(pgrep -P "$sweep_pid" | head -1)
	[ -n "$child" ] && break
	sleep 0.05
done
[ -n "$child" ] && kill -9 "$child"
wait "$sweep_pid"
rc=$?
[ "$rc" = 1 ] && grep -qx "skbsim: run '$tmp/killed/runs/p0000-s1' failed (exit 1): killed by signal 9" \
	"$tmp/killed.err" && ok || bad "killed run: exit $rc, said '$(head -1 "$tmp/killed.err")'"
[ -z "$(ls "$tmp/killed/runs")" ] && [ ! -e "$tmp/killed/sweep.csv" ] && ok ||
	bad "killed run: left $(ls "$tmp/killed/runs" "$tmp/killed")"

# SIGTERM (or ^C) stops the sweep: running runs are stopped, exit 4, only complete runs remain
$bin sweep scenarios/default.yaml --set duration=3s --vary seed=1,2 -o "$tmp/term" \
	>/dev/null 2>"$tmp/term.err" &
sweep_pid=$!
child=
for _ in $(seq 100); do
	child=$(pgrep -P "$sweep_pid" | head -1)
	[ -n "$child" ] && break
	sleep 0.05
done
kill -TERM "$sweep_pid"
wait "$sweep_pid"
rc=$?
[ "$rc" = 4 ] && grep -qx "skbsim: interrupted: 0 of 2 runs complete; the same command resumes the rest" \
	"$tmp/term.err" && ok || bad "SIGTERM: exit $rc, said '$(head -1 "$tmp/term.err")'"
[ -z "$(ls -A "$tmp/term/runs" 2>/dev/null)" ] && [ ! -e "$tmp/term/sweep.csv" ] && ok ||
	bad "SIGTERM: left $(ls -A "$tmp/term/runs")"
[ -n "$child" ] && ! kill -0 "$child" 2>/dev/null && ok || bad "SIGTERM: the run was not stopped"

fi

# on a terminal, a progress line on stderr (and none in a pipe: the checks above)
script -qec "$bin sweep $sc --vary $v2 --seeds 2 -o '$tmp/tty' >/dev/null" /dev/null >"$tmp/tty.out" 2>&1
grep -q 'sweep: 4/4 runs done (0 reused), 0 running' "$tmp/tty.out" && ok || bad "no progress line on a terminal"
$bin sweep $sc --vary $v2 --seeds 2 -o "$tmp/tty" 2>&1 >/dev/null | grep -q . && bad "progress line in a pipe" || ok

# compare: two runs side by side, the differing counters listed, equal ones not
$bin compare "$tmp/j1/runs/p0000-s1" "$tmp/j1/runs/p0006-s1" >"$tmp/cmp.txt" && ok || bad "compare"
grep -q '^  SOCKET_RCVBUFF ' "$tmp/cmp.txt" && grep -q '^  rx/snmp/Udp/RcvbufErrors ' "$tmp/cmp.txt" &&
	grep -q '^  rx/sockets/srv/sk_rcvbuf  *65536  *524288  *+458752$' "$tmp/cmp.txt" &&
	! grep -q '^  rx/snmp/Ip/InHdrErrors ' "$tmp/cmp.txt" && ok || bad "compare: the differing counters"
grep -q '^  A: seed 1, --set hosts/rx/sockets/srv/rcvbuf=32KiB --set hosts/rx/apps/reader/cpu=0$' \
	"$tmp/cmp.txt" && ok || bad "compare: provenance line"
expect 1 "skbsim: cannot read '$tmp/none/report.json': No such file or directory" \
	compare "$tmp/none" "$tmp/j1/runs/p0000-s1"
expect 2 "skbsim: 'compare' takes two results directories" compare "$tmp/none"

echo "sweep: $pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
