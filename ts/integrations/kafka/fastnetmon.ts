// import-fastnetmon: kafka_traffic_export, _topic, _format and _brokers become actions.kafka.
import type { FastnetmonImportContext } from '../types.js';
import { checkKafka, kafkaDefaults } from './config.js';

const KAFKA_KEYS = ['kafka_traffic_export', 'kafka_traffic_export_topic', 'kafka_traffic_export_format', 'kafka_traffic_export_brokers'] as const;

export function importKafkaFromFastnetmon({ keys, comments, out }: FastnetmonImportContext): void {
  if (!(keys.flag('kafka_traffic_export') ?? false)) {
    keys.skip('kafka_traffic_export', "off here; floodwatch's Kafka export is off by default too");
    for (const key of KAFKA_KEYS.slice(1)) keys.skip(key, 'kafka_traffic_export = off');
    return;
  }
  const defaults = kafkaDefaults();
  const kafka: Record<string, unknown> = { enabled: true, events_topic: '' };
  keys.carry('kafka_traffic_export');
  comments.after.push([
    ['actions', 'kafka', 'enabled'],
    'kafka_traffic_export = on: every flow record and packet, one message each, in the same JSON or Protobuf (proto/traffic_data.proto) as FastNetMon; ' +
      'floodwatch also sends the attack events as JSON when events_topic is set, compresses (zstd), and waits for the ' +
      "partition leader's acknowledgement (acks: leader) where FastNetMon waits for none",
  ]);

  const topic = keys.value('kafka_traffic_export_topic');
  if (topic !== undefined) {
    if (/^[A-Za-z0-9._-]{1,249}$/.test(topic)) {
      kafka.traffic_topic = topic;
      keys.carry('kafka_traffic_export_topic');
    } else {
      keys.skip(
        'kafka_traffic_export_topic',
        `'${topic}' is not a Kafka topic name (letters, digits, . _ -): floodwatch sends to ${defaults.traffic_topic}, FastNetMon's default`,
      );
    }
  }

  const format = keys.value('kafka_traffic_export_format');
  if (format !== undefined) {
    if (format === 'json' || format === 'protobuf') {
      kafka.format = format;
      keys.carry('kafka_traffic_export_format');
    } else {
      keys.skip('kafka_traffic_export_format', `'${format}' is neither json nor protobuf: floodwatch sends ${defaults.format}, FastNetMon's default`);
    }
  }

  const brokers = keys.value('kafka_traffic_export_brokers');
  if (brokers !== undefined) {
    const list = brokers
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean);
    const problems = checkKafka({ ...defaults, brokers: list });
    if (list.length > 0 && problems.length === 0) {
      kafka.brokers = list;
      keys.carry('kafka_traffic_export_brokers');
    } else {
      const reason = problems[0]?.reason ?? 'lists no broker';
      keys.skip('kafka_traffic_export_brokers', `${reason}: floodwatch connects to ${defaults.brokers.join(', ')}`);
      keys.notes.push(`kafka_traffic_export_brokers = ${brokers} ${reason}: set actions.kafka.brokers`);
    }
  }

  ((out.actions ??= {}) as Record<string, unknown>).kafka = kafka;
}
