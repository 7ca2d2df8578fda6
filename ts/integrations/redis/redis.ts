// The Redis integration: one connection, kept open and made again when lost (ioredis), and each
// event's writes in one MULTI/EXEC, so that an event is written whole or not at all.
//
// Nothing waits in ioredis while the server is away (no offline queue, no resending): run()
// waits up to timeout_seconds for the connection, then rejects, and the dispatcher retries the
// event with backoff, within its own bounded queue. A retried event may be written twice when
// the server took it but its answer was lost (one more stream entry; the keys are overwritten).
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { Redis, type ChainableCommander, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { describeReadError } from '../../config/errors.js';
import type { Integration, IntegrationEvent, MetricSample } from '../types.js';
import type { RedisConfig } from './config.js';
import { describeRedisError } from './errors.js';
import { attackHashKey, flowDumpKey, informationKey } from './keys.js';
import { RedisMetrics } from './metrics.js';
import { attackHashFields, attackIdOf, eventJson, flowDump, informationJson, writesInformation } from './records.js';

export interface RedisIntegrationOptions {
  /** The longest wait between two attempts to connect again. Default 2 s. */
  maxReconnectDelayMs?: number;
}

interface Waiter {
  resolve(): void;
  reject(error: Error): void;
}

export class RedisIntegration implements Integration {
  readonly name = 'redis';
  /** Waiting for the connection, then the write: each bounded by timeout_seconds. */
  readonly attemptTimeoutMs: number;
  /** It records: an event waits, within the dispatcher's queue bound, until the server is back. */
  readonly retry = { attempts: Infinity, maxDelayMs: 10_000 };
  readonly metrics = new RedisMetrics();
  readonly #client: Redis;
  readonly #timeoutMs: number;
  readonly #where: string;
  readonly #waiters = new Set<Waiter>();
  #lastError: Error | null = null;
  #everReady = false;
  #outageLogged = false;
  #stopped = false;

  constructor(
    private readonly config: RedisConfig,
    private readonly log: Logger,
    options: RedisIntegrationOptions = {},
  ) {
    this.#timeoutMs = config.timeout_seconds * 1000;
    this.attemptTimeoutMs = 2 * this.#timeoutMs + 1000;
    this.#where = `Redis at ${config.host}:${config.port}`;
    this.#client = new Redis(redisOptions(config, options.maxReconnectDelayMs ?? 2000));
    this.#client.on('ready', () => this.#onReady());
    this.#client.on('error', (error: Error) => this.#onError(error));
    this.#client.on('close', () => this.#onClose());
  }

  accepts(): boolean {
    return true;
  }

  start(): void {
    this.#connect();
  }

  async run(event: IntegrationEvent): Promise<void> {
    const writtenAt = new Date().toISOString();
    await this.#ready();
    const transaction = this.#client.multi();
    this.#queueWrites(transaction, event, writtenAt);
    let failure: Error | null;
    try {
      const results = await transaction.exec();
      if (results === null) failure = new Error('the transaction was discarded');
      else failure = results.find(([error]) => error)?.[0] ?? null;
    } catch (error) {
      // EXECABORT says only that an earlier command was refused: name that one.
      failure = (error as { previousErrors?: Error[] }).previousErrors?.[0] ?? (error as Error);
    }
    if (failure) {
      this.metrics.commandsFailed++;
      throw new Error(`${this.#where}: writing the ${event.kind} of ${event.ip} failed: ${describeRedisError(failure)}; the event is retried`);
    }
    this.metrics.written.set(event.kind, (this.metrics.written.get(event.kind) ?? 0) + 1);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const waiter of this.#waiters) waiter.reject(new Error(`${this.#where}: floodwatch is stopping`));
    this.#waiters.clear();
    if (this.#client.status === 'ready') {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.#timeoutMs)));
      await Promise.race([this.#client.quit().catch(() => undefined), timeout]);
      clearTimeout(timer);
    }
    this.#client.disconnect();
    this.metrics.connected = false;
  }

  metricValues(): Record<string, MetricSample[]> {
    return this.metrics.values();
  }

  #queueWrites(transaction: ChainableCommander, event: IntegrationEvent, writtenAt: string): void {
    const { prefix, key_ttl_seconds: ttl } = this.config;
    const set = (key: string, value: string) => (ttl > 0 ? transaction.set(key, value, 'EX', ttl) : transaction.set(key, value));
    if (writesInformation(event)) {
      set(informationKey(prefix, event.ip), informationJson(event));
      const dump = flowDump(event.attack);
      if (dump !== null) set(flowDumpKey(prefix, event.ip), dump);
    }
    const attackId = attackIdOf(event);
    if (this.config.attack_hash && attackId !== null) {
      const key = attackHashKey(prefix, event.ip, attackId);
      transaction.hset(key, attackHashFields(event, attackId, writtenAt));
      if (ttl > 0) transaction.expire(key, ttl);
    }
    const json = eventJson(event, writtenAt);
    if (this.config.stream !== '') {
      const fields = ['kind', event.kind, 'ip', event.ip, 'attack_id', attackId ?? '', 'event', json];
      transaction.xadd(this.config.stream, 'MAXLEN', '~', this.config.stream_max_length, '*', ...fields);
    }
    if (this.config.channel !== '') transaction.publish(this.config.channel, json);
  }

  /** Resolves once connected; rejects, saying why, when not within timeout_seconds. */
  async #ready(): Promise<void> {
    if (this.#client.status === 'ready') return;
    if (this.#stopped) throw new Error(`${this.#where}: floodwatch is stopping`);
    this.#connect();
    await new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        const reason = this.#lastError ? describeRedisError(this.#lastError) : `no connection within ${this.config.timeout_seconds} s`;
        reject(new Error(`${this.#where} is not reachable: ${reason}; the event is retried`));
      }, this.#timeoutMs);
      this.#waiters.add(waiter);
    });
  }

  /** Starts connecting unless it is already (ioredis then reconnects by itself). */
  #connect(): void {
    if (this.#client.status !== 'wait' && this.#client.status !== 'end') return;
    // A failure comes through the 'error' event as well, and ioredis keeps trying.
    this.#client.connect().catch(() => undefined);
  }

  #onReady(): void {
    this.metrics.connected = true;
    this.#lastError = null;
    this.#outageLogged = false;
    if (this.#everReady) {
      this.metrics.reconnects++;
      this.log.info({ integration: this.name }, `${this.#where}: connected again`);
    } else {
      this.log.info({ integration: this.name }, `${this.#where}: connected`);
    }
    this.#everReady = true;
    for (const waiter of this.#waiters) waiter.resolve();
    this.#waiters.clear();
  }

  #onError(error: Error): void {
    this.#lastError = error;
    if (this.#outageLogged || this.#stopped) return;
    this.#outageLogged = true;
    this.log.warn({ integration: this.name }, `${this.#where}: ${describeRedisError(error)}; trying again until it answers`);
  }

  #onClose(): void {
    if (!this.metrics.connected) return;
    this.metrics.connected = false;
    if (!this.#stopped) this.log.warn({ integration: this.name }, `${this.#where}: connection lost; connecting again`);
  }
}

function redisOptions(config: RedisConfig, maxReconnectDelayMs: number): RedisOptions {
  const timeoutMs = config.timeout_seconds * 1000;
  return {
    host: config.host,
    port: config.port,
    db: config.database,
    username: config.username,
    password: config.password,
    tls: config.tls.enabled ? tlsOptions(config) : undefined,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 10), maxReconnectDelayMs),
    // RESP2: every Redis a FastNetMon user may run answers it.
    protocol: 2,
    maintNotifications: 'disabled',
    connectionName: 'floodwatch',
    disableClientInfo: true,
  };
}

function tlsOptions(config: RedisConfig): ConnectionOptions {
  const options: ConnectionOptions = {};
  if (isIP(config.host) === 0) options.servername = config.host;
  const caFile = config.tls.ca_file;
  if (caFile !== undefined) {
    try {
      options.ca = readFileSync(caFile);
    } catch (error) {
      throw new Error(`actions.redis.tls.ca_file: ${caFile}: ${describeReadError(error)}`, { cause: error });
    }
  }
  return options;
}
