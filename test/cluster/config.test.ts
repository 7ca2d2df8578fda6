// The cluster section and --role: what check-config says of it, what it refuses, and a --role
// without the section, refused before anything starts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { afterAll, describe, expect, it } from 'vitest';
import { ClusterSchema, clusterSettings } from '../../ts/cluster/config.js';
import { floodwatch } from '../support/cli.js';
import { daemonConfig, freeUdpPort, writeConfig } from '../support/daemon.js';

const dir = mkdtempSync(join(tmpdir(), 'floodwatch-cluster-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function configFile(name: string, cluster?: Record<string, unknown>): Promise<string> {
  const config = daemonConfig({ stateDir: join(dir, `${name}-state`), port: await freeUdpPort() });
  if (cluster) config.cluster = cluster;
  return writeConfig(join(dir, `${name}.yaml`), config);
}

describe('cluster', () => {
  it('fills in its defaults; refuses what Kafka could not take', () => {
    expect(clusterSettings({ brokers: ['k1:9092'] })).toMatchObject({
      aggregates_topic: 'floodwatch-aggregates',
      group: 'floodwatch-detectors',
      tick_wait_ms: 1000,
    });
    for (const bad of [
      { brokers: [] },
      { brokers: ['k1:9092'], aggregates_topic: 'a topic' },
      { brokers: ['k1:9092'], tick_wait_ms: -1 },
      { brokers: ['k1:9092'], extra: 1 },
    ]) {
      expect(Value.Check(ClusterSchema, bad), JSON.stringify(bad)).toBe(false);
    }
  });

  it('is described by check-config, and named when wrong', async () => {
    const ok = await floodwatch(['check-config', '--config', await configFile('ok', { brokers: ['127.0.0.1:9092'], group: 'detectors-eu' })]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(
      /cluster \(for --role sensor\|detector\): brokers 127\.0\.0\.1:9092; aggregates on floodwatch-aggregates; detectors' group detectors-eu/,
    );
    const bad = await floodwatch(['check-config', '--config', await configFile('bad', { brokers: [] })]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/cluster\.brokers/);
  });

  it('refuses --role without a cluster section, saying what to add', async () => {
    const file = await configFile('none');
    const result = await floodwatch(['run', '--config', file, '--role', 'detector']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${file}: cluster: floodwatch run --role detector needs this section, with cluster.brokers at least`);
    const unknown = await floodwatch(['run', '--config', file, '--role', 'router']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/sensor, detector/);
  });
});
