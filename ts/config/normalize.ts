// The last step of loading: one spelling for each thing, so that the code using the configuration
// need not care how the operator wrote it. Off thresholds are absent (never null), both
// directions of a thresholds block are present, prefixes and addresses are canonical.
import { formatAddress, parseIpAddress, canonicalPrefix } from './prefix.js';
import { DIRECTIONS, PROTOCOL_CLASSES, type DirectionThresholds, type FloodwatchConfig, type RateThresholds, type Thresholds } from './schema.js';

export function normalizeConfig(config: FloodwatchConfig): FloodwatchConfig {
  const flow = config.sources.flow;
  return {
    ...config,
    sources: {
      ...config.sources,
      flow: {
        ...flow,
        allowed_exporters: flow.allowed_exporters.map(canonicalPrefix),
        sampling_overrides: flow.sampling_overrides.map((o) => ({ ...o, exporter: canonicalAddress(o.exporter) })),
      },
    },
    networks: config.networks.map(canonicalPrefix),
    whitelist: config.whitelist.map(canonicalPrefix),
    thresholds: normalizeThresholds(config.thresholds),
    hostgroups: config.hostgroups.map((group) => ({
      ...group,
      prefixes: group.prefixes.map(canonicalPrefix),
      ...(group.thresholds ? { thresholds: normalizeThresholds(group.thresholds) } : {}),
    })),
  };
}

export function normalizeThresholds(thresholds: Thresholds): Thresholds {
  const result: Thresholds = {};
  for (const direction of DIRECTIONS) {
    result[direction] = normalizeDirection(thresholds[direction] ?? {});
  }
  return result;
}

function normalizeDirection(thresholds: DirectionThresholds): DirectionThresholds {
  const result: DirectionThresholds = normalizeRates(thresholds);
  if (thresholds.flows != null) result.flows = thresholds.flows;
  for (const protocol of PROTOCOL_CLASSES) {
    const rates = normalizeRates(thresholds[protocol] ?? {});
    if (Object.keys(rates).length > 0) result[protocol] = rates;
  }
  return result;
}

function normalizeRates(thresholds: RateThresholds): RateThresholds {
  const result: RateThresholds = {};
  if (thresholds.pps != null) result.pps = thresholds.pps;
  if (thresholds.mbps != null) result.mbps = thresholds.mbps;
  return result;
}

function canonicalAddress(text: string): string {
  const parsed = parseIpAddress(text);
  return parsed.ok ? formatAddress(parsed.value) : text;
}
