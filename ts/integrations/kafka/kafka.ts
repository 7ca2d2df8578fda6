// The Kafka integration at run time: a loop that takes the engine's record batches (packed in
// Rust off this thread) and sends them in one Produce request per leader (see produceRequests), a few in flight, never one
// message at a time (produce.ts); and the attack events, one message each, through run(), with a
// kafkajs producer.
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { CompressionTypes, Kafka, logLevel, type Producer, type SASLOptions } from 'kafkajs';
import type { Logger } from 'pino';
import type { FlowEngine } from '../../engine/index.js';
import type { Integration, IntegrationDeps, IntegrationEvent, MetricSample } from '../types.js';
import { ACKS, type KafkaConfig } from './config.js';
import { KafkaMetrics } from './metrics.js';
import { BatchProducer, produceRequests, type PartitionBatch } from './produce.js';

/** A record batch taken from the engine, with its records. */
interface Produced extends PartitionBatch {
  records: number;
}

/** How often an idle loop looks for batches: a worker hands its batch over every tick. */
const IDLE_POLL_MS = 20;
/** Engine batches packed into record batches at the same time (libuv's pool has 4 threads). */
const PACKERS = 2;
/**
 * Worker batches (256 KiB of records each) taken per Produce request there is room for: enough
 * for record batches of up to 1 MB compressed, one per partition. A broker costs about the same
 * per request whatever it holds, so few large ones are what it takes a million records a second of.
 */
const WORKER_BATCHES_PER_REQUEST = 8;
const RECONNECT_MIN_MS = 500;
/** The brokers' answers to a record batch over their limit. */
const BATCH_TOO_LARGE = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE']);
const RECONNECT_MAX_MS = 10_000;
/** A failure of the traffic export is logged at most this often, with the count since. */
const ERROR_LOG_INTERVAL_MS = 30_000;

export class KafkaIntegration implements Integration {
  readonly name = 'kafka';
  readonly metrics = new KafkaMetrics();
  readonly attemptTimeoutMs: number;
  /** Events are a record: they wait (within the dispatcher's queue bound) until the brokers are back. */
  readonly retry = { attempts: Infinity, maxDelayMs: 10_000 };
  readonly #config: KafkaConfig;
  readonly #log: Logger;
  readonly #engine: FlowEngine | null;
  readonly #producer: Producer;
  readonly #traffic: BatchProducer;
  readonly #acks: number;
  readonly #compression: CompressionTypes;
  #stopping = false;
  #connecting: Promise<void> | null = null;
  #loop: Promise<void> | null = null;
  #inFlight = new Set<Promise<void>>();
  #failuresSinceLog = 0;
  #lastFailureLog = 0;

  constructor(config: KafkaConfig, deps: Pick<IntegrationDeps, 'log' | 'engine'>) {
    this.#config = config;
    this.#log = deps.log.child({ integration: 'kafka' });
    this.#engine = deps.engine;
    this.#acks = ACKS[config.acks];
    // kafkajs's producer has gzip alone built in: the events (a few small messages) take it
    // whichever codec the traffic topic's record batches (packed by the engine) use.
    this.#compression = config.compression === 'none' ? CompressionTypes.None : CompressionTypes.GZIP;
    const timeoutMs = config.timeout_seconds * 1000;
    this.attemptTimeoutMs = timeoutMs * 2;
    const connection = {
      clientId: config.client_id,
      brokers: config.brokers,
      ssl: config.tls.enabled ? (config.tls.ca_file ? { ca: [readFileSync(config.tls.ca_file, 'utf8')] } : true) : false,
      sasl: config.sasl ? ({ mechanism: config.sasl.mechanism, username: config.sasl.username, password: config.sasl.password } as SASLOptions) : undefined,
    };
    this.#traffic = new BatchProducer(connection, config.traffic_topic, this.#acks, timeoutMs, config.compression);
    const kafka = new Kafka({
      ...connection,
      connectionTimeout: timeoutMs,
      requestTimeout: timeoutMs,
      // Failures are counted and logged here, once in a while; kafkajs would log every retry.
      logLevel: logLevel.NOTHING,
      retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 },
    });
    this.#producer = kafka.producer({ allowAutoTopicCreation: true, retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 } });
    this.#producer.on(this.#producer.events.DISCONNECT, () => {
      this.metrics.connected = false;
    });
  }

  accepts(_event: IntegrationEvent): boolean {
    return this.#config.events_topic !== '';
  }

  async run(event: IntegrationEvent): Promise<void> {
    await this.#connected();
    try {
      await this.#producer.send({
        topic: this.#config.events_topic,
        acks: this.#acks,
        compression: this.#compression,
        timeout: this.#config.timeout_seconds * 1000,
        messages: [{ key: event.ip, value: JSON.stringify(eventMessage(event)) }],
      });
    } catch (err) {
      this.metrics.eventErrors++;
      throw new Error(
        `kafka: cannot write the ${event.kind} event of ${event.ip} to topic ${this.#config.events_topic} at ${this.#config.brokers.join(', ')}: ${(err as Error).message}`,
        { cause: err },
      );
    }
    this.metrics.events.set(event.kind, (this.metrics.events.get(event.kind) ?? 0) + 1);
  }

  start(): void {
    if (this.#config.events_topic !== '') void this.#connected().catch(() => {});
    if (this.#engine && this.#config.traffic_topic !== '') this.#loop = this.#exportLoop(this.#engine);
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#loop;
    await Promise.allSettled([...this.#inFlight]);
    await this.#producer.disconnect().catch(() => {});
    await this.#traffic.disconnect().catch(() => {});
    this.metrics.connected = false;
  }

  metricValues(): Record<string, MetricSample[]> {
    return this.metrics.values();
  }

  /** Connects once; concurrent callers share the attempt; rejects with the reason. */
  #connected(): Promise<void> {
    if (this.metrics.connected) return Promise.resolve();
    this.#connecting ??= this.#producer
      .connect()
      .then(() => {
        this.metrics.connected = true;
        this.#log.info({ brokers: this.#config.brokers }, 'kafka: connected');
      })
      .catch((err: Error) => {
        throw new Error(`kafka: cannot connect to ${this.#config.brokers.join(', ')}: ${err.message}`);
      })
      .finally(() => {
        this.#connecting = null;
      });
    return this.#connecting;
  }

  async #exportLoop(engine: FlowEngine): Promise<void> {
    const compression = this.#config.compression;
    let backoff = RECONNECT_MIN_MS;
    while (!this.#stopping) {
      if (this.#traffic.partitions === 0) {
        // Meanwhile the engine's queue holds what it can, then drops and counts.
        this.#takeCounts(await engine.takeExport(0, 1, compression, this.#config.max_batch_bytes));
        try {
          await this.#traffic.connect();
          this.metrics.connected = true;
          this.#log.info(
            { brokers: this.#config.brokers, topic: this.#config.traffic_topic, partitions: this.#traffic.partitions },
            'kafka: exporting traffic',
          );
          backoff = RECONNECT_MIN_MS;
        } catch (err) {
          this.#failure(err as Error);
          await sleep(backoff);
          backoff = Math.min(backoff * 2, RECONNECT_MAX_MS);
        }
        continue;
      }
      const room = this.#config.max_in_flight - this.#inFlight.size;
      // Packed (compressed) on PACKERS threads of libuv's pool at once.
      const share = Math.ceil(room / PACKERS) * WORKER_BATCHES_PER_REQUEST;
      const drains = await Promise.all(
        Array.from({ length: PACKERS }, () => engine.takeExport(share, this.#traffic.partitions, compression, this.#config.max_batch_bytes)),
      );
      const taken: Produced[] = [];
      for (const drain of drains) {
        this.#takeCounts(drain);
        drain.batches.forEach((batch, i) => taken.push({ partition: drain.partitions[i], batch, records: drain.records[i] }));
      }
      for (const request of produceRequests(taken, (partition) => this.#traffic.leader(partition))) this.#produce(request);
      if (this.#inFlight.size >= this.#config.max_in_flight) await Promise.race(this.#inFlight);
      else if (taken.length === 0) await sleep(IDLE_POLL_MS);
    }
    this.#takeCounts(await engine.takeExport(0, 1, compression, this.#config.max_batch_bytes));
  }

  #takeCounts(drain: Awaited<ReturnType<FlowEngine['takeExport']>>): void {
    this.metrics.droppedQueueFull = drain.droppedRecords;
    this.metrics.queueBatches = drain.waiting;
  }

  #produce(batches: Produced[]): void {
    const records = batches.reduce((n, b) => n + b.records, 0);
    const bytes = batches.reduce((n, b) => n + b.batch.length, 0);
    const sent = this.#traffic
      .send(batches)
      .then(
        () => {
          this.metrics.exported += records;
          this.metrics.bytes += bytes;
          this.metrics.batches += batches.length;
        },
        (err: Error) => {
          this.metrics.trafficErrors++;
          this.metrics.droppedSendFailed += records;
          this.#failure(err);
        },
      )
      .finally(() => this.#inFlight.delete(sent));
    this.#inFlight.add(sent);
  }

  #failure(err: Error): void {
    this.#failuresSinceLog++;
    const now = Date.now();
    if (now - this.#lastFailureLog < ERROR_LOG_INTERVAL_MS) return;
    const tooLarge = BATCH_TOO_LARGE.has((err as { type?: string }).type ?? '');
    this.#log.warn(
      {
        brokers: this.#config.brokers,
        topic: this.#config.traffic_topic,
        failures: this.#failuresSinceLog,
        err: err.message,
        ...(tooLarge && {
          fix: `the brokers refuse record batches of up to ${this.#config.max_batch_bytes} bytes: set actions.kafka.max_batch_bytes under the topic's max.message.bytes (the brokers' message.max.bytes by default)`,
        }),
      },
      'kafka: traffic export failing; records are dropped and counted (floodwatch_kafka_records_dropped_total) until the brokers answer',
    );
    this.#lastFailureLog = now;
    this.#failuresSinceLog = 0;
  }
}

/** An event as its JSON message: the event's facts, the attack and the ban as the API shows them. */
export function eventMessage(event: IntegrationEvent): Record<string, unknown> {
  return {
    event: event.kind,
    at: event.at,
    ip: event.ip,
    direction: event.direction,
    hostgroup: event.hostgroup,
    attack: event.attack,
    ban: event.ban,
  };
}
