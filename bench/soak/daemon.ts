// The daemon under soak: `floodwatch run` from dist/ on the soak's config, killed with SIGKILL
// and started again on the same state directory; its resident memory sampled the whole time,
// its log's warnings and errors counted, and any exit the soak did not cause recorded.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { residentBytes } from '../memory.js';
import { sleep, startProcess, stopProcess, type StartedProcess } from '../processes.js';

export const MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export interface UnexpectedExit {
  at: number;
  how: string;
  logTail: string;
}

export class SoakDaemon {
  #process: StartedProcess | undefined;
  /** The processes the soak killed itself: their exit is expected. */
  #killed = new WeakSet<StartedProcess>();
  #restarting: Promise<void> | undefined;
  #stopping = false;
  #sampler: NodeJS.Timeout;
  readonly starts: { pid: number; readyMs: number }[] = [];
  readonly unexpectedExits: UnexpectedExit[] = [];
  /** Highest resident memory of any run, and how many times the watchdog killed it past its limit. */
  maxRss = 0;
  watchdogKills = 0;
  /** Log lines at warn (40) and error (50) or above, by message. */
  readonly warnings = new Map<string, number>();
  readonly errors = new Map<string, number>();

  constructor(
    private readonly config: string,
    private readonly cwd: string,
    private readonly apiUrl: string,
    /** Past this resident size the daemon is killed, so that a leak cannot take the machine down. */
    private readonly rssLimit: number,
  ) {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npx tsc -p tsconfig.json\` first`);
    this.#sampler = setInterval(() => this.#sample(), 200);
  }

  get pid(): number | undefined {
    return this.#process && !this.#process.hasExited() ? this.#process.pid : undefined;
  }

  #sample(): void {
    const pid = this.pid;
    if (pid === undefined) return;
    let rss: number;
    try {
      rss = residentBytes(pid);
    } catch {
      return; // exited between the check and the read
    }
    this.maxRss = Math.max(this.maxRss, rss);
    if (rss > this.rssLimit && !this.#restarting) {
      this.watchdogKills++;
      console.error(
        `soak: floodwatch at ${(rss / 2 ** 20).toFixed(0)} MiB, over the watchdog's ${(this.rssLimit / 2 ** 20).toFixed(0)} MiB: killed, started again`,
      );
      void this.restart().catch((err) => console.error(`soak: floodwatch did not start again: ${(err as Error).message}`));
    }
  }

  #countLog(chunk: string, partial: { text: string }): void {
    const lines = (partial.text + chunk).split('\n');
    partial.text = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.includes('"level":4') && !line.includes('"level":5') && !line.includes('"level":6')) continue;
      try {
        const entry = JSON.parse(line) as { level: number; msg?: string };
        const into = entry.level >= 50 ? this.errors : this.warnings;
        const msg = (entry.msg ?? '(no message)').slice(0, 120);
        into.set(msg, (into.get(msg) ?? 0) + 1);
      } catch {
        // not a JSON line
      }
    }
  }

  /** Starts it and resolves once its API answers (within 60 s). */
  async start(): Promise<void> {
    const startedAt = Date.now();
    const p = startProcess('floodwatch run', process.execPath, [MAIN, 'run', '--config', this.config], { cwd: this.cwd });
    this.#process = p;
    const partial = { text: '' };
    p.child.stdout!.on('data', (d: Buffer) => this.#countLog(d.toString(), partial));
    void p.exited.then(({ code, signal }) => {
      if (this.#killed.has(p) || this.#stopping) return;
      const { stdout, stderr } = p.output();
      const tail = (stdout + stderr).trimEnd().split('\n').slice(-10).join('\n');
      this.unexpectedExits.push({ at: Date.now(), how: signal ? `killed by ${signal}` : `exit code ${code}`, logTail: tail });
      console.error(`soak: floodwatch exited by itself (${signal ?? code}); starting it again. Its log ends with:\n${tail}`);
      void this.restart().catch((err) => console.error(`soak: floodwatch did not start again: ${(err as Error).message}`));
    });
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (p.hasExited()) throw new Error(`floodwatch run exited during start-up:\n${p.output().stdout.slice(-3000)}\n${p.output().stderr.slice(-3000)}`);
      if (
        await fetch(`${this.apiUrl}/bans`, { signal: AbortSignal.timeout(2000) }).then(
          (r) => r.ok,
          () => false,
        )
      ) {
        this.starts.push({ pid: p.pid, readyMs: Date.now() - startedAt });
        return;
      }
      await sleep(100);
    }
    throw new Error(`floodwatch's API did not answer at ${this.apiUrl} within 60 s of its start; its log ends with:\n${p.output().stdout.slice(-3000)}`);
  }

  /** kill -9, then start again on the same state. */
  restart(): Promise<void> {
    this.#restarting ??= (async () => {
      if (this.#process) {
        this.#killed.add(this.#process);
        await stopProcess(this.#process, { signal: 'SIGKILL' });
      }
      await this.start();
    })().finally(() => (this.#restarting = undefined));
    return this.#restarting;
  }

  /** Resolves once a restart in progress (the watchdog's, or after an exit) is over. */
  async ready(): Promise<void> {
    while (this.#restarting) await this.#restarting.catch(() => undefined);
  }

  /** SIGTERM as an operator stops it; the seconds it took to exit. */
  async stop(): Promise<number> {
    clearInterval(this.#sampler);
    this.#stopping = true;
    await this.ready();
    const started = Date.now();
    if (this.#process) await stopProcess(this.#process, { signal: 'SIGTERM', graceMs: 30_000 });
    return (Date.now() - started) / 1000;
  }

  logTail(lines = 20): string {
    const out = this.#process?.output();
    return out ? (out.stdout + out.stderr).trimEnd().split('\n').slice(-lines).join('\n') : '';
  }
}
