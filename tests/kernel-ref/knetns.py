"""Network-namespace helpers shared by the measure_*.py scripts.

Only the Python standard library. Run as root: every helper shells out to
`ip` or enters a namespace with setns(2).
"""
import argparse
import csv
import ctypes
import os
import socket
import struct
import subprocess
import sys
import time

CLONE_NEWNET = 0x40000000
SO_MEMINFO = getattr(socket, "SO_MEMINFO", 55)
# include/uapi/linux/sock_diag.h, enum SK_MEMINFO_*
MEMINFO_FIELDS = ["rmem_alloc", "rcvbuf", "wmem_alloc", "sndbuf", "fwd_alloc",
                  "wmem_queued", "optmem", "backlog", "drops"]

_libc = ctypes.CDLL(None, use_errno=True)


def script_args(doc, script, extra=None):
    """The options of a measure_*.py script: --out (default: the script's
    directory) and what extra(parser) adds; exits unless run as root."""
    ap = argparse.ArgumentParser(description=doc.split("\n")[0])
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(script)))
    if extra:
        extra(ap)
    a = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("%s: must run as root" % os.path.basename(script))
    return a


def read_text(path):
    """The contents of a (sysfs, procfs) file, stripped."""
    with open(path) as f:
        return f.read().strip()


def write_text(path, value):
    """Write str(value) to a (sysfs, procfs) file."""
    with open(path, "w") as f:
        f.write(str(value))


def sh(*args, check=True):
    """Run a command; its stdout. A failure raises RuntimeError with stderr."""
    p = subprocess.run(list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    if check and p.returncode != 0:
        raise RuntimeError("command failed (%d): %s\n%s" %
                           (p.returncode, " ".join(args), p.stderr))
    return p.stdout


def nsexec(ns, *args, check=True):
    """Run a command inside namespace ns; its stdout."""
    return sh("ip", "netns", "exec", ns, *args, check=check)


class Netns:
    """Fresh namespaces named PREFIX<n>, remembered so that delete_all()
    (call it in a finally:) removes every one still there."""

    def __init__(self, prefix):
        self.prefix = prefix
        self.created = []
        self.seq = 0

    def new(self, no_ipv6=False):
        self.seq += 1
        name = "%s%d" % (self.prefix, self.seq)
        sh("ip", "netns", "add", name)
        self.created.append(name)
        sh("ip", "-n", name, "link", "set", "lo", "up")
        if no_ipv6:
            nsexec(name, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1")
            nsexec(name, "sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1")
        return name

    def delete(self, name):
        if name in self.created:
            sh("ip", "netns", "del", name, check=False)
            self.created.remove(name)

    def delete_all(self):
        for name in list(self.created):
            self.delete(name)


def setns_fd(fd, what="fd"):
    """The calling thread moves into the namespace of the open file fd."""
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        e = ctypes.get_errno()
        raise OSError(e, "setns(%s): %s" % (what, os.strerror(e)))


def enter_netns(ns):
    """The calling thread moves into namespace ns for good."""
    fd = os.open("/run/netns/" + ns, os.O_RDONLY)
    try:
        setns_fd(fd, ns)
    finally:
        os.close(fd)


class InNetns:
    """Context manager: the calling thread is in namespace ns inside the block."""

    def __init__(self, ns):
        self.ns = ns

    def __enter__(self):
        self.orig = os.open("/proc/self/ns/net", os.O_RDONLY)
        enter_netns(self.ns)
        return self

    def __exit__(self, *exc):
        try:
            setns_fd(self.orig, "back")
        finally:
            os.close(self.orig)
        return False


def udp_socket_in(ns):
    """A UDP socket that lives in namespace ns."""
    with InNetns(ns):
        return socket.socket(socket.AF_INET, socket.SOCK_DGRAM)


def veth_link(a, b, ends, no_ipv6=True):
    """Namespaces a and b joined by a veth pair. ends: ((dev, ip, mac) of a,
    (dev, ip, mac) of b), addresses /24; permanent neighbour entries on both
    sides (no ARP in the data path); returns once both ends have carrier."""
    (da, ipa, maca), (db, ipb, macb) = ends
    if no_ipv6:
        for ns in (a, b):
            nsexec(ns, "sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1", check=False)
            nsexec(ns, "sysctl", "-q", "-w", "net.ipv6.conf.default.disable_ipv6=1",
                   check=False)
    sh("ip", "-n", a, "link", "add", da, "address", maca, "type", "veth",
       "peer", "name", db, "address", macb, "netns", b)
    for ns, dev, ip, peer_ip, peer_mac in ((a, da, ipa, ipb, macb), (b, db, ipb, ipa, maca)):
        sh("ip", "-n", ns, "addr", "add", ip + "/24", "dev", dev)
        sh("ip", "-n", ns, "link", "set", dev, "up")
        sh("ip", "-n", ns, "neigh", "replace", peer_ip, "lladdr", peer_mac, "dev", dev,
           "nud", "permanent")
    for _ in range(200):
        if ("LOWER_UP" in sh("ip", "-n", a, "-o", "link", "show", da) and
                "LOWER_UP" in sh("ip", "-n", b, "-o", "link", "show", db)):
            return
        time.sleep(0.01)
    raise RuntimeError("veth carrier never came up")


def write_long_csv(path, rows, header=("case", "ns", "counter", "value")):
    """rows under header into path, and each row printed."""
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(list(header))
        w.writerows(rows)
    for r in rows:
        print(*r)


def read_snmp(ns, path="/proc/net/snmp"):
    """/proc/net/snmp (or /proc/net/netstat) of ns: {'Udp': {'InDatagrams': n, ...}, ...}."""
    out = {}
    lines = nsexec(ns, "cat", path).splitlines()
    for i in range(0, len(lines) - 1, 2):
        hk, _, hv = lines[i].partition(":")
        vk, _, vv = lines[i + 1].partition(":")
        if hk != vk:
            raise RuntimeError("unexpected %s layout" % path)
        out[hk] = dict(zip(hv.split(), (int(x) for x in vv.split())))
    return out


def snmp_flat(ns, paths=("/proc/net/snmp",)):
    """The counters of ns as one dict "<Proto>.<Counter>" -> value."""
    vals = {}
    for path in paths:
        for proto, fields in read_snmp(ns, path).items():
            for k, v in fields.items():
                vals[proto + "." + k] = v
    return vals


def meminfo(sock):
    """SO_MEMINFO of sock as a dict (rmem_alloc, rcvbuf, ..., drops)."""
    raw = sock.getsockopt(socket.SOL_SOCKET, SO_MEMINFO, 4 * len(MEMINFO_FIELDS))
    return dict(zip(MEMINFO_FIELDS, struct.unpack("%dI" % (len(raw) // 4), raw)))
