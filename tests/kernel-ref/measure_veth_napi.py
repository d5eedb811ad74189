#!/usr/bin/env python3
"""Reference measurements of veth's NAPI receive mode on the real kernel, for
skbsim.

Run as root:   sudo python3 tests/kernel-ref/measure_veth_napi.py
(options: --runs N (default 2), --out DIR)

Background (drivers/net/veth.c): veth_xmit() hands the skb to the peer's NAPI
(ptr_ring of 256 entries per rx queue, drained by veth_poll() in NET_RX
softirq, packets go through napi_gro_receive) only when the receiving veth has
rq->napi (GRO enabled on it, or an XDP program attached) AND
veth_skb_is_eligible_for_gro(): XDP attached, or the SENDING veth has no TSO,
or (skb->destructor == sock_wfree and the receiving veth has rx-gro-list or
rx-udp-gro-forwarding). Otherwise the skb goes through __netif_rx (per-CPU
backlog). `ethtool -S <receiving veth>` counts NAPI-mode packets in
rx_queue_<n>_xdp_packets (also without an XDP program); in backlog mode they
stay 0.

Every case uses two fresh network namespaces, names starting with
"kvn<pid>-", deleted afterwards (also on error); no traffic leaves them:
  A  veth a0 10.79.0.1/24   sender (UDP socket, one sendto() per datagram)
  B  veth b0 10.79.0.2/24   receiver (UDP socket bound to 10.79.0.2:5000)
Fixed MAC addresses, permanent neighbour entries (no ARP), IPv6 off.

Part 1, mode selection (case names "mode.<x>"). Configurations of b0/a0:
  a default               b gro on on b0           c b + rx-udp-gro-forwarding on b0
  d b + rx-gro-list on b0 e b + tso off on a0      f XDP pass program on b0 (gro off)
  g XDP pass program on b0 + gro on
The receiver has SO_RCVBUF 4 MB and reads everything; A sends 100 datagrams of
100 bytes. Recorded (deltas): xdp_packets (sum of b0's rx_queue_*_xdp_packets
from ethtool -S), b0_/a0_ rx_packets, tx_packets, rx_dropped, tx_dropped
(/sys/class/net/<dev>/statistics), every other non-zero ethtool -S b0 delta
(b0_ethtool.<name>), received (datagrams read by the socket), udp_in_datagrams
(Udp InDatagrams in B). `ethtool -k` lines of b0 (gro, rx-gro-list,
rx-udp-gro-forwarding) and a0 (tcp-segmentation-offload) are written per case
to veth_napi_meta.json.

Part 2, admission into a socket with NO reader (case names
"admit.<mode>.p<payload>.rb<so_rcvbuf>"). Modes: backlog (default config),
napi_grolist (gro on + rx-gro-list on b0), napi_tsooff (gro on on b0 + tso off
on a0), napi_xdp (XDP pass on b0). Payloads 1, 100, 1000, 1472; SO_RCVBUF
2304, 10000, 100000 set on the receiver. A sends datagrams one by one until
the receiver's SO_MEMINFO drops reach 20. Recorded: sent, drops, admitted
(= sent - drops), rmem_alloc (SO_MEMINFO), truesize (= rmem_alloc / admitted),
rcvbuf_effective (getsockopt SO_RCVBUF), nonsync_steps (sends after which
neither rmem_alloc grew nor drops grew by exactly one, i.e. delivery was not
finished when sendto() returned), truesize_min / truesize_max and
truesize_step.<T> (number of sends that grew rmem_alloc by exactly T bytes,
i.e. per-skb truesize), xdp_packets, send_sleep_us (0, or 1000 if
the first attempt had nonsync steps and the case was re-run on fresh
namespaces with a 1 ms sleep after each send; the first attempt's count is
then kept as nonsync_steps_nosleep).

XDP: a pass program (XDP_PASS = 2) is compiled at run time from the C source
embedded below with `clang -O2 -target bpf` into a temporary directory and
attached with `ip link set dev b0 xdpdrv obj ... sec xdp` (fallback `xdp`).
If that fails the XDP cases are skipped (recorded in the meta file).

Output: veth_napi.csv (case,counter,value; run 1), veth_napi_meta.json
(environment, per-case ethtool -k lines, XDP attach method, differences
between runs). Only the Python standard library; shells out to ip, ethtool,
sysctl, cat and clang.
"""
import argparse
import csv
import datetime
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

from knetns import Netns, meminfo, nsexec, sh, udp_socket_in, veth_link

HERE = os.path.dirname(os.path.abspath(__file__))
PREFIX = "kvn%d-" % os.getpid()
_NETNS = Netns(PREFIX)
ns_del_all = _NETNS.delete_all
nsx = nsexec


def ns_new():
    return _NETNS.new(no_ipv6=True)


A_IP, B_IP = "10.79.0.1", "10.79.0.2"
A_MAC, B_MAC = "02:00:0a:4f:00:01", "02:00:0a:4f:00:02"
PORT = 5000

N_MODE = 100
MODE_PAYLOAD = 100
MODE_RCVBUF = 4 << 20
MODE_CONFIGS = [
    ("a_default", []),
    ("b_gro", ["gro"]),
    ("c_gro_udpfwd", ["gro", "udpfwd"]),
    ("d_gro_grolist", ["gro", "grolist"]),
    ("e_gro_tsooff", ["gro", "tsooff"]),
    ("f_xdp", ["xdp"]),
    ("g_xdp_gro", ["xdp", "gro"]),
]
ADMIT_MODES = [
    ("backlog", []),
    ("napi_grolist", ["gro", "grolist"]),
    ("napi_tsooff", ["gro", "tsooff"]),
    ("napi_xdp", ["xdp"]),
]
ADMIT_PAYLOADS = [1, 100, 1000, 1472]
ADMIT_RCVBUFS = [2304, 10000, 100000]
ADMIT_DROPS = 20
MAX_SENDS = 20000
SYNC_SLEEP = 0.001

XDP_C = r'''
#define SEC(n) __attribute__((section(n), used))
SEC("xdp") int pass(void *ctx) { return 2; /* XDP_PASS */ }
char _license[] SEC("license") = "GPL";
'''

XDP = {"obj": None, "method": None, "error": None}


def make_pair():
    a, b = ns_new(), ns_new()
    veth_link(a, b, (("a0", A_IP, A_MAC), ("b0", B_IP, B_MAC)), no_ipv6=False)
    return a, b


def xdp_attach(b):
    sh("ip", "-n", b, "link", "set", "dev", "b0", "xdpgeneric", "off", check=False)
    errors = []
    for method in (XDP["method"],) if XDP["method"] else ("xdpdrv", "xdp"):
        p = subprocess.run(["ip", "-n", b, "link", "set", "dev", "b0", method, "obj",
                            XDP["obj"], "sec", "xdp"], capture_output=True, text=True)
        if p.returncode == 0:
            return method
        errors.append("%s: %s" % (method, p.stderr.strip()))
    raise RuntimeError("XDP attach failed: " + " | ".join(errors))


def configure(a, b, steps):
    """Apply config steps; XDP first (as in the case descriptions), then ethtool."""
    if "xdp" in steps:
        xdp_attach(b)
    if "gro" in steps:
        nsx(b, "ethtool", "-K", "b0", "gro", "on")
    if "udpfwd" in steps:
        nsx(b, "ethtool", "-K", "b0", "rx-udp-gro-forwarding", "on")
    if "grolist" in steps:
        nsx(b, "ethtool", "-K", "b0", "rx-gro-list", "on")
    if "tsooff" in steps:
        nsx(a, "ethtool", "-K", "a0", "tso", "off")


def ethtool_k(ns, dev, names):
    out = nsx(ns, "ethtool", "-k", dev)
    lines = {}
    for line in out.splitlines():
        k = line.strip().split(":")[0]
        if k in names:
            lines[k] = line.strip()
    return lines


def ethtool_S(ns, dev):
    out = nsx(ns, "ethtool", "-S", dev)
    vals = {}
    for line in out.splitlines()[1:]:
        k, _, v = line.strip().partition(":")
        try:
            vals[k.strip()] = int(v)
        except ValueError:
            pass
    return vals


def xdp_packets(stats):
    return sum(v for k, v in stats.items() if re.match(r"rx_queue_\d+_xdp_packets$", k))


STAT_NAMES = ["rx_packets", "tx_packets", "rx_dropped", "tx_dropped"]


def sysfs_stats(ns, dev):
    files = ["/sys/class/net/%s/statistics/%s" % (dev, n) for n in STAT_NAMES]
    vals = nsx(ns, "cat", *files).split()
    return dict(zip(STAT_NAMES, (int(v) for v in vals)))


def udp_snmp(ns):
    lines = [l for l in nsx(ns, "cat", "/proc/net/snmp").splitlines() if l.startswith("Udp:")]
    return dict(zip(lines[0].split()[1:], (int(x) for x in lines[1].split()[1:])))


def case_meta(a, b):
    return {
        "b0": ethtool_k(b, "b0", ("generic-receive-offload", "rx-gro-list",
                                  "rx-udp-gro-forwarding")),
        "a0": ethtool_k(a, "a0", ("tcp-segmentation-offload",)),
        "b0_xdp": "prog/xdp" in sh("ip", "-n", b, "-d", "link", "show", "b0"),
    }


# --------------------------------------------------------------------------
# part 1: mode selection
# --------------------------------------------------------------------------

def run_mode_case(name, steps):
    try:
        a, b = make_pair()
        tso_before = ethtool_k(a, "a0", ("tcp-segmentation-offload",))
        configure(a, b, steps)
        meta = case_meta(a, b)
        meta["a0_tso_before_config"] = tso_before
        rx = udp_socket_in(b)
        tx = udp_socket_in(a)
        try:
            rx.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, MODE_RCVBUF)
            rx.bind((B_IP, PORT))
            s0 = ethtool_S(b, "b0")
            n0 = {"a0": sysfs_stats(a, "a0"), "b0": sysfs_stats(b, "b0")}
            u0 = udp_snmp(b)
            data = b"m" * MODE_PAYLOAD
            send_errors = 0
            for _ in range(N_MODE):
                try:
                    tx.sendto(data, (B_IP, PORT))
                except OSError:
                    send_errors += 1
            time.sleep(0.2)
            received = 0
            rx.setblocking(False)
            try:
                while True:
                    rx.recv(65536)
                    received += 1
            except BlockingIOError:
                pass
            s1 = ethtool_S(b, "b0")
            n1 = {"a0": sysfs_stats(a, "a0"), "b0": sysfs_stats(b, "b0")}
            u1 = udp_snmp(b)
        finally:
            rx.close()
            tx.close()
    finally:
        ns_del_all()
    c = "mode." + name
    rows = [(c, "sent", N_MODE), (c, "send_errors", send_errors),
            (c, "xdp_packets", xdp_packets(s1) - xdp_packets(s0))]
    for dev in ("b0", "a0"):
        for k in STAT_NAMES:
            rows.append((c, "%s_%s" % (dev, k), n1[dev][k] - n0[dev][k]))
    rows.append((c, "received", received))
    rows.append((c, "udp_in_datagrams", u1["InDatagrams"] - u0["InDatagrams"]))
    rows.append((c, "udp_rcvbuf_errors", u1["RcvbufErrors"] - u0["RcvbufErrors"]))
    for k in sorted(s1):
        if re.match(r"rx_queue_\d+_xdp_packets$", k):
            continue
        d = s1[k] - s0.get(k, 0)
        if d and k != "peer_ifindex":
            rows.append((c, "b0_ethtool." + k, d))
    return rows, meta


# --------------------------------------------------------------------------
# part 2: admission into a socket with no reader
# --------------------------------------------------------------------------

def admit_once(steps, payload, so_rcvbuf, sleep):
    try:
        a, b = make_pair()
        configure(a, b, steps)
        meta = case_meta(a, b)
        rx = udp_socket_in(b)
        tx = udp_socket_in(a)
        try:
            rx.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, so_rcvbuf)
            rx.bind((B_IP, PORT))
            rcvbuf_eff = rx.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
            s0 = ethtool_S(b, "b0")
            data = b"\xa5" * payload
            sent = send_errors = nonsync = 0
            prev = meminfo(rx)
            steps_seen = {}
            while sent < MAX_SENDS:
                try:
                    tx.sendto(data, (B_IP, PORT))
                except OSError:
                    send_errors += 1
                sent += 1
                if sleep:
                    time.sleep(sleep)
                m = meminfo(rx)
                events = (1 if m["rmem_alloc"] > prev["rmem_alloc"] else 0) + \
                    (m["drops"] - prev["drops"])
                if events != 1:
                    nonsync += 1
                if m["rmem_alloc"] > prev["rmem_alloc"]:
                    inc = m["rmem_alloc"] - prev["rmem_alloc"]
                    steps_seen[inc] = steps_seen.get(inc, 0) + 1
                prev = m
                if m["drops"] >= ADMIT_DROPS:
                    break
            time.sleep(0.05)
            m = meminfo(rx)
            s1 = ethtool_S(b, "b0")
        finally:
            rx.close()
            tx.close()
    finally:
        ns_del_all()
    admitted = sent - m["drops"]
    ts = m["rmem_alloc"] / admitted if admitted else 0
    r = {
        "sent": sent, "send_errors": send_errors, "drops": m["drops"],
        "admitted": admitted, "rmem_alloc": m["rmem_alloc"],
        "truesize": int(ts) if ts == int(ts) else round(ts, 2),
        "rcvbuf_effective": rcvbuf_eff, "meminfo_rcvbuf": m["rcvbuf"],
        "nonsync_steps": nonsync, "xdp_packets": xdp_packets(s1) - xdp_packets(s0),
        "send_sleep_us": int(sleep * 1e6),
        "truesize_min": min(steps_seen) if steps_seen else 0,
        "truesize_max": max(steps_seen) if steps_seen else 0,
    }
    for inc, n in steps_seen.items():
        r["truesize_step.%d" % inc] = n
    return r, meta


def run_admit_case(mode, steps, payload, so_rcvbuf):
    r, meta = admit_once(steps, payload, so_rcvbuf, 0)
    if r["nonsync_steps"]:
        first = r["nonsync_steps"]
        r, meta = admit_once(steps, payload, so_rcvbuf, SYNC_SLEEP)
        r["nonsync_steps_nosleep"] = first
    c = "admit.%s.p%d.rb%d" % (mode, payload, so_rcvbuf)
    order = ["sent", "send_errors", "drops", "admitted", "rmem_alloc", "truesize",
             "rcvbuf_effective", "meminfo_rcvbuf", "nonsync_steps", "nonsync_steps_nosleep",
             "xdp_packets", "send_sleep_us", "truesize_min", "truesize_max"]
    order += sorted((k for k in r if k.startswith("truesize_step.")),
                    key=lambda k: int(k.split(".")[1]))
    return [(c, k, r[k]) for k in order if k in r], meta


# --------------------------------------------------------------------------

def setup_xdp(tmp):
    src = os.path.join(tmp, "xdp_pass.c")
    obj = os.path.join(tmp, "xdp_pass.o")
    with open(src, "w") as f:
        f.write(XDP_C)
    clang = shutil.which("clang")
    if not clang:
        XDP["error"] = "clang not found"
        return
    p = subprocess.run([clang, "-O2", "-target", "bpf", "-c", src, "-o", obj],
                       capture_output=True, text=True)
    if p.returncode:
        XDP["error"] = "clang: " + p.stderr.strip()
        return
    XDP["obj"] = obj
    try:
        a, b = make_pair()
        XDP["method"] = xdp_attach(b)
    except RuntimeError as e:
        XDP["error"] = str(e)
        XDP["obj"] = None
    finally:
        ns_del_all()


def environment():
    try:
        a, b = make_pair()
        env = {
            "uname_r": platform.release(), "machine": platform.machine(),
            "ncpu": os.cpu_count(),
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ"),
            "ip_version": sh("ip", "-V").strip(),
            "ethtool_version": sh("ethtool", "--version").strip(),
            "clang_version": (sh("clang", "--version", check=False).splitlines() or [""])[0],
            "rmem_default": int(nsx(b, "sysctl", "-n", "net.core.rmem_default")),
            "rmem_max": int(nsx(b, "sysctl", "-n", "net.core.rmem_max")),
            "b0_link_detail": sh("ip", "-n", b, "-d", "link", "show", "b0").strip(),
            "b0_ethtool_S_names": sorted(ethtool_S(b, "b0")),
            "a0_ethtool_k_default": nsx(a, "ethtool", "-k", "a0").strip().splitlines(),
        }
    finally:
        ns_del_all()
    return env


def one_run(run, admit_list):
    rows, metas = [], {}
    for name, steps in MODE_CONFIGS:
        if "xdp" in steps and not XDP["obj"]:
            continue
        r, m = run_mode_case(name, steps)
        rows += r
        metas["mode." + name] = m
        d = dict((k, v) for _, k, v in r)
        print("run %d mode.%-15s xdp_packets=%-4d b0_rx=%-4d received=%-4d InDatagrams=%d" % (
            run, name, d["xdp_packets"], d["b0_rx_packets"], d["received"],
            d["udp_in_datagrams"]), flush=True)
    for mode, steps in admit_list:
        if "xdp" in steps and not XDP["obj"]:
            continue
        for payload in ADMIT_PAYLOADS:
            for rb in ADMIT_RCVBUFS:
                r, m = run_admit_case(mode, steps, payload, rb)
                rows += r
                metas[r[0][0]] = m
                d = dict((k, v) for _, k, v in r)
                print("run %d %-32s admitted=%-4d rmem=%-7d truesize=%-7s rcvbuf=%-6d "
                      "nonsync=%d xdp=%d sleep=%d steps=%s" % (
                          run, r[0][0], d["admitted"], d["rmem_alloc"], d["truesize"],
                          d["rcvbuf_effective"], d["nonsync_steps"], d["xdp_packets"],
                          d["send_sleep_us"],
                          ",".join("%sx%d" % (k.split(".")[1], v) for k, v in d.items()
                                   if k.startswith("truesize_step."))), flush=True)
    return rows, metas


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--out", default=HERE)
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("measure_veth_napi.py: must run as root")
    tmp = tempfile.mkdtemp(prefix="kvn-xdp-")
    try:
        env = environment()
        setup_xdp(tmp)
        env["xdp_attach_method"] = XDP["method"]
        env["xdp_error"] = XDP["error"]
        env["runs"] = args.runs
        runs = []
        for run in range(1, args.runs + 1):
            runs.append(one_run(run, ADMIT_MODES))
    finally:
        ns_del_all()
        shutil.rmtree(tmp, ignore_errors=True)

    rows, metas = runs[0]
    with open(os.path.join(args.out, "veth_napi.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["case", "counter", "value"])
        w.writerows(rows)
    base = dict(((c, k), v) for c, k, v in rows)
    diffs = []
    for i, (r, m) in enumerate(runs[1:], start=2):
        for c, k, v in r:
            if base.get((c, k)) != v:
                diffs.append({"case": c, "counter": k, "run1": base.get((c, k)),
                              "run%d" % i: v})
        for c in m:
            if m[c] != metas.get(c):
                diffs.append({"case": c, "meta_differs_in_run": i})
    env["repeatability_diffs"] = diffs
    env["cases"] = metas
    with open(os.path.join(args.out, "veth_napi_meta.json"), "w") as f:
        json.dump(env, f, indent=1, sort_keys=True)
        f.write("\n")
    print("wrote veth_napi.csv (%d rows) and veth_napi_meta.json; %d differences between runs"
          % (len(rows), len(diffs)))


if __name__ == "__main__":
    try:
        main()
    finally:
        ns_del_all()
