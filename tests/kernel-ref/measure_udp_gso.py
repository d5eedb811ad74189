#!/usr/bin/env python3
"""UDP GSO (UDP_SEGMENT) with and without UDP_GRO on the receiver, on the
real kernel, for skbsim tests (tests/test_udp_gso.c reads udp_gso.csv).

Run as root:   sudo python3 tests/kernel-ref/measure_udp_gso.py [--out DIR]

For each case a fresh namespace (or two joined by a veth pair, names
starting with "kgso<pid>-", deleted afterwards, also on error). The sender
sets setsockopt(SOL_UDP, UDP_SEGMENT, GSO) and makes one sendto() of TOTAL
bytes to a receiver bound to port 5000 with SO_RCVBUFFORCE 4 MiB and
setsockopt(SOL_UDP, UDP_GRO) on or off; nobody reads until the send has
returned (loopback and veth in netif_rx mode deliver in the sender's
softirq, before sendto returns). No global sysctl is touched.

Rows (case,ns,counter,value): the send's errno (0 = success); the
receiver's SO_MEMINFO rmem_alloc with everything queued; the datagrams it
then reads and the length of the first and the last; the Udp and Ip
counter deltas of the sending and the receiving namespace once everything
is read (udp_recvmsg counts InDatagrams); the packets and
bytes the egress and ingress devices counted (/proc/net/dev).
"""
import errno
import os
import socket

from knetns import script_args, Netns, InNetns, meminfo, snmp_flat, veth_link, nsexec, \
    write_long_csv

SOL_UDP = 17
UDP_SEGMENT = 103
UDP_GRO = 104
SO_RCVBUFFORCE = 33
# path, gso_size, total payload bytes; each with UDP_GRO off and on
CASES = [
    ("lo", 1000, 10000),   # 10 equal segments
    ("lo", 1000, 9500),    # the last segment shorter
    ("lo", 1000, 800),     # not more than one segment: not a GSO skb
    ("lo", 1400, 14000),
    ("lo", 500, 64000),    # 128 segments: UDP_MAX_SEGMENTS
    ("lo", 500, 64500),    # 129 segments: EINVAL
    ("lo", 9000, 65507),   # the largest datagram
    ("lo", 65509, 65507),  # 28 + gso_size > lo's MTU 65536: EINVAL
    ("veth", 1000, 10000),
    ("veth", 1472, 14720),  # 28 + gso_size = the MTU
    ("veth", 1473, 14730),  # one byte more: EINVAL
    ("veth", 1000, 800),
]
STATS = ("Udp.InDatagrams", "Udp.OutDatagrams", "Udp.RcvbufErrors", "Udp.InErrors",
         "Udp.SndbufErrors", "Ip.InReceives", "Ip.InDelivers", "Ip.OutRequests",
         "Ip.OutDiscards", "Ip.OutTransmits")


def dev_stats(ns, dev):
    """(rx packets, rx bytes, tx packets, tx bytes) of dev in ns (/proc/net/dev)."""
    for line in nsexec(ns, "cat", "/proc/net/dev").splitlines():
        name, sep, rest = line.partition(":")
        if sep and name.strip() == dev:
            f = [int(x) for x in rest.split()]
            return f[1], f[0], f[9], f[8]
    raise RuntimeError("no %s in %s's /proc/net/dev" % (dev, ns))


def run_case(pool, path, gso, total, gro, rows):
    name = "%s-%d-%d-gro%d" % (path, gso, total, gro)
    if path == "lo":
        tx_ns = rx_ns = pool.new(no_ipv6=True)
        dst, tx_dev, rx_dev = "127.0.0.1", "lo", "lo"
    else:
        tx_ns, rx_ns = pool.new(no_ipv6=True), pool.new(no_ipv6=True)
        veth_link(tx_ns, rx_ns, (("veth0", "10.9.0.1", "02:00:00:00:00:01"),
                                 ("veth1", "10.9.0.2", "02:00:00:00:00:02")))
        dst, tx_dev, rx_dev = "10.9.0.2", "veth0", "veth1"
    with InNetns(rx_ns):
        rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        rx.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 4 << 20)
        rx.setsockopt(SOL_UDP, UDP_GRO, gro)
        rx.bind((dst, 5000))
        rx.setblocking(False)
    with InNetns(tx_ns):
        tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        tx.setsockopt(SOL_UDP, UDP_SEGMENT, gso)
    before = {ns: snmp_flat(ns) for ns in {tx_ns, rx_ns}}
    d_tx0, d_rx0 = dev_stats(tx_ns, tx_dev), dev_stats(rx_ns, rx_dev)
    try:
        tx.sendto(b"g" * total, (dst, 5000))
        err = 0
    except OSError as e:
        err = e.errno
    mi = meminfo(rx)
    d_tx1, d_rx1 = dev_stats(tx_ns, tx_dev), dev_stats(rx_ns, rx_dev)
    lens = []
    while True:
        try:
            lens.append(len(rx.recv(70000)))
        except BlockingIOError:
            break
    after = {ns: snmp_flat(ns) for ns in {tx_ns, rx_ns}}  # InDatagrams counts at recvmsg
    rows.append((name, rx_ns, "errno", errno.errorcode.get(err, "0") if err else 0))
    rows.append((name, rx_ns, "rmem_alloc", mi["rmem_alloc"]))
    rows.append((name, rx_ns, "datagrams_read", len(lens)))
    rows.append((name, rx_ns, "first_len", lens[0] if lens else 0))
    rows.append((name, rx_ns, "last_len", lens[-1] if lens else 0))
    for side, ns in (("tx", tx_ns), ("rx", rx_ns)):
        if side == "rx" and rx_ns == tx_ns:
            continue
        for k in STATS:
            rows.append((name, rx_ns, "%s.%s" % (side, k), after[ns][k] - before[ns][k]))
    rows.append((name, rx_ns, "tx_dev_tx_packets", d_tx1[2] - d_tx0[2]))
    rows.append((name, rx_ns, "tx_dev_tx_bytes", d_tx1[3] - d_tx0[3]))
    rows.append((name, rx_ns, "rx_dev_rx_packets", d_rx1[0] - d_rx0[0]))
    rows.append((name, rx_ns, "rx_dev_rx_bytes", d_rx1[1] - d_rx0[1]))
    rx.close()
    tx.close()
    for ns in {tx_ns, rx_ns}:
        pool.delete(ns)


def main():
    a = script_args(__doc__, __file__)
    pool = Netns("kgso%d-" % os.getpid())
    rows = []
    try:
        for path, gso, total in CASES:
            for gro in (0, 1):
                run_case(pool, path, gso, total, gro, rows)
    finally:
        pool.delete_all()
    write_long_csv(os.path.join(a.out, "udp_gso.csv"), rows)


if __name__ == "__main__":
    main()
