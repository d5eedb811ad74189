#!/usr/bin/env bash
# tests/pcap.sh - capture files read by real tools, and a capture replayed.
#
# scenarios/default.yaml runs with its tap writing pcap and the host writing
# every drop as pcapng. tcpdump and tshark (Debian tcpdump, tshark; installed
# with apt-get when missing and root, else this test says it is skipped)
# must read both with the counts report.json gives: the tap's packets
# (tp_packets - tp_drops), the drops per reason and stage (from each packet's
# comment), the 5-tuples and frame lengths the scenario's sources send, and
# no malformed packet. Then the tap's capture is replayed (pattern: pcap):
# the source sends as many frames as the capture has IPv4/UDP packets, and
# their bytes; and a truncated copy gives its exact located message.
set -u
cd "$(dirname "$0")/.."
bin=$PWD/skbsim
tmp=$(mktemp -d)
trap "[ -n \"${KEEP:-}\" ] || rm -rf $tmp" EXIT
. tests/lib.sh
check() { # description command...: the command's output must be "ok"
	local what=$1 got
	shift
	got=$("$@" 2>&1)
	[ "$got" = ok ] && ok || bad "$what: $got"
}

need_tools() {
	command -v tcpdump >/dev/null && command -v tshark >/dev/null && return 0
	[ "$(id -u)" = 0 ] && command -v apt-get >/dev/null || return 1
	echo "pcap: installing tcpdump and tshark"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tcpdump tshark >/dev/null 2>&1 ||
		{ apt-get update -qq >/dev/null 2>&1 &&
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tcpdump tshark >/dev/null 2>&1; }
	command -v tcpdump >/dev/null && command -v tshark >/dev/null
}

if ! need_tools; then
	echo "pcap: SKIPPED: tcpdump and tshark are not installed and cannot be (not root, or no apt-get)"
	exit 0
fi
ts() { tshark -n "$@" 2>/dev/null; }
# tshark 3.6+ calls a packet's comment frame.comment, older ones pkt_comment
comment_field=frame.comment
tshark -G fields 2>/dev/null | grep -q $'\tframe.comment\t' || comment_field=pkt_comment
# the payload is zeros: decode it as data, not as whatever heuristic likes the ports
strict=(-o ip.check_checksum:TRUE -o udp.check_checksum:TRUE -d udp.port==5000,data
	-d udp.port==6000,data -d udp.port==7000,data)
badpkt='_ws.malformed || _ws.expert.severity >= error || (ip && ip.checksum.status != "Good") || (udp && !icmp && udp.checksum.status != "Good")'

out=$tmp/run
$bin run scenarios/default.yaml --quiet -o "$out" --set duration=20ms --set warmup=1ms \
	--set hosts/rx/taps/tcpdump/pcap=rx-eth0.pcap --set hosts/rx/drops_pcap=rx-drops.pcapng ||
	{ bad "run with captures"; exit 1; }
tap=$out/rx-eth0.pcap drops=$out/rx-drops.pcapng

# --- the tap: counts, 5-tuples, lengths
want=$(json_get "$out/report.json" \
	"[s['tp_packets'] - s['tp_drops'] for s in r['hosts'][0]['sockets'] if s['name'] == 'tcpdump'][0]")
[ "$want" -gt 1000 ] && ok || bad "the tap accepted only $want packets"
n=$(tcpdump -r "$tap" -n 2>/dev/null | wc -l)
[ "$n" = "$want" ] && ok || bad "tcpdump reads $n packets in the tap capture, report.json says $want"
n=$(ts -r "$tap" -T fields -e frame.number | wc -l)
[ "$n" = "$want" ] && ok || bad "tshark reads $n packets in the tap capture, report.json says $want"
tcpdump -r "$tap" 2>&1 >/dev/null | grep -q 'link-type EN10MB (Ethernet), snapshot length 262144' &&
	ok || bad "tcpdump: not an Ethernet capture with snaplen 262144"
[ "$(od -An -tx4 -N4 "$tap" | tr -d ' ')" = a1b23c4d ] && ok || bad "tap capture: not nanosecond pcap"
n=$(ts -r "$tap" "${strict[@]}" -Y "$badpkt" | wc -l)
[ "$n" = 0 ] && ok || bad "tshark finds $n malformed packets or bad checksums in the tap capture"
# every UDP frame: dst 10.0.0.1; the sources' ports, sources and sizes (default.yaml traffic)
cat >"$tmp/tuples.py" <<'EOF'
import sys, ipaddress
seen = set()
for line in sys.stdin:
    src, dst, sp, dp, flen, iplen, ulen, ttl = line.split()
    flen, iplen, ulen, dp, sp = int(flen), int(iplen), int(ulen), int(dp), int(sp)
    seen.add(dp)
    if dst != "10.0.0.1" or ttl != "64" or flen != iplen + 14 or ulen != iplen - 20 or sp < 1024:
        sys.exit(f"bad frame {line.strip()}")
    if dp == 6000 and (ipaddress.ip_address(src) not in ipaddress.ip_network("10.9.0.0/24") or flen != 124):
        sys.exit(f"blocked flow: {line.strip()}")
    if dp == 7000 and (src != "10.8.0.7" or flen != 124):
        sys.exit(f"stray flow: {line.strip()}")
    if not 60 <= flen <= 1514:
        sys.exit(f"frame length {flen}")
print("ok" if seen == {5000, 6000, 7000} else f"ports {sorted(seen)}")
EOF
ts -r "$tap" -Y 'udp && !icmp' -T fields -e ip.src -e ip.dst -e udp.srcport -e udp.dstport \
	-e frame.len -e ip.len -e udp.length -e ip.ttl >"$tmp/tuples"
check "tap 5-tuples" python3 "$tmp/tuples.py" <"$tmp/tuples"
# the ICMP port unreachables rx sends (the tap sees transmitted frames)
n=$(ts -r "$tap" -Y 'icmp.type == 3 && icmp.code == 3 && ip.src == 10.0.0.1 && ip.dst == 10.8.0.7 && udp.dstport == 7000' | wc -l)
[ "$n" -ge 1 ] && ok || bad "no ICMP port unreachable to 10.8.0.7 in the tap capture"
# timestamps: the simulated time, nanoseconds, within the run
last=$(ts -r "$tap" -T fields -e frame.time_epoch | tail -n 1)
python3 -c "import sys; t=float(sys.argv[1]); sys.exit(not 0.019 < t < 0.020)" "$last" && ok ||
	bad "last tap timestamp $last is not within the 20 ms run"

# --- the drops: one packet per drop, the reason and stage in its comment
want=$(json_get "$out/report.json" "sum(d['count'] for d in r['drops'])")
n=$(tcpdump -r "$drops" -n 2>/dev/null | wc -l)
[ "$n" = "$want" ] && ok || bad "tcpdump reads $n packets in the drop capture, report.json says $want"
tcpdump -r "$drops" 2>&1 >/dev/null | grep -q 'link-type EN10MB' && ok || bad "drop capture link type"
json_get "$out/report.json" \
	"'\n'.join(sorted('%d drop: %s at %s (%s)' % (d['count'], d['reason'], d['stage'], d['function']) for d in r['drops']))" \
	>"$tmp/want_comments"
ts -r "$drops" -T fields -e "$comment_field" | sort | uniq -c | sed 's/^ *//' | sort -k2 >"$tmp/got_comments"
sort -k2 "$tmp/want_comments" | diff - "$tmp/got_comments" >/dev/null && ok ||
	bad "drop comments differ from report.json: $(sort -k2 "$tmp/want_comments" | diff - "$tmp/got_comments" | head -4)"
grep -q 'drop: SOCKET_RCVBUFF at R22 (__udp_enqueue_schedule_skb)' "$tmp/got_comments" && ok ||
	bad "no SOCKET_RCVBUFF comment"
n=$(ts -r "$drops" -Y 'frame.comment contains "NO_SOCKET" && udp.dstport != 7000' | wc -l)
[ "$n" = 0 ] && ok || bad "$n NO_SOCKET drops not to port 7000"
[ "$(ts -r "$drops" -T fields -e frame.interface_name | sort -u)" = rx ] && ok ||
	bad "drop capture interface is not named after the host"
n=$(ts -r "$drops" "${strict[@]}" -Y "$badpkt" | wc -l)
[ "$n" = 0 ] && ok || bad "tshark finds $n malformed packets in the drop capture"

# --- same seed, same bytes
$bin run scenarios/default.yaml --quiet -o "$tmp/run2" --set duration=20ms --set warmup=1ms \
	--set hosts/rx/taps/tcpdump/pcap=rx-eth0.pcap --set hosts/rx/drops_pcap=rx-drops.pcapng &&
	cmp -s "$tap" "$tmp/run2/rx-eth0.pcap" && cmp -s "$drops" "$tmp/run2/rx-drops.pcapng" && ok ||
	bad "captures differ between two runs with one seed"
# -o may replace a result holding captures
$bin run scenarios/default.yaml --quiet -o "$tmp/run2" --set duration=2ms --set warmup=1ms && ok ||
	bad "-o refused to replace a result with capture files"

# --- replay the tap's capture
cp "$tap" "$tmp/in.pcap"
cat >"$tmp/replay.yaml" <<'EOF'
name: replay
duration: 30ms
hosts:
  - name: rx
    cpus: 2
    nics:
      - {name: eth0, address: 10.0.0.1/24, rx_queues: 1}
traffic:
  - {name: r, to: rx/eth0, pattern: pcap, file: in.pcap}
EOF
$bin run "$tmp/replay.yaml" --quiet -o "$tmp/rp" || bad "replay run"
udp=$(ts -r "$tmp/in.pcap" -Y 'udp && !icmp' -T fields -e frame.len)
want=$(echo "$udp" | wc -l)
want_bytes=$(echo "$udp" | awk '{ l = $1 + 4; if (l < 64) l = 64; s += l } END { print s }')
got=$(json_get "$tmp/rp/report.json" "r['traffic'][0]['sent']")
[ "$got" = "$want" ] && ok || bad "replay sent $got frames, the capture has $want IPv4/UDP packets"
got=$(json_get "$tmp/rp/report.json" "r['traffic'][0]['bytes']")
[ "$got" = "$want_bytes" ] && ok || bad "replay sent $got bytes, the capture's frames make $want_bytes"
# looped twice at half the gaps: twice the frames
$bin run "$tmp/replay.yaml" --quiet -o "$tmp/rp2" --set traffic/r/loop=2 --set traffic/r/time_scale=0.5 ||
	bad "replay run, looped"
got=$(json_get "$tmp/rp2/report.json" "r['traffic'][0]['sent']")
[ "$got" = $((2 * want)) ] && ok || bad "loop: 2 replay sent $got frames, not $((2 * want))"
# a replayed capture, captured again, has the same sizes and 5-tuples
sed -i 's/^traffic:/    taps:\n      - {name: t, dev: eth0, pcap: again.pcap}\n    apps:\n      - {name: dump, socket: t, cpu: 1}\ntraffic:/' "$tmp/replay.yaml"
# (50 times slower, so that the one-queue host drops nothing)
$bin run "$tmp/replay.yaml" --quiet -o "$tmp/rp3" --set duration=1100ms --set traffic/r/time_scale=50 ||
	bad "replay run with a tap"
fields="-Y udp&&!icmp -T fields -e ip.src -e ip.dst -e udp.srcport -e udp.dstport -e frame.len"
if cmp -s <(ts -r "$tmp/in.pcap" $fields | sort) <(ts -r "$tmp/rp3/again.pcap" $fields | sort); then
	ok
else
	bad "the replayed capture's 5-tuples and lengths differ from the original's"
fi

# --- a truncated capture: its exact message, nothing written
python3 - "$tmp/in.pcap" "$tmp/trunc.pcap" <<'EOF'
import struct, sys
d = open(sys.argv[1], "rb").read()
off = 24
for _ in range(16):
    off += 16 + struct.unpack("<I", d[off + 8:off + 12])[0]
cap = struct.unpack("<I", d[off + 8:off + 12])[0]
open(sys.argv[2], "wb").write(d[:off + 16 + cap // 2])
print(cap, cap // 2, file=open(sys.argv[2] + ".len", "w"))
EOF
read -r cap half <"$tmp/trunc.pcap.len"
sed -i 's/file: in.pcap/file: trunc.pcap/' "$tmp/replay.yaml"
msg=$($bin run "$tmp/replay.yaml" --quiet -o "$tmp/rp4" 2>&1)
[ "$?" = 1 ] && [ "$msg" = "$tmp/replay.yaml:13:49: 'trunc.pcap': truncated packet 17 (caplen $half of $cap)" ] &&
	[ ! -e "$tmp/rp4" ] && ok || bad "truncated capture: '$msg'"

echo "pcap: $pass passed, $fail failed"
[ "$fail" = 0 ]
