#!/usr/bin/env bash
# tests/kernel-ref/sched_turns.sh [RUNS] - run sched_turns.c RUNS times (default 5), two
# spinning processes on CPU 1 for 1 s each run, and write tests/kernel-ref/sched_turns.csv:
# one row per run with the load average before it. No root, no namespaces, no sysctl.
set -eu
cd "$(dirname "$0")"
runs=${1:-5}
bin=$(mktemp)
trap 'rm -f "$bin"' EXIT
cc -O2 -Wall -o "$bin" sched_turns.c
hz=$( (zcat /proc/config.gz 2>/dev/null || cat "/boot/config-$(uname -r)" 2>/dev/null) | sed -n 's/^CONFIG_HZ=//p')
out=sched_turns.csv
{
	echo "# sched_turns.c on $(uname -r) (CONFIG_HZ=${hz:-?}), $(nproc) CPU $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(date -u +%Y-%m-%dT%H:%MZ); two spinners on CPU 1, 1 s per run"
	echo "run,load1,turns,p50_us,p90_us,max_us"
	for i in $(seq 1 "$runs"); do
		load=$(cut -d' ' -f1 /proc/loadavg)
		vals=$("$bin" 1 1.0 | awk '{print $2}' | paste -sd,)
		echo "$i,$load,$vals"
	done
} >"$out"
cat "$out"
