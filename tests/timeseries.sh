#!/usr/bin/env bash
# tests/timeseries.sh - `--interval`: the time series change no result and add up.
#
# Every shipped scenario runs without and with --interval (700us: the
# warm-up does not fall on a boundary, so the CPU rows across it are
# checked too) and with --interval 1ms --html; apart from the ts_*.csv
# files and report.html the result directories must be byte-identical.
# Then, for two scenarios with drops, the CSV files must add up to
# report.json: packets per interval sum to "packets", drops per reason and
# stage to "drops", the CPU contexts of every row to 100 %, the rows cover
# [0, time_reached_s) without gap, one row per queue of report.json
# "queues" per interval, none longer after the warm-up than its max_len. And a long run (10 000 intervals) must use no
# more peak memory than the same run without them (rows are streamed).
set -u
cd "$(dirname "$0")/.."
bin=$PWD/skbsim
tmp=$(mktemp -d)
trap "[ -n \"${KEEP:-}\" ] || rm -rf $tmp" EXIT
. tests/lib.sh

for s in scenarios/*.yaml; do
	n=$(basename "$s" .yaml)
	"$bin" run "$s" --quiet -o "$tmp/a-$n" >/dev/null 2>&1 || { bad "$s: run failed"; continue; }
	"$bin" run "$s" --quiet -o "$tmp/b-$n" --interval 700us >/dev/null 2>&1 ||
		{ bad "$s --interval: run failed"; continue; }
	"$bin" run "$s" --quiet -o "$tmp/c-$n" --interval 1ms --html >/dev/null 2>&1 ||
		{ bad "$s --interval --html: run failed"; continue; }
	for v in b c; do
		d=$(diff -r -q -x 'ts_*.csv' -x report.html "$tmp/a-$n" "$tmp/$v-$n" 2>&1)
		[ -z "$d" ] && ok || bad "$s: results differ with --interval: $d"
	done
	for f in ts_packets.csv ts_queues.csv ts_cpus.csv ts_drops.csv; do
		[ -s "$tmp/b-$n/$f" ] && ok || bad "$s: no $f"
		[ ! -e "$tmp/a-$n/$f" ] && ok || bad "$s: $f without --interval"
	done
done

# The sums (python3: the CSV and JSON readers).
check_sums() { # result-dir interval-seconds
	python3 - "$1" "$2" <<'EOF'
import csv, json, math, sys
d, iv = sys.argv[1], float(sys.argv[2])
r = json.load(open(d + "/report.json"))
rd = lambda f: list(csv.DictReader(open(d + "/" + f)))
errs = []
pk = rd("ts_packets.csv")
for k in ("offered", "delivered", "dropped", "consumed", "transmitted"):
    s = sum(int(x[k]) for x in pk)
    if s != r["packets"][k]:
        errs.append("%s: rows sum to %d, report.json %d" % (k, s, r["packets"][k]))
if int(pk[-1]["in_flight"]) != r["packets"]["in_flight"]:
    errs.append("in_flight at the end %s != %d" % (pk[-1]["in_flight"], r["packets"]["in_flight"]))
end = r["time_reached_s"]
n = math.ceil(end / iv - 1e-9)
if len(pk) != n:
    errs.append("%d packet rows, expected %d" % (len(pk), n))
t = 0.0
for x in pk:
    if abs(float(x["t_start_s"]) - t) > 1e-12:
        errs.append("gap at %s" % x["t_start_s"]); break
    t = float(x["t_end_s"])
if abs(t - end) > 1e-12:
    errs.append("rows end at %g, run at %g" % (t, end))
drops = {}
for x in rd("ts_drops.csv"):
    k = (x["host"], x["reason"], x["stage"])
    drops[k] = drops.get(k, 0) + int(x["drops"])
want = {(x["host"], x["reason"], x["stage"]): x["count"] for x in r["drops"]}
if drops != want:
    errs.append("drops %s != report.json %s" % (drops, want))
for x in rd("ts_cpus.csv"):
    tot = sum(float(x[k]) for k in ("irq", "soft", "ksoftirqd", "sys", "usr", "idle"))
    if abs(tot - 100) > 0.01:
        errs.append("cpu row %s sums to %g" % (x, tot)); break
q = rd("ts_queues.csv")
kinds = {}
for x in q:
    kinds.setdefault((x["host"], x["kind"], x["name"]), 0)
    kinds[(x["host"], x["kind"], x["name"])] += 1
for x in r["queues"]:
    if kinds.get((x["host"], x["kind"], x["name"])) != n:
        errs.append("queue %s %s %s: %s rows, expected %d" % (x["host"], x["kind"], x["name"],
                    kinds.get((x["host"], x["kind"], x["name"])), n))
    m = max([int(y["len"]) for y in q if (y["host"], y["kind"], y["name"]) ==
             (x["host"], x["kind"], x["name"]) and float(y["t_start_s"]) >= r["warmup_s"]] or [0])
    if m > x["max_len"]:
        errs.append("queue %s: sampled %d > max_len %d" % (x["name"], m, x["max_len"]))
print("ok" if not errs else "; ".join(errs[:5]))
EOF
}
for n in rps-backlog socket-buffer; do
	got=$(check_sums "$tmp/b-$n" 0.0007)
	[ "$got" = ok ] && ok || bad "$n: $got"
done
[ "$(json_get "$tmp/b-rps-backlog/report.json" 'len(r["drops"]) > 0')" = True ] && ok ||
	bad "rps-backlog: no drops to check"

# Memory-flat: 10 000 rows per file cost no more peak memory than none.
rss() { "$bin" run scenarios/rps-backlog.yaml --quiet --perf -o "$tmp/m" --force "$@" 2>&1 >/dev/null |
	sed -n 's/.*peak RSS \([0-9.]*\) MiB.*/\1/p'; }
r0=$(rss)
r1=$(rss --interval 30us)
rows=$(($(wc -l <"$tmp/m/ts_packets.csv") - 1))
[ "$rows" = 10000 ] && ok || bad "expected 10000 rows with --interval 30us, got $rows"
python3 -c "import sys; sys.exit(0 if float('$r1') - float('$r0') < 4 else 1)" && ok ||
	bad "peak RSS $r1 MiB with 10000 intervals, $r0 MiB without"

echo "timeseries: $pass passed, $fail failed"
[ "$fail" = 0 ]
