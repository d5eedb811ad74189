#!/usr/bin/env python3
"""The real kernel's LPC-trie for tables of 10 to 10^6 routes, for skbsim tests
(tests/test_route.c compares fib_trie.csv with the simulator's trie).

Run as root:   sudo python3 tests/kernel-ref/measure_fib.py [--out DIR] [--runs N]

For each size N: a fresh network namespace ("kref<pid>-N", deleted afterwards,
also on error) whose lo stays down (so that the table holds nothing but the N routes),
the N distinct prefixes of tests/gen_routes.py (seed 1) added in generation
order as `ip -batch` lines `route replace blackhole PREFIX`, then the Main
table's part of /proc/net/fib_triestat (trie_collect_stats): average and
maximum depth, leaves, prefixes, internal nodes by size, null pointers.

Output: fib_trie.csv with columns case,counter,value (case "n<N>"; counters
aver_depth_x100, max_depth, leaves, prefixes, internal_nodes, null_ptrs,
nodes_bits.<b>), from run 1; every run must give the same values.
Only the Python standard library; shells out to `ip`.
"""
import os
import re
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from gen_routes import dotted, prefixes  # noqa: E402
from knetns import Netns, nsexec, script_args, sh, write_long_csv  # noqa: E402

SIZES = [10, 100, 1000, 10000, 100000, 1000000]


def triestat_main(ns):
    """The counters of the Main table in /proc/net/fib_triestat of ns."""
    text = nsexec(ns, "cat", "/proc/net/fib_triestat")
    main = text.split("Main:")[1].split("Local:")[0]
    out = {}
    m = re.search(r"Aver depth:\s+(\d+)\.(\d+)", main)
    out["aver_depth_x100"] = int(m.group(1)) * 100 + int(m.group(2))
    for key, name in (("Max depth", "max_depth"), ("Leaves", "leaves"),
                      ("Prefixes", "prefixes"), ("Internal nodes", "internal_nodes")):
        out[name] = int(re.search(key + r":\s+(\d+)", main).group(1))
    sizes = main.split("Internal nodes:")[1].split("\n", 1)[1].split("Pointers:")[0]
    for b, c in re.findall(r"(\d+):\s+(\d+)", sizes):
        out["nodes_bits." + b] = int(c)
    out["null_ptrs"] = int(re.search(r"Null ptrs:\s+(\d+)", text).group(1))
    return out


def measure(nets, n, tmp):
    nets.seq += 1  # a fresh namespace whose lo was never up: no local routes
    ns = "%s%d" % (nets.prefix, nets.seq)
    sh("ip", "netns", "add", ns)
    nets.created.append(ns)
    batch = os.path.join(tmp, "batch.txt")
    with open(batch, "w") as f:
        for addr, plen in prefixes(n, 1):
            f.write("route replace blackhole %s/%d\n" % (dotted(addr), plen))
    t0 = time.monotonic()
    sh("ip", "-n", ns, "-batch", batch)
    secs = time.monotonic() - t0
    st = triestat_main(ns)
    nets.delete(ns)
    if st["prefixes"] != n:
        raise RuntimeError("n=%d: the table has %d prefixes" % (n, st["prefixes"]))
    print("n=%d: %.1f s to load, %s" % (n, secs, st))
    return st


def main():
    args = script_args(__doc__, __file__,
                       lambda ap: ap.add_argument("--runs", type=int, default=2))
    nets = Netns("kref%d-" % os.getpid())
    runs = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for _ in range(args.runs):
                runs.append({n: measure(nets, n, tmp) for n in SIZES})
    finally:
        nets.delete_all()
    diffs = [(n, r) for r in range(1, len(runs)) for n in SIZES if runs[r][n] != runs[0][n]]
    rows = [("n%d" % n, k, v) for n in SIZES for k, v in sorted(runs[0][n].items())]
    write_long_csv(os.path.join(args.out, "fib_trie.csv"), rows, ("case", "counter", "value"))
    print("%d runs, %d differences between them" % (len(runs), len(diffs)))


if __name__ == "__main__":
    main()
