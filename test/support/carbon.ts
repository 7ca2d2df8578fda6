// carbon-cache (Debian's graphite-carbon) on loopback for the Graphite integration's tests:
// started by the test in its own directory on free ports, with one-second whisper retention and
// no write limits, killed and started again (same ports, same files) at will; what it stored is
// read back from the whisper files directly.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DaemonProcess, eventually, freeTcpPort } from './gobgpd.js';
import { connect } from 'node:net';

export interface WhisperPoint {
  /** Seconds since the epoch. */
  time: number;
  value: number;
}

export class CarbonServer {
  #daemon: DaemonProcess | null = null;
  readonly logPath: string;
  readonly whisperDir: string;

  private constructor(
    readonly dir: string,
    /** The plaintext receiver's address: 127.0.0.1 or ::1. */
    readonly host: string,
    readonly port: number,
    pickle: number,
    cacheQuery: number,
  ) {
    this.logPath = join(dir, 'carbon-cache.log');
    this.whisperDir = join(dir, 'whisper');
    for (const sub of ['whisper', 'log', 'conf']) mkdirSync(join(dir, sub), { recursive: true });
    writeFileSync(join(dir, 'conf', 'storage-schemas.conf'), '[everything]\npattern = .*\nretentions = 1s:1h\n');
    writeFileSync(join(dir, 'conf', 'storage-aggregation.conf'), '[everything]\npattern = .*\nxFilesFactor = 0\naggregationMethod = last\n');
    writeFileSync(
      join(dir, 'carbon.conf'),
      [
        '[cache]',
        `STORAGE_DIR = ${dir}/`,
        `LOCAL_DATA_DIR = ${this.whisperDir}/`,
        `CONF_DIR = ${join(dir, 'conf')}/`,
        `LOG_DIR = ${join(dir, 'log')}/`,
        `PID_DIR = ${dir}/`,
        'DATABASE = whisper',
        'ENABLE_LOGROTATION = False',
        'MAX_CACHE_SIZE = inf',
        'MAX_UPDATES_PER_SECOND = inf',
        'MAX_CREATES_PER_MINUTE = inf',
        'MIN_TIMESTAMP_RESOLUTION = 1',
        `LINE_RECEIVER_INTERFACE = ${host}`,
        `LINE_RECEIVER_PORT = ${port}`,
        'ENABLE_UDP_LISTENER = False',
        'PICKLE_RECEIVER_INTERFACE = 127.0.0.1',
        `PICKLE_RECEIVER_PORT = ${pickle}`,
        'CACHE_QUERY_INTERFACE = 127.0.0.1',
        `CACHE_QUERY_PORT = ${cacheQuery}`,
        'USE_FLOW_CONTROL = True',
        'CACHE_WRITE_STRATEGY = sorted',
        'WHISPER_AUTOFLUSH = True',
        'WHISPER_FALLOCATE_CREATE = False',
        'CARBON_METRIC_INTERVAL = 0',
        '',
      ].join('\n'),
    );
  }

  /** `host` is where its plaintext receiver listens: 127.0.0.1, or ::1 for IPv6. */
  static async prepare(options: { host?: string } = {}): Promise<CarbonServer> {
    requireCarbon();
    const host = options.host ?? '127.0.0.1';
    const dir = mkdtempSync(join(tmpdir(), 'floodwatch-carbon-'));
    return new CarbonServer(dir, host, await freeTcpPort(host), await freeTcpPort(), await freeTcpPort());
  }

  static async start(options: { host?: string } = {}): Promise<CarbonServer> {
    const server = await CarbonServer.prepare(options);
    await server.start();
    return server;
  }

  get alive(): boolean {
    return this.#daemon?.alive ?? false;
  }

  /** Runs it (again, on the same ports); resolves once its plaintext port accepts connections. */
  async start(): Promise<void> {
    if (this.alive) return;
    rmSync(join(this.dir, 'carbon-cache-a.pid'), { force: true });
    this.#daemon = new DaemonProcess('carbon-cache', 'carbon-cache', [`--config=${join(this.dir, 'carbon.conf')}`, '--nodaemon', 'start'], this.logPath);
    await eventually(
      `carbon-cache to listen on ${this.host}:${this.port}`,
      async () => {
        if (!this.alive) throw new Error(`carbon-cache exited:\n${this.log()}`);
        return this.#accepts();
      },
      30_000,
    );
  }

  #accepts(): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = connect({ host: this.host, port: this.port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
  }

  /** As a crash: SIGKILL. */
  kill(): Promise<void> {
    return this.#daemon?.kill() ?? Promise.resolve();
  }

  async stop(): Promise<void> {
    await this.#daemon?.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  log(): string {
    const logs = ['console.log', 'creates.log', 'listener.log'].map((f) => join(this.dir, 'log', 'carbon-cache-a', f));
    return [this.#daemon?.log() ?? '', ...logs.filter(existsSync).map((f) => readFileSync(f, 'utf8'))].join('\n');
  }

  /** The points stored for a dotted metric path, oldest first; empty when it has no file yet. */
  points(path: string): WhisperPoint[] {
    const file = join(this.whisperDir, ...path.split('.')) + '.wsp';
    if (!existsSync(file)) return [];
    return readWhisper(readFileSync(file));
  }

  /** The newest value stored for a metric path, or undefined. */
  latest(path: string): number | undefined {
    return this.points(path).at(-1)?.value;
  }
}

/** The points of a whisper file's first (finest) archive. */
export function readWhisper(data: Buffer): WhisperPoint[] {
  // Header: aggregation type, max retention, xFilesFactor, archive count; then per archive:
  // offset, seconds per point, points; then the points: uint32 time, float64 value. Big-endian.
  const archives = data.readUInt32BE(12);
  if (archives === 0) return [];
  const offset = data.readUInt32BE(16);
  const count = data.readUInt32BE(24);
  const points: WhisperPoint[] = [];
  for (let i = 0; i < count; i++) {
    const at = offset + i * 12;
    const time = data.readUInt32BE(at);
    if (time !== 0) points.push({ time, value: data.readDoubleBE(at + 4) });
  }
  return points.sort((a, b) => a.time - b.time);
}

function requireCarbon(): void {
  try {
    execFileSync('sh', ['-c', 'command -v carbon-cache'], { stdio: 'ignore' });
  } catch {
    throw new Error(
      "carbon-cache is not installed: the Graphite tests need Debian's graphite-carbon package (apt-get install graphite-carbon; .ci/run installs it)",
    );
  }
}
