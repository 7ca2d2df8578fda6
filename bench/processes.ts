// Starts the child processes of a benchmark and makes sure every one of them is stopped:
// after use, on error, on Ctrl-C and on exit. Each child gets its own process group so that
// its helpers (tshark's dumpcap, for one) stop with it.
import { spawn, type ChildProcess } from 'node:child_process';

export interface StartedProcess {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Everything the process wrote so far. */
  output(): { stdout: string; stderr: string };
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited(): boolean;
}

const running = new Set<StartedProcess>();
const commands = new Set<ChildProcess>();
const cleanups = new Set<() => void>();

/** Runs `fn` (synchronous) when this process exits, unless the returned function is called first. */
export function onExit(fn: () => void): () => void {
  installExitHandlers();
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}

function killChildGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

const killGroup = (p: StartedProcess, signal: NodeJS.Signals) => killChildGroup(p.child, signal);

let handlersInstalled = false;
function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', () => {
    for (const p of running) killGroup(p, 'SIGKILL');
    for (const c of commands) killChildGroup(c, 'SIGKILL');
    for (const fn of cleanups) {
      try {
        fn();
      } catch {
        // best effort at exit
      }
    }
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
    });
  }
}

/** Starts `command` in its own process group; it is killed when this process exits. */
export function startProcess(name: string, command: string, args: string[], options: { cwd?: string } = {}): StartedProcess {
  installExitHandlers();
  const child = spawn(command, args, { cwd: options.cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout = (stdout + d.toString()).slice(-200_000)));
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-200_000)));
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', (err: NodeJS.ErrnoException) => {
      done = true;
      running.delete(started);
      reject(err.code === 'ENOENT' ? new Error(`${name}: ${command} is not installed (not found on PATH)`) : err);
    });
    child.once('exit', (code, signal) => {
      done = true;
      running.delete(started);
      resolve({ code, signal });
    });
  });
  exited.catch(() => undefined); // reported by whoever awaits it
  const started: StartedProcess = {
    name,
    pid: child.pid ?? -1,
    child,
    output: () => ({ stdout, stderr }),
    exited,
    hasExited: () => done,
  };
  if (child.pid !== undefined) running.add(started);
  return started;
}

/** Sends `signal` to the process group, then SIGKILL after `graceMs`; resolves once it exited. */
export async function stopProcess(p: StartedProcess, options: { signal?: NodeJS.Signals; graceMs?: number } = {}): Promise<void> {
  if (p.hasExited() || p.pid < 0) return;
  killGroup(p, options.signal ?? 'SIGTERM');
  const timer = setTimeout(() => killGroup(p, 'SIGKILL'), options.graceMs ?? 5000);
  try {
    await p.exited.catch(() => undefined);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs a command to completion (in its own process group, killed if this process exits first)
 * and returns its output; the error names the command and its stderr.
 */
export function runCommand(
  command: string,
  args: string[],
  options: {
    timeoutMs?: number;
    cwd?: string;
    env?: NodeJS.ProcessEnv;
    /** Treat a non-zero exit as success when this returns true (for tools with a flaky exit code). */
    acceptExit?: (code: number, stderr: string) => boolean;
  } = {},
): Promise<{ stdout: string; stderr: string }> {
  installExitHandlers();
  const timeoutMs = options.timeoutMs ?? 120_000;
  return new Promise((resolve, reject) => {
    // Own process group: pmacctd's plugin processes, for one, die with it.
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    commands.add(child);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (d: Buffer) => out.push(d));
    child.stderr!.on('data', (d: Buffer) => err.push(d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killChildGroup(child, 'SIGKILL');
    }, timeoutMs);
    child.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      commands.delete(child);
      reject(e.code === 'ENOENT' ? new Error(`${command} is not installed (not found on PATH)`) : e);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      commands.delete(child);
      const stdout = Buffer.concat(out).toString();
      const stderr = Buffer.concat(err).toString();
      if (code === 0) return resolve({ stdout, stderr });
      if (code !== null && !timedOut && options.acceptExit?.(code, stderr)) return resolve({ stdout, stderr });
      const why = timedOut ? `timed out after ${timeoutMs} ms` : code !== null ? `exited with code ${code}` : `was killed by ${signal}`;
      reject(new Error(`${command} ${args.join(' ')} ${why}\n${stderr.trim().split('\n').slice(-15).join('\n')}`));
    });
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
