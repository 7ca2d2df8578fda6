// actions.kafka: its schema and default, check-config's description, its problems and warnings,
// what the engine is started with, and what import-fastnetmon makes of kafka_traffic_export*.
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { YamlComments } from '../../../ts/cli/import-fastnetmon/commented-yaml.js';
import { FastnetmonKeys } from '../../../ts/cli/import-fastnetmon/keys.js';
import { engineExport } from '../../../ts/integrations/kafka/config.js';
import { kafkaIntegration } from '../../../ts/integrations/kafka/index.js';

const defaults = kafkaIntegration.defaults();
const whole = {} as Parameters<NonNullable<typeof kafkaIntegration.check>>[1];

describe('actions.kafka', () => {
  it("has a default that its schema takes: off, FastNetMon's topic and JSON, zstd, every direction", () => {
    expect(Value.Check(kafkaIntegration.schema, defaults)).toBe(true);
    expect(defaults).toMatchObject({ enabled: false, traffic_topic: 'fastnetmon', format: 'json', compression: 'zstd', key: 'destination', sample_rate: 1 });
    expect(defaults.directions).toEqual(['incoming', 'outgoing', 'internal', 'other']);
  });

  it('refuses what Kafka or the engine could not take', () => {
    for (const bad of [
      { brokers: [] },
      { format: 'avro' },
      { compression: 'snappy' },
      { sample_rate: 0 },
      { directions: [] },
      { directions: ['up'] },
      { traffic_topic: 'a topic' },
      { acks: 2 },
      { queue_mb: 0 },
      { max_batch_bytes: 100 },
      { extra: 1 },
    ]) {
      expect(Value.Check(kafkaIntegration.schema, { ...defaults, ...bad }), JSON.stringify(bad)).toBe(false);
    }
  });

  it('is described in one line by check-config', () => {
    expect(kafkaIntegration.describe({ ...defaults, enabled: true })).toBe(
      'kafka at 127.0.0.1:9092: traffic to fastnetmon as json; events to floodwatch_events',
    );
    expect(
      kafkaIntegration.describe({
        ...defaults,
        brokers: ['k1.example.net:9093', 'k2.example.net:9093'],
        format: 'protobuf',
        sample_rate: 10,
        directions: ['incoming'],
        events_topic: '',
        tls: { enabled: true },
        sasl: { mechanism: 'scram-sha-512', username: 'fw', password: 'x' },
      }),
    ).toBe('kafka at k1.example.net:9093, k2.example.net:9093 over TLS, SASL scram-sha-512 as fw: traffic (incoming) to fastnetmon as protobuf, 1 in 10');
  });

  it('reports a broker that is not host:port, a ca_file without TLS and nothing to send', () => {
    expect(kafkaIntegration.check!({ ...defaults, brokers: ['127.0.0.1:9092', 'kafka.example.net', '[2001:db8::1]:9092'] }, whole)).toEqual([
      { where: 'actions.kafka.brokers[1]', reason: expect.stringContaining("'kafka.example.net' is not host:port") },
    ]);
    expect(kafkaIntegration.check!({ ...defaults, tls: { enabled: false, ca_file: '/etc/ssl/ca.pem' } }, whole)).toEqual([
      { where: 'actions.kafka.tls.ca_file', reason: 'set while actions.kafka.tls.enabled is false: enable TLS, or remove ca_file' },
    ]);
    expect(kafkaIntegration.check!({ ...defaults, enabled: true, traffic_topic: '', events_topic: '' }, whole)).toEqual([
      { where: 'actions.kafka', reason: expect.stringContaining('traffic_topic and events_topic are both empty') },
    ]);
    expect(kafkaIntegration.check!(defaults, whole)).toEqual([]);
  });

  it('warns of a SASL PLAIN password sent in clear', () => {
    expect(kafkaIntegration.warnings!({ ...defaults, sasl: { mechanism: 'plain', username: 'fw', password: 'x' } })).toEqual([
      expect.stringContaining('SASL PLAIN sends the password in clear'),
    ]);
    expect(kafkaIntegration.warnings!({ ...defaults, sasl: { mechanism: 'scram-sha-256', username: 'fw', password: 'x' } })).toEqual([]);
  });

  it('starts the engine exporting only when enabled with a traffic topic', () => {
    expect(engineExport(undefined)).toBeUndefined();
    expect(engineExport(defaults)).toBeUndefined();
    expect(engineExport({ ...defaults, enabled: true, traffic_topic: '' })).toBeUndefined();
    expect(engineExport({ ...defaults, enabled: true, format: 'protobuf', sample_rate: 4, directions: ['incoming'], queue_mb: 64 })).toEqual({
      enabled: true,
      format: 'protobuf',
      key: 'destination',
      sample_rate: 4,
      directions: ['incoming'],
      batch_bytes: 256 << 10,
      queue_bytes: 64 << 20,
    });
  });

  it('declares its metrics under floodwatch_kafka_', () => {
    expect(kafkaIntegration.metrics!.map((m) => m.name)).toEqual([
      'floodwatch_kafka_connected',
      'floodwatch_kafka_records_exported_total',
      'floodwatch_kafka_records_dropped_total',
      'floodwatch_kafka_bytes_total',
      'floodwatch_kafka_batches_total',
      'floodwatch_kafka_errors_total',
      'floodwatch_kafka_queue_batches',
      'floodwatch_kafka_events_total',
    ]);
  });
});

describe('import-fastnetmon', () => {
  function carry(values: Record<string, string>) {
    const keys = new FastnetmonKeys(new Map(Object.entries(values)));
    const comments = new YamlComments();
    const out: Record<string, unknown> = {};
    kafkaIntegration.importFastnetmon!({ keys, comments, out, networks: undefined, ipv4OnlyActions: [] } as never);
    return { keys, comments, out };
  }

  it('carries the topic, format and brokers when kafka_traffic_export = on, and sends no events (FastNetMon sends none)', () => {
    const { keys, out } = carry({
      kafka_traffic_export: 'on',
      kafka_traffic_export_topic: 'netflow_raw',
      kafka_traffic_export_format: 'protobuf',
      kafka_traffic_export_brokers: '10.154.0.1:9092, 10.154.0.2:9092',
    });
    expect(out).toEqual({
      actions: {
        kafka: { enabled: true, events_topic: '', traffic_topic: 'netflow_raw', format: 'protobuf', brokers: ['10.154.0.1:9092', '10.154.0.2:9092'] },
      },
    });
    expect(keys.remaining()).toEqual([]);
    expect(keys.notCarried.size).toBe(0);
    expect(Value.Check(kafkaIntegration.schema, { ...defaults, ...(out.actions as { kafka: object }).kafka })).toBe(true);
  });

  it('writes nothing when kafka_traffic_export is off or missing, marking the keys not carried', () => {
    const { keys, out } = carry({ kafka_traffic_export: 'off', kafka_traffic_export_topic: 'x' });
    expect(out).toEqual({});
    expect(keys.notCarried.get('kafka_traffic_export')).toBe("off here; floodwatch's Kafka export is off by default too");
    expect(keys.notCarried.get('kafka_traffic_export_topic')).toBe('kafka_traffic_export = off');
  });

  it('keeps the defaults for values it cannot use, saying why', () => {
    const { keys, out } = carry({
      kafka_traffic_export: 'on',
      kafka_traffic_export_topic: 'a b',
      kafka_traffic_export_format: 'avro',
      kafka_traffic_export_brokers: 'kafka1',
    });
    expect(out).toEqual({ actions: { kafka: { enabled: true, events_topic: '' } } });
    expect(keys.notCarried.get('kafka_traffic_export_topic')).toMatch(/not a Kafka topic name.*fastnetmon/);
    expect(keys.notCarried.get('kafka_traffic_export_format')).toMatch(/neither json nor protobuf/);
    expect(keys.notCarried.get('kafka_traffic_export_brokers')).toMatch(/'kafka1' is not host:port/);
  });
});
