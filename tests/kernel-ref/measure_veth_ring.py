#!/usr/bin/env python3
"""What happens when a veth peer's NAPI ptr_ring (256 entries) overflows, on
the real kernel, for skbsim tests (veth_ring.csv).

Run as root:   sudo python3 tests/kernel-ref/measure_veth_ring.py [--out DIR]
               [--seconds S] [--slow-filters N] [--runs K]

Per case two fresh namespaces, names starting with "kvr<pid>-", deleted
afterwards (also on error): A (veth a0 10.86.0.1/24) and B (b0
10.86.0.2/24), permanent neighbour entries, IPv6 off. B has one UDP socket
bound to 10.86.0.2:9000 with SO_RCVBUFFORCE 64 MiB that nobody reads.
With --slow-filters N (default 1000), N non-matching `tc filter ... u32 match
ip dport 9 0xffff flowid ffff:1` filters on b0's ingress are meant to slow the
NAPI consumer (iptables is not installed on the VM; the effect is small).

Two sender processes, pinned to CPU 0 and CPU 1, each enter A with setns and
send 64-byte UDP datagrams (no IP_RECVERR, non-blocking socket, so a full
sndbuf shows up as EAGAIN) with sendto() in a tight loop for
S seconds (default 2) to 10.86.0.2:9000.

Cases:
  napi_noqueue  b0: gro on + rx-gro-list on (NAPI mode); a0 noqueue (default)
  napi_pfifo    as napi_noqueue, plus `tc qdisc replace dev a0 root pfifo
                limit 1000`
  napi_pfifo_sndbuf4m  as napi_pfifo, each sender socket SO_SNDBUFFORCE 4 MiB
                (the default 212992-byte sndbuf holds fewer datagrams than
                the pfifo limit, so the sender gets EAGAIN before the qdisc
                can overflow)
  backlog_noqueue  gro off on b0 (default; per-CPU backlog), a0 noqueue

Recorded per case (deltas over the sending phase, after a 0.3 s settle):
  A: sent (successful sendto), send_calls, err_<ERRNO> (failed sendto by
  errno), a0_tx_packets/tx_dropped (/sys/class/net/a0/statistics), Udp
  OutDatagrams/SndbufErrors, Ip OutRequests/OutDiscards, softnet_dropped
  (global /proc/net/softnet_stat column 2, summed over CPUs), for a0 with a
  qdisc qdisc_sent/qdisc_dropped/qdisc_requeues/qdisc_overlimits (tc -s
  qdisc show dev a0, root qdisc).
  B: b0_rx_packets/rx_dropped, b0_xdp_packets (ethtool -S b0
  rx_queue_0_xdp_packets), Udp InDatagrams/RcvbufErrors.

Output: veth_ring.csv, columns case,ns,counter,value. Exact counts vary from
run to run (timing-dependent); --runs K writes K runs with case names
suffixed "#<run>" when K > 1.
"""
import errno
import multiprocessing as mp
import os
import re
import socket
import sys
import time

from knetns import (script_args, InNetns, Netns, enter_netns, nsexec, sh, snmp_flat, udp_socket_in,
                    veth_link, write_long_csv)

DST = ("10.86.0.2", 9000)
SO_RCVBUFFORCE = getattr(socket, "SO_RCVBUFFORCE", 33)
SO_SNDBUFFORCE = getattr(socket, "SO_SNDBUFFORCE", 32)
CASES = [  # name, napi (gro + rx-gro-list on b0), qdisc on a0, sender SO_SNDBUFFORCE
    ("napi_noqueue", True, None, None),
    ("napi_pfifo", True, "pfifo", None),
    ("napi_pfifo_sndbuf4m", True, "pfifo", 4 << 20),
    ("backlog_noqueue", False, None, None),
]


def sender(ns, cpu, seconds, sndbuf, start, q):
    """Child process: pinned to cpu, in namespace ns; blasts until deadline."""
    os.sched_setaffinity(0, {cpu})
    enter_netns(ns)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    if sndbuf:
        s.setsockopt(socket.SOL_SOCKET, SO_SNDBUFFORCE, sndbuf)
    s.setblocking(False)  # never sleep on sndbuf; EAGAIN is counted
    payload = b"x" * 64
    sent = calls = 0
    errs = {}
    start.wait()
    end = time.monotonic() + seconds
    sendto = s.sendto
    while True:
        for _ in range(256):
            calls += 1
            try:
                sendto(payload, DST)
                sent += 1
            except OSError as e:
                name = errno.errorcode.get(e.errno, str(e.errno))
                errs[name] = errs.get(name, 0) + 1
        if time.monotonic() >= end:
            break
    s.close()
    q.put((sent, calls, errs))


def devstat(ns, dev, what):
    return int(nsexec(ns, "cat", "/sys/class/net/%s/statistics/%s" % (dev, what)))


def xdp_packets(ns):
    m = re.search(r"rx_queue_0_xdp_packets:\s*(\d+)", nsexec(ns, "ethtool", "-S", "b0"))
    return int(m.group(1)) if m else 0


def softnet_dropped():
    with open("/proc/net/softnet_stat") as f:
        return sum(int(line.split()[1], 16) for line in f if line.strip())


def qdisc_stats(ns):
    """Root qdisc of a0: sent, dropped, overlimits, requeues."""
    out = nsexec(ns, "tc", "-s", "qdisc", "show", "dev", "a0")
    m = re.search(r"Sent (\d+) bytes (\d+) pkt \(dropped (\d+), overlimits (\d+) "
                  r"requeues (\d+)\)", out)
    if not m:
        return {}
    return {"qdisc_sent": int(m.group(2)), "qdisc_dropped": int(m.group(3)),
            "qdisc_overlimits": int(m.group(4)), "qdisc_requeues": int(m.group(5))}


def snapshot(a, b, qdisc):
    sa, sb = snmp_flat(a), snmp_flat(b)
    va = {"a0_tx_packets": devstat(a, "a0", "tx_packets"),
          "a0_tx_dropped": devstat(a, "a0", "tx_dropped"),
          "Udp.OutDatagrams": sa["Udp.OutDatagrams"],
          "Udp.SndbufErrors": sa["Udp.SndbufErrors"],
          "Ip.OutRequests": sa["Ip.OutRequests"],
          "Ip.OutDiscards": sa["Ip.OutDiscards"],
          "softnet_dropped": softnet_dropped()}
    if qdisc:
        va.update(qdisc_stats(a))
    vb = {"b0_rx_packets": devstat(b, "b0", "rx_packets"),
          "b0_rx_dropped": devstat(b, "b0", "rx_dropped"),
          "b0_xdp_packets": xdp_packets(b),
          "Udp.InDatagrams": sb["Udp.InDatagrams"],
          "Udp.RcvbufErrors": sb["Udp.RcvbufErrors"]}
    return va, vb


def run(ns, name, napi, qdisc, sndbuf, seconds, slow_filters):
    a, b = ns.new(no_ipv6=True), ns.new(no_ipv6=True)
    veth_link(a, b, (("a0", "10.86.0.1", "02:00:0a:56:00:01"),
                     ("b0", "10.86.0.2", "02:00:0a:56:00:02")))
    if napi:
        nsexec(b, "ethtool", "-K", "b0", "gro", "on")
        nsexec(b, "ethtool", "-K", "b0", "rx-gro-list", "on")
    if qdisc == "pfifo":
        sh("tc", "-n", a, "qdisc", "replace", "dev", "a0", "root", "pfifo", "limit", "1000")
    if slow_filters:
        sh("tc", "-n", b, "qdisc", "add", "dev", "b0", "ingress")
        batch = "".join("filter add dev b0 ingress protocol ip prio 1 u32 match ip "
                        "dport 9 0xffff flowid ffff:1\n" for _ in range(slow_filters))
        p = os.path.join("/tmp", "kvr-%d.tc" % os.getpid())
        with open(p, "w") as f:
            f.write(batch)
        try:
            sh("tc", "-n", b, "-batch", p)
        finally:
            os.unlink(p)
    with InNetns(b):
        r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    r.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 64 << 20)
    r.bind(DST)
    # one probe datagram so that the NAPI check below has something to count
    s = udp_socket_in(a)
    s.sendto(b"probe", DST)
    s.close()
    time.sleep(0.1)
    if napi and xdp_packets(b) == 0:
        raise RuntimeError("%s: NAPI path not used (rx_queue_0_xdp_packets 0)" % name)
    if not napi and xdp_packets(b) != 0:
        raise RuntimeError("%s: NAPI path used unexpectedly" % name)
    va0, vb0 = snapshot(a, b, qdisc)
    ctx = mp.get_context("fork")
    start, q = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=sender, args=(a, cpu, seconds, sndbuf, start, q))
             for cpu in range(min(2, os.cpu_count() or 1))]
    for p in procs:
        p.start()
    time.sleep(0.2)
    start.set()
    results = [q.get(timeout=seconds + 60) for _ in procs]
    for p in procs:
        p.join()
    time.sleep(0.3)
    va1, vb1 = snapshot(a, b, qdisc)
    qshow = nsexec(a, "tc", "-s", "qdisc", "show", "dev", "a0") if qdisc else ""
    rows = [(name, "A", "sent", sum(x[0] for x in results)),
            (name, "A", "send_calls", sum(x[1] for x in results))]
    errs = {}
    for x in results:
        for k, v in x[2].items():
            errs[k] = errs.get(k, 0) + v
    for k in sorted(errs):
        rows.append((name, "A", "err_" + k, errs[k]))
    for k in va1:
        rows.append((name, "A", k, va1[k] - va0.get(k, 0)))
    for k in vb1:
        rows.append((name, "B", k, vb1[k] - vb0[k]))
    if qshow:
        print(qshow, file=sys.stderr)
    r.close()
    ns.delete(a)
    ns.delete(b)
    return rows


def main():
    def options(ap):
        ap.add_argument("--seconds", type=float, default=2.0)
        ap.add_argument("--slow-filters", type=int, default=1000)
        ap.add_argument("--runs", type=int, default=3)
        ap.add_argument("--cases", default=",".join(c[0] for c in CASES))

    a = script_args(__doc__, __file__, options)
    want = a.cases.split(",")
    ns = Netns("kvr%d-" % os.getpid())
    try:
        rows = []
        for k in range(a.runs):
            for c in CASES:
                if c[0] not in want:
                    continue
                tag = c[0] if a.runs == 1 else "%s#%d" % (c[0], k + 1)
                rows += run(ns, tag, *c[1:], a.seconds, a.slow_filters)
    finally:
        ns.delete_all()
    write_long_csv(os.path.join(a.out, "veth_ring.csv"), rows)


if __name__ == "__main__":
    main()
