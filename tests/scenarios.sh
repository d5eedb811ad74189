#!/usr/bin/env bash
# tests/scenarios.sh - every shipped scenario, run as a user runs it.
#
# For each scenario: `skbsim check` accepts it; `skbsim run` succeeds and its
# report.json says the conservation law holds (offered = delivered + dropped
# + in flight; skbsim also aborts on a violation); the report shows at least
# one drop (each shipped scenario is there to provoke some); a second run
# with the same seed gives byte-identical files; another seed changes them.
# Then the CLI's bad-input paths: exit codes, one message, nothing under the
# output directory.
set -u
cd "$(dirname "$0")/.."
bin=./skbsim
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. tests/lib.sh

for f in scenarios/*.yaml scenarios/bench/*.yaml; do
	name=$(basename "$f" .yaml)
	if $bin check "$f" >/dev/null; then ok; else bad "$f: check"; fi
	if ! $bin run "$f" --quiet -o "$tmp/$name.1"; then bad "$f: run"; continue; fi
	ok
	[ "$(json_get "$tmp/$name.1/report.json" "r['packets']['conserved']")" = True ] && ok ||
		bad "$f: conservation"
	# every teaching scenario provokes drops, unless its header says otherwise
	case "$f" in scenarios/bench/*) ;; *)
		if ! grep -q '^# .*Nothing is dropped, by design' "$f"; then
			n=$(json_get "$tmp/$name.1/report.json" "len(r['drops'])")
			[ "$n" -ge 1 ] && ok || bad "$f: no drops in a scenario meant to provoke them"
		fi
	esac
	$bin run "$f" --quiet -o "$tmp/$name.2" &&
		diff -r "$tmp/$name.1" "$tmp/$name.2" >/dev/null && ok ||
		bad "$f: same seed, different results"
	$bin run "$f" --quiet --seed 4242 -o "$tmp/$name.3" &&
		! cmp -s "$tmp/$name.1/report.json" "$tmp/$name.3/report.json" && ok ||
		bad "$f: another seed gave identical results"
	rm -rf "$tmp/$name".*
done

# tc -s class: the classes of a classful root (qdiscs.yaml), nothing without one.
$bin run scenarios/qdiscs.yaml --quiet -o "$tmp/classes"
grep -q '^class htb 1:10 parent 1:1 prio 0 rate 60Mbit ceil 100Mbit ' "$tmp/classes/shaper/tc_class" &&
	grep -q '^class prio 1:2 parent 1: leaf 8002: $' "$tmp/classes/bands/tc_class" &&
	grep -q '^qdisc netem 8001: dev eth0 parent 1:20 ' "$tmp/classes/shaper/tc_qdisc" &&
	[ ! -s "$tmp/classes/rx/tc_class" ] && ok || bad "tc_class / tc_qdisc of qdiscs.yaml"
rm -rf "$tmp/classes"

# The files a run writes.
$bin run scenarios/default.yaml --quiet -o "$tmp/files"
for x in report.json report.txt rx/softnet_stat rx/snmp rx/net_dev rx/ss rx/interrupts \
	rx/iptables rx/ethtool_S_eth0 rx/ethtool_c_eth0; do
	[ -s "$tmp/files/$x" ] && ok || bad "missing $x"
done
[ "$(awk '{print NF}' "$tmp/files/rx/softnet_stat" | sort -u)" = 15 ] && ok ||
	bad "softnet_stat lines must have 15 columns"
grep -q '^Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors$' \
	"$tmp/files/rx/snmp" && ok || bad "snmp Udp header"

# snmp pairs: every header line is followed by a value line with as many fields (as nstat
# pairs them); one IcmpMsg pair with In before Out, as icmpmsg_put prints it.
$bin run scenarios/fragments.yaml --quiet -o "$tmp/frag"
for h in tx router rx; do
	awk 'NR % 2 == 1 { n = NF; p = $1 } NR % 2 == 0 && (NF != n || $1 != p) { e = 1 }
		END { exit e }' "$tmp/frag/$h/snmp" && ok || bad "$h/snmp: header and value lines differ"
	[ "$(grep -c '^IcmpMsg:' "$tmp/frag/$h/snmp")" -le 2 ] && ok || bad "$h/snmp: IcmpMsg split"
done
grep -q '^IcmpMsg: InType11$' "$tmp/frag/tx/snmp" && ok || bad "tx/snmp IcmpMsg types"
json_get "$tmp/frag/report.json" \
	"[h['snmp']['Ip']['FragCreates'] == 3 * h['snmp']['Ip']['FragOKs'] for h in r['hosts'] if h['name'] == 'tx'][0]" |
	grep -q True && ok || bad "fragments: tx FragCreates != 3 x FragOKs"
json_get "$tmp/frag/report.json" \
	"[h['snmp']['Icmp']['OutDestUnreachs'] == h['snmp']['Ip']['FragFails'] > 0 for h in r['hosts'] if h['name'] == 'router'][0]" |
	grep -q True && ok || bad "fragments: every DF drop must get its (never rate-limited) ICMP"

# veth NAPI mode: a full ring under noqueue drops in veth_xmit, and the senders see
# NET_XMIT_DROP as SndbufErrors; with a qdisc the same overload becomes requeues and
# qdisc drops.
$bin run scenarios/veth-napi.yaml --quiet -o "$tmp/vn"
json_get "$tmp/vn/report.json" \
	"[d['count'] for d in r['drops'] if d['stage'] == 'T15'] == [[h['snmp']['Udp']['SndbufErrors'] for h in r['hosts'] if h['name'] == 'c1'][0]]" |
	grep -q True && ok || bad "veth-napi: T15 ring drops != c1 SndbufErrors"
$bin run scenarios/veth-napi.yaml --quiet -o "$tmp/vnq" --set hosts/c1/nics/eth0/qdisc=pfifo
json_get "$tmp/vnq/report.json" "sorted(set(d['stage'] for d in r['drops']))" | grep -qx "\['T13'\]" &&
	grep -q 'requeues [1-9]' "$tmp/vnq/c1/tc_qdisc" && ok ||
	bad "veth-napi with pfifo: drops must move to the qdisc, with requeues"

# conntrack.yaml: the table is full, conntrack -S per CPU sums its drops and
# they are the PREROUTING/OUTPUT NETFILTER_DROPs (table full happens there only).
$bin run scenarios/conntrack.yaml --quiet -o "$tmp/ct"
[ "$(cat "$tmp/ct/fw/nf_conntrack_count")" -ge 4000 ] &&
	[ "$(sed 's/.*\tfound/found/' "$tmp/ct/fw/conntrack_S" | wc -l)" = 2 ] &&
	[ "$(python3 -c "import re,sys; print(sum(int(x) for x in re.findall(r' drop=(\d+)', open(sys.argv[1]).read())))" "$tmp/ct/fw/conntrack_S")" = \
		"$(json_get "$tmp/ct/report.json" "sum(d['count'] for d in r['drops'] if d['host'] == 'fw' and d['stage'] in ('R17', 'T8'))")" ] &&
	[ ! -e "$tmp/ct/client/conntrack_S" ] && ok || bad "conntrack.yaml: conntrack_S, nf_conntrack_count"

# BQL state as sysfs prints it, for a NIC with BQL (fq-codel.yaml: bql_limit 6 KiB).
$bin run scenarios/fq-codel.yaml --quiet -o "$tmp/fq"
grep -qx '/sys/class/net/eth0/queues/tx-0/byte_queue_limits/limit_min:6144' \
	"$tmp/fq/tx/byte_queue_limits_eth0" && [ "$(wc -l <"$tmp/fq/tx/byte_queue_limits_eth0")" -eq 8 ] &&
	ok || bad "fq-codel: byte_queue_limits_eth0"

# Path MTU: after the first ICMP the WANT client fragments, the DO client gets EMSGSIZE.
$bin run scenarios/pmtu.yaml --quiet -o "$tmp/pm"
json_get "$tmp/pm/report.json" \
	"[(a['name'], a['sent'], a['errors']['EMSGSIZE']) for h in r['hosts'] for a in h['apps'] if a['name'].startswith('pmtu-')]" |
	grep -qx "\[('pmtu-want', 99, 1), ('pmtu-do', 1, 99)\]" && ok ||
	bad "pmtu: unexpected sends or EMSGSIZE counts"

# Headroom: with RSS alone no packet uses a backlog; with RPS the backlog is what drops.
$bin run scenarios/default.yaml --quiet -o "$tmp/hr1"
grep -qx '  rx     net.core.netdev_max_backlog  unused: no packet used a backlog' "$tmp/hr1/report.txt" &&
	grep -qxE '  rx     rx_ring                      full: max 512 of 512 descriptors \(eth0 rx-1\), [1-9][0-9]* drops' \
		"$tmp/hr1/report.txt" && ok || bad "default: headroom lines"
json_get "$tmp/hr1/report.json" "[(k['knob'], k['state']) for k in r['headroom']['knobs']]" |
	grep -qx "\[('rx_ring', 'full'), ('net.core.netdev_max_backlog', 'unused'), ('rcvbuf', 'full')\]" &&
	ok || bad "default: report.json headroom knobs"
$bin run scenarios/rps-backlog.yaml --quiet -o "$tmp/hr2"
json_get "$tmp/hr2/report.json" \
	"[(k['state'], k['drops'] == r['headroom']['most_drops']['count']) for k in r['headroom']['knobs'] if k['knob'] == 'net.core.netdev_max_backlog']" |
	grep -qx "\[('full', True)\]" && grep -q '^  most drops: rx R11 CPU_BACKLOG in enqueue_to_backlog, ' "$tmp/hr2/report.txt" &&
	ok || bad "rps-backlog: the backlog must be the full knob with the most drops"

# Bad input: one message on stderr, the documented exit code, no output directory.
printf 'name: x\nduration: 1ms\nhosts:\n  - name: rx\n    cpuz: 2\n' >"$tmp/bad.yaml"
expect 1 "$tmp/bad.yaml:5:5: unknown key 'cpuz' in host 'rx' (did you mean 'cpus'?)" \
	run "$tmp/bad.yaml" -o "$tmp/out-bad"
[ ! -e "$tmp/out-bad" ] && ok || bad "a failed run left $tmp/out-bad behind"
printf 'name: x\nduration: [1ms\n' >"$tmp/syntax.yaml"
expect 1 "$tmp/syntax.yaml:3:1: yaml: did not find expected ',' or ']'" check "$tmp/syntax.yaml"
expect 1 "cannot open '$tmp/none.yaml': No such file or directory" check "$tmp/none.yaml"
expect 1 "--set:1:45: 'net.core.netdev_max_backlog' must be between 1 and 1073741824, got '0'" \
	check scenarios/default.yaml --set hosts/rx/sysctl/net.core.netdev_max_backlog=0
expect 1 "skbsim: '--seed' must be a non-negative integer, got 'x'" run scenarios/default.yaml --seed x
expect 2 "skbsim: unknown option '--sed'" run scenarios/default.yaml --sed 1
expect 2 "skbsim: unknown command (known: run, check, profiles, profile, calibrate, sweep, collect, plan, compare): 'go'" go scenarios/default.yaml
expect 1 "--unset:2:7: no item 'tx' in list 'hosts'" \
	check scenarios/default.yaml --set seed=2 --unset hosts/tx/cpus
expect 1 "--set:1:33: expected a list like '[0, 1]', got '[0,1'" \
	check scenarios/default.yaml --set hosts/rx/nics/eth0/irq_affinity=[0,1
expect 2 "skbsim: '--dump' is an option of 'check'" run scenarios/default.yaml --dump

# check --dump prints the effective scenario: loading it back gives the same run.
$bin check scenarios/default.yaml --dump --set hosts/rx/nics/eth0/irq_affinity=[2,1,0] \
	--unset hosts/rx/sysctl >"$tmp/dump.yaml" && ok || bad "check --dump"
grep -qx '    irq_affinity: \[2, 1, 0\]' "$tmp/dump.yaml" && ! grep -q 'sysctl:' "$tmp/dump.yaml" &&
	ok || bad "--dump: the --set list or the --unset missing"
$bin run "$tmp/dump.yaml" --quiet -o "$tmp/d1" &&
	$bin run scenarios/default.yaml --quiet -o "$tmp/d2" --set hosts/rx/nics/eth0/irq_affinity=[2,1,0] \
		--unset hosts/rx/sysctl &&
	diff <(grep -v '"scenario_\|"overrides"\|"--' "$tmp/d1/report.json") \
		<(grep -v '"scenario_\|"overrides"\|"--' "$tmp/d2/report.json") >/dev/null && ok ||
	bad "the dumped scenario runs differently from the original with its overrides"
# provenance in report.txt
grep -q "^  overrides: --set hosts/rx/nics/eth0/irq_affinity=\[2,1,0\] --unset hosts/rx/sysctl$" \
	"$tmp/d2/report.txt" && grep -q "^  file scenarios/default.yaml, sha256 $(sha256sum scenarios/default.yaml | cut -d' ' -f1)$" \
	"$tmp/d2/report.txt" && grep -qx '  profiles: rx default' "$tmp/d2/report.txt" && ok ||
	bad "report.txt provenance lines"
expect 2 "skbsim: missing scenario file for 'run'" run
[ "$($bin --version)" = "skbsim $(cat VERSION)" ] && ok || bad "--version"
$bin --help | grep -q '^usage: skbsim run FILE' && ok || bad "--help"

# Profiles: `skbsim profiles` lists every shipped file, `skbsim profile NAME` prints
# each with a source per cost, every profile runs the default scenario, and a PATH
# profile next to a scenario gives the same results as the built-in of the same text.
nkeys=$($bin profile default | sed -n 's/^costs: \([0-9]*\) .*/\1/p')
[ -n "$nkeys" ] && [ "$nkeys" -gt 40 ] && ok || bad "skbsim profile default: no cost count"
for f in profiles/*.yaml; do
	p=$(basename "$f" .yaml)
	$bin profiles | grep -q "^$p " && ok || bad "skbsim profiles does not list $p"
	out=$($bin profile "$p") && ok || bad "skbsim profile $p failed"
	[ "$(echo "$out" | head -n 1)" = "profile $p (format 1)" ] && ok || bad "skbsim profile $p: header"
	[ "$(echo "$out" | grep -c '^      source: ')" = "$nkeys" ] && ok ||
		bad "skbsim profile $p: not one source per cost"
	echo "$out" | grep -q '(null)' && bad "skbsim profile $p prints (null)" || ok
	$bin run scenarios/default.yaml --quiet --set profile="$p" -o "$tmp/prof-$p" && ok ||
		bad "scenarios/default.yaml with profile $p"
done
$bin profile epyc-vm-6.18 | grep -q '^  idle: \[{name: POLL, .*refill: \[{idle: 26.6us' && ok ||
	bad "skbsim profile epyc-vm-6.18: the idle states and their refill curve"
[ "$($bin profiles | wc -l)" = $(($(ls profiles/*.yaml | wc -l) + 1)) ] && ok ||
	bad "skbsim profiles lists other profiles than profiles/*.yaml"
mkdir -p "$tmp/own/p" && cp profiles/legacy-0.1.yaml "$tmp/own/p/" &&
	sed 's/^hosts:/profile: p\/legacy-0.1.yaml\nhosts:/' scenarios/default.yaml >"$tmp/own/s.yaml"
# the same results but for the provenance (file, hash, --set) in report.json and report.txt
noprov() { python3 -c "import json,sys; r=json.load(open(sys.argv[1])); r.pop('provenance'); print(json.dumps(r))" "$1"; }
$bin run "$tmp/own/s.yaml" --quiet -o "$tmp/own/out" &&
	diff -r -x report.json -x report.txt "$tmp/own/out" "$tmp/prof-legacy-0.1" >/dev/null &&
	[ "$(noprov "$tmp/own/out/report.json")" = "$(noprov "$tmp/prof-legacy-0.1/report.json")" ] &&
	diff <(grep -v '^  file \|^  overrides:' "$tmp/own/out/report.txt") \
		<(grep -v '^  file \|^  overrides:' "$tmp/prof-legacy-0.1/report.txt") >/dev/null && ok ||
	bad "a PATH profile gave other results than the built-in of the same text"
$bin profile "$tmp/own/p/legacy-0.1.yaml" >/dev/null && ok || bad "skbsim profile PATH"
expect 1 "unknown profile 'defualt' (did you mean 'default'? known: $(ls profiles | sed 's/\.yaml$//' | LC_ALL=C sort | paste -sd, | sed 's/,/, /g'))" \
	profile defualt
expect 2 "skbsim: 'profile' takes one NAME or PATH" profile
expect 2 "skbsim: 'profiles' takes no arguments" profiles x
expect 1 "--set:1:9: unknown profile 'zz' (known: $(ls profiles | sed 's/\.yaml$//' | LC_ALL=C sort | paste -sd, | sed 's/,/, /g'))" \
	check scenarios/default.yaml --set profile=zz

echo "scenarios: $pass passed, $fail failed"
[ "$fail" = 0 ]
