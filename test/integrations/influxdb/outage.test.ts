// The InfluxDB push when the server is away: down at start, killed and restarted mid-run. The
// push keeps the newest batches within its bound, counts what it drops, and resumes by itself.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { influxdb } from '../../../ts/integrations/influxdb/index.js';
import { eventually } from '../../support/gobgpd.js';
import { InfluxServer } from '../../support/influxdb.js';
import { depsFor, metric, sendKnownTraffic, type KnownTraffic } from './known-traffic.js';

let dir: string;
let server: InfluxServer;
let known: KnownTraffic;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'floodwatch-influxdb-outage-'));
  [server, known] = await Promise.all([InfluxServer.prepare(), sendKnownTraffic(dir)]);
}, 90_000);

afterAll(async () => {
  known?.engine.stop();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const totalPoints = async (after: number) =>
  (await server.rows(`SELECT packets_total FROM total_traffic WHERE direction = 'incoming' AND time > ${after}ms`, 'outage').catch(() => [])).length;

it('queues while the server is down at start, drops the oldest past its bound (counted), and resumes when it is back, then again after a kill', async () => {
  const { deps, records } = depsFor(known.engine, known.config);
  const config = { ...influxdb.defaults(), enabled: true, url: server.url, database: 'outage', queue_batches: 3, timeout_seconds: 1 };
  const integration = await influxdb.create(config, deps);
  await integration.start?.();
  try {
    // Down at start: nothing is sent, the queue fills to its bound and then drops.
    await eventually(
      'points dropped from the full queue',
      () => metric(integration, 'floodwatch_influxdb_points_dropped_total', { reason: 'queue_full' }) > 0,
      20_000,
    );
    expect(metric(integration, 'floodwatch_influxdb_connected')).toBe(0);
    expect(metric(integration, 'floodwatch_influxdb_errors_total')).toBeGreaterThan(0);
    expect(metric(integration, 'floodwatch_influxdb_queue_batches')).toBeLessThanOrEqual(3);
    expect(metric(integration, 'floodwatch_influxdb_points_pushed_total')).toBe(0);
    expect(records.some((r) => r.level === 40 && /influxdb: sending failed .*unreachable.*actions\.influxdb\.url/.test(r.msg))).toBe(true);
    // The engine goes on counting meanwhile.
    expect(known.engine.snapshot(0).table.hosts).toBeGreaterThan(0);

    await server.start();
    await server.createDatabase('outage');
    const backAt = Date.now();
    await eventually(
      'the queue delivered',
      () => metric(integration, 'floodwatch_influxdb_points_pushed_total') > 0 && metric(integration, 'floodwatch_influxdb_queue_batches') === 0,
      30_000,
    );
    expect(metric(integration, 'floodwatch_influxdb_connected')).toBe(1);
    // The queued pushes (made while it was down) arrive too, with their own times.
    const queued = await server.rows(`SELECT packets_total FROM total_traffic WHERE direction = 'incoming' AND time < ${backAt - 1000}ms`, 'outage');
    expect(queued.length).toBeGreaterThan(0);
    expect(queued.length).toBeLessThanOrEqual(3);
    expect(records.some((r) => /influxdb: sending again/.test(r.msg))).toBe(true);

    // Killed mid-run: sends fail and are counted; restarted: pushing resumes by itself.
    const errorsBefore = metric(integration, 'floodwatch_influxdb_errors_total');
    await server.kill();
    await eventually('a failed send after the kill', () => metric(integration, 'floodwatch_influxdb_errors_total') > errorsBefore, 20_000);
    expect(metric(integration, 'floodwatch_influxdb_connected')).toBe(0);
    await server.start();
    const restartedAt = Date.now();
    await eventually('points pushed after the restart', async () => (await totalPoints(restartedAt)) > 0, 30_000);
  } finally {
    await integration.stop?.();
  }
}, 120_000);
