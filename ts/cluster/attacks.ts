// The cluster's attack records, so that any member's REST API lists every member's attacks. Each
// member writes its records, as JSON under "member/attack id", when an attack starts, is detailed
// and ends; the topic keeps the last version of each (compacted) for
// cluster.attacks_retention_days (compact,delete). Every member reads it whole and keeps the
// newest ATTACKS_KEPT in memory. The captures stay in the state directory of the member that
// recorded them.
import type { KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';
import type { AttackRecord } from '../attacks/types.js';
import type { IntegrationEvent } from '../integrations/types.js';
import { attackProblems } from '../state/validate.js';
import type { ClusterSettings } from './config.js';
import { SharedTopic } from './shared-topic.js';

/** As many as GET /api/v1/attacks lists at most. */
export const ATTACKS_KEPT = 1000;

export interface RecordedAttack {
  attack: AttackRecord;
  /** The member that recorded it. */
  by: string;
}

export class AttackLedger {
  readonly #settings: ClusterSettings;
  readonly #log: Logger;
  readonly #topic: SharedTopic;
  /** By topic key; ids are unique within a member only. */
  readonly #entries = new Map<string, RecordedAttack>();

  constructor(settings: ClusterSettings, log: Logger) {
    this.#settings = settings;
    this.#log = log;
    const retentionMs = settings.attacks_retention_days * 24 * 3600 * 1000;
    this.#topic = new SharedTopic(
      settings,
      {
        topic: settings.attacks_topic,
        configEntries: [
          { name: 'cleanup.policy', value: 'compact,delete' },
          { name: 'retention.ms', value: String(retentionMs) },
        ],
        what: 'attacks',
        fromBeginning: true,
        onMessage: (m) => this.#read(m),
      },
      log,
    );
  }

  start(): Promise<void> {
    return this.#topic.start();
  }

  stop(): Promise<void> {
    return this.#topic.stop();
  }

  #read(message: KafkaMessage): void {
    const key = message.key?.toString();
    if (!key || !message.value || message.value.length === 0) return;
    // Checked as the state directory's records are: the REST API serves them as they are.
    let problems: string[];
    try {
      const entry = JSON.parse(message.value.toString()) as RecordedAttack;
      problems = typeof entry?.by === 'string' ? attackProblems(entry.attack) : ['by: not a member name'];
      if (problems.length === 0) {
        this.#keep(key, entry);
        return;
      }
    } catch {
      problems = ['not JSON'];
    }
    this.#log.warn({ topic: this.#settings.attacks_topic, key, problems }, 'an attack record in the attacks topic is not one floodwatch writes: ignored');
  }

  /** Keeps the entry, then the newest ATTACKS_KEPT (ids sort by start time). */
  #keep(key: string, entry: RecordedAttack): void {
    this.#entries.set(key, entry);
    if (this.#entries.size <= ATTACKS_KEPT) return;
    let oldest: [string, RecordedAttack] | null = null;
    for (const item of this.#entries) if (!oldest || item[1].attack.id < oldest[1].attack.id) oldest = item;
    this.#entries.delete(oldest![0]);
  }

  /** The newest attack records of every member, this one's included, newest first. */
  entries(): RecordedAttack[] {
    return [...this.#entries.values()].sort((a, b) => (a.attack.id < b.attack.id ? 1 : a.attack.id > b.attack.id ? -1 : 0));
  }

  /** Writes an attack record of this member as it starts, is detailed and ends. */
  record(event: IntegrationEvent): void {
    if (!event.attack || (event.kind !== 'attack_started' && event.kind !== 'attack_details' && event.kind !== 'attack_ended')) return;
    const by = this.#settings.name;
    const entry: RecordedAttack = { attack: event.attack, by };
    const key = `${by}/${event.attack.id}`;
    this.#keep(key, entry);
    void this.#topic
      .write({ key, value: JSON.stringify(entry), headers: { by } }, (err) =>
        this.#log.error(
          { attack_id: event.attack!.id, event: event.kind, topic: this.#settings.attacks_topic, error: err.message },
          "the attack record could not be written to the attacks topic: the other members' REST APIs do not list this version of it",
        ),
      )
      .catch(() => {});
  }
}
