#!/usr/bin/env python3
"""Reference measurements of IPv4 fragmentation and reassembly counters on the
real kernel, for skbsim tests (tests/check_frag.c reads frag.csv).

Run as root:   sudo python3 tests/kernel-ref/measure_frag.py [--out DIR]

Three fresh network namespaces, names starting with "kfr<pid>-", deleted
afterwards (also on error); no traffic leaves them:
  A  veth a0 10.78.0.1/24 (mtu 1500)                       sender
  R  veth r0 10.78.0.254/24 (mtu 1500), r1 10.78.1.254/24  router, ip_forward=1
  B  veth b0 10.78.1.2/24                                  UDP socket on :5000
Permanent neighbour entries everywhere (no ARP), IPv6 off.

Cases (N datagrams each, one sendto() per datagram, then /proc/net/snmp Ip and
Icmp deltas in every namespace):
  local     r1/b0 mtu 1500, payload 4000: A fragments, B reassembles
  forward   r1/b0 mtu 1000, payload 1400, IP_MTU_DISCOVER=IP_PMTUDISC_DONT on
            A's socket (no DF): R fragments each datagram, B reassembles
  df        r1/b0 mtu 1000, payload 1400, default socket (IP_PMTUDISC_WANT:
            DF set because it fits A's MTU), ONE datagram: R drops it
            (FragFails) and sends ICMP fragmentation needed back to A

  truesize  all MTUs 1500, ONE datagram of each payload in TRUESIZE_PAYLOADS
            into B's socket, nobody reading: B's rx_queue in /proc/net/udp
            (sk_rmem_alloc) is the truesize of the reassembled skb (counter
            "truesize.<payload>")

Output: frag.csv with columns case,ns,counter,value (deltas).
Only the Python standard library; shells out to `ip` and `sysctl`.
"""
import os
import socket
import subprocess
import time

from knetns import script_args, write_long_csv, enter_netns as in_ns, nsexec as nsx, sh, snmp_flat as snmp

N = 20
TRUESIZE_PAYLOADS = [1000, 1472, 1473, 2000, 2952, 2953, 4000, 8000, 20000, 65507]
IP_MTU_DISCOVER = 10
IP_PMTUDISC_DONT = 0


def setup(p, mtu_rb):
    A, R, B = p + "A", p + "R", p + "B"
    for ns in (A, R, B):
        sh("ip", "netns", "add", ns)
        nsx(ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1")
        nsx(ns, "ip", "link", "set", "lo", "up")
    sh("ip", "link", "add", "a0", "netns", A, "type", "veth", "peer", "r0", "netns", R)
    sh("ip", "link", "add", "r1", "netns", R, "type", "veth", "peer", "b0", "netns", B)
    nsx(R, "sysctl", "-qw", "net.ipv4.ip_forward=1")
    for ns, dev, addr, mtu in ((A, "a0", "10.78.0.1/24", 1500), (R, "r0", "10.78.0.254/24", 1500),
                               (R, "r1", "10.78.1.254/24", mtu_rb), (B, "b0", "10.78.1.2/24", mtu_rb)):
        nsx(ns, "ip", "link", "set", dev, "mtu", str(mtu))
        nsx(ns, "ip", "addr", "add", addr, "dev", dev)
        nsx(ns, "ip", "link", "set", dev, "up")
    nsx(A, "ip", "route", "add", "default", "via", "10.78.0.254")
    nsx(B, "ip", "route", "add", "default", "via", "10.78.1.254")
    mac = lambda ns, dev: subprocess.run(
        ["ip", "netns", "exec", ns, "cat", "/sys/class/net/%s/address" % dev],
        check=True, capture_output=True, text=True).stdout.strip()
    for ns, dev, ip, pns, pdev in ((A, "a0", "10.78.0.254", R, "r0"), (R, "r0", "10.78.0.1", A, "a0"),
                                   (R, "r1", "10.78.1.2", B, "b0"), (B, "b0", "10.78.1.254", R, "r1")):
        nsx(ns, "ip", "neigh", "replace", ip, "lladdr", mac(pns, pdev), "nud", "permanent", "dev", dev)
    return A, R, B


def run_case(name, mtu_rb, payload, n, dont):
    p = "kfr%d-" % os.getpid()
    rows = []
    self_ns = os.open("/proc/self/ns/net", os.O_RDONLY)
    try:
        A, R, B = setup(p, mtu_rb)
        before = {ns: snmp(ns) for ns in (A, R, B)}
        in_ns(B)
        rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        rx.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
        rx.bind(("0.0.0.0", 5000))
        in_ns(A)
        tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        if dont:
            tx.setsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DONT)
        for _ in range(n):
            tx.sendto(b"x" * payload, ("10.78.1.2", 5000))
        time.sleep(0.3)
        rx.setblocking(False)
        got = 0
        try:
            while True:
                rx.recv(70000)
                got += 1
        except BlockingIOError:
            pass
        after = {ns: snmp(ns) for ns in (A, R, B)}
        for ns, tag in ((A, "A"), (R, "R"), (B, "B")):
            for k, v in sorted(after[ns].items()):
                d = v - before[ns].get(k, 0)
                if d and (k.startswith("Ip.") or k.startswith("Icmp.") or k.startswith("Udp.")):
                    rows.append((name, tag, k, d))
        rows.append((name, "B", "recv", got))
    finally:
        import ctypes
        ctypes.CDLL(None).setns(self_ns, 0x40000000)
        for s in ("A", "R", "B"):
            subprocess.run(["ip", "netns", "del", p + s], stderr=subprocess.DEVNULL)
    return rows


def rx_queue(ns, port):
    out = subprocess.run(["ip", "netns", "exec", ns, "cat", "/proc/net/udp"],
                         check=True, capture_output=True, text=True).stdout
    for line in out.splitlines()[1:]:
        f = line.split()
        if f[1].endswith(":%04X" % port):
            return int(f[4].split(":")[1], 16)
    raise RuntimeError("no socket on port %d" % port)


def truesize_case(payload):
    p = "kfr%d-" % os.getpid()
    self_ns = os.open("/proc/self/ns/net", os.O_RDONLY)
    try:
        A, R, B = setup(p, 1500)
        in_ns(B)
        rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        rx.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
        rx.bind(("0.0.0.0", 5000))
        in_ns(A)
        tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        tx.sendto(b"x" * payload, ("10.78.1.2", 5000))
        time.sleep(0.2)
        return [("truesize", "B", "truesize.%d" % payload, rx_queue(B, 5000))]
    finally:
        import ctypes
        ctypes.CDLL(None).setns(self_ns, 0x40000000)
        for s in ("A", "R", "B"):
            subprocess.run(["ip", "netns", "del", p + s], stderr=subprocess.DEVNULL)


def main():
    a = script_args(__doc__, __file__)
    rows = []
    rows += run_case("local", 1500, 4000, N, False)
    rows += run_case("forward", 1000, 1400, N, True)
    rows += run_case("df", 1000, 1400, 1, False)
    for payload in TRUESIZE_PAYLOADS:
        rows += truesize_case(payload)
    write_long_csv(os.path.join(a.out, "frag.csv"), rows)


if __name__ == "__main__":
    main()
