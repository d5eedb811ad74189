#!/bin/bash
# tests/kernel-ref/measure_rps_ipi.sh - how many RPS IPIs a veth flood sends, on the real kernel.
#
# Run as root: sudo tests/kernel-ref/measure_rps_ipi.sh [RUNS] [OUT.csv]
# (default 3 runs, tests/kernel-ref/rps_ipi.csv; needs build/kbench: make build/kbench)
#
# The calibration case `rps` (tools/calibrate.py): fresh namespaces (krps<pid>a/b, deleted on
# exit), veth a0 10.204.0.1 -- b0 10.204.0.2, a permanent neighbour, rps_cpus = 2 (CPU 1) on
# b0's rx-0. `kbench recv 9000 --batch 64 --cpu 1` reads in B; `kbench send --size 64 --batch 32
# --cpu 0 --seconds 1` sends from A. The receive half runs as NET_RX on CPU 0 up to
# get_rps_cpu/enqueue_to_backlog, which queues the skb on CPU 1's backlog and, when that backlog
# was not already scheduled, an IPI (net_rps_send_ipi -> smp_call_function_single_async: a
# "Function call interrupt", CAL in /proc/interrupts). Recorded per run: datagrams sent and read,
# the sender's and the reader's thread CPU time, the reader's voluntary switches, and the CAL
# and RES counts of CPU 1 over the send.
set -eu
runs=${1:-3}
out=${2:-$(dirname "$0")/rps_ipi.csv}
kb=$(cd "$(dirname "$0")/../.." && pwd)/build/kbench
[ -x "$kb" ] || { echo "measure_rps_ipi.sh: build/kbench missing (make build/kbench)" >&2; exit 1; }
a=krps$$a b=krps$$b
trap 'ip netns del $a 2>/dev/null; ip netns del $b 2>/dev/null; true' EXIT
irq() { awk -v k="$1:" '$1 == k {print $3}' /proc/interrupts; }
kv() { tr ' ' '\n' <"$1" | sed -n "s/^$2=//p"; }
tmp=$(mktemp -d)
{
	echo "# measure_rps_ipi.sh on $(uname -r), $(date -u +%Y-%m-%dT%H:%MZ), load $(cut -d' ' -f1 /proc/loadavg)"
	echo "run,sent,read,send_cpu_ns,recv_cpu_ns,recv_nvcsw,cpu1_cal,cpu1_res"
	for i in $(seq 1 "$runs"); do
		ip netns add $a; ip netns add $b
		ip link add a0 netns $a type veth peer name b0 netns $b
		ip -n $a addr add 10.204.0.1/24 dev a0; ip -n $b addr add 10.204.0.2/24 dev b0
		ip -n $a link set a0 up; ip -n $b link set b0 up
		ip -n $a neigh replace 10.204.0.2 dev a0 nud permanent \
			lladdr "$(ip -n $b -br link show b0 | awk '{print $3}')"
		ip netns exec $b sh -c 'echo 2 > /sys/class/net/b0/queues/rx-0/rps_cpus'
		ip netns exec $b "$kb" recv 9000 --batch 64 --cpu 1 --seconds 3600 \
			--rcvbuf 8388608 >"$tmp/r" &
		sleep 0.2
		c0=$(irq CAL) r0=$(irq RES)
		ip netns exec $a "$kb" send 10.204.0.2 9000 --size 64 --batch 32 --cpu 0 \
			--seconds 1 --sndbuf 4194304 >"$tmp/s"
		c1=$(irq CAL) r1=$(irq RES)
		wait
		echo "$i,$(kv "$tmp/s" packets),$(kv "$tmp/r" packets),$(kv "$tmp/s" cpu_ns),$(kv "$tmp/r" cpu_ns),$(kv "$tmp/r" nvcsw),$((c1 - c0)),$((r1 - r0))"
		ip netns del $a; ip netns del $b
	done
} >"$out"
rm -rf "$tmp"
cat "$out"
