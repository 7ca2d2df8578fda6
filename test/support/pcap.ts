// Writes pcap files of synthetic traffic with exactly known per-host packet and byte counts.
import { writeFileSync } from 'node:fs';
import { isIPv4 } from 'node:net';

export interface PacketSpec {
  src: string;
  dst: string;
  protocol: 'tcp' | 'udp' | 'icmp';
  srcPort?: number;
  dstPort?: number;
  /** TCP flags byte; SYN is 0x02. */
  tcpFlags?: number;
  /** IP total length in bytes (headers included). */
  ipLength: number;
  /** Seconds since the epoch, fractional. */
  time: number;
  /** An 802.1Q tag on the frame. */
  vlan?: number;
}

const PROTO = { tcp: 6, udp: 17, icmp: 1 } as const;

function ipv4Bytes(ip: string): Buffer {
  return Buffer.from(ip.split('.').map(Number));
}

function ipv6Bytes(ip: string): Buffer {
  const [head, tail] = ip.split('::');
  const parse = (s: string | undefined) =>
    s
      ? s
          .split(':')
          .filter(Boolean)
          .map((h) => parseInt(h, 16))
      : [];
  const h = parse(head);
  const t = parse(tail);
  const groups = tail === undefined ? h : [...h, ...new Array(8 - h.length - t.length).fill(0), ...t];
  const b = Buffer.alloc(16);
  groups.forEach((g, i) => b.writeUInt16BE(g, i * 2));
  return b;
}

function checksum(buf: Buffer): number {
  let sum = 0;
  for (let i = 0; i + 1 < buf.length; i += 2) sum += buf.readUInt16BE(i);
  if (buf.length % 2) sum += buf[buf.length - 1] << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return ~sum & 0xffff;
}

function transport(p: PacketSpec, payloadLength: number, v6: boolean): Buffer {
  if (p.protocol === 'tcp') {
    const t = Buffer.alloc(Math.max(payloadLength, 20));
    t.writeUInt16BE(p.srcPort ?? 40000, 0);
    t.writeUInt16BE(p.dstPort ?? 80, 2);
    t.writeUInt32BE(1, 4);
    t.writeUInt8(5 << 4, 12);
    t.writeUInt8(p.tcpFlags ?? 0x18, 13);
    t.writeUInt16BE(65535, 14);
    return t;
  }
  if (p.protocol === 'udp') {
    const u = Buffer.alloc(Math.max(payloadLength, 8));
    u.writeUInt16BE(p.srcPort ?? 40000, 0);
    u.writeUInt16BE(p.dstPort ?? 53, 2);
    u.writeUInt16BE(u.length, 4);
    return u;
  }
  const c = Buffer.alloc(Math.max(payloadLength, 8));
  c.writeUInt8(v6 ? 128 : 8, 0);
  c.writeUInt16BE(checksum(c), 2);
  return c;
}

export function frame(p: PacketSpec): Buffer {
  const untagged = untaggedFrame(p);
  if (p.vlan === undefined) return untagged;
  const tag = Buffer.alloc(4);
  tag.writeUInt16BE(0x8100, 0);
  tag.writeUInt16BE(p.vlan & 0x0fff, 2);
  return Buffer.concat([untagged.subarray(0, 12), tag, untagged.subarray(12)]);
}

function untaggedFrame(p: PacketSpec): Buffer {
  const v6 = !isIPv4(p.src);
  const eth = Buffer.alloc(14);
  Buffer.from([0x02, 0, 0, 0, 0, 2]).copy(eth, 0);
  Buffer.from([0x02, 0, 0, 0, 0, 1]).copy(eth, 6);
  if (!v6) {
    eth.writeUInt16BE(0x0800, 12);
    const ip = Buffer.alloc(20);
    ip.writeUInt8(0x45, 0);
    ip.writeUInt16BE(p.ipLength, 2);
    ip.writeUInt16BE(0x4000, 6);
    ip.writeUInt8(64, 8);
    ip.writeUInt8(PROTO[p.protocol], 9);
    ipv4Bytes(p.src).copy(ip, 12);
    ipv4Bytes(p.dst).copy(ip, 16);
    ip.writeUInt16BE(checksum(ip), 10);
    return Buffer.concat([eth, ip, transport(p, p.ipLength - 20, false)]);
  }
  eth.writeUInt16BE(0x86dd, 12);
  const ip = Buffer.alloc(40);
  ip.writeUInt32BE(0x60000000, 0);
  ip.writeUInt16BE(p.ipLength - 40, 4);
  ip.writeUInt8(p.protocol === 'icmp' ? 58 : PROTO[p.protocol], 6);
  ip.writeUInt8(64, 7);
  ipv6Bytes(p.src).copy(ip, 8);
  ipv6Bytes(p.dst).copy(ip, 24);
  return Buffer.concat([eth, ip, transport(p, p.ipLength - 40, true)]);
}

export function writePcap(path: string, packets: PacketSpec[]): void {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65535, 16);
  header.writeUInt32LE(1, 20);
  const parts: Buffer[] = [header];
  for (const p of packets) {
    const data = frame(p);
    const rec = Buffer.alloc(16);
    const seconds = Math.floor(p.time);
    rec.writeUInt32LE(seconds, 0);
    rec.writeUInt32LE(Math.round((p.time - seconds) * 1e6), 4);
    rec.writeUInt32LE(data.length, 8);
    rec.writeUInt32LE(data.length, 12);
    parts.push(rec, data);
  }
  writeFileSync(path, Buffer.concat(parts));
}
