#!/usr/bin/env python3
"""How many ICMP errors a router's ip_error() sends for a steady stream, on
the real kernel, for skbsim tests (tests/test_route_err.c reads
ip_error.csv).

Run as root:   sudo python3 tests/kernel-ref/measure_ip_error.py [--out DIR]

Two fresh namespaces, names starting with "kie<pid>-", deleted afterwards
(also on error): A (veth a0 10.84.0.1/24, default via R) and R (r0
10.84.0.254/24, net.ipv4.ip_forward=1, `ip route add unreachable
10.90.0.0/16`), permanent neighbour entries, IPv6 off.

Cases: A sends COUNT UDP datagrams of 100 bytes to 10.90.0.1 (unreachable
route) or 10.93.0.1 (no route at all), datagram i at i * GAP seconds; then R's
Icmp OutDestUnreachs, OutRateLimitHost, OutRateLimitGlobal and A's Icmp
InDestUnreachs deltas are recorded. ip_error() and icmp_send()'s per-peer
limit draw on the same inet_peer token bucket (rate_tokens).

Output: ip_error.csv, columns case,ns,counter,value.
"""
import os
import time

from knetns import script_args, Netns, sh, snmp_flat, udp_socket_in, veth_link, write_long_csv

CASES = [  # name, destination, count, gap (s)
    ("unreachable-100pps", "10.90.0.1", 300, 0.01),
    ("noroute-100pps", "10.93.0.1", 300, 0.01),
    ("unreachable-2pps", "10.90.0.1", 12, 0.5),
]


def run(ns, name, dest, count, gap):
    a, r = ns.new(no_ipv6=True), ns.new(no_ipv6=True)
    veth_link(a, r, (("a0", "10.84.0.1", "02:00:0a:54:00:01"),
                     ("r0", "10.84.0.254", "02:00:0a:54:00:fe")), no_ipv6=False)
    sh("ip", "-n", a, "route", "add", "default", "via", "10.84.0.254")
    sh("ip", "netns", "exec", r, "sysctl", "-qw", "net.ipv4.ip_forward=1")
    sh("ip", "-n", r, "route", "add", "unreachable", "10.90.0.0/16")
    before = {n: snmp_flat(n) for n in (a, r)}
    s = udp_socket_in(a)
    t0 = time.monotonic()
    for i in range(count):  # on an absolute schedule: datagram i at t0 + i * gap
        delay = t0 + i * gap - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        s.sendto(b"x" * 100, (dest, 5000))
    time.sleep(0.2)
    after = {n: snmp_flat(n) for n in (a, r)}
    rows = []
    for tag, n, keys in (("R", r, ("Icmp.OutDestUnreachs", "Icmp.OutRateLimitHost",
                                    "Icmp.OutRateLimitGlobal", "Ip.InReceives")),
                         ("A", a, ("Icmp.InDestUnreachs", "Udp.OutDatagrams"))):
        for k in keys:
            rows.append((name, tag, k, after[n].get(k, 0) - before[n].get(k, 0)))
    s.close()
    ns.delete(a)
    ns.delete(r)
    return rows


def main():
    a = script_args(__doc__, __file__)
    ns = Netns("kie%d-" % os.getpid())
    try:
        rows = []
        for c in CASES:
            rows += run(ns, *c)
    finally:
        ns.delete_all()
    write_long_csv(os.path.join(a.out, "ip_error.csv"), rows)


if __name__ == "__main__":
    main()
