// An engine for the Detector whose violations and host figures the test writes, for faults the real engine
// cannot be made to produce on purpose (a count that reaches TypeScript as a bigint, a host whose
// follow-up throws, a follow-up call that fails).
import type { AttackType } from '../../ts/attacks/types.js';
import { PROTOCOL_CLASSES } from '../../ts/config/schema.js';
import type { DetectorEngine } from '../../ts/detection/detector.js';
import type { AttackFollowUp, DirectionCounters, FollowUpRequest, Violation } from '../../ts/engine/index.js';

export function counters(pps: number | bigint, bps: number | bigint = 0): DirectionCounters {
  const rate = { pps, bps, packets_total: pps, bytes_total: bps } as unknown as DirectionCounters['protocols']['udp'];
  return {
    ...rate,
    flows: 1,
    flows_total: 1,
    protocols: Object.fromEntries(
      PROTOCOL_CLASSES.map((p) => [p, p === 'udp' ? rate : { pps: 0, bps: 0, packets_total: 0, bytes_total: 0 }]),
    ) as unknown as DirectionCounters['protocols'],
    approximate: false,
  };
}

export function violation(ip: string, pps: number | bigint, bps: number | bigint = 0): Violation {
  return {
    ip,
    group: 0,
    group_name: 'global',
    direction: 'incoming',
    metric: 'pps',
    threshold: 1000,
    observed: pps as number,
    host: { ip, incoming: counters(pps, bps), outgoing: counters(0), last_seen_ms: 0 },
  };
}

export class ScriptedEngine implements DetectorEngine {
  /** What the next drainViolations() returns. */
  pending: Violation[] = [];
  /** Hosts over their threshold now. */
  readonly over_ = new Set<string>();
  /** Hosts whose follow-up throws when read, as a damaged view would. */
  readonly broken = new Set<string>();
  /** Whether followUp() itself throws. */
  followUpFails = false;
  readonly watched = new Set<string>();

  drainViolations(): Violation[] {
    return this.pending.splice(0);
  }

  followUp(attacks: FollowUpRequest[]): AttackFollowUp[] {
    if (this.followUpFails) throw new Error('the engine refused the follow-up');
    return attacks.map(({ ip, direction }) =>
      this.broken.has(ip)
        ? damaged(ip)
        : {
            host: null,
            samples: null,
            attackType: null,
            over: this.over_.has(`${direction} ${ip}`) ? { metric: 'pps', threshold: 1000, observed: 2000 } : null,
          },
    );
  }

  watch(ip: string): void {
    this.watched.add(ip);
  }

  unwatch(ip: string): void {
    this.watched.delete(ip);
  }

  classify(): AttackType {
    return 'udp_flood';
  }

  fingerprintPcap(): Buffer | null {
    return null;
  }
}

/** A follow-up whose every figure throws when read. */
function damaged(ip: string): AttackFollowUp {
  const fail = (): never => {
    throw new Error(`the engine's view of ${ip} is damaged`);
  };
  return {
    get host() {
      return fail();
    },
    get samples() {
      return fail();
    },
    get attackType() {
      return fail();
    },
    get over() {
      return fail();
    },
  };
}
