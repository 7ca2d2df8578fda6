#!/usr/bin/env python3
"""Helpers for make-fixtures.sh (standard library only).

  traffic PORT_UDP PORT_TCP     send a little UDP and TCP traffic over IPv4 and IPv6 loopback
  hexdump KIND FIRST_EPOCH      print a text2pcap input of hand-built packets for a link type
  swap-pcap IN OUT              rewrite a little-endian classic pcap in big-endian order
  swap-pcapng IN OUT            rewrite a pcapng in the other byte order (SHB, IDB, EPB, SPB,
                                PB, ISB kept; options of unknown layout and other blocks dropped)
  epb-to-spb IN OUT             replace every Enhanced Packet Block by a Simple Packet Block
  epb-to-pb IN OUT              replace every Enhanced Packet Block by an obsolete Packet Block

tshark reads every file these make: that is what vouches for them.
"""

import ipaddress
import socket
import struct
import sys
import threading
import time


# ---------------------------------------------------------------- traffic


def traffic(udp_port, tcp_port):
    for family, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
        receiver = socket.socket(family, socket.SOCK_DGRAM)
        receiver.bind((host, udp_port))
        sender = socket.socket(family, socket.SOCK_DGRAM)
        for size in (8, 100, 1000):
            sender.sendto(b"u" * size, (host, udp_port))
            time.sleep(0.01)
        sender.close()
        receiver.close()

        listener = socket.socket(family, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, tcp_port))
        listener.listen(1)

        def serve():
            conn, _ = listener.accept()
            conn.sendall(conn.recv(100).upper())
            conn.close()

        server = threading.Thread(target=serve)
        server.start()
        client = socket.create_connection((host, tcp_port))
        client.sendall(b"hello floodwatch")
        client.recv(100)
        client.close()
        server.join()
        listener.close()
        time.sleep(0.05)


# ---------------------------------------------------------------- hand-built packets


def ipv4_udp(src, dst, sport, dport, payload=b"x" * 12):
    total = 20 + 8 + len(payload)
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, 1, 0, 64, 17, 0,
                         ipaddress.IPv4Address(src).packed, ipaddress.IPv4Address(dst).packed)
    return header + struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def ipv4_tcp_syn(src, dst, sport, dport):
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, 2, 0x4000, 64, 6, 0,
                         ipaddress.IPv4Address(src).packed, ipaddress.IPv4Address(dst).packed)
    return header + struct.pack("!HHIIBBHHH", sport, dport, 1, 0, 0x50, 0x02, 1024, 0, 0)


def ipv6_udp(src, dst, sport, dport, payload=b"y" * 16):
    header = struct.pack("!IHBB16s16s", 0x60000000, 8 + len(payload), 17, 64,
                         ipaddress.IPv6Address(src).packed, ipaddress.IPv6Address(dst).packed)
    return header + struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


V4 = ipv4_udp("10.1.0.1", "10.2.0.2", 1234, 53)
V4_SYN = ipv4_tcp_syn("192.0.2.1", "198.51.100.7", 40000, 80)
V6 = ipv6_udp("2001:db8::1", "2001:db8::2", 5353, 443)
ARP = bytes.fromhex("0001080006040001020000000001c0000201000000000000c0000202")


def vlan(tci, ethertype):
    return struct.pack("!HH", tci, ethertype)


def sll(protocol):
    # packet type 0 (to us), ARPHRD_ETHER, 6-byte address padded to 8
    return struct.pack("!HHH8sH", 0, 1, 6, bytes.fromhex("020000000001"), protocol)


def sll2(protocol):
    # protocol, reserved, interface index 2, ARPHRD_ETHER, packet type 0, 6-byte address
    return struct.pack("!HHIHBB8s", protocol, 0, 2, 1, 0, 6, bytes.fromhex("020000000001"))


MPLS_LABEL_1000_BOTTOM = struct.pack("!I", (1000 << 12) | 0x100 | 64)

PACKETS = {
    "raw": [V4, V6, V4_SYN, V6],
    "ipv4": [V4, V4_SYN],
    "ipv6": [V6, V6],
    "null": [struct.pack("<I", 2) + V4, struct.pack("<I", 30) + V6, struct.pack("<I", 24) + V6,
             struct.pack("<I", 28) + V6, struct.pack(">I", 2) + V4_SYN],
    "loop": [struct.pack(">I", 2) + V4, struct.pack(">I", 24) + V6],
    "sll": [sll(0x0800) + V4, sll(0x86DD) + V6, sll(0x8100) + vlan(100, 0x0800) + V4_SYN,
            sll(0x88A8) + vlan(200, 0x8100) + vlan(300, 0x86DD) + V6,
            sll(0x8847) + MPLS_LABEL_1000_BOTTOM + V4, sll(0x0806) + ARP],
    "sll2": [sll2(0x0800) + V4, sll2(0x86DD) + V6, sll2(0x8100) + vlan(100, 0x0800) + V4_SYN,
             sll2(0x0806) + ARP],
}


def hexdump(kind, first_epoch):
    """text2pcap input: each packet 0.1234567 s after the one before, with nanoseconds."""
    start_ns = int(round(float(first_epoch) * 1e9))
    for index, packet in enumerate(PACKETS[kind]):
        ns = start_ns + index * 123_456_789 + 1
        stamp = "%d.%09d" % divmod(ns, 1_000_000_000)
        for offset in range(0, len(packet), 16):
            chunk = " ".join("%02x" % b for b in packet[offset:offset + 16])
            prefix = stamp + " " if offset == 0 else ""
            print("%s%06x %s" % (prefix, offset, chunk))
        print()


# ---------------------------------------------------------------- classic pcap rewriting


def swap_pcap(source, target):
    data = open(source, "rb").read()
    if data[:4] not in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        sys.exit("swap-pcap wants a little-endian classic pcap")
    out = bytearray(struct.pack(">IHHiIII", *struct.unpack("<IHHiIII", data[:24])))
    at = 24
    while at + 16 <= len(data):
        sec, frac, caplen, origlen = struct.unpack("<IIII", data[at:at + 16])
        out += struct.pack(">IIII", sec, frac, caplen, origlen) + data[at + 16:at + 16 + caplen]
        at += 16 + caplen
    open(target, "wb").write(out)


# ---------------------------------------------------------------- pcapng rewriting

SHB, IDB, PB, SPB, ISB, EPB = 0x0A0D0D0A, 1, 2, 3, 5, 6

# How each known option's value changes with the byte order: "bytes" not at all, "u32" and
# "u64" as one number, "ts" as two 32-bit halves. Options not listed are dropped.
OPTION_LAYOUT = {
    (None, 1): "bytes",  # opt_comment, in every block
    (SHB, 2): "bytes", (SHB, 3): "bytes", (SHB, 4): "bytes",
    (IDB, 2): "bytes", (IDB, 3): "bytes", (IDB, 4): "bytes", (IDB, 5): "bytes",
    (IDB, 6): "bytes", (IDB, 7): "bytes", (IDB, 8): "u64", (IDB, 9): "bytes",
    (IDB, 10): "u32", (IDB, 11): "bytes", (IDB, 12): "bytes", (IDB, 13): "bytes",
    (IDB, 14): "u64", (IDB, 15): "bytes", (IDB, 16): "u64", (IDB, 17): "u64",
    (EPB, 2): "u32", (EPB, 3): "bytes", (EPB, 4): "u64", (EPB, 5): "u64", (EPB, 6): "u32",
    (ISB, 2): "ts", (ISB, 3): "ts", (ISB, 4): "u64", (ISB, 5): "u64", (ISB, 6): "u64",
    (ISB, 7): "u64", (ISB, 8): "u64",
}


def pad4(data):
    return data + b"\0" * (-len(data) % 4)


def read_options(raw, order):
    options, at = [], 0
    while at + 4 <= len(raw):
        code, length = struct.unpack(order + "HH", raw[at:at + 4])
        if code == 0:
            break
        options.append((code, raw[at + 4:at + 4 + length]))
        at += 4 + length + (-length % 4)
    return options


def write_options(options, block_type, source_order, target_order):
    out = b""
    for code, value in options:
        layout = OPTION_LAYOUT.get((block_type, code)) or OPTION_LAYOUT.get((None, code))
        if layout is None:
            continue
        if layout == "u32":
            value = struct.pack(target_order + "I", *struct.unpack(source_order + "I", value))
        elif layout == "u64":
            value = struct.pack(target_order + "Q", *struct.unpack(source_order + "Q", value))
        elif layout == "ts":
            value = struct.pack(target_order + "II", *struct.unpack(source_order + "II", value))
        out += struct.pack(target_order + "HH", code, len(value)) + pad4(value)
    return out + struct.pack(target_order + "HH", 0, 0) if out else b""


def blocks(data):
    """(block type, body, byte order) of every block, sections in any byte order."""
    at, order = 0, "<"
    while at + 12 <= len(data):
        if struct.unpack("<I", data[at:at + 4])[0] == SHB:
            order = "<" if data[at + 8:at + 12] == b"\x4d\x3c\x2b\x1a" else ">"
        block_type, length = struct.unpack(order + "II", data[at:at + 8])
        yield block_type, data[at + 8:at + length - 4], order
        at += length


def block(block_type, body, order):
    length = 12 + len(body)
    return struct.pack(order + "II", block_type, length) + body + struct.pack(order + "I", length)


def swap_pcapng(source, target):
    out = bytearray()
    for block_type, body, order in blocks(open(source, "rb").read()):
        to = ">" if order == "<" else "<"
        if block_type == SHB:
            fixed = struct.pack(to + "IHHq", *struct.unpack(order + "IHHq", body[:16]))
            rest = body[16:]
        elif block_type == IDB:
            fixed = struct.pack(to + "HHI", *struct.unpack(order + "HHI", body[:8]))
            rest = body[8:]
        elif block_type == EPB:
            fields = struct.unpack(order + "IIIII", body[:20])
            fixed = struct.pack(to + "IIIII", *fields) + pad4(body[20:20 + fields[3]])
            rest = body[20 + len(pad4(body[20:20 + fields[3]])):]
        elif block_type == ISB:
            fixed = struct.pack(to + "III", *struct.unpack(order + "III", body[:12]))
            rest = body[12:]
        else:
            continue
        options = write_options(read_options(rest, order), block_type, order, to)
        out += block(block_type, fixed + options, to)
    open(target, "wb").write(out)


def rewrite_epbs(source, target, make):
    out = bytearray()
    for block_type, body, order in blocks(open(source, "rb").read()):
        if block_type == EPB:
            interface, high, low, caplen, origlen = struct.unpack(order + "IIIII", body[:20])
            out += make(order, interface, high, low, origlen, body[20:20 + caplen])
        else:
            out += block(block_type, body, order)
    open(target, "wb").write(out)


def simple_packet_block(order, interface, high, low, origlen, data):
    return block(SPB, struct.pack(order + "I", origlen) + pad4(data), order)


def obsolete_packet_block(order, interface, high, low, origlen, data):
    fixed = struct.pack(order + "HHIIII", interface, 0, high, low, len(data), origlen)
    return block(PB, fixed + pad4(data), order)


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "traffic":
        traffic(int(args[0]), int(args[1]))
    elif command == "hexdump":
        hexdump(args[0], args[1])
    elif command == "swap-pcap":
        swap_pcap(*args)
    elif command == "swap-pcapng":
        swap_pcapng(*args)
    elif command == "epb-to-spb":
        rewrite_epbs(*args, simple_packet_block)
    elif command == "epb-to-pb":
        rewrite_epbs(*args, obsolete_packet_block)
    else:
        sys.exit(__doc__)
