#!/usr/bin/env bash
# tests/hostile.sh - the table of hostile inputs (tests/hostile.cases).
#
# Each case is one line of four tab-separated fields:
#   EXIT  MESSAGE  SCENARIO  ARGS
# SCENARIO is written to $F with printf %b (so \n, \t, \r, \xNN work), after
# expanding {BASE} (a valid one-host scenario, lines 1-8) and {TR} (a traffic
# source for it, lines 9-10); or it is @NAME, made by gen_NAME below (big,
# deep, binary or generated inputs); or '-' for none. ARGS are skbsim's
# arguments, split on spaces, with $F (the scenario), $O (an output
# directory) and $D (a scratch directory) replaced; empty means
# "run $F -o $O --quiet" and "(none)" no arguments at all. $D holds one file
# of the user's. The case passes when skbsim exits with EXIT, the
# first line of its stderr is exactly MESSAGE (with $F, $O and $D
# replaced), $O does not exist afterwards, and nothing at all changed in the
# working directory it ran in (no results/, no temporary directories).
#
#   tests/hostile.sh            run the table
#   tests/hostile.sh --print    print every case with what skbsim said (to write new rows)
set -u
cd "$(dirname "$0")/.."
bin=$PWD/skbsim
cases=$PWD/tests/hostile.cases
print=${1:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0 n=0

BASE='name: h\nduration: 1ms\nhosts:\n  - name: rx\n    nics:\n      - {name: eth0, address: 10.0.0.1/24}\n    sockets:\n      - {name: srv, bind: 0.0.0.0:5000}\n'
TR='traffic:\n  - {name: t, to: rx/eth0, rate: 1kpps, dst: 10.0.0.1:5000}\n'

gen_big() { # a 100 MB file: a valid scenario followed by comments
	printf '%b' "$BASE" >"$1"
	head -c 100000000 /dev/zero | tr '\0' '#' >>"$1"
}
gen_deep() { # 300 nested flow sequences
	{ printf 'name: h\nduration: 1ms\nx: '; printf '[%.0s' $(seq 300); printf ']%.0s' $(seq 300); printf '\n'; } >"$1"
}
gen_deepmap() { # 300 nested block mappings
	{ printf 'name: h\nduration: 1ms\n'; for i in $(seq 0 299); do printf "%*sk$i:\n" $((i * 2)) ''; done; } >"$1"
}
gen_laughs() { # the billion laughs: aliases that expand past the node limit
	{
		printf 'name: h\nduration: 1ms\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n'
		for i in $(seq 1 9); do
			printf "a$i: &a$i [*a$((i - 1)), *a$((i - 1)), *a$((i - 1)), *a$((i - 1)), *a$((i - 1)), *a$((i - 1)), *a$((i - 1)), *a$((i - 1)), *a$((i - 1)), *a$((i - 1))]\n"
		done
	} >"$1"
}
gen_junk() { # 4 KiB of fixed pseudo-random bytes
	python3 -c "import random,sys; r=random.Random(7); sys.stdout.buffer.write(bytes(r.randrange(256) for _ in range(4096)))" >"$1"
}
gen_elf() { cp "$bin" "$1"; }
gen_utf16() { printf '%bcpuz: 1\n' "$BASE" | iconv -f UTF-8 -t UTF-16 >"$1"; }
gen_hosts4097() {
	{ printf 'name: h\nduration: 1ms\nhosts:\n'; for i in $(seq 4097); do printf "  - name: h$i\n"; done; } >"$1"
}
gen_nics65() {
	{ printf 'name: h\nduration: 1ms\nhosts:\n  - name: rx\n    nics:\n'; for i in $(seq 65); do printf "      - name: e$i\n"; done; } >"$1"
}
gen_socks16385() {
	{ printf 'name: h\nduration: 1ms\nhosts:\n  - name: rx\n    sockets:\n'; for i in $(seq 16385); do printf "      - {name: s$i, bind: '0.0.0.0:$((1000 + i))'}\n"; done; } >"$1"
}
gen_cpus4097() {
	{ printf 'name: h\nduration: 1ms\nhosts:\n'; for i in $(seq 17); do printf "  - name: h$i\n    cpus: 256\n"; done; } >"$1"
}
gen_traffic1025() {
	{ printf '%b' "$BASE"; printf 'traffic:\n'; for i in $(seq 1025); do printf "  - {name: t$i, to: rx/eth0, rate: 1pps, dst: 10.0.0.1:5000}\n"; done; } >"$1"
}
gen_rules10001() {
	{ printf '%b' "$BASE"; printf '    iptables:\n'; for i in $(seq 10001); do printf '      - "-A INPUT -j ACCEPT"\n'; done; } >"$1"
}
gen_fqcodel() { # 20 nics of 64 queues, each with a 65536-flow fq_codel: far past the table budget
	{ printf 'name: h\nduration: 1ms\nhosts:\n  - name: rx\n    nics:\n'; for i in $(seq 20); do printf "      - {name: e$i, rx_queues: 64, qdisc: {kind: fq_codel, flows: 65536}}\n"; done; } >"$1"
}
gen_tflows() { # 200 sources of 10^6 flows each
	{ printf '%b' "$BASE"; printf 'traffic:\n'; for i in $(seq 200); do printf "  - {name: t$i, to: rx/eth0, rate: 1pps, flows: 1000000, dst: 10.0.0.1:5000}\n"; done; } >"$1"
}
gen_flowlimit() { # flow-limit tables of 2^20 buckets on 40 x 32 CPUs
	{ printf 'name: h\nduration: 1ms\nhosts:\n'; for i in $(seq 40); do printf "  - {name: h$i, cpus: 32, sysctl: {net.core.flow_limit_cpu_bitmap: 0xffffffff, net.core.flow_limit_table_len: 1048576}}\n"; done; } >"$1"
}
gen_longkey() { { printf '%b' "$BASE"; printf 'k%.0s' $(seq 5000); printf ': 1\n'; } >"$1"; }
gen_nodes() { # more than 1048576 nodes without aliases (1100000 list items)
	{ printf 'name: h\nduration: 1ms\nx: ['; head -c 1100000 /dev/zero | tr '\0' '1' | sed 's/1/1,/g'; printf '1]\n'; } >"$1"
}
gen_sets257() { printf '%b' "$BASE" >"$1"; }

# Captures for `pattern: pcap`, written beside the scenario, which replays FILE.
replay() { printf '%b' "$BASE"; printf 'traffic:\n  - {name: t, to: rx/eth0, pattern: pcap, file: %s}\n' "$1"; }
mkpcap() { # FILE N CUT [LINKTYPE [ETHERTYPE]]: N 98-byte UDP frames, the file cut CUT bytes short
	python3 - "$@" <<'EOF'
import struct, sys
path, n, cut = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
lt = int(sys.argv[4]) if len(sys.argv) > 4 else 1
et = int(sys.argv[5], 16) if len(sys.argv) > 5 else 0x0800
ip = bytes.fromhex("4500005400000000401100000a0100010a000001") + struct.pack(">HHHH", 1024, 5000, 64, 0)
frame = bytes(12) + struct.pack(">H", et) + ip + bytes(56)
out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, lt)
for i in range(n):
    out += struct.pack("<IIII", 0, i * 10, len(frame), len(frame)) + frame
open(path, "wb").write(out[:len(out) - cut] if cut else out)
EOF
}
gen_pcaptrunc() { mkpcap "${1%/*}/trunc.pcap" 17 38; replay trunc.pcap >"$1"; }
gen_pcaphdr() { mkpcap "${1%/*}/hdr.pcap" 4 104; replay hdr.pcap >"$1"; }
gen_pcapjunk() { head -c 64 "$bin" >"${1%/*}/junk.pcap"; replay junk.pcap >"$1"; }
gen_pcapempty() { : >"${1%/*}/empty.pcap"; replay empty.pcap >"$1"; }
gen_pcaparp() { mkpcap "${1%/*}/arp.pcap" 3 0 1 0806; replay arp.pcap >"$1"; }
gen_pcaplink() { mkpcap "${1%/*}/wifi.pcap" 3 0 105; replay wifi.pcap >"$1"; }
gen_pcapcaplen() { # a record claiming 1 MiB captured
	mkpcap "${1%/*}/huge.pcap" 1 0
	python3 -c "import sys; p=sys.argv[1]; d=bytearray(open(p,'rb').read()); d[32:36]=(1<<20).to_bytes(4,'little'); open(p,'wb').write(d)" "${1%/*}/huge.pcap"
	replay huge.pcap >"$1"
}
gen_pcapself() { replay case.yaml >"$1"; }
gen_pcapflows() { mkpcap "${1%/*}/ok.pcap" 2 0; replay ok.pcap | sed '$ s/}$/, flows: 4}/' >"$1"; }

listing() { (cd "$1" && find . -printf '%p %y %s\n' | sort); }

run_case() { # exit message scenario args
	local want_rc=$1 want=$2 yaml=$3 args=$4 work=$tmp/work F=$tmp/case.yaml O=$tmp/out D=$tmp/scratch
	local got rc before after argv=()
	rm -rf "$work" "$O" "$D" "$F"
	mkdir -p "$work" "$D"
	echo "the user's" >"$D/keep"
	case "$yaml" in
	-) ;;
	@*) "gen_${yaml#@}" "$F" ;;
	*) yaml=${yaml//\{BASE\}/$BASE}; printf '%b' "${yaml//\{TR\}/$TR}" >"$F" ;;
	esac
	[ -n "$args" ] || args='run $F -o $O --quiet'
	[ "$args" = '(none)' ] && args=
	for a in $args; do
		a=${a//\$F/$F}; a=${a//\$O/$O}; a=${a//\$D/$D}
		argv+=("$a")
	done
	[ "$yaml" = @sets257 ] && for i in $(seq 257); do argv+=(--set "seed=$i"); done
	before=$(listing "$work")
	(cd "$work" && exec "$bin" "${argv[@]}" >/dev/null 2>"$tmp/stderr")
	rc=$?
	got=$(head -n 1 "$tmp/stderr")
	after=$(listing "$work")
	want=${want//\$F/$F}; want=${want//\$O/$O}; want=${want//\$D/$D}
	got=${got//$F/\$F}; got=${got//$O/\$O}; got=${got//$D/\$D}
	want=${want//$F/\$F}; want=${want//$O/\$O}; want=${want//$D/\$D}
	if [ "$print" = --print ]; then
		printf '%s\t%s\t%s\t%s\n' "$rc" "$got" "$3" "$4"
		return
	fi
	if [ "$rc" != "$want_rc" ]; then
		bad "case $n ($3 | $4): exit $rc, expected $want_rc ($got)"
	elif [ "$got" != "$want" ]; then
		bad "case $n ($3 | $4): said '$got', expected '$want'"
	elif [ -e "$O" ]; then
		bad "case $n ($3 | $4): wrote $O"
	elif [ "$before" != "$after" ]; then
		bad "case $n ($3 | $4): changed the working directory"
	else
		pass=$((pass + 1))
	fi
}
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

while IFS=$'\t' read -r code msg yaml args; do
	case "$code" in '' | '#'*) continue ;; esac
	n=$((n + 1))
	run_case "$code" "$msg" "$yaml" "${args:-}"
done <"$cases"

[ "$print" = --print ] && exit 0
echo "hostile: $n cases, $pass passed, $fail failed"
[ "$fail" = 0 ] && [ "$n" -ge 150 ]
