// Starts `floodwatch run --role sensor|detector` for a benchmark scenario, on one Kafka broker
// (test/support/kafka.ts), each member on its own YAML config and state directory in a temp
// dir, from the sources through tsx like bench/floodwatch-daemon.ts; reads their /metrics.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import type { KafkaBroker } from '../test/support/kafka.js';
import { freeTcpPort, freeUdpPort } from './ports.js';
import { onExit, sleep, startProcess, stopProcess, type StartedProcess } from './processes.js';

const MAIN = fileURLToPath(new URL('../ts/cli/main.ts', import.meta.url));

export const AGGREGATES_TOPIC = 'bench-aggregates';
/** The engine's tick (floodwatch's default, set here so that figures per tick are known): a sensor publishes every tick. */
export const TICK_MS = 100;
const PUBLISHING_LOG = 'publishing per-host aggregates every tick';
const PARTITIONS_LOG = 'detecting for the hosts of these partitions of the aggregates topic';

export interface ClusterMemberOptions {
  role: 'sensor' | 'detector';
  name: string;
  broker: KafkaBroker;
  networks: readonly string[];
  thresholdPps: number;
  /** The detector's notify script (a sensor bans nothing). */
  notifyScript?: string;
}

export interface ClusterMember {
  readonly name: string;
  readonly pid: number;
  /** The UDP port it takes NetFlow, IPFIX and sFlow on (127.0.0.1). */
  readonly port: number;
  /** http://127.0.0.1:PORT/api/v1 */
  readonly api: string;
  /** Why it cannot go on (it exited), or undefined. */
  failure(): string | undefined;
  logTail(lines?: number): string;
  /** How many of its log lines have this message. */
  logCount(msg: string): number;
  /** Sum over its labels of each series of /metrics whose name is asked for. */
  metrics(names: readonly string[]): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

function configText(dir: string, o: ClusterMemberOptions, port: number, apiPort: number): string {
  const direction = { pps: o.thresholdPps, mbps: 1000 };
  return stringify({
    state_dir: join(dir, 'state'),
    log_level: 'info',
    sources: { flow: { listen: [`127.0.0.1:${port}`] } },
    networks: [...o.networks],
    thresholds: { incoming: direction, outgoing: direction },
    counters: { tick_ms: TICK_MS },
    actions: { script: { enabled: o.notifyScript !== undefined, path: o.notifyScript ?? '/nonexistent', format: 'text', timeout_seconds: 30 } },
    api: { enabled: true, listen: `127.0.0.1:${apiPort}`, mutations_per_minute: 100_000_000 },
    cluster: { brokers: [o.broker.address], aggregates_topic: AGGREGATES_TOPIC, group: 'bench-detectors', name: o.name },
  });
}

const tail = (text: string, lines: number) => text.trimEnd().split('\n').slice(-lines).join('\n');

async function waitForLog(p: StartedProcess, what: string, msg: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (p.output().stdout.includes(`"msg":"${msg}"`)) return;
    if (p.hasExited()) throw new Error(`${p.name} exited while waiting for ${what}:\n${tail(p.output().stdout + p.output().stderr, 15)}`);
    await sleep(50);
  }
  throw new Error(`${p.name}: no "${msg}" in its log within ${timeoutMs / 1000} s:\n${tail(p.output().stdout + p.output().stderr, 15)}`);
}

function sumSeries(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z_:][\w:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    if (match?.[1] === name) sum += Number(match[3]);
  }
  return sum;
}

/** Starts the member; resolves once a sensor publishes or a detector owns partitions. */
export async function startClusterMember(o: ClusterMemberOptions): Promise<ClusterMember> {
  const dir = mkdtempSync(join(tmpdir(), `floodwatch-bench-${o.role}-`));
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  const forget = onExit(removeDir);
  const port = await freeUdpPort();
  const apiPort = await freeTcpPort();
  const config = join(dir, 'floodwatch.yaml');
  writeFileSync(config, configText(dir, o, port, apiPort));
  const name = `floodwatch run --role ${o.role} (${o.name})`;
  const p = startProcess(name, process.execPath, ['--import', import.meta.resolve('tsx'), MAIN, 'run', '--config', config, '--role', o.role], { cwd: dir });
  const stop = async () => {
    await stopProcess(p, { signal: 'SIGTERM', graceMs: 15_000 });
    removeDir();
    forget();
  };
  try {
    if (o.role === 'sensor') await waitForLog(p, 'its first publication', PUBLISHING_LOG, 60_000);
    else await waitForLog(p, 'partitions of the aggregates topic', PARTITIONS_LOG, 60_000);
  } catch (err) {
    await stop();
    throw err;
  }
  const api = `http://127.0.0.1:${apiPort}/api/v1`;
  const logTail = (lines = 20) => tail(p.output().stdout + p.output().stderr, lines);
  return {
    name: o.name,
    pid: p.pid,
    port,
    api,
    failure: () => (p.hasExited() ? `${name} exited; its log ends with:\n${logTail(15)}` : undefined),
    logTail,
    logCount: (msg) => p.output().stdout.split(`"msg":${JSON.stringify(msg)}`).length - 1,
    async metrics(names) {
      const response = await fetch(`http://127.0.0.1:${apiPort}/metrics`);
      if (!response.ok) throw new Error(`GET /metrics of ${name}: ${response.status} ${await response.text()}`);
      const text = await response.text();
      return Object.fromEntries(names.map((n) => [n, sumSeries(text, n)]));
    },
    stop,
  };
}
