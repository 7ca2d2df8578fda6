// The ingest scenario on floodwatch: the same replay as FastNetMon's (fastnetmon-ingest.ts),
// figures from floodwatch's own counters.
import { recordsInDatagrams, type DatagramDataset } from './datasets.js';
import type { IngestFigures } from './fastnetmon-ingest.js';
import { FloodwatchProcess } from './floodwatch.js';
import { sleep } from './processes.js';
import { sendDatagrams } from './datagram-sender.js';

async function settled(fw: FloodwatchProcess, maxMs = 5000) {
  let last = await fw.stats();
  const deadline = Date.now() + maxMs;
  while (Date.now() < deadline) {
    await sleep(250);
    const now = await fw.stats();
    if (now.records === last.records) return now;
    last = now;
  }
  return last;
}

export async function measureFloodwatchIngest(
  dataset: DatagramDataset,
  networks: readonly string[],
  options: { seconds?: number; rate?: number; workers?: number } = {},
): Promise<IngestFigures> {
  const fw = await FloodwatchProcess.start({ listen: ['127.0.0.1:0'], networks: [...networks], workers: options.workers ?? 0 });
  try {
    await sleep(500);
    const port = Number(fw.listening[0].split(':').pop());
    const before = await fw.stats();
    const cpuBefore = fw.cpuSeconds();
    const sent = await sendDatagrams({ pcap: dataset.pcap, port, seconds: options.seconds ?? 10, rate: options.rate });
    const after = await settled(fw);
    const cpu = fw.cpuSeconds() - cpuBefore;
    const decoded = after.records - before.records;
    const recordsSent = recordsInDatagrams(dataset, sent.datagrams);
    return {
      protocol: dataset.protocol,
      seconds: sent.seconds,
      datagramsSent: sent.datagrams,
      recordsSent,
      recordsDecoded: decoded,
      sentPerSecond: recordsSent / sent.seconds,
      decodedPerSecond: decoded / sent.seconds,
      loss: recordsSent > 0 ? Math.max(0, 1 - decoded / recordsSent) : 0,
      kernelDrops: after.kernel_drops - before.kernel_drops,
      cpuSeconds: cpu,
      cpuSecondsPerMillionRecords: decoded > 0 ? cpu / (decoded / 1e6) : Number.NaN,
    };
  } finally {
    await fw.stop();
  }
}
