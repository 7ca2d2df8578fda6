// What each event writes: one document per attack in `attacks`, one per manual ban (a ban with no
// attack behind it) in `bans`. Every write is an update guarded so that it can be repeated (a
// retry) and arrive late (an attempt abandoned by the dispatcher that still lands) without
// writing the document twice or taking it back to an older state:
// - the attack's own fields carry a revision (0 known from a ban only, 1 started, 2 details,
//   3 ended) and a write applies only over the same revision or an older one;
// - the ban is set once the attack has none, and its unbanned_at once, by the first unban.
// A guarded upsert whose guard fails tries to insert a second document with the same _id: the
// server refuses it as a duplicate key, which means that a later write is already there.
import type { Filter, UpdateFilter } from 'mongodb';
import type { AttackRecord, Ban } from '../../attacks/types.js';
import { canonicalAttack } from '../../report/json.js';
import type { EventKind, IntegrationEvent } from '../types.js';

export const ATTACKS = 'attacks';
export const BANS = 'bans';
export type CollectionName = typeof ATTACKS | typeof BANS;

/** The indexes each collection has, created at start. */
export const INDEXES: Record<CollectionName, { key: Record<string, 1 | -1> }[]> = {
  [ATTACKS]: [{ key: { ip: 1 } }, { key: { started_at: -1 } }],
  [BANS]: [{ key: { ip: 1 } }, { key: { banned_at: -1 } }],
};

export interface BanDocument {
  banned_at: Date;
  expires_at: Date;
  /** When floodwatch lifted it; null while it holds. */
  unbanned_at: Date | null;
  manual: boolean;
  comment: string | null;
}

export interface AttackDocument {
  _id: string;
  ip: string;
  direction: AttackRecord['direction'];
  hostgroup: string;
  type: AttackRecord['type'];
  threshold: AttackRecord['threshold'];
  started_at: Date;
  ended_at: Date | null;
  peak: AttackRecord['peak'];
  protocols: AttackRecord['protocols'];
  top_sources: AttackRecord['top_sources'];
  top_source_ports: AttackRecord['top_source_ports'];
  top_destination_ports: AttackRecord['top_destination_ports'];
  top_estimated: boolean;
  /** The fingerprint pcap, relative to floodwatch's state directory. */
  pcap: string | null;
  /** null: the host was not banned for it (a monitor-only hostgroup, a whitelisted host). */
  ban: BanDocument | null;
  revision: number;
  updated_at: Date;
}

/** A ban with no attack behind it: `floodwatch ban`, POST /api/v1/bans. */
export interface ManualBanDocument extends BanDocument {
  /** IP@banned_at: one document per ban, several for a host banned again. */
  _id: string;
  ip: string;
  direction: Ban['direction'];
  hostgroup: string;
  attack_id: string | null;
  updated_at: Date;
}

/** Both collections' documents, as the driver sees them: keyed by a string. */
export interface StringIdDocument {
  _id: string;
  [field: string]: unknown;
}

export interface MongodbWrite {
  collection: CollectionName;
  filter: Filter<StringIdDocument>;
  update: UpdateFilter<StringIdDocument>;
  /** An upsert refused as a duplicate key: a later write is already there, nothing to do. */
  upsert: boolean;
}

const REVISION: Record<EventKind, number> = { ban: 0, unban: 0, attack_started: 1, attack_details: 2, attack_ended: 3 };

/**
 * The writes for one event, in order. `now` is when the event first reached the integration:
 * the time an unban is recorded at.
 */
export function writesFor(event: IntegrationEvent, now: Date): MongodbWrite[] {
  if (event.attack !== null) return attackWrites(event, event.attack, now);
  if (event.ban !== null) return [manualBanWrite(event.kind, event.ban, now)];
  return [];
}

function attackWrites(event: IntegrationEvent, attack: AttackRecord, now: Date): MongodbWrite[] {
  const revision = REVISION[event.kind];
  const record: MongodbWrite = {
    collection: ATTACKS,
    filter: { _id: attack.id, revision: { $lte: revision } },
    update: { $set: { ...attackFields(attack), revision, updated_at: now } },
    upsert: true,
  };
  return [record, banWrite(event, attack.id, now)];
}

function banWrite(event: IntegrationEvent, id: string, now: Date): MongodbWrite {
  const { ban } = event;
  const write = (filter: Filter<StringIdDocument>, value: BanDocument | null): MongodbWrite => ({
    collection: ATTACKS,
    filter: { _id: id, ...filter },
    update: { $set: { ban: value } },
    upsert: false,
  });
  if (ban === null) return write({ ban: { $exists: false } }, null);
  // `ban.unbanned_at: null` also matches a document whose ban is null or not there yet.
  if (event.kind === 'ban') return write({ 'ban.unbanned_at': null }, banFields(ban, null));
  if (event.kind === 'unban') return write({ 'ban.unbanned_at': null }, banFields(ban, now));
  return write({ ban: null }, banFields(ban, null));
}

function manualBanWrite(kind: EventKind, ban: Ban, now: Date): MongodbWrite {
  const document: Omit<ManualBanDocument, '_id'> = {
    ip: ban.ip,
    direction: ban.direction,
    hostgroup: ban.hostgroup,
    attack_id: ban.attack_id,
    ...banFields(ban, kind === 'unban' ? now : null),
    updated_at: now,
  };
  return { collection: BANS, filter: { _id: manualBanId(ban), unbanned_at: null }, update: { $set: document }, upsert: true };
}

export function manualBanId(ban: Ban): string {
  return `${ban.ip}@${ban.banned_at}`;
}

function attackFields(attack: AttackRecord): Omit<AttackDocument, '_id' | 'ban' | 'revision' | 'updated_at'> {
  const a = canonicalAttack(attack);
  return {
    ip: a.ip,
    direction: a.direction,
    hostgroup: a.hostgroup,
    type: a.type,
    threshold: a.threshold,
    started_at: new Date(a.started_at),
    ended_at: a.ended_at === null ? null : new Date(a.ended_at),
    peak: a.peak,
    protocols: a.protocols,
    top_sources: a.top_sources,
    top_source_ports: a.top_source_ports,
    top_destination_ports: a.top_destination_ports,
    top_estimated: a.top_estimated === true,
    pcap: a.pcap,
  };
}

function banFields(ban: Ban, unbannedAt: Date | null): BanDocument {
  return {
    banned_at: new Date(ban.banned_at),
    expires_at: new Date(ban.expires_at),
    unbanned_at: unbannedAt,
    manual: ban.manual,
    comment: ban.comment,
  };
}
