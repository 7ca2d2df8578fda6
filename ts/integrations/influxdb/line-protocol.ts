// The push as InfluxDB line protocol, in FastNetMon's measurements and field names
// (total_traffic, networks_traffic, hosts_traffic and their _ipv6 twins) so that its Grafana
// dashboards keep working, plus hostgroups_traffic, attacks and floodwatch's own health.
import { isIPv6 } from 'node:net';
import type { DirectionCounters, HostCounters, ProtocolClass } from '../../engine/index.js';
import type { AttackPoint } from '../traffic-figures/attacks.js';
import type { GroupFigures } from '../traffic-figures/figures.js';
import type { PushContent } from '../traffic-figures/pusher.js';

/** FastNetMon's name for each protocol class in its field names. */
const PROTOCOL_FIELD: Record<ProtocolClass, string> = { tcp: 'tcp', tcp_syn: 'tcp_syn', udp: 'udp', icmp: 'icmp', fragments: 'fragmented' };
const PROTOCOLS = Object.keys(PROTOCOL_FIELD) as ProtocolClass[];

type Fields = Record<string, number | string>;

const escapeKey = (text: string) => text.replace(/[,= \\]/g, (c) => `\\${c}`);
const escapeString = (text: string) => `"${text.replace(/["\\]/g, (c) => `\\${c}`)}"`;

function fieldSet(fields: Fields): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(fields)) {
    if (typeof value === 'string') parts.push(`${escapeKey(key)}=${escapeString(value)}`);
    else if (Number.isFinite(value)) parts.push(`${escapeKey(key)}=${value}`);
  }
  return parts.join(',');
}

export function line(measurement: string, tags: Record<string, string>, fields: Fields, atMs: number): string {
  const tagSet = Object.entries(tags)
    .filter(([, value]) => value !== '')
    .map(([key, value]) => `,${escapeKey(key)}=${escapeKey(value)}`)
    .join('');
  return `${measurement.replace(/[, \\]/g, (c) => `\\${c}`)}${tagSet} ${fieldSet(fields)} ${atMs}`;
}

/** One direction's figures; `suffix` is FastNetMon's `_incoming`/`_outgoing` where the direction is not a tag. */
function directionFields(counters: DirectionCounters, suffix = ''): Fields {
  const fields: Fields = {
    [`packets${suffix}`]: counters.pps,
    [`bits${suffix}`]: counters.bps,
    [`flows${suffix}`]: counters.flows,
    [`packets_total${suffix}`]: counters.packets_total,
    [`bytes_total${suffix}`]: counters.bytes_total,
  };
  for (const protocol of PROTOCOLS) {
    const name = PROTOCOL_FIELD[protocol];
    fields[`${name}_packets${suffix}`] = counters.protocols[protocol].pps;
    fields[`${name}_bits${suffix}`] = counters.protocols[protocol].bps;
  }
  return fields;
}

const bothDirections = (figures: { incoming: DirectionCounters; outgoing: DirectionCounters }): Fields => ({
  ...directionFields(figures.incoming, '_incoming'),
  ...directionFields(figures.outgoing, '_outgoing'),
});

function groupLines(measurement: string, tag: string, groups: GroupFigures[], at: number): string[] {
  return groups.map((group) => line(measurement, { [tag]: group.name }, { hosts: group.hosts, ...bothDirections(group) }, at));
}

function attackLine(point: AttackPoint): string {
  const { attack } = point;
  return line(
    'attacks',
    { host: point.ip, direction: point.direction, hostgroup: point.hostgroup, event: point.kind, type: attack.type },
    {
      attack_id: attack.id,
      threshold: attack.threshold.metric,
      threshold_value: attack.threshold.value,
      observed: attack.threshold.observed,
      peak_packets: attack.peak.pps,
      peak_bits: attack.peak.mbps * 1e6,
      peak_flows: attack.peak.flows,
    },
    point.at,
  );
}

/** Every line of one push, and how many points they are. */
export function encodeLines(content: PushContent): string[] {
  const { at, figures, hosts, attacks } = content;
  const lines: string[] = [];
  if (figures) {
    for (const direction of ['incoming', 'outgoing', 'internal', 'other'] as const) {
      lines.push(line('total_traffic', { direction }, directionFields(figures.totals[direction]), at));
    }
    const [networks4, networks6] = partition(figures.networks, (group) => group.name.includes(':'));
    lines.push(...groupLines('networks_traffic', 'network', networks4, at), ...groupLines('networks_ipv6_traffic', 'network', networks6, at));
    lines.push(...groupLines('hostgroups_traffic', 'hostgroup', figures.hostgroups, at));
    const health = figures.health;
    lines.push(
      line(
        'floodwatch_engine',
        {},
        { hosts: health.hosts, evictions_idle: health.evictions_idle, evictions_full: health.evictions_full, kernel_drops: health.kernel_drops },
        at,
      ),
    );
    for (const source of health.sources)
      lines.push(line('floodwatch_source', { source: source.name, kind: source.kind }, { records: source.records, datagrams: source.datagrams }, at));
    for (const [reason, count] of Object.entries(health.drops)) lines.push(line('floodwatch_drops', { reason }, { count }, at));
  }
  for (const host of hosts) lines.push(hostLine(host, at));
  for (const point of attacks) lines.push(attackLine(point));
  return lines;
}

function hostLine(host: HostCounters, at: number): string {
  return line(isIPv6(host.ip) ? 'hosts_ipv6_traffic' : 'hosts_traffic', { host: host.ip }, bothDirections(host), at);
}

function partition<T>(items: T[], second: (item: T) => boolean): [T[], T[]] {
  const out: [T[], T[]] = [[], []];
  for (const item of items) out[second(item) ? 1 : 0].push(item);
  return out;
}
