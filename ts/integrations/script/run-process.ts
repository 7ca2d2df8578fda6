// Runs a program without a shell, feeds it standard input, collects its output up to a limit,
// and stops it, with everything it started, when it runs past its time limit.
import { spawn } from 'node:child_process';

export interface RunProcessOptions {
  stdin: string;
  timeoutMs: number;
  /** After SIGTERM at the time limit, how long the process group has before SIGKILL. */
  killGraceMs: number;
  /** Per stream; output past it is dropped and the outcome says so. */
  outputLimitBytes: number;
}

export interface ProcessOutcome {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  durationMs: number;
}

/**
 * How long to wait, after the process exited, for its output pipes to close: a background
 * child it left behind can hold them open forever.
 */
const PIPE_CLOSE_WAIT_MS = 500;

/** setTimeout fires at once past this. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Rejects only when the program cannot be started; every way it ends is in the outcome. */
export function runProcess(file: string, args: string[], options: RunProcessOptions): Promise<ProcessOutcome> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    // Its own process group, so that a timeout stops the children a script started as well.
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true, shell: false });
    const stdout = new CappedOutput(options.outputLimitBytes);
    const stderr = new CappedOutput(options.outputLimitBytes);
    child.stdout.on('data', (chunk: Buffer) => stdout.add(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.add(chunk));
    // A program that exits without reading its input is fine: ignore EPIPE and the like.
    child.stdin.on('error', () => {});
    child.stdin.end(options.stdin);

    let timedOut = false;
    let exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;
    let closeTimer: NodeJS.Timeout | undefined;

    const signalGroup = (signal: NodeJS.Signals) => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        // The whole group is gone already.
      }
    };
    const limitTimer = setTimeout(
      () => {
        timedOut = true;
        signalGroup('SIGTERM');
        killTimer = setTimeout(() => signalGroup('SIGKILL'), options.killGraceMs);
        killTimer.unref();
      },
      Math.min(options.timeoutMs, MAX_TIMER_MS),
    );

    const finish = () => {
      if (settled || !exited) return;
      settled = true;
      clearTimeout(limitTimer);
      clearTimeout(closeTimer);
      // Past a timeout the SIGKILL timer stays armed for what the group left behind.
      if (!timedOut) clearTimeout(killTimer);
      child.stdout.destroy();
      child.stderr.destroy();
      resolve({
        exitCode: exited.code,
        signal: exited.signal,
        timedOut,
        stdout: stdout.text(),
        stderr: stderr.text(),
        stdoutTruncated: stdout.truncated,
        stderrTruncated: stderr.truncated,
        durationMs: Math.round(performance.now() - started),
      });
    };

    child.on('error', (err) => {
      if (child.pid !== undefined || settled) return; // a failed kill(), not a failed start
      settled = true;
      clearTimeout(limitTimer);
      reject(err);
    });
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      closeTimer = setTimeout(finish, PIPE_CLOSE_WAIT_MS);
    });
    child.on('close', finish);
  });
}

class CappedOutput {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  truncated = false;

  constructor(private readonly limit: number) {}

  add(chunk: Buffer): void {
    const room = this.limit - this.size;
    if (chunk.length > room) this.truncated = true;
    if (room <= 0) return;
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.chunks.push(kept);
    this.size += kept.length;
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}
