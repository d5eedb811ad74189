#!/usr/bin/env python3
"""SO_REUSEPORT groups on the real kernel, for skbsim tests
(tests/test_reuseport.c reads reuseport.csv and reuseport_bind.csv).

Run as root:   sudo python3 tests/kernel-ref/measure_reuseport.py [--out DIR]

Fresh namespaces, names starting with "krp<pid>-", deleted afterwards (also
on error), only their loopback up. Each namespace has its own net_hash_mix,
so each draws a new socket selection: what is compared is what does not
depend on the kernel's secret.

spread: in each of RUNS namespaces, a group of N sockets (N = 2, 4) bound
with SO_REUSEPORT to 127.0.0.1:5000; one datagram from each of PORTS source
ports 127.0.0.1:20000+i; which socket received it (each port sent twice:
the second must land where the first did). Rows: case spread-N, run, the
count per socket index, and "stable" (1 when every port's two datagrams met
the same socket).

cpu: a group of N sockets with SO_ATTACH_REUSEPORT_CBPF `ld #cpu; ret a`;
the sender pinned to each CPU in turn (loopback's softirq runs on the
sender's CPU); the count per socket index for each CPU.

drops: a group of 2, socket 0 with SO_RCVBUF 4096 (8192), socket 1 with 1
MiB, nobody reading; one datagram of 100 bytes from each of PORTS source
ports; per socket: datagrams that landed (the hash), SO_MEMINFO drops, and
the namespace's Udp RcvbufErrors and InErrors.

Output: reuseport.csv (case,run,key,value) and reuseport_bind.csv: for each
pair of binds (first address, first SO_REUSEPORT, second address, second
SO_REUSEPORT) the second bind's result (0 or EADDRINUSE).
"""
import csv
import ctypes
import errno
import os
import socket
import struct

from knetns import script_args, Netns, InNetns, meminfo, snmp_flat

RUNS = 20
SO_RCVBUFFORCE = 33
PORTS = 512
SO_ATTACH_REUSEPORT_CBPF = 51
SKF_AD_OFF, SKF_AD_CPU = -0x1000, 36
BPF_LD_W_ABS, BPF_RET_A = 0x20, 0x16


def group(ns, n, addr="127.0.0.1", rcvbufs=None):
    socks = []
    with InNetns(ns):
        for i in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            if rcvbufs:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbufs[i])
            else:  # room for every datagram sent (root: past rmem_max)
                s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 4 << 20)
            s.bind((addr, 5000))
            s.setblocking(False)
            socks.append(s)
    return socks


def attach_cpu_prog(s):
    insns = struct.pack("HBBI", BPF_LD_W_ABS, 0, 0, (SKF_AD_OFF + SKF_AD_CPU) & 0xffffffff)
    insns += struct.pack("HBBI", BPF_RET_A, 0, 0, 0)
    buf = ctypes.create_string_buffer(insns)
    prog = struct.pack("HL", 2, ctypes.addressof(buf))
    s.setsockopt(socket.SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, prog)
    return buf


def send_from(ns, ports, payload=b"x" * 100):
    with InNetns(ns):
        for p in ports:
            c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            c.bind(("127.0.0.1", p))
            c.sendto(payload, ("127.0.0.1", 5000))
            c.close()


def drain(socks):
    """{sport: socket index} of every queued datagram."""
    got = {}
    for i, s in enumerate(socks):
        while True:
            try:
                _, (_, sport) = s.recvfrom(2048)
            except BlockingIOError:
                break
            got.setdefault(sport, set()).add(i)
    return got


def spread(ns_pool, n, run, rows):
    ns = ns_pool.new()
    socks = group(ns, n)
    ports = range(20000, 20000 + PORTS)
    send_from(ns, ports)
    first = drain(socks)
    send_from(ns, ports)
    second = drain(socks)
    counts = [0] * n
    for p in ports:
        for i in first.get(p, ()):
            counts[i] += 1
    stable = all(len(first.get(p, ())) == 1 and first[p] == second.get(p) for p in ports)
    for i in range(n):
        rows.append(("spread-%d" % n, run, "sock%d" % i, counts[i]))
    rows.append(("spread-%d" % n, run, "stable", int(stable)))
    for s in socks:
        s.close()
    ns_pool.delete(ns)


def cpu_policy(ns_pool, n, rows):
    ns = ns_pool.new()
    socks = group(ns, n)
    keep = attach_cpu_prog(socks[0])
    ncpu = os.cpu_count()
    orig = os.sched_getaffinity(0)
    try:
        for cpu in range(ncpu):
            os.sched_setaffinity(0, {cpu})
            send_from(ns, range(21000, 21000 + 64))
            got = drain(socks)
            counts = [0] * n
            for idx in got.values():
                for i in idx:
                    counts[i] += 1
            for i in range(n):
                rows.append(("cpu-%d" % n, cpu, "sock%d" % i, counts[i]))
    finally:
        os.sched_setaffinity(0, orig)
    del keep
    for s in socks:
        s.close()
    ns_pool.delete(ns)


def drops(ns_pool, rows):
    ns = ns_pool.new()
    socks = group(ns, 2, rcvbufs=[4096, 1 << 20])
    before = snmp_flat(ns)
    ports = range(22000, 22000 + PORTS)
    send_from(ns, ports)
    # the two sockets must be told apart without reading: peek each queue
    mi = [meminfo(s) for s in socks]
    after = snmp_flat(ns)
    landed = [0, 0]
    got = drain(socks)
    for idx in got.values():
        for i in idx:
            landed[i] += 1
    for i in range(2):
        rows.append(("drops", 0, "sock%d_read" % i, landed[i]))
        rows.append(("drops", 0, "sock%d_drops" % i, mi[i]["drops"]))
        rows.append(("drops", 0, "sock%d_rcvbuf" % i, mi[i]["rcvbuf"]))
    for k in ("Udp.RcvbufErrors", "Udp.InErrors", "Udp.InDatagrams"):
        rows.append(("drops", 0, k, after[k] - before[k]))
    rows.append(("drops", 0, "sent", PORTS))
    for s in socks:
        s.close()
    ns_pool.delete(ns)


BIND_CASES = [  # first addr, first reuseport, second addr, second reuseport
    ("127.0.0.1", 1, "127.0.0.1", 1),
    ("127.0.0.1", 1, "127.0.0.1", 0),
    ("127.0.0.1", 0, "127.0.0.1", 1),
    ("127.0.0.1", 0, "127.0.0.1", 0),
    ("0.0.0.0", 1, "127.0.0.1", 1),
    ("0.0.0.0", 1, "127.0.0.1", 0),
    ("0.0.0.0", 0, "127.0.0.1", 1),
    ("127.0.0.1", 0, "127.0.0.2", 0),
    ("127.0.0.1", 1, "127.0.0.2", 0),
]


def bind_rule(ns_pool):
    ns = ns_pool.new()
    out = []
    with InNetns(ns):
        for a, ra, b, rb in BIND_CASES:
            s1 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s2 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s1.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, ra)
            s2.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, rb)
            s1.bind((a, 5001))
            try:
                s2.bind((b, 5001))
                res = "0"
            except OSError as e:
                res = errno.errorcode[e.errno]
            out.append((a, ra, b, rb, res))
            s1.close()
            s2.close()
    ns_pool.delete(ns)
    return out


def main():
    a = script_args(__doc__, __file__)
    pool = Netns("krp%d-" % os.getpid())
    rows = []
    try:
        for n in (2, 4):
            for run in range(RUNS):
                spread(pool, n, run, rows)
        for n in (2, 4):
            cpu_policy(pool, n, rows)
        drops(pool, rows)
        binds = bind_rule(pool)
    finally:
        pool.delete_all()
    with open(os.path.join(a.out, "reuseport.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["case", "run", "key", "value"])
        w.writerows(rows)
    with open(os.path.join(a.out, "reuseport_bind.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["addr1", "reuseport1", "addr2", "reuseport2", "result"])
        w.writerows(binds)
    for r in rows[-12:] + binds:
        print(*r)


if __name__ == "__main__":
    main()
