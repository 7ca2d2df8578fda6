// The cluster's bans in a log-compacted topic, keyed by address: each ban as JSON when it is made
// or taken over, a tombstone when it is lifted. Every member reads the whole topic, so it knows
// every active ban; a detector that is given a dead detector's partitions takes over the bans of
// their hosts with their time and attack (BanManager.adopt): none lost, none made twice, and
// their expiry goes on. A host unbanned anywhere is unbanned wherever it is held.
import type { KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';
import type { Ban } from '../attacks/types.js';
import type { IntegrationEvent } from '../integrations/types.js';
import { banProblems } from '../state/validate.js';
import type { ClusterSettings } from './config.js';
import { SharedTopic } from './shared-topic.js';

export interface LedgerEntry {
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
  readonly #topic: SharedTopic;
  readonly #entries = new Map<string, LedgerEntry>();
  #listener: LedgerListener | null = null;

  constructor(settings: ClusterSettings, log: Logger) {
    this.#settings = settings;
    this.#log = log;
    this.#topic = new SharedTopic(
      settings,
      {
        topic: settings.bans_topic,
        configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
        what: 'bans',
        fromBeginning: true,
        onMessage: (m) => this.#read(m),
      },
      log,
    );
  }

  onLifted(listener: LedgerListener): void {
    this.#listener = listener;
  }

  /** Connects and reads the topic, trying again until it can (or until stop()). */
  start(): Promise<void> {
    return this.#topic.start();
  }

  stop(): Promise<void> {
    return this.#topic.stop();
  }

  get connected(): boolean {
    return this.#topic.connected;
  }

  #read(message: KafkaMessage): void {
    const ip = message.key?.toString();
    if (!ip) return;
    if (message.value === null || message.value.length === 0) {
      const held = this.#entries.get(ip);
      this.#entries.delete(ip);
      const by = message.headers?.by?.toString() ?? 'unknown';
      if (held && by !== this.#settings.name) this.#listener?.lifted(ip, by);
      return;
    }
    // Checked as the bans file is: a ban taken from here is held, saved and announced.
    let problems: string[];
    try {
      const entry = JSON.parse(message.value.toString()) as LedgerEntry;
      problems = typeof entry?.by === 'string' ? banProblems(entry.ban, 0) : ['by: not a member name'];
      if (problems.length === 0 && entry.ban.ip !== ip) problems = [`ip: '${entry.ban.ip}' is not the message's key '${ip}'`];
      if (problems.length === 0) {
        this.#entries.set(ip, entry);
        return;
      }
    } catch {
      problems = ['not JSON'];
    }
    this.#log.warn({ topic: this.#settings.bans_topic, ip, problems }, 'a ban in the bans topic is not one floodwatch writes: ignored');
  }

  /** The active bans the topic holds, with the member that wrote each. */
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
    return this.#topic.write({ key: ban.ip, value, headers: { by } }, (err) =>
      this.#log.error(
        { ip: ban.ip, event: change, topic: this.#settings.bans_topic, error: err.message },
        'the ban could not be written to the bans topic: the member that owns this host, or takes it over, will not know it',
      ),
    );
  }
}
