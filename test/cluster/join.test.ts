// A detector added to the group later is given partitions, and takes over the bans of their hosts
// from the detector that held them, which hands them over: each ban stays on exactly one
// detector, with its time, and no host is banned a second time.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadNative } from '../../ts/engine/native.js';
import { stream, synFlood, writeCapture } from '../daemon/floods.js';
import { readBans, Teardown, waitFor } from '../support/daemon.js';
import { KafkaBroker } from '../support/kafka.js';
import { AGGREGATES_TOPIC, feed, PARTITIONS_LOG, startMember, type Member } from './support.js';

const teardown = new Teardown();
const options = { thresholdPps: 2100, banSeconds: 120 };
/** One flooded host in each of the topic's two partitions. */
const FLOODED = [0, 1].map((partition) => {
  for (let n = 50; n < 100; n++) if (loadNative().aggregatesPartition(`198.51.100.${n}`, 2) === partition) return `198.51.100.${n}`;
  throw new Error(`no address of 198.51.100.50-99 in partition ${partition}`);
});
let dir: string;
let broker: KafkaBroker;
let first: Member;

const bansOn = (member: Member, ip: string) => readBans(member.stateDir).filter((ban) => ban.ip === ip);
const owned = (member: Member) => member.daemon.logged(PARTITIONS_LOG).at(-1)?.partitions as number[] | undefined;

describe('a detector added later', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'floodwatch-cluster-join-'));
    teardown.defer(() => rmSync(dir, { recursive: true, force: true }));
    broker = await KafkaBroker.start();
    teardown.defer(() => broker.stop());
    await broker.createTopic(AGGREGATES_TOPIC, 2);
    first = await startMember(dir, teardown, broker, 'detector-1', 'detector', options);
    await waitFor('detector-1 to own both partitions', () => owned(first)?.length === 2, 30_000);
    const sensor = await startMember(dir, teardown, broker, 'sensor-a', 'sensor', options);
    await feed(dir, teardown, sensor.port, writeCapture(join(dir, 'floods.pcap'), ...FLOODED.map((ip) => stream(3000, 5, synFlood(ip)))));
    await waitFor('both floods banned on detector-1', () => FLOODED.every((ip) => bansOn(first, ip).length === 1), 20_000);
  }, 90_000);

  afterAll(() => teardown.run(), 60_000);

  it('takes over the bans of the hosts of its partitions, without a second ban', async () => {
    const before = FLOODED.map((ip) => bansOn(first, ip)[0]);
    const second = await startMember(dir, teardown, broker, 'detector-2', 'detector', options);
    await waitFor('each detector to own one partition', () => owned(first)?.length === 1 && owned(second)?.length === 1, 30_000);
    const moved = FLOODED[owned(second)![0]!]!;
    const kept = FLOODED.find((ip) => ip !== moved)!;
    await waitFor(`the ban of ${moved} on detector-2`, () => bansOn(second, moved).length === 1, 10_000);
    expect(bansOn(second, moved)).toEqual([before[FLOODED.indexOf(moved)]]);
    // Both hand over on the same rebalance, each when the group tells it: within a heartbeat.
    // A daemon saves its bans before it logs the change: wait for the log line, then read both.
    const handedOver = () => first.daemon.logged('ban handed over to the floodwatch that owns the host now', { ip: moved });
    await waitFor(`detector-1 to hand ${moved} over`, () => handedOver().length > 0, 10_000);
    expect(handedOver()).toHaveLength(1);
    expect(bansOn(first, moved)).toEqual([]);
    expect(bansOn(first, kept)).toEqual([before[FLOODED.indexOf(kept)]]);
    expect(bansOn(second, kept)).toEqual([]);
    expect(second.daemon.logged('host banned')).toEqual([]);
  });
});
