// Blackhole routes and FlowSpec rules announced through ExaBGP 4.2's text API: written to its
// named pipe (mode pipe), or to standard output with floodwatch run by ExaBGP (mode stdout).
//
// ExaBGP keeps what it was told only while it runs. In pipe mode floodwatch watches the pipe and,
// when a reader comes back after none (ExaBGP restarted), announces every active ban again; ExaBGP
// re-announces what it holds to a peer whose session dropped. A restart between two looks at the
// pipe goes unseen (ExaBGP can be back within 0.4 s), so every active ban is also announced again
// now and then: ExaBGP ignores an announcement identical to one it holds, and sends its peers
// nothing. In stdout mode ExaBGP starts floodwatch itself, so start() announces every active ban.
import type { Logger } from 'pino';
import type { AttackRecord, Ban } from '../../attacks/types.js';
import type { ExabgpActionConfig } from './config.js';
import { isBanEvent, type BanEvent, type Integration } from '../types.js';
import { Announcements, type Step } from './announcements.js';
import { ExabgpPipe, ExabgpUnreachableError } from './pipe.js';
import { ExabgpStdout } from './stdout.js';

export interface ExabgpActionDeps {
  log: Logger;
  activeBans(): Ban[];
  attackOf(ban: Ban): AttackRecord | null;
  flowspecFor(hostgroup: string): boolean;
  /** stdout mode: where the commands go. Default process.stdout. */
  output?: NodeJS.WritableStream;
  /** stdout mode: ExaBGP's answers. Default process.stdin when output is the default, else none. */
  input?: NodeJS.ReadableStream;
}

export interface ExabgpActionOptions {
  /** pipe mode: how often start()'s loop checks that ExaBGP reads the pipe. Default 250 ms. */
  probeIntervalMs?: number;
  /** pipe mode: how often start()'s loop announces every active ban again regardless. Default 60 s. */
  resyncIntervalMs?: number;
  /** pipe mode: how long a write may wait on a full pipe. Default 10 s. */
  writeTimeoutMs?: number;
}

type ReaderState = 'unknown' | 'present' | 'absent';

export class ExabgpAction implements Integration {
  readonly name = 'exabgp';
  /** Bans, unbans, and the details of the attack a host is banned for. */
  readonly accepts = isBanEvent;
  readonly attemptTimeoutMs: number;
  /** Runs take turns with each other and with the probe. */
  readonly concurrency = 1;
  private readonly log: Logger;
  private readonly announcements: Announcements;
  private readonly pipe: ExabgpPipe | null;
  private readonly stdout: ExabgpStdout | null;
  private readonly probeIntervalMs: number;
  private readonly resyncIntervalMs: number;
  private reader: ReaderState = 'unknown';
  private everyBanAnnouncedAt = 0;
  private probeTimer: NodeJS.Timeout | null = null;
  private running = false;
  /** Events, probes and replays take turns: each sees what the one before committed. */
  private turn: Promise<unknown> = Promise.resolve();

  constructor(config: ExabgpActionConfig, deps: ExabgpActionDeps, options: ExabgpActionOptions = {}) {
    this.log = deps.log;
    this.announcements = new Announcements(config, deps);
    const writeTimeoutMs = options.writeTimeoutMs ?? 10_000;
    this.probeIntervalMs = options.probeIntervalMs ?? 250;
    this.resyncIntervalMs = options.resyncIntervalMs ?? 60_000;
    if (config.mode === 'pipe') {
      this.pipe = new ExabgpPipe(config.pipe, {
        writeTimeoutMs,
        onRefused: () => this.log.warn({ action: this.name }, 'ExaBGP refused a command (its log says which)'),
      });
      this.stdout = null;
    } else {
      this.pipe = null;
      const input = deps.input ?? (deps.output ? null : process.stdin);
      this.stdout = new ExabgpStdout(deps.output ?? process.stdout, input, this.log);
    }
    // A turn may wait for a probe's write, then write the event's commands and a replay.
    this.attemptTimeoutMs = 3 * writeTimeoutMs + 5_000;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    if (this.stdout) {
      this.stdout.listen();
      await this.inTurn(() => this.announceEveryActiveBan('floodwatch started as an ExaBGP process'));
      return;
    }
    await this.probe();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.probeTimer) clearTimeout(this.probeTimer);
    this.probeTimer = null;
    this.stdout?.stopListening();
    await this.turn;
    this.pipe?.close();
  }

  run(event: BanEvent): Promise<void> {
    return this.inTurn(async () => {
      const step = this.announcements.forEvent(event);
      await this.send(step);
      if (step.lines.length > 0) {
        this.log.info({ action: this.name, event: event.kind, ip: event.ban.ip, commands: step.lines }, 'sent to ExaBGP');
      }
      if (this.pipe && step.lines.length > 0 && this.reader !== 'present') await this.readerBack();
    });
  }

  private async send(step: Step): Promise<void> {
    try {
      await (this.pipe ?? this.stdout!).write(step.lines);
    } catch (err) {
      if (err instanceof ExabgpUnreachableError) this.readerGone(err);
      throw err;
    }
    step.commit();
  }

  /** One look at the pipe (and a resync when due), then the next one scheduled. */
  private async probe(): Promise<void> {
    await this.inTurn(async () => {
      let present: boolean;
      try {
        present = await this.pipe!.hasReader();
      } catch (err) {
        if (this.reader !== 'absent') this.log.error({ action: this.name, err }, "cannot check ExaBGP's pipe");
        this.reader = 'absent';
        return;
      }
      if (!present) this.readerGone(null);
      else if (this.reader !== 'present') await this.readerBack();
      else if (Date.now() - this.everyBanAnnouncedAt >= this.resyncIntervalMs) await this.resync();
    });
    if (this.running) this.probeTimer = setTimeout(() => void this.probe(), this.probeIntervalMs).unref();
  }

  private readerGone(err: Error | null): void {
    if (this.reader === 'absent') return;
    const was = this.reader;
    this.reader = 'absent';
    const message =
      was === 'present' ? 'ExaBGP stopped reading its pipe: every active ban will be announced again when it is back' : 'no ExaBGP is reading its pipe yet';
    this.log.warn({ action: this.name, pipe: this.pipe!.path, reason: err?.message }, message);
  }

  /** ExaBGP reads the pipe after it did not, or for the first time: it holds nothing of ours. */
  private async readerBack(): Promise<void> {
    try {
      await this.announceEveryActiveBan(`ExaBGP is reading ${this.pipe!.path}`);
      this.reader = 'present';
    } catch (err) {
      this.log.warn({ action: this.name, err }, 'could not announce the active bans to ExaBGP; will try again');
    }
  }

  private async resync(): Promise<void> {
    try {
      const step = this.announcements.everyActiveBan();
      await this.send(step);
      this.everyBanAnnouncedAt = Date.now();
      this.log.debug({ action: this.name, commands: step.lines.length }, 'active bans announced again (resync)');
    } catch (err) {
      this.log.warn({ action: this.name, err }, 'could not announce the active bans to ExaBGP again; will try again');
    }
  }

  private async announceEveryActiveBan(why: string): Promise<void> {
    const step = this.announcements.everyActiveBan();
    await this.send(step);
    this.everyBanAnnouncedAt = Date.now();
    this.log.info({ action: this.name, commands: step.lines.length }, `${why}: active bans announced`);
  }

  private inTurn<T>(work: () => Promise<T>): Promise<T> {
    const result = this.turn.then(work, work);
    this.turn = result.catch(() => undefined);
    return result;
  }
}
