#!/usr/bin/env python3
"""Reference sweep of the real kernel's UDP receive truesize for every payload
size 0..65507, over loopback and over veth (tests/test_payload.c compares it).

Run as root:   sudo python3 tests/kernel-ref/measure_payload.py [--out DIR] [--runs N]

Fresh network namespaces only (names "kref<pid>-N", deleted afterwards, also
on error); no traffic leaves them:
  loopback  one namespace, sender and receiver on 127.0.0.1 (lo, mtu 65536)
  veth      namespace A (va 10.202.0.1/24) -> veth -> namespace B (vb
            10.202.0.2/24), mtu 1500, permanent neighbour entries (no ARP),
            IPv6 off; default veth configuration: no XDP program, GRO off,
            so frames go through netif_rx and the per-CPU backlog (recorded).
            Payloads above 1472 (1472 + 8 + 20 = 1500) are fragmented by the
            sender and reassembled by B (ip_defrag).

For every payload the sender sends one datagram to a receiver that never reads
while it is queued; then SO_MEMINFO rmem_alloc of the receiver (= the truesize
of the one skb queued: for veth above the MTU, the reassembled skb) is read,
the datagram is drained with recv(MSG_DONTWAIT) (its length checked), and
rmem_alloc must be back to 0. One socket pair per path for the whole sweep.

Outputs (in the directory of this script unless --out is given):
  payload.csv       run 1 as runs: path,payload_from,payload_to,truesize,per_byte
                    (truesize at payload_from, + per_byte for each byte above it)
  payload_meta.json environment, the veth mode, per-run checks, run-to-run differences
  README.md         the section between the measure_payload.py markers
Only the Python standard library.
"""
import array
import datetime
import fcntl
import json
import os
import platform
import socket
import struct
import time

from knetns import Netns, meminfo, nsexec, script_args, sh, udp_socket_in, veth_link

MAX_PAYLOAD = 65507
PORT = 9999
VETH_A = ("va", "10.202.0.1", "02:00:0a:ca:00:01")
VETH_B = ("vb", "10.202.0.2", "02:00:0a:ca:00:02")
MARK_BEGIN = "<!-- measure_payload.py: begin generated section -->"
MARK_END = "<!-- measure_payload.py: end generated section -->"
SIOCETHTOOL = 0x8946
ETHTOOL_GGRO = 0x0000002b


def ethtool_gro(ns, dev):
    """ETHTOOL_GGRO of dev in ns (1 = generic-receive-offload on)."""
    from knetns import InNetns
    with InNetns(ns):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            ev = array.array("I", [ETHTOOL_GGRO, 0])
            addr, _ = ev.buffer_info()
            ifr = struct.pack("16sP", dev.encode(), addr)
            fcntl.ioctl(s.fileno(), SIOCETHTOOL, ifr)
            return ev[1]
        finally:
            s.close()


def sweep(tx, rx, dst, payloads):
    """truesize per payload: send one datagram, read rmem_alloc, drain."""
    buf = bytearray(MAX_PAYLOAD + 1)
    data = bytes(MAX_PAYLOAD)
    out = []
    waits = 0
    for n in payloads:
        tx.sendto(data[:n], dst)
        m = meminfo(rx)
        spins = 0
        while m["rmem_alloc"] == 0:
            spins += 1
            if spins > 20000:
                raise RuntimeError("payload %d: nothing queued after sending" % n)
            time.sleep(0.00005)
            m = meminfo(rx)
        waits += spins > 0
        got = rx.recv_into(buf, len(buf), socket.MSG_DONTWAIT)
        if got != n:
            raise RuntimeError("payload %d: read %d bytes" % (n, got))
        after = meminfo(rx)
        if after["rmem_alloc"] != 0 or m["drops"] or after["drops"]:
            raise RuntimeError("payload %d: rmem_alloc %d after draining, drops %d" %
                               (n, after["rmem_alloc"], after["drops"]))
        out.append(m["rmem_alloc"])
    return out, waits


def run_path(nets, path, payloads):
    """One namespace set for @path; {payload: truesize} and its checks."""
    info = {}
    if path == "loopback":
        ns = nets.new()
        rx = udp_socket_in(ns)
        tx = udp_socket_in(ns)
        dst = ("127.0.0.1", PORT)
        rx.bind(dst)
    else:
        a, b = nets.new(no_ipv6=True), nets.new(no_ipv6=True)
        veth_link(a, b, (VETH_A, VETH_B))
        info["vb_gro"] = ethtool_gro(b, "vb")
        info["va_gro"] = ethtool_gro(a, "va")
        link = sh("ip", "-n", b, "-d", "link", "show", "vb")
        info["vb_xdp"] = "xdp" in link.split()
        info["vb_link"] = " ".join(link.split())
        info["mtu"] = int(sh("ip", "netns", "exec", b, "cat", "/sys/class/net/vb/mtu"))
        rx = udp_socket_in(b)
        tx = udp_socket_in(a)
        dst = (VETH_B[1], PORT)
        rx.bind(("0.0.0.0", PORT))
    rx.setblocking(True)
    info["rcvbuf"] = rx.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
    info["sndbuf"] = tx.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)
    t0 = time.monotonic()
    try:
        ts, waits = sweep(tx, rx, dst, payloads)
    finally:
        tx.close()
        rx.close()
    info["seconds"] = round(time.monotonic() - t0, 1)
    info["sends_that_needed_a_wait"] = waits
    return ts, info


def runs_of_equal(path, payloads, ts):
    """(path, from, to, truesize, per_byte) rows: truesize at payload_from,
    growing by per_byte (0, or 1 where the data is in page frags) for every
    byte above it up to payload_to; a run of equal truesize has per_byte 0."""
    rows = []
    for n, t in zip(payloads, ts):
        if rows and rows[-1][2] == n - 1:
            r = rows[-1]
            step = t - (r[3] + r[4] * (r[2] - r[1]))
            if r[1] == r[2] and step in (0, 1):
                r[4] = step
            if step == r[4]:
                r[2] = n
                continue
        rows.append([path, n, n, t, 0])
    return rows


def write_readme(outdir, meta, rows):
    n = {p: sum(1 for r in rows if r[0] == p) for p in ("loopback", "veth")}
    same = "identical" if not meta["run_differences"] else \
        "%d differences (see payload_meta.json)" % len(meta["run_differences"])
    v = meta["paths"]["veth"]
    L = [MARK_BEGIN,
         "## Truesize of every UDP payload size (measure_payload.py)",
         "",
         "`sudo python3 tests/kernel-ref/measure_payload.py [--out DIR] [--runs N]` (about %d s"
         % round(sum(p["seconds"] for p in meta["paths"].values()) * meta["runs"] + 5),
         "for 2 runs) sends one datagram of every payload size 0..65507 to a UDP socket that does",
         "not read, reads its `SO_MEMINFO` rmem_alloc (the truesize of the one skb queued), drains",
         "it and goes on, with one socket pair per path: `loopback` (one fresh namespace, 127.0.0.1,",
         "lo's mtu 65536: nothing fragments) and `veth` (fresh namespaces A -> veth -> B, mtu %d,"
         % v["mtu"],
         "permanent neighbours, IPv6 off, the default netif_rx mode: GRO %s on vb, %s; payloads"
         % ("off" if not v["vb_gro"] else "ON", "no XDP program" if not v["vb_xdp"] else "XDP ON"),
         "above 1472 are fragmented by A and B's rmem_alloc is the reassembled skb's truesize).",
         "Every datagram was read back whole and rmem_alloc was 0 after each drain; no drops.",
         "",
         "`payload.csv` (`path,payload_from,payload_to,truesize,per_byte`) holds run 1 as runs:",
         "the truesize at payload_from, growing by per_byte for every byte above it up to",
         "payload_to (per_byte is 0, a run of equal truesize, except where the data is in page",
         "frags and truesize grows with the payload): %d rows for loopback, %d for veth. The %d runs"
         % (n["loopback"], n["veth"], meta["runs"]),
         "gave %s data. `tests/test_payload.c`" % same,
         "compares all 2 x 65508 values with the simulator's.",
         "",
         "| Item | Value |",
         "|---|---|",
         "| Kernel (`uname -r`) | `%s` |" % meta["uname_r"],
         "| Date (UTC) | %s |" % meta["date"],
         "| Machine | %s, %d CPUs |" % (meta["machine"], meta["ncpu"]),
         "| SO_RCVBUF / SO_SNDBUF (defaults) | %d / %d |" % (v["rcvbuf"], v["sndbuf"]),
         "| veth mode | netif_rx (backlog): GRO va %d vb %d, XDP %s |"
         % (v["va_gro"], v["vb_gro"], "attached" if v["vb_xdp"] else "none"),
         "| seconds per run | loopback %s, veth %s |"
         % (meta["paths"]["loopback"]["seconds"], v["seconds"]),
         "",
         "The rules the data shows are in docs/model.md (\"truesize\").",
         MARK_END]
    fn = os.path.join(outdir, "README.md")
    old = open(fn).read() if os.path.exists(fn) else ""
    i, j = old.find(MARK_BEGIN), old.find(MARK_END)
    text = "\n".join(L) + "\n"
    if i >= 0 and j > i:
        new = old[:i] + text + old[j + len(MARK_END) + 1:]
    else:
        new = old.rstrip("\n") + "\n\n" + text
    with open(fn, "w") as f:
        f.write(new)


def main():
    args = script_args(__doc__, __file__,
                       lambda ap: ap.add_argument("--runs", type=int, default=2))
    payloads = list(range(0, MAX_PAYLOAD + 1))
    nets = Netns("kref%d-" % os.getpid())
    meta = {"uname_r": platform.release(), "machine": platform.machine(),
            "ncpu": os.cpu_count(), "runs": args.runs,
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ"),
            "paths": {}, "run_differences": []}
    first = {}
    try:
        for run in range(1, args.runs + 1):
            for path in ("loopback", "veth"):
                ts, info = run_path(nets, path, payloads)
                nets.delete_all()
                print("run %d %s: %.1f s" % (run, path, info["seconds"]))
                if run == 1:
                    first[path] = ts
                    meta["paths"][path] = info
                    continue
                for n, (t1, t2) in enumerate(zip(first[path], ts)):
                    if t1 != t2:
                        meta["run_differences"].append([run, path, n, t1, t2])
    finally:
        nets.delete_all()
    rows = []
    for path in ("loopback", "veth"):
        rows += runs_of_equal(path, payloads, first[path])
    with open(os.path.join(args.out, "payload.csv"), "w") as f:
        f.write("path,payload_from,payload_to,truesize,per_byte\n")
        for r in rows:
            f.write("%s,%d,%d,%d,%d\n" % tuple(r))
    with open(os.path.join(args.out, "payload_meta.json"), "w") as f:
        json.dump(meta, f, indent=1, sort_keys=True)
        f.write("\n")
    write_readme(args.out, meta, rows)
    print("wrote payload.csv (%d rows), payload_meta.json, README section; %d run differences"
          % (len(rows), len(meta["run_differences"])))


if __name__ == "__main__":
    main()
