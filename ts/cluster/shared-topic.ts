// A topic of the cluster that every member reads whole: the bans and the attack records (from
// the start), the sensors' totals (from now on). Each member reads it in a consumer group of its
// own, so it sees every message whoever wrote it, and writes its own in order. The topic is
// created, with its one partition and `configEntries`, when it is missing.
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type Consumer, type KafkaMessage, type Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { ClusterSettings } from './config.js';

const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 10_000;

export interface SharedTopicOptions {
  topic: string;
  /** Its configuration when floodwatch creates it. */
  configEntries: { name: string; value: string }[];
  /** What it holds, in the client id, the group and the log: 'bans', 'attacks'. */
  what: string;
  /** Read from the oldest message the topic keeps (else from those written after start()). */
  fromBeginning: boolean;
  /** Every message, in order. */
  onMessage(message: KafkaMessage): void;
}

export class SharedTopic {
  readonly #settings: ClusterSettings;
  readonly #options: SharedTopicOptions;
  readonly #log: Logger;
  readonly #kafka: Kafka;
  readonly #producer: Producer;
  readonly #consumer: Consumer;
  #writes: Promise<void> = Promise.resolve();
  #connected = false;
  #stopping = false;

  constructor(settings: ClusterSettings, options: SharedTopicOptions, log: Logger) {
    this.#settings = settings;
    this.#options = options;
    this.#log = log;
    const timeoutMs = settings.timeout_seconds * 1000;
    this.#kafka = new Kafka({
      clientId: `floodwatch-${options.what}-${settings.name}`,
      brokers: settings.brokers,
      connectionTimeout: timeoutMs,
      requestTimeout: timeoutMs,
      logLevel: logLevel.NOTHING,
      retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 2000 },
    });
    this.#producer = this.#kafka.producer({ allowAutoTopicCreation: false, idempotent: false });
    this.#consumer = this.#kafka.consumer({ groupId: `floodwatch-${options.what}-${settings.name}-${randomBytes(4).toString('hex')}`, maxWaitTimeInMs: 100 });
  }

  get topic(): string {
    return this.#options.topic;
  }

  /** Connects and reads the topic, trying again until it can (or until stop()). */
  async start(): Promise<void> {
    let delay = RETRY_MIN_MS;
    while (!this.#stopping) {
      try {
        await this.#connect();
        return;
      } catch (err) {
        this.#log.warn(
          { brokers: this.#settings.brokers, topic: this.#options.topic, error: (err as Error).message, retry_ms: delay },
          `cannot read the ${this.#options.what} topic yet: ${this.#options.what} are not shared with the other members until it can; trying again`,
        );
        await this.#consumer.disconnect().catch(() => {});
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, RETRY_MAX_MS);
      }
    }
  }

  async #connect(): Promise<void> {
    const admin = this.#kafka.admin();
    await admin.connect();
    try {
      const { topic, configEntries } = this.#options;
      if (!(await admin.listTopics()).includes(topic)) {
        await admin.createTopics({ topics: [{ topic, numPartitions: 1, configEntries }], waitForLeaders: true }).catch((err: { type?: string }) => {
          if (err.type !== 'TOPIC_ALREADY_EXISTS') throw err;
        });
      }
    } finally {
      await admin.disconnect();
    }
    await this.#producer.connect();
    await this.#consumer.connect();
    await this.#consumer.subscribe({ topic: this.#options.topic, fromBeginning: this.#options.fromBeginning });
    await this.#consumer.run({ eachMessage: async ({ message }) => this.#options.onMessage(message) });
    this.#connected = true;
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#writes;
    await this.#consumer.disconnect().catch(() => {});
    await this.#producer.disconnect().catch(() => {});
  }

  get connected(): boolean {
    return this.#connected;
  }

  /**
   * Writes a message after this member's earlier ones, acknowledged by every in-sync replica;
   * resolves once the topic has it. A failure is passed to `failed` (to log) and rejects.
   */
  write(message: { key: string; value: string | null; headers: Record<string, string> }, failed: (err: Error) => void): Promise<void> {
    const written = this.#writes.then(() => this.#producer.send({ topic: this.#options.topic, acks: -1, messages: [message] })).then(() => undefined);
    this.#writes = written.catch(failed);
    return written;
  }
}
