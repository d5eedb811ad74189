#!/usr/bin/env bash
# tests/bench.sh - `make bench`: how fast and how small the simulator runs.
#
# 1. scenarios/bench/rx.yaml (one RX queue: NIC -> softirq -> UDP socket ->
#    application, ~1 Mpps for 1 s of simulated time): simulated packets per
#    wall-clock second and events per second, best of three runs.
# 2. The same scenario for 50 s of simulated time (~50 million packets): peak
#    RSS must not grow with run length.
# Targets (issue #2): >= 5 M simulated packets/s on one core; <= 64 MiB peak
# RSS for 50 M packets. The figures come from `skbsim run --perf`.
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
python3 -c "import sys; sys.exit(0 if $best >= 5 and $rss <= 64 else 1)" &&
	echo "bench: targets met" || { echo "bench: TARGET MISSED"; exit 1; }
