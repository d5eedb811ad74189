#!/usr/bin/env python3
"""Linux-format reference: what this machine's iproute2, iptables and /proc print.

Builds, in a fresh network namespace, the idle host of tests/data/formats.yaml:
lo, eth0 (veth, 10.0.0.1/24, `tc qdisc add dev eth0 root pfifo_fast`), the
iptables rules of that scenario, two UDP sockets bound to 0.0.0.0:5000 and
10.0.0.1:5001, IPv6 off (so that nothing is sent), and no traffic. Then
writes into formats/ what the tools print for it:

  tc_qdisc   tc -s qdisc show
  iptables   iptables -t filter -L -v -n -x
  ss         ss -u -a -m -n (stdout not a terminal)
  net_dev    /proc/net/dev
  netstat    /proc/net/netstat
  snmp       /proc/net/snmp
  nstat      nstat -a -z -s with PROC_NET_SNMP6=/dev/null
  versions   uname -r, ip -V, iptables -V, ss -V

tests/formats.sh compares skbsim's files for tests/data/formats.yaml with them.
Run as root: tests/kernel-ref/measure_formats.py [--out DIR]. Only the Python
standard library; it removes its namespaces when done. (This kernel has no
sch_prio, so prio's dump, which iproute2 prints with the same prio_print_opt()
as pfifo_fast's, is not measured.)
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import knetns  # noqa: E402

RULES = [
    "-A INPUT -p udp --dport 6000 -j DROP",
    "-A INPUT -p icmp -j ACCEPT",
    "-A INPUT -p 47 -j ACCEPT",
    "-A INPUT -j ACCEPT",
    "-A INPUT ! -p udp -j DROP",
    "-A INPUT -p tcp --dport 22 -j ACCEPT",
]

SOCKETS = """
import socket, subprocess, sys
a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); a.bind(("0.0.0.0", 5000))
b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); b.bind(("10.0.0.1", 5001))
sys.stdout.write(subprocess.run(["ss", "-u", "-a", "-m", "-n"], stdout=subprocess.PIPE,
                                text=True, check=True).stdout)
"""


def run(*args, env=None):
    return subprocess.run(list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, check=True, env=env).stdout


def main():
    a = knetns.script_args(__doc__, __file__)
    out = os.path.join(a.out, "formats")
    os.makedirs(out, exist_ok=True)
    ns, peer = "skfmt%d" % os.getpid(), "skfmtp%d" % os.getpid()
    nse = ["ip", "netns", "exec", ns]
    try:
        for n in (ns, peer):
            run("ip", "netns", "add", n)
            for k in ("all", "default", "lo"):
                run("ip", "netns", "exec", n, "sysctl", "-q", "-w",
                    "net.ipv6.conf.%s.disable_ipv6=1" % k)
        for dev, p, addr in (("eth0", "p0", "10.0.0.1/24"),):
            run("ip", "link", "add", dev, "netns", ns, "type", "veth", "peer", "name", p,
                "netns", peer)
            run(*nse, "ip", "addr", "add", addr, "dev", dev)
        run(*nse, "tc", "qdisc", "add", "dev", "eth0", "root", "pfifo_fast")
        run(*nse, "ip", "link", "set", "lo", "up")
        run(*nse, "ip", "link", "set", "eth0", "up")
        run("ip", "netns", "exec", peer, "ip", "link", "set", "p0", "up")
        for r in RULES:
            run(*nse, "iptables", *r.split())
        files = {
            "ss": run(*nse, "python3", "-c", SOCKETS),
            "tc_qdisc": run(*nse, "tc", "-s", "qdisc", "show"),
            "iptables": run(*nse, "iptables", "-t", "filter", "-L", "-v", "-n", "-x"),
            "net_dev": run(*nse, "cat", "/proc/net/dev"),
            "netstat": run(*nse, "cat", "/proc/net/netstat"),
            "snmp": run(*nse, "cat", "/proc/net/snmp"),
            "nstat": run(*nse, "nstat", "-a", "-z", "-s",
                         env=dict(os.environ, PROC_NET_SNMP6="/dev/null",
                                  NSTAT_HISTORY=os.path.join(out, ".nstat-hist"))),
            "versions": "".join(run(*c) for c in (["uname", "-r"], ["ip", "-V"],
                                                  ["iptables", "-V"], ["ss", "-V"])),
        }
        for name, text in files.items():
            with open(os.path.join(out, name), "w") as f:
                f.write(text)
        hist = os.path.join(out, ".nstat-hist")
        if os.path.exists(hist):
            os.unlink(hist)
        print("measure_formats: wrote %s (%s)" % (out, ", ".join(sorted(files))))
    finally:
        for n in (ns, peer):
            subprocess.run(["ip", "netns", "del", n], stderr=subprocess.DEVNULL)


if __name__ == "__main__":
    main()
