// floodwatch run --role detector: one member of the detectors' Kafka consumer group. It reads the
// partitions of the aggregates topic the group gives it, and merges every sensor's aggregates of
// their hosts into its engine's counters, where thresholds, hostgroups, classification, bans and
// actions run as on its own traffic; the hosts of other partitions never reach it. Aggregates
// older than cluster.tick_wait_ms (a late sensor, a backlog after a rebalance) are dropped and
// counted: merged that late they would show a flood that is over, or none at all.
import { Kafka, logLevel, type Consumer, type EachMessagePayload } from 'kafkajs';
import type { Logger } from 'pino';
import type { FlowEngine } from '../engine/index.js';
import { loadNative } from '../engine/native.js';
import type { ClusterSettings } from './config.js';
import type { ClusterMetricValues } from './metrics.js';
import { SENSOR_HEADER, TICK_AT_HEADER } from './sensor.js';

const RECONNECT_MS = 2_000;

interface SensorSeen {
  lastSeenAt: number;
  latenessMs: number;
  merged: number;
  late: number;
  silent: boolean;
}

type DetectorEngine = Pick<FlowEngine, 'mergeAggregates'>;

export class AggregatesDetector {
  readonly #settings: ClusterSettings;
  readonly #engine: DetectorEngine;
  readonly #log: Logger;
  readonly #consumer: Consumer;
  readonly #sensors = new Map<string, SensorSeen>();
  #connected = false;
  #stopping = false;
  #partitions: number[] = [];
  #partitionCount = 0;
  #kafka: Kafka;
  #assigned: (() => void) | null = null;
  #merged = 0;
  #malformed = 0;
  #timer: NodeJS.Timeout | null = null;

  constructor(settings: ClusterSettings, engine: DetectorEngine, log: Logger) {
    this.#settings = settings;
    this.#engine = engine;
    this.#log = log.child({ role: 'detector' });
    const timeoutMs = settings.timeout_seconds * 1000;
    const kafka = (this.#kafka = new Kafka({
      clientId: `floodwatch-detector-${settings.name}`,
      brokers: settings.brokers,
      connectionTimeout: timeoutMs,
      requestTimeout: timeoutMs,
      logLevel: logLevel.NOTHING,
      retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 2000 },
    }));
    // A detector that dies loses its partitions to the others after the session timeout. A group
    // joined before the aggregates topic existed owns nothing until the metadata is read again.
    this.#consumer = kafka.consumer({
      groupId: settings.group,
      sessionTimeout: 6000,
      heartbeatInterval: 1000,
      rebalanceTimeout: 10_000,
      maxWaitTimeInMs: 50,
      metadataMaxAge: 5_000,
    });
    const { GROUP_JOIN, CONNECT, DISCONNECT, CRASH } = this.#consumer.events;
    this.#consumer.on(CONNECT, () => (this.#connected = true));
    this.#consumer.on(DISCONNECT, () => (this.#connected = false));
    this.#consumer.on(GROUP_JOIN, ({ payload }) => {
      this.#partitions = (payload.memberAssignment[settings.aggregates_topic] ?? []).slice().sort((a, b) => a - b);
      this.#log.info(
        { group: settings.group, topic: settings.aggregates_topic, partitions: this.#partitions },
        'detecting for the hosts of these partitions of the aggregates topic',
      );
      this.#assigned?.();
    });
    this.#consumer.on(CRASH, ({ payload }) => {
      this.#connected = false;
      this.#log.warn({ error: payload.error.message, restarting: payload.restart }, 'the aggregates consumer failed');
    });
  }

  start(): void {
    this.#timer = setInterval(() => this.#checkSensors(), 1000);
    void this.#run();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#timer) clearInterval(this.#timer);
    await this.#consumer.disconnect().catch(() => {});
  }

  /** Called each time the group gives this detector its partitions. */
  onAssigned(listener: () => void): void {
    this.#assigned = listener;
  }

  /** Whether the host is in one of this detector's partitions now. */
  owns(ip: string): boolean {
    return this.#partitionCount > 0 && this.#partitions.includes(loadNative().aggregatesPartition(ip, this.#partitionCount));
  }

  /** The partitions this detector owns now. */
  get partitions(): readonly number[] {
    return this.#partitions;
  }

  metricValues(): ClusterMetricValues {
    const now = Date.now();
    const sensors = [...this.#sensors];
    return {
      floodwatch_cluster_connected: [[{ role: 'detector' }, this.#connected ? 1 : 0]],
      floodwatch_cluster_sensor_messages_total: sensors.flatMap(([sensor, s]) => [
        [{ sensor, outcome: 'merged' }, s.merged],
        [{ sensor, outcome: 'late' }, s.late],
      ]),
      floodwatch_cluster_sensor_lateness_seconds: sensors.map(([sensor, s]) => [{ sensor }, s.latenessMs / 1000]),
      floodwatch_cluster_sensor_last_seen_seconds: sensors.map(([sensor, s]) => [{ sensor }, (now - s.lastSeenAt) / 1000]),
      floodwatch_cluster_sensor_silent: sensors.map(([sensor, s]) => [{ sensor }, s.silent ? 1 : 0]),
      floodwatch_cluster_partitions: [[{}, this.#partitions.length]],
      floodwatch_cluster_aggregates_merged_total: [[{}, this.#merged]],
      floodwatch_cluster_aggregates_malformed_total: [[{}, this.#malformed]],
    };
  }

  async #run(): Promise<void> {
    while (!this.#stopping) {
      try {
        this.#partitionCount = await this.#topicPartitions();
        await this.#consumer.connect();
        // A detector that (re)joins starts at the newest aggregates: older ones would be late.
        await this.#consumer.subscribe({ topic: this.#settings.aggregates_topic, fromBeginning: false });
        await this.#consumer.run({ eachMessage: async (payload) => this.#merge(payload) });
        return;
      } catch (err) {
        if (this.#stopping) return;
        this.#log.warn(
          { brokers: this.#settings.brokers, error: (err as Error).message, retry_ms: RECONNECT_MS },
          'cannot join the detectors of cluster.brokers; trying again',
        );
        await this.#consumer.disconnect().catch(() => {});
        await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS));
      }
    }
  }

  async #topicPartitions(): Promise<number> {
    const admin = this.#kafka.admin();
    await admin.connect();
    try {
      const metadata = await admin.fetchTopicMetadata({ topics: [this.#settings.aggregates_topic] });
      const count = metadata.topics[0]?.partitions.length ?? 0;
      if (count === 0) throw new Error(`topic ${this.#settings.aggregates_topic} (cluster.aggregates_topic) has no partitions`);
      return count;
    } finally {
      await admin.disconnect();
    }
  }

  #merge({ message }: EachMessagePayload): void {
    const now = Date.now();
    const sensor = message.headers?.[SENSOR_HEADER]?.toString() ?? message.key?.toString() ?? 'unknown';
    const tickAt = Number(message.headers?.[TICK_AT_HEADER]?.toString() ?? message.timestamp);
    let seen = this.#sensors.get(sensor);
    if (!seen) {
      seen = { lastSeenAt: now, latenessMs: 0, merged: 0, late: 0, silent: false };
      this.#sensors.set(sensor, seen);
      this.#log.info({ sensor, partitions: this.#partitions }, 'hearing from a new sensor');
    } else if (seen.silent) {
      this.#log.info({ sensor, silent_for_s: Math.round((now - seen.lastSeenAt) / 1000) }, 'hearing from the sensor again');
    }
    seen.lastSeenAt = now;
    seen.silent = false;
    seen.latenessMs = Math.max(0, now - tickAt);
    if (!message.value) return;
    if (seen.latenessMs > this.#settings.tick_wait_ms) {
      seen.late++;
      return;
    }
    try {
      this.#merged += this.#engine.mergeAggregates(message.value);
      seen.merged++;
    } catch (err) {
      this.#malformed++;
      if (this.#malformed === 1)
        this.#log.warn({ sensor, error: (err as Error).message }, 'aggregates refused (counted in floodwatch_cluster_aggregates_malformed_total)');
    }
  }

  #checkSensors(): void {
    const now = Date.now();
    for (const [sensor, seen] of this.#sensors) {
      if (seen.silent || now - seen.lastSeenAt < this.#settings.silent_after_seconds * 1000) continue;
      seen.silent = true;
      this.#log.warn(
        { sensor, silent_for_s: Math.round((now - seen.lastSeenAt) / 1000), last_lateness_ms: seen.latenessMs },
        'a sensor has gone silent: the hosts it sees are detected on the other sensors alone',
      );
    }
  }
}
