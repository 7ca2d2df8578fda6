// What the detection policy needs from an engine: the live one (FlowEngine) and the offline
// one (`floodwatch replay`) both provide it.
import type { AttackType } from '../attacks/types.js';
import type { AttackSamples, CompiledThresholds, Crossing, Direction, HostCounters, Violation } from '../engine/types.js';

export interface DetectionEngine {
  setThresholds(thresholds: CompiledThresholds): void;
  /** The hosts that went over a threshold since the last call (each at most once a second). */
  drainViolations(): Violation[];
  host(ip: string): HostCounters | null;
  /** The limit `ip` is over right now in `direction`, by its hostgroup's thresholds. */
  over(ip: string, direction: Direction): Crossing | null;
  /** Starts keeping the flow records and packets to and from `ip`. */
  watch(ip: string): void;
  unwatch(ip: string): void;
  samples(ip: string): AttackSamples | null;
  classify(ip: string, direction: Direction): AttackType;
  /** The hostgroup `ip` belongs to ('global' for none). */
  groupOf(ip: string): string;
  /** The packets kept of a watched host as a pcap file; null when its source gave none. */
  fingerprintPcap(ip: string): Buffer | null;
}
