#!/usr/bin/env python3
"""What a wake-up from a halted vCPU costs the woken thread, against the
length of the halt, on the real kernel (reference data for skbsim's
`idle_cold` / `idle_cold_tau` costs of a `cold` idle state).

Run as root:   sudo python3 tests/kernel-ref/measure_halt_wake.py
(options: --runs N (default 3), --seconds T (default 1), --out DIR)

Setup: two fresh namespaces ("khw<pid>-<n>", deleted afterwards, also on
error) joined by a veth pair a0 10.203.0.1 / b0 10.203.0.2 (default veth: the
receive goes through netif_rx and the sender's CPU's backlog, so the softirq
that queues the datagram and wakes the reader runs on the sender's CPU 0).
`build/kbench recv 9000 --batch 1 --cpu 1` reads one datagram per recvmsg(),
blocking; `build/kbench send ... --batch 1 --cpu 0 --spin-us G` sends a 64-byte
datagram every G us plus the send (busy-waiting between sends: the sender's
CPU never idles). The reader's CPU halts between datagrams; each datagram
wakes it (a remote wake-up: an IPI to the halted vCPU).

Modes, per gap G in GAPS:
  halt  this VM's idle as it is (cpuidle-haltpoll, guest_halt_poll_ns 0: CPU 1
        halts at once, a VM exit to the hypervisor, until the wake-up IPI);
  poll  the same with the guest polling instead of halting
        (/sys/module/haltpoll/parameters/guest_halt_poll_ns = 3 ms, below the
        4 ms tick, which would end every poll, and
        guest_halt_poll_allow_shrink = N for the run, restored afterwards,
        also on error): the waker sets TIF_NEED_RESCHED, no IPI, no exit.
        A CPU's poll limit (dev->poll_limit_ns, drivers/cpuidle/governors/
        haltpoll.c) only shrinks after a halt, so after a poll run the script
        waits (settle) until CPU 1 halts again and no longer polls.
Runs are interleaved (every gap and mode once per round), --runs rounds.

Recorded per run (halt_wake.csv): gap_us, mode, run, packets, rate (datagrams
per s), send_ns and recv_ns (thread CPU time per datagram, CLOCK_THREAD_
CPUTIME_ID, of sender and reader), wakes_per_dgram (the reader's voluntary
context switches per datagram), others_pct (CPU 1's busy time in /proc/stat
beyond the reader's own, % of the run: tick-sampled, so a few % is noise; a
run with much more had a competing task and is not usable), halts (usage delta of CPU 1's haltpoll idle
state), halt_us_mean (time delta of that state over its usage delta: the mean
length of one halt), poll_us_mean (the same for state POLL).

The cost a halt adds to the woken thread is recv_ns(halt) - recv_ns(poll) at
the same gap; halt_us_mean is what skbsim's cold-refill term depends on.
Only the Python standard library; shells out to ip and build/kbench.
"""
import csv
import datetime
import os
import platform
import signal
import subprocess
import sys
import time

from knetns import Netns, nsexec, read_text as read, script_args, veth_link, write_text as write

HERE = os.path.dirname(os.path.abspath(__file__))
KBENCH = os.path.join(HERE, "..", "..", "build", "kbench")
GAPS = [2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000]
HP = "/sys/module/haltpoll/parameters"
IDLE = "/sys/devices/system/cpu/cpu1/cpuidle"


def kv(line):
    return {k: int(v) for k, v in (x.split("=") for x in line.split())}


def cpu1_busy_ns():
    """CPU 1's busy time (every /proc/stat field but idle and iowait), ns."""
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith("cpu1 "):
                v = [int(x) for x in line.split()[1:]]
                return (sum(v[:8]) - v[3] - v[4]) * 1e9 / os.sysconf("SC_CLK_TCK")
    raise SystemExit("measure_halt_wake.py: no cpu1 line in /proc/stat")


def idle_states():
    """{name: (usage, time_us)} of CPU 1's cpuidle states."""
    out = {}
    for d in sorted(os.listdir(IDLE)):
        if d.startswith("state"):
            p = os.path.join(IDLE, d)
            out[read(p + "/name")] = (int(read(p + "/usage")), int(read(p + "/time")))
    return out


def settle():
    """Wait (at most 5 s) until CPU 1 halts when idle and does not poll."""
    for _ in range(50):
        i0 = idle_states()
        time.sleep(0.1)
        i1 = idle_states()
        if (i1["POLL"][0] == i0["POLL"][0] and
                i1["haltpoll idle"][0] > i0["haltpoll idle"][0]):
            return
    raise SystemExit("measure_halt_wake.py: CPU 1 still polls when idle 5 s after a poll run")


def one_run(ns, gap, seconds):
    a, b = ns.new(no_ipv6=True), ns.new(no_ipv6=True)
    try:
        veth_link(a, b, (("a0", "10.203.0.1", "02:00:00:00:03:01"),
                         ("b0", "10.203.0.2", "02:00:00:00:03:02")))
        recv = subprocess.Popen(["ip", "netns", "exec", b, KBENCH, "recv", "9000", "--batch",
                                 "1", "--cpu", "1", "--seconds", "3600"],
                                stdout=subprocess.PIPE, text=True)
        time.sleep(0.2)
        i0, b0 = idle_states(), cpu1_busy_ns()
        s = nsexec(a, KBENCH, "send", "10.203.0.2", "9000", "--size", "64", "--batch", "1",
                   "--cpu", "0", "--seconds", str(seconds), "--spin-us", str(gap))
        i1, b1 = idle_states(), cpu1_busy_ns()
        r = kv(recv.communicate(timeout=30)[0])
        s = kv(s)
    finally:
        ns.delete(a)
        ns.delete(b)
    out = dict(packets=r["packets"], rate=round(s["packets"] * 1e9 / max(s["wall_ns"], 1), 1),
               send_ns=round(s["cpu_ns"] / max(s["packets"], 1), 1),
               recv_ns=round(r["cpu_ns"] / max(r["packets"], 1), 1),
               wakes_per_dgram=round(r["nvcsw"] / max(r["packets"], 1), 4),
               others_pct=round(max(0.0, 100.0 * (b1 - b0 - r["cpu_ns"]) / max(s["wall_ns"], 1)),
                                1))
    for name, key in (("haltpoll idle", "halt"), ("POLL", "poll")):
        du = i1[name][0] - i0[name][0]
        dt = i1[name][1] - i0[name][1]
        out[key + "s"] = du
        out[key + "_us_mean"] = round(dt / du, 2) if du else 0
    return out


def main():
    a = script_args(__doc__, __file__, lambda ap: (
        ap.add_argument("--runs", type=int, default=3),
        ap.add_argument("--seconds", type=float, default=1.0)))
    if not read(os.path.join(IDLE, "state1", "name")).startswith("haltpoll"):
        raise SystemExit("measure_halt_wake.py: CPU 1's idle state 1 is not haltpoll "
                         "(not a KVM guest with cpuidle-haltpoll)")
    saved = {k: read(os.path.join(HP, k)) for k in ("guest_halt_poll_ns",
                                                    "guest_halt_poll_allow_shrink")}
    ns = Netns("khw%d-" % os.getpid())
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("measure_halt_wake.py: terminated"))
    rows = []
    load0 = read("/proc/loadavg")
    try:
        for run in range(1, a.runs + 1):
            for gap in GAPS:
                for mode in ("halt", "poll"):
                    if mode == "poll":
                        write(os.path.join(HP, "guest_halt_poll_allow_shrink"), "N")
                        write(os.path.join(HP, "guest_halt_poll_ns"), 3000000)
                    try:
                        r = one_run(ns, gap, a.seconds)
                    finally:
                        for k, v in saved.items():
                            write(os.path.join(HP, k), v)
                    settle()
                    r.update(gap_us=gap, mode=mode, run=run)
                    rows.append(r)
                    print("gap %5d %s run %d: recv %6.0f ns send %6.0f ns rate %7.0f/s "
                          "halt %.1f us x %d, others %.1f %%" % (gap, mode, run, r["recv_ns"], r["send_ns"],
                                                 r["rate"], r["halt_us_mean"], r["halts"],
                                                 r["others_pct"]),
                          flush=True)
    finally:
        ns.delete_all()
        for k, v in saved.items():
            write(os.path.join(HP, k), v)
    path = os.path.join(a.out, "halt_wake.csv")
    cols = ["gap_us", "mode", "run", "packets", "rate", "send_ns", "recv_ns",
            "wakes_per_dgram", "others_pct", "halts", "halt_us_mean", "polls", "poll_us_mean"]
    with open(path, "w", newline="") as f:
        f.write("# measure_halt_wake.py on %s, %s; %d rounds of %g s runs; load average "
                "%s before, %s after\n" % (platform.release(),
                                           datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%MZ"),
                                           a.runs, a.seconds, load0.split()[0],
                                           read("/proc/loadavg").split()[0]))
        w = csv.DictWriter(f, fieldnames=cols)
        w.writeheader()
        for r in rows:
            w.writerow({c: r[c] for c in cols})
    print("wrote", path)


if __name__ == "__main__":
    main()
