#!/usr/bin/env python3
"""Reference measurements of the real Linux UDP *send* path when the egress
qdisc drops or the socket send buffer fills, for skbsim tests.

Run as root:   sudo python3 tests/kernel-ref/measure_tx.py
(options: --runs N, --quick, --out DIR, --readme-only; see --help)

Every run happens in two fresh network namespaces joined by a veth pair:
  namespace A: veth a0 10.77.0.1/24   (sender, qdisc under test on a0)
  namespace B: veth b0 10.77.0.2/24   (a UDP socket that reads everything)
Both namespaces are deleted afterwards (try/finally, also on error); names
start with "ktx<pid>-". No traffic leaves them. Static permanent neighbour
entries (no ARP) and IPv6 disabled, so the only packets that go through the
qdisc on a0 are the test datagrams.

Only the Python standard library is used. It shells out to `ip`, `tc`,
`sysctl` and `cat /proc/net/...` (through `ip netns exec`), and calls setns(2)
through ctypes to create sockets inside a namespace.

Cases (each with payload 100 and 1000 bytes, N=200 send() calls back to back):
  noqueue    default root qdisc of a veth (no qdisc at all)
  pfifo      tc qdisc replace dev a0 root pfifo limit L, L in {1, 5, 20}
  tbf        tc qdisc replace dev a0 root tbf rate 1mbit burst 1540 limit B,
             B in {1540, 5000, 20000} bytes
  (these three with and without IP_RECVERR, blocking socket)
  sndbuf     non-blocking socket, SO_SNDBUF in {4096, 8192}, tbf rate 1mbit
             burst 1540 limit 1000000 (the qdisc does not drop; the socket's
             send buffer fills and send() returns EAGAIN)

Outputs (in the directory of this script unless --out is given):
  udp_tx_qdisc.csv        one row per run (all runs, column `run`)
  udp_tx_qdisc_meta.json  environment and repeatability diffs
  README.md               the section between the measure_tx.py markers is
                          (re)written; the rest of the file is left alone.
"""

import argparse
import collections
import csv
import datetime
import errno
import json
import os
import platform
import re
import socket
import sys
import threading
import time

from knetns import Netns, meminfo, nsexec, read_snmp, sh, udp_socket_in, veth_link

HERE = os.path.dirname(os.path.abspath(__file__))

N_SEND = 200
PAYLOADS = [100, 1000]
PFIFO_LIMITS = [1, 5, 20]                # packets
TBF_LIMITS = [1540, 5000, 20000]         # bytes
TBF_RATE = "1mbit"
TBF_BURST = 1540
SNDBUFS = [4096, 8192]
SNDBUF_TBF_LIMIT = 1000000               # large: the qdisc never drops
RX_RCVBUF = 2 * 1024 * 1024              # receiver: room for all 200 datagrams
DRAIN_TIMEOUT = 30.0
SETTLE = 0.3                             # extra sleep after the qdisc is empty

IP_RECVERR = getattr(socket, "IP_RECVERR", 11)

A_IP = "10.77.0.1"
B_IP = "10.77.0.2"
A_MAC = "02:00:0a:4d:00:01"
B_MAC = "02:00:0a:4d:00:02"
RX_PORT = 7777

MARK_BEGIN = "<!-- measure_tx.py: begin generated section -->"
MARK_END = "<!-- measure_tx.py: end generated section -->"

PREFIX = "ktx%d-" % os.getpid()
_NETNS = Netns(PREFIX)
ns_new, ns_del, ns_del_all = _NETNS.new, _NETNS.delete, _NETNS.delete_all

# The CSV columns asked for, then extra cross-check columns.
COLS = [
    "run", "case", "qdisc", "payload", "limit_pkts", "limit_bytes", "recverr",
    "nonblock", "sndbuf_set", "sndbuf_effective", "sent_attempts", "send_ok",
    "send_errors", "errno_name", "out_datagrams", "sndbuf_errors",
    "ip_out_requests", "ip_out_discards", "ip_out_transmits", "qdisc_sent_pkts",
    "qdisc_dropped", "qdisc_overlimits", "qdisc_requeues", "received",
    # extras
    "first_error_at", "send_short", "send_time_ms",
    "qdisc_sent_pkts_burst", "qdisc_dropped_burst", "qdisc_overlimits_burst",
    "qdisc_requeues_burst", "qdisc_backlog_pkts_burst", "qdisc_backlog_bytes_burst",
    "qdisc_backlog_pkts", "qdisc_backlog_bytes", "qdisc_sent_bytes",
    "snmp_changed_during_drain", "wmem_alloc_burst", "wmem_alloc_drained",
    "drain_time_s", "ip_out_no_routes",
    "a0_tx_dropped", "b0_rx_dropped", "rx_in_datagrams", "rx_rcvbuf_errors",
    "rx_bad_len", "softnet_dropped",
    # sndbuf case only (per-send SO_MEMINFO wmem_alloc trace)
    "tx_truesize", "max_wmem_before_ok", "min_wmem_before_eagain", "eagain_below_sndbuf",
    "ok_at_or_above_sndbuf", "ok_at_or_above_explained", "ok_after_first_eagain",
]
# columns compared between runs for the repeatability statement
REPEAT_COLS = COLS[1:24]


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------

def make_pair():
    """Namespaces A and B joined by veth a0 (A, 10.77.0.1) <-> b0 (B, 10.77.0.2)."""
    a = ns_new()
    b = ns_new()
    veth_link(a, b, (("a0", A_IP, A_MAC), ("b0", B_IP, B_MAC)))
    return a, b


def d(before, after, table, field):
    if field not in after.get(table, {}):
        return None
    return after[table][field] - before.get(table, {}).get(field, 0)


def read_netdev(ns, dev):
    txt = nsexec(ns, "cat", "/proc/net/dev")
    for line in txt.splitlines()[2:]:
        name, _, rest = line.partition(":")
        if name.strip() == dev:
            v = [int(x) for x in rest.split()]
            return {"rx_packets": v[1], "rx_drop": v[3],
                    "tx_packets": v[9], "tx_drop": v[11]}
    raise RuntimeError("device %s not in /proc/net/dev of %s" % (dev, ns))


def read_softnet_dropped():
    with open("/proc/net/softnet_stat") as f:
        return sum(int(line.split()[1], 16) for line in f if line.strip())


def qdisc_stats(ns):
    """Stats of the root qdisc of a0 (tc -s -j)."""
    txt = sh("tc", "-n", ns, "-s", "-j", "qdisc", "show", "dev", "a0")
    qs = json.loads(txt)
    root = [q for q in qs if q.get("root")] or qs
    q = root[0]
    return {"kind": q.get("kind"), "packets": q.get("packets", 0),
            "bytes": q.get("bytes", 0), "drops": q.get("drops", 0),
            "overlimits": q.get("overlimits", 0), "requeues": q.get("requeues", 0),
            "backlog": q.get("backlog", 0), "qlen": q.get("qlen", 0)}


class Receiver(threading.Thread):
    """Reads every datagram arriving on the socket until stopped."""

    def __init__(self, sock, payload):
        super().__init__(daemon=True)
        self.sock = sock
        self.payload = payload
        self.count = 0
        self.bad_len = 0
        self.stop = threading.Event()

    def run(self):
        self.sock.settimeout(0.05)
        while True:
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                if self.stop.is_set():
                    return
                continue
            except OSError:
                return
            self.count += 1
            if len(data) != self.payload:
                self.bad_len += 1


# --------------------------------------------------------------------------
# one run
# --------------------------------------------------------------------------

def qdisc_cmd(case, limit):
    if case == "noqueue":
        return None, "noqueue (veth default)"
    if case == "pfifo":
        args = ["pfifo", "limit", str(limit)]
    else:
        args = ["tbf", "rate", TBF_RATE, "burst", str(TBF_BURST), "limit", str(limit)]
    return args, " ".join(args)


def wmem_trace_summary(trace, sndbuf_eff, wmem_end):
    """From (wmem_alloc just before send, send succeeded) pairs of the sndbuf case.

    wmem_alloc can only grow through our own sends, but it can shrink at any
    time (the tbf watchdog dequeues a packet), also between the getsockopt()
    and the send(). So a send that succeeded although the value read before
    it was >= sk_sndbuf is "explained" if the next reading is below
    before + truesize (a packet left around that send). An EAGAIN with the
    value read before it < sk_sndbuf cannot be explained that way.
    """
    if trace is None:
        return {}
    after = [w for w, _ in trace[1:]] + [wmem_end]
    deltas = collections.Counter()
    for (w0, ok0), w1 in zip(trace, after):
        if ok0 and w1 > w0:
            deltas[w1 - w0] += 1
    T = deltas.most_common(1)[0][0] if deltas else None
    oks = [w for w, ok in trace if ok]
    fails = [w for w, ok in trace if not ok]
    over = [(w0, w1) for (w0, ok0), w1 in zip(trace, after) if ok0 and w0 >= sndbuf_eff]
    first_fail = next((i for i, (_, ok) in enumerate(trace) if not ok), len(trace))
    return {
        "tx_truesize": T if T is not None else "",
        "max_wmem_before_ok": max(oks) if oks else "",
        "min_wmem_before_eagain": min(fails) if fails else "",
        "eagain_below_sndbuf": sum(1 for w in fails if w < sndbuf_eff),
        "ok_at_or_above_sndbuf": len(over),
        "ok_at_or_above_explained": sum(1 for w0, w1 in over
                                        if T is not None and w1 < w0 + T),
        "ok_after_first_eagain": sum(1 for _, ok in trace[first_fail:] if ok),
    }


def run_one(case, payload, limit, recverr, nonblock, sndbuf):
    a = b = None
    tx = rx = None
    recv_thr = None
    try:
        a, b = make_pair()
        qargs, qdesc = qdisc_cmd(case, limit)
        if qargs:
            sh("tc", "-n", a, "qdisc", "replace", "dev", "a0", "root", *qargs)

        rx = udp_socket_in(b)
        rx.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RX_RCVBUF)
        rx.bind((B_IP, RX_PORT))
        recv_thr = Receiver(rx, payload)
        recv_thr.start()

        tx = udp_socket_in(a)
        if recverr:
            tx.setsockopt(socket.SOL_IP, IP_RECVERR, 1)
        if sndbuf is not None:
            tx.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, sndbuf)
        sndbuf_eff = tx.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)
        tx.connect((B_IP, RX_PORT))
        tx.setblocking(not nonblock)

        data = b"\x5a" * payload
        s0a = read_snmp(a)
        s0b = read_snmp(b)
        q0 = qdisc_stats(a)
        da0 = read_netdev(a, "a0")
        db0 = read_netdev(b, "b0")
        sn0 = read_softnet_dropped()

        ok = short = 0
        errs = collections.Counter()
        first_err = None
        send = tx.send
        # sndbuf case only: sk_wmem_alloc (SO_MEMINFO) just before every send
        trace = [] if case == "sndbuf" else None
        t0 = time.monotonic()
        for i in range(N_SEND):
            if trace is not None:
                w_before = meminfo(tx)["wmem_alloc"]
            try:
                n = send(data)
            except OSError as e:
                errs[errno.errorcode.get(e.errno, str(e.errno))] += 1
                if first_err is None:
                    first_err = i + 1
                if trace is not None:
                    trace.append((w_before, False))
                continue
            ok += 1
            if n != payload:
                short += 1
            if trace is not None:
                trace.append((w_before, True))
        t_send = time.monotonic() - t0

        m1 = meminfo(tx)          # first: instantaneous
        q1 = qdisc_stats(a)       # a few ms later (tc subprocess)
        s1a = read_snmp(a)

        t1 = time.monotonic()
        while True:
            q = qdisc_stats(a)
            if q["qlen"] == 0 and q["backlog"] == 0:
                break
            if time.monotonic() - t1 > DRAIN_TIMEOUT:
                raise RuntimeError("qdisc did not drain: %r" % q)
            time.sleep(0.02)
        t_drain = time.monotonic() - t1
        time.sleep(SETTLE)
        # wait until the receiver has seen everything the qdisc sent
        for _ in range(100):
            if recv_thr.count >= q["packets"] - q0["packets"] or case == "noqueue":
                break
            time.sleep(0.02)
        time.sleep(0.1)

        q2 = qdisc_stats(a)
        s2a = read_snmp(a)
        s2b = read_snmp(b)
        m2 = meminfo(tx)
        da2 = read_netdev(a, "a0")
        db2 = read_netdev(b, "b0")
        sn2 = read_softnet_dropped()
        recv_thr.stop.set()
        recv_thr.join(2)

        fields = [("Udp", "OutDatagrams"), ("Udp", "SndbufErrors"), ("Ip", "OutRequests"),
                  ("Ip", "OutDiscards"), ("Ip", "OutTransmits")]
        changed = [f for t, f in fields if d(s1a, s2a, t, f) != 0]

        row = {
            "case": case,
            "qdisc": qdesc,
            "payload": payload,
            "limit_pkts": limit if case == "pfifo" else "",
            "limit_bytes": limit if case in ("tbf", "sndbuf") else "",
            "recverr": int(bool(recverr)),
            "nonblock": int(bool(nonblock)),
            "sndbuf_set": "" if sndbuf is None else sndbuf,
            "sndbuf_effective": sndbuf_eff,
            "sent_attempts": N_SEND,
            "send_ok": ok,
            "send_errors": sum(errs.values()),
            "errno_name": "/".join("%s" % k if len(errs) == 1 else "%s:%d" % (k, v)
                                   for k, v in sorted(errs.items())),
            "out_datagrams": d(s0a, s2a, "Udp", "OutDatagrams"),
            "sndbuf_errors": d(s0a, s2a, "Udp", "SndbufErrors"),
            "ip_out_requests": d(s0a, s2a, "Ip", "OutRequests"),
            "ip_out_discards": d(s0a, s2a, "Ip", "OutDiscards"),
            "ip_out_transmits": d(s0a, s2a, "Ip", "OutTransmits"),
            "qdisc_sent_pkts": q2["packets"] - q0["packets"],
            "qdisc_dropped": q2["drops"] - q0["drops"],
            "qdisc_overlimits": q2["overlimits"] - q0["overlimits"],
            "qdisc_requeues": q2["requeues"] - q0["requeues"],
            "received": recv_thr.count,
            "first_error_at": "" if first_err is None else first_err,
            "send_short": short,
            "send_time_ms": round(t_send * 1000, 2),
            "qdisc_sent_pkts_burst": q1["packets"] - q0["packets"],
            "qdisc_dropped_burst": q1["drops"] - q0["drops"],
            "qdisc_overlimits_burst": q1["overlimits"] - q0["overlimits"],
            "qdisc_requeues_burst": q1["requeues"] - q0["requeues"],
            "qdisc_backlog_pkts_burst": q1["qlen"],
            "qdisc_backlog_bytes_burst": q1["backlog"],
            "qdisc_backlog_pkts": q2["qlen"],
            "qdisc_backlog_bytes": q2["backlog"],
            "qdisc_sent_bytes": q2["bytes"] - q0["bytes"],
            "snmp_changed_during_drain": "/".join(changed) if changed else "none",
            "wmem_alloc_burst": m1["wmem_alloc"],
            "wmem_alloc_drained": m2["wmem_alloc"],
            "drain_time_s": round(t_drain, 3),
            "ip_out_no_routes": d(s0a, s2a, "Ip", "OutNoRoutes"),
            "a0_tx_dropped": da2["tx_drop"] - da0["tx_drop"],
            "b0_rx_dropped": db2["rx_drop"] - db0["rx_drop"],
            "rx_in_datagrams": d(s0b, s2b, "Udp", "InDatagrams"),
            "rx_rcvbuf_errors": d(s0b, s2b, "Udp", "RcvbufErrors"),
            "rx_bad_len": recv_thr.bad_len,
            "softnet_dropped": sn2 - sn0,
        }
        row.update(wmem_trace_summary(trace, sndbuf_eff, m1["wmem_alloc"]))
        return row
    finally:
        if recv_thr is not None:
            recv_thr.stop.set()
        for s in (tx, rx):
            if s is not None:
                s.close()
        if recv_thr is not None:
            recv_thr.join(2)
        for ns in (a, b):
            if ns is not None:
                ns_del(ns)


def all_cases(quick=False):
    payloads = PAYLOADS
    cases = []
    for recverr in (0, 1):
        for s in payloads:
            cases.append(("noqueue", s, None, recverr, 0, None))
            for L in (PFIFO_LIMITS if not quick else [1]):
                cases.append(("pfifo", s, L, recverr, 0, None))
            for B in (TBF_LIMITS if not quick else [1540, 20000]):
                cases.append(("tbf", s, B, recverr, 0, None))
    for s in payloads:
        for sb in SNDBUFS:
            cases.append(("sndbuf", s, SNDBUF_TBF_LIMIT, 0, 1, sb))
    return cases


# --------------------------------------------------------------------------
# output
# --------------------------------------------------------------------------

def write_csv(fn, cols, rows):
    with open(fn, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols, lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({c: ("" if r.get(c) is None else r.get(c)) for c in cols})


def read_csv(fn):
    rows = []
    with open(fn, newline="") as f:
        for r in csv.DictReader(f):
            for k, v in r.items():
                try:
                    r[k] = int(v)
                except (TypeError, ValueError):
                    try:
                        r[k] = float(v)
                    except (TypeError, ValueError):
                        pass
            rows.append(r)
    return rows


def key_of(r):
    return (r["case"], r["payload"], r["limit_pkts"], r["limit_bytes"], r["recverr"],
            r["nonblock"], r["sndbuf_set"])


def repeat_diffs(rows):
    by = collections.OrderedDict()
    for r in rows:
        by.setdefault(key_of(r), []).append(r)
    diffs = []
    for k, rs in by.items():
        for r in rs[1:]:
            for c in REPEAT_COLS:
                if r[c] != rs[0][c]:
                    diffs.append({"case": k[0], "qdisc": rs[0]["qdisc"], "payload": k[1],
                                  "recverr": k[4], "sndbuf_set": k[6], "column": c,
                                  "run1": rs[0][c], "run%d" % r["run"]: r[c]})
    return diffs


def fmt_set(vals):
    vals = sorted(set(vals), key=lambda x: (str(type(x)), x))
    return "/".join(str(v) for v in vals) if vals else "-"


def check(rows, pred):
    bad = [r for r in rows if not pred(r)]
    return len(rows) - len(bad), len(rows), bad


def pkt_len(payload):
    return payload + 8 + 20 + 14      # UDP + IPv4 + Ethernet: qdisc_pkt_len


def write_readme_section(outdir, rows, meta):
    runs = sorted({r["run"] for r in rows})
    L = []
    w = L.append

    def rule(text, rs, pred):
        n_ok, n, bad = check(rs, pred)
        w("- %s — holds in **%d of %d** runs%s." % (
            text, n_ok, n, "" if not bad else "; exceptions: " + "; ".join(
                "%s `%s` S=%s recverr=%s%s run %s" % (
                    r["case"], r["qdisc"], r["payload"], r["recverr"],
                    "" if r["sndbuf_set"] == "" else " SO_SNDBUF=%s" % r["sndbuf_set"],
                    r["run"]) for r in bad)))

    noq = [r for r in rows if r["case"] in ("noqueue", "pfifo")]
    tbf0 = [r for r in rows if r["case"] == "tbf" and r["recverr"] == 0]
    tbf1 = [r for r in rows if r["case"] == "tbf" and r["recverr"] == 1]
    tbf = tbf0 + tbf1
    sb = [r for r in rows if r["case"] == "sndbuf"]

    w(MARK_BEGIN)
    w("")
    w("# UDP send path: egress qdisc drops and send-buffer limit (udp_tx_qdisc.csv)")
    w("")
    w("This section is generated by `measure_tx.py` (not by `measure.py`) and is kept "
      "between the `measure_tx.py` marker comments. `measure.py` rewrites the whole "
      "README.md, which removes this section; afterwards run "
      "`sudo python3 tests/kernel-ref/measure_tx.py --readme-only` to put it back from "
      "`udp_tx_qdisc.csv` and `udp_tx_qdisc_meta.json` without measuring again.")
    w("")
    w("## Environment")
    w("")
    w("| Item | Value |")
    w("|---|---|")
    w("| Kernel (`uname -r`) | `%s` |" % meta["uname_r"])
    w("| Machine | %s, %s CPUs |" % (meta["machine"], meta["ncpu"]))
    w("| iproute2 / tc | `%s` |" % meta["tc_version"])
    w("| Date (UTC) | %s |" % meta["date"])
    w("| Runs per configuration | %d |" % len(runs))
    w("| Fresh namespace A: net.core.wmem_default / wmem_max | %s / %s |" % (
        meta["wmem_default"], meta["wmem_max"]))
    w("| net.core.netdev_max_backlog (global) | %s |" % meta["netdev_max_backlog"])
    w("| a0 | veth, %s, default root qdisc `%s` |" % (meta["a0_queues"], meta["a0_default_qdisc"]))
    w("")
    w("## Setup")
    w("")
    w("Each run creates two fresh namespaces (`ktx<pid>-N`), deleted afterwards in "
      "try/finally: A with veth `a0` 10.77.0.1/24 (sender) and B with its peer `b0` "
      "10.77.0.2/24. Static permanent neighbour entries on both sides (no ARP) and IPv6 "
      "disabled, so the only packets going through the qdisc on a0 are the test datagrams. "
      "In B a UDP socket (SO_RCVBUF=%d, bound to 10.77.0.2:%d) is read by a thread "
      "the whole time. In A a connected UDP socket calls `send()` N=%d times back to back "
      "(Python loop, about 1-3.5 ms for the whole burst, column send_time_ms) with payload S bytes; the return value "
      "or errno of every call is counted. Counter deltas are taken from /proc/net/snmp of A "
      "(and B), from `tc -s -j qdisc show dev a0` (root qdisc) and from /proc/net/dev, "
      "between just before the burst and after the qdisc has drained (polling until "
      "backlog 0, then %.1f s more, and until the receiver has read what the qdisc sent)." % (
          RX_RCVBUF, RX_PORT, N_SEND, SETTLE))
    w("")
    w("| case | root qdisc on a0 | socket | grid |")
    w("|---|---|---|---|")
    w("| noqueue | none (veth default `noqueue`) | blocking, IP_RECVERR 0 and 1 | S in {%s} |"
      % ", ".join(map(str, PAYLOADS)))
    w("| pfifo | `pfifo limit L` | blocking, IP_RECVERR 0 and 1 | L in {%s} packets, S in {%s} |"
      % (", ".join(map(str, PFIFO_LIMITS)), ", ".join(map(str, PAYLOADS))))
    w("| tbf | `tbf rate %s burst %d limit B` | blocking, IP_RECVERR 0 and 1 | B in {%s} bytes, S in {%s} |"
      % (TBF_RATE, TBF_BURST, ", ".join(map(str, TBF_LIMITS)), ", ".join(map(str, PAYLOADS))))
    w("| sndbuf | `tbf rate %s burst %d limit %d` (never drops) | non-blocking, SO_SNDBUF set, no IP_RECVERR | SO_SNDBUF in {%s}, S in {%s} |"
      % (TBF_RATE, TBF_BURST, SNDBUF_TBF_LIMIT, ", ".join(map(str, SNDBUFS)),
         ", ".join(map(str, PAYLOADS))))
    w("")
    w("IP_RECVERR is `setsockopt(SOL_IP, IP_RECVERR=11, 1)`. The qdisc is installed with "
      "`tc qdisc replace dev a0 root ...` before the sockets are opened. In the sndbuf case "
      "the script also reads SO_MEMINFO `wmem_alloc` (= sk_wmem_alloc) just before every "
      "`send()`.")
    w("")
    w("## Regenerate")
    w("")
    w("```")
    w("sudo python3 tests/kernel-ref/measure_tx.py            # measure (2 runs), write CSV, JSON, this section")
    w("sudo python3 tests/kernel-ref/measure_tx.py --readme-only   # only rewrite this section")
    w("```")
    w("")
    w("Needs root, `ip` and `tc` (iproute2, with `tc -j`), `sysctl`, python3 (stdlib only), "
      "veth, sch_tbf and sch_fifo. Runtime about a minute.")
    w("")
    w("## Columns of udp_tx_qdisc.csv (one row per run)")
    w("")
    w("All counter columns are deltas over the run (before the burst -> after draining) unless "
      "marked `_burst` (taken right after the last send() returned, while the qdisc still holds "
      "packets).")
    w("")
    w("| Column | Meaning |")
    w("|---|---|")
    for c, m in [
        ("run", "run number (each configuration is run `--runs` times, default 2)"),
        ("case", "noqueue / pfifo / tbf / sndbuf (see Setup)"),
        ("qdisc", "the tc qdisc arguments used on a0"),
        ("payload", "UDP payload bytes S; on the wire (qdisc_pkt_len) S + 42"),
        ("limit_pkts", "pfifo limit (packets); empty otherwise"),
        ("limit_bytes", "tbf limit (bytes, the inner bfifo's limit); empty otherwise"),
        ("recverr", "1 if IP_RECVERR was set on the sender"),
        ("nonblock", "1 if the sender socket was non-blocking"),
        ("sndbuf_set", "value passed to setsockopt(SO_SNDBUF); empty = not set"),
        ("sndbuf_effective", "getsockopt(SO_SNDBUF) afterwards (sk_sndbuf)"),
        ("sent_attempts", "send() calls made (N)"),
        ("send_ok", "send() calls that returned a byte count (all returned S: see send_short)"),
        ("send_errors", "send() calls that raised an error"),
        ("errno_name", "errno of the failed calls (`NAME:count` if several kinds)"),
        ("out_datagrams", "Udp OutDatagrams (namespace A)"),
        ("sndbuf_errors", "Udp SndbufErrors (A)"),
        ("ip_out_requests", "Ip OutRequests (A)"),
        ("ip_out_discards", "Ip OutDiscards (A)"),
        ("ip_out_transmits", "Ip OutTransmits (A)"),
        ("qdisc_sent_pkts", "root qdisc `Sent ... pkt` (packets dequeued and handed to veth)"),
        ("qdisc_dropped", "root qdisc `dropped`"),
        ("qdisc_overlimits", "root qdisc `overlimits`"),
        ("qdisc_requeues", "root qdisc `requeues`"),
        ("received", "datagrams read by the socket in B"),
        ("first_error_at", "1-based index of the first failing send(); empty if none failed"),
        ("send_short", "successful send() calls that returned != S"),
        ("send_time_ms", "wall time of the burst loop"),
        ("qdisc_*_burst", "the qdisc counters right after the burst (a tc call, a few ms after "
                          "the last send, so the queue has already started to drain); "
                          "`qdisc_backlog_pkts/bytes_burst` is the queue then"),
        ("qdisc_backlog_pkts, qdisc_backlog_bytes", "queue after draining (always 0)"),
        ("qdisc_sent_bytes", "root qdisc `Sent N bytes`"),
        ("snmp_changed_during_drain", "which of the 5 snmp columns changed between right "
                                      "after the burst and after draining (`none`)"),
        ("wmem_alloc_burst, wmem_alloc_drained", "sender SO_MEMINFO wmem_alloc right after the "
                                                 "burst / after draining"),
        ("drain_time_s", "time until the qdisc backlog was 0"),
        ("ip_out_no_routes", "Ip OutNoRoutes (A)"),
        ("a0_tx_dropped, b0_rx_dropped", "/proc/net/dev drop counters of the veth ends"),
        ("rx_in_datagrams, rx_rcvbuf_errors", "Udp InDatagrams / RcvbufErrors in B"),
        ("rx_bad_len", "received datagrams whose length was not S"),
        ("softnet_dropped", "global /proc/net/softnet_stat dropped (backlog overflow)"),
        ("tx_truesize", "sndbuf case: most common increase of wmem_alloc across one successful "
                        "send() (bytes charged to the sender per queued skb)"),
        ("max_wmem_before_ok", "sndbuf case: largest wmem_alloc read just before a successful "
                               "send()"),
        ("min_wmem_before_eagain", "sndbuf case: smallest wmem_alloc read just before an "
                                   "EAGAIN"),
        ("eagain_below_sndbuf", "sndbuf case: EAGAINs whose preceding wmem_alloc read was < "
                                "sndbuf_effective"),
        ("ok_at_or_above_sndbuf", "sndbuf case: successful sends whose preceding read was >= "
                                  "sndbuf_effective"),
        ("ok_at_or_above_explained", "sndbuf case: of those, how many saw wmem_alloc fall "
                                     "(next read < read + tx_truesize): a packet left the "
                                     "qdisc between the read and the send"),
        ("ok_after_first_eagain", "sndbuf case: successful sends after the first EAGAIN"),
    ]:
        w("| %s | %s |" % (c, m))
    w("")
    w("## Results")
    w("")
    w("### Run 1")
    w("")
    w("| case | qdisc | S | recverr | sndbuf set/eff | send ok/err | errno | OutDatagrams | "
      "SndbufErrors | OutRequests | OutDiscards | OutTransmits | qdisc sent | qdisc dropped | "
      "received |")
    w("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        if r["run"] != runs[0]:
            continue
        w("| %s | %s | %s | %s | %s | %s/%s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["case"], r["qdisc"], r["payload"], r["recverr"],
            ("%s/%s" % (r["sndbuf_set"], r["sndbuf_effective"])) if r["sndbuf_set"] != ""
            else "-/%s" % r["sndbuf_effective"],
            r["send_ok"], r["send_errors"], r["errno_name"] or "-", r["out_datagrams"],
            r["sndbuf_errors"], r["ip_out_requests"], r["ip_out_discards"],
            r["ip_out_transmits"], r["qdisc_sent_pkts"], r["qdisc_dropped"], r["received"]))
    w("")
    w("### Rules the data shows")
    w("")
    w("Each statement was checked by the script against every run of every matching "
      "configuration (all %d runs); the counts are printed next to it." % len(runs))
    w("")
    w("**No qdisc drops without a shaper (noqueue, pfifo L=1/5/20).**")
    w("")
    rule("noqueue and pfifo never drop: send_ok = %d, send_errors = 0, qdisc_dropped = 0, "
         "SndbufErrors = OutDiscards = 0, OutDatagrams = OutRequests = OutTransmits = received "
         "= %d, with and without IP_RECVERR, even with `pfifo limit 1`" % (N_SEND, N_SEND), noq,
         lambda r: r["send_ok"] == N_SEND and r["send_errors"] == 0 and r["qdisc_dropped"] == 0
         and r["sndbuf_errors"] == 0 and r["ip_out_discards"] == 0 and
         r["out_datagrams"] == r["ip_out_requests"] == r["ip_out_transmits"] ==
         r["received"] == N_SEND)
    rule("pfifo: every packet is counted as sent by the qdisc (qdisc_sent_pkts = %d) and the "
         "queue is empty right after the burst (qdisc_backlog_pkts_burst = 0), consistent with "
         "veth never stopping its tx queue: each packet is dequeued and handed to veth at once, "
         "so the pfifo limit is never reached" % N_SEND,
         [r for r in noq if r["case"] == "pfifo"],
         lambda r: r["qdisc_sent_pkts"] == N_SEND and r["qdisc_backlog_pkts_burst"] == 0)
    rule("noqueue: no qdisc statistics at all (qdisc_sent_pkts = 0)",
         [r for r in noq if r["case"] == "noqueue"], lambda r: r["qdisc_sent_pkts"] == 0)
    w("")
    w("**Qdisc drop, IP_RECVERR off (tbf).** Per dropped packet:")
    w("")
    rule("send() still succeeds: send_ok = %d, send_errors = 0 (and every call returned S)" % N_SEND,
         tbf0, lambda r: r["send_ok"] == N_SEND and r["send_errors"] == 0 and r["send_short"] == 0)
    rule("Udp SndbufErrors += 1 and Ip OutDiscards += 1: sndbuf_errors = ip_out_discards = "
         "qdisc_dropped", tbf0,
         lambda r: r["sndbuf_errors"] == r["ip_out_discards"] == r["qdisc_dropped"])
    rule("Udp OutDatagrams does NOT count the dropped datagram: out_datagrams = send_ok - "
         "qdisc_dropped = qdisc_sent_pkts = received", tbf0,
         lambda r: r["out_datagrams"] == r["send_ok"] - r["qdisc_dropped"] ==
         r["qdisc_sent_pkts"] == r["received"])
    rule("Ip OutRequests and Ip OutTransmits DO count it: ip_out_requests = ip_out_transmits = "
         "%d (so OutTransmits is counted before the qdisc, not on actual transmission)" % N_SEND,
         tbf0,
         lambda r: r["ip_out_requests"] == r["ip_out_transmits"] == N_SEND)
    w("")
    w("**Qdisc drop, IP_RECVERR on (tbf).** Per dropped packet:")
    w("")
    rule("send() fails with ENOBUFS (and only then): errno_name = ENOBUFS, send_errors = "
         "qdisc_dropped", tbf1,
         lambda r: r["send_errors"] == r["qdisc_dropped"] and
         (r["send_errors"] == 0 or r["errno_name"] == "ENOBUFS"))
    rule("Udp SndbufErrors += 1 (once, not twice) and Ip OutDiscards += 1: sndbuf_errors = "
         "ip_out_discards = send_errors", tbf1,
         lambda r: r["sndbuf_errors"] == r["ip_out_discards"] == r["send_errors"])
    rule("Udp OutDatagrams counts only the successful calls: out_datagrams = send_ok = "
         "qdisc_sent_pkts = received", tbf1,
         lambda r: r["out_datagrams"] == r["send_ok"] == r["qdisc_sent_pkts"] == r["received"])
    rule("Ip OutRequests = Ip OutTransmits = %d as without IP_RECVERR" % N_SEND, tbf1,
         lambda r: r["ip_out_requests"] == r["ip_out_transmits"] == N_SEND)
    w("")
    w("**Both (tbf).**")
    w("")
    rule("all drops happen during the burst (qdisc_dropped_burst = qdisc_dropped), the snmp "
         "counters do not change while the queue drains (they are updated inside send()), "
         "qdisc_requeues = 0, and nothing is lost elsewhere (a0 tx_dropped, b0 rx_dropped, "
         "receiver RcvbufErrors, softnet dropped all 0)", tbf,
         lambda r: r["qdisc_dropped_burst"] == r["qdisc_dropped"] and
         r["snmp_changed_during_drain"] == "none" and r["qdisc_requeues"] == 0 and
         r["a0_tx_dropped"] == r["b0_rx_dropped"] == r["rx_rcvbuf_errors"] ==
         r["softnet_dropped"] == 0)
    rule("qdisc_sent_bytes = qdisc_sent_pkts * (S + 42): the qdisc counts the Ethernet frame "
         "without FCS", [r for r in rows if r["case"] != "noqueue"],
         lambda r: r["qdisc_sent_bytes"] == r["qdisc_sent_pkts"] * pkt_len(r["payload"]))
    t1000 = [r for r in tbf if r["payload"] == 1000]
    rule("S=1000: admitted packets (200 - qdisc_dropped) = 1 + floor(B / 1042): one packet "
         "leaves at once on the %d-byte bucket, then the bfifo takes packets while backlog + "
         "1042 <= B (the bucket needs 4.35 ms to refill for a second packet, longer than the "
         "burst); with IP_RECVERR the first error is at send number admitted + 1 and every "
         "later send fails" % TBF_BURST, t1000,
         lambda r: N_SEND - r["qdisc_dropped"] == 1 + r["limit_bytes"] // pkt_len(1000) and
         (r["recverr"] == 0 or (r["first_error_at"] == N_SEND - r["qdisc_dropped"] + 1)))
    t100 = [r for r in tbf if r["payload"] == 100]
    if t100:
        w("- S=100 (142-byte packets) is timing dependent: admitted = floor(1540/142) = 10 "
          "through the bucket + floor(B/142) queued + a few packets whose tokens accrue during "
          "the ~1 ms burst (1 Mbit/s = one 142-byte packet per 1.136 ms). Measured admitted - "
          "10 - floor(B/142), per B: %s. With IP_RECVERR, sends that fail and succeed "
          "interleave once the queue is full (first_error_at: %s)." % (
              "; ".join("B=%d: %s" % (B, fmt_set(
                  N_SEND - r["qdisc_dropped"] - 10 - B // 142 for r in t100
                  if r["limit_bytes"] == B)) for B in TBF_LIMITS),
              "; ".join("B=%d: %s" % (B, fmt_set(
                  r["first_error_at"] for r in t100
                  if r["limit_bytes"] == B and r["recverr"] == 1)) for B in TBF_LIMITS)))
    w("- qdisc_overlimits (tbf: dequeue attempts that found too few tokens) varies with timing: "
      "%s over the tbf runs; do not use it as an exact reference." %
      fmt_set(r["qdisc_overlimits"] for r in tbf))
    w("")
    w("**Send buffer full, non-blocking socket (sndbuf; the qdisc never drops).**")
    w("")
    rule("getsockopt(SO_SNDBUF) = 2 * the value set (%s)" % ", ".join(
        "%d -> %d" % (v, 2 * v) for v in SNDBUFS), sb,
         lambda r: r["sndbuf_effective"] == 2 * r["sndbuf_set"])
    rule("a full send buffer makes send() fail with EAGAIN (never ENOBUFS), and each EAGAIN "
         "adds 1 to Udp SndbufErrors AND 1 to Ip OutDiscards: send_errors = sndbuf_errors = "
         "ip_out_discards", sb,
         lambda r: r["errno_name"] == "EAGAIN" and
         r["send_errors"] == r["sndbuf_errors"] == r["ip_out_discards"])
    rule("a datagram refused with EAGAIN is not counted in OutDatagrams, OutRequests or "
         "OutTransmits: out_datagrams = ip_out_requests = ip_out_transmits = send_ok = "
         "qdisc_sent_pkts = received, qdisc_dropped = 0", sb,
         lambda r: r["out_datagrams"] == r["ip_out_requests"] == r["ip_out_transmits"] ==
         r["send_ok"] == r["qdisc_sent_pkts"] == r["received"] and r["qdisc_dropped"] == 0)
    rule("admission: send() fails with EAGAIN only when sk_wmem_alloc (read just before "
         "the call) is >= sk_sndbuf (eagain_below_sndbuf = 0, min_wmem_before_eagain >= "
         "sndbuf_effective), and succeeds when it is below, however little room is left, so "
         "the buffer is overshot by up to one skb (max_wmem_before_ok < sndbuf_effective, "
         "or the few successes read at >= sk_sndbuf are explained by a packet leaving the "
         "qdisc between the read and the send: ok_at_or_above_sndbuf = "
         "ok_at_or_above_explained)", sb,
         lambda r: r["eagain_below_sndbuf"] == 0 and
         r["min_wmem_before_eagain"] >= r["sndbuf_effective"] and
         r["ok_at_or_above_sndbuf"] == r["ok_at_or_above_explained"])
    w("- sender charge per queued skb (tx_truesize, the step of wmem_alloc per queued "
      "datagram): %s. A packet that leaves through veth at once is no longer charged when "
      "send() returns (wmem_alloc does not grow), so only the qdisc backlog is charged." % (
          "; ".join("S=%d: %s" % (S, fmt_set(r["tx_truesize"] for r in sb if r["payload"] == S))
                    for S in PAYLOADS)))
    s1000 = [r for r in sb if r["payload"] == 1000]
    rule("S=1000: send_ok = 1 + ceil(sndbuf_effective / 2304) (one packet on the bucket, then "
         "queued skbs until wmem_alloc >= sk_sndbuf); first_error_at = send_ok + 1, no "
         "success after the first EAGAIN", s1000,
         lambda r: r["send_ok"] == 1 + -(-r["sndbuf_effective"] // 2304) and
         r["first_error_at"] == r["send_ok"] + 1 and r["ok_after_first_eagain"] == 0)
    s100 = [r for r in sb if r["payload"] == 100]
    if s100:
        w("- S=100 is timing dependent (a 142-byte packet leaves every 1.136 ms, so the queue "
          "drains during the burst and single sends succeed again after an EAGAIN): send_ok "
          "- ceil(sndbuf_effective / 832) = %s, ok_after_first_eagain = %s." % (
              "; ".join("SO_SNDBUF=%d: %s" % (v, fmt_set(
                  r["send_ok"] - -(-r["sndbuf_effective"] // 832) for r in s100
                  if r["sndbuf_set"] == v)) for v in SNDBUFS),
              "; ".join("SO_SNDBUF=%d: %s" % (v, fmt_set(
                  r["ok_after_first_eagain"] for r in s100 if r["sndbuf_set"] == v))
                  for v in SNDBUFS)))
    w("")
    w("### Repeatability")
    w("")
    diffs = meta.get("repeatability_diffs", [])
    if not diffs:
        w("All %d runs gave identical values in every column from `case` to `received`." %
          len(runs))
    else:
        cols = sorted({x["column"] for x in diffs})
        w("Columns `case` .. `received` were compared between runs. %d values differed "
          "(listed below), in columns %s; every other value repeated exactly." % (
              len(diffs), ", ".join("`%s`" % c for c in cols)))
        w("")
        other = [x for x in diffs if x["column"] != "qdisc_overlimits"]
        if other:
            spread = max(abs(x[[k for k in x if k.startswith("run") and k != "run1"][0]] -
                             x["run1"]) for x in other)
            w("Apart from qdisc_overlimits, differences occur only at S = %s, in %d "
              "configuration(s) (%s), by at most %d; all the equalities above hold in every run "
              "regardless." % (
                  fmt_set(x["payload"] for x in other),
                  len({(x["case"], x["qdisc"], x["payload"], x["recverr"], x["sndbuf_set"])
                       for x in other}),
                  ", ".join(sorted({"%s `%s` S=%s recverr=%s" % (
                      x["case"], x["qdisc"], x["payload"], x["recverr"]) for x in other})),
                  spread))
        else:
            w("Only qdisc_overlimits differed.")
        w("")
        for x in diffs:
            later = [k for k in x if k.startswith("run") and k != "run1"][0]
            w("- %s `%s` S=%s recverr=%s%s: %s run1=%s, %s=%s" % (
                x["case"], x["qdisc"], x["payload"], x["recverr"],
                "" if x["sndbuf_set"] == "" else " sndbuf=%s" % x["sndbuf_set"],
                x["column"], x["run1"], later, x[later]))
    w("")
    w("### Files")
    w("")
    w("- `measure_tx.py`: the script")
    w("- `udp_tx_qdisc.csv`: one row per run (all runs)")
    w("- `udp_tx_qdisc_meta.json`: environment and repeatability differences")
    w("")
    w(MARK_END)

    fn = os.path.join(outdir, "README.md")
    old = open(fn).read() if os.path.exists(fn) else ""
    section = "\n".join(L) + "\n"
    if MARK_BEGIN in old and MARK_END in old:
        i = old.index(MARK_BEGIN)
        j = old.index(MARK_END) + len(MARK_END)
        new = old[:i] + section.rstrip("\n") + old[j:]
    else:
        new = old.rstrip("\n") + "\n\n" + section if old else section
    with open(fn, "w") as f:
        f.write(new)


def environment(a):
    """Metadata, read from a fresh pair of namespaces (a = A)."""
    meta = {
        "uname_r": platform.release(),
        "machine": platform.machine(),
        "ncpu": os.cpu_count(),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ"),
        "tc_version": sh("tc", "-V").strip(),
        "wmem_default": int(nsexec(a, "sysctl", "-n", "net.core.wmem_default").strip()),
        "wmem_max": int(nsexec(a, "sysctl", "-n", "net.core.wmem_max").strip()),
        # global, not visible inside a non-initial namespace
        "netdev_max_backlog": int(open("/proc/sys/net/core/netdev_max_backlog").read()),
    }
    det = sh("ip", "-n", a, "-d", "link", "show", "a0")
    tq = re.search(r"numtxqueues (\d+)", det)
    meta["a0_queues"] = "numtxqueues %s" % (tq.group(1) if tq else "?")
    meta["a0_default_qdisc"] = qdisc_stats(a)["kind"]
    return meta


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--quick", action="store_true",
                    help="fewer limits, for testing the script")
    ap.add_argument("--out", default=HERE)
    ap.add_argument("--readme-only", action="store_true",
                    help="only rewrite the README section from the existing CSV and JSON")
    args = ap.parse_args()
    csv_fn = os.path.join(args.out, "udp_tx_qdisc.csv")
    meta_fn = os.path.join(args.out, "udp_tx_qdisc_meta.json")
    if args.readme_only:
        with open(meta_fn) as f:
            meta = json.load(f)
        write_readme_section(args.out, read_csv(csv_fn), meta)
        print("rewrote the measure_tx.py section of %s" % os.path.join(args.out, "README.md"))
        return
    if os.geteuid() != 0:
        sys.exit("must run as root")
    os.makedirs(args.out, exist_ok=True)

    rows = []
    try:
        a, b = make_pair()
        try:
            meta = environment(a)
        finally:
            ns_del(a)
            ns_del(b)
        meta["runs"] = args.runs
        cases = all_cases(args.quick)
        for run in range(1, args.runs + 1):
            for i, c in enumerate(cases):
                r = run_one(*c)
                r["run"] = run
                rows.append(r)
                print("run %d %2d/%d %-7s %-40s S=%-4d recverr=%d sndbuf=%-5s ok=%-3d err=%-3d "
                      "%-7s OutDg=%-3d SndbufErr=%-3d OutDisc=%-3d qsent=%-3d qdrop=%-3d rcvd=%d"
                      % (run, i + 1, len(cases), r["case"], r["qdisc"], r["payload"],
                         r["recverr"], r["sndbuf_set"], r["send_ok"], r["send_errors"],
                         r["errno_name"] or "-", r["out_datagrams"], r["sndbuf_errors"],
                         r["ip_out_discards"], r["qdisc_sent_pkts"], r["qdisc_dropped"],
                         r["received"]), flush=True)
    finally:
        ns_del_all()

    write_csv(csv_fn, COLS, rows)
    rows = read_csv(csv_fn)       # same types as --readme-only
    meta["repeatability_diffs"] = repeat_diffs(rows)
    with open(meta_fn, "w") as f:
        json.dump(meta, f, indent=1, sort_keys=True)
        f.write("\n")
    write_readme_section(args.out, rows, meta)
    print("wrote %s, %s and the README section; %d repeatability differences" % (
        csv_fn, meta_fn, len(meta["repeatability_diffs"])))


if __name__ == "__main__":
    try:
        main()
    finally:
        ns_del_all()
