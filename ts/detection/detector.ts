// The detection policy on top of the engine's per-tick check: a host over its threshold
// becomes an attack (recorded, and banned unless whitelisted or its hostgroup does not ban);
// its details (top talkers and ports, type) follow once the engine has watched it for a moment;
// the attack ends when its traffic has stayed under the threshold for a while.
import type { AttackRecord } from '../attacks/types.js';
import type { AttackFollowUp, Detection, Violation } from '../engine/index.js';
import { newAttackId } from './attack-id.js';
import { applySamples, newAttackRecord, recordRate, updatePeak } from './attack-record.js';
import type { PrefixSet } from './prefix-set.js';

export interface DetectionPolicy {
  whitelist: PrefixSet;
  /** Whether a host of this hostgroup is banned when it crosses a threshold. */
  bans(hostgroup: string): boolean;
  /** How long the engine watches an attacked host before the details are reported. */
  detailsAfterMs: number;
  /** The details are reported earlier once this many records were kept. */
  detailsAfterRecords: number;
  /** An attack ends after its host stayed under its thresholds this long. */
  endAfterMs: number;
}

export const DEFAULT_DETECTION_TIMING = { detailsAfterMs: 2000, detailsAfterRecords: 500, endAfterMs: 5000 };

/** What becomes of attacks: recorded and acted on (run), or printed (replay). */
export interface AttackListener {
  /** A new attack; `ban` tells whether the policy bans its host. */
  started(attack: AttackRecord, ban: boolean): void;
  /** Top talkers, ports and the type from the samples are known; `pcap` holds the packets kept, if any. */
  detailed(attack: AttackRecord, pcap: Buffer | null): void;
  /** Peak figures rose. */
  updated(attack: AttackRecord): void;
  ended(attack: AttackRecord): void;
}

/** A violation or an attack under way that could not be handled in a tick; the others were. */
export interface DetectionFailure {
  ip: string;
  direction: string;
  /** What was being done: 'violation' (a new crossing or a peak) or 'follow-up' (details, end). */
  stage: 'violation' | 'follow-up';
  error: unknown;
}

/** Told of each failure; without one, the tick throws its first failure once every host was handled. */
export type DetectionFailureHandler = (failure: DetectionFailure) => void;

interface ActiveAttack {
  record: AttackRecord;
  startedAt: number;
  detailed: boolean;
  underSince: number | null;
}

/** What the detector needs of the engine's `Detection` (live or replayed). */
export type DetectorEngine = Pick<Detection, 'drainViolations' | 'followUp' | 'classify' | 'watch' | 'unwatch' | 'fingerprintPcap'>;

export class Detector {
  readonly #engine: DetectorEngine;
  #policy: DetectionPolicy;
  readonly #listener: AttackListener;
  readonly #now: () => number;
  readonly #active = new Map<string, ActiveAttack>();
  readonly #onFailure: DetectionFailureHandler | null;
  whitelistedSkipped = 0;
  /** Violations and follow-ups that failed; each failed alone, the rest of its tick went on. */
  failures = 0;

  constructor(engine: DetectorEngine, policy: DetectionPolicy, listener: AttackListener, now: () => number = Date.now, onFailure?: DetectionFailureHandler) {
    this.#engine = engine;
    this.#policy = policy;
    this.#listener = listener;
    this.#now = now;
    this.#onFailure = onFailure ?? null;
  }

  /** Runs once per engine tick: one host's failure does not stop the others'. */
  tick(): void {
    const now = this.#now();
    const failures: DetectionFailure[] = [];
    const fail = (ip: string, direction: string, stage: DetectionFailure['stage'], error: unknown) => {
      this.failures++;
      const failure = { ip, direction, stage, error };
      if (this.#onFailure) this.#onFailure(failure);
      else failures.push(failure);
    };
    const guarded = (ip: string, direction: string, stage: DetectionFailure['stage'], fn: () => void) => {
      try {
        fn();
      } catch (error) {
        fail(ip, direction, stage, error);
      }
    };
    for (const violation of this.#engine.drainViolations()) guarded(violation.ip, violation.direction, 'violation', () => this.#onViolation(violation, now));
    const attacks = [...this.#active.values()];
    let followUps: AttackFollowUp[] = [];
    try {
      // One look at the engine for every attack under way: one lock of its core, one tick's figures.
      followUps =
        attacks.length === 0
          ? []
          : this.#engine.followUp(attacks.map(({ record, detailed }) => ({ ip: record.ip, direction: record.direction, details: !detailed })));
    } catch (error) {
      for (const { record } of attacks) fail(record.ip, record.direction, 'follow-up', error);
    }
    followUps.forEach((followUp, i) => {
      const attack = attacks[i]!;
      guarded(attack.record.ip, attack.record.direction, 'follow-up', () => this.#follow(attack, followUp, now));
    });
    if (failures.length > 0) throw failures[0]!.error;
  }

  /** Applies a reloaded policy; attacks under way go on. */
  setPolicy(policy: DetectionPolicy): void {
    this.#policy = policy;
  }

  active(): AttackRecord[] {
    return [...this.#active.values()].map((a) => a.record);
  }

  /**
   * Ends every attack under way now, as floodwatch stops watching (at shutdown): a flood that
   * goes on after a restart is detected again as a new attack. Returns how many were ended.
   */
  endAll(): number {
    const ended = [...this.#active.values()];
    this.#active.clear();
    const at = new Date(this.#now()).toISOString();
    for (const attack of ended) {
      attack.record.ended_at = at;
      this.#listener.ended(attack.record);
    }
    return ended.length;
  }

  #key(ip: string, direction: string): string {
    return `${direction} ${ip}`;
  }

  #onViolation(v: Violation, now: number): void {
    if (this.#policy.whitelist.contains(v.ip)) {
      this.whitelistedSkipped++;
      return;
    }
    const key = this.#key(v.ip, v.direction);
    const known = this.#active.get(key);
    if (known) {
      known.underSince = null;
      if (updatePeak(known.record, v.host)) this.#listener.updated(known.record);
      return;
    }
    const record = newAttackRecord(newAttackId(now), v, this.#engine.classify(v.ip, v.direction), now);
    this.#active.set(key, { record, startedAt: now, detailed: false, underSince: null });
    this.#engine.watch(v.ip);
    this.#listener.started(record, this.#policy.bans(v.group_name));
  }

  #follow(attack: ActiveAttack, followUp: AttackFollowUp, now: number): void {
    const { record } = attack;
    const { host, samples, attackType, over } = followUp;
    if (host) recordRate(record, host, now);
    if (host && updatePeak(record, host)) this.#listener.updated(record);
    if (!attack.detailed) {
      const enough = (samples?.[record.direction].records ?? 0) >= this.#policy.detailsAfterRecords;
      if (enough || now - attack.startedAt >= this.#policy.detailsAfterMs) {
        if (samples && attackType) applySamples(record, samples, record.direction, attackType);
        attack.detailed = true;
        this.#listener.detailed(record, this.#engine.fingerprintPcap(record.ip));
      }
    }
    if (over) {
      attack.underSince = null;
      return;
    }
    attack.underSince ??= now;
    if (attack.detailed && now - attack.underSince >= this.#policy.endAfterMs) {
      record.ended_at = new Date(attack.underSince).toISOString();
      this.#active.delete(this.#key(record.ip, record.direction));
      if (![...this.#active.values()].some((a) => a.record.ip === record.ip)) this.#engine.unwatch(record.ip);
      this.#listener.ended(record);
    }
  }
}
