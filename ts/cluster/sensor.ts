// floodwatch run --role sensor: every tick, the engine's per-host aggregates (encoded in Rust, one
// buffer per partition of the aggregates topic, each host in the partition that owns it) go to
// Kafka, one message per partition, keyed by the sensor's name, and the tick's totals of the
// whole traffic to the totals topic, which every detector reads. One request in flight; the
// ticks that wait meanwhile go together in the next, and past MAX_WAITING_TICKS the oldest are
// dropped.
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { FlowEngine } from '../engine/index.js';
import { TOTALS_TOPIC_CONFIG, type ClusterSettings } from './config.js';
import type { ClusterMetricValues } from './metrics.js';

/** Headers of an aggregates message. */
export const SENSOR_HEADER = 'floodwatch-sensor';
export const TICK_AT_HEADER = 'floodwatch-tick-at';

const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 10_000;
const ERROR_LOG_INTERVAL_MS = 30_000;
const HEARTBEAT_MS = 1000;
/** Aggregates of no host: the wire version byte alone (crates/counters/src/wire.rs). */
const EMPTY_AGGREGATES = Buffer.from([1]);
/** Ticks of aggregates waiting while one request is on its way; past it the oldest is dropped, counted. */
const MAX_WAITING_TICKS = 20;

type SensorEngine = Pick<FlowEngine, 'publishAggregates' | 'takeAggregates'>;

export class AggregatesSensor {
  readonly #settings: ClusterSettings;
  readonly #engine: SensorEngine;
  readonly #log: Logger;
  readonly #tickMs: number;
  readonly #kafka: Kafka;
  readonly #producer: Producer;
  #connected = false;
  #stopping = false;
  #timer: NodeJS.Timeout | null = null;
  #sending: Promise<void> | null = null;
  #waiting: WaitingTick[] = [];
  #partitionCount = 0;
  #lastSentAt: number[] = [];
  #published = 0;
  #bytes = 0;
  #droppedSendFailed = 0;
  #droppedQueueFull = 0;
  #lastErrorLog = 0;

  constructor(settings: ClusterSettings, engine: SensorEngine, log: Logger, tickMs: number) {
    this.#settings = settings;
    this.#engine = engine;
    this.#log = log.child({ role: 'sensor' });
    this.#tickMs = tickMs;
    const timeoutMs = settings.timeout_seconds * 1000;
    this.#kafka = new Kafka({
      clientId: `floodwatch-sensor-${settings.name}`,
      brokers: settings.brokers,
      connectionTimeout: timeoutMs,
      requestTimeout: timeoutMs,
      logLevel: logLevel.NOTHING,
      retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 },
    });
    this.#producer = this.#kafka.producer({ allowAutoTopicCreation: true, retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 500 } });
    this.#producer.on(this.#producer.events.DISCONNECT, () => (this.#connected = false));
  }

  /** Connects in the background (again and again until it can) and publishes every tick from then on. */
  start(): void {
    void this.#connectLoop();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#timer) clearInterval(this.#timer);
    await this.#sending?.catch(() => {});
    await this.#producer.disconnect().catch(() => {});
  }

  metricValues(): ClusterMetricValues {
    return {
      floodwatch_cluster_connected: [[{ role: 'sensor' }, this.#connected ? 1 : 0]],
      floodwatch_cluster_aggregates_published_total: [[{}, this.#published]],
      floodwatch_cluster_aggregate_bytes_total: [[{}, this.#bytes]],
      floodwatch_cluster_aggregates_dropped_total: [
        [{ reason: 'queue_full' }, this.#droppedQueueFull],
        [{ reason: 'send_failed' }, this.#droppedSendFailed],
      ],
    };
  }

  async #connectLoop(): Promise<void> {
    let delay = RECONNECT_MIN_MS;
    while (!this.#stopping) {
      try {
        const partitions = await this.#partitions();
        await this.#producer.connect();
        this.#connected = true;
        this.#partitionCount = partitions;
        this.#engine.publishAggregates(partitions, this.#settings.queue_mb * 1024 * 1024);
        this.#log.info(
          { brokers: this.#settings.brokers, topic: this.#settings.aggregates_topic, partitions, sensor: this.#settings.name },
          'publishing per-host aggregates every tick',
        );
        this.#timer = setInterval(() => this.#tick(), this.#tickMs);
        return;
      } catch (err) {
        this.#log.warn(
          { brokers: this.#settings.brokers, error: (err as Error).message, retry_ms: delay },
          'cannot reach the Kafka brokers of cluster.brokers; trying again',
        );
        await sleep(delay);
        delay = Math.min(delay * 2, RECONNECT_MAX_MS);
      }
    }
  }

  /**
   * The aggregates topic's partitions, creating it (with the brokers' default partitions) when
   * missing, and the totals topic (one partition) too.
   */
  async #partitions(): Promise<number> {
    const admin = this.#kafka.admin();
    await admin.connect();
    try {
      const topic = this.#settings.aggregates_topic;
      const existing = await admin.listTopics();
      if (!existing.includes(topic)) await admin.createTopics({ topics: [{ topic }], waitForLeaders: true }).catch(() => {});
      const totals = this.#settings.totals_topic;
      if (!existing.includes(totals))
        await admin.createTopics({ topics: [{ topic: totals, numPartitions: 1, configEntries: TOTALS_TOPIC_CONFIG }], waitForLeaders: true }).catch(() => {});
      const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
      const partitions = metadata.topics[0]?.partitions.length ?? 0;
      if (partitions === 0) throw new Error(`topic ${topic} (cluster.aggregates_topic) has no partitions: create it`);
      return partitions;
    } finally {
      await admin.disconnect();
    }
  }

  #tick(): void {
    const drain = this.#engine.takeAggregates();
    this.#droppedQueueFull = drain.droppedHosts;
    const now = Date.now();
    const at = String(now);
    const buffers = [...drain.buffers];
    const partitions = [...drain.partitions];
    // Every partition hears from every sensor at least once a second, traffic or not: its
    // detector tells a quiet sensor from a dead one.
    for (let partition = 0; partition < this.#partitionCount; partition++) {
      if (partitions.includes(partition)) this.#lastSentAt[partition] = now;
      else if (now - (this.#lastSentAt[partition] ?? 0) >= HEARTBEAT_MS) {
        this.#lastSentAt[partition] = now;
        buffers.push(EMPTY_AGGREGATES);
        partitions.push(partition);
      }
    }
    if (buffers.length === 0 && !drain.totals) return;
    if (this.#waiting.length >= MAX_WAITING_TICKS) {
      // The brokers have not taken the last ticks: the oldest is worth least to the detectors.
      this.#droppedSendFailed += this.#waiting.shift()!.hosts;
    }
    const headers = { [SENSOR_HEADER]: this.#settings.name, [TICK_AT_HEADER]: at };
    this.#waiting.push({
      hosts: drain.hosts.reduce((a, b) => a + b, 0),
      bytes: buffers.reduce((n, b) => n + b.length, 0),
      messages: buffers.map((value, i) => ({ partition: partitions[i], key: this.#settings.name, value, headers })),
      totals: drain.totals ? { key: this.#settings.name, value: drain.totals, headers } : null,
    });
    if (!this.#sending) this.#sending = this.#send().finally(() => (this.#sending = null));
  }

  /** Sends what waits, all ticks in one request, until nothing does. */
  async #send(): Promise<void> {
    while (this.#waiting.length > 0) {
      const ticks = this.#waiting.splice(0);
      const hosts = ticks.reduce((n, t) => n + t.hosts, 0);
      try {
        await this.#producer.sendBatch({
          acks: 1,
          timeout: this.#settings.timeout_seconds * 1000,
          topicMessages: [
            { topic: this.#settings.aggregates_topic, messages: ticks.flatMap((t) => t.messages) },
            { topic: this.#settings.totals_topic, messages: ticks.flatMap((t) => (t.totals ? [t.totals] : [])) },
          ].filter((t) => t.messages.length > 0),
        });
        this.#published += hosts;
        this.#bytes += ticks.reduce((n, t) => n + t.bytes, 0);
      } catch (err) {
        this.#droppedSendFailed += hosts;
        const now = Date.now();
        if (now - this.#lastErrorLog >= ERROR_LOG_INTERVAL_MS) {
          this.#lastErrorLog = now;
          this.#log.warn(
            { error: (err as Error).message, dropped_total: this.#droppedSendFailed },
            'aggregates not published (counted in floodwatch_cluster_aggregates_dropped_total)',
          );
        }
      }
    }
  }
}

interface WaitingTick {
  hosts: number;
  bytes: number;
  messages: { partition: number; key: string; value: Buffer; headers: Record<string, string> }[];
  /** The tick's totals of the whole traffic, for the totals topic. */
  totals: { key: string; value: Buffer; headers: Record<string, string> } | null;
}
