#!/usr/bin/env bash
# tests/bench.sh - `make bench`: how fast and how small the simulator runs.
#
# 1. scenarios/bench/rx.yaml (one RX queue: NIC -> softirq -> UDP socket ->
#    application, ~1 Mpps for 1 s of simulated time): simulated packets per
#    wall-clock second and events per second, best of three runs.
# 2. The same scenario for 50 s of simulated time (~50 million packets): peak
#    RSS must not grow with run length.
# 3. scenarios/bench/send.yaml (senders -> qdisc -> NIC -> link -> receiver)
#    and scenarios/bench/forward.yaml (a router forwarding small frames).
# 4. The forwarding case with a full Internet table on the router (10^6
#    routes from tests/gen_routes.py, through `routes_file:`): speed, peak
#    RSS and the time to load the table (reported, not a target).
# 5. Many sockets (tests/gen_socks.py): 10^4 bound UDP sockets with the
#    traffic to one of them (`one`, else the receive case above) or spread
#    over all of them (`spread`), each against the same scenario with one
#    socket: per-packet wall time with 10^4 sockets over that with one, best
#    of five runs each. `tests/bench.sh socks` runs this case alone.
# 6. Many hosts: 1000 hosts of 2 CPUs each (a loopback sender and a reader
#    on each, tests/gen_hosts.py): peak RSS.
# Targets: >= 5 M simulated packets/s for the receive path and <= 64 MiB peak
# RSS for 50 M packets (issue #2); >= 3 M/s for send and forwarding (issue
# #3); <= 1.3x the one-socket per-packet cost with 10^4 sockets and 1000
# hosts in <= 256 MiB (issue #9). Issue #9 also asks for receive >= 8, send
# >= 5 and forward >= 6 M/s: printed next to the figures, not yet met. The
# figures come from `skbsim run --perf`.
set -eu
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
best_of() { # N scenario -> best M packets/s of N runs
	local b=0 l p
	for _ in $(seq "$1"); do
		l=$(./skbsim run "$2" --quiet --perf -o "$tmp/x" 2>&1 >/dev/null)
		p=$(echo "$l" | sed -n 's/.*wall: \([0-9.]*\) M packets\/s.*/\1/p')
		b=$(python3 -c "print(max($b, $p))")
	done
	echo "$b"
}
socks() { # the many-sockets case: sets socks_ok
	local mode one many ratio
	socks_ok=1
	for mode in one spread; do
		python3 tests/gen_socks.py 1 $mode >"$tmp/s1.yaml"
		python3 tests/gen_socks.py 10000 $mode >"$tmp/s10k.yaml"
		one=$(best_of 5 "$tmp/s1.yaml")
		many=$(best_of 5 "$tmp/s10k.yaml")
		ratio=$(python3 -c "print('%.2f' % ($one / $many))")
		echo "bench sockets $mode: 1 socket $one M packets/s ($(python3 -c "print('%.0f' % (1000 / $one))") ns/packet)," \
			"10^4 sockets $many M packets/s ($(python3 -c "print('%.0f' % (1000 / $many))") ns/packet):" \
			"${ratio}x the per-packet cost (target <= 1.3)"
		python3 -c "import sys; sys.exit(0 if $ratio <= 1.3 else 1)" || socks_ok=0
	done
}
if [ "${1:-}" = socks ]; then
	socks
	[ "$socks_ok" = 1 ] && echo "bench: targets met" || { echo "bench: TARGET MISSED"; exit 1; }
	exit 0
fi
best=0
for i in 1 2 3; do
	line=$(./skbsim run scenarios/bench/rx.yaml --quiet --perf -o "$tmp/r" 2>&1 >/dev/null)
	echo "run $i: $line"
	pps=$(echo "$line" | sed -n 's/.*wall: \([0-9.]*\) M packets\/s.*/\1/p')
	best=$(python3 -c "print(max($best, $pps))")
done
echo "bench rx: best $best M simulated packets/s (target >= 5)"
line=$(./skbsim run scenarios/bench/rx.yaml --quiet --perf --set duration=50s -o "$tmp/long" 2>&1 >/dev/null)
echo "bench rx 50 s: $line"
rss=$(echo "$line" | sed -n 's/.*peak RSS \([0-9.]*\) MiB.*/\1/p')
echo "bench rx 50 s: peak RSS $rss MiB (target <= 64)"
send=$(best_of 3 scenarios/bench/send.yaml)
echo "bench send: best $send M simulated packets/s (target >= 3)"
fwd=$(best_of 3 scenarios/bench/forward.yaml)
echo "bench forward: best $fwd M simulated packets/s (target >= 3)"
python3 tests/gen_routes.py 1000000 10.1.0.254 >"$tmp/fib.txt"
t0=$(date +%s.%N)
line=$(./skbsim run scenarios/bench/forward.yaml --quiet --perf -o "$tmp/f" \
	--set "hosts/router/routes_file=$tmp/fib.txt" 2>&1 >/dev/null)
t1=$(date +%s.%N)
echo "bench forward, 10^6 routes: $line; $(python3 -c "print('%.1f' % ($t1 - $t0))") s in all with loading the table"
socks
python3 tests/gen_hosts.py 1000 >"$tmp/hosts.yaml"
line=$(./skbsim run "$tmp/hosts.yaml" --quiet --perf -o "$tmp/h" 2>&1 >/dev/null)
hrss=$(echo "$line" | sed -n 's/.*peak RSS \([0-9.]*\) MiB.*/\1/p')
echo "bench 1000 hosts: $line"
echo "bench 1000 hosts x 2 CPUs: peak RSS $hrss MiB (target <= 256)"
echo "bench issue #9 speed targets: rx $best (>= 8), send $send (>= 5), forward $fwd (>= 6) M packets/s"
python3 -c "import sys; sys.exit(0 if $best >= 5 and $rss <= 64 and $send >= 3 and $fwd >= 3 and $socks_ok and $hrss <= 256 else 1)" &&
	echo "bench: targets met" || { echo "bench: TARGET MISSED"; exit 1; }
