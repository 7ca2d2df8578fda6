// Starts and drives the floodwatch engine process for a benchmark scenario.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { EngineConfig } from '../ts/engine/index.js';
import { cpuSeconds } from './cpu.js';
import { residentBytes } from './memory.js';

export interface FloodwatchStats {
  datagrams: number;
  records: number;
  dropped: number;
  kernel_drops: number;
  hosts: number;
  evictions: number;
}

export class FloodwatchProcess {
  readonly #child: ChildProcess;
  readonly #lines: AsyncIterator<string>;
  readonly #rl: Interface;
  listening: string[] = [];

  private constructor(child: ChildProcess) {
    this.#child = child;
    this.#rl = createInterface({ input: child.stdout! });
    this.#lines = this.#rl[Symbol.asyncIterator]();
  }

  static async start(config: EngineConfig): Promise<FloodwatchProcess> {
    const script = fileURLToPath(new URL('./floodwatch-engine.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify(config)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const proc = new FloodwatchProcess(child);
    const first = await proc.#next();
    proc.listening = (first as { listening: string[] }).listening;
    return proc;
  }

  get pid(): number {
    return this.#child.pid!;
  }

  async #next(): Promise<unknown> {
    const { value, done } = await this.#lines.next();
    if (done) throw new Error('the floodwatch engine process exited; see its standard error above');
    return JSON.parse(value);
  }

  async stats(): Promise<FloodwatchStats> {
    this.#child.stdin!.write('stats\n');
    return (await this.#next()) as FloodwatchStats;
  }

  cpuSeconds(): number {
    return cpuSeconds(this.pid);
  }

  residentBytes(): number {
    return residentBytes(this.pid);
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode !== null) return;
    this.#child.stdin!.write('stop\n');
    await new Promise((resolve) => this.#child.once('exit', resolve));
    this.#rl.close();
  }

  kill(): void {
    this.#child.kill('SIGKILL');
  }
}
