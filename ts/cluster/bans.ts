// The cluster's bans in a log-compacted topic, keyed by address: each ban as JSON when it is made
// or taken over, a tombstone when it is lifted. Every member reads the whole topic, so it knows
// every active ban; a detector that is given a dead detector's partitions takes over the bans of
// their hosts with their time and attack (BanManager.adopt): none lost, none made twice, and
// their expiry goes on. A host unbanned anywhere is unbanned wherever it is held.
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { Ban } from '../attacks/types.js';
import type { IntegrationEvent } from '../integrations/types.js';
import type { ClusterSettings } from './config.js';

const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 10_000;

interface LedgerEntry {
  ban: Ban;
  /** The member that wrote it. */
  by: string;
}

export interface LedgerListener {
  /** A ban was lifted by another member. */
  lifted(ip: string, by: string): void;
}

export class BanLedger {
  readonly #settings: ClusterSettings;
  readonly #log: Logger;
  readonly #kafka: Kafka;
  readonly #producer: Producer;
  readonly #consumer: Consumer;
  readonly #entries = new Map<string, LedgerEntry>();
  #writes: Promise<void> = Promise.resolve();
  #connected = false;
  #listener: LedgerListener | null = null;
  #stopping = false;

  constructor(settings: ClusterSettings, log: Logger) {
    this.#settings = settings;
    this.#log = log;
    const timeoutMs = settings.timeout_seconds * 1000;
    this.#kafka = new Kafka({
      clientId: `floodwatch-bans-${settings.name}`,
      brokers: settings.brokers,
      connectionTimeout: timeoutMs,
      requestTimeout: timeoutMs,
      logLevel: logLevel.NOTHING,
      retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 2000 },
    });
    this.#producer = this.#kafka.producer({ allowAutoTopicCreation: false, idempotent: false });
    // A group of its own: every member reads every partition, from the start.
    this.#consumer = this.#kafka.consumer({ groupId: `floodwatch-bans-${settings.name}-${randomBytes(4).toString('hex')}`, maxWaitTimeInMs: 100 });
  }

  onLifted(listener: LedgerListener): void {
    this.#listener = listener;
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
          { brokers: this.#settings.brokers, topic: this.#settings.bans_topic, error: (err as Error).message, retry_ms: delay },
          'cannot read the bans topic yet: bans are not shared with the other members until it can; trying again',
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
      const topic = this.#settings.bans_topic;
      if (!(await admin.listTopics()).includes(topic)) {
        await admin
          .createTopics({ topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }], waitForLeaders: true })
          .catch((err: { type?: string }) => {
            if (err.type !== 'TOPIC_ALREADY_EXISTS') throw err;
          });
      }
    } finally {
      await admin.disconnect();
    }
    await this.#producer.connect();
    await this.#consumer.connect();
    await this.#consumer.subscribe({ topic: this.#settings.bans_topic, fromBeginning: true });
    await this.#consumer.run({
      eachMessage: async ({ message }) => {
        const ip = message.key?.toString();
        if (!ip) return;
        if (message.value === null || message.value.length === 0) {
          const held = this.#entries.get(ip);
          this.#entries.delete(ip);
          const by = message.headers?.by?.toString() ?? 'unknown';
          if (held && by !== this.#settings.name) this.#listener?.lifted(ip, by);
          return;
        }
        try {
          this.#entries.set(ip, JSON.parse(message.value.toString()) as LedgerEntry);
        } catch {
          this.#log.warn({ topic: this.#settings.bans_topic, ip }, 'a ban in the bans topic is not JSON: ignored');
        }
      },
    });
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

  /** The active bans the topic holds. */
  entries(): LedgerEntry[] {
    return [...this.#entries.values()];
  }

  /** Writes a ban or unban of this member, in order. */
  record(event: IntegrationEvent): void {
    if ((event.kind !== 'ban' && event.kind !== 'unban') || !event.ban) return;
    void this.#write(event.ban, event.kind).catch(() => {});
  }

  /** Writes the new time of a ban of this member that was extended. */
  extended(ban: Ban): void {
    void this.#write(ban, 'extension').catch(() => {});
  }

  /** The active ban of `ip` the topic holds. */
  held(ip: string): Ban | undefined {
    return this.#entries.get(ip)?.ban;
  }

  /** Writes a ban or unban made here for the member that owns the host; resolves once the topic has it. */
  send(ban: Ban, kind: 'ban' | 'unban'): Promise<void> {
    return this.#write(ban, kind);
  }

  /** Resolves once the topic has the change, rejects (after logging) when it cannot be written. */
  #write(ban: Ban, change: 'ban' | 'unban' | 'extension'): Promise<void> {
    const by = this.#settings.name;
    const entry: LedgerEntry = { ban: { ...ban }, by };
    const value = change === 'unban' ? null : JSON.stringify(entry);
    // At once in this member's view: a ban just lifted here must not look active until the topic says so.
    if (change === 'unban') this.#entries.delete(ban.ip);
    else this.#entries.set(ban.ip, entry);
    const written = this.#writes
      .then(() => this.#producer.send({ topic: this.#settings.bans_topic, acks: -1, messages: [{ key: ban.ip, value, headers: { by } }] }))
      .then(() => undefined);
    this.#writes = written.catch((err: Error) =>
      this.#log.error(
        { ip: ban.ip, event: change, topic: this.#settings.bans_topic, error: err.message },
        'the ban could not be written to the bans topic: the member that owns this host, or takes it over, will not know it',
      ),
    );
    return written;
  }
}
