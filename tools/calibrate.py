#!/usr/bin/env python3
"""skbsim calibrate: measure this machine's kernel, fit the profile's costs, write a profile.

usage: skbsim calibrate [--quick] [-o PROFILE.yaml] [--name NAME] [--prior NAME|PATH]
                        [--data CSV] [--save-data CSV] [--skbsim PATH]

1. Measure (Linux, root): microbenchmarks inside network namespaces this
   script creates (kcal<pid>-N, deleted afterwards, also on error): a C sender
   and receiver (kbench, sendmmsg/recvmmsg) over loopback, veth in netif_rx
   mode and in NAPI mode (gro + rx-gro-list on the receiving end), forwarding
   through a third namespace, RPS to the other CPU, raw PREROUTING and filter
   INPUT drops behind 0..N iptables rules, send and receive batch curves
   (1..64 per call), a payload sweep and a paced sender waking a blocking
   reader. The metric is CPU time per packet (CLOCK_THREAD_CPUTIME_ID of the
   pinned sender or receiver; with tick-based accounting the softirq work run
   in the thread's context is part of it), so other load on the machine
   lowers the rates but not the figures. Each case runs several trials; the
   median is kept, with the spread and the load average, and a case whose
   spread exceeds NOISY_SPREAD is flagged `noisy`. No host interface and no
   global sysctl is touched (net.ipv4.ip_forward of a namespace dies with it).
2. Fit: each measured metric is predicted by running skbsim itself on a
   scenario that mirrors the case (calibration_scenario(), `profile:` the
   prior, the fitted keys as `costs:` over it); the costs are grouped by mechanism (PARAMS: the keys one measurement cannot tell apart
   keep their ratios and share one scale factor), and a Gauss-Newton least
   squares fit on relative residuals with the Jacobian taken by finite
   differences of simulator runs gives the scale factors. Only the cases
   marked `fit` enter; the others are predictions (tools/validate.py).
3. Write the profile (format 1, profiles/*.yaml), every key of the prior (the
   loader requires every key of cost_keys[]) with its unit: fitted values are
   `measured` (a single-key group the synthetic test recovers, well determined)
   or `derived` (ref: the group's fit), with the kernel, CPU, date and the
   residual of the metrics they entered; the costs veth and loopback cannot
   reach (NIC, interrupt entry/exit, idle states, qdisc, contention, cost_cv)
   keep the prior profile's values and sources, with a note why (--prior
   NAME|PATH, default DEFAULT_PRIOR).

--data CSV fits stored measurements instead of measuring (no root needed);
--save-data CSV writes the measurements (the format of
tests/kernel-ref/calib.csv). Exit codes: 0 done, 1 measurement or fit failed,
2 usage (a bad name, output or prior), 4 not root or no network namespace support.
"""
import argparse
import concurrent.futures
import csv
import datetime
import itertools
import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
for _d in (HERE, os.path.join(HERE, "..", "tests", "kernel-ref")):
    if os.path.exists(os.path.join(_d, "knetns.py")):
        sys.path.insert(0, _d)
        break

CALIBRATE_VERSION = "0.2.0"
EXIT_FAIL, EXIT_USAGE, EXIT_NOENV = 1, 2, 4
NOISY_SPREAD = 0.15  # (max - min) / median of a case's trials above which it is flagged
SCALE_MIN = 0.02  # lower bound of a fitted scale factor (costs stay positive)
WEAK_SE = 0.25  # relative standard error above which a fitted value is not "measured"

# The prior: the profile whose values the fit starts from and whose values and
# sources the keys calibration cannot reach keep (--prior NAME|PATH, default
# DEFAULT_PRIOR). A NAME is a shipped profile: profiles/NAME.yaml of the source
# tree, or the installed share/skbsim/profiles/NAME.yaml beside this script.
DEFAULT_PRIOR = "epyc-vm-6.18"


def prior_path(spec):
    """The file of profile spec NAME|PATH (a PATH has a '/' or ends in .yaml)."""
    if "/" in spec or spec.endswith(".yaml"):
        return os.path.abspath(spec)
    for d in (os.path.join(HERE, "..", "profiles"), os.path.join(HERE, "profiles")):
        p = os.path.join(d, spec + ".yaml")
        if os.path.isfile(p):
            return os.path.abspath(p)
    raise EnvError("unknown profile '%s' (no profiles/%s.yaml)" % (spec, spec))


def load_profile(path):
    """A profile file as a dict (its `costs:` entries keep value, unit and source)."""
    import yaml  # PyYAML; the loader of record is skbsim's (models/profile.c)
    with open(path) as f:
        doc = yaml.safe_load(f)
    if not isinstance(doc, dict) or not isinstance(doc.get("costs"), dict):
        raise EnvError("%s: not a profile (no costs mapping)" % path)
    return doc


# Fit parameters: each scales the prior values of its keys by one factor.
PARAMS = [
    ("syscall", ["syscall"]),
    # the send half and the receive half run on the same CPU for every path veth and
    # loopback offer (the receive softirq runs at the sender's local_bh_enable), so only
    # their sum is measurable: one factor for both; the route lookups scale with their
    # per-level trie cost
    ("udp_stack", ["send_per_msg", "ip_route_output", "ip_output", "neigh_output",
                   "netif_receive", "ip_rcv", "ip_route_input", "fib_lookup_level",
                   "ip_local_deliver", "udp_rcv", "udp_enqueue"]),
    ("backlog", ["softirq_entry", "backlog_dequeue", "rps_enqueue"]),
    ("recv_per_msg", ["recv_per_msg"]),
    ("copy_per_byte", ["copy_per_byte", "send_copy_per_byte"]),
    ("veth_xmit", ["veth_xmit"]),
    ("veth_napi", ["veth_xdp_rcv", "napi_poll", "gro_receive"]),
    ("ip_forward", ["ip_forward"]),
    ("nf_hook", ["nf_hook"]),
    ("nf_rule", ["nf_rule"]),
    # the live sender wakes the reader on the other CPU (the waker's side of a remote
    # wake-up, charged to the sender); the local one shares the factor
    ("wakeup", ["wakeup", "wakeup_remote"]),
    ("context_switch", ["context_switch"]),
]

# The groups the synthetic fit of tests/test_calibrate.py recovers within 8 % of known
# scales from the quick plan's metrics. Only these can be `measured`: for the others
# (nf_rule: 200 rules add ~5 % to a drop case's CPU time; context_switch, wakeup: seen
# only through batch formation, which is not smooth in the costs) the linearised standard
# error can look small while the fit lands far from the truth.
RECOVERED = ("syscall", "udp_stack", "recv_per_msg", "copy_per_byte", "veth_xmit")

# Why a key no group fits keeps the prior's value (written into its note).
NOT_FITTED = {
    "cost_cv": "the trials' spread is the spread of 1-second means over ~10^5 datagrams, "
               "set by the machine's other load, not by the per-job variation (a per-job "
               "coefficient of variation c gives means that differ by about c / sqrt(N)): "
               "veth and loopback cannot measure it",
    "idle": "this VM's cpuidle table (sysfs), not fitted",
    "cpu_dma_latency": "a kernel default, not fitted",
    "irq_time_accounting": "this kernel's configuration, not fitted",
    "sched_eevdf": "this kernel's scheduler, not fitted",
}



def case(cid, topo, mode, fit, size=64, sbatch=32, rbatch=64, rules=0, table=None, quick=True,
         metrics=("send_ns",), gap_us=0.0, rcpu=1, spin_us=0.0):
    """One measurement: cid, topology, what is measured, whether the fit uses it."""
    return dict(id=cid, topo=topo, mode=mode, fit=fit, size=size, sbatch=sbatch, rbatch=rbatch,
                rules=rules, table=table, quick=quick, metrics=list(metrics), gap_us=gap_us,
                rcpu=rcpu, spin_us=spin_us)


# The spin gaps of the `halt` cases (us), as tests/kernel-ref/measure_halt_wake.py.
HALT_GAPS_US = (10, 20, 50, 100, 200, 500, 1000, 2000)

# The measurement plan. `fit`: the fit uses the case's metrics (else they are
# predictions checked by tools/validate.py). `quick`: part of --quick (the fit cases
# but lo_s1472, nothing else).
CASES = (
    [case("lo_b%d" % b, "lo", "live", b in (1, 64), sbatch=b, quick=b in (1, 64),
          metrics=("send_ns", "recv_ns", "rate")) for b in (1, 2, 4, 8, 16, 32, 64)] +
    [case("lo_s%d" % s, "lo", "live", s in (16, 1472, 8000), size=s, quick=s in (16, 8000),
          metrics=("send_ns", "recv_ns", "rate")) for s in (16, 256, 512, 1024, 1472, 4000, 8000)] +
    [case("drain_b%d_s%d" % (b, s), "lo", "drain", (b in (1, 64)), size=s, rbatch=b,
          quick=b in (1, 64), metrics=("drain_ns",))
     for s in (64, 1472) for b in (1, 8, 64)] +
    [case("veth", "veth", "live", True, metrics=("send_ns", "recv_ns", "rate")),
     case("veth_napi", "napi", "live", True, metrics=("send_ns", "recv_ns", "rate")),
     case("fwd", "fwd", "live", True, metrics=("send_ns", "recv_ns", "rate")),
     case("rps", "rps", "live", False, quick=False, metrics=("send_ns", "rate"))] +
    [case("%s_r%d" % (t, n), "veth", "drop", n in (0, 200), rules=n, table=t,
          quick=n in (0, 200), metrics=("send_ns", "rate"))
     for t in ("raw", "filter") for n in (0, 10, 50, 200)] +
    [case("wake", "veth", "wake", False, sbatch=1, rbatch=1, gap_us=50.0, quick=False,
          metrics=("send_ns", "recv_ns", "rate"))] +
    # CPU busy % against offered load: bursts of 8 every G us (nanosleep), a batch reader
    [case("paced_g%d" % g, "veth", "paced", False, sbatch=8, gap_us=float(g), quick=False,
          metrics=("recv_busy", "recv_ns", "rate")) for g in (200, 50, 10)] +
    # an application against a flood on its own CPU: sender and reader both on CPU 0
    [case("flood_cpu0", "lo", "live", False, rcpu=0, quick=False, metrics=("loss", "rate"))]
)

# A datagram every G us from a sender that busy-waits (kbench --spin-us): the reader's CPU
# halts G us at a time and every datagram wakes it (the refill after a halt). Measured by
# tests/kernel-ref/measure_halt_wake.py (with a polling guest to compare), not by calibrate;
# tools/validate.py simulates them.
HALT_CASES = [case("halt_g%d" % g, "veth", "halt", False, sbatch=1, rbatch=1, spin_us=float(g),
                   quick=False, metrics=("recv_ns", "rate")) for g in HALT_GAPS_US]

# The metrics of a `fit` case the fit uses, by mode. A live receiver's CPU per
# packet depends on how often it sleeps (its batch fill), which couples it to
# the sender's speed; it is predicted, not fitted. Rates are predictions.
# The paced case `wake` is predicted too: its CPU per datagram is dominated by the sender's
# own sleep (hrtimer, schedule, idle exit, KVM exits), which skbsim has no mechanism for yet.
FIT_METRICS = {"live": ("send_ns",), "drop": ("send_ns",), "drain": ("drain_ns",),
               "wake": (), "paced": (), "halt": ()}

# --- measurement -----------------------------------------------------------------------------


class EnvError(Exception):
    """The machine cannot run the measurements (not root, no netns, ...)."""


def find_tool(name, given=None):
    """The path of kbench or skbsim: beside this script (installed), or the source tree's."""
    if given:
        return given
    for p in (os.path.join(HERE, name), os.path.join(HERE, "..", "build", name),
              os.path.join(HERE, "..", name)):
        if os.path.isfile(p) and os.access(p, os.X_OK):
            return os.path.abspath(p)
    found = shutil.which(name)
    if found:
        return found
    raise EnvError("cannot find '%s' (build it with make)" % name)


def check_env():
    """Raise EnvError unless this is Linux, root, with ip and network namespaces."""
    if platform.system() != "Linux":
        raise EnvError("calibrate measures the Linux kernel; this is %s" % platform.system())
    if os.geteuid() != 0:
        raise EnvError("calibrate must run as root (it creates network namespaces)")
    if not shutil.which("ip"):
        raise EnvError("calibrate needs 'ip' (iproute2)")
    if not os.path.exists("/proc/self/ns/net"):
        raise EnvError("this kernel has no network namespaces")


def machine_info():
    """Kernel, CPU model, clock (MHz), CPU count and load average of this machine."""
    cpu, mhz = "unknown", 0.0
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k.strip() == "model name" and cpu == "unknown":
                    cpu = v.strip()
                if k.strip() == "cpu MHz" and not mhz:
                    mhz = float(v)
    except OSError:
        pass
    return dict(kernel=platform.release(), cpu=cpu, mhz=mhz or 3000.0,
                ncpu=os.cpu_count() or 1, loadavg=os.getloadavg()[0])


def parse_kv(line):
    """'a=1 b=2' -> {'a': 1.0, 'b': 2.0}."""
    out = {}
    for tok in line.split():
        k, _, v = tok.partition("=")
        out[k] = float(v)
    return out


class Bench:
    """Runs the measurement plan in namespaces named kcal<pid>-N."""

    def __init__(self, kbench, seconds, trials, log):
        import knetns  # the namespace helpers of tests/kernel-ref (installed beside us)
        self.k = knetns
        self.kbench = kbench
        self.seconds = seconds
        self.trials = trials
        self.log = log
        self.ns = knetns.Netns("kcal%d-" % os.getpid())
        self.has_iptables = shutil.which("iptables-legacy") or shutil.which("iptables")

    def topo(self, c):
        """Create the case's namespaces; (sender ns, receiver ns, destination address)."""
        k, ns = self.k, self.ns
        if c["topo"] == "lo":
            a = ns.new(no_ipv6=True)
            return a, a, "127.0.0.1"
        a, b = ns.new(no_ipv6=True), ns.new(no_ipv6=True)
        if c["topo"] == "fwd":
            r = ns.new(no_ipv6=True)
            k.veth_link(a, r, (("a0", "10.201.0.1", "02:00:00:00:01:01"),
                               ("r0", "10.201.0.2", "02:00:00:00:01:02")))
            k.veth_link(r, b, (("r1", "10.202.0.1", "02:00:00:00:02:01"),
                               ("b0", "10.202.0.2", "02:00:00:00:02:02")))
            k.nsexec(r, "sysctl", "-qw", "net.ipv4.ip_forward=1")  # per namespace
            k.sh("ip", "-n", a, "route", "add", "10.202.0.0/24", "via", "10.201.0.2")
            k.sh("ip", "-n", b, "route", "add", "10.201.0.0/24", "via", "10.202.0.1")
            return a, b, "10.202.0.2"
        k.veth_link(a, b, (("a0", "10.200.0.1", "02:00:00:00:00:01"),
                           ("b0", "10.200.0.2", "02:00:00:00:00:02")))
        if c["topo"] == "napi":
            k.nsexec(b, "ethtool", "-K", "b0", "gro", "on", "rx-gro-list", "on")
        if c["topo"] == "rps":
            k.nsexec(b, "sh", "-c", "echo 2 > /sys/class/net/b0/queues/rx-0/rps_cpus")
        if c["mode"] == "drop":
            ipt = "iptables-legacy" if shutil.which("iptables-legacy") else "iptables"
            chain = "PREROUTING" if c["table"] == "raw" else "INPUT"
            for i in range(c["rules"]):
                k.nsexec(b, ipt, "-t", c["table"], "-A", chain, "-s",
                         "10.99.%d.%d/32" % (i // 250, i % 250 + 1), "-j", "ACCEPT")
            k.nsexec(b, ipt, "-t", c["table"], "-A", chain, "-p", "udp", "--dport", "9000",
                     "-j", "DROP")
        return a, b, "10.200.0.2"

    def kb(self, ns, *args):
        return ["ip", "netns", "exec", ns, self.kbench] + [str(x) for x in args]

    def trial(self, c):
        """One run of case c in fresh namespaces: {metric: value}."""
        a, b, dst = self.topo(c)
        try:
            if c["mode"] == "drain":
                return self.trial_drain(c, a, dst)
            recv = None
            if c["mode"] != "drop":
                recv = subprocess.Popen(self.kb(b, "recv", 9000, "--batch", c["rbatch"],
                                                "--cpu", c["rcpu"], "--seconds", 3600,
                                                "--rcvbuf", 8 << 20),
                                        stdout=subprocess.PIPE, text=True)
                time.sleep(0.1)
            s = subprocess.run(self.kb(a, "send", dst, 9000, "--size", c["size"], "--batch",
                                       c["sbatch"], "--cpu", 0, "--seconds", self.seconds,
                                       "--gap-us", c["gap_us"], "--spin-us", c["spin_us"],
                                       "--sndbuf", 4 << 20),
                               stdout=subprocess.PIPE, text=True, check=True)
            snd = parse_kv(s.stdout)
            out = dict(send_ns=snd["cpu_ns"] / max(snd["packets"], 1),
                       rate=snd["packets"] * 1e9 / max(snd["wall_ns"], 1))
            if recv:
                r = parse_kv(recv.communicate(timeout=30)[0])
                out["recv_ns"] = r["cpu_ns"] / max(r["packets"], 1)
                out["loss"] = 1 - r["packets"] / max(snd["packets"], 1)
                out["recv_busy"] = 100.0 * r["cpu_ns"] / max(r["wall_ns"], 1)
            return out
        finally:
            for n in (a, b):
                self.ns.delete(n)
            self.ns.delete_all()

    def trial_drain(self, c, ns, dst):
        """Fill a socket over loopback without reading, then time the reading alone."""
        count = 20000 if c["size"] <= 256 else 8000
        recv = subprocess.Popen(self.kb(ns, "recv", 9000, "--batch", c["rbatch"], "--cpu", 1,
                                        "--drain", "--rcvbuf", 256 << 20),
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        if recv.stdout.readline().strip() != "ready":
            raise RuntimeError("kbench recv --drain did not start")
        subprocess.run(self.kb(ns, "send", dst, 9000, "--size", c["size"], "--batch", 32,
                               "--cpu", 0, "--count", count), stdout=subprocess.PIPE,
                       check=True)
        r = parse_kv(recv.communicate("go\n", timeout=60)[0])
        if r["packets"] < count * 0.99:
            raise RuntimeError("drain read %d of %d datagrams" % (r["packets"], count))
        return dict(drain_ns=r["cpu_ns"] / r["packets"])

    def run(self, cases):
        """Every case, self.trials times: rows of the measurement CSV."""
        rows = []
        try:
            for c in cases:
                if c["mode"] == "drop" and not self.has_iptables:
                    self.log("%-16s skipped: iptables is not installed" % c["id"])
                    continue
                if c["topo"] == "napi" and not shutil.which("ethtool"):
                    self.log("%-16s skipped: ethtool is not installed" % c["id"])
                    continue
                trials = [self.trial(c) for _ in range(self.trials)]
                load = os.getloadavg()[0]
                for m in c["metrics"] + (["loss"] if "recv_ns" in c["metrics"] else []):
                    vals = [t[m] for t in trials if m in t]
                    med = statistics.median(vals)
                    # relative spread; for the loss (a share near 0) the absolute one
                    spread = (max(vals) - min(vals)) / (med if m != "loss" else 1.0) \
                        if med or m == "loss" else 0.0
                    rows.append(dict(case=c["id"], metric=m, median=med, min=min(vals),
                                     max=max(vals), trials=len(vals), spread=spread,
                                     noisy=int(m != "loss" and spread > NOISY_SPREAD),
                                     loadavg=load,
                                     values=";".join("%.6g" % v for v in vals)))
                    self.log("%-16s %-8s %12.1f  spread %5.1f%%%s  load %.2f" %
                             (c["id"], m, med, 100 * spread,
                              " NOISY" if rows[-1]["noisy"] else "", load))
        finally:
            self.ns.delete_all()
        return rows


CSV_FIELDS = ["case", "metric", "median", "min", "max", "trials", "spread", "noisy", "loadavg",
              "values"]


def write_rows(path, rows, info):
    with open(path, "w", newline="") as f:
        f.write("# skbsim calibrate %s; kernel %s; cpu %s; clock %.0f MHz; %d CPUs; %s\n" %
                (CALIBRATE_VERSION, info["kernel"], info["cpu"], info["mhz"], info["ncpu"],
                 info["date"]))
        w = csv.DictWriter(f, fieldnames=CSV_FIELDS)
        w.writeheader()
        for r in rows:
            w.writerow({k: (("%.6g" % r[k]) if isinstance(r[k], float) else r[k])
                        for k in CSV_FIELDS})


def read_rows(path):
    """The measurement CSV: (rows, info from its comment line)."""
    with open(path) as f:
        head = f.readline()
        rows = list(csv.DictReader(f))
    for r in rows:
        for k in ("median", "min", "max", "spread", "loadavg"):
            r[k] = float(r[k])
        r["trials"], r["noisy"] = int(r["trials"]), int(r["noisy"])
    m = re.search(r"kernel (.*?); cpu (.*?); clock ([\d.]+) MHz; (\d+) CPUs; (.*)$", head.strip())
    info = dict(kernel=m.group(1), cpu=m.group(2), mhz=float(m.group(3)),
                ncpu=int(m.group(4)), date=m.group(5)) if m else {}
    return rows, info


# --- the simulator's side --------------------------------------------------------------------


def veth_end(name, peer, addr, **kw):
    d = {"name": name, "driver": "veth", "peer": peer, "address": addr}
    d.update(kw)
    return d


def calibration_scenario(c, costs, mhz, rate=None, duration_ms=20, profile=None):
    """The skbsim scenario (a dict; JSON is YAML) mirroring measurement case c: the
    profile file (an absolute path) for every host, `costs` over it."""
    send = {"to": "127.0.0.1:9000", "size": c["size"], "connect": True,
            "syscall": "sendmmsg" if c["sbatch"] > 1 else "sendto"}
    if rate and c["sbatch"] > 1:  # bursts of sbatch due together, as the paced kbench sends
        send.update(rate="%dpps" % max(1, int(rate)), pattern="burst", burst=c["sbatch"])
    elif rate:
        send.update(rate="%dpps" % max(1, int(rate)), pattern="constant")
    if rate and c["gap_us"] > 0:  # kbench --gap-us sleeps in nanosleep between calls
        send["sleep"] = "nanosleep"
    if rate and c["spin_us"] > 0:  # kbench --spin-us busy-waits between calls
        send["sleep"] = "spin"
    client = {"name": "client", "socket": "cli", "cpu": 0, "batch": c["sbatch"], "send": send}
    server = {"name": "server", "socket": "srv", "cpu": c["rcpu"],
              "syscall": "recvmmsg" if c["rbatch"] > 1 else "recvmsg", "batch": c["rbatch"]}
    if c["mode"] == "drain":  # a reader slower than the sender: every call finds a full batch
        server["work"] = "20us"
    cli = {"name": "cli", "sndbuf": "4MiB"}
    srv = {"name": "srv", "bind": "0.0.0.0:9000", "rcvbuf": "8MiB"}
    clock = "%.0fMHz" % mhz
    sc = {"name": "cal-" + c["id"], "seed": 1, "duration": "%dms" % duration_ms, "warmup": "0ms",
          "costs": costs}
    if profile:
        sc["profile"] = profile
    if c["topo"] == "lo":
        srv["bind"] = "127.0.0.1:9000"
        sc["hosts"] = [{"name": "box", "cpus": 2, "clock": clock, "sockets": [srv, cli],
                        "apps": [client, server]}]
        return sc
    node = {"name": "node", "cpus": 2, "clock": clock}
    if c["topo"] == "fwd":
        send["to"] = "10.202.0.2:9000"
        a = {"name": "a", "machine": "node",
             "nics": [veth_end("eth0", "r/eth0", "10.201.0.1/24")],
             "routes": [{"dst": "10.202.0.0/24", "via": "10.201.0.2"}],
             "sockets": [cli], "apps": [client]}
        r = {"name": "r", "machine": "node", "sysctl": {"net.ipv4.ip_forward": 1},
             "nics": [veth_end("eth0", "a/eth0", "10.201.0.2/24"),
                      veth_end("eth1", "b/eth0", "10.202.0.1/24")]}
        b = {"name": "b", "machine": "node",
             "nics": [veth_end("eth0", "r/eth1", "10.202.0.2/24")],
             "routes": [{"dst": "10.201.0.0/24", "via": "10.202.0.1"}],
             "sockets": [srv], "apps": [server]}
        sc["hosts"] = [node, a, r, b]
        return sc
    send["to"] = "10.200.0.2:9000"
    bend = veth_end("eth0", "a/eth0", "10.200.0.2/24")
    if c["topo"] == "napi":
        bend.update(gro=True, rx_gro_list=True)
    if c["topo"] == "rps":
        bend["rps_cpus"] = "2"
    a = {"name": "a", "machine": "node", "nics": [veth_end("eth0", "b/eth0", "10.200.0.1/24")],
         "sockets": [cli], "apps": [client]}
    b = {"name": "b", "machine": "node", "nics": [bend], "sockets": [srv], "apps": [server]}
    if c["mode"] == "drop":
        chain = "PREROUTING" if c["table"] == "raw" else "INPUT"
        b["iptables"] = ["-t %s -A %s -s 10.99.%d.%d/32 -j ACCEPT" %
                         (c["table"], chain, i // 250, i % 250 + 1) for i in range(c["rules"])]
        b["iptables"].append("-t %s -A %s -p udp --dport 9000 -j DROP" % (c["table"], chain))
        del b["apps"]
    sc["hosts"] = [node, a, b]
    return sc


class Sim:
    """Runs skbsim on calibration scenarios and extracts the metrics."""

    def __init__(self, skbsim, mhz, workdir, profile):
        self.skbsim = skbsim
        self.mhz = mhz
        self.profile = profile
        self.workdir = workdir
        self.seq = itertools.count(1)  # next() is atomic: fit() runs scenarios in threads

    def report(self, scenario):
        """Run one scenario; its report.json."""
        base = os.path.join(self.workdir, "s%d" % next(self.seq))
        with open(base + ".yaml", "w") as f:
            json.dump(scenario, f)
        p = subprocess.run([self.skbsim, "run", base + ".yaml", "-o", base, "--quiet"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if p.returncode != 0:
            raise RuntimeError("skbsim failed on %s: %s" % (scenario["name"], p.stderr.strip()))
        with open(os.path.join(base, "report.json")) as f:
            rep = json.load(f)
        shutil.rmtree(base, ignore_errors=True)
        os.unlink(base + ".yaml")
        return rep

    def metrics(self, c, costs, rate=None):
        """{metric: value} of case c simulated with costs (ns per packet, packets/s)."""
        rep = self.report(calibration_scenario(c, costs, self.mhz, rate, profile=self.profile))
        dur_ns = rep["duration_s"] * 1e9
        busy = {}
        for cpu in rep["cpus"]:
            busy[cpu["cpu"]] = cpu
        apps = {a["name"]: a for h in rep["hosts"] for a in h.get("apps", [])}
        sent = apps["client"]["sent"]
        out = {"rate": sent / rep["duration_s"]}

        def ns_per(cpu, n, ctx=("irq", "soft", "ksoftirqd", "sys", "usr")):
            return sum(busy[cpu][k] for k in ctx) / 100.0 * dur_ns / max(n, 1)

        out["send_ns"] = ns_per(0, sent)
        # RPS IPIs CPU 1 received (softnet_stat's received_rps) on the receiving host
        rx = [h for h in rep["hosts"] if "server" in {a["name"] for a in h.get("apps", [])}]
        ipis = sum(s.get("received_rps", 0) for h in rx for s in h.get("softnet_stat", []))
        out["dgrams_per_ipi"] = sent / ipis if ipis else 0.0
        if "server" in apps:
            got = apps["server"]["msgs"]
            out["recv_ns"] = ns_per(1, got)
            out["drain_ns"] = ns_per(1, got, ("sys",))
            # datagrams still queued at the end (the socket, backlog) were not lost: over
            # loopback every skb in flight is one of the client's datagrams
            lost = max(sent - got - rep["packets"]["in_flight"], 0)
            out["loss"] = lost / max(sent, 1)
            out["recv_busy"] = ns_per(c["rcpu"], 1) / dur_ns * 100.0
        return out


# --- the fit ---------------------------------------------------------------------------------


def costs_from_scales(scales, prior):
    """The `costs:` mapping of the fitted keys: the prior's value times the group's scale."""
    costs = {}
    for (g, keys) in PARAMS:
        for k in keys:
            v = prior[k]["value"] * scales.get(g, 1.0)
            costs[k] = round(v, 4) if prior[k]["unit"] != "cycles" else int(round(v))
    return costs


def solve(a, b):
    """x with a x = b (Gaussian elimination with partial pivoting; a is small)."""
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for i in range(n):
        p = max(range(i, n), key=lambda r: abs(m[r][i]))
        m[i], m[p] = m[p], m[i]
        if abs(m[i][i]) < 1e-300:
            raise ArithmeticError("singular normal equations")
        for r in range(n):
            if r != i:
                f = m[r][i] / m[i][i]
                for col in range(i, n + 1):
                    m[r][col] -= f * m[i][col]
    return [m[i][n] / m[i][i] for i in range(n)]


def fit(targets, predict, groups, iters=3, ridge=1e-4, step=0.25, log=None, parallel=2):
    """Damped Gauss-Newton least squares of relative residuals.

    targets: [(key, measured value)]; predict(scales) -> {key: simulated value};
    groups: parameter names. Minimises sum ((sim - meas) / meas)^2 plus a small
    ridge pulling each scale towards 1 (the prior) so that a parameter no
    metric sees stays where it was; a step that does not lower the sum is
    halved (up to 4 times). Returns (scales, {key: relative residual},
    {group: [keys it moves]}, {key: simulated value}).
    """
    def cost(pred, sc):
        return (sum(((pred[k] - m) / m) ** 2 for k, m in targets) +
                ridge * sum((sc[g] - 1.0) ** 2 for g in groups))

    s = {g: 1.0 for g in groups}
    ex = concurrent.futures.ThreadPoolExecutor(max_workers=parallel)
    base = predict(s)
    # start from the one common scale that best matches the median metric, when that is
    # better than the prior: the Gauss-Newton steps then start near the data
    common = statistics.median(m / base[k] for k, m in targets if base[k] > 0)
    cand = {g: common for g in groups}
    pc = predict(cand)
    if cost(pc, cand) < cost(base, s):
        s, base = cand, pc
    best = cost(base, s)
    sens = {}
    for it in range(iters):
        # the perturbation is relative to max(scale, 1): a scale near 0 still moves its
        # costs by whole cycles (skbsim's costs are integers)
        h = {g: step * max(s[g], 1.0) for g in groups}
        trial = [dict(s, **{g: s[g] + h[g]}) for g in groups]
        preds = list(ex.map(predict, trial))
        jac = [[(preds[j][key] - base[key]) / h[g] / meas
                for j, g in enumerate(groups)] for key, meas in targets]
        res = [(base[key] - meas) / meas for key, meas in targets]
        n = len(groups)
        ata = [[sum(jac[i][p] * jac[i][q] for i in range(len(targets))) +
                (ridge if p == q else 0.0) for q in range(n)] for p in range(n)]
        atb = [-sum(jac[i][p] * res[i] for i in range(len(targets))) +
               ridge * (1.0 - s[g]) for p, g in enumerate(groups)]
        d = solve(ata, atb)
        sens = {g: [targets[i][0] for i in range(len(targets)) if abs(jac[i][p]) > 0.002]
                for p, g in enumerate(groups)}
        lam, moved = 1.0, False
        for _ in range(5):
            cand = {g: max(SCALE_MIN, s[g] + lam * d[p]) for p, g in enumerate(groups)}
            pc = predict(cand)
            c = cost(pc, cand)
            if c < best:
                s, base, best, moved = cand, pc, c, True
                break
            lam /= 2
        if log:
            log("fit iteration %d: rms relative residual %.3f%s" %
                (it + 1, math.sqrt(best / len(targets)), "" if moved else " (no better step)"))
        if not moved:
            break
    ex.shutdown()
    resid = {key: (base[key] - meas) / meas for key, meas in targets}
    # standard error of each scale from the last linearisation: the residual variance
    # times the diagonal of (J^T J + ridge)^-1, relative to the scale
    dof = max(1, len(targets) - len(groups))
    var = sum(r * r for r in resid.values()) / dof
    n = len(groups)
    rel_se = {}
    for p, g in enumerate(groups):
        col = solve(ata, [1.0 if q == p else 0.0 for q in range(n)])
        rel_se[g] = math.sqrt(max(col[p], 0.0) * var) / s[g]
    sens["__rel_se__"] = rel_se
    return s, resid, sens, base


def sim_predictor(sim, cases, rates, prior):
    """predict(scales) -> {(case, metric): value} for the cases given."""
    def predict(scales):
        costs = costs_from_scales(scales, prior)
        out = {}
        for c in cases:
            m = sim.metrics(c, costs, rates.get(c["id"]))
            for k in c["metrics"]:
                out[(c["id"], k)] = m[k]
        return out
    return predict


# The ridge of a fit to measurements: real data leave flat directions (groups that no
# metric separates from another, or that move a metric only through batch formation), along
# which the unregularised fit wanders to its bounds (a context switch of 100 cycles, a
# forwarding decision of none). 0.03 prices a unit change of a scale like a 17 % residual on
# one metric, so a group leaves the prior only when the data ask for it. The synthetic test
# (tests/test_calibrate.py) checks identifiability with fit()'s own small default.
RIDGE_DATA = 0.03


def fit_rows(rows, info, skbsim, log, prior_file, iters=3):
    """Fit the costs to measurement rows; (scales, residuals, sensitivity, predictions)."""
    prior = load_profile(prior_file)["costs"]
    byid = {c["id"]: c for c in CASES}
    meas = {(r["case"], r["metric"]): r["median"] for r in rows}
    fitcases = [dict(byid[cid], metrics=[m for m in byid[cid]["metrics"]
                                         if m in FIT_METRICS[byid[cid]["mode"]] and
                                         (cid, m) in meas])
                for cid in sorted({r["case"] for r in rows}) if byid.get(cid, {}).get("fit")]
    rates = {c["id"]: meas[(c["id"], "rate")] for c in CASES
             if c["mode"] in ("wake", "paced", "halt") and (c["id"], "rate") in meas}
    targets = [((c["id"], m), meas[(c["id"], m)]) for c in fitcases for m in c["metrics"]]
    workdir = tempfile.mkdtemp(prefix="skbsim-cal-")
    try:
        sim = Sim(skbsim, info["mhz"], workdir, prior_file)
        return fit(targets, sim_predictor(sim, fitcases, rates, prior), [g for g, _ in PARAMS],
                   iters=iters, log=log, ridge=RIDGE_DATA)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


# --- the profile -----------------------------------------------------------------------------


def yq(s):
    """A double-quoted YAML scalar."""
    return '"' + str(s).replace("\\", "\\\\").replace('"', '\\"') + '"'


def flow(v):
    """@v (from a profile or built here) as a YAML flow scalar, sequence or mapping."""
    import yaml
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return ("%.4g" % v) if isinstance(v, float) else str(v)
    if isinstance(v, dict):
        return "{" + ", ".join("%s: %s" % (k, flow(x)) for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(flow(x) for x in v) + "]"
    s = str(v)
    if re.fullmatch(r"[A-Za-z0-9_.+-]+", s) and yaml.safe_load(s) == s:
        return s
    return yq(s)


def kept_source(src, why):
    """A prior entry's source with the reason it was kept added to its note."""
    if not isinstance(src, dict):  # `source: assumed`
        return {"kind": "assumed", "note": why}
    src = dict(src)
    note = src.get("note", "")
    if "; kept from profile " in note or note.startswith("kept from profile "):
        return src  # a profile calibrate wrote, used as the prior again: said already
    src["note"] = (note + "; " + why) if note else why
    return src


def fitted_entry(k, g, prior, info, scales, resid, sens):
    """The `costs:` entry of key k of fit group g: value, unit and a calibrate source."""
    keys = sens.get(g, [])
    # the largest relative residual of the metrics this value entered
    r = max([abs(resid[x]) for x in keys if x in resid] or [0.0])
    se = sens.get("__rel_se__", {}).get(g, 0.0)
    weak = se > WEAK_SE or scales[g] <= SCALE_MIN * 1.01
    members = dict(PARAMS)[g]
    kind = "measured" if len(members) == 1 and not weak and g in RECOVERED else "derived"
    val = costs_from_scales(scales, prior)[k]
    src = {"kind": kind}
    if kind == "derived":
        src["ref"] = "skbsim calibrate %s: fit of group '%s' to %s" % (
            CALIBRATE_VERSION, g, info.get("data", "the measurements"))
    src.update({"by": "skbsim calibrate %s" % CALIBRATE_VERSION, "kernel": info["kernel"],
                "cpu": info["cpu"], "date": info["date"][:10], "residual": round(r, 3)})
    notes = []
    if len(members) > 1:
        notes.append("prior %s x %.3f: group '%s' (%s) fitted as one scale factor; the "
                     "split inside the group is the prior profile's" %
                     (prior[k]["value"], scales[g], g, ", ".join(members)))
    if scales[g] <= SCALE_MIN * 1.01:
        notes.append("at the fit's lower bound (scale %.2f): the measurements want less than "
                     "the model can take off here" % SCALE_MIN)
    elif se > WEAK_SE:
        notes.append("weakly determined: relative standard error %.0f %%" % (100 * se))
    elif g not in RECOVERED:
        notes.append("relative standard error %.0f %%, but a synthetic fit does not recover "
                     "this group reliably (tests/test_calibrate.py)" % (100 * se))
    else:
        notes.append("relative standard error %.0f %%" % (100 * se))
    src["note"] = "; ".join(notes)
    return {"value": val, "unit": prior[k]["unit"], "source": src}


def profile_text(name, info, scales, resid, sens, prior_doc, prior_name):
    """The profile (format 1) as YAML text: every key of the prior, fitted or kept."""
    prior = prior_doc["costs"]
    group_of = {k: g for g, keys in PARAMS for k in keys}
    lines = ["# profiles/%s.yaml - written by skbsim calibrate %s (docs/profiles.md)."
             % (name, CALIBRATE_VERSION),
             "# Prior (starting values and the sources of every key not fitted): profile %s."
             % prior_name,
             "format: 1", "name: %s" % name, "description: >-",
             "  Measured by skbsim calibrate on %s (%d CPUs, %s): loopback, veth (netif_rx and"
             % (info["cpu"], info["ncpu"], info["kernel"]),
             "  NAPI mode), forwarding between namespaces and iptables drops; the physical-NIC,",
             "  interrupt, idle-state and qdisc costs veth cannot reach keep the values and",
             "  sources of profile %s. Good for predicting what this machine's kernel does."
             % prior_name,
             "machine:", "  cpu: %s" % yq("%s (%d vCPU)" % (info["cpu"], info["ncpu"])),
             "  kernel: %s" % yq(info["kernel"]), '  nic: "veth / loopback only"',
             "clock: %sGHz" % ("%.4f" % (info["mhz"] / 1000.0)).rstrip("0").rstrip("."),
             "costs:  # one line per key: value, unit, source"]
    width = max(len(k) for k in prior) + 2
    for k, e in prior.items():
        g = group_of.get(k)
        if g and sens.get(g):
            e = fitted_entry(k, g, prior, info, scales, resid, sens)
        else:
            why = ("kept from profile %s: " % prior_name) + (
                "no calibration metric was sensitive to it at the fitted point" if g else
                NOT_FITTED.get(k, "not measurable on veth/loopback"))
            e = {"value": e["value"], "unit": e["unit"],
                 "source": kept_source(e["source"], why)}
        lines.append("  %-*s%s" % (width, k + ":", flow(e)))
    return "\n".join(lines) + "\n"


def read_profile_costs(path):
    """{key: value} of a profile file's costs."""
    return {k: e["value"] for k, e in load_profile(path)["costs"].items()}


def read_profile_costs_text(text):
    """{key: value} of a profile's costs, from its text."""
    import yaml
    return {k: e["value"] for k, e in yaml.safe_load(text)["costs"].items()}


def profile_clock_mhz(path):
    """The profile's clock in MHz."""
    m = re.fullmatch(r"([\d.]+)([GM])Hz", str(load_profile(path).get("clock", "")))
    if not m:
        raise ValueError("%s: no clock" % path)
    return float(m.group(1)) * (1000.0 if m.group(2) == "G" else 1.0)


# --- command line ----------------------------------------------------------------------------


def main(argv=None):
    ap = argparse.ArgumentParser(prog="skbsim calibrate",
                                 description="measure this kernel, fit the costs, write a profile")
    ap.add_argument("--quick", action="store_true", help="fewer cases and trials (< 2 minutes)")
    ap.add_argument("-o", dest="out", default=None, help="profile to write (default NAME.yaml)")
    ap.add_argument("--name", default=None, help="profile name (default: from the output file)")
    ap.add_argument("--data", default=None, help="fit stored measurements (no root needed)")
    ap.add_argument("--save-data", default=None, help="also write the measurements here")
    ap.add_argument("--prior", default=DEFAULT_PRIOR,
                    help="profile NAME|PATH the fit starts from and keeps the unfitted keys of "
                         "(default %s)" % DEFAULT_PRIOR)
    ap.add_argument("--skbsim", default=None, help="the skbsim binary to fit with")
    ap.add_argument("--kbench", default=None, help="the kbench binary to measure with")
    a = ap.parse_args(argv)
    name = a.name or (os.path.basename(a.out)[:-5] if a.out and a.out.endswith(".yaml")
                      else "calibrated")
    if not re.fullmatch(r"[A-Za-z0-9._-]+", name):
        print("skbsim calibrate: invalid profile name '%s' (letters, digits, '-', '_', '.')"
              % name, file=sys.stderr)
        return EXIT_USAGE
    out = a.out or name + ".yaml"
    if a.out and a.name and os.path.basename(a.out) != name + ".yaml":
        print("skbsim calibrate: profile name '%s' does not match file '%s'" % (name, a.out),
              file=sys.stderr)
        return EXIT_USAGE

    outdir = os.path.dirname(os.path.abspath(out))
    if not os.path.isdir(outdir) or not os.access(outdir, os.W_OK):
        print("skbsim calibrate: cannot write '%s' (no such directory or not writable)" % out,
              file=sys.stderr)
        return EXIT_USAGE

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    try:
        import yaml  # noqa: F401  (load_profile's reader)
    except ImportError:
        print("skbsim calibrate: needs PyYAML to read profiles (Debian: python3-yaml)",
              file=sys.stderr)
        return EXIT_NOENV
    try:
        prior_file = prior_path(a.prior)
        prior_doc = load_profile(prior_file)
    except (EnvError, OSError) as e:
        print("skbsim calibrate: bad prior: %s" % e, file=sys.stderr)
        return EXIT_USAGE
    t0 = time.time()
    try:
        skbsim = find_tool("skbsim", a.skbsim)
        if a.data:
            rows, info = read_rows(a.data)
            info["data"] = os.path.basename(a.data)
        else:
            check_env()
            info = machine_info()
            info["date"] = datetime.datetime.now(datetime.timezone.utc).strftime(
                "%Y-%m-%dT%H:%M:%SZ")
            bench = Bench(find_tool("kbench", a.kbench), 0.3 if a.quick else 1.0,
                          3 if a.quick else 7, log)
            cases = [c for c in CASES if c["quick"]] if a.quick else CASES
            rows = bench.run(cases)
            info["data"] = os.path.basename(a.save_data) if a.save_data else \
                "the measurements of %s" % info["date"][:10]
            if a.save_data:
                write_rows(a.save_data, rows, info)
    except EnvError as e:
        print("skbsim calibrate: %s" % e, file=sys.stderr)
        return EXIT_NOENV
    except (RuntimeError, OSError, subprocess.CalledProcessError) as e:
        print("skbsim calibrate: measurement failed: %s" % e, file=sys.stderr)
        return EXIT_FAIL
    log("measured in %.0f s; fitting" % (time.time() - t0))
    try:
        scales, resid, sens, _ = fit_rows(rows, info, skbsim, log, prior_file,
                                          iters=3 if a.quick else 5)
    except (RuntimeError, ArithmeticError) as e:
        print("skbsim calibrate: fit failed: %s" % e, file=sys.stderr)
        return EXIT_FAIL
    for (cid, m), r in sorted(resid.items()):
        log("residual %-16s %-8s %+6.1f%%" % (cid, m, 100 * r))
    for g, _ in PARAMS:
        log("scale %-15s %.3f" % (g, scales[g]))
    with open(out, "w") as f:
        f.write(profile_text(name, info, scales, resid, sens, prior_doc,
                             str(prior_doc.get("name", a.prior))))
    log("wrote %s in %.0f s" % (out, time.time() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
