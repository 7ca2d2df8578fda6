// The floodwatch side of the dashboard-stream scenario, as its own process so that its CPU time
// is its own: a FlowEngine and the REST API with the dashboard, listening on a free port.
// Prints { listening, api } once ready; answers one JSON line per command on standard input
// ("stats", "frame", "stop").
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import pino from 'pino';
import type { ApiContext } from '../ts/api/context.js';
import { buildFrame } from '../ts/api/dashboard/live-frame.js';
import { HealthCheck } from '../ts/api/health.js';
import { startApi } from '../ts/api/server.js';
import { BanManager } from '../ts/bans/manager.js';
import { embeddedDefault } from '../ts/config/defaults.js';
import { FlowEngine, type EngineConfig } from '../ts/engine/index.js';
import { StateStore } from '../ts/state/store.js';

const setup = JSON.parse(process.argv[2] ?? '{}') as { engine: EngineConfig };
const log = pino({ level: 'warn' }, process.stderr);
const dir = mkdtempSync(join(tmpdir(), 'floodwatch-bench-dashboard-'));
const engine = new FlowEngine(setup.engine);
const listening = engine.start();
const store = new StateStore(join(dir, 'state'));
const bans = new BanManager(store, { dispatch: () => {} }, log);
const context: ApiContext = {
  engine,
  bans,
  store,
  groupOf: (ip) => engine.detection.groupOf(ip),
  isMonitored: () => true,
  isWhitelisted: () => false,
  banTimeSeconds: () => 3600,
  activeAttacks: () => [],
  actionCounters: () => ({}),
  log,
};
const { server, address } = await startApi({ ...embeddedDefault().api, listen: '127.0.0.1:0' }, context, log);
process.stdout.write(JSON.stringify({ listening, api: `http://${address}` }) + '\n');

/** How long building one frame takes (the snapshot, the health checks, the JSON), in ms. */
function timeFrames(): { mean_ms: number; max_ms: number; snapshot_ms: number } {
  const health = new HealthCheck(context);
  const times: number[] = [];
  const snapshots: number[] = [];
  for (let i = 0; i < 20; i++) {
    let started = performance.now();
    JSON.stringify(buildFrame(context, health));
    times.push(performance.now() - started);
    started = performance.now();
    engine.snapshot(20);
    snapshots.push(performance.now() - started);
  }
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  return { mean_ms: mean(times), max_ms: Math.max(...times), snapshot_ms: mean(snapshots) };
}

for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'stats') {
    process.stdout.write(JSON.stringify({ hosts: engine.snapshot(0).table.hosts }) + '\n');
  } else if (line === 'frame') {
    process.stdout.write(JSON.stringify(timeFrames()) + '\n');
  } else if (line === 'stop') {
    await server.close();
    engine.stop();
    rmSync(dir, { recursive: true, force: true });
    process.stdout.write(JSON.stringify({ stopped: true }) + '\n');
    break;
  }
}
process.exit(0);
