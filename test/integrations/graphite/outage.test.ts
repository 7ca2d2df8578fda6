// The Graphite push when carbon is away: down at start, killed and restarted mid-run. The push
// keeps the newest batches within its bound, counts what it drops, and reconnects by itself.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { graphite } from '../../../ts/integrations/graphite/index.js';
import { CarbonServer } from '../../support/carbon.js';
import { eventually } from '../../support/gobgpd.js';
import { depsFor, metric, sendKnownTraffic, type KnownTraffic } from '../influxdb/known-traffic.js';

let dir: string;
let carbon: CarbonServer;
let known: KnownTraffic;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'floodwatch-graphite-outage-'));
  [carbon, known] = await Promise.all([CarbonServer.prepare(), sendKnownTraffic(dir)]);
}, 90_000);

afterAll(async () => {
  known?.engine.stop();
  await carbon?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const PATH = 'outage.total.incoming.packets_total';
const pointsAfter = (after: number) => carbon.points(PATH).filter((p) => p.time * 1000 > after).length;

it('queues while carbon is down at start, drops the oldest past its bound (counted), and reconnects by itself, then again after a kill', async () => {
  const { deps, records } = depsFor(known.engine, known.config);
  const config = { ...graphite.defaults(), enabled: true, host: carbon.host, port: carbon.port, prefix: 'outage', queue_batches: 3, timeout_seconds: 1 };
  const integration = await graphite.create(config, deps);
  await integration.start?.();
  try {
    await eventually(
      'points dropped from the full queue',
      () => metric(integration, 'floodwatch_graphite_points_dropped_total', { reason: 'queue_full' }) > 0,
      20_000,
    );
    expect(metric(integration, 'floodwatch_graphite_connected')).toBe(0);
    expect(metric(integration, 'floodwatch_graphite_errors_total')).toBeGreaterThan(0);
    expect(metric(integration, 'floodwatch_graphite_queue_batches')).toBeLessThanOrEqual(3);
    expect(metric(integration, 'floodwatch_graphite_points_pushed_total')).toBe(0);
    expect(records.some((r) => r.level === 40 && /graphite: sending failed .*unreachable.*actions\.graphite\.host/.test(r.msg))).toBe(true);
    expect(known.engine.snapshot(0).table.hosts).toBeGreaterThan(0);

    await carbon.start();
    await eventually(
      'the queue delivered',
      () => metric(integration, 'floodwatch_graphite_points_pushed_total') > 0 && metric(integration, 'floodwatch_graphite_queue_batches') === 0,
      30_000,
    );
    expect(metric(integration, 'floodwatch_graphite_connected')).toBe(1);
    // The queued pushes arrive with their own times: several seconds of points at once.
    await eventually('the queued points stored', () => carbon.points(PATH).length >= 2, 15_000);

    await carbon.kill();
    await eventually('the lost connection noticed', () => metric(integration, 'floodwatch_graphite_connected') === 0, 20_000);
    await carbon.start();
    const restartedAt = Date.now();
    await eventually('points stored after the restart', () => pointsAfter(restartedAt) > 0, 30_000);
    expect(metric(integration, 'floodwatch_graphite_connected')).toBe(1);
  } finally {
    await integration.stop?.();
  }
}, 120_000);
