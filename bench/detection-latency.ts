// The detection-latency scenario: a SYN flood at a multiple of the pps threshold starts at a
// known instant; the time to the ban is the notify script's timestamp of its `ban` call minus
// that instant. Each measurement starts the system fresh, with the same datagrams at the same rate.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFastNetMon } from './fastnetmon.js';
import { startFloodwatchDaemon } from './floodwatch-daemon.js';
import { waitForBan, writeNotifyScript, type NotifyScript } from './notify-script.js';
import { sleep } from './processes.js';
import { sendDatagrams, type SendReport } from './datagram-sender.js';
import { datagramRateFor, type SynFloodDataset } from './syn-flood.js';
import { udpSocketDrops } from './udp-socket.js';

export type DetectorName = 'fastnetmon' | 'floodwatch';

/** FastNetMon's default pps threshold. */
export const DEFAULT_THRESHOLD_PPS = 20_000;

export interface LatencyRun {
  /** From Date.now() just before the replayer was spawned to the ban; null: no ban by the deadline. */
  seconds: number | null;
  /** From the replayer's own start of sending (its exit minus the time it reports) to the ban. */
  secondsFromReplayerStart: number | null;
  /** The replayer's start of sending minus the spawn instant (its start-up time). */
  replayerStartupSeconds: number;
  /** The random part of the wait between the system's start and the flood's. */
  phaseMs: number;
  /** The pps the system passed to the notify script with `ban`. */
  reportedPps: number | null;
  /** Flow samples (packets) per second the replayer actually sent. */
  packetsPerSecondSent: number;
  /** Datagrams the kernel dropped on the system's sFlow socket during the run. */
  kernelDrops: number;
}

export interface LatencyFigures {
  detector: DetectorName;
  /** The flood's rate as a multiple of the threshold. */
  multiple: number;
  thresholdPps: number;
  packetsPerSecond: number;
  datagramsPerSecond: number;
  floodSeconds: number;
  runs: LatencyRun[];
  /** Median of `seconds` over the runs (a run without a ban counts as infinitely late); null when it has no ban. */
  medianSeconds: number | null;
}

export interface DetectionLatencyOptions {
  thresholdPps?: number;
  /** How long the replayer sends; the ban is waited for until 5 s after it stopped. */
  floodSeconds?: number;
  repeats?: number;
  /**
   * The system's start-up settles for this long, plus a random 0 to 1000 ms, before the flood
   * starts: both systems update their speeds on a timer (FastNetMon once a second), and the
   * flood must not start at the same point of that timer in every run.
   */
  settleMs?: number;
}

interface DetectorUnderTest {
  sflowPort: number;
  /** Why the run cannot go on (the process exited), or undefined. */
  failure(): string | undefined;
  logTail(): string;
  stop(): Promise<void>;
}

function exitedFailure(name: string, pid: number, logTail: () => string): () => string | undefined {
  return () => {
    try {
      process.kill(pid, 0);
      return undefined;
    } catch {
      return `${name} exited during the flood; its log ends with:\n${logTail()}`;
    }
  };
}

async function startDetector(detector: DetectorName, dataset: SynFloodDataset, script: NotifyScript, thresholdPps: number): Promise<DetectorUnderTest> {
  const ban = { notifyScript: script.path, thresholdPps };
  if (detector === 'fastnetmon') {
    const fnm = await startFastNetMon({ networks: dataset.monitoredNetworks, ban });
    const logTail = () => fnm.logTail(15);
    return { sflowPort: fnm.sflowPort, failure: exitedFailure('FastNetMon', fnm.pid, logTail), logTail, stop: fnm.stop };
  }
  const fw = await startFloodwatchDaemon({ networks: dataset.monitoredNetworks, ...ban });
  const logTail = () => fw.logTail(15);
  return { sflowPort: fw.port, failure: exitedFailure('floodwatch run', fw.pid, logTail), logTail, stop: fw.stop };
}

/** One fresh start of `detector`, one flood, the time to its ban. */
export async function measureOnce(
  detector: DetectorName,
  dataset: SynFloodDataset,
  multiple: number,
  options: Required<DetectionLatencyOptions>,
): Promise<LatencyRun> {
  const dir = mkdtempSync(join(tmpdir(), 'floodwatch-bench-latency-'));
  const script = writeNotifyScript(dir);
  const rate = datagramRateFor(dataset, multiple * options.thresholdPps);
  let flood: Promise<{ report: SendReport; endedAt: number }> | undefined;
  let system: DetectorUnderTest | undefined;
  try {
    system = await startDetector(detector, dataset, script, options.thresholdPps);
    const phaseMs = Math.round(Math.random() * 1000);
    await sleep(options.settleMs + phaseMs);
    const dropsBefore = udpSocketDrops(system.sflowPort) ?? 0;
    const startedAt = Date.now();
    flood = sendDatagrams({ pcap: dataset.pcap, port: system.sflowPort, seconds: options.floodSeconds, rate }).then((report) => ({
      report,
      endedAt: Date.now(),
    }));
    flood.catch(() => undefined); // a replayer failure is thrown by `await flood` below, not as unhandled
    const deadline = startedAt + (options.floodSeconds + 5) * 1000;
    const ban = await waitForBan(script, dataset.target, deadline, system.failure);
    const { report, endedAt } = await flood;
    const replayerStartedAt = endedAt - report.seconds * 1000;
    const banAt = ban ? ban.time * 1000 : null;
    if (!ban) console.error(`${detector}: no ban within ${options.floodSeconds + 5} s of the flood's start; its log ends with:\n${system.logTail()}`);
    return {
      seconds: banAt === null ? null : (banAt - startedAt) / 1000,
      secondsFromReplayerStart: banAt === null ? null : (banAt - replayerStartedAt) / 1000,
      replayerStartupSeconds: (replayerStartedAt - startedAt) / 1000,
      phaseMs,
      reportedPps: ban?.pps ?? null,
      packetsPerSecondSent: (report.datagrams * dataset.samplesPerDatagram) / report.seconds,
      kernelDrops: (udpSocketDrops(system.sflowPort) ?? 0) - dropsBefore,
    };
  } finally {
    // The replayer stops by itself at the end of the flood; wait for it so that nothing is left.
    await flood?.catch(() => undefined);
    await system?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function median(values: (number | null)[]): number | null {
  if (values.length === 0) return null;
  const sorted = values.map((v) => v ?? Number.POSITIVE_INFINITY).sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const m = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return Number.isFinite(m) ? m : null;
}

/** `repeats` measurements of `detector` at `multiple` times the threshold. */
export async function measureDetectionLatency(
  detector: DetectorName,
  dataset: SynFloodDataset,
  multiple: number,
  options: DetectionLatencyOptions = {},
): Promise<LatencyFigures> {
  const o: Required<DetectionLatencyOptions> = {
    thresholdPps: options.thresholdPps ?? DEFAULT_THRESHOLD_PPS,
    floodSeconds: options.floodSeconds ?? 15,
    repeats: options.repeats ?? 3,
    settleMs: options.settleMs ?? 1000,
  };
  const runs: LatencyRun[] = [];
  for (let i = 0; i < o.repeats; i++) {
    const run = await measureOnce(detector, dataset, multiple, o);
    console.error(`  ${detector} at ${multiple}x, run ${i + 1}/${o.repeats}: ${run.seconds === null ? 'no ban' : `ban after ${run.seconds.toFixed(3)} s`}`);
    runs.push(run);
  }
  const packetsPerSecond = multiple * o.thresholdPps;
  return {
    detector,
    multiple,
    thresholdPps: o.thresholdPps,
    packetsPerSecond,
    datagramsPerSecond: datagramRateFor(dataset, packetsPerSecond),
    floodSeconds: o.floodSeconds,
    runs,
    medianSeconds: median(runs.map((r) => r.seconds)),
  };
}
