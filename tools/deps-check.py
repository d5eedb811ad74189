#!/usr/bin/env python3
"""tools/deps-check.py - the module graph of models/ has no cycle (`make lint` runs it).

A module is a models/**/X.c with its X.h. Module A depends on module B when A's .c or .h
includes B's header and A uses a name B's .c defines (a function or a global; types and
macros in headers do not make a dependency: a header may be included for a struct).
Exits 1 and prints each cycle found (strongly connected components of more than one
module), else prints the number of modules and dependencies.
"""
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
INC = re.compile(r'#include "(models/[^"]+\.h)"')
# a top-level definition: "type name(" at column 0, or a global "type name =" / "type name;"
DEF = re.compile(r'^(?!static\b)(?:[A-Za-z_][\w \*]*?[\s\*])([A-Za-z_]\w*)\s*(?:\(|=|;|\[)', re.M)


def strip(text):
    text = re.sub(r'/\*.*?\*/', ' ', text, flags=re.S)
    text = re.sub(r'//[^\n]*', ' ', text)
    return re.sub(r'"(?:\\.|[^"\\])*"', '""', text)


def main():
    mods = {}
    for d, _, files in os.walk(os.path.join(ROOT, "models")):
        for f in files:
            if f.endswith(".c"):
                path = os.path.relpath(os.path.join(d, f), ROOT)
                mods[path[:-2]] = path
    defs, text = {}, {}
    for m, c in mods.items():
        src = open(os.path.join(ROOT, c)).read()
        text[m] = src
        body = strip(src)
        # only definitions (a body follows) and globals, not declarations
        names = set()
        for mt in DEF.finditer(body):
            name = mt.group(1)
            rest = body[mt.end() - 1:mt.end() + 400]
            if rest.startswith("("):
                depth, i = 0, 0
                for i, ch in enumerate(rest):
                    depth += ch == "("
                    depth -= ch == ")"
                    if depth == 0:
                        break
                if rest[i + 1:].lstrip().startswith("{"):
                    names.add(name)
            elif not body[:mt.start()].rstrip().endswith("extern"):
                names.add(name)
        defs[m] = names
    edges = {m: set() for m in mods}
    for m in mods:
        hdr = os.path.join(ROOT, m + ".h")
        src = text[m] + (open(hdr).read() if os.path.exists(hdr) else "")
        body = strip(text[m])
        words = set(re.findall(r'\b[A-Za-z_]\w*\b', body))
        for inc in INC.findall(src):
            b = inc[:-2]
            if b == m or b not in mods:
                continue
            if words & defs[b]:
                edges[m].add(b)
    # Tarjan's strongly connected components
    index, low, stack, on, sccs, n = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = n[0]
        n[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                sccs.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(mods):
        if v not in index:
            visit(v)
    if sccs:
        for comp in sccs:
            print("deps-check: a cycle among %s" % ", ".join(comp))
            for a in comp:
                for b in sorted(edges[a] & set(comp)):
                    used = sorted(set(re.findall(r'\b[A-Za-z_]\w*\b', strip(text[a]))) & defs[b])
                    print("  %s -> %s: %s" % (a, b, ", ".join(used[:6])))
        return 1
    print("deps-check: %d modules, %d dependencies, no cycle" %
          (len(mods), sum(len(e) for e in edges.values())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
