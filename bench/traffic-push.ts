// The traffic-push scenario: what pushing to InfluxDB and Graphite every second costs with
// 100 000 active hosts. The same engine process runs twice on the same traffic (an IPv6 spray
// of NetFlow v9 records, re-sent round and round so that every host keeps a speed), once with
// no push and once with both pushes on, to a real influxd and carbon-cache started here; the
// difference of its CPU time is the pushes' cost. FastNetMon pushes every host it sees, not a
// top list: it is not run here. No figure is asserted.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { CarbonServer } from '../test/support/carbon.js';
import { InfluxServer } from '../test/support/influxdb.js';
import { sendSpray } from '../test/support/netflow-spray.js';
import type { EngineConfig } from '../ts/engine/index.js';
import { graphite } from '../ts/integrations/graphite/index.js';
import { influxdb } from '../ts/integrations/influxdb/index.js';
import { threadCpuSeconds } from './cpu.js';
import { sleep } from './processes.js';
import type { Row } from './table.js';

const NETWORK = '2001:db8:f000::/36';
/** Customers as operators configure them: 50 hostgroups of the sprayed network. */
const HOSTGROUPS = Array.from({ length: 50 }, (_, i) => ({ name: `customer-${i}`, prefixes: [`2001:db8:f000:${(i * 0x100).toString(16)}::/56`] }));

class PushProcess {
  readonly #lines: AsyncIterator<string>;
  listening: string[] = [];

  private constructor(readonly child: ChildProcess) {
    this.#lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  }

  static async start(setup: object): Promise<PushProcess> {
    const script = fileURLToPath(new URL('./traffic-push-engine.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify(setup)], { stdio: ['pipe', 'pipe', 'inherit'] });
    const proc = new PushProcess(child);
    proc.listening = ((await proc.#next()) as { listening: string[] }).listening;
    return proc;
  }

  async #next(): Promise<unknown> {
    const { value, done } = await this.#lines.next();
    if (done) throw new Error('the traffic-push engine process ended');
    return JSON.parse(value as string);
  }

  async ask<T>(command: string): Promise<T> {
    this.child.stdin!.write(`${command}\n`);
    return (await this.#next()) as T;
  }

  get port(): number {
    return Number(this.listening[0].split(':').pop());
  }
}

interface RunFigures {
  hosts: number;
  cpuPercent: number;
  influxdbPoints: number;
  graphitePoints: number;
  dropped: number;
  read: { mean_ms: number; max_ms: number } | null;
}

async function run(hosts: number, seconds: number, servers: { influx: InfluxServer; carbon: CarbonServer } | null): Promise<RunFigures> {
  const engine: EngineConfig = { listen: ['127.0.0.1:0'], workers: 1, networks: [NETWORK], idle_timeout_ms: 600_000, max_hosts: 2 * hosts };
  const config = { networks: [NETWORK], hostgroups: HOSTGROUPS };
  const push = { push_seconds: 1, top_hosts: 20, queue_batches: 60 };
  const setup = {
    engine,
    config,
    influxdb: servers ? { ...influxdb.defaults(), ...push, enabled: true, url: servers.influx.url, database: 'bench' } : null,
    graphite: servers ? { ...graphite.defaults(), ...push, enabled: true, host: servers.carbon.host, port: servers.carbon.port, prefix: 'bench' } : null,
  };
  const proc = await PushProcess.start(setup);
  let sending = true;
  const plan = { prefix36: '2001:db8:f', destinations: hosts, rate: 1000 };
  let resend: Promise<void> = Promise.resolve();
  try {
    // The first round fills the table; then measure while every host keeps a speed.
    await sendSpray(proc.port, { ...plan, rate: 20_000 });
    resend = (async () => {
      while (sending) await sendSpray(proc.port, plan);
    })();
    await sleep(3000);
    const before = await proc.ask<{ influxdb_points: number; graphite_points: number }>('stats');
    const cpuBefore = threadCpuSeconds(proc.child.pid!);
    const started = performance.now();
    await sleep(seconds * 1000);
    const cpu = threadCpuSeconds(proc.child.pid!) - cpuBefore;
    const elapsed = (performance.now() - started) / 1000;
    const after = await proc.ask<{ hosts: number; influxdb_points: number; graphite_points: number; influxdb_dropped: number; graphite_dropped: number }>(
      'stats',
    );
    const read = servers ? await proc.ask<{ mean_ms: number; max_ms: number }>('read') : null;
    return {
      hosts: after.hosts,
      cpuPercent: (100 * cpu) / elapsed,
      influxdbPoints: (after.influxdb_points - before.influxdb_points) / elapsed,
      graphitePoints: (after.graphite_points - before.graphite_points) / elapsed,
      dropped: after.influxdb_dropped + after.graphite_dropped,
      read,
    };
  } finally {
    sending = false;
    await resend.catch(() => {});
    await proc.ask('stop').catch(() => {});
    proc.child.kill();
  }
}

export async function runTrafficPushScenario(options: { smoke: boolean; seconds: number }): Promise<{ results: Record<string, unknown>; rows: Row[] }> {
  const hosts = options.smoke ? 10_000 : 100_000;
  const seconds = options.smoke ? 3 : Math.max(10, options.seconds);
  const [influx, carbon] = await Promise.all([InfluxServer.start(), CarbonServer.start()]);
  try {
    await influx.createDatabase('bench');
    const off = await run(hosts, seconds, null);
    const on = await run(hosts, seconds, { influx, carbon });
    const cost = on.cpuPercent - off.cpuPercent;
    const results = {
      hosts: on.hosts,
      seconds,
      cpu_percent_without_push: off.cpuPercent,
      cpu_percent_with_push: on.cpuPercent,
      push_cpu_percent: cost,
      figures_read_ms: on.read,
      influxdb_points_per_second: on.influxdbPoints,
      graphite_lines_per_second: on.graphitePoints,
      dropped: on.dropped,
    };
    const rows: Row[] = [
      {
        figure: `InfluxDB + Graphite pushes every 1 s, ${on.hosts} hosts: CPU (FastNetMon: not run)`,
        unit: '% core',
        fastnetmon: null,
        floodwatch: cost,
        better: 'lower',
      },
      {
        figure: `Figures read per push (one pass over ${on.hosts} hosts), mean`,
        unit: 'ms',
        fastnetmon: null,
        floodwatch: on.read?.mean_ms ?? null,
        better: 'lower',
      },
    ];
    return { results, rows };
  } finally {
    await Promise.all([influx.stop(), carbon.stop()]);
  }
}
