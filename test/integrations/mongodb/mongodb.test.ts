// The MongoDB integration against a real MongoDB wire-protocol server (FerretDB with SQLite),
// driven event by event through create() and run() as the dispatcher drives it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttackRecord, Ban } from '../../../ts/attacks/types.js';
import { embeddedDefault } from '../../../ts/config/defaults.js';
import { mongodb } from '../../../ts/integrations/mongodb/index.js';
import { mongodbDefaults, type MongodbConfig } from '../../../ts/integrations/mongodb/config.js';
import type { EventKind, Integration, IntegrationDeps, IntegrationEvent } from '../../../ts/integrations/types.js';
import { Ferretdb } from '../../support/ferretdb.js';
import { eventually } from '../../support/gobgpd.js';
import { writeSelfSignedCertificate } from '../../support/smtp.js';
import { memoryLogger, sampleAttack, sampleBan, type LogRecord } from '../support.js';

let dir: string;
let server: Ferretdb;
let reader: MongoClient;
let databases = 0;
const opened: Integration[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'floodwatch-mongodb-'));
  server = await Ferretdb.start({ dir: join(dir, 'main') });
  reader = new MongoClient(server.uri, { serverSelectionTimeoutMS: 5000 });
});

afterAll(async () => {
  for (const integration of opened) await integration.stop?.();
  await reader?.close();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A fresh database for each test, so that no test sees another's documents. */
function freshDatabase(): string {
  return `floodwatch_test_${process.pid}_${++databases}`;
}

async function open(config: Partial<MongodbConfig>): Promise<{ integration: Integration; records: LogRecord[] }> {
  const { logger, records } = memoryLogger();
  const deps: IntegrationDeps = {
    log: logger,
    config: embeddedDefault(),
    engine: null,
    activeBans: () => [],
    attackOf: () => null,
    flowspecFor: () => false,
    stateDir: dir,
  };
  const integration = await mongodb.create({ ...mongodbDefaults(), enabled: true, uri: server.uri, timeout_ms: 1000, ...config }, deps);
  opened.push(integration);
  return { integration, records };
}

function event(kind: EventKind, attack: AttackRecord | null, ban: Ban | null): IntegrationEvent {
  const host = ban ?? attack!;
  return { kind, ip: host.ip, direction: host.direction, hostgroup: host.hostgroup, attack, ban, at: new Date().toISOString() };
}

// One attack as it evolves: detected, banned, classified, unbanned, ended.
const started = sampleAttack({ type: 'unknown', top_sources: [], top_source_ports: [], top_destination_ports: [], pcap: null });
const detailed = sampleAttack();
const ended = sampleAttack({ ended_at: '2024-05-01T12:09:30.000Z', peak: { pps: 52000, mbps: 30.1, flows: 1500 } });
const ban = sampleBan();
const lifecycle: IntegrationEvent[] = [
  event('attack_started', started, null),
  event('ban', started, ban),
  event('attack_details', detailed, ban),
  event('unban', detailed, ban),
  event('attack_ended', ended, null),
];

function metric(integration: Integration, name: string, labels: Record<string, string> = {}): number | undefined {
  const samples = integration.metricValues?.()[name] ?? [];
  return samples.find(([sampleLabels]) => JSON.stringify(sampleLabels) === JSON.stringify(labels))?.[1];
}

async function attackDocuments(database: string) {
  return reader.db(database).collection('attacks').find({}).toArray();
}

describe('MongoDB integration', () => {
  it('accepts every event kind, monitor-only attacks included, and retries them until the server is back', async () => {
    const { integration } = await open({ database: freshDatabase() });
    expect(integration.retry).toEqual({ attempts: Infinity, maxDelayMs: 10_000 });
    for (const kind of ['attack_started', 'attack_details', 'attack_ended', 'ban', 'unban'] as const) {
      expect(integration.accepts(event(kind, detailed, null))).toBe(true);
    }
  });

  it('keeps one document per attack, in a stable shape, through its whole life', async () => {
    const database = freshDatabase();
    const { integration } = await open({ database });
    await integration.start?.();

    await integration.run(lifecycle[0]);
    const afterStart = await reader
      .db(database)
      .collection('attacks')
      .findOne({ _id: started.id as never });
    expect(afterStart).toMatchObject({ type: 'unknown', ended_at: null, ban: null, revision: 1 });

    const before = Date.now();
    for (const next of lifecycle.slice(1)) await integration.run(next);
    const documents = await attackDocuments(database);
    expect(documents).toHaveLength(1);
    const document = documents[0];
    const unbannedAt = document.ban.unbanned_at as Date;
    expect(unbannedAt).toBeInstanceOf(Date);
    expect(unbannedAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(document).toEqual({
      _id: ended.id,
      ip: '203.0.113.10',
      direction: 'incoming',
      hostgroup: 'customers-web',
      type: 'syn_flood',
      threshold: { metric: 'tcp_syn_pps', value: 10000, observed: 38211.6 },
      started_at: new Date('2024-05-01T12:00:00.000Z'),
      ended_at: new Date('2024-05-01T12:09:30.000Z'),
      peak: { pps: 52000, mbps: 30.1, flows: 1500 },
      protocols: { tcp: { pps: 41200, mbps: 23.5 }, tcp_syn: { pps: 41100, mbps: 23.4 }, udp: { pps: 12, mbps: 0.01 } },
      top_sources: [
        { key: '198.51.100.7', packets: 1200, bytes: 72000 },
        { key: '2001:db8::1', packets: 800, bytes: 48000 },
      ],
      top_source_ports: [{ key: '44321', packets: 30, bytes: 1800 }],
      top_destination_ports: [{ key: '443', packets: 1990, bytes: 119400 }],
      top_estimated: false,
      pcap: 'attacks/20240501T120000Z-0001.pcap',
      ban: {
        banned_at: new Date('2024-05-01T12:00:01.000Z'),
        expires_at: new Date('2024-05-01T12:31:41.000Z'),
        unbanned_at: unbannedAt,
        manual: false,
        comment: null,
      },
      revision: 3,
      updated_at: expect.any(Date),
    });
    // Two writes an event, the attack's fields and its ban, less those a later state made moot: the
    // attack's fields of the ban and the unban, already recorded by attack_started and attack_details.
    expect(metric(integration, 'floodwatch_mongodb_writes_total', { collection: 'attacks' })).toBe(2 * lifecycle.length - 2);
    expect(metric(integration, 'floodwatch_mongodb_connected')).toBe(1);
  });

  it('creates its indexes at start: ip and started_at on attacks, ip and banned_at on bans', async () => {
    const database = freshDatabase();
    const { integration } = await open({ database });
    await integration.start?.();
    const keys = async (collection: string) =>
      (await reader.db(database).collection(collection).listIndexes().toArray()).map((index) => JSON.stringify(index.key)).sort();
    expect(await keys('attacks')).toEqual(['{"_id":1}', '{"ip":1}', '{"started_at":-1}']);
    expect(await keys('bans')).toEqual(['{"_id":1}', '{"banned_at":-1}', '{"ip":1}']);
  });

  it('records the attack of a monitor-only hostgroup with ban: null', async () => {
    const database = freshDatabase();
    const { integration } = await open({ database });
    const monitored = sampleAttack({ id: 'monitor-only-1', hostgroup: 'monitor-only' });
    await integration.run(event('attack_started', monitored, null));
    await integration.run(event('attack_details', monitored, null));
    await integration.run(event('attack_ended', { ...monitored, ended_at: '2024-05-01T12:05:00.000Z' }, null));
    const documents = await attackDocuments(database);
    expect(documents).toHaveLength(1);
    expect(documents[0]).toMatchObject({ _id: 'monitor-only-1', hostgroup: 'monitor-only', ban: null, revision: 3 });
    expect(documents[0].ended_at).toEqual(new Date('2024-05-01T12:05:00.000Z'));
  });

  it('records a manual ban and its unban in collection bans, one document per ban', async () => {
    const database = freshDatabase();
    const { integration } = await open({ database });
    const manual = sampleBan({ ip: '2001:db8::55', attack_id: null, manual: true, comment: 'abuse ticket 4711' });
    await integration.run(event('ban', null, manual));
    const bans = reader.db(database).collection('bans');
    expect(await bans.findOne({})).toMatchObject({ _id: '2001:db8::55@2024-05-01T12:00:01.000Z', unbanned_at: null });

    await integration.run(event('unban', null, manual));
    const again = sampleBan({ ...manual, banned_at: '2024-05-02T08:00:00.000Z', expires_at: '2024-05-02T09:00:00.000Z' });
    await integration.run(event('ban', null, again));
    const documents = await bans.find({}).sort({ banned_at: 1 }).toArray();
    expect(documents).toEqual([
      {
        _id: '2001:db8::55@2024-05-01T12:00:01.000Z',
        ip: '2001:db8::55',
        direction: 'incoming',
        hostgroup: 'customers-web',
        attack_id: null,
        banned_at: new Date('2024-05-01T12:00:01.000Z'),
        expires_at: new Date('2024-05-01T12:31:41.000Z'),
        unbanned_at: expect.any(Date),
        manual: true,
        comment: 'abuse ticket 4711',
        updated_at: expect.any(Date),
      },
      expect.objectContaining({ _id: '2001:db8::55@2024-05-02T08:00:00.000Z', unbanned_at: null }),
    ]);
    expect(await attackDocuments(database)).toEqual([]);
  });

  it('neither duplicates nor takes back a document when events are retried or land late', async () => {
    const inOrder = freshDatabase();
    const reference = (await open({ database: inOrder })).integration;
    for (const next of lifecycle) await reference.run(next);

    const database = freshDatabase();
    const { integration } = await open({ database });
    // Every event twice (a retry after a lost reply), then the earlier ones again, late (an
    // attempt abandoned by the dispatcher that reached the server after all).
    for (const next of lifecycle) {
      await integration.run(next);
      await integration.run(next);
    }
    for (const late of lifecycle.slice(0, 4)) await integration.run(late);

    const documents = await attackDocuments(database);
    expect(documents).toHaveLength(1);
    const expected = (await attackDocuments(inOrder))[0];
    const comparable = ({ updated_at: _updated, ban, ...rest }: Record<string, any>) => ({ ...rest, ban: { ...ban, unbanned_at: null } });
    expect(comparable(documents[0])).toEqual(comparable(expected));
    expect(documents[0].ended_at).toEqual(new Date(ended.ended_at!));
    expect(documents[0].ban.unbanned_at).toBeInstanceOf(Date);
  });

  it('keeps the time of the unban when it is retried or delivered again', async () => {
    const database = freshDatabase();
    const { integration } = await open({ database });
    const unban = event('unban', detailed, ban);
    await integration.run(event('attack_started', detailed, ban));
    await integration.run(unban);
    const first = (await attackDocuments(database))[0].ban.unbanned_at as Date;
    await new Promise((resolve) => setTimeout(resolve, 20));
    await integration.run(unban);
    await integration.run(event('unban', detailed, ban));
    expect((await attackDocuments(database))[0].ban.unbanned_at).toEqual(first);
  });

  it('rejects while the server is down at start, then records every event once it is up', async () => {
    const late = await Ferretdb.start({ dir: join(dir, 'late') });
    await late.stop();
    const database = freshDatabase();
    const { integration, records } = await open({ uri: late.uri, database });
    await expect(integration.start!()).rejects.toThrow(
      new RegExp(
        `mongodb at 127\\.0\\.0\\.1:${late.port}, database ${database}: connecting and creating the indexes failed: .*no server answered within 1000 ms`,
      ),
    );
    await expect(integration.run(lifecycle[0])).rejects.toThrow(/no server answered within 1000 ms; check that it runs/);
    expect(metric(integration, 'floodwatch_mongodb_connected')).toBe(0);
    expect(metric(integration, 'floodwatch_mongodb_write_errors_total')).toBe(0);

    await late.start();
    try {
      for (const next of lifecycle) await integration.run(next);
      const documents = await new MongoClient(late.uri).db(database).collection('attacks').find({}).toArray();
      expect(documents).toHaveLength(1);
      expect(documents[0]).toMatchObject({ _id: started.id, revision: 3, type: 'syn_flood', ban: { manual: false } });
      expect(metric(integration, 'floodwatch_mongodb_connected')).toBe(1);
      expect(records.some((record) => /reachable$/.test(record.msg))).toBe(true);
    } finally {
      await integration.stop?.();
      await late.stop();
    }
  });

  it('recovers by itself when the server is killed and started again mid-run', async () => {
    const flaky = await Ferretdb.start({ dir: join(dir, 'flaky') });
    const database = freshDatabase();
    const { integration, records } = await open({ uri: flaky.uri, database });
    try {
      await integration.start?.();
      await integration.run(lifecycle[0]);
      await integration.run(lifecycle[1]);

      await flaky.kill();
      await expect(integration.run(lifecycle[2])).rejects.toThrow(
        /recording attack_details of 203\.0\.113\.10 in attacks failed: .*(check that the server runs|no server answered)/,
      );
      expect(metric(integration, 'floodwatch_mongodb_connected')).toBe(0);
      expect(records.some((record) => /unreachable, writes are retried$/.test(record.msg))).toBe(true);

      await flaky.start();
      // As the dispatcher does: the same event again until it is delivered.
      await eventually('attack_details to be delivered after the restart', () =>
        integration.run(lifecycle[2]).then(
          () => true,
          () => false,
        ),
      );
      for (const next of lifecycle.slice(3)) await integration.run(next);
      const client = new MongoClient(flaky.uri);
      try {
        const documents = await client.db(database).collection('attacks').find({}).toArray();
        expect(documents).toHaveLength(1);
        expect(documents[0]).toMatchObject({ revision: 3, type: 'syn_flood', ban: { unbanned_at: expect.any(Date) } });
      } finally {
        await client.close();
      }
      expect(metric(integration, 'floodwatch_mongodb_connected')).toBe(1);
      expect(metric(integration, 'floodwatch_mongodb_write_errors_total')).toBeGreaterThan(0);
    } finally {
      await integration.stop?.();
      await flaky.stop();
    }
  });

  it('connects with TLS, verifying the server against tls_ca_file', async () => {
    const certificate = writeSelfSignedCertificate(dir);
    const secure = await Ferretdb.start({ dir: join(dir, 'tls'), tls: certificate });
    const database = freshDatabase();
    try {
      const { integration } = await open({ uri: `mongodb://127.0.0.1:${secure.tlsPort}`, database, tls: true, tls_ca_file: certificate.certPath });
      await integration.run(lifecycle[0]);
      const client = new MongoClient(secure.uri);
      try {
        expect(await client.db(database).collection('attacks').countDocuments()).toBe(1);
      } finally {
        await client.close();
      }

      const unverified = (await open({ uri: `mongodb://127.0.0.1:${secure.tlsPort}`, database, tls: true })).integration;
      await expect(unverified.run(lifecycle[0])).rejects.toThrow(/self[- ]signed certificate/);
    } finally {
      await secure.stop();
    }
  });

  it('refuses to start on a CA file it cannot read, naming the key and the path', async () => {
    const missing = join(dir, 'no-such-ca.pem');
    await expect(open({ database: freshDatabase(), tls: true, tls_ca_file: missing })).rejects.toThrow(
      `actions.mongodb.tls_ca_file: ${missing}: no such file (check the path)`,
    );
  });
});
