// The MongoDB integration at work: one client, kept connected by the driver, which writes each
// event's documents (documents.ts). A write fails within timeout_ms when no server answers, so
// that the dispatcher retries it with backoff instead of waiting on it.
import { MongoClient, MongoServerError, MongoServerSelectionError, type Db, type TopologyDescriptionChangedEvent } from 'mongodb';
import type { Logger } from 'pino';
import type { Integration, IntegrationEvent, MetricSample } from '../types.js';
import { describeMongodb, redactUri, type MongodbConfig } from './config.js';
import { ATTACKS, BANS, INDEXES, writesFor, type CollectionName, type MongodbWrite, type StringIdDocument } from './documents.js';

export const MONGODB_METRICS = {
  connected: 'floodwatch_mongodb_connected',
  writes: 'floodwatch_mongodb_writes_total',
  writeErrors: 'floodwatch_mongodb_write_errors_total',
} as const;

const DUPLICATE_KEY = 11000;
const AUTHENTICATION_FAILED = 18;

export class MongodbIntegration implements Integration {
  readonly name = 'mongodb';
  /** Two writes an event, each choosing a server, connecting and waiting for its reply. */
  readonly attemptTimeoutMs: number;
  /** A record: its events wait (within the dispatcher's queue bound) as long as the server is away. */
  readonly retry = { attempts: Infinity, maxDelayMs: 10_000 };
  readonly #client: MongoClient;
  readonly #db: Db;
  readonly #where: string;
  readonly #log: Logger;
  readonly #timeoutMs: number;
  /** When each event first reached run(): a retried unban keeps the time of the first try. */
  #indexes: Promise<void> | null = null;
  #connected = false;
  readonly #writes: Record<CollectionName, number> = { [ATTACKS]: 0, [BANS]: 0 };
  #writeErrors = 0;

  constructor(config: MongodbConfig, log: Logger) {
    this.#log = log;
    this.#where = describeMongodb(config);
    this.#timeoutMs = config.timeout_ms;
    this.attemptTimeoutMs = 2 * 3 * config.timeout_ms + 1000;
    this.#client = new MongoClient(config.uri, {
      appName: 'floodwatch',
      serverSelectionTimeoutMS: config.timeout_ms,
      connectTimeoutMS: config.timeout_ms,
      socketTimeoutMS: config.timeout_ms,
      ...(config.tls && {
        tls: true,
        ...(config.tls_ca_file !== null && { tlsCAFile: config.tls_ca_file }),
        ...(config.tls_certificate_key_file !== null && { tlsCertificateKeyFile: config.tls_certificate_key_file }),
      }),
    });
    this.#db = this.#client.db(config.database);
    this.#client.on('topologyDescriptionChanged', (event) => this.#topologyChanged(event));
  }

  accepts(): boolean {
    return true;
  }

  /** Connects and creates the indexes; when the server is down, run() tries again. */
  async start(): Promise<void> {
    await this.#ensureIndexes();
    this.#log.info({ integration: this.name }, `${this.#where}: connected, indexes in place`);
  }

  async run(event: IntegrationEvent): Promise<void> {
    await this.#ensureIndexes();
    for (const write of writesFor(event, new Date(event.at))) await this.#apply(write, event);
  }

  async stop(): Promise<void> {
    await this.#client.close();
    this.#connected = false;
  }

  metricValues(): Record<string, MetricSample[]> {
    return {
      [MONGODB_METRICS.connected]: [[{}, this.#connected ? 1 : 0]],
      [MONGODB_METRICS.writes]: Object.entries(this.#writes).map(([collection, count]) => [{ collection }, count]),
      [MONGODB_METRICS.writeErrors]: [[{}, this.#writeErrors]],
    };
  }

  #ensureIndexes(): Promise<void> {
    this.#indexes ??= this.#createIndexes().catch((error: unknown) => {
      this.#indexes = null;
      throw this.#failure('connecting and creating the indexes', error);
    });
    return this.#indexes;
  }

  async #createIndexes(): Promise<void> {
    // Explicitly: after a failed first connection the driver's automatic one stays closed.
    await this.#client.connect();
    for (const [collection, indexes] of Object.entries(INDEXES)) await this.#db.collection(collection).createIndexes(indexes);
    this.#setConnected(true);
  }

  async #apply(write: MongodbWrite, event: IntegrationEvent): Promise<void> {
    try {
      await this.#db.collection<StringIdDocument>(write.collection).updateOne(write.filter, write.update, { upsert: write.upsert });
      this.#writes[write.collection]++;
      this.#setConnected(true);
    } catch (error) {
      if (write.upsert && error instanceof MongoServerError && error.code === DUPLICATE_KEY) return;
      this.#writeErrors++;
      throw this.#failure(`recording ${event.kind} of ${event.ip} in ${write.collection}`, error);
    }
  }

  /** An error the operator can act on: where, what failed, and what to check. */
  #failure(what: string, error: unknown): Error {
    const reason = redactUri(error instanceof Error ? error.message : String(error));
    let advice = '';
    if (error instanceof MongoServerSelectionError) {
      this.#setConnected(false, reason);
      advice = `: no server answered within ${this.#timeoutMs} ms; check that it runs and is reachable, and actions.mongodb.uri`;
    } else if (error instanceof MongoServerError) {
      if (error.code === AUTHENTICATION_FAILED) advice = ': check the user, password and authSource in actions.mongodb.uri';
    } else {
      // No answer from the server: the connection was refused, reset or timed out.
      this.#setConnected(false, reason);
      advice = ': check that the server runs and is reachable';
    }
    return new Error(`${this.#where}: ${what} failed: ${reason}${advice}`, { cause: error });
  }

  #topologyChanged(event: TopologyDescriptionChangedEvent): void {
    const description = event.newDescription;
    const reachable = description.hasDataBearingServers;
    const lastError = [...description.servers.values()].find((server) => server.error)?.error;
    this.#setConnected(reachable, lastError ? redactUri(lastError.message) : undefined);
  }

  #setConnected(connected: boolean, reason?: string): void {
    if (connected === this.#connected) return;
    this.#connected = connected;
    if (connected) this.#log.info({ integration: this.name }, `${this.#where}: reachable`);
    else this.#log.warn({ integration: this.name, reason }, `${this.#where}: unreachable, writes are retried`);
  }
}
