#!/usr/bin/env python3
"""Write a routing table of N routes in `ip route` syntax (for `routes_file:`).

    python3 tests/gen_routes.py N VIA [--seed S] > table.txt

The shape is that of an Internet table: prefixes clustered in /16 blocks,
three quarters /24s, the rest /22 and /20 aggregates and /32 host routes,
every one `via VIA`. Deterministic for a given N and seed. Only the Python
standard library. `make bench` uses it for its 10^6-route forwarding case.
"""
import argparse
import random
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("n", type=int)
    ap.add_argument("via")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    blocks = [(rng.randrange(1, 224) << 24) | (rng.randrange(256) << 16)
              for _ in range(max(1, a.n // 250))]
    out = sys.stdout
    out.write("# %d routes from tests/gen_routes.py (seed %d)\n" % (a.n, a.seed))
    for _ in range(a.n):
        b, kind = rng.choice(blocks), rng.randrange(16)
        if kind < 12:
            plen, addr = 24, b | rng.randrange(256) << 8
        elif kind < 14:
            plen, addr = 22, b | (rng.randrange(64) << 10)
        elif kind < 15:
            plen, addr = 20, b | (rng.randrange(16) << 12)
        else:
            plen, addr = 32, b | rng.randrange(65536)
        out.write("%d.%d.%d.%d/%d via %s\n" % (addr >> 24, addr >> 16 & 255, addr >> 8 & 255,
                                                addr & 255, plen, a.via))


if __name__ == "__main__":
    main()
