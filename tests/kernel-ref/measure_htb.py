#!/usr/bin/env python3
"""Reference measurements of the real kernel's htb on a veth, for skbsim tests.

Run as root:   sudo python3 tests/kernel-ref/measure_htb.py   (options: --out DIR)

Every case runs in two fresh network namespaces (kref<pid>-N) joined by a veth
pair: namespace A (a0, 10.78.0.1, sender, htb on a0) and namespace B (b0,
10.78.0.2, a UDP socket that reads everything). Static permanent neighbour
entries, IPv6 off. Both namespaces are deleted afterwards (also on error).

Cases:
  dump    tc qdisc add dev a0 root handle 1: htb default 20
          class 1:1 rate 10mbit; 1:10 parent 1:1 rate 6mbit ceil 10mbit prio 1;
          1:20 parent 1:1 rate 4mbit ceil 8mbit;
          `tc -s class show dev a0` before any traffic: htb_class_dump.txt
          (deterministic: burst, cburst, tokens, the class order).
  rate    one class 1:10 rate R (R in 10mbit, 40mbit), default 10; a blocking
          UDP sender of 1000-byte payloads; the class's Sent bytes over 2 s after
          0.5 s of warm-up.
  share   1:1 rate 20mbit; 1:10 rate 12mbit ceil 20mbit; 1:20 rate 8mbit ceil
          20mbit (same prio); two blocking senders (dport 5001 -> 1:10, 5002 ->
          1:20 by u32 filters), each saturating.
  prio    as share but 1:10 rate 2mbit ceil 20mbit prio 0, 1:20 rate 2mbit
          ceil 20mbit prio 1: the excess goes to prio 0.

Output: htb_rate.csv (case, class, rate_bps measured from tc's Sent bytes,
the configured rates), htb_class_dump.txt and this script's section of
README.md (between its markers). Only the Python standard library.
"""
import csv
import datetime
import os
import platform
import re
import socket
import threading
import time

from knetns import Netns, nsexec, script_args, udp_socket_in, veth_link

A_IP, B_IP = "10.78.0.1", "10.78.0.2"
A_MAC, B_MAC = "02:00:0a:4e:00:01", "02:00:0a:4e:00:02"
PAYLOAD = 1000
WARMUP, MEASURE = 0.5, 2.0
NETNS = Netns("kref%d-" % os.getpid())
MARK_BEGIN = "<!-- measure_htb.py: begin generated section -->"
MARK_END = "<!-- measure_htb.py: end generated section -->"


def tc(ns, *args):
    return nsexec(ns, "tc", *args)


def class_sent(ns):
    """{classid: Sent bytes} from tc -s class show dev a0."""
    out, cur = {}, None
    for line in tc(ns, "-s", "class", "show", "dev", "a0").splitlines():
        m = re.match(r"class htb (\S+) ", line)
        if m:
            cur = m.group(1)
        m = re.match(r" Sent (\d+) bytes", line)
        if m and cur:
            out[cur] = int(m.group(1))
    return out


def pair():
    a, b = NETNS.new(no_ipv6=True), NETNS.new(no_ipv6=True)
    veth_link(a, b, (("a0", A_IP, A_MAC), ("b0", B_IP, B_MAC)))
    return a, b


def setup(a, classes, default="10", filters=()):
    tc(a, "qdisc", "add", "dev", "a0", "root", "handle", "1:", "htb", "default", default)
    for c in classes:
        tc(a, "class", "add", "dev", "a0", *c.split())
    for port, flowid in filters:
        tc(a, "filter", "add", "dev", "a0", "parent", "1:", "protocol", "ip", "u32",
           "match", "ip", "dport", str(port), "0xffff", "flowid", flowid)


def blast(a, port, stop):
    s = udp_socket_in(a)
    data = b"x" * PAYLOAD
    while not stop.is_set():
        s.sendto(data, (B_IP, port))
    s.close()


def drain(b, ports, stop):
    socks = []
    for p in ports:
        s = udp_socket_in(b)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        s.bind((B_IP, p))
        s.settimeout(0.1)
        socks.append(s)
    def rd(s):
        while not stop.is_set():
            try:
                s.recv(65536)
            except OSError:
                pass
    ts = [threading.Thread(target=rd, args=(s,), daemon=True) for s in socks]
    for t in ts:
        t.start()
    return ts, socks


def run_traffic(a, b, ports):
    stop = threading.Event()
    rts, socks = drain(b, ports, stop)
    sts = [threading.Thread(target=blast, args=(a, p, stop), daemon=True) for p in ports]
    for t in sts:
        t.start()
    time.sleep(WARMUP)
    s0, t0 = class_sent(a), time.monotonic()
    time.sleep(MEASURE)
    s1, t1 = class_sent(a), time.monotonic()
    stop.set()
    for t in sts + rts:
        t.join(2)
    for s in socks:
        s.close()
    return {c: (s1[c] - s0.get(c, 0)) * 8 / (t1 - t0) for c in s1}


def case_dump(out):
    a, b = pair()
    try:
        setup(a, ["parent 1: classid 1:1 htb rate 10mbit",
                  "parent 1:1 classid 1:10 htb rate 6mbit ceil 10mbit prio 1",
                  "parent 1:1 classid 1:20 htb rate 4mbit ceil 8mbit"], default="20")
        with open(os.path.join(out, "htb_class_dump.txt"), "w") as f:
            f.write(tc(a, "-s", "class", "show", "dev", "a0"))
    finally:
        NETNS.delete_all()


def case_rates(rows):
    for rate in ("10mbit", "40mbit"):
        a, b = pair()
        try:
            setup(a, ["parent 1: classid 1:10 htb rate " + rate])
            r = run_traffic(a, b, [5001])
            rows.append(("rate", "1:10", rate, rate, round(r["1:10"])))
        finally:
            NETNS.delete_all()


def case_two(rows, name, c10, c20):
    a, b = pair()
    try:
        setup(a, ["parent 1: classid 1:1 htb rate 20mbit",
                  "parent 1:1 classid 1:10 htb " + c10,
                  "parent 1:1 classid 1:20 htb " + c20],
              filters=((5001, "1:10"), (5002, "1:20")))
        r = run_traffic(a, b, [5001, 5002])
        for c, cfg in (("1:10", c10), ("1:20", c20)):
            m = re.search(r"rate (\S+) ceil (\S+)", cfg)
            rows.append((name, c, m.group(1), m.group(2), round(r[c])))
    finally:
        NETNS.delete_all()


def write_readme_section(outdir, rows):
    """(Re)write this script's section of README.md; the rest is left alone."""
    L = [MARK_BEGIN, "", "## htb on a veth (measure_htb.py)", "",
         "Kernel `%s`, %s UTC. Two fresh namespaces joined by a veth pair, htb on the sender's "
         "end, blocking UDP senders of %d-byte payloads (frames of %d bytes) that keep every "
         "class backlogged; rates from tc's `Sent` bytes of each class over %.1f s after %.1f s "
         "of warm-up. `htb_class_dump.txt` is `tc -s class show` of a fresh tree (1:1 rate 10mbit; "
         "1:10 rate 6mbit ceil 10mbit prio 1; 1:20 rate 4mbit ceil 8mbit), before any traffic. "
         "This kernel has no sch_netem, sch_prio, sch_sfq, sch_fq or sch_cake "
         "(CONFIG_NET_SCH_* off), so only htb is measured."
         % (platform.release(), datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M"),
            PAYLOAD, PAYLOAD + 42, MEASURE, WARMUP), "",
         "| case | class | rate | ceil | measured bit/s |", "|---|---|---|---|---|"]
    L += ["| %s | %s | %s | %s | %s |" % r for r in rows]
    L += ["", MARK_END]
    fn = os.path.join(outdir, "README.md")
    old = open(fn).read() if os.path.exists(fn) else ""
    section = "\n".join(L)
    if MARK_BEGIN in old and MARK_END in old:
        i, j = old.index(MARK_BEGIN), old.index(MARK_END) + len(MARK_END)
        new = old[:i] + section + old[j:]
    else:
        new = old.rstrip("\n") + "\n\n" + section + "\n"
    with open(fn, "w") as f:
        f.write(new)


def main():
    a = script_args(__doc__, __file__)
    rows = []
    try:
        case_dump(a.out)
        case_rates(rows)
        case_two(rows, "share", "rate 12mbit ceil 20mbit", "rate 8mbit ceil 20mbit")
        case_two(rows, "prio", "rate 2mbit ceil 20mbit prio 0", "rate 2mbit ceil 20mbit prio 1")
    finally:
        NETNS.delete_all()
    with open(os.path.join(a.out, "htb_rate.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["case", "class", "rate", "ceil", "sent_bps"])
        w.writerows(rows)
    for r in rows:
        print(*r)
    write_readme_section(a.out, rows)


if __name__ == "__main__":
    main()
