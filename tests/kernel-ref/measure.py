#!/usr/bin/env python3
"""Reference measurements of the real Linux UDP receive path, for skbsim tests.

Run as root:   sudo python3 tests/kernel-ref/measure.py
(options: --runs N, --quick, --out DIR; see --help)

Everything happens inside network namespaces that this script creates and
deletes (names start with "kref<pid>-"). No traffic leaves them: loopback
cases use 127.0.0.1 in one namespace, veth cases use 10.201.0.1 -> 10.201.0.2
over a veth pair whose ends are created directly inside namespaces A and B.

Only the Python standard library is used. It shells out to `ip`, `ss`,
`sysctl` and `cat /proc/net/...` (through `ip netns exec`), and calls setns(2)
through ctypes to create sockets inside a namespace.

Outputs (in the directory of this script unless --out is given):
  udp_rcvbuf.csv       one row per (path, payload, SO_RCVBUF) from run 1
  udp_rcvbuf_runs.csv  every run, with extra cross-check columns
  noports.csv          one row per (path) from run 1
  noports_runs.csv     every run, with extra columns
  misc.json            environment, sysctls, softnet_stat/loopback check,
                       repeatability diffs
  README.md            generated description and summary of the data (its own
                       part only: the sections from measure_tx.py's marker on
                       belong to the other scripts and are kept)
"""

import argparse
import csv
import datetime
import gzip
import json
import os
import platform
import re
import socket
import struct
import sys
import time

from knetns import Netns, meminfo, nsexec, read_snmp, udp_socket_in, veth_link

HERE = os.path.dirname(os.path.abspath(__file__))

PAYLOADS = [1, 64, 197, 198, 261, 262, 512, 645, 646, 1000, 1200, 1472,
            1669, 1670, 3000, 3717, 3718, 8000]
VETH_MAX_PAYLOAD = 1472          # 1500 MTU - 20 IP - 8 UDP: no fragmentation
RCVBUFS = [None, 1, 1024, 4096, 65536, 106496, 500000]
OVERFLOW = 50                    # keep sending until this many drops
MAX_SENDS = 200000               # safety cap per case
K_NOPORTS = 50
PACE_EVERY = 32                  # sleep PACE_SLEEP after every PACE_EVERY sends
PACE_SLEEP = 0.0005
LO_CHECK_CASE = ("loopback", 1000, None)   # case used for the lo counter check

SO_RXQ_OVFL = getattr(socket, "SO_RXQ_OVFL", 40)

VETH_A_IP = "10.201.0.1"
VETH_B_IP = "10.201.0.2"
VETH_MAC_A = "02:00:0a:c9:00:01"
VETH_MAC_B = "02:00:0a:c9:00:02"

PREFIX = "kref%d-" % os.getpid()
_NETNS = Netns(PREFIX)
ns_new, ns_del, ns_del_all = _NETNS.new, _NETNS.delete, _NETNS.delete_all


# --------------------------------------------------------------------------
# helpers: commands, namespaces
# --------------------------------------------------------------------------

def make_veth_pair():
    """Two namespaces A and B joined by veth va (A) <-> vb (B)."""
    a = ns_new()
    b = ns_new()
    veth_link(a, b, (("va", VETH_A_IP, VETH_MAC_A), ("vb", VETH_B_IP, VETH_MAC_B)))
    return a, b


# --------------------------------------------------------------------------
# helpers: counters
# --------------------------------------------------------------------------

def snmp_delta(before, after, table, field):
    return after.get(table, {}).get(field, 0) - before.get(table, {}).get(field, 0)


def read_netdev(ns, dev):
    txt = nsexec(ns, "cat", "/proc/net/dev")
    for line in txt.splitlines()[2:]:
        name, _, rest = line.partition(":")
        if name.strip() == dev:
            v = [int(x) for x in rest.split()]
            return {"rx_bytes": v[0], "rx_packets": v[1], "rx_drop": v[3],
                    "tx_bytes": v[8], "tx_packets": v[9], "tx_drop": v[11]}
    raise RuntimeError("device %s not in /proc/net/dev of %s" % (dev, ns))


def read_softnet():
    """/proc/net/softnet_stat (global): list of per-CPU rows (ints)."""
    rows = []
    with open("/proc/net/softnet_stat") as f:
        for line in f:
            rows.append([int(x, 16) for x in line.split()])
    return rows


def softnet_col_sum(rows, col):
    return sum(r[col] for r in rows if len(r) > col)


def ss_skmem(ns, port):
    """skmem fields of the UDP socket bound to `port`, from `ss -u -a -m -n`."""
    txt = nsexec(ns, "ss", "-u", "-a", "-m", "-n", "sport", "=", ":%d" % port)
    m = re.search(r"skmem:\(([^)]*)\)", txt)
    if not m:
        raise RuntimeError("no skmem in ss output:\n" + txt)
    out = {}
    for item in m.group(1).split(","):
        mm = re.match(r"([a-z]+)(\d+)$", item)
        if mm:
            out[mm.group(1)] = int(mm.group(2))
    return out


def ns_sysctl(ns, key):
    return nsexec(ns, "sysctl", "-n", key).strip()


# --------------------------------------------------------------------------
# case 1/2: UDP receive-buffer admission with no reader
# --------------------------------------------------------------------------

def run_rcvbuf_case(path, payload, so_rcvbuf, want_lo_check=False):
    nss = []
    try:
        if path == "loopback":
            ns = ns_new()
            nss = [ns]
            rx_ns = tx_ns = ns
            rx_ip = "127.0.0.1"
        else:
            a, b = make_veth_pair()
            nss = [a, b]
            tx_ns, rx_ns = a, b
            rx_ip = VETH_B_IP
        rmem_default = int(ns_sysctl(rx_ns, "net.core.rmem_default"))
        rmem_max = int(ns_sysctl(rx_ns, "net.core.rmem_max"))

        rx = udp_socket_in(rx_ns)
        tx = udp_socket_in(tx_ns)
        try:
            if so_rcvbuf is not None:
                rx.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, so_rcvbuf)
            rx.setsockopt(socket.SOL_SOCKET, SO_RXQ_OVFL, 1)
            rx.bind((rx_ip, 0))
            port = rx.getsockname()[1]
            rcvbuf_eff = rx.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
            dst = (rx_ip, port)
            data = b"\xa5" * payload

            snmp0 = read_snmp(rx_ns)
            snmp0_tx = read_snmp(tx_ns) if tx_ns != rx_ns else snmp0
            sn0 = read_softnet()
            lo0 = read_netdev(rx_ns, "lo") if want_lo_check else None

            sent = 0
            send_errors = 0
            nonsync_steps = 0
            m_prev = meminfo(rx)
            t0 = time.monotonic()
            while sent < MAX_SENDS:
                try:
                    tx.sendto(data, dst)
                except OSError:
                    send_errors += 1
                sent += 1
                m = meminfo(rx)
                events = (1 if m["rmem_alloc"] > m_prev["rmem_alloc"] else 0) \
                    + (m["drops"] - m_prev["drops"])
                if events != 1:
                    nonsync_steps += 1
                m_prev = m
                if m["drops"] >= OVERFLOW:
                    break
                if sent % PACE_EVERY == 0:
                    time.sleep(PACE_SLEEP)
            send_time = time.monotonic() - t0
            time.sleep(0.05)     # let anything asynchronous settle

            m_full = meminfo(rx)
            ssk = ss_skmem(rx_ns, port)
            snmp1 = read_snmp(rx_ns)
            sn1 = read_softnet()
            lo1 = read_netdev(rx_ns, "lo") if want_lo_check else None

            # drain
            read_back = 0
            bad_len = 0
            max_ovfl_seen = None
            while True:
                try:
                    d, anc, flags, _ = rx.recvmsg(65536, socket.CMSG_SPACE(4),
                                                 socket.MSG_DONTWAIT)
                except BlockingIOError:
                    break
                read_back += 1
                if len(d) != payload:
                    bad_len += 1
                for lvl, typ, cd in anc:
                    if lvl == socket.SOL_SOCKET and typ == SO_RXQ_OVFL:
                        v = struct.unpack("I", cd[:4])[0]
                        max_ovfl_seen = v if max_ovfl_seen is None else max(max_ovfl_seen, v)
            snmp2 = read_snmp(rx_ns)
            snmp2_tx = read_snmp(tx_ns) if tx_ns != rx_ns else snmp2
            m_after = meminfo(rx)

            # probe: one more datagram into the now-empty socket; its
            # SO_RXQ_OVFL ancillary value is sk_drops at its enqueue time.
            probe_ovfl = None
            tx.sendto(b"p", dst)
            time.sleep(0.01)
            try:
                d, anc, flags, _ = rx.recvmsg(64, socket.CMSG_SPACE(4),
                                             socket.MSG_DONTWAIT)
                for lvl, typ, cd in anc:
                    if lvl == socket.SOL_SOCKET and typ == SO_RXQ_OVFL:
                        probe_ovfl = struct.unpack("I", cd[:4])[0]
            except BlockingIOError:
                probe_ovfl = "lost"
        finally:
            rx.close()
            tx.close()

        skmem_r = m_full["rmem_alloc"]
        if read_back:
            ts = skmem_r / read_back
            truesize = int(ts) if ts == int(ts) else round(ts, 2)
        else:
            truesize = ""
        row = {
            "path": path,
            "payload": payload,
            "so_rcvbuf_set": "" if so_rcvbuf is None else so_rcvbuf,
            "rcvbuf_effective": rcvbuf_eff,
            "sent": sent,
            "read_back": read_back,
            "in_datagrams": snmp_delta(snmp0, snmp2, "Udp", "InDatagrams"),
            "rcvbuf_errors": snmp_delta(snmp0, snmp2, "Udp", "RcvbufErrors"),
            "in_errors": snmp_delta(snmp0, snmp2, "Udp", "InErrors"),
            "sk_drops": m_full["drops"],
            "skmem_r": skmem_r,
            "truesize": truesize,
        }
        extra = {
            "noports": snmp_delta(snmp0, snmp2, "Udp", "NoPorts"),
            "mem_errors": snmp_delta(snmp0, snmp2, "Udp", "MemErrors"),
            "in_datagrams_before_drain": snmp_delta(snmp0, snmp1, "Udp", "InDatagrams"),
            "rcvbuf_errors_before_drain": snmp_delta(snmp0, snmp1, "Udp", "RcvbufErrors"),
            "tx_out_datagrams": snmp_delta(snmp0_tx, snmp2_tx, "Udp", "OutDatagrams"),
            "tx_sndbuf_errors": snmp_delta(snmp0_tx, snmp2_tx, "Udp", "SndbufErrors"),
            "send_errors": send_errors,
            "nonsync_steps": nonsync_steps,
            "ss_r": ssk.get("r"), "ss_rb": ssk.get("rb"), "ss_d": ssk.get("d"),
            "ss_f": ssk.get("f"),
            "meminfo_rcvbuf": m_full["rcvbuf"],
            "fwd_alloc_full": m_full["fwd_alloc"],
            "rmem_after_drain": m_after["rmem_alloc"],
            "bad_len": bad_len,
            "rxq_ovfl_max_during_drain": max_ovfl_seen,
            "rxq_ovfl_probe": probe_ovfl,
            "softnet_dropped_delta": softnet_col_sum(sn1, 1) - softnet_col_sum(sn0, 1),
            "softnet_squeeze_delta": softnet_col_sum(sn1, 2) - softnet_col_sum(sn0, 2),
            "rmem_default": rmem_default,
            "rmem_max": rmem_max,
            "send_time_s": round(send_time, 4),
        }
        lo = None
        if want_lo_check:
            lo = {k: lo1[k] - lo0[k] for k in lo0}
        return row, extra, lo
    finally:
        for ns in nss:
            ns_del(ns)


# --------------------------------------------------------------------------
# case 3: NoPorts / ICMP port unreachable
# --------------------------------------------------------------------------

def run_noports_case(path, k=K_NOPORTS):
    nss = []
    try:
        if path == "loopback":
            ns = ns_new()
            nss = [ns]
            tx_ns = rx_ns = ns
            dst_ip = "127.0.0.1"
        else:
            a, b = make_veth_pair()
            nss = [a, b]
            tx_ns, rx_ns = a, b
            dst_ip = VETH_B_IP
        sysctls = {key: ns_sysctl(rx_ns, key) for key in (
            "net.ipv4.icmp_ratelimit", "net.ipv4.icmp_ratemask",
            "net.ipv4.icmp_msgs_per_sec", "net.ipv4.icmp_msgs_burst")}
        port = 33333   # nothing is bound in a fresh namespace
        tx = udp_socket_in(tx_ns)
        try:
            tx.bind(("0.0.0.0", 0))
            r0 = read_snmp(rx_ns)
            t0s = read_snmp(tx_ns) if tx_ns != rx_ns else r0
            sent = 0
            errs = 0
            t0 = time.monotonic()
            for _ in range(k):
                try:
                    tx.sendto(b"x" * 64, (dst_ip, port))
                except OSError:
                    errs += 1   # unconnected socket: should not happen
                sent += 1
            elapsed = time.monotonic() - t0
            time.sleep(0.2)
            r1 = read_snmp(rx_ns)
            t1s = read_snmp(tx_ns) if tx_ns != rx_ns else r1
        finally:
            tx.close()
        row = {
            "path": path,
            "sent": sent,
            "noports": snmp_delta(r0, r1, "Udp", "NoPorts"),
            "out_dest_unreachs": snmp_delta(r0, r1, "Icmp", "OutDestUnreachs"),
            "ratelimit_host": snmp_delta(r0, r1, "Icmp", "OutRateLimitHost"),
            "ratelimit_global": snmp_delta(r0, r1, "Icmp", "OutRateLimitGlobal"),
        }
        extra = {
            "icmp_out_msgs": snmp_delta(r0, r1, "Icmp", "OutMsgs"),
            "icmpmsg_out_type3": snmp_delta(r0, r1, "IcmpMsg", "OutType3"),
            "udp_in_errors": snmp_delta(r0, r1, "Udp", "InErrors"),
            "sender_icmp_in_dest_unreachs": snmp_delta(t0s, t1s, "Icmp", "InDestUnreachs"),
            "send_errors": errs,
            "send_time_s": round(elapsed, 4),
            "ratelimit_fields_present": ("OutRateLimitHost" in r0.get("Icmp", {}) and
                                         "OutRateLimitGlobal" in r0.get("Icmp", {})),
        }
        extra.update({"sysctl:" + k2: v for k2, v in sysctls.items()})
        return row, extra
    finally:
        for ns in nss:
            ns_del(ns)


# --------------------------------------------------------------------------
# analysis and report
# --------------------------------------------------------------------------

RCV_COLS = ["path", "payload", "so_rcvbuf_set", "rcvbuf_effective", "sent",
            "read_back", "in_datagrams", "rcvbuf_errors", "in_errors",
            "sk_drops", "skmem_r", "truesize"]
NOP_COLS = ["path", "sent", "noports", "out_dest_unreachs", "ratelimit_host",
            "ratelimit_global"]


def write_csv(fn, cols, rows):
    with open(fn, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols, lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({c: ("" if r.get(c) is None else r.get(c)) for c in cols})


def kernel_hz():
    try:
        with gzip.open("/proc/config.gz", "rt") as f:
            for line in f:
                if line.startswith("CONFIG_HZ="):
                    return line.strip().split("=")[1], "/proc/config.gz"
    except OSError:
        pass
    rel = platform.release()
    for fn in ["/boot/config-" + rel]:
        try:
            with open(fn) as f:
                for line in f:
                    if line.startswith("CONFIG_HZ="):
                        return line.strip().split("=")[1], fn
        except OSError:
            pass
    return "unknown", None


def kconfig(keys):
    out = {}
    try:
        with gzip.open("/proc/config.gz", "rt") as f:
            for line in f:
                for k in keys:
                    if line.startswith(k + "="):
                        out[k] = line.strip().split("=", 1)[1]
    except OSError:
        pass
    return out


def analyse(rows):
    """Admission rule checks. Returns dict of findings."""
    a_ok, a_bad = [], []      # read_back == max(1, R // T)
    b_ok = 0                  # read_back == R // T + 1
    acct_bad = []
    for r in rows:
        R = r["rcvbuf_effective"]
        n = r["read_back"]
        T = r["truesize"]
        if not isinstance(T, int) or n == 0:
            a_bad.append((r, "truesize not an integer: %r" % (T,)))
            continue
        pred = max(1, R // T)
        (a_ok if n == pred else a_bad).append(r if n == pred else (r, pred))
        if n == R // T + 1:
            b_ok += 1
        # accounting: every sent datagram is either read back or counted
        if not (r["sent"] == n + r["rcvbuf_errors"] and
                r["rcvbuf_errors"] == r["sk_drops"] == r["in_errors"] and
                r["in_datagrams"] == n):
            acct_bad.append(r)
    return {"formula_ok": len(a_ok), "formula_bad": a_bad,
            "alt_plus1_ok": b_ok, "acct_bad": acct_bad}


def model_truesize(s, small_head):
    """truesize of a linear locally-built UDP skb (kernel-facts.md section 7 (b))."""
    obj = ((s + 59 + 63) // 64) * 64 + 320
    if obj <= small_head:
        head = small_head
    else:
        head = 1
        while head < obj:
            head *= 2
    return head + 256


def truesize_table(rows):
    t = {}
    for r in rows:
        t.setdefault(r["payload"], {}).setdefault(r["path"], set()).add(r["truesize"])
    return t


def fmt_set(s):
    if not s:
        return "-"
    return "/".join(str(x) for x in sorted(s, key=str))


def write_readme(outdir, meta, rcv_rows, rcv_all, nop_rows, nop_all, diffs, lo_check):
    an = analyse(rcv_rows)
    an_all = analyse([r for r, _ in rcv_all])
    tt = truesize_table(rcv_rows)
    L = []
    w = L.append
    w("# Kernel reference measurements: UDP receive-buffer admission, truesize, NoPorts")
    w("")
    w("Generated by `measure.py` in this directory. Do not edit by hand; re-run instead.")
    w("")
    w('All measurements were taken on the development VM (Linux 6.18.44, HZ 250) in fresh network')
    w('namespaces; each script says how to re-run it, and the tests named compare the simulator with')
    w('its CSV. The scripts share `knetns.py`.')
    w('')
    w('| script | data | compared by |')
    w('|---|---|---|')
    w('| `measure.py` | `udp_rcvbuf.csv`, `noports.csv` (this first part) | `tests/test_models.c`, `tests/test_kernel_tx.c` |')
    w('| `measure_tx.py` | `udp_tx_qdisc.csv` | `tests/test_kernel_tx.c` |')
    w('| `measure_frag.py` | `frag.csv` | `tests/test_frag.c` |')
    w('| `measure_route_err.py` | `route_err.csv` | `tests/test_route_err.c` |')
    w('| `measure_veth_napi.py` | `veth_napi.csv` | `tests/test_veth.c` |')
    w('| `measure_ip_error.py` | `ip_error.csv` | `tests/test_route_err.c` |')
    w('| `measure_payload.py` | `payload.csv` (every payload 0..65507, loopback and veth) | `tests/test_payload.c` |')
    w('| `measure_fib.py` | `fib_trie.csv` (the kernel's LPC-trie for 10 to 10^6 routes) | `tests/test_route.c` |')
    w('| `measure_htb.py` | `htb_rate.csv`, `htb_class_dump.txt` (htb on a veth: shaped rates over 2 s, '
      'the `tc -s class show` text of a fresh tree) | `tests/test_qdisc_class.c` |')
    w('| `measure_veth_ring.py` | `veth_ring.csv` (varies run to run) | docs/model.md (the rules it confirmed are unit-tested) |')
    w('')
    w("## Environment")
    w("")
    w("| Item | Value |")
    w("|---|---|")
    w("| Kernel (`uname -r`) | `%s` |" % meta["uname_r"])
    w("| Machine | %s, %s CPUs, NUMA nodes online: %s |" % (
        meta["machine"], meta["ncpu"], meta["numa_nodes_online"]))
    w("| CONFIG_HZ | %s (from %s) |" % (meta["hz"], meta["hz_source"] or "not discoverable"))
    w("| Other config | %s |" % ", ".join("%s=%s" % kv for kv in sorted(meta["kconfig"].items())))
    w("| Date (UTC) | %s |" % meta["date"])
    w("| Runs per configuration | %d |" % meta["runs"])
    w("| net.core.rmem_default in each fresh namespace | %s |" % fmt_set(meta["rmem_default_seen"]))
    w("| net.core.rmem_max in each fresh namespace | %s |" % fmt_set(meta["rmem_max_seen"]))
    w("| ICMP sysctls (fresh namespace) | %s |" % ", ".join(
        "%s=%s" % (k.split(":", 1)[1], v) for k, v in sorted(meta["icmp_sysctls"].items())))
    w("")
    w("The sysctls were recorded and left as they were (not changed). "
      "SO_RCVBUF=500000 is below rmem_max, so it is not clamped here.")
    w("")
    w("## Regenerate")
    w("")
    w("```")
    w("sudo python3 tests/kernel-ref/measure.py")
    w("```")
    w("")
    w("Needs root, `ip` (iproute2), `ss`, `sysctl`, python3 (stdlib only) and veth support. "
      "Every case runs in fresh network namespaces (`kref<pid>-N`) that are deleted "
      "afterwards, also on error. Loopback cases: sender and receiver in one namespace, "
      "127.0.0.1. Veth cases: sender in namespace A (10.201.0.1), receiver in namespace B "
      "(10.201.0.2), static permanent neighbour entries (no ARP), IPv6 disabled in both; "
      "veth payloads are <= 1472 so nothing is fragmented. Runtime is a few minutes.")
    w("")
    w("## Method (udp_rcvbuf.csv)")
    w("")
    w("For each case: create the namespace(s), open the receiver UDP socket, optionally "
      "`setsockopt(SO_RCVBUF, v)`, bind, and never read while sending. A blocking sender "
      "sends datagrams of `payload` bytes one by one; after every send the receiver's "
      "`SO_MEMINFO` is read, and sending stops once the socket has counted %d drops "
      "(so `sent` = capacity + %d). A 0.5 ms pause follows every %d sends. Then "
      "`SO_MEMINFO` and `ss -u -a -m -n` are read (before draining), the socket is drained "
      "with `recvmsg(MSG_DONTWAIT)` and /proc/net/snmp is read again. Counter deltas are "
      "taken inside the receiver's namespace." % (OVERFLOW, OVERFLOW, PACE_EVERY))
    w("")
    w("Delivery was checked to be synchronous: after each `sendto()` returned, exactly one "
      "of (rmem grew, drops +1) had happened. Steps where this did not hold: %d in total "
      "(column `nonsync_steps` in udp_rcvbuf_runs.csv)." %
      sum(e["nonsync_steps"] for _, e in rcv_all))
    w("")
    w("### Columns of udp_rcvbuf.csv (run 1)")
    w("")
    w("| Column | Meaning |")
    w("|---|---|")
    w("| path | `loopback` (one netns, 127.0.0.1) or `veth` (netns A -> veth -> netns B) |")
    w("| payload | UDP payload bytes per datagram |")
    w("| so_rcvbuf_set | value passed to setsockopt(SO_RCVBUF); empty = not set (default) |")
    w("| rcvbuf_effective | getsockopt(SO_RCVBUF) afterwards (= sk_rcvbuf = ss `rb`) |")
    w("| sent | datagrams sent (all `sendto()` calls succeeded) |")
    w("| read_back | datagrams read back by draining with MSG_DONTWAIT |")
    w("| in_datagrams | delta of Udp InDatagrams (receiver netns), taken after draining |")
    w("| rcvbuf_errors | delta of Udp RcvbufErrors |")
    w("| in_errors | delta of Udp InErrors |")
    w("| sk_drops | socket drop count (sk_drops: SO_MEMINFO drops = ss skmem `d`), before draining |")
    w("| skmem_r | sk_rmem_alloc before draining (SO_MEMINFO rmem_alloc = ss skmem `r`) |")
    w("| truesize | skmem_r / read_back: bytes charged per queued datagram |")
    w("")
    w("udp_rcvbuf_runs.csv has every run plus: `run`, Udp `noports` and `mem_errors` deltas, "
      "InDatagrams/RcvbufErrors before draining, sender-side OutDatagrams/SndbufErrors, "
      "`send_errors`, `nonsync_steps`, the `ss` skmem r/rb/d/f fields, SO_MEMINFO rcvbuf and "
      "forward_alloc, rmem after draining, `rxq_ovfl_max_during_drain` (largest SO_RXQ_OVFL "
      "ancillary value on the drained datagrams), `rxq_ovfl_probe` (SO_RXQ_OVFL of one extra "
      "datagram sent after draining, i.e. the socket's total drop count), global softnet_stat "
      "dropped/time_squeeze deltas, the namespace's rmem_default/rmem_max, and send time.")
    w("")
    w("## Results")
    w("")
    w("### Admission rule")
    w("")
    n = len(rcv_rows)
    w("Rows (run 1): %d (%d loopback, %d veth)." % (
        n, sum(1 for r in rcv_rows if r["path"] == "loopback"),
        sum(1 for r in rcv_rows if r["path"] == "veth")))
    w("")
    w("- `read_back == max(1, floor(rcvbuf_effective / truesize))` holds in **%d of %d** rows "
      "(all runs: %d of %d)." % (an["formula_ok"], n, an_all["formula_ok"], len(rcv_all)))
    if an["formula_bad"]:
        w("- Exceptions (run 1):")
        w("")
        w("| path | payload | so_rcvbuf_set | rcvbuf_effective | truesize | read_back | formula |")
        w("|---|---|---|---|---|---|---|")
        for item in an["formula_bad"]:
            r, pred = item
            w("| %s | %s | %s | %s | %s | %s | %s |" % (
                r["path"], r["payload"], r["so_rcvbuf_set"], r["rcvbuf_effective"],
                r["truesize"], r["read_back"], pred))
        w("")
    else:
        w("- There are no exceptions.")
    w("- The alternative `floor(R/T) + 1` (\"admit while rmem <= R\", i.e. overshoot by one) "
      "matches in %d of %d rows; the two formulas agree only when T > R, so it fails "
      "wherever they differ." % (an["alt_plus1_ok"], n))
    if not an_all["formula_bad"]:
        w("- Equivalently: a datagram of truesize T is admitted iff `rmem + T <= rcvbuf` or "
          "the receive queue is empty (rmem == 0); the buffer is never overshot except by "
          "one datagram that is larger than the whole buffer.")
    exact = [r for r in rcv_rows if isinstance(r["truesize"], int) and
             r["rcvbuf_effective"] % r["truesize"] == 0 and
             r["rcvbuf_effective"] // r["truesize"] > 1]
    if exact:
        w("- Boundary `rmem + T == R`: in %d rows R is an exact multiple of T (e.g. %s), and "
          "read_back = R/T in %d of them, so a datagram that fills the buffer exactly is "
          "admitted (the test is `<=`, not `<`)." % (
              len(exact), ", ".join("%s S=%s R=%s T=%s" % (
                  r["path"], r["payload"], r["rcvbuf_effective"], r["truesize"])
                  for r in exact[:3]),
              sum(1 for r in exact if r["read_back"] == r["rcvbuf_effective"] // r["truesize"])))
    over = [r for r in rcv_rows if isinstance(r["truesize"], int) and
            r["truesize"] > r["rcvbuf_effective"]]
    if over:
        w("- Rows where one datagram is larger than rcvbuf (T > R) and exactly one was "
          "admitted: %d (%s)." % (sum(1 for r in over if r["read_back"] == 1), ", ".join(
              "%s S=%s SO_RCVBUF=%s R=%s T=%s" % (r["path"], r["payload"],
                                                  r["so_rcvbuf_set"], r["rcvbuf_effective"],
                                                  r["truesize"])
              for r in over)))
    if an["acct_bad"] or an_all["acct_bad"]:
        w("- Accounting exceptions (sent != read_back + rcvbuf_errors, or RcvbufErrors, "
          "InErrors, sk_drops differ, or InDatagrams != read_back):")
        for r in an_all["acct_bad"]:
            w("  - %s" % json.dumps(r))
    else:
        w("- Accounting holds in every row of every run: `sent = read_back + rcvbuf_errors`, "
          "`rcvbuf_errors = in_errors = sk_drops` (every refused datagram adds 1 to "
          "RcvbufErrors, 1 to InErrors and 1 to sk_drops), `in_datagrams = read_back` "
          "(InDatagrams is counted by recvmsg: its delta before draining was %s), "
          "Udp NoPorts/MemErrors deltas %s, sender SndbufErrors %s, softnet_stat dropped "
          "delta %s." % (
              fmt_set({e["in_datagrams_before_drain"] for _, e in rcv_all}),
              fmt_set({e["noports"] for _, e in rcv_all} | {e["mem_errors"] for _, e in rcv_all}),
              fmt_set({e["tx_sndbuf_errors"] for _, e in rcv_all}),
              fmt_set({e["softnet_dropped_delta"] for _, e in rcv_all})))
    ssdiff = [(r, e) for r, e in rcv_all if (e["ss_r"], e["ss_rb"], e["ss_d"]) !=
              (r["skmem_r"], r["rcvbuf_effective"], r["sk_drops"])]
    w("- `ss` skmem r/rb/d equal SO_MEMINFO rmem_alloc/rcvbuf/drops in %d of %d runs." % (
        len(rcv_all) - len(ssdiff), len(rcv_all)))
    w("- SO_RXQ_OVFL: the value attached to a datagram is the socket's drop count at *its* "
      "enqueue time, and the kernel attaches the cmsg only when that count is non-zero. "
      "Largest value seen on the drained datagrams: %s (`none` = no cmsg on any of them; all "
      "drops came after the last admitted datagram). "
      "The probe datagram sent after draining carried SO_RXQ_OVFL = sk_drops in %d of %d runs." % (
          fmt_set({("none" if e["rxq_ovfl_max_during_drain"] is None else
                    e["rxq_ovfl_max_during_drain"]) for _, e in rcv_all}),
          sum(1 for r, e in rcv_all if e["rxq_ovfl_probe"] == r["sk_drops"]), len(rcv_all)))
    w("- After draining completely, sk_rmem_alloc was %s." %
      fmt_set({e["rmem_after_drain"] for _, e in rcv_all}))
    w("")
    w("### getsockopt(SO_RCVBUF)")
    w("")
    w("| so_rcvbuf_set | rcvbuf_effective |")
    w("|---|---|")
    for v in RCVBUFS:
        key = "" if v is None else v
        effs = {r["rcvbuf_effective"] for r in rcv_rows if r["so_rcvbuf_set"] == key}
        w("| %s | %s |" % ("unset" if v is None else v, fmt_set(effs)))
    w("")
    w("This matches `max(2*min(v, rmem_max), 2304)` when set, and rmem_default (not "
      "doubled) when unset.")
    w("")
    w("### truesize T by payload size (skmem_r / read_back)")
    w("")
    w("| payload S | loopback T | veth T |")
    w("|---|---|---|")
    for s in sorted(tt):
        w("| %d | %s | %s |" % (s, fmt_set(tt[s].get("loopback", set())),
                               fmt_set(tt[s].get("veth", set()))))
    w("")
    w("Each cell is the set of values over all %d SO_RCVBUF settings; a single number means "
      "it did not depend on the buffer size. Consecutive measured payloads with the same "
      "loopback T:" % len({r["so_rcvbuf_set"] for r in rcv_rows}))
    w("")
    # derive ranges from the loopback column
    lt = [(s, next(iter(tt[s]["loopback"]))) for s in sorted(tt)
          if len(tt[s].get("loopback", ())) == 1]
    ranges = []
    for s, t in lt:
        if ranges and ranges[-1][2] == t:
            ranges[-1][1] = s
        else:
            ranges.append([s, s, t])
    for lo_s, hi_s, t in ranges:
        w("- S = %d .. %d -> T = %s" % (lo_s, hi_s, t))
    w("")
    # compare with the model T(S) = head(S) + 256, head from kmalloc_reserve()
    for small in (576, 640):
        ok = [s for s, t in lt if t == model_truesize(s, small)]
        bad = [(s, t, model_truesize(s, small)) for s, t in lt if t != model_truesize(s, small)]
        w("- Model `T = head + 256`, `obj = ALIGN(S + 59, 64) + 320`, head = %d (small-head "
          "cache) if obj <= %d else the next power of two >= obj: matches %d of %d loopback "
          "payloads%s." % (small, small, len(ok), len(lt),
                           "" if not bad else "; differs at " + ", ".join(
                               "S=%d (measured %s, model %s)" % b for b in bad)))
    w("")
    w("### Repeatability")
    w("")
    if diffs:
        w("Runs differed in these places:")
        w("")
        for d in diffs:
            w("- %s" % d)
    else:
        w("All %d runs gave identical values in every column of udp_rcvbuf.csv and "
          "noports.csv." % meta["runs"])
    w("")
    w("## NoPorts (noports.csv)")
    w("")
    w("%d datagrams of 64 bytes sent back to back to UDP port 33333 with no socket, from an "
      "unconnected socket. Deltas in the receiving namespace (for loopback that is the "
      "single namespace)." % K_NOPORTS)
    w("")
    w("| Column | Meaning |")
    w("|---|---|")
    w("| path | loopback or veth |")
    w("| sent | datagrams sent |")
    w("| noports | Udp NoPorts delta |")
    w("| out_dest_unreachs | Icmp OutDestUnreachs delta (ICMP port unreachable actually sent) |")
    w("| ratelimit_host | Icmp OutRateLimitHost delta (per-destination limit, icmp_ratelimit) |")
    w("| ratelimit_global | Icmp OutRateLimitGlobal delta (icmp_msgs_per_sec / icmp_msgs_burst) |")
    w("")
    w("| path | run | sent | noports | out_dest_unreachs | ratelimit_host | ratelimit_global | send time (s) | sender InDestUnreachs |")
    w("|---|---|---|---|---|---|---|---|---|")
    for r, e in nop_all:
        w("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["path"], e["run"], r["sent"], r["noports"], r["out_dest_unreachs"],
            r["ratelimit_host"], r["ratelimit_global"], e["send_time_s"],
            e["sender_icmp_in_dest_unreachs"]))
    w("")
    eq = all(r["noports"] == r["out_dest_unreachs"] + r["ratelimit_host"] + r["ratelimit_global"]
             for r, _ in nop_all)
    w("- `noports = out_dest_unreachs + ratelimit_host + ratelimit_global` holds in %s run." %
      ("every" if eq else "NOT every"))
    w("- Udp InErrors delta: %s (NoPorts is not part of InErrors)." %
      fmt_set({e["udp_in_errors"] for _, e in nop_all}))
    w("")
    w("## softnet_stat and loopback counters (format check)")
    w("")
    w("- /proc/net/softnet_stat: %d rows (CPUs), %s columns per row, hex values." % (
        meta["softnet_rows"], fmt_set(meta["softnet_cols"])))
    if lo_check:
        w("- Loopback case S=%d, SO_RCVBUF unset, run 1: sent %d datagrams; `lo` in "
          "/proc/net/dev of that namespace changed by rx_packets +%d, tx_packets +%d, "
          "rx_bytes +%d, tx_bytes +%d, rx_drop +%d, tx_drop +%d; bytes per packet = %s "
          "(payload + %s), i.e. the 14-byte Ethernet header is not counted. The window runs "
          "from before the first send to before draining, so the later probe datagram is "
          "not included." % (
              lo_check["payload"], lo_check["sent"], lo_check["rx_packets"],
              lo_check["tx_packets"], lo_check["rx_bytes"], lo_check["tx_bytes"],
              lo_check["rx_drop"], lo_check["tx_drop"],
              "%g" % (lo_check["rx_bytes"] / max(1, lo_check["rx_packets"])),
              "%g" % (lo_check["rx_bytes"] / max(1, lo_check["rx_packets"]) - lo_check["payload"])))
    w("")
    w("## Files")
    w("")
    w("- `measure.py`: the script; `knetns.py`: the namespace helpers all the measure_*.py scripts share")
    w("- `udp_rcvbuf.csv`, `udp_rcvbuf_runs.csv`: receive-buffer admission (run 1 / all runs)")
    w("- `noports.csv`, `noports_runs.csv`: NoPorts / ICMP (run 1 / all runs)")
    w("- `misc.json`: environment, sysctls, softnet_stat and loopback check, run diffs")
    w("")
    # The README's later sections belong to the other measure_*.py scripts
    # (they start at measure_tx.py's marker): keep them, rewrite only ours.
    fn = os.path.join(outdir, "README.md")
    rest = ""
    if os.path.exists(fn):
        with open(fn) as f:
            old = f.read()
        i = old.find("<!-- measure_tx.py: begin generated section -->")
        if i >= 0:
            rest = old[i:]
    with open(fn, "w") as f:
        f.write("\n".join(L))
        if rest:
            f.write("\n" + rest)


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--quick", action="store_true",
                    help="small subset of sizes, for testing the script")
    ap.add_argument("--out", default=HERE)
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("must run as root")
    os.makedirs(args.out, exist_ok=True)

    payloads = PAYLOADS if not args.quick else [1, 198, 1000, 3000]
    rcvbufs = RCVBUFS if not args.quick else [None, 1, 4096]
    cases = []
    for path in ("loopback", "veth"):
        for s in payloads:
            if path == "veth" and s > VETH_MAX_PAYLOAD:
                continue
            for v in rcvbufs:
                cases.append((path, s, v))

    softnet = read_softnet()
    meta = {
        "uname_r": platform.release(),
        "machine": platform.machine(),
        "ncpu": os.cpu_count(),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ"),
        "runs": args.runs,
        "softnet_rows": len(softnet),
        "softnet_cols": {len(r) for r in softnet},
        "kconfig": kconfig(["CONFIG_NUMA", "CONFIG_NR_CPUS", "CONFIG_MAX_SKB_FRAGS",
                            "CONFIG_SLUB", "CONFIG_RPS", "CONFIG_MEMCG"]),
    }
    meta["hz"], meta["hz_source"] = kernel_hz()
    try:
        with open("/sys/devices/system/node/online") as f:
            meta["numa_nodes_online"] = f.read().strip()
    except OSError:
        meta["numa_nodes_online"] = "unknown"
    softnet_start = softnet

    rcv_all = []     # (row, extra) with extra["run"]
    nop_all = []
    lo_check = None
    try:
        for run in range(1, args.runs + 1):
            for i, (path, s, v) in enumerate(cases):
                want_lo = (run == 1 and (path, s, v) == LO_CHECK_CASE)
                row, extra, lo = run_rcvbuf_case(path, s, v, want_lo)
                extra["run"] = run
                rcv_all.append((row, extra))
                if lo is not None:
                    lo_check = dict(lo, payload=s, sent=row["sent"])
                print("run %d  %4d/%d  %-8s S=%-5d rcvbuf=%-7s R=%-7d sent=%-5d read=%-5d T=%s"
                      % (run, i + 1, len(cases), path, s, "" if v is None else v,
                         row["rcvbuf_effective"], row["sent"], row["read_back"],
                         row["truesize"]), flush=True)
            for path in ("loopback", "veth"):
                row, extra = run_noports_case(path)
                extra["run"] = run
                nop_all.append((row, extra))
                print("run %d  noports %s %s" % (run, path, row), flush=True)
    finally:
        ns_del_all()
    softnet_end = read_softnet()

    # repeatability
    diffs = []
    by_key = {}
    for r, e in rcv_all:
        by_key.setdefault((r["path"], r["payload"], r["so_rcvbuf_set"]), []).append(r)
    for k, rs in by_key.items():
        for r in rs[1:]:
            for c in RCV_COLS:
                if r[c] != rs[0][c]:
                    diffs.append("udp_rcvbuf %s: column %s: run1=%s, later run=%s" %
                                 (k, c, rs[0][c], r[c]))
    nby = {}
    for r, e in nop_all:
        nby.setdefault(r["path"], []).append(r)
    for k, rs in nby.items():
        for r in rs[1:]:
            for c in NOP_COLS:
                if r[c] != rs[0][c]:
                    diffs.append("noports %s: column %s: run1=%s, later run=%s" %
                                 (k, c, rs[0][c], r[c]))

    rcv_rows = [r for r, e in rcv_all if e["run"] == 1]
    nop_rows = [r for r, e in nop_all if e["run"] == 1]
    meta["rmem_default_seen"] = {e["rmem_default"] for _, e in rcv_all}
    meta["rmem_max_seen"] = {e["rmem_max"] for _, e in rcv_all}
    meta["icmp_sysctls"] = {k: v for k, v in nop_all[0][1].items() if k.startswith("sysctl:")}

    write_csv(os.path.join(args.out, "udp_rcvbuf.csv"), RCV_COLS, rcv_rows)
    ext_cols = ["run"] + RCV_COLS + [k for k in rcv_all[0][1] if k != "run"]
    write_csv(os.path.join(args.out, "udp_rcvbuf_runs.csv"), ext_cols,
              [dict(r, **e) for r, e in rcv_all])
    write_csv(os.path.join(args.out, "noports.csv"), NOP_COLS, nop_rows)
    next_cols = ["run"] + NOP_COLS + [k for k in nop_all[0][1] if k != "run"]
    write_csv(os.path.join(args.out, "noports_runs.csv"), next_cols,
              [dict(r, **e) for r, e in nop_all])
    misc = {
        "meta": {k: (sorted(v) if isinstance(v, set) else v) for k, v in meta.items()},
        "softnet_stat": {
            "columns_per_row": sorted(meta["softnet_cols"]),
            "rows": meta["softnet_rows"],
            "dropped_delta_whole_run": softnet_col_sum(softnet_end, 1) - softnet_col_sum(softnet_start, 1),
            "time_squeeze_delta_whole_run": softnet_col_sum(softnet_end, 2) - softnet_col_sum(softnet_start, 2),
        },
        "loopback_dev_check": lo_check,
        "repeatability_diffs": diffs,
        "admission_formula_exceptions_run1": [
            {"row": x[0], "formula": x[1]} for x in analyse(rcv_rows)["formula_bad"]],
    }
    with open(os.path.join(args.out, "misc.json"), "w") as f:
        json.dump(misc, f, indent=1, sort_keys=True)
        f.write("\n")
    write_readme(args.out, meta, rcv_rows, rcv_all, nop_rows, nop_all, diffs, lo_check)
    print("wrote results to %s; %d repeatability differences" % (args.out, len(diffs)))


if __name__ == "__main__":
    try:
        main()
    finally:
        ns_del_all()
