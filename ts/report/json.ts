// The attack report as JSON: the AttackRecord itself, its keys always in the same order, so that
// scripts (and diffs) see the same shape whatever path the record took (engine, state file, API).
import type { AttackRecord, ProtocolBreakdown, TopEntry } from '../attacks/types.js';
import type { BanEvent } from '../integrations/types.js';
import { PROTOCOL_ORDER } from './labels.js';

/** One line of JSON and a newline; `null` for a manual ban, which has no attack record. */
export function renderJsonReport(event: BanEvent): string {
  return JSON.stringify(event.attack ? canonicalAttack(event.attack) : null) + '\n';
}

export function canonicalAttack(a: AttackRecord): AttackRecord {
  return {
    id: a.id,
    ip: a.ip,
    direction: a.direction,
    hostgroup: a.hostgroup,
    threshold: { metric: a.threshold.metric, value: a.threshold.value, observed: a.threshold.observed },
    type: a.type,
    started_at: a.started_at,
    ended_at: a.ended_at,
    peak: { pps: a.peak.pps, mbps: a.peak.mbps, flows: a.peak.flows },
    protocols: canonicalProtocols(a.protocols),
    top_sources: a.top_sources.map(canonicalTop),
    top_source_ports: a.top_source_ports.map(canonicalTop),
    top_destination_ports: a.top_destination_ports.map(canonicalTop),
    ...(a.top_estimated && { top_estimated: true }),
    pcap: a.pcap,
  };
}

function canonicalProtocols(protocols: ProtocolBreakdown): ProtocolBreakdown {
  const known = PROTOCOL_ORDER.filter((cls) => cls in protocols);
  const others = Object.keys(protocols)
    .filter((cls) => !PROTOCOL_ORDER.includes(cls))
    .sort();
  const out: ProtocolBreakdown = {};
  for (const cls of [...known, ...others]) out[cls] = { pps: protocols[cls].pps, mbps: protocols[cls].mbps };
  return out;
}

function canonicalTop(e: TopEntry): TopEntry {
  return { key: e.key, packets: e.packets, bytes: e.bytes };
}
