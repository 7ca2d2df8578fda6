// The benchmark's input datasets, made once per run in a temp dir: a pcap of many flows, and
// the same traffic as NetFlow v9 and IPFIX (softflowd) and sFlow v5 (pmacctd) datagrams,
// captured as they were sent, ready for floodwatch-datagram-sender.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writePcap } from '../test/support/pcap.js';
import { captureDatagrams } from './capture.js';
import { pmacctdSflowExport, softflowdExport } from './exporters.js';
import { freeUdpPort } from './ports.js';
import { onExit } from './processes.js';
import { recordsPerDatagram, type FlowProtocol } from './record-count.js';
import { DEFAULT_FLOWS, DEFAULT_HOSTS, MONITORED_NETWORKS, manyFlows } from './traffic.js';

export { MONITORED_NETWORKS } from './traffic.js';

export type DatasetProtocol = 'netflow-v9' | 'ipfix' | 'sflow';

/** A pcap of exporter datagrams and what one pass of it holds. */
export interface DatagramDataset {
  protocol: DatasetProtocol;
  /** Classic pcap of the datagrams, as captured on lo; replay it with floodwatch-datagram-sender. */
  pcap: string;
  /** The UDP port the datagrams were captured on (for tshark's `-d udp.port==PORT,...`). */
  capturePort: number;
  /** Datagrams in one pass of the file. */
  datagrams: number;
  /** Flow records (NetFlow v9, IPFIX) or flow samples (sFlow) in one pass of the file. */
  records: number;
  /** records[i] of each datagram, in file order. */
  recordsPerDatagram: number[];
}

export interface Datasets {
  dir: string;
  /** The generated traffic, one packet per flow. */
  trafficPcap: string;
  flows: number;
  hosts: number;
  monitoredNetworks: readonly string[];
  netflowV9: DatagramDataset;
  ipfix: DatagramDataset;
  sflow: DatagramDataset;
}

export interface DatasetOptions {
  /** Distinct 5-tuples (default 200 000). */
  flows?: number;
  /** Monitored hosts the flows go to (default 4001). */
  hosts?: number;
  /** Keep the temp dir after the process exits (default: removed). */
  keep?: boolean;
}

async function exportAndCapture(dir: string, protocol: DatasetProtocol, exportTo: (port: number) => Promise<void>): Promise<DatagramDataset> {
  const port = await freeUdpPort();
  const pcap = join(dir, `${protocol}.pcap`);
  await captureDatagrams(port, pcap, () => exportTo(port));
  const decoder: FlowProtocol = protocol === 'sflow' ? 'sflow' : 'cflow';
  const perDatagram = await recordsPerDatagram(pcap, port, decoder);
  const records = perDatagram.reduce((a, b) => a + b, 0);
  if (records === 0) throw new Error(`${pcap}: tshark finds no ${protocol} record in ${perDatagram.length} datagrams`);
  return { protocol, pcap, capturePort: port, datagrams: perDatagram.length, records, recordsPerDatagram: perDatagram };
}

/** Makes the datasets in a new temp dir (a few seconds to a minute). Prefer `datasets()`. */
export async function makeDatasets(options: DatasetOptions = {}): Promise<Datasets> {
  const flows = options.flows ?? DEFAULT_FLOWS;
  const hosts = options.hosts ?? DEFAULT_HOSTS;
  const dir = mkdtempSync(join(tmpdir(), 'floodwatch-bench-datasets-'));
  if (!options.keep) onExit(() => rmSync(dir, { recursive: true, force: true }));
  const trafficPcap = join(dir, 'traffic.pcap');
  writePcap(trafficPcap, manyFlows({ flows, hosts }));
  // One exporter at a time: each one reads the file as fast as it can.
  const netflowV9 = await exportAndCapture(dir, 'netflow-v9', (port) => softflowdExport(dir, trafficPcap, port, 9, flows));
  const ipfix = await exportAndCapture(dir, 'ipfix', (port) => softflowdExport(dir, trafficPcap, port, 10, flows));
  const sflow = await exportAndCapture(dir, 'sflow', (port) => pmacctdSflowExport(dir, trafficPcap, port));
  return { dir, trafficPcap, flows, hosts, monitoredNetworks: MONITORED_NETWORKS, netflowV9, ipfix, sflow };
}

const made = new Map<string, Promise<Datasets>>();

/** The datasets of this run: made on first call, the same ones on every later call. */
export function datasets(options: DatasetOptions = {}): Promise<Datasets> {
  const key = `${options.flows ?? DEFAULT_FLOWS}/${options.hosts ?? DEFAULT_HOSTS}`;
  let p = made.get(key);
  if (!p) {
    p = makeDatasets(options);
    made.set(key, p);
    p.catch(() => made.delete(key));
  }
  return p;
}

/** Records sent when `datagrams` datagrams of `dataset` were replayed from its start, looping. */
export function recordsInDatagrams(dataset: DatagramDataset, datagrams: number): number {
  const passes = Math.floor(datagrams / dataset.datagrams);
  let records = passes * dataset.records;
  const rest = datagrams % dataset.datagrams;
  for (let i = 0; i < rest; i++) records += dataset.recordsPerDatagram[i];
  return records;
}

/** Removes the datasets' temp dir now. */
export function removeDatasets(d: Datasets): void {
  rmSync(d.dir, { recursive: true, force: true });
}
