// floodwatch run --role sensor / --role detector on a real Kafka broker: two sensors each see half
// of a SYN flood's flows (softflowd on a veth of its own feeding each), neither half over the
// threshold; the detector, fed the aggregates of both, bans the host; the sensors ban nothing,
// the detector's /metrics names both sensors, a ban made through a sensor's API reaches the
// detector, and a sensor that stops is reported.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stream, synFlood, writeCapture } from '../daemon/floods.js';
import { attacksOn, DaemonProcess, isBanned, readBans, Teardown, waitFor } from '../support/daemon.js';
import { KafkaBroker } from '../support/kafka.js';
import { AGGREGATES_TOPIC, feed, metrics, PARTITIONS_LOG, startMember } from './support.js';

const FLOODED = '198.51.100.30';
/** Each half is sent at 1400 pps, the whole at 2800: the threshold lies between. */
const HALF_PPS = 1400;
const THRESHOLD_PPS = 2100;

const teardown = new Teardown();
let broker: KafkaBroker;
let dir: string;
const sensors: DaemonProcess[] = [];
let detector: DaemonProcess;
/** The highest incoming pps of the flooded host each sensor showed while the flood ran. */
const sensorPeaks = [0, 0];

let detectorState: string;
const sensorStates: string[] = [];

describe('two sensors and a detector over Kafka', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'floodwatch-cluster-'));
    teardown.defer(() => rmSync(dir, { recursive: true, force: true }));
    broker = await KafkaBroker.start();
    teardown.defer(() => broker.stop());
    await broker.createTopic(AGGREGATES_TOPIC, 2);

    const options = { thresholdPps: THRESHOLD_PPS, banSeconds: 60 };
    const d = await startMember(dir, teardown, broker, 'detector-1', 'detector', options);
    detector = d.daemon;
    detectorState = d.stateDir;
    await detector.waitForLog('the detector to own partitions', (l) => l.msg === PARTITIONS_LOG && (l.partitions as number[]).length === 2, 30_000);
    const ports: number[] = [];
    for (const name of ['sensor-a', 'sensor-b']) {
      const s = await startMember(dir, teardown, broker, name, 'sensor', options);
      sensors.push(s.daemon);
      sensorStates.push(s.stateDir);
      ports.push(s.port);
    }

    // Every other flow of one flood to each sensor: half its sources' ports each.
    const flood = synFlood(FLOODED);
    const halves = [0, 1].map((half) =>
      writeCapture(
        join(dir, `half-${half}.pcap`),
        stream(HALF_PPS, 10, (i) => flood(2 * i + half)),
      ),
    );
    const replays = ports.map((port, n) => feed(dir, teardown, port, halves[n]!));
    const watching = (async () => {
      let done = false;
      void Promise.all(replays).finally(() => (done = true));
      while (!done) {
        for (const [n, sensor] of sensors.entries()) sensorPeaks[n] = Math.max(sensorPeaks[n]!, (await sensor.host(FLOODED))?.incoming.pps ?? 0);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();
    await Promise.all([...replays, watching]);
  }, 90_000);

  afterAll(() => teardown.run(), 60_000);

  it('bans the host on the detector though neither sensor saw it over the threshold', async () => {
    await waitFor(`the ban of ${FLOODED} on the detector`, () => isBanned(detectorState, FLOODED), 20_000);
    expect(sensorPeaks[0]).toBeGreaterThan(HALF_PPS / 2);
    expect(sensorPeaks[1]).toBeGreaterThan(HALF_PPS / 2);
    expect(Math.max(...sensorPeaks)).toBeLessThan(THRESHOLD_PPS);
    expect(readBans(detectorState).filter((ban) => ban.ip === FLOODED)).toHaveLength(1);
    // Who attacked and how, from the sensors' samples of records.
    const [attack] = await waitFor('the attack record with its top sources', () => {
      const attacks = attacksOn(detectorState, FLOODED);
      return attacks[0]?.top_sources.length ? attacks : null;
    });
    expect(attack).toMatchObject({ direction: 'incoming', type: 'syn_flood', top_estimated: true });
    expect(attack!.top_sources[0]!.key).toMatch(/^203\.0\.113\.\d+$/);
    expect(attack!.top_destination_ports[0]!.key).toBe('tcp/443');
  });

  it('bans nothing on the sensors', () => {
    for (const state of sensorStates) expect(readBans(state)).toEqual([]);
  });

  it("names both sensors in the detector's /metrics, with how late they are", async () => {
    const text = await metrics(detector);
    for (const sensor of ['sensor-a', 'sensor-b']) {
      expect(text).toMatch(new RegExp(`^floodwatch_cluster_sensor_messages_total\\{sensor="${sensor}",outcome="merged"\\} [1-9]`, 'm'));
      expect(text).toMatch(new RegExp(`^floodwatch_cluster_sensor_lateness_seconds\\{sensor="${sensor}"\\} \\d`, 'm'));
    }
    expect(text).toMatch(/^floodwatch_cluster_partitions 2$/m);
    expect(text).toMatch(/^floodwatch_cluster_totals_messages_total\{outcome="merged"\} [1-9]/m);
    const sensorText = await metrics(sensors[0]!);
    expect(sensorText).toMatch(/^floodwatch_cluster_aggregates_published_total [1-9]/m);
    expect(sensorText).toMatch(/^floodwatch_cluster_connected\{role="sensor"\} 1$/m);
  });

  it("carries a ban and an unban made through a sensor's API to the detector that owns the host", async () => {
    const manual = '198.51.100.77';
    const api = await sensors[0]!.apiUrl();
    const banned = await fetch(`${api}/bans`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ip: manual, ttl_seconds: 600, comment: 'by hand' }),
    });
    expect(banned.status).toBe(201);
    await waitFor(`the ban of ${manual} on the detector`, () => isBanned(detectorState, manual), 15_000);
    expect(readBans(detectorState).find((ban) => ban.ip === manual)).toMatchObject({ manual: true, comment: 'by hand' });
    expect((await fetch(`${api}/bans/${manual}`, { method: 'DELETE' })).status).toBe(200);
    await waitFor(`the unban of ${manual} on the detector`, () => !isBanned(detectorState, manual), 15_000);
    // The state file is written before the log line: wait for the line rather than expect it there already.
    await waitFor(`the detector's log of the unban`, () => detector.logged('host unbanned', { ip: manual }).length > 0, 5_000);
    expect(detector.logged('host unbanned', { ip: manual, reason: 'unbanned on sensor-a' })).toHaveLength(1);
  });

  it('reports a sensor that stops as silent', async () => {
    await sensors[1]!.kill();
    await waitFor(
      'sensor-b reported silent',
      () => detector.logged('a sensor has gone silent: the hosts it sees are detected on the other sensors alone', { sensor: 'sensor-b' }).length > 0,
      15_000,
    );
    expect(await metrics(detector)).toMatch(/^floodwatch_cluster_sensor_silent\{sensor="sensor-b"\} 1$/m);
    expect(await metrics(detector)).toMatch(/^floodwatch_cluster_sensor_silent\{sensor="sensor-a"\} 0$/m);
  });
});
