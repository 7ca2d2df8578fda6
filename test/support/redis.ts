// redis-server on loopback for the Redis integration's tests: Debian's package, started by the
// test in its own directory on a free port, with no persistence, killed and started again (on
// the same port) at will.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { DaemonProcess, eventually, freeTcpPort } from './gobgpd.js';

export interface RedisServerOptions {
  /** Extra redis-server arguments, e.g. ['--requirepass', 'secret']. */
  args?: string[];
  /** Its port; a free one when left out. */
  port?: number;
  /** TLS only, on its port, with this certificate and key (clients are not asked for one). */
  tls?: { certPath: string; keyPath: string };
}

export class RedisServer {
  #daemon: DaemonProcess | null = null;
  readonly logPath: string;

  private constructor(
    readonly dir: string,
    readonly port: number,
    readonly args: string[],
    readonly tls: RedisServerOptions['tls'],
  ) {
    this.logPath = join(dir, 'redis-server.log');
  }

  /** Picks its port and directory; start() runs it. */
  static async prepare(options: RedisServerOptions = {}): Promise<RedisServer> {
    requireRedisServer();
    const dir = mkdtempSync(join(tmpdir(), 'floodwatch-redis-'));
    return new RedisServer(dir, options.port ?? (await freeTcpPort()), options.args ?? [], options.tls);
  }

  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    const server = await RedisServer.prepare(options);
    await server.start();
    return server;
  }

  get alive(): boolean {
    return this.#daemon?.alive ?? false;
  }

  /** Runs it (again, on the same port); resolves once it answers PING. */
  async start(): Promise<void> {
    if (this.alive) return;
    const listen = this.tls
      ? ['--port', '0', '--tls-port', String(this.port), '--tls-cert-file', this.tls.certPath, '--tls-key-file', this.tls.keyPath, '--tls-auth-clients', 'no']
      : ['--port', String(this.port)];
    const args = [...listen, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir, ...this.args];
    this.#daemon = new DaemonProcess('redis-server', 'redis-server', args, this.logPath);
    await eventually(`redis-server to answer on 127.0.0.1:${this.port}`, async () => {
      if (!this.alive) throw new Error(`redis-server exited:\n${this.log()}`);
      return this.#answers();
    });
  }

  /** As a crash: SIGKILL. */
  kill(): Promise<void> {
    return this.#daemon?.kill() ?? Promise.resolve();
  }

  /** SIGSTOP: its sockets stay open but it answers nothing (until resume()). */
  pause(): void {
    this.#daemon?.signal('SIGSTOP');
  }

  resume(): void {
    this.#daemon?.signal('SIGCONT');
  }

  async stop(): Promise<void> {
    await this.#daemon?.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  log(): string {
    return this.#daemon?.log() ?? '';
  }

  /** A client for reading back what was written; the caller quits it. */
  client(options: { password?: string; username?: string; db?: number } = {}): Redis {
    const tls = this.tls ? { ca: readFileSync(this.tls.certPath) } : undefined;
    return new Redis({ host: '127.0.0.1', port: this.port, maxRetriesPerRequest: 1, tls, ...options });
  }

  async #answers(): Promise<boolean> {
    try {
      const tls = this.tls ? ['--tls', '--cacert', this.tls.certPath] : [];
      const out = execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', String(this.port), ...tls, '--no-auth-warning', 'PING'], {
        encoding: 'utf8',
        timeout: 2_000,
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      // PONG, or NOAUTH when it asks for a password: either way it is up.
      return /PONG|NOAUTH/.test(out);
    } catch {
      return false;
    }
  }
}

function requireRedisServer(): void {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error('redis-server is not installed: apt-get install redis-server (Debian), as .ci/run does');
  }
}
