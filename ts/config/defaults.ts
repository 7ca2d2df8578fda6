// The embedded default of DESIGN.md, value for value the one config/floodwatch.example.yaml shows:
// every flow port, every address monitored, FastNetMon's default thresholds (20000 pps and
// 1000 Mbit/s banning; its 3500 flows/s threshold is off there by default, so it is left out).
import { INTEGRATIONS } from '../integrations/registry.js';
import type { IntegrationDefinition } from '../integrations/types.js';
import type { ActionsConfig, FloodwatchConfig } from './schema.js';

export const EMBEDDED_DEFAULT_SOURCE = 'embedded default';

/** Every integration's section, switched off. */
function integrationDefaults(): ActionsConfig {
  return Object.fromEntries(
    (INTEGRATIONS as readonly IntegrationDefinition[]).map((integration) => [integration.name, integration.defaults()]),
  ) as ActionsConfig;
}

const DEFAULT_CONFIG: FloodwatchConfig = {
  state_dir: './floodwatch-state',
  log_level: 'info',
  sources: {
    flow: {
      listen: ['0.0.0.0:2055', '[::]:2055', '0.0.0.0:4739', '[::]:4739', '0.0.0.0:6343', '[::]:6343'],
      workers: 0,
      receive_buffer_bytes: 33554432,
      allowed_exporters: [],
      sampling_overrides: [],
      max_sampling_rate: 100000,
      max_exporters: 32768,
      template_memory_bytes: 67108864,
    },
    mirror: [],
  },
  networks: ['0.0.0.0/0', '::/0'],
  whitelist: [],
  counters: {
    tick_ms: 100,
    average_window_ms: 1000,
    idle_timeout_ms: 120000,
    max_hosts: 1000000,
    protect_fraction: 0.5,
    max_spread_seconds: 60,
    min_evidence_datagrams: 2,
  },
  fingerprint: { packets: 500, snap_len: 1518 },
  thresholds: {
    incoming: { pps: 20000, mbps: 1000 },
    outgoing: { pps: 20000, mbps: 1000 },
  },
  ban: {
    enabled: true,
    time_seconds: 1900,
    unban_only_if_attack_finished: true,
  },
  hostgroups: [],
  actions: integrationDefaults(),
  api: {
    enabled: true,
    listen: '127.0.0.1:7780',
    tokens: [],
    mutations_per_minute: 60,
    allowed_hosts: [],
    max_connections: 256,
    idle_timeout_seconds: 30,
  },
};

/** A fresh copy of the embedded default, free to modify. */
export function embeddedDefault(): FloodwatchConfig {
  return structuredClone(DEFAULT_CONFIG);
}
