#!/usr/bin/env python3
"""make validate: regenerate docs/validation.md (measured or published figures vs skbsim).

usage: tools/validate.py [--skbsim PATH] [--out docs/validation.md] [--check]

Data-driven: every row of the table is a reference figure (a measurement of
this development VM in tests/kernel-ref/calib.csv, or a published figure), a
scenario that mirrors it, the metric taken from skbsim's report, a tolerance
stated before running and whether the profile was calibrated on that figure
or predicts it. Rows that need a mechanism that has not landed yet say which
(`depends`). Nothing here needs root: the measurements are the stored ones.
--check exits 1 when a row the profile claims (CLAIMED) fails.
"""
import argparse
import csv
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, ".."))
sys.path.insert(0, HERE)
import calibrate  # noqa: E402  (the cases, the scenario generator, the profile reader)

CALIB_CSV = "tests/kernel-ref/calib.csv"
HALT_CSV = "tests/kernel-ref/halt_wake.csv"
RPS_IPI_CSV = "tests/kernel-ref/rps_ipi.csv"
# The halt cases the VM profile's refill curve was read from (its points); the others
# are predictions of the curve's interpolation.
HALT_FIT = {"halt_g20", "halt_g200", "halt_g1000", "halt_g2000"}
# A halt run where CPU 1 had more than this share of other work is not used.
HALT_OTHERS_PCT = 10.0
VM_PROFILE = "profiles/epyc-vm-6.18.yaml"

# Tolerances, fixed before comparing: CPU time per packet within 20 % (or the
# measurement's own spread when larger), rates within 30 % (wall-clock rates
# on a shared machine lose to other load; CPU time does not), ratios 15 %.
TOL = {"send_ns": 0.20, "recv_ns": 0.20, "drain_ns": 0.20, "rate": 0.30, "ratio": 0.15,
       "pps": 0.15, "loss": 0.10, "recv_busy": 0.25}

WHAT = {"send_ns": "sender CPU per datagram (ns; with the receive softirq it runs)",
        "recv_ns": "receiver CPU per datagram (ns)",
        "drain_ns": "reading a full socket, CPU per datagram (ns)",
        "rate": "saturation rate (datagrams/s)",
        "loss": "share of the datagrams sent that the application never read",
        "recv_busy": "receiver CPU busy % at the offered load (the measured rate)"}

TOPO = {"lo": "loopback", "veth": "veth (netif_rx)", "napi": "veth NAPI (gro, rx-gro-list)",
        "fwd": "forwarding A -> R -> B over veth", "rps": "veth, RPS to CPU 1"}

# What a kind of row depends on; the text is shown for every row that fails. The
# mechanisms of issue 8 (interrupt entry/exit, cpuidle, remote wake-ups, cost variability,
# cache locality, contention) are merged; each text says what is still missing.
DEPENDS = {
    "recv_ns": "the reader on an idle vCPU: woken through the measured remote wake-up "
               "(ipi_send, ipi_latency) and slowed after each halt by the haltpoll state's "
               "refill curve (tests/kernel-ref/halt_wake.csv)",
    "rate": "none for the figure itself; the reference is wall-clock and the VM was shared "
            "(load average in the CSV)",
    "wake": "a sender that sleeps in nanosleep between datagrams (`sleep: nanosleep`, "
            "timer_sleep and ipi_send measured apart by tests/kernel-ref/vm_costs.sh) and a "
            "reader whose halts cost it the refill curve",
    "paced": "the reader's side of a wake-up from a halted vCPU: the haltpoll state's "
             "refill curve, measured with a busy-waiting sender (halt_g* rows)",
    "halt": "the refill curve's linear interpolation between its measured points",
    "flood": "the scheduler's treatment of softirq work done in a task's context",
    "rps": "skbsim sends fewer RPS IPIs than the VM (tests/kernel-ref/rps_ipi.csv): its "
           "CPU 1 comes back from the halt in ipi_latency and finds a longer backlog than the "
           "VM's; see below",
    "drain_ns": "cache locality (the drained skbs are cold)",
}

# Ratio rows built from two measured metrics: (id, what, (case, metric), (case, metric)).
RATIOS = [
    ("batch_gain_send", "sendmmsg batching gain: sender CPU per datagram, 1 vs 64 per call",
     ("lo_b1", "send_ns"), ("lo_b64", "send_ns")),
    ("batch_gain_recv", "recvmmsg batching gain: drain CPU per datagram, 1 vs 64 per call",
     ("drain_b1_s64", "drain_ns"), ("drain_b64_s64", "drain_ns")),
    ("napi_vs_netif_rx", "veth NAPI mode vs netif_rx mode, sender CPU per datagram",
     ("veth_napi", "send_ns"), ("veth", "send_ns")),
    ("rps_offload", "RPS to the other CPU vs none: sender CPU per datagram",
     ("rps", "send_ns"), ("veth", "send_ns")),
    ("fwd_vs_direct", "forwarding through a namespace vs direct veth, sender CPU per datagram",
     ("fwd", "send_ns"), ("veth", "send_ns")),
    ("raw_per_rule", "raw PREROUTING, 200 rules vs 0: sender CPU per dropped datagram",
     ("raw_r200", "send_ns"), ("raw_r0", "send_ns")),
    ("input_per_rule", "filter INPUT, 50 rules vs 0: sender CPU per dropped datagram",
     ("filter_r50", "send_ns"), ("filter_r0", "send_ns")),
    ("size_8000_vs_16", "payload 8000 vs 16 bytes, sender CPU per datagram (copy per byte)",
     ("lo_s8000", "send_ns"), ("lo_s16", "send_ns")),
    ("socket_vs_raw_rate", "saturation: delivered to a socket (veth) vs dropped at raw",
     ("veth", "rate"), ("raw_r0", "rate")),
]

# Published rows of the server profiles: profile, scenario file, metric, reference.
PUBLISHED = [
    dict(id="brouer_early_drop", profile="brouer-i7-6700k-mlx5",
         scenario="scenarios/validation/brouer-early-drop.yaml",
         what="generic XDP drop rate per core, 64 B, mlx5, 1 queue (pps)",
         ref=8.17e6, metric="drop_pps", tol="pps", kind="calibrated on",
         source="Brouer 2017, Eval Generic netstack XDP patch: 8.17 Mpps generic XDP drop "
                "(i7-6700K 4.0 GHz, ConnectX-4, ~v4.12); the profile's per-stage costs are "
                "that run's perf report",
         depends="xdp_prog is the native program's cost (derived from brouer_native_xdp_read), "
                 "charged again in do_xdp_generic; the perf report leaves about 14 ns for the "
                 "generic program"),
    dict(id="brouer_native_xdp_read", profile="brouer-i7-6700k-mlx5",
         scenario="scenarios/validation/brouer-native-xdp.yaml",
         what="native XDP drop rate per core, program reading the packet, 64 B (pps)",
         ref=12.0e6, metric="drop_pps", tol="pps", kind="calibrated on",
         source="Brouer 2017, same post: 12.0 Mpps native XDP drop reading the data; xdp_prog "
                "is derived from it (333 cycles less driver_rx and rx_refill)",
         depends="none"),
    dict(id="brouer_native_xdp", profile="brouer-i7-6700k-mlx5", scenario=None,
         what="native XDP drop rate per core, 64 B, without touching the data (pps)",
         ref=19.8e6, metric=None, tol="pps", kind="predicted",
         source="Brouer 2017, same post: 19.8 Mpps native XDP drop",
         depends="a program that never reads the packet: driver_rx includes the first read "
                 "of the packet data (23.6 ns), which such a program does not pay (not "
                 "modelled)"),
    dict(id="brouer_early_drop", profile="default",
         scenario="scenarios/validation/brouer-early-drop.yaml",
         what="the same generic XDP drop at 4.0 GHz with the default costs (pps)",
         ref=8.17e6, metric="drop_pps", tol="pps", kind="predicted",
         source="Brouer 2017 (as above): another machine's figure, the cross-machine check "
                "of a profile built from Cai et al.'s figures and Brouer's per-function ones",
         depends="as for the brouer-i7-6700k-mlx5 profile"),
    dict(id="sendmmsg_gain", profile="default",
         scenario="scenarios/validation/sendmmsg-batch.yaml",
         what="sendmmsg gain: rate with 64 per call / rate with 1 per call, 64 B UDP",
         ref=964800 / 804570, metric="sendmmsg_gain", tol="ratio", kind="predicted",
         source="kernel commit 228e548e (sendmmsg): 804,570 pps at 1, 964,800 pps at 64 "
                "(ppc64)",
         depends="the profile's send_per_msg and ip_output are assumed; the ratio tests "
                 "their sum against syscall (derived from this same commit: partly circular)"),
    dict(id="sendmmsg_gain", profile="brouer-i7-6700k-mlx5",
         scenario="scenarios/validation/sendmmsg-batch.yaml",
         what="sendmmsg gain: rate with 64 per call / rate with 1 per call, 64 B UDP",
         ref=964800 / 804570, metric="sendmmsg_gain", tol="ratio", kind="predicted",
         source="kernel commit 228e548e (as above)",
         depends="as for the default profile"),
]

# Rows of the mechanisms (idle states, cost variability, contention) on the server
# profiles: no published figure of those machines exists for them, so the reference is
# a range (lo, hi) that the kernel's behaviour implies, with its source; such a row is
# a shape check, not a measurement, and says so (kind "predicted (range)").
MECH = [
    dict(id="latency_low_vs_high", metric="latency_ratio",
         what="median application latency at 2 kpps / at 200 kpps (idle states on)",
         ref=(1.5, None),
         source="cpuidle (drivers/cpuidle/governors/menu.c, the profile's idle table): at "
                "2 kpps the CPUs stay idle ~500 us and the governor picks a deep state whose "
                "exit (C6: 133 us on Skylake-SP, intel_idle skx_cstates) each datagram pays "
                "twice; at 200 kpps they rarely sleep. Range: low-load latency at least 1.5 "
                "times the high-load one (no published end-to-end figure)"),
    dict(id="first_overflow_cv", metric="overflow_cv",
         what="share dropped at the RPS backlog (CPU_BACKLOG) at 97 % of CPU 1's "
              "saturation rate, the profile's cost_cv (steady state: the start left out)",
         ref=(1e-6, 0.01),
         source="issue 8: near saturation a real kernel drops rarely (jitter), not a steady "
                "share nor never; no published figure: range 'more than none, at most 1 %'"),
    dict(id="first_overflow_cv0", metric="overflow_cv0",
         what="the same at 97 % with cost_cv 0 (constant costs)",
         ref=(0.0, 0.0),
         source="queueing: Poisson arrivals into a 1000-packet backlog served at a constant "
                "rate at load 0.97 overflow with probability about exp(-2 (1 - 0.97) 1000) "
                "(M/D/1 tail): none in a run"),
    dict(id="first_overflow_cv_poll", metric="overflow_cv_poll",
         what="the same at 97 % with the profile's cost_cv and no idle states (idle: poll)",
         ref=(1e-6, 0.01),
         source="as first_overflow_cv; idle: poll isolates the cost variability from the "
                "idle-state exits"),
    dict(id="first_overflow_cv0_poll", metric="overflow_cv0_poll",
         what="the same at 97 % with cost_cv 0 and idle: poll",
         ref=(0.0, 0.0), source="as first_overflow_cv0"),
    dict(id="scaling_4_cores", metric="scaling",
         what="4 sender threads on 4 CPUs (own sockets, mq): total rate / 4 x one alone",
         ref=(0.85, 0.95),
         source="issue 8: real machines lose 5-15 % from 1 to N cores (the issue's statement, "
                "no primary source in ../shared/docs/costs.md)"),
    dict(id="scaling_4_cores_root", metric="scaling_root",
         what="the same with one shared qdisc root (parent: root): every sender takes "
              "the one qdisc lock",
         ref=(0.85, 0.95), source="as scaling_4_cores"),
]
MECH_PROFILES = ("default", "brouer-i7-6700k-mlx5")


# Rows a profile claims to pass (make validate --check fails when one does not).
CLAIMED = {"epyc-vm-6.18": "calibrated on", "default": None, "brouer-i7-6700k-mlx5": None}

SENDER_SHARE = 0.85  # a saturation rate is a reference only if the sender ran this share


def run(skbsim, path, sets=(), workdir=None, profile=None):
    """skbsim's report.json of scenario @path with --set @sets, under @profile."""
    out = os.path.join(workdir, "r")
    cmd = [skbsim, "run", path, "-o", out, "--quiet"]
    if profile:
        cmd += ["--set", "profile=" + profile]
    for s in sets:
        cmd += ["--unset", s[8:]] if s.startswith("--unset ") else ["--set", s]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(out, "report.json")) as f:
        rep = json.load(f)
    shutil.rmtree(out)
    return rep


def published_value(row, skbsim, workdir):
    """skbsim's figure for a published row (None when the mechanism is not modelled)."""
    if not row["metric"]:
        return None
    path = os.path.join(ROOT, row["scenario"])
    prof = row["profile"]
    if row["metric"] == "drop_pps":
        rep = run(skbsim, path, workdir=workdir, profile=prof)
        return sum(d["rate_pps"] for d in rep["drops"] if d["reason"] == "XDP")
    if row["metric"] == "sendmmsg_gain":
        def rate(sets):
            rep = run(skbsim, path, sets, workdir, prof)
            return rep["hosts"][0]["apps"][0]["sent"] / rep["duration_s"]
        return rate(()) / rate(("hosts/tx/apps/client/send/syscall=sendto",
                                "hosts/tx/apps/client/batch=1"))
    raise ValueError(row["metric"])


def drop_rate(rep, reason):
    return sum(d["rate_pps"] for d in rep["drops"] if d["reason"] == reason)


def drop_count(rep, reason):
    return sum(d["count"] for d in rep["drops"] if d["reason"] == reason)


def mech_value(metric, skbsim, workdir, prof):
    """(skbsim's figure, a note of the runs behind it) for a MECH row under profile prof."""
    val = os.path.join(ROOT, "scenarios", "validation")
    if metric == "latency_ratio":
        path = os.path.join(val, "latency-load.yaml")

        def p50(sets):
            rep = run(skbsim, path, sets, workdir, prof)
            return rep["hosts"][0]["apps"][0]["latency_ns"]["p50"]
        low, high = p50(()), p50(("traffic/load/rate=200kpps",))
        return low / high, "p50 %.1f us at 2 kpps, %.1f us at 200 kpps" % (low / 1e3,
                                                                          high / 1e3)
    if metric.startswith("overflow_"):
        path = os.path.join(val, "backlog-overflow.yaml")
        cv = () if metric.startswith("overflow_cv_") or metric == "overflow_cv" else \
            ("costs/cost_cv=0",)
        if metric.endswith("_poll"):
            cv += ("costs/idle=poll",)
        sat = drop_rate(run(skbsim, path, cv, workdir, prof), "NETFILTER_DROP")
        load = cv + ("traffic/load/rate=%dpps" % int(0.97 * sat),)
        # the steady state: the drops of a run twice as long less those of one run (the
        # start, when the flood meets CPUs idle in their deepest state, drops the same in both)
        one = run(skbsim, path, load, workdir, prof)
        two = run(skbsim, path, load + ("duration=%gs" % (2 * one["duration_s"]),), workdir,
                  prof)
        back = (drop_count(two, "CPU_BACKLOG") - drop_count(one, "CPU_BACKLOG")) / \
            one["duration_s"]
        share = back / (0.97 * sat)
        return share, "saturation %.3g Mpps; at 97 %%: %.3g pps dropped at the backlog" % (
            sat / 1e6, back)
    if metric in ("scaling", "scaling_root"):
        path = os.path.join(val, "scaling.yaml")
        root = ("hosts/tx/nics/eth0/qdisc/parent=root",) if metric == "scaling_root" else ()

        def sent(sets):
            rep = run(skbsim, path, root + sets, workdir, prof)
            return sum(a["sent"] for a in rep["hosts"][0]["apps"]) / rep["duration_s"]
        four = sent(())
        one = sent(tuple("--unset hosts/tx/apps/c%d" % i for i in (1, 2, 3)))
        return four / (4 * one), "one sender %.3g Mpps, four %.3g Mpps" % (one / 1e6,
                                                                          four / 1e6)
    raise ValueError(metric)


def rate_unusable(meas, c):
    """A measured saturation rate is no reference when its trials disagree or when the
    sender did not have its CPU: rate x CPU time per datagram (the share of the wall time
    it ran) below SENDER_SHARE. A paced sender's rate is the offered load: always usable."""
    cid = c["id"]
    if c["mode"] in ("wake", "paced", "halt"):
        return False
    if meas[(cid, "rate")]["noisy"]:
        return True
    if (cid, "send_ns") not in meas:
        return False
    return meas[(cid, "rate")]["median"] * meas[(cid, "send_ns")]["median"] / 1e9 < SENDER_SHARE


def halt_rows(path):
    """The halt-mode runs of measure_halt_wake.py as measurement rows (calib.csv's
    fields): per gap, the median of the usable runs' recv_ns and rate."""
    with open(path) as f:
        head = f.readline()
        runs = [r for r in csv.DictReader(f) if r["mode"] == "halt" and
                float(r["others_pct"]) <= HALT_OTHERS_PCT]
    m = re.search(r"load average ([\d.]+)", head)
    load = float(m.group(1)) if m else 0.0
    rows = []
    for gap in calibrate.HALT_GAPS_US:
        for metric in ("recv_ns", "rate"):
            vals = [float(r[metric]) for r in runs if int(r["gap_us"]) == gap]
            if not vals:
                continue
            med = statistics.median(vals)
            spread = (max(vals) - min(vals)) / med
            rows.append(dict(case="halt_g%d" % gap, metric=metric, median=med,
                             min=min(vals), max=max(vals), trials=len(vals), spread=spread,
                             noisy=int(spread > calibrate.NOISY_SPREAD), loadavg=load,
                             file=HALT_CSV))
    return rows


def rps_ipi_rows(sim, c, simv):
    """Datagrams per RPS IPI in the rps case: tests/kernel-ref/rps_ipi.csv (the CAL
    interrupts of CPU 1 over a 1 s flood) against skbsim's received_rps."""
    path = os.path.join(ROOT, RPS_IPI_CSV)
    if not os.path.exists(path):
        return []
    with open(path) as f:
        runs = list(csv.DictReader(line for line in f if not line.startswith("#")))
    vals = [int(r["sent"]) / max(int(r["cpu1_cal"]), 1) for r in runs]
    med = statistics.median(vals)
    per = sim.metrics(c, {}, None)["dgrams_per_ipi"]
    simv[("rps", "dgrams_per_ipi")] = per
    return [dict(id="rps.dgrams_per_ipi",
                 what="veth, RPS to CPU 1: datagrams per RPS IPI (net_rps_send_ipi), 64 B, "
                      "32/call",
                 ref=med, sim=per, tol=max(TOL["ratio"], (max(vals) - min(vals)) / med),
                 kind="predicted", unusable=False,
                 source="%s (median of %d runs: sent / CPU 1's CAL interrupts)" % (
                     RPS_IPI_CSV, len(vals)),
                 depends=DEPENDS["rps"])]


def vm_rows(skbsim, workdir, profile, data):
    """Rows of the VM profile: every stored measurement against its simulated twin."""
    rows, info = calibrate.read_rows(os.path.join(ROOT, data))
    if os.path.exists(os.path.join(ROOT, HALT_CSV)):
        rows += halt_rows(os.path.join(ROOT, HALT_CSV))
    pfile = os.path.join(ROOT, profile)
    mhz = calibrate.profile_clock_mhz(pfile)
    sim = calibrate.Sim(skbsim, mhz, workdir, pfile)
    meas = {(r["case"], r["metric"]): r for r in rows}
    cases = calibrate.CASES + calibrate.HALT_CASES
    byid = {c["id"]: c for c in cases}
    rates = {cid: meas[(cid, "rate")]["median"] for cid in byid
             if byid[cid]["mode"] in ("wake", "paced", "halt") and (cid, "rate") in meas}
    simv, out = {}, []
    for cid in sorted({r["case"] for r in rows}, key=lambda x: [c["id"] for c in
                                                                  cases].index(x)):
        c = byid[cid]
        m = sim.metrics(c, {}, rates.get(cid))
        for metric in c["metrics"]:
            if (cid, metric) not in meas:
                continue
            simv[(cid, metric)] = m[metric]
            r = meas[(cid, metric)]
            fitted = (c["fit"] and metric in calibrate.FIT_METRICS[c["mode"]] or
                      (cid in HALT_FIT and metric == "recv_ns"))
            tol = max(TOL[metric], r["spread"]) if metric not in ("rate", "loss") else TOL[metric]
            dep = (DEPENDS["flood"] if c["rcpu"] == 0 else DEPENDS.get(c["mode"]) or
                   DEPENDS.get(c["topo"]) or DEPENDS.get(metric, ""))
            out.append(dict(id="%s.%s" % (cid, metric),
                            what="%s: %s, %d B, %d/call" % (TOPO[c["topo"]] + (
                                {"drain": " (drain)", "drop": " %s DROP behind %d rules" % (
                                    c["table"], c["rules"]), "wake": " (paced, blocking reader)",
                                 "paced": " (a burst of 8 every %.0f us)" % c["gap_us"],
                                 "halt": " (a datagram every %.0f us, busy-waiting sender)" %
                                         c["spin_us"]}
                                .get(c["mode"], "")), WHAT[metric], c["size"],
                                c["rbatch"] if c["mode"] == "drain" else c["sbatch"]),
                            ref=r["median"], sim=m[metric], tol=tol,
                            unusable=metric == "rate" and rate_unusable(meas, c),
                            absolute=metric == "loss",
                            kind="calibrated on" if fitted else "predicted",
                            source="%s (median of %d, spread %.0f%%%s, load %.1f)" % (
                                r.get("file", data), r["trials"], 100 * r["spread"],
                                ", noisy" if r["noisy"] else "", r["loadavg"]),
                            depends=dep))
    out += rps_ipi_rows(sim, byid["rps"], simv)
    for rid, what, num, den in RATIOS:
        if num not in meas or den not in meas:
            continue
        both = all(byid[k[0]]["fit"] and k[1] in calibrate.FIT_METRICS[byid[k[0]]["mode"]]
                   for k in (num, den))
        noisy_rate = any(k[1] == "rate" and rate_unusable(meas, byid[k[0]]) for k in (num, den))
        out.append(dict(id=rid, what=what, ref=meas[num]["median"] / meas[den]["median"],
                        sim=simv[num] / simv[den],
                        tol=max(TOL["ratio"], meas[num]["spread"] + meas[den]["spread"]),
                        kind="calibrated on" if both else "predicted", unusable=noisy_rate,
                        source="%s: %s / %s" % (data, "%s.%s" % num, "%s.%s" % den),
                        depends=DEPENDS.get(byid[num[0]]["topo"], "")))
    return out, info


def fmt(v):
    if v is None:
        return "n/a"
    if isinstance(v, tuple):  # a range
        lo, hi = v
        if hi is None:
            return "≥ " + fmt(lo)
        return fmt(lo) if lo == hi else "%s – %s" % (fmt(lo), fmt(hi))
    if v and abs(v) < 0.01:
        return "%.2g" % v
    if abs(v) >= 1e5:
        return "%.3g M" % (v / 1e6) if abs(v) >= 1e6 else "%.0f k" % (v / 1e3)
    if abs(v) >= 100:
        return "%.0f" % v
    return "%.3g" % v


def verdict(row):
    if row["sim"] is None:
        return "NOT MODELLED"
    # a share (loss) is compared by its difference, the rest relative to the reference
    if isinstance(row["ref"], tuple):
        err = None
    elif row.get("absolute"):
        err = row["sim"] - row["ref"]
    else:
        err = (row["sim"] - row["ref"]) / row["ref"]
    if isinstance(row["ref"], tuple):  # a range: in it or not
        lo, hi = row["ref"]
        return "PASS" if row["sim"] >= lo and (hi is None or row["sim"] <= hi) else "FAIL"
    row["err"] = err
    if row.get("unusable"):  # a wall-clock rate whose trials disagree: no reference
        return "REF NOISY"
    return "PASS" if abs(err) <= row["tol"] else "FAIL"


def table(rows):
    lines = ["| row | what | kind | reference | skbsim | error | tolerance | result |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        r["result"] = verdict(r)
        unit = " points" if r.get("absolute") else " %"
        lines.append("| `%s` | %s | %s | %s | %s | %s | %s | **%s** |" % (
            r["id"], r["what"], r["kind"], fmt(r["ref"]), fmt(r["sim"]),
            ("%+.0f%s" % (100 * r["err"], unit)) if "err" in r else "–",
            ("±%.0f%s" % (100 * r["tol"], unit)) if r.get("tol") is not None else "range",
            r["result"]))
    return lines


def summary(name, rows):
    rows = [r for r in rows if r["result"] != "REF NOISY"]
    n = len(rows)
    pred = sum(r["kind"].startswith("predicted") for r in rows)
    by = {}
    for r in rows:
        by.setdefault((r["kind"], r["result"]), 0)
        by[(r["kind"], r["result"])] += 1
    parts = ", ".join("%s %s: %d" % (k, res, v) for (k, res), v in sorted(by.items()))
    return ("%s: %d scored rows (REF NOISY rows left out), %d predicted (%.0f %%), %d "
            "calibrated on. %s." % (name, n, pred, 100.0 * pred / max(n, 1), n - pred, parts))


def failures(rows):
    out = []
    for r in rows:
        if r["result"] not in ("PASS", "REF NOISY"):
            out.append("- `%s` (%s, %s): %s." % (r["id"], r["kind"], r["result"],
                                                  r["depends"] or "see below"))
    return out


INTRO = """# Validation: skbsim against the real kernel and published figures

Generated by `make validate` (`tools/validate.py`); do not edit by hand. Each row compares a
reference figure with what skbsim computes on a scenario that mirrors it, with a tolerance fixed
before the comparison and a PASS/FAIL. **calibrated on** rows are figures the profile's costs
were fitted to (they test the fit and the model's cost structure); **predicted** rows are figures
the fit never saw (they test the model); **predicted (range)** rows check a range the kernel's
behaviour implies where no measurement exists. Constants were not tuned to make rows pass: what
fails is listed with the reason, including what the model still lacks (the table is data-driven:
re-run `make validate` after a merge; every row is re-run each time).

Tolerances: CPU time per packet ±20 % (or the measurement's own spread, (max − min) / median
of its trials, when that is larger), saturation rates ±30 %, ratios ±15 % (or the sum of the
two measurements' spreads when larger), published packet rates and ratios ±15 %, CPU busy %
±25 %, the share of datagrams an application loses ±10 percentage points.

**REF NOISY**: a measured saturation rate is no reference, and is not scored, when its trials
spread by more than 15 % or when the sender did not have its CPU (rate × CPU time per datagram,
the share of the wall time the sender ran, below 85 %). The rates are wall-clock figures and the
VM's two vCPUs are shared with other engineers' builds (for the 2026-12-04 measurements their
processes were stopped; the load averages in the CSV, about 1, are the benchmark itself), and
the host's own load still moves the trials. CPU time per packet
(`send_ns`, `recv_ns`, `drain_ns`) is much less sensitive to that and is what the fit uses; a
rate row that is scored compares skbsim's saturation rate with a rate measured while the sender
had its CPU. A paced sender's rate is its offered load and is always scored.

How the VM rows are made: `skbsim calibrate` (`tools/calibrate.py`) ran the cases of
`tests/kernel-ref/calib.csv` (2026-12-04) on this VM's kernel inside network namespaces (a C sender and
receiver, `tools/kbench.c`, pinned to CPU 0 and CPU 1; CPU time from CLOCK_THREAD_CPUTIME_ID;
several trials, median, spread and load average kept, noisy cases flagged). The same script
builds, for each case, the skbsim scenario that mirrors it (`calibration_scenario()`: one host or
namespaces on one machine, the same sockets, batches, payloads, rules) and reads the same metric
from skbsim's report; the scenario names the profile (`profile: PATH`), so every key comes from
it. The fit used only the rows marked calibrated on; `skbsim calibrate --data
tests/kernel-ref/calib.csv -o profiles/epyc-vm-6.18.yaml` refits it against the simulator as
it is (priors: the profile itself, `--prior NAME|PATH` for another). The `halt_g*` rows come
from `tests/kernel-ref/halt_wake.csv` (`measure_halt_wake.py`, the halting runs whose CPU 1 had
no other work) and are simulated the same way (a sender with `sleep: spin`).

The server profiles (`default`, value for value `cai-xeon-gold-6128`, and
`brouer-i7-6700k-mlx5`) have no measurements of this project behind them: their rows are
published figures, and for the mechanisms no published figure of those machines exists, so
those rows (kind **predicted (range)**) check a range that the kernel's behaviour implies, with
the source of the range named; they are shape checks, not measurements.
"""


def server_rows(skbsim, workdir, prof):
    """The published and the mechanism rows of server profile @prof."""
    rows = []
    for r in PUBLISHED:
        if r["profile"] != prof:
            continue
        r = dict(r)
        r["sim"] = published_value(r, skbsim, workdir)
        r["tol"] = TOL[r["tol"]]
        rows.append(r)
    for m in MECH:
        r = dict(m, kind="predicted (range)", tol=None, depends="")
        r["sim"], note = mech_value(m["metric"], skbsim, workdir, prof)
        r["source"] = "%s (skbsim: %s)" % (m["source"], note)
        rows.append(r)
    return rows


SERVER_TITLES = {
    "default": "## Profile `default` (the Xeon Gold 6128 server of Cai et al., value for value "
               "`cai-xeon-gold-6128`)",
    "brouer-i7-6700k-mlx5": "## Profile `brouer-i7-6700k-mlx5` (Brouer's 2017 i7-6700K with "
                            "ConnectX-4)",
}


def main(argv=None):
    ap = argparse.ArgumentParser(description="regenerate docs/validation.md")
    ap.add_argument("--skbsim", default=os.path.join(ROOT, "skbsim"))
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "validation.md"))
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--data", default=CALIB_CSV, help="the VM measurements (relative to the "
                    "repository)")
    ap.add_argument("--profile", default=VM_PROFILE, help="the VM profile")
    a = ap.parse_args(argv)
    workdir = tempfile.mkdtemp(prefix="skbsim-val-")
    try:
        vm, info = vm_rows(a.skbsim, workdir, a.profile, a.data)
        servers = [(p, server_rows(a.skbsim, workdir, p)) for p in MECH_PROFILES]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    doc = [INTRO]
    doc += ["## Profile `epyc-vm-6.18` (this development VM)", "",
            "Measured %s on %s, kernel %s, %d CPUs, clock %.0f MHz; profile `%s`." % (
                info.get("date", "?"), info.get("cpu", "?"), info.get("kernel", "?"),
                info.get("ncpu", 0), info.get("mhz", 0), a.profile), ""]
    doc += table(vm)
    doc += ["", summary("epyc-vm-6.18", vm), ""]
    for prof, rows in servers:
        doc += [SERVER_TITLES[prof], "",
                "Reference figures from `../shared/docs/costs.md` and the kernel (sources "
                "named per row).", ""]
        doc += table(rows)
        doc += ["", summary(prof, rows), "", "Sources:", ""]
        doc += ["- `%s`: %s." % (r["id"], r["source"]) for r in rows]
        doc += [""]
    doc += ["## What fails and why", ""]
    doc += failures(vm)
    for prof, rows in servers:
        doc += [x.replace("- `", "- `%s` " % prof, 1) for x in failures(rows)]
    doc += ["", WHY, ""]
    doc += ["## Rows not yet built", "", NOT_BUILT]
    text = "\n".join(doc).rstrip() + "\n"
    with open(a.out, "w") as f:
        f.write(text)
    print("wrote %s: %s" % (a.out, summary("epyc-vm-6.18", vm)))
    for prof, rows in servers:
        print(summary(prof, rows))
    bad = [r for r in vm if r["kind"] == CLAIMED["epyc-vm-6.18"] and r["result"] != "PASS"]
    return 1 if a.check and bad else 0


WHY = """Why, mechanism by mechanism (nothing was tuned to pass; the numbers are in the tables):

- **The VM's calibrated rows pass, every one** (26 rows: CPU time per datagram of the fit
  cases, the ratios built only from them, and the four `halt_g*` rows the refill curve's points
  were read from). The VM was re-provisioned between 2026-12-02 and 2026-12-04 (kernel build
  `6.18.44-fc-v1098` became `fc-v1147`) and behaved differently afterwards (see the last
  point), so `calib.csv` was measured again on 2026-12-04 with the other sessions' processes
  stopped and the profile refitted to it (`skbsim calibrate`, the prior being the profile of
  2026-12-02 with the refill curve added): rms relative residual 5.7 %, the largest 11 %
  (`veth_napi.send_ns`). The fit now has a ridge (`RIDGE_DATA` in tools/calibrate.py): without
  it, groups no metric separates went to the fit's bounds (`ip_forward` and `nf_hook` at 2 % of
  their prior, `context_switch` at 25 %, or `veth_napi` at 2.9 times, which made the threaded
  NAPI kthread of `tests/test_napi.c` busy all the time where the real one sleeps thousands of
  times: `napi_threaded-2026-12-04.csv`). The same fit without the refill curve (same data, the
  prior less the curve) reaches 5.6 % on its own rows, but the readers that halt for long
  (`wake.recv_ns` −77 %, `paced_g*` −52 % to −57 %, every `halt_g*` row −48 % to −87 %) fall
  out: the halts' cost is what makes them consistent with the senders' costs. Many of this
  day's cases are flagged noisy (the trials spread by more than 15 %), so their tolerance is
  their spread. `tests/test_calibrate.py` re-runs the calibrated-on rows against the residuals
  the profile states.
- **Waking a reader on a halted vCPU** (`*.recv_ns`, `halt_g*`, `wake.*`, `paced_g*`). The
  VM's CPUs never poll in idle (haltpoll, guest_halt_poll_ns 0): a reader that blocks lets its
  vCPU halt, and the next datagram's wake-up finds it halted. What that costs the woken thread
  was measured apart (`tests/kernel-ref/measure_halt_wake.py`, `halt_wake.csv`): a reader woken
  by a datagram every 10 µs to 2 ms from a sender that busy-waits, once with the guest halting
  and once with it polling (the module parameter raised for the run, restored after). Polling,
  the reader costs 3–5 µs per datagram at every gap (skbsim's hot wake-up: 3.6 µs); halting, it
  costs 4.5 µs at 10 µs gaps and 27 µs at 2 ms, growing with the halt's length (sysfs
  `state1/time` over `usage`): about 7 µs more per wake-up after 25–45 µs halts, 11 µs after
  200 µs, 16 µs after 1 ms, 21 µs after 1.8 ms (the host runs other work on the halted vCPU's
  core, so the thread finds cold caches and TLB; under nested paging a TLB miss is a
  two-dimensional walk). The profile's haltpoll state carries that curve (`refill`, four points
  from the 20, 200, 1000 and 2000 µs gaps, linear in between, flat after); the 10, 50, 100 and
  500 µs gaps are predicted within 3–7 %, the 2 ms one is −13 %. With it, and nothing fitted
  to them, the live loopback readers (`lo_b*`: 1.6 µs per datagram, the reader halting about
  12 µs between batches) are +7 % to +15 %, the veth readers +8 % to +13 %, the blocking reader
  of `wake` −9 % and the burst readers of `paced_g*` −11 % to −21 %; the forwarding reader is
  +22 % (FAIL, just outside). Before the curve (2026-12-02, against that day's measurements)
  the loopback readers were +20 % to +26 % and the paced readers −64 % to −75 %.
- **The two copies** (`lo_s*.recv_ns`, `drain_*`). `copy_per_byte` is the receive side
  (copy_to_iter, first set from the drain rows: a reader emptying a full socket, the data hot
  in the shared L3) and `send_copy_per_byte` the send side (copy_from_iter into a new skb); the
  fit scales them together (0.21 and 0.36 cycles a byte after this fit). The drains pass
  (−10 % to +7 %); the receive rows of larger payloads are +12 % to +39 %: `lo_s1024` (+22 %)
  fails, `lo_s8000` (a fragmented datagram, +39 %) passes only inside its noise.
- **VM exits** (measured apart, not fitted). This VM is a nested guest (KVM under a
  software hypervisor): every VM exit costs about 5 µs (a CPUID instruction from user space,
  `tests/kernel-ref/vm_costs.sh`). Two of the kernel's paths exit: sending an IPI to a halted
  vCPU (the x2APIC ICR write) and sleeping on a timer (the TSC-deadline write, the expiry and
  the halt). The same script measures them as a thread's CPU time: a pipe write that wakes a
  reader on the other, halted vCPU costs 9.0 µs more than one that wakes a reader on its own
  CPU (median of 6 runs on 2026-12-02, 6.3–10.1 µs; 8.2 µs, 6.4–9.9, when re-run on
  2026-12-04: `vm_costs-2026-12-04.csv`), which the VM profile takes as `ipi_send` (charged
  per RPS IPI and per remote wake-up of a CPU that does not poll; the server profiles keep 300
  cycles); nanosleep(0) costs 28.1 µs (27.5 on 2026-12-04), which is `timer_sleep` beyond the
  syscall and the context switch, paid by a sender with `sleep: nanosleep` as kbench's
  `--gap-us` sender sleeps. The remote wake-up's delay, `ipi_latency` 15 µs, is half the
  difference of a cross-CPU and a same-CPU pipe ping-pong (`wake_pingpong.csv`, 2026-12-02);
  that figure includes the waker's 9 µs exit and the woken side's refill, which skbsim charges
  apart, so it is an upper bound (on 2026-12-04 the ping-pong gives 24 µs a leg:
  `wake_pingpong-2026-12-04.csv`). With 8 µs instead the fit sends `context_switch` to its
  lower bound and the rows do not improve, so the profile keeps 15 µs.
- **The paced cases** (`wake.*`, `paced_g*`, predicted, all within tolerance). The sender of
  `wake` sleeps 50 µs in nanosleep between datagrams (its CPU halts too and pays the refill on
  its timer's wake-up) and wakes a blocking reader on the halted CPU 1: +14 % on the sender,
  −9 % on the reader. The burst readers (`paced_g*`, 8 datagrams every 10–200 µs) are −10 % to
  −21 % in CPU time and busy %: skbsim's reader still gathers slightly more datagrams per
  wake-up than the VM's. The paced rates are the offered load and match by construction.
- **RPS** (`rps.send_ns` −26 %, `rps_offload` −27 %, predicted, just inside their tolerance;
  `rps.dgrams_per_ipi`, FAIL). skbsim moves the receive half to CPU 1 and charges the sender
  `rps_enqueue` and `ipi_send` per IPI, so the sender's CPU per datagram falls to 0.58 of the
  veth case; on the VM it falls to 0.79. The IPIs were counted (`tests/kernel-ref/
  measure_rps_ipi.sh`, `rps_ipi.csv`: CPU 1's function-call interrupts over a 1 s flood): the
  VM sends one per 8.3 datagrams, skbsim one per 28, because its CPU 1 stays in the backlog
  longer per IPI (it wakes after `ipi_latency` and drains what arrived meanwhile; its reader
  hardly sleeps), so its sender pays fewer 9 µs IPIs. The RPS case is also the only one that
  separates the send half from the receive half (elsewhere both run on the sender's CPU); a fit
  with the two halves as separate groups and `rps.send_ns` as a target passes every VM row but
  makes the receive half 30 % cheaper than the send half's scale, and then the threaded NAPI
  kthread of `tests/test_napi.c` drains a flood under load far faster than the real one
  (0.15 of the datagrams dropped against 0.33–0.38 measured, `napi_threaded.csv` and
  `napi_threaded-2026-12-04-2hogs.csv`): the two measurements disagree about the receive half,
  which points at a per-packet cost of the NAPI path (GRO list, its segmentation at delivery)
  that skbsim does not charge. That fit is not shipped.
- **An application against a flood on its CPU** (`flood_cpu0.loss`, predicted, PASS): sender and
  reader pinned to CPU 0 over loopback; the VM's reader lost 6·10⁻⁶ of the datagrams, skbsim's
  none, both far below the ±10-point tolerance (the reader keeps up because the sender's
  softirq is charged to the sender's own time slices). The datagrams still queued when the
  run ends are not counted as lost (they were, 8·10⁻⁴, before). The profile's scheduler is
  EEVDF (`sched_eevdf`, as the VM's 6.18): a turn on the CPU ends at the first tick after the
  thread's deadline, one base slice (1.4 ms on 2 CPUs), so 4 ms at HZ=250 (two spinning
  processes on one CPU of the VM take turns of 3.98 ms: `tests/kernel-ref/sched_turns.sh`),
  where CFS gave the sender up to 6 ms (half the 12 ms period) before a waiting reader; the
  loopback rate (`flood_cpu0.rate`, REF NOISY) went from +17 % (CFS) to +2 % then, −4 % against the 2026-12-04 measurement.
- **Rates** (`*.rate`): skbsim's saturation rates are within 14 % of every measured one
  except RPS (+36 %) (loopback, veth, NAPI, forwarding, the drop paths); most are REF NOISY all
  the same (their trials spread by more than 15 %) and are not scored. The paced rates are the
  offered load.
- **Loopback vs veth, a model simplification** (not fixed here: it is `models/ipv4/ip.c`'s):
  `loopback_xmit` keeps the skb's route (`skb_dst_force`), so the kernel skips
  `ip_route_input_noref` for a datagram that came over `lo`, while a veth hop drops the route
  (`skb_scrub_packet`) and the receiver looks it up. skbsim charges `ip_route_input` on both.
- **Published server rows**: the early-drop row is 26 % low with both server profiles because
  skbsim's earliest drop point on a hardware NIC is a raw PREROUTING rule (it pays `ip_rcv`,
  `nf_hook`, `nf_rule` beyond Brouer's generic-XDP drop); for `brouer-i7-6700k-mlx5` it is
  marked calibrated on (its per-stage costs are that run's perf report) and still fails, for
  that reason. Native XDP on a hardware NIC is not modelled. The sendmmsg gain is 1.55 against
  1.20 with both profiles: a datagram's send path (`send_per_msg` + `ip_output` + ...) is only
  about twice `syscall` in those profiles, where the commit's machine spent five times the
  syscall per datagram; those values are assumed.
- **Latency at low against high load** (`latency_low_vs_high`, range, FAIL with the default
  profile, PASS with `brouer-i7-6700k-mlx5`). The governor follows menu.c (6.18): when the idle
  periods show no pattern it predicts the time to the closest timer (here the next tick) scaled
  by the correction factor it learnt, which tracks the mean idle period. At 2 kpps (Poisson) the
  periods average about 500 µs: below the 600 µs target residency of Skylake-SP's C6, so the
  default profile's CPUs take C1E for about 70 % of them and C6 for the rest, and the median
  datagram meets a 10 µs exit, not a 133 µs one: p50 25 µs at 2 kpps against 39 µs at 200 kpps
  (ITR batching). The i7-6700K's C6 (200 µs residency) is taken at 2 kpps, so its ratio is
  4.5. Before this governor (a spread of intervals meant "no limit", and C6 every time) the
  default profile's ratio was 6.8 and passed; the range (no published figure) was written for
  that behaviour. A median is blind to the 30 % of datagrams that meet C6; what a real Skylake-SP
  server shows at 2 kpps depends on its idle periods in just this way, and no figure of one
  was found to settle it.
- **The first overflow of a backlog near saturation** (`first_overflow_*`, range, the steady
  state: the drops of a run twice as long less those of one run). At the start of every run the
  flood meets CPUs idle in their deepest state (the governor has no history and the tick is
  4 ms away: C6), and while they wake (133 µs) the ring and the backlog overflow: a few hundred
  packets in every variant with idle states, the same in a run of any length, so they are left
  out. In the steady state nothing overflows at 97 % with either server profile: with constant
  costs (`first_overflow_cv0`, PASS) as queueing says, and also with the profiles' cost_cv
  (`first_overflow_cv`, `first_overflow_cv_poll`, FAIL on both): independent per-job jitter
  (cost_cv 0.1) averages out over the hundreds of jobs a backlog holds, and the governor, now
  learning from the short idle periods at this load, no longer sends a CPU into C6 mid-run
  (with the earlier governor about a hundred C6 exits per run made `first_overflow_cv` pass for
  the wrong reason: `first_overflow_cv0` dropped the same share). The rare drops of a real
  kernel need correlated variation (a cache-cold stretch, an interrupt storm, a timer's
  softirq work), which skbsim does not draw.
- **Multi-core scaling** (`scaling_4_cores`, range, FAIL on both): four senders with their own
  sockets and TX queues (mq) scale exactly linearly in skbsim (1.00): none of the contention
  terms engages when nothing is shared (`lock_bounce` needs a shared lock, `mem_bandwidth` is
  far from its limit at 64-byte datagrams, `cacheline_remote` needs a reader on another CPU).
  The 5–15 % a real machine loses there comes from the shared LLC and uncore, which skbsim has
  no term for. With one shared qdisc root (`scaling_4_cores_root`: every sender takes the one
  qdisc lock, its line bounces) skbsim loses 13 % with the default profile, inside the range;
  the issue does not say which configuration its 5–15 % describes, so neither row is a
  measurement.
- **What the fit could not separate** (see each value's note in the profile): the send half and
  the receive half always run on the sender's CPU on these paths, so they are one factor
  (`udp_stack`); groups whose relative standard error is above 25 % or that a synthetic fit
  does not recover reliably are `derived`, not `measured`. This fit scaled the 2026-12-02
  profile by 0.93 (`syscall`), 1.30 (`udp_stack`), 1.33 (`recv_per_msg`), 0.95 (the copies),
  0.91 (`veth_xmit`), 1.22 (`veth_napi`), and left `backlog`, `ip_forward`, `nf_hook`,
  `nf_rule`, `wakeup` and `context_switch` within 7 % of it; `backlog` was already near the
  fit's lower bound before (the measurements want less there than the model charges: a
  mechanism charged to the wrong place rather than a cost).
- **The measurements of 2026-12-02** (`tests/kernel-ref/calib-2026-12-02.csv`, the VM's
  previous build, and `calib-remeasured.csv` of the same day) are kept as the reference for the
  variation between days: against them, the sender's CPU per datagram on loopback was 25–35 %
  lower and the loopback reader's 40–50 % lower than on 2026-12-04, the drains the same within
  10 %, the paced readers 20–40 % higher. CPU work inside the guest did not change; the cost of
  halting and waking a vCPU (the host's side) did. A profile is a snapshot of one machine in one
  condition: `skbsim calibrate` measures the machine as it is."""

NOT_BUILT = """Rows the issue asks for that have no reference measurement yet (the machinery above takes
them as soon as one exists: add a case to `calibrate.CASES`, a row to `PUBLISHED` or `MECH`):

- CPU busy % against offered load on a physical NIC (concave because of the interrupt and
  idle-state costs): three VM points exist (`paced_g*`), no published curve of a server in
  `../shared/docs/costs.md`.
- Packets per poll at saturation on a physical NIC: not measurable on veth/loopback, no
  published figure.
- Latency at low against high load, the first backlog overflow and multi-core scaling on this
  VM: kbench measures CPU time and rates, not latency, and the VM has two vCPUs and no NIC; the
  server rows above are range checks, not measurements.
- An application against a flood on a server's CPU: only the VM row (`flood_cpu0.loss`)."""


if __name__ == "__main__":
    sys.exit(main())
