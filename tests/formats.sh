#!/usr/bin/env bash
# tests/formats.sh - skbsim's Linux-format files against what this machine's tools print.
#
# tests/kernel-ref/formats/ holds what iproute2 6.1, iptables 1.8.9 and
# Linux 6.18's /proc printed for the idle host of tests/data/formats.yaml
# (made by tests/kernel-ref/measure_formats.py, as root, in a network
# namespace). skbsim's files for that scenario must be byte-identical to
# them: ss (column alignment, peer 0.0.0.0:*), net_dev (lo first),
# iptables (-n protocol numbers; skbsim's "# table" lines aside), snmp,
# netstat, and nstat reading skbsim's snmp and netstat (PROC_NET_SNMP,
# PROC_NET_NETSTAT) must print what it printed for the namespace. tc_qdisc
# equals the reference but for the root qdisc's handle and refcnt (the
# reference's was added with tc, skbsim's is the default one, 0:). Then on
# a busy scenario (default.yaml): nstat reads the same counters as
# report.json, and every ss row is as long as the others (aligned columns).
set -u
cd "$(dirname "$0")/.."
bin=$PWD/skbsim
ref=tests/kernel-ref/formats
tmp=$(mktemp -d)
trap "[ -n \"${KEEP:-}\" ] || rm -rf $tmp" EXIT
. tests/lib.sh

"$bin" run tests/data/formats.yaml --quiet -o "$tmp/f" >/dev/null || bad "formats.yaml run failed"
for f in ss net_dev snmp netstat; do
	cmp -s "$tmp/f/rx/$f" "$ref/$f" && ok || bad "$f differs from $ref/$f: $(diff "$tmp/f/rx/$f" "$ref/$f" | head -n 4)"
done
grep -v '^# table ' "$tmp/f/rx/iptables" >"$tmp/ipt"
cmp -s "$tmp/ipt" "$ref/iptables" && ok || bad "iptables differs: $(diff "$tmp/ipt" "$ref/iptables" | head -n 4)"
norm() { sed -E 's/^(qdisc [a-z_]+) [0-9a-f]+: (dev [^ ]+ root) refcnt [0-9]+/\1 H: \2 refcnt N/' "$1"; }
d=$(diff <(norm "$tmp/f/rx/tc_qdisc") <(norm "$ref/tc_qdisc"))
[ -z "$d" ] && ok || bad "tc_qdisc differs: $d"

nstat_of() { # snmp netstat
	local h=$tmp/nstat.hist
	rm -f "$h"
	PROC_NET_SNMP=$1 PROC_NET_NETSTAT=$2 PROC_NET_SNMP6=/dev/null NSTAT_HISTORY=$h nstat -a -z -s
}
if command -v nstat >/dev/null; then
	nstat_of "$tmp/f/rx/snmp" "$tmp/f/rx/netstat" >"$tmp/nstat" 2>&1
	cmp -s "$tmp/nstat" "$ref/nstat" && ok || bad "nstat on skbsim's files: $(diff "$tmp/nstat" "$ref/nstat" | head -n 4)"
	"$bin" run scenarios/default.yaml --quiet -o "$tmp/d" >/dev/null
	nstat_of "$tmp/d/rx/snmp" "$tmp/d/rx/netstat" >"$tmp/nstat2" 2>&1
	got=$(python3 - "$tmp/nstat2" "$tmp/d/report.json" <<'PY'
import json, sys
n = {l.split()[0]: int(l.split()[1]) for l in open(sys.argv[1]) if l[0] != "#"}
h = [h for h in json.load(open(sys.argv[2]))["hosts"] if h["name"] == "rx"][0]["snmp"]
got = lambda g, k: n.get(g + k, n.get(g + "Ext" + k))  # InNoRoutes, InCsumErrors: IpExt
errs = ["%s%s: nstat %s, report.json %s" % (g, k, got(g, k), v)
        for g in ("Ip", "Udp") for k, v in h[g].items() if isinstance(v, int) and got(g, k) != v]
if n.get("UdpRcvbufErrors", 0) == 0 or n.get("IpInReceives", 0) == 0:
    errs.append("no traffic seen")
print("ok" if not errs else "; ".join(errs[:4]))
PY
)
	[ "$got" = ok ] && ok || bad "nstat on default.yaml: $got"
else
	echo "formats: nstat (Debian iproute2) not installed; its checks skipped"
	"$bin" run scenarios/default.yaml --quiet -o "$tmp/d" >/dev/null
fi
[ "$(awk 'NR > 1 && !/^\t/ { print length($0) }' "$tmp/d/rx/ss" | sort -u | wc -l)" = 1 ] && ok ||
	bad "ss rows of default.yaml are not aligned"

echo "formats: $pass passed, $fail failed"
[ "$fail" = 0 ]
