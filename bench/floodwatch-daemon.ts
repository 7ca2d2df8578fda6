// Starts and stops the whole floodwatch daemon (`floodwatch run`, detection, bans and actions)
// for a benchmark scenario, on its own YAML config and state directory in a temp dir.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { onExit, sleep, startProcess, stopProcess, type StartedProcess } from './processes.js';

const MAIN = fileURLToPath(new URL('../ts/cli/main.ts', import.meta.url));
const BUILT_MAIN = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));

export interface FloodwatchDaemonOptions {
  networks: readonly string[];
  /** Incoming and outgoing pps threshold; Mbit/s stays at the default 1000, like FastNetMon's. */
  thresholdPps: number;
  notifyScript: string;
  /** Turn the REST API on at this TCP address (default: off). */
  api?: { listen: string; token: string };
  /** Announce bans through the gobgpd whose gRPC API listens here (default: no BGP). */
  gobgpApi?: string;
  /** Run dist/cli/main.js as installed (build it first), not the sources through tsx: for memory figures. */
  fromDist?: boolean;
}

export interface FloodwatchDaemon {
  readonly pid: number;
  /** The UDP port it takes NetFlow, IPFIX and sFlow on (127.0.0.1). */
  readonly port: number;
  readonly process: StartedProcess;
  logTail(lines?: number): string;
  stop(): Promise<void>;
}

function configText(dir: string, options: FloodwatchDaemonOptions): string {
  const direction = { pps: options.thresholdPps, mbps: 1000 };
  return stringify({
    state_dir: join(dir, 'state'),
    log_level: 'info',
    sources: { flow: { listen: ['127.0.0.1:0'] } },
    networks: [...options.networks],
    thresholds: { incoming: direction, outgoing: direction },
    actions: {
      script: { enabled: true, path: options.notifyScript, format: 'text', timeout_seconds: 30 },
      ...(options.gobgpApi && { gobgp: { enabled: true, api: options.gobgpApi } }),
    },
    // Off like FastNetMon's in the benchmark, and so that runs never compete for its port,
    // unless the scenario measures it; mutations unlimited so that the limit is not measured.
    api: options.api ? { enabled: true, listen: options.api.listen, tokens: [options.api.token], mutations_per_minute: 100_000_000 } : { enabled: false },
  });
}

function tail(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** The `listen` addresses of its "listening" log line, once it has written it. */
function listeningAddresses(stdout: string): string[] | undefined {
  for (const line of stdout.split('\n')) {
    if (!line.includes('"listen"')) continue;
    try {
      const entry = JSON.parse(line) as { listen?: string[] };
      if (entry.listen?.length) return entry.listen;
    } catch {
      // a partial line: read again on the next poll
    }
  }
  return undefined;
}

async function waitUntilListening(daemon: StartedProcess): Promise<string[]> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const { stdout, stderr } = daemon.output();
    const listen = listeningAddresses(stdout);
    if (listen) return listen;
    if (daemon.hasExited()) throw new Error(`floodwatch run exited during start-up:\n${tail(stdout, 15)}\n${tail(stderr, 15)}`);
    await sleep(50);
  }
  throw new Error(`floodwatch run did not log its listening addresses within 60 s:\n${tail(daemon.output().stdout, 15)}`);
}

async function waitUntilApiAnswers(url: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await sleep(50);
  }
  throw new Error(`floodwatch's REST API did not answer at ${url} within 30 s`);
}

/** Starts `floodwatch run` on a fresh config and state directory; resolves once it listens. */
export async function startFloodwatchDaemon(options: FloodwatchDaemonOptions): Promise<FloodwatchDaemon> {
  const dir = mkdtempSync(join(tmpdir(), 'floodwatch-bench-daemon-'));
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  const forget = onExit(removeDir);
  const config = join(dir, 'floodwatch.yaml');
  writeFileSync(config, configText(dir, options));
  // tsx by its resolved URL: a bare `--import tsx` is resolved from the working directory.
  const args = options.fromDist ? [BUILT_MAIN, 'run', '--config', config] : ['--import', import.meta.resolve('tsx'), MAIN, 'run', '--config', config];
  const daemon = startProcess('floodwatch run', process.execPath, args, { cwd: dir });
  const stop = async () => {
    await stopProcess(daemon, { signal: 'SIGTERM', graceMs: 15_000 });
    removeDir();
    forget();
  };
  let listen: string[];
  try {
    listen = await waitUntilListening(daemon);
    if (options.api) await waitUntilApiAnswers(`http://${options.api.listen}/api/v1/bans`);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    pid: daemon.pid,
    port: Number(listen[0].split(':').pop()),
    process: daemon,
    logTail: (lines = 20) => tail(daemon.output().stdout + daemon.output().stderr, lines),
    stop,
  };
}
