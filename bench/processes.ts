// Starts the child processes of a benchmark and makes sure every one of them is stopped:
// after use, on error, on Ctrl-C and on exit. Each child gets its own process group so that
// its helpers (tshark's dumpcap, for one) stop with it.
import { execFile, spawn, type ChildProcess } from 'node:child_process';

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

function killGroup(p: StartedProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-p.pid, signal);
  } catch {
    try {
      p.child.kill(signal);
    } catch {
      // already gone
    }
  }
}

let handlersInstalled = false;
function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', () => {
    for (const p of running) killGroup(p, 'SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      for (const p of running) killGroup(p, 'SIGKILL');
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

/** Runs a command to completion and returns its output; the error names the command and its stderr. */
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
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { timeout: options.timeoutMs ?? 120_000, cwd: options.cwd, env: options.env, maxBuffer: 512 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (!err) return resolve({ stdout, stderr });
        const e = err as NodeJS.ErrnoException & { killed?: boolean };
        if (typeof e.code === 'number' && !e.killed && options.acceptExit?.(e.code, stderr)) return resolve({ stdout, stderr });
        if (e.code === 'ENOENT') return reject(new Error(`${command} is not installed (not found on PATH)`));
        const why = e.killed ? `timed out after ${options.timeoutMs ?? 120_000} ms` : `failed (${e.code ?? e.message})`;
        reject(new Error(`${command} ${args.join(' ')} ${why}\n${stderr.trim().split('\n').slice(-15).join('\n')}`));
      },
    );
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
