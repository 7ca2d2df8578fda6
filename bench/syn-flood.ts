// The detection-latency scenario's input: a SYN flood towards one monitored host, as sFlow v5
// datagrams with 1-in-1 sampling (every flow sample is one packet), made once with pmacctd's
// sfprobe and captured as sent, ready for floodwatch-datagram-sender at a chosen packet rate.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writePcap, type PacketSpec } from '../test/support/pcap.js';
import { captureDatagrams } from './capture.js';
import { pmacctdSflowExport } from './exporters.js';
import { freeUdpPort } from './ports.js';
import { onExit } from './processes.js';
import { recordsPerDatagram } from './record-count.js';

export const SYN_FLOOD_NETWORK = '198.51.100.0/24';
export const SYN_FLOOD_TARGET = '198.51.100.10';

export interface SynFloodDataset {
  /** Classic pcap of the sFlow datagrams, for floodwatch-datagram-sender. */
  pcap: string;
  target: string;
  monitoredNetworks: readonly string[];
  datagrams: number;
  /** Flow samples (one per SYN packet) in one pass of the file. */
  samples: number;
  samplesPerDatagram: number;
}

/** `packets` SYNs to the target from many sources and source ports, 40 bytes each. */
function synPackets(packets: number): PacketSpec[] {
  const start = 1_700_000_000;
  return Array.from({ length: packets }, (_, i) => ({
    src: `100.${64 + ((i >> 16) & 63)}.${(i >> 8) & 255}.${i & 255}`,
    dst: SYN_FLOOD_TARGET,
    protocol: 'tcp' as const,
    srcPort: 1024 + (i % 64_000),
    dstPort: 80,
    tcpFlags: 0x02,
    ipLength: 40,
    time: start + i * 0.000005,
  }));
}

/** Makes the dataset in a new temp dir, removed when this process exits. */
export async function makeSynFloodDataset(options: { packets?: number } = {}): Promise<SynFloodDataset> {
  const dir = mkdtempSync(join(tmpdir(), 'floodwatch-bench-syn-flood-'));
  onExit(() => rmSync(dir, { recursive: true, force: true }));
  const trafficPcap = join(dir, 'syn-flood-packets.pcap');
  writePcap(trafficPcap, synPackets(options.packets ?? 50_000));
  const port = await freeUdpPort();
  const pcap = join(dir, 'syn-flood-sflow.pcap');
  await captureDatagrams(port, pcap, () => pmacctdSflowExport(dir, trafficPcap, port));
  const perDatagram = await recordsPerDatagram(pcap, port, 'sflow');
  const samples = perDatagram.reduce((a, b) => a + b, 0);
  if (samples === 0) throw new Error(`${pcap}: tshark finds no sFlow flow sample in ${perDatagram.length} datagrams`);
  // The replayer sends datagrams at a fixed rate: only a file without sample-less datagrams
  // (counter samples alone) turns that rate into an even packet rate.
  const empty = perDatagram.filter((n) => n === 0).length;
  if (empty > perDatagram.length / 100) {
    throw new Error(`${pcap}: ${empty} of ${perDatagram.length} datagrams hold no flow sample; the packet rate would be uneven`);
  }
  return {
    pcap,
    target: SYN_FLOOD_TARGET,
    monitoredNetworks: [SYN_FLOOD_NETWORK],
    datagrams: perDatagram.length,
    samples,
    samplesPerDatagram: samples / perDatagram.length,
  };
}

/** The datagram rate that sends `packetsPerSecond` flow samples, one packet each. */
export function datagramRateFor(dataset: SynFloodDataset, packetsPerSecond: number): number {
  return packetsPerSecond / dataset.samplesPerDatagram;
}
