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
# 5. Many hosts: 1000 hosts of 2 CPUs each (a loopback sender and a reader
#    on each, tests/gen_hosts.py): peak RSS.
# Targets: >= 5 M simulated packets/s for the receive path and <= 64 MiB peak
# RSS for 50 M packets (issue #2); >= 3 M/s for send and forwarding (issue
# #3); 1000 hosts in <= 256 MiB (issue #9). Issue #9 also asks for receive
# >= 8, send >= 5 and forward >= 6 M/s: printed next to the figures, not yet
# met. The figures come from `skbsim run --perf`.
set -eu
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
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
best_of3() { # scenario -> best M packets/s of three runs
	local b=0 l p
	for i in 1 2 3; do
		l=$(./skbsim run "$1" --quiet --perf -o "$tmp/x" 2>&1 >/dev/null)
		p=$(echo "$l" | sed -n 's/.*wall: \([0-9.]*\) M packets\/s.*/\1/p')
		b=$(python3 -c "print(max($b, $p))")
	done
	echo "$b"
}
send=$(best_of3 scenarios/bench/send.yaml)
echo "bench send: best $send M simulated packets/s (target >= 3)"
fwd=$(best_of3 scenarios/bench/forward.yaml)
echo "bench forward: best $fwd M simulated packets/s (target >= 3)"
python3 tests/gen_routes.py 1000000 10.1.0.254 >"$tmp/fib.txt"
t0=$(date +%s.%N)
line=$(./skbsim run scenarios/bench/forward.yaml --quiet --perf -o "$tmp/f" \
	--set "hosts/router/routes_file=$tmp/fib.txt" 2>&1 >/dev/null)
t1=$(date +%s.%N)
echo "bench forward, 10^6 routes: $line; $(python3 -c "print('%.1f' % ($t1 - $t0))") s in all with loading the table"
python3 tests/gen_hosts.py 1000 >"$tmp/hosts.yaml"
line=$(./skbsim run "$tmp/hosts.yaml" --quiet --perf -o "$tmp/h" 2>&1 >/dev/null)
hrss=$(echo "$line" | sed -n 's/.*peak RSS \([0-9.]*\) MiB.*/\1/p')
echo "bench 1000 hosts: $line"
echo "bench 1000 hosts x 2 CPUs: peak RSS $hrss MiB (target <= 256)"
echo "bench issue #9 speed targets: rx $best (>= 8), send $send (>= 5), forward $fwd (>= 6) M packets/s"
python3 -c "import sys; sys.exit(0 if $best >= 5 and $rss <= 64 and $send >= 3 and $fwd >= 3 and $hrss <= 256 else 1)" &&
	echo "bench: targets met" || { echo "bench: TARGET MISSED"; exit 1; }
