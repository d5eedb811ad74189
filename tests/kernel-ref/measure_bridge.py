#!/usr/bin/env python3
"""Reference measurements of a Linux bridge with veth ports ("containers"), for skbsim.

Run as root:   sudo python3 tests/kernel-ref/measure_bridge.py   (option: --out DIR)

Four fresh network namespaces, names starting with "kbr<pid>-", deleted
afterwards (also on error); no traffic leaves them; IPv6 off everywhere (no
NDP/MLD frames, no 33:33 FDB entries):
  node  br0 10.203.0.1/24 (MAC 02:00:00:00:00:fe set explicitly, mcast_snooping 0:
        no IGMP of its own joining 224.0.0.106 in the middle of a phase), ports
        veth0 veth1 veth2 (02:00:00:00:00:0N), no address on the ports;
        net.bridge.bridge-nf-call-iptables set to the case's value in node
        (it is per namespace; the namespace is deleted afterwards)
  c1    eth0 10.203.0.2/24 (02:00:00:00:01:01), peer of veth0
  c2    eth0 10.203.0.3/24 (02:00:00:00:01:02), peer of veth1
  c3    eth0 10.203.0.4/24 (02:00:00:00:01:03), peer of veth2
ARP is dynamic (no neighbour entries), except c3's permanent entry
10.203.0.99 lladdr 02:00:00:00:00:99 (an address no device has).

Phases, each N=100 datagrams of 100 bytes, one sendto() at a time, and the
counter deltas of the phase recorded (case "<nf>.<phase>", nf = nf0/nf1):
  unicast  c1 -> 10.203.0.3:9000 (c2 reads): the first datagram ARPs (a
           broadcast flooded to veth1, veth2 and up to br0), then FDB hits
  flood    c3 -> 10.203.0.99:9000: unknown unicast, flooded to veth0 and veth1
  local    c1 -> 10.203.0.1:7000 (a socket in node reads): br_pass_frame_up
  tagged   (nf0 only) c1 writes 802.1Q frames (VID 100) to c2's MAC with
           AF_PACKET, IPv4/UDP 10.204.0.2 -> 10.204.0.3:9000 inside: the
           bridge forwards them unchanged (no vlan_filtering), c2 has no VLAN
           100 (this kernel has no CONFIG_VLAN_8021Q at all), so
           __netif_receive_skb_core makes them PACKET_OTHERHOST (check_vlan_id)
           and ip_rcv drops them before InReceives
  fwddrop  (nf1 only) iptables -A FORWARD -p udp --dport 9000 -j DROP in node,
           then c1 -> c2 again: dropped inside the bridge by br_netfilter
Counters: <ns>.<dev>.<rx_packets|rx_bytes|tx_packets|tx_bytes|rx_dropped|
tx_dropped> from /sys/class/net/<dev>/statistics, <ns>.ip_InReceives and
<ns>.udp_InDatagrams (/proc/net/snmp), received (datagrams the reader got),
and after the last phase the output of `bridge fdb show br br0` (fdb.<n>
rows: the lines in order). Output: bridge.csv (case,counter,value).
"""
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import knetns as k  # noqa: E402

N = 100
PAYLOAD = 100
MAC_BR = "02:00:00:00:00:fe"
PORTS = [("veth0", "c1", "02:00:00:00:00:01", "02:00:00:00:01:01", "10.203.0.2"),
         ("veth1", "c2", "02:00:00:00:00:02", "02:00:00:00:01:02", "10.203.0.3"),
         ("veth2", "c3", "02:00:00:00:00:03", "02:00:00:00:01:03", "10.203.0.4")]
DEVS = [("node", "br0"), ("node", "veth0"), ("node", "veth1"), ("node", "veth2"),
        ("c1", "eth0"), ("c2", "eth0"), ("c3", "eth0")]
STATS = ["rx_packets", "rx_bytes", "tx_packets", "tx_bytes", "rx_dropped", "tx_dropped"]


def build(nsn, nf):
    """The four namespaces; returns {role: netns name}."""
    ns = {r: nsn.new(no_ipv6=True) for r in ("node", "c1", "c2", "c3")}
    node = ns["node"]
    k.nsexec(node, "sysctl", "-qw", "net.bridge.bridge-nf-call-iptables=%d" % nf)
    k.sh("ip", "-n", node, "link", "add", "br0", "address", MAC_BR, "type", "bridge",
         "mcast_snooping", "0")
    for port, c, pmac, cmac, ip in PORTS:
        k.sh("ip", "-n", node, "link", "add", port, "address", pmac, "type", "veth",
             "peer", "name", "eth0", "address", cmac, "netns", ns[c])
        k.sh("ip", "-n", node, "link", "set", port, "master", "br0")
        k.sh("ip", "-n", node, "link", "set", port, "up")
        k.sh("ip", "-n", ns[c], "addr", "add", ip + "/24", "dev", "eth0")
        k.sh("ip", "-n", ns[c], "link", "set", "eth0", "up")
    k.sh("ip", "-n", node, "addr", "add", "10.203.0.1/24", "dev", "br0")
    k.sh("ip", "-n", node, "link", "set", "br0", "up")
    k.sh("ip", "-n", ns["c3"], "neigh", "replace", "10.203.0.99", "lladdr",
         "02:00:00:00:00:99", "dev", "eth0", "nud", "permanent")
    for _ in range(300):
        if all("LOWER_UP" in k.sh("ip", "-n", ns[c], "-o", "link", "show", "eth0")
               for c in ("c1", "c2", "c3")) and "forwarding" in k.sh(
                   "ip", "-n", node, "-d", "link", "show", "veth2"):
            break
        time.sleep(0.01)
    return ns


def counters(ns):
    out = {}
    for role, dev in DEVS:
        for s in STATS:
            v = k.nsexec(ns[role], "cat", "/sys/class/net/%s/statistics/%s" % (dev, s))
            out["%s.%s.%s" % (role, dev, s)] = int(v)
    for role in ("node", "c1", "c2", "c3"):
        snmp = k.read_snmp(ns[role])
        out[role + ".ip_InReceives"] = snmp["Ip"]["InReceives"]
        out[role + ".udp_InDatagrams"] = snmp["Udp"]["InDatagrams"]
    return out


def send(ns, src, dst, port, reader=None):
    """N datagrams from src to dst:port; the reader's count (0 without one)."""
    tx = k.udp_socket_in(ns[src])
    rx = None
    if reader:
        rx = k.udp_socket_in(ns[reader])
        rx.bind(("0.0.0.0", port))
        rx.setblocking(False)
    for _ in range(N):
        tx.sendto(b"x" * PAYLOAD, (dst, port))
    time.sleep(0.2)
    got = 0
    while rx:
        try:
            rx.recv(65535)
            got += 1
        except BlockingIOError:
            break
    tx.close()
    if rx:
        rx.close()
    return got


def ip_csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def send_tagged(ns, src, vid, dst_mac, src_mac, daddr, saddr, port, reader=None):
    """N 802.1Q-tagged IPv4/UDP frames written on src's eth0 with AF_PACKET."""
    def mac(m):
        return bytes(int(x, 16) for x in m.split(":"))
    udp = struct.pack("!HHHH", 40000, port, 8 + PAYLOAD, 0) + b"x" * PAYLOAD
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                     socket.inet_aton(saddr), socket.inet_aton(daddr))
    ip = ip[:10] + struct.pack("!H", ip_csum(ip)) + ip[12:]
    frame = mac(dst_mac) + mac(src_mac) + struct.pack("!HH", 0x8100, vid) + \
        struct.pack("!H", 0x0800) + ip + udp
    with k.InNetns(ns[src]):
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind(("eth0", 0))
    for _ in range(N):
        s.send(frame)
    time.sleep(0.2)
    s.close()
    return 0


def phase(rows, case, ns, src, dst, port, reader, sender=None):
    before = counters(ns)
    got = sender() if sender else send(ns, src, dst, port, reader)
    after = counters(ns)
    rows.append((case, "sent", N))
    rows.append((case, "received", got))
    for key in after:
        rows.append((case, key, after[key] - before[key]))


def main():
    a = k.script_args(__doc__, __file__)
    nsn = k.Netns("kbr%d-" % os.getpid())
    rows = []
    try:
        for nf in (0, 1):
            ns = build(nsn, nf)
            tag = "nf%d" % nf
            phase(rows, tag + ".unicast", ns, "c1", "10.203.0.3", 9000, "c2")
            phase(rows, tag + ".flood", ns, "c3", "10.203.0.99", 9000, None)
            phase(rows, tag + ".local", ns, "c1", "10.203.0.1", 7000, "node")
            if not nf:
                phase(rows, tag + ".tagged", ns, "c1", None, 9000, None,
                      lambda: send_tagged(ns, "c1", 100, PORTS[1][3], PORTS[0][3],
                                          "10.204.0.3", "10.204.0.2", 9000))
            if nf:
                k.nsexec(ns["node"], "iptables", "-A", "FORWARD", "-p", "udp", "--dport",
                         "9000", "-j", "DROP")
                phase(rows, tag + ".fwddrop", ns, "c1", "10.203.0.3", 9000, "c2")
            fdb = k.nsexec(ns["node"], "bridge", "fdb", "show", "br", "br0").splitlines()
            for i, line in enumerate(fdb):
                rows.append((tag + ".fdb", "fdb.%d" % i, line.strip()))
            for name in list(nsn.created):
                nsn.delete(name)
    finally:
        nsn.delete_all()
    k.write_long_csv(os.path.join(a.out, "bridge.csv"), rows, header=("case", "counter", "value"))


if __name__ == "__main__":
    main()
