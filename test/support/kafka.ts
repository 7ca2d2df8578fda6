// A single-node Kafka broker (KRaft: broker and controller in one JVM) on loopback for the Kafka
// integration's tests: Maven Central's jars, fetched by .ci/kafka.sh into
// ~/.cache/floodwatch-test/kafka/libs, run on Java 17 in the test's own directory on free ports;
// killed and started again (on the same ports, with its data) at will.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import { DaemonProcess, eventually, freeTcpPort } from './gobgpd.js';

export const KAFKA_LIBS = join(process.env.FLOODWATCH_TEST_CACHE ?? join(homedir(), '.cache', 'floodwatch-test'), 'kafka', 'libs');

/** Why the broker cannot run here, or undefined when it can. */
export function kafkaMissing(): string | undefined {
  if (!existsSync(KAFKA_LIBS) || !readdirSync(KAFKA_LIBS).some((f) => /^kafka_2\.13-.*\.jar$/.test(f))) {
    return `the Kafka broker's jars are not in ${KAFKA_LIBS}: run .ci/kafka.sh (it fetches them from Maven Central with mvn)`;
  }
  try {
    execFileSync('java', ['-version'], { stdio: 'ignore' });
  } catch {
    return 'java is not installed: apt-get install openjdk-17-jre-headless (or run .ci/kafka.sh)';
  }
  return undefined;
}

export class KafkaBroker {
  #daemon: DaemonProcess | null = null;
  readonly logPath: string;
  readonly #properties: string;
  #formatted = false;

  private constructor(
    readonly dir: string,
    readonly port: number,
    readonly controllerPort: number,
    partitions: number,
  ) {
    this.logPath = join(dir, 'kafka.log');
    this.#properties = join(dir, 'server.properties');
    mkdirSync(join(dir, 'data'));
    writeFileSync(
      this.#properties,
      [
        'process.roles=broker,controller',
        'node.id=1',
        `controller.quorum.bootstrap.servers=127.0.0.1:${controllerPort}`,
        `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
        `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
        'controller.listener.names=CONTROLLER',
        'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
        'inter.broker.listener.name=PLAINTEXT',
        `log.dirs=${join(dir, 'data')}`,
        `num.partitions=${partitions}`,
        'auto.create.topics.enable=true',
        'offsets.topic.replication.factor=1',
        'offsets.topic.num.partitions=1',
        'transaction.state.log.replication.factor=1',
        'transaction.state.log.min.isr=1',
        'share.coordinator.state.topic.replication.factor=1',
        'share.coordinator.state.topic.min.isr=1',
        'group.initial.rebalance.delay.ms=0',
        '',
      ].join('\n'),
    );
  }

  /** Picks its ports and directory; start() runs it. Throws, saying how to prepare, when it cannot run here. */
  static async prepare(options: { partitions?: number } = {}): Promise<KafkaBroker> {
    const missing = kafkaMissing();
    if (missing) throw new Error(missing);
    const dir = mkdtempSync(join(tmpdir(), 'floodwatch-kafka-'));
    return new KafkaBroker(dir, await freeTcpPort(), await freeTcpPort(), options.partitions ?? 1);
  }

  static async start(options: { partitions?: number } = {}): Promise<KafkaBroker> {
    const broker = await KafkaBroker.prepare(options);
    await broker.start();
    return broker;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  get alive(): boolean {
    return this.#daemon?.alive ?? false;
  }

  /** The JVM's process id while it runs. */
  get pid(): number | undefined {
    return this.alive ? this.#daemon?.pid : undefined;
  }

  /** Runs it (again, with its data); resolves once it takes connections and has a controller. */
  async start(): Promise<void> {
    if (this.alive) return;
    const classpath = `${KAFKA_LIBS}/*`;
    if (!this.#formatted) {
      // A cluster id as Kafka writes one: 16 random bytes, URL-safe base64 without padding, never
      // starting with '-' (the storage tool would read it as an option, as Kafka's own ids avoid).
      let clusterId = randomBytes(16).toString('base64url');
      while (clusterId.startsWith('-')) clusterId = randomBytes(16).toString('base64url');
      execFileSync('java', ['-cp', classpath, 'kafka.tools.StorageTool', 'format', '--standalone', '-t', clusterId, '-c', this.#properties], {
        stdio: ['ignore', 'ignore', 'pipe'],
        timeout: 60_000,
      });
      this.#formatted = true;
    }
    this.#daemon = new DaemonProcess(
      'kafka',
      'java',
      ['-Xms128m', '-Xmx512m', '-XX:+UseSerialGC', '-cp', classpath, 'kafka.Kafka', this.#properties],
      this.logPath,
    );
    await eventually(
      `the Kafka broker to listen on ${this.address}`,
      async () => {
        if (!this.alive) throw new Error(`the Kafka broker exited:\n${this.#daemon?.log().slice(-4000)}`);
        return this.#listens();
      },
      60_000,
      200,
    );
  }

  /** As a crash: SIGKILL. */
  kill(): Promise<void> {
    return this.#daemon?.kill() ?? Promise.resolve();
  }

  async stop(): Promise<void> {
    await this.#daemon?.stop(10_000);
    rmSync(this.dir, { recursive: true, force: true });
  }

  log(): string {
    return this.#daemon?.log() ?? '';
  }

  client(): Kafka {
    return new Kafka({ clientId: 'floodwatch-test', brokers: [this.address], logLevel: logLevel.NOTHING });
  }

  /** Creates a topic (one partition unless told; `configs`: topic configs), waiting for its leader; one there already is kept. */
  async createTopic(topic: string, partitions = 1, configs: Record<string, string> = {}): Promise<void> {
    const admin = this.client().admin();
    await admin.connect();
    try {
      const configEntries = Object.entries(configs).map(([name, value]) => ({ name, value }));
      await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1, configEntries }], waitForLeaders: true });
    } catch (err) {
      // Created meanwhile by a producer (auto.create.topics.enable).
      if ((err as { type?: string }).type !== 'TOPIC_ALREADY_EXISTS') throw err;
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * Reads `topic` from its start until `until` says it has enough (or `timeoutMs` passes, then
   * throws saying how many it read); returns every message read, with its partition.
   */
  async read(topic: string, until: (messages: TopicMessage[]) => boolean, timeoutMs = 30_000): Promise<TopicMessage[]> {
    const consumer = this.client().consumer({ groupId: `floodwatch-test-${randomBytes(4).toString('hex')}`, maxWaitTimeInMs: 100 });
    const messages: TopicMessage[] = [];
    await this.createTopic(topic);
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachBatch: async ({ batch }) => {
          for (const message of batch.messages) messages.push({ partition: batch.partition, ...message });
        },
      });
      await eventually(`messages on topic ${topic} (read ${messages.length} so far)`, () => until(messages), timeoutMs, 100);
      return messages;
    } finally {
      await consumer.disconnect();
    }
  }

  /** Messages on the topic, from the offsets (cheap, reads nothing). */
  async count(topic: string): Promise<number> {
    const admin = this.client().admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(topic);
      return offsets.reduce((n, o) => n + Number(o.high) - Number(o.low), 0);
    } finally {
      await admin.disconnect();
    }
  }

  #listens(): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = connect(this.port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
  }
}

export type TopicMessage = KafkaMessage & { partition: number };
