// BIRD 2 on loopback as a BGP peer for the tests: started by the test in its own directory, with
// its control socket there, on a port picked at random; read back with birdc.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DaemonProcess, eventually, type BgpNeighbor } from './gobgpd.js';

const run = promisify(execFile);

export interface BirdOptions {
  dir: string;
  name: string;
  /** Its loopback address: router id and BGP source address. */
  address: string;
  port: number;
  asn: number;
  neighbor: BgpNeighbor;
}

/** Tables the BGP session imports into: master4, master6, and FlowSpec tables flowtab4, flowtab6. */
export class Bird {
  readonly #daemon: DaemonProcess;
  readonly socket: string;

  private constructor(daemon: DaemonProcess, socket: string) {
    this.#daemon = daemon;
    this.socket = socket;
  }

  static async start(options: BirdOptions): Promise<Bird> {
    const config = join(options.dir, `${options.name}.conf`);
    const socket = join(options.dir, `${options.name}.ctl`);
    writeFileSync(config, birdConfig(options));
    const daemon = new DaemonProcess(options.name, 'bird', ['-c', config, '-s', socket, '-f'], join(options.dir, `${options.name}.log`));
    const bird = new Bird(daemon, socket);
    await eventually(`bird ${options.name} to answer on ${socket}`, async () => {
      if (!daemon.alive) throw new Error(`bird ${options.name} exited:\n${daemon.log()}`);
      return (await bird.birdc('show', 'status')) !== null;
    });
    return bird;
  }

  stop(): Promise<void> {
    return this.#daemon.stop();
  }

  log(): string {
    return this.#daemon.log();
  }

  async established(): Promise<boolean> {
    return /Established/.test((await this.birdc('show', 'protocols', 'peer')) ?? '');
  }

  /** `show route all` of one table: the routes with their attributes, as text. */
  async routes(table: 'master4' | 'master6' | 'flowtab4' | 'flowtab6'): Promise<string> {
    const out = await this.birdc('show', 'route', 'table', table, 'all');
    if (out === null) throw new Error(`birdc show route table ${table} failed`);
    return out;
  }

  /** The output of `birdc -s SOCKET ARGS`, or null when it failed. */
  async birdc(...args: string[]): Promise<string | null> {
    try {
      const { stdout } = await run('birdc', ['-s', this.socket, ...args], { timeout: 5_000 });
      return stdout;
    } catch {
      return null;
    }
  }
}

function birdConfig(options: BirdOptions): string {
  const { neighbor } = options;
  return `router id ${options.address};
log stderr all;
protocol device {}
flow4 table flowtab4;
flow6 table flowtab6;
protocol bgp peer {
  local ${options.address} port ${options.port} as ${options.asn};
  neighbor ${neighbor.address} port ${neighbor.port} as ${neighbor.asn};
  # gobgpd listens on the same port number on another address.
  strict bind on;
  connect delay time 1;
  connect retry time 1;
  error wait time 1, 2;
  ipv4 { import all; export none; };
  ipv6 { import all; export none; };
  flow4 { table flowtab4; import all; export none; };
  flow6 { table flowtab6; import all; export none; };
}
`;
}
