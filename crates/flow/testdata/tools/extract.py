#!/usr/bin/env python3
"""extract.py CAPTURE.pcap PORT DISSECTOR OUTDIR NAME [FIRST-LAST]

Writes every UDP payload of CAPTURE (an export captured on loopback) as OUTDIR/NAME-NN.bin, and
OUTDIR/NAME.expected: what tshark decodes from the same datagrams, one line per flow record or
sampled packet, in datagram order:

    flow SRC DST PROTO SPORT DPORT TCPFLAGS PACKETS BYTES DURATION_MS FRAGMENT RATE
    counters AGENT IFINDEX IN_OCTETS IN_PACKETS OUT_OCTETS OUT_PACKETS

"-" marks a value tshark does not give (the tests then skip that column)."""
import json
import struct
import subprocess
import sys


def udp_payloads(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    assert magic == 0xA1B2C3D4, "write the capture with tshark -F pcap"
    linktype = struct.unpack("<I", data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack("<IIII", data[off:off + 16])
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if linktype == 1:
            ethertype = struct.unpack("!H", frame[12:14])[0]
            ip = frame[14:]
        else:
            raise SystemExit("unsupported link type %d" % linktype)
        if ethertype == 0x0800:
            ihl = (ip[0] & 15) * 4
            yield ip[ihl + 8:struct.unpack("!H", ip[2:4])[0]]
        elif ethertype == 0x86DD:
            yield ip[48:40 + struct.unpack("!H", ip[4:6])[0]]


def find(node, key):
    """First value for `key` anywhere under node (depth first)."""
    if isinstance(node, dict):
        if key in node:
            return node[key]
        for v in node.values():
            r = find(v, key)
            if r is not None:
                return r
    return None


def packet_line(tree, rate):
    ip4, ip6 = find(tree, "ip"), find(tree, "ipv6")
    if ip4 is not None and isinstance(ip4, dict):
        src, dst, proto = ip4["ip.src"], ip4["ip.dst"], ip4["ip.proto"]
        length = int(ip4["ip.len"])
        frag = ip4["ip.flags_tree"]["ip.flags.mf"] == "1" or ip4["ip.frag_offset"] != "0"
    elif ip6 is not None and isinstance(ip6, dict):
        src, dst, proto = ip6["ipv6.src"], ip6["ipv6.dst"], ip6["ipv6.nxt"]
        length = int(ip6["ipv6.plen"]) + 40
        frag = False
    else:
        return None
    sport = dport = "0"
    flags = "0"
    l4 = find(tree, "tcp") if proto == "6" else find(tree, "udp") if proto == "17" else None
    if isinstance(l4, dict):
        pre = "tcp" if proto == "6" else "udp"
        sport, dport = l4[pre + ".srcport"], l4[pre + ".dstport"]
        if pre == "tcp":
            flags = str(int(l4["tcp.flags"], 16) & 0xFF)
    elif proto not in ("6", "17"):
        sport = dport = "-"
    if frag and isinstance(ip4, dict) and ip4["ip.frag_offset"] != "0":
        sport = dport = "0"
    return "flow %s %s %s %s %s %s 1 %d 0 %d %s" % (src, dst, proto, sport, dport, flags, length, int(frag), rate)


def cflow_flows(cflow):
    """(flow dict, sampling rate or "-"): v5 "pdu" entries, v9/IPFIX "Flow" entries of each set."""
    v5_rate = cflow.get("cflow.samplerate")
    v5_rate = str(max(1, int(v5_rate))) if v5_rate is not None else "-"
    for key, value in cflow.items():
        if key.startswith("pdu ") and isinstance(value, dict):
            yield value, v5_rate
        elif (key.startswith("Set ") or key.startswith("FlowSet ")) and isinstance(value, dict):
            for flow_key, flow in value.items():
                if flow_key.startswith("Flow ") and isinstance(flow, dict):
                    yield flow, "-"


def cflow_lines(cflow):
    for flow, rate in cflow_flows(cflow):
        if "cflow.data_link_frame_section_tree" in flow or "cflow.ip_header_packet_section_tree" in flow:
            line = packet_line(flow, "-")
            if line:
                yield line
            continue
        src = flow.get("cflow.srcaddr") or flow.get("cflow.srcaddrv6")
        dst = flow.get("cflow.dstaddr") or flow.get("cflow.dstaddrv6")
        if not src or not dst:
            continue
        proto = flow.get("cflow.protocol", "-")
        sport = flow.get("cflow.srcport")
        dport = flow.get("cflow.dstport")
        icmp = flow.get("cflow.icmp_type_code_ipv4") or flow.get("cflow.icmp_type_code_ipv6") or flow.get("cflow.icmp_type")
        if dport is None and icmp is not None:
            sport, dport = "0", str(int(icmp, 0))
        flags = flow.get("cflow.tcpflags")
        flags = str(int(flags, 16) & 0xFF) if flags else "0"
        packets = flow.get("cflow.packets") or flow.get("cflow.packets64") or "-"
        octets = flow.get("cflow.octets") or flow.get("cflow.octets64") or "-"
        delta = flow.get("cflow.timedelta")
        duration = str(round(float(delta) * 1000)) if delta is not None else "-"
        yield "flow %s %s %s %s %s %s %s %s %s - %s" % (src, dst, proto, sport or "0", dport or "0", flags, packets, octets, duration, rate)


def sampled_ip_line(record, rate):
    """sFlow sampled IPv4/IPv6 record. tshark 4.0 shows TCP flags from the wrong byte of the
    32-bit field, so they are not compared."""
    src = record.get("sflow_245.ipv4_src") or record.get("sflow_245.ipv6_src")
    dst = record.get("sflow_245.ipv4_dst") or record.get("sflow_245.ipv6_dst")
    return "flow %s %s %s %s %s - 1 %s 0 - %s" % (
        src, dst, record["sflow.ip_protocol"], record["sflow_245.ip.source_port"],
        record["sflow.ip.destination_port"], record["sflow_245.ip.length"], rate)


def sflow_lines(sflow):
    agent = sflow.get("sflow_245.agent") or sflow.get("sflow_245.agent.v6")
    for key, sample in sflow.items():
        if not isinstance(sample, dict):
            continue
        if key.startswith("Flow sample") or key.startswith("Expanded flow sample"):
            rate = str(max(1, int(find(sample, "sflow.flow_sample.sampling_rate") or "1")))
            raw = sample.get("Raw packet header")
            line = packet_line(raw.get("sflow_245.header_tree", {}), rate) if raw else None
            ip_record = sample.get("IPv4 data") or sample.get("IPv6 data")
            if line is None and ip_record:
                line = sampled_ip_line(ip_record, rate)
            if line:
                yield line
        elif key.startswith("Counters sample") or key.startswith("Expanded counters sample"):
            generic = sample.get("Generic interface counters")
            if generic:
                g = lambda k: generic["sflow_245." + k]
                in_pk = sum(int(g(k)) for k in ("ifinpkt", "ifinmcast", "ifinbcast"))
                out_pk = sum(int(g(k)) for k in ("ifoutpkt", "ifoutmcast", "ifoutbcast"))
                yield "counters %s %s %s %d %s %d" % (agent, g("ifindex"), g("ifinoct"), in_pk, g("ifoutoct"), out_pk)


def main():
    cap, port, dissector, outdir, name = sys.argv[1:6]
    first, last = 0, 1 << 30
    if len(sys.argv) > 6:
        first, last = (int(x) for x in sys.argv[6].split("-"))
    keep = []
    for i, payload in enumerate(udp_payloads(cap)):
        if first <= i <= last:
            keep.append(i)
            with open("%s/%s-%02d.bin" % (outdir, name, i - first), "wb") as f:
                f.write(payload)
    out = subprocess.run(["tshark", "-r", cap, "-d", "udp.port==%s,%s" % (port, dissector), "-T", "json"],
                         check=True, capture_output=True).stdout
    lines = []
    for i, frame in enumerate(json.loads(out)):
        if i not in keep:
            continue
        layers = frame["_source"]["layers"]
        if dissector == "cflow":
            lines += list(cflow_lines(layers["cflow"]))
        else:
            lines += list(sflow_lines(layers["sflow"]))
    with open("%s/%s.expected" % (outdir, name), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
