// Sensors and detectors started before Kafka is up wait for it, saying so, and work once it is:
// the flood fed to the sensor afterwards is banned on the detector, and the ban is in the bans topic.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stream, synFlood, writeCapture } from '../daemon/floods.js';
import { isBanned, Teardown, waitFor } from '../support/daemon.js';
import { KafkaBroker } from '../support/kafka.js';
import { AGGREGATES_TOPIC, feed, PARTITIONS_LOG, startMember, type Member } from './support.js';

const FLOODED = '198.51.100.60';
const teardown = new Teardown();
let broker: KafkaBroker;
let detector: Member;
let sensor: Member;

describe('members started before the brokers', () => {
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'floodwatch-cluster-late-'));
    teardown.defer(() => rmSync(dir, { recursive: true, force: true }));
    // A member that reaches the broker before createTopic below makes it create the topic with
    // its num.partitions (auto.create.topics.enable): two, as createTopic asks.
    broker = await KafkaBroker.prepare({ partitions: 2 });
    teardown.defer(() => broker.stop());
    const options = { thresholdPps: 2100, banSeconds: 60 };
    detector = await startMember(dir, teardown, broker, 'detector-1', 'detector', options);
    const sensorStarting = startMember(dir, teardown, broker, 'sensor-a', 'sensor', options);
    await waitFor('the detector to say it cannot reach the brokers', () => detector.daemon.logged(/cannot join the detectors/).length > 0, 20_000);
    await broker.start();
    await broker.createTopic(AGGREGATES_TOPIC, 2);
    sensor = await sensorStarting;
    await detector.daemon.waitForLog('the detector to own partitions', (l) => l.msg === PARTITIONS_LOG && (l.partitions as number[]).length === 2, 40_000);
    await feed(dir, teardown, sensor.port, writeCapture(join(dir, 'flood.pcap'), stream(3000, 5, synFlood(FLOODED))));
  }, 120_000);

  afterAll(() => teardown.run(), 60_000);

  it('bans the flood once the brokers are up, and writes the ban to the bans topic', async () => {
    await waitFor(`the ban of ${FLOODED} on the detector`, () => isBanned(detector.stateDir, FLOODED), 20_000);
    const messages = await broker.read('floodwatch-bans', (m) => m.some((message) => message.key?.toString() === FLOODED), 20_000);
    const entry = JSON.parse(messages.find((m) => m.key?.toString() === FLOODED)!.value!.toString()) as { ban: { ip: string }; by: string };
    expect(entry).toMatchObject({ ban: { ip: FLOODED }, by: 'detector-1' });
  });
});
