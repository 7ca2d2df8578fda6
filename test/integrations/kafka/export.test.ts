// The Kafka export on a real single-node broker: the engine's flow records (softflowd, IPFIX) and
// mirror-port packets (tcpreplay through a veth) come out on the traffic topic, JSON read back
// with kafkajs and Protobuf with protobufjs against proto/traffic_data.proto, field for field;
// lz4 and zstd record batches as the broker decompresses them;
// attack events on the events topic; and a broker down at start, or killed and started again,
// costs counted drops, not detection.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Partitioners } from 'kafkajs';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlowEngine, type EngineConfig } from '../../../ts/engine/index.js';
import { engineExport, kafkaDefaults, type KafkaConfig } from '../../../ts/integrations/kafka/config.js';
import { KafkaIntegration } from '../../../ts/integrations/kafka/kafka.js';
import { softflowd } from '../../support/exporters.js';
import { eventually } from '../../support/gobgpd.js';
import { KafkaBroker, type TopicMessage } from '../../support/kafka.js';
import { netflowV9Datagram, type SprayRecord } from '../../support/netflow-spray.js';
import { writePcap } from '../../support/pcap.js';
import { createVethPair } from '../../support/veth.js';
import { sampleEvent } from '../support.js';
import { createSocket } from 'node:dgram';
import { decodeTrafficData, expectedJson, FLOWS, flowPackets, MONITORED, type Flow } from './support.js';

const isRoot = process.getuid?.() === 0;
const silent = pino({ level: 'silent' });
const dir = mkdtempSync(join(tmpdir(), 'floodwatch-kafka-export-'));
let broker: KafkaBroker;
const cleanups: (() => unknown)[] = [];

beforeAll(async () => {
  broker = await KafkaBroker.start();
}, 120_000);

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

/** An engine exporting to `broker` as `kafka` says (gzip unless told: kafkajs reads no other codec), and the integration draining it. */
function exporting(kafka: Partial<KafkaConfig>, engine: EngineConfig = {}, to = broker, log = silent) {
  const config: KafkaConfig = { ...kafkaDefaults(), enabled: true, brokers: [to.address], timeout_seconds: 2, compression: 'gzip', ...kafka };
  const flowEngine = new FlowEngine({ listen: ['127.0.0.1:0'], workers: 2, tick_ms: 50, networks: MONITORED, export: engineExport(config), ...engine });
  const [address] = flowEngine.start();
  const integration = new KafkaIntegration(config, { log, engine: flowEngine });
  integration.start();
  const stop = async () => {
    await integration.stop();
    flowEngine.stop();
  };
  cleanups.push(stop);
  return { engine: flowEngine, port: Number(address?.split(':').pop()), integration, stop };
}

const json = (m: TopicMessage) => JSON.parse(m.value!.toString()) as Record<string, unknown>;
const flowKey = (o: Record<string, unknown>) => `${o.source_ip} ${o.source_port} > ${o.destination_ip} ${o.destination_port}`;
const byFlow = <T extends Record<string, unknown>>(list: T[]) => [...list].sort((a, b) => flowKey(a).localeCompare(flowKey(b)));

describe('Kafka export of flow records', () => {
  it('sends each record softflowd exported as FastNetMon JSON, keyed by destination', async () => {
    await broker.createTopic('flows-json', 3);
    const { port } = exporting({ traffic_topic: 'flows-json', format: 'json' });
    const pcap = join(dir, 'flows.pcap');
    writePcap(pcap, flowPackets(FLOWS));
    const before = Date.now();
    await softflowd(pcap, port, 10);
    const messages = await broker.read('flows-json', (m) => m.length >= FLOWS.length);
    await new Promise((r) => setTimeout(r, 500));
    expect(await broker.count('flows-json')).toBe(FLOWS.length);

    const records = messages.map(json);
    for (const r of records) {
      expect((r.timestamp as number) * 1000).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
      expect((r.timestamp as number) * 1000).toBeLessThanOrEqual(Date.now());
    }
    const expected = FLOWS.map((f) => expectedJson(f, { packets: f.packets, length: f.packets * f.ipLength, telemetry: 'netflow', agent: '127.0.0.1' }));
    expect(byFlow(records.map(({ timestamp: _, ...rest }) => rest))).toEqual(byFlow(expected));

    // The key is the destination: one host's records share a partition.
    for (const m of messages) expect(m.key?.toString()).toBe(json(m).destination_ip);
    // ... the one kafkajs's (and Java's) default partitioner picks for it.
    const partitioner = Partitioners.DefaultPartitioner();
    const partitionMetadata = [0, 1, 2].map((partitionId) => ({ partitionId, leader: 1, partitionErrorCode: 0, replicas: [1], isr: [1] }));
    for (const m of messages) expect(m.partition).toBe(partitioner({ topic: 'flows-json', partitionMetadata, message: { key: m.key, value: null } }));
    const partitions = new Set(messages.filter((m) => m.key?.toString() === '198.51.100.10').map((m) => m.partition));
    expect(partitions.size).toBe(1);
  });

  it('sends the same records as TrafficData that protobufjs reads back with the shipped .proto', async () => {
    const { port } = exporting({ traffic_topic: 'flows-protobuf', format: 'protobuf', compression: 'none' });
    const pcap = join(dir, 'flows-protobuf.pcap');
    writePcap(pcap, flowPackets(FLOWS));
    await softflowd(pcap, port, 10);
    const messages = await broker.read('flows-protobuf', (m) => m.length >= FLOWS.length);
    const decoded = messages.map((m) => decodeTrafficData(m.value!));
    const now = Date.now() / 1000;
    for (const d of decoded) {
      expect(d.timestamp_seconds as number).toBeGreaterThan(now - 120);
      expect(d.timestamp_milliseconds as number).toBeLessThan(1000);
    }
    const direction = (f: Flow) => `TRAFFIC_DIRECTION_${f.direction.toUpperCase()}`;
    const expected = FLOWS.map((f) => ({
      telemetry_type: 'TELEMETRY_TYPE_NETFLOW',
      ip_version: f.src.includes(':') ? 6 : 4,
      traffic_direction: direction(f),
      sampling_ratio: 1,
      protocol: f.protocol === 'tcp' ? 6 : 17,
      source_ip: f.src,
      destination_ip: f.dst,
      source_port: f.srcPort,
      destination_port: f.dstPort,
      packets: f.packets,
      octets: f.packets * f.ipLength,
      ttl: 0,
      tcp_flags: f.protocol === 'tcp' ? (f.tcpFlags ?? 0x18) : 0,
      ip_fragmented: false,
      ip_dont_fragment: false,
      input_interface: 0,
      output_interface: 0,
      source_asn: 0,
      destination_asn: 0,
      agent_address: '127.0.0.1',
      vlan: 0,
    }));
    const fields = decoded.map(({ timestamp_seconds: _s, timestamp_milliseconds: _ms, ...rest }) => rest);
    expect(byFlow(fields)).toEqual(byFlow(expected));
  });

  it('exports only the directions asked for, 1 record in N', async () => {
    const { port, integration } = exporting({ traffic_topic: 'flows-incoming', directions: ['incoming'], sample_rate: 2, key: 'none' });
    const incoming = Array.from({ length: 40 }, (_, i): Flow => ({ ...FLOWS[0], srcPort: 20000 + i }));
    const outgoing = Array.from({ length: 40 }, (_, i): Flow => ({ ...FLOWS[3], dstPort: 20000 + i }));
    const pcap = join(dir, 'flows-sampled.pcap');
    writePcap(pcap, flowPackets([...incoming, ...outgoing]));
    await softflowd(pcap, port, 10);
    // Each of the engine's 2 workers keeps every 2nd incoming record it decodes.
    await eventually('the sampled records', () => integration.metrics.exported >= 19, 20_000);
    await new Promise((r) => setTimeout(r, 500));
    const messages = await broker.read('flows-incoming', (m) => m.length >= integration.metrics.exported);
    expect(messages.length).toBeGreaterThanOrEqual(19);
    expect(messages.length).toBeLessThanOrEqual(21);
    expect(messages.every((m) => m.key === null && json(m).traffic_direction === 'incoming')).toBe(true);
  });
});

describe('Kafka export compressed with lz4 and zstd', () => {
  // kafkajs reads gzip alone; a topic that the broker stores uncompressed has it decompress each
  // record batch (its LZ4 frame or zstd frame, with Kafka's own decoders) and write the records
  // again, which kafkajs reads: a broker that could not read a batch would refuse it.
  it.each(['lz4', 'zstd'] as const)(
    'sends %s record batches that the broker decompresses, record for record',
    async (compression) => {
      const topic = `flows-${compression}`;
      await broker.createTopic(topic, 2, { 'compression.type': 'uncompressed' });
      const { port, integration } = exporting({ traffic_topic: topic, compression }, { networks: ['2001:db8::/32'] });
      // About 2.5 MB of JSON: record batches of several LZ4 blocks (64 KiB) and zstd blocks (128 KiB).
      const flow = (d: number, i: number): SprayRecord => ({
        ...spray(`2001:db8:6::${(d * 24 + i + 1).toString(16)}`),
        srcPort: d,
        dstPort: i + 1,
        inputInterface: i + 1,
        outputInterface: 70_000 + d,
      });
      const sent = await sendRecords(port, 200, (d) => Array.from({ length: 24 }, (_, i) => flow(d, i)));
      const messages = await broker.read(topic, (m) => m.length >= sent, 60_000);
      expect(messages.length).toBe(sent);
      const records = messages.map(json);
      const expected = Array.from({ length: sent }, (_, n) => flow(Math.floor(n / 24), n % 24));
      expect(new Set(records.map((r) => `${r.destination_ip} ${r.source_port} ${r.destination_port} ${r.input_interface} ${r.output_interface}`))).toEqual(
        new Set(expected.map((f) => `${f.dst} ${f.srcPort} ${f.dstPort} ${f.inputInterface} ${f.outputInterface}`)),
      );
      expect(records.every((r) => r.source_ip === '2001:db8:ffff::1' && r.protocol === 'udp' && r.ip_length === 120)).toBe(true);
      for (const m of messages) expect(m.key?.toString()).toBe(json(m).destination_ip);
      await eventually('every record acknowledged', () => integration.metrics.exported === sent, 10_000);
      // Sent compressed: each record's 500-odd bytes of JSON took a fraction of that.
      expect(integration.metrics.bytes / sent).toBeLessThan(150);
    },
    120_000,
  );
});

describe('Kafka export of attack events', () => {
  it('writes each event as JSON on the events topic, keyed by the host', async () => {
    const { integration } = exporting({ traffic_topic: '', events_topic: 'events' });
    const event = sampleEvent('ban');
    expect(integration.accepts(event)).toBe(true);
    await integration.run(event);
    await integration.run(sampleEvent('unban'));
    const messages = await broker.read('events', (m) => m.length >= 2);
    expect(messages.map((m) => m.key?.toString())).toEqual([event.ip, event.ip]);
    const [ban, unban] = messages.map(json);
    expect(ban).toMatchObject({
      event: 'ban',
      at: event.at,
      ip: event.ip,
      direction: 'incoming',
      hostgroup: event.hostgroup,
      attack: { id: event.attack!.id },
      ban: { ip: event.ip },
    });
    expect(unban.event).toBe('unban');
    expect(integration.metricValues().floodwatch_kafka_events_total).toContainEqual([{ event: 'ban' }, 1]);
  });
});

describe.runIf(isRoot)('Kafka export of mirror-port packets', () => {
  it('sends each packet tcpreplay put through the veth, field for field', async () => {
    const veth = createVethPair();
    cleanups.push(() => veth.remove());
    exporting({ traffic_topic: 'mirror-json' }, { listen: [], mirror: [{ interface: veth.capture, engine: 'af_packet', workers: 1 }] });
    const pcap = join(dir, 'mirror.pcap');
    const packets = flowPackets(FLOWS);
    writePcap(pcap, packets);
    execFileSync('tcpreplay', ['-q', '-i', veth.send, '--pps', '200', pcap], { stdio: 'ignore' });
    const ours = (m: TopicMessage) => FLOWS.some((f) => f.src === json(m).source_ip);
    const messages = await broker.read('mirror-json', (m) => m.filter(ours).length >= packets.length);
    const records = messages.filter(ours).map(json);
    const expected = FLOWS.flatMap((f) =>
      Array.from({ length: f.packets }, () => expectedJson({ ...f }, { packets: 1, length: 14 + f.ipLength, telemetry: 'mirror', agent: '' })),
    );
    // One packet's ip_length is its own.
    for (const e of expected) e.ip_length = FLOWS.find((f) => f.src === e.source_ip)!.ipLength;
    expect(byFlow(records.map(({ timestamp: _, ...rest }) => rest))).toEqual(byFlow(expected));
    // The capture's time, not the pcap file's.
    expect(Math.abs((records[0].timestamp as number) - Date.now() / 1000)).toBeLessThan(120);
  });
});

describe("Kafka export under a topic's max.message.bytes", () => {
  it('has the batches refused and says which key to lower, then sends them all once max_batch_bytes is under the limit', async () => {
    // About 1.2 MB of uncompressed JSON, in batches of 20 kB at most.
    const limit = { 'max.message.bytes': '20000' };
    await broker.createTopic('limited-default', 1, limit);
    await broker.createTopic('limited-small', 1, limit);
    const flow = (d: number, i: number) => spray(`2001:db8:7::${(d * 24 + i + 1).toString(16)}`);
    const warnings: Record<string, unknown>[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => warnings.push(JSON.parse(line) as Record<string, unknown>) });
    const refused = exporting({ traffic_topic: 'limited-default', compression: 'none' }, { networks: ['2001:db8::/32'] }, broker, log);
    const sent = await sendRecords(refused.port, 100, (d) => Array.from({ length: 24 }, (_, i) => flow(d, i)));
    await eventually('the refused batches counted', () => refused.integration.metrics.droppedSendFailed === sent, 20_000);
    expect(warnings.find((w) => w.topic === 'limited-default')?.fix).toMatch(/set actions\.kafka\.max_batch_bytes under the topic's max\.message\.bytes/);
    await refused.stop();

    const small = exporting({ traffic_topic: 'limited-small', compression: 'none', max_batch_bytes: 19_000 }, { networks: ['2001:db8::/32'] });
    await sendRecords(small.port, 100, (d) => Array.from({ length: 24 }, (_, i) => flow(d, i)));
    const messages = await broker.read('limited-small', (m) => m.length >= sent, 30_000);
    expect(messages.length).toBe(sent);
    await eventually('every record acknowledged', () => small.integration.metrics.exported === sent, 10_000);
    expect(small.integration.metrics.droppedSendFailed).toBe(0);
    expect(small.integration.metrics.batches).toBeGreaterThanOrEqual(Math.ceil(small.integration.metrics.bytes / 19_000));
  }, 90_000);
});

describe('Kafka export with the broker down at start', () => {
  it('keeps detecting, drops and counts what the queue cannot hold, sends once the broker is up, and again after it is killed and restarted', async () => {
    const late = await KafkaBroker.prepare();
    cleanups.push(() => late.stop());
    const { engine, port, integration } = exporting({ traffic_topic: 'late', queue_mb: 1 }, { networks: ['2001:db8::/32'] }, late);
    engine.detection.setThresholds({ groups: [{ name: 'global', incoming: { pps: 1000 }, outgoing: {} }], hostgroups: [] });
    const flooded = '2001:db8:1::77';
    const sent = await sendRecords(port, 600, (d) => [
      ...Array.from({ length: 24 }, (_, i): SprayRecord => spray(`2001:db8:2::${(d * 24 + i).toString(16)}`)),
      { ...spray(flooded), packets: 10, bytes: 600, protocol: 6, tcpFlags: 0x02 },
    ]);
    expect(sent).toBe(600 * 25);
    await eventually('the flood detected', () => engine.detection.drainViolations().some((v) => v.ip === flooded), 10_000);
    await eventually('the drops counted', () => integration.metrics.droppedQueueFull > 0, 10_000);
    expect(integration.metrics.connected).toBe(false);
    expect(integration.metrics.exported).toBe(0);
    // An event is refused with the reason, for the dispatcher to retry.
    await expect(integration.run(sampleEvent('ban'))).rejects.toThrow(`kafka: cannot connect to ${late.address}`);

    await late.start();
    await eventually('the producer connected', () => integration.metrics.connected, 30_000);
    await sendRecords(port, 20, (d) => Array.from({ length: 24 }, (_, i) => spray(`2001:db8:3::${(d * 24 + i).toString(16)}`)));
    const after = (m: TopicMessage) => String(json(m).destination_ip).startsWith('2001:db8:3::');
    const messages = await late.read('late', (m) => m.filter(after).length >= 20 * 24, 30_000);
    expect(messages.filter(after).length).toBe(20 * 24);
    const metrics = integration.metricValues();
    expect(metrics.floodwatch_kafka_records_dropped_total).toContainEqual([{ reason: 'queue_full' }, integration.metrics.droppedQueueFull]);
    expect(integration.metrics.exported).toBeGreaterThanOrEqual(20 * 24);

    // Killed mid-run: what cannot be sent is counted; once it is back, the export resumes.
    await late.kill();
    const lost = () => integration.metrics.droppedSendFailed + integration.metrics.droppedQueueFull;
    const lostBefore = lost();
    await sendRecords(port, 20, (d) => Array.from({ length: 24 }, (_, i) => spray(`2001:db8:4::${(d * 24 + i).toString(16)}`)));
    await eventually('the records sent to the dead broker counted', () => lost() > lostBefore, 30_000);
    await late.start();
    const resumed = (m: TopicMessage) => String(json(m).destination_ip).startsWith('2001:db8:5::');
    await eventually(
      'the export to resume after the restart',
      async () => {
        await sendRecords(port, 1, () => Array.from({ length: 24 }, (_, i) => spray(`2001:db8:5::${(((Date.now() % 2000) * 24 + i) & 0xffff).toString(16)}`)));
        return integration.metrics.exported > 20 * 24 + 1 && (await late.read('late', (m) => m.some(resumed), 5_000).catch(() => [])).some(resumed);
      },
      60_000,
      1_000,
    );
  }, 180_000);
});

function spray(dst: string): SprayRecord {
  return { src: '2001:db8:ffff::1', dst, packets: 1, bytes: 120, protocol: 17, srcPort: 53, dstPort: 1024, tcpFlags: 0 };
}

/** `datagrams` NetFlow v9 datagrams of `records(i)`, 500 a second; returns the records sent. */
async function sendRecords(port: number, datagrams: number, records: (i: number) => SprayRecord[]): Promise<number> {
  const socket = createSocket('udp4');
  let sent = 0;
  try {
    for (let d = 0; d < datagrams; d++) {
      const batch = records(d);
      await new Promise<void>((resolve, reject) => socket.send(netflowV9Datagram(batch, d), port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
      sent += batch.length;
      if (d % 10 === 9) await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    socket.close();
  }
  return sent;
}
