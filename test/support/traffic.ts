// Generated traffic with exactly known per-host totals, for the exporter tests.
import type { PacketSpec } from './pcap.js';

export interface HostTotals {
  packets: number;
  bytes: number;
}

export interface Traffic {
  packets: PacketSpec[];
  incoming: Map<string, HostTotals>;
  outgoing: Map<string, HostTotals>;
}

export const MONITORED = ['198.51.100.0/24', '2001:db8:1::/48'];

function add(map: Map<string, HostTotals>, ip: string, bytes: number, weight = 1) {
  const t = map.get(ip) ?? { packets: 0, bytes: 0 };
  t.packets += weight;
  t.bytes += bytes * weight;
  map.set(ip, t);
}

const isMonitored = (ip: string) => ip.startsWith('198.51.100.') || ip.startsWith('2001:db8:1:');

/**
 * A mix of UDP from several sources, a SYN flood from many ports, ICMP, IPv6 TCP and outgoing
 * traffic. `scale` multiplies every packet count; `ipv6` adds the IPv6 host.
 */
export function mixedTraffic(options: { scale?: number; ipv6?: boolean; start?: number } = {}): Traffic {
  const scale = options.scale ?? 1;
  let time = options.start ?? 1_700_000_000;
  const packets: PacketSpec[] = [];
  const push = (p: Omit<PacketSpec, 'time'>) => {
    time += 0.0001;
    packets.push({ ...p, time });
  };
  for (let i = 0; i < 1000 * scale; i++) {
    push({ src: `192.0.2.${1 + (i % 5)}`, dst: '198.51.100.10', protocol: 'udp', srcPort: 1000 + (i % 50), dstPort: 53, ipLength: 100 + (i % 7) });
  }
  for (let i = 0; i < 300 * scale; i++) {
    push({ src: `203.0.113.${1 + (i % 200)}`, dst: '198.51.100.20', protocol: 'tcp', srcPort: 10_000 + (i % 3000), dstPort: 80, tcpFlags: 0x02, ipLength: 60 });
  }
  for (let i = 0; i < 200 * scale; i++) {
    push({ src: '192.0.2.77', dst: '198.51.100.30', protocol: 'icmp', ipLength: 84 });
  }
  for (let i = 0; i < 150 * scale; i++) {
    push({ src: '198.51.100.10', dst: '192.0.2.1', protocol: 'udp', srcPort: 53, dstPort: 1000 + (i % 50), ipLength: 200 + (i % 3) });
  }
  if (options.ipv6 ?? true) {
    for (let i = 0; i < 300 * scale; i++) {
      push({ src: '2001:db8::1', dst: '2001:db8:1::20', protocol: 'tcp', srcPort: 5000, dstPort: 443, tcpFlags: 0x18, ipLength: 60 + (i % 3) * 100 });
    }
  }
  // pmacctd loses its last few samples when the pcap ends: end on unmonitored traffic.
  for (let i = 0; i < 50; i++) {
    push({ src: '192.0.2.200', dst: '192.0.2.201', protocol: 'udp', srcPort: 9, dstPort: 9, ipLength: 64 });
  }
  return summarize(packets);
}

export function summarize(packets: PacketSpec[], weight = 1): Traffic {
  const incoming = new Map<string, HostTotals>();
  const outgoing = new Map<string, HostTotals>();
  for (const p of packets) {
    if (isMonitored(p.dst)) add(incoming, p.dst, p.ipLength, weight);
    if (isMonitored(p.src)) add(outgoing, p.src, p.ipLength, weight);
  }
  return { packets, incoming, outgoing };
}

/** Every `rate`-th packet, as a switch sampling 1 in `rate` systematically would keep. */
export function systematicSample(packets: PacketSpec[], rate: number): PacketSpec[] {
  return packets.filter((_, i) => i % rate === 0);
}
