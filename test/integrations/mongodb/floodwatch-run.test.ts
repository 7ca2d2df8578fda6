// The MongoDB integration through `floodwatch run`: SYN floods on a live NetFlow stream, one on a
// host that is banned, one on a host of a monitor-only hostgroup (ban: false), each recorded as
// one document in FerretDB, read back with the driver; then a flood while FerretDB is down,
// recorded once it is back.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient, type Document } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { daemonConfig, DaemonProcess, freeUdpPort, Teardown, writeConfig } from '../../support/daemon.js';
import { Ferretdb } from '../../support/ferretdb.js';
import { eventually } from '../../support/gobgpd.js';
import { stream, synFlood, writeCapture } from '../../daemon/floods.js';
import { startLiveNetFlow, type LiveNetFlow } from '../../daemon/live.js';

const BANNED = '198.51.100.10';
const MONITORED = '198.51.100.200';
const WHILE_DOWN = '198.51.100.20';
const DATABASE = 'floodwatch';
const teardown = new Teardown();
let daemon: DaemonProcess;
let reader: MongoClient;
let server: Ferretdb;
let live: LiveNetFlow;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'floodwatch-daemon-mongodb-'));
  teardown.defer(() => rmSync(dir, { recursive: true, force: true }));
  server = await Ferretdb.start({ dir });
  teardown.defer(() => server.stop());
  reader = new MongoClient(server.uri, { serverSelectionTimeoutMS: 5000 });
  teardown.defer(() => reader.close());

  const port = await freeUdpPort();
  const config = daemonConfig({ stateDir: join(dir, 'state'), port, banSeconds: 4 });
  (config.actions as Record<string, unknown>).mongodb = { enabled: true, uri: server.uri, database: DATABASE, timeout_ms: 2000 };
  config.hostgroups = [{ name: 'monitor-only', prefixes: ['198.51.100.128/25'], ban: false, actions: ['mongodb'] }];
  daemon = await DaemonProcess.start(writeConfig(join(dir, 'floodwatch.yaml'), config));
  teardown.defer(() => daemon.kill());

  live = await startLiveNetFlow(dir, port);
  teardown.defer(() => live.close());
  const floods = writeCapture(join(dir, 'syn-floods.pcap'), stream(3000, 3, synFlood(BANNED)), stream(3000, 3, synFlood(MONITORED)));
  live.replay(floods).catch(() => {});
}, 60_000);

afterAll(() => teardown.run());

async function metrics(): Promise<string> {
  return (await fetch(new URL('/metrics', await daemon.apiUrl()))).text();
}

async function attackOn(ip: string, ready: (document: Document) => boolean): Promise<Document> {
  const attacks = reader.db(DATABASE).collection('attacks');
  return eventually(`the attack document of ${ip}`, async () => (await attacks.find({ ip }).toArray()).find(ready), 45_000, 250);
}

describe('floodwatch run with the MongoDB integration', () => {
  it('records the SYN flood on a banned host as one document, its ban lifted once the flood is over', async () => {
    const document = await attackOn(BANNED, (d) => d.revision === 3 && d.ban?.unbanned_at instanceof Date);
    expect(document).toMatchObject({
      ip: BANNED,
      direction: 'incoming',
      type: 'syn_flood',
      threshold: { metric: 'tcp_syn_pps' },
      started_at: expect.any(Date),
      ended_at: expect.any(Date),
      ban: { banned_at: expect.any(Date), expires_at: expect.any(Date), manual: false, comment: null },
    });
    expect(document.protocols.tcp_syn.pps).toBeGreaterThan(1000);
    expect(document.top_destination_ports[0].key).toMatch(/443/);
    expect(await reader.db(DATABASE).collection('attacks').countDocuments({ ip: BANNED })).toBe(1);
  });

  it('records the attack on a host of a monitor-only hostgroup, without a ban', async () => {
    const document = await attackOn(MONITORED, (d) => d.revision >= 2);
    expect(document).toMatchObject({ ip: MONITORED, hostgroup: 'monitor-only', type: 'syn_flood', ban: null });
  });

  it('shows the connection and the writes in /metrics', async () => {
    const text = await metrics();
    expect(text).toMatch(/^floodwatch_mongodb_connected 1$/m);
    expect(text).toMatch(/^floodwatch_mongodb_writes_total\{collection="attacks"\} [1-9]\d*$/m);
    expect(text).toMatch(/^floodwatch_mongodb_write_errors_total 0$/m);
  });

  it('records a flood that came while the server was killed, however many tries it takes, once it is started again', async () => {
    await server.kill();
    const flood = live.replay(writeCapture(join(dir, 'syn-flood-while-down.pcap'), stream(3000, 3, synFlood(WHILE_DOWN))));
    flood.catch(() => {});
    // Five failed attempts: where the dispatcher's default policy would have given up.
    await daemon.waitForLog(
      'the fifth failed MongoDB write',
      (line) => line.action === 'mongodb' && line.msg === 'action failed; will retry' && line.ip === WHILE_DOWN && (line.attempt as number) >= 5,
      60_000,
    );
    expect(await metrics()).toMatch(/^floodwatch_mongodb_connected 0$/m);
    expect(daemon.logged(/: unreachable, writes are retried$/).length).toBeGreaterThan(0);

    await server.start();
    const document = await attackOn(WHILE_DOWN, (d) => d.revision === 3 && d.ban?.unbanned_at instanceof Date);
    expect(document).toMatchObject({ ip: WHILE_DOWN, type: 'syn_flood', ban: { manual: false } });
    expect(await metrics()).toMatch(/^floodwatch_mongodb_connected 1$/m);
    expect(daemon.logged('action failed; giving up', { action: 'mongodb' })).toEqual([]);
  }, 150_000);
});
