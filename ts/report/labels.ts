// Human names for the machine values of an attack record.
import type { AttackType, ThresholdMetric } from '../attacks/types.js';

const AMPLIFICATION_NAMES: Record<string, string> = {
  dns: 'DNS',
  ntp: 'NTP',
  ssdp: 'SSDP',
  memcached: 'memcached',
  chargen: 'CharGEN',
  cldap: 'CLDAP',
  snmp: 'SNMP',
  rip: 'RIP',
  mssql: 'MS SQL',
  netbios: 'NetBIOS',
  portmap: 'portmap',
  qotd: 'QOTD',
  ws_discovery: 'WS-Discovery',
  coap: 'CoAP',
  ard: 'ARD',
  openvpn: 'OpenVPN',
};

const ATTACK_NAMES: Record<string, string> = {
  syn_flood: 'SYN flood',
  udp_flood: 'UDP flood',
  icmp_flood: 'ICMP flood',
  ip_fragmentation: 'IP fragmentation',
  tcp_flood: 'TCP flood',
  unknown: 'unknown attack',
};

export function attackTypeName(type: AttackType): string {
  const amplified = /^(.+)_amplification$/.exec(type);
  if (amplified) return `${AMPLIFICATION_NAMES[amplified[1]] ?? amplified[1]} amplification`;
  return ATTACK_NAMES[type] ?? type;
}

const PROTOCOL_NAMES: Record<string, string> = {
  tcp: 'TCP',
  tcp_syn: 'TCP SYN',
  udp: 'UDP',
  icmp: 'ICMP',
  fragments: 'fragments',
};

export function protocolName(cls: string): string {
  return PROTOCOL_NAMES[cls] ?? cls;
}

/** The order protocol classes are listed in; others follow alphabetically. */
export const PROTOCOL_ORDER = ['tcp', 'tcp_syn', 'udp', 'icmp', 'fragments'];

const UNITS: Record<string, string> = { pps: 'pps', mbps: 'Mbit/s', flows: 'flows/s' };

/** 'tcp_syn_pps' → { scope: 'TCP SYN', unit: 'pps' }; 'mbps' → { scope: 'total', unit: 'Mbit/s' }. */
export function thresholdMetricParts(metric: ThresholdMetric): { scope: string; unit: string } {
  const perProtocol = /^(.+)_(pps|mbps)$/.exec(metric);
  if (perProtocol) return { scope: protocolName(perProtocol[1]), unit: UNITS[perProtocol[2]] };
  return { scope: 'total', unit: UNITS[metric] ?? metric };
}

export function formatRate(value: number, unit: string): string {
  return unit === 'Mbit/s' ? value.toFixed(2) : String(Math.round(value));
}
