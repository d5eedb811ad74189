#!/usr/bin/env python3
"""Stateful netfilter on the real kernel, for skbsim tests
(tests/test_netfilter.c reads nf.csv and nf_listing.txt).

Run as root:   sudo python3 tests/kernel-ref/measure_nf.py [--out DIR]

Two fresh namespaces per case, names starting with "knf<pid>-", deleted
afterwards (also on error): A (veth a0 10.85.0.1/24) sends UDP datagrams of
100 bytes to B (b0 10.85.0.2/24), permanent neighbour entries, IPv6 off.
Datagram i leaves at i * GAP seconds (an absolute schedule).

Cases (B's rules, iptables 1.8.9 nf_tables):
  reject-100pps   -A INPUT -p udp --dport 5000 -j REJECT; 300 datagrams at
                  100/s: the rule's counter, B's Icmp OutDestUnreachs and
                  OutRateLimitHost (REJECT's icmp_send is rate limited per
                  peer like any ICMP error), A's Icmp InDestUnreachs.
  reject-host     the same with --reject-with icmp-host-unreachable, 20 at 10/s.
  limit-1000pps   -A INPUT -p udp -m limit --limit 10/sec --limit-burst 5
                  -j ACCEPT, -A INPUT -p udp -j DROP; 400 datagrams at 1000/s:
                  the ACCEPT rule's packets (admitted) and the DROP rule's.
  limit-20pps     the same rules, 40 datagrams at 20/s.
  ctfull          -A INPUT -m conntrack --ctstate NEW -j ACCEPT in B;
                  net.netfilter.nf_conntrack_max (GLOBAL: read-only inside a
                  namespace) set to 40 for the case (under a second) and
                  restored; A sends 100 datagrams, each from a new source
                  port, at 1000/s: B's nf_conntrack_count, `conntrack -S`
                  sums (found, invalid, insert, insert_failed, drop,
                  early_drop) and the rule's counter. (Udp InDatagrams is
                  not recorded: on this 6.18 build it stays 0 in a fresh
                  namespace even without any rule, while the socket does
                  receive the datagrams.)
  dnat            -t nat -A PREROUTING -p udp --dport 5000 -j DNAT
                  --to-destination 10.85.0.2:5001 in B, B's socket on 5000: 10
                  datagrams from one source port at 100/s; the nat rule's
                  counter (the nat table sees a connection's first packet
                  only), what B's socket got, the port unreachable errors.
  ctassured       B accepts ESTABLISHED, then NEW; nf_conntrack_max 40 for
                  about 3 s (restored): A's flow from port 4000 gets a reply,
                  sends again 2.2 s later (a stream: ASSURED), then 100 new
                  flows at 1000/s, then port 4000 once more: whether its
                  entry is [ASSURED] (conntrack -L), the rules' counters,
                  nf_conntrack_count, drop and early_drop.
  ctstate         -A INPUT -m conntrack --ctstate ESTABLISHED -j ACCEPT,
                  -A INPUT -m conntrack --ctstate NEW -j ACCEPT: A sends 2
                  datagrams from port 4000, B replies once, A sends 8 more:
                  the rules' counters (a UDP flow is NEW until its first
                  reply, then ESTABLISHED).

Output: nf.csv (columns case,ns,counter,value) and nf_listing.txt (the
`iptables -L -v -n -x` and `iptables -S` text of two rule sets, zero
counters: user chains, RETURN, goto, REJECT, LOG, limit, state/ctstate;
then set matches and NAT targets; and an idle `conntrack -S`).
"""
import os
import shlex
import time

from knetns import (script_args, Netns, nsexec, sh, snmp_flat, udp_socket_in, veth_link,
                    write_long_csv, InNetns)

ENDS = (("a0", "10.85.0.1", "02:00:0a:55:00:01"), ("b0", "10.85.0.2", "02:00:0a:55:00:02"))
CT_MAX = "/proc/sys/net/netfilter/nf_conntrack_max"


def pair(ns):
    a, b = ns.new(no_ipv6=True), ns.new(no_ipv6=True)
    veth_link(a, b, ENDS, no_ipv6=False)
    return a, b


def rules(ns, table, *lines):
    for line in lines:
        nsexec(ns, "iptables", "-t", table, *line.split())


def counters(ns, chain, table="filter"):
    """The pkts column of each rule of chain, in order."""
    out = nsexec(ns, "iptables", "-t", table, "-L", chain, "-v", "-n", "-x").splitlines()[2:]
    return [int(l.split()[0]) for l in out if l.strip()]


def send(a, count, gap, new_port=False, sock=None):
    s = sock or udp_socket_in(a)
    socks = []
    t0 = time.monotonic()
    for i in range(count):
        delay = t0 + i * gap - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        if new_port:
            x = udp_socket_in(a)
            socks.append(x)
            x.sendto(b"x" * 100, (ENDS[1][1], 5000))
        else:
            s.sendto(b"x" * 100, (ENDS[1][1], 5000))
    time.sleep(0.2)
    for x in socks:
        x.close()
    return s


def ct_stats(ns):
    """conntrack -S summed over CPUs."""
    tot = {}
    for line in nsexec(ns, "conntrack", "-S").splitlines():
        for f in line.split()[1:]:
            k, _, v = f.partition("=")
            tot[k] = tot.get(k, 0) + int(v)
    return tot


def case_reject(ns, name, count, gap, extra):
    a, b = pair(ns)
    rules(b, "filter", "-A INPUT -p udp --dport 5000 -j REJECT" + extra)
    before = {n: snmp_flat(n) for n in (a, b)}
    send(a, count, gap).close()
    after = {n: snmp_flat(n) for n in (a, b)}
    rows = [(name, "B", "rule1.pkts", counters(b, "INPUT")[0])]
    for tag, n, keys in (("B", b, ("Icmp.OutDestUnreachs", "Icmp.OutRateLimitHost",
                                    "Icmp.OutRateLimitGlobal")),
                         ("A", a, ("Icmp.InDestUnreachs",))):
        for k in keys:
            rows.append((name, tag, k, after[n].get(k, 0) - before[n].get(k, 0)))
    return rows


def case_limit(ns, name, count, gap):
    a, b = pair(ns)
    rules(b, "filter", "-A INPUT -p udp -m limit --limit 10/sec --limit-burst 5 -j ACCEPT",
          "-A INPUT -p udp -j DROP")
    send(a, count, gap).close()
    c = counters(b, "INPUT")
    return [(name, "B", "accept.pkts", c[0]), (name, "B", "drop.pkts", c[1])]


def case_ctfull(ns, name, count, gap, ct_max):
    a, b = pair(ns)
    rules(b, "filter", "-A INPUT -m conntrack --ctstate NEW -j ACCEPT")
    srv = udp_socket_in(b)
    srv.bind((ENDS[1][1], 5000))
    with open(CT_MAX) as f:
        old = f.read().strip()
    try:
        with open(CT_MAX, "w") as f:
            f.write(str(ct_max))
        send(a, count, gap, new_port=True).close()
    finally:
        with open(CT_MAX, "w") as f:
            f.write(old)
    with InNetns(b):
        with open("/proc/sys/net/netfilter/nf_conntrack_count") as f:
            ct_count = int(f.read())
    st = ct_stats(b)
    rows = [(name, "B", "nf_conntrack_max", ct_max), (name, "B", "nf_conntrack_count", ct_count),
            (name, "B", "rule1.pkts", counters(b, "INPUT")[0])]
    for k in ("found", "invalid", "insert", "insert_failed", "drop", "early_drop"):
        rows.append((name, "B", "ct." + k, st.get(k, 0)))
    srv.close()
    return rows


def case_ctassured(ns, name, ct_max, count):
    """A replied flow older than 2 s is ASSURED and survives a flood that fills the table."""
    a, b = pair(ns)
    rules(b, "filter", "-A INPUT -m conntrack --ctstate ESTABLISHED -j ACCEPT",
          "-A INPUT -m conntrack --ctstate NEW -j ACCEPT")
    srv = udp_socket_in(b)
    srv.bind((ENDS[1][1], 5000))
    x = udp_socket_in(a)
    x.bind((ENDS[0][1], 4000))
    with open(CT_MAX) as f:
        old = f.read().strip()
    try:
        with open(CT_MAX, "w") as f:
            f.write(str(ct_max))
        x.sendto(b"x" * 100, (ENDS[1][1], 5000))
        data, peer = srv.recvfrom(2000)
        srv.sendto(b"y", peer)
        time.sleep(2.2)
        x.sendto(b"x" * 100, (ENDS[1][1], 5000))  # replied and older than 2 s: ASSURED
        time.sleep(0.05)
        send(a, count, 0.001, new_port=True).close()
        x.sendto(b"x" * 100, (ENDS[1][1], 5000))  # still tracked?
        time.sleep(0.05)
        listing_ = nsexec(b, "conntrack", "-L", "-p", "udp", "--orig-port-src", "4000",
                          check=False)
    finally:
        with open(CT_MAX, "w") as f:
            f.write(old)
    with InNetns(b):
        with open("/proc/sys/net/netfilter/nf_conntrack_count") as f:
            ct_count = int(f.read())
    st = ct_stats(b)
    c = counters(b, "INPUT")
    rows = [(name, "B", "nf_conntrack_max", ct_max), (name, "B", "nf_conntrack_count", ct_count),
            (name, "B", "x.assured", int("[ASSURED]" in listing_)),
            (name, "B", "established.pkts", c[0]), (name, "B", "new.pkts", c[1])]
    for k in ("drop", "early_drop"):
        rows.append((name, "B", "ct." + k, st.get(k, 0)))
    x.close()
    srv.close()
    return rows


def case_ctstate(ns, name):
    a, b = pair(ns)
    rules(b, "filter", "-A INPUT -m conntrack --ctstate ESTABLISHED -j ACCEPT",
          "-A INPUT -m conntrack --ctstate NEW -j ACCEPT")
    srv = udp_socket_in(b)
    srv.bind((ENDS[1][1], 5000))
    s = udp_socket_in(a)
    s.bind((ENDS[0][1], 4000))
    s.sendto(b"x" * 100, (ENDS[1][1], 5000))
    s.sendto(b"x" * 100, (ENDS[1][1], 5000))
    data, peer = srv.recvfrom(2000)
    srv.sendto(b"y", peer)
    time.sleep(0.05)
    send(a, 8, 0.001, sock=s)
    c = counters(b, "INPUT")
    s.close()
    srv.close()
    return [(name, "B", "established.pkts", c[0]), (name, "B", "new.pkts", c[1])]


def case_dnat(ns, name, count, gap):
    """B's socket is on 5000, its DNAT moves 5000 to 5001 where nobody listens."""
    a, b = pair(ns)
    rules(b, "nat", "-A PREROUTING -p udp --dport 5000 -j DNAT --to-destination 10.85.0.2:5001")
    srv = udp_socket_in(b)
    srv.bind((ENDS[1][1], 5000))
    before = {n: snmp_flat(n) for n in (a, b)}
    send(a, count, gap).close()
    after = {n: snmp_flat(n) for n in (a, b)}
    srv.setblocking(False)
    got = 0
    try:
        while True:
            srv.recv(2000)
            got += 1
    except BlockingIOError:
        pass
    rows = [(name, "B", "nat1.pkts", counters(b, "PREROUTING", "nat")[0]),
            (name, "B", "received.5000", got)]
    for tag, n, keys in (("B", b, ("Icmp.OutDestUnreachs", "Icmp.OutRateLimitHost")),
                         ("A", a, ("Icmp.InDestUnreachs",))):
        for k in keys:
            rows.append((name, tag, k, after[n].get(k, 0) - before[n].get(k, 0)))
    srv.close()
    return rows


# Two rule sets: the first uses what skbsim models (user chains, RETURN,
# goto, REJECT, LOG, limit, state/ctstate), the second ipset and NAT targets.
LISTING = [
    ("filter", "-N CHK"), ("filter", "-N EMPTY"),
    ("filter", "-A INPUT -p udp --dport 9999 -j CHK"),
    ("filter", "-A INPUT -p udp -g EMPTY"),
    ("filter", "-A CHK -m limit --limit 10/sec --limit-burst 5 -j RETURN"),
    ("filter", '-A CHK -j LOG --log-prefix "chk: "'),
    ("filter", "-A CHK -j LOG --log-level 6"),
    ("filter", "-A CHK -p udp -j REJECT"),
    ("filter", "-A CHK -j REJECT --reject-with icmp-host-unreachable"),
    ("filter", "-A CHK -j REJECT --reject-with admin-prohib"),
    ("filter", "-A CHK -m limit --limit 3/min -j ACCEPT"),
    ("filter", "-A CHK -m limit -j ACCEPT"),
    ("filter", "-A CHK -m state --state NEW,ESTABLISHED -j ACCEPT"),
    ("filter", "-A CHK -m conntrack --ctstate INVALID -j DROP"),
    ("filter", "-A CHK -m conntrack ! --ctstate RELATED,ESTABLISHED,NEW,INVALID -j DROP"),
    ("filter", "-A CHK -p udp --sport 53 -m limit --limit 100/hour --limit-burst 1 -j ACCEPT"),
    ("filter", "-A CHK -j RETURN"),
    ("filter", "-A FORWARD -j CHK"),
]
LISTING2 = [
    ("filter", "-A INPUT -m set --match-set bl src -j DROP"),
    ("filter", "-A INPUT -m set ! --match-set bl dst -j DROP"),
    ("nat", "-A POSTROUTING -o eth0 -j MASQUERADE"),
    ("nat", "-A POSTROUTING -s 10.0.0.0/8 -j SNAT --to-source 1.2.3.4"),
    ("nat", "-A PREROUTING -p udp --dport 53 -j DNAT --to-destination 10.0.0.2:5353"),
    ("nat", "-A PREROUTING -p udp --dport 54 -j DNAT --to-destination 10.0.0.2"),
]


def listing(ns, out):
    text = ""
    for n, rules_ in enumerate((LISTING, LISTING2)):
        b = ns.new(no_ipv6=True)
        nsexec(b, "ipset", "create", "bl", "hash:ip")
        nsexec(b, "ipset", "add", "bl", "10.0.0.5")
        for table, line in rules_:
            nsexec(b, "iptables", "-t", table, *shlex.split(line))
        text += "# rule set %d\n" % (n + 1)
        for table in ("filter", "nat"):
            text += "# table %s\n" % table
            text += nsexec(b, "iptables", "-t", table, "-L", "-v", "-n", "-x")
        text += "# iptables -S\n" + nsexec(b, "iptables", "-S")
        if n == 0:
            text += "# conntrack -S (idle, 2 CPUs)\n" + nsexec(b, "conntrack", "-S")
        ns.delete(b)
    with open(os.path.join(out, "nf_listing.txt"), "w") as f:
        f.write(text)


def main():
    a = script_args(__doc__, __file__)
    ns = Netns("knf%d-" % os.getpid())
    try:
        rows = []
        rows += case_reject(ns, "reject-100pps", 300, 0.01, "")
        rows += case_reject(ns, "reject-host", 20, 0.1,
                            " --reject-with icmp-host-unreachable")
        rows += case_limit(ns, "limit-1000pps", 400, 0.001)
        rows += case_limit(ns, "limit-20pps", 40, 0.05)
        rows += case_ctfull(ns, "ctfull", 100, 0.001, 40)
        rows += case_ctstate(ns, "ctstate")
        rows += case_dnat(ns, "dnat", 10, 0.01)
        rows += case_ctassured(ns, "ctassured", 40, 100)
        listing(ns, a.out)
    finally:
        ns.delete_all()
    write_long_csv(os.path.join(a.out, "nf.csv"), rows)


if __name__ == "__main__":
    main()
