// A ban and an unban made through the REST API of a detector that does not own the host reach the
// detector that owns it, which alone holds the ban and acts on it; the member asked answers once
// the bans topic has the change.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadNative } from '../../ts/engine/native.js';
import { readBans, Teardown, waitFor } from '../support/daemon.js';
import { KafkaBroker } from '../support/kafka.js';
import { AGGREGATES_TOPIC, PARTITIONS_LOG, startMember, type Member } from './support.js';

const teardown = new Teardown();
let broker: KafkaBroker;
let detectors: Member[] = [];

const owned = (member: Member) => member.daemon.logged(PARTITIONS_LOG).at(-1)?.partitions as number[] | undefined;
const bansOn = (member: Member, ip: string) => readBans(member.stateDir).filter((ban) => ban.ip === ip);
const names = ['detector-1', 'detector-2'];

describe('a manual ban through a detector that does not own the host', () => {
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'floodwatch-cluster-manual-'));
    teardown.defer(() => rmSync(dir, { recursive: true, force: true }));
    broker = await KafkaBroker.start();
    teardown.defer(() => broker.stop());
    await broker.createTopic(AGGREGATES_TOPIC, 2);
    const options = { thresholdPps: 2100, banSeconds: 120 };
    detectors = [];
    for (const name of names) detectors.push(await startMember(dir, teardown, broker, name, 'detector', options));
    await waitFor('each detector to own one partition', () => detectors.every((d) => owned(d)?.length === 1), 30_000);
  }, 90_000);

  afterAll(() => teardown.run(), 60_000);

  it('is held and acted on by the owner alone, and lifted there through the same member', async () => {
    const [asked, owner] = detectors as [Member, Member];
    const partition = owned(owner)![0]!;
    const ip = Array.from({ length: 50 }, (_, n) => `198.51.100.${n + 100}`).find((a) => loadNative().aggregatesPartition(a, 2) === partition)!;
    const api = await asked.daemon.apiUrl();

    const made = await fetch(`${api}/bans`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ip, comment: 'by hand' }),
    });
    expect(made.status).toBe(201);
    const ban = await made.json();
    // The answer comes once the bans topic has it.
    const inTopic = await broker.read('floodwatch-bans', (messages) => messages.some((m) => m.key?.toString() === ip));
    expect(JSON.parse(inTopic.find((m) => m.key?.toString() === ip)!.value!.toString()).ban).toMatchObject({ ip, expires_at: ban.expires_at, manual: true });
    // A daemon saves its bans before it logs the change: wait for the log line, then read both.
    const takenOver = () => owner.daemon.logged('ban taken over from another floodwatch', { ip, from: names[0] });
    await waitFor(`the owner to hold the ban of ${ip}`, () => takenOver().length > 0, 10_000);
    expect(takenOver()).toHaveLength(1);
    expect(bansOn(owner, ip)).toMatchObject([{ ip, expires_at: ban.expires_at, manual: true, comment: 'by hand' }]);
    expect(bansOn(asked, ip)).toEqual([]);
    expect(asked.daemon.logged('host banned', { ip })).toEqual([]);

    const lifted = await fetch(`${api}/bans/${ip}`, { method: 'DELETE' });
    expect(lifted.status).toBe(200);
    await waitFor(`the owner to lift the ban of ${ip}`, () => owner.daemon.logged('host unbanned', { ip }).length > 0, 10_000);
    expect(owner.daemon.logged('host unbanned', { ip })).toHaveLength(1);
    expect(bansOn(owner, ip)).toEqual([]);
    expect(asked.daemon.logged('host unbanned', { ip })).toEqual([]);
  });
});
