#!/usr/bin/env python3
"""Writes traffic.pcap: a small, deterministic mix of IPv4/IPv6 TCP, UDP, ICMP, fragments and a
VLAN tag, used as the input that softflowd and pmacctd turn into the flow-export fixtures.
Standard library only (scapy is not needed)."""
import struct
import sys

BASE_TS = 1_700_000_000


def csum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip4(a: str) -> bytes:
    return bytes(int(x) for x in a.split("."))


def ip6(a: str) -> bytes:
    head, _, tail = a.partition("::")
    h = [int(x, 16) for x in head.split(":") if x]
    t = [int(x, 16) for x in tail.split(":") if x]
    words = h + [0] * (8 - len(h) - len(t)) + t
    return struct.pack("!8H", *words)


def tcp(sport, dport, flags, payload=b"", seq=1000, ack=0):
    return struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + payload


def udp(sport, dport, payload=b""):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def icmp(typ, code, payload=b"\0" * 32):
    body = struct.pack("!BBHHH", typ, code, 0, 0x1234, 1) + payload
    return body[:2] + struct.pack("!H", csum(body)) + body[4:]


def l4_checksum(proto, pseudo, seg):
    if proto == 6:
        off = 16
    elif proto == 17:
        off = 6
    else:
        return seg
    c = csum(pseudo + seg)
    if proto == 17 and c == 0:
        c = 0xFFFF
    return seg[:off] + struct.pack("!H", c) + seg[off + 2:]


def ipv4(src, dst, proto, seg, ident=1, frag_off=0, mf=False, checksum_l4=True):
    if checksum_l4:
        pseudo = ip4(src) + ip4(dst) + struct.pack("!BBH", 0, proto, len(seg))
        seg = l4_checksum(proto, pseudo, seg)
    flags = (0x2000 if mf else 0) | frag_off
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(seg), ident, flags, 64, proto, 0, ip4(src), ip4(dst))
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + seg


def ipv6(src, dst, proto, seg):
    pseudo = ip6(src) + ip6(dst) + struct.pack("!IxxxB", len(seg), proto)
    seg = l4_checksum(proto, pseudo, seg)
    return struct.pack("!IHBB16s16s", 6 << 28, len(seg), proto, 64, ip6(src), ip6(dst)) + seg


def eth(payload, ethertype, vlan=None):
    dst, src = bytes.fromhex("001122334455"), bytes.fromhex("66778899aabb")
    if vlan is not None:
        return dst + src + struct.pack("!HHH", 0x8100, vlan, ethertype) + payload
    return dst + src + struct.pack("!H", ethertype) + payload


def main(path):
    pkts = []  # (ms offset, frame)

    def add(ms, frame):
        pkts.append((ms, frame))

    # A: an IPv4 TCP connection, both directions.
    c, s = "10.0.0.1", "192.0.2.10"
    add(0, eth(ipv4(c, s, 6, tcp(40000, 80, 0x02)), 0x0800))
    add(10, eth(ipv4(s, c, 6, tcp(80, 40000, 0x12)), 0x0800))
    add(20, eth(ipv4(c, s, 6, tcp(40000, 80, 0x10)), 0x0800))
    add(30, eth(ipv4(c, s, 6, tcp(40000, 80, 0x18, b"G" * 300)), 0x0800))
    for i in range(4):
        add(40 + i * 50, eth(ipv4(s, c, 6, tcp(80, 40000, 0x10, b"x" * 1400)), 0x0800))
    add(300, eth(ipv4(c, s, 6, tcp(40000, 80, 0x11)), 0x0800))
    add(310, eth(ipv4(s, c, 6, tcp(80, 40000, 0x11)), 0x0800))
    # B: IPv4 DNS-like UDP exchange.
    for i in range(3):
        add(400 + i * 100, eth(ipv4("10.0.0.2", "192.0.2.20", 17, udp(5353, 53, b"q" * (30 + i))), 0x0800))
        add(405 + i * 100, eth(ipv4("192.0.2.20", "10.0.0.2", 17, udp(53, 5353, b"r" * (200 + i))), 0x0800))
    # C: ICMP echo and reply.
    add(800, eth(ipv4("10.0.0.3", "192.0.2.30", 1, icmp(8, 0)), 0x0800))
    add(801, eth(ipv4("192.0.2.30", "10.0.0.3", 1, icmp(0, 0)), 0x0800))
    # D: IPv6 TCP connection start.
    c6, s6 = "2001:db8::1", "2001:db8::2"
    add(900, eth(ipv6(c6, s6, 6, tcp(50000, 443, 0x02)), 0x86DD))
    add(910, eth(ipv6(s6, c6, 6, tcp(443, 50000, 0x12)), 0x86DD))
    add(920, eth(ipv6(c6, s6, 6, tcp(50000, 443, 0x10, b"h" * 517)), 0x86DD))
    # E: IPv6 UDP.
    for i in range(2):
        add(1000 + i * 20, eth(ipv6("2001:db8:1::53", "2001:db8:2::99", 17, udp(53, 33000, b"a" * 120)), 0x86DD))
    # F: a fragmented IPv4 UDP datagram (first fragment has the UDP header, second does not).
    big = udp(7000, 7001, b"F" * 1600)
    pseudo = ip4("10.0.0.4") + ip4("192.0.2.40") + struct.pack("!BBH", 0, 17, len(big))
    big = l4_checksum(17, pseudo, big)
    add(1100, eth(ipv4("10.0.0.4", "192.0.2.40", 17, big[:1480], ident=77, mf=True, checksum_l4=False), 0x0800))
    add(1101, eth(ipv4("10.0.0.4", "192.0.2.40", 17, big[1480:], ident=77, frag_off=185, checksum_l4=False), 0x0800))
    # G: VLAN-tagged IPv4 UDP.
    add(1200, eth(ipv4("10.0.1.5", "192.0.2.50", 17, udp(1234, 4321, b"v" * 64)), 0x0800, vlan=100))
    # H: a SYN flood towards one address from 12 sources.
    for i in range(12):
        add(1300 + i, eth(ipv4("198.51.100.%d" % (i + 1), "192.0.2.80", 6, tcp(1024 + i, 80, 0x02, seq=i)), 0x0800))

    pkts.sort(key=lambda p: p[0])
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for ms, frame in pkts:
            ts = BASE_TS * 1000 + ms
            f.write(struct.pack("<IIII", ts // 1000, (ts % 1000) * 1000, len(frame), len(frame)))
            f.write(frame)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "traffic.pcap")
