#!/usr/bin/env python3
"""Reference measurements of UDP busy polling (SO_BUSY_POLL) over a veth, for skbsim.

Run as root:   sudo python3 tests/kernel-ref/measure_busy_poll.py
(options: --runs N (default 3), --pings N (default 2000), --out DIR)

Background: a socket with sk_ll_usec (SO_BUSY_POLL, or net.core.busy_read
at creation) whose receive queue is empty busy polls the NAPI its last
datagram came from (sk_napi_id) in recvmsg (__skb_recv_udp ->
sk_busy_loop -> napi_busy_loop) for up to sk_ll_usec microseconds before it
sleeps; packets that poll takes count in TcpExt BusyPollRxPackets. A veth
has NAPIs in NAPI mode only (GRO on the receiving end; TSO off on the
sender for locally sent UDP).

Setup: two fresh namespaces ("kbp<pid>-N", deleted afterwards), veth a0
10.79.0.1/24 - b0 10.79.0.2/24, fixed MACs, permanent neighbours, IPv6 off,
GRO on and TSO off on both ends (NAPI mode both ways). An echo server in B
(python, pinned to CPU 1) answers each datagram; a client in A (pinned to
CPU 0) sends PINGS 64-byte requests one at a time, each after the previous
reply, 100 us apart (spin), and times each round trip
(perf_counter_ns). Cases: server socket SO_BUSY_POLL 0 (off), 50 and 200 us.

Recorded per case and run: pings, rtt_p50_ns, rtt_p90_ns, rtt_mean_ns,
busy_poll_rx (BusyPollRxPackets delta in B), and the server's voluntary
context switches (it sleeps in recvmsg when busy polling ends or is off).
The Python interpreters add the same overhead to every case. Output:
busy_poll.csv (case,run,counter,value), busy_poll_meta.json.
"""
import csv
import datetime
import json
import os
import platform
import socket
import subprocess
import time

from knetns import Netns, nsexec, script_args, udp_socket_in, veth_link

PREFIX = "kbp%d-" % os.getpid()
_NETNS = Netns(PREFIX)
A_IP, B_IP = "10.79.0.1", "10.79.0.2"
A_MAC, B_MAC = "02:00:0a:4f:00:01", "02:00:0a:4f:00:02"
PORT = 5000
SO_BUSY_POLL = 46
CASES = [("bp0", 0), ("bp50", 50), ("bp200", 200)]

SERVER = r'''
import os, socket, sys, resource
os.sched_setaffinity(0, {1})
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, 46, int(sys.argv[1]))
s.bind(("10.79.0.2", 5000))
print("ready", flush=True)
n = int(sys.argv[2])
r0 = resource.getrusage(resource.RUSAGE_SELF)
for _ in range(n):
    d, a = s.recvfrom(2048)
    s.sendto(d, a)
r1 = resource.getrusage(resource.RUSAGE_SELF)
print("nvcsw=%d nivcsw=%d" % (r1.ru_nvcsw - r0.ru_nvcsw, r1.ru_nivcsw - r0.ru_nivcsw), flush=True)
'''


def busy_poll_rx(ns):
    lines = [l for l in nsexec(ns, "cat", "/proc/net/netstat").splitlines()
             if l.startswith("TcpExt:")]
    return dict(zip(lines[0].split()[1:], (int(x) for x in lines[1].split()[1:])))[
        "BusyPollRxPackets"]


def spin_us(us):
    end = time.perf_counter_ns() + us * 1000
    while time.perf_counter_ns() < end:
        pass


def run_case(ll_usec, pings):
    a, b = _NETNS.new(no_ipv6=True), _NETNS.new(no_ipv6=True)
    try:
        veth_link(a, b, (("a0", A_IP, A_MAC), ("b0", B_IP, B_MAC)))
        for ns, dev in ((a, "a0"), (b, "b0")):
            nsexec(ns, "ethtool", "-K", dev, "gro", "on", "tso", "off")
        srv = subprocess.Popen(["ip", "netns", "exec", b, "python3", "-c", SERVER,
                                str(ll_usec), str(pings + 1)],
                               stdout=subprocess.PIPE, text=True)
        assert srv.stdout.readline().strip() == "ready"
        cli = udp_socket_in(a)
        cli.settimeout(2.0)
        old = os.sched_getaffinity(0)
        os.sched_setaffinity(0, {0})
        try:
            cli.sendto(b"x" * 64, (B_IP, PORT))  # the first datagram sets sk_napi_id
            cli.recv(2048)
            bp0 = busy_poll_rx(b)
            rtts = []
            for _ in range(pings):
                spin_us(100)
                t0 = time.perf_counter_ns()
                cli.sendto(b"x" * 64, (B_IP, PORT))
                cli.recv(2048)
                rtts.append(time.perf_counter_ns() - t0)
            bp1 = busy_poll_rx(b)
        finally:
            os.sched_setaffinity(0, old)
            cli.close()
        out = srv.communicate(timeout=10)[0]
    finally:
        _NETNS.delete_all()
    kv = dict(x.split("=") for x in out.split())
    rtts.sort()
    return {"pings": pings, "rtt_p50_ns": rtts[len(rtts) // 2],
            "rtt_p90_ns": rtts[len(rtts) * 9 // 10], "rtt_mean_ns": sum(rtts) // len(rtts),
            "busy_poll_rx": bp1 - bp0, "server_nvcsw": int(kv["nvcsw"]),
            "server_nivcsw": int(kv["nivcsw"])}


def main():
    def extra(ap):
        ap.add_argument("--runs", type=int, default=3)
        ap.add_argument("--pings", type=int, default=2000)
    args = script_args(__doc__, __file__, extra)
    rows = []
    for run in range(1, args.runs + 1):
        for name, ll in CASES:
            r = run_case(ll, args.pings)
            for k, v in r.items():
                rows.append((name, run, k, v))
            print(name, run, r)
    with open(os.path.join(args.out, "busy_poll.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(("case", "run", "counter", "value"))
        w.writerows(rows)
    meta = {"date": datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M:%SZ"),
            "uname_r": platform.release(), "ncpu": os.cpu_count(), "pings": args.pings,
            "runs": args.runs, "loadavg": open("/proc/loadavg").read().split()[:3],
            "cases_us": dict(CASES)}
    with open(os.path.join(args.out, "busy_poll_meta.json"), "w") as f:
        json.dump(meta, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
