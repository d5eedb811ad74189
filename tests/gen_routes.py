#!/usr/bin/env python3
"""Write a routing table of N routes in `ip route` syntax (for `routes_file:`).

    python3 tests/gen_routes.py N VIA [--seed S] > table.txt
    python3 tests/gen_routes.py N blackhole > table.txt

The shape is that of an Internet table: N distinct prefixes clustered in
N / 250 /16 blocks, three quarters /24s, the rest /22 and /20 aggregates and
/32 host routes, every one `via VIA` (or a blackhole route). Deterministic for
a given N and seed, and simple enough to write again in C: tests/test_route.c
regenerates the same tables (gen_table) to compare the simulator's trie with
the kernel's (tests/kernel-ref/fib_trie.csv). Only the Python standard library.
`make bench` uses it for its 10^6-route forwarding case.
"""
import argparse
import sys

M64 = (1 << 64) - 1


def prefixes(n, seed=1):
    """The N distinct (address, length) pairs, in generation order."""
    state = 0x9E3779B97F4A7C15 ^ seed

    def rnd():
        nonlocal state
        state ^= (state << 13) & M64
        state ^= state >> 7
        state ^= (state << 17) & M64
        return (state >> 16) & 0xffffffff

    nblocks = max(1, n // 250)
    blocks = []
    for _ in range(nblocks):
        top = 1 + rnd() % 223
        blocks.append(top << 24 | (rnd() & 0xff) << 16)
    seen = set()
    out = []
    while len(out) < n:
        b = blocks[rnd() % nblocks]
        kind = rnd() % 16
        if kind < 12:
            p = (b | (rnd() & 0xff) << 8, 24)
        elif kind < 14:
            p = (b | (rnd() & 0xfc) << 8, 22)
        elif kind < 15:
            p = (b | (rnd() & 0xf0) << 8, 20)
        else:
            p = (b | (rnd() & 0xffff), 32)
        if p not in seen:
            seen.add(p)
            out.append(p)
    return out


def dotted(a):
    return "%d.%d.%d.%d" % (a >> 24, a >> 16 & 255, a >> 8 & 255, a & 255)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("n", type=int)
    ap.add_argument("via", help="the gateway, or 'blackhole'")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    out = sys.stdout
    out.write("# %d routes from tests/gen_routes.py (seed %d)\n" % (a.n, a.seed))
    for addr, plen in prefixes(a.n, a.seed):
        if a.via == "blackhole":
            out.write("blackhole %s/%d\n" % (dotted(addr), plen))
        else:
            out.write("%s/%d via %s\n" % (dotted(addr), plen, a.via))


if __name__ == "__main__":
    main()
