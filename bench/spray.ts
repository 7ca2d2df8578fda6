// The memory scenario: NetFlow v9 records towards `count` distinct IPv6 destinations, sent
// once at a fixed rate; resident memory sampled while they arrive and after.
import { join } from 'node:path';
import { writePcap, type PacketSpec } from '../test/support/pcap.js';
import { captureDatagrams } from './capture.js';
import { softflowdExport } from './exporters.js';
import { freeUdpPort } from './ports.js';
import { recordsPerDatagram } from './record-count.js';
import { replay } from './replay.js';
import { sleep } from './processes.js';

export const SPRAY_NETWORK = '2001:db8:f000::/36';

export interface SprayDataset {
  pcap: string;
  datagrams: number;
  records: number;
  destinations: number;
}

function destination(i: number): string {
  // 2001:db8:fXXX:XXXX::1 — distinct for i < 2^28.
  return `2001:db8:${(0xf000 | (i >>> 16)).toString(16)}:${(i & 0xffff).toString(16)}::1`;
}

export async function makeSprayDataset(dir: string, destinations: number): Promise<SprayDataset> {
  const packets: PacketSpec[] = new Array(destinations);
  for (let i = 0; i < destinations; i++) {
    packets[i] = { src: '2001:db8:1::1', dst: destination(i), protocol: 'udp', srcPort: 53, dstPort: 1024 + (i % 60000), ipLength: 120, time: 1_700_000_000 + i * 0.00001 };
  }
  const traffic = join(dir, 'spray-traffic.pcap');
  writePcap(traffic, packets);
  const port = await freeUdpPort();
  const pcap = join(dir, 'spray-netflow-v9.pcap');
  await captureDatagrams(port, pcap, () => softflowdExport(dir, traffic, port, 9, destinations));
  const perDatagram = await recordsPerDatagram(pcap, port, 'cflow');
  return { pcap, datagrams: perDatagram.length, records: perDatagram.reduce((a, b) => a + b, 0), destinations };
}

export interface MemoryFigures {
  /** Resident bytes before the spray. */
  before: number;
  /** Highest resident bytes seen while the spray arrived. */
  peak: number;
  /** Resident bytes `afterSeconds` after the spray ended. */
  after: number;
  afterSeconds: number;
}

/** Sends one pass of the spray at `rate` datagrams/s to `port` and samples `rss()` meanwhile. */
export async function measureSpray(dataset: SprayDataset, port: number, rss: () => number, rate: number, afterSeconds = 5): Promise<MemoryFigures> {
  const before = rss();
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, rss())), 100);
  try {
    await replay({ pcap: dataset.pcap, port, seconds: dataset.datagrams / rate, rate });
    await sleep(afterSeconds * 1000);
  } finally {
    clearInterval(sampler);
  }
  peak = Math.max(peak, rss());
  return { before, peak, after: rss(), afterSeconds };
}
