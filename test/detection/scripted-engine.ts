// An engine for the Detector whose violations and host figures the test writes, for faults the real engine
// cannot be made to produce on purpose (a count that reaches TypeScript as a bigint, a host whose
// lookup throws).
import type { AttackType } from '../../ts/attacks/types.js';
import { PROTOCOL_CLASSES } from '../../ts/config/schema.js';
import type { DetectorEngine } from '../../ts/detection/detector.js';
import type { AttackSamples, Crossing, Direction, DirectionCounters, HostCounters, Violation } from '../../ts/engine/index.js';

export function counters(pps: number | bigint, bps: number | bigint = 0): DirectionCounters {
  const rate = { pps, bps, packets_total: pps, bytes_total: bps } as unknown as DirectionCounters['protocols']['udp'];
  return {
    ...rate,
    flows: 1,
    flows_total: 1,
    protocols: Object.fromEntries(PROTOCOL_CLASSES.map((p) => [p, p === 'udp' ? rate : { pps: 0, bps: 0, packets_total: 0, bytes_total: 0 }])) as unknown as DirectionCounters['protocols'],
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
  /** Hosts whose lookups throw, as a damaged view would. */
  readonly broken = new Set<string>();
  readonly watched = new Set<string>();

  drainViolations(): Violation[] {
    return this.pending.splice(0);
  }

  host(ip: string): HostCounters | null {
    this.#check(ip);
    return null;
  }

  over(ip: string, direction: Direction): Crossing | null {
    this.#check(ip);
    return this.over_.has(`${direction} ${ip}`) ? { metric: 'pps', threshold: 1000, observed: 2000 } : null;
  }

  watch(ip: string): void {
    this.watched.add(ip);
  }

  unwatch(ip: string): void {
    this.watched.delete(ip);
  }

  samples(ip: string): AttackSamples | null {
    this.#check(ip);
    return null;
  }

  classify(): AttackType {
    return 'udp_flood';
  }

  fingerprintPcap(): Buffer | null {
    return null;
  }

  #check(ip: string): void {
    if (this.broken.has(ip)) throw new Error(`the engine's view of ${ip} is damaged`);
  }
}
