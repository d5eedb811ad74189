#!/usr/bin/env python3
"""tests/trace_check.py - check a Chrome trace-event / Perfetto JSON file as a viewer would.

Perfetto's trace_processor is not packaged by Debian and there is no network here, so this
is a validator written from the format's specification (the "Trace Event Format" document,
JSON Object Format) and from what trace_processor's JSON importer rejects or mis-draws:

  - the root is an object with a "traceEvents" array; "displayTimeUnit" is "ms" or "ns";
  - every event has a string "ph" of a known phase and an integer "pid";
  - M (metadata): process_name / thread_name / *_sort_index with the right args;
  - X (complete): name, numeric ts >= 0 and dur >= 0, integer tid;
  - B/E: balanced per thread, E not before its B;
  - i/I (instant): scope "s" in g, p, t;
  - C (counter): name, ts, a non-empty args object of numbers;
  - s/t/f (flow): an id, a tid; every "f" has an "s" of the same id not after it;
  - X slices of one thread nest strictly (a slice is inside its parent or after it:
    partial overlap is what trace_processor drops as "misplaced end");
  - every pid and (pid, tid) used is named by metadata.

Usage: trace_check.py FILE [--window A,B] [--min-drops REASON=N]... [--counter-max NAME=N]...
                             [--napi] [--summary]
  --window A,B        every timestamp (us) lies in [A, B]
  --min-drops R=N     at least N instants "drop R at ..."
  --counter-max N=V   the counter named N reaches exactly V at its maximum
  --napi              every "napi_poll" slice has 0 <= packets <= budget and lies in a
                      "net_rx_action" slice whose packets are the sum of its polls'
Prints "ok" and a summary line, or the first errors; exit status 0 or 1.
"""
import json
import sys
from collections import defaultdict

PHASES = set("XBEiICMsftbenOPNDR")
EPS = 1e-6  # us: the writer's resolution (1 ps)


def num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def check(path, opts):
    errs = []
    try:
        root = json.load(open(path))
    except (OSError, ValueError) as e:
        return ["not JSON: %s" % e], {}
    if not isinstance(root, dict) or not isinstance(root.get("traceEvents"), list):
        return ['no "traceEvents" array'], {}
    if root.get("displayTimeUnit", "ms") not in ("ms", "ns"):
        errs.append("displayTimeUnit %r" % root.get("displayTimeUnit"))
    ev = root["traceEvents"]
    pnames, tnames = set(), set()
    used_p, used_t = set(), set()
    slices = defaultdict(list)
    open_be = defaultdict(list)
    flows_s, flows_f = {}, []
    drops = defaultdict(int)
    counters = defaultdict(list)
    stats = defaultdict(int)
    for k, e in enumerate(ev):
        where = "event %d" % k
        if not isinstance(e, dict) or not isinstance(e.get("ph"), str) or e["ph"] not in PHASES:
            errs.append("%s: no known ph" % where)
            continue
        ph = e["ph"]
        stats[ph] += 1
        if not isinstance(e.get("pid"), int):
            errs.append("%s: pid %r" % (where, e.get("pid")))
            continue
        if ph == "M":
            name, args = e.get("name"), e.get("args")
            if name in ("process_name", "thread_name"):
                if not isinstance(args, dict) or not isinstance(args.get("name"), str):
                    errs.append("%s: %s without args.name" % (where, name))
                elif name == "process_name":
                    pnames.add(e["pid"])
                elif not isinstance(e.get("tid"), int):
                    errs.append("%s: thread_name without tid" % where)
                else:
                    tnames.add((e["pid"], e["tid"]))
            elif name not in ("process_sort_index", "thread_sort_index", "process_labels"):
                errs.append("%s: unknown metadata %r" % (where, name))
            continue
        ts = e.get("ts")
        if not num(ts) or ts < 0:
            errs.append("%s: ts %r" % (where, ts))
            continue
        if "window" in opts:
            a, b = opts["window"]
            end = ts + (e.get("dur") or 0)
            if ts < a - EPS or end > b + EPS:
                errs.append("%s: [%g, %g] outside the window [%g, %g]" % (where, ts, end, a, b))
        used_p.add(e["pid"])
        if ph == "C":
            args = e.get("args")
            if not isinstance(e.get("name"), str) or not isinstance(args, dict) or not args \
                    or not all(num(v) for v in args.values()):
                errs.append("%s: counter without a name or numeric args" % where)
            else:
                counters[e["name"]].append((ts, max(args.values())))
            continue
        if ph in "iI":
            if e.get("s", "t") not in ("g", "p", "t"):
                errs.append("%s: instant scope %r" % (where, e.get("s")))
            if e.get("s", "t") == "t" and not isinstance(e.get("tid"), int):
                errs.append("%s: thread instant without tid" % where)
            if e.get("s", "t") == "t":
                used_t.add((e["pid"], e["tid"]))
            n = e.get("name", "")
            if n.startswith("drop "):
                drops[n.split()[1]] += 1
            continue
        if not isinstance(e.get("tid"), int):
            errs.append("%s: no tid" % where)
            continue
        used_t.add((e["pid"], e["tid"]))
        track = (e["pid"], e["tid"])
        if ph == "X":
            dur = e.get("dur")
            if not isinstance(e.get("name"), str) or not num(dur) or dur < 0:
                errs.append("%s: X without name or dur" % where)
                continue
            slices[track].append((ts, ts + dur, e["name"], e.get("args") or {}, k))
        elif ph == "B":
            open_be[track].append(ts)
        elif ph == "E":
            if not open_be[track] or open_be[track][-1] > ts + EPS:
                errs.append("%s: E without an open B" % where)
            else:
                open_be[track].pop()
        elif ph in "stf":
            if "id" not in e:
                errs.append("%s: flow without id" % where)
            elif ph == "s":
                if e["id"] in flows_s:
                    errs.append("%s: flow id %r started twice" % (where, e["id"]))
                flows_s[e["id"]] = ts
            elif ph == "f":
                flows_f.append((e["id"], ts, where))
    for track, st in open_be.items():
        if st:
            errs.append("track %s: %d B without E" % (track, len(st)))
    for fid, ts, where in flows_f:
        if fid not in flows_s:
            errs.append("%s: flow end %r without a start" % (where, fid))
        elif flows_s[fid] > ts + EPS:
            errs.append("%s: flow %r ends before it starts" % (where, fid))
    for p in used_p - pnames:
        errs.append("pid %d has no process_name" % p)
    for t in used_t - tnames:
        errs.append("track %s has no thread_name" % (t,))
    w0 = (root.get("otherData") or {}).get("window_from_us", 0)
    nest_errs, napi_errs = nesting(slices, opts.get("napi"), w0 if num(w0) else 0)
    errs += nest_errs + napi_errs
    for reason, n in opts.get("min_drops", []):
        if drops[reason] < n:
            errs.append("%d drops %s, expected at least %d" % (drops[reason], reason, n))
    for name, v in opts.get("counter_max", []):
        got = max((x for _, x in counters.get(name, [])), default=None)
        if got != v:
            errs.append("counter %r reaches %r, expected %r" % (name, got, v))
    summary = {"events": len(ev), "slices": stats["X"], "instants": stats["i"],
               "counters": len(counters), "counter_points": stats["C"],
               "flows": len(flows_s), "drops": dict(drops)}
    return errs, summary


def nesting(slices, napi, w0):
    """Strict nesting per track; with napi, the poll/action packet arithmetic."""
    errs, napi_errs = [], []
    for track, sl in slices.items():
        # outer first: longer, or as long and written later (slices are written as they end)
        sl.sort(key=lambda s: (s[0], -(s[1] - s[0]), -s[4]))
        stack, sums = [], {}
        for s in sl:
            while stack and stack[-1][1] <= s[0] + EPS:
                stack.pop()
            if stack and s[1] > stack[-1][1] + EPS:
                errs.append("track %s: %r [%g, %g] overlaps %r [%g, %g]" %
                            (track, s[2], s[0], s[1], stack[-1][2], stack[-1][0], stack[-1][1]))
                continue
            if napi and s[2].startswith("napi_poll "):
                pk, bud = s[3].get("packets"), s[3].get("budget")
                if not (num(pk) and num(bud) and 0 <= pk <= bud):
                    napi_errs.append("track %s: %r at %g: packets %r budget %r" %
                                     (track, s[2], s[0], pk, bud))
                if stack and stack[-1][2].startswith("napi/"):
                    pass  # a threaded NAPI's poll inside its kthread
                elif not stack or stack[-1][2] != "net_rx_action":
                    napi_errs.append("track %s: %r at %g not inside net_rx_action" %
                                     (track, s[2], s[0]))
                else:
                    sums[stack[-1][4]] = sums.get(stack[-1][4], 0) + (pk if num(pk) else 0)
            stack.append(s)
        for s in sl if napi else []:
            # an action clipped at the window's start counts polls before it
            if s[2] == "net_rx_action" and s[0] > w0 + EPS and \
                    s[3].get("packets") != sums.get(s[4], 0):
                napi_errs.append("track %s: net_rx_action at %g says %r packets, its polls %r"
                                 % (track, s[0], s[3].get("packets"), sums.get(s[4], 0)))
    return errs, napi_errs


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    opts = {"min_drops": [], "counter_max": []}
    i = 2
    while i < len(argv):
        a = argv[i]
        if a == "--napi":
            opts["napi"] = True
        elif a == "--summary":
            opts["summary"] = True
        elif a in ("--window", "--min-drops", "--counter-max") and i + 1 < len(argv):
            v = argv[i + 1]
            i += 1
            if a == "--window":
                opts["window"] = tuple(float(x) for x in v.split(","))
            elif a == "--min-drops":
                k, n = v.rsplit("=", 1)
                opts["min_drops"].append((k, int(n)))
            else:
                k, n = v.rsplit("=", 1)
                opts["counter_max"].append((k, float(n)))
        else:
            print("trace_check: unknown argument %r" % a)
            return 2
        i += 1
    errs, summary = check(argv[1], opts)
    if errs:
        print("%s: %d errors: %s" % (argv[1], len(errs), "; ".join(errs[:8])))
        return 1
    print("ok")
    if opts.get("summary"):
        print(json.dumps(summary, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
