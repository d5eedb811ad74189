#!/usr/bin/env python3
"""net.ipv4.udp_mem admission on the real kernel, for skbsim tests
(tests/test_reuseport.c reads udp_mem.csv).

Run as root:   sudo python3 tests/kernel-ref/measure_udp_mem.py [--out DIR]

net.ipv4.udp_mem and net.core.mem_pcpu_rsv are GLOBAL on 6.18 (they exist
only in the initial namespace: a child namespace has no
/proc/sys/net/ipv4/udp_mem), so this script changes them for well under a
second and RESTORES both in a finally: block. udp_memory_allocated is global
as well (every namespace's UDP sockets share it): the script reads its value
from /proc/net/sockstat ("UDP: ... mem M", pages) and sets the limits
relative to it. mem_pcpu_rsv is set to 1 for the measurement so that the
global count is exact (with the default 256 each CPU keeps up to 255 pages
to itself, and the count moves in 1 MiB steps).

In a fresh namespace (name "kum<pid>-1", deleted afterwards), SOCKS UDP
sockets bound to 127.0.0.1:6000+i with SO_RCVBUFFORCE 4 MiB, nobody
reading; the sender pinned to CPU 0 (loopback's softirq runs there). One
datagram to each socket first (so each holds its first page), then
G = sockstat mem; then udp_mem = (G + A, G + A + B, G + A + C) pages;
then COUNT datagrams of PAYLOAD bytes, round-robin over the sockets. Rows
per case: the udp_mem written, G, per socket the datagrams queued (read
back after the limits are restored) and SO_MEMINFO drops, rmem_alloc and
fwd_alloc; the namespace's Udp InErrors, RcvbufErrors, MemErrors deltas
and sockstat mem at the end.

Output: udp_mem.csv, columns case,ns,counter,value.
"""
import os
import socket

from knetns import (script_args, Netns, InNetns, meminfo, read_text as rd, snmp_flat,
                    write_long_csv, write_text as wr)

SO_RCVBUFFORCE = 33
SOCKS = 4
PAYLOAD = 1000
COUNT = 1200
CASES = [  # name, udp_mem relative to G (pages): min, pressure, max; datagrams to the late socket
    ("hard", 100, 100, 100, 8),        # over max after CPU 0's next drain: all refused
    ("pressure", 100, 200, 100000, 8),  # over min: only below udp_rmem_min
]
UDP_MEM = "/proc/sys/net/ipv4/udp_mem"


def sockstat_mem():
    for line in rd("/proc/net/sockstat").splitlines():
        if line.startswith("UDP:"):
            f = line.split()
            return int(f[f.index("mem") + 1])
    raise RuntimeError("no UDP line in /proc/net/sockstat")


def prime(tx, primer):
    """Send to primer until udp_memory_allocated moves: CPU 0's per-CPU
    reserve was just drained (sk_memory_allocated_add: >= mem_pcpu_rsv), so
    it holds 0 pages now. Returns (datagrams sent, the new global count)."""
    g0 = sockstat_mem()
    for n in range(1, 4000):
        tx.sendto(b"p" * PAYLOAD, ("127.0.0.1", primer))
        g = sockstat_mem()
        if g != g0:
            return n, g
    raise RuntimeError("udp_memory_allocated never moved")


def bound_socks(ns, n, port0):
    socks = []
    with InNetns(ns):
        for i in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 4 << 20)
            s.bind(("127.0.0.1", port0 + i))
            s.setblocking(False)
            socks.append(s)
    return socks


def run_case(pool, name, lo, pr, hi, late, rows):
    ns = pool.new()
    socks = bound_socks(ns, SOCKS + 1, 6000)  # the last one is read late
    primer = bound_socks(ns, 1, 5999)[0]
    with InNetns(ns):
        tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        tx.bind(("127.0.0.1", 7000))
    payload = b"m" * PAYLOAD
    orig_mem = rd(UDP_MEM)
    orig_cpus = os.sched_getaffinity(0)
    try:
        os.sched_setaffinity(0, {0})
        primed, g = prime(tx, 5999)
        before = snmp_flat(ns)
        lim = "%d %d %d" % (g + lo, g + pr, g + hi)
        wr(UDP_MEM, lim)
        for k in range(COUNT):
            tx.sendto(payload, ("127.0.0.1", 6000 + k % SOCKS))
        for k in range(late):
            tx.sendto(payload, ("127.0.0.1", 6000 + SOCKS))
        after = snmp_flat(ns)
        end_mem = sockstat_mem()
        mi = [meminfo(s) for s in socks]
    finally:
        wr(UDP_MEM, orig_mem)
        os.sched_setaffinity(0, orig_cpus)
    rows.append((name, ns, "udp_mem_rel", "%d %d %d" % (lo, pr, hi)))
    rows.append((name, ns, "primed", primed))
    rows.append((name, ns, "G", g))
    rows.append((name, ns, "sockstat_mem_end", end_mem))
    rows.append((name, ns, "sent", COUNT))
    rows.append((name, ns, "sent_late", late))
    for k in ("Udp.InErrors", "Udp.RcvbufErrors", "Udp.MemErrors", "Udp.InDatagrams"):
        rows.append((name, ns, k, after[k] - before[k]))
    for i, s in enumerate(socks):
        n = 0
        while True:
            try:
                s.recv(4096)
                n += 1
            except BlockingIOError:
                break
        for k in ("rmem_alloc", "fwd_alloc", "drops"):
            rows.append((name, ns, "sock%d_%s" % (i, k), mi[i][k]))
        rows.append((name, ns, "sock%d_queued" % i, n))
        s.close()
    primer.close()
    tx.close()
    pool.delete(ns)


def main():
    a = script_args(__doc__, __file__)
    pool = Netns("kum%d-" % os.getpid())
    rows = []
    try:
        for case in CASES:
            run_case(pool, *case, rows)
    finally:
        pool.delete_all()
    write_long_csv(os.path.join(a.out, "udp_mem.csv"), rows)


if __name__ == "__main__":
    main()
