// gobgpd on loopback for the GoBGP action's tests: started by the test from Debian's package in
// the test's own directory, on ports picked at random (never 179), killed and started again at
// will, and read back with the gobgp CLI.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it resolves to something other than undefined, null or false. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs = 15_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** A TCP port nothing listens on at the moment. */
export async function freeTcpPort(host = '127.0.0.1'): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, host, resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Every daemon still running, killed when the test process exits however it ends. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** A child process whose output goes to a log file. */
export class DaemonProcess {
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;
  #done = false;

  constructor(
    readonly name: string,
    command: string,
    args: string[],
    readonly logPath: string,
  ) {
    const out = openSync(logPath, 'a');
    this.#child = spawn(command, args, { stdio: ['ignore', out, out] });
    closeSync(out);
    running.add(this.#child);
    this.#exited = new Promise((resolve) =>
      this.#child.once('exit', () => {
        this.#done = true;
        running.delete(this.#child);
        resolve();
      }),
    );
    this.#child.once('error', () => {});
  }

  get alive(): boolean {
    return !this.#done;
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  log(): string {
    try {
      return readFileSync(this.logPath, 'utf8');
    } catch {
      return '';
    }
  }

  signal(signal: NodeJS.Signals): void {
    if (this.alive) this.#child.kill(signal);
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  async stop(graceMs = 3_000): Promise<void> {
    if (!this.alive) return;
    this.#child.kill('SIGCONT');
    this.#child.kill('SIGTERM');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), graceMs);
    await this.#exited;
    clearTimeout(timer);
  }

  /** As a crash: SIGKILL, nothing cleaned up, no NOTIFICATION sent to the peers. */
  async kill(): Promise<void> {
    if (!this.alive) return;
    this.#child.kill('SIGKILL');
    await this.#exited;
  }
}

export interface BgpNeighbor {
  address: string;
  port: number;
  asn: number;
  /** Wait for the neighbor to connect instead of dialling it. */
  passive?: boolean;
}

export interface GobgpdOptions {
  /** Where its config and log go. */
  dir: string;
  name: string;
  /** Its loopback address: router id, BGP listen and source address. */
  address: string;
  asn: number;
  bgpPort: number;
  apiPort: number;
  neighbors: BgpNeighbor[];
}

export type RibFamily = 'ipv4' | 'ipv6' | 'ipv4-flowspec' | 'ipv6-flowspec';

/** One path of `gobgp global rib -j`: attrs are BGP path attributes by type code. */
export interface RibPath {
  nlri: unknown;
  best: boolean;
  attrs: ({ type: number } & Record<string, unknown>)[];
  'neighbor-ip'?: string;
}

const FAMILIES = ['ipv4-unicast', 'ipv6-unicast', 'ipv4-flowspec', 'ipv6-flowspec'];

/**
 * A gobgpd that floodwatch talks to (`speaker`, at 127.0.0.1) peered with a second one standing
 * in for the router (`peer`, at 127.0.0.2), in one AS, on free ports.
 */
export async function startSpeakerAndPeer(dir: string, asn = 64512): Promise<{ speaker: Gobgpd; peer: Gobgpd }> {
  const [speakerAddress, peerAddress] = ['127.0.0.1', '127.0.0.2'];
  const [speakerBgp, peerBgp, speakerApi, peerApi] = await Promise.all([freeTcpPort(speakerAddress), freeTcpPort(peerAddress), freeTcpPort(), freeTcpPort()]);
  const [speaker, peer] = await Promise.all([
    Gobgpd.start({
      dir,
      name: 'speaker',
      address: speakerAddress,
      asn,
      bgpPort: speakerBgp,
      apiPort: speakerApi,
      neighbors: [{ address: peerAddress, port: peerBgp, asn }],
    }),
    Gobgpd.start({
      dir,
      name: 'peer',
      address: peerAddress,
      asn,
      bgpPort: peerBgp,
      apiPort: peerApi,
      neighbors: [{ address: speakerAddress, port: speakerBgp, asn }],
    }),
  ]);
  return { speaker, peer };
}

export class Gobgpd {
  #daemon: DaemonProcess | null = null;
  readonly configPath: string;
  readonly logPath: string;

  private constructor(readonly options: GobgpdOptions) {
    this.configPath = join(options.dir, `${options.name}.toml`);
    this.logPath = join(options.dir, `${options.name}.log`);
    writeFileSync(this.configPath, gobgpdConfig(options));
  }

  /** Writes its config and starts it; resolves once its API answers. */
  static async start(options: GobgpdOptions): Promise<Gobgpd> {
    const gobgpd = new Gobgpd(options);
    await gobgpd.start();
    return gobgpd;
  }

  /** host:port of its gRPC API, as floodwatch's config writes it. */
  get api(): string {
    return `127.0.0.1:${this.options.apiPort}`;
  }

  get alive(): boolean {
    return this.#daemon?.alive ?? false;
  }

  async start(): Promise<void> {
    if (this.alive) return;
    // -p: no kernel routes (no zebra, no FIB), whatever the config says.
    const args = ['-f', this.configPath, '--api-hosts', this.api, '-p', '-l', 'info'];
    this.#daemon = new DaemonProcess(this.options.name, 'gobgpd', args, this.logPath);
    await eventually(`gobgpd ${this.options.name} to answer on ${this.api}`, async () => {
      if (!this.alive) throw new Error(`gobgpd ${this.options.name} exited:\n${this.#daemon!.log()}`);
      return (await this.gobgp('global')) !== null;
    });
  }

  stop(): Promise<void> {
    return this.#daemon?.stop() ?? Promise.resolve();
  }

  kill(): Promise<void> {
    return this.#daemon?.kill() ?? Promise.resolve();
  }

  /** SIGSTOP: the process is there, its sockets open, but it answers nothing (until resume()). */
  pause(): void {
    this.#daemon?.signal('SIGSTOP');
  }

  resume(): void {
    this.#daemon?.signal('SIGCONT');
  }

  log(): string {
    return this.#daemon?.log() ?? '';
  }

  /** The global RIB of a family, by prefix (or FlowSpec rule text). */
  async rib(family: RibFamily): Promise<Record<string, RibPath[]>> {
    const out = await this.gobgp('global', 'rib', '-a', family, '-j');
    if (out === null) throw new Error(`gobgp -p ${this.options.apiPort} global rib -a ${family} failed`);
    const trimmed = out.trim();
    return trimmed === '' || trimmed === 'null' ? {} : (JSON.parse(trimmed) as Record<string, RibPath[]>);
  }

  async established(neighbor: string): Promise<boolean> {
    const out = await this.gobgp('neighbor', neighbor, '-j');
    if (out === null) return false;
    const state = (JSON.parse(out) as { state?: { session_state?: number | string } }).state?.session_state;
    return state === 6 || state === 'ESTABLISHED';
  }

  /**
   * Every change of its global RIB of `family` from now on, as `gobgp monitor global rib -j`
   * prints them: each announcement and each withdrawal (withdrawal: true), in order.
   */
  monitor(family: RibFamily): RibMonitor {
    const logPath = join(this.options.dir, `${this.options.name}-monitor-${family}.log`);
    const args = ['-u', '127.0.0.1', '-p', String(this.options.apiPort), 'monitor', 'global', 'rib', '-a', family, '-j'];
    return new RibMonitor(new DaemonProcess(`${this.options.name}-monitor`, 'gobgp', args, logPath));
  }

  /** The output of `gobgp -p API ARGS`, or null when it failed. */
  async gobgp(...args: string[]): Promise<string | null> {
    try {
      const { stdout } = await run('gobgp', ['-u', '127.0.0.1', '-p', String(this.options.apiPort), ...args], { timeout: 5_000 });
      return stdout;
    } catch {
      return null;
    }
  }
}

/** A RIB change as `gobgp monitor` prints it. */
export type RibChange = RibPath & { nlri: { prefix?: string }; withdrawal?: boolean };

export class RibMonitor {
  constructor(readonly process: DaemonProcess) {}

  /** The changes so far, of one prefix when given. */
  changes(prefix?: string): RibChange[] {
    const all = this.process
      .log()
      .split('\n')
      // The last piece is a line still being written, or nothing.
      .slice(0, -1)
      .filter((line) => line.startsWith('['))
      .flatMap((line) => JSON.parse(line) as RibChange[]);
    return prefix === undefined ? all : all.filter((change) => change.nlri.prefix === prefix);
  }

  stop(): Promise<void> {
    return this.process.stop();
  }
}

function gobgpdConfig(options: GobgpdOptions): string {
  const families = FAMILIES.map((name) => `  [[neighbors.afi-safis]]\n    [neighbors.afi-safis.config]\n      afi-safi-name = "${name}"`).join('\n');
  const neighbors = options.neighbors.map(
    (n) => `[[neighbors]]
  [neighbors.config]
    neighbor-address = "${n.address}"
    peer-as = ${n.asn}
  [neighbors.transport.config]
    local-address = "${options.address}"
    remote-port = ${n.port}
    passive-mode = ${n.passive ? 'true' : 'false'}
  [neighbors.timers.config]
    connect-retry = 1
    # Take the peer back at once after a restart (the default holds it idle for 30 s).
    idle-hold-time-after-reset = 1
${families}
`,
  );
  return `[global.config]
  as = ${options.asn}
  router-id = "${options.address}"
  port = ${options.bgpPort}
  local-address-list = ["${options.address}"]

${neighbors.join('\n')}`;
}
