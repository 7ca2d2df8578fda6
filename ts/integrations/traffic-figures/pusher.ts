// The push loop both traffic integrations share: every push_seconds, read the figures, encode
// them as one batch, queue it (bounded: the oldest batch goes first, counted) and send the queue
// in order over the integration's transport, retrying with backoff while the server is down.
// Nothing here waits on the server: detection and bans never do.
import type { Logger } from 'pino';
import type { FlowEngine } from '../../engine/index.js';
import type { HostCounters } from '../../engine/index.js';
import type { IntegrationEvent, IntegrationMetric, MetricSample } from '../types.js';
import { AttackLog, type AttackPoint } from './attacks.js';
import { figuresSourceFor, hostsToPush, type TrafficFigures } from './figures.js';
import type { GroupedConfig } from './groupings.js';

/** What one push sends. */
export interface PushContent {
  /** The push's time, ms since the epoch, on a whole push_seconds. */
  at: number;
  /** Null where no engine runs. */
  figures: TrafficFigures | null;
  /** The top hosts and the hosts under attack, each once. */
  hosts: HostCounters[];
  attacks: AttackPoint[];
}

export interface EncodedBatch<B> {
  body: B;
  /** Points (InfluxDB) or metric lines (Graphite) in it. */
  points: number;
}

export interface PushTransport<B> {
  /** Delivers one batch; rejects when it did not (RejectedBatch when resending cannot help). */
  send(body: B): Promise<void>;
  readonly connected: boolean;
  close(): Promise<void>;
}

/** The server refused the batch for what it holds: it is dropped, not retried. */
export class RejectedBatch extends Error {}

export interface PusherOptions<B> {
  /** The integration's name: its metrics are floodwatch_<name>_... */
  name: string;
  log: Logger;
  engine: FlowEngine | null;
  config: GroupedConfig;
  pushSeconds: number;
  topHosts: number;
  /** Batches kept while the server is slow or down. */
  queueBatches: number;
  transport: PushTransport<B>;
  encode(content: PushContent): EncodedBatch<B> | Promise<EncodedBatch<B>>;
  /** What the operator should check when sending fails, e.g. "check actions.influxdb.url". */
  hint: string;
}

const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 10_000;
/** How long stop() lets the queue drain. */
const STOP_DRAIN_MS = 2_000;
/** A failing server is logged again at most this often. */
const LOG_AGAIN_MS = 60_000;

export function pushMetrics(name: string): IntegrationMetric[] {
  const metric = (suffix: string, help: string, type: 'counter' | 'gauge', labels: string[] = []): IntegrationMetric => ({
    name: `floodwatch_${name}_${suffix}`,
    help,
    type,
    labels,
  });
  return [
    metric('points_pushed_total', `Points (metric values) the ${name} server accepted`, 'counter'),
    metric(
      'points_dropped_total',
      `Points not delivered to ${name}: queue_full (server slow or down), rejected (refused by the server), events (attack events past the held limit)`,
      'counter',
      ['reason'],
    ),
    metric('errors_total', `Failed sends to ${name} (each retried batch counts each time)`, 'counter'),
    metric('queue_batches', `Pushes waiting to be sent to ${name}`, 'gauge'),
    metric('connected', `Whether the ${name} server answered the last send (1) or could not be reached (0)`, 'gauge'),
  ];
}

export class TrafficPusher<B> {
  readonly attacks = new AttackLog();
  readonly #options: PusherOptions<B>;
  readonly #queue: EncodedBatch<B>[] = [];
  #timer: NodeJS.Timeout | null = null;
  #retryTimer: NodeJS.Timeout | null = null;
  #wakeRetry: (() => void) | null = null;
  #sending: Promise<void> | null = null;
  #stopped = false;
  #closed = false;
  #pushed = 0;
  #batchesSent = 0;
  #dropped = { queue_full: 0, rejected: 0 };
  #errors = 0;
  #failingSince: number | null = null;
  #lastLogged = 0;

  constructor(options: PusherOptions<B>) {
    this.#options = options;
  }

  start(): void {
    this.#stopped = false;
    this.#schedule();
  }

  record(event: IntegrationEvent): void {
    this.attacks.record(event);
  }

  /** Reads, encodes and queues one push now; resolves once it is queued (not sent). */
  async pushNow(at = this.#alignedNow()): Promise<void> {
    const { engine, config, topHosts } = this.#options;
    const figures = engine ? await figuresSourceFor(engine, config).read(topHosts) : null;
    const underAttack = this.attacks.hostsUnderAttack();
    const hosts = figures && engine ? hostsToPush(figures, topHosts, underAttack, engine) : [];
    const batch = await this.#options.encode({ at, figures, hosts, attacks: this.attacks.take() });
    if (batch.points === 0 || this.#closed) return;
    this.#enqueue(batch);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#wakeRetry?.();
    if (this.#sending) await Promise.race([this.#sending, new Promise((r) => setTimeout(r, STOP_DRAIN_MS).unref())]);
    // A push still being read when stop() came must not open the connection again.
    this.#closed = true;
    await this.#options.transport.close();
  }

  /** Pushes the server accepted. */
  get batchesSent(): number {
    return this.#batchesSent;
  }

  metricValues(): Record<string, MetricSample[]> {
    const name = `floodwatch_${this.#options.name}`;
    return {
      [`${name}_points_pushed_total`]: [[{}, this.#pushed]],
      [`${name}_points_dropped_total`]: [
        [{ reason: 'queue_full' }, this.#dropped.queue_full],
        [{ reason: 'rejected' }, this.#dropped.rejected],
        [{ reason: 'events' }, this.attacks.dropped],
      ],
      [`${name}_errors_total`]: [[{}, this.#errors]],
      [`${name}_queue_batches`]: [[{}, this.#queue.length]],
      [`${name}_connected`]: [[{}, this.#options.transport.connected ? 1 : 0]],
    };
  }

  #periodMs(): number {
    return this.#options.pushSeconds * 1000;
  }

  #alignedNow(): number {
    return Math.floor(Date.now() / this.#periodMs()) * this.#periodMs();
  }

  #schedule(): void {
    if (this.#stopped) return;
    const period = this.#periodMs();
    const next = (Math.floor(Date.now() / period) + 1) * period;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.pushNow(next).catch((err: Error) =>
        this.#options.log.error({ integration: this.#options.name, err: err.message }, `${this.#options.name}: a push could not be prepared`),
      );
      this.#schedule();
    }, next - Date.now());
    this.#timer.unref();
  }

  #enqueue(batch: EncodedBatch<B>): void {
    if (this.#queue.length >= Math.max(1, this.#options.queueBatches)) {
      // The head may be in flight: drop the oldest one waiting behind it.
      const at = this.#sending && this.#queue.length > 1 ? 1 : 0;
      const [dropped] = this.#queue.splice(at, 1);
      this.#dropped.queue_full += dropped.points;
    }
    this.#queue.push(batch);
    this.#sending ??= this.#drain().finally(() => {
      this.#sending = null;
    });
  }

  async #drain(): Promise<void> {
    let delay = RETRY_FIRST_MS;
    while (this.#queue.length > 0 && !this.#closed) {
      const batch = this.#queue[0];
      try {
        await this.#options.transport.send(batch.body);
        this.#pushed += batch.points;
        this.#batchesSent++;
        this.#remove(batch);
        delay = RETRY_FIRST_MS;
        this.#succeeded();
      } catch (err) {
        this.#errors++;
        if (err instanceof RejectedBatch) {
          this.#remove(batch);
          this.#dropped.rejected += batch.points;
          this.#options.log.warn(
            { integration: this.#options.name, err: err.message },
            `${this.#options.name}: the server refused a batch of ${batch.points} points; it is dropped`,
          );
          continue;
        }
        this.#failed(err as Error);
        if (this.#stopped) return;
        await this.#wait(delay);
        delay = Math.min(delay * 2, RETRY_MAX_MS);
        if (this.#stopped) return;
      }
    }
  }

  #remove(batch: EncodedBatch<B>): void {
    const at = this.#queue.indexOf(batch);
    if (at >= 0) this.#queue.splice(at, 1);
  }

  #wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#wakeRetry = () => {
        if (this.#retryTimer) clearTimeout(this.#retryTimer);
        this.#retryTimer = null;
        this.#wakeRetry = null;
        resolve();
      };
      this.#retryTimer = setTimeout(() => this.#wakeRetry?.(), ms);
      this.#retryTimer.unref();
    });
  }

  #failed(err: Error): void {
    const now = Date.now();
    const { name, log, hint } = this.#options;
    if (this.#failingSince === null || now - this.#lastLogged >= LOG_AGAIN_MS) {
      log.warn(
        { integration: name, err: err.message, queued_batches: this.#queue.length, dropped_points: this.#dropped.queue_full },
        `${name}: sending failed (${err.message}); pushes are queued (up to ${this.#options.queueBatches}, the oldest dropped past it) and retried: ${hint}`,
      );
      this.#lastLogged = now;
    }
    this.#failingSince ??= now;
  }

  #succeeded(): void {
    if (this.#failingSince === null) return;
    const { name, log } = this.#options;
    log.info(
      { integration: name, down_seconds: Math.round((Date.now() - this.#failingSince) / 1000), dropped_points: this.#dropped.queue_full },
      `${name}: sending again`,
    );
    this.#failingSince = null;
  }
}
