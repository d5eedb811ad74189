#!/usr/bin/env bash
# tests/trace.sh - `--trace` (the CPU timeline) and `--follow` (packet journeys).
#
# Every shipped scenario runs with a trace of its first 5 ms and a few packets
# followed: its result files must be byte-identical to a plain run's (the
# views only observe), the trace must pass tests/trace_check.py (the Trace
# Event Format's rules as a viewer applies them: strict slice nesting per
# CPU, balanced flows, named tracks; NAPI polls within their budget and
# net_rx_action's packets the sum of its polls') and every followed packet
# must end delivered, dropped with a reason, consumed, transmitted or in
# flight. Then, as a user would look at them:
# - default.yaml (line-rate bursts into a 512-descriptor ring): a trace
#   of the first burst shows the ring counter reaching 512 and
#   NIC_RX_MISSED drops at R2; a whole-run trace has one drop instant per
#   drop of report.json, per reason;
# - the same seed writes a byte-identical trace;
# - loopback.yaml: the first packet's journey goes through the send stages
#   and the receive stages in order and ends DELIVERED; containers.yaml
#   (a reader that cannot keep up): followed packets end "DROPPED
#   SOCKET_RCVBUFF at R22";
# - bad options give their message verbatim, and a trace that cannot be
#   created, or a run stopped with --no-partial, leaves no file behind.
set -u
cd "$(dirname "$0")/.."
bin=$PWD/skbsim
tmp=$(mktemp -d)
trap "[ -n \"${KEEP:-}\" ] || rm -rf $tmp" EXIT
. tests/lib.sh

for s in scenarios/*.yaml; do
	n=$(basename "$s" .yaml)
	"$bin" run "$s" --quiet -o "$tmp/a-$n" >/dev/null 2>&1 || { bad "$s: run failed"; continue; }
	"$bin" run "$s" --quiet -o "$tmp/b-$n" --trace "$tmp/$n.json" --trace-window 0ms+5ms \
		--follow 20 --follow-every 7 >/dev/null 2>&1 || { bad "$s --trace: run failed"; continue; }
	d=$(diff -r -q -x follow.txt "$tmp/a-$n" "$tmp/b-$n" 2>&1)
	[ -z "$d" ] && ok || bad "$s: results differ with --trace/--follow: $d"
	got=$(python3 tests/trace_check.py "$tmp/$n.json" --napi --window 0,5000)
	[ "$got" = ok ] && ok || bad "$s: $got"
	got=$(python3 - "$tmp/b-$n/follow.txt" <<'EOF'
import re, sys
t = open(sys.argv[1]).read()
heads = re.findall(r"^packet \d+: ", t, re.M)
ends = re.findall(r"^  (total [\d.]+ us|\(in flight at the end of the run\))$", t, re.M)
last = re.findall(r"(DELIVERED|DROPPED [A-Z_]+ at [RT]\d+|CONSUMED|TRANSMITTED)[^\n]*\n  total", t)
done = sum(1 for e in ends if e.startswith("total"))
m = re.match(r"Followed packets: (\d+)", t)
ok = m and int(m.group(1)) == len(heads) == len(ends) > 0 and len(last) == done
print("ok" if ok else "follow.txt: %s packets, %d journeys, %d ends, %d of %d finished with an end"
      % (m and m.group(1), len(heads), len(ends), len(last), done))
EOF
)
	[ "$got" = ok ] && ok || bad "$s: $got"
done

# The first burst of default.yaml: the ring fills (512) and frames die at R2.
"$bin" run scenarios/default.yaml --quiet -o "$tmp/d" --trace "$tmp/d.json" \
	--trace-window 0ms+2ms >/dev/null || bad "default --trace failed"
got=$(python3 tests/trace_check.py "$tmp/d.json" --napi --window 0,2000 \
	--min-drops NIC_RX_MISSED=100 --counter-max "eth0 rx-1 rx_ring=512")
[ "$got" = ok ] && ok || bad "default burst: $got"
"$bin" run scenarios/default.yaml --quiet -o "$tmp/d2" --trace "$tmp/d2.json" \
	--trace-window 0ms+2ms >/dev/null
cmp -s "$tmp/d.json" "$tmp/d2.json" && ok || bad "the same seed wrote a different trace"

# A whole run: one drop instant per drop, per reason, as report.json counts them.
"$bin" run scenarios/rps-backlog.yaml --quiet -o "$tmp/r" --trace "$tmp/r.json" >/dev/null ||
	bad "rps-backlog --trace failed"
got=$(python3 - "$tmp/r.json" "$tmp/r/report.json" <<'EOF'
import json, sys
from collections import Counter
tr = json.load(open(sys.argv[1]))["traceEvents"]
rep = json.load(open(sys.argv[2]))
inst = Counter(e["name"] for e in tr if e["ph"] == "i" and e.get("cat") == "drop")
want = Counter()
for d in rep["drops"]:
    want["drop %s at %s" % (d["reason"], d["stage"])] += d["count"]
cpus = {e["tid"] for e in tr if e["ph"] == "X"}
cats = {e.get("cat") for e in tr if e["ph"] == "X"}
errs = []
if inst != want:
    errs.append("drops %s, report.json %s" % (dict(inst), dict(want)))
if len(cpus) != len(rep["cpus"]):
    errs.append("slices on %d CPUs, report has %d" % (len(cpus), len(rep["cpus"])))
for c in ("irq", "softirq", "napi", "app"):
    if c not in cats:
        errs.append("no %s slice" % c)
if not any(e["ph"] == "s" for e in tr):
    errs.append("no IPI flow (RPS)")
print("; ".join(errs) or "ok")
EOF
)
[ "$got" = ok ] && ok || bad "rps-backlog whole trace: $got"

# Journeys: a loopback datagram through T and R stages in order, delivered.
"$bin" run scenarios/loopback.yaml -o "$tmp/l" --follow 1 >"$tmp/l.out" || bad "loopback --follow failed"
got=$(python3 - "$tmp/l/follow.txt" "$tmp/l.out" <<'EOF'
import re, sys
t = open(sys.argv[1]).read()
st = re.findall(r"^ +[\d.]+ +[\d.]+ \S+ +\S+ +([RT]\d+|APP) ", t, re.M)
errs = []
ts = [s for s in st if s.startswith("T")]
rs = [s for s in st if s.startswith("R")]
if not ts or not rs or st.index(rs[0]) < st.index(ts[-1]):
    errs.append("stages %s" % st)
if [int(x[1:]) for x in rs] != sorted(int(x[1:]) for x in rs):
    errs.append("receive stages out of order: %s" % rs)
if "DELIVERED to socket" not in t:
    errs.append("not delivered")
if t not in open(sys.argv[2]).read():
    errs.append("stdout does not hold follow.txt")
print("; ".join(errs) or "ok")
EOF
)
[ "$got" = ok ] && ok || bad "loopback journey: $got"
"$bin" run scenarios/containers.yaml --quiet -o "$tmp/sb" --follow 1000 --follow-every 200 >/dev/null
grep -q 'DROPPED SOCKET_RCVBUFF at R22 (__udp_enqueue_schedule_skb)' "$tmp/sb/follow.txt" && ok ||
	bad "containers: no followed packet dropped at R22"

# Bad options: the message, verbatim, and nothing written.
expect 1 "skbsim: '--trace-window' must be START+LEN with times like '10ms+500us', got '5ms'" \
	run scenarios/loopback.yaml -o "$tmp/x" --trace "$tmp/x.json" --trace-window 5ms
expect 1 "skbsim: '--trace-sample' must be a time from 100ns to 1s, got '1ns'" \
	run scenarios/loopback.yaml -o "$tmp/x" --trace "$tmp/x.json" --trace-sample 1ns
expect 1 "skbsim: '--follow' must be an integer from 1 to 1000, got '0'" \
	run scenarios/loopback.yaml -o "$tmp/x" --follow 0
expect 1 "skbsim: '--follow' must be an integer from 1 to 1000, got '1001'" \
	run scenarios/loopback.yaml -o "$tmp/x" --follow 1001
expect 1 "skbsim: '--follow-every' must be an integer from 1 to 4294967295, got '-3'" \
	run scenarios/loopback.yaml -o "$tmp/x" --follow 3 --follow-every -3
expect 2 "skbsim: '--follow-every' needs '--follow'" \
	run scenarios/loopback.yaml -o "$tmp/x" --follow-every 3
expect 2 "skbsim: '--trace-window' and '--trace-sample' need '--trace'" \
	run scenarios/loopback.yaml -o "$tmp/x" --trace-window 0+1ms
expect 2 "skbsim: '--trace' given twice" \
	run scenarios/loopback.yaml -o "$tmp/x" --trace "$tmp/x.json" --trace "$tmp/y.json"
expect 2 "skbsim: 'check' takes only FILE, --set, --unset and --dump" \
	check scenarios/loopback.yaml --trace "$tmp/x.json"
expect 3 "skbsim: cannot create the trace '$tmp/no/such/t.json': No such file or directory" \
	run scenarios/loopback.yaml -o "$tmp/x" --trace "$tmp/no/such/t.json"
[ ! -e "$tmp/x" ] && [ ! -e "$tmp/x.json" ] && ok || bad "a refused run left $tmp/x or $tmp/x.json"

# A run stopped early with --no-partial writes no trace and leaves no temporary file.
mkdir "$tmp/np"
"$bin" run scenarios/default.yaml --quiet -o "$tmp/np/r" --trace "$tmp/np/t.json" \
	--max-memory 1MiB --no-partial >/dev/null 2>&1
[ -z "$(ls -A "$tmp/np")" ] && ok || bad "--no-partial left: $(ls -A "$tmp/np")"

echo "trace: $pass passed, $fail failed"
[ "$fail" = 0 ]
