#!/usr/bin/env python3
"""tests/gen_hosts.py N - a scenario of N hosts (make bench's many-hosts case).

Each host has 2 CPUs, a UDP socket bound on loopback with a reader on CPU 1 and a
sender on CPU 0 sending 64-byte datagrams to it at 1 kpps, for 10 ms of simulated time.
"""
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
print("name: many-hosts\nduration: 10ms\nwarmup: 0s\nhosts:")
for i in range(n):
    print("  - name: h%d\n    cpus: 2\n    sockets:\n"
          "      - {name: srv, bind: '127.0.0.1:5000'}\n      - {name: cli}\n    apps:\n"
          "      - {name: server, socket: srv, cpu: 1}\n"
          "      - {name: client, socket: cli, cpu: 0,\n"
          "         send: {to: '127.0.0.1:5000', size: 64, rate: 1kpps}}" % i)
