// The attack report in FastNetMon's JSON layout (its Redis `<ip>_information` value, its MongoDB
// document and its notify callbacks), so that dashboards and scripts written for FastNetMon read
// floodwatch's attacks unchanged:
//   { alert_scope: "host", ip, action, attack_details: { attack_uuid, host_group, protocol_version,
//     total_incoming_traffic, ..., outgoing_icmp_pps }, packet_dump_detailed: [] }
// Rates are per second: *_traffic in bytes, *_traffic_bits in bits, *_pps in packets, *_flows in
// flows, whole numbers as FastNetMon writes them. floodwatch records one direction per attack,
// at its peak: the other direction's figures are 0, as are the dropped ones (floodwatch does not
// see drops). attack_uuid is floodwatch's attack id; attack_direction and attack_type are
// floodwatch's too (FastNetMon Advanced has keys of those names). packet_dump_detailed is empty:
// the packets of an attack are in its pcap, not in the record.
import type { AttackRecord } from '../attacks/types.js';
import type { Direction } from '../engine/index.js';

export type FastnetmonAction = 'ban' | 'unban' | 'attack_details';

export interface FastnetmonAttackJson {
  alert_scope: 'host';
  ip: string;
  action: FastnetmonAction;
  attack_details: Record<string, string | number>;
  packet_dump_detailed: never[];
}

export interface FastnetmonAttackInput {
  ip: string;
  hostgroup: string;
  action: FastnetmonAction;
  /** Null for a manual ban: every figure is 0 then, and attack_uuid empty. */
  attack: AttackRecord | null;
}

/** FastNetMon's protocol names in its keys, for floodwatch's protocol classes, in its order. */
const PROTOCOLS: [fastnetmon: string, floodwatch: string | null][] = [
  ['dropped', null],
  ['ip_fragmented', 'fragments'],
  ['tcp', 'tcp'],
  ['syn_tcp', 'tcp_syn'],
  ['udp', 'udp'],
  ['icmp', 'icmp'],
];

export function fastnetmonAttackJson(input: FastnetmonAttackInput): FastnetmonAttackJson {
  const { attack } = input;
  const details: Record<string, string | number> = {
    attack_uuid: attack?.id ?? '',
    host_group: input.hostgroup,
    protocol_version: input.ip.includes(':') ? 'IPv6' : 'IPv4',
  };
  if (attack) {
    details.attack_direction = attack.direction;
    details.attack_type = attack.type;
  }
  const rates = (direction: Direction, cls: string | null): { mbps: number; pps: number } =>
    (attack?.direction === direction && cls !== null && attack.protocols[cls]) || { mbps: 0, pps: 0 };
  for (const direction of ['incoming', 'outgoing'] as const) {
    const peak = attack?.direction === direction ? attack.peak : { pps: 0, mbps: 0, flows: 0 };
    Object.assign(details, traffic(`total_${direction}`, peak.mbps), {
      [`total_${direction}_pps`]: Math.round(peak.pps),
      [`total_${direction}_flows`]: Math.round(peak.flows),
    });
  }
  for (const [name, cls] of PROTOCOLS) {
    for (const direction of ['incoming', 'outgoing'] as const) {
      const { mbps, pps } = rates(direction, cls);
      Object.assign(details, traffic(`${direction}_${name}`, mbps), { [`${direction}_${name}_pps`]: Math.round(pps) });
    }
  }
  return { alert_scope: 'host', ip: input.ip, action: input.action, attack_details: details, packet_dump_detailed: [] };
}

/** `<name>_traffic` in bytes per second and `<name>_traffic_bits` in bits per second, from Mbit/s. */
function traffic(name: string, mbps: number): Record<string, number> {
  const bits = Math.round(mbps * 1e6);
  return { [`${name}_traffic`]: Math.round(bits / 8), [`${name}_traffic_bits`]: bits };
}
