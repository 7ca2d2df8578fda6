// API load for the soak: readers (hosts, top talkers, traffic, bans, metrics), a ban ledger that
// bans and lifts bans with the token and remembers what the daemon acknowledged, and idle
// connections that never send a request.
import { randomInt } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { sleep } from '../processes.js';
import { BAN_ADDRESSES, banAddress } from './plan.js';

export interface ApiCounts {
  requests: number;
  /** Answers by status class (2xx, 4xx, 5xx) and requests with no answer (none). */
  byClass: Record<'2xx' | '3xx' | '4xx' | '5xx' | 'none', number>;
  /** Answers by status code. */
  byStatus: Map<number, number>;
  latenciesMs: number[];
  /** The first few 5xx answers: method, path, status, body. */
  serverErrors: string[];
}

export const newApiCounts = (): ApiCounts => ({
  requests: 0,
  byClass: { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, none: 0 },
  byStatus: new Map(),
  latenciesMs: [],
  serverErrors: [],
});

async function request(counts: ApiCounts, url: string, init: RequestInit = {}): Promise<{ status: number; body: string } | null> {
  counts.requests++;
  const started = performance.now();
  try {
    const r = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
    const body = await r.text();
    counts.latenciesMs.push(performance.now() - started);
    const cls = `${Math.floor(r.status / 100)}xx` as keyof ApiCounts['byClass'];
    counts.byClass[cls] = (counts.byClass[cls] ?? 0) + 1;
    counts.byStatus.set(r.status, (counts.byStatus.get(r.status) ?? 0) + 1);
    if (r.status >= 500 && counts.serverErrors.length < 20)
      counts.serverErrors.push(`${init.method ?? 'GET'} ${new URL(url).pathname}: ${r.status} ${body.slice(0, 200)}`);
    return { status: r.status, body };
  } catch {
    counts.byClass.none++;
    return null;
  }
}

/** `workers` readers, each one request at a time with `pauseMs` between, until `deadline`. */
export async function readers(
  counts: ApiCounts,
  apiUrl: string,
  hostsToRead: () => string[],
  workers: number,
  pauseMs: number,
  deadline: number,
): Promise<void> {
  const base = apiUrl.replace(/\/api\/v1$/, '');
  const paths = [
    () => `${apiUrl}/hosts/${encodeURIComponent(hostsToRead()[randomInt(Math.max(1, hostsToRead().length))] ?? '198.18.1.10')}`,
    () =>
      `${apiUrl}/hosts?direction=${randomInt(2) ? 'incoming' : 'outgoing'}&sort=${['pps', 'bps', 'flows', 'tcp_syn_pps'][randomInt(4)]}&limit=${randomInt(1, 101)}`,
    () => `${apiUrl}/traffic`,
    () => `${apiUrl}/bans`,
    () => `${base}/metrics`,
  ];
  const worker = async () => {
    while (Date.now() < deadline) {
      await request(counts, paths[randomInt(paths.length)]());
      await sleep(pauseMs);
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
}

type BanState = 'banned' | 'lifted' | 'unknown';

/** Bans and lifts bans through the API, and keeps what each acknowledged answer says. */
export class BanLedger {
  readonly state = new Map<string, BanState>();
  acknowledgedBans = 0;
  acknowledgedUnbans = 0;
  /** Answers that contradict an earlier acknowledged answer: a ban or an unban lost. */
  readonly contradictions: string[] = [];

  constructor(
    private readonly counts: ApiCounts,
    private readonly apiUrl: string,
    private readonly token: string,
  ) {}

  async #ban(ip: string): Promise<void> {
    const r = await request(this.counts, `${this.apiUrl}/bans`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ip, ttl_seconds: 3600, force: true, comment: 'soak' }),
    });
    const before = this.state.get(ip);
    if (r?.status === 201) {
      this.state.set(ip, 'banned');
      this.acknowledgedBans++;
    } else if (r?.status === 409) {
      if (before === 'lifted') this.contradictions.push(`POST ${ip}: 409 already banned, but its DELETE had answered 200`);
      this.state.set(ip, 'unknown');
    } else if (r === null || r.status >= 500) {
      this.state.set(ip, 'unknown');
    }
  }

  async #unban(ip: string): Promise<void> {
    const r = await request(this.counts, `${this.apiUrl}/bans/${ip}`, { method: 'DELETE', headers: { authorization: `Bearer ${this.token}` } });
    const before = this.state.get(ip);
    if (r?.status === 200) {
      this.state.set(ip, 'lifted');
      this.acknowledgedUnbans++;
    } else if (r?.status === 404) {
      if (before === 'banned') this.contradictions.push(`DELETE ${ip}: 404 not banned, but its POST had answered 201`);
      this.state.set(ip, 'lifted');
    } else if (r === null || r.status >= 500) {
      this.state.set(ip, 'unknown');
    }
  }

  /** One mutation every `pauseMs` until `deadline`: a ban, or the more often the more are banned, an unban. */
  async run(pauseMs: number, deadline: number): Promise<void> {
    while (Date.now() < deadline) {
      const banned = [...this.state].filter(([, s]) => s === 'banned').map(([ip]) => ip);
      if (randomInt(BAN_ADDRESSES) < banned.length) await this.#unban(banned[randomInt(banned.length)]);
      else {
        const free = Array.from({ length: BAN_ADDRESSES }, (_, n) => banAddress(n)).filter((ip) => this.state.get(ip) !== 'banned');
        if (free.length > 0) await this.#ban(free[randomInt(free.length)]);
      }
      await sleep(pauseMs);
    }
  }

  /** What the daemon's GET /bans lacks (acknowledged bans) or still holds (acknowledged unbans). */
  async verify(mustAlsoBeBanned: string[]): Promise<{ checked: number; missing: string[]; resurrected: string[] }> {
    const r = await fetch(`${this.apiUrl}/bans`, { signal: AbortSignal.timeout(30_000) });
    if (!r.ok) throw new Error(`GET ${this.apiUrl}/bans answered ${r.status}: ${await r.text()}`);
    const present = new Set(((await r.json()) as { bans: { ip: string }[] }).bans.map((b) => b.ip));
    const banned = [...[...this.state].filter(([, s]) => s === 'banned').map(([ip]) => ip), ...mustAlsoBeBanned];
    const lifted = [...this.state].filter(([, s]) => s === 'lifted').map(([ip]) => ip);
    return { checked: banned.length + lifted.length, missing: banned.filter((ip) => !present.has(ip)), resurrected: lifted.filter((ip) => present.has(ip)) };
  }
}

/** Up to `target` TCP connections to the API that never send a byte; `fill()` tops them up. */
export class IdleConnections {
  readonly #open = new Set<Socket>();
  opened = 0;

  constructor(
    private readonly port: number,
    private readonly target: number,
  ) {}

  get open(): number {
    return this.#open.size;
  }

  async fill(): Promise<void> {
    const missing = this.target - this.#open.size;
    await Promise.all(
      Array.from(
        { length: missing },
        () =>
          new Promise<void>((resolve) => {
            const s = connect(this.port, '127.0.0.1');
            const giveUp = setTimeout(() => s.destroy(), 5000); // the accept queue is full: not held
            s.once('connect', () => {
              clearTimeout(giveUp);
              this.#open.add(s);
              this.opened++;
              resolve();
            });
            s.once('error', () => resolve());
            s.once('close', () => {
              clearTimeout(giveUp);
              this.#open.delete(s);
              resolve();
            });
          }),
      ),
    );
  }

  close(): void {
    for (const s of this.#open) s.destroy();
    this.#open.clear();
  }
}
