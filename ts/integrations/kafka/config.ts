// actions.kafka: the brokers, how to log in, and what goes to which topic: every flow record and
// packet the engine decodes (encoded by the engine, see engineExport) and the attack events.
import { Type, type Static, type TLiteral, type TUnion } from '@sinclair/typebox';
import type { ConfigProblem } from '../../config/errors.js';
import type { EngineConfig } from '../../engine/index.js';

export const TRAFFIC_DIRECTIONS = ['incoming', 'outgoing', 'internal', 'other'] as const;
export const ACKS = { all: -1, leader: 1, none: 0 } as const;
export const KAFKA_COMPRESSIONS = ['none', 'gzip', 'lz4', 'zstd'] as const;

const strict = { additionalProperties: false } as const;
function Choice<const T extends readonly string[]>(values: T): TUnion<TLiteral<T[number]>[]> {
  return Type.Union(values.map((value) => Type.Literal(value)));
}
const Topic = Type.String({ pattern: '^[A-Za-z0-9._-]{0,249}$' });

export const KafkaSchema = Type.Object(
  {
    enabled: Type.Boolean(),
    /** host:port of one or more brokers; the others are found from them. */
    brokers: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
    client_id: Type.String({ minLength: 1 }),
    /** Every flow record and packet, one per message; none when empty. FastNetMon's kafka_traffic_export_topic. */
    traffic_topic: Topic,
    /** attack_started, attack_details, attack_ended, ban, unban as JSON; none when empty. */
    events_topic: Topic,
    /** json: FastNetMon's packet_dump_detailed objects; protobuf: TrafficData (proto/traffic_data.proto). */
    format: Choice(['json', 'protobuf'] as const),
    /** destination: the destination address, so that one host's records stay in one partition. */
    key: Choice(['destination', 'none'] as const),
    /** Export 1 record in N. */
    sample_rate: Type.Integer({ minimum: 1 }),
    directions: Type.Array(Choice(TRAFFIC_DIRECTIONS), { minItems: 1, uniqueItems: true }),
    /** The traffic topic's record batches: zstd (Kafka 2.1 on) sends the fewest bytes and exported the most records in the benchmark, lz4 costs the least CPU here, gzip is the one every client reads (kafkajs has no other built in). */
    compression: Choice(KAFKA_COMPRESSIONS),
    /** all: every in-sync replica; leader: the partition leader; none: no answer waited for (FastNetMon's). */
    acks: Choice(['all', 'leader', 'none'] as const),
    sasl: Type.Optional(
      Type.Object(
        {
          mechanism: Choice(['plain', 'scram-sha-256', 'scram-sha-512'] as const),
          username: Type.String({ minLength: 1 }),
          password: Type.String({ minLength: 1 }),
        },
        strict,
      ),
    ),
    tls: Type.Object(
      {
        enabled: Type.Boolean(),
        /** A PEM file of the CA that signed the brokers' certificates; the system's CAs without it. */
        ca_file: Type.Optional(Type.String({ minLength: 1 })),
      },
      strict,
    ),
    /** Records waiting to be encoded and sent, at most (MiB, 8192 records each); past it the engine drops and counts them. */
    queue_mb: Type.Integer({ minimum: 1, maximum: 4096 }),
    /** A record batch's bytes at most, compressed: under the brokers' and the topic's message.max.bytes (1 MiB by default), which refuse a larger one. */
    max_batch_bytes: Type.Integer({ minimum: 1024, maximum: 256 * 1024 * 1024 }),
    /** Produce requests of records in flight at once. */
    max_in_flight: Type.Integer({ minimum: 1, maximum: 64 }),
    /** For connecting and for each produce request. */
    timeout_seconds: Type.Number({ exclusiveMinimum: 0, maximum: 300 }),
  },
  strict,
);

export type KafkaConfig = Static<typeof KafkaSchema>;

export function kafkaDefaults(): KafkaConfig {
  return {
    enabled: false,
    brokers: ['127.0.0.1:9092'],
    client_id: 'floodwatch',
    traffic_topic: 'fastnetmon',
    events_topic: 'floodwatch_events',
    format: 'json',
    key: 'destination',
    sample_rate: 1,
    directions: [...TRAFFIC_DIRECTIONS],
    compression: 'zstd',
    acks: 'leader',
    tls: { enabled: false },
    queue_mb: 64,
    max_batch_bytes: 1_000_000,
    max_in_flight: 8,
    timeout_seconds: 10,
  };
}

/** A batch handed over by an engine worker: at most this many bytes (and every tick). */
export const BATCH_BYTES = 256 << 10;

/** The engine's `export` section: what its workers keep, how it is encoded, and how much they hold. */
export type EngineExportConfig = NonNullable<EngineConfig['export']>;

/** What the engine is started with; it changes only with a restart. */
export function engineExport(config: KafkaConfig | undefined): EngineExportConfig | undefined {
  if (!config?.enabled || config.traffic_topic === '') return undefined;
  const queueBytes = config.queue_mb * 1024 * 1024;
  return {
    enabled: true,
    format: config.format,
    key: config.key,
    sample_rate: config.sample_rate,
    directions: [...config.directions],
    batch_bytes: Math.min(BATCH_BYTES, Math.max(queueBytes >> 2, 4096)),
    queue_bytes: queueBytes,
  };
}

export function describeKafka(config: KafkaConfig): string {
  const what: string[] = [];
  if (config.traffic_topic !== '') {
    const sampled = config.sample_rate > 1 ? `, 1 in ${config.sample_rate}` : '';
    const directions = config.directions.length === TRAFFIC_DIRECTIONS.length ? '' : ` (${config.directions.join(', ')})`;
    what.push(`traffic${directions} to ${config.traffic_topic} as ${config.format}${sampled}`);
  }
  if (config.events_topic !== '') what.push(`events to ${config.events_topic}`);
  const security = [config.tls.enabled ? 'TLS' : '', config.sasl ? `SASL ${config.sasl.mechanism} as ${config.sasl.username}` : ''].filter(Boolean);
  return `kafka at ${config.brokers.join(', ')}${security.length ? ` over ${security.join(', ')}` : ''}: ${what.join('; ') || 'nothing (both topics empty)'}`;
}

const BROKER = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})$/;

export function checkKafka(config: KafkaConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  config.brokers.forEach((broker, i) => {
    const match = BROKER.exec(broker);
    const port = Number(match?.[2]);
    if (!match || port < 1 || port > 65535) {
      problems.push({
        where: `actions.kafka.brokers[${i}]`,
        reason: `'${broker}' is not host:port (e.g. kafka1.example.net:9092, or [2001:db8::1]:9092 for IPv6)`,
      });
    }
  });
  if (config.tls.ca_file !== undefined && !config.tls.enabled) {
    problems.push({ where: 'actions.kafka.tls.ca_file', reason: 'set while actions.kafka.tls.enabled is false: enable TLS, or remove ca_file' });
  }
  if (config.enabled && config.traffic_topic === '' && config.events_topic === '') {
    problems.push({
      where: 'actions.kafka',
      reason: 'enabled, but traffic_topic and events_topic are both empty: name at least one topic, or set enabled: false',
    });
  }
  return problems;
}

export function kafkaWarnings(config: KafkaConfig): string[] {
  const warnings: string[] = [];
  if (config.sasl && !config.tls.enabled && config.sasl.mechanism === 'plain') {
    warnings.push('actions.kafka: SASL PLAIN sends the password in clear (tls.enabled is false): enable TLS, or use scram-sha-256/512');
  }
  return warnings;
}
