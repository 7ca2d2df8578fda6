// Two detectors share the hosts; the one that banned a flooded host is killed (kill -9) during
// the ban: the survivor is given its partitions and takes the ban over from the bans topic, with
// its time, without banning the host a second time; the ban's expiry goes on there.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stream, synFlood, writeCapture } from '../daemon/floods.js';
import { readBans, Teardown, waitFor } from '../support/daemon.js';
import { KafkaBroker } from '../support/kafka.js';
import { AGGREGATES_TOPIC, feed, PARTITIONS_LOG, startMember, type Member } from './support.js';

const FLOODED = '198.51.100.40';
const THRESHOLD_PPS = 2100;
const teardown = new Teardown();
let dir: string;
let detectors: Member[] = [];

const bansOf = (member: Member) => readBans(member.stateDir).filter((ban) => ban.ip === FLOODED);
const owned = (member: Member) => member.daemon.logged(PARTITIONS_LOG).at(-1)?.partitions as number[] | undefined;

describe('a detector killed during a ban', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'floodwatch-cluster-takeover-'));
    teardown.defer(() => rmSync(dir, { recursive: true, force: true }));
    const broker = await KafkaBroker.start();
    teardown.defer(() => broker.stop());
    await broker.createTopic(AGGREGATES_TOPIC, 2);
    const options = { thresholdPps: THRESHOLD_PPS, banSeconds: 25 };
    detectors = [
      await startMember(dir, teardown, broker, 'detector-1', 'detector', options),
      await startMember(dir, teardown, broker, 'detector-2', 'detector', options),
    ];
    await waitFor('each detector to own one partition', () => detectors.every((d) => owned(d)?.length === 1), 30_000);
    const sensor = await startMember(dir, teardown, broker, 'sensor-a', 'sensor', options);
    await feed(dir, teardown, sensor.port, writeCapture(join(dir, 'flood.pcap'), stream(3000, 6, synFlood(FLOODED))));
  }, 90_000);

  afterAll(() => teardown.run(), 60_000);

  it('keeps exactly one ban, taken over by the survivor, and lifts it when its time is up', async () => {
    const owner = await waitFor(`the ban of ${FLOODED}`, () => detectors.find((d) => bansOf(d).length > 0), 20_000);
    const survivor = detectors.find((d) => d !== owner)!;
    const [ban] = bansOf(owner);
    expect(bansOf(survivor)).toEqual([]);
    await owner.daemon.kill();

    await waitFor('the survivor to own both partitions', () => owned(survivor)?.length === 2, 30_000);
    await waitFor('the survivor to take the ban over', () => bansOf(survivor).length > 0, 10_000);
    expect(bansOf(survivor)).toEqual([ban]);
    expect(
      survivor.daemon.logged('ban taken over from another floodwatch', { ip: FLOODED, from: owner === detectors[0] ? 'detector-1' : 'detector-2' }),
    ).toHaveLength(1);
    // Taken over, not banned anew: one ban throughout.
    expect(survivor.daemon.logged('host banned', { ip: FLOODED })).toEqual([]);

    await waitFor('the ban to expire on the survivor', () => survivor.daemon.logged('host unbanned', { ip: FLOODED }).length > 0, 40_000);
    expect(bansOf(survivor)).toEqual([]);
  }, 90_000);
});
