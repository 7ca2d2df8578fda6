// Turns the configuration's thresholds and hostgroups into what the engine checks per tick.
import type { DirectionThresholds, FloodwatchConfig, Thresholds } from '../config/schema.js';
import type { CompiledThresholds, DirectionLimits } from '../engine/index.js';

const CLASSES = ['tcp', 'tcp_syn', 'udp', 'icmp', 'fragments'] as const;

function directionLimits(t: DirectionThresholds | null | undefined): DirectionLimits {
  const out: DirectionLimits = {};
  if (!t) return out;
  if (t.pps != null) out.pps = t.pps;
  if (t.mbps != null) out.mbps = t.mbps;
  if (t.flows != null) out.flows = t.flows;
  for (const cls of CLASSES) {
    const rate = t[cls];
    if (!rate) continue;
    const limits: { pps?: number; mbps?: number } = {};
    if (rate.pps != null) limits.pps = rate.pps;
    if (rate.mbps != null) limits.mbps = rate.mbps;
    if (limits.pps !== undefined || limits.mbps !== undefined) out[cls] = limits;
  }
  return out;
}

function group(name: string, t: Thresholds) {
  return { name, incoming: directionLimits(t.incoming), outgoing: directionLimits(t.outgoing) };
}

export function compileThresholds(config: FloodwatchConfig): CompiledThresholds {
  const compiled: CompiledThresholds = { groups: [group('global', config.thresholds)], hostgroups: [] };
  for (const hostgroup of config.hostgroups) {
    const index = compiled.groups.length;
    compiled.groups.push(group(hostgroup.name, hostgroup.thresholds ?? config.thresholds));
    for (const prefix of hostgroup.prefixes) compiled.hostgroups.push({ prefix, group: index });
  }
  return compiled;
}
