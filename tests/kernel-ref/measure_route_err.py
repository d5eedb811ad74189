#!/usr/bin/env python3
"""Reference measurements of what a UDP sender sees for route types, path MTU
discovery and ICMP errors, on the real kernel, for skbsim tests.

Run as root:   sudo python3 tests/kernel-ref/measure_route_err.py [--out DIR]

Every sub-case builds fresh network namespaces, names starting with
"kre<pid>-<n>", deleted afterwards (also on error); no traffic leaves them.
Permanent neighbour entries everywhere (no ARP), IPv6 off.  Every socket is
created inside its namespace (setns), the script reads /proc/net/snmp (Ip,
Icmp, IcmpMsg, Udp lines) and /proc/net/netstat (IpExt line: InNoRoutes lives
there, not in Ip) of every namespace before and after and writes the non-zero
deltas; errno rows hold the errno NAME seen by the application, or 0
on success.

A  Route types, local sender.  One namespace A, veth a0 10.80.0.1/24 (peer a1
   in A too, both up), NO default route, and
     ip route add unreachable 10.90.0.0/16
     ip route add prohibit    10.91.0.0/16
     ip route add blackhole   10.92.0.0/16
     (nothing)                10.93.0.0/16
   A-<type>-sendto:  unbound UDP socket, one sendto() of 100 bytes to
                     10.9x.0.1:7000: errno.sendto + counter deltas
   A-<type>-connect: fresh UDP socket, connect() to the same address:
                     errno.connect (+ errno.send of a send() if it connected)
B  Route types on a router.  A (a0 10.81.0.1/24, default via 10.81.0.254) --
   R (r0 10.81.0.254/24, ip_forward=1, the same unreachable/prohibit/blackhole
   routes for 10.90/16, 10.91/16, 10.92/16, nothing for 10.93/16, no default).
   Fresh namespaces per route type (ICMP rate limit state starts fresh).  A
   opens a raw ICMP socket, a UDP socket connect()ed to 10.9x.0.1:7000, then
   send 1, sleep 50 ms, send 2, recv(MSG_DONTWAIT); the raw socket is read
   until 200 ms after send 1: icmp_type / icmp_code of the first ICMP message
   (-1 if none), icmp_count, errno.connect, errno.send1, errno.send2,
   errno.recv.
C  Path MTU discovery.  A (a0 10.82.0.1/24 mtu 1500, default via R) -- R (r0
   10.82.0.254/24 mtu 1500, r1 10.82.1.254/24 mtu 1000, ip_forward=1) -- B (b0
   10.82.1.2/24 mtu 1000, UDP socket on :5000).  Socket modes:
     want_unconn       default (IP_PMTUDISC_WANT), sendto(), not connected
     want_conn         default, connect()ed
     want_conn_recv    default, connect()ed, recv(MSG_DONTWAIT) right after
                       datagram 1 (consumes sk_err before datagram 2)
     do_conn           IP_PMTUDISC_DO, connect()ed
     do_conn_recv      IP_PMTUDISC_DO, connect()ed, recv after datagram 1
     dont_unconn       IP_PMTUDISC_DONT, not connected
     dont_conn         IP_PMTUDISC_DONT, connect()ed
     probe_unconn      IP_PMTUDISC_PROBE, not connected
     probe_conn        IP_PMTUDISC_PROBE, connect()ed
   Datagrams 1, 2, 3 of 1400 bytes payload to 10.82.1.2:5000, 50 ms sleep
   after each; case "C-<mode>.d<i>" holds the counter deltas of datagram i,
   errno.send in A and recv (datagrams B read) in B.  Case "C-<mode>" holds
   ip_mtu.after1 (getsockopt IP_MTU after datagram 1, or its errno),
   errno.recv_after1 (the _recv modes), errno.recv_end (recv(MSG_DONTWAIT)
   after datagram 3), route_get (`ip route get 10.82.1.2` in A at the end),
   route_get.mtu, route_get.expires.
D  ICMP port unreachable.  A (a0 10.83.0.1/24) -- B (b0 10.83.0.2/24),
   nothing on B:6000.  Sub-cases conn, unconn, conn_recverr, unconn_recverr
   (IP_RECVERR=1).  send 1 (to 10.83.0.2:6000), sleep 50 ms, send 2,
   recv(MSG_DONTWAIT), then recvmsg(MSG_ERRQUEUE|MSG_DONTWAIT) until it fails:
   errq.count, errq<i>.ee_errno/ee_origin/ee_type/ee_code/ee_info/offender,
   errno.errq (the errno that ended the loop), errno.recv_after_errq,
   rmem_alloc.before_errq / rmem_alloc.after_errq (SO_MEMINFO: the queued
   errors are charged to the receive buffer until read).

Also case "sysctl": net.ipv4.route.mtu_expires, net.ipv4.route.min_pmtu,
net.ipv4.ip_no_pmtu_disc, net.ipv4.icmp_ratelimit, net.ipv4.icmp_ratemask,
net.ipv4.icmp_msgs_per_sec read inside a fresh namespace.

Output: route_err.csv with columns case,ns,counter,value.
Only the Python standard library; shells out to `ip` and `sysctl`.
"""
import errno
import os
import re
import select
import socket
import struct
import subprocess
import time

from knetns import script_args, write_long_csv, enter_netns as in_ns, meminfo, nsexec, setns_fd, sh, snmp_flat

nsx = nsout = nsexec


def snmp(ns):
    """/proc/net/snmp (Ip, Icmp, IcmpMsg, Udp, ...) plus /proc/net/netstat
    (IpExt holds InNoRoutes), one dict "<Proto>.<Counter>" -> value."""
    return snmp_flat(ns, ("/proc/net/snmp", "/proc/net/netstat"))


IP_MTU_DISCOVER = 10
IP_PMTUDISC_DONT, IP_PMTUDISC_WANT, IP_PMTUDISC_DO, IP_PMTUDISC_PROBE = 0, 1, 2, 3
IP_RECVERR = 11
IP_MTU = 14
MSG_ERRQUEUE = 0x2000
ROUTE_TYPES = (("unreachable", "10.90"), ("prohibit", "10.91"),
               ("blackhole", "10.92"), ("noroute", "10.93"))
SYSCTLS = ("net.ipv4.route.mtu_expires", "net.ipv4.route.min_pmtu",
           "net.ipv4.ip_no_pmtu_disc", "net.ipv4.icmp_ratelimit",
           "net.ipv4.icmp_ratemask", "net.ipv4.icmp_msgs_per_sec")

_seq = [0]


def deltas(case, tags, before, after):
    rows = []
    for tag, ns in tags:
        for k, v in sorted(after[ns].items()):
            d = v - before[ns].get(k, 0)
            if d and k.split(".")[0] in ("Ip", "IpExt", "Icmp", "IcmpMsg", "Udp"):
                rows.append((case, tag, k, d))
    return rows


def mac(ns, dev):
    return nsout(ns, "cat", "/sys/class/net/%s/address" % dev).strip()


def err_of(fn):
    """Run fn(); return 0 on success, else the errno name."""
    try:
        fn()
        return 0
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))


class Namespaces:
    """Fresh namespaces <prefix>A, <prefix>R, ... deleted on exit; the process
    returns to its original network namespace on exit."""

    def __init__(self, *names):
        _seq[0] += 1
        self.p = "kre%d-%d" % (os.getpid(), _seq[0])
        self.names = names

    def __enter__(self):
        self.self_ns = os.open("/proc/self/ns/net", os.O_RDONLY)
        self.made = []
        ns = {}
        for n in self.names:
            full = self.p + n
            sh("ip", "netns", "add", full)
            self.made.append(full)
            nsx(full, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1")
            nsx(full, "sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1")
            nsx(full, "ip", "link", "set", "lo", "up")
            ns[n] = full
        return ns

    def __exit__(self, *exc):
        setns_fd(self.self_ns, "back")
        os.close(self.self_ns)
        for full in self.made:
            subprocess.run(["ip", "netns", "del", full], stderr=subprocess.DEVNULL)
        return False


def veth(ns1, d1, ns2, d2):
    sh("ip", "link", "add", d1, "netns", ns1, "type", "veth", "peer", d2, "netns", ns2)


def addr(ns, dev, cidr, mtu=1500):
    nsx(ns, "ip", "link", "set", dev, "mtu", str(mtu))
    nsx(ns, "ip", "addr", "add", cidr, "dev", dev)
    nsx(ns, "ip", "link", "set", dev, "up")


def neigh(ns, dev, ip, pns, pdev):
    nsx(ns, "ip", "neigh", "replace", ip, "lladdr", mac(pns, pdev),
        "nud", "permanent", "dev", dev)


def route_types(ns):
    for t, net in ROUTE_TYPES:
        if t != "noroute":
            nsx(ns, "ip", "route", "add", t, net + ".0.0/16")
    out = nsout(ns, "ip", "route", "show")
    assert "default" not in out, out


def udp():
    return socket.socket(socket.AF_INET, socket.SOCK_DGRAM)


# ---------------------------------------------------------------- case A
def case_a():
    rows = []
    for t, net in ROUTE_TYPES:
        for how in ("sendto", "connect"):
            case = "A-%s-%s" % (t, how)
            with Namespaces("A") as ns:
                A = ns["A"]
                veth(A, "a0", A, "a1")
                addr(A, "a0", "10.80.0.1/24")
                nsx(A, "ip", "link", "set", "a1", "up")
                route_types(A)
                dst = (net + ".0.1", 7000)
                in_ns(A)
                s = udp()
                before = {A: snmp(A)}
                if how == "sendto":
                    rows.append((case, "A", "errno.sendto", err_of(lambda: s.sendto(b"x" * 100, dst))))
                else:
                    e = err_of(lambda: s.connect(dst))
                    rows.append((case, "A", "errno.connect", e))
                    if e == 0:
                        rows.append((case, "A", "errno.send", err_of(lambda: s.send(b"x" * 100))))
                after = {A: snmp(A)}
                s.close()
                rows += deltas(case, (("A", A),), before, after)
    return rows


# ---------------------------------------------------------------- case B
def parse_icmp(pkt):
    ihl = (pkt[0] & 0xF) * 4
    return pkt[ihl], pkt[ihl + 1]


def case_b():
    rows = []
    for t, net in ROUTE_TYPES:
        case = "B-" + t
        with Namespaces("A", "R") as ns:
            A, R = ns["A"], ns["R"]
            veth(A, "a0", R, "r0")
            nsx(R, "sysctl", "-qw", "net.ipv4.ip_forward=1")
            addr(A, "a0", "10.81.0.1/24")
            addr(R, "r0", "10.81.0.254/24")
            nsx(A, "ip", "route", "add", "default", "via", "10.81.0.254")
            route_types(R)
            neigh(A, "a0", "10.81.0.254", R, "r0")
            neigh(R, "r0", "10.81.0.1", A, "a0")
            in_ns(A)
            raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
            raw.setblocking(False)
            s = udp()
            dst = (net + ".0.1", 7000)
            before = {A: snmp(A), R: snmp(R)}
            rows.append((case, "A", "errno.connect", err_of(lambda: s.connect(dst))))
            t0 = time.monotonic()
            rows.append((case, "A", "errno.send1", err_of(lambda: s.send(b"x" * 100))))
            time.sleep(0.05)
            rows.append((case, "A", "errno.send2", err_of(lambda: s.send(b"x" * 100))))
            rows.append((case, "A", "errno.recv", err_of(lambda: s.recv(2000, socket.MSG_DONTWAIT))))
            msgs = []
            while True:
                left = t0 + 0.2 - time.monotonic()
                if left <= 0:
                    break
                r, _, _ = select.select([raw], [], [], left)
                if r:
                    msgs.append(parse_icmp(raw.recv(2000)))
            after = {A: snmp(A), R: snmp(R)}
            rows.append((case, "A", "icmp_type", msgs[0][0] if msgs else -1))
            rows.append((case, "A", "icmp_code", msgs[0][1] if msgs else -1))
            rows.append((case, "A", "icmp_count", len(msgs)))
            for i, (ty, co) in enumerate(msgs[1:], 2):
                rows.append((case, "A", "icmp%d" % i, "%d/%d" % (ty, co)))
            raw.close()
            s.close()
            rows += deltas(case, (("A", A), ("R", R)), before, after)
    return rows


# ---------------------------------------------------------------- case C
PMTU_MODES = (("want_unconn", IP_PMTUDISC_WANT, False, False),
              ("want_conn", IP_PMTUDISC_WANT, True, False),
              ("want_conn_recv", IP_PMTUDISC_WANT, True, True),
              ("do_conn", IP_PMTUDISC_DO, True, False),
              ("do_conn_recv", IP_PMTUDISC_DO, True, True),
              ("dont_unconn", IP_PMTUDISC_DONT, False, False),
              ("dont_conn", IP_PMTUDISC_DONT, True, False),
              ("probe_unconn", IP_PMTUDISC_PROBE, False, False),
              ("probe_conn", IP_PMTUDISC_PROBE, True, False))


def drain(sock):
    n = 0
    while True:
        try:
            sock.recv(70000, socket.MSG_DONTWAIT)
            n += 1
        except BlockingIOError:
            return n


def case_c():
    rows = []
    for mode, pmtud, conn, recv1 in PMTU_MODES:
        case = "C-" + mode
        with Namespaces("A", "R", "B") as ns:
            A, R, B = ns["A"], ns["R"], ns["B"]
            veth(A, "a0", R, "r0")
            veth(R, "r1", B, "b0")
            nsx(R, "sysctl", "-qw", "net.ipv4.ip_forward=1")
            addr(A, "a0", "10.82.0.1/24", 1500)
            addr(R, "r0", "10.82.0.254/24", 1500)
            addr(R, "r1", "10.82.1.254/24", 1000)
            addr(B, "b0", "10.82.1.2/24", 1000)
            nsx(A, "ip", "route", "add", "default", "via", "10.82.0.254")
            nsx(B, "ip", "route", "add", "default", "via", "10.82.1.254")
            neigh(A, "a0", "10.82.0.254", R, "r0")
            neigh(R, "r0", "10.82.0.1", A, "a0")
            neigh(R, "r1", "10.82.1.2", B, "b0")
            neigh(B, "b0", "10.82.1.254", R, "r1")
            in_ns(B)
            rx = udp()
            rx.bind(("0.0.0.0", 5000))
            in_ns(A)
            s = udp()
            s.setsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER, pmtud)
            dst = ("10.82.1.2", 5000)
            if conn:
                s.connect(dst)
            send = (lambda: s.send(b"x" * 1400)) if conn else (lambda: s.sendto(b"x" * 1400, dst))
            tags = (("A", A), ("R", R), ("B", B))
            for i in (1, 2, 3):
                before = {n: snmp(n) for _, n in tags}
                e = err_of(send)
                time.sleep(0.05)
                got = drain(rx)
                after = {n: snmp(n) for _, n in tags}
                dcase = "%s.d%d" % (case, i)
                rows.append((dcase, "A", "errno.send", e))
                rows.append((dcase, "B", "recv", got))
                rows += deltas(dcase, tags, before, after)
                if i == 1:
                    try:
                        mtu = s.getsockopt(socket.IPPROTO_IP, IP_MTU)
                    except OSError as ex:
                        mtu = errno.errorcode.get(ex.errno, str(ex.errno))
                    rows.append((case, "A", "ip_mtu.after1", mtu))
                    if recv1:
                        rows.append((case, "A", "errno.recv_after1",
                                     err_of(lambda: s.recv(2000, socket.MSG_DONTWAIT))))
            rows.append((case, "A", "errno.recv_end", err_of(lambda: s.recv(2000, socket.MSG_DONTWAIT))))
            rg = " ".join(nsout(A, "ip", "route", "get", "10.82.1.2").split())
            m = re.search(r"\bmtu (\d+)", rg)
            x = re.search(r"\bexpires (\d+)sec", rg)
            rows.append((case, "A", "route_get", rg))
            rows.append((case, "A", "route_get.mtu", m.group(1) if m else "none"))
            rows.append((case, "A", "route_get.expires", x.group(1) if x else "none"))
            s.close()
            rx.close()
    return rows


# ---------------------------------------------------------------- case D
def case_d():
    rows = []
    for sub, conn, recverr in (("conn", True, False), ("unconn", False, False),
                               ("conn_recverr", True, True), ("unconn_recverr", False, True)):
        case = "D-" + sub
        with Namespaces("A", "B") as ns:
            A, B = ns["A"], ns["B"]
            veth(A, "a0", B, "b0")
            addr(A, "a0", "10.83.0.1/24")
            addr(B, "b0", "10.83.0.2/24")
            neigh(A, "a0", "10.83.0.2", B, "b0")
            neigh(B, "b0", "10.83.0.1", A, "a0")
            in_ns(A)
            s = udp()
            if recverr:
                s.setsockopt(socket.IPPROTO_IP, IP_RECVERR, 1)
            dst = ("10.83.0.2", 6000)
            tags = (("A", A), ("B", B))
            before = {n: snmp(n) for _, n in tags}
            if conn:
                s.connect(dst)
            send = (lambda: s.send(b"x" * 100)) if conn else (lambda: s.sendto(b"x" * 100, dst))
            rows.append((case, "A", "errno.send1", err_of(send)))
            time.sleep(0.05)
            rows.append((case, "A", "errno.send2", err_of(send)))
            time.sleep(0.05)
            rows.append((case, "A", "errno.recv", err_of(lambda: s.recv(2000, socket.MSG_DONTWAIT))))
            # the error queue's skbs are charged to the receive buffer until read
            rows.append((case, "A", "rmem_alloc.before_errq", meminfo(s)["rmem_alloc"]))
            n = 0
            while True:
                try:
                    _, anc, _, _ = s.recvmsg(2000, 512, MSG_ERRQUEUE | socket.MSG_DONTWAIT)
                except OSError as ex:
                    rows.append((case, "A", "errno.errq", errno.errorcode.get(ex.errno, str(ex.errno))))
                    break
                n += 1
                for lvl, typ, data in anc:
                    if lvl == socket.IPPROTO_IP and typ == IP_RECVERR and len(data) >= 16:
                        ee_errno, origin, ty, co, _pad, info, _d = struct.unpack("=IBBBBII", data[:16])
                        p = "errq%d." % n
                        rows.append((case, "A", p + "ee_errno", errno.errorcode.get(ee_errno, ee_errno)))
                        rows.append((case, "A", p + "ee_origin", origin))
                        rows.append((case, "A", p + "ee_type", ty))
                        rows.append((case, "A", p + "ee_code", co))
                        rows.append((case, "A", p + "ee_info", info))
                        if len(data) >= 24:
                            rows.append((case, "A", p + "offender", socket.inet_ntoa(data[20:24])))
            rows.append((case, "A", "errq.count", n))
            rows.append((case, "A", "rmem_alloc.after_errq", meminfo(s)["rmem_alloc"]))
            rows.append((case, "A", "errno.recv_after_errq",
                         err_of(lambda: s.recv(2000, socket.MSG_DONTWAIT))))
            after = {n_: snmp(n_) for _, n_ in tags}
            s.close()
            rows += deltas(case, tags, before, after)
    return rows


def sysctls():
    with Namespaces("A") as ns:
        return [("sysctl", "A", k, nsout(ns["A"], "sysctl", "-n", k).strip()) for k in SYSCTLS]


def main():
    a = script_args(__doc__, __file__)
    rows = sysctls() + case_a() + case_b() + case_c() + case_d()
    write_long_csv(os.path.join(a.out, "route_err.csv"), rows)


if __name__ == "__main__":
    main()
