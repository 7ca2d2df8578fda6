// Scenario: the Kafka export at the engine's full NetFlow v9 ingest rate. The same replay as the
// ingest scenario into floodwatch without export, then exporting every record to a local
// single-node broker (JSON and Protobuf, each with gzip, lz4 and zstd; and with the default codec
// at 1.5 M records/s): records decoded and exported per second, the records dropped at the
// engine's bounded queue, and the CPU of floodwatch and of the broker. Also the cost model: what
// exporting costs floodwatch per record over export off at the same 1.5 M records/s, and full
// speed with export on but no broker answering (the workers' side alone: its queue stays full).
// FastNetMon's Debian build has no Kafka export: its column stays empty. Printed, never asserted.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { KafkaBroker, kafkaMissing } from '../test/support/kafka.js';
import type { EngineConfig } from '../ts/engine/index.js';
import { kafkaDefaults, type KafkaConfig } from '../ts/integrations/kafka/config.js';
import { cpuSeconds } from './cpu.js';
import { recordsInDatagrams, type DatagramDataset } from './datasets.js';
import { freeTcpPort } from './ports.js';
import { sleep } from './processes.js';
import { sendDatagrams } from './datagram-sender.js';
import type { Row } from './table.js';

interface ExportStats {
  records: number;
  exported: number;
  dropped_queue_full: number;
  dropped_send_failed: number;
  bytes: number;
  batches: number;
  errors: number;
  queue_batches: number;
}

/** The codecs measured, each with both formats. */
const CODECS = ['gzip', 'lz4', 'zstd'] as const;
/**
 * Also measured with the default codec below full speed: at full speed the sender and ingest take
 * both cores, and the export, packed at the lowest priority, only what they leave.
 */
const FIXED_RECORDS_PER_SECOND = 1_500_000;

export interface KafkaExportFigures {
  format: 'off' | 'json' | 'protobuf';
  compression: KafkaConfig['compression'];
  /** Datagrams a second sent; undefined: full speed. */
  rate?: number;
  seconds: number;
  recordsSent: number;
  decodedPerSecond: number;
  exportedPerSecond: number;
  dropped: number;
  sendFailed: number;
  bytesPerRecord: number;
  floodwatchCpuSeconds: number;
  /** floodwatch's CPU-s per M records decoded. */
  cpuSecondsPerMillionRecords: number;
  brokerCpuSeconds: number | null;
}

class ExportProcess {
  readonly #child: ChildProcess;
  readonly #lines: AsyncIterator<string>;
  listening: string[] = [];

  private constructor(child: ChildProcess) {
    this.#child = child;
    this.#lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  }

  static async start(engine: EngineConfig, kafka: KafkaConfig): Promise<ExportProcess> {
    const script = fileURLToPath(new URL('./kafka-export-engine.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify({ engine, kafka })], { stdio: ['pipe', 'pipe', 'inherit'] });
    const proc = new ExportProcess(child);
    proc.listening = ((await proc.#next()) as { listening: string[] }).listening;
    return proc;
  }

  async #next(): Promise<unknown> {
    const { value, done } = await this.#lines.next();
    if (done) throw new Error('the floodwatch export process exited; see its standard error above');
    return JSON.parse(value);
  }

  async stats(): Promise<ExportStats> {
    this.#child.stdin!.write('stats\n');
    return (await this.#next()) as ExportStats;
  }

  cpuSeconds(): number {
    return cpuSeconds(this.#child.pid!);
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode !== null) return;
    this.#child.stdin!.write('stop\n');
    await new Promise((resolve) => this.#child.once('exit', resolve));
  }
}

/** Waits until the exported and dropped counts stop moving (the queue and the sends drained). */
async function drained(p: ExportProcess, maxMs = 20_000): Promise<ExportStats> {
  let last = await p.stats();
  const deadline = Date.now() + maxMs;
  while (Date.now() < deadline) {
    await sleep(500);
    const now = await p.stats();
    if (now.records === last.records && now.exported + now.dropped_send_failed === last.exported + last.dropped_send_failed && now.queue_batches === 0)
      return now;
    last = now;
  }
  return last;
}

async function measure(
  dataset: DatagramDataset,
  networks: readonly string[],
  seconds: number,
  kafka: KafkaConfig,
  broker: KafkaBroker | null,
  rate?: number,
): Promise<KafkaExportFigures> {
  const p = await ExportProcess.start({ listen: ['127.0.0.1:0'], networks: [...networks], workers: 0 }, kafka);
  try {
    await sleep(1000);
    const port = Number(p.listening[0].split(':').pop());
    const before = await p.stats();
    const cpuBefore = p.cpuSeconds();
    const brokerPid = broker?.pid;
    const brokerBefore = brokerPid ? cpuSeconds(brokerPid) : 0;
    const sent = await sendDatagrams({ pcap: dataset.pcap, port, seconds, rate });
    // With no broker answering, the queue stays full: nothing to wait for.
    const after = kafka.enabled && broker === null ? await p.stats() : await drained(p);
    const cpu = p.cpuSeconds() - cpuBefore;
    const decoded = after.records - before.records;
    const exported = after.exported - before.exported;
    return {
      format: kafka.enabled ? kafka.format : 'off',
      compression: kafka.compression,
      rate,
      seconds: sent.seconds,
      recordsSent: recordsInDatagrams(dataset, sent.datagrams),
      decodedPerSecond: decoded / sent.seconds,
      exportedPerSecond: exported / sent.seconds,
      dropped: after.dropped_queue_full - before.dropped_queue_full,
      sendFailed: after.dropped_send_failed - before.dropped_send_failed,
      bytesPerRecord: exported > 0 ? (after.bytes - before.bytes) / exported : 0,
      floodwatchCpuSeconds: cpu,
      cpuSecondsPerMillionRecords: decoded > 0 ? cpu / (decoded / 1e6) : Number.NaN,
      brokerCpuSeconds: brokerPid ? cpuSeconds(brokerPid) - brokerBefore : null,
    };
  } finally {
    await p.stop();
  }
}

export async function runKafkaExportScenario(
  dataset: DatagramDataset,
  networks: readonly string[],
  seconds: number,
  only: { codecs?: readonly KafkaConfig['compression'][]; formats?: readonly KafkaConfig['format'][] } = {},
): Promise<{ results: unknown; rows: Row[] }> {
  const missing = kafkaMissing();
  if (missing) return { results: { skipped: missing }, rows: [] };
  const broker = await KafkaBroker.start();
  try {
    const base = { ...kafkaDefaults(), enabled: true, brokers: [broker.address], events_topic: '' };
    const off = await measure(dataset, networks, seconds, { ...base, enabled: false }, null);
    // Right after export off, which it is compared with: full-speed figures drift over a run.
    const nobody = { ...base, brokers: [`127.0.0.1:${await freeTcpPort()}`], traffic_topic: 'bench-unanswered' };
    const unanswered = await measure(dataset, networks, seconds, nobody, null);
    const exporting: KafkaExportFigures[] = [];
    for (const compression of only.codecs ?? CODECS) {
      for (const format of only.formats ?? (['json', 'protobuf'] as const)) {
        const kafka = { ...base, traffic_topic: `bench-${format}-${compression}`, format, compression };
        exporting.push(await measure(dataset, networks, seconds, kafka, broker));
      }
    }
    const rate = Math.round(FIXED_RECORDS_PER_SECOND / (dataset.records / dataset.datagrams));
    for (const format of only.formats ?? (['json', 'protobuf'] as const)) {
      const kafka = { ...base, traffic_topic: `bench-${format}-fixed`, format };
      exporting.push(await measure(dataset, networks, seconds, kafka, broker, rate));
    }
    const offFixed = await measure(dataset, networks, seconds, { ...base, enabled: false }, null, rate);
    const rows: Row[] = [
      { figure: 'NetFlow v9 full speed, export off: records decoded/s', unit: 'M/s', fastnetmon: null, floodwatch: off.decodedPerSecond, better: 'higher' },
    ];
    for (const f of exporting) {
      const ingest = f.rate === undefined ? 'full NetFlow v9 ingest' : `${FIXED_RECORDS_PER_SECOND / 1e6} M NetFlow v9 records/s`;
      const label = `Kafka export ${f.format} + ${f.compression} at ${ingest}`;
      rows.push(
        { figure: `${label}: records decoded/s`, unit: 'M/s', fastnetmon: null, floodwatch: f.decodedPerSecond, better: 'higher' },
        { figure: `${label}: records exported/s`, unit: 'M/s', fastnetmon: null, floodwatch: f.exportedPerSecond, better: 'higher' },
        { figure: `${label}: records dropped (queue full)`, unit: 'M', fastnetmon: null, floodwatch: f.dropped / 1e6, better: 'lower' },
        { figure: `${label}: bytes per record sent`, unit: 'B', fastnetmon: null, floodwatch: f.bytesPerRecord, better: 'lower' },
        { figure: `${label}: floodwatch CPU-s per M records`, unit: 's', fastnetmon: null, floodwatch: f.cpuSecondsPerMillionRecords, better: 'lower' },
        { figure: `${label}: broker CPU-s`, unit: 's', fastnetmon: null, floodwatch: f.brokerCpuSeconds, better: 'lower' },
      );
      if (f.rate !== undefined && f.exportedPerSecond > 0)
        rows.push({
          figure: `${label}: floodwatch CPU-s per M records exported, over export off at that rate`,
          unit: 's',
          fastnetmon: null,
          floodwatch: (f.floodwatchCpuSeconds / f.seconds - offFixed.floodwatchCpuSeconds / offFixed.seconds) / (f.exportedPerSecond / 1e6),
          better: 'lower',
        });
    }
    rows.push(
      {
        figure: `NetFlow v9 at ${FIXED_RECORDS_PER_SECOND / 1e6} M records/s, export off: floodwatch CPU-s per M records`,
        unit: 's',
        fastnetmon: null,
        floodwatch: offFixed.cpuSecondsPerMillionRecords,
        better: 'lower',
      },
      {
        figure: 'NetFlow v9 full speed, export on but no broker answering: records decoded/s',
        unit: 'M/s',
        fastnetmon: null,
        floodwatch: unanswered.decodedPerSecond,
        better: 'higher',
      },
    );
    rows.push({
      figure: 'NetFlow v9 full speed, export off: CPU-s per M records',
      unit: 's',
      fastnetmon: null,
      floodwatch: off.cpuSecondsPerMillionRecords,
      better: 'lower',
    });
    return { results: { off, exporting, offFixed, unanswered }, rows };
  } finally {
    await broker.stop();
  }
}
