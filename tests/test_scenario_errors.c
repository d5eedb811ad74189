/*
 * tests/test_scenario_errors.c - bad scenarios: the exact message world_create reports.
 *
 * Each row is a YAML text loaded as "t.yaml", --set options applied to it,
 * then world_create(); the first error recorded must be exactly the expected
 * message, position included. The texts are built from the fragments below,
 * which together make a valid scenario (test_base_is_valid checks that), so
 * each row differs from a valid scenario by the one mistake it tests.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "sim/cfg.h"
#include "models/scenario.h"

#define MAX_SETS 4

/* Lines 1-2. */
#define TOP "name: e\nduration: 10ms\n"
/* Lines 3-5 (the host list starts here). */
#define HOST "hosts:\n  - name: rx\n    cpus: 2\n"
/* Lines 6-9 after TOP HOST. */
#define NIC "    nics:\n      - name: eth0\n        driver: ixgbe\n        address: 10.0.0.1/24\n"
/* Three lines after NIC. */
#define SOCK "    sockets:\n      - name: srv\n        bind: 0.0.0.0:5000\n"
/* Four lines; a source item's own keys follow at 4 spaces. */
#define TRAFFIC "traffic:\n  - name: t\n    to: rx/eth0\n    dst: 10.0.0.1:5000\n"

#define BASE TOP HOST NIC SOCK
/* The shipped profiles, as an unknown profile's message lists them. */
#define KNOWN_PROFILES "brouer-i7-6700k-mlx5, cai-xeon-gold-6128, default, epyc-vm-6.18, legacy-0.1"

struct ecase {
	const char *yaml;	    /* the scenario */
	const char *sets[MAX_SETS]; /* --set options, NULL-terminated */
	const char *want;	    /* the exact message */
};

static const struct ecase ecases[] = {
	/* --- top level --- */
	{ "duration: 10ms\n" HOST, { NULL }, "t.yaml:1:1: scenario needs 'name'" },
	{ "name: 'a b'\nduration: 10ms\n" HOST NIC,
	  { NULL },
	  "t.yaml:1:7: 'name' must be letters, digits, '_', '-' or '.', got 'a b'" },
	{ TOP "warmpu: 1ms\n" HOST NIC,
	  { NULL },
	  "t.yaml:3:1: unknown key 'warmpu' in scenario (did you mean 'warmup'?)" },
	{ TOP "warmup: 10ms\n" HOST NIC,
	  { NULL },
	  "t.yaml:3:9: 'warmup' must be shorter than 'duration'" },
	{ "name: e\nduration: 10 parsecs\n" HOST NIC,
	  { NULL },
	  "t.yaml:2:11: 'duration' must be a time like '50us' (units: ps, ns, us, ms, s), got '10 "
	  "parsecs'" },
	{ TOP "hosts: []\n", { NULL }, "t.yaml:3:8: 'hosts' must list at least one host" },
	{ TOP "skb_pool: 15\n" HOST NIC,
	  { NULL },
	  "t.yaml:3:11: 'skb_pool' must be between 16 and 4194304, got '15'" },
	{ BASE "  - name: rx\n", { NULL }, "t.yaml:13:11: duplicate host name 'rx'" },
	/* --- errors found after parsing, at the value that caused them --- */
	{ TOP HOST "    nics:\n      - {name: v0, driver: veth, peer: rx/v0}\n",
	  { NULL },
	  "t.yaml:7:40: veth 'rx/v0' names itself as peer" },
	{ TOP HOST "    nics:\n      - {name: v0, driver: veth, peer: rx/v1}\n",
	  { NULL },
	  "t.yaml:7:40: veth 'rx/v0': no veth 'rx/v1' to pair with" },
	/* bridges and VLANs (models/drivers/bridge.c, vlan.c) */
	{ BASE "    bridges:\n      - {name: br0, ports: [eth9]}\n",
	  { NULL },
	  "t.yaml:14:29: unknown device 'eth9' on host 'rx'" },
	{ BASE
	  "    bridges:\n      - {name: br0, ports: [eth0]}\n      - {name: br1, ports: [eth0]}\n",
	  { NULL },
	  "t.yaml:15:29: device 'eth0' is already a port of bridge 'br0'" },
	{ BASE "    bridges:\n      - {name: br0, ports: [eth0], agein_time: 1s}\n",
	  { NULL },
	  "t.yaml:14:36: unknown key 'agein_time' in bridge 'br0' (did you mean 'ageing_time'?)" },
	{ BASE "    bridges:\n      - {name: eth0, ports: []}\n",
	  { NULL },
	  "t.yaml:14:16: duplicate bridge name 'eth0'" },
	{ BASE "    bridges:\n      - {name: br0, ports: [eth0], mac: '01:00:00:00:00:01'}\n",
	  { NULL },
	  "t.yaml:14:41: 'mac' must be a unicast MAC address like '02:00:00:00:00:01', got "
	  "'01:00:00:00:00:01'" },
	{ BASE "    vlans:\n      - {name: eth0.5, link: eth9, id: 5}\n",
	  { NULL },
	  "t.yaml:14:30: unknown device 'eth9' on host 'rx'" },
	{ BASE "    vlans:\n      - {name: eth0.5, link: eth0, id: 4095}\n",
	  { NULL },
	  "t.yaml:14:40: 'id' must be between 1 and 4094, got '4095'" },
	{ BASE "    vlans:\n      - {name: eth0.5, link: eth0, id: 5}\n"
	       "      - {name: v5, link: eth0, id: 5}\n",
	  { NULL },
	  "t.yaml:15:36: vlan id '5' is taken on 'eth0'" },
	{ BASE "    vlans:\n      - {name: v5, link: eth0, id: 5}\n      - {name: v6, link: v5, "
	       "id: 6}\n",
	  { NULL },
	  "t.yaml:15:26: vlan 'v6' cannot be on 'v5'" },
	{ BASE "    neigh:\n      - {ip: 10.0.0.9, dev: eth0, lladdr: zz}\n",
	  { NULL },
	  "t.yaml:14:43: 'lladdr' must be a unicast MAC address like '02:00:00:00:00:01', got "
	  "'zz'" },
	{ BASE "    vlans:\n      - {name: eth0.5, link: eth0}\n",
	  { NULL },
	  "t.yaml:14:9: vlan needs 'id'" },
	{ TOP HOST "    nics:\n      - {name: eth0, qdisc: mq}\n", /* was a SIM_BUG_ON */
	  { NULL },
	  "t.yaml:7:29: qdisc 'mq' needs a multi-queue device (rx_queues > 1)" },
	{ TOP HOST "    nics:\n      - {name: eth0, address: 10.0.0.1/24, qdisc: tbf}\n",
	  { NULL },
	  "t.yaml:7:51: qdisc 'tbf' needs 'rate'" },
	{ BASE "  - {name: tx, nics: [{name: eth0}]}\n  - {name: t2, nics: [{name: eth0}]}\n"
	       "links:\n  - {a: tx/eth0, b: rx/eth0}\n  - {a: t2/eth0, b: rx/eth0}\n",
	  { NULL },
	  "t.yaml:17:21: nic 'rx/eth0' is already linked" },
	{ BASE "  - {name: tx, nics: [{name: eth0}]}\nlinks:\n  - {a: tx/eth0, b: tx/eth0}\n",
	  { NULL },
	  "t.yaml:15:21: a link joins NICs of two different hosts" },
	{ BASE "  - {name: tx, nics: [{name: eth0}]}\n" TRAFFIC "    rate: 1kpps\n"
	       "links:\n  - {a: tx/eth0, b: rx/eth0}\n",
	  { NULL },
	  "t.yaml:16:9: traffic source 't' feeds nic 'eth0', which is linked to another host; "
	  "send from an app instead" },
	{ BASE TRAFFIC "    pattern: burst\n    burst: 1000000\n    interval: 1ns\n",
	  { NULL },
	  "t.yaml:19:15: 'burst' of 1000000 frames every '1ns' is more than 10Gpps" },
	{ BASE TRAFFIC "    pattern: burst\n    burst: 1000001\n    rate: 1pps\n",
	  { NULL },
	  "t.yaml:18:12: 'burst' must be between 1 and 1000000, got '1000001'" },
	/* --- the first error in file order --- */
	{ TOP "sed: 1\n" HOST "    hz: 7\n",
	  { NULL },
	  "t.yaml:3:1: unknown key 'sed' in scenario (did you mean 'seed'?)" },
	{ TOP "skb_pool: 1\n" HOST "    hz: 7\n",
	  { NULL },
	  "t.yaml:3:11: 'skb_pool' must be between 16 and 4194304, got '1'" },
	{ TOP "hosts:\n  - name: rx\n    cpuz: 2\n" NIC "        rx_ring: 1\n",
	  { NULL },
	  "t.yaml:5:5: unknown key 'cpuz' in host 'rx' (did you mean 'cpus'?)" },
	/* --- names are identifiers, never paths --- */
	{ "name: ''\nduration: 10ms\n" HOST, { NULL }, "t.yaml:1:7: 'name' must not be empty" },
	{ "name: .hidden\nduration: 10ms\n" HOST,
	  { NULL },
	  "t.yaml:1:7: 'name' must not start with '.' or '-', got '.hidden'" },
	{ TOP "hosts:\n  - name: ..\n",
	  { NULL },
	  "t.yaml:4:11: 'name' must not start with '.' or '-', got '..'" },
	{ TOP "hosts:\n  - name: a/b\n",
	  { NULL },
	  "t.yaml:4:11: 'name' must be letters, digits, '_', '-' or '.', got 'a/b'" },
	{ TOP "hosts:\n  - name: \"r\\tx\"\n",
	  { NULL },
	  "t.yaml:4:11: 'name' must be letters, digits, '_', '-' or '.', got 'r\\x09x'" },
	{ TOP "hosts:\n  - name: abcdefghijklmnopqrstuvwxyz0123456\n",
	  { NULL },
	  "t.yaml:4:11: 'name' must be at most 31 characters, got "
	  "'abcdefghijklmnopqrstuvwxyz0123456'" },
	{ TOP HOST "    nics:\n      - name: eth0123456789012\n",
	  { NULL },
	  "t.yaml:7:15: 'name' must be at most 15 characters, got 'eth0123456789012'" },
	{ TOP HOST "    nics:\n      - name: lo\n",
	  { NULL },
	  "t.yaml:7:15: nic name 'lo' is taken by the loopback device" },
	{ BASE "    taps:\n      - {name: ../x, dev: eth0}\n",
	  { NULL },
	  "t.yaml:14:16: 'name' must be letters, digits, '_', '-' or '.', got '../x'" },
	{ BASE "    apps:\n      - {name: a, socket: srv}\n      - {name: a, socket: srv}\n",
	  { NULL },
	  "t.yaml:15:16: duplicate app name 'a'" },
	{ BASE "    apps:\n      - {name: -a, socket: srv}\n",
	  { NULL },
	  "t.yaml:14:16: 'name' must not start with '.' or '-', got '-a'" },
	{ BASE TRAFFIC
	  "    rate: 1kpps\n  - {name: t, to: rx/eth0, dst: 10.0.0.1:5000, rate: 1kpps}\n",
	  { NULL },
	  "t.yaml:18:12: duplicate traffic source name 't'" },
	{ BASE TRAFFIC,
	  { "traffic/t/name=a b" },
	  "--set:1:16: 'name' must be letters, digits, "
	  "'_', '-' or '.', got 'a b'" },
	/* --- hosts --- */
	{ TOP "hosts:\n  - name: rx\n    cpu: 2\n",
	  { NULL },
	  "t.yaml:5:5: unknown key 'cpu' in host 'rx' (did you mean 'cpus'?)" },
	{ TOP HOST "    hz: 200\n",
	  { NULL },
	  "t.yaml:6:9: 'hz' must be one of 100, 250, 300, 1000, got '200'" },
	{ TOP "hosts:\n  - name: rx\n    cpus: 0\n",
	  { NULL },
	  "t.yaml:5:11: 'cpus' must be between 1 and 256, got '0'" },
	/* --- sysctl --- */
	{ TOP HOST "    sysctl:\n      net.core.netdev_max_backlg: 10\n",
	  { NULL },
	  "t.yaml:7:7: unknown key 'net.core.netdev_max_backlg' in sysctl of host 'rx' (did you "
	  "mean 'net.core.netdev_max_backlog'?)" },
	{ TOP HOST "    sysctl:\n      net.ipv4.udp_mem: 1 2\n",
	  { NULL },
	  "t.yaml:7:25: 'net.ipv4.udp_mem' must be 'MIN PRESSURE MAX' pages like '575781 767711 "
	  "1151562', got '1 2'" },
	{ TOP HOST "    sysctl:\n      net.core.mem_pcpu_rsv: 1\n",
	  { NULL },
	  "t.yaml:7:30: 'net.core.mem_pcpu_rsv' must be between 256 and 2147483647, got '1'" },
	{ TOP HOST "    sysctl:\n      net.ipv4.ip_local_port_range: 1000\n",
	  { NULL },
	  "t.yaml:7:37: 'net.ipv4.ip_local_port_range' must be 'LOW HIGH' like '32768 60999', "
	  "got '1000'" },
	{ TOP HOST "    sysctl:\n      net.core.flow_limit_table_len: 1000\n",
	  { NULL },
	  "t.yaml:7:38: 'net.core.flow_limit_table_len' must be a power of two" },
	{ TOP HOST "    sysctl:\n      net.core.netdev_max_backlog: 0\n",
	  { NULL },
	  "t.yaml:7:36: 'net.core.netdev_max_backlog' must be between 1 and 1073741824, got '0'" },
	{ TOP HOST "    sysctl:\n      kernel.sched_base_slice_ns: 1000\n",
	  { NULL },
	  "t.yaml:7:35: 'kernel.sched_base_slice_ns' must be between 100000 and 1000000000, got "
	  "'1000'" },
	{ TOP HOST "    sysctl:\n      net.core.rmem_max: 1KiB\n",
	  { NULL },
	  "t.yaml:7:26: 'net.core.rmem_max' must be an integer, got '1KiB'" },
	{ TOP HOST "    sysctl:\n      net.netfilter.nf_conntrack_max: 0\n",
	  { NULL },
	  "t.yaml:7:39: 'net.netfilter.nf_conntrack_max' must be between 1 and 4194304, got '0'" },
	{ TOP HOST "    sysctl:\n      net.netfilter.nf_conntrack_udp_timeout: 30s\n",
	  { NULL },
	  "t.yaml:7:47: 'net.netfilter.nf_conntrack_udp_timeout' must be an integer, got '30s'" },
	/* --- nics --- */
	{ TOP HOST "    nics:\n      - name: eth0\n        driver: ixgb\n",
	  { NULL },
	  "t.yaml:8:17: unknown driver 'ixgb' (did you mean 'ixgbe'?)" },
	{ TOP HOST "    nics:\n      - name: eth0\n        driver: e1000\n",
	  { NULL },
	  "t.yaml:8:17: unknown driver 'e1000' (known: ixgbe, i40e, mlx5, generic, veth)" },
	/* lo's driver is in the registry, but a host makes its lo itself */
	{ TOP HOST "    nics:\n      - name: eth0\n        driver: loopback\n",
	  { NULL },
	  "t.yaml:8:17: unknown driver 'loopback' (known: ixgbe, i40e, mlx5, generic, veth)" },
	{ TOP HOST NIC "        gro_flush_timeout: -1us\n",
	  { NULL },
	  "t.yaml:10:28: 'gro_flush_timeout' must be a time like '50us' (units: ps, ns, us, ms, "
	  "s), "
	  "got '-1us'" },
	{ TOP HOST NIC "        napi_defer_hard_irqs: 2147483648\n",
	  { NULL },
	  "t.yaml:10:31: 'napi_defer_hard_irqs' must be between 0 and 2147483647, got "
	  "'2147483648'" },
	{ TOP HOST
	  "    sockets:\n      - name: s\n        bind: 0.0.0.0:5000\n        busy_poll: lots\n",
	  { NULL },
	  "t.yaml:9:20: 'busy_poll' must be a time like '50us' (units: ps, ns, us, ms, s), got "
	  "'lots'" },
	{ TOP HOST "    sockets:\n      - name: s\n        bind: 0.0.0.0:5000\n"
		   "        busy_poll_budget: 70000\n",
	  { NULL },
	  "t.yaml:9:27: 'busy_poll_budget' must be between 0 and 65535, got '70000'" },
	{ TOP HOST "    sysctl:\n      net.core.busy_read: -5\n",
	  { NULL },
	  "t.yaml:7:27: 'net.core.busy_read' must be an integer, got '-5'" },
	{ TOP HOST NIC "        threaded_cpu: 1\n",
	  { NULL },
	  "t.yaml:10:23: 'threaded_cpu' needs 'threaded: true' on 'eth0'" },
	{ TOP HOST NIC "        threaded: true\n        threaded_cpu: 2\n",
	  { NULL },
	  "t.yaml:11:23: 'threaded_cpu' must be between 0 and 1, got '2'" },
	{ TOP HOST NIC "        threaded: yes please\n",
	  { NULL },
	  "t.yaml:10:19: 'threaded' must be true or false, got 'yes please'" },
	{ TOP HOST "    nics:\n      - name: eth0\n        driver: veth\n        peer: x/eth0\n"
		   "        threaded: true\n",
	  { NULL },
	  "t.yaml:10:19: veth 'eth0' has no NAPI to thread: turn on 'gro' or 'xdp' first (Linux "
	  "refuses /sys/class/net/eth0/threaded without one)" },
	{ TOP HOST "    nics:\n      - name: eth0\n        driver: veth\n        peer: x/eth0\n"
		   "        threaded_cpu: 0\n",
	  { NULL },
	  "t.yaml:10:23: 'threaded_cpu' needs 'threaded: true' on 'eth0'" },
	{ TOP HOST
	  "    nics:\n      - name: eth0\n        driver: i40e\n        adaptive_rx: true\n",
	  { NULL },
	  "t.yaml:9:22: driver 'i40e' has no adaptive moderation (adaptive_rx needs ixgbe or "
	  "mlx5)" },
	{ TOP HOST "    nics:\n      - name: eth0\n        driver: veth\n        peer: x/eth0\n"
		   "        xdp: tx\n",
	  { NULL },
	  "t.yaml:10:14: xdp verdict 'tx' is not modelled on veth" },
	{ TOP HOST "    nics:\n      - name: eth0\n        driver: veth\n        peer: x/eth0\n"
		   "        gro: maybe\n",
	  { NULL },
	  "t.yaml:10:14: 'gro' must be true or false, got 'maybe'" },
	{ TOP HOST NIC
	  "    routes:\n      - {dst: 10.9.0.0/16, type: unreachable, via: 10.0.0.2}\n",
	  { NULL },
	  "t.yaml:11:52: a route of type 'unreachable' takes no 'via'" },
	{ TOP HOST NIC "    routes:\n      - {dst: 10.9.0.0/16, type: nat}\n",
	  { NULL },
	  "t.yaml:11:34: 'type' must be one of unicast, unreachable, prohibit, blackhole, got "
	  "'nat'" },
	{ TOP HOST "    nics:\n      - name: eth0\n        rx_queues: 2\n"
		   "        qdisc: {kind: fq_codel, parent: top}\n",
	  { NULL },
	  "t.yaml:9:41: 'parent' must be one of mq, root, got 'top'" },
	{ TOP HOST "    nics:\n      - name: eth0\n        rx_queues: 2\n"
		   "        qdisc: {kind: mq, parent: root}\n",
	  { NULL },
	  "t.yaml:9:35: qdisc 'mq' is always the root: drop 'parent'" },
	{ TOP HOST NIC "        bql_limit_min: 1000\n",
	  { NULL },
	  "t.yaml:10:24: 'bql_limit_min' tunes the adaptive limit: it needs 'bql: true'" },
	{ TOP HOST NIC "        bql_stall_thrs: 5ms\n",
	  { NULL },
	  "t.yaml:10:25: 'bql_stall_thrs' needs BQL ('bql: true' or 'bql_limit')" },
	{ TOP HOST NIC
	  "        bql: true\n        bql_limit_min: 2000\n        bql_limit_max: 1000\n",
	  { NULL },
	  "t.yaml:11:24: 'bql_limit_min' must not exceed 'bql_limit_max'" },
	{ TOP HOST NIC "        bql: true\n        bql_stall_thrs: 300s\n",
	  { NULL },
	  "t.yaml:11:25: 'bql_stall_thrs' must be at most 65535 jiffies (262140 ms at HZ 250)" },
	{ TOP HOST "    nics:\n      - name: eth0\n        driver: veth\n        peer: x/eth0\n"
		   "        rps_cpus: '0-9'\n",
	  { NULL },
	  "t.yaml:10:19: 'rps_cpus' must be a CPU list like '0-3' or a mask like '0xf' within the "
	  "host's 2 CPUs, got '0-9'" },
	{ TOP HOST NIC "        ntuple: true\n",
	  { NULL },
	  "t.yaml:10:17: driver 'ixgbe' has no aRFS (ntuple needs a driver with ndo_rx_flow_steer: "
	  "mlx5)" },
	{ TOP HOST NIC "        rps_flow_cnt: 2000000000\n",
	  { NULL },
	  "t.yaml:10:23: 'rps_flow_cnt' must be between 0 and 1073741824, got '2000000000'" },
	{ TOP HOST "    sysctl:\n      net.core.rps_sock_flow_entries: 1000000000\n",
	  { NULL },
	  "t.yaml:7:39: 'net.core.rps_sock_flow_entries' must be between 0 and 536870912, got "
	  "'1000000000'" },
	{ TOP HOST NIC "        rx_ring: 32\n",
	  { NULL },
	  "t.yaml:10:18: 'rx_ring' must be between 64 and 4096, got '32'" },
	{ TOP HOST "    nics:\n      - name: eth0\n        driver: mlx5\n        rx_ring: 8193\n",
	  { NULL },
	  "t.yaml:9:18: 'rx_ring' must be between 64 and 8192, got '8193'" },
	{ TOP HOST "    nics:\n      - name: eth0\n        address: 10.0.0.300/24\n",
	  { NULL },
	  "t.yaml:8:18: 'address' must be an IPv4 address like '10.0.0.1/24', got "
	  "'10.0.0.300/24'" },
	{ TOP HOST "    nics:\n      - name: eth0\n        address: 10.0.0.1/33\n",
	  { NULL },
	  "t.yaml:8:18: 'address' must be an IPv4 address like '10.0.0.1/24', got '10.0.0.1/33'" },
	{ TOP HOST NIC "        rx_queues: 4\n        irq_affinity: [0, 1]\n",
	  { NULL },
	  "t.yaml:11:23: 'irq_affinity' needs one CPU per RX queue (4), got 2" },
	{ TOP HOST NIC "        irq_affinity: [2]\n",
	  { NULL },
	  "t.yaml:10:24: 'irq_affinity' must be between 0 and 1, got '2'" },
	{ TOP HOST NIC "        rps_cpus: 0-7\n",
	  { NULL },
	  "t.yaml:10:19: 'rps_cpus' must be a CPU list like '0-3' or a mask like '0xf' within the "
	  "host's 2 CPUs, got '0-7'" },
	{ TOP HOST NIC "        rps_cpus: '0x10'\n",
	  { NULL },
	  "t.yaml:10:19: 'rps_cpus' must be a CPU list like '0-3' or a mask like '0xf' within the "
	  "host's 2 CPUs, got '0x10'" },
	{ TOP HOST NIC "      - name: eth0\n",
	  { NULL },
	  "t.yaml:10:15: duplicate nic name 'eth0'" },
	{ TOP HOST NIC "        rx_usecs: 5us\n",
	  { NULL },
	  "t.yaml:10:19: 'rx_usecs' must be an integer, got '5us'" },
	/* --- iptables --- */
	{ TOP HOST NIC "    iptables:\n      - -A INPUT -p udp --dprot 53 -j DROP\n",
	  { NULL },
	  "t.yaml:11:25: unknown option '--dprot' in iptables rule (did you mean '--dport'?)" },
	{ TOP HOST NIC "    iptables:\n      - -t nat -A PREROUTING -j DROP\n",
	  { NULL },
	  "t.yaml:11:33: the nat table does not allow DROP" },
	{ TOP HOST NIC "    iptables:\n      - -A FORWRD -j DROP\n",
	  { NULL },
	  "t.yaml:11:12: unknown chain 'FORWRD' (known: PREROUTING, INPUT, FORWARD, OUTPUT, "
	  "POSTROUTING)" },
	/* --- sets (ipset hash:ip) --- */
	{ TOP HOST NIC "    sets:\n      - {name: bl, type: hash:net}\n",
	  { NULL },
	  "t.yaml:11:26: unknown set type 'hash:net' (known: hash:ip)" },
	{ TOP HOST NIC "    sets:\n      - {name: bl, members: [10.0.0.1, 10.0.0.300]}\n",
	  { NULL },
	  "t.yaml:11:40: bad set member '10.0.0.300' (an IPv4 address or ADDR/PREFIX)" },
	{ TOP HOST NIC "    sets:\n      - {name: bl, members: [10.0.0.0/15]}\n",
	  { NULL },
	  "t.yaml:11:30: set 'bl' would have more than 65536 members" },
	{ TOP HOST NIC "    sets:\n      - {name: bl}\n      - {name: bl}\n",
	  { NULL },
	  "t.yaml:12:16: duplicate set name 'bl'" },
	{ TOP HOST NIC "    sets:\n      - {name: bl, size: 3}\n",
	  { NULL },
	  "t.yaml:11:20: unknown key 'size' in set (known: name, type, members)" },
	{ TOP HOST NIC "    iptables:\n      - -A INPUT -j CHK\n",
	  { NULL },
	  "t.yaml:11:21: unknown target 'CHK' (known: ACCEPT, DROP, RETURN, REJECT, LOG, or a "
	  "chain "
	  "made by -N)" },
	{ TOP HOST NIC "    iptables:\n      - -N CHK\n      - -A CHK -j CHK\n",
	  { NULL },
	  "t.yaml:12:19: jump to 'CHK' makes a loop" },
	{ TOP HOST NIC "    iptables:\n      - \"-A INPUT -m limit --limit 3/week -j ACCEPT\"\n",
	  { NULL },
	  "t.yaml:11:36: bad rate '3/week' in iptables rule (like '10/sec')" },
	/* --- sockets --- */
	{ TOP HOST NIC "    sockets:\n      - name: srv\n        bind: 0.0.0.0\n",
	  { NULL },
	  "t.yaml:12:15: 'bind' must be ADDRESS:PORT like '0.0.0.0:5000', got '0.0.0.0'" },
	{ TOP HOST NIC "    sockets:\n      - name: srv\n        bind: 10.0.0.2:5000\n",
	  { NULL },
	  "t.yaml:12:15: cannot bind '10.0.0.2:5000': address is not local to host 'rx'" },
	{ BASE "      - name: srv2\n        bind: 10.0.0.1:5000\n",
	  { NULL },
	  "t.yaml:14:15: cannot bind 'srv2': port 5000 is already bound by socket 'srv' "
	  "(EADDRINUSE: both need 'reuseport: true')" },
	{ BASE "        reuseport: true\n      - name: srv2\n        bind: 0.0.0.0:5000\n",
	  { NULL },
	  "t.yaml:15:15: cannot bind 'srv2': port 5000 is already bound by socket 'srv' "
	  "(EADDRINUSE: both need 'reuseport: true')" },
	{ BASE "      - name: srv2\n        bind: 0.0.0.0:5000\n        reuseport: true\n",
	  { NULL },
	  "t.yaml:14:15: cannot bind 'srv2': port 5000 is already bound by socket 'srv' "
	  "(EADDRINUSE: both need 'reuseport: true')" },
	{ BASE "        reuseport_policy: cpu\n",
	  { NULL },
	  "t.yaml:13:27: 'reuseport_policy' needs 'reuseport: true' on socket 'srv' (EINVAL)" },
	{ BASE "        reuseport: true\n        reuseport_policy: cpus\n",
	  { NULL },
	  "t.yaml:14:27: 'reuseport_policy' must be one of hash, cpu, got 'cpus' (did you mean "
	  "'cpu'?)" },
	{ BASE "        reuseport: yes please\n",
	  { NULL },
	  "t.yaml:13:20: 'reuseport' must be true or false, got 'yes please'" },
	{ BASE "      - name: srv\n        bind: 0.0.0.0:5001\n",
	  { NULL },
	  "t.yaml:13:15: duplicate socket name 'srv'" },
	{ BASE "        udp_segment: 70000\n",
	  { NULL },
	  "t.yaml:13:22: 'udp_segment' must be between 0 and 65535, got '70000'" },
	{ TOP HOST NIC "        tx_udp_segmentation: maybe\n",
	  { NULL },
	  "t.yaml:10:30: 'tx_udp_segmentation' must be true or false, got 'maybe'" },
	{ BASE "        rcvbuff: 1MiB\n",
	  { NULL },
	  "t.yaml:13:9: unknown key 'rcvbuff' in socket 'srv' (did you mean 'rcvbuf'?)" },
	{ BASE "        filter:\n          action: pass\n",
	  { NULL },
	  "t.yaml:14:19: 'action' must be one of drop, keep, got 'pass'" },
	/* --- taps --- */
	{ BASE "    taps:\n      - name: cap\n        dev: eth1\n",
	  { NULL },
	  "t.yaml:15:14: unknown device 'eth1' on host 'rx'" },
	{ BASE,
	  { "hosts/rx/nics/eth0/bql=true", "hosts/rx/nics/eth0/bql_limit=6KiB", NULL },
	  "--set:1:24: 'bql: true' adapts the limit; 'bql_limit' fixes it: give one" },
	/* --- apps --- */
	{ BASE "    apps:\n      - name: a\n        socket: srv1\n",
	  { NULL },
	  "t.yaml:15:17: unknown socket 'srv1' on host 'rx' (did you mean 'srv'?)" },
	{ BASE "    apps:\n      - name: a\n        socket: database\n",
	  { NULL },
	  "t.yaml:15:17: unknown socket 'database' on host 'rx'" },
	{ BASE "    apps:\n      - name: a\n        socket: srv\n        cpu: 2\n",
	  { NULL },
	  "t.yaml:16:14: 'cpu' must be between 0 and 1, got '2'" },
	{ BASE "    apps:\n      - name: a\n        socket: srv\n        syscall: recvmmsgs\n",
	  { NULL },
	  "t.yaml:16:18: 'syscall' must be one of recvmsg, recvmmsg, xsk, got 'recvmmsgs' (did you "
	  "mean "
	  "'recvmmsg'?)" },
	{ BASE "    apps:\n      - name: a\n        socket: srv\n"
	       "        send: {to: '10.0.0.2:9', pattern: burst}\n",
	  { NULL },
	  "t.yaml:16:43: 'pattern: burst' needs a 'rate'" },
	{ BASE "    apps:\n      - name: a\n        socket: srv\n"
	       "        send: {to: '10.0.0.2:9', sleep: nanosleep}\n",
	  { NULL },
	  "t.yaml:16:41: 'sleep: nanosleep' needs a 'rate'" },
	{ BASE "    apps:\n      - name: a\n        socket: srv\n"
	       "        send: {to: '10.0.0.2:9', sleep: spin}\n",
	  { NULL },
	  "t.yaml:16:41: 'sleep: spin' needs a 'rate'" },
	{ BASE "    apps:\n      - name: a\n        socket: srv\n"
	       "        send: {to: '10.0.0.2:9', rate: 1kpps, sleep: nap}\n",
	  { NULL },
	  "t.yaml:16:54: 'sleep' must be one of timer, nanosleep, spin, got 'nap'" },
	{ BASE "    apps:\n      - name: a\n        socket: srv\n"
	       "        send: {to: '10.0.0.2:9', rate: 1kpps, burst: 8}\n",
	  { NULL },
	  "t.yaml:16:54: 'burst' needs 'pattern: burst'" },
	{ BASE "    apps:\n      - name: a\n        socket: srv\n"
	       "        send: {to: '10.0.0.2:9', rate: 1kpps, pattern: burst, burst: 0}\n",
	  { NULL },
	  "t.yaml:16:70: 'burst' must be between 1 and 1024, got '0'" },
	{ BASE "    apps:\n      - name: a\n        socket: srv\n"
	       "        send: {to: '10.0.0.2:9', syscall: sendmsgs}\n",
	  { NULL },
	  "t.yaml:16:43: 'syscall' must be one of sendto, sendmmsg, sendmsg, got 'sendmsgs' (did "
	  "you "
	  "mean 'sendmsg'?)" },
	/* --- traffic --- */
	{ BASE "traffic:\n  - name: t\n    to: rx-eth0\n    rate: 1kpps\n    dst: 10.0.0.1:5000\n",
	  { NULL },
	  "t.yaml:15:9: 'to' must name a host's NIC as HOST/NIC, like 'rx/eth0', got 'rx-eth0'" },
	{ BASE "traffic:\n  - name: t\n    to: rx/eth1\n    rate: 1kpps\n    dst: 10.0.0.1:5000\n",
	  { NULL },
	  "t.yaml:15:9: no nic 'eth1' on host 'rx'" },
	{ BASE TRAFFIC "    rate: 10 kp/s\n",
	  { NULL },
	  "t.yaml:17:11: 'rate' must be a packet rate like '1.5Mpps' or a bit rate like '10Gbit', "
	  "got '10 kp/s'" },
	{ BASE TRAFFIC "    rate: 1kpps\n    pattern: poison\n",
	  { NULL },
	  "t.yaml:18:14: 'pattern' must be one of constant, poisson, onoff, burst, pcap, "
	  "got 'poison' (did you mean 'poisson'?)" },
	{ BASE TRAFFIC "    rate: 1kpps\n    pattern: onoff\n    off: 1ms\n",
	  { NULL },
	  "t.yaml:14:5: pattern 'onoff' needs 'on'" },
	{ BASE TRAFFIC "    rate: 1kpps\n    pattern: burst\n",
	  { NULL },
	  "t.yaml:14:5: pattern 'burst' needs 'burst'" },
	{ BASE TRAFFIC "    rate: 1kpps\n    size: {dist: normal, mean: 500}\n",
	  { NULL },
	  "t.yaml:18:11: distribution needs 'stddev'" },
	{ BASE TRAFFIC "    rate: 1kpps\n    size: {dist: gaussian}\n",
	  { NULL },
	  "t.yaml:18:18: 'dist' must be one of constant, uniform, exponential, normal, lognormal, "
	  "pareto, empirical, got 'gaussian'" },
	{ BASE TRAFFIC "    rate: 1kpps\n    size: 9000\n",
	  { NULL },
	  "t.yaml:18:11: 'size' must be between 64B and 1518B, got '9000'" },
	{ BASE TRAFFIC "    rate: 1kpps\n    start: 5ms\n    stop: 2ms\n",
	  { NULL },
	  "t.yaml:19:11: 'stop' must be after 'start'" },
	{ BASE TRAFFIC "    rate: 1kpps\n    bad_csum: 2\n",
	  { NULL },
	  "t.yaml:18:15: 'bad_csum' must be a fraction like '5%' or '0.05', got '2'" },
	{ BASE TRAFFIC, { NULL }, "t.yaml:14:5: traffic source 't' needs 'rate'" },
	/* --- costs --- */
	{ TOP "costs:\n  irq_entryy: 100\n" HOST NIC,
	  { NULL },
	  "t.yaml:4:3: unknown key 'irq_entryy' in costs (did you mean 'irq_entry'?)" },
	{ TOP "costs:\n  irq_entry: fast\n" HOST NIC,
	  { NULL },
	  "t.yaml:4:14: 'irq_entry' must be an integer, got 'fast'" },
	{ TOP "costs:\n  idle: c7\n" HOST NIC,
	  { NULL },
	  "t.yaml:4:9: 'idle' must be poll, c1, c6 or a list of states, got 'c7'" },
	{ TOP "costs:\n  idle: {a: 1}\n" HOST NIC,
	  { NULL },
	  "t.yaml:4:9: 'idle' must be poll, c1, c6 or a list of states" },
	{ TOP "costs:\n  idle: []\n" HOST NIC,
	  { NULL },
	  "t.yaml:4:9: 'idle' must list 1 to 8 states, got 0" },
	{ TOP "costs:\n  idle:\n    - POLL\n" HOST NIC,
	  { NULL },
	  "t.yaml:5:7: 'idle state 0' must be a mapping" },
	{ TOP "costs:\n  idle:\n    - {name: C1, latncy: 2us}\n" HOST NIC,
	  { NULL },
	  "t.yaml:5:18: unknown key 'latncy' in idle state 0 (did you mean 'latency'?)" },
	{ TOP "costs:\n  idle:\n    - {name: C1, latency: 2us, residency: 2us}\n"
	      "    - {name: C0, latency: 1us, residency: 5us}\n" HOST NIC,
	  { NULL },
	  "t.yaml:6:27: idle state 'C0' has a lower latency than 'C1' before it" },
	{ TOP "costs:\n  idle:\n    - {name: C1, latency: 2us, residency: 2us}\n"
	      "    - {name: C2, latency: 3us, residency: 1us}\n" HOST NIC,
	  { NULL },
	  "t.yaml:6:43: idle state 'C2' has a lower residency than 'C1' before it" },
	{ TOP "costs:\n  idle:\n    - {name: H, refill: 5us}\n" HOST NIC,
	  { NULL },
	  "t.yaml:5:25: 'refill' must list 1 to 8 points" },
	{ TOP "costs:\n  idle:\n    - {name: H, refill: [{cost: 5us}]}\n" HOST NIC,
	  { NULL },
	  "t.yaml:5:26: refill point 0 of idle state 'H' has no 'idle'" },
	{ TOP
	  "costs:\n  idle:\n    - {name: H, refill: [{idle: 9us, cost: 1us}, {idle: 9us}]}\n" HOST
		  NIC,
	  { NULL },
	  "t.yaml:5:57: refill points of idle state 'H' must have increasing 'idle'" },
	{ TOP "costs:\n  idle:\n    - {name: H, refill: [{idle: 9us, cots: 1us}]}\n" HOST NIC,
	  { NULL },
	  "t.yaml:5:38: unknown key 'cots' in refill point 0 of idle state 'H' (did you mean "
	  "'cost'?)" },
	{ TOP "costs:\n  cost_cv: 2\n" HOST NIC,
	  { NULL },
	  "t.yaml:4:12: 'cost_cv' must be between 0 and 1, got '2'" },
	{ TOP "costs:\n  irq_time_accounting: maybe\n" HOST NIC,
	  { NULL },
	  "t.yaml:4:24: 'irq_time_accounting' must be true or false, got 'maybe'" },
	{ TOP "costs:\n  sched_eevdf: maybe\n" HOST NIC,
	  { NULL },
	  "t.yaml:4:16: 'sched_eevdf' must be true or false, got 'maybe'" },
	{ TOP "costs:\n  cpu_dma_latency: 5\n" HOST NIC,
	  { NULL },
	  "t.yaml:4:20: 'cpu_dma_latency' must be a time like '50us' (units: ps, ns, us, ms, s), "
	  "got '5'" },
	{ TOP "costs:\n  skb_cache_lines: 2000\n" HOST NIC,
	  { NULL },
	  "t.yaml:4:20: 'skb_cache_lines' must be between 0 and 1024, got '2000'" },
	{ TOP "costs:\n  mem_bandwidth: 20000Tbit\n" HOST NIC,
	  { NULL },
	  "t.yaml:4:18: 'mem_bandwidth' must be between 0bit and 10000Tbit, got '20000Tbit'" },
	{ TOP HOST "    costs:\n      udp_rcvv: 100\n" NIC,
	  { NULL },
	  "t.yaml:7:7: unknown key 'udp_rcvv' in costs (did you mean 'udp_rcv'?)" },
	{ BASE,
	  { "hosts/rx/costs/udp_rcv=-1", NULL },
	  "--set:1:24: 'udp_rcv' must be an integer, got '-1'" },
	/* --- profiles (errors inside a profile: tests/test_profile.c) --- */
	{ TOP "profile: defualt\n" HOST NIC,
	  { NULL },
	  "t.yaml:3:10: unknown profile 'defualt' (did you mean 'default'? known: " KNOWN_PROFILES
	  ")" },
	{ TOP HOST "    profile: zzz\n" NIC,
	  { NULL },
	  "t.yaml:6:14: unknown profile 'zzz' (known: " KNOWN_PROFILES ")" },
	{ TOP HOST "    profile: nosuch.yaml\n" NIC,
	  { NULL },
	  "t.yaml:6:14: cannot open profile 'nosuch.yaml': No such file or directory" },
	{ TOP "profile: [default]\n" HOST NIC,
	  { NULL },
	  "t.yaml:3:10: 'profile' must be a scalar" },
	{ TOP "profile: legacy-0.1\n" HOST "    profile: legacy-0.2\n" NIC,
	  { NULL },
	  "t.yaml:7:14: unknown profile 'legacy-0.2' (did you mean 'legacy-0.1'? "
	  "known: " KNOWN_PROFILES ")" },
	{ BASE,
	  { "profile=epyc-vm-6.81", NULL },
	  "--set:1:9: unknown profile 'epyc-vm-6.81' (did you mean 'epyc-vm-6.18'? "
	  "known: " KNOWN_PROFILES ")" },
	/* --- --set --- */
	{ BASE,
	  { "hosts/rx/sysctl/net.core.netdev_budget=abc", NULL },
	  "--set:1:40: 'net.core.netdev_budget' must be an integer, got 'abc'" },
	{ BASE,
	  { "seed=1", "hosts/rx/nics/eth0/rx_rnig=128", NULL },
	  "--set:2:20: unknown key 'rx_rnig' in nic 'eth0' (did you mean 'rx_ring'?)" },
	{ BASE, { "hosts/tx/cpus=4", NULL }, "--set:1:7: no item 'tx' in list 'hosts'" },
	{ BASE,
	  { "hosts/rx/nics/eth0/driver=mlx", NULL },
	  "--set:1:27: unknown driver 'mlx' (did you mean 'mlx5'?)" },
	{ BASE,
	  { "hosts/rx/sysctl/net.ipv4.ip_forward=2", NULL },
	  "--set:1:37: 'net.ipv4.ip_forward' must be between 0 and 1, got '2'" },
	/* --- XDP on NICs (models/core/xdp.c) and AF_XDP sockets (models/core/xsk.c) --- */
	{ TOP HOST NIC "        xdp: fly\n",
	  { NULL },
	  "t.yaml:10:14: 'xdp' must be one of none, aborted, drop, pass, tx, redirect, got 'fly'" },
	{ TOP HOST NIC
	  "        xdp:\n          rules:\n            - {src: 10.0.0.300/8, action: drop}\n",
	  { NULL },
	  "t.yaml:12:21: 'src' must be an IPv4 prefix like '10.0.0.0/8', got '10.0.0.300/8'" },
	{ TOP HOST NIC
	  "        xdp:\n          rules:\n            - {dport: 5000-6000, action: drop}\n",
	  { NULL },
	  "t.yaml:12:23: 'dport' must be a port or a range like '1000:2000', got '5000-6000'" },
	{ TOP HOST NIC "        xdp:\n          rules:\n            - {proto: tcp, action: drop}\n",
	  { NULL },
	  "t.yaml:12:23: 'proto' must be 'udp', 'icmp' or a number 1-255, got 'tcp'" },
	{ TOP HOST NIC
	  "        xdp:\n          rules:\n            - {fraction: 0, action: drop}\n",
	  { NULL },
	  "t.yaml:12:26: 'fraction' of an xdp rule must be above 0" },
	{ TOP HOST NIC "        xdp:\n          rules:\n            - {dport: 9}\n",
	  { NULL },
	  "t.yaml:12:15: xdp rule needs 'action'" },
	{ TOP HOST NIC "        xdp:\n          rules:\n            - {dprot: 9, action: drop}\n",
	  { NULL },
	  "t.yaml:12:16: unknown key 'dprot' in xdp rule (did you mean 'dport'?)" },
	{ TOP HOST NIC "        xdp:\n          default: tx\n          rulez: []\n",
	  { NULL },
	  "t.yaml:12:11: unknown key 'rulez' in xdp (did you mean 'rules'?)" },
	{ TOP HOST "    nics:\n      - name: eth0\n        driver: veth\n        peer: x/eth0\n"
		   "        xdp:\n          rules:\n            - {dport: 9, action: redirect}\n",
	  { NULL },
	  "t.yaml:12:34: xdp verdict 'redirect' is not modelled on veth" },
	{ TOP HOST NIC "        xdp: tx\n        xdp_mode: generic\n",
	  { NULL },
	  "t.yaml:10:14: xdp verdict 'tx' is not modelled on generic XDP" },
	{ TOP HOST NIC "        xdp_mode: skb\n",
	  { NULL },
	  "t.yaml:10:19: 'xdp_mode' must be one of native, generic, got 'skb'" },
	{ TOP HOST NIC "    xsks:\n      - {name: x, dev: eth1}\n",
	  { NULL },
	  "t.yaml:11:24: unknown device 'eth1' on host 'rx'" },
	{ TOP HOST NIC "    xsks:\n      - {name: x, dev: eth0, queue: 3}\n",
	  { NULL },
	  "t.yaml:11:37: 'eth0' has no RX queue 3 (it has 1)" },
	{ TOP HOST NIC "    xsks:\n      - {name: x, dev: eth0, rx_ring: 1000}\n",
	  { NULL },
	  "t.yaml:11:39: 'rx_ring' must be a power of two, got 1000" },
	{ TOP HOST NIC "    xsks:\n      - {name: x, dev: eth0}\n      - {name: y, dev: eth0}\n",
	  { NULL },
	  "t.yaml:12:24: RX queue 0 of 'eth0' already has an AF_XDP socket" },
	{ TOP HOST "    nics:\n      - name: eth0\n        driver: veth\n        peer: x/eth0\n"
		   "    xsks:\n      - {name: x, dev: eth0}\n",
	  { NULL },
	  "t.yaml:11:24: an AF_XDP socket needs a NIC with native XDP, 'eth0' is veth" },
	{ TOP HOST NIC "    xsks:\n      - {name: x}\n", { NULL }, "t.yaml:11:9: xsk needs 'dev'" },
	{ BASE "    apps:\n      - {name: a, socket: srv, syscall: xsk}\n",
	  { NULL },
	  "t.yaml:14:41: app 'a' has 'syscall: xsk' but 'srv' is not an AF_XDP socket" },
	{ TOP HOST NIC "    xsks:\n      - {name: x, dev: eth0}\n"
		       "    apps:\n      - {name: a, socket: x, syscall: recvmmsg}\n",
	  { NULL },
	  "t.yaml:13:39: app 'a' reads AF_XDP socket 'x': 'syscall' must be 'xsk'" },
	{ TOP HOST NIC "    xsks:\n      - {name: x, dev: eth0}\n"
		       "    apps:\n      - {name: a, socket: x, send: {to: '10.0.0.2:9'}}\n",
	  { NULL },
	  "t.yaml:13:27: app 'a' cannot send on AF_XDP socket 'x' (no TX ring)" },
	{ TOP HOST NIC "    xsks:\n      - {name: x, dev: eth0, rcvbuf: 1MiB}\n",
	  { NULL },
	  "t.yaml:11:38: 'rcvbuf' does not apply to an AF_XDP socket (its RX ring has 'rx_ring' "
	  "entries)" },
};

/* Load @yaml, apply @sets and build the world; the error message, or "" on success. */
static void build(const char *yaml, const char *const *sets, struct sim_error *err)
{
	struct cfg c = { 0 };
	struct world *w = NULL;
	int rc = cfg_load_string(&c, "t.yaml", yaml, err);

	for (int i = 0; !rc && i < MAX_SETS && sets && sets[i]; i++)
		rc = cfg_apply_set(&c, sets[i], err);
	if (!rc) {
		w = world_create(&c, -1, err);
		ck_assert_msg((w == NULL) == (err->set != 0),
			      "world_create's result and error record disagree");
	}
	world_free(w);
	cfg_release(&c);
}

START_TEST(test_errors)
{
	const struct ecase *tc = &ecases[_i];
	struct sim_error err = { 0 };

	build(tc->yaml, tc->sets, &err);
	ck_assert_msg(err.set, "case %d: no error, expected \"%s\"", _i, tc->want);
	ck_assert_msg(!strcmp(err.msg, tc->want), "case %d:\n  got  \"%s\"\n  want \"%s\"", _i,
		      err.msg, tc->want);
}
END_TEST

/* The fragments the rows are made of are valid on their own. */
START_TEST(test_base_is_valid)
{
	static const char *const ok[] = {
		TOP HOST,
		TOP HOST NIC,
		BASE,
		BASE TRAFFIC "    rate: 1kpps\n",
		BASE "    apps:\n      - name: a\n        socket: srv\n        cpu: 1\n",
	};
	static const char *const sets[] = { "hosts/rx/nics/eth0/rx_ring=128", NULL };

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct sim_error err = { 0 };

		build(ok[i], NULL, &err);
		ck_assert_msg(!err.set, "fragment %zu: unexpected \"%s\"", i, err.msg);
		build(ok[i], i >= 1 ? sets : NULL, &err);
		ck_assert_msg(!err.set, "fragment %zu with --set: unexpected \"%s\"", i, err.msg);
	}
}
END_TEST

/* The first error wins: a row with two mistakes reports the earlier one read. */
START_TEST(test_first_error_wins)
{
	struct sim_error err = { 0 };

	build(TOP HOST "    hz: 200\n    sysctl:\n      net.core.netdev_max_backlg: 10\n", NULL,
	      &err);
	ck_assert_str_eq(err.msg, "t.yaml:6:9: 'hz' must be one of 100, 250, 300, 1000, got '200'");
}
END_TEST

/* Positions name the file as given to cfg_load_file (tests run from tests/). */
START_TEST(test_fixture_file)
{
	struct sim_error err = { 0 };
	struct cfg c = { 0 };
	struct world *w = NULL;

	ck_assert_msg(!cfg_load_file(&c, "fixtures/bad-sysctl.yaml", &err), "%s", err.msg);
	w = world_create(&c, -1, &err);
	ck_assert_ptr_null(w);
	ck_assert_str_eq(err.msg,
			 "fixtures/bad-sysctl.yaml:10:7: unknown key "
			 "'net.core.netdev_max_backlg' in sysctl of host 'rx' (did you mean "
			 "'net.core.netdev_max_backlog'?)");
	cfg_release(&c);
}
END_TEST

Suite *scenario_errors_suite(void);

Suite *scenario_errors_suite(void)
{
	Suite *s = suite_create("scenario_errors");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_errors, 0, (int)(sizeof(ecases) / sizeof(ecases[0])));
	tcase_add_test(tc, test_base_is_valid);
	tcase_add_test(tc, test_first_error_wins);
	tcase_add_test(tc, test_fixture_file);
	suite_add_tcase(s, tc);
	return s;
}
