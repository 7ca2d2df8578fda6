// The TypeScript face of the Rust engine: typed calls, nothing per packet.
import { EngineDetection } from './detection.js';
import { loadNative, type NativeEngine, type NativeReplay } from './native.js';
import type { Breakdown, BreakdownRequest, Direction, EngineConfig, ExportDrain, HostCounters, Metric, MirrorState, Snapshot, Sources } from './types.js';

export type * from './types.js';
export { EngineDetection } from './detection.js';

export class FlowEngine {
  readonly #native: NativeEngine;
  /** Thresholds, violations and watched hosts. */
  readonly detection: EngineDetection;

  constructor(config: EngineConfig) {
    const { Engine } = loadNative();
    this.#native = new Engine(config);
    this.detection = new EngineDetection(this.#native.detection());
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

  top(direction: Direction, metric: Metric | string, limit = 20): HostCounters[] {
    return this.#native.top(direction, metric, limit) as HostCounters[];
  }

  /**
   * Traffic summed by group of hosts (hostgroups, networks) and the busiest hosts, in one pass
   * over the host table, run off the JavaScript thread.
   */
  breakdown(request: BreakdownRequest): Promise<Breakdown> {
    return this.#native.breakdown(request) as Promise<Breakdown>;
  }

  sources(): Sources {
    return this.#native.sources() as Sources;
  }

  /** The mirror sources alone: cheap enough to read every second. */
  mirrors(): MirrorState[] {
    return this.#native.mirrors() as MirrorState[];
  }

  /**
   * Up to `maxBatches` batches of exported records (config `export`) as Kafka record batches for a
   * topic of `partitions` partitions, packed off this thread; with the export's counts.
   */
  async takeExport(maxBatches: number, partitions: number, gzip: boolean): Promise<ExportDrain> {
    return (await this.#native.takeExport(maxBatches, partitions, gzip)) as ExportDrain;
  }

  /** Scale-out sensor: from now on keeps each tick's host aggregates for `takeAggregates`, split over `partitions`. */
  publishAggregates(partitions: number, maxBytes: number): void {
    this.#native.publishAggregates(partitions, maxBytes);
  }

  /** Scale-out sensor: the host aggregates since the last call, one buffer per partition. */
  takeAggregates(): AggregatesDrain {
    return this.#native.takeAggregates();
  }

  /** Scale-out detector: adds a sensor's buffer to the counters; returns its host entries; throws on a malformed one. */
  mergeAggregates(buffer: Buffer): number {
    return this.#native.mergeAggregates(buffer);
  }
}

/** What `takeAggregates` returns (native/src/cluster.rs). */
export interface AggregatesDrain {
  buffers: Buffer[];
  partitions: number[];
  hosts: number[];
  droppedBatches: number;
  droppedHosts: number;
}

/** A capture file replayed through the engine at full speed, its timestamps as the clock. */
export class ReplayEngine {
  readonly #native: NativeReplay;
  readonly detection: EngineDetection;

  constructor(path: string, config: EngineConfig, options: { samplingRate?: number; decapsulate?: boolean } = {}) {
    const { Replay } = loadNative();
    this.#native = new Replay(path, config, options.samplingRate ?? 1, options.decapsulate ?? false);
    this.detection = new EngineDetection(this.#native.detection());
  }

  /** Reads up to the next tick of file time; null once the file is done. */
  step(): { timeMs: number; last: boolean } | null {
    return this.#native.step();
  }

  get packets(): number {
    return this.#native.packets;
  }

  get unparsed(): number {
    return this.#native.unparsed;
  }

  get truncated(): boolean {
    return this.#native.truncated;
  }
}
