// cluster: where sensors publish their per-host aggregates and how detectors read them, for
// `floodwatch run --role sensor|detector`. Without --role floodwatch ignores it and needs no Kafka.
import { hostname } from 'node:os';
import { Type, type Static } from '@sinclair/typebox';

export const ROLES = ['sensor', 'detector'] as const;
export type Role = (typeof ROLES)[number];

const strict = { additionalProperties: false } as const;
const Topic = Type.String({ pattern: '^[A-Za-z0-9._-]{1,249}$' });

export const ClusterSchema = Type.Object(
  {
    /** host:port of one or more brokers; the others are found from them. */
    brokers: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
    /** Every sensor's per-host aggregates, one message per partition and tick; its partitions split the hosts between the detectors. */
    aggregates_topic: Type.Optional(Topic),
    /** Every sensor's totals of the whole traffic, each tick, read by every detector (one partition). */
    totals_topic: Type.Optional(Topic),
    /** Every active ban, log-compacted (one partition), so that a detector taking over hosts knows their bans. */
    bans_topic: Type.Optional(Topic),
    /** Every member's attack records, the last version of each (compacted), for every member's REST API. */
    attacks_topic: Type.Optional(Topic),
    /** How long the attacks topic keeps a record, when floodwatch creates it (retention.ms). */
    attacks_retention_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
    /** The detectors' Kafka consumer group. */
    group: Type.Optional(Type.String({ minLength: 1 })),
    /** This process in the detectors' logs and /metrics (default: the host name). */
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    /** How long after a sensor's tick its aggregates still count; later ones are dropped and counted as late. */
    tick_wait_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: 60_000 })),
    /** A sensor not heard from for this long is reported as silent. */
    silent_after_seconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600 })),
    /** A sensor's aggregates waiting to be sent, at most (MiB); past it the engine drops and counts them. */
    queue_mb: Type.Optional(Type.Integer({ minimum: 1, maximum: 1024 })),
    /** For connecting and for each produce request. */
    timeout_seconds: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 300 })),
  },
  strict,
);

export type ClusterConfig = Static<typeof ClusterSchema>;
export type ClusterSettings = Required<ClusterConfig>;

export const CLUSTER_DEFAULTS = {
  aggregates_topic: 'floodwatch-aggregates',
  totals_topic: 'floodwatch-totals',
  bans_topic: 'floodwatch-bans',
  attacks_topic: 'floodwatch-attacks',
  attacks_retention_days: 30,
  group: 'floodwatch-detectors',
  tick_wait_ms: 1000,
  silent_after_seconds: 5,
  queue_mb: 64,
  timeout_seconds: 5,
} as const;

/** The totals topic, when a member creates it: it only carries each tick to the detectors reading it then, so an hour is plenty. */
export const TOTALS_TOPIC_CONFIG = [
  { name: 'cleanup.policy', value: 'delete' },
  { name: 'retention.ms', value: String(3600_000) },
];

/** The section with its defaults filled in. */
export function clusterSettings(config: ClusterConfig): ClusterSettings {
  return { ...CLUSTER_DEFAULTS, name: hostname(), ...config };
}

/** What check-config says of the section. */
export function describeCluster(config: ClusterConfig): string {
  const s = clusterSettings(config);
  return `cluster (for --role sensor|detector): brokers ${s.brokers.join(', ')}; aggregates on ${s.aggregates_topic}; detectors' group ${s.group}; aggregates count up to ${s.tick_wait_ms} ms late`;
}
