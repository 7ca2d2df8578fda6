// A FlowSpec rule built from an attack record: the banned host, and what the attack traffic has in
// common (protocol, ports, TCP flags, fragments). A rule that would match all of the host's
// traffic is no better than the blackhole route, so none is built for an attack of unknown type.
import { isIP } from 'node:net';
import type { AttackRecord, AttackType, Ban, TopEntry } from '../../attacks/types.js';
import type { FlowspecConfig } from '../bgp/config.js';
import { REFLECTOR_PORTS } from '../../attacks/reflectors.js';

export interface FlowRule {
  family: 4 | 6;
  /** The host under attack (an incoming ban), as a /32 or /128. */
  destination?: string;
  /** The host sending the flood (an outgoing ban), as a /32 or /128. */
  source?: string;
  protocol?: 'tcp' | 'udp' | 'icmp';
  sourcePorts: number[];
  destinationPorts: number[];
  /** Exactly these flags set. */
  tcpFlags?: 'syn';
  fragments?: boolean;
}

export type FlowAction = { kind: 'discard' } | { kind: 'rate_limit'; bytesPerSecond: number };

export function flowActionOf(config: FlowspecConfig): FlowAction {
  return config.action === 'discard' ? { kind: 'discard' } : { kind: 'rate_limit', bytesPerSecond: config.rate_limit_bytes_per_second };
}

/** Part of the sampled packets a port must carry to go into the rule. */
const DOMINANT_SHARE = 0.5;

/** The rule for the ban's host and the attack's traffic; null when the attack has no usable shape. */
export function flowRuleFor(ban: Ban, attack: AttackRecord): FlowRule | null {
  const family = isIP(ban.ip);
  if (family !== 4 && family !== 6) return null;
  const host = `${ban.ip}/${family === 4 ? 32 : 128}`;
  const base = {
    family,
    ...(ban.direction === 'incoming' ? { destination: host } : { source: host }),
    sourcePorts: [],
    destinationPorts: [],
  } satisfies FlowRule;
  const shape = trafficShape(attack.type, attack);
  return shape ? { ...base, ...shape } : null;
}

type Shape = Partial<Omit<FlowRule, 'family' | 'destination' | 'source'>>;

function trafficShape(type: AttackType, attack: AttackRecord): Shape | null {
  const amplification = /^(.+)_amplification$/.exec(type);
  if (amplification) {
    const port = REFLECTOR_PORTS[amplification[1]!];
    return port === undefined ? { protocol: 'udp' } : { protocol: 'udp', sourcePorts: [port] };
  }
  switch (type) {
    case 'syn_flood':
      return { protocol: 'tcp', tcpFlags: 'syn', destinationPorts: dominantPorts(attack.top_destination_ports, 'tcp') };
    case 'tcp_flood':
      return { protocol: 'tcp', destinationPorts: dominantPorts(attack.top_destination_ports, 'tcp') };
    case 'udp_flood':
      return {
        protocol: 'udp',
        sourcePorts: dominantPorts(attack.top_source_ports, 'udp'),
        destinationPorts: dominantPorts(attack.top_destination_ports, 'udp'),
      };
    case 'icmp_flood':
      return { protocol: 'icmp' };
    case 'ip_fragmentation':
      return { fragments: true };
    default:
      return null;
  }
}

/**
 * The port that carries most of the sampled packets of the protocol, if one does. Entries are
 * keyed `udp/123` (a bare `123` is taken to be of the protocol asked for).
 */
function dominantPorts(entries: readonly TopEntry[], protocol: 'tcp' | 'udp'): number[] {
  const ofProtocol: { port: number; packets: number }[] = [];
  for (const entry of entries) {
    const match = /^(?:([a-z0-9]+)\/)?(\d{1,5})$/.exec(entry.key);
    if (!match || (match[1] !== undefined && match[1] !== protocol)) continue;
    const port = Number(match[2]);
    if (port <= 65535) ofProtocol.push({ port, packets: entry.packets });
  }
  const total = ofProtocol.reduce((sum, entry) => sum + entry.packets, 0);
  if (total <= 0) return [];
  return ofProtocol.filter((entry) => entry.packets / total > DOMINANT_SHARE).map((entry) => entry.port);
}
