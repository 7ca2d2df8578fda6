// floodwatch run --role sensor / --role detector on a real Kafka broker: two sensors each see half
// of a SYN flood's flows (softflowd on a veth of its own feeding each), neither half over the
// threshold; the detector, fed the aggregates of both, bans the host; the sensors ban nothing,
// and the detector's /metrics names both sensors.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stream, synFlood, writeCapture } from '../daemon/floods.js';
import { startLiveNetFlow } from '../daemon/live.js';
import { attacksOn, daemonConfig, DaemonProcess, freeUdpPort, isBanned, readBans, Teardown, waitFor, writeConfig } from '../support/daemon.js';
import { KafkaBroker } from '../support/kafka.js';

const FLOODED = '198.51.100.30';
/** Each half is sent at 1400 pps, the whole at 2800: the threshold lies between. */
const HALF_PPS = 1400;
const THRESHOLD_PPS = 2100;
const TOPIC = 'aggregates';

const teardown = new Teardown();
let broker: KafkaBroker;
let dir: string;
const sensors: DaemonProcess[] = [];
let detector: DaemonProcess;
/** The highest incoming pps of the flooded host each sensor showed while the flood ran. */
const sensorPeaks = [0, 0];

async function member(name: string, role: 'sensor' | 'detector'): Promise<{ daemon: DaemonProcess; port: number; stateDir: string }> {
  const port = await freeUdpPort();
  const stateDir = join(dir, `${name}-state`);
  const config = daemonConfig({ stateDir, port, banSeconds: 60, thresholds: { incoming: { pps: THRESHOLD_PPS } } });
  // Smoothed over 3 s, a flow export once a second reads as the steady rate it carries.
  config.counters = { average_window_ms: 3000 };
  config.cluster = { brokers: [broker.address], aggregates_topic: TOPIC, group: 'detectors', name, tick_wait_ms: 3000, silent_after_seconds: 3 };
  const daemon = await DaemonProcess.start(writeConfig(join(dir, `${name}.yaml`), config), {}, ['--role', role]);
  teardown.defer(() => daemon.kill());
  return { daemon, port, stateDir };
}

let detectorState: string;
let sensorStates: string[] = [];

async function metrics(daemon: DaemonProcess): Promise<string> {
  const base = (await daemon.apiUrl()).replace(/\/api\/v1$/, '');
  return (await fetch(`${base}/metrics`)).text();
}

describe('two sensors and a detector over Kafka', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'floodwatch-cluster-'));
    teardown.defer(() => rmSync(dir, { recursive: true, force: true }));
    broker = await KafkaBroker.start();
    teardown.defer(() => broker.stop());
    await broker.createTopic(TOPIC, 2);

    const d = await member('detector-1', 'detector');
    detector = d.daemon;
    detectorState = d.stateDir;
    await detector.waitForLog('the detector to own partitions', (l) => l.msg === 'detecting for the hosts of these partitions of the aggregates topic' && (l.partitions as number[]).length === 2, 30_000);
    const ports: number[] = [];
    for (const name of ['sensor-a', 'sensor-b']) {
      const s = await member(name, 'sensor');
      await s.daemon.waitForLog('the sensor to publish', (l) => l.msg === 'publishing per-host aggregates every tick', 30_000);
      sensors.push(s.daemon);
      sensorStates.push(s.stateDir);
      ports.push(s.port);
    }

    // Every other flow of one flood to each sensor: half its sources' ports each.
    const flood = synFlood(FLOODED);
    const halves = [0, 1].map((half) => writeCapture(join(dir, `half-${half}.pcap`), stream(HALF_PPS, 10, (i) => flood(2 * i + half))));
    const replays: Promise<unknown>[] = [];
    for (const [n, port] of ports.entries()) {
      const liveDir = join(dir, `live-${n}`);
      mkdirSync(liveDir);
      const live = await startLiveNetFlow(liveDir, port);
      teardown.defer(() => live.close());
      replays.push(live.replay(halves[n]!));
    }
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
    expect(attacksOn(detectorState, FLOODED)[0]?.direction).toBe('incoming');
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
    const sensorText = await metrics(sensors[0]!);
    expect(sensorText).toMatch(/^floodwatch_cluster_aggregates_published_total [1-9]/m);
    expect(sensorText).toMatch(/^floodwatch_cluster_connected\{role="sensor"\} 1$/m);
  });

  it('reports a sensor that stops as silent', async () => {
    await sensors[1]!.kill();
    await waitFor('sensor-b reported silent', () => detector.logged('a sensor has gone silent: the hosts it sees are detected on the other sensors alone', { sensor: 'sensor-b' }).length > 0, 15_000);
    expect(await metrics(detector)).toMatch(/^floodwatch_cluster_sensor_silent\{sensor="sensor-b"\} 1$/m);
    expect(await metrics(detector)).toMatch(/^floodwatch_cluster_sensor_silent\{sensor="sensor-a"\} 0$/m);
  });
});
