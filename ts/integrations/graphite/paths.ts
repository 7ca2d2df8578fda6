// The push as Graphite plaintext lines ("path value timestamp"). FastNetMon's paths are kept as
// they are, so that its dashboards keep working:
//   PREFIX.total.DIRECTION.{pps,bps,flows}            (incoming, outgoing, internal, other)
//   PREFIX.networks.NETWORK.DIRECTION.{pps,bps}       (NETWORK: 198_51_100_0_24)
//   PREFIX.hosts.IP.DIRECTION.average.{pps,bps,flows} (IP: 198_51_100_10)
// and floodwatch adds beside them: per protocol .PROTOCOL.{pps,bps} and the cumulative
// .packets_total, .bytes_total on each of those, .flows and .hosts on networks,
// PREFIX.hostgroups.NAME.DIRECTION..., PREFIX.attacks.IP.DIRECTION... and PREFIX.engine....
import type { DirectionCounters, HostCounters, ProtocolClass } from '../../engine/index.js';
import type { AttackPoint } from '../traffic-figures/attacks.js';
import type { GroupFigures } from '../traffic-figures/figures.js';
import type { PushContent } from '../traffic-figures/pusher.js';

/** FastNetMon's protocol names. */
const PROTOCOL_NAME: Record<ProtocolClass, string> = { tcp: 'tcp', tcp_syn: 'tcp_syn', udp: 'udp', icmp: 'icmp', fragments: 'fragmented' };
const PROTOCOLS = Object.keys(PROTOCOL_NAME) as ProtocolClass[];

/** One path component: dots, slashes, colons and anything else Graphite would split or refuse become _. */
export const component = (text: string) => text.replace(/[^A-Za-z0-9_-]/g, '_');

class Lines {
  readonly lines: string[] = [];
  constructor(private readonly seconds: number) {}

  add(path: string, value: number, seconds = this.seconds): void {
    if (Number.isFinite(value)) this.lines.push(`${path} ${value} ${seconds}`);
  }

  direction(path: string, counters: DirectionCounters, rates = ''): void {
    this.add(`${path}${rates}.pps`, counters.pps);
    this.add(`${path}${rates}.bps`, counters.bps);
    this.add(`${path}${rates}.flows`, counters.flows);
    for (const protocol of PROTOCOLS) {
      this.add(`${path}${rates}.${PROTOCOL_NAME[protocol]}.pps`, counters.protocols[protocol].pps);
      this.add(`${path}${rates}.${PROTOCOL_NAME[protocol]}.bps`, counters.protocols[protocol].bps);
    }
    this.add(`${path}.packets_total`, counters.packets_total);
    this.add(`${path}.bytes_total`, counters.bytes_total);
  }

  group(path: string, group: GroupFigures): void {
    this.add(`${path}.hosts`, group.hosts);
    this.direction(`${path}.incoming`, group.incoming);
    this.direction(`${path}.outgoing`, group.outgoing);
  }

  host(prefix: string, host: HostCounters): void {
    const path = `${prefix}.hosts.${component(host.ip)}`;
    this.direction(`${path}.incoming`, host.incoming, '.average');
    this.direction(`${path}.outgoing`, host.outgoing, '.average');
  }

  attack(prefix: string, point: AttackPoint): void {
    const path = `${prefix}.attacks.${component(point.ip)}.${point.direction}`;
    const seconds = Math.floor(point.at / 1000);
    this.add(`${path}.${point.kind}`, 1, seconds);
    this.add(`${path}.type.${component(point.attack.type)}`, 1, seconds);
    this.add(`${path}.peak.pps`, point.attack.peak.pps, seconds);
    this.add(`${path}.peak.bps`, point.attack.peak.mbps * 1e6, seconds);
    this.add(`${path}.peak.flows`, point.attack.peak.flows, seconds);
  }
}

export function encodeLines(prefix: string, content: PushContent): string[] {
  const { figures } = content;
  const out = new Lines(Math.floor(content.at / 1000));
  if (figures) {
    for (const direction of ['incoming', 'outgoing', 'internal', 'other'] as const) out.direction(`${prefix}.total.${direction}`, figures.totals[direction]);
    for (const network of figures.networks) out.group(`${prefix}.networks.${component(network.name)}`, network);
    for (const hostgroup of figures.hostgroups) out.group(`${prefix}.hostgroups.${component(hostgroup.name)}`, hostgroup);
    const health = figures.health;
    out.add(`${prefix}.engine.hosts`, health.hosts);
    out.add(`${prefix}.engine.evictions.idle`, health.evictions_idle);
    out.add(`${prefix}.engine.evictions.full`, health.evictions_full);
    out.add(`${prefix}.engine.kernel_drops`, health.kernel_drops);
    for (const source of health.sources) {
      out.add(`${prefix}.engine.sources.${component(source.name)}.records`, source.records);
      out.add(`${prefix}.engine.sources.${component(source.name)}.datagrams`, source.datagrams);
    }
    for (const [reason, count] of Object.entries(health.drops)) out.add(`${prefix}.engine.drops.${component(reason)}`, count);
  }
  for (const host of content.hosts) out.host(prefix, host);
  for (const point of content.attacks) out.attack(prefix, point);
  return out.lines;
}
