// What `floodwatch run` does with the attacks the detector finds: bans the host first, then
// records the attack in the state directory, and tells the integrations of each attack's start,
// details and end, banned or not (a monitor-only hostgroup's attacks too). A state directory that fails (full, read-only, out
// of descriptors) stops neither: the store logs it and holds the records until it recovers.
// An address that is no single host (broadcast, multicast...) is never banned from here.
import type { Logger } from 'pino';
import type { AttackRecord } from '../attacks/types.js';
import type { BanManager, EventSink } from '../bans/manager.js';
import type { EventKind } from '../integrations/types.js';
import { notAHost } from '../bans/unbannable.js';
import type { StateStore } from '../state/store.js';
import type { AttackListener } from './detector.js';

export interface RecordingListenerOptions {
  store: StateStore;
  bans: BanManager;
  /** Where the attack events go (the ban events go there from the BanManager). */
  events: EventSink;
  log: Logger;
  banTimeSeconds(): number;
  /** The record on disk follows the peak at most this often. */
  peakSaveIntervalMs?: number;
  now?: () => number;
}

export function recordingListener(options: RecordingListenerOptions): AttackListener {
  const { store, bans, log, events } = options;
  const now = options.now ?? Date.now;
  const timeOf = (kind: EventKind, attack: AttackRecord) =>
    kind === 'attack_started' ? attack.started_at : kind === 'attack_ended' && attack.ended_at ? attack.ended_at : new Date(now()).toISOString();
  const tell = (kind: EventKind, attack: AttackRecord) =>
    events.dispatch({
      kind,
      ip: attack.ip,
      direction: attack.direction,
      hostgroup: attack.hostgroup,
      attack: structuredClone(attack),
      ban: bans.banFor(attack),
      at: timeOf(kind, attack),
    });
  const interval = options.peakSaveIntervalMs ?? 5000;
  const savedAt = new Map<string, number>();
  return {
    started: (attack: AttackRecord, ban: boolean) => {
      log.warn(
        { ip: attack.ip, direction: attack.direction, type: attack.type, threshold: attack.threshold, hostgroup: attack.hostgroup, attack_id: attack.id },
        'attack detected',
      );
      tell('attack_started', attack);
      const notHost = ban ? notAHost(attack.ip) : null;
      if (notHost) {
        log.warn(
          { ip: attack.ip, attack_id: attack.id },
          `attack not banned: ${attack.ip} is ${notHost}, not one host; ban it through the API with force: true if need be`,
        );
      } else if (ban) {
        bans.ban({
          ip: attack.ip,
          direction: attack.direction,
          hostgroup: attack.hostgroup,
          attack,
          ttlSeconds: options.banTimeSeconds(),
          manual: false,
          comment: null,
        });
      }
      store.keepAttack(attack);
    },
    detailed: (attack, pcap) => {
      if (pcap) {
        try {
          attack.pcap = store.saveAttackPcap(attack.id, pcap);
        } catch (err) {
          log.error({ attack_id: attack.id, error: (err as Error).message }, "the attack's capture could not be saved; its record is kept without it");
        }
      }
      store.keepAttack(attack);
      tell('attack_details', attack);
    },
    updated: (attack) => {
      const t = now();
      if (t - (savedAt.get(attack.id) ?? 0) >= interval) {
        savedAt.set(attack.id, t);
        store.keepAttack(attack);
      }
    },
    ended: (attack) => {
      savedAt.delete(attack.id);
      store.keepAttack(attack);
      log.info({ ip: attack.ip, direction: attack.direction, attack_id: attack.id, peak: attack.peak }, 'attack ended');
      tell('attack_ended', attack);
    },
  };
}
