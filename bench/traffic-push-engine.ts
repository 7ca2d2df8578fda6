// The floodwatch side of the traffic-push scenario, as its own process so that its CPU time is
// its own: a FlowEngine, and the InfluxDB and Graphite pushes when their configs are given.
// Started with the JSON `{ engine, config, influxdb, graphite }` as argument; answers one JSON
// line per command on standard input ("stats", "read", "stop").
import { createInterface } from 'node:readline';
import pino from 'pino';
import { FlowEngine, type EngineConfig } from '../ts/engine/index.js';
import { graphite } from '../ts/integrations/graphite/index.js';
import { influxdb } from '../ts/integrations/influxdb/index.js';
import { TrafficFiguresSource } from '../ts/integrations/traffic-figures/figures.js';
import type { GroupedConfig } from '../ts/integrations/traffic-figures/groupings.js';
import type { Integration, IntegrationDeps } from '../ts/integrations/types.js';

interface Setup {
  engine: EngineConfig;
  config: GroupedConfig & Record<string, unknown>;
  influxdb: Parameters<typeof influxdb.create>[0] | null;
  graphite: Parameters<typeof graphite.create>[0] | null;
}

const setup = JSON.parse(process.argv[2] ?? '{}') as Setup;
const engine = new FlowEngine(setup.engine);
const listening = engine.start();
const deps = {
  log: pino({ level: 'warn' }, process.stderr),
  config: setup.config,
  engine,
  activeBans: () => [],
  attackOf: () => null,
  flowspecFor: () => false,
  stateDir: '/nonexistent',
} as unknown as IntegrationDeps;
const integrations: Integration[] = [];
if (setup.influxdb) integrations.push(await influxdb.create(setup.influxdb, deps));
if (setup.graphite) integrations.push(await graphite.create(setup.graphite, deps));
for (const integration of integrations) await integration.start?.();
process.stdout.write(JSON.stringify({ listening }) + '\n');

function stats() {
  const metrics = Object.assign({}, ...integrations.map((i) => i.metricValues?.() ?? {})) as Record<string, [Record<string, string>, number][]>;
  const value = (name: string) => (metrics[name] ?? []).reduce((n, [, v]) => n + v, 0);
  return {
    hosts: engine.snapshot(0).table.hosts,
    influxdb_points: value('floodwatch_influxdb_points_pushed_total'),
    influxdb_dropped: value('floodwatch_influxdb_points_dropped_total'),
    graphite_points: value('floodwatch_graphite_points_pushed_total'),
    graphite_dropped: value('floodwatch_graphite_points_dropped_total'),
  };
}

/** How long one reading of the figures takes (one table pass, totals, health), in ms of wall time. */
async function read(): Promise<{ mean_ms: number; max_ms: number }> {
  const source = new TrafficFiguresSource(engine, setup.config);
  const times: number[] = [];
  for (let i = 0; i < 10; i++) {
    const started = performance.now();
    await source.read(20, Date.now() + i * 1000);
    times.push(performance.now() - started);
  }
  return { mean_ms: times.reduce((a, b) => a + b, 0) / times.length, max_ms: Math.max(...times) };
}

for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'stats') {
    process.stdout.write(JSON.stringify(stats()) + '\n');
  } else if (line === 'read') {
    process.stdout.write(JSON.stringify(await read()) + '\n');
  } else if (line === 'stop') {
    for (const integration of integrations) await integration.stop?.();
    engine.stop();
    process.stdout.write(JSON.stringify({ stopped: true }) + '\n');
    break;
  }
}
process.exit(0);
