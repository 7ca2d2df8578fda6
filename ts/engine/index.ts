// The TypeScript face of the Rust engine: typed calls, nothing per packet.
import { loadNative, type NativeEngine } from './native.js';
import type { AttackType } from '../attacks/types.js';
import type { DetectionEngine } from '../detection/engine.js';
import type {
  AttackSamples,
  CompiledThresholds,
  Crossing,
  Direction,
  EngineConfig,
  HostCounters,
  Metric,
  Snapshot,
  Sources,
  Violation,
} from './types.js';

export type * from './types.js';

export class FlowEngine implements DetectionEngine {
  readonly #native: NativeEngine;

  constructor(config: EngineConfig) {
    const { Engine } = loadNative();
    this.#native = new Engine(config);
  }

  /** Opens the listeners; returns the addresses bound (port 0 becomes the real port). */
  start(): string[] {
    return this.#native.start();
  }

  stop(): void {
    this.#native.stop();
  }

  get running(): boolean {
    return this.#native.running;
  }

  snapshot(limit = 10): Snapshot {
    return this.#native.snapshot(limit) as Snapshot;
  }

  host(ip: string): HostCounters | null {
    return this.#native.host(ip) as HostCounters | null;
  }

  top(direction: Direction, metric: Metric, limit = 20): HostCounters[] {
    return this.#native.top(direction, metric, limit) as HostCounters[];
  }

  sources(): Sources {
    return this.#native.sources() as Sources;
  }

  setThresholds(thresholds: CompiledThresholds): void {
    this.#native.setThresholds(thresholds);
  }

  drainViolations(): Violation[] {
    return this.#native.drainViolations() as Violation[];
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
}
