// The detection side of a native engine (live or replayed), typed.
import type { AttackType } from '../attacks/types.js';
import type { DetectionEngine } from '../detection/engine.js';
import type { NativeDetection } from './native.js';
import type { AttackSamples, CompiledThresholds, Crossing, Direction, HostCounters, Violation } from './types.js';

export class EngineDetection implements DetectionEngine {
  readonly #native: NativeDetection;

  constructor(native: NativeDetection) {
    this.#native = native;
  }

  setThresholds(thresholds: CompiledThresholds): void {
    this.#native.setThresholds(thresholds);
  }

  drainViolations(): Violation[] {
    return this.#native.drainViolations() as Violation[];
  }

  host(ip: string): HostCounters | null {
    return this.#native.host(ip) as HostCounters | null;
  }

  over(ip: string, direction: Direction): Crossing | null {
    return this.#native.over(ip, direction) as Crossing | null;
  }

  watch(ip: string): void {
    this.#native.watch(ip);
  }

  unwatch(ip: string): void {
    this.#native.unwatch(ip);
  }

  samples(ip: string): AttackSamples | null {
    return this.#native.samples(ip) as AttackSamples | null;
  }

  classify(ip: string, direction: Direction): AttackType {
    return this.#native.classify(ip, direction) as AttackType;
  }

  groupOf(ip: string): string {
    return this.#native.groupOf(ip);
  }

  fingerprintPcap(ip: string): Buffer | null {
    return this.#native.fingerprintPcap(ip);
  }
}
