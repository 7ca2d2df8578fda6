// influxd (Debian's influxdb 1.x) on loopback for the InfluxDB integration's tests: started by
// the test in its own directory on free ports, killed and started again (same ports, same data)
// at will, and read back through its HTTP /query.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DaemonProcess, eventually, freeTcpPort } from './gobgpd.js';

export interface InfluxSeries {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values: unknown[][];
}

export class InfluxServer {
  #daemon: DaemonProcess | null = null;
  readonly logPath: string;

  private constructor(
    readonly dir: string,
    readonly httpPort: number,
    readonly rpcPort: number,
    /** An admin user, with authentication required, when set. */
    readonly admin?: { user: string; password: string },
  ) {
    this.logPath = join(dir, 'influxd.log');
    writeFileSync(
      join(dir, 'influxdb.conf'),
      [
        'reporting-disabled = true',
        `bind-address = "127.0.0.1:${rpcPort}"`,
        '[meta]',
        `  dir = "${join(dir, 'meta')}"`,
        '[data]',
        `  dir = "${join(dir, 'data')}"`,
        `  wal-dir = "${join(dir, 'wal')}"`,
        '  query-log-enabled = false',
        '[http]',
        `  bind-address = "127.0.0.1:${httpPort}"`,
        '  log-enabled = false',
        `  auth-enabled = ${admin ? 'true' : 'false'}`,
        '[monitor]',
        '  store-enabled = false',
        '',
      ].join('\n'),
    );
  }

  /** `admin`: require authentication, with this admin user (created on the first start). */
  static async prepare(options: { admin?: { user: string; password: string } } = {}): Promise<InfluxServer> {
    requireInfluxd();
    const dir = mkdtempSync(join(tmpdir(), 'floodwatch-influxdb-'));
    return new InfluxServer(dir, await freeTcpPort(), await freeTcpPort(), options.admin);
  }

  static async start(options: { admin?: { user: string; password: string } } = {}): Promise<InfluxServer> {
    const server = await InfluxServer.prepare(options);
    await server.start();
    if (server.admin) await server.query(`CREATE USER "${server.admin.user}" WITH PASSWORD '${server.admin.password}' WITH ALL PRIVILEGES`);
    return server;
  }

  get url(): string {
    return `http://127.0.0.1:${this.httpPort}`;
  }

  get alive(): boolean {
    return this.#daemon?.alive ?? false;
  }

  /** Runs it (again, on the same ports); resolves once /ping answers. */
  async start(): Promise<void> {
    if (this.alive) return;
    this.#daemon = new DaemonProcess('influxd', 'influxd', ['-config', join(this.dir, 'influxdb.conf')], this.logPath);
    await eventually(
      `influxd to answer on ${this.url}/ping`,
      async () => {
        if (!this.alive) throw new Error(`influxd exited:\n${this.log()}`);
        return fetch(`${this.url}/ping`).then(
          (r) => r.status === 204,
          () => false,
        );
      },
      30_000,
    );
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
    return this.#daemon?.log() ?? '';
  }

  /** Runs InfluxQL; the series of its first statement. */
  async query(q: string, db?: string): Promise<InfluxSeries[]> {
    const params = new URLSearchParams({ q, epoch: 'ms', ...(db && { db }) });
    const headers: Record<string, string> = this.admin
      ? { Authorization: `Basic ${Buffer.from(`${this.admin.user}:${this.admin.password}`).toString('base64')}` }
      : {};
    const response = await fetch(`${this.url}/query`, { method: 'POST', body: params, headers });
    const answer = (await response.json()) as { results?: { series?: InfluxSeries[]; error?: string }[]; error?: string };
    const error = answer.error ?? answer.results?.[0]?.error;
    if (!response.ok || error) throw new Error(`InfluxDB query ${q}: ${response.status} ${error ?? ''}`);
    return answer.results?.[0]?.series ?? [];
  }

  async createDatabase(name: string): Promise<void> {
    await this.query(`CREATE DATABASE "${name}"`);
  }

  /**
   * The first row of a query once all its fields are stored, else undefined: influxd keeps each
   * field of a point apart, so a query during the write may see only some of them.
   */
  async firstCompleteRow(q: string, db: string): Promise<(Record<string, unknown> & { tags: Record<string, string> }) | undefined> {
    const row = (await this.rows(q, db).catch(() => [])).at(0);
    return row && Object.values(row).every((field) => field !== null) ? row : undefined;
  }

  /** The rows of a query as objects, column by column. */
  async rows(q: string, db: string): Promise<(Record<string, unknown> & { tags: Record<string, string> })[]> {
    const series = await this.query(q, db);
    return series.flatMap((s) => s.values.map((v) => ({ ...Object.fromEntries(s.columns.map((c, i) => [c, v[i]])), tags: s.tags ?? {} })));
  }
}

function requireInfluxd(): void {
  try {
    execFileSync('influxd', ['version'], { stdio: 'ignore' });
  } catch {
    throw new Error("influxd is not installed: the InfluxDB tests need Debian's influxdb package (apt-get install influxdb; .ci/run installs it)");
  }
}
