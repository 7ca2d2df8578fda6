// Builds and updates attack records from what the engine reports.
import type { AttackRecord, AttackType, ProtocolBreakdown, TopEntry } from '../attacks/types.js';
import { figure } from '../attacks/figure.js';
import type { AttackSamples, Direction, DirectionCounters, HostCounters, Violation } from '../engine/index.js';

const TOP = 10;

const mbps = (bps: number | bigint) => figure(bps) / 1e6;

function protocols(d: DirectionCounters): ProtocolBreakdown {
  const out: ProtocolBreakdown = {};
  for (const [name, rate] of Object.entries(d.protocols)) out[name] = { pps: figure(rate.pps), mbps: mbps(rate.bps) };
  return out;
}

export function newAttackRecord(id: string, v: Violation, type: AttackType, now: number): AttackRecord {
  const d = v.host[v.direction];
  return {
    id,
    ip: v.ip,
    direction: v.direction,
    hostgroup: v.group_name,
    threshold: { metric: v.metric as AttackRecord['threshold']['metric'], value: figure(v.threshold), observed: figure(v.observed) },
    type,
    started_at: new Date(now).toISOString(),
    ended_at: null,
    peak: { pps: figure(d.pps), mbps: mbps(d.bps), flows: figure(d.flows) },
    protocols: protocols(d),
    top_sources: [],
    top_source_ports: [],
    top_destination_ports: [],
    pcap: null,
    series: [{ at: now, pps: figure(d.pps), mbps: mbps(d.bps) }],
  };
}

/** Points an attack's series keeps at most; past it, every other one goes (the series keeps its span). */
export const SERIES_MAX_POINTS = 600;

/** Adds the host's current rate to the record's series, at most one point a second. */
export function recordRate(record: AttackRecord, host: HostCounters, now: number): void {
  const series = (record.series ??= []);
  const last = series[series.length - 1];
  if (last && now - last.at < 1000) return;
  const d = host[record.direction];
  series.push({ at: now, pps: figure(d.pps), mbps: mbps(d.bps) });
  if (series.length > SERIES_MAX_POINTS) record.series = series.filter((_, i) => i % 2 === 0 || i === series.length - 1);
}

/** Raises the record's peak figures (and the breakdown taken at the peak) from the host's current view. */
export function updatePeak(record: AttackRecord, host: HostCounters): boolean {
  const d = host[record.direction];
  let changed = false;
  if (figure(d.pps) > record.peak.pps) {
    record.peak.pps = figure(d.pps);
    record.protocols = protocols(d);
    changed = true;
  }
  if (mbps(d.bps) > record.peak.mbps) {
    record.peak.mbps = mbps(d.bps);
    changed = true;
  }
  if (figure(d.flows) > record.peak.flows) {
    record.peak.flows = figure(d.flows);
    changed = true;
  }
  return changed;
}

const PROTOCOL_NAMES: Record<number, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 58: 'icmpv6' };

/** Fills the top talkers and ports from the samples kept while the host was watched. */
export function applySamples(record: AttackRecord, samples: AttackSamples, direction: Direction, type: AttackType): void {
  const s = samples[direction];
  const port = (p: { protocol: number; port: number; packets: number; bytes: number }): TopEntry => ({
    key: `${PROTOCOL_NAMES[p.protocol] ?? p.protocol}/${p.port}`,
    packets: figure(p.packets),
    bytes: figure(p.bytes),
  });
  record.top_sources = s.remote_addresses.slice(0, TOP).map((a) => ({ key: a.address, packets: figure(a.packets), bytes: figure(a.bytes) }));
  record.top_source_ports = s.source_ports.slice(0, TOP).map(port);
  record.top_destination_ports = s.destination_ports.slice(0, TOP).map(port);
  if (samples.estimated) record.top_estimated = true;
  else delete record.top_estimated;
  record.type = type;
}
