// The ingest scenario on FastNetMon: replay a dataset at it for a fixed time, then read how
// many records it decoded, what it lost and what CPU it spent.
import { recordsInDatagrams, type DatagramDataset, type DatasetProtocol } from './datasets.js';
import { FASTNETMON_COUNTERS, startFastNetMon, type FastNetMon } from './fastnetmon.js';
import { sleep } from './processes.js';
import { sendDatagrams } from './datagram-sender.js';

/** The counter that says how many records of each protocol FastNetMon 1.2.4 decoded. */
export const DECODED_COUNTER: Record<DatasetProtocol, string> = {
  'netflow-v9': FASTNETMON_COUNTERS.netflowV9Flows,
  ipfix: FASTNETMON_COUNTERS.ipfixFlows,
  // 1.2.4 has no sFlow counter in /metrics: each decoded flow sample is one "simple packet".
  sflow: FASTNETMON_COUNTERS.simplePackets,
};

export interface IngestFigures {
  protocol: DatasetProtocol;
  /** Seconds the replayer sent for. */
  seconds: number;
  datagramsSent: number;
  recordsSent: number;
  recordsDecoded: number;
  /** Records sent per second. */
  sentPerSecond: number;
  /** Records decoded per second of sending. */
  decodedPerSecond: number;
  /** 1 - decoded/sent. */
  loss: number;
  /** Datagrams the kernel dropped on FastNetMon's socket (receive buffer full). */
  kernelDrops: number;
  /** FastNetMon's CPU-seconds (all threads) from the start of sending to the end of decoding. */
  cpuSeconds: number;
  cpuSecondsPerMillionRecords: number;
}

/** Waits until `counter` stops moving (the socket queue is drained), at most `maxMs`. */
async function settled(fnm: FastNetMon, counter: string, maxMs = 5000): Promise<Map<string, number>> {
  let last = await fnm.counters();
  const deadline = Date.now() + maxMs;
  while (Date.now() < deadline) {
    await sleep(250);
    const now = await fnm.counters();
    if (now.get(counter) === last.get(counter)) return now;
    last = now;
  }
  return last;
}

/** Replays `dataset` at a running FastNetMon for `seconds` (full speed unless `rate`) and measures it. */
export async function measureIngest(fnm: FastNetMon, dataset: DatagramDataset, options: { seconds?: number; rate?: number } = {}): Promise<IngestFigures> {
  const counter = DECODED_COUNTER[dataset.protocol];
  const before = await fnm.counters();
  const cpuBefore = fnm.cpuSeconds();
  const dropsBefore = fnm.kernelDrops();
  const port = dataset.protocol === 'sflow' ? fnm.sflowPort : fnm.netflowPort;
  const sent = await sendDatagrams({ pcap: dataset.pcap, port, seconds: options.seconds ?? 10, rate: options.rate });
  const after = await settled(fnm, counter);
  const cpu = fnm.cpuSeconds() - cpuBefore;
  const dropsAfter = fnm.kernelDrops();
  const decoded = (after.get(counter) ?? 0) - (before.get(counter) ?? 0);
  const recordsSent = recordsInDatagrams(dataset, sent.datagrams);
  const kernelDrops = dataset.protocol === 'sflow' ? dropsAfter.sflow - dropsBefore.sflow : dropsAfter.netflow - dropsBefore.netflow;
  return {
    protocol: dataset.protocol,
    seconds: sent.seconds,
    datagramsSent: sent.datagrams,
    recordsSent,
    recordsDecoded: decoded,
    sentPerSecond: recordsSent / sent.seconds,
    decodedPerSecond: decoded / sent.seconds,
    loss: recordsSent > 0 ? 1 - decoded / recordsSent : 0,
    kernelDrops,
    cpuSeconds: cpu,
    cpuSecondsPerMillionRecords: decoded > 0 ? cpu / (decoded / 1e6) : Number.NaN,
  };
}

/** Starts a fresh FastNetMon, measures one ingest scenario on it, stops it. */
export async function measureFastNetMonIngest(
  dataset: DatagramDataset,
  networks: readonly string[],
  options: { seconds?: number; rate?: number; prometheusPort?: number } = {},
): Promise<IngestFigures> {
  const fnm = await startFastNetMon({ networks, prometheusPort: options.prometheusPort });
  try {
    await sleep(1000); // let its threads settle after start-up
    return await measureIngest(fnm, dataset, options);
  } finally {
    await fnm.stop();
  }
}
