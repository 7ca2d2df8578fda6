// Runs `floodwatch run` as a user would: a child process with a config file, its JSON log lines
// collected; with a FastNetMon-style notify script that records its calls, and readers for the
// state directory.
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import type { AttackRecord, Ban } from '../../ts/attacks/types.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = fileURLToPath(new URL('../../ts/cli/main.ts', import.meta.url));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns something other than undefined, null or false. */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(100);
  }
}

/** Cleanup steps, run in reverse order; each one runs even when an earlier one fails. */
export class Teardown {
  #steps: (() => unknown)[] = [];

  defer(step: () => unknown): void {
    this.#steps.push(step);
  }

  async run(): Promise<void> {
    const errors: unknown[] = [];
    for (const step of this.#steps.splice(0).reverse()) {
      try {
        await step();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, 'teardown failed');
  }
}

/** A UDP port nothing listens on at the moment. */
export async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

// ---------------------------------------------------------------------------------------------
// Configuration

export const NETWORKS = ['198.51.100.0/24', '2001:db8:1::/48'];

export interface DaemonConfigOptions {
  stateDir: string;
  port: number;
  /** The notify script; left out, the script action is off. */
  script?: string;
  thresholds?: Record<string, unknown>;
  whitelist?: string[];
  banSeconds?: number;
  email?: Record<string, unknown>;
}

/** A configuration as a user writes it, for `writeConfig`. */
export function daemonConfig(options: DaemonConfigOptions): Record<string, unknown> {
  return {
    state_dir: options.stateDir,
    sources: { flow: { listen: [`127.0.0.1:${options.port}`], workers: 1 } },
    networks: NETWORKS,
    whitelist: options.whitelist ?? [],
    thresholds: options.thresholds ?? { incoming: { pps: 5000, tcp_syn: { pps: 1000 } } },
    ban: { enabled: true, time_seconds: options.banSeconds ?? 4, unban_only_if_attack_finished: true },
    actions: {
      script: { enabled: options.script !== undefined, path: options.script ?? '/nonexistent', format: 'text', timeout_seconds: 10 },
      ...(options.email && { email: options.email }),
    },
    // Any free port: the default one may be taken by another floodwatch.
    api: { listen: '127.0.0.1:0' },
  };
}

export function writeConfig(path: string, config: Record<string, unknown>): string {
  writeFileSync(path, stringify(config));
  return path;
}

// ---------------------------------------------------------------------------------------------
// The notify script

export interface ScriptCall {
  /** Seconds since the epoch, when the script ran. */
  time: number;
  args: string[];
  stdin: string;
}

const CALL_START = '>>> ';
const CALL_END = '<<<';

/** Writes `notify.sh` in `dir`: it appends each call's time, arguments and standard input to `notify.log`, one whole entry at a time. */
export function writeNotifyScript(dir: string): { path: string; log: string } {
  const path = join(dir, 'notify.sh');
  const log = join(dir, 'notify.log');
  writeFileSync(
    path,
    `#!/bin/sh
# Calls run side by side (one per host): each entry is written whole, under a lock.
entry=$(mktemp)
{
  printf '${CALL_START}%s %s' "$(date +%s.%N)" "$#"
  for arg in "$@"; do printf ' %s' "$arg"; done
  printf '\\n'
  cat
  printf '${CALL_END}\\n'
} > "$entry"
flock '${log}.lock' sh -c 'cat "$1" >> "$2"' _ "$entry" '${log}'
rm -f "$entry"
`,
  );
  chmodSync(path, 0o755);
  return { path, log };
}

/** The calls the notify script recorded, oldest first. */
export function readScriptCalls(log: string): ScriptCall[] {
  if (!existsSync(log)) return [];
  const calls: ScriptCall[] = [];
  const entries = readFileSync(log, 'utf8').split(CALL_START).slice(1);
  for (const entry of entries) {
    if (!entry.endsWith(`${CALL_END}\n`)) continue; // still being written
    const newline = entry.indexOf('\n');
    const [time, argc, ...args] = entry.slice(0, newline).split(' ');
    if (args.length !== Number(argc)) throw new Error(`notify.log: ${argc} arguments announced, ${args.length} found`);
    calls.push({ time: Number(time), args, stdin: entry.slice(newline + 1, -`${CALL_END}\n`.length) });
  }
  return calls;
}

/** The script's calls about `ip` with `action` (ban, unban, attack_details). */
export function callsFor(log: string, ip: string, action?: string): ScriptCall[] {
  return readScriptCalls(log).filter((call) => call.args[0] === ip && (action === undefined || call.args[3] === action));
}

// ---------------------------------------------------------------------------------------------
// The state directory

export function readBans(stateDir: string): Ban[] {
  const path = join(stateDir, 'bans.json');
  if (!existsSync(path)) return [];
  return (JSON.parse(readFileSync(path, 'utf8')) as { bans: Ban[] }).bans;
}

export function readAttacks(stateDir: string): AttackRecord[] {
  const dir = join(stateDir, 'attacks');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json') && !name.startsWith('.'))
    .map((name) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as AttackRecord);
}

export const isBanned = (stateDir: string, ip: string) => readBans(stateDir).some((ban) => ban.ip === ip);

export const attacksOn = (stateDir: string, ip: string) => readAttacks(stateDir).filter((attack) => attack.ip === ip);

// ---------------------------------------------------------------------------------------------
// The daemon process

export interface LogLine {
  level: number;
  time: number;
  msg: string;
  [key: string]: unknown;
}

export const LISTENING = 'listening for NetFlow v5/v9, IPFIX and sFlow v5';

interface DirectionView {
  pps: number;
  packets_total: number;
  approximate: boolean;
  protocols: Record<'tcp' | 'tcp_syn' | 'udp' | 'icmp' | 'fragments', { pps: number; packets_total: number }>;
}

export interface HostView {
  ip: string;
  incoming: DirectionView;
  outgoing: DirectionView;
}

/** `floodwatch run --config FILE` as a child process. */
export class DaemonProcess {
  readonly logs: LogLine[] = [];
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #child: ChildProcess;
  #running = true;

  private constructor(child: ChildProcess) {
    this.#child = child;
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        this.#running = false;
        resolve({ code, signal });
      });
    });
    let partial = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop()!;
      for (const line of lines) if (line.trim()) this.logs.push(parseLogLine(line));
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
  }

  /** Starts the daemon and waits until it listens; `env` is added to the test's environment. */
  static async start(configPath: string, env: Record<string, string> = {}, args: string[] = []): Promise<DaemonProcess> {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'run', '--config', configPath, ...args], {
      cwd: REPO,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const daemon = new DaemonProcess(child);
    try {
      await daemon.waitForLog(LISTENING, (line) => line.msg === LISTENING);
    } catch (err) {
      await daemon.kill();
      throw err;
    }
    return daemon;
  }

  get running(): boolean {
    return this.#running;
  }

  /** The log lines with this message, and these fields when given. */
  logged(msg: string | RegExp, fields: Record<string, unknown> = {}): LogLine[] {
    return this.logs.filter(
      (line) => (typeof msg === 'string' ? line.msg === msg : msg.test(line.msg)) && Object.entries(fields).every(([key, value]) => line[key] === value),
    );
  }

  async waitForLog(what: string, match: (line: LogLine) => boolean, timeoutMs = 20_000): Promise<LogLine> {
    return waitFor(
      what,
      () => {
        const line = this.logs.find(match);
        if (line) return line;
        if (!this.#running) throw new Error(`floodwatch exited while waiting for ${what}; stderr:\n${this.stderr}\nlog:\n${this.logText()}`);
        return undefined;
      },
      timeoutMs,
    );
  }

  signal(signal: NodeJS.Signals): void {
    this.#child.kill(signal);
  }

  /** kill -9, and waits for the process to be gone. */
  async kill(): Promise<void> {
    if (this.#running) this.#child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM, as an operator stops it; SIGKILL if it has not exited after `graceMs`. */
  async stop(graceMs = 15_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.#running) this.#child.kill('SIGTERM');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), graceMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }

  /** The REST API's base URL (…/api/v1), once it listens. */
  async apiUrl(): Promise<string> {
    const line = await this.waitForLog('the REST API', (l) => l.msg === 'REST API listening');
    return line.api as string;
  }

  /** GET /api/v1/hosts/{ip}: the host's counters, or null when the daemon has not seen it. */
  async host(ip: string): Promise<HostView | null> {
    const response = await fetch(`${await this.apiUrl()}/hosts/${encodeURIComponent(ip)}`);
    if (response.status === 404) return null;
    if (!response.ok) throw new Error(`GET /hosts/${ip}: ${response.status} ${await response.text()}`);
    return (await response.json()) as HostView;
  }

  logText(): string {
    return this.logs.map((line) => JSON.stringify(line)).join('\n');
  }
}

function parseLogLine(line: string): LogLine {
  try {
    return JSON.parse(line) as LogLine;
  } catch {
    return { level: 0, time: Date.now(), msg: line };
  }
}

/** Waits until the REST API at `url` answers GET /api/v1/bans, or says why it did not. */
export async function waitForApi(url: string, daemon: DaemonProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(`${url}/api/v1/bans`)).ok) return;
    } catch {
      // Not listening yet.
    }
    if (!daemon.running) throw new Error(`floodwatch exited before its API answered:\n${daemon.stderr}`);
    if (Date.now() > deadline) throw new Error(`the API at ${url} did not answer GET /api/v1/bans within ${timeoutMs / 1000} s; log:\n${daemon.logText()}`);
    await sleep(200);
  }
}
