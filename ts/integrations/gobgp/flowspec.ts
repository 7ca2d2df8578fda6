// The FlowSpec rule (RFC 8955, RFC 8956 for IPv6) that matches an attack's traffic, built from its record.
import type { AttackRecord, TopEntry } from '../../attacks/types.js';
import type { Direction } from '../../engine/index.js';
import { REFLECTOR_PORTS } from '../../attacks/reflectors.js';

export interface FlowspecPrefix {
  address: string;
  length: number;
}

/** An operator byte without its end-of-list and length bits (gobgpd sets those), and its value. */
export interface FlowspecItem {
  op: number;
  value: number;
}

export interface FlowspecComponent {
  type: number;
  items: FlowspecItem[];
}

export interface FlowspecRule {
  family: 4 | 6;
  destination: FlowspecPrefix | null;
  source: FlowspecPrefix | null;
  /** Numeric and bitmask components, in type order. */
  components: FlowspecComponent[];
}

/** RFC 8955 component types. */
export const COMPONENT = {
  destination: 1,
  source: 2,
  protocol: 3,
  port: 4,
  destinationPort: 5,
  sourcePort: 6,
  icmpType: 7,
  icmpCode: 8,
  tcpFlags: 9,
  packetLength: 10,
  dscp: 11,
  fragment: 12,
} as const;

/** Numeric operators. */
export const NUM = { eq: 0x01, gt: 0x02, lt: 0x04, and: 0x40 } as const;
/** Bitmask operators: without match, any of the bits; with it, all of them. */
export const BITS = { match: 0x01, not: 0x02, and: 0x40 } as const;
/** The bits gobgpd fills in itself: end of list and value length. */
const OP_FRAMING = 0x80 | 0x30;

export const IP_PROTOCOL = { icmp: 1, tcp: 6, udp: 17, icmpv6: 58 } as const;
const TCP_SYN = 0x02;
const TCP_ACK = 0x10;
const IS_FRAGMENT = 0x02;

/** Part of the sampled packets one port must carry to be put in the rule. */
const DOMINANT_PORT_SHARE = 0.8;
/** Part of the packets one protocol must carry to name it in the rule of an unclassified attack. */
const DOMINANT_PROTOCOL_SHARE = 0.9;
/** Amplified replies are big: below this average size (bytes) the rule says nothing of length. */
const AMPLIFIED_PACKET_BYTES = 256;

/**
 * The rule for the traffic of an attack on (incoming) or from (outgoing) the host `ip`: the host
 * prefix alone when nothing more is known (a manual ban), narrowed by protocol, ports, TCP flags,
 * fragments and packet length as far as the attack record tells them.
 */
export function flowspecRuleFor(ip: string, family: 4 | 6, direction: Direction, attack: AttackRecord | null): FlowspecRule {
  const host = { address: ip, length: family === 4 ? 32 : 128 };
  const rule: FlowspecRule = {
    family,
    destination: direction === 'incoming' ? host : null,
    source: direction === 'outgoing' ? host : null,
    components: [],
  };
  if (!attack) return rule;
  const add = (type: number, items: FlowspecItem[]) => rule.components.push({ type, items });
  const equals = (value: number): FlowspecItem[] => [{ op: NUM.eq, value }];
  const icmp = family === 4 ? IP_PROTOCOL.icmp : IP_PROTOCOL.icmpv6;

  const amplified = /^(.+)_amplification$/.exec(attack.type);
  if (amplified) {
    const reflectorPort = REFLECTOR_PORTS[amplified[1]!] ?? dominantPort(attack.top_source_ports, 'udp');
    add(COMPONENT.protocol, equals(IP_PROTOCOL.udp));
    if (reflectorPort !== null) add(COMPONENT.sourcePort, equals(reflectorPort));
    const minLength = amplifiedMinLength(attack);
    if (minLength !== null) add(COMPONENT.packetLength, [{ op: NUM.gt | NUM.eq, value: minLength }]);
    return sorted(rule);
  }

  const protocol = protocolOf(attack);
  if (protocol !== null) add(COMPONENT.protocol, equals(protocol === 'icmp' ? icmp : IP_PROTOCOL[protocol]));
  // Fragments after the first carry no ports: a port would let them through.
  if ((protocol === 'tcp' || protocol === 'udp') && attack.type !== 'ip_fragmentation') {
    const port = dominantPort(attack.top_destination_ports, protocol);
    if (port !== null) add(COMPONENT.destinationPort, equals(port));
  }
  if (attack.type === 'syn_flood') {
    add(COMPONENT.tcpFlags, [
      { op: BITS.match, value: TCP_SYN },
      { op: BITS.and | BITS.not, value: TCP_ACK },
    ]);
  }
  if (attack.type === 'ip_fragmentation') add(COMPONENT.fragment, [{ op: BITS.match, value: IS_FRAGMENT }]);
  return sorted(rule);
}

function protocolOf(attack: AttackRecord): 'tcp' | 'udp' | 'icmp' | null {
  switch (attack.type) {
    case 'syn_flood':
    case 'tcp_flood':
      return 'tcp';
    case 'udp_flood':
      return 'udp';
    case 'icmp_flood':
      return 'icmp';
    default: {
      // Unclassified or fragments: a protocol only when it is nearly all of the traffic.
      const pps = (name: string) => attack.protocols[name]?.pps ?? 0;
      const total = attack.peak.pps;
      if (!(total > 0)) return null;
      for (const name of ['tcp', 'udp', 'icmp'] as const) if (pps(name) >= DOMINANT_PROTOCOL_SHARE * total) return name;
      return null;
    }
  }
}

/** The port of the first entry when it carries most of the sampled packets. Keys: "udp/123" or "123". */
function dominantPort(entries: readonly TopEntry[], protocol: 'tcp' | 'udp'): number | null {
  const top = entries[0];
  if (!top) return null;
  const total = entries.reduce((sum, e) => sum + e.packets, 0);
  if (!(total > 0) || top.packets < DOMINANT_PORT_SHARE * total) return null;
  const match = /^(?:([a-z0-9]+)\/)?(\d{1,5})$/.exec(top.key);
  if (!match || (match[1] !== undefined && match[1] !== protocol)) return null;
  const port = Number(match[2]);
  return port <= 65535 ? port : null;
}

/** Half the average packet size at the peak, when the packets are as big as amplified replies are. */
function amplifiedMinLength(attack: AttackRecord): number | null {
  const { pps, mbps } = attack.peak;
  if (!(pps > 0) || !(mbps > 0)) return null;
  const average = (mbps * 1e6) / 8 / pps;
  return average >= AMPLIFIED_PACKET_BYTES ? Math.min(65535, Math.floor(average / 2)) : null;
}

function sorted(rule: FlowspecRule): FlowspecRule {
  rule.components.sort((a, b) => a.type - b.type);
  return rule;
}

/** The operator without the bits gobgpd sets, so that a rule read back from its RIB compares equal. */
export function normalizeOp(op: number): number {
  return op & ~OP_FRAMING;
}

const COMPONENT_NAMES: Record<number, string> = {
  [COMPONENT.protocol]: 'proto',
  [COMPONENT.port]: 'port',
  [COMPONENT.destinationPort]: 'dport',
  [COMPONENT.sourcePort]: 'sport',
  [COMPONENT.icmpType]: 'icmp-type',
  [COMPONENT.icmpCode]: 'icmp-code',
  [COMPONENT.tcpFlags]: 'tcp-flags',
  [COMPONENT.packetLength]: 'length',
  [COMPONENT.dscp]: 'dscp',
  [COMPONENT.fragment]: 'fragment',
};

const BITMASK_COMPONENTS = new Set<number>([COMPONENT.tcpFlags, COMPONENT.fragment]);

/** Canonical text of a rule, e.g. "dst 192.0.2.1/32 proto =17 sport =123": one rule, one text. */
export function describeRule(rule: FlowspecRule): string {
  const parts: string[] = [];
  if (rule.destination) parts.push(`dst ${rule.destination.address}/${rule.destination.length}`);
  if (rule.source) parts.push(`src ${rule.source.address}/${rule.source.length}`);
  for (const { type, items } of rule.components) {
    const bitmask = BITMASK_COMPONENTS.has(type);
    const text = items
      .map((item, i) => {
        const op = normalizeOp(item.op);
        const join = i === 0 ? '' : op & NUM.and ? '&' : ',';
        return join + (bitmask ? bitmaskText(op, item.value) : numericText(op, item.value));
      })
      .join('');
    parts.push(`${COMPONENT_NAMES[type] ?? `type${type}`} ${text}`);
  }
  return parts.join(' ');
}

function numericText(op: number, value: number): string {
  const comparison = ['false', '=', '>', '>=', '<', '<=', '!=', 'true'][op & 0x07];
  return `${comparison}${value}`;
}

function bitmaskText(op: number, value: number): string {
  return `${op & BITS.not ? '!' : ''}${op & BITS.match ? '=' : ''}0x${value.toString(16)}`;
}
