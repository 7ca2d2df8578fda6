// The benchmark's input traffic: many distinct flows towards a few thousand monitored hosts.
import type { PacketSpec } from '../test/support/pcap.js';

/** The networks the benchmark monitors, on floodwatch and on FastNetMon alike. */
export const MONITORED_NETWORKS: readonly string[] = ['198.51.100.0/24', '10.80.0.0/20'];

export const DEFAULT_FLOWS = 200_000;
/** A prime, so that (source, destination) pairs never repeat within the default flow count. */
export const DEFAULT_HOSTS = 4001;
const SOURCES = 50_000;

/** `count` host addresses in the monitored networks: 198.51.100.1-254 first, then 10.80.0.0/20. */
export function monitoredHosts(count: number): string[] {
  if (count > 254 + 4094) throw new Error(`monitoredHosts: at most ${254 + 4094} hosts fit in ${MONITORED_NETWORKS.join(', ')}`);
  const hosts: string[] = [];
  for (let i = 1; i <= 254 && hosts.length < count; i++) hosts.push(`198.51.100.${i}`);
  for (let n = 1; hosts.length < count; n++) hosts.push(`10.80.${n >> 8}.${n & 255}`);
  return hosts;
}

/** Source addresses outside the monitored networks, in 100.64.0.0/10. */
function source(i: number): string {
  const n = i % SOURCES;
  return `100.${64 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}`;
}

/**
 * One packet per flow, every flow a distinct 5-tuple: 60 % TCP (a third of them SYNs),
 * 35 % UDP, 5 % ICMP echo, 10 µs apart, incoming towards `hosts` monitored hosts.
 */
export function manyFlows(options: { flows?: number; hosts?: number; start?: number } = {}): PacketSpec[] {
  const flows = options.flows ?? DEFAULT_FLOWS;
  const hosts = monitoredHosts(options.hosts ?? DEFAULT_HOSTS);
  if (flows > SOURCES * 60_000) throw new Error(`manyFlows: at most ${SOURCES * 60_000} distinct flows`);
  const start = options.start ?? 1_700_000_000;
  const packets: PacketSpec[] = new Array(flows);
  for (let i = 0; i < flows; i++) {
    const src = source(i);
    const dst = hosts[i % hosts.length];
    const time = start + i * 0.00001;
    // (source, source port) is unique per flow; ICMP has no ports, and (source, destination)
    // is unique as long as flows < lcm(SOURCES, hosts).
    const srcPort = 1024 + Math.floor(i / SOURCES);
    const kind = i % 20;
    if (kind === 0) packets[i] = { src, dst, protocol: 'icmp', ipLength: 84, time };
    else if (kind <= 7) packets[i] = { src, dst, protocol: 'udp', srcPort, dstPort: 53 + (i % 3) * 70, ipLength: 512, time };
    else
      packets[i] = {
        src,
        dst,
        protocol: 'tcp',
        srcPort,
        dstPort: i % 2 ? 443 : 80,
        tcpFlags: kind % 3 === 0 ? 0x02 : 0x18,
        ipLength: kind % 3 === 0 ? 40 : 60,
        time,
      };
  }
  return packets;
}
