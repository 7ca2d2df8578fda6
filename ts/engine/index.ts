// The TypeScript face of the Rust engine: typed calls, nothing per packet.
import { loadNative, type NativeEngine } from './native.js';
import type { Direction, EngineConfig, HostCounters, Metric, Snapshot, Sources } from './types.js';

export type * from './types.js';

export class FlowEngine {
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
}
