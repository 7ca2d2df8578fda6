// Real BGP daemons on loopback for the ExaBGP action's tests: a gobgpd that listens on 127.0.0.1
// and an ExaBGP that connects to it from 127.0.0.2, each on ports picked at random, each started
// in the test's own directory and stopped by the test.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, constants, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it resolves to true. */
export async function eventually(what: string, probe: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(100);
  }
}

export const GOBGPD_ADDRESS = '127.0.0.1';
export const EXABGP_ADDRESS = '127.0.0.2';
const GOBGPD_AS = 65001;
const EXABGP_AS = 65002;

/** A TCP port nothing listens on at the moment. */
export async function freeTcpPort(host = '127.0.0.1'): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, host, resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** A child process whose output goes to a log file, stopped with SIGTERM then SIGKILL. */
class Daemon {
  private exited: Promise<void>;
  private done = false;
  private spawnError: Error | null = null;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
    readonly logPath: string,
  ) {
    this.exited = new Promise((resolve) => {
      const ended = () => {
        this.done = true;
        resolve();
      };
      child.once('exit', ended);
      // Not installed, for one: no exit follows.
      child.once('error', (err) => {
        this.spawnError = err;
        ended();
      });
    });
  }

  log(): string {
    const start = this.spawnError ? `cannot start ${this.name}: ${this.spawnError.message}\n` : '';
    return start + readFileSync(this.logPath, 'utf8');
  }

  async stop(): Promise<void> {
    if (this.done) return;
    this.child.kill('SIGTERM');
    const killed = await Promise.race([this.exited.then(() => true), sleep(5_000).then(() => false)]);
    if (!killed) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }
}

function spawnLogged(name: string, dir: string, command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Daemon {
  const logPath = join(dir, `${name}.log`);
  const out = openSync(logPath, 'a');
  const child = spawn(command, args, { cwd: dir, env, stdio: ['ignore', out, out] });
  closeSync(out);
  return new Daemon(name, child, logPath);
}

// ---------------------------------------------------------------------------------------------
// gobgpd

export interface RibRoute {
  prefix: string;
  nextHop: string;
  communities: string[];
  largeCommunities: string[];
}

export interface FlowspecEntry {
  /** gobgp's text of the rule, e.g. `[destination: 203.0.113.10/32][protocol: ==udp][source-port: ==123]`. */
  rule: string;
  /** `discard`, or `rate-limit N` (bytes per second). */
  action: string;
}

interface GobgpPath {
  attrs: { type: number; nexthop?: string; communities?: number[]; value?: unknown }[];
}

export class Gobgpd {
  private constructor(
    private readonly daemon: Daemon,
    readonly bgpPort: number,
    readonly apiPort: number,
  ) {}

  /** gobgpd on 127.0.0.1:bgpPort, peered with 127.0.0.2 for IPv4/IPv6 unicast and FlowSpec. */
  static async start(dir: string, ports?: { bgpPort: number; apiPort: number }): Promise<Gobgpd> {
    const bgpPort = ports?.bgpPort ?? (await freeTcpPort(GOBGPD_ADDRESS));
    const apiPort = ports?.apiPort ?? (await freeTcpPort(GOBGPD_ADDRESS));
    const config = join(dir, 'gobgpd.toml');
    writeFileSync(config, gobgpdConfig(bgpPort));
    const daemon = spawnLogged('gobgpd', dir, 'gobgpd', ['-f', config, '--api-hosts', `${GOBGPD_ADDRESS}:${apiPort}`, '--pprof-disable']);
    const gobgpd = new Gobgpd(daemon, bgpPort, apiPort);
    try {
      await eventually('gobgpd to answer on its API', async () => (await gobgpd.gobgp('neighbor')) !== null, 10_000);
    } catch (err) {
      await daemon.stop();
      throw new Error(`${(err as Error).message}\n${daemon.log()}`, { cause: err });
    }
    return gobgpd;
  }

  async stop(): Promise<void> {
    await this.daemon.stop();
  }

  /** Stopped, then started again on the same ports: it has forgotten every route. */
  async restart(dir: string): Promise<Gobgpd> {
    await this.stop();
    return Gobgpd.start(dir, { bgpPort: this.bgpPort, apiPort: this.apiPort });
  }

  log(): string {
    return this.daemon.log();
  }

  /** Whether the session with ExaBGP is established. */
  async established(): Promise<boolean> {
    const out = await this.gobgp('-j', 'neighbor');
    if (out === null) return false;
    const peers = JSON.parse(out) as { state: { neighbor_address: string; session_state: number } }[];
    // 6: ESTABLISHED in apipb.PeerState.SessionState.
    return peers.some((peer) => peer.state.neighbor_address === EXABGP_ADDRESS && peer.state.session_state === 6);
  }

  async routes(family: 'ipv4' | 'ipv6'): Promise<RibRoute[]> {
    const table = await this.table(family);
    return Object.entries(table).map(([prefix, paths]) => {
      const attrs = paths[0]!.attrs;
      const nextHop = attrs.find((a) => a.type === 3)?.nexthop ?? attrs.find((a) => a.type === 14)?.nexthop ?? '';
      const communities = (attrs.find((a) => a.type === 8)?.communities ?? []).map((c) => `${c >>> 16}:${c & 0xffff}`);
      const large = (attrs.find((a) => a.type === 32)?.value ?? []) as { ASN: number; LocalData1: number; LocalData2: number }[];
      return {
        prefix,
        nextHop,
        communities,
        largeCommunities: large.map((c) => `${c.ASN}:${c.LocalData1}:${c.LocalData2}`),
      };
    });
  }

  async flowspec(family: 'ipv4' | 'ipv6'): Promise<FlowspecEntry[]> {
    const table = await this.table(`${family}-flowspec`);
    return Object.entries(table).map(([rule, paths]) => {
      const extended = (paths[0]!.attrs.find((a) => a.type === 16)?.value ?? []) as { subtype: number; rate?: number }[];
      // Traffic-rate (subtype 6): 0 is discard.
      const rate = extended.find((c) => c.subtype === 6)?.rate;
      return { rule, action: rate === undefined ? 'none' : rate === 0 ? 'discard' : `rate-limit ${rate}` };
    });
  }

  private async table(family: string): Promise<Record<string, GobgpPath[]>> {
    const out = await this.gobgp('-j', 'global', 'rib', '-a', family);
    if (out === null) throw new Error(`gobgp could not read the ${family} table`);
    return JSON.parse(out) as Record<string, GobgpPath[]>;
  }

  /** The output of `gobgp -p API ARGS`, or null when it failed. */
  private async gobgp(...args: string[]): Promise<string | null> {
    try {
      const { stdout } = await run('gobgp', ['-p', String(this.apiPort), '-u', GOBGPD_ADDRESS, ...args], { timeout: 5_000 });
      return stdout;
    } catch {
      return null;
    }
  }
}

function gobgpdConfig(bgpPort: number): string {
  const families = ['ipv4-unicast', 'ipv6-unicast', 'ipv4-flowspec', 'ipv6-flowspec']
    .map((name) => `  [[neighbors.afi-safis]]\n    [neighbors.afi-safis.config]\n      afi-safi-name = "${name}"`)
    .join('\n');
  return `[global.config]
  as = ${GOBGPD_AS}
  router-id = "${GOBGPD_ADDRESS}"
  port = ${bgpPort}
  local-address-list = ["${GOBGPD_ADDRESS}"]

[[neighbors]]
  [neighbors.config]
    neighbor-address = "${EXABGP_ADDRESS}"
    peer-as = ${EXABGP_AS}
  [neighbors.transport.config]
    local-address = "${GOBGPD_ADDRESS}"
    # ExaBGP connects; gobgpd never dials 127.0.0.2:179, where another test's daemon may listen.
    passive-mode = true
${families}
`;
}

// ---------------------------------------------------------------------------------------------
// ExaBGP

export interface ExabgpOptions {
  /** gobgpd's BGP port. */
  peerPort: number;
  /** Mode pipe: the pipe's name (exabgp_api_pipename); made unique per test directory. */
  pipeName?: string;
  /** Mode stdout: an API process ExaBGP runs, sending to the neighbor. */
  process?: { name: string; run: string };
  /** Extra environment, seen by ExaBGP and the processes it runs. */
  env?: Record<string, string>;
}

export class Exabgp {
  private constructor(
    private readonly daemon: Daemon,
    /** Mode pipe: the NAME.in floodwatch writes to. */
    readonly pipe: string | null,
  ) {}

  /**
   * ExaBGP 4.2 on 127.0.0.2 connecting to gobgpd. With `pipeName`, its pipes are made under
   * DIR/run/ and found there through `--root DIR`: the name is unique, so that no pipe of a
   * system-wide ExaBGP in /run/exabgp/ is ever picked up.
   */
  static async start(dir: string, options: ExabgpOptions): Promise<Exabgp> {
    const config = join(dir, 'exabgp.conf');
    writeFileSync(config, exabgpConfig(options));
    let pipe: string | null = null;
    if (options.pipeName) {
      mkdirSync(join(dir, 'run'), { recursive: true });
      pipe = join(dir, 'run', `${options.pipeName}.in`);
      for (const end of ['in', 'out']) {
        const fifo = join(dir, 'run', `${options.pipeName}.${end}`);
        // Left by an earlier start in the same directory, or made now.
        if (!existsSync(fifo)) execFileSync('mkfifo', ['-m', '600', fifo]);
      }
    }
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...options.env,
      // As root, ExaBGP would switch to its own user, which cannot open the test's pipes.
      exabgp_daemon_user: userInfo().username,
      exabgp_api_cli: options.pipeName ? 'true' : 'false',
      exabgp_log_destination: 'stdout',
    };
    if (options.pipeName) env.exabgp_api_pipename = options.pipeName;
    const daemon = spawnLogged('exabgp', dir, 'exabgp', ['--root', dir, config], env);
    return new Exabgp(daemon, pipe);
  }

  /** Mode pipe: whether ExaBGP's helper holds the pipe open (it starts a moment after ExaBGP). */
  readingPipe(): boolean {
    if (!this.pipe) return false;
    try {
      closeSync(openSync(this.pipe, constants.O_WRONLY | constants.O_NONBLOCK));
      return true;
    } catch {
      return false;
    }
  }

  log(): string {
    return this.daemon.log();
  }

  async stop(): Promise<void> {
    await this.daemon.stop();
  }
}

function exabgpConfig(options: ExabgpOptions): string {
  const process = options.process ? `process ${options.process.name} {\n  run ${options.process.run};\n  encoder text;\n}\n\n` : '';
  const api = options.process ? `  api {\n    processes [ ${options.process.name} ];\n  }\n` : '';
  return `${process}neighbor ${GOBGPD_ADDRESS} {
  router-id ${EXABGP_ADDRESS};
  local-address ${EXABGP_ADDRESS};
  local-as ${EXABGP_AS};
  peer-as ${GOBGPD_AS};
  connect ${options.peerPort};
  family {
    ipv4 unicast;
    ipv6 unicast;
    ipv4 flow;
    ipv6 flow;
  }
${api}}
`;
}
