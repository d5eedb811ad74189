#!/usr/bin/env python3
"""Reference measurement of the real kernel's RFS on a veth, for skbsim tests.

Run as root:   sudo python3 tests/kernel-ref/measure_rfs.py   (options: --out DIR)

Two fresh namespaces joined by a veth pair: A (a0, 10.79.0.1) sends N UDP
datagrams from CPU 0, one at a time, to B (b0, 10.79.0.2), where a socket
connect()ed back to A's address and port reads them on CPU 1. veth without
XDP or GRO hands every frame to netif_rx: get_rps_cpu() on b0's rx-0 picks
the backlog. /proc/net/softnet_stat's per-CPU "processed" deltas show where
the receive stack ran. Cases:
  off        rps_sock_flow_entries 0, rps_flow_cnt 0: all on CPU 0
  rfs        rps_sock_flow_entries 4096 (global sysctl, restored after),
             b0 rx-0 rps_flow_cnt 256: after the first datagram, on CPU 1
  unconnected  as rfs with an unconnected socket: sock_rps_record_flow
             records only TCP_ESTABLISHED (connected) sockets: CPU 0
Output: rfs.csv (case, cpu, processed delta per datagram sent, rounded to
0.01) and this script's section of README.md. Only the standard library.
"""
import csv
import datetime
import os
import platform
import socket
import threading
import time

from knetns import Netns, nsexec, script_args, udp_socket_in, veth_link

A_IP, B_IP = "10.79.0.1", "10.79.0.2"
A_MAC, B_MAC = "02:00:0a:4f:00:01", "02:00:0a:4f:00:02"
N = 2000
PORT_A, PORT_B = 40001, 5001
NETNS = Netns("krfs%d-" % os.getpid())
MARK_BEGIN = "<!-- measure_rfs.py: begin generated section -->"
MARK_END = "<!-- measure_rfs.py: end generated section -->"
SYSCTL = "/proc/sys/net/core/rps_sock_flow_entries"


def softnet_processed():
    with open("/proc/net/softnet_stat") as f:
        return [int(line.split()[0], 16) for line in f]


def run_case(name, entries, flow_cnt, connect):
    a, b = NETNS.new(no_ipv6=True), NETNS.new(no_ipv6=True)
    try:
        veth_link(a, b, (("a0", A_IP, A_MAC), ("b0", B_IP, B_MAC)))
        nsexec(b, "sh", "-c", "echo %d > /sys/class/net/b0/queues/rx-0/rps_flow_cnt" % flow_cnt)
        with open(SYSCTL, "w") as f:
            f.write("%d\n" % entries)
        tx, rx = udp_socket_in(a), udp_socket_in(b)
        tx.bind((A_IP, PORT_A))
        rx.bind((B_IP, PORT_B))
        if connect:
            rx.connect((A_IP, PORT_A))
        rx.settimeout(2)
        got = []

        def reader():
            os.sched_setaffinity(0, {1})
            for _ in range(N):
                try:
                    rx.recv(2048)
                except socket.timeout:
                    break
                got.append(1)

        t = threading.Thread(target=reader)
        t.start()
        time.sleep(0.1)
        os.sched_setaffinity(0, {0})
        before = softnet_processed()
        for i in range(N):
            tx.sendto(b"x" * 64, (B_IP, PORT_B))
            while len(got) <= i and t.is_alive():  # one in flight: the reader records first
                time.sleep(0.0002)
        t.join()
        after = softnet_processed()
        os.sched_setaffinity(0, set(range(os.cpu_count())))
        tx.close()
        rx.close()
        return [(name, cpu, "%.2f" % ((after[cpu] - before[cpu]) / N)) for cpu in (0, 1)]
    finally:
        NETNS.delete(a)
        NETNS.delete(b)


def main():
    args = script_args(__doc__, __file__)
    with open(SYSCTL) as f:
        saved = f.read().strip()
    rows = []
    try:
        rows += run_case("off", 0, 0, True)
        rows += run_case("rfs", 4096, 256, True)
        rows += run_case("unconnected", 4096, 256, False)
    finally:
        with open(SYSCTL, "w") as f:
            f.write(saved + "\n")
        NETNS.delete_all()
    with open(os.path.join(args.out, "rfs.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["case", "cpu", "processed_per_datagram"])
        w.writerows(rows)
    for r in rows:
        print(*r)
    readme = os.path.join(args.out, "README.md")
    text = open(readme).read() if os.path.exists(readme) else ""
    section = "%s\n### rfs.csv (measure_rfs.py)\n\nMeasured %s on %s (kernel %s): %d datagrams per case " \
              "through a veth in netif_rx mode, the reader on CPU 1 and the sender on CPU 0. " \
              "`processed_per_datagram` is /proc/net/softnet_stat's processed delta of that CPU " \
              "over the datagrams sent (other traffic on the machine adds to it). " \
              "net.core.rps_sock_flow_entries was %s before and is restored.\n%s" % (
                  MARK_BEGIN, datetime.date.today().isoformat(), platform.node(),
                  platform.release(), N, saved, MARK_END)
    if MARK_BEGIN in text:
        text = text[:text.index(MARK_BEGIN)] + section + text[text.index(MARK_END) + len(MARK_END):]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    with open(readme, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
