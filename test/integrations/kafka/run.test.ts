// floodwatch run with the Kafka integration, on a real broker: a live NetFlow stream with two SYN
// floods (one on a monitor-only hostgroup) comes out on the traffic topic as TrafficData records,
// read back with protobufjs against the shipped .proto, and the attacks' events on the events
// topic as JSON, the monitor-only one without a ban; /metrics counts what was exported.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stream, synFlood, writeCapture } from '../../daemon/floods.js';
import { startLiveNetFlow } from '../../daemon/live.js';
import { daemonConfig, DaemonProcess, freeUdpPort, Teardown, writeConfig } from '../../support/daemon.js';
import { eventually } from '../../support/gobgpd.js';
import { KafkaBroker } from '../../support/kafka.js';
import { decodeTrafficData } from './support.js';

const BANNED = '198.51.100.10';
const MONITORED = '198.51.100.200';
const teardown = new Teardown();
let broker: KafkaBroker;
let daemon: DaemonProcess;

async function metrics(): Promise<string> {
  const base = (await daemon.apiUrl()).replace(/\/api\/v1$/, '');
  return (await fetch(`${base}/metrics`)).text();
}

describe('floodwatch run with the Kafka integration', () => {
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'floodwatch-daemon-kafka-'));
    teardown.defer(() => rmSync(dir, { recursive: true, force: true }));
    broker = await KafkaBroker.start();
    teardown.defer(() => broker.stop());
    // Stored uncompressed: the broker decompresses the default codec's (zstd) batches for kafkajs, which reads gzip alone.
    await broker.createTopic('run-traffic', 2, { 'compression.type': 'uncompressed' });

    const port = await freeUdpPort();
    const config = daemonConfig({ stateDir: join(dir, 'state'), port, banSeconds: 60 });
    config.hostgroups = [{ name: 'monitor-only', prefixes: ['198.51.100.128/25'], ban: false }];
    (config.actions as Record<string, unknown>).kafka = {
      enabled: true,
      brokers: [broker.address],
      traffic_topic: 'run-traffic',
      events_topic: 'run-events',
      format: 'protobuf',
      timeout_seconds: 2,
    };
    daemon = await DaemonProcess.start(writeConfig(join(dir, 'floodwatch.yaml'), config));
    teardown.defer(() => daemon.kill());

    const live = await startLiveNetFlow(dir, port);
    teardown.defer(() => live.close());
    const capture = writeCapture(join(dir, 'syn-floods.pcap'), stream(3000, 3, synFlood(BANNED)), stream(3000, 3, synFlood(MONITORED)));
    live.replay(capture).catch(() => {});
  }, 120_000);

  afterAll(() => teardown.run(), 60_000);

  it('sends the flood records to the traffic topic, keyed by the flooded host', async () => {
    const flooded = (m: { key: Buffer | null }) => m.key?.toString() === BANNED;
    const messages = await broker.read('run-traffic', (m) => m.filter(flooded).length >= 1000, 60_000);
    const records = messages.filter(flooded).map((m) => decodeTrafficData(m.value!));
    expect(new Set(messages.filter(flooded).map((m) => m.partition)).size).toBe(1);
    for (const r of records.slice(0, 100)) {
      expect(r).toMatchObject({
        telemetry_type: 'TELEMETRY_TYPE_NETFLOW',
        traffic_direction: 'TRAFFIC_DIRECTION_INCOMING',
        ip_version: 4,
        protocol: 6,
        destination_ip: BANNED,
        destination_port: 443,
        tcp_flags: 2,
        agent_address: '127.0.0.1',
        sampling_ratio: 1,
      });
      expect(r.source_ip).toMatch(/^203\.0\.113\.\d+$/);
    }
  });

  it('sends the attack events as JSON, the monitor-only attack without a ban', async () => {
    const events = await broker.read(
      'run-events',
      (m) => {
        const parsed = m.map((e) => JSON.parse(e.value!.toString()) as { event: string; ip: string });
        return parsed.some((e) => e.event === 'ban' && e.ip === BANNED) && parsed.some((e) => e.event === 'attack_started' && e.ip === MONITORED);
      },
      60_000,
    );
    const parsed = events.map((e) => ({
      key: e.key?.toString(),
      ...(JSON.parse(e.value!.toString()) as { event: string; ip: string; hostgroup: string; ban: unknown; attack: { ip: string } | null }),
    }));
    const started = parsed.find((e) => e.event === 'attack_started' && e.ip === BANNED)!;
    expect(started).toMatchObject({ key: BANNED, attack: { ip: BANNED } });
    const monitored = parsed.filter((e) => e.ip === MONITORED);
    expect(monitored.every((e) => e.ban === null && e.hostgroup === 'monitor-only')).toBe(true);
    expect(monitored.some((e) => e.event === 'ban')).toBe(false);
  });

  it('counts what it exported in /metrics', async () => {
    const text = await eventually('the exported records in /metrics', async () => {
      const t = await metrics();
      return /^floodwatch_kafka_records_exported_total [1-9]/m.test(t) && t;
    });
    expect(text).toMatch(/^floodwatch_kafka_connected 1$/m);
    expect(text).toMatch(/^floodwatch_kafka_records_dropped_total\{reason="queue_full"\} 0$/m);
    expect(text).toMatch(/^floodwatch_kafka_events_total\{event="ban"\} [1-9]/m);
  });
});
