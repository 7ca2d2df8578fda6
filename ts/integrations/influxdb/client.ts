// Writes line protocol to InfluxDB over plain HTTP(S) with Node's http client: one kept-alive
// connection, so that the server's name is resolved when a connection opens, not on every push.
//   api v1: POST /write?db=DATABASE&precision=ms, Basic authentication when a user is set
//           (InfluxDB 1.x; 1.8 and later also take v2).
//   api v2: POST /api/v2/write?org=ORG&bucket=BUCKET&precision=ms, Authorization: Token TOKEN
//           (InfluxDB 2.x, and 3.x, which takes the same endpoint).
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { RejectedBatch, type PushTransport } from '../traffic-figures/pusher.js';

export interface InfluxWriteTarget {
  url: string;
  api: 'v1' | 'v2';
  database: string;
  user?: string;
  password?: string;
  org?: string;
  bucket?: string;
  token?: string;
  gzip: boolean;
  timeout_seconds: number;
}

/** One write: the line protocol body, gzipped or not. */
export interface InfluxBody {
  data: Buffer;
  gzipped: boolean;
}

/** Statuses that say the batch itself is refused (bad lines, too large): resending cannot help. */
const REFUSED_STATUSES = new Set([400, 413, 422]);
/** Bodies of error answers kept for the message. */
const MAX_ERROR_BODY = 2048;

export class InfluxClient implements PushTransport<InfluxBody> {
  #connected = false;
  readonly #agent: http.Agent;
  readonly #url: URL;
  readonly #lookup: LookupFunction | undefined;

  constructor(
    private readonly target: InfluxWriteTarget,
    options: { lookup?: LookupFunction } = {},
  ) {
    this.#url = writeUrl(target);
    const secure = this.#url.protocol === 'https:';
    this.#agent = new (secure ? https : http).Agent({ keepAlive: true, maxSockets: 1, keepAliveMsecs: 10_000 });
    this.#lookup = options.lookup;
  }

  get connected(): boolean {
    return this.#connected;
  }

  send(body: InfluxBody): Promise<void> {
    const headers: http.OutgoingHttpHeaders = {
      'Content-Type': 'text/plain; charset=utf-8',
      'Content-Length': body.data.length,
      ...(body.gzipped && { 'Content-Encoding': 'gzip' }),
      ...this.#authorization(),
    };
    const request = (this.#url.protocol === 'https:' ? https : http).request;
    return new Promise((resolve, reject) => {
      const req = request(
        this.#url,
        { method: 'POST', agent: this.#agent, headers, timeout: this.target.timeout_seconds * 1000, lookup: this.#lookup },
        (res) => {
          const chunks: Buffer[] = [];
          let length = 0;
          res.on('data', (chunk: Buffer) => {
            if (length < MAX_ERROR_BODY) chunks.push(chunk);
            length += chunk.length;
          });
          res.on('end', () => {
            this.#connected = true;
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) return resolve();
            const answer = Buffer.concat(chunks).toString('utf8').slice(0, MAX_ERROR_BODY).trim();
            const message = `${this.#where()} answered ${status}${answer ? `: ${answer}` : ''}${this.#hint(status)}`;
            reject(REFUSED_STATUSES.has(status) ? new RejectedBatch(message) : new Error(message));
          });
          res.on('error', (err) => reject(this.#unreachable(err)));
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.target.timeout_seconds} s`)));
      req.on('error', (err) => reject(this.#unreachable(err)));
      req.end(body.data);
    });
  }

  async close(): Promise<void> {
    this.#agent.destroy();
    this.#connected = false;
  }

  #authorization(): http.OutgoingHttpHeaders {
    const { api, user, password, token } = this.target;
    if (api === 'v2') return token ? { Authorization: `Token ${token}` } : {};
    if (user === undefined) return {};
    return { Authorization: `Basic ${Buffer.from(`${user}:${password ?? ''}`).toString('base64')}` };
  }

  #where(): string {
    return `InfluxDB at ${this.#url.origin}`;
  }

  #unreachable(err: Error): Error {
    this.#connected = false;
    return new Error(`${this.#where()} is unreachable: ${err.message}`, { cause: err });
  }

  #hint(status: number): string {
    const key = 'actions.influxdb';
    if (status === 401 || status === 403) {
      return this.target.api === 'v1' ? ` (check ${key}.user and ${key}.password)` : ` (check ${key}.token: it needs write access to the bucket)`;
    }
    if (status === 404) {
      return this.target.api === 'v1'
        ? ` (create the database: CREATE DATABASE "${this.target.database}", or check ${key}.database)`
        : ` (check ${key}.org and ${key}.bucket, or set ${key}.api: v1 for InfluxDB 1.x)`;
    }
    return '';
  }
}

/** The write endpoint of the configured server. */
export function writeUrl(target: Pick<InfluxWriteTarget, 'url' | 'api' | 'database' | 'org' | 'bucket'>): URL {
  const url = new URL(target.url);
  const base = url.pathname.replace(/\/+$/, '');
  if (target.api === 'v1') {
    url.pathname = `${base}/write`;
    url.search = new URLSearchParams({ db: target.database, precision: 'ms' }).toString();
  } else {
    url.pathname = `${base}/api/v2/write`;
    url.search = new URLSearchParams({ ...(target.org && { org: target.org }), bucket: target.bucket ?? '', precision: 'ms' }).toString();
  }
  return url;
}
