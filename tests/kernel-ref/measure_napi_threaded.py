#!/usr/bin/env python3
"""Reference measurements of threaded NAPI on a veth, for skbsim.

Run as root:   sudo python3 tests/kernel-ref/measure_napi_threaded.py
(options: --runs N (default 3), --count N (default 50000), --out DIR)

Background (net/core/dev.c): with /sys/class/net/DEV/threaded = 1 every NAPI
of DEV gets a kthread "napi/DEV-ID" (napi_threaded_poll); ____napi_schedule
then sets NAPI_STATE_SCHED_THREADED and wakes the kthread instead of raising
NET_RX. A veth has NAPIs only in NAPI mode (drivers/net/veth.c: GRO or XDP on
the receiving end), and a packet from a local socket takes the NAPI path
when the sending veth has TSO off (veth_skb_is_eligible_for_gro). Without
threading, the poll runs as NET_RX softirq on the sending CPU when
dev_queue_xmit re-enables bottom halves, so the sender never outruns it;
with threading, the kthread polls on another CPU while the sender keeps
filling the 256-entry ptr_ring, and veth_xmit drops what finds it full
(the sender's tx_dropped, noqueue).

Setup: two fresh namespaces ("kth<pid>-N", deleted afterwards), veth
a0 10.79.0.1/24 - b0 10.79.0.2/24, fixed MACs, permanent neighbours, IPv6
off; ethtool -K b0 gro on, ethtool -K a0 tso off. A UDP socket bound on B
with SO_RCVBUFFORCE 64 MiB is not read during the burst. The sender is
build/kbench send (sendmmsg, batch 64, 64-byte payloads, COUNT datagrams)
pinned to CPU 0; with threaded = 1 the napi kthread is pinned to CPU 1
(sched_setaffinity), as skbsim pins it with threaded_cpu.

Case "nonapi" (run 1): the same pair without GRO on b0 (no NAPI): whether
`echo 1 > /sys/class/net/b0/threaded` succeeds (write_ok), what the file
reads afterwards (threaded) and how many napi/b0-* kthreads exist (napi_threads).

Recorded per case (threaded0, threaded1) and run: sent (kbench), tx_dropped
of a0, xdp_packets of b0 (rx_queue_0_xdp_packets: what the NAPI took),
udp_in (Udp InDatagrams in B), send_cpu_ns, send_wall_ns, and for the
kthread its voluntary/nonvoluntary context switches and its utime/stime
ticks (/proc/PID/status, /proc/PID/stat), plus the softirq and system
jiffies of CPU 0 and CPU 1 (/proc/stat). Output: napi_threaded.csv
(case,run,counter,value) and napi_threaded_meta.json.
"""
import csv
import datetime
import json
import os
import platform
import re
import socket
import time

from knetns import Netns, nsexec, script_args, sh, udp_socket_in, veth_link

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
KBENCH = os.path.join(ROOT, "build", "kbench")
PREFIX = "kth%d-" % os.getpid()
_NETNS = Netns(PREFIX)
A_IP, B_IP = "10.79.0.1", "10.79.0.2"
A_MAC, B_MAC = "02:00:0a:4f:00:01", "02:00:0a:4f:00:02"
PORT = 5000
SO_RCVBUFFORCE = 33


def proc_stat_cpus():
    out = {}
    for line in open("/proc/stat"):
        m = re.match(r"cpu(\d+) (.*)", line)
        if m:
            f = [int(x) for x in m.group(2).split()]
            out[int(m.group(1))] = {"user": f[0], "system": f[2], "irq": f[5], "softirq": f[6]}
    return out


def napi_pids(dev):
    pids = []
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            comm = open("/proc/%s/comm" % p).read().strip()
        except OSError:
            continue
        if comm.startswith("napi/%s-" % dev):
            pids.append((int(p), comm))
    return pids


def thread_counters(pid):
    st = open("/proc/%d/status" % pid).read()
    vol = int(re.search(r"voluntary_ctxt_switches:\s+(\d+)", st).group(1))
    nonvol = int(re.search(r"nonvoluntary_ctxt_switches:\s+(\d+)", st).group(1))
    stat = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return {"nvcsw": vol, "nivcsw": nonvol, "utime": int(stat[11]), "stime": int(stat[12])}


def xdp_packets(ns):
    out = nsexec(ns, "ethtool", "-S", "b0")
    return sum(int(v) for v in re.findall(r"rx_queue_\d+_xdp_packets:\s*(\d+)", out))


def stat_of(ns, dev, name):
    return int(nsexec(ns, "cat", "/sys/class/net/%s/statistics/%s" % (dev, name)))


def udp_in(ns):
    lines = [l for l in nsexec(ns, "cat", "/proc/net/snmp").splitlines() if l.startswith("Udp:")]
    return dict(zip(lines[0].split()[1:], (int(x) for x in lines[1].split()[1:])))["InDatagrams"]


def run_case(threaded, count):
    a, b = _NETNS.new(no_ipv6=True), _NETNS.new(no_ipv6=True)
    try:
        veth_link(a, b, (("a0", A_IP, A_MAC), ("b0", B_IP, B_MAC)))
        nsexec(b, "ethtool", "-K", "b0", "gro", "on")
        nsexec(a, "ethtool", "-K", "a0", "tso", "off")
        nsexec(b, "sh", "-c", "echo %d > /sys/class/net/b0/threaded" % threaded)
        pids = napi_pids("b0") if threaded else []
        for pid, _ in pids:
            os.sched_setaffinity(pid, {1})
        rx = udp_socket_in(b)
        rx.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 64 << 20)
        rx.bind((B_IP, PORT))
        t0 = {pid: thread_counters(pid) for pid, _ in pids}
        c0, x0, d0, u0 = proc_stat_cpus(), xdp_packets(b), stat_of(a, "a0", "tx_dropped"), udp_in(b)
        out = nsexec(a, KBENCH, "send", B_IP, str(PORT), "--size", "64", "--batch", "64",
                     "--count", str(count), "--cpu", "0")
        time.sleep(0.3)
        t1 = {pid: thread_counters(pid) for pid, _ in pids}
        c1, x1, d1, u1 = proc_stat_cpus(), xdp_packets(b), stat_of(a, "a0", "tx_dropped"), udp_in(b)
        rx.close()
    finally:
        _NETNS.delete_all()
    kv = dict(re.findall(r"(\w+)=(\d+)", out))
    r = {"sent": int(kv["packets"]), "send_cpu_ns": int(kv["cpu_ns"]),
         "send_wall_ns": int(kv["wall_ns"]), "tx_dropped": d1 - d0, "xdp_packets": x1 - x0,
         "udp_in": u1 - u0, "napi_threads": len(pids)}
    for pid, _ in pids:
        for k in t0[pid]:
            r["kthread_" + k] = t1[pid][k] - t0[pid][k]
    for cpu in (0, 1):
        for k in ("softirq", "system", "user"):
            r["cpu%d_%s" % (cpu, k)] = c1[cpu][k] - c0[cpu][k]
    return r, [comm for _, comm in pids]


def run_nonapi():
    a, b = _NETNS.new(no_ipv6=True), _NETNS.new(no_ipv6=True)
    try:
        veth_link(a, b, (("a0", A_IP, A_MAC), ("b0", B_IP, B_MAC)))
        nsexec(a, "ethtool", "-K", "a0", "tso", "off")
        out = nsexec(b, "sh", "-c", "echo 1 > /sys/class/net/b0/threaded 2>/dev/null "
                     "&& echo ok=1 || echo ok=0; cat /sys/class/net/b0/threaded")
        ok, val = out.split()
        return {"write_ok": int(ok == "ok=1"), "threaded": int(val),
                "napi_threads": len(napi_pids("b0"))}
    finally:
        _NETNS.delete_all()


def main():
    def extra(ap):
        ap.add_argument("--runs", type=int, default=3)
        ap.add_argument("--count", type=int, default=50000)
    args = script_args(__doc__, __file__, extra)
    if not os.path.exists(KBENCH):
        sh("make", "-C", ROOT, "build/kbench")
    rows, names = [], {}
    for k, v in run_nonapi().items():
        rows.append(("nonapi", 1, k, v))
        print("nonapi", k, v)
    for run in range(1, args.runs + 1):
        for threaded in (0, 1):
            r, comm = run_case(threaded, args.count)
            names["threaded%d" % threaded] = comm
            for k, v in r.items():
                rows.append(("threaded%d" % threaded, run, k, v))
                print("threaded%d run %d %s %s" % (threaded, run, k, v))
    with open(os.path.join(args.out, "napi_threaded.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(("case", "run", "counter", "value"))
        w.writerows(rows)
    meta = {"date": datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M:%SZ"),
            "uname_r": platform.release(), "ncpu": os.cpu_count(), "count": args.count,
            "runs": args.runs, "kthread_names": names, "clk_tck": os.sysconf("SC_CLK_TCK"),
            "loadavg": open("/proc/loadavg").read().split()[:3]}
    with open(os.path.join(args.out, "napi_threaded_meta.json"), "w") as f:
        json.dump(meta, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
