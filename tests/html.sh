#!/usr/bin/env bash
# tests/html.sh - report.html rendered by a real browser (headless Chromium).
#
# scenarios/rps-backlog.yaml (drops at R11, four CPUs) runs with --interval,
# --html and the hand-made Chrome trace tests/data/html/trace.json drawn in
# a window. Chromium (Debian chromium; `make scenarios-check` installs it
# through tools/install-deps.sh) loads the page with --dump-dom and
# --screenshot. The rendered DOM must hold every chart with what it draws
# (a bar per waterfall step, a CDF per latency stage measured, six segments
# per CPU, a line per time series, the trace's slices, drops and counter
# values in the window), every number tagged data-json must equal
# report.json's at that path, and the page must load nothing from outside.
# The screenshot must be a PNG of the page's size. When Chromium is not
# installed or cannot start, the test says it is skipped and exits 0 (after
# the checks that need no browser: bad traces, the page written).
set -u
cd "$(dirname "$0")/.."
bin=$PWD/skbsim
tmp=$(mktemp -d)
trap "[ -n \"${KEEP:-}\" ] || rm -rf $tmp" EXIT
. tests/lib.sh

# Bad traces stop the run before anything is written (tests/hostile.cases has more).
printf '{"traceEvents": [\n  {"ph": "X",\n' >"$tmp/cut.json"
expect 1 "skbsim: $tmp/cut.json:3:1: the trace is not valid JSON" run scenarios/loopback.yaml \
	-o "$tmp/bad" --html --html-trace "$tmp/cut.json"
printf '{"events": []}\n' >"$tmp/other.json"
expect 1 "skbsim: $tmp/other.json:1:1: not a Chrome trace (no \"traceEvents\" array)" run \
	scenarios/loopback.yaml -o "$tmp/bad" --html --html-trace "$tmp/other.json"
[ ! -e "$tmp/bad" ] && ok || bad "a bad trace left $tmp/bad"

browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ]; then
	echo "html: SKIPPED: no chromium (Debian chromium) installed ($pass checks without it passed, $fail failed)"
	exit $((fail > 0))
fi
chrome() { # url-or-file extra-flags...: headless, no sandbox when root, no GPU
	local url=$1
	shift
	timeout 120 "$browser" --headless --disable-gpu --no-sandbox --no-first-run \
		--user-data-dir="$tmp/profile" --hide-scrollbars "$@" "$url" 2>"$tmp/chrome.err"
}

out=$tmp/r
"$bin" run scenarios/rps-backlog.yaml --quiet -o "$out" --interval 1ms --html \
	--html-trace tests/data/html/trace.json --html-window 90us+100us >/dev/null ||
	{ bad "skbsim run --html failed"; echo "html: $pass passed, $fail failed"; exit 1; }
[ -s "$out/report.html" ] && ok || bad "no report.html"

if ! chrome "file://$out/report.html" --dump-dom >"$tmp/dom.html" || ! [ -s "$tmp/dom.html" ]; then
	echo "html: SKIPPED: $browser cannot start here: $(grep -v dbus "$tmp/chrome.err" | head -n 2)"
	echo "html: $pass checks without the browser passed, $fail failed"
	exit $((fail > 0))
fi

check_dom() { # dom report.json page
	python3 - "$@" <<'EOF'
import json, re, sys
from html.parser import HTMLParser
dom, rep, page = open(sys.argv[1]).read(), json.load(open(sys.argv[2])), open(sys.argv[3]).read()
errs = []

class P(HTMLParser):
    def __init__(s):
        super().__init__()
        s.svg = None          # id of the chart we are in
        s.count = {}          # (chart, tag, class) -> n
        s.ids = set()
        s.nums = []           # (path, text)
        s.cur = None
        s.attrs = {}
    def handle_starttag(s, tag, a):
        a = dict(a)
        if "id" in a:
            s.ids.add(a["id"]); s.attrs[a["id"]] = a
        if tag == "svg":
            s.svg = a.get("id")
        elif s.svg:
            k = (s.svg, tag, a.get("class", ""))
            s.count[k] = s.count.get(k, 0) + 1
        if "data-json" in a:
            s.cur = [a["data-json"], ""]
    def handle_endtag(s, tag):
        if tag == "svg":
            s.svg = None
        if tag == "span" and s.cur:
            s.nums.append(tuple(s.cur)); s.cur = None
    def handle_data(s, d):
        if s.cur:
            s.cur[1] += d

p = P(); p.feed(dom)
n = lambda chart, tag, cls: p.count.get((chart, tag, cls), 0)

charts = ["chart-waterfall", "chart-latency", "chart-cpu", "chart-ts-packets", "chart-ts-queues",
          "chart-ts-cpus", "chart-ts-drops", "chart-timeline"]
for c in charts:
    if c not in p.ids:
        errs.append("chart %s missing" % c)

stages = {d["stage"] for d in rep["drops"]}
pk = rep["packets"]
bars = 1 + len(stages) + 1 + sum(1 for k in ("consumed", "transmitted", "in_flight") if pk[k] > 0)
if n("chart-waterfall", "rect", "bar") + n("chart-waterfall", "rect", "bar drop") != bars:
    errs.append("waterfall: %d bars, expected %d" % (n("chart-waterfall", "rect", "bar") +
                n("chart-waterfall", "rect", "bar drop"), bars))
if n("chart-waterfall", "rect", "bar drop") != len(stages):
    errs.append("waterfall: %d drop bars, expected %d" % (n("chart-waterfall", "rect", "bar drop"), len(stages)))
lat = sum(1 for v in rep["latency_ns"].values() if v["count"] > 0)
if n("chart-latency", "path", "cdf") != lat:
    errs.append("latency: %d CDFs, expected %d" % (n("chart-latency", "path", "cdf"), lat))
if n("chart-cpu", "rect", "seg") != 6 * len(rep["cpus"]):
    errs.append("cpu: %d segments, expected %d" % (n("chart-cpu", "rect", "seg"), 6 * len(rep["cpus"])))
want_lines = {"chart-ts-packets": 3, "chart-ts-queues": len(rep["queues"]) + 2,  # + eth0, lo qdiscs
              "chart-ts-cpus": len(rep["cpus"]), "chart-ts-drops": len(rep["drops"])}
for c, w in want_lines.items():
    got = n(c, "path", "line")
    if got != w or p.attrs.get(c, {}).get("data-lines") != str(w):
        errs.append("%s: %d lines, expected %d" % (c, got, w))
# the hand-made trace, window 90us+100us: 5 slices (4 X, one B/E), 2 drops, 4 counter values
if n("chart-timeline", "rect", "slice") != 5:
    errs.append("timeline: %d slices, expected 5" % n("chart-timeline", "rect", "slice"))
if n("chart-timeline", "line", "instant drop") != 2:
    errs.append("timeline: %d drops, expected 2" % n("chart-timeline", "line", "instant drop"))
if n("chart-timeline", "path", "counter") != 2:
    errs.append("timeline: %d counter tracks, expected 2" % n("chart-timeline", "path", "counter"))
tc = p.attrs.get("timeline-counts", {})
if (tc.get("data-slices"), tc.get("data-instants"), tc.get("data-counter-points")) != ("5", "2", "4"):
    errs.append("timeline counts %s" % tc)

def at(path):
    v = rep
    for k in path.split("."):
        v = v[int(k)] if isinstance(v, list) else v[k]
    return v
for path, text in p.nums:
    try:
        v = at(path)
    except (KeyError, IndexError, ValueError):
        errs.append("%s: not in report.json" % path); continue
    if float(text) != float(v):
        errs.append("%s: page says %s, report.json %r" % (path, text, v))
paths = {x for x, _ in p.nums}
need = ["packets.offered", "packets.delivered", "packets.dropped"]
need += ["drops.%d.count" % i for i in range(len(rep["drops"]))]
need += ["cpus.%d.%s" % (i, k) for i in range(len(rep["cpus"])) for k in ("irq", "soft", "idle")]
need += ["latency_ns.%s.p99" % k for k, v in rep["latency_ns"].items() if v["count"] > 0]
for x in need:
    if x not in paths:
        errs.append("number %s not in the page" % x)
if len(p.nums) < 50:
    errs.append("only %d numbers in the page" % len(p.nums))
# self-contained: nothing fetched
for pat in (r"<script[^>]*src", r"<link", r"url\(", r"<img", r"<iframe", r"@import",
            r"(src|href)=\"(https?:)?//"):
    if re.search(pat, page, re.I):
        errs.append("the page loads something from outside: %s" % pat)
print("ok" if not errs else "; ".join(errs[:6]))
EOF
}
got=$(check_dom "$tmp/dom.html" "$out/report.json" "$out/report.html")
[ "$got" = ok ] && ok || bad "report.html: $got"

# The screenshot: a PNG of the requested size.
chrome "file://$out/report.html" --window-size=1000,4000 --screenshot="$tmp/shot.png" >/dev/null
png=$(python3 -c "
import struct, sys
b = open(sys.argv[1], 'rb').read(32)
ok = b[:8] == b'\x89PNG\r\n\x1a\n' and struct.unpack('>II', b[16:24]) == (1000, 4000)
print('ok' if ok else 'bad: %r' % b[:24])" "$tmp/shot.png" 2>&1)
[ "$png" = ok ] && ok || bad "screenshot: $png"
[ -n "${SHOT:-}" ] && cp "$tmp/shot.png" "$SHOT"

# Same seed, same page; a run without drops or --interval still has its charts.
"$bin" run scenarios/rps-backlog.yaml --quiet -o "$tmp/r2" --interval 1ms --html \
	--html-trace tests/data/html/trace.json --html-window 90us+100us >/dev/null
cmp -s "$out/report.html" "$tmp/r2/report.html" && ok || bad "report.html differs between two runs"
"$bin" run scenarios/loopback.yaml --quiet -o "$tmp/l" --html >/dev/null || bad "loopback --html failed"
chrome "file://$tmp/l/report.html" --dump-dom >"$tmp/dom2.html"
for c in chart-waterfall chart-latency chart-cpu; do
	grep -q "id=\"$c\"" "$tmp/dom2.html" && ok || bad "loopback: $c missing"
done
! grep -q 'id="chart-ts-' "$tmp/dom2.html" && ok || bad "loopback: time series without --interval"

# The timeline of a trace skbsim wrote itself (--trace with --html): the first
# burst of default.yaml, its ring drops and ring counter, drawn and shot.
"$bin" run scenarios/default.yaml --quiet -o "$tmp/t" --trace "$tmp/t.json" \
	--trace-window 0ms+3ms --html --html-window 100us+400us >/dev/null || bad "default --trace --html failed"
chrome "file://$tmp/t/report.html" --dump-dom >"$tmp/dom3.html"
got=$(python3 - "$tmp/dom3.html" <<'EOF'
import re, sys
dom = open(sys.argv[1]).read()
m = re.search(r'id="timeline-counts"[^>]*', dom)
a = dict(re.findall(r'(data-[a-z-]+)="([^"]*)"', m.group(0))) if m else {}
sl, ins, cp = (int(a.get(k, 0)) for k in ("data-slices", "data-instants", "data-counter-points"))
tl = dom[dom.find('id="chart-timeline"'):]
tl = tl[:tl.find("</svg>")]
errs = []
if sl < 10 or ins < 10 or cp < 10:
    errs.append("timeline counts: %d slices, %d instants, %d counter points" % (sl, ins, cp))
for what in ("hardirq eth0-rx-", "napi_poll eth0 rx-", "drop NIC_RX_MISSED at R2", "rx_ring"):
    if what not in tl:
        errs.append("%r not drawn" % what)
print("; ".join(errs) or "ok")
EOF
)
[ "$got" = ok ] && ok || bad "generated trace in report.html: $got"
chrome "file://$tmp/t/report.html" --window-size=1200,3000 --screenshot="$tmp/shot3.png" >/dev/null
[ -s "$tmp/shot3.png" ] && ok || bad "no screenshot of the generated trace's timeline"
[ -n "${SHOT_TRACE:-}" ] && cp "$tmp/shot3.png" "$SHOT_TRACE"

echo "html: $pass passed, $fail failed"
[ "$fail" = 0 ]
