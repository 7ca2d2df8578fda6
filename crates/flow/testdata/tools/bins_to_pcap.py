#!/usr/bin/env python3
"""bins_to_pcap.py OUT.pcap PORT FILE.bin... : wraps datagrams (hand-built ones) in
Ethernet/IPv4/UDP to PORT so that tshark and extract.py can decode them."""
import struct
import sys


def main():
    out, port, files = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, name in enumerate(files):
            payload = open(name, "rb").read()
            udp = struct.pack("!HHHH", 40000, port, 8 + len(payload), 0) + payload
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                             bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1])) + udp
            frame = b"\0" * 12 + b"\x08\x00" + ip
            f.write(struct.pack("<IIII", i, 0, len(frame), len(frame)) + frame)


if __name__ == "__main__":
    main()
