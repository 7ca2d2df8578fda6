// Attack events as the pushes send them: which hosts are under attack now (their figures are
// pushed beside the top hosts), and each start, classification and end as one point.
import type { AttackRecord } from '../../attacks/types.js';
import type { Direction } from '../../engine/index.js';
import type { IntegrationEvent } from '../types.js';

export type AttackPointKind = 'started' | 'details' | 'ended';

export interface AttackPoint {
  kind: AttackPointKind;
  /** ms since the epoch: when the event reached the push. */
  at: number;
  ip: string;
  direction: Direction;
  hostgroup: string;
  attack: AttackRecord;
}

const POINT_KINDS: Partial<Record<IntegrationEvent['kind'], AttackPointKind>> = {
  attack_started: 'started',
  attack_details: 'details',
  attack_ended: 'ended',
};

/** Points held until the next push; past it the oldest go (counted). */
const MAX_PENDING_POINTS = 10_000;

export const isAttackEvent = (event: IntegrationEvent): boolean => event.attack !== null && event.kind in POINT_KINDS;

export class AttackLog {
  readonly #underAttack = new Map<string, Set<string>>();
  #pending: AttackPoint[] = [];
  /** Points dropped because more than MAX_PENDING_POINTS waited for a push. */
  dropped = 0;

  record(event: IntegrationEvent, now = Date.now()): void {
    const kind = POINT_KINDS[event.kind];
    if (!kind || !event.attack) return;
    const attacks = this.#underAttack.get(event.ip) ?? new Set<string>();
    if (kind === 'ended') attacks.delete(event.attack.id);
    else attacks.add(event.attack.id);
    if (attacks.size > 0) this.#underAttack.set(event.ip, attacks);
    else this.#underAttack.delete(event.ip);
    if (this.#pending.length >= MAX_PENDING_POINTS) {
      this.#pending.shift();
      this.dropped++;
    }
    this.#pending.push({ kind, at: now, ip: event.ip, direction: event.direction, hostgroup: event.hostgroup, attack: event.attack });
  }

  hostsUnderAttack(): string[] {
    return [...this.#underAttack.keys()];
  }

  /** The points since the last call. */
  take(): AttackPoint[] {
    const points = this.#pending;
    this.#pending = [];
    return points;
  }
}
