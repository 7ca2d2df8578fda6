// The TypeScript face of the Rust engine: the native classes, loaded on first use. The engine's
// types are generated from native/src into native/index.d.cts and re-exported here.
import type { Detection, Engine, EngineConfig, Replay, ProtocolRates } from '../../native/index.cjs';
import { loadNative } from './native.js';

export type * from '../../native/index.cjs';

/** The protocol classes a direction's counters break down into (`tcp`, `tcp_syn`, ...). */
export type ProtocolClass = keyof ProtocolRates;

type EngineCalls = Omit<Engine, 'detection'>;

/**
 * The live engine: the native `Engine`, loaded when the first one is made (so that importing this
 * module never needs the native build), its detection side made once and held as a property.
 */
export class FlowEngine {
  readonly #native: Engine;
  /** Thresholds, violations and watched hosts. */
  readonly detection: Detection;

  constructor(config: EngineConfig) {
    const { Engine } = loadNative();
    this.#native = new Engine(config);
    this.detection = this.#native.detection();
  }

  /** Opens the listeners; returns the addresses bound (port 0 becomes the real port). */
  start: EngineCalls['start'] = () => this.#native.start();
  stop: EngineCalls['stop'] = () => this.#native.stop();

  get running(): boolean {
    return this.#native.running;
  }

  snapshot: EngineCalls['snapshot'] = (limit) => this.#native.snapshot(limit);
  host: EngineCalls['host'] = (ip) => this.#native.host(ip);
  top: EngineCalls['top'] = (direction, metric, limit) => this.#native.top(direction, metric, limit);

  /**
   * Traffic summed by group of hosts (hostgroups, networks) and the busiest hosts, in one pass
   * over the host table, run off the JavaScript thread.
   */
  breakdown: EngineCalls['breakdown'] = (request) => this.#native.breakdown(request);
  sources: EngineCalls['sources'] = () => this.#native.sources();
  /** The mirror sources alone: cheap enough to read every second. */
  mirrors: EngineCalls['mirrors'] = () => this.#native.mirrors();
  /**
   * Up to `maxBatches` batches of exported records (config `export`) as Kafka record batches of
   * at most `maxBatchBytes` for a topic of `partitions` partitions, packed off this thread; with
   * the export's counts.
   */
  takeExport: EngineCalls['takeExport'] = (maxBatches, partitions, compression, maxBatchBytes) =>
    this.#native.takeExport(maxBatches, partitions, compression, maxBatchBytes);
  /** Scale-out sensor: from now on keeps each tick's host aggregates for `takeAggregates`, split over `partitions`. */
  publishAggregates: EngineCalls['publishAggregates'] = (partitions, maxBytes) => this.#native.publishAggregates(partitions, maxBytes);
  /** Scale-out sensor: the host aggregates since the last call, one buffer per partition. */
  takeAggregates: EngineCalls['takeAggregates'] = () => this.#native.takeAggregates();
  /** Scale-out detector: adds a sensor's buffer to the counters; returns its host entries; throws on a malformed one. */
  mergeAggregates: EngineCalls['mergeAggregates'] = (buffer) => this.#native.mergeAggregates(buffer);
}

/** A capture file replayed through the engine at full speed, its timestamps as the clock. */
export function openReplay(path: string, config: EngineConfig, options: { samplingRate?: number; decapsulate?: boolean } = {}): Replay {
  const { Replay } = loadNative();
  return new Replay(path, config, options.samplingRate ?? 1, options.decapsulate ?? false);
}
