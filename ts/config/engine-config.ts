// The engine's part of the configuration: the sources, networks and counters, keys unchanged.
import type { EngineConfig } from '../engine/index.js';
import { INTEGRATIONS } from '../integrations/registry.js';
import type { IntegrationDefinition } from '../integrations/types.js';
import type { FloodwatchConfig } from './schema.js';

export function engineConfig(config: FloodwatchConfig): EngineConfig {
  const { flow } = config.sources;
  const { counters } = config;
  return {
    listen: [...flow.listen],
    workers: flow.workers,
    receive_buffer_bytes: flow.receive_buffer_bytes,
    allowed_exporters: [...flow.allowed_exporters],
    sampling_overrides: flow.sampling_overrides.map(({ exporter, rate }) => ({ exporter, rate })),
    max_sampling_rate: flow.max_sampling_rate,
    max_exporters: flow.max_exporters,
    template_memory_bytes: flow.template_memory_bytes,
    networks: [...config.networks],
    tick_ms: counters.tick_ms,
    average_window_ms: counters.average_window_ms,
    idle_timeout_ms: counters.idle_timeout_ms,
    max_hosts: counters.max_hosts,
    protect_fraction: counters.protect_fraction,
    max_spread_seconds: counters.max_spread_seconds,
    min_evidence_datagrams: counters.min_evidence_datagrams,
    mirror: config.sources.mirror.map((m) => ({ ...m })),
    fingerprint_packets: config.fingerprint.packets,
    fingerprint_snap_len: config.fingerprint.snap_len,
    ...integrationEngineSettings(config),
  };
}

/** What the integrations set in the engine's configuration (the Kafka export). */
export function integrationEngineSettings(config: FloodwatchConfig, only?: string): Partial<EngineConfig> {
  const settings: Partial<EngineConfig> = {};
  for (const integration of INTEGRATIONS as readonly IntegrationDefinition[]) {
    if (only !== undefined && integration.name !== only) continue;
    Object.assign(settings, integration.engine?.((config.actions as Record<string, unknown>)[integration.name] as never));
  }
  return settings;
}
