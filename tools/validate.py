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
import json
import os
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

# Which mechanism (issue 8 branches) a kind of row depends on; the text is
# shown for every row that fails.
DEPENDS = {
    "recv_ns": "cpumech: idle-state exit latency and IPI wake-up (the reader is woken per "
               "datagram instead of finding a batch), cache locality (warm data)",
    "rate": "none for the figure itself; the reference is wall-clock and the VM was shared "
            "(load average in the CSV)",
    "wake": "cpumech: idle-state exit and IPI wake-up of the sleeping reader",
    "paced": "cpumech: interrupt entry/exit, idle-state exit and IPI wake-up (CPU busy % is "
             "concave in the offered load on a real machine)",
    "flood": "cpumech: the scheduler's treatment of softirq work done in a task's context",
    "rps": "cpumech: IPI wake-up, cache locality (the other CPU reads cold data)",
    "drain_ns": "cpumech: cache locality (the drained skbs are cold)",
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

# Published rows for the default profile: scenario file, metric, reference.
PUBLISHED = [
    dict(id="brouer_early_drop", scenario="scenarios/validation/brouer-early-drop.yaml",
         what="drop rate per core at the earliest drop point, 64 B, mlx5, 1 queue (pps)",
         ref=8.17e6, metric="drop_pps", tol="pps", kind="calibrated on",
         source="Brouer 2017, Eval Generic netstack XDP patch: 8.17 Mpps generic XDP drop "
                "(i7-6700K 4.0 GHz, ConnectX-4, ~v4.12)",
         depends="generic XDP on a hardware NIC (not modelled): skbsim's earliest drop is a "
                 "raw PREROUTING rule, after ip_rcv and the netfilter hook"),
    dict(id="brouer_native_xdp", scenario=None,
         what="native XDP drop rate per core, 64 B (pps)", ref=19.8e6, metric=None,
         tol="pps", kind="predicted",
         source="Brouer 2017, same post: 19.8 Mpps native XDP drop",
         depends="native XDP on a hardware NIC driver (not modelled)"),
    dict(id="sendmmsg_gain", scenario="scenarios/validation/sendmmsg-batch.yaml",
         what="sendmmsg gain: rate with 64 per call / rate with 1 per call, 64 B UDP",
         ref=964800 / 804570, metric="sendmmsg_gain", tol="ratio", kind="calibrated on",
         source="kernel commit 228e548e (sendmmsg): 804,570 pps at 1, 964,800 pps at 64 "
                "(ppc64)",
         depends="the default profile's send_per_msg and ip_output are assumed; the ratio "
                 "tests their sum against syscall"),
]

# Rows a profile claims to pass (make validate --check fails when one does not).
CLAIMED = {"epyc-vm-6.18": "calibrated on", "default": None}

SENDER_SHARE = 0.85  # a saturation rate is a reference only if the sender ran this share


def run(skbsim, path, sets=(), workdir=None):
    out = os.path.join(workdir, "r")
    cmd = [skbsim, "run", path, "-o", out, "--quiet"]
    for s in sets:
        cmd += ["--set", s]
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
    if row["metric"] == "drop_pps":
        rep = run(skbsim, path, workdir=workdir)
        return sum(d["rate_pps"] for d in rep["drops"] if d["reason"] == "NETFILTER_DROP")
    if row["metric"] == "sendmmsg_gain":
        def rate(sets):
            rep = run(skbsim, path, sets, workdir)
            return rep["hosts"][0]["apps"][0]["sent"] / rep["duration_s"]
        return rate(()) / rate(("hosts/tx/apps/client/send/syscall=sendto",
                                "hosts/tx/apps/client/batch=1"))
    raise ValueError(row["metric"])


def rate_unusable(meas, c):
    """A measured saturation rate is no reference when its trials disagree or when the
    sender did not have its CPU: rate x CPU time per datagram (the share of the wall time
    it ran) below SENDER_SHARE. A paced sender's rate is the offered load: always usable."""
    cid = c["id"]
    if c["mode"] in ("wake", "paced"):
        return False
    if meas[(cid, "rate")]["noisy"]:
        return True
    if (cid, "send_ns") not in meas:
        return False
    return meas[(cid, "rate")]["median"] * meas[(cid, "send_ns")]["median"] / 1e9 < SENDER_SHARE


def vm_rows(skbsim, workdir, profile, data):
    """Rows of the VM profile: every stored measurement against its simulated twin."""
    rows, info = calibrate.read_rows(os.path.join(ROOT, data))
    costs = calibrate.read_profile_costs(os.path.join(ROOT, profile))
    mhz = calibrate.profile_clock_mhz(os.path.join(ROOT, profile))
    sim = calibrate.Sim(skbsim, mhz, workdir)
    meas = {(r["case"], r["metric"]): r for r in rows}
    byid = {c["id"]: c for c in calibrate.CASES}
    rates = {cid: meas[(cid, "rate")]["median"] for cid in byid
             if byid[cid]["mode"] in ("wake", "paced") and (cid, "rate") in meas}
    simv, out = {}, []
    for cid in sorted({r["case"] for r in rows}, key=lambda x: [c["id"] for c in
                                                                  calibrate.CASES].index(x)):
        c = byid[cid]
        m = sim.metrics(c, costs, rates.get(cid))
        for metric in c["metrics"]:
            if (cid, metric) not in meas:
                continue
            simv[(cid, metric)] = m[metric]
            r = meas[(cid, metric)]
            fitted = c["fit"] and metric in calibrate.FIT_METRICS[c["mode"]]
            tol = max(TOL[metric], r["spread"]) if metric not in ("rate", "loss") else TOL[metric]
            dep = (DEPENDS["flood"] if c["rcpu"] == 0 else DEPENDS.get(c["mode"]) or
                   DEPENDS.get(c["topo"]) or DEPENDS.get(metric, ""))
            out.append(dict(id="%s.%s" % (cid, metric),
                            what="%s: %s, %d B, %d/call" % (TOPO[c["topo"]] + (
                                {"drain": " (drain)", "drop": " %s DROP behind %d rules" % (
                                    c["table"], c["rules"]), "wake": " (paced, blocking reader)",
                                 "paced": " (a burst of 8 every %.0f us)" % c["gap_us"]}
                                .get(c["mode"], "")), WHAT[metric], c["size"],
                                c["rbatch"] if c["mode"] == "drain" else c["sbatch"]),
                            ref=r["median"], sim=m[metric], tol=tol,
                            unusable=metric == "rate" and rate_unusable(meas, c),
                            absolute=metric == "loss",
                            kind="calibrated on" if fitted else "predicted",
                            source="%s (median of %d, spread %.0f%%%s, load %.1f)" % (
                                data, r["trials"], 100 * r["spread"],
                                ", noisy" if r["noisy"] else "", r["loadavg"]),
                            depends=dep))
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
    if abs(v) >= 1e5:
        return "%.3g M" % (v / 1e6) if abs(v) >= 1e6 else "%.0f k" % (v / 1e3)
    if abs(v) >= 100:
        return "%.0f" % v
    return "%.3g" % v


def verdict(row):
    if row["sim"] is None:
        return "NOT MODELLED"
    # a share (loss) is compared by its difference, the rest relative to the reference
    err = row["sim"] - row["ref"] if row.get("absolute") else (row["sim"] - row["ref"]) / row["ref"]
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
        lines.append("| `%s` | %s | %s | %s | %s | %s | ±%.0f%s | **%s** |" % (
            r["id"], r["what"], r["kind"], fmt(r["ref"]), fmt(r["sim"]),
            ("%+.0f%s" % (100 * r["err"], unit)) if "err" in r else "–", 100 * r["tol"], unit,
            r["result"]))
    return lines


def summary(name, rows):
    rows = [r for r in rows if r["result"] != "REF NOISY"]
    n = len(rows)
    pred = sum(r["kind"] == "predicted" for r in rows)
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
the fit never saw (they test the model). Constants were not tuned to make rows pass: what fails
is listed with the reason, and rows that need a timing mechanism that has not landed yet name it
(the table is data-driven: re-run `make validate` after a merge).

Tolerances: CPU time per packet ±20 % (or the measurement's own spread, (max − min) / median
of its trials, when that is larger), saturation rates ±30 %, ratios ±15 % (or the sum of the
two measurements' spreads when larger), published packet rates and ratios ±15 %, CPU busy %
±25 %, the share of datagrams an application loses ±10 percentage points.

**REF NOISY**: a measured saturation rate is no reference, and is not scored, when its trials
spread by more than 15 % or when the sender did not have its CPU (rate × CPU time per datagram,
the share of the wall time the sender ran, below 85 %). The rates are wall-clock figures and the
VM's two vCPUs were shared with other engineers' builds while measuring (load averages in the
CSV, of which about 2 is the benchmark itself), which preempted the sender. CPU time per packet
(`send_ns`, `recv_ns`, `drain_ns`) is much less sensitive to that and is what the fit uses; a
rate row that is scored compares skbsim's saturation rate with a rate measured while the sender
had its CPU. A paced sender's rate is its offered load and is always scored.

How the VM rows are made: `skbsim calibrate` (`tools/calibrate.py`) ran the cases of
`tests/kernel-ref/calib.csv` on this VM's kernel inside network namespaces (a C sender and
receiver, `tools/kbench.c`, pinned to CPU 0 and CPU 1; CPU time from CLOCK_THREAD_CPUTIME_ID;
several trials, median, spread and load average kept, noisy cases flagged). The same script
builds, for each case, the skbsim scenario that mirrors it (`calibration_scenario()`: one host or
namespaces on one machine, the same sockets, batches, payloads, rules) and reads the same metric
from skbsim's report; the profile's costs enter as a `costs:` mapping (until the `profile:`
loader is merged). The fit used only the rows marked calibrated on.
"""


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
        pub = [dict(r) for r in PUBLISHED]
        for r in pub:
            r["sim"] = published_value(r, a.skbsim, workdir)
            r["tol"] = TOL[r["tol"]]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    doc = [INTRO]
    doc += ["## Profile `epyc-vm-6.18` (this development VM)", "",
            "Measured %s on %s, kernel %s, %d CPUs, clock %.0f MHz; profile `%s`." % (
                info.get("date", "?"), info.get("cpu", "?"), info.get("kernel", "?"),
                info.get("ncpu", 0), info.get("mhz", 0), a.profile), ""]
    doc += table(vm)
    doc += ["", summary("epyc-vm-6.18", vm), ""]
    doc += ["## Profile `default` (main's cost table, published per-stage figures)", "",
            "Reference figures from `../shared/docs/costs.md` (sources named per row).", ""]
    lines = table(pub)
    doc += lines
    doc += ["", summary("default", pub), "", "Sources of the published rows:", ""]
    doc += ["- `%s`: %s." % (r["id"], r["source"]) for r in pub]
    doc += ["", "## What fails and why", ""]
    doc += failures(vm) + failures(pub)
    doc += ["", WHY, ""]
    doc += ["## Rows not yet built", "", NOT_BUILT]
    text = "\n".join(doc).rstrip() + "\n"
    with open(a.out, "w") as f:
        f.write(text)
    print("wrote %s: %s" % (a.out, summary("epyc-vm-6.18", vm)))
    print(summary("default", pub))
    bad = [r for r in vm if r["kind"] == CLAIMED["epyc-vm-6.18"] and r["result"] != "PASS"]
    return 1 if a.check and bad else 0


WHY = """Why, mechanism by mechanism (nothing was tuned to pass; the numbers are in the tables):

- **Waking a reader on an idle vCPU** (`*.recv_ns`, `paced_g*`, predicted). Two faces of one
  missing mechanism. (1) The saturated live reader: skbsim's reader on CPU 1 pays one wake-up,
  one `recvmmsg` and one context switch per datagram or two (`recv_per_msg` + `syscall` +
  `context_switch`), because it is woken as soon as the first datagram of a burst is queued and
  runs at once: skbsim about 2 to 3 times the measurement. The real reader costs about what a
  full-batch drain costs (about 850 ns per datagram against 810–940 ns for the drain at 64 per
  call): on this KVM guest an idle vCPU takes long to wake (idle-state exit; the IPI is a VM
  exit), so by the time the reader runs many datagrams are queued and each call returns a full
  batch. (2) The paced reader, woken once per burst of 8: it costs 3200–4200 ns per datagram on
  the VM, some 20–27 µs per wake-up beyond the reading, where skbsim charges a context switch
  (its busy % is half the measured one). Both need the idle-state exit latency and the IPI
  wake-up of branch `cpumech`; the drain rows, which have no wake-up, pass.
- **RPS** (`rps.send_ns`, `rps.rate`, `rps_offload`, predicted, FAIL by about −40 %). skbsim
  moves the receive half to CPU 1 and charges the sender only `rps_enqueue` and `ipi_send`, so
  the sender's CPU per datagram nearly halves; on the VM it hardly drops (0.91–1.04 in three
  runs): sending the IPI costs nearly what the receive half saved (under KVM an IPI is a VM
  exit), and the data is cold on the other CPU. Needs `cpumech` (IPI cost, cache locality);
  `ipi_send` cannot be measured apart from the rest without it and stays the default's assumed
  300 cycles. The rate fails with the CPU time (the sender had its CPU: 93 %).
- **The paced sender** (`wake.send_ns`, predicted, FAIL by about −85 %). A sender that sleeps
  50 µs between datagrams pays, per datagram, an hrtimer, two context switches, the idle loop
  and its exit, and the VM exits behind them: 26–32 µs of CPU per datagram measured in three
  runs, 4–5 µs in skbsim. skbsim has no idle states or timer costs yet (`cpumech`); this case
  was left out of the fit on purpose, so that those costs did not end up in `wakeup` and
  `context_switch`.
- **Rates** (`*.rate`): the drop-path rates (raw PREROUTING and filter INPUT behind 0–200
  rules) and veth NAPI, measured while the sender had its CPU, are predicted within 20 %; the
  live loopback and forwarding rates are REF NOISY (their senders ran 26–74 % of the wall
  time, preempted by other builds: kbench counts involuntary context switches, and a check
  while writing this found `ksoftirqd/0` idle, so the time went to other tasks), and `veth.rate`
  because its trials spread; the paced rates are the offered load and match by construction.
- **Loopback vs veth, a model simplification found on the way** (not fixed here: it is
  `models/ip.c`'s): `loopback_xmit` keeps the skb's route (`skb_dst_force`), so the kernel's
  `ip_rcv_finish_core` skips `ip_route_input_noref` for a datagram that came over `lo`, while
  a veth hop drops the route (`skb_scrub_packet` across namespaces) and the receiver looks it
  up. skbsim charges `ip_route_input` on both, so the fitted `veth_xmit` carries only part of
  the real difference between the two paths and `udp_stack` is slightly high for loopback.
- **Published server rows** (`default` profile): the early-drop row is 25 % low because
  skbsim's earliest drop point on a hardware NIC is a raw PREROUTING rule (it pays `ip_rcv`,
  `nf_hook`, `nf_rule` beyond Brouer's generic-XDP drop); native XDP on a hardware NIC is not
  modelled. The sendmmsg gain is 1.55 against 1.20: in the default table a datagram's send path
  (`send_per_msg` + `ip_output` + ...) is only about twice `syscall`, where the commit's
  machine spent five times the syscall per datagram; those defaults are assumed values.
- **What the fit could not separate** (see each value's note in the profile): the send half and
  the receive half always run on the sender's CPU on these paths, so they are one factor
  (`udp_stack`); groups whose relative standard error is above 25 % are marked `derived`, not
  `measured`, and groups that ended at the fit's lower bound say so: the measurements want less
  there than the model charges, which points at a mechanism charged to the wrong place rather
  than at a cost (for the `backlog` group, the receive-side wake-up structure above). The fit
  is sensitive to the noise of a loaded machine: between four measurement runs made while
  writing this (load averages 2–10) the weakly determined groups moved by factors of 2 or more
  (`veth_xmit` from 1.5 to 14 times the default), while `udp_stack` (4.4–4.8 times) and
  `recv_per_msg` (2.4–2.9 times) stayed within about 15 % and `copy_per_byte` moved between
  0.87 and 1.23 times. The last run, used here, had the lowest load. Re-run `skbsim calibrate`
  on a quiet machine for a better profile."""

NOT_BUILT = """Rows the issue asks for that have no reference measurement yet (the machinery above takes
them as soon as one exists: add a case to `calibrate.CASES` or a row to `PUBLISHED`):

- CPU busy % against offered load has three points on the VM (`paced_g*`, a receiver's busy %
  with bursts of 8 every 200, 50 and 10 µs: 25 k to 49 k datagrams/s); a curve on a physical NIC (where the interrupt
  and idle-state costs of branch `cpumech` make it concave) has no published figure in
  `../shared/docs/costs.md`.
- Multi-core scaling: the VM has 2 vCPUs and Cai et al.'s per-core figures are TCP; needs a
  published UDP figure and branch `cpumech` (contention).
- Packets per poll at saturation on a physical NIC, latency at low against high load and the
  first backlog overflow near saturation: not measurable on veth/loopback (no NIC, no
  interrupt; the veth backlog never fills with two CPUs, see `veth_ring.csv`), and the
  published sources give no such figure.
- An application against a flood on its CPU has one VM row (`flood_cpu0.loss`: sender and
  reader pinned to CPU 0 over loopback); its scheduler side depends on branch `cpumech`."""


if __name__ == "__main__":
    sys.exit(main())
