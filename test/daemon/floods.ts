// Generated traffic for the live daemon tests: streams at a steady rate over the same seconds,
// merged into one capture that is sent at its overall packet rate.
import { writePcap, type PacketSpec } from '../support/pcap.js';

type PacketMaker = (i: number) => Omit<PacketSpec, 'time'>;

const T0 = 1_700_000_000;

/** `pps` packets a second for `seconds`, from `from` seconds into the capture. */
export function stream(pps: number, seconds: number, make: PacketMaker, from = 0): PacketSpec[] {
  const packets: PacketSpec[] = [];
  const count = Math.round(pps * seconds);
  for (let i = 0; i < count; i++) packets.push({ ...make(i), time: T0 + from + i / pps });
  return packets;
}

/** SYNs from 250 sources and every source port: one flow per packet. */
export const synFlood =
  (dst: string): PacketMaker =>
  (i) => ({ src: `203.0.113.${1 + (i % 250)}`, dst, protocol: 'tcp', srcPort: 1024 + (i % 60000), dstPort: 443, tcpFlags: 0x02, ipLength: 60 });

/** Large NTP answers (source port 123) from 50 reflectors. */
export const ntpReflection =
  (dst: string): PacketMaker =>
  (i) => ({ src: `192.0.2.${1 + (i % 50)}`, dst, protocol: 'udp', srcPort: 123, dstPort: 30000 + (i % 20), ipLength: 480 });

/** Ordinary UDP from 20 clients (of dst's address family) to port 53. */
export const udpTraffic =
  (dst: string): PacketMaker =>
  (i) => ({ src: client(dst, i % 20), dst, protocol: 'udp', srcPort: 20000 + (i % 100), dstPort: 53, ipLength: 200 });

const client = (dst: string, n: number) => (dst.includes(':') ? `2001:db8:ffff::${(100 + n).toString(16)}` : `192.0.2.${100 + n}`);

export interface Capture {
  path: string;
  /** Sent at this rate, each stream keeps its own: they all span the same seconds. */
  pps: number;
  packets: number;
}

/** Writes the streams, interleaved in time order, to `path`. */
export function writeCapture(path: string, ...streams: PacketSpec[][]): Capture {
  const packets = streams.flat().sort((a, b) => a.time - b.time);
  writePcap(path, packets);
  const seconds = packets[packets.length - 1].time - packets[0].time;
  return { path, pps: Math.round(packets.length / seconds), packets: packets.length };
}
