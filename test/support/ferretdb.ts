// FerretDB 1.x (a MongoDB wire-protocol server) with its SQLite backend, for the MongoDB
// integration's tests: built by .ci/ferretdb.sh into ~/.cache/floodwatch-test/bin, started by
// the test on a free loopback port with its data in the test's directory, killed and started
// again (same port, same data) at will.
import { existsSync, mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DaemonProcess, eventually, freeTcpPort } from './gobgpd.js';

export const FERRETDB_BIN = process.env.FERRETDB_BIN ?? join(homedir(), '.cache', 'floodwatch-test', 'bin', 'ferretdb');

export interface FerretdbOptions {
  /** Where its data and log go. */
  dir: string;
  /** Also listen with TLS, on tlsPort, with this certificate. */
  tls?: { certPath: string; keyPath: string };
}

export class Ferretdb {
  #daemon: DaemonProcess | null = null;
  readonly logPath: string;

  private constructor(
    readonly options: FerretdbOptions,
    readonly port: number,
    readonly tlsPort: number | null,
  ) {
    this.logPath = join(options.dir, 'ferretdb.log');
    mkdirSync(join(options.dir, 'ferretdb-data'), { recursive: true });
  }

  /** Picks its ports and starts it; resolves once it accepts connections. */
  static async start(options: FerretdbOptions): Promise<Ferretdb> {
    if (!existsSync(FERRETDB_BIN)) {
      throw new Error(
        `FerretDB is not built at ${FERRETDB_BIN}: run \`bash .ci/ferretdb.sh\` (it builds FerretDB 1.x with Go), or point FERRETDB_BIN at a ferretdb binary`,
      );
    }
    const ferretdb = new Ferretdb(options, await freeTcpPort(), options.tls ? await freeTcpPort() : null);
    await ferretdb.start();
    return ferretdb;
  }

  /** Its connection string, without TLS. */
  get uri(): string {
    return `mongodb://127.0.0.1:${this.port}`;
  }

  get alive(): boolean {
    return this.#daemon?.alive ?? false;
  }

  async start(): Promise<void> {
    if (this.alive) return;
    const { dir, tls } = this.options;
    const args = [
      '--handler=sqlite',
      '--telemetry=disable',
      `--listen-addr=127.0.0.1:${this.port}`,
      '--debug-addr=-',
      `--sqlite-url=file:${join(dir, 'ferretdb-data')}/`,
      `--state-dir=${dir}`,
      '--log-level=warn',
    ];
    if (tls) {
      args.push(`--listen-tls=127.0.0.1:${this.tlsPort}`, `--listen-tls-cert-file=${tls.certPath}`, `--listen-tls-key-file=${tls.keyPath}`);
    }
    this.#daemon = new DaemonProcess('ferretdb', FERRETDB_BIN, args, this.logPath);
    await eventually(`FerretDB to accept connections on 127.0.0.1:${this.port}`, async () => {
      if (!this.alive) throw new Error(`FerretDB exited:\n${this.log()}`);
      return accepts(this.port);
    });
  }

  stop(): Promise<void> {
    return this.#daemon?.stop() ?? Promise.resolve();
  }

  /** As a crash: SIGKILL. */
  kill(): Promise<void> {
    return this.#daemon?.kill() ?? Promise.resolve();
  }

  log(): string {
    return this.#daemon?.log() ?? '';
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
