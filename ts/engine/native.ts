// Loads the napi-rs addon that `npm run build:native` builds into native/.
import { createRequire } from 'node:module';

export interface NativeDetection {
  setThresholds(thresholds: unknown): void;
  drainViolations(): unknown;
  host(ip: string): unknown | null;
  over(ip: string, direction: string): unknown | null;
  watch(ip: string): void;
  unwatch(ip: string): void;
  samples(ip: string): unknown | null;
  classify(ip: string, direction: string): string;
  groupOf(ip: string): string;
  fingerprintPcap(ip: string): Buffer | null;
}

export interface NativeEngine {
  start(): string[];
  stop(): void;
  readonly running: boolean;
  snapshot(limit: number): unknown;
  host(ip: string): unknown | null;
  top(direction: string, metric: string, limit: number): unknown;
  sources(): unknown;
  mirrors(): unknown;
  detection(): NativeDetection;
}

export interface NativeReplay {
  detection(): NativeDetection;
  step(): { timeMs: number; last: boolean } | null;
  readonly packets: number;
  readonly unparsed: number;
  readonly truncated: boolean;
}

interface NativeModule {
  Engine: new (config: unknown) => NativeEngine;
  Replay: new (path: string, config: unknown, samplingRate: number, decapsulate: boolean) => NativeReplay;
}

const require = createRequire(import.meta.url);

export function loadNative(): NativeModule {
  try {
    return require('../../native/index.cjs') as NativeModule;
  } catch (err) {
    throw new Error(
      `floodwatch's native engine is not built (${(err as Error).message}): run 'npm run build:native' (needs cargo)`,
    );
  }
}
