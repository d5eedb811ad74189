#!/bin/bash
# tests/kernel-ref/measure_bridge_cost.sh - the CPU cost of a bridge hop on the real kernel.
#
# Run as root: sudo tests/kernel-ref/measure_bridge_cost.sh [OUT.csv]
# (default tests/kernel-ref/bridge_cost.csv; needs build/kbench: make build/kbench)
#
# Fresh namespaces (kbc<pid>*, deleted on exit), IPv6 off, no traffic leaves them:
#   direct  x/eth0 10.78.0.1 -- veth -- y/eth0 10.78.0.2
#   bridge  a/eth0 10.77.0.1 -- veth -- n/va [br0, mcast_snooping 0,
#           bridge-nf-call-iptables 0] n/vb -- veth -- b/eth0 10.77.0.2
# For each mode, 3 runs alternating: `kbench recv 9000 --cpu 1` in the
# receiver, `kbench send --size 64 --cpu 0 --seconds 2` (sendmmsg of 32) in
# the sender. cpu_ns is the sender thread's CPU time, which includes the
# receive half (veth's netif_rx runs as softirq when the sender re-enables
# bottom halves, on its CPU), so cpu_ns / packets is the whole path per
# datagram; bridge minus direct is what the bridge hop adds (br_handle_frame,
# br_forward, the second veth_xmit and backlog pass). Compared by
# tests/test_bridge.c (test_bridge_hop_cost), which fits nothing: it checks
# the epyc-vm-6.18 profile's br_handle_frame and br_forward, fitted to this.
set -eu
cd "$(dirname "$0")/../.."
out=${1:-tests/kernel-ref/bridge_cost.csv}
KB=$PWD/build/kbench
P=kbc$$
cleanup() { for n in n a b x y; do ip netns del $P$n 2>/dev/null || true; done; }
trap cleanup EXIT
for n in n a b x y; do
	ip netns add $P$n
	ip -n $P$n link set lo up
	ip netns exec $P$n sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
done
ip netns exec ${P}n sysctl -qw net.bridge.bridge-nf-call-iptables=0
ip -n ${P}n link add br0 type bridge mcast_snooping 0
for c in a b; do
	ip -n ${P}n link add v$c type veth peer name eth0 netns $P$c
	ip -n ${P}n link set v$c master br0
	ip -n ${P}n link set v$c up
	ip -n $P$c link set eth0 up
done
ip -n ${P}n link set br0 up
ip -n ${P}a addr add 10.77.0.1/24 dev eth0
ip -n ${P}b addr add 10.77.0.2/24 dev eth0
ip -n ${P}x link add eth0 type veth peer name eth0 netns ${P}y
ip -n ${P}x addr add 10.78.0.1/24 dev eth0
ip -n ${P}y addr add 10.78.0.2/24 dev eth0
ip -n ${P}x link set eth0 up
ip -n ${P}y link set eth0 up
sleep 1
echo "mode,run,packets,cpu_ns,wall_ns,kernel" >"$out"
for run in 1 2 3; do
	for mode in direct bridge; do
		if [ $mode = direct ]; then s=${P}x r=${P}y a=10.78.0.2; else s=${P}a r=${P}b a=10.77.0.2; fi
		ip netns exec $r "$KB" recv 9000 --cpu 1 --seconds 3 >/dev/null &
		sleep 0.3
		line=$(ip netns exec $s "$KB" send $a 9000 --size 64 --cpu 0 --seconds 2)
		wait
		get() { echo "$line" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
		echo "$mode,$run,$(get packets),$(get cpu_ns),$(get wall_ns),$(uname -r)" | tee -a "$out"
	done
done
