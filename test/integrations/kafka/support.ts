// Shared by the Kafka integration's tests: flows of known fields, what the export should say of
// each, and the shipped .proto loaded with protobufjs.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import type { PacketSpec } from '../../support/pcap.js';

export const PROTO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'proto', 'traffic_data.proto');
export const MONITORED = ['198.51.100.0/24', '2001:db8:1::/48'];

export interface Flow {
  src: string;
  dst: string;
  protocol: 'tcp' | 'udp';
  srcPort: number;
  dstPort: number;
  tcpFlags?: number;
  ipLength: number;
  packets: number;
  direction: 'incoming' | 'outgoing' | 'internal' | 'other';
}

/** IPv4 and IPv6, every direction, several flows to one host (for the key). */
export const FLOWS: Flow[] = [
  { src: '192.0.2.10', dst: '198.51.100.10', protocol: 'tcp', srcPort: 40001, dstPort: 443, tcpFlags: 0x12, ipLength: 60, packets: 3, direction: 'incoming' },
  { src: '192.0.2.11', dst: '198.51.100.10', protocol: 'tcp', srcPort: 40002, dstPort: 443, tcpFlags: 0x02, ipLength: 60, packets: 2, direction: 'incoming' },
  { src: '192.0.2.12', dst: '198.51.100.10', protocol: 'udp', srcPort: 5353, dstPort: 53, ipLength: 120, packets: 5, direction: 'incoming' },
  { src: '198.51.100.20', dst: '192.0.2.20', protocol: 'udp', srcPort: 123, dstPort: 40000, ipLength: 480, packets: 2, direction: 'outgoing' },
  {
    src: '2001:db8:ffff::1',
    dst: '2001:db8:1::10',
    protocol: 'tcp',
    srcPort: 40003,
    dstPort: 80,
    tcpFlags: 0x18,
    ipLength: 80,
    packets: 4,
    direction: 'incoming',
  },
  { src: '2001:db8:1::5', dst: '2001:db8:1::6', protocol: 'udp', srcPort: 7000, dstPort: 7001, ipLength: 200, packets: 2, direction: 'internal' },
  { src: '192.0.2.50', dst: '192.0.2.51', protocol: 'udp', srcPort: 1000, dstPort: 2000, ipLength: 100, packets: 1, direction: 'other' },
];

/** The flows' packets, a tenth of a second apart, from `start` (seconds since the epoch). */
export function flowPackets(flows: Flow[], start = 1_700_000_000): PacketSpec[] {
  const packets: PacketSpec[] = [];
  for (const f of flows) {
    for (let i = 0; i < f.packets; i++) {
      packets.push({
        src: f.src,
        dst: f.dst,
        protocol: f.protocol,
        srcPort: f.srcPort,
        dstPort: f.dstPort,
        tcpFlags: f.tcpFlags,
        ipLength: f.ipLength,
        time: 0,
      });
    }
  }
  return packets.map((p, i) => ({ ...p, time: start + i / 10 }));
}

const FLAG_NAMES = ['fin', 'syn', 'rst', 'psh', 'ack', 'urg', 'ece', 'cwr'];

export function flagNames(flags: number): string {
  return FLAG_NAMES.filter((_, bit) => flags & (1 << bit)).join(',');
}

/** FastNetMon's packet_dump_detailed object for a record, less its timestamp. */
export function expectedJson(f: Flow, record: { packets: number; length: number; telemetry: string; agent: string }): Record<string, unknown> {
  return {
    ip_version: f.src.includes(':') ? 'ipv6' : 'ipv4',
    source_ip: f.src,
    destination_ip: f.dst,
    source_asn: 0,
    destination_asn: 0,
    source_country: '',
    destination_country: '',
    input_interface: 0,
    output_interface: 0,
    source_port: f.srcPort,
    destination_port: f.dstPort,
    agent_address: record.agent,
    tcp_flags: f.protocol === 'tcp' ? flagNames(f.tcpFlags ?? 0x18) : '',
    forwarding_status: 'unknown',
    fragmentation: false,
    packets: record.packets,
    length: record.length,
    ip_length: record.packets * f.ipLength,
    ttl: 0,
    sample_ratio: 1,
    protocol: f.protocol,
    traffic_direction: f.direction,
    telemetry_type: record.telemetry,
  };
}

let trafficData: protobuf.Type | undefined;

/** TrafficData from the shipped .proto, field names as written there. */
export function trafficDataType(): protobuf.Type {
  trafficData ??= new protobuf.Root().loadSync(PROTO, { keepCase: true }).lookupType('TrafficData');
  return trafficData;
}

/** A decoded TrafficData as plain values: enums by name, 64-bit numbers as numbers, addresses as text. */
export function decodeTrafficData(value: Buffer): Record<string, unknown> {
  const type = trafficDataType();
  const object = type.toObject(type.decode(value), { longs: Number, enums: String, bytes: Array, defaults: true });
  for (const key of ['source_ip', 'destination_ip', 'agent_address']) object[key] = addressText(object[key] as number[]);
  return object;
}

function addressText(bytes: number[]): string {
  if (bytes.length === 4) return bytes.join('.');
  if (bytes.length === 16) {
    const groups = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i] << 8) | bytes[2 * i + 1]).toString(16));
    // The URL parser writes an IPv6 address in its canonical form, as the engine does.
    return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
  }
  return '';
}
