// The notify script, called as FastNetMon calls it so that operators keep theirs:
//   SCRIPT IP DIRECTION PPS ACTION      (ACTION: ban, unban or attack_details)
// with the attack report on standard input.
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { renderJsonReport } from '../../report/json.js';
import { renderTextReport } from '../../report/text.js';
import { runProcess, type ProcessOutcome } from './run-process.js';
import { isBanEvent, type BanEvent, type Integration } from '../types.js';

/** actions.script in the configuration file. */
export interface ScriptActionConfig {
  enabled: boolean;
  path: string;
  format: 'text' | 'json';
  timeout_seconds: number;
}

export interface ScriptActionOptions {
  /** After SIGTERM at the time limit, how long the script has before SIGKILL. Default 5 s. */
  killGraceMs?: number;
  /** Per stream, what is kept of stdout and stderr for the log. Default 64 KiB. */
  outputLimitBytes?: number;
}

/** The four arguments FastNetMon passes: IP, direction, packets per second (integer), action. */
export function notifyScriptArgs(event: BanEvent): [string, string, string, string] {
  const pps = event.attack ? Math.round(event.attack.peak.pps) : 0;
  return [event.ban.ip, event.ban.direction, String(pps), event.kind];
}

export class ScriptAction implements Integration {
  readonly name = 'script';
  /** Bans, unbans, and the details of the attack a host is banned for. */
  readonly accepts = isBanEvent;
  readonly attemptTimeoutMs: number;
  private readonly path: string;
  private readonly killGraceMs: number;
  private readonly outputLimitBytes: number;

  constructor(
    private readonly config: ScriptActionConfig,
    private readonly logger: Logger,
    options: ScriptActionOptions = {},
  ) {
    // Resolved against the working directory, so that a bare name is not looked up in $PATH.
    this.path = resolve(config.path);
    this.killGraceMs = options.killGraceMs ?? 5_000;
    this.outputLimitBytes = options.outputLimitBytes ?? 64 * 1024;
    // The time limit, the kill grace, and a margin for the output pipes to close.
    this.attemptTimeoutMs = config.timeout_seconds * 1000 + this.killGraceMs + 5_000;
  }

  async run(event: BanEvent): Promise<void> {
    await assertExecutable(this.path);
    const args = notifyScriptArgs(event);
    const report = this.config.format === 'json' ? renderJsonReport(event) : renderTextReport(event);
    let outcome: ProcessOutcome;
    try {
      outcome = await runProcess(this.path, args, {
        stdin: report,
        timeoutMs: this.config.timeout_seconds * 1000,
        killGraceMs: this.killGraceMs,
        outputLimitBytes: this.outputLimitBytes,
      });
    } catch (err) {
      throw new Error(startFailure(this.path, err as NodeJS.ErrnoException), { cause: err });
    }
    const failure = this.failureOf(outcome);
    this.logger[failure ? 'warn' : 'info'](
      {
        action: this.name,
        script: this.path,
        args,
        exit_code: outcome.exitCode,
        signal: outcome.signal,
        timed_out: outcome.timedOut,
        duration_ms: outcome.durationMs,
        stdout: outcome.stdout,
        stderr: outcome.stderr,
        ...(outcome.stdoutTruncated && { stdout_truncated: true }),
        ...(outcome.stderrTruncated && { stderr_truncated: true }),
      },
      failure ? 'notify script failed' : 'notify script finished',
    );
    if (failure) throw new Error(failure);
  }

  private failureOf(outcome: ProcessOutcome): string | null {
    if (outcome.timedOut) {
      return (
        `notify script ${this.path} timed out: still running after ${this.config.timeout_seconds} s, ` +
        `it was killed; make it finish sooner or raise actions.script.timeout_seconds`
      );
    }
    if (outcome.exitCode === 0) return null;
    const how = outcome.exitCode !== null ? `exited with code ${outcome.exitCode}` : `was killed by ${outcome.signal}`;
    const said = lastLine(outcome.stderr) ?? lastLine(outcome.stdout);
    return `notify script ${this.path} ${how}` + (said ? `: ${said}` : ' (it printed nothing)');
  }
}

async function assertExecutable(path: string): Promise<void> {
  let isFile: boolean;
  try {
    isFile = (await stat(path)).isFile();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new Error(
        `notify script ${path} does not exist: install it there, or set actions.script.path to where it is ` + `(or actions.script.enabled: false)`,
        { cause: err },
      );
    }
    throw new Error(`notify script ${path} cannot be read: ${(err as Error).message}`, { cause: err });
  }
  if (!isFile) throw new Error(`notify script ${path} is not a file: set actions.script.path to the script itself`);
  try {
    await access(path, constants.X_OK);
  } catch {
    throw new Error(`notify script ${path} is not executable: run chmod +x ${path}`);
  }
}

function startFailure(path: string, err: NodeJS.ErrnoException): string {
  const base = `notify script ${path} could not be started (${err.code ?? err.message})`;
  switch (err.code) {
    case 'ENOENT':
      return `${base}: the interpreter on its #! line does not exist; fix that line`;
    case 'ENOEXEC':
      return `${base}: it is neither a program nor a script starting with a #! line; add one, e.g. #!/bin/sh`;
    case 'EACCES':
      return `${base}: permission denied; run chmod +x ${path} and check that its file system is not mounted noexec`;
    default:
      return `${base}: ${err.message}`;
  }
}

function lastLine(text: string): string | null {
  const lines = text.trim().split('\n');
  const last = lines[lines.length - 1]?.trim();
  return last ? last.slice(0, 300) : null;
}
