// The dashboard-stream scenario: what the dashboard's live stream (GET /api/v1/stream, one frame
// a second) costs the daemon per open page, with 10 000 active hosts. One engine + API process,
// its table kept full by a NetFlow v9 spray re-sent round and round; its CPU is measured with no
// page open, with one, and with ten (the pages are plain SSE readers in this process). The cost
// of a page is the difference divided by the pages. FastNetMon has no dashboard: not run. No
// figure is asserted.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { sendSpray } from '../test/support/netflow-spray.js';
import type { EngineConfig } from '../ts/engine/index.js';
import { threadCpuSeconds } from './cpu.js';
import { sleep } from './processes.js';
import type { Row } from './table.js';

const NETWORK = '2001:db8:f000::/36';

class DashboardProcess {
  readonly #lines: AsyncIterator<string>;
  listening: string[] = [];
  api = '';

  private constructor(readonly child: ChildProcess) {
    this.#lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  }

  static async start(engine: EngineConfig): Promise<DashboardProcess> {
    const script = fileURLToPath(new URL('./dashboard-stream-daemon.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify({ engine })], { stdio: ['pipe', 'pipe', 'inherit'] });
    const proc = new DashboardProcess(child);
    const ready = (await proc.#next()) as { listening: string[]; api: string };
    proc.listening = ready.listening;
    proc.api = ready.api;
    return proc;
  }

  async #next(): Promise<unknown> {
    const { value, done } = await this.#lines.next();
    if (done) throw new Error('the dashboard-stream engine process ended');
    return JSON.parse(value as string);
  }

  async ask<T>(command: string): Promise<T> {
    this.child.stdin!.write(`${command}\n`);
    return (await this.#next()) as T;
  }

  get port(): number {
    return Number(this.listening[0]!.split(':').pop());
  }
}

/** An open page's stream: reads and counts what it is sent until aborted. */
function openPage(api: string, received: { bytes: number; frames: number }): AbortController {
  const abort = new AbortController();
  void (async () => {
    const response = await fetch(`${api}/api/v1/stream`, { signal: abort.signal });
    if (!response.ok || !response.body) throw new Error(`GET /api/v1/stream: ${response.status}`);
    for await (const chunk of response.body) {
      received.bytes += chunk.length;
      received.frames += (Buffer.from(chunk).toString('latin1').match(/\n\n/g) ?? []).length;
    }
  })().catch(() => {});
  return abort;
}

async function cpuPercent(pid: number, seconds: number): Promise<number> {
  const before = threadCpuSeconds(pid);
  const started = performance.now();
  await sleep(seconds * 1000);
  return (100 * (threadCpuSeconds(pid) - before)) / ((performance.now() - started) / 1000);
}

export async function runDashboardStreamScenario(options: { smoke: boolean; seconds: number }): Promise<{ results: Record<string, unknown>; rows: Row[] }> {
  const hosts = options.smoke ? 2000 : 10_000;
  const seconds = options.smoke ? 3 : Math.max(10, options.seconds);
  const proc = await DashboardProcess.start({ listen: ['127.0.0.1:0'], workers: 1, networks: [NETWORK], idle_timeout_ms: 600_000, max_hosts: 2 * hosts });
  const plan = { prefix36: '2001:db8:f', destinations: hosts, rate: 200 };
  let sending = true;
  let resend: Promise<void> = Promise.resolve();
  const pages: AbortController[] = [];
  try {
    await sendSpray(proc.port, { ...plan, rate: 5000 });
    resend = (async () => {
      while (sending) await sendSpray(proc.port, plan);
    })();
    await sleep(3000);
    const pid = proc.child.pid!;
    const none = await cpuPercent(pid, seconds);
    const received = { bytes: 0, frames: 0 };
    pages.push(openPage(proc.api, received));
    await sleep(1500);
    const one = await cpuPercent(pid, seconds);
    for (let i = 1; i < 10; i++) pages.push(openPage(proc.api, received));
    await sleep(1500);
    const framesBefore = received.frames;
    const bytesBefore = received.bytes;
    const ten = await cpuPercent(pid, seconds);
    const frameBytes = received.frames > framesBefore ? (received.bytes - bytesBefore) / (received.frames - framesBefore) : null;
    const { hosts: active } = await proc.ask<{ hosts: number }>('stats');
    const frame = await proc.ask<{ mean_ms: number; max_ms: number; snapshot_ms: number }>('frame');
    const firstPage = one - none;
    const perPage = (ten - none) / 10;
    const results = {
      hosts: active,
      seconds,
      cpu_percent_no_page: none,
      cpu_percent_one_page: one,
      cpu_percent_ten_pages: ten,
      first_page_cpu_percent: firstPage,
      per_page_cpu_percent_of_ten: perPage,
      frame_bytes: frameBytes,
      frame_build_ms: frame,
    };
    const rows: Row[] = [
      {
        figure: `Dashboard live stream, ${active} active hosts: CPU of one open page (FastNetMon: no dashboard)`,
        unit: '% core',
        fastnetmon: null,
        floodwatch: firstPage,
        better: 'lower',
      },
      {
        figure: `Dashboard live stream, ${active} active hosts: CPU per page with ten open`,
        unit: '% core',
        fastnetmon: null,
        floodwatch: perPage,
        better: 'lower',
      },
      {
        figure: 'Dashboard live stream: one frame built (snapshot, health, JSON), shared by all pages, mean',
        unit: 'ms',
        fastnetmon: null,
        floodwatch: frame.mean_ms,
        better: 'lower',
      },
    ];
    console.error(
      `dashboard stream: ${active} hosts; CPU ${none.toFixed(2)} % with no page, ${one.toFixed(2)} % with one, ${ten.toFixed(2)} % with ten; frame ${frameBytes?.toFixed(0)} bytes, built in ${frame.mean_ms.toFixed(2)} ms (snapshot ${frame.snapshot_ms.toFixed(2)} ms)`,
    );
    return { results, rows };
  } finally {
    for (const page of pages) page.abort();
    sending = false;
    await resend.catch(() => {});
    await proc.ask('stop').catch(() => {});
    proc.child.kill();
  }
}
