// A ban extended because the attack goes on (ban.unban_only_if_attack_finished) is written to the
// bans topic with its new time: a detector taking the host over later sees when it really ends.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ban } from '../../ts/attacks/types.js';
import { stream, synFlood, writeCapture } from '../daemon/floods.js';
import { Teardown } from '../support/daemon.js';
import { KafkaBroker, type TopicMessage } from '../support/kafka.js';
import { AGGREGATES_TOPIC, feed, PARTITIONS_LOG, startMember, type Member } from './support.js';

const FLOODED = '198.51.100.44';
const BANS_TOPIC = 'floodwatch-bans';
const teardown = new Teardown();
let broker: KafkaBroker;
let detector: Member;
let first: Ban;

const EXTENDED_LOG = 'ban time is up but the attack goes on: ban extended';
/** The bans of the flooded host written to the topic, oldest first (its unban, a tombstone, aside). */
const bansInTopic = (messages: TopicMessage[]): Ban[] =>
  messages.filter((m) => m.key?.toString() === FLOODED && m.value?.length).map((m) => (JSON.parse(m.value!.toString()) as { ban: Ban }).ban);
const lastInTopic = (messages: TopicMessage[]) => bansInTopic(messages).at(-1);

describe('a ban extended while the attack goes on', () => {
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'floodwatch-cluster-extension-'));
    teardown.defer(() => rmSync(dir, { recursive: true, force: true }));
    broker = await KafkaBroker.start();
    teardown.defer(() => broker.stop());
    await broker.createTopic(AGGREGATES_TOPIC, 1);
    const options = { thresholdPps: 2100, banSeconds: 3 };
    detector = await startMember(dir, teardown, broker, 'detector-1', 'detector', options);
    await detector.daemon.waitForLog('the detector to own the partition', (l) => l.msg === PARTITIONS_LOG && (l.partitions as number[]).length === 1, 30_000);
    const sensor = await startMember(dir, teardown, broker, 'sensor-a', 'sensor', options);
    // Long enough that the ban's time is up while the flood still goes on, however late a busy
    // machine bans; the teardown stops the replay.
    void feed(dir, teardown, sensor.port, writeCapture(join(dir, 'flood.pcap'), stream(3000, 40, synFlood(FLOODED)))).catch(() => undefined);
    first = (await broker.read(BANS_TOPIC, (messages) => lastInTopic(messages) !== undefined, 30_000).then(lastInTopic))!;
  }, 90_000);

  afterAll(() => teardown.run(), 60_000);

  it('writes the new expiry to the bans topic', async () => {
    const extension = await detector.daemon.waitForLog('the ban extended', (l) => l.msg === EXTENDED_LOG && l.ip === FLOODED, 40_000);
    const extended = extension.expires_at as string;
    expect(Date.parse(extended)).toBeGreaterThan(Date.parse(first.expires_at));
    const written = bansInTopic(await broker.read(BANS_TOPIC, (messages) => bansInTopic(messages).some((ban) => ban.expires_at === extended), 20_000));
    // The first ban of the same attack: a busy machine may have lifted `first` and banned anew.
    const extendedBan = written.find((ban) => ban.expires_at === extended)!;
    const original = written.find((ban) => ban.attack_id === extendedBan.attack_id);
    expect(extendedBan).toEqual({ ...original, expires_at: extended });
  }, 90_000);
});
