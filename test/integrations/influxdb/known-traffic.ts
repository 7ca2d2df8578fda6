// Known traffic through a real engine, for the InfluxDB and Graphite tests: softflowd exports a
// generated pcap as IPFIX to a FlowEngine; what each total, network, hostgroup and host must
// read is summed from the packets sent.
import { join } from 'node:path';
import { embeddedDefault } from '../../../ts/config/defaults.js';
import type { FloodwatchConfig } from '../../../ts/config/schema.js';
import type { FlowEngine } from '../../../ts/engine/index.js';
import type { Integration, IntegrationDeps } from '../../../ts/integrations/types.js';
import { settle, startEngine } from '../../support/engine.js';
import { softflowd } from '../../support/exporters.js';
import { writePcap } from '../../support/pcap.js';
import { mixedTraffic, MONITORED, type HostTotals, type Traffic } from '../../support/traffic.js';
import { memoryLogger, type LogRecord } from '../support.js';

/** A hostgroup holding two of the hosts (198.51.100.16/28: .20 and .30); the others are in global. */
export const WEB_HOSTGROUP = { name: 'web', prefixes: ['198.51.100.16/28'] };
const WEB_HOSTS = new Set(['198.51.100.20', '198.51.100.30']);

export interface Expected {
  totals: { incoming: HostTotals; outgoing: HostTotals };
  /** By network prefix as configured. */
  networks: Record<string, { incoming: HostTotals; outgoing: HostTotals }>;
  hostgroups: Record<string, { incoming: HostTotals; outgoing: HostTotals }>;
  hosts: Traffic['incoming'];
}

export interface KnownTraffic {
  engine: FlowEngine;
  config: FloodwatchConfig;
  expected: Expected;
  /** When the engine had counted everything, ms since the epoch. */
  settledAt: number;
}

const none = (): HostTotals => ({ packets: 0, bytes: 0 });
const plus = (into: HostTotals, add: HostTotals | undefined) => {
  into.packets += add?.packets ?? 0;
  into.bytes += add?.bytes ?? 0;
};

function expectedOf(traffic: Traffic): Expected {
  const group = () => ({ incoming: none(), outgoing: none() });
  const expected: Expected = {
    totals: group(),
    networks: Object.fromEntries(MONITORED.map((prefix) => [prefix, group()])),
    hostgroups: { global: group(), web: group() },
    hosts: traffic.incoming,
  };
  for (const direction of ['incoming', 'outgoing'] as const) {
    for (const [ip, totals] of traffic[direction]) {
      plus(expected.totals[direction], totals);
      plus(expected.networks[ip.includes(':') ? MONITORED[1] : MONITORED[0]][direction], totals);
      plus(expected.hostgroups[WEB_HOSTS.has(ip) ? 'web' : 'global'][direction], totals);
    }
  }
  return expected;
}

/** Exports the mixed traffic to a new engine and waits until it is all counted. */
export async function sendKnownTraffic(dir: string): Promise<KnownTraffic> {
  const traffic = mixedTraffic();
  const pcap = join(dir, 'known.pcap');
  writePcap(pcap, traffic.packets);
  const { engine, port } = startEngine({ networks: MONITORED });
  await softflowd(pcap, port, 10);
  await settle(engine);
  const config: FloodwatchConfig = { ...embeddedDefault(), networks: MONITORED, hostgroups: [WEB_HOSTGROUP] };
  return { engine, config, expected: expectedOf(traffic), settledAt: Date.now() };
}

/** What the daemon gives an integration, around a real engine (or none) and a logger that keeps its lines. */
export function depsFor(engine: FlowEngine | null, config: FloodwatchConfig = embeddedDefault()): { deps: IntegrationDeps; records: LogRecord[] } {
  const { logger, records } = memoryLogger();
  return {
    deps: { log: logger, config, engine, activeBans: () => [], attackOf: () => null, flowspecFor: () => false, stateDir: '/nonexistent' },
    records,
  };
}

/** A metric's value for the given labels (none: the first sample). */
export function metric(integration: Integration, name: string, labels: Record<string, string> = {}): number {
  const samples = integration.metricValues?.()[name] ?? [];
  return samples.find(([l]) => Object.entries(labels).every(([k, v]) => l[k] === v))?.[1] ?? Number.NaN;
}
