// Sends the engine's Kafka record batches as they are: one Produce request (v3; v7 for zstd, which
// brokers refuse in earlier versions, KIP-110) per leader for the batches of its partitions, to the
// leader of its partition, through kafkajs's cluster (metadata, connections, TLS, SASL), but
// without kafkajs's record encoder: it encodes under 200 000 records a second on one core, the
// engine's batches need none of it. Uses kafkajs's internal modules (pinned by package.json).
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KafkaConfig as KafkajsConfig } from 'kafkajs';
import type { KafkaConfig } from './config.js';

const require = createRequire(import.meta.url);
const Cluster = require('kafkajs/src/cluster/index.js') as new (options: Record<string, unknown>) => KafkajsCluster;
const { createLogger, LEVELS } = require('kafkajs/src/loggers/index.js') as {
  createLogger(o: { level: number; logCreator: () => () => void }): unknown;
  LEVELS: { NOTHING: number };
};
const socketFactory = require('kafkajs/src/network/socketFactory.js') as () => unknown;
const Encoder = require('kafkajs/src/protocol/encoder.js') as new (initialSize?: number) => KafkajsEncoder;
const PRODUCE_RESPONSES: Record<number, unknown> = {
  3: require('kafkajs/src/protocol/requests/produce/v3/response.js'),
  7: require('kafkajs/src/protocol/requests/produce/v7/response.js'),
};
const { Produce } = require('kafkajs/src/protocol/requests/apiKeys.js') as { Produce: number };

interface KafkajsEncoder {
  buf: Buffer;
  offset: number;
}

interface KafkajsBroker {
  connectionPool: { send(request: { request: unknown; response: unknown; requestTimeout?: number }): Promise<unknown> };
}

interface KafkajsCluster {
  isConnected(): boolean;
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  refreshMetadata(): Promise<void>;
  addTargetTopic(topic: string): Promise<void>;
  findTopicPartitionMetadata(topic: string): { partitionId: number; leader: number }[];
  findBroker(query: { nodeId: number }): Promise<KafkajsBroker>;
}

/** A Kafka record batch for one partition of the topic. */
export interface PartitionBatch {
  partition: number;
  batch: Buffer;
}

/**
 * The batches grouped into Produce requests: one per leader, and more where a partition has
 * several batches (a request carries one per partition, Produce v3 on). `leader` undefined: the
 * batch goes alone, for `send` to fail saying why.
 */
export function produceRequests<T extends PartitionBatch>(batches: T[], leader: (partition: number) => number | undefined): T[][] {
  const requests: T[][] = [];
  const open = new Map<number, T[][]>();
  for (const batch of batches) {
    const id = leader(batch.partition);
    if (id === undefined) {
      requests.push([batch]);
      continue;
    }
    const mine = open.get(id) ?? [];
    open.set(id, mine);
    let request = mine.find((r) => !r.some((b) => b.partition === batch.partition));
    if (!request) {
      request = [];
      mine.push(request);
      requests.push(request);
    }
    request.push(batch);
  }
  return requests;
}

/**
 * A Produce request's body (v3 to v7 alike): no transactional id, acks, the timeout, and the
 * topic with each partition's record batch. Built in one buffer at its size: kafkajs's encoders
 * grow by doubling, zeroed, and copy at each level, and a megabyte-sized batch copied five times
 * over made V8 collect several times a second.
 */
export function produceBody(topic: string, acks: number, timeoutMs: number, batches: readonly PartitionBatch[]): Buffer {
  const topicBytes = Buffer.byteLength(topic);
  let size = 2 + 2 + 4 + 4 + 2 + topicBytes + 4;
  for (const { batch } of batches) size += 4 + 4 + batch.length;
  const body = Buffer.allocUnsafe(size);
  let at = body.writeInt16BE(-1, 0);
  at = body.writeInt16BE(acks, at);
  at = body.writeInt32BE(timeoutMs, at);
  at = body.writeInt32BE(1, at);
  at = body.writeInt16BE(topicBytes, at);
  at += body.write(topic, at);
  at = body.writeInt32BE(batches.length, at);
  for (const { partition, batch } of batches) {
    at = body.writeInt32BE(partition, at);
    at = body.writeInt32BE(batch.length, at);
    at += batch.copy(body, at);
  }
  return body;
}

/** `bytes` as a kafkajs encoder holding them, without copying them. */
function encoderOf(bytes: Buffer): KafkajsEncoder {
  const encoder = new Encoder(0);
  encoder.buf = bytes;
  encoder.offset = bytes.length;
  return encoder;
}

/** How long a topic created on first use takes to have its partitions. */
const TOPIC_CREATION_WAIT_MS = 500;

/** Errors after which the partitions' leaders may have moved: the metadata is read again. */
const STALE_METADATA = new Set([
  'NOT_LEADER_FOR_PARTITION',
  'UNKNOWN_TOPIC_OR_PARTITION',
  'LEADER_NOT_AVAILABLE',
  'KafkaJSBrokerNotFound',
  'KafkaJSConnectionError',
]);

export class BatchProducer {
  readonly #cluster: KafkajsCluster;
  readonly #topic: string;
  readonly #acks: number;
  readonly #timeoutMs: number;
  readonly #apiVersion: 3 | 7;
  #partitions = 0;
  #refreshing: Promise<void> | null = null;

  constructor(
    options: Pick<KafkajsConfig, 'brokers' | 'clientId' | 'ssl' | 'sasl'>,
    topic: string,
    acks: number,
    timeoutMs: number,
    compression: KafkaConfig['compression'],
  ) {
    this.#topic = topic;
    this.#acks = acks;
    this.#timeoutMs = timeoutMs;
    this.#apiVersion = compression === 'zstd' ? 7 : 3;
    this.#cluster = new Cluster({
      logger: createLogger({ level: LEVELS.NOTHING, logCreator: () => () => {} }),
      socketFactory: socketFactory(),
      brokers: options.brokers,
      ssl: options.ssl,
      sasl: options.sasl,
      clientId: options.clientId,
      connectionTimeout: timeoutMs,
      requestTimeout: timeoutMs,
      enforceRequestTimeout: true,
      retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 },
      allowAutoTopicCreation: true,
      metadataMaxAge: 300_000,
    });
  }

  /** The topic's partitions, once connected; 0 before. */
  get partitions(): number {
    return this.#partitions;
  }

  /** Connects and reads the topic's partitions (creating the topic when the brokers allow it). */
  async connect(): Promise<void> {
    await this.#cluster.connect();
    try {
      await this.#cluster.addTargetTopic(this.#topic);
    } catch (err) {
      // A topic the brokers create on first use is not there on the first answer.
      if ((err as { type?: string }).type !== 'UNKNOWN_TOPIC_OR_PARTITION') throw err;
      await sleep(TOPIC_CREATION_WAIT_MS);
      await this.#cluster.refreshMetadata();
    }
    this.#readPartitions();
    if (this.#partitions === 0)
      throw new Error(`topic ${this.#topic} does not exist and the brokers did not create it: create it, or allow auto.create.topics.enable`);
  }

  /** The broker that leads `partition`, as the metadata last said; undefined when unknown. */
  leader(partition: number): number | undefined {
    return this.#cluster.findTopicPartitionMetadata(this.#topic).find((p) => p.partitionId === partition)?.leader;
  }

  /**
   * Record batches, one per partition, all led by the same broker (see `leader`), in one Produce
   * request; rejects with kafkajs's error.
   */
  async send(batches: PartitionBatch[]): Promise<void> {
    try {
      const leader = this.leader(batches[0].partition);
      if (leader === undefined)
        throw Object.assign(new Error(`topic ${this.#topic} has no partition ${batches[0].partition} (yet)`), { type: 'UNKNOWN_TOPIC_OR_PARTITION' });
      const broker = await this.#cluster.findBroker({ nodeId: leader });
      await broker.connectionPool.send({ request: this.#request(batches), response: PRODUCE_RESPONSES[this.#apiVersion], requestTimeout: this.#timeoutMs });
    } catch (err) {
      const e = err as { type?: string; name?: string };
      if (STALE_METADATA.has(e.type ?? '') || STALE_METADATA.has(e.name ?? '')) void this.#refresh();
      throw err;
    }
  }

  async disconnect(): Promise<void> {
    await this.#cluster.disconnect();
  }

  #request(batches: PartitionBatch[]) {
    const acks = this.#acks;
    const body = produceBody(this.#topic, acks, this.#timeoutMs, batches);
    return {
      apiKey: Produce,
      apiVersion: this.#apiVersion,
      apiName: 'Produce',
      expectResponse: () => acks !== 0,
      encode: async () => encoderOf(body),
    };
  }

  #refresh(): Promise<void> {
    this.#refreshing ??= this.#cluster
      .refreshMetadata()
      .then(() => this.#readPartitions())
      .catch(() => {})
      .finally(() => {
        this.#refreshing = null;
      });
    return this.#refreshing;
  }

  #readPartitions(): void {
    this.#partitions = this.#cluster.findTopicPartitionMetadata(this.#topic).length;
  }
}
